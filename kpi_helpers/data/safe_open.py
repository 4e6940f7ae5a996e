"""Opening a file someone else controls: once, without following symlinks, bounded while reading.

Every client data file, and every file the tool reads back from its own reports folder, is opened
exactly once through here; the readers then parse that descriptor and never open the path again,
so a symlink or file swapped between a check and a read cannot redirect the read (issue 21):

* inside a client's data folder every path component is opened relative to the folder's
  descriptor with O_NOFOLLOW (a symlinked file or subfolder is refused), and the client's folder
  itself must be a real folder (not a symlink) in the data root (`confine`, `open_data_file`);
* the descriptor must be a regular file (fstat: no FIFO, device or socket; the open never blocks),
  have one link (a hard link to another client's file is refused) and at most `max_bytes`;
* globs match names by listing the folders' descriptors (`match_files`); every match goes through
  the same open, and the files of one source count together against the byte limit;
* decompressed (.gz, .bz2, .xz) and CSV text is counted while it streams (`BoundedReader`):
  uncompressed bytes and the length of one line; a read given up by its timeout (`cancel_reads`)
  stops at its next chunk instead of growing on in a thread nobody waits for.

Messages name the path as the user wrote it and the rule, never anything read from the file.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import fnmatch
import io
import os
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from kpi_helpers.spec.safeyaml import file_kind

MAX_LINE_BYTES = 4 * 1024 * 1024  # one CSV line longer than 4 MiB is no export row; it is a bomb or binary data
READ_CHUNK = 1024 * 1024  # bytes per read when counting a stream
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz")  # decompressed here, streaming and bounded
REFUSED_COMPRESSION = (".zip", ".zst", ".tar")  # pandas would unpack these unbounded: refused

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once (then fstat refuses it) instead of waiting
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class FileRefused(Exception):
    """A file the rules do not allow to be read; the message says why (never the file's content)."""


class ReadLimit(Exception):
    """A bounded read hit its limit while streaming."""


# ---------------------------------------------------------------- where a client's files may be


_CONFINED: contextvars.ContextVar[Path | None] = contextvars.ContextVar("kpi_confined_folder", default=None)
_CANCEL: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar("kpi_read_cancel", default=None)


@contextlib.contextmanager
def confine(folder: Path | None) -> Iterator[None]:
    """While the block runs, data files are opened only inside `folder` (a client's data folder)."""
    token = _CONFINED.set(Path(os.path.normpath(Path(folder).absolute())) if folder is not None else None)
    try:
        yield
    finally:
        _CONFINED.reset(token)


def confined_folder() -> Path | None:
    return _CONFINED.get()


@contextlib.contextmanager
def cancel_reads(event: threading.Event) -> Iterator[None]:
    """Bounded reads in this block stop (ReadLimit) at their next chunk once `event` is set."""
    token = _CANCEL.set(event)
    try:
        yield
    finally:
        _CANCEL.reset(token)


def _check_cancelled() -> None:
    event = _CANCEL.get()
    if event is not None and event.is_set():
        raise ReadLimit("the read was given up (it took longer than `limits.read_seconds`)")


def _open_folder(folder: Path) -> int:
    """A descriptor of a client's data folder: its parent (the data root) may be any folder the agency
    chose, the client's folder itself must be a real folder, not a symlink."""
    parent = os.open(folder.parent, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        return os.open(folder.name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=parent)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(folder):
            raise FileRefused(
                f"refused: the client's data folder {folder.name}/ is a symlink; it must be a real folder "
                "in the data root (a symlink could lead to another client's data)"
            ) from None
        if error.errno == errno.ENOTDIR:
            raise FileRefused(f"refused: the client's data folder {folder.name} is not a folder") from None
        raise
    finally:
        os.close(parent)


def _inside(path: Path, folder: Path) -> tuple[str, ...]:
    """`path`'s parts below `folder` (lexically); FileRefused when it is not below it."""
    absolute = Path(os.path.normpath(Path(path).absolute()))
    try:
        parts = absolute.relative_to(folder).parts
    except ValueError:
        raise FileRefused("refused: the path leads outside the client's data folder") from None
    if not parts or ".." in parts:
        raise FileRefused("refused: the path leads outside the client's data folder")
    return parts


def _symlink_refusal(name: str, folder: bool) -> FileRefused:
    what = "subfolder" if folder else "file"
    return FileRefused(
        f"refused: {name} is a symlink; a client's data {what} must be a real {what} inside its own folder "
        "(a symlink could lead outside the client's data folder, to another client's data)"
    )


def _open_below(folder: Path, parts: tuple[str, ...]) -> int:
    """Open folder/parts[0]/.../parts[-1] component by component, never following a symlink."""
    current = _open_folder(folder)
    try:
        for index, name in enumerate(parts):
            last = index == len(parts) - 1
            flags = os.O_RDONLY | _NOFOLLOW | _CLOEXEC | (_NONBLOCK if last else _DIRECTORY)
            try:
                opened = os.open(name, flags, dir_fd=current)
            except OSError as error:
                shown = "/".join(parts[: index + 1])
                if error.errno == errno.ELOOP or (error.errno == errno.ENOTDIR and _is_link(name, current)):
                    raise _symlink_refusal(shown, folder=not last) from None
                if error.errno == errno.ENOENT:
                    raise FileNotFoundError(errno.ENOENT, "not found", shown) from None
                raise
            os.close(current)
            current = opened
        return current
    except BaseException:
        os.close(current)
        raise


def _is_link(name: str, dir_fd: int) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(name, dir_fd=dir_fd).st_mode)
    except OSError:
        return False


# ---------------------------------------------------------------- one opened file


def _kind(mode: int) -> str:
    """What a refused non-regular file is, in the words the params checks use (safeyaml.file_kind)."""
    return "a folder" if stat.S_ISDIR(mode) else file_kind(mode) or "not a regular file"


@dataclass
class OpenedFile:
    """A file opened once: `path` for names in messages, `fd` for every read, `size` from fstat."""

    path: Path
    fd: int
    size: int

    def binary(self) -> BinaryIO:
        """The raw bytes from the start, through a duplicate of the one descriptor (no new open)."""
        _check_cancelled()
        handle = os.fdopen(os.dup(self.fd), "rb")
        handle.seek(0)
        return handle

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> OpenedFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_data_file(path: Path, max_bytes: int, confined: bool = True) -> OpenedFile:
    """Open a data file once and check its descriptor: a regular file, one link, at most `max_bytes`.

    Inside a confined client folder (`confine`) no path component may be a symlink and the file must
    lie in that folder; outside one (a config built in code, bundled demo data) symlinks are followed
    but the descriptor is checked the same way. FileNotFoundError when the file is missing."""
    folder = _CONFINED.get() if confined else None
    _check_cancelled()
    if folder is not None:
        fd = _open_below(folder, _inside(path, folder))
    else:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"refused: it is {_kind(info.st_mode)}, not a regular file")
        if folder is not None and info.st_nlink != 1:
            raise FileRefused(
                f"refused: the file has {info.st_nlink} names (hard links); a hard link can be another client's "
                "file, so copy the file into the client's folder instead of linking it"
            )
        if info.st_size > max_bytes:
            raise FileRefused(
                f"the file is {info.st_size:,} bytes, more than the limit of {max_bytes:,} "
                "(`limits.data_bytes` in params/_agency.yaml)"
            )
        os.set_blocking(fd, True)
        return OpenedFile(Path(path), fd, info.st_size)
    except BaseException:
        os.close(fd)
        raise


def match_files(pattern: Path) -> list[Path]:
    """The regular files a glob pattern matches, in name order, found by listing folders (no symlink followed
    inside a confined client folder: a symlinked match is refused, FileRefused naming it)."""
    folder = _CONFINED.get()
    if folder is None:
        import glob

        return sorted(Path(p) for p in glob.glob(str(pattern)) if Path(p).is_file())
    parts = _inside(pattern, folder)
    found: list[Path] = []
    _walk(folder, (), parts, found)
    return sorted(found)


def _walk(folder: Path, done: tuple[str, ...], rest: tuple[str, ...], found: list[Path]) -> None:
    fd = _open_below(folder, done) if done else _open_folder(folder)
    try:
        name, more = rest[0], rest[1:]
        if not set(name) & set("*?["):
            entries = [name] if _lexists(name, fd) else []
        else:
            hidden = name.startswith(".")
            entries = sorted(e for e in os.listdir(fd) if fnmatch.fnmatchcase(e, name) and (hidden or e[0] != "."))
        for entry in entries:
            info = os.lstat(entry, dir_fd=fd)
            shown = "/".join((*done, entry))
            if stat.S_ISLNK(info.st_mode):
                raise _symlink_refusal(shown, folder=bool(more))
            if more:
                if stat.S_ISDIR(info.st_mode):
                    _walk(folder, (*done, entry), more, found)
            elif not stat.S_ISDIR(info.st_mode):
                found.append(folder.joinpath(*done, entry))  # FIFOs and devices are refused when opened
    finally:
        os.close(fd)


def _lexists(name: str, dir_fd: int) -> bool:
    try:
        os.lstat(name, dir_fd=dir_fd)
    except OSError:
        return False
    return True


# ---------------------------------------------------------------- bounded streams


class BoundedReader(io.RawIOBase):
    """A binary stream that stops (ReadLimit) after `max_bytes`, or at a line longer than `max_line`."""

    def __init__(self, inner: BinaryIO, max_bytes: int, max_line: int | None, what: str):
        super().__init__()
        self.inner, self.max_bytes, self.max_line, self.what = inner, max_bytes, max_line, what
        self.total = 0
        self.line = 0  # bytes since the last newline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        _check_cancelled()
        view = memoryview(buffer).cast("B")
        data = self.inner.read(min(len(view), READ_CHUNK))
        if not data:
            return 0
        self.total += len(data)
        if self.total > self.max_bytes:
            raise ReadLimit(
                f"stopped reading: {self.what} holds more than {self.max_bytes:,} bytes "
                "(`limits.data_bytes` in params/_agency.yaml)"
            )
        if self.max_line is not None:
            first = data.find(b"\n")
            if first < 0:
                self.line += len(data)
                longest = self.line
            else:  # the line that ends here, lines wholly inside the chunk (only when one could be too long), the rest
                longest = self.line + first
                if len(data) > self.max_line:
                    longest = max(longest, *map(len, data[first + 1 :].split(b"\n")))
                self.line = len(data) - data.rfind(b"\n") - 1
            if max(longest, self.line) > self.max_line:
                raise ReadLimit(
                    f"stopped reading: a line is longer than {self.max_line:,} bytes (no export has such lines; "
                    "is it really a CSV file?)"
                )
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.inner.close()
        super().close()


def compression_of(path: Path) -> str | None:
    name = path.name.lower()
    return next((s for s in (*COMPRESSED_SUFFIXES, *REFUSED_COMPRESSION) if name.endswith(s)), None)


def decompressed(opened: OpenedFile, max_bytes: int, max_line: int | None) -> BinaryIO:
    """The file's (decompressed) bytes from the start, counted: at most `max_bytes`, lines at most `max_line`."""
    raw: Any = opened.binary()
    suffix = compression_of(opened.path)
    if suffix in REFUSED_COMPRESSION:
        raw.close()
        raise FileRefused(f"refused: {suffix} files are not read; unpack it and name the CSV file in `source`")
    if suffix == ".gz":
        import gzip

        raw = gzip.GzipFile(fileobj=raw, mode="rb")
    elif suffix == ".bz2":
        import bz2

        raw = bz2.BZ2File(raw, mode="rb")
    elif suffix == ".xz":
        import lzma

        raw = lzma.LZMAFile(raw, mode="rb")
    what = "the unpacked file" if suffix else "the file"
    return io.BufferedReader(BoundedReader(raw, max_bytes, max_line, what), buffer_size=READ_CHUNK)


# ---------------------------------------------------------------- files the tool wrote itself


def read_own_file(path: Path, max_bytes: int, head: bool = False) -> bytes | None:
    """A file from the reports folder: None unless it is a regular file (no symlink followed for the
    file itself, a FIFO or device never opened for reading) of at most `max_bytes`; `head`: its first
    `max_bytes`, whatever its size."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (info.st_size > max_bytes and not head):
            return None
        os.set_blocking(fd, True)
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(READ_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        data = b"".join(chunks)
        if head:
            return data[:max_bytes]
        return None if total > max_bytes else data
    except OSError:
        return None
    finally:
        os.close(fd)


def real_folder(path: Path) -> bool:
    """A folder that is not a symlink (lstat)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def real_file(path: Path) -> bool:
    """A regular file that is not a symlink (lstat)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
