"""The migration history lint reads: the files of each app, and what a database applied."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from django.apps import apps as global_apps
from django.db import DatabaseError
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.recorder import MigrationRecorder

from django_remodel.errors import (
    DatabaseUnreachableError,
    MigrationHistoryError,
    UnknownAppError,
)
from django_remodel.graph import ModelGraph
from django_remodel.schema.sources import connection_for, ensure_reachable

Key = tuple[str, str]
"""``(app label, migration name)``, as Django's migration graph keys its nodes."""


@dataclass(frozen=True)
class History:
    """The project's migrations as Django loads them, and which of them a database applied."""

    loader: MigrationLoader
    apps: tuple[str, ...]
    applied: frozenset[Key] | None
    """Applied migrations of the database; ``None`` when no database was read."""
    database: str | None = None
    vendor: str | None = None
    server_version: tuple[int, ...] | None = None
    mariadb: bool = False

    def migration(self, key: Key) -> Migration:
        migration: Migration = self.loader.graph.nodes[key]
        return migration

    def leaves(self, app_label: str) -> list[str]:
        return [name for _app, name in self.loader.graph.leaf_nodes(app_label)]

    def keys(self, app_label: str) -> list[Key]:
        """The app's migrations in the graph, in name order."""
        return sorted(key for key in self.loader.graph.nodes if key[0] == app_label)

    def is_applied(self, key: Key) -> bool:
        return self.applied is not None and key in self.applied

    def path(self, key: Key) -> Path | None:
        return migration_path(self.migration(key))

    def migrations_dir(self, app_label: str) -> Path | None:
        return migrations_dir(app_label)


def migration_path(migration: Migration) -> Path | None:
    """The file a migration was loaded from."""
    module = sys.modules.get(type(migration).__module__)
    file = getattr(module, "__file__", None)
    return Path(file) if file else None


def migrations_dir(app_label: str) -> Path | None:
    """The directory of the app's migrations package, when it has one on disk."""
    module_name, _explicit = MigrationLoader.migrations_module(app_label)
    if module_name is None:
        return None
    try:
        module = import_module(module_name)
    except ImportError:
        return None
    file = getattr(module, "__file__", None)
    return Path(file).parent if file else None


def first_party_apps(loader: MigrationLoader) -> list[str]:
    """Labels of the project's own apps (not Django's or a package's) that have migrations."""
    graph = ModelGraph.build()
    first_party = {node.app_label for node in graph if node.first_party}
    migrated = {app_label for app_label, _name in loader.disk_migrations}
    return sorted(first_party & migrated)


def select_apps(loader: MigrationLoader, app_labels: Sequence[str]) -> tuple[str, ...]:
    """The apps asked for, checked; every first-party app with migrations when none are."""
    if not app_labels:
        return tuple(first_party_apps(loader))
    migrated = {app_label for app_label, _name in loader.disk_migrations}
    installed = {config.label for config in global_apps.get_app_configs()}
    for app_label in app_labels:
        if app_label not in installed:
            known = ", ".join(sorted(migrated))
            raise UnknownAppError(
                f"No installed app is labelled {app_label!r}; apps with migrations: {known}."
            )
        if app_label not in migrated:
            raise UnknownAppError(
                f"App {app_label!r} has no migrations to lint; "
                "run 'python manage.py makemigrations' first, or leave it out."
            )
    return tuple(dict.fromkeys(app_labels))


def load_history(app_labels: Iterable[str] = (), *, using: str | None = "default") -> History:
    """Load every migration file; with ``using``, also read what that database applied."""
    if using is None:
        loader = MigrationLoader(None, ignore_no_migrations=True)
        return History(loader, select_apps(loader, list(app_labels)), applied=None)
    connection = connection_for(using)
    try:
        ensure_reachable(connection)
    except DatabaseUnreachableError as error:
        raise DatabaseUnreachableError(
            f"{error} To lint without a database, pass --no-database."
        ) from error
    try:
        applied = frozenset(MigrationRecorder(connection).applied_migrations())
    except DatabaseError as error:
        raise MigrationHistoryError(
            f"Cannot read the applied migrations of database {using!r}: "
            f"{str(error).strip()}. Check that the database user may read the "
            "django_migrations table, or lint without a database (--no-database)."
        ) from error
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    version: tuple[int, ...] | None = None
    mariadb = False
    if connection.vendor == "mysql":
        version = tuple(getattr(connection, "mysql_version", ()))
        mariadb = bool(getattr(connection, "mysql_is_mariadb", False))
    elif connection.vendor == "postgresql":
        number = int(getattr(connection, "pg_version", 0))
        version = (number // 10000, number % 10000)
    return History(
        loader,
        select_apps(loader, list(app_labels)),
        applied=applied,
        database=using,
        vendor=connection.vendor,
        server_version=version,
        mariadb=mariadb,
    )
