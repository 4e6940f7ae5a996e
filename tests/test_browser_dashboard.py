"""The live dashboard in a real browser after control changes (issue 15): figures redrawn in place
keep a date axis with the data's months, the filters change the data, and a channel filter
leaves no "(none)" bar. Headless Debian Chromium via Playwright (see tests/browser_support.py);
run: python -m pytest -q -m browser tests/test_browser_dashboard.py
"""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest
from browser_support import ARTIFACTS, ROOT, Server, Shots, fail, page_problems, wait_js
from conftest import DEMO_PARAMS
from test_browser import browser, lab, open_and_run, page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

# every plotly figure of the dashboard by name: title, axis types, traces (name, x, y)
DASHBOARD_JS = """() => {
  const out = {};
  for (const name of ['scorecards', 'trend', 'breakdown', 'pairs']) {
    const gd = document.querySelector('.kpi-dashboard .kpi-figure-' + name + ' .js-plotly-plot');
    if (!gd || !gd.data || !gd._fullLayout || !gd.querySelector('svg.main-svg')) continue;
    const fl = gd._fullLayout;
    out[name] = {
      title: gd.layout.title ? (gd.layout.title.text || '') : '',
      xtype: fl.xaxis ? fl.xaxis.type : null,
      traces: gd._fullData.map(t => ({name: t.name || '', type: t.type || 'scatter',
        x: t.x ? Array.from(t.x, String) : [], y: t.y ? Array.from(t.y, String) : []})),
    };
  }
  return JSON.stringify(out);
}"""


def dashboard_state(pg: Any) -> dict[str, Any]:
    return json.loads(pg.evaluate(DASHBOARD_JS))


def check_time_axes(state: dict[str, Any], months: tuple[str, str], what: str) -> None:
    """Every time chart (the trend) has a date x axis; the actual values sit in the data's months."""
    trend = state["trend"]
    assert trend["xtype"] == "date", f"{what}: the trend's x axis is {trend['xtype']!r}, not a date axis"
    actual = trend["traces"][0]
    assert len(actual["x"]) >= 2, f"{what}: the trend has no points: {actual}"
    for x in actual["x"]:
        assert len(x) >= 10 and x[4] == "-" and x[7] == "-", f"{what}: x value {x!r} is not a date"
        assert months[0] <= x[:10] <= months[1], f"{what}: x value {x!r} outside the data's months {months}"
    assert actual["x"] != [str(i) for i in range(len(actual["x"]))]


def select_next(pg: Any, selector: str, label: str | None = None) -> str:
    select = pg.locator(selector)
    if label is None:
        options = select.locator("option").all_inner_texts()
        current = select.evaluate("s => s.selectedIndex")
        label = options[(max(current, 0) + 1) % len(options)]
    select.select_option(label=label)
    return label


def wait_redrawn(
    pg: Any, before: dict[str, Any], figure: str, title: str, what: str, shots: Shots, server: Server
) -> dict[str, Any]:
    """Until ``figure`` has other data than in ``before`` and its title includes ``title``."""
    wait_js(
        pg,
        f"([before, title]) => {{ const now = JSON.parse(({DASHBOARD_JS})())['{figure}'];"
        " return !!now && JSON.stringify(now) !== before && now.title.includes(title); }",
        what,
        shots,
        server,
        arg=[json.dumps(before[figure], separators=(",", ":")), title],
    )
    return dashboard_state(pg)


def test_lab_dashboard_redrawn_in_place_keeps_dates_and_filters(lab: Server, page: Any) -> None:  # noqa: F811
    import nbformat

    import kpi_helpers as kpi
    from kpi_helpers.compute.findings import dashboard_months
    from kpi_helpers.data.facts import NONE_VALUE
    from kpi_helpers.i18n.formats import t

    params = DEMO_PARAMS / "demo_webshop.yaml"
    wb = kpi.open_client(params)
    months = dashboard_months(wb)
    window = (months[0].strftime("%Y-%m-%d"), months[-1].strftime("%Y-%m-%d"))
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(f"import kpi_helpers as kpi\nkpi.dashboard(kpi.open_client({str(params)!r}))")
    ]
    folder = ARTIFACTS / "live-dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "dashboard.ipynb")
    shots = Shots("lab-live-dashboard")
    try:
        open_and_run(page, lab, (folder / "dashboard.ipynb").relative_to(ROOT).as_posix(), shots)
        wait_js(
            page,
            f"() => {{ const s = JSON.parse(({DASHBOARD_JS})()); return !!s.trend && !!s.breakdown && !!s.scorecards; }}",
            "the dashboard's figures drawn",
            shots,
            lab,
        )
        page.locator(".kpi-dashboard").first.scroll_into_view_if_needed()
        state = dashboard_state(page)
        check_time_axes(state, window, "first drawing")
        trend_node = page.locator(".kpi-dashboard .kpi-figure-trend .js-plotly-plot")
        trend_node.evaluate("gd => { gd.__kpiOriginal = true; }")  # redrawn in place: the same element stays

        channel_select = ".kpi-dashboard .kpi-channel-filter select"
        for channel in [c for c in wb.channels if c in ("email", "organic_search")] or wb.channels[:2]:
            before = state
            select_next(page, channel_select, label=channel)
            state = wait_redrawn(page, before, "trend", channel, f"the trend redrawn for {channel!r}", shots, lab)
            state = wait_redrawn(page, before, "breakdown", channel, f"the breakdown for {channel!r}", shots, lab)
            check_time_axes(state, window, f"channel {channel}")
            assert channel in state["trend"]["title"]
            assert state["trend"]["traces"][0]["y"] != before["trend"]["traces"][0]["y"], "the filter left the data"
            bars = [y for t in state["breakdown"]["traces"] for y in t["y"]]
            assert bars and NONE_VALUE not in bars, f"channel {channel}: breakdown bars {bars}"
            shots.take(page, f"channel-{channel}")

        before = state
        select_next(page, ".kpi-dashboard .kpi-grain-filter select", label=t("quarter", wb.lang))
        quarter = t("quarter", wb.lang)
        state = wait_redrawn(page, before, "trend", quarter.lower(), "the trend redrawn per quarter", shots, lab)
        check_time_axes(state, window, "grain quarter")
        assert len(state["trend"]["traces"][0]["x"]) < len(before["trend"]["traces"][0]["x"])
        assert all(x[5:7] in ("01", "04", "07", "10") for x in state["trend"]["traces"][0]["x"])

        before = state
        label = select_next(page, ".kpi-dashboard .kpi-kpi-filter select")
        state = wait_redrawn(page, before, "trend", label, f"the trend redrawn for KPI {label!r}", shots, lab)
        check_time_axes(state, window, f"KPI {label}")
        assert label in state["trend"]["title"]
        assert trend_node.evaluate("gd => gd.__kpiOriginal === true"), "the trend figure was re-created"
        shots.take(page, "done")
        problems = page_problems(page)
        if problems:
            fail(page, f"problems on the page: {problems}", shots, lab)
    finally:  # under the repo (the lab's root) only while the test runs: nbval would collect it
        shutil.rmtree(folder, ignore_errors=True)
