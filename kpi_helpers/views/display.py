"""How figures and tables reach the notebook output — chosen on purpose for three readers.

Each figure is displayed as ONE bundle with two representations:
- `application/vnd.plotly.v1+json`: JupyterLab's plotly renderer draws it (interactive);
- `text/html`: a <div> plus a `Plotly.newPlot` script *without* plotly.js. nbconvert's HTML
  export keeps this (it drops the plotly mimetype), and the batch report loads plotly.js once
  from the shared `plotly.min.js` next to the client folders, so reports stay small and offline.
Div ids are counted per kernel, not random, so nbval sees identical outputs on every run.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pandas as pd

PLOTLY_MIME = "application/vnd.plotly.v1+json"
_figure_ids = itertools.count(1)

#: The charts' main series colour (kpi_helpers.views.charts.COLORWAY[0]); the agency's primary colour
#: (params/_agency.yaml) replaces it in every figure of the client opened (`use_chart_color`).
SERIES_COLOR = "#1565c0"
_chart_color: dict[str, str | None] = {"series": None}


def use_chart_color(color: str | None) -> None:
    """Draw the main series in `color` (a checked hex colour) from now on in this kernel; None: ours.
    Set when a client is opened, like its catalog: a kernel works on one client."""
    _chart_color["series"] = color.lower() if color else None


def _recolor(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {k: _recolor(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [_recolor(v, old, new) for v in node]
    return new if isinstance(node, str) and node.lower() == old else node


def figure_spec(fig: Any) -> dict[str, Any]:
    """A figure's JSON as drawn everywhere: plotly's own encoder (datetime64 arrays become ISO date
    strings; a str() of the numpy array would turn a time axis into 0..N), every label inert, the
    main series in the agency's colour when one is set."""
    import plotly.io as pio

    spec = inert_figure_spec(json.loads(pio.to_json(fig, validate=False)))
    if _chart_color["series"]:
        spec = _recolor(spec, SERIES_COLOR, _chart_color["series"])
    return spec


def figure_bundle(fig: Any) -> dict[str, Any]:
    """The mime bundle for one plotly figure (see module docstring); every label is inert text."""
    import plotly.io as pio

    div_id = f"kpi-figure-{next(_figure_ids)}"
    spec = figure_spec(fig)
    html = pio.to_html(
        spec,
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        validate=False,
        default_height=f"{fig.layout.height or 450}px",
        config={"displaylogo": False, "responsive": True},
    )
    return {
        PLOTLY_MIME: spec,
        "text/html": html,
        "text/plain": f"<Figure: {fig.layout.title.text or 'untitled'}>",
    }


def show(fig: Any) -> None:
    """Display a plotly figure so JupyterLab, nbconvert HTML and Voilà all draw it."""
    from IPython.display import display

    display(figure_bundle(fig), raw=True)


# One label, table cell or exported cell shows at most this many characters (the rest as "…"): a 20 MB
# campaign name otherwise made a 40 MB notebook and report. Longer than any real name or our own labels.
MAX_CELL_CHARS = 1_000


def cap_text(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """`text` cut to `limit` characters with an ellipsis (shorter text unchanged)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cap_cells(table: pd.DataFrame, limit: int = MAX_CELL_CHARS) -> pd.DataFrame:
    """`table` with every text cell longer than `limit` cut (a copy only when one is)."""
    out = table
    for column in table.columns:
        values = table[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            long = values.map(lambda v: isinstance(v, str) and len(v) > limit).astype(bool)
            if long.any():
                out = out.copy() if out is table else out
                out[column] = values.where(~long, values[long].map(lambda v: cap_text(v, limit)))
    return out


def show_table(table: pd.DataFrame, caption: str | None = None) -> None:
    """Display a table as plain, escaped HTML (no index, no inline styles); long cells cut (MAX_CELL_CHARS)."""
    from IPython.display import HTML, display

    html = cap_cells(table).to_html(index=False, escape=True, border=0, classes="kpi-table", na_rep="n/a")
    if caption:
        import html as html_lib

        html = f"<p class='kpi-caption'><strong>{html_lib.escape(caption)}</strong></p>" + html
    display(HTML(html))


# ---------------------------------------------------------------- untrusted text, escaped for each medium
#
# Client names, goal statements, owners and campaign labels come from params and data files that
# nobody vouches for. Each medium has its own live syntax, so each has its own escape function:
# HTML (html.escape at the point of writing), Markdown (`escape_markdown_html`), plotly's label
# subset (`escape_plotly_text`, applied to every figure by `figure_bundle`) and spreadsheet
# formulas (`inert_cells`, used by `kpi-workbook kpis --out`).

_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9])://|\bwww\.")


def escape_markdown_html(text: str) -> str:
    """Markdown whose every character from the input shows as text: no HTML, no links, no images.

    Raw HTML (`<`, `&`) is escaped; `[` and `]` become entities so `[x](javascript:...)` and
    `![p](http://host/px.png)` are no links or images; the autolink triggers (`://`, `www.`, `@`)
    are broken with an entity so bare URLs and e-mail addresses stay text. `>` at the start of a
    line stays (a blockquote); entities render as the characters, so the text reads unchanged.
    Our own Markdown (bold, lists, headings) has no links, so the whole text is escaped.
    """
    lines = []
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace("[", "&#91;").replace("]", "&#93;")
    text = _AUTOLINK.sub(lambda m: "&#58;//" if m.group(0) == "://" else m.group(0)[:3] + "&#46;", text)
    text = text.replace("@", "&#64;")
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        quote = len(stripped) - len(stripped.lstrip(">"))
        head, rest = line[: len(line) - len(stripped) + quote], stripped[quote:]
        lines.append(head + rest.replace(">", "&gt;"))
    return "\n".join(lines)


escape_markdown = escape_markdown_html

# The tags our own figure code writes (titles, hover templates); everything else is shown as text.
_OWN_PLOTLY_TAGS = re.compile(
    r"</?(?:b|i|em|sup|sub|br|extra)\s*/?>|<span style='font-size:0?\.[0-9]+em'>|</span>", re.IGNORECASE
)


def escape_plotly_text(text: str) -> str:
    """Plotly renders a subset of HTML in labels (`<a href>` links, `<span style>`): escape `<` and `>`
    except in the few plain tags our own figures use. Plotly decodes entities after it parsed the
    tags, so `&lt;a href=...&gt;` shows as text and can never become a link."""
    if "<" not in text and ">" not in text:
        return text
    out, last = [], 0
    for match in _OWN_PLOTLY_TAGS.finditer(text):
        out.append(text[last : match.start()].replace("<", "&lt;").replace(">", "&gt;"))
        out.append(match.group(0))
        last = match.end()
    out.append(text[last:].replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(out)


def inert_figure_spec(value: Any) -> Any:
    """A figure's plotly JSON with every string (trace names, categories, hover text, titles,
    tick labels, annotations) cut to MAX_CELL_CHARS and passed through `escape_plotly_text`; the
    layout template is ours."""
    import numpy as np

    if isinstance(value, str):
        return escape_plotly_text(cap_text(value))
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:  # a typed array (numbers as base64): no text to cut
            return value
        return {k: (v if k == "template" else inert_figure_spec(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [inert_figure_spec(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
        flat = [inert_figure_spec(v) for v in value.ravel().tolist()]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(value.shape)
    return value


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value: Any) -> Any:
    """A text cell a spreadsheet will never run: a leading `=`, `+`, `-`, `@`, tab or CR gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def inert_cells(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of `table` for CSV/xlsx export with every text cell passed through `inert_cell`
    (numbers stay numbers, so a negative value is not touched), cut to MAX_CELL_CHARS."""
    out = cap_cells(table).copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(inert_cell)
    out.columns = [inert_cell(str(c)) for c in out.columns]
    return out


def show_markdown(text: str) -> None:
    """Display Markdown with any raw HTML in it shown as text, never run."""
    from IPython.display import Markdown, display

    display(Markdown(escape_markdown_html(text)))
