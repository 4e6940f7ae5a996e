"""kpi_helpers.data.demo: deterministic demo data with the stories the notebooks tell."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi_helpers.compute.engine import compute_kpis
from kpi_helpers.data.demo import DEMO_DIR, DEMO_SOURCES, generate
from kpi_helpers.data.load import load_demo


@pytest.fixture(scope="module")
def facts() -> dict[str, pd.DataFrame]:
    return {name: load_demo(name) for name in ("webshop", "b2b", "newsletter")}


def monthly(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    return frame.groupby(frame["date"].dt.to_period("M"))[cols].sum()


def test_regenerating_gives_identical_bytes(tmp_path):
    written = generate(tmp_path)
    assert set(written) == set(DEMO_SOURCES)
    for name, path in written.items():
        committed = DEMO_DIR / DEMO_SOURCES[name].file
        assert path.read_bytes() == committed.read_bytes(), f"{name}: run `python -m kpi_helpers.data.demo` and commit"


def test_demo_data_is_small():
    total = sum((DEMO_DIR / s.file).stat().st_size for s in DEMO_SOURCES.values())
    assert total < 4 * 1024 * 1024


def test_all_demo_data_ends_on_the_same_day(facts):
    for frame in facts.values():
        assert frame["date"].min() == pd.Timestamp("2024-01-01")
        assert frame["date"].max() == pd.Timestamp("2026-09-30")


def test_webshop_seasonality_and_weekend(facts):
    shop = facts["webshop"]
    m = monthly(shop[shop["date"].dt.year == 2025], ["revenue"])["revenue"]
    by_month = dict(zip(m.index.month, m))
    mean = m.mean()
    assert by_month[11] > 1.3 * mean and by_month[12] > 1.3 * mean  # peak Nov/Dec
    assert by_month[2] == m.min()  # quiet February
    sessions = shop.groupby(shop["date"].dt.day_of_week)["sessions"].sum()
    assert sessions[6] > 1.1 * sessions[4]  # Sunday evening browsing beats Friday
    assert sessions[5] == sessions.min()  # Saturday is the quietest


def test_webshop_channels_campaigns_coupons(facts):
    shop = facts["webshop"]
    assert set(shop["channel"]) == {"organic_search", "paid_search", "social", "email", "referral", "direct"}
    paid = shop[shop["ad_spend"] > 0]
    assert set(paid["channel"]) == {"paid_search", "social"}
    assert {"brand", "generic", "retargeting", "black_friday"} <= set(paid["campaign"])
    assert {"NIEUWSBRIEF10", "WELKOM10", "BLACKFRIDAY"} <= set(shop["coupon"])


def test_webshop_growth_and_repeat_slide(facts):
    shop = facts["webshop"]
    ytd = shop[shop["date"].dt.month <= 9].groupby(shop["date"].dt.year)[["revenue", "orders", "repeat_orders"]].sum()
    assert ytd.loc[2026, "revenue"] > 1.1 * ytd.loc[2025, "revenue"]
    rate = ytd["repeat_orders"] / ytd["orders"]
    assert rate[2026] < rate[2025] - 0.05


def test_b2b_quiet_summer_and_christmas(facts):
    b2b = facts["b2b"]
    m = monthly(b2b[b2b["date"].dt.year == 2025], ["sessions"])["sessions"]
    by_month = dict(zip(m.index.month, m))
    busy = (by_month[9] + by_month[10]) / 2
    assert by_month[7] < 0.7 * busy and by_month[8] < 0.7 * busy
    day = b2b.groupby("date")["sessions"].sum()
    late_dec = day["2025-12-22":"2025-12-31"].mean()
    early_dec = day["2025-12-01":"2025-12-12"].mean()
    assert late_dec < 0.6 * early_dec
    weekend = day[day.index.day_of_week >= 5].mean()
    assert weekend < 0.35 * day[day.index.day_of_week < 5].mean()


def test_b2b_goodhart_more_leads_worse_leads(facts):
    b2b = facts["b2b"]
    cols = ["leads", "quotes", "new_customers"]
    window = b2b[b2b["date"].dt.month.between(3, 9)]
    y = window.groupby(window["date"].dt.year)[cols].sum()
    assert y.loc[2026, "leads"] > 1.6 * y.loc[2025, "leads"]  # leads rise strongly
    l2c = y["new_customers"] / y["leads"]
    quotes_per_lead = y["quotes"] / y["leads"]
    assert l2c[2026] < 0.6 * l2c[2025]  # ... while each lead is worth far less
    assert quotes_per_lead[2026] < 0.7 * quotes_per_lead[2025]
    # visible month by month, not only in a total
    m = monthly(b2b, cols)
    for month in range(3, 10):
        now, before = m.loc[pd.Period(f"2026-{month:02d}", "M")], m.loc[pd.Period(f"2025-{month:02d}", "M")]
        assert now["leads"] > before["leads"]
        assert now["new_customers"] / now["leads"] < before["new_customers"] / before["leads"]
    leadgen = b2b[b2b["campaign"] == "leadgen"]
    assert leadgen["date"].min() == pd.Timestamp("2026-03-01") and leadgen["channel"].eq("social").all()


def test_newsletter_orders_and_list(facts):
    shop = facts["newsletter"]
    orders = compute_kpis(shop, ["orders"], grain="day").set_index("period")["value"]
    assert orders.between(12, 45).all() and 15 <= orders.mean() <= 40
    assert orders[orders.index.day_of_week == 3].mean() > orders[orders.index.day_of_week == 0].mean()  # send day
    y = shop.groupby(shop["date"].dt.year)[
        ["emails_opened", "emails_delivered", "subscribers_new", "unsubscribes"]
    ].sum()
    open_rate = y["emails_opened"] / y["emails_delivered"]
    assert open_rate[2024] > open_rate[2025] > open_rate[2026]
    assert (y["subscribers_new"] > y["unsubscribes"]).all()
    dec = monthly(shop[shop["date"].dt.year == 2025], ["revenue"])["revenue"]
    assert dec.idxmax().month == 12
    assert {"NIEUWSBRIEF", "KERST10"} <= set(shop["coupon"])
