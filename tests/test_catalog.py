"""Tests for kpi_helpers.spec.catalog: the bundled catalog, the loader's validation and the selection checks."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from kpi_helpers.exceptions import CatalogError, KpiWorkbookError, UnknownKpiError
from kpi_helpers.spec import catalog as catalog_module
from kpi_helpers.spec.catalog import (
    DOMAINS,
    Catalog,
    SelectionWarning,
    check_selection,
    format_formula,
    kpi_table,
    load_catalog,
    suggest_partners,
)

REQUIRED = """
accounts_created revenue_per_account orders average_order_value quotes revenue_per_quote
repeat_purchase_rate sessions revenue_per_visit follower_growth sales_growth subscribers_new
unsubscribes net_subscriber_growth email_open_rate click_through_rate email_click_rate
organic_visitors visits_by_channel ad_clicks ad_spend roas roi intro_calls leads
lead_to_customer_rate new_customers customers revenue conversion_rate revenue_per_customer
sales_per_product sales_per_customer units_produced defect_rate on_time_delivery_rate
units_per_hour tickets_handled first_contact_resolution_rate csat average_handling_time hires
retention_12m absenteeism_rate employee_turnover
""".split()

MEASURES_YAML = """
measures:
  revenue: {labels: {nl: Omzet, en: Revenue}, unit: currency}
  orders: {labels: {nl: Bestellingen, en: Orders}, unit: count}
"""


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def write_catalog(tmp_path: Path, kpis_yaml: str, extra: str = "") -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(MEASURES_YAML + "kpis:\n" + textwrap.indent(textwrap.dedent(kpis_yaml), "  ") + extra)
    return path


ORDERS = """
- id: orders
  labels: {nl: Bestellingen, en: Orders}
  domain: sales
  kind: performance
  type: sum
  measure: orders
  partners: [aov]
- id: aov
  labels: {nl: Gemiddelde orderwaarde, en: Average order value}
  domain: sales
  kind: quality
  type: ratio
  numerator: revenue
  denominator: orders
  unit: currency
"""


# ---------------------------------------------------------------- the bundled catalog


def test_default_catalog_loads_and_is_cached(cat: Catalog) -> None:
    assert load_catalog() is cat
    assert len(cat) >= 30
    assert len(list(cat)) == len(cat.ids) == len(cat)


def test_at_least_three_kpis_per_domain(cat: Catalog) -> None:
    counts = Counter(k.domain for k in cat)
    for domain in DOMAINS:
        assert counts[domain] >= 3, domain
        assert len(cat.by_domain(domain)) == counts[domain]


@pytest.mark.parametrize("kpi_id", REQUIRED)
def test_required_kpi_present(cat: Catalog, kpi_id: str) -> None:
    assert kpi_id in cat


def test_labels_descriptions_and_units(cat: Catalog) -> None:
    for kpi in cat:
        for lang in ("nl", "en"):
            assert kpi.labels.get(lang), (kpi.id, lang)
            assert kpi.descriptions.get(lang), (kpi.id, lang)
        assert kpi.label("nl") and kpi.label("de") == kpi.label("en")
    assert cat["average_order_value"].label("nl") == "Gemiddelde orderwaarde"
    assert cat["revenue_per_visit"].label("nl") == "Omzet per bezoek"
    assert cat["absenteeism_rate"].label("nl") == "Ziekteverzuim"


def test_every_measure_in_architecture_is_listed(cat: Catalog) -> None:
    expected = {
        "sessions",
        "organic_visitors",
        "orders",
        "revenue",
        "customers",
        "new_customers",
        "returning_customers",
        "repeat_orders",
        "units_sold",
        "accounts_created",
        "new_followers",
        "leads",
        "intro_calls",
        "quotes",
        "quote_value",
        "subscribers_new",
        "unsubscribes",
        "emails_delivered",
        "emails_opened",
        "email_clicks",
        "ad_impressions",
        "ad_clicks",
        "ad_spend",
        "units_produced",
        "defective_units",
        "production_hours",
        "deliveries",
        "deliveries_on_time",
        "tickets_handled",
        "tickets_resolved_first_contact",
        "handling_minutes",
        "survey_responses",
        "satisfied_responses",
        "hires",
        "hires_cohort_12m",
        "hires_retained_12m",
        "sick_days",
        "scheduled_days",
        "headcount_days",
        "leavers",
        # tool exports (presets)
        "engaged_sessions",
        "key_events",
        "ad_conversions",
        "ad_conversion_value",
        "emails_sent",
    }
    assert set(cat.measures) == expected
    assert all(m.labels.get("nl") and m.labels.get("en") for m in cat.measures.values())


def test_performance_kpis_have_a_quality_partner(cat: Catalog) -> None:
    for kpi in cat:
        if kpi.kind == "performance":
            partners = suggest_partners(kpi.id, cat)
            assert partners, kpi.id
            assert all(cat[p].kind == "quality" for p in partners), kpi.id


def test_formulas_and_directions(cat: Catalog) -> None:
    assert cat["net_subscriber_growth"].numerator == (("subscribers_new", 1), ("unsubscribes", -1))
    assert cat["roi"].numerator == (("revenue", 1), ("ad_spend", -1))
    assert cat["roi"].denominator == (("ad_spend", 1),)
    assert cat["sales_growth"].growth_of == "revenue"
    assert cat["sales_growth"].measures == {"revenue"}
    assert cat["visits_by_channel"].breakdown == "channel"
    assert cat["sales_per_product"].breakdown == "product"
    for lower in ("defect_rate", "average_handling_time", "absenteeism_rate"):
        assert cat[lower].direction == "lower"
    assert format_formula(cat["average_order_value"]) == "sum(revenue) / sum(orders)"
    assert format_formula(cat["roi"]) == "(sum(revenue) - sum(ad_spend)) / sum(ad_spend)"
    assert format_formula(cat["sales_growth"]) == "growth(revenue)"


def test_cards_for_core_kpis(cat: Catalog) -> None:
    with_card = [k for k in cat if k.card is not None]
    assert len(with_card) >= 12
    for kpi in with_card:
        for lang in ("nl", "en"):
            assert all(kpi.card.text(lang).values()), (kpi.id, lang)


def test_builtin_pairs(cat: Catalog) -> None:
    assert ("orders", "average_order_value") in cat.pairs
    assert ("ad_spend", "roas") in cat.pairs
    assert tuple(cat.pairs) == catalog_module.BUILTIN_PAIRS
    for perf, qual in cat.pairs:
        assert cat[perf].kind == "performance" and cat[qual].kind == "quality"


# ---------------------------------------------------------------- loader validation


def test_small_valid_catalog(tmp_path: Path) -> None:
    small = load_catalog(write_catalog(tmp_path, ORDERS, "pairs:\n  - [orders, aov]\n"))
    assert small.ids == ["orders", "aov"]
    assert small.pairs == [("orders", "aov")]


@pytest.mark.parametrize(
    ("bad", "kpi_id", "fragment"),
    [
        (
            "- id: bad\n  labels: {nl: X, en: X}\n  domain: sales\n  kind: performance\n"
            "  type: sum\n  measure: revnue\n",
            "bad",
            "revnue",
        ),
        (
            "- id: bad\n  labels: {nl: X, en: X}\n  domain: sales\n  kind: performance\n"
            "  type: sum\n  measure: orders\n  partners: [nope]\n",
            "bad",
            "nope",
        ),
        (
            "- id: bad\n  labels: {nl: X, en: X}\n  domain: sales\n  kind: quality\n  type: growth\n  of: revenu\n",
            "bad",
            "revenu",
        ),
        (
            "- id: orders\n  labels: {nl: X, en: X}\n  domain: sales\n  kind: performance\n"
            "  type: sum\n  measure: orders\n",
            "orders",
            "duplicate",
        ),
        (
            "- id: bad\n  labels: {en: X}\n  domain: sales\n  kind: performance\n  type: sum\n  measure: orders\n",
            "bad",
            "nl",
        ),
        (
            "- id: bad\n  labels: {nl: X, en: X}\n  domain: finance\n  kind: performance\n"
            "  type: sum\n  measure: orders\n",
            "bad",
            "finance",
        ),
    ],
    ids=["unknown-measure", "unknown-partner", "unknown-growth-base", "duplicate-id", "missing-nl", "bad-domain"],
)
def test_loader_rejects(tmp_path: Path, bad: str, kpi_id: str, fragment: str) -> None:
    path = write_catalog(tmp_path, ORDERS + bad)
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    message = str(info.value)
    assert f"'{kpi_id}'" in message
    assert fragment in message
    assert str(path) in message


def test_loader_collects_all_problems_and_rejects_bad_pair(tmp_path: Path) -> None:
    bad = (
        "- id: one\n  labels: {nl: X, en: X}\n  domain: sales\n  kind: performance\n  type: sum\n"
        "  measure: nothing\n- id: two\n  labels: {nl: X, en: X}\n  domain: sales\n  kind: perf\n"
        "  type: sum\n  measure: orders\n"
    )
    path = write_catalog(tmp_path, ORDERS + bad, "pairs:\n  - [aov, orders]\n")
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    message = str(info.value)
    assert "'one'" in message and "'two'" in message and "[aov, orders]" in message
    assert isinstance(info.value, KpiWorkbookError)


def test_loader_rejects_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("kpis: [\n")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(broken)


# ---------------------------------------------------------------- questions


def test_unknown_kpi_suggests_close_id(cat: Catalog) -> None:
    with pytest.raises(UnknownKpiError) as info:
        cat["ordrs"]
    assert "orders" in str(info.value)
    assert isinstance(info.value, KeyError)


def test_suggest_partners(cat: Catalog) -> None:
    assert "average_order_value" in suggest_partners("orders")
    assert "lead_to_customer_rate" in suggest_partners("leads", cat)
    assert suggest_partners("roas", cat)[0] == "ad_spend"  # quality -> performance
    with pytest.raises(UnknownKpiError):
        suggest_partners("no_such_kpi", cat)


def test_check_selection_warns_for_lonely_volume(cat: Catalog) -> None:
    warnings = check_selection(["leads"], catalog=cat)
    assert [w.code for w in warnings] == ["performance_without_quality"]
    assert warnings[0].kpi == "leads"
    assert "lead_to_customer_rate" in warnings[0].text("en")
    assert "lead_to_customer_rate" in warnings[0].text("nl")
    assert isinstance(warnings[0], SelectionWarning)


def test_check_selection_quiet_for_a_pair(cat: Catalog) -> None:
    assert check_selection(["leads", "lead_to_customer_rate"], catalog=cat) == []
    assert check_selection(["orders", "revenue_per_visit"], pairs=[("orders", "revenue_per_visit")]) == []


def test_check_selection_too_many_in_domain(cat: Catalog) -> None:
    chosen = ["sessions", "revenue_per_visit", "subscribers_new", "email_open_rate"]
    warnings = check_selection(chosen, catalog=cat)
    assert [(w.code, w.domain) for w in warnings] == [("too_many_in_domain", "marketing")]


def test_check_selection_unknown_and_bad_pair(cat: Catalog) -> None:
    warnings = check_selection(["ordrs", "roas", "orders"], pairs=[("roas", "orders")], catalog=cat)
    codes = {w.code for w in warnings}
    assert {"unknown_kpi", "pair_not_performance_quality", "performance_without_quality"} <= codes
    unknown = next(w for w in warnings if w.code == "unknown_kpi")
    assert "orders" in unknown.text("en") and "orders" in unknown.text("nl")


def test_computable(cat: Catalog) -> None:
    ids = {k.id for k in cat.computable({"revenue", "orders"})}
    assert {"revenue", "orders", "average_order_value", "sales_growth"} <= ids
    assert "conversion_rate" not in ids
    assert cat.computable(set()) == []


def test_kpi_table(cat: Catalog) -> None:
    table = kpi_table(cat, lang="nl")
    assert isinstance(table, pd.DataFrame) and len(table) == len(cat)
    assert list(table.columns) == ["id", "label", "domain", "kind", "unit", "direction", "formula", "partners"]
    row = table.set_index("id").loc["average_order_value"]
    assert row["label"] == "Gemiddelde orderwaarde"
    assert row["formula"] == "sum(revenue) / sum(orders)"
    assert set(kpi_table(cat, domain="hr")["domain"]) == {"hr"}
    with pytest.raises(CatalogError):
        kpi_table(cat, domain="finance")
