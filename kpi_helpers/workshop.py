"""Workshop exercises for trainers: questions, model answers, checking and feedback (nl/en).

Five exercises, one notebook each in notebooks/workshop/ (keys in EXERCISES):
good_kpi (quiz), smart (vague goal → SMART goal), goodhart (nail factory + leads vs good
leads), drivers (two driver mixes that reach +10 % revenue), review (PDCA on a dashboard).

The quiz content is data (QUIZ, REASONS, ...); the answers of exercises 3-5 are derived from
the simulation and the demo data (kpi_helpers.workshop_sim), never hard-coded. Answers come
from ipywidgets (`Exercise.widget()`) or as a plain dict (papermill parameter `answers`);
both go through `check_answers`, which returns `Feedback`. Learner mode never shows the model
answers; trainer mode adds them to the feedback and shows the trainer notes.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from kpi_helpers import workshop_sim as sim
from kpi_helpers.exceptions import KpiWorkbookError
from kpi_helpers.i18n import check_lang, format_currency, format_number, format_percent

Text = dict[str, str]
MODES = ("learner", "trainer")

EXERCISES: dict[str, dict[str, Any]] = {
    "good_kpi": {"number": 1, "notebook": "01_good_kpi_bad_kpi.ipynb", "params_file": None},
    "smart": {"number": 2, "notebook": "02_vague_to_smart.ipynb", "params_file": None},
    "goodhart": {"number": 3, "notebook": "03_pairs_and_goodhart.ipynb", "params_file": "params/demo_b2b.yaml"},
    "drivers": {"number": 4, "notebook": "04_goals_kpis_targets.ipynb", "params_file": "params/demo_webshop.yaml"},
    "review": {"number": 5, "notebook": "05_quarterly_review.ipynb", "params_file": "params/demo_b2b.yaml"},
}

UI: dict[str, Text] = {
    "all_correct": {"nl": "✅ Alles goed!", "en": "✅ All correct!"},
    "score": {"nl": "{n} van de {total} goed. Lees de feedback en probeer het nog eens.",
              "en": "{n} of {total} right. Read the feedback and try again."},
    "no_answers": {"nl": "Nog geen antwoorden. Gebruik de widgets hierboven, of geef ze mee als parameter `answers` (zie docs/trainers.md).",
                   "en": "No answers yet. Use the widgets above, or pass them as the `answers` parameter (see docs/trainers.md)."},
    "missing": {"nl": "Nog niet beantwoord.", "en": "Not answered yet."},
    "solution": {"nl": "Modelantwoord", "en": "Model answer"},
    "model_heading": {"nl": "Modelantwoorden voor de trainer", "en": "Model answers for the trainer"},
    "prompts": {"nl": "Gespreksvragen", "en": "Discussion prompts"},
    "learner_note": {"nl": "De uitwerking staat in de trainersversie van dit notebook.",
                     "en": "The worked solution is in the trainer's version of this notebook."},
    "check": {"nl": "Controleer", "en": "Check"},
    "choose": {"nl": "— kies —", "en": "— choose —"},
    "good": {"nl": "goede KPI", "en": "good KPI"},
    "not_good": {"nl": "geen goede KPI", "en": "not a good KPI"},
    "goal": {"nl": "Doel", "en": "Goal"},
}
MARK = {"right": "✓", "partly": "◐", "wrong": "✗", "missing": "–"}


# --------------------------------------------------------------------------- feedback
@dataclass(frozen=True)
class ItemFeedback:
    item: str
    label: Text
    status: str  # right | partly | wrong | missing
    message: Text
    solution: Text = field(default_factory=lambda: {"nl": "", "en": ""})


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
        return f"{UI['all_correct'][lang]} ({n}/{total})" if self.all_correct else UI["score"][lang].format(n=n, total=total)

    def lines(self, lang: str = "nl", reveal: bool = False) -> list[tuple[str, str, str]]:
        """(status, label, text) per item; `reveal` adds the model answer (trainer mode)."""
        out = []
        for i in self.items if self.answered else ():
            text = i.message[lang]
            if reveal and i.status != "right" and i.solution[lang]:
                text += f" → {UI['solution'][lang]}: {i.solution[lang]}"
            out.append((i.status, i.label[lang], text))
        return out

    def text(self, lang: str = "nl", reveal: bool = False) -> str:
        return "\n".join([self.summary(lang)] + [f"{MARK[s]} {label}: {t}" for s, label, t in self.lines(lang, reveal)])

    def html(self, lang: str = "nl", reveal: bool = False) -> str:
        e = lambda s: html.escape(s, quote=False)  # noqa: E731
        items = "".join(f"<li class='kpi-fb-{s}'><strong>{MARK[s]} {e(label)}</strong>: {e(t)}</li>"
                        for s, label, t in self.lines(lang, reveal))
        return (f"<div class='kpi-feedback'><p><strong>{e(self.summary(lang))}</strong></p>"
                + (f"<ul>{items}</ul>" if items else "") + "</div>")


def _item(item: str, label: Text, status: str, message: Text, solution: Text | None = None) -> ItemFeedback:
    return ItemFeedback(item, label, status, message, solution or {"nl": "", "en": ""})


def _both(fn) -> Text:
    return {lang: fn(lang) for lang in ("nl", "en")}


def _missing(item: str, label: Text, solution: Text | None = None) -> ItemFeedback:
    return _item(item, label, "missing", dict(UI["missing"]), solution)


# --------------------------------------------------------------------------- 1. good KPI, bad KPI
GOALS: dict[str, Text] = {
    "revenue": {"nl": "Webshop: 10 % meer omzet in 2026", "en": "Webshop: 10 % more revenue in 2026"},
    "clients": {"nl": "Adviesbureau: 20 nieuwe klanten in Q1", "en": "Consultancy: 20 new clients in Q1"},
    "retention": {"nl": "Webshop: meer klanten die terugkomen (herhaalaankopen van 50 % naar 60 %)",
                  "en": "Webshop: more customers who come back (repeat purchases from 50 % to 60 %)"},
    "icecream": {"nl": "IJssalon: 15 % meer omzet deze zomer", "en": "Ice-cream parlour: 15 % more revenue this summer"},
}
REASONS: dict[str, dict[str, Text]] = {
    "quantifiable": {"short": {"nl": "kwantificeerbaar", "en": "quantifiable"},
                     "long": {"nl": "Kwantificeerbaar: is het in een getal te meten?", "en": "Quantifiable: can it be measured as a number?"}},
    "actionable": {"short": {"nl": "beïnvloedbaar", "en": "actionable"},
                   "long": {"nl": "Beïnvloedbaar: kan het team er zelf iets aan doen?", "en": "Actionable: can the team do something about it?"}},
    "tied_to_goal": {"short": {"nl": "gekoppeld aan het kerndoel", "en": "tied to the core goal"},
                     "long": {"nl": "Gekoppeld aan het kerndoel: beweegt het doel mee?", "en": "Tied to the core goal: does the goal move with it?"}},
    "loose_metric": {"short": {"nl": "losse metric", "en": "loose metric"},
                     "long": {"nl": "Losse metric: telt iets, maar los van het doel", "en": "Loose metric: counts something, but apart from the goal"}},
}
# One candidate KPI per item: `reasons` lists the accepted deciding criteria, the first is the model answer.
QUIZ: list[dict[str, Any]] = [
    {"id": "website_traffic", "goal": "revenue", "good": False, "reasons": ("loose_metric",),
     "metric": {"nl": "Websiteverkeer (aantal bezoeken)", "en": "Website traffic (number of visits)"},
     "explain": {"nl": "Bezoek is makkelijk te tellen en te beïnvloeden, maar meer bezoek betekent niet vanzelf meer omzet: bots, de verkeerde doelgroep, niemand die koopt. Pas als paar met de conversieratio zegt het iets over omzet.",
                 "en": "Visits are easy to count and to influence, but more traffic does not mean more revenue by itself: bots, the wrong audience, nobody buying. Only paired with the conversion rate does it say something about revenue."},
     "hint": {"nl": "Stel dat het bezoek verdubbelt en niemand koopt iets: is het doel dan dichterbij?",
              "en": "Suppose visits double and nobody buys: is the goal any closer?"}},
    {"id": "sales_calls", "goal": "clients", "good": False, "reasons": ("loose_metric",),
     "metric": {"nl": "Aantal belletjes per accountmanager per dag", "en": "Calls made per sales rep per day"},
     "explain": {"nl": "Een activiteitenteller: wie op belletjes wordt afgerekend, belt veel en kort, ook met mensen die nooit klant worden. Meet wat het doel dient: nieuwe klanten, of gesprekken die tot een offerte leiden.",
                 "en": "An activity count: reps judged on calls make many short calls, also to people who will never buy. Measure what serves the goal: new clients, or calls that lead to a quote."},
     "hint": {"nl": "Wat doet een verkoper die alleen op het aantal belletjes wordt beoordeeld?",
              "en": "What does a rep do who is judged on the number of calls alone?"}},
    {"id": "orders_aov", "goal": "revenue", "good": True, "reasons": ("tied_to_goal",),
     "metric": {"nl": "Aantal bestellingen + gemiddelde orderwaarde", "en": "Orders + average order value"},
     "explain": {"nl": "Omzet = bestellingen × gemiddelde orderwaarde: samen bewegen ze precies met het doel mee, en elk heeft eigen acties (meer bestellingen via conversie, een hogere orderwaarde via bundels of een drempel voor gratis verzending).",
                 "en": "Revenue = orders × average order value: together they move exactly with the goal, and each has its own actions (more orders through conversion, a higher order value through bundles or a free-shipping threshold)."},
     "hint": {"nl": "Vermenigvuldig de twee eens: wat krijgt u dan?", "en": "Multiply the two: what do you get?"}},
    {"id": "accounts_rpa", "goal": "revenue", "good": True, "reasons": ("tied_to_goal",),
     "metric": {"nl": "Nieuwe accounts + omzet per account", "en": "New accounts + revenue per account"},
     "explain": {"nl": "Accounts × omzet per account = omzet. Het paar voorkomt dat u accounts 'koopt' met acties die nooit iets opleveren: dan daalt de omzet per account zichtbaar.",
                 "en": "Accounts × revenue per account = revenue. The pair stops you from 'buying' accounts with promotions that never pay: the revenue per account would show it."},
     "hint": {"nl": "Waarom staat er een tweede getal naast het aantal accounts?", "en": "Why is there a second number next to the number of accounts?"}},
    {"id": "followers", "goal": "revenue", "good": False, "reasons": ("loose_metric",),
     "metric": {"nl": "Volgers op Instagram", "en": "Instagram followers"},
     "explain": {"nl": "Een ijdelheidsmetric: volgers zijn te kopen of te winnen met winacties, zonder dat iemand iets bestelt. Koppel social aan omzet (bezoek en bestellingen via social) als het kanaal ertoe doet.",
                 "en": "A vanity metric: followers can be bought or won with giveaways without anyone ordering. Tie social to revenue (visits and orders from social) if the channel matters."},
     "hint": {"nl": "Kunt u volgers krijgen zonder dat er één euro omzet bij komt?", "en": "Can you gain followers without a single euro of extra revenue?"}},
    {"id": "brand_feeling", "goal": "retention", "good": False, "reasons": ("quantifiable",),
     "metric": {"nl": "Klanten vinden ons merk leuker", "en": "Customers like our brand more"},
     "explain": {"nl": "Zo geformuleerd is het geen getal: niemand kan zien of het gehaald is. Maak het meetbaar, bijvoorbeeld klanttevredenheid uit een enquête, of direct het percentage herhaalaankopen.",
                 "en": "Worded like this it is not a number: nobody can tell whether it was reached. Make it measurable, e.g. customer satisfaction from a survey, or the repeat purchase rate itself."},
     "hint": {"nl": "Hoe zet u dit volgende maand als getal op het dashboard?", "en": "How would you put this on next month's dashboard as a number?"}},
    {"id": "sunny_days", "goal": "icecream", "good": False, "reasons": ("actionable",),
     "metric": {"nl": "Aantal zonnige dagen", "en": "Number of sunny days"},
     "explain": {"nl": "Het weer verklaart de omzet wel, maar niemand kan er iets aan doen: een KPI moet een knop zijn waar het team aan kan draaien. Gebruik het als verklaring naast de KPI (omzet per zonnige dag), niet als KPI.",
                 "en": "The weather does explain revenue, but nobody can act on it: a KPI must be a lever the team can pull. Use it to explain the KPI (revenue per sunny day), not as the KPI."},
     "hint": {"nl": "Wat kan het team morgen doen om dit getal te verhogen?", "en": "What can the team do tomorrow to raise this number?"}},
    {"id": "lead_conversion", "goal": "clients", "good": True, "reasons": ("tied_to_goal", "actionable"),
     "metric": {"nl": "Leads + conversie van lead naar klant", "en": "Leads + lead-to-customer rate"},
     "explain": {"nl": "Nieuwe klanten = leads × conversie van lead naar klant. Het paar laat zien of extra leads ook klanten worden (zie oefening 3: meer leads, slechtere leads).",
                 "en": "New clients = leads × lead-to-customer rate. The pair shows whether extra leads become clients too (see exercise 3: more leads, worse leads)."},
     "hint": {"nl": "Welk getal vertelt u of een extra lead ook klant wordt?", "en": "Which number tells you whether an extra lead becomes a client?"}},
]
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
        solution = _both(lambda l: f"{UI['good' if q['good'] else 'not_good'][l]}, {REASONS[q['reasons'][0]]['short'][l]}. {q['explain'][l]}")
        if not given or _verdict(given.get("good")) is None:
            out.append(_missing(q["id"], label, solution))
            continue
        good, reason = _verdict(given.get("good")), str(given.get("reason") or "")
        verdict = _both(lambda l: UI["good" if good else "not_good"][l])
        if good != q["good"]:
            out.append(_item(q["id"], label, "wrong", _both(lambda l: (
                f"Nog niet: u koos '{verdict[l]}'. {q['hint'][l]}" if l == "nl" else
                f"Not yet: you chose '{verdict[l]}'. {q['hint'][l]}")), solution))
        elif reason not in q["reasons"]:
            chosen = _both(lambda l: REASONS[reason]["short"][l] if reason in REASONS else (reason or "—"))
            out.append(_item(q["id"], label, "partly", _both(lambda l: (
                f"Goed gezien dat dit {'een' if good else 'geen'} goede KPI is, maar '{chosen[l]}' geeft niet de doorslag. {q['hint'][l]}"
                if l == "nl" else
                f"Right that this is {'a' if good else 'not a'} good KPI, but '{chosen[l]}' is not what decides it. {q['hint'][l]}")), solution))
        else:
            out.append(_item(q["id"], label, "right", _both(lambda l: f"{verdict[l]}, {REASONS[reason]['short'][l]}. {q['explain'][l]}")))
    return Feedback("good_kpi", tuple(out))


# --------------------------------------------------------------------------- 2. vague → SMART
PROFIT_LAST_YEAR = 250_000.0
PROFIT_GROWTH_PER_MONTH = 0.018  # the company's own track record (monthly profit, 2024-2025)
SMART_FIELDS = ("statement", "kpi", "baseline", "target", "start", "deadline", "owner")
PROFIT_KPIS = ("profit", "gross_profit")


def profit_history() -> pd.Series:
    """Monthly profit 2024-2025, growing PROFIT_GROWTH_PER_MONTH, 2025 summing to PROFIT_LAST_YEAR."""
    months = pd.date_range("2024-01-01", "2025-12-01", freq="MS")
    shape = pd.Series([(1 + PROFIT_GROWTH_PER_MONTH) ** i for i in range(len(months))], index=months)
    return shape * PROFIT_LAST_YEAR / shape.iloc[12:].sum()


def _smart_goal(answers: dict[str, Any]) -> Any:
    from kpi_helpers.goals import Goal

    fields = {k: answers.get(k) for k in SMART_FIELDS if answers.get(k) not in (None, "")}
    fields.setdefault("statement", "")
    fields.setdefault("kpi", "")
    return Goal.model_validate(fields)


def check_smart(answers: dict[str, Any] | None) -> Feedback:
    """Exercise 2. answers: Goal fields (statement, kpi, baseline, target, start, deadline, owner).
    Items: the KPI and baseline fit the assignment, then smart_check per letter S M A R T."""
    from kpi_helpers.goals import LETTER_NAMES, smart_check

    if not answers:
        return Feedback("smart", (), answered=False)
    model = MODEL_SMART
    try:
        goal = _smart_goal(answers)
    except ValueError as exc:  # pydantic's ValidationError names the fields
        errors = exc.errors() if hasattr(exc, "errors") else []
        missing = [str(e["loc"][0]) for e in errors if e["type"] == "missing"]
        bad = [str(e["loc"][0]) for e in errors if e["type"] != "missing"] or ([] if errors else [str(exc)])
        return Feedback("smart", (_item("fields", {"nl": "Velden", "en": "Fields"}, "wrong", {
            "nl": (f"Vul nog in: {', '.join(missing)}. " if missing else "") + (f"Niet te lezen: {', '.join(bad)}. " if bad else "")
            + "Data schrijft u als 2026-01-01, bedragen als getal.",
            "en": (f"Still to fill in: {', '.join(missing)}. " if missing else "") + (f"Cannot read: {', '.join(bad)}. " if bad else "")
            + "Write dates as 2026-01-01 and amounts as numbers."}),))
    out = []
    kpi_label = {"nl": "KPI", "en": "KPI"}
    if goal.kpi.strip() in PROFIT_KPIS:
        out.append(_item("kpi", kpi_label, "right", {"nl": "U meet de winst: precies wat de directie wil.", "en": "You measure profit: exactly what management wants."}))
    else:
        out.append(_item("kpi", kpi_label, "wrong", {
            "nl": f"U meet '{goal.kpi or '—'}', maar de directie wil meer winst: het doel hoort op de winst zelf; omzet of bezoek zijn drivers daaronder.",
            "en": f"You measure '{goal.kpi or '—'}', but management wants more profit: the goal belongs on profit itself; revenue or visits are drivers below it."},
            {"nl": model["kpi"], "en": model["kpi"]}))
    base_label = {"nl": "Beginwaarde", "en": "Baseline"}
    last = {lang: format_currency(PROFIT_LAST_YEAR, "EUR", lang) for lang in ("nl", "en")}
    if goal.baseline is not None and math.isclose(goal.baseline, PROFIT_LAST_YEAR, rel_tol=0.005):
        out.append(_item("baseline", base_label, "right", {"nl": "De nulmeting is de winst van vorig jaar.", "en": "The baseline is last year's profit."}))
    else:
        out.append(_item("baseline", base_label, "missing" if goal.baseline is None else "wrong", _both(lambda l: (
            "Vul als beginwaarde de winst van vorig jaar uit de opdracht in" if l == "nl" else "Use last year's profit from the assignment as the baseline")
            + (f" ({'niet' if l == 'nl' else 'not'} {format_number(goal.baseline, l)})." if goal.baseline is not None else ".")), last))
    report = smart_check(goal, profit_history())
    status = {"pass": "right", "warn": "partly", "fail": "wrong"}
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
        "R": {"nl": "+20 % in 12 maanden is 1,5 % per maand: binnen het eigen tempo van 1,8 %.",
              "en": "+20 % in 12 months is 1.5 % a month: within the company's own pace of 1.8 %."},
        "T": {lang: f"{m['start']} – {m['deadline']}" for lang in ("nl", "en")},
    }[letter]


def worked_chain() -> list[Any]:
    """The worked example: profit +20 % ← revenue +35 % ← website visitors +65 %, in 18 months."""
    from kpi_helpers.goals import Goal

    start, end = dt.date(2026, 1, 1), dt.date(2027, 6, 30)
    return [
        Goal(id="winst", statement="Profit +20 % within 18 months", kpi="profit", baseline=400_000, target=480_000,
             start=start, deadline=end, owner="CEO"),
        Goal(id="omzet", statement="Revenue +35 % within 18 months", kpi="revenue", baseline=2_000_000, target=2_700_000,
             start=start, deadline=end, owner="Sales director", parent="winst"),
        Goal(id="bezoek", statement="Website visitors +65 % within 18 months", kpi="sessions", baseline=600_000,
             target=990_000, start=start, deadline=end, owner="Online marketer", parent="omzet"),
    ]


# --------------------------------------------------------------------------- 3-5: choice questions on data
QUADRANTS: dict[str, Text] = {
    "healthy_growth": {"nl": "meer leads én betere leads", "en": "more leads and better leads"},
    "goodhart_warning": {"nl": "meer leads, slechtere leads", "en": "more leads, worse leads"},
    "efficiency": {"nl": "minder leads, betere leads", "en": "fewer leads, better leads"},
    "decline": {"nl": "minder leads en slechtere leads", "en": "fewer leads and worse leads"},
    "stable": {"nl": "niets veranderd", "en": "nothing changed"},
}
SIZES = {"tiny": {"nl": "heel veel piepkleine spijkers", "en": "lots of tiny nails"},
         "useful": {"nl": "bruikbare spijkers (40–100 mm)", "en": "useful nails (40–100 mm)"},
         "huge": {"nl": "een paar enorme spijkers", "en": "a few huge nails"}}
TARGETS = {"weight": {"nl": "alleen gewicht (kg)", "en": "weight only (kg)"},
           "count": {"nl": "alleen aantal", "en": "count only"},
           "pair": {"nl": "het paar: aantal én gewicht", "en": "the pair: count and weight"}}
ACTIONS = {
    "more_volume": {"nl": "Meer volume: extra budget voor campagnes die leads of bezoek opleveren",
                    "en": "More volume: extra budget for campaigns that bring in leads or visits"},
    "fix_quality": {"nl": "Kwaliteit herstellen: uitzoeken waarom de kwaliteits-KPI daalt en daarop bijsturen (bijv. leads samen met sales kwalificeren)",
                    "en": "Fix quality: find out why the quality KPI falls and steer on it (e.g. qualify leads together with sales)"},
    "lower_target": {"nl": "Het doel verlagen", "en": "Lower the target"},
    "keep_course": {"nl": "Koers houden: niets veranderen", "en": "Keep course: change nothing"},
}


def _choice(item: str, label: Text, given: Any, right: str, options: dict[str, Text], hint: Text,
            explain: Text) -> ItemFeedback:
    solution = _both(lambda l: f"{options[right][l]}. {explain[l]}")
    if given in (None, ""):
        return _missing(item, label, solution)
    if given == right:
        return _item(item, label, "right", _both(lambda l: f"{options[right][l]}. {explain[l]}"))
    chosen = _both(lambda l: options[given][l] if given in options else str(given))
    return _item(item, label, "wrong", _both(lambda l: (f"Nog niet: '{chosen[l]}'. " if l == "nl" else f"Not yet: '{chosen[l]}'. ") + hint[l]), solution)


def _pct(x: float, lang: str) -> str:
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
    table_hint = {"nl": "Kijk in de tabel met de drie scenario's: welke maat levert de fabriek de hoogste score op?",
                  "en": "Look at the table with the three scenarios: which size gives the factory its best score?"}
    dv, dq = story["volume_change"], story["quality_change"]
    vlab = {lang: cat[story["volume"]].label(lang) for lang in ("nl", "en")}
    qlab = {lang: cat[story["quality"]].label(lang).lower() for lang in ("nl", "en")}
    period = f"Q{story['period'].quarter} {story['period'].year}"
    items = [
        _choice("count_only", {"nl": "Alleen op aantal", "en": "Count only"}, answers.get("count_only"),
                by_target["count"].size, SIZES, table_hint,
                _both(lambda l: f"{format_number(by_target['count'].count, l)} × {by_target['count'].length_mm} mm: " + (
                    "het aantal is gehaald, maar niemand kan ze gebruiken." if l == "nl" else "the count is met, but nobody can use them."))),
        _choice("weight_only", {"nl": "Alleen op gewicht", "en": "Weight only"}, answers.get("weight_only"),
                by_target["weight"].size, SIZES, table_hint,
                _both(lambda l: f"{format_number(by_target['weight'].count, l)} × {by_target['weight'].length_mm} mm: " + (
                    "veel kilo's, geen enkele bruikbare spijker." if l == "nl" else "plenty of kilos, not one useful nail."))),
        _choice("most_useful", {"nl": "Meeste bruikbare spijkers", "en": "Most useful nails"}, answers.get("most_useful"),
                best, TARGETS, {"nl": "Vergelijk de kolom 'bruikbaar' van de drie scenario's.", "en": "Compare the 'useful' column of the three scenarios."},
                {"nl": "Pas als het paar gemeten wordt, loont gamen niet meer: een te kleine spijker mist het gewicht, een te grote het aantal.",
                 "en": "Only when the pair is measured does gaming stop paying: a nail too small misses the weight, one too big the count."}),
        _choice("partner", {"nl": "Partner van leads", "en": "Partner of leads"}, answers.get("partner"), story["quality"], partner_opts,
                {"nl": "Welke KPI daalt als de extra leads van slechte kwaliteit zijn?", "en": "Which KPI falls when the extra leads are of poor quality?"},
                {"nl": "Volume (leads) naast kwaliteit (hoeveel leads klant worden).", "en": "Volume (leads) next to quality (how many leads become clients)."}),
        _choice("latest_quarter", {"nl": f"Leads in {period}", "en": f"Leads in {period}"}, answers.get("latest_quarter"),
                story["quadrant"], QUADRANTS,
                _both(lambda l: (f"Kijk naar de tekens in {period}: {vlab[l]} {_pct(dv, l)}, {qlab[l]} {_pct(dq, l)}." if l == "nl"
                                 else f"Look at the signs in {period}: {vlab[l]} {_pct(dv, l)}, {qlab[l]} {_pct(dq, l)}.")),
                story["message"]),
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
    names = {"customers": {"nl": "klanten", "en": "customers"}, "revenue_per_customer": {"nl": "omzet per klant", "en": "revenue per customer"}}
    for key in ("mix_1", "mix_2"):
        label = {"nl": f"Mix {key[-1]}", "en": f"Mix {key[-1]}"}
        mix = answers.get(key)
        if not mix:
            items.append(_missing(key, label))
            continue
        try:
            mix = {k: float(v) for k, v in mix.items()}
            res = sim.evaluate_mix(plan, mix)
        except (KpiWorkbookError, TypeError, ValueError) as exc:
            items.append(_item(key, label, "wrong", {"nl": f"Deze mix is niet te lezen: {exc}", "en": f"This mix cannot be read: {exc}"}))
            continue
        mixes.append(mix)
        desc = _both(lambda l: ", ".join(f"{names[d][l]} {_pct(mix.get(d, 0.0) / 100, l)}" for d in names))
        got = _both(lambda l: _pct(res["change_pct"] / 100, l))
        if res["meets"]:
            items.append(_item(key, label, "right", _both(lambda l: f"{desc[l]} → " + (f"omzet {got[l]}: doel gehaald." if l == "nl" else f"revenue {got[l]}: goal reached."))))
        else:
            rpc = _both(lambda l: _pct(res["need_rpc_pct"] / 100, l))
            items.append(_item(key, label, "wrong", _both(lambda l: (
                f"{desc[l]} → omzet {got[l]}; het doel vraagt {_pct(need, l)}. Bij deze klantgroei moet de omzet per klant minstens {rpc[l]} veranderen."
                if l == "nl" else
                f"{desc[l]} → revenue {got[l]}; the goal needs {_pct(need, l)}. With this customer change, revenue per customer must change by at least {rpc[l]}."))))
    label = {"nl": "Twee verschillende routes", "en": "Two different routes"}
    if len(mixes) == 2 and all(i.status == "right" for i in items):
        differ = max(abs(mixes[0].get(d, 0.0) - mixes[1].get(d, 0.0)) for d in names) >= 0.5
        items.append(_item("different", label, "right" if differ else "wrong", {
            "nl": "Twee routes naar hetzelfde doel: nu kunt u kiezen welke het best past." if differ else "Beide mixen zijn (bijna) gelijk: zoek een tweede route, bijvoorbeeld met minder klantgroei en een hogere omzet per klant.",
            "en": "Two routes to the same goal: now you can choose the one that fits best." if differ else "Both mixes are (almost) the same: find a second route, e.g. less customer growth and a higher revenue per customer."}))
    else:
        items.append(_item("different", label, "missing", {"nl": "Eerst moeten beide mixen het doel halen.", "en": "First both mixes must reach the goal."}))
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
    label = {"nl": "Uit koers", "en": "Off track"}
    status_txt = {"on_track": {"nl": "op koers", "en": "on track"}, "at_risk": {"nl": "een risico", "en": "at risk"},
                  "off_track": {"nl": "uit koers", "en": "off track"}}

    def why(gid: str, lang: str, missed: bool | None = None) -> str:
        """The numbers of one goal; the status itself only when the answer was right (None)."""
        if gid not in table.index:
            return {"nl": f"'{gid}' is geen doel van deze klant.", "en": f"'{gid}' is not one of this client's goals."}[lang]
        r = table.loc[gid]
        f, t = lang_fmt(gid, r["forecast"], lang), lang_fmt(gid, r["target"], lang)
        if missed is None:
            return {"nl": f"'{gid}' is {status_txt[r['status']]['nl']}: prognose {f} tegen doel {t}.",
                    "en": f"'{gid}' is {status_txt[r['status']]['en']}: forecast {f} against target {t}."}[lang]
        if missed:
            return {"nl": f"U mist er een: vergelijk bij '{gid}' de prognose {f} met het doel {t}.",
                    "en": f"You missed one: compare the forecast {f} of '{gid}' with its target {t}."}[lang]
        return {"nl": f"'{gid}': prognose {f} tegen doel {t}. Is dat meer dan 5 % te weinig?",
                "en": f"'{gid}': forecast {f} against target {t}. Is that more than 5 % short?"}[lang]

    solution = _both(lambda l: ", ".join(sorted(truth)) or "—")
    if answers.get("off_track") is None:
        items = [_missing("off_track", label, solution)]
    elif given == truth:
        items = [_item("off_track", label, "right", _both(lambda l: " ".join(why(g, l) for g in sorted(truth)) or "—"))]
    else:
        lead = {"nl": "Bijna. " if given & truth else "Nog niet. ", "en": "Almost. " if given & truth else "Not yet. "}
        items = [_item("off_track", label, "partly" if given & truth else "wrong", _both(lambda l: lead[l] + " ".join(
            [why(g, l, False) for g in sorted(given - truth)] + [why(g, l, True) for g in sorted(truth - given)])), solution)]
    action, right = answers.get("action"), rev["action"]
    n_off = len(truth)
    reason = {
        "fix_quality": data["quality_reason"],
        "more_volume": {"nl": "De kwaliteits-KPI's houden stand; het volume blijft achter bij het doel.",
                        "en": "The quality KPIs hold up; volume lags behind the goal."},
        "keep_course": {"nl": "Alle doelen liggen op koers: ingrijpen is niet nodig.", "en": "All goals are on track: no need to intervene."},
    }[right]
    hints = {
        "more_volume": {"nl": "Meer volume maakt het hier niet beter. ", "en": "More volume does not help here. "},
        "fix_quality": {"nl": "Er is geen kwaliteitsprobleem te zien. ", "en": "The data show no quality problem. "},
        "lower_target": {"nl": "Het doel verlagen is de laatste stap van Act, pas als u de oorzaak kent. ",
                         "en": "Lowering the target is the last step of Act, once you know the cause. "},
        "keep_course": {"nl": f"Koers houden kan niet: {n_off} doel(en) liggen uit koers. ",
                        "en": f"Keeping course will not do: {n_off} goal(s) are off track. "},
    }
    act_label = {"nl": "Actie", "en": "Action"}
    if action in (None, ""):
        items.append(_missing("action", act_label, _both(lambda l: f"{ACTIONS[right][l]}. {reason[l]}")))
    elif action == right:
        items.append(_item("action", act_label, "right", _both(lambda l: f"{ACTIONS[right][l]}. {reason[l]}")))
    else:
        items.append(_item("action", act_label, "wrong", _both(lambda l: hints.get(action, {"nl": "", "en": ""})[l] + (
            "Welke KPI ligt uit koers, en is dat een volume- of een kwaliteits-KPI?" if l == "nl"
            else "Which KPI is off track, and is it a volume or a quality KPI?")), _both(lambda l: f"{ACTIONS[right][l]}. {reason[l]}")))
    return Feedback("review", tuple(items))


# --------------------------------------------------------------------------- model answers, dispatch
MODEL_SMART: dict[str, Any] = {
    "statement_nl": "Nettowinst van € 250.000 in 2025 naar € 300.000 (+20 %) in 2026, door een hogere gemiddelde orderwaarde",
    "statement_en": "Net profit from € 250,000 in 2025 to € 300,000 (+20 %) in 2026, through a higher average order value",
    "kpi": "profit", "baseline": PROFIT_LAST_YEAR, "target": 300_000.0, "start": "2026-01-01", "deadline": "2026-12-31",
    "owner": "Directeur (Marloes)",
}
MODEL_MIXES = {"mix_1": {"customers": 10.0, "revenue_per_customer": 0.0},
               "mix_2": {"customers": 4.0, "revenue_per_customer": 6.0}}


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
    """The model answers in the format `check_answers` takes (exercises 3 and 5 computed from the data)."""
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
        return {"count_only": by_target["count"].size, "weight_only": by_target["weight"].size,
                "most_useful": max(data["runs"], key=lambda r: r.useful).target,
                "partner": data["story"]["quality"], "latest_quarter": data["story"]["quadrant"]}
    return {"off_track": list(data["review"]["off_track"]), "action": data["review"]["action"]}


def check_answers(exercise: str | int, answers: dict[str, Any] | None, lang: str = "nl",
                  params_file: str | None = None) -> Feedback:
    """Check answers for any exercise (see the check_* functions for the formats)."""
    return Exercise(exercise, lang=lang, params_file=params_file).feedback(answers)


DISCUSSION: dict[str, list[Text]] = {
    "good_kpi": [
        {"nl": "Welke metrics meet uw eigen team nu, en welke daarvan zijn losse metrics?", "en": "Which metrics does your own team track now, and which of them are loose metrics?"},
        {"nl": "Wanneer mag een losse metric toch op het dashboard (als verklaring naast een KPI)?", "en": "When may a loose metric still be on the dashboard (as an explanation next to a KPI)?"},
    ],
    "smart": [
        {"nl": "Wie is bij u eigenaar van de winst, en kan die persoon er echt aan draaien?", "en": "Who owns profit in your organisation, and can that person really move it?"},
        {"nl": "De keten laat de winstmarge dalen en de omzet per bezoek zakken: is dat acceptabel? Wat betekent dat voor de prijzen?", "en": "The chain lets the profit margin and the revenue per visit fall: is that acceptable? What does it mean for prices?"},
    ],
    "goodhart": [
        {"nl": "Waar in uw organisatie wordt op één getal afgerekend? Wat zou de 'spijkerfabriek' daar maken?", "en": "Where in your organisation is someone judged on one number? What would the 'nail factory' make there?"},
        {"nl": "Welke kwaliteits-KPI hoort bij uw belangrijkste volume-KPI, en wie bewaakt hem?", "en": "Which quality KPI belongs with your main volume KPI, and who watches it?"},
    ],
    "drivers": [
        {"nl": "Welke van de twee mixen is haalbaarder, gezien wat klanten en omzet per klant vorig jaar deden?", "en": "Which of the two mixes is more achievable, given what customers and revenue per customer did last year?"},
        {"nl": "Welke acties horen bij elke driver (klanten: campagnes, omzet per klant: bundels, prijs)?", "en": "Which actions belong to each driver (customers: campaigns; revenue per customer: bundles, price)?"},
    ],
    "review": [
        {"nl": "Dit is de Check-stap van PDCA: wat wordt de Act, en wie voert het gesprek met marketing en sales?", "en": "This is the Check step of PDCA: what is the Act, and who talks to marketing and sales?"},
        {"nl": "Welk tussendoel spreken we af voor het volgende kwartaal, en hoe meten we of de actie werkt?", "en": "Which milestone do we agree for next quarter, and how do we measure whether the action works?"},
    ],
}


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
        return _exercise_data(self)

    def feedback(self, answers: dict[str, Any] | None) -> Feedback:
        if self.key == "good_kpi":
            return check_good_kpi(answers)
        if self.key == "smart":
            return check_smart(answers)
        return {"goodhart": check_goodhart, "drivers": check_drivers, "review": check_review}[self.key](answers, self.data)

    def model_answers(self) -> dict[str, Any]:
        return model_answers(self.key, self.lang, self.params_file)

    # ---- display (notebook cells call these)
    def show_questions(self) -> None:
        from kpi_helpers.workshop_sim import questions_markdown
        from kpi_helpers.display import show_markdown

        show_markdown(questions_markdown(self))

    def show_context(self) -> None:
        from kpi_helpers.workshop_sim import show_context

        show_context(self)

    def check(self, answers: dict[str, Any] | None) -> None:
        """Show the feedback on `answers` (the notebook's `answers` parameter)."""
        show_feedback(self.feedback(answers), self.lang, self.reveal)

    def widget(self) -> Any:
        from kpi_helpers.workshop_sim import answer_widget

        return answer_widget(self)

    def simulator(self) -> Any:
        from kpi_helpers.workshop_sim import nail_simulator

        return nail_simulator(self.lang)

    def show_trainer_notes(self) -> None:
        from kpi_helpers.workshop_sim import trainer_notes_markdown
        from kpi_helpers.display import show_markdown

        show_markdown(trainer_notes_markdown(self) if self.reveal else f"*{UI['learner_note'][self.lang]}*")


def open_exercise(exercise: str | int, mode: str = "learner", lang: str = "nl", params_file: str | None = None) -> Exercise:
    """The notebook entry point: `ex = kpi.open_exercise("good_kpi", mode=mode, lang=lang)`."""
    return Exercise(exercise, mode, lang, params_file)


def show_feedback(feedback: Feedback, lang: str = "nl", reveal: bool = False) -> None:
    from IPython.display import display

    display({"text/html": feedback.html(lang, reveal), "text/plain": feedback.text(lang, reveal)}, raw=True)


def _exercise_data(ex: Exercise) -> dict[str, Any]:
    if ex.key in ("good_kpi", "smart"):
        return {}
    from kpi_helpers.i18n import format_value
    from kpi_helpers.session import open_client

    wb = open_client(ex.params_file, lang=ex.lang)
    cat = wb.catalog
    if ex.key == "goodhart":
        story = sim.pair_story(wb.facts, "leads", catalog=cat)
        options = sorted({story["quality"], "sessions", "ad_spend", "intro_calls"} & set(k.id for k in cat))
        return {"wb": wb, "catalog": cat, "runs": sim.nail_scenarios(), "story": story, "partner_options": options}
    if ex.key == "drivers":
        return {"wb": wb, "catalog": cat, "plan": sim.q1_goal(wb.facts)}
    review = sim.review_facts(wb.facts, wb.config.goals, wb.config.pairs, cat)
    kpi_of = dict(zip(review["table"]["goal_id"], review["table"]["kpi"]))

    def fmt(gid: str, value: float, lang: str) -> str:
        return format_value(value, cat[kpi_of[gid]].unit, lang, wb.currency)

    parts = {"nl": [], "en": []}
    for k in review["quality_off"]:
        for lang in ("nl", "en"):
            parts[lang].append({"nl": f"{cat[k].label('nl')} ligt uit koers", "en": f"{cat[k].label('en')} is off track"}[lang])
    for v, q in review["goodhart_pairs"]:
        story = sim.pair_story(wb.facts, v, q, cat)
        for lang in ("nl", "en"):
            parts[lang].append(story["message"][lang])
    quality_reason = {lang: "; ".join(parts[lang]) + "." for lang in ("nl", "en")}
    return {"wb": wb, "catalog": cat, "review": review, "fmt": fmt, "quality_reason": quality_reason}
