"""Several sources in one client: which source gives which measure, and what cannot be joined.

* One measure, one source: when two sources give the same measure (GA4's revenue and the
  shop's), their values are added up; `validate` warns and asks which counts (a source's
  `measures: [...]` limits what it gives).
* Sources are joined on date and dimension values. A ratio whose numerator and denominator come
  from different sources (orders from the shop / sessions from GA4) is right in total, but per
  dimension value only when the sources use the same values: Shopify's channels `web`/`pos` are
  not GA4's channel groups. Such a KPI per that dimension is not available (the reason says
  why); totals are. `validate` warns; `kpi-workbook kpis --by` leaves those values empty.

Not done here (needs the engine, which is being reworked): the notebooks' and reports' own
breakdowns by dimension do not yet hide such ratios; a mapping of one source's dimension values
onto another's (e.g. GA4 'Organic Search' + 'Direct' = Shopify 'web') is not offered.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kpi_helpers.spec.vocab import DIMENSIONS

NONE_VALUE = "(none)"


def covered_until(dates: Any) -> pd.Timestamp | None:
    """The last day that rows on `dates` stand for: the last date, except for a monthly (or
    quarterly) source — every row on the 1st — whose last row stands for its whole month (quarter)."""
    present = _present_dates(dates)
    if not len(present):
        return None
    span = _row_span(present)
    return present[-1] + span if span is not None else present[-1]


def covers_any_day(dates: Any, start: Any, end: Any) -> bool:
    """Does a row on `dates` stand for a day in [start, end]? A monthly (quarterly) row stands for its
    whole month (quarter), as in `covered_until`."""
    present = _present_dates(dates)
    span = _row_span(present) if len(present) else None
    ends = present + span if span is not None else present
    return bool(((present <= pd.Timestamp(end)) & (ends >= pd.Timestamp(start))).any())


def _present_dates(dates: Any) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.unique(pd.DatetimeIndex(dates).dropna())).sort_values()


def _row_span(present: pd.DatetimeIndex) -> pd.offsets.BaseOffset | None:
    """MonthEnd (QuarterEnd) when every row is on the 1st (of a quarter's first month), else None."""
    if not (present.day == 1).all():
        return None
    months = present.month.to_numpy() + 12 * present.year.to_numpy()
    quarterly = len(present) > 1 and bool((present.month % 3 == 1).all()) and bool((np.diff(months) % 3 == 0).all())
    return pd.offsets.QuarterEnd(0) if quarterly else pd.offsets.MonthEnd(0)


def measures_covered_until(facts: pd.DataFrame, measures: Any) -> pd.Timestamp | None:
    """The last day the data cover every one of `measures` (the earliest of their last days, each
    by `covered_until`); None when the facts have none of them."""
    ends = []
    for measure in sorted(m for m in measures if m in facts.columns):
        dates = facts["date"].to_numpy()[facts[measure].notna().to_numpy()]
        if len(dates):  # only a source with every row on the 1st needs the whole date list
            last = pd.Timestamp(dates.max())
            ends.append(covered_until(dates) if last.day == 1 else last)
    known = [e for e in ends if e is not None]
    return min(known) if known else None


def source_summary(label: str, facts: pd.DataFrame) -> dict[str, Any]:
    """{'source', 'measures': [...], 'dims': {dim: [values]}, 'covered_until'} of one source's facts
    (the last day its rows stand for: see `covered_until`)."""
    dims = {d: sorted(str(v) for v in facts[d].unique()) for d in DIMENSIONS if d in facts}
    measures = [c for c in facts.columns if c != "date" and c not in DIMENSIONS and facts[c].notna().any()]
    covered = covered_until(facts["date"]) if "date" in facts else None
    return {
        "source": label,
        "measures": measures,
        "dims": dims,
        "covered_until": f"{covered:%Y-%m-%d}" if covered is not None else None,
    }


def same_measure_warnings(sources: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(measure, message) for every measure that two or more sources give: they are added up."""
    givers: dict[str, list[str]] = {}
    for info in sources:
        for measure in info["measures"]:
            givers.setdefault(measure, []).append(info["source"])
    return [
        (
            m,
            f"'{m}' comes from {len(labels)} sources ({', '.join(labels)}) and they are added up; if they count "
            f"the same thing, say which counts: add `measures: [...]` without '{m}' to the other source(s)",
        )
        for m, labels in givers.items()
        if len(labels) > 1
    ]


def _values(info: dict[str, Any], dim: str) -> set[str]:
    return set(info["dims"].get(dim, [NONE_VALUE])) - {NONE_VALUE} or {NONE_VALUE}


def unjoinable_reason(sources: list[dict[str, Any]], kpi: Any, dim: str) -> str | None:
    """Why `kpi` per `dim` is not available (its terms come from sources with other `dim` values), or None."""
    if kpi.type != "ratio":
        return None
    sides = {"numerator": {m for m, _ in kpi.numerator}, "denominator": {m for m, _ in (kpi.denominator or ())}}
    side_sources = {side: [s for s in sources if measures & set(s["measures"])] for side, measures in sides.items()}
    if not side_sources["numerator"] or not side_sources["denominator"]:
        return None
    num_values = set().union(*(_values(s, dim) for s in side_sources["numerator"]))
    den_values = set().union(*(_values(s, dim) for s in side_sources["denominator"]))
    if num_values == den_values:
        return None

    def describe(side: str, values: set[str]) -> str:
        names = ", ".join(sorted(sides[side]))
        labels = ", ".join(s["source"] for s in side_sources[side])
        shown = ", ".join(sorted(values)[:5]) + (" …" if len(values) > 5 else "")
        return f"{names} from {labels} ({dim}: {shown})"

    return (
        f"{kpi.id} per {dim} is not available: {describe('numerator', num_values)} and "
        f"{describe('denominator', den_values)} do not use the same {dim} values; totals are right"
    )


def cross_source_notes(config: Any, facts: pd.DataFrame) -> list[str]:
    """'kpis: ...' warnings for the selected ratio KPIs that cannot be split by a dimension of the data."""
    from kpi_helpers.spec.catalog import load_catalog

    sources = facts.attrs.get("sources", [])
    if len(sources) < 2:
        return []
    catalog = load_catalog()
    notes = []
    for kpi_id in config.all_kpis:
        if kpi_id not in catalog:
            continue
        reasons = [
            r
            for dim in DIMENSIONS
            if dim in facts and facts[dim].nunique() > 1
            for r in [unjoinable_reason(sources, catalog[kpi_id], dim)]
            if r
        ]
        if reasons:  # one line per KPI: the first dimension in full, the others named
            others = [r.split(" per ", 1)[1].split(" ", 1)[0] for r in reasons[1:]]
            notes.append(f"kpis: {reasons[0]}" + (f" (nor per {', '.join(others)})" if others else ""))
    return notes


def mask_unjoinable(table: pd.DataFrame, facts: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """KPI table by `by`: values of KPIs that cannot be split by it across sources are emptied, with a `note`."""
    sources = facts.attrs.get("sources", [])
    if not by or len(sources) < 2:
        return table
    from kpi_helpers.spec.catalog import load_catalog

    catalog = load_catalog()
    reasons = {k: unjoinable_reason(sources, catalog[k], by) for k in table["kpi"].unique() if k in catalog}
    reasons = {k: r for k, r in reasons.items() if r}
    if not reasons:
        return table
    table = table.copy()
    hit = table["kpi"].isin(list(reasons))
    table.loc[hit, "value"] = float("nan")
    table["note"] = table["kpi"].map(reasons).fillna("")
    return table


def breakdown_across_sources(table: pd.DataFrame, facts: pd.DataFrame, by: str) -> pd.DataFrame:
    """A `breakdown` table by `by` with the ratios that cannot be split by it across sources (ROAS
    per channel when spend and revenue come from sources with other channel names) not available."""
    masked = mask_unjoinable(table, facts, by)
    if masked is table:
        return table
    masked["available"] = masked["available"].astype(bool) & masked["value"].notna()
    return masked
