"""General export capabilities (kpi_helpers.data.shaping + readers): title/comment/footer lines, line items,
price x quantity, statuses, gross/net, one line = one order, events, several files, row counts."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import write_text

from kpi_helpers.data.load import inspect_source, read_source
from kpi_helpers.exceptions import DataProblem


def _errors(problems):
    return [p for p in problems if p.severity == "error"]


def totals(facts, kpis, grain=None):
    """KPI values through the engine (order and customer counts are not sums of fact rows)."""
    from kpi_helpers.compute.engine import compute_kpis

    table = compute_kpis(facts, kpis, grain=grain)
    return (
        table.set_index("kpi")["value"] if grain is None else table.pivot(index="period", columns="kpi", values="value")
    )


ADS = """Campaign report
"February 1, 2025 - February 2, 2025"
Day,Campaign,Cost,Clicks
2025-02-01,Brand,"1,200.50",10
2025-02-01,Generic,3.00,2
2025-02-02,Brand,4.25,x
Total: Account,--,"1,207.75",12
Total: Search,--,"1,207.75",12
"""


def test_title_lines_are_named_not_the_separator(tmp_path):
    write_text(tmp_path, ADS, "ads.csv")
    _, problems = inspect_source(
        {
            "source": "ads.csv",
            "columns": {"date": "Day", "campaign": "Campaign", "ad_spend": "Cost", "ad_clicks": "Clicks"},
        },
        tmp_path,
    )
    [error] = _errors(problems)
    assert "skip_rows: 2" in error.message and "separator ',' is right" in error.message
    assert "check `separator`" not in error.message
    assert error.rows == [1, 2]


def test_skip_rows_and_footer_rows_keep_line_numbers(tmp_path):
    write_text(tmp_path, ADS, "ads.csv")
    source = {
        "source": "ads.csv",
        "skip_rows": 2,
        "footer": ["Total:"],
        "thousands": ",",
        "columns": {"date": "Day", "campaign": "Campaign", "ad_spend": "Cost", "ad_clicks": "Clicks"},
    }
    _, problems = inspect_source(source, tmp_path)
    [error] = _errors(problems)
    assert error.column == "Clicks" and error.rows == [6], "line 6 of the file holds the 'x'"
    write_text(tmp_path, ADS.replace(",x\n", ",1\n"), "ads.csv")
    facts = read_source(source, tmp_path)
    assert facts["ad_spend"].sum() == pytest.approx(1200.50 + 3.00 + 4.25)
    assert facts["ad_clicks"].sum() == 13 and len(facts) == 3


def test_comment_lines_anywhere_are_skipped(tmp_path):
    text = "# Report\n# Start date: 20250101\n\nDate,Sessions\n20250101,5\n# a note\n20250102,7\n"
    write_text(tmp_path, text, "ga.csv")
    facts = read_source({"source": "ga.csv", "comment": "#", "date_format": "%Y%m%d"}, tmp_path)
    assert facts["sessions"].tolist() == [5.0, 7.0]
    write_text(tmp_path, text.replace("20250102,7", "20250102,-7"), "ga.csv")
    _, problems = inspect_source({"source": "ga.csv", "comment": "#", "date_format": "%Y%m%d"}, tmp_path)
    assert _errors(problems)[0].rows == [7]
    _, problems = inspect_source({"source": "ga.csv", "date_format": "%Y%m%d"}, tmp_path)
    assert 'comment: "#"' in _errors(problems)[0].message


LINES = """Order,Email,Date,Status,Total,Refunded,Tax,Shipping,Coupon,Item,Qty,Price,Cancelled
#1,a@x,2025-03-01,paid,110.00,0,10.00,5.00,SPRING,Mug,2,20.00,
#1,a@x,,,,,,,,Tee,1,55.00,
#2,b@x,2025-03-01,partially_refunded,60.00,20.00,5.00,5.00,,Mug,1,20.00,
#2,b@x,,,,,,,,Cap,2,15.00,
#3,c@x,2025-03-02,voided,40.00,0,0,0,,Mug,2,20.00,
#4,a@x,2025-03-02,paid,30.00,0,0,0,,Cap,2,15.00,2025-03-03
#5,d@x,2025-03-02,paid,25.00,0,2.00,3.00,,Tee,1,20.00,
"""
SHOP = {
    "source": "lines.csv",
    "shape": "orders",
    "line_items": True,
    "exclude_status": ["voided"],
    "columns": {
        "order_id": "Order",
        "customer_id": "Email",
        "date": "Date",
        "status": "Status",
        "revenue": "Total",
        "refunded": "Refunded",
        "tax": "Tax",
        "shipping": "Shipping",
        "coupon": "Coupon",
        "product": "Item",
        "quantity": "Qty",
        "price": "Price",
        "cancelled": "Cancelled",
    },
}


def test_line_items_status_refunds_and_gross_or_net(tmp_path):
    write_text(tmp_path, LINES, "lines.csv")
    facts = read_source(SHOP, tmp_path)
    # independent reference: first row of each order, voided (#3) and cancelled (#4) left out
    raw = pd.read_csv(tmp_path / "lines.csv", dtype=str).groupby("Order").first()
    raw = raw[(raw["Status"] != "voided") & raw["Cancelled"].isna()]
    gross = raw["Total"].astype(float) - raw["Refunded"].astype(float)
    total = raw["Total"].astype(float)
    net = gross * (total - raw["Tax"].astype(float) - raw["Shipping"].astype(float)) / total
    assert facts["revenue"].sum() == pytest.approx(gross.sum()) == pytest.approx(110 + 40 + 25)
    assert totals(facts, ["orders", "customers"]).tolist() == [3.0, 3.0]
    assert facts["units_sold"].sum() == 2 + 1 + 1 + 2 + 1
    by_day = facts.groupby("date")["revenue"].sum()
    assert by_day[pd.Timestamp("2025-03-01")] == pytest.approx(150.0)
    assert set(facts["coupon"]) == {"SPRING", "(none)"}
    facts_net = read_source({**SHOP, "revenue_basis": "net"}, tmp_path)
    assert facts_net["revenue"].sum() == pytest.approx(net.sum()) == pytest.approx(95 + 40 * 50 / 60 + 20)


def test_an_order_total_spreads_over_its_lines_by_price_times_quantity(tmp_path):
    from kpi_helpers.data.readers import ProblemCollector, read_raw, source_spec
    from kpi_helpers.data.shaping import normalise, split_roles

    write_text(tmp_path, LINES, "lines.csv")
    spec, extras = split_roles(source_spec({**SHOP, "source": str(tmp_path / "lines.csv")}))
    out = ProblemCollector("lines.csv")
    raw, lines = read_raw(tmp_path / "lines.csv", spec, out)
    raw, lines, columns = normalise(raw, lines, spec, extras, out)
    shares = raw.set_index(["Order", "Item"])[columns["revenue"]]
    assert shares[("#1", "Mug")] == pytest.approx(110 * 40 / 95) and shares[("#1", "Tee")] == pytest.approx(
        110 * 55 / 95
    )
    assert shares[("#2", "Cap")] == pytest.approx(40 * 30 / 50)


def test_order_totals_on_first_rows_point_at_line_items(tmp_path):
    write_text(tmp_path, LINES, "lines.csv")
    source = {
        "source": "lines.csv",
        "shape": "orders",
        "columns": {"order_id": "Order", "customer_id": "Email", "date": "Date", "revenue": "Total"},
    }
    _, problems = inspect_source(source, tmp_path)
    [error] = _errors(problems)
    assert "line_items: true" in error.message and error.rows == [3, 5]


def test_price_times_quantity_and_one_line_per_order(tmp_path):
    write_text(
        tmp_path,
        "Datum;Klant;Aantal;Prijs\n01-03-2025;k1;2;2,50\n01-03-2025;k1;1;4,00\n02-03-2025;k2;3;1,00\n",
        "pos.csv",
    )
    source = {
        "source": "pos.csv",
        "shape": "orders",
        "one_line_per_order": True,
        "decimal": ",",
        "date_format": "%d-%m-%Y",
        "columns": {"date": "Datum", "customer_id": "Klant", "quantity": "Aantal", "price": "Prijs"},
    }
    facts = read_source(source, tmp_path)
    daily = totals(facts, ["orders", "revenue", "customers"], grain="day")
    assert daily["orders"].tolist() == [2.0, 1.0] and daily["customers"].tolist() == [1.0, 1.0]
    assert daily["revenue"].tolist() == [pytest.approx(9.0), pytest.approx(3.0)]
    _, problems = inspect_source({**source, "one_line_per_order": None}, tmp_path)
    assert any("order_id" in (p.column or "") for p in _errors(problems))


def test_events_are_counted_per_day_and_dimension(tmp_path):
    rows = ["date,channel,value"] + [f"2025-01-0{1 + i % 2},{'ads' if i % 3 else 'mail'},{i}" for i in range(12)]
    write_text(tmp_path, "\n".join(rows) + "\n", "bookings.csv")
    facts = read_source(
        {"source": "bookings.csv", "shape": "events", "count_as": "leads", "columns": {"quote_value": "value"}},
        tmp_path,
    )
    ref = pd.read_csv(tmp_path / "bookings.csv", parse_dates=["date"]).groupby(["date", "channel"])
    assert facts.set_index(["date", "channel"])["leads"].to_dict() == ref.size().astype(float).to_dict()
    assert facts.set_index(["date", "channel"])["quote_value"].to_dict() == ref["value"].sum().astype(float).to_dict()
    _, problems = inspect_source({"source": "bookings.csv", "shape": "events"}, tmp_path)
    assert any(p.column == "count_as" for p in _errors(problems))


def test_monthly_files_count_an_overlapping_order_once_later_file_wins(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "orders-2025-01.csv").write_text(
        "date,order_id,customer_id,revenue\n2025-01-30,A,c1,10\n2025-01-31,B,c2,20\n"
    )
    (folder / "orders-2025-02.csv").write_text(
        "date,order_id,customer_id,revenue\n2025-01-31,B,c2,25\n2025-02-01,C,c1,5\n"
    )
    facts = read_source({"source": "exports/orders-*.csv", "shape": "orders"}, tmp_path)
    assert totals(facts, ["orders", "revenue"]).tolist() == [3.0, pytest.approx(10 + 25 + 5)]
    (folder / "orders-2025-02.csv").write_text("date,order_id,customer_id,revenue\n2025-02-01,C,c1,x\n")
    _, problems = inspect_source({"source": "exports/orders-*.csv", "shape": "orders"}, tmp_path)
    [error] = _errors(problems)
    assert error.file.endswith("orders-2025-02.csv") and error.rows == [2]
    _, problems = inspect_source({"source": "exports/none-*.csv", "shape": "orders"}, tmp_path)
    assert "no files match" in _errors(problems)[0].message


def test_monthly_daily_files_later_file_wins_per_date(tmp_path):
    (tmp_path / "s-1.csv").write_text("date,sessions\n2025-01-01,1\n2025-01-02,2\n")
    (tmp_path / "s-2.csv").write_text("date,sessions\n2025-01-02,3\n2025-01-03,4\n")
    facts = read_source({"source": "s-*.csv"}, tmp_path)
    assert facts["sessions"].tolist() == [1.0, 3.0, 4.0]


def test_row_counts_say_how_many_more():
    problem = DataProblem("f.csv", "revenue", "empty", list(range(2, 12)), total_rows=2094)
    assert str(problem).endswith("(rows 2, 3, 4, 5, 6 (+2,089 more))")


def test_row_counts_are_right_through_the_checks(tmp_path):
    rows = ["date,sessions"] + [f"2025-01-{1 + i % 28:02d}," for i in range(30)]
    write_text(tmp_path, "\n".join(rows) + "\n", "s.csv")
    _, problems = inspect_source({"source": "s.csv"}, tmp_path)
    [error] = [p for p in _errors(problems) if "empty values" in p.message]
    assert error.total_rows == 30 and "(+25 more)" in str(error)


def test_a_source_limited_to_some_measures(tmp_path):
    write_text(tmp_path, "date,sessions,revenue\n2025-01-01,3,10\n", "ga.csv")
    facts = read_source({"source": "ga.csv", "measures": ["sessions"]}, tmp_path)
    assert "revenue" not in facts and facts["sessions"].sum() == 3
    _, problems = inspect_source({"source": "ga.csv", "measures": ["orders"]}, tmp_path)
    assert "gives: sessions, revenue" in _errors(problems)[0].message


@pytest.mark.parametrize(
    "extra, field, words",
    [
        ({"revenue_basis": "net"}, "revenue_basis", "columns.tax"),
        ({"include_status": ["paid"]}, "include_status", "columns: {status"),
        ({"line_items": True, "one_line_per_order": True}, "one_line_per_order", "leave out `columns.order_id`"),
        ({"shape": "daily", "line_items": True}, "line_items", "only for `shape: orders`"),
        ({"shape": "events", "count_as": "sesions"}, "count_as", "did you mean 'sessions'"),
        ({"count_as": "sessions"}, "count_as", "only for `shape: events`"),
        ({"preset": "shopfy_orders"}, "preset", "did you mean 'shopify_orders'"),
    ],
)
def test_options_that_do_not_fit_name_their_field(tmp_path, extra, field, words):
    write_text(tmp_path, LINES, "lines.csv")
    source = {
        "source": "lines.csv",
        "shape": "orders",
        "columns": {"order_id": "Order", "customer_id": "Email", "date": "Date", "revenue": "Total"},
        **extra,
    }
    _, problems = inspect_source(source, tmp_path)
    assert any(p.column == field and words in p.message for p in _errors(problems)), problems


def test_params_check_the_new_fields():
    from kpi_helpers.exceptions import ParamsError
    from kpi_helpers.spec.params import parse_params

    base = {"client": "x", "name": "X"}
    ok = parse_params(
        {**base, "data": {"source": "a.csv", "skip_rows": "auto", "shape": "events", "count_as": "leads"}}
    )
    assert ok.data[0].skip_rows == "auto"
    with pytest.raises(ParamsError) as error:
        parse_params({**base, "data": {"source": "a.csv", "skip_rows": -1, "revenue_basis": "netto", "footr": ["x"]}})
    text = str(error.value)
    assert "data[0].skip_rows" in text and "data[0].revenue_basis" in text and "data[0].footr" in text
