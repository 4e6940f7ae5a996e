"""KPI Workbook: SMART goals, KPI pairs and KPI analysis for Jupyter notebooks."""

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

__version__ = "0.1.0"
