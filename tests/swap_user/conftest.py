"""A project copy with a database of its own, on the backend REMODEL_DB names, and
``manage.py`` run in it as a subprocess (the swap changes settings, so it cannot run
in the test process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
VENDOR = connection.vendor


@dataclass
class Project:
    path: Path
    env: dict[str, str]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if check:
            assert result.returncode == 0, (
                f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def manage(self, *args: str) -> str:
        return self.run(*args).stdout

    def python(self, code: str) -> object:
        """Run ``code`` in the project's shell; it prints one JSON value last."""
        out = self.manage("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])

    def schema(self) -> str:
        return str(
            self.python(
                "import json, dataclasses\n"
                "from django_remodel.schema import read_schema\n"
                "print(json.dumps(json.dumps(dataclasses.asdict(read_schema('default')),"
                " default=str, sort_keys=True)))\n"
            )
        )


@pytest.fixture
def make_project(
    tmp_path: Path, transactional_db: None
) -> Iterator[Callable[[Path, str, list[str]], Project]]:
    """``make_project(directory, settings_module, extra_paths)``: a Project whose database
    is made for the test and dropped after it."""
    names: list[str] = []

    def make(directory: Path, settings_module: str, extra_paths: list[str]) -> Project:
        name = f"remodel_swap_{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(directory), *extra_paths]),
            "DJANGO_SETTINGS_MODULE": settings_module,
            "REMODEL_DB": {"postgresql": "postgresql", "mysql": "mysql"}.get(VENDOR, "sqlite"),
            "REMODEL_DB_NAME": str(tmp_path / f"{name}.sqlite3") if VENDOR == "sqlite" else name,
        }
        if VENDOR != "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
            names.append(name)
        return Project(directory, env)

    try:
        yield make
    finally:
        for name in names:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
