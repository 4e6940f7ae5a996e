"""Tests for kpi_helpers.spec.goals: the Goal model and the SMART check (chains: test_chains.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_helpers.exceptions import GoalError
from kpi_helpers.spec.goals import (
    LETTERS,
    Goal,
    SmartReport,
    best_monthly_growth,
    fmt_percent,
    smart_check,
)

D = dt.date


from conftest import make_goal as make  # noqa: E402  (catalog fixture: conftest)


def finding(goal: Goal, letter: str, history=None, catalog=None):
    return smart_check(goal, history, catalog=catalog)[letter]


def monthly(values, start="2023-01-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="MS"), dtype=float)


# --------------------------------------------------------------------------- model
def test_goal_defaults_and_helpers():
    g = make()
    assert g.id == "revenue"
    assert g.months == pytest.approx(12.0)
    assert g.effective_horizon == "1y"
    assert g.required_change == pytest.approx(0.10)
    assert (1 + g.required_monthly_growth) ** 12 == pytest.approx(1.10)
    assert make(deadline=D(2026, 3, 31)).months == pytest.approx(3.0)
    assert make(deadline=D(2026, 3, 31)).effective_horizon == "quarter"
    assert make(deadline=D(2027, 6, 30)).months == pytest.approx(18.0)
    assert make(horizon="2y").effective_horizon == "2y"
    assert make(baseline=None).required_change is None
    assert make(id="my goal").id == "my goal"


def test_goal_field_names_roundtrip_and_type_validation():
    g = make(parent="profit", horizon="1y")
    data = g.model_dump()
    assert list(data) == [
        "id",
        "statement",
        "kpi",
        "baseline",
        "target",
        "start",
        "deadline",
        "owner",
        "horizon",
        "parent",
        "compare",
        "targets",
        "floor",
        "ceiling",
    ]
    assert Goal.model_validate(data) == g
    # a draft may be incomplete in meaning, but types are checked
    assert Goal(statement="", kpi="", target=0, start="2026-01-01", deadline="2025-01-01").owner is None
    with pytest.raises(ValueError):
        make(target="lots")
    with pytest.raises(ValueError):
        make(horizon="5y")
    with pytest.raises(ValueError):
        make(deadlin=D(2026, 1, 1))  # typo in a params file


# --------------------------------------------------------------------------- report shape
def test_realistic_goal_passes_all_five(catalog):
    history = monthly([80_000 * 1.01**i for i in range(36)])  # +1 % a month, +12.7 % a year
    report = smart_check(make(), history, catalog=catalog)
    assert isinstance(report, SmartReport)
    assert [f.letter for f in report.findings] == list(LETTERS)
    assert [f.status for f in report.findings] == ["pass"] * 5, report.text("en")
    assert report.ok and report.status == "pass"
    assert all(f.fix == {"nl": "", "en": ""} for f in report.findings)
    assert report.text("nl").startswith("Dit doel is SMART.")
    frame = report.to_frame("en")
    assert list(frame["letter"]) == list(LETTERS)
    assert {"letter", "status", "message", "fix"} <= set(frame.columns)
    assert report.findings[0].name == {"nl": "Specifiek", "en": "Specific"}


def test_report_text_lists_fixes(catalog):
    report = smart_check(make(statement="meer omzet", owner=None), catalog=catalog)
    assert not report.ok and report.status == "fail"
    text = report.text("en")
    assert "2 of 5 points need attention" in text
    assert "→ Say what, how much and by when" in text
    assert "2 van de 5 punten verdienen aandacht" in report.text("nl")


# --------------------------------------------------------------------------- S
@pytest.mark.parametrize(
    "statement",
    [
        "Meer omzet en betere klanttevredenheid",
        "We want to improve our marketing and do better",
        "meer omzet",
        "",
        "Het gaat goed met ons bedrijf dit voorjaar",
    ],
)
def test_s_fails_vague_statements(catalog, statement):
    f = finding(make(statement=statement), "S", catalog=catalog)
    assert f.status == "fail"
    assert "Say what, how much and by when" in f.fix["en"]
    assert "Zeg wat, hoeveel en wanneer" in f.fix["nl"]
    assert "1.000.000" in f.fix["nl"] and "1,000,000" in f.fix["en"]  # the example uses the goal's own numbers


def test_s_warns_direction_without_amount(catalog):
    f = finding(make(statement="We willen de omzet verhogen dit jaar"), "S", catalog=catalog)
    assert f.status == "warn"
    assert "niet hoeveel" in f.message["nl"]


@pytest.mark.parametrize(
    "statement", ["Revenue +10 % in 2026 through repeat orders", "Het aantal leads verdubbelen voor eind 2026"]
)
def test_s_passes_concrete_statements(catalog, statement):
    assert finding(make(statement=statement), "S", catalog=catalog).status == "pass"


# --------------------------------------------------------------------------- M
def test_m_unknown_kpi_suggests_close_ids(catalog):
    f = finding(make(kpi="revnue"), "M", catalog=catalog)
    assert f.status == "fail"
    assert "'revnue' is not a KPI in the catalog" in f.message["en"]
    assert "'revenue'" in f.fix["en"] and "Bedoelt u" in f.fix["nl"]


def test_m_negative_target_fails(catalog):
    f = finding(make(target=-5), "M", catalog=catalog)
    assert f.status == "fail" and "negative" in f.message["en"] and "negatief" in f.message["nl"]


def test_m_percent_target_written_as_35_fails(catalog):
    f = finding(make(kpi="conversion_rate", baseline=0.025, target=35), "M", catalog=catalog)
    assert f.status == "fail"
    assert "Write 0.35 for 35 %" in f.fix["en"]
    assert "0.35" in f.fix["nl"] and "35 %" in f.fix["nl"]
    assert finding(make(kpi="conversion_rate", baseline=0.025, target=0.03), "M", catalog=catalog).status == "pass"


def test_m_missing_baseline_warns_and_target_nan_fails(catalog):
    f = finding(make(baseline=None), "M", catalog=catalog)
    assert f.status == "warn" and "baseline" in f.message["en"] and "beginwaarde" in f.fix["nl"]
    assert finding(make(target=float("nan")), "M", catalog=catalog).status == "fail"
    assert finding(make(kpi=" "), "M", catalog=catalog).status == "fail"


def test_m_goal_level_kpi_is_accepted(catalog):
    f = finding(make(kpi="profit"), "M", catalog=catalog)
    assert f.status == "pass" and "goal-level" in f.message["en"]


def test_m_kpi_that_may_be_negative(catalog):
    # net subscriber growth = new - unsubscribes may legitimately be negative
    assert finding(make(kpi="net_subscriber_growth", baseline=-10, target=-5), "M", catalog=catalog).status == "pass"


# --------------------------------------------------------------------------- A
@pytest.mark.parametrize("owner", [None, "", "   ", "tbd", "niemand"])
def test_a_missing_owner_fails(catalog, owner):
    f = finding(make(owner=owner), "A", catalog=catalog)
    assert f.status == "fail"
    assert "one person or role" in f.fix["en"] and "één persoon of rol" in f.fix["nl"]


@pytest.mark.parametrize("owner", ["iedereen", "Everyone", "het team", "we", "Jan & Piet"])
def test_a_vague_owner_warns(catalog, owner):
    assert finding(make(owner=owner), "A", catalog=catalog).status == "warn"


@pytest.mark.parametrize("owner", ["directie", "Sanne", "head of sales"])
def test_a_person_or_role_passes(catalog, owner):
    f = finding(make(owner=owner), "A", catalog=catalog)
    assert f.status == "pass" and owner in f.message["en"]


# --------------------------------------------------------------------------- R
def test_r_unrealistic_vs_history_message_in_both_languages(catalog):
    history = monthly([100 * 1.018**i for i in range(36)])  # best 12 months: +1.8 % a month
    goal = make(baseline=100, target=162.0)  # (1.62)^(1/12) - 1 = +4.1 % a month
    f = finding(goal, "R", history, catalog=catalog)
    assert f.status == "fail"  # more than twice the best pace
    assert "needs +4.1 % a month; your best 12 months did +1.8 % a month" in f.message["en"]
    assert "vraagt +4,1 % per maand; uw beste 12 maanden haalden +1,8 % per maand" in f.message["nl"]
    assert "Aim for about" in f.fix["en"] and "Mik op ongeveer" in f.fix["nl"]


def test_r_warns_between_best_and_twice_best(catalog):
    history = monthly([100 * 1.02**i for i in range(24)])  # +2.0 % a month
    goal = make(baseline=100, target=100 * 1.03**12)  # +3.0 % a month
    assert finding(goal, "R", history, catalog=catalog).status == "warn"
    assert finding(make(baseline=100, target=100 * 1.015**12), "R", history, catalog=catalog).status == "pass"


def test_r_lower_is_better_kpi(catalog):
    # defect rate: a reduction is the ambition; history shows -1 % a month at best
    history = monthly([0.05 * 0.99**i for i in range(24)])
    ok = make(kpi="defect_rate", baseline=0.05, target=0.05 * 0.995**12)
    too_fast = make(kpi="defect_rate", baseline=0.05, target=0.05 * 0.97**12)
    assert finding(ok, "R", history, catalog=catalog).status == "pass"
    f = finding(too_fast, "R", history, catalog=catalog)
    assert f.status == "fail" and "-3.0 % a month" in f.message["en"] and "-1.0 % a month" in f.message["en"]
    wrong_way = finding(make(kpi="defect_rate", baseline=0.05, target=0.06), "R", catalog=catalog)
    assert wrong_way.status == "warn" and "lower is better" in wrong_way.message["en"]


def test_r_without_history(catalog):
    f = finding(make(), "R", catalog=catalog)  # nothing to judge the step against: not a pass
    assert f.status == "unknown" and "+0.8 % a month" in f.message["en"] and "history" in f.message["en"]
    assert finding(make(target=2_500_000), "R", catalog=catalog).status == "warn"  # +150 % in a year
    assert finding(make(target=400_000), "R", catalog=catalog).status == "warn"  # below baseline, higher is better
    assert finding(make(baseline=None), "R", catalog=catalog).status == "warn"


def test_best_monthly_growth_short_and_bad_history():
    assert best_monthly_growth(monthly([1, 2])) is None
    # under 13 months the only span left compares different months of one year: season, not growth
    assert best_monthly_growth(monthly([100, 110, 121, 133.1, 146.41])) is None
    rate, span = best_monthly_growth(monthly([100 * 1.01**i for i in range(13)]))
    assert span == 12 and rate == pytest.approx(0.01)
    with pytest.raises(GoalError):
        best_monthly_growth([1, 2, 3])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- T
def test_t_deadline_before_start_fails(catalog):
    f = finding(make(start=D(2026, 6, 1), deadline=D(2026, 1, 1)), "T", catalog=catalog)
    assert f.status == "fail"
    assert "31 August 2026" in f.fix["en"] and "31 augustus 2026" in f.fix["nl"]


def test_t_long_window_and_horizon_mismatch_warn(catalog):
    assert finding(make(deadline=D(2030, 12, 31)), "T", catalog=catalog).status == "warn"
    f = finding(make(horizon="quarter"), "T", catalog=catalog)
    assert f.status == "warn" and "'1y'" in f.fix["en"]
    assert finding(make(deadline=D(2026, 3, 31), horizon="quarter"), "T", catalog=catalog).status == "pass"


def test_percent_formatting():
    assert fmt_percent(0.041, "en") == "+4.1 %"
    assert fmt_percent(0.041, "nl") == "+4,1 %"
    assert fmt_percent(-0.0001, "en") == "0.0 %"


# --------------------------------------------------------------------------- property
from conftest import ANY_FLOAT as _floats  # noqa: E402
from conftest import GOAL_STRATEGY as _goals  # noqa: E402


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(goal=_goals, history=st.none() | st.lists(_floats, min_size=0, max_size=30))
def test_smart_check_always_five_findings_in_order(catalog, goal, history):
    series = monthly(history) if history is not None else None
    report = smart_check(goal, series, catalog=catalog)
    assert [f.letter for f in report.findings] == list(LETTERS)
    for f in report.findings:
        assert f.status in ("pass", "unknown", "warn", "fail")
        assert set(f.message) == {"nl", "en"} and all(f.message.values())
        if f.status == "pass":
            assert f.fix == {"nl": "", "en": ""}
        else:
            assert all(f.fix.values())
    assert report.text("nl") and report.text("en")
    assert len(report.to_frame("nl")) == 5
