"""Computing KPIs from the tidy daily facts: any grain, any dimension, period over period,
KPI-pair quadrants and seasonality.

Rules every function here follows (see docs/architecture.md):

* Measures are summed first, ratios are taken last: a monthly conversion rate is
  ``sum(orders) / sum(sessions)`` over the month, never the mean of the daily rates.
* One ``groupby`` per call (per grain), not one per KPI: all measures the requested KPIs
  need are summed in a single pass, then every KPI is derived from that small table.
* A ratio whose denominator is 0 or missing is *not available*: ``value`` is NaN and
  ``available`` is False. Never ``inf``.
* A period in which a measure's source has no rows at all (a hole in an export, see
  :mod:`kpi_helpers.data.coverage`) is no data: NaN with a reason and coverage 'empty', never 0.
* A KPI whose measures are missing from the facts raises :class:`GoalError` naming the KPI
  and the measures (``missing='skip'`` drops those KPIs instead and lists them in
  ``result.attrs['skipped']``).

Pacing lives in :mod:`kpi_helpers.compute.pacing`, driver trees and what-if in
:mod:`kpi_helpers.compute.drivers`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kpi_helpers.data.coverage import clip_intervals, covered_days, measure_intervals
from kpi_helpers.data.facts import ORDER_MEASURES, count_orders, order_table_of
from kpi_helpers.data.sources import covered_until
from kpi_helpers.exceptions import GoalError, KpiWorkbookError, UnknownKpiError
from kpi_helpers.i18n.messages import catalog
from kpi_helpers.spec.catalog import Catalog, Kpi
from kpi_helpers.spec.vocab import GRAINS, LANGUAGES, Grain, KpiType

TABLE_COLUMNS = ("period", "kpi", "value", "numerator", "denominator", "available", "unit", "coverage")
#: How much of a period the data covers: every day of it, some days, or none.
COVERAGE = ("complete", "partial", "empty")

#: Pair quadrants: a relative change smaller than this (either way) counts as "no change".
STABLE_BAND = 0.02
#: Seasonality: a month whose index is at least 1 + SEASON_BAND is a peak month, at most
#: 1 - SEASON_BAND a quiet month.
SEASON_BAND = 0.10

_NS = "datetime64[ns]"


# --------------------------------------------------------------------------- periods
def _check_grain(grain: str | None) -> None:
    if grain is not None and grain not in GRAINS:
        raise KpiWorkbookError(
            f"Unknown grain '{grain}': use one of {', '.join(GRAINS)} (or None for the whole period)."
        )


def period_start(dates: Any, grain: str) -> np.ndarray:
    """Start of the period (day, Monday of the week, first of month/quarter/year) for each date."""
    _check_grain(grain)
    d = np.asarray(pd.to_datetime(dates), dtype=_NS).astype("datetime64[D]")
    if grain == Grain.DAY:
        out = d
    elif grain == Grain.WEEK:  # 1970-01-01 was a Thursday: Monday-based weekday = (days + 3) % 7
        out = d - ((d.view("int64") + 3) % 7).astype("timedelta64[D]")
    elif grain == Grain.MONTH:
        out = d.astype("datetime64[M]")
    elif grain == Grain.QUARTER:
        m = d.astype("datetime64[M]").view("int64")
        out = (m - m % 3).astype("datetime64[M]")
    else:
        out = d.astype("datetime64[Y]")
    return out.astype(_NS)


def _as_ns(values: Any) -> np.ndarray:
    """datetime64[ns] array of `values` (no pandas parsing when they already are: a hot path)."""
    if isinstance(values, np.ndarray) and values.dtype == _NS:
        return values
    return np.asarray(pd.to_datetime(values), dtype=_NS)


def shift_periods(periods: Any, grain: str, n: int = 1) -> np.ndarray:
    """Period starts moved by ``n`` periods of ``grain`` (negative = back in time)."""
    p = _as_ns(periods)
    if grain == Grain.DAY:
        return p + np.timedelta64(n, "D")
    if grain == Grain.WEEK:
        return p + np.timedelta64(7 * n, "D")
    if grain in (Grain.MONTH, Grain.QUARTER):
        months = n * (3 if grain == Grain.QUARTER else 1)
        return (p.astype("datetime64[M]") + np.timedelta64(months, "M")).astype(_NS)
    if grain == Grain.YEAR:
        return (p.astype("datetime64[Y]") + np.timedelta64(n, "Y")).astype(_NS)
    raise KpiWorkbookError(f"Cannot shift periods of grain '{grain}'.")


def same_period_last_year(periods: Any, grain: str) -> np.ndarray:
    """Comparable period one year earlier: 52 weeks back for day/week (keeps the weekday),
    12 months back for month/quarter/year."""
    if grain in (Grain.DAY, Grain.WEEK):
        return np.asarray(pd.to_datetime(periods), dtype=_NS) - np.timedelta64(364, "D")
    return shift_periods(periods, "month", -12)


def _infer_grain(periods: pd.Series) -> str | None:
    u = np.unique(np.asarray(periods, dtype=_NS))
    if len(u) < 2:
        return None
    step = int(np.min(np.diff(u)) / np.timedelta64(1, "D"))
    return "day" if step == 1 else "week" if step == 7 else "month" if step < 32 else "quarter" if step < 93 else "year"


# --------------------------------------------------------------------------- catalog
#: What the functions below accept as `catalog`: a Catalog, KPI objects by id or a list of them,
#: or None for the active catalog (a client's inside `use_catalog`, else the bundled one).
CatalogLike = Catalog | Mapping[str, Kpi] | Iterable[Kpi] | None


def _catalog(catalog: CatalogLike) -> Any:
    """The catalog to look ids up in: given one, a list/dict of Kpi objects, or the default."""
    if catalog is None:
        try:
            from kpi_helpers.spec.catalog import load_catalog  # written in parallel; optional here
        except ImportError:
            return {}
        return load_catalog()
    if isinstance(catalog, Mapping) or hasattr(catalog, "__getitem__") and not isinstance(catalog, (list, tuple)):
        return catalog
    return {k.id: k for k in catalog}


def get_kpi(kpi: str | Kpi, catalog: CatalogLike = None, known: Mapping[str, Kpi] | None = None) -> Kpi:
    """A Kpi object for an id (or the object itself)."""
    if isinstance(kpi, Kpi):
        return kpi
    if known and kpi in known:
        return known[kpi]
    cat = _catalog(catalog)
    try:
        return cat[kpi]
    except KeyError:
        raise UnknownKpiError(f"Unknown KPI '{kpi}': it is not in the KPI catalog.") from None


def _resolve(kpis: Iterable[str | Kpi] | str | Kpi, catalog: Any) -> tuple[list[Kpi], list[Kpi]]:
    """(requested KPIs, hidden base KPIs needed by growth KPIs)."""
    if isinstance(kpis, (str, Kpi)):
        kpis = [kpis]
    given = {k.id: k for k in kpis if isinstance(k, Kpi)}
    cat = None
    requested: list[Kpi] = []
    for k in kpis:
        if not isinstance(k, Kpi):
            cat = _catalog(catalog) if cat is None else cat
        requested.append(get_kpi(k, cat if cat is not None else catalog, given))
    ids = {k.id for k in requested}
    hidden: list[Kpi] = []
    for k in requested:
        if k.type == KpiType.GROWTH:
            if not k.growth_of:
                raise KpiWorkbookError(f"Growth KPI '{k.id}' does not say which KPI it is the growth of.")
            if k.growth_of not in ids:
                base = get_kpi(k.growth_of, catalog, given)
                if base.type == KpiType.GROWTH:
                    raise KpiWorkbookError(f"Growth KPI '{k.id}' is the growth of another growth KPI.")
                hidden.append(base)
                ids.add(base.id)
    return requested, hidden


def kpi_meta(kpis: Iterable[Kpi]) -> dict[str, dict[str, Any]]:
    """Plain-data description of KPIs, kept in ``table.attrs['kpis']`` for later steps."""
    return {
        k.id: {"type": k.type, "unit": k.unit, "direction": k.direction, "labels": dict(k.labels), "domain": k.domain}
        for k in kpis
    }


def _meta_for(table: pd.DataFrame, kpi_id: str, catalog: Any) -> dict[str, Any] | None:
    meta = table.attrs.get("kpis", {}).get(kpi_id)
    if meta is not None:
        return meta
    try:
        return kpi_meta([get_kpi(kpi_id, catalog)])[kpi_id]
    except KpiWorkbookError:
        return None


# --------------------------------------------------------------------------- compute
def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _window(facts: pd.DataFrame, period: Any) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Facts restricted to ``period`` ((start, end) inclusive, or a pandas period string such
    as '2024-03' / '2024Q1' / '2024'), and the window start."""
    if period is None:
        return facts, (pd.Timestamp(facts["date"].min()).normalize() if len(facts) else None)
    start, end = period_bounds(period)
    d = facts["date"]
    return facts[(d >= start) & (d <= end)], start


def period_bounds(period: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(first day, last day) of a period given as (start, end) or a pandas period string."""
    if isinstance(period, (tuple, list)) and len(period) == 2:
        return pd.Timestamp(period[0]).normalize(), pd.Timestamp(period[1]).normalize()
    if isinstance(period, pd.Period):
        p = period
    else:
        try:
            p = pd.Period(str(period))
        except (ValueError, TypeError):
            raise KpiWorkbookError(
                f"Cannot read period {period!r}: give (start, end) or e.g. '2024-03', '2024Q1'."
            ) from None
    return p.start_time.normalize(), p.end_time.normalize()


def _terms(agg: dict[str, np.ndarray], terms: Sequence[tuple[str, int]], n: int) -> np.ndarray:
    """Signed sum of measure totals; NaN only where every term is missing."""
    total = np.zeros(n)
    seen = np.zeros(n, dtype=bool)
    for m, sign in terms:
        v = agg[m]
        ok = ~np.isnan(v)
        total += sign * np.where(ok, v, 0.0)
        seen |= ok
    return np.where(seen, total, np.nan)


def compute_kpis(
    facts: pd.DataFrame,
    kpis: Iterable[str | Kpi] | str | Kpi,
    grain: str | None = "month",
    by: str | Sequence[str] | None = None,
    catalog: CatalogLike = None,
    period: Any = None,
    missing: str = "raise",
) -> pd.DataFrame:
    """KPIs per period (and per ``by`` dimension values) as a tidy table.

    Columns: ``period`` (period start; with ``grain=None`` the window start), the ``by``
    columns, ``kpi``, ``value`` (float, NaN when not available), ``numerator``,
    ``denominator`` (NaN for sum KPIs; for growth KPIs the current and previous value of the
    base KPI), ``available`` and ``unit``. ``grain=None`` gives one row per dimension value
    for the whole window (see :func:`breakdown`). Growth KPIs compare with the previous period
    of the same dimension values in this table. ``missing``: 'raise' (GoalError) or 'skip'.
    ``table.attrs`` keeps ``grain``, ``by`` and ``kpis`` (type/unit/direction/labels).
    """
    _check_grain(grain)
    if missing not in ("raise", "skip"):
        raise KpiWorkbookError("missing must be 'raise' or 'skip'.")
    if "date" not in facts.columns:
        raise KpiWorkbookError("The facts have no 'date' column.")
    by = _as_list(by)
    absent = [b for b in by if b not in facts.columns]
    if absent:
        raise KpiWorkbookError(f"Cannot break down by {', '.join(absent)}: not a column of the data.")
    requested, hidden = _resolve(kpis, catalog)

    def lacking(k: Kpi) -> list[str]:
        if k.type == KpiType.GROWTH:
            base = next(b for b in requested + hidden if b.id == k.growth_of)
            return lacking(base)
        return sorted(k.measures - set(facts.columns))

    problems = {k.id: lacking(k) for k in requested + hidden if lacking(k)}
    if problems:
        if missing == "raise":
            lines = "; ".join(f"KPI '{kid}' needs {', '.join(ms)}" for kid, ms in problems.items())
            raise GoalError(f"Cannot compute from this data: {lines} (not in the data).")
        requested = [k for k in requested if k.id not in problems]
        hidden = [k for k in hidden if k.id not in problems]
    plan = [k for k in hidden + requested if k.type != KpiType.GROWTH]
    measures = sorted({m for k in plan for m in k.measures})

    data, start = _window(facts, period)
    data = data[data["date"].notna()]
    # One groupby on a single int64 key (period code × dimension codes): periods are derived
    # from the few distinct dates only, which is much cheaper than per row.
    date_codes, dates = pd.factorize(data["date"])
    if grain is None:
        codes = [np.zeros(len(data), dtype=np.int64)]
        uniques = [np.array([start if start is not None else pd.NaT], dtype=_NS)]
    else:
        period_codes, periods = pd.factorize(period_start(dates, grain), sort=True)
        codes, uniques = [period_codes[date_codes].astype(np.int64)], [np.asarray(periods, dtype=_NS)]
    for b in by:
        c, u = pd.factorize(data[b], sort=True, use_na_sentinel=False)
        codes.append(c.astype(np.int64))
        uniques.append(np.asarray(u, dtype=object))
    key = np.zeros(len(data), dtype=np.int64)
    for c, u in zip(codes, uniques):
        key = key * max(len(u), 1) + c
    grouped = data[measures].groupby(key, sort=True) if measures else pd.Series(key).groupby(key)
    agg_df = grouped.sum(min_count=1) if measures else grouped.size().to_frame("n")
    n = len(agg_df)
    cell_keys = agg_df.index.to_numpy(dtype=np.int64)
    present = cell_keys.copy()
    levels = []
    for _c, u in reversed(list(zip(codes, uniques))):
        levels.append(u[present % max(len(u), 1)])
        present = present // max(len(u), 1)
    index = pd.MultiIndex.from_arrays(levels[::-1], names=["period"] + by)
    agg = {m: agg_df[m].to_numpy(dtype=float) for m in measures}
    all_codes, all_days = pd.factorize(facts["date"], sort=True)
    spans = {m: _span(facts, m, all_codes, pd.DatetimeIndex(all_days)) for m in measures}
    _zero_within_spans(agg, index.get_level_values(0).to_numpy(dtype=_NS), grain, period, facts, spans)
    unavailable = _non_additive(agg, data, measures, key, cell_keys, by, catalog)
    if grain is not None and n:  # periods without any row inside the data's coverage: nothing happened, 0
        index, agg = _fill_empty_periods(index, agg, grain, by)
        n = len(index)
    # a period without a single covered day of a measure (a hole in its source) is no data, never 0
    for m, code in _blank_uncovered(agg, index.get_level_values(0).to_numpy(dtype=_NS), grain, period, facts, spans):
        unavailable.setdefault(m, code)

    results: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    for k in plan:
        num = _terms(agg, k.numerator, n)
        if k.type == KpiType.RATIO:
            den = _terms(agg, k.denominator or (), n)
            ok = np.isfinite(num) & np.isfinite(den) & (den != 0)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                val = np.where(ok, num / np.where(ok, den, 1.0), np.nan)
        else:
            den = np.full(n, np.nan)
            val = num
        # a sum that overflowed is as unavailable as a zero denominator: never report inf
        ok = ok & np.isfinite(val) if k.type == KpiType.RATIO else np.isfinite(val)
        val = np.where(ok, val, np.nan)
        results[k.id] = (val, num, den, ok)
    for k in requested:
        if k.type == KpiType.GROWTH:
            assert k.growth_of is not None, k.id  # the catalog checks that a growth KPI names its base
            cur = results[k.growth_of][0]
            if grain is None:
                prev = np.full(n, np.nan)
            else:
                base = pd.Series(cur, index=index)
                arrays = [shift_periods(index.get_level_values(0), grain, -1)]
                arrays += [index.get_level_values(i) for i in range(1, index.nlevels)]
                prev_idx = pd.MultiIndex.from_arrays(arrays, names=index.names)
                prev = base.reindex(prev_idx).to_numpy(dtype=float)
            ok = np.isfinite(cur) & np.isfinite(prev) & (prev != 0)
            if grain is not None:  # a growth is a comparison: a period with a hole in its data is not compared
                base_kpi = next(b for b in requested + hidden if b.id == k.growth_of)
                whole = _coverage_of(base_kpi, index, grain, period, facts, spans) == "complete"
                whole_prev = pd.Series(whole, index=index).reindex(prev_idx).fillna(False).to_numpy(dtype=bool)
                ok &= whole & whole_prev
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                val = np.where(ok, (cur - prev) / np.abs(np.where(ok, prev, 1.0)), np.nan)
            ok &= np.isfinite(val)
            val = np.where(ok, val, np.nan)
            results[k.id] = (val, cur, prev, ok)

    k_count = len(requested)
    cols: dict[str, Any] = {}
    for i, name in enumerate(["period"] + by):
        cols[name] = np.tile(index.get_level_values(i).to_numpy(), k_count)
    cols["kpi"] = np.repeat(np.array([k.id for k in requested], dtype=object), n)
    for j, name in enumerate(("value", "numerator", "denominator")):
        cols[name] = np.concatenate([results[k.id][j] for k in requested]) if requested else np.array([], float)
    cols["available"] = np.concatenate([results[k.id][3] for k in requested]) if requested else np.array([], bool)
    cols["unit"] = np.repeat(np.array([k.unit for k in requested], dtype=object), n)
    starts = index.get_level_values(0).to_numpy(dtype=_NS)
    ends = _period_ends(starts, grain, period, facts)
    cols["coverage"] = (
        np.concatenate([_coverage(starts, ends, [spans[m] for m in k.measures if m in spans]) for k in requested])
        if requested
        else np.array([], object)
    )
    out = pd.DataFrame(cols)
    out["period"] = out["period"].astype(_NS)
    out["kpi"] = out["kpi"].astype("str")
    out["unit"] = out["unit"].astype("str")
    out["available"] = out["available"].astype(bool) & out["value"].notna()
    reasons: dict[str, list[tuple[str, str]]] = {}
    for k in requested:
        base = next((b for b in requested + hidden if b.id == k.growth_of), k) if k.type == KpiType.GROWTH else k
        why = sorted((unavailable[m], m) for m in base.measures if m in unavailable)
        if why:
            reasons[k.id] = why
    out.attrs.update(grain=grain, by=by, kpis=kpi_meta(requested + hidden), skipped=problems, unavailable=reasons)
    return out


def period_calendar(first: Any, last: Any, grain: str) -> np.ndarray:
    """`first` and every period start after it, `grain` apart, up to `last` (vectorised: the batch
    calls this for every KPI table; one `shift_periods` per period cost seconds per client)."""
    start, stop = np.datetime64(first, "ns"), np.datetime64(last, "ns")
    if np.isnat(start) or np.isnat(stop) or stop < start:
        return np.array([], dtype=_NS)
    if grain in ("day", "week"):
        step = np.timedelta64(7 if grain == "week" else 1, "D").astype("timedelta64[ns]")
        return np.arange(start, stop + np.timedelta64(1, "ns"), step).astype(_NS)
    if grain not in ("month", "quarter", "year"):
        raise KpiWorkbookError(f"Cannot shift periods of grain '{grain}'.")
    unit = "datetime64[Y]" if grain == "year" else "datetime64[M]"
    months = {"month": 1, "quarter": 3, "year": 1}[grain]  # in units of `unit`
    base = start.astype(unit)
    count = int((stop.astype(unit) - base).astype(int)) // months + 1
    later = (base + np.arange(1, count + 1) * months).astype(_NS)  # int steps in the array's own unit
    return np.concatenate([[start], later[later <= stop]]).astype(_NS)


def _fill_empty_periods(
    index: pd.MultiIndex, agg: dict[str, np.ndarray], grain: str, by: list[str]
) -> tuple[pd.MultiIndex, dict[str, np.ndarray]]:
    """Every period between the first and the last one, for every dimension value seen: a cell
    without rows gets 0 for every measure (nothing happened), so ratios there are not available."""
    if len(index) == 0:
        return index, agg
    periods = index.get_level_values(0)
    calendar = list(period_calendar(periods.min(), periods.max(), grain)) if len(index) else []
    combos = index.droplevel(0).unique() if by else None
    if len(calendar) * (len(combos) if combos is not None else 1) == len(index):
        return index, agg  # already every period x every dimension value
    if combos is not None:  # calendar-major, every dimension value (combination) within each period
        n, width = len(calendar), len(combos)
        levels = [pd.DatetimeIndex(np.repeat(calendar, width))]
        inner = np.tile(np.arange(width), n)
        if isinstance(combos, pd.MultiIndex):
            levels += [combos.get_level_values(i).take(inner) for i in range(combos.nlevels)]
        else:
            levels.append(combos.take(inner))
        full = pd.MultiIndex.from_arrays(levels, names=index.names)
    else:
        full = pd.MultiIndex.from_arrays([calendar], names=index.names)
    where = index.get_indexer(full)
    new = where < 0
    filled = {}
    for m, values in agg.items():
        column = np.where(new, 0.0, values[np.where(new, 0, where)])
        filled[m] = column
    return full, filled


def _period_ends(starts: np.ndarray, grain: str | None, period: Any, facts: pd.DataFrame) -> np.ndarray:
    if grain is not None:
        return shift_periods(starts, grain, 1) - np.timedelta64(1, "D")
    end = (
        pd.Timestamp(period_bounds(period)[1])
        if period is not None
        else (pd.Timestamp(facts["date"].max()) if len(facts) else pd.NaT)
    )
    return np.full(len(starts), end.to_datetime64() if end is not pd.NaT else np.datetime64("NaT"), dtype=_NS)


def _zero_within_spans(
    agg: dict[str, np.ndarray],
    starts: np.ndarray,
    grain: str | None,
    period: Any,
    facts: pd.DataFrame,
    spans: dict[str, Any],
) -> None:
    """A measure that is missing in a cell whose period its source covers (a channel without orders
    on a day the shop data covers) is 0 there, not unknown; where its source has no data it stays NaN."""
    ends = _period_ends(starts, grain, period, facts)
    for m, values in agg.items():
        span = spans.get(m)
        if span is None or not np.isnan(values).any():
            continue
        inside = covered_days(span, starts, ends) > 0
        agg[m] = np.where(np.isnan(values) & inside, 0.0, values)


def _blank_uncovered(
    agg: dict[str, np.ndarray],
    starts: np.ndarray,
    grain: str | None,
    period: Any,
    facts: pd.DataFrame,
    spans: dict[str, Any],
) -> list[tuple[str, str]]:
    """NaN (in place) for every measure in the periods its source has no data for at all (a hole
    inside an export, or outside its dates); returns (measure, reason code) for those blanked."""
    ends = _period_ends(starts, grain, period, facts)
    blanked = []
    for m, values in agg.items():
        span = spans.get(m)
        none = np.ones(len(starts), dtype=bool) if span is None else covered_days(span, starts, ends) == 0
        if none.any():
            agg[m] = np.where(none, np.nan, values)
            blanked.append((m, NO_DATA))
    return blanked


def _span(facts: pd.DataFrame, measure: str, date_codes: np.ndarray, days: pd.DatetimeIndex) -> np.ndarray | None:
    """The days on which the data give `measure` as covered intervals (`kpi_helpers.data.coverage`),
    within its first date and the last day its last row stands for (None: never). `date_codes` index
    each row's date in the sorted distinct `days` (dates are factorized once per call)."""
    if measure not in facts.columns or not len(facts):
        return None
    known = facts[measure].notna().to_numpy()
    present = days if known.all() else days[np.unique(date_codes[known])]
    if not len(present):
        return None
    # a monthly (or quarterly) source: its last row stands for the whole period
    intervals = clip_intervals(measure_intervals(facts, measure, present), present[0], covered_until(present))
    return intervals if len(intervals) else None


def _coverage(starts: np.ndarray, ends: np.ndarray, spans: list[Any]) -> np.ndarray:
    """complete / partial / empty per period: how many days of [start, end] every measure's data covers."""
    out = np.full(len(starts), "complete", dtype=object)
    days = ((np.asarray(ends, dtype=_NS) - np.asarray(starts, dtype=_NS)) // np.timedelta64(1, "D")).astype(
        np.int64
    ) + 1
    for span in spans:
        if span is None:
            out[:] = "empty"
            continue
        covered = covered_days(span, starts, ends)
        empty = covered == 0
        partial = ~empty & (covered < days)
        out = np.where(empty | (out == "empty"), "empty", np.where(partial | (out == "partial"), "partial", out))
    return out


def _coverage_of(
    k: Kpi, index: pd.MultiIndex, grain: str | None, period: Any, facts: pd.DataFrame, spans: dict[str, Any]
) -> np.ndarray:
    starts = index.get_level_values(0).to_numpy(dtype=_NS)
    return _coverage(starts, _period_ends(starts, grain, period, facts), [spans[m] for m in k.measures if m in spans])


#: Entities counted once per event (an order has one date and one channel): their counts add up
#: over days and order-level dimensions, unlike people (customers, visitors), who return.
EVENT_ENTITIES = ("order",)


#: The reason code of a value that is not available because its source has no data for the period (a hole).
NO_DATA = "unavailable_no_data"


def unavailable_reason(
    table: pd.DataFrame, kpi_id: str, lang: str = "en", catalog: CatalogLike = None, no_data: bool | None = None
) -> str | None:
    """Why a KPI of a `compute_kpis` table is not available at its grain (None when it is), in `lang`.
    `no_data`: True only the "no data in this period" reason (a row whose coverage is 'empty'), False
    only the others, None all."""
    from kpi_helpers.i18n.formats import t

    why = [
        (code, m)
        for code, m in table.attrs.get("unavailable", {}).get(kpi_id, ())
        if no_data is None or (code == NO_DATA) == no_data
    ]
    if not why:
        return None
    specs = _measure_specs(catalog)
    return " ".join(t(code, lang).format(measure=specs[m].label(lang) if m in specs else m) for code, m in why)


def period_coverage(
    facts: pd.DataFrame, kpi: str | Kpi, starts: Any, ends: Any, catalog: CatalogLike = None
) -> np.ndarray:
    """complete / partial / empty for each [start, end] (inclusive days): how much of it the data of
    every measure `kpi` needs cover (`kpi_helpers.data.coverage`), also for days after the last row."""
    k = get_kpi(kpi, catalog)
    if k.type == KpiType.GROWTH and k.growth_of:
        k = get_kpi(k.growth_of, catalog)
    codes, days = pd.factorize(facts["date"], sort=True)
    spans = [_span(facts, m, codes, pd.DatetimeIndex(days)) for m in sorted(k.measures)]
    return _coverage(_as_ns(starts), _as_ns(ends), spans)


def countable_over_time(facts: pd.DataFrame, kpi: str | Kpi, catalog: CatalogLike = None) -> bool:
    """Whether `kpi` can be computed for periods longer than a day from these facts: False when it
    needs a distinct count of people that only a daily-aggregate source gives (customer-days)."""
    k = get_kpi(kpi, catalog)
    if k.type == KpiType.GROWTH and k.growth_of:
        k = get_kpi(k.growth_of, catalog)
    specs = _measure_specs(catalog)
    has_orders = getattr(facts, "order_table", None) is not None
    for m in k.measures:
        spec = specs.get(m)
        if spec is None or spec.additive or spec.agg == "first_event" or spec.entity in EVENT_ENTITIES:
            continue
        if not (has_orders and m in ORDER_MEASURES):
            return False
    return True


def _measure_specs(catalog: Any) -> Mapping[str, Any]:
    specs = getattr(_catalog(catalog), "measures", None)
    if specs:
        return specs
    from kpi_helpers.spec.catalog import load_catalog

    return load_catalog().measures


def _non_additive(
    agg: dict[str, np.ndarray],
    data: pd.DataFrame,
    measures: list[str],
    key: np.ndarray,
    cell_keys: np.ndarray,
    by: list[str],
    catalog: Any,
) -> dict[str, str]:
    """Replace the plain sums of non-additive measures in `agg` (in place): order-level measures
    are counted from the order table at this grain and these dimensions; a distinct count from
    daily aggregates is kept only where a cell holds one source row (else NaN, with the reason)."""
    specs = _measure_specs(catalog)
    odd = [m for m in measures if m in specs and not specs[m].additive]
    if not odd:
        return {}
    reasons: dict[str, str] = {}
    table = order_table_of(data) if any(m in ORDER_MEASURES for m in odd) else None
    if table is not None:
        by_product = "product" in by
        if not by_product:  # an order is in one cell unless products are asked for: its lead row suffices
            table = table[table["lead"].to_numpy()]
        # each order row sits in one facts row: its cell is that row's cell (no string matching needed)
        rows = table["row"].to_numpy()
        index = data.index
        if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:  # label = position
            position = rows
        else:
            position = index.get_indexer(rows)
        cells = np.searchsorted(cell_keys, key[position])
        counted = count_orders(table, cells, len(cell_keys), by_product=by_product)
        for m in odd:
            if m in counted:
                agg[m] = counted[m]
        odd = [m for m in odd if m not in counted]
    n = len(cell_keys)
    cell = np.searchsorted(cell_keys, key)
    collapses_product = "product" in data.columns and "product" not in by and data["product"].nunique() > 1
    for m in odd:
        spec = specs[m]
        if spec.agg == "first_event" or spec.entity in EVENT_ENTITIES:
            if collapses_product:  # an order with several products sits in several rows
                agg[m] = np.full(n, np.nan)
                reasons[m] = "unavailable_product_sum"
            continue
        rows = np.bincount(cell[data[m].notna().to_numpy()], minlength=n)
        many = rows > 1
        if many.any():
            agg[m] = np.where(many, np.nan, agg[m])
            reasons[m] = "unavailable_distinct_sum"
    return reasons


def breakdown(
    facts: pd.DataFrame,
    kpis: Iterable[str | Kpi] | str | Kpi,
    by: str | Sequence[str] = "channel",
    period: Any = None,
    catalog: CatalogLike = None,
    missing: str = "raise",
) -> pd.DataFrame:
    """KPIs per dimension value over a whole window (one row per value and KPI): ROAS per
    channel, revenue per campaign, orders per coupon. Ratios are re-aggregated, not averaged."""
    return compute_kpis(facts, kpis, grain=None, by=by, catalog=catalog, period=period, missing=missing)


# A breakdown chart or table shows this many values of a dimension and the rest as one OTHER_VALUE row:
# more bars are unreadable, and one bar per value of 20,000 channels made notebook 03 hang.
TOP_VALUES = 15
OTHER_VALUE = "(other)"  # the dimension value of the lumped row (shown through the catalog: "Other"/"Overig")


def top_breakdown(
    facts: pd.DataFrame,
    kpis: Iterable[str | Kpi] | str | Kpi,
    by: str,
    period: Any = None,
    catalog: CatalogLike = None,
    top: int = TOP_VALUES,
    rank_kpi: str | None = None,
) -> pd.DataFrame:
    """:func:`breakdown` with at most `top` values of `by` (the highest `rank_kpi`, default the first KPI)
    and every other value in one ``OTHER_VALUE`` row, in vectorised passes over the facts.

    The other row is computed from the facts (the values replaced, then the same breakdown), so a
    ratio is Σ num / Σ den over those values and a distinct count counts a customer once: additive
    KPIs add up to the same total as the full breakdown. ``table.attrs['other_count']`` is how many
    values the other row holds (0: nothing lumped)."""
    table = breakdown(facts, kpis, by=by, period=period, catalog=catalog)
    values = table[by].unique()
    table.attrs["other_count"] = 0
    if len(values) <= top + 1:  # one value alone in "other" would only hide its name
        return table
    rank = rank_kpi or str(table["kpi"].iloc[0])
    scored = table[table["kpi"] == rank]
    score = scored["value"].where(scored["available"].astype(bool)).fillna(-np.inf)
    order = scored.assign(_score=score).sort_values(["_score", by], ascending=[False, True], kind="stable")
    keep = pd.Index(order[by].head(top))
    lumped = facts.copy()
    lumped[by] = facts[by].where(facts[by].isin(keep), OTHER_VALUE)
    out = breakdown(lumped, kpis, by=by, period=period, catalog=catalog)
    out.attrs["other_count"] = int(len(values) - len(keep))
    return out


# --------------------------------------------------------------------------- period over period
def _by_columns(table: pd.DataFrame) -> list[str]:
    if "by" in table.attrs:
        return list(table.attrs["by"])
    fixed = set(TABLE_COLUMNS)
    return [c for c in table.columns if c not in fixed and table.columns.get_loc(c) < table.columns.get_loc("kpi")]


def _lookup(table: pd.DataFrame, keys: list[str], periods: np.ndarray) -> np.ndarray:
    base = table.set_index(keys)["value"]
    arrays = [periods] + [table[c].to_numpy() for c in keys[1:]]
    return base.reindex(pd.MultiIndex.from_arrays(arrays, names=keys)).to_numpy(dtype=float)


def _rel(change: np.ndarray, ref: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(ref) & (ref != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, change / np.abs(np.where(ok, ref, 1.0)), np.nan)


def period_over_period(table: pd.DataFrame, catalog: CatalogLike = None, grain: str | None = None) -> pd.DataFrame:
    """Adds ``previous``, ``abs_change``, ``rel_change`` (vs the previous period),
    ``last_year``, ``yoy_abs_change``, ``yoy_rel_change`` (vs the same period last year: 52
    weeks back for day/week grains, 12 months otherwise) and ``good`` (nullable boolean:
    True when the change vs the previous period goes the KPI's good direction, False when
    it goes the wrong way, NA when unchanged, unknown or not comparable).
    Relative changes are fractions of ``|reference|``; NaN when the reference is 0/missing."""
    out = table.copy()
    grain = grain or table.attrs.get("grain") or _infer_grain(table["period"])
    keys = ["period"] + _by_columns(table) + ["kpi"]
    nan = np.full(len(out), np.nan)
    if grain is None or out.empty:
        prev, last = nan, nan.copy()
    else:
        prev = _lookup(out, keys, shift_periods(out["period"], grain, -1))
        last = _lookup(out, keys, same_period_last_year(out["period"], grain))
    if "coverage" in out and grain is not None and not out.empty:
        # comparisons only between periods the data covers in full: a partial year is not "last year"
        complete = out["coverage"].to_numpy() == "complete"
        flags = out.assign(value=complete.astype(float))
        prev = np.where(complete & (_lookup(flags, keys, shift_periods(out["period"], grain, -1)) == 1), prev, np.nan)
        last = np.where(
            complete & (_lookup(flags, keys, same_period_last_year(out["period"], grain)) == 1), last, np.nan
        )
    value = out["value"].to_numpy(dtype=float)
    out["previous"] = prev
    out["abs_change"] = value - prev
    out["rel_change"] = _rel(value - prev, prev)
    out["last_year"] = last
    out["yoy_abs_change"] = value - last
    out["yoy_rel_change"] = _rel(value - last, last)
    sign = {
        kid: (1 if (m := _meta_for(table, kid, catalog)) and m["direction"] == "higher" else -1 if m else 0)
        for kid in out["kpi"].unique()
    }
    score = out["kpi"].map(sign).to_numpy(dtype=float) * out["abs_change"].to_numpy(dtype=float)
    good = pd.array(np.where(score > 0, True, False), dtype="boolean")
    good[~(np.abs(score) > 0)] = pd.NA
    out["good"] = good
    out.attrs = dict(table.attrs, grain=grain)
    return out


# --------------------------------------------------------------------------- KPI pairs
QUADRANTS = ("healthy_growth", "goodhart_warning", "efficiency", "decline", "stable")

# np.select choices: no quadrant (None) while a change is missing, else the quadrant name
_QUADRANT_CHOICES: list[Any] = [None, "stable", "healthy_growth", "goodhart_warning", "efficiency"]

#: What a pair's two moves say, from the sign of each (+1 better, 0 steady, −1 worse, in each KPI's
#: good direction): the four quadrants, both steady, or one side steady. A steady side is never
#: called worse (volume down with quality ±0 is 'volume_down', not 'decline').
PAIR_READINGS = (*QUADRANTS, "volume_down", "quality_down", "quality_up")
_READING_OF_SIGNS = {
    (1, 1): "healthy_growth",
    (1, 0): "healthy_growth",
    (1, -1): "goodhart_warning",
    (0, 1): "quality_up",
    (0, 0): "stable",
    (0, -1): "quality_down",
    (-1, 1): "efficiency",
    (-1, 0): "volume_down",
    (-1, -1): "decline",
}


def pair_reading(volume_sign: float, quality_sign: float) -> str:
    """The reading of a KPI pair (one of PAIR_READINGS) from the signs of its two moves."""
    return _READING_OF_SIGNS[(int(np.sign(volume_sign)), int(np.sign(quality_sign)))]


def pair_message(
    reading: str,
    volume_kpi: str,
    metas: Mapping[str, Mapping[str, Any]],
    quality_kpi: str,
    changes: tuple[float, float, float, float],
    lang: str,
) -> str:
    """The one-sentence story of a pair in `lang`; `changes`: (volume abs, volume rel, quality abs,
    quality rel) — percent KPIs are told in points, the others relative."""
    text = _PAIR_TEXT[lang]
    kind = volume_kind(volume_kpi)
    hint = (
        text["hint_sales"]
        if volume_kpi in SALES_PIPELINE_KPIS
        else text["hint_" + kind]
        if kind in ("market", "traffic", "customers")
        else text["hint_other"]
    )
    vm, qm = metas[volume_kpi], metas[quality_kpi]
    vl = vm["labels"].get(lang) or vm["labels"]["en"]
    ql = qm["labels"].get(lang) or qm["labels"]["en"]
    va, vr, qa, qr = changes
    return str(text[reading]).format(
        V=vl,
        Q=_lower_first(ql),
        v=_lower_first(vl),
        q=_lower_first(ql),
        hint=hint,
        dv=format_kpi_change(va, vr, vm["unit"], lang),
        dq=format_kpi_change(qa, qr, qm["unit"], lang),
    )


#: The pair story texts per language (catalog area `pair_story`; placeholders {V} {dv} {Q} {dq} {v} {q} {hint}).
_PAIR_TEXT = {lang: catalog(lang)["pair_story"] for lang in LANGUAGES}


#: What a volume KPI counts, so advice fits it (no "targeting with sales" for website visits).
VOLUME_KINDS = {
    "traffic": ("sessions", "organic_visitors", "ad_clicks", "ad_impressions", "new_followers"),
    "market": ("leads", "intro_calls", "quotes", "accounts_created", "subscribers_new"),
    "customers": ("new_customers", "customers", "returning_customers"),
    "spend": ("ad_spend",),
}


#: KPIs of a sales pipeline: only a client that tracks one has a sales team a sentence can talk to.
SALES_PIPELINE_KPIS = frozenset({"leads", "lead_to_customer_rate", "intro_calls", "quotes_per_intro_call", "quotes"})


def volume_kind(kpi_id: str) -> str:
    """'traffic' | 'market' (leads and the like) | 'customers' | 'spend' | 'other'."""
    return next((kind for kind, ids in VOLUME_KINDS.items() if kpi_id in ids), "other")


def format_change(rel: float | None, lang: str = "en") -> str:
    """A relative change as '+38 %' / '−20,5 %' (decimal comma in nl; one decimal below 10 %);
    'n/a' when there is none (a base of 0 has no relative change)."""
    from kpi_helpers.i18n.formats import NOT_AVAILABLE

    if rel is None or not math.isfinite(rel):
        return NOT_AVAILABLE[lang]
    p = rel * 100
    decimals = 0 if abs(p) >= 9.95 else 1
    text = f"{abs(p):.{decimals}f}"
    if lang == "nl":
        text = text.replace(".", ",")
    sign = "±" if float(text.replace(",", ".")) == 0 else "+" if p > 0 else "−"
    return f"{sign}{text} %"


def format_kpi_change(abs_change: float | None, rel_change: float | None, unit: str, lang: str = "en") -> str:
    """A KPI's change as people read it: percentage points for percent KPIs (a rate from 3 % to
    4 % is +1 pp, not +33 %), a relative change for everything else. From a base of 0 there is no
    relative change (``rel_change`` None/NaN): 0 → 0 reads 'unchanged', 0 → x 'n/a (was 0)', never '±0.0 %'."""
    from kpi_helpers.i18n.formats import format_points
    from kpi_helpers.i18n.messages import text

    no_rel = rel_change is None or not math.isfinite(rel_change)
    if no_rel and abs_change is not None and abs_change == 0:
        return text("formats.change_unchanged", lang)
    if unit == "percent":
        return format_points(abs_change, lang)
    if no_rel:
        finite = abs_change is not None and math.isfinite(abs_change)
        return text("formats.change_from_zero", lang) if finite else format_change(None, lang)
    return format_change(rel_change, lang)


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:] if len(label) > 1 and not label[1].isupper() else label


def _pair_ids(pair: Any, catalog: Any) -> tuple[str, str]:
    if isinstance(pair, str):
        kpi = get_kpi(pair, catalog)
        if not kpi.partners:
            raise KpiWorkbookError(f"KPI '{pair}' has no partner in the catalog: give a (volume, quality) pair.")
        return kpi.id, kpi.partners[0]
    if isinstance(pair, Mapping):
        return pair["volume"], pair["quality"]
    if hasattr(pair, "volume") and hasattr(pair, "quality"):
        return pair.volume, pair.quality
    volume, quality = pair
    return (volume.id if isinstance(volume, Kpi) else volume), (quality.id if isinstance(quality, Kpi) else quality)


def pair_quadrants(
    table: pd.DataFrame,
    pairs: Iterable[Any],
    catalog: CatalogLike = None,
    compare: str = "previous",
    stable_band: float = STABLE_BAND,
) -> pd.DataFrame:
    """Per period (and dimension values): the relative change of a volume KPI and its quality
    partner, the quadrant and a one-sentence reading in Dutch and English.

    ``pairs``: (volume, quality) tuples, dicts/objects with ``volume``/``quality``, or a KPI id
    (paired with its first catalog partner). ``compare``: 'previous' period or 'last_year'.
    Changes are scored in each KPI's good direction; a change within ``stable_band`` counts as
    none. Both none → 'stable'; volume better and quality not worse → 'healthy_growth'; volume
    better, quality worse → 'goodhart_warning' (more leads at the expense of lead quality); volume worse, quality
    better → 'efficiency'; otherwise → 'decline'. Rows without a comparison get quadrant None.
    ``reading`` (PAIR_READINGS) tells the one-side-steady cases apart and words the message: a
    steady side is never called worse.
    """
    if compare not in ("previous", "last_year"):
        raise KpiWorkbookError("compare must be 'previous' or 'last_year'.")
    pop = table if "rel_change" in table.columns else period_over_period(table, catalog)
    col = "rel_change" if compare == "previous" else "yoy_rel_change"
    abs_col = "abs_change" if compare == "previous" else "yoy_abs_change"
    keys = ["period"] + _by_columns(table)
    frames = []
    for pair in pairs:
        v_id, q_id = _pair_ids(pair, catalog)
        metas: dict[str, dict[str, Any]] = {}
        for kid in (v_id, q_id):
            meta = _meta_for(table, kid, catalog)
            if meta is None or kid not in set(pop["kpi"]):
                raise KpiWorkbookError(f"KPI '{kid}' is not in the table: compute it before pairing.")
            metas[kid] = meta
        v = pop.loc[pop["kpi"] == v_id, keys + ["value", col, abs_col]].rename(
            columns={"value": "volume_value", col: "volume_change", abs_col: "volume_abs_change"}
        )
        q = pop.loc[pop["kpi"] == q_id, keys + ["value", col, abs_col]].rename(
            columns={"value": "quality_value", col: "quality_change", abs_col: "quality_abs_change"}
        )
        m = v.merge(q, on=keys, how="inner")
        m.insert(len(keys), "volume_kpi", v_id)
        m.insert(len(keys) + 1, "quality_kpi", q_id)
        dv = m["volume_change"].to_numpy(float) * (1 if metas[v_id]["direction"] == "higher" else -1)
        dq = m["quality_change"].to_numpy(float) * (1 if metas[q_id]["direction"] == "higher" else -1)
        sv = np.where(np.abs(dv) < stable_band, 0, np.sign(dv))
        sq = np.where(np.abs(dq) < stable_band, 0, np.sign(dq))
        quadrant = np.select(
            [
                np.isnan(dv) | np.isnan(dq),
                (sv == 0) & (sq == 0),
                (sv >= 0) & (sq >= 0),
                (sv > 0) & (sq < 0),
                (sv < 0) & (sq > 0),
            ],
            _QUADRANT_CHOICES,
            "decline",
        )
        m["quadrant"] = quadrant
        readings = [None if qd is None else pair_reading(a, b) for qd, a, b in zip(quadrant, sv, sq)]
        m["reading"] = readings
        for lang in ("nl", "en"):
            m[f"message_{lang}"] = [
                None if rd is None else pair_message(rd, v_id, metas, q_id, (va, a, qa, b), lang)
                for rd, a, b, va, qa in zip(
                    readings, m["volume_change"], m["quality_change"], m["volume_abs_change"], m["quality_abs_change"]
                )
            ]
        frames.append(m)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
