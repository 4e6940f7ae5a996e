"""Driver trees: exact decompositions and what-if."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_helpers.compute.drivers import DRIVER_TREES, decompose_change, drivers_for_goal, split_change, what_if
from kpi_helpers.exceptions import GoalError
from kpi_helpers.spec.catalog import Kpi


def kpi(id, type="sum", num=None, den=None):
    return Kpi(
        id=id,
        labels={"en": id, "nl": id},
        descriptions={},
        domain="sales",
        kind="performance",
        type=type,
        numerator=((num or id, 1),),
        denominator=((den, 1),) if den else None,
    )


CAT = {
    k.id: k
    for k in (
        kpi("revenue"),
        kpi("orders"),
        kpi("customers"),
        kpi("sessions"),
        kpi("average_order_value", "ratio", "revenue", "orders"),
        kpi("revenue_per_customer", "ratio", "revenue", "customers"),
        kpi("conversion_rate", "ratio", "orders", "sessions"),
    )
}


def facts():
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-10", "2024-01-20", "2024-04-10", "2024-04-20"]),
            "sessions": [1000.0, 1000.0, 2500.0, 500.0],
            "orders": [40.0, 60.0, 90.0, 30.0],
            "customers": [40.0, 50.0, 80.0, 30.0],
            "revenue": [2000.0, 3000.0, 5400.0, 1800.0],
        }
    )


def test_driver_trees_shared_with_goals():
    assert ("customers", "revenue_per_customer") in DRIVER_TREES["revenue"]


def test_decompose_three_drivers_adds_up_exactly():
    d = decompose_change(
        facts(), "revenue", ("sessions", "conversion_rate", "average_order_value"), "2024Q1", "2024Q2", catalog=CAT
    )
    total = d[d.role == "total"].iloc[0]
    assert (total["value_a"], total["value_b"]) == (5000.0, 7200.0)
    parts = d[d.role == "driver"]
    assert parts["contribution"].sum() == pytest.approx(2200.0, rel=1e-12)
    assert d.attrs["method"] == "lmdi"
    # sessions +50 %, conversion -20 %, AOV 50 -> 60: conversion drags, the others push
    c = parts.set_index("kpi")["contribution"]
    assert c["sessions"] > 0 and c["conversion_rate"] < 0 and c["average_order_value"] > 0
    assert parts["share"].sum() == pytest.approx(1.0)


def test_decompose_rejects_non_tree():
    with pytest.raises(GoalError, match="does not equal"):
        decompose_change(facts(), "revenue", ("sessions", "average_order_value"), "2024Q1", "2024Q2", catalog=CAT)


def test_shapley_two_factors_hand_computed_and_zero():
    parts, method = split_change([10, 2], [20, 3])  # 20 -> 60
    assert method == "lmdi" and parts.sum() == pytest.approx(40)
    parts, method = split_change([0, 2], [20, 3], method="auto")  # 0 -> 60
    assert method == "shapley"
    # Shapley: a: ½(20·2 - 0) + ½(20·3 - 0·3) = 50; b: ½(0·3-0·2) + ½(20·3-20·2) = 10
    assert parts == pytest.approx([50, 10])
    with pytest.raises(GoalError):
        split_change([np.nan, 1], [1, 1])


@settings(max_examples=examples(80), deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e4), st.floats(0, 1e4)), min_size=1, max_size=4))
def test_property_contributions_add_up_to_change(pairs):
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    parts, _ = split_change(a, b)
    change = float(np.prod(b) - np.prod(a))
    scale = float(np.prod(np.maximum(a, b)))  # largest intermediate product: float precision scale
    assert parts.sum() == pytest.approx(change, rel=1e-9, abs=1e-12 * max(1.0, scale))


def test_what_if_aov_and_customer_growth_example():
    r = what_if(
        {"customers": 1000, "revenue_per_customer": 50.0},
        {"customers": 5, "revenue_per_customer": 5},
        kpi="revenue",
        drivers=("customers", "revenue_per_customer"),
        goal={"kpi": "revenue", "target": 55000.0},
        catalog=CAT,
    )
    assert r.change_pct == pytest.approx(10.25)
    assert r.new_value == pytest.approx(55125.0) and r.meets_goal is True
    assert what_if({"customers": 1, "revenue_per_customer": 1}, {"customers": 1}).meets_goal is None


def test_drivers_for_goal_uses_the_baseline_window():
    goal = {"kpi": "revenue", "target": 8000, "start": dt.date(2024, 4, 1), "deadline": dt.date(2024, 6, 30)}
    base = drivers_for_goal(facts(), goal, ("orders", "average_order_value"), catalog=CAT)
    assert base["revenue"] == 5000 and base["orders"] == 100
    assert base["average_order_value"] == pytest.approx(5000 / 100)
    r = what_if(
        base, {"orders": 5, "average_order_value": 5}, drivers=("orders", "average_order_value"), goal=goal, catalog=CAT
    )
    assert r.base_value == pytest.approx(5000) and r.meets_goal is False
