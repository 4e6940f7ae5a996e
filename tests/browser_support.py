"""Servers, browser and waiting helpers for tests/test_browser.py (marker `browser`).

One JupyterLab server per session (a random free port, a token, fresh runtime/config/data/
settings folders, no news/update/extension-manager requests, autosave off so the repo's
notebooks are never written), Voilà servers per client via kpi_helpers.run.serve, and one
headless Debian Chromium driven by Playwright (its own browser download cannot work here).
Every wait is time-boxed; a timeout fails with a screenshot path and the server log tail.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
WAIT_S = 60.0


def require_chromium() -> None:
    """Skip without a Chromium (fail instead when KPI_REQUIRE_BROWSER=1, as in CI)."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} not found (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright Python package is not installed (pip install playwright)"
    if problem:
        if os.environ.get("KPI_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required (KPI_REQUIRE_BROWSER=1) but {problem}")
        pytest.skip(f"browser tests need Chromium: {problem}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A server process we started (own process group), its base URL, token and log file."""

    name: str
    process: subprocess.Popen
    base_url: str
    token: str
    log: Path
    _log_handle: Any = field(default=None, repr=False)

    def url(self, path: str = "") -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}" if self.token else f"{self.base_url}{path}"

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def wait_ready(self, path: str | None, timeout: float = WAIT_S) -> None:
        """Until ``path`` answers 200 (None: until the port accepts connections)."""
        deadline, last = time.monotonic() + timeout, "no answer"
        port = int(self.base_url.rstrip("/").rsplit(":", 1)[1])
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"{self.name} exited with {self.process.returncode} before it was ready; "
                    f"log {self.log}:\n{self.log_tail()}"
                )
            try:
                if path is None:
                    socket.create_connection(("127.0.0.1", port), timeout=2).close()
                    return
                with urllib.request.urlopen(self.url(path), timeout=5) as response:
                    if response.status == 200:
                        return
                    last = f"HTTP {response.status}"
            except (urllib.error.URLError, OSError) as error:
                last = str(error)
            time.sleep(0.3)
        raise AssertionError(
            f"{self.name} not ready within {timeout:.0f} s ({last}); log {self.log}:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """SIGTERM to our process group (the server and its kernels), SIGKILL after 10 s."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        if self._log_handle:
            self._log_handle.close()


def _start(name: str, cmd: list[str], *, cwd: Path, env: dict[str, str], port: int, token: str, log: Path) -> Server:
    handle = log.open("w", encoding="utf-8")
    process = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    return Server(name, process, f"http://127.0.0.1:{port}/", token, log, handle)


def jupyter_env(home: Path) -> dict[str, str]:
    """Fresh Jupyter/IPython folders under ``home``; the venv's share/jupyter still provides
    the kernelspec and the prebuilt labextensions (widgets manager, jupyterlab-plotly)."""
    env = dict(os.environ)
    for var, sub in (
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("IPYTHONDIR", "ipython"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    env.pop("JUPYTER_TOKEN", None)
    return env


# Lab user settings: no autosave (the repo's notebooks must stay as committed), no news or
# update checks, every cell in the DOM (no windowing) so figures are laid out and findable.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def refuse_save(model: Any = None, path: str = "", contents_manager: Any = None, **kwargs: Any) -> None:
    """JupyterLab's pre-save hook in the tests: the repo's notebooks are never written
    (other engineers edit them concurrently; committed outputs come from nbconvert only)."""
    from tornado.web import HTTPError

    raise HTTPError(403, f"browser tests never save files ({path})")


def start_jupyterlab(home: Path) -> Server:
    settings = home / "lab-settings"
    for rel, value in LAB_SETTINGS.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")
    port, token = free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}",
        "--ServerApp.terminals_enabled=False",
        "--NotebookNotary.db_file=:memory:",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        "--FileContentsManager.pre_save_hook=browser_support.refuse_save",
        f"--FileCheckpoints.root_dir={home / 'checkpoints'}",
    ]  # opening a notebook creates one
    env = jupyter_env(home)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent), *filter(None, [env.get("PYTHONPATH")])])
    server = _start("JupyterLab", cmd, cwd=ROOT, env=env, port=port, token=token, log=home / "jupyterlab.log")
    try:
        server.wait_ready("api/status")
    except BaseException:
        server.stop()
        raise
    return server


def start_voila(params_file: str | Path | None, home: Path, **options: Any) -> Server:
    """Voilà via ``serve_command`` (``params_file`` None: every client in ``options['params_dir']``
    behind the client list page); ``options`` go to ``serve_command`` (pool size, culling)."""
    from kpi_helpers.run.serve import serve_command, serve_env

    work = home / "voila-work"
    port, token = free_port(), secrets.token_hex(16)
    cmd = serve_command(params_file, port, work_dir=work, **options)
    env = serve_env(work, jupyter_env(home), token=token)  # the token through the environment, never argv
    server = _start("Voila", cmd, cwd=work, env=env, port=port, token=token, log=home / "voila.log")
    try:
        server.wait_ready(None)  # its page would start a kernel
    except BaseException:
        server.stop()
        raise
    return server


# --------------------------------------------------------------------------- pages
class Shots:
    """Screenshots under tests/artifacts/; ``last`` is quoted in failure messages."""

    def __init__(self, prefix: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.prefix, self.last = prefix, None

    def take(self, page: Any, name: str, full_page: bool = False) -> Path:
        path = ARTIFACTS / f"{self.prefix}-{name}.png"
        try:
            page.screenshot(path=str(path), full_page=full_page, timeout=15_000)
            self.last = path
        except Exception:  # a screenshot must never hide the real failure
            pass
        return path


def wait_js(
    page: Any,
    expression: str,
    what: str,
    shots: Shots,
    server: Server | None = None,
    arg: Any = None,
    timeout: float = WAIT_S,
) -> Any:
    """page.wait_for_function with a clear failure: what, screenshot path, server log tail."""
    try:
        return page.wait_for_function(expression, arg=arg, timeout=timeout * 1000, polling=250)
    except Exception as error:
        fail(page, f"{what}: not within {timeout:.0f} s ({type(error).__name__})", shots, server)


def fail(page: Any, message: str, shots: Shots, server: Server | None = None) -> None:
    path = shots.take(page, "failure")
    log = f"\n{server.name} log {server.log} (tail):\n{server.log_tail()}" if server else ""
    pytest.fail(f"{message}; last screenshot: {path}{log}", pytrace=False)


PAGE_ERRORS = ("Error displaying widget", "Model not found", "model not found")


def page_problems(page: Any) -> list[str]:
    """Widget-manager errors shown on the page and error outputs (tracebacks) of cells."""
    text = page.evaluate("() => document.body.innerText")
    problems = [p for p in PAGE_ERRORS if p in text]
    errors = page.locator("[data-mime-type='application/vnd.jupyter.error']")
    problems += [f"error output: {errors.nth(i).inner_text()[:300]}" for i in range(min(errors.count(), 3))]
    return problems


# JS: the traces of the first plotly figure inside an element (el.data is set by Plotly).
FIGURE_DATA_JS = """(root) => {
  const gd = root && root.querySelector('.js-plotly-plot');
  if (!gd || !gd.data || !gd.querySelector('svg.main-svg')) return null;
  const title = gd.layout && gd.layout.title ? (gd.layout.title.text || '') : '';
  const paths = Array.from(gd.querySelectorAll('.scatterlayer path.js-line, .barlayer path'))
    .map(p => p.getAttribute('d')).join('|');
  return JSON.stringify({title, traces: gd.data.map(t => [t.name || '', t.x, t.y]), paths});
}"""
