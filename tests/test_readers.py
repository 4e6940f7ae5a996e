"""kpi_helpers.data.readers: reading CSV/Excel/Parquet files (encodings, separators, sheets), parsing dates and
numbers, and the line numbers in their messages. Exercised through the public `kpi_helpers.data.load` entry points."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import only, problems_of  # noqa: E402
from conftest import write_text as write  # noqa: E402

from kpi_helpers.data.load import read_source
from kpi_helpers.exceptions import DataValidationError


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


def test_dutch_numbers_without_decimal_suggest_decimal_comma(tmp_path):
    path = write(tmp_path, 'date,revenue\n2025-01-01,12.5\n2025-01-02,"1.234,5"\n2025-01-03,"7,25"\n')
    problem = only(problems_of(str(path)))
    assert problem.column == "revenue" and problem.rows == [3, 4]
    assert 'decimal: ","' in problem.message and "'1.234,5'" in problem.message


def test_text_in_measure(tmp_path):
    path = write(tmp_path, "date,orders\n2025-01-01,3\n2025-01-02,n/a\n")
    problem = only(problems_of(str(path)))
    assert problem.column == "orders" and problem.rows == [3] and "not numbers" in problem.message


def test_thousands_and_currency_signs(tmp_path):
    path = write(tmp_path, "Datum;Omzet\n01-01-2025;€ 1.234,50\n02-01-2025;7\n")
    facts = read_source(
        {
            "source": str(path),
            "columns": {"date": "Datum", "revenue": "Omzet"},
            "date_format": "%d-%m-%Y",
            "separator": ";",
            "decimal": ",",
            "thousands": ".",
        }
    )
    assert facts["revenue"].tolist() == [1234.5, 7.0]


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


MESSY_NUMBERS = ["12", "-3", "+5", ".5", "1.234", "1,5", "1.234,56", "1,234.56", "€ 12,50", "$3", "£4 ", "  7 ",
                 "\u00a05", "1 234", "1e3", "abc", "", "nan", "None", "12.", "1.2.3", "inf"]  # fmt: skip


@pytest.mark.parametrize(("decimal", "thousands"), [(".", None), (",", None), (",", "."), (".", ","), (",", " ")])
def test_text_columns_parse_like_mixed_columns(decimal, thousands):
    """A read CSV column (pandas' text dtype) takes a fast path; it must read every value as the general
    path does (object columns, as Excel gives), including currency signs, spaces and separators."""
    from kpi_helpers.data.readers import SourceSpec, parse_numbers

    spec = SourceSpec(source="x.csv", decimal=decimal, thousands=thousands)
    values = [*MESSY_NUMBERS, None]
    as_text = parse_numbers(pd.Series(values, dtype="str"), spec)
    as_objects = parse_numbers(pd.Series(values, dtype=object), spec)
    pd.testing.assert_series_equal(as_text, as_objects)
    plain = parse_numbers(pd.Series(["12", "3", ""], dtype="str"), spec)  # digits only: no replace needed
    assert plain.tolist()[:2] == [12.0, 3.0] and pd.isna(plain.iloc[2])
    if decimal == "," and thousands == ".":
        assert as_text[values.index("€ 12,50")] == 12.5 and as_text[values.index("1.234,56")] == 1234.56
        assert as_text[values.index("\u00a05")] == 5.0
