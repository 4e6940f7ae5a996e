"""Batch speed pieces (issue 13): the vectorised period calendar, the batch kernel's facts cache,
the notebooks run without the cells the report drops, the summary computed in the kernel."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_helpers.compute.engine import period_calendar, period_start, shift_periods
from kpi_helpers.data import cache
from kpi_helpers.run.kernel_steps import report_cells_only, summary_notebook
from kpi_helpers.run.report import REMOVE_TAG
from kpi_helpers.session import open_client
from kpi_helpers.spec.params import load_params


def _calendar_by_loop(first, last, grain):
    out, p = [], np.datetime64(first, "ns")
    while p <= np.datetime64(last, "ns"):
        out.append(p)
        p = shift_periods([p], grain, 1)[0]
    return np.array(out, dtype="datetime64[ns]")


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["day", "week", "month", "quarter", "year"]),
    st.dates(min_value=pd.Timestamp("2015-01-01").date(), max_value=pd.Timestamp("2030-01-01").date()),
    st.integers(min_value=-10, max_value=1200),
    st.booleans(),
)
def test_period_calendar_matches_one_shift_at_a_time(grain, first, days, aligned):
    start = pd.Timestamp(first)
    if aligned:
        start = pd.Timestamp(period_start([start], grain)[0])
    end = start + pd.Timedelta(days=days)
    assert np.array_equal(period_calendar(start, end, grain), _calendar_by_loop(start, end, grain))


def test_facts_cache_only_in_batch_kernels_and_keyed_on_inputs(tmp_path, monkeypatch):
    from conftest import write_client

    params, data = tmp_path / "params", tmp_path / "data" / "acme"
    params.mkdir()
    data.mkdir(parents=True)
    days = pd.date_range("2026-01-01", "2026-03-31")
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "revenue": 100.0, "orders": 2}).to_csv(
        data / "daily.csv", index=False
    )
    path = write_client(params, "acme", "Acme", source="daily.csv")
    cache.clear()
    monkeypatch.delenv(cache.BATCH_ENV, raising=False)
    _ = open_client(path).facts
    _ = open_client(path).facts
    assert cache.cache_stats() == {"hits": 0, "misses": 0}  # JupyterLab: always a fresh load

    monkeypatch.setenv(cache.BATCH_ENV, "1")
    first = open_client(path).facts
    second = open_client(path).facts
    assert cache.cache_stats() == {"hits": 1, "misses": 1}
    pd.testing.assert_frame_equal(first, second)
    second["revenue"] = -1.0  # a notebook changing its copy never changes the next notebook's facts
    assert (open_client(path).facts["revenue"] != -1.0).all()

    data_file = data / "daily.csv"
    data_file.write_text(data_file.read_text() + "\n", encoding="utf-8")  # a changed data file: a miss
    _ = open_client(path).facts
    assert cache.cache_stats()["misses"] == 2
    cache.clear()


def test_batch_notebooks_skip_cells_the_report_drops():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("a = 1"),
        nbformat.v4.new_code_cell("widget()", metadata={"tags": [REMOVE_TAG]}),
        nbformat.v4.new_markdown_cell("text", metadata={"tags": ["other"]}),
    ]
    kept = report_cells_only(nb)
    assert [c.source for c in kept.cells] == ["a = 1", "text"]


def test_summary_cell_writes_the_same_summary_as_the_worker_did(tmp_path, monkeypatch):
    from conftest import write_client
    from nbclient import NotebookClient

    from kpi_helpers.run.report import client_summary

    params = tmp_path / "params"
    params.mkdir()
    path = write_client(params, "acme", "Acme")
    target = tmp_path / "summary.json"
    nb = summary_notebook(str(path.resolve()), "en", target)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    written = json.loads(target.read_text(encoding="utf-8"))
    expected = json.loads(json.dumps(client_summary(load_params(path), lang="en"), default=str))
    for summary in (written, expected):
        summary.pop("generated")
    assert written == expected


def test_findings_are_computed_once_per_batch_kernel_and_each_caller_gets_its_own(tmp_path, monkeypatch):
    from conftest import write_client

    import kpi_helpers.compute.findings as findings_module

    params = tmp_path / "params"
    params.mkdir()
    path = write_client(params, "acme", "Acme")
    calls = []
    real = findings_module._all_findings

    def counting(session):
        calls.append(1)
        return real(session)

    monkeypatch.setattr(findings_module, "_all_findings", counting)
    cache.clear()
    monkeypatch.setenv(cache.BATCH_ENV, "1")
    first = findings_module.build_findings(open_client(path))
    first[0].message["en"] = "changed by a caller"
    second = findings_module.build_findings(open_client(path))
    assert len(calls) == 1 and second and second[0].message["en"] != "changed by a caller"
    assert [f.to_dict() for f in second[1:]] == [f.to_dict() for f in first[1:]]
    findings_module.build_findings(open_client(path, lang="nl"))  # another language: computed again
    assert len(calls) == 2
    monkeypatch.delenv(cache.BATCH_ENV)
    findings_module.build_findings(open_client(path))
    assert len(calls) == 3  # outside a batch kernel: always fresh
    cache.clear()
