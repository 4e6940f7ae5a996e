"""Plotly figures for the analysis notebook, built from the engine's tidy tables.

Why it looks like this:
* ``plotly.graph_objects`` only: ``plotly.express`` costs 1.25 s per kernel (measured).
* One lean layout template (:data:`TEMPLATE`) replaces plotly's default one, which would
  otherwise be embedded in every figure's JSON (several KB each, in every report).
* Report language: titles, axis labels and hover text come from ``lang``; numbers use the
  decimal comma in Dutch through ``layout.separators`` (plotly formats, we do not).
* Every function returns a ``go.Figure`` with a title and takes the engine's tables, so tests
  can check traces against engine numbers. Session-level wiring (which windows, KPIs and
  sections apply to a client) lives in :mod:`kpi_helpers.views.analysis` (views) and
  :mod:`kpi_helpers.compute.findings` (analysis windows), so this module stays pure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kpi_helpers.compute.engine import QUADRANTS, format_change, format_kpi_change, get_kpi, period_over_period
from kpi_helpers.i18n.formats import LOCALES, check_lang, format_period, format_value, t
from kpi_helpers.i18n.messages import table
from kpi_helpers.views.display import SERIES_COLOR

SEPARATORS = {"nl": ",.", "en": ".,"}
STATUS_COLORS = {"on_track": "#2e7d32", "at_risk": "#ef6c00", "off_track": "#c62828", "not_started": "#78909c"}
NEUTRAL = "#37474f"
GOOD, BAD = "#2e7d32", "#c62828"
COLORWAY = [SERIES_COLOR, "#ef6c00", "#2e7d32", "#6a1b9a", "#00838f", "#ad1457", "#9e9d24", "#5d4037"]
QUADRANT_COLORS = {
    "healthy_growth": "#e8f5e9",
    "goodhart_warning": "#ffcdd2",
    "efficiency": "#e3f2fd",
    "decline": "#fff3e0",
}

#: Lean theme: only what we change from plotly.js defaults (keeps each figure's JSON small).
TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 13, "color": "#263238"},
        "colorway": COLORWAY,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "title": {"x": 0.01, "xanchor": "left", "font": {"size": 16}},
        "xaxis": {"gridcolor": "#eceff1", "zeroline": False, "automargin": True},
        "yaxis": {"gridcolor": "#eceff1", "zerolinecolor": "#b0bec5", "automargin": True},
        "margin": {"l": 60, "r": 24, "t": 64, "b": 48},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
        "hoverlabel": {"bgcolor": "white"},
    }
)

TEXT: dict[str, dict[str, str]] = table("charts")


def text(key: str, lang: str, **values: Any) -> str:
    """Chart vocabulary in ``lang`` (falls back to i18n labels, then the key)."""
    entry = TEXT.get(key)
    template = entry[check_lang(lang)] if entry else t(key, lang)
    return template.format(**values) if values else template


# --------------------------------------------------------------------------- helpers
def base_figure(title: str, lang: str = "en", height: int | None = None, **layout: Any) -> go.Figure:
    """An empty figure with our theme, title and the language's number separators."""
    fig = go.Figure(
        layout={
            "template": TEMPLATE,
            "title": {"text": title},
            "separators": SEPARATORS[check_lang(lang)],
            **({"height": height} if height else {}),
            **layout,
        }
    )
    return fig


def currency_symbol(currency: str = "EUR", lang: str = "en") -> str:
    from babel.numbers import get_currency_symbol

    return get_currency_symbol(currency, locale=LOCALES[check_lang(lang)])


def number_format(unit: str) -> str:
    """d3 format for a catalog unit (percent KPIs are fractions)."""
    return {"percent": ",.1%", "ratio": ",.2f", "minutes": ",.1f", "days": ",.1f"}.get(unit, ",.0f")


def axis_format(unit: str, currency: str = "EUR", lang: str = "en") -> dict[str, Any]:
    """Axis tick format and prefix for a unit (currency symbol in front, as both locales do)."""
    # ",.2~%": enough decimals that 2 % – 3 % ticks never read "2%, 2%, 3%, 3%"; trailing zeros trimmed
    fmt = {"percent": ",.2~%", "ratio": ",.2~f"}.get(unit, "~s" if unit in ("count", "currency") else ",.1f")
    out: dict[str, Any] = {"tickformat": fmt}
    if unit == "currency":
        out["tickprefix"] = currency_symbol(currency, lang) + (" " if lang == "nl" else "")
    return out


def hover_value(unit: str, currency: str = "EUR", lang: str = "en", field: str = "y") -> str:
    """Hover text for a value, e.g. '€ %{y:,.0f}'."""
    prefix = currency_symbol(currency, lang) + (" " if lang == "nl" else "") if unit == "currency" else ""
    return f"{prefix}%{{{field}:{number_format(unit)}}}"


def _meta(table: pd.DataFrame, kpi_id: str, catalog: Any = None) -> dict[str, Any]:
    meta = table.attrs.get("kpis", {}).get(kpi_id) if hasattr(table, "attrs") else None
    if meta is None:
        k = get_kpi(kpi_id, catalog)
        meta = {"unit": k.unit, "direction": k.direction, "labels": dict(k.labels), "type": k.type}
    return meta


def kpi_label(table: pd.DataFrame, kpi_id: str, lang: str, catalog: Any = None) -> str:
    labels = _meta(table, kpi_id, catalog)["labels"]
    return labels.get(lang) or labels.get("en") or kpi_id


def _by(table: pd.DataFrame) -> list[str]:
    return list(table.attrs.get("by") or [c for c in ("channel", "campaign", "coupon", "product") if c in table])


def _period_labels(periods: Sequence[Any], grain: str | None, lang: str) -> list[str]:
    return [format_period(pd.Timestamp(p), grain or "month", lang) for p in periods]


TICKFORMATS = {"day": "%d-%m-%Y", "week": "%d-%m-%Y", "month": "%m-%Y", "quarter": "Q%q %Y", "year": "%Y"}


def _num(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


# --------------------------------------------------------------------------- scorecard
def scorecard(
    table: pd.DataFrame,
    kpis: Sequence[str] | None = None,
    period: Any = None,
    lang: str = "en",
    currency: str = "EUR",
    status: Mapping[str, str] | None = None,
    columns: int = 3,
    title: str | None = None,
    catalog: Any = None,
) -> go.Figure:
    """A grid of go.Indicator cards, one per KPI, for one period of a compute_kpis table.

    Each card: the value, the delta vs the previous period (green when it moves the KPI's good
    way), the change vs the same period last year in the card title, and the number coloured
    by goal status (``status``: kpi -> 'on_track'|'at_risk'|'off_track') when the KPI has a goal.
    """
    pop = table if "previous" in table.columns else period_over_period(table, catalog)
    grain = pop.attrs.get("grain")
    for col in _by(pop):  # a breakdown table: use the totals only if present
        pop = pop[pop[col].isna()] if pop[col].isna().any() else pop
    period = pd.Timestamp(period) if period is not None else pop["period"].max()
    rows = pop[pop["period"] == period].set_index("kpi")
    kpis = [k for k in (kpis or list(dict.fromkeys(pop["kpi"]))) if k in rows.index]
    status = dict(status or {})
    n = max(len(kpis), 1)
    cols = max(1, min(columns, n))
    nrows = math.ceil(n / cols)
    fig = base_figure(
        title or text("scorecards", lang, period=_period_labels([period], grain, lang)[0]),
        lang,
        height=60 + 170 * nrows,
        grid={"rows": nrows, "columns": cols, "pattern": "independent"},
    )
    for i, kid in enumerate(kpis):
        row = rows.loc[kid]
        meta = _meta(pop, kid, catalog)
        unit, higher = meta["unit"], meta["direction"] == "higher"
        value, previous = _num(row["value"]), _num(row["previous"])
        yoy = _num(row["yoy_abs_change"] if unit == "percent" else row["yoy_rel_change"])
        yoy_text = f"{format_kpi_change(yoy, yoy, unit, lang)} {t('change_yoy', lang)}" if yoy is not None else ""
        prev_text = ""
        if unit == "percent" and previous is not None:  # a rate's change in percentage points, not a relative delta
            if value is not None:
                prev_text = f"{format_kpi_change(value - previous, math.nan, unit, lang)} {t('change_prev', lang)}"
            previous = None
        elif previous == 0 and value is not None:  # no relative delta from 0: 'unchanged' or 'n/a (was 0)'
            prev_text = f"{format_kpi_change(value, math.nan, unit, lang)} {t('change_prev', lang)}"
            previous = None
        label = kpi_label(pop, kid, lang, catalog)
        number = {
            "valueformat": number_format(unit),
            "font": {"color": STATUS_COLORS.get(status.get(kid, ""), NEUTRAL), "size": 36},
        }
        if unit == "currency":
            number["prefix"] = currency_symbol(currency, lang) + (" " if lang == "nl" else "")
        sub = [prev_text, yoy_text] + ([t(status[kid], lang)] if kid in status else [])
        if value is None and row.get("coverage") == "empty":  # a hole in the data: no data, not 0
            sub = [t("no_data_here", lang)]
        elif value is None and any(  # say why, never a silent blank
            code != "unavailable_no_data" for code, _ in pop.attrs.get("unavailable", {}).get(kid, ())
        ):
            sub = [t("not_available_here", lang)]
        fig.add_trace(
            go.Indicator(
                mode="number+delta" if previous is not None else "number",
                value=value,
                name=kid,
                number=number,
                delta={
                    "reference": previous,
                    "relative": True,
                    "valueformat": ".1%",
                    "increasing": {"color": GOOD if higher else BAD},
                    "decreasing": {"color": BAD if higher else GOOD},
                }
                if previous is not None
                else None,
                title={
                    "text": f"<b>{label}</b><br><span style='font-size:0.75em'>"
                    f"{' · '.join(s for s in sub if s) or '&nbsp;'}</span>",
                    "font": {"size": 14},
                },
                domain={"row": i // cols, "column": i % cols},
            )
        )
    return fig


# --------------------------------------------------------------------------- trend
def trend(
    table: pd.DataFrame,
    kpi: str,
    target: float | pd.Series | None = None,
    forecast: pd.Series | None = None,
    lang: str = "en",
    currency: str = "EUR",
    title: str | None = None,
    catalog: Any = None,
    target_name: str | None = None,
    floor: float | None = None,
    ceiling: float | None = None,
) -> go.Figure:
    """The KPI per period (one line per dimension value when the table has a ``by``), a dashed
    target line (a number: constant; a Series indexed by period: per period, named
    ``target_name``, e.g. "target per month" for a goal's own per-period targets) and a dotted
    forecast (Series indexed by period, e.g. the remaining months to the goal's deadline).
    ``floor`` / ``ceiling``: a goal's limits as horizontal lines (both: a shaded band), labelled
    with the value in the report's language."""
    grain = table.attrs.get("grain") or "month"
    meta = _meta(table, kpi, catalog)
    label = kpi_label(table, kpi, lang, catalog)
    fig = base_figure(
        title or text("trend", lang, kpi=label, grain=t(grain, lang)),
        lang,
        xaxis={"tickformat": TICKFORMATS.get(grain, "%m-%Y")},
        yaxis={"title": {"text": label}, **axis_format(meta["unit"], currency, lang)},
        hovermode="x unified",
    )
    rows = table[table["kpi"] == kpi].sort_values("period")
    hover = hover_value(meta["unit"], currency, lang)
    groups = rows.groupby(_by(rows), sort=True) if _by(rows) else [(t("actual", lang), rows)]
    for name, part in groups:
        name = name[0] if isinstance(name, tuple) and len(name) == 1 else name
        fig.add_trace(
            go.Scatter(
                x=part["period"],
                y=part["value"],
                name=str(name),
                mode="lines+markers",
                customdata=_period_labels(part["period"], grain, lang),
                hovertemplate=f"%{{customdata}}: {hover}<extra>{name}</extra>",
            )
        )
    x_end = rows["period"].max() if len(rows) else None
    if forecast is not None and len(forecast):
        fc = pd.Series(forecast).sort_index()
        if len(rows) and not _by(rows):  # connect the forecast to the last actual point
            fc = pd.concat([pd.Series([rows["value"].iloc[-1]], index=[rows["period"].iloc[-1]]), fc])
        fig.add_trace(
            go.Scatter(
                x=fc.index,
                y=fc.values,
                name=t("forecast", lang),
                mode="lines+markers",
                line={"dash": "dot", "color": COLORWAY[1]},
                marker={"symbol": "circle-open"},
                hovertemplate=f"{hover}<extra>{t('forecast', lang)}</extra>",
            )
        )
        x_end = max(x_end, fc.index.max()) if x_end is not None else fc.index.max()
    if target is not None:
        if isinstance(target, pd.Series):
            tx, ty = target.sort_index().index, target.sort_index().values
        else:
            tx = [rows["period"].min(), x_end] if len(rows) else []
            ty = [float(target)] * len(tx)
        tname = target_name or t("target", lang)
        fig.add_trace(
            go.Scatter(
                x=tx,
                y=ty,
                name=tname,
                mode="lines+markers" if target_name else "lines",
                line={"dash": "dash", "color": BAD, "width": 1.5},
                marker={"symbol": "line-ew", "size": 10, "line": {"width": 2, "color": BAD}} if target_name else None,
                hovertemplate=f"{hover}<extra>{tname}</extra>",
            )
        )
    bounds = [(v, key) for v, key in ((floor, "floor"), (ceiling, "ceiling")) if v is not None and math.isfinite(v)]
    if len(bounds) == 2:
        fig.add_hrect(y0=floor, y1=ceiling, fillcolor=GOOD, opacity=0.07, line={"width": 0}, layer="below", name="band")
    for value, key in bounds:
        fig.add_hline(
            y=value,
            line={"dash": "dot", "color": NEUTRAL, "width": 1.5},
            annotation_text=f"{text(key, lang)} {format_value(value, meta['unit'], lang, currency)}",
            annotation_position="bottom left" if key == "floor" else "top left",
            name=key,
        )
    localize_date_axis(
        fig, [*rows["period"], *(fc.index if forecast is not None and len(forecast) else [])], grain, lang
    )
    return fig


def localize_date_axis(
    fig: go.Figure, periods: Sequence[Any], grain: str | None, lang: str, max_ticks: int = 12
) -> None:
    """Tick labels of a date x axis written by Babel ('mrt 2026' / 'Mar 2026'): plotly.js only
    knows English month names, so the ticks are given as values with their text."""
    values = sorted({pd.Timestamp(p) for p in periods if p is not None and not pd.isna(p)})
    if not values:
        return
    step = max(1, math.ceil(len(values) / max_ticks))
    ticks = values[::step]
    fig.update_xaxes(tickmode="array", tickvals=ticks, ticktext=_period_labels(ticks, grain or "month", lang))


# --------------------------------------------------------------------------- pairs
def pair_quadrant(
    quadrant_table: pd.DataFrame,
    pair: Sequence[str] | None = None,
    lang: str = "en",
    title: str | None = None,
    catalog: Any = None,
) -> go.Figure:
    """Relative change of the volume KPI (x) against its quality partner (y) per period, from
    :func:`kpi_helpers.compute.engine.pair_quadrants`. Quadrants are shaded and named; the Goodhart
    quadrant (more volume, worse quality) is red. Quadrant sides follow each KPI's good
    direction. The latest period is the large marker; hover shows the engine's reading."""
    qt = quadrant_table
    if pair is None:
        pair = (qt["volume_kpi"].iloc[0], qt["quality_kpi"].iloc[0])
    v_id, q_id = pair
    rows = qt[(qt["volume_kpi"] == v_id) & (qt["quality_kpi"] == q_id)].dropna(subset=["quadrant"])
    rows = rows.sort_values("period")
    vk, qk = get_kpi(v_id, catalog), get_kpi(q_id, catalog)
    vl, ql = vk.label(lang), qk.label(lang)
    grain = qt.attrs.get("grain") or "month"
    xs, ys = rows["volume_change"].to_numpy(float), rows["quality_change"].to_numpy(float)
    lim = max(0.05, float(np.nanmax(np.abs(np.concatenate([xs, ys])))) * 1.15 if len(rows) else 0.05)
    fig = base_figure(
        title or text("pair", lang, v=vl, q=ql),
        lang,
        height=480,
        xaxis={
            "title": {"text": text("change_of", lang, kpi=vl)},
            "tickformat": ",.2~%",
            "range": [-lim, lim],
            "zeroline": True,
            "zerolinecolor": "#90a4ae",
        },
        yaxis={
            "title": {"text": text("change_of", lang, kpi=ql)},
            "tickformat": ",.2~%",
            "range": [-lim, lim],
            "zeroline": True,
            "zerolinecolor": "#90a4ae",
        },
        showlegend=False,
    )
    sx = 1 if vk.direction == "higher" else -1  # side where the volume KPI is better
    sy = 1 if qk.direction == "higher" else -1
    corners = {
        "healthy_growth": (sx, sy),
        "goodhart_warning": (sx, -sy),
        "efficiency": (-sx, sy),
        "decline": (-sx, -sy),
    }
    for quadrant, (cx, cy) in corners.items():
        fig.add_shape(
            type="rect",
            x0=0,
            x1=cx * lim,
            y0=0,
            y1=cy * lim,
            fillcolor=QUADRANT_COLORS[quadrant],
            line={"width": 0},
            layer="below",
            name=quadrant,
        )
        fig.add_annotation(
            x=cx * lim * 0.97,
            y=cy * lim * 0.95,
            text=text(quadrant, lang),
            showarrow=False,
            xanchor="right" if cx > 0 else "left",
            yanchor="top" if cy > 0 else "bottom",
            font={"color": BAD if quadrant == "goodhart_warning" else NEUTRAL, "size": 12},
            name=quadrant,
        )
    messages = rows[f"message_{lang}"].tolist() if f"message_{lang}" in rows else [""] * len(rows)
    labels = _period_labels(rows["period"], grain, lang)
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines+markers",
            name=text("pair", lang, v=vl, q=ql),
            line={"color": "#b0bec5", "width": 1},
            marker={"color": COLORWAY[0], "size": 8},
            customdata=list(zip(labels, messages)),
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        )
    )
    if len(rows):
        fig.add_trace(
            go.Scatter(
                x=xs[-1:],
                y=ys[-1:],
                mode="markers+text",
                name=text("latest", lang),
                text=[labels[-1]],
                textposition="top center",
                marker={
                    "size": 16,
                    "color": BAD if rows["quadrant"].iloc[-1] == "goodhart_warning" else COLORWAY[0],
                    "line": {"width": 2, "color": "white"},
                },
                customdata=[messages[-1]],
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    return fig


# --------------------------------------------------------------------------- breakdowns
def channel_breakdown(
    table: pd.DataFrame,
    kpi: str | Sequence[str],
    by: str | None = None,
    lang: str = "en",
    currency: str = "EUR",
    title: str | None = None,
    highlight: str | None = None,
    catalog: Any = None,
) -> go.Figure:
    """Horizontal bars of one KPI (or several of the same unit, grouped) per channel, campaign
    or coupon from :func:`kpi_helpers.compute.engine.breakdown`. Values that are not available (e.g.
    ROAS of a channel without ad spend) are left out. ROAS gets a break-even line at 1 and ROI
    at 0; bars on the losing side are red."""
    kpis = [kpi] if isinstance(kpi, str) else list(kpi)
    by = by or _by(table)[0]
    meta = _meta(table, kpis[0], catalog)
    labels = [kpi_label(table, k, lang, catalog) for k in kpis]
    name = " / ".join(labels)
    fig = base_figure(
        title or text("by", lang, kpi=name, dim=t(by, lang).lower()),
        lang,
        xaxis=axis_format(meta["unit"], currency, lang),
        barmode="group",
        yaxis={"autorange": "reversed"},
        showlegend=len(kpis) > 1,
    )
    hover = hover_value(meta["unit"], currency, lang, "x")
    break_even = {"roas": 1.0, "roi": 0.0}.get(kpis[0]) if len(kpis) == 1 else None
    order: list[Any] | None = None
    other = table.attrs.get("other_label")  # the lumped "Other (n)" row of a top breakdown: always last
    for kid, label in zip(kpis, labels):
        rows = table[(table["kpi"] == kid) & table["available"]]
        if order is None:
            order = rows.sort_values(["value", by], ascending=[False, True])[by].tolist()
            if other is not None and other in order:
                order = [o for o in order if o != other] + [other]
        present = set(rows[by])  # once per KPI: the membership test below stays linear
        rows = rows.set_index(by).reindex([o for o in order if o in present])
        colors = None
        if break_even is not None:
            colors = [BAD if v < break_even else GOOD for v in rows["value"]]
        elif highlight is not None:
            colors = [COLORWAY[1] if str(i) == highlight else COLORWAY[0] for i in rows.index]
        fig.add_trace(
            go.Bar(
                x=rows["value"],
                y=[str(i) for i in rows.index],
                orientation="h",
                name=label,
                marker={"color": colors} if colors else None,
                hovertemplate=f"%{{y}}: {hover}<extra>{label}</extra>",
            )
        )
    if break_even is not None:
        fig.add_vline(
            x=break_even,
            line={"dash": "dash", "color": BAD, "width": 1},
            annotation_text=text("break_even", lang),
            annotation_position="top",
        )
    fig.update_layout(height=max(280, 90 + 34 * len(order or [])))
    return fig


# --------------------------------------------------------------------------- seasonality
def month_names(lang: str, months: Sequence[int]) -> str:
    from babel.dates import get_month_names

    names = get_month_names("abbreviated", locale=LOCALES[check_lang(lang)])
    return ", ".join(str(names[m]).rstrip(".") for m in months) or text("none", lang)


#: The heatmap title's second line: how many full years the season rests on.
SEASON_CAPTION = "<br><span style='font-size:11px'>{}</span>"


def season_title(season: Any, label: str, lang: str = "en") -> str:
    """The heatmap's title: the peak and quiet months, and below them the full years they are read
    from; with fewer than MIN_YEARS_FOR_SEASONALITY full years, that the data is too short for a season."""
    from kpi_helpers.compute.pacing import MIN_YEARS_FOR_SEASONALITY

    years = int(season.years)
    if season.established:
        months = text(
            "season",
            lang,
            kpi=label,
            peak=month_names(lang, season.peak_months),
            quiet=month_names(lang, season.quiet_months),
        )
        return months + SEASON_CAPTION.format(text("season_years", lang, years=years))
    span = (
        text("season_span_none", lang)
        if years < 1
        else text("season_span_one", lang)
        if years == 1
        else text("season_span_many", lang, years=years)
    )
    caption = text("season_too_short", lang, span=span, min=MIN_YEARS_FOR_SEASONALITY)
    return text("season_plain", lang, kpi=label) + SEASON_CAPTION.format(caption)


def seasonality_heatmap(
    matrix: pd.DataFrame, season: Any, lang: str = "en", title: str | None = None, label: str | None = None
) -> go.Figure:
    """Month (rows) × weekday (columns) index of a KPI (1 = average), e.g. from
    :func:`seasonality_matrix`, with a title naming the peak and quiet months of ``season``
    (a :class:`kpi_helpers.compute.pacing.Seasonality`) and a month-of-year profile column."""
    from babel.dates import get_day_names, get_month_names

    loc = LOCALES[check_lang(lang)]
    months = get_month_names("abbreviated", locale=loc)
    days = get_day_names("abbreviated", locale=loc)
    label = label or season.kpi
    fig = base_figure(
        title or season_title(season, label, lang),
        lang,
        height=520,
        yaxis={"autorange": "reversed"},
    )
    z = matrix.reindex(index=range(1, 13), columns=range(7))
    profile = season.month_profile.reindex(range(1, 13))
    fig.add_trace(
        go.Heatmap(
            z=np.column_stack([z.to_numpy(float), profile.to_numpy(float)]),
            x=[str(days[d]) for d in range(7)] + [t("month", lang)],
            y=[str(months[m]) for m in range(1, 13)],
            colorscale=[[0, "#1565c0"], [0.5, "#f5f5f5"], [1, "#ef6c00"]],
            zmid=1.0,
            colorbar={"title": {"text": text("index", lang)}},
            hovertemplate="%{y} %{x}: %{z:.2f}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    return fig


def seasonality_matrix(frame: pd.DataFrame, ratio: bool = False) -> pd.DataFrame:
    """Month × weekday index (1 = overall average) from a daily numerator/denominator frame
    (:func:`kpi_helpers.compute.pacing.daily_frame`): sums first, ratio/daily mean last."""
    keys = [frame.index.month, frame.index.day_of_week]
    sums = frame.groupby(keys)[["numerator", "denominator"]].sum()
    if ratio:
        values = sums["numerator"] / sums["denominator"].where(sums["denominator"] != 0)
        mean = frame["numerator"].sum() / frame["denominator"].sum() if frame["denominator"].sum() else np.nan
    else:
        days = frame.groupby(keys)["covered"].sum() if "covered" in frame else frame.groupby(keys).size()
        values = sums["numerator"] / days.where(days > 0)  # days without data (a hole) are no zeros
        mean = frame["numerator"].mean()
    out = (values / mean).unstack()
    out.index.name, out.columns.name = "month", "weekday"
    return out


# --------------------------------------------------------------------------- drivers, pacing
def driver_waterfall(
    decomposition: pd.DataFrame,
    lang: str = "en",
    currency: str = "EUR",
    title: str | None = None,
    period_labels: tuple[str, str] | None = None,
    catalog: Any = None,
) -> go.Figure:
    """Waterfall from :func:`kpi_helpers.compute.drivers.decompose_change`: the KPI in period A, each
    driver's contribution (they add up to the total change) and the KPI in period B."""
    d = decomposition
    total = d[d["role"] == "total"].iloc[0]
    drivers = d[d["role"] == "driver"]
    kid = total["kpi"]
    unit = get_kpi(kid, catalog).unit
    a, b = period_labels or (str(d.attrs.get("period_a", "A")), str(d.attrs.get("period_b", "B")))
    label = get_kpi(kid, catalog).label(lang)
    names = (
        [f"{label} {a}"]
        + [
            f"{get_kpi(k, catalog).label(lang)} ({format_change(r, lang)})"
            for k, r in zip(drivers["kpi"], drivers["rel_change"])
        ]
        + [f"{label} {b}"]
    )
    y = [float(total["value_a"]), *drivers["contribution"].astype(float), float(total["value_b"])]
    fig = base_figure(
        title or text("waterfall", lang, kpi=label, a=a, b=b),
        lang,
        showlegend=False,
        yaxis=axis_format(unit, currency, lang),
    )
    fig.add_trace(
        go.Waterfall(
            x=names,
            y=y,
            measure=["absolute"] + ["relative"] * len(drivers) + ["total"],
            name=label,
            text=[format_value(v, unit, lang, currency) for v in y],
            textposition="outside",
            hovertemplate=f"%{{x}}: {hover_value(unit, currency, lang)}<extra></extra>",
            increasing={"marker": {"color": GOOD}},
            decreasing={"marker": {"color": BAD}},
            totals={"marker": {"color": COLORWAY[0]}},
            connector={"line": {"color": "#b0bec5"}},
        )
    )
    lo, hi = min(np.cumsum(y[:-1]).min(), y[-1]), max(np.cumsum(y[:-1]).max(), y[-1])
    pad = (hi - lo) * 0.6 or abs(hi) * 0.1 or 1
    fig.update_yaxes(range=[max(0, lo - pad) if lo >= 0 else lo - pad, hi + pad * 0.5])
    return fig


def pacing_bars(
    pacing: pd.DataFrame,
    lang: str = "en",
    title: str | None = None,
    catalog: Any = None,
    goal_names: dict[str, str] | None = None,
) -> go.Figure:
    """One bar per goal from :func:`kpi_helpers.compute.pacing.pace_goals`: actual to date as a share of
    the target, coloured by status, with markers for where it should be by now and the
    forecast at the deadline (for 'lower is better' KPIs the share is target / actual). A bar is
    named by `goal_names` {goal id: name} (`kpi_helpers.compute.findings.goal_names`), else by its
    KPI's label: never by the internal goal id."""
    names, actual, expected, forecast, colors, hover = [], [], [], [], [], []
    for row in pacing.itertuples(index=False):
        lower = get_kpi(row.kpi, catalog).direction == "lower"

        def share(v: float) -> float:
            if v is None or not math.isfinite(v) or not row.target:
                return math.nan
            return (row.target / v if v else math.nan) if lower else v / row.target

        names.append((goal_names or {}).get(row.goal_id) or get_kpi(row.kpi, catalog).label(lang))
        actual.append(share(row.actual_to_date))
        expected.append(share(row.expected))
        forecast.append(share(row.forecast))
        colors.append(STATUS_COLORS.get(row.status, NEUTRAL))
        hover.append(f"{getattr(row, 'statement', '') or ''} — {t(row.status, lang)}")
    as_of = pacing["as_of"].iloc[0] if len(pacing) else None
    from kpi_helpers.i18n.formats import format_date

    fig = base_figure(
        title or text("pacing", lang, date=format_date(as_of, lang)),
        lang,
        xaxis={"tickformat": ",.2~%", "title": {"text": text("of_target", lang)}},
        yaxis={"autorange": "reversed"},
        height=max(260, 110 + 60 * len(names)),
    )
    fig.add_trace(
        go.Bar(
            x=actual,
            y=names,
            orientation="h",
            name=text("actual_to_date", lang),
            marker={"color": colors},
            customdata=hover,
            hovertemplate="%{y}: %{x:.1%}<br>%{customdata}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=expected,
            y=names,
            mode="markers",
            name=text("expected_now", lang),
            marker={"symbol": "line-ns", "size": 26, "line": {"width": 3, "color": NEUTRAL}},
            hovertemplate="%{y}: %{x:.1%}<extra>" + text("expected_now", lang) + "</extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=forecast,
            y=names,
            mode="markers",
            name=text("forecast_end", lang),
            marker={"symbol": "diamond", "size": 12, "color": "white", "line": {"width": 2, "color": NEUTRAL}},
            hovertemplate="%{y}: %{x:.1%}<extra>" + text("forecast_end", lang) + "</extra>",
        )
    )
    fig.add_vline(x=1.0, line={"dash": "dash", "color": NEUTRAL, "width": 1})
    return fig


def what_if_bars(
    result: Any, lang: str = "en", currency: str = "EUR", baseline_label: str | None = None, catalog: Any = None
) -> go.Figure:
    """Baseline vs scenario of a :class:`kpi_helpers.compute.drivers.WhatIf`, with the goal's target."""
    k = get_kpi(result.kpi, catalog)
    met = result.meets_goal
    status = "" if met is None else f" — {text('goal_met' if met else 'goal_missed', lang)}"
    fig = base_figure(
        text("whatif", lang, kpi=k.label(lang)) + f" {format_change(result.change_pct / 100, lang)}" + status,
        lang,
        yaxis=axis_format(k.unit, currency, lang),
        showlegend=False,
        height=380,
    )
    y = [result.base_value, result.new_value]
    colors = [COLORWAY[0], NEUTRAL if met is None else GOOD if met else BAD]
    fig.add_trace(
        go.Bar(
            x=[baseline_label or t("baseline", lang), text("scenario", lang)],
            y=y,
            marker={"color": colors},
            text=[format_value(v, k.unit, lang, currency) for v in y],
            textposition="outside",
            hovertemplate=f"%{{x}}: {hover_value(k.unit, currency, lang)}<extra></extra>",
        )
    )
    if result.target is not None:
        fig.add_hline(
            y=result.target,
            line={"dash": "dash", "color": BAD, "width": 1.5},
            annotation_text=f"{t('target', lang)} {format_value(result.target, k.unit, lang, currency)}",
            annotation_position="top left",
        )
    top = max([v for v in [*y, result.target] if v is not None and math.isfinite(v)] or [1])
    fig.update_yaxes(range=[0, top * 1.18])
    return fig


__all__ = [
    "scorecard",
    "trend",
    "pair_quadrant",
    "channel_breakdown",
    "seasonality_heatmap",
    "seasonality_matrix",
    "driver_waterfall",
    "pacing_bars",
    "what_if_bars",
    "TEMPLATE",
    "QUADRANTS",
]
