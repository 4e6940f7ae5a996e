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
    "open_client": "session",
    "ClientSession": "session",
    "find_params_file": "session",
    "client_picker": "apps.client_picker",
    "ClientPicker": "apps.client_picker",
    "show": "views.display",
    "show_table": "views.display",
    "show_markdown": "views.display",
    "teach": "views.teaching",
    "teaching_markdown": "views.teaching",
    "csv_download": "views.export",
    "dashboard_table": "views.export",
    # i18n
    "t": "i18n.formats",
    "format_value": "i18n.formats",
    "format_percent": "i18n.formats",
    "format_currency": "i18n.formats",
    "format_number": "i18n.formats",
    "format_date": "i18n.formats",
    "format_period": "i18n.formats",
    # catalog
    "load_catalog": "spec.catalog",
    "Catalog": "spec.catalog",
    "Kpi": "spec.catalog",
    "suggest_partners": "spec.catalog",
    "check_selection": "spec.catalog",
    "SelectionWarning": "spec.catalog",
    "kpi_table": "spec.catalog",
    "format_formula": "spec.catalog",
    "use_catalog": "spec.catalog",
    # goals
    "Goal": "spec.goals",
    "smart_check": "spec.goals",
    "SmartReport": "spec.goals",
    "check_chain": "compute.chains",
    "goal_tree": "compute.chains",
    "DRIVER_TREES": "compute.chains",
    # params
    "load_params": "spec.params",
    "ClientConfig": "spec.params",
    # data
    "load_facts": "data.load",
    "check_data": "data.load",
    # engine
    "compute_kpis": "compute.engine",
    "period_over_period": "compute.engine",
    "pair_quadrants": "compute.engine",
    "breakdown": "compute.engine",
    "pace_goal": "compute.pacing",
    "pace_goals": "compute.pacing",
    "seasonality": "compute.pacing",
    "Pacing": "compute.pacing",
    "Seasonality": "compute.pacing",
    "decompose_change": "compute.drivers",
    "what_if": "compute.drivers",
    "drivers_for_goal": "compute.drivers",
    "WhatIf": "compute.drivers",
    # summary (page one of the client report; Check → Act list as HTML)
    "show_findings": "views.summary",
    "show_section": "views.summary",
    "findings_html": "views.summary",
    "summary_html": "views.summary",
    "dimension_label": "i18n.formats",
    # charts (notebook figures)
    "scorecard": "views.charts",
    "trend": "views.charts",
    "pair_quadrant": "views.charts",
    "channel_breakdown": "views.charts",
    "seasonality_heatmap": "views.charts",
    "seasonality_matrix": "views.charts",
    "driver_waterfall": "views.charts",
    "pacing_bars": "views.charts",
    "what_if_bars": "views.charts",
    # widgets (dashboard, what-if) + analysis (step-3 views)
    "dashboard": "apps.widgets",
    "what_if_app": "apps.widgets",
    "Dashboard": "apps.widgets",
    "WhatIfApp": "apps.widgets",
    "dashboard_figures": "apps.widgets",
    "what_if_scenarios": "apps.widgets",
    "section_heading": "views.analysis",
    "scorecards": "views.analysis",
    "goal_trend": "views.analysis",
    "goal_trends": "views.analysis",
    "pacing_charts": "views.analysis",
    "pair_charts": "views.analysis",
    "breakdown_charts": "views.analysis",
    "seasonality_charts": "views.analysis",
    "driver_charts": "views.analysis",
    # builders (goal builder, pair picker, catalog browser) + pair_views (step-2 views)
    "smart_cards": "views.goal_views",
    "goal_tree_figure": "views.goal_views",
    "chain_findings_table": "views.goal_views",
    "realism_table": "views.goal_views",
    "realism_figure": "views.goal_views",
    "vague_to_specific_example": "views.goal_views",
    "vague_to_specific_goals": "views.goal_views",
    "monthly_history": "views.goal_views",
    "HtmlView": "views.goal_views",
    "goal_builder": "apps.builders",
    "GoalBuilder": "apps.builders",
    "catalog_browser": "apps.builders",
    "catalog_table": "views.pair_views",
    "selected_kpis_view": "views.pair_views",
    "pairs_view": "views.pair_views",
    "pairs_table": "views.pair_views",
    "pairs_figure": "views.pair_views",
    "partner_suggestions": "views.pair_views",
    "selection_warnings": "views.pair_views",
    "pair_picker": "apps.builders",
    "PairPicker": "apps.builders",
    "CatalogBrowser": "apps.builders",
    # findings
    "Finding": "compute.findings",
    "build_findings": "compute.findings",
    "findings_markdown": "compute.findings",
    "pacing_table": "compute.findings",
    # workshop
    "open_exercise": "workshop.views",
    "ExerciseView": "workshop.views",
    "Exercise": "workshop.exercises",
    "check_answers": "workshop.exercises",
    "Feedback": "workshop.exercises",
    "run_factory": "workshop.sim",
    "nail_scenarios": "workshop.sim",
    # batch / report
    "run_batch": "run.batch",
    "client_summary": "run.report",
    # validate
    "validate_folder": "run.validate",
    "new_client": "run.validate",
}

# Everything `import kpi_helpers as kpi` offers (a test checks that every name resolves).
__all__ = [
    "__version__",
    "BatchError",
    "CatalogError",
    "DataProblem",
    "DataValidationError",
    "GoalError",
    "KpiWorkbookError",
    "ParamsError",
    "UnknownKpiError",
    *_EXPORTS,
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
