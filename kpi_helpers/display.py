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
from typing import Any

import pandas as pd

PLOTLY_MIME = "application/vnd.plotly.v1+json"
_figure_ids = itertools.count(1)


def figure_bundle(fig: Any) -> dict[str, Any]:
    """The mime bundle for one plotly figure (see module docstring)."""
    import plotly.io as pio

    div_id = f"kpi-figure-{next(_figure_ids)}"
    # plotly's own encoder: datetime64 arrays become ISO date strings in arrays (a str() of the
    # numpy array would turn the live chart's time axis into 0..N), numbers typed arrays.
    spec = json.loads(pio.to_json(fig, validate=False))
    html = fig.to_html(include_plotlyjs=False, full_html=False, div_id=div_id,
                       default_height=f"{fig.layout.height or 450}px",
                       config={"displaylogo": False, "responsive": True})
    return {
        PLOTLY_MIME: spec,
        "text/html": html,
        "text/plain": f"<Figure: {fig.layout.title.text or 'untitled'}>",
    }


def show(fig: Any) -> None:
    """Display a plotly figure so JupyterLab, nbconvert HTML and Voilà all draw it."""
    from IPython.display import display

    display(figure_bundle(fig), raw=True)


def show_table(table: pd.DataFrame, caption: str | None = None) -> None:
    """Display a table as plain, escaped HTML (no index, no inline styles)."""
    from IPython.display import HTML, display

    html = table.to_html(index=False, escape=True, border=0, classes="kpi-table", na_rep="n/a")
    if caption:
        import html as html_lib

        html = f"<p class='kpi-caption'><strong>{html_lib.escape(caption)}</strong></p>" + html
    display(HTML(html))


def escape_markdown_html(text: str) -> str:
    """Neutralise raw HTML in Markdown: client names, goal statements and campaign labels end up
    in headings and findings, and Markdown would pass `<script>` straight into the report.
    `>` at the start of a line stays (a blockquote); entities render as the characters."""
    lines = []
    for line in text.replace("&", "&amp;").replace("<", "&lt;").split("\n"):
        stripped = line.lstrip(" ")
        quote = len(stripped) - len(stripped.lstrip(">"))
        head, rest = line[: len(line) - len(stripped) + quote], stripped[quote:]
        lines.append(head + rest.replace(">", "&gt;"))
    return "\n".join(lines)


def show_markdown(text: str) -> None:
    """Display Markdown with any raw HTML in it shown as text, never run."""
    from IPython.display import Markdown, display

    display(Markdown(escape_markdown_html(text)))
