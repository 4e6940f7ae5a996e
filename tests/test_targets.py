"""Targets per period and floors: params validation, pacing against a pandas computation on an
export-shaped file, status, Check → Act findings, charts and the summary.json contract."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpi_helpers as kpi
from kpi_helpers.compute.findings import build_findings, pacing_frame
from kpi_helpers.compute.pacing import bound_status, pace_status, plan_per_period, target_table
from kpi_helpers.exceptions import ParamsError
from kpi_helpers.spec.goals import parse_period_key, period_targets
from kpi_helpers.spec.params import load_params, params_warnings, parse_params
from kpi_helpers.views import analysis, charts

MONTHS = {"2026-01": 40_000.0, "2026-02": 30_000.0, "2026-03": 50_000.0, "2026-04": 60_000.0}
AS_OF = pd.Timestamp("2026-03-20")  # the last day in the file: January and February complete


def export_csv(folder: Path) -> pd.DataFrame:
    """A daily export as a shop would send it (semicolon, decimal comma, Dutch dates); returns
    the same numbers as a frame for the hand computation."""
    rng = np.random.default_rng(7)
    days = pd.date_range("2025-01-01", AS_OF, freq="D")
    sessions = rng.integers(800, 1200, len(days)).astype(float)
    # conversion 3.5 %, but 2.5 % in February and March 2026 (below a 3 % floor two months running)
    rate = np.where((days >= "2026-02-01"), 0.025, 0.035)
    orders = np.round(sessions * rate)
    revenue = np.round(orders * rng.uniform(35, 45, len(days)), 2)
    frame = pd.DataFrame({"date": days, "revenue": revenue, "orders": orders, "sessions": sessions})
    out = frame.assign(
        Datum=frame["date"].dt.strftime("%d-%m-%Y"),
        Omzet=[f"{v:.2f}".replace(".", ",") for v in frame["revenue"]],
        Bestellingen=frame["orders"].astype(int),
        Bezoeken=frame["sessions"].astype(int),
    )[["Datum", "Omzet", "Bestellingen", "Bezoeken"]]
    folder.mkdir(parents=True, exist_ok=True)
    out.to_csv(folder / "dagcijfers.csv", sep=";", index=False)
    return frame


def write_params(tmp_path: Path, goals: str, language: str = "nl") -> Path:
    params = tmp_path / "params"
    params.mkdir(exist_ok=True)
    path = params / "acme.yaml"
    path.write_text(
        f"""name: Acme
language: {language}
currency: EUR
data:
  - source: dagcijfers.csv
    shape: daily
    separator: ";"
    decimal: ","
    date_format: "%d-%m-%Y"
    columns: {{date: Datum, revenue: Omzet, orders: Bestellingen, sessions: Bezoeken}}
kpis: [revenue, orders, conversion_rate]
goals:
{goals}
""",
        encoding="utf-8",
    )
    return path


def goal_yaml(kpi_id: str = "revenue", target: float = 180_000, extra: str = "", gid: str = "omzet") -> str:
    return (
        f"  - id: {gid}\n    statement: Omzet in de eerste vier maanden van 2026\n    kpi: {kpi_id}\n"
        f"    target: {target}\n    start: 2026-01-01\n    deadline: 2026-04-30\n    owner: Sanne\n{extra}"
    )


def months_yaml(values: dict[str, float]) -> str:
    return "    targets:\n" + "".join(f"      {k}: {v}\n" for k, v in values.items())


@pytest.fixture
def client(tmp_path):
    """(params path, the export's numbers) for a client whose data folder holds the export."""
    frame = export_csv(tmp_path / "data" / "acme")
    return tmp_path, frame


def session_for(tmp_path: Path, goals: str, language: str = "nl"):
    return kpi.open_client(write_params(tmp_path, goals, language))


# --------------------------------------------------------------------------- params
def test_period_keys():
    assert parse_period_key("2026-02")[0] == "month"
    assert parse_period_key("2026-02")[2].day == 28
    grain, start, end = parse_period_key("2026-Q4")
    assert (grain, start.month, end.month, end.day) == ("quarter", 10, 12, 31)
    assert parse_period_key("2026-13") is None and parse_period_key("2026-1") is None


@pytest.mark.parametrize(
    ("targets", "field", "words"),
    [
        ({"2026-01": 1, "2026-13": 1}, "goals[0].targets.2026-13", "is not a month"),
        ({"2026-01": 1, "2026-Q2": 1}, "goals[0].targets", "one grain"),
        ({"2025-12": 1, "2026-01": 1}, "goals[0].targets.2025-12", "outside the goal window"),
        ({"2026-01": 1, "2026-02": 1}, "goals[0].targets", "no target for 2026-03, 2026-04"),
        ({"2026-01": -5, "2026-02": 1, "2026-03": 1, "2026-04": 1}, "goals[0].targets.2026-01", ">= 0"),
        ({}, "goals[0].targets", "is empty"),
    ],
)
def test_bad_targets_name_file_and_field(tmp_path, targets, field, words):
    path = write_params(tmp_path, goal_yaml(extra=months_yaml(targets) if targets else "    targets: {}\n"))
    with pytest.raises(ParamsError) as err:
        load_params(path)
    text = str(err.value)
    assert str(path) in text and f"{field}:" in text and words in text, text


def test_quarters_need_whole_quarters_and_a_date_key_is_refused(tmp_path):
    path = write_params(tmp_path, goal_yaml(extra="    targets: {2026-Q1: 100000, 2026-Q2: 80000}\n"))
    with pytest.raises(ParamsError, match=r"goals\[0\]\.targets.2026-Q2: lies outside the goal window"):
        load_params(path)
    path = write_params(tmp_path, goal_yaml(extra="    targets: {2026-01-01: 1}\n"))
    with pytest.raises(ParamsError, match=r"'2026-01-01' is not a month \(YYYY-MM"):
        load_params(path)


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ("    floor: 3\n", "goals[0].floor", "write 0.03 for 3 %"),
        ("    band: [0.05, 0.03]\n", "goals[0].floor", "above the ceiling"),
        ("    band: [0.03]\n", "goals[0]", "band: give two numbers"),
        ("    band: [0.03, 0.05]\n    floor: 0.02\n", "goals[0]", "not both"),
        ("    floor: .nan\n", "goals[0].floor", "not a finite number"),
    ],
)
def test_bad_floors_name_the_field(tmp_path, extra, field, words):
    path = write_params(tmp_path, goal_yaml("conversion_rate", 0.035, extra))
    with pytest.raises(ParamsError) as err:
        load_params(path)
    assert f"{field}:" in str(err.value) and words in str(err.value), str(err.value)


def test_band_is_floor_and_ceiling(tmp_path):
    config = load_params(write_params(tmp_path, goal_yaml("conversion_rate", 0.035, "    band: [0.03, 0.05]\n")))
    assert (config.goals[0].floor, config.goals[0].ceiling) == (0.03, 0.05)


def test_sum_targets_that_do_not_add_up_warn(tmp_path):
    config = load_params(write_params(tmp_path, goal_yaml(target=180_000, extra=months_yaml(MONTHS))))
    assert sum(MONTHS.values()) == 180_000 and params_warnings(config) == []
    off = {**MONTHS, "2026-04": 40_000.0}  # 160,000: 11 % short of the end target
    config = load_params(write_params(tmp_path, goal_yaml(target=180_000, extra=months_yaml(off))))
    (warning,) = params_warnings(config)
    assert warning.startswith("goals[0].targets: the monthly targets add up to 160,000.00")
    assert "-11.1 %" in warning
    # ratio KPIs: rates per period do not add up to anything, no warning
    rates = {k: 0.03 for k in MONTHS}
    config = load_params(write_params(tmp_path, goal_yaml("conversion_rate", 0.035, months_yaml(rates))))
    assert params_warnings(config) == []


def test_validate_reports_the_warning(tmp_path, client):
    from kpi_helpers.run.validate import check_client

    off = {**MONTHS, "2026-04": 40_000.0}
    check = check_client(write_params(tmp_path, goal_yaml(extra=months_yaml(off))))
    assert check.ok and any("monthly targets add up to" in w for w in check.warnings)


# --------------------------------------------------------------------------- pacing
def test_sum_pacing_with_monthly_targets_matches_pandas(client):
    tmp_path, frame = client
    wb = session_for(tmp_path, goal_yaml(target=180_000, extra=months_yaml(MONTHS)))
    row = pacing_frame(wb).iloc[0]
    # by hand: January and February whole, March pro rata 20 of 31 days
    expected = MONTHS["2026-01"] + MONTHS["2026-02"] + MONTHS["2026-03"] * 20 / 31
    actual = frame.loc[frame["date"].between("2026-01-01", AS_OF), "revenue"].sum()
    assert row["expected_method"] == "targets"
    assert row["expected"] == pytest.approx(expected)
    assert row["actual_to_date"] == pytest.approx(actual)
    assert row["gap"] == pytest.approx(actual - expected)
    assert row["forecast_method"] == "targets"
    assert row["forecast"] == pytest.approx(actual * 180_000 / expected)
    assert row["status"] == row["status_pace"] == pace_status(actual * 180_000 / expected, 180_000)
    # per-period table: the actual of each month from the export
    table = target_table(wb.facts, wb.config.goals[0], catalog=wb.catalog)
    by_month = frame[frame["date"] >= "2026-01-01"].groupby(frame["date"].dt.strftime("%Y-%m"))["revenue"].sum()
    assert table["period"].tolist() == list(MONTHS)
    assert table["actual"].iloc[:3].tolist() == pytest.approx(by_month.reindex(list(MONTHS)[:3]).tolist())
    assert math.isnan(table["actual"].iloc[3])
    assert table["complete"].tolist() == [True, True, False, False]


def test_per_month_targets_change_the_status(client):
    """Same end target, same data: a plan that asks most in the first months puts the goal off
    track; one that asks most at the end keeps it on track."""
    tmp_path, frame = client
    actual = frame.loc[frame["date"].between("2026-01-01", AS_OF), "revenue"].sum()
    front = {"2026-01": actual * 0.6, "2026-02": actual * 0.6, "2026-03": actual * 0.5, "2026-04": 0.0}
    total = sum(front.values())
    back = {"2026-01": actual * 0.2, "2026-02": actual * 0.2, "2026-03": actual * 0.2, "2026-04": 0.0}
    back["2026-04"] = total - sum(back.values())
    statuses = {}
    for name, plan in (("front", front), ("back", back)):
        wb = session_for(tmp_path, goal_yaml(target=round(total, 2), extra=months_yaml(plan)))
        statuses[name] = pacing_frame(wb).iloc[0]["status"]
    without = session_for(tmp_path, goal_yaml(target=round(total, 2)))
    assert statuses == {"front": "off_track", "back": "on_track"}
    assert pacing_frame(without).iloc[0]["expected_method"] in ("seasonal", "linear")


def test_ratio_pacing_weights_the_targets_by_each_months_denominator(client):
    tmp_path, frame = client
    rates = {"2026-01": 0.030, "2026-02": 0.032, "2026-03": 0.036, "2026-04": 0.040}
    wb = session_for(tmp_path, goal_yaml("conversion_rate", 0.035, months_yaml(rates)))
    row = pacing_frame(wb).iloc[0]
    f = frame[frame["date"].between("2026-01-01", AS_OF)]
    sessions = f.groupby(f["date"].dt.strftime("%Y-%m"))["sessions"].sum()
    expected = sum(rates[m] * sessions[m] for m in sessions.index) / sessions.sum()
    actual = f["orders"].sum() / f["sessions"].sum()
    assert row["expected"] == pytest.approx(expected)
    assert row["actual_to_date"] == pytest.approx(actual)
    assert row["forecast"] == pytest.approx(0.035 + actual - expected)


def test_plan_per_period_at_other_grains():
    from kpi_helpers.spec.goals import Goal

    g = Goal(
        statement="s",
        kpi="revenue",
        target=120.0,
        start="2026-01-01",
        deadline="2026-06-30",
        targets={"2026-Q1": 90.0, "2026-Q2": 30.0},
    )
    months = plan_per_period(g, "month")
    assert months.sum() == pytest.approx(120.0)
    assert months[pd.Timestamp("2026-02-01")] == pytest.approx(90.0 * 28 / 90)
    assert plan_per_period(g, "year").tolist() == pytest.approx([120.0])
    rates = plan_per_period(g, "month", "ratio")
    assert rates[pd.Timestamp("2026-03-01")] == 90.0 and rates[pd.Timestamp("2026-04-01")] == 30.0
    assert [p.key for p in period_targets(g)] == ["2026-Q1", "2026-Q2"]


# --------------------------------------------------------------------------- floors
@pytest.mark.parametrize(
    ("status", "breached", "streak", "out"),
    [
        ("on_track", False, 0, "on_track"),
        ("on_track", True, 1, "at_risk"),
        ("on_track", True, 2, "off_track"),
        ("at_risk", True, 1, "at_risk"),
        ("off_track", True, 1, "off_track"),
    ],
)
def test_bound_status(status, breached, streak, out):
    assert bound_status(status, breached, streak) == out


def test_floor_breached_two_months_makes_the_goal_off_track(client):
    tmp_path, frame = client
    # a target the rate to date meets (about 2.8 %: 3.5 % in January, 2.5 % since), so pacing alone says
    # on track; the floor equals the target (a floor above the target is refused: test_validate_run_checks)
    wb = session_for(tmp_path, goal_yaml("conversion_rate", 0.028, "    floor: 0.028\n", gid="conversie"))
    row = pacing_frame(wb).iloc[0]
    feb = frame[frame["date"].dt.strftime("%Y-%m") == "2026-02"]
    assert row["status_pace"] == "on_track"
    assert row["bound_period"] == pd.Timestamp("2026-02-01")  # March is not complete on 20 March
    assert row["bound_value"] == pytest.approx(feb["orders"].sum() / feb["sessions"].sum())
    assert row["floor_breached"] and not row["ceiling_breached"]
    assert row["bound_streak"] == 1  # January was above the floor
    assert row["status"] == "at_risk"
    # a floor above January's rate too: two months in a row
    wb = session_for(tmp_path, goal_yaml("conversion_rate", 0.04, "    floor: 0.04\n", gid="conversie"))
    row = pacing_frame(wb).iloc[0]
    assert (row["bound_streak"], row["status"]) == (2, "off_track")
    # a floor the KPI respects changes nothing
    wb = session_for(tmp_path, goal_yaml("conversion_rate", 0.02, "    floor: 0.02\n", gid="conversie"))
    row = pacing_frame(wb).iloc[0]
    assert not row["floor_breached"] and row["status"] == "on_track"


def test_floor_finding_in_both_languages_with_babel_percentages(client):
    tmp_path, _ = client
    wb = session_for(tmp_path, goal_yaml("conversion_rate", 0.03, "    floor: 0.03\n", gid="conversie"))
    (finding,) = [f for f in build_findings(wb) if f.rule == "floor"]
    assert finding.severity == "warning" and finding.data["bound"] == "floor"
    assert "onder de ondergrens van 3,0%" in finding.message["nl"] and "in feb 2026," in finding.message["nl"]
    assert "below the floor of 3.0%" in finding.message["en"] and "Feb 2026" in finding.message["en"]
    assert "weer boven 3,0% te komen — Sanne" in finding.action["nl"]
    assert "back above 3.0% — Sanne" in finding.action["en"]
    wb = session_for(tmp_path, goal_yaml("conversion_rate", 0.04, "    floor: 0.04\n", gid="conversie"))
    (finding,) = [f for f in build_findings(wb) if f.rule == "floor"]
    assert finding.severity == "critical" and "second period in a row" in finding.message["en"]
    # a ceiling broken: "above"
    wb = session_for(tmp_path, goal_yaml("conversion_rate", 0.02, "    ceiling: 0.02\n", gid="conversie"))
    (finding,) = [f for f in build_findings(wb) if f.rule == "floor"]
    assert "boven het plafond van 2,0%" in finding.message["nl"]


def test_no_floor_no_floor_finding(client):
    tmp_path, _ = client
    wb = session_for(tmp_path, goal_yaml("conversion_rate", 0.02))
    assert not [f for f in build_findings(wb) if f.rule == "floor"]


# --------------------------------------------------------------------------- charts
def test_goal_trend_draws_the_monthly_targets_and_the_floor(client):
    tmp_path, _ = client
    goals = goal_yaml(target=180_000, extra=months_yaml(MONTHS)) + goal_yaml(
        "conversion_rate", 0.03, "    floor: 0.03\n", gid="conversie"
    )
    wb = session_for(tmp_path, goals)
    fig = analysis.goal_trend(wb, wb.config.goals[0])
    (target,) = [tr for tr in fig.data if tr.name == "Doel per maand"]
    assert [pd.Timestamp(x) for x in target.x] == [pd.Timestamp(k + "-01") for k in MONTHS]
    assert list(target.y) == pytest.approx(list(MONTHS.values()))
    fig = analysis.goal_trend(wb, wb.config.goals[1])
    (line,) = [s for s in fig.layout.shapes if s.name == "floor"]
    assert line.y0 == line.y1 == 0.03
    assert any(a.text == "ondergrens 3,0%" for a in fig.layout.annotations)
    en = session_for(tmp_path, goals, language="en")
    fig = analysis.goal_trend(en, en.config.goals[0])
    assert any(tr.name == "Target per month" for tr in fig.data)


def test_trend_band_is_shaded_between_floor_and_ceiling():
    table = pd.DataFrame(
        {"period": pd.date_range("2026-01-01", periods=3, freq="MS"), "kpi": "conversion_rate", "value": 0.03}
    )
    fig = charts.trend(table, "conversion_rate", floor=0.02, ceiling=0.05, lang="en")
    names = [s.name for s in fig.layout.shapes]
    assert names.count("band") == 1 and "floor" in names and "ceiling" in names
    assert {a.text for a in fig.layout.annotations} == {"floor 2.0%", "ceiling 5.0%"}


# --------------------------------------------------------------------------- summary.json contract
def test_summary_json_carries_floor_and_targets(client):
    from kpi_helpers.run.report import client_summary

    tmp_path, frame = client
    goals = goal_yaml(target=180_000, extra=months_yaml(MONTHS)) + goal_yaml(
        "conversion_rate", 0.03, "    floor: 0.03\n", gid="conversie"
    )
    summary = client_summary(load_params(write_params(tmp_path, goals)))
    json.dumps(summary, allow_nan=False)
    omzet, conversie = summary["goals"]
    assert "floor" not in omzet and "ceiling" not in omzet
    assert conversie["floor"]["value"] == 0.03 and conversie["floor"]["breached"] is True
    assert conversie["floor"]["period"] == "2026-02-01"
    assert "targets" not in conversie
    jan = frame[frame["date"].dt.strftime("%Y-%m") == "2026-01"]["revenue"].sum()
    assert omzet["targets"][0] == {
        "period": "2026-01",
        "target": 40_000.0,
        "actual": pytest.approx(jan),
        "complete": True,
    }
    assert omzet["targets"][3]["actual"] is None and omzet["targets"][3]["complete"] is False
    assert conversie["status"] == "at_risk"


def test_summary_page_shows_the_floor(client):
    from kpi_helpers.run.report import client_summary
    from kpi_helpers.views.summary import summary_html

    tmp_path, _ = client
    summary = client_summary(
        load_params(write_params(tmp_path, goal_yaml("conversion_rate", 0.03, "    floor: 0.03\n", gid="c")))
    )
    page = summary_html(summary, "nl")
    assert "ondergrens 3,0%" in page and "eronder" in page


# --------------------------------------------------------------------------- the demo clients
def test_demo_params_show_a_monthly_target_and_a_floor():
    from kpi_helpers.spec.params import find_params_files

    demo = Path(kpi.__file__).parent / "demo_params"
    configs = {p.stem: load_params(p) for p in find_params_files(demo)}
    assert any(g.targets and len(g.targets) == 12 for g in configs["demo_webshop"].goals)
    assert any(g.floor is not None for g in configs["demo_b2b"].goals)
    assert all(params_warnings(c) == [] for c in configs.values())


def test_parse_params_keeps_targets_sorted_by_period():
    config = parse_params(
        {
            "client": "x",
            "name": "X",
            "data": "demo:webshop",
            "goals": [
                {
                    "statement": "s",
                    "kpi": "revenue",
                    "target": 3,
                    "start": "2026-01-01",
                    "deadline": "2026-03-31",
                    "owner": "o",
                    "targets": {"2026-03": 1, "2026-01": 1, "2026-02": 1},
                }
            ],
        }
    )
    assert [p.key for p in period_targets(config.goals[0])] == ["2026-01", "2026-02", "2026-03"]


@settings(max_examples=30, deadline=None)
@given(day=st.integers(0, 400), total=st.floats(1_000, 1e7))
def test_targets_spread_by_days_expect_what_the_straight_line_expects(day, total):
    """Invariant: monthly targets in proportion to the months' days expect exactly the linear
    share of the end target on any as-of date inside or after the window (before it: not started)."""
    from kpi_helpers.compute.pacing import pace_goal
    from kpi_helpers.spec.goals import Goal

    days = pd.date_range("2025-12-01", "2027-01-31", freq="D")
    facts = pd.DataFrame({"date": days, "revenue": 100.0})
    months = pd.date_range("2026-01-01", "2026-12-01", freq="MS")
    plan = {m.strftime("%Y-%m"): total * m.days_in_month / 365 for m in months}
    g = Goal(statement="s", kpi="revenue", target=total, start="2026-01-01", deadline="2026-12-31", targets=plan)
    as_of = pd.Timestamp("2025-12-15") + pd.Timedelta(days=day)
    p = pace_goal(facts, g, as_of=as_of)
    assert p.expected_method == "targets"
    if as_of < pd.Timestamp("2026-01-01"):  # before the window the goal is planned: nothing expected yet
        assert p.status == "not_started" and math.isnan(p.expected)
        return
    assert p.expected == pytest.approx(total * p.elapsed_fraction, rel=1e-9, abs=1e-6)


def test_pacing_finding_says_the_expectation_comes_from_the_period_targets(client):
    tmp_path, _ = client
    rates = {"2026-01": 0.030, "2026-02": 0.032, "2026-03": 0.036, "2026-04": 0.040}
    goals = goal_yaml(target=180_000, extra=months_yaml(MONTHS)) + goal_yaml(
        "conversion_rate", 0.035, months_yaml(rates), gid="conversie"
    )
    wb = session_for(tmp_path, goals)
    pacing = {f.data["goal_id"]: f for f in build_findings(wb) if f.rule == "pacing"}
    assert "volgens de doelen per periode" in pacing["omzet"].message["nl"]
    assert "from the targets per period" in pacing["conversie"].message["en"]
    wb = session_for(tmp_path, goal_yaml(target=180_000))
    (plain,) = [f for f in build_findings(wb) if f.rule == "pacing"]
    assert "targets per period" not in plain.message["en"]


def test_goal_trend_titles_name_the_goal_id_only_when_two_goals_share_a_kpi(client):
    tmp_path, _ = client
    wb = session_for(tmp_path, goal_yaml() + goal_yaml("conversion_rate", 0.02, gid="conversie"))
    titles = [analysis.goal_trend(wb, g).layout.title.text for g in wb.config.goals]
    assert [t.split(" — ")[0] for t in titles] == ["Omzet", "Conversieratio"], titles
    two = session_for(tmp_path, goal_yaml() + goal_yaml(target=90_000, gid="omzet-h1"))
    titles = [analysis.goal_trend(two, g).layout.title.text for g in two.config.goals]
    assert [t.split(" — ")[0] for t in titles] == ["Omzet (doel omzet)", "Omzet (doel omzet-h1)"]
