"""How many rows a table holds, asked of the database as cheaply as it answers."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

from django_remodel.errors import RemodelError


@dataclass(frozen=True)
class RowCount:
    rows: int
    exact: bool
    """False when ``rows`` is the planner's estimate (PostgreSQL, MySQL big tables)."""


@dataclass
class RowCounter:
    """Row counts of tables, each asked once.

    PostgreSQL (``pg_class.reltuples``) and MySQL/MariaDB
    (``information_schema.TABLES.TABLE_ROWS``) keep an estimate that costs
    nothing to read; a table whose estimate is above ``exact_limit`` keeps it,
    every other table is counted with ``COUNT(*)`` (SQLite has no estimate).
    A table that does not exist (yet) has no rows.
    """

    connection: BaseDatabaseWrapper
    exact_limit: int = 1_000_000
    _tables: set[str] | None = None
    _counts: dict[str, RowCount] = field(default_factory=dict)

    def count(self, table: str) -> RowCount:
        if table not in self._counts:
            self._counts[table] = self._count(table)
        return self._counts[table]

    def _count(self, table: str) -> RowCount:
        try:
            with self.connection.cursor() as cursor:
                if self._tables is None:
                    self._tables = set(self.connection.introspection.table_names(cursor))
                if table not in self._tables:
                    return RowCount(0, exact=True)
                estimate = self._estimate(cursor, table)
                if estimate is not None and estimate > self.exact_limit:
                    return RowCount(estimate, exact=False)
                cursor.execute(f"SELECT COUNT(*) FROM {self.connection.ops.quote_name(table)}")
                (rows,) = cursor.fetchone()
        except DatabaseError as error:
            raise RemodelError(
                f"Cannot count the rows of table {table!r} in database "
                f"{self.connection.alias!r}: {str(error).strip()}. Check that the database "
                "user may read it, or lint without a database (--no-database)."
            ) from error
        return RowCount(int(rows), exact=True)

    def _estimate(self, cursor: CursorWrapper, table: str) -> int | None:
        vendor = self.connection.vendor
        if vendor == "postgresql":
            sql = (
                "SELECT c.reltuples FROM pg_catalog.pg_class AS c "
                "WHERE c.relname = %s AND pg_catalog.pg_table_is_visible(c.oid)"
            )
        elif vendor == "mysql":
            sql = (
                "SELECT TABLE_ROWS FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s"
            )
        else:
            return None
        cursor.execute(sql, [table])
        row = cursor.fetchone()
        if row is None or row[0] is None or float(row[0]) < 0:
            return None  # never analyzed (PostgreSQL says -1)
        return round(float(row[0]))
