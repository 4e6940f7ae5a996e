"""The `kpi-workbook` command: thin wrappers, tested through main() (no subprocess needed)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import PARAMS_DIR, write_client

from kpi_helpers.run.cli import main
from kpi_helpers.spec.params import load_params


def test_list_kpis_prints_the_catalog(capsys):
    assert main(["list-kpis"]) == 0
    out = capsys.readouterr().out
    for domain in ("marketing", "sales", "production", "customer_service", "hr"):
        assert f"== {domain}" in out
    assert "average_order_value" in out and "sum(revenue) / sum(orders)" in out


def test_list_kpis_by_domain_in_dutch(capsys):
    assert main(["list-kpis", "--domain", "hr", "--lang", "nl"]) == 0
    out = capsys.readouterr().out
    assert "== hr" in out and "== marketing" not in out
    assert "Ziekteverzuim" in out


def test_list_kpis_unknown_domain(capsys):
    assert main(["list-kpis", "--domain", "finance"]) == 2
    assert "unknown domain" in capsys.readouterr().err


def test_new_client_writes_a_valid_commented_file(tmp_path, capsys):
    assert main(["new-client", "bakkerij-jansen", "--params", str(tmp_path / "params")]) == 0
    path = tmp_path / "params" / "bakkerij-jansen.yaml"
    assert (tmp_path / "data" / "bakkerij-jansen").is_dir(), "the client's own data folder is created"
    assert "data/bakkerij-jansen" in capsys.readouterr().out
    text = path.read_text()
    assert text.count("#") > 10, "the template explains its fields"
    config = load_params(path)
    assert config.client == "bakkerij-jansen" and config.name == "Bakkerij Jansen"
    # never overwrites silently
    assert main(["new-client", "bakkerij-jansen", "--params", str(tmp_path / "params")]) == 1
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["../evil", "Bakkerij", "a b", ""])
def test_new_client_rejects_unsafe_ids(tmp_path, capsys, name):
    assert main(["new-client", name, "--params", str(tmp_path)]) == 1
    assert "not a valid client id" in capsys.readouterr().err
    assert not list(tmp_path.parent.glob("evil*"))


def test_new_client_escapes_a_display_name(tmp_path):
    assert (
        main(["new-client", "quote", "--params", str(tmp_path / "params"), "--display-name", 'Jan "de" Vries: #1']) == 0
    )
    assert load_params(tmp_path / "params" / "quote.yaml").name == 'Jan "de" Vries: #1'


def test_validate_the_bundled_params_is_clean(capsys):
    assert main(["validate", "--params", str(PARAMS_DIR)]) == 0
    assert "0 problem(s)" in capsys.readouterr().err


def test_validate_reports_one_line_per_problem_and_fails(tmp_path, capsys):
    write_client(tmp_path, "ok-client", "OK")
    (tmp_path / "broken.yaml").write_text("client: broken\nname: [oops\n")
    write_client(tmp_path, "nodata", "No data", source="missing.csv")
    write_client(tmp_path, "badkpi", "Bad KPI").write_text(
        (tmp_path / "badkpi.yaml").read_text().replace("kpis: [revenue,", "kpis: [omzet,")
    )
    assert main(["validate", "--params", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any("broken.yaml" in line and "not valid YAML" in line for line in out)
    assert any("nodata.yaml" in line and "missing.csv" in line for line in out)
    assert any("badkpi.yaml" in line and "kpis[0]: unknown KPI 'omzet'" in line for line in out)
    assert not any("ok-client.yaml" in line for line in out)


def test_validate_refuses_a_file_claiming_another_clients_id(tmp_path, capsys):
    write_client(tmp_path, "same", "One")
    (tmp_path / "other.yaml").write_text((tmp_path / "same.yaml").read_text())
    assert main(["validate", "--params", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "other.yaml: client: 'same' is not this file's client" in out
    assert "same.yaml" not in out.replace("other.yaml", ""), "the real client is untouched"


def test_validate_empty_folder(tmp_path, capsys):
    assert main(["validate", "--params", str(tmp_path)]) == 1
    assert "no params files" in capsys.readouterr().err


def test_kpis_writes_a_tidy_table(tmp_path):
    out = tmp_path / "kpis.csv"
    assert (
        main(
            ["kpis", str(PARAMS_DIR / "demo_webshop.yaml"), "--grain", "quarter", "--by", "channel", "--out", str(out)]
        )
        == 0
    )
    table = pd.read_csv(out)
    assert list(table.columns) == ["period", "channel", "kpi", "value", "unit", "complete", "note"]
    assert {"revenue", "orders"} <= set(table["kpi"])
    assert table["value"].abs().max() < float("inf")


def test_kpis_on_invalid_data_gives_the_validation_report(tmp_path, capsys):
    (tmp_path / "data" / "bad").mkdir(parents=True)
    (tmp_path / "params").mkdir()
    csv = tmp_path / "data" / "bad" / "data.csv"
    csv.write_text("date,revenue,orders\n2025-01-01,10,1\nnot-a-date,5,x\n")
    write_client(tmp_path / "params", "bad", "Bad", source="data.csv")
    assert main(["kpis", str(tmp_path / "params" / "bad.yaml")]) == 1
    err = capsys.readouterr().err
    assert "data.csv" in err and "date" in err


def test_serve_finds_the_params_file_even_with_a_folder_of_the_same_name(tmp_path, monkeypatch):
    """Issue 16 (minor): `serve acme` next to a folder `acme/` used the folder as the params file."""
    from kpi_helpers.run.serve import client_params_file

    (tmp_path / "params").mkdir()
    (tmp_path / "acme").mkdir()
    write_client(tmp_path / "params", "acme", "Acme")
    monkeypatch.chdir(tmp_path)
    assert client_params_file("acme", "params") == (tmp_path / "params" / "acme.yaml").resolve()


# ---------------------------------------------------------------- look-alike params files (issue 21, minor)


def _look_alikes(params):
    params.mkdir()
    write_client(params, "acme", "Acme")
    text = (params / "acme.yaml").read_text(encoding="utf-8").replace("client: acme\n", "")
    for name in ("Acme.yaml", "acme\n.yaml", "_acme.yaml", "acme.YAML"):
        (params / name).write_text(text, encoding="utf-8")


def test_look_alike_params_files_get_one_clear_line_each(tmp_path, capsys):
    from kpi_helpers.run.validate import check_folder

    params = tmp_path / "params"
    _look_alikes(params)
    assert main(["validate", "--params", str(params)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    errors = [line for line in lines if not line.startswith("warning:")]
    assert errors == [
        f"{params}/Acme.yaml: the file name 'Acme' is not a valid client id: the client id is the params file's "
        "name; rename it to acme.yaml",
        f"{params}/acme\\n.yaml: the file name 'acme\\n' is not a valid client id: the client id is the params "
        "file's name; rename it to acme.yaml",
    ]
    assert f"warning: {params}/_acme.yaml: skipped: a name starting with '_' is a template, not a client" in lines
    assert f"warning: {params}/acme.YAML: skipped: a params file ends in lowercase .yaml or .yml" in captured.out
    assert "3 params file(s) checked: 2 problem(s), 2 warning(s)" in captured.err
    ids = sorted(check.client for check in check_folder(params))
    assert ids[0] == "acme" and len(set(ids)) == 3 and all(i.startswith("acme-") for i in ids[1:]), ids


def test_clients_acme_selects_exactly_acme_yaml(tmp_path, capsys):
    from kpi_helpers.exceptions import KpiWorkbookError
    from kpi_helpers.run.validate import params_files_for

    params = tmp_path / "params"
    _look_alikes(params)
    assert params_files_for(params, ["acme"]) == [params / "acme.yaml"]
    assert main(["validate", "--params", str(params), "--clients", "acme"]) == 0
    assert "1 params file(s) checked: 0 problem(s)" in capsys.readouterr().err
    assert params_files_for(params, ["Acme"]) == [params / "Acme.yaml"]  # exact names only (then refused)
    with pytest.raises(KpiWorkbookError, match="no params file for client"):
        params_files_for(params, ["globex"])
