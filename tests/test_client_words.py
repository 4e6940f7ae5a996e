"""What a client reads fits the client (issue 20): actions point only to what its data and KPIs have
(channels, campaigns, a sales team), client-facing Dutch has no jargon, the owner reads once, and no
internal goal id or snake_case id appears in any text, table or chart label of the report."""

from __future__ import annotations

import re

import pytest
from conftest import DEMO_PARAMS

import kpi_helpers as kpi
from kpi_helpers.compute.findings import client_reach, pair_action
from kpi_helpers.i18n.formats import owner_name
from kpi_helpers.run.report import client_summary
from kpi_helpers.spec.vocab import STATUSES
from kpi_helpers.views.summary import summary_html

# the words an action may only say when the client has the thing
CAMPAIGN_WORDS = {"nl": ("campagne",), "en": ("campaign",)}
SALES_WORDS = {"nl": ("verkoopteam", "sales"), "en": ("sales",)}
CHANNEL_WORDS = {"nl": ("kanaal", "kanalen"), "en": ("channel",)}
#: Jargon a Dutch client should not read (the nl catalog has Dutch words for each).
NL_JARGON = ("targeting", "sales", "drivers", "Deadline", "deadline", "Check → Act")
#: Keys of a plotly figure that a reader never sees.
HIDDEN_FIGURE_KEYS = {"hovertemplate", "tickformat", "template", "separators", "customdata", "uid", "legendgroup"}
#: Every chart the client report draws (notebook 03_analysis).
REPORT_CHARTS = (
    "scorecards",
    "goal_trends",
    "pacing_charts",
    "pair_charts",
    "breakdown_charts",
    "seasonality_charts",
    "driver_charts",
)


def open_demo(client: str, lang: str | None = None):
    return kpi.open_client(DEMO_PARAMS / f"{client}.yaml", lang=lang)


def actions(findings, lang: str) -> list[str]:
    return [f.action[lang] for f in findings]


def words_in(texts: list[str], words: tuple[str, ...]) -> list[str]:
    return [t for t in texts if any(w in t.lower() for w in words)]


# --------------------------------------------------------------------------- actions that fit the client
def test_reach_follows_the_clients_data_and_kpis():
    assert client_reach(open_demo("demo_newsletter")) == {"channel"}  # a bakery: channels, no campaigns, no leads
    assert client_reach(open_demo("demo_b2b")) == {"channel", "campaign", "sales"}
    wb = open_demo("demo_newsletter")
    wb._facts = wb.facts.drop(columns=["channel"])
    assert client_reach(wb) == frozenset()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_shop_without_campaigns_or_sales_team_gets_no_such_action(lang):
    findings = kpi.build_findings(open_demo("demo_newsletter"))
    said = actions(findings, lang)
    assert any(f.rule == "pair" and f.data["quadrant"] == "goodhart_warning" for f in findings)
    assert not words_in(said, CAMPAIGN_WORDS[lang]), said
    assert not words_in(said, SALES_WORDS[lang]), said
    assert not words_in(said, ("targeting",)), said


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_shop_without_channels_gets_no_channel_action(lang):
    wb = open_demo("demo_newsletter")
    wb._facts = wb.facts.drop(columns=["channel"])
    said = actions(kpi.build_findings(wb), lang)
    assert said
    assert not words_in(said, CHANNEL_WORDS[lang] + CAMPAIGN_WORDS[lang] + SALES_WORDS[lang]), said


QUADRANT_CASES = [
    (quadrant, volume)
    for quadrant in ("goodhart_warning", "decline", "efficiency", "healthy_growth", "stable")
    for volume in ("leads", "sessions", "new_customers", "ad_spend", "orders", "subscribers_new")
]


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("quadrant,volume", QUADRANT_CASES)
def test_pair_actions_name_only_what_the_client_has(quadrant, volume, lang):
    bare = pair_action(quadrant, volume, frozenset(), lang)
    assert not words_in([bare], CHANNEL_WORDS[lang] + CAMPAIGN_WORDS[lang] + SALES_WORDS[lang] + ("targeting",))
    channels = pair_action(quadrant, volume, frozenset({"channel"}), lang)
    assert not words_in([channels], CAMPAIGN_WORDS[lang] + SALES_WORDS[lang])


def test_sales_team_only_with_a_sales_pipeline():
    said = pair_action("goodhart_warning", "leads", frozenset({"sales", "campaign"}), "nl")
    assert "verkoopteam" in said and "campagnes" in said
    assert "verkoopteam" not in pair_action("goodhart_warning", "subscribers_new", frozenset({"sales"}), "nl")
    assert "campagne" not in pair_action("goodhart_warning", "leads", frozenset({"sales"}), "nl")


# --------------------------------------------------------------------------- the owner reads once
def test_owner_label_is_not_said_twice():
    assert owner_name("Eigenaar (Joost)") == "Joost"
    assert owner_name("Owner (Joost)") == "Joost"
    assert owner_name("Winkelmanager (Sanne)") == "Winkelmanager (Sanne)"
    assert owner_name("  Sanne ") == "Sanne"
    assert owner_name(None) == "" and owner_name("Eigenaar") == ""


@pytest.mark.parametrize("lang,label", [("nl", "Eigenaar"), ("en", "Owner")])
def test_page_one_says_the_owner_once(lang, label):
    wb = open_demo("demo_newsletter", lang)
    page = summary_html(client_summary(wb.config, lang), lang)
    assert f"{label}: Joost" in page
    assert "Eigenaar (Joost)" not in page and f"{label}: Eigenaar" not in page


# --------------------------------------------------------------------------- no ids, no jargon
def _figure_strings(node, out: list[str]) -> list[str]:
    if isinstance(node, dict):
        hidden = HIDDEN_FIGURE_KEYS | ({"name"} if node.get("type") == "indicator" else set())  # a tile shows its title
        for key, value in node.items():
            if key not in hidden:
                _figure_strings(value, out)
    elif isinstance(node, list | tuple):
        for value in node:
            _figure_strings(value, out)
    elif isinstance(node, str):
        out.append(node)
    return out


def client_texts(wb, lang: str) -> dict[str, str]:
    """What the client report shows: page one, section headings, findings, the pacing table, chart labels."""
    page = summary_html(client_summary(wb.config, lang), lang)
    table = kpi.pacing_table(wb)
    headings = [kpi.section_heading(s, wb) for s in ("scorecards", "trends", "pacing", "pairs", "breakdowns")]
    headings += [kpi.section_heading(s, wb) for s in ("seasonality", "drivers", "what_if", "dashboard", "findings")]
    findings = kpi.build_findings(wb)
    strings: list[str] = []
    for chart in REPORT_CHARTS:
        figures = getattr(kpi, chart)(wb)
        for fig in figures if isinstance(figures, list) else [figures]:
            _figure_strings(fig.to_plotly_json(), strings)
    return {
        "page one": re.sub(r"<[^>]+>", "\n", page),
        "headings": "\n".join(headings),
        "findings": "\n".join(f.message[lang] + "\n" + f.action[lang] for f in findings),
        "pacing table": "\n".join(map(str, [*table.columns, *table.to_numpy().ravel()])),
        "charts": "\n".join(strings),
    }


def internal_ids(wb) -> set[str]:
    snake = {k.id for k in wb.catalog if "_" in k.id}
    return snake | set(STATUSES) | {g.id for g in wb.config.goals if g.id}


@pytest.mark.parametrize(
    "client,lang", [("demo_newsletter", "nl"), ("demo_b2b", "en"), ("demo_webshop", "nl"), ("demo_webshop", "en")]
)
def test_no_internal_id_in_what_the_client_reads(client, lang):
    wb = open_demo(client, lang)
    ids = internal_ids(wb)
    found = {}
    for where, content in client_texts(wb, lang).items():
        hits = sorted(i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", content))
        if hits:
            found[where] = hits
    assert not found, found


@pytest.mark.parametrize("client", ["demo_newsletter", "demo_webshop"])
def test_dutch_client_text_has_no_jargon(client):
    wb = open_demo(client, "nl")
    texts = client_texts(wb, "nl")
    owners = {g.owner for g in wb.config.goals if g.owner}  # the client's own words (e.g. 'Sales lead') stay
    for where, content in texts.items():
        for owner in owners:
            content = content.replace(owner, "")
        hits = [w for w in NL_JARGON if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", content)]  # not 'Retargeting'
        assert not hits, (where, hits)
    assert "Controleren → Verbeteren" in texts["headings"]
    assert "Einddatum" in texts["page one"] and "Einddatum" in texts["pacing table"]


def test_pacing_table_names_the_goal_in_its_own_words():
    wb = open_demo("demo_newsletter")
    table = kpi.pacing_table(wb)
    goals = list(table["Doelstelling"])
    assert goals[0].startswith("In 2026 15 % meer nieuwe nieuwsbriefabonnees")
    assert not {"abonnees-2026", "openratio-2026", "omzet-2026"} & set(goals)


def test_two_goals_on_one_kpi_are_told_apart_without_ids():
    import datetime as dt

    from conftest import make_goal

    from kpi_helpers.compute.findings import goal_kpi_name

    year = make_goal(id="omzet-2026")
    half = make_goal(id="omzet-h2", start=dt.date(2026, 7, 1), statement="Omzet +5 % in de tweede helft van 2026")
    assert goal_kpi_name("Omzet", half, [year, half], "nl") == "Omzet (doel 1 jul 2026 – 31 dec 2026)"
    twin = make_goal(id="omzet-b", statement="Omzet +10 % in 2026 via de winkel")
    assert goal_kpi_name("Omzet", twin, [year, twin], "nl") == "Omzet (doel Omzet +10 % in 2026 via de winkel)"
    same = make_goal(id="omzet-c")
    assert goal_kpi_name("Revenue", same, [year, same], "en") == "Revenue (goal 2)"
    assert goal_kpi_name("Omzet", year, [year], "nl") == "Omzet"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_breakdown_heading_names_only_what_the_client_has(lang):
    bakery = kpi.section_heading("breakdowns", open_demo("demo_newsletter", lang))  # channels, coupons, products
    assert not words_in([bakery], CAMPAIGN_WORDS[lang] + ("roas",)), bakery
    assert any(w in bakery.lower() for w in CHANNEL_WORDS[lang])
    shop = kpi.section_heading("breakdowns", open_demo("demo_webshop", lang))  # campaigns and ad spend too
    assert words_in([shop], CAMPAIGN_WORDS[lang]) and "ROAS" in shop
    assert shop.startswith("## ")


def test_pacing_table_owner_reads_once():
    table = kpi.pacing_table(open_demo("demo_newsletter"))
    assert list(table["Eigenaar"]) == ["Winkelmanager (Sanne)", "Joost", "Joost"]
