"""`kpi-workbook validate` refuses what `run` would fail on, and `load_params` agrees (issue 11
point 9); what is not a user error degrades gracefully in the notebooks instead."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from kpi_helpers.exceptions import ParamsError
from kpi_helpers.run.cli import main
from kpi_helpers.run.validate import ClientCheck, check_client
from kpi_helpers.spec.agency import client_data_dir
from kpi_helpers.spec.params import load_params, parse_params

GOAL = """goals:
  - statement: Revenue +10 % in 2026 through a higher order value
    kpi: {kpi}
    baseline: {baseline}
    target: {target}
    start: {start}
    deadline: {deadline}
    owner: Marketing (Sanne)
"""


def _webshop(
    tmp_path: Path, kpi="revenue", baseline="1000000", target="1100000", start="2026-01-01", deadline="2026-12-31"
) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(
        "client: shop\nname: Shop\ndata: demo:webshop\nkpis: [revenue, orders]\n"
        + GOAL.format(kpi=kpi, baseline=baseline, target=target, start=start, deadline=deadline),
        encoding="utf-8",
    )
    return path


def _refused(path: Path, field: str, words: str) -> None:
    """Both load_params and validate refuse the file, naming the file and the field."""
    with pytest.raises(ParamsError) as error:
        load_params(path)
    assert str(path) in str(error.value) and field in str(error.value) and words in str(error.value)
    check = check_client(path)
    assert not check.ok and any(field in e and words in e for e in check.errors), check.errors


@pytest.fixture
def leads_client(tmp_path: Path) -> Path:
    """A lead-generation client: sessions and leads, no revenue, no goals (params/leadgen.yaml,
    its data in the client's own data folder)."""
    (tmp_path / "params").mkdir()
    path = tmp_path / "params" / "leadgen.yaml"
    data = client_data_dir(path, "leadgen")
    data.mkdir(parents=True)
    days = pd.date_range("2024-01-01", "2025-06-30")
    rng = np.random.default_rng(7)
    pd.DataFrame(
        {
            "date": days.strftime("%Y-%m-%d"),
            "sessions": rng.integers(100, 200, len(days)),
            "leads": rng.integers(0, 10, len(days)),
        }
    ).to_csv(data / "daily.csv", index=False)
    path.write_text(
        "client: leadgen\nname: Lead Gen\nlanguage: nl\ndata: {source: daily.csv, shape: daily}\n"
        "kpis: [sessions, leads]\n",
        encoding="utf-8",
    )
    return path


def test_client_without_revenue_and_goals_validates_and_what_if_degrades(leads_client, monkeypatch):
    from kpi_helpers.apps import widgets
    from kpi_helpers.session import open_client
    from kpi_helpers.views import display

    shown: list[str] = []
    monkeypatch.setattr(display, "show_markdown", shown.append)

    assert check_client(leads_client).ok
    wb = open_client(leads_client)
    for interactive in (False, True):  # before: KpiWorkbookError "No KPI with a driver tree"
        assert widgets.what_if_app(wb, interactive=interactive) is None
    assert len(shown) == 2 and all(s.startswith("_Geen wat-als voor deze data") for s in shown)


def test_client_without_any_kpi_is_refused_with_what_the_data_can_compute(leads_client):
    """Before: validate passed and 03_analysis failed with KeyError: nan (no KPI to show)."""
    leads_client.write_text(
        "client: leadgen\nname: Lead Gen\ndata: {source: daily.csv, shape: daily}\n", encoding="utf-8"
    )
    errors = check_client(leads_client).errors
    assert len(errors) == 1 and "kpis: no KPIs to report on" in errors[0]
    assert "sessions" in errors[0] and "leads" in errors[0] and str(leads_client) in errors[0]


@pytest.mark.slow
def test_notebook_03_runs_for_client_without_revenue_and_goals(leads_client, tmp_path):
    import papermill as pm

    notebook = next(
        p
        for p in (ROOT / "notebooks" / "03_analysis.ipynb", ROOT / "kpi_helpers" / "notebooks" / "03_analysis.ipynb")
        if p.exists()
    )
    out = tmp_path / "03.ipynb"
    pm.execute_notebook(
        str(notebook),
        str(out),
        cwd=str(ROOT),
        progress_bar=False,
        kernel_name="python3",
        parameters={"params_file": str(leads_client), "interactive": False},
    )
    cells = json.loads(out.read_text(encoding="utf-8"))["cells"]
    assert not [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


def test_goal_on_growth_kpi_refused_with_the_kpi_to_use(tmp_path):
    _refused(
        _webshop(tmp_path, kpi="sales_growth", baseline="0.02", target="0.05"),
        "goals[0].kpi",
        "set the goal on 'revenue'",
    )


def test_smart_check_fails_m_for_growth_kpi(catalog):
    from conftest import make_goal

    from kpi_helpers.spec.goals import smart_check

    report = smart_check(make_goal(kpi="sales_growth", baseline=0.02, target=0.05), catalog=catalog)
    assert (
        report["M"].status == "fail" and "'revenue'" in report["M"].fix["en"] and "'revenue'" in report["M"].fix["nl"]
    )


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("target", "1.7e308", "out of range"),
        ("target", ".nan", "not a finite number"),
        ("target", ".inf", "not a finite number"),
        ("target", "-.inf", "not a finite number"),
        ("baseline", "1.0e+300", "out of range"),
        ("baseline", ".nan", "not a finite number"),
    ],
)
def test_goal_values_finite_and_in_range(tmp_path, field, value, words):
    _refused(_webshop(tmp_path, **{field: value}), f"goals[0].{field}", words)


@pytest.mark.parametrize(
    ("field", "value"),
    [("start", "0001-01-01"), ("deadline", "9999-12-31"), ("start", "1850-01-01"), ("deadline", "2300-01-01")],
)
def test_goal_dates_in_a_sane_range(tmp_path, field, value):
    _refused(_webshop(tmp_path, **{field: value}), f"goals[0].{field}", "check the year")


def test_period_dates_in_a_sane_range(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(
        "client: shop\nname: Shop\ndata: demo:webshop\nperiod: {start: 0001-01-01, end: 2025-12-31}\n", encoding="utf-8"
    )
    _refused(path, "period", "check the year")


def test_normal_goals_still_load(tmp_path):
    config = load_params(_webshop(tmp_path, target="1.1e6"))
    assert config.goals[0].target == 1.1e6


def test_summary_json_never_holds_infinity_or_nan(tmp_path):
    """A non-finite number anywhere in the summary (a target, a pacing ratio) is written as null."""
    from kpi_helpers.run.report import client_summary, json_safe

    assert json_safe(
        {"a": [1.0, math.inf, {"b": -math.inf, "c": math.nan}], "d": np.float64("nan"), "e": np.int64(3)}
    ) == {"a": [1.0, None, {"b": None, "c": None}], "d": None, "e": 3}
    config = load_params(_webshop(tmp_path))
    config.goals = [config.goals[0].model_copy(update={"target": math.inf, "baseline": math.nan})]
    summary = client_summary(config)
    text = json.dumps(summary, allow_nan=False)  # raises on NaN/Infinity
    assert summary["goals"][0]["target"] is None and summary["goals"][0]["baseline"] is None
    assert "Infinity" not in text and "NaN" not in text


# ---------------------------------------------------------------- validate = run (issue 20)
# Each of these passed `validate` and then failed the run or made it report nonsense.

FULL_YEAR = pd.date_range("2026-01-01", "2026-06-30")  # default report date: 30 June 2026
CONVERSION_GOAL = """goals:
  - id: {gid}
    statement: Conversie naar 3,2 % in 2026
    kpi: {kpi}
    target: {target}
    start: {start}
    deadline: {deadline}
    owner: Marketing (Sanne)
{extra}"""


def _daily_client(tmp_path: Path, days: pd.DatetimeIndex, extra: str = "", currency: str = "EUR") -> Path:
    """params/shop.yaml on a daily CSV of revenue, orders and sessions (one row per day in `days`)."""
    (tmp_path / "params").mkdir(exist_ok=True)
    path = tmp_path / "params" / "shop.yaml"
    data = client_data_dir(path, "shop")
    data.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "revenue": 400.0, "orders": 10, "sessions": 300}).to_csv(
        data / "daily.csv", index=False
    )
    path.write_text(
        f"name: Shop\ncurrency: {currency}\ndata: {{source: daily.csv, shape: daily}}\n"
        f"kpis: [revenue, orders, conversion_rate]\n{extra}",
        encoding="utf-8",
    )
    return path


def _goal(kpi="conversion_rate", target="0.032", start="2026-01-01", deadline="2026-12-31", extra="", gid="g") -> str:
    return CONVERSION_GOAL.format(kpi=kpi, target=target, start=start, deadline=deadline, extra=extra, gid=gid)


def _run_summary(path: Path, as_of=None) -> dict:
    """What a run computes first, in the client's kernel (kpi_helpers.run.batch): the summary on the report date."""
    from kpi_helpers.compute.asof import LAST_COMPLETE
    from kpi_helpers.run.report import client_summary

    return client_summary(load_params(path), as_of=as_of or LAST_COMPLETE)


def _validate_agrees_with_run(path: Path, as_of=None) -> ClientCheck:
    """validate passes exactly when the run's summary can be made on that report date."""
    from kpi_helpers.exceptions import KpiWorkbookError

    check = check_client(path, as_of=as_of)
    try:
        _run_summary(path, as_of)
        ran = True
    except KpiWorkbookError:
        ran = False
    assert check.ok == ran, check.errors
    return check


def test_default_report_date_before_the_first_row_is_refused_as_the_run_would(tmp_path):
    """Three days of a month not yet complete: the default report date (the end of the last complete
    month, 30 Nov) is before the first row. Before: validate passed, the run failed in the kernel."""
    path = _daily_client(tmp_path, pd.date_range("2026-12-01", "2026-12-03"))
    (error,) = _validate_agrees_with_run(path).errors
    assert error.startswith(f"{path}: data: ") and "cover no complete month yet" in error
    assert (
        "2026-11-30" in error
        and "2026-12-01" in error
        and "the first report date with a whole month is 2026-12-31" in error
    )
    # the month so far is refused too, by validate and run alike: notebook 03 failed on it ("KPI 'orders' is
    # not in the table: compute it before pairing"), a part of a first month has nothing to compare or pair
    (partial,) = _validate_agrees_with_run(path, as_of="2026-12-03").errors
    assert "leaves less than one whole month of data" in partial and "2026-12-31" in partial


def test_as_of_before_the_first_row_is_refused_as_the_run_would(tmp_path, capsys):
    path = _daily_client(tmp_path, FULL_YEAR)
    (error,) = _validate_agrees_with_run(path, as_of="2025-06-30").errors
    assert str(path) in error and "--as-of" in error and "2025-06-30" in error and "2026-01-01" in error
    assert _validate_agrees_with_run(path, as_of="2026-03-31").ok
    assert main(["validate", "--params", str(path.parent), "--as-of", "2025-06-30"]) == 1
    assert "no data on or before the as-of date 2025-06-30" in capsys.readouterr().out
    assert main(["validate", "--params", str(path.parent), "--as-of", "30-06-2025"]) == 2  # not a date: usage


def test_the_run_checks_its_clients_on_its_own_report_date(tmp_path, monkeypatch):
    """`run --as-of` validates on that date (before: on the default date, so the run failed later)."""
    import kpi_helpers.run.validate as validate
    from kpi_helpers.run.batch import run_batch

    path = _daily_client(tmp_path, FULL_YEAR)
    seen = []

    def checks(files, map_checks=map, as_of=None):
        seen.append(as_of)
        raise RuntimeError("checked")

    monkeypatch.setattr(validate, "check_files", checks)
    with pytest.raises(RuntimeError, match="checked"):
        run_batch(params_dir=path.parent, out_dir=tmp_path / "reports", as_of="2025-06-30", dask="local")
    assert seen == ["2025-06-30"]


@pytest.mark.parametrize(
    ("field", "yaml", "words"),
    [
        (
            "goals[0].target",
            _goal(target="3.2"),
            "3.2 means 320 % for a percentage KPI (percentages are fractions: 1 = 100 %); write 0.032 for 3.2 %",
        ),
        ("goals[0].baseline", _goal(extra="    baseline: 2.5\n"), "write 0.025 for 2.5 %"),
        ("goals[0].target", _goal(target="320"), "write 0.032 for 3.2 % (a fraction of 1)"),
        ("goals[0].floor", _goal(extra="    floor: 3\n"), "write 0.03 for 3 %"),  # the same rule as the target
        (
            "goals[0].targets.2026-02",
            _goal(start="2026-01-01", deadline="2026-02-28", extra="    targets: {2026-01: 0.03, 2026-02: 3.5}\n"),
            "write 0.035 for 3.5 %",
        ),
    ],
)
def test_percent_targets_above_100_percent_are_refused_like_floors(tmp_path, field, yaml, words):
    """Before: `target: 3.2` on a conversion rate passed validate and was paced as 320 % (off track)."""
    _refused(_daily_client(tmp_path, FULL_YEAR, yaml), field, words)


def test_roi_may_exceed_100_percent_in_targets_and_floors(tmp_path):
    """ROI = (revenue − spend) / spend is no share of a whole: 250 % is a real target (before, a floor of
    150 % was refused as 'above 100 %')."""
    path = _daily_client(tmp_path, FULL_YEAR, _goal(kpi="roi", target="2.5", extra="    floor: 1.5\n"))
    config = load_params(path)
    assert (config.goals[0].target, config.goals[0].floor) == (2.5, 1.5)


@pytest.mark.parametrize(
    ("yaml", "field", "words"),
    [
        (
            _goal(target="0.03", extra="    floor: 0.04\n"),
            "goals[0].floor",
            "0.04 (for each month) is above the goal's target 0.03",
        ),
        (
            _goal(target="0.03", extra="    band: [0.02, 0.025]\n"),
            "goals[0].ceiling",
            "is below the goal's target 0.03",
        ),
        # lower is better: a ceiling below the target
        (
            _goal(kpi="cost_per_click", target="0.5", extra="    ceiling: 0.4\n"),
            "goals[0].ceiling",
            "0.4 (for each month) is below",
        ),
        # a sum KPI: the floor holds for each month, the target for the year (1,200,000 = 100,000 a month on average)
        (_goal(kpi="revenue", target="1200000", extra="    floor: 150000\n"), "goals[0].floor", "(100,000 per month)"),
    ],
)
def test_a_floor_above_or_a_ceiling_below_the_target_is_refused(tmp_path, yaml, field, words):
    """Before: validate passed and every month on target was reported as a broken floor."""
    _refused(_daily_client(tmp_path, FULL_YEAR, yaml), field, words)


def test_floors_within_the_target_still_load(tmp_path):
    monthly = "    targets: {" + ", ".join(f"2026-{m:02d}: {100000 if m != 2 else 60000}" for m in range(1, 13)) + "}\n"
    fine = [
        (_goal(target="0.03", extra="    floor: 0.03\n"), (0.03, None)),  # a floor at the target
        (_goal(kpi="revenue", target="1200000", extra="    floor: 80000\n"), (80000, None)),
        (_goal(kpi="cost_per_click", target="0.5", extra="    band: [0.3, 0.6]\n"), (0.3, 0.6)),
    ]
    for yaml, bounds in fine:
        goal = load_params(_daily_client(tmp_path, FULL_YEAR, yaml)).goals[0]
        assert (goal.floor, goal.ceiling) == bounds
    # with monthly targets the floor meets each month's target: 70,000 is above February's 60,000
    path = _daily_client(
        tmp_path, FULL_YEAR, _goal(kpi="revenue", target="1160000", extra=monthly + "    floor: 70000\n")
    )
    _refused(path, "goals[0].floor", "the monthly targets (60,000 to 100,000)")


@pytest.mark.parametrize("code", ["XYZ", "XXX", "EUX"])
def test_an_unknown_currency_code_is_refused(tmp_path, code):
    """Before: 'XYZ' passed validate and every amount in the report read 'XYZ162,700'."""
    _refused(_daily_client(tmp_path, FULL_YEAR, currency=code), "currency", f"'{code}' is not a known currency code")


def test_known_currency_codes_load():
    for code in ("EUR", "USD", "GBP", "CHF", "SEK"):
        assert parse_params({"client": "x", "name": "X", "data": "demo:webshop", "currency": code}).currency == code


def test_a_goal_window_without_data_is_refused(tmp_path):
    """A goal whose window has begun by the report date with no row of its KPI in it: before, it was
    paced on nothing and reported off track / at risk."""
    hole = FULL_YEAR[(FULL_YEAR.month < 4) | (FULL_YEAR.month > 5)]  # no April and May
    goals = _goal(start="2026-04-01", deadline="2026-05-31")
    path = _daily_client(tmp_path, hole, goals)
    (error,) = check_client(path).errors
    assert error.startswith(f"{path}: goals[0]: the goal window began on 2026-04-01")
    assert "no row for 'conversion_rate' from then to 2026-05-31" in error and "2026-06-30" in error
    # a goal window wholly before the data: nothing to judge it on, ever
    path = _daily_client(tmp_path, FULL_YEAR[FULL_YEAR.month > 4], _goal(start="2026-02-01", deadline="2026-03-31"))
    (error,) = check_client(path).errors
    assert "no row for 'conversion_rate' from then to 2026-03-31" in error


def test_a_goal_whose_data_are_late_waits_for_them(tmp_path):
    """Data to 31 March only, a report on 31 May: the goal from 1 April waits for its data (late data,
    not_started on page one) instead of blocking the client's run."""
    path = _daily_client(tmp_path, FULL_YEAR[FULL_YEAR.month < 4], _goal(start="2026-04-01"))
    assert check_client(path, as_of="2026-05-31").ok, check_client(path, as_of="2026-05-31").errors
    assert check_client(path).ok  # on the default date (31 March) the goal has not started: only planned


def test_goals_with_data_in_their_window_or_not_yet_started_pass(tmp_path):
    """Data from 15 June on in the window (report date 30 June); a goal from 1 July is only planned."""
    goals = _goal(start="2026-06-15", gid="a") + _goal(start="2026-07-01", gid="b").replace("goals:\n", "")
    assert check_client(_daily_client(tmp_path, FULL_YEAR, goals)).ok


def test_a_monthly_row_stands_for_its_whole_month_in_a_goal_window(tmp_path):
    """Monthly exports date each row on the 1st: a goal from 15 February has data (February's row)."""
    months = pd.date_range("2025-01-01", "2026-06-01", freq="MS")
    path = _daily_client(tmp_path, months, _goal(start="2026-02-15", deadline="2026-02-28"))
    assert check_client(path).ok, check_client(path).errors


def test_a_run_refuses_such_a_client_before_any_kernel_with_the_same_message(tmp_path):
    """Before: the client passed the checks, its kernel failed on the report date ('failed', a traceback
    in a notebook); now it is 'invalid' with validate's line, and no kernel starts (no jobs: no pool)."""
    from kpi_helpers.run.batch import run_batch

    path = _daily_client(tmp_path, pd.date_range("2026-12-01", "2026-12-03"))
    result = run_batch(params_dir=path.parent, out_dir=tmp_path / "reports", dask="local", progress=False)
    (client,) = result.results
    assert client.status == "invalid" and "cover no complete month yet" in client.reason
    assert client.reason == "\n".join(check_client(path).errors)
    assert "cover no complete month yet" in (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
