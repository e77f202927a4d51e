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


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")
    }
    result = subprocess.run(
        [sys.executable, "bench/merge.py", "--quick", "--db", "sqlite", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


# The benchmark makes its own SQLite database whatever the suite runs on: one run is enough.
@pytest.mark.skipif(connection.vendor != "sqlite", reason="runs with the SQLite suite")
def test_quick_run_on_sqlite_checks_every_approach() -> None:
    result = _bench()
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


@pytest.mark.skipif(connection.vendor != "sqlite", reason="runs with the SQLite suite")
def test_repeated_runs_show_the_median_and_every_run() -> None:
    result = _bench("--repeat", "3", "--approaches", "loop,sql", "--no-trace")
    lines = result.stdout.splitlines()
    start = lines.index(
        "Wall time of each run, in the order they ran (the table shows the median):"
    )
    runs = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        for approach in ("update_or_create loop", "hand-written SQL"):
            if f"  {approach}  " in line:
                runs[approach] = [float(t) for t in line.split(approach)[1].strip(" s").split(", ")]
    # The loop once, the SQL three times; the table shows the middle of the three.
    assert [len(runs[a]) for a in ("update_or_create loop", "hand-written SQL")] == [1, 3]
    row = next(line for line in lines if "  hand-written SQL  " in line)
    assert f"{sorted(runs['hand-written SQL'])[1]:,.3f} s" in row
