"""Issue 20, page one says only what the data support: a client's own KPIs are looked up in its own
catalog everywhere a summary is read (page one, alerts, since-last, index), one gap per goal
(actual − expected by now) on page one and in summary.json, and pair findings whose severity
scales with the move against the KPI's own month-to-month spread (critical only for goals)."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kpi_helpers as kpi
from kpi_helpers.compute.findings import pacing_table
from kpi_helpers.i18n.formats import format_points
from kpi_helpers.run.alerts import alerts_html, client_alerts
from kpi_helpers.run.history import index_history_html, since_html, since_last
from kpi_helpers.run.report import client_summary
from kpi_helpers.spec.agency import client_data_dir
from kpi_helpers.views.summary import summary_html

LEADGEN = """client: leadgen
name: Lead Gen BV
language: nl
data:
  - source: daily.csv
    shape: daily
    columns: {{date: Datum, leads: Leads, qualified_leads: Goedgekeurd}}
measures:
  qualified_leads:
    labels: {{nl: goedgekeurde leads, en: qualified leads}}
    unit: count
    agg: sum
kpis:
  - leads
  - id: qualified_lead_rate
    labels: {{nl: Aandeel goedgekeurde leads, en: Qualified lead rate}}
    descriptions: {{nl: Goedgekeurde leads gedeeld door alle leads., en: Qualified leads divided by all leads.}}
    domain: sales
    kind: quality
    type: ratio
    numerator: qualified_leads
    denominator: leads
    unit: percent
    direction: higher
goals:
  - id: kwaliteit
    statement: In Q2 2025 40 % goedgekeurde leads
    kpi: qualified_lead_rate
    target: 0.40
    floor: 0.38
    start: 2025-04-01
    deadline: 2025-06-30
    owner: Sales (Piet)
{extra}"""


@pytest.fixture(autouse=True)
def _bundled_catalog_afterwards():
    yield
    from kpi_helpers.spec.catalog import activate_catalog

    activate_catalog(None)


def _text(page: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", page))


def _leadgen(tmp_path: Path, extra: str = "") -> Path:
    """A client whose only goal is its own ratio KPI (qualified leads / leads, 30 % in April,
    25 % in May: below its 38 % floor)."""
    days = pd.date_range("2025-01-01", "2025-06-30")
    leads = np.full(len(days), 20)
    rate = np.where(days.month == 4, 0.30, np.where(days.month == 5, 0.25, 0.35))
    frame = pd.DataFrame(
        {"Datum": days.strftime("%Y-%m-%d"), "Leads": leads, "Goedgekeurd": np.round(leads * rate).astype(int)}
    )
    params = tmp_path / "params"
    params.mkdir(exist_ok=True)
    path = params / "leadgen.yaml"
    folder = client_data_dir(path, "leadgen")
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "daily.csv", index=False)
    path.write_text(LEADGEN.format(extra=extra), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- 1. the client's own KPIs
def test_page_one_formats_a_clients_own_ratio_goal_in_its_unit(tmp_path):
    summary = client_summary(kpi.load_params(_leadgen(tmp_path)), as_of="2025-05-31")
    page = summary_html(summary, "nl")
    goal = _text(page.split('<div class="goal"', 1)[1].split("</div></div>", 1)[0])
    assert "Aandeel goedgekeurde leads" in goal and "qualified_lead_rate" not in goal
    # target and floor in the KPI's unit (percent), not "Doel: 0 · ondergrens 0: 0"
    assert "40,0%" in goal and "ondergrens 38,0%: 25,0% in mei 2025" in goal, goal
    assert "Doel: 0 " not in goal and "ondergrens 0" not in goal
    assert 'class="bar"' not in page  # a rate gets no progress bar, like the bundled ratios
    tiles = _text(page.split("class='tiles'", 1)[1])
    assert "Aandeel goedgekeurde leads" in tiles and "25,0%" in tiles  # its tile is there


def test_alerts_and_index_show_the_real_floor_of_a_clients_own_kpi(tmp_path):
    summary = client_summary(kpi.load_params(_leadgen(tmp_path)), as_of="2025-05-31")
    [alert] = [a for a in client_alerts(summary) if a["kind"] == "floor"]
    assert alert["message"]["nl"] == "Aandeel goedgekeurde leads staat onder de ondergrens van 38,0%."
    assert alert["message"]["en"] == "Qualified lead rate is below its floor of 38.0%."
    assert "38.0%" in _text(alerts_html([alert], "en"))


def test_since_last_shows_the_real_values_of_a_clients_own_kpi(tmp_path):
    config = kpi.load_params(_leadgen(tmp_path))
    april = client_summary(config, as_of="2025-04-30")
    may = client_summary(config, as_of="2025-05-31")
    may["since_last"] = since_last(may, april)
    block = _text(since_html(may, "nl"))
    # to date: April 30 % ; April + May (equal leads a day) 27,5 %
    assert "27,5% (was 30,0%)" in block, block
    assert "0 (was 0)" not in block

    class Row:
        ok, client, name, summary = True, "leadgen", "Lead Gen BV", may

    index = _text(index_history_html([Row()], tmp_path, "nl"))
    assert "27,5% (was 30,0%)" in index, index


# ----------------------------------------------------------------------------- 2. one gap per goal
PLAN = "    targets:\n      2025-04: 0.30\n      2025-05: 0.45\n      2025-06: 0.45\n"


def test_page_one_gap_is_actual_minus_expected_and_agrees_with_summary_and_pacing_table(tmp_path):
    path = _leadgen(tmp_path)
    text = path.read_text(encoding="utf-8").replace("    owner: Sales (Piet)\n", "    owner: Sales (Piet)\n" + PLAN)
    path.write_text(text, encoding="utf-8")
    summary = client_summary(kpi.load_params(path), as_of="2025-05-31")
    [goal] = summary["goals"]
    assert goal["expected_method"] == "targets"
    # expected by now: April 30 % and May 45 %, weighted by their leads (600 and 620)
    expected = (0.30 * 600 + 0.45 * 620) / 1220
    assert goal["expected"] == pytest.approx(expected)
    assert goal["gap"] == pytest.approx(goal["actual_to_date"] - goal["expected"])
    page = _text(summary_html(summary, "nl"))
    assert "Verwacht op dit moment: 37,6% (volgens de doelen per periode)" in page, page
    gap = format_points(goal["gap"], "nl")  # actual − expected: 27,5 % − 37,6 %
    assert gap == "−10,2 %-punt" and f"Verschil: {gap}" in page, page
    assert format_points(goal["actual_to_date"] - goal["target"], "nl") not in page
    wb = kpi.open_client(path, as_of="2025-05-31")
    table = pacing_table(wb)
    assert table["Verschil"].tolist() == [gap]
