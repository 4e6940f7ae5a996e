"""`kpi-workbook serve`: the client's dashboard copy, the client list, ids, the Voilà command line.

Kernel-free; the pages themselves are driven in Chromium by tests/test_browser.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpi_helpers.exceptions import KpiWorkbookError
from kpi_helpers.run.cli import main
from kpi_helpers.run.serve import (
    DEFAULT_NOTEBOOK,
    client_notebook,
    client_params_file,
    inert,
    serve_command,
    serve_env,
    write_template,
)
from kpi_helpers.run.workspace import demo_params_file


def write_client(folder: Path, client: str, name: str, demo: str = "demo_webshop") -> Path:
    source = demo_params_file(f"{demo}.yaml")
    assert source is not None
    text = source.read_text(encoding="utf-8")
    original = next(line for line in text.splitlines() if line.startswith("name:"))
    text = text.replace(f"client: {demo}", f"client: {client}").replace(original, f"name: {json.dumps(name)}")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{client}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def option(cmd: list[str], name: str) -> str:
    return next(a.split("=", 1)[1] for a in cmd if a.startswith(f"--{name}="))


def test_the_dashboard_notebook_is_only_for_the_client():
    nb = json.loads(DEFAULT_NOTEBOOK.read_text(encoding="utf-8"))
    assert DEFAULT_NOTEBOOK.name == "dashboard.ipynb"
    assert all(c["cell_type"] == "code" for c in nb["cells"]), "no teaching text on the client's page"
    source = "\n".join("".join(c["source"]) for c in nb["cells"])
    assert "kpi.dashboard(wb" in source and "pacing" in source and "open_client" in source
    assert source.count("open_client") == 1, "data loaded once"


def test_client_notebook_sets_the_client_and_the_title(tmp_path):
    params = write_client(tmp_path / "params", "acme", 'Acme <script>alert(1)</script> "BV"')
    out = client_notebook(params, tmp_path / "pages", name="acme.ipynb")
    nb = json.loads(out.read_text(encoding="utf-8"))
    assert out == tmp_path / "pages" / "acme.ipynb"
    assert nb["metadata"]["title"] == 'Acme <script>alert(1)</script> "BV"'  # escaped by the template
    parameters = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    assert parameters["source"] == f"params_file = {str(params.resolve())!r}\nlang = None\ninteractive = True\n"
    assert all(c.get("outputs") == [] for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("client", ["../acme", "acme/../../etc", "ACME", "a b", "-x", "acme\x00", "~root"])
def test_a_client_id_cannot_lead_out_of_the_params_folder(tmp_path, monkeypatch, client):
    write_client(tmp_path / "params", "acme", "Acme")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(KpiWorkbookError):
        client_params_file(client, "params")


def test_a_file_that_is_not_a_params_file_is_refused_before_serving(tmp_path):
    with pytest.raises(KpiWorkbookError):
        serve_command("/etc/passwd", 9999, work_dir=tmp_path / "work")
    assert not (tmp_path / "work" / "pages").exists()


def test_the_client_list_is_inert_and_links_each_client(tmp_path):
    folder = write_template(tmp_path, [("acme", "Acme {{ 7*7 }} {% raw %}"), ("evil", "<img src=x onerror=alert(1)>")])
    page = (folder / "tree-lab.html").read_text(encoding="utf-8")
    assert (folder / "tree.html").read_text(encoding="utf-8") == page
    assert 'href="/voila/render/acme.ipynb"' in page and 'href="/voila/render/evil.ipynb"' in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "{{" not in page and "{%" not in page and "&#123;&#123; 7*7 &#125;&#125;" in page
    assert "<title>Klanten</title>" in page
    assert "http" not in page, "the list page loads nothing from elsewhere"
    assert json.loads((folder / "conf.json").read_text()) == {"base_template": "lab"}
    index = (folder / "index.html.j2").read_text(encoding="utf-8")
    assert "'https://'" in index and "extends 'voila/templates/lab/index.html.j2'" in index
    assert inert("a\nb  c") == "a b c"


def test_serve_command_for_one_client(tmp_path):
    params = write_client(tmp_path / "params", "acme", "Acme")
    cmd = serve_command(params, 9999, work_dir=tmp_path / "work", token="t0k")
    assert cmd[cmd.index("voila") + 1] == str(tmp_path / "work" / "pages" / "dashboard.ipynb")
    assert option(cmd, "template") == "kpi" and option(cmd, "Voila.token") == "t0k"
    assert option(cmd, "preheat_kernel") == "True" and option(cmd, "pool_size") == "1"
    assert int(option(cmd, "MappingKernelManager.cull_idle_timeout")) > 0
    assert option(cmd, "MappingKernelManager.cull_connected") == "False"
    assert option(cmd, "VoilaConfiguration.multi_kernel_manager_class").endswith("ServeKernelManager")
    denied = [a.split("=", 1)[1] for a in cmd if a.startswith("--VoilaConfiguration.extension_denylist=")]
    assert "@voila-dashboards/jupyterlab-preview" in denied and "@jupyter-widgets/jupyterlab-manager" not in denied
    assert not any(name.startswith("jupyterlab-plotly") for name in denied)
    assert (tmp_path / "work" / "jupyter" / "voila" / "templates" / "kpi" / "index.html.j2").is_file()
    env = serve_env(tmp_path / "work", {"JUPYTER_PATH": "/x"})
    assert env["JUPYTER_PATH"].split(":") == [str(tmp_path / "work" / "jupyter"), "/x"]
    no_pool = serve_command(params, 9999, work_dir=tmp_path / "work2", pool_size=0)
    assert option(no_pool, "preheat_kernel") == "False"


def test_serve_command_for_every_client(tmp_path):
    folder = tmp_path / "params"
    write_client(folder, "acme", "Acme Tuin")
    write_client(folder, "globex", "Globex Ltd", demo="demo_b2b")
    (folder / "_agency.yaml").write_text("limits: {data_rows: 100000}\n", encoding="utf-8")
    cmd = serve_command(None, 9999, work_dir=tmp_path / "work", params_dir=folder)
    pages = tmp_path / "work" / "pages"
    assert cmd[cmd.index("voila") + 1] == str(pages) and option(cmd, "Voila.root_dir") == str(pages)
    assert sorted(p.name for p in pages.iterdir()) == ["acme.ipynb", "globex.ipynb"]
    for client, other in (("acme", "globex"), ("globex", "acme")):
        nb = (pages / f"{client}.ipynb").read_text(encoding="utf-8")
        assert f"{client}.yaml" in nb and f"{other}.yaml" not in nb
    page = (tmp_path / "work" / "jupyter" / "voila" / "templates" / "kpi" / "tree-lab.html").read_text()
    assert "Acme Tuin" in page and "Globex Ltd" in page


def test_serve_every_client_refuses_a_broken_params_file(tmp_path):
    folder = tmp_path / "params"
    write_client(folder, "acme", "Acme")
    (folder / "broken.yaml").write_text("client: broken\nname: [unclosed\n", encoding="utf-8")
    with pytest.raises(KpiWorkbookError, match="broken.yaml"):
        serve_command(None, 9999, work_dir=tmp_path / "work", params_dir=folder)


def test_cli_serve_refuses_a_client_and_all(tmp_path, capsys):
    write_client(tmp_path / "params", "acme", "Acme")
    assert main(["serve", "acme", "--all", "--params", str(tmp_path / "params")]) == 1
    assert "not both" in capsys.readouterr().err
