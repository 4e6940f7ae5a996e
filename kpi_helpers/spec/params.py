"""Per-client configuration: `params/<client>.yaml` validated into a `ClientConfig`.

Every error names the file, the field and what is allowed, so an agency can fix a
client's file without reading Python.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from kpi_helpers.exceptions import ParamsError
from kpi_helpers.spec.goals import (
    TARGETS_SUM_TOLERANCE,
    Goal,
    bound_problems,
    kpi_info,
    limit_problems,
    period_targets,
    scale_problems,
    target_problems,
)
from kpi_helpers.spec.safeyaml import excerpt

# Starts with a letter or digit: ids name folders under reports/, whose `_failed`/`.staging` are ours.
CLIENT_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"  # Python: re.fullmatch (re.match's `$` also matches before a final "\n")
DEMO_PREFIX = "demo:"


class DataSource(BaseModel):
    """One client data file (or bundled demo data) and how to read it."""

    model_config = ConfigDict(extra="forbid")

    source: str
    shape: Literal["orders", "daily", "events"] = "daily"
    columns: dict[str, str] = Field(default_factory=dict)  # our name -> the client's column
    date_format: str | None = None
    separator: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    sheet: str | int | None = None
    # ---- export formats and normalising (docs/presets.md); every field overrides the preset's
    preset: str | None = None  # a known export format, e.g. shopify_orders (kpi_helpers.data.presets)
    skip_rows: Annotated[int, Field(ge=0, le=1000)] | Literal["auto"] | None = None  # lines above the header
    comment: str | None = Field(default=None, min_length=1)  # lines starting with this are skipped ("#")
    footer: list[str] | None = None  # rows whose first cell starts with one of these are totals ("Total:")
    line_items: bool | None = None  # one row per line item; order fields only on the order's first row
    one_line_per_order: bool | None = None  # no order id: every line is its own order
    include_status: list[str] | None = None  # with columns.status: only these values count
    exclude_status: list[str] | None = None  # with columns.status: these values are left out
    revenue_basis: Literal["gross", "net"] | None = None  # net: minus columns.tax and columns.shipping
    count_as: str | None = None  # shape events: the measure that counts rows per day x dims
    blank_is_zero: bool | None = None  # empty measure cells mean 0 (ad exports)
    measures: list[str] | None = None  # only these measures come from this source

    @property
    def is_demo(self) -> bool:
        return self.source.startswith(DEMO_PREFIX)

    @property
    def demo_name(self) -> str | None:
        return self.source[len(DEMO_PREFIX) :] if self.is_demo else None

    def resolve(self, base_dir: Path | str) -> Path | None:
        """The data file's path, relative paths taken from `base_dir` (the client's data folder)."""
        if self.is_demo:
            return None
        path = Path(self.source).expanduser()
        return path if path.is_absolute() else Path(base_dir) / path


# Sane ranges for what a params file may say (pandas timestamps end in 2262; year 1 or 9999
# is a typo, not a plan). Checked here so `validate` and `load_params` refuse the same files.
MIN_DATE, MAX_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
MAX_GOAL_VALUE = 1e12  # a trillion: above any KPI value of an agency's client


def _date_problem(value: dt.date, where: str) -> list[str]:
    if MIN_DATE <= value <= MAX_DATE:
        return []
    return [f"{where}: {value.isoformat()} is outside {MIN_DATE.year}-{MAX_DATE.year}; check the year"]


def _value_problem(value: float | None, where: str) -> list[str]:
    import math

    if value is None:
        return []
    if not math.isfinite(value):
        return [f"{where}: {value} is not a finite number; enter the KPI value, e.g. 120000 or 0.035"]
    if abs(value) > MAX_GOAL_VALUE:
        return [f"{where}: {value:g} is out of range (at most {MAX_GOAL_VALUE:g}); check the number"]
    return []


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        _raise(_date_problem(self.start, "start") + _date_problem(self.end, "end"))
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
    # The client's own measures (id -> {labels: {nl, en}, unit, agg}) and KPI definitions (mapping
    # items of `kpis:`, the catalog's schema); checked like catalog.yaml. Built into
    # `client_catalog` (the bundled catalog plus these), None when there are none.
    measures: dict[str, Any] = Field(default_factory=dict)
    client_catalog: Any = Field(default=None, exclude=True, repr=False)
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

    @model_validator(mode="before")
    @classmethod
    def _own_measures_and_kpis(cls, data: Any) -> Any:
        """KPI definitions in `kpis:` (mappings) are selected by their id and, with `measures:`,
        checked and built into the client's catalog before the KPI ids are looked up."""
        if not isinstance(data, dict):
            return data
        from kpi_helpers.spec.catalog import client_catalog

        data = dict(data)
        kpis = data.get("kpis")
        definitions = []
        if isinstance(kpis, list):
            definitions = [(i, k) for i, k in enumerate(kpis) if isinstance(k, dict)]
            data["kpis"] = [k.get("id") if isinstance(k, dict) else k for k in kpis]
        catalog, problems = client_catalog(data.get("measures"), definitions)
        _raise([f"{where}: {message}" for where, message in problems])
        data["client_catalog"] = catalog
        return data

    @property
    def catalog(self) -> Any:
        """The catalog this client's KPI ids mean: the bundled one plus its own measures and KPIs."""
        from kpi_helpers.spec.catalog import default_catalog

        return self.client_catalog if self.client_catalog is not None else default_catalog()

    # Field-level checks (not one model check) so pydantic reports every problem at once.
    @field_validator("kpis")
    @classmethod
    def _known_kpis(cls, value: list[str], info: ValidationInfo) -> list[str]:
        catalog = _catalog_of(info)
        _raise([p for i, k in enumerate(value) for p in _unknown_kpi(k, f"kpis[{i}]", catalog)])
        return value

    @field_validator("pairs")
    @classmethod
    def _known_pairs(cls, value: list[tuple[str, str]], info: ValidationInfo) -> list[tuple[str, str]]:
        catalog = _catalog_of(info)
        _raise(
            [
                p
                for i, pair in enumerate(value)
                for j, k in enumerate(pair)
                for p in _unknown_kpi(k, f"pairs[{i}][{j}]", catalog)
            ]
            + [
                f"pairs[{i}]: '{volume}' is paired with itself; a pair is a volume KPI and a different "
                "quality KPI that keeps it honest, e.g. [orders, average_order_value]"
                for i, (volume, quality) in enumerate(value)
                if volume == quality
            ]
        )
        return value

    @field_validator("goals")
    @classmethod
    def _sound_goals(cls, goals: list[Goal], info: ValidationInfo) -> list[Goal]:
        catalog = _catalog_of(info)
        problems: list[str] = []
        seen: set[str] = set()
        for i, goal in enumerate(goals):
            where = f"goals[{i}]"
            problems += _unknown_kpi(goal.kpi, f"{where}.kpi", catalog) or _growth_goal(
                goal.kpi, f"{where}.kpi", catalog
            )
            problems += _value_problem(goal.target, f"{where}.target") + _value_problem(
                goal.baseline, f"{where}.baseline"
            )
            problems += _date_problem(goal.start, f"{where}.start") + _date_problem(goal.deadline, f"{where}.deadline")
            if not (goal.owner or "").strip():
                problems.append(
                    f"{where}.owner: every goal needs an owner (a person or role), e.g. 'Marketing (Sanne)'"
                )
            if goal.deadline <= goal.start:
                problems.append(f"{where}.deadline: {goal.deadline} is not after start {goal.start}")
            if goal.target < 0:
                problems.append(f"{where}.target: {goal.target} is negative; targets are KPI values (>= 0)")
            if goal.baseline is not None and goal.baseline < 0:
                problems.append(f"{where}.baseline: {goal.baseline} is negative")
            problems += [f"{where}.{fld}: {msg}" for fld, msg in target_problems(goal)]
            for key, value in (goal.targets or {}).items():
                problems += _value_problem(value, f"{where}.targets.{key}") if math.isfinite(value) else []
            share = kpi_info(goal.kpi, catalog).share  # a percentage of a whole: fractions up to 1
            problems += [f"{where}.{fld}: {msg}" for fld, msg in bound_problems(goal, share)]
            problems += [f"{where}.{fld}: {msg}" for fld, msg in scale_problems(goal, share)]
            for name in ("floor", "ceiling"):
                value = getattr(goal, name)
                problems += (
                    _value_problem(value, f"{where}.{name}") if value is not None and math.isfinite(value) else []
                )
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

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        from kpi_helpers.i18n.formats import is_known_currency

        if not is_known_currency(value):
            raise ValueError(
                f"{_echo(value)} is not a known currency code; use the three-letter ISO 4217 code, e.g. EUR, USD or GBP"
            )
        return value

    @model_validator(mode="after")
    def _limits_fit_targets(self) -> ClientConfig:
        """A floor above a goal's target or a ceiling below it (needs the report `grain`, read after `goals`)."""
        problems = []
        for i, goal in enumerate(self.goals):
            kind = kpi_info(goal.kpi, self.catalog).type
            problems += [f"goals[{i}].{fld}: {msg}" for fld, msg in limit_problems(goal, kind, self.grain)]
        _raise(problems)
        return self

    @property
    def base_dir(self) -> Path:
        """Where `source` paths are read from: the client's own data folder (see kpi_helpers.spec.agency)."""
        data_dir = self.data_dir
        return data_dir if data_dir is not None else Path.cwd()

    @property
    def data_dir(self) -> Path | None:
        """`<data_root>/<client>/` for a config loaded from a file; None for one built in code (not confined)."""
        if self.source_file is None:
            return None
        from kpi_helpers.spec.agency import client_data_dir

        return client_data_dir(self.source_file, self.client)

    @property
    def all_kpis(self) -> list[str]:
        """Selected KPIs plus those of pairs and goals, in first-seen order."""
        ordered = list(self.kpis) + [k for pair in self.pairs for k in pair] + [g.kpi for g in self.goals]
        return list(dict.fromkeys(ordered))


def params_warnings(config: ClientConfig) -> list[str]:
    """Things in a valid params file that are probably a mistake ('field: message'): per-period
    targets of a sum KPI that do not add up to the goal's end target (within TARGETS_SUM_TOLERANCE).
    Pacing then expects what the periods say to date; the status compares with the end target."""
    out = []
    catalog = config.catalog
    for i, goal in enumerate(config.goals):
        plan = period_targets(goal)
        if not plan or goal.kpi not in catalog or catalog[goal.kpi].type != "sum":
            continue
        total = sum(p.target for p in plan)
        if abs(total - goal.target) > TARGETS_SUM_TOLERANCE * abs(goal.target):
            change = (total / goal.target - 1) * 100 if goal.target else math.inf
            out.append(
                f"goals[{i}].targets: the {plan[0].grain}ly targets add up to {total:,.2f}, not the goal's target "
                f"{goal.target:,.2f} ({change:+.1f} %); pacing follows the {plan[0].grain}ly targets, the status "
                "compares the forecast with the target: make them agree"
            )
    return out


def _catalog_of(info: ValidationInfo) -> Any:
    from kpi_helpers.spec.catalog import default_catalog

    own = info.data.get("client_catalog")
    return own if own is not None else default_catalog()  # never another client's KPIs


def _unknown_kpi(kpi_id: str, where: str, catalog: Any) -> list[str]:
    if kpi_id in catalog:
        return []
    return [f"{where}: unknown KPI '{kpi_id}'{_close(kpi_id, catalog.ids)} (see `kpi-workbook list-kpis`)"]


def _growth_goal(kpi_id: str, where: str, catalog: Any) -> list[str]:
    """Goals on growth KPIs are refused: a goal's target is the KPI over the goal window, and a
    growth rate of a window is the same goal as a target on the KPI it grows (with a baseline)."""
    if kpi_id not in catalog or catalog[kpi_id].type != "growth":
        return []
    of = catalog[kpi_id].growth_of
    return [
        (
            f"{where}: '{kpi_id}' is a growth KPI; set the goal on '{of}' instead (baseline = last period's "
            f"{of}, target = baseline × (1 + growth)), so it can be paced"
        )
    ]


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


def _echo(value: Any, limit: int = 80) -> str:
    """A value from the user's file, quoted and cut short (a 5 MB name is never echoed whole)."""
    return excerpt(value, limit)


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
            msg = f"{_echo(given)} is not a date (YYYY-MM-DD)"
        elif kind == "missing":
            msg = "is required"
        elif kind == "extra_forbidden":
            msg = "is not a known field (check the spelling; see `kpi-workbook new-client` for a template)"
        elif kind == "string_pattern_mismatch" and field == "client":
            msg = f"{_echo(given)} is not a valid client id: use lowercase letters, digits, '-' and '_', starting with a letter or digit"
        elif kind == "literal_error":
            msg = f"{_echo(given)} is not allowed; {err['msg'].replace('Input should be', 'use')}"
        elif kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
            msg = f"{_echo(given)} is not a number"
        else:
            msg = err["msg"] + (
                f" (got {_echo(given)})" if given is not None and not isinstance(given, (dict, list)) else ""
            )
        problems.append((field, msg))
    return problems


def parse_params(raw: Any, file: str | Path = "<params>") -> ClientConfig:
    """Validate an already-parsed YAML mapping; errors name `file` and the field."""
    if raw is None:
        raise ParamsError(str(file), [("", "the file is empty; start from `kpi-workbook new-client NAME`")])
    if not isinstance(raw, dict):
        raise ParamsError(
            str(file), [("", f"expected a mapping of fields (client:, name:, data:, ...), got {type(raw).__name__}")]
        )
    try:
        config = ClientConfig.model_validate(raw)
    except ValidationError as error:
        raise ParamsError(str(file), _pydantic_problems(error)) from None
    if isinstance(file, Path) or file != "<params>":
        config.source_file = Path(file)
    return config


def load_params(path: str | Path) -> ClientConfig:
    """Read and validate one params file (bounded, safe YAML: tags never run code).

    The client id is the file's name: `params/acme.yaml` is client `acme`; a `client:` field
    that says otherwise is refused (a file can never take over another client's report).
    """
    from kpi_helpers.spec.agency import agency_settings
    from kpi_helpers.spec.safeyaml import load_yaml_file

    path = Path(path)
    limits = agency_settings(path.expanduser().absolute().parent).limits
    raw = load_yaml_file(path, max_bytes=limits.params_bytes, max_depth=limits.yaml_depth)
    if isinstance(raw, dict):
        _check_identity(raw, path)
    return parse_params(raw, path)


def _check_identity(raw: dict[Any, Any], path: Path) -> None:
    """`client:` may be left out (it is the file name); when given it must equal the file name."""
    stem = path.stem
    if not re.fullmatch(CLIENT_ID_PATTERN, stem) or len(stem) > 64:
        raise ParamsError(
            str(path.parent / excerpt(path.name, 120)[1:-1]),  # escaped: a newline in the name stays one line
            [
                (
                    "",
                    f"the file name {stem[:70]!r} is not a valid client id: the client id is the "
                    f"params file's name; rename it to {_safe_id(stem)}.yaml",
                )
            ],
        )
    given = raw.get("client")
    if given is None:
        raw["client"] = stem
    elif isinstance(given, str) and re.fullmatch(CLIENT_ID_PATTERN, given) and given != stem:
        raise ParamsError(
            str(path),
            [
                (
                    "client",
                    f"{given[:70]!r} is not this file's client: the client id is the params "
                    f"file's name ('{stem}'); remove `client:` or rename the file",
                )
            ],
        )


def find_params_files(params_dir: str | Path) -> list[Path]:
    """Every `*.yaml`/`*.yml` in a folder, sorted (templates starting with '_' are skipped)."""
    folder = Path(params_dir)
    files = sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml") and not p.name.startswith("_"))
    return files


def client_id_from_path(path: str | Path) -> str:
    """A safe id derived from a file name, used to report a client whose file does not parse.

    A file name that is not a client id itself (`Acme.yaml`, a newline in it) gets a suffix from
    its exact name, so it is never reported as the client whose id it resembles (`acme`)."""
    raw = Path(path).stem
    stem = _safe_id(raw)
    if stem == raw:
        return stem
    import hashlib

    return f"{stem}-{hashlib.sha256(raw.encode('utf-8', 'surrogateescape')).hexdigest()[:6]}"


def _safe_id(name: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-") or "unnamed"


def skipped_params_files(params_dir: str | Path) -> list[tuple[Path, str]]:
    """Files in the params folder that look like params files but are not read, each with the reason
    (said once as a notice, so a client never silently goes missing from a run)."""
    folder = Path(params_dir)
    out: list[tuple[Path, str]] = []
    for path in sorted(folder.glob("*")):
        name, suffix = path.name, path.suffix
        if suffix.lower() not in (".yaml", ".yml") or name == "_agency.yaml":
            continue
        if name.startswith("_"):
            out.append((path, "skipped: a name starting with '_' is a template, not a client"))
        elif suffix not in (".yaml", ".yml"):
            out.append((path, f"skipped: a params file ends in lowercase .yaml or .yml; rename it to {path.stem}.yaml"))
    return out
