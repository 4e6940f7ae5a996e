"""Page one of a client report: the management summary, rendered by the package as escaped HTML.

Built from the same numbers as ``summary.json`` (:func:`kpi_helpers.run.report.client_summary`):
every goal with its status (text and colour, never emoji alone), where it stands against its
target and its forecast, the KPI tiles of the last complete period at the client's grain, and
the three most important findings with their action. Ratio goals are shown as values (actual
vs target), never as a progress bar of a sum. Every string from params or data is escaped.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpi_helpers.i18n.formats import STATUS_COLORS_HTML, format_date, format_gap, format_period, format_value, t
from kpi_helpers.i18n.messages import text
from kpi_helpers.spec.vocab import Status

if TYPE_CHECKING:
    from kpi_helpers.session import ClientSession

TOP_FINDINGS = 3

APPENDIX_LINK = '<a href="analysis.html">analysis.html</a>'
SEVERITY_COLORS = {"critical": "#c62828", "warning": "#b76e00", "info": "#1565c0", "good": "#127a3b"}

STYLE = """
.kpi-summary{page-break-after:always;break-after:page}
.kpi-summary .goal{border:1px solid #d9e2ec;border-left:6px solid var(--c);border-radius:4px;padding:.45rem .7rem;margin:.45rem 0}
.kpi-summary .goal .st{font-weight:700;color:var(--c);text-transform:uppercase;font-size:.8rem;letter-spacing:.03em}
.kpi-summary .goal .stmt{font-weight:600}
.kpi-summary .goal .nums{font-size:.9rem;color:#334e68}
.kpi-summary .bar{height:.55rem;background:#e4e7eb;border-radius:3px;position:relative;margin:.3rem 0;max-width:420px}
.kpi-summary .bar span{display:block;height:100%;border-radius:3px;background:var(--c)}
.kpi-summary .bar i{position:absolute;top:-3px;bottom:-3px;border-left:2px solid #243b53}
.kpi-summary .tiles{display:flex;flex-wrap:wrap;gap:.5rem}
.kpi-summary .tile{border:1px solid #d9e2ec;border-radius:4px;padding:.35rem .6rem;min-width:150px;flex:1 1 150px}
.kpi-summary .tile b{display:block;font-size:1.15rem}.kpi-summary .tile small{color:#627d98}
.kpi-summary .late-data{color:#1f2933;font-weight:400;border:2px solid #b76e00;background:#fff8e1;border-radius:4px;padding:.45rem .7rem;margin:.5rem 0}
.kpi-summary .tile .no-data{color:#627d98;font-size:1rem}
.kpi-findings{padding-left:1.3rem}.kpi-findings li{margin:.35rem 0}
.kpi-findings .sev{font-weight:700;color:var(--c)}
@media print{.kpi-summary{font-size:12.5px;line-height:1.3}.kpi-summary h1{font-size:1.7rem;margin:0 0 .2rem}
.kpi-summary h2{margin:.5rem 0 .2rem}.kpi-summary h3{margin:.6rem 0 .25rem;font-size:1rem}
.kpi-summary .goal{margin:.3rem 0;padding:.3rem .6rem}.kpi-summary .tile{padding:.2rem .5rem}
.kpi-findings li{margin:.2rem 0}}
"""


def _tx(key: str, lang: str, **values: Any) -> str:
    return text(f"summary.{key}", lang, **values)


def status_badge(status: str, lang: str) -> str:
    """Status as coloured TEXT (no emoji)."""
    color = STATUS_COLORS_HTML.get(status, "#52606d")
    return f'<span class="st status-{html.escape(status)}" style="--c:{color}">{html.escape(t(status, lang))}</span>'


def findings_html(findings: list[Any], lang: str, limit: int | None = None) -> str:
    """Findings as a numbered HTML list: severity as a coloured word, the finding, then the action."""
    from kpi_helpers.compute.findings import SEVERITY_TEXT

    items = []
    for f in findings[:limit] if limit else findings:
        get: Any = f.get if isinstance(f, dict) else lambda k, f=f: getattr(f, k)
        sev: str = str(get("severity"))
        message: dict[str, str] = get("message") or {}
        action: dict[str, str] = get("action") or {}
        items.append(
            f'<li style="--c:{SEVERITY_COLORS.get(sev, "#52606d")}"><span class="sev">'
            f"{html.escape(SEVERITY_TEXT.get(sev, {}).get(lang, sev))}:</span> {html.escape(message.get(lang, ''))}"
            f"<br><strong>{_tx('act', lang)}:</strong> {html.escape(action.get(lang, ''))}</li>"
        )
    if not items:
        return f"<p>{_tx('no_findings', lang)}</p>"
    return f'<ol class="kpi-findings">{"".join(items)}</ol>'


def show_findings(findings: list[Any], lang: str) -> None:
    """Display the full Check → Act list in a notebook (escaped HTML, colour plus words)."""
    from IPython.display import HTML, display

    display(HTML(f"<style>{STYLE}</style>" + findings_html(findings, lang)))


def _limits_html(goal: dict[str, Any], lang: str, v: Any, grain: str) -> str:
    """' · floor 10 %: 4.6 % in Sept 2026 (below)' for a goal's floor/ceiling; '' without one."""
    parts = []
    for name in ("floor", "ceiling"):
        limit = goal.get(name)
        if not isinstance(limit, dict):
            continue
        text = f"{_tx(name, lang)} {v(limit.get('value'))}"
        if limit.get("period") and limit.get("actual") is not None:
            period = format_period(pd.Timestamp(limit["period"]), grain, lang)
            text += f": {v(limit['actual'])} in {period}"
            if limit.get("breached"):
                text += f" — <b>{_tx('below' if name == 'floor' else 'above', lang)}</b>"
        parts.append(text)
    return "".join(f" · {p}" for p in parts)


def _goal_html(goal: dict[str, Any], lang: str, currency: str, kpi: Any, grain: str = "month") -> str:
    """One goal: status, KPI, deadline, owner, statement, and where it stands: actual so far, what
    was expected by now and the gap to it (the pacing's one gap: actual − expected), forecast, target."""
    unit = kpi.unit if kpi else "count"

    def v(x: Any) -> str:
        return format_value(x, unit, lang, currency)

    status = str(goal.get("status") or "at_risk")
    color = STATUS_COLORS_HTML.get(status, "#52606d")
    label = kpi.label(lang) if kpi else str(goal.get("kpi"))
    owner = f" · {html.escape(t('owner', lang))}: {html.escape(str(goal['owner']))}" if goal.get("owner") else ""
    target, actual, forecast = goal.get("target"), goal.get("actual_to_date"), goal.get("forecast")
    if status == Status.NOT_STARTED and goal.get("start"):  # planned: when it starts and its aim, nothing judged
        start = format_date(pd.Timestamp(goal["start"]), lang, "long")
        begun = bool(goal.get("as_of")) and str(goal["start"])[:10] <= str(goal["as_of"])[:10]  # data not in yet
        nums = html.escape(
            text(f"not_yet.{'started_no_data' if begun else 'starts'}", lang, date=start, target=v(target))
        )
        return (
            f'<div class="goal planned" style="--c:{color}">{status_badge(status, lang)} · {html.escape(label)}'
            f" · {html.escape(t('deadline', lang))} {format_date(pd.Timestamp(goal['deadline']), lang)}{owner}"
            f'<div class="stmt">{html.escape(str(goal.get("statement") or label))}</div>'
            f'<div class="nums">{nums}</div></div>'
        )
    expected = goal.get("expected")
    expected_now = (
        f"{_tx('expected_now', lang)}: {v(expected)}"
        + (f" ({_tx('per_targets', lang)})" if goal.get("expected_method") == "targets" else "")
        + f" · {html.escape(t('gap', lang))}: {format_gap(goal.get('gap'), unit, lang, currency)}"
    )
    if kpi is not None and kpi.type == "ratio":
        # a rate: actual vs target as values, never a bar of a sum
        nums = (
            f"{html.escape(t('actual', lang))} {_tx('so_far', lang)}: <b>{v(actual)}</b> · {expected_now} · "
            f"{html.escape(t('target', lang))}: <b>{v(target)}</b> · {html.escape(t('forecast', lang))}: {v(forecast)}"
            + _limits_html(goal, lang, v, grain)
        )
        bar = ""
    else:
        share = (actual / target) if actual is not None and target else None
        nums = (
            f"{html.escape(t('actual', lang))} {_tx('so_far', lang)}: <b>{v(actual)}</b> "
            f"({_tx('progress', lang, share=format_value(share, 'percent', lang))}) · {expected_now}"
            f" · {html.escape(t('forecast', lang))}: <b>{v(forecast)}</b> · {html.escape(t('target', lang))}: "
            f"{v(target)}" + _limits_html(goal, lang, v, grain)
        )
        width = max(0.0, min(1.0, share or 0.0)) * 100
        mark = max(0.0, min(1.0, (expected / target) if expected is not None and target else 0.0)) * 100
        bar = f'<div class="bar"><span style="width:{width:.1f}%"></span><i style="left:{mark:.1f}%"></i></div>'
    covered = str(goal.get("covered_until") or "")
    if covered and goal.get("as_of") and covered[:10] < str(goal["as_of"])[:10]:  # late data: say on what
        nums += " · " + html.escape(
            text("not_yet.goal_judged", lang, date=format_date(pd.Timestamp(covered[:10]), lang, "long"))
        )
    return (
        f'<div class="goal" style="--c:{color}">{status_badge(status, lang)} · {html.escape(label)}'
        f" · {html.escape(t('deadline', lang))} {format_date(pd.Timestamp(goal['deadline']), lang)}{owner}"
        f'<div class="stmt">{html.escape(str(goal.get("statement") or label))}</div>{bar}'
        f'<div class="nums">{nums}</div></div>'
    )


def _tile_html(tile: dict[str, Any], lang: str, currency: str, kpi: Any, grain: str) -> str:
    if tile.get("coverage") in ("empty", "partial"):  # late data: the period's figures are not (all) in yet
        date = format_date(pd.Timestamp(tile["covered_until"]), lang, "long") if tile.get("covered_until") else ""
        words = text("not_yet.no_data_yet" if tile["coverage"] == "empty" else "not_yet.incomplete", lang, date=date)
        return (
            f'<div class="tile late"><small>{html.escape(kpi.label(lang))}</small>'
            f'<b class="no-data">{html.escape(words)}</b></div>'
        )
    change = ""
    if tile.get("abs_change") is not None:
        from kpi_helpers.compute.engine import format_kpi_change

        change = (
            f"<small>{html.escape(format_kpi_change(tile['abs_change'], tile.get('rel_change') or 0.0, kpi.unit, lang))}"
            f" {_tx('vs_prev', lang, grain=t(grain, lang))}</small>"
        )
    return (
        f'<div class="tile"><small>{html.escape(kpi.label(lang))}</small>'
        f"<b>{format_value(tile.get('value'), kpi.unit, lang, currency)}</b>{change}</div>"
    )


def late_data_html(summary: dict[str, Any], lang: str) -> str:
    """'Data through 30 September 2026' and what it means, when the data end before the as-of date
    (summary.json `covered_until`); the late sources are named when the client has several."""
    covered, as_of = str(summary.get("covered_until") or ""), str(summary.get("as_of") or "")
    if not covered or not as_of or covered[:10] >= as_of[:10]:
        return ""
    date = format_date(pd.Timestamp(covered[:10]), lang, "long")
    sources = summary.get("source_last_dates") or {}
    late = sorted(str(s) for s, last in sources.items() if str(last)[:10] < as_of[:10])
    head = (
        text("not_yet.data_through_sources", lang, date=date, sources=", ".join(late))
        if len(sources) > 1
        else text("not_yet.data_through", lang, date=date)
    )
    return (
        f'<div class="late-data" role="note"><strong style="color:#8a5300">{html.escape(head)}</strong><br>'
        f"{html.escape(text('not_yet.data_through_note', lang, date=date))}</div>"
    )


def summary_html(summary: dict[str, Any], lang: str, title: str | None = None, appendix: bool = True) -> str:
    """Page one: title and as-of date, goals with status, KPI tiles, the top findings. KPIs are
    looked up in the client's catalog the summary carries (`summary_kpi`), its own KPIs included."""
    from kpi_helpers.spec.catalog import summary_kpi

    currency = summary.get("currency", "EUR")
    grain = summary.get("grain") or "month"
    goals = (
        "".join(
            _goal_html(g, lang, currency, summary_kpi(summary, g.get("kpi")), grain) for g in summary.get("goals", [])
        )
        or f"<p>{_tx('no_goals', lang)}</p>"
    )
    tiles = [(x, summary_kpi(summary, x["kpi"])) for x in summary.get("tiles", [])]
    tiles = [(x, k) for x, k in tiles if k is not None]
    tiles_html = ""
    if tiles:
        period = format_period(pd.Timestamp(tiles[0][0]["period"]), grain, lang)
        tiles_html = (
            f"<h3>{html.escape(_tx('kpis', lang, period=period))}</h3><div class='tiles'>"
            + "".join(_tile_html(x, lang, currency, k, grain) for x, k in tiles)
            + "</div>"
        )
    findings = sorted(summary.get("findings", []), key=lambda f: f.get("rank", 99))
    as_of = format_date(pd.Timestamp(summary["as_of"]), lang, "long") if summary.get("as_of") else ""
    return (
        f'<section class="kpi-summary"><h1>{html.escape(title or summary.get("name") or "")}</h1>'
        f'<p class="meta">{html.escape(_tx("as_of", lang, date=as_of))}</p>{late_data_html(summary, lang)}'
        f"<h2>{_tx('summary', lang)}</h2><h3>{_tx('goals', lang)}</h3>{goals}{tiles_html}"
        f"<h3>{_tx('top', lang)}</h3>{findings_html(findings, lang, TOP_FINDINGS)}"
        + (f"<p class='meta'>{_tx('appendix', lang).replace('analysis.html', APPENDIX_LINK)}</p>" if appendix else "")
        + "</section>"
    )


def kpi_tiles(session: ClientSession) -> list[dict[str, Any]]:
    """The selected KPIs for the last complete period at the client's grain, with the change
    vs the period before (JSON-safe)."""
    from kpi_helpers.compute.engine import get_kpi, shift_periods
    from kpi_helpers.compute.findings import analysis_kpis, last_complete_period, period_table
    from kpi_helpers.data.sources import measures_covered_until

    kpis = [k for k in session.config.kpis if k in analysis_kpis(session)] or analysis_kpis(session)
    if not kpis:
        return []
    table = period_table(session, kpis)
    period = last_complete_period(session)
    period_end = pd.Timestamp(shift_periods([period], session.grain, 1)[0]) - pd.Timedelta(days=1)
    last = table[table["period"] == period]
    out = []
    for kid in kpis:
        kpi = get_kpi(kid, session.catalog)
        base = get_kpi(kpi.growth_of, session.catalog) if kpi.type == "growth" and kpi.growth_of else kpi
        covered = measures_covered_until(session.facts, base.measures)
        if covered is not None and covered < period_end:  # late data: not the whole period's figure
            out.append(
                {
                    "kpi": kid,
                    "period": period.date().isoformat(),
                    "value": None,
                    "abs_change": None,
                    "rel_change": None,
                    "coverage": "empty" if covered < period else "partial",
                    "covered_until": covered.date().isoformat(),
                }
            )
            continue
        row = last[last["kpi"] == kid]
        if row.empty:
            continue
        r = row.iloc[0]

        def num(x: Any) -> float | None:
            try:
                x = float(x)
            except (TypeError, ValueError):
                return None
            return x if x == x else None

        out.append(
            {
                "kpi": kid,
                "period": pd.Timestamp(r["period"]).date().isoformat(),
                "value": num(r["value"]),
                "abs_change": num(r["abs_change"]),
                "rel_change": num(r["rel_change"]),
            }
        )
    return out


def show_section(section: str, wb: ClientSession, figures: list[Any]) -> int:
    """A report section: its heading and figures, or nothing at all when the client's data has
    nothing for it (no channels, no pairs): no empty sections in a client's report. Returns
    the number of figures shown."""
    from kpi_helpers.views import display
    from kpi_helpers.views.analysis import section_heading

    if not figures:
        return 0
    display.show_markdown(section_heading(section, wb))
    for fig in figures:
        display.show(fig)
    return len(figures)
