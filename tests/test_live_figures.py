"""Live charts keep their dates (issue 11 point 5): the `application/vnd.plotly.v1+json` part of
every figure is made by plotly's own encoder, so a datetime64 x axis is a list of ISO dates, never
the str() of a numpy array (JupyterLab and Voila then drew the x axis as 0..N and put targets and
forecasts over the wrong months)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from conftest import DEMO_PARAMS
from figure_checks import PLOTLY_MIME, figure_problems, notebook_problems

from kpi_helpers.views.display import figure_bundle

ROOT = Path(__file__).resolve().parents[1]
# the notebooks may live in notebooks/ or ship inside the package (kpi_helpers/notebooks/)
NOTEBOOK_DIRS = [ROOT / "notebooks", ROOT / "kpi_helpers" / "notebooks"]
COMMITTED = sorted(p for d in NOTEBOOK_DIRS for pattern in ("*.ipynb", "workshop/*.ipynb") for p in d.glob(pattern))


def _notebook(name: str) -> Path:
    return next(d / name for d in NOTEBOOK_DIRS if (d / name).exists())


def test_figure_bundle_keeps_datetime64_axis_as_iso_dates():
    months = pd.date_range("2025-01-01", periods=4, freq="MS")
    fig = go.Figure(
        [
            go.Scatter(x=months.values, y=np.array([1.0, 2.0, 3.0, 4.0]), name="actual"),
            go.Scatter(x=months.values[2:], y=[3.5, 4.5], name="target"),
        ]
    )
    spec = figure_bundle(fig)[PLOTLY_MIME]
    json.dumps(spec, allow_nan=False)  # plain JSON for the frontend
    xs = [trace["x"] for trace in spec["data"]]
    assert xs[0] == [d.strftime("%Y-%m-%dT%H:%M:%S.%f") for d in months] or [x[:10] for x in xs[0]] == [
        "2025-01-01",
        "2025-02-01",
        "2025-03-01",
        "2025-04-01",
    ]
    assert [x[:10] for x in xs[1]] == ["2025-03-01", "2025-04-01"]
    problems, date_axes = figure_problems(spec)
    assert problems == [] and date_axes == {"xaxis"}


def test_figure_bundle_from_pandas_series_with_datetime_index():
    series = pd.Series([10.0, 12.0, 9.0], index=pd.date_range("2024-10-01", periods=3, freq="MS"))
    spec = figure_bundle(go.Figure(go.Bar(x=series.index, y=series)))[PLOTLY_MIME]
    assert [x[:10] for x in spec["data"][0]["x"]] == ["2024-10-01", "2024-11-01", "2024-12-01"]


def test_checker_flags_the_broken_str_repr():
    """The checker itself would have caught the committed notebooks before the fix."""
    broken = {
        "data": [
            {"type": "scatter", "name": "Doel", "x": "['2026-01-01T00:00:00' '2026-02-01T00:00:00']", "y": [1, 2]}
        ],
        "layout": {},
    }
    problems, _ = figure_problems(broken)
    assert len(problems) == 1 and "not an array" in problems[0]
    mixed = {
        "data": [
            {"type": "scatter", "x": ["2026-01-01", "2026-02-01"], "y": [1, 2]},
            {"type": "scatter", "x": {"dtype": "i1", "bdata": "AAE="}, "y": [1, 2]},
        ],
        "layout": {},
    }
    problems, _ = figure_problems(mixed)
    assert len(problems) == 1 and "time axis" in problems[0]


def test_committed_notebooks_have_no_stringified_arrays():
    assert COMMITTED, "no committed notebooks found"
    for path in COMMITTED:
        problems, _, _ = notebook_problems(json.loads(path.read_text(encoding="utf-8")))
        assert problems == [], f"{path.relative_to(ROOT)}: {problems[:3]}"


@pytest.mark.slow
@pytest.mark.parametrize("interactive", [False, True], ids=["static", "interactive"])
@pytest.mark.parametrize("name", ["02_kpi_pairs.ipynb", "03_analysis.ipynb"])
def test_executed_notebook_figures_keep_dates(name, interactive, tmp_path, demo_batch):
    """Static: the notebook as the session's one demo batch ran it for demo_webshop (not executed
    again here); interactive: executed here with the bundled demo_webshop params."""
    if interactive:
        import papermill as pm

        out = tmp_path / name
        pm.execute_notebook(
            str(_notebook(name)),
            str(out),
            cwd=str(tmp_path),
            progress_bar=False,
            kernel_name="python3",
            parameters={"params_file": str(DEMO_PARAMS / "demo_webshop.yaml"), "interactive": True},
        )
    else:
        _, reports, result = demo_batch
        assert result.ok, result.summary_text()
        out = reports / "demo_webshop" / name
    problems, figures, timed = notebook_problems(json.loads(out.read_text(encoding="utf-8")))
    assert problems == []
    assert figures >= 1 and timed >= 1  # the trend charts are there and have a time axis
