"""KPI Workbook: SMART goals, KPI pairs and KPI analysis for Jupyter notebooks.

Notebooks import only this module (`import kpi_helpers as kpi`). Exports are resolved
lazily (PEP 562) so a kernel pays for plotly/pandas imports only when a cell needs them:
kernel start-up dominates a batch run.
"""

from __future__ import annotations

import importlib
from typing import Any

from kpi_helpers.exceptions import (
    BatchError,
    CatalogError,
    DataProblem,
    DataValidationError,
    GoalError,
    KpiWorkbookError,
    ParamsError,
    UnknownKpiError,
)

__version__ = "0.1.0"  # the single source: pyproject.toml reads it (dynamic version)

# public name -> module. One block per module; add names to your module's block only.
_EXPORTS: dict[str, str] = {
    # session / display
    "open_client": "session", "ClientSession": "session", "find_params_file": "session",
    "client_picker": "client_picker", "ClientPicker": "client_picker",
    "show": "display", "show_table": "display", "show_markdown": "display",
    "csv_download": "export", "dashboard_table": "export",
    # i18n
    "t": "i18n", "format_value": "i18n", "format_percent": "i18n", "format_currency": "i18n",
    "format_number": "i18n", "format_date": "i18n", "format_period": "i18n",
    # catalog
    "load_catalog": "catalog", "Catalog": "catalog", "Kpi": "catalog", "suggest_partners": "catalog",
    "check_selection": "catalog", "SelectionWarning": "catalog", "kpi_table": "catalog", "format_formula": "catalog",
    "use_catalog": "catalog",
    # goals
    "Goal": "goals", "smart_check": "goals", "SmartReport": "goals", "check_chain": "chains", "goal_tree": "chains",
    "DRIVER_TREES": "chains",
    # params
    "load_params": "params", "ClientConfig": "params",
    # data
    "load_facts": "data", "check_data": "data",
    # engine
    "compute_kpis": "engine", "period_over_period": "engine", "pair_quadrants": "engine", "breakdown": "engine",
    "pace_goal": "pacing", "pace_goals": "pacing", "seasonality": "pacing", "Pacing": "pacing",
    "Seasonality": "pacing",
    "decompose_change": "drivers", "what_if": "drivers", "drivers_for_goal": "drivers", "WhatIf": "drivers",
    # summary (page one of the client report; Check → Act list as HTML)
    "show_findings": "summary", "show_section": "summary", "findings_html": "summary", "summary_html": "summary",
    "dimension_label": "i18n",
    # charts (notebook figures)
    "scorecard": "charts", "trend": "charts", "pair_quadrant": "charts", "channel_breakdown": "charts",
    "seasonality_heatmap": "charts", "seasonality_matrix": "charts", "driver_waterfall": "charts",
    "pacing_bars": "charts", "what_if_bars": "charts",
    # widgets (dashboard, what-if) + analysis (step-3 views)
    "dashboard": "widgets", "what_if_app": "widgets", "Dashboard": "widgets", "WhatIfApp": "widgets",
    "dashboard_figures": "widgets", "what_if_scenarios": "widgets", "section_heading": "analysis", "scorecards": "analysis",
    "goal_trend": "analysis", "goal_trends": "analysis", "pacing_charts": "analysis", "pair_charts": "analysis",
    "breakdown_charts": "analysis", "seasonality_charts": "analysis", "driver_charts": "analysis",
    # builders (goal builder, pair picker, catalog browser) + pair_views (step-2 views)
    "smart_cards": "goal_views", "goal_tree_figure": "goal_views", "chain_findings_table": "goal_views",
    "realism_table": "goal_views", "realism_figure": "goal_views", "vague_to_specific_example": "goal_views",
    "vague_to_specific_goals": "goal_views", "monthly_history": "goal_views", "HtmlView": "goal_views",
    "goal_builder": "builders", "GoalBuilder": "builders", "catalog_browser": "builders", "catalog_table": "pair_views",
    "selected_kpis_view": "pair_views", "pairs_view": "pair_views", "pairs_table": "pair_views",
    "pairs_figure": "pair_views", "partner_suggestions": "pair_views", "selection_warnings": "pair_views",
    "pair_picker": "builders", "PairPicker": "builders", "CatalogBrowser": "builders",
    # findings
    "Finding": "findings", "build_findings": "findings", "findings_markdown": "findings", "pacing_table": "findings",
    # workshop
    "open_exercise": "workshop_views", "ExerciseView": "workshop_views", "Exercise": "workshop", "check_answers": "workshop",
    "Feedback": "workshop", "run_factory": "workshop_sim", "nail_scenarios": "workshop_sim",
    # batch / report
    "run_batch": "batch", "client_summary": "report",
    # validate
    "validate_folder": "validate", "new_client": "validate",
}

# Everything `import kpi_helpers as kpi` offers (a test checks that every name resolves).
__all__ = [
    "__version__", "BatchError", "CatalogError", "DataProblem", "DataValidationError", "GoalError",
    "KpiWorkbookError", "ParamsError", "UnknownKpiError", *_EXPORTS,
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kpi_helpers' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"kpi_helpers.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
