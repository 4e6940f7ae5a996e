"""A client's facts loaded once per batch kernel, shared by its three notebooks and its summary.

The batch (kpi_helpers.run.batch) runs a client's notebooks one after the other on ONE kernel,
with `%reset -f` between them: the user namespace is emptied, but imported modules stay, so a
module-level cache survives. Reading and validating the client's data files is the same work
each time; this keeps the result of the first load.

Safe by construction:

* only in batch kernels (environment ``KPI_WORKBOOK_BATCH=1``, set by the batch when it starts a
  kernel): a person in JupyterLab who edits a data file and re-runs a cell always gets a fresh load;
* keyed by the params file (resolved path, modification time, size), the whole validated config
  (so an override such as an as-of date or a period gives another key) and the modification time
  and size of every data file the config names: a changed input is a miss;
* one entry: a kernel works on one client;
* every caller gets its own shallow copy (pandas copy-on-write: changing it never changes the
  cached frame; `attrs` are copied too).
"""

from __future__ import annotations

import copy
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

BATCH_ENV = "KPI_WORKBOOK_BATCH"
T = TypeVar("T")

_FACTS: dict[tuple[Any, ...], pd.DataFrame] = {}
_RESULTS: dict[tuple[Any, ...], Any] = {}  # results computed from those facts (findings), same lifetime
_STATS = {"hits": 0, "misses": 0}


def enabled() -> bool:
    """True in a kernel started by the batch (the only place the cache is used)."""
    return os.environ.get(BATCH_ENV) == "1"


def _stat(path: Path) -> tuple[str, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (str(path), info.st_mtime_ns, info.st_size)


def facts_key(config: Any) -> tuple[Any, ...] | None:
    """What the facts of `config` depend on; None when it cannot be told (a config built in code)."""
    source_file = getattr(config, "source_file", None)
    if not source_file:
        return None
    params = _stat(Path(source_file).resolve())
    if params is None:
        return None
    dump = config.model_dump_json() if hasattr(config, "model_dump_json") else repr(config)
    base = Path(getattr(config, "base_dir", None) or Path(source_file).parent)  # where the readers look
    sources = getattr(config, "data", None) or []
    files = []
    for source in sources if isinstance(sources, (list, tuple)) else [sources]:
        name = str(getattr(source, "source", None) or (source.get("source") if isinstance(source, dict) else source))
        files.append(None if name.startswith("demo:") else _stat(base / name))
    return (params, hashlib.sha256(dump.encode("utf-8")).hexdigest(), tuple(files))


def cached_facts(config: Any, load: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """`load()` the first time for this config in a batch kernel, a copy of that result after."""
    key = facts_key(config) if enabled() else None
    if key is None:
        return load()
    facts = _FACTS.get(key)
    if facts is None:
        _STATS["misses"] += 1
        facts = load()  # an error (bad data) is raised as always and nothing is kept
        _FACTS.clear()
        _RESULTS.clear()
        _FACTS[key] = facts
    else:
        _STATS["hits"] += 1
    return facts.copy(deep=False)


def cached_result(config: Any, name: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """`compute()` once per batch kernel for `config`'s facts and `name` (e.g. the findings, which
    notebook 03 and the summary both need); a deep copy each time, so no caller changes another's."""
    key = facts_key(config) if enabled() and config is not None else None
    if key is None:
        return compute()
    full = (*key, *name)
    if full not in _RESULTS:
        if len(_RESULTS) > 16:
            _RESULTS.clear()
        _RESULTS[full] = compute()
    return copy.deepcopy(_RESULTS[full])


def cache_stats() -> dict[str, int]:
    """Hits and misses in this process (for tests and the benchmark)."""
    return dict(_STATS)


def clear() -> None:
    _FACTS.clear()
    _RESULTS.clear()
    _STATS.update(hits=0, misses=0)
