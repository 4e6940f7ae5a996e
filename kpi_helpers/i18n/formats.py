"""Report language: labels and number/date formats for Dutch (nl) and English (en).

Numbers go through Babel (CLDR data) rather than hand-written rules, so `€ 1.234,56`
(nl_NL) and `€1,234.56` (en_GB) come out right, including negatives and percentages.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from babel.dates import format_date as _babel_date
from babel.numbers import format_currency as _babel_currency
from babel.numbers import format_decimal as _babel_decimal
from babel.numbers import format_percent as _babel_percent

from kpi_helpers.i18n.messages import table, text
from kpi_helpers.spec.vocab import LANGUAGES, Grain

LOCALES = {"nl": "nl_NL", "en": "en_GB"}
NOT_AVAILABLE = {lang: text("formats.not_available", lang) for lang in LANGUAGES}

# Report vocabulary. Keys are stable ids used by charts, notebooks and batch reports.
LABELS: dict[str, dict[str, str]] = table("labels")

#: Readable names of common channel ids and of the demo's "no coupon / campaign" value; a client's
#: params file can override or add names with `channel_labels:` (see :func:`dimension_label`).
CHANNEL_LABELS: dict[str, dict[str, str]] = table("channels")


def dimension_label(value: Any, lang: str = "en", overrides: dict[str, str] | None = None) -> str:
    """A channel, campaign or coupon value as a reader sees it: the client's own name from
    params (`channel_labels:`), else the default for common ids, else the value itself."""
    key = "" if value is None else str(value)
    if overrides and key in overrides:
        return str(overrides[key])
    entry = CHANNEL_LABELS.get(key) or CHANNEL_LABELS.get(key.strip().lower())
    return entry[check_lang(lang)] if entry else key


#: Status colours for HTML (text is always shown next to the colour).
#: A goal that has not started is neutral slate: planned, neither good nor bad.
STATUS_COLORS_HTML = {
    "on_track": "#127a3b",
    "at_risk": "#b76e00",
    "off_track": "#c62828",
    "not_started": "#52606d",
    "failed": "#c62828",
}

STATUS_EMOJI = {"on_track": "🟢", "at_risk": "🟠", "off_track": "🔴", "not_started": "⚪", "failed": "⚠️"}


def check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return lang


def t(key: str, lang: str = "en") -> str:
    """The label for `key` in `lang`; unknown keys come back unchanged (visible, not fatal)."""
    entry = LABELS.get(key)
    return entry.get(check_lang(lang), key) if entry else key


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def format_number(value: float | None, lang: str = "en", decimals: int = 0) -> str:
    if value is None or _missing(value):
        return NOT_AVAILABLE[check_lang(lang)]
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return _babel_decimal(value, format=pattern, locale=LOCALES[check_lang(lang)])


def format_currency(value: float | None, currency: str = "EUR", lang: str = "en", decimals: int = 0) -> str:
    if value is None or _missing(value):
        return NOT_AVAILABLE[check_lang(lang)]
    pattern = ("¤ #,##0" if lang == "nl" else "¤#,##0") + ("." + "0" * decimals if decimals else "")
    return _babel_currency(value, currency, format=pattern, locale=LOCALES[check_lang(lang)], currency_digits=False)


#: Codes in Babel's list that name no money a client reports in: XXX (no currency), XTS (for testing).
NOT_MONEY: frozenset[str] = frozenset({"XXX", "XTS"})


def is_known_currency(code: str) -> bool:
    """An ISO 4217 code Babel can format (EUR, USD, GBP, …): an unknown one such as 'XYZ' would be
    printed as a prefix ('XYZ162,700')."""
    from babel.numbers import list_currencies

    return code in list_currencies() and code not in NOT_MONEY


def format_percent(value: float | None, lang: str = "en", decimals: int = 1, signed: bool = False) -> str:
    """`value` is a fraction: 0.034 -> '3.4%' (en) / '3,4%' (nl)."""
    if value is None or _missing(value):
        return NOT_AVAILABLE[check_lang(lang)]
    pattern = ("+" if signed and value > 0 else "") + "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    text = _babel_percent(value, format=pattern, locale=LOCALES[check_lang(lang)])
    return text.replace("-", "−") if signed else text


#: Unit of a change of a percent KPI: percentage points (3 % -> 4 % is +1 pp, not +33 %).
POINTS = {lang: text("formats.points", lang) for lang in LANGUAGES}


def format_points(change: float | None, lang: str = "en", decimals: int = 1) -> str:
    """A change of a percent KPI (as fractions: 0.012 = 1.2 points) in percentage points: '+1.2 pp' / '+1,2 %-punt'."""
    if change is None or _missing(change):
        return NOT_AVAILABLE[check_lang(lang)]
    points = change * 100
    more = next((d for d in range(decimals, 4) if round(abs(points), d) != 0), decimals)
    decimals = max(decimals, more)  # a real move never reads as '±0.0 pp' next to 'worse'
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    text = _babel_decimal(abs(points), format=pattern, locale=LOCALES[check_lang(lang)])
    sign = "±" if float(round(abs(points), decimals)) == 0 else "+" if points > 0 else "−"
    return f"{sign}{text} {POINTS[lang]}"


def format_date(value: dt.date | None, lang: str = "en", style: str = "medium") -> str:
    if value is None:
        return NOT_AVAILABLE[check_lang(lang)]
    if hasattr(value, "date") and callable(value.date):
        value = value.date()
    return _babel_date(value, format=style, locale=LOCALES[check_lang(lang)])


def format_period(value: dt.date, grain: str, lang: str = "en") -> str:
    """'2026-03' style labels readable in both languages: 'mrt 2026', 'Q1 2026', 'wk 12 2026'."""
    if hasattr(value, "date") and callable(value.date):
        value = value.date()
    locale = LOCALES[check_lang(lang)]
    if grain == Grain.MONTH:
        return _babel_date(value, format="MMM y", locale=locale)
    if grain == Grain.QUARTER:
        return f"Q{(value.month - 1) // 3 + 1} {value.year}"
    if grain == Grain.YEAR:
        return str(value.year)
    if grain == Grain.WEEK:
        iso = value.isocalendar()
        return f"{'wk' if lang == 'nl' else 'W'}{iso.week:02d} {iso.year}"
    return _babel_date(value, format="d MMM y", locale=locale)


def format_value(value: float | None, unit: str, lang: str = "en", currency: str = "EUR") -> str:
    """Format a KPI value by its catalog unit."""
    if unit == "currency":
        return format_currency(
            value, currency, lang, decimals=0 if value is None or _missing(value) or abs(value) >= 100 else 2
        )
    if unit == "percent":
        return format_percent(value, lang)
    if unit in ("ratio",):
        return format_number(value, lang, decimals=2)
    if unit in ("minutes", "days"):
        return format_number(value, lang, decimals=1)
    return format_number(value, lang)


def format_gap(gap: float | None, unit: str, lang: str = "en", currency: str = "EUR") -> str:
    """A goal's gap (actual − expected by now) with its sign: percentage points for percent KPIs
    ('−10.2 pp'), else the KPI's unit ('−€1,250', '+35'). Page one and the pacing table both use it."""
    if gap is None or _missing(gap):
        return NOT_AVAILABLE[check_lang(lang)]
    if unit == "percent":
        return format_points(gap, lang)
    shown = format_value(abs(gap), unit, lang, currency)
    sign = "±" if shown == format_value(0.0, unit, lang, currency) else "+" if gap > 0 else "−"
    return f"{sign}{shown}"
