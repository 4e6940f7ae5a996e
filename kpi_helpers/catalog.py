"""KPI definitions as data (catalog.yaml) and the checks on a KPI selection.

SKELETON: the dataclasses below are the agreed contract; the loader is being written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Term = tuple[str, int]  # (measure name, +1 or -1)

LANGS = ("nl", "en")
DOMAINS = ("marketing", "sales", "production", "customer_service", "hr")
KINDS = ("performance", "quality")
TYPES = ("sum", "ratio", "growth")
UNITS = ("count", "currency", "percent", "ratio", "minutes", "days")
DIRECTIONS = ("higher", "lower")


@dataclass(frozen=True)
class Measure:
    id: str
    labels: dict[str, str]
    unit: str = "count"


@dataclass(frozen=True)
class DefinitionCard:
    """The six questions a KPI definition answers, per language."""

    result: dict[str, str]
    how: dict[str, str]
    influence: dict[str, str]
    measure: dict[str, str]
    time: dict[str, str]
    owner: dict[str, str]


@dataclass(frozen=True)
class Kpi:
    id: str
    labels: dict[str, str]
    descriptions: dict[str, str]
    domain: str
    kind: str
    type: str
    numerator: tuple[Term, ...]
    denominator: tuple[Term, ...] | None = None
    growth_of: str | None = None
    unit: str = "count"
    direction: str = "higher"
    partners: tuple[str, ...] = ()
    breakdown: str | None = None
    card: DefinitionCard | None = field(default=None, compare=False)

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels["en"]

    @property
    def measures(self) -> set[str]:
        terms = self.numerator + (self.denominator or ())
        return {m for m, _ in terms}
