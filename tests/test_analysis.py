"""kpi_helpers.views.analysis: the step-3 views share the main KPI's seasonality with the findings."""

from kpi_helpers.compute import findings
from kpi_helpers.views.analysis import seasonality_charts

# b2b fixture: tests/conftest.py


def test_seasonality_view_and_finding_use_the_same_season(b2b):
    kid, season = findings.main_seasonality(b2b)
    assert kid == findings.main_kpi(b2b) == "revenue"
    [fig] = seasonality_charts(b2b)
    [finding] = findings._season_findings(b2b)
    assert finding.kpi == kid and set(finding.data["peak_months"]) <= set(season.peak_months)
    assert fig.layout.title.text.startswith("Seasonality of Revenue")


def test_no_main_kpi_means_no_seasonality_view_and_no_finding(b2b, monkeypatch):
    monkeypatch.setattr(findings, "main_kpi", lambda wb: None)
    assert findings.main_seasonality(b2b) is None
    assert seasonality_charts(b2b) == [] and findings._season_findings(b2b) == []
