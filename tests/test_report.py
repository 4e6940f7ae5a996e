"""kpi_helpers.run.report: portfolio totals (Σ numerator / Σ denominator, never an average of
ratios), the client summary against an independent pandas computation, the index and the
client HTML page."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest
from conftest import DEMO_PARAMS

from kpi_helpers.data.load import load_facts
from kpi_helpers.run.batch import BatchResult, ClientResult
from kpi_helpers.run.report import PLOTLY_JS, REMOVE_TAG, client_summary, export_report, portfolio_totals, write_index
from kpi_helpers.spec.params import load_params


def _entry(num: float, den: float | None = None) -> dict:
    return {"value": num / den if den else num, "numerator": num, "denominator": den}


AS_OF = "2026-09-30"  # every test client's data run to here; the common window is September 2026
WINDOW = {"start": "2026-09-01", "end": "2026-09-30", "covered": True}


def _summary(client: str, currency: str = "EUR", **kpis: dict) -> dict:
    return {
        "client": client,
        "name": client.title(),
        "language": "en",
        "currency": currency,
        "kpis": kpis,
        "goals": [],
        "findings": [],
        "data_from": "2025-01-01",
        "data_to": AS_OF,
        "windows": {"last_month": {**WINDOW, "kpis": kpis}},
    }


def _rows(summaries: list[dict]) -> list[dict]:
    return portfolio_totals(summaries, "last_month")["rows"]


SMALL = _summary("small", revenue=_entry(1_000.0), orders=_entry(10.0), average_order_value=_entry(1_000.0, 10.0))
BIG = _summary("big", revenue=_entry(90_000.0), orders=_entry(1_000.0), average_order_value=_entry(90_000.0, 1_000.0))


def test_ratio_totals_are_sum_of_numerators_over_sum_of_denominators():
    rows = {r["kpi"]: r for r in _rows([SMALL, BIG])}
    aov = rows["average_order_value"]
    assert aov["value"] == pytest.approx(91_000 / 1_010)  # 90.10, where the mean of ratios would be 95
    assert aov["value"] != pytest.approx((100 + 90) / 2)
    assert (aov["numerator"], aov["denominator"], aov["clients"]) == (91_000, 1_010, 2)
    assert rows["revenue"]["value"] == 91_000 and rows["revenue"]["denominator"] is None
    assert rows["orders"]["value"] == 1_010


def test_totals_match_an_independent_pandas_computation_on_the_demo_summaries():
    facts = {
        name: load_facts(load_params(DEMO_PARAMS / f"{name}.yaml")) for name in ("demo_webshop", "demo_newsletter")
    }
    summaries = [
        _summary(
            name,
            revenue=_entry(float(f["revenue"].sum())),
            orders=_entry(float(f["orders"].sum())),
            average_order_value=_entry(float(f["revenue"].sum()), float(f["orders"].sum())),
        )
        for name, f in facts.items()
    ]
    both = pd.concat(facts.values())
    rows = {r["kpi"]: r for r in _rows(summaries)}
    assert rows["revenue"]["value"] == pytest.approx(both["revenue"].sum())
    assert rows["average_order_value"]["value"] == pytest.approx(both["revenue"].sum() / both["orders"].sum())


def test_totals_group_by_currency_skip_single_clients_growth_and_unknown_kpis():
    usd = _summary("usd", currency="USD", revenue=_entry(5.0), orders=_entry(1.0))
    growth = {"revenue_growth": _entry(0.1)}
    small = _summary("small", **SMALL["kpis"], **growth, made_up=_entry(1.0))
    big = _summary("big", **BIG["kpis"], **growth, made_up=_entry(2.0))
    rows = _rows([small, big, usd])
    assert {(r["currency"], r["kpi"]) for r in rows} == {
        ("EUR", "revenue"),
        ("EUR", "orders"),
        ("EUR", "average_order_value"),
    }


def test_a_zero_denominator_total_is_not_available():
    zero = [_summary(c, average_order_value={"value": None, "numerator": 0.0, "denominator": 0.0}) for c in "ab"]
    (row,) = _rows(zero)
    assert row["value"] is None


@pytest.fixture(scope="module")
def b2b_summary():
    return client_summary(load_params(DEMO_PARAMS / "demo_b2b.yaml")), load_facts(
        load_params(DEMO_PARAMS / "demo_b2b.yaml")
    )


def test_client_summary_numbers_agree_with_pandas(b2b_summary):
    summary, facts = b2b_summary
    assert summary["client"] == "demo_b2b" and summary["currency"] == "EUR" and summary["language"] == "en"
    assert summary["as_of"] == facts["date"].max().date().isoformat()
    assert summary["kpis"]["leads"]["value"] == pytest.approx(facts["leads"].sum())
    assert summary["kpis"]["revenue"]["value"] == pytest.approx(facts["revenue"].sum())
    quote = summary["kpis"]["revenue_per_quote"]
    assert quote["numerator"] == pytest.approx(facts["quote_value"].sum())  # quote_value / quotes
    assert quote["denominator"] == pytest.approx(facts["quotes"].sum())
    assert quote["value"] == pytest.approx(quote["numerator"] / quote["denominator"])
    assert {g["status"] for g in summary["goals"]} <= {"on_track", "at_risk", "off_track"}
    json.dumps(summary)  # summary.json: plain JSON, no numpy or dates left


def test_client_summary_language_override():
    summary = client_summary(load_params(DEMO_PARAMS / "demo_webshop.yaml"), lang="en")
    assert summary["language"] == "en"


def test_index_shows_totals_and_failed_clients_with_escaped_reasons(tmp_path):
    ok = [
        ClientResult(
            s["client"],
            "ok",
            f"{s['client']}.yaml",
            name=s["name"],
            report=f"{s['client']}/report.html",
            summary={**s, "goals": []},
        )
        for s in (SMALL, BIG)
    ]
    bad = ClientResult("broken", "failed", "broken.yaml", name="Broken", reason="cell <script>x</script> failed")
    path = write_index(BatchResult(out_dir=tmp_path, results=[*ok, bad], seconds=1.0))
    page = path.read_text()
    assert "small/report.html" in page and "big/report.html" in page
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    index = json.loads((tmp_path / "index.json").read_text())
    totals = {t["kpi"]: t["value"] for t in index["totals"]["last_month"]["rows"]}
    assert totals["average_order_value"] == pytest.approx(91_000 / 1_010)


def test_export_report_drops_code_parameters_and_teaching_cells(tmp_path):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("params_file = 'secret/path.yaml'", metadata={"tags": ["parameters"]})
    teach = nbformat.v4.new_markdown_cell("Teaching text only", metadata={"tags": [REMOVE_TAG]})
    shown = nbformat.v4.new_code_cell("print('x')", outputs=[nbformat.v4.new_output("stream", text="the output\n")])
    nb.cells = [params, teach, nbformat.v4.new_markdown_cell("# Heading"), shown]
    config = load_params(DEMO_PARAMS / "demo_webshop.yaml")
    page = export_report([nb], tmp_path / "report.html", config=config, lang="nl").read_text()
    assert "the output" in page and "Heading" in page
    assert "secret/path.yaml" not in page and "Teaching text only" not in page and "print(" not in page
    assert f'<script src="../{PLOTLY_JS}">' in page and '<html lang="nl">' in page
    assert "Gemaakt met KPI Workbook" in page
