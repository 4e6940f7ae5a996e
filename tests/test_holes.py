"""Issue 20, holes counted as zero: a period without rows from a source is "no data" for that source's
measures (NaN with a reason, coverage not complete), excluded from comparisons, findings and pacing's
actuals, and drawn as a gap; validate's gap warning stays."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kpi_helpers.compute.engine import compute_kpis, period_over_period, unavailable_reason
from kpi_helpers.data.load import read_source

HOLE = ("2025-03-01", "2025-05-31")  # 92 days: March, April and May without a single row


def _daily_export(tmp_path, first="2024-01-01", last="2025-12-31", seed=3, hole=HOLE):
    days = pd.date_range(first, last)
    days = days[(days < hole[0]) | (days > hole[1])]
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
    from kpi_helpers.data.coverage import MIN_GAP_DAYS_AS_HOLE, covered_intervals, holes

    gaps = holes(covered_intervals(days, MIN_GAP_DAYS_AS_HOLE))
    assert gaps == [(pd.Timestamp("2025-02-10"), pd.Timestamp("2025-03-31"))]


def _client_with_hole(tmp_path, target_share=0.97, hole=HOLE, extra=""):
    """A shop client whose daily export misses March–May 2025, with a 2025 revenue goal at 97 % of
    2024 (the covered days run at 2024's pace: on track when judged on the days with data)."""
    from kpi_helpers.spec.agency import client_data_dir

    folder = tmp_path / "params"
    folder.mkdir()
    params = folder / "holey.yaml"
    own = client_data_dir(params, "holey")
    own.mkdir(parents=True)
    path, raw = _daily_export(own, hole=hole)
    target = round(float(raw.loc[raw["date"].dt.year == 2024, "revenue"].sum()) * target_share, 2)
    params.write_text(
        "client: holey\nname: Holey Shop\nlanguage: en\n"
        "data: {source: shop_daily.csv, shape: daily}\n"
        "kpis: [revenue, orders, average_order_value, conversion_rate]\n"
        "pairs: [[orders, average_order_value]]\n"
        "goals:\n"
        "  - id: revenue-2025\n"
        f"    statement: 'Revenue in 2025 at least {target:.0f}'\n"
        "    kpi: revenue\n"
        f"    target: {target}\n"
        "    start: 2025-01-01\n"
        "    deadline: 2025-12-31\n"
        "    owner: Shop (Ann)\n" + extra,
        encoding="utf-8",
    )
    return params, raw, target


def test_pacing_is_judged_on_the_covered_days(tmp_path):
    from kpi_helpers.compute.pacing import pace_goal
    from kpi_helpers.data.load import load_facts
    from kpi_helpers.spec.params import load_params

    params, raw, target = _client_with_hole(tmp_path)
    config = load_params(params)
    facts = load_facts(config)
    pacing = pace_goal(facts, config.goals[0], as_of="2025-09-30", catalog=config.catalog)
    covered = raw[(raw["date"] >= "2025-01-01") & (raw["date"] <= "2025-09-30")]
    assert pacing.actual_to_date == pytest.approx(covered["revenue"].sum())  # a lower bound: the hole is not in it
    assert (pacing.days_elapsed, pacing.days_with_data) == (273, 273 - 92)
    assert pacing.required_run_rate is None and pacing.forecast_method == "covered_days"
    # last year's share on the same covered days (2024 is covered in full)
    ly = raw.set_index("date")["revenue"]
    ly_days = pd.DatetimeIndex(covered["date"]) - pd.Timedelta(days=364)
    year = pd.Timedelta(days=364)  # last year's window: 52 weeks back
    ly_window = ly[pd.Timestamp("2025-01-01") - year : pd.Timestamp("2025-12-31") - year]
    expected = target * ly.reindex(ly_days).sum() / ly_window.sum()
    assert pacing.expected == pytest.approx(expected) and pacing.expected_method == "seasonal"
    assert pacing.forecast == pytest.approx(target * pacing.actual_to_date / expected)
    assert pacing.status == "on_track"


def test_no_act_now_from_the_hole_months_in_findings_and_summary(tmp_path):
    from kpi_helpers.run.report import client_summary
    from kpi_helpers.spec.params import load_params

    params, _, _ = _client_with_hole(tmp_path)
    summary = client_summary(load_params(params))
    assert [f for f in summary["findings"] if f["severity"] in ("critical", "warning")] == []
    goal = summary["goals"][0]
    assert goal["status"] == "on_track" and (goal["days_elapsed"], goal["days_with_data"]) == (365, 273)
    pacing = next(f for f in summary["findings"] if f["rule"] == "pacing")
    assert "Judged on the 273 of 365 days so far that the data cover" in pacing["message"]["en"]
    assert "Beoordeeld op de 273 van de 365 dagen" in pacing["message"]["nl"]
    # no seasonality from months that are a hole (March was "quiet" at −100 % when read as €0)
    assert not [f for f in summary["findings"] if f["rule"] in ("seasonality", "pair", "swing")]


def test_charts_and_tables_show_the_hole_as_a_gap(tmp_path):
    from kpi_helpers.compute.findings import period_table
    from kpi_helpers.session import open_client
    from kpi_helpers.views import charts
    from kpi_helpers.views.analysis import goal_trends

    params, _, _ = _client_with_hole(tmp_path)
    wb = open_client(params)
    table = period_table(wb, ["revenue"])
    figure = goal_trends(wb)[0]
    actual = next(tr for tr in figure.data if tr.name == "Actual")
    points = dict(zip(pd.to_datetime(actual.x), actual.y))
    for month in ("2025-03-01", "2025-04-01", "2025-05-01"):
        assert points[pd.Timestamp(month)] is None or math.isnan(points[pd.Timestamp(month)])  # a gap, not 0
    assert points[pd.Timestamp("2025-02-01")] > 0 and points[pd.Timestamp("2025-06-01")] > 0
    assert actual.connectgaps is not True  # plotly breaks the line at a missing value
    card = charts.scorecard(table, ["revenue"], period="2025-04-01", lang="en")
    assert "no data for this period" in card.data[0].title.text and card.data[0].value is None
    nl = charts.scorecard(table, ["revenue"], period="2025-04-01", lang="nl")
    assert "geen gegevens over deze periode" in nl.data[0].title.text


def test_validate_kpi_table_says_no_data_for_the_hole(tmp_path):
    from kpi_helpers.run.validate import kpi_table_for_client

    params, _, _ = _client_with_hole(tmp_path)
    table = kpi_table_for_client(params).set_index(["kpi", "period"])
    april = table.loc[("revenue", pd.Timestamp("2025-04-01"))]
    assert math.isnan(april["value"]) and not april["complete"]
    assert "no rows for Revenue in this period" in april["note"]
    assert table.loc[("revenue", pd.Timestamp("2025-06-01")), "note"] == ""


def test_monthly_rows_cover_their_month_and_a_missing_month_is_a_hole():
    from kpi_helpers.compute.pacing import pace_goal

    months = pd.date_range("2026-01-01", "2026-09-01", freq="MS")
    facts = pd.DataFrame({"date": months, "revenue": 1000.0})
    goal = {"id": "g", "kpi": "revenue", "target": 12000.0, "start": "2026-01-01", "deadline": "2026-12-31"}
    whole = pace_goal(facts, goal, as_of="2026-09-30")  # September's row stands for all of September
    assert (whole.days_elapsed, whole.days_with_data) == (273, 273) and whole.forecast_method != "covered_days"
    assert whole.actual_to_date == 9000.0
    holey = facts[facts["date"] != "2026-05-01"]  # no row for May: May is no data, not €0
    t = compute_kpis(holey, ["revenue"], grain="month").set_index("period")
    assert t.loc[pd.Timestamp("2026-05-01"), "coverage"] == "empty" and math.isnan(t.loc["2026-05-01", "value"])
    paced = pace_goal(holey, goal, as_of="2026-09-30")
    assert (paced.days_elapsed, paced.days_with_data) == (273, 273 - 31)
    assert paced.expected == pytest.approx(12000.0 * 242 / 365)
    assert paced.forecast == pytest.approx(12000.0 * 8000.0 / paced.expected)


def test_the_month_after_the_hole_is_not_compared_with_it(tmp_path):
    """As of 30 June 2025, the month before the last complete one is the hole: no swing, no driver
    waterfall June vs May (today: June vs €0), no critical finding; the covered days still pace the goal."""
    from kpi_helpers.compute.findings import build_findings
    from kpi_helpers.session import open_client
    from kpi_helpers.views.analysis import driver_charts, goal_trends

    params, raw, _ = _client_with_hole(tmp_path)
    wb = open_client(params, as_of="2025-06-30")
    assert driver_charts(wb) == []
    findings = build_findings(wb)
    assert not [f for f in findings if f.rule == "swing" or f.severity == "critical"]
    pacing = next(f for f in findings if f.rule == "pacing")
    assert pacing.data["status"] == "on_track"
    trend = goal_trends(wb)[0]
    forecast = next(tr for tr in trend.data if tr.name == "Forecast")
    # the months ahead carry the covered days' pace: each about a month of 2024 at 97 %, not inflated by the hole
    ahead = dict(zip(pd.to_datetime(forecast.x), forecast.y))
    july_2024 = raw.loc[(raw["date"] >= "2024-07-01") & (raw["date"] <= "2024-07-31"), "revenue"].sum()
    assert ahead[pd.Timestamp("2025-07-01")] == pytest.approx(july_2024, rel=0.1)


def test_no_driver_waterfall_against_a_month_with_a_hole(tmp_path):
    from kpi_helpers.session import open_client
    from kpi_helpers.views.analysis import driver_charts

    params, _, _ = _client_with_hole(tmp_path, hole=("2025-05-10", "2025-05-31"))  # May: 9 days of data
    assert driver_charts(open_client(params, as_of="2025-06-30")) == []  # June vs 9 days of May: no comparison
    assert len(driver_charts(open_client(params, as_of="2025-08-31"))) == 1  # August vs July: both whole


def test_since_last_report_does_not_compare_across_a_hole(tmp_path):
    """February's report vs June's: the goal's total to date grew by June's covered days only (March–May
    have no data), so 'since the last report' gives no change; July vs June (no new hole) does."""
    from kpi_helpers.run.history import since_last
    from kpi_helpers.run.report import client_summary
    from kpi_helpers.spec.params import load_params

    params, raw, _ = _client_with_hole(tmp_path)
    config = load_params(params)
    feb, june, july = (client_summary(config, as_of=day) for day in ("2025-02-28", "2025-06-30", "2025-07-31"))
    across = since_last(june, feb)["goals"][0]
    assert across["previous_value"] is not None and across["value_change"] is None
    after = since_last(july, june)["goals"][0]
    july_revenue = raw.loc[(raw["date"] >= "2025-07-01") & (raw["date"] <= "2025-07-31"), "revenue"].sum()
    assert after["value_change"] == pytest.approx(july_revenue)


def test_a_hole_month_does_not_count_as_a_floor_breach(tmp_path):
    """A floor far above every month: June is below it, May (a hole) is not known, so June is the only
    breach, not 'the second period in a row' (critical) as when May read €0."""
    from kpi_helpers.compute.findings import build_findings
    from kpi_helpers.session import open_client

    # a target high enough that the floor fits under it (validate refuses a floor above the target)
    params, _, _ = _client_with_hole(tmp_path, target_share=30, extra="    floor: 1000000\n")
    wb = open_client(params, as_of="2025-06-30")
    floor = next(f for f in build_findings(wb) if f.rule == "floor")
    assert floor.data["period"] == pd.Timestamp("2025-06-01") and floor.data["streak"] == 1
    assert floor.severity == "warning"
