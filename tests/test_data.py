"""kpi_helpers.data.load: column mapping, validation messages (file + column + rows), shapes, combining sources.

Reading files and parsing dates and numbers: test_readers.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_helpers.compute.engine import compute_kpis
from kpi_helpers.data.load import check_data, combine_facts, inspect_source, load_facts, read_source
from kpi_helpers.exceptions import DataValidationError
from kpi_helpers.run.workspace import demo_params_dir
from kpi_helpers.spec.catalog import Kpi

DATA = Path(__file__).parent / "data"
PARAMS = demo_params_dir()  # the bundled demo clients, never the user's params/

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


from conftest import only, problems_of  # noqa: E402
from conftest import write_text as write  # noqa: E402

# ---------------------------------------------------------------- columns


def test_missing_required_column_lists_columns_and_suggests(tmp_path):
    path = write(tmp_path, "Datum,Ordernummer,Klantnummer,Omzet\n2025-01-01,1,A,10\n")
    problems = problems_of(
        {
            "source": str(path),
            "shape": "orders",
            "columns": {"date": "Datum", "order_id": "Ordernummer", "customer_id": "Klantnummer"},
        }
    )
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


# ---------------------------------------------------------------- measure values


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


def test_period_keeps_history_and_leaves_out_rows_after_its_end(tmp_path):
    path = write(tmp_path, "date,sessions\n2024-12-31,1\n2025-01-01,2\n2025-01-02,3\n2025-02-01,4\n")
    period = SimpleNamespace(start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31))
    facts = read_source(str(path), period=period)
    assert facts["sessions"].tolist() == [1.0, 2.0, 3.0]  # history before the period is kept (last year, first orders)
    [warning] = [w for w in facts.attrs["warnings"] if "period" in w.message]
    assert warning.column == "date" and warning.rows == [5]


def test_one_pass_reports_errors_and_later_checks_together(tmp_path):
    path = write(tmp_path, "Datum,revenue\n2025-01-01,5\n2025-01-03,x\n2025-01-03,3\nfoo,1\n")
    problems = problems_of(
        {"source": str(path), "columns": {"date": "Datum"}}, period=(dt.date(2025, 1, 2), dt.date(2025, 12, 31))
    )
    found = {(p.column, p.severity, tuple(p.rows)) for p in problems}
    assert found == {("Datum", "error", (5,)), ("revenue", "error", (3,)), ("Datum", "error", (3, 4))}


def test_missing_dims_become_none_and_channels_normalised(tmp_path):
    path = write(tmp_path, "date,channel,campaign,sessions\n2025-01-01,Paid Search,,4\n")
    facts = read_source(str(path))
    assert facts.loc[0, "channel"] == "paid_search" and facts.loc[0, "campaign"] == "(none)"
    assert facts["channel"].dtype == "str" and facts["sessions"].dtype == "float64"


# ---------------------------------------------------------------- orders shape


def measure_kpi(m):
    return Kpi(
        id=m,
        labels={"en": m, "nl": m},
        descriptions={},
        domain="sales",
        kind="performance",
        type="sum",
        numerator=((m, 1),),
    )


def _day_table(facts, by=("channel", "coupon"), grain="day"):
    kpis = [
        measure_kpi(m)
        for m in (
            "orders",
            "revenue",
            "customers",
            "new_customers",
            "returning_customers",
            "repeat_orders",
            "units_sold",
        )
    ]
    table = compute_kpis(facts, kpis, grain=grain, by=list(by))
    wide = table.pivot_table(index=["period", *by], columns="kpi", values="value")
    wide.index = pd.MultiIndex.from_arrays([wide.index.get_level_values(i) for i in range(wide.index.nlevels)])
    return {(r[0].strftime("%m-%d"), *r[1:]): row for r, row in wide.iterrows()}


def test_orders_shape_hand_computed():
    facts = read_source(DUTCH)
    assert facts.attrs["warnings"] == []
    # 'Product' is not mapped but carries one of our names, so it is used as is
    assert list(facts.columns) == ["date", "channel", "coupon", "product", "orders", "revenue", "customers",
                                   "new_customers", "returning_customers", "repeat_orders", "units_sold"]  # fmt: skip
    rows = _day_table(facts)
    email_first = rows[("03-01", "email", "(none)")]  # order 1: two lines, A's first order
    assert (email_first.orders, email_first.revenue, email_first.units_sold) == (1, 15.5, 3)
    assert (email_first.customers, email_first.new_customers, email_first.repeat_orders) == (1, 1, 0)
    coupon = rows[("03-01", "email", "NB")]  # order 3: A again the same day -> repeat order, returning customer
    assert (coupon.orders, coupon.new_customers, coupon.returning_customers, coupon.repeat_orders) == (1, 0, 1, 1)
    repeat_b = rows[("03-02", "email", "(none)")]  # 'Email' normalised; B's second order
    assert (repeat_b.new_customers, repeat_b.returning_customers, repeat_b.repeat_orders, repeat_b.revenue) == (
        0,
        1,
        1,
        7.25,
    )
    assert rows[("03-02", "direct", "(none)")].revenue == 1234.5
    refund = rows[("03-03", "email", "(none)")]  # a negative order is a refund note, not an order
    assert (refund.orders, refund.revenue, refund.customers, refund.units_sold) == (0, -10.0, 0, 0)
    per_day = {k[0]: v for k, v in _day_table(facts, by=()).items()}
    day1 = per_day["03-01"]
    assert [day1.orders, day1.revenue, day1.new_customers, day1.repeat_orders, day1.customers] == [3, 39.5, 2, 1, 2]
    whole = compute_kpis(facts, ["customers", "new_customers", "orders"], grain=None).set_index("kpi")["value"]
    assert whole.to_dict() == {"customers": 3, "new_customers": 3, "orders": 5}  # A, B, C; never customer-days (5)


def test_orders_product_revenue_from_its_own_lines():
    facts = read_source({**DUTCH, "columns": {**DUTCH["columns"], "product": "Product"}})
    by_product = compute_kpis(facts, ["revenue", "orders"], grain=None, by="product")
    revenue = by_product[by_product["kpi"] == "revenue"].set_index("product")["value"]
    assert revenue.to_dict() == {"Bollen": 5.5 + 7.25, "Brood": 10 + 4 - 10, "Taart": 20 + 1234.5}
    orders = by_product[by_product["kpi"] == "orders"].set_index("product")["value"]
    assert orders.to_dict() == {"Bollen": 2, "Brood": 2, "Taart": 2}  # orders containing the product
    # mapping a product column never changes an order- or customer-level number
    plain = read_source(DUTCH)
    kpis = ["orders", "customers", "new_customers", measure_kpi("repeat_orders"), "revenue", "average_order_value"]
    for grain in ("day", "month", None):
        a = compute_kpis(facts, kpis, grain=grain, by="channel")
        b = compute_kpis(plain, kpis, grain=grain, by="channel")
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_like=True)


def test_orders_lines_disagreeing_on_customer(tmp_path):
    path = write(tmp_path, "date,order,customer,revenue\n2025-01-01,1,A,5\n2025-01-01,1,B,5\n")
    problem = only(
        problems_of(
            {"source": str(path), "shape": "orders", "columns": {"order_id": "order", "customer_id": "customer"}}
        )
    )
    assert problem.column == "customer" and problem.rows == [2, 3]  # their column name


def test_guest_orders_warn_and_count_once(tmp_path):
    path = write(tmp_path, "date,order_id,customer_id,revenue\n2025-01-01,1,,5\n2025-01-01,2,,6\n")
    facts, problems = inspect_source({"source": str(path), "shape": "orders"})
    warning = only(problems, "warning")
    assert warning.rows == [2, 3]
    whole = compute_kpis(facts, ["customers", "new_customers"], grain=None).set_index("kpi")["value"]
    assert whole["customers"] == 2 and whole["new_customers"] == 2


def test_dutch_csv_demo_file_needs_no_mapping():
    facts = read_source({"source": "demo:newsletter_orders"})
    assert {"channel", "coupon", "product", "orders", "revenue", "units_sold"} <= set(facts.columns)
    per_day = compute_kpis(facts, ["orders"], grain="day")["value"]
    assert per_day.between(12, 45).all()


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
    config = SimpleNamespace(
        data=[{"source": "a.csv"}, {"source": "b.csv"}],
        period=None,
        source_file=tmp_path / "client.yaml",
        base_dir=tmp_path,
    )
    with pytest.raises(DataValidationError) as info:
        load_facts(config)
    files = {p.file for p in info.value.problems}
    assert files == {str(bad1), str(bad2)}
    assert len(check_data(config)) == 2


@pytest.mark.parametrize("name", ["webshop", "b2b", "newsletter"])
def test_demo_params_load(name):
    from kpi_helpers.spec.params import load_params

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


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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


def test_absurdly_large_values_are_errors(tmp_path):
    path = write(
        tmp_path, "date,orders,revenue\n2025-01-01,3,1.5e308\n2025-01-02,4,1000000000000000\n2025-01-03,1,2e15\n"
    )
    problem = only(problems_of(str(path)))  # two 1.5e308 would sum to inf
    assert problem.column == "revenue" and problem.rows == [2, 4] and "1e15" in problem.message


def test_period_without_any_row_is_an_error(tmp_path):
    path = write(tmp_path, "date,sessions\n2025-01-01,1\n2025-01-02,2\n")
    problem = only(problems_of(str(path), period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31))))
    assert problem.column == "date"
    assert (
        "no rows fall inside the reporting period 2026-01-01..2026-12-31; the data runs 2025-01-01..2025-01-02"
        in problem.message
    )
    with pytest.raises(DataValidationError):
        read_source(str(path), period=(dt.date(2026, 1, 1), None))


def test_a_read_that_hangs_is_given_up_for_that_source_only(tmp_path, monkeypatch):
    """Issue 16: time-bounded reads. A source whose read never returns (a stalled network drive)
    becomes that source's error after `limits.read_seconds`; the other source is still read."""
    import threading

    import kpi_helpers.data.load as data
    from kpi_helpers.spec.agency import Limits

    release = threading.Event()
    real = data.inspect_source

    def inspect(source, base_dir=None, period=None):
        if "stalled" in str(source):
            release.wait(60)  # hangs until the test ends
        return real(source, base_dir, period)

    monkeypatch.setattr(data, "inspect_source", inspect)
    monkeypatch.setattr(data, "_confinement", lambda config: (None, Limits(read_seconds=1)))
    good = write(tmp_path, "date,sessions\n2025-01-01,3\n", "good.csv")
    config = SimpleNamespace(
        data=[{"source": str(tmp_path / "stalled.csv")}, {"source": str(good)}],
        period=None,
        source_file=tmp_path / "c.yaml",
    )
    try:
        problems = check_data(config)
    finally:
        release.set()
    [hung] = [p for p in problems if "took longer" in p.message]
    assert "stalled.csv" in hung.file and "read_seconds" in hung.message
    assert not [p for p in problems if p.severity == "error" and "good.csv" in p.file]
