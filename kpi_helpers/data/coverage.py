"""Which days a source's data stand for, so a hole in an export is "no data", never a run of zeros.

A source covers a day when its rows say what happened that day (0 included). Its rows make
*covered intervals*; the days between them, inside the source's own span, are a **hole**:

* a daily-aggregate export (`shape: daily`) has a row for every day it covers (0 when nothing
  happened), so any day without a row is a day without data (`MIN_GAP_DAYS_DAILY`);
* order lines and events (`shape: orders` / `events`) have no row on a quiet day, so only a run
  of `MIN_GAP_DAYS_AS_HOLE` or more days without any row is a hole; shorter runs are quiet days (0);
* a monthly (quarterly) export, every row on the 1st, covers each row's whole month (quarter): a
  missing month is a hole (`kpi_helpers.data.sources.covered_until` reads the same cadence).

The intervals of each measure are kept in ``facts.attrs['coverage']`` ({measure: array of
[first, last] days}) by the loader; the engine (`kpi_helpers.compute.engine`) makes a period
without covered days "no data" (NaN with a reason, coverage 'empty') and one with some 'partial'.
Facts built in code without that record get the rule inferred from their own rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

#: A daily-aggregate export writes a row for every day it covers (0 when nothing happened): a day without one is missing.
MIN_GAP_DAYS_DAILY = 1
#: Order lines and events have no row on a quiet day; a week without a single one is an export gap, not a quiet
#: week (the same run length as validate's gap warning for order lines, kpi_helpers.data.load.GAP_DAYS_ORDERS).
MIN_GAP_DAYS_AS_HOLE = 7
#: The measures an order-lines source gives (additive ones and those counted from its order table).
ORDER_LINE_MEASURES = ("revenue", "units_sold", "orders", "customers", "new_customers", "returning_customers",
                       "repeat_orders")  # fmt: skip

_DAY = "datetime64[D]"
Intervals = np.ndarray  # shape (n, 2), datetime64[D]: first and last covered day of each run, sorted, disjoint


class CoverageRecord(Mapping[str, Intervals]):
    """{measure: covered intervals}, read-only. pandas deep-copies `attrs` on every derived frame
    (each column access): this record is immutable, so a copy is the record itself (cheap)."""

    def __init__(self, intervals: Mapping[str, Intervals]) -> None:
        self._data = {}
        for m, spans in intervals.items():
            frozen = np.array(spans, dtype=_DAY).reshape(-1, 2)
            frozen.setflags(write=False)
            self._data[m] = frozen

    def __getitem__(self, measure: str) -> Intervals:
        return self._data[measure]

    def __iter__(self) -> Any:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __deepcopy__(self, memo: dict[int, Any]) -> CoverageRecord:
        return self

    def __repr__(self) -> str:
        return f"CoverageRecord({sorted(self._data)})"


def min_gap_days(shape: str | None) -> int:
    """The shortest run of days without rows that is a hole, for a source of this shape."""
    return MIN_GAP_DAYS_DAILY if shape in (None, "daily") else MIN_GAP_DAYS_AS_HOLE


def covered_intervals(dates: Any, min_gap: int = MIN_GAP_DAYS_DAILY) -> Intervals:
    """The runs of days that rows on `dates` cover (see the module docstring)."""
    days = np.unique(np.asarray(pd.DatetimeIndex(dates).dropna().normalize(), dtype="datetime64[ns]").astype(_DAY))
    if not len(days):
        return np.empty((0, 2), dtype=_DAY)
    stamps = pd.DatetimeIndex(days)
    if (stamps.day == 1).all():  # a monthly (quarterly) export: each row stands for its month (quarter)
        from kpi_helpers.data.sources import covered_until

        quarterly = covered_until(stamps) != stamps[-1] + pd.offsets.MonthEnd(0)
        step = 3 if quarterly else 1
        months = days.astype("datetime64[M]")
        ends = (months + np.timedelta64(step, "M")).astype(_DAY) - np.timedelta64(1, "D")
        starts = days
        breaks = np.flatnonzero(starts[1:] > ends[:-1] + np.timedelta64(1, "D")) + 1
    else:
        starts = ends = days
        missing = np.diff(days).astype(np.int64) - 1  # days without a row between two rows
        breaks = np.flatnonzero(missing >= min_gap) + 1
    first = np.concatenate([[0], breaks])
    last = np.concatenate([breaks - 1, [len(days) - 1]])
    return np.stack([starts[first], ends[last]], axis=1)


def merge_intervals(parts: Iterable[Intervals]) -> Intervals:
    """The union of several sets of covered intervals (two sources giving the same measure)."""
    spans = [p for p in parts if len(p)]
    if not spans:
        return np.empty((0, 2), dtype=_DAY)
    both = np.concatenate(spans).astype(_DAY)
    both = both[np.argsort(both[:, 0], kind="stable")]
    out = [list(both[0])]
    for first, last in both[1:]:
        if first <= out[-1][1] + np.timedelta64(1, "D"):
            out[-1][1] = max(out[-1][1], last)
        else:
            out.append([first, last])
    return np.array(out, dtype=_DAY)


def clip_intervals(intervals: Intervals, first: Any, last: Any) -> Intervals:
    """The part of `intervals` between `first` and `last` (inclusive days)."""
    lo, hi = np.datetime64(pd.Timestamp(first), "D"), np.datetime64(pd.Timestamp(last), "D")
    if not len(intervals) or hi < lo:
        return np.empty((0, 2), dtype=_DAY)
    starts, ends = np.maximum(intervals[:, 0], lo), np.minimum(intervals[:, 1], hi)
    keep = starts <= ends
    return np.stack([starts[keep], ends[keep]], axis=1)


def covered_days(intervals: Intervals, starts: Any, ends: Any) -> np.ndarray:
    """How many days of each [start, end] (inclusive) the intervals cover (vectorised: prefix sums)."""
    s = np.asarray(starts, dtype="datetime64[ns]").astype(_DAY)
    e = np.asarray(ends, dtype="datetime64[ns]").astype(_DAY) + np.timedelta64(1, "D")
    if not len(intervals):
        return np.zeros(len(s), dtype=np.int64)
    first = intervals[:, 0]
    length = (intervals[:, 1] - first).astype(np.int64) + 1
    before = np.concatenate([[0], np.cumsum(length)])

    def upto(x: np.ndarray) -> np.ndarray:  # covered days strictly before x
        i = np.searchsorted(first, x, side="right") - 1
        inside = np.clip((x - first[np.maximum(i, 0)]).astype(np.int64), 0, length[np.maximum(i, 0)])
        return np.where(i >= 0, before[np.maximum(i, 0)] + inside, 0)

    return np.maximum(upto(e) - upto(s), 0)


def source_coverage(facts: pd.DataFrame, shape: str | None) -> CoverageRecord:
    """{measure: covered intervals} of one source's facts (the dates on which it gives the measure)."""
    gap = min_gap_days(shape)
    out = {}
    for m in facts.columns:
        if m == "date" or facts[m].dtype.kind != "f":
            continue
        known = facts["date"][facts[m].notna()]
        if len(known):
            out[m] = covered_intervals(known, gap)
    return CoverageRecord(out)


def combined_coverage(frames: Iterable[pd.DataFrame]) -> CoverageRecord:
    """{measure: intervals} over several sources' facts: each frame's own record (else inferred from its
    rows: the order-lines rule for a frame with order lines, else the daily rule), merged per measure."""
    parts: dict[str, list[Intervals]] = {}
    for frame in frames:
        own: Mapping[str, Intervals] | None = frame.attrs.get("coverage")
        if own is None:
            own = source_coverage(frame, "orders" if getattr(frame, "order_source", None) is not None else "daily")
        for m, intervals in own.items():
            parts.setdefault(m, []).append(intervals)
    return CoverageRecord({m: merge_intervals(p) for m, p in parts.items()})


def measure_intervals(facts: pd.DataFrame, measure: str, known_dates: Any) -> Intervals:
    """The covered intervals of `measure` in `facts`: the loader's record when there is one, else
    inferred from the dates on which the facts give it (`known_dates`)."""
    record = facts.attrs.get("coverage") or {}
    if measure in record:
        return record[measure] if isinstance(record, CoverageRecord) else np.asarray(record[measure], dtype=_DAY)
    order_lines = getattr(facts, "order_table", None) is not None and measure in ORDER_LINE_MEASURES
    return covered_intervals(known_dates, MIN_GAP_DAYS_AS_HOLE if order_lines else MIN_GAP_DAYS_DAILY)


def holes(intervals: Intervals) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(first, last) day of every hole between covered intervals."""
    return [
        (pd.Timestamp(a + np.timedelta64(1, "D")), pd.Timestamp(b - np.timedelta64(1, "D")))
        for a, b in zip(intervals[:-1, 1], intervals[1:, 0])
    ]
