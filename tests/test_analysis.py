"""kpi_helpers.views.analysis: the step-3 views share the main KPI's seasonality with the findings."""

import pytest

from kpi_helpers.compute import findings
from kpi_helpers.views.analysis import seasonality_charts

# b2b fixture: tests/conftest.py


def test_seasonality_view_and_finding_use_the_same_season(webshop):
    # the webshop's Nov/Dec peak repeats in both full years; b2b's months do not (no finding there)
    kid, season = findings.main_seasonality(webshop)
    assert kid == findings.main_kpi(webshop) == "revenue"
    [fig] = seasonality_charts(webshop)
    [finding] = findings._season_findings(webshop)
    assert finding.kpi == kid and set(finding.data["peak_months"]) <= set(season.peak_months)
    assert fig.layout.title.text.startswith("Seizoenspatroon Omzet")
    assert "2 volle jaren" in fig.layout.title.text


def test_no_main_kpi_means_no_seasonality_view_and_no_finding(b2b, monkeypatch):
    monkeypatch.setattr(findings, "main_kpi", lambda wb: None)
    assert findings.main_seasonality(b2b) is None
    assert seasonality_charts(b2b) == [] and findings._season_findings(b2b) == []


# ---------------------------------------------------------------- many values of a dimension (issue 21, point 6)

CHANNELS = 20_000  # a valid 2.5 MB export with one channel per row made notebook 03 hang for minutes


def _many_channels(tmp_path):
    import numpy as np
    import pandas as pd

    from kpi_helpers.session import open_client

    rng = np.random.default_rng(21)
    days = pd.date_range("2026-01-01", periods=5, freq="D").strftime("%Y-%m-%d")
    rows = pd.DataFrame(
        {
            "date": np.repeat(days, CHANNELS // len(days)),
            "channel": [f"ch{i:05d}" for i in range(CHANNELS)],
            "orders": rng.integers(1, 5, CHANNELS),
            "revenue": rng.integers(1, 10_000, CHANNELS) / 100,
        }
    )
    (tmp_path / "data" / "acme").mkdir(parents=True)
    rows.to_csv(tmp_path / "data" / "acme" / "data.csv", index=False)
    (tmp_path / "params").mkdir()
    path = tmp_path / "params" / "acme.yaml"
    path.write_text(
        "name: Acme\nlanguage: en\ncurrency: EUR\ndata: {source: data.csv, shape: daily}\n"
        "kpis: [revenue, orders, average_order_value]\n",
        encoding="utf-8",
    )
    return open_client(path), rows


def test_a_breakdown_of_20000_channels_shows_the_top_values_and_other_with_the_same_total(tmp_path, monkeypatch):
    import kpi_helpers.compute.engine as engine
    import kpi_helpers.views.analysis as analysis
    from kpi_helpers.compute.engine import TOP_VALUES
    from kpi_helpers.views.analysis import breakdown_charts

    wb, rows = _many_channels(tmp_path)
    passes, labels = [], []
    real_compute, real_label = engine.compute_kpis, analysis.dimension_label
    monkeypatch.setattr(engine, "compute_kpis", lambda *a, **k: passes.append(1) or real_compute(*a, **k))
    monkeypatch.setattr(analysis, "dimension_label", lambda *a, **k: labels.append(1) or real_label(*a, **k))

    [fig] = breakdown_charts(wb, period=("2026-01-01", "2026-12-31"))
    [bars] = fig.data
    names = [str(y) for y in bars.y]
    assert len(names) == TOP_VALUES + 1 and names[-1] == f"Other ({CHANNELS - TOP_VALUES:,})"
    assert sum(bars.x) == pytest.approx(rows["revenue"].sum())  # independent: the CSV's own total
    top = rows.nlargest(TOP_VALUES, "revenue")["channel"].tolist()
    assert names[:-1] == top and list(bars.x[:-1]) == pytest.approx(rows.nlargest(TOP_VALUES, "revenue")["revenue"])
    # by design, not by the clock: two vectorised passes over the facts (rank, then lumped), and one
    # label per bar instead of one Python call (and one scan) per channel
    assert len(passes) == 2 and len(labels) == TOP_VALUES


def test_the_other_row_recomputes_ratios_and_distinct_counts_from_the_facts(tmp_path):
    from kpi_helpers.compute.engine import OTHER_VALUE, breakdown, top_breakdown
    from kpi_helpers.run.workspace import demo_params_file
    from kpi_helpers.session import open_client

    wb = open_client(demo_params_file("demo_newsletter.yaml"))  # order lines: customers are distinct counts
    full = breakdown(wb.facts, ["revenue", "orders", "customers", "average_order_value"], by="channel")
    top = top_breakdown(wb.facts, ["revenue", "orders", "customers", "average_order_value"], by="channel", top=2)
    kept = sorted(set(top["channel"]) - {OTHER_VALUE})
    assert len(kept) == 2 and top.attrs["other_count"] == full["channel"].nunique() - 2
    other = top[top["channel"] == OTHER_VALUE].set_index("kpi")["value"]
    lines = wb.facts.order_table
    rest = lines[~lines["channel"].isin(kept)]  # independent: the order lines of the lumped channels
    assert other["customers"] == rest["customer"].nunique() and other["orders"] == rest["order"].nunique()
    assert other["average_order_value"] == pytest.approx(other["revenue"] / other["orders"])
    for kid in ("revenue", "orders"):  # additive over channels: the same total
        assert top.loc[top["kpi"] == kid, "value"].sum() == pytest.approx(full.loc[full["kpi"] == kid, "value"].sum())
    few = top_breakdown(wb.facts, ["revenue"], by="channel")
    assert OTHER_VALUE not in set(few["channel"]) and few.attrs["other_count"] == 0  # 4 channels: all shown
