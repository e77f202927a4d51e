"""PostgreSQL: ``UPDATE ... FROM`` joins, ``lock_timeout`` per transaction."""

from __future__ import annotations

from typing import Any

from django_remodel.sql.base import (
    ALL_ROWS,
    SOURCE,
    TARGET,
    InsertValue,
    KeyRange,
    NormalizeSQL,
    Statement,
)


class PostgreSQLNormalizeSQL(NormalizeSQL):
    """The data moves on PostgreSQL."""

    vendor = "postgresql"
    revalidates_foreign_keys = True

    def exact(self, expression: str) -> str:
        # Deterministic collations compare exactly already; "C" also sets
        # aside a nondeterministic (case- or accent-insensitive) one.
        return f'{expression} COLLATE "C"'

    def collation_probe(self) -> Statement | None:
        # Per column: whether its collation (none for a type without one) is
        # deterministic, i.e. equal only where the bytes are.
        move = self.move
        return Statement(
            "SELECT a.attname, c.oid IS NULL OR c.collisdeterministic "
            "FROM pg_catalog.pg_attribute AS a "
            "LEFT JOIN pg_catalog.pg_collation AS c ON c.oid = a.attcollation "
            "WHERE NOT a.attisdropped AND ("
            "(a.attrelid = to_regclass(%s) AND a.attname = %s) "
            "OR (a.attrelid = to_regclass(%s) AND a.attname = %s))",
            (
                self.quote(move.source_table),
                move.value_column,
                self.quote(move.target_table),
                move.target_value,
            ),
        )

    def exact_collations(self, rows: list[tuple[Any, ...]]) -> bool:
        return len(rows) == 2 and all(deterministic is True for _, deterministic in rows)

    def insert_constant(self, value: InsertValue) -> str:
        # An untyped parameter in a select list would be taken as text.
        return f"CAST(%s AS {value.db_type})"

    def fill(self, keys: KeyRange = ALL_ROWS) -> Statement:
        move = self.move
        condition, params = self.in_range(SOURCE, keys)
        sql = (
            f"UPDATE {self.table(move.source_table, SOURCE)} "
            f"SET {self.quote(move.fk_column)} = {self.column(TARGET, move.target_key)} "
            f"FROM {self.table(move.target_table, TARGET)} "
            f"WHERE {self.fill_conditions()} "
            f"AND {self.match(self.column(TARGET, move.target_value), self.cleaned())}{condition}"
        )
        return Statement(sql, params)

    def restore(self, keys: KeyRange = ALL_ROWS, *, clear: bool = False) -> Statement:
        move = self.move
        target_value = self.column(TARGET, move.target_value)
        assignments, needed = self.restore_set(SOURCE, target_value, clear=clear)
        condition, params = self.in_range(SOURCE, keys)
        sql = (
            f"UPDATE {self.table(move.source_table, SOURCE)} SET {assignments} "
            f"FROM {self.table(move.target_table, TARGET)} "
            f"WHERE {self.column(TARGET, move.target_key)} = {self.column(SOURCE, move.fk_column)}"
            f"{needed}{condition}"
        )
        return Statement(sql, params)

    def transaction_lock_timeout(self, milliseconds: int) -> list[Statement]:
        # SET LOCAL lock_timeout, in the form that takes a parameter.
        return [Statement("SELECT set_config('lock_timeout', %s, true)", (f"{milliseconds}ms",))]

    def add_foreign_key_unvalidated(self, create_sql: str) -> Statement:
        return Statement(f"{create_sql} NOT VALID")

    def validate_foreign_key(self, quoted_name: str) -> Statement:
        table = self.table(self.move.source_table)
        return Statement(f"ALTER TABLE {table} VALIDATE CONSTRAINT {quoted_name}")
