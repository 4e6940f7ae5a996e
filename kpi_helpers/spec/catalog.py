"""KPI definitions as data (catalog.yaml) and the checks on a KPI selection.

The catalog is declarative, like dbt MetricFlow: a ratio names its numerator and
denominator measures, so the engine can re-aggregate it at any grain (sum first,
divide last) without parsing formula strings. Everything a marketer may edit lives
in catalog.yaml; this module only loads, validates and answers questions about it.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from kpi_helpers.exceptions import CatalogError, UnknownKpiError
from kpi_helpers.i18n import messages
from kpi_helpers.spec.safeyaml import excerpt
from kpi_helpers.spec.vocab import DIMENSIONS, UNITS

Term = tuple[str, int]  # (measure name, +1 or -1)

LANGS = ("nl", "en")
DOMAINS = ("marketing", "sales", "production", "customer_service", "hr")
KINDS = ("performance", "quality")
TYPES = ("sum", "ratio", "growth")

DIRECTIONS = ("higher", "lower")
MEASURE_UNITS = ("count", "currency", "minutes", "days", "hours")
#: How a measure aggregates (like a semantic layer's `agg`): `sum` is additive over days and
#: dimensions; `count_distinct` counts an entity (orders, customers, visitors) once per period and
#: dimension value; `first_event` counts each entity's first-ever event (new customers).
AGGREGATIONS = ("sum", "count_distinct", "first_event")

CARD_FIELDS = ("result", "how", "influence", "measure", "time", "owner")
MAX_PER_DOMAIN = 3

RESERVED_NAMES = ("date", "order_id", "customer_id", "quantity", *DIMENSIONS)

DEFAULT_PATH = Path(__file__).with_name("catalog.yaml")
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The catalog `load_catalog()` answers with: the bundled one, or a client's (bundled + the
# measures and KPIs of its params file) while that client is worked on (see `use_catalog`).
_ACTIVE: contextvars.ContextVar[Catalog | None] = contextvars.ContextVar("kpi_catalog", default=None)
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_KPI_KEYS = {
    "id",
    "labels",
    "descriptions",
    "domain",
    "kind",
    "type",
    "measure",
    "numerator",
    "denominator",
    "of",
    "unit",
    "direction",
    "partners",
    "breakdown",
    "card",
}


@dataclass(frozen=True)
class Measure:
    id: str
    labels: dict[str, str]
    unit: str = "count"
    agg: str = "sum"
    entity: str | None = None  # what count_distinct / first_event count: order, customer, visitor

    @property
    def additive(self) -> bool:
        return self.agg == "sum"

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.id


@dataclass(frozen=True)
class DefinitionCard:
    """The six questions a KPI definition answers, per language."""

    result: dict[str, str]
    how: dict[str, str]
    influence: dict[str, str]
    measure: dict[str, str]
    time: dict[str, str]
    owner: dict[str, str]

    def text(self, lang: str = "en") -> dict[str, str]:
        """The six answers in one language, in the canonical order (for tables/widgets)."""
        return {f: getattr(self, f).get(lang) or getattr(self, f).get("en", "") for f in CARD_FIELDS}


@dataclass(frozen=True)
class Kpi:
    """One KPI. For growth KPIs, numerator/denominator are copied from the base KPI
    (`growth_of`), so `kpi.measures` is always the set of measures needed."""

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

    def description(self, lang: str = "en") -> str:
        return self.descriptions.get(lang) or self.descriptions.get("en", "")

    @property
    def measures(self) -> set[str]:
        terms = self.numerator + (self.denominator or ())
        return {m for m, _ in terms}


class Catalog:
    """Read-only collection of KPIs, measures and built-in pairs."""

    def __init__(
        self,
        kpis: dict[str, Kpi],
        measures: dict[str, Measure],
        pairs: list[tuple[str, str]],
        source: Path | None = None,
    ):
        self._kpis = dict(kpis)
        self.measures: dict[str, Measure] = dict(measures)
        self.pairs: list[tuple[str, str]] = list(pairs)
        self.source = source

    def __getitem__(self, kpi_id: str) -> Kpi:
        try:
            return self._kpis[kpi_id]
        except (KeyError, TypeError):
            raise UnknownKpiError(_unknown_message("KPI", kpi_id, self._kpis)) from None

    def __contains__(self, kpi_id: object) -> bool:
        return kpi_id in self._kpis

    def __iter__(self) -> Iterator[Kpi]:
        return iter(self._kpis.values())

    def __len__(self) -> int:
        return len(self._kpis)

    def __repr__(self) -> str:
        return f"Catalog({len(self)} KPIs, {len(self.measures)} measures, source={self.source})"

    @property
    def ids(self) -> list[str]:
        return list(self._kpis)

    def get(self, kpi_id: str, default: Kpi | None = None) -> Kpi | None:
        return self._kpis.get(kpi_id, default)

    def by_domain(self, domain: str) -> list[Kpi]:
        """KPIs of one domain, in catalog order; an unknown domain is an error, not []."""
        if domain not in DOMAINS:
            raise CatalogError(f"Unknown domain '{domain}'; choose one of {', '.join(DOMAINS)}.")
        return [k for k in self if k.domain == domain]

    def computable(self, measure_names: Iterable[str]) -> list[Kpi]:
        """KPIs whose measures are all available (growth KPIs: those of their base KPI)."""
        available = set(measure_names)
        return [k for k in self if k.measures <= available]


def _unknown_message(what: str, name: Any, known: Iterable[str], lang: str = "en") -> str:
    """'Unknown X' with a difflib 'did you mean' hint, so a typo is fixed in one step."""
    close = [repr(c) for c in difflib.get_close_matches(str(name), list(known), n=3, cutoff=0.6)]
    hint = (
        messages.text("catalog.did_you_mean", lang, options=messages.text("catalog.or", lang).join(close))
        if close
        else ""
    )
    return messages.text(
        "catalog.unknown_kpi" if what == "KPI" else "catalog.unknown", lang, what=what, name=name, hint=hint
    )


# ---------------------------------------------------------------------------- loading


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load and validate a catalog; the bundled default is parsed once and cached. Without a
    path, inside `use_catalog(client_catalog)` the client's catalog is returned."""
    if path is None:
        return _ACTIVE.get() or _load_default()
    return _load(Path(path))


@contextlib.contextmanager
def use_catalog(catalog: Catalog | None) -> Iterator[Catalog]:
    """Make `load_catalog()` answer with a client's catalog (its own measures and KPIs) for the
    duration of the block: data loading, the engine and views then know the client's names."""
    token = _ACTIVE.set(catalog)
    try:
        yield catalog or _load_default()
    finally:
        _ACTIVE.reset(token)


def default_catalog() -> Catalog:
    """The bundled catalog, whatever client is active."""
    return _load_default()


def activate_catalog(catalog: Catalog | None) -> None:
    """`use_catalog` without an end, for a notebook kernel that works on one client."""
    _ACTIVE.set(catalog)


# ---------------------------------------------------------------------------- KPIs named in a summary
#: summary.json's key for the KPIs it names (written by `kpi_helpers.run.report.client_summary`):
#: what a reader needs to name and format each one, so page one, alerts, since-last and the index
#: know a client's own KPIs without its params file (and an old summary keeps its own words).
SUMMARY_KPIS = "kpi_catalog"


@dataclass(frozen=True)
class KpiFacts:
    """What a report needs of a KPI to name and format it."""

    id: str
    labels: dict[str, str]
    unit: str = "count"
    type: str = "sum"
    direction: str = "higher"

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.id


def kpi_facts(catalog: Catalog, kpi_ids: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """{KPI id: {labels, unit, type, direction}} for the ids `catalog` knows (JSON-safe)."""
    return {
        k.id: {"labels": dict(k.labels), "unit": k.unit, "type": k.type, "direction": k.direction}
        for kid in dict.fromkeys(kpi_ids)
        if isinstance(kid, str) and (k := catalog.get(kid)) is not None
    }


def summary_kpi(summary: Any, kpi_id: Any) -> KpiFacts | None:
    """THE lookup of a KPI named in a client's summary (page one, alerts, since-last, index): the
    client's catalog as the summary carries it (`SUMMARY_KPIS`, its own KPIs included), else the
    bundled catalog (a summary written before it carried one); None when neither knows the id."""
    entry = ((summary or {}).get(SUMMARY_KPIS) or {}).get(kpi_id) if isinstance(kpi_id, str) else None
    if isinstance(entry, dict) and isinstance(entry.get("labels"), dict):
        unit, kind, direction = entry.get("unit"), entry.get("type"), entry.get("direction")
        if unit in UNITS and kind in TYPES and direction in DIRECTIONS:
            labels = {str(k): str(v) for k, v in entry["labels"].items()}
            return KpiFacts(str(kpi_id), labels, str(unit), str(kind), str(direction))
    bundled = _load_default().get(kpi_id) if isinstance(kpi_id, str) else None
    if bundled is None:
        return None
    return KpiFacts(bundled.id, dict(bundled.labels), bundled.unit, bundled.type, bundled.direction)


@functools.lru_cache(maxsize=1)
def _load_default() -> Catalog:
    return _build(_default_raw(), DEFAULT_PATH)


@functools.lru_cache(maxsize=1)
def _default_raw() -> dict[str, Any]:
    return _read_raw(DEFAULT_PATH)


def _read_raw(path: Path) -> Any:
    try:
        # libyaml's safe loader when present: same safe tags, ~10x faster (every kernel parses the catalog)
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the catalog ({exc.strerror or exc}).") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from exc


def _load(path: Path) -> Catalog:
    return _build(_read_raw(path), path)


def client_catalog(measures: Any, kpis: list[tuple[int, Any]]) -> tuple[Catalog | None, list[tuple[str, str]]]:
    """The bundled catalog plus a client's own `measures:` and KPI definitions (the mapping
    items of its `kpis:` list, given as (position in that list, definition)).

    Checked by the same code as catalog.yaml, plus: ids not already in the catalog, measure
    names that are not data fields, `agg` one of AGGREGATIONS. Returns (catalog or None when
    there is nothing extra, [(params field, problem)])."""
    if not measures and not kpis:
        return None, []
    problems: list[tuple[str, str]] = []
    base = _load_default()
    if measures is None:
        measures = {}
    if not isinstance(measures, dict):
        return None, [("measures", "must be a mapping of measure id -> {labels: {nl, en}, unit, agg}")]
    for mid, spec in measures.items():
        where = f"measures.{mid}"
        if not isinstance(mid, str) or not _ID_RE.match(mid):
            problems.append((where, "a measure id is snake_case (a-z, 0-9, _), starting with a letter"))
        elif mid in base.measures:
            problems.append(
                (
                    where,
                    (
                        f"'{mid}' is already a catalog measure; map your column to it under "
                        "data.columns instead of declaring it"
                    ),
                )
            )
        elif mid in RESERVED_NAMES:
            problems.append((where, f"'{mid}' is a data field, not a measure"))
        if not isinstance(spec, dict):
            problems.append((where, "must be a mapping with labels: {nl, en}, unit and (optional) agg"))
            continue
        unknown = sorted(set(spec) - {"labels", "unit", "agg"})
        if unknown:
            problems.append((where, f"unknown field(s) {', '.join(map(str, unknown))} (use labels, unit, agg)"))
        if spec.get("agg", "sum") not in AGGREGATIONS:
            problems.append(
                (f"{where}.agg", f"{excerpt(spec.get('agg'))} is not allowed; use one of {', '.join(AGGREGATIONS)}")
            )
    where_of: dict[str, str] = {}
    for index, entry in kpis:
        kid = entry.get("id") if isinstance(entry, dict) else None
        where = f"kpis[{index}]"
        if not kid:
            problems.append((where, "a KPI definition needs an 'id' (and labels, domain, kind, type, unit)"))
            continue
        if not isinstance(kid, str):
            problems.append((f"{where}.id", f"{excerpt(kid)} is not an id (snake_case text)"))
            continue
        where_of[str(kid)] = where
        if kid in base:
            problems.append((f"{where}.id", f"'{kid}' is already a catalog KPI; list it by id, or choose another id"))
    clashes = {kid for _, e in kpis if isinstance(e, dict) for kid in [e.get("id")] if kid in base}
    raw = _default_raw()
    merged = {
        "measures": {**(raw.get("measures") or {}), **measures},
        "kpis": list(raw["kpis"]) + [e for _, e in kpis if isinstance(e, dict) and e.get("id") not in clashes],
        "pairs": raw.get("pairs") or [],
    }
    parsed, found = _parse(merged)
    for line in found:  # "kpi 'x': ..." / "measure 'y': ..." -> the params field
        match = re.match(r"^(kpi|measure) '([^']*)': (.*)$", line, re.DOTALL)
        if match and match.group(1) == "kpi" and match.group(2) in where_of:
            problems.append((where_of[match.group(2)], match.group(3)))
        elif match and match.group(1) == "measure" and match.group(2) in measures:
            problems.append((f"measures.{match.group(2)}", match.group(3)))
        else:
            problems.append(("kpis", line))
    if problems or parsed is None:
        return None, problems
    kpis_out, measures_out, pairs_out = parsed
    return Catalog(kpis_out, measures_out, pairs_out, source=base.source), []


def _langs(value: Any, where: str, what: str, problems: list[str]) -> dict[str, str]:
    """A {nl, en} text mapping; missing or empty languages are problems."""
    if not isinstance(value, dict):
        problems.append(f"{where}: '{what}' must be a mapping with 'nl' and 'en' texts")
        return {}
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: missing {lang} text in '{what}'")
    return {str(k): str(v) for k, v in value.items()}


def _terms(value: Any, where: str, what: str, measures: dict, problems: list[str]) -> tuple[Term, ...]:
    """Parse a term list ('revenue' or [revenue, -ad_spend]) and check the measure names."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        problems.append(f"{where}: '{what}' must be a measure name or a list of measure names")
        return ()
    terms: list[Term] = []
    for item in items:
        text = str(item).strip()
        sign = -1 if text.startswith("-") else 1
        name = text.lstrip("-+ ").strip()
        if name not in measures:
            problems.append(f"{where}: {_unknown_message('measure', name, measures)} (in '{what}')")
        terms.append((name, sign))
    return tuple(terms)


def _choice(
    entry: dict, key: str, options: tuple[str, ...], where: str, problems: list[str], default: str | None = None
) -> str:
    value = entry.get(key, default)
    if value not in options:
        problems.append(f"{where}: bad {key} '{value}', choose one of {', '.join(options)}")
    return str(value)


def _card(value: Any, where: str, problems: list[str]) -> DefinitionCard | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append(f"{where}: 'card' must be a mapping of the six questions")
        return None
    missing = [f for f in CARD_FIELDS if f not in value]
    if missing:
        problems.append(f"{where}: card misses {', '.join(missing)}")
    texts = {f: _langs(value.get(f, {}), where, f"card.{f}", problems) for f in CARD_FIELDS if f in value}
    return DefinitionCard(**{f: texts.get(f, {}) for f in CARD_FIELDS})


def _build(raw: Any, path: Path) -> Catalog:
    """Turn parsed YAML into a Catalog, collecting every problem before raising once."""
    if not isinstance(raw, dict) or not isinstance(raw.get("kpis"), list):
        raise CatalogError(f"{path}: the catalog needs a top-level 'kpis:' list (and 'measures:').")
    parsed, problems = _parse(raw)
    if problems or parsed is None:
        raise CatalogError(
            f"{path}: {len(problems)} problem(s) in the KPI catalog:\n" + "\n".join(f"  - {p}" for p in problems)
        )
    kpis, measures, pairs = parsed
    return Catalog(kpis, measures, pairs, source=path)


def _parse(
    raw: dict[str, Any],
) -> tuple[tuple[dict[str, Kpi], dict[str, Measure], list[tuple[str, str]]] | None, list[str]]:
    """The checks of one catalog (bundled or bundled + a client's): (parts, problems)."""
    problems: list[str] = []

    measures: dict[str, Measure] = {}
    raw_measures = raw.get("measures") or {}
    if not isinstance(raw_measures, dict):
        problems.append("'measures' must be a mapping of measure id -> {labels, unit}")
        raw_measures = {}
    for mid, spec in raw_measures.items():
        where = f"measure '{mid}'"
        spec = spec if isinstance(spec, dict) else {}
        labels = _langs(spec.get("labels"), where, "labels", problems)
        unit = _choice(spec, "unit", MEASURE_UNITS, where, problems, default="count")
        agg = _choice(spec, "agg", AGGREGATIONS, where, problems, default="sum")
        entity = spec.get("entity")
        if agg != "sum" and not (isinstance(entity, str) and entity):
            problems.append(f"{where}: agg '{agg}' needs an 'entity' (what is counted, e.g. customer)")
        measures[str(mid)] = Measure(str(mid), labels, unit, agg, entity if agg != "sum" else None)

    entries: list[tuple[str, dict, str]] = []  # (id, raw entry, where)
    seen: set[str] = set()
    for i, entry in enumerate(raw["kpis"], start=1):
        if not isinstance(entry, dict) or not entry.get("id"):
            problems.append(f"kpi #{i}: every KPI needs an 'id'")
            continue
        kid = str(entry["id"])
        where = f"kpi '{kid}'"
        if kid in seen:
            problems.append(f"{where}: duplicate id")
            continue
        seen.add(kid)
        if not _ID_RE.match(kid):
            problems.append(f"{where}: id must be snake_case (a-z, 0-9, _)")
        unknown = sorted(set(entry) - _KPI_KEYS)
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
        entries.append((kid, entry, where))

    kpis: dict[str, Kpi] = {}
    growth: list[tuple[str, dict, str]] = []
    for kid, e, where in entries:
        labels = _langs(e.get("labels"), where, "labels", problems)
        descriptions = _langs(e["descriptions"], where, "descriptions", problems) if "descriptions" in e else {}
        domain = _choice(e, "domain", DOMAINS, where, problems)
        kind = _choice(e, "kind", KINDS, where, problems)
        ktype = _choice(e, "type", TYPES, where, problems)
        unit = _choice(e, "unit", UNITS, where, problems, default="count")
        direction = _choice(e, "direction", DIRECTIONS, where, problems, default="higher")
        numerator: tuple[Term, ...] = ()
        denominator: tuple[Term, ...] | None = None
        if ktype == "sum":
            numerator = _terms(e.get("measure"), where, "measure", measures, problems)
        elif ktype == "ratio":
            numerator = _terms(e.get("numerator"), where, "numerator", measures, problems)
            denominator = _terms(e.get("denominator"), where, "denominator", measures, problems)
        partners = e.get("partners") or []
        if isinstance(partners, str):
            partners = [partners]
        for p in partners:
            if p not in seen:
                problems.append(f"{where}: {_unknown_message('partner KPI', p, seen)}")
        breakdown = e.get("breakdown")
        if breakdown is not None and breakdown not in DIMENSIONS:
            problems.append(f"{where}: bad breakdown '{breakdown}', choose one of {', '.join(DIMENSIONS)}")
        kpis[kid] = Kpi(
            id=kid,
            labels=labels,
            descriptions=descriptions,
            domain=domain,
            kind=kind,
            type=ktype,
            numerator=numerator,
            denominator=denominator,
            growth_of=None,
            unit=unit,
            direction=direction,
            partners=tuple(str(p) for p in partners),
            breakdown=breakdown,
            card=_card(e.get("card"), where, problems),
        )
        if ktype == "growth":
            growth.append((kid, e, where))

    for kid, e, where in growth:  # second pass: the base may be defined further down
        base_id = e.get("of")
        base = kpis.get(str(base_id)) if base_id is not None else None
        if base is None:
            problems.append(f"{where}: growth base 'of' — {_unknown_message('KPI', base_id, kpis)}")
        elif base.type == "growth":
            problems.append(f"{where}: growth 'of' must be a sum or ratio KPI, not growth KPI '{base_id}'")
        else:
            old = kpis[kid]
            kpis[kid] = Kpi(
                **{**old.__dict__, "growth_of": base.id, "numerator": base.numerator, "denominator": base.denominator}
            )

    pairs: list[tuple[str, str]] = []
    for item in raw.get("pairs") or []:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            problems.append(f"pair {excerpt(item)}: must be [performance_kpi, quality_kpi]")
            continue
        perf, qual = str(item[0]), str(item[1])
        where = f"pair [{perf}, {qual}]"
        bad = [x for x in (perf, qual) if x not in kpis]
        for x in bad:
            problems.append(f"{where}: {_unknown_message('KPI', x, kpis)}")
        if not bad:
            if kpis[perf].kind != "performance":
                problems.append(f"{where}: first KPI '{perf}' must be a performance KPI")
            if kpis[qual].kind != "quality":
                problems.append(f"{where}: second KPI '{qual}' must be a quality KPI")
        pairs.append((perf, qual))

    return (kpis, measures, pairs), problems


def __getattr__(name: str) -> Any:
    """`BUILTIN_PAIRS` is read lazily from the default catalog (the YAML is the source)."""
    if name == "BUILTIN_PAIRS":
        return tuple(load_catalog().pairs)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------------- questions


def suggest_partners(kpi_id: str, catalog: Catalog | None = None) -> list[str]:
    """Partners for a KPI: a performance KPI gets quality KPIs (declared first, then
    built-in pairs); a quality KPI gets the performance KPIs it pairs with."""
    cat = catalog or load_catalog()
    kpi = cat[kpi_id]
    if kpi.kind == "performance":
        found = list(kpi.partners) + [q for p, q in cat.pairs if p == kpi.id]
    else:
        found = [p for p, q in cat.pairs if q == kpi.id]
        found += [k.id for k in cat if kpi.id in k.partners]
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class SelectionWarning:
    """One advice about a KPI selection; messages in both languages."""

    code: str
    message: dict[str, str]
    kpi: str | None = None
    domain: str | None = None

    def text(self, lang: str = "en") -> str:
        return self.message.get(lang) or self.message["en"]


def check_selection(
    kpi_ids: Iterable[str],
    pairs: Iterable[tuple[str, str]] | None = None,
    catalog: Catalog | None = None,
    lang: str = "en",
) -> list[SelectionWarning]:
    """Advice on a chosen set of KPIs (and optional chosen pairs): unknown ids, volume
    KPIs without a quality counterweight (Goodhart), too many KPIs per domain.
    Every warning carries nl and en; `lang` is accepted for symmetry, use `.text(lang)`."""
    cat = catalog or load_catalog()
    selected = list(dict.fromkeys(kpi_ids))
    chosen_pairs = [tuple(p) for p in (pairs or [])]
    warnings: list[SelectionWarning] = []

    for kid in selected + [x for p in chosen_pairs for x in p if x not in selected]:
        if kid not in cat:
            warnings.append(
                SelectionWarning(
                    "unknown_kpi",
                    _en_first({lang: _unknown_message("KPI", kid, cat.ids, lang) for lang in LANGS}),
                    kpi=str(kid),
                )
            )
    known = [cat[k] for k in selected if k in cat]

    for perf, qual in chosen_pairs:
        if perf not in cat or qual not in cat:
            continue
        if cat[perf].kind != "performance" or cat[qual].kind != "quality":
            warnings.append(
                SelectionWarning(
                    "pair_not_performance_quality",
                    _en_first(
                        messages.per_language(
                            "catalog.pair_not_performance_quality",
                            perf=perf,
                            qual=qual,
                            perf_kind=messages.per_language(f"catalog.kind_{cat[perf].kind}"),
                            qual_kind=messages.per_language(f"catalog.kind_{cat[qual].kind}"),
                        )
                    ),
                    kpi=perf,
                )
            )

    quality_selected = {k.id for k in known if k.kind == "quality"}
    paired = {p for p, q in chosen_pairs if q in cat and cat[q].kind == "quality"}
    for k in known:
        if k.kind != "performance" or k.id in paired:
            continue
        partners = suggest_partners(k.id, cat)
        if quality_selected & set(partners):
            continue
        names = {
            lang: ", ".join(f"{cat[p].label(lang)} ({p})" for p in partners[:3])
            or messages.text("catalog.a_quality_kpi", lang)
            for lang in LANGS
        }
        warnings.append(
            SelectionWarning(
                "performance_without_quality",
                _en_first(
                    messages.per_language(
                        "catalog.performance_without_quality",
                        label={lang: k.label(lang) for lang in LANGS},
                        names=names,
                    )
                ),
                kpi=k.id,
                domain=k.domain,
            )
        )

    for domain in DOMAINS:
        n = sum(1 for k in known if k.domain == domain)
        if n > MAX_PER_DOMAIN:
            warnings.append(
                SelectionWarning(
                    "too_many_in_domain",
                    _en_first(
                        messages.per_language(
                            "catalog.too_many_in_domain", n=n, domain=messages.per_language(f"catalog.domain_{domain}")
                        )
                    ),
                    domain=domain,
                )
            )
    return warnings


def _en_first(message: dict[str, str]) -> dict[str, str]:
    """A warning's `{lang: text}` with English first (the order these dicts always had)."""
    return {lang: message[lang] for lang in ("en", *LANGS) if lang in message}


# ---------------------------------------------------------------------------- display


def _format_terms(terms: tuple[Term, ...]) -> str:
    parts = []
    for i, (name, sign) in enumerate(terms):
        op = ("-" if sign < 0 else "") if i == 0 else (" - " if sign < 0 else " + ")
        parts.append(f"{op}sum({name})")
    return "".join(parts)


def format_formula(kpi: Kpi) -> str:
    """Human-readable formula, e.g. 'sum(revenue) / sum(orders)' or 'growth(revenue)'."""
    if kpi.type == "growth":
        text = f"growth({kpi.growth_of})"
    elif kpi.denominator is None:
        text = _format_terms(kpi.numerator)
    else:
        num, den = _format_terms(kpi.numerator), _format_terms(kpi.denominator)
        num = f"({num})" if len(kpi.numerator) > 1 else num
        den = f"({den})" if len(kpi.denominator) > 1 else den
        text = f"{num} / {den}"
    return f"{text} by {kpi.breakdown}" if kpi.breakdown else text


_FORMULA_WORDS = ("sum", "growth", "by")


def readable_formula(kpi: Kpi, lang: str, catalog: Catalog | None = None) -> str:
    """The formula in the report's language with measure names: 'som(bestellingen) / som(bezoeken)'."""
    catalog = catalog or load_catalog()
    words = {k: messages.text(f"catalog.formula_{k}", lang) for k in _FORMULA_WORDS}

    def name(measure: str) -> str:
        m = catalog.measures.get(measure)
        return m.label(lang).lower() if m else measure

    def terms(items: tuple[Term, ...]) -> str:
        parts = []
        for i, (measure, sign) in enumerate(items):
            op = ("-" if sign < 0 else "") if i == 0 else (" - " if sign < 0 else " + ")
            parts.append(f"{op}{words['sum']}({name(measure)})")
        text = "".join(parts)
        return f"({text})" if len(items) > 1 else text

    if kpi.type == "growth":
        of = (
            catalog[kpi.growth_of].label(lang).lower()
            if kpi.growth_of and kpi.growth_of in catalog
            else str(kpi.growth_of)
        )
        text = f"{words['growth']}({of})"
    elif kpi.denominator is None:
        text = (
            "".join(terms(((m, s),)) for m, s in kpi.numerator[:1])
            if len(kpi.numerator) == 1
            else terms(kpi.numerator)[1:-1]
        )
    else:
        text = f"{terms(kpi.numerator)} / {terms(kpi.denominator)}"
    if not kpi.breakdown:
        return text
    from kpi_helpers.i18n.formats import t

    return f"{text} {words['by']} {t(kpi.breakdown, lang).lower()}"


def kpi_table(catalog: Catalog | None = None, domain: str | None = None, lang: str = "en") -> pd.DataFrame:
    """One row per KPI (for `kpi-workbook list-kpis` and the notebooks' pair picker)."""
    cat = catalog or load_catalog()
    kpis = cat.by_domain(domain) if domain else list(cat)
    rows = [
        {
            "id": k.id,
            "label": k.label(lang),
            "domain": k.domain,
            "kind": k.kind,
            "unit": k.unit,
            "direction": k.direction,
            "formula": format_formula(k),
            "partners": ", ".join(suggest_partners(k.id, cat)),
        }
        for k in kpis
    ]
    columns = ["id", "label", "domain", "kind", "unit", "direction", "formula", "partners"]
    return pd.DataFrame(rows, columns=columns)
