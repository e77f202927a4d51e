"""``remodel normalize`` on a copy of the example project, on the database REMODEL_DB names.

The command edits the copy's models and writes its migrations; ``migrate``
applies them; ``makemigrations --check`` is clean; every server points at the
location holding its former name; migrating back restores the old column
exactly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
VENDOR = connection.vendor

# The test database is only where the copy's own database is created and dropped from.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project(tmp_path: Path, transactional_db: None) -> Iterator[tuple[Path, dict[str, str]]]:
    """A copy of the example with a database of its own."""
    copy = tmp_path / "example"
    shutil.copytree(
        ROOT / "example",
        copy,
        ignore=shutil.ignore_patterns("*.sqlite3", "__pycache__", "model-registry.toml"),
    )
    name = f"remodel_e2e_{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(copy)]),
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "REMODEL_DB": {"postgresql": "postgresql", "mysql": "mysql"}.get(VENDOR, "sqlite"),
        "REMODEL_DB_NAME": str(tmp_path / "db.sqlite3") if VENDOR == "sqlite" else name,
    }
    quoted = connection.ops.quote_name(name)
    if VENDOR != "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {quoted}")
    try:
        yield copy, env
    finally:
        if VENDOR != "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")


def manage(project: tuple[Path, dict[str, str]], *args: str) -> str:
    path, env = project
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


SNAPSHOT = """
import json
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute({query!r})
    print(json.dumps(cursor.fetchall()))
"""


def rows(project: tuple[Path, dict[str, str]], query: str) -> list[list[object]]:
    out = manage(project, "shell", "-c", SNAPSHOT.format(query=query))
    return [list(row) for row in json.loads(out.strip().splitlines()[-1])]


@pytest.mark.parametrize("options", [(), ("--batch-size", "100")], ids=["one-pass", "batched"])
def test_normalize_the_example(project, options):
    manage(project, "migrate", "--verbosity", "0")
    manage(project, "seed_clinic", "--scale", "0.02", "--seed", "5")
    before = rows(project, "SELECT id, location_name FROM server_server ORDER BY id")
    assert len(before) == 600

    out = manage(
        project,
        "remodel",
        "normalize",
        "server.Server.location_name",
        "--into",
        "server.Location.name",
        *options,
    )
    assert "0011_location_server_location.py" in out
    assert "seeding.py" in out  # the one other place that writes the old field
    manage(project, "migrate", "--verbosity", "0")
    assert "No changes detected" in manage(project, "makemigrations", "--check", "--dry-run")

    after = rows(
        project,
        "SELECT s.id, l.name FROM server_server s JOIN server_location l "
        "ON l.id = s.location_id ORDER BY s.id",
    )
    assert after == before
    assert rows(project, "SELECT COUNT(*) FROM server_location") == [
        [len({name for _, name in before})]
    ]

    manage(project, "migrate", "server", "0010", "--verbosity", "0")
    assert rows(project, "SELECT id, location_name FROM server_server ORDER BY id") == before


SHIM_CHECK = """
from server.models import Server
servers = list(Server.objects.select_related("location").order_by("id"))
same = all(server.location_name == server.location.name for server in servers)
try:
    servers[0].location_name = "elsewhere"
    writable = True
except AttributeError:
    writable = False
print(len(servers), same, writable)
"""


def test_shim_keeps_the_old_name_readable(project):
    manage(project, "migrate", "--verbosity", "0")
    manage(project, "seed_clinic", "--scale", "0.01", "--seed", "3")
    manage(
        project,
        *("remodel", "normalize", "server.Server.location_name"),
        *("--into", "server.Location.name", "--shim"),
    )
    models_py = (project[0] / "server" / "models.py").read_text()
    assert "    @property\n    def location_name(self)" in models_py
    manage(project, "migrate", "--verbosity", "0")
    assert "No changes detected" in manage(project, "makemigrations", "--check", "--dry-run")
    out = manage(project, "shell", "-c", SHIM_CHECK)
    assert out.strip().splitlines()[-1].split() == ["300", "True", "False"]
