"""kpi_helpers.run.validate: kernel-free checks of params + data, new params files, KPI tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import write_client

from kpi_helpers.exceptions import KpiWorkbookError
from kpi_helpers.run.validate import check_client, check_folder, kpi_table_for_client, new_client, validate_folder
from kpi_helpers.spec.agency import client_data_dir
from kpi_helpers.spec.params import load_params


def params_folder(tmp_path):
    """`<tmp_path>/params/`: the client's data then lives in `<tmp_path>/data/<client>/`."""
    folder = tmp_path / "params"
    folder.mkdir(exist_ok=True)
    return folder


def tiny_client(folder, client: str, revenue: str = "100", extra: str = ""):
    """A client on a three-day CSV across two months (fast: no demo data to load); `revenue`
    of the third day. `folder` is the params folder; the CSV goes in the client's data folder."""
    data = client_data_dir(folder / f"{client}.yaml", client)
    data.mkdir(parents=True, exist_ok=True)
    (data / f"{client}.csv").write_text(
        f"date,revenue,orders\n2025-01-30,120,3\n2025-01-31,80,2\n2025-02-01,{revenue},1\n", encoding="utf-8"
    )
    return write_client(folder, client, client.title(), source=f"{client}.csv", extra=extra)


def test_a_broken_file_is_reported_not_raised(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("client: broken\nname: [unclosed\n")
    check = check_client(path)
    assert not check.ok and check.config is None and check.client == "broken"
    assert any("broken.yaml" in e for e in check.errors)


def test_a_kpi_the_data_cannot_compute_names_the_field_and_the_missing_measure(tmp_path):
    path = tiny_client(params_folder(tmp_path), "shop")
    path.write_text(
        path.read_text().replace(
            "kpis: [revenue, orders, average_order_value]", "kpis: [revenue, lead_to_customer_rate]"
        )
    )
    (error,) = check_client(path).errors
    assert "kpis[1]" in error and "lead_to_customer_rate" in error and "leads" in error and str(path) in error


def test_duplicate_client_ids_and_unknown_clients(tmp_path):
    folder = params_folder(tmp_path)
    tiny_client(folder, "acme")
    # the client id is the file name (a `client:` naming another id is refused), so two files
    # share an id only as acme.yaml + acme.yml
    (folder / "acme.yml").write_text((folder / "acme.yaml").read_text())
    lines, checked = validate_folder(folder)
    assert checked == 2 and any("id 'acme' is also used by" in line for line in lines)
    with pytest.raises(KpiWorkbookError, match="no params file for client"):
        check_folder(folder, clients=["nobody"])
    with pytest.raises(KpiWorkbookError, match="no params files"):
        check_folder(tmp_path / "empty")


def test_errors_come_before_warnings(tmp_path):
    folder = params_folder(tmp_path)
    tiny_client(folder, "negative", revenue="-50")  # a warning: negative revenue (a refund day?)
    (folder / "bad.yaml").write_text("client: bad\n")
    lines, _ = validate_folder(folder)
    kinds = [line.startswith("warning:") for line in lines]
    assert True in kinds and False in kinds and kinds == sorted(kinds), lines


def test_new_client_writes_a_valid_file_and_never_overwrites(tmp_path):
    folder = tmp_path / "params"  # new_client also makes data/<id>/ next to it: keep that in tmp_path
    path = new_client("bakkerij-jansen", params_dir=folder, display_name='Bakkerij "Jansen"')
    assert load_params(path).name == 'Bakkerij "Jansen"'
    with pytest.raises(KpiWorkbookError, match="already exists"):
        new_client("bakkerij-jansen", params_dir=folder)
    with pytest.raises(KpiWorkbookError, match="not a valid client id"):
        new_client("../escape", params_dir=folder)


def test_kpi_table_matches_pandas_per_month(tmp_path):
    path = tiny_client(params_folder(tmp_path), "shop")
    table = kpi_table_for_client(path, grain="month")
    raw = pd.read_csv(client_data_dir(path, "shop") / "shop.csv", parse_dates=["date"])
    monthly = raw.groupby(raw["date"].dt.to_period("M").dt.start_time)[["revenue", "orders"]].sum()
    got = table.pivot(index="period", columns="kpi", values="value")
    pd.testing.assert_series_equal(
        got["revenue"], monthly["revenue"].astype(float), check_names=False, check_index_type=False
    )
    aov = monthly["revenue"] / monthly["orders"]  # Σ revenue / Σ orders per month: 40 and 100
    pd.testing.assert_series_equal(got["average_order_value"], aov, check_names=False, check_index_type=False)
    assert list(table.columns) == ["period", "kpi", "value", "unit", "complete", "note"]


def test_naming_clients_checks_only_their_data(tmp_path, monkeypatch):
    import kpi_helpers.run.validate as validate

    folder = params_folder(tmp_path)
    tiny_client(folder, "acme")
    tiny_client(folder, "other")
    checked = []
    real = validate.check_client
    monkeypatch.setattr(
        validate, "check_client", lambda path, **kw: checked.append(Path(path).stem) or real(path, **kw)
    )
    (check,) = check_folder(folder, clients=["acme"])
    assert check.client == "acme" and check.ok and checked == ["acme"]
