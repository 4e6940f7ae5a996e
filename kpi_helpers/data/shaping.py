"""Normalising client exports into the canonical columns `kpi_helpers.data.load` understands.

Runs between reading a file (`kpi_helpers.data.readers`) and mapping/validating its columns
(`kpi_helpers.data.load`). Every capability is a params field of a data source, usable with or
without a preset (`kpi_helpers.data.presets`); docs/presets.md has examples.

Extra column roles (under `columns:`, next to date, order_id, customer_id, revenue, ...):

* `price` — a line's unit price: revenue = price x quantity (quantity 1 when not mapped), unless
  `revenue` is mapped too (then `revenue` is the order amount and price x quantity only weighs lines).
* `status` with `include_status` / `exclude_status` — only the listed values count (case-insensitive).
* `cancelled` — a row whose `cancelled` cell is filled (a cancellation date) is left out.
* `refunded` — subtracted from revenue. `tax`, `shipping` — subtracted with `revenue_basis: net`.

Decisions:

* `line_items: true`: one row per line item, the order-level fields (date, customer, channel,
  campaign, coupon, status, cancelled and the amounts revenue/refunded/tax/shipping) given on the
  order's first row; empty cells of later rows take the first row's value. The order's amount
  (revenue, or the sum of its lines' price x quantity, minus refunded) is spread over its lines by
  their price x quantity (by quantity without a price, equally without either), so every line
  carries its share: order totals are exact and a product's revenue is its lines' share of the
  order (discounts, shipping and refunds included pro rata).
* `revenue_basis: net`: amount x (amount - tax - shipping) / amount, minus the refund taken out
  in the same proportion (a refund includes its taxes): a fully refunded order nets 0, never less.
* `one_line_per_order: true`: no order id; each line is an order of its own (id `line:<file>:<line>`).
* `blank_is_zero: true`: an empty cell in a measure column is 0 (ad exports leave zero days blank).
* `shape: events`: one row per event (a session, a booking); rows are counted per day x dims into
  the `count_as` measure and any mapped measure columns are summed.
* Several files (`source: exports/orders-*.csv`): read in name order; an order id found in a later
  file replaces the earlier file's lines of that order (`orders`), a date found in a later file
  replaces the earlier file's rows of that date (`daily`, `events`).
* `measures: [...]` on a source: only those measures come from it (others are dropped).
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from kpi_helpers.data.readers import ProblemCollector, Rows, SourceSpec, parse_numbers

EXTRA_ROLES = ("price", "status", "cancelled", "refunded", "tax", "shipping")
AMOUNT_ROLES = ("revenue", "refunded", "tax", "shipping")
ORDER_LEVEL = ("date", "customer_id", "channel", "campaign", "coupon", "status", "cancelled", *AMOUNT_ROLES)
LINE_ORDER_ID = "(line number)"


def split_roles(spec: SourceSpec) -> tuple[SourceSpec, dict[str, str]]:
    """The spec without the extra roles, and the extra roles (ours -> their column)."""
    extras = {k: v for k, v in spec.columns.items() if k in EXTRA_ROLES}
    if not extras:
        return spec, {}
    return replace(spec, columns={k: v for k, v in spec.columns.items() if k not in EXTRA_ROLES}), extras


def check_options(spec: SourceSpec, extras: dict[str, str], out: ProblemCollector) -> None:
    """Options that do not fit together or the shape; errors name the field."""
    orders_only = {
        "line_items": spec.line_items,
        "one_line_per_order": spec.one_line_per_order,
        "revenue_basis": spec.revenue_basis,
    }
    if spec.shape != "orders":
        for name, value in orders_only.items():
            if value:
                out.error(name, f"`{name}` is only for `shape: orders`")
        for role in ("price", "refunded", "tax", "shipping"):
            if role in extras:
                out.error(f"columns.{role}", f"'{role}' is only for `shape: orders`")
    if spec.one_line_per_order and "order_id" in spec.columns:
        out.error("one_line_per_order", "each line is its own order, so leave out `columns.order_id` (or this option)")
    if spec.one_line_per_order and spec.line_items:
        out.error("line_items", "`line_items` and `one_line_per_order` exclude each other")
    if (spec.include_status or spec.exclude_status) and "status" not in extras:
        out.error("include_status", "name the status column: `columns: {status: <column>}`")
    if spec.revenue_basis == "net" and not ({"tax", "shipping"} & set(extras)):
        out.error("revenue_basis", "net revenue needs `columns.tax` and/or `columns.shipping` to subtract")
    if spec.shape == "events":
        from kpi_helpers.data.facts import known_measures

        if not spec.count_as:
            out.error("count_as", "`shape: events` counts rows into a measure: add e.g. `count_as: sessions`")
        elif spec.count_as not in known_measures():
            close = difflib.get_close_matches(spec.count_as, sorted(known_measures()), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            out.error("count_as", f"'{spec.count_as}' is not a known measure{hint}")
    elif spec.count_as:
        out.error("count_as", "`count_as` is only for `shape: events`")


def _their(raw: pd.DataFrame, name: str) -> str | None:
    if name in raw.columns:
        return name
    lowered = {str(c).lower(): c for c in raw.columns}
    return lowered.get(name.lower())


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype("str").str.strip().isin(["", "nan", "None"]))


def normalise(
    raw: pd.DataFrame,
    lines: pd.Series,
    spec: SourceSpec,
    extras: dict[str, str],
    out: ProblemCollector,
    file_index: int = 0,
) -> tuple[pd.DataFrame, pd.Series, dict[str, str]] | None:
    """Rows kept and the columns to map (ours -> theirs, including computed columns); None on errors."""
    columns = dict(spec.columns)
    roles = {**columns, **extras}
    found: dict[str, str] = {}
    before = len(out.problems)
    for ours, theirs in roles.items():
        col = _their(raw, theirs)
        if col is None:
            if ours in extras:
                close = difflib.get_close_matches(theirs, [str(c) for c in raw.columns], n=2)
                hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                out.error(theirs, f"column '{theirs}' (mapped to {ours}) is not in the file{hint}")
            continue  # a missing canonical column is reported by the column mapping
        found[ours] = col
    if len(out.problems) > before:
        return None
    raw = raw.copy()
    if spec.blank_is_zero:
        from kpi_helpers.data.facts import known_measures

        for ours, col in found.items():
            if ours in known_measures():
                raw[col] = raw[col].where(~_blank(raw[col]), "0")
    if spec.one_line_per_order:
        raw[LINE_ORDER_ID] = [f"line:{file_index}:{n}" for n in lines]
        columns["order_id"] = found["order_id"] = LINE_ORDER_ID
    if spec.shape == "orders" and "order_id" in found and not spec.line_items and "revenue" in found:
        if _looks_like_line_items(raw, lines, found, out):
            return None
    if spec.line_items and "order_id" in found:
        key = _order_codes(raw, found)
        for ours in ORDER_LEVEL:
            if ours in found:
                col = found[ours]
                cells = raw[col].where(~_blank(raw[col]))
                raw[col] = cells.groupby(key, sort=False).transform("first").where(lambda v: v.notna(), raw[col])
    keep = pd.Series(True, index=raw.index)
    if "status" in found:
        status = raw[found["status"]].astype("str").str.strip().str.casefold()
        if spec.include_status:
            keep &= status.isin([s.strip().casefold() for s in spec.include_status])
        if spec.exclude_status:
            keep &= ~status.isin([s.strip().casefold() for s in spec.exclude_status])
    if "cancelled" in found:
        keep &= _blank(raw[found["cancelled"]])
    raw, lines = raw[keep], lines[keep.to_numpy()]
    if raw.empty:
        out.error(found.get("status"), "no rows left after leaving out the excluded statuses and cancelled orders")
        return None
    if spec.shape == "orders" and ({"price", "refunded", "tax", "shipping"} & set(found) or spec.line_items):
        revenue = _revenue(raw, lines, spec, found, out)
        if revenue is None:
            return None
        name, values = revenue
        raw[name] = values
        columns["revenue"] = name
    return raw, lines, columns


def _order_codes(raw: pd.DataFrame, found: dict[str, str]) -> pd.Series:
    """One integer per order id (grouping by integers is much faster than by strings)."""
    codes, _ = pd.factorize(raw[found["order_id"]].astype("str").str.strip())
    return pd.Series(codes, index=raw.index)


def _looks_like_line_items(raw: pd.DataFrame, lines: pd.Series, found: dict[str, str], out: ProblemCollector) -> bool:
    """Order totals only on each order's first row (Shopify): say `line_items: true`, not 'empty values'."""
    key = raw[found["order_id"]].astype("str").str.strip()
    later = key.duplicated(keep="first")
    empty = _blank(raw[found["revenue"]])
    if later.any() and empty.any() and (empty == later).all():
        out.error(
            found["revenue"],
            f"'{found['revenue']}' is empty on {int(empty.sum()):,} rows that repeat an order of an "
            "earlier row: this looks like one row per line item with the order's amounts on its first row; "
            "add `line_items: true` to this data source",
            Rows(lines[empty.to_numpy()].tolist()),
        )
        return True
    return False


def _amount(
    raw: pd.DataFrame, lines: pd.Series, spec: SourceSpec, col: str, out: ProblemCollector, blank_zero: bool
) -> pd.Series | None:
    codes, uniques = pd.factorize(raw[col], use_na_sentinel=False)  # parse each distinct text once
    parsed = parse_numbers(pd.Series(uniques, dtype=object), spec).to_numpy()
    values = pd.Series(parsed[codes], index=raw.index)
    empty = _blank(raw[col])
    if blank_zero:
        values = values.where(~empty, 0.0)
    elif empty.any():
        out.error(col, "empty amounts; write 0 where there is none", Rows(lines[empty.to_numpy()].tolist()))
        return None
    bad = values.isna() | np.isinf(values)
    if bad.any():
        from kpi_helpers.data.readers import number_hint, value_examples

        out.error(
            col,
            f"values that are not numbers: {value_examples(raw[col][bad])}{number_hint(raw[col][bad], spec)}",
            Rows(lines[bad.to_numpy()].tolist()),
        )
        return None
    return values


def _revenue(
    raw: pd.DataFrame, lines: pd.Series, spec: SourceSpec, found: dict[str, str], out: ProblemCollector
) -> tuple[str, pd.Series] | None:
    """(a name for the computed revenue column, its values per row)."""
    parts: dict[str, pd.Series] = {}
    for role in ("price", "quantity", *AMOUNT_ROLES):
        if role in found:
            got = _amount(raw, lines, spec, found[role], out, blank_zero=role in ("refunded", "tax", "shipping"))
            if got is None:
                return None
            parts[role] = got
    quantity = parts.get("quantity", pd.Series(1.0, index=raw.index))
    line_value = parts["price"] * quantity if "price" in parts else None
    if "revenue" not in parts and line_value is None:
        out.error("revenue", "map `columns.revenue` (or `columns.price` with `columns.quantity`)")
        return None
    zero = pd.Series(0.0, index=raw.index)
    refunded, tax, shipping = (parts.get(r, zero) for r in ("refunded", "tax", "shipping"))
    if "revenue" in parts:
        label = found["revenue"]
    else:
        label = f"{found['price']} × {found['quantity']}" if "quantity" in found else found["price"]
    label += "".join(f" − {found[r]}" for r in ("refunded",) if r in found)
    net = spec.revenue_basis == "net"
    if net:
        label += " (net of " + " and ".join(found[r] for r in ("tax", "shipping") if r in found) + ")"
    if spec.line_items:  # order amounts, given once per order: computed per order, spread over its lines
        key = _order_codes(raw, found)
        per_order = key.groupby(key, sort=False)
        if "revenue" in parts:
            base = parts["revenue"].groupby(key, sort=False).transform("first")
        else:
            assert line_value is not None  # price is mapped when revenue is not (checked above)
            base = line_value.groupby(key, sort=False).transform("sum")
        first_refunded, first_tax, first_shipping = (
            v.groupby(key, sort=False).transform("first") for v in (refunded, tax, shipping)
        )
        amount = _net_amount(base, first_refunded, first_tax, first_shipping, net)
        weight = (line_value if line_value is not None else quantity).clip(lower=0)
        total = weight.groupby(key, sort=False).transform("sum")
        count = per_order.transform("size").astype(float)
        amount = amount * (weight / total).where(total > 0, 1.0 / count)
    else:
        base = parts["revenue"] if "revenue" in parts else line_value
        amount = _net_amount(base, refunded, tax, shipping, net)
    return label, amount.astype(float)


def _net_amount(base: pd.Series, refunded: pd.Series, tax: pd.Series, shipping: pd.Series, net: bool) -> pd.Series:
    """base - refunded; net: without taxes and shipping, the refund taken out pro rata (it includes its taxes)."""
    gross = base - refunded
    if not net:
        return gross
    share = ((base - tax - shipping) / base).where(base != 0, 0.0)
    return gross * share


# ---------------------------------------------------------------- after parsing


def combine_files(parts: list[tuple[pd.DataFrame, pd.Series]], shape: str) -> tuple[pd.DataFrame, pd.Series]:
    """Tables of several files of one source (in name order); the later file wins overlapping orders/dates."""
    if len(parts) == 1:
        return parts[0]
    key = "order_id" if shape == "orders" else "date"
    seen: set[Any] = set()
    kept: list[tuple[pd.DataFrame, pd.Series]] = []
    for table, lines in reversed(parts):
        if key not in table:
            kept.append((table, lines))
            continue
        mine = set(table[key].unique())
        fresh = ~table[key].isin(seen)
        kept.append((table[fresh], lines[fresh.to_numpy()]))
        seen |= mine
    kept.reverse()
    table = pd.concat([t for t, _ in kept], ignore_index=True)
    table.attrs = dict(parts[-1][0].attrs)
    lines = pd.Series(np.concatenate([ln.to_numpy() for _, ln in kept]), index=table.index)
    return table, lines


def events_to_daily(table: pd.DataFrame, lines: pd.Series, spec: SourceSpec) -> tuple[pd.DataFrame, pd.Series]:
    """One row per day x dims: the number of events as `count_as`, mapped measures summed."""
    from kpi_helpers.data.facts import DIMENSIONS

    dims = [d for d in DIMENSIONS if d in table]
    measures = [c for c in table.columns if c not in ("date", *dims)]
    grouped = table.assign(_line=lines.to_numpy()).groupby(["date", *dims], sort=True)
    daily = grouped[measures].sum() if measures else pd.DataFrame(index=grouped.size().index)
    daily[str(spec.count_as)] = grouped.size().astype(float)
    first = grouped["_line"].min()
    daily = daily.reset_index()
    daily.attrs = dict(table.attrs)
    return daily, pd.Series(first.to_numpy(), index=daily.index)


def limit_measures(facts: pd.DataFrame, spec: SourceSpec, out: ProblemCollector) -> pd.DataFrame | None:
    """Only the measures listed in the source's `measures:` (an error names what the source has)."""
    if spec.measures is None:
        return facts
    from kpi_helpers.data.facts import DIMENSIONS

    dims = [c for c in facts.columns if c == "date" or c in DIMENSIONS]
    have = [c for c in facts.columns if c not in dims]
    missing = [m for m in spec.measures if m not in have]
    if missing:
        out.error("measures", f"this source has no {', '.join(missing)}; it gives: {', '.join(have)}")
        return None
    return facts[[*dims, *[m for m in have if m in spec.measures]]]
