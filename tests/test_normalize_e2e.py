"""``remodel normalize`` on a copy of the example project, on the database REMODEL_DB names.

The command edits the copy's models and writes its migrations; ``migrate``
applies them; ``makemigrations --check`` is clean; every server points at the
location holding its former name; migrating back restores the old column
exactly.
"""

from __future__ import annotations

import pytest

from tests.projects import Project

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("options", [(), ("--batch-size", "100")], ids=["one-pass", "batched"])
def test_normalize_the_example(example_project: Project, options: tuple[str, ...]) -> None:
    project = example_project
    project.manage("migrate", "--verbosity", "0")
    project.manage("seed_clinic", "--scale", "0.02", "--seed", "5")
    before = project.rows("SELECT id, location_name FROM server_server ORDER BY id")
    assert len(before) == 600

    out = project.manage(
        "remodel",
        "normalize",
        "server.Server.location_name",
        "--into",
        "server.Location.name",
        *options,
    )
    assert "0011_location_server_location.py" in out
    assert "seeding.py" in out  # the one other place that writes the old field
    project.manage("migrate", "--verbosity", "0")
    assert "No changes detected" in project.manage("makemigrations", "--check", "--dry-run")

    after = project.rows(
        "SELECT s.id, l.name FROM server_server s JOIN server_location l "
        "ON l.id = s.location_id ORDER BY s.id",
    )
    assert after == before
    assert project.rows("SELECT COUNT(*) FROM server_location") == [
        [len({name for _, name in before})]
    ]

    project.manage("migrate", "server", "0010", "--verbosity", "0")
    assert project.rows("SELECT id, location_name FROM server_server ORDER BY id") == before


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


def test_shim_keeps_the_old_name_readable(example_project: Project) -> None:
    project = example_project
    project.manage("migrate", "--verbosity", "0")
    project.manage("seed_clinic", "--scale", "0.01", "--seed", "3")
    project.manage(
        *("remodel", "normalize", "server.Server.location_name"),
        *("--into", "server.Location.name", "--shim"),
    )
    models_py = (project.path / "server" / "models.py").read_text()
    assert "    @property\n    def location_name(self)" in models_py
    project.manage("migrate", "--verbosity", "0")
    assert "No changes detected" in project.manage("makemigrations", "--check", "--dry-run")
    out = project.manage("shell", "-c", SHIM_CHECK)
    assert out.strip().splitlines()[-1].split() == ["300", "True", "False"]
