"""As-of runs (kernel-free): the date rules, facts cut at the as-of date, reproducible numbers,
"since last report" and alerts, checked against independent pandas computations."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_client

from kpi_helpers.compute.asof import (
    MAX_DAYS_AFTER_DATA,
    AsOfError,
    check_not_future,
    default_as_of,
    is_partial,
    parse_as_of,
)
from kpi_helpers.compute.engine import compute_kpis
from kpi_helpers.run.alerts import EXIT_ALERTS, EXIT_FAILED, EXIT_OK, alerts_html, client_alerts, exit_code
from kpi_helpers.run.cli import main
from kpi_helpers.run.history import since_html, since_last
from kpi_helpers.run.report import client_summary
from kpi_helpers.run.validate import check_client
from kpi_helpers.run.workspace import demo_params_file
from kpi_helpers.session import open_client
from kpi_helpers.spec.params import load_params

DEMO_DATA = Path(__file__).resolve().parents[1] / "kpi_helpers" / "data" / "demo_data"


def b2b_client(params: Path, source: str, extra: str = "") -> Path:
    """A client on a daily export cut from the demo B2B data (no orders: its own KPI list)."""
    path = write_client(params, "acme", "Acme", source=source, extra=extra)
    text = path.read_text(encoding="utf-8").replace("[revenue, orders, average_order_value]", "[revenue]")
    path.write_text(text.replace("pairs: [[orders, average_order_value]]\n", ""), encoding="utf-8")
    return path


def numbers(summary: dict) -> dict:
    """Everything in a summary except when and how long it ran."""
    return {k: v for k, v in summary.items() if k not in ("generated", "run_seconds", "versions")}


# ---------------------------------------------------------------- the date rules


@pytest.mark.parametrize(
    ("last", "grain", "expected"),
    [
        ("2026-11-27", "month", "2026-10-31"),
        ("2026-10-31", "month", "2026-10-31"),
        ("2026-03-01", "month", "2026-02-28"),
        ("2026-11-27", "quarter", "2026-09-30"),
        ("2026-12-31", "quarter", "2026-12-31"),
        ("2026-11-27", "year", "2025-12-31"),
        ("2026-11-27", "week", "2026-11-22"),  # a Friday: the last complete week ended on Sunday
        ("2026-11-29", "week", "2026-11-29"),  # a Sunday
        ("2026-11-27", "day", "2026-11-27"),
    ],
)
def test_default_as_of_is_the_end_of_the_last_complete_period(last, grain, expected):
    assert default_as_of(pd.Timestamp(last), grain).isoformat() == expected
    assert not is_partial(dt.date.fromisoformat(expected), grain)


def test_a_bad_as_of_date_names_the_option():
    assert parse_as_of("2026-10-31") == dt.date(2026, 10, 31)
    for bad in ("31-10-2026", "2026-02-30", "yesterday", "2026-10-31T00:00"):
        with pytest.raises(AsOfError, match="--as-of") as info:
            parse_as_of(bad)
        assert "YYYY-MM-DD" in str(info.value)


def test_cli_refuses_a_bad_as_of_with_exit_code_2(tmp_path, capsys):
    code = main(["run", "--params", str(tmp_path / "params"), "--out", str(tmp_path / "out"), "--as-of", "31/10/2026"])
    assert code == 2
    assert "--as-of '31/10/2026' is not a date" in capsys.readouterr().err
    assert not (tmp_path / "out").exists(), "nothing is written for a bad date"


# ---------------------------------------------------------------- as-of dates that would pin reports/ (issue 21, point 8)


@pytest.mark.parametrize("as_of", ["2199-12-31", "9999-12-31", "tomorrow"])
def test_cli_refuses_an_as_of_after_today_with_exit_code_2(tmp_path, capsys, as_of):
    """A future as-of would stay every client's latest report (reports/<client>/, the index) for good."""
    (tmp_path / "params").mkdir()
    write_client(tmp_path / "params", "acme", "Acme")
    day = (dt.date.today() + dt.timedelta(days=1)).isoformat() if as_of == "tomorrow" else as_of
    code = main(["run", "--params", str(tmp_path / "params"), "--out", str(tmp_path / "out"), "--as-of", day])
    assert code == 2
    err = capsys.readouterr().err
    assert f"--as-of {day} is after today ({dt.date.today().isoformat()})" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists(), "refused at the option check, before anything is written"


def test_today_and_earlier_pass_the_future_check():
    today = dt.date(2026, 12, 4)
    assert check_not_future(today, today) == today
    assert check_not_future(dt.date(2026, 1, 31), today) == dt.date(2026, 1, 31)
    with pytest.raises(AsOfError, match="after today"):
        check_not_future(dt.date(2026, 12, 5), today)


def test_an_as_of_far_after_a_clients_data_is_refused_before_any_kernel(tmp_path):
    (tmp_path / "params").mkdir()
    path = write_client(tmp_path / "params", "acme", "Acme")  # the demo webshop: data through 2026-09-30
    last = dt.date(2026, 9, 30)
    limit = last + dt.timedelta(days=MAX_DAYS_AFTER_DATA)
    for far in ("2199-12-31", (limit + dt.timedelta(days=1)).isoformat()):
        check = check_client(path, as_of=far)
        assert len(check.errors) == 1, check.errors
        assert str(path) in check.errors[0] and "after the data's last day 2026-09-30" in check.errors[0]
        assert f"at most {MAX_DAYS_AFTER_DATA}" in check.errors[0]
        with pytest.raises(AsOfError, match="after the data's last day"):
            _ = open_client(path, as_of=far).facts
    assert check_client(path, as_of=limit.isoformat()).errors == []  # late data: a quarter of room
    assert check_client(path).errors == []


def test_the_first_data_day_as_as_of_is_a_clear_error(tmp_path):
    """Data from 2024-01-01 at grain month: as of that day there is no whole month to report (the run
    failed in notebook 03 with "KPI 'orders' is not in the table: compute it before pairing")."""
    (tmp_path / "params").mkdir()
    path = write_client(tmp_path / "params", "acme", "Acme")
    check = check_client(path, as_of="2024-01-01")
    assert check.errors == [
        f"{path}: data: the as-of date 2024-01-01 leaves less than one whole month of data (the data start on "
        "2024-01-01); the first as-of date with a whole month is 2024-01-31"
    ]
    with pytest.raises(AsOfError, match="first as-of date with a whole month is 2024-01-31"):
        _ = open_client(path, as_of="2024-01-15").facts
    assert open_client(path, as_of="2024-01-31").as_of == dt.date(2024, 1, 31)
    with pytest.raises(AsOfError, match="no data on or before the as-of date 2023-12-31"):
        _ = open_client(path, as_of="2023-12-31").facts  # before the data: the existing message


# ---------------------------------------------------------------- facts cut at the as-of date


def test_no_data_after_the_as_of_date_and_pacing_from_that_date():
    wb = open_client(demo_params_file("demo_webshop.yaml"), as_of="2026-06-15")
    assert wb.facts["date"].max() == pd.Timestamp("2026-06-15")
    assert wb.as_of == dt.date(2026, 6, 15) and wb.partial  # June is not complete
    summary = client_summary(wb.config, as_of="2026-06-15")
    assert summary["as_of"] == summary["data_to"] == "2026-06-15"
    assert summary["as_of_partial"] is True
    # independent: revenue 2026-01-01..2026-06-15 straight from the demo export
    raw = pd.read_csv(DEMO_DATA / "webshop_daily.csv.gz", parse_dates=["date"])
    expected = raw.loc[(raw["date"] >= "2026-01-01") & (raw["date"] <= "2026-06-15"), "revenue"].sum()
    revenue = next(g for g in summary["goals"] if g["kpi"] == "revenue")
    assert revenue["actual_to_date"] == pytest.approx(expected)
    assert revenue["as_of"].startswith("2026-06-15")
    assert revenue["elapsed_fraction"] == pytest.approx(166 / 365)  # 'now' is the as-of date


def test_first_orders_and_distinct_customers_use_orders_up_to_the_as_of_date():
    wb = open_client(demo_params_file("demo_newsletter.yaml"), as_of="2026-05-31")
    table = compute_kpis(wb.facts, ["new_customers", "customers"], grain="month", catalog=wb.catalog)
    may = table[table["period"] == pd.Timestamp("2026-05-01")].set_index("kpi")["value"]
    # independent: the Dutch export read with pandas, cut at the as-of date
    raw = pd.read_csv(DEMO_DATA / "newsletter_orders.csv.gz", sep=";", decimal=",", dtype={"Klantnummer": str})
    raw["date"] = pd.to_datetime(raw["Datum"], format="%d-%m-%Y")
    lines = raw[raw["date"] <= "2026-05-31"]
    orders = lines.groupby("Ordernummer").agg(date=("date", "first"), customer=("Klantnummer", "first"))
    first = orders.groupby("customer")["date"].min()
    in_may = orders[(orders["date"] >= "2026-05-01") & (orders["date"] <= "2026-05-31")]
    assert may["customers"] == in_may["customer"].nunique()
    assert may["new_customers"] == ((first >= "2026-05-01") & (first <= "2026-05-31")).sum()
    assert wb.facts["date"].max() <= pd.Timestamp("2026-05-31")


def test_the_same_as_of_gives_the_same_numbers_also_with_later_data(tmp_path):
    raw = pd.read_csv(DEMO_DATA / "b2b_daily.csv.gz", parse_dates=["date"])
    cols = ["date", "channel", "campaign", "sessions", "leads", "new_customers", "revenue"]
    params = tmp_path / "params"
    data = tmp_path / "data" / "acme"
    data.mkdir(parents=True)
    params.mkdir()
    early = raw[raw["date"] <= "2026-07-14"][cols]
    early.to_csv(data / "daily.csv", index=False)
    path = b2b_client(
        params,
        source="daily.csv",
        extra="goals:\n  - {id: rev, statement: Revenue 4 M in 2026, kpi: revenue, baseline: 3350880, "
        "target: 4000000, start: 2026-01-01, deadline: 2026-12-31, owner: Eva}\n",
    )
    config = load_params(path)
    first = client_summary(config, as_of="2026-06-30")
    again = client_summary(config, as_of="2026-06-30")
    assert numbers(first) == numbers(again)
    raw[raw["date"] <= "2026-09-30"][cols].to_csv(data / "daily.csv", index=False)  # a month later: more data
    later = client_summary(load_params(path), as_of="2026-06-30")
    assert numbers(later) == numbers(first)
    assert later["goals"][0]["actual_to_date"] == pytest.approx(
        raw.loc[(raw["date"] >= "2026-01-01") & (raw["date"] <= "2026-06-30"), "revenue"].sum()
    )
    # the default as-of: the last complete month of the data, whatever day it runs
    assert client_summary(config, as_of="last-complete")["as_of"] == "2026-09-30"
    early.to_csv(data / "daily.csv", index=False)
    assert client_summary(config, as_of="last-complete")["as_of"] == "2026-06-30"


# ---------------------------------------------------------------- since last report and alerts


def b2b_with_quality_goal(tmp_path: Path):
    """demo_b2b plus a goal that is on track in February and off track by June (the lead-gen
    campaign from March floods the funnel with worse leads)."""
    text = demo_params_file("demo_b2b.yaml").read_text(encoding="utf-8")
    goal = (
        "  - id: quality-floor\n    statement: Keep the lead-to-customer rate at 10 % or better in 2026\n"
        "    kpi: lead_to_customer_rate\n    baseline: 0.1263\n    target: 0.10\n"
        "    start: 2026-01-01\n    deadline: 2026-12-31\n    owner: Sales lead (Priya)\n"
    )
    text = text.replace("\nchannels:", goal + "\nchannels:")
    # about status changes only: no floors or ceilings (a demo goal may carry one)
    text = "\n".join(x for x in text.splitlines() if not x.strip().startswith(("floor:", "ceiling:"))) + "\n"
    (tmp_path / "params").mkdir(exist_ok=True)
    path = tmp_path / "params" / "demo_b2b.yaml"
    path.write_text(text, encoding="utf-8")
    return load_params(path)


def test_a_goal_that_turns_off_track_gives_an_alert(tmp_path):
    config = b2b_with_quality_goal(tmp_path)
    february = client_summary(config, as_of="2026-02-28")
    june = client_summary(config, as_of="2026-06-30")
    status = {g["id"]: g["status"] for g in february["goals"]}
    assert status["quality-floor"] == "on_track"
    june["since_last"] = since_last(june, february)
    change = {g["id"]: g for g in june["since_last"]["goals"]}["quality-floor"]
    assert (change["previous_status"], change["status"], change["status_changed"]) == ("on_track", "off_track", True)
    assert change["previous_value"] == pytest.approx(
        {g["id"]: g for g in february["goals"]}["quality-floor"]["actual_to_date"]
    )
    alerts = client_alerts(june)
    off = [a for a in alerts if a["kind"] == "off_track"]
    assert [a["goal"] for a in off] == ["quality-floor"]  # goals that were off track already raise none
    assert off[0]["as_of"] == "2026-06-30" and off[0]["client"] == "demo_b2b"
    assert "turned off track (was on track)" in off[0]["message"]["en"]
    assert "uit koers geraakt (was op koers)" in off[0]["message"]["nl"]
    json.dumps(alerts, allow_nan=False)
    # the report block says it in the client's language only (demo_b2b is English)
    block = since_html(june, "en")
    assert "Since the last report (28 February 2026)" in block and "Sinds" not in block
    assert "on track</span> → <span class='status-off_track'" in block
    assert "Stand per" not in since_html(june, "en")
    assert "Sinds het vorige rapport (28 februari 2026)" in since_html(june, "nl")


def test_first_report_has_no_status_alerts():
    summary = {"client": "x", "as_of": "2026-06-30", "goals": [{"id": "a", "kpi": "revenue", "status": "off_track"}]}
    summary["since_last"] = since_last(summary, None)
    assert client_alerts(summary) == []
    assert "first report" in since_html(summary, "en")


def test_floor_alert_reads_the_targets_contract():
    goal = {"id": "cr", "kpi": "conversion_rate", "status": "on_track", "floor": {"value": 0.03, "breached": True}}
    summary = {"client": "x", "name": "X", "as_of": "2026-06-30", "currency": "EUR", "goals": [goal]}
    [alert] = client_alerts(summary)
    assert alert["kind"] == "floor" and alert["kpi"] == "conversion_rate"
    assert "3" in alert["message"]["en"] and "%" in alert["message"]["en"]
    goal["floor"]["breached"] = False
    assert client_alerts(summary) == []
    del goal["floor"]  # before the targets feature lands: no floor key at all
    assert client_alerts(summary) == []
    goal["ceiling"] = {"value": 0.2, "breached": True, "actual": 0.25}
    [alert] = client_alerts(summary)
    assert alert["kind"] == "ceiling" and alert["details"] == {"ceiling": 0.2, "value": 0.25}
    assert "above its ceiling of 20" in alert["message"]["en"] and "bovengrens" in alert["message"]["nl"]


@pytest.mark.parametrize(("last", "alert"), [("2026-06-23", False), ("2026-06-22", True), ("2026-05-15", True)])
def test_data_that_stopped_arriving(last, alert):
    summary = {"client": "x", "as_of": "2026-06-30", "goals": [], "source_last_dates": {"shop.csv": last}}
    alerts = client_alerts(summary)
    assert bool(alerts) is alert
    if alert:
        days = (dt.date(2026, 6, 30) - dt.date.fromisoformat(last)).days
        assert alerts[0]["kind"] == "data_stopped" and alerts[0]["details"]["days"] == days
        assert f"({days} days before the as-of date)" in alerts[0]["message"]["en"]
        assert f"({days} dagen voor de peildatum)" in alerts[0]["message"]["nl"]


def test_a_source_that_ends_early_is_seen_in_the_summary(tmp_path):
    params, data = tmp_path / "params", tmp_path / "data" / "acme"
    params.mkdir()
    data.mkdir(parents=True)
    raw = pd.read_csv(DEMO_DATA / "b2b_daily.csv.gz", parse_dates=["date"])
    raw[raw["date"] <= "2026-05-15"][["date", "channel", "campaign", "revenue"]].to_csv(data / "shop.csv", index=False)
    summary = client_summary(load_params(b2b_client(params, "shop.csv")), as_of="2026-06-30")
    assert summary["source_last_dates"] == {"shop.csv": "2026-05-15"}
    assert [a["kind"] for a in client_alerts(summary)] == ["data_stopped"]


def test_a_monthly_source_covers_its_last_month(tmp_path):
    """Rows on the 1st stand for their whole month: a monthly export through June is not 'stopped'
    on 30 June, the default as-of is the end of June (not May), and a missing July row is an alert."""
    from kpi_helpers.compute.asof import LAST_COMPLETE

    params, data = tmp_path / "params", tmp_path / "data" / "acme"
    params.mkdir()
    data.mkdir(parents=True)
    raw = pd.read_csv(DEMO_DATA / "b2b_daily.csv.gz", parse_dates=["date"])
    raw = raw[raw["date"] <= "2026-06-30"]
    monthly = raw.groupby(raw["date"].dt.to_period("M").dt.start_time)["revenue"].sum().rename_axis("date")
    monthly.reset_index().to_csv(data / "monthly.csv", index=False)
    path = b2b_client(params, "monthly.csv")
    summary = client_summary(load_params(path), as_of=LAST_COMPLETE)
    assert summary["as_of"] == "2026-06-30"
    assert summary["source_last_dates"] == {"monthly.csv": "2026-06-30"}
    assert client_alerts(summary) == []
    later = client_summary(load_params(path), as_of="2026-07-31")
    [alert] = client_alerts(later)
    assert alert["kind"] == "data_stopped" and alert["details"] == {"last_date": "2026-06-30", "days": 31}


def test_covered_until():
    from kpi_helpers.data.sources import covered_until

    days = pd.to_datetime(["2026-05-30", "2026-05-31", "2026-06-01"])
    assert covered_until(days) == pd.Timestamp("2026-06-01")  # daily rows: the last day
    assert covered_until(pd.to_datetime(["2026-05-01", "2026-06-01"])) == pd.Timestamp("2026-06-30")
    assert covered_until(pd.to_datetime(["2026-01-01", "2026-04-01"])) == pd.Timestamp("2026-06-30")  # quarters
    assert covered_until(pd.to_datetime(["2026-02-01"])) == pd.Timestamp("2026-02-28")
    assert covered_until(pd.DatetimeIndex([])) is None


def test_alert_strings_are_escaped():
    hostile = "<img src=x onerror=alert(1)>"
    summary = {
        "client": "x",
        "name": hostile,
        "as_of": "2026-06-30",
        "goals": [],
        "source_last_dates": {hostile: "2026-01-01"},
    }
    page = alerts_html(client_alerts(summary), "nl")
    assert hostile not in page and "&lt;img" in page and "Meldingen (1)" in page


def test_exit_codes():
    assert exit_code(True, False, []) == EXIT_OK == 0
    assert exit_code(True, False, [{"kind": "floor"}]) == EXIT_ALERTS == 3
    assert exit_code(True, False, [{"kind": "floor"}], alerts_exit=False) == EXIT_OK  # the CLI without the flag
    assert exit_code(False, False, [{"kind": "floor"}]) == EXIT_FAILED == 1
    assert exit_code(False, True, []) == 130


def test_index_lists_what_moved_since_the_last_report(tmp_path):
    from types import SimpleNamespace

    from kpi_helpers.run.history import index_history_html

    now = {
        "as_of": "2026-06-30",
        "currency": "EUR",
        "goals": [
            {"id": "a", "kpi": "revenue", "statement": "<b>x</b>", "status": "off_track", "actual_to_date": 1500.0},
            {"id": "b", "kpi": "revenue", "statement": "same", "status": "on_track", "actual_to_date": 10.0},
        ],
    }
    before = {
        "as_of": "2026-05-31",
        "goals": [
            {"id": "a", "kpi": "revenue", "status": "on_track", "actual_to_date": 1000.0},
            {"id": "b", "kpi": "revenue", "status": "on_track", "actual_to_date": 10.0},
        ],
    }
    now["since_last"] = since_last(now, before)
    row = SimpleNamespace(ok=True, summary=now, client="acme", name="Acme")
    page = index_history_html([row], tmp_path, "nl")
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "op koers</span> → <span class='status-off_track'" in page
    assert "€ 1.500 (was € 1.000)" in page.replace("\xa0", " ")
    assert (
        "same: <span class='status-on_track' style='color:#127a3b;font-weight:600'>op koers</span> · € 10,00<"
        in page.replace("\xa0", " ")
    )
    assert "Eerdere rapporten" in page and "Earlier" not in page
