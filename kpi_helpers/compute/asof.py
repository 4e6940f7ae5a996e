"""As-of dates: a report exactly as it would have been on a closing date.

* `parse_as_of("2026-10-31")` checks a date given on the command line (errors name `--as-of`);
  `check_not_future` refuses a date after today, `check_against_data` one far after a client's
  data (`MAX_DAYS_AFTER_DATA`) or before its first whole period (clear errors, before any kernel).
* `default_as_of(last_date, grain)`: the end of the last period at the client's grain that the
  data cover completely — data through 2026-11-27 at grain month gives 2026-10-31; data through
  2026-10-31 gives 2026-10-31. It depends on the data only (never on today's date), so a
  re-run over the same files gives the same date and the same numbers.
* `cut_facts(facts, as_of)`: the facts up to and including `as_of`. Facts of the `orders` shape
  keep their order table through the index labels, so distinct counts (customers, orders) use
  the orders up to `as_of` only. A customer's first order is the earliest by date, so orders
  after `as_of` never change who was new before it: new customers are those of the data up to
  `as_of`.
* `source_last_dates(facts)`: the last date each data source delivers a row, for the
  "data stopped arriving" alert (kpi_helpers.run.alerts).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from kpi_helpers.exceptions import KpiWorkbookError

#: ClientSession / client_summary: use the default as-of (`default_as_of`) instead of a date.
LAST_COMPLETE = "last-complete"

# An as-of date more days than this after a client's last data day is refused: its report (empty periods)
# would stay reports/<client>/ and the index's latest for good, and every later run a backfill.
# A quarter leaves room for data that arrive late.
MAX_DAYS_AFTER_DATA = 92


class AsOfError(KpiWorkbookError):
    """An as-of date that cannot be used (not a date, or before any data)."""


def parse_as_of(value: Any, option: str = "--as-of") -> dt.date:
    """A date from `YYYY-MM-DD` (a `date` passes through); a clear error naming `option` otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else _bad(text, option)
    except ValueError:
        return _bad(text, option)


def check_not_future(day: dt.date, today: dt.date | None = None, option: str = "--as-of") -> dt.date:
    """`day` when it has begun (today or earlier); a clear error otherwise (before anything is written)."""
    today = today or dt.date.today()
    if day > today:
        raise AsOfError(
            f"{option} {day.isoformat()} is after today ({today.isoformat()}): a report can only be as of a day "
            f"that has begun; a future date would stay every client's latest report in reports/ and the index"
        )
    return day


def check_against_data(as_of: dt.date, facts: pd.DataFrame, grain: str, where: str = "") -> None:
    """A clear error when `as_of` is far after the data (MAX_DAYS_AFTER_DATA) or leaves less than one
    whole period at `grain` (the first data day as as-of: nothing to compare, nothing to pair)."""
    if facts.empty:
        return
    from kpi_helpers.data.sources import covered_until

    prefix = f"{where}: " if where else ""
    first = pd.Timestamp(facts["date"].min()).date()
    last_covered = covered_until(facts["date"])
    last = last_covered.date() if last_covered is not None else first
    days = (as_of - last).days
    if days > MAX_DAYS_AFTER_DATA:
        raise AsOfError(
            f"{prefix}the as-of date {as_of.isoformat()} is {days:,} days after the data's last day "
            f"{last.isoformat()} (at most {MAX_DAYS_AFTER_DATA}): its report would show empty periods and stay "
            f"the latest; choose an as-of date on or before {last.isoformat()}, or leave --as-of out"
        )
    first_whole = period_end(first, grain)
    if first <= as_of < first_whole:
        raise AsOfError(
            f"{prefix}the as-of date {as_of.isoformat()} leaves less than one whole {grain} of data (the data "
            f"start on {first.isoformat()}); the first as-of date with a whole {grain} is {first_whole.isoformat()}"
        )


def _bad(text: str, option: str) -> dt.date:
    raise AsOfError(
        f"{option} {text[:40]!r} is not a date: write it as YYYY-MM-DD, e.g. {option} 2026-10-31 "
        f"(a closing date such as the last day of a month)"
    )


def period_end(day: dt.date, grain: str) -> dt.date:
    """The last day of the period at `grain` that holds `day` (weeks run Monday–Sunday)."""
    if grain == "day":
        return day
    if grain == "week":
        return day + dt.timedelta(days=6 - day.weekday())
    if grain == "month":
        return _month_end(day.year, day.month)
    if grain == "quarter":
        return _month_end(day.year, 3 * ((day.month - 1) // 3) + 3)
    if grain == "year":
        return dt.date(day.year, 12, 31)
    raise ValueError(f"unknown grain {grain!r}")


def period_start(day: dt.date, grain: str) -> dt.date:
    """The first day of the period at `grain` that holds `day`."""
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if grain == "year":
        return dt.date(day.year, 1, 1)
    raise ValueError(f"unknown grain {grain!r}")


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def default_as_of(last_date: Any, grain: str) -> dt.date:
    """The end of the last period at `grain` that ends on or before `last_date`."""
    day = pd.Timestamp(last_date).date()
    if period_end(day, grain) == day:
        return day
    return period_start(day, grain) - dt.timedelta(days=1)


def is_partial(as_of: dt.date, grain: str) -> bool:
    """True when `as_of` falls inside a period at `grain` (the last period shown is not complete)."""
    return period_end(as_of, grain) != as_of


def resolve_as_of(facts: pd.DataFrame, grain: str, as_of: Any, where: str = "") -> dt.date | None:
    """None (no cut: the last data date is 'now'), a date, or LAST_COMPLETE → the default date.

    An AsOfError when the default date falls before the first data row: the data cover no complete
    period at `grain` yet (three days of the current month), so there is nothing to report as of it.
    """
    if as_of is None:
        return None
    if isinstance(as_of, str) and as_of == LAST_COMPLETE:
        if facts.empty:
            return None
        from kpi_helpers.data.sources import covered_until

        last = covered_until(facts["date"])  # monthly rows stand for their month
        day = default_as_of(last, grain)
        first = pd.Timestamp(facts["date"].min()).date()
        if day < first:
            raise AsOfError(
                f"{where + ': ' if where else ''}the data ({first.isoformat()} to {pd.Timestamp(last):%Y-%m-%d}) "
                f"cover no complete {grain} yet, so there is no report date: a report is as of the end of the last "
                f"complete {grain} ({day.isoformat()}, before the first data row). Add earlier data, or wait until "
                f"the {grain} is complete: the first report date with a whole {grain} is "
                f"{period_end(first, grain).isoformat()} (a part of a first {grain} has nothing to compare or pair)"
            )
        return day
    day = parse_as_of(as_of)
    check_against_data(day, facts, grain, where)
    return day


def cut_facts(facts: pd.DataFrame, as_of: dt.date | None, where: str = "") -> pd.DataFrame:
    """Facts up to and including `as_of` (attrs kept); an error when nothing is left."""
    if as_of is None:
        return facts
    attrs = dict(facts.attrs)
    cut = facts[facts["date"] <= pd.Timestamp(as_of)]
    if cut.empty and not facts.empty:
        raise AsOfError(
            f"{where + ': ' if where else ''}no data on or before the as-of date {as_of.isoformat()} "
            f"(the data start on {pd.Timestamp(facts['date'].min()):%Y-%m-%d}); choose a later --as-of"
        )
    cut.attrs.update(attrs)
    cut.attrs["as_of"] = as_of.isoformat()
    return cut


def source_last_dates(facts: pd.DataFrame) -> dict[str, str]:
    """{source label: the last day its rows cover} from `facts.attrs['sources']` (when recorded) or the
    facts: the last date with a row, the month's (quarter's) end for a monthly (quarterly) source."""
    out: dict[str, str] = {}
    for info in facts.attrs.get("sources") or []:
        last = info.get("covered_until")
        if last:
            out[str(info.get("source"))] = str(last)[:10]
    if not out and not facts.empty:
        from kpi_helpers.data.sources import covered_until

        out["data"] = f"{covered_until(facts['date']):%Y-%m-%d}"
    return out
