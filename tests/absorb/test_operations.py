"""The absorb operations on the database REMODEL_DB selects: ``accounts.Profile``'s values
copied into ``auth.User`` (the test settings keep the stock user), and keys to the profile
moved to its user.

The expand migration's fields are added to ``auth.user`` in the migration state through a
schema editor; a model referring to the profile is created beside it; every test puts the
schema back afterwards.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddField, CreateModel
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState
from django.db.migrations.writer import MigrationWriter
from django.test.utils import CaptureQueriesContext

import django_remodel.operations
from django_remodel.errors import BackfillVerificationError, OperationSetupError
from django_remodel.operations import (
    CopyProfileFields,
    KeepProfileReferences,
    KeepProfileRows,
    RepointProfileReferences,
)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
FIELDS = [
    "phone",
    "date_of_birth",
    "bio",
    "preferred_language",
    "job_title",
    "receives_newsletter",
    "updated_at",
]
Step = tuple[str, Operation]


def run(steps: list[Step], state: ProjectState, *, backwards: bool = False) -> ProjectState:
    if backwards:
        states = []
        for app_label, operation in steps:
            states.append(state)
            state = state.clone()
            operation.state_forwards(app_label, state)
        for (app_label, operation), before in reversed(list(zip(steps, states, strict=True))):
            after = before.clone()
            operation.state_forwards(app_label, after)
            with connection.schema_editor(atomic=False) as editor:
                operation.database_backwards(app_label, editor, after, before)
        return states[0]
    for app_label, operation in steps:
        new = state.clone()
        operation.state_forwards(app_label, new)
        with connection.schema_editor(atomic=False) as editor:
            operation.database_forwards(app_label, editor, state, new)
        state = new
    return state


EXPAND: list[Step] = [
    ("auth", AddField("user", "phone", models.CharField(max_length=20, blank=True))),
    ("auth", AddField("user", "date_of_birth", models.DateField(null=True, blank=True))),
    (
        "auth",
        AddField("user", "preferred_language", models.CharField(max_length=16, default="en-us")),
    ),
    ("auth", AddField("user", "receives_newsletter", models.BooleanField(default=False))),
    ("auth", AddField("user", "bio", models.TextField(blank=True))),
    ("auth", AddField("user", "job_title", models.CharField(max_length=120, blank=True))),
    ("auth", AddField("user", "updated_at", models.DateTimeField(auto_now=True))),
    (
        "accounts",
        CreateModel(
            "Badge",
            [
                ("id", models.AutoField(primary_key=True)),
                ("owner", models.ForeignKey("accounts.profile", models.CASCADE, null=True)),
                (
                    "owner_user",
                    models.ForeignKey("auth.user", models.CASCADE, null=True, related_name="+"),
                ),
            ],
        ),
    ),
]


def fill(users: int, profiles: int, badges: int = 0) -> None:
    """``users`` logins, the first ``profiles`` of them with a profile (ids reversed)."""
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined, phone, preferred_language, "
            "receives_newsletter, bio, job_title, updated_at) VALUES (%s, '', %s, %s, '', '', "
            "'', %s, %s, %s, '', 'en-us', %s, '', '', %s)",
            [(n, False, f"u{n}", False, True, NOW, False, NOW) for n in range(1, users + 1)],
        )
        cursor.executemany(
            "INSERT INTO accounts_profile (id, user_id, phone, date_of_birth, bio, "
            "preferred_language, job_title, receives_newsletter, updated_at) "
            "VALUES (%s, %s, %s, %s, '', %s, 'Nurse', %s, %s)",
            [
                (
                    profiles + 1 - n,
                    n,
                    f"+41 {n} é ",
                    datetime.date(1990, 1, 1 + n % 28),
                    "de-de",
                    True,
                    NOW,
                )
                for n in range(1, profiles + 1)
            ],
        )
        cursor.executemany(
            "INSERT INTO accounts_badge (id, owner_id) VALUES (%s, %s)",
            [(n, (n % profiles) + 1 if n % 4 else None) for n in range(1, badges + 1)],
        )


@pytest.fixture
def expanded() -> Iterator[ProjectState]:
    state = MigrationLoader(connection).project_state()
    after = run(EXPAND, state)
    try:
        yield after
    finally:
        with connection.cursor() as cursor:
            for table in ("accounts_badge", "accounts_profile", "auth_user"):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        run(EXPAND, state, backwards=True)


def _copy(batch_size: int | None = None) -> CopyProfileFields:
    return CopyProfileFields("auth.User", "Profile", "user", FIELDS, batch_size=batch_size)


def _users() -> dict[int, list[Any]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, phone, date_of_birth, preferred_language, receives_newsletter "
            "FROM auth_user ORDER BY id"
        )
        return {row[0]: [row[1], row[2], row[3], bool(row[4])] for row in cursor.fetchall()}


def _statements(steps: list[Step], state: ProjectState) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run(steps, state)
    return [query["sql"] for query in queries.captured_queries]


def _updates(statements: list[str]) -> int:
    return sum(1 for sql in statements if sql.lstrip().upper().startswith("UPDATE"))


def test_copy_gives_each_user_its_profile_and_the_rest_the_defaults(expanded):
    fill(10, 6)
    run([("accounts", _copy())], expanded)
    users = _users()
    for n in range(1, 7):
        assert users[n] == [f"+41 {n} é ", datetime.date(1990, 1, 1 + n % 28), "de-de", True]
    for n in range(7, 11):
        assert users[n] == ["", None, "en-us", False]


def test_statements_do_not_grow_with_rows(expanded):
    fill(10, 5)
    small = _statements([("accounts", _copy())], expanded)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_profile")
        cursor.execute("DELETE FROM auth_user")
    fill(10_000, 6_000)
    big = _statements([("accounts", _copy())], expanded)
    assert len(big) == len(small)
    assert _updates(big) == _updates(small) == 1
    with connection.cursor() as cursor:
        cursor.execute("UPDATE auth_user SET phone = '', receives_newsletter = %s", (False,))
    batched = _statements([("accounts", _copy(batch_size=2_500))], expanded)
    assert _updates(batched) == 4
    users = _users()
    assert users[6_000][0] == "+41 6000 é "
    assert users[6_001] == ["", None, "en-us", False]
    again = _statements([("accounts", _copy(batch_size=2_500))], expanded)
    assert len(again) <= len(batched)


def test_contract_check_rolls_back_a_changed_profile_and_reverse_restores_rows(expanded):
    fill(8, 5)
    run([("accounts", _copy())], expanded)
    keep = KeepProfileRows("auth.User", "Profile", "user", FIELDS)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_profile SET phone = %s WHERE user_id = 2", ("changed",))
    with (
        pytest.raises(BackfillVerificationError) as error,
        connection.schema_editor(atomic=True) as editor,
    ):
        keep.database_forwards("accounts", editor, expanded, expanded)
    assert str(error.value) == (
        "1 auth.User row(s) no longer match their Profile in phone, date_of_birth, bio, "
        "preferred_language, job_title, receives_newsletter, updated_at; deleting Profile "
        "would lose those values, so it was not deleted. Stop the code writing Profile, "
        "migrate back to the backfill and forwards again."
    )
    with connection.cursor() as cursor:
        # As after DeleteModel is reversed: the table is back, empty.
        cursor.execute("DELETE FROM accounts_profile")
        with connection.schema_editor(atomic=False) as editor:
            keep.database_backwards("accounts", editor, expanded, expanded)
        cursor.execute("SELECT COUNT(*) FROM accounts_profile")
        assert cursor.fetchone()[0] == 8
        cursor.execute(
            "SELECT phone, preferred_language FROM accounts_profile WHERE user_id IN (1, 7) "
            "ORDER BY user_id"
        )
        assert [tuple(row) for row in cursor.fetchall()] == [
            ("+41 1 é ", "de-de"),
            ("", "en-us"),
        ]


def test_references_move_to_the_user_and_back(expanded):
    fill(6, 6, badges=12)
    repoint = RepointProfileReferences("Badge", "owner", "owner_user", "Profile", "user")
    run([("accounts", repoint)], expanded)
    check = (
        "SELECT COUNT(*) FROM accounts_badge b LEFT JOIN accounts_profile p ON p.id = b.owner_id "
        "WHERE (b.owner_id IS NULL AND b.owner_user_id IS NOT NULL) OR "
        "(b.owner_id IS NOT NULL AND (b.owner_user_id IS NULL OR b.owner_user_id <> p.user_id))"
    )
    with connection.cursor() as cursor:
        cursor.execute(check)
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT COUNT(*) FROM accounts_badge WHERE owner_user_id IS NOT NULL")
        assert cursor.fetchone()[0] == 9
    keep = KeepProfileReferences("Badge", "owner", "owner_user", "Profile", "user")
    run([("accounts", keep)], expanded)  # checks, changes nothing
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_badge SET owner_id = NULL")
    run([("accounts", keep)], expanded, backwards=True)
    with connection.cursor() as cursor:
        cursor.execute(check)
        assert cursor.fetchone()[0] == 0
        cursor.execute("UPDATE accounts_badge SET owner_user_id = 1 WHERE owner_user_id = 2")
    with pytest.raises(BackfillVerificationError, match="1 Badge row"):
        run([("accounts", keep)], expanded)
    run([("accounts", repoint)], expanded, backwards=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM accounts_badge WHERE owner_user_id IS NOT NULL")
        assert cursor.fetchone()[0] == 0


def test_bad_arguments(expanded):
    with pytest.raises(OperationSetupError, match="fields is empty"):
        CopyProfileFields("auth.User", "Profile", "user", [])
    wrong = CopyProfileFields("auth.User", "Profile", "phone", FIELDS)
    with pytest.raises(OperationSetupError, match=r"is not a one-to-one field to 'auth\.User'"):
        run([("accounts", wrong)], expanded)
    if not connection.features.can_rollback_ddl:
        return  # MySQL runs no migration in one transaction: batches can always commit.
    batched = _copy(batch_size=10)
    with (
        pytest.raises(OperationSetupError, match="atomic = False"),
        connection.schema_editor(atomic=True) as editor,
    ):
        batched.database_forwards("accounts", editor, expanded, expanded)


@pytest.mark.parametrize(
    "operation",
    [
        _copy(batch_size=500),
        RepointProfileReferences("Badge", "owner", "owner_user", "Profile", "user", pause=0.5),
        KeepProfileReferences("Badge", "owner", "owner_user", "Profile", "user"),
        KeepProfileRows("User", "Profile", "user", FIELDS),
    ],
)
def test_operations_survive_the_writer(operation):
    text, imports = MigrationWriter.serialize(operation)
    assert text.startswith(f"django_remodel.operations.{type(operation).__name__}(")
    namespace: dict[str, Any] = {}
    exec("\n".join(sorted(imports)), namespace)
    rebuilt = eval(text, {**namespace, "django_remodel": django_remodel})
    assert rebuilt.deconstruct() == operation.deconstruct()
