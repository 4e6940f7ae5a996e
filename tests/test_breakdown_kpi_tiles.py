"""Issue 20, breakdown KPIs: sales per product and visits by channel are a breakdown of revenue and
sessions; their total repeats those KPIs, so they get no total tile on page one, no scorecard and
no swing finding, and are shown as their breakdown (the channel chart) instead."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from conftest import write_client

import kpi_helpers as kpi
from kpi_helpers.compute.findings import build_findings
from kpi_helpers.run.report import client_summary
from kpi_helpers.views.analysis import breakdown_charts, scorecards
from kpi_helpers.views.summary import kpi_tiles, summary_html

BREAKDOWN_KPIS = ("sales_per_product", "visits_by_channel")
LABELS = {"en": ("Sales per product", "Visits by channel"), "nl": ("Omzet per product", "Bezoeken per kanaal")}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    folder = tmp_path_factory.mktemp("params")
    path = write_client(folder, "shop", "Shop")
    text = path.read_text(encoding="utf-8").replace(
        "kpis: [revenue, orders, average_order_value]",
        "kpis: [revenue, sales_per_product, sessions, visits_by_channel, orders, average_order_value]",
    )
    path.write_text(text, encoding="utf-8")
    return path


def _text(page: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", page))


def test_breakdown_kpis_get_no_total_tile(shop):
    wb = kpi.open_client(shop)
    tiles = [t["kpi"] for t in kpi_tiles(wb)]
    assert tiles == ["revenue", "sessions", "orders", "average_order_value"]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_page_one_shows_no_breakdown_kpi_as_a_total(shop, lang):
    summary = client_summary(kpi.load_params(shop))
    assert not {t["kpi"] for t in summary["tiles"]} & set(BREAKDOWN_KPIS)
    tiles = _text(summary_html(summary, lang).split("class='tiles'", 1)[1].split("</div></div>", 1)[0])
    assert {"en": "Revenue", "nl": "Omzet"}[lang] in tiles
    for label in LABELS[lang]:
        assert label not in tiles


def test_no_breakdown_kpi_scorecard_or_swing(shop):
    wb = kpi.open_client(shop)
    cards = [trace.name for trace in scorecards(wb).data]
    assert "revenue" in cards and not set(cards) & set(BREAKDOWN_KPIS)
    assert not [f for f in build_findings(wb) if f.kpi in BREAKDOWN_KPIS]


def test_visits_by_channel_is_shown_as_its_breakdown(shop):
    wb = kpi.open_client(shop)
    titles = [fig.layout.title.text for fig in breakdown_charts(wb)]
    assert "Visits by channel" in titles
    # sales per product is revenue by product: the main KPI's product chart, never twice
    assert "Sales per product" not in titles
