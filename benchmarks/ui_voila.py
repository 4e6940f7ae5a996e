"""Benchmark: first figure on a client's Voilà page (``kpi-workbook serve CLIENT``), in Chromium.

Starts the server as ``serve`` does (dedicated dashboard notebook, preheated kernels, culling),
waits until its kernel pool is warm (the notebook run in the pooled kernel), then opens the page ``opens`` times in fresh browser
contexts: the time from ``page.goto`` to the first drawn plotly figure, and to the dashboard
widget. Between opens it waits until Voilà has refilled the pool and the pooled kernel has run
the notebook (as a client opening the page a little later would find it). Also counts requests that leave 127.0.0.1. ``benchmarks/ui.py``
calls :func:`measure`; machines are noisy: compare medians within one run.

    python benchmarks/ui_voila.py [--client demo_b2b] [--opens 5] [--no-preheat] [--baseline]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

FIGURE_JS = "() => document.querySelector('.js-plotly-plot svg.main-svg') !== null"
DASHBOARD_JS = "() => document.querySelector('.kpi-dashboard .kpi-channel-filter select') !== null"
POOL_FILLED = "is filled with"


def _wait_log(server: Any, count: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.log.read_text(encoding="utf-8", errors="replace").count(POOL_FILLED) >= count:
            return True
        time.sleep(0.2)
    return False


def _kernel_ids(server: Any) -> list[str]:
    """The server's kernels, from its child processes' connection file names (Linux /proc)."""
    ids = []
    for entry in Path("/proc").iterdir():
        try:
            if (
                not entry.name.isdigit()
                or int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) != server.process.pid
            ):
                continue
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        match = re.search(r"kernel-([0-9a-f-]{36})\.json", cmdline)
        if match:
            ids.append(match.group(1))
    return ids


def _wait_warm(server: Any, kernels: int, timeout: float) -> bool:
    """Until ``kernels`` kernels run and none has been active for 2 s (the pool has run the
    notebook: Voilà's "pool filled" log line comes when the kernel starts, before it ran)."""
    deadline, last, quiet_since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < deadline:
        states = []
        for kid in _kernel_ids(server):
            try:
                with urllib.request.urlopen(server.url(f"api/kernels/{kid}"), timeout=5) as response:
                    model = json.load(response)
                states.append((kid, model["execution_state"], model["last_activity"]))
            except (OSError, ValueError, KeyError):
                states.append((kid, "unknown", ""))
        if states != last:
            last, quiet_since = states, time.monotonic()
        elif len(states) >= kernels and all(s[1] == "idle" for s in states) and time.monotonic() - quiet_since >= 2:
            return True
        time.sleep(0.5)
    return False


def measure(
    client: str = "demo_b2b",
    opens: int = 5,
    preheat: bool = True,
    timeout: float = 300.0,
    notebook: str | Path | None = None,
) -> dict[str, Any]:
    """Open ``client``'s Voilà page ``opens`` times; returns the per-open times in seconds
    (``figure``, ``dashboard``), their medians and the off-machine requests seen. ``notebook``:
    another page than serve's dashboard (e.g. 03_analysis.ipynb, the page before issue 15)."""
    from browser_support import CHROMIUM, CHROMIUM_ARGS, start_voila
    from playwright.sync_api import sync_playwright

    from kpi_helpers.run.workspace import demo_params_file

    params = demo_params_file(f"{client}.yaml") or Path(client)
    figure, dashboard, outside = [], [], []
    with tempfile.TemporaryDirectory(prefix="kpi-bench-voila-") as home:
        options: dict[str, Any] = {"pool_size": 1 if preheat else 0}
        if notebook is not None:
            options["notebook"] = notebook
        server = start_voila(params, Path(home), **options)
        try:
            if preheat and not (_wait_log(server, 1, timeout) and _wait_warm(server, 1, timeout)):
                raise RuntimeError(f"the kernel pool was not warm within {timeout:.0f} s:\n{server.log_tail()}")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
                for i in range(opens):
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    page = context.new_page()
                    page.on(
                        "request",
                        lambda r: (
                            outside.append(r.url)
                            if urlparse(r.url).hostname not in ("127.0.0.1", "localhost", None)
                            and not r.url.startswith("data:")
                            else None
                        ),
                    )
                    start = time.perf_counter()
                    page.goto(server.url(""), timeout=timeout * 1000)
                    page.wait_for_function(FIGURE_JS, timeout=timeout * 1000, polling=50)
                    figure.append(time.perf_counter() - start)
                    page.wait_for_function(DASHBOARD_JS, timeout=timeout * 1000, polling=50)
                    dashboard.append(time.perf_counter() - start)
                    context.close()
                    print(f"open {i + 1}: first figure {figure[-1]:.2f} s, dashboard {dashboard[-1]:.2f} s")
                    if preheat and i + 1 < opens:  # the pool refilled and warm, the closed page's kernel gone
                        _wait_log(server, i + 2, timeout)
                        _wait_warm(server, 1, timeout)
                browser.close()
        finally:
            server.stop()
    return {
        "client": client,
        "notebook": Path(notebook).name if notebook else "dashboard.ipynb",
        "preheat": preheat,
        "figure": figure,
        "dashboard": dashboard,
        "median_figure": statistics.median(figure),
        "median_dashboard": statistics.median(dashboard),
        "outside_requests": outside,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", default="demo_b2b", help="a bundled demo client id or a params file")
    parser.add_argument("--opens", type=int, default=5)
    parser.add_argument("--no-preheat", action="store_true", help="no kernel pool (each page starts a kernel)")
    parser.add_argument(
        "--baseline", action="store_true", help="also the page before issue 15: 03_analysis.ipynb, no kernel pool"
    )
    args = parser.parse_args(argv)
    results = [measure(args.client, args.opens, preheat=not args.no_preheat)]
    if args.baseline:
        from kpi_helpers.run.workspace import notebooks_dir

        results.append(measure(args.client, args.opens, preheat=False, notebook=notebooks_dir() / "03_analysis.ipynb"))
    for result in results:
        print(
            f"Voila {result['client']} {result['notebook']} ({'preheated' if result['preheat'] else 'no pool'}), "
            f"{args.opens} opens: median first figure {result['median_figure']:.2f} s, "
            f"dashboard {result['median_dashboard']:.2f} s; requests off the machine: {len(result['outside_requests'])}"
        )
        for url in sorted(set(result["outside_requests"])):
            print(f"  off-machine: {url}")
    if len(results) == 2:
        print(
            f"baseline / dashboard page, first figure: {results[1]['median_figure'] / results[0]['median_figure']:.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
