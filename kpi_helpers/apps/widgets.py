"""ipywidgets apps for step 3 (analyse the data): the dashboard and the what-if sliders.

Apps (``dashboard``, ``what_if_app``) are ipywidgets containers whose figures are redrawn into
``Output`` widgets on change (no ``go.FigureWidget``: it needs anywidget and stores a ~5 MB
bundle, see docs/notebook_conventions.md). The update logic is plain Python: tests set
``app.channel.value = 'email'`` and read ``app.figures`` without a frontend. With
``interactive=False`` they display the same figures statically and return None. The static
per-client views they share helpers with live in :mod:`kpi_helpers.views.analysis`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpi_helpers.compute.engine import breakdown, get_kpi, pair_quadrants, shift_periods
from kpi_helpers.compute.findings import dashboard_kpis, dashboard_months, last_complete_period, period_table
from kpi_helpers.exceptions import KpiWorkbookError
from kpi_helpers.i18n.formats import format_period, format_value, t
from kpi_helpers.views import charts
from kpi_helpers.views.analysis import decomposable_kpis, goal_statuses, session_dimensions, session_pairs

if TYPE_CHECKING:
    from kpi_helpers.session import ClientSession


def _show(figs: Any) -> None:
    from kpi_helpers.views.display import show

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
        from kpi_helpers.views.display import figure_bundle

        for name, out in self.outputs.items():
            fig = self.figures.get(name)
            out.outputs = (
                () if fig is None else ({"output_type": "display_data", "data": figure_bundle(fig), "metadata": {}},)
            )


DASHBOARD_TEXT = {
    "period": {"nl": "Periode", "en": "Period"},
    "grain": {"nl": "Niveau", "en": "Grain"},
    "kpi": {"nl": "KPI", "en": "KPI"},
    "all_channels": {"nl": "Alle kanalen", "en": "All channels"},
}


def dashboard_figures(
    wb: ClientSession,
    period: tuple[Any, Any] | None = None,
    grain: str = "month",
    channel: str | None = None,
    kpi: str | None = None,
) -> dict[str, Any]:
    """The dashboard's figures for one set of filter values: ``period`` = (first month, last
    month) (default: the last 24 complete months), ``channel`` None = all channels."""
    months = dashboard_months(wb)
    start, end = period or (months[max(0, len(months) - 24)], months[-1])
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    end_day = pd.Timestamp(shift_periods([end], "month", 1)[0]) - pd.Timedelta(days=1)
    shown = dashboard_kpis(wb)
    kpi = kpi or shown[0]
    facts = wb.facts if channel is None else wb.facts[wb.facts["channel"] == channel]
    pairs = session_pairs(wb)
    table = period_table(
        wb, list(dict.fromkeys([*shown, kpi, *sum(pairs, ())])), grain, facts=facts, start=start, end=end_day
    )
    figs: dict[str, Any] = {}
    figs["scorecards"] = charts.scorecard(
        table,
        shown,
        lang=wb.lang,
        currency=wb.currency,
        status=goal_statuses(wb) if channel is None else None,
        catalog=wb.catalog,
    )
    suffix = f" — {channel}" if channel else ""
    figs["trend"] = charts.trend(
        table,
        kpi,
        lang=wb.lang,
        currency=wb.currency,
        catalog=wb.catalog,
        title=charts.text("trend", wb.lang, kpi=wb.label(kpi), grain=t(grain, wb.lang)) + suffix,
    )
    dims = session_dimensions(wb)
    by = (
        "campaign"
        if channel is not None and "campaign" in dims
        else ("channel" if "channel" in dims else (dims[0] if dims else None))
    )
    if by is not None:
        bd = breakdown(facts, [kpi], by=by, period=(start, end_day), catalog=wb.catalog)
        figs["breakdown"] = charts.channel_breakdown(
            bd,
            kpi,
            by=by,
            lang=wb.lang,
            currency=wb.currency,
            highlight=channel,
            catalog=wb.catalog,
            title=charts.text("by", wb.lang, kpi=wb.label(kpi), dim=t(by, wb.lang).lower()) + suffix,
        )
    if pairs:
        quadrants = pair_quadrants(table, pairs[:1], catalog=wb.catalog)
        quadrants.attrs.update(grain=grain)
        figs["pairs"] = charts.pair_quadrant(quadrants, pairs[0], lang=wb.lang, catalog=wb.catalog)
    return figs


class Dashboard(_App):
    """Filters (period range, grain, channel, KPI) and four figures (scorecards, trend,
    breakdown, pair quadrant). ``widget`` is the ipywidgets container."""

    def __init__(self, wb: ClientSession):
        import ipywidgets as w

        self.wb = wb
        lang = wb.lang
        tx = {k: v[lang] for k, v in DASHBOARD_TEXT.items()}
        months = dashboard_months(wb)
        options = [(format_period(m, "month", lang), m) for m in months]
        self.period = w.SelectionRangeSlider(
            options=options,
            index=(max(0, len(options) - 24), len(options) - 1),
            description=tx["period"],
            continuous_update=False,
            layout=w.Layout(width="520px"),
        )
        self.grain = w.Dropdown(
            options=[(t(g, lang), g) for g in ("week", "month", "quarter")], value="month", description=tx["grain"]
        )
        channels = wb.channels
        self.channel = w.Dropdown(
            options=[(tx["all_channels"], None)] + [(c, c) for c in channels],
            value=None,
            description=t("channel", lang),
            disabled=not channels,
        )
        self.channel.add_class("kpi-channel-filter")
        kpis = dashboard_kpis(wb)
        self.kpi = w.Dropdown(options=[(wb.label(k), k) for k in kpis], value=kpis[0], description=tx["kpi"])
        self.kpi.add_class("kpi-kpi-filter")
        self.outputs = {name: w.Output() for name in ("scorecards", "trend", "breakdown", "pairs")}
        for control in (self.period, self.grain, self.channel, self.kpi):
            control.observe(lambda change: self.update(), names="value")
        from kpi_helpers.views.export import dashboard_exports

        self.exports = dashboard_exports(self)  # CSV of the current view, built on click
        self.widget = w.VBox(
            [
                w.HBox([self.period, self.grain]),
                w.HBox([self.channel, self.kpi]),
                *self.outputs.values(),
                *(e.widget for e in self.exports),
            ]
        )
        self.widget.add_class("kpi-dashboard")
        self.figures: dict[str, Any] = {}
        self.update()

    def compute(self) -> dict[str, Any]:
        """The figures for the current filter values (no drawing)."""
        return dashboard_figures(self.wb, self.period.value, self.grain.value, self.channel.value, self.kpi.value)

    def update(self) -> None:
        self.figures = self.compute()
        self._draw()
        for export in self.exports:
            export.clear()


def dashboard(wb: ClientSession, interactive: bool = True) -> Any:
    """The dashboard container (interactive) or its default figures displayed statically (None)."""
    if interactive:
        return Dashboard(wb).widget
    _show(list(dashboard_figures(wb).values()))  # no widgets created headless (no widget state stored)
    return None


class WhatIfModel:
    """The what-if numbers without widgets: goal, KPI, drivers and their baseline values."""

    def __init__(self, wb: ClientSession, goal: Any = None, drivers: tuple[str, ...] | None = None):
        self.wb = wb
        self.goal, self.kpi, self.drivers, self.base, self.base_label = _what_if_setup(wb, goal, drivers)

    def scenario(self, changes: dict[str, float]) -> Any:
        """:func:`kpi_helpers.compute.drivers.what_if` for driver changes in percent (5 = +5 %)."""
        from kpi_helpers.compute.drivers import what_if

        return what_if(self.base, changes, kpi=self.kpi, drivers=self.drivers, goal=self.goal, catalog=self.wb.catalog)

    def figure(self, result: Any) -> Any:
        return charts.what_if_bars(
            result, self.wb.lang, self.wb.currency, baseline_label=self.base_label, catalog=self.wb.catalog
        )


class WhatIfApp(WhatIfModel, _App):
    """One slider per driver (percent change); ``result`` is the current
    :class:`kpi_helpers.compute.drivers.WhatIf`, ``figures['what_if']`` the bar chart."""

    def __init__(self, wb: ClientSession, goal: Any = None, drivers: tuple[str, ...] | None = None):
        import ipywidgets as w

        super().__init__(wb, goal, drivers)
        self.sliders = {
            d: w.FloatSlider(
                value=0.0,
                min=-30.0,
                max=30.0,
                step=1.0,
                description=f"{wb.label(d)} %",
                readout_format="+.0f",
                continuous_update=False,
                style={"description_width": "220px"},
                layout=w.Layout(width="520px"),
            )
            for d in self.drivers
        }
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


NO_WHAT_IF = {
    "nl": "_Geen wat-als voor deze data: daarvoor is een KPI nodig die uit drivers bestaat, zoals omzet = "
    "bestellingen × gemiddelde orderwaarde of bestellingen = bezoeken × conversieratio._",
    "en": "_No what-if for this data: it needs a KPI made of drivers, such as revenue = orders × average "
    "order value or orders = sessions × conversion rate._",
}


def _what_if_setup(wb: ClientSession, goal: Any, drivers: tuple[str, ...] | None):
    """(goal, kpi, drivers, base values, base label): the goal's baseline window when there is a
    goal with a driver tree, else the main KPI over the last 12 complete months."""
    from kpi_helpers.compute.drivers import baseline_window, drivers_for_goal, window_values

    if isinstance(goal, str):
        goal = next((g for g in wb.config.goals if (g.id or g.kpi) == goal), None) or _no_goal(goal)
    options = decomposable_kpis(wb)
    if goal is None:
        goals = {g.kpi: g for g in reversed(wb.config.goals)}
        goal = next((goals[k] for k, _ in options if k in goals), None)
    if goal is not None:
        drivers = tuple(drivers) if drivers else next((d for k, d in options if k == goal.kpi), None)
        if drivers is None:
            raise KpiWorkbookError(
                f"No driver tree for goal '{goal.id}' ({goal.kpi}) in this data: pass drivers=(...)."
            )
        base = drivers_for_goal(wb.facts, goal, drivers, catalog=wb.catalog)
        start, end = baseline_window(goal)
        label = (
            f"{t('baseline', wb.lang)} {format_period(start, 'year', wb.lang)}"
            if start.month == 1 and end.month == 12
            else t("baseline", wb.lang)
        )
        return goal, goal.kpi, drivers, base, label
    if not options:
        raise KpiWorkbookError(
            "No KPI with a driver tree in this data: the what-if needs e.g. revenue with orders and "
            "average order value."
        )
    kid, found = options[0]
    drivers = tuple(drivers) if drivers else found
    end = last_complete_period(wb, "month")
    window = (
        pd.Timestamp(shift_periods([end], "month", -11)[0]),
        pd.Timestamp(shift_periods([end], "month", 1)[0]) - pd.Timedelta(days=1),
    )
    return None, kid, drivers, window_values(wb.facts, [kid, *drivers], window, wb.catalog), t("baseline", wb.lang)


def _no_goal(goal_id: str):
    raise KpiWorkbookError(f"No goal with id '{goal_id}' in this client's params file.")


def _what_if_sentence(wb: ClientSession, r: Any) -> str:
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
        rows.append(
            {
                charts.text("scenario", lang): ", ".join(
                    f"{wb.label(d)} {charts.format_change(v / 100, lang)}" for d, v in changes.items()
                ),
                k.label(lang): format_value(r.new_value, k.unit, lang, wb.currency),
                t("gap", lang): charts.format_change(r.change_pct / 100, lang),
                t("goal", lang): "—"
                if r.meets_goal is None
                else ("✅ " if r.meets_goal else "❌ ")
                + charts.text("goal_met" if r.meets_goal else "goal_missed", lang),
            }
        )
    return pd.DataFrame(rows)


def what_if_app(
    wb: ClientSession, goal: Any = None, drivers: tuple[str, ...] | None = None, interactive: bool = True
) -> Any:
    """Sliders per driver of a goal's KPI (default: the first goal with a driver tree in the data).
    Interactive: the container; otherwise the scenario table and the chart for every driver
    +5 % are displayed and None is returned.

    Data without any KPI whose drivers it can compute (no revenue, orders, sessions...) is not a
    user error: a short note in the client's language is shown instead and None returned."""
    if goal is None and drivers is None and not decomposable_kpis(wb):
        from kpi_helpers.views.display import show_markdown

        show_markdown(NO_WHAT_IF[wb.lang])
        return None
    if interactive:
        return WhatIfApp(wb, goal, drivers).widget
    from kpi_helpers.views.display import show_markdown, show_table

    model = WhatIfModel(wb, goal, drivers)  # headless: no widgets created
    result = model.scenario({d: 5.0 for d in model.drivers})
    show_table(what_if_scenarios(model))
    show_markdown(_what_if_sentence(wb, result))
    _show(model.figure(result))
    return None


def what_if_builder(wb: ClientSession, goal: Any = None, drivers: tuple[str, ...] | None = None) -> WhatIfApp:
    """The what-if app object itself (controls in ``sliders``, ``result``, ``figures``)."""
    return WhatIfApp(wb, goal, drivers)


def dashboard_builder(wb: ClientSession) -> Dashboard:
    """The dashboard app object itself (``period``, ``grain``, ``channel``, ``kpi``, ``figures``)."""
    return Dashboard(wb)
