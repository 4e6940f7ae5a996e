"""The notebooks' teaching text (views/teaching.py + the catalogs' `teach` area): one language
per client, escaped, and never in a client's report."""

from __future__ import annotations

import re
from types import SimpleNamespace

import nbformat
import pytest

from kpi_helpers.i18n import messages
from kpi_helpers.run.report import REMOVE_TAG
from kpi_helpers.run.workspace import notebooks_dir
from kpi_helpers.views import teaching

WORKBOOK = ("01_goals", "02_kpi_pairs", "03_analysis")
TEACH_CALL = re.compile(r"""kpi\.teach\(\s*["']([a-z_]+)["']""")

# Sentences only the teaching text has (one per notebook at least), per language.
SENTENCES = {
    "en": [
        "KPI, goal, target — three different things.",
        "The A stands for **Assignable** here",
        "The nail factory.",
        "When a measure becomes a target, it ceases to be a good measure.",
        "The six questions of a KPI definition.",
        "Compare a month with the same month last year, not with the month before",
        "The findings below are generated from the numbers above, most important first.",
    ],
    "nl": [
        "KPI, doel, streefwaarde: drie verschillende dingen.",
        "De A staat hier voor **toewijsbaar**",
        "De spijkerfabriek.",
        "Zodra een maatstaf een doel wordt, is het geen goede maatstaf meer.",
        "De zes vragen van een KPI-definitie.",
        "Vergelijk een maand met dezelfde maand vorig jaar, niet met de maand ervoor",
        "De bevindingen hieronder volgen uit de cijfers hierboven, de belangrijkste eerst.",
    ],
}


def _teach_cells(name: str) -> list[nbformat.NotebookNode]:
    nb = nbformat.read(notebooks_dir() / f"{name}.ipynb", as_version=4)
    return [c for c in nb.cells if c.cell_type == "code" and TEACH_CALL.search(c.source)]


def _all_teaching(lang: str) -> str:
    return "\n".join(messages.catalog(lang)["teach"].values())


def test_the_sentences_are_really_teaching_text():
    for lang, sentences in SENTENCES.items():
        for sentence in sentences:
            assert sentence in _all_teaching(lang), (lang, sentence)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_teaching_is_in_one_language(lang):
    other = "en" if lang == "nl" else "nl"
    shown = "\n".join(teaching.teaching_markdown(topic, lang) for topic in messages.catalog(lang)["teach"])
    assert all(s in shown for s in SENTENCES[lang])
    assert not [s for s in SENTENCES[other] if s in shown]


def test_the_language_comes_from_the_session():
    nl = teaching.teaching_markdown("goals_intro", SimpleNamespace(lang="nl"))
    assert nl.startswith("# Stap 1 · Doelen") and "three different things" not in nl
    with pytest.raises(ValueError, match="unknown language"):
        teaching.teaching_markdown("goals_intro", "de")


def test_values_filled_in_are_escaped(monkeypatch):
    monkeypatch.setattr(teaching, "text", lambda key, lang, **fmt: "Welkom, {client}!".format(**fmt))
    out = teaching.teaching_markdown("any", "nl", client="<img src=x onerror=alert(1)> [x](javascript:alert(1))")
    assert "<img" not in out and "&lt;img" in out
    assert "](javascript" not in out


def test_teach_shows_markdown_in_a_notebook_and_nothing_on_a_voila_dashboard(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    monkeypatch.delenv(teaching.VOILA_ENV, raising=False)
    teaching.teach("analysis_findings", SimpleNamespace(lang="nl"))
    assert shown == [teaching.teaching_markdown("analysis_findings", "nl")]
    monkeypatch.setenv(teaching.VOILA_ENV, "/")  # what Voilà sets in every kernel it starts
    teaching.teach("analysis_findings", SimpleNamespace(lang="nl"))
    assert len(shown) == 1
    assert not teaching.teaching_shown({"VOILA_BASE_URL": "/"}) and teaching.teaching_shown({})


def test_every_notebook_topic_exists_and_every_topic_is_shown():
    used = {m for name in WORKBOOK for c in _teach_cells(name) for m in TEACH_CALL.findall(c.source)}
    topics = set(messages.catalog("en")["teach"])
    assert used == topics


@pytest.mark.parametrize("name", WORKBOOK)
def test_teaching_cells_are_left_out_of_the_report(name):
    cells = _teach_cells(name)
    assert cells
    for cell in cells:
        assert REMOVE_TAG in cell.metadata.get("tags", []) and "teaching" in cell.metadata["tags"]
    nb = nbformat.read(notebooks_dir() / f"{name}.ipynb", as_version=4)
    # no teaching left as (English) Markdown cells: the text is in the catalogs
    assert not [c for c in nb.cells if c.cell_type == "markdown"]


def _outputs_text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            for key, value in out.get("data", {}).items():
                if key.startswith("text/"):
                    parts.append(value if isinstance(value, str) else "".join(value))
            if "text" in out:
                parts.append(out["text"] if isinstance(out["text"], str) else "".join(out["text"]))
    return "\n".join(parts)


def test_the_committed_notebooks_teach_in_their_clients_language_only():
    """The committed notebooks run on the Dutch demo client (nbval re-runs them and compares): they
    show every Dutch teaching sentence and not one English one."""
    shown = "\n".join(
        _outputs_text(nbformat.read(notebooks_dir() / f"{name}.ipynb", as_version=4)) for name in WORKBOOK
    )
    assert all(s in shown for s in SENTENCES["nl"])
    assert not [s for s in SENTENCES["en"] if s in shown]


@pytest.mark.slow
def test_a_client_sees_teaching_only_in_its_language_and_never_in_its_report(demo_batch):
    """A batch does not run the teaching cells (tagged remove-from-report: the report drops them), so
    neither the executed notebooks nor the client reports of a Dutch (demo_webshop, demo_newsletter)
    or English (demo_b2b) client contain a teaching sentence of the other language, and the reports
    none at all."""
    params, out, result = demo_batch
    assert result.ok, result.summary_text()
    for client, lang in (("demo_webshop", "nl"), ("demo_newsletter", "nl"), ("demo_b2b", "en")):
        other = "en" if lang == "nl" else "nl"
        shown = "\n".join(
            _outputs_text(nbformat.read(out / client / f"{name}.ipynb", as_version=4)) for name in WORKBOOK
        )
        assert not [s for s in SENTENCES[other] if s in shown], client
        report = (out / client / "report.html").read_text(encoding="utf-8")
        for sentence in SENTENCES["nl"] + SENTENCES["en"]:
            plain = sentence.replace("**", "")
            assert plain not in report and sentence not in report, (client, sentence)
