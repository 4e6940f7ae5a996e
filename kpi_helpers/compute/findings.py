"""PDCA "Check → Act": plain-language findings generated from a client's numbers.

Each rule reads the engine's results and writes one :class:`Finding` in Dutch and English:

* pacing of every goal (off track → critical, at risk → warning, on track → good; a goal that
  has not started gives none);
* a goal's floor or ceiling broken in the latest complete period (warning; two periods in a
  row → critical);
* KPI pairs, year to date vs the same days last year (Goodhart: more volume, worse quality);
* channels and campaigns whose ROAS is below 1 this year (ads that cost more than they bring);
* big swings of the selected KPIs in the last complete period vs the one before;
* peak and quiet months in the coming quarter (seasonality ahead).

The analysis windows used here (year to date, last complete period) are shared with the
notebook views in :mod:`kpi_helpers.views.analysis`, so findings and figures show the same numbers.
Findings are ordered deterministically: severity, then rule, then size, then KPI id.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kpi_helpers.compute.engine import (
    STABLE_BAND,
    breakdown,
    compute_kpis,
    format_change,
    format_kpi_change,
    get_kpi,
    kpi_meta,
    pair_message,
    pair_quadrants,
    pair_reading,
    period_over_period,
    volume_kind,
)
from kpi_helpers.data.sources import breakdown_across_sources
from kpi_helpers.exceptions import KpiWorkbookError
from kpi_helpers.i18n.formats import NOT_AVAILABLE, format_date, format_gap, format_period, format_value, t
from kpi_helpers.i18n.messages import per_language, table, text
from kpi_helpers.spec.vocab import Status

if TYPE_CHECKING:
    from kpi_helpers.session import ClientSession

SEVERITIES = ("critical", "warning", "info", "good")
RULES = ("pacing", "floor", "pair", "roas", "swing", "seasonality", "unavailable")
#: A change vs the previous period at least this large (either way) is a "big swing".
SWING_THRESHOLD = 0.20
#: At most this many swing findings (the largest first).
MAX_SWINGS = 3
#: Months ahead looked at for seasonality.
SEASON_AHEAD = 3
LANGS = ("nl", "en")
Text = dict[str, str]


@dataclass
class Finding:
    """One Check → Act finding. ``message`` and ``action`` hold both languages."""

    severity: str
    kpi: str
    message: Text
    action: Text
    rank: int = 0
    rule: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # the numbers behind it (JSON-safe)

    def text(self, lang: str = "en") -> str:
        return f"{self.message[lang]} → {self.action[lang]}"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["data"] = {k: _plain(v) for k, v in self.data.items()}
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, (pd.Timestamp,)):
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value


# --------------------------------------------------------------------------- shared windows
def analysis_kpis(wb: ClientSession) -> list[str]:
    """The client's KPIs (selected, pairs, goals) that its data can compute, in config order."""
    cols = set(wb.facts.columns)
    out = []
    for kid in wb.config.all_kpis:
        try:
            k = get_kpi(kid, wb.catalog)
        except KpiWorkbookError:
            continue
        base = get_kpi(k.growth_of, wb.catalog) if k.type == "growth" and k.growth_of else k
        if base.measures <= cols:
            out.append(kid)
    return out


def dashboard_kpis(wb: ClientSession) -> list[str]:
    """The KPIs the dashboard shows: the client's selection the data can compute, else all it can."""
    return [k for k in wb.config.kpis if k in analysis_kpis(wb)] or analysis_kpis(wb)


def dashboard_months(wb: ClientSession) -> pd.DatetimeIndex:
    """Month starts from the first data month to the last complete month (the dashboard's period slider)."""
    return pd.date_range(wb.facts["date"].min().replace(day=1), last_complete_period(wb, "month"), freq="MS")


def report_grain(wb: ClientSession, grain: str | None = None) -> str:
    """The grain asked for, else the client's own (params `grain`), else month."""
    return grain or getattr(wb, "grain", None) or "month"


def last_complete_period(wb: ClientSession, grain: str | None = None) -> pd.Timestamp:
    """Start of the last period of ``grain`` that the data covers completely (ends ≤ as of)."""
    from kpi_helpers.compute.engine import period_start, shift_periods

    grain = report_grain(wb, grain)
    as_of = pd.Timestamp(wb.as_of)
    start = pd.Timestamp(period_start([as_of], grain)[0])
    nxt = pd.Timestamp(shift_periods([start], grain, 1)[0])
    return start if nxt - pd.Timedelta(days=1) <= as_of else pd.Timestamp(shift_periods([start], grain, -1)[0])


def ytd_window(wb: ClientSession) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(1 January of the as-of year, as of)."""
    as_of = pd.Timestamp(wb.as_of)
    return pd.Timestamp(as_of.year, 1, 1), as_of


def ytd_label(wb: ClientSession, lang: str) -> str:
    start, end = ytd_window(wb)
    return f"{format_date(start, lang)} – {format_date(end, lang)}"


def period_table(
    wb: ClientSession,
    kpis: list[str] | None = None,
    grain: str | None = None,
    facts: pd.DataFrame | None = None,
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    """KPIs per complete period at the client's grain with period-over-period columns (an
    incomplete last period would look like a collapse, so it is left out). Periods before the
    report start (params `period.start`) are history: used for comparisons, not shown."""
    grain = report_grain(wb, grain)
    facts = wb.facts if facts is None else facts
    report_start = getattr(wb, "report_start", None)
    if report_start is not None:
        from kpi_helpers.compute.engine import period_start

        first_shown = pd.Timestamp(period_start([report_start], grain)[0])
        start = max(pd.Timestamp(start), first_shown) if start is not None else first_shown
    table = compute_kpis(facts, kpis or analysis_kpis(wb), grain=grain, catalog=wb.catalog, missing="skip")
    pop = period_over_period(table, wb.catalog)
    keep = pop["period"] <= last_complete_period(wb, grain)
    if start is not None:
        keep &= pop["period"] >= pd.Timestamp(start)
    if end is not None:
        keep &= pop["period"] <= pd.Timestamp(end)
    out = pop[keep].reset_index(drop=True)
    out.attrs = pop.attrs
    return out


def ytd_pairs(wb: ClientSession) -> pd.DataFrame:
    """Pair quadrants of year to date vs the same days last year (empty when no pair fits)."""
    pairs = [p for p in wb.config.pairs if all(k in analysis_kpis(wb) for k in p)]
    if not pairs:
        return pd.DataFrame()
    f = wb.facts
    as_of = pd.Timestamp(wb.as_of)
    if f["date"].min() > pd.Timestamp(as_of.year - 1, 1, 1):
        return pd.DataFrame()  # last year's same days are not all in the data: nothing to compare with
    kpis = sorted({k for p in pairs for k in p})
    last_year_end = pd.Timestamp(as_of.year - 1, as_of.month, min(as_of.day, 28 if as_of.month == 2 else as_of.day))
    for window in ((pd.Timestamp(as_of.year, 1, 1), as_of), (pd.Timestamp(as_of.year - 1, 1, 1), last_year_end)):
        # a hole in either year's days (no rows from a source) is no comparison: those pairs are left out
        cover = compute_kpis(f, kpis, grain=None, period=window, catalog=wb.catalog)
        whole = set(cover.loc[cover["coverage"] == "complete", "kpi"])
        pairs = [p for p in pairs if all(k in whole for k in p)]
    if not pairs:
        return pd.DataFrame()
    day = f["date"].dt.month * 100 + f["date"].dt.day
    table = compute_kpis(f[day <= as_of.month * 100 + as_of.day], kpis, grain="year", catalog=wb.catalog)
    # both years are cut to the same days (1 Jan .. as of), covered in full by the check above
    table = table.drop(columns="coverage")
    quadrants = pair_quadrants(table, pairs, catalog=wb.catalog)
    out = quadrants[quadrants["period"] == pd.Timestamp(as_of.year, 1, 1)].reset_index(drop=True)
    out.attrs.update(grain="year")
    return out


def pacing_frame(wb: ClientSession) -> pd.DataFrame:
    """:func:`kpi_helpers.compute.pacing.pace_goals` for the goals the data can pace."""
    from kpi_helpers.compute.pacing import pace_goals

    kpis = set(analysis_kpis(wb))
    goals = [g for g in wb.config.goals if g.kpi in kpis and get_kpi(g.kpi, wb.catalog).type != "growth"]
    as_of = getattr(wb, "cut_date", None)  # an as-of run: 'now' is the as-of date, not the last data date
    return (
        pace_goals(wb.facts, goals, as_of=as_of, catalog=wb.catalog, grain=report_grain(wb))
        if goals
        else pd.DataFrame()
    )


# --------------------------------------------------------------------------- rules
def _both(fn) -> Text:
    return {lang: fn(lang) for lang in LANGS}


def _pacing_findings(wb: ClientSession) -> list[Finding]:
    out = []
    pacing = pacing_frame(wb)
    goals = {g.id or g.kpi: g for g in wb.config.goals}
    for row in pacing.itertuples(index=False):
        if row.status == Status.NOT_STARTED:
            continue  # planned: nothing to judge yet, so nothing to report or act on
        k = get_kpi(row.kpi, wb.catalog)
        goal = goals.get(row.goal_id)
        owner = (goal.owner if goal else None) or ""

        def v(x: float, lang: str) -> str:
            return format_value(x, k.unit, lang, wb.currency)

        def message(lang: str) -> str:
            name = goal_kpi_name(k.label(lang), row.goal_id, shares_kpi(wb.config.goals, row.kpi), lang)
            head = f"{name}: {t(row.status, lang)}. "
            by_plan = getattr(row, "expected_method", "") == "targets"
            plan = text("findings.pacing_by_plan", lang) if by_plan else ""
            if k.type == "ratio":
                now = text("findings.pacing_expected", lang, expected=v(row.expected, lang), plan=plan)
                body = text(
                    "findings.pacing_ratio",
                    lang,
                    actual=v(row.actual_to_date, lang),
                    expected_note=now if by_plan else "",
                    target=v(row.target, lang),
                )
            else:
                body = text(
                    "findings.pacing_sum",
                    lang,
                    actual=v(row.actual_to_date, lang),
                    expected=v(row.expected, lang),
                    plan=plan,
                    forecast=v(row.forecast, lang),
                    target=v(row.target, lang),
                )
            return head + body + covered_days_note(row, lang)

        def action(lang: str) -> str:
            who = f" — {owner}" if owner else ""
            if row.status == "on_track":
                return text("findings.act_on_track", lang, who=who)
            if k.type == "ratio" or not row.required_run_rate:
                return text("findings.act_improve", lang, who=who)
            return text("findings.act_needed", lang, rate=v(row.required_run_rate, lang), who=who)

        severity = {"off_track": "critical", "at_risk": "warning"}.get(row.status, "good")
        out.append(
            Finding(
                severity,
                row.kpi,
                _both(message),
                _both(action),
                rule="pacing",
                data={
                    "goal_id": row.goal_id,
                    "status": row.status,
                    "actual_to_date": row.actual_to_date,
                    "forecast": row.forecast,
                    "target": row.target,
                    "size": abs(1 - row.forecast / row.target) if row.target else 0.0,
                },
            )
        )
    return out


def covered_days_note(pacing: Any, lang: str) -> str:
    """' Judged on the 181 of 273 days so far that the data cover …' when a hole (or late data) leaves
    days of a goal's window without data; '' when the data cover every day so far."""
    from kpi_helpers.i18n.formats import format_number

    elapsed, covered = int(getattr(pacing, "days_elapsed", 0) or 0), int(getattr(pacing, "days_with_data", 0) or 0)
    if covered >= elapsed:
        return ""
    return text(
        "data_coverage.pacing_days", lang, covered=format_number(covered, lang), elapsed=format_number(elapsed, lang)
    )


def shares_kpi(goals: list[Any], kpi_id: str) -> bool:
    """Do two or more of `goals` steer on `kpi_id`?"""
    return sum(g.kpi == kpi_id for g in goals) > 1


def goal_kpi_name(label: str, goal_id: str, shared: bool, lang: str) -> str:
    """What a client reads for a goal: its KPI ('Revenue'); the goal id is internal and only
    added when two goals share the KPI (`shares_kpi`): 'Revenue (goal revenue-h2)'."""
    return text("findings.kpi_of_goal", lang, kpi=label, goal=goal_id) if shared else label


def _bound_findings(wb: Any) -> list[Finding]:
    """A goal's KPI below its floor (or above its ceiling) in the latest complete period."""
    out: list[Finding] = []
    pacing = pacing_frame(wb)
    if pacing.empty or "floor_breached" not in pacing:
        return out
    goals = {g.id or g.kpi: g for g in wb.config.goals}
    grain = report_grain(wb)
    for row in pacing[pacing["floor_breached"] | pacing["ceiling_breached"]].itertuples(index=False):
        k = get_kpi(row.kpi, wb.catalog)
        goal = goals.get(row.goal_id)
        owner = (goal.owner if goal else None) or ""
        below = bool(row.floor_breached)
        limit = row.floor if below else row.ceiling

        def v(x: float, lang: str, k=k) -> str:
            return format_value(x, k.unit, lang, wb.currency)

        def message(lang: str, row=row, k=k, below=below, limit=limit) -> str:
            period = format_period(row.bound_period, grain, lang)
            where = text("findings.bound_below" if below else "findings.bound_above", lang)
            again = text("findings.bound_again", lang) if row.bound_streak >= 2 else ""
            name = goal_kpi_name(k.label(lang), row.goal_id, shares_kpi(wb.config.goals, row.kpi), lang)
            return f"{name}: {v(row.bound_value, lang)} in {period}, {where} {v(limit, lang)}.{again}"

        def action(lang: str, k=k, below=below, limit=limit, owner=owner) -> str:
            who = f" — {owner}" if owner else ""
            label = k.label(lang).lower()
            key = "findings.bound_act_below" if below else "findings.bound_act_above"
            return text(key, lang, label=label, limit=v(limit, lang), who=who)

        size = abs(row.bound_value - limit) / abs(limit) if limit else 0.0
        out.append(
            Finding(
                "critical" if row.bound_streak >= 2 else "warning",
                row.kpi,
                _both(message),
                _both(action),
                rule="floor",
                data={
                    "goal_id": row.goal_id,
                    "bound": "floor" if below else "ceiling",
                    "limit": limit,
                    "value": row.bound_value,
                    "period": row.bound_period,
                    "streak": row.bound_streak,
                    "size": size,
                },
            )
        )
    return out


#: A pair's move counts only when it is at least this many times the KPI's own month-to-month
#: spread (the std of its past monthly changes): a smaller move is the KPI's normal wobble.
PAIR_NOTICE_SPREADS = 1.0
#: A bad move of at least this many spreads is a warning, a smaller one a notice (info): twice
#: the normal wobble is rarely chance. A pair is never critical (that is for goals).
PAIR_WARNING_SPREADS = 2.0
#: Fewest past month-to-month changes a spread is estimated from. With fewer (or a flat history)
#: we cannot tell a move from noise: the engine's fixed STABLE_BAND decides what moved and a bad
#: pair is at most a notice.
MIN_SPREAD_CHANGES = 6
#: The side(s) of a pair whose move makes a reading bad, and the severity of the other readings.
_PAIR_BAD_SIDES = {
    "goodhart_warning": ("quality",),
    "quality_down": ("quality",),
    "volume_down": ("volume",),
    "decline": ("volume", "quality"),
}
_PAIR_GOOD_SEVERITY = {"healthy_growth": "good", "quality_up": "good", "efficiency": "info", "stable": "info"}
_PAIR_ACTION = table("findings_pair_action")


def monthly_spread(values: pd.Series, unit: str) -> float | None:
    """The std of a KPI's month-to-month changes (points for percent KPIs, else relative) over
    consecutive complete months (`values` indexed by month start); None with fewer than
    MIN_SPREAD_CHANGES changes or a flat history."""
    if values.empty:
        return None
    months = pd.date_range(values.index.min(), values.index.max(), freq="MS")
    series = values.astype(float).reindex(months)  # a missing month breaks the chain, not bridges it
    changes = series.diff() if unit == "percent" else series / series.shift(1) - 1
    changes = changes[np.isfinite(changes.to_numpy(float))]
    if len(changes) < MIN_SPREAD_CHANGES:
        return None
    spread = float(changes.std(ddof=1))
    return spread if math.isfinite(spread) and spread > 0 else None


def pair_severity(reading: str, spreads: dict[str, float | None]) -> str:
    """A pair finding's severity: a good reading is good (or info), a bad one a warning when its
    bad move is at least PAIR_WARNING_SPREADS of the KPI's spread, else info; info too when a
    bad side has no spread to measure against (`spreads`: side -> move in spreads, or None)."""
    if reading not in _PAIR_BAD_SIDES:
        return _PAIR_GOOD_SEVERITY[reading]
    sizes = [spreads.get(side) for side in _PAIR_BAD_SIDES[reading]]
    if any(size is None for size in sizes):
        return "info"
    return "warning" if max(float(z) for z in sizes if z is not None) >= PAIR_WARNING_SPREADS else "info"


def _past_monthly(wb: ClientSession, kpis: list[str]) -> pd.DataFrame:
    """The KPIs per complete month before this year (the history a pair's spread is read from)."""
    start, _ = ytd_window(wb)
    table = compute_kpis(wb.facts[wb.facts["date"] < start], kpis, grain="month", catalog=wb.catalog)
    return table[table["coverage"] == "complete"] if "coverage" in table else table


def _pair_findings(wb: ClientSession) -> list[Finding]:
    out: list[Finding] = []
    quadrants = ytd_pairs(wb)
    if quadrants.empty:
        return out
    past = _past_monthly(wb, sorted(set(quadrants["volume_kpi"]) | set(quadrants["quality_kpi"])))
    for row in quadrants.itertuples(index=False):
        if row.quadrant is None or pd.isna(row.quadrant):
            continue
        vk, qk = get_kpi(row.volume_kpi, wb.catalog), get_kpi(row.quality_kpi, wb.catalog)
        metas = kpi_meta([vk, qk])
        signs: dict[str, float] = {}
        spreads: dict[str, float | None] = {}
        for side, k, rel, absolute in (
            ("volume", vk, row.volume_change, row.volume_abs_change),
            ("quality", qk, row.quality_change, row.quality_abs_change),
        ):
            history = past[past["kpi"] == k.id].set_index("period")["value"]
            spread = monthly_spread(history, k.unit)
            move = float(absolute if k.unit == "percent" else rel)
            scored = move * (1 if k.direction == "higher" else -1)
            size = abs(move) / spread if spread else None
            spreads[side] = size
            moved = size >= PAIR_NOTICE_SPREADS if size is not None else abs(float(rel)) >= STABLE_BAND
            signs[side] = float(np.sign(scored)) if moved else 0.0
        reading = pair_reading(signs["volume"], signs["quality"])
        changes = (row.volume_abs_change, row.volume_change, row.quality_abs_change, row.quality_change)

        def message(lang: str, row=row, reading=reading, metas=metas, changes=changes) -> str:
            story = pair_message(reading, row.volume_kpi, metas, row.quality_kpi, changes, lang)
            return f"{story} ({ytd_label(wb, lang)} {text('findings.pair_window', lang)})"

        def action(lang: str, row=row, vk=vk, qk=qk, reading=reading) -> str:
            key = f"{reading}_{volume_kind(row.volume_kpi)}"
            return _PAIR_ACTION.get(key, _PAIR_ACTION[reading])[lang].format(
                v=vk.label(lang).lower(), q=qk.label(lang).lower()
            )

        out.append(
            Finding(
                pair_severity(reading, spreads),
                row.volume_kpi,
                _both(message),
                _both(action),
                rule="pair",
                data={
                    "quality_kpi": row.quality_kpi,
                    "quadrant": reading,
                    "volume_change": row.volume_change,
                    "quality_change": row.quality_change,
                    "volume_spreads": spreads["volume"],
                    "quality_spreads": spreads["quality"],
                    "size": abs(row.volume_change) + abs(row.quality_change),
                },
            )
        )
    return out


def _roas_findings(wb: ClientSession) -> list[Finding]:
    if not {"revenue", "ad_spend"} <= set(wb.facts.columns):
        return []
    out = []
    for dim in ("channel", "campaign"):
        if dim not in wb.facts.columns:
            continue
        table = breakdown(wb.facts, ["roas"], by=dim, period=ytd_window(wb), catalog=wb.catalog)
        table = breakdown_across_sources(table, wb.facts, dim)  # no ROAS per channel across unlike sources
        for row in table[table["available"] & (table["value"] < 1)].sort_values(dim).itertuples(index=False):
            name = getattr(row, dim)

            def message(lang: str, row=row, name=name) -> str:
                value = format_value(row.value, "ratio", lang)
                return text(
                    "findings.roas_message",
                    lang,
                    dimension=t(dim, lang),
                    name=name,
                    value=value,
                    period=ytd_label(wb, lang),
                )

            action = per_language("findings.roas_action")
            out.append(
                Finding(
                    "warning",
                    "roas",
                    _both(message),
                    action,
                    rule="roas",
                    data={"dimension": dim, "value": name, "roas": row.value, "size": 1 - row.value},
                )
            )
    return out


def _swing_findings(wb: ClientSession, grain: str | None = None) -> list[Finding]:
    grain = report_grain(wb, grain)
    kpis = [k for k in analysis_kpis(wb) if k in wb.config.kpis] or analysis_kpis(wb)
    if not kpis:
        return []
    pop = period_table(wb, kpis, grain)
    last = pop[pop["period"] == pop["period"].max()]
    # a growth KPI's value is itself a change: its swing is measured in points, not relative to itself
    growth = last["kpi"].map(lambda kid: get_kpi(kid, wb.catalog).type == "growth").astype(bool)
    size = last["rel_change"].abs().where(~growth, last["abs_change"].abs())
    big = last[size >= SWING_THRESHOLD].copy()
    big["size"] = size[size >= SWING_THRESHOLD]
    out = []
    for row in big.sort_values(["size", "kpi"], ascending=[False, True]).head(MAX_SWINGS).itertuples(index=False):
        k = get_kpi(row.kpi, wb.catalog)
        good = row.good if row.good is not pd.NA else None
        yoy = row.yoy_rel_change

        def message(lang: str, row=row, k=k, yoy=yoy) -> str:
            period = format_period(row.period, grain, lang)
            yoy_text = format_kpi_change(row.yoy_abs_change, yoy, k.unit, lang)
            extra = "" if not math.isfinite(yoy) else f"; {yoy_text} {t('change_yoy', lang)}"
            return (
                f"{k.label(lang)} {format_kpi_change(row.abs_change, row.rel_change, k.unit, lang)} "
                f"{t('change_prev', lang)} ({period}: "
                f"{format_value(row.value, k.unit, lang, wb.currency)}{extra})."
            )

        sign = 1 if k.direction == "higher" else -1
        yoy_bad = math.isfinite(yoy) and sign * yoy <= -SWING_THRESHOLD / 2
        if good and not yoy_bad:
            severity = "good"
            action = per_language("findings.swing_good")
        elif good:
            severity = "info"
            action = per_language("findings.swing_rebound")
        elif not yoy_bad:
            severity = "info"
            action = per_language("findings.swing_seasonal")
        else:
            severity = "warning"
            action = per_language("findings.swing_cause")
        out.append(
            Finding(
                severity,
                row.kpi,
                _both(message),
                action,
                rule="swing",
                data={"period": row.period, "rel_change": row.rel_change, "yoy_rel_change": yoy, "size": row.size},
            )
        )
    return out


def main_kpi(wb: ClientSession) -> str | None:
    """The KPI the seasonality and breakdown views centre on: revenue when the data has it,
    else the first sum KPI of the client (goals first)."""
    kpis = analysis_kpis(wb)
    ordered = [g.kpi for g in wb.config.goals if g.kpi in kpis] + kpis
    sums = [k for k in ordered if get_kpi(k, wb.catalog).type == "sum"]
    return "revenue" if "revenue" in kpis else (sums[0] if sums else None)


def main_seasonality(wb: ClientSession) -> tuple[str, Any] | None:
    """(main KPI, its :class:`kpi_helpers.compute.pacing.Seasonality`), or None without a main KPI or with
    too little history. The seasonality finding and the seasonality view both start here."""
    from kpi_helpers.compute.pacing import seasonality

    kid = main_kpi(wb)
    try:
        return None if kid is None else (kid, seasonality(wb.facts, kid, catalog=wb.catalog))
    except KpiWorkbookError:
        return None


def _season_findings(wb: ClientSession) -> list[Finding]:
    from kpi_helpers.views.charts import month_names

    found = main_seasonality(wb)
    if found is None:
        return []
    kid, season = found
    as_of = pd.Timestamp(wb.as_of)
    ahead = [(as_of.month + i - 1) % 12 + 1 for i in range(1, SEASON_AHEAD + 1)]
    peak = [m for m in ahead if m in season.peak_months]
    quiet = [m for m in ahead if m in season.quiet_months]
    if not peak and not quiet:
        return []
    k = get_kpi(kid, wb.catalog)
    idx = season.month_profile

    def message(lang: str) -> str:
        parts = []
        if peak:
            parts.append(
                text("findings.season_peak", lang)
                + " "
                + month_names(lang, peak)
                + f" ({format_change(float(idx[peak].max()) - 1, lang)})"
            )
        if quiet:
            parts.append(
                text("findings.season_quiet", lang)
                + " "
                + month_names(lang, quiet)
                + f" ({format_change(float(idx[quiet].min()) - 1, lang)})"
            )
        head = text("findings.season_head", lang, kpi=k.label(lang).lower(), months=SEASON_AHEAD)
        return head + "; ".join(parts) + text("findings.season_vs_average", lang)

    action = per_language("findings.season_action")
    return [
        Finding(
            "info",
            kid,
            _both(message),
            action,
            rule="seasonality",
            data={"peak_months": peak, "quiet_months": quiet, "size": 0.0},
        )
    ]


def _unavailable_findings(wb: ClientSession) -> list[Finding]:
    """Selected KPIs the data cannot give at the client's grain, with the reason (never a silent blank)."""
    from kpi_helpers.compute.engine import countable_over_time, unavailable_reason

    cols = set(wb.facts.columns)
    out = []
    for kid in dict.fromkeys(wb.config.all_kpis):
        k = get_kpi(kid, wb.catalog)
        if not k.measures <= cols or countable_over_time(wb.facts, k, wb.catalog):
            continue
        table = compute_kpis(wb.facts, [kid], grain=report_grain(wb), catalog=wb.catalog)
        reason = {lang: unavailable_reason(table, kid, lang, wb.catalog) or "" for lang in LANGS}
        message = {lang: f"{k.label(lang)}: {NOT_AVAILABLE[lang]} — {reason[lang]}" for lang in LANGS}
        action = per_language("findings.unavailable_action")
        out.append(Finding("info", kid, message, action, rule="unavailable"))
    return out


def build_findings(session: ClientSession) -> list[Finding]:
    """All findings for a client, most important first (``rank`` 0). Deterministic: sorted by
    severity, rule, size (largest first) and KPI id. Computed once per batch kernel (notebook 03
    and the summary both ask; kpi_helpers.data.cache)."""
    from kpi_helpers.data.cache import cached_result

    key = ("findings", getattr(session, "lang", None), str(session.as_of) if hasattr(session, "as_of") else None)
    return cached_result(getattr(session, "config", None), key, lambda: _all_findings(session))


def _all_findings(session: Any) -> list[Finding]:
    findings: list[Finding] = []
    for rule in (
        _pacing_findings,
        _bound_findings,
        _pair_findings,
        _roas_findings,
        _swing_findings,
        _season_findings,
        _unavailable_findings,
    ):
        findings.extend(rule(session))
    findings.sort(
        key=lambda f: (SEVERITIES.index(f.severity), RULES.index(f.rule), -float(f.data.get("size") or 0.0), f.kpi)
    )
    for i, f in enumerate(findings):
        f.rank = i
    return findings


# --------------------------------------------------------------------------- presentation
SEVERITY_ICON = {"critical": "🔴", "warning": "🟠", "info": "🔵", "good": "🟢"}
#: Severity as words: a report never relies on emoji alone (boxes without an emoji font).
SEVERITY_TEXT = {severity: per_language(f"findings.severity_{severity}") for severity in SEVERITIES}
_ACT = per_language("findings.act")


def findings_markdown(findings: list[Finding], lang: str = "en") -> str:
    """A numbered Markdown list: the finding (Check) and what to do (Act)."""
    if not findings:
        return text("findings.none", lang)
    lines = [
        f"{f.rank + 1}. **{SEVERITY_TEXT[f.severity][lang]}:** {f.message[lang]}  \n   **{_ACT[lang]}:** {f.action[lang]}"
        for f in findings
    ]
    return "\n".join(lines)


def pacing_table(wb: ClientSession) -> pd.DataFrame:
    """The goals' pacing as a report table in the client's language (formatted values)."""
    lang = wb.lang
    pacing = pacing_frame(wb)
    rows = []
    for row in pacing.itertuples(index=False):
        k = get_kpi(row.kpi, wb.catalog)

        def v(x: Any) -> str:
            return format_value(x, k.unit, lang, wb.currency) if x is not None else "—"

        rows.append(
            {
                t("goal", lang): row.goal_id,
                t("kpi", lang): k.label(lang),
                t("owner", lang): row.owner or "",
                t("target", lang): v(row.target),
                t("actual", lang): v(row.actual_to_date),
                t("expected", lang): v(row.expected),
                t("gap", lang): format_gap(row.gap, k.unit, lang, wb.currency),
                t("forecast", lang): v(row.forecast),
                t("required_run_rate", lang): v(row.required_run_rate) if k.type == "sum" else "—",
                t("deadline", lang): format_date(row.deadline, lang),
                t("status", lang): t(row.status, lang),
            }
        )
    return pd.DataFrame(rows)
