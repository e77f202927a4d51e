"""Read a MySQL or MariaDB schema from ``information_schema`` in five queries.

The tables are the base tables of the connection's current database. MySQL
has no separate unique constraints: a unique index on plain columns is what
``ADD CONSTRAINT ... UNIQUE`` and ``unique=True`` create, so such an index
is reported as a ``UniqueConstraint``; a unique index with prefix lengths,
descending keys or expressions stays an ``Index``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, cast

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

if TYPE_CHECKING:
    from django.db.backends.mysql.base import DatabaseWrapper

_TABLES = """
SELECT TABLE_NAME, ENGINE, TABLE_COLLATION, TABLE_COMMENT
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = %s
"""

_COLUMNS = """
SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLLATION_NAME,
    EXTRA, GENERATION_EXPRESSION, COLUMN_COMMENT
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, ORDINAL_POSITION
"""

# EXPRESSION (functional key parts) exists on MySQL 8.0.13+ only.
_INDEXES = """
SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, COLLATION, SUB_PART, INDEX_TYPE,
    {expression}
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX
"""

_FOREIGN_KEYS = """
SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME,
    k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE
FROM information_schema.KEY_COLUMN_USAGE AS k
JOIN information_schema.REFERENTIAL_CONSTRAINTS AS r
    ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME
    AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION
"""

# MariaDB names a column-level check after its column, so check names are
# unique per table only and CHECK_CONSTRAINTS has a TABLE_NAME; MySQL's
# names are unique per database and need TABLE_CONSTRAINTS for the table.
_CHECKS_MARIADB = """
SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE
FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = DATABASE()
"""
_CHECKS_MYSQL = """
SELECT t.TABLE_NAME, c.CONSTRAINT_NAME, c.CHECK_CLAUSE
FROM information_schema.CHECK_CONSTRAINTS AS c
JOIN information_schema.TABLE_CONSTRAINTS AS t
    ON t.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA AND t.CONSTRAINT_NAME = c.CONSTRAINT_NAME
    AND t.CONSTRAINT_TYPE = %s
WHERE c.CONSTRAINT_SCHEMA = DATABASE()
"""

# EXTRA words that other fields already say. DEFAULT_GENERATED (MySQL 8:
# the default is an expression, not a literal) is kept, as it is the only
# thing that tells DEFAULT (now()) from DEFAULT 'now()'.
_EXTRA_SAID_ELSEWHERE = (
    "auto_increment",
    "VIRTUAL GENERATED",
    "STORED GENERATED",
    "PERSISTENT GENERATED",
)


def read_tables(connection: BaseDatabaseWrapper) -> list[Table]:
    """Every base table of the database ``connection`` is connected to."""
    mysql = cast("DatabaseWrapper", connection)
    is_mariadb = mysql.mysql_is_mariadb
    tables: dict[str, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_TABLES, ["BASE TABLE"])
        for name, engine, collation, comment in cursor.fetchall():
            options = [("engine", engine)] if engine else []
            if collation:
                options.append(("collation", collation))
            tables[name] = {
                "name": name,
                "columns": [],
                "primary_key": None,
                "indexes": [],
                "unique_constraints": [],
                "check_constraints": [],
                "foreign_keys": [],
                "comment": comment or None,
                "options": tuple(sorted(options)),
            }
        cursor.execute(_COLUMNS)
        for row in cursor.fetchall():
            if row[0] in tables:  # views have columns too
                tables[row[0]]["columns"].append(_column(row, is_mariadb))
        has_expressions = not is_mariadb and mysql.mysql_version >= (8, 0, 13)
        cursor.execute(_INDEXES.format(expression="EXPRESSION" if has_expressions else "NULL"))
        index_rows: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
        for row in cursor.fetchall():
            index_rows[row[0], row[1]].append(row)
        for (table_name, _), rows in index_rows.items():
            if table_name in tables:
                _add_index(tables[table_name], rows)
        cursor.execute(_FOREIGN_KEYS)
        fk_rows: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
        for row in cursor.fetchall():
            fk_rows[row[0], row[1]].append(row)
        for (table_name, name), rows in fk_rows.items():
            tables[table_name]["foreign_keys"].append(
                ForeignKey(
                    name=name,
                    columns=tuple(row[2] for row in rows),
                    referenced_table=rows[0][3],
                    referenced_columns=tuple(row[4] for row in rows),
                    on_delete=rows[0][6],
                    on_update=rows[0][5],
                )
            )
        if connection.features.supports_table_check_constraints:
            if is_mariadb:
                cursor.execute(_CHECKS_MARIADB)
            else:
                cursor.execute(_CHECKS_MYSQL, ["CHECK"])
            for table_name, name, clause in cursor.fetchall():
                if table_name in tables:
                    tables[table_name]["check_constraints"].append(CheckConstraint(name, clause))
    return [_freeze(parts) for parts in tables.values()]


def _freeze(parts: dict[str, Any]) -> Table:
    for key in ("indexes", "unique_constraints", "check_constraints", "foreign_keys"):
        parts[key] = tuple(sorted(parts[key], key=sort_key))
    parts["columns"] = tuple(parts["columns"])
    return Table(**parts)


def _column(row: tuple[Any, ...], is_mariadb: bool) -> Column:
    _, name, type_, nullable, default, collation, extra, expression, comment = row
    if is_mariadb and default == "NULL":
        # MariaDB reports a nullable column's implicit DEFAULT NULL as the
        # word NULL (a string default would be quoted); it is no default.
        default = None
    extra_words = extra or ""
    generated = None
    if expression:
        kind = "VIRTUAL" if "VIRTUAL" in extra_words else "STORED"
        generated = f"GENERATED ALWAYS AS ({expression}) {kind}"
    for word in _EXTRA_SAID_ELSEWHERE:
        extra_words = extra_words.replace(word, "")
    return Column(
        name=name,
        type=type_,
        nullable=nullable == "YES",
        default=default,
        collation=collation,
        identity="AUTO_INCREMENT" if "auto_increment" in (extra or "") else None,
        generated=generated,
        extra=" ".join(extra_words.split()) or None,
        comment=comment or None,
    )


def _add_index(parts: dict[str, Any], rows: list[tuple[Any, ...]]) -> None:
    _, name, non_unique, *_ = rows[0]
    method = rows[0][6]
    keys = tuple(
        IndexColumn(
            # A functional key part has no column name, only an expression.
            expression=column_name if column_name is not None else f"({expression})",
            descending=order == "D",
            length=prefix,
        )
        for _, _, _, column_name, order, prefix, _, expression in rows
    )
    if name == "PRIMARY":
        parts["primary_key"] = PrimaryKey(name, tuple(key.expression for key in keys))
        return
    plain = all(
        key.length is None and not key.descending and not key.expression.startswith("(")
        for key in keys
    )
    if not non_unique and plain and method == "BTREE":
        parts["unique_constraints"].append(
            UniqueConstraint(name, tuple(key.expression for key in keys))
        )
        return
    parts["indexes"].append(Index(name=name, columns=keys, unique=not non_unique, method=method))
