import datetime as dt
import math

import pytest

from kpi_helpers.i18n import formats as i18n


@pytest.mark.parametrize(
    "lang, expected",
    [("nl", "€ 1.234,56"), ("en", "€1,234.56")],
)
def test_currency_follows_the_language(lang, expected):
    assert i18n.format_currency(1234.56, "EUR", lang, decimals=2) == expected


def test_percent_and_numbers():
    assert i18n.format_percent(0.034, "nl") == "3,4%"
    assert i18n.format_percent(0.034, "en") == "3.4%"
    assert i18n.format_percent(0.38, "en", 0, signed=True) == "+38%"
    assert i18n.format_percent(-0.21, "nl", 0, signed=True) == "−21%"
    assert i18n.format_number(1234567, "nl") == "1.234.567"


def test_missing_values_say_not_available_never_nan_or_inf():
    assert i18n.format_number(math.nan, "nl") == "n.b."
    assert i18n.format_currency(math.inf, "EUR", "en") == "n/a"
    assert i18n.format_value(None, "percent", "en") == "n/a"


def test_dates_and_periods():
    assert i18n.format_date(dt.date(2026, 3, 31), "nl") == "31 mrt 2026"
    assert i18n.format_period(dt.date(2026, 3, 1), "quarter", "en") == "Q1 2026"
    assert i18n.format_period(dt.date(2026, 3, 1), "month", "en") == "Mar 2026"


def test_labels_exist_in_both_languages():
    for key, entry in i18n.LABELS.items():
        assert set(entry) == {"nl", "en"}, key
    assert i18n.t("on_track", "nl") == "op koers"
    with pytest.raises(ValueError, match="unknown language"):
        i18n.t("target", "de")
