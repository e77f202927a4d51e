"""SQLite: ``UPDATE ... FROM`` (SQLite 3.33+) or correlated subqueries before it."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from django_remodel.sql.base import (
    ALL_ROWS,
    SOURCE,
    TARGET,
    ColumnMove,
    KeyRange,
    NormalizeSQL,
    Statement,
)

UPDATE_FROM_VERSION = (3, 33, 0)
"""The first SQLite with ``UPDATE ... FROM``."""

_COLLATE = re.compile(r"\bCOLLATE\b", re.IGNORECASE)


class SQLiteNormalizeSQL(NormalizeSQL):
    """The data moves on SQLite (which has no lock timeout to set: writers take the file)."""

    vendor = "sqlite"

    def __init__(
        self,
        connection: BaseDatabaseWrapper,
        move: ColumnMove,
        *,
        update_from: bool | None = None,
    ) -> None:
        super().__init__(connection, move)
        if update_from is None:
            update_from = sqlite3.sqlite_version_info >= UPDATE_FROM_VERSION
        self.update_from = update_from

    def exact(self, expression: str) -> str:
        # A column declared COLLATE NOCASE would otherwise compare case-insensitively.
        return f"{expression} COLLATE BINARY"

    def collation_probe(self) -> Statement | None:
        return Statement(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN (%s, %s)",
            (self.move.source_table, self.move.target_table),
        )

    def exact_collations(self, rows: list[tuple[Any, ...]]) -> bool:
        # A column has a collation other than BINARY only where its table's
        # CREATE TABLE says COLLATE; either table saying it anywhere keeps the
        # wrapper (so does a table not found under its exact name).
        found: dict[Any, Any] = dict(rows)
        return set(found) == {self.move.source_table, self.move.target_table} and not any(
            sql is None or _COLLATE.search(sql) for sql in found.values()
        )

    def fill(self, keys: KeyRange = ALL_ROWS) -> Statement:
        move = self.move
        target_key = self.column(TARGET, move.target_key)
        target_value = self.column(TARGET, move.target_value)
        if self.update_from:
            condition, params = self.in_range(SOURCE, keys)
            sql = (
                f"UPDATE {self.table(move.source_table, SOURCE)} "
                f"SET {self.quote(move.fk_column)} = {target_key} "
                f"FROM {self.table(move.target_table, TARGET)} "
                f"WHERE {self.fill_conditions()} "
                f"AND {self.match(target_value, self.cleaned())}{condition}"
            )
            return Statement(sql, params)
        # Correlated subqueries name the updated table itself (no alias).
        source = self.quote(move.source_table)
        condition, params = self.in_range(source, keys)
        lookup = (
            f"FROM {self.table(move.target_table, TARGET)} "
            f"WHERE {self.match(target_value, self.cleaned(source))}"
        )
        sql = (
            f"UPDATE {source} SET {self.quote(move.fk_column)} = "
            f"(SELECT {target_key} {lookup} LIMIT 1) "
            f"WHERE {self.fill_conditions(source)} AND EXISTS (SELECT 1 {lookup}){condition}"
        )
        return Statement(sql, params)

    def restore(self, keys: KeyRange = ALL_ROWS, *, clear: bool = False) -> Statement:
        move = self.move
        target_value = self.column(TARGET, move.target_value)
        if self.update_from:
            assignments, needed = self.restore_set(SOURCE, target_value, clear=clear)
            condition, params = self.in_range(SOURCE, keys)
            sql = (
                f"UPDATE {self.table(move.source_table, SOURCE)} SET {assignments} "
                f"FROM {self.table(move.target_table, TARGET)} "
                f"WHERE {self.column(TARGET, move.target_key)} = "
                f"{self.column(SOURCE, move.fk_column)}{needed}{condition}"
            )
            return Statement(sql, params)
        source = self.quote(move.source_table)
        condition, params = self.in_range(source, keys)
        looked_up = (
            f"(SELECT {target_value} FROM {self.table(move.target_table, TARGET)} "
            f"WHERE {self.column(TARGET, move.target_key)} = "
            f"{self.column(source, move.fk_column)})"
        )
        assignments, needed = self.restore_set(source, looked_up, clear=clear)
        sql = (
            f"UPDATE {source} SET {assignments} "
            f"WHERE {self.column(source, move.fk_column)} IS NOT NULL{needed}{condition}"
        )
        return Statement(sql, params)
