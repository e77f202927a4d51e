"""Django projects the end-to-end tests run ``manage.py`` in, as a subprocess.

Refactorings edit settings, models and migrations, which a test process that
has loaded them cannot take back; so each test works on a project of its own
(a copy of the example, or one the test writes) with a database of its own on
the backend ``REMODEL_DB`` names, created for the test and dropped after it.
The fixtures are in ``tests/conftest.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example"

MakeProject = Callable[..., "Project"]


@dataclass
class Project:
    """A project directory and the environment that gives it its settings and database."""

    path: Path
    env: dict[str, str]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``django-admin ARGS`` in the project (as its ``manage.py`` would run them)."""
        result = subprocess.run(
            [sys.executable, "-m", "django", *args],
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
        """The standard output of a command that must succeed."""
        return self.run(*args).stdout

    def python(self, code: str) -> Any:
        """Run ``code`` in the project's shell; it prints one JSON value last (returned as
        ``json.loads`` gives it)."""
        out = self.manage("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])

    def rows(self, query: str) -> list[list[object]]:
        """The rows ``query`` returns from the project's database (values JSON can hold,
        others as text)."""
        found = self.python(
            "import json\n"
            "from django.db import connection\n"
            "with connection.cursor() as cursor:\n"
            f"    cursor.execute({query!r})\n"
            "    print(json.dumps(cursor.fetchall(), default=str))\n"
        )
        assert isinstance(found, list)
        return [list(row) for row in found]

    def schema(self) -> str:
        """The database's schema, as text to compare (``django_remodel.schema``)."""
        return str(
            self.python(
                "import json, dataclasses\n"
                "from django_remodel.schema import read_schema\n"
                "print(json.dumps(json.dumps(dataclasses.asdict(read_schema('default')),"
                " default=str, sort_keys=True)))\n"
            )
        )

    def migrations(self, app_label: str) -> list[str]:
        directory = self.path / app_label / "migrations"
        return sorted(p.stem for p in directory.glob("0*.py"))


def copy_example(directory: Path) -> Path:
    """A copy of the example project in ``directory``; example/ itself is never written."""
    shutil.copytree(
        EXAMPLE,
        directory,
        ignore=shutil.ignore_patterns("*.sqlite3", "__pycache__", "model-registry.toml"),
    )
    return directory


def project_factory(tmp_path: Path) -> Iterator[MakeProject]:
    """``make(directory, settings="clinic.settings", paths=())``: a Project whose database is
    made for the test and dropped after it; ``paths`` are put on its ``PYTHONPATH``."""
    vendor = connection.vendor
    made: list[str] = []

    def make(
        directory: Path, settings: str = "clinic.settings", paths: Sequence[Path | str] = ()
    ) -> Project:
        name = f"remodel_e2e_{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(directory), str(ROOT / "src"), *(str(path) for path in paths)]
            ),
            "DJANGO_SETTINGS_MODULE": settings,
            "REMODEL_DB": {"postgresql": "postgresql", "mysql": "mysql"}.get(vendor, "sqlite"),
            "REMODEL_DB_NAME": str(tmp_path / f"{name}.sqlite3") if vendor == "sqlite" else name,
        }
        if vendor != "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
            made.append(name)
        return Project(directory, env)

    try:
        yield make
    finally:
        for name in made:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
