"""Reading client data (CSV, Excel, Parquet or bundled demo data) into tidy daily facts.

Facts contract (docs/architecture.md): one row per `date` (datetime64[ns], midnight) x dimension
values, dimension columns from {channel, campaign, coupon, product} (dtype str, missing values
'(none)'), float measure columns with canonical names. Every measure is additive.

Validation happens before any KPI is computed. Every problem is collected (file, column, the
first offending rows as 1-based line numbers: header = line 1, first data row = line 2; for
Excel the sheet row, for Parquet the 1-based record number), then `load_facts` raises one
`DataValidationError` listing them all. Warnings never raise.

Decisions (documented here because the notebooks and the CLI rely on them):

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
* Dates must lie between 1677-09-22 and 2262-04-11 (what pandas can hold); others are unreadable
  dates. Excel date cells and serial numbers before 1900-03-01 (Excel's fictitious 1900-02-29 and
  bare fractions like 0.5, which Excel shows as a time) are unreadable dates too. Timestamps with
  different UTC offsets in one column keep their own wall-clock date (`...T23:30+02:00` is that day).
* A measure value larger than 1e15 in size is an error (totals would lose precision or overflow).
* With `decimal: ","` a '.' in a number is only allowed as the declared `thousands` separator
  (otherwise `1.234` would silently read as 1.234 instead of 1234).
* A CSV line with more (non-empty) fields than the header is an error naming the line.
* Gaps: a day without any row in a `daily` source is a warning; in the `orders` shape a quiet
  day is normal, so only a run of 7+ days without orders is a warning.
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
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpi_helpers.exceptions import DataProblem, DataValidationError

DIMENSIONS = ("channel", "campaign", "coupon", "product")
NONE_VALUE = "(none)"
SHAPES = ("daily", "orders")
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
MAY_BE_NEGATIVE = {"revenue", "quote_value"}
ORDER_FIELDS = ("order_id", "customer_id", "quantity")
ORDER_REQUIRED = ("date", "order_id", "customer_id", "revenue")
ORDER_MEASURES = ("orders", "revenue", "customers", "new_customers", "returning_customers", "repeat_orders", "units_sold")
MAX_ROWS_SHOWN = 10
GAP_DAYS_ORDERS = 7
MAX_ABS_VALUE = 1e15  # larger measure values are export errors; sums of them lose precision or overflow to inf
FIRST_DATE = pd.Timestamp("1677-09-22")  # the whole days datetime64[ns] can hold
LAST_DATE = pd.Timestamp("2262-04-11")
FIRST_EXCEL_DATE = pd.Timestamp("1900-03-01")  # before: Excel's fictitious 1900-02-29, or a bare time
FIRST_EXCEL_SERIAL, LAST_EXCEL_SERIAL = 61, 2958465  # 1900-03-01 .. 9999-12-31

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


# ---------------------------------------------------------------- source spec


@dataclass
class SourceSpec:
    """How to read one source; built from a params `DataSource`, a mapping or keyword arguments."""

    source: str
    shape: str = "daily"
    columns: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None
    separator: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    sheet: str | int | None = None


def _spec(source: Any) -> SourceSpec:
    if isinstance(source, SourceSpec):
        return source
    if isinstance(source, (str, Path)):
        return SourceSpec(source=str(source))
    get = source.get if isinstance(source, Mapping) else (lambda k, d=None: getattr(source, k, d))
    return SourceSpec(
        source=str(get("source")),
        shape=get("shape") or "daily",
        columns=dict(get("columns") or {}),
        date_format=get("date_format"),
        separator=get("separator"),
        decimal=get("decimal"),
        thousands=get("thousands"),
        sheet=get("sheet"),
    )


def _known_measures() -> set[str]:
    names = set(MEASURES)
    try:  # the catalog may define more measures than this module knows about
        from kpi_helpers.catalog import load_catalog

        names |= set(load_catalog().measures)
    except Exception:  # noqa: BLE001 - catalog not available or broken: its own checks report that
        pass
    return names


# ---------------------------------------------------------------- small helpers


class _Collector:
    """Collects problems for one file."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[DataProblem] = []

    def error(self, column: str | None, message: str, rows: Iterable[int] = ()) -> None:
        self.problems.append(DataProblem(self.file, column, message, [int(r) for r in rows], "error"))

    def warn(self, column: str | None, message: str, rows: Iterable[int] = ()) -> None:
        self.problems.append(DataProblem(self.file, column, message, [int(r) for r in rows], "warning"))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def _rows(mask: pd.Series, lines: pd.Series) -> list[int]:
    return lines[mask.to_numpy()].tolist()


def _examples(values: pd.Series, limit: int = 3) -> str:
    shown = list(dict.fromkeys(str(v) for v in values.tolist()))[:limit]
    return ", ".join(repr(v) for v in shown)


def _suggest(name: str, available: list[str], ours: str | None = None) -> list[str]:
    lowered = {c.lower().strip(): c for c in available}
    hits = [lowered[c] for c in difflib.get_close_matches(name.lower().strip(), list(lowered), n=3, cutoff=0.6)]
    for synonym in _SYNONYMS.get(ours or name, []):
        if synonym in lowered and lowered[synonym] not in hits:
            hits.append(lowered[synonym])
    return hits


# ---------------------------------------------------------------- reading raw files


def _read_raw(path: Path, spec: SourceSpec, out: _Collector) -> tuple[pd.DataFrame, pd.Series] | None:
    """All cells as raw values (strings for CSV) plus the 1-based line/row number of each row."""
    if not path.exists():
        out.error(None, f"file not found (looked for {path})")
        return None
    if path.is_dir():
        out.error(None, "is a folder, not a data file")
        return None
    name = path.name.lower()
    try:
        if name.endswith((".xlsx", ".xlsm", ".xls")):
            raw = pd.read_excel(path, sheet_name=spec.sheet if spec.sheet is not None else 0, dtype=object)
            first_line = 2
        elif name.endswith((".parquet", ".pq")):
            raw = pd.read_parquet(path)
            if any(level is not None for level in raw.index.names):
                raw = raw.reset_index()  # e.g. written with `date` as the index: it is data, not row labels
            first_line = 1
        else:
            raw = _read_csv(path, spec, out)
            if raw is None:
                return None
            first_line = 2
        raw.index = pd.RangeIndex(len(raw))  # rows are identified by `lines`, never by the file's own labels
        lines = pd.Series(np.arange(first_line, len(raw) + first_line), index=raw.index)
    except ValueError as error:
        if "Worksheet" in str(error) or "sheet" in str(error).lower():
            sheets = _sheet_names(path)
            out.error(None, f"sheet {spec.sheet!r} not found; the workbook has: {', '.join(map(repr, sheets))}")
        else:
            out.error(None, f"cannot read the file: {error}")
        return None
    except Exception as error:  # noqa: BLE001 - any reader failure is a user-fixable file problem
        out.error(None, f"cannot read the file ({type(error).__name__}: {error}); is it really {path.suffix or 'CSV'}?")
        return None
    raw.columns = [str(c).strip() for c in raw.columns]
    if raw.columns.duplicated().any():
        dup = sorted(set(raw.columns[raw.columns.duplicated()]))
        out.error(None, f"the header has the same column name twice: {', '.join(dup)}")
        return None
    # blank lines (kept so line numbers stay right) are dropped here
    blank = raw.apply(lambda col: col.isna() | (col.astype("str").str.strip() == ""), axis=0).all(axis=1)
    raw, lines = raw[~blank], lines[~blank]
    if raw.empty:
        out.error(None, "the file has no data rows (only a header, or nothing at all)")
        return None
    return raw, lines


def _sheet_names(path: Path) -> list[str]:
    try:
        return list(pd.ExcelFile(path).sheet_names)
    except Exception:  # noqa: BLE001
        return []


def _read_csv(path: Path, spec: SourceSpec, out: _Collector) -> pd.DataFrame | None:
    import warnings

    sep = spec.separator
    # index_col=False: a line with more fields than the header must not turn the first columns into an index
    options: dict[str, Any] = dict(dtype=str, keep_default_na=False, skip_blank_lines=False, compression="infer",
                                   index_col=False)
    try:
        if sep is None:  # sniff between the usual separators on the header line
            head = _head_line(path)
            counts = {s: head.count(s) for s in (",", ";", "\t", "|")}
            sep = max(counts, key=counts.get) if max(counts.values()) else ","
        utf16 = _looks_utf16(path)
        if utf16:  # reading goes on, so the problems it causes (no 'date' column, ...) are listed too
            out.error(None, "the file looks UTF-16 encoded (Excel's 'Unicode Text'); save it as "
                      "'CSV UTF-8 (comma delimited)' and read that file instead")
        encoding = "utf-8-sig"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            try:
                frame = pd.read_csv(path, sep=sep, encoding=encoding, **options)
            except UnicodeDecodeError:
                encoding = "cp1252"
                frame = pd.read_csv(path, sep=sep, encoding=encoding, **options)
                if not utf16:
                    out.warn(None, "the file is not UTF-8; read it as Windows-1252 (save as 'CSV UTF-8' to be sure of accents)")
        if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
            # pandas dropped the fields beyond the header; an error unless they were all empty (trailing separators)
            if not _report_long_lines(path, sep, encoding, out):
                return None
        return frame
    except pd.errors.EmptyDataError:
        out.error(None, "the file is empty")
    except pd.errors.ParserError as error:
        msg = str(error)
        fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
        if fields:
            expected, line, saw = (int(g) for g in fields.groups())
            out.error(None, f"line {line} has {saw} fields, the header has {expected}; check `separator` (now {sep!r}) "
                      "and put values that contain it in double quotes", [line])
        else:
            match = re.search(r"line (\d+)", msg)
            rows = [int(match.group(1))] if match else []
            out.error(None, f"cannot split the lines into columns ({msg}); check `separator` (now {sep!r})", rows)
    return None


def _report_long_lines(path: Path, sep: str, encoding: str, out: _Collector) -> bool:
    """Report lines with non-empty fields beyond the header; False when there are any."""
    import csv

    if len(sep) != 1:  # a regular expression as separator: the csv module cannot split like pandas did
        out.error(None, f"some lines have more fields than the header; check `separator` (now {sep!r})")
        return False
    long_lines: list[tuple[int, int]] = []
    with _open_text(path, encoding) as handle:
        reader = csv.reader(handle, delimiter=sep)
        width = len(next(reader, []))
        for line, fields in enumerate(reader, start=2):  # record numbers, like the line numbers of the rows
            if len(fields) > width and any(f.strip() for f in fields[width:]):
                long_lines.append((line, len(fields)))
    if not long_lines:
        return True
    line, count = long_lines[0]
    extra = len(long_lines) - 1
    more = f" (and {extra} more line{'s' if extra > 1 else ''})" if extra else ""
    out.error(None, f"line {line} has {count} fields, the header has {width}{more}; check `separator` (now {sep!r}) "
              "and put values that contain it in double quotes", [n for n, _ in long_lines[:MAX_ROWS_SHOWN]])
    return False


def _open_text(path: Path, encoding: str, errors: str = "strict") -> Any:
    import gzip

    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding=encoding, errors=errors, newline="")
    return open(path, encoding=encoding, errors=errors, newline="")


def _looks_utf16(path: Path) -> bool:
    """A UTF-16 byte order mark, or ASCII text with every other byte zero."""
    import gzip

    try:
        with (gzip.open if path.name.lower().endswith(".gz") else open)(path, "rb") as handle:
            head = handle.read(64)
    except OSError:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    even, odd = head[0::2], head[1::2]
    return len(head) >= 8 and (set(odd) == {0} or set(even) == {0})


def _head_line(path: Path) -> str:
    try:
        with _open_text(path, "utf-8-sig", errors="replace") as handle:
            return handle.readline()
    except OSError:
        return ""


# ---------------------------------------------------------------- parsing columns


def _parse_dates(values: pd.Series, spec: SourceSpec, excel: bool) -> pd.Series:
    """Datetimes (naive, not yet normalised) or NaT where a value cannot be read (or lies out of range)."""
    if excel and values.dtype == object:
        result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        # a date cell; a bare time (datetime.time, e.g. 0.5 formatted as a date) is not a date
        is_dt = values.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "year"))
        if is_dt.any():
            cells = _as_naive_ns(pd.to_datetime(values[is_dt].map(_naive), errors="coerce"))
            result[is_dt] = cells.where(cells >= FIRST_EXCEL_DATE)
        is_time = values.map(lambda v: hasattr(v, "hour") and not hasattr(v, "year"))
        is_num = values.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
        nums = pd.to_numeric(values.where(is_num), errors="coerce")
        serial = nums.notna() & (nums >= FIRST_EXCEL_SERIAL) & (nums <= LAST_EXCEL_SERIAL)
        if serial.any():  # Excel serial dates (days since 1899-12-30); beyond 2262 they are out of range
            days = pd.to_datetime(nums[serial], unit="D", origin="1899-12-30", errors="coerce")
            result[serial] = _as_naive_ns(days)
        # numbers below the first serial (0.5, -3, 60 = the fictitious 1900-02-29) and bools stay NaT;
        # larger numbers may be written dates like 20250101, read as text
        small = (nums.notna() & (nums < FIRST_EXCEL_SERIAL)) | values.map(lambda v: isinstance(v, bool))
        rest = values.notna() & ~is_dt & ~is_time & ~serial & ~small
        if rest.any():
            result[rest] = _parse_date_strings(values[rest].map(_number_text).astype("str"), spec.date_format)
        return result
    if pd.api.types.is_datetime64_any_dtype(values):
        return _as_naive_ns(values)
    return _parse_date_strings(values.astype("str"), spec.date_format)


def _naive(value: Any) -> Any:
    """A datetime cell without its timezone (keeps the wall-clock time)."""
    tz = getattr(value, "tzinfo", None)
    return value.replace(tzinfo=None) if tz is not None else value


def _number_text(value: Any) -> Any:
    """20250101.0 (a float cell) as '20250101', so a declared %Y%m%d format still reads it."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return value


def _as_naive_ns(parsed: pd.Series) -> pd.Series:
    """datetime64[ns] without timezone (the wall-clock time is kept); NaT outside FIRST_DATE .. LAST_DATE."""
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)  # keep the wall-clock date of the export
    day = parsed.dt.floor("D")
    inside = (day >= FIRST_DATE) & (day <= LAST_DATE)
    return parsed.where(inside).astype("datetime64[ns]")


def _parse_date_strings(values: pd.Series, date_format: str | None) -> pd.Series:
    text = values.str.strip()
    fmt = date_format or "ISO8601"
    try:
        return _as_naive_ns(pd.to_datetime(text, format=fmt, errors="coerce"))
    except ValueError:  # "Mixed timezones detected": values with different UTC offsets (or with and without)
        pass
    # parse the values of each offset suffix on their own, each keeping its own wall-clock time
    suffix = text.str.extract(r"((?:Z|[+-]\d{2}(?::?\d{2})?)\s*)$", expand=False).fillna("")
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for _, group in text.groupby(suffix, sort=False):
        try:
            result[group.index] = _as_naive_ns(pd.to_datetime(group, format=fmt, errors="coerce"))
        except ValueError:  # still mixed (the offset is not at the end): value by value
            result[group.index] = group.map(lambda v: _parse_one_date(v, fmt)).astype("datetime64[ns]")
    return result


def _parse_one_date(value: str, fmt: str) -> pd.Timestamp:
    try:
        stamp = pd.to_datetime(value, format=fmt)
    except (ValueError, OverflowError):
        return pd.NaT
    if stamp is pd.NaT:
        return pd.NaT
    stamp = stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
    return stamp if FIRST_DATE <= stamp.floor("D") <= LAST_DATE else pd.NaT


_DATE_CANDIDATES = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%m/%d/%Y", "%Y/%m/%d", "%d-%m-%y", "%Y%m%d",
                    "%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H.%M")  # fmt: skip


def _guess_date_format(values: pd.Series) -> str | None:
    text = values.astype("str").str.strip().head(50)
    for fmt in _DATE_CANDIDATES:
        if pd.to_datetime(text, format=fmt, errors="coerce").notna().all():
            return fmt
    return None


def _parse_numbers(values: pd.Series, spec: SourceSpec) -> pd.Series:
    """Floats, NaN where a value is empty or not a number."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    objs = values.map(lambda v: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
    text = objs.astype("str").str.strip()
    text = text.str.replace(r"[€$£\s\u00a0]", "", regex=True)
    if spec.thousands:
        text = text.str.replace(spec.thousands, "", regex=False)
    decimal = spec.decimal or "."
    if decimal != ".":
        numeric_already = objs.map(lambda v: isinstance(v, float))
        # a '.' left in text is neither the decimal nor the declared thousands separator: `1.234` must not read as 1.234
        text = text.where(numeric_already | ~text.str.contains(".", regex=False), "not a number")
        text = text.where(numeric_already, text.str.replace(decimal, ".", regex=False))
    text = text.where(~text.isin(["", "nan", "None", "NaN"]), None)
    return pd.to_numeric(text, errors="coerce").astype(float)


def _number_hint(bad: pd.Series, spec: SourceSpec) -> str:
    sample = bad.astype("str").str.strip().str.replace(r"[€$£\s\u00a0]", "", regex=True)
    decimal = spec.decimal or "."
    if decimal == "," and spec.thousands != "." and sample.str.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d*)?").any():
        return ' — these use "." to group thousands: add `thousands: "."` to this data source'
    if decimal == "." and spec.thousands != "," and sample.str.fullmatch(r"-?\d{1,3}(,\d{3})+\.\d*").any():
        return ' — these use "," to group thousands: add `thousands: ","` to this data source'
    if decimal == "." and sample.str.fullmatch(r"-?[\d.]*,\d+").any():
        return ' — these look like Dutch numbers: add `decimal: ","` (and `thousands: "."`) to this data source'
    if decimal == "," and sample.str.fullmatch(r"-?[\d,]*\.\d+").any():
        return ' — these look like English numbers: use `decimal: "."` (and `thousands: ","`)'
    if sample.str.contains(r"\d", regex=True).any():
        return " — only digits, a sign and the declared decimal separator are allowed"
    return ""


# ---------------------------------------------------------------- one source


def _excel_or_parquet(path: Path) -> tuple[bool, bool]:
    name = path.name.lower()
    return name.endswith((".xlsx", ".xlsm", ".xls")), name.endswith((".parquet", ".pq"))


def _label(path: Path, spec: SourceSpec) -> str:
    excel, _ = _excel_or_parquet(path)
    if excel:
        return f"{path} [sheet {spec.sheet!r}]" if spec.sheet is not None else f"{path} [first sheet]"
    return str(path)


def _resolve(source: Any, spec: SourceSpec, base_dir: str | Path | None) -> tuple[Path | None, SourceSpec, str | None]:
    """The file to read and the effective spec (demo sources bring their own read options)."""
    if spec.source.startswith("demo:"):
        from kpi_helpers.demo import DEMO_SOURCES

        name = spec.source[len("demo:"):]
        demo = DEMO_SOURCES.get(name)
        if demo is None:
            from kpi_helpers.demo import DEMO_GROUPS

            known = ", ".join("demo:" + n for n in [*DEMO_SOURCES, *DEMO_GROUPS])
            return None, spec, f"unknown demo data '{spec.source}'; available: {known}"
        merged = SourceSpec(
            source=spec.source,
            shape=demo.shape,
            columns={**demo.columns, **spec.columns},
            date_format=spec.date_format or demo.date_format,
            separator=spec.separator or demo.separator,
            decimal=spec.decimal or demo.decimal,
            thousands=spec.thousands,
            sheet=spec.sheet,
        )
        return demo.path, merged, None
    resolve = getattr(source, "resolve", None)
    if callable(resolve) and not isinstance(source, (str, Path)):
        path = resolve(base_dir if base_dir is not None else Path.cwd())
    else:
        path = Path(spec.source).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
    return Path(path), spec, None


def inspect_source(
    source: Any, base_dir: str | Path | None = None, period: Any = None
) -> tuple[pd.DataFrame | None, list[DataProblem]]:
    """Read and validate one source: (facts or None when it has errors, every problem found)."""
    spec = _spec(source)
    if spec.source.startswith("demo:"):
        from kpi_helpers.demo import DEMO_GROUPS

        group = DEMO_GROUPS.get(spec.source[len("demo:"):])
        if group:  # e.g. demo:newsletter = its order lines + its newsletter stats
            parts = [inspect_source({"source": f"demo:{name}"}, base_dir, period) for name in group]
            problems = [p for _, found in parts for p in found]
            frames = [f for f, _ in parts]
            if any(f is None for f in frames):
                return None, problems
            return combine_facts(frames), problems
    path, spec, demo_error = _resolve(source, spec, base_dir)
    if demo_error or path is None:
        return None, [DataProblem(spec.source, None, demo_error or "no file")]
    out = _Collector(_label(path, spec))
    if spec.shape not in SHAPES:
        out.error(None, f"shape {spec.shape!r} is not known; use one of {', '.join(SHAPES)}")
        return None, out.problems
    mapping = _check_mapping(spec, out)
    got = _read_raw(path, spec, out)
    if got is None or mapping is None:
        return None, out.problems
    raw, lines = got
    excel, parquet = _excel_or_parquet(path)
    table = _select_columns(raw, mapping, spec, out)
    if table is None:
        return None, out.problems
    table, lines = _parse_table(table, lines, spec, excel, out)
    table, lines = _apply_period(table, lines, period, out)
    if spec.shape == "daily":
        facts = _daily_facts(table, lines, out)
    else:
        facts = _orders_facts(table, lines, out)
    if facts is None or out.has_errors:
        return None, out.problems
    return facts, out.problems


def read_source(source: Any, base_dir: str | Path | None = None, period: Any = None) -> pd.DataFrame:
    """Facts of one source (a params `DataSource`, a mapping with the same keys, or a path).

    Raises `DataValidationError` with every error; warnings are kept in `facts.attrs['warnings']`.
    """
    facts, problems = inspect_source(source, base_dir, period)
    errors = [p for p in problems if p.severity == "error"]
    if errors or facts is None:
        raise DataValidationError(errors or problems)
    facts.attrs["warnings"] = [p for p in problems if p.severity == "warning"]
    return facts


def _check_mapping(spec: SourceSpec, out: _Collector) -> dict[str, str] | None:
    """Validate `columns` (our name -> their column); None when a name is unknown."""
    allowed = {"date", *DIMENSIONS, *_known_measures()}
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


def _select_columns(raw: pd.DataFrame, mapping: dict[str, str], spec: SourceSpec, out: _Collector) -> pd.DataFrame | None:
    """Their columns renamed to ours; unmapped columns that already carry one of our names are used as is."""
    available = list(raw.columns)
    by_lower = {c.lower(): c for c in available}
    known = {"date", *DIMENSIONS, *_known_measures()}
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
            out.error(theirs, f"column '{theirs}' (mapped to {ours}) is not in the file{hint}. Columns in the file: {', '.join(available)}")
    mapped_theirs = set(chosen.values())
    for col in available:
        name = col.lower()
        if name in known and name not in chosen and col not in mapped_theirs:
            chosen[name] = col
    required = ORDER_REQUIRED if spec.shape == "orders" else ("date",)
    for ours in required:
        if ours not in chosen and ours not in mapping:
            close = _suggest(ours, available, ours)
            hint = f"; map it, e.g. `columns: {{{ours}: {close[0]}}}`" if close else f"; map it with `columns: {{{ours}: <column>}}`"
            out.error(ours, f"required column '{ours}' is missing. Columns in the file: {', '.join(available)}{hint}")
    if spec.shape == "daily" and not any(c in _known_measures() for c in chosen) and not out.has_errors:
        out.error(None, f"no measure columns found (e.g. sessions, orders, revenue). Columns in the file: {', '.join(available)}; "
                  "map them with `columns: {revenue: <column>, ...}`")
    if out.has_errors:
        return None
    table = pd.DataFrame({ours: raw[theirs] for ours, theirs in chosen.items()}, index=raw.index)
    table.attrs["theirs"] = dict(chosen)  # our name -> the column in the file, for messages
    return table


def _column_name(table: pd.DataFrame, ours: str) -> str:
    return table.attrs.get("theirs", {}).get(ours, ours)


def _parse_table(
    table: pd.DataFrame, lines: pd.Series, spec: SourceSpec, excel: bool, out: _Collector
) -> tuple[pd.DataFrame, pd.Series]:
    parsed = pd.DataFrame(index=table.index)
    parsed.attrs["theirs"] = dict(table.attrs.get("theirs", {}))
    # dates
    dates = _parse_dates(table["date"], spec, excel)
    bad = dates.isna()
    if bad.any():
        col = _column_name(table, "date")
        values = table["date"][bad]
        empty = values.isna() | (values.astype("str").str.strip() == "")
        if empty.any():
            out.error(col, "empty dates", _rows(bad & empty.reindex(bad.index, fill_value=False), lines)[:MAX_ROWS_SHOWN])
        unreadable = bad & ~empty.reindex(bad.index, fill_value=False)
        if unreadable.any():
            examples = table["date"][unreadable]
            guess = _guess_date_format(examples)
            out_of_range = _out_of_range(examples, spec, excel)
            hint = ""
            if spec.date_format:
                hint = f"; expected the format `date_format: \"{spec.date_format}\"`"
                if guess and guess != spec.date_format:
                    hint += f", these look like \"{guess}\""
            elif guess:
                hint = f"; add `date_format: \"{guess}\"` to this data source"
            elif not out_of_range:
                hint = "; use ISO dates (2025-01-31), Excel dates, or declare `date_format` (e.g. \"%d-%m-%Y\")"
            if out_of_range:
                first = FIRST_EXCEL_DATE if excel else FIRST_DATE
                hint += f"; dates must lie between {first:%Y-%m-%d} and {LAST_DATE:%Y-%m-%d}"
            out.error(col, f"dates that cannot be read: {_examples(examples)}{hint}", _rows(unreadable, lines)[:MAX_ROWS_SHOWN])
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
    numeric = [c for c in table.columns if c in _known_measures() or c == "quantity"]
    for name in numeric:
        col = _column_name(table, name)
        values = _parse_numbers(table[name], spec)
        empty = table[name].isna() | (table[name].astype("str").str.strip() == "")
        if empty.any():
            out.error(col, f"empty values in '{name}'; write 0 where nothing happened, or leave the column out if it is unknown",
                      _rows(empty, lines)[:MAX_ROWS_SHOWN])
        bad = values.isna() & ~empty
        if bad.any():
            out.error(col, f"values that are not numbers: {_examples(table[name][bad])}{_number_hint(table[name][bad], spec)}",
                      _rows(bad, lines)[:MAX_ROWS_SHOWN])
        infinite = np.isinf(values)
        if infinite.any():
            out.error(col, "infinite values", _rows(infinite, lines)[:MAX_ROWS_SHOWN])
        huge = ~infinite & (values.abs() > MAX_ABS_VALUE)
        if huge.any():
            out.error(col, f"values larger than 1e15 in size: {_examples(table[name][huge])}; totals of such "
                      "values are not reliable (check the export: a unit, separator or scientific-notation mix-up?)",
                      _rows(huge, lines)[:MAX_ROWS_SHOWN])
        negative = values < 0
        if negative.any():
            if spec.shape == "orders" and name == "revenue":
                pass  # refund lines, see module docstring
            elif name in MAY_BE_NEGATIVE:
                out.warn(col, f"negative {name} (refunds larger than sales that day?)", _rows(negative, lines)[:MAX_ROWS_SHOWN])
            else:
                out.error(col, f"negative values in '{name}', which counts something and cannot be below 0",
                          _rows(negative, lines)[:MAX_ROWS_SHOWN])
        parsed[name] = values
    # keep checking what can be checked (duplicates, period, orders) on rows with a readable date
    keep = parsed["date"].notna()
    return parsed[keep], lines[keep.to_numpy()]


def _out_of_range(examples: pd.Series, spec: SourceSpec, excel: bool) -> bool:
    """Do some unreadable dates have the right form but lie outside what can be held (9999-12-31, Excel -3)?"""
    if excel and examples.map(lambda v: isinstance(v, (int, float, np.number)) or hasattr(v, "hour")).any():
        return True  # numbers and date/time cells are only unreadable when out of range
    text = examples.astype("str").str.strip()
    try:
        parsed = pd.to_datetime(text, format=spec.date_format or "ISO8601", errors="coerce", utc=True)
    except (ValueError, OverflowError):
        return False
    return bool(parsed.notna().any())


def _apply_period(table: pd.DataFrame, lines: pd.Series, period: Any, out: _Collector) -> tuple[pd.DataFrame, pd.Series]:
    if period is None:
        return table, lines
    if isinstance(period, (tuple, list)):
        start, end = period
    else:
        start, end = getattr(period, "start", None), getattr(period, "end", None)
    outside = pd.Series(False, index=table.index)
    if start is not None:
        outside |= table["date"] < pd.Timestamp(start)
    if end is not None:
        outside |= table["date"] > pd.Timestamp(end)
    if outside.any() and outside.all():
        dates = table["date"]
        out.error(_column_name(table, "date"), f"no rows fall inside the reporting period {_day(start)}..{_day(end)}; "
                  f"the data runs {dates.min():%Y-%m-%d}..{dates.max():%Y-%m-%d}; change `period` or check the file")
        return table[~outside], lines[~outside]
    if outside.any():
        dates = table["date"][outside]
        out.warn(_column_name(table, "date"), f"{int(outside.sum())} rows with dates outside the reporting period {start} .. {end} "
                 f"({dates.min():%Y-%m-%d} .. {dates.max():%Y-%m-%d}) are left out; widen `period` to use them",
                 _rows(outside, lines)[:MAX_ROWS_SHOWN])
        table, lines = table[~outside], lines[~outside]
    return table, lines


def _day(value: Any) -> str:
    return "…" if value is None else f"{pd.Timestamp(value):%Y-%m-%d}"


def _gap_warning(dates: pd.Series, out: _Collector, min_run: int = 1, column: str = "date") -> None:
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


def _daily_facts(table: pd.DataFrame, lines: pd.Series, out: _Collector) -> pd.DataFrame | None:
    dims = [d for d in DIMENSIONS if d in table]
    measures = _ordered_measures(c for c in table.columns if c not in ("date", *dims))
    keys = ["date", *dims]
    dup = table.duplicated(keys, keep=False)
    if dup.any():
        first = table[dup].iloc[0]
        what = ", ".join(f"{k}={first[k]:%Y-%m-%d}" if k == "date" else f"{k}={first[k]}" for k in keys)
        out.error(_column_name(table, "date"), f"{int(dup.sum())} rows repeat the same date{' x ' + ' x '.join(dims) if dims else ''} "
                  f"(first: {what}); sum them in the export or add the column that tells them apart",
                  _rows(dup, lines)[:MAX_ROWS_SHOWN])
        return None
    _gap_warning(table["date"], out, column=_column_name(table, "date"))
    return _finish(table, dims, measures)


def _orders_facts(table: pd.DataFrame, lines: pd.Series, out: _Collector) -> pd.DataFrame | None:
    if (table["order_id"] == "").any():
        out.error(_column_name(table, "order_id"), "empty order ids", _rows(table["order_id"] == "", lines)[:MAX_ROWS_SHOWN])
        return None
    dims = [d for d in DIMENSIONS if d in table]
    order_dims = [d for d in dims if d != "product"]
    t = table.assign(_line=lines.to_numpy(), _pos=np.arange(len(table)))
    guests = t["customer_id"] == ""
    if guests.any():
        out.warn(_column_name(table, "customer_id"), f"{int(guests.sum())} lines without a customer id (guest orders?); each counts as a one-time customer",
                 _rows(guests, lines)[:MAX_ROWS_SHOWN])
        t.loc[guests, "customer_id"] = "guest:" + t.loc[guests, "order_id"]
    grouped = t.groupby("order_id", sort=False)
    # lines of one order should agree on date, customer and order-level dimensions
    for col in ["date", "customer_id", *order_dims]:
        conflict = grouped[col].transform("nunique") > 1
        if conflict.any():
            severity = out.error if col in ("date", "customer_id") else out.warn
            severity(_column_name(table, col), f"lines of the same order have different '{col}' values; "
                     + ("fix the export" if col in ("date", "customer_id") else "the order's first line is used"),
                     _rows(conflict, lines)[:MAX_ROWS_SHOWN])
    if out.has_errors:
        return None
    agg: dict[str, Any] = {"date": "first", "customer_id": "first", "revenue": "sum", "_pos": "min"}
    agg.update({d: "first" for d in order_dims})
    if "quantity" in t:
        agg["quantity"] = "sum"
    elif "units_sold" in t:
        agg["units_sold"] = "sum"
    orders = grouped.agg(agg)
    if "product" in dims:  # the product of the order's largest line
        main = t.sort_values(["revenue", "_pos"], ascending=[False, True], kind="stable").drop_duplicates("order_id")
        orders["product"] = main.set_index("order_id")["product"].reindex(orders.index)
    refund = orders["revenue"] < 0
    orders["is_order"] = (~refund).astype(float)
    # first order of each customer, by date then position in the file (refund notes excluded)
    real = orders[~refund].sort_values(["date", "_pos"], kind="stable")
    first_ids = real.drop_duplicates("customer_id").index
    orders["is_first"] = orders.index.isin(first_ids)
    orders["is_repeat"] = (~orders["is_first"] & ~refund).astype(float)
    orders["units"] = orders["quantity"] if "quantity" in orders else orders.get("units_sold", np.nan)
    keys = ["date", *dims]
    cells = orders.groupby(keys, sort=True, dropna=False)
    facts = pd.DataFrame(
        {
            "orders": cells["is_order"].sum(),
            "revenue": cells["revenue"].sum(),
            "customers": orders[~refund].groupby(keys, sort=True)["customer_id"].nunique(),
            "new_customers": orders[orders["is_first"]].groupby(keys, sort=True)["customer_id"].nunique(),
            "repeat_orders": cells["is_repeat"].sum(),
        }
    )
    facts[["customers", "new_customers"]] = facts[["customers", "new_customers"]].fillna(0.0)
    facts["returning_customers"] = facts["customers"] - facts["new_customers"]
    measures = ["orders", "revenue", "customers", "new_customers", "returning_customers", "repeat_orders"]
    if "quantity" in t or "units_sold" in t:
        facts["units_sold"] = orders.loc[~refund].groupby(keys, sort=True)["units"].sum()
        facts["units_sold"] = facts["units_sold"].fillna(0.0)
        measures.append("units_sold")
    facts = facts.reset_index()
    _gap_warning(facts["date"], out, min_run=GAP_DAYS_ORDERS, column=_column_name(table, "date"))
    return _finish(facts, dims, _ordered_measures(measures))


def _ordered_measures(names: Iterable[str]) -> list[str]:
    names = list(dict.fromkeys(names))
    order = {m: i for i, m in enumerate(MEASURES)}
    return sorted(names, key=lambda m: (order.get(m, len(order)), m))


# ---------------------------------------------------------------- several sources


def combine_facts(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate per-source facts and sum per date x dims (NaN only where no source knows a measure)."""
    frames = [f for f in frames if f is not None]
    if not frames:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]")})
    dims = [d for d in DIMENSIONS if any(d in f for f in frames)]
    measures = _ordered_measures(c for f in frames for c in f.columns if c not in ("date", *DIMENSIONS))
    if len(frames) == 1:
        only = frames[0].copy()
        for dim in dims:
            if dim not in only:
                only[dim] = NONE_VALUE
        return _finish(only, dims, measures)
    filled = []
    for frame in frames:
        frame = frame.copy()
        for dim in dims:
            if dim not in frame:
                frame[dim] = NONE_VALUE
        filled.append(frame)
    allrows = pd.concat(filled, ignore_index=True)
    summed = allrows.groupby(["date", *dims], sort=True)[measures].sum(min_count=1).reset_index()
    return _finish(summed, dims, measures)


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


def _collect(config: Any) -> tuple[list[pd.DataFrame], list[DataProblem]]:
    frames, problems = [], []
    sources = _sources(config)
    if not sources:
        return [], [DataProblem(str(getattr(config, "source_file", None) or "<params>"), "data", "no data sources configured")]
    period = getattr(config, "period", None)
    for source in sources:
        facts, found = inspect_source(source, _base_dir(config), period)
        problems.extend(found)
        if facts is not None:
            frames.append(facts)
    return frames, problems


def check_data(config: Any) -> list[DataProblem]:
    """Every problem (errors and warnings) in all data sources of a params config; never raises for data problems."""
    return _collect(config)[1]


def load_facts(config: Any) -> pd.DataFrame:
    """Validated tidy daily facts of all sources of `config`; raises DataValidationError listing every error.

    Warnings (gaps, dates outside the period, ...) are in `facts.attrs['warnings']`.
    """
    frames, problems = _collect(config)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DataValidationError(errors)
    facts = combine_facts(frames)
    facts.attrs["warnings"] = [p for p in problems if p.severity == "warning"]
    return facts


def load_demo(name: str) -> pd.DataFrame:
    """Facts of bundled demo data: `webshop`, `b2b`, `newsletter` (= `newsletter_orders` + `newsletter_email`)."""
    return read_source({"source": f"demo:{name}"})
