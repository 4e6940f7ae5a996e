"""The message catalogs (kpi_helpers/i18n/<lang>.yaml): complete in every language, the same
placeholders everywhere, every area used by the code, and the lookups behave."""

import re
from pathlib import Path

import pytest

from kpi_helpers.i18n import messages
from kpi_helpers.spec.vocab import LANGUAGES

PACKAGE = Path(messages.__file__).resolve().parents[1]


def test_there_is_one_catalog_per_language():
    assert messages.catalog_languages() == tuple(sorted(LANGUAGES))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_key_is_missing_in_any_language(lang):
    keys = {lang_: set(messages.flat(lang_)) for lang_ in LANGUAGES}
    every = set().union(*keys.values())
    missing = sorted(every - keys[lang])
    assert not missing, f"kpi_helpers/i18n/{lang}.yaml lacks {missing}"


def test_placeholders_are_the_same_in_every_language():
    flats = {lang: messages.flat(lang) for lang in LANGUAGES}
    differ = []
    for key in flats[LANGUAGES[0]]:
        wanted = {lang: messages.placeholders(flats[lang][key]) for lang in LANGUAGES if key in flats[lang]}
        if len({frozenset(v) for v in wanted.values()}) > 1:
            differ.append((key, wanted))
    assert not differ


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_message_is_empty(lang):
    empty = [k for k, v in messages.flat(lang).items() if not v.strip() and not k.startswith("channels.")]
    assert not empty


def test_every_area_is_used_by_the_code():
    """An area nobody asks for is dead text (areas are named in code as 'area.' or table('area'))."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))
    source += "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.ipynb"))
    unused = [
        area for area in messages.catalog(LANGUAGES[0]) if not re.search(rf"""["']{re.escape(area)}(\.|["'])""", source)
    ]
    assert not unused


def test_text_fills_placeholders_and_names_a_missing_key():
    assert messages.text("pair_views.n_kpis", "en", n=3) == "3 KPIs selected (advice: 2–3 per domain)"
    assert messages.text("pair_views.n_kpis", "nl", n=3).startswith("3 KPI's gekozen")
    with pytest.raises(messages.MessageError, match="no message 'pair_views.nope' in kpi_helpers/i18n/nl.yaml"):
        messages.text("pair_views.nope", "nl")
    with pytest.raises(messages.MessageError, match="no area"):
        messages.text("no_area_here", "nl")
    with pytest.raises(ValueError, match="unknown language"):
        messages.text("pair_views.n_kpis", "de")


def test_a_client_string_in_a_placeholder_is_not_formatted_again():
    value = "{label} {0} {__class__}"
    out = messages.text("builders.draft_statement", "en", label=value)
    assert out == f"We want more {value}"


def test_table_has_every_language_per_key():
    labels = messages.table("labels")
    assert labels["on_track"] == {"en": "on track", "nl": "op koers"}
    labels["on_track"]["nl"] = "changed"  # a copy: the catalogs do not change
    assert messages.text("labels.on_track", "nl") == "op koers"


def test_the_catalogs_ship_with_the_package():
    from importlib import resources

    names = {p.name for p in resources.files("kpi_helpers.i18n").iterdir()}
    assert {f"{lang}.yaml" for lang in LANGUAGES} <= names
    pyproject = (PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"kpi_helpers.i18n" = ["*.yaml"]' in pyproject
