"""Issue 20, page one says only what the data support: a client's own KPIs are looked up in its own
catalog everywhere a summary is read (page one, alerts, since-last, index), one gap per goal
(actual − expected by now) on page one and in summary.json, and pair findings whose severity
scales with the move against the KPI's own month-to-month spread (critical only for goals)."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kpi_helpers as kpi
from kpi_helpers.compute.findings import build_findings, pacing_table
from kpi_helpers.exceptions import ParamsError
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


# ----------------------------------------------------------------------------- 3. severity
#: Average order value per month of 2025 (× 50 €): it swings some 8 % from month to month.
AOV_2025 = [1.00, 1.06, 0.97, 1.05, 0.95, 1.04, 0.98, 1.06, 0.96, 1.03, 0.97, 1.05]
SHOP = """client: shop
name: Shop BV
language: nl
data:
  - source: daily.csv
    shape: daily
    columns: {{date: date, revenue: revenue, orders: orders}}
kpis: [revenue, orders, average_order_value]
pairs: [[orders, average_order_value]]
goals:
  - id: omzet
    statement: Omzet 2026 {target} euro
    kpi: revenue
    target: {target}
    start: 2026-01-01
    deadline: 2026-12-31
    owner: Sanne
"""


def _shop(tmp_path: Path, orders_2026: float, aov_change: float, goal_target: float = 2_000_000) -> Path:
    """Orders 100 a day in 2025 and `orders_2026` a day in 2026; the order value of each 2026 day is
    the same day's of 2025 × (1 + aov_change). Data to 30 June 2026 (the as-of date)."""
    days = pd.date_range("2025-01-01", "2026-06-30")
    orders = np.where(days.year == 2025, 100.0, orders_2026)
    aov = 50 * np.array([AOV_2025[m - 1] for m in days.month]) * np.where(days.year == 2026, 1 + aov_change, 1.0)
    frame = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "orders": orders, "revenue": np.round(orders * aov, 2)})
    params = tmp_path / "params"
    params.mkdir(exist_ok=True)
    path = params / "shop.yaml"
    folder = client_data_dir(path, "shop")
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "daily.csv", index=False)
    path.write_text(SHOP.format(target=goal_target), encoding="utf-8")
    return path


def _aov_spread() -> float:
    """Independent reference: the std of 2025's month-to-month changes of the order value."""
    values = pd.Series(AOV_2025)
    return float((values / values.shift(1) - 1).dropna().std(ddof=1))


def _pair(path: Path) -> Any:
    [pair] = [f for f in build_findings(kpi.open_client(path)) if f.rule == "pair"]
    return pair


def test_a_small_quality_dip_is_no_warning_and_never_critical(tmp_path):
    """AOV −2.4 % with orders +10 %: today 'critical, more orders at the expense of order value'."""
    pair = _pair(_shop(tmp_path, 110, -0.024))
    assert pair.data["quality_spreads"] == pytest.approx(0.024 / _aov_spread())
    assert pair.data["quality_spreads"] < 1
    assert pair.severity == "good" and pair.data["quadrant"] == "healthy_growth"
    assert "ten koste van" not in pair.message["nl"] and "expense" not in pair.message["en"]


@pytest.mark.parametrize(("spreads", "severity"), [(1.5, "info"), (3.0, "warning")])
def test_pair_severity_scales_with_the_move_in_spreads(tmp_path, spreads, severity):
    pair = _pair(_shop(tmp_path, 110, -spreads * _aov_spread()))
    assert pair.data["quadrant"] == "goodhart_warning"
    assert pair.data["quality_spreads"] == pytest.approx(spreads)
    assert pair.severity == severity  # never critical: that is for goals off track and broken floors
    assert "ten koste van gemiddelde orderwaarde" in pair.message["nl"]


def test_a_steady_quality_kpi_is_never_called_worse(tmp_path):
    path = _shop(tmp_path, 80, 0.0)  # orders −20 %, order value ±0
    pair = _pair(path)
    assert pair.data["quadrant"] == "volume_down"
    for lang, words in (("nl", "slechter"), ("en", "worse")):
        assert words not in pair.message[lang] and "beide" not in pair.message[lang], pair.message[lang]
    assert "Bestellingen −20 %" in pair.message["nl"] and "±0,0 %" in pair.message["nl"]
    assert pair.severity == "warning"  # the orders fell far beyond their monthly swings
    items = _page_one_findings(path)
    shown = [i for i in items if "Bestellingen −20 %" in i]
    assert shown and "gemiddelde orderwaarde blijft binnen de gebruikelijke schommelingen" in shown[0], items
    assert not any("slechter" in i for i in items), items


def test_pair_quadrants_never_call_a_steady_side_worse():
    from kpi_helpers.compute.engine import compute_kpis, pair_quadrants

    days = pd.date_range("2026-01-01", "2026-02-28")
    orders = np.where(days.month == 1, 100.0, 90.0 * 31 / 28)  # February: −10 % orders
    facts = pd.DataFrame({"date": days, "orders": orders, "revenue": orders * 50})  # order value ±0
    table = compute_kpis(facts, ["orders", "average_order_value"], grain="month")
    [row] = pair_quadrants(table, [("orders", "average_order_value")]).dropna(subset=["quadrant"]).itertuples()
    assert row.reading == "volume_down"
    assert "both worse" not in row.message_en and "én kwaliteit slechter" not in row.message_nl


def test_pair_severity_without_enough_history_is_at_most_a_notice():
    from kpi_helpers.compute.findings import MIN_SPREAD_CHANGES, monthly_spread, pair_severity

    months = pd.date_range("2025-01-01", periods=MIN_SPREAD_CHANGES, freq="MS")  # one change short
    assert monthly_spread(pd.Series(np.linspace(1, 2, len(months)), index=months), "count") is None
    assert monthly_spread(pd.Series(3.0, index=pd.date_range("2025-01-01", periods=12, freq="MS")), "count") is None
    assert pair_severity("goodhart_warning", {"volume": 3.0, "quality": None}) == "info"
    assert pair_severity("decline", {"volume": 2.5, "quality": 1.2}) == "warning"
    assert pair_severity("healthy_growth", {"volume": None, "quality": None}) == "good"


def test_a_kpi_paired_with_itself_is_refused(tmp_path):
    path = _shop(tmp_path, 110, 0.0)
    path.write_text(path.read_text().replace("[[orders, average_order_value]]", "[[orders, orders]]"))
    with pytest.raises(ParamsError, match=r"pairs\[0\]: 'orders' is paired with itself"):
        kpi.load_params(path)


def _page_one_findings(path: Path) -> list[str]:
    summary = client_summary(kpi.load_params(path))
    page = summary_html(summary, "nl")
    return [_text(li) for li in re.findall(r"<li .*?</li>", page.split('class="kpi-findings"', 1)[1])]


def test_page_one_is_not_led_by_a_small_quality_dip(tmp_path):
    """Revenue on track (target below the forecast), AOV −2.4 %: nothing on page one is critical."""
    items = _page_one_findings(_shop(tmp_path, 110, -0.024, goal_target=1_000_000))
    assert items and not any(i.startswith("Kritiek") for i in items), items
    assert not any("ten koste van" in i for i in items), items


def test_a_notice_never_leads_page_one_above_an_off_track_goal(tmp_path):
    items = _page_one_findings(_shop(tmp_path, 110, -1.5 * _aov_spread(), goal_target=9_000_000))
    assert items[0].startswith("Kritiek: Omzet: uit koers"), items
    pair = [i for i in items if "ten koste van gemiddelde orderwaarde" in i]
    assert pair and pair[0].startswith("Ter info"), items


def test_a_clients_own_kpi_label_is_inert_text_on_page_one(tmp_path):
    path = _leadgen(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        "nl: Aandeel goedgekeurde leads", "nl: '<img src=x onerror=alert(1)>'"
    )
    path.write_text(text, encoding="utf-8")
    summary = client_summary(kpi.load_params(path), as_of="2025-05-31")
    page = summary_html(summary, "nl") + since_html(summary, "nl")
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    [alert] = [a for a in client_alerts(summary) if a["kind"] == "floor"]
    assert "<img" not in alerts_html([alert], "nl")
