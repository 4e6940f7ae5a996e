"""Serve clients' live dashboards with Voilà (no code, widgets work, nothing fetched off the machine).

``kpi-workbook serve CLIENT`` serves the dedicated dashboard notebook (``notebooks/dashboard.ipynb``:
the client's name, KPI tiles, the dashboard widget and pacing, in the client's language, no
teaching text); ``kpi-workbook serve`` (or ``--all``) serves one page per client in the params
folder behind a client list page.

Voilà 0.5 does not take papermill parameters, so :func:`client_notebook` writes a copy of the
notebook into a work folder with the ``parameters`` cell replaced by plain literals for this client
(built with ``repr`` from the resolved absolute params path, never from the client's YAML text) and
the client's name as the page title (escaped by the template). :func:`serve_command` points
``voila`` at that copy (or at the folder of copies), with:

* **preheated kernels**: a pool of ``pool_size`` kernels per notebook that have already run it
  (data loaded, figures made), so a page shows its first figure without waiting for a kernel;
* **culling**: a kernel whose page is closed (no connection) is shut down after
  ``cull_idle_timeout`` seconds (pooled kernels are never culled, Voilà refills the pool; a page
  still loading keeps its kernel: :mod:`kpi_helpers.run.voila_kernels`);
* **our template** (``kpi``, written into the work folder, found through ``JUPYTER_PATH`` —
  :func:`serve_env`): Voilà's lab template without its external stylesheet links (the icon font
  came from a CDN; the widgets' icons are in Voilà's own bundle), and the client list page.

:func:`serve` runs it until Ctrl-C and removes the work folder. Every params file is validated
first, so a broken file fails here with the usual message instead of on a page.

The CLI calls ``serve(args.client, port=args.port, lang=args.lang, token=read_token(args.token_file), ip=args.ip,
allowed_hosts=args.allow_host, params_dir=args.params)``; ``client`` is a client id (``acme`` →
``params/acme.yaml``), a path, or None for every client in ``params_dir``.

**Closed to strangers** (:mod:`kpi_helpers.run.voila_app`): only requests whose Host header is
localhost, 127.0.0.1, [::1], the bind address or an allowed name are answered (a web page the
analyst visits cannot read a dashboard through DNS rebinding); a non-local ``--ip`` needs a token,
which comes from ``--token-file`` or ``KPI_WORKBOOK_SERVE_TOKEN`` and reaches Voilà through its
environment, never a command line (``ps`` shows those to every user).
"""

from __future__ import annotations

import html
import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kpi_helpers.exceptions import KpiWorkbookError
from kpi_helpers.i18n.messages import per_language
from kpi_helpers.run.workspace import notebooks_dir

DEFAULT_NOTEBOOK = notebooks_dir() / "dashboard.ipynb"
DEFAULT_PORT = 8866
TEMPLATE = "kpi"
POOL_SIZE = 1  # preheated kernels per client page (each ~200 MB)
CULL_IDLE_TIMEOUT = 60  # seconds a closed page's kernel may stay
CULL_INTERVAL = 15
KERNEL_MANAGER = "kpi_helpers.run.voila_kernels.ServeKernelManager"
VOILA_APP = "kpi_helpers.run.voila_app"  # Voilà answering only allowed Host names (DNS rebinding)
TOKEN_ENV = "KPI_WORKBOOK_SERVE_TOKEN"  # the token for a non-local `serve`: environment or file, never argv (`ps`)
TOKEN_FILE_BYTES = 4096  # a token file holds one line
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
UNUSED_EXTENSIONS = ("@voila-dashboards/jupyterlab-preview", "jupyterlab_pygments")

LIST_TITLE = per_language("serve.list_title")
LIST_INTRO = per_language("serve.list_intro")

# Voilà's lab template minus external <link>s (its icon font stylesheets come from a CDN).
INDEX_TEMPLATE = """{%- extends 'voila/templates/lab/index.html.j2' -%}
{%- block notebook_css -%}
{%- for line in super().split('\\n') -%}
{%- if not ('<link' in line and ('http://' in line or 'https://' in line or '"//' in line)) %}
{{ line }}
{%- endif -%}
{%- endfor -%}
{%- endblock notebook_css -%}
"""

LIST_TEMPLATE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="icon" href="data:;base64,=">
<style>
body {{ font-family: system-ui, sans-serif; margin: 3em auto; max-width: 40em; color: #222; }}
h1 {{ font-size: 1.6em; }}
ul.kpi-clients {{ list-style: none; padding: 0; border: 1px solid #ccc; border-radius: 4px; }}
ul.kpi-clients li {{ border-bottom: 1px solid #ddd; }}
ul.kpi-clients li:last-child {{ border-bottom: none; }}
ul.kpi-clients a {{ display: block; padding: .8em 1em; text-decoration: none; color: #1f4e79; }}
ul.kpi-clients a:hover {{ background: #f2f6fa; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{intro}</p>
<ul class="kpi-clients">
{items}
</ul>
</body>
</html>
"""


def host_name(host: str) -> str:
    """'LocalHost:8866' -> 'localhost', '[::1]:8866' -> '::1' (the name a Host header asks for)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.index("]")] if "]" in host else host
    name, _, port = host.rpartition(":")
    return name if name and port.isdigit() and ":" not in name else host


def is_local_address(ip: str) -> bool:
    """True for a loopback bind address (127.0.0.1, ::1, localhost): only this machine can connect."""
    if host_name(ip) == "localhost":
        return True
    try:
        return ipaddress.ip_address(host_name(ip)).is_loopback
    except ValueError:
        return False


def allowed_host_names(ip: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The local names, the bind address itself (unless it is 0.0.0.0/::) and the configured names."""
    names = {*LOCAL_HOSTS, *(host_name(h) for h in extra if h.strip())}
    bound = host_name(ip)
    if bound and bound not in ("0.0.0.0", "::"):
        names.add(bound)
    return frozenset(names)


def check_bind(ip: str, token: str | None) -> None:
    """A non-local address opens the dashboards to the network: refused without a token."""
    if not is_local_address(ip) and not token:
        raise KpiWorkbookError(
            f"serve: --ip {ip[:60]} lets other machines open every dashboard; set a token first "
            f"(in the environment variable {TOKEN_ENV}, or --token-file FILE), or serve on 127.0.0.1"
        )


def read_token(token_file: str | Path | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The serve token from `token_file` (one line, a regular file) or else the environment (TOKEN_ENV)."""
    from kpi_helpers.spec.safeyaml import file_kind

    if token_file is None:
        token = (os.environ if env is None else env).get(TOKEN_ENV, "").strip()
        return token or None
    path = Path(token_file).expanduser()
    try:
        info = path.stat()
        kind = file_kind(info.st_mode)
        if kind or path.is_dir() or info.st_size > TOKEN_FILE_BYTES:
            raise KpiWorkbookError(f"--token-file {path}: expected a small text file holding the token")
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise KpiWorkbookError(f"--token-file {path}: cannot read it ({error.__class__.__name__})") from None
    if not token or any(c.isspace() or not c.isprintable() for c in token):
        raise KpiWorkbookError(f"--token-file {path}: expected one line holding the token (no spaces)")
    return token


def inert(text: str) -> str:
    """Text for a Jinja template file: HTML-escaped and with no Jinja delimiters left."""
    return html.escape(" ".join(str(text).split())).replace("{", "&#123;").replace("}", "&#125;")


def parameters_source(params_file: str | Path, lang: str | None = None) -> str:
    """The replacement parameters cell: literals only (a path string, None/'nl'/'en', True)."""
    return f"params_file = {str(params_file)!r}\nlang = {lang!r}\ninteractive = True\n"


def client_params_file(client: str | Path, params_dir: str | Path = "params") -> Path:
    """The absolute params path for a file path (``params/acme.yaml``) or a client id
    (``acme`` → ``<params_dir>/acme.yaml``), relative to the cwd or a folder above it
    (a bundled demo client is found in the package). An id must be a client id
    (lowercase letters, digits, ``-`` and ``_``): no path tricks through the id."""
    from kpi_helpers.session import find_params_file
    from kpi_helpers.spec.params import CLIENT_ID_PATTERN

    path = Path(client)
    if path.suffix in (".yaml", ".yml") or path.is_file():  # a folder named like the client is not its file
        return find_params_file(path).resolve()
    if not re.fullmatch(CLIENT_ID_PATTERN, str(client)) or len(str(client)) > 64:
        raise KpiWorkbookError(
            f"{str(client)[:70]!r} is not a client id (lowercase letters, digits, - and _; "
            "the name of its params file without .yaml) nor a params file."
        )
    for suffix in (".yaml", ".yml"):
        try:
            return find_params_file(Path(params_dir) / f"{client}{suffix}").resolve()
        except KpiWorkbookError:
            pass
    raise KpiWorkbookError(
        f"No params file for client {str(client)!r}: expected {Path(params_dir) / f'{client}.yaml'} "
        "(or pass the file's path)."
    )


def _check_client(params_file: str | Path, lang: str | None, params_dir: str | Path = "params") -> tuple[Path, Any]:
    from kpi_helpers.i18n.formats import check_lang
    from kpi_helpers.spec.params import load_params

    if lang is not None:
        try:
            check_lang(lang)
        except ValueError as error:
            raise KpiWorkbookError(str(error)) from None
    path = client_params_file(params_file, params_dir)
    return path, load_params(path)  # raises ParamsError (a KpiWorkbookError) with the usual message


def client_notebook(
    params_file: str | Path,
    out_dir: str | Path,
    *,
    lang: str | None = None,
    notebook: str | Path = DEFAULT_NOTEBOOK,
    params_dir: str | Path = "params",
    name: str | None = None,
) -> Path:
    """Write ``out_dir/<name or notebook name>`` with the parameters cell set for this client
    (``params_file``: a path or a client id) and the client's name as its title; outputs of the
    committed notebook (the demo client's) are dropped. Returns the new path."""
    path, config = _check_client(params_file, lang, params_dir)
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    cells = nb.get("cells", [])
    index = next(
        (
            i
            for i, c in enumerate(cells)
            if c.get("cell_type") == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
        ),
        None,
    )
    if index is None:
        raise KpiWorkbookError(f"{notebook}: no cell tagged 'parameters' to set the client in.")
    for cell in cells:
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    cells[index]["source"] = parameters_source(path, lang)
    metadata = nb.setdefault("metadata", {})
    metadata.pop("widgets", None)
    metadata["title"] = " ".join(str(config.name).split()) or config.client  # the page title (escaped by nbconvert)
    out = Path(out_dir) / (name or Path(notebook).name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    return out


def write_template(data_dir: str | Path, clients: Sequence[tuple[str, str]] = (), lang: str = "nl") -> Path:
    """Our Voilà template ``kpi`` under ``data_dir/voila/templates/kpi`` (``data_dir`` goes on
    JUPYTER_PATH): the lab template without external links and, for ``clients`` ((id, name)
    pairs), the client list page linking each client's dashboard. Returns the template folder."""
    folder = Path(data_dir) / "voila" / "templates" / TEMPLATE
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "conf.json").write_text(json.dumps({"base_template": "lab"}), encoding="utf-8")
    (folder / "index.html.j2").write_text(INDEX_TEMPLATE, encoding="utf-8")
    items = "\n".join(
        f'<li><a class="kpi-client" href="/voila/render/{client_id}.ipynb">{inert(name)}</a></li>'
        for client_id, name in clients
    )
    page = LIST_TEMPLATE.format(lang=lang, title=LIST_TITLE[lang], intro=LIST_INTRO[lang], items=items)
    for tree in ("tree.html", "tree-lab.html"):  # the classic and the lab list page
        (folder / tree).write_text(page, encoding="utf-8")
    return folder


def serve_env(work_dir: str | Path, env: Mapping[str, str] | None = None, token: str | None = None) -> dict[str, str]:
    """The environment for the ``voila`` command of :func:`serve_command`: ``env`` (default
    ``os.environ``) with the work folder's template data first on ``JUPYTER_PATH``, and the
    token (TOKEN_ENV) when given — none inherited from ``env`` by accident."""
    result = dict(os.environ if env is None else env)
    result.pop(TOKEN_ENV, None)
    if token:
        result[TOKEN_ENV] = token
    data = str(Path(work_dir) / "jupyter")
    result["JUPYTER_PATH"] = os.pathsep.join([data, *filter(None, [result.get("JUPYTER_PATH")])])
    return result


def serve_command(
    params_file: str | Path | None,
    port: int = DEFAULT_PORT,
    *,
    work_dir: str | Path | None = None,
    lang: str | None = None,
    ip: str = "127.0.0.1",
    allowed_hosts: Sequence[str] = (),
    notebook: str | Path = DEFAULT_NOTEBOOK,
    params_dir: str | Path = "params",
    pool_size: int = POOL_SIZE,
    cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
    cull_interval: int = CULL_INTERVAL,
) -> list[str]:
    """The ``voila`` command line serving this client's notebook copy, or (``params_file``
    None) one page per client in ``params_dir`` behind the client list page; written into
    ``work_dir`` (a new temporary folder when None — the caller removes it). Run it with
    ``env=serve_env(work_dir, token=...)``: the token never goes on the command line (``ps``).
    Requests whose Host is not local, ``ip`` or one of ``allowed_hosts`` are refused (403).
    ``pool_size`` 0: no preheated kernels."""
    if params_file is None:
        clients = _all_clients(params_dir)
    else:
        clients = [_check_client(params_file, lang, params_dir)]
    work = Path(work_dir) if work_dir is not None else Path(tempfile.mkdtemp(prefix="kpi-serve-"))
    pages = work / "pages"
    if params_file is None:
        for path, config in clients:
            client_notebook(path, pages, lang=lang, notebook=notebook, name=f"{config.client}.ipynb")
        target = pages
        names = [(config.client, config.name) for _, config in clients]
        list_lang = lang or "nl"
    else:
        target = client_notebook(clients[0][0], pages, lang=lang, notebook=notebook)
        names, list_lang = [], clients[0][1].language
    write_template(work / "jupyter", names, lang=list_lang if list_lang in LIST_TITLE else "en")
    preheat = int(pool_size) > 0
    return [
        sys.executable,
        "-m",
        VOILA_APP,
        str(target),
        "--no-browser",
        f"--port={int(port)}",
        "--Voila.port_retries=0",
        f"--Voila.ip={ip}",
        f"--Voila.root_dir={pages}",
        *(f"--KpiVoila.allowed_hosts={host_name(h)}" for h in allowed_hosts),
        f"--template={TEMPLATE}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        f"--preheat_kernel={preheat}",
        f"--pool_size={max(int(pool_size), 0)}",
        f"--MappingKernelManager.cull_idle_timeout={int(cull_idle_timeout)}",
        f"--MappingKernelManager.cull_interval={int(cull_interval)}",
        "--MappingKernelManager.cull_connected=False",  # an open page keeps its kernel
        f"--VoilaConfiguration.multi_kernel_manager_class={KERNEL_MANAGER}",  # spares pages still loading
        # JupyterLab-only extensions a client page does not need (less to load before the first figure)
        *(f"--VoilaConfiguration.extension_denylist={name}" for name in UNUSED_EXTENSIONS),
    ]


def _all_clients(params_dir: str | Path) -> list[tuple[Path, Any]]:
    """Every client in ``params_dir`` (each file validated; a broken one fails the start)."""
    from kpi_helpers.spec.params import find_params_files

    files = find_params_files(params_dir)
    if not files:
        raise KpiWorkbookError(f"No params files (*.yaml) in {params_dir}: nothing to serve.")
    return [_check_client(path.resolve(), None) for path in files]


def serve(
    params_file: str | Path | None,
    port: int = DEFAULT_PORT,
    *,
    lang: str | None = None,
    token: str | None = None,
    ip: str = "127.0.0.1",
    allowed_hosts: Sequence[str] = (),
    notebook: str | Path = DEFAULT_NOTEBOOK,
    params_dir: str | Path = "params",
    **popen: Any,
) -> int:
    """Run Voilà for one client (or every client when ``params_file`` is None) until it stops;
    Ctrl-C (or SIGTERM/SIGHUP) stops it cleanly (its kernels shut down, the work folder removed)
    and returns 0, else Voilà's exit code. Raises :class:`KpiWorkbookError` when a params file
    is missing or invalid, or when ``ip`` is not local and there is no ``token`` (before binding).
    Host names besides the local ones: ``allowed_hosts`` plus ``serve_hosts`` in params/_agency.yaml."""
    from kpi_helpers.spec.agency import agency_serve_hosts

    check_bind(ip, token)
    allowed_hosts = [*agency_serve_hosts(params_dir), *allowed_hosts]
    if params_file is None:
        _all_clients(params_dir)
        shown = f"the clients in {params_dir}"
    else:
        shown = _check_client(params_file, lang, params_dir)[0].name
    work = Path(tempfile.mkdtemp(prefix="kpi-serve-"))
    process = None
    restore = _stop_on_signals()
    try:
        cmd = serve_command(
            params_file,
            port,
            work_dir=work,
            lang=lang,
            ip=ip,
            allowed_hosts=allowed_hosts,
            notebook=notebook,
            params_dir=params_dir,
        )
        shown_host = f"[{ip}]" if ":" in ip else ip
        query = "?token=<your token>" if token else ""  # the token itself stays out of terminals and logs
        print(f"Serving {shown} at http://{shown_host}:{port}/{query} — Ctrl-C to stop", file=sys.stderr)
        # own session: Ctrl-C reaches only us, and we stop Voilà with SIGTERM (no shutdown prompt)
        popen.setdefault("env", serve_env(work, token=token))
        process = subprocess.Popen(cmd, cwd=work, start_new_session=True, **popen)
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        restore()
        shutil.rmtree(work, ignore_errors=True)


def _stop_on_signals() -> Any:
    """Turn SIGTERM/SIGHUP into KeyboardInterrupt while serving (main thread only); returns
    a function restoring the previous handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    wanted = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.signal(s, interrupt) for s in wanted}
    return lambda: [signal.signal(s, h) for s, h in previous.items()]


def main(argv: Sequence[str] | None = None) -> int:  # python -m kpi_helpers.run.serve PARAMS [PORT]
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m kpi_helpers.run.serve CLIENT_OR_PARAMS_FILE [PORT]", file=sys.stderr)
        return 2
    try:
        return serve(args[0], int(args[1]) if len(args) > 1 else DEFAULT_PORT)
    except KpiWorkbookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
