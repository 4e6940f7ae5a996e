"""The facts a client's KPIs are computed from: additive daily rows plus, for order-line sources,
the order table that non-additive measures are counted from.

`Facts` is a DataFrame (one row per date x dimension values, additive measures such as revenue
and units) that carries `order_table`: one row per order x product (per order when there is no
product column) with the order's date, order-level dimensions, customer and flags. Customers,
orders and new customers are distinct counts: summing them from daily rows counts the same
customer once per day (customer-days), so the engine counts them from this table at the grain
and dimensions asked (`kpi_helpers.compute.engine`).

Order table columns: `date`, the dimensions, `order` and `customer` (int codes), `real` (not a
refund note: an order whose lines sum below 0), `first` (the customer's first-ever real order in
ALL of the client's data, by date then file position), `lead` (the order's first row, so an order
counts once when products are not asked for) and `row` (the index label of the facts row the
order's product lines sit in, so a filtered or windowed `Facts` restricts its orders too).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kpi_helpers.spec.vocab import DIMENSIONS

NONE_VALUE = "(none)"
MEASURES = (
    "sessions", "organic_visitors",
    "orders", "revenue", "customers", "new_customers", "returning_customers", "repeat_orders", "units_sold",
    "accounts_created", "new_followers",
    "leads", "intro_calls", "quotes", "quote_value",
    "subscribers_new", "unsubscribes", "emails_delivered", "emails_opened", "email_clicks",
    "ad_impressions", "ad_clicks", "ad_spend",
    "units_produced", "defective_units", "production_hours", "deliveries", "deliveries_on_time",
    "tickets_handled", "tickets_resolved_first_contact", "handling_minutes", "survey_responses", "satisfied_responses",
    "hires", "hires_cohort_12m", "hires_retained_12m", "sick_days", "scheduled_days", "headcount_days", "leavers",
)  # fmt: skip


def known_measures() -> set[str]:
    names = set(MEASURES)
    try:  # the catalog may define more measures than this module knows about
        from kpi_helpers.spec.catalog import load_catalog

        names |= set(load_catalog().measures)
    except Exception:  # noqa: BLE001 - catalog not available or broken: its own checks report that
        pass
    return names


#: Measures counted from the order table when a client has order lines.
ORDER_MEASURES = ("orders", "customers", "new_customers", "returning_customers", "repeat_orders")


class Facts(pd.DataFrame):
    """Daily additive facts that also carry the order table (see module docstring)."""

    _metadata = ["order_table", "order_source"]
    order_table: pd.DataFrame | None
    order_source: pd.DataFrame | None  # the order lines as read (ids as text), to combine sources again

    @property
    def _constructor(self) -> Any:
        return Facts


def order_table_of(facts: pd.DataFrame) -> pd.DataFrame | None:
    """The order table of `facts` restricted to the rows `facts` still has (None without one).

    A filtered or windowed Facts keeps its index labels, so its orders are those whose `row`
    is still in the index. Returns None when the link is broken (e.g. after `reset_index`):
    the engine then reports the order-level measures as not available instead of guessing."""
    table = getattr(facts, "order_table", None)
    if table is None or "row" not in table:
        return None
    n_full = int(table.attrs.get("fact_rows", -1))
    index = facts.index
    if len(index) == n_full and isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return table
    rows = table["row"].to_numpy()
    keep = np.isin(rows, index.to_numpy())
    part = table[keep]
    if len(part):
        dates = facts["date"].reindex(part["row"].to_numpy()).to_numpy()
        if not np.array_equal(dates, part["date"].to_numpy()):
            return None
    return part


def finish_orders(facts: pd.DataFrame, raw_tables: list[pd.DataFrame]) -> Facts:
    """Facts with the combined order table of several order-line sources: flags computed over
    all of them together (a customer's first order is first in ALL the client's data), codes for
    fast counting, and the per-row order-level columns (each row's own distinct counts, for
    display; the engine never sums them)."""
    out = Facts(facts)
    out.order_table = out.order_source = None
    if not raw_tables:
        return out
    dims = [d for d in DIMENSIONS if d in facts.columns]
    parts = []
    for i, raw in enumerate(raw_tables):
        raw = raw.assign(_source=i)
        for dim in dims:
            if dim not in raw:
                raw[dim] = NONE_VALUE
        parts.append(raw)
    t = pd.concat(parts, ignore_index=True)
    out.order_source = t.drop(columns="_source")
    # overlapping files of one source: an order id seen twice in different sources stays two orders
    if len(raw_tables) > 1:
        t["order_id"] = t["_source"].astype("str") + ":" + t["order_id"].astype("str")
        t["_pos"] = t["_pos"] + t["_source"] * 10**12
    t["order_key"] = t["order_id"]
    t = t.sort_values(["date", "_source", "_pos"], kind="stable").reset_index(drop=True)
    order_codes, _ = pd.factorize(t["order_key"])
    customer_codes, _ = pd.factorize(t["customer_id"])
    real = t["_real"].to_numpy(dtype=bool)
    lead = ~pd.Series(order_codes).duplicated().to_numpy()
    # first real order of each customer: rows are sorted by date, then source and file position
    first_order = np.full(customer_codes.max() + 1 if len(t) else 0, -1, dtype=np.int64)
    real_leads = np.flatnonzero(real & lead)
    cust = customer_codes[real_leads]
    _, first_pos = np.unique(cust, return_index=True)
    first_order[cust[first_pos]] = order_codes[real_leads[first_pos]]
    first = real & (first_order[customer_codes] == order_codes)
    keys = ["date", *dims]
    row_index = pd.MultiIndex.from_frame(out[keys]).get_indexer(pd.MultiIndex.from_frame(t[keys]))
    if (row_index < 0).any():  # every order row lies in a facts row by construction
        raise AssertionError("order table rows without a facts row")
    table = pd.DataFrame(
        {
            "date": t["date"].to_numpy(dtype="datetime64[ns]"),
            **{d: t[d].to_numpy() for d in dims},
            "order": order_codes.astype(np.int64),
            "customer": customer_codes.astype(np.int64),
            "real": real,
            "first": first,
            "lead": lead,
            "row": out.index.to_numpy()[row_index],
        }
    )
    table.attrs["fact_rows"] = len(out)
    out.order_table = table
    per_row = count_orders(table, table["row"].to_numpy(), len(out), by_product=True)
    for name, values in per_row.items():
        out[name] = values
    return out


def count_orders(table: pd.DataFrame, key: np.ndarray, n: int, by_product: bool) -> dict[str, np.ndarray]:
    """Order-level measures per group: `key` gives each order-table row's group (0..n-1).

    Orders, repeat orders and new customers count each order once per group; customers count
    each person once per group. With `by_product` an order counts in every product group it has
    a line in (orders containing the product), else only its lead row counts."""
    real = table["real"].to_numpy()
    first = table["first"].to_numpy()
    order = table["order"].to_numpy()
    customer = table["customer"].to_numpy()
    if by_product:

        def distinct(mask: np.ndarray, ids: np.ndarray) -> np.ndarray:
            return _distinct_per_group(key[mask], ids[mask], n)

        orders = distinct(real, order)
        repeat = distinct(real & ~first, order)
        new = distinct(first, customer)
    else:
        lead = table["lead"].to_numpy()
        orders = np.bincount(key[real & lead], minlength=n).astype(float)
        repeat = np.bincount(key[real & lead & ~first], minlength=n).astype(float)
        new = np.bincount(key[first & lead], minlength=n).astype(float)
    customers = _distinct_per_group(key[real], customer[real], n)
    return {
        "orders": orders,
        "customers": customers,
        "new_customers": new,
        "returning_customers": customers - new,
        "repeat_orders": repeat,
    }


def _distinct_per_group(group: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    if not len(group):
        return np.zeros(n)
    width = int(ids.max()) + 1
    pairs = np.sort(group.astype(np.int64) * width + ids.astype(np.int64))  # a sort beats hashing here
    first = np.empty(len(pairs), dtype=bool)
    first[0] = True
    np.not_equal(pairs[1:], pairs[:-1], out=first[1:])
    return np.bincount(pairs[first] // width, minlength=n).astype(float)
