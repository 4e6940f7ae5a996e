"""kpi_helpers.data: reading sources, validation messages (file + column + rows), orders derivations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_helpers.data import check_data, combine_facts, inspect_source, load_facts, read_source
from kpi_helpers.exceptions import DataProblem, DataValidationError

DATA = Path(__file__).parent / "data"
PARAMS = Path(__file__).parent.parent / "params"

DUTCH = {
    "source": str(DATA / "orders_nl.csv"),
    "shape": "orders",
    "columns": {"date": "Datum", "order_id": "Ordernummer", "customer_id": "Klantnummer", "revenue": "Omzet",
                "quantity": "Aantal", "channel": "Kanaal", "coupon": "Kortingscode"},
    "date_format": "%d-%m-%Y",
    "separator": ";",
    "decimal": ",",
    "thousands": ".",
}  # fmt: skip


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(source, **kw) -> list[DataProblem]:
    return inspect_source(source, **kw)[1]


def only(problems: list[DataProblem], severity: str = "error") -> DataProblem:
    found = [p for p in problems if p.severity == severity]
    assert len(found) == 1, problems
    return found[0]


# ---------------------------------------------------------------- file level


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(DataValidationError) as info:
        read_source({"source": "nope.csv"}, base_dir=tmp_path)
    problem = info.value.problems[0]
    assert problem.file.endswith("nope.csv") and "not found" in problem.message
    assert "nope.csv" in str(info.value)


@pytest.mark.parametrize("text", ["", "date,sessions\n", "date,sessions\n\n\n"])
def test_empty_file(tmp_path, text):
    path = write(tmp_path, text)
    problem = only(problems_of(str(path)))
    assert problem.file == str(path)
    assert "empty" in problem.message or "no data rows" in problem.message


def test_unreadable_excel(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip file")
    problem = only(problems_of(str(path)))
    assert "cannot read" in problem.message and "broken.xlsx" in problem.file


def test_utf8_bom_and_blank_lines_keep_line_numbers(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffdate,sessions\n2025-01-01,5\n\n2025-01-02,x\n".encode("utf-8"))
    problem = only(problems_of(str(path)))
    assert problem.column == "sessions" and problem.rows == [4]


# ---------------------------------------------------------------- columns


def test_missing_required_column_lists_columns_and_suggests(tmp_path):
    path = write(tmp_path, "Datum,Ordernummer,Klantnummer,Omzet\n2025-01-01,1,A,10\n")
    problems = problems_of({"source": str(path), "shape": "orders",
                            "columns": {"date": "Datum", "order_id": "Ordernummer", "customer_id": "Klantnummer"}})
    problem = only(problems)
    assert problem.column == "revenue"
    assert "Datum, Ordernummer, Klantnummer, Omzet" in problem.message
    assert "revenue: Omzet" in problem.message


def test_mapped_column_not_in_file_suggests_close_name(tmp_path):
    path = write(tmp_path, "date,Sessies\n2025-01-01,3\n")
    problem = only(problems_of({"source": str(path), "columns": {"sessions": "Sesies"}}))
    assert problem.column == "Sesies" and "'Sessies'" in problem.message


def test_unknown_mapped_measure_names_the_field(tmp_path):
    path = write(tmp_path, "date,omzet\n2025-01-01,3\n")
    problem = only(problems_of({"source": str(path), "columns": {"revnue": "omzet"}}))
    assert problem.column == "columns.revnue" and "did you mean 'revenue'" in problem.message


def test_order_fields_only_in_orders_shape(tmp_path):
    path = write(tmp_path, "date,nr,revenue\n2025-01-01,1,3\n")
    problem = only(problems_of({"source": str(path), "columns": {"order_id": "nr"}}))
    assert problem.column == "columns.order_id" and "shape: orders" in problem.message


def test_no_measures_in_daily_file(tmp_path):
    path = write(tmp_path, "date,Bezoeken\n2025-01-01,3\n")
    problem = only(problems_of(str(path)))
    assert "no measure columns" in problem.message and "Bezoeken" in problem.message


# ---------------------------------------------------------------- dates


def test_unparsable_dates_suggest_format(tmp_path):
    path = write(tmp_path, "date,sessions\n2025-01-01,1\n31-01-2025,2\n01-02-2025,3\n")
    problem = only(problems_of(str(path)))
    assert problem.column == "date" and problem.rows == [3, 4]
    assert 'date_format: "%d-%m-%Y"' in problem.message and "'31-01-2025'" in problem.message


def test_declared_date_format_and_a_bad_value(tmp_path):
    path = write(tmp_path, "Dag,sessions\n31-01-2025,1\n2025-02-01,2\n32-01-2025,1\n")
    problem = only(problems_of({"source": str(path), "columns": {"date": "Dag"}, "date_format": "%d-%m-%Y"}))
    assert problem.column == "Dag" and problem.rows == [3, 4]
    assert "%d-%m-%Y" in problem.message


def test_empty_dates(tmp_path):
    path = write(tmp_path, "date,sessions\n2025-01-01,1\n,2\n")
    problem = only(problems_of(str(path)))
    assert problem.column == "date" and problem.rows == [3] and "empty" in problem.message


def test_timestamps_become_midnight_dates(tmp_path):
    path = write(tmp_path, "date,sessions\n2025-01-01T23:59:00,1\n2025-01-02 00:10,2\n")
    facts = read_source(str(path))
    assert list(facts["date"]) == [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-02")]
    assert facts["date"].dtype == "datetime64[ns]"


# ---------------------------------------------------------------- numbers


def test_dutch_numbers_without_decimal_suggest_decimal_comma(tmp_path):
    path = write(tmp_path, 'date,revenue\n2025-01-01,12.5\n2025-01-02,"1.234,5"\n2025-01-03,"7,25"\n')
    problem = only(problems_of(str(path)))
    assert problem.column == "revenue" and problem.rows == [3, 4]
    assert 'decimal: ","' in problem.message and "'1.234,5'" in problem.message


def test_text_in_measure(tmp_path):
    path = write(tmp_path, "date,orders\n2025-01-01,3\n2025-01-02,n/a\n")
    problem = only(problems_of(str(path)))
    assert problem.column == "orders" and problem.rows == [3] and "not numbers" in problem.message


def test_empty_measure_cells_are_errors(tmp_path):
    path = write(tmp_path, "date,orders,revenue\n2025-01-01,3,10\n2025-01-02,,11\n2025-01-03,2,\n")
    problems = problems_of(str(path))
    by_col = {p.column: p for p in problems}
    assert by_col["orders"].rows == [3] and by_col["revenue"].rows == [4]
    assert all(p.severity == "error" and "empty" in p.message for p in problems)


def test_negative_counts_error_negative_revenue_warns(tmp_path):
    path = write(tmp_path, "date,orders,revenue\n2025-01-01,3,10\n2025-01-02,-1,-5\n")
    problems = problems_of(str(path))
    error = only(problems, "error")
    warning = only(problems, "warning")
    assert error.column == "orders" and error.rows == [3]
    assert warning.column == "revenue" and warning.rows == [3]


def test_thousands_and_currency_signs(tmp_path):
    path = write(tmp_path, "Datum;Omzet\n01-01-2025;€ 1.234,50\n02-01-2025;7\n")
    facts = read_source({"source": str(path), "columns": {"date": "Datum", "revenue": "Omzet"},
                         "date_format": "%d-%m-%Y", "separator": ";", "decimal": ",", "thousands": "."})
    assert facts["revenue"].tolist() == [1234.5, 7.0]


# ---------------------------------------------------------------- daily shape rules


def test_duplicate_rows_for_same_date_and_dims(tmp_path):
    path = write(tmp_path, "date,channel,sessions\n2025-01-01,email,1\n2025-01-01,direct,2\n2025-01-01,Email,3\n")
    problem = only(problems_of(str(path)))
    assert problem.rows == [2, 4] and "channel=email" in problem.message


def test_gaps_are_warnings_not_errors(tmp_path):
    path = write(tmp_path, "date,sessions\n2025-01-01,1\n2025-01-02,1\n2025-01-05,1\n")
    facts = read_source(str(path))
    [warning] = facts.attrs["warnings"]
    assert warning.severity == "warning" and "2025-01-03..2025-01-04" in warning.message


def test_dates_outside_period_warn_and_are_left_out(tmp_path):
    path = write(tmp_path, "date,sessions\n2024-12-31,1\n2025-01-01,2\n2025-01-02,3\n2025-02-01,4\n")
    period = SimpleNamespace(start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31))
    facts = read_source(str(path), period=period)
    assert facts["sessions"].tolist() == [2.0, 3.0]
    [warning] = facts.attrs["warnings"]
    assert warning.column == "date" and warning.rows == [2, 5] and "period" in warning.message


def test_one_pass_reports_errors_and_later_checks_together(tmp_path):
    path = write(tmp_path, "Datum,revenue\n2025-01-01,5\n2025-01-03,x\n2025-01-03,3\nfoo,1\n")
    problems = problems_of({"source": str(path), "columns": {"date": "Datum"}},
                           period=(dt.date(2025, 1, 2), dt.date(2025, 12, 31)))
    found = {(p.column, p.severity, tuple(p.rows)) for p in problems}
    assert found == {("Datum", "error", (5,)), ("revenue", "error", (3,)), ("Datum", "warning", (2,)),
                     ("Datum", "error", (3, 4))}  # fmt: skip


def test_missing_dims_become_none_and_channels_normalised(tmp_path):
    path = write(tmp_path, "date,channel,campaign,sessions\n2025-01-01,Paid Search,,4\n")
    facts = read_source(str(path))
    assert facts.loc[0, "channel"] == "paid_search" and facts.loc[0, "campaign"] == "(none)"
    assert facts["channel"].dtype == "str" and facts["sessions"].dtype == "float64"


# ---------------------------------------------------------------- orders shape


def test_orders_shape_hand_computed():
    facts = read_source(DUTCH)
    assert facts.attrs["warnings"] == []
    # 'Product' is not mapped but carries one of our names, so it is used as is
    assert list(facts.columns) == ["date", "channel", "coupon", "product", "orders", "revenue", "customers",
                                   "new_customers", "returning_customers", "repeat_orders", "units_sold"]  # fmt: skip
    facts = facts.groupby(["date", "channel", "coupon"], as_index=False).sum(numeric_only=True)
    rows = {(r.date.strftime("%m-%d"), r.channel, r.coupon): r for r in facts.itertuples()}
    email_first = rows[("03-01", "email", "(none)")]  # order 1: two lines, A's first order
    assert (email_first.orders, email_first.revenue, email_first.units_sold) == (1, 15.5, 3)
    assert (email_first.customers, email_first.new_customers, email_first.repeat_orders) == (1, 1, 0)
    coupon = rows[("03-01", "email", "NB")]  # order 3: A again the same day -> repeat order, returning customer
    assert (coupon.orders, coupon.new_customers, coupon.returning_customers, coupon.repeat_orders) == (1, 0, 1, 1)
    repeat_b = rows[("03-02", "email", "(none)")]  # 'Email' normalised; B's second order
    assert (repeat_b.new_customers, repeat_b.returning_customers, repeat_b.repeat_orders, repeat_b.revenue) == (0, 1, 1, 7.25)
    assert rows[("03-02", "direct", "(none)")].revenue == 1234.5
    refund = rows[("03-03", "email", "(none)")]  # a negative order is a refund note, not an order
    assert (refund.orders, refund.revenue, refund.customers, refund.units_sold) == (0, -10.0, 0, 0)
    per_day = facts.groupby("date")[["orders", "revenue", "new_customers", "repeat_orders"]].sum()
    assert per_day.loc["2025-03-01"].tolist() == [3, 39.5, 2, 1]
    assert facts["new_customers"].sum() == 3  # A, B, C


def test_orders_product_is_the_largest_line():
    facts = read_source({**DUTCH, "columns": {**DUTCH["columns"], "product": "Product"}})
    first = facts[(facts["date"] == "2025-03-01") & (facts["channel"] == "email") & (facts["coupon"] == "(none)")]
    assert first["product"].tolist() == ["Brood"] and first["orders"].tolist() == [1.0]
    assert facts["orders"].sum() == 5  # additive over products


def test_orders_lines_disagreeing_on_customer(tmp_path):
    path = write(tmp_path, "date,order,customer,revenue\n2025-01-01,1,A,5\n2025-01-01,1,B,5\n")
    problem = only(problems_of({"source": str(path), "shape": "orders", "columns": {"order_id": "order", "customer_id": "customer"}}))
    assert problem.column == "customer" and problem.rows == [2, 3]  # their column name


def test_guest_orders_warn_and_count_once(tmp_path):
    path = write(tmp_path, "date,order_id,customer_id,revenue\n2025-01-01,1,,5\n2025-01-01,2,,6\n")
    facts, problems = inspect_source({"source": str(path), "shape": "orders"})
    warning = only(problems, "warning")
    assert warning.rows == [2, 3]
    assert facts["customers"].sum() == 2 and facts["new_customers"].sum() == 2


def test_dutch_csv_demo_file_needs_no_mapping():
    facts = read_source({"source": "demo:newsletter_orders"})
    assert {"channel", "coupon", "product", "orders", "revenue", "units_sold"} <= set(facts.columns)
    per_day = facts.groupby("date")["orders"].sum()
    assert per_day.between(12, 45).all()


# ---------------------------------------------------------------- Excel and Parquet


def test_excel_serial_dates_and_sheet(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Intro"
    ws = wb.create_sheet("Cijfers")
    ws.append(["Datum", "Omzet"])
    ws.append([45658, 10.5])  # 2025-01-01 as an Excel serial number
    ws.append([dt.datetime(2025, 1, 2), 3])
    ws.append(["2025-01-03", 4])
    ws.append(["gisteren", 4])
    path = tmp_path / "data.xlsx"
    wb.save(path)
    source = {"source": str(path), "sheet": "Cijfers", "columns": {"date": "Datum", "revenue": "Omzet"}}
    problem = only(problems_of(source))
    assert problem.rows == [5] and "Cijfers" in problem.file and problem.column == "Datum"
    ws.delete_rows(5)
    wb.save(path)
    facts = read_source(source)
    assert facts["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-01", "2025-01-02", "2025-01-03"]
    assert facts["revenue"].tolist() == [10.5, 3.0, 4.0]
    missing = only(problems_of({**source, "sheet": "Nope"}))
    assert "'Cijfers'" in missing.message and "'Intro'" in missing.message


def test_parquet(tmp_path):
    frame = pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-01-02"]), "channel": ["email", None],
                          "orders": [1, -2]})  # fmt: skip
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)
    problem = only(problems_of(str(path)))
    assert problem.rows == [2] and problem.column == "orders"  # parquet rows are 1-based record numbers
    frame["orders"] = [1, 2]
    frame.to_parquet(path)
    facts = read_source(str(path))
    assert facts["channel"].tolist() == ["email", "(none)"] and facts["orders"].tolist() == [1.0, 2.0]


# ---------------------------------------------------------------- several sources and params


def test_combine_keeps_unknown_measures_nan():
    a = pd.DataFrame({"date": pd.to_datetime(["2025-01-01"] * 2), "channel": ["email", "direct"], "orders": [1.0, 2.0]})
    b = pd.DataFrame({"date": pd.to_datetime(["2025-01-01"]), "channel": ["email"], "sessions": [10.0]})
    c = pd.DataFrame({"date": pd.to_datetime(["2025-01-01"]), "orders": [5.0]})
    facts = combine_facts([a, b, c]).set_index("channel")
    assert facts.loc["email", "orders"] == 1 and facts.loc["email", "sessions"] == 10
    assert np.isnan(facts.loc["direct", "sessions"])  # unknown, not 0
    assert facts.loc["(none)", "orders"] == 5 and facts["orders"].sum() == 8


def test_load_facts_collects_problems_of_every_source(tmp_path):
    bad1 = write(tmp_path, "date,orders\n2025-01-01,-1\n", "a.csv")
    bad2 = write(tmp_path, "date,sessions\nmorgen,1\n", "b.csv")
    config = SimpleNamespace(data=[{"source": "a.csv"}, {"source": "b.csv"}], period=None,
                             source_file=tmp_path / "client.yaml", base_dir=tmp_path)
    with pytest.raises(DataValidationError) as info:
        load_facts(config)
    files = {p.file for p in info.value.problems}
    assert files == {str(bad1), str(bad2)}
    assert len(check_data(config)) == 2


@pytest.mark.parametrize("name", ["webshop", "b2b", "newsletter"])
def test_demo_params_load(name):
    from kpi_helpers.params import load_params

    config = load_params(PARAMS / f"demo_{name}.yaml")
    assert [p for p in check_data(config) if p.severity == "error"] == []
    facts = load_facts(config)
    assert facts["date"].min() == pd.Timestamp("2024-01-01") and facts["date"].max() == pd.Timestamp("2026-09-30")
    assert facts["date"].dtype == "datetime64[ns]"
    measures = [c for c in facts.columns if c not in ("date", "channel", "campaign", "coupon", "product")]
    assert all(facts[m].dtype == "float64" for m in measures)
    assert {"revenue"} <= set(measures) or name == "newsletter"


def test_demo_group_alias():
    both = read_source({"source": "demo:newsletter"})
    assert {"orders", "emails_opened", "product"} <= set(both.columns)


# ---------------------------------------------------------------- property: totals are preserved

_rows_strategy = st.lists(
    st.tuples(st.integers(0, 20), st.sampled_from(["email", "direct", "social"]), st.integers(0, 10_000),
              st.decimals(min_value=-1000, max_value=100_000, places=2, allow_nan=False)),
    min_size=1, max_size=40, unique_by=lambda r: (r[0], r[1]),
)  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_rows_strategy, dutch=st.booleans())
def test_reading_preserves_totals(tmp_path, rows, dutch):
    sep, dec = (";", ",") if dutch else (",", ".")
    lines = [sep.join(["date", "channel", "sessions", "revenue"])]
    for day, channel, sessions, revenue in rows:
        date = (dt.date(2025, 1, 1) + dt.timedelta(days=day)).isoformat()
        lines.append(sep.join([date, channel, str(sessions), str(revenue).replace(".", dec)]))
    path = write(tmp_path, "\n".join(lines) + "\n", "prop.csv")
    facts = read_source({"source": str(path), "separator": sep, "decimal": dec})
    assert facts["sessions"].sum() == sum(r[2] for r in rows)
    assert facts["revenue"].sum() == pytest.approx(float(sum(r[3] for r in rows)), abs=1e-6)
    combined = combine_facts([facts, facts])
    assert combined["sessions"].sum() == 2 * facts["sessions"].sum()
    assert len(combined) == len(facts)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.tuples(st.integers(0, 5), st.integers(1, 8), st.sampled_from("ABCD"),
                                st.integers(1, 5000)), min_size=1, max_size=30))  # fmt: skip
def test_orders_totals(tmp_path, lines):
    # an order keeps one date and customer: derived from the order number
    text = ["date,order_id,customer_id,revenue"]
    for _, order, _, cents in lines:
        text.append(f"2025-01-0{1 + order % 5},{order},{'ABCD'[order % 4]},{cents / 100:.2f}")
    facts = read_source({"source": str(write(tmp_path, "\n".join(text) + "\n", "orders.csv")), "shape": "orders"})
    assert facts["revenue"].sum() == pytest.approx(sum(c for *_, c in lines) / 100)
    assert facts["orders"].sum() == len({o for _, o, _, _ in lines})
    assert facts["new_customers"].sum() == len({"ABCD"[o % 4] for _, o, _, _ in lines})
    assert (facts["new_customers"] + facts["returning_customers"] == facts["customers"]).all()
    assert facts["repeat_orders"].sum() == facts["orders"].sum() - facts["new_customers"].sum()


# ---------------------------------------------------------------- hostile inputs (regressions)


def test_mixed_utc_offsets_keep_each_wall_clock_date(tmp_path):
    path = write(tmp_path, "date,orders\n2025-01-01T23:30:00+02:00,3\n2025-01-02T10:00:00Z,4\n2025-01-03,5\n")
    facts = read_source(str(path))  # used to raise "Mixed timezones detected"
    assert facts["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-01", "2025-01-02", "2025-01-03"]
    assert facts["date"].dtype == "datetime64[ns]"


def test_out_of_range_csv_dates_are_unreadable_dates(tmp_path):
    path = write(tmp_path, "date,orders\n2025-01-01,3\n9999-12-31,4\n0001-01-01,1\n")
    problem = only(problems_of(str(path)))  # used to raise OutOfBoundsDatetime
    assert problem.column == "date" and problem.rows == [3, 4]
    assert "cannot be read" in problem.message and "'9999-12-31'" in problem.message and "2262-04-11" in problem.message


def test_excel_dates_out_of_range_or_before_1900_03_01_are_unreadable(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["date", "orders"])
    for value in [45658, 2958465, -3, 0.5, 60, dt.datetime(9999, 12, 31), 45659.75]:
        ws.append([value, 1])
    for value in (0.5, 30):  # date-formatted cells: read as a time, and as 1900-01-30
        ws.append([value, 1])
        ws.cell(row=ws.max_row, column=1).number_format = "yyyy-mm-dd"
    path = tmp_path / "dates.xlsx"
    wb.save(path)
    problem = only(problems_of(str(path)))
    assert problem.column == "date" and problem.rows == [3, 4, 5, 6, 7, 9, 10]
    assert "'2958465'" in problem.message and "1900-03-01" in problem.message
    ws.delete_rows(3, 5)
    ws.delete_rows(4, 3)
    wb.save(path)
    assert read_source(str(path))["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-01", "2025-01-02"]


def test_line_with_more_fields_than_the_header_names_the_line(tmp_path):
    first = write(tmp_path, "date,orders,revenue\n2025-01-01,3,30,99,98\n2025-01-02,4,40\n", "first.csv")
    problem = only(problems_of(str(first)))  # used to raise TypeError (first columns taken as the index)
    assert problem.rows == [2] and "line 2 has 5 fields, the header has 3" in problem.message
    later = write(tmp_path, "date,orders,revenue\n2025-01-01,3,30\n2025-01-02,4,40,1\n", "later.csv")
    problem = only(problems_of(str(later)))
    assert problem.rows == [3] and "line 3 has 4 fields, the header has 3" in problem.message
    trailing = write(tmp_path, "date,orders,revenue\n2025-01-01,3,30,\n2025-01-02,4,40,\n", "trailing.csv")
    assert read_source(str(trailing))["revenue"].tolist() == [30.0, 40.0]  # empty trailing fields lose nothing


def test_parquet_index_columns_are_data(tmp_path):
    frame = pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-01-02"]), "orders": [1.0, 2.0]})
    path = tmp_path / "indexed.parquet"
    frame.set_index("date").to_parquet(path)
    facts = read_source(str(path))
    assert facts["orders"].tolist() == [1.0, 2.0] and facts["date"].min() == pd.Timestamp("2025-01-01")


def test_absurdly_large_values_are_errors(tmp_path):
    path = write(tmp_path, "date,orders,revenue\n2025-01-01,3,1.5e308\n2025-01-02,4,1000000000000000\n2025-01-03,1,2e15\n")
    problem = only(problems_of(str(path)))  # two 1.5e308 would sum to inf
    assert problem.column == "revenue" and problem.rows == [2, 4] and "1e15" in problem.message


def test_period_without_any_row_is_an_error(tmp_path):
    path = write(tmp_path, "date,sessions\n2025-01-01,1\n2025-01-02,2\n")
    problem = only(problems_of(str(path), period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31))))
    assert problem.column == "date"
    assert ("no rows fall inside the reporting period 2026-01-01..2026-12-31; the data runs 2025-01-01..2025-01-02"
            in problem.message)
    with pytest.raises(DataValidationError):
        read_source(str(path), period=(dt.date(2026, 1, 1), None))


def test_thousands_separator_hints_and_no_silent_thousandfold_error(tmp_path):
    path = write(tmp_path, "date;revenue\n2025-01-01;1.234,56\n2025-01-02;1.234\n2025-01-03;7,5\n")
    problem = only(problems_of({"source": str(path), "decimal": ","}))
    assert problem.rows == [2, 3] and 'thousands: "."' in problem.message  # 1.234 is not read as 1.234
    facts = read_source({"source": str(path), "decimal": ",", "thousands": "."})
    assert facts["revenue"].tolist() == [1234.56, 1234.0, 7.5]
    english = write(tmp_path, 'date,revenue\n2025-01-01,"1,234.56"\n', "en.csv")
    assert 'thousands: ","' in only(problems_of(str(english))).message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_file_says_so(tmp_path, encoding):
    path = tmp_path / "data.csv"
    path.write_bytes("date,orders\n2025-01-01,3\n".encode(encoding))
    problems = [p for p in problems_of(str(path)) if p.severity == "error"]
    assert "UTF-16" in problems[0].message and "CSV UTF-8" in problems[0].message
    assert not any("Windows-1252" in p.message for p in problems_of(str(path)))
