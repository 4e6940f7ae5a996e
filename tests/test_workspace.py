"""Packaged files (notebooks, demo params) and `kpi-workbook init`: a workspace outside the repository.

The slow test installs the package NON-editably into a fresh venv (its dependencies borrowed
from the test venv through a path entry, so nothing is downloaded) and runs `kpi-workbook init`
and `kpi-workbook run` in a folder that is not the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import ROOT

import kpi_helpers
from kpi_helpers.exceptions import KpiWorkbookError, ParamsError
from kpi_helpers.run.cli import main
from kpi_helpers.run.workspace import DEMO_CLIENT, demo_params_file, init_workspace, notebooks_dir
from kpi_helpers.session import find_params_file

WORKBOOK = ["01_goals.ipynb", "02_kpi_pairs.ipynb", "03_analysis.ipynb"]


def test_notebooks_and_demo_params_are_inside_the_package():
    package = Path(kpi_helpers.__file__).parent
    assert notebooks_dir() == package / "notebooks"
    for name in WORKBOOK:
        assert (notebooks_dir() / name).is_file()
    assert len(list((notebooks_dir() / "workshop").glob("*.ipynb"))) == 5
    assert demo_params_file("demo_webshop.yaml") == package / "demo_params" / "demo_webshop.yaml"
    assert demo_params_file("../pyproject.toml") is None and demo_params_file("acme.yaml") is None


def test_init_creates_a_workspace_that_validates(tmp_path, capsys):
    ws = tmp_path / "agency"
    assert main(["init", str(ws)]) == 0
    assert str(ws) in capsys.readouterr().out
    assert sorted(p.name for p in (ws / "params").iterdir()) == [f"{DEMO_CLIENT}.yaml"]
    assert (ws / "data").is_dir() and (ws / "reports").is_dir()
    for name in WORKBOOK:
        assert (ws / "notebooks" / name).read_bytes() == (notebooks_dir() / name).read_bytes()
    assert sorted(p.name for p in (ws / "notebooks" / "workshop").iterdir()) == sorted(
        p.name for p in (notebooks_dir() / "workshop").iterdir()
    )
    assert "reports/" in (ws / ".gitignore").read_text().splitlines()
    readme = (ws / "README.md").read_text()
    assert "kpi-workbook run" in readme and "**nl**" in readme and "**en**" in readme
    assert main(["validate", "--params", str(ws / "params")]) == 0


def test_init_refuses_a_folder_with_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(KpiWorkbookError, match="not empty"):
        init_workspace(tmp_path)
    assert main(["init", str(tmp_path)]) == 1
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_params_are_found_from_a_workspace_notebooks_folder(tmp_path, monkeypatch):
    ws = init_workspace(tmp_path / "ws")
    own = ws / "params" / "acme.yaml"
    own.write_text("client: acme\n")
    monkeypatch.chdir(ws / "notebooks")
    assert find_params_file("params/acme.yaml") == own
    assert find_params_file(f"params/{DEMO_CLIENT}.yaml") == ws / "params" / f"{DEMO_CLIENT}.yaml"
    with pytest.raises(ParamsError, match="file not found"):
        find_params_file("params/nobody.yaml")


def test_a_bundled_demo_client_is_found_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_params_file("params/demo_b2b.yaml") == demo_params_file("demo_b2b.yaml")
    monkeypatch.chdir(notebooks_dir())  # notebooks inside the package use the bundled demo
    assert find_params_file(f"params/{DEMO_CLIENT}.yaml") == demo_params_file(f"{DEMO_CLIENT}.yaml")


def _fresh_venv(tmp_path: Path) -> Path:
    """A new venv with the package installed from a copy of the sources (not editable, no
    checkout on its path); dependencies come from this test venv's site-packages via a .pth line
    (a plain path: the test venv's own .pth files, such as the editable install, are not run)."""
    src = tmp_path / "src"
    shutil.copytree(
        ROOT / "kpi_helpers", src / "kpi_helpers", ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "_borrowed_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(src)], check=True, timeout=600)
    shutil.rmtree(src)
    return venv


@pytest.mark.slow
def test_pip_install_then_init_and_run_outside_the_repository(tmp_path):
    venv = _fresh_venv(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # the borrowed dependencies' data files (nbconvert templates) live under this venv's share/
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    ws = tmp_path / "ws"
    subprocess.run([str(venv / "bin" / "kpi-workbook"), "init", str(ws)], check=True, env=env, cwd=tmp_path)
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import kpi_helpers; print(kpi_helpers.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=ws,
    ).stdout
    assert where.startswith(str(venv)), where  # the installed copy, not the repository
    run = subprocess.run(
        [str(venv / "bin" / "kpi-workbook"), "run", "--quiet", "--workers", "1"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ws,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report = ws / "reports" / DEMO_CLIENT / "report.html"
    assert report.is_file() and report.read_text().count('class="plotly-graph-div"') >= 5
    assert (ws / "reports" / "index.html").is_file()


def test_the_repositorys_demo_params_are_the_packaged_ones():
    """params/ (the README's demo batch) and kpi_helpers/demo_params/ (what `init` and the tests use)
    hold the same demo clients byte for byte: an edit to one must reach the other."""
    repo = sorted(p.name for p in (ROOT / "params").glob("*.yaml"))
    packaged = sorted(p.name for p in demo_params_file("demo_webshop.yaml").parent.glob("*.yaml"))
    assert repo == packaged
    for name in repo:
        ours = (ROOT / "params" / name).read_bytes()
        assert ours == demo_params_file(name).read_bytes(), f"params/{name} differs from kpi_helpers/demo_params/{name}"


# ---------------------------------------------------------------- a colleague's file in reports/<client>/ (issue 21)


def test_a_file_someone_added_to_a_client_report_folder_is_never_deleted(tmp_path):
    from kpi_helpers.run.batch import _publish
    from kpi_helpers.run.outdir import OutputFolderError, foreign_files, mark_client_folder

    out = tmp_path / "reports"

    def report(text: str) -> Path:
        staging = out / ".staging" / text
        (staging / "sub").mkdir(parents=True)
        (staging / "report.html").write_text(text, encoding="utf-8")
        (staging / "sub" / "fig.json").write_text("{}", encoding="utf-8")
        mark_client_folder(staging, "acme")
        return staging

    _publish(report("first"), out / "acme", out)
    assert foreign_files(out / "acme") == []
    _publish(report("second"), out / "acme", out)  # our own files only: replaced as before
    assert (out / "acme" / "report.html").read_text() == "second"

    (out / "acme" / "notities.txt").write_text("my notes for the call", encoding="utf-8")
    assert foreign_files(out / "acme") == ["notities.txt"]
    with pytest.raises(OutputFolderError, match=r"acme/notities.txt was not written by KPI Workbook"):
        _publish(report("third"), out / "acme", out)
    assert (out / "acme" / "notities.txt").read_text() == "my notes for the call"
    assert (out / "acme" / "report.html").read_text() == "second", "the old report stays with the notes"

    (out / "acme" / "notities.txt").unlink()
    (out / "acme" / ".kpi-workbook-client").write_text("acme\n", encoding="utf-8")  # an older version's marker
    assert foreign_files(out / "acme") == []  # nothing listed: nothing to compare with, replaced as before
