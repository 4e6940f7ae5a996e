"""The metric model on export-shaped order lines, against short independent pandas computations:
distinct customers at every grain, order-level numbers that no extra column changes, product
revenue from each product's own lines, first-ever new customers under any reporting period."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_helpers.compute.engine import compute_kpis, period_start, unavailable_reason
from kpi_helpers.data.load import load_facts, read_source
from kpi_helpers.spec.catalog import Kpi

GRAINS = ["day", "week", "month", "quarter", "year"]
MAPPED = {"date": "date", "order_id": "order", "customer_id": "customer", "revenue": "amount", "quantity": "qty"}


def measure(m: str) -> Kpi:
    return Kpi(
        id=m,
        labels={"en": m, "nl": m},
        descriptions={},
        domain="sales",
        kind="performance",
        type="sum",
        numerator=((m, 1),),
    )


def export_lines(seed: int, n_orders: int = 60, n_customers: int = 15, days: int = 400) -> pd.DataFrame:
    """Order lines like a shop export: several lines per order, returning customers, refunds, gaps."""
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2024-11-20")
    for order in range(1, n_orders + 1):
        date = start + pd.Timedelta(days=int(rng.integers(0, days)))
        customer = f"C{int(rng.integers(0, n_customers)):03d}"
        channel = str(rng.choice(["email", "paid_search", "direct"]))
        campaign = str(rng.choice(["spring", "summer", ""]))
        refund = rng.random() < 0.08
        for _ in range(int(rng.integers(1, 4))):
            amount = round(float(rng.uniform(1, 80)), 2) * (-1 if refund else 1)
            rows.append(
                {
                    "date": date.strftime("%Y-%m-%d"),
                    "order": f"#{order}",
                    "customer": customer,
                    "amount": amount,
                    "qty": int(rng.integers(1, 4)),
                    "channel": channel,
                    "campaign": campaign,
                    "product": str(rng.choice(["bread", "cake", "buns", "pie"])),
                }
            )
    return pd.DataFrame(rows)


def read(tmp_path, lines: pd.DataFrame, extra: tuple[str, ...] = (), period=None, name="orders.csv"):
    path = tmp_path / name
    lines.to_csv(path, index=False)
    columns = {**MAPPED, **{d: d for d in extra}}
    return read_source({"source": str(path), "shape": "orders", "columns": columns}, period=period)


def reference(lines: pd.DataFrame, grain: str | None, by: list[str] | None = None) -> pd.DataFrame:
    """Plain pandas: real orders are orders whose lines sum to 0 or more; a customer's first order
    is the earliest real one (ties: file order); everything counted per period x by."""
    by = by or []
    df = lines.assign(date=pd.to_datetime(lines["date"]))
    order_total = df.groupby("order")["amount"].transform("sum")
    df["real"] = order_total >= 0
    firsts = df[df["real"]].drop_duplicates("order").sort_values("date", kind="stable").drop_duplicates("customer")
    df["first"] = df["order"].isin(firsts["order"])
    df["period"] = period_start(df["date"], grain) if grain else pd.Timestamp("2000-01-01")
    keys = ["period", *by]
    real = df[df["real"]]
    out = pd.DataFrame(
        {
            "revenue": df.groupby(keys)["amount"].sum(),
            "orders": real.groupby(keys)["order"].nunique(),
            "customers": real.groupby(keys)["customer"].nunique(),
            "new_customers": df[df["first"]].groupby(keys)["customer"].nunique(),
        }
    ).fillna(0.0)
    return out


def engine_table(facts, grain, by=None, kpis=("revenue", "orders", "customers", "new_customers")):
    table = compute_kpis(facts, [measure(k) if k == "new_customers" else k for k in kpis], grain=grain, by=by)
    if grain is None:
        table["period"] = pd.Timestamp("2000-01-01")
    return table.pivot_table(index=["period", *(by or [])], columns="kpi", values="value")


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), grain=st.sampled_from(GRAINS + [None]))
def test_customers_orders_and_new_customers_at_any_grain(tmp_path, seed, grain):
    lines = export_lines(seed)
    facts = read(tmp_path, lines)
    got = engine_table(facts, grain)
    want = reference(lines, grain)
    for col in want.columns:
        pd.testing.assert_series_equal(
            got[col].reindex(want.index).fillna(0.0), want[col].astype(float), check_names=False, rtol=1e-9
        )


@settings(max_examples=examples(10), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10**6),
    grain=st.sampled_from(GRAINS + [None]),
    extra=st.sampled_from([("product",), ("campaign",), ("product", "campaign")]),
)
def test_mapping_another_column_never_changes_order_or_customer_numbers(tmp_path, seed, grain, extra):
    lines = export_lines(seed)
    kpis = ("revenue", "orders", "customers", "new_customers", "average_order_value", "revenue_per_customer")
    plain = engine_table(read(tmp_path, lines, ("channel",)), grain, ["channel"], kpis)
    more = engine_table(read(tmp_path, lines, ("channel", *extra), name="more.csv"), grain, ["channel"], kpis)
    pd.testing.assert_frame_equal(plain, more, rtol=1e-9)


@settings(max_examples=examples(10), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), grain=st.sampled_from(GRAINS))
def test_revenue_by_product_from_own_lines_sums_to_total(tmp_path, seed, grain):
    lines = export_lines(seed)
    facts = read(tmp_path, lines, ("product",))
    by_product = engine_table(facts, grain, ["product"], ("revenue",))["revenue"]
    want = (
        lines.assign(period=period_start(pd.to_datetime(lines["date"]), grain))
        .groupby(["period", "product"])["amount"]
        .sum()
    )
    pd.testing.assert_series_equal(by_product.reindex(want.index), want, check_names=False, rtol=1e-9)
    total = engine_table(facts, grain, None, ("revenue",))["revenue"]
    summed = by_product.groupby(level="period").sum()
    pd.testing.assert_series_equal(summed.reindex(total.index), total, check_names=False, rtol=1e-9)


@settings(max_examples=examples(10), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), start_day=st.integers(0, 380), length=st.integers(1, 200))
def test_new_customers_are_first_ever_orders_under_any_period(tmp_path, seed, start_day, length):
    lines = export_lines(seed)
    start = pd.Timestamp("2024-11-20") + pd.Timedelta(days=start_day)
    end = start + pd.Timedelta(days=length)
    dates = pd.to_datetime(lines["date"])
    if not ((dates >= start) & (dates <= end)).any():
        return
    facts = read(tmp_path, lines, period=SimpleNamespace(start=start.date(), end=end.date()))
    window = compute_kpis(facts, [measure("new_customers")], grain=None, period=(start, end))
    ref_all = lines.assign(date=pd.to_datetime(lines["date"]))
    ref_all["real"] = ref_all.groupby("order")["amount"].transform("sum") >= 0
    firsts = (
        ref_all[ref_all["real"]].drop_duplicates("order").sort_values("date", kind="stable").drop_duplicates("customer")
    )
    expected = int(((firsts["date"] >= start) & (firsts["date"] <= end)).sum())
    assert float(window["value"].iloc[0]) == expected


def test_a_quarter_without_first_orders_has_no_new_customers(tmp_path):
    """Issue 11 #4: 4,263 'new' customers in a quarter in which nobody bought for the first time."""
    lines = pd.DataFrame(
        {
            "date": ["2025-01-05", "2025-02-10", "2025-04-03", "2025-05-06"],
            "order": ["1", "2", "3", "4"],
            "customer": ["A", "B", "A", "B"],
            "amount": [10.0, 20.0, 30.0, 40.0],
            "qty": [1, 1, 1, 1],
        }
    )
    facts = read(tmp_path, lines, period=SimpleNamespace(start=dt.date(2025, 4, 1), end=dt.date(2025, 6, 30)))
    q2 = compute_kpis(facts, [measure("new_customers"), "customers"], grain="quarter", period="2025Q2")
    assert q2.set_index("kpi")["value"].to_dict() == {"new_customers": 0.0, "customers": 2.0}


def test_monthly_customers_are_people_not_customer_days(tmp_path):
    """Issue 11 #1: a month's buying customers are the people who bought, not the sum of daily buyers."""
    lines = pd.DataFrame(
        {
            "date": ["2025-01-01", "2025-01-02", "2025-01-03"],
            "order": ["1", "2", "3"],
            "customer": ["A", "A", "B"],
            "amount": [10.0, 10.0, 10.0],
            "qty": [1, 1, 1],
        }
    )
    facts = read(tmp_path, lines)
    month = compute_kpis(facts, ["customers", "revenue_per_customer"], grain="month").set_index("kpi")["value"]
    assert month["customers"] == 2 and month["revenue_per_customer"] == 15.0
    days = compute_kpis(facts, ["customers"], grain="day")["value"]
    assert days.sum() == 3  # what the old model reported for the month


def test_distinct_counts_from_daily_aggregates_are_not_added_up(tmp_path):
    path = tmp_path / "daily.csv"
    path.write_text(
        "date,channel,customers,revenue\n2025-01-01,email,5,50\n2025-01-01,direct,3,30\n2025-01-02,email,4,40\n"
    )
    facts = read_source(str(path))
    month = compute_kpis(facts, ["customers", "revenue"], grain="month")
    assert month.set_index("kpi").loc["customers", "available"] == False  # noqa: E712
    assert np.isnan(month.set_index("kpi").loc["customers", "value"])
    assert month.set_index("kpi").loc["revenue", "value"] == 120
    reason = unavailable_reason(month, "customers", "nl")
    assert reason and "Kopende klanten" in reason and "orderregels" in reason
    assert "people" in unavailable_reason(month, "customers", "en")
    day = compute_kpis(facts, ["customers"], grain="day", by="channel")  # the source's own grain
    assert day["available"].all() and day["value"].tolist() == [3.0, 5.0, 0.0, 4.0]


def test_filtered_facts_count_only_their_own_orders(tmp_path):
    lines = export_lines(7)
    facts = read(tmp_path, lines, ("channel",))
    email = facts[facts["channel"] == "email"]
    got = compute_kpis(email, ["customers", "orders"], grain="month").pivot_table(
        index="period", columns="kpi", values="value"
    )
    sub = lines[lines["channel"] == "email"].assign(date=lambda d: pd.to_datetime(d["date"]))
    real = sub[sub.groupby("order")["amount"].transform("sum") >= 0]
    customers = real.groupby(period_start(real["date"], "month"))["customer"].nunique()
    orders = real.groupby(period_start(real["date"], "month"))["order"].nunique()
    pd.testing.assert_series_equal(
        got["customers"].reindex(customers.index), customers.astype(float), check_names=False
    )
    pd.testing.assert_series_equal(got["orders"].reindex(orders.index), orders.astype(float), check_names=False)


def test_demo_newsletter_kpis_match_pandas_reference():
    """The bundled order-line demo through load_facts, against its raw file read by plain pandas."""
    from kpi_helpers.data.demo import DEMO_SOURCES

    raw = pd.read_csv(
        DEMO_SOURCES["newsletter_orders"].path, sep=";", decimal=",", thousands=".", dtype={"Klantnummer": str}
    )
    raw = raw.rename(
        columns={
            "Datum": "date",
            "Ordernummer": "order",
            "Klantnummer": "customer",
            "Omzet": "amount",
            "Kanaal": "channel",
        }
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%d-%m-%Y").dt.strftime("%Y-%m-%d")
    facts = read_source({"source": "demo:newsletter_orders"})
    for grain in ("week", "month", "quarter"):
        got = engine_table(facts, grain)
        want = reference(raw, grain)
        for col in want.columns:
            pd.testing.assert_series_equal(
                got[col].reindex(want.index).fillna(0.0), want[col].astype(float), check_names=False, rtol=1e-9
            )
        got = engine_table(facts, grain, ["channel"])
        want = reference(raw, grain, ["channel"])
        for col in want.columns:
            pd.testing.assert_series_equal(
                got[col].reindex(want.index).fillna(0.0), want[col].astype(float), check_names=False, rtol=1e-9
            )


def test_load_facts_combines_order_sources_first_orders_over_all(tmp_path):
    shop = pd.DataFrame({"date": ["2025-03-01"], "order": ["1"], "customer": ["A"], "amount": [10.0], "qty": [1]})
    pos = pd.DataFrame({"date": ["2025-01-01"], "order": ["1"], "customer": ["A"], "amount": [5.0], "qty": [1]})
    shop.to_csv(tmp_path / "shop.csv", index=False)
    pos.to_csv(tmp_path / "pos.csv", index=False)
    config = SimpleNamespace(
        data=[{"source": str(tmp_path / n), "shape": "orders", "columns": MAPPED} for n in ("shop.csv", "pos.csv")],
        period=None,
        source_file=tmp_path / "c.yaml",
    )
    facts = load_facts(config)
    months = compute_kpis(facts, [measure("new_customers"), "orders", "customers"], grain="month")
    got = months.pivot_table(index="period", columns="kpi", values="value")
    assert got.loc["2025-01-01"].to_dict() == {"customers": 1.0, "new_customers": 1.0, "orders": 1.0}
    assert got.loc["2025-03-01"].to_dict() == {
        "customers": 1.0,
        "new_customers": 0.0,
        "orders": 1.0,
    }  # same order id, other source


def test_pacing_ratio_on_customers_uses_people(tmp_path):
    from kpi_helpers.compute.pacing import pace_goal

    lines = pd.DataFrame(
        {
            "date": ["2025-01-01", "2025-01-02", "2025-01-03"],
            "order": ["1", "2", "3"],
            "customer": ["A", "A", "B"],
            "amount": [10.0, 10.0, 10.0],
            "qty": [1, 1, 1],
        }
    )
    facts = read(tmp_path, lines)
    goal = {
        "kpi": "revenue_per_customer",
        "target": 20.0,
        "start": dt.date(2025, 1, 1),
        "deadline": dt.date(2025, 1, 31),
    }
    assert pace_goal(facts, goal).actual_to_date == 15.0  # 30 / 2 people, not 30 / 3 customer-days


NEWSLETTER_PARAMS = """client: shop
name: Shop
language: en
currency: EUR
data: {source: "demo:newsletter"}
kpis: [revenue, orders, average_order_value, customers, new_customers, revenue_per_customer, email_open_rate]
"""


def _newsletter_reference(grain: str, by: list[str]) -> pd.DataFrame:
    """The bundled newsletter demo (Dutch order-line CSV + daily e-mail stats) by plain pandas."""
    from kpi_helpers.data.demo import DEMO_SOURCES

    raw = pd.read_csv(
        DEMO_SOURCES["newsletter_orders"].path,
        sep=";",
        decimal=",",
        thousands=".",
        dtype={"Klantnummer": str, "Ordernummer": str},
    )
    raw = raw.rename(
        columns={
            "Datum": "date",
            "Ordernummer": "order",
            "Klantnummer": "customer",
            "Omzet": "amount",
            "Kanaal": "channel",
        }
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%d-%m-%Y")
    shop = reference(raw.assign(date=raw["date"].dt.strftime("%Y-%m-%d")), grain, by)
    mail = pd.read_csv(DEMO_SOURCES["newsletter_email"].path, parse_dates=["date"])
    mail["period"] = period_start(mail["date"], grain)
    sums = mail.groupby(["period", *by])[["emails_opened", "emails_delivered"]].sum()
    out = shop.join(sums, how="outer")
    out[["revenue", "orders", "customers", "new_customers"]] = out[
        ["revenue", "orders", "customers", "new_customers"]
    ].fillna(0.0)
    out["average_order_value"] = out["revenue"] / out["orders"].replace(0, np.nan)
    out["revenue_per_customer"] = out["revenue"] / out["customers"].replace(0, np.nan)
    out["email_open_rate"] = out["emails_opened"] / out["emails_delivered"].replace(0, np.nan)
    return out


@pytest.mark.parametrize("grain", GRAINS)
@pytest.mark.parametrize("by", [None, "channel"])
def test_kpis_output_on_bundled_demo_matches_pandas(tmp_path, grain, by):
    from kpi_helpers.run.validate import kpi_table_for_client

    params = tmp_path / "shop.yaml"
    params.write_text(NEWSLETTER_PARAMS)
    table = kpi_table_for_client(params, grain=grain, by=by)
    keys = ["period", *([by] if by else [])]
    got = table.pivot_table(index=keys, columns="kpi", values="value", dropna=False)
    want = _newsletter_reference(grain, [by] if by else [])
    kpis = [
        "revenue",
        "orders",
        "average_order_value",
        "customers",
        "new_customers",
        "revenue_per_customer",
        "email_open_rate",
    ]
    want = want.reindex(got.index)  # periods x channels without any row: counts 0, ratios not available
    counts = ["revenue", "orders", "customers", "new_customers"]
    want[counts] = want[counts].fillna(0.0)
    for kid in kpis:
        np.testing.assert_allclose(
            got[kid].to_numpy(float),
            want[kid].to_numpy(float),
            rtol=1e-9,
            equal_nan=True,
            err_msg=f"{kid} at {grain} by {by}",
        )
    assert table["complete"].dtype == bool
    last = table[table["period"] == table["period"].max()]
    # the data end on Wednesday 2026-09-30: that week and year are partial, the day, month and quarter complete
    assert last["complete"].all() == (grain in ("day", "month", "quarter"))
