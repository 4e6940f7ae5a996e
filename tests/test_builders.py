"""kpi_helpers.views.goal_views + kpi_helpers.apps.builders: steps 1-2 of the workbook (cards, chain, apps)."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import pytest

import kpi_helpers as kpi
from kpi_helpers.spec.goals import Goal

# webshop and b2b fixtures: tests/conftest.py


def _goal(**kw) -> Goal:
    base = dict(
        id="g1",
        statement="Revenue from 100,000 to 110,000 (+10 %) by 31 December 2026",
        kpi="revenue",
        baseline=100_000,
        target=110_000,
        start=dt.date(2026, 1, 1),
        deadline=dt.date(2026, 12, 31),
        owner="Sales manager (Eva)",
    )
    return Goal(**{**base, **kw})


# ---------------------------------------------------------------- SMART cards
def test_smart_cards_escape_statement_owner_and_id():
    evil = _goal(id="x<i>d", statement="<script>alert('x')</script> Revenue +10 % by 2026", owner="<b>Eva</b>")
    view = kpi.smart_cards([evil], lang="en")
    assert "<script>" not in view.html and "&lt;script&gt;" in view.html
    assert "<b>Eva</b>" not in view.html and "&lt;b&gt;Eva&lt;/b&gt;" in view.html
    assert "x<i>d" not in view.html
    fig = kpi.goal_tree_figure([evil], lang="en")
    assert not any("<script>" in str(t) for t in fig.data[1].text)


def test_smart_cards_one_card_per_goal_with_five_letters(webshop):
    view = kpi.smart_cards(webshop)
    assert view.html.count("class='kpi-smart-card") == len(webshop.config.goals) == 3
    for letter in "SMART":
        assert view.html.count(f"kpi-letter-{letter}") == 3
    assert list(view.table["goal"]) == [g.id for g in webshop.config.goals]
    # realism from the client's own history: the repeat-rate goal outruns anything the shop has done
    assert view.table.set_index("goal").loc["herhaal-2026", "R"] == "fail"
    assert "onvoldoende" in view.html  # the client's language (nl)


def test_smart_cards_language_override(webshop):
    en = kpi.smart_cards(webshop, lang="en").html
    assert "Specific" in en and "Specifiek" not in en


def test_history_stops_before_the_goal_start(webshop):
    hist = kpi.monthly_history(webshop, "revenue", before=dt.date(2026, 1, 1))
    assert hist.index.max() == dt.datetime(2025, 12, 1) and len(hist) == 24
    assert kpi.monthly_history(webshop, "profit") is None  # goal-level KPI: from the accounts


def test_realism_table_and_figure(webshop):
    table = kpi.realism_table(webshop)
    assert len(table) == 3 and "✗" in table.iloc[2]["R-oordeel"]
    fig = kpi.realism_figure(webshop)
    assert isinstance(fig, go.Figure) and len(fig.data[0].y) == 3


# ---------------------------------------------------------------- chain
def test_chain_tree_has_one_node_per_goal(webshop):
    fig = kpi.goal_tree_figure(webshop)
    nodes = next(t for t in fig.data if t.name == "goals")
    assert len(nodes.x) == len(webshop.config.goals)
    assert sorted(nodes.customdata) == sorted(g.id for g in webshop.config.goals)
    # two links: both children feed omzet-2026
    links = next(t for t in fig.data if t.name == "links")
    assert list(links.x).count(None) == 2


def test_chain_tree_survives_cycles_duplicates_and_unknown_parents():
    goals = [
        _goal(id="a", parent="b"),
        _goal(id="b", parent="a"),
        _goal(id="c", parent="nope"),
        _goal(id="c"),
        _goal(id="d", parent="c", kpi="sessions"),
    ]
    fig = kpi.goal_tree_figure(goals, lang="nl")
    assert len(fig.data[1].x) == 5
    table = kpi.chain_findings_table(goals, lang="en")
    assert {"cycle", "unknown_parent", "duplicate_id"} <= set(table.attrs["codes"])


def test_chain_findings_table_without_findings_says_so():
    table = kpi.chain_findings_table([_goal()], lang="nl")
    assert len(table) == 1 and "klopt" in table.iloc[0, 2]


# ---------------------------------------------------------------- vague -> specific
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_vague_to_specific_example(lang):
    table = kpi.vague_to_specific_example(lang)
    reports = table.attrs["reports"]
    assert len(table) == 5
    assert reports[0]["S"].status == "fail" and reports[0]["A"].status == "fail"
    assert all(r.ok for r in reports[2:])
    goals = kpi.vague_to_specific_goals(lang)
    assert [g.kpi for g in goals[2:]] == ["profit", "revenue", "sessions"]
    codes = kpi.chain_findings_table(goals, lang=lang).attrs["codes"]
    assert codes.count("other_drivers") == 2  # margin may fall 11 %, revenue per visit 18 %


# ---------------------------------------------------------------- goal builder
def test_goal_builder_live_feedback(webshop):
    app = kpi.goal_builder(webshop, lang="en")
    assert app.report["S"].status == "fail" and app.report["A"].status == "fail"  # the rough first draft
    app.statement.value = "Revenue from 2.07 million to 2.28 million (+10 %) by 30 September 2027"
    app.owner.value = "Sales manager (Eva)"
    assert app.report["S"].status == "pass" and app.report["A"].status == "pass"
    assert app.report.ok and "owns this goal" in app.card.value

    app.owner.value = ""  # A fails as soon as the owner is cleared
    assert app.report["A"].status == "fail" and "Nobody owns" in app.card.value
    app.owner.value = "Eva"

    app.deadline.value = app.start.value - dt.timedelta(days=1)  # T fails when the deadline moves before the start
    assert app.report["T"].status == "fail"
    app.deadline.value = None
    assert app.report["T"].status == "fail" and app.goal is None
    app.deadline.value = dt.date(2027, 9, 30)
    assert app.report["T"].status == "pass"
    assert "owner: Eva" in app.params_snippet()


def test_goal_builder_without_client_and_static():
    app = kpi.goal_builder(lang="nl", interactive=False)
    assert app.report is not None and "kpi-smart-card" in app._repr_html_()
    assert kpi.goal_builder(interactive=True).kpi.value == "revenue"


# ---------------------------------------------------------------- step 2 apps (views: test_pair_views.py)
def test_pair_picker_adds_pair_and_updates_warnings(b2b):
    app = kpi.pair_picker(b2b)
    assert "performance_without_quality" in app.warnings.attrs["codes"]
    app.performance.value = "revenue"
    assert [v for _, v in app.partner.options] == ["average_order_value", "revenue_per_customer"]
    app.partner.value = "average_order_value"
    app.add_button.click()
    assert ("revenue", "average_order_value") in app.pairs
    assert "performance_without_quality" not in app.warnings.attrs["codes"]
    assert "not_in_data" in app.warnings.attrs["codes"]  # B2B data has no orders
    assert "average_order_value" in app.warnings_html.value or "Average order value" in app.warnings_html.value
    app.reset_button.click()
    assert ("revenue", "average_order_value") not in app.pairs


def test_catalog_browser():
    app = kpi.catalog_browser("en")
    app.domain.value = "hr"
    assert len(app.table) == len(kpi.load_catalog().by_domain("hr"))
    assert "kpi-definition-card" in app.view.value
    assert len(kpi.catalog_browser("nl", interactive=False).overview()) == 5
