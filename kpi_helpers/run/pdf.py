"""report.pdf from report.html with headless Chromium (Playwright), an optional extra.

The PDF is printed from the same HTML as the client's report (A4, page one = the summary; the
summary section ends with a page break). Needs the `playwright` package and a Chromium binary
(`/usr/bin/chromium`, or the path in KPI_WORKBOOK_CHROMIUM); without them :func:`pdf_problem`
says what is missing and the batch skips the PDF with that message.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from kpi_helpers.exceptions import KpiWorkbookError

DEFAULT_CHROMIUM = "/usr/bin/chromium"
#: Viewport width the charts are laid out at: the printable width of A4 with our margins at PRINT_SCALE.
PRINT_WIDTH_PX = 860
READY_TIMEOUT_MS = 60_000
PRINT_SCALE = 0.8  # 186 mm of A4 at 0.8 = ~880 CSS px: page one holds the whole summary


class PdfError(KpiWorkbookError):
    """The PDF could not be made (no browser, or the page did not render)."""


def chromium_path() -> str | None:
    path = os.environ.get("KPI_WORKBOOK_CHROMIUM") or DEFAULT_CHROMIUM
    if Path(path).exists():
        return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pdf_problem() -> str | None:
    """None when PDFs can be made, else a sentence saying what to install."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "PDF skipped: the Python package 'playwright' is not installed (pip install playwright)."
    if chromium_path() is None:
        return (
            f"PDF skipped: no Chromium browser found at {DEFAULT_CHROMIUM} (apt-get install chromium, "
            "or set KPI_WORKBOOK_CHROMIUM to its path)."
        )
    return None


def write_pdf(html_path: str | Path, pdf_path: str | Path | None = None, plotly_js: str | Path | None = None) -> Path:
    """Print ``html_path`` to an A4 PDF once every chart is drawn. ``plotly_js``: the shared
    plotly.min.js when the page is not yet beside it (the batch prints before publishing)."""
    problem = pdf_problem()
    if problem:
        raise PdfError(problem)
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
    tmp = pdf_path.with_suffix(".pdf.tmp")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_page(viewport={"width": PRINT_WIDTH_PX, "height": 1000})

                # a report loads nothing from the network; only the shared plotly.js is served locally
                def route(r: object) -> None:
                    url = r.request.url  # type: ignore[attr-defined]
                    if url.startswith("file:") and not url.endswith("plotly.min.js"):
                        r.continue_()  # type: ignore[attr-defined]
                    elif url.endswith("plotly.min.js") and plotly_js:
                        r.fulfill(path=str(plotly_js), content_type="text/javascript")  # type: ignore[attr-defined]
                    elif url.startswith("file:"):
                        r.continue_()  # type: ignore[attr-defined]
                    else:
                        r.abort()  # type: ignore[attr-defined]

                page.route("**/*", route)
                page.goto(html_path.as_uri(), wait_until="load")
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.plotly-graph-div')]"
                    ".every(d => d.querySelector('.main-svg'))",
                    timeout=READY_TIMEOUT_MS,
                )
                page.emulate_media(media="print")
                page.pdf(
                    path=str(tmp),
                    format="A4",
                    print_background=True,
                    scale=PRINT_SCALE,
                    margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"},
                )
            finally:
                browser.close()
    except PlaywrightError as error:
        tmp.unlink(missing_ok=True)
        raise PdfError(f"{html_path}: the PDF could not be printed: {str(error).splitlines()[0]}") from None
    tmp.replace(pdf_path)
    return pdf_path
