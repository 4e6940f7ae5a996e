"""Step 2 of the workbook as views: KPI catalog tables and definition cards, the client's selected
KPIs, KPI pairs with suggested partners, the pairs over time and the selection warnings
(notebooks/02_kpi_pairs). The apps built on them (catalog browser, pair picker) live in
:mod:`kpi_helpers.apps.builders`.

Views return an `HtmlView` (`.html` + `.table`), a DataFrame or a plotly figure. All text in nl
and en; the `pair_views` area of the message catalogs also holds the apps' labels so steps 1-2 share one vocabulary.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpi_helpers.i18n.messages import table, text
from kpi_helpers.spec.catalog import (
    CARD_FIELDS,
    DOMAINS,
    MAX_PER_DOMAIN,
    Kpi,
    check_selection,
    readable_formula,
    suggest_partners,
)
from kpi_helpers.spec.goals import Goal
from kpi_helpers.views.goal_views import (
    HtmlView,
    esc,
    kpi_label,
    monthly_history,
    resolve_lang,
    session_catalog,
    status_badge,
)

if TYPE_CHECKING:
    from kpi_helpers.session import ClientSession

CODE_TEXT: dict[str, dict[str, str]] = table("pair_views_codes")


def w(key: str, lang: str) -> str:
    return text(f"pair_views.{key}", lang)


def is_computable(kpi: Kpi, wb: ClientSession | None) -> bool:
    return wb is None or kpi.measures <= set(wb.facts.columns)


def _kpi_ids(ids: Any, catalog: Any) -> list[str]:
    return [k for k in dict.fromkeys(ids) if k in catalog]


# --------------------------------------------------------------------------- catalog tables and cards
def catalog_table(
    domain: str | None = None, lang: str = "en", kpi_ids: list[str] | None = None, wb: ClientSession | None = None
) -> pd.DataFrame:
    """KPIs (of a domain, or the given ids) with localised columns: label, kind, unit,
    direction, formula, suggested partners and, with a client, whether its data can compute it."""
    cat = session_catalog(wb)
    kpis = (
        [cat[k] for k in kpi_ids if k in cat]
        if kpi_ids is not None
        else (cat.by_domain(domain) if domain else list(cat))
    )
    rows = []
    for k in kpis:
        row = {
            "KPI": k.label(lang),
            w("domain", lang): w(k.domain, lang),
            w("kind", lang): w(k.kind, lang),
            w("unit", lang): w(k.unit, lang),
            w("direction", lang): w(k.direction, lang),
            w("formula", lang): readable_formula(k, lang, cat),
            w("partners", lang): ", ".join(cat[p].label(lang) for p in suggest_partners(k.id, cat)) or "–",
        }
        if wb is not None:
            row[w("in_data", lang)] = w("yes" if is_computable(k, wb) else "no", lang)
        rows.append(row)
    return pd.DataFrame(rows)


def definition_card_html(kpi: Kpi, lang: str, open_: bool = False) -> str:
    """The six questions of a KPI definition as a collapsible card."""
    head = (
        f"<summary><strong>{esc(kpi.label(lang))}</strong> <code>{esc(kpi.id)}</code> · {esc(w(kpi.kind, lang))}"
        f" · {esc(readable_formula(kpi, lang))}</summary>"
    )
    desc = f"<p>{esc(kpi.description(lang))}</p>" if kpi.description(lang) else ""
    if kpi.card is None:
        body = f"<p><em>{esc(w('no_card', lang))}</em></p>"
    else:
        answers = kpi.card.text(lang)
        body = "<dl>" + "".join(f"<dt>{esc(w(f, lang))}</dt><dd>{esc(answers[f])}</dd>" for f in CARD_FIELDS) + "</dl>"
    return f"<details class='kpi-definition-card'{' open' if open_ else ''}>{head}{desc}{body}</details>"


def table_html(table: pd.DataFrame) -> str:
    return table.to_html(index=False, escape=True, border=0, classes="kpi-table", na_rep="n/a")


# --------------------------------------------------------------------------- the client's selection
def selected_kpis(wb: ClientSession) -> list[str]:
    """The client's selected KPIs (params `kpis:`), or every KPI of its pairs and goals if none."""
    cat = wb.catalog
    return _kpi_ids(wb.config.kpis or wb.config.all_kpis, cat)


def selected_kpis_view(wb: ClientSession, lang: str | None = None) -> HtmlView:
    """The selected KPIs per domain (2-3 advised) with their definition cards."""
    lang = resolve_lang(lang, wb)
    cat = wb.catalog
    ids = selected_kpis(wb)
    parts, counts = [], {}
    for d in DOMAINS:
        in_domain = [k for k in ids if cat[k].domain == d]
        if not in_domain:
            continue
        counts[d] = len(in_domain)
        status = "pass" if len(in_domain) <= MAX_PER_DOMAIN else "warn"
        parts.append(
            f"<h4>{esc(w(d, lang))} — {esc(w('n_kpis', lang).format(n=len(in_domain)))} {status_badge(status, lang)}</h4>"
        )
        parts.append(table_html(catalog_table(lang=lang, kpi_ids=in_domain, wb=wb)))
        parts.extend(definition_card_html(cat[k], lang) for k in in_domain)
    table = catalog_table(lang=lang, kpi_ids=ids, wb=wb)
    return HtmlView("".join(parts), table=table, data={"per_domain": counts, "kpis": ids})


def pairs_table(wb: ClientSession, lang: str | None = None, pairs: list[tuple[str, str]] | None = None) -> pd.DataFrame:
    """The client's pairs: performance KPI, quality KPI, why (the quality KPI's description),
    other suggested partners (suggest_partners) and whether the data can compute both."""
    lang = resolve_lang(lang, wb)
    cat = wb.catalog
    rows = []
    for perf, qual in wb.config.pairs if pairs is None else pairs:
        if perf not in cat or qual not in cat:
            continue
        others = [p for p in suggest_partners(perf, cat) if p != qual]
        rows.append(
            {
                w("performance_kpi", lang): cat[perf].label(lang),
                w("quality_kpi", lang): cat[qual].label(lang),
                w("why", lang): cat[qual].description(lang) or "–",
                w("other", lang): ", ".join(cat[p].label(lang) for p in others) or "–",
                w("in_data", lang): w(
                    "yes" if is_computable(cat[perf], wb) and is_computable(cat[qual], wb) else "no", lang
                ),
            }
        )
    return pd.DataFrame(
        rows, columns=[w(c, lang) for c in ("performance_kpi", "quality_kpi", "why", "other", "in_data")]
    )


def partner_suggestions(
    wb: ClientSession,
    lang: str | None = None,
    kpis: list[str] | None = None,
    pairs: list[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Per selected performance KPI: what it is paired with and the suggested quality partners."""
    lang = resolve_lang(lang, wb)
    cat = wb.catalog
    pairs = list(wb.config.pairs if pairs is None else pairs)
    rows = []
    for k in selected_kpis(wb) if kpis is None else _kpi_ids(kpis, cat):
        if cat[k].kind != "performance":
            continue
        paired = [q for p, q in pairs if p == k and q in cat]
        rows.append(
            {
                w("performance_kpi", lang): cat[k].label(lang),
                w("paired_with", lang): ", ".join(cat[q].label(lang) for q in paired) or w("none", lang),
                w("partners", lang): ", ".join(
                    f"{cat[p].label(lang)}{'' if is_computable(cat[p], wb) else ' (—)'}"
                    for p in suggest_partners(k, cat)
                )
                or "–",
            }
        )
    return pd.DataFrame(rows, columns=[w(c, lang) for c in ("performance_kpi", "paired_with", "partners")])


def pairs_view(wb: ClientSession, lang: str | None = None) -> HtmlView:
    """The client's pairs and, for every selected performance KPI, the suggested partners."""
    lang = resolve_lang(lang, wb)
    pairs, suggestions = pairs_table(wb, lang), partner_suggestions(wb, lang)
    html = table_html(pairs) + f"<h4>{esc(w('partners', lang))}</h4>" + table_html(suggestions)
    return HtmlView(html, table=pairs, data={"suggestions": suggestions})


def pairs_figure(wb: ClientSession, lang: str | None = None):
    """Each pair over time, both KPIs indexed (first 12 months = 100): volume rising while
    quality falls is the pattern the pair exists to catch."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    lang = resolve_lang(lang, wb)
    cat = wb.catalog
    pairs = [
        (p, q)
        for p, q in wb.config.pairs
        if p in cat and q in cat and is_computable(cat[p], wb) and is_computable(cat[q], wb)
    ]
    titles = [f"{esc(cat[p].label(lang))} + {esc(cat[q].label(lang))}" for p, q in pairs]
    fig = make_subplots(
        rows=max(len(pairs), 1), cols=1, shared_xaxes=True, subplot_titles=titles or None, vertical_spacing=0.08
    )
    for row, (perf, qual) in enumerate(pairs, start=1):
        for kpi_id, color, dash in ((perf, "#1f77b4", "solid"), (qual, "#ff7f0e", "dot")):
            s = monthly_history(wb, kpi_id)
            if s is None:
                continue
            base = s.iloc[:12].mean()
            y = (s / base * 100) if base and math.isfinite(base) else s * math.nan
            fig.add_trace(
                go.Scatter(
                    x=s.index,
                    y=y.round(1),
                    mode="lines",
                    name=cat[kpi_id].label(lang),
                    line={"color": color, "dash": dash},
                    legendgroup=kpi_id,
                    hovertemplate="%{x|%Y-%m}: %{y:.0f}<extra>" + esc(cat[kpi_id].label(lang)) + "</extra>",
                ),
                row=row,
                col=1,
            )
        fig.add_hline(y=100, line={"color": "#bbb", "width": 1}, row=row, col=1)
    fig.update_layout(
        title={"text": w("pairs_title", lang)},
        template="plotly_white",
        height=int(140 + 220 * max(len(pairs), 1)),
        margin={"l": 40, "r": 20, "t": 80, "b": 30},
    )
    fig.update_yaxes(title={"text": w("index", lang)})
    return fig


# --------------------------------------------------------------------------- warnings
def warnings_frame(
    kpis: list[str],
    pairs: list[tuple[str, str]],
    goals: list[Goal],
    lang: str,
    catalog: Any = None,
    wb: ClientSession | None = None,
) -> pd.DataFrame:
    """All selection warnings for a working selection, as a table in `lang` (codes in attrs)."""
    cat = catalog if catalog is not None else session_catalog(wb)
    rows: list[tuple[str, str, str | None, str | None, str]] = []  # (code, severity, kpi, domain, message)
    for sw in check_selection(kpis, pairs, catalog=cat):
        rows.append((sw.code, "warning", sw.kpi, sw.domain, sw.text(lang)))
    selected = set(kpis)
    for g in goals:
        k = g.kpi.strip()
        if k in cat and k not in selected:
            rows.append(
                (
                    "goal_kpi_not_selected",
                    "warning",
                    k,
                    cat[k].domain,
                    text("pair_views_warnings.goal_kpi_not_selected", lang, goal=g.id, label=cat[k].label(lang), kpi=k),
                )
            )
    targeted = {g.kpi.strip() for g in goals}
    partners_in_pairs = {q for _, q in pairs}
    for k in _kpi_ids(kpis, cat):
        if k in targeted:
            continue
        as_partner = k in partners_in_pairs
        rows.append(
            (
                "kpi_without_target",
                "info" if as_partner else "warning",
                k,
                cat[k].domain,
                text(
                    "pair_views_warnings.no_target_partner" if as_partner else "pair_views_warnings.no_target",
                    lang,
                    label=cat[k].label(lang),
                ),
            )
        )
    if wb is not None:
        for k in _kpi_ids(list(kpis) + [x for p in pairs for x in p], cat):
            if not is_computable(cat[k], wb):
                missing = ", ".join(sorted(cat[k].measures - set(wb.facts.columns)))
                rows.append(
                    (
                        "not_in_data",
                        "warning",
                        k,
                        cat[k].domain,
                        text("pair_views_warnings.not_in_data", lang, label=cat[k].label(lang), missing=missing),
                    )
                )
    order = {"warning": 0, "info": 1}
    rows.sort(key=lambda r: order[r[1]])
    cols = [w("type", lang), w("severity", lang), "KPI", w("domain", lang), w("message", lang)]
    table = pd.DataFrame(
        [
            (
                CODE_TEXT.get(c, {}).get(lang, c),
                w(s, lang),
                kpi_label(k, lang, cat) if k else "–",
                w(d, lang) if d in DOMAINS else "–",
                m,
            )
            for c, s, k, d, m in rows
        ],
        columns=cols,
    )
    table.attrs["codes"] = [r[0] for r in rows]
    table.attrs["kpis"] = [r[2] for r in rows]
    return table


def selection_warnings(wb: ClientSession, lang: str | None = None) -> pd.DataFrame:
    """Warnings on the client's selection: performance KPI without quality partner, goal KPI
    not selected, selected KPI without target, more than 3 KPIs per domain, not in the data."""
    lang = resolve_lang(lang, wb)
    table = warnings_frame(selected_kpis(wb), [(a, b) for a, b in wb.config.pairs], list(wb.config.goals), lang, wb=wb)
    if table.empty:
        codes = table.attrs
        table = pd.DataFrame([("–", w("info", lang), "–", "–", w("no_warnings", lang))], columns=table.columns)
        table.attrs.update(codes)
    return table


__all__ = [
    "catalog_table",
    "definition_card_html",
    "selected_kpis",
    "selected_kpis_view",
    "pairs_table",
    "partner_suggestions",
    "pairs_view",
    "pairs_figure",
    "warnings_frame",
    "selection_warnings",
]
