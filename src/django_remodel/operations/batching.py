"""Running data-move statements: all at once, or in primary-key batches.

A :class:`Runner` executes statements through a migration's schema editor,
or, under ``sqlmigrate`` (``collect_sql``), only writes them down. Batches
(:func:`run_batches`) walk the source table by primary key: integer keys in
``BETWEEN`` ranges stepping from ``MIN`` to ``MAX``, other keys (UUIDs) by
keyset pagination, each range committed in its own transaction, with an
optional lock timeout and a pause between batches. Progress goes to the
``django_remodel.progress`` logger at INFO; nothing here prints.

Ranges are ``batch_size`` keys (or rows) wide, or, with ``batch_seconds``,
sized by time: the first is ``batch_size`` wide, and each next one is as wide
as the previous one's rate says fits in ``batch_seconds`` (its statements and
its commit), at most :data:`BATCH_GROWTH` times wider or narrower than the
previous one. Where a commit is dear and nobody waits on the locks (SQLite
syncs its journal at each commit and has one writer anyway) the ranges grow
large; where batches slow down (rows locked by others, a busy server) they
shrink, so that each holds its locks briefly. Either way a batch runs the
same statements, only with other bounds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from django_remodel.errors import OperationSetupError
from django_remodel.progress import PROGRESS_LOGGER
from django_remodel.sql.base import ALL_ROWS, KeyRange, NormalizeSQL, Statement

progress_logger = logging.getLogger(PROGRESS_LOGGER)

DEFAULT_BATCH_SIZE = 50_000
"""Rows above which the backfill runs in key ranges, and the rows of each range (of the
first one, with ``batch_seconds``).

Chosen from ``bench/normalize.py`` at 1M rows: on PostgreSQL and SQLite the
whole move takes about as long in ranges of 25k-100k rows as in one pass,
and one range of 50k holds its row locks well under a second."""

DEFAULT_BATCH_SECONDS = 1.0
"""The time a batch is sized to take, batch and commit, where ``remodel`` writes
``batch_seconds`` into a migration (``--batch-seconds``).

From ``bench/normalize.py`` at 1M rows (2 CPUs, shared): on SQLite, where each
commit syncs the journal and journals the foreign key's index pages again,
ranges grown towards a second took 9 commits instead of 20 and 1.11-1.26 times
the hand-written SQL's time, against 1.30 for fixed ranges of 50k; on
PostgreSQL, where the batched move is faster than one pass (the constraint is
validated once instead of checked per row), a range holds its row locks about a
second, twice ``pt-online-schema-change``'s ``--chunk-time`` default, and the
move took 0.55-0.71 times the hand-written SQL's time."""

BATCH_GROWTH = 4.0
"""How much wider (or narrower) a range sized by time can be than the one before it."""


class Placeholder(str):
    """A parameter shown by name in collected SQL (``:lo``), standing for a batch's bound."""

    __slots__ = ()


@dataclass(frozen=True)
class BatchOptions:
    """How a data move is cut up: rows per batch (None: one statement), lock timeout, pause,
    and the seconds a batch is sized to take (None: every batch is ``batch_size`` rows).

    With ``batch_seconds``, ``batch_size`` is still the number of rows above which
    the move is batched and the size of the first batch.
    """

    batch_size: int | None = None
    lock_timeout_ms: int | None = None
    pause: float = 0.0
    batch_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.batch_size is not None and (
            isinstance(self.batch_size, bool)
            or not isinstance(self.batch_size, int)
            or self.batch_size < 1
        ):
            raise OperationSetupError(
                f"batch_size={self.batch_size!r} is not a number of rows; "
                "give a positive integer, or None to move every row in one statement."
            )
        if self.lock_timeout_ms is not None and (
            isinstance(self.lock_timeout_ms, bool)
            or not isinstance(self.lock_timeout_ms, int)
            or self.lock_timeout_ms < 1
        ):
            raise OperationSetupError(
                f"lock_timeout_ms={self.lock_timeout_ms!r} is not a duration; "
                "give a positive number of milliseconds, or None to wait as long as it takes."
            )
        if isinstance(self.pause, bool) or not isinstance(self.pause, int | float):
            raise OperationSetupError(f"pause={self.pause!r} is not a number of seconds.")
        if self.pause < 0:
            raise OperationSetupError(f"pause={self.pause!r} is negative; give 0 or more seconds.")
        if self.batch_seconds is not None and (
            isinstance(self.batch_seconds, bool)
            or not isinstance(self.batch_seconds, int | float)
            or not self.batch_seconds > 0
            or self.batch_seconds == float("inf")
        ):
            raise OperationSetupError(
                f"batch_seconds={self.batch_seconds!r} is not a duration; give a positive "
                "number of seconds for each batch to take, or None for batches of batch_size "
                "rows each."
            )

    def kwargs(self) -> dict[str, Any]:
        """The options that differ from their defaults, for ``deconstruct()``."""
        found: dict[str, Any] = {}
        if self.batch_size is not None:
            found["batch_size"] = self.batch_size
        if self.lock_timeout_ms is not None:
            found["lock_timeout_ms"] = self.lock_timeout_ms
        if self.pause:
            found["pause"] = self.pause
        if self.batch_seconds is not None:
            found["batch_seconds"] = self.batch_seconds
        return found


class Runner:
    """Executes statements on the schema editor's connection, or collects them."""

    def __init__(self, schema_editor: BaseDatabaseSchemaEditor) -> None:
        self.schema_editor = schema_editor
        self.connection = schema_editor.connection
        self.collecting: bool = schema_editor.collect_sql

    def execute(self, statement: Statement) -> int:
        """Run ``statement``; the number of rows it changed (0 when collecting)."""
        if self.collecting:
            self.schema_editor.execute(statement.sql, statement.params)
            return 0
        # Not schema_editor.execute(): on MySQL it refuses to run inside a
        # transaction (it expects DDL), and it does not give the row count.
        with self.connection.cursor() as cursor:
            cursor.execute(statement.sql, statement.params)
            return max(int(cursor.rowcount), 0)

    def execute_all(self, statements: Sequence[Statement]) -> int:
        return sum(self.execute(statement) for statement in statements)

    def fetch(self, statement: Statement) -> list[tuple[Any, ...]]:
        """The rows ``statement`` returns (never called while collecting)."""
        assert not self.collecting, "nothing is read while SQL is only collected"
        with self.connection.cursor() as cursor:
            cursor.execute(statement.sql, statement.params)
            return [tuple(row) for row in cursor.fetchall()]

    def comment(self, text: str) -> None:
        """A ``-- text`` line among the collected statements."""
        if self.collecting:
            self.schema_editor.collected_sql.append(f"-- {text}")

    def show(self, statement: Statement) -> None:
        """Collect ``statement`` with its :class:`Placeholder` parameters written as names."""
        rendered = tuple(
            value if isinstance(value, Placeholder) else self.schema_editor.quote_value(value)
            for value in statement.params
        )
        sql = statement.sql % rendered if rendered else statement.sql
        self.schema_editor.collected_sql.append(sql if sql.rstrip().endswith(";") else f"{sql};")

    def transaction(self) -> Any:
        """A transaction of its own, unless one is open already (the migration's, which an
        error then rolls back) or nothing runs (collecting)."""
        # Not atomic(savepoint=False) inside the open one: an error would mark
        # the connection broken, and SQLite's schema editor, which queries on
        # its way out, would raise that instead of the error itself.
        if self.collecting or self.connection.in_atomic_block:
            return nullcontext()
        return transaction.atomic(using=self.connection.alias)

    @contextmanager
    def session_lock_timeout(self, sql: NormalizeSQL, milliseconds: int | None) -> Iterator[None]:
        """Bound lock waits for the session (MySQL), and put the old bound back afterwards."""
        read = sql.read_session_lock_timeout() if milliseconds is not None else None
        if milliseconds is None or read is None:
            yield
            return
        wanted = sql.set_session_lock_timeout(sql.session_lock_timeout_value(milliseconds))
        assert wanted is not None
        if self.collecting:
            self.execute(wanted)
            yield
            return
        previous = self.fetch(read)[0][0]
        self.execute(wanted)
        try:
            yield
        finally:
            restore = sql.set_session_lock_timeout(previous)
            assert restore is not None
            self.execute(restore)


class Progress:
    """Logs how far a batched move got: rows done, rate, time left."""

    def __init__(self, label: str, total_rows: int, batches: int | None) -> None:
        self.label = label
        self.total_rows = total_rows
        self.batches = batches
        self.started = time.monotonic()

    def batch(self, number: int, rows_done: int, rows_changed: int) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rows_done = min(rows_done, self.total_rows)
        rate = rows_done / elapsed
        left = (self.total_rows - rows_done) / rate if rate else 0.0
        share = 100.0 * rows_done / self.total_rows if self.total_rows else 100.0
        of_batches = f" of ~{self.batches:,}" if self.batches else ""
        progress_logger.info(
            "%s: batch %s%s committed, %s of %s rows (%.0f%%), %s changed so far, "
            "%s rows/s, about %s left",
            self.label,
            f"{number:,}",
            of_batches,
            f"{rows_done:,}",
            f"{self.total_rows:,}",
            share,
            f"{rows_changed:,}",
            f"{rate:,.0f}",
            _duration(left),
        )

    def finished(self, rows_changed: int, batches: int) -> None:
        progress_logger.info(
            "%s: %s rows changed in %s batches, %s",
            self.label,
            f"{rows_changed:,}",
            f"{batches:,}",
            _duration(time.monotonic() - self.started),
        )


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, second = divmod(round(seconds), 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}" if hours else f"{minute}:{second:02d}"


@dataclass(frozen=True)
class TableSize:
    """How many rows a batched move walks, and (integer keys) its smallest and largest key."""

    rows: int
    lowest: Any = None
    highest: Any = None


def table_size(runner: Runner, sql: NormalizeSQL, *, integer_keys: bool) -> TableSize:
    """One statement: the row count, with the key bounds when the keys are integers."""
    row = runner.fetch(sql.key_bounds(with_bounds=integer_keys))[0]
    if not integer_keys or row[1] is None or row[2] is None:
        return TableSize(int(row[0]))
    return TableSize(int(row[0]), int(row[1]), int(row[2]))


class BatchSizer:
    """The width of the next range: ``first`` every time, or (``seconds``) what the last
    range's rate says takes ``seconds``, bounded by :data:`BATCH_GROWTH` either way."""

    def __init__(self, first: int, seconds: float | None = None) -> None:
        self.size = first
        self.seconds = seconds

    def record(self, width: int, elapsed: float) -> None:
        """A range ``width`` keys (or rows) wide took ``elapsed`` seconds."""
        if self.seconds is None or width < 1:
            return
        fastest = width * BATCH_GROWTH
        wanted = width * self.seconds / elapsed if elapsed > 0 else fastest
        self.size = max(1, round(min(max(wanted, width / BATCH_GROWTH), fastest)))


def batches_needed(options: BatchOptions, size: TableSize) -> bool:
    """Whether the rows are more than one batch holds (else one statement does it)."""
    return options.batch_size is not None and size.rows > options.batch_size


def run_batches(
    runner: Runner,
    sql: NormalizeSQL,
    batch: Callable[[KeyRange], list[Statement]],
    options: BatchOptions,
    *,
    size: TableSize,
    integer_keys: bool,
    label: str,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Run ``batch(keys)``'s statements for consecutive primary-key ranges, each range in
    its own transaction; the rows changed. Every batch must be idempotent: after a crash
    the next run starts again from the first range.

    With ``options.batch_seconds`` each range is sized from how long the previous
    one took by ``clock`` (statements and commit, not the pause)."""
    assert options.batch_size is not None
    sizer = BatchSizer(options.batch_size, options.batch_seconds)
    walk = (
        _integer_ranges(size, sizer) if integer_keys else _keyset_ranges(runner, sql, size, sizer)
    )
    progress = Progress(label, size.rows, _batches_left(size, sizer, integer_keys, 0))
    changed = 0
    number = 0
    for keys, width, rows_done, last in walk:
        number += 1
        started = clock()
        with runner.transaction():
            if options.lock_timeout_ms is not None:
                runner.execute_all(sql.transaction_lock_timeout(options.lock_timeout_ms))
            changed += runner.execute_all(batch(keys))
        sizer.record(width, clock() - started)
        if sizer.seconds is not None:
            progress.batches = number + _batches_left(
                size, sizer, integer_keys, rows_done, keys.upper
            )
        progress.batch(number, rows_done, changed)
        if options.pause and not last:
            time.sleep(options.pause)
    progress.finished(changed, number)
    return changed


def _batches_left(
    size: TableSize, sizer: BatchSizer, integer_keys: bool, rows_done: int, upper: Any = None
) -> int:
    """About how many ranges of the sizer's current width are left after ``upper``."""
    if integer_keys:
        if not size.rows or size.lowest is None or size.highest is None:
            return 0
        reached = int(size.lowest - 1 if upper is None else upper)
        return -(-(int(size.highest) - reached) // sizer.size)
    return -(-max(size.rows - rows_done, 0) // sizer.size)


_Walk = Iterator[tuple[KeyRange, int, int, bool]]
"""Each range: its keys, its width (keys or rows), the rows done after it, whether last."""


def _integer_ranges(size: TableSize, sizer: BatchSizer) -> _Walk:
    """``BETWEEN lo AND hi`` ranges of ``sizer.size`` keys (read afresh for each range)
    from the smallest key to the largest."""
    if not size.rows or size.lowest is None or size.highest is None:
        return
    lowest, highest = size.lowest, size.highest
    span = highest - lowest + 1
    start = lowest
    while start <= highest:
        width = sizer.size
        end = min(start + width - 1, highest)
        done = round(size.rows * (end - lowest + 1) / span)
        yield KeyRange(start, end), end - start + 1, done, end == highest
        start = end + 1


def _keyset_ranges(runner: Runner, sql: NormalizeSQL, size: TableSize, sizer: BatchSizer) -> _Walk:
    """Ranges of ``sizer.size`` rows for keys that are not integers: each upper bound is the
    key that many rows past the previous one (``pk > last ORDER BY pk``)."""
    total = size.rows
    if not total:
        return
    after: Any = None
    done = 0
    while True:
        width = sizer.size
        found = runner.fetch(sql.next_upper(after, width))
        upper = found[0][0] if found else None
        done = done + width if upper is not None else total
        yield KeyRange(after, upper, lower_inclusive=False), width, done, upper is None
        if upper is None:
            return
        after = upper


def show_batches(
    runner: Runner,
    sql: NormalizeSQL,
    batch: Callable[[KeyRange], list[Statement]],
    options: BatchOptions,
    *,
    integer_keys: bool,
) -> None:
    """The statements of one batch, for ``sqlmigrate``, with the loop around them in words."""
    size = options.batch_size
    assert size is not None
    runner.show(sql.key_bounds(with_bounds=integer_keys))
    runner.comment(
        f"With {size:,} rows or fewer, the statements below run once, on every row, in one "
        "transaction."
    )
    if integer_keys:
        keys = KeyRange(Placeholder(":lo"), Placeholder(":hi"))
        runner.comment(
            f"With more, for :lo from MIN to MAX in steps of {size:,} (:hi = :lo + {size - 1:,}), "
            "each range in its own transaction:"
            if options.batch_seconds is None
            else f"With more, for ranges :lo to :hi from MIN to MAX, the first {size:,} keys "
            "wide, each in its own transaction:"
        )
    else:
        runner.comment(
            f"With more, for ranges of {size:,} rows in primary-key order, each in its own "
            "transaction (:after is the previous range's :upper; the first range has "
            "no lower bound, the last no upper bound):"
            if options.batch_seconds is None
            else "With more, for ranges of :rows rows in primary-key order, the first "
            f"{size:,}, each in its own transaction (:after is the previous range's :upper; "
            "the first range has no lower bound, the last no upper bound):"
        )
        runner.show(sql.next_upper(Placeholder(":after"), size))
        keys = KeyRange(Placeholder(":after"), Placeholder(":upper"), lower_inclusive=False)
    if options.batch_seconds is not None:
        runner.comment(
            f"Each next range is as wide as the previous one's rate says takes "
            f"{options.batch_seconds:g} s with its commit (at most {BATCH_GROWTH:g} times "
            "wider or narrower)."
        )
    if options.lock_timeout_ms is not None:
        for statement in sql.transaction_lock_timeout(options.lock_timeout_ms):
            runner.show(statement)
    for statement in batch(keys):
        runner.show(statement)
    if options.pause:
        runner.comment(f"(pausing {options.pause:g} s between batches)")


def check_batchable(
    operation: str, label: str, options: BatchOptions, editor: BaseDatabaseSchemaEditor
) -> None:
    """Refuse batches inside a migration that runs in one transaction: they could not commit."""
    if options.batch_size is None:
        return
    if editor.atomic_migration:
        raise OperationSetupError(
            f"{operation} for {label} moves rows in batches of {options.batch_size:,}, each "
            "committed on its own, but its migration runs in one transaction. Set "
            "`atomic = False` on the Migration class (keep the operation alone in that "
            "migration), or drop batch_size to move every row in one statement."
        )


def outcome(runner: Runner, resume: str) -> str:
    """What a failed check leaves behind, for its message: nothing, in one transaction;
    else the committed batches, and ``resume`` says how running migrate again goes on."""
    if runner.connection.in_atomic_block:
        return "The transaction is rolled back: nothing was changed."
    return f"The batches already committed stay; {resume}"


Step = Callable[[], int | None]


def run_data_move(
    runner: Runner,
    sql: NormalizeSQL,
    statements: Callable[[KeyRange], list[Statement]],
    options: BatchOptions,
    *,
    integer_keys: bool,
    label: str,
    before: Step | None = None,
    after: Step | None = None,
    around_batches: Callable[[], Any] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Run ``statements`` over the rows of ``sql``'s table; the rows changed.

    Without ``batch_size``, or with no more rows than one batch holds: once over
    every row, ``before`` and ``after`` (a verification, say) in the same
    transaction, so that a failed check rolls everything back. Above it: in
    key-range batches, each its own transaction, with ``before`` in a
    transaction of its own first, ``after`` in one after the last batch, and
    ``around_batches`` (a context manager factory) around the batches alone.
    Steps return the rows they changed, or None; ``clock`` times the batches
    (``options.batch_seconds``).
    """

    def step(run: Step | None) -> int:
        return (run() or 0) if run is not None else 0

    def bounded() -> None:
        if options.lock_timeout_ms is not None:
            runner.execute_all(sql.transaction_lock_timeout(options.lock_timeout_ms))

    around = around_batches or nullcontext
    with runner.session_lock_timeout(sql, options.lock_timeout_ms):
        if runner.collecting and options.batch_size is not None:
            step(before)
            with around():
                show_batches(runner, sql, statements, options, integer_keys=integer_keys)
            step(after)
            return 0
        size = None
        if options.batch_size is not None:
            size = table_size(runner, sql, integer_keys=integer_keys)
        if size is not None and batches_needed(options, size):
            changed = 0
            if before is not None:
                with runner.transaction():
                    bounded()
                    changed += step(before)
            with around():
                changed += run_batches(
                    runner,
                    sql,
                    statements,
                    options,
                    size=size,
                    integer_keys=integer_keys,
                    label=label,
                    clock=clock,
                )
            if after is not None:
                with runner.transaction():
                    bounded()
                    changed += step(after)
            return changed
        started = time.monotonic()
        with runner.transaction():
            bounded()
            changed = step(before)
            changed += runner.execute_all(statements(ALL_ROWS))
            changed += step(after)
        if not runner.collecting:
            progress_logger.info(
                "%s: %s rows changed at once, %.1f s",
                label,
                f"{changed:,}",
                time.monotonic() - started,
            )
        return changed
