"""kpi_helpers.session: one client opened for a notebook (params, data, language, as-of date)."""

from __future__ import annotations

import pytest
from conftest import DEMO_PARAMS, write_client

import kpi_helpers as kpi
from kpi_helpers.exceptions import ParamsError


@pytest.fixture(scope="module")
def newsletter():
    return kpi.open_client(DEMO_PARAMS / "demo_newsletter.yaml")


def test_open_client_takes_the_params_language_unless_overridden(newsletter):
    assert newsletter.config.client == "demo_newsletter" and newsletter.lang == "nl"
    assert kpi.open_client(DEMO_PARAMS / "demo_newsletter.yaml", lang="en").lang == "en"
    with pytest.raises(ValueError, match="unknown language"):
        kpi.open_client(DEMO_PARAMS / "demo_newsletter.yaml", lang="de")


def test_facts_are_loaded_once_and_the_as_of_date_is_the_last_data_day(newsletter):
    facts = newsletter.facts
    assert newsletter.facts is facts
    assert newsletter.as_of == facts["date"].max().date()
    assert newsletter.currency == "EUR"


def test_channels_are_those_in_the_data(newsletter):
    present = sorted(newsletter.facts["channel"].dropna().unique()) if "channel" in newsletter.facts else []
    assert newsletter.channels == [c for c in (newsletter.config.channels or present) if c in present]


def test_title_is_one_line_with_the_localised_date(tmp_path):
    path = write_client(tmp_path, "multi", '"Acme\\nShop"')
    session = kpi.open_client(path, lang="nl")
    assert session.title.startswith("Acme Shop — ") and "\n" not in session.title
    assert session.label("average_order_value") == session.catalog["average_order_value"].label("nl")


def test_a_missing_params_file_is_a_params_error(tmp_path):
    with pytest.raises(ParamsError, match="file not found"):
        kpi.open_client(tmp_path / "nope" / "client.yaml")
