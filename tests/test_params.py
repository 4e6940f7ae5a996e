"""Params files: valid shapes load; every bad input names the file and the field."""

import textwrap
from pathlib import Path

import pytest
from conftest import DEMO_PARAMS

from kpi_helpers.exceptions import ParamsError
from kpi_helpers.spec.params import find_params_files, load_params

VALID = """\
client: bakkerij-jansen
name: Bakkerij Jansen
language: nl
currency: EUR
data:
  source: data/jansen_orders.csv
  shape: orders
  columns: {date: Datum, order_id: Ordernummer, customer_id: Klantnummer, revenue: Omzet}
  date_format: "%d-%m-%Y"
  separator: ";"
  decimal: ","
kpis: [orders, average_order_value, new_customers, repeat_purchase_rate]
pairs: [[orders, average_order_value]]
goals:
  - statement: 10 % meer omzet in Q1 via hogere orderwaarde en meer klanten
    kpi: revenue
    baseline: 120000
    target: 132000
    start: 2026-01-01
    deadline: 2026-03-31
    owner: Marketing (Sanne)
"""


def write(tmp_path: Path, text: str, name: str | None = None) -> Path:
    """The params file, named after its `client:` (the client id is the file name)."""
    import re

    found = re.search(r"^client: ([a-z0-9][a-z0-9_-]*)\s*$", textwrap.dedent(text), re.M)
    path = tmp_path / (name or f"{found.group(1) if found else 'client'}.yaml")
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def errors_of(path: Path) -> str:
    with pytest.raises(ParamsError) as info:
        load_params(path)
    message = str(info.value)
    assert str(path) in message, "every error names the file"
    return message


def test_the_plain_shape_from_the_issue_loads(tmp_path):
    config = load_params(write(tmp_path, VALID))
    assert config.client == "bakkerij-jansen"
    assert config.language == "nl"
    assert config.data[0].shape == "orders"
    assert config.data[0].columns["revenue"] == "Omzet"
    # relative to the client's own data folder: data/<id>/ next to the params folder
    assert config.base_dir == tmp_path.parent / "data" / "bakkerij-jansen"
    assert (
        config.data[0].resolve(config.base_dir)
        == tmp_path.parent / "data" / "bakkerij-jansen" / "data" / "jansen_orders.csv"
    )
    assert config.goals[0].owner == "Marketing (Sanne)"
    assert config.all_kpis[:2] == ["orders", "average_order_value"]
    assert "revenue" in config.all_kpis


def test_bundled_demo_params_all_load():
    files = find_params_files(DEMO_PARAMS)
    assert len(files) >= 3
    clients = {load_params(f).client for f in files}
    assert {"demo_webshop", "demo_b2b", "demo_newsletter"} <= {c.replace("-", "_") for c in clients}


def test_invalid_date_names_field_and_format(tmp_path):
    path = write(tmp_path, VALID.replace("deadline: 2026-03-31", "deadline: '2025-13-01'"))
    assert "goals[0].deadline: '2025-13-01' is not a date (YYYY-MM-DD)" in errors_of(path)


@pytest.mark.parametrize(
    "change, expected",
    [
        (("kpi: revenue", "kpi: omzet"), "goals[0].kpi: unknown KPI 'omzet'"),
        (("kpis: [orders,", "kpis: [order,"), "kpis[0]: unknown KPI 'order' (did you mean 'orders'?)"),
        (("    owner: Marketing (Sanne)\n", ""), "goals[0].owner: every goal needs an owner"),
        (("deadline: 2026-03-31", "deadline: 2025-12-01"), "goals[0].deadline: 2025-12-01 is not after start"),
        (("target: 132000", "target: -5"), "goals[0].target: -5.0 is negative"),
        (("target: 132000", "target: veel"), "goals[0].target: 'veel' is not a number"),
        (("language: nl", "language: de"), "language: 'de' is not allowed"),
        (("client: bakkerij-jansen", "client: ../evil"), "client: '../evil' is not a valid client id"),
        (("client: bakkerij-jansen", "client: Bakkerij Jansen"), "is not a valid client id"),
        (("currency: EUR", "currency: euro"), "currency"),
        (("shape: orders", "shape: lines"), "data[0].shape: 'lines' is not allowed"),
        (("kpis:", "kpi_list:"), "kpi_list: is not a known field"),
    ],
)
def test_bad_fields_are_named(tmp_path, change, expected):
    old, new = change
    assert old in VALID
    assert expected in errors_of(write(tmp_path, VALID.replace(old, new, 1)))


def test_every_problem_is_reported_at_once(tmp_path):
    text = VALID.replace("language: nl", "language: de").replace("kpi: revenue", "kpi: omzet")
    message = errors_of(write(tmp_path, text))
    assert "language" in message and "goals[0].kpi" in message


def test_broken_yaml_gives_line_and_column(tmp_path):
    message = errors_of(write(tmp_path, "client: a\nname: [unclosed\n"))
    assert "not valid YAML" in message and "line" in message


def test_tabs_in_yaml_get_a_hint(tmp_path):
    message = errors_of(write(tmp_path, "client: a\ndata:\n\tsource: demo:webshop\n"))
    assert "use spaces" in message and "line 3" in message


def test_empty_and_non_mapping_files(tmp_path):
    assert "the file is empty" in errors_of(write(tmp_path, ""))
    assert "expected a mapping" in errors_of(write(tmp_path, "- just\n- a list\n"))


def test_missing_file(tmp_path):
    assert "file not found" in errors_of(tmp_path / "nope.yaml")


def test_yaml_tags_never_run_code(tmp_path):
    path = write(
        tmp_path, VALID.replace("name: Bakkerij Jansen", "name: !!python/object/apply:os.system ['echo hacked']")
    )
    assert "not valid YAML" in errors_of(path)


def test_unknown_parent_goal(tmp_path):
    text = VALID + "    parent: winst\n"
    assert "goals[0].parent: no goal with id 'winst'" in errors_of(write(tmp_path, text))


def test_data_may_be_a_list_of_sources_or_a_demo_string(tmp_path):
    text = VALID.split("data:")[0] + "data: demo:webshop\nkpis: [revenue]\n"
    config = load_params(write(tmp_path, text))
    assert config.data[0].is_demo and config.data[0].demo_name == "webshop"
    assert config.data[0].resolve(tmp_path) is None
