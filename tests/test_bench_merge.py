"""The merge benchmark runs: a quick SQLite run exits 0 and every approach checks ok."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
APPROACHES = (
    "update_or_create loop",
    "remodel, unbatched",
    "remodel, batch_size=200",
    "hand-written SQL",
)


# The benchmark makes its own SQLite database whatever the suite runs on: one run is enough.
@pytest.mark.skipif(connection.vendor != "sqlite", reason="runs with the SQLite suite")
def test_quick_run_on_sqlite_checks_every_approach() -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")
    }
    result = subprocess.run(
        [sys.executable, "bench/merge.py", "--quick", "--db", "sqlite"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    lines = result.stdout.splitlines()
    header = next((line for line in lines if line.startswith("database")), None)
    assert header is not None, result.stdout
    assert header.split() == [
        "database",
        "rows/source",
        "refs",
        "approach",
        "wall",
        "time",
        "statements",
        "py",
        "peak",
        "rss",
        "growth",
        "check",
    ]
    # The table ends at the first blank line; its check column is the last (a row that was
    # not measured has its reason there instead).
    start = lines.index(header)
    table = lines[start : lines.index("", start)]
    checks = {}
    for line in table:
        for approach in APPROACHES:
            if f"  {approach}  " in line:
                checks[approach] = line.split()[-1]
    assert checks == dict.fromkeys(APPROACHES, "ok"), result.stdout
    assert "Ratios of wall time to hand-written SQL" in result.stdout
