"""A shop + GA4 + Google Ads client: one measure one source, totals at every grain, and channel-level
ratios across sources reported as not available (kpi_helpers.data.sources), end to end through `run`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from test_presets import FIXTURES, make_client

from kpi_helpers.data.load import load_facts
from kpi_helpers.run.validate import check_client, kpi_table_for_client
from kpi_helpers.spec.params import load_params

KPIS = ["revenue", "orders", "sessions", "conversion_rate", "ad_spend", "roas"]
GA4_LIMITED = "  - {source: ga4_traffic.csv, preset: ga4_traffic, measures: [sessions, engaged_sessions, key_events]}"
SHOP = "  - {source: shopify_orders.csv, preset: shopify_orders}"
ADS = "  - {source: google_ads_campaigns.csv, preset: google_ads_campaigns}"


def reference() -> pd.DataFrame:
    """Per day: the shop's revenue and orders, GA4's sessions, Ads' cost, each read by plain pandas."""
    shop = pd.read_csv(FIXTURES / "shopify_orders.csv", dtype=str, keep_default_na=False).drop_duplicates("Name")
    shop = shop[(shop["Financial Status"] != "voided") & (shop["Cancelled at"] == "")]
    shop = pd.DataFrame(
        {
            "date": pd.to_datetime(shop["Created at"].str[:10]),
            "revenue": shop["Total"].astype(float) - shop["Refunded Amount"].astype(float),
            "orders": 1.0,
        }
    )
    ga4 = pd.read_csv(FIXTURES / "ga4_traffic.csv", comment="#")
    ga4 = pd.DataFrame({"date": pd.to_datetime(ga4["Date"].astype(str), format="%Y%m%d"), "sessions": ga4["Sessions"]})
    ads = pd.read_csv(FIXTURES / "google_ads_campaigns.csv", skiprows=2, thousands=",")
    ads = ads[~ads["Day"].str.startswith("Total")]
    ads = pd.DataFrame({"date": pd.to_datetime(ads["Day"]), "ad_spend": ads["Cost"]})
    return pd.concat([shop, ga4, ads]).groupby("date").sum()


def expected(ref: pd.DataFrame, freq: str) -> pd.DataFrame:
    per = ref.groupby(ref.index.to_period(freq).start_time).sum()
    per["conversion_rate"] = per["orders"] / per["sessions"]
    per["roas"] = per["revenue"] / per["ad_spend"]
    return per


def test_the_same_measure_from_two_sources_is_a_warning_until_one_is_chosen(tmp_path):
    both = make_client(tmp_path / "a", "\n".join([SHOP, GA4_LIMITED.split(", measures")[0] + "}"]), ["revenue"])
    check = check_client(both)
    said = [
        line
        for line in check.errors + check.warnings
        if "revenue" in line and ("comes from 2 sources" in line or "one measure, one source" in line)
    ]
    assert said, check
    chosen = make_client(tmp_path / "b", "\n".join([SHOP, GA4_LIMITED]), ["revenue"])
    check = check_client(chosen)
    assert not [w for w in check.warnings if "comes from" in w]
    assert load_facts(load_params(chosen))["revenue"].sum() == pytest.approx(reference()["revenue"].sum())


def test_the_warning_names_the_sources_and_the_fix():
    from kpi_helpers.data.sources import same_measure_warnings

    shop = {"source": "shop.csv", "measures": ["orders", "revenue"], "dims": {}}
    ga4 = {"source": "ga4.csv", "measures": ["sessions", "revenue"], "dims": {}}
    [(measure, message)] = same_measure_warnings([shop, ga4])
    assert measure == "revenue" and "2 sources (shop.csv, ga4.csv)" in message and "measures: [...]" in message


@pytest.mark.parametrize(
    "grain, freq", [("day", "D"), ("week", "W-SUN"), ("month", "M"), ("quarter", "Q"), ("year", "Y")]
)
def test_shop_ga4_and_ads_totals_at_every_grain(tmp_path, grain, freq):
    params = make_client(tmp_path, "\n".join([SHOP, GA4_LIMITED, ADS]), KPIS)
    table = kpi_table_for_client(params, grain=grain)
    got = table.pivot(index="period", columns="kpi", values="value")
    want = expected(reference(), freq)
    for kpi in KPIS:
        np.testing.assert_allclose(
            got[kpi].reindex(want.index).fillna(0).to_numpy(),
            want[kpi].replace([np.inf, -np.inf], np.nan).fillna(0).to_numpy(),
            rtol=1e-9,
            err_msg=f"{kpi} by {grain}",
        )
    if grain == "year":
        assert got.loc["2025-01-01", "roas"] == pytest.approx(
            237.80 / 9394.85
        )  # shop revenue / the Ads 'Total: Account'


def test_channel_ratios_across_sources_are_not_available_with_the_reason(tmp_path):
    params = make_client(tmp_path, "\n".join([SHOP, GA4_LIMITED, ADS]), KPIS)
    check = check_client(params)
    assert check.ok
    notes = [w for w in check.warnings if "is not available" in w]
    assert len(notes) == 2, notes  # one line per KPI
    [rate] = [n for n in notes if "conversion_rate per channel" in n]
    assert "(channel: pos, web)" in rate and "organic_search" in rate and rate.endswith("(nor per coupon, product)")
    assert any("roas per channel" in n and "campaign" in n for n in notes)
    table = kpi_table_for_client(params, grain="month", by="channel")
    rate = table[table["kpi"] == "conversion_rate"]
    assert rate["value"].isna().all() and rate["note"].str.contains("totals are right").all()
    revenue = table[(table["kpi"] == "revenue") & table["channel"].isin(["web", "pos"])]
    assert revenue["value"].notna().all() and (table.loc[table["kpi"] == "revenue", "note"] == "").all()
    web = revenue[revenue["channel"] == "web"].set_index("period")["value"]
    assert web.sum() == pytest.approx(54.95 + 18.00 + 29.95 + 0.0 + 49.95 + 44.95)


@pytest.mark.slow
def test_shop_ga4_and_ads_client_end_to_end_through_run(tmp_path):
    from kpi_helpers.run.batch import run_batch

    goal = (
        "goals:\n  - {id: omzet, statement: 'More revenue in February', kpi: revenue, target: 150, "
        "start: 2025-02-01, deadline: 2025-02-28, owner: Marketing}\nperiod: {start: 2025-01-01, end: 2025-02-28}\n"
    )
    params = make_client(tmp_path, "\n".join([SHOP, GA4_LIMITED, ADS]), KPIS)
    params.write_text(params.read_text(encoding="utf-8") + goal, encoding="utf-8")
    result = run_batch(params_dir=params.parent, out_dir=tmp_path / "reports", progress=False, timeout=300)
    assert result.ok, result.summary_text()
    summary = json.loads((tmp_path / "reports" / "acme" / "summary.json").read_text())
    whole = expected(reference(), "Y").iloc[0]
    for kpi in KPIS:
        assert summary["kpis"][kpi]["value"] == pytest.approx(whole[kpi], rel=1e-9), kpi
    assert (tmp_path / "reports" / "acme" / "report.html").exists()


def test_shop_ga4_and_ads_set_up_from_their_files(tmp_path):
    from kpi_helpers.run.onboard import new_client_from

    files = [FIXTURES / f"{n}.csv" for n in ("shopify_orders", "ga4_traffic", "google_ads_campaigns")]
    path, errors, warnings = new_client_from("shop", files, params_dir=tmp_path / "params")
    assert errors == [] and not [w for w in warnings if "comes from" in w]
    from kpi_helpers.compute.engine import compute_kpis

    kpis = ["revenue", "orders", "sessions", "ad_spend"]
    whole = compute_kpis(load_facts(load_params(path)), kpis, grain=None).set_index("kpi")["value"]
    ref = reference()
    for kpi in kpis:
        assert whole[kpi] == pytest.approx(ref[kpi].sum()), kpi


def test_report_views_do_not_split_ratios_across_unlike_sources(tmp_path):
    """Shop channels web/pos, Ads campaigns without them: no ROAS per channel in charts or findings."""
    import kpi_helpers as kpi
    from kpi_helpers.compute.findings import build_findings
    from kpi_helpers.views.analysis import breakdown_charts

    params = make_client(tmp_path, "\n".join([SHOP, GA4_LIMITED, ADS]), KPIS)
    wb = kpi.open_client(params)
    titles = [fig.layout.title.text or "" for fig in breakdown_charts(wb)]
    assert not any("ROAS" in title for title in titles), titles
    assert not [f for f in build_findings(wb) if f.rule == "roas"]  # was "ROAS 0.00" per channel and campaign
    assert kpi.compute_kpis(wb.facts, ["roas"], grain=None)["value"].iloc[0] == pytest.approx(237.80 / 9394.85)
