"""Every catalog KPI has a complete six-question definition card in Dutch and English, specific to
the KPI (not a copied template)."""

from __future__ import annotations

from collections import Counter

import pytest

from kpi_helpers.spec.catalog import CARD_FIELDS, LANGS, default_catalog

CATALOG = default_catalog()


@pytest.mark.parametrize("kpi", list(CATALOG), ids=lambda k: k.id)
def test_complete_card_in_both_languages(kpi):
    assert kpi.card is not None, f"{kpi.id} has no definition card"
    for lang in LANGS:
        answers = {f: getattr(kpi.card, f).get(lang, "") for f in CARD_FIELDS}
        for field, text in answers.items():
            assert isinstance(text, str) and len(text.strip()) >= 5, (kpi.id, lang, field, text)
            assert text.strip()[-1] in ".?!)", (kpi.id, lang, field, "an answer is a sentence")
    for field in ("result", "how", "influence"):
        assert getattr(kpi.card, field)["nl"] != getattr(kpi.card, field)["en"], (kpi.id, field, "not translated")


@pytest.mark.parametrize("kpi", [k for k in CATALOG if k.type == "ratio"], ids=lambda k: k.id)
def test_ratio_cards_say_what_is_divided_by_what(kpi):
    for lang in LANGS:
        assert "/" in kpi.card.how[lang] or "gedeeld" in kpi.card.how[lang], (kpi.id, lang)


def test_cards_are_specific_per_kpi():
    for lang in LANGS:
        for field in ("result", "how"):
            counts = Counter(getattr(k.card, field)[lang] for k in CATALOG)
            assert [t for t, n in counts.items() if n > 1] == [], (lang, field)


@pytest.mark.parametrize("lang", LANGS)
def test_no_kpi_shows_the_missing_card_note(lang):
    """The definition card view (02_kpi_pairs) shows six answers for every KPI, never 'no card'."""
    from kpi_helpers.views.pair_views import definition_card_html

    for kpi in CATALOG:
        page = definition_card_html(kpi, lang)
        assert page.count("<dt>") == 6 and "<em>" not in page, kpi.id
