"""SMART S and R say only what the statement and the data support (issue 20).

S needs a measurable amount (not just a year) and a direction, and the statement must agree with
the goal's own numbers; R says "not enough history to judge" instead of comparing December with
January of a single year."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import make_goal as make

from kpi_helpers.spec.goals import smart_check
from kpi_helpers.workshop import exercises as ws

D = dt.date


def s_finding(catalog, **fields):
    return smart_check(make(**fields), catalog=catalog)["S"]


# --------------------------------------------------------------------------- S: a year is not an amount
@pytest.mark.parametrize(
    "statement",
    [
        "We willen in 2026 meer winst",
        "We willen in 2027 meer omzet",
        "We want more revenue in 2026",
        "Groei in Q1 2026",
    ],
)
def test_s_a_year_is_not_an_amount(catalog, statement):
    f = s_finding(catalog, statement=statement)
    assert f.status == "fail", f.message
    assert "jaartal" in f.message["nl"] and "year" in f.message["en"]
    assert "hoeveel" in f.message["nl"] and "how much" in f.message["en"]


@pytest.mark.parametrize(
    "statement",
    [
        "Omzet +10 % in 2026 door een hogere gemiddelde orderwaarde",
        "Revenue 10 percent higher in 2026 than in 2025",
        "Omzet van € 1.000.000 naar € 1.100.000 in 2026",
        "Revenue from 1,000,000 to 1,100,000 by 31 December 2026",
        "Minimaal 10 % meer omzet in 2026",
        "At least 10 % more revenue in 2026",
    ],
)
def test_s_amount_and_direction_that_agree_pass(catalog, statement):
    f = s_finding(catalog, statement=statement)
    assert f.status == "pass", f.message


@pytest.mark.parametrize("statement", ["Omzet € 1.100.000 in 2026", "Revenue 1,100,000 in 2026"])
def test_s_amount_without_direction_warns(catalog, statement):
    f = s_finding(catalog, statement=statement)
    assert f.status == "warn", f.message
    assert "welke kant" in f.message["nl"] and "which way" in f.message["en"]


@pytest.mark.parametrize("statement", ["Omzet +15 % in 2026", "Revenue up 15 % in 2026"])
def test_s_percentage_that_disagrees_with_the_numbers_fails(catalog, statement):
    f = s_finding(catalog, statement=statement)  # the goal: 1,000,000 -> 1,100,000 = +10 %
    assert f.status == "fail", f.message
    assert "15 %" in f.message["nl"] and "+10 %" in f.message["nl"]
    assert "15 %" in f.message["en"] and "+10 %" in f.message["en"]
    assert "Zeg in de formulering" in f.fix["nl"] and "Make the statement" in f.fix["en"]


@pytest.mark.parametrize("statement", ["10 % minder omzet in 2026", "Reduce revenue by 10 % in 2026"])
def test_s_direction_that_disagrees_with_the_numbers_fails(catalog, statement):
    f = s_finding(catalog, statement=statement)  # the target is above the baseline
    assert f.status == "fail", f.message
    assert "omlaag" in f.message["nl"] and "hoger" in f.message["nl"]
    assert "down" in f.message["en"] and "higher" in f.message["en"]


def test_s_percent_kpi_level_in_the_statement_agrees(catalog):
    f = s_finding(
        catalog,
        kpi="conversion_rate",
        baseline=0.025,
        target=0.03,
        statement="Conversieratio omhoog van 2,5 % naar 3 % in 2026",
    )
    assert f.status == "pass", f.message


def test_report_of_a_vague_goal_with_a_year_is_not_smart(catalog):
    report = smart_check(make(statement="We willen in 2026 meer winst"), catalog=catalog)
    assert not report.ok
    assert "✗ S" in report.text("en") and "✗ S" in report.text("nl")


# --------------------------------------------------------------------------- R: one year of history
def leads_goal(**fields):
    return make(
        **{
            "statement": "15 % more leads in 2025 than 2024",
            "kpi": "leads",
            "baseline": 1200,
            "target": 1380,
            "start": D(2025, 1, 1),
            "deadline": D(2025, 12, 31),
            **fields,
        }
    )


def months(values, start):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="MS"), dtype=float)


# 2024 only: a season that starts low in January and peaks in December (no growth at all)
ONE_YEAR = months([60, 70, 80, 90, 100, 100, 90, 100, 110, 120, 130, 150], "2024-01-01")


@pytest.mark.parametrize("lang,words", [("nl", "te weinig historie"), ("en", "not enough history")])
def test_r_with_one_year_of_history_cannot_judge(catalog, lang, words):
    f = smart_check(leads_goal(), ONE_YEAR, catalog=catalog)["R"]
    assert f.status == "unknown", f.message
    assert words in f.message[lang].lower()
    assert "12" in f.message[lang] and "13" in f.message[lang]  # how many months there are and are needed
    assert f.fix[lang]  # what to do: give a longer history


def test_r_unknown_is_not_a_failure_of_the_goal(catalog):
    report = smart_check(leads_goal(), ONE_YEAR, catalog=catalog)
    assert report.ok  # the goal is not refused for lack of data
    assert "? R" in report.text("en")
    assert report.text("en").startswith("This goal is SMART as far as the data can judge (R not yet).")
    assert report.text("nl").startswith("Dit doel is SMART voor zover de data het kunnen beoordelen (R nog niet).")


def test_r_with_two_years_of_history_judges(catalog):
    two_years = pd.concat([ONE_YEAR.rename(None), months((ONE_YEAR * 1.02).tolist(), "2025-01-01")])
    history = two_years[two_years.index < "2025-01-01"]
    assert smart_check(leads_goal(), history, catalog=catalog)["R"].status == "unknown"
    longer = months((ONE_YEAR * 0.98).tolist() + ONE_YEAR.tolist(), "2023-01-01")  # +2 % a year
    f = smart_check(leads_goal(), longer, catalog=catalog)["R"]
    assert f.status in ("warn", "fail"), f.message  # +15 % asked, +2 % a year done
    assert "12 months" in f.message["en"]


def test_r_unknown_shows_in_the_goal_card(catalog):
    from kpi_helpers.views.goal_views import smart_card_html

    goal = leads_goal()
    html = smart_card_html(goal, smart_check(goal, ONE_YEAR, catalog=catalog), "nl", catalog)
    assert "niet te beoordelen" in html
    assert "kpi-unknown" in html


# --------------------------------------------------------------------------- workshop exercise 2
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_exercise_2_vague_statement_with_a_year_is_not_all_right(lang):
    answers = {**ws.model_answers("smart", lang), "statement": "We willen in 2026 meer winst"}
    fb = ws.check_smart(answers)
    s = next(i for i in fb.items if i.item == "S")
    assert s.status == "wrong"
    assert not fb.all_correct and fb.score[0] < fb.score[1]
    assert ("jaartal" if lang == "nl" else "year") in s.message[lang]


def test_exercise_2_model_answer_still_all_right():
    for lang in ("nl", "en"):
        assert ws.check_smart(ws.model_answers("smart", lang)).all_correct


def test_s_target_level_with_its_baseline_says_which_way(catalog):
    f = s_finding(
        catalog,
        kpi="conversion_rate",
        baseline=0.417,
        target=0.45,
        statement="In 2026 opent 45 % van de ontvangers de nieuwsbrief (2025 - 41,7 %)",
    )
    assert f.status == "pass", f.message


@pytest.mark.parametrize(
    "lang,statement", [("nl", "We willen in 2027 meer omzet"), ("en", "We want more revenue in 2027")]
)
def test_goal_builder_does_not_pass_a_year_as_an_amount(lang, statement):
    import kpi_helpers as kpi

    app = kpi.goal_builder(lang=lang, interactive=True)
    app.statement.value = statement
    assert app.report["S"].status == "fail"
    assert ("jaartal" if lang == "nl" else "names a year") in app.card.value
