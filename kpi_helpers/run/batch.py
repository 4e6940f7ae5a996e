"""Run the workbook notebooks per client: validated first, clients in parallel, nothing lost.

Why it looks like this (measured on a 2-core machine): starting a kernel and importing plotly cost
more than the KPI work, so each client runs its three notebooks on ONE kernel (nbclient with
a kernel manager it does not own; parameters injected with papermill's parameterize step),
and each worker starts the next client's kernel while the current one runs. Notebooks never
rely on each other's variables (nbval runs each alone), and the namespace is reset between
them. Outputs go to a temporary folder that replaces `out/<client>/` only on success.

Trust and hygiene (issue 16; kpi_helpers.run.outdir for the folder rules): the output folder is
claimed (marker) and locked for the run; a client folder without our marker is never replaced;
staging lives in `.staging/<run id>/` and is removed at the end. Workers ignore SIGINT (the main
process decides), watch their parent and kill their kernels and exit when it is gone (kill -9
of `run`), and do the same on SIGTERM, which the main process sends on Ctrl-C. A kernel that dies
while starting (a port taken by a kernel started at the same moment) is replaced.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nbclient.exceptions import CellTimeoutError as _CellTimeout

from kpi_helpers.exceptions import BatchError, KpiWorkbookError
from kpi_helpers.run.kernel_steps import KERNEL_WARMUP, SUMMARY_FILE, read_summary, report_cells_only, summary_notebook
from kpi_helpers.run.outdir import (
    CLIENT_MARKER,
    STAGING,
    OutputFolderError,
    RunLock,
    claim,
    clean_stale_staging,
    disk_error,
    foreign_files,
    foreign_files_reason,
    foreign_folder_reason,
    is_disk_error,
    mark_client_folder,
    new_run_id,
    owns_folder,
    remove_empty,
    write_atomic,
)
from kpi_helpers.run.workspace import notebooks_dir

NOTEBOOKS = ("01_goals.ipynb", "02_kpi_pairs.ipynb", "03_analysis.ipynb")
NOTEBOOKS_DIR = notebooks_dir()  # inside the package (importlib.resources): works from a wheel install
FAILED_DIR = "_failed"  # out/_failed/<client>/: the failing run, kept for inspection
KERNEL_START_ATTEMPTS = 3  # a kernel that dies at start (port taken at the same moment) is replaced
INTERRUPTED = "interrupted"


@dataclass
class ClientJob:
    client: str
    params_file: str  # absolute path of a validated params file
    out_dir: str  # absolute output root
    timeout: float = 600
    lang: str | None = None
    notebooks_dir: str = str(NOTEBOOKS_DIR)
    notebooks: tuple[str, ...] = NOTEBOOKS
    start_next_kernel: bool = False  # more clients will follow on this worker
    run_id: str = "run-000000000000"  # staging goes to out/.staging/<run_id>/
    pdf: bool = False  # also print report.pdf (headless Chromium), see kpi_helpers.run.pdf
    as_of: str | None = None  # YYYY-MM-DD; None: the end of the client's last complete period (run.history)


@dataclass
class ClientResult:
    client: str
    status: str  # ok | failed | timed_out | invalid | interrupted
    params_file: str
    name: str = ""
    reason: str = ""
    seconds: float = 0.0
    report: str | None = None  # relative to the output root
    failed_notebook: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class BatchResult:
    out_dir: Path
    results: list[ClientResult]
    seconds: float
    interrupted: bool = False  # Ctrl-C / SIGTERM: the clients not done are reported "interrupted"
    notes: list[str] = field(default_factory=list)  # e.g. why no PDFs were made
    alerts: list[dict[str, Any]] = field(default_factory=list)  # kpi_helpers.run.alerts (also alerts.json)

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results) and not self.interrupted

    @property
    def index(self) -> Path:
        return self.out_dir / "index.html"

    def summary_text(self) -> str:
        good = [r for r in self.results if r.ok]
        lines = [f"{len(good)}/{len(self.results)} client(s) done in {self.seconds:.1f} s", *self.notes]
        for r in self.results:
            if not r.ok:
                lines.append(
                    f"  FAILED {r.client} ({r.status}): {r.params_file}: {r.reason.splitlines()[0] if r.reason else ''}"
                )
        if self.alerts:
            lines.append(f"{len(self.alerts)} alert(s): {self.out_dir / 'alerts.json'}")
        lines.append(f"overview: {self.index}")
        if self.interrupted:
            lines.append("interrupted: the clients not done keep their previous report")
        return "\n".join(lines)


# ---------------------------------------------------------------- one client (worker side)


class _Kernels:
    """Per worker process: one event loop for all kernel I/O, and a kernel started ahead.

    Async kernel managers/clients only: a blocking client would block nbclient's event loop in
    `get_msg`, so a hung cell could never be timed out. The loop lives as long as the worker,
    so a spare kernel started during one client's run is still usable for the next.
    """

    loop: asyncio.AbstractEventLoop | None = None
    spare: Any = None
    live: set[Any] = set()  # every kernel this worker started and has not shut down (killed on exit)

    @classmethod
    def run(cls, coroutine: Any) -> Any:
        if cls.loop is None:
            cls.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(cls.loop)
            atexit.register(cls.close)
            atexit.register(_kill_kernels_now)  # whatever ends this process (also a Dask worker), no kernel stays
        return cls.loop.run_until_complete(coroutine)

    @classmethod
    async def take(cls, cwd: str) -> Any:
        """A kernel that answered kernel_info: the spare if it lives, else a new one (retried)."""
        km, cls.spare = cls.spare, None
        for _attempt in range(KERNEL_START_ATTEMPTS):
            if km is None:
                km = await _start_kernel(cwd)
            if await _ready(km):
                return km
            await _shutdown(km)  # died at start, e.g. "Address already in use": new ports, next try
            km = None
        raise BatchError(f"the kernel died while starting, {KERNEL_START_ATTEMPTS} times; see the kernel's log")

    @classmethod
    async def prepare_next(cls, cwd: str) -> None:
        if cls.spare is None:
            try:
                cls.spare = await _start_kernel(cwd)
            except Exception:  # a spare is an optimisation, never a failure
                cls.spare = None

    @classmethod
    def close(cls) -> None:
        if cls.loop is not None and not cls.loop.is_closed():
            cls.loop.run_until_complete(_shutdown(cls.spare))
            cls.spare = None
            cls.loop.close()


async def _ready(km: Any, timeout: float = 120) -> bool:
    """True when the kernel answers; False when it died (wait_for_ready raises RuntimeError then)."""
    try:
        await km._kpi_client.wait_for_ready(timeout=timeout)  # noqa: SLF001
        return True
    except RuntimeError:
        return False


def _kill_kernels_now() -> None:
    """SIGKILL every kernel this worker started (their own process groups: start_new_session)."""
    for km in list(_Kernels.live):
        provisioner = getattr(km, "provisioner", None)
        pid, pgid = getattr(provisioner, "pid", None), getattr(provisioner, "pgid", None)
        try:
            if pgid:
                os.killpg(pgid, signal.SIGKILL)
            elif pid:
                os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    _Kernels.live.clear()


# The connection files of a run's kernels (ports and each kernel's signing key) go into a folder of the
# run's own, removed when the run ends and, after a kill -9, by the next run: nothing piles up in /tmp.
KERNEL_DIR_ENV = "KPI_WORKBOOK_KERNEL_DIR"


def kernel_dir_root() -> Path:
    import tempfile

    return Path(tempfile.gettempdir()) / f"kpi-workbook-kernels-{os.getuid()}"


@contextlib.contextmanager
def run_kernel_dir() -> Iterator[Path | None]:
    """`<tmp>/kpi-workbook-kernels-<uid>/run-<pid>/` for this run's connection files (KERNEL_DIR_ENV, seen
    by the workers), after removing the folders of runs whose process is gone; None when the shared
    folder is not safely ours (then jupyter's own runtime folder is used)."""
    import stat

    root = kernel_dir_root()
    try:
        root.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(root)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise PermissionError(f"{root} is not a private folder of this user")
        for stale in root.glob("run-*"):
            pid = stale.name.removeprefix("run-")
            if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
                shutil.rmtree(stale, ignore_errors=True)
        mine = root / f"run-{os.getpid()}"
        mine.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        yield None
        return
    before = os.environ.get(KERNEL_DIR_ENV)
    os.environ[KERNEL_DIR_ENV] = str(mine)
    try:
        yield mine
    finally:
        if before is None:
            os.environ.pop(KERNEL_DIR_ENV, None)
        else:
            os.environ[KERNEL_DIR_ENV] = before
        shutil.rmtree(mine, ignore_errors=True)


async def _start_kernel(cwd: str) -> Any:
    """Start a kernel and send the warm-up imports without waiting: it boots while we work."""
    from jupyter_client.manager import AsyncKernelManager

    folder = os.environ.get(KERNEL_DIR_ENV)
    if folder and Path(folder).is_dir():  # the run's own folder (run_kernel_dir), not the shared runtime dir
        km = AsyncKernelManager(
            kernel_name="python3", connection_file=str(Path(folder) / f"kernel-{uuid.uuid4()}.json")
        )
    else:
        km = AsyncKernelManager(kernel_name="python3")
    # Plain values only; the environment tells kpi_helpers it runs headless for a report.
    env = {**os.environ, "KPI_WORKBOOK_BATCH": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    # no TCP-encryption noise; the kernel's own stdout/stderr never reach the user's terminal (cell errors
    # come back as messages), so a kernel stopped by Ctrl-C or kill prints no ZMQ traceback there
    await km.start_kernel(
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        extra_arguments=["--HistoryManager.enabled=False", "--IPKernelApp.log_level=ERROR"],
    )
    _Kernels.live.add(km)
    kc = km.client()
    kc.start_channels()
    kc.execute(KERNEL_WARMUP, silent=True, store_history=False)
    km._kpi_client = kc  # type: ignore[attr-defined]  # keep the client with its kernel
    return km


def _prepare(nb_path: Path, parameters: dict[str, Any]) -> Any:
    import nbformat
    from papermill.parameterize import parameterize_notebook

    nb = nbformat.read(nb_path, as_version=4)
    nb.metadata.pop("widgets", None)  # committed widget state belongs to the demo client, not this one
    nb.metadata.setdefault("papermill", {})
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
        cell.metadata.setdefault("papermill", {})
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    report_cells_only(nb)  # cells the report drops are not run at all (kpi_helpers.run.kernel_steps)
    return parameterize_notebook(nb, parameters, kernel_name="python3", language="python")


async def _execute(nb: Any, km: Any, timeout: float, cwd: str) -> None:
    """Run one notebook on `km`; `timeout` bounds the whole notebook, not only one cell."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    client = NotebookClient(
        nb, km=km, timeout=timeout, kernel_name="python3", allow_errors=False, resources={"metadata": {"path": cwd}}
    )
    client.kc = km._kpi_client  # noqa: SLF001
    started = time.monotonic()
    try:
        await asyncio.wait_for(client.async_execute(), timeout=timeout)
    except DeadKernelError:
        # nbclient turns the cancellation by wait_for into DeadKernelError; say what happened
        if time.monotonic() - started >= timeout * 0.99:
            raise TimeoutError from None
        raise
    # the next notebook must not see this one's variables (nbval runs each alone, too)
    km._kpi_client.execute("%reset -f", silent=True, store_history=False)  # noqa: SLF001


def run_client(job: ClientJob, progress: Any = None) -> ClientResult:
    """Execute a client's notebooks on one kernel and publish the report atomically.

    Never raises: every failure becomes a ClientResult with a reason.
    """
    import nbformat

    from kpi_helpers.compute.asof import LAST_COMPLETE
    from kpi_helpers.run.history import previous_summary, publish_with_history, since_last
    from kpi_helpers.run.report import export_report
    from kpi_helpers.spec.params import load_params

    started = time.perf_counter()
    out_root = Path(job.out_dir)
    result = ClientResult(client=job.client, status="failed", params_file=job.params_file)
    staging = out_root / STAGING / job.run_id / f"{job.client}-{uuid.uuid4().hex[:8]}"
    _Worker.staging = staging
    km = None
    current = None
    try:
        staging.mkdir(parents=True)
        config = load_params(job.params_file)
        result.name = config.name
        km = _Kernels.run(_Kernels.take(job.notebooks_dir))
        if job.start_next_kernel:
            _Kernels.run(_Kernels.prepare_next(job.notebooks_dir))
        # The summary first, in the client's kernel: it loads the facts the notebooks then reuse
        # (kpi_helpers.data.cache) and settles the as-of date ("last-complete" needs the data),
        # which the notebooks get as a concrete date.
        requested = job.as_of or LAST_COMPLETE
        current = SUMMARY_FILE
        _Kernels.run(
            _execute(
                summary_notebook(job.params_file, job.lang, staging / SUMMARY_FILE, requested),
                km,
                job.timeout,
                job.notebooks_dir,
            )
        )
        summary = read_summary(staging / SUMMARY_FILE)
        as_of = str(summary["as_of"])
        parameters = {"params_file": job.params_file, "lang": job.lang, "interactive": False, "as_of": as_of}
        executed = []
        for name in job.notebooks:
            current = name
            nb = _prepare(Path(job.notebooks_dir) / name, parameters)
            try:
                _Kernels.run(_execute(nb, km, job.timeout, job.notebooks_dir))
            finally:
                write_atomic(staging / name, nbformat.writes(nb))  # a full disk leaves no 0-byte notebook
            executed.append(nb)
            if progress is not None:
                progress.put((job.client, name))
        current = None
        summary["since_last"] = since_last(summary, previous_summary(out_root, job.client, as_of))
        summary["run_seconds"] = round(time.perf_counter() - started, 2)
        (staging / SUMMARY_FILE).write_text(
            json.dumps(summary, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
        export_report(
            executed, staging / "report.html", config=config, lang=job.lang or config.language, summary=summary
        )
        if job.pdf:
            from kpi_helpers.run.pdf import write_pdf
            from kpi_helpers.run.report import PLOTLY_JS

            write_pdf(staging / "report.html", staging / "report.pdf", plotly_js=out_root / PLOTLY_JS)
        mark_client_folder(staging, job.client)
        report = publish_with_history(staging, out_root, job.client, as_of, _publish)  # also _history/<as_of>/
        result.status, result.summary = "ok", summary
        result.report = report
    except (TimeoutError, _CellTimeout):
        result.status = "timed_out"
        result.reason = f"{current}: still running after {job.timeout:g} s; the kernel was stopped"
    except KpiWorkbookError as error:
        result.reason = str(error)
    except Exception as error:  # a raising cell, a dead kernel...: report it, keep the others going
        result.reason = (
            disk_error(out_root, error)
            if isinstance(error, OSError) and is_disk_error(error)
            else _cell_error_text(error, current)
        )
    finally:
        _Kernels.run(_shutdown(km))
        result.seconds = round(time.perf_counter() - started, 2)
        if result.status != "ok":
            try:
                result.failed_notebook = _keep_failed(staging, out_root, job.client, current, result)
            except OSError:  # a full or read-only disk: the reason is in the overview anyway
                result.failed_notebook = None
        shutil.rmtree(staging, ignore_errors=True)
        _Worker.staging = None
        if progress is not None and result.status != "ok":
            progress.put((job.client, None))
    return result


def _cell_error_text(error: Exception, notebook: str | None) -> str:
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    where = f"{notebook}: " if notebook else ""
    if isinstance(error, CellExecutionError):
        return where + f"cell raised {error.ename}: {error.evalue}"
    if isinstance(error, DeadKernelError):
        return where + "the kernel died (out of memory?)"
    return where + "".join(traceback.format_exception_only(type(error), error)).strip()


async def _shutdown(km: Any) -> None:
    """Kill the kernel outright: its namespace is thrown away anyway, a polite shutdown costs 0.5 s."""
    if km is None:
        return
    try:
        km._kpi_client.stop_channels()  # noqa: SLF001
        await km.shutdown_kernel(now=True)
    except Exception:
        pass
    _Kernels.live.discard(km)


def _publish(staging: Path, target: Path, out_root: Path) -> None:
    """Swap the new report in; the old one is removed only after the new one is in place.

    Only a folder we wrote (our marker in it) is replaced; the worker's exit paths wait for this.
    """
    with _Worker.publishing:
        if not owns_folder(target):
            raise OutputFolderError(foreign_folder_reason(out_root, target.name))
        foreign = foreign_files(target) if target.exists() else []
        if foreign:  # a colleague's file in reports/<client>/: refused, never deleted with the old report
            raise OutputFolderError(foreign_files_reason(target, foreign))
        old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)


def _keep_failed(staging: Path, out_root: Path, client: str, notebook: str | None, result: ClientResult) -> str | None:
    """Move a failed run to out/_failed/<client>/ (with reason.txt); the good report stays untouched."""
    target = out_root / FAILED_DIR / client
    if not owns_folder(target) or (target.exists() and foreign_files(target)):
        return None  # something we did not write (or a file someone added): leave it
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    if staging.exists():
        os.replace(staging, target)
    else:
        target.mkdir()
    for path in target.iterdir():  # what a full disk cut short (0 bytes, temporary files) is no evidence
        if path.is_file() and (path.stat().st_size == 0 or ".tmp-" in path.name):
            path.unlink()
    try:
        write_atomic(target / "reason.txt", f"{result.params_file}\n{result.status}: {result.reason}\n")
        mark_client_folder(target, client)  # last: it lists the files written
    except OutputFolderError:  # the disk is full: the reason is in the index; no half-written file stays
        if not (target / CLIENT_MARKER).is_file():
            shutil.rmtree(target, ignore_errors=True)
        return None
    if notebook and (target / notebook).exists():
        return f"{FAILED_DIR}/{client}/{notebook}"
    return f"{FAILED_DIR}/{client}/reason.txt"


# ---------------------------------------------------------------- worker lifecycle (process hygiene)


class _Worker:
    """Per worker process: its progress queue, the staging folder in use, and the exit path."""

    progress: Any = None
    staging: Path | None = None
    publishing = threading.Lock()  # held while a report is swapped in; exits wait for it
    parent_pid: int | None = None


def _worker_init(parent_pid: int, progress: Any, stop: Any) -> None:
    """ProcessPoolExecutor initializer: Ctrl-C is the main process's business; die with the parent.

    SIGINT is blocked (not just ignored: nbclient installs and then removes loop signal handlers
    around every notebook, which restores the default handler); the main process asks a worker
    to stop through `stop` (a multiprocessing Event), not through a signal.
    """
    _Worker.parent_pid, _Worker.progress = parent_pid, progress
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    threading.Thread(target=_watch_parent, args=(parent_pid, stop), daemon=True, name="kpi-watch-parent").start()
    if progress is not None:
        progress.put(("worker", os.getpid()))


def _watch_parent(parent_pid: int, stop: Any, every: float = 0.25) -> None:
    """Exit (killing this worker's kernels) when the run says stop, or when the main process is gone
    (kill -9: this worker is re-parented)."""
    while True:
        if (stop is not None and stop.wait(every)) or os.getppid() != parent_pid:
            _exit_worker()
        if stop is None:
            time.sleep(every)


def _exit_worker() -> None:
    """Kill this worker's kernels, drop its staging folder and exit at once (never mid-publish)."""
    _Worker.publishing.acquire(timeout=30)
    try:  # from here on this process says nothing: the run reports "interrupted" for it
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    except OSError:
        pass
    _kill_kernels_now()
    staging = _Worker.staging
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
        remove_empty(staging.parent)
        remove_empty(staging.parent.parent)
    os._exit(1)


def _run_client_in_worker(job: ClientJob) -> ClientResult:
    return run_client(job, _Worker.progress)


# ---------------------------------------------------------------- the batch (caller side)


def run_batch(
    params_dir: str | Path = "params",
    out_dir: str | Path = "reports",
    clients: list[str] | None = None,
    workers: int | None = None,
    timeout: float = 600,
    lang: str | None = None,
    dask: str | None = None,
    progress: bool = True,
    notebooks_dir: str | Path | None = None,
    notebooks: tuple[str, ...] = NOTEBOOKS,
    pdf: bool = False,
    as_of: str | None = None,
) -> BatchResult:
    """Validate every client, run the valid ones in parallel, write reports and the overview.

    The output folder is claimed and locked first (kpi_helpers.run.outdir); Ctrl-C (or SIGTERM)
    stops the workers and their kernels, keeps every report written so far and returns a
    result with `interrupted=True`.
    """
    from kpi_helpers.compute.asof import check_not_future, parse_as_of
    from kpi_helpers.run.validate import check_files, params_files_for, skipped_notices

    started = time.perf_counter()
    as_of = check_not_future(parse_as_of(as_of)).isoformat() if as_of is not None else None  # before any write
    out = Path(out_dir).absolute()
    from kpi_helpers.run.branding import page_branding

    files = params_files_for(params_dir, clients)
    # The workers start first and check the clients' data in parallel (reading it is most of a check),
    # so they are warm when the runs begin. Checking only reads; nothing is written for a folder we refuse.
    workers_wanted = max(1, min(workers or os.cpu_count() or 1, len(files)))
    with run_kernel_dir(), _StopSignals(), contextlib.nullcontext() if dask else _LocalPool(workers_wanted) as pool:
        checks = check_files(files, pool.map if pool else map, as_of=as_of)  # the run's report date
        if _STOP.is_set():
            raise KeyboardInterrupt
        brand = page_branding(params_dir)  # a bad name, logo or colour in _agency.yaml stops the run here
        claim(out)
        from kpi_helpers.run.history import history_warnings

        # a file that is not read is said, never silent; symlinks in reports/ are ignored: say so
        notes: list[str] = [*skipped_notices(params_dir), *history_warnings(out)]
        if pdf:  # a missing browser is a note, not a failure: the HTML reports are made all the same
            from kpi_helpers.run.pdf import pdf_problem

            problem = pdf_problem()
            if problem:
                notes.append(problem)
                pdf = False
        with RunLock(out):
            clean_stale_staging(out)
            run_id = new_run_id()
            try:
                return _run_locked(
                    checks,
                    out,
                    run_id,
                    started,
                    pool=pool,
                    workers=workers,
                    clients=clients,
                    timeout=timeout,
                    lang=lang,
                    dask=dask,
                    progress=progress,
                    notebooks=notebooks,
                    notebooks_dir=str(Path(notebooks_dir or NOTEBOOKS_DIR).resolve()),
                    pdf=pdf,
                    notes=notes,
                    as_of=as_of,
                    brand=brand,
                )
            finally:
                shutil.rmtree(out / STAGING / run_id, ignore_errors=True)
                remove_empty(out / STAGING)


def _run_locked(
    checks: list[Any],
    out: Path,
    run_id: str,
    started: float,
    *,
    pool: _LocalPool | None,
    clients: list[str] | None,
    workers: int | None,
    timeout: float,
    lang: str | None,
    dask: str | None,
    progress: bool,
    notebooks: tuple[str, ...],
    notebooks_dir: str,
    pdf: bool = False,
    notes: list[str] | None = None,
    as_of: str | None = None,
    brand: Any = None,
) -> BatchResult:
    from kpi_helpers.run.alerts import alerts_html, batch_alerts, write_alerts
    from kpi_helpers.run.history import index_history_html
    from kpi_helpers.run.report import index_language, write_index, write_plotly_js

    results: list[ClientResult] = []
    jobs: list[ClientJob] = []
    for check in checks:
        if not check.ok:
            results.append(
                ClientResult(
                    client=check.client,
                    status="invalid",
                    params_file=str(check.file),
                    name=check.config.name if check.config else "",
                    reason="\n".join(check.errors),
                )
            )
        elif not owns_folder(out / check.client):
            results.append(
                ClientResult(
                    client=check.client,
                    status="failed",
                    params_file=str(check.file),
                    name=check.config.name if check.config else "",
                    reason=foreign_folder_reason(out, check.client),
                )
            )
        else:
            jobs.append(
                ClientJob(
                    client=check.client,
                    params_file=str(check.file.resolve()),
                    out_dir=str(out),
                    timeout=timeout,
                    lang=lang,
                    notebooks=notebooks,
                    notebooks_dir=notebooks_dir,
                    run_id=run_id,
                    pdf=pdf,
                    as_of=as_of,
                )
            )
    try:
        write_plotly_js(out)
    except OSError as error:
        raise OutputFolderError(disk_error(out, error)) from None
    workers = pool.workers if pool is not None else max(1, min(workers or os.cpu_count() or 1, max(len(jobs), 1)))
    for i, job in enumerate(jobs):
        job.start_next_kernel = i < len(jobs) - workers
    interrupted = False
    if jobs:
        if pool is not None:
            done, interrupted = pool.run(jobs, progress)
        else:
            done, interrupted = _run_dask(jobs, workers, progress, dask or "local")
        results.extend(done)
    interrupted = interrupted or _STOP.is_set()
    order = {c.client: i for i, c in enumerate(checks)}
    results.sort(key=lambda r: order.get(r.client, 0))
    batch = BatchResult(
        out_dir=out,
        results=results,
        seconds=round(time.perf_counter() - started, 2),
        interrupted=interrupted,
        notes=list(notes or []),
    )
    earlier = _earlier_reports(out, {r.client for r in results}) if clients else []
    batch.alerts = batch_alerts([r.summary for r in results if r.ok])  # this run's clients only
    write_alerts(out, batch.alerts)
    portfolio = BatchResult(out_dir=out, results=results + earlier, seconds=batch.seconds)
    index_lang = index_language(portfolio, lang, brand)
    sections = alerts_html(batch.alerts, index_lang), index_history_html(portfolio.results, out, index_lang)
    write_index(portfolio, lang=index_lang, sections=sections, brand=brand)
    return batch


_STOP = threading.Event()  # set by Ctrl-C / SIGTERM while a batch runs; the loops check it


class _StopSignals:
    """While the batch runs, SIGINT (Ctrl-C) and SIGTERM only set `_STOP`: no exception is raised
    inside the pool's bookkeeping (a KeyboardInterrupt there can leave its locks held); the
    waiting loops see the flag within 0.2 s and stop the workers (only from the main thread)."""

    def __enter__(self) -> None:
        _STOP.clear()
        self.previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self.previous[signum] = signal.signal(signum, lambda *_: _STOP.set())

    def __exit__(self, *exc: Any) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def _earlier_reports(out: Path, ran: set[str]) -> list[ClientResult]:
    """Good reports of clients not in this (partial) run, so the overview stays a portfolio."""
    earlier = []
    from kpi_helpers.run.history import read_report_summary

    for summary_file in sorted(out.glob("*/summary.json")):
        client = summary_file.parent.name
        if client in ran or client.startswith((".", "_")) or not owns_folder(summary_file.parent):
            continue
        summary = read_report_summary(summary_file)  # bounded, regular file, no symlink (kpi_helpers.data.safe_open)
        if summary is None:
            continue
        earlier.append(
            ClientResult(
                client=client,
                status="ok",
                params_file="",
                name=summary.get("name", client),
                seconds=float(summary.get("run_seconds") or 0.0),
                summary=summary,
                report=f"{client}/report.html",
            )
        )
    return earlier


def _bar(total: int, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="notebook", disable=not enabled, file=sys.stderr, desc="clients 0 done")


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Workers are spawned inside this: they inherit the blocked SIGINT, so a Ctrl-C (sent to the whole
    process group) cannot kill one while it is still importing, before `_worker_init` runs. Here the
    signal is only held back: it reaches our handler (`_STOP`) when the block ends."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class _LocalPool:
    """The worker processes of one run (spawned: no forked zmq/asyncio state in them).

    No multiprocessing Manager (one more process to orphan): the progress queue reaches the
    workers through the pool's initializer, which also makes them ignore SIGINT and watch us.
    Started before the clients are checked, so the checks run on the workers in parallel.
    """

    def __init__(self, workers: int) -> None:
        import multiprocessing as mp

        context = mp.get_context("spawn")
        self.workers = workers
        self.queue, self.stop = context.Queue(), context.Event()
        self.worker_pids: set[int] = set()  # for diagnostics; stopping goes through `stop`
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_worker_init,
            initargs=(os.getpid(), self.queue, self.stop),
        )

    def __enter__(self) -> _LocalPool:
        return self

    def __exit__(self, error_type: Any, *_: Any) -> None:
        # an error (refused folder, lock held) or Ctrl-C stops the workers now; else they finish
        self.close(interrupted=error_type is not None or _STOP.is_set())

    def map(self, function: Any, items: list[Any]) -> list[Any]:
        """`function` over `items` on the workers, results in order; Ctrl-C (`_STOP`) raises
        KeyboardInterrupt here, in our code, never inside the pool's bookkeeping."""
        with _sigint_blocked():
            futures = [self.pool.submit(function, item) for item in items]
        while not _STOP.is_set():
            _, pending = wait(futures, timeout=0.2)
            if not pending:
                return [future.result() for future in futures]
        raise KeyboardInterrupt

    def run(self, jobs: list[ClientJob], progress: bool) -> tuple[list[ClientResult], bool]:
        """Clients on the workers; (results, interrupted)."""
        bar = _bar(len(jobs) * len(jobs[0].notebooks), progress)
        results: list[ClientResult] = []
        with _sigint_blocked():
            pending = {self.pool.submit(_run_client_in_worker, job): job for job in jobs}
        try:
            while pending and not _STOP.is_set():
                done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                _drain(self.queue, bar, self.worker_pids)
                for future in done:
                    job = pending.pop(future)
                    results.append(_result_of(future, job))
                    bar.set_description(f"clients {len(results)}/{len(jobs)} done")
            if not pending:
                _drain(self.queue, bar, self.worker_pids)
                return results, False
            self.close(interrupted=True)
            for future, job in pending.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    results.append(future.result())  # finished in the last moment: keep it
                else:
                    results.append(
                        ClientResult(
                            client=job.client,
                            status=INTERRUPTED,
                            params_file=job.params_file,
                            reason="interrupted (Ctrl-C) before this client finished; its previous report is kept",
                        )
                    )
            return results, True
        finally:
            bar.close()

    def close(self, interrupted: bool = False) -> None:
        """Let the workers finish (normal end) or stop them now: each kills its kernels, removes its
        staging folder and exits. Safe to call twice."""
        from concurrent.futures.process import BrokenProcessPool

        if self.pool is None:
            return
        if interrupted:
            self.stop.set()
        try:
            self.pool.shutdown(wait=True, cancel_futures=interrupted)
        except BrokenProcessPool:
            pass
        self.pool = None  # type: ignore[assignment]
        self.queue.close()


def _drain(queue: Any, bar: Any, worker_pids: set[int] | None = None) -> None:
    import queue as queue_lib

    while True:
        try:
            kind, notebook = queue.get_nowait()
        except (queue_lib.Empty, EOFError, OSError, ValueError):
            return
        if kind == "worker":
            if worker_pids is not None:
                worker_pids.add(int(notebook))
        elif notebook:
            bar.update(1)


def _result_of(future: Any, job: ClientJob) -> ClientResult:
    try:
        return future.result()
    except Exception as error:  # the worker process itself died
        return ClientResult(
            client=job.client, status="failed", params_file=job.params_file, reason=f"worker crashed: {error}"
        )


def _run_dask(
    jobs: list[ClientJob], workers: int | None, progress: bool, address: str
) -> tuple[list[ClientResult], bool]:
    """The same run_client calls on a Dask cluster (`local` starts a LocalCluster)."""
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import wait as dask_wait
    except ImportError:
        raise BatchError("--dask needs dask.distributed: pip install 'kpi-workbook[dask]'") from None
    cluster = None
    if address == "local":
        cluster = LocalCluster(
            n_workers=max(1, workers or os.cpu_count() or 1),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        futures = {
            client.submit(run_client, job, pure=False, key=f"kpi-{job.client}-{uuid.uuid4().hex[:6]}"): job
            for job in jobs
        }
        bar = _bar(len(jobs), progress)
        results: list[ClientResult] = []
        try:
            pending = set(futures)
            while pending and not _STOP.is_set():
                try:
                    done, pending = dask_wait(list(pending), timeout=0.5, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    continue
                for future in done:
                    results.append(_result_of(future, futures[future]))
                    bar.update(1)
            if pending:
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            done = {r.client for r in results}
            client.cancel(list(futures))
            results += [
                ClientResult(
                    client=job.client,
                    status=INTERRUPTED,
                    params_file=job.params_file,
                    reason="interrupted (Ctrl-C) before this client finished; its previous report is kept",
                )
                for job in jobs
                if job.client not in done
            ]
            return results, True
        finally:
            bar.close()
        return results, False
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def result_to_dict(result: ClientResult) -> dict[str, Any]:
    return asdict(result)
