"""Export from the live workbook: tables as CSV downloads, values inert.

`csv_text(table)` writes a DataFrame as CSV in which no cell can become a spreadsheet formula:
a text cell starting with `=`, `+`, `-`, `@` (or a tab / carriage return) gets a leading `'`
(OWASP's advice for CSV injection; numbers stay numbers). `csv_link_html` turns it into a
download link (a base64 `data:` URI: no server, no request off the machine), `csv_download`
into a displayable object, `CsvExport` into a button that builds the CSV of the current state
on click (the dashboard's tables). Figures are downloaded with plotly's own modebar button
(PNG, see display.FIGURE_CONFIG).
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpi_helpers.i18n.messages import table

if TYPE_CHECKING:
    from kpi_helpers.session import ClientSession

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT: dict[str, dict[str, str]] = table("export")
HEADERS: dict[str, dict[str, str]] = table("export_headers")


def inert(value: Any) -> Any:
    """A cell value that a spreadsheet shows as text, never runs: `'` before a formula start."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(table: pd.DataFrame) -> str:
    """The table as CSV (UTF-8, comma, dot decimals, ISO dates), every text cell and header inert."""
    out = table.copy()
    out.columns = [inert(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(inert)
    return out.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")


def safe_filename(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "table"
    return stem[:100] + ("" if stem.endswith(".csv") else ".csv")


def csv_link_html(table: pd.DataFrame, filename: str, lang: str = "en", label: str | None = None) -> str:
    """An <a download> link carrying the CSV as a data: URI (the BOM lets Excel read UTF-8)."""
    data = base64.b64encode(("\ufeff" + csv_text(table)).encode("utf-8")).decode("ascii")
    name = safe_filename(filename)
    text = html.escape(f"⬇ {label or TEXT['download'][lang]} ({name})")
    return (
        f"<a class='kpi-csv-download' download='{html.escape(name, quote=True)}' "
        f"href='data:text/csv;charset=utf-8;base64,{data}'>{text}</a>"
    )


class CsvDownload:
    """A displayable download link for one table (`kpi.csv_download(table, 'pacing')`)."""

    def __init__(self, table: pd.DataFrame, filename: str, lang: str = "en", label: str | None = None):
        self.table, self.filename, self.lang, self.label = table, filename, lang, label

    def _repr_html_(self) -> str:
        return csv_link_html(self.table, self.filename, self.lang, self.label)


def csv_download(table: pd.DataFrame, filename: str, lang: str = "en", label: str | None = None) -> CsvDownload:
    """A CSV download link for a table, to show under it in a notebook."""
    return CsvDownload(table, filename, lang, label)


class CsvExport:
    """A button that builds the CSV of `make_table()` when clicked (nothing computed before)."""

    def __init__(self, make_table: Callable[[], pd.DataFrame], filename: Callable[[], str], lang: str, label: str):
        import ipywidgets as widgets

        self.make_table, self.filename, self.lang, self.label = make_table, filename, lang, label
        self.button = widgets.Button(
            description=f"{TEXT['prepare'][lang]}: {label}", layout=widgets.Layout(width="auto")
        )
        self.button.add_class("kpi-csv-prepare")
        self.link = widgets.HTML()
        self.link.add_class("kpi-csv-link")
        self.button.on_click(lambda _: self.prepare())
        self.widget = widgets.HBox([self.button, self.link])

    def prepare(self) -> str:
        table = self.make_table()
        if table is None or table.empty:
            self.link.value = f"<em>{html.escape(TEXT['empty'][self.lang])}</em>"
        else:
            self.link.value = csv_link_html(table, self.filename(), self.lang, self.label)
        return self.link.value

    def clear(self) -> None:
        """The filters changed: an earlier link would export the old view."""
        self.link.value = ""


# --------------------------------------------------------------------------- the dashboard's tables
def dashboard_table(
    wb: ClientSession,
    period: tuple[Any, Any] | None = None,
    grain: str = "month",
    channel: str | None = None,
    kpis: list[str] | None = None,
) -> pd.DataFrame:
    """The numbers behind the dashboard for its filters: one row per period × KPI (raw values,
    percent KPIs as fractions, changes relative), headers in the client's language."""
    from kpi_helpers.compute.engine import shift_periods
    from kpi_helpers.compute.findings import dashboard_kpis, dashboard_months, period_table

    months = dashboard_months(wb)
    start, end = period or (months[max(0, len(months) - 24)], months[-1])
    end_day = pd.Timestamp(shift_periods([pd.Timestamp(end)], "month", 1)[0]) - pd.Timedelta(days=1)
    shown = kpis or dashboard_kpis(wb)
    facts = wb.facts if channel is None else wb.facts[wb.facts["channel"] == channel]
    table = period_table(wb, shown, grain, facts=facts, start=pd.Timestamp(start), end=end_day)
    lang = wb.lang
    out = pd.DataFrame(
        {
            "period": pd.to_datetime(table["period"]).dt.strftime("%Y-%m-%d"),
            "kpi_id": table["kpi"].astype(str),
            "kpi": [wb.label(k) for k in table["kpi"]],
            "channel": channel or "",
            "value": table["value"],
            "previous": table["previous"],
            "rel_change": table["rel_change"],
            "last_year": table["last_year"],
            "yoy_rel_change": table["yoy_rel_change"],
            "unit": table["unit"].astype(str),
        }
    )
    if channel is None:
        out = out.drop(columns="channel")
    out.columns = [HEADERS[c][lang] for c in out.columns]
    return out


def pacing_export(wb: ClientSession) -> pd.DataFrame:
    """The goals' pacing with raw numbers (the pacing table shows them formatted)."""
    from kpi_helpers.compute.findings import pacing_frame

    frame = pacing_frame(wb)
    if frame.empty:
        return pd.DataFrame()
    cols = [
        c
        for c in ("goal_id", "kpi", "owner", "target", "actual_to_date", "expected", "forecast", "deadline", "status")
        if c in frame.columns
    ]
    out = frame[cols].copy()
    if "kpi" in out:
        out["kpi"] = [wb.label(k) for k in out["kpi"]]
    if "deadline" in out:
        out["deadline"] = pd.to_datetime(out["deadline"]).dt.strftime("%Y-%m-%d")
    if "status" in out:
        from kpi_helpers.i18n.formats import t

        out["status"] = [t(str(s), wb.lang) for s in out["status"]]
    out.columns = [HEADERS[c][wb.lang] for c in cols]
    return out


def dashboard_exports(app: Any) -> list[CsvExport]:
    """The dashboard's CSV buttons: the KPI table for the current filters and the goal pacing."""
    wb, lang = app.wb, app.wb.lang

    def name(kind: str) -> str:
        start, end = (pd.Timestamp(x) for x in app.period.value)
        channel = f"_{app.channel.value}" if app.channel.value else ""
        return f"{wb.config.client}_{kind}_{app.grain.value}_{start:%Y-%m}_{end:%Y-%m}{channel}"

    kpis = CsvExport(
        lambda: dashboard_table(wb, app.period.value, app.grain.value, app.channel.value),
        lambda: name("kpis"),
        lang,
        TEXT["dashboard_table"][lang],
    )
    pacing = CsvExport(
        lambda: pacing_export(wb), lambda: f"{wb.config.client}_pacing", lang, TEXT["pacing_table"][lang]
    )
    return [kpis, pacing]
