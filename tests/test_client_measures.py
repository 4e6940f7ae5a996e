"""Per-client measures and KPIs (issue 11): a params file declares its own measures and KPIs
with the catalog's schema, so "leads vs qualified leads" is tracked without touching the package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kpi_helpers as kpi
from kpi_helpers.exceptions import ParamsError
from kpi_helpers.run.validate import check_client, kpi_table_for_client
from kpi_helpers.spec.agency import client_data_dir
from kpi_helpers.spec.catalog import default_catalog

PARAMS = """client: leadgen
name: Lead Gen BV
language: nl
data:
  - source: daily.csv
    shape: daily
    columns: {{date: Datum, leads: Leads, qualified_leads: Goedgekeurd, gross_margin_eur: Marge}}
measures:
  qualified_leads:
    labels: {{nl: goedgekeurde leads, en: qualified leads}}
    unit: count
    agg: sum
  gross_margin_eur:
    labels: {{nl: brutomarge, en: gross margin}}
    unit: currency
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
  - id: qualified_leads_total
    labels: {{nl: Goedgekeurde leads, en: Qualified leads}}
    domain: sales
    kind: performance
    type: sum
    measure: qualified_leads
    unit: count
  - id: qualified_leads_growth
    labels: {{nl: Groei goedgekeurde leads, en: Qualified lead growth}}
    domain: sales
    kind: performance
    type: growth
    of: qualified_leads_total
    unit: percent
{extra}"""


@pytest.fixture(autouse=True)
def _bundled_catalog_afterwards():
    """open_client makes the client's catalog the kernel's; later tests get the bundled one."""
    yield
    from kpi_helpers.spec.catalog import activate_catalog

    activate_catalog(None)


@pytest.fixture
def daily(tmp_path: Path) -> pd.DataFrame:
    days = pd.date_range("2025-01-01", "2025-06-30")
    rng = np.random.default_rng(11)
    leads = rng.integers(5, 40, len(days))
    frame = pd.DataFrame(
        {
            "Datum": days.strftime("%Y-%m-%d"),
            "Leads": leads,
            "Goedgekeurd": (leads * rng.uniform(0.1, 0.6, len(days))).round().astype(int),
            "Marge": rng.uniform(100, 900, len(days)).round(2),
        }
    )
    frame.to_csv(_data_dir(tmp_path) / "daily.csv", index=False)
    return frame


def _params_file(tmp_path: Path, client: str = "leadgen") -> Path:
    """`<tmp_path>/params/<client>.yaml`: params files live in a params folder."""
    folder = tmp_path / "params"
    folder.mkdir(exist_ok=True)
    return folder / f"{client}.yaml"


def _data_dir(tmp_path: Path, client: str = "leadgen") -> Path:
    """The client's own data folder (`<data_root>/<client>/`), where `source: daily.csv` is read."""
    folder = client_data_dir(_params_file(tmp_path, client), client)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write(tmp_path: Path, extra: str = "", text: str | None = None, client: str = "leadgen") -> Path:
    path = _params_file(tmp_path, client)  # the client id is the params file's name
    path.write_text(text if text is not None else PARAMS.format(extra=extra), encoding="utf-8")
    return path


def test_own_measure_and_ratio_kpi_end_to_end(tmp_path, daily):
    path = _write(tmp_path, extra="pairs: [[leads, qualified_lead_rate]]\n")
    assert check_client(path).ok, check_client(path).errors
    wb = kpi.open_client(path)
    assert "qualified_lead_rate" in wb.catalog and "qualified_lead_rate" not in default_catalog()
    table = kpi.compute_kpis(
        wb.facts, ["qualified_lead_rate", "qualified_leads_total", "leads"], grain="month", catalog=wb.catalog
    )
    # independent pandas reference: Σ qualified / Σ leads per month
    month = pd.to_datetime(daily["Datum"]).dt.to_period("M").dt.start_time
    ref = daily.groupby(month)[["Leads", "Goedgekeurd"]].sum()
    rate = table[table.kpi == "qualified_lead_rate"].set_index("period")["value"]
    assert np.allclose(rate.loc[ref.index].to_numpy(), (ref["Goedgekeurd"] / ref["Leads"]).to_numpy())
    total = table[table.kpi == "qualified_leads_total"].set_index("period")["value"]
    assert np.allclose(total.loc[ref.index].to_numpy(), ref["Goedgekeurd"].to_numpy())
    assert wb.label("qualified_lead_rate") == "Aandeel goedgekeurde leads"
    assert table[table.kpi == "qualified_lead_rate"]["unit"].iloc[0] == "percent"


def test_cli_kpis_table_and_summary_know_the_clients_kpis(tmp_path, daily):
    path = _write(tmp_path)
    table = kpi_table_for_client(path, grain="quarter")
    q1 = table[(table.kpi == "qualified_lead_rate") & (table.period == pd.Timestamp("2025-01-01"))]["value"].iloc[0]
    first = daily[daily["Datum"] < "2025-04-01"]
    assert q1 == pytest.approx(first["Goedgekeurd"].sum() / first["Leads"].sum())
    growth = table[(table.kpi == "qualified_leads_growth") & (table.period == pd.Timestamp("2025-04-01"))]["value"]
    second = daily[daily["Datum"] >= "2025-04-01"]
    assert growth.iloc[0] == pytest.approx(second["Goedgekeurd"].sum() / first["Goedgekeurd"].sum() - 1)
    summary = kpi.client_summary(kpi.load_params(path))
    assert summary["kpis"]["qualified_lead_rate"]["value"] == pytest.approx(
        daily["Goedgekeurd"].sum() / daily["Leads"].sum()
    )


def test_goal_on_own_kpi(tmp_path, daily):
    goal = (
        "goals:\n  - statement: In Q2 2025 35 % goedgekeurde leads\n    kpi: qualified_lead_rate\n"
        "    baseline: 0.3\n    target: 0.35\n    start: 2025-04-01\n    deadline: 2025-06-30\n    owner: Sales (Piet)\n"
    )
    path = _write(tmp_path, extra=goal)
    config = kpi.load_params(path)
    wb = kpi.open_client(path)
    pacing = kpi.pace_goal(wb.facts, config.goals[0], catalog=wb.catalog)
    second = daily[daily["Datum"] >= "2025-04-01"]
    assert pacing.actual_to_date == pytest.approx(second["Goedgekeurd"].sum() / second["Leads"].sum())


def test_other_clients_do_not_see_the_kpi(tmp_path, daily):
    kpi.open_client(_write(tmp_path))  # a kernel that opened the lead client before
    with pytest.raises(ParamsError, match="unknown KPI 'qualified_lead_rate'"):
        kpi.load_params(
            _write(
                tmp_path,
                client="other",
                text="client: other\nname: Other\ndata: demo:webshop\nkpis: [qualified_lead_rate]\n",
            )
        )


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (("unit: count\n    agg: sum", "unit: kilos\n    agg: sum"), "measures.qualified_leads", "bad unit 'kilos'"),
        (("agg: sum", "agg: median"), "measures.qualified_leads.agg", "'median' is not allowed"),
        (
            ("labels: {nl: goedgekeurde leads, en: qualified leads}", "labels: {nl: goedgekeurde leads}"),
            "measures.qualified_leads",
            "missing en text in 'labels'",
        ),
        (("numerator: qualified_leads", "numerator: qualifed_leads"), "kpis[1]", "Did you mean 'qualified_leads'?"),
        (("type: ratio", "type: fraction"), "kpis[1]", "bad type 'fraction'"),
        (
            ("    direction: higher\n", "    direction: higher\n    formula: a/b\n"),
            "kpis[1]",
            "unknown field(s) formula",
        ),
        (("  - id: qualified_lead_rate", "  - id: conversion_rate"), "kpis[1].id", "already a catalog KPI"),
        (("of: qualified_leads_total", "of: qualified_leads_totaal"), "kpis[3]", "growth base"),
        (("  gross_margin_eur:", "  revenue:"), "measures.revenue", "already a catalog measure"),
    ],
)
def test_definitions_checked_like_the_catalog(tmp_path, daily, change, field, words):
    text = PARAMS.format(extra="")
    assert change[0] in text
    path = _write(tmp_path, text=text.replace(change[0], change[1], 1))
    with pytest.raises(ParamsError) as error:
        kpi.load_params(path)
    message = str(error.value)
    assert str(path) in message and field in message and words in message, message
    check = check_client(path)
    assert any(field in e and words in e for e in check.errors), check.errors


def test_data_column_for_undeclared_measure_still_refused(tmp_path, daily):
    text = PARAMS.format(extra="").replace(
        "  gross_margin_eur:\n    labels: {nl: brutomarge, en: gross margin}\n    unit: currency\n", ""
    )
    check = check_client(_write(tmp_path, text=text))
    assert any("gross_margin_eur" in e for e in check.errors), check.errors
