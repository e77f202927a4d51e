"""Put the new history on disk, take it back, and delete the old files when it is safe."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError
from django.db.migrations.recorder import MigrationRecorder

from django_remodel.errors import MigrationHistoryError
from django_remodel.lint.latest import LATEST_FILE, record_latest
from django_remodel.schema.sources import connection_for, ensure_reachable
from django_remodel.squash.build import BuiltMigration, Squash
from django_remodel.squash.plan import NewMigration


@dataclass(frozen=True)
class Written:
    """What ``write_squash`` changed, so that ``unwrite`` can take it back."""

    files: tuple[Path, ...]
    latest: tuple[tuple[Path, str], ...]
    """``max_migration.txt`` files rewritten, with what they held before."""


def write_squash(squash: Squash) -> Written:
    """Write the new migrations beside the old ones; refuses to overwrite a file."""
    for migration in squash.migrations:
        if migration.path.exists():
            raise MigrationHistoryError(
                f"{str(migration.path)!r} exists already; nothing was written."
            )
    for migration in squash.migrations:
        migration.path.write_text(migration.text, encoding="utf-8")
    latest = []
    for app in squash.plan.squashed:
        path = _latest_file(squash.migrations, app.new[-1])
        if path is not None and path.exists():
            latest.append((path, path.read_text(encoding="utf-8")))
            record_latest(path, app.new[-1].name)
    return Written(tuple(m.path for m in squash.migrations), tuple(latest))


def unwrite(written: Written) -> None:
    """Remove the new files again and restore ``max_migration.txt``."""
    for path in written.files:
        path.unlink(missing_ok=True)
    for path, text in written.latest:
        path.write_text(text, encoding="utf-8")


def _latest_file(built: Sequence[BuiltMigration], last: NewMigration) -> Path | None:
    for item in built:
        if item.plan == last:
            return item.path.parent / LATEST_FILE
    return None


@dataclass(frozen=True)
class Partial:
    """A new migration that a database applied only some of the replaced migrations of."""

    migration: NewMigration
    applied: int


def partially_applied(squash: Squash, database: str) -> list[Partial]:
    """The new migrations whose old ones ``database`` has applied some, but not all, of."""
    connection = connection_for(database)
    ensure_reachable(connection)
    try:
        applied = set(MigrationRecorder(connection).applied_migrations())
    except DatabaseError as error:
        raise MigrationHistoryError(
            f"Cannot read the applied migrations of database {database!r}: {str(error).strip()}."
        ) from error
    found = []
    for app in squash.plan.squashed:
        for migration in app.new:
            count = sum(1 for key in migration.replaces if key in applied)
            if 0 < count < len(migration.replaces):
                found.append(Partial(migration, count))
    return found


def remove_old(squash: Squash, *, databases: Iterable[str] = ()) -> list[Path]:
    """Delete the old migration files; refuses while a database is part-way through them."""
    for database in databases:
        partial = partially_applied(squash, database)
        if partial:
            first = partial[0]
            raise MigrationHistoryError(
                f"Database {database!r} has applied {first.applied} of the "
                f"{len(first.migration.replaces)} migrations that "
                f"{first.migration.app_label}.{first.migration.name} replaces; it still needs "
                "the old files. Run 'python manage.py migrate' on it first, then remove them."
            )
    removed = []
    for path in squash.old_files:
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed
