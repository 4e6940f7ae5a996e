"""The project's own promises: packaging metadata in sync, README commands present."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    # dask[distributed] is two conda packages
    if "dask" in names:
        names.add("distributed")
    return names


def _environment_names() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    return names - {"python", "pip"}


def test_environment_yml_names_the_same_packages_as_pyproject():
    assert _environment_names() == _pyproject_names()


def _readme_block(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    block = re.search(rf"<!-- {marker} -->\s*```\s*\n(.*?)\n```\s*<!-- /{marker} -->", text, re.S)
    assert block, f"README.md has no {marker} block"
    return block.group(1).strip()


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    main, tests = _readme_block("main-command"), _readme_block("test-command")
    assert text.index("main-command") < text.index("test-command") < text.index("## What it is")
    assert "kpi-workbook run" in main and "pip install" in main
    assert "pytest" in tests and ".[test]" in tests


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "test-command" in ci and "README.md" in ci


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_one_version_read_from_the_package():
    import importlib.metadata

    import kpi_helpers

    data = _pyproject()
    assert "version" not in data["project"] and "version" in data["project"]["dynamic"]
    assert data["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "kpi_helpers.__version__"}
    assert importlib.metadata.version("kpi-workbook") == kpi_helpers.__version__


def test_package_data_globs_all_match_files():
    package = ROOT / "kpi_helpers"
    for pattern in _pyproject()["tool"]["setuptools"]["package-data"]["kpi_helpers"]:
        assert any(p.is_file() for p in package.glob(pattern)), f"package-data {pattern!r} matches nothing"


def test_every_runtime_dependency_is_imported_somewhere():
    """A dependency nothing imports (anywidget was one) is dead weight for every install."""
    imports = {
        "pyyaml": "yaml",
        "babel": "babel",
        "jupyterlab": None,
        "pyarrow": None,
        "openpyxl": None,
        "nbconvert": "nbconvert",
    }  # None: used by pandas/jupyter at run time, not imported by name
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "kpi_helpers").rglob("*.py"))
    for requirement in _pyproject()["project"]["dependencies"]:
        name = _name(requirement)
        module = imports.get(name, name)
        if module is not None:
            assert re.search(rf"^\s*(import|from) {module}\b", source, re.M), f"{name} is a dependency nothing imports"


def test_no_build_metadata_is_tracked():
    import subprocess

    try:
        tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    assert not [line for line in tracked.splitlines() if ".egg-info/" in line or line.startswith("build/")]


def test_ci_runs_lint_types_and_the_dirty_tree_check_after_the_tests():
    ci = (ROOT / ".ci" / "run").read_text()
    tests_at = ci.index('bash -euo pipefail -c "$test_command"')
    for step in ("ruff check", "mypy", "git status --porcelain"):
        assert tests_at < ci.index(step), f".ci/run must run {step} after the tests"
    test_extras = {_name(r) for r in _pyproject()["project"]["optional-dependencies"]["test"]}
    assert {"ruff", "mypy"} <= test_extras  # installed by the README's test command


def test_docs_and_code_point_only_at_files_inside_the_repository():
    texts = [*ROOT.glob("*.md"), *(ROOT / "docs").glob("*.md"), *(ROOT / "kpi_helpers").glob("*.py")]
    for path in texts:
        text = path.read_text(encoding="utf-8")
        for outside in ("../shared/", "/work/", "FACTS.md", "DESIGN.md"):
            assert outside not in text, f"{path.relative_to(ROOT)} points outside the repository: {outside}"
