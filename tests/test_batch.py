"""Batch runs: fault isolation, atomic publishing, timeouts, hostile params, Dask.

Most tests use three tiny fixture notebooks (tests/fixtures/notebooks) so they exercise the
runner itself in seconds; test_full_demo_batch runs the real workbook notebooks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURE_NOTEBOOKS, write_client

from kpi_helpers.compute.engine import compute_kpis
from kpi_helpers.data.load import load_facts
from kpi_helpers.run.batch import run_batch
from kpi_helpers.spec.params import load_params

pytestmark = pytest.mark.slow


def run(params: Path, out: Path, **kwargs):
    kwargs.setdefault("notebooks_dir", FIXTURE_NOTEBOOKS)
    kwargs.setdefault("workers", 2)
    kwargs.setdefault("timeout", 60)
    return run_batch(params_dir=params, out_dir=out, progress=False, **kwargs)


def by_client(result):
    return {r.client: r for r in result.results}


def test_good_clients_finish_when_others_break(tmp_path):
    params, out = tmp_path / "params", tmp_path / "reports"
    params.mkdir()
    write_client(params, "good-one", "Good One")
    write_client(params, "cell-raises", "Client boom")
    (params / "bad-yaml.yaml").write_text("client: bad-yaml\nname: [unclosed\n")
    write_client(params, "no-data", "No Data", source="data/missing.csv")

    result = run(params, out)
    status = {c: r.status for c, r in by_client(result).items()}
    assert status == {"good-one": "ok", "cell-raises": "failed", "bad-yaml": "invalid", "no-data": "invalid"}
    assert not result.ok
    assert (out / "good-one" / "report.html").exists()
    assert "boom in a cell" in by_client(result)["cell-raises"].reason
    assert "02_kpi_pairs.ipynb" in by_client(result)["cell-raises"].reason
    # the failing notebook is kept for inspection, outside the client's report folder
    kept = out / by_client(result)["cell-raises"].failed_notebook
    assert kept.exists() and kept.name == "02_kpi_pairs.ipynb"
    assert "boom in a cell" in kept.read_text()
    index = (out / "index.html").read_text()
    assert "bad-yaml.yaml" in index and "missing.csv" in index and "boom in a cell" in index


def test_a_failed_run_never_replaces_the_previous_good_report(tmp_path):
    params, out = tmp_path / "params", tmp_path / "reports"
    params.mkdir()
    path = write_client(params, "acme", "Acme")
    assert run(params, out).ok
    good = (out / "acme" / "report.html").read_text()

    path.write_text(path.read_text().replace("name: Acme", "name: Acme boom"))
    result = run(params, out)
    assert by_client(result)["acme"].status == "failed"
    assert (out / "acme" / "report.html").read_text() == good
    assert "Acme boom" not in (out / "acme" / "summary.json").read_text()
    assert not list(out.glob(".staging/*")), "no staging leftovers"


def test_a_hung_notebook_is_stopped_and_reported_as_timed_out(tmp_path):
    params, out = tmp_path / "params", tmp_path / "reports"
    params.mkdir()
    write_client(params, "sleepy", "Sleepy hang")
    write_client(params, "quick", "Quick")
    result = run(params, out, timeout=8)
    assert by_client(result)["sleepy"].status == "timed_out"
    assert "02_kpi_pairs.ipynb" in by_client(result)["sleepy"].reason
    assert by_client(result)["quick"].ok


def test_hostile_strings_stay_data(tmp_path):
    params, out = tmp_path / "params", tmp_path / "reports"
    params.mkdir()
    marker = tmp_path / "pwned"
    name = f"\"<script>alert(1)</script>'; open('{marker}','w').write('x') #"
    write_client(params, "hostile", json.dumps(name))
    (params / "escape.yaml").write_text("client: ../escape\nname: x\ndata: demo:webshop\n")
    result = run(params, out)
    assert by_client(result)["hostile"].ok, by_client(result)["hostile"].reason
    assert not marker.exists(), "a string from params was executed as code"
    assert by_client(result)["escape"].status == "invalid"
    assert not (tmp_path / "escape").exists() and not (out.parent / "escape").exists()
    for html_file in [out / "index.html", out / "hostile" / "report.html"]:
        assert "<script>alert(1)</script>" not in html_file.read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (out / "hostile" / "report.html").read_text()


def test_plotly_js_is_written_once_and_shared(demo_batch):
    _, out, _ = demo_batch
    assert (out / "plotly.min.js").stat().st_size > 1_000_000
    for report in out.glob("*/report.html"):
        text = report.read_text()
        assert '<script src="../plotly.min.js">' in text
        assert "plotly.min.js" not in [p.name for p in report.parent.iterdir()]


def test_dask_local_cluster_gives_the_same_outputs(tmp_path):
    pytest.importorskip("dask.distributed")
    params, out = tmp_path / "params", tmp_path / "reports"
    params.mkdir()
    write_client(params, "dask-good", "Dask Good")
    write_client(params, "dask-boom", "Dask boom")
    result = run(params, out, dask="local", workers=2)
    status = {c: r.status for c, r in by_client(result).items()}
    assert status == {"dask-good": "ok", "dask-boom": "failed"}
    assert (out / "dask-good" / "report.html").exists()
    assert (out / "dask-good" / "summary.json").exists()
    assert not (out / "dask-boom").exists()


def test_full_demo_batch_with_the_real_notebooks(demo_batch):
    params_dir, out, result = demo_batch
    assert result.ok, result.summary_text()
    index = (out / "index.html").read_text()
    for r in result.results:
        folder = out / r.client
        for name in ("01_goals.ipynb", "02_kpi_pairs.ipynb", "03_analysis.ipynb", "report.html", "summary.json"):
            assert (folder / name).exists(), f"{r.client}: {name} missing"
        report = (folder / "report.html").read_text()
        assert report.count('class="plotly-graph-div"') >= 5
        assert len(report.encode()) <= 300_000, f"{r.client}: report is {len(report.encode())} bytes"
        assert f"{r.client}/report.html" in index
        # summary.json agrees with the engine
        summary = json.loads((folder / "summary.json").read_text())
        config = load_params(params_dir / f"{r.client}.yaml")
        whole = compute_kpis(load_facts(config), config.all_kpis, grain=None).set_index("kpi")
        for kpi_id, entry in summary["kpis"].items():
            expected = whole.loc[kpi_id, "value"]
            assert entry["value"] == pytest.approx(expected, rel=1e-9, nan_ok=True)
        assert {g["status"] for g in summary["goals"]} <= {"on_track", "at_risk", "off_track"}


def test_running_some_clients_keeps_the_others_in_the_overview(tmp_path):
    params, out = tmp_path / "params", tmp_path / "reports"
    params.mkdir()
    write_client(params, "alpha", "Alpha Shop")
    write_client(params, "beta", "Beta Shop")
    assert run(params, out).ok
    result = run(params, out, clients=["beta"])
    assert [r.client for r in result.results] == ["beta"]
    index = (out / "index.html").read_text()
    assert "alpha/report.html" in index and "beta/report.html" in index


def test_an_impostor_params_file_never_takes_over_another_clients_report(tmp_path):
    """Issue 16.2: `aaa-evil.yaml` saying `client: victim` is refused; the real victim runs and publishes."""
    params, out = tmp_path / "params", tmp_path / "reports"
    params.mkdir()
    write_client(params, "victim", "Victim Shop")
    (params / "aaa-evil.yaml").write_text(
        (params / "victim.yaml").read_text().replace("name: Victim Shop", "name: Evil Shop"), encoding="utf-8"
    )
    result = run(params, out)
    status = {c: r.status for c, r in by_client(result).items()}
    assert status == {"aaa-evil": "invalid", "victim": "ok"}
    assert "is not this file's client" in by_client(result)["aaa-evil"].reason
    assert json.loads((out / "victim" / "summary.json").read_text())["name"] == "Victim Shop"
    assert "Evil Shop" not in (out / "victim" / "report.html").read_text()
    assert not (out / "aaa-evil").exists()
