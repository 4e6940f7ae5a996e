"""Client isolation: two clients in one parallel batch never see each other's names or data.

Each client has its own daily CSV with unique campaign labels and a distinctive name; after
one batch (workers=2, real notebooks once they exist) every file in one client's output
folder (notebooks, report.html, summary.json, ...) is searched for the other's strings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile.builders import client_yaml, daily_rows, notebooks_dir, revenue_goal

from kpi_helpers.run.batch import FAILED_DIR, run_batch

pytestmark = pytest.mark.slow

CLIENTS = {
    "zebra": {
        "name": "Zebra Zonwering ZZ-UNIQUE-NAME",
        "campaigns": ("ZEBRA-UNIQUE-CAMPAIGN", "ZEBRA-SECOND-CAMPAIGN"),
    },
    "okapi": {"name": "Okapi Optiek OO-UNIQUE-NAME", "campaigns": ("OKAPI-UNIQUE-CAMPAIGN", "OKAPI-SECOND-CAMPAIGN")},
}


def _strings(client: str) -> list[str]:
    info = CLIENTS[client]
    return [info["name"], *info["campaigns"], "ZZ-UNIQUE" if client == "zebra" else "OO-UNIQUE"]


def test_two_clients_never_leak_into_each_other(tmp_path: Path) -> None:
    params, out = tmp_path / "params", tmp_path / "reports"
    params.mkdir()
    for seed, (client, info) in enumerate(CLIENTS.items(), 1):
        own = tmp_path / "data" / client  # each client's own data folder (data/<id>/ next to params/)
        own.mkdir(parents=True)
        (own / f"{client}.csv").write_text(
            daily_rows(days=120, campaigns=info["campaigns"], seed=seed * 11), encoding="utf-8"
        )
        (params / f"{client}.yaml").write_text(
            client_yaml(
                client=client,
                name=info["name"],
                data={"source": f"{client}.csv", "shape": "daily"},
                kpis=("revenue", "orders", "average_order_value", "conversion_rate"),
                goals=[revenue_goal(statement=f"{info['name']}: revenue Q1 2025 to 60000", target=60000.0)],
                extra="pairs: [[orders, average_order_value]]\n",
            ),
            encoding="utf-8",
        )

    result = run_batch(
        params_dir=params, out_dir=out, workers=2, timeout=300, progress=False, notebooks_dir=notebooks_dir()
    )
    assert result.ok, result.summary_text() + "\n" + "\n".join(r.reason for r in result.results)

    for client in CLIENTS:
        folder = out / client
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        names = {p.name for p in files}
        assert {"01_goals.ipynb", "02_kpi_pairs.ipynb", "03_analysis.ipynb", "report.html", "summary.json"} <= names
        own = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)
        assert CLIENTS[client]["name"] in own, f"{client}: its own name is missing from its output"
        other = next(c for c in CLIENTS if c != client)
        for path in files:
            text = path.read_text(encoding="utf-8", errors="replace")
            for leaked in _strings(other):
                assert leaked not in text, f"{other}'s {leaked!r} appears in {path.relative_to(out)}"
    assert not (out / FAILED_DIR).exists() or not any((out / FAILED_DIR).iterdir())
