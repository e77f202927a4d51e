"""Read a database's schema exactly and compare it with another.

``introspect(connection)`` reads a ``Schema`` (tables, columns, keys,
indexes, constraints) with a few catalog queries, by the introspector of
the connection's backend (``postgresql``, ``mysql``, ``sqlite``).
``diff_schemas(left, right)`` lists the ``Difference``s between two of
them. ``compare(alias, other=... | against_migrations=True)`` does both for
configured databases, building a throwaway migrated database when asked.
"""

from __future__ import annotations

from django_remodel.schema.diff import Change, Difference, Kind, diff_schemas
from django_remodel.schema.introspect import introspect
from django_remodel.schema.model import (
    CheckConstraint,
    Column,
    ExclusionConstraint,
    ForeignKey,
    Index,
    IndexColumn,
    PrimaryKey,
    Schema,
    Table,
    UniqueConstraint,
)
from django_remodel.schema.sources import (
    Comparison,
    compare,
    connection_for,
    ensure_reachable,
    migrate,
    read_migrated_schema,
    read_schema,
    throwaway_database,
)

__all__ = [
    "Change",
    "CheckConstraint",
    "Column",
    "Comparison",
    "Difference",
    "ExclusionConstraint",
    "ForeignKey",
    "Index",
    "IndexColumn",
    "Kind",
    "PrimaryKey",
    "Schema",
    "Table",
    "UniqueConstraint",
    "compare",
    "connection_for",
    "diff_schemas",
    "ensure_reachable",
    "introspect",
    "migrate",
    "read_migrated_schema",
    "read_schema",
    "throwaway_database",
]
