"""Issue 20, seasonality from one year: a season (the finding, the seasonal pacing shape, the
"probably seasonal" action) is read only from at least two full years of the KPI, compared year
on year with the trend removed; the heatmap says how many full years it rests on."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kpi_helpers as kpi
from kpi_helpers.compute import findings
from kpi_helpers.compute.pacing import MIN_YEARS_FOR_SEASONALITY, pace_goal, seasonality
from kpi_helpers.run.report import client_summary
from kpi_helpers.spec.agency import client_data_dir
from kpi_helpers.views.analysis import seasonality_charts
from kpi_helpers.views.summary import summary_html

CLIENT = """client: shop
name: Muziekwinkel
language: {lang}
data:
  - source: daily.csv
    shape: daily
    columns: {{date: Datum, revenue: Omzet, orders: Bestellingen}}
kpis: [revenue, orders]
{extra}"""


def _text(page: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", page))


def _facts(days: pd.DatetimeIndex, per_day: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"date": days, "revenue": per_day, "orders": np.maximum(per_day / 50, 1.0)})


def _decaying_cohort() -> pd.DataFrame:
    """18 months of a customer cohort that decays (−4 % a month): no season, only a decline."""
    days = pd.date_range("2025-01-01", "2026-06-30")
    months = (days.year - 2025) * 12 + days.month - 1
    return _facts(days, 1000.0 * 0.96**months)


def _one_year_december(factor: float) -> pd.DataFrame:
    """One full year (Oct 2024 – Sept 2025), flat, with December at ``factor`` × the other months
    (a peak or a dip): as of 30 Sept 2025 December is in the months ahead."""
    days = pd.date_range("2024-10-01", "2025-09-30")
    return _facts(days, np.where(days.month == 12, 100.0 * factor, 100.0))


def _season_on_a_trend(years: int = 3) -> pd.DataFrame:
    """``years`` full years growing 20 % a year with a repeating peak in Nov/Dec (+60 %) and a
    quiet February (−30 %)."""
    days = pd.date_range("2023-01-01", f"{2022 + years}-12-31")
    t = (days - days[0]).days.to_numpy(float) / 365.25
    season = np.select([days.month.isin([11, 12]), days.month == 2], [1.6, 0.7], 1.0)
    return _facts(days, 100.0 * 1.2**t * season)


def _trend_only(years: int = 3) -> pd.DataFrame:
    """``years`` full years of steady growth (+30 % a year) and nothing else."""
    days = pd.date_range("2023-01-01", f"{2022 + years}-12-31")
    t = (days - days[0]).days.to_numpy(float) / 365.25
    return _facts(days, 100.0 * (1 + 0.3 * t))


def _client(tmp_path: Path, facts: pd.DataFrame, lang: str = "en", extra: str = "") -> Path:
    params = tmp_path / "params"
    params.mkdir(parents=True, exist_ok=True)
    path = params / "shop.yaml"
    folder = client_data_dir(path, "shop")
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(
        {
            "Datum": facts["date"].dt.strftime("%Y-%m-%d"),
            "Omzet": facts["revenue"].round(2),
            "Bestellingen": facts["orders"].round().astype(int),
        }
    )
    frame.to_csv(folder / "daily.csv", index=False)
    path.write_text(CLIENT.format(lang=lang, extra=extra), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- compute
def test_a_decaying_18_month_cohort_has_no_season():
    s = seasonality(_decaying_cohort(), "revenue")
    assert s.years == 1 < MIN_YEARS_FOR_SEASONALITY and not s.established
    assert s.peak_months == [] and s.quiet_months == []


@pytest.mark.parametrize("factor", [2.0, 0.4])
def test_one_year_with_a_december_peak_or_dip_has_no_season(factor):
    s = seasonality(_one_year_december(factor), "revenue")
    assert s.years == 1 and not s.established
    assert s.peak_months == [] and s.quiet_months == []


@pytest.mark.parametrize("years", [2, 3])
def test_a_repeating_season_on_a_trend_is_found_in_the_right_months(years):
    s = seasonality(_season_on_a_trend(years), "revenue")
    assert s.established and s.years == years
    assert s.peak_months == [11, 12] and s.quiet_months == [2]
    # the trend is removed: the peak is +60 % over the other months, not inflated by growth
    assert s.month_profile[12] / s.month_profile[6] == pytest.approx(1.6, rel=0.03)
    assert s.month_profile[1] / s.month_profile[10] == pytest.approx(1.0, abs=0.03)


def test_a_trend_alone_over_three_years_has_no_season():
    s = seasonality(_trend_only(3), "revenue")
    assert s.established and s.years == 3
    assert s.peak_months == [] and s.quiet_months == []


def test_a_pattern_that_does_not_repeat_is_no_season():
    """December busy in one year and quiet in the next: on average nothing, and never a season."""
    days = pd.date_range("2024-01-01", "2025-12-31")
    dec = np.where(days.year == 2024, 2.5, 0.6)
    s = seasonality(_facts(days, np.where(days.month == 12, 100.0 * dec, 100.0)), "revenue")
    assert s.established and 12 not in s.peak_months + s.quiet_months


def test_pacing_is_linear_without_two_full_years():
    """One year of history with a busy January: no seasonal shape from it (linear, and named so)."""
    days = pd.date_range("2024-12-01", "2026-01-10")
    facts = _facts(days, np.where(days.month == 1, 300.0, 100.0))
    goal = {"id": "g", "kpi": "revenue", "target": 5000.0, "start": "2026-01-01", "deadline": "2026-01-31"}
    p = pace_goal(facts, goal)
    assert p.expected_method == "linear" and p.expected_seasonal is None
    assert p.expected == pytest.approx(5000.0 * 10 / 31)
    assert p.forecast_method != "seasonal"


# ----------------------------------------------------------------------------- where it shows
@pytest.mark.parametrize(
    "facts,as_of",
    [
        (_decaying_cohort(), "2026-06-30"),
        (_one_year_december(2.0), "2025-09-30"),
        (_one_year_december(0.4), "2025-09-30"),
    ],
)
def test_no_season_on_page_one_or_in_the_findings_from_one_year(tmp_path, facts, as_of):
    summary = client_summary(kpi.load_params(_client(tmp_path, facts)), as_of=as_of)
    assert not [f for f in summary["findings"] if f["rule"] == "seasonality"]
    page = _text(summary_html(summary, "en")).lower()
    assert "quiet months" not in page and "peak months" not in page and "probably seasonal" not in page


def test_a_real_season_reaches_the_findings_and_page_one(tmp_path):
    summary = client_summary(kpi.load_params(_client(tmp_path, _season_on_a_trend(3))), as_of="2025-09-30")
    [season] = [f for f in summary["findings"] if f["rule"] == "seasonality"]
    # the last two full years up to the as-of date (Sept 2023 – Aug 2025)
    assert season["data"]["peak_months"] == [11, 12] and season["data"]["years"] == 2
    assert "peak months Nov, Dec" in season["message"]["en"] and "2 full years" in season["message"]["en"]
    assert "piekmaanden nov, dec" in season["message"]["nl"] and "2 volle jaren" in season["message"]["nl"]
    assert "peak months Nov, Dec" in _text(summary_html(summary, "en"))


def test_no_probably_seasonal_action_without_two_full_years(tmp_path):
    """A big drop in line with last year, with only one year before it: not "probably seasonal"."""
    days = pd.date_range("2024-09-01", "2025-10-31")
    per_day = np.where(days.month == 10, 60.0, 100.0)  # October down 40 %, as the October before
    wb = kpi.open_client(_client(tmp_path, _facts(days, per_day)), as_of="2025-10-31")
    swings = [f for f in findings.build_findings(wb) if f.rule == "swing" and f.kpi == "revenue"]
    assert swings, "the October drop is a big swing"
    for f in swings:
        assert "probably seasonal" not in f.action["en"] and "waarschijnlijk seizoen" not in f.action["nl"]


def test_probably_seasonal_action_with_a_season_that_explains_the_move(tmp_path):
    days = pd.date_range("2023-01-01", "2025-10-31")
    per_day = np.where(days.month == 10, 60.0, 100.0)  # quiet October three years running
    wb = kpi.open_client(_client(tmp_path, _facts(days, per_day)), as_of="2025-10-31")
    [swing] = [f for f in findings.build_findings(wb) if f.rule == "swing" and f.kpi == "revenue"]
    assert "probably seasonal" in swing.action["en"]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_heatmap_title_says_how_many_full_years_it_rests_on(tmp_path, lang):
    short = kpi.open_client(_client(tmp_path, _one_year_december(2.0), lang), as_of="2025-09-30")
    [fig] = seasonality_charts(short)
    title = fig.layout.title.text
    words = {"en": ("1 full year of data", "too short"), "nl": ("1 vol jaar aan gegevens", "te kort")}[lang]
    assert all(w in title for w in words), title
    assert {"en": "peak", "nl": "piek"}[lang] not in title

    long = kpi.open_client(_client(tmp_path / "b", _season_on_a_trend(3), lang), as_of="2025-12-31")
    [fig] = seasonality_charts(long)
    title = fig.layout.title.text
    caption = {"en": "from 3 full years, trend removed", "nl": "over 3 volle jaren, trend eruit gehaald"}[lang]
    assert caption in title, title
    assert {"en": "peak Nov, Dec", "nl": "piek nov, dec"}[lang] in title
