"""Every error a user can cause is one of these classes (one module, like papermill)."""

from __future__ import annotations

from dataclasses import dataclass, field


class KpiWorkbookError(Exception):
    """Base class: a problem the user can fix; the message says what and where."""


class CatalogError(KpiWorkbookError):
    """The KPI catalog (catalog.yaml) is inconsistent: unknown measure, partner, ..."""


class UnknownKpiError(KpiWorkbookError, KeyError):
    """A KPI id that the catalog does not define."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class ParamsError(KpiWorkbookError):
    """A params file is unreadable or invalid. Lists every problem at once."""

    def __init__(self, file: str, problems: list[tuple[str, str]]):
        self.file = str(file)
        self.problems = problems  # (field path, message)
        lines = [f"{self.file}: {fld}: {msg}" if fld else f"{self.file}: {msg}" for fld, msg in problems]
        super().__init__("\n".join(lines))


@dataclass
class DataProblem:
    """One finding about client data; rows are 1-based line numbers in the source file."""

    file: str
    column: str | None
    message: str
    rows: list[int] = field(default_factory=list)
    severity: str = "error"  # "error" or "warning"
    total_rows: int | None = None  # how many rows have the problem (`rows` lists only the first ones)

    def __str__(self) -> str:
        where = self.file + (f": column '{self.column}'" if self.column else "")
        rows = ""
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            total = max(self.total_rows or 0, len(self.rows))
            more = f" (+{total - 5:,} more)" if total > 5 else ""
            rows = f" (rows {shown}{more})"
        return f"{where}: {self.message}{rows}"


class DataValidationError(KpiWorkbookError):
    """Client data failed validation; `problems` holds every problem, not only the first."""

    def __init__(self, problems: list[DataProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class GoalError(KpiWorkbookError):
    """A goal cannot be evaluated (e.g. its KPI is not computable from the data)."""


class BatchError(KpiWorkbookError):
    """A batch run could not start (e.g. no params files found)."""
