"""Workshop exercises: every checker (right, wrong, partly right → specific feedback, nl and en),
the nail factory simulation, model answers derived from the data, widgets and trainer mode."""

import pytest
from conftest import DEMO_PARAMS

import kpi_helpers as kpi
from kpi_helpers.workshop import exercises as ws
from kpi_helpers.workshop import sim, views

LANGS = ("nl", "en")
ALL_CORRECT = {"nl": "Alles goed!", "en": "All correct!"}


def by_item(fb):
    return {i.item: i for i in fb.items}


# --------------------------------------------------------------------------- shared behaviour
@pytest.mark.parametrize("key", list(ws.EXERCISES))
@pytest.mark.parametrize("lang", LANGS)
def test_model_answers_are_all_correct(key, lang):
    fb = kpi.check_answers(key, ws.model_answers(key, lang), lang)
    assert fb.all_correct, fb.text(lang)
    assert ALL_CORRECT[lang] in fb.summary(lang)
    assert ALL_CORRECT["en" if lang == "nl" else "nl"] not in fb.text(lang)


@pytest.mark.parametrize("key", list(ws.EXERCISES))
def test_no_answers_asks_for_them(key):
    fb = kpi.check_answers(key, None)
    assert not fb.answered and not fb.all_correct
    assert "answers" in fb.summary("nl") and "widgets" in fb.summary("en")


def test_exercise_keys_numbers_and_notebooks():
    assert ws.exercise_key(3) == ws.exercise_key("3") == ws.exercise_key("03_pairs_and_goodhart.ipynb") == "goodhart"
    with pytest.raises(kpi.KpiWorkbookError):
        ws.exercise_key("nails")
    with pytest.raises(kpi.KpiWorkbookError):
        kpi.open_exercise("good_kpi", mode="teacher")
    with pytest.raises(ValueError):
        kpi.open_exercise("good_kpi", lang="de")


def test_feedback_reveals_the_model_answer_only_on_request():
    fb = kpi.check_answers("good_kpi", {"website_traffic": {"good": True, "reason": "tied_to_goal"}}, mode="trainer")
    assert "Modelantwoord" not in fb.text("nl") and "Model answer" not in fb.html("en")
    assert "Modelantwoord: geen goede KPI, losse metric" in fb.text("nl", reveal=True)
    assert "Model answer: not a good KPI, loose metric" in fb.html("en", reveal=True)


def test_html_feedback_is_escaped():
    fb = kpi.check_answers(
        "smart",
        {
            "statement": "<b>We want more profit</b>",
            "kpi": "profit",
            "target": 1,
            "start": "2026-01-01",
            "deadline": "2026-12-31",
        },
    )
    assert "<b>" not in fb.html("en") and "&lt;b&gt;We want" in fb.html("en")


# --------------------------------------------------------------------------- 1. good KPI / bad KPI
def test_good_kpi_wrong_verdict_gives_the_item_hint_in_both_languages():
    fb = ws.check_good_kpi({"website_traffic": {"good": True, "reason": "tied_to_goal"}})
    item = by_item(fb)["website_traffic"]
    assert item.status == "wrong"
    assert "Nog niet: u koos 'goede KPI'" in item.message["nl"] and "niemand koopt iets" in item.message["nl"]
    assert "Not yet: you chose 'good KPI'" in item.message["en"] and "nobody buys" in item.message["en"]
    assert by_item(fb)["followers"].status == "missing"
    assert not fb.all_correct and fb.score == (0, len(ws.QUIZ))


def test_good_kpi_right_verdict_wrong_reason_is_partly_right():
    item = by_item(ws.check_good_kpi({"orders_aov": {"good": True, "reason": "quantifiable"}}))["orders_aov"]
    assert item.status == "partly"
    assert "'kwantificeerbaar' geeft niet de doorslag" in item.message["nl"]
    assert "'quantifiable' is not what decides it" in item.message["en"]


def test_good_kpi_accepts_alternative_reasons_tuples_and_words():
    fb = ws.check_good_kpi(
        {"lead_conversion": ("ja", "actionable"), "sunny_days": {"good": "no", "reason": "actionable"}}
    )
    assert by_item(fb)["lead_conversion"].status == "right"
    assert by_item(fb)["sunny_days"].status == "right"
    assert "beïnvloedbaar" in by_item(fb)["sunny_days"].message["nl"]


def test_quiz_content_is_complete():
    for q in ws.QUIZ:
        assert q["goal"] in ws.GOALS and set(q["reasons"]) <= set(ws.REASONS)
        for part in ("metric", "explain", "hint"):
            assert q[part]["nl"] and q[part]["en"] and q[part]["nl"] != q[part]["en"]
    assert {q["good"] for q in ws.QUIZ} == {True, False}


# --------------------------------------------------------------------------- 2. vague → SMART
def test_smart_vague_goal_gets_feedback_per_letter():
    fb = ws.check_smart(
        {
            "statement": "We want more profit",
            "kpi": "profit",
            "target": 300000,
            "start": "2026-01-01",
            "deadline": "2026-12-31",
        }
    )
    items = by_item(fb)
    assert items["S"].status == "wrong" and "algemene woorden" in items["S"].message["nl"]
    assert "general words" in items["S"].message["en"]
    assert items["A"].status == "wrong" and items["T"].status == "right"
    assert items["baseline"].status == "missing" and "winst van vorig jaar" in items["baseline"].message["nl"]
    assert not fb.all_correct


def test_smart_wrong_kpi_and_baseline():
    answers = {**ws.model_answers("smart"), "kpi": "revenue", "baseline": 200000}
    items = by_item(ws.check_smart(answers))
    assert (
        items["kpi"].status == "wrong"
        and "'revenue'" in items["kpi"].message["nl"]
        and "winst" in items["kpi"].message["nl"]
    )
    assert "management wants more profit" in items["kpi"].message["en"]
    assert items["baseline"].status == "wrong" and "200.000" in items["baseline"].message["nl"]


def test_smart_realism_uses_the_profit_history():
    too_much = {
        **ws.model_answers("smart", "en"),
        "target": 500000,
        "statement": "Net profit from 250,000 to 500,000 in 2026",
    }
    r = by_item(ws.check_smart(too_much))["R"]
    assert r.status == "wrong" and "best 12 months" in r.message["en"]
    assert ws.profit_history().iloc[12:].sum() == pytest.approx(ws.PROFIT_LAST_YEAR)


def test_smart_unreadable_fields_are_named():
    fb = ws.check_smart({"statement": "x", "kpi": "profit", "start": "soon"})
    (item,) = fb.items
    assert item.status == "wrong"
    assert "target" in item.message["en"] and "start" in item.message["nl"] and "2026-01-01" in item.message["nl"]


def test_worked_chain_shows_the_room_left_for_other_drivers():
    findings = kpi.check_chain(ws.worked_chain())
    assert [f.code for f in findings] == ["other_drivers", "other_drivers"]
    assert "11 %" in findings[0].message["nl"] and "18 %" in findings[1].message["en"]


# --------------------------------------------------------------------------- 3. nail factory + goodhart
def test_single_targets_are_gamed_the_pair_is_not():
    weight, count, pair = sim.nail_scenarios()
    assert (weight.target, count.target, pair.target) == ("weight", "count", "pair")
    assert weight.size == "huge" and weight.gamed and weight.useful == 0 and weight.score > 1
    assert count.size == "tiny" and count.gamed and count.useful == 0 and count.score > 1
    assert pair.size == "useful" and not pair.gamed and pair.length_mm == sim.DESIGN_MM
    assert pair.score == pytest.approx(1.0, abs=0.01) and pair.useful == pair.count
    assert count.count > pair.count > weight.count and weight.weight_kg > pair.weight_kg > count.weight_kg


def test_unmeasured_factory_and_incoherent_pair():
    assert kpi.run_factory().length_mm == sim.DESIGN_MM and kpi.run_factory().target == "none"
    count, _ = sim.design_targets()
    # a pair whose kg/count ratio asks for 20 g nails is gamed too: the pair must be coherent
    run = kpi.run_factory(count, count * 20 / 1000)
    assert run.target == "pair" and run.size == "huge"


def test_nail_output_is_consistent():
    n, kg = sim.nail_output(70)
    assert kg == pytest.approx(n * sim.nail_grams(70) / 1000)
    assert sim.nail_grams(140) == pytest.approx(8 * sim.DESIGN_GRAMS)


def test_goodhart_answers_follow_the_data():
    ex = kpi.open_exercise("goodhart", mode="trainer")
    wb = kpi.open_client(DEMO_PARAMS / "demo_b2b.yaml")
    table = kpi.compute_kpis(wb.facts, ["leads", "lead_to_customer_rate"], grain="quarter")
    table = table[table["period"] <= "2026-07-01"]
    quads = kpi.pair_quadrants(table, [("leads", "lead_to_customer_rate")], compare="last_year")
    assert ex.model_answers()["latest_quarter"] == quads["quadrant"].iloc[-1] == "goodhart_warning"
    assert ex.model_answers()["partner"] == wb.catalog["leads"].partners[0]


def test_goodhart_wrong_answers_give_specific_hints():
    fb = kpi.check_answers(
        "goodhart",
        {
            "count_only": "huge",
            "weight_only": "huge",
            "most_useful": "count",
            "partner": "sessions",
            "latest_quarter": "healthy_growth",
        },
    )
    items = by_item(fb)
    assert items["weight_only"].status == "right"
    assert items["count_only"].status == "wrong" and "een paar enorme spijkers" in items["count_only"].message["nl"]
    assert (
        "'bruikbaar'" in items["most_useful"].message["nl"] and "'useful' column" in items["most_useful"].message["en"]
    )
    assert "poor quality" in items["partner"].message["en"]
    q = items["latest_quarter"]
    # the hint points at the table, it does not read the numbers out (that would be the answer)
    assert "Q3 2026" in q.message["nl"] and "up or down" in q.message["en"]
    assert "+123" not in q.message["en"] and "−70" not in q.message["en"]


# --------------------------------------------------------------------------- 4. drivers
def test_drivers_short_mix_says_what_is_missing():
    fb = kpi.check_answers(
        "drivers", {"mix_1": {"customers": 5}, "mix_2": {"customers": 4, "revenue_per_customer": 6}}, "en"
    )
    items = by_item(fb)
    assert items["mix_1"].status == "wrong"
    assert "revenue +5.0%" in items["mix_1"].message["en"] and "at least 1.10" in items["mix_1"].message["en"]
    # the hint guides (the formula), it does not hand over the missing change (+4.8 %)
    assert "4.8" not in items["mix_1"].message["en"] and "4,8" not in items["mix_1"].message["nl"]
    assert "minstens 1,10" in items["mix_1"].message["nl"]
    assert items["mix_2"].status == "right" and items["different"].status == "missing"


def test_drivers_same_mix_twice_is_not_two_routes():
    items = by_item(kpi.check_answers("drivers", {"mix_1": {"customers": 10}, "mix_2": {"customers": 10.2}}))
    assert items["mix_1"].status == items["mix_2"].status == "right"
    assert items["different"].status == "wrong" and "tweede route" in items["different"].message["nl"]


def test_drivers_check_uses_what_if():
    plan = kpi.open_exercise("drivers").data["plan"]
    res = sim.evaluate_mix(plan, {"customers": 5, "revenue_per_customer": 5})
    direct = kpi.what_if(plan["base"], {"customers": 5, "revenue_per_customer": 5}, goal=plan["goal"])
    assert res["meets"] and res["change_pct"] == pytest.approx(direct.change_pct) == pytest.approx(10.25)
    assert plan["goal"]["target"] == pytest.approx(plan["goal"]["baseline"] * 1.1)
    bad = by_item(kpi.check_answers("drivers", {"mix_1": {"visitors": 20}}))["mix_1"]
    assert bad.status == "wrong" and "visitors" in bad.message["en"]


# --------------------------------------------------------------------------- 5. quarterly review
def test_review_answers_come_from_pacing():
    wb = kpi.open_client(DEMO_PARAMS / "demo_b2b.yaml")
    paced = kpi.pace_goals(wb.facts, wb.config.goals)
    expected = sorted(paced.loc[paced["status"] == "off_track", "goal_id"])
    assert sorted(ws.model_answers("review")["off_track"]) == expected
    assert ws.model_answers("review")["action"] == "fix_quality"
    # another client, other answers: nothing is hard-coded
    shop = ws.model_answers("review", params_file=DEMO_PARAMS / "demo_webshop.yaml")
    assert shop["off_track"] == ["herhaal-2026"]


def test_review_partly_right_names_the_numbers_not_the_status():
    fb = kpi.check_answers("review", {"off_track": ["revenue-2026", "leads-2026"], "action": "more_volume"})
    off, action = by_item(fb)["off_track"], by_item(fb)["action"]
    assert off.status == "partly"
    assert "'leads-2026': prognose 6.347 tegen doel 4.009" in off.message["nl"]
    # the missed goal is not named (that would give the answer away), only a nudge
    assert "More is off track" in off.message["en"] and "lead-quality-2026" not in off.message["en"]
    assert action.status == "wrong" and "More volume does not help" in action.message["en"]
    assert off.solution["en"] == "" and action.solution["nl"] == ""  # learner mode: no model answers
    trainer = by_item(
        kpi.check_answers(
            "review", {"off_track": ["revenue-2026", "leads-2026"], "action": "more_volume"}, mode="trainer"
        )
    )
    assert "lead-quality-2026" in trainer["off_track"].solution["en"]
    assert "Kwaliteit herstellen" in trainer["action"].solution["nl"]


def test_review_other_wrong_actions():
    for action, text in (("lower_target", "laatste stap van Act"), ("keep_course", "alle doelen op koers")):
        item = by_item(kpi.check_answers("review", {"off_track": [], "action": action}))["action"]
        assert item.status == "wrong" and text in item.message["nl"]
    assert by_item(kpi.check_answers("review", {"off_track": "revenue-2026"}))["off_track"].status == "partly"


# --------------------------------------------------------------------------- views and widgets
@pytest.mark.parametrize("key", list(ws.EXERCISES))
def test_trainer_notes_only_in_trainer_mode(key):
    notes = views.trainer_notes_markdown(kpi.open_exercise(key, mode="trainer", lang="en"))
    assert ws.UI["model_heading"]["en"] in notes and ws.DISCUSSION[key][0]["en"] in notes
    assert "answers = " in notes
    assert views.questions_markdown(kpi.open_exercise(key, lang="nl"))


def _controls(widget):
    out, stack = [], [widget]
    while stack:
        w = stack.pop()
        out.append(w)
        stack.extend(getattr(w, "children", ()))
    return out


def _with(widget, css):
    return [w for w in _controls(widget) if css in getattr(w, "_dom_classes", ())]


@pytest.mark.parametrize("mode", ["learner", "trainer"])
def test_quiz_widget_checks_on_click(mode):
    ex = kpi.open_exercise("good_kpi", mode=mode, lang="en")
    box = ex.widget()
    assert _with(box, "kpi-quiz-answer") and len(_with(box, "kpi-quiz-check")) == 1
    (feedback,) = _with(box, "kpi-quiz-feedback")
    (good,) = _with(box, "kpi-q-website_traffic-good")
    (reason,) = _with(box, "kpi-q-website_traffic-reason")
    good.value, reason.value = "yes", "tied_to_goal"
    _with(box, "kpi-quiz-check")[0].click()
    assert "Suppose visits double" in feedback.value
    assert ("Model answer" in feedback.value) == (mode == "trainer")
    for q in ws.QUIZ:
        _with(box, f"kpi-q-{q['id']}-good")[0].value = "yes" if q["good"] else "no"
        _with(box, f"kpi-q-{q['id']}-reason")[0].value = q["reasons"][0]
    _with(box, "kpi-quiz-check")[0].click()
    assert "All correct!" in feedback.value


def test_every_exercise_widget_round_trips_the_model_answers():
    for key in ("drivers", "review", "goodhart", "smart"):
        ex = kpi.open_exercise(key, lang="nl")
        box, model = ex.widget(), ws.model_answers(key, "nl")
        if key == "drivers":
            for mix, changes in model.items():
                for drv, value in changes.items():
                    _with(box, f"kpi-q-{mix}-{drv}")[0].value = value
        elif key == "review":
            for gid in model["off_track"]:
                _with(box, f"kpi-q-off-{gid}")[0].value = True
            _with(box, "kpi-q-action")[0].value = model["action"]
        elif key == "goodhart":
            for name, value in model.items():
                _with(box, f"kpi-q-{name}")[0].value = value
        else:
            for name, value in model.items():
                _with(box, f"kpi-q-{name}")[0].value = str(value)
        _with(box, "kpi-quiz-check")[0].click()
        assert "Alles goed!" in _with(box, "kpi-quiz-feedback")[0].value, key


def test_nail_simulator_redraws_on_slider_change():
    box = kpi.open_exercise("goodhart", lang="en").simulator()
    weight = next(w for w in _with(box, "kpi-nail-slider") if w.description == "kg")
    out = box.children[-1]
    assert "Useful nails" in out.value
    weight.value = 0
    assert "Gamed" in out.value and ">10<" in out.value


# --------------------------------------------------------------------------- issue 15: labels, trainer answers, learner API
def _texts(widget):
    """Every text a learner sees on a widget tree: descriptions, labels, options."""
    out = []
    for w in [widget, *_children(widget)]:
        out += [str(getattr(w, "description", "") or "")]
        if type(w).__name__ in ("Label", "HTML"):
            out.append(str(w.value))
        out += (
            [str(label) for label, _ in getattr(w, "options", ()) or () if isinstance(label, str)]
            if hasattr(w, "options")
            else []
        )
    return [t for t in out if t]


def _children(w):
    for c in getattr(w, "children", ()):
        yield c
        yield from _children(c)


RAW_IDS = (
    "statement",
    "count_only",
    "weight_only",
    "most_useful",
    "latest_quarter",
    "off_track",
    "action",
    "partner",
    "customers",
    "revenue_per_customer",
    "owner",
    "kpi_id",
)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key", list(ws.EXERCISES))
def test_widget_labels_are_translated_not_raw_ids(key, lang):
    texts = _texts(kpi.open_exercise(key, lang=lang).widget())
    assert texts
    for raw in RAW_IDS:
        assert raw not in texts, (key, lang, raw)
    if key == "goodhart":
        assert ws.FIELDS["count_only"][lang] in texts and ws.FIELDS["latest_quarter"][lang] in texts
    if key == "smart":
        assert ws.FIELDS["statement"][lang] in texts and ws.FIELDS["owner"][lang] in texts
    if key == "review":
        assert ws.FIELDS["off_track"][lang] in texts and ws.FIELDS["action"][lang] in texts


def test_every_field_label_has_both_languages():
    assert all(set(v) == {"nl", "en"} and all(v.values()) for v in ws.FIELDS.values())


def test_review_in_dutch_shows_dutch_goal_statements():
    """The demo client writes its goals in English; a Dutch learner reads them in Dutch."""
    box = kpi.open_exercise("review", lang="nl").widget()
    wb = kpi.open_client("params/demo_b2b.yaml")
    goals = [_with(box, f"kpi-q-off-{g.id}")[0].description for g in wb.config.goals]
    assert len(goals) == 3
    for text, goal in zip(goals, wb.config.goals):
        assert goal.statement not in text and text.startswith(f"{goal.id}: ")
        assert " van " in text and " naar " in text and "uiterlijk" in text
    assert "Omzet van € 3.350.880 naar € 3.618.951 uiterlijk 31 dec 2026" in goals[0]
    # in the client's own language the client's own statement is shown
    en = _with(kpi.open_exercise("review", lang="en").widget(), "kpi-q-off-revenue-2026")[0].description
    assert en == f"revenue-2026: {wb.config.goals[0].statement}"


@pytest.mark.parametrize("lang", LANGS)
def test_drivers_trainer_feedback_shows_the_model_mixes(lang):
    wrong = {"mix_1": {"customers": 2, "revenue_per_customer": 1}}
    ex = kpi.open_exercise("drivers", mode="trainer", lang=lang)
    text = ex.feedback(wrong).text(lang, reveal=ex.reveal)
    word = ws.UI["solution"][lang]
    assert text.count(word) == 2  # the model mix for mix 1 (wrong) and mix 2 (missing)
    assert "+10%" in text and ("+6,0%" if lang == "nl" else "+6.0%") in text
    notes = views.trainer_notes_markdown(ex)
    assert "'mix_2': {'customers': 4.0, 'revenue_per_customer': 6.0}" in notes


@pytest.mark.parametrize("key", list(ws.EXERCISES))
def test_learner_cannot_reach_model_answers_through_the_public_api(key):
    assert "model_answers" not in dir(kpi)
    with pytest.raises(AttributeError):
        kpi.model_answers  # noqa: B018
    ex = kpi.open_exercise(key, lang="en")
    with pytest.raises(kpi.KpiWorkbookError, match="trainer"):
        ex.model_answers()
    # feedback in learner mode carries no model answers, even when asked to reveal them
    for fb in (ex.feedback({"x": 1}), kpi.check_answers(key, {"x": 1}, "en")):
        assert all(i.solution == {"nl": "", "en": ""} for i in fb.items)
        assert "Model answer" not in fb.text("en", reveal=True) and "Modelantwoord" not in fb.html("nl", reveal=True)
    trainer = kpi.open_exercise(key, mode="trainer", lang="en")
    assert trainer.model_answers() == ws.model_answers(key, "en")
    assert any(i.solution["en"] for i in trainer.feedback({"x": 1}).items if i.status != "right")
