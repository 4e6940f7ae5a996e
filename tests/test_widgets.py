"""Widgets: the dashboard filters and what-if sliders work without a frontend."""

import numpy as np
import pytest
from conftest import DEMO_PARAMS

import kpi_helpers as kpi
from kpi_helpers.apps.widgets import Dashboard, WhatIfApp


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
