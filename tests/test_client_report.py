"""Issue 13, the client's report: one language, no teaching example, results first, PDF.

Fast tests check the summary/label helpers; the slow ones run the real notebooks for a Dutch
(demo_webshop) and an English (demo_b2b) demo client once and read report.html, analysis.html
and (browser marker) page one of report.pdf.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil
import subprocess

import pytest
from babel.dates import get_month_names

import kpi_helpers as kpi
from kpi_helpers.i18n.formats import dimension_label, t
from kpi_helpers.spec.catalog import load_catalog
from kpi_helpers.views.summary import findings_html, summary_html

# ---------------------------------------------------------------- tell-tales of the other language
#: Words and phrases that give a Dutch report away as partly English (and the other way round).
ENGLISH_WORDS = [
    "Goals as",
    "Goal chain",
    "Target",
    "Forecast",
    "Actual",
    "on track",
    "off track",
    "at risk",
    "Findings",
    "Act:",
    "vs previous",
    "vs last year",
    "Owner",
    "Summary",
    "Revenue",
    "Channels",
    "Made with",
    "Organic search",
    "Paid search",
    "(none)",
    "break-even",
    "so far",
    "per day",
    "Selected KPIs",
    "From vague",
    "of target",
]
DUTCH_WORDS = [
    "Doelen als",
    "doelketen",
    "Doel:",
    "Prognose",
    "Realisatie",
    "op koers",
    "uit koers",
    "risico",
    "Bevindingen",
    "Actie",
    "t.o.v.",
    "Eigenaar",
    "Samenvatting",
    "Omzet",
    "Kanalen",
    "Gemaakt met",
    "Organisch zoeken",
    "Betaald zoeken",
    "(geen)",
    "kostendekkend",
    "tot nu",
    "per dag",
    "Van vaag",
    "van het doel",
    "maand",
]
TEACHING = [
    "Van vaag naar specifiek",
    "From vague to specific",
    "We willen meer winst",
    "We want more profit",
    "Directeur (Anna)",
    "Managing director (Anna)",
    "750.000",
    "750,000",
]


def month_patterns(lang: str) -> list[re.Pattern[str]]:
    """Month names of `lang` as they would appear in a chart or date ('mrt 2026', 'March', 'Sept 2026')."""
    locale = {"nl": "nl_NL", "en": "en_GB"}[lang]
    wide = [m for m in get_month_names("wide", locale=locale).values()]
    abbr = [m.rstrip(".") for m in get_month_names("abbreviated", locale=locale).values()]
    other = {"nl": "en", "en": "nl"}[lang]
    other_locale = {"nl": "nl_NL", "en": "en_GB"}[other]
    mine = {
        m.lower().rstrip(".")
        for kind in ("wide", "abbreviated")
        for m in get_month_names(kind, locale=other_locale).values()
    }
    # only names that differ from the other language's (both have 'april', 'juni'/'June' differ, ...)
    wide = [m for m in wide if m.lower() not in mine]
    abbr = [m for m in abbr if m.lower() not in mine]
    flags = 0 if lang == "en" else re.IGNORECASE
    return [re.compile(rf"\b{re.escape(m)}\b", flags) for m in wide] + [
        re.compile(rf"\b{re.escape(m)}\.? \d{{4}}\b", flags) for m in abbr
    ]


#: a decimal separator of the other language: '2.5%' in Dutch, '2,5%' in English
WRONG_DECIMAL = {
    "nl": re.compile(r"(?<![\d.,])\d{1,3}\.\d{1,2}(?![\d.,])\s?(%|k|pp)?"),
    "en": re.compile(r"(?<![\d.,])\d{1,3},\d{1,2}(?![\d.,])\s?(%|k|%-punt)?"),
}


def visible_text(page: str) -> str:
    body = re.sub(r"<script.*?</script>|<style.*?</style>|<title>.*?</title>", " ", page, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", "\n", body))


def chart_strings(page: str) -> list[str]:
    """Every text a reader can see in the report's plotly figures: titles, axis titles, trace
    names, category labels, tick texts, annotations (not formats or hover templates)."""
    out = []
    for call in re.findall(
        r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{\"displaylogo\"", page, flags=re.S
    ):
        data, layout = json.loads(call[0]), json.loads(call[1])

        def walk(node, key=""):
            if isinstance(node, dict):
                hidden = {"hovertemplate", "tickformat", "template", "separators", "customdata"}
                if node.get("type") == "indicator":
                    hidden.add("name")  # a KPI tile shows its title; plotly never draws an indicator's name
                for k, v in node.items():
                    if k not in hidden:
                        walk(v, k)
            elif isinstance(node, list):
                for v in node:
                    walk(v, key)
            elif isinstance(node, str) and key in ("text", "name", "x", "y", "ticktext", "title", "annotation_text"):
                if not re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+", node):
                    out.append(node)

        walk(data)
        walk(layout)
    return out


def figure_separators(page: str) -> set[str]:
    return set(re.findall(r'"separators":"(..)"', page))


def language_problems(page: str, lang: str) -> list[str]:
    text = visible_text(page) + "\n" + "\n".join(chart_strings(page))
    problems = []
    for word in ENGLISH_WORDS if lang == "nl" else DUTCH_WORDS:
        if word in text:
            problems.append(f"word of the other language: {word!r}")
    for pattern in month_patterns("en" if lang == "nl" else "nl"):
        found = pattern.search(text)
        if found:
            problems.append(f"month of the other language: {found.group(0)!r}")
    for found in WRONG_DECIMAL[lang].finditer(text):
        problems.append(f"number in the other language's format: {found.group(0)!r}")
    catalog = load_catalog()
    for kpi_obj in catalog:
        if f"({kpi_obj.id})" in text:
            problems.append(f"KPI id in brackets: ({kpi_obj.id})")
    if re.search(r"\bsum\(", text):
        problems.append("formula in the report")
    for channel in ("organic_search", "paid_search"):
        if channel in text:
            problems.append(f"channel id: {channel}")
    seps = figure_separators(page)
    if seps != {",." if lang == "nl" else ".,"}:
        problems.append(f"plotly separators {seps}")
    return problems


# ---------------------------------------------------------------- fast


def test_channel_labels_have_defaults_per_language_and_params_override():
    assert dimension_label("organic_search", "nl") == "Organisch zoeken"
    assert dimension_label("organic_search", "en") == "Organic search"
    assert dimension_label("(none)", "nl") == "(geen)"
    assert dimension_label("organic_search", "nl", {"organic_search": "SEO"}) == "SEO"
    assert dimension_label("spring-sale", "nl") == "spring-sale"  # unknown ids stay what the client called them


def test_language_checker_catches_the_other_language():
    page = (
        '<p>Omzet (revenue) 2.5% on track</p><script>Plotly.newPlot("a", [{"y": ["organic_search"]}], '
        '{"separators": ".,", "xaxis": {"ticktext": ["Mar 2026"]}}, {"displaylogo": false})</script>'
    )
    problems = "\n".join(language_problems(page, "nl"))
    for expected in ("on track", "Mar 2026", "2.5%", "(revenue)", "organic_search", "separators"):
        assert expected in problems, expected
    assert language_problems("<p>Revenue 2.5% on track in March</p>", "en") == ["plotly separators set()"]


def _summary(goal_kind: str = "ratio", statement: str = "60 % repeat orders") -> dict:
    goal = {
        "id": "g1",
        "statement": statement,
        "kpi": "repeat_purchase_rate" if goal_kind == "ratio" else "revenue",
        "owner": "Eigenaar (Joris)",
        "deadline": "2026-12-31",
        "status": "off_track",
        "target": 0.6,
        "actual_to_date": 0.48,
        "expected": 0.6,
        "forecast": 0.48,
    }
    if goal_kind == "sum":
        goal.update(target=1000.0, actual_to_date=500.0, expected=700.0, forecast=900.0, status="at_risk")
    return {
        "name": "X",
        "currency": "EUR",
        "as_of": "2026-09-30",
        "grain": "month",
        "goals": [goal],
        "tiles": [{"kpi": "revenue", "period": "2026-09-01", "value": 1234.5, "abs_change": 10.0, "rel_change": 0.1}],
        "findings": [
            {
                "severity": "critical",
                "rank": 0,
                "message": {"nl": "<b>slecht</b>", "en": "bad"},
                "action": {"nl": "doe iets", "en": "do"},
            }
        ],
    }


def test_summary_shows_a_ratio_goal_as_values_not_as_a_bar_and_status_as_text():
    page = summary_html(_summary("ratio"), "nl")
    assert "uit koers" in page and "48,2%" not in page  # 0.48 -> 48,0%
    assert "48,0%" in page and "60,0%" in page
    assert 'class="bar"' not in page  # no progress bar of a rate
    assert "Eigenaar (Eigenaar" not in page and "Eigenaar: Joris" in page and "Eigenaar: Eigenaar" not in page
    assert not re.search("[\U0001f300-\U0001faff]", page)  # no emoji
    sums = summary_html(_summary("sum"), "en")
    assert 'class="bar"' in sums and "risk" in sums and "50.0% of target" in sums


def test_summary_escapes_params_and_data_text():
    page = summary_html(_summary("sum", statement="<script>alert(1)</script>"), "nl", title="<img src=x>")
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<img src=x>" not in page
    assert "<b>slecht</b>" not in findings_html(_summary()["findings"], "nl")


def test_pacing_chart_draws_no_progress_bar_for_a_ratio_goal(params_dir):
    wb = kpi.open_client(params_dir / "demo_webshop.yaml")
    ratio_goals = {g.id for g in wb.config.goals if kpi.load_catalog()[g.kpi].type == "ratio"}
    assert ratio_goals  # the demo has one (repeat purchase rate)
    (fig,) = kpi.pacing_charts(wb)
    drawn = {y for trace in fig.data for y in trace.y}
    assert drawn and not drawn & ratio_goals


def test_percent_axes_have_enough_decimals():
    from kpi_helpers.views.charts import axis_format

    assert axis_format("percent")["tickformat"] == ",.2~%"


def test_channel_axis_uses_readable_names(params_dir):
    wb = kpi.open_client(params_dir / "demo_webshop.yaml")
    labels = {y for fig in kpi.breakdown_charts(wb) for trace in fig.data for y in (trace.y or [])}
    assert "Organisch zoeken" in labels and "organic_search" not in labels and "(none)" not in labels


# ---------------------------------------------------------------- slow: the real reports


@pytest.fixture(scope="module")
def reports(demo_batch):
    """The reports of the session's one demo batch run (conftest `demo_batch`, with PDFs when a
    browser is there): the demo clients' notebooks are not executed a second time here."""
    params, out, result = demo_batch
    assert result.ok, result.summary_text()
    assert {p.stem for p in params.glob("*.yaml")} >= {"demo_webshop", "demo_b2b", "demo_newsletter"}
    return out


@pytest.mark.slow
@pytest.mark.parametrize("client,lang", [("demo_webshop", "nl"), ("demo_b2b", "en"), ("demo_newsletter", "nl")])
def test_report_is_in_one_language(reports, client, lang):
    page = (reports / client / "report.html").read_text()
    assert "(Eigenaar (" not in page and "(Owner (" not in page  # an owner called "Eigenaar (Joost)"
    assert f'<html lang="{lang}">' in page
    problems = language_problems(page, lang)
    assert not problems, f"{client} ({lang}): " + "; ".join(problems[:15])


@pytest.mark.slow
@pytest.mark.parametrize("client", ["demo_webshop", "demo_b2b", "demo_newsletter"])
def test_no_internal_id_in_the_client_report(reports, client):
    """No goal id ('omzet-2026'), snake_case KPI id ('average_order_value') or status value
    ('off_track') in any text, table or chart label of the client's report; the owner reads once."""
    from conftest import DEMO_PARAMS

    from kpi_helpers.spec.vocab import STATUSES

    page = (reports / client / "report.html").read_text()
    text = visible_text(page) + "\n" + "\n".join(chart_strings(page))
    config = kpi.open_client(DEMO_PARAMS / f"{client}.yaml").config
    ids = {k.id for k in load_catalog() if "_" in k.id} | set(STATUSES) | {g.id for g in config.goals if g.id}
    found = sorted(i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text))
    assert not found, f"{client}: {found}"
    assert "Eigenaar: Eigenaar" not in text and "Owner: Owner" not in text


@pytest.mark.slow
@pytest.mark.parametrize("client", ["demo_webshop", "demo_b2b"])
def test_no_teaching_example_in_the_client_documents(reports, client):
    for name in ("report.html", "analysis.html"):
        text = visible_text((reports / client / name).read_text()) + "\n".join(
            chart_strings((reports / client / name).read_text())
        )
        for phrase in TEACHING:
            assert phrase not in text, f"{client}/{name}: {phrase}"


@pytest.mark.slow
@pytest.mark.parametrize("client,lang", [("demo_webshop", "nl"), ("demo_b2b", "en")])
def test_results_come_first_and_goal_design_is_in_the_appendix(reports, client, lang):
    page = (reports / client / "report.html").read_text()
    summary = json.loads((reports / client / "summary.json").read_text())
    first_section = page.index('class="notebook-section"')
    head = visible_text(page[:first_section])
    for goal in summary["goals"]:
        assert html_lib.unescape(html_lib.escape(goal["statement"])) in head
        assert t(goal["status"], lang) in head.lower()
    assert page.index("kpi-summary") < first_section
    # the three most important findings on page one, the full list later
    assert visible_text(page[:first_section]).count({"nl": "Actie:", "en": "Act:"}[lang]) == 3
    # goal design only in the analyst appendix
    smart = {"nl": "SMART-kaarten", "en": "SMART cards"}[lang]
    assert smart not in visible_text(page[first_section:])
    appendix = (reports / client / "analysis.html").read_text()
    assert smart in visible_text(appendix)
    # sections numbered by the stylesheet, not by the notebooks' headings
    assert not re.search(r"<h2[^>]*>\s*\d+ ·", page + appendix)


def test_a_section_without_figures_is_left_out(monkeypatch, params_dir):
    from kpi_helpers.views import display
    from kpi_helpers.views.summary import show_section

    shown = []
    monkeypatch.setattr(display, "show_markdown", lambda text: shown.append(text))
    monkeypatch.setattr(display, "show", lambda fig: shown.append(fig))
    wb = kpi.open_client(params_dir / "demo_webshop.yaml")
    show_section("breakdowns", wb, [])
    assert shown == []  # no channels: no heading either
    # None: a notebook cell ending in this call prints no stray "1" under the charts
    assert show_section("breakdowns", wb, ["fig"]) is None
    assert shown[0].startswith("## Kanalen") and shown[1] == "fig"


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("client,lang", [("demo_webshop", "nl"), ("demo_b2b", "en")])
def test_page_one_of_the_pdf_holds_every_goal_and_its_status(reports, client, lang):
    from kpi_helpers.run.pdf import pdf_problem

    if pdf_problem() or not shutil.which("pdftotext"):
        pytest.skip(pdf_problem() or "pdftotext (poppler-utils) not installed")
    pdf = reports / client / "report.pdf"
    assert pdf.exists()
    page_one = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(page_one.split())
    summary = json.loads((reports / client / "summary.json").read_text())
    for goal in summary["goals"]:
        assert " ".join(goal["statement"].split())[:60] in flat, goal["statement"]
        assert t(goal["status"], lang).upper() in flat  # badges are upper-cased by the stylesheet
    # the whole summary fits on page one: its last line (the pointer to the appendix) is there too
    assert "analysis.html" in flat
    assert {"nl": "Samenvatting", "en": "Summary"}[lang] in flat
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "A4" in info


# ---------------------------------------------------------------- the portfolio overview


def _batch(tmp_path, lang_of_clients="nl"):
    from kpi_helpers.run.batch import BatchResult, ClientResult

    def summary(statuses, worst):
        return {
            "language": lang_of_clients,
            "currency": "EUR",
            "kpis": {},
            "as_of": "2026-09-30",
            "goals": [{"status": s, "statement": f"goal {i} <b>", "kpi": "revenue"} for i, s in enumerate(statuses)],
            "findings": [{"rank": 0, "message": {"nl": f"{worst} nl", "en": f"{worst} en"}}],
        }

    return BatchResult(
        out_dir=tmp_path,
        seconds=3.0,
        results=[
            ClientResult(
                "a",
                "ok",
                "params/a.yaml",
                name="Alpha",
                summary=summary(["on_track", "off_track"], "worst-a"),
                report="a/report.html",
            ),
            ClientResult(
                "b",
                "ok",
                "params/b.yaml",
                name="Beta",
                summary=summary(["on_track", "at_risk", "on_track"], "worst-b"),
                report="b/report.html",
            ),
            ClientResult("c", "invalid", "params/c.yaml", name="Gamma", reason="bad yaml"),
        ],
    )


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_index_in_the_agencys_language_with_counts_status_and_sorting(tmp_path, lang):
    from kpi_helpers.run.report import write_index

    page = write_index(_batch(tmp_path), lang=lang).read_text()
    text = visible_text(page)
    assert f'<html lang="{lang}">' in page
    words = {
        "nl": [
            "Portfolio-overzicht",
            "Doelen per status",
            "op koers 3",
            "risico 1",
            "uit koers 1",
            "ongeldig",
            "peildatum 30 sep 2026",
            "worst-a nl",
        ],
        "en": [
            "Portfolio overview",
            "Goals by status",
            "on track 3",
            "at risk 1",
            "off track 1",
            "invalid",
            "as of 30 Sept 2026",
            "worst-a en",
        ],
    }[lang]
    for word in words:
        assert word in " ".join(text.split()), word
    for word in ENGLISH_WORDS if lang == "nl" else DUTCH_WORDS:
        assert word not in text, word
    # each client's overall status is its worst goal, sortable by a numeric key
    assert "data-sort='0'" in page and "data-sort='1'" in page
    assert 'class="sortable"' in page and 'addEventListener("click"' in page
    assert "http" not in page.split("<script", 1)[1]  # the sorting works offline
    assert "goal 0 <b>" not in page and "goal 0 &lt;b&gt;" in page
    assert "Run time" not in page and "Looptijd" not in page


def test_formulas_in_the_readers_language():
    from kpi_helpers.spec.catalog import readable_formula

    catalog = load_catalog()
    assert readable_formula(catalog["conversion_rate"], "nl") == "som(bestellingen) / som(bezoeken)"
    assert readable_formula(catalog["conversion_rate"], "en") == "sum(orders) / sum(sessions)"
    assert (
        readable_formula(catalog["roi"], "nl") == "(som(omzet) - som(advertentie-uitgaven)) / som(advertentie-uitgaven)"
    )
    assert readable_formula(catalog["visits_by_channel"], "nl").endswith("per kanaal")


def test_no_english_none_on_a_dutch_product_axis(params_dir):
    wb = kpi.open_client(params_dir / "demo_newsletter.yaml")
    assert wb.lang == "nl"
    labels = {y for fig in kpi.breakdown_charts(wb) for trace in fig.data for y in (trace.y or [])}
    assert "(none)" not in labels and "Appeltaart" in labels


@pytest.mark.slow
def test_pdf_is_skipped_with_a_clear_message_without_a_browser(tmp_path, monkeypatch):
    from conftest import FIXTURE_NOTEBOOKS, write_client

    from kpi_helpers.run import pdf
    from kpi_helpers.run.batch import run_batch

    monkeypatch.setattr(pdf, "chromium_path", lambda: None)
    assert "no Chromium browser found" in pdf.pdf_problem()
    with pytest.raises(pdf.PdfError, match="apt-get install chromium"):
        pdf.write_pdf(tmp_path / "report.html")
    params = tmp_path / "params"
    params.mkdir()
    write_client(params, "plain", "Plain")
    result = run_batch(
        params_dir=params,
        out_dir=tmp_path / "reports",
        progress=False,
        timeout=60,
        workers=1,
        notebooks_dir=FIXTURE_NOTEBOOKS,
        pdf=True,
    )
    assert result.ok
    assert any("PDF skipped" in note for note in result.notes) and "PDF skipped" in result.summary_text()
    assert (tmp_path / "reports" / "plain" / "report.html").exists()
    assert not (tmp_path / "reports" / "plain" / "report.pdf").exists()
