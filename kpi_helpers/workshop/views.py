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
    nl = lang == "nl"
    if ex.key == "good_kpi":
        rows = [
            f"| {i} | `{q['id']}` | {ws.GOALS[q['goal']][lang]} | {q['metric'][lang]} |"
            for i, q in enumerate(ws.QUIZ, 1)
        ]
        head = (
            "**Opdracht.** Is de voorgestelde KPI een goede KPI voor het doel? En welk criterium geeft de doorslag?"
            if nl
            else "**Assignment.** Is the proposed KPI a good KPI for the goal? And which criterion decides?"
        )
        table = (
            ("| # | id | Doel | Voorgestelde KPI |" if nl else "| # | id | Goal | Proposed KPI |")
            + "\n|---|---|---|---|\n"
            + "\n".join(rows)
        )
        fmt = '`answers = {"website_traffic": {"good": True/False, "reason": "loose_metric"}, ...}`'
        return f"{head}\n\n{table}\n\n{'Als parameter' if nl else 'As a parameter'}: {fmt}"
    if ex.key == "smart":
        last = format_currency(ws.PROFIT_LAST_YEAR, "EUR", lang)
        pace = format_percent(ws.PROFIT_GROWTH_PER_MONTH, lang, decimals=1)
        if nl:
            return (
                f"**Opdracht.** De directie zegt: *'We willen meer winst.'* In 2025 was de nettowinst {last}; "
                f"de winst groeide de afgelopen twee jaar ongeveer {pace} per maand. Maak er een SMART-doel van: "
                "vul de velden `statement` (formulering), `kpi` (een KPI-id, bijv. uit de catalogus of `profit`), `baseline`, "
                "`target`, `start` en `deadline` (als 2026-01-01) en `owner` in, met de widgets of als parameter `answers` (een dict)."
            )
        return (
            f"**Assignment.** Management says: *'We want more profit.'* In 2025 net profit was {last}; "
            f"over the last two years profit grew about {pace} a month. Turn it into a SMART goal: fill in "
            "`statement`, `kpi` (a KPI id, e.g. from the catalog or `profit`), `baseline`, `target`, `start` and "
            "`deadline` (as 2026-01-01) and `owner`, with the widgets or as the `answers` parameter (a dict)."
        )
    if ex.key == "goodhart":
        story = ex.data["story"]
        period = f"Q{story['period'].quarter} {story['period'].year}"
        q = ws.QUADRANTS
        opts = lambda d: ", ".join(f"`{k}`" for k in d)  # noqa: E731
        if nl:
            return (
                "**Deel 1: de spijkerfabriek.** Een fabriek krijgt een doel en maakt precies wat gemeten wordt. "
                "Timmerlieden kopen spijkers van 40 tot 100 mm. Bekijk de scenario's en speel met de schuifjes.\n\n"
                + _md_list(
                    [
                        f"`count_only`: wat maakt de fabriek als alleen het aantal telt? ({opts(SIZES_KEYS)})",
                        f"`weight_only`: en als alleen het gewicht telt? ({opts(SIZES_KEYS)})",
                        f"`most_useful`: welke afrekening levert de meeste bruikbare spijkers? ({opts(ws.TARGETS)})",
                    ]
                )
                + f"\n\n**Deel 2: leads en goede leads** (demoklant {ex.data['wb'].config.name}).\n\n"
                + _md_list(
                    [
                        f"`partner`: welke KPI zet u naast leads? ({opts(ex.data['partner_options'])})",
                        f"`latest_quarter`: wat zien we in {period} t.o.v. hetzelfde kwartaal vorig jaar? ({opts(q)})",
                    ]
                )
            )
        return (
            "**Part 1: the nail factory.** A factory gets a target and makes exactly what is measured. "
            "Carpenters buy nails of 40 to 100 mm. Look at the scenarios and play with the sliders.\n\n"
            + _md_list(
                [
                    f"`count_only`: what does the factory make when only the count matters? ({opts(SIZES_KEYS)})",
                    f"`weight_only`: and when only the weight matters? ({opts(SIZES_KEYS)})",
                    f"`most_useful`: which target gives the most useful nails? ({opts(ws.TARGETS)})",
                ]
            )
            + f"\n\n**Part 2: leads and good leads** (demo client {ex.data['wb'].config.name}).\n\n"
            + _md_list(
                [
                    f"`partner`: which KPI do you put next to leads? ({opts(ex.data['partner_options'])})",
                    f"`latest_quarter`: what do we see in {period} against the same quarter last year? ({opts(q)})",
                ]
            )
        )
    if ex.key == "drivers":
        plan = ex.data["plan"]
        g = plan["goal"]
        b, t = (format_currency(g[k], "EUR", lang) for k in ("baseline", "target"))
        y = plan["year"]
        if nl:
            return (
                f"**Opdracht.** Doel: omzet +10 % in Q1 {y} t.o.v. Q1 {y - 1} ({b} → {t}). Omzet = klanten × omzet per klant. "
                "Zoek **twee verschillende** mixen van veranderingen (in procenten) die het doel halen, met de schuifjes of als "
                '`answers = {"mix_1": {"customers": .., "revenue_per_customer": ..}, "mix_2": {...}}`.'
            )
        return (
            f"**Assignment.** Goal: revenue +10 % in Q1 {y} vs Q1 {y - 1} ({b} → {t}). Revenue = customers × revenue per customer. "
            "Find **two different** mixes of changes (in percent) that reach the goal, with the sliders or as "
            '`answers = {"mix_1": {"customers": .., "revenue_per_customer": ..}, "mix_2": {...}}`.'
        )
    wb = ex.data["wb"]
    goals = ", ".join(f"`{g.id}`" for g in wb.config.goals)
    acts = ", ".join(f"`{k}`" for k in ws.ACTIONS)
    asof = wb.as_of.isoformat()
    if nl:
        return (
            f"**Opdracht (PDCA: Check → Act).** Het is {asof}. Lees het dashboard van {wb.config.name}: per doel de streefwaarde, "
            "de realisatie tot nu toe, waar u nu zou moeten staan en de prognose voor de deadline.\n\n"
            + _md_list(
                [
                    f"`off_track`: welke doelen liggen uit koers (prognose meer dan 5 % van het doel af)? ({goals})",
                    f"`action`: welke actie kiest u? ({acts})",
                ]
            )
        )
    return (
        f"**Assignment (PDCA: Check → Act).** It is {asof}. Read {wb.config.name}'s dashboard: per goal the target, "
        "the actual to date, where you should be by now and the forecast for the deadline.\n\n"
        + _md_list(
            [
                f"`off_track`: which goals are off track (forecast more than 5 % short of the target)? ({goals})",
                f"`action`: which action do you choose? ({acts})",
            ]
        )
    )


def nail_table(runs: list[NailRun], lang: str) -> pd.DataFrame:
    nl = lang == "nl"
    return pd.DataFrame(
        {
            "Afrekening op" if nl else "Measured on": [
                ws.TARGETS[r.target][lang] if r.target in ws.TARGETS else "—" for r in runs
            ],
            "Spijker (mm)" if nl else "Nail (mm)": [r.length_mm for r in runs],
            "Aantal" if nl else "Count": [format_number(r.count, lang) for r in runs],
            "Gewicht (kg)" if nl else "Weight (kg)": [format_number(r.weight_kg, lang) for r in runs],
            "Bruikbaar" if nl else "Useful": [format_number(r.useful, lang) for r in runs],
            "Score fabriek" if nl else "Factory score": [format_percent(r.score, lang, 0) for r in runs],
        }
    )


def show_context(ex: Any) -> None:
    """The tables an exercise works on (what the learner reads to answer)."""
    from kpi_helpers.views.display import show_table

    lang, nl = ex.lang, ex.lang == "nl"
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
                    "Doel" if nl else "Goal": [g.id for g in chain],
                    "KPI": [label(g.kpi) for g in chain],
                    "Onder" if nl else "Under": [g.parent or "—" for g in chain],
                    "Beginwaarde" if nl else "Baseline": [format_number(g.baseline, lang) for g in chain],
                    "Streefwaarde" if nl else "Target": [format_number(g.target, lang) for g in chain],
                    "Verandering" if nl else "Change": [
                        format_percent(g.required_change, lang, 0, signed=True) for g in chain
                    ],
                }
            ),
            "Uitgewerkt voorbeeld: winst ← omzet ← bezoek, binnen 18 maanden"
            if nl
            else "Worked example: profit ← revenue ← visitors, within 18 months",
        )
        show_markdown(_md_list([f.message[lang] for f in check_chain(chain, catalog=cat)]))
    elif ex.key == "goodhart":
        show_table(
            nail_table(ex.data["runs"], lang),
            "De fabriek kiest de maat met de hoogste score" if nl else "The factory picks the size with the best score",
        )
        story, cat = ex.data["story"], ex.data["catalog"]
        t = story["table"]
        frame = pd.DataFrame(
            {
                "Kwartaal" if nl else "Quarter": [f"Q{p.quarter} {p.year}" for p in t["period"]],
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
            "Per kwartaal, t.o.v. hetzelfde kwartaal vorig jaar"
            if nl
            else "Per quarter, against the same quarter last year",
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
                    "Verandering" if nl else "Change": [ws.pct_text(v, lang) for v in dec["rel_change"]],
                }
            ),
            "Wat deden de drivers vorig jaar?" if nl else "What did the drivers do last year?",
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
    words = {"nl": ("van", "naar", "uiterlijk"), "en": ("from", "to", "by")}[lang]
    return (
        f"{goal.id}: {kpi.label(lang)} {words[0]} {b} {words[1]} {_fmt(goal.target, kpi.unit, lang)} "
        f"{words[2]} {format_date(goal.deadline, lang)}"
    )


def _fmt(value: float, unit: str, lang: str) -> str:
    from kpi_helpers.i18n.formats import format_value

    return format_value(value, unit, lang)


def _show_dashboard(ex: Any) -> None:
    from kpi_helpers.i18n.formats import STATUS_EMOJI, t
    from kpi_helpers.views.display import show_table

    lang, nl, wb, cat = ex.lang, ex.lang == "nl", ex.data["wb"], ex.data["catalog"]
    table = ex.data["review"]["table"]
    fmt = lambda k, v: _fmt(v, cat[k].unit, lang)  # noqa: E731
    frame = pd.DataFrame(
        {
            t("goal", lang): table["goal_id"],
            "KPI": [cat[k].label(lang) for k in table["kpi"]],
            t("owner", lang): table["owner"].fillna("—"),
            t("target", lang): [fmt(k, v) for k, v in zip(table["kpi"], table["target"])],
            t("actual", lang) + (" tot nu" if nl else " to date"): [
                fmt(k, v) for k, v in zip(table["kpi"], table["actual_to_date"])
            ],
            t("expected", lang) + (" nu" if nl else " by now"): [
                fmt(k, v) for k, v in zip(table["kpi"], table["expected"])
            ],
            t("forecast", lang): [fmt(k, v) for k, v in zip(table["kpi"], table["forecast"])],
        }
    )
    if ex.reveal:
        frame[t("status", lang)] = [f"{STATUS_EMOJI[s]} {t(s, lang)}" for s in table["status"]]
    show_table(frame, f"Dashboard {wb.config.name}, {'stand' if nl else 'as of'} {wb.as_of.isoformat()}")
    rows = []
    for v, q in wb.config.pairs:
        try:
            s = pair_story(wb.facts, v, q, cat)
        except Exception:  # noqa: BLE001 - a pair without data is left out
            continue
        row = {
            "KPI-paar" if nl else "KPI pair": f"{cat[v].label(lang)} / {cat[q].label(lang)}",
            "Kwartaal" if nl else "Quarter": f"Q{s['period'].quarter} {s['period'].year}",
            "Δ volume": ws.pct_text(s["volume_change"], lang),
            "Δ " + ("kwaliteit" if nl else "quality"): ws.pct_text(s["quality_change"], lang),
        }
        if ex.reveal:
            row[ws.UI["solution"][lang]] = s["message"][lang]
        rows.append(row)
    if rows:
        show_table(
            pd.DataFrame(rows),
            "KPI-paren, laatste kwartaal t.o.v. vorig jaar" if nl else "KPI pairs, latest quarter vs last year",
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
                live.value = f"→ {'omzet' if lang == 'nl' else 'revenue'} {ws.pct_text(res['change_pct'] / 100, lang)} {'✓' if res['meets'] else ''}"

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
    nl = lang == "nl"
    count = widgets.IntSlider(
        value=count0, min=0, max=800_000, step=10_000, description="aantal" if nl else "count", continuous_update=False
    )
    weight = widgets.IntSlider(value=int(kg0), min=0, max=6_000, step=100, description="kg", continuous_update=False)
    out = widgets.HTML()
    for s in (count, weight):
        s.add_class("kpi-nail-slider")

    def update(_: Any = None) -> None:
        run = run_factory(count.value, weight.value, hours)
        table = nail_table([run], lang).to_html(index=False, border=0, classes="kpi-table")
        verdict = (
            (
                "⚠️ Gegamed: de doelen zijn gehaald, maar er komt (bijna) niets bruikbaars uit."
                if nl
                else "⚠️ Gamed: the targets are met, but (almost) nothing useful comes out."
            )
            if run.gamed
            else ("✓ Bruikbare spijkers." if nl else "✓ Useful nails.")
        )
        out.value = table + f"<p>{verdict}</p>"

    count.observe(update, names="value")
    weight.observe(update, names="value")
    update()
    box = widgets.VBox(
        [
            widgets.HTML(
                "<b>"
                + ("Doelen van de fabriek (0 = niet gemeten)" if nl else "The factory's targets (0 = not measured)")
                + "</b>"
            ),
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
