"""Notebook 03 runs under papermill for every params file, interactive and not, and the HTML
export keeps every figure (one plotly div per figure displayed)."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "03_analysis.ipynb"
PARAMS = sorted((ROOT / "params").glob("*.yaml"))
PLOTLY = "application/vnd.plotly.v1+json"


def _figures_in_outputs(nb) -> int:
    return sum(PLOTLY in out.get("data", {}) for cell in nb.cells if cell.cell_type == "code"
               for out in cell.get("outputs", []))


@pytest.mark.slow
@pytest.mark.parametrize("interactive", [False, True], ids=["static", "interactive"])
@pytest.mark.parametrize("params", PARAMS, ids=[p.stem for p in PARAMS])
def test_notebook_runs_and_html_has_every_figure(params, interactive, tmp_path):
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    out = tmp_path / "03.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), parameters={"params_file": str(params), "interactive": interactive},
                        cwd=str(ROOT), progress_bar=False, kernel_name="python3")
    nb = nbformat.read(out, as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    figures = _figures_in_outputs(nb)
    assert figures >= (12 if not interactive else 10)
    html, _ = HTMLExporter(template_name="basic").from_notebook_node(nb)
    assert html.count('class="plotly-graph-div"') == figures
    views = "application/vnd.jupyter.widget-view+json" in json.dumps([c.get("outputs") for c in nb.cells])
    assert views == interactive  # headless: no widgets, the what-if and dashboard figures are static
