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

from kpi_helpers.spec.vocab import LANGUAGES, Grain

LOCALES = {"nl": "nl_NL", "en": "en_GB"}
NOT_AVAILABLE = {"nl": "n.b.", "en": "n/a"}

# Report vocabulary. Keys are stable ids used by charts, notebooks and batch reports.
LABELS: dict[str, dict[str, str]] = {
    "kpi": {"nl": "KPI", "en": "KPI"},
    "value": {"nl": "Waarde", "en": "Value"},
    "target": {"nl": "Doel", "en": "Target"},
    "baseline": {"nl": "Uitgangswaarde", "en": "Baseline"},
    "actual": {"nl": "Realisatie", "en": "Actual"},
    "expected": {"nl": "Verwacht", "en": "Expected"},
    "forecast": {"nl": "Prognose", "en": "Forecast"},
    "gap": {"nl": "Verschil", "en": "Gap"},
    "status": {"nl": "Status", "en": "Status"},
    "owner": {"nl": "Eigenaar", "en": "Owner"},
    "deadline": {"nl": "Deadline", "en": "Deadline"},
    "goal": {"nl": "Doelstelling", "en": "Goal"},
    "period": {"nl": "Periode", "en": "Period"},
    "channel": {"nl": "Kanaal", "en": "Channel"},
    "campaign": {"nl": "Campagne", "en": "Campaign"},
    "coupon": {"nl": "Kortingscode", "en": "Coupon code"},
    "product": {"nl": "Product", "en": "Product"},
    "change_prev": {"nl": "t.o.v. vorige periode", "en": "vs previous period"},
    "change_yoy": {"nl": "t.o.v. vorig jaar", "en": "vs last year"},
    "required_run_rate": {"nl": "Benodigd tempo per dag", "en": "Required run-rate per day"},
    "on_track": {"nl": "op koers", "en": "on track"},
    "at_risk": {"nl": "risico", "en": "at risk"},
    "off_track": {"nl": "uit koers", "en": "off track"},
    "failed": {"nl": "mislukt", "en": "failed"},
    "pass": {"nl": "in orde", "en": "pass"},
    "warn": {"nl": "let op", "en": "warning"},
    "fail": {"nl": "onvoldoende", "en": "fail"},
    "findings": {"nl": "Bevindingen", "en": "Findings"},
    "client": {"nl": "Klant", "en": "Client"},
    "run_time": {"nl": "Looptijd", "en": "Run time"},
    "report": {"nl": "Rapport", "en": "Report"},
    "day": {"nl": "dag", "en": "day"},
    "week": {"nl": "week", "en": "week"},
    "month": {"nl": "maand", "en": "month"},
    "quarter": {"nl": "kwartaal", "en": "quarter"},
    "year": {"nl": "jaar", "en": "year"},
    "all": {"nl": "alle", "en": "all"},
    "not_available_here": {
        "nl": "n.b.: niet op te tellen uit dagcijfers (zie toelichting)",
        "en": "n/a: cannot be added up from daily figures (see notes)",
    },
    "unavailable_distinct_sum": {
        "nl": "{measure} is een telling van unieke personen per dag in de aangeleverde cijfers; optellen over dagen of "
        "rijen telt dezelfde persoon meer dan eens, dus dit is alleen beschikbaar op het detailniveau van de bron. "
        "Lever de orderregels aan (order- en klantnummer) om het op elk niveau te tellen.",
        "en": "{measure} is a count of distinct people per day in the data supplied; adding it up over days or rows "
        "counts the same person more than once, so it is only available at the source's own level of detail. "
        "Supply the order lines (order and customer id) to count it at any level.",
    },
    "unavailable_product_sum": {
        "nl": "{measure} per product kan niet over producten worden opgeteld: een bestelling met meerdere producten "
        "telt dan meer dan eens. Lever de orderregels aan (ordernummer).",
        "en": "{measure} per product cannot be added up over products: an order with several products would count "
        "more than once. Supply the order lines (order id).",
    },
}

#: Readable names of common channel ids and of the demo's "no coupon / campaign" value; a client's
#: params file can override or add names with `channel_labels:` (see :func:`dimension_label`).
CHANNEL_LABELS: dict[str, dict[str, str]] = {
    "organic_search": {"nl": "Organisch zoeken", "en": "Organic search"},
    "paid_search": {"nl": "Betaald zoeken", "en": "Paid search"},
    "direct": {"nl": "Direct", "en": "Direct"},
    "email": {"nl": "E-mail", "en": "Email"},
    "newsletter": {"nl": "Nieuwsbrief", "en": "Newsletter"},
    "social": {"nl": "Sociale media", "en": "Social media"},
    "paid_social": {"nl": "Betaalde sociale media", "en": "Paid social"},
    "organic_social": {"nl": "Organische sociale media", "en": "Organic social"},
    "referral": {"nl": "Verwijzingen", "en": "Referral"},
    "display": {"nl": "Display-advertenties", "en": "Display ads"},
    "affiliate": {"nl": "Affiliates", "en": "Affiliates"},
    "video": {"nl": "Video", "en": "Video"},
    "shopping": {"nl": "Shopping-advertenties", "en": "Shopping ads"},
    "retargeting": {"nl": "Retargeting", "en": "Retargeting"},
    "brand": {"nl": "Merk", "en": "Brand"},
    "generic": {"nl": "Generiek", "en": "Generic"},
    "leadgen": {"nl": "Leadgeneratie", "en": "Lead generation"},
    "services": {"nl": "Diensten", "en": "Services"},
    "other": {"nl": "Overig", "en": "Other"},
    "(none)": {"nl": "(geen)", "en": "(none)"},
    "": {"nl": "(geen)", "en": "(none)"},
}


def dimension_label(value: Any, lang: str = "en", overrides: dict[str, str] | None = None) -> str:
    """A channel, campaign or coupon value as a reader sees it: the client's own name from
    params (`channel_labels:`), else the default for common ids, else the value itself."""
    key = "" if value is None else str(value)
    if overrides and key in overrides:
        return str(overrides[key])
    entry = CHANNEL_LABELS.get(key) or CHANNEL_LABELS.get(key.strip().lower())
    return entry[check_lang(lang)] if entry else key


#: Status colours for HTML (text is always shown next to the colour).
STATUS_COLORS_HTML = {"on_track": "#127a3b", "at_risk": "#b76e00", "off_track": "#c62828", "failed": "#c62828"}

STATUS_EMOJI = {"on_track": "🟢", "at_risk": "🟠", "off_track": "🔴", "failed": "⚠️"}


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


def format_percent(value: float | None, lang: str = "en", decimals: int = 1, signed: bool = False) -> str:
    """`value` is a fraction: 0.034 -> '3.4%' (en) / '3,4%' (nl)."""
    if value is None or _missing(value):
        return NOT_AVAILABLE[check_lang(lang)]
    pattern = ("+" if signed and value > 0 else "") + "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    text = _babel_percent(value, format=pattern, locale=LOCALES[check_lang(lang)])
    return text.replace("-", "−") if signed else text


#: Unit of a change of a percent KPI: percentage points (3 % -> 4 % is +1 pp, not +33 %).
POINTS = {"nl": "%-punt", "en": "pp"}


def format_points(change: float | None, lang: str = "en", decimals: int = 1) -> str:
    """A change of a percent KPI (as fractions: 0.012 = 1.2 points) in percentage points: '+1.2 pp' / '+1,2 %-punt'."""
    if change is None or _missing(change):
        return NOT_AVAILABLE[check_lang(lang)]
    points = change * 100
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
