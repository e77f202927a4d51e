"""Where schemas come from: a configured database, or a fresh one the migrations build.

``throwaway_database()`` makes an empty database next to a configured one,
the way Django's test runner makes its test database (same server and
credentials, a distinct name; a temporary file for SQLite), registers it as
a connection alias so ``migrate`` and data migrations reach it by alias,
and drops it afterwards even when something failed.
"""

from __future__ import annotations

import io
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.management import call_command
from django.db import DatabaseError, connections
from django.db import Error as DjangoDatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor

from django_remodel.errors import (
    DatabaseUnreachableError,
    MigrationsFailedError,
    RemodelError,
    ThrowawayDatabaseError,
    UnknownDatabaseError,
    UnsupportedBackendError,
)
from django_remodel.schema.diff import Difference, diff_schemas
from django_remodel.schema.introspect import introspect
from django_remodel.schema.introspect import where as _where
from django_remodel.schema.model import Schema

if TYPE_CHECKING:
    from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper

MIGRATIONS_LABEL = "the migrations"


def connection_for(alias: str) -> BaseDatabaseWrapper:
    """The connection of ``alias``, or an error listing the aliases there are."""
    if alias not in connections.settings:
        known = ", ".join(repr(name) for name in connections)
        raise UnknownDatabaseError(
            f"There is no database {alias!r} in settings.DATABASES; "
            f"use one of the configured aliases: {known}."
        )
    return connections[alias]


def _sqlite_file(name: object) -> Path | None:
    """The file an SQLite NAME opens, or None when that cannot be told before connecting.

    Django always lets SQLite read a NAME starting with ``file:`` as a URI
    (``file:db.sqlite3?mode=ro``), whose path part is the file.
    """
    text = str(name)
    if not text.startswith("file:"):
        return Path(text)
    uri = urlsplit(text)
    # Another host is refused by SQLite, an empty path opens a temporary
    # database and a VFS may keep the database anywhere: connecting says
    # what happens.
    if uri.netloc not in ("", "localhost") or not uri.path or "vfs" in parse_qs(uri.query):
        return None
    return Path(unquote(uri.path))


def ensure_reachable(connection: BaseDatabaseWrapper) -> None:
    """Connect, or raise ``DatabaseUnreachableError`` saying where and why not."""
    alias = connection.alias
    if connection.vendor == "sqlite":
        in_memory = cast("SQLiteDatabaseWrapper", connection).is_in_memory_db()
        file = None if in_memory else _sqlite_file(connection.settings_dict["NAME"])
        # Connecting would silently create an empty database file.
        if file is not None and not file.is_file():
            raise DatabaseUnreachableError(
                f"Database {alias!r} is the {_where(connection)}, which does not exist; "
                f"check NAME in settings.DATABASES[{alias!r}] or run migrate first."
            )
    try:
        connection.ensure_connection()
    except DjangoDatabaseError as error:
        raise DatabaseUnreachableError(
            f"Cannot connect to database {alias!r}, the {_where(connection)}: "
            f"{str(error).strip()}. Check that the server is running and that "
            f"settings.DATABASES[{alias!r}] is right."
        ) from error


def read_schema(alias: str) -> Schema:
    """The schema of the configured database ``alias``."""
    connection = connection_for(alias)
    ensure_reachable(connection)
    return introspect(connection, label=f"database {alias!r}")


# A character set or collation name, as MySQL and MariaDB spell them.
_CHARSET_NAME = re.compile(r"[A-Za-z0-9_]+")


def _creation_suffix(source: BaseDatabaseWrapper, target: BaseDatabaseWrapper) -> str:
    """The options of ``CREATE DATABASE`` for a throwaway copy of ``source``."""
    if source.vendor == "mysql":
        # MySQL columns inherit their collation from the database, so the copy
        # gets the source's defaults: only what the migrations did may differ.
        try:
            with source.cursor() as cursor:
                cursor.execute(
                    "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "
                    "FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()"
                )
                row = cursor.fetchone()
        except DjangoDatabaseError as error:
            raise ThrowawayDatabaseError(
                f"Could not read the character set and collation of database "
                f"{source.alias!r}, the {_where(source)}, to give the throwaway database "
                f"the same: {str(error).strip()}. Check that the user of "
                f"settings.DATABASES[{source.alias!r}] may read information_schema.SCHEMATA, "
                "or compare with --other."
            ) from error
        if row and all(_CHARSET_NAME.fullmatch(value or "") for value in row):
            # Both servers accept these names quoted as identifiers.
            charset, collation = (source.ops.quote_name(value) for value in row)
            return f"CHARACTER SET {charset} COLLATE {collation}"
    # As for a test database: the TEST settings' CHARSET, TEMPLATE, ...
    return target.creation.sql_table_creation_suffix()


def _throwaway_name(source_name: str, token: str, max_length: int) -> str:
    suffix = f"_remodel_{token}"
    return f"{source_name[: max_length - len(suffix)]}{suffix}"


@contextmanager
def throwaway_database(
    source_alias: str, *, alias: str | None = None
) -> Iterator[BaseDatabaseWrapper]:
    """An empty database beside ``source_alias``'s, dropped on exit.

    It lives on the same server with the same credentials, named
    ``<name>_remodel_<random>``; for SQLite it is a file in a temporary
    directory. While the block runs it is registered in
    ``django.db.connections`` as ``alias`` (by default
    ``remodel_throwaway_<random>``), so ``call_command(..., database=alias)``
    reaches it. It is dropped, and the alias removed, on exit, also when the
    block raised. If it cannot be dropped, that raises
    ``ThrowawayDatabaseError`` when the block succeeded, and is a note on the
    block's own error when it did not.
    """
    source = connection_for(source_alias)
    ensure_reachable(source)
    token = secrets.token_hex(4)
    alias = alias or f"remodel_throwaway_{token}"
    if alias in connections.settings:
        raise RemodelError(
            f"Cannot register the throwaway database as {alias!r}: settings.DATABASES "
            "already has that alias; choose another."
        )
    throwaway = _Throwaway(source, alias)
    try:
        yield throwaway.create(token)
    except BaseException as error:
        # The block's own error is what went wrong; not dropping is a footnote.
        problem = throwaway.dispose()
        if problem is not None:
            error.add_note(str(problem))
        raise
    problem = throwaway.dispose()
    if problem is not None:
        raise problem


class _Throwaway:
    """The steps of making a throwaway database and of removing every trace of it."""

    def __init__(self, source: BaseDatabaseWrapper, alias: str) -> None:
        self.source = source
        self.alias = alias
        self.name = ""
        self.temporary_directory: str | None = None
        self.registered = False
        self.connection: BaseDatabaseWrapper | None = None
        self.created = False

    def create(self, token: str) -> BaseDatabaseWrapper:
        source = self.source
        # Copies of the nested dicts, not a deep copy: OPTIONS may hold objects
        # (an SSL context) that cannot be copied.
        settings_dict = {
            **source.settings_dict,
            "OPTIONS": dict(source.settings_dict.get("OPTIONS") or {}),
            "TEST": dict(source.settings_dict.get("TEST") or {}),
        }
        # A pool would keep connections open and the database could not be dropped.
        settings_dict["OPTIONS"].pop("pool", None)
        if source.vendor == "sqlite":
            self.temporary_directory = tempfile.mkdtemp(prefix="remodel-")
            self.name = str(Path(self.temporary_directory) / f"{source.alias}.sqlite3")
        else:
            self.name = _throwaway_name(
                str(settings_dict["NAME"]), token, source.ops.max_name_length() or 63
            )
        settings_dict["NAME"] = self.name
        self.registered = True
        connections.settings[self.alias] = settings_dict
        connection = self.connection = connections[self.alias]
        if self.temporary_directory is None:
            suffix = _creation_suffix(source, connection)
            quoted = connection.ops.quote_name(self.name)
            try:
                with connection._nodb_cursor() as cursor:
                    cursor.execute(f"CREATE DATABASE {quoted} {suffix}")
            except DatabaseError as error:
                raise ThrowawayDatabaseError(
                    f"Could not create a throwaway database {self.name!r} on the server of "
                    f"database {source.alias!r}: {str(error).strip()}. The user of "
                    f"settings.DATABASES[{source.alias!r}] needs the right to create "
                    "databases, as for running Django's tests."
                ) from error
            self.created = True
        return connection

    def dispose(self) -> ThrowawayDatabaseError | None:
        """Drop the database, delete its directory and remove its alias.

        Each step runs even when an earlier one failed. Returns the error
        of a failed DROP, for the caller to raise or note.
        """
        problem = None
        if self.connection is not None:
            # Whether closing failed matters only if the DROP then fails, which
            # says so; Django forgets the connection either way.
            with suppress(Exception):
                self.connection.close()
            if self.created:
                try:
                    with self.connection._nodb_cursor() as cursor:
                        cursor.execute(f"DROP DATABASE {self.connection.ops.quote_name(self.name)}")
                except Exception as error:
                    problem = ThrowawayDatabaseError(
                        f"Could not drop the throwaway database {self.name!r} on the server of "
                        f"database {self.source.alias!r}: {str(error).strip()}. "
                        "Drop it by hand."
                    )
                    problem.__cause__ = error
        if self.temporary_directory is not None:
            shutil.rmtree(self.temporary_directory, ignore_errors=True)
        if self.registered:
            # Never connected to in this thread if creating it failed early.
            with suppress(AttributeError):
                del connections[self.alias]
            connections.settings.pop(self.alias, None)
        return problem


def migrate(connection: BaseDatabaseWrapper) -> None:
    """Apply every migration to ``connection``'s database, printing nothing."""
    output = io.StringIO()
    call_command(
        "migrate",
        database=connection.alias,
        interactive=False,
        verbosity=0,
        stdout=output,
        stderr=output,
    )


def _first_unapplied_migration(connection: BaseDatabaseWrapper) -> str | None:
    """The migration ``migrate`` would apply next on ``connection``, if it can be told."""
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:  # only a detail of another error's message: never replace that error
        return None
    if not plan:
        return None
    migration, _ = plan[0]
    return f"{migration.app_label}.{migration.name}"


def read_migrated_schema(source_alias: str) -> Schema:
    """The schema the migrations build on a fresh database beside ``source_alias``'s."""
    with throwaway_database(source_alias) as connection:
        try:
            migrate(connection)
        except DjangoDatabaseError as error:
            name = connection.settings_dict["NAME"]
            failed = _first_unapplied_migration(connection)
            during = f", in migration {failed!r}" if failed else ""
            fix = "that migration" if failed else "the migrations"
            raise MigrationsFailedError(
                f"The migrations failed on the throwaway database {name!r} beside database "
                f"{source_alias!r}{during}: {str(error).strip()}; fix {fix}, or compare "
                "with another database with --other."
            ) from error
        return introspect(connection, label=MIGRATIONS_LABEL)


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing a database's schema with another schema."""

    left_label: str
    right_label: str
    differences: tuple[Difference, ...]

    @property
    def identical(self) -> bool:
        return not self.differences


def compare(
    alias: str,
    *,
    other: str | None = None,
    against_migrations: bool = False,
    exclude_tables: Iterable[str] = (),
    ignore_names: bool = False,
    ignore_column_order: bool = False,
) -> Comparison:
    """Compare database ``alias`` with database ``other`` or with its migrations.

    Exactly one of ``other`` and ``against_migrations`` must be given. Both
    databases are checked before anything is read, so a wrong alias fails
    before a throwaway database is built. See ``diff_schemas`` for the
    options.
    """
    if (other is None) == (not against_migrations):
        raise ValueError("Give exactly one of other= and against_migrations=True.")
    connection = connection_for(alias)
    other_connection = connection_for(other) if other is not None else None
    for checked in (connection, other_connection):
        if checked is not None:
            ensure_reachable(checked)
    if other_connection is not None and other_connection.vendor != connection.vendor:
        raise UnsupportedBackendError(
            f"Cannot compare database {alias!r} ({connection.vendor}) with database "
            f"{other!r} ({other_connection.vendor}): schemas are compared in each "
            "backend's own terms, so both must use the same backend."
        )
    left = introspect(connection, label=f"database {alias!r}")
    if other_connection is not None:
        right = introspect(other_connection, label=f"database {other!r}")
    else:
        right = read_migrated_schema(alias)
    differences = diff_schemas(
        left,
        right,
        exclude_tables=exclude_tables,
        ignore_names=ignore_names,
        ignore_column_order=ignore_column_order,
    )
    return Comparison(left.label, right.label, tuple(differences))
