"""``MergePermissions`` on the database REMODEL_DB selects.

The merge's test app (``mergetest``, see ``test_operations``) gets content types
and permissions for its sources, as ``migrate`` would have made them, and groups
and users that hold them; each test removes them again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, migrations, models
from django.db.migrations.state import ProjectState
from django.db.migrations.writer import MigrationWriter
from django.test.utils import CaptureQueriesContext, override_settings

import django_remodel.operations
from django_remodel.errors import BackfillVerificationError, OperationSetupError
from django_remodel.operations import MergePermissions, RepointGenericReferences
from django_remodel.operations.merge_permissions import Holders, PermissionMap, PermissionSQL
from django_remodel.sql.base import Statement
from tests.merge import test_operations
from tests.merge.test_operations import APP, ID_MAP, SOURCES, apply, insert, rows

pytestmark = pytest.mark.django_db(transaction=True)

merge_state = test_operations.state
"""The merge's state (``test_operations``'s fixture, under a name of its own here)."""

DEFAULTS = ("add", "change", "delete", "view")


def operation() -> MergePermissions:
    return MergePermissions("Person", SOURCES)


def _clear() -> None:
    """Remove the test app's content types, their permissions and every grant of them."""
    types = "SELECT id FROM django_content_type WHERE app_label = %s"
    permissions = f"SELECT id FROM auth_permission WHERE content_type_id IN ({types})"
    with connection.cursor() as cursor:
        for table in ("auth_group_permissions", "auth_user_user_permissions"):
            cursor.execute(f"DELETE FROM {table} WHERE permission_id IN ({permissions})", [APP])
        cursor.execute(f"DELETE FROM auth_permission WHERE content_type_id IN ({types})", [APP])
        cursor.execute("DELETE FROM django_content_type WHERE app_label = %s", [APP])
        cursor.execute("DELETE FROM auth_user WHERE username LIKE %s", ["merge-%"])
        cursor.execute("DELETE FROM auth_group WHERE name LIKE %s", ["merge-%"])


@pytest.fixture
def state(merge_state: ProjectState) -> Iterator[ProjectState]:
    """The merge's state; what the tests add to the auth tables goes afterwards."""
    try:
        yield merge_state
    finally:
        _clear()


def content_type(model: str) -> int | None:
    found = rows(
        "SELECT id FROM django_content_type WHERE app_label = %s AND model = %s", [APP, model]
    )
    return int(found[0][0]) if found else None


def permissions_of(model: str, *custom: tuple[str, str]) -> dict[str, int]:
    """Create the content type of ``model`` and its default permissions (and ``custom``
    ``(codename, name)`` ones), as ``migrate`` does; their ids by codename."""
    type_id = content_type(model)
    if type_id is None:
        insert("django_content_type", [{"app_label": APP, "model": model}])
        type_id = content_type(model)
    wanted = [(f"{action}_{model}", f"Can {action} {model}") for action in DEFAULTS]
    insert(
        "auth_permission",
        [
            {"name": name, "content_type_id": type_id, "codename": codename}
            for codename, name in [*wanted, *custom]
        ],
    )
    return codenames(model)


def codenames(model: str) -> dict[str, int]:
    """The permissions of ``model``'s content type, by codename."""
    return {
        codename: int(pk)
        for codename, pk in rows(
            "SELECT p.codename, p.id FROM auth_permission p JOIN django_content_type c "
            "ON c.id = p.content_type_id WHERE c.app_label = %s AND c.model = %s",
            [APP, model],
        )
    }


def groups(*names: str) -> list[int]:
    insert("auth_group", [{"name": f"merge-{name}"} for name in names])
    return [
        int(rows("SELECT id FROM auth_group WHERE name = %s", [f"merge-{n}"])[0][0]) for n in names
    ]


def users(*names: str) -> list[int]:
    insert(
        "auth_user",
        [
            {
                "username": f"merge-{name}",
                "password": "!",
                "is_superuser": False,
                "first_name": "",
                "last_name": "",
                "email": "",
                "is_staff": False,
                "is_active": True,
                "date_joined": "2024-01-01 00:00:00",
            }
            for name in names
        ],
    )
    return [
        int(rows("SELECT id FROM auth_user WHERE username = %s", [f"merge-{n}"])[0][0])
        for n in names
    ]


def grant(table: str, holder: str, grants: list[tuple[int, int]]) -> None:
    insert(table, [{holder: who, "permission_id": what} for who, what in grants])


def held(table: str, holder: str, who: int) -> list[tuple[str, str]]:
    """``(model, codename)`` of each permission ``who`` holds, sorted, duplicates kept."""
    return sorted(
        (str(model), str(codename))
        for model, codename in rows(
            f"SELECT c.model, p.codename FROM {table} g "
            "JOIN auth_permission p ON p.id = g.permission_id "
            f"JOIN django_content_type c ON c.id = p.content_type_id WHERE g.{holder} = %s",
            [who],
        )
    )


def group_holds(who: int) -> list[tuple[str, str]]:
    return held("auth_group_permissions", "group_id", who)


def user_holds(who: int) -> list[tuple[str, str]]:
    return held("auth_user_user_permissions", "user_id", who)


def test_default_and_custom_permissions_follow_groups_and_users(state: ProjectState) -> None:
    patient = permissions_of("patient", ("export_patient", "Can export patients"))
    customer = permissions_of("customer")
    (staff,) = groups("staff")
    ann, bob = users("ann", "bob")
    grant(
        "auth_group_permissions",
        "group_id",
        [(staff, patient["change_patient"]), (staff, customer["view_customer"])],
    )
    grant(
        "auth_user_user_permissions",
        "user_id",
        [(ann, patient["add_patient"]), (ann, patient["export_patient"])],
    )
    assert content_type("person") is None

    apply([operation()], state)

    # The target's content type and default permissions exist (post_migrate is not needed),
    # and the custom permission is carried over with its name.
    person = codenames("person")
    assert sorted(person) == [
        "add_person",
        "change_person",
        "delete_person",
        "export_patient",
        "view_person",
    ]
    assert rows("SELECT name FROM auth_permission WHERE id = %s", [person["export_patient"]]) == [
        ("Can export patients",)
    ]
    assert rows("SELECT name FROM auth_permission WHERE id = %s", [person["add_person"]]) == [
        ("Can add person",)
    ]
    assert group_holds(staff) == [
        ("customer", "view_customer"),
        ("patient", "change_patient"),
        ("person", "change_person"),
        ("person", "view_person"),
    ]
    assert user_holds(ann) == [
        ("patient", "add_patient"),
        ("patient", "export_patient"),
        ("person", "add_person"),
        ("person", "export_patient"),
    ]
    assert user_holds(bob) == []


def test_grants_outlive_the_sources_content_types(state: ProjectState) -> None:
    """The contract removes the sources' content types right after: their permissions and
    grants go, the target's stay."""
    patient = permissions_of("patient")
    (staff,) = groups("staff")
    (ann,) = users("ann")
    grant("auth_group_permissions", "group_id", [(staff, patient["change_patient"])])
    grant("auth_user_user_permissions", "user_id", [(ann, patient["view_patient"])])
    apply([operation(), RepointGenericReferences("Person", SOURCES, [], id_map=ID_MAP)], state)
    assert content_type("patient") is None
    assert group_holds(staff) == [("person", "change_person")]
    assert user_holds(ann) == [("person", "view_person")]


def test_grants_already_held_are_not_duplicated(state: ProjectState) -> None:
    patient = permissions_of("patient", ("export_patient", "Can export patients"))
    customer = permissions_of("customer")
    person = permissions_of("person", ("export_patient", "Export people"))
    staff, desk = groups("staff", "desk")
    (ann,) = users("ann")
    grant(
        "auth_group_permissions",
        "group_id",
        [
            # Both sources' change_ map to change_person, which staff holds already.
            (staff, patient["change_patient"]),
            (staff, customer["change_customer"]),
            (staff, person["change_person"]),
            # Two sources' permissions, one target permission: one grant.
            (desk, patient["view_patient"]),
            (desk, customer["view_customer"]),
        ],
    )
    grant(
        "auth_user_user_permissions",
        "user_id",
        [(ann, patient["export_patient"]), (ann, person["export_patient"])],
    )

    apply([operation()], state)

    # The target's own permissions stay as they were: no second export_patient.
    assert codenames("person") == person
    assert group_holds(staff) == [
        ("customer", "change_customer"),
        ("patient", "change_patient"),
        ("person", "change_person"),
    ]
    assert group_holds(desk) == [
        ("customer", "view_customer"),
        ("patient", "view_patient"),
        ("person", "view_person"),
    ]
    assert user_holds(ann) == [("patient", "export_patient"), ("person", "export_patient")]


def test_a_target_without_its_permissions_gets_them(state: ProjectState) -> None:
    """The target's content type exists (another app's data refers to it), its permissions
    not yet: they are created, the missing ones only."""
    patient = permissions_of("patient")
    insert("django_content_type", [{"app_label": APP, "model": "person"}])
    person_type = content_type("person")
    insert(
        "auth_permission",
        [{"name": "Can view person", "content_type_id": person_type, "codename": "view_person"}],
    )
    (staff,) = groups("staff")
    grant("auth_group_permissions", "group_id", [(staff, patient["delete_patient"])])

    apply([operation()], state)

    assert content_type("person") == person_type
    assert sorted(codenames("person")) == [f"{action}_person" for action in DEFAULTS]
    assert ("person", "delete_person") in group_holds(staff)


def test_sources_without_content_types_change_nothing(state: ProjectState) -> None:
    """No source has a content type (nothing was granted on them): the target's are not
    created either."""
    with CaptureQueriesContext(connection) as queries:
        apply([operation()], state)
    assert content_type("person") is None
    assert all(not q["sql"].lstrip().upper().startswith("INSERT") for q in queries.captured_queries)


def _state_without(app: str) -> ProjectState:
    """The merge's models in a state where ``app`` (contenttypes or auth) is not installed
    and the other is."""
    state = ProjectState()
    models_by_app = {
        APP: ["Person", "Patient", "Customer", "Member"],
        "contenttypes": ["ContentType"],
        "auth": ["Permission"],
    }
    for label, names in models_by_app.items():
        for name in names if label != app else []:
            fields: list[tuple[str, models.Field[Any, Any]]] = [
                ("id", models.AutoField(primary_key=True))
            ]
            migrations.CreateModel(name, fields).state_forwards(label, state)
    return state


@pytest.mark.parametrize("missing", ["contenttypes", "auth"])
def test_without_contenttypes_or_auth_nothing_runs(missing: str) -> None:
    state = _state_without(missing)
    assert missing not in state.apps.app_configs
    with CaptureQueriesContext(connection) as queries, connection.schema_editor() as editor:
        operation().database_forwards(APP, editor, state, state.clone())
    assert [q["sql"] for q in queries.captured_queries if "auth" in q["sql"]] == []
    assert [q["sql"] for q in queries.captured_queries if "content_type" in q["sql"]] == []


def test_a_failed_check_raises_and_changes_nothing(
    state: ProjectState, monkeypatch: pytest.MonkeyPatch
) -> None:
    patient = permissions_of("patient", ("export_patient", "Can export patients"))
    (staff,) = groups("staff")
    ann, bob = users("ann", "bob")
    grant("auth_group_permissions", "group_id", [(staff, patient["change_patient"])])
    grant(
        "auth_user_user_permissions",
        "user_id",
        [(ann, patient["export_patient"]), (bob, patient["add_patient"])],
    )
    grants = PermissionSQL.grant

    def groups_only(self: PermissionSQL, holders: Holders, mapping: PermissionMap) -> Statement:
        # The users' grants get lost on the way: the check must see it.
        return grants(self, holders, mapping) if holders.label == "group" else Statement("SELECT 1")

    monkeypatch.setattr(PermissionSQL, "grant", groups_only)
    with pytest.raises(BackfillVerificationError) as raised:
        apply([operation()], state)
    assert str(raised.value) == (
        "Merging the permissions of mergetest.patient into mergetest.person did not verify: "
        "2 user grant(s) of a mergetest.patient permission have no grant of the "
        "mergetest.person permission it maps to. The transaction is rolled back: nothing was "
        "changed. Find what changed the permissions or their grants while they moved, then "
        "migrate again."
    )
    assert content_type("person") is None
    assert group_holds(staff) == [("patient", "change_patient")]
    assert user_holds(ann) == [("patient", "export_patient")]


@override_settings(AUTH_USER_MODEL=f"{APP}.Customer")
def test_a_custom_user_model_without_permissions_leaves_users_out(state: ProjectState) -> None:
    """A user model without ``PermissionsMixin`` has no grants to carry."""
    patient = permissions_of("patient")
    (staff,) = groups("staff")
    grant("auth_group_permissions", "group_id", [(staff, patient["view_patient"])])
    with CaptureQueriesContext(connection) as queries:
        apply([operation()], state)
    assert ("person", "view_person") in group_holds(staff)
    assert not any("auth_user_user_permissions" in q["sql"] for q in queries.captured_queries)


def test_a_custom_user_model_keeps_its_users_grants(state: ProjectState) -> None:
    account = migrations.CreateModel(
        "Account",
        [
            ("id", models.AutoField(primary_key=True)),
            ("user_permissions", models.ManyToManyField("auth.Permission")),
        ],
    )
    with_accounts = apply([account], state)
    try:
        patient = permissions_of("patient")
        insert("mergetest_account", [{"id": 1}])
        grant("mergetest_account_user_permissions", "account_id", [(1, patient["change_patient"])])
        with override_settings(AUTH_USER_MODEL=f"{APP}.Account"):
            apply([operation()], with_accounts)
        assert held("mergetest_account_user_permissions", "account_id", 1) == [
            ("patient", "change_patient"),
            ("person", "change_person"),
        ]
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(with_accounts.apps.get_model(APP, "Account"))


@override_settings(AUTH_USER_MODEL=f"{APP}.Nobody")
def test_a_user_model_missing_from_the_state_is_an_error(state: ProjectState) -> None:
    permissions_of("patient")
    with pytest.raises(OperationSetupError, match=r"'mergetest\.Nobody' is not in the migration"):
        apply([operation()], state)


def _holders(count: int, patient: dict[str, int], customer: dict[str, int]) -> None:
    names = [f"h{n}" for n in range(count)]
    group_ids, user_ids = groups(*names), users(*names)
    grant(
        "auth_group_permissions",
        "group_id",
        [(g, patient["change_patient"]) for g in group_ids]
        + [(g, customer["view_customer"]) for g in group_ids],
    )
    grant("auth_user_user_permissions", "user_id", [(u, patient["add_patient"]) for u in user_ids])


def test_statements_do_not_grow_with_holders(state: ProjectState) -> None:
    counts = []
    for count in (3, 300):
        patient = permissions_of("patient", ("export_patient", "Can export patients"))
        customer = permissions_of("customer")
        _holders(count, patient, customer)
        with CaptureQueriesContext(connection) as queries:
            apply([operation()], state)
        counts.append(len(queries))
        change_person = codenames("person")["change_person"]
        assert rows(
            "SELECT COUNT(*) FROM auth_group_permissions WHERE permission_id = %s", [change_person]
        ) == [(count,)]
        _clear()
    assert counts[0] == counts[1]


def test_sqlmigrate_shows_the_statements_and_runs_none(state: ProjectState) -> None:
    permissions_of("patient")
    collect = connection.schema_editor(collect_sql=True)
    with CaptureQueriesContext(connection) as queries, collect as editor:
        operation().database_forwards(APP, editor, state, state.clone())
    assert not any("auth_" in q["sql"] for q in queries.captured_queries)
    collected = "\n".join(editor.collected_sql)
    assert collected.count("INSERT INTO") >= 2 * len(SOURCES)
    # Content types are named, not numbered: the SQL runs the same on any database.
    assert "'patient'" in collected
    assert "'person'" in collected
    assert content_type("person") is None


def test_contract_details() -> None:
    op = operation()
    name, args, kwargs = op.deconstruct()
    assert getattr(django_remodel.operations, name) is MergePermissions
    assert MergePermissions(*args, **kwargs).deconstruct() == (name, args, kwargs)
    text, imports = MigrationWriter.serialize(op)
    assert "import django_remodel.operations" in imports
    assert text.startswith("django_remodel.operations.MergePermissions(")
    assert op.reversible is False
    assert op.describe() == (
        "Grant the permissions of mergetest.Patient, mergetest.Customer, mergetest.Member on Person"
    )
    assert op.migration_name_fragment == "merge_permissions_into_person"
    with pytest.raises(NotImplementedError, match="cannot be taken back"):
        op.database_backwards(APP, None, None, None)
    with pytest.raises(OperationSetupError, match="name the source models"):
        MergePermissions("Person", [])
