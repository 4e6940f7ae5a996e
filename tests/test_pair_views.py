"""kpi_helpers.views.pair_views: step 2 of the workbook (selected KPIs, pairs, selection warnings)."""

from __future__ import annotations

import datetime as dt

import kpi_helpers as kpi
from kpi_helpers.spec.goals import Goal
from kpi_helpers.views.pair_views import warnings_frame

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


# ---------------------------------------------------------------- warnings
def test_warnings_performance_kpi_without_partner_and_kpi_without_target():
    table = warnings_frame(["orders"], [], [], "en")
    codes, kpis = table.attrs["codes"], table.attrs["kpis"]
    assert ("performance_without_quality", "orders") in zip(codes, kpis)
    assert ("kpi_without_target", "orders") in zip(codes, kpis)
    assert "Average order value" in table.iloc[codes.index("performance_without_quality")]["Message"]


def test_selection_warnings_for_a_client(b2b, webshop):
    b2b_codes = dict(zip(kpi.selection_warnings(b2b).attrs["kpis"], kpi.selection_warnings(b2b).attrs["codes"]))
    assert b2b_codes["revenue"] == "performance_without_quality"
    table = kpi.selection_warnings(webshop)  # nl client: Dutch columns
    codes = table.attrs["codes"]
    assert "too_many_in_domain" in codes and "goal_kpi_not_selected" in codes  # 4 sales KPIs; sessions goal
    assert list(table.columns)[-1] == "Melding"


def test_goal_kpi_not_in_selection():
    table = warnings_frame(["revenue", "average_order_value"], [], [_goal(kpi="sessions")], "nl")
    assert "goal_kpi_not_selected" in table.attrs["codes"]


# ---------------------------------------------------------------- selected KPIs and pairs
def test_selected_kpis_and_pairs_views(webshop):
    view = kpi.selected_kpis_view(webshop)
    assert view.data["per_domain"] == {"marketing": 2, "sales": 4}
    assert view.html.count("kpi-definition-card") == 6 and "Welk resultaat" in view.html
    pairs = kpi.pairs_view(webshop)
    assert len(pairs.table) == len(webshop.config.pairs)
    assert len(kpi.pairs_figure(webshop).data) == 2 * len(webshop.config.pairs)
