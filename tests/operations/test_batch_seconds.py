"""Batches sized by time (``batch_seconds``): ranges grow when batches run fast, shrink
when they run slow, stay within ``BATCH_GROWTH`` of the previous one, and every batch
runs the same statements whatever its width."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.writer import MigrationWriter
from django.test.utils import CaptureQueriesContext

from django_remodel.errors import OperationSetupError
from django_remodel.operations import NormalizeColumn
from django_remodel.operations.batching import (
    BATCH_GROWTH,
    BatchOptions,
    BatchSizer,
    Runner,
    run_batches,
    table_size,
)
from django_remodel.sql import ColumnMove, KeyRange, NormalizeSQL, Statement, normalize_sql
from tests.normalizeapp.models import Device, Location, Server, Site
from tests.operations.worker import operation_for, run

VENDOR = connection.vendor


class FakeClock:
    """Time that passes only when a batch says so: ``seconds_per_key`` for each key."""

    def __init__(self, seconds_per_key: float) -> None:
        self.now = 100.0
        self.seconds_per_key = seconds_per_key

    def __call__(self) -> float:
        return self.now

    def spend(self, keys: int) -> None:
        self.now += keys * self.seconds_per_key


def _move(model: type[Any], value: str, fk: str, target: type[Any]) -> ColumnMove:
    pk = model._meta.pk
    assert pk is not None
    return ColumnMove(
        source_table=model._meta.db_table,
        source_pk=pk.column,
        value_column=model._meta.get_field(value).column,
        fk_column=model._meta.get_field(fk).column,
        target_table=target._meta.db_table,
        target_key="id",
        target_value=target._meta.get_field("name").column,
    )


def _timed_batches(
    sql: NormalizeSQL,
    options: BatchOptions,
    clock: FakeClock,
    *,
    integer_keys: bool,
) -> list[tuple[KeyRange, int]]:
    """Run the fill in batches on the fake clock; each range and the statements it ran."""
    runner = Runner(connection.schema_editor(atomic=False))
    ranges: list[tuple[KeyRange, int]] = []
    with CaptureQueriesContext(connection) as queries:
        size = table_size(runner, sql, integer_keys=integer_keys)
        seen = [len(queries.captured_queries)]

        def batch(keys: KeyRange) -> list[Statement]:
            # What ran since the previous batch's statements: this batch's key lookup
            # (keyset pagination) and the previous batch's fill.
            seen.append(len(queries.captured_queries))
            if integer_keys:
                clock.spend(keys.upper - keys.lower + 1)
            ranges.append((keys, 0))
            return [sql.fill(keys)]

        run_batches(
            runner,
            sql,
            batch,
            options,
            size=size,
            integer_keys=integer_keys,
            label="test",
            clock=clock,
        )
        seen.append(len(queries.captured_queries))
    steps = [later - earlier for earlier, later in itertools.pairwise(seen[1:])]
    return [(keys, steps[number]) for number, (keys, _) in enumerate(ranges)]


# ---------------------------------------------------------------- the sizer alone


def test_fixed_batches_keep_their_size() -> None:
    sizer = BatchSizer(500)
    for elapsed in (0.001, 10.0, 0.0):
        sizer.record(500, elapsed)
        assert sizer.size == 500


def test_a_timed_batch_is_sized_from_the_last_rate_within_the_growth_bound() -> None:
    sizer = BatchSizer(1_000, 1.0)
    sizer.record(1_000, 0.5)  # 2,000 keys/s: 2,000 take a second
    assert sizer.size == 2_000
    sizer.record(2_000, 0.01)  # far faster: at most BATCH_GROWTH times wider
    assert sizer.size == 2_000 * BATCH_GROWTH
    sizer.record(8_000, 0.0)  # too fast to measure: the widest step too
    assert sizer.size == 8_000 * BATCH_GROWTH
    sizer.record(32_000, 4.0)  # 8,000 keys/s
    assert sizer.size == 8_000
    sizer.record(8_000, 3_600.0)  # a lock waited on: at most BATCH_GROWTH times narrower
    assert sizer.size == 8_000 / BATCH_GROWTH
    sizer.record(3, 1_000.0)
    assert sizer.size == 1  # never empty


@pytest.mark.parametrize("seconds", [0, -1.0, True, "1", float("inf"), float("nan")])
def test_batch_seconds_must_be_a_positive_duration(seconds: Any) -> None:
    with pytest.raises(OperationSetupError, match=r"batch_seconds=.* is not a duration"):
        BatchOptions(500, batch_seconds=seconds)


def test_options_keep_their_positional_order_and_name_batch_seconds_only_when_set() -> None:
    options = BatchOptions(500, 2000, 0.5)
    assert (options.batch_size, options.lock_timeout_ms, options.pause) == (500, 2000, 0.5)
    assert options.batch_seconds is None
    assert "batch_seconds" not in options.kwargs()
    assert BatchOptions(500, batch_seconds=0.75).kwargs() == {
        "batch_size": 500,
        "batch_seconds": 0.75,
    }


def test_deconstruct_and_describe() -> None:
    timed = NormalizeColumn(
        "Server", "location_name", "location", "Location", "name", batch_size=500, batch_seconds=2
    )
    _, args, kwargs = timed.deconstruct()
    assert kwargs["batch_seconds"] == 2
    assert kwargs["batch_size"] == 500
    assert NormalizeColumn(*args, **kwargs).batch_seconds == 2
    assert "batch_seconds=2" in MigrationWriter.serialize(timed)[0]
    assert timed.describe().endswith(
        "(in batches of 500 rows at first, then of about 2 s each, if more)"
    )
    fixed = NormalizeColumn("Server", "location_name", "location", "Location", "name")
    assert "batch_seconds" not in fixed.deconstruct()[2]


# ---------------------------------------------------------------- on the database


@pytest.mark.django_db
def test_ranges_grow_while_batches_run_fast_and_each_runs_the_same_statements() -> None:
    created = Server.objects.bulk_create(Server(location_name=f"L{n % 5}") for n in range(1_000))
    Location.objects.bulk_create(Location(name=f"L{n}") for n in range(5))
    sql = normalize_sql(connection, _move(Server, "location_name", "location", Location))
    clock = FakeClock(seconds_per_key=0.001)  # 1,000 keys/s: half a second is 500 keys
    ranges = _timed_batches(sql, BatchOptions(5, batch_seconds=0.5), clock, integer_keys=True)
    widths = [keys.upper - keys.lower + 1 for keys, _ in ranges]
    # x4 at most per batch, then as many as take half a second, and what is left.
    assert widths == [5, 20, 80, 320, 500, 75]
    assert ranges[0][0].lower == min(server.pk for server in created)
    assert ranges[-1][0].upper == max(server.pk for server in created)
    per_batch = {statements for _, statements in ranges[1:]}
    assert len(per_batch) == 1  # the same count whatever the width
    assert not Server.objects.filter(location=None).exists()
    assert all(
        server.location is not None and server.location.name == server.location_name
        for server in Server.objects.select_related("location")
    )


@pytest.mark.django_db
def test_ranges_shrink_while_batches_run_slow() -> None:
    Server.objects.bulk_create(Server(location_name="L") for _ in range(300))
    Location.objects.create(name="L")
    sql = normalize_sql(connection, _move(Server, "location_name", "location", Location))
    clock = FakeClock(seconds_per_key=0.1)  # 10 keys/s: a second is 10 keys
    ranges = _timed_batches(sql, BatchOptions(160, batch_seconds=1.0), clock, integer_keys=True)
    widths = [keys.upper - keys.lower + 1 for keys, _ in ranges]
    assert widths[:3] == [160, 40, 10]
    assert sum(widths) == 300
    assert not Server.objects.filter(location=None).exists()


@pytest.mark.django_db
def test_keyset_ranges_grow_too() -> None:
    Device.objects.bulk_create(Device(site_name=f"site {n % 3}") for n in range(200))
    Site.objects.bulk_create(Site(name=f"site {n}") for n in range(3))
    sql = normalize_sql(connection, _move(Device, "site_name", "site", Site))

    class Instant(FakeClock):
        def __call__(self) -> float:
            self.now += 0.01  # every batch takes 0.01 s, however wide
            return self.now

    ranges = _timed_batches(sql, BatchOptions(4, batch_seconds=1.0), Instant(0), integer_keys=False)
    assert len(ranges) == 4  # 4, 16, 64 rows, then the open-ended rest
    assert ranges[-1][0].upper is None
    assert len({statements for _, statements in ranges[1:-1]}) == 1
    assert not Device.objects.filter(site=None).exists()


@pytest.mark.django_db
def test_a_timed_backfill_through_the_operation() -> None:
    Server.objects.bulk_create(Server(location_name=f"L{n % 9}") for n in range(400))
    with CaptureQueriesContext(connection) as queries:
        run(operation_for("Server", batch_size=10, batch_seconds=30.0), atomic=False)
    fills = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("UPDATE")]
    # Each batch is far faster than 30 s: 10, 40, 160, then the last 190 keys.
    assert len(fills) == 4
    assert not Server.objects.filter(location=None).exists()


@pytest.mark.django_db
def test_sqlmigrate_says_how_timed_ranges_are_sized() -> None:
    sql = "\n".join(
        run(operation_for("Server", batch_size=250, batch_seconds=0.5), atomic=False, collect=True)
    )
    assert "the first 250 keys wide" in sql
    assert "takes 0.5 s with its commit" in sql
    assert f"at most {BATCH_GROWTH:g} times" in sql
