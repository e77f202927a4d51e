"""Statistics read from the database REMODEL_DB selects: counts, sizes, key overlap.

Every test makes its own rows, so every count is exact and the same on all
backends: text is compared byte for byte, so values differing only by case,
accents or trailing spaces are distinct even on MariaDB, whose collations
would call them equal.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_remodel.errors import (
    DatabaseUnreachableError,
    RemodelError,
    UnknownDatabaseError,
    UnknownFieldError,
    UnknownModelError,
)
from django_remodel.graph import FieldNode, ModelGraph, ModelKind, ModelNode
from django_remodel.stats import ColumnStats, GraphStats, TableStats, collect_stats, key_overlap
from legacy.models import AppUser, CustomerUser
from server.models import Server
from tests.testapp.models import Employee, Person

VENDOR = connection.vendor
SERVER_COLUMNS = [
    ("server.Server", "location_name"),
    ("server.Server", "rack"),
    ("server.Server", "ip_address"),
    ("server.Server", "commissioned_on"),
    ("server.Server", "notes"),
]


def raises(
    error: type[Exception], text: str
) -> AbstractContextManager[pytest.ExceptionInfo[Exception]]:
    """``pytest.raises`` whose message contains ``text``."""
    return pytest.raises(error, match=re.escape(text))


def table_of(stats: GraphStats, label: str) -> TableStats:
    found = stats.table(label)
    assert found is not None, f"no statistics for {label}"
    return found


def column_of(stats: GraphStats, label: str, field_name: str) -> ColumnStats:
    found = stats.column(label, field_name)
    assert found is not None, f"no statistics for {label}.{field_name}"
    return found


@pytest.fixture(scope="module")
def graph() -> ModelGraph:
    return ModelGraph.build()


def make_servers(locations: list[str], start: int = 0, **values: object) -> None:
    Server.objects.bulk_create(
        Server(hostname=f"host-{start + number}", location_name=location, **values)
        for number, location in enumerate(locations)
    )


def text_field(name: str) -> FieldNode:
    return FieldNode(
        name=name,
        attname=name,
        column=name,
        internal_type="CharField",
        null=True,
        blank=True,
        unique=False,
        db_index=False,
        primary_key=False,
        max_length=100,
        default=None,
        related_model=None,
    )


def hand_built_model(label: str, table: str, kind: ModelKind = ModelKind.CONCRETE) -> ModelNode:
    app_label, object_name = label.split(".")
    return ModelNode(
        label=label,
        app_label=app_label,
        object_name=object_name,
        kind=kind,
        db_table=table,
        fields=(text_field("location_name"),),
    )


# -- collect_stats ----------------------------------------------------------------


@pytest.mark.django_db
def test_column_values_are_counted_exactly(graph):
    racked = {"rack": "R1", "ip_address": "10.0.0.1", "notes": "racked"}
    rows = [
        ("FLOOR-3", racked),
        ("FLOOR-3", racked),
        ("FLOOR-3", racked),
        ("floor-3", {"rack": "r1", "ip_address": "10.0.0.2"}),  # case
        ("FLOOR-3 ", racked),  # a trailing space
        ("Café", {}),
        ("Cafe", {}),  # an accent
        (" ", {}),  # a space is not empty
        ("", {}),
        ("", {}),
    ]
    Server.objects.bulk_create(
        Server(hostname=f"host-{number}", location_name=location, **values)
        for number, (location, values) in enumerate(rows)
    )

    stats = collect_stats(graph, columns=SERVER_COLUMNS)

    assert stats.vendor == VENDOR
    assert stats.database == "default"
    assert list(stats.columns) == SERVER_COLUMNS
    assert column_of(stats, "server.Server", "location_name") == ColumnStats(
        label="server.Server",
        field="location_name",
        rows=10,
        nulls=0,
        empty=2,
        distinct=7,
    )
    rack = column_of(stats, "server.Server", "rack")
    assert (rack.rows, rack.nulls, rack.empty, rack.distinct) == (10, 0, 5, 3)
    ip_address = column_of(stats, "server.Server", "ip_address")
    assert (ip_address.nulls, ip_address.empty, ip_address.distinct) == (5, 0, 2)
    commissioned_on = column_of(stats, "server.Server", "commissioned_on")
    assert (commissioned_on.nulls, commissioned_on.distinct) == (10, 0)
    assert commissioned_on.distinct_ratio == 0.0
    notes = column_of(stats, "server.Server", "notes")
    assert (notes.empty, notes.distinct) == (6, 2)
    assert column_of(stats, "server.Server", "location_name").distinct_ratio == pytest.approx(0.7)


@pytest.mark.django_db
def test_table_rows_and_sizes(graph):
    make_servers(["A"] * 25)
    AppUser.objects.bulk_create(AppUser(username=f"user{n}") for n in range(3))

    stats = collect_stats(graph)

    server = table_of(stats, "server.Server")
    assert (server.label, server.table, server.rows, server.rows_exact) == (
        "server.Server",
        "server_server",
        25,
        True,
    )
    assert table_of(stats, "legacy.AppUser").rows == 3
    assert table_of(stats, "legacy.CustomerUser").rows == 0
    assert stats.columns == {}
    if VENDOR == "sqlite" and server.table_bytes is None:
        # This SQLite build has no dbstat table: no sizes at all.
        assert server.index_bytes is None
    else:
        assert server.table_bytes is not None
        assert server.table_bytes > 0
        assert server.index_bytes is not None
        assert server.index_bytes > 0  # the hostname and location indexes
        assert isinstance(table_of(stats, "legacy.CustomerUser").table_bytes, int)  # 0 if empty


@pytest.mark.django_db
def test_every_model_with_a_table_in_the_database(graph):
    stats = collect_stats(graph)

    assert table_of(stats, "testapp.Person").rows == 0
    assert table_of(stats, "testapp.Employee").table == "testapp_employee"
    assert table_of(stats, "testapp.Team_members").rows == 0  # the auto-created through table
    assert stats.table("auth.User") is not None
    assert stats.table("testapp.Timestamped") is None  # abstract
    assert stats.table("testapp.PersonProxy") is None  # the proxied model's table is Person's
    assert stats.table("testapp.ReportingView") is None  # unmanaged, its table was never made
    expected = {
        node.label for node in graph if node.has_table and node.label != "testapp.ReportingView"
    }
    assert set(stats.tables) == expected


@pytest.mark.django_db
def test_zero_rows(graph):
    stats = collect_stats(graph, columns=[("server.Server", "location_name")])

    assert table_of(stats, "server.Server").rows == 0
    assert column_of(stats, "server.Server", "location_name") == ColumnStats(
        label="server.Server", field="location_name", rows=0, nulls=0, empty=0, distinct=0
    )
    assert column_of(stats, "server.Server", "location_name").distinct_ratio == 0.0


@pytest.mark.django_db
def test_missing_tables_are_left_out():
    make_servers(["A", "B", "B"])
    graph = ModelGraph(
        models=(
            hand_built_model("inventory.Server", "server_server"),
            hand_built_model("inventory.Missing", "remodel_no_such_table"),
            hand_built_model("inventory.Gone", "remodel_gone", ModelKind.UNMANAGED),
        ),
        relations=(),
    )

    stats = collect_stats(
        graph,
        columns=[
            ("inventory.Missing", "location_name"),
            ("inventory.Server", "location_name"),
            ("inventory.Gone", "location_name"),
        ],
    )

    assert list(stats.tables) == ["inventory.Server"]
    assert table_of(stats, "inventory.Server").rows == 3
    assert list(stats.columns) == [("inventory.Server", "location_name")]
    assert column_of(stats, "inventory.Server", "location_name").distinct == 2


@pytest.mark.django_db
def test_statements_do_not_grow_with_the_rows(graph):
    columns = [*SERVER_COLUMNS, ("legacy.AppUser", "email"), ("legacy.AppUser", "phone")]
    collect_stats(graph, columns=columns)  # the backend may ask the server's version once

    make_servers([f"L{n % 7}" for n in range(10)])
    with CaptureQueriesContext(connection) as few:
        small = collect_stats(graph, columns=columns)
    make_servers([f"L{n % 7}" for n in range(990)], start=10)
    AppUser.objects.bulk_create(
        AppUser(username="u", email=f"u{n}@x.org", phone=str(n % 3)) for n in range(1000)
    )
    with CaptureQueriesContext(connection) as many:
        large = collect_stats(graph, columns=columns)

    assert (table_of(small, "server.Server").rows, table_of(large, "server.Server").rows) == (
        10,
        1000,
    )
    assert column_of(large, "server.Server", "location_name").distinct == 7
    assert column_of(large, "legacy.AppUser", "phone").distinct == 3
    assert len(many.captured_queries) == len(few.captured_queries)
    # The catalog, one COUNT(*) batch, and one statement per table asked about
    # (MySQL 8 also turns its statistics cache off and on around the catalog).
    mysql_8 = VENDOR == "mysql" and not getattr(connection, "mysql_is_mariadb", True)
    assert len(many.captured_queries) == 4 + (2 if mysql_8 else 0)
    per_table = [
        query["sql"] for query in many.captured_queries if "COUNT(DISTINCT" in query["sql"]
    ]
    assert len(per_table) == 2


@pytest.mark.django_db
def test_big_tables_get_the_planners_estimate(graph):
    make_servers([f"L{n}" for n in range(50)])
    AppUser.objects.bulk_create(AppUser(username=f"user{n}") for n in range(4))
    if VENDOR == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE server_server")

    stats = collect_stats(graph, columns=[("legacy.AppUser", "username")], exact_limit=-1)

    server = table_of(stats, "server.Server")
    # A table whose columns are counted anyway gets its exact count.
    assert (
        table_of(stats, "legacy.AppUser").rows,
        table_of(stats, "legacy.AppUser").rows_exact,
    ) == (
        4,
        True,
    )
    if VENDOR == "sqlite":  # SQLite keeps no estimate
        assert (server.rows, server.rows_exact) == (50, True)
    else:
        assert server.rows_exact is False
        assert server.rows >= 0
    if VENDOR == "postgresql":
        assert server.rows == 50  # ANALYZE read the whole (small) table
    assert table_of(collect_stats(graph), "server.Server").rows_exact is True


@pytest.mark.django_db
def test_columns_of_proxies_and_inherited_fields(graph):
    Person.objects.create(email="a@x.org", name="Ann")
    Employee.objects.create(email="b@x.org", name="Bob", salary=None)

    stats = collect_stats(
        graph,
        columns=[
            ("testapp.personproxy", "email"),
            ("testapp.Employee", "salary"),
            ("testapp.PersonProxy", "email"),  # asked twice, counted once
        ],
    )

    assert list(stats.columns) == [("testapp.PersonProxy", "email"), ("testapp.Employee", "salary")]
    assert column_of(stats, "testapp.PersonProxy", "email").distinct == 2
    salary = column_of(stats, "testapp.Employee", "salary")
    assert (salary.rows, salary.nulls, salary.distinct) == (1, 1, 0)

    with pytest.raises(RemodelError) as raised:
        collect_stats(graph, columns=[("testapp.Employee", "email")])
    assert str(raised.value) == (
        "Field 'testapp.Employee.email' is stored in the table of 'testapp.Person', which also "
        "holds rows that are not 'testapp.Employee' rows; ask about 'testapp.Person.email' "
        "instead."
    )
    with raises(RemodelError, "'testapp.Team.members' has no column of its own"):
        collect_stats(graph, columns=[("testapp.Team", "members")])
    with raises(RemodelError, "Model 'testapp.Timestamped' is abstract"):
        collect_stats(graph, columns=[("testapp.Timestamped", "created_at")])
    with raises(UnknownModelError, "No model 'testapp.Nobody' is installed"):
        collect_stats(graph, columns=[("testapp.Nobody", "email")])
    with raises(UnknownFieldError, "Model 'server.Server' has no field 'floor'"):
        collect_stats(graph, columns=[("server.Server", "floor")])


# -- key_overlap ------------------------------------------------------------------


@pytest.mark.django_db
def test_key_overlap_ignores_case_and_surrounding_spaces(graph):
    AppUser.objects.bulk_create(
        AppUser(username="u", email=email)
        for email in ["Ann@X.org ", "bob@x.org", "CAROL@x.org", "dave@x.org", "  ", None, None]
    )
    CustomerUser.objects.bulk_create(
        CustomerUser(full_name="c", email_address=email)
        for email in ["ann@x.org", " Bob@X.org", "dave@x.org", "erin@x.org", "", None]
    )

    overlap = key_overlap(graph, "legacy.AppUser", "email", "legacy.CustomerUser", "email_address")

    assert (overlap.model, overlap.field, overlap.other_model, overlap.other_field) == (
        "legacy.AppUser",
        "email",
        "legacy.CustomerUser",
        "email_address",
    )
    assert (overlap.distinct, overlap.shared) == (4, 3)  # ann, bob, carol, dave; not carol
    assert overlap.share == pytest.approx(0.75)
    back = key_overlap(graph, "legacy.customeruser", "email_address", "legacy.appuser", "email")
    assert (back.model, back.distinct, back.shared) == ("legacy.CustomerUser", 4, 3)
    exact = key_overlap(
        graph,
        "legacy.AppUser",
        "email",
        "legacy.CustomerUser",
        "email_address",
        normalize="exact",
    )
    assert (exact.distinct, exact.shared) == (5, 1)  # "  " is a value as stored; only dave


@pytest.mark.django_db
def test_key_overlap_counts_each_normalized_value_once(graph):
    AppUser.objects.bulk_create(
        AppUser(username=name)
        for name in ["Ann", "ann", "ANN ", " ann", "Zoë", "zoë", "Zoe", "", "   "]
    )
    CustomerUser.objects.bulk_create(
        CustomerUser(full_name=name) for name in ["ann", "ann", "zoë", "Yan"]
    )

    overlap = key_overlap(graph, "legacy.AppUser", "username", "legacy.CustomerUser", "full_name")
    assert (overlap.distinct, overlap.shared) == (3, 2)  # ann, zoë, zoe
    same = key_overlap(graph, "legacy.AppUser", "username", "legacy.AppUser", "username")
    assert (same.distinct, same.shared) == (3, 3)
    exact = key_overlap(
        graph, "legacy.AppUser", "username", "legacy.CustomerUser", "full_name", normalize="exact"
    )
    assert (exact.distinct, exact.shared) == (8, 2)  # "ann" and "zoë"


@pytest.mark.django_db
def test_key_overlap_of_other_types(graph):
    customers = [CustomerUser.objects.create(full_name=f"c{n}") for n in range(3)]
    AppUser.objects.bulk_create(
        [
            AppUser(username="a", phone=str(customers[0].pk)),
            AppUser(username="b", phone=f" {customers[1].pk} "),
            AppUser(username="c", phone="+1 555"),
        ]
    )

    overlap = key_overlap(graph, "legacy.CustomerUser", "id", "legacy.AppUser", "phone")
    assert (overlap.distinct, overlap.shared) == (3, 2)
    assert key_overlap(graph, "legacy.AppUser", "phone", "legacy.CustomerUser", "id").shared == 2


@pytest.mark.django_db
def test_key_overlap_of_models_without_rows_of_their_own(graph):
    Person.objects.create(email="Ann@x.org", name="Ann")
    Employee.objects.create(email="bob@x.org", name="Bob")

    overlap = key_overlap(graph, "testapp.PersonProxy", "email", "testapp.Person", "email")
    assert (overlap.model, overlap.distinct, overlap.shared) == ("testapp.PersonProxy", 2, 2)
    with raises(RemodelError, "Model 'testapp.Timestamped' is abstract"):
        key_overlap(graph, "testapp.Timestamped", "created_at", "testapp.Person", "email")
    with raises(RemodelError, "is stored in the table of 'testapp.Person'"):
        key_overlap(graph, "testapp.Employee", "email", "testapp.Person", "email")
    with pytest.raises(RemodelError) as raised:
        key_overlap(graph, "testapp.Person", "name", "testapp.ReportingView", "total")
    assert str(raised.value) == (
        "Cannot compare testapp.Person.name with testapp.ReportingView.total: table "
        "'testapp_reporting_view' is not in database 'default'; run migrate (or create the "
        "unmanaged model's table) first."
    )
    with raises(UnknownFieldError, "Model 'legacy.AppUser' has no field 'mail'"):
        key_overlap(graph, "legacy.AppUser", "mail", "legacy.CustomerUser", "email_address")
    with raises(UnknownModelError, "No model 'legacy.Nobody' is installed"):
        key_overlap(graph, "legacy.AppUser", "email", "legacy.Nobody", "email")
    with pytest.raises(RemodelError) as bad_normalization:
        key_overlap(
            graph, "legacy.AppUser", "email", "legacy.AppUser", "email", normalize="casefold"
        )
    assert str(bad_normalization.value) == (
        "Unknown key normalization 'casefold'; use one of 'trim-casefold', 'exact'."
    )
    # The failed checks left the transaction usable.
    assert Person.objects.count() == 2


@pytest.mark.django_db
def test_key_overlap_runs_one_statement_after_the_table_check(graph):
    AppUser.objects.bulk_create(AppUser(username=f"u{n}", email=f"u{n}@x.org") for n in range(50))
    with CaptureQueriesContext(connection) as queries:
        overlap = key_overlap(graph, "legacy.AppUser", "email", "legacy.AppUser", "email")
    assert (overlap.distinct, overlap.shared) == (50, 50)
    counting = [query for query in queries.captured_queries if "DISTINCT" in query["sql"]]
    assert len(counting) == 1
    assert len(queries.captured_queries) == 2


# -- databases ----------------------------------------------------------------------


def test_unknown_database_alias(graph):
    with pytest.raises(UnknownDatabaseError) as raised:
        collect_stats(graph, using="replica")
    # Other test modules may register aliases of their own after 'default'.
    assert str(raised.value).startswith(
        "There is no database 'replica' in settings.DATABASES; "
        "use one of the configured aliases: 'default'"
    )
    with raises(UnknownDatabaseError, "no database 'replica'"):
        key_overlap(graph, "legacy.AppUser", "email", "legacy.AppUser", "email", using="replica")


def test_unreachable_database(graph, unreachable_alias, django_db_blocker):
    # Not in a test case: those refuse aliases registered after they start.
    with django_db_blocker.unblock(), pytest.raises(DatabaseUnreachableError) as raised:
        collect_stats(graph, using=unreachable_alias)
    message = str(raised.value)
    if VENDOR == "sqlite":
        assert message.endswith(
            "which does not exist; check NAME in settings.DATABASES['unreachable'] "
            "or run migrate first."
        )
    else:
        assert message.startswith("Cannot connect to database 'unreachable', the ")
        assert "127.0.0.1:1: " in message  # followed by the driver's own words
    with django_db_blocker.unblock(), pytest.raises(DatabaseUnreachableError):
        key_overlap(
            graph, "legacy.AppUser", "email", "legacy.AppUser", "email", using=unreachable_alias
        )
