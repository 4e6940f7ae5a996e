"""Workshop exercises for trainers: checking answers, feedback (nl/en) and the `Exercise` object.

Five exercises, one notebook each in notebooks/workshop/ (keys in EXERCISES):
good_kpi (quiz), smart (vague goal → SMART goal), goodhart (nail factory + leads vs good
leads), drivers (two driver mixes that reach +10 % revenue), review (PDCA on a dashboard).

This module: the content (loaded once from workshop_content.yaml), the checkers, `Feedback`,
model answers and `Exercise`. The numbers (nail factory, facts from the demo data, so answers
of exercises 3-5 are never hard-coded) are in workshop_sim; what a notebook shows
(assignments, tables, widgets, trainer notes) in workshop_views.

Answers come from ipywidgets (`Exercise.widget()`) or as a plain dict (papermill parameter
`answers`); both go through `check_answers`, which returns `Feedback`. Learner mode never shows
the model answers; trainer mode adds them to the feedback and shows the trainer notes.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from kpi_helpers.exceptions import KpiWorkbookError
from kpi_helpers.i18n.formats import check_lang, format_currency, format_number, format_percent
from kpi_helpers.i18n.messages import text
from kpi_helpers.spec.vocab import LANGUAGES
from kpi_helpers.workshop import sim

Text = dict[str, str]
MODES = ("learner", "trainer")
CONTENT_PATH = Path(__file__).with_name("content.yaml")


def _load_content(path: Path = CONTENT_PATH) -> dict[str, Any]:
    """The workshop content (workshop_content.yaml), read once at import."""
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    for q in content["quiz"]:
        q["reasons"] = tuple(q["reasons"])
    return content


_CONTENT = _load_content()


def _say(key: str, **values: Any) -> dict[str, str]:
    """A feedback text in every language (catalog area ``workshop_feedback``); a value given as
    ``{lang: text}`` is filled in per language."""
    return {
        lang: text(
            f"workshop_feedback.{key}", lang, **{k: v[lang] if isinstance(v, dict) else v for k, v in values.items()}
        )
        for lang in LANGUAGES
    }


EXERCISES: dict[str, dict[str, Any]] = _CONTENT["exercises"]
UI: dict[str, Text] = _CONTENT["ui"]
#: 1. good KPI, bad KPI: the goals, the deciding criteria and the quiz items
GOALS: dict[str, Text] = _CONTENT["goals"]
REASONS: dict[str, dict[str, Text]] = _CONTENT["reasons"]
QUIZ: list[dict[str, Any]] = _CONTENT["quiz"]
#: 2. vague → SMART: the assignment's numbers and the model answer
PROFIT_LAST_YEAR: float = _CONTENT["smart"]["profit_last_year"]
PROFIT_GROWTH_PER_MONTH: float = _CONTENT["smart"]["profit_growth_per_month"]
MODEL_SMART: dict[str, Any] = _CONTENT["smart"]["model"]
#: 3-5: the options of the choice questions, the model driver mixes, the trainer's prompts
QUADRANTS: dict[str, Text] = _CONTENT["quadrants"]
SIZES: dict[str, Text] = _CONTENT["sizes"]
TARGETS: dict[str, Text] = _CONTENT["targets"]
ACTIONS: dict[str, Text] = _CONTENT["actions"]
MODEL_MIXES: dict[str, dict[str, float]] = _CONTENT["model_mixes"]
DISCUSSION: dict[str, list[Text]] = _CONTENT["discussion"]
#: labels of the answer fields (widgets, feedback): learners never see the raw ids
FIELDS: dict[str, Text] = _CONTENT["fields"]
MARK = {"right": "✓", "partly": "◐", "wrong": "✗", "missing": "–"}


# --------------------------------------------------------------------------- feedback
@dataclass(frozen=True)
class ItemFeedback:
    item: str
    label: Text
    status: str  # right | partly | wrong | missing
    message: Text
    solution: Text = field(default_factory=lambda: dict.fromkeys(LANGUAGES, ""))


@dataclass(frozen=True)
class Feedback:
    exercise: str
    items: tuple[ItemFeedback, ...]
    answered: bool = True

    @property
    def all_correct(self) -> bool:
        return self.answered and all(i.status == "right" for i in self.items)

    @property
    def score(self) -> tuple[int, int]:
        return sum(i.status == "right" for i in self.items), len(self.items)

    def summary(self, lang: str = "nl") -> str:
        if not self.answered:
            return UI["no_answers"][lang]
        n, total = self.score
        return (
            f"{UI['all_correct'][lang]} ({n}/{total})"
            if self.all_correct
            else UI["score"][lang].format(n=n, total=total)
        )

    def lines(self, lang: str = "nl", reveal: bool = False) -> list[tuple[str, str, str]]:
        """(status, label, text) per item; `reveal` adds the model answer (trainer mode)."""
        out = []
        for i in self.items if self.answered else ():
            text = i.message[lang]
            if reveal and i.status != "right" and i.solution[lang]:
                text += f" → {UI['solution'][lang]}: {i.solution[lang]}"
            out.append((i.status, i.label[lang], text))
        return out

    def without_solutions(self) -> Feedback:
        """The same feedback with the model answers taken out (what a learner may see)."""
        empty = dict.fromkeys(LANGUAGES, "")
        return Feedback(
            self.exercise,
            tuple(ItemFeedback(i.item, i.label, i.status, i.message, dict(empty)) for i in self.items),
            self.answered,
        )

    def text(self, lang: str = "nl", reveal: bool = False) -> str:
        return "\n".join([self.summary(lang)] + [f"{MARK[s]} {label}: {t}" for s, label, t in self.lines(lang, reveal)])

    def html(self, lang: str = "nl", reveal: bool = False) -> str:
        e = lambda s: html.escape(s, quote=False)  # noqa: E731
        items = "".join(
            f"<li class='kpi-fb-{s}'><strong>{MARK[s]} {e(label)}</strong>: {e(t)}</li>"
            for s, label, t in self.lines(lang, reveal)
        )
        return (
            f"<div class='kpi-feedback'><p><strong>{e(self.summary(lang))}</strong></p>"
            + (f"<ul>{items}</ul>" if items else "")
            + "</div>"
        )


def _item(item: str, label: Text, status: str, message: Text, solution: Text | None = None) -> ItemFeedback:
    return ItemFeedback(item, label, status, message, solution or dict.fromkeys(LANGUAGES, ""))


def _both(fn) -> Text:
    return {lang: fn(lang) for lang in ("nl", "en")}


def _missing(item: str, label: Text, solution: Text | None = None) -> ItemFeedback:
    return _item(item, label, "missing", dict(UI["missing"]), solution)


# --------------------------------------------------------------------------- 1. good KPI, bad KPI
_YES = {"true", "yes", "ja", "good", "goed", "y", "j", "1"}
_NO = {"false", "no", "nee", "bad", "fout", "slecht", "n", "0"}


def _verdict(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    return True if text in _YES else False if text in _NO else None


def check_good_kpi(answers: dict[str, Any] | None) -> Feedback:
    """Exercise 1. answers: {item id: {"good": bool, "reason": one of REASONS}} (or (good, reason))."""
    if not answers:
        return Feedback("good_kpi", (), answered=False)
    out = []
    for q in QUIZ:
        label = q["metric"]
        given = answers.get(q["id"])
        if isinstance(given, (list, tuple)):
            given = dict(zip(("good", "reason"), given))
        solution = _both(
            lambda l: (
                f"{UI['good' if q['good'] else 'not_good'][l]}, {REASONS[q['reasons'][0]]['short'][l]}. {q['explain'][l]}"
            )
        )
        if not given or _verdict(given.get("good")) is None:
            out.append(_missing(q["id"], label, solution))
            continue
        good, reason = _verdict(given.get("good")), str(given.get("reason") or "")
        verdict = _both(lambda l: UI["good" if good else "not_good"][l])
        if good != q["good"]:
            out.append(
                _item(
                    q["id"],
                    label,
                    "wrong",
                    _say("not_yet_you_chose", verdict=verdict, hint=q["hint"]),
                    solution,
                )
            )
        elif reason not in q["reasons"]:
            chosen = _both(lambda l: REASONS[reason]["short"][l] if reason in REASONS else (reason or "—"))
            out.append(
                _item(
                    q["id"],
                    label,
                    "partly",
                    _say(
                        "right_verdict_wrong_reason_good" if good else "right_verdict_wrong_reason_bad",
                        chosen=chosen,
                        hint=q["hint"],
                    ),
                    solution,
                )
            )
        else:
            out.append(
                _item(
                    q["id"],
                    label,
                    "right",
                    _both(lambda l: f"{verdict[l]}, {REASONS[reason]['short'][l]}. {q['explain'][l]}"),
                )
            )
    return Feedback("good_kpi", tuple(out))


# --------------------------------------------------------------------------- 2. vague → SMART
SMART_FIELDS = ("statement", "kpi", "baseline", "target", "start", "deadline", "owner")
PROFIT_KPIS = ("profit", "gross_profit")


def profit_history() -> pd.Series:
    """Monthly profit 2024-2025, growing PROFIT_GROWTH_PER_MONTH, 2025 summing to PROFIT_LAST_YEAR."""
    months = pd.date_range("2024-01-01", "2025-12-01", freq="MS")
    shape = pd.Series([(1 + PROFIT_GROWTH_PER_MONTH) ** i for i in range(len(months))], index=months)
    return shape * PROFIT_LAST_YEAR / shape.iloc[12:].sum()


def _smart_goal(answers: dict[str, Any]) -> Any:
    from kpi_helpers.spec.goals import Goal

    fields = {k: answers.get(k) for k in SMART_FIELDS if answers.get(k) not in (None, "")}
    fields.setdefault("statement", "")
    fields.setdefault("kpi", "")
    return Goal.model_validate(fields)


def check_smart(answers: dict[str, Any] | None) -> Feedback:
    """Exercise 2. answers: Goal fields (statement, kpi, baseline, target, start, deadline, owner).
    Items: the KPI and baseline fit the assignment, then smart_check per letter S M A R T."""
    from kpi_helpers.spec.goals import LETTER_NAMES, smart_check

    if not answers:
        return Feedback("smart", (), answered=False)
    model = MODEL_SMART
    try:
        goal = _smart_goal(answers)
    except ValueError as exc:  # pydantic's ValidationError names the fields
        errors = exc.errors() if hasattr(exc, "errors") else []
        missing = [str(e["loc"][0]) for e in errors if e["type"] == "missing"]
        bad = [str(e["loc"][0]) for e in errors if e["type"] != "missing"] or ([] if errors else [str(exc)])
        model_goal = {lang: f"{MODEL_SMART[f'statement_{lang}']} (kpi = {model['kpi']})" for lang in ("nl", "en")}
        return Feedback(
            "smart",
            (
                _item(
                    "fields",
                    _say("fields"),
                    "wrong",
                    _both(
                        lambda l: (
                            (_say("still_to_fill_in", fields=", ".join(missing))[l] if missing else "")
                            + (_say("cannot_read", fields=", ".join(bad))[l] if bad else "")
                            + _say("write_dates_and_amounts")[l]
                        )
                    ),
                    model_goal,
                ),
            ),
        )
    out = []
    kpi_label = _say("kpi")
    if goal.kpi.strip() in PROFIT_KPIS:
        out.append(
            _item(
                "kpi",
                kpi_label,
                "right",
                _say("you_measure_profit_exactly_what_manageme"),
            )
        )
    else:
        out.append(
            _item(
                "kpi",
                kpi_label,
                "wrong",
                _say("you_measure_not_profit", kpi=goal.kpi or "—"),
                {"nl": model["kpi"], "en": model["kpi"]},
            )
        )
    base_label = _say("baseline")
    last = {lang: format_currency(PROFIT_LAST_YEAR, "EUR", lang) for lang in ("nl", "en")}
    if goal.baseline is not None and math.isclose(goal.baseline, PROFIT_LAST_YEAR, rel_tol=0.005):
        out.append(
            _item(
                "baseline",
                base_label,
                "right",
                _say("the_baseline_is_last_year_s_profit"),
            )
        )
    else:
        out.append(
            _item(
                "baseline",
                base_label,
                "missing" if goal.baseline is None else "wrong",
                _both(
                    lambda l: (
                        _say("baseline_not", value=format_number(goal.baseline, l))[l]
                        if goal.baseline is not None
                        else _say("baseline_missing")[l]
                    )
                ),
                last,
            )
        )
    report = smart_check(goal, profit_history())
    status = {"pass": "right", "unknown": "partly", "warn": "partly", "fail": "wrong"}
    for f in report.findings:
        label = _both(lambda l: f"{f.letter} – {LETTER_NAMES[f.letter][l]}")
        msg = _both(lambda l: f.message[l] + (f" → {f.fix[l]}" if f.fix[l] else ""))
        out.append(_item(f.letter, label, status[f.status], msg, _smart_solution(f.letter)))
    return Feedback("smart", tuple(out))


def _smart_solution(letter: str) -> Text:
    m = MODEL_SMART
    b, t = ({lang: format_currency(m[k], "EUR", lang) for lang in ("nl", "en")} for k in ("baseline", "target"))
    return {
        "S": {lang: m[f"statement_{lang}"] for lang in ("nl", "en")},
        "M": {lang: f"kpi = {m['kpi']}, baseline {b[lang]}, target {t[lang]}" for lang in ("nl", "en")},
        "A": {"nl": f"owner = {m['owner']}", "en": f"owner = {m['owner']}"},
        "R": _say("20_in_12_months_is_1_5_a_month_within_th"),
        "T": {lang: f"{m['start']} – {m['deadline']}" for lang in ("nl", "en")},
    }[letter]


def worked_chain() -> list[Any]:
    """The worked example: profit +20 % ← revenue +35 % ← website visitors +65 %, in 18 months."""
    from kpi_helpers.spec.goals import Goal

    return [Goal(**g) for g in _CONTENT["smart"]["worked_chain"]]


# --------------------------------------------------------------------------- 3-5: choice questions on data
def _choice(
    item: str, label: Text, given: Any, right: str, options: dict[str, Text], hint: Text, explain: Text
) -> ItemFeedback:
    solution = _both(lambda l: f"{options[right][l]}. {explain[l]}")
    if given in (None, ""):
        return _missing(item, label, solution)
    if given == right:
        return _item(item, label, "right", _both(lambda l: f"{options[right][l]}. {explain[l]}"))
    chosen = _both(lambda l: options[given][l] if given in options else str(given))
    return _item(
        item,
        label,
        "wrong",
        _say("not_yet_chosen", chosen=chosen, hint=hint),
        solution,
    )


def pct_text(x: float, lang: str) -> str:
    return format_percent(x, lang, decimals=0 if abs(x) >= 0.1 else 1, signed=True)


def check_goodhart(answers: dict[str, Any] | None, data: dict[str, Any]) -> Feedback:
    """Exercise 3. answers: count_only, weight_only (tiny|useful|huge), most_useful (weight|count|pair),
    partner (a KPI id for leads), latest_quarter (a pair quadrant). `data`: Exercise('goodhart').data."""
    if not answers:
        return Feedback("goodhart", (), answered=False)
    runs, story, cat = data["runs"], data["story"], data["catalog"]
    by_target = {r.target: r for r in runs}
    best = max(runs, key=lambda r: r.useful).target
    partner_opts = {k: {"nl": cat[k].label("nl"), "en": cat[k].label("en")} for k in data["partner_options"]}
    table_hint = _say("look_at_the_table_with_the_three_scenari")
    vlab = {lang: cat[story["volume"]].label(lang) for lang in ("nl", "en")}
    qlab = {lang: cat[story["quality"]].label(lang).lower() for lang in ("nl", "en")}
    period = f"Q{story['period'].quarter} {story['period'].year}"
    items = [
        _choice(
            "count_only",
            FIELDS["count_only"],
            answers.get("count_only"),
            by_target["count"].size,
            SIZES,
            table_hint,
            _both(
                lambda l: _say(
                    "count_met_useless",
                    count=format_number(by_target["count"].count, l),
                    mm=by_target["count"].length_mm,
                )[l]
            ),
        ),
        _choice(
            "weight_only",
            FIELDS["weight_only"],
            answers.get("weight_only"),
            by_target["weight"].size,
            SIZES,
            table_hint,
            _both(
                lambda l: _say(
                    "weight_met_useless",
                    count=format_number(by_target["weight"].count, l),
                    mm=by_target["weight"].length_mm,
                )[l]
            ),
        ),
        _choice(
            "most_useful",
            FIELDS["most_useful"],
            answers.get("most_useful"),
            best,
            TARGETS,
            _say("compare_the_useful_column_of_the_three_s"),
            _say("only_when_the_pair_is_measured_does_gami"),
        ),
        _choice(
            "partner",
            FIELDS["partner"],
            answers.get("partner"),
            story["quality"],
            partner_opts,
            _say("which_kpi_falls_when_the_extra_leads_are"),
            _say("volume_leads_next_to_quality_how_many_le"),
        ),
        _choice(
            "latest_quarter",
            _say("leads_in", period=period),
            answers.get("latest_quarter"),
            story["quadrant"],
            QUADRANTS,
            _say("find_quarter", period=period, volume=vlab, quality=qlab),
            story["message"],
        ),
    ]
    return Feedback("goodhart", tuple(items))


def check_drivers(answers: dict[str, Any] | None, data: dict[str, Any]) -> Feedback:
    """Exercise 4. answers: {"mix_1": {"customers": %, "revenue_per_customer": %}, "mix_2": {...}}
    (percent points, 5 = +5 %). Each mix must reach the goal (drivers.what_if); the two must differ."""
    if not answers:
        return Feedback("drivers", (), answered=False)
    plan = data["plan"]
    need = plan["growth"]
    items, mixes = [], []
    names = {
        "customers": _say("customers"),
        "revenue_per_customer": _say("revenue_per_customer"),
    }

    def describe(mix: dict[str, float], lang: str) -> str:
        return ", ".join(f"{names[d][lang]} {pct_text(mix.get(d, 0.0) / 100, lang)}" for d in names)

    for key in ("mix_1", "mix_2"):
        label = _both(lambda l: f"{FIELDS['mix'][l]} {key[-1]}")
        model = MODEL_MIXES[key]
        model_change = sim.evaluate_mix(plan, model)["change_pct"] / 100
        solution = _both(
            lambda l: f"{describe(model, l)} → {text('workshop_feedback.revenue_word', l)} {pct_text(model_change, l)}"
        )
        mix = answers.get(key)
        if not mix:
            items.append(_missing(key, label, solution))
            continue
        try:
            mix = {k: float(v) for k, v in mix.items()}
            res = sim.evaluate_mix(plan, mix)
        except (KpiWorkbookError, TypeError, ValueError) as exc:
            items.append(
                _item(
                    key,
                    label,
                    "wrong",
                    _say("mix_unreadable", error=str(exc)),
                    solution,
                )
            )
            continue
        mixes.append(mix)
        desc = _both(lambda l: describe(mix, l))
        got = _both(lambda l: pct_text(res["change_pct"] / 100, l))
        if res["meets"]:
            items.append(
                _item(
                    key,
                    label,
                    "right",
                    _say("mix_reaches_goal", mix=desc, change=got),
                )
            )
        else:
            # a hint, not the answer: the learner works out the missing change from the formula
            items.append(
                _item(
                    key,
                    label,
                    "wrong",
                    _both(
                        lambda l: _say(
                            "mix_short",
                            mix=desc[l],
                            change=got[l],
                            need=pct_text(need, l),
                            factor=format_number(1 + need, l, 2),
                        )[l]
                    ),
                    solution,
                )
            )
    label = _say("two_different_routes")
    if len(mixes) == 2 and all(i.status == "right" for i in items):
        differ = max(abs(mixes[0].get(d, 0.0) - mixes[1].get(d, 0.0)) for d in names) >= 0.5
        items.append(
            _item(
                "different",
                label,
                "right" if differ else "wrong",
                _say("two_routes" if differ else "mixes_alike"),
            )
        )
    else:
        items.append(
            _item(
                "different",
                label,
                "missing",
                _say("first_both_mixes_must_reach_the_goal"),
            )
        )
    return Feedback("drivers", tuple(items))


def check_review(answers: dict[str, Any] | None, data: dict[str, Any]) -> Feedback:
    """Exercise 5. answers: {"off_track": [goal ids], "action": one of ACTIONS}; the right answers
    come from pacing.pace_goals on the client's data (workshop_sim.review_facts)."""
    if not answers:
        return Feedback("review", (), answered=False)
    rev, lang_fmt = data["review"], data["fmt"]
    table = rev["table"].set_index("goal_id")
    truth = set(rev["off_track"])
    given = answers.get("off_track")
    given = {given} if isinstance(given, str) else set(given or [])
    label = _say("off_track")
    status_txt = {
        "on_track": _say("on_track"),
        "at_risk": _say("at_risk"),
        "off_track": _say("off_track_2"),
    }

    def why(gid: str, lang: str, missed: bool | None = None) -> str:
        """The numbers of one goal; the status itself only when the answer was right (None)."""
        if gid not in table.index:
            return text("workshop_feedback.not_a_goal", lang, goal=gid)
        r = table.loc[gid]
        f, t = lang_fmt(gid, r["forecast"], lang), lang_fmt(gid, r["target"], lang)
        if missed is None:
            return text(
                "workshop_feedback.goal_status",
                lang,
                goal=gid,
                status=status_txt[r["status"]][lang],
                forecast=f,
                target=t,
            )
        return text("workshop_feedback.goal_numbers", lang, goal=gid, forecast=f, target=t)

    solution = _both(lambda l: ", ".join(sorted(truth)) or "—")
    if answers.get("off_track") is None:
        items = [_missing("off_track", label, solution)]
    elif given == truth:
        items = [_item("off_track", label, "right", _both(lambda l: " ".join(why(g, l) for g in sorted(truth)) or "—"))]
    else:
        lead = _say("almost" if given & truth else "not_yet")
        # name the learner's own wrong picks with their numbers; missed goals only as a nudge (naming them gives the answer)
        nudge = _say("more_is_off_track_compare_the_forecast_w")
        items = [
            _item(
                "off_track",
                label,
                "partly" if given & truth else "wrong",
                _both(
                    lambda l: (
                        lead[l]
                        + " ".join(
                            [why(g, l, False) for g in sorted(given - truth)] + ([nudge[l]] if truth - given else [])
                        )
                    )
                ),
                solution,
            )
        ]
    action, right = answers.get("action"), rev["action"]
    reason = {
        "fix_quality": data["quality_reason"],
        "more_volume": _say("the_quality_kpis_hold_up_volume_lags_beh"),
        "keep_course": _say("all_goals_are_on_track_no_need_to_interv"),
    }[right]
    hints = {
        "more_volume": _say("more_volume_does_not_help_here"),
        "fix_quality": _say("the_data_show_no_quality_problem"),
        "lower_target": _say("lowering_the_target_is_the_last_step_of_"),
        "keep_course": _say("keeping_course_only_fits_when_every_goal"),
    }
    act_label = FIELDS["action"]
    if action in (None, ""):
        items.append(_missing("action", act_label, _both(lambda l: f"{ACTIONS[right][l]}. {reason[l]}")))
    elif action == right:
        items.append(_item("action", act_label, "right", _both(lambda l: f"{ACTIONS[right][l]}. {reason[l]}")))
    else:
        items.append(
            _item(
                "action",
                act_label,
                "wrong",
                _both(lambda l: hints.get(action, dict.fromkeys(LANGUAGES, ""))[l] + _say("which_kpi_off_track")[l]),
                _both(lambda l: f"{ACTIONS[right][l]}. {reason[l]}"),
            )
        )
    return Feedback("review", tuple(items))


# --------------------------------------------------------------------------- model answers, dispatch
def exercise_key(exercise: str | int) -> str:
    if isinstance(exercise, int) or str(exercise).isdigit():
        for key, spec in EXERCISES.items():
            if spec["number"] == int(exercise):
                return key
    key = str(exercise).removesuffix(".ipynb")
    for k, spec in EXERCISES.items():
        if key in (k, spec["notebook"].removesuffix(".ipynb")):
            return k
    raise KpiWorkbookError(f"Unknown exercise '{exercise}': use one of {', '.join(EXERCISES)} (or 1-5).")


def model_answers(exercise: str | int, lang: str = "nl", params_file: str | None = None) -> dict[str, Any]:
    """The model answers in the format `check_answers` takes (exercises 3 and 5 computed from the data).

    Not in the public API (`kpi.*`): trainers get them from a trainer-mode exercise
    (`kpi.open_exercise(..., mode="trainer").model_answers()`, the trainer notes)."""
    key = exercise_key(exercise)
    if key == "good_kpi":
        return {q["id"]: {"good": q["good"], "reason": q["reasons"][0]} for q in QUIZ}
    if key == "smart":
        out = {k: v for k, v in MODEL_SMART.items() if not k.startswith("statement_")}
        return {"statement": MODEL_SMART[f"statement_{check_lang(lang)}"], **out}
    if key == "drivers":
        return {k: dict(v) for k, v in MODEL_MIXES.items()}
    data = Exercise(key, lang=lang, params_file=params_file).data
    if key == "goodhart":
        by_target = {r.target: r for r in data["runs"]}
        return {
            "count_only": by_target["count"].size,
            "weight_only": by_target["weight"].size,
            "most_useful": max(data["runs"], key=lambda r: r.useful).target,
            "partner": data["story"]["quality"],
            "latest_quarter": data["story"]["quadrant"],
        }
    return {"off_track": list(data["review"]["off_track"]), "action": data["review"]["action"]}


def check_answers(
    exercise: str | int,
    answers: dict[str, Any] | None,
    lang: str = "nl",
    params_file: str | None = None,
    mode: str = "learner",
) -> Feedback:
    """Check answers for any exercise (see the check_* functions for the formats). In learner
    mode (default) the feedback carries no model answers; `mode="trainer"` keeps them."""
    return Exercise(exercise, mode=mode, lang=lang, params_file=params_file).feedback(answers)


class Exercise:
    """One workshop exercise in a notebook: `mode` 'learner' | 'trainer', `lang` 'nl' | 'en'.
    Exercises 3-5 read a demo client (`params_file`, default per exercise in EXERCISES)."""

    def __init__(self, exercise: str | int, mode: str = "learner", lang: str = "nl", params_file: str | None = None):
        if mode not in MODES:
            raise KpiWorkbookError(f"mode must be 'learner' or 'trainer', not {mode!r}.")
        self.key = exercise_key(exercise)
        self.mode, self.lang = mode, check_lang(lang)
        self.params_file = params_file or EXERCISES[self.key]["params_file"]

    @property
    def reveal(self) -> bool:
        return self.mode == "trainer"

    @cached_property
    def data(self) -> dict[str, Any]:
        """What the answers are derived from (simulation runs, pair story, driver plan, pacing)."""
        return sim.exercise_data(self.key, self.params_file, self.lang)

    def feedback(self, answers: dict[str, Any] | None) -> Feedback:
        """Feedback on `answers`; in learner mode without the model answers."""
        if self.key == "good_kpi":
            fb = check_good_kpi(answers)
        elif self.key == "smart":
            fb = check_smart(answers)
        else:
            fb = {"goodhart": check_goodhart, "drivers": check_drivers, "review": check_review}[self.key](
                answers, self.data
            )
        return fb if self.reveal else fb.without_solutions()

    def model_answers(self) -> dict[str, Any]:
        """The model answers: trainer mode only (a learner's exercise refuses)."""
        if not self.reveal:
            raise KpiWorkbookError(UI["trainer_only"][self.lang])
        return model_answers(self.key, self.lang, self.params_file)

    # display methods (show_questions, check, widget, ...): workshop_views.ExerciseView, which
    # `open_exercise` returns (this module never imports the views: no import loop)
