"""Late data: as of 31 October with data only to 30 September the report says so first, judges
goals on the covered days only (no status change, no off-track alert from missing days) and the
month's tiles say 'no data yet' instead of disappearing."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_client
from test_client_report import visible_text
from test_pacing import CAT, flat, goal

from kpi_helpers.compute.pacing import pace_goal
from kpi_helpers.run.alerts import client_alerts
from kpi_helpers.run.history import since_last
from kpi_helpers.run.report import client_summary
from kpi_helpers.spec.params import load_params
from kpi_helpers.views.summary import summary_html

DEMO_DATA = Path(__file__).resolve().parents[1] / "kpi_helpers" / "data" / "demo_data"
COLUMNS = ["date", "channel", "campaign", "sessions", "leads", "new_customers", "revenue"]
#: On track through September (forecast ≈ 2.57 M); judged on 31 October with September's data as
#: if October had been a month without revenue, it was 'off track' (forecast ≈ 2.30 M < 95 %).
REVENUE_GOAL = (
    "goals:\n  - {id: rev, statement: Revenue 2.5 M in 2026, kpi: revenue, baseline: 2000000, "
    "target: 2500000, start: 2026-01-01, deadline: 2026-12-31, owner: Eva}\n"
)


def pacing_fields(p):
    return {
        k: getattr(p, k) for k in ("actual_to_date", "expected", "forecast", "elapsed_fraction", "days_left", "gap")
    }


@pytest.mark.parametrize(("kpi", "target"), [("revenue", 36500.0), ("revenue", 40000.0), ("conversion_rate", 0.025)])
def test_pacing_with_data_to_before_the_as_of_date_is_pacing_as_of_the_last_covered_day(kpi, target):
    facts = flat("2023-12-01", "2024-03-31")
    yearly = goal(target, kpi, start="2024-01-01", deadline="2024-12-31")
    late = pace_goal(facts, yearly, as_of="2024-04-30", catalog=CAT)
    on_time = pace_goal(facts, yearly, as_of="2024-03-31", catalog=CAT)
    assert late.status == on_time.status
    assert pacing_fields(late) == pytest.approx(pacing_fields(on_time), nan_ok=True)
    assert late.covered_until == on_time.covered_until == pd.Timestamp("2024-03-31")
    assert late.as_of == pd.Timestamp("2024-04-30")  # the report's date stays the report's date
    # an explicit covered-until date (a source known to end there) judges the same way
    longer = flat("2023-12-01", "2024-04-30")
    cut = pace_goal(longer, yearly, as_of="2024-04-30", catalog=CAT, covered_until="2024-03-31")
    assert cut.status == on_time.status and cut.covered_until == pd.Timestamp("2024-03-31")


def test_a_full_month_of_zeros_was_judged_off_track_before():
    """The case of the issue at unit level: without the covered date, April's missing days count as
    zero and a goal on track through March reads off track."""
    facts = flat("2023-12-01", "2024-03-31")
    yearly = goal(36500.0, start="2024-01-01", deadline="2024-12-31")
    assert pace_goal(facts, yearly, as_of="2024-03-31", catalog=CAT).status == "on_track"
    assert pace_goal(facts, yearly, as_of="2024-04-30", catalog=CAT).status == "on_track"


def test_a_monthly_source_covers_its_last_month():
    facts = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]), "revenue": 3100.0})
    p = pace_goal(facts, goal(37000.0, start="2024-01-01", deadline="2024-12-31"), as_of="2024-04-30", catalog=CAT)
    assert p.covered_until == pd.Timestamp("2024-03-31")
    assert p.elapsed_fraction == pytest.approx(91 / 366)


def late_client(tmp_path: Path, last_day: str) -> Path:
    params, data = tmp_path / "params", tmp_path / "data" / "acme"
    params.mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    raw = pd.read_csv(DEMO_DATA / "b2b_daily.csv.gz", parse_dates=["date"])
    raw[raw["date"] <= last_day][COLUMNS].to_csv(data / "daily.csv", index=False)
    path = write_client(params, "acme", "Acme", source="daily.csv", extra=REVENUE_GOAL)
    text = path.read_text(encoding="utf-8").replace("[revenue, orders, average_order_value]", "[revenue, leads]")
    path.write_text(text.replace("pairs: [[orders, average_order_value]]\n", ""), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def late(tmp_path_factory):
    config = load_params(late_client(tmp_path_factory.mktemp("late"), "2026-09-30"))
    september = client_summary(config, as_of="2026-09-30")
    october = client_summary(config, as_of="2026-10-31")
    october["since_last"] = since_last(october, september)
    return september, october


def test_summary_json_records_the_covered_date_and_keeps_the_status(late):
    september, october = late
    assert september["covered_until"] == "2026-09-30" and october["covered_until"] == "2026-09-30"
    assert october["as_of"] == "2026-10-31"
    [sep_goal], [oct_goal] = september["goals"], october["goals"]
    assert sep_goal["status"] == "on_track"
    assert oct_goal["status"] == "on_track"  # was 'off_track': October's missing days counted as zero
    assert oct_goal["covered_until"] == "2026-09-30"
    for key in ("actual_to_date", "expected", "forecast", "elapsed_fraction"):
        assert oct_goal[key] == pytest.approx(sep_goal[key]), key
    assert not [f for f in october["findings"] if f["severity"] == "critical"]


def test_no_off_track_alert_from_missing_days_only_the_data_alert(late):
    _, october = late
    assert [g["status_changed"] for g in october["since_last"]["goals"]] == [False]
    assert [a["kind"] for a in client_alerts(october)] == ["data_stopped"]


def test_the_months_tiles_say_no_data_yet(late):
    september, october = late
    assert {t["kpi"] for t in september["tiles"]} == {"revenue", "leads"}
    assert all(t["value"] is not None for t in september["tiles"])
    tiles = {t["kpi"]: t for t in october["tiles"]}
    assert set(tiles) == {"revenue", "leads"}  # they were gone
    for tile in tiles.values():
        assert tile["period"] == "2026-10-01" and tile["value"] is None and tile["coverage"] == "empty"


@pytest.mark.parametrize(
    ("lang", "notice", "tile", "summary_word"),
    [
        ("en", "Data through 30 September 2026", "no data yet", "Summary"),
        ("nl", "Gegevens tot en met 30 september 2026", "nog geen gegevens", "Samenvatting"),
    ],
)
def test_page_one_says_so_first(late, lang, notice, tile, summary_word):
    september, october = late
    page = summary_html(october, lang)
    text = " ".join(visible_text(page).split())
    assert notice in text
    assert text.index(notice) < text.index(summary_word)  # above the goals, tiles and findings
    assert text.count(tile) == 2  # revenue and leads for October
    assert "OFF TRACK" not in text.upper().replace("UIT KOERS", "OFF TRACK")
    assert (
        "judged on data through 30 September 2026"
        if lang == "en"
        else "beoordeeld op gegevens tot en met 30 september 2026"
    ) in text
    assert "late-data" in page and re.search(r"class=\"[^\"]*late-data", page)
    # data that cover the as-of date: no notice
    assert notice.split(" 30")[0] not in " ".join(visible_text(summary_html(september, lang)).split())


def test_a_month_covered_in_part_is_not_shown_as_a_whole_month(tmp_path):
    config = load_params(late_client(tmp_path, "2026-08-20"))
    summary = client_summary(config, as_of="2026-08-31")
    assert summary["covered_until"] == "2026-08-20"
    tiles = {t["kpi"]: t for t in summary["tiles"]}
    assert tiles["revenue"]["value"] is None and tiles["revenue"]["coverage"] == "partial"
    text = " ".join(visible_text(summary_html(summary, "en")).split())
    assert "incomplete: data through 20 August 2026" in text
    assert "Data through 20 August 2026" in text
    assert math.isclose(summary["goals"][0]["elapsed_fraction"], 232 / 365)


def test_the_index_says_whose_data_are_late(late, tmp_path):
    from kpi_helpers.run.batch import BatchResult, ClientResult
    from kpi_helpers.run.report import write_index

    september, october = late
    batch = BatchResult(
        out_dir=tmp_path,
        seconds=1.0,
        results=[
            ClientResult("acme", "ok", "params/acme.yaml", name="Acme", summary=october),
            ClientResult("beta", "ok", "params/beta.yaml", name="Beta", summary=dict(september, client="beta")),
        ],
    )
    for lang, words in (("en", "data through 30 September 2026"), ("nl", "gegevens tot en met 30 september 2026")):
        text = " ".join(visible_text(write_index(batch, lang=lang).read_text()).split())
        assert text.count(words) == 1, lang  # Acme's row only
        assert text.index("Acme") < text.index(words) < text.index("Beta")


def test_with_two_sources_only_the_late_one_holds_its_goals_back(tmp_path):
    params, data = tmp_path / "params", tmp_path / "data" / "acme"
    params.mkdir()
    data.mkdir(parents=True)
    raw = pd.read_csv(DEMO_DATA / "b2b_daily.csv.gz", parse_dates=["date"])
    raw[raw["date"] <= "2026-08-31"][["date", "channel", "campaign", "revenue"]].to_csv(data / "shop.csv", index=False)
    raw[["date", "channel", "campaign", "sessions", "leads"]].to_csv(data / "traffic.csv", index=False)
    path = params / "acme.yaml"
    path.write_text(
        "client: acme\nname: Acme\nlanguage: en\ncurrency: EUR\n"
        "data:\n  - {source: shop.csv, shape: daily}\n  - {source: traffic.csv, shape: daily}\n"
        "kpis: [revenue, leads]\n" + REVENUE_GOAL + "  - {id: leads, statement: 6000 leads in 2026, kpi: leads, "
        "baseline: 5000, target: 6000, start: 2026-01-01, deadline: 2026-12-31, owner: Eva}\n",
        encoding="utf-8",
    )
    summary = client_summary(load_params(path), as_of="2026-09-30")
    assert summary["covered_until"] == "2026-08-31"
    goals = {g["id"]: g for g in summary["goals"]}
    assert goals["rev"]["covered_until"] == "2026-08-31" and goals["leads"]["covered_until"] == "2026-09-30"
    tiles = {t["kpi"]: t for t in summary["tiles"]}
    assert tiles["revenue"]["coverage"] == "empty" and tiles["leads"]["value"] is not None
    text = " ".join(visible_text(summary_html(summary, "en")).split())
    assert "Data through 31 August 2026 (shop.csv)" in text and "traffic.csv" not in text
    assert text.count("judged on data through 31 August 2026") == 1  # the revenue goal only


def test_measures_covered_until_is_the_earliest_last_day_of_the_measures():
    from kpi_helpers.data.sources import measures_covered_until

    facts = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-08-01", "2026-09-01", "2026-09-01", "2026-10-01", "2026-10-14"]),
            "revenue": [1.0, 1.0, None, None, None],  # a monthly source through September
            "sessions": [None, None, 5.0, 5.0, 5.0],  # a daily source through 14 October
        }
    )
    assert measures_covered_until(facts, {"revenue"}) == pd.Timestamp("2026-09-30")
    assert measures_covered_until(facts, {"sessions"}) == pd.Timestamp("2026-10-14")
    daily = pd.DataFrame({"date": pd.to_datetime(["2026-09-30", "2026-10-01"]), "sessions": 5.0})
    assert measures_covered_until(daily, {"sessions"}) == pd.Timestamp("2026-10-01")  # a daily last row on a 1st
    assert measures_covered_until(facts, {"revenue", "sessions", "leads"}) == pd.Timestamp("2026-09-30")
    assert measures_covered_until(facts, {"leads"}) is None


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "Started 1 April 2024 · target €3,000 · no data yet"),
        ("nl", "Begonnen op 1 april 2024 · doel € 3.000 · nog geen gegevens"),
    ],
)
def test_a_goal_that_began_after_the_last_covered_day_waits_for_data(lang, words):
    """Started on 1 April, data through 31 March, as of 30 April: nothing to judge yet, and page
    one says it started (not 'starts') and that its data are not in."""
    p = pace_goal(
        flat("2023-12-01", "2024-03-31"),
        goal(3000.0, start="2024-04-01", deadline="2024-04-30"),
        as_of="2024-04-30",
        catalog=CAT,
    )
    assert p.status == "not_started" and p.covered_until == pd.Timestamp("2024-03-31")
    entry = {
        "id": "april",
        "kpi": "revenue",
        "statement": "Revenue 3,000 in April",
        "status": p.status,
        "start": "2024-04-01",
        "deadline": "2024-04-30",
        "as_of": p.as_of.isoformat(),
        "covered_until": "2024-03-31",
        "target": 3000.0,
    }
    summary = {"name": "X", "currency": "EUR", "as_of": "2024-04-30", "covered_until": "2024-03-31", "goals": [entry]}
    text = " ".join(visible_text(summary_html(summary, lang)).replace("\xa0", " ").split())
    assert words in text
