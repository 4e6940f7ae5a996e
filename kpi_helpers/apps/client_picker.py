"""The client picker: a dropdown of the params files in a folder that reloads the session.

`client_picker(params_dir, value=params_file, lang=lang, interactive=interactive)` in a notebook:
the dropdown lists every params file of the folder (`params.find_params_files`, label: the
client's name and its id = the file's name). Choosing one opens that client afresh
(`session.open_client`: its own params, its own data, its own catalog activated in the kernel)
and redraws the views in the picker's area (default: the dashboard); nothing of the previous
client is kept (its outputs are cleared first; a file that does not validate shows its error
and no views). `picker.session` is the current ClientSession; `picker.on_change(fn)` calls
`fn(session)` after each switch. Headless (papermill, batch) it only says which client the
notebook runs on: the `parameters` cell's `params_file` stays the notebook's input.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpi_helpers.exceptions import KpiWorkbookError
from kpi_helpers.i18n.messages import table

if TYPE_CHECKING:
    from kpi_helpers.session import ClientSession

TEXT: dict[str, dict[str, str]] = table("client_picker")


def _label(path: Path, lang: str) -> str:
    """'<client name> (<file id>)'; a file that does not validate is listed with a mark."""
    from kpi_helpers.exceptions import ParamsError
    from kpi_helpers.spec.agency import agency_settings
    from kpi_helpers.spec.safeyaml import load_yaml_file

    try:  # bounded: a FIFO, a huge file or an alias bomb in a colleague's file never hangs the picker
        limits = agency_settings(path.parent).limits
        raw = load_yaml_file(path, limits.params_bytes, limits.yaml_depth)
        given = raw.get("name") if isinstance(raw, dict) else None
        name = " ".join(given.split()) if isinstance(given, str) else ""
    except ParamsError:
        name = ""
    return f"{name} ({path.stem})" if name else f"{path.stem} ({TEXT['invalid'][lang]})"


class ClientPicker:
    """Dropdown of a folder's params files (`dropdown`), status line (`status`), view area (`view_area`)."""

    def __init__(
        self,
        params_dir: str | Path = "params",
        value: str | Path | None = None,
        lang: str | None = None,
        views: list[Callable[[Any], Any]] | None = None,
        interactive: bool = True,
    ):
        from kpi_helpers.session import find_params_file
        from kpi_helpers.spec.params import find_params_files

        self.lang_override = lang
        self.interactive = interactive
        folder = Path(params_dir)
        if not folder.is_dir() and value is not None:
            folder = find_params_file(value).parent
        elif not folder.is_dir():
            folder = find_params_file(params_dir)
        self.params_dir = folder
        self.files: list[Path] = find_params_files(folder)
        if value is not None:
            chosen = find_params_file(value).resolve()
        elif self.files:
            chosen = self.files[0].resolve()
        else:
            raise KpiWorkbookError(TEXT["no_files"][lang or "en"].format(folder=folder))
        if chosen not in [f.resolve() for f in self.files]:
            self.files = sorted([*self.files, chosen])
        self.views = views if views is not None else [_dashboard_view]
        self._callbacks: list[Callable[[Any], None]] = []
        self.session: ClientSession | None = None
        self.error: str | None = None
        self.path: Path = chosen
        ui_lang = lang or "en"
        self._open(chosen)
        if self.session is not None:
            ui_lang = self.session.lang
        self.lang = ui_lang
        if interactive:
            import ipywidgets as widgets

            options = [(_label(f, ui_lang), str(f.resolve())) for f in self.files]
            self.dropdown = widgets.Dropdown(
                options=options,
                value=str(chosen),
                description=TEXT["client"][ui_lang],
                layout=widgets.Layout(width="auto"),
            )
            self.dropdown.add_class("kpi-client-picker")
            self.status = widgets.HTML()
            self.view_area = widgets.VBox()
            self.view_area.add_class("kpi-client-view")
            self.dropdown.observe(lambda change: self.select(change["new"]), names="value")
            self.widget = widgets.VBox([self.dropdown, self.status, self.view_area])
            self._render()

    # ---- state
    def _open(self, path: Path) -> None:
        from kpi_helpers.session import open_client

        self.path, self.session, self.error = Path(path), None, None
        try:
            self.session = open_client(path, lang=self.lang_override)
        except KpiWorkbookError as error:  # a broken params file: its error, never the previous client
            self.error = str(error)

    def select(self, params_file: str | Path) -> Any:
        """Switch to another params file of the folder: a fresh session, views redrawn."""
        path = Path(params_file).resolve()
        if path not in [f.resolve() for f in self.files]:
            raise KpiWorkbookError(f"{params_file}: not one of the params files in {self.params_dir}")
        self._open(path)
        if self.interactive:
            if self.dropdown.value != str(path):
                self.dropdown.value = str(path)  # observer calls select again: same path, cheap
                return self.session
            self._render()
        for fn in self._callbacks:
            if self.session is not None:
                fn(self.session)
        return self.session

    def on_change(self, fn: Callable[[Any], None]) -> None:
        self._callbacks.append(fn)

    # ---- display
    def status_html(self) -> str:
        lang = self.session.lang if self.session is not None else self.lang
        if self.session is None:
            return (
                f"<p class='kpi-client-error'><strong>{html.escape(TEXT['not_loaded'][lang].format(file=self.path.name))}"
                f"</strong></p><pre>{html.escape(self.error or '')}</pre>"
            )
        name = " ".join(self.session.config.name.split())
        return f"<p class='kpi-client-status'>{html.escape(TEXT['showing'][lang].format(name=name, file=self.path.name))}</p>"

    def _render(self) -> None:
        """Drop the previous client's views, then build the new client's (widgets as children;
        anything else as its mime bundle in an Output, written to its state like the apps do)."""
        import ipywidgets as widgets
        from IPython.core.formatters import format_display_data

        for child in self.view_area.children:
            child.close()
        self.view_area.children = ()
        if self.session is not None:  # one language on the page: the chosen client's
            self.lang = self.session.lang
            self.dropdown.description = TEXT["client"][self.lang]
        self.status.value = self.status_html()
        if self.session is None:
            return
        children = []
        for view in self.views:
            shown = view(self.session)
            if shown is None:
                continue
            if isinstance(shown, widgets.Widget):
                children.append(shown)
                continue
            data, metadata = format_display_data(shown)
            out = widgets.Output()
            out.outputs = ({"output_type": "display_data", "data": data, "metadata": metadata},)
            children.append(out)
        self.view_area.children = tuple(children)

    def _repr_html_(self) -> str:
        return self.status_html()

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(self.widget if self.interactive else HTML(self.status_html()))

    def __repr__(self) -> str:
        return f"<ClientPicker {self.path.name} of {len(self.files)}>"


def _dashboard_view(wb: ClientSession) -> Any:
    from kpi_helpers.apps.widgets import dashboard

    return dashboard(wb, interactive=True)


def client_picker(
    params_dir: str | Path = "params",
    value: str | Path | None = None,
    lang: str | None = None,
    views: list[Callable[[Any], Any]] | None = None,
    interactive: bool = True,
) -> ClientPicker:
    """A dropdown of the params files in `params_dir`; choosing one reloads the session and redraws
    `views` (callables taking the session; default: the dashboard). `value`: the params file to
    start on (the notebook's `params_file`)."""
    return ClientPicker(params_dir, value=value, lang=lang, views=views, interactive=interactive)
