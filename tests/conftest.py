from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from django.db import connections


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
