"""kpi_helpers.views.analysis: the step-3 views share the main KPI's seasonality with the findings."""

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
