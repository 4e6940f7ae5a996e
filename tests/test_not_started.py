"""Goals whose window starts after the as-of date: their own status `not_started` (never off
track, never an alert or a finding, not forecast), shown on page one as planned."""

from __future__ import annotations

import math
import re

import pytest
from test_client_report import visible_text
from test_pacing import CAT, flat, goal

from kpi_helpers.compute.pacing import pace_goal
from kpi_helpers.i18n.formats import t
from kpi_helpers.run.alerts import client_alerts
from kpi_helpers.run.history import since_html, since_last
from kpi_helpers.run.report import client_summary
from kpi_helpers.run.workspace import demo_params_file
from kpi_helpers.spec import vocab
from kpi_helpers.spec.params import load_params
from kpi_helpers.views.summary import summary_html

FUTURE_GOALS = (
    "  - id: revenue-2027\n    statement: Revenue 3 M in 2027\n    kpi: revenue\n    baseline: 2500000\n"
    "    target: 3000000\n    start: 2027-01-01\n    deadline: 2027-12-31\n    owner: Sanne\n"
    "  - id: conversion-2027\n    statement: Conversion rate 3 % in 2027\n    kpi: conversion_rate\n"
    "    baseline: 0.025\n    target: 0.03\n    start: 2027-01-01\n    deadline: 2027-12-31\n    owner: Sanne\n"
)


def test_not_started_is_a_status_of_its_own_in_both_languages():
    assert vocab.Status.NOT_STARTED == "not_started" and "not_started" in vocab.STATUSES
    assert t("not_started", "en") == "not started yet"
    assert t("not_started", "nl") == "nog niet begonnen"


@pytest.mark.parametrize("kind", ["revenue", "conversion_rate", "ad_spend"])
def test_a_goal_that_starts_after_the_as_of_date_is_not_started_and_not_forecast(kind):
    facts = flat("2023-12-01", "2024-03-31")
    future = goal(3000, kind, start="2024-06-01", deadline="2024-06-30")
    p = pace_goal(facts, future, as_of="2024-03-31", catalog=CAT)
    assert p.status == p.status_pace == "not_started"
    assert p.elapsed_fraction == 0 and p.days_left == 30
    for name in ("forecast", "actual_to_date", "expected", "gap", "progress"):
        assert math.isnan(getattr(p, name)), name  # nothing measured, nothing forecast
    assert p.required_run_rate is None
    # the day it starts it is judged like any other goal
    started = pace_goal(flat("2023-12-01", "2024-06-01"), future, as_of="2024-06-01", catalog=CAT)
    assert started.status in ("on_track", "at_risk", "off_track")


@pytest.fixture(scope="module")
def future_summary(tmp_path_factory):
    text = demo_params_file("demo_webshop.yaml").read_text(encoding="utf-8")
    assert "\nchannels:" in text
    folder = tmp_path_factory.mktemp("params")
    path = folder / "demo_webshop.yaml"
    path.write_text(text.replace("\nchannels:", "\n" + FUTURE_GOALS + "channels:", 1), encoding="utf-8")
    config = load_params(path)
    return client_summary(config, as_of="2026-08-31"), client_summary(config, as_of="2026-09-30")


def test_summary_json_findings_and_alerts(future_summary):
    august, september = future_summary
    for summary in (august, september):
        goals = {g["id"]: g for g in summary["goals"]}
        for gid in ("revenue-2027", "conversion-2027"):
            assert goals[gid]["status"] == "not_started", gid
            assert goals[gid]["forecast"] is None and goals[gid]["actual_to_date"] is None
        # never a finding: no finding names a goal that has not started
        assert not [f for f in summary["findings"] if (f.get("data") or {}).get("goal_id", "").endswith("-2027")]
    september["since_last"] = since_last(september, august)
    assert not [a for a in client_alerts(september) if a["goal"] in ("revenue-2027", "conversion-2027")]
    # a goal that moved from on track to not started (a new window) is never an alert either
    moved = {
        "client": "x",
        "as_of": "2026-09-30",
        "goals": [{"id": "g", "kpi": "revenue", "status": "not_started"}],
    }
    moved["since_last"] = since_last(
        moved, {"as_of": "2026-08-31", "goals": [{"id": "g", "kpi": "revenue", "status": "on_track"}]}
    )
    assert client_alerts(moved) == []
    assert "nog niet begonnen" in since_html(moved, "nl")


@pytest.mark.parametrize(
    ("lang", "planned", "failure"),
    [
        ("en", "Starts 1 January 2027 · target €3,000,000", ("off track", "at risk")),
        ("nl", "Begint op 1 januari 2027 · doel € 3.000.000", ("uit koers", "risico")),
    ],
)
def test_page_one_shows_a_goal_that_has_not_started_as_planned(future_summary, lang, planned, failure):
    summary = dict(future_summary[1])
    summary["goals"] = [g for g in summary["goals"] if g["id"] in ("revenue-2027", "conversion-2027")]
    summary["findings"] = []  # the demo's other goals' findings are not about these two
    page = summary_html(summary, lang)
    text = " ".join(visible_text(page).replace("\xa0", " ").split())
    assert planned in text
    assert ("Starts 1 January 2027 · target 3.0%" if lang == "en" else "Begint op 1 januari 2027 · doel 3,0%") in text
    assert t("not_started", lang) in text  # a neutral word, not a failure
    for word in failure:
        assert word not in text.lower(), word
    assert 'class="bar"' not in page  # no progress bar of a goal that has not begun
    assert not re.search(r"forecast|prognose", text, flags=re.I)


def test_index_counts_not_started_goals_and_ranks_them_after_on_track(tmp_path):
    from kpi_helpers.run.batch import BatchResult, ClientResult
    from kpi_helpers.run.report import write_index

    def result(client, statuses):
        summary = {
            "language": "en",
            "currency": "EUR",
            "as_of": "2026-09-30",
            "goals": [{"status": s, "statement": f"goal {i}", "kpi": "revenue"} for i, s in enumerate(statuses)],
            "findings": [],
        }
        return ClientResult(client, "ok", f"params/{client}.yaml", name=client.title(), summary=summary)

    batch = BatchResult(
        out_dir=tmp_path,
        seconds=1.0,
        results=[result("alpha", ["on_track", "not_started"]), result("beta", ["not_started"])],
    )
    page = write_index(batch, lang="en").read_text()
    text = " ".join(visible_text(page).split())
    assert "on track 1" in text and "not started yet 2" in text
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"<td><a href='(\w+)/report.html'>.*?</a></td><td data-sort='(\d+)'>", page)
    }
    assert int(rows["alpha"]) < int(rows["beta"])  # on track + not started: on track; only planned goals sort last
    assert "status-not_started" in page
    nl = " ".join(visible_text(write_index(batch, lang="nl").read_text()).split())
    assert "nog niet begonnen 2" in nl


def test_charts_and_tables_know_the_status():
    from kpi_helpers.i18n.formats import STATUS_COLORS_HTML, STATUS_EMOJI
    from kpi_helpers.views.charts import STATUS_COLORS

    for status in vocab.STATUSES:
        assert status in STATUS_COLORS and status in STATUS_COLORS_HTML and status in STATUS_EMOJI, status
    assert STATUS_COLORS_HTML["not_started"] not in {STATUS_COLORS_HTML[s] for s in ("at_risk", "off_track")}


def test_goal_trend_of_a_goal_that_has_not_started_draws_no_forecast(tmp_path):
    from kpi_helpers.session import open_client
    from kpi_helpers.views.analysis import goal_trend

    text = demo_params_file("demo_webshop.yaml").read_text(encoding="utf-8")
    path = tmp_path / "demo_webshop.yaml"
    path.write_text(text.replace("\nchannels:", "\n" + FUTURE_GOALS + "channels:", 1), encoding="utf-8")
    wb = open_client(path, lang="en", as_of="2026-09-30")
    for planned in (g for g in wb.config.goals if g.id.endswith("-2027")):
        fig = goal_trend(wb, planned)
        assert "(not started yet)" in fig.layout.title.text
        assert not [tr.name for tr in fig.data if "forecast" in str(tr.name).lower()], planned.id
