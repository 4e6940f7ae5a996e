"""Engine: KPIs at a grain, period over period, breakdowns, pair quadrants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_helpers.compute.engine import (
    breakdown,
    compute_kpis,
    format_change,
    pair_quadrants,
    period_over_period,
    period_start,
)
from kpi_helpers.exceptions import GoalError, KpiWorkbookError
from kpi_helpers.spec.catalog import Kpi


def kpi(id, type="sum", num=(), den=None, unit="count", direction="higher", of=None, domain="marketing", nl=None):
    terms = lambda t: tuple((m[1:], -1) if m.startswith("-") else (m, 1) for m in ([t] if isinstance(t, str) else t))
    return Kpi(
        id=id,
        labels={"en": id.replace("_", " ").capitalize(), "nl": nl or id},
        descriptions={},
        domain=domain,
        kind="performance",
        type=type,
        numerator=terms(num) if num else (),
        denominator=terms(den) if den else None,
        growth_of=of,
        unit=unit,
        direction=direction,
    )


SESSIONS = kpi("sessions", num="sessions")
ORDERS = kpi("orders", num="orders")
REVENUE = kpi("revenue", num="revenue", unit="currency")
CONV = kpi("conversion_rate", "ratio", "orders", "sessions", unit="percent")
CPC = kpi("cost_per_click", "ratio", "ad_spend", "ad_clicks", unit="currency", direction="lower")
ROI = kpi("roi", "ratio", ["revenue", "-ad_spend"], "ad_spend", unit="percent")
GROWTH = kpi("sales_growth", "growth", of="revenue", unit="percent")
LEADS = kpi("leads", num="leads", nl="Leads")
L2C = kpi("lead_to_customer_rate", "ratio", "new_customers", "leads", unit="percent", nl="lead-naar-klantratio")
CAT = {k.id: k for k in (SESSIONS, ORDERS, REVENUE, CONV, CPC, ROI, GROWTH, LEADS, L2C)}


def facts_two_days():
    # day 1: 1 order / 10 sessions (10 %), day 2: 1 order / 1000 sessions (0.1 %)
    # monthly conversion = 2 / 1010 = 0.198 %; the mean of daily rates would be 5.05 %
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "channel": ["seo", "seo"],
            "sessions": [10.0, 1000.0],
            "orders": [1.0, 1.0],
            "revenue": [50.0, 70.0],
            "ad_spend": [0.0, 0.0],
            "ad_clicks": [0.0, 0.0],
        }
    )


def test_ratio_is_sum_over_sum_not_mean_of_daily_rates():
    t = compute_kpis(facts_two_days(), ["conversion_rate"], grain="month", catalog=CAT)
    assert len(t) == 1
    row = t.iloc[0]
    assert row["value"] == pytest.approx(2 / 1010)
    assert row["value"] != pytest.approx((0.1 + 0.001) / 2)
    assert (row["numerator"], row["denominator"], row["unit"]) == (2.0, 1010.0, "percent")
    assert row["period"] == pd.Timestamp("2024-01-01") and bool(row["available"])
    assert list(t.columns) == ["period", "kpi", "value", "numerator", "denominator", "available", "unit", "coverage"]
    assert row["coverage"] == "partial"  # two days of January


def test_zero_denominator_is_nan_and_not_available_never_inf():
    t = compute_kpis(facts_two_days(), [CPC, "roi"], grain="day", catalog=CAT)
    assert not np.isinf(t["value"]).any()
    assert t["value"].isna().all() and not t["available"].any()


def test_signed_terms_and_by_dimension():
    f = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-03-04"] * 3),
            "channel": ["ads", "ads", "mail"],
            "revenue": [300.0, 100.0, 50.0],
            "ad_spend": [100.0, 100.0, 0.0],
        }
    )
    t = compute_kpis(f, ["roi", "revenue"], grain="week", by="channel", catalog=CAT)
    ads = t[(t.channel == "ads") & (t.kpi == "roi")].iloc[0]
    assert ads["value"] == pytest.approx((400 - 200) / 200)
    assert list(t.columns[:2]) == ["period", "channel"]
    assert (t["period"] == pd.Timestamp("2024-03-04")).all()  # a Monday
    mail = t[(t.channel == "mail") & (t.kpi == "roi")].iloc[0]
    assert math.isnan(mail["value"]) and not mail["available"]


def test_grains_start_of_period():
    d = pd.to_datetime(["2024-05-15", "2024-01-01", "2023-12-31"])
    assert list(period_start(d, "week")) == list(pd.to_datetime(["2024-05-13", "2024-01-01", "2023-12-25"]))
    assert list(period_start(d, "quarter")) == list(pd.to_datetime(["2024-04-01", "2024-01-01", "2023-10-01"]))
    assert list(period_start(d, "year")) == list(pd.to_datetime(["2024-01-01", "2024-01-01", "2023-01-01"]))
    with pytest.raises(KpiWorkbookError):
        compute_kpis(facts_two_days(), ["orders"], grain="fortnight", catalog=CAT)


def test_growth_kpi_vs_previous_period_within_group():
    f = pd.DataFrame(
        {"date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-04-01"]), "revenue": [100.0, 150.0, 200.0]}
    )  # monthly rows: each stands for its month
    t = compute_kpis(f, ["sales_growth"], grain="month", catalog=CAT)
    assert list(t["kpi"].unique()) == ["sales_growth"]  # base KPI computed but not shown
    vals = t.set_index("period")["value"]
    assert math.isnan(vals["2024-01-01"])
    assert vals["2024-02-01"] == pytest.approx(0.5)
    assert math.isnan(vals["2024-04-01"])  # March missing: no previous period, not February
    assert t.attrs["kpis"]["revenue"]["type"] == "sum"


def test_missing_measures_raise_or_skip():
    f = facts_two_days().drop(columns=["ad_spend"])
    with pytest.raises(GoalError, match="roi.*ad_spend"):
        compute_kpis(f, ["orders", "roi"], catalog=CAT)
    t = compute_kpis(f, ["orders", "roi"], catalog=CAT, missing="skip")
    assert set(t.kpi) == {"orders"} and t.attrs["skipped"] == {"roi": ["ad_spend"]}


def test_period_filter_and_breakdown_whole_window():
    f = facts_two_days()
    f.loc[1, "channel"] = "sea"
    t = breakdown(f, ["orders", "conversion_rate"], by="channel", period=("2024-01-01", "2024-01-31"), catalog=CAT)
    assert len(t) == 4 and (t["period"] == pd.Timestamp("2024-01-01")).all()
    one = compute_kpis(f, ["orders"], grain=None, catalog=CAT, period=("2024-01-02", "2024-01-02"))
    assert one["value"].tolist() == [1.0]
    assert compute_kpis(f, ["orders"], grain="month", catalog=CAT, period="2024-01")["value"].tolist() == [2.0]


def test_period_over_period_and_direction_lower_is_better():
    dates = pd.to_datetime(["2023-02-01", "2024-01-05", "2024-02-05"])
    f = pd.DataFrame(
        {
            "date": dates,
            "ad_spend": [50.0, 100.0, 90.0],
            "ad_clicks": [100.0, 100.0, 100.0],
            "revenue": [10.0, 0.0, 20.0],
        }
    )
    # single days stand for whole months here (no coverage column: the coverage rule is tested below)
    t = period_over_period(
        compute_kpis(f, ["cost_per_click", "revenue"], grain="month", catalog=CAT).drop(columns="coverage")
    )
    feb = t[(t.period == "2024-02-01") & (t.kpi == "cost_per_click")].iloc[0]
    assert feb["previous"] == pytest.approx(1.0) and feb["abs_change"] == pytest.approx(-0.1)
    assert feb["rel_change"] == pytest.approx(-0.1)
    assert feb["last_year"] == pytest.approx(0.5) and feb["yoy_rel_change"] == pytest.approx(0.8)
    assert feb["good"] is True or feb["good"] == True  # cost down = good  # noqa: E712
    rev = t[(t.period == "2024-02-01") & (t.kpi == "revenue")].iloc[0]
    assert rev["good"] == True and math.isnan(rev["rel_change"])  # previous 0: no relative change  # noqa: E712
    jan = t[(t.period == "2024-01-01") & (t.kpi == "revenue")].iloc[0]
    assert pd.isna(jan["good"])  # no previous month in the table


def pair_table():
    f = pd.DataFrame(
        {"date": pd.to_datetime(["2024-01-15", "2024-02-15"]), "leads": [100.0, 138.0], "new_customers": [20.0, 21.804]}
    )
    return compute_kpis(f, ["leads", "lead_to_customer_rate"], grain="month", catalog=CAT).drop(columns="coverage")


def test_pair_quadrant_goodhart_sentence_nl_en():
    q = pair_quadrants(pair_table(), [("leads", "lead_to_customer_rate")], catalog=CAT)
    feb = q[q.period == "2024-02-01"].iloc[0]
    assert feb["quadrant"] == "goodhart_warning"
    assert feb["volume_change"] == pytest.approx(0.38) and feb["quality_change"] == pytest.approx(-0.21)
    assert feb["message_en"] == (
        "Leads +38 % but lead to customer rate −4.2 pp: more leads at the expense of lead to customer rate"
        " — check targeting with sales."
    )  # 20 % -> 15.8 %: points, not −21 %
    assert feb["message_nl"].startswith(
        "Leads +38 % maar lead-naar-klantratio −4,2 %-punt: meer leads ten koste van lead-naar-klantratio"
    )
    assert pd.isna(q[q.period == "2024-01-01"]["quadrant"].iloc[0])


def test_pair_sentence_names_the_quality_kpi_and_a_tiny_worse_rate_is_not_zero():
    """The volume word is not repeated for the quality ('more sessions, worse sessions'), and a quality
    that counts as worse never reads '±0.0 pp': a 0.50 % rate falling to 0.49 % is −2 %, −0.01 pp."""
    f = pd.DataFrame(
        {"date": pd.to_datetime(["2024-01-15", "2024-02-15"]), "sessions": [10_000.0, 13_000.0], "orders": [50.0, 63.7]}
    )
    from kpi_helpers.spec.catalog import default_catalog

    full = default_catalog()  # the real labels
    table = compute_kpis(f, ["sessions", "conversion_rate"], grain="month", catalog=full).drop(columns="coverage")
    feb = pair_quadrants(table, [("sessions", "conversion_rate")], catalog=full).iloc[-1]
    assert feb["quadrant"] == "goodhart_warning"
    assert "−0.01 pp" in feb["message_en"] and "at the expense of conversion rate" in feb["message_en"]
    assert "−0,01 %-punt" in feb["message_nl"] and "ten koste van conversieratio" in feb["message_nl"]
    assert "±0" not in feb["message_en"] + feb["message_nl"]


@pytest.mark.parametrize(
    "leads2,cust2,expected",
    [(138, 30, "healthy_growth"), (80, 20, "efficiency"), (80, 10, "decline"), (101, 20.3, "stable")],
)
def test_pair_quadrants_all(leads2, cust2, expected):
    f = pd.DataFrame(
        {"date": pd.to_datetime(["2024-01-15", "2024-02-15"]), "leads": [100.0, leads2], "new_customers": [20.0, cust2]}
    )
    t = compute_kpis(f, ["leads", "lead_to_customer_rate"], grain="month", catalog=CAT).drop(columns="coverage")
    assert pair_quadrants(t, [("leads", "lead_to_customer_rate")])["quadrant"].iloc[1] == expected


def test_pair_respects_lower_is_better_quality():
    f = pd.DataFrame(
        {"date": pd.to_datetime(["2024-01-15", "2024-02-15"]), "ad_clicks": [100.0, 150.0], "ad_spend": [100.0, 120.0]}
    )  # clicks +50 %, CPC 1.00 -> 0.80 (better)
    t = compute_kpis(f, [kpi("ad_clicks", num="ad_clicks"), CPC], grain="month").drop(columns="coverage")
    assert pair_quadrants(t, [("ad_clicks", "cost_per_click")])["quadrant"].iloc[1] == "healthy_growth"


def test_format_change():
    assert format_change(-0.205, "nl") == "−20 %"
    assert format_change(0.0525, "nl") == "+5,2 %" or format_change(0.0525, "nl") == "+5,3 %"
    assert format_change(0.0525, "en").startswith("+5.")


# ----------------------------------------------------------------- property tests
@st.composite
def daily_facts(draw):
    n = draw(st.integers(1, 60))
    start = pd.Timestamp("2023-11-20") + pd.Timedelta(days=draw(st.integers(0, 400)))
    offsets = draw(st.lists(st.integers(0, 500), min_size=n, max_size=n))
    chans = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    num = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
    den = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "date": [start + pd.Timedelta(days=o) for o in offsets],
            "channel": chans,
            "orders": np.array(num, float),
            "sessions": np.array(den, float),
        }
    )


@settings(max_examples=examples(60), deadline=None)
@given(daily_facts(), st.sampled_from(["day", "week", "month", "quarter", "year"]))
def test_property_totals_at_any_grain_equal_daily_totals(f, grain):
    t = compute_kpis(f, ["orders", "sessions"], grain=grain, by="channel", catalog=CAT)
    for m in ("orders", "sessions"):
        assert t.loc[t.kpi == m, "value"].sum() == pytest.approx(f[m].sum())
        per_chan = t[t.kpi == m].groupby("channel")["value"].sum()
        assert per_chan.to_dict() == pytest.approx(f.groupby("channel")[m].sum().to_dict())


@settings(max_examples=examples(60), deadline=None)
@given(daily_facts(), st.sampled_from(["week", "month", "quarter", "year"]))
def test_property_coarse_ratio_is_sum_num_over_sum_den_of_parts(f, grain):
    fine = compute_kpis(f, ["conversion_rate"], grain="day", catalog=CAT)
    coarse = compute_kpis(f, ["conversion_rate"], grain=grain, catalog=CAT)
    fine["coarse"] = period_start(fine["period"], grain)
    parts = fine.groupby("coarse")[["numerator", "denominator"]].sum()
    for _, row in coarse.iterrows():
        num, den = parts.loc[row["period"]]
        if den == 0:
            assert math.isnan(row["value"]) and not row["available"]
        else:
            assert row["value"] == pytest.approx(num / den)
    assert not np.isinf(coarse["value"]).any()


def test_real_catalog_every_computable_kpi_and_pairs():
    from kpi_helpers.spec.catalog import load_catalog

    cat = load_catalog()
    dates = pd.date_range("2023-01-01", "2024-03-31")
    rng = np.random.default_rng(1)
    f = pd.DataFrame({"date": np.repeat(dates, 2), "channel": np.tile(["seo", "ads"], len(dates))})
    for m in cat.measures:
        f[m] = rng.integers(0, 20, len(f)).astype(float)
    ids = [k.id for k in cat.computable(f.columns)]
    t = compute_kpis(f, ids, grain="quarter", by="channel")
    assert set(t["kpi"]) == set(ids) and not np.isinf(t["value"]).any()
    assert str(t["channel"].dtype) == "str" and str(t["kpi"].dtype) == "str"
    q = pair_quadrants(t, [p for p in cat.pairs if set(p) <= set(ids)])
    assert set(q["quadrant"].dropna()) <= {"healthy_growth", "goodhart_warning", "efficiency", "decline", "stable"}


def test_comparisons_only_between_periods_the_data_covers():
    """Issue 11 #7: 'orders +285 % vs the same period last year' with 5 months of last year in the data."""
    days = pd.date_range("2024-08-01", "2025-12-31", freq="D")
    f = pd.DataFrame({"date": days, "orders": 1.0})
    t = period_over_period(compute_kpis(f, ["orders"], grain="year", catalog=CAT))
    y2025 = t[t.period == "2025-01-01"].iloc[0]
    assert t.set_index("period")["coverage"].to_dict() == {
        pd.Timestamp("2024-01-01"): "partial",
        pd.Timestamp("2025-01-01"): "complete",
    }
    assert math.isnan(y2025["previous"]) and math.isnan(y2025["rel_change"])  # 2024 is only 5 months of data
    q = period_over_period(compute_kpis(f, ["orders"], grain="quarter", catalog=CAT))
    q4 = q[q.period == "2025-10-01"].iloc[0]
    assert q4["yoy_rel_change"] == pytest.approx(0.0) and q4["rel_change"] == pytest.approx(0.0)
    q3 = q[q.period == "2025-07-01"].iloc[0]
    assert math.isnan(q3["yoy_rel_change"])  # Q3 2024 from Aug 1 only: partial


def test_periods_without_rows_in_a_daily_source_are_no_data_not_zero():
    """Issue 20: daily rows have a row for every day they cover; a month without any is a hole (no
    data: NaN, coverage 'empty'), never 0 orders. A covered day without a channel's row is 0."""
    f = pd.DataFrame(
        {"date": pd.to_datetime(["2024-01-10", "2024-03-10"]), "orders": [2.0, 3.0], "sessions": [100.0, 100.0]}
    )
    t = compute_kpis(f, ["orders", "conversion_rate"], grain="month", catalog=CAT)
    feb = t[t.period == "2024-02-01"].set_index("kpi")
    assert math.isnan(feb.loc["orders", "value"]) and not bool(feb.loc["orders", "available"])
    assert math.isnan(feb.loc["conversion_rate", "value"]) and not feb.loc["conversion_rate", "available"]
    assert feb.loc["orders", "coverage"] == "empty"
    days = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-02"]),
            "channel": ["seo", "seo", "email"],
            "orders": [2.0, 3.0, 1.0],
        }
    )
    by = compute_kpis(days, ["orders"], grain="day", by="channel", catalog=CAT).set_index(["period", "channel"])
    assert by.loc[(pd.Timestamp("2024-01-01"), "email"), "value"] == 0  # a covered day: no email orders


def test_monthly_rows_cover_their_whole_month():
    f = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]), "orders": [1.0, 2.0, 3.0]})
    t = compute_kpis(f, ["orders"], grain="month", catalog=CAT)
    assert (t["coverage"] == "complete").all()


def test_changes_of_percent_kpis_are_percentage_points():
    """Issue 11 #8: 'sales growth +1583 %' — a rate's change is in points."""
    from kpi_helpers.compute.engine import format_kpi_change

    assert format_kpi_change(0.01, 0.333, "percent", "en") == "+1.0 pp"
    assert format_kpi_change(-0.0126, -0.2, "percent", "nl") == "−1,3 %-punt"
    assert format_kpi_change(50.0, 0.25, "currency", "en") == "+25 %"
    f = pd.DataFrame(
        {"date": pd.to_datetime(["2024-01-15", "2024-02-15"]), "leads": [100.0, 138.0], "new_customers": [20.0, 20.0]}
    )  # lead-to-customer rate 20 % -> 14.5 %
    t = compute_kpis(f, ["leads", "lead_to_customer_rate"], grain="month", catalog=CAT).drop(columns="coverage")
    feb = pair_quadrants(t, [("leads", "lead_to_customer_rate")], catalog=CAT).iloc[1]
    assert "−5.5 pp" in feb["message_en"] and "−5,5 %-punt" in feb["message_nl"] and "+38 %" in feb["message_en"]
