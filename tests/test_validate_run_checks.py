"""`kpi-workbook validate` refuses what `run` would fail on, and `load_params` agrees (issue 11
point 9); what is not a user error degrades gracefully in the notebooks instead."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from kpi_helpers.exceptions import ParamsError
from kpi_helpers.run.validate import check_client
from kpi_helpers.spec.agency import client_data_dir
from kpi_helpers.spec.params import load_params

GOAL = """goals:
  - statement: Revenue +10 % in 2026 through a higher order value
    kpi: {kpi}
    baseline: {baseline}
    target: {target}
    start: {start}
    deadline: {deadline}
    owner: Marketing (Sanne)
"""


def _webshop(
    tmp_path: Path, kpi="revenue", baseline="1000000", target="1100000", start="2026-01-01", deadline="2026-12-31"
) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(
        "client: shop\nname: Shop\ndata: demo:webshop\nkpis: [revenue, orders]\n"
        + GOAL.format(kpi=kpi, baseline=baseline, target=target, start=start, deadline=deadline),
        encoding="utf-8",
    )
    return path


def _refused(path: Path, field: str, words: str) -> None:
    """Both load_params and validate refuse the file, naming the file and the field."""
    with pytest.raises(ParamsError) as error:
        load_params(path)
    assert str(path) in str(error.value) and field in str(error.value) and words in str(error.value)
    check = check_client(path)
    assert not check.ok and any(field in e and words in e for e in check.errors), check.errors


@pytest.fixture
def leads_client(tmp_path: Path) -> Path:
    """A lead-generation client: sessions and leads, no revenue, no goals (params/leadgen.yaml,
    its data in the client's own data folder)."""
    (tmp_path / "params").mkdir()
    path = tmp_path / "params" / "leadgen.yaml"
    data = client_data_dir(path, "leadgen")
    data.mkdir(parents=True)
    days = pd.date_range("2024-01-01", "2025-06-30")
    rng = np.random.default_rng(7)
    pd.DataFrame(
        {
            "date": days.strftime("%Y-%m-%d"),
            "sessions": rng.integers(100, 200, len(days)),
            "leads": rng.integers(0, 10, len(days)),
        }
    ).to_csv(data / "daily.csv", index=False)
    path.write_text(
        "client: leadgen\nname: Lead Gen\nlanguage: nl\ndata: {source: daily.csv, shape: daily}\n"
        "kpis: [sessions, leads]\n",
        encoding="utf-8",
    )
    return path


def test_client_without_revenue_and_goals_validates_and_what_if_degrades(leads_client, monkeypatch):
    from kpi_helpers.apps import widgets
    from kpi_helpers.session import open_client
    from kpi_helpers.views import display

    shown: list[str] = []
    monkeypatch.setattr(display, "show_markdown", shown.append)

    assert check_client(leads_client).ok
    wb = open_client(leads_client)
    for interactive in (False, True):  # before: KpiWorkbookError "No KPI with a driver tree"
        assert widgets.what_if_app(wb, interactive=interactive) is None
    assert len(shown) == 2 and all(s.startswith("_Geen wat-als voor deze data") for s in shown)


def test_client_without_any_kpi_is_refused_with_what_the_data_can_compute(leads_client):
    """Before: validate passed and 03_analysis failed with KeyError: nan (no KPI to show)."""
    leads_client.write_text(
        "client: leadgen\nname: Lead Gen\ndata: {source: daily.csv, shape: daily}\n", encoding="utf-8"
    )
    errors = check_client(leads_client).errors
    assert len(errors) == 1 and "kpis: no KPIs to report on" in errors[0]
    assert "sessions" in errors[0] and "leads" in errors[0] and str(leads_client) in errors[0]


@pytest.mark.slow
def test_notebook_03_runs_for_client_without_revenue_and_goals(leads_client, tmp_path):
    import papermill as pm

    notebook = next(
        p
        for p in (ROOT / "notebooks" / "03_analysis.ipynb", ROOT / "kpi_helpers" / "notebooks" / "03_analysis.ipynb")
        if p.exists()
    )
    out = tmp_path / "03.ipynb"
    pm.execute_notebook(
        str(notebook),
        str(out),
        cwd=str(ROOT),
        progress_bar=False,
        kernel_name="python3",
        parameters={"params_file": str(leads_client), "interactive": False},
    )
    cells = json.loads(out.read_text(encoding="utf-8"))["cells"]
    assert not [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


def test_goal_on_growth_kpi_refused_with_the_kpi_to_use(tmp_path):
    _refused(
        _webshop(tmp_path, kpi="sales_growth", baseline="0.02", target="0.05"),
        "goals[0].kpi",
        "set the goal on 'revenue'",
    )


def test_smart_check_fails_m_for_growth_kpi(catalog):
    from conftest import make_goal

    from kpi_helpers.spec.goals import smart_check

    report = smart_check(make_goal(kpi="sales_growth", baseline=0.02, target=0.05), catalog=catalog)
    assert (
        report["M"].status == "fail" and "'revenue'" in report["M"].fix["en"] and "'revenue'" in report["M"].fix["nl"]
    )


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("target", "1.7e308", "out of range"),
        ("target", ".nan", "not a finite number"),
        ("target", ".inf", "not a finite number"),
        ("target", "-.inf", "not a finite number"),
        ("baseline", "1.0e+300", "out of range"),
        ("baseline", ".nan", "not a finite number"),
    ],
)
def test_goal_values_finite_and_in_range(tmp_path, field, value, words):
    _refused(_webshop(tmp_path, **{field: value}), f"goals[0].{field}", words)


@pytest.mark.parametrize(
    ("field", "value"),
    [("start", "0001-01-01"), ("deadline", "9999-12-31"), ("start", "1850-01-01"), ("deadline", "2300-01-01")],
)
def test_goal_dates_in_a_sane_range(tmp_path, field, value):
    _refused(_webshop(tmp_path, **{field: value}), f"goals[0].{field}", "check the year")


def test_period_dates_in_a_sane_range(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(
        "client: shop\nname: Shop\ndata: demo:webshop\nperiod: {start: 0001-01-01, end: 2025-12-31}\n", encoding="utf-8"
    )
    _refused(path, "period", "check the year")


def test_normal_goals_still_load(tmp_path):
    config = load_params(_webshop(tmp_path, target="1.1e6"))
    assert config.goals[0].target == 1.1e6


def test_summary_json_never_holds_infinity_or_nan(tmp_path):
    """A non-finite number anywhere in the summary (a target, a pacing ratio) is written as null."""
    from kpi_helpers.run.report import client_summary, json_safe

    assert json_safe(
        {"a": [1.0, math.inf, {"b": -math.inf, "c": math.nan}], "d": np.float64("nan"), "e": np.int64(3)}
    ) == {"a": [1.0, None, {"b": None, "c": None}], "d": None, "e": 3}
    config = load_params(_webshop(tmp_path))
    config.goals = [config.goals[0].model_copy(update={"target": math.inf, "baseline": math.nan})]
    summary = client_summary(config)
    text = json.dumps(summary, allow_nan=False)  # raises on NaN/Infinity
    assert summary["goals"][0]["target"] is None and summary["goals"][0]["baseline"] is None
    assert "Infinity" not in text and "NaN" not in text
