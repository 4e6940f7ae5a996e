"""Findings: Goodhart for the B2B demo in both languages, ordering, JSON-safe dicts."""

import json

import pytest
from conftest import DEMO_PARAMS

import kpi_helpers as kpi
from kpi_helpers.compute.findings import SEVERITIES


@pytest.fixture(scope="module")
def b2b():
    return kpi.build_findings(kpi.open_client(DEMO_PARAMS / "demo_b2b.yaml"))


def test_goodhart_finding_for_b2b_in_both_languages(b2b):
    goodhart = [f for f in b2b if f.data.get("quadrant") == "goodhart_warning"]
    assert len(goodhart) == 1
    f = goodhart[0]
    assert f.severity == "critical" and f.kpi == "leads"
    assert f.message["en"].startswith("Leads +") and "lead-to-customer rate −" in f.message["en"]
    assert "more leads at the expense of lead-to-customer rate" in f.message["en"]
    assert "meer leads ten koste van conversie lead naar klant" in f.message["nl"]
    assert "sales" in f.action["en"] and "sales" in f.action["nl"]
    assert f.text("nl") != f.text("en")


def test_order_is_by_severity_and_deterministic(b2b):
    assert [f.rank for f in b2b] == list(range(len(b2b)))
    severities = [SEVERITIES.index(f.severity) for f in b2b]
    assert severities == sorted(severities)
    again = kpi.build_findings(kpi.open_client(DEMO_PARAMS / "demo_b2b.yaml", lang="nl"))
    assert [f.to_dict() for f in again] == [f.to_dict() for f in b2b]


def test_to_dict_is_json_safe_and_pacing_covers_every_goal(b2b):
    data = json.loads(json.dumps([f.to_dict() for f in b2b], allow_nan=False))
    assert {"severity", "rank", "kpi", "message", "action"} <= set(data[0])
    assert set(data[0]["message"]) == {"nl", "en"}
    goals = {f.data["goal_id"] for f in b2b if f.rule == "pacing"}
    assert goals == {"revenue-2026", "leads-2026", "lead-quality-2026"}


def test_roas_below_one_is_a_warning():
    wb = kpi.open_client(DEMO_PARAMS / "demo_webshop.yaml")
    facts = wb.facts.copy()
    facts.loc[facts["channel"] == "social", "ad_spend"] *= 10  # social now loses money
    wb._facts = facts
    roas = [f for f in kpi.build_findings(wb) if f.rule == "roas"]
    assert any(f.data["value"] == "social" and f.severity == "warning" for f in roas)
    assert "ROAS" in roas[0].message["nl"] and "ROAS" in roas[0].message["en"]


def test_markdown_and_pacing_table_in_client_language():
    wb = kpi.open_client(DEMO_PARAMS / "demo_newsletter.yaml")
    text = kpi.findings_markdown(kpi.build_findings(wb), wb.lang)
    assert text.startswith("1. ") and "**Actie:**" in text
    table = kpi.pacing_table(wb)
    assert list(table.columns)[:2] == ["Doelstelling", "KPI"] and len(table) == 3
