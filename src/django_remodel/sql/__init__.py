"""Per-vendor SQL for the data moves: one dialect per ``connection.vendor``.

``base`` holds the shape every vendor shares; ``postgresql``, ``mysql``
(MySQL and MariaDB) and ``sqlite`` the joins and comparisons that differ.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from django_remodel.errors import UnsupportedBackendError
from django_remodel.sql.base import (
    ALL_ROWS,
    ColumnMove,
    InsertValue,
    KeyRange,
    NormalizeSQL,
    Statement,
)
from django_remodel.sql.mysql import MySQLNormalizeSQL
from django_remodel.sql.postgresql import PostgreSQLNormalizeSQL
from django_remodel.sql.sqlite import SQLiteNormalizeSQL

__all__ = [
    "ALL_ROWS",
    "ColumnMove",
    "InsertValue",
    "KeyRange",
    "NormalizeSQL",
    "Statement",
    "normalize_sql",
]

DIALECTS: dict[str, type[NormalizeSQL]] = {
    dialect.vendor: dialect
    for dialect in (PostgreSQLNormalizeSQL, MySQLNormalizeSQL, SQLiteNormalizeSQL)
}


def normalize_sql(connection: BaseDatabaseWrapper, move: ColumnMove) -> NormalizeSQL:
    """The statements of ``move`` for the database behind ``connection``."""
    dialect = DIALECTS.get(connection.vendor)
    if dialect is None:
        raise UnsupportedBackendError(
            f"Cannot move data in database {connection.alias!r}: its backend "
            f"{connection.vendor!r} is not supported; use one of {', '.join(sorted(DIALECTS))}."
        )
    return dialect(connection, move)
