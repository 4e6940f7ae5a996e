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
    TOKEN_ENV,
    VOILA_APP,
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
    cmd = serve_command(params, 9999, work_dir=tmp_path / "work")
    assert cmd[cmd.index(VOILA_APP) + 1] == str(tmp_path / "work" / "pages" / "dashboard.ipynb")
    assert option(cmd, "template") == "kpi" and not any("token" in a.lower() for a in cmd)
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
    assert cmd[cmd.index(VOILA_APP) + 1] == str(pages) and option(cmd, "Voila.root_dir") == str(pages)
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


# ---------------------------------------------------------------- closed to strangers (issue 21, point 9)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, host: str, path: str) -> int:
    """Status of GET `path` sent to 127.0.0.1:`port` with this Host header (what a rebinding page sends)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_the_server_answers_only_local_host_names(tmp_path):
    """The real server on 127.0.0.1: a page of evil.example that resolves to 127.0.0.1 gets 403 for the
    dashboard, the kernel websocket and the static files alike; localhost, 127.0.0.1 and [::1] are served."""
    import subprocess
    import time

    params = write_client(tmp_path / "params", "acme", "Acme")
    port = _free_port()
    work = tmp_path / "work"
    cmd = serve_command(params, port, work_dir=work, pool_size=0, allowed_hosts=["dash.agency.lan"])
    assert option(cmd, "Voila.ip") == "127.0.0.1"
    server = subprocess.Popen(cmd, cwd=work, env=serve_env(work), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        static = "/voila/static/voila.js"
        for _ in range(600):  # the server is up once it answers (a loaded machine: tens of seconds)
            try:
                _get(port, f"localhost:{port}", static)
                break
            except OSError:
                assert server.poll() is None, "the server stopped"
                time.sleep(0.1)
        for host in ("evil.example", f"evil.example:{port}", f"localhost.evil.example:{port}", "127.0.0.1.nip.io"):
            for path in ("/", "/voila/render/dashboard.ipynb", "/api/kernels/0/channels", static):
                assert _get(port, host, path) == 403, (host, path)
        for host in (f"localhost:{port}", f"LOCALHOST:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "dash.agency.lan"):
            assert _get(port, host, static) == 200, host
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_non_local_address_without_a_token_is_refused_before_binding(tmp_path, monkeypatch, capsys):
    import subprocess

    from kpi_helpers.run.serve import serve

    write_client(tmp_path / "params", "acme", "Acme")
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    started: list[object] = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a))
    for ip in ("0.0.0.0", "::", "192.168.1.5"):
        with pytest.raises(KpiWorkbookError, match=f"--ip {ip} lets other machines"):
            serve("acme", 9999, ip=ip, params_dir=tmp_path / "params")
    assert main(["serve", "acme", "--ip", "0.0.0.0", "--params", str(tmp_path / "params")]) == 1
    assert TOKEN_ENV in capsys.readouterr().err
    assert started == [], "no server process was started"


def test_the_voila_app_itself_refuses_a_non_local_bind_without_a_token(monkeypatch):
    """Started by hand (python -m kpi_helpers.run.voila_app --Voila.ip=0.0.0.0): it stops in initialize,
    before its web app exists, so nothing is bound; the address is read from the server object."""
    from kpi_helpers.run.voila_app import KpiVoila

    monkeypatch.delenv(TOKEN_ENV, raising=False)
    app = KpiVoila()
    try:
        with pytest.raises(SystemExit) as stop:
            app.initialize(["--Voila.ip=0.0.0.0", f"--port={_free_port()}", "--no-browser"])
        assert stop.value.code == 2 and app.ip == "0.0.0.0"
        assert getattr(app, "app", None) is None, "no web app was built, so nothing listens"
    finally:
        KpiVoila.clear_instance()
    monkeypatch.setenv(TOKEN_ENV, "s3cret-token")
    app = KpiVoila()
    try:
        app.initialize(["--Voila.ip=0.0.0.0", "--no-browser", "--KpiVoila.allowed_hosts=dash.agency.lan"])
        assert app.token == "s3cret-token"
        assert TOKEN_ENV not in __import__("os").environ, "the kernels it starts never see the token"
        assert app.host_guard().matcher.allowed == {"localhost", "127.0.0.1", "::1", "dash.agency.lan"}
    finally:
        KpiVoila.clear_instance()


def test_the_token_comes_from_a_file_or_the_environment_never_a_command_line(tmp_path, monkeypatch, capsys):
    import subprocess

    from kpi_helpers.run.serve import read_token

    params = tmp_path / "params"
    write_client(params, "acme", "Acme")
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert main(["serve", "acme", "--ip", "0.0.0.0", "--token", "s3cret", "--params", str(params)]) == 1
    assert "--token-file" in capsys.readouterr().err
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-from-file\n", encoding="utf-8")
    assert read_token(token_file) == "s3cret-from-file"
    assert read_token(None, {TOKEN_ENV: " s3cret-env "}) == "s3cret-env" and read_token(None, {}) is None
    for bad in ("", "two words", "x" * 5000):
        token_file.write_text(bad, encoding="utf-8")
        with pytest.raises(KpiWorkbookError, match="--token-file"):
            read_token(token_file)
    with pytest.raises(KpiWorkbookError, match="--token-file"):
        read_token(tmp_path)

    token_file.write_text("s3cret-from-file\n", encoding="utf-8")
    seen: dict[str, object] = {}

    class FakeServer:
        def __init__(self, cmd, **kwargs):
            seen.update(cmd=cmd, env=kwargs["env"])

        def wait(self):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakeServer)
    argv = ["serve", "acme", "--ip", "0.0.0.0", "--token-file", str(token_file), "--params", str(params)]
    assert main(argv) == 0
    cmd, env = seen["cmd"], seen["env"]
    assert not any("s3cret" in arg for arg in cmd), "the token is not on Voila's command line"
    assert env[TOKEN_ENV] == "s3cret-from-file"
    assert "s3cret" not in capsys.readouterr().err, "nor printed"


def test_allowed_host_names_come_from_the_option_and_the_agency_file(tmp_path):
    from kpi_helpers.exceptions import ParamsError
    from kpi_helpers.run.serve import allowed_host_names, host_name, is_local_address
    from kpi_helpers.spec.agency import agency_serve_hosts

    params = tmp_path / "params"
    write_client(params, "acme", "Acme")
    (params / "_agency.yaml").write_text("serve_hosts: [Dash.Agency.LAN, 10.0.0.7]\n", encoding="utf-8")
    assert agency_serve_hosts(params) == ("dash.agency.lan", "10.0.0.7")
    cmd = serve_command(params / "acme.yaml", 9999, work_dir=tmp_path / "work", allowed_hosts=["[::1]", "x.lan:80"])
    assert [a.split("=", 1)[1] for a in cmd if a.startswith("--KpiVoila.allowed_hosts=")] == ["::1", "x.lan"]
    (params / "_agency.yaml").write_text("serve_hosts: [ok.lan, 'evil host/..', [1]]\n", encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        agency_serve_hosts(params)
    assert "serve_hosts[1]" in str(err.value) and "serve_hosts[2]" in str(err.value)
    assert host_name("[::1]:8866") == "::1" and host_name("LocalHost:80") == "localhost" and host_name("::1") == "::1"
    assert is_local_address("127.0.0.2") and is_local_address("::1") and is_local_address("localhost")
    assert not is_local_address("0.0.0.0") and not is_local_address("192.168.1.5") and not is_local_address("::")
    assert allowed_host_names("0.0.0.0") == {"localhost", "127.0.0.1", "::1"}
    assert "192.168.1.5" in allowed_host_names("192.168.1.5")
