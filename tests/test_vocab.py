"""kpi_helpers.spec.vocab: the enums equal their plain strings, and the tuples follow them."""

from __future__ import annotations

import json

from kpi_helpers.spec import vocab
from kpi_helpers.spec.catalog import load_catalog


def test_members_equal_their_plain_values():
    assert vocab.Grain.MONTH == "month" and vocab.Status.AT_RISK == "at_risk"
    assert json.dumps({"grain": vocab.Grain.WEEK}) == '{"grain": "week"}'  # summary.json keeps plain values
    assert f"{vocab.Language.NL}" == "nl"


def test_tuples_list_every_member_in_order():
    assert vocab.GRAINS == ("day", "week", "month", "quarter", "year")
    assert vocab.STATUSES == ("on_track", "at_risk", "off_track", "not_started")
    assert vocab.LANGUAGES == ("nl", "en")
    assert vocab.DIMENSIONS == ("channel", "campaign", "coupon", "product")
    assert set(vocab.KPI_TYPES) == {"sum", "ratio", "growth"}


def test_the_catalog_uses_only_these_words():
    for kpi in load_catalog():
        assert kpi.type in vocab.KPI_TYPES, kpi.id
        assert kpi.unit in vocab.UNITS, kpi.id
