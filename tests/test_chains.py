"""Tests for kpi_helpers.compute.chains: goal chains, driver trees and the goal tree."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_helpers.compute.chains import DRIVER_TREES, ChainFinding, check_chain, driver_factorisations, goal_tree
from kpi_helpers.spec.goals import GOAL_LEVEL_KPIS, Goal, smart_check

D = dt.date


from conftest import GOAL_STRATEGY as _goals  # noqa: E402
from conftest import examples  # noqa: E402
from conftest import make_goal as make  # noqa: E402  (catalog fixture: conftest)


def worked_example() -> list[Goal]:
    return [
        Goal(
            id="profit",
            statement="Winst +20 % in 2026 en 2027 door meer omzet bij gelijke kosten",
            kpi="profit",
            baseline=500_000,
            target=600_000,
            start=D(2026, 1, 1),
            deadline=D(2027, 12, 31),
            owner="directie",
        ),
        Goal(
            id="revenue",
            statement="Omzet +35 % binnen 18 maanden door meer bezoekers",
            kpi="revenue",
            baseline=2_000_000,
            target=2_700_000,
            start=D(2026, 1, 1),
            deadline=D(2027, 6, 30),
            owner="commercieel directeur",
            parent="profit",
        ),
        Goal(
            id="visitors",
            statement="Websitebezoekers +65 % binnen 18 maanden via SEO en advertenties",
            kpi="sessions",
            baseline=400_000,
            target=660_000,
            start=D(2026, 1, 1),
            deadline=D(2027, 6, 30),
            owner="online marketeer",
            parent="revenue",
        ),
    ]


def test_worked_example_checks_out(catalog):
    goals = worked_example()
    for g in goals:
        assert smart_check(g, catalog=catalog).ok
    findings = check_chain(goals, catalog=catalog)
    assert all(isinstance(f, ChainFinding) for f in findings)
    assert {f.severity for f in findings} == {"info"}
    by_goal = {f.goal_id: f for f in findings}
    visitors = by_goal["revenue"]
    assert visitors.code == "other_drivers"
    assert "revenue +35 % allows conversion rate × average order value to fall by up to 18 %" in visitors.message["en"]
    assert "hoogstens 18 %" in visitors.message["nl"]
    assert "profit margin to fall by up to 11 %" in by_goal["profit"].message["en"]
    assert [(d, g.id) for d, g in goal_tree(goals)] == [(0, "profit"), (1, "revenue"), (2, "visitors")]


def test_short_chain(catalog):
    parent = make(id="rev", baseline=100, target=135)
    kids = [
        make(id="ord", kpi="orders", baseline=1000, target=1100, parent="rev"),
        make(id="aov", kpi="average_order_value", baseline=100, target=110, parent="rev"),
    ]
    findings = check_chain([parent, *kids], catalog=catalog)
    short = [f for f in findings if f.code == "short"]
    assert len(short) == 1 and short[0].severity == "warning" and short[0].goal_id == "rev"
    assert "deliver +21 %" in short[0].message["en"] and "the parent (revenue) needs +35 %" in short[0].message["en"]
    assert "+21 %" in short[0].message["nl"] and "+35 %" in short[0].message["nl"]
    enough = [make(id="rev", baseline=100, target=120), *kids]
    assert not [f for f in check_chain(enough, catalog=catalog) if f.severity != "info"]


def test_cycle_unknown_parent_and_deadline(catalog):
    goals = [
        make(id="a", parent="b"),
        make(id="b", kpi="orders", parent="a"),
        make(id="c", kpi="sessions", parent="nope"),
        make(id="root", deadline=D(2026, 6, 30)),
        make(id="late", kpi="orders", parent="root"),
    ]
    findings = check_chain(goals, catalog=catalog)
    codes = {(f.code, f.goal_id) for f in findings}
    assert ("cycle", "a") in codes and ("unknown_parent", "c") in codes
    assert ("deadline_after_parent", "late") in codes
    cycle = next(f for f in findings if f.code == "cycle")
    assert cycle.severity == "error" and "a → b → a" in cycle.message["en"]
    assert sum(f.code == "cycle" for f in findings) == 1
    tree = goal_tree(goals)
    assert sorted(g.id for _, g in tree) == sorted(g.id for g in goals)  # every goal exactly once


def test_chain_unknown_kpi_duplicate_ids_and_self_parent(catalog):
    findings = check_chain([make(kpi="happiness"), make(), make(), make(id="x", parent="x")], catalog=catalog)
    codes = {f.code for f in findings}
    assert {"unknown_kpi", "duplicate_id", "cycle"} <= codes


def test_driver_trees_are_data_over_known_kpis(catalog):
    for kpi, options in DRIVER_TREES.items():
        for factors in options:
            for f in (kpi, *factors):
                assert f in catalog or f in GOAL_LEVEL_KPIS, f
    assert ("sessions", "conversion_rate", "average_order_value") in driver_factorisations("revenue")
    assert any("revenue" in o for o in driver_factorisations("profit"))


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(goals=st.lists(_goals, max_size=6))
def test_chain_and_tree_never_crash(catalog, goals):
    findings = check_chain(goals, catalog=catalog)
    assert all(f.severity in ("error", "warning", "info") for f in findings)
    assert len(goal_tree(goals)) == len(goals)
