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
    # a warning (the lead-to-customer rate fell ~3 of its monthly spreads); critical is for goals only
    assert f.severity == "warning" and f.kpi == "leads"
    assert f.data["quality_spreads"] >= 2
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


def test_pacing_findings_lead_with_the_kpi_not_the_internal_goal_id(b2b, tmp_path):
    """A client reads 'Lead-to-customer rate: off track.', not 'lead-quality-2026 (…)'; the goal id
    appears only to tell two goals on the same KPI apart."""
    pacing = [f for f in b2b if f.rule == "pacing"]
    floors = [f for f in b2b if f.rule == "floor"]
    assert pacing and floors
    for f in pacing + floors:
        goal_id = f.data["goal_id"]
        assert goal_id not in f.message["en"] and goal_id not in f.message["nl"], f.message
    for f in pacing:  # the sentence after the status starts upper case
        assert ". Tot nu " in f.message["nl"] and " so far" in f.message["en"], f.message
    text = (DEMO_PARAMS / "demo_webshop.yaml").read_text(encoding="utf-8")
    second = (
        "  - id: omzet-h2\n    statement: Tweede helft 2026 meer omzet\n    kpi: revenue\n    baseline: 900000\n"
        "    target: 1000000\n    start: 2026-07-01\n    deadline: 2026-12-31\n    owner: Sales (Piet)\n"
    )
    (tmp_path / "params").mkdir()
    (tmp_path / "data" / "demo_webshop").mkdir(parents=True)
    path = tmp_path / "params" / "demo_webshop.yaml"
    path.write_text(text.replace("goals:\n", "goals:\n" + second, 1), encoding="utf-8")
    findings = kpi.build_findings(kpi.open_client(path))
    revenue = [f for f in findings if f.rule == "pacing" and f.kpi == "revenue"]
    assert len(revenue) == 2
    assert {f.message["en"].split(":")[0] for f in revenue} == {
        "Revenue (goal omzet-2026)",
        "Revenue (goal omzet-h2)",
    }
    assert any(f.message["nl"].startswith("Omzet (doel omzet-h2): ") for f in revenue)
