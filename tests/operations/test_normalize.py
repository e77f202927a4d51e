"""NormalizeColumn and RestoreColumnFromForeignKey on the database REMODEL_DB selects.

Rows are made with the ORM; the operations run through a schema editor on a
ProjectState of ``tests.normalizeapp`` (half-way through a normalization:
old column and new foreign key side by side), or through ``migrate``.
Values are compared in Python, byte for byte.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Sequence
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, models, transaction
from django.db.migrations import Migration
from django.db.migrations.operations import RemoveField
from django.db.migrations.state import ModelState, ProjectState
from django.db.migrations.writer import MigrationWriter
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

import django_remodel.operations
from django_remodel.errors import (
    BackfillVerificationError,
    OperationSetupError,
    RemodelError,
    UnknownFieldError,
    UnknownModelError,
    ValueClashError,
)
from django_remodel.operations import NormalizeColumn, RestoreColumnFromForeignKey
from tests.normalizeapp.models import Device, Location, Server, Site
from tests.operations.worker import APP, operation_for, project_state, run

VENDOR = connection.vendor
ROOT = Path(__file__).resolve().parents[2]

# Values that need care: quotes, backslashes, percent signs, SQL, non-ASCII,
# a four-byte character, trailing spaces. No two are equal under any collation.
AWKWARD = [
    "FLOOR-3",
    'O\'Brien "Annex"',
    "back\\slash",
    "100% rack",
    '\'; DROP TABLE "order"; --',
    "Zürich \u2013 Süd",
    "東京 3F",
    "\U0001f3e5 ward",
    "FLOOR-1  ",
]
# Values a case-insensitive, trailing-space-ignoring collation calls equal.
VARIANTS = ["Floor-3", "FLOOR-3", "floor-3", "FLOOR-3 "]


def servers(values: Sequence[str | None]) -> list[Server]:
    return Server.objects.bulk_create(Server(location_name=value) for value in values)


def devices(values: Sequence[str]) -> list[Device]:
    return Device.objects.bulk_create(Device(site_name=value) for value in values)


def server_pairs() -> list[tuple[str | None, str | None]]:
    return list(Server.objects.order_by("pk").values_list("location_name", "location__name"))


def device_pairs() -> list[tuple[str, str | None]]:
    return list(Device.objects.order_by("pk").values_list("site_name", "site__name"))


def normalize_servers(**options: Any) -> NormalizeColumn:
    operation = operation_for("Server", **options)
    assert isinstance(operation, NormalizeColumn)
    return operation


def normalize_devices(**options: Any) -> NormalizeColumn:
    operation = operation_for("Device", **options)
    assert isinstance(operation, NormalizeColumn)
    return operation


def forwards(operation: NormalizeColumn, **kwargs: Any) -> list[str]:
    batched = operation.batch_size is not None
    return run(operation, atomic=not batched, **kwargs)


def backwards(operation: NormalizeColumn | RestoreColumnFromForeignKey, **kwargs: Any) -> None:
    run(operation, backwards=True, atomic=operation.batch_size is None, **kwargs)


def raises(error: type[Exception], text: str) -> Any:
    return pytest.raises(error, match=re.escape(text))


# ---------------------------------------------------------------- the operation itself


def test_deconstruct_is_keyword_only_and_leaves_out_defaults() -> None:
    operation = NormalizeColumn(
        "Server", "location_name", "location", "Location", "name", strip=True, batch_size=500
    )
    name, args, kwargs = operation.deconstruct()
    assert (name, args) == ("NormalizeColumn", [])
    assert kwargs == {
        "model_name": "Server",
        "field_name": "location_name",
        "fk_name": "location",
        "target_model": "Location",
        "target_field": "name",
        "strip": True,
        "batch_size": 500,
    }
    restore = RestoreColumnFromForeignKey("Server", "location_name", "location", "name")
    assert restore.deconstruct() == (
        "RestoreColumnFromForeignKey",
        [],
        {
            "model_name": "Server",
            "field_name": "location_name",
            "fk_name": "location",
            "target_field": "name",
        },
    )


@pytest.mark.parametrize(
    "operation",
    [
        NormalizeColumn(
            "Server",
            "location_name",
            "location",
            "normalizeapp.Location",
            "name",
            strip=True,
            casefold=True,
            empty_as_null=True,
            batch_size=1000,
            lock_timeout_ms=1500,
            pause=0.5,
        ),
        RestoreColumnFromForeignKey("Server", "location_name", "location", "name"),
    ],
    ids=["NormalizeColumn", "RestoreColumnFromForeignKey"],
)
def test_migration_writer_writes_the_public_path(operation: Any) -> None:
    text, imports = MigrationWriter.serialize(operation)
    assert text.startswith(f"django_remodel.operations.{type(operation).__name__}(\n")
    assert imports == {"import django_remodel.operations"}
    rebuilt = eval(text, {"django_remodel": django_remodel})
    assert rebuilt.deconstruct() == operation.deconstruct()


def test_describe_and_migration_name() -> None:
    operation = NormalizeColumn("Server", "location_name", "location", "app.Location", "name")
    assert operation.describe() == (
        "Fill Server.location and app.Location.name from Server.location_name"
    )
    assert operation.migration_name_fragment == "normalize_server_location_name"
    assert operation.reversible
    batched = NormalizeColumn(
        "Server", "location_name", "location", "Location", "name", batch_size=5000
    )
    assert batched.describe().endswith(" (in batches of 5,000 rows, if more)")
    restore = RestoreColumnFromForeignKey("app.Server", "location_name", "location", "name")
    assert "Restore app.Server.location_name" in restore.describe()
    assert restore.migration_name_fragment == "restore_server_location_name"


def test_state_is_left_alone() -> None:
    state = project_state()
    before = state.clone()
    normalize_servers().state_forwards(APP, state)
    RestoreColumnFromForeignKey("Server", "location_name", "location", "name").state_forwards(
        APP, state
    )
    assert state == before


@pytest.mark.parametrize(
    ("options", "text"),
    [
        ({"batch_size": 0}, "batch_size=0"),
        ({"batch_size": True}, "batch_size=True"),
        ({"lock_timeout_ms": -5}, "lock_timeout_ms=-5"),
        ({"pause": -1}, "pause=-1"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], text: str) -> None:
    with raises(OperationSetupError, text):
        normalize_servers(**options)


# ---------------------------------------------------------------- moving values


@pytest.mark.django_db
def test_awkward_values_move_exactly() -> None:
    servers([*AWKWARD, *AWKWARD, None, *reversed(AWKWARD)])
    forwards(normalize_servers())
    assert all(name == looked_up for name, looked_up in server_pairs())
    assert sorted(Location.objects.values_list("name", flat=True)) == sorted(AWKWARD)
    # The set-based insert supplied the NOT NULL column's default.
    assert set(Location.objects.values_list("active", flat=True)) == {True}


@pytest.mark.django_db
def test_nulls_get_no_foreign_key() -> None:
    servers([None, "A", None])
    forwards(normalize_servers())
    assert server_pairs() == [(None, None), ("A", "A"), (None, None)]
    assert Location.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, ["", "", "  ", "A"]),
        ({"empty_as_null": True}, [None, None, "  ", "A"]),
        ({"empty_as_null": True, "strip": True}, [None, None, None, "A"]),
    ],
    ids=["kept", "empty-as-null", "blank-as-null"],
)
def test_empty_strings(options: dict[str, Any], expected: list[str | None]) -> None:
    devices(["", "", "  ", "A"])
    forwards(normalize_devices(**options))
    by_name = dict(device_pairs())
    assert [by_name[name] for name in ["", "", "  ", "A"]] == expected
    assert Site.objects.count() == len({value for value in expected if value is not None})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "values", "expected"),
    [
        ({"strip": True}, [" A", "A ", "A", "  B  "], ["A", "A", "A", "B"]),
        ({"casefold": True}, ["Floor", "FLOOR", "floor"], ["floor", "floor", "floor"]),
        (
            {"strip": True, "casefold": True},
            ["  Floor-3", "floor-3 ", "FLOOR-3", "Floor-2"],
            ["floor-3", "floor-3", "floor-3", "floor-2"],
        ),
    ],
    ids=["strip", "casefold", "both"],
)
def test_cleaning(options: dict[str, Any], values: list[str], expected: list[str]) -> None:
    servers(values)
    forwards(normalize_servers(**options))
    assert server_pairs() == list(zip(values, expected, strict=True))
    assert Location.objects.count() == len(set(expected))


@pytest.mark.django_db
def test_values_differing_in_case_or_trailing_spaces_stay_apart() -> None:
    devices(VARIANTS * 2)
    forwards(normalize_devices(batch_size=3))
    assert all(name == looked_up for name, looked_up in device_pairs())
    assert sorted(Site.objects.values_list("name", flat=True)) == sorted(VARIANTS)


@pytest.mark.django_db
def test_a_unique_lookup_column_takes_every_variant_its_collation_keeps_apart() -> None:
    servers(VARIANTS)
    if VENDOR != "mysql":
        forwards(normalize_servers())
        assert all(name == looked_up for name, looked_up in server_pairs())
        assert Location.objects.count() == len(VARIANTS)
        return
    # MariaDB's utf8mb4_unicode_ci unique index would hold one of them only.
    Location.objects.create(name="Floor-2")
    servers(["FLOOR-2"])
    with raises(ValueClashError, "2 group(s)") as caught, transaction.atomic():
        forwards(normalize_servers())
    message = str(caught.value)
    assert "normalizeapp.Server.location_name" in message
    assert "utf8mb4_unicode_ci" in message
    assert "strip=True, casefold=True" in message
    assert not any(value.strip().lower() in message.lower() for value in VARIANTS)
    assert Location.objects.count() == 1
    Location.objects.all().delete()
    forwards(normalize_servers(casefold=True, strip=True))  # cleaned alike, they are one
    assert sorted(Location.objects.values_list("name", flat=True)) == ["floor-2", "floor-3"]


@pytest.mark.django_db
def test_values_the_target_holds_are_reused() -> None:
    existing = Location.objects.create(name="FLOOR-3", active=False)
    servers(["FLOOR-3", "FLOOR-2", "FLOOR-3"])
    forwards(normalize_servers())
    assert Location.objects.count() == 2
    assert Location.objects.get(name="FLOOR-3") == existing
    assert not Location.objects.get(name="FLOOR-3").active  # untouched
    assert Location.objects.get(name="FLOOR-2").active
    assert list(Server.objects.order_by("pk").values_list("location_id", flat=True))[::2] == [
        existing.pk,
        existing.pk,
    ]


@pytest.mark.django_db
def test_filled_foreign_keys_are_left_alone_and_a_second_run_changes_nothing() -> None:
    servers(["A", "B", "A"])
    forwards(normalize_servers())
    first = server_pairs()
    with CaptureQueriesContext(connection) as queries:
        forwards(normalize_servers())
    assert server_pairs() == first
    assert Location.objects.count() == 2
    assert any("INSERT" in query["sql"] for query in queries.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("batch_size", [None, 7])
@pytest.mark.parametrize("model", ["Server", "Device"])
def test_no_rows(model: str, batch_size: int | None) -> None:
    operation = operation_for(model, batch_size=batch_size)
    assert isinstance(operation, NormalizeColumn)
    forwards(operation)
    backwards(operation)
    assert Location.objects.count() == Site.objects.count() == 0


@pytest.mark.django_db
def test_integer_keys_in_batches_with_gaps() -> None:
    made = servers([f"L{number % 4}" for number in range(30)])
    Server.objects.filter(pk__in=[server.pk for server in made[5:17]]).delete()
    forwards(normalize_servers(batch_size=4))
    assert all(name == looked_up for name, looked_up in server_pairs())
    assert Location.objects.count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize("batch_size", [1, 10, 25, 26, 1000])
def test_uuid_keys_in_batches(batch_size: int) -> None:
    devices([f"site {number % 6}" for number in range(25)])
    forwards(normalize_devices(batch_size=batch_size))
    assert Device.objects.filter(site=None).count() == 0
    assert all(name == looked_up for name, looked_up in device_pairs())
    assert Site.objects.count() == 6


@pytest.mark.django_db
def test_progress_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    devices([f"site {number % 3}" for number in range(25)])
    with caplog.at_level(logging.INFO, logger="django_remodel.progress"):
        forwards(normalize_devices(batch_size=10))
    messages = [record.getMessage() for record in caplog.records]
    batches = [message for message in messages if " batch " in message]
    assert len(batches) == 3
    assert "normalizeapp.Device.site_name -> site: batch 1 of ~3 committed" in batches[0]
    assert "10 of 25 rows (40%)" in batches[0]
    assert "rows/s" in batches[0]
    assert "left" in batches[0]
    assert "25 rows changed in 3 batches" in messages[-1]
    assert all(record.levelno == logging.INFO for record in caplog.records)


# ---------------------------------------------------------------- verification


@pytest.mark.django_db
def test_a_foreign_key_pointing_elsewhere_fails_verification_and_rolls_back() -> None:
    secret = Location.objects.create(name="SECRET-B")
    servers(["SECRET-A", "SECRET-C", "SECRET-A"])
    Server.objects.filter(pk=Server.objects.order_by("pk")[0].pk).update(location=secret)
    with (
        raises(BackfillVerificationError, "1 row(s) have a location_name") as caught,
        transaction.atomic(),
    ):
        forwards(normalize_servers())
    message = str(caught.value)
    assert "normalizeapp.Server.location" in message
    assert "0 row(s) have no location_name" in message
    assert "SECRET" not in message
    assert "rolled back" in message
    # Nothing moved: no new lookup rows, the other rows still unfilled.
    assert list(Location.objects.values_list("name", flat=True)) == ["SECRET-B"]
    assert Server.objects.exclude(location=None).count() == 1


@pytest.mark.django_db
def test_a_foreign_key_without_a_value_fails_verification() -> None:
    stray = Location.objects.create(name="B")
    servers([None, "A"])
    Server.objects.filter(location_name=None).update(location=stray)
    with (
        raises(BackfillVerificationError, "1 row(s) have no location_name but a location"),
        transaction.atomic(),
    ):
        forwards(normalize_servers(batch_size=1))


@pytest.mark.django_db
def test_empty_as_null_treats_a_key_on_an_empty_value_as_stray() -> None:
    site = Site.objects.create(name="")
    devices(["", "A"])
    Device.objects.filter(site_name="").update(site=site)
    with (
        raises(BackfillVerificationError, "1 row(s) have no site_name but a site"),
        transaction.atomic(),
    ):
        forwards(normalize_devices(empty_as_null=True))
    forwards(normalize_devices())  # without the option, '' is a value like another
    assert Site.objects.count() == 2


# ---------------------------------------------------------------- backwards


@pytest.mark.django_db
@pytest.mark.parametrize("batch_size", [None, 3])
def test_backwards_restores_the_column_exactly(batch_size: int | None) -> None:
    servers([*AWKWARD, None, "  Floor-9"])
    operation = normalize_servers(strip=True, batch_size=batch_size)
    forwards(operation)
    before = server_pairs()
    # What new code does between backfill and contract: repoint, stop writing the column.
    moved = Server.objects.filter(location_name="FLOOR-3").get()
    Server.objects.filter(pk=moved.pk).update(
        location=Location.objects.get(name="Zürich \u2013 Süd"), location_name=None
    )
    newcomer = Server.objects.create(location=Location.objects.get(name="東京 3F"))
    backwards(operation)
    restored = dict(Server.objects.values_list("pk", "location_name"))
    assert restored.pop(moved.pk) == "Zürich \u2013 Süd"
    assert restored.pop(newcomer.pk) == "東京 3F"
    # Every other row keeps its own spelling (even "  Floor-9", which strips to "Floor-9").
    expected = [name for name, _ in before if name != "FLOOR-3"]
    assert sorted(restored.values(), key=str) == sorted(expected, key=str)
    assert not Server.objects.exclude(location=None).exists()


@pytest.mark.django_db
def test_restore_column_from_foreign_key() -> None:
    servers(AWKWARD)
    forwards(normalize_servers())
    keys = list(Server.objects.order_by("pk").values_list("location_id", flat=True))
    Server.objects.update(location_name=None)  # the column as RemoveField's reversal re-adds it
    restore = RestoreColumnFromForeignKey("Server", "location_name", "location", "name")
    assert run(restore, collect=True) == []  # forwards does nothing
    backwards(restore)
    assert [name for name, _ in server_pairs()] == AWKWARD
    assert list(Server.objects.order_by("pk").values_list("location_id", flat=True)) == keys


def _contract_state() -> ProjectState:
    """Two models of their own, so that dropping a column changes no table other tests use
    (and leaves the test database's schema as its migrations made it)."""
    state = ProjectState()
    state.add_model(
        ModelState(
            APP,
            "Area",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("name", models.CharField(max_length=40, unique=True)),
            ],
            {"db_table": "remodel contract area"},
        )
    )
    state.add_model(
        ModelState(
            APP,
            "Host",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("area_name", models.CharField(max_length=40, null=True, db_column="AreaName")),
                ("area", models.ForeignKey(f"{APP}.Area", models.SET_NULL, null=True)),
            ],
            {"db_table": "remodel contract host"},
        )
    )
    return state


@pytest.mark.django_db(transaction=True)
def test_contract_migration_reversed_refills_the_column() -> None:
    state = _contract_state()
    area, host = state.apps.get_model(APP, "Area"), state.apps.get_model(APP, "Host")
    with connection.schema_editor() as editor:
        editor.create_model(area)
        editor.create_model(host)
    try:
        host.objects.bulk_create(host(area_name=value) for value in [*AWKWARD, None])
        run(NormalizeColumn("Host", "area_name", "area", "Area", "name"), state=state)

        class Contract(Migration):
            operations = [  # noqa: RUF012 (a migration file's shape)
                RestoreColumnFromForeignKey("Host", "area_name", "area", "name"),
                RemoveField("host", "area_name"),
            ]

        contract = Contract("0099_contract", APP)
        with connection.schema_editor(atomic=contract.atomic) as editor:
            contract.apply(state.clone(), editor)
        with connection.cursor() as cursor:
            columns = connection.introspection.get_table_description(cursor, host._meta.db_table)
        assert "AreaName" not in [column.name for column in columns]

        with connection.schema_editor(atomic=contract.atomic) as editor:
            contract.unapply(state.clone(), editor)
        restored = host.objects.order_by("pk").values_list("area_name", "area__name")
        assert list(restored) == [*((value, value) for value in AWKWARD), (None, None)]
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(host)
            editor.delete_model(area)


# ---------------------------------------------------------------- statement counts


def _statements(operation: NormalizeColumn) -> list[str]:
    Server.objects.update(location=None)
    with CaptureQueriesContext(connection) as queries:
        forwards(operation)
    assert not Server.objects.filter(location=None).exists()
    return [query["sql"] for query in queries.captured_queries]


def _updates(statements: list[str]) -> int:
    return sum(1 for sql in statements if sql.lstrip().upper().startswith("UPDATE"))


@pytest.mark.django_db
def test_statements_do_not_grow_with_rows() -> None:
    servers([f"FLOOR-{number % 7}" for number in range(10)])
    small = _statements(normalize_servers())
    small_batched = _statements(normalize_servers(batch_size=5, lock_timeout_ms=2000))
    servers([f"FLOOR-{number % 50}" for number in range(9_990)])
    big = _statements(normalize_servers())
    big_batched = _statements(normalize_servers(batch_size=1000, lock_timeout_ms=2000))
    fewer_batches = _statements(normalize_servers(batch_size=2500, lock_timeout_ms=2000))

    assert len(big) == len(small)
    assert _updates(big) == _updates(small) == 1
    # Batched: a fixed number of statements, plus the same number per batch.
    assert [_updates(run) for run in (small_batched, big_batched, fewer_batches)] == [2, 10, 4]
    per_batch = (len(big_batched) - len(fewer_batches)) // 6
    assert len(big_batched) - len(fewer_batches) == 6 * per_batch
    assert len(big_batched) - len(small_batched) == 8 * per_batch
    assert per_batch == (2 if VENDOR == "postgresql" else 1)  # + SET LOCAL lock_timeout


@pytest.mark.django_db
def test_uuid_batches_issue_the_same_statements_each() -> None:
    devices([f"site {number % 9}" for number in range(100)])
    counts = []
    for batch_size in (50, 10):
        Device.objects.update(site=None)
        with CaptureQueriesContext(connection) as queries:
            forwards(normalize_devices(batch_size=batch_size))
        counts.append(len(queries.captured_queries))
    # 100 rows: 2 ranges + 1 open-ended last one, or 10 + 1; a key lookup and an UPDATE each.
    assert counts[1] - counts[0] == 2 * (11 - 3)


@pytest.mark.django_db
def test_lock_timeout() -> None:
    servers(["A", "B"] * 5)
    read = "SELECT @@SESSION.innodb_lock_wait_timeout"
    if VENDOR == "mysql":
        with connection.cursor() as cursor:
            cursor.execute(read)
            previous = cursor.fetchone()[0]
    with CaptureQueriesContext(connection) as queries:
        forwards(normalize_servers(batch_size=5, lock_timeout_ms=1500))
    statements = [query["sql"] for query in queries.captured_queries]
    if VENDOR == "postgresql":
        # the insert, two batches, the verification: each in a transaction of its own
        assert sum("set_config('lock_timeout', '1500ms', true)" in sql for sql in statements) == 4
    elif VENDOR == "mysql":
        assert any("innodb_lock_wait_timeout = 2" in sql for sql in statements)
        with connection.cursor() as cursor:
            cursor.execute(read)
            assert cursor.fetchone()[0] == previous
    else:
        assert not any("lock" in sql.lower() for sql in statements)


# ---------------------------------------------------------------- migrations


@pytest.mark.django_db
def test_batches_refuse_an_atomic_migration() -> None:
    if not connection.features.can_rollback_ddl:
        pytest.skip("MySQL runs no migration in one transaction")
    with raises(OperationSetupError, "Set `atomic = False` on the Migration class"):
        run(normalize_servers(batch_size=100), atomic=True)


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor refuses an open transaction
def test_sqlmigrate_shows_the_statements() -> None:
    out = StringIO()
    call_command("sqlmigrate", APP, "0002", stdout=out)
    text = out.getvalue()
    quote = connection.ops.quote_name
    assert f"INSERT INTO {quote('group')}" in text
    assert text.count("UPDATE ") == 1
    assert f"{quote('order')} AS s" in text
    assert f"s.{quote('LocationName')}" in text
    assert "TRIM(" in text
    assert "SELECT COALESCE(SUM(CASE WHEN" in text

    out = StringIO()
    call_command("sqlmigrate", APP, "0003", stdout=out)
    batched = out.getvalue()
    assert "ranges of 500 rows in primary-key order" in batched
    assert "> :after" in batched
    assert "<= :upper" in batched
    assert "LIMIT 1 OFFSET 499" in batched

    out = StringIO()
    call_command("sqlmigrate", APP, "0002", "--backwards", stdout=out)
    reverse = out.getvalue()
    assert f"SET {quote('LocationId')} = NULL" in reverse
    assert reverse.count("UPDATE ") == 2


@pytest.mark.django_db
def test_integer_batches_in_collected_sql() -> None:
    sql = forwards(normalize_servers(batch_size=250), collect=True)
    text = "\n".join(sql)
    assert "for :lo from MIN to MAX in steps of 250 (:hi = :lo + 249)" in text
    assert "BETWEEN :lo AND :hi" in text
    assert "MIN(" in text


@pytest.mark.django_db(transaction=True)
def test_migrate_forwards_backwards_and_a_failed_verification() -> None:
    call_command("migrate", APP, "0001", verbosity=0)
    try:
        servers([*AWKWARD, "  FLOOR-3 "])
        devices(["", *VARIANTS])
        call_command("migrate", APP, verbosity=0)
        assert all(name.strip() == looked_up for name, looked_up in server_pairs() if name)
        assert Location.objects.count() == len(AWKWARD)
        assert sorted(device_pairs(), key=str) == sorted(
            [("", None), *((value, value) for value in VARIANTS)], key=str
        )

        call_command("migrate", APP, "0001", verbosity=0)
        assert not Server.objects.exclude(location=None).exists()
        assert not Device.objects.exclude(site=None).exists()
        restored = [name for name, _ in server_pairs()]
        assert sorted(restored, key=str) == sorted([*AWKWARD, "  FLOOR-3 "])

        # A key that points elsewhere: the whole migration rolls back (on MySQL too).
        wrong = Location.objects.get(name="FLOOR-1")
        Location.objects.exclude(pk=wrong.pk).delete()
        Server.objects.filter(location_name="FLOOR-3").update(location=wrong)
        with raises(BackfillVerificationError, "1 row(s) have a location_name"):
            call_command("migrate", APP, "0002", verbosity=0)
        assert Location.objects.count() == 1
        assert Server.objects.exclude(location=None).count() == 1
    finally:
        Server.objects.update(location=None)
        call_command("migrate", APP, verbosity=0)


# ---------------------------------------------------------------- crash and resume


def foreign_keys_of(model: type[models.Model]) -> list[tuple[str, str, bool]]:
    """PostgreSQL: (name, definition, validated) of each foreign key of ``model``'s table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        return [tuple(row) for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_batches_set_the_constraint_aside_and_validate_it_again() -> None:
    if VENDOR != "postgresql":
        pytest.skip("PostgreSQL adds a foreign key back NOT VALID and validates it")
    servers([f"FLOOR-{number % 4}" for number in range(40)])
    before = foreign_keys_of(Server)
    assert len(before) == 1
    assert before[0][2]
    try:
        with CaptureQueriesContext(connection) as queries:
            run(normalize_servers(batch_size=10, lock_timeout_ms=1000), atomic=False)
        statements = [query["sql"] for query in queries.captured_queries]
        assert foreign_keys_of(Server) == before  # same name, definition, validated
        assert server_pairs() == [(f"FLOOR-{n % 4}", f"FLOOR-{n % 4}") for n in range(40)]
        drop = next(i for i, sql in enumerate(statements) if "DROP CONSTRAINT" in sql)
        add = next(i for i, sql in enumerate(statements) if sql.endswith("NOT VALID"))
        validate = next(i for i, sql in enumerate(statements) if "VALIDATE CONSTRAINT" in sql)
        fills = [i for i, sql in enumerate(statements) if sql.startswith("UPDATE")]
        assert len(fills) == 4
        assert drop < fills[0]
        assert fills[-1] < add < validate
        assert before[0][0] in statements[validate]

        # Fewer rows than a batch: one pass in one transaction, the constraint left alone.
        Server.objects.update(location=None)
        with CaptureQueriesContext(connection) as queries:
            run(normalize_servers(batch_size=40), atomic=False)
        assert not any("CONSTRAINT" in query["sql"] for query in queries.captured_queries)
        assert sum(query["sql"].startswith("UPDATE") for query in queries.captured_queries) == 1
    finally:
        Server.objects.all().delete()
        Location.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_a_killed_batched_backfill_resumes() -> None:
    if VENDOR != "postgresql":
        pytest.skip("the child process reaches the test database on PostgreSQL")
    names = [f"site {number % 37}" for number in range(1_000)]
    devices(names)
    constraint = foreign_keys_of(Device)
    assert len(constraint) == 1
    environment = {
        **os.environ,
        "REMODEL_DB": "postgresql",
        "REMODEL_DB_NAME": connection.settings_dict["NAME"],
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example")]),
    }
    child = subprocess.Popen(
        [
            *(sys.executable, "-u", "-m", "tests.operations.worker", "forwards", "Device"),
            *("--batch-size", "50", "--pause", "0.3"),
        ],
        cwd=ROOT,
        env=environment,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    watchdog = threading.Timer(60, child.kill)
    watchdog.start()
    committed = 0
    seen: list[str] = []
    try:
        assert child.stderr is not None
        for line in child.stderr:
            seen.append(line)
            if " committed, " in line:
                committed += 1
                if committed == 4:
                    child.send_signal(signal.SIGKILL)
                    break
    finally:
        child.wait(timeout=30)
        watchdog.cancel()
    assert committed == 4, "".join(seen)
    assert child.returncode == -signal.SIGKILL
    filled = Device.objects.exclude(site=None).count()
    assert 4 * 50 <= filled < len(names)
    assert foreign_keys_of(Device) == []  # set aside while the batches ran

    forwards(normalize_devices(batch_size=50))  # runs to the end and verifies

    assert foreign_keys_of(Device) == constraint

    assert not Device.objects.filter(site=None).exists()
    assert all(name == looked_up for name, looked_up in device_pairs())
    duplicated = Site.objects.values("name").annotate(rows=Count("id")).filter(rows__gt=1)
    assert not duplicated.exists()
    assert Site.objects.count() == len(set(names))


# ---------------------------------------------------------------- setup errors


def _state_with(*models_: ModelState) -> ProjectState:
    state = project_state()
    for model in models_:
        state.add_model(model)
    return state


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "error", "text"),
    [
        (
            ("Nowhere", "location_name", "location", "Location", "name"),
            UnknownModelError,
            "Nowhere",
        ),
        (
            ("Server", "location_name", "location", "other.Location", "name"),
            UnknownModelError,
            "other",
        ),
        (("Server", "nope", "location", "Location", "name"), UnknownFieldError, "'nope'"),
        (("Server", "location_name", "location", "Location", "nope"), UnknownFieldError, "nope"),
        (("Server", "location_name", "location", "Site", "name"), OperationSetupError, "points at"),
        (
            ("Server", "location_name", "location_name", "Location", "name"),
            OperationSetupError,
            "not a foreign key",
        ),
    ],
)
def test_setup_errors(arguments: tuple[str, ...], error: type[RemodelError], text: str) -> None:
    with raises(error, text):
        run(NormalizeColumn(*arguments))


@pytest.mark.django_db
def test_a_lookup_model_whose_rows_python_must_fill_is_refused() -> None:
    state = _state_with(
        ModelState(
            APP,
            "Badge",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("name", models.CharField(max_length=20)),
                ("token", models.UUIDField(default=uuid.uuid4)),
            ],
        ),
        ModelState(
            APP,
            "Holder",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("badge_name", models.CharField(max_length=20)),
                ("count", models.IntegerField(default=0)),
                ("badge", models.ForeignKey(f"{APP}.Badge", models.CASCADE, null=True)),
                ("must", models.ForeignKey(f"{APP}.Badge", models.CASCADE, related_name="+")),
            ],
        ),
    )
    with raises(OperationSetupError, "normalizeapp.Badge.token gets its default from Python"):
        run(NormalizeColumn("Holder", "badge_name", "badge", "Badge", "name"), state=state)
    with raises(OperationSetupError, "normalizeapp.Holder.must is NOT NULL"):
        run(NormalizeColumn("Holder", "badge_name", "must", "Badge", "name"), state=state)
    with raises(OperationSetupError, "clean text"):
        run(NormalizeColumn("Holder", "count", "badge", "Badge", "name", strip=True), state=state)


# ---------------------------------------------------------------- SQLite before 3.33


@pytest.fixture
def old_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    if VENDOR != "sqlite":
        pytest.skip("SQLite only")
    monkeypatch.setattr("django_remodel.sql.sqlite.UPDATE_FROM_VERSION", (99, 0, 0))


@pytest.mark.django_db
@pytest.mark.usefixtures("old_sqlite")
def test_sqlite_without_update_from() -> None:
    servers([*AWKWARD, None, "  FLOOR-3"])
    sql = "\n".join(forwards(normalize_servers(strip=True), collect=True))
    assert 'UPDATE "order" SET "LocationId" = (SELECT t."id" FROM "group" AS t WHERE' in sql
    forwards(normalize_servers(strip=True, batch_size=4))
    assert all((name or "").strip() == (looked_up or "") for name, looked_up in server_pairs())
    Server.objects.filter(location_name="FLOOR-3").update(location_name=None)
    backwards(normalize_servers(strip=True))
    assert sorted(name for name, _ in server_pairs() if name) == sorted([*AWKWARD, "  FLOOR-3"])
    assert not Server.objects.exclude(location=None).exists()
