"""The project's own promises: packaging metadata in sync, README commands present."""

import re
import tomllib
from pathlib import Path

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
