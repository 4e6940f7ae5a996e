"""Regenerate docs/hostile_inputs.md: `python -m tests.hostile.write_docs` (from the repository root).

Runs every case of tests/test_hostile_inputs.py (slow ones included) with the one switch that
lets the suite write the file; a plain test run never writes it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    env = {**os.environ, "KPI_WRITE_HOSTILE_DOC": "1"}
    cmd = [sys.executable, "-m", "pytest", "-q", "tests/test_hostile_inputs.py"]
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    print(f"{'wrote' if code == 0 else 'tests failed; check'} {ROOT / 'docs' / 'hostile_inputs.md'}")
    return code


if __name__ == "__main__":
    sys.exit(main())
