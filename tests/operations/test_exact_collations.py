"""Plain ``=`` where the columns' own collations compare exactly; the byte-exact wrapper
where they do not (SQLite ``COLLATE NOCASE``, a PostgreSQL nondeterministic collation,
MariaDB's usual ones)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, models
from django.db.migrations.state import ModelState, ProjectState
from django.test.utils import CaptureQueriesContext

from django_remodel.operations import NormalizeColumn
from django_remodel.operations.batching import Runner
from django_remodel.sql import ColumnMove, normalize_sql
from tests.normalizeapp.models import Server
from tests.operations.worker import APP, operation_for, project_state, run

VENDOR = connection.vendor
WRAPPER = {"sqlite": "COLLATE BINARY", "postgresql": 'COLLATE "C"', "mysql": "AS BINARY"}[VENDOR]
VARIANTS = ["Floor-3", "FLOOR-3", "floor-3", "FLOOR-2"]


def _data_statements(statements: list[str]) -> list[str]:
    return [
        sql
        for sql in statements
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "SELECT COALESCE"))
    ]


@pytest.mark.django_db
def test_columns_that_compare_exactly_get_a_plain_equals() -> None:
    # Location.name is unique: MariaDB's collation would take one of the variants only.
    values = ["FLOOR-3", "FLOOR-2"] if VENDOR == "mysql" else VARIANTS
    Server.objects.bulk_create(Server(location_name=value) for value in values * 2)
    with CaptureQueriesContext(connection) as queries:
        run(operation_for("Server"))
    moved = _data_statements([query["sql"] for query in queries.captured_queries])
    assert len(moved) == 3  # the insert, the fill, the verification
    if VENDOR == "mysql":  # utf8mb4_unicode_ci calls the variants equal
        assert all(WRAPPER in sql for sql in moved)
    else:
        assert not any(WRAPPER in sql for sql in moved)
    assert all(
        server.location is not None and server.location.name == server.location_name
        for server in Server.objects.select_related("location")
    )


@pytest.mark.django_db
def test_collected_sql_keeps_the_wrapper() -> None:
    # Nothing is read while SQL is only written down, so it stays exact anywhere.
    sql = "\n".join(run(operation_for("Server"), collect=True))
    assert WRAPPER in sql


def _move(source: str, target: str) -> ColumnMove:
    return ColumnMove(
        source_table=source,
        source_pk="id",
        value_column="tag_name",
        fk_column="tag_id",
        target_table=target,
        target_key="id",
        target_value="name",
    )


@pytest.mark.skipif(VENDOR != "sqlite", reason="SQLite's table definitions")
def test_sqlite_reads_collations_from_the_table_definitions() -> None:
    sql = normalize_sql(connection, _move("item", "tag"))
    plain = [
        ("item", 'CREATE TABLE "item" ("id" integer, "tag_name" varchar(20))'),
        ("tag", 'CREATE TABLE "tag" ("id" integer, "name" varchar(20))'),
    ]
    assert sql.exact_collations(plain)
    assert not sql.exact_collations(plain[:1])  # a table not found as named
    nocase = [plain[0], ("tag", 'CREATE TABLE "tag" ("id" integer, "name" text collate nocase)')]
    assert not sql.exact_collations(nocase)


@pytest.mark.skipif(VENDOR != "postgresql", reason="PostgreSQL's catalogs")
def test_postgresql_needs_both_columns_deterministic() -> None:
    sql = normalize_sql(connection, _move("item", "tag"))
    assert sql.exact_collations([("tag_name", True), ("name", True)])
    assert not sql.exact_collations([("tag_name", True), ("name", False)])
    assert not sql.exact_collations([("tag_name", True)])  # a column not found


def _collation() -> str | None:
    """A collation that calls the variants equal, made where needed; None: none can be."""
    if VENDOR == "sqlite":
        return "NOCASE"
    if VENDOR == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM pg_collation WHERE collprovider = 'i'")
            if not cursor.fetchone()[0]:
                return None
            cursor.execute(
                'CREATE COLLATION IF NOT EXISTS "remodel_test_ci" '
                "(provider = icu, locale = 'und-u-ks-level2', deterministic = false)"
            )
        return "remodel_test_ci"
    return "utf8mb4_unicode_ci"


@pytest.fixture
def collated_models() -> Iterator[tuple[ProjectState, type[models.Model], type[models.Model]]]:
    collation = _collation()
    if collation is None:
        pytest.skip("this PostgreSQL has no ICU collations")
    state = project_state()
    state.add_model(
        ModelState(
            APP,
            "Tag",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("name", models.CharField(max_length=20, db_collation=collation)),
            ],
        )
    )
    state.add_model(
        ModelState(
            APP,
            "Item",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("tag_name", models.CharField(max_length=20, db_collation=collation)),
                ("tag", models.ForeignKey(f"{APP}.Tag", models.PROTECT, null=True)),
            ],
        )
    )
    tag, item = state.apps.get_model(APP, "Tag"), state.apps.get_model(APP, "Item")
    with connection.schema_editor() as editor:
        editor.create_model(tag)
        editor.create_model(item)
    try:
        yield state, tag, item
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(item)
            editor.delete_model(tag)


@pytest.mark.django_db(transaction=True)  # the tables are made and dropped
def test_a_collation_that_equates_variants_keeps_the_wrapper(
    collated_models: tuple[ProjectState, type[models.Model], type[models.Model]],
) -> None:
    state, tag, item = collated_models
    item._default_manager.bulk_create(item(tag_name=value) for value in VARIANTS * 2)
    editor = connection.schema_editor(atomic=False)
    sql = normalize_sql(connection, _move(item._meta.db_table, tag._meta.db_table))
    probe = sql.collation_probe()
    if probe is not None:
        assert not sql.exact_collations(Runner(editor).fetch(probe))
    with CaptureQueriesContext(connection) as queries:
        run(NormalizeColumn("Item", "tag_name", "tag", "Tag", "name"), state=state, atomic=False)
    moved = _data_statements([query["sql"] for query in queries.captured_queries])
    assert moved
    assert all(WRAPPER in statement for statement in moved)
    assert sorted(tag._default_manager.values_list("name", flat=True)) == sorted(VARIANTS)
    pairs = list(item._default_manager.values_list("tag_name", "tag__name"))
    assert len(pairs) == 2 * len(VARIANTS)
    assert all(name == looked_up for name, looked_up in pairs)
