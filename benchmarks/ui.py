"""Control → redraw times of the live dashboard and the what-if, in JupyterLab in headless Chromium.

Starts a JupyterLab server (fresh settings, saving refused: see tests/browser_support.py), runs a
small notebook with ``kpi.dashboard(wb)`` and ``kpi.what_if_app(wb)`` for one client, then changes
controls ``--n`` times each (channel, KPI, grain, period slider; what-if slider by keyboard) and
prints median and p90 of the time from the change to the last DOM change of the redrawn figures
(a MutationObserver on the app; a redraw counts once the figures' data differ from before and
the app has been quiet for ``--quiet`` ms). With ``benchmarks/ui_voila.py`` present, its
``measure()`` is run too (Voilà first figure and update times).

    python benchmarks/ui.py                      # this checkout's package
    python benchmarks/ui.py --package-dir /tmp/x # e.g. another version's kpi_helpers, as a baseline

Not a test: times depend on the machine's load (print ``uptime`` next to them).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "benchmarks")]

# signature of every plotly figure inside the app (data, titles) and a mutation clock
SETUP_JS = """(sel) => {
  const root = document.querySelector(sel);
  if (!root) return false;
  if (root.__kpiObserver) return true;
  window.__kpiMut = window.__kpiMut || {};
  window.__kpiMut[sel] = 0;
  root.__kpiObserver = new MutationObserver(() => { window.__kpiMut[sel] = performance.now(); });
  root.__kpiObserver.observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
  return true;
}"""
SIGNATURE_JS = """(sel) => {
  const gds = Array.from(document.querySelectorAll(sel + ' .js-plotly-plot'));
  return JSON.stringify(gds.map(gd => [
    gd.layout && gd.layout.title ? gd.layout.title.text : '',
    (gd.data || []).map(t => [t.name, t.x, t.y, t.value]),
    gd.querySelectorAll('svg.main-svg').length]));
}"""
DONE_JS = """([sel, before, quietMs]) => {
  const now = (SIGNATURE)(sel);
  const last = window.__kpiMut[sel];
  return now !== before && last > 0 && performance.now() - last >= quietMs ? last : false;
}""".replace("SIGNATURE", SIGNATURE_JS.strip())
DEBUG_JS = """(sel) => JSON.stringify({plotly: !!window.Plotly, plots: document.querySelectorAll(sel + ' .js-plotly-plot').length,
  keys: Array.from(document.querySelectorAll(sel + ' .js-plotly-plot')).map(g => String(g.__kpiKey)),
  scripts: Array.from(document.querySelectorAll(sel + ' script')).map(s => s.textContent.slice(0, 120)),
  mut: window.__kpiMut[sel]})"""
SELECT_JS = """(sel) => {
  const s = document.querySelector(sel);
  s.selectedIndex = (Math.max(s.selectedIndex, 0) + 1) % s.options.length;
  const t0 = performance.now();
  s.dispatchEvent(new Event('change', {bubbles: true}));
  return t0;
}"""
NOTEBOOK = """import kpi_helpers as kpi
wb = kpi.open_client({params!r})
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(values: list[float]) -> str:
    if not values:
        return "no samples"
    return (
        f"median {statistics.median(values):6.0f} ms   p90 {percentile(values, 0.9):6.0f} ms   "
        f"min {min(values):5.0f}   max {max(values):5.0f}   (n={len(values)})"
    )


def redraw_ms(page: Any, app: str, change: Any, quiet_ms: int, timeout_s: float = 30.0) -> float:
    """Run ``change`` (returns performance.now() at the change) and wait for the redraw."""
    page.evaluate(SETUP_JS, app)
    before = page.evaluate(SIGNATURE_JS, app)
    page.evaluate("(sel) => { window.__kpiMut[sel] = 0; }", app)
    t0 = change()
    try:
        handle = page.wait_for_function(DONE_JS, arg=[app, before, quiet_ms], timeout=timeout_s * 1000, polling=50)
    except Exception:
        debug = page.evaluate(DEBUG_JS, app)
        raise RuntimeError(f"no redraw of {app} within {timeout_s} s: {debug}") from None
    return float(handle.json_value()) - t0


def select_change(page: Any, select: str) -> Any:
    return lambda: page.evaluate(SELECT_JS, select)


def key_change(page: Any, handle: str, key: str) -> Any:
    def change() -> float:
        page.focus(handle)
        t0 = page.evaluate("() => performance.now()")
        page.keyboard.press(key)
        return t0

    return change


def measure_lab(args: argparse.Namespace) -> dict[str, list[float]]:
    import nbformat
    from browser_support import CHROMIUM, CHROMIUM_ARGS, Shots, start_jupyterlab, wait_js
    from playwright.sync_api import sync_playwright
    from test_browser import open_and_run

    params = str(Path(args.params).resolve())
    folder = ROOT / "tests" / "artifacts" / "ui-bench"
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(NOTEBOOK.format(params=params)),
        nbformat.v4.new_code_cell("kpi.dashboard(wb)"),
        nbformat.v4.new_code_cell("kpi.what_if_app(wb)"),
    ]
    nbformat.write(nb, folder / "bench.ipynb")
    rel = (folder / "bench.ipynb").relative_to(ROOT).as_posix()
    home = Path(tempfile.mkdtemp(prefix="kpi-ui-bench-"))
    if args.package_dir:
        os.environ["PYTHONPATH"] = os.pathsep.join([args.package_dir, *filter(None, [os.environ.get("PYTHONPATH")])])
    server = start_jupyterlab(home)
    results: dict[str, list[float]] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.set_default_timeout(60_000)
            shots = Shots("ui-bench")
            open_and_run(page, server, rel, shots)
            dash, what_if = ".kpi-dashboard", ".kpi-what-if"
            wait_js(
                page,
                "() => document.querySelectorAll('.kpi-dashboard .js-plotly-plot svg.main-svg').length >= 3 &&"
                " document.querySelectorAll('.kpi-what-if .js-plotly-plot svg.main-svg').length >= 1",
                "dashboard and what-if figures drawn",
                shots,
                server,
            )
            time.sleep(1.0)
            selects = {
                "channel": f"{dash} .kpi-channel-filter select",
                "kpi": f"{dash} .kpi-kpi-filter select",
                "grain": f"{dash} .widget-hbox:first-child .widget-dropdown select",
            }
            for name, sel in selects.items():
                n_options = page.locator(f"{sel} option").count()
                if n_options < 2:
                    continue
                samples = []
                for _ in range(args.n):
                    samples.append(redraw_ms(page, dash, select_change(page, sel), args.quiet))
                results[f"dashboard {name}"] = samples
                print(f"  dashboard {name}: {summary(samples)}", flush=True)
            period = f"{dash} .noUi-handle-lower"
            if page.locator(period).count():
                samples = []
                for i in range(args.n):
                    key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
                    samples.append(redraw_ms(page, dash, key_change(page, period, key), args.quiet))
                results["dashboard period"] = samples
            results["dashboard (all controls)"] = [v for k, vs in results.items() for v in vs]
            time.sleep(args.idle)  # the dashboard's idle warm-up (other channels, KPIs) done
            handle = f"{what_if} .noUi-handle >> nth=0"
            if page.locator(handle).count():
                page.locator(handle).scroll_into_view_if_needed()
                samples = []
                for i in range(args.n):
                    key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
                    samples.append(redraw_ms(page, what_if, key_change(page, handle, key), args.quiet))
                results["what-if slider"] = samples
            shots.take(page, "done")
            browser.close()
    except BaseException:
        print(f"JupyterLab log (tail):\n{server.log_tail(40)}")
        raise
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
    return results


def dashboard_samples(page: Any, n: int, quiet: int) -> dict[str, list[float]]:
    """Channel, KPI and grain changes of the dashboard on an open page."""
    dash, results = ".kpi-dashboard", {}
    for name, sel in {
        "channel": f"{dash} .kpi-channel-filter select",
        "kpi": f"{dash} .kpi-kpi-filter select",
        "grain": f"{dash} .widget-hbox:first-child .widget-dropdown select",
    }.items():
        if page.locator(f"{sel} option").count() >= 2:
            results[f"dashboard {name}"] = [redraw_ms(page, dash, select_change(page, sel), quiet) for _ in range(n)]
    return results


def measure_voila_here(args: argparse.Namespace) -> dict[str, Any]:
    """Without benchmarks/ui_voila.py: ``kpi-workbook serve``'s page (kpi_helpers.run.serve) for the
    client, the time to its first figure and the dashboard's control → redraw times."""
    from browser_support import CHROMIUM, CHROMIUM_ARGS, start_voila
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="kpi-ui-bench-voila-"))
    server = start_voila(args.params, home)
    out: dict[str, Any] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            t0 = time.monotonic()
            page.goto(server.url(""), timeout=300_000, wait_until="commit")
            page.wait_for_function(
                "() => document.querySelector('.js-plotly-plot svg.main-svg') !== null", timeout=300_000
            )
            out["first figure s"] = round(time.monotonic() - t0, 1)
            page.wait_for_function(
                "() => document.querySelectorAll('.kpi-dashboard .js-plotly-plot svg.main-svg').length >= 3",
                timeout=300_000,
                polling=200,
            )
            out["dashboard s"] = round(time.monotonic() - t0, 1)
            time.sleep(1.0)
            out.update({k: summary(v) for k, v in dashboard_samples(page, args.n, args.quiet).items()})
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    from kpi_helpers.run.workspace import demo_params_dir

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10, help="changes per control (default 10)")
    parser.add_argument("--params", default=str(demo_params_dir() / "demo_webshop.yaml"), help="the client")
    parser.add_argument("--quiet", type=int, default=300, help="ms without DOM change that ends a redraw")
    parser.add_argument("--idle", type=float, default=3.0, help="s to wait before the what-if (default 3)")
    parser.add_argument("--package-dir", help="a folder with another kpi_helpers, put first on the kernel's path")
    parser.add_argument("--no-voila", action="store_true", help="JupyterLab only")
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    results = measure_lab(args)
    print(f"JupyterLab, {Path(args.params).stem}, control change → last DOM change of the redrawn figures:")
    for name, samples in results.items():
        print(f"  {name:26s} {summary(samples)}")
    voila = None
    if not args.no_voila:
        try:
            import ui_voila  # benchmarks/ui_voila.py (Voilà first figure and updates), when present
        except ImportError:
            print("Voilà (benchmarks/ui_voila.py not present: serve's page measured here):")
            voila = measure_voila_here(args)
        else:
            accepted = inspect.signature(ui_voila.measure).parameters
            options = {"n": args.n, "params": args.params, "params_file": args.params}
            voila = ui_voila.measure(**{k: v for k, v in options.items() if k in accepted})
        print(f"Voilà: {json.dumps(voila, default=str, indent=1) if not isinstance(voila, str) else voila}")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
