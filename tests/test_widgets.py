"""Widgets: the dashboard filters and what-if sliders work without a frontend."""

import numpy as np
import pytest
from conftest import DEMO_PARAMS

import kpi_helpers as kpi
from kpi_helpers.apps.widgets import FIGURE_NAMES, Dashboard, WhatIfApp


@pytest.fixture(scope="module")
def shop():
    wb = kpi.open_client(DEMO_PARAMS / "demo_webshop.yaml")
    assert not wb.facts.empty
    return wb


def test_channel_filter_changes_the_trend(shop):
    app = Dashboard(shop)
    assert app.channel.description == "Kanaal" and "kpi-channel-filter" in app.channel._dom_classes
    before = np.asarray(app.figures["trend"].data[0].y, float)
    app.channel.value = "email"
    after = np.asarray(app.figures["trend"].data[0].y, float)
    assert not np.allclose(before, after) and (after < before).all()
    assert "email" in app.figures["trend"].layout.title.text
    assert app.outputs["trend"].outputs[0]["data"]["text/plain"].startswith("<Figure")
    app.grain.value = "quarter"
    assert len(app.figures["trend"].data[0].y) < len(after)


def test_what_if_orders_and_average_order_value(shop):
    app = WhatIfApp(shop, goal="omzet-2026", drivers=("orders", "average_order_value"))
    app.sliders["orders"].value = 5
    app.sliders["average_order_value"].value = 5
    assert app.result.change_pct == pytest.approx(10.25)
    assert app.result.meets_goal is True  # goal: +10 % on 2025
    assert "+10 %" in app.summary.value and "doel gehaald" in app.summary.value
    bars = app.figures["what_if"].data[0].y
    assert bars[1] / bars[0] == pytest.approx(1.1025)


def test_static_mode_returns_none_and_channel_label_in_english():
    wb = kpi.open_client(DEMO_PARAMS / "demo_b2b.yaml")
    assert Dashboard(wb).channel.description == "Channel"
    assert kpi.dashboard(wb, interactive=False) is None
    assert kpi.what_if_app(wb, interactive=False) is None


# --------------------------------------------------------------------------- caching and in-place redraw
def test_cached_table_is_the_period_table_of_the_window(shop):
    """A period change only filters the (channel, grain) table computed over the whole history:
    the same rows and numbers as period_table asked for that window directly."""
    import pandas as pd

    from kpi_helpers.apps.widgets import DashboardData
    from kpi_helpers.compute.findings import period_table

    data = DashboardData(shop)
    channel = shop.channels[1]
    for grain, (start, end) in [("month", ("2025-03-01", "2025-11-30")), ("quarter", ("2024-01-01", "2025-12-31"))]:
        window = (pd.Timestamp(start), pd.Timestamp(end))
        cached = data.table(channel, grain, window)
        facts = shop.facts[shop.facts["channel"] == channel]
        direct = period_table(shop, data.kpis(), grain, facts=facts, start=window[0], end=window[1])
        pd.testing.assert_frame_equal(cached, direct)
        assert cached["period"].min() >= window[0] and cached["period"].max() <= window[1]
    assert data.computed["table"] == 2
    data.table(channel, "month", (pd.Timestamp("2024-06-01"), pd.Timestamp("2024-12-31")))
    assert data.computed["table"] == 2  # another window of a cached (channel, grain): no engine call


def test_cached_figures_equal_fresh_figures(shop):
    """The dashboard's figures after a round of control changes are the ones computed afresh."""
    from kpi_helpers.apps.widgets import dashboard_figures

    app = Dashboard(shop)
    app.channel.value = "email"
    app.kpi.value = app.kpi.options[1][1]
    app.grain.value = "quarter"
    app.channel.value = None
    app.channel.value = "email"
    fresh = dashboard_figures(shop, app.period.value, "quarter", "email", app.kpi.options[1][1])
    assert set(app.figures) == set(fresh)
    for name, fig in fresh.items():
        assert app.figures[name].to_json() == fig.to_json(), name


def test_a_control_recomputes_and_redraws_only_what_it_affects(shop):
    app = Dashboard(shop)
    assert app.redrawn == ("scorecards", "trend", "breakdown", "pairs")  # first drawing: all
    assert all(out.outputs for out in app.outputs.values()) and not any(p.outputs for p in app.patches.values())
    tables = app.data.computed["table"]
    app.kpi.value = app.kpi.options[1][1]
    assert app.redrawn == ("trend", "breakdown")  # scorecards and the pair quadrant do not show the KPI
    assert app.data.computed["table"] == tables  # the table holds every dashboard KPI already
    app.grain.value = "quarter"
    assert app.redrawn == ("scorecards", "trend", "pairs")  # the breakdown is over the whole window
    app.channel.value = "email"
    assert app.redrawn == ("scorecards", "trend", "breakdown", "pairs")
    before = app.data.computed.copy()
    app.channel.value = None
    app.channel.value = "email"  # back to states seen before: from the cache
    assert app.data.computed == before
    app.channel.value = "email"  # no change, nothing sent
    assert app.redrawn == ("scorecards", "trend", "breakdown", "pairs")


def test_redraw_in_place_sends_a_react_script_with_dates_and_inert_labels(shop):
    import json
    import re

    app = Dashboard(shop)
    first = app.outputs["trend"].outputs
    app.channel.value = "email"
    assert app.outputs["trend"].outputs == first  # the drawn figure stays; the patch redraws it
    html = app.patches["trend"].outputs[0]["data"]["text/html"]
    assert app.patches["trend"].layout.display == "none"
    assert f'sel=".kpi-live-{app.token}-trend .js-plotly-plot"' in html and "P.react(gd" in html
    assert f"kpi-live-{app.token}-trend" in app.outputs["trend"]._dom_classes
    assert "<script" not in html[8:] and "</script>" not in html[:-9]  # one script element, closed once
    spec = json.loads(re.search(r"spec=(\{.*\}),t0=", html).group(1))
    xs = spec["data"][0]["x"]
    assert isinstance(xs, list) and re.match(r"\d{4}-\d{2}-01", xs[0])  # dates, not 0..N
    assert "email" in spec["layout"]["title"]["text"]


def test_script_json_cannot_close_the_script_element():
    from kpi_helpers.apps.widgets import script_json

    text = script_json({"name": "</script><img src=x onerror=alert(1)>", "sep": "a\u2028b & c"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    import json

    assert json.loads(text) == {"name": "</script><img src=x onerror=alert(1)>", "sep": "a\u2028b & c"}


def test_channel_filter_leaves_no_none_bar(shop):
    """A channel's campaigns without the rows of no campaign; a channel without campaigns shows
    the channels with the chosen one highlighted (never a "(none)" bar)."""
    from kpi_helpers.data.facts import NONE_VALUE

    app = Dashboard(shop)
    for channel in shop.channels:
        app.channel.value = channel
        bars = [str(y) for trace in app.figures["breakdown"].data for y in trace.y]
        assert bars and NONE_VALUE not in bars, (channel, bars)
        campaigns = set(shop.facts.loc[shop.facts["channel"] == channel, "campaign"]) - {NONE_VALUE}
        assert set(bars) == campaigns if campaigns else channel in bars


def test_what_if_redraws_in_place(shop):
    app = WhatIfApp(shop, goal="omzet-2026", drivers=("orders", "average_order_value"))
    first = app.outputs["what_if"].outputs
    app.sliders["orders"].value = 5
    assert app.redrawn == ("what_if",) and app.outputs["what_if"].outputs == first
    assert "P.react(gd" in app.patches["what_if"].outputs[0]["data"]["text/html"]
    assert app.figures["what_if"].data[0].y[1] / app.figures["what_if"].data[0].y[0] == pytest.approx(1.05)


def test_warm_up_on_the_event_loop_caches_the_other_channels(shop):
    """In a kernel (a running event loop) the figures of the other channels are computed while
    idle, so choosing one afterwards calls no engine; without a loop nothing is warmed."""
    import asyncio

    app = Dashboard(shop)
    state = app.state()
    others = [{**state, "channel": c} for c in [None, *shop.channels] if c != "email"]
    app.channel.value = "email"  # no running loop: no warm-up
    assert not any(app.data.is_cached("trend", s) for s in others if s["channel"] is not None)

    async def change_and_idle() -> None:
        app.channel.value = "social"
        app.channel.value = "email"  # the second change cancels the first warm-up
        state = app.state()
        for _ in range(1200):
            await asyncio.sleep(0.05)
            if all(
                app.data.is_cached(n, {**state, "channel": c}) for c in [None, *shop.channels] for n in FIGURE_NAMES
            ):
                return

    # a thread of its own: the test does not depend on the event-loop state of the pytest thread
    import threading

    runner = threading.Thread(target=asyncio.run, args=(change_and_idle(),))
    runner.start()
    runner.join(timeout=120)
    assert not runner.is_alive()
    before = app.data.computed.copy()
    for channel in [None, *shop.channels]:
        app.channel.value = channel
    assert app.data.computed == before
