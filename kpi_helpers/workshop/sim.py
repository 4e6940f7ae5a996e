"""The numbers behind the workshop exercises (kpi_helpers.workshop.exercises checks, workshop_views shows).

- The nail factory (exercise 3): a factory that optimises exactly what it is measured on.
  Measured on weight alone it makes a few huge nails, on count alone many tiny ones, and
  only a target on the pair (count *and* weight) makes it produce the nails carpenters buy.
- Facts derived from a demo client's data (exercises 3-5), so the quiz answers follow the
  data and the engine (pair quadrants, driver what-if, goal pacing), never hard-coded values.

Pure functions, no widgets or display: unit tests call them directly.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kpi_helpers.i18n.messages import text

# --------------------------------------------------------------------------- the nail factory
#: A 70 mm nail weighs 5 g; thickness grows with length, so mass grows with length³.
DESIGN_MM = 70
DESIGN_GRAMS = 5.0
#: Machine time per nail: a fixed handling time plus forming time per gram of steel.
SECONDS_PER_NAIL = 1.0
SECONDS_PER_GRAM = 0.1
#: What carpenters buy: nails outside this range do not sell.
USEFUL_MM = (40, 100)
#: The sizes the factory can set its machines to.
LENGTHS_MM = tuple(range(10, 301, 5))
HOURS = 160  # machine hours in a month


def nail_grams(length_mm: float) -> float:
    return DESIGN_GRAMS * (length_mm / DESIGN_MM) ** 3


def nail_output(length_mm: float, hours: float = HOURS) -> tuple[int, float]:
    """(nails, kg) one month of machine time makes at this nail size."""
    grams = nail_grams(length_mm)
    count = int(hours * 3600 / (SECONDS_PER_NAIL + SECONDS_PER_GRAM * grams))
    return count, count * grams / 1000


def design_targets(hours: float = HOURS) -> tuple[int, float]:
    """(count, kg) targets that a month of good 70 mm nails meets exactly: the coherent pair."""
    return nail_output(DESIGN_MM, hours)


@dataclass(frozen=True)
class NailRun:
    """What the factory made to score best on its targets (None = not measured)."""

    count_target: float | None
    weight_target_kg: float | None
    length_mm: int
    grams: float
    count: int
    weight_kg: float
    useful: int
    score: float  # the factory's score: the weakest achievement ratio over its measured targets

    @property
    def target(self) -> str:
        """'count' | 'weight' | 'pair' | 'none': what the factory is measured on."""
        has_c, has_w = bool(self.count_target), bool(self.weight_target_kg)
        return "pair" if has_c and has_w else "count" if has_c else "weight" if has_w else "none"

    @property
    def size(self) -> str:
        """'tiny' | 'useful' | 'huge'."""
        lo, hi = USEFUL_MM
        return "tiny" if self.length_mm < lo else "huge" if self.length_mm > hi else "useful"

    @property
    def useful_share(self) -> float:
        return self.useful / self.count if self.count else 0.0

    @property
    def gamed(self) -> bool:
        """The targets are met on paper while (almost) nothing useful comes out."""
        return self.useful_share < 0.5


def run_factory(
    count_target: float | None = None, weight_target_kg: float | None = None, hours: float = HOURS
) -> NailRun:
    """The nail size that maximises the factory's score, and what that month produces.

    Score = min(count / count_target, kg / weight_target) over the targets that are set
    (0 or None = not measured). Unmeasured, the factory keeps making its design nail.
    Ties go to the smaller nail (cheaper steel).
    """
    count_target = float(count_target) if count_target else None
    weight_target_kg = float(weight_target_kg) if weight_target_kg else None
    best: tuple[float, int] | None = None
    for length in LENGTHS_MM if (count_target or weight_target_kg) else (DESIGN_MM,):
        count, kg = nail_output(length, hours)
        ratios = ([count / count_target] if count_target else []) + (
            [kg / weight_target_kg] if weight_target_kg else []
        )
        score = min(ratios) if ratios else math.nan
        if best is None or score > best[0] + 1e-12:
            best = (score, length)
    score, length = best  # type: ignore[misc]
    count, kg = nail_output(length, hours)
    lo, hi = USEFUL_MM
    return NailRun(
        count_target, weight_target_kg, length, nail_grams(length), count, kg, count if lo <= length <= hi else 0, score
    )


def nail_scenarios(hours: float = HOURS) -> list[NailRun]:
    """The three classic cases with the design targets: weight only, count only, the pair."""
    count, kg = design_targets(hours)
    return [run_factory(None, kg, hours), run_factory(count, None, hours), run_factory(count, kg, hours)]


# --------------------------------------------------------------------------- demo-data facts
def complete_quarters(facts: pd.DataFrame) -> list[pd.Timestamp]:
    """Starts of the quarters fully covered by the data."""
    first, last = facts["date"].min(), facts["date"].max()
    starts = pd.period_range(first, last, freq="Q").to_timestamp()
    return [s for s in starts if s >= first and s + pd.offsets.QuarterEnd(0) <= last]


def pair_story(
    facts: pd.DataFrame, volume: str = "leads", quality: str | None = None, catalog: Any = None
) -> dict[str, Any]:
    """The volume/quality pair per complete quarter against the same quarter last year
    (engine.pair_quadrants), and the latest quarter's quadrant: the exercise-3 answer."""
    from kpi_helpers.compute.engine import compute_kpis, pair_quadrants
    from kpi_helpers.spec.catalog import load_catalog

    cat = catalog or load_catalog()
    quality = quality or cat[volume].partners[0]
    table = compute_kpis(facts, [volume, quality], grain="quarter", catalog=cat)
    table = table[table["period"].isin(complete_quarters(facts))]
    quads = pair_quadrants(table, [(volume, quality)], catalog=cat, compare="last_year")
    quads = quads[quads["quadrant"].notna()].reset_index(drop=True)
    if quads.empty:
        raise ValueError("Need at least five complete quarters of data to compare a quarter with last year.")
    latest = quads.iloc[-1]
    return {
        "volume": volume,
        "quality": quality,
        "partners": tuple(cat[volume].partners),
        "table": quads,
        "period": latest["period"],
        "quadrant": latest["quadrant"],
        "volume_change": float(latest["volume_change"]),
        "quality_change": float(latest["quality_change"]),
        "message": {lang: latest[f"message_{lang}"] for lang in ("nl", "en")},
    }


def q1_goal(facts: pd.DataFrame, growth: float = 0.10) -> dict[str, Any]:
    """'+10 % revenue in Q1' for the first Q1 after the data, against the last Q1 in the data."""
    from kpi_helpers.compute.drivers import window_values

    last = pd.Timestamp(facts["date"].max())
    year = last.year + 1 if last >= pd.Timestamp(last.year, 3, 31) else last.year
    base_window = (pd.Timestamp(year - 1, 1, 1), pd.Timestamp(year - 1, 3, 31))
    values = window_values(facts, ["revenue", "customers", "revenue_per_customer"], base_window)
    baseline = values["revenue"]
    goal = {
        "id": f"revenue-q1-{year}",
        "statement": f"Revenue +{growth:.0%} in Q1 {year} vs Q1 {year - 1}",
        "kpi": "revenue",
        "baseline": baseline,
        "target": baseline * (1 + growth),
        "start": dt.date(year, 1, 1),
        "deadline": dt.date(year, 3, 31),
    }
    return {
        "goal": goal,
        "base": {k: values[k] for k in ("customers", "revenue_per_customer")},
        "year": year,
        "growth": growth,
    }


def evaluate_mix(plan: dict[str, Any], changes_pct: dict[str, float]) -> dict[str, Any]:
    """A driver mix (percent points per driver) through drivers.what_if against the Q1 goal."""
    from kpi_helpers.compute.drivers import what_if

    res = what_if(
        plan["base"], changes_pct, kpi="revenue", drivers=("customers", "revenue_per_customer"), goal=plan["goal"]
    )
    meets = bool(res.meets_goal) or math.isclose(res.new_value, plan["goal"]["target"], rel_tol=1e-9)
    c = 1 + float(changes_pct.get("customers", 0.0)) / 100
    # what revenue per customer would need to do, given this customer change, to reach the goal
    need_rpc = ((1 + plan["growth"]) / c - 1) * 100 if c > 0 else math.inf
    return {"result": res, "meets": meets, "change_pct": res.change_pct, "need_rpc_pct": need_rpc}


def review_facts(facts: pd.DataFrame, goals: list[Any], pairs: list[Any], catalog: Any = None) -> dict[str, Any]:
    """Exercise 5: the pacing table (pacing.pace_goals) and the action the numbers point to.

    Action rule (the 'Check' step of PDCA): nothing off track → keep course; a quality goal
    off track, or a volume goal on track while its quality partner falls (Goodhart) → fix
    quality; otherwise (volume goals off track) → more volume.
    """
    from kpi_helpers.compute.pacing import pace_goals
    from kpi_helpers.spec.catalog import load_catalog

    cat = catalog or load_catalog()
    table = pace_goals(facts, goals, catalog=cat)
    off = [str(g) for g in table.loc[table["status"] == "off_track", "goal_id"]]
    off_kpis = set(table.loc[table["status"] == "off_track", "kpi"])
    quality_off = [k for k in off_kpis if k in cat and cat[k].kind == "quality"]
    goodhart = []
    for pair in pairs:
        volume, quality = pair if isinstance(pair, (list, tuple)) else (pair.volume, pair.quality)
        try:
            story = pair_story(facts, volume, quality, cat)
        except Exception:  # noqa: BLE001 - a pair the data cannot compute gives no signal
            continue
        if story["quadrant"] == "goodhart_warning":
            goodhart.append((volume, quality))
    if not off:
        action = "keep_course"
    elif quality_off or goodhart:
        action = "fix_quality"
    else:
        action = "more_volume"
    return {"table": table, "off_track": off, "action": action, "goodhart_pairs": goodhart, "quality_off": quality_off}


# --------------------------------------------------------------------------- per exercise
def exercise_data(key: str, params_file: str | None, lang: str = "nl") -> dict[str, Any]:
    """What the answers of an exercise are derived from (workshop.Exercise.data): simulation
    runs and the pair story (3), the driver plan (4), pacing and the quality reason (5)."""
    if key in ("good_kpi", "smart"):
        return {}
    if params_file is None:
        from kpi_helpers.exceptions import KpiWorkbookError

        raise KpiWorkbookError(f"Exercise '{key}' reads a demo client: pass params_file.")
    from kpi_helpers.i18n.formats import format_value
    from kpi_helpers.session import open_client

    wb = open_client(params_file, lang=lang)
    cat = wb.catalog
    if key == "goodhart":
        story = pair_story(wb.facts, "leads", catalog=cat)
        options = sorted({story["quality"], "sessions", "ad_spend", "intro_calls"} & set(k.id for k in cat))
        return {"wb": wb, "catalog": cat, "runs": nail_scenarios(), "story": story, "partner_options": options}
    if key == "drivers":
        return {"wb": wb, "catalog": cat, "plan": q1_goal(wb.facts)}
    review = review_facts(wb.facts, wb.config.goals, wb.config.pairs, cat)
    kpi_of = dict(zip(review["table"]["goal_id"], review["table"]["kpi"]))

    def fmt(gid: str, value: float, lang: str) -> str:
        return format_value(value, cat[kpi_of[gid]].unit, lang, wb.currency)

    parts: dict[str, list[str]] = {"nl": [], "en": []}
    for k in review["quality_off"]:
        for lang_ in ("nl", "en"):
            parts[lang_].append(text("workshop_feedback.kpi_off_track", lang_, label=cat[k].label(lang_)))
    for v, q in review["goodhart_pairs"]:
        story = pair_story(wb.facts, v, q, cat)
        for lang_ in ("nl", "en"):
            parts[lang_].append(story["message"][lang_])
    quality_reason = {lang_: "; ".join(parts[lang_]) + "." for lang_ in ("nl", "en")}
    return {"wb": wb, "catalog": cat, "review": review, "fmt": fmt, "quality_reason": quality_reason}
