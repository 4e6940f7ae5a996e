"""Goal pacing (where should we be by now, will we make it) and seasonality profiles.

Reports must be reproducible, so "now" is ``as_of``, by default the last date in the facts,
never today's date. A goal is judged on the days its KPI's data cover: when they end before
``as_of`` (late data) it is paced as of their last covered day (``covered_until``), so days
that have not come in yet never count as days without results.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from kpi_helpers.compute.engine import (
    SEASON_BAND,
    compute_kpis,
    get_kpi,
    period_coverage,
    period_start,
    shift_periods,
)
from kpi_helpers.data.sources import covered_until, measures_covered_until
from kpi_helpers.exceptions import GoalError
from kpi_helpers.spec.goals import PeriodTarget, period_targets
from kpi_helpers.spec.vocab import Status

#: Status thresholds, the one place they live. The forecast at the deadline is compared with
#: the target in the KPI's good direction, as a fraction of |target|:
#:   higher is better: forecast >= ON_TRACK_AT × target → 'on_track';
#:                     forecast >= AT_RISK_AT × target → 'at_risk'; else 'off_track'.
#:   lower is better (mirrored): forecast <= (2 - ON_TRACK_AT) × target → 'on_track';
#:                     forecast <= (2 - AT_RISK_AT) × target (105 %) → 'at_risk'; else 'off_track'.
#: (Written as target ± (1 - x)·|target| so negative targets, e.g. a loss to shrink, work too.)
#: No forecast at all (nothing measurable yet) → 'at_risk': we cannot confirm it is on track.
#: A goal whose window starts after the as-of date is 'not_started': planned, not judged (no
#: actual, expected or forecast; never an alert or a finding).
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
    #: The last day the goal is judged on: ``as_of``, or the last day its KPI's data cover when that
    #: is earlier (elapsed, expected, forecast, days left and floors are computed to this day).
    covered_until: pd.Timestamp | None = None
    #: Where `expected` comes from: 'targets' (the goal's per-period targets), 'seasonal',
    #: 'linear' (sum KPIs) or 'target' (a ratio KPI's end target).
    expected_method: str = "linear"
    #: The status from pacing alone, before a breached floor/ceiling (see `bound_status`).
    status_pace: str = ""
    floor: float | None = None
    ceiling: float | None = None
    #: The latest complete period (report grain) inside the goal window, its KPI value, whether
    #: that value is below the floor / above the ceiling, and how many complete periods in a row
    #: (counting back from it, at most 2) broke a bound.
    bound_period: pd.Timestamp | None = None
    bound_value: float | None = None
    floor_breached: bool = False
    ceiling_breached: bool = False
    bound_streak: int = 0
    #: Days of the window so far, and how many of them the data cover: with fewer, the actual is a
    #: lower bound and the goal is judged on the covered days only (see `pace_goal`).
    days_elapsed: int = 0
    days_with_data: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _goal_get(goal: Any, name: str, default: Any = None) -> Any:
    return goal.get(name, default) if isinstance(goal, Mapping) else getattr(goal, name, default)


def daily_frame(facts: pd.DataFrame, kpi: Any, catalog: Any = None) -> pd.DataFrame:
    """Daily numerator/denominator of a sum or ratio KPI on a gap-free calendar: a day the data cover
    without a row is 0; a day without data (a hole in a source, `kpi_helpers.data.coverage`) is NaN.
    `covered` says which days the data cover."""
    table = compute_kpis(facts, [kpi], grain="day", catalog=catalog)
    frame = table.set_index("period")[["numerator", "denominator"]]
    if frame.empty:
        return frame.assign(covered=pd.Series(dtype=bool))
    # up to the last day the data stand for: a monthly row on the 1st covers its whole month
    last = max(frame.index.max(), covered_until(facts["date"]))
    days = pd.date_range(frame.index.min(), last, freq="D")
    covered = period_coverage(facts, kpi, days, days, catalog) == "complete"
    frame = frame.reindex(days).fillna(0.0).where(np.repeat(covered[:, None], 2, axis=1), np.nan)
    frame["covered"] = covered
    return frame


def covered_days_in(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Days of [start, end] a `daily_frame` says the data cover (days outside it are not covered)."""
    return int(frame.loc[start:end, "covered"].sum()) if end >= start else 0


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


def bound_status(status: str, breached: bool, streak: int) -> str:
    """The goal's status with its floor/ceiling: a bound broken in the latest complete period makes
    an on-track goal 'at_risk'; broken in the latest two complete periods in a row, 'off_track'.
    A goal that is already worse keeps its status."""
    if not breached:
        return status
    floor_status = "off_track" if streak >= 2 else "at_risk"
    order = ("on_track", "at_risk", "off_track")
    return max(status, floor_status, key=order.index)


def _periods_in(
    facts: pd.DataFrame, kpi: Any, grain: str, start: pd.Timestamp, end: pd.Timestamp, catalog: Any
) -> pd.DataFrame:
    """numerator, denominator and value of the KPI per period of ``grain`` over [start, end] (a
    period cut by the window holds only its days inside it), indexed by period start."""
    if end < start:
        return pd.DataFrame(columns=["numerator", "denominator", "value"], dtype=float)
    table = compute_kpis(facts, [kpi], grain=grain, catalog=catalog, period=(start, end))
    return table.set_index("period")[["numerator", "denominator", "value"]].astype(float)


def _bounds(
    facts: pd.DataFrame,
    kpi: Any,
    goal: Any,
    start: pd.Timestamp,
    deadline: pd.Timestamp,
    as_of: pd.Timestamp,
    grain: str,
    catalog: Any,
) -> tuple[pd.Timestamp | None, float | None, bool, bool, int]:
    """(latest complete period, its value, floor broken, ceiling broken, streak) for a goal with a
    floor or ceiling; complete = its last day ≤ as of (and ≤ the deadline), first day ≥ the start."""
    floor, ceiling = _goal_get(goal, "floor"), _goal_get(goal, "ceiling")
    if floor is None and ceiling is None:
        return None, None, False, False, 0
    end = min(as_of, deadline)
    first = pd.Timestamp(period_start([start], grain)[0])
    first = first if first >= start else pd.Timestamp(shift_periods([first], grain, 1)[0])
    current = pd.Timestamp(period_start([end], grain)[0])
    nxt = pd.Timestamp(shift_periods([current], grain, 1)[0])
    last = current if nxt - pd.Timedelta(days=1) <= end else pd.Timestamp(shift_periods([current], grain, -1)[0])
    if last < first:
        return None, None, False, False, 0
    last_end = pd.Timestamp(shift_periods([last], grain, 1)[0]) - pd.Timedelta(days=1)
    values = _periods_in(facts, kpi, grain, first, last_end, catalog)["value"]

    def broken(v: float) -> tuple[bool, bool]:
        ok = v is not None and math.isfinite(v)
        return (ok and floor is not None and v < floor), (ok and ceiling is not None and v > ceiling)

    value = float(values.get(last, math.nan))
    below, above = broken(value)
    streak = 0
    for p in sorted((p for p in values.index if p <= last), reverse=True)[:2]:
        if any(broken(float(values[p]))):
            streak += 1
        else:
            break
    return last, (value if math.isfinite(value) else None), below, above, streak


def _plan_to_date(
    plan: list[PeriodTarget], to_date_end: pd.Timestamp, elapsed: int, frame: pd.DataFrame | None = None
) -> float:
    """Σ of the period targets so far: whole periods done plus the current one pro rata by days
    (with a `daily_frame`: by the days the data cover, so a hole is not expected to hold anything)."""
    if not elapsed:
        return 0.0
    total = 0.0
    for p in plan:
        start = pd.Timestamp(p.start)
        if frame is not None:
            done = covered_days_in(frame, start, min(to_date_end, pd.Timestamp(p.end)))
        else:
            done = min(max((to_date_end - start).days + 1, 0), p.days)
        total += p.target * done / p.days
    return total


def pace_goal(
    facts: pd.DataFrame,
    goal: Any,
    as_of: Any = None,
    catalog: Any = None,
    grain: str = "month",
    covered_until: Any = None,
) -> Pacing:
    """Pacing of one goal (target = the KPI over [start, deadline]).

    Judged on the days the data cover: as of ``covered_until`` when that is before ``as_of``
    (default: the last day the KPI's measures have data, a monthly source's last month in full;
    see :func:`kpi_helpers.data.sources.measures_covered_until`). The result keeps ``as_of``.

    Sum KPIs: expected_linear = target × elapsed fraction; expected_seasonal = target × the
    share last year's same window (52 weeks back) had reached by the same day, when the data
    covers that whole window (else None); forecast = actual × last year's full/to-date ratio
    (seasonal), else actual + average of the last RECENT_DAYS days × days left;
    required_run_rate = (target - actual) / days left, per day.
    Ratio KPIs: actual = ratio to date, expected = target, forecast = ratio to date,
    required_run_rate None. Growth KPIs are paced through their base KPI (GoalError here).

    With per-period targets (``goal.targets``, months or quarters covering the window):
    sum KPIs expect the targets of the periods so far, the current period pro rata by days
    (expected_method 'targets'), and forecast actual × Σ targets / expected (the plan's shape for
    the rest); ratio KPIs expect the periods' targets weighted by each period's actual
    denominator to date (what the rate to date would be had every period met its own target) and
    forecast target + (actual - expected): the gap to plan carries on to the deadline.

    A floor/ceiling is checked on the latest complete period of ``grain`` inside the window
    (see :func:`bound_status` for what it does to the status).
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
    covered = pd.Timestamp(covered_until) if covered_until is not None else measures_covered_until(facts, kpi.measures)
    judged = min(as_of, covered.normalize()) if covered is not None else as_of  # late data: the last covered day
    total_days = (deadline - start).days + 1
    if start > judged:
        return _not_started(goal, kpi, target, as_of, start, deadline, total_days, judged)
    elapsed = int(min(max((judged - start).days + 1, 0), total_days))
    days_left = total_days - elapsed
    fraction = elapsed / total_days
    to_date_end = start + pd.Timedelta(days=elapsed - 1)
    num, den = _window_value(facts, kpi, start, to_date_end, catalog) if elapsed else (0.0, 0.0)
    with_data = covered_days_in(frame, start, to_date_end) if elapsed else 0
    holes = with_data < elapsed  # days without data so far: the sum to date is a lower bound
    year = pd.Timedelta(days=YEAR_DAYS)
    plan = period_targets(goal)

    if kpi.type == "ratio":
        actual = num / den if den else math.nan
        expected_linear = expected = target
        expected_seasonal = required = None
        forecast, method = actual, "ratio_to_date"
        expected_method = "target"
        if plan:
            expected_method = "targets"
            so_far = [p for p in plan if pd.Timestamp(p.start) <= to_date_end] if elapsed else []
            dens = (
                _periods_in(facts, kpi, plan[0].grain, start, to_date_end, catalog)["denominator"] if so_far else None
            )
            weights = [float(dens.get(pd.Timestamp(p.start), 0.0)) if dens is not None else 0.0 for p in so_far]
            if so_far and sum(weights) > 0:
                expected = sum(p.target * w for p, w in zip(so_far, weights)) / sum(weights)
            elif so_far:
                expected = sum(p.target for p in so_far) / len(so_far)
            else:
                expected = plan[0].target
            forecast, method = (actual + (target - expected), "targets") if days_left else (actual, "final")
    else:
        actual = num
        expected_linear = target * fraction
        expected_seasonal = None
        ly_total = ly_to_date = math.nan
        if holes:  # judged on the days with data: a hole is not expected to hold anything
            expected_linear = target * with_data / total_days
        # last year's shape only when the data cover last year's whole window (a hole there is no shape)
        if covered_days_in(frame, start - year, deadline - year) == total_days:
            ly_total = _window_value(facts, kpi, start - year, deadline - year, catalog)[0]
            ly_to_date = _window_value(facts, kpi, start - year, to_date_end - year, catalog)[0] if elapsed else 0.0
            if holes and elapsed:  # last year's share on the same days as this year's covered ones
                days = frame.index[frame["covered"].to_numpy()]
                days = days[(days >= start) & (days <= to_date_end)] - year
                daily = frame["numerator"]
                ly_sum = float(daily.loc[start - year : deadline - year].sum())
                ly_to_date = ly_total * float(daily.reindex(days).sum()) / ly_sum if ly_sum else math.nan
            if ly_total > 0 and math.isfinite(ly_to_date):
                expected_seasonal = target * ly_to_date / ly_total
        expected = expected_seasonal if expected_seasonal is not None else expected_linear
        expected_method = "seasonal" if expected_seasonal is not None else "linear"
        planned = sum(p.target for p in plan)
        if plan:
            expected, expected_method = _plan_to_date(plan, to_date_end, elapsed, frame if holes else None), "targets"
        # with days without data the sum to date is a lower bound: what is still needed per day is unknown
        required = (target - actual) / days_left if days_left and not holes else None
        if holes:  # the pace on the covered days, carried to the whole window
            forecast = (planned if plan else target) * actual / expected if expected > 0 else math.nan
            method = "covered_days"
        elif days_left == 0:
            forecast, method = actual, "final"
        elif plan and expected > 0:
            forecast, method = actual * planned / expected, "targets"
        elif expected_seasonal is not None and ly_to_date > 0:
            forecast, method = actual * ly_total / ly_to_date, "seasonal"
        else:
            recent = frame.loc[
                min(judged, frame.index.max()) - pd.Timedelta(days=RECENT_DAYS - 1) : judged, "numerator"
            ]
            rate = float(recent.mean()) if len(recent) else math.nan
            forecast, method = actual + rate * days_left, "recent"

    gap = actual - expected
    progress = actual / target if target else math.nan
    status_pace = pace_status(forecast, target, kpi.direction)
    period, value, below, above, streak = _bounds(facts, kpi, goal, start, deadline, judged, grain, catalog)
    return Pacing(
        goal_id=_goal_get(goal, "id"),
        kpi=kpi.id,
        target=target,
        actual_to_date=actual,
        expected_linear=expected_linear,
        expected_seasonal=expected_seasonal,
        expected=expected,
        gap=gap,
        progress=progress,
        required_run_rate=required,
        forecast=forecast,
        forecast_method=method,
        status=bound_status(status_pace, below or above, streak),
        elapsed_fraction=fraction,
        days_left=days_left,
        as_of=as_of,
        start=start,
        deadline=deadline,
        covered_until=judged,
        expected_method=expected_method,
        status_pace=status_pace,
        floor=_goal_get(goal, "floor"),
        ceiling=_goal_get(goal, "ceiling"),
        bound_period=period,
        bound_value=value,
        floor_breached=below,
        ceiling_breached=above,
        bound_streak=streak,
        days_elapsed=elapsed,
        days_with_data=with_data,
    )


def _not_started(
    goal: Any,
    kpi: Any,
    target: float,
    as_of: pd.Timestamp,
    start: pd.Timestamp,
    deadline: pd.Timestamp,
    days: int,
    covered: pd.Timestamp,
) -> Pacing:
    """The pacing of a goal whose window starts after ``as_of``: planned, nothing measured or forecast."""
    nan = math.nan
    method = "targets" if period_targets(goal) else "target" if kpi.type == "ratio" else "linear"
    return Pacing(
        goal_id=_goal_get(goal, "id"),
        kpi=kpi.id,
        target=target,
        actual_to_date=nan,
        expected_linear=nan,
        expected_seasonal=None,
        expected=nan,
        gap=nan,
        progress=nan,
        required_run_rate=None,
        forecast=nan,
        forecast_method=Status.NOT_STARTED,
        status=Status.NOT_STARTED,
        elapsed_fraction=0.0,
        days_left=days,
        as_of=as_of,
        start=start,
        deadline=deadline,
        covered_until=covered,
        expected_method=method,
        status_pace=Status.NOT_STARTED,
        floor=_goal_get(goal, "floor"),
        ceiling=_goal_get(goal, "ceiling"),
    )


def target_table(facts: pd.DataFrame, goal: Any, as_of: Any = None, catalog: Any = None) -> pd.DataFrame:
    """One row per period target of a goal: ``period`` ('2026-01' / '2026-Q1'), ``start``, ``end``,
    ``target``, ``actual`` (the KPI over the period up to as of; NaN before it starts) and
    ``complete`` (the period ended by as of). Empty without per-period targets."""
    plan = period_targets(goal)
    cols = ["period", "start", "end", "target", "actual", "complete"]
    if not plan:
        return pd.DataFrame(columns=cols)
    kpi = get_kpi(_goal_get(goal, "kpi"), catalog)
    as_of = pd.Timestamp(as_of).normalize() if as_of is not None else pd.Timestamp(facts["date"].max()).normalize()
    start, end = pd.Timestamp(plan[0].start), min(pd.Timestamp(plan[-1].end), as_of)
    values = _periods_in(facts, kpi, plan[0].grain, start, end, catalog)["value"]
    rows = [
        {
            "period": p.key,
            "start": pd.Timestamp(p.start),
            "end": pd.Timestamp(p.end),
            "target": p.target,
            "actual": float(values.get(pd.Timestamp(p.start), math.nan)),
            "complete": pd.Timestamp(p.end) <= as_of,
        }
        for p in plan
    ]
    return pd.DataFrame(rows, columns=cols)


def plan_per_period(goal: Any, grain: str, kpi_type: str = "sum") -> pd.Series:
    """A goal's per-period targets at another grain (a chart's): for sum KPIs each target spread
    evenly over its days and summed per ``grain`` period; for ratio KPIs the mean of the daily
    targets. Indexed by period start; empty without per-period targets."""
    plan = period_targets(goal)
    if not plan:
        return pd.Series(dtype=float)
    parts = []
    for p in plan:
        days = pd.date_range(p.start, p.end, freq="D")
        parts.append(pd.Series(p.target / (p.days if kpi_type != "ratio" else 1), index=days))
    daily = pd.concat(parts)
    keys = pd.DatetimeIndex(period_start(daily.index, grain))
    grouped = daily.groupby(keys)
    out = grouped.mean() if kpi_type == "ratio" else grouped.sum()
    out.index.name = "period"
    return out.astype(float)


def pace_goals(
    facts: pd.DataFrame, goals: Iterable[Any], as_of: Any = None, catalog: Any = None, grain: str = "month"
) -> pd.DataFrame:
    """One row per goal: goal id, statement, owner and every :class:`Pacing` field."""
    rows = []
    for goal in goals:
        row = {"statement": _goal_get(goal, "statement"), "owner": _goal_get(goal, "owner")}
        row.update(pace_goal(facts, goal, as_of=as_of, catalog=catalog, grain=grain).to_dict())
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
        days = g["covered"].sum() if "covered" in frame else g.size()  # days without data are no zeros
        value = sums["numerator"] / days.where(days > 0)
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
