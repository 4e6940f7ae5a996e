"""Reading client data files into raw cells with their line numbers, and parsing dates and numbers.

This is the file layer under `kpi_helpers.data.load`: it knows CSV (separator sniffing, UTF-8 with a
Windows-1252 fallback, UTF-16 detection, gzip), Excel (sheets, date cells, serial numbers) and
Parquet, and turns cells into datetimes and floats. It reports what it cannot read through a
`ProblemCollector` (file, column, rows) and leaves the meaning of the values (required columns,
negatives, duplicates, shapes) to `kpi_helpers.data.load`.

Row-number bookkeeping: every raw row carries its 1-based line number (header = line 1, first
data row = line 2; for Excel the sheet row, for Parquet the 1-based record number). Blank lines
are dropped only after numbering, so messages always point at the line a user sees.

Decisions (documented here because the notebooks and the CLI rely on them):

* Dates must lie between 1677-09-22 and 2262-04-11 (what pandas can hold); others are unreadable
  dates. Excel date cells and serial numbers before 1900-03-01 (Excel's fictitious 1900-02-29 and
  bare fractions like 0.5, which Excel shows as a time) are unreadable dates too. Timestamps with
  different UTC offsets in one column keep their own wall-clock date (`...T23:30+02:00` is that day).
* With `decimal: ","` a '.' in a number is only allowed as the declared `thousands` separator
  (otherwise `1.234` would silently read as 1.234 instead of 1234).
* A CSV line with more (non-empty) fields than the header is an error naming the line.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpi_helpers.data.safe_open import (
    MAX_LINE_BYTES,
    FileRefused,
    OpenedFile,
    ReadLimit,
    decompressed,
    match_files,
    open_data_file,
)
from kpi_helpers.exceptions import DataProblem
from kpi_helpers.spec.agency import current_limits, row_cap_problem

MAX_ROWS_SHOWN = 10  # rows listed per problem
FIRST_DATE = pd.Timestamp("1677-09-22")  # the whole days datetime64[ns] can hold
LAST_DATE = pd.Timestamp("2262-04-11")
FIRST_EXCEL_DATE = pd.Timestamp("1900-03-01")  # before: Excel's fictitious 1900-02-29, or a bare time
FIRST_EXCEL_SERIAL, LAST_EXCEL_SERIAL = 61, 2958465  # 1900-03-01 .. 9999-12-31
XLSX_STRINGS_PER_ROW = 20  # distinct texts an xlsx may hold per allowed data row (openpyxl keeps them all in memory)
MAX_XLSX_STRINGS = 5_000_000  # ... and at most this many, whatever the row limit (an Excel sheet has 1,048,576 rows)


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
    # export formats and normalising (kpi_helpers.data.presets / kpi_helpers.data.shaping); None = not set
    preset: str | None = None
    skip_rows: int | str | None = None  # a number of lines, or "auto" (find the header)
    comment: str | None = None
    footer: list[str] | None = None
    line_items: bool | None = None
    one_line_per_order: bool | None = None
    include_status: list[str] | None = None
    exclude_status: list[str] | None = None
    revenue_basis: str | None = None
    count_as: str | None = None
    blank_is_zero: bool | None = None
    measures: list[str] | None = None


def source_spec(source: Any) -> SourceSpec:
    if isinstance(source, SourceSpec):
        return source
    if isinstance(source, (str, Path)):
        return SourceSpec(source=str(source))
    get = source.get if isinstance(source, Mapping) else (lambda k, d=None: getattr(source, k, d))
    values: dict[str, Any] = {f.name: get(f.name) for f in dataclass_fields(SourceSpec)}
    values["source"] = str(values["source"])
    values["shape"] = values["shape"] or "daily"
    values["columns"] = dict(values["columns"] or {})
    return SourceSpec(**values)


class Rows(list):
    """Line numbers that remember how many there were before being cut to MAX_ROWS_SHOWN.

    `rows[:10]` keeps `total`, so a message can say "(+2,084 more)" however the caller cut it.
    """

    def __init__(self, items: Iterable[int] = (), total: int | None = None):
        super().__init__(int(i) for i in items)
        self.total = len(self) if total is None else total

    def __getitem__(self, index: Any) -> Any:
        got = super().__getitem__(index)
        return Rows(got, self.total) if isinstance(index, slice) else got


def value_examples(values: pd.Series, limit: int = 3) -> str:
    shown = list(dict.fromkeys(str(v) for v in values.tolist()))[:limit]
    return ", ".join(repr(v if len(v) <= 60 else v[:59] + "…") for v in shown)  # a 5 MB cell is never echoed whole


class ProblemCollector:
    """Collects problems for one file."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[DataProblem] = []

    def _add(self, column: str | None, message: str, rows: Iterable[int], severity: str) -> None:
        total = getattr(rows, "total", None)
        shown = [int(r) for r in rows]
        total = max(total if total is not None else len(shown), len(shown))
        self.problems.append(DataProblem(self.file, column, message, shown[:MAX_ROWS_SHOWN], severity, total))

    def error(self, column: str | None, message: str, rows: Iterable[int] = ()) -> None:
        self._add(column, message, rows, "error")

    def warn(self, column: str | None, message: str, rows: Iterable[int] = ()) -> None:
        self._add(column, message, rows, "warning")

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


# ---------------------------------------------------------------- reading raw files


def read_raw(path: Path, spec: SourceSpec, out: ProblemCollector) -> tuple[pd.DataFrame, pd.Series] | None:
    """All cells as raw values (strings for CSV) plus the 1-based line/row number of each row.

    The file is opened once (kpi_helpers.data.safe_open: no symlink inside a client's folder, a
    regular file with one link, at most `limits.data_bytes`) and every reader parses that descriptor."""
    try:
        demo = spec.source.startswith("demo:")  # bundled with the package, outside any client's folder
        opened = open_data_file(path, current_limits().data_bytes, confined=not demo)
    except FileNotFoundError:
        out.error(None, f"file not found (looked for {path})")
        return None
    except FileRefused as refused:
        out.error(None, str(refused))
        return None
    except OSError as error:
        out.error(None, f"cannot open the file ({error.strerror})")
        return None
    with opened:
        got = _read_opened(opened, spec, out)
    if got is None:
        return None
    raw, lines = got
    raw.columns = [str(c).strip() for c in raw.columns]
    if raw.columns.duplicated().any():
        dup = sorted(set(raw.columns[raw.columns.duplicated()]))
        out.error(None, f"the header has the same column name twice: {', '.join(dup)}")
        return None
    # blank lines (kept so line numbers stay right) are dropped here
    blank = raw.apply(lambda col: col.isna() | (col.astype("str").str.strip() == ""), axis=0).all(axis=1)
    raw, lines = raw[~blank], lines[~blank]
    excel, parquet = excel_or_parquet(path)
    drop = _summary_rows(raw, spec, comments=excel or parquet)  # CSV comment lines were skipped while reading
    raw, lines = raw[~drop], lines[~drop]
    if raw.empty:
        out.error(None, "the file has no data rows (only a header, or nothing at all)")
        return None
    return raw, lines


def _read_opened(opened: OpenedFile, spec: SourceSpec, out: ProblemCollector) -> tuple[pd.DataFrame, Any] | None:
    path = opened.path
    name = path.name.lower()
    limits = current_limits()
    try:
        numbers: Any = None
        if name.endswith((".xlsx", ".xlsm", ".xls")):
            if name.endswith((".xlsx", ".xlsm")):
                _check_xlsx_parts(opened, limits.data_bytes, limits.data_rows)
            skip = int(spec.skip_rows or 0)  # `auto` is sniffed for CSV only
            with opened.binary() as handle:
                raw = pd.read_excel(
                    handle,
                    sheet_name=spec.sheet if spec.sheet is not None else 0,
                    dtype=object,
                    skiprows=skip,
                    nrows=limits.data_rows + 1,
                )
            first_line = 2 + skip
        elif name.endswith((".parquet", ".pq")):
            raw = _read_parquet(opened, out)
            if raw is None:
                return None
            first_line = 1
        else:
            got = _read_csv(opened, spec, out)
            if got is None:
                return None
            raw, numbers = got
            first_line = 2
        too_many = row_cap_problem(out.file, len(raw))
        if too_many is not None:
            out.problems.append(too_many)
            return None
        raw.index = pd.RangeIndex(len(raw))  # rows are identified by `lines`, never by the file's own labels
        if numbers is None or len(numbers) != len(raw):
            numbers = np.arange(first_line, len(raw) + first_line)
        return raw, pd.Series(numbers, index=raw.index)
    except (ReadLimit, FileRefused) as stopped:
        out.error(None, str(stopped))
        return None
    except ValueError as error:
        if "Worksheet" in str(error) or "sheet" in str(error).lower():
            sheets = _sheet_names(opened)
            out.error(None, f"sheet {spec.sheet!r} not found; the workbook has: {', '.join(map(repr, sheets))}")
        else:
            out.error(None, f"cannot read the file: {error}")
        return None
    except Exception as error:  # noqa: BLE001 - any reader failure is a user-fixable file problem
        out.error(None, f"cannot read the file ({type(error).__name__}: {error}); is it really {path.suffix or 'CSV'}?")
        return None


def _check_xlsx_parts(opened: OpenedFile, max_bytes: int, max_rows: int) -> None:
    """Before openpyxl reads a workbook: its parts unpack to at most `max_bytes` together (zipfile never
    returns more than a part's declared size) and its shared strings are not more than the row limit allows."""
    import zipfile

    with opened.binary() as handle:
        try:
            archive = zipfile.ZipFile(handle)
        except zipfile.BadZipFile:
            return  # not a zip: openpyxl says what it is
        with archive:
            parts = archive.infolist()
            unpacked = sum(part.file_size for part in parts)
            if unpacked > max_bytes:
                raise ReadLimit(
                    f"refused before reading: the workbook unpacks to {unpacked:,} bytes, more than the limit of "
                    f"{max_bytes:,} (`limits.data_bytes` in params/_agency.yaml)"
                )
            cap = min(MAX_XLSX_STRINGS, XLSX_STRINGS_PER_ROW * max_rows)
            strings = next((p for p in parts if p.filename.lower().endswith("sharedstrings.xml")), None)
            if strings is not None and _count_xml_items(archive, strings, b"<si", cap) > cap:
                raise ReadLimit(
                    f"refused before reading: the workbook holds more than {cap:,} distinct texts "
                    f"({XLSX_STRINGS_PER_ROW} per allowed row, `limits.data_rows` in params/_agency.yaml)"
                )


def _count_xml_items(archive: Any, part: Any, tag: bytes, stop_after: int) -> int:
    """How many `tag` elements a zip part holds, counted while streaming it (stops once past `stop_after`)."""
    count, tail = 0, b""
    with archive.open(part) as stream:
        while count <= stop_after:
            chunk = stream.read(1 << 20)
            if not chunk:
                break
            data = tail + chunk
            count += data.count(tag + b">") + data.count(tag + b" ")
            tail = data[-(len(tag)) :]  # a tag split over two chunks is counted once: the tail has no '>' yet
    return count


def _read_parquet(opened: OpenedFile, out: ProblemCollector) -> pd.DataFrame | None:
    """A Parquet file, its rows and unpacked size taken from its metadata before a single row is read."""
    import pyarrow.parquet as pq

    limits = current_limits()
    with opened.binary() as handle:
        meta = pq.ParquetFile(handle).metadata
        too_many = row_cap_problem(out.file, meta.num_rows)
        if too_many is not None:
            out.problems.append(too_many)
            return None
        unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if unpacked > limits.data_bytes:
            raise ReadLimit(
                f"refused before reading: the file's rows unpack to {unpacked:,} bytes, more than the limit of "
                f"{limits.data_bytes:,} (`limits.data_bytes` in params/_agency.yaml)"
            )
        handle.seek(0)
        raw = pd.read_parquet(handle)
    if any(level is not None for level in raw.index.names):
        raw = raw.reset_index()  # e.g. written with `date` as the index: it is data, not row labels
    return raw


def _sheet_names(opened: OpenedFile) -> list[str]:
    try:
        with opened.binary() as handle:
            return list(pd.ExcelFile(handle).sheet_names)
    except Exception:  # noqa: BLE001
        return []


def _read_csv(path: OpenedFile, spec: SourceSpec, out: ProblemCollector) -> tuple[pd.DataFrame, Any] | None:
    """The cells as strings and each row's line number (None: header is line 1, rows follow)."""
    import warnings

    sep = spec.separator
    # index_col=False: a line with more fields than the header must not turn the first columns into an index
    options: dict[str, Any] = dict(
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=False,
        compression=None,  # unpacked here, counted (kpi_helpers.data.safe_open.decompressed)
        index_col=False,
        nrows=current_limits().data_rows + 1,
    )  # row cap: kpi_helpers.spec.agency
    skip, numbers = _skipped_lines(path, spec)
    if skip:
        options["skiprows"] = sorted(skip)
    try:
        if sep is None:  # sniff between the usual separators on the header line
            head = _head_line(path, skip)
            counts = {s: head.count(s) for s in (",", ";", "\t", "|")}
            sep = max(counts, key=lambda s: counts[s]) if max(counts.values()) else ","
        utf16 = looks_utf16(path)
        if utf16:  # reading goes on, so the problems it causes (no 'date' column, ...) are listed too
            out.error(
                None,
                "the file looks UTF-16 encoded (Excel's 'Unicode Text'); save it as "
                "'CSV UTF-8 (comma delimited)' and read that file instead",
            )
        encoding = "utf-8-sig"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            try:
                frame = _pandas_csv(path, sep, encoding, options)
            except UnicodeDecodeError:
                encoding = "cp1252"
                frame = _pandas_csv(path, sep, encoding, options)
                if not utf16:
                    out.warn(
                        None,
                        "the file is not UTF-8; read it as Windows-1252 (save as 'CSV UTF-8' to be sure of accents)",
                    )
        if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
            # pandas dropped the fields beyond the header; an error unless they were all empty (trailing separators)
            if _report_title_lines(path, sep, skip, out) or not _report_long_lines(path, sep, encoding, out, skip):
                return None
        return frame, numbers
    except pd.errors.EmptyDataError:
        out.error(None, "the file is empty")
    except pd.errors.ParserError as error:
        if _report_title_lines(path, sep or ",", skip, out):
            return None
        msg = str(error)
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
        if found:
            expected, line, saw = (int(g) for g in found.groups())
            out.error(
                None,
                f"line {line} has {saw} fields, the header has {expected}; check `separator` (now {sep!r}) "
                "and put values that contain it in double quotes",
                [line],
            )
        else:
            match = re.search(r"line (\d+)", msg)
            rows = [int(match.group(1))] if match else []
            out.error(None, f"cannot split the lines into columns ({msg}); check `separator` (now {sep!r})", rows)
    return None


def _pandas_csv(opened: OpenedFile, sep: str, encoding: str, options: dict[str, Any]) -> pd.DataFrame:
    """pandas reads the (unpacked) bytes of the opened file, counted: at most `limits.data_bytes`, short lines."""
    with decompressed(opened, current_limits().data_bytes, MAX_LINE_BYTES) as stream:
        return pd.read_csv(stream, sep=sep, encoding=encoding, **options)


@contextlib.contextmanager
def _opened(source: Path | OpenedFile) -> Iterator[OpenedFile]:
    """The file opened once: an already opened file as it is; a path (onboarding a file the user named)
    opened here, checked the same way (regular file, size)."""
    if isinstance(source, OpenedFile):
        yield source
    else:
        with open_data_file(Path(source), current_limits().data_bytes, confined=False) as opened:
            yield opened


def _text_lines(path: Path | OpenedFile, limit: int | None = None) -> list[str]:
    """The file's physical lines (decoded leniently; only for finding the header, never for values)."""
    found: list[str] = []
    try:
        with _opened(path) as opened, _open_text(opened, "utf-8-sig", errors="replace") as handle:
            for line in handle:
                found.append(line.rstrip("\r\n"))
                if limit is not None and len(found) >= limit:
                    break
    except OSError:
        pass
    return found


def _skipped_lines(path: OpenedFile, spec: SourceSpec) -> tuple[set[int], Any]:
    """0-based indexes of the lines above the header (`skip_rows`) and of comment lines, and the
    1-based line numbers of the data rows that remain (None when nothing is skipped)."""
    if not spec.skip_rows and not spec.comment:
        return set(), None
    text = _text_lines(path)
    above = spec.skip_rows
    if above == "auto":  # the header is the first line as wide as the table (title lines or none)
        above = sniff_layout(text[:200], spec.separator, spec.comment)[1]
    skip = set(range(min(int(above or 0), len(text))))
    if spec.comment:
        skip |= {i for i, line in enumerate(text) if line.lstrip().startswith(spec.comment)}
    for i, line in enumerate(text):  # blank lines between the skipped lines and the header
        if i not in skip and line.strip():
            break
        skip.add(i)
    kept = [i + 1 for i in range(len(text)) if i not in skip]
    return skip, np.array(kept[1:], dtype=int)


def _field_counts(lines: list[str], sep: str) -> list[int]:
    import csv

    if len(sep) != 1:
        return [len(line.split(sep)) for line in lines]
    return [len(next(csv.reader([line], delimiter=sep), [])) for line in lines]


def find_header_line(lines: list[str], sep: str, comment: str | None = None) -> int:
    """0-based index of the header: the first line with as many fields as most lines below it.

    Title lines ("Campaign report"), date ranges and `#` notes above a table have fewer fields.
    """
    from collections import Counter

    counts = _field_counts(lines, sep)
    usable = [i for i, line in enumerate(lines) if line.strip() and not (comment and line.lstrip().startswith(comment))]
    if not usable:
        return 0
    common = Counter(counts[i] for i in usable).most_common()
    width = max(c for c, n in common if n == common[0][1])
    if width < 2:
        return usable[0]
    return next(i for i in usable if counts[i] == width)


def sniff_layout(lines: list[str], separator: str | None = None, comment: str | None = None) -> tuple[str, int]:
    """(separator, 0-based header line): the separator that splits the table into the most columns."""
    candidates = (separator,) if separator else (",", ";", "\t", "|")
    best, width, header = candidates[0], 0, 0
    for sep in candidates:
        index = find_header_line(lines, sep, comment)
        body = [
            ln for ln in lines[index : index + 50] if ln.strip() and not (comment and ln.lstrip().startswith(comment))
        ]
        counts = _field_counts(body, sep)
        common = max(set(counts), key=counts.count) if counts else 0
        if common > width:
            best, width, header = sep, common, index
    return best, header


def _report_title_lines(path: OpenedFile, sep: str, skip: set[int], out: ProblemCollector) -> bool:
    """Lines above the header (titles, '#' notes) make the header look short: say so, not 'check separator'."""
    lines = _text_lines(path, limit=200)
    visible = [line if i not in skip else "" for i, line in enumerate(lines)]
    header = find_header_line(visible, sep)
    first = next((i for i, line in enumerate(visible) if line.strip()), 0)
    if header <= first:
        return False
    above = [lines[i] for i in range(first, header) if lines[i].strip()]
    width = _field_counts([lines[header]], sep)[0]
    short = all(n * 2 <= width or line.lstrip().startswith("#") for n, line in zip(_field_counts(above, sep), above))
    if not above or not short:  # e.g. a header without the trailing separator of the rows: not a title
        return False
    shown = ", ".join(repr(line[:40]) for line in above[:2])
    hashes = bool(above) and all(line.lstrip().startswith("#") for line in above)
    fix = 'add `comment: "#"` to this data source' if hashes else f"add `skip_rows: {header}` to this data source"
    out.error(
        None,
        f"line {header + 1} looks like the header, with {width} columns; the {header - first} line(s) "
        f"above it look like a title or notes ({shown}), not data; {fix} "
        f"(the separator {sep!r} is right)",
        list(range(first + 1, header + 1)),
    )
    return True


def _summary_rows(raw: pd.DataFrame, spec: SourceSpec, comments: bool = True) -> pd.Series:
    """Rows that are totals (`footer` prefixes, e.g. 'Total:') or comments in Excel sheets: left out.

    CSV comment lines are skipped before parsing (`_skipped_lines`); `comments=False` then."""
    drop = pd.Series(False, index=raw.index)
    prefixes = [p.strip().casefold() for p in (spec.footer or []) if p.strip()]
    if spec.comment and comments:
        prefixes.append(spec.comment.casefold())
    if not prefixes or raw.empty:
        return drop
    cells = raw.astype("str").apply(lambda col: col.str.strip())
    cells = cells.where(~(raw.isna() | cells.isin(["", "nan", "None"])))
    first = cells.bfill(axis=1).iloc[:, 0].fillna("").str.casefold()
    for prefix in prefixes:
        drop |= first.str.startswith(prefix)
    return drop


def _report_long_lines(
    path: OpenedFile, sep: str, encoding: str, out: ProblemCollector, skip: set[int] | None = None
) -> bool:
    """Report lines with non-empty fields beyond the header; False when there are any."""
    import csv

    if len(sep) != 1:  # a regular expression as separator: the csv module cannot split like pandas did
        out.error(None, f"some lines have more fields than the header; check `separator` (now {sep!r})")
        return False
    long_lines: list[tuple[int, int]] = []
    skip = skip or set()
    width = None
    with _open_text(path, encoding) as handle:
        for index, cells in enumerate(csv.reader(handle, delimiter=sep)):  # record numbers = line numbers of the rows
            if index in skip:
                continue
            if width is None:
                width = len(cells)
            elif len(cells) > width and any(f.strip() for f in cells[width:]):
                long_lines.append((index + 1, len(cells)))
    if not long_lines:
        return True
    line, count = long_lines[0]
    out.error(
        None,
        f"line {line} has {count} fields, the header has {width}; check `separator` (now {sep!r}) "
        "and put values that contain it in double quotes",
        Rows(n for n, _ in long_lines),
    )
    return False


def _open_text(opened: OpenedFile, encoding: str, errors: str = "strict") -> Any:
    """The (unpacked) text of the opened file, counted like pandas' read of it."""
    stream = decompressed(opened, current_limits().data_bytes, MAX_LINE_BYTES)
    return io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline="")


def looks_utf16(path: Path | OpenedFile) -> bool:
    """A UTF-16 byte order mark, or ASCII text with every other byte zero."""
    try:
        with _opened(path) as opened, decompressed(opened, current_limits().data_bytes, None) as handle:
            head = handle.read(64)
    except (OSError, FileRefused, ReadLimit):
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    even, odd = head[0::2], head[1::2]
    return len(head) >= 8 and (set(odd) == {0} or set(even) == {0})


def _head_line(path: OpenedFile, skip: set[int] | None = None) -> str:
    """The header line: the first line that is not skipped."""
    skip = skip or set()
    try:
        with _open_text(path, "utf-8-sig", errors="replace") as handle:
            for index, line in enumerate(handle):
                if index not in skip:
                    return line
    except OSError:
        pass
    return ""


# ---------------------------------------------------------------- parsing columns


def parse_dates(values: pd.Series, spec: SourceSpec, excel: bool) -> pd.Series:
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


def guess_date_format(values: pd.Series) -> str | None:
    text = values.astype("str").str.strip().head(50)
    for fmt in _DATE_CANDIDATES:
        if pd.to_datetime(text, format=fmt, errors="coerce").notna().all():
            return fmt
    return None


def dates_out_of_range(examples: pd.Series, spec: SourceSpec, excel: bool) -> bool:
    """Do some unreadable dates have the right form but lie outside what can be held (9999-12-31, Excel -3)?"""
    if excel and examples.map(lambda v: isinstance(v, (int, float, np.number)) or hasattr(v, "hour")).any():
        return True  # numbers and date/time cells are only unreadable when out of range
    text = examples.astype("str").str.strip()
    try:
        parsed = pd.to_datetime(text, format=spec.date_format or "ISO8601", errors="coerce", utc=True)
    except (ValueError, OverflowError):
        return False
    return bool(parsed.notna().any())


_NOT_NUMBER_CHARS = r"[€$£\s\u00a0]"  # currency signs and spaces around or inside a number


def parse_numbers(values: pd.Series, spec: SourceSpec) -> pd.Series:
    """Floats, NaN where a value is empty or not a number."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    if pd.api.types.is_string_dtype(values) and values.dtype != object:
        objs = values  # text only (a read CSV): no per-value Python work, it is most of a read's time
    else:  # Excel and code: numbers and text mixed
        objs = values.map(lambda v: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
    text = objs.astype("str").str.strip()
    # the replace runs in Python's re (pyarrow's RE2 has no such \s); most columns are plain digits and need none
    if not text.str.fullmatch(r"[-+0-9.,]*", na=True).all():
        text = text.str.replace(_NOT_NUMBER_CHARS, "", regex=True)
    if spec.thousands:
        text = text.str.replace(spec.thousands, "", regex=False)
    decimal = spec.decimal or "."
    if decimal != ".":
        numeric_already = (
            pd.Series(False, index=objs.index) if objs is values else objs.map(lambda v: isinstance(v, float))
        )
        # a '.' left in text is neither the decimal nor the declared thousands separator: `1.234` must not read as 1.234
        text = text.where(numeric_already | ~text.str.contains(".", regex=False), "not a number")
        text = text.where(numeric_already, text.str.replace(decimal, ".", regex=False))
    text = text.where(~text.isin(["", "nan", "None", "NaN"]), None)
    return pd.to_numeric(text, errors="coerce").astype(float)


def number_hint(bad: pd.Series, spec: SourceSpec) -> str:
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


# ---------------------------------------------------------------- locating the file


def excel_or_parquet(path: Path) -> tuple[bool, bool]:
    name = path.name.lower()
    return name.endswith((".xlsx", ".xlsm", ".xls")), name.endswith((".parquet", ".pq"))


def source_label(path: Path, spec: SourceSpec) -> str:
    excel, _ = excel_or_parquet(path)
    if excel:
        return f"{path} [sheet {spec.sheet!r}]" if spec.sheet is not None else f"{path} [first sheet]"
    return str(path)


def resolve_source(
    source: Any, spec: SourceSpec, base_dir: str | Path | None
) -> tuple[Path | None, SourceSpec, str | None]:
    """The file to read and the effective spec (demo sources bring their own read options)."""
    if spec.source.startswith("demo:"):
        from kpi_helpers.data.demo import DEMO_SOURCES

        name = spec.source[len("demo:") :]
        demo = DEMO_SOURCES.get(name)
        if demo is None:
            from kpi_helpers.data.demo import DEMO_GROUPS

            known = ", ".join("demo:" + n for n in [*DEMO_SOURCES, *DEMO_GROUPS])
            return None, spec, f"unknown demo data '{spec.source}'; available: {known}"
        merged = replace(
            spec,
            shape=demo.shape,
            columns={**demo.columns, **spec.columns},
            date_format=spec.date_format or demo.date_format,
            separator=spec.separator or demo.separator,
            decimal=spec.decimal or demo.decimal,
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


GLOB_CHARS = set("*?[")


def source_files(path: Path, out: ProblemCollector) -> list[Path]:
    """The file, or the files a pattern (`exports/orders-*.csv`) matches, in name order.

    Matches are found without following symlinks inside a client's folder (a symlinked match is an
    error naming it) and together hold at most `limits.data_bytes` (each is opened and checked again
    when it is read: kpi_helpers.data.safe_open)."""
    if not GLOB_CHARS & set(str(path)):
        return [path]
    try:
        files = match_files(path)
    except FileRefused as refused:
        out.error(None, str(refused))
        return []
    except (FileNotFoundError, NotADirectoryError):
        files = []  # the folder is missing: nothing matches
    except OSError as error:
        out.error(None, f"cannot list the files matching {path} ({error.strerror})")
        return []
    if not files:
        out.error(None, f"no files match {path}")
        return files
    limit = current_limits().data_bytes
    total = sum(_size(f) for f in files)
    if total > limit:
        out.error(
            None,
            f"the {len(files)} files matching {path} hold {total:,} bytes together, more than the limit of "
            f"{limit:,} (`limits.data_bytes` in params/_agency.yaml)",
        )
        return []
    return files


def _size(path: Path) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0
