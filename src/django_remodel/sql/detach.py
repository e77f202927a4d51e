"""Per-vendor SQL for ``remodel detach``: a multi-table child takes its parent's columns.

Three moves, each described by plain table and column names (as the models
name them) and turned into statements by one dialect per vendor:

- :class:`CopyColumns`: the parent's values copied into the child's own
  columns, one join of the two tables;
- :class:`ReferenceMove`: a foreign key to the parent split into one key per
  child (or a content type and object id), one join per child;
- :class:`ParentRows`: the parent rows that moved deleted, and put back from
  the children when the contract migration is reversed.

Identifiers are quoted with the connection's ``quote_name``; values (content
type ids, key bounds) travel as parameters. Batches walk a table by its
primary key with the same statements ``remodel normalize`` uses
(:func:`table_keys`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db.backends.base.base import BaseDatabaseWrapper

from django_remodel.errors import UnsupportedBackendError
from django_remodel.sql import ColumnMove, NormalizeSQL, normalize_sql
from django_remodel.sql.base import ALL_ROWS, KeyRange, Statement, column_in_range

CHILD = "c"
PARENT = "p"
REFERRER = "r"


def table_keys(connection: BaseDatabaseWrapper, table: str, pk: str) -> NormalizeSQL:
    """The key-range, row-count and lock-timeout statements for walking ``table`` by ``pk``.

    They are the normalize dialect's own (``key_bounds``, ``next_upper``,
    ``transaction_lock_timeout``...), which only read the source table and its key,
    so batches of every refactoring are cut and bounded alike.
    """
    return normalize_sql(
        connection,
        ColumnMove(
            source_table=table,
            source_pk=pk,
            value_column="",
            fk_column="",
            target_table="",
            target_key="",
            target_value="",
        ),
    )


@dataclass(frozen=True)
class Column:
    """A column copied from the parent (``source``) into the child (``target``)."""

    source: str
    target: str
    text: bool = False
    """Compared byte for byte (MySQL collations call 'a' and 'A ' equal)."""


@dataclass(frozen=True)
class CopyColumns:
    """The child's columns that take the parent's values, joined on the child's key."""

    child_table: str
    child_pk: str
    parent_table: str
    parent_pk: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Target:
    """Where a reference to the parent goes when its row is in one child.

    ``columns`` is the new foreign key (split), or the content type and object
    id columns (generic, with the child's ``content_type_id``).
    """

    child_table: str
    child_pk: str
    columns: tuple[str, ...]
    content_type_id: int | None = None


@dataclass(frozen=True)
class ReferenceMove:
    """A table whose foreign key to the parent (``old``) is split over the children."""

    table: str
    pk: str
    old: str
    targets: tuple[Target, ...]
    generic: bool = False


@dataclass(frozen=True)
class ParentRows:
    """The parent's rows and columns, and the children (with their copies) they moved to."""

    parent_table: str
    parent_pk: str
    children: tuple[CopyColumns, ...]


class DetachSQL:
    """The statements of the three moves on one vendor; subclasses fill in the joins."""

    vendor: ClassVar[str]

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.quote = connection.ops.quote_name

    # -- Expressions ---------------------------------------------------------------

    def check_deferred(self) -> list[Statement]:
        """Statements that check the deferred foreign keys now, so that the schema changes
        after a data move in the same transaction find no pending checks."""
        return []

    def column(self, ref: str | None, name: str) -> str:
        return self.quote(name) if ref is None else f"{ref}.{self.quote(name)}"

    def table(self, name: str, alias: str | None = None) -> str:
        return self.quote(name) if alias is None else f"{self.quote(name)} AS {alias}"

    def same(self, left: str, right: str, *, text: bool) -> str:
        """Null-safe equality (NULL equals NULL), exact for text."""
        raise NotImplementedError

    def in_range(self, column: str, keys: KeyRange) -> tuple[str, tuple[Any, ...]]:
        """`` AND column in keys`` and its parameters (nothing for every row)."""
        return column_in_range(column, keys)

    def copied(self, copy: CopyColumns, child: str, parent: str) -> str:
        """True where every copied column of the child row equals the parent's."""
        return " AND ".join(
            self.same(self.column(child, c.target), self.column(parent, c.source), text=c.text)
            for c in copy.columns
        )

    # -- Copying the parent's columns -----------------------------------------------

    def copy(self, copy: CopyColumns, keys: KeyRange = ALL_ROWS) -> Statement:
        """Copy the parent's values into each child row in ``keys`` that differs from them."""
        raise NotImplementedError

    def verify_copy(self, copy: CopyColumns) -> Statement:
        """One row: (child rows with no parent row, child rows whose copies differ)."""
        child_pk = self.column(CHILD, copy.child_pk)
        parent_pk = self.column(PARENT, copy.parent_pk)
        sql = (
            f"SELECT COALESCE(SUM(CASE WHEN {parent_pk} IS NULL THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN {parent_pk} IS NOT NULL AND NOT "
            f"({self.copied(copy, CHILD, PARENT)}) THEN 1 ELSE 0 END), 0) "
            f"FROM {self.table(copy.child_table, CHILD)} "
            f"LEFT JOIN {self.table(copy.parent_table, PARENT)} ON {parent_pk} = {child_pk}"
        )
        return Statement(sql)

    def clear_copy(self, copy: CopyColumns, keys: KeyRange = ALL_ROWS) -> Statement:
        """Set the copied columns of the child rows in ``keys`` back to NULL."""
        assignments = ", ".join(f"{self.quote(c.target)} = NULL" for c in copy.columns)
        condition, params = self.in_range(self.quote(copy.child_pk), keys)
        sql = f"UPDATE {self.table(copy.child_table)} SET {assignments} WHERE 1 = 1{condition}"
        return Statement(sql, params)

    # -- Splitting references --------------------------------------------------------

    def target_set(
        self, move: ReferenceMove, target: Target, ref: str | None
    ) -> tuple[str, tuple[Any, ...]]:
        """True where the row's new reference for ``target`` is set (with its parameters)."""
        first = self.column(ref, target.columns[0])
        if move.generic:
            return f"{first} = %s", (self._ct(target),)
        return f"{first} IS NOT NULL", ()

    def any_target_set(self, move: ReferenceMove, ref: str | None) -> tuple[str, tuple[Any, ...]]:
        """True where one of the row's new references is set (with its parameters)."""
        parts = [self.target_set(move, target, ref) for target in move.targets]
        return " OR ".join(sql for sql, _ in parts), tuple(p for _, ps in parts for p in ps)

    def _ct(self, target: Target) -> int:
        assert target.content_type_id is not None, "generic targets carry a content type id"
        return target.content_type_id

    def fill_reference(
        self, move: ReferenceMove, target: Target, keys: KeyRange = ALL_ROWS
    ) -> Statement:
        """Point the new reference of each row in ``keys`` whose old key is a row of the
        child at that row, where it is not set yet."""
        raise NotImplementedError

    def assignments(
        self, move: ReferenceMove, target: Target, value: str, qualify: str | None
    ) -> tuple[str, tuple[Any, ...]]:
        """The ``SET`` list that points a row's new reference at ``value``."""
        if move.generic:
            content_type, object_id = target.columns
            return (
                f"{self.column(qualify, content_type)} = %s, "
                f"{self.column(qualify, object_id)} = {value}",
                (self._ct(target),),
            )
        return f"{self.column(qualify, target.columns[0])} = {value}", ()

    def unset(self, move: ReferenceMove, target: Target, ref: str | None) -> str:
        return f"{self.column(ref, target.columns[0])} IS NULL"

    def verify_references(self, move: ReferenceMove) -> Statement:
        """One row: (rows whose new reference is missing or wrong, rows whose old key is
        a row of no child)."""
        joins, wrong, none = [], [], []
        params: list[Any] = []
        old = self.column(REFERRER, move.old)
        for number, target in enumerate(move.targets):
            alias = f"{CHILD}{number}"
            pk = self.column(alias, target.child_pk)
            joins.append(f"LEFT JOIN {self.table(target.child_table, alias)} ON {pk} = {old}")
            if move.generic:
                content_type, object_id = (self.column(REFERRER, c) for c in target.columns)
                points = f"{content_type} = %s AND {object_id} = {pk}"
                stray = f"{pk} IS NULL AND {content_type} = %s"
                params += [self._ct(target), self._ct(target)]
            else:
                fk = self.column(REFERRER, target.columns[0])
                points = f"{fk} = {pk}"
                stray = f"{pk} IS NULL AND {fk} IS NOT NULL"
            wrong.append(f"({pk} IS NOT NULL AND NOT ({points}))")
            wrong.append(f"({stray})")
            none.append(f"{pk} IS NULL")
        sql = (
            f"SELECT COALESCE(SUM(CASE WHEN {' OR '.join(wrong)} THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN {old} IS NOT NULL AND {' AND '.join(none)} "
            "THEN 1 ELSE 0 END), 0) "
            f"FROM {self.table(move.table, REFERRER)} {' '.join(joins)}"
        )
        return Statement(sql, tuple(params))

    def clear_references(self, move: ReferenceMove, keys: KeyRange = ALL_ROWS) -> Statement:
        """Set the new references of the rows in ``keys`` back to NULL."""
        columns = dict.fromkeys(c for target in move.targets for c in target.columns)
        assignments = ", ".join(f"{self.quote(c)} = NULL" for c in columns)
        condition, params = self.in_range(self.quote(move.pk), keys)
        sql = f"UPDATE {self.table(move.table)} SET {assignments} WHERE 1 = 1{condition}"
        return Statement(sql, params)

    # -- The old key and the parent's rows (contract) ----------------------------------

    def clear_old(self, move: ReferenceMove, keys: KeyRange = ALL_ROWS) -> Statement:
        """Set the old key to NULL on the rows in ``keys`` that have a new reference."""
        moved, moved_params = self.any_target_set(move, None)
        old = self.quote(move.old)
        condition, params = self.in_range(self.quote(move.pk), keys)
        sql = (
            f"UPDATE {self.table(move.table)} SET {old} = NULL "
            f"WHERE {old} IS NOT NULL AND ({moved}){condition}"
        )
        return Statement(sql, (*moved_params, *params))

    def restore_old(self, move: ReferenceMove, keys: KeyRange = ALL_ROWS) -> Statement:
        """Write the old key back from the new references where it is NULL."""
        old = self.quote(move.old)
        value_params: tuple[Any, ...] = ()
        if move.generic:
            cases = []
            for target in move.targets:
                when, when_params = self.target_set(move, target, None)
                cases.append(f"WHEN {when} THEN {self.quote(target.columns[1])}")
                value_params += when_params
            value = "CASE " + " ".join(cases) + " END"
        else:
            value = "COALESCE(" + ", ".join(self.quote(t.columns[0]) for t in move.targets) + ")"
            if len(move.targets) == 1:
                value = self.quote(move.targets[0].columns[0])
        moved, moved_params = self.any_target_set(move, None)
        condition, params = self.in_range(self.quote(move.pk), keys)
        sql = (
            f"UPDATE {self.table(move.table)} SET {old} = {value} "
            f"WHERE {old} IS NULL AND ({moved}){condition}"
        )
        return Statement(sql, (*value_params, *moved_params, *params))

    def count_old(self, move: ReferenceMove) -> Statement:
        """How many rows still have an old key."""
        old = self.quote(move.old)
        return Statement(f"SELECT COUNT(*) FROM {self.table(move.table)} WHERE {old} IS NOT NULL")

    def moved(self, rows: ParentRows, parent: str) -> str:
        """True where the parent row has a row in one of the children."""
        pk = self.column(parent, rows.parent_pk)
        return " OR ".join(
            f"EXISTS (SELECT 1 FROM {self.table(c.child_table, f'{CHILD}{n}')} "
            f"WHERE {self.column(f'{CHILD}{n}', c.child_pk)} = {pk})"
            for n, c in enumerate(rows.children)
        )

    def delete_moved(self, rows: ParentRows, keys: KeyRange = ALL_ROWS) -> Statement:
        """Delete the parent rows in ``keys`` that have a row in a child."""
        table = self.quote(rows.parent_table)
        condition, params = self.in_range(self.column(table, rows.parent_pk), keys)
        sql = f"DELETE FROM {table} WHERE ({self.moved(rows, table)}){condition}"
        return Statement(sql, params)

    def count_parent(self, rows: ParentRows) -> Statement:
        """One row: (parent rows, parent rows that have a row in a child)."""
        moved = self.moved(rows, PARENT)
        sql = (
            f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {moved} THEN 1 ELSE 0 END), 0) "
            f"FROM {self.table(rows.parent_table, PARENT)}"
        )
        return Statement(sql)

    def restore_parent(self, rows: ParentRows, copy: CopyColumns) -> Statement:
        """Insert a parent row for each row of the child that has none (from its copies)."""
        columns = [rows.parent_pk, *(c.source for c in copy.columns)]
        values = [copy.child_pk, *(c.target for c in copy.columns)]
        parent_pk = self.column(PARENT, rows.parent_pk)
        sql = (
            f"INSERT INTO {self.table(rows.parent_table)} "
            f"({', '.join(self.quote(c) for c in columns)}) "
            f"SELECT {', '.join(self.column(CHILD, c) for c in values)} "
            f"FROM {self.table(copy.child_table, CHILD)} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {self.table(rows.parent_table, PARENT)} "
            f"WHERE {parent_pk} = {self.column(CHILD, copy.child_pk)})"
        )
        return Statement(sql)


class PostgreSQLDetachSQL(DetachSQL):
    """``UPDATE ... FROM`` joins; ``IS NOT DISTINCT FROM``; text compared in ``"C"``."""

    vendor = "postgresql"

    def check_deferred(self) -> list[Statement]:
        return [
            Statement("SET CONSTRAINTS ALL IMMEDIATE"),
            Statement("SET CONSTRAINTS ALL DEFERRED"),
        ]

    def same(self, left: str, right: str, *, text: bool) -> str:
        if text:
            left, right = f'{left} COLLATE "C"', f'{right} COLLATE "C"'
        return f"{left} IS NOT DISTINCT FROM {right}"

    def copy(self, copy: CopyColumns, keys: KeyRange = ALL_ROWS) -> Statement:
        assignments = ", ".join(
            f"{self.quote(c.target)} = {self.column(PARENT, c.source)}" for c in copy.columns
        )
        condition, params = self.in_range(self.column(CHILD, copy.child_pk), keys)
        sql = (
            f"UPDATE {self.table(copy.child_table, CHILD)} SET {assignments} "
            f"FROM {self.table(copy.parent_table, PARENT)} "
            f"WHERE {self.column(PARENT, copy.parent_pk)} = {self.column(CHILD, copy.child_pk)} "
            f"AND NOT ({self.copied(copy, CHILD, PARENT)}){condition}"
        )
        return Statement(sql, params)

    def fill_reference(
        self, move: ReferenceMove, target: Target, keys: KeyRange = ALL_ROWS
    ) -> Statement:
        child_pk = self.column(CHILD, target.child_pk)
        assignments, values = self.assignments(move, target, child_pk, None)
        condition, params = self.in_range(self.column(REFERRER, move.pk), keys)
        sql = (
            f"UPDATE {self.table(move.table, REFERRER)} SET {assignments} "
            f"FROM {self.table(target.child_table, CHILD)} "
            f"WHERE {child_pk} = {self.column(REFERRER, move.old)} "
            f"AND {self.unset(move, target, REFERRER)}{condition}"
        )
        return Statement(sql, (*values, *params))


class SQLiteDetachSQL(PostgreSQLDetachSQL):
    """SQLite 3.33+ has ``UPDATE ... FROM``; before it, correlated subqueries."""

    vendor = "sqlite"

    def check_deferred(self) -> list[Statement]:
        return []

    def __init__(self, connection: BaseDatabaseWrapper, *, update_from: bool | None = None):
        super().__init__(connection)
        if update_from is None:
            update_from = sqlite3.sqlite_version_info >= (3, 33, 0)
        self.update_from = update_from

    def same(self, left: str, right: str, *, text: bool) -> str:
        if text:
            left, right = f"{left} COLLATE BINARY", f"{right} COLLATE BINARY"
        return f"{left} IS {right}"

    def copy(self, copy: CopyColumns, keys: KeyRange = ALL_ROWS) -> Statement:
        if self.update_from:
            return super().copy(copy, keys)
        child = self.quote(copy.child_table)
        join = (
            f"FROM {self.table(copy.parent_table, PARENT)} WHERE "
            f"{self.column(PARENT, copy.parent_pk)} = {self.column(child, copy.child_pk)}"
        )
        assignments = ", ".join(
            f"{self.quote(c.target)} = (SELECT {self.column(PARENT, c.source)} {join})"
            for c in copy.columns
        )
        condition, params = self.in_range(self.column(child, copy.child_pk), keys)
        sql = (
            f"UPDATE {child} SET {assignments} WHERE EXISTS (SELECT 1 {join} "
            f"AND NOT ({self.copied(copy, child, PARENT)})){condition}"
        )
        return Statement(sql, params)

    def fill_reference(
        self, move: ReferenceMove, target: Target, keys: KeyRange = ALL_ROWS
    ) -> Statement:
        if self.update_from:
            return super().fill_reference(move, target, keys)
        table = self.quote(move.table)
        old = self.column(table, move.old)
        assignments, values = self.assignments(move, target, old, None)
        condition, params = self.in_range(self.column(table, move.pk), keys)
        sql = (
            f"UPDATE {table} SET {assignments} WHERE {self.unset(move, target, table)} "
            f"AND EXISTS (SELECT 1 FROM {self.table(target.child_table, CHILD)} "
            f"WHERE {self.column(CHILD, target.child_pk)} = {old}){condition}"
        )
        return Statement(sql, (*values, *params))


class MySQLDetachSQL(DetachSQL):
    """MySQL and MariaDB: ``UPDATE ... JOIN``; ``<=>``; text compared as bytes."""

    vendor = "mysql"

    def same(self, left: str, right: str, *, text: bool) -> str:
        if text:
            left = f"CAST(CONVERT({left} USING utf8mb4) AS BINARY)"
            right = f"CAST(CONVERT({right} USING utf8mb4) AS BINARY)"
        return f"{left} <=> {right}"

    def copy(self, copy: CopyColumns, keys: KeyRange = ALL_ROWS) -> Statement:
        assignments = ", ".join(
            f"{self.column(CHILD, c.target)} = {self.column(PARENT, c.source)}"
            for c in copy.columns
        )
        condition, params = self.in_range(self.column(CHILD, copy.child_pk), keys)
        sql = (
            f"UPDATE {self.table(copy.child_table, CHILD)} "
            f"INNER JOIN {self.table(copy.parent_table, PARENT)} "
            f"ON {self.column(PARENT, copy.parent_pk)} = {self.column(CHILD, copy.child_pk)} "
            f"SET {assignments} WHERE NOT ({self.copied(copy, CHILD, PARENT)}){condition}"
        )
        return Statement(sql, params)

    def fill_reference(
        self, move: ReferenceMove, target: Target, keys: KeyRange = ALL_ROWS
    ) -> Statement:
        child_pk = self.column(CHILD, target.child_pk)
        assignments, values = self.assignments(move, target, child_pk, REFERRER)
        condition, params = self.in_range(self.column(REFERRER, move.pk), keys)
        sql = (
            f"UPDATE {self.table(move.table, REFERRER)} "
            f"INNER JOIN {self.table(target.child_table, CHILD)} "
            f"ON {child_pk} = {self.column(REFERRER, move.old)} "
            f"SET {assignments} WHERE {self.unset(move, target, REFERRER)}{condition}"
        )
        return Statement(sql, (*values, *params))


DIALECTS: dict[str, type[DetachSQL]] = {
    dialect.vendor: dialect for dialect in (PostgreSQLDetachSQL, MySQLDetachSQL, SQLiteDetachSQL)
}


def detach_sql(connection: BaseDatabaseWrapper) -> DetachSQL:
    """The detach statements for the database behind ``connection``."""
    dialect = DIALECTS.get(connection.vendor)
    if dialect is None:
        raise UnsupportedBackendError(
            f"Cannot detach in database {connection.alias!r}: its backend "
            f"{connection.vendor!r} is not supported; use one of {', '.join(sorted(DIALECTS))}."
        )
    return dialect(connection)
