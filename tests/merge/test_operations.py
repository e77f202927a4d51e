"""The merge operations on the database REMODEL_DB selects.

A migration state of an app of its own (``mergetest``) is built with Django's
``CreateModel``: a target ``Person`` and three sources (``Patient`` with a
reference to itself, ``Customer``, ``Member`` with a text primary key), and
models that refer to them (a foreign key, a one-to-one, a many-to-many and a
generic foreign key), each with the new reference beside the old one as the
expand migration leaves them. Rows are written with plain SQL; each test
drops the tables afterwards.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps as global_apps
from django.core.management.color import no_style
from django.db import connection, migrations, models
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ModelState, ProjectState
from django.db.migrations.writer import MigrationWriter
from django.test.utils import CaptureQueriesContext

import django_remodel.operations
from django_remodel.errors import BackfillVerificationError, OperationSetupError
from django_remodel.operations import (
    CreateMergeMap,
    MergeLinks,
    MergeRows,
    RepointGenericReferences,
    RepointReferences,
)
from django_remodel.sql.base import Statement
from django_remodel.sql.merge import DIALECTS, MergeSQL, source_code

pytestmark = pytest.mark.django_db(transaction=True)

APP = "mergetest"
ID_MAP = "mergetest_person_merge_ids"
T1 = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
T2 = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def _id() -> models.AutoField[Any, Any]:
    return models.AutoField(primary_key=True)


SCHEMA: list[Operation] = [
    migrations.CreateModel(
        "Person",
        [
            ("id", _id()),
            ("email", models.CharField(max_length=254, null=True)),
            ("name", models.CharField(max_length=100, default="")),
            ("phone", models.CharField(max_length=32, default="")),
            ("active", models.BooleanField(default=True)),
            ("bio", models.TextField(null=True)),
            ("seen", models.DateTimeField(null=True)),
            ("referred_by", models.ForeignKey("self", models.SET_NULL, null=True)),
        ],
    ),
    migrations.CreateModel(
        "Patient",
        [
            ("id", _id()),
            ("email", models.CharField(max_length=254, null=True)),
            ("name", models.CharField(max_length=100)),
            ("phone", models.CharField(max_length=32, default="")),
            ("seen", models.DateTimeField(null=True)),
            ("referred_by", models.ForeignKey("self", models.SET_NULL, null=True)),
        ],
    ),
    migrations.CreateModel(
        "Customer",
        [
            ("id", _id()),
            ("email_address", models.CharField(max_length=254)),
            ("full_name", models.CharField(max_length=100)),
            ("phone", models.CharField(max_length=32, default="")),
            ("seen", models.DateTimeField(null=True)),
        ],
    ),
    migrations.CreateModel(
        "Member",
        [
            ("code", models.CharField(max_length=20, primary_key=True)),
            ("email", models.CharField(max_length=254)),
            ("bio", models.TextField(default="")),
            ("seen", models.DateTimeField(null=True)),
        ],
    ),
    migrations.CreateModel(
        "Visit",
        [
            ("id", _id()),
            ("patient", models.ForeignKey("mergetest.Patient", models.CASCADE)),
            ("patient_new", models.ForeignKey("mergetest.Person", models.CASCADE, null=True)),
        ],
    ),
    migrations.CreateModel(
        "Card",
        [
            ("id", _id()),
            ("customer", models.OneToOneField("mergetest.Customer", models.CASCADE)),
            ("customer_new", models.ForeignKey("mergetest.Person", models.CASCADE, null=True)),
        ],
    ),
    migrations.CreateModel(
        "Club",
        [
            ("id", _id()),
            ("members", models.ManyToManyField("mergetest.Member")),
            ("members_new", models.ManyToManyField("mergetest.Person", related_name="+")),
        ],
    ),
    migrations.CreateModel(
        "Note",
        [
            ("id", _id()),
            ("content_type", models.ForeignKey("contenttypes.ContentType", models.CASCADE)),
            ("object_id", models.CharField(max_length=40)),
        ],
    ),
]

SOURCES = ["mergetest.Patient", "mergetest.Customer", "mergetest.Member"]


def fields(policy: str = "first", **policies: str) -> list[list[Any]]:
    """The mapping of the three sources onto Person."""
    mapping: list[tuple[str, dict[str, str]]] = [
        (
            "email",
            {
                "mergetest.Patient": "email",
                "mergetest.Customer": "email_address",
                "mergetest.Member": "email",
            },
        ),
        ("name", {"mergetest.Patient": "name", "mergetest.Customer": "full_name"}),
        ("phone", {"mergetest.Patient": "phone", "mergetest.Customer": "phone"}),
        ("bio", {"mergetest.Member": "bio"}),
        (
            "seen",
            {"mergetest.Patient": "seen", "mergetest.Customer": "seen", "mergetest.Member": "seen"},
        ),
        ("referred_by", {"mergetest.Patient": "referred_by"}),
    ]
    return [
        [name, sources, "first" if name == "email" else policies.get(name, policy)]
        for name, sources in mapping
    ]


def merge_rows(**kwargs: Any) -> MergeRows:
    options: dict[str, Any] = {
        "model_name": "Person",
        "sources": SOURCES,
        "key": "email",
        "fields": fields(),
        "id_map": ID_MAP,
        "new_fields": ["bio", "seen", "referred_by"],
        **kwargs,
    }
    return MergeRows(**options)


def references(**batch: Any) -> list[Operation]:
    return [
        RepointReferences(
            "mergetest.Visit", "patient", "patient_new", "mergetest.Patient", id_map=ID_MAP, **batch
        ),
        RepointReferences(
            "mergetest.Card",
            "customer",
            "customer_new",
            "mergetest.Customer",
            id_map=ID_MAP,
            **batch,
        ),
        MergeLinks(
            "mergetest.Club", "members", "members_new", "mergetest.Member", id_map=ID_MAP, **batch
        ),
    ]


def apply(operations: list[Operation], state: ProjectState, *, atomic: bool = True) -> ProjectState:
    for operation in operations:
        new = state.clone()
        operation.state_forwards(APP, new)
        with connection.schema_editor(atomic=atomic) as editor:
            operation.database_forwards(APP, editor, state, new)
        state = new
    return state


def unapply(operations: list[Operation], state: ProjectState) -> None:
    for operation in reversed(operations):
        with connection.schema_editor(atomic=True) as editor:
            operation.database_backwards(APP, editor, state, state)


@pytest.fixture
def state() -> Iterator[ProjectState]:
    base = ProjectState.from_apps(global_apps)
    state = apply([*SCHEMA, CreateMergeMap(ID_MAP)], base)
    try:
        yield state
    finally:
        with connection.schema_editor() as editor:
            CreateMergeMap(ID_MAP).database_backwards(APP, editor, state, state)
        for operation in reversed(SCHEMA):
            assert isinstance(operation, migrations.CreateModel)
            model = state.apps.get_model(APP, operation.name)
            with connection.schema_editor() as editor:
                editor.delete_model(model)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_content_type WHERE app_label = %s", [APP])


def insert(table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = list(rows[0])
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            [[row[c] for c in columns] for row in rows],
        )


def rows(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return [tuple(row) for row in cursor.fetchall()]


def people() -> dict[str, dict[str, Any]]:
    """Person rows by lowercased email (or by name when there is none)."""
    found = {}
    for pk, email, name, phone, active, bio, seen, referred in rows(
        "SELECT id, email, name, phone, active, bio, seen, referred_by_id FROM mergetest_person"
    ):
        found[(email or name).strip().lower()] = {
            "id": pk,
            "email": email,
            "name": name,
            "phone": phone,
            "active": bool(active),
            "bio": bio,
            "seen": seen,
            "referred_by": referred,
        }
    return found


def seed() -> None:
    """A staff person already in the target; people spread over the sources."""
    insert(
        "mergetest_person",
        [{"id": 1, "email": "Staff@Example.com", "name": "Staff", "phone": "1", "active": True}],
    )
    insert(
        "mergetest_patient",
        [
            {"id": 1, "email": "ann@example.com", "name": "Ann P", "phone": "", "seen": T1},
            {"id": 2, "email": " BOB@example.com ", "name": "Bob P", "phone": "22", "seen": T2},
            {"id": 3, "email": None, "name": "No Mail", "phone": "33", "seen": None},
            {"id": 4, "email": "staff@example.com", "name": "Staff P", "phone": "44", "seen": T1},
        ],
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE mergetest_patient SET referred_by_id = 1 WHERE id = 2")
    insert(
        "mergetest_customer",
        [
            {
                "id": 7,
                "email_address": "ANN@example.com",
                "full_name": "Ann C",
                "phone": "77",
                "seen": T2,
            },
            {
                "id": 8,
                "email_address": "cy@example.com",
                "full_name": "Cy C",
                "phone": "88",
                "seen": T1,
            },
        ],
    )
    insert(
        "mergetest_member",
        [
            {"code": "m-ann", "email": "ann@example.com", "bio": "Ann's bio", "seen": T1},
            {"code": "m-dee", "email": "dee@example.com", "bio": "Dee's", "seen": None},
        ],
    )


@pytest.fixture(params=[False, True], ids=["resolved-after", "winners-on-insert"])
def winners(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Either way a one-pass merge can write the values other rows of a group win (each
    database uses one of them): the results are the same."""
    monkeypatch.setattr(DIALECTS[connection.vendor], "winners_on_insert", request.param)
    return bool(request.param)


def test_first_policy_merges_by_normalized_key_and_keeps_the_target_rows(
    state: ProjectState, winners: bool
) -> None:
    seed()
    apply([merge_rows()], state)
    found = people()
    assert sorted(found) == [
        "ann@example.com",
        "bob@example.com",
        "cy@example.com",
        "dee@example.com",
        "no mail",
        "staff@example.com",
    ]
    ann = found["ann@example.com"]
    # Patient comes first: its values win, even the empty phone; bio only Member has.
    assert (ann["email"], ann["name"], ann["phone"], ann["bio"]) == (
        "ann@example.com",
        "Ann P",
        "",
        "Ann's bio",
    )
    # The target's own row keeps its fields; the new ones come from the sources.
    staff = found["staff@example.com"]
    assert (staff["id"], staff["email"], staff["name"], staff["phone"]) == (
        1,
        "Staff@Example.com",
        "Staff",
        "1",
    )
    assert staff["seen"] is not None
    # The reference to another patient is translated to that patient's person.
    assert found["bob@example.com"]["referred_by"] == ann["id"]
    # Defaults fill what no source gives.
    assert found["dee@example.com"]["active"] is True
    assert found["dee@example.com"]["name"] == ""
    assert rows("SELECT COUNT(*) FROM mergetest_person_merge_ids")[0][0] == 9


def test_coalesce_takes_the_first_nonempty_value(state: ProjectState, winners: bool) -> None:
    seed()
    apply([merge_rows(fields=fields("coalesce"))], state)
    ann = people()["ann@example.com"]
    assert (ann["name"], ann["phone"]) == ("Ann P", "77")


def test_newest_takes_the_latest_row(state: ProjectState, winners: bool) -> None:
    seed()
    newest = dict.fromkeys(SOURCES, "seen")
    apply([merge_rows(fields=fields("newest"), newest_by=newest)], state)
    ann = people()["ann@example.com"]
    assert (ann["name"], ann["phone"]) == ("Ann C", "77")
    assert ann["seen"] is not None


def test_error_policy_stops_on_disagreement_and_changes_nothing(state: ProjectState) -> None:
    seed()
    with pytest.raises(BackfillVerificationError, match="different values for 'name'"):
        apply([merge_rows(fields=fields(name="error"))], state)
    assert sorted(people()) == ["staff@example.com"]
    assert rows("SELECT COUNT(*) FROM mergetest_person_merge_ids")[0][0] == 0


_NEW_PK = connection.ops.quote_name("new_pk")


def _broken(monkeypatch: pytest.MonkeyPatch, method: str, wrong: Any) -> None:
    """Make the statements of ``method`` (no dialect overrides it) ``wrong(statement)``."""
    original = getattr(MergeSQL, method)
    assert all(method not in vars(dialect) for dialect in DIALECTS.values())

    def patched(self: MergeSQL, *args: Any, **kwargs: Any) -> Statement:
        return wrong(original(self, *args, **kwargs))  # type: ignore[no-any-return]

    monkeypatch.setattr(MergeSQL, method, patched)


@pytest.mark.parametrize("batched", [False, True], ids=["one-pass", "batched"])
@pytest.mark.parametrize(
    ("method", "wrong", "problem"),
    [
        # Created rows get other keys than the id map gives them.
        (
            "insert_led",
            lambda st: Statement(
                st.sql.replace(f"SELECT m.{_NEW_PK}", f"SELECT m.{_NEW_PK} + 1000", 1), st.params
            ),
            "point at no target row",
        ),
        # The values only a later source gives are never written.
        (
            "resolve",
            lambda st: Statement("SELECT 1"),
            "differ from the mergetest.member row their policy chose in bio",
        ),
        # A value the leading row gave its target row is changed afterwards.
        (
            "resolve",
            lambda st: Statement(
                "UPDATE mergetest_person SET name = %s WHERE name = %s", ("Wrong", "Ann P")
            ),
            r"1 target row\(s\) differ from the mergetest\.patient row their policy chose in "
            "email, name, phone",
        ),
        # A source's rows lose their id map rows.
        (
            "insert_led",
            lambda st: Statement(
                "DELETE FROM mergetest_person_merge_ids WHERE source = %s",
                (source_code("mergetest.member"),),
            ),
            r"mergetest\.member row\(s\) have no id map row",
        ),
        # An id map row of a source row that does not exist.
        (
            "resolve",
            lambda st: Statement(
                "INSERT INTO mergetest_person_merge_ids (id, source, old_pk, new_pk, leads) "
                "SELECT 100000, %s, %s, 1, %s FROM mergetest_person_merge_ids "
                "WHERE id = 1 AND NOT EXISTS "
                "(SELECT 1 FROM mergetest_person_merge_ids WHERE id = 100000)",
                (source_code("mergetest.member"), "m-nobody", False),
            ),
            r"1 mergetest\.member row\(s\) have no id map row, or id map row\(s\) no "
            r"mergetest\.member row",
        ),
    ],
    ids=[
        "rows-misplaced",
        "values-not-resolved",
        "leading-value-changed",
        "rows-unmapped",
        "map-row-astray",
    ],
)
def test_a_merge_that_does_not_verify_rolls_back(
    state: ProjectState,
    monkeypatch: pytest.MonkeyPatch,
    batched: bool,
    method: str,
    wrong: Any,
    problem: str,
) -> None:
    seed()
    _broken(monkeypatch, method, wrong)
    if method == "resolve":
        # In one pass, a value another row of the group wins is written as the row is
        # created; that is left out too.
        _broken(monkeypatch, "won_elsewhere", lambda found: ({}, ("", ())))
    options = {"batch_size": 2} if batched else {}
    with pytest.raises(BackfillVerificationError, match=problem):
        apply([merge_rows(**options)], state, atomic=not batched)
    if not batched:
        # One transaction: nothing of the merge is left.
        assert sorted(people()) == ["staff@example.com"]
        assert rows("SELECT COUNT(*) FROM mergetest_person_merge_ids")[0][0] == 0


@pytest.mark.parametrize("batched", [False, True], ids=["one-pass", "batched"])
@pytest.mark.parametrize(
    ("policy", "problem"),
    [
        # Ann's patient row leads her, with no phone: her customer row's "77" wins it.
        ("coalesce", r"1 target row\(s\) differ from the mergetest\.customer row .* in phone"),
        # Ann's customer row is the newer: it wins her name and phone.
        ("newest", r"1 target row\(s\) differ from the mergetest\.customer row .* in name"),
    ],
)
def test_values_a_later_row_wins_are_checked_under_every_policy(
    state: ProjectState,
    monkeypatch: pytest.MonkeyPatch,
    batched: bool,
    policy: str,
    problem: str,
) -> None:
    """The rows of a group that do not lead it are checked in the same pass over their
    source as the leading ones, with the policy's own test of which row wins."""
    seed()
    _broken(monkeypatch, "resolve", lambda st: Statement("SELECT 1"))
    _broken(monkeypatch, "won_elsewhere", lambda found: ({}, ("", ())))
    options: dict[str, Any] = {"fields": fields(policy)}
    if policy == "newest":
        options["newest_by"] = dict.fromkeys(SOURCES, "seen")
    if batched:
        options["batch_size"] = 2
    with pytest.raises(BackfillVerificationError, match=problem):
        apply([merge_rows(**options)], state, atomic=not batched)


@pytest.mark.parametrize("batched", [False, True], ids=["one-pass", "batched"])
def test_rows_added_meanwhile_take_none_of_the_merge_keys(
    state: ProjectState, monkeypatch: pytest.MonkeyPatch, batched: bool
) -> None:
    """The application adds a person while the merge runs, after the merge gave its rows
    their keys and before it created them: the person is numbered after those keys."""
    if not batched and DIALECTS[connection.vendor].reserving_commits:
        pytest.skip("MySQL's one pass is one transaction, which moving AUTO_INCREMENT commits")
    seed()
    person = state.apps.get_model(APP, "Person")
    with connection.cursor() as cursor:
        # The seed gave its keys itself; the numbering follows them, as in a live table.
        for sql in connection.ops.sequence_reset_sql(no_style(), [person]):
            cursor.execute(sql)
    original = MergeSQL.insert_led
    added: list[int] = []

    def insert_led(self: MergeSQL, *args: Any, **kwargs: Any) -> Statement:
        if not added:
            added.append(
                person.objects.create(email="new@example.com", name="New", phone="", active=True).pk
            )
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MergeSQL, "insert_led", insert_led)
    apply([merge_rows(**({"batch_size": 2} if batched else {}))], state, atomic=not batched)
    allocated = rows(f"SELECT MAX(new_pk) FROM {ID_MAP}")[0][0]
    assert added[0] > allocated
    assert people()["new@example.com"]["id"] == added[0]
    assert people()["new@example.com"]["name"] == "New"


def _indexes(table: str = ID_MAP) -> set[tuple[str, tuple[str, ...], bool]]:
    """``table``'s indexes and unique constraints but its primary key: (name, columns,
    unique)."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {
        (name, tuple(c["columns"]), bool(c["unique"]))
        for name, c in found.items()
        if not c["primary_key"] and (c["unique"] or c["index"])
    }


@pytest.mark.parametrize("batched", [False, True], ids=["one-pass", "batched"])
def test_the_id_map_keeps_its_indexes(state: ProjectState, batched: bool) -> None:
    """One pass takes the id map's indexes off for its insert and builds them again,
    under their names; on SQLite the map has one that holds the target row too."""
    seed()
    before = _indexes()
    shapes = {(columns, unique) for _, columns, unique in before}
    assert (("source", "old_pk"), True) in shapes
    assert (("new_pk",), False) in shapes
    covering = (("source", "old_pk", "new_pk", "leads"), False) in shapes
    assert covering == DIALECTS[connection.vendor].lookup_index
    apply([merge_rows(**({"batch_size": 2} if batched else {}))], state, atomic=not batched)
    assert _indexes() == before
    assert rows(f"SELECT COUNT(*) FROM {ID_MAP}")[0][0] > 0


def _index_definitions(table: str) -> list[tuple[Any, ...]]:
    """The statements of SQLite's indexes of ``table`` (none elsewhere)."""
    if connection.vendor != "sqlite":
        return []
    return rows(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s ORDER BY 1",
        [table],
    )


def _visits() -> None:
    insert("mergetest_visit", [{"id": 1, "patient_id": 1}, {"id": 2, "patient_id": 4}])


def test_a_one_pass_repoint_builds_the_new_key_index_once(state: ProjectState) -> None:
    """Where the dialect lifts them (SQLite), the index on the new key is dropped before
    the update and built after it, in the same transaction; the table keeps its indexes."""
    seed()
    _visits()
    lifts = DIALECTS[connection.vendor].lifts_reference_indexes
    if lifts:
        # An index of the project's own, built again as it was written ("%s" and all).
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE INDEX visit_new_like ON mergetest_visit (patient_new_id) "
                "WHERE CAST(patient_new_id AS TEXT) NOT LIKE '%s%'"
            )
    definitions = _index_definitions("mergetest_visit")
    before = _indexes("mergetest_visit")
    name = next(n for n, columns, _ in before if columns == ("patient_new_id",))
    with CaptureQueriesContext(connection) as queries:
        apply([merge_rows(), references()[0]], state)
    assert _indexes("mergetest_visit") == before
    assert _index_definitions("mergetest_visit") == definitions
    statements = [query["sql"] for query in queries.captured_queries]
    update = f"UPDATE {connection.ops.quote_name('mergetest_visit')}"
    updates = [i for i, sql in enumerate(statements) if sql.startswith(update)]
    dropped = [
        i for i, sql in enumerate(statements) if sql.startswith("DROP INDEX") and name in sql
    ]
    built = [
        i for i, sql in enumerate(statements) if sql.startswith("CREATE INDEX") and name in sql
    ]
    assert len(updates) == 1
    if lifts:
        assert len(dropped) == len(built) == 1
        assert dropped[0] < updates[0] < built[0]
    else:
        assert not dropped
        assert not built
    assert rows("SELECT id, patient_new_id FROM mergetest_visit ORDER BY id") == [
        (1, people()["ann@example.com"]["id"]),
        (2, 1),
    ]


def test_a_repoint_that_does_not_verify_rolls_back_with_its_indexes(
    state: ProjectState, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed()
    _visits()
    before = _indexes("mergetest_visit")
    # Every visit is pointed at the staff person, Ann's too.
    _broken(
        monkeypatch,
        "repoint",
        lambda st: Statement(st.sql.replace(f"m.{_NEW_PK}", "1", 1), st.params),
    )
    with pytest.raises(BackfillVerificationError, match=r"1 row\(s\) do not point at the merged"):
        apply([merge_rows(), references()[0]], state)
    assert _indexes("mergetest_visit") == before
    assert rows("SELECT patient_new_id FROM mergetest_visit") == [(None,), (None,)]


def test_sources_the_id_map_cannot_tell_apart_are_refused() -> None:
    # Two labels the id map's source column gives the same number.
    first, second = "app23.m68020", "app55.m162918"
    assert source_code(first) == source_code(second)
    labelled = ProjectState()
    for label in (first, second, "app23.person"):
        app, name = label.split(".")
        labelled.add_model(
            ModelState(app, name, [("id", _id()), ("email", models.CharField(max_length=50))])
        )
    operation = MergeRows(
        "Person",
        [first, second],
        "email",
        [["email", {first: "email", second: "email"}, "first"]],
        id_map="app23_person_merge_ids",
    )
    with pytest.raises(
        OperationSetupError, match=rf"{first} and {second} get the same number in the id map"
    ):
        operation.merge(labelled.apps, "app23", connection)
    # Any other pair of them is merged.
    operation.sources = [first]
    operation.fields = [("email", {first: "email"}, "first")]
    assert [s.code for s in operation.merge(labelled.apps, "app23", connection).sources] == [
        source_code(first)
    ]


def test_references_follow_their_rows(state: ProjectState) -> None:
    seed()
    insert("mergetest_visit", [{"id": 1, "patient_id": 1}, {"id": 2, "patient_id": 4}])
    insert("mergetest_card", [{"id": 1, "customer_id": 7}])
    insert("mergetest_club", [{"id": 1}])
    insert(
        "mergetest_club_members",
        [{"club_id": 1, "member_id": "m-ann"}, {"club_id": 1, "member_id": "m-dee"}],
    )
    apply([merge_rows(), *references()], state)
    found = people()
    assert rows("SELECT id, patient_new_id FROM mergetest_visit ORDER BY id") == [
        (1, found["ann@example.com"]["id"]),
        (2, 1),
    ]
    assert rows("SELECT customer_new_id FROM mergetest_card") == [(found["ann@example.com"]["id"],)]
    assert sorted(rows("SELECT club_id, person_id FROM mergetest_club_members_new")) == sorted(
        [(1, found["ann@example.com"]["id"]), (1, found["dee@example.com"]["id"])]
    )


def test_one_to_one_collision_is_reported(state: ProjectState) -> None:
    seed()
    insert(
        "mergetest_customer",
        [
            {
                "id": 9,
                "email_address": "ann@EXAMPLE.com ",
                "full_name": "Ann 2",
                "phone": "",
                "seen": None,
            }
        ],
    )
    insert("mergetest_card", [{"id": 1, "customer_id": 7}, {"id": 2, "customer_id": 9}])
    with pytest.raises(BackfillVerificationError, match="one-to-one"):
        apply([merge_rows(), references()[1]], state)


def test_generic_references_move_to_the_target(state: ProjectState) -> None:
    seed()
    insert(
        "django_content_type",
        [{"app_label": APP, "model": "patient"}, {"app_label": APP, "model": "member"}],
    )
    types = dict(rows("SELECT model, id FROM django_content_type WHERE app_label = %s", [APP]))
    insert(
        "mergetest_note",
        [
            {"id": 1, "content_type_id": types["patient"], "object_id": "2"},
            {"id": 2, "content_type_id": types["member"], "object_id": "m-dee"},
        ],
    )
    after = apply([merge_rows()], state)
    apply(
        [
            RepointGenericReferences(
                "Person", SOURCES, [["mergetest.Note", "content_type", "object_id"]], id_map=ID_MAP
            )
        ],
        after,
    )
    person_type = rows(
        "SELECT id FROM django_content_type WHERE app_label = %s AND model = %s", [APP, "person"]
    )[0][0]
    found = people()
    assert rows("SELECT content_type_id, object_id FROM mergetest_note ORDER BY id") == [
        (person_type, str(found["bob@example.com"]["id"])),
        (person_type, str(found["dee@example.com"]["id"])),
    ]
    assert rows(
        "SELECT model FROM django_content_type WHERE app_label = %s ORDER BY model", [APP]
    ) == [("person",)]


def test_one_pass_carries_on_what_a_stopped_batched_run_registered(
    state: ProjectState, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed()

    def stopped(*args: Any, **kwargs: Any) -> Statement:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(MergeSQL, "insert_led", stopped)
        with pytest.raises(KeyboardInterrupt):
            apply([merge_rows(batch_size=2)], state, atomic=False)
    assert rows("SELECT COUNT(*) FROM mergetest_person_merge_ids")[0][0] == 9
    apply([merge_rows()], state)
    found = people()
    assert len(found) == 6
    ann = found["ann@example.com"]
    assert (ann["name"], ann["phone"], ann["bio"]) == ("Ann P", "", "Ann's bio")
    assert found["bob@example.com"]["referred_by"] == ann["id"]
    assert rows("SELECT COUNT(*) FROM mergetest_person_merge_ids")[0][0] == 9


def test_backwards_deletes_the_created_rows(state: ProjectState) -> None:
    seed()
    insert("mergetest_visit", [{"id": 1, "patient_id": 1}])
    operations = [merge_rows(), *references()]
    after = apply(operations, state)
    unapply(operations, after)
    assert sorted(people()) == ["staff@example.com"]
    assert rows("SELECT patient_new_id FROM mergetest_visit") == [(None,)]
    assert rows("SELECT COUNT(*) FROM mergetest_person_merge_ids")[0][0] == 0
    # And it merges again the same way.
    apply(operations, after)
    assert len(people()) == 6


def many(count: int) -> None:
    insert(
        "mergetest_patient",
        [
            {"id": n, "email": f"p{n}@example.com", "name": f"P{n}", "phone": "", "seen": None}
            for n in range(1, count + 1)
        ],
    )
    insert(
        "mergetest_customer",
        [
            {
                "id": n,
                "email_address": f"P{n * 2}@example.com",
                "full_name": f"C{n}",
                "phone": "1",
                "seen": None,
            }
            for n in range(1, count + 1)
        ],
    )
    insert(
        "mergetest_member",
        [
            {"code": f"m{n:06d}", "email": f"p{n * 3}@example.com", "bio": "b", "seen": None}
            for n in range(1, count + 1)
        ],
    )
    insert("mergetest_visit", [{"id": n, "patient_id": n} for n in range(1, count + 1)])


@pytest.mark.parametrize("batched", [False, True])
def test_statements_do_not_grow_with_rows(state: ProjectState, batched: bool) -> None:
    """10 and 1,000 rows per source issue the same statements: in one pass, and in batches
    (two per table at either size, so the batch counts match). A first run at 10 rows
    goes uncounted: a new connection's first migration also runs the backend's one-time
    feature probes (SQLite's JSON check)."""
    counts = []
    for count in (10, 10, 1000):
        many(count)
        batch = {"batch_size": count // 2} if batched else {}
        operations = [merge_rows(**batch), references(**batch)[0]]
        with CaptureQueriesContext(connection) as queries:
            after = apply(operations, state, atomic=not batched)
        counts.append(len(queries))
        emails = {f"p{n * k}@example.com" for n in range(1, count + 1) for k in (1, 2, 3)}
        assert sorted(people()) == sorted(emails)
        unapply(operations, after)
        with connection.cursor() as cursor:
            for table in ("visit", "member", "customer", "patient"):
                cursor.execute(f"DELETE FROM mergetest_{table}")
    assert counts[1] == counts[2]


def test_operations_deconstruct_to_this_package(state: ProjectState) -> None:
    for operation in [merge_rows(batch_size=100), *references(), CreateMergeMap(ID_MAP)]:
        name, args, kwargs = operation.deconstruct()
        assert getattr(django_remodel.operations, name) is type(operation)
        rebuilt = type(operation)(*args, **kwargs)
        assert rebuilt.deconstruct() == (name, args, kwargs)
        text, imports = MigrationWriter.serialize(operation)
        assert "django_remodel.operations" in "".join(imports) or "django_remodel" in text
