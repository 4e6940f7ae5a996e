"""Step 1 of the workbook (notebooks/01_goals): the client's goals as SMART cards, the goal
chain, realism against the client's own history and the worked "vague -> specific" example.
(The live goal builder is in `builders.py`, with the other ipywidgets apps.)

Every function returns something a test can inspect (an `HtmlView` with `.html`, a plotly
figure, a DataFrame or an app object exposing its controls); notebook cells only display it.
Goal statements, ids and owners come from params files or from what an analyst types, so
every piece of user text is HTML-escaped before it reaches a card or a figure label.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpi_helpers.compute.chains import check_chain, goal_tree
from kpi_helpers.i18n.formats import check_lang, format_date, format_percent, format_value, owner_name, t
from kpi_helpers.i18n.messages import table, text
from kpi_helpers.spec.goals import (
    GOAL_LEVEL_KPIS,
    Goal,
    SmartReport,
    best_monthly_growth,
    smart_check,
)

if TYPE_CHECKING:
    from kpi_helpers.session import ClientSession

STATUS_COLORS = {"pass": "#2e7d32", "unknown": "#52606d", "warn": "#ef6c00", "fail": "#c62828"}
STATUS_MARK = {"pass": "✓", "unknown": "?", "warn": "!", "fail": "✗"}
SEVERITY = table("goal_views_severity")


def tx(key: str, lang: str) -> str:
    return text(f"goal_views.{key}", lang)


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


@dataclass
class HtmlView:
    """HTML for the notebook (displayed via `_repr_html_`) plus the data behind it for tests."""

    html: str
    table: pd.DataFrame | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:  # stable text/plain for nbval (no memory address)
        return f"<HtmlView: {len(self.html)} characters>"


# --------------------------------------------------------------------------- inputs
def _is_session(obj: Any) -> bool:
    return hasattr(obj, "config") and hasattr(obj, "facts")


def resolve_lang(lang: str | None, wb: ClientSession | None = None) -> str:
    return check_lang(lang or (wb.lang if wb is not None else "en"))


def _as_goals(goals: Any) -> list[Goal]:
    if _is_session(goals):
        goals = goals.config.goals
    if isinstance(goals, (Goal, dict)):
        goals = [goals]
    return [g if isinstance(g, Goal) else Goal.model_validate(g) for g in goals]


def session_catalog(wb: ClientSession | None = None) -> Any:
    if wb is not None:
        return wb.catalog
    from kpi_helpers.spec.catalog import load_catalog

    return load_catalog()


def kpi_label(kpi_id: str, lang: str, catalog: Any = None) -> str:
    kpi_id = kpi_id.strip()
    cat = catalog if catalog is not None else session_catalog()
    if kpi_id in cat:
        return cat[kpi_id].label(lang)
    if kpi_id in GOAL_LEVEL_KPIS:
        label = GOAL_LEVEL_KPIS[kpi_id]["labels"][lang]
        return label[:1].upper() + label[1:]
    return kpi_id


def kpi_unit(kpi_id: str, catalog: Any = None) -> str:
    kpi_id = kpi_id.strip()
    cat = catalog if catalog is not None else session_catalog()
    if kpi_id in cat:
        return cat[kpi_id].unit
    return GOAL_LEVEL_KPIS.get(kpi_id, {}).get("unit", "count")


def _fmt(value: float | None, unit: str, lang: str, currency: str = "EUR") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return text("formats.not_available", lang)
    return format_value(value, unit, lang, currency)


# --------------------------------------------------------------------------- history
def monthly_history(wb: ClientSession, kpi_id: str, before: dt.date | None = None) -> pd.Series | None:
    """The KPI per complete month from the engine (index = month start), up to `before`
    (exclusive; realism is judged on what was known when the goal starts). None when the
    KPI is not computable from this client's data (e.g. profit, which comes from the accounts)."""
    from kpi_helpers.compute.engine import compute_kpis

    kpi_id = kpi_id.strip()
    if kpi_id not in wb.catalog:
        return None
    table = compute_kpis(wb.facts, [kpi_id], grain="month", catalog=wb.catalog, missing="skip")
    if table.empty:
        return None
    series = table.set_index("period")["value"].astype(float)
    cutoff = pd.Timestamp(wb.as_of) + pd.Timedelta(days=1)  # the data's last month may be partial
    if before is not None:
        cutoff = min(cutoff, pd.Timestamp(before))
    series = series[(series.index + pd.offsets.MonthBegin(1)) <= cutoff]
    series.name = kpi_id
    return series if len(series) else None


def goal_histories(wb: ClientSession, goals: list[Goal] | None = None) -> dict[str, pd.Series | None]:
    """Monthly history per goal id (months before the goal's start)."""
    return {
        g.id or g.kpi: monthly_history(wb, g.kpi, before=g.start) for g in _as_goals(goals if goals is not None else wb)
    }


def _history_for(goal: Goal, history: Any) -> pd.Series | None:
    if history is None or isinstance(history, pd.Series):
        return history
    if isinstance(history, dict):
        return history.get(goal.id) if goal.id in history else history.get(goal.kpi)
    raise TypeError("history must be None, a monthly pd.Series or a dict {goal id or KPI: Series}")


def _reports(goals: Any, history: Any, catalog: Any) -> tuple[list[Goal], list[SmartReport], Any]:
    wb = goals if _is_session(goals) else None
    goal_list = _as_goals(goals)
    if history is None and wb is not None:
        history = goal_histories(wb, goal_list)
    cat = catalog if catalog is not None else session_catalog(wb)
    reports = [smart_check(g, history=_history_for(g, history), catalog=cat) for g in goal_list]
    return goal_list, reports, cat


# --------------------------------------------------------------------------- SMART cards
CARD_CSS = (
    "<style>.kpi-smart-card{border:1px solid #ddd;border-left:6px solid var(--kpi-status);border-radius:4px;"
    "padding:.6em .9em;margin:.8em 0;max-width:60em}.kpi-smart-card h4{margin:.1em 0 .3em}"
    ".kpi-smart-card .kpi-meta{color:#555;font-size:.9em;margin-bottom:.4em}"
    ".kpi-smart-card table{border-collapse:collapse;width:100%}.kpi-smart-card td,.kpi-smart-card th"
    "{text-align:left;vertical-align:top;padding:.2em .5em;border-top:1px solid #eee}"
    ".kpi-badge{font-weight:bold;white-space:nowrap}</style>"
)


def status_badge(status: str, lang: str) -> str:
    return (
        f"<span class='kpi-badge kpi-{status}' style='color:{STATUS_COLORS[status]}'>"
        f"{STATUS_MARK[status]} {esc(t(status, lang))}</span>"
    )


def smart_card_html(goal: Goal, report: SmartReport, lang: str, catalog: Any = None, currency: str = "EUR") -> str:
    """One goal as a card: statement, KPI, baseline -> target, window, owner, and S M A R T rows."""
    unit = kpi_unit(goal.kpi, catalog)
    values = f"{_fmt(goal.baseline, unit, lang, currency)} → {_fmt(goal.target, unit, lang, currency)}"
    window = f"{format_date(goal.start, lang)} – {format_date(goal.deadline, lang)}"
    owner = owner_name(goal.owner) or tx("no_owner", lang)
    rows = "".join(
        f"<tr class='kpi-letter-{f.letter}'><td><strong>{f.letter}</strong> {esc(f.name[lang])}</td>"
        f"<td>{status_badge(f.status, lang)}</td><td>{esc(f.message[lang])}"
        + (f"<br><em>→ {esc(f.fix[lang])}</em>" if f.fix[lang] else "")
        + "</td></tr>"
        for f in report.findings
    )
    return (
        f"<div class='kpi-smart-card kpi-{report.status}' style='--kpi-status:{STATUS_COLORS[report.status]}'>"
        f"<h4>{esc(goal.statement) or '…'}</h4>"
        f"<div class='kpi-meta'>{esc(tx('goal', lang))} <code>{esc(goal.id)}</code> · {esc(tx('kpi', lang))}: "
        f"{esc(kpi_label(goal.kpi, lang, catalog))} · {esc(values)} · {esc(tx('window', lang))}: {esc(window)} · "
        f"{esc(tx('owner', lang))}: {esc(owner)} · {esc(tx('overall', lang))}: {status_badge(report.status, lang)}</div>"
        f"<table><tbody>{rows}</tbody></table></div>"
    )


def smart_cards(goals: Any, history: Any = None, lang: str | None = None, catalog: Any = None) -> HtmlView:
    """The client's goals as SMART cards (one per goal, a finding per letter with its fix).

    `goals`: a client session (`wb`, history then comes from its data) or a list of goals.
    `history`: a monthly pd.Series, or a dict {goal id or KPI: Series}; with a session it is
    computed with the engine from the months before each goal's start.
    """
    wb = goals if _is_session(goals) else None
    lang = resolve_lang(lang, wb)
    goal_list, reports, cat = _reports(goals, history, catalog)
    currency = wb.currency if wb is not None else "EUR"
    if not goal_list:
        return HtmlView(f"<p class='kpi-empty'>{esc(tx('no_goals', lang))}</p>", data={"reports": []})
    cards = "".join(smart_card_html(g, r, lang, cat, currency) for g, r in zip(goal_list, reports))
    table = pd.DataFrame(
        [
            {"goal": g.id, **{f.letter: f.status for f in r.findings}, "status": r.status}
            for g, r in zip(goal_list, reports)
        ]
    )
    return HtmlView(CARD_CSS + cards, table=table, data={"reports": reports, "goals": goal_list})


# --------------------------------------------------------------------------- chain
def _effective_parents(goals: list[Goal]) -> list[tuple[int, int | None]]:
    """(index, parent index) per goal in goal_tree order; cycles and unknown parents become roots."""
    index = {id(g): i for i, g in enumerate(goals)}
    stack: list[int] = []
    out: list[tuple[int, int | None]] = []
    for depth, g in goal_tree(goals):
        del stack[depth:]
        out.append((index[id(g)], stack[-1] if stack else None))
        stack.append(index[id(g)])
    return out


def goal_tree_figure(goals: Any, lang: str | None = None, history: Any = None, catalog: Any = None):
    """The goal chain as a left-to-right tree (parent left, its driver goals to the right),
    one node per goal coloured by its SMART verdict; hover shows statement, owner and deadline."""
    import plotly.graph_objects as go

    wb = goals if _is_session(goals) else None
    lang = resolve_lang(lang, wb)
    goal_list, reports, cat = _reports(goals, history, catalog)
    links = _effective_parents(goal_list)
    children: dict[int | None, list[int]] = {}
    for i, p in links:
        children.setdefault(p, []).append(i)
    pos: dict[int, tuple[float, float]] = {}
    next_row = [0.0]

    def place(i: int, depth: int) -> float:
        kids = children.get(i, [])
        ys = [place(k, depth + 1) for k in kids]
        y = sum(ys) / len(ys) if ys else next_row[0]
        if not ys:
            next_row[0] += 1
        pos[i] = (float(depth), y)
        return y

    for root in children.get(None, []):
        place(root, 0)
    order = [i for i, _ in links]
    ex, ey = [], []
    for i, p in links:
        if p is not None:
            ex += [pos[p][0], pos[i][0], None]
            ey += [-pos[p][1], -pos[i][1], None]
    labels, hovers, colors = [], [], []
    for i in order:
        g, r = goal_list[i], reports[i]
        change = g.required_change
        change_text = format_percent(change, lang, decimals=0, signed=True) if change is not None else ""
        labels.append(f"<b>{esc(g.id)}</b><br>{esc(kpi_label(g.kpi, lang, cat))} {esc(change_text)}")
        hovers.append(
            f"{esc(g.statement)}<br>{esc(tx('owner', lang))}: {esc(owner_name(g.owner) or tx('no_owner', lang))}"
            f"<br>{esc(tx('deadline', lang))}: {esc(format_date(g.deadline, lang))}"
            f"<br>SMART: {esc(t(r.status, lang))}"
        )
        colors.append(STATUS_COLORS[r.status])
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=ex,
            y=ey,
            mode="lines",
            line={"color": "#999", "width": 2},
            hoverinfo="skip",
            showlegend=False,
            name="links",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[pos[i][0] for i in order],
            y=[-pos[i][1] for i in order],
            mode="markers+text",
            name="goals",
            text=labels,
            textposition="bottom center",
            hovertext=hovers,
            hoverinfo="text",
            marker={"size": 22, "color": colors, "symbol": "square", "line": {"color": "white", "width": 1}},
            customdata=[goal_list[i].id for i in order],
            showlegend=False,
        )
    )
    depth = max((p[0] for p in pos.values()), default=0)
    rows = max(next_row[0], 1)
    fig.update_layout(
        title={"text": tx("tree_title", lang)},
        height=int(160 + 110 * rows),
        template="plotly_white",
        xaxis={"visible": False, "range": [-0.6, depth + 0.6]},
        yaxis={"visible": False, "range": [-rows + 0.2, 0.6]},
        margin={"l": 20, "r": 20, "t": 60, "b": 20},
    )
    return fig


def chain_findings_table(goals: Any, lang: str | None = None, catalog: Any = None) -> pd.DataFrame:
    """`check_chain` findings as a table in the report language (a 'no findings' row if clean)."""
    wb = goals if _is_session(goals) else None
    lang = resolve_lang(lang, wb)
    findings = check_chain(_as_goals(goals), catalog=catalog if catalog is not None else session_catalog(wb))
    cols = [tx("goal", lang), tx("severity", lang), tx("finding", lang)]
    rows = [(f.goal_id, SEVERITY.get(f.severity, {}).get(lang, f.severity), f.message[lang]) for f in findings]
    if not rows:
        rows = [("", SEVERITY["info"][lang], tx("chain_ok", lang))]
    table = pd.DataFrame(rows, columns=cols)
    table.attrs["codes"] = [f.code for f in findings]
    return table


# --------------------------------------------------------------------------- realism
def realism_table(wb: ClientSession, lang: str | None = None) -> pd.DataFrame:
    """Per goal: the step it asks (change, growth needed per month) next to the best monthly
    pace the client's own history shows (same month a year earlier), and the R verdict."""
    lang = resolve_lang(lang, wb)
    goal_list = _as_goals(wb)
    histories = goal_histories(wb, goal_list)
    rows = []
    for g in goal_list:
        hist = histories.get(g.id or g.kpi)
        report = smart_check(g, history=hist, catalog=wb.catalog)
        unit = kpi_unit(g.kpi, wb.catalog)
        direction = wb.catalog[g.kpi].direction if g.kpi in wb.catalog else "higher"
        best = best_monthly_growth(hist, direction) if hist is not None else None
        rows.append(
            {
                tx("goal", lang): g.id,
                tx("kpi", lang): kpi_label(g.kpi, lang, wb.catalog),
                tx("baseline", lang): _fmt(g.baseline, unit, lang, wb.currency),
                tx("target", lang): _fmt(g.target, unit, lang, wb.currency),
                tx("change", lang): format_percent(g.required_change, lang, signed=True),
                tx("months", lang): f"{g.months:.0f}",
                tx("need_pm", lang): format_percent(g.required_monthly_growth, lang, decimals=2, signed=True),
                tx("best_pm", lang): format_percent(best[0], lang, decimals=2, signed=True)
                if best
                else tx("no_history", lang),
                tx("r_status", lang): f"{STATUS_MARK[report['R'].status]} {t(report['R'].status, lang)}",
                tx("r_message", lang): report["R"].message[lang],
            }
        )
    return pd.DataFrame(rows)


def realism_figure(wb: ClientSession, lang: str | None = None):
    """Grouped bars per goal: growth needed per month vs the best monthly pace in the history."""
    import plotly.graph_objects as go

    lang = resolve_lang(lang, wb)
    goal_list = _as_goals(wb)
    histories = goal_histories(wb, goal_list)
    names, need, best, colors = [], [], [], []
    for g in goal_list:
        hist = histories.get(g.id or g.kpi)
        direction = wb.catalog[g.kpi].direction if g.kpi in wb.catalog else "higher"
        b = best_monthly_growth(hist, direction) if hist is not None else None
        names.append(f"{esc(g.id)} ({esc(kpi_label(g.kpi, lang, wb.catalog))})")
        need.append(g.required_monthly_growth)
        best.append(b[0] if b else None)
        colors.append(STATUS_COLORS[smart_check(g, history=hist, catalog=wb.catalog)["R"].status])
    fig = go.Figure(
        [
            go.Bar(
                y=names,
                x=need,
                orientation="h",
                name=tx("need_pm", lang),
                marker={"color": colors},
                hovertemplate="%{x:.2%}<extra></extra>",
            ),
            go.Bar(
                y=names,
                x=best,
                orientation="h",
                name=tx("best_pm", lang),
                marker={"color": "#90a4ae"},
                hovertemplate="%{x:.2%}<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        title={"text": tx("realism_title", lang)},
        barmode="group",
        template="plotly_white",
        height=int(180 + 70 * max(len(goal_list), 1)),
        xaxis={"tickformat": ".1%", "title": {"text": tx("per_month", lang)}},
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "y": -0.25},
        margin={"l": 20, "r": 20, "t": 60, "b": 40},
    )
    return fig


# --------------------------------------------------------------------------- vague -> specific
_EXAMPLE = [
    # (id, parent, kpi, baseline, target, deadline, has an owner); the texts are in the catalogs'
    # goal_views_example area: <id>_statement, <id>_owner, <id>_improved
    ("stap-1", None, "profit", None, math.nan, dt.date(2026, 1, 1), False),
    ("stap-2", None, "profit", 750_000, 900_000, dt.date(2026, 1, 1), False),
    ("winst", None, "profit", 750_000, 900_000, dt.date(2027, 6, 30), True),
    ("omzet", "winst", "revenue", 3_000_000, 4_050_000, dt.date(2027, 6, 30), True),
    ("bezoek", "omzet", "sessions", 600_000, 990_000, dt.date(2027, 6, 30), True),
]


def vague_to_specific_goals(lang: str = "en") -> list[Goal]:
    """The worked example as goals: from 'we want more profit' to a chain profit <- revenue <- visitors."""
    lang = check_lang(lang)
    return [
        Goal(
            id=gid,
            parent=parent,
            kpi=kpi,
            statement=text(f"goal_views_example.{gid}_statement", lang),
            baseline=base,
            target=target,
            start=dt.date(2026, 1, 1),
            deadline=deadline,
            owner=text(f"goal_views_example.{gid}_owner", lang) if has_owner else None,
        )
        for gid, parent, kpi, base, target, deadline, has_owner in _EXAMPLE
    ]


def vague_to_specific_example(lang: str = "en") -> pd.DataFrame:
    """The worked example step by step: statement, the S M A R T verdicts and what improved."""
    lang = check_lang(lang)
    goals = vague_to_specific_goals(lang)
    cat = session_catalog()
    rows = []
    for n, (g, spec) in enumerate(zip(goals, _EXAMPLE), start=1):
        report = smart_check(g, catalog=cat)
        rows.append(
            {
                tx("step", lang): n,
                tx("statement", lang): g.statement,
                tx("kpi", lang): kpi_label(g.kpi, lang, cat),
                tx("owner", lang): g.owner or "–",
                **{
                    f"{f.letter} {f.name[lang]}": f"{STATUS_MARK[f.status]} {t(f.status, lang)}"
                    for f in report.findings
                },
                tx("what_changed", lang): text(f"goal_views_example.{spec[0]}_improved", lang),
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["reports"] = [smart_check(g, catalog=cat) for g in goals]
    return table


__all__ = [
    "HtmlView",
    "smart_cards",
    "smart_card_html",
    "goal_tree_figure",
    "chain_findings_table",
    "realism_table",
    "realism_figure",
    "monthly_history",
    "goal_histories",
    "vague_to_specific_goals",
    "vague_to_specific_example",
]
