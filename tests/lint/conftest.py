"""Migration trees for ``tests.testapp`` written to temporary packages.

Each tree starts with a copy of testapp's real ``0001_initial`` (so the test
database, which applied it, agrees) and adds the migrations a test plants.
``MIGRATION_MODULES`` points testapp at the tree for the test's duration.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
INITIAL = (ROOT / "tests" / "testapp" / "migrations" / "0001_initial.py").read_text()

Tree = Callable[..., Path]


def migration(dependencies: list[tuple[str, str]], operations: str = "", *, head: str = "") -> str:
    """The source of a migration file with these dependencies and operations."""
    body = textwrap.indent(textwrap.dedent(operations).strip(), " " * 8)
    return (
        f"{head}from django.db import migrations, models\n"
        "import django.db.models.deletion\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = {dependencies!r}\n\n"
        f"    operations = [\n{body}\n    ]\n"
    )


@pytest.fixture
def tree(tmp_path: Path, settings) -> Iterator[Tree]:
    """Write migration files into a fresh package and make it testapp's migrations."""
    names: list[str] = []
    sys.path.insert(0, str(tmp_path))

    def write(files: dict[str, str], *, initial: bool = True) -> Path:
        package = f"lintmig_{uuid.uuid4().hex[:10]}"
        directory = tmp_path / package
        directory.mkdir()
        (directory / "__init__.py").write_text("")
        if initial:
            (directory / "0001_initial.py").write_text(INITIAL)
        for name, source in files.items():
            (directory / name).write_text(source)
        importlib.invalidate_caches()
        settings.MIGRATION_MODULES = {"testapp": package}
        names.append(package)
        return directory

    yield write
    sys.path.remove(str(tmp_path))
    for name in list(sys.modules):
        if any(name == n or name.startswith(f"{n}.") for n in names):
            del sys.modules[name]
