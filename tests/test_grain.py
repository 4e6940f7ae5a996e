"""Issue 11 #6: the client's `grain` is honoured in scorecards, period over period, findings,
trends and headings; `period.start` limits what is shown, never the history used."""

from __future__ import annotations

import pandas as pd
import pytest

import kpi_helpers as kpi
from kpi_helpers.compute.findings import build_findings, last_complete_period, period_table
from kpi_helpers.views.analysis import goal_trend, scorecards, section_heading


def with_grain(grain: str, period_start: str | None = None):
    wb = kpi.open_client("params/demo_webshop.yaml")
    update = {"grain": grain}
    if period_start:
        update["period"] = wb.config.period.model_copy(update={"start": pd.Timestamp(period_start).date()})
    wb.config = wb.config.model_copy(update=update)
    return wb


@pytest.mark.parametrize("grain,step_days", [("week", {7}), ("month", {28, 29, 30, 31}), ("quarter", {90, 91, 92})])
def test_period_table_scorecards_and_headings_follow_the_grain(grain, step_days):
    wb = with_grain(grain)
    table = period_table(wb, ["revenue", "orders"])
    assert table.attrs["grain"] == grain
    steps = set(pd.Series(sorted(table["period"].unique())).diff().dropna().dt.days)
    assert steps <= step_days
    assert table["period"].max() == last_complete_period(wb)
    card = scorecards(wb)
    assert all(tr.type == "indicator" for tr in card.data)
    word = {"week": "week", "month": "maand", "quarter": "kwartaal"}[grain]
    assert f"laatste volledige {word}" in section_heading("scorecards", wb)


def test_week_and_quarter_clients_get_different_findings():
    week, quarter = with_grain("week"), with_grain("quarter")
    texts = {
        g: [f.text("en") for f in build_findings(wb) if f.rule == "swing"] for g, wb in (("w", week), ("q", quarter))
    }
    assert texts["w"] != texts["q"] or not (texts["w"] or texts["q"])
    goal = quarter.config.goals[0]
    fig = goal_trend(quarter, goal)
    x = pd.to_datetime(pd.Series(fig.data[0].x))
    assert set(x.dt.month.unique()) <= {1, 4, 7, 10} and (x.dt.day == 1).all()


def test_period_start_limits_what_is_shown_not_the_history_used():
    wb = with_grain("month", "2026-01-01")
    table = period_table(wb, ["revenue"])
    assert table["period"].min() == pd.Timestamp("2026-01-01")
    jan = table[table["period"] == "2026-01-01"].iloc[0]
    assert pd.notna(jan["last_year"]) and pd.notna(jan["previous"])  # 2025 is history, still compared with


def test_a_kpi_the_data_cannot_give_is_shown_as_not_available_with_the_reason():
    wb = with_grain("month")  # daily demo: buying customers per day are customer-days when added up
    wb.config = wb.config.model_copy(update={"kpis": ["revenue", "revenue_per_customer"]})
    [finding] = [f for f in build_findings(wb) if f.rule == "unavailable"]
    assert finding.kpi == "revenue_per_customer" and "n.b." in finding.message["nl"]
    assert "orderregels" in finding.message["nl"] and "order lines" in finding.message["en"]
    card = scorecards(wb)
    [tile] = [tr for tr in card.data if tr.name == "revenue_per_customer"]
    assert tile.value is None and "n.b." in tile.title.text
