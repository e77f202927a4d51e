"""The normalization benchmark runs: a quick SQLite run exits 0 and prints its table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


# The benchmark makes its own SQLite database whatever the suite runs on: one run is enough.
@pytest.mark.skipif(connection.vendor != "sqlite", reason="runs with the SQLite suite")
def test_quick_run_on_sqlite_prints_the_table() -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")
    }
    result = subprocess.run(
        [sys.executable, "bench/normalize.py", "--quick", "--db", "sqlite"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    header = next((line for line in lines if line.startswith("database")), None)
    assert header is not None, result.stdout
    assert header.split() == [
        "database",
        "servers",
        "locations",
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
    assert any(line.startswith("sqlite") and "naive loop" in line for line in lines)
    assert "hand-written SQL" in result.stdout
    # Every approach that ran left each server pointing at its former location.
    assert "FAILED" not in result.stdout
