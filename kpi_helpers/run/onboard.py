"""`kpi-workbook new-client NAME --from FILE...`: a params file proposed from the client's own files.

For each file: the encoding, separator, lines above the header ('#' notes or a title), 'Total'
rows below, decimal mark and date format are sniffed; a preset is recognised from the header
(kpi_helpers.data.presets), otherwise a column mapping is proposed from common Dutch and English
column names. The params file says in comments what was guessed; then it is validated.

The files are copied to where the params file's `source:` resolves (`DataSource.resolve`), so
the client's data lives where the params expect it; an existing different file is never overwritten.
"""

from __future__ import annotations

import csv
import filecmp
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kpi_helpers.data.presets import PRESETS, Preset, detect_preset
from kpi_helpers.data.readers import guess_date_format, looks_utf16, sniff_layout
from kpi_helpers.exceptions import KpiWorkbookError
from kpi_helpers.spec.vocab import KpiType

# Column names in Dutch and English exports (lowercase, spaces/underscores/dashes ignored), by role.
NAMES: dict[str, tuple[str, ...]] = {
    "date": (
        "datum",
        "date",
        "dag",
        "day",
        "orderdatum",
        "besteldatum",
        "orderdate",
        "createdat",
        "aangemaakt",
        "factuurdatum",
        "verzenddatum",
        "senddate",
        "timestamp",
        "tijdstip",
    ),
    "order_id": (
        "bestelnummer",
        "ordernummer",
        "order",
        "orderid",
        "ordernr",
        "order#",
        "bestelling",
        "bestelid",
        "factuurnummer",
        "invoice",
        "transactionid",
        "transactie",
    ),
    "customer_id": (
        "klant",
        "klantnummer",
        "klantid",
        "klantnr",
        "customer",
        "customerid",
        "email",
        "emailadres",
        "e-mail",
        "debiteur",
        "debiteurnummer",
    ),
    "revenue": (
        "omzet",
        "revenue",
        "totaal",
        "total",
        "bedrag",
        "amount",
        "sales",
        "netsales",
        "verkoopbedrag",
        "orderwaarde",
        "ordertotal",
        "totaalbedrag",
    ),
    "quantity": ("aantal", "qty", "quantity", "stuks", "aantalstuks"),
    "price": ("prijs", "price", "stukprijs", "unitprice", "eenheidsprijs"),
    "channel": ("kanaal", "channel", "bron", "source", "verkoopkanaal", "medium"),
    "campaign": ("campagne", "campaign", "campagnenaam", "campaignname"),
    "coupon": ("kortingscode", "coupon", "couponcode", "discountcode", "voucher", "vouchercode", "actiecode"),
    "product": ("product", "artikel", "productnaam", "artikelnaam", "item", "productname"),
    "status": ("status", "orderstatus", "bestelstatus"),
    "sessions": ("sessies", "bezoeken", "sessions", "visits", "bezoeken(sessies)"),
    "ad_spend": ("kosten", "cost", "spend", "uitgaven", "advertentiekosten"),
    "ad_clicks": ("klikken", "clicks"),
    "ad_impressions": ("vertoningen", "impressions", "impr."),
    "leads": ("leads", "aanvragen"),
}


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def _safe(text: Any) -> str:
    """A value for a YAML comment: one line, printable."""
    return re.sub(r"[^\x20-\x7e\u00a0-\uffff]|[\u0085\u2028\u2029\ufeff]", " ", str(text))[:160]


@dataclass
class FileGuess:
    """What was sniffed about one file; `source` is the params entry (ours -> value), `notes` the comments."""

    path: Path
    source: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    preset: Preset | None = None


def _read_head(path: Path, limit: int = 300) -> tuple[list[str], str, list[str]]:
    """(first lines, encoding, notes)."""
    raw = path.read_bytes()[:262144]
    notes = []
    if looks_utf16(path):
        raise KpiWorkbookError(
            f"{path}: the file looks UTF-16 encoded (Excel's 'Unicode Text'); save it as "
            "'CSV UTF-8 (comma delimited)' and try again"
        )
    try:
        text = raw.decode("utf-8-sig")
        encoding = "utf-8"
    except UnicodeDecodeError as error:
        if error.start > len(raw) - 4:  # cut in the middle of a character at the end of the sample
            text, encoding = raw[: error.start].decode("utf-8-sig"), "utf-8"
        else:
            text, encoding = raw.decode("cp1252", errors="replace"), "cp1252"
            notes.append("encoding: not UTF-8, read as Windows-1252 (save as 'CSV UTF-8' to be sure of accents)")
    lines = [line.rstrip("\r") for line in text.split("\n")]  # not splitlines(): U+2028 is no line end in CSV
    return lines[:limit], encoding, notes


def guess_file(path: str | Path) -> FileGuess:
    """Sniff one CSV export: layout, number and date formats, and a preset or a column mapping."""
    path = Path(path)
    if not path.is_file():
        raise KpiWorkbookError(f"{path}: file not found")
    guess = FileGuess(path)
    if path.suffix.lower() in (".xlsx", ".xls", ".xlsm", ".parquet", ".pq"):
        header = [
            str(c)
            for c in (
                pd.read_excel(path, nrows=0)
                if path.suffix.lower().startswith(".xls")
                else pd.read_parquet(path).head(0)
            ).columns
        ]
        lines: list[str] = []
        sep, head_index = ",", 0
        guess.notes.append(f"{path.suffix} file: no separator or encoding to guess")
    else:
        lines, _, notes = _read_head(path)
        guess.notes += notes
        sep, head_index = sniff_layout(lines, None, "#")
        header = next(csv.reader([lines[head_index]], delimiter=sep), []) if lines else []
        above = [ln for ln in lines[:head_index] if ln.strip()]
        if above and all(ln.lstrip().startswith("#") for ln in above):
            guess.source["comment"] = "#"
            guess.notes.append(f"comment: {len(above)} lines starting with '#' above the header")
        elif head_index:
            guess.source["skip_rows"] = head_index
            guess.notes.append(f"skip_rows: {head_index} title line(s) above the header ({_safe(above[0])!r})")
        if sep != ",":
            guess.source["separator"] = sep
            guess.notes.append(f"separator: {sep!r} (most lines split into {len(header)} columns with it)")
    header = [h.strip() for h in header]
    preset = detect_preset(header)
    rows = _sample(path, lines, sep, head_index, header)
    if preset is not None:
        guess.preset = preset
        guess.source = {"preset": preset.name}  # the preset knows the layout
        guess.notes = [f"preset: recognised {preset.title} from its header"] + [
            n for n in guess.notes if n.startswith("encoding")
        ]
        guess.source.update(_preset_overrides(preset, header))
        return guess
    if rows is not None and not rows.empty:
        first = rows.iloc[:, 0].astype("str").str.strip()
        is_total = first.str.match(r"(?i)^(total|totaal)\b")
        if is_total.any():
            found = re.match(r"(?i)^(total|totaal)\S*", first[is_total].iloc[0])
            prefix = found.group(0) if found else "Total"
            guess.source["footer"] = [prefix]
            guess.notes.append(f"footer: rows starting with {prefix!r} are totals, left out")
            rows = rows[~is_total]
    _propose_mapping(guess, header, rows)
    return guess


def _sample(path: Path, lines: list[str], sep: str, head_index: int, header: list[str]) -> pd.DataFrame | None:
    if not lines:
        return None
    body = [ln for ln in lines[head_index + 1 :] if ln.strip() and not ln.lstrip().startswith("#")]
    parsed = list(csv.reader(body, delimiter=sep))
    width = len(header)
    return pd.DataFrame([r[:width] + [""] * (width - len(r)) for r in parsed], columns=header)


def _preset_overrides(preset: Preset, header: list[str]) -> dict[str, Any]:
    """Column names that differ from the preset's (e.g. Meta's 'Amount spent (USD)')."""
    names = {h.casefold(): h for h in header}
    changed: dict[str, str] = {}
    for ours, theirs in preset.columns.items():
        if theirs.casefold() in names:
            continue
        stem = theirs.split("(")[0].strip().casefold()
        alike = [h for h in header if h.casefold().startswith(stem)] if "(" in theirs else []
        if alike:
            changed[ours] = alike[0]
    return {"columns": changed} if changed else {}


def _propose_mapping(guess: FileGuess, header: list[str], rows: pd.DataFrame | None) -> None:
    from kpi_helpers.data.facts import known_measures

    columns: dict[str, str] = {}
    used: set[str] = set()
    measures = known_measures()
    for col in header:  # a column already named like one of our roles or measures
        if _key(col) in measures or col.lower() in measures:
            columns[col.lower()] = col
            used.add(col)
    for role, names in NAMES.items():
        if role in columns:
            continue
        for col in header:
            if col not in used and _key(col) in names:
                columns[role] = col
                used.add(col)
                break
    shape = (
        "orders"
        if ("order_id" in columns or "customer_id" in columns) and ("revenue" in columns or "price" in columns)
        else "daily"
    )
    if shape == "orders":
        for measure in [m for m in columns if m in measures and m != "revenue"]:
            guess.notes.append(f"left out '{columns.pop(measure)}': an order export gives its own measures")
    source: dict[str, Any] = {"shape": shape}
    if shape == "orders" and "order_id" not in columns:
        source["one_line_per_order"] = True
        guess.notes.append("one_line_per_order: no order number column, so every line is taken as one order")
    if "status" in columns:
        guess.notes.append(
            f"status: '{columns['status']}' found; list the values that count with include_status: [...]"
        )
    skipped = [h for h in header if h not in columns.values()]
    guess.notes.append(
        "columns: proposed from the column names; check them"
        + (
            f" (not used: {', '.join(_safe(s) for s in skipped[:12])}{' ...' if len(skipped) > 12 else ''})"
            if skipped
            else ""
        )
    )
    if rows is not None and "date" in columns:
        values = rows[columns["date"]].astype("str").str.strip()
        values = values[values != ""]
        iso = pd.to_datetime(values.head(50), format="ISO8601", errors="coerce").notna().all()
        fmt = None if iso else (guess_date_format(values) or _more_date_formats(values))
        if fmt:
            source["date_format"] = fmt
            guess.notes.append(f"date_format: {fmt!r} (e.g. {_safe(values.iloc[0])!r})")
    numeric = [c for r, c in columns.items() if r in measures or r in ("price", "quantity")]
    if rows is not None and numeric:
        sample = pd.concat([rows[c] for c in numeric]).astype("str").str.strip().str.replace(r"[€$£\s]", "", regex=True)
        if sample.str.fullmatch(r"-?[\d.]*\d,\d+").any():
            source["decimal"] = ","
            if sample.str.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?").any():
                source["thousands"] = "."
            guess.notes.append("decimal: ',' (numbers like " + _safe(sample[sample.str.contains(",")].iloc[0]) + ")")
        elif sample.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?").any():
            source["thousands"] = ","
            guess.notes.append("thousands: ',' (numbers like " + _safe(sample[sample.str.contains(",")].iloc[0]) + ")")
    source["columns"] = columns
    guess.source.update(source)


def _more_date_formats(values: pd.Series) -> str | None:
    for fmt in ("%Y-%m-%d %H:%M:%S %z", "%b %d, %Y %I:%M %p", "%d-%m-%Y %H:%M:%S", "%Y%m%d", "%d %b %Y"):
        if pd.to_datetime(values.head(50), format=fmt, errors="coerce").notna().all():
            return fmt
    return None


# ---------------------------------------------------------------- writing the params file


def _yaml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_yaml_value(k)}: {_yaml_value(v)}" for k, v in value.items()) + "}"
    text = json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar
    return re.sub("[\u0085\u2028\u2029\ufeff]", lambda m: f"\\u{ord(m.group()):04x}", text)  # YAML line breaks


def params_text(name: str, display_name: str, guesses: list[FileGuess], kpis: list[str]) -> str:
    out = [
        f"# KPI Workbook — params for {_safe(display_name)}, proposed by `kpi-workbook new-client --from`.",
        "# Every line marked 'guessed' was sniffed from the files: check it, then run kpi-workbook validate.",
        f"client: {name}",
        f"name: {_yaml_value(display_name)}",
        "language: nl",
        "currency: EUR",
        "",
        "data:",
    ]
    for guess in guesses:
        out.append(f"  # {_safe(guess.path.name)}")
        out += [f"  #   guessed {_safe(note)}" for note in guess.notes]
        entry = {"source": guess.path.name, **guess.source}
        first = True
        for key, value in entry.items():
            out.append(f"  {'- ' if first else '  '}{key}: {_yaml_value(value)}")
            first = False
    out += [
        "",
        "# KPIs the data can compute (pick 2–3 per domain and pair volume with quality):",
        f"kpis: {_yaml_value(kpis)}",
        "grain: month",
        "",
    ]
    return "\n".join(out)


def new_client_from(
    name: str,
    files: list[str | Path],
    params_dir: str | Path = "params",
    display_name: str | None = None,
    force: bool = False,
) -> tuple[Path, list[str], list[str]]:
    """Write params/<name>.yaml from the files, copy them where it points, validate it.

    Returns (params path, errors, warnings) of `validate`.
    """
    from kpi_helpers.run.validate import check_client
    from kpi_helpers.spec.params import CLIENT_ID_PATTERN, load_params

    if not re.fullmatch(CLIENT_ID_PATTERN, name):
        raise KpiWorkbookError(f"'{name}' is not a valid client id: use lowercase letters, digits, '-' and '_' only")
    if not files:
        raise KpiWorkbookError("give at least one file after --from")
    names = [Path(f).name for f in files]
    if len(set(names)) != len(names):
        raise KpiWorkbookError("two files with the same name: rename one (each source is one file name)")
    folder = Path(params_dir)
    path = folder / f"{name}.yaml"
    if path.exists() and not force:
        raise KpiWorkbookError(f"{path} already exists (use --force to overwrite)")
    guesses = [guess_file(f) for f in files]
    _one_measure_one_source(guesses)
    title = display_name or name.replace("-", " ").replace("_", " ").title()
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(params_text(name, title, guesses, []), encoding="utf-8")
    config = load_params(path)
    for guess, source in zip(guesses, config.data):
        target = source.resolve(config.base_dir)
        if target is None or target.resolve() == guess.path.resolve():
            continue
        if target.exists() and not filecmp.cmp(target, guess.path, shallow=False) and not force:
            raise KpiWorkbookError(f"{target} already exists and differs from {guess.path} (use --force to overwrite)")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(guess.path, target)
    path.write_text(params_text(name, title, guesses, _computable_kpis(path)), encoding="utf-8")
    check = check_client(path)
    return path, check.errors, check.warnings


def _measures_of(guess: FileGuess) -> tuple[str, list[str]]:
    """(shape, measures) a guessed source gives (an orders source: revenue, the rest it derives)."""
    from kpi_helpers.data.facts import known_measures

    columns = dict(guess.preset.columns) if guess.preset else {}
    columns.update(guess.source.get("columns", {}))
    shape = guess.preset.shape if guess.preset else guess.source.get("shape", "daily")
    if shape == "orders":
        return shape, ["revenue"]
    return shape, [c for c in columns if c in known_measures()]


def _one_measure_one_source(guesses: list[FileGuess]) -> None:
    """A measure an order export gives (revenue) is left out of daily sources that give it too (GA4)."""
    shop = [g for g in guesses if _measures_of(g)[0] == "orders"]
    if not shop:
        return
    for guess in guesses:
        shape, measures = _measures_of(guess)
        twice = [m for m in measures if m == "revenue"] if shape != "orders" else []
        if twice and len(measures) > len(twice):
            guess.source["measures"] = [m for m in measures if m not in twice]
            guess.notes.append(
                f"measures: {', '.join(twice)} left to {_safe(shop[0].path.name)} (one measure, one source: "
                f"otherwise both would be added up); remove this line to count it from here too"
            )


def _computable_kpis(path: Path, limit: int = 8) -> list[str]:
    """KPIs (sums and ratios) the data gives, at most `limit`, for a first selection."""
    from kpi_helpers.data.load import load_facts
    from kpi_helpers.exceptions import DataValidationError
    from kpi_helpers.spec.catalog import load_catalog
    from kpi_helpers.spec.params import load_params

    try:
        facts = load_facts(load_params(path))
    except DataValidationError:
        return []
    have = [c for c in facts.columns if facts[c].notna().any()]
    kpis = [k.id for k in load_catalog().computable(have) if k.type in (KpiType.SUM, KpiType.RATIO)]
    return kpis[:limit]


__all__ = ["FileGuess", "guess_file", "new_client_from", "params_text", "PRESETS"]
