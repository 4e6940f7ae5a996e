"""Steps 1-2 of the workbook as apps: the goal builder (live SMART feedback), the KPI catalog
browser and the pair picker (notebooks/01_goals and 02_kpi_pairs). The static step-2 views they
reuse (catalog tables, definition cards, pairs, warnings) live in :mod:`kpi_helpers.views.pair_views`.

Apps are ipywidgets when `interactive` is true (controls and current results are attributes,
so tests drive them without a browser) and static HTML otherwise (batch reports). All text in nl
and en.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpi_helpers.apps.save_back import TEXT as SAVE_TEXT
from kpi_helpers.apps.save_back import SaveBackPanel, SavePlan, params_file_of, plan_goal, plan_pairs
from kpi_helpers.exceptions import GoalError, KpiWorkbookError
from kpi_helpers.i18n.messages import text
from kpi_helpers.spec.catalog import DOMAINS, suggest_partners
from kpi_helpers.spec.goals import GOAL_LEVEL_KPIS, LETTER_NAMES, Goal, SmartFinding, SmartReport, smart_check
from kpi_helpers.spec.vocab import LANGUAGES
from kpi_helpers.views.goal_views import (
    CARD_CSS,
    esc,
    kpi_label,
    kpi_unit,
    monthly_history,
    resolve_lang,
    session_catalog,
    smart_card_html,
    status_badge,
    tx,
)
from kpi_helpers.views.pair_views import (
    catalog_table,
    definition_card_html,
    is_computable,
    pairs_table,
    partner_suggestions,
    selected_kpis,
    table_html,
    w,
    warnings_frame,
)

if TYPE_CHECKING:
    from kpi_helpers.session import ClientSession


# --------------------------------------------------------------------------- catalog browser
class CatalogBrowser:
    """Domain dropdown -> the domain's KPI table and definition cards (`table`, `cards_html`)."""

    def __init__(self, lang: str | None = "en", interactive: bool = True, wb: ClientSession | None = None):
        self.wb, self.lang, self.interactive = wb, resolve_lang(lang, wb), interactive
        self.catalog = session_catalog(wb)
        self.table = pd.DataFrame()
        self.cards_html = ""
        if interactive:
            import ipywidgets as widgets

            options = [(w(d, self.lang), d) for d in DOMAINS]
            self.domain = widgets.Dropdown(options=options, value=DOMAINS[0], description=w("domain", self.lang))
            self.view = widgets.HTML()
            self.domain.observe(self.update, names="value")
            self.widget = widgets.VBox(
                [widgets.HTML(f"<h4>{esc(w('browser_title', self.lang))}</h4>"), self.domain, self.view]
            )
            self.update()

    def update(self, change: Any = None) -> None:
        domain = self.domain.value
        self.table = catalog_table(domain, self.lang, wb=self.wb)
        self.cards_html = "".join(definition_card_html(k, self.lang) for k in self.catalog.by_domain(domain))
        self.view.value = table_html(self.table) + self.cards_html

    def overview(self) -> pd.DataFrame:
        """Static view: per domain the performance and the quality KPIs of the catalog."""
        lang = self.lang
        rows = [
            {
                w("domain", lang): w(d, lang),
                w("n_perf", lang): ", ".join(
                    k.label(lang) for k in self.catalog.by_domain(d) if k.kind == "performance"
                ),
                w("n_qual", lang): ", ".join(k.label(lang) for k in self.catalog.by_domain(d) if k.kind == "quality"),
            }
            for d in DOMAINS
        ]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        return table_html(self.overview())

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(self.widget if self.interactive else HTML(self._repr_html_()))

    def __repr__(self) -> str:
        return f"<CatalogBrowser {self.lang} interactive={self.interactive}>"


def catalog_browser(
    lang: str | None = None, interactive: bool = True, wb: ClientSession | None = None
) -> CatalogBrowser:
    """Browse the KPI catalog by domain (table + definition cards); static: an overview per domain."""
    if lang is not None and not isinstance(lang, str) and hasattr(lang, "config"):  # catalog_browser(wb)
        lang, wb = None, lang
    return CatalogBrowser(lang, interactive, wb)


# --------------------------------------------------------------------------- goal builder
def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    return d.replace(year=d.year + y, month=m + 1, day=1)


def _draft_goal(wb: ClientSession | None, lang: str) -> Goal:
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
        from kpi_helpers.compute.engine import compute_kpis

        prev = (_add_months(start, -12), start - dt.timedelta(days=1))
        table = compute_kpis(wb.facts, [kpi_id], grain=None, catalog=wb.catalog, period=prev, missing="skip")
        if len(table) and math.isfinite(table["value"].iloc[0]):
            baseline = float(table["value"].iloc[0])
    unit = kpi_unit(kpi_id, session_catalog(wb))
    digits = 4 if unit == "percent" else 0
    label = kpi_label(kpi_id, lang, session_catalog(wb)).lower()
    statement = text("builders.draft_statement", lang, label=label)
    return Goal(
        id=text("builders.draft_id", lang),
        statement=statement,
        kpi=kpi_id,
        baseline=round(baseline, digits),
        target=round(baseline * 1.1, digits),
        start=start,
        deadline=deadline,
        owner="",
    )


def _dates_missing_report(goal_like: dict, catalog: Any) -> SmartReport:
    placeholder = Goal(**{**goal_like, "start": dt.date(2000, 1, 1), "deadline": dt.date(2000, 12, 31)})
    report = smart_check(placeholder, catalog=catalog)
    msg = {lang: text("goal_views.missing_dates", lang) for lang in LANGUAGES}
    fix = {lang: text("goal_views.missing_dates_fix", lang) for lang in LANGUAGES}
    skip = {lang: text("builders.no_dates_yet", lang) for lang in LANGUAGES}
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

    def __init__(self, wb: ClientSession | None = None, lang: str | None = None, interactive: bool = True):
        self.wb = wb
        self.lang = resolve_lang(lang, wb)
        self.interactive = interactive
        self.catalog = session_catalog(wb)
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
        self.card_html = CARD_CSS + smart_card_html(goal, self.report, self.lang, self.catalog, currency)

    def _values(self) -> dict[str, Any]:
        base = self.baseline.value
        return {
            "id": self.draft.id,
            "statement": self.statement.value,
            "kpi": self.kpi.value or "",
            "baseline": None if base is None else float(base),
            "target": float(self.target.value or 0.0),
            "start": self.start.value,
            "deadline": self.deadline.value,
            "owner": self.owner.value,
        }

    def update(self, change: Any = None) -> None:
        """Re-check the goal from the controls (called on every change)."""
        values = self._values()
        if values["start"] is None or values["deadline"] is None:
            self.goal = None
            self.report = _dates_missing_report(values, self.catalog)
            self.card_html = CARD_CSS + "".join(
                f"<p>{status_badge(f.status, self.lang)} <strong>{f.letter}</strong> {esc(f.message[self.lang])}</p>"
                for f in self.report.findings
            )
            self.snippet_text = ""
        else:
            self._evaluate(Goal(**values))
            self.snippet_text = self.params_snippet()
        self.card.value = self.card_html
        self.snippet.value = (
            f"<p><strong>{esc(tx('snippet', self.lang))}</strong></p><pre>{esc(self.snippet_text)}</pre>"
        )

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
        options = sorted(
            ((f"{kpi_label(k.id, lang, self.catalog)} ({k.id})", k.id) for k in self.catalog),
            key=lambda o: o[0].lower(),
        )
        options += [(f"{v['labels'][lang]} ({k})", k) for k, v in GOAL_LEVEL_KPIS.items()]
        self.statement = w.Text(
            value=d.statement, description=tx("statement", lang), layout=wide, style=style, continuous_update=True
        )
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
        self.save_panel = SaveBackPanel(self.save_plan, params_file_of(self.wb), lang)
        self.widget = w.VBox(
            [
                w.HTML(f"<h4>{esc(tx('builder_title', lang))}</h4>"),
                self.statement,
                self.kpi,
                w.HBox([self.baseline, self.target]),
                w.HBox([self.start, self.deadline]),
                self.owner,
                self.card,
                self.snippet,
                self.save_panel.widget,
            ]
        )

    def save_plan(self) -> SavePlan:
        """The current goal written into the client's params file, checked, as a diff (nothing written:
        `.apply()` writes it with a backup). Raises ParamsError naming the field when the goal is invalid."""
        path = params_file_of(self.wb)
        if path is None:
            raise KpiWorkbookError(SAVE_TEXT["no_file"][self.lang])
        if self.goal is None:
            raise GoalError(text("goal_views.missing_dates", self.lang))
        return plan_goal(path, self.goal)

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


def goal_builder(wb: ClientSession | None = None, lang: str | None = None, interactive: bool = True) -> GoalBuilder:
    """The goal builder app: type a goal, see S M A R T feedback update on every change.
    Not interactive: the builder's first draft and its feedback, as static HTML."""
    return GoalBuilder(wb, lang=lang, interactive=interactive)


# --------------------------------------------------------------------------- pair picker
class PairPicker:
    """Pick a performance KPI, see its suggested quality partners, add the pair; the warnings
    (`warnings`, a DataFrame) follow every change. State: `kpis`, `pairs` (working selection)."""

    def __init__(self, wb: ClientSession, lang: str | None = None, interactive: bool = True):
        self.wb, self.lang, self.interactive = wb, resolve_lang(lang, wb), interactive
        self.catalog = wb.catalog
        self.reset()
        if interactive:
            self._build_widgets()
            self.refresh()

    def reset(self, _: Any = None) -> None:
        self.kpis: list[str] = selected_kpis(self.wb)
        self.pairs: list[tuple[str, str]] = [(a, b) for a, b in self.wb.config.pairs]
        self.warnings = warnings_frame(self.kpis, self.pairs, list(self.wb.config.goals), self.lang, wb=self.wb)
        if getattr(self, "pairs_html", None) is not None:
            self.refresh()

    def performance_options(self) -> list[tuple[str, str]]:
        """Performance KPIs this client's data can compute; the unpaired selected ones first."""
        paired = {p for p, _ in self.pairs}
        kpis = [k for k in self.catalog if k.kind == "performance" and is_computable(k, self.wb)]
        kpis.sort(key=lambda k: (k.id not in self.kpis or k.id in paired, k.label(self.lang).lower()))
        return [(f"{k.label(self.lang)} ({k.id})", k.id) for k in kpis]

    def partner_options(self, perf: str) -> list[tuple[str, str]]:
        """Quality partners for `perf` (suggest_partners), computable ones first."""
        ids = [p for p in suggest_partners(perf, self.catalog) if self.catalog[p].kind == "quality"]
        ids.sort(key=lambda p: not is_computable(self.catalog[p], self.wb))
        return [
            (f"{self.catalog[p].label(self.lang)} ({p})" + ("" if is_computable(self.catalog[p], self.wb) else " —"), p)
            for p in ids
        ]

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

    def save_plan(self) -> SavePlan:
        """The working KPIs and pairs added to the client's params file, checked, as a diff (`.apply()` writes)."""
        path = params_file_of(self.wb)
        if path is None:
            raise KpiWorkbookError(SAVE_TEXT["no_file"][self.lang])
        return plan_pairs(path, self.kpis, self.pairs)

    # ---- widgets
    def _build_widgets(self) -> None:
        import ipywidgets as widgets

        lang = self.lang
        style = {"description_width": "12em"}
        options = self.performance_options()
        self.performance = widgets.Dropdown(
            options=options,
            value=options[0][1] if options else None,
            description=w("performance_kpi", lang),
            style=style,
        )
        self.partner = widgets.Dropdown(
            options=self.partner_options(self.performance.value) if options else [],
            description=w("quality_kpi", lang),
            style=style,
        )
        self.add_button = widgets.Button(description=w("add", lang), button_style="primary", icon="plus")
        self.reset_button = widgets.Button(description=w("reset", lang))
        self.partner_card = widgets.HTML()
        self.pairs_html = widgets.HTML()
        self.warnings_html = widgets.HTML()
        self.snippet = widgets.HTML()
        self.save_panel = SaveBackPanel(self.save_plan, params_file_of(self.wb), lang)
        self.performance.observe(self._on_performance, names="value")
        self.partner.observe(lambda _: self._show_partner(), names="value")
        self.add_button.on_click(lambda _: self.add_pair())
        self.reset_button.on_click(self.reset)
        self.widget = widgets.VBox(
            [
                widgets.HTML(f"<h4>{esc(w('picker_title', lang))}</h4>"),
                self.performance,
                self.partner,
                self.partner_card,
                widgets.HBox([self.add_button, self.reset_button]),
                self.pairs_html,
                self.warnings_html,
                self.snippet,
                self.save_panel.widget,
            ]
        )
        self._show_partner()

    def _on_performance(self, change: Any) -> None:
        self.partner.options = self.partner_options(change["new"]) if change["new"] else []
        self._show_partner()

    def _show_partner(self) -> None:
        qual = self.partner.value
        self.partner_card.value = definition_card_html(self.catalog[qual], self.lang, open_=True) if qual else ""

    def refresh(self) -> None:
        lang = self.lang
        self.pairs_html.value = f"<h4>{esc(w('your_pairs', lang))}</h4>" + table_html(
            pairs_table(self.wb, lang, self.pairs)
        )
        self.warnings_html.value = (
            table_html(self.warnings) if len(self.warnings) else f"<p>{esc(w('no_warnings', lang))}</p>"
        )
        self.snippet.value = (
            f"<p><strong>{esc(w('pairs_snippet', lang))}</strong></p><pre>{esc(self.params_snippet())}</pre>"
        )

    # ---- display
    def _repr_html_(self) -> str:
        return table_html(partner_suggestions(self.wb, self.lang, self.kpis, self.pairs))

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(self.widget if self.interactive else HTML(self._repr_html_()))

    def __repr__(self) -> str:
        return f"<PairPicker {self.lang} interactive={self.interactive}>"


def pair_picker(wb: ClientSession, lang: str | None = None, interactive: bool = True) -> PairPicker:
    """Pick KPI pairs from the catalog with live warnings; static: suggested partners per KPI."""
    return PairPicker(wb, lang=lang, interactive=interactive)


__all__ = ["goal_builder", "GoalBuilder", "catalog_browser", "CatalogBrowser", "pair_picker", "PairPicker"]
