"""Save back: write a goal (goal builder) or KPI pairs (pair picker) into the client's params file.

Two steps, so nothing is written unseen: `plan_goal` / `plan_pairs` edit the file's YAML with a
round-trip parser (ruamel.yaml: comments, key order and flow lists stay as they are), validate
the result exactly as `load_params` would (a ParamsError names the field, e.g. `goals[3].owner`)
and return a `SavePlan` holding the unified diff. `SavePlan.apply()` then keeps a backup of the
old file (`<id>.yaml.bak`, the previous backup replaced) and writes the new text atomically;
it refuses when the file changed on disk since the plan was made.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpi_helpers.exceptions import KpiWorkbookError, ParamsError
from kpi_helpers.i18n.messages import table

if TYPE_CHECKING:
    from kpi_helpers.session import ClientSession

TEXT: dict[str, dict[str, str]] = table("save_back")
DRAFT_IDS = ("", "draft", "concept")


def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap the analyst's long lines
    return y


def _indent_of(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) as the file writes block lists: `  - x` under a key, or `- x`."""
    return (2, 4, 2) if re.search(r"^[A-Za-z_]\w*:\s*(#.*)?\n(\s*#.*\n)*  - ", text, re.M) else (2, 2, 0)


@dataclass(frozen=True)
class SavePlan:
    """A checked change to a params file: `diff` to show, `apply()` to write it."""

    path: Path
    old_text: str
    new_text: str

    @property
    def changed(self) -> bool:
        return self.old_text != self.new_text

    @property
    def diff(self) -> str:
        name = self.path.name
        return "".join(
            difflib.unified_diff(
                self.old_text.splitlines(keepends=True),
                self.new_text.splitlines(keepends=True),
                fromfile=f"{name} (now)",
                tofile=f"{name} (new)",
            )
        )

    @property
    def backup_path(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    def apply(self, lang: str = "en") -> Path:
        """Keep a backup of the current file, then write the new text (atomically). Returns the backup."""
        current = self.path.read_text(encoding="utf-8-sig")
        if current != self.old_text:
            raise KpiWorkbookError(TEXT["changed"][lang].format(file=self.path))
        backup = self.backup_path
        shutil.copy2(self.path, backup)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(self.new_text)
            shutil.copymode(self.path, tmp)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return backup


def _load(path: Path) -> tuple[str, Any, Any]:
    from kpi_helpers.spec.agency import agency_settings
    from kpi_helpers.spec.safeyaml import load_yaml_file

    # the bounded reader first: a FIFO, a huge file or an alias bomb is refused before ruamel sees it
    limits = agency_settings(path.parent).limits
    load_yaml_file(path, limits.params_bytes, limits.yaml_depth)
    text = path.read_text(encoding="utf-8-sig")
    y = _yaml()
    y.indent(*_indent_of(text))
    try:
        doc = y.load(text)
    except Exception as error:  # noqa: BLE001 - ruamel's errors carry a mark like PyYAML's
        raise ParamsError(str(path), [("", f"not valid YAML: {error}")]) from None
    if not isinstance(doc, dict):
        raise ParamsError(str(path), [("", "expected a mapping of fields (client:, name:, data:, ...)")])
    return text, y, doc


def _finish(path: Path, old_text: str, y: Any, doc: Any) -> SavePlan:
    """Dump the edited document and validate it as load_params would (errors name the field)."""
    from kpi_helpers.spec.agency import DEFAULT_LIMITS
    from kpi_helpers.spec.params import parse_params
    from kpi_helpers.spec.safeyaml import parse_yaml

    buf = io.StringIO()
    y.dump(doc, buf)
    new_text = buf.getvalue()
    parse_params(
        parse_yaml(new_text, str(path), DEFAULT_LIMITS.yaml_depth), path
    )  # raises ParamsError naming file and field
    return SavePlan(path, old_text, new_text)


def _flow(items: list[Any]) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _unique_id(goal: Any, taken: set[str]) -> str:
    base = f"{goal.kpi}-{goal.deadline.year}"
    out, n = base, 2
    while out in taken:
        out, n = f"{base}-{n}", n + 1
    return out


def goal_mapping(goal: Any, goal_id: str) -> Any:
    """A Goal as a YAML mapping in the params file's field order (empty fields left out)."""
    from ruamel.yaml.comments import CommentedMap

    # the model's own field order (params files use it), so a field added to Goal is never dropped here
    data = {**goal.model_dump(exclude_none=True), "id": goal_id}
    out = CommentedMap()
    for key in type(goal).model_fields:
        value = data.get(key)
        if value is None or value == "" or value == {}:
            continue
        out[key] = _yaml_value(value)
    return out


def _yaml_value(value: Any) -> Any:
    """Whole floats as ints (`target: 4500`), datetimes as dates; dicts (targets per period) likewise."""
    if isinstance(value, dict):
        return {k: _yaml_value(v) for k, v in value.items()}
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value if not isinstance(value, dt.datetime) else value.date()


def _move_trailing_comment(seq: Any, item: Any) -> None:
    """Blank lines/comments after the last goal belong after the new last goal."""
    if not len(seq) or not hasattr(seq[-1], "ca") or not len(seq[-1]) or not len(item):
        return
    last = seq[-1]
    key = list(last.keys())[-1]
    token = last.ca.items.get(key)
    if token and len(token) > 2 and token[2] is not None:
        item.ca.items[list(item.keys())[-1]] = [None, None, token[2], None]
        token[2] = None


def plan_goal(params_file: str | Path, goal: Any) -> SavePlan:
    """Add `goal` under `goals:` (or replace the goal with the same id); a builder draft id
    ('draft'/'concept'/empty) becomes `<kpi>-<deadline year>`, unique in the file."""
    from ruamel.yaml.comments import CommentedSeq

    path = Path(params_file)
    old_text, y, doc = _load(path)
    goals = doc.get("goals")
    if goals is None:
        goals = doc["goals"] = CommentedSeq()
    if not isinstance(goals, list):
        raise ParamsError(str(path), [("goals", "is not a list; cannot add a goal to it")])
    taken = {str(g.get("id") or g.get("kpi")) for g in goals if isinstance(g, dict)}
    goal_id = (goal.id or "").strip()
    if goal_id in DRAFT_IDS:
        goal_id = _unique_id(goal, taken)
    item = goal_mapping(goal, goal_id)
    index = next(
        (i for i, g in enumerate(goals) if isinstance(g, dict) and str(g.get("id") or g.get("kpi")) == goal_id), None
    )
    if index is None:
        _move_trailing_comment(goals, item)
        goals.append(item)
    else:
        goals[index] = item
    return _finish(path, old_text, y, doc)


def plan_pairs(params_file: str | Path, kpis: list[str], pairs: list[tuple[str, str]]) -> SavePlan:
    """Add the KPIs and pairs not in the file yet to `kpis:` and `pairs:` (existing entries,
    including the client's own KPI definitions, stay as they are)."""
    from ruamel.yaml.comments import CommentedSeq

    path = Path(params_file)
    old_text, y, doc = _load(path)
    for key in ("kpis", "pairs"):
        if doc.get(key) is None:
            doc[key] = CommentedSeq()
            if key == "kpis":
                doc[key].fa.set_flow_style()
        elif not isinstance(doc[key], list):
            raise ParamsError(str(path), [(key, "is not a list; cannot add to it")])
    have = {str(k.get("id")) if isinstance(k, dict) else str(k) for k in doc["kpis"]}
    for k in kpis:
        if k not in have:
            doc["kpis"].append(k)
            have.add(k)
    have_pairs = {tuple(str(x) for x in p) for p in doc["pairs"] if isinstance(p, list)}
    for perf, qual in pairs:
        if (perf, qual) not in have_pairs:
            doc["pairs"].append(_flow([perf, qual]))
            have_pairs.add((perf, qual))
    return _finish(path, old_text, y, doc)


# --------------------------------------------------------------------------- the confirm step (widgets)
class SaveBackPanel:
    """'Save…' shows the diff (nothing written yet); 'Confirm' writes with a backup; 'Cancel'
    drops the plan. `make_plan` is called on 'Save…' (it validates and may raise ParamsError)."""

    def __init__(self, make_plan: Any, params_file: Path | None, lang: str):
        import ipywidgets as widgets

        self.make_plan, self.params_file, self.lang = make_plan, params_file, lang
        self.plan: SavePlan | None = None
        self.backup: Path | None = None
        auto = {"layout": widgets.Layout(width="auto")}  # the whole label, in both languages
        self.save_button = widgets.Button(description=TEXT["save"][lang], **auto)
        self.confirm_button = widgets.Button(
            description=TEXT["confirm"][lang], button_style="warning", disabled=True, **auto
        )
        self.cancel_button = widgets.Button(description=TEXT["cancel"][lang], disabled=True, **auto)
        self.message = widgets.HTML()
        for b, css in (
            (self.save_button, "kpi-save"),
            (self.confirm_button, "kpi-save-confirm"),
            (self.cancel_button, "kpi-save-cancel"),
        ):
            b.add_class(css)
        self.message.add_class("kpi-save-message")
        self.save_button.on_click(lambda _: self.prepare())
        self.confirm_button.on_click(lambda _: self.confirm())
        self.cancel_button.on_click(lambda _: self.cancel())
        self.save_button.disabled = params_file is None
        if params_file is None:
            self.message.value = f"<p><em>{_esc(TEXT['no_file'][lang])}</em></p>"
        self.widget = widgets.VBox(
            [widgets.HBox([self.save_button, self.confirm_button, self.cancel_button]), self.message]
        )

    def _armed(self, on: bool) -> None:
        self.confirm_button.disabled = self.cancel_button.disabled = not on

    def prepare(self) -> SavePlan | None:
        """Validate and show the diff; nothing is written."""
        lang = self.lang
        self.plan = None
        try:
            plan = self.make_plan()
        except KpiWorkbookError as error:
            self._armed(False)
            self.message.value = f"<p><strong>{_esc(TEXT['refused'][lang])}</strong></p><pre>{_esc(str(error))}</pre>"
            return None
        name = plan.path.name
        if not plan.changed:
            self._armed(False)
            self.message.value = f"<p>{_esc(TEXT['no_change'][lang].format(file=name))}</p>"
            return plan
        self.plan = plan
        self._armed(True)
        self.message.value = (
            f"<p>{_esc(TEXT['diff'][lang].format(file=name))}</p><pre class='kpi-save-diff'>{_esc(plan.diff)}</pre>"
        )
        return plan

    def confirm(self) -> Path | None:
        lang = self.lang
        if self.plan is None:
            return None
        try:
            self.backup = self.plan.apply(lang)
        except (KpiWorkbookError, OSError) as error:
            self.message.value = f"<p><strong>{_esc(TEXT['refused'][lang])}</strong> {_esc(str(error))}</p>"
            return None
        finally:
            self._armed(False)
        self.message.value = (
            f"<p>✓ {_esc(TEXT['saved'][lang].format(file=self.plan.path.name, backup=self.backup.name))}</p>"
        )
        self.plan = None
        return self.backup

    def cancel(self) -> None:
        self.plan = None
        self._armed(False)
        self.message.value = f"<p>{_esc(TEXT['cancelled'][self.lang])}</p>"


def _esc(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def params_file_of(wb: ClientSession | None) -> Path | None:
    """The params file a session was opened from (None for a session built in code)."""
    source = getattr(getattr(wb, "config", None), "source_file", None)
    return Path(source) if source is not None and Path(source).is_file() else None
