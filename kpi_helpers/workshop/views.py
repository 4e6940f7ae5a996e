"""Notebook views of the workshop exercises: assignments, context tables, answer widgets,
the nail-factory simulator, feedback display and trainer notes.

`ExerciseView` (what `open_exercise` returns) adds the display methods to
kpi_helpers.workshop.exercises.Exercise (`show_questions`, `show_context`, `widget`, `simulator`, `check`,
`show_trainer_notes`); the content comes from
kpi_helpers.workshop.exercises (workshop_content.yaml) and the numbers from kpi_helpers.workshop.sim.
Nothing here decides what is right: every answer goes through `Exercise.feedback`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from kpi_helpers.i18n.formats import format_currency, format_number, format_percent
from kpi_helpers.i18n.messages import text
from kpi_helpers.views.display import show_markdown
from kpi_helpers.workshop import exercises as ws
from kpi_helpers.workshop.sim import HOURS, NailRun, design_targets, evaluate_mix, pair_story, run_factory

if TYPE_CHECKING:
    from kpi_helpers.session import ClientSession

SIZES_KEYS = ("tiny", "useful", "huge")


def _md_list(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def questions_markdown(ex: Any) -> str:
    """The assignment of an exercise as markdown, with the numbers filled in from the data."""
    lang = ex.lang
    if ex.key == "good_kpi":
        rows = [
            f"| {i} | `{q['id']}` | {ws.GOALS[q['goal']][lang]} | {q['metric'][lang]} |"
            for i, q in enumerate(ws.QUIZ, 1)
        ]
        head = text("workshop_views.assign_good_kpi", lang)
        table = (text("workshop_views.id_goal_proposed_kpi", lang)) + "\n|---|---|---|---|\n" + "\n".join(rows)
        fmt = '`answers = {"website_traffic": {"good": True/False, "reason": "loose_metric"}, ...}`'
        return f"{head}\n\n{table}\n\n{text('workshop_views.as_a_parameter', lang)}: {fmt}"
    if ex.key == "smart":
        last = format_currency(ws.PROFIT_LAST_YEAR, "EUR", lang)
        pace = format_percent(ws.PROFIT_GROWTH_PER_MONTH, lang, decimals=1)
        return text("workshop_views.assign_smart", lang, last=last, pace=pace)
    if ex.key == "goodhart":
        story = ex.data["story"]
        period = f"Q{story['period'].quarter} {story['period'].year}"
        q = ws.QUADRANTS
        opts = lambda d: ", ".join(f"`{k}`" for k in d)  # noqa: E731
        return text(
            "workshop_views.assign_goodhart",
            lang,
            sizes=opts(SIZES_KEYS),
            targets=opts(ws.TARGETS),
            client=ex.data["wb"].config.name,
            partners=opts(ex.data["partner_options"]),
            period=period,
            quadrants=opts(q),
        )
    if ex.key == "drivers":
        plan = ex.data["plan"]
        g = plan["goal"]
        b, t = (format_currency(g[k], "EUR", lang) for k in ("baseline", "target"))
        y = plan["year"]
        return text("workshop_views.assign_drivers", lang, year=y, previous_year=y - 1, baseline=b, target=t)
    wb = ex.data["wb"]
    goals = ", ".join(f"`{g.id}`" for g in wb.config.goals)
    acts = ", ".join(f"`{k}`" for k in ws.ACTIONS)
    asof = wb.as_of.isoformat()
    return text("workshop_views.assign_review", lang, as_of=asof, client=wb.config.name, goals=goals, actions=acts)


def nail_table(runs: list[NailRun], lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            text("workshop_views.measured_on", lang): [
                ws.TARGETS[r.target][lang] if r.target in ws.TARGETS else "—" for r in runs
            ],
            text("workshop_views.nail_mm", lang): [r.length_mm for r in runs],
            text("workshop_views.count", lang): [format_number(r.count, lang) for r in runs],
            text("workshop_views.weight_kg", lang): [format_number(r.weight_kg, lang) for r in runs],
            text("workshop_views.useful", lang): [format_number(r.useful, lang) for r in runs],
            text("workshop_views.factory_score", lang): [format_percent(r.score, lang, 0) for r in runs],
        }
    )


def show_context(ex: Any) -> None:
    """The tables an exercise works on (what the learner reads to answer)."""
    from kpi_helpers.views.display import show_table

    lang = ex.lang
    if ex.key == "good_kpi":
        show_markdown(_md_list([f"**{r['short'][lang]}** (`{k}`): {r['long'][lang]}" for k, r in ws.REASONS.items()]))
    elif ex.key == "smart":
        from kpi_helpers.compute.chains import check_chain
        from kpi_helpers.spec.catalog import load_catalog
        from kpi_helpers.spec.goals import GOAL_LEVEL_KPIS

        cat, chain = load_catalog(), ws.worked_chain()
        label = lambda k: cat[k].label(lang) if k in cat else GOAL_LEVEL_KPIS[k]["labels"][lang]  # noqa: E731
        show_table(
            pd.DataFrame(
                {
                    text("workshop_views.goal", lang): [g.id for g in chain],
                    "KPI": [label(g.kpi) for g in chain],
                    text("workshop_views.under", lang): [g.parent or "—" for g in chain],
                    text("workshop_views.baseline", lang): [format_number(g.baseline, lang) for g in chain],
                    text("workshop_views.target", lang): [format_number(g.target, lang) for g in chain],
                    text("workshop_views.change", lang): [
                        format_percent(g.required_change, lang, 0, signed=True) for g in chain
                    ],
                }
            ),
            text("workshop_views.worked_example", lang),
        )
        show_markdown(_md_list([f.message[lang] for f in check_chain(chain, catalog=cat)]))
    elif ex.key == "goodhart":
        show_table(
            nail_table(ex.data["runs"], lang),
            text("workshop_views.the_factory_picks_the_size_with_the_best", lang),
        )
        story, cat = ex.data["story"], ex.data["catalog"]
        t = story["table"]
        frame = pd.DataFrame(
            {
                text("workshop_views.quarter", lang): [f"Q{p.quarter} {p.year}" for p in t["period"]],
                cat[story["volume"]].label(lang): [format_number(v, lang) for v in t["volume_value"]],
                cat[story["quality"]].label(lang): [format_percent(v, lang) for v in t["quality_value"]],
                "Δ " + cat[story["volume"]].label(lang): [ws.pct_text(v, lang) for v in t["volume_change"]],
                "Δ " + cat[story["quality"]].label(lang): [ws.pct_text(v, lang) for v in t["quality_change"]],
            }
        )
        if ex.reveal:
            frame[ws.UI["solution"][lang]] = t[f"message_{lang}"].tolist()
        show_table(
            frame,
            text("workshop_views.per_quarter_vs_last_year", lang),
        )
    elif ex.key == "drivers":
        from kpi_helpers.compute.drivers import decompose_change

        plan, wb = ex.data["plan"], ex.data["wb"]
        y = plan["year"] - 1
        dec = decompose_change(
            wb.facts, "revenue", ("customers", "revenue_per_customer"), f"{y - 1}Q1", f"{y}Q1", catalog=wb.catalog
        )
        unit = {k: wb.catalog[k].unit for k in dec["kpi"]}
        show_table(
            pd.DataFrame(
                {
                    "KPI": [wb.catalog[k].label(lang) for k in dec["kpi"]],
                    f"Q1 {y - 1}": [_fmt(v, unit[k], lang) for k, v in zip(dec["kpi"], dec["value_a"])],
                    f"Q1 {y}": [_fmt(v, unit[k], lang) for k, v in zip(dec["kpi"], dec["value_b"])],
                    text("workshop_views.change", lang): [ws.pct_text(v, lang) for v in dec["rel_change"]],
                }
            ),
            text("workshop_views.what_did_the_drivers_do_last_year", lang),
        )
    else:
        _show_dashboard(ex)


def goal_text(goal: Any, wb: ClientSession, lang: str) -> str:
    """A goal as the learner reads it: its own statement when the client writes in the learner's
    language, else one built from the goal's numbers in the learner's language."""
    if wb.config.language == lang or goal.kpi not in wb.catalog:
        return f"{goal.id}: {goal.statement}"
    from kpi_helpers.i18n.formats import format_date

    kpi = wb.catalog[goal.kpi]
    b = "—" if goal.baseline is None else _fmt(goal.baseline, kpi.unit, lang)
    return text(
        "workshop_views.goal_text",
        lang,
        id=goal.id,
        kpi=kpi.label(lang),
        baseline=b,
        target=_fmt(goal.target, kpi.unit, lang),
        deadline=format_date(goal.deadline, lang),
    )


def _fmt(value: float, unit: str, lang: str) -> str:
    from kpi_helpers.i18n.formats import format_value

    return format_value(value, unit, lang)


def _show_dashboard(ex: Any) -> None:
    from kpi_helpers.i18n.formats import STATUS_EMOJI, t
    from kpi_helpers.views.display import show_table

    lang, wb, cat = ex.lang, ex.data["wb"], ex.data["catalog"]
    table = ex.data["review"]["table"]
    fmt = lambda k, v: _fmt(v, cat[k].unit, lang)  # noqa: E731
    frame = pd.DataFrame(
        {
            t("goal", lang): table["goal_id"],
            "KPI": [cat[k].label(lang) for k in table["kpi"]],
            t("owner", lang): table["owner"].fillna("—"),
            t("target", lang): [fmt(k, v) for k, v in zip(table["kpi"], table["target"])],
            t("actual", lang) + (text("workshop_views.to_date", lang)): [
                fmt(k, v) for k, v in zip(table["kpi"], table["actual_to_date"])
            ],
            t("expected", lang) + (text("workshop_views.by_now", lang)): [
                fmt(k, v) for k, v in zip(table["kpi"], table["expected"])
            ],
            t("forecast", lang): [fmt(k, v) for k, v in zip(table["kpi"], table["forecast"])],
        }
    )
    if ex.reveal:
        frame[t("status", lang)] = [f"{STATUS_EMOJI[s]} {t(s, lang)}" for s in table["status"]]
    show_table(frame, f"Dashboard {wb.config.name}, {text('workshop_views.as_of', lang)} {wb.as_of.isoformat()}")
    rows = []
    for v, q in wb.config.pairs:
        try:
            s = pair_story(wb.facts, v, q, cat)
        except Exception:  # noqa: BLE001 - a pair without data is left out
            continue
        row = {
            text("workshop_views.kpi_pair", lang): f"{cat[v].label(lang)} / {cat[q].label(lang)}",
            text("workshop_views.quarter", lang): f"Q{s['period'].quarter} {s['period'].year}",
            "Δ volume": ws.pct_text(s["volume_change"], lang),
            "Δ " + (text("workshop_views.quality", lang)): ws.pct_text(s["quality_change"], lang),
        }
        if ex.reveal:
            row[ws.UI["solution"][lang]] = s["message"][lang]
        rows.append(row)
    if rows:
        show_table(
            pd.DataFrame(rows),
            text("workshop_views.kpi_pairs_latest_quarter_vs_last_year", lang),
        )


def show_feedback(feedback: ws.Feedback, lang: str = "nl", reveal: bool = False) -> None:
    """The feedback as HTML in Jupyter, as plain text in papermill/nbval outputs."""
    from IPython.display import display

    display({"text/html": feedback.html(lang, reveal), "text/plain": feedback.text(lang, reveal)}, raw=True)


def trainer_notes_markdown(ex: Any) -> str:
    """Model answers (as the feedback on them) and discussion prompts: trainer mode only."""
    lang = ex.lang
    model = ex.model_answers()
    fb = ex.feedback(model)
    lines = [f"### {ws.UI['model_heading'][lang]}", "", f"```python\nanswers = {model!r}\n```", ""]
    lines += [f"- **{label}**: {text}" for _, label, text in fb.lines(lang)]
    lines += [
        "",
        f"### {ws.UI['prompts'][lang]}",
        "",
        *[f"{i}. {p[lang]}" for i, p in enumerate(ws.DISCUSSION[ex.key], 1)],
    ]
    return "\n".join(lines)


# ---- widgets
def _dropdown(options: list[tuple[str, str]], lang: str, css: str) -> Any:
    import ipywidgets as widgets

    d = widgets.Dropdown(options=[(ws.UI["choose"][lang], "")] + options, value="", layout=widgets.Layout(width="auto"))
    d.add_class("kpi-quiz-answer")
    d.add_class(css)
    return d


def answer_widget(ex: Any) -> Any:
    """Answer controls + a check button + feedback, all with stable CSS classes for browser tests:
    kpi-quiz-answer (every control, plus kpi-q-<item>), kpi-quiz-check, kpi-quiz-feedback."""
    import ipywidgets as widgets

    lang = ex.lang
    rows: list[Any] = []
    collect: Any
    ctl: dict[str, Any]
    if ex.key == "good_kpi":
        ctl = {}
        for i, q in enumerate(ws.QUIZ, 1):
            good = _dropdown(
                [(ws.UI["good"][lang], "yes"), (ws.UI["not_good"][lang], "no")], lang, f"kpi-q-{q['id']}-good"
            )
            reason = _dropdown([(r["short"][lang], k) for k, r in ws.REASONS.items()], lang, f"kpi-q-{q['id']}-reason")
            ctl[q["id"]] = (good, reason)
            rows.append(
                widgets.HTML(f"<b>{i}. {html_escape(q['metric'][lang])}</b> — {html_escape(ws.GOALS[q['goal']][lang])}")
            )
            rows.append(widgets.HBox([good, reason]))
        collect = lambda: {k: {"good": g.value == "yes", "reason": r.value} for k, (g, r) in ctl.items() if g.value}  # noqa: E731
    elif ex.key == "smart":
        ctl = {}
        for name in ws.SMART_FIELDS:
            box = (widgets.Textarea if name == "statement" else widgets.Text)(
                description=ws.FIELDS[name][lang],
                placeholder="2026-01-01" if name in ("start", "deadline") else "",
                layout=widgets.Layout(width="90%" if name == "statement" else "50%"),
            )
            box.add_class("kpi-quiz-answer")
            box.add_class(f"kpi-q-{name}")
            ctl[name] = box
            rows.append(box)
        collect = lambda: {
            k: _number(b.value) if k in ("baseline", "target") else b.value.strip()
            for k, b in ctl.items()
            if b.value.strip()
        }  # noqa: E731
    elif ex.key == "goodhart":
        cat = ex.data["catalog"]
        specs = {
            "count_only": {k: ws.SIZES[k] for k in SIZES_KEYS},
            "weight_only": {k: ws.SIZES[k] for k in SIZES_KEYS},
            "most_useful": ws.TARGETS,
            "partner": {k: {lang: cat[k].label(lang)} for k in ex.data["partner_options"]},
            "latest_quarter": ws.QUADRANTS,
        }
        ctl = {k: _dropdown([(v[lang], o) for o, v in opts.items()], lang, f"kpi-q-{k}") for k, opts in specs.items()}
        rows = [widgets.HBox([widgets.Label(ws.FIELDS[k][lang]), d]) for k, d in ctl.items()]
        collect = lambda: {k: d.value for k, d in ctl.items() if d.value}  # noqa: E731
    elif ex.key == "drivers":
        plan, ctl = ex.data["plan"], {}
        for mix in ("mix_1", "mix_2"):
            sliders = {}
            for drv in ("customers", "revenue_per_customer"):
                s = widgets.FloatSlider(value=0.0, min=-20, max=30, step=0.5, description=ws.FIELDS[drv][lang])
                s.add_class("kpi-quiz-answer")
                s.add_class(f"kpi-q-{mix}-{drv}")
                sliders[drv] = s
            live = widgets.HTML()

            def update(_=None, sliders=sliders, live=live):
                res = evaluate_mix(plan, {d: s.value for d, s in sliders.items()})
                live.value = f"→ {text('workshop_views.revenue', lang)} {ws.pct_text(res['change_pct'] / 100, lang)} {'✓' if res['meets'] else ''}"

            for s in sliders.values():
                s.observe(update, names="value")
            update()
            ctl[mix] = sliders
            rows.append(widgets.HBox([widgets.Label(f"{ws.FIELDS['mix'][lang]} {mix[-1]}"), *sliders.values(), live]))
        collect = lambda: {m: {d: s.value for d, s in sl.items()} for m, sl in ctl.items()}  # noqa: E731
    else:
        wb = ex.data["wb"]
        boxes = {}
        for g in wb.config.goals:
            cb = widgets.Checkbox(
                value=False, description=goal_text(g, wb, lang), indent=False, layout=widgets.Layout(width="95%")
            )
            cb.add_class("kpi-quiz-answer")
            cb.add_class(f"kpi-q-off-{g.id}")
            boxes[g.id] = cb
        action = _dropdown([(v[lang], k) for k, v in ws.ACTIONS.items()], lang, "kpi-q-action")
        rows = [
            widgets.Label(ws.FIELDS["off_track"][lang]),
            *boxes.values(),
            widgets.HBox([widgets.Label(ws.FIELDS["action"][lang]), action]),
        ]
        collect = lambda: {"off_track": [k for k, b in boxes.items() if b.value], "action": action.value}  # noqa: E731
    button = widgets.Button(description=ws.UI["check"][lang], button_style="primary")
    button.add_class("kpi-quiz-check")
    feedback = widgets.HTML()
    feedback.add_class("kpi-quiz-feedback")

    def on_click(_: Any) -> None:
        feedback.value = ex.feedback(collect()).html(lang, ex.reveal)

    button.on_click(on_click)
    box = widgets.VBox([*rows, button, feedback])
    box.add_class("kpi-quiz")
    return box


def _number(text: str) -> float | str:
    try:
        return float(text.replace(" ", "").replace("€", "").replace(",", "."))
    except ValueError:
        return text


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def nail_simulator(lang: str = "nl", hours: float = HOURS) -> Any:
    """Sliders for the count and weight targets (0 = not measured); the factory's best response
    is redrawn on every change."""
    import ipywidgets as widgets

    count0, kg0 = design_targets(hours)
    count = widgets.IntSlider(
        value=count0,
        min=0,
        max=800_000,
        step=10_000,
        description=text("workshop_views.count_2", lang),
        continuous_update=False,
    )
    weight = widgets.IntSlider(value=int(kg0), min=0, max=6_000, step=100, description="kg", continuous_update=False)
    out = widgets.HTML()
    for s in (count, weight):
        s.add_class("kpi-nail-slider")

    def update(_: Any = None) -> None:
        run = run_factory(count.value, weight.value, hours)
        table = nail_table([run], lang).to_html(index=False, border=0, classes="kpi-table")
        verdict = (text("workshop_views.gamed", lang)) if run.gamed else (text("workshop_views.useful_nails", lang))
        out.value = table + f"<p>{verdict}</p>"

    count.observe(update, names="value")
    weight.observe(update, names="value")
    update()
    box = widgets.VBox(
        [
            widgets.HTML("<b>" + text("workshop_views.factory_targets", lang) + "</b>"),
            count,
            weight,
            out,
        ]
    )
    box.add_class("kpi-nail-sim")
    return box


class ExerciseView(ws.Exercise):
    """An exercise with its notebook display methods (the checking stays in workshop.Exercise)."""

    def show_questions(self) -> None:
        show_markdown(questions_markdown(self))

    def show_context(self) -> None:
        show_context(self)

    def check(self, answers: dict[str, Any] | None) -> None:
        """Show the feedback on `answers` (the notebook's `answers` parameter)."""
        show_feedback(self.feedback(answers), self.lang, self.reveal)

    def widget(self) -> Any:
        return answer_widget(self)

    def simulator(self) -> Any:
        return nail_simulator(self.lang)

    def show_trainer_notes(self) -> None:
        notes = trainer_notes_markdown(self) if self.reveal else f"*{ws.UI['learner_note'][self.lang]}*"
        show_markdown(notes)


def open_exercise(
    exercise: str | int, mode: str = "learner", lang: str = "nl", params_file: str | None = None
) -> ExerciseView:
    """The notebook entry point: `ex = kpi.open_exercise("good_kpi", mode=mode, lang=lang)`."""
    return ExerciseView(exercise, mode, lang, params_file)
