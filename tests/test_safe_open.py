"""kpi_helpers.data.safe_open: one open per file, checked on the descriptor, bounded while streaming."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pytest

from kpi_helpers.data.safe_open import (
    BoundedReader,
    FileRefused,
    ReadLimit,
    cancel_reads,
    confine,
    match_files,
    open_data_file,
    read_own_file,
)


class _Endless(io.RawIOBase):
    """Zeros for ever, slowly enough that a reader thread is still busy when the timeout strikes."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 - io protocol
        time.sleep(0.001)
        view = memoryview(buffer).cast("B")
        view[:] = bytes(len(view))
        return len(view)


def test_a_given_up_read_stops_at_its_next_chunk() -> None:
    given_up, errors = threading.Event(), []

    def read() -> None:
        with cancel_reads(given_up):
            stream = BoundedReader(_Endless(), max_bytes=1 << 62, max_line=None, what="the file")
            try:
                while stream.read(1 << 16):
                    pass
            except ReadLimit as error:
                errors.append(str(error))

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(timeout=0.2)
    assert worker.is_alive()  # still reading: the stream never ends
    given_up.set()
    worker.join(timeout=30)
    assert not worker.is_alive() and errors and "given up" in errors[0]


def test_bounded_reader_counts_bytes_and_line_length() -> None:
    with pytest.raises(ReadLimit, match="more than 10 bytes"):
        BoundedReader(io.BytesIO(b"a\n" * 10), max_bytes=10, max_line=None, what="the file").read()
    with pytest.raises(ReadLimit, match="a line is longer than 5 bytes"):
        BoundedReader(io.BytesIO(b"ab\nabcdefgh\n"), max_bytes=100, max_line=5, what="the file").read()
    assert BoundedReader(io.BytesIO(b"ab\nabcd\n"), max_bytes=100, max_line=5, what="the file").read() == b"ab\nabcd\n"


def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.csv")
    with pytest.raises(FileRefused, match="FIFO"):
        open_data_file(tmp_path / "pipe.csv", 1000, confined=False)
    assert read_own_file(tmp_path / "pipe.csv", 1000) is None


def test_inside_a_client_folder_every_rule_holds_on_the_descriptor(tmp_path: Path) -> None:
    folder, other = tmp_path / "data" / "acme", tmp_path / "data" / "victim"
    (folder / "sub").mkdir(parents=True)
    other.mkdir(parents=True)
    (folder / "own.csv").write_text("a\n")
    (folder / "sub" / "deep.csv").write_text("b\n")
    (other / "secret.csv").write_text("secret\n")
    (folder / "link.csv").symlink_to(other / "secret.csv")
    (folder / "linked").symlink_to(other)
    os.link(other / "secret.csv", folder / "hard.csv")
    with confine(folder):
        with open_data_file(folder / "own.csv", 100) as opened, opened.binary() as handle:
            assert handle.read() == b"a\n"
        with open_data_file(folder / "sub" / "deep.csv", 100) as opened, opened.binary() as handle:
            assert handle.read() == b"b\n"
        for name, why in (("link.csv", "symlink"), ("linked/secret.csv", "symlink"), ("hard.csv", "hard link")):
            with pytest.raises(FileRefused, match=why):
                open_data_file(folder / name, 100)
        with pytest.raises(FileRefused, match="more than the limit of 1"):
            open_data_file(folder / "own.csv", 1)
        with pytest.raises(FileRefused, match="outside"):
            open_data_file(other / "secret.csv", 100)
        assert match_files(folder / "sub" / "*.csv") == [folder / "sub" / "deep.csv"]
        with pytest.raises(FileRefused, match="link.csv is a symlink"):
            match_files(folder / "*.csv")
    with confine(tmp_path / "data" / "alias"):
        (tmp_path / "data" / "alias").symlink_to(folder)
        with pytest.raises(FileRefused, match="alias/ is a symlink"):
            open_data_file(tmp_path / "data" / "alias" / "own.csv", 100)
