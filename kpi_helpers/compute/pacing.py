"""Goal pacing (where should we be by now, will we make it) and seasonality profiles.

Reports must be reproducible, so "now" is ``as_of``, by default the last date in the facts,
never today's date.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from kpi_helpers.compute.engine import SEASON_BAND, compute_kpis, get_kpi
from kpi_helpers.exceptions import GoalError

#: Status thresholds, the one place they live. The forecast at the deadline is compared with
#: the target in the KPI's good direction, as a fraction of |target|:
#:   higher is better: forecast >= ON_TRACK_AT × target → 'on_track';
#:                     forecast >= AT_RISK_AT × target → 'at_risk'; else 'off_track'.
#:   lower is better (mirrored): forecast <= (2 - ON_TRACK_AT) × target → 'on_track';
#:                     forecast <= (2 - AT_RISK_AT) × target (105 %) → 'at_risk'; else 'off_track'.
#: (Written as target ± (1 - x)·|target| so negative targets, e.g. a loss to shrink, work too.)
#: No forecast at all (nothing measurable yet) → 'at_risk': we cannot confirm it is on track.
ON_TRACK_AT = 1.00
AT_RISK_AT = 0.95
#: Days of recent history whose daily average is the run-rate when no seasonal shape exists.
RECENT_DAYS = 28
#: A year back for the seasonal shape: 52 weeks, so weekdays line up.
YEAR_DAYS = 364


def pace_status(forecast: float | None, target: float, direction: str = "higher") -> str:
    """'on_track' | 'at_risk' | 'off_track' for a forecast vs target (see the constants)."""
    if forecast is None or math.isnan(forecast):
        return "at_risk"
    slack_on = (1 - ON_TRACK_AT) * abs(target)
    slack_risk = (1 - AT_RISK_AT) * abs(target)
    if direction == "lower":
        return (
            "on_track"
            if forecast <= target + slack_on
            else "at_risk"
            if forecast <= target + slack_risk
            else "off_track"
        )
    return (
        "on_track" if forecast >= target - slack_on else "at_risk" if forecast >= target - slack_risk else "off_track"
    )


@dataclass
class Pacing:
    """Where a goal stands at ``as_of``. Fractions (progress, elapsed_fraction) are 0–1."""

    goal_id: str | None
    kpi: str
    target: float
    actual_to_date: float
    expected_linear: float
    expected_seasonal: float | None
    expected: float
    gap: float
    progress: float
    required_run_rate: float | None
    forecast: float
    forecast_method: str
    status: str
    elapsed_fraction: float
    days_left: int
    as_of: pd.Timestamp
    start: pd.Timestamp
    deadline: pd.Timestamp

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _goal_get(goal: Any, name: str, default: Any = None) -> Any:
    return goal.get(name, default) if isinstance(goal, Mapping) else getattr(goal, name, default)


def daily_frame(facts: pd.DataFrame, kpi: Any, catalog: Any = None) -> pd.DataFrame:
    """Daily numerator/denominator of a sum or ratio KPI on a gap-free calendar (no row = 0)."""
    table = compute_kpis(facts, [kpi], grain="day", catalog=catalog)
    frame = table.set_index("period")[["numerator", "denominator"]].fillna(0.0)
    if frame.empty:
        return frame
    days = pd.date_range(frame.index.min(), frame.index.max(), freq="D")
    return frame.reindex(days, fill_value=0.0)


def _window_value(
    facts: pd.DataFrame, kpi: Any, start: pd.Timestamp, end: pd.Timestamp, catalog: Any = None
) -> tuple[float, float]:
    """(numerator, denominator) of a KPI over a window, computed at that grain by the engine: a
    distinct count (customers) over a window is not the sum of its daily counts."""
    table = compute_kpis(facts, [kpi], grain=None, catalog=catalog, period=(start, end))
    if table.empty:
        return 0.0, 0.0
    row = table.iloc[0]
    num = float(row["numerator"]) if pd.notna(row["numerator"]) else 0.0
    den = float(row["denominator"]) if pd.notna(row["denominator"]) else 0.0
    return num, den


def pace_goal(facts: pd.DataFrame, goal: Any, as_of: Any = None, catalog: Any = None) -> Pacing:
    """Pacing of one goal (target = the KPI over [start, deadline]).

    Sum KPIs: expected_linear = target × elapsed fraction; expected_seasonal = target × the
    share last year's same window (52 weeks back) had reached by the same day, when the data
    covers that whole window (else None); forecast = actual × last year's full/to-date ratio
    (seasonal), else actual + average of the last RECENT_DAYS days × days left;
    required_run_rate = (target - actual) / days left, per day.
    Ratio KPIs: actual = ratio to date, expected = target, forecast = ratio to date,
    required_run_rate None. Growth KPIs are paced through their base KPI (GoalError here).
    """
    kpi = get_kpi(_goal_get(goal, "kpi"), catalog)
    if kpi.type == "growth":
        raise GoalError(f"Goal on growth KPI '{kpi.id}': set the goal on '{kpi.growth_of}' to pace it.")
    start = pd.Timestamp(_goal_get(goal, "start")).normalize()
    deadline = pd.Timestamp(_goal_get(goal, "deadline")).normalize()
    if deadline < start:
        raise GoalError(
            f"Goal '{_goal_get(goal, 'id') or kpi.id}': the deadline {deadline.date()} is before the start."
        )
    if facts.empty:
        raise GoalError(f"No data to pace the goal on '{kpi.id}'.")
    target = float(_goal_get(goal, "target"))
    frame = daily_frame(facts, kpi, catalog)
    as_of = pd.Timestamp(as_of).normalize() if as_of is not None else frame.index.max()
    total_days = (deadline - start).days + 1
    elapsed = int(min(max((as_of - start).days + 1, 0), total_days))
    days_left = total_days - elapsed
    fraction = elapsed / total_days
    to_date_end = start + pd.Timedelta(days=elapsed - 1)
    num, den = _window_value(facts, kpi, start, to_date_end, catalog) if elapsed else (0.0, 0.0)
    year = pd.Timedelta(days=YEAR_DAYS)

    if kpi.type == "ratio":
        actual = num / den if den else math.nan
        expected_linear = expected = target
        expected_seasonal = required = None
        forecast, method = actual, "ratio_to_date"
    else:
        actual = num
        expected_linear = target * fraction
        expected_seasonal = None
        ly_total = ly_to_date = math.nan
        if frame.index.min() <= start - year and frame.index.max() >= deadline - year:
            ly_total = _window_value(facts, kpi, start - year, deadline - year, catalog)[0]
            ly_to_date = _window_value(facts, kpi, start - year, to_date_end - year, catalog)[0] if elapsed else 0.0
            if ly_total > 0:
                expected_seasonal = target * ly_to_date / ly_total
        expected = expected_seasonal if expected_seasonal is not None else expected_linear
        required = (target - actual) / days_left if days_left else None
        if days_left == 0:
            forecast, method = actual, "final"
        elif expected_seasonal is not None and ly_to_date > 0:
            forecast, method = actual * ly_total / ly_to_date, "seasonal"
        else:
            recent = frame.loc[min(as_of, frame.index.max()) - pd.Timedelta(days=RECENT_DAYS - 1) : as_of, "numerator"]
            rate = float(recent.mean()) if len(recent) else math.nan
            forecast, method = actual + rate * days_left, "recent"

    gap = actual - expected
    progress = actual / target if target else math.nan
    status = pace_status(forecast, target, kpi.direction)
    return Pacing(
        _goal_get(goal, "id"),
        kpi.id,
        target,
        actual,
        expected_linear,
        expected_seasonal,
        expected,
        gap,
        progress,
        required,
        forecast,
        method,
        status,
        fraction,
        days_left,
        as_of,
        start,
        deadline,
    )


def pace_goals(facts: pd.DataFrame, goals: Iterable[Any], as_of: Any = None, catalog: Any = None) -> pd.DataFrame:
    """One row per goal: goal id, statement, owner and every :class:`Pacing` field."""
    rows = []
    for goal in goals:
        row = {"statement": _goal_get(goal, "statement"), "owner": _goal_get(goal, "owner")}
        row.update(pace_goal(facts, goal, as_of=as_of, catalog=catalog).to_dict())
        rows.append(row)
    out = pd.DataFrame(rows)
    if not out.empty:
        out.insert(0, "goal_id", out.pop("goal_id"))
    return out


# --------------------------------------------------------------------------- seasonality
@dataclass
class Seasonality:
    """Month-of-year (1–12) and weekday (0 = Monday) profiles as an index, 1.0 = average
    (daily average for sum KPIs, re-aggregated ratio for ratio KPIs)."""

    kpi: str
    month_profile: pd.Series
    weekday_profile: pd.Series
    quiet_months: list[int]
    peak_months: list[int]
    basis: str  # 'full_years' | 'full_months' | 'all_days'
    years: list[int]


def _profile(frame: pd.DataFrame, keys: np.ndarray, ratio: bool, labels: range) -> pd.Series:
    g = frame.groupby(keys)
    sums = g[["numerator", "denominator"]].sum()
    if ratio:
        value = sums["numerator"] / sums["denominator"].where(sums["denominator"] != 0)
    else:
        value = sums["numerator"] / g.size()
    value = value.reindex(labels)
    mean = value.mean()
    return value / mean if mean and not math.isnan(mean) else value * math.nan


def seasonality(facts: pd.DataFrame, kpi: Any, catalog: Any = None) -> Seasonality:
    """Seasonal profile of a KPI from full calendar years where there are any, else from the
    fully covered months. Peak months: index ≥ 1 + SEASON_BAND; quiet: ≤ 1 - SEASON_BAND."""
    k = get_kpi(kpi, catalog)
    if k.type == "growth":
        raise GoalError(f"Seasonality of growth KPI '{k.id}': look at '{k.growth_of}' instead.")
    frame = daily_frame(facts, k, catalog)
    if frame.empty:
        raise GoalError(f"No data for the seasonality of '{k.id}'.")
    idx = frame.index
    years = [
        y
        for y in range(idx.min().year, idx.max().year + 1)
        if idx.min() <= pd.Timestamp(y, 1, 1) and idx.max() >= pd.Timestamp(y, 12, 31)
    ]
    if years:
        frame, basis = frame[frame.index.year.isin(years)], "full_years"
    else:
        first = idx.min() if idx.min().is_month_start else idx.min() + pd.offsets.MonthBegin(1)
        last = idx.max() if idx.max().is_month_end else idx.max() - pd.offsets.MonthEnd(1)
        if first <= last:
            frame, basis = frame.loc[first:last], "full_months"
        else:
            basis = "all_days"
    ratio = k.type == "ratio"
    months = _profile(frame, frame.index.month.to_numpy(), ratio, range(1, 13))
    weekdays = _profile(frame, frame.index.day_of_week.to_numpy(), ratio, range(7))
    months.index.name, weekdays.index.name = "month", "weekday"
    peak = [int(m) for m, v in months.items() if v >= 1 + SEASON_BAND]
    quiet = [int(m) for m, v in months.items() if v <= 1 - SEASON_BAND]
    return Seasonality(k.id, months, weekdays, quiet, peak, basis, years)
