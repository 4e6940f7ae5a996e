"""Steps 1-2 of the workbook as apps and views: the goal builder (live SMART feedback), the KPI
catalog browser, the client's selected KPIs with definition cards, KPI pairs with suggested
partners, selection warnings and the pair picker (notebooks/01_goals and 02_kpi_pairs).

Apps are ipywidgets when `interactive` is true (controls and current results are attributes,
so tests drive them without a browser) and static HTML otherwise (batch reports). Views return
an `HtmlView` (`.html` + `.table`), a DataFrame or a plotly figure. All text in nl and en.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from kpi_helpers.catalog import CARD_FIELDS, DOMAINS, MAX_PER_DOMAIN, Kpi, check_selection, format_formula, suggest_partners
from kpi_helpers.goal_views import (
    _CARD_CSS,
    TEXT,
    HtmlView,
    _badge,
    _catalog,
    _resolve_lang,
    esc,
    kpi_label,
    kpi_unit,
    monthly_history,
    smart_card_html,
    tx,
)
from kpi_helpers.goals import GOAL_LEVEL_KPIS, LETTER_NAMES, Goal, SmartFinding, SmartReport, smart_check

W: dict[str, dict[str, str]] = {
    "domain": {"nl": "Domein", "en": "Domain"},
    "kind": {"nl": "Soort", "en": "Kind"},
    "unit": {"nl": "Eenheid", "en": "Unit"},
    "direction": {"nl": "Richting", "en": "Direction"},
    "formula": {"nl": "Formule", "en": "Formula"},
    "partners": {"nl": "Suggestie voor partner", "en": "Suggested partners"},
    "in_data": {"nl": "In de data", "en": "In the data"},
    "performance": {"nl": "prestatie", "en": "performance"},
    "quality": {"nl": "kwaliteit", "en": "quality"},
    "higher": {"nl": "hoger is beter", "en": "higher is better"},
    "lower": {"nl": "lager is beter", "en": "lower is better"},
    "count": {"nl": "aantal", "en": "count"}, "currency": {"nl": "bedrag", "en": "amount"},
    "percent": {"nl": "percentage", "en": "percent"}, "ratio": {"nl": "verhouding", "en": "ratio"},
    "minutes": {"nl": "minuten", "en": "minutes"}, "days": {"nl": "dagen", "en": "days"},
    "marketing": {"nl": "Marketing", "en": "Marketing"}, "sales": {"nl": "Verkoop", "en": "Sales"},
    "production": {"nl": "Productie", "en": "Production"},
    "customer_service": {"nl": "Klantenservice", "en": "Customer service"}, "hr": {"nl": "HR", "en": "HR"},
    "result": {"nl": "Welk resultaat willen we bereiken?", "en": "What result do we want?"},
    "how": {"nl": "Hoe wordt het berekend?", "en": "How is it calculated?"},
    "influence": {"nl": "Hoe kunnen we het beïnvloeden?", "en": "How can we influence it?"},
    "measure": {"nl": "Waar en hoe meten we het?", "en": "Where and how do we measure it?"},
    "time": {"nl": "Wanneer en hoe vaak kijken we ernaar?", "en": "When and how often do we look at it?"},
    "owner": {"nl": "Wie is eigenaar?", "en": "Who owns it?"},
    "no_card": {"nl": "Nog geen definitiekaart in de catalogus: beantwoord de zes vragen met de eigenaar voordat u erop stuurt.",
                "en": "No definition card in the catalog yet: answer the six questions with the owner before steering on it."},
    "n_kpis": {"nl": "{n} KPI's gekozen (advies: 2–3 per domein)", "en": "{n} KPIs selected (advice: 2–3 per domain)"},
    "performance_kpi": {"nl": "Prestatie-KPI (volume)", "en": "Performance KPI (volume)"},
    "quality_kpi": {"nl": "Kwaliteits-KPI (waarde of ratio)", "en": "Quality KPI (value or rate)"},
    "why": {"nl": "Waarom dit paar", "en": "Why this pair"},
    "other": {"nl": "Andere suggesties", "en": "Other suggestions"},
    "paired_with": {"nl": "Gekoppeld aan", "en": "Paired with"},
    "yes": {"nl": "ja", "en": "yes"}, "no": {"nl": "nee", "en": "no"},
    "none": {"nl": "geen", "en": "none"},
    "severity": {"nl": "Ernst", "en": "Severity"}, "warning": {"nl": "let op", "en": "warning"},
    "info": {"nl": "info", "en": "info"}, "message": {"nl": "Melding", "en": "Message"},
    "type": {"nl": "Soort melding", "en": "Type"},
    "no_warnings": {"nl": "Geen waarschuwingen: elke prestatie-KPI heeft een kwaliteitspartner en elk doel een KPI.",
                    "en": "No warnings: every performance KPI has a quality partner and every goal a KPI."},
    "browser_title": {"nl": "KPI-catalogus: kies een domein", "en": "KPI catalog: pick a domain"},
    "n_perf": {"nl": "Prestatie-KPI's", "en": "Performance KPIs"},
    "n_qual": {"nl": "Kwaliteits-KPI's", "en": "Quality KPIs"},
    "picker_title": {"nl": "Paarkiezer: kies een prestatie-KPI en een kwaliteitspartner",
                     "en": "Pair picker: choose a performance KPI and a quality partner"},
    "add": {"nl": "Paar toevoegen", "en": "Add pair"}, "reset": {"nl": "Opnieuw", "en": "Reset"},
    "your_pairs": {"nl": "Uw paren", "en": "Your pairs"},
    "pairs_snippet": {"nl": "Voor het params-bestand", "en": "For the params file"},
    "pairs_title": {"nl": "Paren door de tijd: volume en kwaliteit (index, eerste 12 maanden = 100)",
                    "en": "Pairs over time: volume and quality (index, first 12 months = 100)"},
    "index": {"nl": "index", "en": "index"},
}
CODE_TEXT: dict[str, dict[str, str]] = {
    "performance_without_quality": {"nl": "Prestatie zonder kwaliteitspartner", "en": "Performance KPI without a quality partner"},
    "too_many_in_domain": {"nl": "Meer dan 3 KPI's in een domein", "en": "More than 3 KPIs in a domain"},
    "goal_kpi_not_selected": {"nl": "Doel-KPI niet in de selectie", "en": "Goal KPI not in the selection"},
    "kpi_without_target": {"nl": "KPI zonder streefwaarde", "en": "KPI without a target"},
    "not_in_data": {"nl": "Niet te berekenen uit de data", "en": "Not computable from the data"},
    "unknown_kpi": {"nl": "Onbekende KPI", "en": "Unknown KPI"},
    "pair_not_performance_quality": {"nl": "Paar is geen prestatie + kwaliteit", "en": "Pair is not performance + quality"},
}


def w(key: str, lang: str) -> str:
    return W[key][lang]


def _computable(kpi: Kpi, wb: Any) -> bool:
    return wb is None or kpi.measures <= set(wb.facts.columns)


def _kpi_ids(ids: Any, catalog: Any) -> list[str]:
    return [k for k in dict.fromkeys(ids) if k in catalog]


# --------------------------------------------------------------------------- catalog tables and cards
def catalog_table(domain: str | None = None, lang: str = "en", kpi_ids: list[str] | None = None,
                  wb: Any = None) -> pd.DataFrame:
    """KPIs (of a domain, or the given ids) with localised columns: label, kind, unit,
    direction, formula, suggested partners and, with a client, whether its data can compute it."""
    cat = _catalog(wb)
    kpis = [cat[k] for k in kpi_ids if k in cat] if kpi_ids is not None else (cat.by_domain(domain) if domain else list(cat))
    rows = []
    for k in kpis:
        row = {
            "KPI": f"{k.label(lang)} ({k.id})", w("domain", lang): w(k.domain, lang), w("kind", lang): w(k.kind, lang),
            w("unit", lang): w(k.unit, lang), w("direction", lang): w(k.direction, lang), w("formula", lang): format_formula(k),
            w("partners", lang): ", ".join(cat[p].label(lang) for p in suggest_partners(k.id, cat)) or "–",
        }
        if wb is not None:
            row[w("in_data", lang)] = w("yes" if _computable(k, wb) else "no", lang)
        rows.append(row)
    return pd.DataFrame(rows)


def definition_card_html(kpi: Kpi, lang: str, open_: bool = False) -> str:
    """The six questions of a KPI definition as a collapsible card."""
    head = (f"<summary><strong>{esc(kpi.label(lang))}</strong> <code>{esc(kpi.id)}</code> · {esc(w(kpi.kind, lang))}"
            f" · {esc(format_formula(kpi))}</summary>")
    desc = f"<p>{esc(kpi.description(lang))}</p>" if kpi.description(lang) else ""
    if kpi.card is None:
        body = f"<p><em>{esc(w('no_card', lang))}</em></p>"
    else:
        answers = kpi.card.text(lang)
        body = "<dl>" + "".join(f"<dt>{esc(w(f, lang))}</dt><dd>{esc(answers[f])}</dd>" for f in CARD_FIELDS) + "</dl>"
    return f"<details class='kpi-definition-card'{' open' if open_ else ''}>{head}{desc}{body}</details>"


def _table_html(table: pd.DataFrame) -> str:
    return table.to_html(index=False, escape=True, border=0, classes="kpi-table", na_rep="n/a")


# --------------------------------------------------------------------------- catalog browser
class CatalogBrowser:
    """Domain dropdown -> the domain's KPI table and definition cards (`table`, `cards_html`)."""

    def __init__(self, lang: str = "en", interactive: bool = True, wb: Any = None):
        self.wb, self.lang, self.interactive = wb, _resolve_lang(lang, wb), interactive
        self.catalog = _catalog(wb)
        self.table = pd.DataFrame()
        self.cards_html = ""
        if interactive:
            import ipywidgets as widgets

            options = [(w(d, self.lang), d) for d in DOMAINS]
            self.domain = widgets.Dropdown(options=options, value=DOMAINS[0], description=w("domain", self.lang))
            self.view = widgets.HTML()
            self.domain.observe(self.update, names="value")
            self.widget = widgets.VBox([widgets.HTML(f"<h4>{esc(w('browser_title', self.lang))}</h4>"), self.domain, self.view])
            self.update()

    def update(self, change: Any = None) -> None:
        domain = self.domain.value
        self.table = catalog_table(domain, self.lang, wb=self.wb)
        self.cards_html = "".join(definition_card_html(k, self.lang) for k in self.catalog.by_domain(domain))
        self.view.value = _table_html(self.table) + self.cards_html

    def overview(self) -> pd.DataFrame:
        """Static view: per domain the performance and the quality KPIs of the catalog."""
        lang = self.lang
        rows = [{w("domain", lang): w(d, lang),
                 w("n_perf", lang): ", ".join(k.label(lang) for k in self.catalog.by_domain(d) if k.kind == "performance"),
                 w("n_qual", lang): ", ".join(k.label(lang) for k in self.catalog.by_domain(d) if k.kind == "quality")}
                for d in DOMAINS]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        return _table_html(self.overview())

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(self.widget if self.interactive else HTML(self._repr_html_()))

    def __repr__(self) -> str:
        return f"<CatalogBrowser {self.lang} interactive={self.interactive}>"


def catalog_browser(lang: str | None = None, interactive: bool = True, wb: Any = None) -> CatalogBrowser:
    """Browse the KPI catalog by domain (table + definition cards); static: an overview per domain."""
    if lang is not None and not isinstance(lang, str) and hasattr(lang, "config"):  # catalog_browser(wb)
        lang, wb = None, lang
    return CatalogBrowser(lang, interactive, wb)


# --------------------------------------------------------------------------- the client's selection
def selected_kpis(wb: Any) -> list[str]:
    """The client's selected KPIs (params `kpis:`), or every KPI of its pairs and goals if none."""
    cat = wb.catalog
    return _kpi_ids(wb.config.kpis or wb.config.all_kpis, cat)


def selected_kpis_view(wb: Any, lang: str | None = None) -> HtmlView:
    """The selected KPIs per domain (2-3 advised) with their definition cards."""
    lang = _resolve_lang(lang, wb)
    cat = wb.catalog
    ids = selected_kpis(wb)
    parts, counts = [], {}
    for d in DOMAINS:
        in_domain = [k for k in ids if cat[k].domain == d]
        if not in_domain:
            continue
        counts[d] = len(in_domain)
        status = "pass" if len(in_domain) <= MAX_PER_DOMAIN else "warn"
        parts.append(f"<h4>{esc(w(d, lang))} — {esc(w('n_kpis', lang).format(n=len(in_domain)))} {_badge(status, lang)}</h4>")
        parts.append(_table_html(catalog_table(lang=lang, kpi_ids=in_domain, wb=wb)))
        parts.extend(definition_card_html(cat[k], lang) for k in in_domain)
    table = catalog_table(lang=lang, kpi_ids=ids, wb=wb)
    return HtmlView("".join(parts), table=table, data={"per_domain": counts, "kpis": ids})


def pairs_table(wb: Any, lang: str | None = None, pairs: list[tuple[str, str]] | None = None) -> pd.DataFrame:
    """The client's pairs: performance KPI, quality KPI, why (the quality KPI's description),
    other suggested partners (suggest_partners) and whether the data can compute both."""
    lang = _resolve_lang(lang, wb)
    cat = wb.catalog
    rows = []
    for perf, qual in (wb.config.pairs if pairs is None else pairs):
        if perf not in cat or qual not in cat:
            continue
        others = [p for p in suggest_partners(perf, cat) if p != qual]
        rows.append({
            w("performance_kpi", lang): cat[perf].label(lang), w("quality_kpi", lang): cat[qual].label(lang),
            w("why", lang): cat[qual].description(lang) or "–",
            w("other", lang): ", ".join(cat[p].label(lang) for p in others) or "–",
            w("in_data", lang): w("yes" if _computable(cat[perf], wb) and _computable(cat[qual], wb) else "no", lang),
        })
    return pd.DataFrame(rows, columns=[w(c, lang) for c in ("performance_kpi", "quality_kpi", "why", "other", "in_data")])


def partner_suggestions(wb: Any, lang: str | None = None, kpis: list[str] | None = None,
                        pairs: list[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Per selected performance KPI: what it is paired with and the suggested quality partners."""
    lang = _resolve_lang(lang, wb)
    cat = wb.catalog
    pairs = list(wb.config.pairs if pairs is None else pairs)
    rows = []
    for k in (selected_kpis(wb) if kpis is None else _kpi_ids(kpis, cat)):
        if cat[k].kind != "performance":
            continue
        paired = [q for p, q in pairs if p == k and q in cat]
        rows.append({
            w("performance_kpi", lang): cat[k].label(lang),
            w("paired_with", lang): ", ".join(cat[q].label(lang) for q in paired) or w("none", lang),
            w("partners", lang): ", ".join(f"{cat[p].label(lang)}{'' if _computable(cat[p], wb) else ' (—)'}"
                                           for p in suggest_partners(k, cat)) or "–",
        })
    return pd.DataFrame(rows, columns=[w(c, lang) for c in ("performance_kpi", "paired_with", "partners")])


def pairs_view(wb: Any, lang: str | None = None) -> HtmlView:
    """The client's pairs and, for every selected performance KPI, the suggested partners."""
    lang = _resolve_lang(lang, wb)
    pairs, suggestions = pairs_table(wb, lang), partner_suggestions(wb, lang)
    html = _table_html(pairs) + f"<h4>{esc(w('partners', lang))}</h4>" + _table_html(suggestions)
    return HtmlView(html, table=pairs, data={"suggestions": suggestions})


def pairs_figure(wb: Any, lang: str | None = None):
    """Each pair over time, both KPIs indexed (first 12 months = 100): volume rising while
    quality falls is the pattern the pair exists to catch."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    lang = _resolve_lang(lang, wb)
    cat = wb.catalog
    pairs = [(p, q) for p, q in wb.config.pairs if p in cat and q in cat
             and _computable(cat[p], wb) and _computable(cat[q], wb)]
    titles = [f"{esc(cat[p].label(lang))} + {esc(cat[q].label(lang))}" for p, q in pairs]
    fig = make_subplots(rows=max(len(pairs), 1), cols=1, shared_xaxes=True, subplot_titles=titles or None,
                        vertical_spacing=0.08)
    for row, (perf, qual) in enumerate(pairs, start=1):
        for kpi_id, color, dash in ((perf, "#1f77b4", "solid"), (qual, "#ff7f0e", "dot")):
            s = monthly_history(wb, kpi_id)
            if s is None:
                continue
            base = s.iloc[:12].mean()
            y = (s / base * 100) if base and math.isfinite(base) else s * math.nan
            fig.add_trace(go.Scatter(x=s.index, y=y.round(1), mode="lines", name=cat[kpi_id].label(lang),
                                     line={"color": color, "dash": dash}, legendgroup=kpi_id,
                                     hovertemplate="%{x|%Y-%m}: %{y:.0f}<extra>" + esc(cat[kpi_id].label(lang)) + "</extra>"),
                          row=row, col=1)
        fig.add_hline(y=100, line={"color": "#bbb", "width": 1}, row=row, col=1)
    fig.update_layout(title={"text": w("pairs_title", lang)}, template="plotly_white",
                      height=int(140 + 220 * max(len(pairs), 1)), margin={"l": 40, "r": 20, "t": 80, "b": 30})
    fig.update_yaxes(title={"text": w("index", lang)})
    return fig


# --------------------------------------------------------------------------- warnings
def warnings_frame(kpis: list[str], pairs: list[tuple[str, str]], goals: list[Goal], lang: str,
                   catalog: Any = None, wb: Any = None) -> pd.DataFrame:
    """All selection warnings for a working selection, as a table in `lang` (codes in attrs)."""
    cat = catalog if catalog is not None else _catalog(wb)
    rows: list[tuple[str, str, str | None, str | None, str]] = []  # (code, severity, kpi, domain, message)
    for sw in check_selection(kpis, pairs, catalog=cat):
        rows.append((sw.code, "warning", sw.kpi, sw.domain, sw.text(lang)))
    selected = set(kpis)
    for g in goals:
        k = g.kpi.strip()
        if k in cat and k not in selected:
            rows.append(("goal_kpi_not_selected", "warning", k, cat[k].domain, {
                "nl": f"Doel '{g.id}' stuurt op {cat[k].label('nl')} ({k}), maar die KPI staat niet in de selectie "
                      f"(kpis:). Voeg hem toe, zodat u het doel met de andere KPI's volgt.",
                "en": f"Goal '{g.id}' steers on {cat[k].label('en')} ({k}), but that KPI is not in the selection "
                      f"(kpis:). Add it so the goal is followed with the other KPIs.",
            }[lang]))
    targeted = {g.kpi.strip() for g in goals}
    partners_in_pairs = {q for _, q in pairs}
    for k in _kpi_ids(kpis, cat):
        if k in targeted:
            continue
        as_partner = k in partners_in_pairs
        rows.append(("kpi_without_target", "info" if as_partner else "warning", k, cat[k].domain, {
            "nl": f"{cat[k].label('nl')} staat in de selectie, maar geen doel geeft er een streefwaarde voor."
                  + (" Als kwaliteitspartner is een ondergrens genoeg; noem die wel." if as_partner
                     else " Geef het een doel met een streefwaarde, of laat het uit de selectie."),
            "en": f"{cat[k].label('en')} is selected, but no goal gives it a target."
                  + (" As a quality partner a floor is enough; do state it." if as_partner
                     else " Give it a goal with a target, or drop it from the selection."),
        }[lang]))
    if wb is not None:
        for k in _kpi_ids(list(kpis) + [x for p in pairs for x in p], cat):
            if not _computable(cat[k], wb):
                missing = ", ".join(sorted(cat[k].measures - set(wb.facts.columns)))
                rows.append(("not_in_data", "warning", k, cat[k].domain, {
                    "nl": f"{cat[k].label('nl')} is niet te berekenen: de data mist {missing}.",
                    "en": f"{cat[k].label('en')} cannot be computed: the data lacks {missing}.",
                }[lang]))
    order = {"warning": 0, "info": 1}
    rows.sort(key=lambda r: order[r[1]])
    cols = [w("type", lang), w("severity", lang), "KPI", w("domain", lang), w("message", lang)]
    table = pd.DataFrame([(CODE_TEXT.get(c, {}).get(lang, c), w(s, lang), kpi_label(k, lang, cat) if k else "–",
                           w(d, lang) if d in DOMAINS else "–", m) for c, s, k, d, m in rows], columns=cols)
    table.attrs["codes"] = [r[0] for r in rows]
    table.attrs["kpis"] = [r[2] for r in rows]
    return table


def selection_warnings(wb: Any, lang: str | None = None) -> pd.DataFrame:
    """Warnings on the client's selection: performance KPI without quality partner, goal KPI
    not selected, selected KPI without target, more than 3 KPIs per domain, not in the data."""
    lang = _resolve_lang(lang, wb)
    table = warnings_frame(selected_kpis(wb), [tuple(p) for p in wb.config.pairs], list(wb.config.goals), lang, wb=wb)
    if table.empty:
        codes = table.attrs
        table = pd.DataFrame([("–", w("info", lang), "–", "–", w("no_warnings", lang))], columns=table.columns)
        table.attrs.update(codes)
    return table


# --------------------------------------------------------------------------- goal builder
def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    return d.replace(year=d.year + y, month=m + 1, day=1)


def _draft_goal(wb: Any, lang: str) -> Goal:
    """A deliberately rough first draft the analyst improves: vague words, no owner."""
    kpi_id = "revenue"
    if wb is not None:
        candidates = [g.kpi for g in wb.config.goals] + list(wb.config.kpis)
        kpi_id = next((k for k in candidates if k in wb.catalog), kpi_id)
        start = _add_months(wb.as_of.replace(day=1), 1)
    else:
        start = dt.date(2026, 1, 1)
    deadline = _add_months(start, 12) - dt.timedelta(days=1)
    baseline = 100_000.0
    if wb is not None:
        from kpi_helpers.engine import compute_kpis

        prev = (_add_months(start, -12), start - dt.timedelta(days=1))
        table = compute_kpis(wb.facts, [kpi_id], grain=None, catalog=wb.catalog, period=prev, missing="skip")
        if len(table) and math.isfinite(table["value"].iloc[0]):
            baseline = float(table["value"].iloc[0])
    unit = kpi_unit(kpi_id, _catalog(wb))
    digits = 4 if unit == "percent" else 0
    label = kpi_label(kpi_id, lang, _catalog(wb)).lower()
    statement = {"nl": f"We willen meer {label}", "en": f"We want more {label}"}[lang]
    return Goal(id="concept" if lang == "nl" else "draft", statement=statement, kpi=kpi_id,
                baseline=round(baseline, digits), target=round(baseline * 1.1, digits),
                start=start, deadline=deadline, owner="")


def _dates_missing_report(goal_like: dict, catalog: Any) -> SmartReport:
    placeholder = Goal(**{**goal_like, "start": dt.date(2000, 1, 1), "deadline": dt.date(2000, 12, 31)})
    report = smart_check(placeholder, catalog=catalog)
    msg = {lang: TEXT["missing_dates"][lang] for lang in ("nl", "en")}
    fix = {lang: TEXT["missing_dates_fix"][lang] for lang in ("nl", "en")}
    skip = {"nl": "Nog niet te beoordelen zonder data.", "en": "Cannot be judged without dates yet."}
    findings = []
    for f in report.findings:
        if f.letter == "T":
            f = SmartFinding("T", dict(LETTER_NAMES["T"]), "fail", msg, fix)
        elif f.letter == "R":
            f = SmartFinding("R", dict(LETTER_NAMES["R"]), "warn", skip, fix)
        findings.append(f)
    return SmartReport(findings)


class GoalBuilder:
    """Live SMART feedback on a goal being typed. Controls are attributes (`statement`, `kpi`,
    `baseline`, `target`, `start`, `deadline`, `owner`); `report` and `goal` follow every change."""

    def __init__(self, wb: Any = None, lang: str | None = None, interactive: bool = True):
        self.wb = wb
        self.lang = _resolve_lang(lang, wb)
        self.interactive = interactive
        self.catalog = _catalog(wb)
        self._histories: dict[tuple[str, dt.date], pd.Series | None] = {}
        self.draft = _draft_goal(wb, self.lang)
        self.goal: Goal | None = None
        self.report: SmartReport | None = None
        self.card_html = ""
        if interactive:
            self._build_widgets()
            self.update()
        else:
            self._evaluate(self.draft)

    # ---- evaluation
    def _history(self, kpi_id: str, start: dt.date) -> pd.Series | None:
        if self.wb is None:
            return None
        key = (kpi_id, start)
        if key not in self._histories:
            self._histories[key] = monthly_history(self.wb, kpi_id, before=start)
        return self._histories[key]

    def _evaluate(self, goal: Goal) -> None:
        self.goal = goal
        self.report = smart_check(goal, history=self._history(goal.kpi, goal.start), catalog=self.catalog)
        currency = self.wb.currency if self.wb is not None else "EUR"
        self.card_html = _CARD_CSS + smart_card_html(goal, self.report, self.lang, self.catalog, currency)

    def _values(self) -> dict[str, Any]:
        base = self.baseline.value
        return {"id": self.draft.id, "statement": self.statement.value, "kpi": self.kpi.value or "",
                "baseline": None if base is None else float(base), "target": float(self.target.value or 0.0),
                "start": self.start.value, "deadline": self.deadline.value, "owner": self.owner.value}

    def update(self, change: Any = None) -> None:
        """Re-check the goal from the controls (called on every change)."""
        values = self._values()
        if values["start"] is None or values["deadline"] is None:
            self.goal = None
            self.report = _dates_missing_report(values, self.catalog)
            self.card_html = _CARD_CSS + "".join(
                f"<p>{_badge(f.status, self.lang)} <strong>{f.letter}</strong> {esc(f.message[self.lang])}</p>"
                for f in self.report.findings)
            self.snippet_text = ""
        else:
            self._evaluate(Goal(**values))
            self.snippet_text = self.params_snippet()
        self.card.value = self.card_html
        self.snippet.value = f"<p><strong>{esc(tx('snippet', self.lang))}</strong></p><pre>{esc(self.snippet_text)}</pre>"

    def params_snippet(self) -> str:
        """The current goal as YAML to paste under `goals:` in the client's params file."""
        import yaml

        if self.goal is None:
            return ""
        data = self.goal.model_dump(mode="json", exclude_none=True)
        data = {k: v for k, v in data.items() if v != ""}
        return yaml.safe_dump([data], allow_unicode=True, sort_keys=False)

    # ---- widgets
    def _build_widgets(self) -> None:
        import ipywidgets as w

        lang, d = self.lang, self.draft
        wide = w.Layout(width="95%")
        style = {"description_width": "9em"}
        options = sorted(((f"{kpi_label(k.id, lang, self.catalog)} ({k.id})", k.id) for k in self.catalog),
                         key=lambda o: o[0].lower())
        options += [(f"{v['labels'][lang]} ({k})", k) for k, v in GOAL_LEVEL_KPIS.items()]
        self.statement = w.Text(value=d.statement, description=tx("statement", lang), layout=wide, style=style,
                                continuous_update=True)
        self.kpi = w.Dropdown(options=options, value=d.kpi, description=tx("kpi", lang), style=style)
        self.baseline = w.FloatText(value=d.baseline, description=tx("baseline", lang), style=style)
        self.target = w.FloatText(value=d.target, description=tx("target", lang), style=style)
        self.start = w.DatePicker(value=d.start, description=tx("start", lang), style=style)
        self.deadline = w.DatePicker(value=d.deadline, description=tx("deadline", lang), style=style)
        self.owner = w.Text(value=d.owner or "", description=tx("owner", lang), style=style, continuous_update=True)
        self.card = w.HTML()
        self.snippet = w.HTML()
        for control in self.controls:
            control.observe(self.update, names="value")
        self.widget = w.VBox([w.HTML(f"<h4>{esc(tx('builder_title', lang))}</h4>"), self.statement, self.kpi,
                              w.HBox([self.baseline, self.target]), w.HBox([self.start, self.deadline]),
                              self.owner, self.card, self.snippet])

    @property
    def controls(self) -> list[Any]:
        return [self.statement, self.kpi, self.baseline, self.target, self.start, self.deadline, self.owner]

    # ---- display
    def static_html(self) -> str:
        return f"<p><em>{esc(tx('builder_static', self.lang))}</em></p>" + self.card_html

    def _repr_html_(self) -> str:
        return self.static_html()

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(self.widget if self.interactive else HTML(self.static_html()))

    def __repr__(self) -> str:
        return f"<GoalBuilder {self.lang} interactive={self.interactive}>"


def goal_builder(wb: Any = None, lang: str | None = None, interactive: bool = True) -> GoalBuilder:
    """The goal builder app: type a goal, see S M A R T feedback update on every change.
    Not interactive: the builder's first draft and its feedback, as static HTML."""
    return GoalBuilder(wb, lang=lang, interactive=interactive)


# --------------------------------------------------------------------------- pair picker
class PairPicker:
    """Pick a performance KPI, see its suggested quality partners, add the pair; the warnings
    (`warnings`, a DataFrame) follow every change. State: `kpis`, `pairs` (working selection)."""

    def __init__(self, wb: Any, lang: str | None = None, interactive: bool = True):
        self.wb, self.lang, self.interactive = wb, _resolve_lang(lang, wb), interactive
        self.catalog = wb.catalog
        self.reset()
        if interactive:
            self._build_widgets()
            self.refresh()

    def reset(self, _: Any = None) -> None:
        self.kpis: list[str] = selected_kpis(self.wb)
        self.pairs: list[tuple[str, str]] = [tuple(p) for p in self.wb.config.pairs]
        self.warnings = warnings_frame(self.kpis, self.pairs, list(self.wb.config.goals), self.lang, wb=self.wb)
        if getattr(self, "pairs_html", None) is not None:
            self.refresh()

    def performance_options(self) -> list[tuple[str, str]]:
        """Performance KPIs this client's data can compute; the unpaired selected ones first."""
        paired = {p for p, _ in self.pairs}
        kpis = [k for k in self.catalog if k.kind == "performance" and _computable(k, self.wb)]
        kpis.sort(key=lambda k: (k.id not in self.kpis or k.id in paired, k.label(self.lang).lower()))
        return [(f"{k.label(self.lang)} ({k.id})", k.id) for k in kpis]

    def partner_options(self, perf: str) -> list[tuple[str, str]]:
        """Quality partners for `perf` (suggest_partners), computable ones first."""
        ids = [p for p in suggest_partners(perf, self.catalog) if self.catalog[p].kind == "quality"]
        ids.sort(key=lambda p: not _computable(self.catalog[p], self.wb))
        return [(f"{self.catalog[p].label(self.lang)} ({p})" + ("" if _computable(self.catalog[p], self.wb) else " —"), p)
                for p in ids]

    def add_pair(self, perf: str | None = None, qual: str | None = None) -> None:
        """Add (perf, qual) — default: the dropdowns' values — to the working pairs and selection."""
        perf = perf or self.performance.value
        qual = qual or self.partner.value
        if not perf or not qual:
            return
        if (perf, qual) not in self.pairs:
            self.pairs.append((perf, qual))
        for k in (perf, qual):
            if k not in self.kpis:
                self.kpis.append(k)
        self.warnings = warnings_frame(self.kpis, self.pairs, list(self.wb.config.goals), self.lang, wb=self.wb)
        if self.interactive:
            self.refresh()

    def params_snippet(self) -> str:
        import yaml

        return yaml.safe_dump({"kpis": self.kpis, "pairs": [list(p) for p in self.pairs]}, sort_keys=False)

    # ---- widgets
    def _build_widgets(self) -> None:
        import ipywidgets as widgets

        lang = self.lang
        style = {"description_width": "12em"}
        options = self.performance_options()
        self.performance = widgets.Dropdown(options=options, value=options[0][1] if options else None,
                                            description=w("performance_kpi", lang), style=style)
        self.partner = widgets.Dropdown(options=self.partner_options(self.performance.value) if options else [],
                                        description=w("quality_kpi", lang), style=style)
        self.add_button = widgets.Button(description=w("add", lang), button_style="primary", icon="plus")
        self.reset_button = widgets.Button(description=w("reset", lang))
        self.partner_card = widgets.HTML()
        self.pairs_html = widgets.HTML()
        self.warnings_html = widgets.HTML()
        self.snippet = widgets.HTML()
        self.performance.observe(self._on_performance, names="value")
        self.partner.observe(lambda _: self._show_partner(), names="value")
        self.add_button.on_click(lambda _: self.add_pair())
        self.reset_button.on_click(self.reset)
        self.widget = widgets.VBox([
            widgets.HTML(f"<h4>{esc(w('picker_title', lang))}</h4>"), self.performance, self.partner,
            self.partner_card, widgets.HBox([self.add_button, self.reset_button]), self.pairs_html,
            self.warnings_html, self.snippet,
        ])
        self._show_partner()

    def _on_performance(self, change: Any) -> None:
        self.partner.options = self.partner_options(change["new"]) if change["new"] else []
        self._show_partner()

    def _show_partner(self) -> None:
        qual = self.partner.value
        self.partner_card.value = definition_card_html(self.catalog[qual], self.lang, open_=True) if qual else ""

    def refresh(self) -> None:
        lang = self.lang
        self.pairs_html.value = f"<h4>{esc(w('your_pairs', lang))}</h4>" + _table_html(pairs_table(self.wb, lang, self.pairs))
        self.warnings_html.value = _table_html(self.warnings) if len(self.warnings) else f"<p>{esc(w('no_warnings', lang))}</p>"
        self.snippet.value = (f"<p><strong>{esc(w('pairs_snippet', lang))}</strong></p>"
                              f"<pre>{esc(self.params_snippet())}</pre>")

    # ---- display
    def _repr_html_(self) -> str:
        return _table_html(partner_suggestions(self.wb, self.lang, self.kpis, self.pairs))

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(self.widget if self.interactive else HTML(self._repr_html_()))

    def __repr__(self) -> str:
        return f"<PairPicker {self.lang} interactive={self.interactive}>"


def pair_picker(wb: Any, lang: str | None = None, interactive: bool = True) -> PairPicker:
    """Pick KPI pairs from the catalog with live warnings; static: suggested partners per KPI."""
    return PairPicker(wb, lang=lang, interactive=interactive)


__all__ = [
    "goal_builder", "GoalBuilder", "catalog_browser", "CatalogBrowser", "catalog_table", "definition_card_html",
    "selected_kpis", "selected_kpis_view", "pairs_table", "partner_suggestions", "pairs_view", "pairs_figure",
    "warnings_frame", "selection_warnings", "pair_picker", "PairPicker",
]
