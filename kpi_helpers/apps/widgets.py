"""ipywidgets apps for step 3 (analyse the data): the dashboard and the what-if sliders.

Apps (``dashboard``, ``what_if_app``) are ipywidgets containers whose figures are drawn into
``Output`` widgets once and then redrawn in place with ``Plotly.react`` (see ``_App``; no
``go.FigureWidget``: it needs anywidget and stores a ~5 MB bundle, see docs/architecture.md).
``DashboardData`` caches engine results and figures by the controls they depend on. The update
logic is plain Python: tests set
``app.channel.value = 'email'`` and read ``app.figures`` without a frontend. With
``interactive=False`` they display the same figures statically and return None. The static
per-client views they share helpers with live in :mod:`kpi_helpers.views.analysis`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from kpi_helpers.compute.engine import OTHER_VALUE, get_kpi, pair_quadrants, shift_periods, top_breakdown
from kpi_helpers.compute.findings import dashboard_kpis, dashboard_months, last_complete_period, period_table
from kpi_helpers.data.facts import NONE_VALUE
from kpi_helpers.exceptions import KpiWorkbookError
from kpi_helpers.i18n.formats import format_period, format_value, t
from kpi_helpers.i18n.messages import per_language, table
from kpi_helpers.views import charts
from kpi_helpers.views.analysis import (
    breakdown_other_label,
    decomposable_kpis,
    goal_statuses,
    session_dimensions,
    session_pairs,
)

if TYPE_CHECKING:
    from kpi_helpers.session import ClientSession


def _show(figs: Any) -> None:
    from kpi_helpers.views.display import show

    for fig in figs if isinstance(figs, (list, tuple)) else [figs]:
        show(fig)


# Plotly.react on the figure(s) already drawn in the Output widgets with class ``sel``: plotly.js
# is the one the page already has (JupyterLab's and Voilà's plotly renderer sets window.Plotly
# when it draws the first figure; no CDN). ``key`` names the figure's inputs, so another view
# of the same patch (a restored page) does nothing when the figure is already up to date.
_REACT_JS = (
    "(function(){var sel=%s,key=%s,spec=%s,t0=Date.now();"
    "function draw(){var P=window.Plotly,gds=document.querySelectorAll(sel);"
    "if(!P||!gds.length){if(Date.now()-t0<30000)setTimeout(draw,30);return;}"
    "gds.forEach(function(gd){if(gd.__kpiKey===key)return;gd.__kpiKey=key;"
    "var layout=Object.assign({},spec.layout);"
    "if(!layout.height&&gd.layout&&gd.layout.height)layout.height=gd.layout.height;"
    "P.react(gd,spec.data,layout);});}draw();})();"
)


def script_json(value: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element: ``<``, ``>``, ``&`` and the JS line
    separators are written as ``\\uXXXX`` escapes, so no string can close the element."""
    import json

    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def react_bundle(fig: Any, selector: str, key: str) -> dict[str, Any]:
    """The output (for a hidden ``Output`` widget) whose script redraws the plotly figure(s)
    inside ``selector`` in place with ``fig``: the figure's JSON by plotly's own encoder (dates
    stay dates), every label inert, the agency's colour (:func:`kpi_helpers.views.display.figure_spec`)."""
    from kpi_helpers.views.display import figure_spec

    spec = figure_spec(fig)
    script = _REACT_JS % (script_json(selector), script_json(key), script_json(spec))
    return {
        "output_type": "display_data",
        "data": {"text/html": f"<script>{script}</script>", "text/plain": ""},
        "metadata": {},
    }


class _App:
    """Shared redraw logic: ``figures`` (name -> go.Figure), each drawn into one ``Output``.

    The first drawing writes the figure's mime bundle to the Output widget's ``outputs`` state
    (instead of displaying inside ``with out:``: capturing display messages relies on the frontend
    to route them, which nbval and plain kernel clients do not). Later changes do not re-create
    the figure (1.4–2.8 s for four figures in JupyterLab): a hidden ``patches`` Output per figure
    gets a small script that calls ``Plotly.react`` on the figure already drawn, and only the
    figures whose inputs changed (``keys``) are sent. A figure that appears or disappears is
    drawn the first way. ``redrawn``: the names sent by the last update (for tests).
    """

    figures: dict[str, Any]
    outputs: dict[str, Any]
    patches: dict[str, Any]
    keys: dict[str, Any]
    redrawn: tuple[str, ...]
    token: str

    def _make_outputs(self, names: tuple[str, ...]) -> tuple[list[Any], list[Any]]:
        """The figure Outputs (classes ``kpi-figure-<name>``) and their hidden patch Outputs."""
        import secrets

        import ipywidgets as w

        self.token = secrets.token_hex(5)  # unique on a page that shows several kernels
        self.outputs, self.patches, self.keys, self.redrawn = {}, {}, {}, ()
        for name in names:
            out = w.Output()
            out.add_class(f"kpi-live-{self.token}-{name}")
            out.add_class(f"kpi-figure-{name}")
            self.outputs[name] = out
            self.patches[name] = w.Output(layout=w.Layout(display="none"))
            self.patches[name].add_class("kpi-figure-patch")
        return list(self.outputs.values()), list(self.patches.values())

    def _draw(self, keys: dict[str, Any] | None = None) -> None:
        """Draw the figures whose key differs from the one drawn (all when ``keys`` is None)."""
        from kpi_helpers.views.display import figure_bundle

        keys = keys if keys is not None else {name: object() for name in self.outputs}
        redrawn = []
        for name, out in self.outputs.items():
            key = keys.get(name)
            if name in self.keys and self.keys[name] == key:
                continue
            fig = self.figures.get(name)
            had = name in self.keys and bool(out.outputs)
            if fig is not None and had:
                self.patches[name].outputs = (
                    react_bundle(fig, f".kpi-live-{self.token}-{name} .js-plotly-plot", repr(key)),
                )
            else:
                self.patches[name].outputs = ()
                out.outputs = (
                    ()
                    if fig is None
                    else ({"output_type": "display_data", "data": figure_bundle(fig), "metadata": {}},)
                )
            self.keys[name] = key
            redrawn.append(name)
        self.redrawn = tuple(redrawn)


DASHBOARD_TEXT = table("dashboard")
FIGURE_NAMES = ("scorecards", "trend", "breakdown", "pairs")
# what each figure depends on: a control change recomputes and redraws only these
FIGURE_INPUTS: dict[str, tuple[str, ...]] = {
    "scorecards": ("period", "grain", "channel"),
    "trend": ("period", "grain", "channel", "kpi"),
    "breakdown": ("period", "channel", "kpi"),
    "pairs": ("period", "grain", "channel"),
}


class DashboardData:
    """The dashboard's engine results and figures, cached by what each one depends on.

    The KPI table of a (channel, grain) is computed once over the whole history (a period change
    only filters it, as :func:`kpi_helpers.compute.findings.period_table` does); breakdowns are
    cached per (channel, period, KPI); each figure per its inputs (``FIGURE_INPUTS``). Least
    recently used entries beyond ``max_entries`` are dropped. ``computed`` counts the engine
    calls per kind (tests check that a control recomputes only what it affects)."""

    def __init__(self, wb: ClientSession, max_entries: int = 256):
        from collections import Counter, OrderedDict

        self.wb = wb
        self.shown = dashboard_kpis(wb)
        self.months = dashboard_months(wb)
        self.pairs = session_pairs(wb)
        self.dims = session_dimensions(wb)
        self.max_entries = max_entries
        self.computed: Counter[str] = Counter()
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._statuses: Any = None

    def _cached(self, key: tuple[Any, ...], make: Any) -> Any:
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        self.computed[key[0]] += 1
        value = self._cache[key] = make()
        while len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)
        return value

    def state(self, period: tuple[Any, Any] | None, grain: str, channel: str | None, kpi: str | None) -> dict[str, Any]:
        """The normalised filter values: ``period`` = (first month, last day of the last month)."""
        months = self.months
        start, end = period or (months[max(0, len(months) - 24)], months[-1])
        start, end = pd.Timestamp(start), pd.Timestamp(end)
        end_day = pd.Timestamp(shift_periods([end], "month", 1)[0]) - pd.Timedelta(days=1)
        return {"period": (start, end_day), "grain": grain, "channel": channel, "kpi": kpi or self.shown[0]}

    def key(self, name: str, state: dict[str, Any]) -> tuple[Any, ...]:
        return (name, *(state[i] for i in FIGURE_INPUTS[name]))

    def facts(self, channel: str | None) -> pd.DataFrame:
        wb = self.wb
        if channel is None:
            return wb.facts
        return self._cached(("facts", channel), lambda: wb.facts[wb.facts["channel"] == channel])

    def kpis(self, kpi: str | None = None) -> list[str]:
        return list(dict.fromkeys([*self.shown, *sum(self.pairs, ()), *([kpi] if kpi else [])]))

    def table(self, channel: str | None, grain: str, period: tuple[Any, Any], kpi: str | None = None) -> pd.DataFrame:
        """:func:`period_table` of the dashboard's KPIs for the window ``period`` (first day, last day)."""
        kpis = self.kpis(kpi)
        full = self._cached(
            ("table", channel, grain, tuple(kpis)),
            lambda: period_table(self.wb, kpis, grain, facts=self.facts(channel)),
        )
        start, end = period
        keep = (full["period"] >= pd.Timestamp(start)) & (full["period"] <= pd.Timestamp(end))
        out = full[keep].reset_index(drop=True)
        out.attrs = full.attrs
        return out

    def breakdown_by(self, channel: str | None) -> str | None:
        dims = self.dims
        if channel is not None and "campaign" in dims:
            return "campaign"
        return "channel" if "channel" in dims else (dims[0] if dims else None)

    def breakdown(self, channel: str | None, period: tuple[Any, Any], kpi: str) -> tuple[str | None, pd.DataFrame]:
        """(dimension, table) of the breakdown figure. With a channel chosen: its campaigns, without
        the rows of no campaign (``(none)``); a channel without campaigns shows the channels with
        the chosen one highlighted."""
        by = self.breakdown_by(channel)
        if by is None:
            return None, pd.DataFrame()

        def make() -> tuple[str | None, pd.DataFrame]:
            facts = self.facts(channel)
            if by == "campaign":
                facts = facts[~facts["campaign"].astype(str).isin([NONE_VALUE, ""])]
            table = self._top(facts, by, period, kpi)
            if by == "campaign" and table.empty and "channel" in self.dims:
                return "channel", self._top(self.wb.facts, "channel", period, kpi)
            return by, table

        return self._cached(("breakdown", channel, period, kpi), make)

    def _top(self, facts: pd.DataFrame, by: str, period: tuple[Any, Any], kpi: str) -> pd.DataFrame:
        """The top values of `by` and one "Other (n)" row (kpi_helpers.compute.engine.top_breakdown)."""
        table = top_breakdown(facts, [kpi], by=by, period=period, catalog=self.wb.catalog, rank_kpi=kpi)
        other = breakdown_other_label(table, self.wb.lang)
        if other is not None:
            table[by] = table[by].where(table[by] != OTHER_VALUE, other)
        return table

    def statuses(self) -> Any:
        if self._statuses is None:
            self._statuses = goal_statuses(self.wb)
        return self._statuses

    def figure(self, name: str, state: dict[str, Any]) -> Any:
        """One figure for the filter values ``state`` (from :meth:`state`); None when it has nothing to show."""
        return self._cached(("figure", *self.key(name, state)), lambda: self._make(name, state))

    def is_cached(self, name: str, state: dict[str, Any]) -> bool:
        return ("figure", *self.key(name, state)) in self._cache

    def figures(self, state: dict[str, Any]) -> dict[str, Any]:
        figs = {name: self.figure(name, state) for name in FIGURE_NAMES}
        return {name: fig for name, fig in figs.items() if fig is not None}

    def _make(self, name: str, state: dict[str, Any]) -> Any:
        wb, kpi, channel, grain, period = self.wb, state["kpi"], state["channel"], state["grain"], state["period"]
        suffix = f" — {channel}" if channel else ""
        if name == "scorecards":
            return charts.scorecard(
                self.table(channel, grain, period, kpi),
                self.shown,
                lang=wb.lang,
                currency=wb.currency,
                status=self.statuses() if channel is None else None,
                catalog=wb.catalog,
            )
        if name == "trend":
            return charts.trend(
                self.table(channel, grain, period, kpi),
                kpi,
                lang=wb.lang,
                currency=wb.currency,
                catalog=wb.catalog,
                title=charts.text("trend", wb.lang, kpi=wb.label(kpi), grain=t(grain, wb.lang)) + suffix,
            )
        if name == "breakdown":
            by, bd = self.breakdown(channel, period, kpi)
            if by is None:
                return None
            return charts.channel_breakdown(
                bd,
                kpi,
                by=by,
                lang=wb.lang,
                currency=wb.currency,
                highlight=channel,
                catalog=wb.catalog,
                title=charts.text("by", wb.lang, kpi=wb.label(kpi), dim=t(by, wb.lang).lower()) + suffix,
            )
        if name == "pairs" and self.pairs:
            quadrants = pair_quadrants(self.table(channel, grain, period, kpi), self.pairs[:1], catalog=wb.catalog)
            quadrants.attrs.update(grain=grain)
            return charts.pair_quadrant(quadrants, self.pairs[0], lang=wb.lang, catalog=wb.catalog)
        return None


def dashboard_figures(
    wb: ClientSession,
    period: tuple[Any, Any] | None = None,
    grain: str = "month",
    channel: str | None = None,
    kpi: str | None = None,
) -> dict[str, Any]:
    """The dashboard's figures for one set of filter values: ``period`` = (first month, last
    month) (default: the last 24 complete months), ``channel`` None = all channels."""
    data = DashboardData(wb)
    return data.figures(data.state(period, grain, channel, kpi))


class Dashboard(_App):
    """Filters (period range, grain, channel, KPI) and four figures (scorecards, trend,
    breakdown, pair quadrant). ``widget`` is the ipywidgets container. A control change
    recomputes and redraws (in place) only the figures it affects (``FIGURE_INPUTS``)."""

    def __init__(self, wb: ClientSession):
        import ipywidgets as w

        self.wb = wb
        self.data = DashboardData(wb)
        lang = wb.lang
        tx = {k: v[lang] for k, v in DASHBOARD_TEXT.items()}
        months = self.data.months
        options = [(format_period(m, "month", lang), m) for m in months]
        self.period = w.SelectionRangeSlider(
            options=options,
            index=(max(0, len(options) - 24), len(options) - 1),
            description=tx["period"],
            continuous_update=False,  # one change when the handle is released (debounced in the browser)
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
        kpis = self.data.shown
        self.kpi = w.Dropdown(options=[(wb.label(k), k) for k in kpis], value=kpis[0], description=tx["kpi"])
        self.kpi.add_class("kpi-kpi-filter")
        self.grain.add_class("kpi-grain-filter")
        figure_widgets, patches = self._make_outputs(FIGURE_NAMES)
        for control in (self.period, self.grain, self.channel, self.kpi):
            control.observe(lambda change: self.update(), names="value")
        from kpi_helpers.views.export import dashboard_exports

        self.exports = dashboard_exports(self)  # CSV of the current view, built on click
        self.widget = w.VBox(
            [
                w.HBox([self.period, self.grain]),
                w.HBox([self.channel, self.kpi]),
                *figure_widgets,
                *(e.widget for e in self.exports),
                *patches,  # hidden, last: the figures keep their places
            ]
        )
        self.widget.add_class("kpi-dashboard")
        self.figures: dict[str, Any] = {}
        self.update()

    def state(self) -> dict[str, Any]:
        return self.data.state(self.period.value, self.grain.value, self.channel.value, self.kpi.value)

    def compute(self) -> dict[str, Any]:
        """The figures for the current filter values (no drawing)."""
        return self.data.figures(self.state())

    def update(self) -> None:
        state = self.state()
        self.figures = self.data.figures(state)
        self._draw({name: self.data.key(name, state) for name in FIGURE_NAMES})
        for export in self.exports:
            export.clear()
        self._warm_up(state)

    def _warm_up(self, state: dict[str, Any]) -> None:
        """While the kernel is idle, compute the figures of the likely next choices (the other
        channels, then the other KPIs) one at a time on the kernel's event loop, so that a user's
        next change finds them cached. A new change cancels the rest; without a running event
        loop (tests, scripts) nothing is done."""
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._warm_generation = generation = getattr(self, "_warm_generation", 0) + 1
        channels = [None, *self.wb.channels] if self.wb.channels else []
        todo = [(name, {**state, "channel": c}) for c in channels if c != state["channel"] for name in FIGURE_NAMES]
        todo += [
            (name, {**state, "kpi": k}) for k in self.data.shown if k != state["kpi"] for name in ("trend", "breakdown")
        ]

        def step() -> None:
            if generation != self._warm_generation or not todo:
                return
            name, next_state = todo.pop(0)
            try:
                self.data.figure(name, next_state)
            except Exception:  # a figure that cannot be made now will say why when it is chosen
                pass
            loop.call_later(0.01, step)

        loop.call_later(0.25, step)


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
        figure_widgets, patches = self._make_outputs(("what_if",))
        self.widget = w.VBox([*self.sliders.values(), self.summary, *figure_widgets, *patches])
        self.widget.add_class("kpi-what-if")
        self.update()

    def update(self) -> None:
        changes = {d: s.value for d, s in self.sliders.items()}
        self.result = self.scenario(changes)
        self.summary.value = f"<p>{_what_if_sentence(self.wb, self.result)}</p>"
        self.figures = {"what_if": self.figure(self.result)}
        self._draw({"what_if": tuple(changes.values())})  # redrawn in place after the first time


NO_WHAT_IF = per_language("what_if.no_drivers")


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
    change = charts.format_change(r.change_pct / 100, lang)  # n/a (in the language) when there is none
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
