"""Reports per as-of date, kept: history, "since last report", links to earlier reports.

Layout of the output folder (kpi_helpers.run.outdir rules apply to every folder here):

    reports/index.html                      the latest report of each client (as before)
    reports/<client>/report.html            the client's latest report (the highest as-of date)
    reports/_history/<as-of>/<client>/      every as-of date's report, kept (report.html, summary.json, ...)
    reports/_history/<as-of>/plotly.min.js  a hard link (else a copy) of the shared plotly.js

Everything read back from here is untrusted too (a colleague, a sync tool or an attacker may put
anything in reports/): summaries are read through `kpi_helpers.data.safe_open.read_own_file`
(a regular file, no symlink, at most SUMMARY_BYTES; a FIFO or device is never opened for reading),
and a date or client folder that is a symlink is ignored (`history_warnings` names it for the run's
summary), so no other client's summary or report can be made to look like this client's.

`_history` starts with an underscore, which no client id can (ids start with a letter or digit,
and a client may well be called `2026-10` or `history`). A date folder carries `.kpi-workbook-history`
and each client folder in it `.kpi-workbook-client`; a folder without our marker is never touched.
Each client's report is published into its date folder atomically (staging → rename, the old one
removed after); a run for an earlier as-of date than the latest report (a backfill) only writes
its date folder and leaves `reports/<client>/` alone. A failed run publishes nothing.

"Since last report" compares a client's summary with the one of the latest earlier as-of date in
`_history/` (never with a report of the same or a later date): per goal the status then and now
and the KPI's value to date then and now.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kpi_helpers.data.safe_open import read_own_file, real_file, real_folder
from kpi_helpers.i18n.messages import table
from kpi_helpers.run.outdir import CLIENT_MARKER, OutputFolderError, owns_folder, write_atomic
from kpi_helpers.spec.vocab import STATUSES

HISTORY = "_history"
HISTORY_MARKER = ".kpi-workbook-history"
PLOTLY_JS = "plotly.min.js"  # the same name as kpi_helpers.run.report.PLOTLY_JS (report imports this module)
DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SUMMARY_BYTES = 20 * 1024 * 1024  # a summary.json we wrote is some kilobytes; anything larger is not ours

TEXT = table("history")

PERIOD_WORD = {key: table("labels")[key] for key in ("day", "week", "month", "quarter", "year")}

STATUS_TEXT = {key: table("labels")[key] for key in STATUSES}


def _t(key: str, lang: str, **fill: str) -> str:
    text = TEXT[key].get(lang) or TEXT[key]["en"]
    return text.format(**fill) if fill else text


def history_dir(out: Path, as_of: str) -> Path:
    if not DATE_FOLDER.match(as_of):
        raise ValueError(f"not an as-of date: {as_of!r}")
    return Path(out) / HISTORY / as_of


# ---------------------------------------------------------------- reading the history


def read_report_summary(path: Path) -> dict[str, Any] | None:
    """A summary.json we wrote: None unless its folder is a real folder and it is a regular file (no symlink,
    FIFO or device) of at most SUMMARY_BYTES holding a JSON object."""
    if not real_folder(path.parent):
        return None
    data = read_own_file(path, SUMMARY_BYTES)
    if data is None:
        return None
    try:
        loaded = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _kept_report(folder: Path, client: str) -> bool:
    """`folder/client/` is a kept report: real folders and regular files only (no symlink anywhere)."""
    target = folder / client
    return (
        DATE_FOLDER.match(folder.name) is not None
        and real_folder(folder)
        and real_file(folder / HISTORY_MARKER)
        and real_folder(target)
        and real_file(target / CLIENT_MARKER)
        and real_file(target / "report.html")
    )


def client_reports(out: Path, client: str) -> list[str]:
    """The as-of dates (ISO, ascending) with a kept report of `client` (symlinked folders are ignored)."""
    root = Path(out) / HISTORY
    if not real_folder(root):
        return []
    return sorted(folder.name for folder in root.iterdir() if _kept_report(folder, client))


def history_warnings(out: Path) -> list[str]:
    """One line per symlink in reports/ where KPI Workbook keeps real folders and files (it is ignored)."""
    out = Path(out)
    found = [out / HISTORY] if os.path.islink(out / HISTORY) else []
    if real_folder(out / HISTORY):
        for folder in sorted((out / HISTORY).iterdir()):
            if os.path.islink(folder):
                found.append(folder)
            elif real_folder(folder):
                found += [entry for entry in sorted(folder.iterdir()) if os.path.islink(entry)]
    if os.path.isdir(out):
        found += [entry for entry in sorted(out.iterdir()) if os.path.islink(entry) and not entry.name.startswith(".")]
    return [
        f"ignored {entry.relative_to(out)} in {out}: it is a symlink, and KPI Workbook reads back only the folders "
        "and files it wrote itself; remove it"
        for entry in found
    ]


def previous_summary(out: Path, client: str, as_of: str) -> dict[str, Any] | None:
    """The summary of `client`'s report with the latest as-of date before `as_of`, or None."""
    for date in reversed(client_reports(out, client)):
        if date < as_of:
            summary = read_report_summary(history_dir(out, date) / client / "summary.json")
            if summary is not None:
                return summary
    return None


# ---------------------------------------------------------------- since last report


def since_last(summary: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """Per goal: status now and then, KPI value to date now and then.

    {"previous_as_of": str|None, "goals": [{id, kpi, statement, status, previous_status,
    status_changed, value, previous_value, value_change}]} (previous_* None for a new goal or
    when there is no earlier report)."""
    before = {str(g.get("id")): g for g in (previous or {}).get("goals", []) if isinstance(g, dict)}
    goals = []
    for goal in summary.get("goals", []):
        if not isinstance(goal, dict):
            continue
        old = before.get(str(goal.get("id")))
        if old is not None and old.get("kpi") != goal.get("kpi"):
            old = None  # same id, other KPI: not comparable
        value, prev_value = goal.get("actual_to_date"), (old or {}).get("actual_to_date")
        change = (
            value - prev_value if isinstance(value, (int, float)) and isinstance(prev_value, (int, float)) else None
        )
        if old is not None and _days_without_data(goal) != _days_without_data(old):
            change = None  # days without data came (or went) in between: the change is not the period's own

        goals.append(
            {
                "id": goal.get("id"),
                "kpi": goal.get("kpi"),
                "statement": goal.get("statement"),
                "status": goal.get("status"),
                "previous_status": (old or {}).get("status"),
                "status_changed": old is not None and old.get("status") != goal.get("status"),
                "value": value,
                "previous_value": prev_value,
                "value_change": change,
            }
        )
    return {"previous_as_of": (previous or {}).get("as_of"), "goals": goals}


def _days_without_data(goal: dict[str, Any]) -> int:
    """Days of a goal's window so far without data (a hole, `kpi_helpers.compute.pacing.Pacing`); 0 when not recorded."""
    elapsed, covered = goal.get("days_elapsed"), goal.get("days_with_data")
    return int(elapsed) - int(covered) if isinstance(elapsed, int) and isinstance(covered, int) else 0


def _status(status: Any, lang: str) -> str:
    from kpi_helpers.i18n.formats import STATUS_COLORS_HTML

    key = str(status)
    text = STATUS_TEXT.get(key, {}).get(lang, key)
    color = STATUS_COLORS_HTML.get(key, "#52606d")
    return f"<span class='status-{html.escape(key)}' style='color:{color};font-weight:600'>{html.escape(text)}</span>"


def _value(value: Any, kpi_id: Any, lang: str, summary: dict[str, Any]) -> str:
    """A goal's KPI value in its unit, looked up in the client's catalog the summary carries."""
    from kpi_helpers.i18n.formats import format_value
    from kpi_helpers.spec.catalog import summary_kpi

    kpi = summary_kpi(summary, kpi_id)
    unit = kpi.unit if kpi else "count"
    currency = str(summary.get("currency") or "EUR")
    return html.escape(format_value(value, unit, lang, currency)) if isinstance(value, (int, float)) else "—"


def since_html(summary: dict[str, Any], lang: str) -> str:
    """The report's block after page one: the partial-period note and the 'since last report' table."""
    from kpi_helpers.i18n.formats import format_date

    parts = []
    as_of = summary.get("as_of")
    if as_of and summary.get("as_of_partial"):
        grain = str(summary.get("grain") or "month")
        parts.append(
            "<p class='meta as-of-partial'>"
            + html.escape(
                _t(
                    "partial",
                    lang,
                    date=format_date(dt.date.fromisoformat(as_of[:10]), lang, "long"),
                    period=PERIOD_WORD.get(grain, PERIOD_WORD["month"])[lang],
                )
            )
            + "</p>"
        )
    since = summary.get("since_last") or {}
    goals = since.get("goals") or []
    if since.get("previous_as_of") and goals:
        date = format_date(dt.date.fromisoformat(str(since["previous_as_of"])[:10]), lang, "long")
        rows = []
        for g in goals:
            if g.get("previous_status") is None:
                status = f"{_status(g.get('status'), lang)} ({_t('new_goal', lang)})"
            elif g.get("status_changed"):
                status = f"{_status(g.get('previous_status'), lang)} → {_status(g.get('status'), lang)}"
            else:
                status = f"{_status(g.get('status'), lang)} ({_t('unchanged', lang)})"
            value = _value(g.get("value"), g.get("kpi"), lang, summary)
            if g.get("previous_value") is not None:
                value += f" ({_t('was', lang)} {_value(g.get('previous_value'), g.get('kpi'), lang, summary)})"
            rows.append(
                f"<tr><td>{html.escape(str(g.get('statement') or g.get('kpi') or ''))}</td>"
                f"<td>{status}</td><td>{value}</td></tr>"
            )
        parts.append(
            f"<section class='since-last'><h3>{html.escape(_t('since', lang, date=date))}</h3>"
            f"<table><thead><tr><th>{_t('goal', lang)}</th><th>{_t('status', lang)}</th><th>{_t('value', lang)}</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
        )
    elif summary.get("since_last") is not None:
        parts.append(f"<p class='meta since-last'>{_t('first', lang)}</p>")
    return "".join(parts)


# ---------------------------------------------------------------- publishing


def _link_or_copy(source: Path, target: Path) -> None:
    if target.exists():
        return
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def claim_date_folder(out: Path, as_of: str) -> Path:
    """`_history/<as_of>/`, created and marked; refused when it exists without our marker."""
    folder = history_dir(out, as_of)
    for level in (folder.parent, folder):
        if level.exists() and (not level.is_dir() or level.is_symlink()):
            raise OutputFolderError(f"{level} is not a folder KPI Workbook wrote; move it away or choose another --out")
    if folder.exists() and not (folder / HISTORY_MARKER).is_file() and any(folder.iterdir()):
        raise OutputFolderError(
            f"{folder} holds files KPI Workbook did not write (no {HISTORY_MARKER}); it is left untouched: "
            "move it away or choose another --out"
        )
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / HISTORY_MARKER, f"{as_of}\n")  # replaces a planted symlink, never writes through it
    return folder


def publish_with_history(
    staging: Path, out: Path, client: str, as_of: str, publish: Callable[[Path, Path, Path], None]
) -> str:
    """Publish a finished client folder into `_history/<as_of>/<client>/` and, when its as-of date
    is not older than the latest report's, as `<client>/` too. `publish(staging, target, out)` is the
    batch's atomic swap. Returns the report's path relative to `out` (the latest when replaced)."""
    folder = claim_date_folder(out, as_of)
    if (out / PLOTLY_JS).is_file():
        _link_or_copy(out / PLOTLY_JS, folder / PLOTLY_JS)
    latest = read_report_summary(out / client / "summary.json") if owns_folder(out / client) else None
    newest = latest is None or str(latest.get("as_of") or "") <= as_of
    copy = staging.with_name(staging.name + "-latest")
    if newest:
        shutil.copytree(staging, copy, symlinks=True)
    publish(staging, folder / client, out)  # the history first: the latest is replaced only when it is kept
    if newest:
        publish(copy, out / client, out)
    return f"{client}/report.html" if newest else f"{HISTORY}/{as_of}/{client}/report.html"


# ---------------------------------------------------------------- the index


def index_history_html(results: list[Any], out: Path, lang: str) -> str:
    """Index section: per client what changed since its last report and links to earlier reports."""
    esc = html.escape
    rows = []
    for r in results:
        if not getattr(r, "ok", False) or not r.summary:
            continue
        summary = r.summary
        since = summary.get("since_last") or {}
        changed = []
        for g in since.get("goals", []):
            if g.get("previous_status") is None:
                continue
            status = (
                f"{_status(g.get('previous_status'), lang)} → {_status(g.get('status'), lang)}"
                if g.get("status_changed")
                else _status(g.get("status"), lang)
            )
            value = _value(g.get("value"), g.get("kpi"), lang, summary)
            if g.get("value_change"):
                value += f" ({_t('was', lang)} {_value(g.get('previous_value'), g.get('kpi'), lang, summary)})"
            changed.append(f"{esc(str(g.get('statement') or g.get('kpi')))}: {status} · {value}")
        if not since.get("previous_as_of"):
            change_html = _t("none", lang)
        else:
            change_html = "<br>".join(changed) or _t("no_change", lang)
        current = str(summary.get("as_of") or "")
        links = [
            f"<a href='{HISTORY}/{esc(d)}/{esc(r.client)}/report.html'>{esc(d)}</a>"
            for d in reversed(client_reports(out, r.client))
            if d != current
        ]
        rows.append(
            f"<tr><td>{esc(r.name or r.client)}</td><td>{change_html}</td>"
            f"<td>{' · '.join(links) or _t('none', lang)}</td></tr>"
        )
    if not rows:
        return ""
    return (
        f"<h2 id='history'>{_t('history', lang)}</h2><table class='sortable history'><thead><tr>"
        f"<th>{_t('client', lang)}</th><th>{_t('changes', lang)}</th><th>{_t('earlier', lang)}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
