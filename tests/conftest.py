"""Shared fixtures. Slow tests (kernels) are marked `slow`; browser tests `browser`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kpi_helpers.run.workspace import demo_params_dir

ROOT = Path(__file__).resolve().parents[1]
# the bundled demo clients, read from the package: tests never read the user's params/ (or reports/)
DEMO_PARAMS = PARAMS_DIR = demo_params_dir()
FIXTURE_NOTEBOOKS = Path(__file__).parent / "fixtures" / "notebooks"


def _selects_slow(config: pytest.Config) -> bool:
    """Would `-m` select a test marked only `slow`? (no -m: yes)"""
    markexpr = config.getoption("markexpr", "") or ""
    if not markexpr.strip():
        return True
    try:
        from _pytest.mark.expression import Expression

        return Expression.compile(markexpr).evaluate(lambda name, **kwargs: name == "slow")
    except Exception:  # a private API: if it moves, fall back to the plain reading
        return "not slow" not in markexpr


# Hypothesis example counts: property tests name their full count with `examples(n)`; the fast tier
# (`-m "not slow ..."`) runs a fifth of it, the whole suite (CI) the full count.
_FAST_TIER = {"on": False}


def examples(n: int) -> int:
    """`n` hypothesis examples in a full run, a fifth (at least 5) in the fast tier."""
    return max(5, n // 5) if _FAST_TIER["on"] else n


def pytest_configure(config: pytest.Config) -> None:
    """nbval (every notebook cell on a kernel) belongs to the slow tier: when `-m` leaves slow
    tests out, notebooks are not even collected, so the fast tier starts no kernel."""
    _FAST_TIER["on"] = not _selects_slow(config)
    if not _selects_slow(config) and hasattr(config.option, "nbval"):
        config.option.nbval = config.option.nbval_lax = False
    sanitize = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize and not Path(sanitize).is_absolute():  # read at each notebook's setup: not cwd-dependent
        config.option.nbval_sanitize_with = str(config.rootpath / sanitize)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Notebook cells collected by nbval are slow tests (`-m slow` selects them)."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)


def _copy_facts(facts):
    """A deep copy of facts, order table and order lines included (callers may change their copy)."""
    if facts is None:
        return None
    out = facts.copy(deep=True)
    for name in ("order_table", "order_source"):
        table = getattr(facts, name, None)
        if table is not None:
            setattr(out, name, table.copy(deep=True))
    return out


@pytest.fixture(scope="session", autouse=True)
def _demo_sources_read_once():
    """The bundled demo sources (immutable package files) are read and validated once per session:
    later reads of the same demo source, period, measures and limits get a deep copy of the first
    result. Reading them is most of what opening a demo client costs, and ~300 tests do; the reading
    itself is tested on its first call and by the reader tests on their own files."""
    from kpi_helpers.data import load
    from kpi_helpers.data.facts import known_measures
    from kpi_helpers.data.readers import source_spec
    from kpi_helpers.spec.agency import current_limits

    real = load.inspect_source
    memo: dict = {}

    def inspect_source(source, base_dir=None, period=None):
        try:
            spec = source_spec(source)
        except Exception:  # noqa: BLE001 - the real call reports it
            return real(source, base_dir, period)
        if not spec.source.startswith("demo:"):
            return real(source, base_dir, period)
        key = (repr(spec), repr(period), tuple(sorted(known_measures())), repr(current_limits()))
        if key not in memo:
            memo[key] = real(source, base_dir, period)
        facts, problems = memo[key]
        return _copy_facts(facts), list(problems)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(load, "inspect_source", inspect_source)
        yield


@pytest.fixture(scope="session")
def _empty_cwd(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cwd")


@pytest.fixture(autouse=True)
def _cwd_outside_the_checkout(_empty_cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test in tests/ runs from an empty folder, so a relative `params/...` or `reports/`
    can never reach the user's files (bundled demo clients are then read from the package).
    Function-scoped: nbval items (outside tests/) keep the repository root as cwd."""
    monkeypatch.chdir(_empty_cwd)


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

    from kpi_helpers.spec.goals import Goal

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
    from kpi_helpers.spec.catalog import load_catalog

    return load_catalog()


@pytest.fixture(scope="module")
def webshop():
    import kpi_helpers as kpi

    return kpi.open_client(DEMO_PARAMS / "demo_webshop.yaml")


@pytest.fixture(scope="module")
def b2b():
    import kpi_helpers as kpi

    return kpi.open_client(DEMO_PARAMS / "demo_b2b.yaml")


def write_text(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(source, **kw):
    """Every DataProblem of reading one source (errors and warnings)."""
    from kpi_helpers.data.load import inspect_source

    return inspect_source(source, **kw)[1]


def only(problems, severity: str = "error"):
    """The single problem of `severity`; fails listing them all otherwise."""
    found = [p for p in problems if p.severity == severity]
    assert len(found) == 1, problems
    return found[0]


def _goal_strategy():
    """Hypothesis: arbitrary (often nonsensical) goals, for checks that must never crash."""
    from hypothesis import strategies as st

    from kpi_helpers.spec.goals import Goal

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


@pytest.fixture(scope="session")
def demo_batch(tmp_path_factory):
    """ONE batch run of the real workbook notebooks over the bundled demo clients (static, as the
    batch runs them), shared by the batch, notebook and client-report tests: each notebook runs once per params
    file here; nbval runs the committed notebooks once more with their default (demo, interactive)."""
    from kpi_helpers.run.batch import run_batch
    from kpi_helpers.run.pdf import pdf_problem

    root = tmp_path_factory.mktemp("demo-batch")
    params = root / "params"
    shutil.copytree(DEMO_PARAMS, params)
    out = root / "reports"
    # with report.pdf where a browser is there: the client-report tests read this same run
    result = run_batch(params_dir=params, out_dir=out, progress=False, timeout=300, pdf=pdf_problem() is None)
    return params, out, result
