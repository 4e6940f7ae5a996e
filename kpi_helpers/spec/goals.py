"""SMART goals: the `Goal` model and the SMART check (one finding per letter, with a fix).

A goal's `target` is the KPI's value over the whole window [start, deadline]: a total for sum
KPIs, the ratio over the window for ratio KPIs. `baseline` is the same KPI over the comparable
window of the same length just before `start`. So target / baseline is the change between two
windows whose midpoints lie `months` apart, and the compound monthly growth that gets there is
(target / baseline) ** (1 / months) - 1 (exact for a series growing at a constant monthly rate).

KPIs a goal may name: an id from the catalog, or one of the few goal-level KPIs in
`GOAL_LEVEL_KPIS` (profit, margins) that come from the accounts, not from the workbook data.
Anything else fails the M check, and `kpi_helpers.compute.chains.check_chain` warns about it. Goal
chains (profit <- revenue <- visitors) and the driver trees live in `kpi_helpers.compute.chains`.

Messages come in Dutch and English ({'nl': ..., 'en': ...}); a tiny local number formatter
keeps this module free of Babel (nl uses a decimal comma; values a user types, such as
"0.35", are always written with a point because params files and widgets expect that).
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, model_validator

from kpi_helpers.exceptions import GoalError
from kpi_helpers.i18n.messages import per_language, text
from kpi_helpers.spec.vocab import LANGUAGES

Text = dict[str, str]
#: The languages as plain strings: the keys of every `{lang: text}` dict here (they print as literals).
_LANGS: tuple[str, ...] = tuple(str(lang) for lang in LANGUAGES)
Horizon = Literal["quarter", "1y", "2y", "3y"]

HORIZON_MONTHS: dict[str, int] = {"quarter": 3, "1y": 12, "2y": 24, "3y": 36}

# Goal-level KPIs: allowed in goals although the catalog cannot compute them (from the accounts).
GOAL_LEVEL_KPIS: dict[str, dict[str, Any]] = {
    "profit": {"labels": per_language("smart.kpi_profit"), "unit": "currency"},
    "gross_profit": {"labels": per_language("smart.kpi_gross_profit"), "unit": "currency"},
    "profit_margin": {"labels": per_language("smart.kpi_profit_margin"), "unit": "percent"},
    "gross_margin": {"labels": per_language("smart.kpi_gross_margin"), "unit": "percent"},
}

LETTERS: tuple[str, ...] = ("S", "M", "A", "R", "T")
LETTER_NAMES: dict[str, Text] = {letter: per_language(f"smart.letter_{letter}") for letter in LETTERS}
_STATUS_RANK = {"pass": 0, "warn": 1, "fail": 2}
_NO_FIX: Text = dict.fromkeys(_LANGS, "")


# --------------------------------------------------------------------------- formatting
def _nl(s: str) -> str:
    return s.replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt_number(x: float | None, lang: str = "en", decimals: int | None = None) -> str:
    """1,234.5 (en) / 1.234,5 (nl); n/a for missing values."""
    if x is None or not math.isfinite(x):
        return text("formats.not_available", lang) if x is None or math.isnan(x) else ("∞" if x > 0 else "-∞")
    if decimals is None:
        decimals = 0 if abs(x) >= 100 else 2
    if abs(x) >= 1e12:
        s = f"{x:.3g}"
    else:
        s = f"{x:,.{decimals}f}"
        if "." in s and decimals and abs(x) < 100:
            s = s.rstrip("0").rstrip(".")
    return _nl(s) if lang == "nl" else s


def fmt_percent(x: float | None, lang: str = "en", decimals: int = 1, signed: bool = True) -> str:
    """A fraction as percent: +4.1 % (en) / +4,1 % (nl)."""
    if x is None or math.isnan(x):
        return text("formats.not_available", lang)
    v = x * 100
    if not math.isfinite(v):
        return ("+∞ %" if signed else "∞ %") if v > 0 else "-∞ %"
    s = f"{v:{'+' if signed else ''},.{decimals}f}"
    if s.lstrip("+-").strip("0.,") == "":  # -0.0 -> 0.0
        s = f"{0:,.{decimals}f}"
    s = _nl(s) if lang == "nl" else s
    return f"{s} %"


def pct0(x: float, lang: str) -> str:
    return fmt_percent(x, lang, decimals=0 if abs(x) >= 0.095 else 1)


_MONTHS = {lang: text("smart.month_names", lang).split() for lang in _LANGS}


def fmt_date(d: dt.date, lang: str = "en") -> str:
    return f"{d.day} {_MONTHS[lang][d.month - 1]} {d.year}"


def _months_text(m: float, lang: str) -> str:
    return fmt_number(round(m, 1), lang, 1)


# --------------------------------------------------------------------------- catalog access
@dataclass(frozen=True)
class _KpiInfo:
    id: str
    known: bool  # in the catalog
    goal_level: bool
    labels: Text
    unit: str
    direction: str
    type: str
    can_be_negative: bool

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.id

    @property
    def share(self) -> bool:
        """A percentage of a whole, written as a fraction from 0 to 1 (0.032 = 3.2 %): a percent KPI that
        is no growth rate and subtracts no term (ROI = (revenue − spend) / spend may well be 300 %)."""
        return self.unit == "percent" and not self.can_be_negative


def get_catalog(catalog: Any) -> Any:
    if catalog is not None:
        return catalog
    from kpi_helpers.spec.catalog import load_catalog  # lazy: the catalog loads catalog.yaml

    return load_catalog()


def _catalog_ids(catalog: Any) -> list[str]:
    return [k if isinstance(k, str) else k.id for k in catalog]


def kpi_info(kpi_id: str, catalog: Any) -> _KpiInfo:
    if kpi_id in catalog:
        k = catalog[kpi_id]
        negative = k.type == "growth" or any(sign < 0 for _, sign in k.numerator)
        return _KpiInfo(kpi_id, True, False, dict(k.labels), k.unit, k.direction, k.type, negative)
    if kpi_id in GOAL_LEVEL_KPIS:
        g = GOAL_LEVEL_KPIS[kpi_id]
        return _KpiInfo(kpi_id, False, True, g["labels"], g["unit"], "higher", "sum", kpi_id.endswith("profit"))
    return _KpiInfo(kpi_id, False, False, dict.fromkeys(_LANGS, kpi_id), "count", "higher", "sum", False)


def _fmt_value(x: float | None, info: _KpiInfo, lang: str) -> str:
    if info.unit == "percent" and x is not None and math.isfinite(x) and abs(x) <= 1:
        return fmt_percent(x, lang, signed=False)
    return fmt_number(x, lang)


# --------------------------------------------------------------------------- the goal model
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "goal"


def _safe_pow(base: float, exp: float) -> float:
    try:
        return base**exp
    except OverflowError:
        return math.inf


def _months_between(start: dt.date, deadline: dt.date) -> float:
    """Calendar months of the inclusive window: 1 Jan - 31 Mar = 3.0, 1 Jan - 30 Jun next year = 18.0."""
    whole = (deadline.year - start.year) * 12 + (deadline.month - start.month)
    return whole + (deadline.day + 1 - start.day) / calendar.monthrange(deadline.year, deadline.month)[1]


def _horizon_for(months: float) -> Horizon | None:
    for name, limit in (("quarter", 3.5), ("1y", 12.5), ("2y", 24.5), ("3y", 36.5)):
        if 0 < months <= limit:
            return name  # type: ignore[return-value]
    return None


_LAST_YEAR_WORDS = re.compile(
    r"\b(vorig jaar|vorige jaar|vorig jaar dezelfde|zelfde periode|dezelfde periode|jaar op jaar|"
    r"last year|previous year|same period|same quarter|same month|year[- ]on[- ]year|year[- ]over[- ]year|yoy)\b",
    re.IGNORECASE,
)
_MONTH_WORDS = {
    "nl": ["jan", "feb", "maart", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
    "en": ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
}


def _names_last_year(statement: str, start: dt.date) -> bool:
    """Does the statement compare with the same window one year before `start`?"""
    text = " ".join(statement.lower().split())
    if _LAST_YEAR_WORDS.search(text):
        return True
    year = start.year - 1
    quarter = (start.month - 1) // 3 + 1
    if re.search(rf"\bq{quarter}\s*(?:'|20)?{str(year)[2:]}\b|\b{quarter}e\s+kwartaal\s+{year}\b", text):
        return True
    names = {_MONTH_WORDS["nl"][start.month - 1], _MONTH_WORDS["en"][start.month - 1]}
    return any(re.search(rf"\b{name}[a-z]*\.?\s+{year}\b", text) for name in names)


class Goal(BaseModel):
    """One goal. Fields are only type-checked: a goal drafted in a widget may be incomplete,
    and what is semantically wrong with it is reported by `smart_check`."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    statement: str
    kpi: str
    baseline: float | None = None
    target: float
    start: dt.date
    deadline: dt.date
    owner: str | None = None
    horizon: Horizon | None = None
    parent: str | None = None
    # What the baseline is: the equally long window just before `start` ('previous') or the same
    # window a year earlier ('last_year', "+15 % in Q4 2026 vs Q4 2025"). None: read from the
    # statement (see `comparison`).
    compare: Literal["previous", "last_year"] | None = None
    # Targets per period (optional): 'YYYY-MM' (months) or 'YYYY-Qn' (quarters) -> the KPI's value in
    # that period (a total for sum KPIs, the rate for ratio KPIs); one grain, every period of the
    # window. Pacing then expects what these periods say (see `period_targets`).
    targets: dict[str, float] | None = None
    # A limit the KPI's value in each period must respect ("stay above 3 %"): `floor` (at least),
    # `ceiling` (at most), both = a band. Checked on the latest complete period at the report grain.
    floor: float | None = None
    ceiling: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not str(data.get("id") or "").strip() and isinstance(data.get("kpi"), str):
            data = {**data, "id": _slug(data["kpi"])}
        if isinstance(data, dict) and isinstance(data.get("targets"), dict):
            # YAML reads `2026-01-01:` as a date: keep it as text, `target_problems` says what to write
            data = {**data, "targets": {str(k): v for k, v in data["targets"].items()}}
        if isinstance(data, dict) and "band" in data:
            band = data["band"]
            if not (isinstance(band, list | tuple) and len(band) == 2):
                raise ValueError("band: give two numbers [floor, ceiling], e.g. band: [0.03, 0.05]")
            rest = {k: v for k, v in data.items() if k != "band"}
            if rest.get("floor") is not None or rest.get("ceiling") is not None:
                raise ValueError("band: give either `band` or `floor`/`ceiling`, not both")
            data = {**rest, "floor": band[0], "ceiling": band[1]}
        return data

    @property
    def months(self) -> float:
        """Length of the window [start, deadline] in calendar months (negative if reversed)."""
        return _months_between(self.start, self.deadline)

    @property
    def effective_horizon(self) -> Horizon | None:
        """`horizon`, or derived from the window: up to 3.5 months a quarter, then 1y/2y/3y."""
        return self.horizon or _horizon_for(self.months)

    @property
    def required_change(self) -> float | None:
        """target / baseline - 1 (None without a positive baseline or a finite target)."""
        b, t = self.baseline, self.target
        if b is None or not math.isfinite(b) or b <= 0 or not math.isfinite(t) or t < 0:
            return None
        return t / b - 1

    @property
    def comparison(self) -> str:
        """'last_year' when the baseline is the same window a year earlier: set in `compare`,
        or a window shorter than a year whose statement names that window a year back ("Q4 2025"
        for a Q4 2026 goal, "oktober 2025", "vs last year", "t.o.v. vorig jaar"); else 'previous'.
        For windows of a whole year both readings are the same comparison."""
        if self.compare:
            return self.compare
        if 0 < self.months < 11.5 and _names_last_year(self.statement, self.start):
            return "last_year"
        return "previous"

    @property
    def comparison_months(self) -> float:
        """Months between the midpoints of the baseline window and the goal window."""
        return 12.0 if self.comparison == "last_year" else self.months

    @property
    def required_monthly_growth(self) -> float | None:
        """Compound growth per month that turns the baseline into the target between the two
        windows' midpoints (`months` apart, or 12 for a year-on-year goal)."""
        change, months = self.required_change, self.comparison_months
        if change is None or months <= 0:
            return None
        return _safe_pow(1 + change, 1 / months) - 1


# --------------------------------------------------------------------------- targets per period
_MONTH_KEY = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER_KEY = re.compile(r"^(\d{4})-[Qq]([1-4])$")
#: Per-period targets of a sum KPI that add up to within this share of the end target agree with it.
TARGETS_SUM_TOLERANCE = 0.005


@dataclass(frozen=True)
class PeriodTarget:
    """One period's target: `key` as written ('2026-01', '2026-Q1'), its grain and first/last day."""

    key: str
    grain: str  # 'month' | 'quarter'
    start: dt.date
    end: dt.date
    target: float

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def parse_period_key(key: str) -> tuple[str, dt.date, dt.date] | None:
    """'2026-02' -> ('month', 1 Feb, 28 Feb); '2026-Q1' -> ('quarter', 1 Jan, 31 Mar); else None."""
    m = _MONTH_KEY.match(str(key).strip())
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        return "month", dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1])
    q = _QUARTER_KEY.match(str(key).strip())
    if q:
        y, n = int(q.group(1)), int(q.group(2))
        last = 3 * n
        return "quarter", dt.date(y, last - 2, 1), dt.date(y, last, calendar.monthrange(y, last)[1])
    return None


def period_key(start: dt.date, grain: str) -> str:
    """The key of the month or quarter starting at `start` ('2026-01', '2026-Q1')."""
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}" if grain == "quarter" else f"{start.year}-{start.month:02d}"


def _window_periods(start: dt.date, deadline: dt.date, grain: str) -> list[tuple[dt.date, dt.date]]:
    step = 3 if grain == "quarter" else 1
    first_month = start.month if grain == "month" else start.month - (start.month - 1) % 3
    out = []
    y, m = start.year, first_month
    while dt.date(y, m, 1) <= deadline:
        end_m = m + step - 1
        out.append((dt.date(y, m, 1), dt.date(y, end_m, calendar.monthrange(y, end_m)[1])))
        y, m = (y + 1, m + step - 12) if m + step > 12 else (y, m + step)
    return out


def target_problems(goal: Goal) -> list[tuple[str, str]]:
    """What is wrong with a goal's per-period targets: (field under the goal, message). Keys must be
    months 'YYYY-MM' or quarters 'YYYY-Qn', one grain, inside the goal window and covering it whole."""
    if goal.targets is None:
        return []
    if not goal.targets:
        return [("targets", "is empty; leave it out or give a target for every month ('2026-01: 60000')")]
    problems: list[tuple[str, str]] = []
    parsed: dict[str, tuple[str, dt.date, dt.date]] = {}
    for key, value in goal.targets.items():
        p = parse_period_key(key)
        if p is None:
            problems.append(
                (
                    f"targets.{key}",
                    f"{key[:40]!r} is not a month (YYYY-MM, e.g. 2026-01) or a quarter (YYYY-Qn, e.g. 2026-Q1)",
                )
            )
            continue
        parsed[key] = p
        if not math.isfinite(value) or value < 0:
            problems.append((f"targets.{key}", f"{value} is not a KPI value (a finite number >= 0)"))
    grains = {p[0] for p in parsed.values()}
    if len(grains) > 1:
        example = ", ".join(sorted(parsed)[:4])
        return problems + [("targets", f"mixes months and quarters ({example}); use one grain per goal")]
    if not parsed or problems:
        return problems
    grain = grains.pop()
    window = f"{goal.start.isoformat()} – {goal.deadline.isoformat()}"
    for key, (_, s, e) in sorted(parsed.items(), key=lambda kv: kv[1][1]):
        if s < goal.start or e > goal.deadline:
            problems.append((f"targets.{key}", f"lies outside the goal window {window}"))
    if problems or goal.deadline <= goal.start:
        return problems
    whole = _window_periods(goal.start, goal.deadline, grain)
    word = {"month": "month", "quarter": "quarter"}[grain]
    if whole[0][0] != goal.start or whole[-1][1] != goal.deadline:
        return [
            (
                "targets",
                f"the goal window {window} is not made of whole {word}s; targets per {word} need a start on "
                f"the first day of a {word} and a deadline on the last day of one",
            )
        ]
    given = {p[1] for p in parsed.values()}
    missing = [period_key(s, grain) for s, _ in whole if s not in given]
    if missing:
        shown = ", ".join(missing[:6]) + (" …" if len(missing) > 6 else "")
        problems.append(
            (
                "targets",
                f"no target for {shown}; give one for every {word} of the goal window "
                f"({period_key(whole[0][0], grain)} to {period_key(whole[-1][0], grain)})",
            )
        )
    return problems


def period_targets(goal: Any) -> list[PeriodTarget]:
    """A goal's per-period targets in time order ([] without `targets`); GoalError when they are not
    valid (see `target_problems`; `load_params` refuses such files first)."""
    targets = goal.get("targets") if isinstance(goal, dict) else getattr(goal, "targets", None)
    if not targets:
        return []
    if isinstance(goal, dict):
        goal = Goal.model_validate(goal)
    problems = target_problems(goal)
    if problems:
        raise GoalError(f"Goal '{goal.id}': " + "; ".join(f"{f}: {m}" for f, m in problems))
    out = []
    for key, value in goal.targets.items():
        grain, s, e = parse_period_key(key)  # type: ignore[misc]
        out.append(PeriodTarget(period_key(s, grain), grain, s, e, float(value)))
    return sorted(out, key=lambda p: p.start)


def _fraction_problem(value: float) -> str:
    """A share KPI's value above 100 %, with the fraction the user probably meant."""
    hint = f"write {value / 100:g} for {value:g} %" if 1 < value <= 100 else "write 0.032 for 3.2 % (a fraction of 1)"
    return f"{value:g} means {value * 100:,.0f} % for a percentage KPI (percentages are fractions: 1 = 100 %); {hint}"


def bound_problems(goal: Goal, share: bool) -> list[tuple[str, str]]:
    """Floor and ceiling: finite, the floor not above the ceiling, fractions (at most 1) for share KPIs
    (`_KpiInfo.share`), the same rule as the goal's target (`scale_problems`)."""
    problems: list[tuple[str, str]] = []
    for name in ("floor", "ceiling"):
        value = getattr(goal, name)
        if value is None:
            continue
        if not math.isfinite(value):
            problems.append((name, f"{value} is not a finite number"))
        elif share and not -1 <= value <= 1:
            problems.append((name, _fraction_problem(value)))
    if goal.floor is not None and goal.ceiling is not None and goal.floor > goal.ceiling:
        problems.append(("floor", f"{goal.floor:g} is above the ceiling {goal.ceiling:g}"))
    return problems


def scale_problems(goal: Goal, share: bool) -> list[tuple[str, str]]:
    """Target, baseline and per-period targets of a share KPI above 1 (100 %): "target: 3.2" for a
    3.2 % conversion rate would be paced as 320 %."""
    if not share:
        return []
    values = [("target", goal.target), ("baseline", goal.baseline)]
    values += [(f"targets.{key}", value) for key, value in (goal.targets or {}).items()]
    return [(name, _fraction_problem(v)) for name, v in values if v is not None and math.isfinite(v) and v > 1]


#: How long a period is at each grain, to spread a sum KPI's window target evenly over the periods its
#: floor/ceiling are checked on: calendar months for month, quarter and year; days for day and week.
PERIOD_MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}
PERIOD_DAYS: dict[str, int] = {"day": 1, "week": 7}


def limit_problems(goal: Goal, kpi_type: str, grain: str) -> list[tuple[str, str]]:
    """A floor above the target or a ceiling below it: a period on target would break the limit (a
    false alarm), or the target cannot be reached within the limits. The floor and ceiling hold for
    each period at the report `grain`; the target is the window's value — the same for a ratio, for
    a sum KPI its per-period targets (`targets:` at that grain) or the target spread evenly."""
    if (goal.floor is None and goal.ceiling is None) or not math.isfinite(goal.target) or goal.deadline <= goal.start:
        return []
    if kpi_type != "sum":
        lowest = highest = goal.target
        what = f"the goal's target {goal.target:g}"
    else:
        plan = [p for p in period_targets(goal) if p.grain == grain] if not target_problems(goal) else []
        if plan:
            lowest, highest = min(p.target for p in plan), max(p.target for p in plan)
            what = f"the {grain}ly targets ({lowest:,.0f} to {highest:,.0f})"
        else:
            days = (goal.deadline - goal.start).days + 1
            periods = goal.months / PERIOD_MONTHS[grain] if grain in PERIOD_MONTHS else days / PERIOD_DAYS[grain]
            lowest = highest = goal.target / max(periods, 1.0)
            what = f"the target {goal.target:,.0f} spread over the window ({lowest:,.0f} per {grain})"
    problems = []
    if goal.floor is not None and math.isfinite(goal.floor) and goal.floor > lowest:
        problems.append(
            (
                "floor",
                f"{goal.floor:g} (for each {grain}) is above {what}: a {grain} on target would break the floor; "
                "the floor is the least you accept, so set it at or below the target",
            )
        )
    if goal.ceiling is not None and math.isfinite(goal.ceiling) and goal.ceiling < highest:
        problems.append(
            (
                "ceiling",
                f"{goal.ceiling:g} (for each {grain}) is below {what}: a {grain} on target would break the ceiling; "
                "the ceiling is the most you accept, so set it at or above the target",
            )
        )
    return problems


# --------------------------------------------------------------------------- SMART report
@dataclass(frozen=True)
class SmartFinding:
    letter: str
    name: Text
    status: str  # 'pass' | 'warn' | 'fail'
    message: Text
    fix: Text = field(default_factory=lambda: dict(_NO_FIX))


@dataclass(frozen=True)
class SmartReport:
    findings: list[SmartFinding]

    @property
    def ok(self) -> bool:
        """True when no letter fails (warnings are allowed)."""
        return all(f.status != "fail" for f in self.findings)

    @property
    def status(self) -> str:
        return max((f.status for f in self.findings), key=_STATUS_RANK.__getitem__, default="pass")

    def __getitem__(self, letter: str) -> SmartFinding:
        return next(f for f in self.findings if f.letter == letter)

    def text(self, lang: str = "en") -> str:
        """Plain-language summary, one line per letter plus the fix where needed."""
        todo = sum(f.status != "pass" for f in self.findings)
        if not todo:
            head = text("smart.head_ok", lang)
        else:
            head = text("smart.head_todo_one" if todo == 1 else "smart.head_todo_many", lang, todo=todo)
        mark = {"pass": "✓", "warn": "!", "fail": "✗"}
        lines = [head]
        for f in self.findings:
            lines.append(f"{mark[f.status]} {f.letter} {f.name[lang]}: {f.message[lang]}")
            if f.fix[lang]:
                lines.append(f"    → {f.fix[lang]}")
        return "\n".join(lines)

    def to_frame(self, lang: str = "en") -> pd.DataFrame:
        return pd.DataFrame(
            [(f.letter, f.name[lang], f.status, f.message[lang], f.fix[lang]) for f in self.findings],
            columns=["letter", "name", "status", "message", "fix"],
        )


def _finding(letter: str, status: str, message: Text, fix: Text | None = None) -> SmartFinding:
    return SmartFinding(
        letter, dict(LETTER_NAMES[letter]), status, message, dict(fix) if fix and status != "pass" else dict(_NO_FIX)
    )


def _combine(letter: str, parts: list[tuple[str, Text, Text | None]], ok: Text) -> SmartFinding:
    """Merge several (status, message, fix) problems of one letter into one finding."""
    if not parts:
        return _finding(letter, "pass", ok)
    status = max((p[0] for p in parts), key=_STATUS_RANK.__getitem__)
    msg = {lang: " ".join(p[1][lang] for p in parts) for lang in _LANGS}
    fix = {lang: " ".join(p[2][lang] for p in parts if p[2]) for lang in _LANGS}
    return _finding(letter, status, msg, fix)


# ---- S
_VAGUE = {
    "meer",
    "minder",
    "beter",
    "betere",
    "verbeteren",
    "verbetering",
    "optimaliseren",
    "optimalisatie",
    "groeien",
    "sterker",
    "goed",
    "goede",
    "veel",
    "maximaal",
    "maximaliseren",
    "mogelijk",
    "zoveel",
    "more",
    "less",
    "better",
    "improve",
    "improved",
    "improvement",
    "optimise",
    "optimize",
    "good",
    "great",
    "maximise",
    "maximize",
    "stronger",
    "possible",
    "much",
    "many",
    "best",
}
_DIRECTION = {
    "verhogen",
    "verlagen",
    "stijgen",
    "stijging",
    "dalen",
    "daling",
    "toename",
    "afname",
    "reduceren",
    "verminderen",
    "vergroten",
    "verkleinen",
    "terugbrengen",
    "groei",
    "omhoog",
    "omlaag",
    "increase",
    "decrease",
    "raise",
    "reduce",
    "lower",
    "grow",
    "growth",
    "cut",
    "boost",
    "up",
    "down",
}
_NUMBER_WORDS = {
    "verdubbelen",
    "verdubbeling",
    "halveren",
    "halvering",
    "helft",
    "tien",
    "twintig",
    "honderd",
    "double",
    "doubling",
    "halve",
    "half",
    "ten",
    "twenty",
    "hundred",
    "triple",
    "verdrievoudigen",
}


def _example_statement(goal: Goal, info: _KpiInfo) -> Text:
    b, t = goal.baseline, goal.target
    if b is not None and math.isfinite(b) and b > 0 and math.isfinite(t) and t >= 0 and goal.months > 0:
        chg = t / b - 1
        return {
            lang: text(
                "smart.example",
                lang,
                label=info.label(lang)[:1].upper() + info.label(lang)[1:],
                baseline=_fmt_value(b, info, lang),
                target=_fmt_value(t, info, lang),
                change=pct0(chg, lang),
                deadline=fmt_date(goal.deadline, lang),
            )
            for lang in _LANGS
        }
    return per_language("smart.example_default")


def _check_s(goal: Goal, info: _KpiInfo) -> SmartFinding:
    s = " ".join(goal.statement.split())
    words = re.findall(r"[^\W\d_]+|\d+", s.lower())
    fix = per_language("smart.s_fix", example=_example_statement(goal, info))
    if not s:
        return _finding("S", "fail", per_language("smart.s_empty"), fix)
    has_number = bool(re.search(r"\d", s)) or any(w in _NUMBER_WORDS for w in words)
    vague = [w for w in dict.fromkeys(words) if w in _VAGUE]
    if len(words) < 4:
        return _finding("S", "fail", per_language("smart.s_too_short", statement=s), fix)
    if has_number:
        return _finding("S", "pass", per_language("smart.s_pass"))
    if vague:
        v = ", ".join(f"'{w}'" for w in vague)
        return _finding("S", "fail", per_language("smart.s_vague", statement=s, words=v), fix)
    if any(w in _DIRECTION for w in words):
        return _finding("S", "warn", per_language("smart.s_direction_only", statement=s), fix)
    return _finding("S", "fail", per_language("smart.s_no_number", statement=s), fix)


# ---- M
def _percent_problem(what: Text, x: float, info: _KpiInfo) -> tuple[str, Text, Text]:
    if 1 < x <= 100:
        fix = per_language("smart.m_percent_fix_scaled", fraction=f"{x / 100:g}", percent=f"{x:g}")
    else:
        fix = per_language("smart.m_percent_fix_fraction")
    message = {
        lang: text(
            "smart.m_percent_as_fraction",
            lang,
            label=info.label(lang),
            what=what[lang],
            value=fmt_number(x, lang),
            percent=fmt_number(x * 100, lang),
        )
        for lang in _LANGS
    }
    return ("fail", message, fix)


def _check_m(goal: Goal, info: _KpiInfo, catalog: Any) -> SmartFinding:
    kpi = goal.kpi.strip()
    if not kpi:
        return _finding("M", "fail", per_language("smart.m_no_kpi"), per_language("smart.m_no_kpi_fix"))
    labels = {lang: info.label(lang) for lang in _LANGS}
    parts: list[tuple[str, Text, Text | None]] = []
    if not info.known and not info.goal_level:
        ids = _catalog_ids(catalog) + list(GOAL_LEVEL_KPIS)
        close = difflib.get_close_matches(kpi.lower(), ids, n=3, cutoff=0.6)
        close += [i for i in ids if len(kpi) >= 4 and kpi.lower() in i and i not in close][: 3 - len(close)]
        sugg = " / ".join(f"'{c}'" for c in close)
        parts.append(
            (
                "fail",
                per_language("smart.m_unknown_kpi", kpi=kpi),
                per_language("smart.m_did_you_mean", suggestions=sugg)
                if close
                else per_language("smart.m_use_catalog_id"),
            )
        )
    if info.known and info.type == "growth":
        of = catalog[kpi].growth_of if kpi in catalog else "?"
        parts.append(
            (
                "fail",
                per_language("smart.m_growth_kpi", label=labels),
                per_language("smart.m_growth_kpi_fix", growth_of=of),
            )
        )
    t, b = goal.target, goal.baseline
    what_t = per_language("smart.m_what_target")
    what_b = per_language("smart.m_what_baseline")
    if not math.isfinite(t):
        parts.append(("fail", per_language("smart.m_target_nan"), per_language("smart.m_target_nan_fix")))
    elif t < 0 and not info.can_be_negative:
        parts.append(
            (
                "fail",
                per_language(
                    "smart.m_target_negative",
                    target={lang: fmt_number(t, lang) for lang in _LANGS},
                    label=labels,
                ),
                per_language("smart.m_target_negative_fix"),
            )
        )
    elif info.share and t > 1:
        parts.append(_percent_problem(what_t, t, info))
    if b is None:
        parts.append(
            (
                "warn",
                per_language("smart.m_no_baseline"),
                per_language(
                    "smart.m_no_baseline_fix",
                    label=labels,
                    months={lang: _months_text(max(goal.months, 0), lang) for lang in _LANGS},
                    start={lang: fmt_date(goal.start, lang) for lang in _LANGS},
                ),
            )
        )
    elif not math.isfinite(b) or (b < 0 and not info.can_be_negative):
        parts.append(("fail", per_language("smart.m_baseline_invalid"), per_language("smart.m_baseline_invalid_fix")))
    elif info.share and b > 1:
        parts.append(_percent_problem(what_b, b, info))
    note = per_language("smart.m_goal_level_note") if info.goal_level else dict(_NO_FIX)
    ok = per_language(
        "smart.m_ok",
        name={
            lang: labels[lang] if labels[lang].lower() == kpi.lower() else f"{labels[lang]} ({kpi})" for lang in _LANGS
        },
        target={lang: _fmt_value(t, info, lang) for lang in _LANGS},
        baseline={lang: _fmt_value(b, info, lang) for lang in _LANGS},
        note=note,
    )
    return _combine("M", parts, ok)


# ---- A
_PLACEHOLDER_OWNERS = {
    "",
    "tbd",
    "tba",
    "nvt",
    "n v t",
    "nobody",
    "niemand",
    "onbekend",
    "unknown",
    "none",
    "nog niet bekend",
    "later",
}
_VAGUE_OWNERS = {
    "iedereen",
    "everyone",
    "everybody",
    "team",
    "het team",
    "the team",
    "we",
    "wij",
    "ons",
    "us",
    "all",
    "allemaal",
    "alle medewerkers",
    "all staff",
    "staff",
    "de organisatie",
    "the company",
    "het bedrijf",
    "samen",
    "together",
    "wij allemaal",
    "we all",
}


def _check_a(goal: Goal) -> SmartFinding:
    raw = " ".join((goal.owner or "").split())
    norm = " ".join(re.findall(r"\w+", raw.lower()))
    if not raw or norm in _PLACEHOLDER_OWNERS:
        msg = per_language("smart.a_nobody") if not raw else per_language("smart.a_placeholder", owner=raw)
        return _finding("A", "fail", msg, per_language("smart.a_fix_missing"))
    if norm in _VAGUE_OWNERS:
        return _finding(
            "A", "warn", per_language("smart.a_everybody", owner=raw), per_language("smart.a_everybody_fix")
        )
    if re.search(r"[,;&/+]", raw):
        return _finding("A", "warn", per_language("smart.a_several", owner=raw), per_language("smart.a_several_fix"))
    return _finding("A", "pass", per_language("smart.a_pass", owner=raw))


# ---- R
def best_monthly_growth(history: pd.Series, direction: str = "higher") -> tuple[float, int] | None:
    """Best compound monthly growth the history shows, and the span it was measured over.

    Compares each month with the same month 12 months earlier (seasonality cancels out) and
    returns the best of those rates per month, (rate, 12). With 4..12 months of data it falls
    back to the longest span the series has. 'Best' is the highest rate, or the lowest for
    'lower is better' KPIs. None when the series is too short or has no positive values.
    """
    if not isinstance(history, pd.Series):
        raise GoalError("history must be a monthly pandas Series (index = month start, values = the KPI)")
    s = pd.to_numeric(history, errors="coerce").astype(float)
    if isinstance(s.index, pd.DatetimeIndex | pd.PeriodIndex):
        idx = s.index if isinstance(s.index, pd.PeriodIndex) else s.index.to_period("M")
        s = pd.Series(s.to_numpy(), index=idx).groupby(level=0).last().sort_index()
        s = s.reindex(pd.period_range(s.index.min(), s.index.max(), freq="M")) if len(s) else s
    s = s.where((s > 0) & s.map(math.isfinite))
    if s.notna().sum() < 4:
        return None
    lag = 12 if len(s) >= 13 else len(s) - 1
    ratio = (s / s.shift(lag)).dropna()
    if ratio.empty:
        return None
    growth = ratio.map(lambda r: _safe_pow(r, 1 / lag) - 1)
    return (float(growth.min()) if direction == "lower" else float(growth.max())), lag


def _check_r(goal: Goal, info: _KpiInfo, history: pd.Series | None) -> SmartFinding:
    b, t, months = goal.baseline, goal.target, goal.months
    change, monthly = goal.required_change, goal.required_monthly_growth
    if change is None or monthly is None or b is None or b == 0:
        why = (
            per_language("smart.r_no_baseline")
            if b is None or (math.isfinite(b) and b == 0)
            else per_language("smart.r_cannot_judge")
        )
        return _finding("R", "warn", why, per_language("smart.r_cannot_judge_fix"))
    yoy = goal.comparison == "last_year"
    step = per_language(
        "smart.r_step_year_on_year" if yoy else "smart.r_step",
        label={lang: info.label(lang)[:1].upper() + info.label(lang)[1:] for lang in _LANGS},
        baseline={lang: _fmt_value(b, info, lang) for lang in _LANGS},
        target={lang: _fmt_value(t, info, lang) for lang in _LANGS},
        change={lang: pct0(change, lang) for lang in _LANGS},
        months={lang: _months_text(months, lang) for lang in _LANGS},
    )
    labels = {lang: info.label(lang) for lang in _LANGS}
    lower = info.direction == "lower"
    if abs(change) < 1e-9:
        return _finding("R", "pass", per_language("smart.r_hold", step=step))
    if (change < 0) != lower:
        return _finding(
            "R",
            "warn",
            per_language("smart.r_wrong_way_lower" if lower else "smart.r_wrong_way_higher", step=step, label=labels),
            per_language("smart.r_wrong_way_fix"),
        )
    if yoy:
        return _check_r_year_on_year(goal, info, history, step, change)
    need = {lang: fmt_percent(monthly, lang) for lang in _LANGS}
    best = best_monthly_growth(history, info.direction) if history is not None else None
    if best is None:
        yearly = _safe_pow(1 + change, 12 / months) - 1
        short_note = per_language("smart.r_history_short" if history is not None else "smart.r_no_history")
        base = per_language(
            "smart.r_needs", step=step, need=need, yearly={lang: fmt_percent(yearly, lang) for lang in _LANGS}
        )
        if yearly > 1.0 or yearly < -0.5:
            much = per_language("smart.r_doubling" if yearly > 1 else "smart.r_halving")
            return _finding(
                "R",
                "warn",
                {lang: base[lang] + much[lang] + short_note[lang] for lang in _LANGS},
                per_language("smart.r_too_much_fix"),
            )
        return _finding("R", "pass", {lang: base[lang] + short_note[lang] for lang in _LANGS})
    rate, span = best
    did = per_language(
        "smart.r_did", step=step, need=need, span=span, rate={lang: fmt_percent(rate, lang) for lang in _LANGS}
    )
    sign = -1 if lower else 1
    ambition, capacity = sign * monthly, sign * rate
    if ambition <= capacity + 1e-12:
        return _finding("R", "pass", did)
    status = "fail" if (ambition > 2 * capacity if capacity > 0 else ambition > 0.005) else "warn"
    if capacity > 0:
        realistic = b * _safe_pow(1 + rate, months)
        log_rate = math.log1p(rate)
        need_m = math.log1p(change) / log_rate if log_rate else math.inf
        fix = per_language(
            "smart.r_aim",
            value={lang: _fmt_value(realistic, info, lang) for lang in _LANGS},
            months={lang: _months_text(need_m, lang) for lang in _LANGS},
        )
    else:
        fix = per_language("smart.r_no_decrease" if lower else "smart.r_no_growth")
    return _finding("R", status, did, fix)


def best_year_on_year_change(
    history: pd.Series, months: int, direction: str = "higher", ratio: bool = False
) -> tuple[float, pd.Period] | None:
    """Best change of any `months`-long window of the history against the same window a year
    earlier: (change, last month of that window). A window's value is the sum of its months (the mean for ratio KPIs).
    None when the history has no two such windows a year apart."""
    if not isinstance(history, pd.Series):
        raise GoalError("history must be a monthly pandas Series (index = month start, values = the KPI)")
    s = pd.to_numeric(history, errors="coerce").astype(float)
    if not isinstance(s.index, pd.DatetimeIndex | pd.PeriodIndex) or s.empty:
        return None
    idx = s.index if isinstance(s.index, pd.PeriodIndex) else s.index.to_period("M")
    s = pd.Series(s.to_numpy(), index=idx).groupby(level=0).last().sort_index()
    s = s.reindex(pd.period_range(s.index.min(), s.index.max(), freq="M"))
    s = s.where(s.map(lambda v: math.isfinite(v) and v >= 0))
    n = max(1, months)
    window = s.rolling(n, min_periods=n)
    value = window.mean() if ratio else window.sum()
    before = value.shift(12)
    change = (value / before - 1).where(before > 0).dropna()
    if change.empty:
        return None
    best_end = change.idxmin() if direction == "lower" else change.idxmax()
    return float(change[best_end]), best_end


def _check_r_year_on_year(
    goal: Goal, info: _KpiInfo, history: pd.Series | None, step: Text, change: float
) -> SmartFinding:
    """R for a year-on-year goal: the change asked against the KPI's own year-on-year changes of
    windows just as long (seasonality cancels out, as it does in the goal)."""
    n = max(1, round(goal.months))
    lower = info.direction == "lower"
    best = (
        best_year_on_year_change(history, n, info.direction, ratio=info.type == "ratio")
        if history is not None
        else None
    )
    if best is None:
        note = per_language("smart.ryoy_history_short" if history is not None else "smart.r_no_history")
        base = {lang: step[lang] + "." for lang in _LANGS}
        if change > 1.0 or change < -0.5:
            much = per_language("smart.ryoy_doubling" if change > 1 else "smart.ryoy_halving")
            return _finding(
                "R",
                "warn",
                {lang: base[lang] + much[lang] + note[lang] for lang in _LANGS},
                per_language("smart.ryoy_too_much_fix"),
            )
        return _finding("R", "pass", {lang: base[lang] + note[lang] for lang in _LANGS})
    rate, end = best
    first = end - (n - 1)
    did = per_language(
        "smart.ryoy_did",
        step=step,
        n=n,
        rate={lang: pct0(rate, lang) for lang in _LANGS},
        span={lang: _period_text(first, end, lang) for lang in _LANGS},
    )
    sign = -1 if lower else 1
    ambition, capacity = sign * change, sign * rate
    if ambition <= capacity + 1e-12:
        return _finding("R", "pass", did)
    status = "fail" if (ambition > 2 * capacity if capacity > 0 else ambition > 0.05) else "warn"
    b = goal.baseline or 0.0
    fix = (
        per_language("smart.ryoy_aim", value={lang: _fmt_value(b * (1 + rate), info, lang) for lang in _LANGS})
        if capacity > 0
        else per_language("smart.ryoy_no_decrease" if lower else "smart.ryoy_no_growth")
    )
    return _finding("R", status, did, fix)


def _period_text(first: pd.Period, last: pd.Period, lang: str) -> str:
    months = _MONTHS[lang]
    if first == last:
        return f"{months[last.month - 1]} {last.year}"
    if first.month % 3 == 1 and last - first == 2:
        return f"Q{last.quarter} {last.year}"
    if first.year == last.year:
        return f"{months[first.month - 1]} – {months[last.month - 1]} {last.year}"
    return f"{months[first.month - 1]} {first.year} – {months[last.month - 1]} {last.year}"


# ---- T
def _check_t(goal: Goal) -> SmartFinding:
    s, d, months = goal.start, goal.deadline, goal.months
    start = {lang: fmt_date(s, lang) for lang in _LANGS}
    deadline = {lang: fmt_date(d, lang) for lang in _LANGS}
    if d <= s:
        try:
            example = s.replace(year=s.year + (s.month + 2) // 12, month=(s.month + 2) % 12 + 1) - dt.timedelta(days=1)
        except (ValueError, OverflowError):
            example = None
        ex = (
            {lang: text("smart.t_example", lang, date=fmt_date(example, lang)) for lang in _LANGS}
            if example
            else dict(_NO_FIX)
        )
        return _finding(
            "T",
            "fail",
            per_language("smart.t_not_after_start", deadline=deadline, start=start),
            per_language("smart.t_not_after_start_fix", example=ex),
        )
    hname = {h: per_language(f"smart.horizon_{h}") for h in HORIZON_MONTHS}
    m = {lang: _months_text(months, lang) for lang in _LANGS}
    parts: list[tuple[str, Text, Text | None]] = []
    if months > 36.5:
        parts.append(("warn", per_language("smart.t_too_long", months=m), per_language("smart.t_too_long_fix")))
    derived = _horizon_for(months)
    if goal.horizon and derived != goal.horizon:
        to = (
            per_language("smart.t_set_horizon", horizon=hname[derived], code=derived)
            if derived
            else per_language("smart.t_shorten")
        )
        parts.append(
            (
                "warn",
                per_language(
                    "smart.t_horizon_mismatch", horizon=hname[goal.horizon], start=start, deadline=deadline, months=m
                ),
                per_language("smart.t_horizon_mismatch_fix", action=to),
            )
        )
    eff = goal.effective_horizon
    ok = (
        per_language("smart.t_ok_horizon", start=start, deadline=deadline, months=m, horizon=hname[eff])
        if eff
        else per_language("smart.t_ok", start=start, deadline=deadline, months=m)
    )
    return _combine("T", parts, ok)


def smart_check(goal: Goal, history: pd.Series | None = None, *, catalog: Any = None) -> SmartReport:
    """Check a goal letter by letter: exactly one finding for S, M, A, R, T, in that order.

    `history`: the KPI as a monthly pd.Series (index = month starts) to judge realism against
    the client's own best 12 months. `catalog`: a loaded Catalog (default: `load_catalog()`).
    """
    if isinstance(goal, dict):
        goal = Goal.model_validate(goal)
    cat = get_catalog(catalog)
    info = kpi_info(goal.kpi.strip(), cat)
    return SmartReport(
        [
            _check_s(goal, info),
            _check_m(goal, info, cat),
            _check_a(goal),
            _check_r(goal, info, history),
            _check_t(goal),
        ]
    )
