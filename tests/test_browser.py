"""Real-browser checks: the widgets and figures work in JupyterLab and in Voilà.

Headless Debian Chromium (/usr/bin/chromium) via Playwright; skipped without it unless
KPI_REQUIRE_BROWSER=1. One JupyterLab server for the session; screenshots in tests/artifacts/.
Run: python -m pytest -q -m browser tests/test_browser.py
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FIGURE_DATA_JS,
    Server,
    Shots,
    fail,
    page_problems,
    require_chromium,
    start_jupyterlab,
    start_voila,
    wait_js,
)
from conftest import DEMO_PARAMS

pytestmark = pytest.mark.browser

ANALYSIS = "kpi_helpers/notebooks/03_analysis.ipynb"
QUIZ = "kpi_helpers/notebooks/workshop/01_good_kpi_bad_kpi.ipynb"
VOILA_CLIENT = DEMO_PARAMS / "demo_b2b.yaml"  # not the notebook's default client
RUN_ALL_S = 180.0
VOILA_WAIT_S = 150.0  # a Voila page's dashboard (preheated: seconds; a loaded CI machine: far more)
DASHBOARD_JS = "() => document.querySelector('.kpi-dashboard .kpi-channel-filter select') !== null"


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")  # not session: a live sync Playwright marks the thread's asyncio loop as
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:  # running for every later test
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # fresh profile per test
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_chromium()
    server = start_jupyterlab(tmp_path_factory.mktemp("jupyterlab"))  # refuses every save (see browser_support)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def voila(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``serve demo_b2b`` as the CLI runs it (dashboard notebook, one preheated kernel), with a
    short cull timeout so the culling test does not wait a minute."""
    require_chromium()
    server = start_voila(VOILA_CLIENT, tmp_path_factory.mktemp("voila"), cull_idle_timeout=4, cull_interval=2)
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- JupyterLab helpers
NOTEBOOK_READY_JS = """(path) => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  if (!w || !w.context || w.context.path !== path || !w.sessionContext) return false;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle' && w.content.widgets.length > 0;
}"""

RUN_ALL_JS = """async (timeoutMs) => {
  const app = window.jupyterapp;
  await app.commands.execute('notebook:clear-all-cell-outputs');
  const run = app.commands.execute('notebook:run-all-cells');
  const timer = new Promise((_, reject) => setTimeout(() => reject(new Error('run-all timed out')), timeoutMs));
  return await Promise.race([run, timer]);
}"""

ALL_EXECUTED_JS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  const code = w.content.widgets.filter(c => c.model.type === 'code');
  return !!k && k.status === 'idle' && code.every(c => c.model.executionCount);
}"""


def open_and_run(page: Any, lab: Server, path: str, shots: Shots) -> None:
    """Open a notebook in JupyterLab, clear its outputs, run all cells, wait until done."""
    page.goto(lab.url(f"lab/tree/{path}"))
    wait_js(page, NOTEBOOK_READY_JS, f"{path} open with an idle kernel", shots, lab, arg=path)
    shots.take(page, "opened")
    try:
        page.evaluate(RUN_ALL_JS, RUN_ALL_S * 1000)
    except Exception as error:
        fail(page, f"run all cells of {path} failed: {error}", shots, lab)
    wait_js(page, ALL_EXECUTED_JS, f"every code cell of {path} executed, kernel idle", shots, lab, timeout=RUN_ALL_S)


def figure_data(page: Any, root_selector: str) -> str | None:
    root = page.locator(root_selector)
    return root.evaluate(FIGURE_DATA_JS) if root.count() else None


def check_channel_filter(page: Any, shots: Shots, server: Server, label: str) -> None:
    """Pick the second channel; the dashboard's trend figure must get other data."""
    dashboard = page.locator(".kpi-dashboard").first
    dashboard.scroll_into_view_if_needed()
    trend = ".kpi-dashboard .widget-output >> nth=1"  # outputs: scorecards, trend, breakdown, pairs
    wait_js(
        page,
        f"() => {{ const o = document.querySelectorAll('.kpi-dashboard .widget-output')[1];"
        f" return ({FIGURE_DATA_JS})(o) !== null; }}",
        "the dashboard's trend figure drawn",
        shots,
        server,
    )
    before = figure_data(page, trend)
    select = page.locator(".kpi-channel-filter select")
    if select.count() != 1:
        fail(page, f"expected one channel filter select, found {select.count()}", shots, server)
    assert page.locator(".kpi-channel-filter label").inner_text().strip() == label
    options = select.locator("option").all_inner_texts()
    assert len(options) >= 2, f"channel filter has no channels: {options}"
    select.select_option(index=1)
    shots.take(page, "channel-changing")
    wait_js(
        page,
        f"(before) => {{ const o = document.querySelectorAll('.kpi-dashboard .widget-output')[1];"
        f" const now = ({FIGURE_DATA_JS})(o); return now !== null && now !== before; }}",
        f"the trend figure redrawn with other data after choosing channel {options[1]!r}",
        shots,
        server,
        arg=before,
    )
    after = figure_data(page, trend)
    assert options[1] in after, f"the trend title does not name channel {options[1]!r}"
    page.locator(".kpi-dashboard").first.scroll_into_view_if_needed()
    shots.take(page, "channel-changed")


def check_csv_export(page: Any, shots: Shots, server: Server, header: str) -> None:
    """'Make CSV' on the dashboard, then download the link: a CSV of the current view."""
    from pathlib import Path

    button = page.locator(".kpi-dashboard .kpi-csv-prepare").first
    button.scroll_into_view_if_needed()
    button.click()
    wait_js(
        page,
        "() => document.querySelector('.kpi-dashboard a.kpi-csv-download') !== null",
        "the dashboard's CSV download link",
        shots,
        server,
    )
    shots.take(page, "csv-link")
    with page.expect_download() as info:
        page.locator(".kpi-dashboard a.kpi-csv-download").first.click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith(header), f"unexpected CSV header: {lines[0]!r}"
    assert len(lines) > 2 and info.value.suggested_filename.endswith(".csv")


# --------------------------------------------------------------------------- tests
def test_lab_analysis_widgets_and_figures(lab: Server, page: Any) -> None:
    shots = Shots("lab-03-analysis")
    open_and_run(page, lab, ANALYSIS, shots)
    wait_js(
        page,
        "() => document.querySelectorAll('.jp-OutputArea .js-plotly-plot svg.main-svg').length >= 3",
        "plotly figures drawn in the cell outputs",
        shots,
        lab,
    )
    wait_js(
        page,
        "() => document.querySelector('.kpi-dashboard .kpi-channel-filter select') !== null",
        "the dashboard widget rendered",
        shots,
        lab,
    )
    assert page.locator(".widget-output .js-plotly-plot .plot-container svg").count() >= 1, (
        "no plotly figure drawn inside an Output widget"
    )
    check_channel_filter(page, shots, lab, label="Kanaal")  # demo webshop: Dutch
    check_csv_export(page, shots, lab, header="periode,kpi_id,kpi,kanaal,waarde")  # a channel is chosen
    problems = page_problems(page)
    if problems:
        fail(page, f"problems on the page: {problems}", shots, lab)


def test_voila_dashboard_for_another_client(voila: Server, page: Any) -> None:
    shots = Shots("voila-dashboard")
    outside = record_outside_requests(page)
    page.goto(voila.url(""), timeout=VOILA_WAIT_S * 1000)
    wait_js(page, DASHBOARD_JS, "the Voila page with the dashboard widget", shots, voila, timeout=VOILA_WAIT_S)
    wait_js(
        page,
        "() => document.querySelectorAll('.js-plotly-plot svg.main-svg').length >= 3",
        "plotly figures drawn on the Voila page",
        shots,
        voila,
    )
    shots.take(page, "rendered", full_page=True)
    text = page.evaluate("() => document.body.innerText")
    assert "Demo Adviesbureau" in text, "the page does not show the served client (demo_b2b)"
    assert page.title() == "Demo Adviesbureau", f"page title {page.title()!r} is not the client's name"
    code = page.locator(".jp-CodeCell .jp-InputArea:visible, .jp-InputArea-editor:visible, .cm-editor:visible")
    assert code.count() == 0, "code cells are visible on the Voila page"
    assert "import kpi_helpers" not in text, "notebook source shown on the Voila page"
    assert "nail factory" not in text and "Step 3" not in text, "teaching text on the client's page"
    check_channel_filter(page, shots, voila, label="Channel")  # demo_b2b: English
    problems = page_problems(page)
    if problems:
        fail(page, f"problems on the page: {problems}", shots, voila)
    assert not outside, f"requests left the machine: {sorted(set(outside))}"


def test_lab_workshop_quiz_feedback(lab: Server, page: Any) -> None:
    from kpi_helpers.workshop.exercises import QUIZ as QUESTIONS
    from kpi_helpers.workshop.exercises import REASONS, UI, Exercise

    shots = Shots("lab-workshop-quiz")
    open_and_run(page, lab, QUIZ, shots)
    item = QUESTIONS[0]
    lang = "nl"  # the notebook's default
    good = page.locator(f".kpi-q-{item['id']}-good select")
    reason = page.locator(f".kpi-q-{item['id']}-reason select")
    wait_js(
        page,
        f"() => document.querySelector('.kpi-q-{item['id']}-reason select') !== null",
        "the quiz widget rendered",
        shots,
        lab,
    )
    good.scroll_into_view_if_needed()
    good.select_option(label=UI["good" if item["good"] else "not_good"][lang])
    reason.select_option(label=REASONS[item["reasons"][0]]["short"][lang])
    page.locator(".kpi-quiz-check").click()
    expected = Exercise("good_kpi", lang=lang).feedback(
        {item["id"]: {"good": item["good"], "reason": item["reasons"][0]}}
    )
    status, label, message = next(line for line in expected.lines(lang) if line[1] == item["metric"][lang])
    assert status == "right"
    summary = expected.summary(lang)
    wait_js(
        page,
        "(want) => { const f = document.querySelector('.kpi-quiz-feedback');"
        " return !!f && want.every(w => f.innerText.includes(w)); }",
        f"the feedback {summary!r} / {label}: {message[:40]}...",
        shots,
        lab,
        arg=[summary, label, message],
    )
    page.locator(".kpi-quiz-feedback").scroll_into_view_if_needed()
    shots.take(page, "feedback")
    problems = page_problems(page)
    if problems:
        fail(page, f"problems on the page: {problems}", shots, lab)


def test_lab_client_picker_and_save_back(lab: Server, page: Any, tmp_path: Any) -> None:
    """Pick another client in the picker (its dashboard replaces the first one), then save a goal
    from the builder into a copy of its params file: diff first, file written after Confirm."""
    import shutil

    import nbformat
    from browser_support import ARTIFACTS
    from browser_support import ROOT as BROWSER_ROOT

    params = tmp_path / "params"
    params.mkdir()
    for path in sorted(DEMO_PARAMS.glob("*.yaml")):
        shutil.copy(path, params / path.name)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            f"import kpi_helpers as kpi\nparams_dir = {str(params)!r}\n"
            "picker = kpi.client_picker(params_dir, value=params_dir + '/demo_webshop.yaml')\npicker"
        ),
        nbformat.v4.new_code_cell(
            "builder = kpi.goal_builder(kpi.open_client(params_dir + '/demo_b2b.yaml'))\n"
            "builder.owner.value = 'Browser test (Tom)'\nbuilder"
        ),
    ]
    folder = ARTIFACTS / "live"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "picker.ipynb")
    rel = (folder / "picker.ipynb").relative_to(BROWSER_ROOT).as_posix()
    shots = Shots("lab-live-picker")
    try:
        _picker_and_save_back(page, lab, rel, shots, params)
    finally:  # under the repo (the lab's root) only while the test runs: nbval would collect it
        shutil.rmtree(folder, ignore_errors=True)


def _picker_and_save_back(page: Any, lab: Server, rel: str, shots: Shots, params: Any) -> None:
    import re

    open_and_run(page, lab, rel, shots)
    wait_js(
        page,
        "() => document.querySelector('.kpi-client-view .kpi-dashboard .kpi-channel-filter label') !== null",
        "the picker's dashboard for the first client",
        shots,
        lab,
    )
    assert page.locator(".kpi-client-view .kpi-channel-filter label").inner_text().strip() == "Kanaal"  # webshop: nl
    page.locator(".kpi-client-picker select").select_option(label="Demo Adviesbureau (demo_b2b)")
    wait_js(
        page,
        "() => { const s = document.querySelector('.kpi-client-status');"
        " const l = document.querySelector('.kpi-client-view .kpi-channel-filter label');"
        " return s && s.innerText.includes('demo_b2b.yaml') && l && l.innerText.trim() === 'Channel'; }",
        "the picker reloaded for demo_b2b (its English dashboard)",
        shots,
        lab,
    )
    assert page.locator(".kpi-client-view .kpi-dashboard").count() == 1
    shots.take(page, "picked")
    # save back
    target = params / "demo_b2b.yaml"
    before = target.read_text(encoding="utf-8")
    page.locator(".kpi-save").first.scroll_into_view_if_needed()
    page.locator(".kpi-save").first.click()
    wait_js(page, "() => document.querySelector('.kpi-save-diff') !== null", "the diff of the goal to save", shots, lab)
    assert "+    owner: Browser test (Tom)" in page.locator(".kpi-save-diff").inner_text()
    assert target.read_text(encoding="utf-8") == before, "the file was written before Confirm"
    page.locator(".kpi-save-confirm").first.click()
    wait_js(
        page,
        "() => { const m = document.querySelector('.kpi-save-message'); return m && m.innerText.includes('.bak'); }",
        "the saved message naming the backup",
        shots,
        lab,
    )
    shots.take(page, "saved")
    after = target.read_text(encoding="utf-8")
    comments = lambda text: [l for l in text.splitlines() if l.lstrip().startswith("#") or re.search(r"\s#\s", l)]  # noqa: E731, E741
    assert after != before and "owner: Browser test (Tom)" in after
    assert comments(after) == comments(before) and len(comments(before)) >= 5
    assert (params / "demo_b2b.yaml.bak").read_text(encoding="utf-8") == before
    problems = page_problems(page)
    if problems:
        fail(page, f"problems on the page: {problems}", shots, lab)


# --------------------------------------------------------------------------- Voila: serve
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def record_outside_requests(page: Any) -> list[str]:
    """Every request of ``page`` to a host other than this machine, collected as it happens."""
    from urllib.parse import urlparse

    outside: list[str] = []

    def check(request: Any) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        if urlparse(url).hostname not in LOCAL_HOSTS:
            outside.append(url)

    page.on("request", check)
    return outside


def kernel_processes(server: Server) -> dict[int, str]:
    """The server's kernel processes (pid → command line), read from /proc."""
    from pathlib import Path

    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == server.process.pid and "ipykernel" in cmdline:
            found[int(entry.name)] = cmdline
    return found


def wait_until(check: Any, what: str, timeout: float) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    pytest.fail(f"{what}: not within {timeout:.0f} s", pytrace=False)


def pools_filled(server: Server) -> int:
    """How often Voila logged a filled kernel pool (at start and after each refill)."""
    return server.log.read_text(encoding="utf-8", errors="replace").count("is filled with")


def test_voila_closed_page_kernel_is_culled(voila: Server, browser: Any) -> None:
    """A page's kernel lives while the page is open (longer than the cull timeout) and is shut
    down once the page is closed: the kernel count returns to the preheated pool's."""
    shots = Shots("voila-culling")
    wait_until(lambda: pools_filled(voila) >= 1, "the preheated kernel pool filled", VOILA_WAIT_S)
    wait_until(lambda: len(kernel_processes(voila)) == 1, "one idle preheated kernel (the pool)", 60)
    baseline = kernel_processes(voila)
    filled = pools_filled(voila)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(voila.url(""), timeout=VOILA_WAIT_S * 1000)
    wait_js(page, DASHBOARD_JS, "the dashboard widget", shots, voila, timeout=VOILA_WAIT_S)
    kernel_id = page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    assert kernel_id and any(kernel_id in cmd for cmd in baseline.values()), "the page did not get the pooled kernel"
    wait_until(lambda: pools_filled(voila) > filled, "the pool refilled after the page took its kernel", VOILA_WAIT_S)
    wait_until(
        lambda: len(kernel_processes(voila)) == len(baseline) + 1, "the page's kernel and the new pool kernel", 60
    )
    page.wait_for_timeout(10_000)  # > cull timeout (4 s) + interval (2 s): an open page keeps its kernel
    assert any(kernel_id in cmd for cmd in kernel_processes(voila).values()), "the open page's kernel was culled"
    shots.take(page, "open")
    context.close()
    wait_until(
        lambda: not any(kernel_id in cmd for cmd in kernel_processes(voila).values()),
        "the closed page's kernel shut down",
        90,
    )
    assert len(kernel_processes(voila)) == len(baseline), "the kernel count did not return to the pool's"


DUTCH_CLIENT = ("zonnebloem", "Zonnebloem Tuinwinkel", "demo_webshop", ("black_friday", "retargeting", "BLACKFRIDAY"))
ENGLISH_CLIENT = ("harbor", "Harborview Consulting", "demo_b2b", ("leadgen", "services"))


SECTIONS = ("scorecards", "trends", "pacing", "pairs", "breakdowns", "seasonality", "drivers", "what_if", "dashboard")


def english_words(params_file: Any) -> list[str]:
    """English labels and section headings a Dutch client's page must not show (those that
    differ from the Dutch ones), from the label catalog and the headings in both languages."""
    import kpi_helpers as kpi
    from kpi_helpers.i18n.formats import LABELS

    words = [v["en"] for v in LABELS.values() if v.get("en") and v["en"] != v.get("nl") and len(v["en"]) >= 4]
    sessions = {lang: kpi.open_client(params_file, lang=lang) for lang in ("nl", "en")}
    for section in SECTIONS:
        heads = {
            lang: kpi.section_heading(section, wb).splitlines()[0].lstrip("# ").strip() for lang, wb in sessions.items()
        }
        if heads["en"] != heads["nl"]:
            words.append(heads["en"])
    return words


def write_two_clients(params: Any) -> None:
    from kpi_helpers.run.workspace import demo_params_file

    params.mkdir(parents=True, exist_ok=True)
    for client, name, demo, _ in (DUTCH_CLIENT, ENGLISH_CLIENT):
        source = demo_params_file(f"{demo}.yaml")
        assert source is not None
        text = source.read_text(encoding="utf-8")
        original = next(line for line in text.splitlines() if line.startswith("name:"))
        text = text.replace(f"client: {demo}", f"client: {client}").replace(original, f"name: {name}")
        (params / f"{client}.yaml").write_text(text, encoding="utf-8")


ALL_FIGURES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .map(g => JSON.stringify(g.data || []) + JSON.stringify(g.layout || {})).join('\\n')"""


def test_voila_client_list_each_client_only_its_own(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """`serve` without a client: a list page of the clients in params/, each linking its own
    dashboard; a page shows its client's name as title and none of the other client's name or
    campaigns; the Dutch client's page has no English heading or label; nothing off the machine."""
    import urllib.error
    import urllib.request

    home = tmp_path_factory.mktemp("voila-all")
    write_two_clients(home / "params")
    server = start_voila(None, home, params_dir=home / "params")
    try:
        for probe in ("voila/render/..%2Fparams%2Fzonnebloem.yaml", "voila/render/%2E%2E/voila.log"):
            try:
                with urllib.request.urlopen(server.url(probe), timeout=30) as response:
                    assert response.status != 200, f"{probe} answered 200"
            except urllib.error.HTTPError as error:
                assert error.code in (400, 403, 404), f"{probe}: HTTP {error.code}"
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        outside = record_outside_requests(page)
        page.goto(server.url(""), timeout=60_000)
        shots = Shots("voila-client-list")
        shots.take(page, "list")
        links = page.locator("a.kpi-client")
        assert links.all_inner_texts() == sorted([DUTCH_CLIENT[1], ENGLISH_CLIENT[1]]), links.all_inner_texts()
        assert page.title() == "Klanten"
        for client, name, _, _ in (DUTCH_CLIENT, ENGLISH_CLIENT):
            other = ENGLISH_CLIENT if client == DUTCH_CLIENT[0] else DUTCH_CLIENT
            shots = Shots(f"voila-client-{client}")
            page.goto(server.url(""), timeout=60_000)
            page.locator("a.kpi-client", has_text=name).click()
            wait_js(page, DASHBOARD_JS, f"{client}'s dashboard", shots, server, timeout=VOILA_WAIT_S)
            wait_js(
                page,
                "() => document.querySelectorAll('.js-plotly-plot svg.main-svg').length >= 3",
                f"{client}'s figures drawn",
                shots,
                server,
            )
            shots.take(page, "rendered", full_page=True)
            assert page.title() == name, f"page title {page.title()!r}, expected {name!r}"
            text = page.evaluate("() => document.body.innerText")
            figures = page.evaluate(ALL_FIGURES_JS)
            assert name in text
            for word in (other[1], other[1].split()[0], other[0], *other[3]):
                assert word not in text and word not in figures, f"{client}'s page shows {other[0]}'s {word!r}"
            label = page.locator(".kpi-channel-filter label").inner_text().strip()
            if client == DUTCH_CLIENT[0]:
                assert label == "Kanaal"
                import re

                english = [
                    w
                    for w in english_words(home / "params" / f"{client}.yaml")
                    if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)
                ]
                assert not english, f"English on the Dutch client's page: {english}"
            else:
                assert label == "Channel"
            problems = page_problems(page)
            if problems:
                fail(page, f"problems on {client}'s page: {problems}", shots, server)
        context.close()
        assert not outside, f"requests left the machine: {sorted(set(outside))}"
    finally:
        server.stop()


# --------------------------------------------------------------------------- the live dashboard (issue 15)
# After control changes the figures are redrawn in place (Plotly.react) and keep a date axis with
# the data's months; the filters change the data; a channel filter leaves no "(none)" bar.
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


def test_lab_dashboard_redrawn_in_place_keeps_dates_and_filters(lab: Server, page: Any) -> None:
    import shutil

    import nbformat
    from browser_support import ARTIFACTS, ROOT

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
