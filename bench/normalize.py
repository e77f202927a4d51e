"""Filling the foreign key of a normalized column, four ways, measured.

The scenario is the story's: a ``Server`` table whose ``location_name`` (a
short string, not indexed, as in the story's model; ``--indexed`` adds an
index, as the example project has) repeats a few thousand values is
normalized into a ``Location`` table (``name`` unique) and a nullable
``Server.location`` foreign key. The schema step (create ``Location``, add the
column) is done before the clock starts; what is measured is the data step
that creates one ``Location`` per distinct name and points every server at
its own. Each approach starts from the same freshly created and loaded tables
and runs as a migration does (``Migration.apply`` inside the schema editor,
atomic unless said otherwise). Afterwards one SQL count checks that every
server's foreign key points at the location named by its former column.

Rows (approaches):

- ``naive loop``: for every server, ``Location.objects.get_or_create(name=...)``
  and ``server.save()`` in a ``RunPython``; two or three statements a server.
  Run at up to ``--naive-max`` servers (100k) and skipped above.
- ``better approach``: ``values_list("location_name").distinct()``, then per
  name one ``create()`` and one ``filter(location_name=name).update(...)``, in
  a ``RunPython``; one plus two statements a location. Without an index each
  ``update()`` reads the whole table.

  A loop that passes ``--budget`` seconds is stopped (rolled back) and its
  time and statements are extrapolated from the servers (naive) or locations
  (better) it did (``~`` in the row).
- ``remodel``: ``django_remodel.operations.NormalizeColumn``, unbatched in an
  atomic migration, and with ``batch_size`` (``--batch-size``) and
  ``batch_seconds`` (``--batch-seconds``, ``remodel normalize``'s default
  unless given; 0 for ranges of ``batch_size`` rows each), one row per pair
  given, in a non-atomic one, so that each batch can commit on its own (a
  table of no more rows than ``batch_size`` is moved in one pass).
- ``hand-written SQL``: one ``INSERT ... SELECT DISTINCT`` and one ``UPDATE``
  joined on the name (``UPDATE ... FROM`` on PostgreSQL and SQLite,
  ``UPDATE ... JOIN`` on MariaDB/MySQL): the floor.

Columns: ``wall time`` of the migration; ``statements``, every
``execute``/``executemany`` the connection ran (counted by an
``execute_wrapper``, so the schema editor's own statements, such as SQLite's
``PRAGMA foreign_key_check``, are in); ``py peak``, the tracemalloc peak, from
a second run of the same approach on freshly loaded data (tracing slows
Python down, so the first run is the timed one; ``--quick`` does not trace
the naive loop); ``rss growth``, how far the
process's ``ru_maxrss`` rose during the timed run (its peak is reset first
where Linux allows it); ``check``, the verification count. Memory is the
Python process's only; the database server's is not in it.

Run from the repository root, ``PYTHONPATH`` unset::

    .venv/bin/python bench/normalize.py                     # PostgreSQL and SQLite, four sizes
    .venv/bin/python bench/normalize.py --db sqlite --sizes 100k:1k,1M:10k
    .venv/bin/python bench/normalize.py --approaches remodel --batch-size 10k,50k,100k
    .venv/bin/python bench/normalize.py --approaches remodel,sql --batch-seconds 0,0.5,1
    .venv/bin/python bench/normalize.py --db mysql          # MariaDB/MySQL, optional
    .venv/bin/python bench/normalize.py --quick --db sqlite # a smoke run of seconds

PostgreSQL is reached at ``PGHOST``:``PGPORT`` as ``PGUSER`` (default
127.0.0.1:5432, ``postgres``) and MariaDB at ``MYSQL_HOST``:``MYSQL_TCP_PORT``
as ``MYSQL_USER`` (default 127.0.0.1:3306, ``root``); the script creates the
database ``remodel_bench`` there and drops it at the end. SQLite uses a file
in a temporary directory. Nothing is asserted: the script prints figures.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402 - after the paths above
    Budget,
    OverBudget,
    StatementCounter,
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
    sqlite_version,
)

APP = "bench"
DATABASE_NAME = os.environ.get("REMODEL_BENCH_DB", "remodel_bench")
"""The database created (and dropped) on PostgreSQL and MariaDB/MySQL; a plain name, as it is
not quoted (``REMODEL_BENCH_DB`` sets another, for runs side by side)."""
DEFAULT_SIZES = "100k:1k,100k:10k,1M:1k,1M:10k"
QUICK_SIZES = "10k:1k"
PREFIX = "FLOOR-"
# Server i sits at location (i * SPREAD) % locations: every location is used
# (SPREAD is prime) and neighbouring rows are at different locations.
SPREAD = 7919
QUICK_NOTE = "--quick does not trace the naive loop (tracing slows it ~5x): no py peak"

TABLE_HEADER = (
    "database",
    "servers",
    "locations",
    "approach",
    "wall time",
    "statements",
    "py peak",
    "rss growth",
    "check",
)


# ------------------------------------------------------------------ sizes


@dataclass(frozen=True)
class Size:
    servers: int
    locations: int

    @property
    def label(self) -> str:
        return f"{short(self.servers)}:{short(self.locations)}"


def parse_sizes(text: str) -> list[Size]:
    sizes = []
    for item in text.split(","):
        if not item.strip():
            continue
        servers, sep, locations = item.partition(":")
        if not sep:
            raise argparse.ArgumentTypeError(
                f"{item!r} is not SERVERS:LOCATIONS, e.g. 100k:1k or 1M:10k"
            )
        size = Size(parse_count(servers), parse_count(locations))
        if size.locations > size.servers:
            raise argparse.ArgumentTypeError(f"{item!r} has more locations than servers")
        if math.gcd(SPREAD, size.locations) != 1:
            raise argparse.ArgumentTypeError(
                f"{item!r}: the location count is a multiple of {SPREAD}"
            )
        sizes.append(size)
    if not sizes:
        raise argparse.ArgumentTypeError("no sizes given")
    return sizes


# ---------------------------------------------------------------- settings


# ------------------------------------------------------------------ models


def project_state(*, indexed: bool = False) -> Any:
    """Models after the schema step: ``Location`` exists, ``Server.location`` is nullable;
    ``location_name`` indexed when ``indexed``."""
    from django.db import models
    from django.db.migrations.state import ModelState, ProjectState

    state = ProjectState()
    state.add_model(
        ModelState(
            APP,
            "Location",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("name", models.CharField(max_length=16, unique=True)),
            ],
        )
    )
    state.add_model(
        ModelState(
            APP,
            "Server",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("location_name", models.CharField(max_length=16, db_index=indexed)),
                (
                    "location",
                    models.ForeignKey(f"{APP}.location", models.CASCADE, null=True, blank=True),
                ),
            ],
        )
    )
    state.apps  # noqa: B018 - render the models now, not inside a timed run
    return state


def location_name(server_id: int, size: Size) -> str:
    return f"{PREFIX}{server_id * SPREAD % size.locations}"


def recreate_tables(connection: Any, state: Any) -> None:
    server = state.apps.get_model(APP, "Server")
    location = state.apps.get_model(APP, "Location")
    existing = set(connection.introspection.table_names())
    with connection.schema_editor() as editor:
        for model in (server, location):
            if model._meta.db_table in existing:
                editor.delete_model(model)
        editor.create_model(location)
        editor.create_model(server)


def load_servers(connection: Any, state: Any, size: Size) -> None:
    """Fill the server table with ``size.servers`` rows, ids 1..N, foreign key empty."""
    from django.db import transaction

    qn = connection.ops.quote_name
    table = qn(state.apps.get_model(APP, "Server")._meta.db_table)
    columns = f"{qn('id')}, {qn('location_name')}"
    vendor = connection.vendor
    chunk = 100_000
    with transaction.atomic(using=connection.alias):
        if vendor == "postgresql":
            with (
                connection.connection.cursor() as cursor,
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for start in range(1, size.servers + 1, chunk):
                    stop = min(start + chunk, size.servers + 1)
                    copy.write(
                        "".join(f"{i}\t{location_name(i, size)}\n" for i in range(start, stop))
                    )
        elif vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(
                    "WITH RECURSIVE seq(i) AS "
                    "(SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < %s) "
                    f"INSERT INTO {table} ({columns}) "
                    f"SELECT i, '{PREFIX}' || ((i * {SPREAD}) % %s) FROM seq",
                    [size.servers, size.locations],
                )
        else:
            with connection.cursor() as cursor:
                for start in range(1, size.servers + 1, chunk // 10):
                    stop = min(start + chunk // 10, size.servers + 1)
                    cursor.executemany(
                        f"INSERT INTO {table} ({columns}) VALUES (%s, %s)",
                        [(i, location_name(i, size)) for i in range(start, stop)],
                    )
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {table}")
        elif vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            cursor.execute(f"ANALYZE TABLE {table}")
            cursor.fetchall()


def verify(connection: Any, state: Any, size: Size) -> str:
    """One count: servers whose foreign key names their former location, and locations."""
    qn = connection.ops.quote_name
    server = qn(state.apps.get_model(APP, "Server")._meta.db_table)
    location = qn(state.apps.get_model(APP, "Location")._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {server} s JOIN {location} l "
            f"ON l.{qn('id')} = s.{qn('location_id')} "
            f"WHERE l.{qn('name')} = s.{qn('location_name')}), "
            f"(SELECT COUNT(*) FROM {location})"
        )
        matched, locations = cursor.fetchone()
    if matched == size.servers and locations == size.locations:
        return "ok"
    return (
        f"FAILED: {matched:,}/{size.servers:,} servers match, "
        f"{locations:,}/{size.locations:,} locations"
    )


# -------------------------------------------------------------- approaches


def naive_operations(budget: Budget) -> list[Any]:
    from django.db import migrations

    def fill(apps: Any, schema_editor: Any) -> None:
        server_model = apps.get_model(APP, "Server")
        location_model = apps.get_model(APP, "Location")
        db = schema_editor.connection.alias
        for server in server_model.objects.using(db).all():
            location_fk, _ = location_model.objects.using(db).get_or_create(
                name=server.location_name
            )
            server.location = location_fk
            server.save()
            budget.tick()

    return [migrations.RunPython(fill, migrations.RunPython.noop)]


def better_operations(budget: Budget) -> list[Any]:
    from django.db import migrations

    def fill(apps: Any, schema_editor: Any) -> None:
        server_model = apps.get_model(APP, "Server")
        location_model = apps.get_model(APP, "Location")
        db = schema_editor.connection.alias
        names = server_model.objects.using(db).all().values_list("location_name", flat=True)
        for name in names.distinct():
            location_fk = location_model.objects.using(db).create(name=name)
            server_model.objects.using(db).filter(location_name=name).update(location=location_fk)
            budget.tick()

    return [migrations.RunPython(fill, migrations.RunPython.noop)]


def sql_operations(connection: Any, state: Any) -> list[Any]:
    from django.db import migrations

    qn = connection.ops.quote_name
    server = qn(state.apps.get_model(APP, "Server")._meta.db_table)
    location = qn(state.apps.get_model(APP, "Location")._meta.db_table)
    name, location_name_, id_, location_id = (
        qn("name"),
        qn("location_name"),
        qn("id"),
        qn("location_id"),
    )
    insert = f"INSERT INTO {location} ({name}) SELECT DISTINCT {location_name_} FROM {server}"
    if connection.vendor == "mysql":
        update = (
            f"UPDATE {server} JOIN {location} ON {location}.{name} = {server}.{location_name_} "
            f"SET {server}.{location_id} = {location}.{id_}"
        )
    elif connection.vendor == "sqlite" and sqlite_version() < (3, 33):
        # UPDATE ... FROM arrived in SQLite 3.33.
        update = (
            f"UPDATE {server} SET {location_id} = (SELECT {location}.{id_} FROM {location} "
            f"WHERE {location}.{name} = {server}.{location_name_})"
        )
    else:
        update = (
            f"UPDATE {server} SET {location_id} = {location}.{id_} FROM {location} "
            f"WHERE {location}.{name} = {server}.{location_name_}"
        )
    return [migrations.RunSQL([insert, update], migrations.RunSQL.noop)]


def normalize_column_class() -> tuple[Any, str | None]:
    """The ``NormalizeColumn`` operation, or ``None`` and why it cannot be imported."""
    try:
        from django_remodel.operations import (  # type: ignore[attr-defined,unused-ignore]
            NormalizeColumn,
        )
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return NormalizeColumn, None


def remodel_operations(batch_size: int | None, batch_seconds: float | None = None) -> list[Any]:
    normalize_column, _ = normalize_column_class()
    timed = {"batch_seconds": batch_seconds} if batch_seconds else {}
    return [
        normalize_column(
            model_name="Server",
            field_name="location_name",
            fk_name="location",
            target_model=f"{APP}.Location",
            target_field="name",
            batch_size=batch_size,
            **timed,
        )
    ]


@dataclass(frozen=True)
class Approach:
    key: str
    label: str
    atomic: bool = True
    batch_size: int | None = None
    batch_seconds: float | None = None

    @property
    def batching(self) -> str:
        """``batch_size=50,000`` (``, batch_seconds=1`` when sized by time)."""
        timed = f", batch_seconds={self.batch_seconds:g}" if self.batch_seconds else ""
        return f"batch_size={self.batch_size:,}{timed}"


APPROACH_KEYS = ("naive", "better", "remodel", "sql")


def parse_approaches(text: str) -> list[str]:
    keys = [item.strip().lower() for item in text.split(",") if item.strip()]
    unknown = [key for key in keys if key not in APPROACH_KEYS]
    if unknown or not keys:
        raise argparse.ArgumentTypeError(
            f"{text!r}: choose among {', '.join(APPROACH_KEYS)}, comma-separated"
        )
    return keys


def batched(batch_size: int, batch_seconds: float) -> Approach:
    approach = Approach(
        f"remodel-batched-{batch_size}-{batch_seconds:g}",
        "",
        atomic=False,
        batch_size=batch_size,
        batch_seconds=batch_seconds or None,
    )
    return replace(approach, label=f"remodel NormalizeColumn, {approach.batching}")


def approaches(
    batch_sizes: list[int], selected: list[str], batch_seconds: list[float] | None = None
) -> list[Approach]:
    every = [
        Approach("naive", "naive loop (get_or_create + save)"),
        Approach("better", "better approach (distinct, create + update)"),
        Approach("remodel", "remodel NormalizeColumn, unbatched"),
        *(
            batched(batch_size, seconds)
            for batch_size in batch_sizes
            for seconds in (batch_seconds or [0.0])
        ),
        Approach("sql", "hand-written SQL (INSERT SELECT + UPDATE join)"),
    ]
    return [approach for approach in every if approach.key.split("-")[0] in selected]


# ---------------------------------------------------------------- measuring


@dataclass
class Run:
    """One run of one approach on freshly loaded data."""

    seconds: float
    statements: int
    rss_growth: int | None = None
    py_peak: int | None = None
    stopped_after: int | None = None  # servers done when the naive loop was stopped
    extrapolated: tuple[float, int] | None = None  # then: seconds and statements for all
    rss_reset: bool = True  # whether the peak RSS could be reset before the run


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


def run_once(
    connection: Any,
    state: Any,
    size: Size,
    approach: Approach,
    *,
    traced: bool,
    budget: Budget | None = None,
) -> Run:
    from django.db.migrations.migration import Migration

    recreate_tables(connection, state)
    load_servers(connection, state, size)
    if approach.key == "naive":
        assert budget is not None
        operations = naive_operations(budget)
    elif approach.key == "better":
        assert budget is not None
        operations = better_operations(budget)
    elif approach.key == "sql":
        operations = sql_operations(connection, state)
    else:
        operations = remodel_operations(approach.batch_size, approach.batch_seconds)
    steps = operations

    class FillServerLocation(Migration):
        operations = steps
        atomic = approach.atomic

    migration = FillServerLocation("0002_fill_server_location", APP)
    counter = StatementCounter()
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
    )


def measure(
    connection: Any,
    state: Any,
    size: Size,
    approach: Approach,
    options: argparse.Namespace,
    log: Callable[[str], None],
) -> Row:
    row = Row(connection.vendor, size, approach)
    if approach.key == "naive" and size.servers > options.naive_max:
        row.status = (
            f"skipped at {short(size.servers)} servers (naive loop runs at up to "
            f"{short(options.naive_max)}; it would take ~{2 * size.servers:,}+ statements)"
        )
        return row
    if approach.key.startswith("remodel"):
        available, reason = normalize_column_class()
        if available is None:
            row.status = "not available"
            row.notes.append(f"django_remodel.operations.NormalizeColumn: {reason}")
            return row

    units = size.locations if approach.key == "better" else size.servers
    budget = Budget(seconds=options.budget, total=units)
    try:
        timed = run_once(connection, state, size, approach, traced=False, budget=budget)
        if timed.stopped_after is None:
            row.check = verify(connection, state, size)
        else:
            row.check = "n/a (stopped)"
        traced = None
        if approach.key == "naive" and options.quick:
            row.notes.append(QUICK_NOTE)
        else:
            traced_budget = Budget(rows=timed.stopped_after, total=units)
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
    if timed.stopped_after is not None and timed.extrapolated is not None:
        done = timed.stopped_after
        row.seconds, row.statements = timed.extrapolated
        row.extrapolated_from = done
        what = "locations" if approach.key == "better" else "servers"
        row.notes.append(
            f"stopped after the --budget of {options.budget:g} s and rolled back "
            f"at {done:,} of {units:,} {what}; time and statements extrapolated at "
            "the rate of its later half, memory is the partial run's"
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
    lines: list[tuple[tuple[str, ...], str | None]] = [(TABLE_HEADER, None)]
    previous: tuple[str, Size] | None = None
    for row in rows:
        first = previous != (row.vendor, row.size)
        previous = (row.vendor, row.size)
        lead = (
            (row.vendor, f"{row.size.servers:,}", f"{row.size.locations:,}") if first else ("",) * 3
        )
        if row.status is not None:
            lines.append(((*lead, row.approach.label), row.status))
            continue
        statements = "-" if row.statements is None else f"{row.statements:,}"
        if row.extrapolated_from is not None:
            statements = "~" + statements
        values = (seconds_text(row), statements, mebibytes(row.py_peak), mebibytes(row.rss_growth))
        lines.append(((*lead, row.approach.label, *values, row.check), None))
    return render_table(TABLE_HEADER, lines[1:], {1, 2, 4, 5, 6, 7})


def ratio_lines(rows: list[Row]) -> list[str]:
    """Remodel against the SQL floor per size; the story's better approach against remodel."""
    figures = {
        (row.vendor, row.size, row.approach.key): (row.seconds, row.statements or 0)
        for row in rows
        if row.status is None and row.seconds
    }
    vendors = list(dict.fromkeys(row.vendor for row in rows))
    sizes = list(dict.fromkeys(row.size for row in rows))
    batched = [("remodel", "unbatched")] + [
        (approach.key, approach.batching)
        for approach in dict.fromkeys(row.approach for row in rows)
        if approach.batch_size is not None
    ]

    def ratio(vendor: str, size: Size, top: str, bottom: str) -> str:
        over, under = figures.get((vendor, size, top)), figures.get((vendor, size, bottom))
        if over is None or under is None:
            return "n/a"
        return f"{over[0] / under[0]:,.2f}x ({over[1]:,} vs {under[1]:,} statements)"

    lines = ["Ratios of wall time, remodel / hand-written SQL:"]
    for vendor in vendors:
        for size in sizes:
            parts = [f"{name} {ratio(vendor, size, key, 'sql')}" for key, name in batched]
            lines.append(f"  {vendor:<10}  {size.label:>8}  " + "; ".join(parts))
    target = Size(1_000_000, 10_000)
    if target in sizes:
        lines.append("Ratios of wall time at 1M:10k, better approach / ...:")
    else:
        target = max(sizes, key=lambda size: (size.servers, size.locations))
        lines.append(
            f"Ratios of wall time at {target.label} (1M:10k was not run), better approach / ...:"
        )
    for vendor in vendors:
        parts = [f"remodel {name} {ratio(vendor, target, 'better', key)}" for key, name in batched]
        parts.append(f"SQL {ratio(vendor, target, 'better', 'sql')}")
        lines.append(f"  {vendor:<10}  " + "; ".join(parts))
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
        help=f"comma-separated SERVERS:LOCATIONS (default: {DEFAULT_SIZES})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=(
            f"a smoke run of seconds: sizes {QUICK_SIZES}, batch size 2,500, "
            "no traced run of the naive loop"
        ),
    )
    parser.add_argument(
        "--batch-size",
        type=parse_counts,
        default=None,
        help=(
            "comma-separated batch_size of the batched remodel rows, one row each "
            "(default 50k; 2,500 with --quick)"
        ),
    )
    parser.add_argument(
        "--batch-seconds",
        type=parse_seconds,
        default=None,
        help=(
            "comma-separated batch_seconds of the batched remodel rows, one row for each "
            "batch size and each of these; 0: ranges of batch_size rows each (default: "
            "remodel normalize's, DEFAULT_BATCH_SECONDS)"
        ),
    )
    parser.add_argument(
        "--indexed",
        action="store_true",
        help="index Server.location_name (the story's model has no index; the example has one)",
    )
    parser.add_argument(
        "--approaches",
        type=parse_approaches,
        default=list(APPROACH_KEYS),
        help=f"comma-separated rows to run (default: {','.join(APPROACH_KEYS)})",
    )
    parser.add_argument(
        "--naive-max",
        type=parse_count,
        default=100_000,
        help="largest server count the naive loop is run at (default 100k)",
    )
    parser.add_argument(
        "--budget",
        "--naive-budget",
        type=float,
        default=300.0,
        help=(
            "seconds after which the naive loop or the better approach is stopped and "
            "extrapolated (default 300)"
        ),
    )
    args = parser.parse_args(argv)
    if args.db is None:
        args.db = ["postgresql", "sqlite"]
    if args.sizes is None:
        args.sizes = parse_sizes(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    if args.batch_size is None:
        args.batch_size = [2_500 if args.quick else 50_000]
    if args.batch_seconds is None:
        args.batch_seconds = [default_batch_seconds()]
    return args


def parse_seconds(text: str) -> list[float]:
    try:
        found = [float(item) for item in text.split(",") if item.strip()]
    except ValueError:
        found = []
    if not found or any(not 0 <= seconds < math.inf for seconds in found):
        raise argparse.ArgumentTypeError(
            f"{text!r}: give comma-separated seconds, 0 or more (0: fixed ranges)"
        )
    return found


def default_batch_seconds() -> float:
    """``remodel normalize``'s default, or 0 (fixed ranges) where the package has none."""
    try:
        from django_remodel.operations.batching import (  # type: ignore[attr-defined,unused-ignore]
            DEFAULT_BATCH_SECONDS,
        )
    except ImportError:
        return 0.0
    return float(DEFAULT_BATCH_SECONDS)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sqlite_dir = Path(tempfile.mkdtemp(prefix="remodel-bench-"))
    try:
        return run(args, sqlite_dir)
    finally:
        shutil.rmtree(sqlite_dir, ignore_errors=True)


def run(args: argparse.Namespace, sqlite_dir: Path) -> int:
    configure_django(args.db, sqlite_dir, DATABASE_NAME)
    import django
    from django.db import connections

    state = project_state(indexed=args.indexed)
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
                for approach in approaches(args.batch_size, args.approaches, args.batch_seconds):
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
                for approach in approaches(args.batch_size, args.approaches, args.batch_seconds):
                    row = measure(connection, state, size, approach, args, log)
                    failed = failed or (row.status or "").startswith("failed")
                    rows.append(row)
        finally:
            connection.close()
            try:
                drop_database(vendor, params)
            except Exception as exc:
                notes.append(f"{vendor}: could not drop {DATABASE_NAME!r} ({exc})")

    print(
        f"Normalizing Server.location_name"
        f"{' (indexed)' if args.indexed else ''} into Location + Server.location: "
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
            if row.status == "not available":
                footnotes[f"remodel rows not available: {note}"] = None
            elif note == QUICK_NOTE:
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
        "during the timed run; statements are counted by an execute_wrapper."
    )
    print()
    for line in ratio_lines(rows):
        print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
