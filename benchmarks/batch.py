"""Benchmark: `kpi-workbook run` against a plain sequential papermill loop, in one run.

12 clients (the demo params copied under new ids), the three workbook notebooks each.
Prints both wall times, their ratio, and each client's HTML report size. Machines are
noisy: compare the ratio within one run, not absolute seconds across runs.

    python benchmarks/batch.py [--clients 12] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_params(folder: Path, count: int) -> list[Path]:
    from kpi_helpers.run.workspace import demo_params_dir

    demos = sorted(demo_params_dir().glob("demo_*.yaml"))
    files = []
    for i in range(count):
        source = demos[i % len(demos)]
        client = f"bench-{i:02d}-{source.stem.replace('_', '-')}"
        text = source.read_text(encoding="utf-8")
        first = next(line for line in text.splitlines() if line.startswith("client:"))
        path = folder / f"{client}.yaml"
        path.write_text(text.replace(first, f"client: {client}", 1), encoding="utf-8")
        files.append(path)
    return files


def sequential_papermill(files: list[Path], out: Path) -> float:
    started = time.perf_counter()
    import papermill  # its import cost is part of the plain loop

    from kpi_helpers.run.batch import NOTEBOOKS, NOTEBOOKS_DIR

    for path in files:
        target = out / path.stem
        target.mkdir(parents=True)
        for name in NOTEBOOKS:
            papermill.execute_notebook(
                str(NOTEBOOKS_DIR / name),
                str(target / name),
                progress_bar=False,
                parameters={"params_file": str(path), "interactive": False},
                cwd=str(NOTEBOOKS_DIR),
                log_output=False,
            )
    return time.perf_counter() - started


def ours(params: Path, out: Path, workers: int | None) -> tuple[float, object]:
    started = time.perf_counter()
    from kpi_helpers.run.batch import run_batch

    result = run_batch(params_dir=params, out_dir=out, workers=workers, progress=False)
    return time.perf_counter() - started, result


def _load() -> str:
    """The machine's load (1, 5, 15 min): a busy machine makes both sides slower, not equally."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        params = tmp / "params"
        params.mkdir()
        files = make_params(params, args.clients)
        print(f"{len(files)} clients x 3 notebooks on {os.cpu_count()} CPUs; load average {_load()}")
        ours_s, result = ours(params, tmp / "ours", args.workers)
        failed = [r for r in result.results if not r.ok]
        print(f"kpi-workbook run: {ours_s:6.1f} s  ({len(result.results) - len(failed)} ok, {len(failed)} failed)")
        print(f"  = {ours_s / len(files):.2f} s per client (wall); load average now {_load()}")
        for r in failed:
            print(f"  failed {r.client}: {r.reason[:200]}")
        sizes = {r.client: (tmp / "ours" / r.client / "report.html").stat().st_size for r in result.results if r.ok}
        if not args.skip_baseline:
            base_s = sequential_papermill(files, tmp / "baseline")
            print(f"sequential papermill loop: {base_s:6.1f} s")
            print(f"speed-up: {base_s / ours_s:.2f}x; load average now {_load()}")
        print(
            "HTML report size per client (KB; plotly.js shared once: "
            f"{(tmp / 'ours' / 'plotly.min.js').stat().st_size // 1024} KB):"
        )
        for client, size in sizes.items():
            print(f"  {client:<40} {size / 1024:6.1f}")
        shutil.rmtree(tmp / "ours", ignore_errors=True)


if __name__ == "__main__":
    main()
