"""Checks that need no kernel: params + data validation, new params files, KPI tables."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from importlib import resources
from pathlib import Path

import pandas as pd

from kpi_helpers.exceptions import DataValidationError, KpiWorkbookError, ParamsError
from kpi_helpers.spec.catalog import use_catalog
from kpi_helpers.spec.params import CLIENT_ID_PATTERN, ClientConfig, find_params_files, load_params, params_warnings
from kpi_helpers.spec.safeyaml import excerpt


@dataclass
class ClientCheck:
    """The outcome of checking one params file and its data."""

    file: Path
    config: ClientConfig | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def client(self) -> str:
        from kpi_helpers.spec.params import client_id_from_path

        return self.config.client if self.config else client_id_from_path(self.file)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_client(path: str | Path, as_of: str | dt.date | None = None) -> ClientCheck:
    """Validate one params file and, when it parses, its data, as `run` would use them on the report
    date `as_of` (None: the default, the end of the last complete period). Never raises for user errors."""
    from kpi_helpers.data.load import load_facts

    check = ClientCheck(Path(path))
    try:
        check.config = load_params(path)
    except ParamsError as error:
        check.errors = str(error).splitlines()
        return check
    check.warnings += [f"{path}: {line}" for line in params_warnings(check.config)]
    with use_catalog(check.config.client_catalog):  # the client's own measures are data columns too
        try:
            facts = load_facts(check.config)
            problems = list(facts.attrs.get("warnings", []))
        except DataValidationError as error:
            facts, problems = None, error.problems
        except KpiWorkbookError as error:
            check.errors.append(f"{path}: {error}")
            return check
        for problem in problems:
            line = f"{path}: data: {problem}"
            (check.warnings if problem.severity == "warning" else check.errors).append(line)
        if facts is not None:
            from kpi_helpers.data.sources import cross_source_notes

            check.errors += [f"{path}: {line}" for line in uncomputable_kpis(check.config, facts)]
            check.errors += [f"{path}: {line}" for line in as_of_problems(check.config, facts, as_of)]
            check.warnings += [f"{path}: {line}" for line in cross_source_notes(check.config, facts)]
    return check


def uncomputable_kpis(config: ClientConfig, facts: pd.DataFrame) -> list[str]:
    """'field: KPI needs measures the data lacks' for every selected/paired/goal KPI.

    Caught here so a client fails `validate` (no kernel started), not halfway through a run.
    """
    catalog = config.catalog
    have = {c for c in facts.columns if facts[c].notna().any()}
    if not config.all_kpis:  # the analysis notebook has nothing to show: a run would fail there
        options = [k.id for k in catalog.computable(have) if k.type != "growth"][:6]
        return [
            f"kpis: no KPIs to report on; list them under `kpis:` (this data can compute e.g. "
            f"{', '.join(options) or 'none: map a measure column under data.columns'}), or add pairs or goals"
        ]
    fields = [(f"kpis[{i}]", k) for i, k in enumerate(config.kpis)]
    fields += [(f"pairs[{i}][{j}]", k) for i, pair in enumerate(config.pairs) for j, k in enumerate(pair)]
    fields += [(f"goals[{i}].kpi", g.kpi) for i, g in enumerate(config.goals)]
    problems = []
    for field_name, kpi_id in fields:
        if kpi_id not in catalog:
            continue  # goal-level KPIs (profit) are checked by smart_check, unknown ids by params
        missing = sorted(catalog[kpi_id].measures - have)
        if missing:
            problems.append(
                f"{field_name}: KPI '{kpi_id}' needs {', '.join(missing)}, which the data does not have "
                f"(map a column to it under data.columns, or choose another KPI)"
            )
    return problems


def as_of_problems(config: ClientConfig, facts: pd.DataFrame, as_of: str | dt.date | None = None) -> list[str]:
    """'field: message' for what makes the report date unusable, decided by the code `run` uses
    (kpi_helpers.compute.asof): no data on or before `as_of`, no complete period for the default date,
    and goals whose window has begun by the report date without one row of their KPI's data in it
    while the data go on around it (pacing would judge them on nothing). A goal starting after the
    report date is only planned; one whose KPI's data end before its start waits for them (late data)."""
    from kpi_helpers.compute.asof import LAST_COMPLETE, AsOfError, cut_facts, resolve_as_of
    from kpi_helpers.data.sources import covered_until, covers_any_day

    if facts.empty:
        return []
    try:
        day = resolve_as_of(facts, config.grain, as_of if as_of is not None else LAST_COMPLETE)
        cut = cut_facts(facts, day, where="--as-of" if as_of is not None else "")
    except AsOfError as error:
        return [f"data: {error}"]
    if day is None:
        return []
    catalog = config.catalog
    problems = []
    for i, goal in enumerate(config.goals):
        measures = sorted(catalog[goal.kpi].measures) if goal.kpi in catalog else []
        if goal.start > day or not measures or not set(measures) <= set(cut.columns):
            continue  # not started yet; goal-level KPIs and missing measures are reported elsewhere
        end = min(goal.deadline, day)
        dates = cut.loc[cut[measures].notna().any(axis=1), "date"]
        last = covered_until(dates)
        if last is not None and last < pd.Timestamp(goal.start):
            continue  # the data end before the window: late data, the goal waits for it (not_started)
        if not covers_any_day(dates, goal.start, end):
            problems.append(
                f"goals[{i}]: the goal window began on {goal.start.isoformat()}, but the data have no row for "
                f"'{goal.kpi}' from then to {end.isoformat()} (the report date is {day.isoformat()}), so the goal "
                f"cannot be judged; add the data for that period, move `start`, or choose another --as-of"
            )
    return problems


def params_files_for(params_dir: str | Path, clients: list[str] | None = None) -> list[Path]:
    """The params files of a folder, or of the named clients (the id is the file name); raises
    when there are none or a named client has no file."""
    files = find_params_files(params_dir)
    if not files:
        raise KpiWorkbookError(f"{params_dir}: no params files (*.yaml) found")
    if clients:  # the id is the exact file name: `acme` never selects Acme.yaml or "acme\n.yaml"
        unknown = sorted(set(clients) - {f.stem for f in files})
        if unknown:
            shown = ", ".join(excerpt(c, 40) if not re.fullmatch(CLIENT_ID_PATTERN, c) else c for c in unknown)
            raise KpiWorkbookError(f"{params_dir}: no params file for client(s) {shown}")
        files = [f for f in files if f.stem in clients]
    return files


def skipped_notices(params_dir: str | Path) -> list[str]:
    """'params/_acme.yaml: skipped: ...' for every file that looks like a params file but is not read."""
    from kpi_helpers.spec.params import skipped_params_files

    return [f"{excerpt(str(path), 120)[1:-1]}: {why}" for path, why in skipped_params_files(params_dir)]


def check_files(
    files: list[Path], map_checks: Callable[..., Iterable[ClientCheck]] = map, as_of: str | dt.date | None = None
) -> list[ClientCheck]:
    """`check_client` for each file on the report date `as_of` (`map_checks` may spread them over
    processes: the batch's workers); flags duplicate client ids."""
    checks = list(map_checks(partial(check_client, as_of=as_of), files))
    seen: dict[str, Path] = {}
    for check in checks:
        if check.config:
            if check.client in seen:
                check.errors.append(f"{check.file}: client: id '{check.client}' is also used by {seen[check.client]}")
            seen.setdefault(check.client, check.file)
    return checks


def check_folder(
    params_dir: str | Path, clients: list[str] | None = None, as_of: str | dt.date | None = None
) -> list[ClientCheck]:
    """Check every params file in a folder (or the named clients' only) on the report date `as_of`."""
    return check_files(params_files_for(params_dir, clients), as_of=as_of)


def validate_folder(
    params_dir: str | Path, clients: list[str] | None = None, as_of: str | dt.date | None = None
) -> tuple[list[str], int]:
    """One line per problem (errors first, then warnings prefixed 'warning: '), and the file count."""
    checks = check_folder(params_dir, clients, as_of)
    lines = [e for c in checks for e in c.errors] + [f"warning: {w}" for c in checks for w in c.warnings]
    return lines + [f"warning: {notice}" for notice in skipped_notices(params_dir)], len(checks)


def new_client(
    name: str, params_dir: str | Path = "params", display_name: str | None = None, force: bool = False
) -> Path:
    """Write `params/<name>.yaml` from the commented template; refuses to overwrite unless forced."""
    if not re.fullmatch(CLIENT_ID_PATTERN, name):
        raise KpiWorkbookError(f"'{name}' is not a valid client id: use lowercase letters, digits, '-' and '_' only")
    folder = Path(params_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    if path.exists() and not force:
        raise KpiWorkbookError(f"{path} already exists (use --force to overwrite)")
    template = resources.files("kpi_helpers").joinpath("templates/client.yaml").read_text(encoding="utf-8")
    title = display_name or name.replace("-", " ").replace("_", " ").title()
    path.write_text(template.format(client=name, name=_yaml_string(title)), encoding="utf-8")
    load_params(path)  # the template must always produce a valid file
    client_data_folder(path, name).mkdir(parents=True, exist_ok=True)
    return path


def client_data_folder(params_file: str | Path, client: str) -> Path:
    """`data/<client>/` (or `<data_root>/<client>/`): the only folder this client's `source` may name."""
    from kpi_helpers.spec.agency import client_data_dir

    return client_data_dir(params_file, client)


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def kpi_table_for_client(params_file: str | Path, grain: str | None = None, by: str | None = None) -> pd.DataFrame:
    """The tidy KPI table of one client's selected KPIs at `grain` (default: the client's own):
    period, dimension, kpi, value, unit, `complete` (the data covers the whole period; a partial
    period is not comparable with a whole one) and `note` (why a value is not available).
    Periods before `period.start` are history and not listed."""
    from kpi_helpers.compute.engine import compute_kpis, period_start, unavailable_reason
    from kpi_helpers.data.load import load_facts
    from kpi_helpers.data.sources import mask_unjoinable

    config = load_params(params_file)
    grain = grain or config.grain
    with use_catalog(config.client_catalog):
        facts = load_facts(config)
        table = compute_kpis(facts, config.all_kpis, grain=grain, by=by, catalog=config.catalog)
        notes = {
            (kid, empty): unavailable_reason(table, kid, config.language, config.catalog, no_data=empty)
            for kid in table["kpi"].unique()
            for empty in (True, False)
        }
    start = getattr(config.period, "start", None) if config.period else None
    if start is not None:
        table = table[table["period"] >= pd.Timestamp(period_start([pd.Timestamp(start)], grain)[0])]
    table = table.assign(complete=table["coverage"] == "complete")
    keep = ["period"] + ([by] if by else []) + ["kpi", "value", "unit", "complete"]
    # ratios whose terms come from sources with other dimension values: empty per dimension, with the reason
    masked = mask_unjoinable(table[keep], facts, by).reset_index(drop=True)
    empty = table["coverage"] == "empty"  # a period without data says so; other blanks say their own reason
    own = pd.Series(
        [notes.get((k, e)) or "" if not ok else "" for k, ok, e in zip(table["kpi"], table["available"], empty)]
    )
    masked["note"] = masked["note"].where(masked["note"] != "", own) if "note" in masked else own
    return masked


__all__ = [
    "ClientCheck",
    "as_of_problems",
    "check_client",
    "check_files",
    "check_folder",
    "params_files_for",
    "validate_folder",
    "new_client",
    "kpi_table_for_client",
    "DataValidationError",
]
