"""Issue 20, holes counted as zero: a period without rows from a source is "no data" for that source's
measures (NaN with a reason, coverage not complete), excluded from comparisons, findings and pacing's
actuals, and drawn as a gap; validate's gap warning stays."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kpi_helpers.compute.engine import compute_kpis, period_over_period, unavailable_reason
from kpi_helpers.data.coverage import MIN_GAP_DAYS_AS_HOLE, covered_intervals, holes
from kpi_helpers.data.load import read_source

HOLE = ("2025-03-01", "2025-05-31")  # 92 days: March, April and May without a single row


def _daily_export(tmp_path, first="2024-01-01", last="2025-12-31", seed=3):
    days = pd.date_range(first, last)
    days = days[(days < HOLE[0]) | (days > HOLE[1])]
    rng = np.random.default_rng(seed)
    sessions = rng.integers(800, 1200, len(days)).astype(float)
    orders = rng.integers(20, 40, len(days)).astype(float)
    frame = pd.DataFrame(
        {"date": days, "sessions": sessions, "orders": orders, "revenue": (orders * rng.uniform(40, 60, len(days)))}
    )
    path = tmp_path / "shop_daily.csv"
    frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d"), revenue=frame["revenue"].round(2)).to_csv(
        path, index=False
    )
    return path, frame.assign(revenue=frame["revenue"].round(2))


def test_a_92_day_hole_is_no_data_not_three_months_of_zero(tmp_path):
    path, raw = _daily_export(tmp_path)
    facts = read_source({"source": str(path), "shape": "daily"})
    assert any("days without any row" in p.message for p in facts.attrs["warnings"])  # validate's warning stays
    table = compute_kpis(facts, ["revenue", "orders", "conversion_rate", "average_order_value"], grain="month")
    months = table[table["kpi"] == "revenue"].set_index("period")
    for month in ("2025-03-01", "2025-04-01", "2025-05-01"):
        row = months.loc[pd.Timestamp(month)]
        assert math.isnan(row["value"]) and not row["available"] and row["coverage"] == "empty"
    hole_rows = table[table["period"].between("2025-03-01", "2025-05-01")]
    assert hole_rows["value"].isna().all() and (hole_rows["coverage"] == "empty").all()
    assert "no rows for Revenue in this period" in unavailable_reason(table, "revenue", "en")
    assert "ontbreken de gegevens voor Omzet" in unavailable_reason(table, "revenue", "nl")
    # every covered month equals an independent pandas computation and is complete
    own = raw.assign(period=raw["date"].dt.to_period("M").dt.start_time).groupby("period")
    ref = own[["revenue", "orders", "sessions"]].sum()
    covered = months[months["coverage"] == "complete"]
    assert len(covered) == 21
    assert covered["value"].to_numpy() == pytest.approx(ref.loc[covered.index, "revenue"].to_numpy())
    conv = table[(table["kpi"] == "conversion_rate") & (table["coverage"] == "complete")].set_index("period")
    assert conv["value"].to_numpy() == pytest.approx((ref["orders"] / ref["sessions"]).loc[conv.index].to_numpy())


def test_comparisons_skip_the_hole(tmp_path):
    path, raw = _daily_export(tmp_path)
    facts = read_source({"source": str(path), "shape": "daily"})
    pop = period_over_period(compute_kpis(facts, ["revenue", "sales_growth"], grain="month")).set_index(
        ["kpi", "period"]
    )
    june = pop.loc[("revenue", pd.Timestamp("2025-06-01"))]
    assert math.isnan(june["previous"]) and math.isnan(june["rel_change"]) and pd.isna(june["good"])
    for month in ("2025-03-01", "2025-04-01", "2025-05-01"):  # no "−100 % vs last year" for the hole
        assert math.isnan(pop.loc[("revenue", pd.Timestamp(month)), "yoy_rel_change"])
    assert math.isnan(pop.loc[("sales_growth", pd.Timestamp("2025-06-01")), "value"])  # growth after the hole
    july = pop.loc[("revenue", pd.Timestamp("2025-07-01"))]
    ref = raw.set_index("date")["revenue"]
    assert july["previous"] == pytest.approx(ref["2025-06"].sum())
    assert july["last_year"] == pytest.approx(ref["2024-07"].sum())
    # a year with the hole is not a complete year: no year-on-year change for 2025
    year = period_over_period(compute_kpis(facts, ["revenue"], grain="year")).set_index("period")
    assert year.loc[pd.Timestamp("2025-01-01"), "coverage"] == "partial"
    assert math.isnan(year.loc[pd.Timestamp("2025-01-01"), "yoy_rel_change"])
    assert year.loc[pd.Timestamp("2025-01-01"), "value"] == pytest.approx(ref["2025"].sum())  # a lower bound


def test_order_lines_quiet_days_are_zero_but_a_long_run_without_rows_is_a_hole():
    """Order lines have no row on a day without orders: a short quiet run is 0 orders (covered); a run
    of MIN_GAP_DAYS_AS_HOLE days or more without any line is a hole (no data)."""
    from kpi_helpers.data.load import order_lines_facts

    quiet = pd.date_range("2025-01-01", "2025-01-31")
    quiet = quiet[(quiet.day % 3) != 0]  # every third day no order: quiet days, not missing data
    long_gap = pd.date_range("2025-02-01", "2025-04-30")
    long_gap = long_gap[(long_gap < "2025-02-10") | (long_gap > "2025-03-31")]  # February 10 .. March 31 empty
    days = quiet.append(long_gap)
    lines = pd.DataFrame(
        {
            "date": days,
            "order_id": [f"o{i}" for i in range(len(days))],
            "customer_id": [f"c{i % 7}" for i in range(len(days))],
            "revenue": 10.0,
        }
    )
    facts = order_lines_facts(lines)
    t = compute_kpis(facts, ["orders", "revenue"], grain="day").set_index(["kpi", "period"])
    assert t.loc[("orders", pd.Timestamp("2025-01-03")), "value"] == 0  # a quiet day: 0 orders
    assert t.loc[("orders", pd.Timestamp("2025-01-03")), "coverage"] == "complete"
    assert math.isnan(t.loc[("orders", pd.Timestamp("2025-03-01")), "value"])  # inside the 50-day hole
    months = compute_kpis(facts, ["orders", "customers"], grain="month").set_index(["kpi", "period"])
    assert months.loc[("orders", pd.Timestamp("2025-01-01")), "coverage"] == "complete"
    assert months.loc[("orders", pd.Timestamp("2025-02-01")), "coverage"] == "partial"
    assert months.loc[("orders", pd.Timestamp("2025-03-01")), "coverage"] == "empty"
    assert math.isnan(months.loc[("customers", pd.Timestamp("2025-03-01")), "value"])
    assert months.loc[("orders", pd.Timestamp("2025-01-01")), "value"] == len(quiet)
    assert (pd.Timestamp("2025-02-10"), pd.Timestamp("2025-03-31")) in holes(covered_intervals(days, MIN_GAP_DAYS_AS_HOLE))
