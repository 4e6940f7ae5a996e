"""Notebooks 01_goals and 02_kpi_pairs under papermill for every params file, interactive on and off,
and their HTML export (nbconvert 'basic', what the batch reports use) keeps every figure."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
PARAMS = sorted((ROOT / "params").glob("*.yaml"))
# figures each notebook shows through kpi.show (static, so present in every mode)
FIGURES = {"01_goals": 3, "02_kpi_pairs": 1}
MARKERS = {"01_goals": ["kpi-smart-card", "kpi-table"], "02_kpi_pairs": ["kpi-definition-card", "kpi-table"]}

pytestmark = pytest.mark.slow


def _run(name: str, params_file: Path, tmp_path: Path, **parameters) -> nbformat.NotebookNode:
    import papermill as pm

    out = tmp_path / f"{name}-{params_file.stem}.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"), str(out), cwd=str(ROOT), progress_bar=False,
                        kernel_name="python3", parameters={"params_file": str(params_file), **parameters})
    return nbformat.read(out, as_version=4)


def _html(nb: nbformat.NotebookNode) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="basic").from_notebook_node(nb)
    return body


@pytest.mark.parametrize("interactive", [False, True], ids=["static", "interactive"])
@pytest.mark.parametrize("params_file", PARAMS, ids=[p.stem for p in PARAMS])
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_notebook_runs_and_exports_its_figures(name, params_file, interactive, tmp_path):
    nb = _run(name, params_file, tmp_path, interactive=interactive)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    html = _html(nb)
    assert len(re.findall(r'class="plotly-graph-div"', html)) == FIGURES[name]
    assert html.count("Plotly.newPlot") == FIGURES[name]
    for marker in MARKERS[name]:
        assert marker in html
    assert "Traceback" not in html
    if not interactive:  # no widget state, least of all one left over from another client's run
        assert "widget-state+json" not in html and "widgets" not in nb.metadata


def test_committed_notebooks_carry_no_widget_state():
    """Committed outputs come from the demo client; stored widget state would ride along into
    every client's report (papermill keeps notebook metadata), so it is not committed."""
    for name in FIGURES:
        assert "widgets" not in nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4).metadata


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_language_override(name, tmp_path):
    nb = _run(name, ROOT / "params" / "demo_webshop.yaml", tmp_path, lang="en", interactive=False)
    html = _html(nb)
    assert "Specifiek" not in html and ("Specific" in html or "Performance KPI" in html)
