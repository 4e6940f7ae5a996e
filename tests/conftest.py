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


# ---------------------------------------------------------------- shared test helpers

def make_goal(**fields):
    """A goal that passes every SMART letter; tests change one field at a time."""
    import datetime as dt

    from kpi_helpers.goals import Goal

    base = dict(
        statement="Omzet +10 % in 2026 door een hogere gemiddelde orderwaarde",
        kpi="revenue",
        baseline=1_000_000,
        target=1_100_000,
        start=dt.date(2026, 1, 1),
        deadline=dt.date(2026, 12, 31),
        owner="Sanne (marketingmanager)",
    )
    base.update(fields)
    return Goal(**base)


@pytest.fixture(scope="module")
def catalog():
    from kpi_helpers.catalog import load_catalog

    return load_catalog()


@pytest.fixture(scope="module")
def webshop():
    import kpi_helpers as kpi

    return kpi.open_client("params/demo_webshop.yaml")


@pytest.fixture(scope="module")
def b2b():
    import kpi_helpers as kpi

    return kpi.open_client("params/demo_b2b.yaml")


def write_text(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(source, **kw):
    """Every DataProblem of reading one source (errors and warnings)."""
    from kpi_helpers.data import inspect_source

    return inspect_source(source, **kw)[1]


def only(problems, severity: str = "error"):
    """The single problem of `severity`; fails listing them all otherwise."""
    found = [p for p in problems if p.severity == severity]
    assert len(found) == 1, problems
    return found[0]


def _goal_strategy():
    """Hypothesis: arbitrary (often nonsensical) goals, for checks that must never crash."""
    from hypothesis import strategies as st

    from kpi_helpers.goals import Goal

    text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
    floats = st.floats(allow_nan=True, allow_infinity=True)
    goals = st.builds(
        Goal,
        id=st.none() | text,
        statement=text | st.sampled_from(["Omzet +10 % in 2026", "meer omzet", "Revenue from 10 to 20 by June"]),
        kpi=text | st.sampled_from(["revenue", "conversion_rate", "defect_rate", "profit", "sessions", "roi"]),
        baseline=st.none() | floats,
        target=floats,
        start=st.dates(),
        deadline=st.dates(),
        owner=st.none() | text,
        horizon=st.none() | st.sampled_from(["quarter", "1y", "2y", "3y"]),
        parent=st.none() | text,
    )
    return goals, floats


GOAL_STRATEGY, ANY_FLOAT = _goal_strategy()
