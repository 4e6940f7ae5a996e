"""Driver trees: a KPI as the product of its drivers, the split of a change over the drivers
and what-if scenarios.

revenue = orders × average_order_value = customers × revenue_per_customer
        = sessions × conversion_rate × average_order_value = ad_spend × roas.

:func:`decompose_change` splits the change of a KPI between two windows over its drivers so
the contributions add up to the total change (LMDI, the log-mean Divisia index, when every
driver is positive in both windows; otherwise the symmetric Shapley split, which handles
zeros). Drivers are computed with :func:`kpi_helpers.compute.engine.compute_kpis` (sums first,
ratios last), so the product of the drivers is the KPI itself; we check that.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from kpi_helpers.compute.chains import DRIVER_TREES  # the one source of the shared driver trees
from kpi_helpers.compute.engine import CatalogLike, compute_kpis, get_kpi
from kpi_helpers.exceptions import GoalError, KpiWorkbookError

_REL_TOL = 1e-9


def _goal_get(goal: Any, name: str) -> Any:
    return goal[name] if isinstance(goal, Mapping) else getattr(goal, name)


def default_drivers(kpi: str) -> tuple[str, ...]:
    """The first driver set of ``kpi`` in DRIVER_TREES."""
    try:
        return tuple(DRIVER_TREES[kpi][0])
    except (KeyError, IndexError):
        raise KpiWorkbookError(f"No driver tree for KPI '{kpi}': pass drivers=(...) explicitly.") from None


def window_values(
    facts: pd.DataFrame, kpis: Sequence[str], window: Any, catalog: CatalogLike = None
) -> dict[str, float]:
    """Each KPI's value over one window (``(start, end)`` or e.g. '2024Q1')."""
    table = compute_kpis(facts, list(dict.fromkeys(kpis)), grain=None, catalog=catalog, period=window)
    values = dict(zip(table["kpi"], table["value"].astype(float)))
    return {k: values.get(k, math.nan) for k in kpis}


def _shapley(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Symmetric Shapley split of prod(b) - prod(a) over the factors (exact telescoping)."""
    n = len(a)
    out = np.zeros(n)
    for i in range(n):
        others = [j for j in range(n) if j != i]
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for subset in combinations(others, size):
                x = a.copy()
                x[list(subset)] = b[list(subset)]
                without = np.prod(x)
                x[i] = b[i]
                out[i] += weight * (np.prod(x) - without)
    return out


def _lmdi(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Additive LMDI-I: L(Y_b, Y_a) × ln(x_b / x_a); requires positive factors."""
    logs = np.log(b) - np.log(a)
    ya, yb, dlog = float(np.prod(a)), float(np.prod(b)), float(logs.sum())
    weight = ya if dlog == 0 or math.isclose(ya, yb, rel_tol=1e-15) else (yb - ya) / dlog
    return weight * logs


def split_change(
    a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, method: str = "auto"
) -> tuple[np.ndarray, str]:
    """Contributions of each factor to prod(b) - prod(a), and the method used."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if np.isnan(a).any() or np.isnan(b).any():
        raise GoalError("Cannot split the change: a driver is not available in one of the periods.")
    if method == "auto":
        positive = (a > 0).all() and (b > 0).all() and np.prod(a) > 0 and np.prod(b) > 0
        method = "lmdi" if positive else "shapley"
    if method == "lmdi":
        parts = _lmdi(a, b)
    elif method == "shapley":
        parts = _shapley(a, b)
    else:
        raise KpiWorkbookError("method must be 'auto', 'lmdi' or 'shapley'.")
    # put the last float rounding residual on the largest part so the sum is the change
    residual = (np.prod(b) - np.prod(a)) - parts.sum()
    parts[int(np.argmax(np.abs(parts)))] += residual
    return parts, method


def decompose_change(
    facts: pd.DataFrame,
    kpi: str,
    drivers: Sequence[str] | None,
    period_a: Any,
    period_b: Any,
    catalog: Any = None,
    method: str = "auto",
) -> pd.DataFrame:
    """How much each driver contributed to the change of ``kpi`` from ``period_a`` to
    ``period_b`` (each ``(start, end)`` or a period string like '2024Q1').

    One row per driver (``role='driver'``) plus a ``role='total'`` row for the KPI. Columns:
    role, kpi, value_a, value_b, abs_change, rel_change, contribution (same unit as the KPI;
    driver contributions add up to the total change), share (of the total change).
    Raises GoalError when the drivers do not multiply to the KPI or a value is missing.
    """
    drivers = tuple(drivers) if drivers else default_drivers(kpi)
    va = window_values(facts, [kpi, *drivers], period_a, catalog)
    vb = window_values(facts, [kpi, *drivers], period_b, catalog)
    a = np.array([va[d] for d in drivers])
    b = np.array([vb[d] for d in drivers])
    for vals, label in ((va, period_a), (vb, period_b)):
        prod = float(np.prod([vals[d] for d in drivers]))
        if math.isnan(vals[kpi]) or not math.isclose(prod, vals[kpi], rel_tol=1e-6, abs_tol=1e-9):
            raise GoalError(
                f"{' × '.join(drivers)} = {prod:g} does not equal {kpi} = {vals[kpi]:g} in {label}: "
                "not a driver tree of this KPI (or a value is not available)."
            )
    parts, used = split_change(a, b, method)
    total = float(np.prod(b) - np.prod(a))
    rows = pd.DataFrame(
        {
            "role": ["driver"] * len(drivers) + ["total"],
            "kpi": [*drivers, kpi],
            "value_a": [*a, np.prod(a)],
            "value_b": [*b, np.prod(b)],
        }
    )
    rows["abs_change"] = rows["value_b"] - rows["value_a"]
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["rel_change"] = np.where(rows["value_a"] != 0, rows["abs_change"] / rows["value_a"].abs(), np.nan)
        rows["contribution"] = [*parts, total]
        rows["share"] = rows["contribution"] / total if total != 0 else np.nan
    rows.attrs.update(method=used, kpi=kpi, period_a=period_a, period_b=period_b)
    return rows


@dataclass
class WhatIf:
    """Outcome of a what-if scenario on a driver tree. Percentages are percent points (5 = +5 %)."""

    kpi: str
    drivers: tuple[str, ...]
    base_value: float
    new_value: float
    change_abs: float
    change_pct: float
    new_drivers: dict[str, float] = field(default_factory=dict)
    target: float | None = None
    meets_goal: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def what_if(
    base: Mapping[str, float],
    changes_pct: Mapping[str, float],
    kpi: str = "revenue",
    drivers: Sequence[str] = ("customers", "revenue_per_customer"),
    goal: Any = None,
    catalog: Any = None,
) -> WhatIf:
    """The KPI after changing drivers by ``changes_pct`` (percent points: 5 = +5 %).

    ``base`` holds the drivers' current values (e.g. from :func:`drivers_for_goal`). With a
    ``goal``, ``meets_goal`` compares the new value with ``goal.target`` in the KPI's good
    direction. Example: customers +5 % and revenue_per_customer +5 % → revenue +10.25 %.
    """
    drivers = tuple(drivers)
    lacking = [d for d in drivers if d not in base]
    if lacking:
        raise KpiWorkbookError(f"what_if needs a base value for {', '.join(lacking)}.")
    unknown = [d for d in changes_pct if d not in drivers]
    if unknown:
        raise KpiWorkbookError(f"{', '.join(unknown)} is not a driver of {kpi} here (drivers: {', '.join(drivers)}).")
    new = {d: float(base[d]) * (1 + float(changes_pct.get(d, 0.0)) / 100) for d in drivers}
    base_value = float(np.prod([float(base[d]) for d in drivers]))
    new_value = float(np.prod(list(new.values())))
    change_pct = (new_value / base_value - 1) * 100 if base_value else math.nan
    target = meets = None
    if goal is not None:
        target = float(_goal_get(goal, "target"))
        try:
            lower = get_kpi(_goal_get(goal, "kpi") or kpi, catalog).direction == "lower"
        except KpiWorkbookError:
            lower = False
        meets = bool(new_value <= target if lower else new_value >= target)
    return WhatIf(kpi, drivers, base_value, new_value, new_value - base_value, change_pct, new, target, meets)


def baseline_window(goal: Any, baseline: str = "previous") -> tuple[pd.Timestamp, pd.Timestamp]:
    """The comparison window of a goal: the equally long window right before ``start``
    ('previous') or the goal window one year earlier ('last_year')."""
    start, end = pd.Timestamp(_goal_get(goal, "start")), pd.Timestamp(_goal_get(goal, "deadline"))
    if baseline == "previous":
        length = end - start + pd.Timedelta(days=1)
        return start - length, start - pd.Timedelta(days=1)
    if baseline == "last_year":
        return start - pd.DateOffset(years=1), end - pd.DateOffset(years=1)
    raise KpiWorkbookError("baseline must be 'previous' or 'last_year'.")


def drivers_for_goal(
    facts: pd.DataFrame,
    goal: Any,
    drivers: Sequence[str] | None = None,
    catalog: Any = None,
    baseline: str = "previous",
) -> dict[str, float]:
    """The goal KPI and its drivers over the goal's baseline window (see
    :func:`baseline_window`): the ``base`` for :func:`what_if`."""
    kpi = _goal_get(goal, "kpi")
    drivers = tuple(drivers) if drivers else default_drivers(kpi)
    return window_values(facts, [kpi, *drivers], baseline_window(goal, baseline), catalog)
