"""Portfolio totals over one common, labelled window (issue 11 point 10): not each client's whole
data span added up (orders from 1997, 2011 and 2026 in one total)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpi_helpers.run.report import client_summary, portfolio_totals, portfolio_windows, write_index
from kpi_helpers.spec.agency import client_data_dir
from kpi_helpers.spec.params import load_params

CLIENTS = {  # client: (first day, last day of its data)
    "cd1997": ("1997-01-01", "1998-06-30"),
    "bikes2011": ("2010-01-01", "2011-06-30"),
    "shop_a": ("2025-01-01", "2026-09-30"),
    "shop_b": ("2025-06-01", "2026-10-15"),
    "shop_new": ("2026-09-10", "2026-10-15"),
}


@pytest.fixture(scope="module")
def clients(tmp_path_factory) -> dict[str, tuple[pd.DataFrame, dict]]:
    folder = tmp_path_factory.mktemp("portfolio") / "params"
    folder.mkdir()
    out = {}
    for i, (client, (first, last)) in enumerate(CLIENTS.items()):
        days = pd.date_range(first, last)
        rng = np.random.default_rng(i)
        orders = rng.integers(1, 30, len(days))
        data = pd.DataFrame(
            {
                "date": days.strftime("%Y-%m-%d"),
                "orders": orders,
                "revenue": (orders * rng.uniform(20, 80, len(days))).round(2),
            }
        )
        path = folder / f"{client}.yaml"
        own = client_data_dir(path, client)  # the client's data folder: <data_root>/<client>/
        own.mkdir(parents=True)
        data.to_csv(own / f"{client}.csv", index=False)
        path.write_text(
            f"client: {client}\nname: {client.title()}\nlanguage: en\n"
            f"data: {{source: {client}.csv, shape: daily}}\n"
            "kpis: [revenue, orders, average_order_value]\n",
            encoding="utf-8",
        )
        out[client] = (data, json.loads(json.dumps(client_summary(load_params(path)), allow_nan=False)))
    return out


def _window(data: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    return data[(data["date"] >= start) & (data["date"] <= end)]


def test_windows_as_of_a_date():
    assert portfolio_windows(dt.date(2026, 10, 15)) == {
        "last_month": (dt.date(2026, 9, 1), dt.date(2026, 9, 30)),
        "quarter_to_date": (dt.date(2026, 10, 1), dt.date(2026, 10, 15)),
        "year_to_date": (dt.date(2026, 1, 1), dt.date(2026, 10, 15)),
    }
    assert portfolio_windows(dt.date(2026, 9, 30))["last_month"] == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))


def test_summary_carries_window_numerators_and_denominators(clients):
    data, summary = clients["shop_a"]
    sept = summary["windows"]["last_month"]
    assert (sept["start"], sept["end"], sept["covered"]) == ("2026-09-01", "2026-09-30", True)
    ref = _window(data, "2026-09-01", "2026-09-30")
    aov = sept["kpis"]["average_order_value"]
    assert aov["numerator"] == pytest.approx(ref["revenue"].sum())
    assert aov["denominator"] == pytest.approx(ref["orders"].sum())
    assert sept["kpis"]["orders"]["value"] == pytest.approx(ref["orders"].sum())


def test_last_complete_month_over_clients_ending_in_different_years(clients):
    totals = portfolio_totals([s for _, s in clients.values()])
    assert (totals["as_of"], totals["start"], totals["end"]) == ("2026-10-15", "2026-09-01", "2026-09-30")
    assert totals["label"] == "September 2026"
    rows = {r["kpi"]: r for r in totals["rows"]}
    both = pd.concat([_window(clients[c][0], "2026-09-01", "2026-09-30") for c in ("shop_a", "shop_b")])
    assert rows["revenue"]["value"] == pytest.approx(both["revenue"].sum()) and rows["revenue"]["clients"] == 2
    assert rows["orders"]["value"] == pytest.approx(both["orders"].sum())
    assert rows["average_order_value"]["value"] == pytest.approx(both["revenue"].sum() / both["orders"].sum())
    reasons = {e["client"]: e["reason"] for e in totals["excluded"]}
    assert set(reasons) == {"cd1997", "bikes2011", "shop_new"}
    assert reasons["cd1997"] == "data end on 30 June 1998, the window runs to 30 September 2026"
    assert reasons["shop_new"].startswith("data start on 10 September 2026")


def test_quarter_and_year_to_date_leave_out_clients_that_stop_earlier(clients):
    summaries = [s for _, s in clients.values()]
    qtd = portfolio_totals(summaries, "quarter_to_date")
    assert (qtd["start"], qtd["end"]) == ("2026-10-01", "2026-10-15")
    rows = {r["kpi"]: r for r in qtd["rows"]}
    both = pd.concat([_window(clients[c][0], "2026-10-01", "2026-10-15") for c in ("shop_b", "shop_new")])
    assert rows["revenue"]["value"] == pytest.approx(both["revenue"].sum())
    assert "shop_a" in {e["client"] for e in qtd["excluded"]}
    ytd = portfolio_totals(summaries, "year_to_date", lang="nl")
    reasons = {e["client"]: e["reason"] for e in ytd["excluded"]}
    assert set(reasons) == {"cd1997", "bikes2011", "shop_a", "shop_new"} and ytd["rows"] == []
    assert reasons["shop_a"] == "data lopen tot 30 september 2026, het venster tot 15 oktober 2026"


def test_explicit_as_of(clients):
    summaries = [s for _, s in clients.values()]
    month = portfolio_totals(summaries, as_of=dt.date(2026, 9, 30))
    assert month["end"] == "2026-09-30" and {"shop_a", "shop_b"} <= {r for r in _included(month, clients)}
    qtd = portfolio_totals(summaries, "quarter_to_date", as_of=dt.date(2026, 9, 30))
    reasons = {e["client"]: e["reason"] for e in qtd["excluded"]}
    assert reasons["shop_b"] == "data run past the as-of date 30 September 2026"  # cannot cut its window


def _included(totals, clients):
    return set(clients) - {e["client"] for e in totals["excluded"]}


def test_index_shows_the_window_and_who_is_left_out(clients, tmp_path):
    from kpi_helpers.run.batch import BatchResult, ClientResult

    results = [
        ClientResult(c, "ok", f"params/{c}.yaml", name=c.title(), summary=s, report=f"{c}/report.html")
        for c, (_, s) in clients.items()
    ]
    page = write_index(BatchResult(out_dir=tmp_path, results=results, seconds=1.0), lang="en").read_text(
        encoding="utf-8"
    )
    assert (
        "Portfolio totals: September 2026" in page
        and "last complete month: 1 September 2026 – 30 September 2026" in page
    )
    assert "Cd1997: data end on 30 June 1998, the window runs to 30 September 2026" in page
    assert "Portfolio totals: Q4 2026 up to 15 October 2026" in page
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert index["totals"]["last_month"]["rows"] and index["totals"]["last_month"]["end"] == "2026-09-30"


def test_summaries_without_windows_are_listed_not_added(tmp_path: Path):
    old = {"client": "old", "name": "Old", "currency": "EUR", "kpis": {"revenue": {"numerator": 5.0}}}
    totals = portfolio_totals([old, dict(old, client="older")])
    assert totals["rows"] == [] and len(totals["excluded"]) == 2


def test_a_client_with_a_monthly_source_counts_for_the_months_its_rows_stand_for(clients, tmp_path: Path):
    """Issue 20: a monthly export (one row on the 1st per month) covers its whole month; the totals
    read that (`covered_until`), not the last row's date (1 September), so the client is not dropped."""
    months = pd.date_range("2025-01-01", "2026-09-01", freq="MS")
    data = pd.DataFrame(
        {
            "date": months.strftime("%Y-%m-%d"),
            "orders": np.arange(100, 100 + len(months)),
            "revenue": np.arange(100, 100 + len(months)) * 45.5,
        }
    )
    folder = tmp_path / "params"
    folder.mkdir()
    path = folder / "monthly.yaml"
    own = client_data_dir(path, "monthly")
    own.mkdir(parents=True)
    data.to_csv(own / "monthly.csv", index=False)
    path.write_text(
        "client: monthly\nname: Monthly\nlanguage: en\ndata: {source: monthly.csv, shape: daily}\n"
        "kpis: [revenue, orders, average_order_value]\n",
        encoding="utf-8",
    )
    summary = json.loads(json.dumps(client_summary(load_params(path)), allow_nan=False))
    assert summary["covered_until"] == "2026-09-30"
    assert (summary["windows"]["last_month"]["start"], summary["windows"]["last_month"]["end"]) == (
        "2026-09-01",
        "2026-09-30",
    )
    totals = portfolio_totals([clients["shop_a"][1], clients["shop_b"][1], summary], as_of=dt.date(2026, 9, 30))
    assert "monthly" not in {e["client"] for e in totals["excluded"]}
    rows = {r["kpi"]: r for r in totals["rows"]}
    sept = data[data["date"] == "2026-09-01"]
    daily = pd.concat([_window(clients[c][0], "2026-09-01", "2026-09-30") for c in ("shop_a", "shop_b")])
    assert rows["revenue"]["clients"] == 3
    assert rows["revenue"]["value"] == pytest.approx(daily["revenue"].sum() + sept["revenue"].sum())
    assert rows["orders"]["value"] == pytest.approx(daily["orders"].sum() + sept["orders"].sum())
    # as of the latest covered day among the clients (no date given): still September, still three clients
    default = portfolio_totals([clients["shop_a"][1], summary])
    assert default["end"] == "2026-09-30" and default["excluded"] == []


def test_a_client_with_a_hole_in_the_window_is_left_out_with_the_reason(clients, tmp_path: Path):
    """Issue 20: days without rows inside the window make a client's window total a lower bound;
    it is listed with the reason, not added as if those days sold nothing."""
    days = pd.date_range("2025-01-01", "2026-09-30")
    days = days[(days < "2026-09-05") | (days > "2026-09-20")]
    data = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "orders": 10, "revenue": 450.0})
    folder = tmp_path / "params"
    folder.mkdir()
    path = folder / "gappy.yaml"
    own = client_data_dir(path, "gappy")
    own.mkdir(parents=True)
    data.to_csv(own / "gappy.csv", index=False)
    path.write_text(
        "client: gappy\nname: Gappy\nlanguage: en\ndata: {source: gappy.csv, shape: daily}\n"
        "kpis: [revenue, orders, average_order_value]\n",
        encoding="utf-8",
    )
    summary = json.loads(json.dumps(client_summary(load_params(path)), allow_nan=False))
    totals = portfolio_totals([clients["shop_a"][1], clients["shop_b"][1], summary], as_of=dt.date(2026, 9, 30))
    reasons = {e["client"]: e["reason"] for e in totals["excluded"]}
    assert (
        reasons["gappy"] == "no data for part of the window (1 September 2026 – 30 September 2026): the data have a gap"
    )
