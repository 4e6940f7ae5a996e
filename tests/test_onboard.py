"""`kpi-workbook new-client NAME --from FILE...` (kpi_helpers.run.onboard): presets recognised, mappings
proposed, formats sniffed; the params file validates and gives the same numbers as a hand-written one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_presets import FIXTURES, make_client

from kpi_helpers.data.load import load_facts
from kpi_helpers.data.presets import PRESETS
from kpi_helpers.run.cli import main
from kpi_helpers.run.onboard import guess_file, new_client_from
from kpi_helpers.run.validate import kpi_table_for_client
from kpi_helpers.spec.params import load_params


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_new_client_from_each_fixture_gives_the_preset_numbers(tmp_path, name):
    path, errors, _ = new_client_from("generated", [FIXTURES / f"{name}.csv"], params_dir=tmp_path / "gen")
    assert errors == []
    text = path.read_text(encoding="utf-8")
    assert f'preset: "{name}"' in text and "guessed preset: recognised" in text
    config = load_params(path)
    assert config.kpis, "a first KPI selection from what the data gives"
    by_hand = make_client(tmp_path / "hand", f"  - {{source: {name}.csv, preset: {name}}}", config.kpis)
    pd.testing.assert_frame_equal(load_facts(config), load_facts(load_params(by_hand)))
    pd.testing.assert_frame_equal(kpi_table_for_client(path), kpi_table_for_client(by_hand))


DUTCH = """Overzicht bestellingen webshop
Datum;Bestelnummer;Klant;Omzet;Kanaal;Kortingscode;Aantal;x" # y: [z
03-01-2025;A-1;k1;1.234,50;Web;;2;1
03-01-2025;A-2;k2;20,00;Café;ZOMER;1;1
04-02-2025;A-3;k1;15,25;Web;;1;1
Totaal;;;1.269,75;;;4;
"""


def test_a_dutch_export_without_preset_gets_a_mapping_and_its_formats(tmp_path):
    file = tmp_path / "in" / "winkel.csv"
    file.parent.mkdir()
    file.write_bytes(DUTCH.encode("cp1252"))
    guess = guess_file(file)
    assert guess.source["columns"] == {
        "date": "Datum",
        "order_id": "Bestelnummer",
        "customer_id": "Klant",
        "revenue": "Omzet",
        "quantity": "Aantal",
        "channel": "Kanaal",
        "coupon": "Kortingscode",
    }
    assert guess.source | {"columns": None} == {
        "skip_rows": 1,
        "separator": ";",
        "footer": ["Totaal"],
        "shape": "orders",
        "date_format": "%d-%m-%Y",
        "decimal": ",",
        "thousands": ".",
        "columns": None,
    }
    path, errors, _ = new_client_from("winkel", [file], params_dir=tmp_path / "params")
    assert errors == []
    assert "guessed encoding: not UTF-8" in path.read_text(encoding="utf-8")
    # independent reference: the same file read by pandas
    ref = pd.read_csv(file, sep=";", skiprows=1, decimal=",", thousands=".", encoding="cp1252")
    ref = ref[ref["Datum"] != "Totaal"]
    ref["month"] = pd.to_datetime(ref["Datum"], format="%d-%m-%Y").dt.strftime("%Y-%m")
    table = kpi_table_for_client(path)
    got = {(f"{p:%Y-%m}", k): v for p, k, v in zip(table["period"], table["kpi"], table["value"])}
    for month, rows in ref.groupby("month"):
        assert got[(month, "revenue")] == pytest.approx(rows["Omzet"].sum())
        assert got[(month, "orders")] == len(rows)
    assert got[("2025-01", "revenue")] == pytest.approx(1254.50)
    facts = load_facts(load_params(path))
    assert set(facts["channel"]) == {"web", "café"}


def test_lines_without_order_numbers_become_one_order_each(tmp_path):
    file = tmp_path / "kassa.csv"
    # a whole month ends on the last row: validate checks the report date a run would use
    file.write_text("Datum,Klant,Bedrag\n2025-01-31,k1,5.00\n2025-01-31,k1,7.50\n", encoding="utf-8")
    path, errors, _ = new_client_from("kassa", [file], params_dir=tmp_path / "params")
    assert errors == [] and "one_line_per_order: true" in path.read_text(encoding="utf-8")
    from kpi_helpers.compute.engine import compute_kpis

    whole = compute_kpis(load_facts(load_params(path)), ["orders", "revenue"], grain=None).set_index("kpi")["value"]
    assert whole["orders"] == 2 and whole["revenue"] == pytest.approx(12.5)


def test_new_client_from_on_the_command_line(tmp_path, capsys):
    args = [
        "new-client",
        "shop",
        "--params",
        str(tmp_path / "p"),
        "--from",
        str(FIXTURES / "shopify_orders.csv"),
        str(FIXTURES / "ga4_traffic.csv"),
    ]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "validate: 0 problem(s)" in captured.err and "comes from 2 sources" not in captured.out
    assert main(args) == 1 and "already exists" in capsys.readouterr().err
    config = load_params(tmp_path / "p" / "shop.yaml")
    assert [s.preset for s in config.data] == ["shopify_orders", "ga4_traffic"]
    assert config.data[1].measures == ["sessions", "engaged_sessions", "key_events"], "revenue counts from the shop"
    assert "revenue left to shopify_orders.csv" in (tmp_path / "p" / "shop.yaml").read_text(encoding="utf-8")


def test_a_file_that_is_not_there(tmp_path, capsys):
    assert main(["new-client", "x", "--params", str(tmp_path), "--from", str(tmp_path / "nope.csv")]) == 1
    assert "file not found" in capsys.readouterr().err
    assert not (Path(tmp_path) / "x.yaml").exists()


def test_column_names_stay_inert_in_the_params_file(tmp_path):
    file = tmp_path / "evil.csv"
    evil = 'Datum,Omzet,"x\u2028client: hacked",y\u0085kpis: [roi]\n2025-01-31,5,1,2\n'
    file.write_text(evil, encoding="utf-8")
    path, errors, _ = new_client_from("safe", [file], params_dir=tmp_path / "params")
    config = load_params(path)
    assert config.client == "safe" and "roi" not in config.kpis
    assert errors == [] and load_facts(config)["revenue"].sum() == 5


def test_a_google_ads_export_without_title_lines_still_reads_with_the_preset(tmp_path):
    lines = (FIXTURES / "google_ads_campaigns.csv").read_text(encoding="utf-8").splitlines()[2:]
    (tmp_path / "ads.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    from kpi_helpers.data.load import read_source

    plain = read_source({"source": "ads.csv", "preset": "google_ads_campaigns"}, tmp_path)
    titled = read_source({"source": str(FIXTURES / "google_ads_campaigns.csv"), "preset": "google_ads_campaigns"})
    pd.testing.assert_frame_equal(plain, titled)
