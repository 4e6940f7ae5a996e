"""One client opened in a notebook: params, data, language — loaded once, shared by all cells."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from kpi_helpers.exceptions import ParamsError
from kpi_helpers.i18n.formats import check_lang
from kpi_helpers.spec.params import ClientConfig, load_params

if TYPE_CHECKING:
    from kpi_helpers.spec.catalog import Catalog


def find_params_file(params_file: str | Path) -> Path:
    """Resolve a params path given relative to the cwd or to a folder above it.

    Notebooks run with a workspace's `notebooks/` (JupyterLab, nbval) or its root (papermill)
    as cwd; the same default `params/demo_webshop.yaml` must work in both. A bundled demo
    client (`params/demo_*.yaml`) not found there is read from the package, and notebooks
    running inside the package itself always use the bundled demo (never a checkout's params/).
    """
    from kpi_helpers.run.workspace import demo_params_file, package_path

    path = Path(params_file).expanduser()
    if path.is_absolute() or path.exists():
        return path
    demo = demo_params_file(path.name) if path.parent in (Path("."), Path("params")) else None
    if demo is not None and Path.cwd().resolve().is_relative_to(package_path().resolve()):
        return demo
    for folder in Path.cwd().parents:
        candidate = folder / path
        if candidate.exists():
            return candidate
    if demo is not None:
        return demo
    raise ParamsError(
        str(params_file), [("", "file not found (looked in the current folder and the folders above it)")]
    )


@dataclass
class ClientSession:
    """A client's config plus lazily loaded facts; `lang` may override the params language."""

    config: ClientConfig
    lang: str
    _facts: pd.DataFrame | None = field(default=None, repr=False)
    #: None: 'now' is the last data date; a date (or "YYYY-MM-DD"): the report as it was on that
    #: date (facts cut there); "last-complete": the end of the last complete period (kpi_helpers.compute.asof)
    as_of_request: object = None
    _as_of_date: dt.date | None = field(default=None, repr=False)

    @cached_property
    def catalog(self) -> Catalog:
        """The bundled catalog plus the client's own measures and KPIs (params `measures:`/`kpis:`)."""
        return self.config.catalog

    @property
    def facts(self) -> pd.DataFrame:
        if self._facts is None:
            from kpi_helpers.data.cache import cached_facts
            from kpi_helpers.data.load import load_facts
            from kpi_helpers.spec.catalog import use_catalog

            def load() -> pd.DataFrame:
                with use_catalog(self.config.client_catalog):  # the client's measures are data columns too
                    return load_facts(self.config)

            self._facts = self.cut(cached_facts(self.config, load))  # once per batch kernel (kpi_helpers.data.cache)
        return self._facts

    def cut(self, facts: pd.DataFrame) -> pd.DataFrame:
        """`facts` up to the as-of date asked for (unchanged when none was asked)."""
        from kpi_helpers.compute.asof import cut_facts, resolve_as_of

        where = str(self.config.source_file or self.config.client)
        self._as_of_date = resolve_as_of(facts, self.config.grain, self.as_of_request, where=where)
        return cut_facts(facts, self._as_of_date, where=where)

    @property
    def currency(self) -> str:
        return self.config.currency

    @property
    def as_of(self) -> dt.date:
        """Reports are 'as of' the date asked for, else the last date in the data; never today's date
        (reproducible)."""
        facts = self.facts
        if self._as_of_date is not None:
            return self._as_of_date
        return pd.Timestamp(facts["date"].max()).date()

    @property
    def cut_date(self) -> dt.date | None:
        """The as-of date the facts were cut at (None: no date asked; 'now' is the last data date)."""
        _ = self.facts
        return self._as_of_date

    @property
    def partial(self) -> bool:
        """The last period at the client's grain is not complete on the as-of date."""
        from kpi_helpers.compute.asof import is_partial

        return is_partial(self.as_of, self.config.grain)

    @property
    def grain(self) -> str:
        """The client's reporting grain (params `grain`): scorecards, period over period, findings, trends."""
        return self.config.grain

    @property
    def report_start(self) -> pd.Timestamp | None:
        """First day reported (params `period.start`); earlier data is history for comparisons only."""
        period = getattr(self.config, "period", None)
        start = getattr(period, "start", None)
        return pd.Timestamp(start) if start is not None else None

    @property
    def channels(self) -> list[str]:
        if "channel" not in self.facts.columns:
            return []
        present = sorted(self.facts["channel"].dropna().unique().tolist())
        wanted = self.config.channels
        return [c for c in wanted if c in present] if wanted else present

    @property
    def title(self) -> str:
        """'<client name> — <as-of date>' on one line (names may hold newlines)."""
        from kpi_helpers.i18n.formats import format_date

        name = " ".join(self.config.name.split())
        return f"{name} — {format_date(self.as_of, self.lang)}"

    def label(self, kpi_id: str) -> str:
        return self.catalog[kpi_id].label(self.lang)


def _use_agency_chart_color(config: ClientConfig) -> None:
    """The agency's primary colour (params/_agency.yaml beside the params file) for the charts' main
    series. A broken agency file is the batch's error to report (it stops before any kernel runs);
    here it only means the default colours."""
    from kpi_helpers.spec.agency import agency_branding
    from kpi_helpers.views.display import use_chart_color

    color = None
    if config.source_file:
        try:
            color = agency_branding(Path(config.source_file).parent).primary
        except (ParamsError, OSError):
            color = None
    use_chart_color(color)


def open_client(params_file: str | Path, lang: str | None = None, as_of: object = None) -> ClientSession:
    """Load and validate a client's params file; `lang` overrides its report language; `as_of`
    ("YYYY-MM-DD", a date or "last-complete") reports as of that date: no data after it."""
    from kpi_helpers.spec.catalog import activate_catalog

    config = load_params(find_params_file(params_file))
    activate_catalog(config.client_catalog)  # a kernel works on one client: its KPIs everywhere
    _use_agency_chart_color(config)
    if as_of is not None and as_of != "last-complete":
        from kpi_helpers.compute.asof import parse_as_of

        as_of = parse_as_of(as_of, option="as_of")
    return ClientSession(config=config, lang=check_lang(lang or config.language), as_of_request=as_of)
