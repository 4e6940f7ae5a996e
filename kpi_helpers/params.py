"""Per-client configuration: `params/<client>.yaml` validated into a `ClientConfig`.

Every error names the file, the field and what is allowed, so an agency can fix a
client's file without reading Python.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kpi_helpers.exceptions import ParamsError
from kpi_helpers.goals import Goal

# Starts with a letter or digit: ids name folders under reports/, whose `_failed`/`.staging` are ours.
CLIENT_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
GRAINS = ("day", "week", "month", "quarter", "year")
DEMO_PREFIX = "demo:"


class DataSource(BaseModel):
    """One client data file (or bundled demo data) and how to read it."""

    model_config = ConfigDict(extra="forbid")

    source: str
    shape: Literal["orders", "daily"] = "daily"
    columns: dict[str, str] = Field(default_factory=dict)  # our name -> the client's column
    date_format: str | None = None
    separator: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    sheet: str | int | None = None

    @property
    def is_demo(self) -> bool:
        return self.source.startswith(DEMO_PREFIX)

    @property
    def demo_name(self) -> str | None:
        return self.source[len(DEMO_PREFIX):] if self.is_demo else None

    def resolve(self, base_dir: Path | str) -> Path | None:
        """The data file's path, relative paths taken from the params file's folder."""
        if self.is_demo:
            return None
        path = Path(self.source).expanduser()
        return path if path.is_absolute() else Path(base_dir) / path


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class ReportOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    top_campaigns: int = Field(default=10, ge=1, le=100)
    show_code: bool = False


class ClientConfig(BaseModel):
    """A validated params file. `source_file` is where it came from (None when built in code)."""

    model_config = ConfigDict(extra="forbid")

    client: str = Field(pattern=CLIENT_ID_PATTERN, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    language: Literal["nl", "en"] = "en"
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    data: list[DataSource]
    kpis: list[str] = Field(default_factory=list)
    pairs: list[tuple[str, str]] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    channels: list[str] | None = None
    period: Period | None = None
    grain: Literal["day", "week", "month", "quarter", "year"] = "month"
    report: ReportOptions = Field(default_factory=ReportOptions)
    #: Readable names for channel/campaign/coupon ids in charts (id -> name in the report's language).
    channel_labels: dict[str, str] = Field(default_factory=dict)
    source_file: Path | None = Field(default=None, exclude=True)

    @field_validator("data", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        """`data: demo:webshop`, one mapping, or a list of sources (strings or mappings)."""
        items = value if isinstance(value, list) else [value]
        return [{"source": v} if isinstance(v, str) else v for v in items]

    # Field-level checks (not one model check) so pydantic reports every problem at once.
    @field_validator("kpis")
    @classmethod
    def _known_kpis(cls, value: list[str]) -> list[str]:
        _raise([p for i, k in enumerate(value) for p in _unknown_kpi(k, f"kpis[{i}]")])
        return value

    @field_validator("pairs")
    @classmethod
    def _known_pairs(cls, value: list[tuple[str, str]]) -> list[tuple[str, str]]:
        _raise([p for i, pair in enumerate(value) for j, k in enumerate(pair) for p in _unknown_kpi(k, f"pairs[{i}][{j}]")])
        return value

    @field_validator("goals")
    @classmethod
    def _sound_goals(cls, goals: list[Goal]) -> list[Goal]:
        problems: list[str] = []
        seen: set[str] = set()
        for i, goal in enumerate(goals):
            where = f"goals[{i}]"
            problems += _unknown_kpi(goal.kpi, f"{where}.kpi")
            if not (goal.owner or "").strip():
                problems.append(f"{where}.owner: every goal needs an owner (a person or role), e.g. 'Marketing (Sanne)'")
            if goal.deadline <= goal.start:
                problems.append(f"{where}.deadline: {goal.deadline} is not after start {goal.start}")
            if goal.target < 0:
                problems.append(f"{where}.target: {goal.target} is negative; targets are KPI values (>= 0)")
            if goal.baseline is not None and goal.baseline < 0:
                problems.append(f"{where}.baseline: {goal.baseline} is negative")
            goal_id = goal.id or goal.kpi
            if goal_id in seen:
                problems.append(f"{where}.id: '{goal_id}' is used by two goals; give each an `id`")
            seen.add(goal_id)
        ids = {g.id or g.kpi for g in goals}
        for i, goal in enumerate(goals):
            if goal.parent and goal.parent not in ids:
                problems.append(f"goals[{i}].parent: no goal with id '{goal.parent}' (ids: {', '.join(sorted(ids))})")
        _raise(problems)
        return goals

    @property
    def base_dir(self) -> Path:
        return self.source_file.parent if self.source_file else Path.cwd()

    @property
    def all_kpis(self) -> list[str]:
        """Selected KPIs plus those of pairs and goals, in first-seen order."""
        ordered = list(self.kpis) + [k for pair in self.pairs for k in pair] + [g.kpi for g in self.goals]
        return list(dict.fromkeys(ordered))


def _unknown_kpi(kpi_id: str, where: str) -> list[str]:
    from kpi_helpers.catalog import load_catalog

    catalog = load_catalog()
    if kpi_id in catalog:
        return []
    return [f"{where}: unknown KPI '{kpi_id}'{_close(kpi_id, catalog.ids)} (see `kpi-workbook list-kpis`)"]


def _raise(problems: list[str]) -> None:
    if problems:
        raise ValueError("\n".join(problems))


def _close(word: str, options: list[str]) -> str:
    import difflib

    match = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after[_check_catalog_and_goals()]",):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _pydantic_problems(error: ValidationError) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for err in error.errors():
        loc = tuple(p for p in err["loc"] if not str(p).startswith(("function-", "tagged-union")))
        field = _field_path(loc)
        kind = err["type"]
        given = err.get("input")
        if kind == "value_error":
            msg = str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
            for line in msg.splitlines():
                if ": " in line and (not field or line.startswith(field.split(".")[0])):
                    fld, _, rest = line.partition(": ")
                    problems.append((fld, rest))
                else:
                    problems.append((field, line))
            continue
        if kind in ("date_from_datetime_parsing", "date_parsing", "date_type", "date_from_datetime_inexact"):
            msg = f"{given!r} is not a date (YYYY-MM-DD)"
        elif kind == "missing":
            msg = "is required"
        elif kind == "extra_forbidden":
            msg = "is not a known field (check the spelling; see `kpi-workbook new-client` for a template)"
        elif kind == "string_pattern_mismatch" and field == "client":
            msg = f"{given!r} is not a valid client id: use lowercase letters, digits, '-' and '_', starting with a letter or digit"
        elif kind == "literal_error":
            msg = f"{given!r} is not allowed; {err['msg'].replace('Input should be', 'use')}"
        elif kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
            msg = f"{given!r} is not a number"
        else:
            msg = err["msg"] + (f" (got {given!r})" if given is not None and not isinstance(given, (dict, list)) else "")
        problems.append((field, msg))
    return problems


def parse_params(raw: Any, file: str | Path = "<params>") -> ClientConfig:
    """Validate an already-parsed YAML mapping; errors name `file` and the field."""
    if raw is None:
        raise ParamsError(str(file), [("", "the file is empty; start from `kpi-workbook new-client NAME`")])
    if not isinstance(raw, dict):
        raise ParamsError(str(file), [("", f"expected a mapping of fields (client:, name:, data:, ...), got {type(raw).__name__}")])
    try:
        config = ClientConfig.model_validate(raw)
    except ValidationError as error:
        raise ParamsError(str(file), _pydantic_problems(error)) from None
    if isinstance(file, Path) or file != "<params>":
        config.source_file = Path(file)
    return config


def load_params(path: str | Path) -> ClientConfig:
    """Read and validate one params file (yaml.safe_load: YAML tags never run code)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ParamsError(str(path), [("", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ParamsError(str(path), [("", f"cannot read the file: {error}")]) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        hint = " (YAML does not allow tabs for indentation; use spaces)" if "\t" in text and (
            "\\t" in str(error) or "tab" in str(error).lower()) else ""
        raise ParamsError(str(path), [("", f"not valid YAML: {where}{problem}{hint}")]) from None
    return parse_params(raw, path)


def find_params_files(params_dir: str | Path) -> list[Path]:
    """Every `*.yaml`/`*.yml` in a folder, sorted (templates starting with '_' are skipped)."""
    folder = Path(params_dir)
    files = sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml") and not p.name.startswith("_"))
    return files


def client_id_from_path(path: str | Path) -> str:
    """A safe id derived from a file name, used to report a client whose file does not parse."""
    stem = re.sub(r"[^a-z0-9_-]+", "-", Path(path).stem.lower()).strip("-")
    return stem or "unnamed"
