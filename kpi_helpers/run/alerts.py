"""Alerts for a scheduler, mail or chat: `reports/alerts.json` and the top of index.html.

Kinds (each computed from a client's summary.json of this run):

* `off_track`: a goal whose status is `off_track` now and was something else in the client's
  previous report (an earlier as-of date, kpi_helpers.run.history). A first report raises none.
* `floor` / `ceiling`: a goal whose entry carries `"floor": {"value": <number>, "breached": true}`
  (a quality KPI below its floor; `"ceiling"` likewise, above it), as written by the targets/floors
  feature (`actual`, when there, is the value that breached it); read with `.get` here.
* `data_stopped`: a data source whose last date with data lies more than `STALE_DAYS` (7) days
  before the as-of date. Seven days, whatever the grain: an orders export is quiet on some days,
  a week without a row means the export or the connection stopped (the same rule as the
  7-day gap warning of kpi_helpers.data.load). A monthly (quarterly) source, every row on the 1st,
  covers its last row's whole month (quarter): `kpi_helpers.data.sources.covered_until`.

alerts.json schema (version 1)::

    {"generator": "kpi-workbook", "version": 1, "count": <int>,
     "alerts": [{"client": id, "name": display name, "kind": "off_track"|"floor"|"ceiling"|"data_stopped",
                 "goal": goal id or null, "kpi": KPI id or null, "source": data source or null,
                 "as_of": "YYYY-MM-DD", "message": {"nl": text, "en": text}, "details": {...}}]}

Exit codes of `kpi-workbook run` (EXIT_*): 0 every client done and no alert, 1 a client failed
(invalid, failed, timed out; also when there are alerts), 3 every client done and at least one
alert, 130 interrupted, 2 a usage error (argparse, a bad --as-of).
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path
from typing import Any

from kpi_helpers.i18n.messages import table
from kpi_helpers.run.outdir import GENERATOR, OutputFolderError, is_own_file, write_atomic
from kpi_helpers.spec.vocab import STATUSES

STALE_DAYS = 7
ALERTS_FILE = "alerts.json"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ALERTS, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
KINDS = ("off_track", "floor", "ceiling", "data_stopped")

MESSAGES = table("alerts_messages")

TEXT = table("alerts")

_STATUS = {key: table("labels")[key] for key in STATUSES}


def _both(kind: str, **fill: dict[str, str]) -> dict[str, str]:
    """The message in nl and en; `fill` maps each placeholder to its nl and en text."""
    return {lang: MESSAGES[kind][lang].format(**{k: v[lang] for k, v in fill.items()}) for lang in ("nl", "en")}


def _same(text: str) -> dict[str, str]:
    return {"nl": text, "en": text}


def client_alerts(summary: dict[str, Any], stale_days: int = STALE_DAYS) -> list[dict[str, Any]]:
    """The alerts of one client's summary (with `since_last` from kpi_helpers.run.history)."""
    from kpi_helpers.i18n.formats import format_date, format_value
    from kpi_helpers.spec.catalog import summary_kpi

    client, name, as_of = summary.get("client"), summary.get("name"), summary.get("as_of")
    currency = str(summary.get("currency") or "EUR")
    base = {"client": client, "name": name, "as_of": as_of}
    out: list[dict[str, Any]] = []
    for goal in (summary.get("since_last") or {}).get("goals", []):
        previous = goal.get("previous_status")
        if goal.get("status") == "off_track" and previous is not None and previous != "off_track":
            label = str(goal.get("statement") or goal.get("kpi") or "")
            out.append(
                {
                    **base,
                    "kind": "off_track",
                    "goal": goal.get("id"),
                    "kpi": goal.get("kpi"),
                    "source": None,
                    "message": _both(
                        "off_track", goal=_same(label), previous=_STATUS.get(previous, _same(str(previous)))
                    ),
                    "details": {
                        "previous_status": previous,
                        "previous_as_of": summary["since_last"].get("previous_as_of"),
                    },
                }
            )
    for goal, kind in ((g, k) for g in summary.get("goals", []) for k in ("floor", "ceiling")):
        floor = goal.get(kind) if isinstance(goal, dict) else None
        if isinstance(floor, dict) and floor.get("breached"):
            kpi_id = str(goal.get("kpi") or "")
            kpi = summary_kpi(summary, kpi_id)  # the client's catalog: its own KPIs too
            unit = kpi.unit if kpi else "count"
            value = floor.get("value")
            shown = {
                lang: format_value(value, unit, lang, currency) if isinstance(value, (int, float)) else str(value)
                for lang in ("nl", "en")
            }
            out.append(
                {
                    **base,
                    "kind": kind,
                    "goal": goal.get("id"),
                    "kpi": kpi_id,
                    "source": None,
                    "message": _both(
                        kind,
                        kpi={lang: kpi.label(lang) if kpi else kpi_id for lang in ("nl", "en")},
                        floor=shown,
                    ),
                    "details": {kind: value, "value": floor.get("actual", goal.get("actual_to_date"))},
                }
            )
    if as_of:
        day = dt.date.fromisoformat(str(as_of)[:10])
        for source, last in (summary.get("source_last_dates") or {}).items():
            last_day = dt.date.fromisoformat(str(last)[:10])
            days = (day - last_day).days
            if days > stale_days:
                out.append(
                    {
                        **base,
                        "kind": "data_stopped",
                        "goal": None,
                        "kpi": None,
                        "source": source,
                        "message": _both(
                            "data_stopped",
                            source=_same(source),
                            last={lang: format_date(last_day, lang, "long") for lang in ("nl", "en")},
                            days=_same(str(days)),
                        ),
                        "details": {"last_date": last_day.isoformat(), "days": days},
                    }
                )
    return out


def batch_alerts(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for s in summaries for a in client_alerts(s)]


def write_alerts(out: Path, alerts: list[dict[str, Any]]) -> Path:
    """`out/alerts.json` (atomic; a file of that name we did not write is left alone)."""
    path = Path(out) / ALERTS_FILE
    if path.exists() and not is_own_file(path):
        raise OutputFolderError(f"{path} was not written by KPI Workbook; it is left untouched: move it away")
    payload = {"generator": GENERATOR, "version": 1, "count": len(alerts), "alerts": alerts}
    return write_atomic(path, json.dumps(payload, indent=2, ensure_ascii=False, default=str, allow_nan=False))


def alerts_html(alerts: list[dict[str, Any]], lang: str) -> str:
    """The alerts section at the top of index.html (every string escaped)."""
    esc = html.escape
    head = f"<h2 id='alerts'>{TEXT['title'][lang]} ({len(alerts)})</h2>"
    if not alerts:
        return head + f"<p class='alerts-none'>{TEXT['none'][lang]}</p>"
    rows = "".join(
        f"<tr class='alert-{esc(a['kind'])}'><td>{esc(str(a.get('name') or a.get('client') or ''))}</td>"
        f"<td style='color:#c62828;font-weight:600'>{esc(TEXT[a['kind']][lang])}</td>"
        f"<td>{esc(a['message'][lang])}</td></tr>"
        for a in alerts
    )
    return (
        head + f"<table class='sortable alerts'><thead><tr><th>{TEXT['client'][lang]}</th><th>{TEXT['kind'][lang]}</th>"
        f"<th>{TEXT['message'][lang]}</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def exit_code(ok: bool, interrupted: bool, alerts: list[dict[str, Any]], *, alerts_exit: bool = True) -> int:
    """`alerts_exit=False` (the CLI's default): alerts are in alerts.json and the index but the run exits 0,
    so a plain demo run reads as a success; a scheduler asks for 3 with `--alert-exit-code`."""
    if interrupted:
        return EXIT_INTERRUPTED
    if not ok:
        return EXIT_FAILED
    return EXIT_ALERTS if alerts and alerts_exit else EXIT_OK
