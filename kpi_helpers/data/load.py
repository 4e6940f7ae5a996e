"""Client data sources into validated tidy daily facts (CSV, Excel, Parquet or bundled demo data).

Reading the files and parsing dates and numbers is `kpi_helpers.data.readers`; this module maps the
columns, validates the values, derives facts from the `daily` or `orders` shape, combines sources
and applies the reporting period.

Facts contract (docs/architecture.md): one row per `date` (datetime64[ns], midnight) x dimension
values, dimension columns from {channel, campaign, coupon, product} (dtype str, missing values
'(none)'), float measure columns with canonical names. Every measure is additive.

Validation happens before any KPI is computed. Every problem is collected (file, column, the
first offending rows as 1-based line numbers: header = line 1, first data row = line 2; for
Excel the sheet row, for Parquet the 1-based record number), then `load_facts` raises one
`DataValidationError` listing them all. Warnings never raise.

Decisions (documented here because the notebooks and the CLI rely on them; the ones about
reading dates, numbers and CSV lines are in `kpi_helpers.data.readers`):

* Empty cells in a measure column are an **error** (a blank silently shrinks a sum; write 0 when
  nothing happened). Empty dimension cells become '(none)'.
* Combining sources (`min_count=1`): a measure that a source does not have stays NaN for that
  source's rows; after summing per date x dims, a cell is NaN only when *no* source in that cell
  knows the measure. NaN means "unknown", never 0.
* Negative values: an error for every count. In the `daily` shape a negative `revenue` (or
  `quote_value`) is a warning (a day where refunds exceed sales). In the `orders` shape negative
  revenue lines are refunds and allowed: they reduce revenue; an order whose lines sum to less
  than 0 is a refund note, not an order (it does not count in orders or customers).
* Dates outside `config.period` are a **warning** and those rows are left out of the facts (the
  period is the data window to report on; set `period.start` early enough for baselines). A
  source that has *no* row inside the period is an **error** (nothing left to report on).
* A measure value larger than 1e15 in size is an error (totals would lose precision or overflow).
* Gaps: a day without any row in a `daily` source is a warning; in the `orders` shape a quiet
  day is normal, so only a run of 7+ days without orders is a warning. The same runs are holes for
  the engine: periods without covered days are "no data", not 0 (`kpi_helpers.data.coverage`).
* Orders shape: lines are summed per order; an order's dimensions are those of its first line
  (a warning when lines of one order disagree), its `product` is the product of its largest line
  (so `orders` stays additive over products). A customer's first order (by date, then file
  order) makes them a new customer; every later order is a repeat order, even on the same day.
  `returning_customers` = `customers` - `new_customers` per cell. An empty customer id (guest
  checkout) is a warning; each such order counts as its own one-time customer.
* Duplicate rows for the same date x dims in a `daily` source are an error (sum them in the
  export, or add the column that tells them apart).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpi_helpers.data.coverage import combined_coverage, source_coverage
from kpi_helpers.data.facts import (
    DIMENSIONS,
    MEASURES,
    NONE_VALUE,
    ORDER_MEASURES,
    Facts,
    finish_orders,
    known_measures,
)
from kpi_helpers.data.presets import apply_preset
from kpi_helpers.data.readers import (
    FIRST_DATE,
    FIRST_EXCEL_DATE,
    LAST_DATE,
    MAX_ROWS_SHOWN,
    ProblemCollector,
    Rows,
    SourceSpec,
    dates_out_of_range,
    excel_or_parquet,
    guess_date_format,
    number_hint,
    parse_dates,
    parse_numbers,
    read_raw,
    resolve_source,
    source_files,
    source_label,
    source_spec,
    value_examples,
)
from kpi_helpers.data.shaping import (
    check_options,
    combine_files,
    events_to_daily,
    limit_measures,
    normalise,
    split_roles,
)
from kpi_helpers.data.sources import same_measure_warnings, source_summary
from kpi_helpers.exceptions import DataProblem, DataValidationError

SHAPES = ("daily", "orders", "events")
MAY_BE_NEGATIVE = {"revenue", "quote_value"}
ORDER_FIELDS = ("order_id", "customer_id", "quantity")
ORDER_REQUIRED = ("date", "order_id", "customer_id", "revenue")
GAP_DAYS_ORDERS = 7
MAX_ABS_VALUE = 1e15  # larger measure values are export errors; sums of them lose precision or overflow to inf

# Common names in (Dutch and English) exports, used only to *suggest* a mapping, never applied silently.
_SYNONYMS = {
    "date": ["datum", "dag", "day", "orderdatum", "besteldatum", "order date", "created_at", "timestamp"],
    "order_id": ["ordernummer", "order", "bestelnummer", "order number", "order_number", "ordernr"],
    "customer_id": ["klantnummer", "klant", "customer", "klant_id", "customer number", "email"],
    "revenue": ["omzet", "bedrag", "totaal", "total", "amount", "sales", "price", "prijs"],
    "quantity": ["aantal", "qty", "stuks", "units"],
    "channel": ["kanaal", "source", "bron", "medium"],
    "campaign": ["campagne"],
    "coupon": ["kortingscode", "coupon code", "discount code", "voucher"],
    "product": ["artikel", "item", "productnaam", "sku"],
    "sessions": ["bezoeken", "sessies", "visits"],
}


# ---------------------------------------------------------------- small helpers


def _rows(mask: pd.Series, lines: pd.Series) -> Rows:
    """The line numbers where `mask` holds; slicing keeps the total for "(+N more)"."""
    return Rows(lines[mask.to_numpy()].tolist())


def _suggest(name: str, available: list[str], ours: str | None = None) -> list[str]:
    lowered = {c.lower().strip(): c for c in available}
    hits = [lowered[c] for c in difflib.get_close_matches(name.lower().strip(), list(lowered), n=3, cutoff=0.6)]
    for synonym in _SYNONYMS.get(ours or name, []):
        if synonym in lowered and lowered[synonym] not in hits:
            hits.append(lowered[synonym])
    return hits


# ---------------------------------------------------------------- one source


def inspect_source(
    source: Any, base_dir: str | Path | None = None, period: Any = None
) -> tuple[pd.DataFrame | None, list[DataProblem]]:
    """Read and validate one source: (facts or None when it has errors, every problem found)."""
    spec = source_spec(source)
    if spec.source.startswith("demo:"):
        from kpi_helpers.data.demo import DEMO_GROUPS

        group = DEMO_GROUPS.get(spec.source[len("demo:") :])
        if group:  # e.g. demo:newsletter = its order lines + its newsletter stats
            parts = [inspect_source({"source": f"demo:{name}"}, base_dir, period) for name in group]
            problems = [p for _, found in parts for p in found]
            frames = [f for f, _ in parts]
            if any(f is None for f in frames):
                return None, problems
            return combine_facts(frames), problems
    spec, preset_error = apply_preset(spec)
    path, spec, demo_error = resolve_source(source, spec, base_dir)
    if demo_error or preset_error or path is None:
        return None, [
            DataProblem(spec.source, "preset" if preset_error else None, preset_error or demo_error or "no file")
        ]
    out = ProblemCollector(source_label(path, spec))
    if spec.shape not in SHAPES:
        out.error(None, f"shape {spec.shape!r} is not known; use one of {', '.join(SHAPES)}")
        return None, out.problems
    spec, extras = split_roles(spec)
    check_options(spec, extras, out)
    mapping = _check_mapping(spec, out)
    files = source_files(path, out)
    if mapping is None or out.has_errors:
        return None, out.problems
    parts = []
    for index, file in enumerate(files):  # several files (a glob): each read and checked on its own
        fout = out if len(files) == 1 else ProblemCollector(source_label(file, spec))
        part = _read_file(file, spec, mapping, extras, fout, index)
        if fout is not out:
            out.problems.extend(fout.problems)
        if part is not None:
            parts.append(part)
    if not parts:  # later checks (period, duplicates, orders) still run on what could be read
        return None, out.problems
    table, lines = combine_files(parts, spec.shape)
    table, lines = _apply_period(table, lines, period, out)
    if spec.shape == "events":
        table, lines = events_to_daily(table, lines, spec)
    if spec.shape == "orders":
        facts = _orders_facts(table, lines, out)
    else:
        facts = _daily_facts(table, lines, out)
    if facts is not None:
        facts = limit_measures(facts, spec, out)
    if facts is None or out.has_errors:
        return None, out.problems
    result = combine_facts([facts])
    result.attrs["coverage"] = source_coverage(result, spec.shape)  # the days it covers, by its shape's rule
    return result, out.problems


def _read_file(
    path: Path, spec: SourceSpec, mapping: dict[str, str], extras: dict[str, str], out: ProblemCollector, index: int
) -> tuple[pd.DataFrame, pd.Series] | None:
    """One file read, normalised (kpi_helpers.data.shaping), mapped and parsed; None when it has errors."""
    got = read_raw(path, spec, out)
    if got is None:
        return None
    normalised = normalise(*got, spec, extras, out, index)
    if normalised is None:
        return None
    raw, lines, columns = normalised
    excel, _ = excel_or_parquet(path)
    table = _select_columns(
        raw, {**mapping, **{k: v for k, v in columns.items() if k not in mapping or v != mapping[k]}}, spec, out
    )
    if table is None:
        return None
    return _parse_table(table, lines, spec, excel, out)


def read_source(source: Any, base_dir: str | Path | None = None, period: Any = None) -> pd.DataFrame:
    """Facts of one source (a params `DataSource`, a mapping with the same keys, or a path).

    Raises `DataValidationError` with every error; warnings are kept in `facts.attrs['warnings']`.
    """
    facts, problems = inspect_source(source, base_dir, period)
    errors = [p for p in problems if p.severity == "error"]
    if errors or facts is None:
        raise DataValidationError(errors or problems)
    end = _period_end(period)
    if end is not None:
        facts = facts[facts["date"] <= end]
    facts.attrs["warnings"] = [p for p in problems if p.severity == "warning"]
    return facts


def _check_mapping(spec: SourceSpec, out: ProblemCollector) -> dict[str, str] | None:
    """Validate `columns` (our name -> their column); None when a name is unknown."""
    allowed = {"date", *DIMENSIONS, *known_measures()}
    if spec.shape == "orders":
        allowed |= set(ORDER_FIELDS)
    ok = True
    for ours, theirs in spec.columns.items():
        if ours not in allowed:
            close = difflib.get_close_matches(ours, sorted(allowed), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            extra = " (order_id, customer_id and quantity are only for `shape: orders`)" if ours in ORDER_FIELDS else ""
            out.error(f"columns.{ours}", f"'{ours}' is not a known measure or field{hint}{extra}")
            ok = False
        elif not isinstance(theirs, str) or not theirs.strip():
            out.error(f"columns.{ours}", "give the name of the column in the file")
            ok = False
    return {k: str(v).strip() for k, v in spec.columns.items()} if ok else None


def _select_columns(
    raw: pd.DataFrame, mapping: dict[str, str], spec: SourceSpec, out: ProblemCollector
) -> pd.DataFrame | None:
    """Their columns renamed to ours; unmapped columns that already carry one of our names are used as is."""
    available = list(raw.columns)
    by_lower = {c.lower(): c for c in available}
    known = {"date", *DIMENSIONS, *known_measures()}
    if spec.shape == "orders":
        known |= set(ORDER_FIELDS)
    chosen: dict[str, str] = {}
    for ours, theirs in mapping.items():
        if theirs in raw.columns:
            chosen[ours] = theirs
        elif theirs.lower() in by_lower:
            chosen[ours] = by_lower[theirs.lower()]
        else:
            close = _suggest(theirs, available, ours)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            out.error(
                theirs,
                f"column '{theirs}' (mapped to {ours}) is not in the file{hint}. Columns in the file: {', '.join(available)}",
            )
    mapped_theirs = set(chosen.values())
    for col in available:
        name = col.lower()
        if name in known and name not in chosen and col not in mapped_theirs:
            chosen[name] = col
    required = ORDER_REQUIRED if spec.shape == "orders" else ("date",)
    for ours in required:
        if ours not in chosen and ours not in mapping:
            close = _suggest(ours, available, ours)
            hint = (
                f"; map it, e.g. `columns: {{{ours}: {close[0]}}}`"
                if close
                else f"; map it with `columns: {{{ours}: <column>}}`"
            )
            out.error(ours, f"required column '{ours}' is missing. Columns in the file: {', '.join(available)}{hint}")
    if spec.shape == "daily" and not any(c in known_measures() for c in chosen) and not out.has_errors:
        out.error(
            None,
            f"no measure columns found (e.g. sessions, orders, revenue). Columns in the file: {', '.join(available)}; "
            "map them with `columns: {revenue: <column>, ...}`",
        )
    if out.has_errors:
        return None
    table = pd.DataFrame({ours: raw[theirs] for ours, theirs in chosen.items()}, index=raw.index)
    table.attrs["theirs"] = dict(chosen)  # our name -> the column in the file, for messages
    return table


def _column_name(table: pd.DataFrame, ours: str) -> str:
    return table.attrs.get("theirs", {}).get(ours, ours)


def _parse_table(
    table: pd.DataFrame, lines: pd.Series, spec: SourceSpec, excel: bool, out: ProblemCollector
) -> tuple[pd.DataFrame, pd.Series]:
    parsed = pd.DataFrame(index=table.index)
    parsed.attrs["theirs"] = dict(table.attrs.get("theirs", {}))
    # dates
    dates = parse_dates(table["date"], spec, excel)
    bad = dates.isna()
    if bad.any():
        col = _column_name(table, "date")
        values = table["date"][bad]
        empty = values.isna() | (values.astype("str").str.strip() == "")
        if empty.any():
            out.error(
                col, "empty dates", _rows(bad & empty.reindex(bad.index, fill_value=False), lines)[:MAX_ROWS_SHOWN]
            )
        unreadable = bad & ~empty.reindex(bad.index, fill_value=False)
        if unreadable.any():
            examples = table["date"][unreadable]
            guess = guess_date_format(examples)
            out_of_range = dates_out_of_range(examples, spec, excel)
            hint = ""
            if spec.date_format:
                hint = f'; expected the format `date_format: "{spec.date_format}"`'
                if guess and guess != spec.date_format:
                    hint += f', these look like "{guess}"'
            elif guess:
                hint = f'; add `date_format: "{guess}"` to this data source'
            elif not out_of_range:
                hint = '; use ISO dates (2025-01-31), Excel dates, or declare `date_format` (e.g. "%d-%m-%Y")'
            if out_of_range:
                first = FIRST_EXCEL_DATE if excel else FIRST_DATE
                hint += f"; dates must lie between {first:%Y-%m-%d} and {LAST_DATE:%Y-%m-%d}"
            out.error(
                col,
                f"dates that cannot be read: {value_examples(examples)}{hint}",
                _rows(unreadable, lines)[:MAX_ROWS_SHOWN],
            )
    parsed["date"] = dates.dt.normalize()
    # dimensions
    for dim in DIMENSIONS:
        if dim in table:
            text = table[dim].astype("str").str.strip()
            text = text.where(~(table[dim].isna() | text.isin(["", "nan", "None"])), NONE_VALUE)
            if dim == "channel":
                text = text.where(text == NONE_VALUE, text.str.lower().str.replace(r"[\s-]+", "_", regex=True))
            parsed[dim] = text.astype("str")
    # identifiers (orders shape)
    for ident in ("order_id", "customer_id"):
        if ident in table:
            text = table[ident].astype("str").str.strip()
            text = text.where(~(table[ident].isna() | text.isin(["", "nan", "None"])), "")
            text = text.str.replace(r"\.0$", "", regex=True)  # 1001.0 from Excel is order 1001
            parsed[ident] = text
    # measures
    numeric = [c for c in table.columns if c in known_measures() or c == "quantity"]
    for name in numeric:
        col = _column_name(table, name)
        values = parse_numbers(table[name], spec)
        empty = table[name].isna() | (table[name].astype("str").str.strip() == "")
        if empty.any():
            out.error(
                col,
                f"empty values in '{name}'; write 0 where nothing happened, or leave the column out if it is unknown",
                _rows(empty, lines)[:MAX_ROWS_SHOWN],
            )
        bad = values.isna() & ~empty
        if bad.any():
            out.error(
                col,
                f"values that are not numbers: {value_examples(table[name][bad])}{number_hint(table[name][bad], spec)}",
                _rows(bad, lines)[:MAX_ROWS_SHOWN],
            )
        infinite = np.isinf(values)
        if infinite.any():
            out.error(col, "infinite values", _rows(infinite, lines)[:MAX_ROWS_SHOWN])
        huge = ~infinite & (values.abs() > MAX_ABS_VALUE)
        if huge.any():
            out.error(
                col,
                f"values larger than 1e15 in size: {value_examples(table[name][huge])}; totals of such "
                "values are not reliable (check the export: a unit, separator or scientific-notation mix-up?)",
                _rows(huge, lines)[:MAX_ROWS_SHOWN],
            )
        negative = values < 0
        if negative.any():
            if spec.shape == "orders" and name == "revenue":
                pass  # refund lines, see module docstring
            elif name in MAY_BE_NEGATIVE:
                out.warn(
                    col,
                    f"negative {name} (refunds larger than sales that day?)",
                    _rows(negative, lines)[:MAX_ROWS_SHOWN],
                )
            else:
                out.error(
                    col,
                    f"negative values in '{name}', which counts something and cannot be below 0",
                    _rows(negative, lines)[:MAX_ROWS_SHOWN],
                )
        parsed[name] = values
    # keep checking what can be checked (duplicates, period, orders) on rows with a readable date
    keep = parsed["date"].notna()
    return parsed[keep], lines[keep.to_numpy()]


def _period_bounds(period: Any) -> tuple[Any, Any]:
    if period is None:
        return None, None
    if isinstance(period, (tuple, list)):
        return period[0], period[1]
    return getattr(period, "start", None), getattr(period, "end", None)


def _period_end(period: Any) -> pd.Timestamp | None:
    end = _period_bounds(period)[1]
    return None if end is None else pd.Timestamp(end)


def _apply_period(
    table: pd.DataFrame, lines: pd.Series, period: Any, out: ProblemCollector
) -> tuple[pd.DataFrame, pd.Series]:
    """`period` limits what is reported, never the history used: rows before its start stay (first
    orders, last year, seasonality); rows after its end are not reported (a warning says so)."""
    start, end = _period_bounds(period)
    if start is None and end is None:
        return table, lines
    inside = pd.Series(True, index=table.index)
    if start is not None:
        inside &= table["date"] >= pd.Timestamp(start)
    if end is not None:
        inside &= table["date"] <= pd.Timestamp(end)
    if len(table) and not inside.any():
        dates = table["date"]
        out.error(
            _column_name(table, "date"),
            f"no rows fall inside the reporting period {_day(start)}..{_day(end)}; "
            f"the data runs {dates.min():%Y-%m-%d}..{dates.max():%Y-%m-%d}; change `period` or check the file",
        )
        return table, lines
    after = table["date"] > pd.Timestamp(end) if end is not None else pd.Series(False, index=table.index)
    if after.any():
        dates = table["date"][after]
        out.warn(
            _column_name(table, "date"),
            f"{int(after.sum())} rows with dates after the reporting period ends ({_day(end)}; "
            f"{dates.min():%Y-%m-%d} .. {dates.max():%Y-%m-%d}) are not reported; move `period.end` to use them",
            _rows(after, lines)[:MAX_ROWS_SHOWN],
        )
    return table, lines


def _day(value: Any) -> str:
    return "…" if value is None else f"{pd.Timestamp(value):%Y-%m-%d}"


def _gap_warning(dates: pd.Series, out: ProblemCollector, min_run: int = 1, column: str = "date") -> None:
    if dates.empty:
        return
    present = pd.DatetimeIndex(dates.unique()).sort_values()
    full = pd.date_range(present[0], present[-1], freq="D")
    missing = full.difference(present)
    if missing.empty:
        return
    # group consecutive missing days into runs
    runs: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for day in missing:
        if runs and day - runs[-1][1] == pd.Timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    runs = [r for r in runs if (r[1] - r[0]).days + 1 >= min_run]
    if not runs:
        return
    shown = ", ".join(f"{a:%Y-%m-%d}" if a == b else f"{a:%Y-%m-%d}..{b:%Y-%m-%d}" for a, b in runs[:5])
    more = f" (+{len(runs) - 5} more)" if len(runs) > 5 else ""
    days = sum((b - a).days + 1 for a, b in runs)
    what = "days without any row" if min_run == 1 else f"runs of {min_run}+ days without orders"
    out.warn(column, f"{days} {what}: {shown}{more}; is the export complete?")


def _finish(frame: pd.DataFrame, dims: list[str], measures: list[str]) -> pd.DataFrame:
    frame = frame[["date", *dims, *measures]].copy()
    frame["date"] = frame["date"].astype("datetime64[ns]")
    for dim in dims:
        frame[dim] = frame[dim].astype("str")
    for m in measures:
        frame[m] = frame[m].astype(float)
    return frame.sort_values(["date", *dims], kind="stable").reset_index(drop=True)


def _daily_facts(table: pd.DataFrame, lines: pd.Series, out: ProblemCollector) -> pd.DataFrame | None:
    dims = [d for d in DIMENSIONS if d in table]
    measures = _ordered_measures(c for c in table.columns if c not in ("date", *dims))
    keys = ["date", *dims]
    dup = table.duplicated(keys, keep=False)
    if dup.any():
        first = table[dup].iloc[0]
        what = ", ".join(f"{k}={first[k]:%Y-%m-%d}" if k == "date" else f"{k}={first[k]}" for k in keys)
        out.error(
            _column_name(table, "date"),
            f"{int(dup.sum())} rows repeat the same date{' x ' + ' x '.join(dims) if dims else ''} "
            f"(first: {what}); sum them in the export or add the column that tells them apart",
            _rows(dup, lines)[:MAX_ROWS_SHOWN],
        )
        return None
    _gap_warning(table["date"], out, column=_column_name(table, "date"))
    return _finish(table, dims, measures)


def _orders_facts(table: pd.DataFrame, lines: pd.Series, out: ProblemCollector) -> pd.DataFrame | None:
    """Additive facts of order lines (revenue and units per date x dims, each line on its own product)
    plus the order table (`Facts.order_table`, one row per order x product) from which the
    order- and customer-level measures are counted at any grain; see `finish_order_facts`."""
    if (table["order_id"] == "").any():
        out.error(
            _column_name(table, "order_id"), "empty order ids", _rows(table["order_id"] == "", lines)[:MAX_ROWS_SHOWN]
        )
        return None
    dims = [d for d in DIMENSIONS if d in table]
    order_dims = [d for d in dims if d != "product"]
    t = table.assign(_line=lines.to_numpy(), _pos=np.arange(len(table)))
    guests = t["customer_id"] == ""
    if guests.any():
        out.warn(
            _column_name(table, "customer_id"),
            f"{int(guests.sum())} lines without a customer id (guest orders?); each counts as a one-time customer",
            _rows(guests, lines)[:MAX_ROWS_SHOWN],
        )
        t.loc[guests, "customer_id"] = "guest:" + t.loc[guests, "order_id"]
    grouped = t.groupby("order_id", sort=False)
    # lines of one order should agree on date, customer and order-level dimensions
    for col in ["date", "customer_id", *order_dims]:
        conflict = grouped[col].transform("nunique") > 1
        if conflict.any():
            severity = out.error if col in ("date", "customer_id") else out.warn
            severity(
                _column_name(table, col),
                f"lines of the same order have different '{col}' values; "
                + ("fix the export" if col in ("date", "customer_id") else "the order's first line is used"),
                _rows(conflict, lines)[:MAX_ROWS_SHOWN],
            )
    if out.has_errors:
        return None
    # order-level fields of the order's first line on every line; the product stays the line's own
    for col in order_dims:
        t[col] = grouped[col].transform("first")
    order_revenue = grouped["revenue"].transform("sum")
    t["_real"] = order_revenue >= 0  # an order whose lines sum below 0 is a refund note, not an order
    keys = ["date", *dims]
    cells = t.groupby(keys, sort=True)
    facts = pd.DataFrame({"revenue": cells["revenue"].sum()})
    measures = ["revenue"]
    units = "quantity" if "quantity" in t else "units_sold" if "units_sold" in t else None
    if units:
        facts["units_sold"] = t[units].where(t["_real"], 0.0).groupby([t[k] for k in keys], sort=True).sum()
        measures.append("units_sold")
    facts = Facts(_finish(facts.reset_index(), dims, measures))
    orders = t.drop_duplicates(["order_id", "product"] if "product" in dims else ["order_id"])
    facts.order_table = None
    facts.order_source = orders[["date", *dims, "order_id", "customer_id", "_real", "_pos"]].reset_index(drop=True)
    _gap_warning(t["date"], out, min_run=GAP_DAYS_ORDERS, column=_column_name(table, "date"))
    return facts


def _ordered_measures(names: Iterable[str]) -> list[str]:
    names = list(dict.fromkeys(names))
    order = {m: i for i, m in enumerate(MEASURES)}
    return sorted(names, key=lambda m: (order.get(m, len(order)), m))


# ---------------------------------------------------------------- several sources


def combine_facts(frames: list[pd.DataFrame]) -> Facts:
    """Concatenate per-source facts and sum the additive measures per date x dims (NaN only where
    no source knows a measure); order-line sources' order tables are combined so that a
    customer's first order is the first in all sources (`kpi_helpers.data.facts.finish_orders`)."""
    frames = [f for f in frames if f is not None]
    if not frames:
        return Facts({"date": pd.Series(dtype="datetime64[ns]")})
    raw_tables = [t for f in frames if (t := getattr(f, "order_source", None)) is not None]
    dims = [d for d in DIMENSIONS if any(d in f for f in frames)]
    measures = _ordered_measures(c for f in frames for c in f.columns if c not in ("date", *DIMENSIONS))
    filled = []
    for frame in frames:
        frame = pd.DataFrame(frame)
        for dim in dims:
            if dim not in frame:
                frame[dim] = NONE_VALUE
        filled.append(frame)
    if len(filled) == 1:
        combined = _finish(filled[0], dims, measures)
    else:
        allrows = pd.concat(filled, ignore_index=True)
        summed = allrows.groupby(["date", *dims], sort=True)[measures].sum(min_count=1).reset_index()
        combined = _finish(summed, dims, measures)
    facts = finish_orders(combined, raw_tables)
    out = facts[["date", *dims, *_ordered_measures(c for c in facts.columns if c not in ("date", *dims))]]
    out.attrs["coverage"] = combined_coverage(frames)  # the days each measure's sources cover (holes: no data)
    return out


def _conflicting_measures(frames: list[pd.DataFrame], config: Any) -> list[DataProblem]:
    """Order-level measures come from order lines when a client has them; a second source giving
    the same measure would be counted twice or silently replaced."""
    if not any(getattr(f, "order_source", None) is not None for f in frames):
        return []
    doubled = sorted({m for f in frames if getattr(f, "order_source", None) is None for m in ORDER_MEASURES if m in f})
    if not doubled:
        return []
    where = str(getattr(config, "source_file", None) or "<params>")
    return [
        DataProblem(
            where,
            "data",
            f"{', '.join(doubled)} come from the order lines and from another source too; "
            "leave the column out of the other source (one measure, one source)",
        )
    ]


def _sources(config: Any) -> list[Any]:
    data = getattr(config, "data", None)
    if data is None:
        return []
    return list(data) if isinstance(data, (list, tuple)) else [data]


def _base_dir(config: Any) -> Path:
    base = getattr(config, "base_dir", None)
    if base is not None:
        return Path(base)
    source_file = getattr(config, "source_file", None)
    return Path(source_file).parent if source_file else Path.cwd()


def _collect(config: Any) -> tuple[list[pd.DataFrame], list[DataProblem], list[dict[str, Any]]]:
    """Per-source facts, every problem, and what each source gives (kpi_helpers.data.sources.source_summary)."""
    frames, problems = [], []
    sources = _sources(config)
    if not sources:
        return (
            [],
            [
                DataProblem(
                    str(getattr(config, "source_file", None) or "<params>"), "data", "no data sources configured"
                )
            ],
            [],
        )
    period = getattr(config, "period", None)
    given: list[tuple[str, pd.DataFrame]] = []
    confined, limits = _confinement(config)
    for source in sources:
        if confined is not None:  # a config from a params file: its own data folder only (kpi_helpers.spec.agency)
            refused = _refused(source, confined, limits)
            if refused is not None:
                problems.append(refused)
                continue
        facts, found = _bounded_read(source, _base_dir(config), period, limits, confined)
        problems.extend(found)
        if facts is not None:
            frames.append(facts)
            given.append((source_spec(source).source, facts))
    config_sources = [source_summary(label, facts) for label, facts in given]
    # one measure, one source: the same measure from two sources is added up; say so (kpi_helpers.data.sources)
    problems += [
        DataProblem("measures", measure, message, severity="warning")
        for measure, message in same_measure_warnings(config_sources)
    ]
    problems.extend(_conflicting_measures(frames, config))
    return frames, problems, config_sources


def _confinement(config: Any) -> tuple[Path | None, Any]:
    from kpi_helpers.spec.agency import DEFAULT_LIMITS, agency_settings

    data_dir = getattr(config, "data_dir", None)
    source_file = getattr(config, "source_file", None)
    limits = agency_settings(Path(source_file).absolute().parent).limits if source_file else DEFAULT_LIMITS
    return (Path(data_dir) if data_dir is not None else None), limits


def _refused(source: Any, data_dir: Path, limits: Any) -> DataProblem | None:
    from kpi_helpers.spec.agency import check_source

    text = str(getattr(source, "source", None) or (source.get("source") if isinstance(source, dict) else source))
    return None if text.startswith("demo:") else check_source(text, data_dir, limits)


def _bounded_read(
    source: Any, base_dir: Path, period: Any, limits: Any, confined: Path | None = None
) -> tuple[pd.DataFrame | None, list[DataProblem]]:
    """`inspect_source` under the agency's limits, confined to the client's data folder (files opened
    once, no symlink followed: kpi_helpers.data.safe_open) and a wall-clock bound: a read that hangs (a
    stalled network drive) becomes this source's error and the run goes on; a given-up read stops at its
    next chunk (`cancel_reads`), and the daemon thread dies with the process."""
    import contextvars
    import threading

    from kpi_helpers.data.safe_open import cancel_reads, confine

    outcome: list[Any] = []
    context = contextvars.copy_context()  # the active catalog and limits travel along
    given_up = threading.Event()

    def read() -> None:
        try:
            with _limits(limits), confine(confined), cancel_reads(given_up):
                outcome.append(inspect_source(source, base_dir, period))
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread below
            outcome.append(error)

    worker = threading.Thread(target=context.run, args=(read,), daemon=True, name="kpi-read")
    worker.start()
    worker.join(timeout=float(getattr(limits, "read_seconds", 300)))
    if not outcome:
        given_up.set()
        label = str(getattr(source, "source", None) or (source.get("source") if isinstance(source, dict) else source))
        return None, [
            DataProblem(
                label[:120],
                None,
                f"reading took longer than {limits.read_seconds} s and was given up "
                "(`limits.read_seconds` in params/_agency.yaml); is the file on a slow or hanging drive?",
            )
        ]
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _limits(limits: Any) -> Any:
    from kpi_helpers.spec.agency import active_limits

    return active_limits(limits)


def check_data(config: Any) -> list[DataProblem]:
    """Every problem (errors and warnings) in all data sources of a params config; never raises for data problems."""
    return _collect(config)[1]


def load_facts(config: Any) -> pd.DataFrame:
    """Validated tidy daily facts of all sources of `config`; raises DataValidationError listing every error.

    Warnings (gaps, dates outside the period, ...) are in `facts.attrs['warnings']`.
    """
    frames, problems, sources = _collect(config)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DataValidationError(errors)
    facts = combine_facts(frames)
    end = _period_end(getattr(config, "period", None))
    if end is not None:  # data after the period is not reported; the history before it is kept
        facts = facts[facts["date"] <= end]
    facts.attrs["warnings"] = [p for p in problems if p.severity == "warning"]
    facts.attrs["sources"] = sources  # which source gives which measures and dimension values
    return facts


def order_lines_facts(lines: pd.DataFrame, name: str = "<order lines>") -> Facts:
    """Facts of order lines that are already parsed: columns date (datetime), order_id, customer_id
    (text), revenue (float), optional quantity and dimension columns. For code that builds its own
    lines (benchmarks, tests, presets); files go through `read_source`. Raises DataValidationError."""
    out = ProblemCollector(name)
    table = lines.copy()
    for ident in ("order_id", "customer_id"):
        table[ident] = table[ident].astype("str")
    for dim in DIMENSIONS:
        if dim in table:
            table[dim] = table[dim].astype("str")
    facts = _orders_facts(table, pd.Series(np.arange(2, len(table) + 2)), out)
    errors = [p for p in out.problems if p.severity == "error"]
    if errors or facts is None:
        raise DataValidationError(errors or out.problems)
    return combine_facts([facts])


def load_demo(name: str) -> pd.DataFrame:
    """Facts of bundled demo data: `webshop`, `b2b`, `newsletter` (= `newsletter_orders` + `newsletter_email`)."""
    return read_source({"source": f"demo:{name}"})
