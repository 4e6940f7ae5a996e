"""Notebook views and ipywidgets apps for step 3 (analyse the data).

Views (``scorecards``, ``goal_trends``, ``pacing_charts``, ``pair_charts``, ``breakdown_charts``,
``seasonality_charts``, ``driver_charts``) decide, per client, which windows, KPIs and
sections apply (no coupon column → no coupon chart) and return plotly figures from
:mod:`kpi_helpers.charts`; list-returning views return ``[]`` when a section does not apply,
so notebook cells never branch.

Apps (``dashboard``, ``what_if_app``) are ipywidgets containers whose figures are redrawn into
``Output`` widgets on change (no ``go.FigureWidget``: it needs anywidget and stores a ~5 MB
bundle, see docs/notebook_conventions.md). The update logic is plain Python: tests set
``app.channel.value = 'email'`` and read ``app.figures`` without a frontend. With
``interactive=False`` they display the same figures statically and return None.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from kpi_helpers import charts
from kpi_helpers.engine import breakdown, get_kpi, pair_quadrants, shift_periods
from kpi_helpers.exceptions import KpiWorkbookError
from kpi_helpers.findings import (analysis_kpis, last_complete_period, main_kpi, pacing_frame, period_table,
                                  ytd_label, ytd_window)
from kpi_helpers.i18n import format_period, format_value, t

DIMENSIONS = ("channel", "campaign", "coupon", "product")
NO_COUPON = "(none)"  # the demo data's value for "no coupon / campaign"

HEADINGS: dict[str, dict[str, str]] = {
    "scorecards": {"nl": "## KPI's in één oogopslag\nWaarde van de laatste volledige maand, met de verandering t.o.v. "
                         "de vorige maand en t.o.v. vorig jaar. Kleur van het getal = status van het doel.",
                   "en": "## KPIs at a glance\nValue of the last complete month, with the change vs the previous "
                         "month and vs last year. Colour of the number = status of the goal."},
    "trends": {"nl": "## Trends, doelen en prognose\nRealisatie per maand, de doellijn (verdeeld over het jaar zoals "
                     "vorig jaar) en de prognose tot de deadline.",
               "en": "## Trends, targets and forecast\nActual per month, the target line (spread over the year like "
                     "last year) and the forecast to the deadline."},
    "pacing": {"nl": "## Liggen we op koers?\nWaar staan we, waar hadden we nu moeten staan en waar komen we uit?",
               "en": "## Are we on track?\nWhere we are, where we should be by now and where we will end up."},
    "pairs": {"nl": "## KPI-paren: volume tegenover kwaliteit\nElke stip is een maand. Rechtsonder (rood) stijgt het "
                    "volume terwijl de kwaliteit daalt: het Goodhart-kwadrant.",
              "en": "## KPI pairs: volume versus quality\nEach dot is a month. The red quadrant is volume up while "
                    "quality goes down: the Goodhart quadrant."},
    "breakdowns": {"nl": "## Kanalen, campagnes en kortingscodes\nDit jaar tot nu ({window}). ROAS onder 1 betekent: "
                         "de advertenties kosten meer dan ze opleveren.",
                   "en": "## Channels, campaigns and coupon codes\nThis year to date ({window}). ROAS below 1 means "
                         "the ads cost more than they bring in."},
    "seasonality": {"nl": "## Seizoenen: drukke en rustige maanden\nIndex per maand en weekdag (1 = gemiddeld).",
                    "en": "## Seasonality: peak and quiet months\nIndex per month and weekday (1 = average)."},
    "drivers": {"nl": "## Wat verklaarde de laatste verandering?\nDe verandering van de KPI verdeeld over de drivers "
                      "(de bijdragen tellen op tot de totale verandering).",
                "en": "## What explained the last change?\nThe change of the KPI split over its drivers (the "
                      "contributions add up to the total change)."},
    "what_if": {"nl": "## Wat-als\nWat gebeurt er met de KPI als de drivers veranderen, en halen we dan het doel?",
                "en": "## What-if\nWhat happens to the KPI when its drivers change, and do we then meet the goal?"},
    "dashboard": {"nl": "## Dashboard\nFilter op periode, detailniveau en kanaal.",
                  "en": "## Dashboard\nFilter by period, grain and channel."},
    "findings": {"nl": "## Check → Act: bevindingen\nWat de cijfers zeggen en wat we nu doen, belangrijkste eerst.",
                 "en": "## Check → Act: findings\nWhat the numbers say and what we do now, most important first."},
}


def section_heading(section: str, wb: Any) -> str:
    """Markdown heading and one-line reading guide of a notebook section in the client's language."""
    return HEADINGS[section][wb.lang].format(window=ytd_label(wb, wb.lang))


def _dims(wb: Any) -> list[str]:
    return [d for d in DIMENSIONS if d in wb.facts.columns]


def _goal_status(wb: Any) -> dict[str, str]:
    pacing = pacing_frame(wb)
    return {} if pacing.empty else dict(zip(pacing["kpi"], pacing["status"]))


# --------------------------------------------------------------------------- views
def scorecards(wb: Any, table: pd.DataFrame | None = None, period: Any = None, status: bool = True,
               columns: int = 3) -> charts.go.Figure:
    """Scorecards of the client's selected KPIs for the last complete month."""
    kpis = [k for k in wb.config.kpis if k in analysis_kpis(wb)] or analysis_kpis(wb)
    table = period_table(wb, kpis) if table is None else table
    return charts.scorecard(table, kpis, period=period, lang=wb.lang, currency=wb.currency,
                            status=_goal_status(wb) if status else None, columns=columns, catalog=wb.catalog)


def goal_trend(wb: Any, goal: Any) -> charts.go.Figure:
    """Monthly trend of a goal's KPI from a year before the goal to its deadline: target line
    per month (a sum target spread like last year, else evenly; a ratio target flat) and the
    forecast of the remaining months (:func:`kpi_helpers.pacing.pace_goal` spread the same way)."""
    from kpi_helpers.pacing import pace_goal

    k = get_kpi(goal.kpi, wb.catalog)
    start, deadline = pd.Timestamp(goal.start), pd.Timestamp(goal.deadline)
    first = pd.Timestamp(shift_periods([start], "month", -12)[0])
    table = period_table(wb, [k.id], "month", start=first)
    pacing = pace_goal(wb.facts, goal, catalog=wb.catalog)
    months = pd.date_range(start.replace(day=1), deadline.replace(day=1), freq="MS")
    if k.type == "ratio":
        target = pd.Series(goal.target, index=months)
        future = months[months > table["period"].max()] if len(table) else months
        forecast = pd.Series(pacing.forecast, index=future) if math.isfinite(pacing.forecast) else None
    else:
        ly = table.set_index("period")["value"].reindex(pd.DatetimeIndex(shift_periods(months, "month", -12)))
        weights = ly.to_numpy(float) if ly.notna().all() and (ly > 0).all() else months.days_in_month.to_numpy(float)
        target = pd.Series(goal.target * weights / weights.sum(), index=months)
        done = table[(table["period"] >= months[0])]
        future = months[months > done["period"].max()] if len(done) else months
        rest = pacing.forecast - float(done["value"].sum())
        forecast = target[future] / target[future].sum() * rest if len(future) and target[future].sum() else None
    title = (f"{k.label(wb.lang)}: {goal.id} — {t('target', wb.lang).lower()} "
             f"{format_value(goal.target, k.unit, wb.lang, wb.currency)} ({t(pacing.status, wb.lang)})")
    return charts.trend(table, k.id, target=target, forecast=forecast, lang=wb.lang, currency=wb.currency,
                        title=title, catalog=wb.catalog)


def goal_trends(wb: Any) -> list[charts.go.Figure]:
    """One trend per goal the data can pace; KPIs without a goal get a plain trend."""
    kpis = set(analysis_kpis(wb))
    goals = [g for g in wb.config.goals if g.kpi in kpis and get_kpi(g.kpi, wb.catalog).type != "growth"]
    figs = [goal_trend(wb, g) for g in goals]
    rest = [k for k in wb.config.kpis if k in kpis and k not in {g.kpi for g in goals}]
    if rest:
        table = period_table(wb, rest)
        figs += [charts.trend(table, k, lang=wb.lang, currency=wb.currency, catalog=wb.catalog) for k in rest]
    return figs


def pacing_charts(wb: Any) -> list[charts.go.Figure]:
    pacing = pacing_frame(wb)
    return [] if pacing.empty else [charts.pacing_bars(pacing, wb.lang, catalog=wb.catalog)]


def _pairs(wb: Any) -> list[tuple[str, str]]:
    kpis = set(analysis_kpis(wb))
    return [tuple(p) for p in wb.config.pairs if all(k in kpis for k in p)]


def pair_charts(wb: Any, table: pd.DataFrame | None = None, last: int = 12) -> list[charts.go.Figure]:
    """One quadrant chart per configured KPI pair over the last ``last`` complete months."""
    pairs = _pairs(wb)
    if not pairs:
        return []
    table = period_table(wb, sorted({k for p in pairs for k in p})) if table is None else table
    quadrants = pair_quadrants(table, pairs, catalog=wb.catalog)
    periods = sorted(quadrants["period"].unique())[-last:]
    quadrants = quadrants[quadrants["period"].isin(periods)]
    quadrants.attrs.update(grain=table.attrs.get("grain"))
    return [charts.pair_quadrant(quadrants, p, lang=wb.lang, catalog=wb.catalog) for p in pairs]


def breakdown_charts(wb: Any, period: Any = None) -> list[charts.go.Figure]:
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
    for dim in _dims(wb):
        extra = ["roas"] if has_ads and dim in ("channel", "campaign") else []
        table = breakdown(wb.facts, [kid, *extra], by=dim, period=period, catalog=wb.catalog)
        if dim == "coupon" and kid in kpis:
            vals = table[table["kpi"] == kid]
            total = vals["value"].sum()
            with_code = vals.loc[vals["coupon"] != NO_COUPON, "value"].sum()
            share = charts.format_change(with_code / total, wb.lang).lstrip("+") if total else "n/a"
            label = get_kpi(kid, wb.catalog).label(wb.lang)
            title = {"nl": f"{label} per kortingscode — {share} met een code",
                     "en": f"{label} by coupon code — {share} with a code"}[wb.lang]
            figs.append(charts.channel_breakdown(table, kid, by=dim, lang=wb.lang, currency=wb.currency, title=title,
                                                 catalog=wb.catalog))
            continue
        figs.append(charts.channel_breakdown(table, kid, by=dim, lang=wb.lang, currency=wb.currency, catalog=wb.catalog))
        if extra and table.loc[table["kpi"] == "roas", "available"].any():
            figs.append(charts.channel_breakdown(table, "roas", by=dim, lang=wb.lang, catalog=wb.catalog))
    return figs


def seasonality_charts(wb: Any) -> list[charts.go.Figure]:
    """Month × weekday heatmap of the main KPI; the title names its peak and quiet months."""
    from kpi_helpers.pacing import daily_frame, seasonality

    kid = main_kpi(wb)
    if kid is None:
        return []
    try:
        season = seasonality(wb.facts, kid, catalog=wb.catalog)
    except KpiWorkbookError:
        return []
    frame = daily_frame(wb.facts, kid, wb.catalog)
    if season.years:
        frame = frame[frame.index.year.isin(season.years)]
    k = get_kpi(kid, wb.catalog)
    matrix = charts.seasonality_matrix(frame, ratio=k.type == "ratio")
    return [charts.seasonality_heatmap(matrix, season, lang=wb.lang, label=k.label(wb.lang))]


def _driver_sets(kid: str) -> list[tuple[str, ...]]:
    from kpi_helpers.drivers import DRIVER_TREES

    return [tuple(d) for d in DRIVER_TREES.get(kid, ())]


def _decomposable(wb: Any) -> list[tuple[str, tuple[str, ...]]]:
    """(KPI, drivers) for the goal KPIs (then the main KPI) whose drivers the data computes."""
    kpis = set(analysis_kpis(wb)) | {k.id for k in wb.catalog.computable(wb.facts.columns)}
    out = []
    for kid in dict.fromkeys([g.kpi for g in wb.config.goals] + [main_kpi(wb) or ""]):
        for drivers in _driver_sets(kid):
            if kid in kpis and all(d in kpis for d in drivers):
                out.append((kid, drivers))
                break
    return out


def driver_charts(wb: Any, grain: str = "month") -> list[charts.go.Figure]:
    """Waterfall of the last complete month vs the month before, for each goal KPI with a
    driver tree the data can compute (e.g. revenue = orders × average order value)."""
    from kpi_helpers.drivers import decompose_change

    b = last_complete_period(wb, grain)
    a = pd.Timestamp(shift_periods([b], grain, -1)[0])
    figs = []
    for kid, drivers in _decomposable(wb):
        windows = [(s, pd.Timestamp(shift_periods([s], grain, 1)[0]) - pd.Timedelta(days=1)) for s in (a, b)]
        try:
            d = decompose_change(wb.facts, kid, drivers, windows[0], windows[1], catalog=wb.catalog)
        except KpiWorkbookError:
            continue
        labels = (format_period(a, grain, wb.lang), format_period(b, grain, wb.lang))
        figs.append(charts.driver_waterfall(d, wb.lang, wb.currency, period_labels=labels, catalog=wb.catalog))
    return figs


# --------------------------------------------------------------------------- apps
def _show(figs: Any) -> None:
    from kpi_helpers.display import show

    for fig in figs if isinstance(figs, (list, tuple)) else [figs]:
        show(fig)


class _App:
    """Shared redraw logic: ``figures`` (name -> go.Figure), each drawn into one ``Output``.

    The figure's mime bundle is written to the Output widget's ``outputs`` state instead of
    being displayed inside ``with out:``. Capturing display messages relies on the frontend to
    route them into the widget (nbval and plain kernel clients do not: the figures would leak
    into the cell's outputs); the state works in JupyterLab, Voilà, nbclient and in tests.
    """

    figures: dict[str, Any]
    outputs: dict[str, Any]

    def _draw(self) -> None:
        from kpi_helpers.display import figure_bundle

        for name, out in self.outputs.items():
            fig = self.figures.get(name)
            out.outputs = () if fig is None else (
                {"output_type": "display_data", "data": figure_bundle(fig), "metadata": {}},)


DASHBOARD_TEXT = {
    "period": {"nl": "Periode", "en": "Period"}, "grain": {"nl": "Niveau", "en": "Grain"},
    "kpi": {"nl": "KPI", "en": "KPI"}, "all_channels": {"nl": "Alle kanalen", "en": "All channels"},
}


def _dashboard_kpis(wb: Any) -> list[str]:
    return [k for k in wb.config.kpis if k in analysis_kpis(wb)] or analysis_kpis(wb)


def _dashboard_months(wb: Any) -> pd.DatetimeIndex:
    return pd.date_range(wb.facts["date"].min().replace(day=1), last_complete_period(wb, "month"), freq="MS")


def dashboard_figures(wb: Any, period: tuple[Any, Any] | None = None, grain: str = "month", channel: str | None = None,
                      kpi: str | None = None) -> dict[str, Any]:
    """The dashboard's figures for one set of filter values: ``period`` = (first month, last
    month) (default: the last 24 complete months), ``channel`` None = all channels."""
    months = _dashboard_months(wb)
    start, end = period or (months[max(0, len(months) - 24)], months[-1])
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    end_day = pd.Timestamp(shift_periods([end], "month", 1)[0]) - pd.Timedelta(days=1)
    shown = _dashboard_kpis(wb)
    kpi = kpi or shown[0]
    facts = wb.facts if channel is None else wb.facts[wb.facts["channel"] == channel]
    pairs = _pairs(wb)
    table = period_table(wb, list(dict.fromkeys([*shown, kpi, *sum(pairs, ())])), grain, facts=facts, start=start,
                         end=end_day)
    figs: dict[str, Any] = {}
    figs["scorecards"] = charts.scorecard(table, shown, lang=wb.lang, currency=wb.currency,
                                          status=_goal_status(wb) if channel is None else None, catalog=wb.catalog)
    suffix = f" — {channel}" if channel else ""
    figs["trend"] = charts.trend(table, kpi, lang=wb.lang, currency=wb.currency, catalog=wb.catalog,
                                 title=charts.text("trend", wb.lang, kpi=wb.label(kpi), grain=t(grain, wb.lang)) + suffix)
    dims = _dims(wb)
    by = "campaign" if channel is not None and "campaign" in dims else ("channel" if "channel" in dims else
                                                                         (dims[0] if dims else None))
    if by is not None:
        bd = breakdown(facts, [kpi], by=by, period=(start, end_day), catalog=wb.catalog)
        figs["breakdown"] = charts.channel_breakdown(bd, kpi, by=by, lang=wb.lang, currency=wb.currency,
                                                     highlight=channel, catalog=wb.catalog,
                                                     title=charts.text("by", wb.lang, kpi=wb.label(kpi),
                                                                       dim=t(by, wb.lang).lower()) + suffix)
    if pairs:
        quadrants = pair_quadrants(table, pairs[:1], catalog=wb.catalog)
        quadrants.attrs.update(grain=grain)
        figs["pairs"] = charts.pair_quadrant(quadrants, pairs[0], lang=wb.lang, catalog=wb.catalog)
    return figs


class Dashboard(_App):
    """Filters (period range, grain, channel, KPI) and four figures (scorecards, trend,
    breakdown, pair quadrant). ``widget`` is the ipywidgets container."""

    def __init__(self, wb: Any):
        import ipywidgets as w

        self.wb = wb
        lang = wb.lang
        tx = {k: v[lang] for k, v in DASHBOARD_TEXT.items()}
        months = _dashboard_months(wb)
        options = [(format_period(m, "month", lang), m) for m in months]
        self.period = w.SelectionRangeSlider(options=options, index=(max(0, len(options) - 24), len(options) - 1),
                                             description=tx["period"], continuous_update=False,
                                             layout=w.Layout(width="520px"))
        self.grain = w.Dropdown(options=[(t(g, lang), g) for g in ("week", "month", "quarter")], value="month",
                                description=tx["grain"])
        channels = wb.channels
        self.channel = w.Dropdown(options=[(tx["all_channels"], None)] + [(c, c) for c in channels], value=None,
                                  description=t("channel", lang), disabled=not channels)
        self.channel.add_class("kpi-channel-filter")
        kpis = _dashboard_kpis(wb)
        self.kpi = w.Dropdown(options=[(wb.label(k), k) for k in kpis], value=kpis[0], description=tx["kpi"])
        self.kpi.add_class("kpi-kpi-filter")
        self.outputs = {name: w.Output() for name in ("scorecards", "trend", "breakdown", "pairs")}
        for control in (self.period, self.grain, self.channel, self.kpi):
            control.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox([w.HBox([self.period, self.grain]), w.HBox([self.channel, self.kpi]),
                              *self.outputs.values()])
        self.widget.add_class("kpi-dashboard")
        self.figures: dict[str, Any] = {}
        self.update()

    def compute(self) -> dict[str, Any]:
        """The figures for the current filter values (no drawing)."""
        return dashboard_figures(self.wb, self.period.value, self.grain.value, self.channel.value, self.kpi.value)

    def update(self) -> None:
        self.figures = self.compute()
        self._draw()


def dashboard(wb: Any, interactive: bool = True) -> Any:
    """The dashboard container (interactive) or its default figures displayed statically (None)."""
    if interactive:
        return Dashboard(wb).widget
    _show(list(dashboard_figures(wb).values()))  # no widgets created headless (no widget state stored)
    return None


class WhatIfModel:
    """The what-if numbers without widgets: goal, KPI, drivers and their baseline values."""

    def __init__(self, wb: Any, goal: Any = None, drivers: tuple[str, ...] | None = None):
        self.wb = wb
        self.goal, self.kpi, self.drivers, self.base, self.base_label = _what_if_setup(wb, goal, drivers)

    def scenario(self, changes: dict[str, float]) -> Any:
        """:func:`kpi_helpers.drivers.what_if` for driver changes in percent (5 = +5 %)."""
        from kpi_helpers.drivers import what_if

        return what_if(self.base, changes, kpi=self.kpi, drivers=self.drivers, goal=self.goal, catalog=self.wb.catalog)

    def figure(self, result: Any) -> Any:
        return charts.what_if_bars(result, self.wb.lang, self.wb.currency, baseline_label=self.base_label,
                                   catalog=self.wb.catalog)


class WhatIfApp(WhatIfModel, _App):
    """One slider per driver (percent change); ``result`` is the current
    :class:`kpi_helpers.drivers.WhatIf`, ``figures['what_if']`` the bar chart."""

    def __init__(self, wb: Any, goal: Any = None, drivers: tuple[str, ...] | None = None):
        import ipywidgets as w

        super().__init__(wb, goal, drivers)
        self.sliders = {d: w.FloatSlider(value=0.0, min=-30.0, max=30.0, step=1.0, description=f"{wb.label(d)} %",
                                         readout_format="+.0f", continuous_update=False,
                                         style={"description_width": "220px"}, layout=w.Layout(width="520px"))
                        for d in self.drivers}
        for slider in self.sliders.values():
            slider.observe(lambda change: self.update(), names="value")
        self.summary = w.HTML()
        self.outputs = {"what_if": w.Output()}
        self.widget = w.VBox([*self.sliders.values(), self.summary, self.outputs["what_if"]])
        self.widget.add_class("kpi-what-if")
        self.update()

    def update(self) -> None:
        self.result = self.scenario({d: s.value for d, s in self.sliders.items()})
        self.summary.value = f"<p>{_what_if_sentence(self.wb, self.result)}</p>"
        self.figures = {"what_if": self.figure(self.result)}
        self._draw()


def _what_if_setup(wb: Any, goal: Any, drivers: tuple[str, ...] | None):
    """(goal, kpi, drivers, base values, base label): the goal's baseline window when there is a
    goal with a driver tree, else the main KPI over the last 12 complete months."""
    from kpi_helpers.drivers import baseline_window, drivers_for_goal, window_values

    if isinstance(goal, str):
        goal = next((g for g in wb.config.goals if (g.id or g.kpi) == goal), None) or _no_goal(goal)
    options = _decomposable(wb)
    if goal is None:
        goals = {g.kpi: g for g in reversed(wb.config.goals)}
        goal = next((goals[k] for k, _ in options if k in goals), None)
    if goal is not None:
        drivers = tuple(drivers) if drivers else next((d for k, d in options if k == goal.kpi), None)
        if drivers is None:
            raise KpiWorkbookError(f"No driver tree for goal '{goal.id}' ({goal.kpi}) in this data: pass drivers=(...).")
        base = drivers_for_goal(wb.facts, goal, drivers, catalog=wb.catalog)
        start, end = baseline_window(goal)
        label = f"{t('baseline', wb.lang)} {format_period(start, 'year', wb.lang)}" if start.month == 1 and \
            end.month == 12 else t("baseline", wb.lang)
        return goal, goal.kpi, drivers, base, label
    if not options:
        raise KpiWorkbookError("No KPI with a driver tree in this data: the what-if needs e.g. revenue with orders and "
                               "average order value.")
    kid, found = options[0]
    drivers = tuple(drivers) if drivers else found
    end = last_complete_period(wb, "month")
    window = (pd.Timestamp(shift_periods([end], "month", -11)[0]),
              pd.Timestamp(shift_periods([end], "month", 1)[0]) - pd.Timedelta(days=1))
    return None, kid, drivers, window_values(wb.facts, [kid, *drivers], window, wb.catalog), t("baseline", wb.lang)


def _no_goal(goal_id: str):
    raise KpiWorkbookError(f"No goal with id '{goal_id}' in this client's params file.")


def _what_if_sentence(wb: Any, r: Any) -> str:
    lang, k = wb.lang, get_kpi(r.kpi, wb.catalog)
    new = format_value(r.new_value, k.unit, lang, wb.currency)
    change = charts.format_change(r.change_pct / 100, lang) if math.isfinite(r.change_pct) else "n/a"
    head = f"{k.label(lang)}: {new} ({change})"
    if r.meets_goal is None:
        return head
    verdict = charts.text("goal_met" if r.meets_goal else "goal_missed", lang)
    return f"{head} — {verdict} ({t('target', lang).lower()} {format_value(r.target, k.unit, lang, wb.currency)})"


def what_if_scenarios(app: WhatIfModel, step: float = 5.0) -> pd.DataFrame:
    """A table of standard scenarios: each driver +step % alone, then all together."""
    lang, wb = app.wb.lang, app.wb
    k = get_kpi(app.kpi, wb.catalog)
    rows = []
    scenarios = [{d: step} for d in app.drivers] + [{d: step for d in app.drivers}]
    for changes in scenarios:
        r = app.scenario(changes)
        rows.append({charts.text("scenario", lang): ", ".join(f"{wb.label(d)} {charts.format_change(v / 100, lang)}"
                                                                for d, v in changes.items()),
                     k.label(lang): format_value(r.new_value, k.unit, lang, wb.currency),
                     t("gap", lang): charts.format_change(r.change_pct / 100, lang),
                     t("goal", lang): "—" if r.meets_goal is None else
                     ("✅ " if r.meets_goal else "❌ ") + charts.text("goal_met" if r.meets_goal else "goal_missed", lang)})
    return pd.DataFrame(rows)


def what_if_app(wb: Any, goal: Any = None, drivers: tuple[str, ...] | None = None, interactive: bool = True) -> Any:
    """Sliders per driver of a goal's KPI (default: the first goal with a driver tree in the data).
    Interactive: the container; otherwise the scenario table and the chart for every driver
    +5 % are displayed and None is returned."""
    if interactive:
        return WhatIfApp(wb, goal, drivers).widget
    from kpi_helpers.display import show_markdown, show_table

    model = WhatIfModel(wb, goal, drivers)  # headless: no widgets created
    result = model.scenario({d: 5.0 for d in model.drivers})
    show_table(what_if_scenarios(model))
    show_markdown(_what_if_sentence(wb, result))
    _show(model.figure(result))
    return None


def what_if_builder(wb: Any, goal: Any = None, drivers: tuple[str, ...] | None = None) -> WhatIfApp:
    """The what-if app object itself (controls in ``sliders``, ``result``, ``figures``)."""
    return WhatIfApp(wb, goal, drivers)


def dashboard_builder(wb: Any) -> Dashboard:
    """The dashboard app object itself (``period``, ``grain``, ``channel``, ``kpi``, ``figures``)."""
    return Dashboard(wb)
