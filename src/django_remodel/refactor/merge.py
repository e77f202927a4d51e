"""``remodel merge`` against a database: the figures a plan is reviewed with.

Everything is counted inside the database, one statement per figure, whatever
the number of rows: rows and rows without a key per source, keys that collide
inside one source once normalized, keys shared by several sources (the rows
that become one), the entities the target will hold, per target field the
shared keys whose sources disagree, and passwords in a format the project's
hashers cannot read. Counts only: no value of a row is read into Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.hashers import get_hashers
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from django_remodel.graph import ModelGraph
from django_remodel.plans.merge import MappedField, MergePlan

_TEXT_TYPES = frozenset({"CharField", "SlugField", "EmailField", "URLField", "TextField"})


class _Columns:
    """Quoted tables and columns of the plan's sources, and the key expression of each."""

    def __init__(self, plan: MergePlan, graph: ModelGraph, connection: BaseDatabaseWrapper):
        self.plan = plan
        self.graph = graph
        self.connection = connection
        self.quote = connection.ops.quote_name

    def table(self, model: str) -> str:
        table = self.graph.model(model).db_table
        assert table is not None, "sources have tables"
        return self.quote(table)

    def column(self, model: str, field: str) -> str:
        column = self.graph.model(model).field(field).column
        assert column is not None, "mapped fields are columns"
        return f"s.{self.quote(column)}"

    def is_text(self, model: str, field: str) -> bool:
        return self.graph.model(model).field(field).internal_type in _TEXT_TYPES

    def key(self, model: str) -> str:
        """The normalized key of a source row (alias ``s``)."""
        expression = self.column(model, self.plan.key_field_of(model))
        if self.plan.key_normalization in ("trim", "trim-casefold"):
            expression = f"TRIM({expression})"
        if self.plan.key_normalization in ("casefold", "trim-casefold"):
            expression = f"LOWER({expression})"
        return (
            self.exact(expression)
            if self.is_text(model, self.plan.key_field_of(model))
            else expression
        )

    def has_key(self, model: str) -> str:
        column = self.column(model, self.plan.key_field_of(model))
        if self.is_text(model, self.plan.key_field_of(model)):
            return f"{column} IS NOT NULL AND TRIM({column}) <> ''"
        return f"{column} IS NOT NULL"

    def exact(self, expression: str) -> str:
        """Text compared byte for byte, whatever the column's collation."""
        vendor = self.connection.vendor
        if vendor == "mysql":
            return f"CAST(CONVERT({expression} USING utf8mb4) AS BINARY)"
        if vendor == "postgresql":
            return f'({expression}) COLLATE "C"'
        return f"({expression}) COLLATE BINARY"

    def keyed_rows(self, value: MappedField | None = None) -> str:
        """``SELECT`` of (``k``: normalized key, ``src``: source number[, ``v``: value]) for
        every source row with a key (that has ``value``'s field)."""
        selects = []
        for number, model in enumerate(self.plan.sources):
            columns = f"{self.key(model)} AS k, {number} AS src"
            where = self.has_key(model)
            if value is not None:
                field = value.source_field(model)
                if field is None:
                    continue
                column = self.column(model, field)
                if self.is_text(model, field):
                    columns += f", {self.exact(column)} AS v"
                    where += f" AND {column} IS NOT NULL AND {column} <> ''"
                else:
                    columns += f", {column} AS v"
                    where += f" AND {column} IS NOT NULL"
            selects.append(f"SELECT {columns} FROM {self.table(model)} s WHERE {where}")
        return " UNION ALL ".join(selects)


def measure(plan: MergePlan, graph: ModelGraph, using: str = "default") -> dict[str, Any]:
    """The plan's figures, counted by the database behind ``using``."""
    connection = connections[using]
    columns = _Columns(plan, graph, connection)
    figures: dict[str, Any] = {}
    with connection.cursor() as cursor:

        def count(sql: str, params: Sequence[Any] = ()) -> int:
            cursor.execute(sql, list(params))
            row = cursor.fetchone()
            return int(row[0] or 0) if row else 0

        rows: dict[str, int] = {}
        keyless: dict[str, int] = {}
        collisions: dict[str, int] = {}
        for model in plan.sources:
            table = columns.table(model)
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {columns.has_key(model)} THEN 0 "
                f"ELSE 1 END), 0), COUNT(DISTINCT CASE WHEN {columns.has_key(model)} THEN "
                f"{columns.key(model)} END) FROM {table} s"
            )
            total, without, distinct = (int(value or 0) for value in cursor.fetchone())
            rows[model], keyless[model] = total, without
            collisions[model] = total - without - distinct
        figures["rows"] = rows
        figures["rows_without_key"] = keyless
        figures["keys_repeated_within_a_source"] = collisions
        keyed = columns.keyed_rows()
        figures["matched_keys"] = count(
            f"SELECT COUNT(*) FROM (SELECT u.k FROM ({keyed}) u GROUP BY u.k "
            "HAVING COUNT(DISTINCT u.src) > 1) m"
        )
        distinct_keys = count(f"SELECT COUNT(DISTINCT u.k) FROM ({keyed}) u")
        figures["rows_after_merge"] = distinct_keys + (
            sum(keyless.values()) if plan.keyless == "separate" else 0
        )
        conflicts: dict[str, int] = {}
        for mapped in plan.fields:
            if mapped.name == plan.key or len(mapped.sources) < 2:
                continue
            conflicts[mapped.name] = count(
                f"SELECT COUNT(*) FROM (SELECT u.k FROM ({columns.keyed_rows(mapped)}) u "
                "GROUP BY u.k HAVING COUNT(DISTINCT u.v) > 1) c"
            )
        figures["keys_whose_sources_disagree"] = conflicts
        password = _password_field(plan)
        if password is not None:
            figures["passwords_no_hasher_reads"] = _unreadable_passwords(
                plan, password, columns, count
            )
    return figures


def _password_field(plan: MergePlan) -> MappedField | None:
    if not plan.target_is_user_model:
        return None
    return next((mapped for mapped in plan.fields if mapped.name == "password"), None)


def _unreadable_passwords(
    plan: MergePlan, password: MappedField, columns: _Columns, count: Any
) -> dict[str, int]:
    """Per source, rows whose password is set but in no format of ``PASSWORD_HASHERS``
    (``algorithm$...``); unusable ones (``!...``) are fine as they are."""
    algorithms = [hasher.algorithm for hasher in get_hashers() if hasher.algorithm]
    patterns = [f"{_like_escaped(algorithm)}$%" for algorithm in algorithms] + ["!%"]
    found = {}
    for model, field in password.sources:
        column = columns.column(model, field)
        readable = " OR ".join(f"{column} LIKE %s ESCAPE '#'" for _ in patterns)
        found[model] = count(
            f"SELECT COUNT(*) FROM {columns.table(model)} s WHERE {column} IS NOT NULL "
            f"AND {column} <> '' AND NOT ({readable})",
            patterns,
        )
    return found


def _like_escaped(text: str) -> str:
    return text.replace("#", "##").replace("%", "#%").replace("_", "#_")


__all__ = ["measure"]
