"""The client picker: a dropdown of a folder's params files that reloads the session (own data only)."""

from __future__ import annotations

import pandas as pd
import pytest

import kpi_helpers as kpi
from kpi_helpers.spec.catalog import load_catalog


def _ids(picker):
    return [v.rsplit("/", 1)[-1] for _, v in picker.dropdown.options]


def test_dropdown_lists_the_folders_params_files(params_dir):
    picker = kpi.client_picker(params_dir, value=params_dir / "demo_webshop.yaml")
    assert _ids(picker) == ["demo_b2b.yaml", "demo_newsletter.yaml", "demo_webshop.yaml"]
    labels = [label for label, _ in picker.dropdown.options]
    assert labels[0] == f"{kpi.load_params(params_dir / 'demo_b2b.yaml').name} (demo_b2b)"
    assert picker.session.config.client == "demo_webshop"
    assert "kpi-dashboard" in picker.view_area.children[0]._dom_classes


def test_choosing_a_client_reloads_the_session_with_only_its_data(params_dir):
    picker = kpi.client_picker(params_dir, value=params_dir / "demo_webshop.yaml")
    seen = []
    picker.on_change(lambda wb: seen.append(wb.config.client))
    old_view = picker.view_area.children[0]
    picker.dropdown.value = str((params_dir / "demo_b2b.yaml").resolve())
    wb = picker.session
    assert wb.config.client == "demo_b2b" and seen == ["demo_b2b"]
    # the same data as opening that client alone (independent load), nothing of the webshop
    alone = kpi.open_client(params_dir / "demo_b2b.yaml")
    pd.testing.assert_frame_equal(wb.facts, alone.facts)
    assert float(wb.facts["leads"].sum()) == float(alone.facts["leads"].sum()) > 0
    # the new client's views replace the old ones; the status names the new client
    assert old_view not in picker.view_area.children and len(picker.view_area.children) == 1
    assert "Demo Adviesbureau" in picker.status.value and "demo_b2b.yaml" in picker.status.value
    # one language: the webshop is Dutch, demo_b2b English
    assert picker.dropdown.description == "Client" and picker.status.value.startswith(
        "<p class='kpi-client-status'>Client:"
    )
    picker.select(params_dir / "demo_webshop.yaml")
    assert picker.dropdown.description == "Klant" and "Klant: " in picker.status.value


def test_the_chosen_clients_own_kpis_are_active(params_dir):
    own_kpi = (
        "  - id: my_order_value\n    labels: {nl: Mijn orderwaarde, en: My order value}\n    domain: sales\n"
        "    kind: quality\n    type: ratio\n    numerator: revenue\n    denominator: orders\n"
        "    unit: currency\n    direction: higher\n"
    )
    path = params_dir / "acme.yaml"
    path.write_text(
        "client: acme\nname: Acme\nlanguage: en\ndata: {source: demo:webshop, shape: daily}\n"
        "kpis:\n  - revenue\n" + own_kpi,
        encoding="utf-8",
    )
    picker = kpi.client_picker(params_dir, value=path, views=[])
    assert "my_order_value" in picker.session.catalog and "my_order_value" in load_catalog()
    picker.select(params_dir / "demo_b2b.yaml")
    assert "my_order_value" not in load_catalog() and "my_order_value" not in picker.session.catalog


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_broken_params_file_shows_its_error_and_no_views(params_dir, lang):
    bad = params_dir / "zz_broken.yaml"
    bad.write_text(
        "client: zz_broken\nname: <b>Broken</b>\ndata: {source: demo:webshop, shape: daily}\ngrain: fortnight\n",
        encoding="utf-8",
    )
    picker = kpi.client_picker(
        params_dir, value=params_dir / "demo_webshop.yaml", lang=lang, views=[lambda wb: wb.title]
    )
    assert len(picker.view_area.children) == 1
    picker.select(bad)
    assert picker.session is None and picker.view_area.children == ()
    assert "grain" in picker.status.value and "zz_broken.yaml" in picker.status.value
    assert {"nl": "niet te laden", "en": "cannot be loaded"}[lang] in picker.status.value
    # dropdown labels are plain text (ipywidgets does not render them as HTML); the status is escaped
    assert "<b>Broken</b> (zz_broken)" in [label for label, _ in picker.dropdown.options]
    assert "<b>" not in picker.status.value


def test_only_files_of_the_folder_can_be_chosen(params_dir, tmp_path):
    other = tmp_path / "elsewhere.yaml"
    other.write_text((params_dir / "demo_b2b.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    picker = kpi.client_picker(params_dir, value=params_dir / "demo_b2b.yaml", views=[])
    with pytest.raises(kpi.KpiWorkbookError, match="not one of the params files"):
        picker.select(other)
    assert picker.session.config.client == "demo_b2b"


def test_headless_picker_names_the_client_only(params_dir):
    picker = kpi.client_picker(params_dir, value=params_dir / "demo_newsletter.yaml", interactive=False)
    assert not hasattr(picker, "widget") and picker.session.config.client == "demo_newsletter"
    assert "demo_newsletter.yaml" in picker._repr_html_()


@pytest.mark.slow
def test_picker_cell_under_papermill_follows_the_parameters_cell(params_dir, tmp_path):
    """The cell the notebooks would get: papermill's injected params_file decides the client."""
    import nbformat
    import papermill

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('params_file = "params/demo_webshop.yaml"\nlang = None\ninteractive = True')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "import kpi_helpers as kpi\n"
            "picker = kpi.client_picker(params_dir, value=params_file, lang=lang, interactive=interactive)\n"
            "wb = picker.session\npicker"
        ),
    ]
    nb.cells[0].source += f"\nparams_dir = {str(params_dir)!r}"
    src, out = tmp_path / "picker.ipynb", tmp_path / "picker_out.ipynb"
    nbformat.write(nb, src)
    papermill.execute_notebook(
        str(src),
        str(out),
        parameters={"params_file": str(params_dir / "demo_b2b.yaml"), "interactive": False},
        progress_bar=False,
        kernel_name="python3",
        language="python",
    )
    result = nbformat.read(out, as_version=4)
    html = result.cells[-1].outputs[0]["data"]["text/html"]
    assert "Demo Adviesbureau" in html and "demo_b2b.yaml" in html
