"""SMART 'Realistic' compares like with like (issue 11 point 11): a year-on-year goal ("+15 % in
Q4 2026 vs Q4 2025") is judged against the KPI's year-on-year changes, not as growth within the
goal's three months."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import make_goal

from kpi_helpers.compute.pacing import pace_goal
from kpi_helpers.spec.goals import best_year_on_year_change, smart_check

START, DEADLINE = dt.date(2026, 10, 1), dt.date(2026, 12, 31)


@pytest.fixture(scope="module")
def shop():
    """Daily revenue growing ~16 % a year with a strong Q4 peak, data up to 15 November 2026."""
    days = pd.date_range("2024-01-01", "2026-11-15")
    years = (days - days[0]).days / 365.25
    season = np.where(days.month >= 10, 1.6, 1.0) * (1 + 0.1 * np.sin(days.day_of_week))
    revenue = 1000 * (1.16**years) * season
    return pd.DataFrame({"date": days, "revenue": revenue, "orders": revenue / 50})


def _history(facts: pd.DataFrame, before: dt.date) -> pd.Series:
    monthly = facts.set_index("date")["revenue"].resample("MS").sum()
    return monthly[monthly.index < pd.Timestamp(before)]


def _q4_2025(facts: pd.DataFrame) -> float:
    return float(facts.loc[(facts.date >= "2025-10-01") & (facts.date <= "2025-12-31"), "revenue"].sum())


def test_issue_example_on_track_and_realistic(shop, catalog):
    baseline = _q4_2025(shop)
    goal = make_goal(
        statement="Omzet +15 % in Q4 2026 vs Q4 2025 met de kerstcampagne",
        kpi="revenue",
        baseline=baseline,
        target=baseline * 1.15,
        start=START,
        deadline=DEADLINE,
    )
    assert goal.comparison == "last_year"
    pacing = pace_goal(shop, goal, catalog=catalog)
    assert pacing.status == "on_track"
    report = smart_check(goal, history=_history(shop, START), catalog=catalog)
    assert report["R"].status == "pass", report["R"].message["en"]
    assert "year on year" in report["R"].message["en"] and "jaar op jaar" in report["R"].message["nl"]
    assert "February – April 2026 vs a year earlier" in report["R"].message["en"]  # the best window is named


def test_same_goal_read_as_three_month_growth_would_fail(shop, catalog):
    """Guard: the old reading (+15 % within 3 months) is what called the goal 'onvoldoende'."""
    baseline = _q4_2025(shop)
    goal = make_goal(
        statement="Omzet +15 % in Q4 2026 met de kerstcampagne",
        kpi="revenue",
        compare="previous",
        baseline=baseline,
        target=baseline * 1.15,
        start=START,
        deadline=DEADLINE,
    )
    assert smart_check(goal, history=_history(shop, START), catalog=catalog)["R"].status == "fail"


def test_explicit_compare_field_and_too_ambitious_year_on_year(shop, catalog):
    baseline = _q4_2025(shop)
    goal = make_goal(
        statement="Revenue +60 % in the last quarter of 2026",
        kpi="revenue",
        compare="last_year",
        baseline=baseline,
        target=baseline * 1.6,
        start=START,
        deadline=DEADLINE,
    )
    r = smart_check(goal, history=_history(shop, START), catalog=catalog)["R"]
    assert r.status == "fail" and "year-on-year" in r.fix["en"]


def test_best_year_on_year_change_against_pandas(shop):
    history = _history(shop, START)
    rate, end = best_year_on_year_change(history, 3)
    q = history.rolling(3).sum()
    expected = (q / q.shift(12) - 1).dropna()
    assert rate == pytest.approx(expected.max()) and end == expected.idxmax().to_period("M")


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("+15 % in Q4 2026 vs Q4 2025", "last_year"),
        ("Omzet in oktober 2026 10 % hoger dan in oktober 2025", "last_year"),
        ("Revenue +10 % in Q4 2026 compared with the same quarter last year", "last_year"),
        ("Revenue +10 % in Q4 2026 vs Q3 2026", "previous"),
        ("Revenue +10 % in Q4 2026", "previous"),
    ],
)
def test_comparison_read_from_statement(statement, expected):
    assert make_goal(statement=statement, start=START, deadline=DEADLINE).comparison == expected


def test_year_goals_keep_their_reading():
    goal = make_goal(statement="In 2026 10 % meer omzet dan in 2025")
    assert goal.comparison == "previous" and goal.comparison_months == goal.months
