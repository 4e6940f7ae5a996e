"""Notebook views for step 3 (analyse the data).

Views (``scorecards``, ``goal_trends``, ``pacing_charts``, ``pair_charts``, ``breakdown_charts``,
``seasonality_charts``, ``driver_charts``) decide, per client, which windows, KPIs and
sections apply (no coupon column → no coupon chart) and return plotly figures from
:mod:`kpi_helpers.views.charts`; list-returning views return ``[]`` when a section does not apply,
so notebook cells never branch. The ipywidgets apps built on them live in
:mod:`kpi_helpers.apps.widgets`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpi_helpers.compute.engine import OTHER_VALUE, get_kpi, pair_quadrants, shift_periods, top_breakdown
from kpi_helpers.compute.findings import (
    analysis_kpis,
    client_reach,
    goal_kpi_name,
    goal_names,
    last_complete_period,
    main_kpi,
    main_seasonality,
    pacing_frame,
    period_table,
    report_grain,
    total_kpis,
    ytd_label,
    ytd_window,
)
from kpi_helpers.data.sources import breakdown_across_sources
from kpi_helpers.exceptions import KpiWorkbookError
from kpi_helpers.i18n.formats import (
    NOT_AVAILABLE,
    dimension_label,
    format_number,
    format_period,
    format_value,
    t,
)
from kpi_helpers.i18n.messages import text
from kpi_helpers.spec.vocab import DIMENSIONS
from kpi_helpers.views import charts

if TYPE_CHECKING:
    from kpi_helpers.session import ClientSession

NO_COUPON = "(none)"  # the demo data's value for "no coupon / campaign"


def section_heading(section: str, wb: ClientSession) -> str:
    """Markdown heading and one-line reading guide of a notebook section in the client's language."""
    if section == "breakdowns":
        return _breakdown_heading(wb)
    return text(
        f"analysis_headings.{section}", wb.lang, window=ytd_label(wb, wb.lang), grain=t(report_grain(wb), wb.lang)
    )


def _breakdown_heading(wb: ClientSession) -> str:
    """'## Channels and coupon codes' + guide: names only the dimensions the client's data has, and
    explains ROAS only when there is ad spend (a bakery without campaigns reads no campaign words)."""
    lang = wb.lang
    reach = client_reach(wb)
    dims = [d for d in session_dimensions(wb) if d not in ("channel", "campaign") or d in reach]
    words = [text(f"breakdown_heading.{d}", lang) for d in dims] or [text("breakdown_heading.channel", lang)]
    named = words[0] if len(words) == 1 else ", ".join(words[:-1]) + text("breakdown_heading.and", lang) + words[-1]
    ads = "ad_spend" in wb.facts.columns and bool({"channel", "campaign"} & reach)
    guide = text("breakdown_heading.window", lang, window=ytd_label(wb, lang))
    return f"## {named[:1].upper()}{named[1:]}\n{guide}" + (text("breakdown_heading.roas", lang) if ads else "")


def session_dimensions(wb: ClientSession) -> list[str]:
    return [d for d in DIMENSIONS if d in wb.facts.columns]


def goal_statuses(wb: ClientSession) -> dict[str, str]:
    pacing = pacing_frame(wb)
    return {} if pacing.empty else dict(zip(pacing["kpi"], pacing["status"]))


# --------------------------------------------------------------------------- views
def scorecards(
    wb: ClientSession, table: pd.DataFrame | None = None, period: Any = None, status: bool = True, columns: int = 3
) -> charts.go.Figure:
    """Scorecards of the client's selected KPIs for the last complete period at the client's grain
    (breakdown KPIs are shown as their breakdown, never as a total card)."""
    kpis = total_kpis(wb, [k for k in wb.config.kpis if k in analysis_kpis(wb)] or analysis_kpis(wb))
    table = period_table(wb, kpis) if table is None else table
    return charts.scorecard(
        table,
        kpis,
        period=period,
        lang=wb.lang,
        currency=wb.currency,
        status=goal_statuses(wb) if status else None,
        columns=columns,
        catalog=wb.catalog,
    )


def goal_trend(wb: ClientSession, goal: Any) -> charts.go.Figure:
    """Trend of a goal's KPI at the client's grain from a year before the goal to its deadline:
    target line per period (a sum target spread like last year, else by days; a ratio target flat)
    and the forecast of the remaining periods (:func:`kpi_helpers.compute.pacing.pace_goal` spread the same way)."""
    from kpi_helpers.compute.engine import period_start, same_period_last_year
    from kpi_helpers.compute.pacing import pace_goal, plan_per_period
    from kpi_helpers.spec.goals import period_targets

    grain = report_grain(wb)
    k = get_kpi(goal.kpi, wb.catalog)
    start, deadline = pd.Timestamp(goal.start), pd.Timestamp(goal.deadline)
    first_period = pd.Timestamp(period_start([start], grain)[0])
    first = pd.Timestamp(same_period_last_year([first_period], grain)[0])
    table = period_table(wb, [k.id], grain, start=first)
    pacing = pace_goal(wb.facts, goal, as_of=getattr(wb, "cut_date", None), catalog=wb.catalog, grain=grain)
    plan = period_targets(goal)
    periods = [first_period]
    while periods[-1] < pd.Timestamp(period_start([deadline], grain)[0]):
        periods.append(pd.Timestamp(shift_periods([periods[-1]], grain, 1)[0]))
    periods = pd.DatetimeIndex(periods)
    if k.type == "ratio":
        target = pd.Series(goal.target, index=periods)
        future = periods[periods > table["period"].max()] if len(table) else periods
        forecast = pd.Series(pacing.forecast, index=future) if math.isfinite(pacing.forecast) else None
        if plan:  # the agreed rate per period; the gap to plan to date carries on
            target = plan_per_period(goal, grain, "ratio").reindex(periods)
            gap = pacing.actual_to_date - pacing.expected
            forecast = (target[future] + gap) if math.isfinite(gap) and len(future) else None
    else:
        ly = table.set_index("period")["value"].reindex(pd.DatetimeIndex(same_period_last_year(periods, grain)))
        days = (pd.DatetimeIndex(shift_periods(periods, grain, 1)) - periods).days.to_numpy(float)
        # spread like last year only where pacing found a season (enough full years), else by days
        seasonal = pacing.expected_method == "seasonal" and ly.notna().all() and (ly > 0).all()
        weights = ly.to_numpy(float) if seasonal else days
        target = pd.Series(goal.target * weights / weights.sum(), index=periods)
        if plan:  # the agreed targets per period instead of last year's spread
            target = plan_per_period(goal, grain, "sum").reindex(periods).fillna(0.0)
        done = table[(table["period"] >= periods[0])]
        future = periods[periods > done["period"].max()] if len(done) else periods
        rest = pacing.forecast - float(done["value"].sum())
        if pacing.days_with_data < pacing.days_elapsed:  # a hole: the covered days' pace on each period ahead
            rest = pacing.forecast * float(target[future].sum()) / float(target.sum()) if target.sum() else math.nan
        forecast = (
            target[future] / target[future].sum() * rest
            if len(future) and target[future].sum() and math.isfinite(rest)  # a goal not started: no forecast
            else None
        )
    name = goal_kpi_name(k.label(wb.lang), goal, wb.config.goals, wb.lang)
    title = (
        f"{name} — {t('target', wb.lang).lower()} "
        f"{format_value(goal.target, k.unit, wb.lang, wb.currency)} ({t(pacing.status, wb.lang)})"
    )
    return charts.trend(
        table,
        k.id,
        target=target,
        forecast=forecast,
        lang=wb.lang,
        currency=wb.currency,
        title=title,
        catalog=wb.catalog,
        target_name=text_target_per(plan[0].grain, wb.lang) if plan else None,
        floor=goal.floor,
        ceiling=goal.ceiling,
    )


def text_target_per(grain: str, lang: str) -> str:
    """'target per month' / 'doel per kwartaal': the legend name of a goal's own per-period targets."""
    return charts.text("target_per", lang, grain=t(grain, lang).lower())


def goal_trends(wb: ClientSession) -> list[charts.go.Figure]:
    """One trend per goal the data can pace; KPIs without a goal get a plain trend."""
    kpis = set(analysis_kpis(wb))
    goals = [g for g in wb.config.goals if g.kpi in kpis and get_kpi(g.kpi, wb.catalog).type != "growth"]
    figs = [goal_trend(wb, g) for g in goals]
    rest = [k for k in wb.config.kpis if k in kpis and k not in {g.kpi for g in goals}]
    if rest:
        table = period_table(wb, rest)
        figs += [charts.trend(table, k, lang=wb.lang, currency=wb.currency, catalog=wb.catalog) for k in rest]
    return figs


def pacing_charts(wb: ClientSession) -> list[charts.go.Figure]:
    """Progress bars of the goals whose target is a total (sum KPIs). A rate (48 % against a 60 %
    target) is not 80 % of the way to anything: ratio goals are shown as values (table, summary)."""
    pacing = pacing_frame(wb)
    if pacing.empty:
        return []
    sums = pacing[[get_kpi(k, wb.catalog).type == "sum" for k in pacing["kpi"]]]
    return (
        []
        if sums.empty
        else [charts.pacing_bars(sums, wb.lang, catalog=wb.catalog, goal_names=goal_names(wb, wb.lang))]
    )


def session_pairs(wb: ClientSession) -> list[tuple[str, str]]:
    kpis = set(analysis_kpis(wb))
    return [(a, b) for a, b in wb.config.pairs if a in kpis and b in kpis]


def pair_charts(wb: ClientSession, table: pd.DataFrame | None = None, last: int = 12) -> list[charts.go.Figure]:
    """One quadrant chart per configured KPI pair over the last ``last`` complete months."""
    pairs = session_pairs(wb)
    if not pairs:
        return []
    table = period_table(wb, sorted({k for p in pairs for k in p})) if table is None else table
    quadrants = pair_quadrants(table, pairs, catalog=wb.catalog)
    periods = sorted(quadrants["period"].unique())[-last:]
    quadrants = quadrants[quadrants["period"].isin(periods)]
    quadrants.attrs.update(grain=table.attrs.get("grain"))
    return [charts.pair_quadrant(quadrants, p, lang=wb.lang, catalog=wb.catalog) for p in pairs]


def breakdown_labels(table: pd.DataFrame, dim: str, lang: str, overrides: dict[str, str] | None = None) -> list[str]:
    """The values of `dim` in a (top) breakdown as a reader sees them: channel ids and "(none)" as
    words of `lang` (product names as they are), the lumped row as "Other (n)" and its name in
    `table.attrs['other_label']` (charts put it last). One pass over the unique values."""
    other = breakdown_other_label(table, lang)
    labels = {}
    for value in pd.unique(table[dim]):
        if value == OTHER_VALUE and other is not None:
            labels[value] = other
        elif dim != "product" or str(value) in ("", NO_COUPON):
            labels[value] = dimension_label(value, lang, overrides)
        else:
            labels[value] = value
    return [labels[v] for v in table[dim]]


def breakdown_other_label(table: pd.DataFrame, lang: str) -> str | None:
    """ "Other (19,985)" for the lumped row of a top breakdown (None when nothing was lumped), also kept
    in `table.attrs['other_label']` so a chart puts that row last."""
    count = int(table.attrs.get("other_count") or 0)
    other = text("top_values.other", lang, count=format_number(count, lang)) if count else None
    table.attrs["other_label"] = other
    return other


def breakdown_charts(wb: ClientSession, period: Any = None) -> list[charts.go.Figure]:
    """Year to date per channel, campaign, coupon code and product, as far as the client has
    those columns: the main KPI (revenue), ROAS per channel/campaign when there is ad spend,
    and for coupon codes the share of revenue that came with a code (coupon attribution)."""
    kid = main_kpi(wb)
    if kid is None:
        return []
    period = period or ytd_window(wb)
    kpis = analysis_kpis(wb)
    has_ads = "roas" in {k.id for k in wb.catalog.computable(wb.facts.columns)} and "ad_spend" in wb.facts.columns
    figs = []
    for dim in session_dimensions(wb):
        extra = ["roas"] if has_ads and dim in ("channel", "campaign") else []
        # the top values and one "other" row: 20,000 channels are one readable chart, computed in two passes
        table = top_breakdown(wb.facts, [kid, *extra], by=dim, period=period, catalog=wb.catalog, rank_kpi=kid)
        table = breakdown_across_sources(table, wb.facts, dim)  # ratios across unlike sources: not available
        raw = table[dim].copy()
        # channel ids and "(none)" as words of the report's language; product names stay as they are
        table[dim] = breakdown_labels(table, dim, wb.lang, wb.config.channel_labels)
        if dim == "coupon" and kid in kpis:
            vals = table[table["kpi"] == kid]
            total = vals["value"].sum()
            with_code = vals.loc[raw[vals.index] != NO_COUPON, "value"].sum()
            share = charts.format_change(with_code / total, wb.lang).lstrip("+") if total else NOT_AVAILABLE[wb.lang]
            label = get_kpi(kid, wb.catalog).label(wb.lang)
            title = text("analysis.coupon_title", wb.lang, label=label, share=share)
            figs.append(
                charts.channel_breakdown(
                    table, kid, by=dim, lang=wb.lang, currency=wb.currency, title=title, catalog=wb.catalog
                )
            )
            continue
        figs.append(
            charts.channel_breakdown(table, kid, by=dim, lang=wb.lang, currency=wb.currency, catalog=wb.catalog)
        )
        if extra and table.loc[table["kpi"] == "roas", "available"].any():
            figs.append(charts.channel_breakdown(table, "roas", by=dim, lang=wb.lang, catalog=wb.catalog))
        figs.extend(_breakdown_kpi_charts(wb, dim, kid, kpis, period))
    return figs


def _breakdown_kpi_charts(wb: ClientSession, dim: str, main: str, kpis: list[str], period: Any) -> list[Any]:
    """The client's breakdown KPIs by ``dim`` (visits by channel) as their breakdown: the one place
    they are shown (no total tile). One that breaks down the main KPI's own measure (sales per
    product = revenue by product) is the chart above already."""
    main_kpi_ = get_kpi(main, wb.catalog)
    figs = []
    for kid in dict.fromkeys(k for k in wb.config.kpis if k in kpis):
        k = get_kpi(kid, wb.catalog)
        if k.breakdown != dim or (k.numerator, k.denominator) == (main_kpi_.numerator, main_kpi_.denominator):
            continue
        table = breakdown_across_sources(
            top_breakdown(wb.facts, [kid], by=dim, period=period, catalog=wb.catalog, rank_kpi=kid), wb.facts, dim
        )
        table[dim] = breakdown_labels(table, dim, wb.lang, wb.config.channel_labels)  # top values plus 'other'
        figs.append(
            charts.channel_breakdown(
                table, kid, by=dim, lang=wb.lang, currency=wb.currency, title=k.label(wb.lang), catalog=wb.catalog
            )
        )
    return figs


def seasonality_charts(wb: ClientSession) -> list[charts.go.Figure]:
    """Month × weekday heatmap of the main KPI; the title names its peak and quiet months and the
    full years they are read from, or says the data is too short to call a season."""
    from kpi_helpers.compute.pacing import daily_frame

    found = main_seasonality(wb)
    if found is None:
        return []
    kid, season = found
    frame = daily_frame(wb.facts, kid, wb.catalog)
    if season.start is not None:  # the full years (or complete months) the profile rests on
        frame = frame.loc[season.start : season.end]
    k = get_kpi(kid, wb.catalog)
    matrix = charts.seasonality_matrix(frame, ratio=k.type == "ratio")
    return [charts.seasonality_heatmap(matrix, season, lang=wb.lang, label=k.label(wb.lang))]


def _driver_sets(kid: str) -> list[tuple[str, ...]]:
    from kpi_helpers.compute.drivers import DRIVER_TREES

    return [tuple(d) for d in DRIVER_TREES.get(kid, ())]


def decomposable_kpis(wb: ClientSession) -> list[tuple[str, tuple[str, ...]]]:
    """(KPI, drivers) for the goal KPIs (then the main KPI) whose drivers the data computes."""
    from kpi_helpers.compute.engine import countable_over_time

    kpis = {
        k
        for k in set(analysis_kpis(wb)) | {k.id for k in wb.catalog.computable(wb.facts.columns)}
        if countable_over_time(wb.facts, k, wb.catalog)
    }
    out = []
    for kid in dict.fromkeys([g.kpi for g in wb.config.goals] + [main_kpi(wb) or ""]):
        for drivers in _driver_sets(kid):
            if kid in kpis and all(d in kpis for d in drivers):
                out.append((kid, drivers))
                break
    return out


def driver_charts(wb: ClientSession, grain: str | None = None) -> list[charts.go.Figure]:
    """Waterfall of the last complete month vs the month before, for each goal KPI with a
    driver tree the data can compute (e.g. revenue = orders × average order value)."""
    from kpi_helpers.compute.drivers import decompose_change
    from kpi_helpers.compute.engine import period_coverage

    grain = report_grain(wb, grain)
    b = last_complete_period(wb, grain)
    a = pd.Timestamp(shift_periods([b], grain, -1)[0])
    figs = []
    for kid, drivers in decomposable_kpis(wb):
        windows = [(s, pd.Timestamp(shift_periods([s], grain, 1)[0]) - pd.Timedelta(days=1)) for s in (a, b)]
        starts, ends = [w[0] for w in windows], [w[1] for w in windows]
        if not (period_coverage(wb.facts, kid, starts, ends, wb.catalog) == "complete").all():
            continue  # a month with a hole in its data is not compared (docs/metric_model.md)
        try:
            d = decompose_change(wb.facts, kid, drivers, windows[0], windows[1], catalog=wb.catalog)
        except KpiWorkbookError:
            continue
        labels = (format_period(a, grain, wb.lang), format_period(b, grain, wb.lang))
        figs.append(charts.driver_waterfall(d, wb.lang, wb.currency, period_labels=labels, catalog=wb.catalog))
    return figs
