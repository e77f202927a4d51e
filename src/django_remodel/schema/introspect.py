"""Read the schema of a connected database, with the introspector of its backend."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from django.db import Error as DjangoDatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper

from django_remodel.errors import SchemaReadError, UnsupportedBackendError
from django_remodel.schema.model import Schema, Table

# connection.vendor -> the module whose read_tables() reads that backend.
INTROSPECTORS = {
    "postgresql": "django_remodel.schema.postgresql",
    "mysql": "django_remodel.schema.mysql",
    "sqlite": "django_remodel.schema.sqlite",
}

# What to check when an introspector's catalog queries fail.
_SERVER_ADVICE = (
    "Check that the server is still reachable, that it is a version Django supports, "
    "and that the database user may read {}."
)
_READ_ADVICE = {
    "postgresql": _SERVER_ADVICE.format("pg_catalog"),
    "mysql": _SERVER_ADVICE.format("information_schema"),
    "sqlite": (
        "Check that the file is an intact SQLite database and that Python's SQLite "
        "library is a version Django supports."
    ),
}

_SERVERS = {"postgresql": "PostgreSQL", "mysql": "MySQL"}


def where(connection: BaseDatabaseWrapper) -> str:
    """Where a connection points, for error messages (never its password)."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite file {str(settings_dict['NAME'])!r}"
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    # Not connection.display_name: on MySQL that asks the server, which may be down.
    server = _SERVERS.get(connection.vendor, connection.vendor)
    return f"{server} database {settings_dict['NAME']!r} on {host}{port}"


def introspect(connection: BaseDatabaseWrapper, *, label: str | None = None) -> Schema:
    """The schema of the database ``connection`` points at.

    ``label`` names the source in descriptions of differences; it defaults
    to ``database '<alias>'``. A database error while reading is raised as
    ``SchemaReadError``.
    """
    if connection.vendor not in INTROSPECTORS:
        raise UnsupportedBackendError(
            f"Cannot read the schema of database {connection.alias!r}: its backend "
            f"{connection.vendor!r} is not supported; use one of "
            f"{', '.join(sorted(INTROSPECTORS))}."
        )
    database = f"database {connection.alias!r}"
    label = label if label is not None else database
    module = importlib.import_module(INTROSPECTORS[connection.vendor])
    read_tables: Callable[[BaseDatabaseWrapper], list[Table]] = module.read_tables
    try:
        tables = read_tables(connection)
    except DjangoDatabaseError as error:
        source = f"{database}, the {where(connection)}"
        if label != database:
            source = f"{label}, from {source}"
        raise SchemaReadError(
            f"Could not read the schema of {source}: {str(error).strip()}. "
            f"{_READ_ADVICE[connection.vendor]}"
        ) from error
    return Schema(
        vendor=connection.vendor,
        tables=tuple(sorted(tables, key=lambda table: table.name)),
        label=label,
    )
