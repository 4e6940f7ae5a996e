"""History across as-of runs: reports kept per as-of date, "since last report", alerts.json,
exit codes, backfills and failed runs (the tiny fixture notebooks; one check on the real ones)."""

from __future__ import annotations

import json

import nbformat
import pytest
from conftest import FIXTURE_NOTEBOOKS
from test_asof import b2b_with_quality_goal

from kpi_helpers.run import batch as batch_module
from kpi_helpers.run.batch import run_batch
from kpi_helpers.run.cli import main

pytestmark = pytest.mark.slow


def run(params, out, as_of):
    return run_batch(
        params_dir=params, out_dir=out, progress=False, notebooks_dir=FIXTURE_NOTEBOOKS, workers=1, as_of=as_of
    )


def test_history_since_last_report_alerts_and_backfill(tmp_path, monkeypatch, capsys):
    config = b2b_with_quality_goal(tmp_path)
    params, out = config.source_file.parent, tmp_path / "reports"
    monkeypatch.setattr(batch_module, "NOTEBOOKS_DIR", FIXTURE_NOTEBOOKS)  # the CLI with the tiny notebooks
    base = ["run", "--params", str(params), "--out", str(out), "--workers", "1", "--quiet"]

    assert main([*base, "--as-of", "2026-02-28"]) == 0  # first report: no alerts
    assert json.loads((out / "alerts.json").read_text())["count"] == 0
    # the quality goal turned off track: alerts; exit code 3 only when a scheduler asks for it
    assert main([*base, "--as-of", "2026-06-30", "--alert-exit-code"]) == 3
    assert "1 alert(s)" in capsys.readouterr().out

    for date in ("2026-02-28", "2026-06-30"):
        kept = out / "_history" / date / "demo_b2b"
        summary = json.loads((kept / "summary.json").read_text())
        assert summary["as_of"] == summary["data_to"] == date
        # the notebooks got the same as-of date: the facts they saw end there
        nb = nbformat.read(kept / "01_goals.ipynb", as_version=4)
        assert f'as_of = "{date}"' in "".join(c.source for c in nb.cells)
        assert f"data to {date}" in "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        assert (out / "_history" / date / "plotly.min.js").is_file()
    latest = json.loads((out / "demo_b2b" / "summary.json").read_text())
    assert latest["as_of"] == "2026-06-30" and latest["since_last"]["previous_as_of"] == "2026-02-28"
    report = (out / "demo_b2b" / "report.html").read_text()
    assert "Since the last report (28 February 2026)" in report and "Sinds het vorige" not in report
    assert (out / "_history" / "2026-06-30" / "demo_b2b" / "report.html").read_text() == report

    alerts = json.loads((out / "alerts.json").read_text())
    assert alerts["generator"] == "kpi-workbook" and alerts["version"] == 1
    assert [(a["client"], a["kind"], a["goal"], a["as_of"]) for a in alerts["alerts"] if a["kind"] == "off_track"] == [
        ("demo_b2b", "off_track", "quality-floor", "2026-06-30")
    ]
    index = (out / "index.html").read_text()
    assert index.index("id='alerts'") < index.index('class="sortable"')  # alerts at the top
    assert "turned off track (was on track)" in index
    assert "_history/2026-02-28/demo_b2b/report.html" in index  # the earlier report is linked

    # a backfill (an earlier as-of date) is kept in history but never replaces the latest report
    assert run(params, out, "2026-04-30").ok
    assert json.loads((out / "demo_b2b" / "summary.json").read_text())["as_of"] == "2026-06-30"
    backfill = json.loads((out / "_history" / "2026-04-30" / "demo_b2b" / "summary.json").read_text())
    assert backfill["since_last"]["previous_as_of"] == "2026-02-28"

    # the same as-of date again: the same numbers (only the comparison moved: 30 April is now the last report)
    first = json.loads((out / "_history" / "2026-06-30" / "demo_b2b" / "summary.json").read_text())
    assert run(params, out, "2026-06-30").ok
    again = json.loads((out / "_history" / "2026-06-30" / "demo_b2b" / "summary.json").read_text())
    skip = ("generated", "run_seconds", "versions", "since_last")
    assert {k: v for k, v in again.items() if k not in skip} == {k: v for k, v in first.items() if k not in skip}
    assert again["since_last"]["previous_as_of"] == "2026-04-30"
    report = (out / "demo_b2b" / "report.html").read_text()
    assert "Since the last report (30 April 2026)" in report

    # a failed run publishes nothing: no history folder for its date, the latest report stays
    config.source_file.write_text(config.source_file.read_text().replace("name: Demo", "name: boom Demo"))
    result = run(params, out, "2026-07-31")
    assert not result.ok
    assert not (out / "_history" / "2026-07-31" / "demo_b2b").exists()
    assert (out / "demo_b2b" / "report.html").read_text() == report


def test_a_foreign_history_folder_is_left_alone(tmp_path):
    config = b2b_with_quality_goal(tmp_path)
    out = tmp_path / "reports"
    assert run(config.source_file.parent, out, "2026-02-28").ok
    foreign = out / "_history" / "2026-03-31"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    result = run(config.source_file.parent, out, "2026-03-31")
    assert not result.ok and "did not write" in result.results[0].reason
    assert (foreign / "notes.txt").read_text() == "mine" and sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
    assert json.loads((out / "demo_b2b" / "summary.json").read_text())["as_of"] == "2026-02-28"


def test_the_real_notebooks_run_as_of_the_default_date(demo_batch):
    _, out, result = demo_batch
    assert result.ok
    for client in ("demo_webshop", "demo_b2b", "demo_newsletter"):
        summary = json.loads((out / client / "summary.json").read_text())
        assert summary["as_of"] == "2026-09-30"  # the demo data end on a month end: the default cuts nothing
        nb = nbformat.read(out / client / "03_analysis.ipynb", as_version=4)
        assert 'as_of = "2026-09-30"' in "".join(c.source for c in nb.cells)
        assert (out / "_history" / "2026-09-30" / client / "report.html").is_file()
