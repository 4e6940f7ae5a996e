"""What a batch kernel does besides the notebooks, kept cheap (issue 13, batch speed).

Measured per client (docs/architecture.md, "Batch speed"): the seconds went to work done
twice — the facts read and validated by each notebook and again by the summary in the
worker process, cells whose output never reaches the report (widgets shown as static examples,
tagged ``remove-from-report``), the catalog parsed in pure-Python YAML in every process, and a
new nbconvert exporter (templates, Jinja environment) per notebook. So:

* the notebooks run without their ``remove-from-report`` cells (the report drops them anyway);
* the client's summary (summary.json) is computed in the client's kernel, after its notebooks,
  where the facts are already loaded (kpi_helpers.data.cache), not in the worker;
* the warm-up a spare kernel does while the previous client runs includes what the first cell
  would otherwise pay for: imports, the bundled catalog, the Babel locales.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kpi_helpers.run.report import REMOVE_TAG

#: Sent to every kernel the batch starts, before it is needed (see kpi_helpers.run.batch._start_kernel).
KERNEL_WARMUP = "\n".join(
    [
        "import kpi_helpers, kpi_helpers.views.charts, kpi_helpers.compute.engine, kpi_helpers.data.load",
        "import kpi_helpers.session, kpi_helpers.run.report, kpi_helpers.run.kernel_steps, plotly.io",
        "kpi_helpers.run.kernel_steps.warm_up()",
    ]
)
SUMMARY_FILE = "summary.json"


def warm_up() -> None:
    """Parse the bundled catalog and load the Babel locales now (in a spare kernel, ahead of time)."""
    from babel import Locale

    from kpi_helpers.spec.catalog import default_catalog
    from kpi_helpers.spec.vocab import LANGUAGES

    default_catalog()
    for lang in LANGUAGES:
        Locale.parse(str(lang)).number_symbols  # noqa: B018 - loads the locale data once


def report_cells_only(nb: Any) -> Any:
    """`nb` without the cells the report never shows (``remove-from-report``): in a batch run their
    output would be thrown away, so they are not executed at all."""
    nb.cells = [cell for cell in nb.cells if REMOVE_TAG not in (cell.get("metadata", {}).get("tags") or [])]
    return nb


def summary_notebook(params_file: str, lang: str | None, path: Path, as_of: str | None = None) -> Any:
    """A one-cell notebook that writes the client's summary.json from inside its kernel."""
    import nbformat

    source = (
        "import kpi_helpers.run.kernel_steps as _k\n"
        f"_k.write_summary({str(params_file)!r}, {lang!r}, {str(path)!r}, {as_of!r})\n"
        "del _k"
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def write_summary(params_file: str, lang: str | None, path: str, as_of: str | None = None) -> None:
    """In the kernel: summary.json of the client (kpi_helpers.run.report.client_summary)."""
    from kpi_helpers.run.report import client_summary
    from kpi_helpers.spec.params import load_params

    summary = client_summary(load_params(params_file), lang=lang, as_of=as_of)
    Path(path).write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str), encoding="utf-8")


def read_summary(path: Path) -> dict[str, Any]:
    return dict(json.loads(Path(path).read_text(encoding="utf-8")))
