"""Client reports (HTML without code, summary.json) and the portfolio overview (index.html).

Lean on purpose (FACTS: nbconvert's `lab` template alone is ~277 KB of CSS): the `basic`
template plus a small stylesheet of ours, and plotly.js written once per output folder.
Everything that comes from params or data is escaped before it lands in HTML.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpi_helpers.i18n.messages import table

if TYPE_CHECKING:
    from kpi_helpers.run.batch import BatchResult
    from kpi_helpers.run.branding import PageBranding
    from kpi_helpers.spec.params import ClientConfig

PLOTLY_JS = "plotly.min.js"
REMOVE_TAG = "remove-from-report"  # teaching text and widgets stay in the notebook only

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;color:#1f2933;line-height:1.45}
h1,h2,h3{color:#102a43}h1{border-bottom:3px solid var(--brand-accent,#2f80ed);padding-bottom:.3rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.92rem}th,td{border-bottom:1px solid #d9e2ec;padding:.3rem .6rem;text-align:left}
th{background:#f0f4f8}.jp-OutputArea-output pre{white-space:pre-wrap}
.status-on_track{color:#127a3b}.status-at_risk{color:#b76e00}.status-not_started{color:#52606d}.status-off_track,.status-failed,.status-invalid,.status-timed_out{color:#c62828}
.meta{color:#627d98;font-size:.85rem}small.late-data{color:#b76e00;font-weight:600}.notebook-section{margin-top:2.5rem}
"""


def write_plotly_js(out_dir: Path) -> Path:
    """Copy plotly.js once per output folder (shared by every client's report, works offline)."""
    import plotly

    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    target = Path(out_dir) / PLOTLY_JS
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        tmp = target.with_suffix(".tmp")
        try:
            shutil.copyfile(source, tmp)
            tmp.replace(target)
        except OSError:
            tmp.unlink(missing_ok=True)  # no half-written file on a full disk
            raise
    return target


def _body_of(nb: Any) -> str:
    body, _ = _exporter().from_notebook_node(nb)
    return body


@functools.lru_cache(maxsize=1)
def _exporter() -> Any:
    """One exporter per process: building it (templates, Jinja environment) cost more than a notebook's export."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {REMOVE_TAG, "parameters", "injected-parameters"}
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(template_name="basic", config=config)
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.anchor_link_text = ""  # no pilcrow links in a client report
    return exporter


#: Notebook metadata that sends a notebook to the analyst appendix (analysis.html) instead of
#: the client's report: ``{"kpi_report": {"document": "appendix"}}`` (01_goals, 02_kpi_pairs).
APPENDIX = "appendix"
#: Consecutive section numbers in each document, whatever the notebooks' own headings say.
NUMBERING = """
body{counter-reset:sec}.notebook-section h2{counter-increment:sec}.notebook-section h2::before{content:counter(sec) ". "}
.notebook-section table{max-width:100%}
@page{size:A4;margin:14mm 12mm}@media print{body{margin:0;max-width:none}.notebook-section{break-before:page}
.notebook-section table{font-size:.68rem;width:100%}.notebook-section th,.notebook-section td{padding:.15rem .25rem}
.jp-OutputArea-output,.plotly-graph-div{break-inside:avoid}}
"""
DOC_TEXT = table("report_doc")


def is_appendix(nb: Any) -> bool:
    return (nb.get("metadata", {}).get("kpi_report") or {}).get("document") == APPENDIX


def _page(title: str, lang: str, body: str, brand: PageBranding | None = None) -> str:
    from kpi_helpers.run.branding import NO_BRANDING
    from kpi_helpers.views.summary import STYLE as SUMMARY_STYLE

    brand = brand or NO_BRANDING
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{html.escape(title)}</title>
<script src="../{PLOTLY_JS}"></script>
<style>{STYLE}{SUMMARY_STYLE}{NUMBERING}{brand.css}</style></head>
<body>
{brand.header}
{body}
<p class="meta">{DOC_TEXT["generated"][lang]}</p>
</body></html>"""


def export_report(
    notebooks: list[Any], path: Path, config: ClientConfig, lang: str, summary: dict[str, Any] | None = None
) -> Path:
    """The client's ``report.html`` (page one the summary, then the analysis notebooks) and,
    beside it, the analyst's ``analysis.html`` (goal design, KPI selection: notebooks marked
    as appendix). Self-contained except the shared plotly.js."""
    from kpi_helpers.run.branding import page_branding
    from kpi_helpers.views.summary import summary_html

    # the agency's name, logo and colours (params/_agency.yaml beside the client's params file)
    brand = page_branding(Path(config.source_file).parent if config.source_file else None)
    title = config.report.title or config.name
    report_nbs = [nb for nb in notebooks if not is_appendix(nb)]
    appendix_nbs = [nb for nb in notebooks if is_appendix(nb)]
    from kpi_helpers.run.history import since_html

    head = (
        summary_html(summary, lang, title, appendix=bool(appendix_nbs)) + since_html(summary, lang)
        if summary
        else f"<h1>{html.escape(title)}</h1>"
    )
    sections = "\n".join(f'<section class="notebook-section">{_body_of(nb)}</section>' for nb in report_nbs)
    Path(path).write_text(_page(title, lang, head + "\n" + sections, brand), encoding="utf-8")
    if appendix_nbs:
        body = (
            f"<h1>{html.escape(title)} — {DOC_TEXT['appendix_title'][lang]}</h1>"
            f"<p class='meta'><a href='report.html'>{DOC_TEXT['report_link'][lang]}</a></p>\n"
            + "\n".join(f'<section class="notebook-section">{_body_of(nb)}</section>' for nb in appendix_nbs)
        )
        (Path(path).parent / "analysis.html").write_text(_page(title, lang, body, brand), encoding="utf-8")
    return Path(path)


# ---------------------------------------------------------------- summary.json


def client_summary(config: ClientConfig, lang: str | None = None, as_of: Any = None) -> dict[str, Any]:
    """Machine-readable outcome for one client: KPI values, goals with status, findings.

    Computed by the package from the same engine functions the notebooks call, so the
    numbers agree with the report (with the client's own measures and KPIs known).
    `as_of`: None (as of the last data date), a date, or "last-complete" (kpi_helpers.compute.asof).
    """
    from kpi_helpers.spec.catalog import use_catalog

    with use_catalog(config.client_catalog):
        return _client_summary(config, lang, as_of)


def _client_summary(config: ClientConfig, lang: str | None = None, as_of: Any = None) -> dict[str, Any]:
    import importlib.metadata as md

    from kpi_helpers.compute.findings import build_findings
    from kpi_helpers.data.cache import cached_facts
    from kpi_helpers.data.load import load_facts
    from kpi_helpers.session import ClientSession

    session = ClientSession(config=config, lang=lang or config.language, as_of_request=as_of)
    # in a batch kernel: the notebooks' load (kpi_helpers.data.cache); an as-of run: no data after the as-of date
    facts = session.cut(cached_facts(config, lambda: load_facts(config)))
    session._facts = facts  # noqa: SLF001 - loaded once here
    from kpi_helpers.compute.engine import compute_kpis
    from kpi_helpers.compute.pacing import pace_goal

    kpis = config.all_kpis
    whole = compute_kpis(facts, kpis, grain=None, catalog=config.catalog)
    goals = []
    for goal in config.goals:
        pacing = pace_goal(facts, goal, as_of=session.cut_date, catalog=config.catalog, grain=config.grain)
        entry = {
            "id": goal.id or goal.kpi,
            "statement": goal.statement,
            "kpi": goal.kpi,
            "owner": goal.owner,
            "start": goal.start.isoformat(),
            "deadline": goal.deadline.isoformat(),
            "baseline": goal.baseline,
            "target": goal.target,
            **_plain(pacing.to_dict()),
            # the last day the goal is judged on: the as-of date, or earlier when its data are late
            "covered_until": pacing.covered_until.date().isoformat() if pacing.covered_until is not None else None,
        }
        goals.append(_goal_limits(entry, goal, pacing, facts, config))
    findings = build_findings(session)
    data_from, data_to = facts["date"].min().date(), facts["date"].max().date()
    from kpi_helpers.data.sources import covered_until

    # the last day EVERY source covers (a monthly source's last row stands for its whole month), never
    # past the as-of date: late data are said first on page one, portfolio windows end there
    last_dates = _source_last_dates(facts, session.as_of)
    if own_ends := _source_last_dates(facts, None):
        covered = min(dt.date.fromisoformat(d) for d in own_ends.values())
    else:
        last = covered_until(facts["date"])
        covered = last.date() if last is not None else data_to
    covered = min(covered, session.cut_date) if session.cut_date is not None else covered
    windows = {}
    totals_kpis = _totals_kpis(config)
    for name, (start, end) in portfolio_windows(covered).items():
        table = (
            compute_kpis(facts, totals_kpis, grain=None, period=(start, end), catalog=config.catalog, missing="skip")
            if totals_kpis
            else None
        )
        windows[name] = {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "covered": data_from <= start,
            # every KPI's data cover every day of the window (a hole inside would make its totals a lower bound)
            "complete": table is None or bool((table["coverage"] == "complete").all()),
            "kpis": {}
            if table is None
            else {
                row.kpi: {
                    "value": _num(row.value),
                    "numerator": _num(row.numerator),
                    "denominator": _num(row.denominator),
                    "unit": row.unit,
                }
                for row in table.itertuples(index=False)
            },
        }
    from kpi_helpers.spec.catalog import SUMMARY_KPIS, kpi_facts
    from kpi_helpers.views.summary import kpi_tiles

    tiles = kpi_tiles(session)
    named = [*kpis, *(g.kpi for g in config.goals), *(t["kpi"] for t in tiles), *(f.kpi for f in findings)]
    return json_safe(
        {
            "client": config.client,
            "name": config.name,
            "language": session.lang,
            "currency": config.currency,
            "as_of": session.as_of.isoformat(),
            "as_of_partial": session.partial,  # the last period at the client's grain is not complete
            "source_last_dates": last_dates,
            "data_from": data_from.isoformat(),
            "data_to": data_to.isoformat(),
            "covered_until": covered.isoformat(),  # the last day the data stand for (see covered_until)
            # the client's KPIs over the portfolio windows as of its last covered day (see portfolio_totals)
            "windows": windows,
            "grain": config.grain,
            "tiles": tiles,
            # the client's catalog for the KPIs named here: page one, alerts, since-last and the
            # index look KPIs up in it (kpi_helpers.spec.catalog.summary_kpi)
            SUMMARY_KPIS: kpi_facts(config.catalog, named),
            "kpis": {
                row.kpi: {
                    "value": _num(row.value),
                    "numerator": _num(row.numerator),
                    "denominator": _num(row.denominator),
                    "unit": row.unit,
                }
                for row in whole.itertuples(index=False)
            },
            "goals": goals,
            "findings": [_plain(f.to_dict()) for f in findings],
            "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "versions": {pkg: md.version(pkg) for pkg in ("kpi-workbook", "pandas", "plotly", "papermill", "nbclient")},
        }
    )


def _goal_limits(entry: dict[str, Any], goal: Any, pacing: Any, facts: Any, config: ClientConfig) -> dict[str, Any]:
    """A goal's floor/ceiling as {value, breached, period, actual} (left out when the goal has none)
    and its per-period targets as [{period, target, actual, complete}] (left out without them)."""
    from kpi_helpers.compute.pacing import target_table

    for name in ("floor", "ceiling"):
        entry.pop(name, None)
        value = getattr(goal, name)
        if value is not None:
            entry[name] = {
                "value": value,
                "breached": bool(getattr(pacing, f"{name}_breached")),
                "period": pacing.bound_period.date().isoformat() if pacing.bound_period is not None else None,
                "actual": pacing.bound_value,
            }
    if goal.targets:
        judged = pacing.covered_until if pacing.covered_until is not None else pacing.as_of
        table = target_table(facts, goal, as_of=judged, catalog=config.catalog)  # a period not in yet is not done
        entry["targets"] = [
            {"period": r.period, "target": r.target, "actual": _num(r.actual), "complete": bool(r.complete)}
            for r in table.itertuples(index=False)
        ]
    return entry


def _source_last_dates(facts: Any, as_of: dt.date | None) -> dict[str, str]:
    """Each source's last date with data, on or before the as-of date when given (the 'data stopped' alert)."""
    from kpi_helpers.compute.asof import source_last_dates

    return {k: min(v, as_of.isoformat()) if as_of else v for k, v in source_last_dates(facts).items()}


def json_safe(value: Any) -> Any:
    """A copy that `json.dumps(..., allow_nan=False)` accepts: NaN and ±Infinity become null
    (JSON has no Infinity; a reader of summary.json would fail on it), numpy scalars plain."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (int, float)):
        return json_safe(value.item())
    if isinstance(value, float):
        return _num(value)
    return value


def _num(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) != float("inf") else None


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, float):
            out[key] = _num(value)
        elif isinstance(value, (dt.date, dt.datetime)):
            out[key] = value.isoformat()
        elif hasattr(value, "item"):
            out[key] = _num(value.item()) if isinstance(value.item(), float) else value.item()
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------- portfolio overview

#: Worst first; a goal that has not started says least about a client, so it sorts last.
STATUS_ORDER = {"off_track": 0, "at_risk": 1, "on_track": 2, "not_started": 3}
_TEXT = table("report_index")
#: A few lines of plain JS (no library, works offline): click a heading to sort its table.
SORT_JS = """<script type="text/javascript">
document.querySelectorAll("table.sortable th").forEach(function (th) {
  var i = th.cellIndex;  // the column within its own table
  th.style.cursor = "pointer";
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], asc = th.dataset.dir !== "asc";
    th.dataset.dir = asc ? "asc" : "desc";
    var key = function (row) { var c = row.cells[i]; return c.dataset.sort !== undefined ? c.dataset.sort : c.textContent.trim(); };
    Array.from(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
      var d = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? d : -d;
    }).forEach(function (row) { body.appendChild(row); });
  });
});
</script>"""
STATUS_TEXT = table("report_status")


PORTFOLIO_WINDOWS = ("last_month", "quarter_to_date", "year_to_date")
_WINDOW_TEXT = table("report_window")
_REASON = table("report_reason")


def portfolio_windows(as_of: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    """The portfolio windows as of a date: the last month complete on `as_of`, the quarter to
    date and the year to date (both ending on `as_of`)."""
    month_end = as_of if (as_of + dt.timedelta(days=1)).day == 1 else as_of.replace(day=1) - dt.timedelta(days=1)
    quarter_start = dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    return {
        "last_month": (month_end.replace(day=1), month_end),
        "quarter_to_date": (quarter_start, as_of),
        "year_to_date": (dt.date(as_of.year, 1, 1), as_of),
    }


def _totals_kpis(config: ClientConfig) -> list[str]:
    from kpi_helpers.spec.catalog import default_catalog

    bundled = default_catalog()  # a client's own KPIs mean different things at different clients
    return [k for k in config.all_kpis if k in bundled and bundled[k].type != "growth"]


def window_label(window: str, start: dt.date, end: dt.date, lang: str) -> str:
    """'September 2026' / 'Q3 2026 tot en met 15 oktober 2026' / '2026 up to 15 October 2026'."""
    from kpi_helpers.i18n.formats import format_date, format_period

    if window == "last_month":
        return format_date(start, lang, "LLLL y")
    head = format_period(start, "quarter", lang) if window == "quarter_to_date" else str(start.year)
    return f"{head} {'tot en met' if lang == 'nl' else 'up to'} {format_date(end, lang, 'long')}"


def portfolio_totals(
    summaries: list[dict[str, Any]], window: str = "last_month", as_of: dt.date | None = None, lang: str = "en"
) -> dict[str, Any]:
    """KPIs shared by clients with the same currency over ONE common window: volumes summed,
    ratios Σnum/Σden (never an average of the clients' ratios).

    The window (`last_month`, `quarter_to_date`, `year_to_date`) is taken as of `as_of`,
    default the run's as-of date: the latest data date among the clients. A client counts only
    when its data cover the whole window; the others are listed in `excluded` with the reason.
    Returns {window, label, start, end, as_of, rows, excluded}.
    """
    from kpi_helpers.i18n.formats import format_date
    from kpi_helpers.spec.catalog import default_catalog

    if window not in PORTFOLIO_WINDOWS:
        raise ValueError(f"window must be one of {', '.join(PORTFOLIO_WINDOWS)}")
    catalog = default_catalog()
    dates = [d for s in summaries if (d := _covered_until(s)) is not None]
    as_of = as_of or (max(dates) if dates else None)
    out: dict[str, Any] = {
        "window": window,
        "as_of": as_of.isoformat() if as_of else None,
        "rows": [],
        "excluded": [],
        "start": None,
        "end": None,
        "label": None,
    }
    if as_of is None:
        out["excluded"] = [
            {"client": s.get("client"), "name": s.get("name"), "reason": _REASON["old"][lang]} for s in summaries
        ]
        return out
    start, end = portfolio_windows(as_of)[window]
    out.update(start=start.isoformat(), end=end.isoformat(), label=window_label(window, start, end, lang))
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for summary in summaries:
        own = (summary.get("windows") or {}).get(window)
        reason = None
        data_to = _covered_until(summary)
        if own is None or data_to is None:
            reason = _REASON["old"][lang]
        else:
            data_from = dt.date.fromisoformat(summary.get("data_from") or data_to.isoformat())
            fill = {
                k: format_date(v, lang, "long")
                for k, v in {
                    "data_to": data_to,
                    "data_from": data_from,
                    "start": start,
                    "end": end,
                    "as_of": as_of,
                }.items()
            }
            if data_to < end:
                reason = _REASON["ends"][lang].format(**fill)
            elif data_from > start or not own.get("covered"):
                reason = _REASON["starts"][lang].format(**fill)
            elif (own.get("start"), own.get("end")) != (start.isoformat(), end.isoformat()):
                reason = _REASON["later"][lang].format(**fill)
            elif own.get("complete") is False:
                reason = _REASON["gap"][lang].format(**fill)
        if reason:
            out["excluded"].append({"client": summary.get("client"), "name": summary.get("name"), "reason": reason})
            continue
        for kpi_id, entry in (own or {}).get("kpis", {}).items():
            groups.setdefault((summary["currency"], kpi_id), []).append(entry)
    for (currency, kpi_id), entries in sorted(groups.items()):
        if len(entries) < 2 or kpi_id not in catalog or catalog[kpi_id].type == "growth":
            continue
        kpi = catalog[kpi_id]
        numerator = sum(e["numerator"] or 0.0 for e in entries)
        if kpi.type == "ratio":
            denominator = sum(e["denominator"] or 0.0 for e in entries)
            value = numerator / denominator if denominator else None
        else:
            denominator, value = None, numerator
        out["rows"].append(
            {
                "currency": currency,
                "kpi": kpi_id,
                "unit": kpi.unit,
                "clients": len(entries),
                "value": value,
                "numerator": numerator,
                "denominator": denominator,
            }
        )
    return out


def _covered_until(summary: dict[str, Any]) -> dt.date | None:
    """The last day a client's data stand for: `covered_until` (a monthly source's last row covers
    its whole month), else `data_to` for summaries written before it existed."""
    value = summary.get("covered_until") or summary.get("data_to")
    return dt.date.fromisoformat(value) if value else None


def _status_span(status: str, lang: str) -> str:
    from kpi_helpers.i18n.formats import STATUS_COLORS_HTML

    text = STATUS_TEXT.get(status, {}).get(lang, status)
    color = STATUS_COLORS_HTML.get(status, "#52606d")
    return (
        f"<span class='status-{html.escape(status)}' style='color:{color};font-weight:600'>{html.escape(text)}</span>"
    )


def _as_of_text(batch: BatchResult, lang: str, tx: dict[str, str]) -> str:
    from kpi_helpers.i18n.formats import format_date

    dates = sorted({str(r.summary["as_of"]) for r in batch.results if r.ok and r.summary.get("as_of")})
    if not dates:
        return format_date(dt.date.today(), lang)
    shown = [format_date(dt.date.fromisoformat(d[:10]), lang) for d in (dates[0], dates[-1])]
    return f"{tx['as_of']} {shown[0]}" + (f" – {shown[1]}" if shown[1] != shown[0] else "")


def _client_rows(batch: BatchResult, lang: str, tx: dict[str, str]) -> tuple[list[str], list[str], str]:
    """Rows of the overview: each client's overall status (its worst goal), its goals counted
    by status with their statements, and its most important finding; failed clients apart."""
    esc = html.escape
    rows, failed = [], []
    totals = {s: 0 for s in STATUS_ORDER}
    for r in batch.results:
        if not r.ok:
            kept = (batch.out_dir / r.client / "report.html").exists()
            link = f' — <a href="{esc(r.client)}/report.html">{tx["kept"]}</a>' if kept else ""
            status = {"invalid": tx["invalid"], "timed_out": tx["timed_out"]}.get(r.status, tx["failed_status"])
            failed.append(
                f"<tr><td>{esc(r.name or r.client)}</td><td class='status-{esc(r.status)}'>{esc(status)}</td>"
                f"<td>{esc(r.params_file)}</td><td><pre>{esc(r.reason)}</pre>{link}</td></tr>"
            )
            continue
        goals = [g for g in r.summary.get("goals", []) if isinstance(g, dict)]
        statuses = [str(g.get("status")) for g in goals if g.get("status") in STATUS_ORDER]
        for status in statuses:
            totals[status] += 1
        worst_status = min(statuses, key=STATUS_ORDER.__getitem__) if statuses else None
        status_cell = (
            f"<td data-sort='{STATUS_ORDER[worst_status]}'>{_status_span(worst_status, lang)}</td>"
            if worst_status
            else f"<td data-sort='9'>{tx['no_goals']}</td>"
        )
        goal_html = (
            "<br>".join(
                f"{_status_span(str(g.get('status')), lang)} — {esc(str(g.get('statement') or g.get('kpi')))}"
                for g in goals
            )
            or "—"
        )
        findings = sorted(r.summary.get("findings", []), key=lambda f: f.get("rank", 99))
        first = findings[0] if findings else {}
        message = first.get("message")
        worst = esc(message.get(lang, "") if isinstance(message, dict) else str(first.get("text", ""))) or "—"
        pdf = batch.out_dir / r.client / "report.pdf"
        pdf_link = f" · <a href='{esc(r.client)}/report.pdf'>{tx['pdf']}</a>" if pdf.exists() else ""
        rows.append(
            f"<tr><td><a href='{esc(r.client)}/report.html'>{esc(r.name or r.client)}</a>{pdf_link}"
            f"{_late_note(r.summary, lang)}</td>"
            f"{status_cell}<td data-sort='{len(goals)}'>{goal_html}</td><td>{worst}</td></tr>"
        )
    counts = " · ".join(
        f"{_status_span(s, lang)} {n}"
        for s, n in sorted(totals.items(), key=lambda kv: STATUS_ORDER[kv[0]])
        if n or s != "not_started"  # planned goals are counted when there are any
    )
    return rows, failed, counts


def _late_note(summary: dict[str, Any], lang: str) -> str:
    """'data through 30 September 2026' under a client whose data end before its as-of date."""
    from kpi_helpers.i18n.formats import format_date
    from kpi_helpers.i18n.messages import text

    covered, as_of = str(summary.get("covered_until") or ""), str(summary.get("as_of") or "")
    if not covered or not as_of or covered[:10] >= as_of[:10]:
        return ""
    date = format_date(dt.date.fromisoformat(covered[:10]), lang, "long")
    return f"<br><small class='late-data'>{html.escape(text('not_yet.index_late', lang, date=date))}</small>"


def _totals_section(totals: dict[str, Any], catalog: Any, lang: str, tx: dict[str, str]) -> str:
    """One labelled window of portfolio totals, with the clients left out and why."""
    from kpi_helpers.i18n.formats import format_date, format_value

    esc = html.escape
    head = f"<h2 id='totals-{esc(totals['window'])}'>{tx['totals']}: {esc(totals['label'] or '')}</h2>"
    meta = ""
    if totals["start"]:
        meta = (
            f"<p class='meta'>{esc(_WINDOW_TEXT[totals['window']][lang])}: "
            f"{esc(format_date(dt.date.fromisoformat(totals['start']), lang, 'long'))} – "
            f"{esc(format_date(dt.date.fromisoformat(totals['end']), lang, 'long'))} · {tx['as_of']} "
            f"{esc(format_date(dt.date.fromisoformat(totals['as_of']), lang, 'long'))}</p>"
        )
    # clients are totalled per currency; the column is there only when the clients use more than one
    several = len({t["currency"] for t in totals["rows"]}) > 1
    rows = "".join(
        f"<tr><td>{esc(catalog[t['kpi']].label(lang))}</td>"
        + (f"<td>{esc(t['currency'])}</td>" if several else "")
        + f"<td data-sort='{t['clients']}'>{t['clients']}</td>"
        f"<td data-sort='{t['value'] if t['value'] is not None else ''}'>"
        f"{esc(format_value(t['value'], t['unit'], lang, t['currency']))}</td></tr>"
        for t in totals["rows"]
    )
    currency_head = f"<th>{tx['currency_group']}</th>" if several else ""
    table = (
        (
            f"<table class='sortable'><thead><tr><th>{tx['kpi']}</th>{currency_head}<th>{tx['clients_head']}</th>"
            f"<th>{tx['total']}</th></tr></thead><tbody>{rows}</tbody></table>"
        )
        if rows
        else f"<p>{tx['no_totals']}</p>"
    )
    left_out = "".join(
        f"<li>{esc(e.get('name') or e.get('client') or '')}: {esc(e['reason'])}</li>" for e in totals["excluded"]
    )
    excluded = f"<p>{tx['not_included']}</p><ul class='kpi-excluded'>{left_out}</ul>" if left_out else ""
    return head + meta + table + excluded


def index_language(batch: BatchResult, lang: str | None = None, brand: PageBranding | None = None) -> str:
    """The index's language: `lang` (`--lang`), else `language:` of params/_agency.yaml, else the
    clients' language when they share one, else English."""
    if lang:
        return lang
    if brand is not None and brand.language:
        return brand.language
    langs = {str(r.summary.get("language")) for r in batch.results if r.summary and r.summary.get("language")}
    return langs.pop() if len(langs) == 1 else "en"


def write_index(
    batch: BatchResult,
    lang: str | None = None,
    as_of: dt.date | None = None,
    sections: tuple[str, str] = ("", ""),
    brand: PageBranding | None = None,
) -> Path:
    """reports/index.html: one row per client, failed clients with their reason, and portfolio
    totals over common labelled windows (see `portfolio_totals`; `as_of` default: the latest
    data date among the clients). `sections`: HTML (already escaped) shown above the clients
    (alerts, kpi_helpers.run.alerts) and below them (history, kpi_helpers.run.history).

    In the agency's language: `lang` (`--lang`), else `language:` of params/_agency.yaml
    (`brand`, kpi_helpers.run.branding), else the clients' language when they share one, else en."""
    from kpi_helpers.run.branding import NO_BRANDING
    from kpi_helpers.run.outdir import GENERATOR, write_atomic
    from kpi_helpers.spec.catalog import default_catalog

    brand = brand or NO_BRANDING
    lang = index_language(batch, lang, brand)
    tx = {k: v[lang] for k, v in _TEXT.items()}
    catalog = default_catalog()  # portfolio totals are of bundled KPIs only (see _totals_kpis)
    rows, failed, counts = _client_rows(batch, lang, tx)
    summaries = [r.summary for r in batch.results if r.ok]
    totals = {w: portfolio_totals(summaries, w, as_of=as_of, lang=lang) for w in PORTFOLIO_WINDOWS}
    total_html = "".join(_totals_section(t, catalog, lang, tx) for t in totals.values() if t["rows"] or t["excluded"])
    ok_count = sum(r.ok for r in batch.results)
    month = totals["last_month"]
    window = (
        f"{tx['window']}: {html.escape(month['label'])} ({html.escape(_WINDOW_TEXT['last_month'][lang])}) · "
        if month["label"]
        else ""
    )
    title = f"{tx['title']} — {html.escape(brand.name)}" if brand.name else tx["title"]
    page = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="generator" content="{GENERATOR}"><title>{title}</title><style>{STYLE}{brand.css}</style></head>
<body>{brand.header}<h1>{tx["title"]}</h1>
<p class="meta">{window}{_as_of_text(batch, lang, tx)} · {ok_count}/{len(batch.results)} {tx["clients"]}</p>
{sections[0]}
<p><strong>{tx["by_status"]}:</strong> {counts}</p>
<table class="sortable"><thead><tr><th>{tx["client"]}</th><th>{tx["status"]}</th><th>{tx["goals"]}</th><th>{tx["worst"]}</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<p class="meta">{tx["sort_hint"]}</p>
{sections[1]}
{f"<h2>{tx['failed']}</h2><table class='sortable'><thead><tr><th>{tx['client']}</th><th>{tx['status']}</th><th>{tx['file']}</th><th>{tx['reason']}</th></tr></thead><tbody>{''.join(failed)}</tbody></table>" if failed else ""}
{total_html}
{SORT_JS}
</body></html>"""
    path = write_atomic(batch.out_dir / "index.html", page)  # a clear error on a full or read-only disk
    write_atomic(
        batch.out_dir / "index.json",
        json.dumps(
            {
                "generator": GENERATOR,
                "clients": [
                    {
                        "client": r.client,
                        "status": r.status,
                        "reason": r.reason,
                        "seconds": r.seconds,
                        "report": r.report,
                        "params_file": r.params_file,
                    }
                    for r in batch.results
                ],
                "totals": json_safe(totals),
                "seconds": batch.seconds,
            },
            indent=2,
            default=str,
            allow_nan=False,
        ),
    )
    return path
