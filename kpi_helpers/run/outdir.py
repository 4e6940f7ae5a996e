"""The output folder is the tool's own: marked, locked while a run writes, nothing foreign touched.

* **Marker** `.kpi-workbook` in the output root, written on first use. An existing folder that is
  not empty and has no marker is refused (it holds someone else's files).
* **Client folders** carry `.kpi-workbook-client`; a folder of the same name without it (a client
  id `notes` next to the user's own `notes/`) is never replaced or deleted.
* **index.html / index.json** are overwritten only when they are ours (a generator tag).
* **Lock** `.kpi-workbook.lock` (an advisory `flock`, released by the OS when the process ends,
  also on kill -9): a second run on the same folder exits at once with a clear message.
* **Disk errors** (full disk, read-only folder, no permission) become one clear message instead
  of a traceback, and no half-written file is left behind.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path
from typing import Any

from kpi_helpers.exceptions import BatchError

MARKER = ".kpi-workbook"
CLIENT_MARKER = ".kpi-workbook-client"
LOCK = ".kpi-workbook.lock"
STAGING = ".staging"
GENERATOR = "kpi-workbook"
RUN_ID = re.compile(r"^run-[0-9a-f]{12}$")
MARKER_TEXT = (
    "This folder is written by `kpi-workbook run`. It deletes or replaces only what it wrote itself\n"
    "(folders with a .kpi-workbook-client file, _history/ date folders with a .kpi-workbook-history file,\n"
    "index.html, index.json, alerts.json, plotly.min.js).\n"
)


class OutputFolderError(BatchError):
    """The output folder cannot be used (not ours, locked by another run, full or read-only)."""


def disk_error(path: Path | str, error: OSError) -> str:
    """A sentence a user can act on for an OSError while writing `path`."""
    code = error.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        why = "the disk is full (no space left on device); free some space and run again"
    elif code == errno.EROFS:
        why = "the folder is on a read-only file system; choose another --out"
    elif code in (errno.EACCES, errno.EPERM):
        why = "no permission to write there; choose another --out or fix the folder's permissions"
    else:
        why = f"{error.strerror or error}"
    return f"cannot write {path}: {why}. Reports written earlier are kept."


def is_disk_error(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in (
        errno.ENOSPC,
        getattr(errno, "EDQUOT", -1),
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
    )


def write_atomic(path: Path, text: str) -> Path:
    """Write `path` through a temporary file; on a disk error nothing half-written stays."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as error:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise OutputFolderError(disk_error(path, error)) from None
    return path


def claim(out: Path) -> None:
    """Make `out` ours: create and mark it, or accept it when marked; refuse a foreign non-empty folder."""
    try:
        if out.exists() and not out.is_dir():
            raise OutputFolderError(f"{out} is a file, not a folder; choose another --out")
        if (out / MARKER).is_file():
            _check_own_files(out)
            return
        out.mkdir(parents=True, exist_ok=True)
        if any(out.iterdir()):
            raise OutputFolderError(
                f"{out} already holds files that KPI Workbook did not write (no {MARKER} marker), so it will not "
                f"write there: choose a new or empty folder for --out. (A folder an older version wrote: add an empty "
                f"{MARKER} file to it.)"
            )
        (out / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    except OSError as error:
        raise OutputFolderError(disk_error(out, error)) from None


def _check_own_files(out: Path) -> None:
    for name in ("index.html", "index.json", "alerts.json"):
        path = out / name
        if path.exists() and not is_own_file(path):
            raise OutputFolderError(
                f"{path} was not written by KPI Workbook; it is left untouched: move it away or choose another --out"
            )


def is_own_file(path: Path) -> bool:
    """index.html / index.json written by us carry the generator tag in their first bytes."""
    from kpi_helpers.data.safe_open import read_own_file

    head = read_own_file(path, 600, head=True)  # no symlink, never a FIFO or device
    if head is None:
        return False
    return f'"generator": "{GENERATOR}"'.encode() in head or f'content="{GENERATOR}"'.encode() in head


def owns_folder(folder: Path) -> bool:
    """A client or failed-run folder we may replace: missing, or a real folder holding our marker."""
    if not os.path.lexists(folder):
        return True
    from kpi_helpers.data.safe_open import real_file, real_folder

    return real_folder(folder) and real_file(folder / CLIENT_MARKER)


MANIFEST_BYTES = 1_000_000  # a client folder's marker lists a few dozen files; more is not ours


def mark_client_folder(folder: Path, client: str) -> None:
    """Our marker: the client id, then every file the tool wrote into the folder (so a file someone
    else put there later is seen, and kept: `foreign_files`). Written atomically (full disk)."""
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink())
    write_atomic(folder / CLIENT_MARKER, "\n".join([client, *(n for n in names if n != CLIENT_MARKER)]) + "\n")


def foreign_files(folder: Path) -> list[str]:
    """Files in one of our client folders that its marker does not list: a colleague's notes, never to be
    deleted by the next run. [] for a folder of an older version (its marker lists no files)."""
    marker = folder / CLIENT_MARKER
    try:
        if marker.is_symlink() or marker.stat().st_size > MANIFEST_BYTES:
            return [CLIENT_MARKER]
        listed = marker.read_text(encoding="utf-8", errors="replace").splitlines()[1:]
    except OSError:
        return []
    if not listed:
        return []
    known = {*listed, CLIENT_MARKER}
    found = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink())
    return sorted(name for name in found if name not in known)


def foreign_files_reason(folder: Path, foreign: list[str]) -> str:
    more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
    return (
        f"{folder / foreign[0]}{more} was not written by KPI Workbook; the folder is not replaced so it is not "
        f"lost: move it out of {folder} and run again"
    )


def foreign_folder_reason(out: Path, client: str) -> str:
    return (
        f"{out / client} exists and was not written by KPI Workbook (no {CLIENT_MARKER} in it); it is left "
        f"untouched and this client's report is not published: move that folder away or rename the client"
    )


class RunLock:
    """`with RunLock(out):` — at most one run per output folder; the OS drops the lock with the process."""

    def __init__(self, out: Path):
        self.path = out / LOCK
        self.handle: Any = None

    def __enter__(self) -> RunLock:
        import fcntl
        import stat

        try:  # never through a symlink, never a FIFO or device (the lock file is rewritten below)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise OutputFolderError(
                    f"{self.path} is a symlink, not the lock file KPI Workbook writes; remove it"
                ) from None
            raise OutputFolderError(disk_error(self.path, error)) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise OutputFolderError(
                f"{self.path} is not a regular file, not the lock file KPI Workbook writes; remove it"
            )
        os.set_blocking(fd, True)
        self.handle = os.fdopen(fd, "a+", encoding="utf-8")
        try:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read(64).strip() or "?"
            self.handle.close()
            raise OutputFolderError(
                f"another kpi-workbook run (pid {holder[:12]}) is writing to {self.path.parent}; "
                "wait for it to finish or choose another --out"
            ) from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(str(os.getpid()))
        self.handle.flush()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.handle is not None:
            self.handle.close()  # releases the flock


def new_run_id() -> str:
    return "run-" + os.urandom(6).hex()


def clean_stale_staging(out: Path) -> None:
    """Remove staging folders of earlier runs that were killed (we hold the lock, so none is running)."""
    root = out / STAGING
    if not root.is_dir():
        return
    for entry in root.iterdir():
        if RUN_ID.match(entry.name) and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
    remove_empty(root)


def remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (something that is not ours) or already gone
