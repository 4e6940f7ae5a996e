"""The portfolio overview in the agency's language (issue 13): `--lang`, else `language:` of
params/_agency.yaml, else the clients' shared language; no heading, status, window or month of the
other language; window and as-of date; goals counted by status; status as text and colour."""

from __future__ import annotations

import html
import re

import pytest

from kpi_helpers.run.batch import BatchResult, ClientResult
from kpi_helpers.run.branding import page_branding
from kpi_helpers.run.report import _TEXT, _WINDOW_TEXT, STATUS_TEXT, write_index


def _summary(client, language, statuses):
    window = {"start": "2026-09-01", "end": "2026-09-30", "covered": True}
    entry = {"value": 100.0, "numerator": 100.0, "denominator": None, "unit": "currency"}
    return {
        "client": client,
        "name": client.title(),
        "language": language,
        "currency": "EUR",
        "as_of": "2026-09-30",
        "data_from": "2025-01-01",
        "data_to": "2026-09-30",
        "windows": {
            "last_month": {**window, "kpis": {"revenue": entry}},
            "quarter_to_date": {**window, "start": "2026-07-01", "kpis": {"revenue": entry}},
            "year_to_date": {**window, "start": "2026-01-01", "kpis": {"revenue": entry}},
        },
        "goals": [{"status": s, "statement": f"goal {i}", "kpi": "revenue"} for i, s in enumerate(statuses)],
        "findings": [{"rank": 1, "message": {"nl": "Omzet daalt", "en": "Revenue falls"}}],
    }


def _batch(tmp_path, language="nl"):
    results = [
        ClientResult(c, "ok", f"{c}.yaml", name=c.title(), report=f"{c}/report.html", summary=_summary(c, language, s))
        for c, s in (("alpha", ["on_track", "off_track"]), ("beta", ["at_risk", "on_track"]))
    ]
    results.append(ClientResult("gamma", "invalid", "gamma.yaml", name="Gamma", reason="bad"))
    return BatchResult(out_dir=tmp_path, results=results, seconds=1.0)


def _visible(page):
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


def _words(lang):
    texts = [*_TEXT.values(), *STATUS_TEXT.values(), *_WINDOW_TEXT.values()]
    return {t[lang] for t in texts if t["nl"] != t["en"]}


@pytest.mark.parametrize(("lang", "other"), [("nl", "en"), ("en", "nl")])
def test_index_holds_no_word_of_the_other_language(tmp_path, lang, other):
    page = write_index(_batch(tmp_path, language=other), lang=lang).read_text(encoding="utf-8")
    text = _visible(page)
    lines = {line.strip() for line in text.splitlines() if line.strip()}
    leftovers = sorted(w for w in _words(other) if w in lines or re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text))
    assert leftovers == []
    months = {"nl": "september 2026", "en": "September 2026"}
    assert months[lang] in text and months[other] not in text
    headings = re.findall(r"<th>(.*?)</th>", page)
    assert {_TEXT[k][lang] for k in ("client", "status", "goals", "worst", "kpi", "clients_head", "total")} <= set(
        headings
    )
    assert f'<html lang="{lang}">' in page


def test_index_says_window_as_of_and_counts_goals_by_status(tmp_path):
    page = write_index(_batch(tmp_path), lang="nl").read_text(encoding="utf-8")
    text = " ".join(_visible(page).split())
    assert "Venster: september 2026 (laatste volledige maand)" in text and "peildatum 30 sep 2026" in text
    assert "uit koers 1 · risico 1 · op koers 2" in text  # alpha: 1 on track, 1 off; beta: 1 at risk, 1 on
    # status as coloured text, never a symbol alone
    assert re.search(
        r"<span class='status-off_track' style='color:#[0-9a-f]{6};font-weight:600'>uit koers</span>", page
    )
    assert "Omzet daalt" in text and "Revenue falls" not in text  # each client's worst finding, in nl
    assert "table.sortable" in page and "cellIndex" in page  # sorting: plain inline JS, per table column


def test_index_language_comes_from_the_agency_file_unless_lang_is_given(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    (params / "_agency.yaml").write_text("language: en\nname: Bureau Noord\n", encoding="utf-8")
    brand = page_branding(params)
    page = write_index(_batch(tmp_path, language="nl"), brand=brand).read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Portfolio overview" in page and "Bureau Noord" in page
    page = write_index(_batch(tmp_path, language="nl"), lang="nl", brand=brand).read_text(encoding="utf-8")
    assert '<html lang="nl">' in page and "Portfolio-overzicht" in page
    page = write_index(_batch(tmp_path, language="nl")).read_text(encoding="utf-8")
    assert '<html lang="nl">' in page  # no agency language: the clients' shared one


@pytest.mark.browser
def test_each_table_sorts_on_its_own_columns_in_a_real_browser(tmp_path):
    pytest.importorskip("playwright")
    from kpi_helpers.run.pdf import chromium_path

    if chromium_path() is None:
        pytest.skip("no Chromium")
    from playwright.sync_api import sync_playwright

    batch = _batch(tmp_path)
    batch.results[1].summary["windows"]["last_month"]["kpis"]["revenue"]["value"] = 5.0  # beta smaller
    batch.results[1].summary["windows"]["last_month"]["kpis"]["orders"] = {
        "value": 7.0,
        "numerator": 7.0,
        "denominator": None,
        "unit": "count",
    }
    batch.results[0].summary["windows"]["last_month"]["kpis"]["orders"] = {
        "value": 3.0,
        "numerator": 3.0,
        "denominator": None,
        "unit": "count",
    }
    page_path = write_index(batch, lang="en")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto(page_path.as_uri())
            clients = page.locator("table.sortable").nth(0)
            clients.locator("th").nth(0).click()
            clients.locator("th").nth(0).click()  # descending
            assert clients.locator("tbody tr td:nth-child(1)").all_inner_texts() == ["Beta", "Alpha"]
            totals = page.locator("table.sortable").nth(2)  # after the failed clients' table
            totals.locator("th").nth(2).click()  # Total, ascending: by the number, not the text
            assert totals.locator("tbody tr td:nth-child(1)").all_inner_texts() == ["Orders", "Revenue"]
            totals.locator("th").nth(2).click()
            assert totals.locator("tbody tr td:nth-child(1)").all_inner_texts() == ["Revenue", "Orders"]
        finally:
            browser.close()
