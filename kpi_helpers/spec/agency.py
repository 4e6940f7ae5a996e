"""Trust between clients: where each client's data lives, and the limits on what is read.

Params files are written by people at the agency and data files come from clients, so neither
is trusted (see docs/architecture.md, trust). This module decides, before a byte of
a client's file is read:

* **Where a client's data lives.** Client `<id>` (= its params file's name, `params/<id>.yaml`)
  reads only from its own folder `<data_root>/<id>/`. `data_root` is `data/` next to the params
  folder unless the agency sets it once: `data_root:` in `params/_agency.yaml` (relative to the
  params folder) or `--data-root` on the command line (the `KPI_WORKBOOK_DATA_ROOT` environment
  variable, so the batch's kernels see the same setting). Order: `--data-root`, then the variable
  (also when set by hand), then `_agency.yaml`, then `data/` (documented in README.md).
* **Which paths are refused** (`check_source`): absolute paths, `~` and any `..`; when the file is
  opened (kpi_helpers.data.safe_open, once, read through that descriptor): a symlinked client folder,
  any symlink inside it, anything that is not a regular file (device, FIFO, socket), a file with
  hard links, and a file over `limits.data_bytes`. The message names the source as written and the
  rule, never the file's content.
* **Limits**: params file size, YAML nesting depth, data file bytes and rows. Defaults below;
  an agency changes them in `params/_agency.yaml`:

      data_root: ../klantdata        # optional
      limits: {params_bytes: 262144, data_bytes: 200000000, data_rows: 3000000}

* **Branding** (`agency_branding`), all optional: the agency's name, a logo file inside the
  params folder (png, jpg or svg; kpi_helpers.run.branding embeds it), two colours and the
  language of the portfolio overview:

      name: Bureau Noord
      logo: logo.png
      colors: {primary: "#1b5e20", accent: "#ff8f00"}
      language: nl

* **Dashboard host names** (`agency_serve_hosts`): the names `kpi-workbook serve` may be reached at
  besides localhost/127.0.0.1/[::1] (every other Host header is refused: DNS rebinding):

      serve_hosts: [dashboards.bureau-noord.lan]
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kpi_helpers.exceptions import DataProblem, ParamsError
from kpi_helpers.spec.safeyaml import excerpt

AGENCY_FILE = "_agency.yaml"
DATA_ROOT_ENV = "KPI_WORKBOOK_DATA_ROOT"
DEFAULT_DATA_FOLDER = "data"  # <params folder>/../data
AGENCY_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps on what one client may make the tool read (configurable per agency)."""

    params_bytes: int = 256 * 1024
    yaml_depth: int = 40
    data_bytes: int = 200_000_000
    data_rows: int = 3_000_000
    read_seconds: int = 300  # one source read (parse, validate) longer than this is given up for that client


DEFAULT_LIMITS = Limits()
_ACTIVE: contextvars.ContextVar[Limits] = contextvars.ContextVar("kpi_limits", default=DEFAULT_LIMITS)


@dataclass(frozen=True)
class AgencySettings:
    params_dir: Path
    data_root: Path
    limits: Limits = DEFAULT_LIMITS
    source: str = "default"  # where data_root came from: default | _agency.yaml | --data-root


def set_data_root(path: str | Path | None) -> None:
    """`--data-root`: one data root for this process and the kernels it starts."""
    if path is None:
        os.environ.pop(DATA_ROOT_ENV, None)
    else:
        os.environ[DATA_ROOT_ENV] = str(Path(path).expanduser().resolve())


def agency_settings(params_dir: str | Path) -> AgencySettings:
    """The data root and limits for the params files in `params_dir` (raises ParamsError for a bad _agency.yaml)."""
    folder = Path(params_dir).expanduser().absolute()
    limits, root, source = DEFAULT_LIMITS, folder.parent / DEFAULT_DATA_FOLDER, "default"
    agency_file = folder / AGENCY_FILE
    if agency_file.exists():
        raw = _read_agency_file(agency_file)
        if raw.get("data_root"):
            root, source = folder / Path(str(raw["data_root"])).expanduser(), AGENCY_FILE
        limits = _limits_from(raw.get("limits") or {}, agency_file)
    env = os.environ.get(DATA_ROOT_ENV)
    if env:
        root, source = Path(env), "--data-root"
    return AgencySettings(params_dir=folder, data_root=Path(os.path.normpath(root)), limits=limits, source=source)


def _read_agency_file(path: Path) -> dict[str, Any]:
    from kpi_helpers.spec.safeyaml import load_yaml_file

    raw = load_yaml_file(path, max_bytes=AGENCY_FILE_BYTES, max_depth=DEFAULT_LIMITS.yaml_depth)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ParamsError(str(path), [("", "expected a mapping (data_root:, limits:)")])
    unknown = sorted(set(map(str, raw)) - set(AGENCY_FIELDS))
    if unknown:
        raise ParamsError(str(path), [(k, f"is not a known field (use {', '.join(AGENCY_FIELDS)})") for k in unknown])
    return raw


# ---------------------------------------------------------------- branding

AGENCY_FIELDS = ("data_root", "limits", "name", "logo", "colors", "language", "serve_hosts")
COLOR_FIELDS = ("primary", "accent")
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")
NAME_CHARS = 120
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


@dataclass(frozen=True)
class Branding:
    """The agency's look from `params/_agency.yaml`; every field optional. Strings are plain text
    (escaped wherever they are shown); colours are checked hex; the logo is a checked path."""

    name: str | None = None
    logo: Path | None = None  # inside the params folder, one of LOGO_SUFFIXES (content checked when embedded)
    primary: str | None = None
    accent: str | None = None
    language: str | None = None
    source: Path | None = None  # the agency file, for messages


def agency_branding(params_dir: str | Path) -> Branding:
    """Name, logo, colours and index language from `<params_dir>/_agency.yaml` (empty without the file).

    Raises ParamsError naming the file and the field for anything wrong."""
    from kpi_helpers.spec.vocab import LANGUAGES

    folder = Path(params_dir).expanduser().absolute()
    path = folder / AGENCY_FILE
    if not path.exists():
        return Branding()
    raw = _read_agency_file(path)
    problems: list[tuple[str, str]] = []
    name = raw.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > NAME_CHARS):
        problems.append(("name", f"expected the agency's name as text of at most {NAME_CHARS} characters"))
        name = None
    colors: dict[str, str] = {}
    given = raw.get("colors")
    if given is not None and not isinstance(given, dict):
        problems.append(("colors", 'expected a mapping, e.g. {primary: "#1b5e20", accent: "#ff8f00"}'))
    for key, value in (given or {}).items() if isinstance(given, dict) else []:
        if key not in COLOR_FIELDS:
            problems.append((f"colors.{key}", f"is not a known colour (use {', '.join(COLOR_FIELDS)})"))
        elif not isinstance(value, str) or not _HEX.match(value):
            problems.append((f"colors.{key}", f'{short(value, 40)!r} is not a hex colour like "#1b5e20"'))
        else:
            colors[str(key)] = value.lower()
    language = raw.get("language")
    if language is not None and language not in [str(x) for x in LANGUAGES]:
        problems.append(("language", f"{short(language, 20)!r} is not one of {', '.join(map(str, LANGUAGES))}"))
        language = None
    logo = None
    if raw.get("logo") is not None:
        logo, why = _logo_path(raw["logo"], folder)
        if why:
            problems.append(("logo", why))
    if problems:
        raise ParamsError(str(path), problems)
    return Branding(
        name=" ".join(name.split()) if name else None,
        logo=logo,
        primary=colors.get("primary"),
        accent=colors.get("accent"),
        language=str(language) if language else None,
        source=path,
    )


_HOST_NAME = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")


def agency_serve_hosts(params_dir: str | Path) -> tuple[str, ...]:
    """`serve_hosts` from `<params_dir>/_agency.yaml`: host names (or IP addresses) the dashboards may
    be reached at besides the local ones; () without the file. Raises ParamsError naming the entry."""
    import ipaddress

    path = Path(params_dir).expanduser().absolute() / AGENCY_FILE
    if not path.exists():
        return ()
    given = _read_agency_file(path).get("serve_hosts")
    if given is None:
        return ()
    if not isinstance(given, list):
        raise ParamsError(str(path), [("serve_hosts", "expected a list of host names, e.g. [dashboards.agency.lan]")])
    hosts, problems = [], []
    for index, host in enumerate(given):
        name = host.strip().lower() if isinstance(host, str) else ""
        try:
            ok = bool(ipaddress.ip_address(name.strip("[]")))
        except ValueError:
            ok = bool(_HOST_NAME.match(name)) and len(name) <= 253
        if ok:
            hosts.append(name)
        else:
            problems.append((f"serve_hosts[{index}]", f"{excerpt(host, 60)} is not a host name or IP address"))
    if problems:
        raise ParamsError(str(path), problems)
    return tuple(hosts)


def _logo_path(value: Any, folder: Path) -> tuple[Path | None, str | None]:
    """The logo's path when it is a png/jpg/svg file inside the params folder, else the reason."""
    if not isinstance(value, str) or not value.strip():
        return None, "expected a file name inside the params folder, e.g. logo.png"
    shown = short(value, 80)
    path = Path(value)
    if value.startswith("~") or path.is_absolute() or ".." in path.parts:
        return None, f"{shown!r}: the logo must be a file inside the params folder {folder} (no absolute path, no '..')"
    if path.suffix.lower() not in LOGO_SUFFIXES:
        return None, f"{shown!r}: only {', '.join(LOGO_SUFFIXES)} logos are allowed"
    candidate = folder / path
    try:
        real = candidate.resolve(strict=True)
    except FileNotFoundError:
        return None, f"{shown!r}: file not found in {folder}"
    except (OSError, RuntimeError):
        return None, f"{shown!r}: the path cannot be resolved"
    if folder.resolve() not in real.parents:
        return None, f"{shown!r}: leads outside the params folder (a symlink pointing out)"
    if not real.is_file():
        return None, f"{shown!r}: is not a regular file"
    return real, None


def _limits_from(raw: Any, path: Path) -> Limits:
    if not isinstance(raw, dict):
        raise ParamsError(str(path), [("limits", "expected a mapping, e.g. {data_rows: 3000000}")])
    known = {"params_bytes", "yaml_depth", "data_bytes", "data_rows", "read_seconds"}
    problems = []
    values: dict[str, int] = {}
    for key, value in raw.items():
        if key not in known:
            problems.append((f"limits.{key}", f"is not a known limit (use {', '.join(sorted(known))})"))
        elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.append((f"limits.{key}", f"{excerpt(value, 40)} is not a positive whole number"))
        else:
            values[key] = value
    if problems:
        raise ParamsError(str(path), problems)
    return replace(DEFAULT_LIMITS, **values)


def client_data_dir(params_file: str | Path, client: str) -> Path:
    """`<data_root>/<client>/` for the params file's folder."""
    return agency_settings(Path(params_file).expanduser().absolute().parent).data_root / client


# ---------------------------------------------------------------- limits while reading


@contextlib.contextmanager
def active_limits(limits: Limits) -> Iterator[None]:
    """Make `limits` the ones the readers enforce (row cap) for the duration of the block."""
    token = _ACTIVE.set(limits)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def current_limits() -> Limits:
    return _ACTIVE.get()


def row_cap_problem(file: str, rows: int) -> DataProblem | None:
    """A clear error when a data file has more rows than allowed (the reader read at most cap + 1)."""
    cap = current_limits().data_rows
    if rows <= cap:
        return None
    return DataProblem(
        file,
        None,
        f"the file has more than {cap:,} data rows (limit `limits.data_rows` in "
        f"params/{AGENCY_FILE}); split it or raise the limit",
    )


# ---------------------------------------------------------------- confinement


def short(text: Any, limit: int = 80) -> str:
    """A value from a user's file, cut to `limit` characters for a message (a list: its bounded repr)."""
    text = text if isinstance(text, str) else excerpt(text, limit)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_source(source: str, data_dir: Path, limits: Limits = DEFAULT_LIMITS) -> DataProblem | None:
    """None when `source` names a path inside `data_dir` (absolute paths, `~` and `..` are refused).

    Otherwise the reason, naming the source as written and the rule; nothing of the file is read.
    Symlinks, special files, hard links and the size are checked on the one descriptor the reader
    opens (kpi_helpers.data.safe_open), so no check here can be raced by a swapped file.
    """
    label = short(source, 120)
    folder = _shown(data_dir)
    rule = f"a client's data files live in its own folder {folder}/ and `source` is a name inside it"

    def refuse(why: str) -> DataProblem:
        return DataProblem(label, None, f"refused: {why} ({rule})")

    path = Path(source)
    if source.startswith("~") or path.is_absolute() or (os.name == "nt" and path.drive):
        return refuse("an absolute path is not allowed")
    if ".." in path.parts:
        return refuse("'..' leads out of the client's data folder")
    return None


def _shown(path: Path) -> str:
    """The folder as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
