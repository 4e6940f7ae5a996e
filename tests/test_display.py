"""kpi_helpers.views.display: strings from params and data are inert in notebook output and reports."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest

from kpi_helpers.views import display

PAYLOAD = "<script>alert(1)</script>"


@pytest.fixture
def shown(monkeypatch):
    """What display() received (IPython is not running in tests)."""
    import IPython.display

    seen: list = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: seen.append(obj))
    return seen


def test_markdown_html_is_shown_as_text():
    text = display.escape_markdown_html(f"# Klant {PAYLOAD}\n> a quote\nA & B > C <img src=x onerror=alert(1)>")
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "\n> a quote\n" in text  # a blockquote stays a blockquote
    assert "A &amp; B &gt; C" in text


def test_show_markdown_escapes(shown):
    display.show_markdown(f"**{PAYLOAD}**")
    assert PAYLOAD not in shown[0].data and "&lt;script&gt;" in shown[0].data


def test_show_table_escapes_cells_and_caption(shown):
    display.show_table(pd.DataFrame({"campaign": [PAYLOAD], "value": [float("nan")]}), caption=f"by {PAYLOAD}")
    html = shown[0].data
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    assert 'class="dataframe kpi-table"' in html and "n/a" in html


def test_figure_bundle_has_plotly_json_and_script_only_html():
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]), layout={"title": {"text": "Omzet"}})
    first, second = display.figure_bundle(fig), display.figure_bundle(fig)
    assert json.loads(json.dumps(first[display.PLOTLY_MIME]))["data"][0]["type"] == "bar"
    html = first["text/html"]
    assert "Plotly.newPlot" in html and "<script src=" not in html  # plotly.js comes from the report's shared copy
    assert first["text/plain"] == "<Figure: Omzet>"
    ids = [b["text/html"].split('id="')[1].split('"')[0] for b in (first, second)]
    assert ids[0] != ids[1] and all(i.startswith("kpi-figure-") for i in ids)


def test_a_hostile_label_in_a_figure_cannot_close_the_script(shown):
    fig = go.Figure(go.Bar(x=[PAYLOAD], y=[1]))
    html = display.figure_bundle(fig)["text/html"]
    assert PAYLOAD not in html  # plotly's JSON escapes '<' and '/' inside the script


# ---------------------------------------------------------------- one cell's length (issue 21, minor)

HUGE = "<a href=x>" + "x" * 20_000_000  # a 20 MB campaign name


def test_a_20_mb_label_is_cut_in_figures_tables_and_exports(shown):
    cap = display.MAX_CELL_CHARS
    fig = go.Figure(go.Bar(x=[1.0, 2.0], y=[HUGE, "spring"], name=HUGE))
    spec = json.dumps(display.figure_spec(fig), ensure_ascii=False)
    assert len(spec) < 20 * cap, f"{len(spec):,} characters of figure JSON"
    assert "x" * (cap - 20) + "…" in spec and "spring" in spec and "&lt;a href=x&gt;" in spec  # cut, still escaped

    display.show_table(pd.DataFrame({"campaign": [HUGE, "spring"], "revenue": [1.0, 2.0]}))
    assert len(shown[0].data) < 10 * cap and "spring" in shown[0].data

    exported = display.inert_cells(pd.DataFrame({"campaign": ["=" + HUGE, "spring"], "revenue": [-1.0, 2.0]}))
    cells = exported["campaign"].tolist()
    assert len(cells[0]) == cap + 1 and cells[0].startswith("'=") and cells[0].endswith("…")  # the ' of inert_cell
    assert cells[1] == "spring" and exported["revenue"].tolist() == [-1.0, 2.0]
    assert display.cap_text("short") == "short" and len(display.cap_text("y" * 5000, 100)) == 100


def test_long_number_arrays_survive_the_cap():
    """plotly stores number arrays as base64 typed arrays; cutting that string to MAX_CELL_CHARS broke
    the chart in the report ('Invalid typed array length' in Chromium, the PDF print timed out)."""
    import base64

    import numpy as np

    values = np.arange(2_000, dtype=float)
    y = display.figure_spec(go.Figure(go.Scatter(x=values, y=values * 2)))["data"][0]["y"]
    assert len(y["bdata"]) > display.MAX_CELL_CHARS  # long enough to have been cut
    assert np.array_equal(np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]), values * 2)
