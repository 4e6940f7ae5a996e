"""Process helpers for the batch hygiene cases (kill -9, Ctrl-C, concurrent runs): /proc only, no psutil."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

FIXTURE_NOTEBOOKS = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state letter) of a live process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = text[text.rindex(")") + 2 :].split()
    return int(rest[1]), rest[0]


def alive(pid: int) -> bool:
    found = _stat(pid)
    return found is not None and found[1] not in ("Z", "X")  # a zombie has ended; only its entry is left


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (children, their children, ...)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            found = _stat(int(entry))
            if found and found[1] not in ("Z", "X"):
                parents.setdefault(found[0], []).append(int(entry))
    out, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def kernels_below(pid: int) -> set[int]:
    return {p for p in descendants(pid) if "ipykernel" in cmdline(p)}


def wait_for(condition: Callable[[], bool], timeout: float, every: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def start_run(params: Path, out: Path, workers: int = 2, timeout: int = 120) -> subprocess.Popen:
    """`kpi-workbook run` (through cli.main, with the fixture notebooks) in its own session and process group."""
    script = (
        "import functools, sys\n"
        "import kpi_helpers.run.batch as batch\n"
        f"batch.run_batch = functools.partial(batch.run_batch, notebooks_dir={str(FIXTURE_NOTEBOOKS)!r})\n"
        "from kpi_helpers.run.cli import main\n"
        f"sys.exit(main(['run', '--params', {str(params)!r}, '--out', {str(out)!r}, '--workers', '{workers}',"
        f" '--timeout', '{timeout}', '--quiet']))\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
