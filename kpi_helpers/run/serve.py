"""Serve one client's analysis notebook as a live Voilà dashboard (no code, widgets work).

Voilà 0.5 does not take papermill parameters, and the notebook's parameters cell runs the
demo client. So :func:`client_notebook` writes a copy of the notebook into a work folder with
the ``parameters`` cell replaced by plain literals for this client (built with ``repr`` from
the resolved absolute params path, never from the client's YAML text), and
:func:`serve_command` points ``voila`` at that copy. :func:`serve` runs it until Ctrl-C and
removes the work folder. The params file is validated first, so a broken file fails here
with the usual message instead of as a traceback on the dashboard page.

The CLI calls ``serve(args.client, port=args.port, lang=args.lang, token=args.token, ip=args.ip,
params_dir=args.params)``; ``client`` is a client id (``acme`` → ``params/acme.yaml``) or a path.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kpi_helpers.exceptions import KpiWorkbookError
from kpi_helpers.run.workspace import notebooks_dir

DEFAULT_NOTEBOOK = notebooks_dir() / "03_analysis.ipynb"
DEFAULT_PORT = 8866


def parameters_source(params_file: str | Path, lang: str | None = None) -> str:
    """The replacement parameters cell: literals only (a path string, None/'nl'/'en', True)."""
    return f"params_file = {str(params_file)!r}\nlang = {lang!r}\ninteractive = True\n"


def client_params_file(client: str | Path, params_dir: str | Path = "params") -> Path:
    """The absolute params path for a file path (``params/acme.yaml``) or a client id
    (``acme`` → ``<params_dir>/acme.yaml``), relative to the cwd or a folder above it
    (a bundled demo client is found in the package)."""
    from kpi_helpers.session import find_params_file

    path = Path(client)
    if path.suffix in (".yaml", ".yml") or path.is_file():  # a folder named like the client is not its file
        return find_params_file(path).resolve()
    for suffix in (".yaml", ".yml"):
        try:
            return find_params_file(Path(params_dir) / f"{client}{suffix}").resolve()
        except KpiWorkbookError:
            pass
    raise KpiWorkbookError(
        f"No params file for client {str(client)!r}: expected {Path(params_dir) / f'{client}.yaml'} "
        "(or pass the file's path)."
    )


def _check_client(params_file: str | Path, lang: str | None, params_dir: str | Path = "params") -> Path:
    from kpi_helpers.i18n.formats import check_lang
    from kpi_helpers.spec.params import load_params

    if lang is not None:
        try:
            check_lang(lang)
        except ValueError as error:
            raise KpiWorkbookError(str(error)) from None
    path = client_params_file(params_file, params_dir)
    load_params(path)  # raises ParamsError (a KpiWorkbookError) with the usual message
    return path


def client_notebook(
    params_file: str | Path,
    out_dir: str | Path,
    *,
    lang: str | None = None,
    notebook: str | Path = DEFAULT_NOTEBOOK,
    params_dir: str | Path = "params",
) -> Path:
    """Write ``out_dir/<notebook name>`` with the parameters cell set for this client
    (``params_file``: a path or a client id); outputs of the committed notebook (the demo
    client's) are dropped. Returns the new path."""
    path = _check_client(params_file, lang, params_dir)
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
    nb.get("metadata", {}).pop("widgets", None)
    out = Path(out_dir) / Path(notebook).name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    return out


def serve_command(
    params_file: str | Path,
    port: int = DEFAULT_PORT,
    *,
    work_dir: str | Path | None = None,
    lang: str | None = None,
    token: str | None = None,
    ip: str = "127.0.0.1",
    notebook: str | Path = DEFAULT_NOTEBOOK,
    params_dir: str | Path = "params",
) -> list[str]:
    """The ``voila`` command line serving this client's notebook copy (written into
    ``work_dir``; a new temporary folder when None — the caller removes it).
    ``token`` None: no token (fine on 127.0.0.1); pass one when ``ip`` is reachable by others."""
    if work_dir is None:
        _check_client(params_file, lang, params_dir)  # fail before creating a folder nobody would remove
    work = Path(work_dir) if work_dir is not None else Path(tempfile.mkdtemp(prefix="kpi-serve-"))
    copy = client_notebook(params_file, work, lang=lang, notebook=notebook, params_dir=params_dir)
    return [
        sys.executable,
        "-m",
        "voila",
        str(copy),
        "--no-browser",
        f"--port={int(port)}",
        "--Voila.port_retries=0",
        f"--Voila.ip={ip}",
        f"--Voila.root_dir={work}",
        f"--Voila.token={token or ''}",
        "--strip_sources=True",
        "--show_tracebacks=False",
    ]


def serve(
    params_file: str | Path,
    port: int = DEFAULT_PORT,
    *,
    lang: str | None = None,
    token: str | None = None,
    ip: str = "127.0.0.1",
    notebook: str | Path = DEFAULT_NOTEBOOK,
    params_dir: str | Path = "params",
    **popen: Any,
) -> int:
    """Run Voilà for one client until it stops; Ctrl-C (or SIGTERM/SIGHUP) stops it cleanly
    (its kernel shut down, the work folder removed) and returns 0, else Voilà's exit code.
    Raises :class:`KpiWorkbookError` when the params file is missing or invalid."""
    path = _check_client(params_file, lang, params_dir)
    work = Path(tempfile.mkdtemp(prefix="kpi-serve-"))
    process = None
    restore = _stop_on_signals()
    try:
        cmd = serve_command(path, port, work_dir=work, lang=lang, token=token, ip=ip, notebook=notebook)
        query = f"?token={token}" if token else ""
        print(f"Serving {path.name} at http://{ip}:{port}/{query} — Ctrl-C to stop", file=sys.stderr)
        # own session: Ctrl-C reaches only us, and we stop Voilà with SIGTERM (no shutdown prompt)
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
