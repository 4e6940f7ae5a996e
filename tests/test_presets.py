"""Presets (kpi_helpers.data.presets): each tool's documented export format, read with `preset:` alone.

Each test reads a fixture in tests/data/presets/ (built from the tool's documentation, with its
quirks) through a params file and checks `kpis` against a short independent pandas computation.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from kpi_helpers.data.load import load_facts
from kpi_helpers.data.presets import PRESETS, apply_preset, detect_preset
from kpi_helpers.data.readers import SourceSpec
from kpi_helpers.run.validate import check_client, kpi_table_for_client
from kpi_helpers.spec.params import load_params

FIXTURES = Path(__file__).parent / "data" / "presets"


def make_client(tmp_path: Path, data_yaml: str, kpis: list[str], client: str = "acme") -> Path:
    """A params file whose data sources are the named fixtures, placed where the params resolve them."""
    params = tmp_path / "params" / f"{client}.yaml"
    params.parent.mkdir(parents=True, exist_ok=True)
    params.write_text(
        f"client: {client}\nname: Acme\nlanguage: en\ndata:\n{data_yaml}\nkpis: [{', '.join(kpis)}]\n", encoding="utf-8"
    )
    config = load_params(params)
    for source in config.data:
        target = source.resolve(config.base_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / Path(source.source).name, target)
    return params


def kpi_values(params: Path, grain: str = "month") -> dict[tuple[str, str], float]:
    table = kpi_table_for_client(params, grain=grain)
    return {(f"{p:%Y-%m}", k): v for p, k, v in zip(table["period"], table["kpi"], table["value"])}


def assert_matches(got: dict, ref: pd.DataFrame) -> None:
    """`ref`: index month 'YYYY-MM', one column per KPI."""
    for month, row in ref.iterrows():
        for kpi, value in row.items():
            assert got[(month, kpi)] == pytest.approx(value), (month, kpi)


def test_every_preset_is_registered_with_a_fixture():
    assert set(PRESETS) >= {
        "shopify_orders",
        "woocommerce_orders",
        "ga4_traffic",
        "google_ads_campaigns",
        "meta_ads",
        "mailchimp_campaigns",
    }
    for name in PRESETS:
        assert (FIXTURES / f"{name}.csv").exists(), name


def test_a_preset_fills_only_what_the_source_leaves_unset():
    spec, error = apply_preset(
        SourceSpec(source="x.csv", preset="ga4_traffic", columns={"sessions": "Sessies"}, date_format="%Y-%m-%d")
    )
    assert (
        error is None
        and spec.columns["sessions"] == "Sessies"
        and spec.columns["channel"] == "Session default channel group"
    )
    assert spec.date_format == "%Y-%m-%d" and spec.comment == "#"
    _, error = apply_preset(SourceSpec(source="x.csv", preset="shopify"))
    assert "did you mean 'shopify_orders'" in error


@pytest.mark.parametrize(
    "name",
    ["shopify_orders", "woocommerce_orders", "ga4_traffic", "google_ads_campaigns", "meta_ads", "mailchimp_campaigns"],
)
def test_each_fixture_header_is_recognised(name):
    from kpi_helpers.data.readers import _text_lines, find_header_line

    lines = _text_lines(FIXTURES / f"{name}.csv", limit=50)
    header = lines[find_header_line(lines, ",", "#")]
    import csv

    assert detect_preset(next(csv.reader([header]))).name == name


def test_shopify_orders(tmp_path):
    params = make_client(
        tmp_path,
        "  - {source: shopify_orders.csv, preset: shopify_orders}",
        ["revenue", "orders", "average_order_value", "customers", "revenue_per_customer"],
    )
    raw = pd.read_csv(FIXTURES / "shopify_orders.csv", dtype=str, keep_default_na=False)
    orders = raw.drop_duplicates("Name")  # order fields are on each order's first row
    orders = orders[(orders["Financial Status"] != "voided") & (orders["Cancelled at"] == "")]
    orders = orders.assign(
        month=orders["Created at"].str[:7],
        rev=orders["Total"].astype(float) - orders["Refunded Amount"].astype(float),
        cust=orders["Email"].where(orders["Email"] != "", "guest " + orders["Name"]),
    )
    ref = orders.groupby("month").agg(revenue=("rev", "sum"), orders=("Name", "size"))
    ref["average_order_value"] = ref["revenue"] / ref["orders"]
    assert ref.loc["2025-01", "revenue"] == pytest.approx(132.90) and ref.loc["2025-02", "orders"] == 4
    assert_matches(kpi_values(params), ref)
    # distinct customers per day (per month: see test_distinct_customers_per_month)
    by_day = kpi_table_for_client(params, grain="day")
    by_day = by_day[by_day["kpi"] == "customers"].set_index("period")["value"]
    ref_day = orders.groupby(pd.to_datetime(orders["Created at"].str[:10]))["cust"].nunique()
    assert by_day.reindex(ref_day.index).tolist() == ref_day.astype(float).tolist()
    # net: taxes and shipping out as well
    params = make_client(
        tmp_path, "  - {source: shopify_orders.csv, preset: shopify_orders, revenue_basis: net}", ["revenue"]
    )
    total = orders["Total"].astype(float)
    share = (total - orders["Taxes"].astype(float) - orders["Shipping"].astype(float)) / total
    net = orders.assign(rev=orders["rev"] * share)  # the refund leaves pro rata (it includes its taxes)
    assert_matches(kpi_values(params), net.groupby("month").agg(revenue=("rev", "sum")))
    # units are the kept orders' line quantities (later rows of an order included)
    facts = load_facts(load_params(params))
    kept = raw[raw["Name"].isin(orders["Name"])]
    assert facts["units_sold"].sum() == kept["Lineitem quantity"].astype(int).sum() == 17


def test_woocommerce_orders(tmp_path):
    params = make_client(
        tmp_path, "  - {source: woocommerce_orders.csv, preset: woocommerce_orders}", ["revenue", "orders", "customers"]
    )
    raw = pd.read_csv(FIXTURES / "woocommerce_orders.csv")
    raw = raw[~raw["Status"].str.lower().isin(["failed", "cancelled", "pending"])]
    raw = raw.assign(month=raw["Date"].str[:7])
    real = raw[raw["Net Sales"] >= 0]  # a negative row is a refund: it lowers revenue, it is no order
    ref = pd.DataFrame({"revenue": raw.groupby("month")["Net Sales"].sum(), "orders": real.groupby("month").size()})
    assert ref.loc["2025-02", "revenue"] == pytest.approx(46.74 - 12.50 + 61.98)
    assert_matches(kpi_values(params), ref)
    by_day = kpi_table_for_client(params, grain="day")
    by_day = by_day[by_day["kpi"] == "customers"].set_index("period")["value"]
    ref_day = real.groupby(pd.to_datetime(real["Date"].str[:10]))["Customer"].nunique()
    assert by_day.reindex(ref_day.index).tolist() == ref_day.astype(float).tolist()


@pytest.mark.parametrize("name, customer", [("shopify_orders", "Email"), ("woocommerce_orders", "Customer")])
def test_distinct_customers_per_month(tmp_path, name, customer):
    params = make_client(tmp_path, f"  - {{source: {name}.csv, preset: {name}}}", ["customers"])
    got = kpi_values(params)
    assert got[("2025-01", "customers")] == 3  # Anna (Shopify) / Mark (WooCommerce) bought twice in January


def test_ga4_traffic(tmp_path):
    params = make_client(
        tmp_path, "  - {source: ga4_traffic.csv, preset: ga4_traffic}", ["sessions", "revenue", "revenue_per_visit"]
    )
    raw = pd.read_csv(FIXTURES / "ga4_traffic.csv", comment="#")
    raw["month"] = raw["Date"].astype(str).str[:4] + "-" + raw["Date"].astype(str).str[4:6]
    ref = raw.groupby("month").agg(
        sessions=("Sessions", "sum"),
        revenue=("Total revenue", "sum"),
        engaged=("Engaged sessions", "sum"),
        key=("Key events", "sum"),
    )
    ref["revenue_per_visit"] = ref["revenue"] / ref["sessions"]
    assert_matches(kpi_values(params), ref[["sessions", "revenue", "revenue_per_visit"]])
    facts = load_facts(load_params(params))
    assert facts["engaged_sessions"].sum() == ref["engaged"].sum()
    assert facts["key_events"].sum() == ref["key"].sum()
    assert set(facts["channel"]) == {"organic_search", "direct", "paid_search", "email"}


def test_google_ads_campaigns(tmp_path):
    params = make_client(
        tmp_path,
        "  - {source: google_ads_campaigns.csv, preset: google_ads_campaigns}",
        ["ad_spend", "ad_clicks", "ad_impressions", "click_through_rate", "cost_per_click"],
    )
    raw = pd.read_csv(FIXTURES / "google_ads_campaigns.csv", skiprows=2, thousands=",")
    raw = raw[~raw["Day"].str.startswith("Total")]  # the 'Total: ...' rows below the table
    raw["month"] = raw["Day"].str[:7]
    ref = raw.groupby("month").agg(
        ad_spend=("Cost", "sum"), ad_clicks=("Clicks", "sum"), ad_impressions=("Impr.", "sum")
    )
    ref["click_through_rate"] = ref["ad_clicks"] / ref["ad_impressions"]
    ref["cost_per_click"] = ref["ad_spend"] / ref["ad_clicks"]
    assert ref["ad_spend"].sum() == pytest.approx(9394.85), "the file's own 'Total: Account' row"
    assert_matches(kpi_values(params), ref)
    facts = load_facts(load_params(params))
    assert facts["ad_conversions"].sum() == pytest.approx(raw["Conversions"].sum())
    assert facts["ad_conversion_value"].sum() == pytest.approx(raw["Conv. value"].sum())


def test_meta_ads(tmp_path):
    params = make_client(
        tmp_path,
        "  - {source: meta_ads.csv, preset: meta_ads}",
        ["ad_spend", "ad_clicks", "ad_impressions", "click_through_rate"],
    )
    raw = pd.read_csv(FIXTURES / "meta_ads.csv").fillna({"Link clicks": 0, "Results": 0})  # blank = none
    raw["month"] = raw["Day"].str[:7]
    ref = raw.groupby("month").agg(
        ad_spend=("Amount spent (EUR)", "sum"), ad_clicks=("Link clicks", "sum"), ad_impressions=("Impressions", "sum")
    )
    ref["click_through_rate"] = ref["ad_clicks"] / ref["ad_impressions"]
    assert_matches(kpi_values(params), ref)
    assert load_facts(load_params(params))["ad_conversions"].sum() == raw["Results"].sum()


def test_mailchimp_campaigns(tmp_path):
    params = make_client(
        tmp_path,
        "  - {source: mailchimp_campaigns.csv, preset: mailchimp_campaigns}",
        ["email_open_rate", "email_click_rate", "unsubscribes"],
    )
    raw = pd.read_csv(FIXTURES / "mailchimp_campaigns.csv")
    raw["month"] = pd.to_datetime(raw["Send Date"], format="%b %d, %Y %I:%M %p").dt.strftime("%Y-%m")
    ref = raw.groupby("month").agg(
        opened=("Unique Opens", "sum"),
        clicks=("Unique Clicks", "sum"),
        delivered=("Successful Deliveries", "sum"),
        unsubscribes=("Unsubscribes", "sum"),
    )
    ref["email_open_rate"] = ref["opened"] / ref["delivered"]
    ref["email_click_rate"] = ref["clicks"] / ref["delivered"]
    assert_matches(kpi_values(params), ref[["email_open_rate", "email_click_rate", "unsubscribes"]])
    assert load_facts(load_params(params))["emails_sent"].sum() == raw["Total Recipients"].sum()


FIRST_KPI = {
    "shopify_orders": "revenue",
    "woocommerce_orders": "revenue",
    "ga4_traffic": "sessions",
    "google_ads_campaigns": "ad_spend",
    "meta_ads": "ad_spend",
    "mailchimp_campaigns": "email_open_rate",
}


def test_preset_fixtures_validate_cleanly(tmp_path):
    for name in PRESETS:
        params = make_client(tmp_path / name, f"  - {{source: {name}.csv, preset: {name}}}", [FIRST_KPI[name]])
        check = check_client(params)
        assert check.ok, check.errors


def test_every_params_example_in_the_presets_docs_is_valid(tmp_path):
    import re

    import yaml

    from kpi_helpers.spec.params import parse_params

    text = (Path(__file__).parents[1] / "docs" / "presets.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    assert len(blocks) == len(PRESETS)
    for block in blocks:
        config = parse_params(yaml.safe_load(block))
        assert config.data[0].preset in PRESETS
        name = config.data[0].preset
        if "*" not in config.data[0].source:  # the example's file is the fixture of the same name
            params = make_client(
                tmp_path / name, f"  - {config.data[0].model_dump_json(exclude_none=True)}", config.kpis
            )
            assert check_client(params).ok, check_client(params).errors
