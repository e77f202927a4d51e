"""The proof that the new history is the old one, only shorter.

On throwaway databases beside ``--database``'s, each step in a process of its
own (``runner``), as a deployment runs ``migrate``:

1. the old history, from zero (timed): the reference schema;
2. databases part-way through the old history (at several points of its
   order, so some apps are complete, some half-way, some not started);
3. then the new files are written, and:
4. the new history, from zero (timed): its schema must equal the reference;
5. the database of step 1 migrates again: nothing may be left to apply;
6. each database of step 2 migrates to the end: its schema must equal the
   reference;
7. ``makemigrations --check`` must find nothing to do.

Schemas are compared with ``schemadiff``, ignoring the names of indexes and
constraints (``makemigrations`` derives some from table names that renamed
models no longer have) and the order of columns (a ``CreateModel`` lists
them in the models' order, not in the order they were added). Both are
counted and reported, not hidden.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from django.apps import apps as global_apps
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader

from django_remodel.errors import RemodelError
from django_remodel.schema.diff import Change, Difference, Kind, diff_schemas
from django_remodel.schema.introspect import introspect
from django_remodel.schema.model import Schema
from django_remodel.schema.sources import throwaway_database
from django_remodel.squash.build import Squash
from django_remodel.squash.files import Written, unwrite, write_squash
from django_remodel.squash.plan import Key
from django_remodel.squash.runner import run_step

DEFAULT_STATES = 3


class SquashVerificationError(RemodelError):
    """A step of the proof that could not run."""


@dataclass(frozen=True)
class Timing:
    """One ``migrate`` from zero."""

    seconds: float
    """The whole command: loading the history, planning, every migration, signals."""
    migrations: int
    squashed_seconds: float
    """The migrations of the squashed apps alone."""
    squashed_migrations: int


@dataclass(frozen=True)
class Midway:
    """A database part-way through the old history, migrated to the end with the new files."""

    old_applied: int
    """Migrations of the squashed apps it had applied."""
    applied_after: tuple[str, ...]
    """What ``migrate`` then applied (old and new migrations)."""
    differences: tuple[Difference, ...]


@dataclass(frozen=True)
class Verification:
    before: Timing
    after: Timing
    differences: tuple[Difference, ...]
    """Between the old history's schema and the new one's, names and column order ignored."""
    cosmetic: tuple[Difference, ...]
    """Index and constraint names and column order that differ (not counted as differences)."""
    drift: tuple[Difference, ...]
    """What the models declare and the old history lost on the way (see ``_declared``):
    the new history builds it, databases on the old one lack it."""
    final: Timing
    """From zero once every database has passed the squash and the old files and
    ``replaces`` are gone (measured with them hidden from the loader)."""
    reapplied: tuple[str, ...]
    """What a database on the whole old history applied with the new files (nothing, rightly)."""
    midway: tuple[Midway, ...]
    makemigrations_clean: bool
    """``makemigrations --check`` finds no change the old history did not already have."""
    makemigrations_output: str
    pending_before: tuple[str, ...]
    """Changes ``makemigrations`` already found with the old history (not the squash's doing)."""
    vendor: str

    @property
    def ok(self) -> bool:
        return (
            not self.differences
            and not self.reapplied
            and all(not m.differences for m in self.midway)
            and self.makemigrations_clean
        )

    @property
    def speedup(self) -> float:
        return self.before.seconds / self.after.seconds if self.after.seconds else 0.0

    @property
    def squashed_speedup(self) -> float:
        after = self.after.squashed_seconds
        return self.before.squashed_seconds / after if after else 0.0

    @property
    def final_speedup(self) -> float:
        return self.before.seconds / self.final.seconds if self.final.seconds else 0.0

    @property
    def final_squashed_speedup(self) -> float:
        final = self.final.squashed_seconds
        return self.before.squashed_seconds / final if final else 0.0


def _timing(answer: dict[str, Any], apps: set[str]) -> Timing:
    applied = answer["applied"]
    squashed = [item for item in applied if item[0] in apps]
    return Timing(
        seconds=float(answer["seconds"]),
        migrations=len(applied),
        squashed_seconds=sum(float(item[2]) for item in squashed),
        squashed_migrations=len(squashed),
    )


def midway_targets(loader: MigrationLoader, old: Sequence[Key], states: int) -> list[list[Key]]:
    """Points part-way through the old history: the last migration of each app by then."""
    wanted = set(old)
    order: list[Key] = []
    seen: set[Key] = set()
    for leaf in sorted(loader.graph.leaf_nodes()):
        for key in loader.graph.forwards_plan(leaf):
            if key not in seen:
                seen.add(key)
                if key in wanted:
                    order.append(key)
    targets = []
    for step in range(1, states + 1):
        prefix = order[: len(order) * step // (states + 1)]
        last: dict[str, Key] = {}
        for key in prefix:
            last[key[0]] = key
        if last:
            targets.append(sorted(last.values()))
    return targets


def _normalized(expression: str) -> str:
    text = expression.strip()
    if text.upper().startswith("CHECK"):
        text = text[5:].strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return re.sub(r"[\s`\"()]", "", text)


def _declared(difference: Difference, connection: BaseDatabaseWrapper) -> bool:
    """A column check constraint only the new history has, which the models do declare.

    The old history can lose one: on MariaDB, ``ALTER TABLE ... MODIFY`` of a
    column (a new type, in an ``AlterField``) drops the column's CHECK, and
    Django does not add it back when the new type has the same one. The new
    history builds what the models say, so it is the old databases that lack it.
    """
    if difference.kind is not Kind.CHECK or difference.change is not Change.MISSING:
        return False
    wanted = _normalized(difference.right or difference.definition or "")
    for model in global_apps.get_models():
        if model._meta.db_table != difference.table:
            continue
        for field in model._meta.local_concrete_fields:
            check = field.db_check(connection)
            if check and _normalized(check) == wanted:
                return True
    return False


def _changes(output: str) -> set[str]:
    """The changes ``makemigrations --dry-run`` lists, without the files it would put them in."""
    return {line.strip() for line in output.splitlines() if line.startswith("    ")}


Differences = tuple[Difference, ...]


def _compare(
    reference: Schema, other: Schema, connection: BaseDatabaseWrapper
) -> tuple[Differences, Differences, Differences]:
    """The real differences, the cosmetic ones, and the old history's drift from the models."""
    found = diff_schemas(reference, other, ignore_names=True, ignore_column_order=True)
    every = diff_schemas(reference, other)
    cosmetic = tuple(d for d in every if d.change is Change.RENAMED or d.attribute == "order")
    drift = tuple(d for d in found if _declared(d, connection))
    return tuple(d for d in found if d not in drift), cosmetic, drift


def squash_and_verify(
    squash: Squash, *, database: str, states: int = DEFAULT_STATES
) -> tuple[Written | None, Verification]:
    """Write the new history and prove it; when the proof fails the new files are removed.

    Returns what was written (``None`` when it was taken back) and the proof.
    """
    apps = {app.app_label for app in squash.plan.squashed}
    old = [key for app in squash.plan.squashed for m in app.new for key in m.replaces]
    loader = MigrationLoader(None, ignore_no_migrations=True)
    targets = midway_targets(loader, old, states)
    written: Written | None = None
    with ExitStack() as stack:
        reference_db = stack.enter_context(throwaway_database(database))
        vendor = reference_db.vendor
        before = _timing(run_step(reference_db, "migrate"), apps)
        midway_dbs = []
        for target in targets:
            midway_db = stack.enter_context(throwaway_database(database))
            answer = run_step(midway_db, "migrate_to", targets=target)
            count = sum(1 for item in answer["applied"] if item[0] in apps)
            midway_dbs.append((midway_db, count))
        check_before = run_step(reference_db, "check")
        written = write_squash(squash)
        try:
            new_db = stack.enter_context(throwaway_database(database))
            after = _timing(run_step(new_db, "migrate"), apps)
            final_db = stack.enter_context(throwaway_database(database))
            final = _timing(
                run_step(final_db, "migrate", finalized=[list(key) for key in old]), apps
            )
            reapplied = tuple(
                f"{item[0]}.{item[1]}" for item in run_step(reference_db, "migrate")["applied"]
            )
            reference = introspect(reference_db, label="the old history")
            differences, cosmetic, drift = _compare(
                reference, introspect(new_db, label="the new history"), new_db
            )
            midway = []
            for midway_db, count in midway_dbs:
                applied = tuple(
                    f"{item[0]}.{item[1]}" for item in run_step(midway_db, "migrate")["applied"]
                )
                found, _cosmetic, _drift = _compare(
                    reference, introspect(midway_db, label="a database part-way"), midway_db
                )
                midway.append(Midway(count, applied, found))
            check = run_step(new_db, "check")
        except BaseException:
            unwrite(written)
            raise
        verification = Verification(
            before=before,
            after=after,
            final=final,
            differences=differences,
            cosmetic=cosmetic,
            drift=drift,
            reapplied=reapplied,
            midway=tuple(midway),
            makemigrations_clean=bool(check["clean"])
            or _changes(check["output"]) == _changes(check_before["output"]),
            makemigrations_output=str(check["output"]),
            pending_before=tuple(sorted(_changes(check_before["output"]))),
            vendor=vendor,
        )
        if not verification.ok:
            unwrite(written)
            written = None
    return written, verification
