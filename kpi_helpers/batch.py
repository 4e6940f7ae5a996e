"""Run the workbook notebooks per client: validated first, clients in parallel, nothing lost.

Why it looks like this (see ../shared/FACTS.md): starting a kernel and importing plotly cost
more than the KPI work, so each client runs its three notebooks on ONE kernel (nbclient with
a kernel manager it does not own; parameters injected with papermill's parameterize step),
and each worker starts the next client's kernel while the current one runs. Notebooks never
rely on each other's variables (nbval runs each alone), and the namespace is reset between
them. Outputs go to a temporary folder that replaces `out/<client>/` only on success.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import sys
import time
import traceback
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kpi_helpers.exceptions import BatchError, KpiWorkbookError

NOTEBOOKS = ("01_goals.ipynb", "02_kpi_pairs.ipynb", "03_analysis.ipynb")
NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
FAILED_DIR = "_failed"  # out/_failed/<client>/: the failing run, kept for inspection
KERNEL_WARMUP = "import kpi_helpers, kpi_helpers.charts, kpi_helpers.engine, kpi_helpers.data"


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
    pdf: bool = False  # also print report.pdf (headless Chromium), see kpi_helpers.pdf


@dataclass
class ClientResult:
    client: str
    status: str  # ok | failed | timed_out | invalid
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
    notes: list[str] = field(default_factory=list)  # e.g. why no PDFs were made

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    @property
    def index(self) -> Path:
        return self.out_dir / "index.html"

    def summary_text(self) -> str:
        good = [r for r in self.results if r.ok]
        lines = [f"{len(good)}/{len(self.results)} client(s) done in {self.seconds:.1f} s", *self.notes]
        for r in self.results:
            if not r.ok:
                lines.append(f"  FAILED {r.client} ({r.status}): {r.params_file}: {r.reason.splitlines()[0] if r.reason else ''}")
        lines.append(f"overview: {self.index}")
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

    @classmethod
    def run(cls, coroutine: Any) -> Any:
        if cls.loop is None:
            cls.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(cls.loop)
            atexit.register(cls.close)
        return cls.loop.run_until_complete(coroutine)

    @classmethod
    async def take(cls, cwd: str) -> Any:
        km, cls.spare = cls.spare, None
        if km is not None and await km.is_alive():
            return km
        await _shutdown(km)
        return await _start_kernel(cwd)

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


async def _start_kernel(cwd: str) -> Any:
    """Start a kernel and send the warm-up imports without waiting: it boots while we work."""
    from jupyter_client.manager import AsyncKernelManager

    km = AsyncKernelManager(kernel_name="python3")
    # Plain values only; the environment tells kpi_helpers it runs headless for a report.
    env = {**os.environ, "KPI_WORKBOOK_BATCH": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    await km.start_kernel(cwd=cwd, env=env, extra_arguments=[
        "--HistoryManager.enabled=False", "--IPKernelApp.log_level=ERROR"])  # no TCP-encryption noise
    kc = km.client()
    kc.start_channels()
    kc.execute(KERNEL_WARMUP, silent=True, store_history=False)
    km._kpi_client = kc  # noqa: SLF001 - keep the client with its kernel
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
    return parameterize_notebook(nb, parameters, kernel_name="python3", language="python")


async def _execute(nb: Any, km: Any, timeout: float, cwd: str) -> None:
    """Run one notebook on `km`; `timeout` bounds the whole notebook, not only one cell."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": cwd}})
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

    from kpi_helpers.params import load_params
    from kpi_helpers.report import client_summary, export_report

    started = time.perf_counter()
    out_root = Path(job.out_dir)
    result = ClientResult(client=job.client, status="failed", params_file=job.params_file)
    staging = out_root / ".staging" / f"{job.client}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    km = None
    current = None
    try:
        config = load_params(job.params_file)
        result.name = config.name
        km = _Kernels.run(_Kernels.take(job.notebooks_dir))
        if job.start_next_kernel:
            _Kernels.run(_Kernels.prepare_next(job.notebooks_dir))
        parameters = {"params_file": job.params_file, "lang": job.lang, "interactive": False}
        executed = []
        for name in job.notebooks:
            current = name
            nb = _prepare(Path(job.notebooks_dir) / name, parameters)
            try:
                _Kernels.run(_execute(nb, km, job.timeout, job.notebooks_dir))
            finally:
                nbformat.write(nb, staging / name)
            executed.append(nb)
            if progress is not None:
                progress.put((job.client, name))
        current = None
        summary = client_summary(config, lang=job.lang)
        summary["run_seconds"] = round(time.perf_counter() - started, 2)
        (staging / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str),
                                              encoding="utf-8")
        export_report(executed, staging / "report.html", config=config, lang=job.lang or config.language,
                      summary=summary)
        if job.pdf:
            from kpi_helpers.pdf import write_pdf
            from kpi_helpers.report import PLOTLY_JS

            write_pdf(staging / "report.html", staging / "report.pdf", plotly_js=out_root / PLOTLY_JS)
        _publish(staging, out_root / job.client)
        result.status, result.summary = "ok", summary
        result.report = f"{job.client}/report.html"
    except (asyncio.TimeoutError, TimeoutError, _CellTimeout):
        result.status = "timed_out"
        result.reason = f"{current}: still running after {job.timeout:g} s; the kernel was stopped"
    except KpiWorkbookError as error:
        result.reason = str(error)
    except Exception as error:  # a raising cell, a dead kernel...: report it, keep the others going
        result.reason = _cell_error_text(error, current)
    finally:
        _Kernels.run(_shutdown(km))
        result.seconds = round(time.perf_counter() - started, 2)
        if result.status != "ok":
            result.failed_notebook = _keep_failed(staging, out_root, job.client, current, result)
        shutil.rmtree(staging, ignore_errors=True)
        if progress is not None and result.status != "ok":
            progress.put((job.client, None))
    return result


try:
    from nbclient.exceptions import CellTimeoutError as _CellTimeout
except ImportError:  # pragma: no cover
    _CellTimeout = TimeoutError


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


def _publish(staging: Path, target: Path) -> None:
    """Swap the new report in; the old one is removed only after the new one is in place."""
    old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def _keep_failed(staging: Path, out_root: Path, client: str, notebook: str | None, result: ClientResult) -> str | None:
    """Move a failed run to out/_failed/<client>/ (with reason.txt); the good report stays untouched."""
    target = out_root / FAILED_DIR / client
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    if staging.exists():
        os.replace(staging, target)
    else:
        target.mkdir()
    (target / "reason.txt").write_text(f"{result.params_file}\n{result.status}: {result.reason}\n", encoding="utf-8")
    if notebook and (target / notebook).exists():
        return f"{FAILED_DIR}/{client}/{notebook}"
    return f"{FAILED_DIR}/{client}/reason.txt"


# ---------------------------------------------------------------- the batch (caller side)

def run_batch(params_dir: str | Path = "params", out_dir: str | Path = "reports", clients: list[str] | None = None,
              workers: int | None = None, timeout: float = 600, lang: str | None = None, dask: str | None = None,
              progress: bool = True, notebooks_dir: str | Path | None = None,
              notebooks: tuple[str, ...] = NOTEBOOKS, pdf: bool = False) -> BatchResult:
    """Validate every client, run the valid ones in parallel, write reports and the overview."""
    from kpi_helpers.report import write_index, write_plotly_js
    from kpi_helpers.validate import check_folder

    started = time.perf_counter()
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    checks = check_folder(params_dir, clients)
    notes = []
    if pdf:
        from kpi_helpers.pdf import pdf_problem

        problem = pdf_problem()
        if problem:
            notes.append(problem)
            pdf = False
    results: list[ClientResult] = []
    jobs: list[ClientJob] = []
    for check in checks:
        if check.ok:
            jobs.append(ClientJob(client=check.client, params_file=str(check.file.resolve()), out_dir=str(out),
                                  timeout=timeout, lang=lang, notebooks=notebooks, pdf=pdf,
                                  notebooks_dir=str(Path(notebooks_dir or NOTEBOOKS_DIR).resolve())))
        else:
            results.append(ClientResult(client=check.client, status="invalid", params_file=str(check.file),
                                        name=check.config.name if check.config else "",
                                        reason="\n".join(check.errors)))
    write_plotly_js(out)
    workers = max(1, min(workers or os.cpu_count() or 1, max(len(jobs), 1)))
    for i, job in enumerate(jobs):
        job.start_next_kernel = i < len(jobs) - workers
    if jobs:
        runner = _run_dask if dask else _run_local
        results.extend(runner(jobs, workers, progress, dask))
    order = {c.client: i for i, c in enumerate(checks)}
    results.sort(key=lambda r: order.get(r.client, 0))
    batch = BatchResult(out_dir=out, results=results, seconds=round(time.perf_counter() - started, 2), notes=notes)
    earlier = _earlier_reports(out, {r.client for r in results}) if clients else []
    write_index(BatchResult(out_dir=out, results=results + earlier, seconds=batch.seconds), lang=lang)
    shutil.rmtree(out / ".staging", ignore_errors=True)
    return batch


def _earlier_reports(out: Path, ran: set[str]) -> list[ClientResult]:
    """Good reports of clients not in this (partial) run, so the overview stays a portfolio."""
    earlier = []
    for summary_file in sorted(out.glob("*/summary.json")):
        client = summary_file.parent.name
        if client in ran or client.startswith((".", "_")):
            continue
        try:
            summary = json.loads(summary_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        earlier.append(ClientResult(client=client, status="ok", params_file="", name=summary.get("name", client),
                                    seconds=float(summary.get("run_seconds") or 0.0), summary=summary,
                                    report=f"{client}/report.html"))
    return earlier


def _bar(total: int, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="notebook", disable=not enabled, file=sys.stderr, desc="clients 0 done")


def _run_local(jobs: list[ClientJob], workers: int | None, progress: bool, _: Any) -> list[ClientResult]:
    import multiprocessing as mp

    context = mp.get_context("spawn")  # no forked zmq/asyncio state in workers
    manager = context.Manager()
    queue = manager.Queue()
    bar = _bar(len(jobs) * len(jobs[0].notebooks), progress)
    results: list[ClientResult] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending = {pool.submit(run_client, job, queue): job for job in jobs}
        while pending:
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            _drain(queue, bar)
            for future in done:
                job = pending.pop(future)
                results.append(_result_of(future, job))
                bar.set_description(f"clients {len(results)}/{len(jobs)} done")
    _drain(queue, bar)
    bar.close()
    manager.shutdown()
    return results


def _drain(queue: Any, bar: Any) -> None:
    import queue as queue_lib

    while True:
        try:
            _, notebook = queue.get_nowait()
        except (queue_lib.Empty, EOFError, OSError):
            return
        if notebook:
            bar.update(1)


def _result_of(future: Any, job: ClientJob) -> ClientResult:
    try:
        return future.result()
    except Exception as error:  # the worker process itself died
        return ClientResult(client=job.client, status="failed", params_file=job.params_file,
                            reason=f"worker crashed: {error}")


def _run_dask(jobs: list[ClientJob], workers: int | None, progress: bool, address: str) -> list[ClientResult]:
    """The same run_client calls on a Dask cluster (`local` starts a LocalCluster)."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise BatchError("--dask needs dask.distributed: pip install 'kpi-workbook[dask]'") from None
    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=max(1, workers or os.cpu_count() or 1), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        futures = {client.submit(run_client, job, pure=False, key=f"kpi-{job.client}-{uuid.uuid4().hex[:6]}"): job
                   for job in jobs}
        bar = _bar(len(jobs), progress)
        results = []
        for future in as_completed(list(futures)):
            results.append(_result_of(future, futures[future]))
            bar.update(1)
        bar.close()
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def result_to_dict(result: ClientResult) -> dict[str, Any]:
    return asdict(result)
