"""Files that ship inside the package (notebooks, demo params) and `kpi-workbook init DIR`.

Everything is found with :mod:`importlib.resources`, never by walking up to a checkout, so a
plain ``pip install .`` works. :func:`init_workspace` starts an agency's own folder:
``params/`` (one demo client), ``data/``, ``notebooks/`` (copies the analyst opens and may
change), ``reports/`` kept out of git by a ``.gitignore``, and a README in nl and en.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from kpi_helpers.exceptions import KpiWorkbookError

DEMO_CLIENT = "demo_webshop"  # the notebooks' default params file, so they open on it


def package_path(*parts: str) -> Path:
    """A file or folder inside the installed package (a regular folder, also in a wheel install)."""
    return Path(str(resources.files("kpi_helpers").joinpath(*parts)))


def notebooks_dir() -> Path:
    """The packaged workbook notebooks (01_goals, 02_kpi_pairs, 03_analysis) and workshop/."""
    return package_path("notebooks")


def demo_params_dir() -> Path:
    """The bundled demo clients' params files (their data sources are `demo:...`, valid anywhere)."""
    return package_path("demo_params")


def demo_params_file(name: str) -> Path | None:
    """The bundled params file called `name` (`demo_webshop.yaml`), or None when there is none."""
    path = demo_params_dir() / Path(name).name
    return path if path.suffix in (".yaml", ".yml") and path.is_file() else None


README = """\
# {name}

KPI Workbook workspace / werkmap.

**en** — `params/` holds one params file per client (start from `params/{demo}.yaml` or
`kpi-workbook new-client NAME`), `data/` the clients' data files, `notebooks/` the workbook
(open with `jupyter lab notebooks/`). `kpi-workbook validate` checks every client without
running anything; `kpi-workbook run` writes the reports to `reports/` (not kept in git).

**nl** — `params/` bevat één params-bestand per klant (begin bij `params/{demo}.yaml` of
`kpi-workbook new-client NAAM`), `data/` de databestanden van de klanten, `notebooks/` het
werkboek (open met `jupyter lab notebooks/`). `kpi-workbook validate` controleert elke klant
zonder iets uit te voeren; `kpi-workbook run` schrijft de rapporten naar `reports/` (niet in git).
"""

GITIGNORE = "reports/\n.ipynb_checkpoints/\n"


def init_workspace(folder: str | Path) -> Path:
    """Create an agency workspace in `folder` (new or empty); returns its path.

    Raises :class:`KpiWorkbookError` when the folder already holds files (nothing is overwritten).
    """
    root = Path(folder).expanduser()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise KpiWorkbookError(f"{root}: folder exists and is not empty; choose a new folder for the workspace")
    demo = demo_params_file(f"{DEMO_CLIENT}.yaml")
    if demo is None:
        raise KpiWorkbookError(f"the package has no demo params file {DEMO_CLIENT}.yaml (broken install?)")
    for sub in ("params", "data", "reports"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    shutil.copy(demo, root / "params" / demo.name)
    (root / "data" / ".gitkeep").write_text("", encoding="utf-8")
    shutil.copytree(
        notebooks_dir(), root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    )
    (root / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    (root / "README.md").write_text(README.format(name=root.resolve().name, demo=DEMO_CLIENT), encoding="utf-8")
    return root


__all__ = ["package_path", "notebooks_dir", "demo_params_dir", "demo_params_file", "init_workspace", "DEMO_CLIENT"]
