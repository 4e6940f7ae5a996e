"""Goal chains: linked goals (profit <- revenue <- visitors) and the driver trees behind them.

`DRIVER_TREES` lists, per KPI, the multiplicative factorisations that reproduce it exactly over
the same window (revenue = orders x average order value, ...). `check_chain` checks a set of goals
linked through `parent`: ids, parents, cycles, deadlines, and whether children that are drivers
of their parent's KPI deliver the parent's required change. `goal_tree` orders goals for display.

Goals and their SMART check are in `kpi_helpers.spec.goals`; this module builds on them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from kpi_helpers.i18n.messages import per_language
from kpi_helpers.spec.goals import GOAL_LEVEL_KPIS, Goal, Text, fmt_date, get_catalog, kpi_info, pct0
from kpi_helpers.spec.vocab import LANGUAGES

# Multiplicative driver trees: KPI -> alternative factorisations (product of the factors, each
# over the same window, equals the KPI exactly). Used by check_chain and by the engine.
DRIVER_TREES: dict[str, list[tuple[str, ...]]] = {
    "profit": [("revenue", "profit_margin")],
    "gross_profit": [("revenue", "gross_margin")],
    "revenue": [
        ("orders", "average_order_value"),
        ("customers", "revenue_per_customer"),
        ("sessions", "revenue_per_visit"),
        ("sessions", "conversion_rate", "average_order_value"),
        ("accounts_created", "revenue_per_account"),
    ],
    "orders": [("sessions", "conversion_rate"), ("customers", "sales_per_customer")],
    "revenue_per_visit": [("conversion_rate", "average_order_value")],
    "new_customers": [("leads", "lead_to_customer_rate")],
    "quotes": [("intro_calls", "quotes_per_intro_call")],
}


@dataclass(frozen=True)
class ChainFinding:
    code: str  # unknown_parent | cycle | duplicate_id | deadline_after_parent | unknown_kpi | short | other_drivers | no_baseline | not_a_driver
    goal_id: str
    message: Text
    severity: str  # 'error' | 'warning' | 'info'


def _decompositions(kpi: str, _seen: frozenset[str] = frozenset()) -> list[tuple[str, ...]]:
    """All factorisations of `kpi`, with factors expanded through DRIVER_TREES (sessions×conversion×AOV)."""
    out: list[tuple[str, ...]] = []
    for factors in DRIVER_TREES.get(kpi, []):
        options: list[tuple[str, ...]] = [()]
        for f in factors:
            alts = [(f,)] + ([] if f in _seen | {kpi} else _decompositions(f, _seen | {kpi}))
            options = [o + a for o in options for a in alts]
        for o in options:
            if len(set(o)) == len(o) and tuple(sorted(o)) not in {tuple(sorted(x)) for x in out}:
                out.append(o)
    return out


def driver_factorisations(kpi: str) -> list[tuple[str, ...]]:
    """Public view of the expanded driver trees of a KPI (used by the engine and charts)."""
    return _decompositions(kpi)


def _label_of(kpi: str, catalog: Any, lang: str) -> str:
    """Label for use mid-sentence: 'Omzet' -> 'omzet', but 'CSAT' stays."""
    label = kpi_info(kpi, catalog).label(lang)
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def check_chain(goals: list[Goal], *, catalog: Any = None) -> list[ChainFinding]:
    """Check a set of linked goals (via `parent`): ids, parents, cycles, deadlines, and whether
    children that are multiplicative drivers of their parent's KPI deliver its required change.

    Relative changes are compared as they stand, also when parent and child windows differ.
    Each factor is taken from the first child goal naming that KPI.
    """
    cat = get_catalog(catalog)
    out: list[ChainFinding] = []
    by_id: dict[str, Goal] = {}
    for g in goals:
        if g.id in by_id:
            out.append(
                ChainFinding(
                    "duplicate_id",
                    g.id or "",
                    per_language("chains.duplicate_id", goal=g.id),
                    "error",
                )
            )
        else:
            by_id[g.id or ""] = g
    for g in goals:
        k = g.kpi.strip()
        if k not in cat and k not in GOAL_LEVEL_KPIS:
            out.append(
                ChainFinding(
                    "unknown_kpi",
                    g.id or "",
                    per_language("chains.unknown_kpi", goal=g.id, kpi=k, goal_level=", ".join(GOAL_LEVEL_KPIS)),
                    "warning",
                )
            )
        if g.parent and g.parent not in by_id:
            out.append(
                ChainFinding(
                    "unknown_parent",
                    g.id or "",
                    per_language("chains.unknown_parent", goal=g.id, parent=g.parent),
                    "error",
                )
            )
    # cycles: follow parent links; every goal has at most one parent
    reported: set[str] = set()
    for gid in by_id:
        path, cur = [], gid
        while cur in by_id and cur not in path:
            path.append(cur)
            cur = by_id[cur].parent or ""
        if cur in path:
            cycle = path[path.index(cur) :]
            if not reported & set(cycle):
                reported |= set(cycle)
                ring = " → ".join(cycle + [cur])
                out.append(
                    ChainFinding(
                        "cycle",
                        min(cycle),
                        per_language("chains.cycle", ring=ring),
                        "error",
                    )
                )
    for g in by_id.values():
        p = by_id.get(g.parent or "")
        if p is not None and p is not g and g.deadline > p.deadline:
            out.append(
                ChainFinding(
                    "deadline_after_parent",
                    g.id or "",
                    per_language(
                        "chains.ends_after_parent",
                        goal=g.id,
                        deadline={lang: fmt_date(g.deadline, lang) for lang in LANGUAGES},
                        parent=p.id,
                        parent_deadline={lang: fmt_date(p.deadline, lang) for lang in LANGUAGES},
                    ),
                    "warning",
                )
            )
    for p in by_id.values():
        if p.id not in reported:
            out.extend(_check_decomposition(p, [g for g in by_id.values() if g.parent == p.id and g is not p], cat))
    return out


def _check_decomposition(parent: Goal, children: list[Goal], cat: Any) -> list[ChainFinding]:
    pk = parent.kpi.strip()
    children = [c for c in children if c.kpi.strip() != pk]  # same KPI: a split (by channel...), not a factor
    if not children:
        return []
    out: list[ChainFinding] = []
    options = _decompositions(pk)
    kids = {c.kpi.strip(): c for c in reversed(children)}  # first child per KPI wins
    for c in children:
        if not any(c.kpi.strip() in o for o in options):
            out.append(
                ChainFinding(
                    "not_a_driver",
                    c.id or "",
                    per_language("chains.unknown_driver", kpi=c.kpi, goal=c.id, parent_kpi=pk),
                    "info",
                )
            )
    scored = [(sum(f in kids for f in o), 0, o) for o in options]
    scored = [s for s in scored if s[0] > 0]
    if not scored:
        return out
    # most children covered; then complete factorisations; then the most detailed one
    _, _, best = max(scored, key=lambda s: (s[0], s[0] == len(s[2]), len(s[2])))
    used = [kids[f] for f in best if f in kids]
    missing = [g for g in [parent, *used] if g.required_change is None]
    if missing:
        g = missing[0]
        return out + [
            ChainFinding(
                "no_baseline",
                parent.id or "",
                per_language("chains.no_numbers", parent=parent.id, goal=g.id),
                "info",
            )
        ]
    need = parent.required_change or 0.0
    deliver = math.prod(1 + (c.required_change or 0.0) for c in used)
    lang_parts = {
        lang: " × ".join(f"{_label_of(c.kpi.strip(), cat, lang)} {pct0(c.required_change or 0.0, lang)}" for c in used)
        for lang in ("nl", "en")
    }
    plabel = {lang: _label_of(pk, cat, lang) for lang in ("nl", "en")}
    others = [f for f in best if f not in kids]
    if not others:
        lower = kpi_info(pk, cat).direction == "lower"
        short = deliver - 1 > need + 0.005 if lower else deliver - 1 < need - 0.005
        if short:
            out.append(
                ChainFinding(
                    "short",
                    parent.id or "",
                    per_language(
                        "chains.children_short",
                        parent=parent.id,
                        deliver={lang: pct0(deliver - 1, lang) for lang in LANGUAGES},
                        parts=lang_parts,
                        parent_kpi=plabel,
                        need={lang: pct0(need, lang) for lang in LANGUAGES},
                    ),
                    "warning",
                )
            )
        return out
    rest = (1 + need) / deliver - 1 if deliver > 0 else math.inf
    # nl: every factor in DRIVER_TREES is a de-word or a plural, so "de" is always right
    olabel = {lang: " × ".join(_label_of(f, cat, lang) for f in others) for lang in ("nl", "en")}
    amount = {lang: pct0(abs(rest), lang).lstrip("+") for lang in ("nl", "en")}
    key = (
        "chains.others_may_fall"
        if rest < -0.0005
        else "chains.others_must_rise"
        if rest > 0.0005
        else "chains.others_level"
    )
    msg = per_language(
        key,
        parts=lang_parts,
        parent_kpi=plabel,
        need={lang: pct0(need, lang) for lang in LANGUAGES},
        others=olabel,
        amount=amount,
    )
    return out + [ChainFinding("other_drivers", parent.id or "", msg, "info")]


def goal_tree(goals: list[Goal]) -> list[tuple[int, Goal]]:
    """Goals depth-first with their depth (roots 0), children in input order, for display.
    Goals caught in a cycle come last, as roots; every goal appears exactly once."""
    ids = {g.id for g in goals}
    children: dict[str | None, list[Goal]] = {}
    for g in goals:
        children.setdefault(g.parent if g.parent in ids and g.parent != g.id else None, []).append(g)
    out: list[tuple[int, Goal]] = []
    seen: set[int] = set()

    def walk(g: Goal, depth: int) -> None:
        if id(g) in seen:
            return
        seen.add(id(g))
        out.append((depth, g))
        for c in children.get(g.id, []) if g.id is not None else []:
            walk(c, depth + 1)

    for g in children.get(None, []):
        walk(g, 0)
    for g in goals:
        walk(g, 0)
    return out
