"""Checks on the `application/vnd.plotly.v1+json` outputs of notebooks: every trace's x and y is
an array (a list, or plotly's typed array `{"dtype", "bdata"}`), never the str() of a numpy array,
and every time axis carries ISO dates. Used on freshly executed and on committed notebooks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

PLOTLY_MIME = "application/vnd.plotly.v1+json"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")


def plotly_specs(nb: dict) -> Iterator[tuple[str, dict]]:
    """(where, spec) for every plotly JSON output: cell outputs and Output widgets in the stored
    widget state (where the dashboard pushes its figures)."""
    for i, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []) or []:
            if PLOTLY_MIME in out.get("data", {}):
                yield f"cell {i}", out["data"][PLOTLY_MIME]
    state = nb.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    for model_id, model in state.get("state", {}).items():
        for out in model.get("state", {}).get("outputs", []) or []:
            if PLOTLY_MIME in out.get("data", {}):
                yield f"widget {model_id}", out["data"][PLOTLY_MIME]


def _is_array(value: Any) -> bool:
    return isinstance(value, list) or (isinstance(value, dict) and "bdata" in value and "dtype" in value)


def _is_dates(value: Any) -> bool:
    return isinstance(value, list) and all(v is None or (isinstance(v, str) and ISO_DATE.match(v)) for v in value)


def _axis_key(trace: dict, letter: str) -> str:
    ref = trace.get(f"{letter}axis", letter)  # "x", "x2", ...
    return f"{letter}axis{ref[1:]}"


def figure_problems(spec: dict) -> tuple[list[str], set[str]]:
    """(problems, date axes) of one plotly JSON spec."""
    problems: list[str] = []
    layout = spec.get("layout", {})
    traces = spec.get("data", [])
    date_axes = {axis for axis, conf in layout.items() if isinstance(conf, dict) and conf.get("type") == "date"}
    for trace in traces:
        for letter in ("x", "y"):
            value = trace.get(letter)
            if value is None:
                continue
            if not _is_array(value):
                problems.append(
                    f"trace {trace.get('name')!r}: {letter} is {type(value).__name__} {str(value)[:60]!r}, not an array"
                )
            elif isinstance(value, list) and value and any(isinstance(v, str) and ISO_DATE.match(v) for v in value):
                date_axes.add(_axis_key(trace, letter))
    for trace in traces:  # every trace on a time axis is placed by dates (targets, forecasts too)
        for letter in ("x", "y"):
            value = trace.get(letter)
            if value is not None and _axis_key(trace, letter) in date_axes and not _is_dates(value):
                problems.append(
                    f"trace {trace.get('name')!r}: {letter} on time axis {_axis_key(trace, letter)} is not ISO dates"
                )
    return problems, date_axes


def notebook_problems(nb: dict) -> tuple[list[str], int, int]:
    """(problems, figures, figures with a time axis) of one notebook."""
    problems, figures, timed = [], 0, 0
    for where, spec in plotly_specs(nb):
        figures += 1
        found, date_axes = figure_problems(spec)
        timed += bool(date_axes)
        problems += [f"{where}: {p}" for p in found]
    return problems, figures, timed
