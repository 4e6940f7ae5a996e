"""Export from the dashboard: tables as CSV (values inert), figures via plotly's modebar PNG button."""

from __future__ import annotations

import base64
import io
import re

import pandas as pd
import pytest

import kpi_helpers as kpi
from kpi_helpers.apps.widgets import Dashboard
from kpi_helpers.views.display import figure_bundle
from kpi_helpers.views.export import csv_link_html, csv_text, dashboard_table, inert, pacing_export, safe_filename


@pytest.fixture(scope="module")
def webshop():
    return kpi.open_client("params/demo_webshop.yaml", lang="en")


def _csv_of(link_html: str) -> str:
    data = re.search(r"base64,([A-Za-z0-9+/=]+)'", link_html).group(1)
    return base64.b64decode(data).decode("utf-8").removeprefix("\ufeff")


@pytest.mark.parametrize("cell", ["=1+1", "+31 6 1234", "-2+3", "@SUM(A1)", "\t=x", "\r=x", '=HYPERLINK("http://x")'])
def test_formula_starts_get_a_quote(cell):
    assert inert(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["a=b", "revenue", "", " =x", 3.5, -2, None])
def test_other_values_unchanged(cell):
    assert inert(cell) == cell


def test_csv_is_inert_and_round_trips():
    table = pd.DataFrame(
        {
            "=owner": ["=cmd|' /C calc'!A0", "Tom", "@me"],
            "value": [-1.5, 2.0, 3.25],
            "day": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01"]),
        }
    )
    back = pd.read_csv(io.StringIO(csv_text(table)))
    assert list(back.columns) == ["'=owner", "value", "day"]
    assert back["'=owner"].tolist() == ["'=cmd|' /C calc'!A0", "Tom", "'@me"]
    assert back["value"].tolist() == [-1.5, 2.0, 3.25]  # numbers stay numbers, negative ones too
    assert back["day"].tolist() == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert not any(line.startswith(("=", "+", "-", "@")) for line in csv_text(table).splitlines())


def test_download_link_carries_the_csv_and_a_safe_name():
    table = pd.DataFrame({"a": ["<script>x</script>"]})
    link = csv_link_html(table, "../../etc/<b>passwd", "nl")
    assert _csv_of(link) == csv_text(table)
    assert "download='etc_b_passwd.csv'" in link and "<script>" not in link and "<b>" not in link
    assert "Download CSV" in link and safe_filename("a b") == "a_b.csv"
    assert "kpi-csv-download" in kpi.csv_download(table, "t")._repr_html_()


def test_dashboard_table_matches_plain_pandas(webshop):
    months = pd.date_range("2025-01-01", "2025-06-01", freq="MS")
    table = dashboard_table(
        webshop, (months[0], months[-1]), "month", None, ["revenue", "orders", "average_order_value"]
    )
    facts = webshop.facts
    f = facts[(facts["date"] >= months[0]) & (facts["date"] < "2025-07-01")]
    by_month = f.groupby(f["date"].dt.to_period("M").dt.start_time)[["revenue", "orders"]].sum()
    got = table.pivot(index="period", columns="kpi_id", values="value")
    assert list(got.index) == [m.strftime("%Y-%m-%d") for m in months]
    assert got["revenue"].tolist() == pytest.approx(by_month["revenue"].tolist())
    assert got["orders"].tolist() == pytest.approx(by_month["orders"].tolist())
    assert got["average_order_value"].tolist() == pytest.approx((by_month["revenue"] / by_month["orders"]).tolist())
    assert list(table.columns)[:3] == ["period", "kpi_id", "kpi"]


def test_dashboard_table_per_channel_and_in_dutch(webshop):
    wb = kpi.open_client("params/demo_webshop.yaml", lang="nl")
    channel = wb.channels[0]
    months = (pd.Timestamp("2025-03-01"), pd.Timestamp("2025-03-01"))
    table = dashboard_table(wb, months, "month", channel, ["revenue"])
    f = wb.facts[(wb.facts["channel"] == channel) & (wb.facts["date"].dt.strftime("%Y-%m") == "2025-03")]
    assert table["waarde"].tolist() == pytest.approx([f["revenue"].sum()])
    assert table["kanaal"].tolist() == [channel] and "periode" in table.columns


def test_dashboard_csv_button_exports_the_current_view(webshop):
    app = Dashboard(webshop)
    kpis, pacing = app.exports
    assert kpis.link.value == "" and "kpi-csv-prepare" in kpis.button._dom_classes
    app.channel.value = webshop.channels[1]
    kpis.button.click()
    csv = pd.read_csv(io.StringIO(_csv_of(kpis.link.value)))
    assert set(csv["channel"]) == {webshop.channels[1]} and len(csv) > 0
    expected = dashboard_table(webshop, app.period.value, app.grain.value, app.channel.value)
    assert csv["value"].tolist() == pytest.approx(expected["value"].tolist(), nan_ok=True)
    assert "demo_webshop_kpis_month_" in kpis.link.value and f"_{webshop.channels[1]}.csv" in kpis.link.value
    app.grain.value = "quarter"  # the old link would export the old view: gone
    assert kpis.link.value == ""
    pacing.button.click()
    goals = pd.read_csv(io.StringIO(_csv_of(pacing.link.value)))
    assert goals["goal"].tolist() == [g.id for g in webshop.config.goals if g.id in set(goals["goal"])]
    assert goals["target"].tolist() == pytest.approx(
        [g.target for g in webshop.config.goals if g.id in set(goals["goal"])]
    )


def test_pacing_export_status_in_the_clients_language():
    wb = kpi.open_client("params/demo_b2b.yaml", lang="nl")
    out = pacing_export(wb)
    assert list(out.columns)[:3] == ["doel", "kpi", "eigenaar"]
    assert set(out["status"]) <= {kpi.t(s, "nl") for s in ("on_track", "at_risk", "off_track")} and len(out) == 3
    assert "off_track" not in set(out["status"])


def test_figures_keep_plotlys_png_download_button(webshop):
    fig = kpi.dashboard_figures(webshop)["trend"]
    bundle = figure_bundle(fig)
    html = bundle["text/html"]
    assert '"displayModeBar": false' not in html and "toImage" not in html  # not removed
    config = bundle["application/vnd.plotly.v1+json"].get("config", {})
    assert config.get("displayModeBar", True) is not False
    assert "toImage" not in config.get("modeBarButtonsToRemove", [])
