"""Small writers for params files and client data used by the hostile-input tests."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Strings that must stay data everywhere: quotes, a newline, HTML/JS, a format string,
# shell and Python payloads. `@MARKER@` is replaced (when files are written) by the path of a
# file that any of the payloads would create if it ever ran.
SCRIPT_NAME = "<script>alert('name')</script>"
SCRIPT_GOAL = "<img src=x onerror=alert('goal')>"
SCRIPT_CAMPAIGN = "<script>alert('campaign')</script>"
MARKER = "@MARKER@"
PAYLOAD = (
    "\"quoted\" 'single' {0} {client} $(touch @MARKER@) `touch @MARKER@`; __import__('os').system('touch @MARKER@') #"
)
HOSTILE_NAME = f'Jan "de" Vries & Zn. {SCRIPT_NAME}\nline two {{0}} $(touch @MARKER@)'  # name: max 200 chars
HOSTILE_STATEMENT = f'Revenue {SCRIPT_GOAL} "up" 10 %\n{PAYLOAD}'
HOSTILE_CAMPAIGNS = (SCRIPT_CAMPAIGN, "say \"cheese\", then 'leave'", "multi\nline campaign", '=HYPERLINK("x")')


def yaml_str(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def client_yaml(
    client: str = "acme",
    name: str = "Acme BV",
    data: dict[str, Any] | str | None = None,
    kpis: tuple[str, ...] = ("revenue", "orders", "average_order_value"),
    goals: list[dict[str, Any]] | None = None,
    extra: str = "",
) -> str:
    """A params file as text; `data` is a mapping of DataSource fields (default: data.csv, daily)."""
    data = {"source": "data.csv", "shape": "daily"} if data is None else data
    lines = [f"client: {client}", f"name: {yaml_str(name)}", "language: en", "currency: EUR"]
    if isinstance(data, str):
        lines.append(f"data: {data}")
    else:
        lines.append("data:")
        first = True
        for key, value in data.items():
            prefix = "  - " if first else "    "
            first = False
            lines.append(f"{prefix}{key}: {json.dumps(value, ensure_ascii=False)}")
    lines.append(f"kpis: [{', '.join(kpis)}]")
    if goals:
        lines.append("goals:")
        for goal in goals:
            items = list(goal.items())
            lines.append(f"  - {items[0][0]}: {json.dumps(items[0][1], ensure_ascii=False, default=str)}")
            lines += [f"    {k}: {json.dumps(v, ensure_ascii=False, default=str)}" for k, v in items[1:]]
    return "\n".join(lines) + "\n" + extra


def revenue_goal(
    statement: str = "Revenue Q1 2025 to 5000", kpi: str = "revenue", target: Any = 5000.0, **more: Any
) -> dict[str, Any]:
    goal = {
        "statement": statement,
        "kpi": kpi,
        "target": target,
        "start": "2025-01-01",
        "deadline": "2025-03-31",
        "owner": "Marketing (Sanne)",
    }
    goal.update(more)
    return goal


def csv(header: str, *rows: str, sep: str = ",") -> str:
    return "\n".join([header.replace(",", sep), *rows]) + "\n"


def daily_rows(
    days: int = 120,
    start: dt.date = dt.date(2025, 1, 1),
    campaigns: tuple[str, ...] = ("spring", "summer"),
    seed: int = 1,
) -> str:
    """A clean daily CSV (date, channel, campaign, sessions, orders, revenue, ad_spend), RFC 4180 quoted."""
    import csv as csv_lib
    import io

    buf = io.StringIO()
    writer = csv_lib.writer(buf, lineterminator="\n")
    writer.writerow(["date", "channel", "campaign", "sessions", "orders", "revenue", "ad_spend"])
    for i in range(days):
        day = start + dt.timedelta(days=i)
        for j, campaign in enumerate(campaigns):
            sessions = 200 + (i * 7 + j * 13 + seed) % 50
            orders = 5 + (i + j + seed) % 4
            writer.writerow(
                [
                    day.isoformat(),
                    "paid_search" if j % 2 else "email",
                    campaign,
                    sessions,
                    orders,
                    round(orders * (41.5 + j), 2),
                    round(20 + j * 3.5, 2),
                ]
            )
    return buf.getvalue()


def xlsx(rows: list[list[Any]], sheet: str = "Data") -> Callable[[Path], None]:
    """A writer for an .xlsx file (openpyxl) with the given rows (first row = header)."""

    def write(path: Path) -> None:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = sheet
        for row in rows:
            ws.append(row)
        wb.save(path)

    return write


def notebooks_dir() -> Path | None:
    """For run_batch: the real notebooks (None = default) once all three exist, else the fixture notebooks."""
    from kpi_helpers.run.batch import NOTEBOOKS, NOTEBOOKS_DIR

    if all((NOTEBOOKS_DIR / nb).exists() for nb in NOTEBOOKS):
        return None
    return Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"


def alias_bomb(levels: int = 9, fan_out: int = 9) -> str:
    """A YAML flow value of `levels` anchors, each aliasing the previous one `fan_out` times ("billion laughs"):
    a few hundred bytes that stand for fan_out**levels strings once the aliases are written out."""
    parts = []
    for i in range(levels):
        items = ["lol"] * fan_out if i == 0 else [f"*x{i - 1}"] * fan_out
        parts.append(f"&x{i} [{', '.join(items)}]")
    return f"[{', '.join(parts)}]"
