"""The old history's data migrations: which a database migrated from zero needs.

A squashed app's first new migration only ever runs on a database that has
none of the app's tables yet. A ``RunPython`` or ``RunSQL`` that only fixed
rows which existed at the time (a backfill, a clean-up) has nothing to do
there, and carrying it over would keep code written against models that are
gone. Which ones those are is not guessed from their source: the old history
is migrated from zero on a throwaway database, and every statement each data
operation runs is watched. One that wrote no row and changed no schema is
dropped, with that reason; any other is carried.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import RunPython, RunSQL, SeparateDatabaseAndState
from django.db.migrations.operations.base import Operation

from django_remodel.errors import MigrationsFailedError
from django_remodel.schema.sources import throwaway_database
from django_remodel.squash.plan import Key

DATA_OPERATIONS = (RunPython, RunSQL)

_READS = frozenset({"SELECT", "PRAGMA", "SHOW", "EXPLAIN", "SAVEPOINT", "RELEASE", "SET", "BEGIN"})
_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "UPSERT"})
_COMMENT = re.compile(r"^\s*(--[^\n]*\n|/\*.*?\*/)", re.S)
_WORD = re.compile(r"\s*\(?\s*([A-Za-z]+)")


def is_data(operation: Operation) -> bool:
    """A ``RunPython``/``RunSQL`` whose only effect is on the database (no state operations)."""
    if isinstance(operation, RunSQL) and operation.state_operations:
        return False
    return isinstance(operation, DATA_OPERATIONS)


def is_builtin_schema(operation: Operation) -> bool:
    """One of Django's own model and field operations, which the autodetector writes too."""
    module = type(operation).__module__
    return module.startswith("django.db.migrations.operations.") and not isinstance(
        operation, (*DATA_OPERATIONS, SeparateDatabaseAndState)
    )


@dataclass(frozen=True)
class Effect:
    """What one data operation did when the old history ran from zero."""

    statements: int
    rows_written: int
    schema_changes: int

    @property
    def none(self) -> bool:
        return self.rows_written == 0 and self.schema_changes == 0


def statement_effect(sql: str, rowcount: int) -> tuple[int, int]:
    """``(rows written, schema changes)`` of one executed statement."""
    text = sql
    while match := _COMMENT.match(text):
        text = text[match.end() :]
    word_match = _WORD.match(text)
    word = word_match.group(1).upper() if word_match else ""
    if word == "ROLLBACK" or word == "COMMIT":
        return 0, 0
    if word in _READS:
        return 0, 0
    if word == "WITH":
        writes = any(f" {w} " in f" {text.upper()} " for w in _WRITES)
        if not writes:
            return 0, 0
        return (rowcount if rowcount >= 0 else 1), 0
    if word in _WRITES:
        # -1: the driver cannot tell; with RETURNING some drivers only count the rows
        # once they are fetched. Either way, assume it wrote.
        if rowcount < 0 or (rowcount == 0 and "RETURNING" in text.upper()):
            return 1, 0
        return rowcount, 0
    return 0, 1


class _Watch:
    """Counts the statements of the data operation that is running, if any."""

    def __init__(self) -> None:
        self.current: tuple[Key, int] | None = None
        self.effects: dict[tuple[Key, int], list[int]] = {}

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        result = execute(sql, params, many, context)
        if self.current is not None:
            cursor = context.get("cursor")
            rowcount = getattr(cursor, "rowcount", -1)
            rowcount = rowcount if isinstance(rowcount, int) else -1
            written, changed = statement_effect(str(sql), rowcount)
            tally = self.effects.setdefault(self.current, [0, 0, 0])
            tally[0] += 1
            tally[1] += written
            tally[2] += changed
        return result

    @contextmanager
    def running(self, spot: tuple[Key, int]) -> Iterator[None]:
        self.current = spot
        self.effects.setdefault(spot, [0, 0, 0])
        try:
            yield
        finally:
            self.current = None


def _watched(operation: Operation, watch: _Watch, spot: tuple[Key, int]) -> None:
    forwards = operation.database_forwards

    def database_forwards(*args: Any, **kwargs: Any) -> None:
        with watch.running(spot):
            forwards(*args, **kwargs)

    # Only this in-process copy of the operation is wrapped, for this one run.
    operation.database_forwards = database_forwards  # type: ignore[method-assign]


def watch_migrate(
    connection: BaseDatabaseWrapper, spots: set[tuple[Key, int]]
) -> dict[tuple[Key, int], tuple[int, int, int]]:
    """Migrate ``connection``'s empty database to the end, watching the operations at ``spots``.

    Runs where ``connection`` is the ``default`` database, since data
    migrations write through the models' default manager.
    """
    watch = _Watch()
    executor = MigrationExecutor(connection)
    for key, migration in executor.loader.graph.nodes.items():
        for index, operation in enumerate(migration.operations):
            if (key, index) in spots:
                _watched(operation, watch, (key, index))
    with connection.execute_wrapper(watch):
        executor.migrate(executor.loader.graph.leaf_nodes())
    # A spot that never ran (routed to another database) did nothing here.
    return {spot: (*watch.effects.get(spot, (0, 0, 0)),) for spot in spots}


def probe_effects(
    source_alias: str, spots: Iterable[tuple[Key, int]]
) -> tuple[str, dict[tuple[Key, int], Effect]]:
    """Migrate the whole history from zero beside ``source_alias`` and watch ``spots``.

    ``spots`` are ``(migration, operation index)`` pairs. It runs in a process
    of its own whose ``default`` database is a throwaway one, so that the data
    migrations write there. Returns the vendor of that database and the effect
    of each spot.
    """
    from django_remodel.squash.runner import run_step

    with throwaway_database(source_alias) as connection:
        vendor = connection.vendor
        try:
            answer = run_step(
                connection, "probe", spots=[[key[0], key[1], index] for key, index in spots]
            )
        except MigrationsFailedError as error:
            raise MigrationsFailedError(
                f"{error} (while finding out what the data migrations change: fix the "
                "history, or pass --keep-data-migrations to carry every data migration "
                "without running them)"
            ) from error
    effects = {
        ((app_label, name), index): Effect(statements, rows, changes)
        for app_label, name, index, statements, rows, changes in answer["effects"]
    }
    return vendor, effects
