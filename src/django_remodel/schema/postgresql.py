"""Read a PostgreSQL schema from ``pg_catalog`` in three queries.

The tables are those visible on the connection's ``search_path`` (what
Django's own introspection sees), outside the system schemas. Expressions
(defaults, checks, index keys, predicates) are deparsed by the server
(``pg_get_expr``, ``pg_get_indexdef``), so equal schemas give equal text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.backends.base.base import BaseDatabaseWrapper

from django_remodel.schema.model import (
    CheckConstraint,
    Column,
    ExclusionConstraint,
    ForeignKey,
    Index,
    IndexColumn,
    PrimaryKey,
    Table,
    UniqueConstraint,
    sort_key,
)

if TYPE_CHECKING:
    from django.db.backends.postgresql.base import DatabaseWrapper

# Visible user tables: the filter shared by the three queries.
_VISIBLE = """
    pg_catalog.pg_table_is_visible({rel}.oid)
    AND {rel}.relnamespace NOT IN (
        'pg_catalog'::regnamespace, 'information_schema'::regnamespace
    )
"""

_COLUMNS = f"""
SELECT
    c.relname,
    c.relkind,
    c.relpersistence,
    c.reloptions,
    pg_catalog.obj_description(c.oid, 'pg_class'),
    a.attname,
    pg_catalog.format_type(a.atttypid, a.atttypmod),
    a.attnotnull,
    pg_catalog.pg_get_expr(d.adbin, d.adrelid),
    CASE WHEN a.attcollation <> t.typcollation THEN co.collname END,
    a.attidentity::text,
    a.attgenerated::text,
    pg_catalog.col_description(c.oid, a.attnum)
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_attribute a
    ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
WHERE c.relkind IN ('r', 'p') AND {_VISIBLE.format(rel="c")}
ORDER BY c.relname, a.attnum
"""

# One row per index. The per-key details come as parallel arrays in key
# order: the key as the server deparses it, its operator class when it is
# not the type's default, its collation when it is not the column's, and
# the ordering flags (indoption: 1 = DESC, 2 = NULLS FIRST). Keys past
# indnkeyatts are INCLUDE columns.
_INDEXES = f"""
SELECT
    t.relname,
    i.relname,
    ix.indisunique,
    ix.indnkeyatts,
    am.amname,
    pg_catalog.pg_get_expr(ix.indpred, ix.indrelid),
    ARRAY(
        SELECT pg_catalog.pg_get_indexdef(ix.indexrelid, k, false)
        FROM pg_catalog.generate_series(1, ix.indnatts) AS k ORDER BY k
    ),
    ARRAY(
        SELECT (
            SELECT CASE WHEN oc.opcdefault THEN NULL ELSE oc.opcname END
            FROM pg_catalog.pg_opclass oc WHERE oc.oid = u.oid
        )
        FROM unnest(ix.indclass::oid[]) WITH ORDINALITY AS u(oid, ord)
        ORDER BY u.ord
    ),
    ARRAY(
        SELECT CASE
            WHEN u.coll = 0 OR u.coll = COALESCE((
                SELECT a.attcollation FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = ix.indrelid AND a.attnum = (ix.indkey::int2[])[u.ord - 1]
            ), 100) THEN NULL
            ELSE (SELECT co.collname FROM pg_catalog.pg_collation co WHERE co.oid = u.coll)
        END
        FROM unnest(ix.indcollation::oid[]) WITH ORDINALITY AS u(coll, ord)
        ORDER BY u.ord
    ),
    ARRAY(
        SELECT u.opt FROM unnest(ix.indoption::int2[]) WITH ORDINALITY AS u(opt, ord)
        ORDER BY u.ord
    ),
    {{nulls_not_distinct}},
    con.conname,
    con.contype::text,
    con.condeferrable,
    con.condeferred
FROM pg_catalog.pg_index ix
JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = ix.indrelid
JOIN pg_catalog.pg_am am ON am.oid = i.relam
LEFT JOIN pg_catalog.pg_constraint con
    ON con.conindid = ix.indexrelid AND con.conrelid = ix.indrelid
    AND con.contype IN ('p', 'u', 'x')
WHERE t.relkind IN ('r', 'p') AND {_VISIBLE.format(rel="t")}
"""

# Check, foreign key and exclusion constraints (primary keys and unique
# constraints come with their indexes above). NOT NULL constraints, which
# PostgreSQL 18 lists here too, are the columns' nullability.
_CONSTRAINTS = f"""
SELECT
    t.relname,
    con.conname,
    con.contype::text,
    pg_catalog.pg_get_expr(con.conbin, con.conrelid),
    con.convalidated,
    ARRAY(
        SELECT a.attname
        FROM unnest(con.conkey) WITH ORDINALITY AS k(num, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
        ORDER BY k.ord
    ),
    ft.relname,
    ARRAY(
        SELECT a.attname
        FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
        ORDER BY k.ord
    ),
    con.confupdtype::text,
    con.confdeltype::text,
    con.confmatchtype::text,
    con.condeferrable,
    con.condeferred,
    CASE WHEN con.contype = 'x' THEN pg_catalog.pg_get_constraintdef(con.oid) END
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class t ON t.oid = con.conrelid
LEFT JOIN pg_catalog.pg_class ft ON ft.oid = con.confrelid
WHERE con.contype IN ('c', 'f', 'x') AND t.relkind IN ('r', 'p') AND {_VISIBLE.format(rel="t")}
"""

_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}
_IDENTITY = {"a": "GENERATED ALWAYS AS IDENTITY", "d": "GENERATED BY DEFAULT AS IDENTITY"}
# MATCH SIMPLE is the default (and Django's); the others change what a
# partly NULL key means.
_MATCH = {"f": "FULL", "p": "PARTIAL"}
_KINDS = {"p": "partitioned"}
_PERSISTENCE = {"u": "unlogged", "t": "temporary"}


def _deferrable(deferrable: bool, deferred: bool) -> str | None:
    if not deferrable:
        return None
    return f"DEFERRABLE INITIALLY {'DEFERRED' if deferred else 'IMMEDIATE'}"


class _TableParts:
    """What the queries collect for one table before it is frozen into a ``Table``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.columns: list[Column] = []
        self.comment: str | None = None
        self.options: list[tuple[str, str]] = []
        self.primary_key: PrimaryKey | None = None
        self.indexes: list[Index] = []
        self.uniques: list[UniqueConstraint] = []
        self.checks: list[CheckConstraint] = []
        self.foreign_keys: list[ForeignKey] = []
        self.exclusions: list[ExclusionConstraint] = []

    def freeze(self) -> Table:
        return Table(
            name=self.name,
            columns=tuple(self.columns),
            primary_key=self.primary_key,
            indexes=tuple(sorted(self.indexes, key=sort_key)),
            unique_constraints=tuple(sorted(self.uniques, key=sort_key)),
            check_constraints=tuple(sorted(self.checks, key=sort_key)),
            foreign_keys=tuple(sorted(self.foreign_keys, key=sort_key)),
            exclusion_constraints=tuple(sorted(self.exclusions, key=sort_key)),
            comment=self.comment,
            options=tuple(sorted(self.options)),
        )


def read_tables(connection: BaseDatabaseWrapper) -> list[Table]:
    """Every visible table of the database ``connection`` is connected to."""
    tables: dict[str, _TableParts] = {}
    # NULLS NOT DISTINCT (and its catalog column) is new in PostgreSQL 15.
    pg_version = cast("DatabaseWrapper", connection).pg_version
    nulls_not_distinct = "ix.indnullsnotdistinct" if pg_version >= 150000 else "false"
    with connection.cursor() as cursor:
        cursor.execute(_COLUMNS)
        for row in cursor.fetchall():
            _add_column(tables, row)
        cursor.execute(_INDEXES.format(nulls_not_distinct=nulls_not_distinct))
        for row in cursor.fetchall():
            _add_index(tables[row[0]], row)
        cursor.execute(_CONSTRAINTS)
        for row in cursor.fetchall():
            _add_constraint(tables[row[0]], row)
    return [parts.freeze() for parts in tables.values()]


def _add_column(tables: dict[str, _TableParts], row: tuple[Any, ...]) -> None:
    (
        table_name,
        relkind,
        persistence,
        reloptions,
        table_comment,
        name,
        type_,
        not_null,
        default,
        collation,
        identity,
        generated,
        comment,
    ) = row
    parts = tables.get(table_name)
    if parts is None:
        parts = tables[table_name] = _TableParts(table_name)
        parts.comment = table_comment
        if relkind in _KINDS:
            parts.options.append(("kind", _KINDS[relkind]))
        if persistence in _PERSISTENCE:
            parts.options.append(("persistence", _PERSISTENCE[persistence]))
        if reloptions:
            parts.options.append(("storage", ", ".join(sorted(reloptions))))
    if name is None:  # a table without columns
        return
    generated_clause = None
    if generated:
        # A generated column's expression is stored as its default.
        generated_clause = f"GENERATED ALWAYS AS ({default}) STORED"
        default = None
    parts.columns.append(
        Column(
            name=name,
            type=type_,
            nullable=not not_null,
            default=default,
            collation=collation,
            identity=_IDENTITY.get(identity),
            generated=generated_clause,
            comment=comment,
        )
    )


def _add_index(parts: _TableParts, row: tuple[Any, ...]) -> None:
    (
        _table,
        name,
        unique,
        key_count,
        method,
        predicate,
        keys,
        opclasses,
        collations,
        options,
        nulls_not_distinct,
        constraint_name,
        constraint_type,
        deferrable,
        deferred,
    ) = row
    if constraint_type == "x":  # the index of an exclusion constraint is part of it
        return
    key_columns = []
    for position, expression in enumerate(keys[:key_count]):
        option = options[position]
        descending = bool(option & 1)
        nulls_first = bool(option & 2)
        key_columns.append(
            IndexColumn(
                expression=expression,
                descending=descending,
                # NULLS LAST is the default of ASC and NULLS FIRST that of DESC.
                nulls=None if nulls_first == descending else ("FIRST" if nulls_first else "LAST"),
                opclass=opclasses[position],
                collation=collations[position],
            )
        )
    include = tuple(keys[key_count:])
    if constraint_type == "p":
        parts.primary_key = PrimaryKey(constraint_name, tuple(c.expression for c in key_columns))
    elif constraint_type == "u":
        parts.uniques.append(
            UniqueConstraint(
                name=constraint_name,
                columns=tuple(c.expression for c in key_columns),
                deferrable=_deferrable(deferrable, deferred),
                include=include,
                nulls_distinct=not nulls_not_distinct,
            )
        )
    else:
        parts.indexes.append(
            Index(
                name=name,
                columns=tuple(key_columns),
                unique=unique,
                method=method,
                condition=predicate,
                include=include,
                nulls_distinct=not nulls_not_distinct,
            )
        )


def _add_constraint(parts: _TableParts, row: tuple[Any, ...]) -> None:
    (
        _table,
        name,
        kind,
        expression,
        validated,
        columns,
        referenced_table,
        referenced_columns,
        on_update,
        on_delete,
        match,
        deferrable,
        deferred,
        definition,
    ) = row
    if kind == "c":
        parts.checks.append(CheckConstraint(name, expression, validated=validated))
    elif kind == "x":
        parts.exclusions.append(ExclusionConstraint(name, definition))
    else:
        parts.foreign_keys.append(
            ForeignKey(
                name=name,
                columns=tuple(columns),
                referenced_table=referenced_table,
                referenced_columns=tuple(referenced_columns),
                on_delete=_ACTIONS[on_delete],
                on_update=_ACTIONS[on_update],
                deferrable=_deferrable(deferrable, deferred),
                match=_MATCH.get(match),
            )
        )
