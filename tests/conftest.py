from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from django.db import connections

from tests.projects import MakeProject, Project, copy_example, project_factory


@pytest.fixture
def unreachable_alias(tmp_path: Path) -> Iterator[str]:
    """A configured database alias that cannot be connected to."""
    settings_dict = dict(connections["default"].settings_dict)
    if connections["default"].vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "missing" / "db.sqlite3")
    else:
        settings_dict["PORT"] = "1"  # nothing listens there
    connections.settings["unreachable"] = settings_dict
    try:
        yield "unreachable"
    finally:
        with suppress(AttributeError):  # it was never connected in this thread
            del connections["unreachable"]
        del connections.settings["unreachable"]


def require_servers(*vendors: str) -> None:
    """Skip unless the PostgreSQL/MariaDB servers of ``vendors`` answer; under ``CI=true`` a
    server that does not answer fails the test instead."""
    import os
    import socket

    addresses = {
        "postgresql": (os.environ.get("PGHOST", "127.0.0.1"), os.environ.get("PGPORT", "5432")),
        "mysql": (
            os.environ.get("MYSQL_HOST", "127.0.0.1"),
            os.environ.get("MYSQL_TCP_PORT", "3306"),
        ),
    }
    for vendor in vendors:
        host, port = addresses[vendor]
        try:
            socket.create_connection((host, int(port)), timeout=2).close()
        except OSError:
            message = f"the {vendor} server at {host}:{port} does not answer"
            if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
                pytest.fail(message)
            pytest.skip(message)


@pytest.fixture
def make_project(tmp_path: Path, transactional_db: None) -> Iterator[MakeProject]:
    """Make projects with databases of their own (see ``tests/projects.py``)."""
    yield from project_factory(tmp_path)


@pytest.fixture
def example_project(tmp_path: Path, make_project: MakeProject) -> Project:
    """A copy of the example project, with a database of its own."""
    return make_project(copy_example(tmp_path / "example"))
