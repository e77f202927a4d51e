"""Plans become ordinary migration files, written by Django's own ``MigrationWriter``.

Files are named and numbered the way ``makemigrations`` would (the next number
after the app's leaf, a name from the operations unless one is given) and
formatted the same way, so they read like any other migration and show their
SQL in ``sqlmigrate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db import connections, migrations
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation
from django.db.migrations.writer import MigrationWriter

from django_remodel.errors import RemodelError


class WriterError(RemodelError):
    """A migration that cannot be written where it should go."""


@dataclass(frozen=True)
class MigrationSpec:
    """One migration to write: its operations, and whether it runs in one transaction."""

    operations: Sequence[Operation]
    name: str | None = None
    """Name after the number; None: what ``makemigrations`` would suggest."""
    atomic: bool = True
    extra_dependencies: tuple[tuple[str, str], ...] = ()
    app_label: str | None = None
    """The app the migration belongs to, when not the chain's."""
    after: tuple[int, ...] = ()
    """Earlier specs of the chain (by position) it depends on, besides its app's previous."""


@dataclass(frozen=True)
class WrittenMigration:
    app_label: str
    name: str
    path: Path
    text: str
    migration: migrations.Migration
    """The migration itself, to show its SQL before it is on disk."""


def leaf(loader: MigrationLoader, app_label: str) -> tuple[str, str] | None:
    """The app's latest migration; an error when its history has branched."""
    leaves = loader.graph.leaf_nodes(app_label)
    if len(leaves) > 1:
        raise WriterError(
            f"App {app_label!r} has {len(leaves)} latest migrations "
            f"({', '.join(name for _, name in leaves)}); merge them first with "
            f"'python manage.py makemigrations --merge {app_label}'."
        )
    return leaves[0] if leaves else None


def render_chain(
    app_label: str,
    specs: Sequence[MigrationSpec],
    *,
    loader: MigrationLoader | None = None,
) -> list[WrittenMigration]:
    """Render migrations that follow the app's leaf and each other, without writing them."""
    loader = loader or MigrationLoader(None, ignore_no_migrations=True)
    previous: dict[str, tuple[str, str] | None] = {}
    numbers: dict[str, int] = {}
    rendered: list[WrittenMigration] = []
    for spec in specs:
        app = spec.app_label or app_label
        if app not in previous:
            previous[app] = leaf(loader, app)
            last = previous[app]
            numbers[app] = (MigrationAutodetector.parse_number(last[1]) or 0) if last else 0
        numbers[app] += 1
        before = previous[app]
        after = [(rendered[i].app_label, rendered[i].name) for i in spec.after]
        migration_class = type(
            "Migration",
            (migrations.Migration,),
            {
                "operations": list(spec.operations),
                "dependencies": list(
                    dict.fromkeys([*([before] if before else []), *after, *spec.extra_dependencies])
                ),
                "atomic": spec.atomic,
                "initial": before is None,
            },
        )
        migration = migration_class("draft", app)
        name = f"{numbers[app]:04d}_{spec.name or migration.suggest_name()}"
        if (app, name) in loader.disk_migrations:
            raise WriterError(
                f"Migration {app}.{name} exists already; choose another name with --name."
            )
        migration.name = name
        writer = MigrationWriter(migration)
        text = writer.as_string()
        if not spec.atomic:
            text = _non_atomic(text, name)
        rendered.append(WrittenMigration(app, name, Path(writer.path), text, migration))
        previous[app] = (app, name)
    return rendered


_CLASS_LINE = "class Migration(migrations.Migration):\n"


def _non_atomic(text: str, name: str) -> str:
    """Add ``atomic = False``, which ``MigrationWriter`` does not write itself."""
    if text.count(_CLASS_LINE) != 1:
        raise WriterError(f"Cannot mark migration {name!r} non-atomic: unexpected layout.")
    return text.replace(_CLASS_LINE, _CLASS_LINE + "\n    atomic = False\n", 1)


def collect_sql(
    chain: Sequence[WrittenMigration], *, using: str, loader: MigrationLoader | None = None
) -> list[tuple[str, list[str]]]:
    """The SQL each migration of ``chain`` would run on ``using``, as ``sqlmigrate`` shows it."""
    loader = loader or MigrationLoader(None, ignore_no_migrations=True)
    app_label = chain[0].app_label
    start = leaf(loader, app_label)
    if start and all(item.app_label == app_label for item in chain):
        state = loader.project_state(start)
    else:
        # A chain across apps follows every app's latest migration.
        state = loader.project_state()
    connection = connections[using]
    result = []
    for item in chain:
        with connection.schema_editor(
            collect_sql=True, atomic=item.migration.atomic
        ) as schema_editor:
            state = item.migration.apply(state, schema_editor, collect_sql=True)
        result.append((item.name, list(schema_editor.collected_sql)))
    return result


def write(migrations_to_write: Sequence[WrittenMigration]) -> None:
    """Write rendered migrations to their files; refuses to overwrite one."""
    for migration in migrations_to_write:
        if migration.path.exists():
            raise WriterError(f"{str(migration.path)!r} exists already; nothing was written.")
    for migration in migrations_to_write:
        migration.path.write_text(migration.text, encoding="utf-8")
