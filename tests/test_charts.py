"""Charts: trace counts, data equal to the engine's numbers, language-specific text."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from conftest import DEMO_PARAMS

import kpi_helpers as kpi
from kpi_helpers.compute.drivers import decompose_change
from kpi_helpers.compute.findings import period_table, ytd_window
from kpi_helpers.views import charts


@pytest.fixture(scope="module")
def shop():
    wb = kpi.open_client(DEMO_PARAMS / "demo_webshop.yaml", lang="en")
    assert not wb.facts.empty
    return wb


@pytest.fixture(scope="module")
def monthly(shop):
    return period_table(shop, ["revenue", "orders", "average_order_value", "conversion_rate"])


def test_theme_is_lean_and_separators_follow_language(monthly):
    nl = charts.trend(monthly, "revenue", lang="nl")
    en = charts.trend(monthly, "revenue", lang="en")
    assert nl.layout.separators == ",." and en.layout.separators == ".,"
    assert "scatter" not in (nl.layout.template.data.to_plotly_json() or {})  # not plotly's big default
    assert len(nl.to_json()) < 20_000


def test_scorecard_one_indicator_per_kpi_with_engine_values(monthly):
    fig = charts.scorecard(monthly, ["revenue", "orders", "conversion_rate"], lang="en", status={"revenue": "on_track"})
    assert [tr.type for tr in fig.data] == ["indicator"] * 3
    last = monthly[monthly["period"] == monthly["period"].max()].set_index("kpi")
    for tr in fig.data:
        assert tr.value == pytest.approx(last.loc[tr.name, "value"])
        if tr.name == "conversion_rate":  # a rate's change is shown in percentage points, not as a relative delta
            assert tr.delta.reference is None and " pp vs previous period" in tr.title.text
        else:
            assert tr.delta.reference == pytest.approx(last.loc[tr.name, "previous"])
    assert fig.data[0].number.font.color == charts.STATUS_COLORS["on_track"]
    assert "vs last year" in fig.data[0].title.text
    nl = charts.scorecard(monthly, ["revenue"], lang="nl")
    assert "t.o.v. vorig jaar" in nl.data[0].title.text and "Omzet" in nl.data[0].title.text


def test_trend_target_and_forecast(monthly):
    rows = monthly[monthly["kpi"] == "revenue"]
    fc = pd.Series([1.0, 2.0], index=pd.to_datetime(["2026-10-01", "2026-11-01"]))
    fig = charts.trend(monthly, "revenue", target=150000, forecast=fc, lang="en")
    assert [tr.name for tr in fig.data] == ["Actual", "Forecast", "Target"]
    assert np.allclose(fig.data[0].y, rows["value"].to_numpy())
    assert list(fig.data[1].y) == [rows["value"].iloc[-1], 1.0, 2.0]  # starts at the last actual
    assert set(fig.data[2].y) == {150000}
    assert fig.layout.title.text == "Revenue per month"
    assert charts.trend(monthly, "revenue", lang="nl").layout.title.text == "Omzet per maand"


def test_pair_quadrant_goodhart_quadrant_is_red(monthly):
    quadrants = kpi.pair_quadrants(monthly, [("orders", "average_order_value")])
    fig = charts.pair_quadrant(quadrants, lang="en")
    goodhart = [s for s in fig.layout.shapes if s.name == "goodhart_warning"]
    assert len(goodhart) == 1 and goodhart[0].fillcolor == charts.QUADRANT_COLORS["goodhart_warning"]
    assert goodhart[0].x1 > 0 > goodhart[0].y1  # volume up, quality down
    ok = quadrants.dropna(subset=["quadrant"])
    assert np.allclose(fig.data[0].x, ok["volume_change"]) and np.allclose(fig.data[0].y, ok["quality_change"])
    assert any("Goodhart" in a.text for a in fig.layout.annotations)


def test_channel_breakdown_roas_break_even_and_values(shop):
    table = kpi.breakdown(shop.facts, ["revenue", "roas"], by="channel", period=ytd_window(shop))
    fig = charts.channel_breakdown(table, "roas", lang="en")
    roas = table[(table["kpi"] == "roas") & table["available"]].set_index("channel")["value"]
    assert len(fig.data) == 1 and set(fig.data[0].y) == set(roas.index)  # channels without ads left out
    for name, value in zip(fig.data[0].y, fig.data[0].x):
        assert value == pytest.approx(roas[name])
    assert fig.layout.shapes[0].x0 == 1.0  # break-even line
    rev = charts.channel_breakdown(table, "revenue", lang="nl")
    assert rev.layout.title.text == "Omzet per kanaal" and sum(rev.data[0].x) == pytest.approx(
        table.loc[table["kpi"] == "revenue", "value"].sum()
    )


def test_seasonality_heatmap_names_peak_and_quiet_months(shop):
    from kpi_helpers.compute.pacing import daily_frame

    season = kpi.seasonality(shop.facts, "revenue")
    frame = daily_frame(shop.facts, "revenue")
    fig = charts.seasonality_heatmap(charts.seasonality_matrix(frame), season, lang="en", label="Revenue")
    assert fig.data[0].type == "heatmap" and np.asarray(fig.data[0].z).shape == (12, 8)
    assert "peak Nov, Dec" in fig.layout.title.text
    assert (
        "piek nov, dec" in charts.seasonality_heatmap(charts.seasonality_matrix(frame), season, "nl").layout.title.text
    )


def test_driver_waterfall_contributions_add_up(shop):
    d = decompose_change(shop.facts, "revenue", ("orders", "average_order_value"), "2026-08", "2026-09")
    fig = charts.driver_waterfall(d, lang="en", period_labels=("Aug", "Sep"))
    tr = fig.data[0]
    assert list(tr.measure) == ["absolute", "relative", "relative", "total"]
    total = d[d["role"] == "total"].iloc[0]
    assert sum(tr.y[1:3]) == pytest.approx(total["value_b"] - total["value_a"])
    assert tr.y[0] == pytest.approx(total["value_a"])


def test_pacing_bars_one_bar_per_goal(shop):
    pacing = kpi.pace_goals(shop.facts, shop.config.goals)
    fig = charts.pacing_bars(pacing, lang="nl")
    assert len(fig.data) == 3 and len(fig.data[0].x) == len(pacing)
    assert fig.data[0].x[0] == pytest.approx(pacing["actual_to_date"].iloc[0] / pacing["target"].iloc[0])
    assert fig.layout.title.text.startswith("Voortgang doelstellingen")


def test_every_view_returns_titled_figures_for_every_client():
    for name in ("demo_webshop", "demo_b2b", "demo_newsletter"):
        wb = kpi.open_client(DEMO_PARAMS / f"{name}.yaml")
        figs = [
            kpi.scorecards(wb),
            *kpi.goal_trends(wb),
            *kpi.pacing_charts(wb),
            *kpi.pair_charts(wb),
            *kpi.breakdown_charts(wb),
            *kpi.seasonality_charts(wb),
            *kpi.driver_charts(wb),
        ]
        assert all(isinstance(f, go.Figure) and f.layout.title.text for f in figs)
        coupons = [f for f in figs if "coupon" in f.layout.title.text or "kortingscode" in f.layout.title.text]
        assert bool(coupons) == ("coupon" in wb.facts.columns)
