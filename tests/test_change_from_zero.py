"""Issue 20, a 0 → 0 change read "±0.0 %": a change with nothing to compare with reads "unchanged"
(0 → 0) or "n/a (was 0)" (0 → x, no relative size) in every place a change is formatted: the
page-one tiles, the scorecards and the formatter they share."""

from __future__ import annotations

import html as html_lib
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kpi_helpers as kpi
from kpi_helpers.compute.engine import format_change, format_kpi_change
from kpi_helpers.run.report import client_summary
from kpi_helpers.spec.agency import client_data_dir
from kpi_helpers.views.analysis import scorecards
from kpi_helpers.views.summary import summary_html

UNCHANGED = {"en": "unchanged", "nl": "ongewijzigd"}
FROM_ZERO = {"en": "n/a (was 0)", "nl": "n.b. (was 0)"}

CLIENT = """client: paused
name: Gepauzeerde winkel
language: nl
data:
  - source: daily.csv
    shape: daily
    columns: {date: Datum, revenue: Omzet, orders: Bestellingen}
kpis: [revenue, orders]
"""


def _text(page: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", page))


def _paused_shop(tmp_path: Path) -> Path:
    """A shop with no revenue in August and September (0 → 0) and no orders in August but orders
    again in September (0 → 90): rows are there, the values are real zeros."""
    days = pd.date_range("2025-01-01", "2025-09-30")
    revenue = np.where(days.month >= 8, 0.0, 100.0)
    orders = np.where(days.month == 8, 0, np.where(days.month == 9, 3, 2))
    params = tmp_path / "params"
    params.mkdir()
    path = params / "paused.yaml"
    folder = client_data_dir(path, "paused")
    folder.mkdir(parents=True)
    frame = pd.DataFrame({"Datum": days.strftime("%Y-%m-%d"), "Omzet": revenue, "Bestellingen": orders})
    frame.to_csv(folder / "daily.csv", index=False)
    path.write_text(CLIENT, encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_formatter_says_unchanged_or_na_from_zero(lang):
    for unit in ("count", "currency", "percent"):
        assert format_kpi_change(0.0, math.nan, unit, lang) == UNCHANGED[lang]
    assert format_kpi_change(0.0, None, "count", lang) == UNCHANGED[lang]
    assert format_kpi_change(250.0, math.nan, "currency", lang) == FROM_ZERO[lang]
    assert format_kpi_change(250.0, None, "count", lang) == FROM_ZERO[lang]
    assert format_change(math.nan, lang) == {"en": "n/a", "nl": "n.b."}[lang]
    # a real change still reads as one
    assert format_kpi_change(50.0, 0.25, "currency", "en") == "+25 %"


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_page_one_tiles_never_read_plus_minus_zero(tmp_path, lang):
    summary = client_summary(kpi.load_params(_paused_shop(tmp_path)), as_of="2025-09-30")
    tiles = {t["kpi"]: t for t in summary["tiles"]}
    assert tiles["revenue"]["value"] == 0 and tiles["revenue"]["abs_change"] == 0
    assert tiles["orders"]["rel_change"] is None and tiles["orders"]["abs_change"] == 90
    block = _text(summary_html(summary, lang).split("class='tiles'", 1)[1].split("</div></div>", 1)[0])
    assert "±" not in block and "nan" not in block.lower(), block
    assert UNCHANGED[lang] in block and FROM_ZERO[lang] in block, block


def test_scorecards_never_read_plus_minus_zero(tmp_path):
    wb = kpi.open_client(_paused_shop(tmp_path), as_of="2025-09-30")
    cards = {trace.name: trace for trace in scorecards(wb).data}
    assert UNCHANGED["nl"] in cards["revenue"].title.text and cards["revenue"].mode == "number"
    assert FROM_ZERO["nl"] in cards["orders"].title.text and cards["orders"].mode == "number"
    assert "±" not in " ".join(c.title.text for c in cards.values())
