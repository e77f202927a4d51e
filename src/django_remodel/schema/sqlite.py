"""Read an SQLite schema in three queries: ``sqlite_master`` joined to the PRAGMA functions.

The table-valued PRAGMA functions (``pragma_table_xinfo(m.name)``, ...)
read every table in one statement each. What only the ``CREATE`` text holds
(collations, checks, constraint names, deferrability, ``AUTOINCREMENT``,
index expressions and conditions) is parsed out of it by ``sqlite_ddl``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from django_remodel.schema.model import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    IndexColumn,
    PrimaryKey,
    Table,
    UniqueConstraint,
    sort_key,
)
from django_remodel.schema.sqlite_ddl import (
    ParsedTable,
    parse_create_index,
    parse_create_table,
)

# Every query reads the user tables: not SQLite's own sqlite_* tables.
_TABLES = "m.type = %s AND m.name NOT LIKE %s ESCAPE %s"
_TABLE_PARAMS = ("table", "sqlite\\_%", "\\")

_COLUMNS = f"""
SELECT m.name, m.sql, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
FROM sqlite_master AS m, pragma_table_xinfo(m.name) AS p
WHERE {_TABLES}
ORDER BY m.name, p.cid
"""

# Key columns only (key = 1); the others are the rowid or the primary key
# that every index entry carries.
_INDEXES = f"""
SELECT m.name, il.name, il."unique", il.origin, il.partial, ix.cid, ix.name, ix."desc",
    ix.coll, s.sql
FROM sqlite_master AS m, pragma_index_list(m.name) AS il, pragma_index_xinfo(il.name) AS ix
LEFT JOIN sqlite_master AS s ON s.type = %s AND s.name = il.name
WHERE {_TABLES} AND ix.key = 1
ORDER BY m.name, il.name, ix.seqno
"""

_FOREIGN_KEYS = f"""
SELECT m.name, fk.id, fk."table", fk."from", fk."to", fk.on_update, fk.on_delete, fk."match"
FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS fk
WHERE {_TABLES}
ORDER BY m.name, fk.id, fk.seq
"""

# PRAGMA table_xinfo.hidden: 2 and 3 are generated columns.
_GENERATED = (2, 3)


class _TableParts:
    """What the queries collect for one table before it is frozen into a ``Table``."""

    def __init__(self, name: str, sql: str) -> None:
        self.name = name
        self.parsed: ParsedTable = parse_create_table(sql)
        self.columns: list[Column] = []
        self.primary_key: list[tuple[int, str]] = []
        self.indexes: list[Index] = []
        self.uniques: list[UniqueConstraint] = []
        self.foreign_keys: list[ForeignKey] = []

    def freeze(self) -> Table:
        primary_key = None
        if self.primary_key:
            primary_key = PrimaryKey(
                self.parsed.primary_key_name, tuple(name for _, name in sorted(self.primary_key))
            )
        checks = [CheckConstraint(name, expression) for name, expression in self.parsed.checks]
        return Table(
            name=self.name,
            columns=tuple(self.columns),
            primary_key=primary_key,
            indexes=tuple(sorted(self.indexes, key=sort_key)),
            unique_constraints=tuple(sorted(self.uniques, key=sort_key)),
            check_constraints=tuple(sorted(checks, key=sort_key)),
            foreign_keys=tuple(sorted(self.foreign_keys, key=sort_key)),
            options=tuple(sorted(self.parsed.options)),
        )


def read_tables(connection: BaseDatabaseWrapper) -> list[Table]:
    """Every table of the SQLite database ``connection`` is connected to."""
    tables: dict[str, _TableParts] = {}
    with connection.cursor() as cursor:
        cursor.execute(_COLUMNS, _TABLE_PARAMS)
        for row in cursor.fetchall():
            _add_column(tables, row)
        cursor.execute(_INDEXES, ("index", *_TABLE_PARAMS))
        index_rows: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
        for row in cursor.fetchall():
            index_rows[row[0], row[1]].append(row)
        for (table_name, _), rows in index_rows.items():
            _add_index(tables[table_name], rows)
        cursor.execute(_FOREIGN_KEYS, _TABLE_PARAMS)
        fk_rows: dict[tuple[str, int], list[tuple[Any, ...]]] = defaultdict(list)
        for row in cursor.fetchall():
            fk_rows[row[0], row[1]].append(row)
        for (table_name, _), rows in fk_rows.items():
            _add_foreign_key(tables, tables[table_name], rows)
    return [parts.freeze() for parts in tables.values()]


def _add_column(tables: dict[str, _TableParts], row: tuple[Any, ...]) -> None:
    table_name, sql, name, type_, not_null, default, pk, hidden = row
    parts = tables.get(table_name)
    if parts is None:
        parts = tables[table_name] = _TableParts(table_name, sql)
    parsed = parts.parsed.column(name)
    generated = None
    if hidden in _GENERATED and parsed is not None:
        generated = parsed.generated
        # The PRAGMA's type of a generated column may run on into the clause.
        type_ = parsed.type
    if pk:
        parts.primary_key.append((pk, name))
    parts.columns.append(
        Column(
            name=name,
            type=type_,
            nullable=not not_null,
            default=default,
            collation=parsed.collation if parsed else None,
            identity="AUTOINCREMENT" if parsed and parsed.autoincrement else None,
            generated=generated,
        )
    )


def _add_index(parts: _TableParts, rows: list[tuple[Any, ...]]) -> None:
    _, name, unique, origin, partial, *_ = rows[0]
    if origin == "pk":  # the primary key is read from the columns
        return
    if origin == "u":  # the index SQLite made for a UNIQUE constraint
        columns = tuple(row[6] for row in rows)
        parts.uniques.append(UniqueConstraint(_unique_name(parts.parsed, columns), columns))
        return
    sql = rows[0][9]
    parsed_index = parse_create_index(sql)
    keys = []
    for position, row in enumerate(rows):
        cid, column_name, descending, collation = row[5:9]
        if cid == -2:  # an expression
            expression = parsed_index.keys[position]
            default_collation = "BINARY"
        else:
            expression = "rowid" if cid == -1 else column_name
            parsed_column = parts.parsed.column(expression)
            default_collation = (parsed_column and parsed_column.collation) or "BINARY"
        keys.append(
            IndexColumn(
                expression=expression,
                descending=bool(descending),
                collation=None if collation.upper() == default_collation.upper() else collation,
            )
        )
    parts.indexes.append(
        Index(
            name=name,
            columns=tuple(keys),
            unique=bool(unique),
            condition=parsed_index.condition if partial else None,
        )
    )


def _unique_name(parsed: ParsedTable, columns: tuple[str, ...]) -> str | None:
    """The declared name of the UNIQUE constraint on ``columns``, consumed once used."""
    wanted = tuple(column.lower() for column in columns)
    for position, (name, declared) in enumerate(parsed.uniques):
        if tuple(column.lower() for column in declared) == wanted:
            del parsed.uniques[position]
            return name
    return None


def _add_foreign_key(
    tables: dict[str, _TableParts], parts: _TableParts, rows: list[tuple[Any, ...]]
) -> None:
    _, _, referenced_table, _, _, on_update, on_delete, match = rows[0]
    columns = tuple(row[3] for row in rows)
    referenced: tuple[str, ...] = tuple(row[4] for row in rows)
    if None in referenced:
        # "REFERENCES t" without columns means t's primary key.
        target = tables.get(referenced_table)
        referenced = tuple(name for _, name in sorted(target.primary_key)) if target else ()
    name, deferrable = _foreign_key_details(parts.parsed, columns, referenced_table)
    parts.foreign_keys.append(
        ForeignKey(
            name=name,
            columns=columns,
            referenced_table=referenced_table,
            referenced_columns=referenced,
            on_delete=on_delete,
            on_update=on_update,
            deferrable=deferrable,
            match=None if match.upper() in ("NONE", "SIMPLE") else match.upper(),
        )
    )


def _foreign_key_details(
    parsed: ParsedTable, columns: tuple[str, ...], referenced_table: str
) -> tuple[str | None, str | None]:
    """The declared name and deferrable clause of a foreign key, consumed once used."""
    wanted = (tuple(column.lower() for column in columns), referenced_table.lower())
    for position, (name, declared, table, deferrable) in enumerate(parsed.foreign_keys):
        if (tuple(column.lower() for column in declared), table.lower()) == wanted:
            del parsed.foreign_keys[position]
            return name, deferrable
    return None, None
