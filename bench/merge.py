"""Merging four duplicated user models into one, three ways, measured.

The scenario is the story's: ``AppUser``, ``CustomerUser``, ``UserProfile``
and ``AccountUser`` hold the same people under different column names
(``email`` / ``email_address`` / ``user_email`` / ``account_email``, and a
name, a phone or a bio), and are merged into one ``User`` (``email``
unique). Each source has ``ROWS`` rows (``--sizes ROWS:REFS``); half of each source's people are
in every source (the other half only in it), spelled differently in each
(``user1@example.com``, ``User1@Example.com``, `` user1@example.com``,
``USER1@EXAMPLE.COM ``), so the key must be trimmed and lowercased to
match. Each source has a referencing model (``Login``, ``Purchase``,
``Comment``, ``Invoice``; the ``REFS`` referencing rows, 1M unless given,
are split evenly) with its foreign key to the source and, beside it, the new
nullable ``user`` foreign key to ``User``, as the expand step leaves them.
The tables are created and loaded (set-based: ``COPY`` on PostgreSQL,
``executemany`` in chunks elsewhere) and analyzed before the clock starts,
PostgreSQL's vacuumed and written out by a ``CHECKPOINT``: no run pays for
writing the load to disk, and every run pays what a migration of tables
loaded long ago does (the first change of each page after a checkpoint
writes the whole page to the WAL); what is
measured is the data step that creates one ``User`` per normalized email
and points every referencing row's ``user`` at it. Each approach starts
from the same freshly created and loaded tables and runs as a migration
does (``Migration.apply`` inside the schema editor, atomic unless said
otherwise). Afterwards one SQL statement checks that every referencing
row's ``user`` is the user whose normalized email is its source row's, and
that there are as many users as distinct normalized emails.

Rows (approaches):

- ``update_or_create loop``: the story's ``RunPython``: for every source
  row, ``User.objects.update_or_create(email=<trimmed, lowercased>,
  defaults={...})``, then one ``filter(<source>=row).update(user=user)`` of
  its referencing rows; three to five statements a source row (a later
  source's values overwrite an earlier one's: the loop's own policy). A loop
  that passes ``--budget`` seconds is stopped (rolled back) and its time and
  statements are extrapolated from the source rows it did (``~`` in the row).
- ``remodel``: ``django_remodel.operations.MergeRows`` (every field
  ``first``, key normalization ``trim-casefold``) and one
  ``RepointReferences`` per referencing model, unbatched in an atomic
  migration, and with ``batch_size`` (``--batch-size``, one row per size
  given) in a non-atomic one, so that each batch commits on its own. The id
  map (``CreateMergeMap``) is schema, created before the clock starts.
- ``hand-written SQL``: the floor, without verification: one ``INSERT ...
  SELECT`` of the first row of each normalized email (``ROW_NUMBER()`` over
  the union of the sources, in source order; the bio from the one source
  that has it), then one ``UPDATE`` per referencing model joined through its
  source's email to the user's (``UPDATE ... FROM`` on PostgreSQL and
  SQLite, ``UPDATE ... JOIN`` on MariaDB/MySQL).

Columns: ``wall time`` of the migration; ``statements``, every
``execute``/``executemany`` the connection ran (counted by an
``execute_wrapper``, so the schema editor's own are in); ``py peak``, the
tracemalloc peak, from a second run of the same approach on freshly loaded
data (tracing slows Python down, so the first run is the timed one;
``--quick`` does not trace the loop, and a stopped loop's traced run stops
at the same row or after ``--budget`` seconds); ``rss growth``, how far the
process's ``ru_maxrss`` rose during the timed run (its peak is reset first
where Linux allows it); ``check``, the verification. Memory is the Python
process's only; the database server's is not in it. ``--slowest N`` prints
the N slowest statements of each remodel and SQL run, to see where the time goes.
``--repeat N`` runs each approach N times, round by round (every approach once,
then again), so that a slow spell of the machine falls on all of them, and shows
the median wall time (the statements, memory and slowest statements are that
run's) with every run's time after the table; the loop runs once.

Run from the repository root, ``PYTHONPATH`` unset::

    .venv/bin/python bench/merge.py                      # PostgreSQL, SQLite: 4 x 250k, 1M refs
    .venv/bin/python bench/merge.py --db sqlite --sizes 50k:200k,250k:1M
    .venv/bin/python bench/merge.py --approaches remodel,sql --slowest 5
    .venv/bin/python bench/merge.py --repeat 3           # the median of three runs each
    .venv/bin/python bench/merge.py --db mysql           # MariaDB/MySQL, optional
    .venv/bin/python bench/merge.py --quick --db sqlite  # a smoke run of seconds

PostgreSQL is reached at ``PGHOST``:``PGPORT`` as ``PGUSER`` (default
127.0.0.1:5432, ``postgres``) and MariaDB at ``MYSQL_HOST``:``MYSQL_TCP_PORT``
as ``MYSQL_USER`` (default 127.0.0.1:3306, ``root``); the script creates the
database ``remodel_bench_merge`` there (``REMODEL_BENCH_MERGE_DB`` names
another) and drops it at the end. SQLite uses a file in a temporary
directory. Nothing is asserted: the script prints figures.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT / "src", ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench._common import (  # noqa: E402 - after the paths above
    Budget,
    OverBudget,
    StatementCounter,
    analyze,
    configure_django,
    create_database,
    drop_database,
    empty_migration_statements,
    log,
    max_rss,
    mebibytes,
    parse_count,
    parse_counts,
    parse_vendors,
    render_table,
    reset_rss_peak,
    server_version,
    short,
)

APP = "bench"
DATABASE_NAME = os.environ.get("REMODEL_BENCH_MERGE_DB", "remodel_bench_merge")
"""The database created (and dropped) on PostgreSQL and MariaDB/MySQL; a plain name, as it
is not quoted."""
ID_MAP = "bench_user_merge_ids"
DEFAULT_SIZES = "250k:1M"
QUICK_SIZES = "500:2k"
DEFAULT_REFS = 1_000_000
# Referencing row j of a source points at source row (j * SPREAD) % rows + 1: neighbouring
# referencing rows point at rows far apart.
SPREAD = 7919
CHUNK = 20_000
NO_TRACE_NOTE = "--no-trace: no second, traced run, so no py peak"
QUICK_NOTE = "--quick does not trace the update_or_create loop (tracing slows it): no py peak"

TABLE_HEADER = (
    "database",
    "rows/source",
    "refs",
    "approach",
    "wall time",
    "statements",
    "py peak",
    "rss growth",
    "check",
)


# ---------------------------------------------------------------- scenario


@dataclass(frozen=True)
class Source:
    """A duplicated user model, its columns for the merged concepts, and what refers to it."""

    model: str
    key: str
    name: str
    extra: str
    """The third column: ``phone``, or ``bio`` (``UserProfile``)."""
    spelling: str
    """How this source writes person ``{}``'s email."""
    referrer: str
    field: str
    """The referencing model's foreign key to this source."""

    @property
    def label(self) -> str:
        return f"{APP}.{self.model}"


SOURCES = (
    Source("AppUser", "email", "username", "phone", "user{}@example.com", "Login", "app_user"),
    Source(
        "CustomerUser",
        "email_address",
        "full_name",
        "phone",
        "User{}@Example.com",
        "Purchase",
        "customer",
    ),
    Source(
        "UserProfile",
        "user_email",
        "display_name",
        "bio",
        " user{}@example.com",
        "Comment",
        "profile",
    ),
    Source(
        "AccountUser",
        "account_email",
        "account_name",
        "phone",
        "USER{}@EXAMPLE.COM ",
        "Invoice",
        "account",
    ),
)


@dataclass(frozen=True)
class Size:
    rows: int
    """Rows of each source."""
    refs: int
    """Referencing rows, all sources together."""

    @property
    def label(self) -> str:
        return f"{short(self.rows)}:{short(self.refs)}"

    @property
    def shared(self) -> int:
        """People in every source: the first half of each source's rows."""
        return self.rows // 2

    @property
    def users(self) -> int:
        """Distinct normalized emails: the shared people and each source's own."""
        return self.shared + len(SOURCES) * (self.rows - self.shared)

    def person(self, index: int, row: int) -> int:
        """The person of row ``row`` (1-based) of source ``index``."""
        if row <= self.shared:
            return row
        return self.shared + index * (self.rows - self.shared) + (row - self.shared)

    def refs_of(self, index: int) -> int:
        count, left = divmod(self.refs, len(SOURCES))
        return count + (1 if index < left else 0)


def parse_sizes(text: str) -> list[Size]:
    sizes = []
    for item in text.split(","):
        if not item.strip():
            continue
        rows, sep, refs = item.partition(":")
        size = Size(parse_count(rows), parse_count(refs) if sep else DEFAULT_REFS)
        if size.rows < 2:
            raise argparse.ArgumentTypeError(f"{item!r}: give each source 2 rows or more")
        sizes.append(size)
    if not sizes:
        raise argparse.ArgumentTypeError("no sizes given")
    return sizes


def project_state() -> Any:
    """Models after the expand step: ``User`` exists (empty), every referencing model has
    its nullable ``user`` beside its key to a source."""
    from django.db import models
    from django.db.migrations.state import ModelState, ProjectState

    state = ProjectState()
    state.add_model(
        ModelState(
            APP,
            "User",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("email", models.CharField(max_length=254, unique=True)),
                ("name", models.CharField(max_length=255, default="")),
                ("phone", models.CharField(max_length=32, default="")),
                ("bio", models.TextField(null=True)),
                ("is_active", models.BooleanField(default=True)),
            ],
        )
    )
    for source in SOURCES:
        extra: models.Field[Any, Any] = (
            models.TextField(blank=True, default="")
            if source.extra == "bio"
            else models.CharField(max_length=32, default="")
        )
        state.add_model(
            ModelState(
                APP,
                source.model,
                [
                    ("id", models.BigAutoField(primary_key=True)),
                    (source.key, models.CharField(max_length=254, unique=True)),
                    (source.name, models.CharField(max_length=255)),
                    (source.extra, extra),
                ],
            )
        )
        state.add_model(
            ModelState(
                APP,
                source.referrer,
                [
                    ("id", models.BigAutoField(primary_key=True)),
                    (source.field, models.ForeignKey(source.label.lower(), models.CASCADE)),
                    ("user", models.ForeignKey(f"{APP}.user", models.CASCADE, null=True)),
                ],
            )
        )
    state.apps  # noqa: B018 - render the models now, not inside a timed run
    return state


def model(state: Any, name: str) -> Any:
    return state.apps.get_model(APP, name)


def recreate_tables(connection: Any, state: Any) -> None:
    """Drop the benchmark's tables (and the id map) and create them empty."""
    from django_remodel.operations.merge import id_map_model

    referrers = [model(state, source.referrer) for source in SOURCES]
    sources = [model(state, source.model) for source in SOURCES]
    ordered = [*referrers, *sources, model(state, "User")]
    existing = set(connection.introspection.table_names())
    with connection.schema_editor() as editor:
        if ID_MAP in existing:
            editor.delete_model(id_map_model(ID_MAP, connection))
        for each in ordered:
            if each._meta.db_table in existing:
                editor.delete_model(each)
        for each in reversed(ordered):
            editor.create_model(each)


def source_rows(size: Size, index: int) -> Iterator[tuple[Any, ...]]:
    source = SOURCES[index]
    for row in range(1, size.rows + 1):
        person = size.person(index, row)
        extra = f"Bio of person {person}" if source.extra == "bio" else f"+1-555-{person:07d}"
        yield row, source.spelling.format(person), f"{source.model} {person}", extra


def referencing_rows(size: Size, index: int) -> Iterator[tuple[int, int]]:
    for row in range(1, size.refs_of(index) + 1):
        yield row, (row * SPREAD) % size.rows + 1


def load(connection: Any, state: Any, size: Size) -> None:
    """Fill every source and referencing table; ``User`` and the ``user`` keys stay empty."""
    from django.db import transaction

    qn = connection.ops.quote_name
    tables = []
    with transaction.atomic(using=connection.alias):
        for index, source in enumerate(SOURCES):
            found = model(state, source.model)
            refers = model(state, source.referrer)
            old = refers._meta.get_field(source.field).column
            for table, columns, rows in (
                (
                    found._meta.db_table,
                    ["id", source.key, source.name, source.extra],
                    source_rows(size, index),
                ),
                (refers._meta.db_table, ["id", old], referencing_rows(size, index)),
            ):
                tables.append(table)
                insert(connection, qn(table), [qn(c) for c in columns], rows)
    analyze(connection, tables)
    if connection.vendor == "postgresql":
        checkpoint(connection)


def checkpoint(connection: Any) -> None:
    """Write the load's pages out now, not during whichever run comes next (a role
    without the right to is told so, and the runs go on)."""
    from django.db import DatabaseError

    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError as exc:
        reason = str(exc).splitlines()[0]
        log(f"warning: no CHECKPOINT after the load ({reason})")


def insert(
    connection: Any, table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]
) -> None:
    """``rows`` into ``table`` (both quoted already): ``COPY`` on PostgreSQL, else in chunks."""
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    statement = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                cursor.executemany(statement, chunk)
                chunk = []
        if chunk:
            cursor.executemany(statement, chunk)


def create_id_map(connection: Any, state: Any) -> None:
    """``CreateMergeMap``: schema, run before the clock starts."""
    from django_remodel.operations import CreateMergeMap

    with connection.schema_editor() as editor:
        CreateMergeMap(ID_MAP).database_forwards(APP, editor, state, state)


def normalized(expression: str) -> str:
    """The merge key of ``expression``: trimmed and lowercased."""
    return f"LOWER(TRIM({expression}))"


def verify(connection: Any, state: Any, size: Size) -> str:
    """One statement: referencing rows whose ``user`` has their source row's normalized
    email, and the users."""
    qn = connection.ops.quote_name
    user = model(state, "User")
    counts = []
    for source in SOURCES:
        refers = model(state, source.referrer)
        found = model(state, source.model)
        counts.append(
            f"(SELECT COUNT(*) FROM {qn(refers._meta.db_table)} r "
            f"INNER JOIN {qn(found._meta.db_table)} s "
            f"ON s.{qn('id')} = r.{qn(refers._meta.get_field(source.field).column)} "
            f"INNER JOIN {qn(user._meta.db_table)} u ON u.{qn('id')} = r.{qn('user_id')} "
            f"WHERE {normalized('u.' + qn('email'))} = "
            f"{normalized('s.' + qn(source.key))})"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {' + '.join(counts)}, (SELECT COUNT(*) FROM {qn(user._meta.db_table)})"
        )
        matched, users = cursor.fetchone()
    if matched == size.refs and users == size.users:
        return "ok"
    return (
        f"FAILED: {size.refs - matched:,} of {size.refs:,} references mismatched, "
        f"{users:,}/{size.users:,} users"
    )


# -------------------------------------------------------------- approaches


def loop_operations(budget: Budget) -> list[Any]:
    from django.db import migrations

    def consolidate_users(apps: Any, schema_editor: Any) -> None:
        user_model = apps.get_model(APP, "User")
        db = schema_editor.connection.alias
        for source in SOURCES:
            source_model = apps.get_model(APP, source.model)
            referrer = apps.get_model(APP, source.referrer)
            target = "bio" if source.extra == "bio" else "phone"
            for row in source_model.objects.using(db).all():
                user, _ = user_model.objects.using(db).update_or_create(
                    email=getattr(row, source.key).strip().lower(),
                    defaults={
                        "name": getattr(row, source.name),
                        target: getattr(row, source.extra),
                    },
                )
                referrer.objects.using(db).filter(**{source.field: row}).update(user=user)
                budget.tick()

    return [migrations.RunPython(consolidate_users, migrations.RunPython.noop)]


def remodel_operations(batch_size: int | None) -> list[Any]:
    from django_remodel.operations import MergeRows, RepointReferences

    fields: list[list[Any]] = [
        ["email", {source.label: source.key for source in SOURCES}, "first"],
        ["name", {source.label: source.name for source in SOURCES}, "first"],
        *(
            [extra, {s.label: s.extra for s in SOURCES if s.extra == extra}, "first"]
            for extra in ("phone", "bio")
        ),
    ]
    return [
        MergeRows(
            model_name="User",
            sources=[source.label for source in SOURCES],
            key="email",
            fields=fields,
            id_map=ID_MAP,
            key_normalization="trim-casefold",
            batch_size=batch_size,
        ),
        *(
            RepointReferences(
                f"{APP}.{source.referrer}",
                source.field,
                "user",
                source.label,
                id_map=ID_MAP,
                batch_size=batch_size,
            )
            for source in SOURCES
        ),
    ]


def sql_operations(connection: Any, state: Any) -> list[Any]:
    from django.db import migrations

    qn = connection.ops.quote_name
    user = qn(model(state, "User")._meta.db_table)
    branches = []
    for order, source in enumerate(SOURCES):
        table = qn(model(state, source.model)._meta.db_table)
        phone = qn(source.extra) if source.extra == "phone" else "''"
        bio = qn(source.extra) if source.extra == "bio" else "NULL"
        branches.append(
            f"SELECT {normalized(qn(source.key))} AS k, {order} AS o, "
            f"{qn('id')} AS i, {qn(source.name)} AS n, {phone} AS p, {bio} AS b FROM {table}"
        )
    insert = (
        f"INSERT INTO {user} ({qn('email')}, {qn('name')}, {qn('phone')}, {qn('bio')}, "
        f"{qn('is_active')}) SELECT w.k, w.n, w.p, w.b, %s FROM (SELECT u.k, u.n, u.p, "
        "MAX(u.b) OVER (PARTITION BY u.k) AS b, "
        "ROW_NUMBER() OVER (PARTITION BY u.k ORDER BY u.o, u.i) AS rn "
        f"FROM ({' UNION ALL '.join(branches)}) u) w WHERE w.rn = 1"
    )
    statements: list[Any] = [(insert, [True])]
    for source in SOURCES:
        refers = model(state, source.referrer)
        table = qn(refers._meta.db_table)
        old = qn(refers._meta.get_field(source.field).column)
        found = qn(model(state, source.model)._meta.db_table)
        email = normalized(f"s.{qn(source.key)}")
        if connection.vendor == "mysql":
            update = (
                f"UPDATE {table} INNER JOIN {found} s ON s.{qn('id')} = {table}.{old} "
                f"INNER JOIN {user} u ON u.{qn('email')} = {email} "
                f"SET {table}.{qn('user_id')} = u.{qn('id')}"
            )
        else:
            update = (
                f"UPDATE {table} SET {qn('user_id')} = u.{qn('id')} FROM {found} s, {user} u "
                f"WHERE s.{qn('id')} = {table}.{old} AND u.{qn('email')} = {email}"
            )
        statements.append((update, []))
    return [migrations.RunSQL(statements, migrations.RunSQL.noop)]


@dataclass(frozen=True)
class Approach:
    key: str
    label: str
    atomic: bool = True
    batch_size: int | None = None


APPROACH_KEYS = ("loop", "remodel", "sql")


def parse_approaches(text: str) -> list[str]:
    keys = [item.strip().lower() for item in text.split(",") if item.strip()]
    unknown = [key for key in keys if key not in APPROACH_KEYS]
    if unknown or not keys:
        raise argparse.ArgumentTypeError(
            f"{text!r}: choose among {', '.join(APPROACH_KEYS)}, comma-separated"
        )
    return keys


def approaches(batch_sizes: list[int], selected: list[str]) -> list[Approach]:
    every = [
        Approach("loop", "update_or_create loop"),
        Approach("remodel", "remodel, unbatched"),
        *(
            Approach(
                f"remodel-batched-{size}",
                f"remodel, batch_size={size:,}",
                atomic=False,
                batch_size=size,
            )
            for size in batch_sizes
        ),
        Approach("sql", "hand-written SQL"),
    ]
    return [approach for approach in every if approach.key.split("-")[0] in selected]


# ---------------------------------------------------------------- measuring


class StatementTimer(StatementCounter):
    """Counts statements and, when ``timing``, keeps each one's seconds and text."""

    def __init__(self, *, timing: bool = False) -> None:
        super().__init__()
        self.timing = timing
        self.timings: list[tuple[float, str]] = []

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if not self.timing:
            return super().__call__(execute, sql, params, many, context)
        started = time.perf_counter()
        try:
            return super().__call__(execute, sql, params, many, context)
        finally:
            self.timings.append((time.perf_counter() - started, sql))


@dataclass
class Run:
    """One run of one approach on freshly loaded data."""

    seconds: float
    statements: int
    rss_growth: int | None = None
    py_peak: int | None = None
    stopped_after: int | None = None  # source rows done when the loop was stopped
    extrapolated: tuple[float, int] | None = None  # then: seconds and statements for all
    rss_reset: bool = True
    timings: list[tuple[float, str]] = field(default_factory=list)


@dataclass
class Row:
    vendor: str
    size: Size
    approach: Approach
    status: str | None = None  # set when nothing was measured: the reason
    seconds: float | None = None
    statements: int | None = None
    py_peak: int | None = None
    rss_growth: int | None = None
    check: str = "-"
    extrapolated_from: int | None = None
    rss_reset: bool = True
    notes: list[str] = field(default_factory=list)
    timings: list[tuple[float, str]] = field(default_factory=list)
    runs: list[float] = field(default_factory=list)
    """With ``--repeat``: the wall time of each run, in the order they ran."""


def median_row(rows: list[Row]) -> Row:
    """The runs of one approach as one row: the run of the median wall time (of an even
    number, the slower of the two middle ones), the wall times of all in ``runs``; the
    first run that failed or did not check, if any, in place of it."""
    failed = [r for r in rows if r.status is not None or r.check.startswith("FAILED")]
    if failed:
        return failed[0]
    ordered = sorted(rows, key=lambda r: r.seconds or 0.0)
    row = ordered[len(ordered) // 2]
    row.runs = [r.seconds or 0.0 for r in rows]
    row.py_peak = next((r.py_peak for r in rows if r.py_peak is not None), None)
    row.notes = list(dict.fromkeys(note for r in rows for note in r.notes))
    return row


def run_once(
    connection: Any,
    state: Any,
    size: Size,
    approach: Approach,
    *,
    traced: bool,
    budget: Budget | None = None,
    timing: bool = False,
) -> Run:
    from django.db.migrations.migration import Migration

    recreate_tables(connection, state)
    load(connection, state, size)
    if approach.key == "loop":
        assert budget is not None
        operations = loop_operations(budget)
    elif approach.key == "sql":
        operations = sql_operations(connection, state)
    else:
        create_id_map(connection, state)
        operations = remodel_operations(approach.batch_size)
    steps = operations

    class ConsolidateUsers(Migration):
        operations = steps
        atomic = approach.atomic

    migration = ConsolidateUsers("0002_consolidate_users", APP)
    counter = StatementTimer(timing=timing)
    migration_state = state.clone()

    gc.collect()
    rss_reset = reset_rss_peak()
    rss_before = max_rss()
    if traced:
        tracemalloc.start()
        tracemalloc.reset_peak()
    stopped_after = None
    extrapolated = None
    started = time.perf_counter()
    if budget is not None:
        budget.start(started, counter)
    try:
        with (
            connection.execute_wrapper(counter),
            connection.schema_editor(atomic=migration.atomic) as editor,
        ):
            migration.apply(migration_state, editor)
        finished = time.perf_counter()
    except OverBudget:
        assert budget is not None
        assert budget.stopped is not None
        finished = budget.stopped
        stopped_after = budget.done
        extrapolated = budget.extrapolate(counter.count)
    finally:
        py_peak = tracemalloc.get_traced_memory()[1] if traced else None
        if traced:
            tracemalloc.stop()
    return Run(
        seconds=finished - started,
        statements=counter.count,
        rss_growth=max_rss() - rss_before,
        rss_reset=rss_reset,
        py_peak=py_peak,
        stopped_after=stopped_after,
        extrapolated=extrapolated,
        timings=counter.timings,
    )


def measure(
    connection: Any,
    state: Any,
    size: Size,
    approach: Approach,
    options: argparse.Namespace,
    *,
    trace: bool = True,
) -> Row:
    """One timed run of ``approach`` (and, with ``trace``, the traced one for py peak)."""
    row = Row(connection.vendor, size, approach)
    units = size.rows * len(SOURCES)
    is_loop = approach.key == "loop"
    try:
        timed = run_once(
            connection,
            state,
            size,
            approach,
            traced=False,
            budget=Budget(seconds=options.budget, total=units) if is_loop else None,
            timing=bool(options.slowest) and not is_loop,
        )
        row.check = verify(connection, state, size) if timed.stopped_after is None else "n/a"
        traced = None
        if is_loop and options.quick:
            row.notes.append(QUICK_NOTE)
        elif options.no_trace:
            row.notes.append(NO_TRACE_NOTE)
        elif trace:
            # A stopped loop's traced run stops at the same row, or after the budget
            # (traced, it is slower): its memory is the partial run's either way.
            traced_budget = (
                Budget(rows=timed.stopped_after, seconds=options.budget, total=units)
                if is_loop
                else None
            )
            traced = run_once(connection, state, size, approach, traced=True, budget=traced_budget)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        row.status = f"failed: {type(exc).__name__}"
        row.notes.append(f"{type(exc).__name__}: {exc}".splitlines()[0][:300])
        connection.close()
        return row

    row.seconds, row.statements = timed.seconds, timed.statements
    row.rss_growth, row.rss_reset = timed.rss_growth, timed.rss_reset
    row.py_peak = traced.py_peak if traced is not None else None
    row.timings = timed.timings
    if timed.stopped_after is not None and timed.extrapolated is not None:
        done = timed.stopped_after
        row.seconds, row.statements = timed.extrapolated
        row.extrapolated_from = done
        row.notes.append(
            f"stopped after the --budget of {options.budget:g} s and rolled back at {done:,} "
            f"of {units:,} source rows; time and statements extrapolated at the rate of its "
            "later half, memory is the partial run's; check not run"
        )
    log(
        f"{row.vendor} {size.label} {approach.label}: {row.seconds:.3f} s, "
        f"{row.statements:,} statements, check {row.check}"
    )
    return row


# ----------------------------------------------------------------- printing


def seconds_text(row: Row) -> str:
    if row.seconds is None:
        return "-"
    prefix = "~" if row.extrapolated_from is not None else ""
    return f"{prefix}{row.seconds:,.3f} s"


def table_lines(rows: list[Row]) -> list[str]:
    """The table; a row that was not measured shows why across the value columns."""
    lines: list[tuple[tuple[str, ...], str | None]] = []
    previous: tuple[str, Size] | None = None
    for row in rows:
        first = previous != (row.vendor, row.size)
        previous = (row.vendor, row.size)
        lead = (row.vendor, f"{row.size.rows:,}", f"{row.size.refs:,}") if first else ("",) * 3
        if row.status is not None:
            lines.append(((*lead, row.approach.label), row.status))
            continue
        statements = "-" if row.statements is None else f"{row.statements:,}"
        if row.extrapolated_from is not None:
            statements = "~" + statements
        values = (seconds_text(row), statements, mebibytes(row.py_peak), mebibytes(row.rss_growth))
        lines.append(((*lead, row.approach.label, *values, row.check), None))
    return render_table(TABLE_HEADER, lines, {1, 2, 4, 5, 6, 7})


def ratio_lines(rows: list[Row]) -> list[str]:
    """Each approach against the SQL floor, per database and size."""
    floors = {
        (row.vendor, row.size): row
        for row in rows
        if row.approach.key == "sql" and row.status is None and row.seconds
    }
    lines = ["Ratios of wall time to hand-written SQL (target: remodel within 1.5x):"]
    for row in rows:
        if row.approach.key == "sql":
            continue
        floor = floors.get((row.vendor, row.size))
        if row.status is not None or row.seconds is None or floor is None:
            ratio = "n/a"
        else:
            assert floor.seconds is not None
            prefix = "~" if row.extrapolated_from is not None else ""
            ratio = (
                f"{prefix}{row.seconds / floor.seconds:,.2f}x "
                f"({row.statements:,} vs {floor.statements:,} statements)"
            )
        lines.append(f"  {row.vendor:<10}  {row.size.label:>9}  {row.approach.label:<28}  {ratio}")
    remodel = [row for row in rows if row.approach.key.startswith("remodel") and row.statements]
    if len({row.size for row in remodel}) > 1:
        lines.append("Statements of remodel by size (they should not grow with the rows):")
        for vendor in dict.fromkeys(row.vendor for row in remodel):
            for approach in dict.fromkeys(row.approach for row in remodel):
                counts = [
                    f"{row.size.label} {row.statements:,}"
                    for row in remodel
                    if row.vendor == vendor and row.approach == approach
                ]
                lines.append(f"  {vendor:<10}  {approach.label:<28}  {'; '.join(counts)}")
    return lines


def runs_lines(rows: list[Row]) -> list[str]:
    """The wall time of every run of each approach, whose median the table shows."""
    lines = ["Wall time of each run, in the order they ran (the table shows the median):"]
    for row in rows:
        if row.runs:
            times = ", ".join(f"{seconds:,.3f}" for seconds in row.runs)
            lines.append(
                f"  {row.vendor:<10}  {row.size.label:>9}  {row.approach.label:<28}  {times} s"
            )
    return lines


def slowest_lines(rows: list[Row], count: int) -> list[str]:
    lines = []
    for row in rows:
        if not row.timings:
            continue
        lines.append(f"Slowest statements: {row.vendor} {row.size.label} {row.approach.label}")
        for seconds, sql in sorted(row.timings, key=lambda item: -item[0])[:count]:
            text = " ".join(sql.split())
            lines.append(f"  {seconds:9.3f} s  {text[:400]}{'...' if len(text) > 400 else ''}")
    return lines


# --------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        epilog="Rows and columns are described in the module docstring.",
    )
    parser.add_argument(
        "--db",
        type=parse_vendors,
        default=None,
        help="comma-separated: postgresql, sqlite, mysql (default: postgresql,sqlite)",
    )
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=None,
        help=(
            "comma-separated ROWS[:REFS], rows of each of the 4 sources and referencing rows "
            f"in all (default: {DEFAULT_SIZES}; REFS defaults to {short(DEFAULT_REFS)})"
        ),
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=(
            f"a smoke run of seconds: sizes {QUICK_SIZES}, batch size 200, "
            "no traced run of the loop"
        ),
    )
    parser.add_argument(
        "--batch-size",
        type=parse_counts,
        default=None,
        help=(
            "comma-separated batch_size of the batched remodel rows, one row each "
            "(default 50k; 200 with --quick)"
        ),
    )
    parser.add_argument(
        "--approaches",
        type=parse_approaches,
        default=list(APPROACH_KEYS),
        help=f"comma-separated rows to run (default: {','.join(APPROACH_KEYS)})",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=120.0,
        help=(
            "seconds after which the update_or_create loop is stopped and extrapolated "
            "(default 120)"
        ),
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help=(
            "run each approach N times, round by round, and show the median wall time "
            "(the update_or_create loop runs once; default 1)"
        ),
    )
    parser.add_argument(
        "--no-trace",
        action="store_true",
        help="skip the second, traced run of each approach (no py peak; halves the time)",
    )
    parser.add_argument(
        "--slowest",
        type=int,
        default=0,
        metavar="N",
        help="print the N slowest statements of each remodel and SQL run (default: none)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat {args.repeat}: run each approach at least once")
    if args.db is None:
        args.db = ["postgresql", "sqlite"]
    if args.sizes is None:
        args.sizes = parse_sizes(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    if args.batch_size is None:
        args.batch_size = [200 if args.quick else 50_000]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sqlite_dir = Path(tempfile.mkdtemp(prefix="remodel-bench-merge-"))
    try:
        return run(args, sqlite_dir)
    finally:
        shutil.rmtree(sqlite_dir, ignore_errors=True)


def run(args: argparse.Namespace, sqlite_dir: Path) -> int:
    configure_django(args.db, sqlite_dir, DATABASE_NAME)
    import django
    from django.db import connections

    state = project_state()
    rows: list[Row] = []
    notes: list[str] = []
    versions: list[str] = []
    failed = False
    for vendor in args.db:
        connection = connections[vendor]
        params = connection.settings_dict
        try:
            create_database(vendor, params)
            connection.ensure_connection()
        except Exception as exc:
            failed = True
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
            notes.append(f"{vendor}: cannot be used ({reason})")
            for size in args.sizes:
                for approach in approaches(args.batch_size, args.approaches):
                    rows.append(
                        Row(vendor, size, approach, status="database unavailable (see the note)")
                    )
            continue
        versions.append(server_version(connection))
        overhead = empty_migration_statements(connection, state, APP)
        if overhead:
            notes.append(
                f"{vendor}: an empty migration runs {overhead} statements (the schema "
                "editor's own); they are in every row's count"
            )
        try:
            for size in args.sizes:
                chosen = approaches(args.batch_size, args.approaches)
                runs: dict[Approach, list[Row]] = {approach: [] for approach in chosen}
                # Round by round, so that the machine's drift falls on every approach
                # alike; the loop (extrapolated anyway) and the traced runs once.
                for round_ in range(args.repeat):
                    for approach in chosen:
                        if round_ and approach.key == "loop":
                            continue
                        runs[approach].append(
                            measure(connection, state, size, approach, args, trace=not round_)
                        )
                for approach in chosen:
                    row = median_row(runs[approach])
                    failed = failed or (row.status or "").startswith("failed")
                    failed = failed or row.check.startswith("FAILED")
                    rows.append(row)
        finally:
            connection.close()
            try:
                drop_database(vendor, params)
            except Exception as exc:
                notes.append(f"{vendor}: could not drop {DATABASE_NAME!r} ({exc})")

    print(
        f"Merging {', '.join(source.model for source in SOURCES)} into User by email "
        "(trimmed, lowercased; half of each source's people in every source): "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{', '.join(versions) or 'no database'}, {os.cpu_count()} CPUs"
    )
    print()
    for line in table_lines(rows):
        print(line)
    print()
    footnotes: dict[str, None] = {}  # ordered, without repeats
    for row in rows:
        for note in row.notes:
            if note in (QUICK_NOTE, NO_TRACE_NOTE):
                footnotes[note] = None
            else:
                footnotes[f"{row.vendor} {row.size.label} {row.approach.label}: {note}"] = None
    if any(not row.rss_reset for row in rows):
        notes.append(
            "the peak RSS could not be reset between runs: rss growth shows only new highs"
        )
    for note in [*notes, *footnotes]:
        print(f"note: {note}")
    if notes or footnotes:
        print()
    print(
        "py peak is tracemalloc's, from a second, traced run; rss growth is ru_maxrss's "
        "during the timed run; statements are counted by an execute_wrapper. The id map "
        "(CreateMergeMap) is created before remodel's clock starts."
    )
    print()
    for line in ratio_lines(rows):
        print(line)
    if args.repeat > 1:
        print()
        for line in runs_lines(rows):
            print(line)
    if args.slowest:
        print()
        for line in slowest_lines(rows, args.slowest):
            print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
