"""Small writers for params files and client data used by the hostile-input tests."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

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


# ---------------------------------------------------------------- bombs and links (issue 21)


def gzip_line_bomb(uncompressed: int, chunk: int = 1 << 20) -> Callable[[Path], None]:
    """A .gz whose content is a header and then ONE line of `uncompressed` bytes: gzip members of a
    compressed 1 MiB chunk written again and again (a valid gzip file, built in milliseconds)."""

    def write(path: Path) -> None:
        import gzip

        member = gzip.compress(b"x" * chunk, compresslevel=9)
        with open(path, "wb") as handle:
            handle.write(gzip.compress(b"date,orders,revenue\n2025-01-01,1,"))
            for _ in range(max(1, uncompressed // chunk)):
                handle.write(member)

    return write


def parquet_rows(rows: int, group: int = 1_000_000) -> Callable[[Path], None]:
    """A Parquet file of `rows` identical daily rows with eight measures (tiny on disk: dictionary/RLE encoded)."""

    def write(path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        size = min(rows, group)
        measures = ("sessions", "orders", "revenue", "ad_spend", "impressions", "clicks", "leads", "units_sold")
        zeros = pa.array(np.zeros(size))  # eight float columns: 64 bytes a row once read, a few bytes on disk
        table = pa.table({"date": pa.array(["2025-01-01"] * size), **{m: zeros for m in measures}})
        with pq.ParquetWriter(path, table.schema, compression="zstd") as writer:
            left = rows
            while left > 0:
                writer.write_table(table.slice(0, min(size, left)))
                left -= size

    return write


def xlsx_texts(count: int, length: int = 1) -> Callable[[Path], None]:
    """A minimal .xlsx (written part by part: openpyxl writes inline strings) whose shared strings table
    holds `count` distinct texts of about `length` characters; the sheet itself has a header and two rows."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pad = "x" * max(0, length - 8)
    texts = ["date", "orders", "campaign", *(f"{pad}{i:08d}" for i in range(max(0, count - 3)))]

    def cell(ref: str, value: Any) -> str:
        if isinstance(value, int):
            return f'<c r="{ref}" t="s"><v>{value}</v></c>'
        return f'<c r="{ref}"><v>{value}</v></c>'

    rows = [(0, 1, 2), ("45658", "1", 3), ("45659", "2", 4)]
    sheet = "".join(
        f'<row r="{n}">' + "".join(cell(f"{col}{n}", v) for col, v in zip("ABC", row)) + "</row>"
        for n, row in enumerate(rows, 1)
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {ns} xmlns:r="{rel}"><sheets><sheet name="Data" '
        'sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        f'package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet {ns}><sheetData>{sheet}</sheetData></worksheet>',
        "xl/sharedStrings.xml": f'<?xml version="1.0"?><sst {ns} count="{len(texts)}" uniqueCount="{len(texts)}">'
        + "".join(f"<si><t>{t}</t></si>" for t in texts)
        + "</sst>",
    }

    def write(path: Path) -> None:
        import zipfile

        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for name, text in parts.items():
                archive.writestr(name, text)

    return write


def hard_link(target: str) -> Callable[[Path], None]:
    """A hard link at the given path to `target` (relative to the case folder)."""

    def make(path: Path) -> None:
        import os

        root = next(p for p in path.parents if p.name == "case" or (p / "params").is_dir())
        os.link(root / target, path)

    return make
