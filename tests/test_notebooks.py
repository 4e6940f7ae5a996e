"""The workbook notebooks 01_goals, 02_kpi_pairs, 03_analysis, executed once per bundled demo
client by the shared `demo_batch` run (static, as in every batch) and exported to HTML with
nbconvert 'basic' (what the reports use): no errors and every figure kept. The interactive
mode is covered by nbval, which re-runs the committed notebooks (demo client, widgets on)."""

from __future__ import annotations

import json

import nbformat
import pytest
from conftest import DEMO_PARAMS

from kpi_helpers.run.workspace import notebooks_dir

CLIENTS = sorted(p.stem for p in DEMO_PARAMS.glob("*.yaml"))
# figures each notebook shows through kpi.show in a batch (static; cells tagged remove-from-report,
# such as 01's worked teaching example, are not run there); 03: at least this many
FIGURES = {"01_goals": 2, "02_kpi_pairs": 1}
MIN_FIGURES_03 = 12
MARKERS = {"01_goals": ["kpi-smart-card", "kpi-table"], "02_kpi_pairs": ["kpi-definition-card", "kpi-table"]}
PLOTLY = "application/vnd.plotly.v1+json"


def _html(nb: nbformat.NotebookNode) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="basic").from_notebook_node(nb)
    return body


def _executed(demo_batch, client: str, name: str) -> nbformat.NotebookNode:
    _, out, result = demo_batch
    assert result.ok, result.summary_text()
    return nbformat.read(out / client / f"{name}.ipynb", as_version=4)


def _errors(nb: nbformat.NotebookNode) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_goals_and_pairs_notebooks_export_every_figure(demo_batch, name, client):
    nb = _executed(demo_batch, client, name)
    assert not _errors(nb)
    html = _html(nb)
    assert html.count('class="plotly-graph-div"') == FIGURES[name]
    assert html.count("Plotly.newPlot") == FIGURES[name]
    for marker in MARKERS[name]:
        assert marker in html
    assert "Traceback" not in html
    # no widget state, least of all one left over from another client's run
    assert "widget-state+json" not in html and "widgets" not in nb.metadata


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
def test_analysis_notebook_exports_every_figure(demo_batch, client):
    nb = _executed(demo_batch, client, "03_analysis")
    assert not _errors(nb)
    figures = sum(
        PLOTLY in out.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    assert figures >= MIN_FIGURES_03
    assert _html(nb).count('class="plotly-graph-div"') == figures
    # headless: no widget views, the what-if and dashboard figures are static
    assert "application/vnd.jupyter.widget-view+json" not in json.dumps([c.get("outputs") for c in nb.cells])


@pytest.mark.slow
def test_language_override(tmp_path):
    """`lang` overrides the client's language (demo_webshop is nl): the one extra run, on 01_goals."""
    import papermill as pm

    out = tmp_path / "01-en.ipynb"
    pm.execute_notebook(
        str(notebooks_dir() / "01_goals.ipynb"),
        str(out),
        cwd=str(tmp_path),
        progress_bar=False,
        kernel_name="python3",
        parameters={"params_file": str(DEMO_PARAMS / "demo_webshop.yaml"), "lang": "en", "interactive": False},
    )
    html = _html(nbformat.read(out, as_version=4))
    assert "Specifiek" not in html and "Specific" in html


def test_committed_notebooks_carry_no_widget_state():
    """Committed outputs come from the demo client; stored widget state would ride along into
    every client's report (papermill keeps notebook metadata), so it is not committed."""
    for name in FIGURES:
        assert "widgets" not in nbformat.read(notebooks_dir() / f"{name}.ipynb", as_version=4).metadata


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("name", ["01_goals", "02_kpi_pairs", "03_analysis"])
def test_no_stray_return_value_is_printed_under_a_section(demo_batch, name, client):
    """A cell's last expression that returns a plain value (the figure count of show_section)
    would print as a bare '1' under the charts in every report: only rich results may show."""
    nb = _executed(demo_batch, client, name)
    bare = [
        (i, "".join(cell.source)[-60:], out["data"]["text/plain"])
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.output_type == "execute_result" and set(out.get("data", {})) == {"text/plain"}
    ]
    assert bare == []
    assert "<pre>1</pre>" not in _html(nb)
