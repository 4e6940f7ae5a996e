"""Shared fixtures. Slow tests (kernels) are marked `slow`; browser tests `browser`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PARAMS_DIR = ROOT / "params"
FIXTURE_NOTEBOOKS = Path(__file__).parent / "fixtures" / "notebooks"


@pytest.fixture
def params_dir(tmp_path: Path) -> Path:
    """A copy of the bundled demo params files (demo data sources work from anywhere)."""
    folder = tmp_path / "params"
    folder.mkdir()
    for path in sorted(PARAMS_DIR.glob("*.yaml")):
        shutil.copy(path, folder / path.name)
    return folder


def write_client(folder: Path, client: str, name: str, source: str = "demo:webshop", extra: str = "") -> Path:
    """A minimal valid params file (tests change one thing at a time)."""
    path = folder / f"{client}.yaml"
    path.write_text(
        f"client: {client}\nname: {name}\nlanguage: en\ncurrency: EUR\n"
        f"data: {{source: {source}, shape: daily}}\nkpis: [revenue, orders, average_order_value]\n"
        f"pairs: [[orders, average_order_value]]\n{extra}",
        encoding="utf-8",
    )
    return path
