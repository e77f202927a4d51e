"""Read the schema of a connected database, with the introspector of its backend."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from django.db.backends.base.base import BaseDatabaseWrapper

from django_remodel.errors import UnsupportedBackendError
from django_remodel.schema.model import Schema, Table

# connection.vendor -> the module whose read_tables() reads that backend.
INTROSPECTORS = {
    "postgresql": "django_remodel.schema.postgresql",
    "mysql": "django_remodel.schema.mysql",
    "sqlite": "django_remodel.schema.sqlite",
}


def introspect(connection: BaseDatabaseWrapper, *, label: str | None = None) -> Schema:
    """The schema of the database ``connection`` points at.

    ``label`` names the source in descriptions of differences; it defaults
    to ``database '<alias>'``.
    """
    if connection.vendor not in INTROSPECTORS:
        raise UnsupportedBackendError(
            f"Cannot read the schema of database {connection.alias!r}: its backend "
            f"{connection.vendor!r} is not supported; use one of "
            f"{', '.join(sorted(INTROSPECTORS))}."
        )
    module = importlib.import_module(INTROSPECTORS[connection.vendor])
    read_tables: Callable[[BaseDatabaseWrapper], list[Table]] = module.read_tables
    tables = read_tables(connection)
    return Schema(
        vendor=connection.vendor,
        tables=tuple(sorted(tables, key=lambda table: table.name)),
        label=label if label is not None else f"database {connection.alias!r}",
    )
