"""RemodelAutodetector on project states, the way Django tests its own autodetector.

Each case compares two states, checks the operations and their order, and
applies them to the old state: the new state must render, and hold the new
bases. The end-to-end run on a real project is in test_autodetector_e2e.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import pytest
from django.core.exceptions import FieldError
from django.core.management import get_commands, load_command_class
from django.db import migrations, models
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.operations.base import Operation
from django.db.migrations.questioner import MigrationQuestioner
from django.db.migrations.state import ModelState, ProjectState

from django_remodel.autodetector import RemodelAutodetector
from django_remodel.operations import SetModelBases


class AuditedMixin:
    """A plain mixin among a model's bases."""


# django-stubs wants model classes or labels here; Django takes any class.
MIXED: Any = (AuditedMixin, models.Model)


def pk() -> models.BigAutoField[Any, Any]:
    return models.BigAutoField(auto_created=True, primary_key=True, serialize=False)


def link(to: str, **kwargs: Any) -> models.OneToOneField[models.Model]:
    return models.OneToOneField(
        to, on_delete=models.CASCADE, primary_key=True, serialize=False, **kwargs
    )


TENANT = ModelState("app", "Tenant", [("id", pk())])
CRITERIA = ModelState(
    "app",
    "Criteria",
    [
        ("id", pk()),
        ("enabled", models.BooleanField()),
        ("tenant", models.ForeignKey("app.tenant", models.CASCADE)),
    ],
)
RULE = ModelState("app", "Rule", [("id", pk()), ("level", models.IntegerField())])
# The story's child: inherits Criteria through the implicit criteria_ptr.
CHILD = ModelState(
    "app",
    "ContributorCriteria",
    [
        ("criteria_ptr", link("app.criteria", auto_created=True, parent_link=True)),
        ("commits", models.IntegerField()),
    ],
    bases=("app.criteria",),
)
# The same child after the story: its own id and the parent's fields, nullable.
DETACHED = ModelState(
    "app",
    "ContributorCriteria",
    [
        ("id", pk()),
        ("enabled", models.BooleanField(null=True)),
        ("tenant", models.ForeignKey("app.tenant", models.CASCADE, null=True)),
        ("commits", models.IntegerField()),
    ],
)


def state(*model_states: ModelState) -> ProjectState:
    project = ProjectState()
    for model_state in model_states:
        project.add_model(model_state.clone())
    return project


def changes(
    before: ProjectState,
    after: ProjectState,
    autodetector: type[MigrationAutodetector] = RemodelAutodetector,
) -> dict[str, list[migrations.Migration]]:
    questioner = MigrationQuestioner()
    detected: dict[str, list[migrations.Migration]]
    detected = autodetector(before, after, questioner)._detect_changes()  # type: ignore[attr-defined]
    return detected


def operations(before: ProjectState, after: ProjectState, app: str = "app") -> list[Operation]:
    migration_list = changes(before, after)[app]
    return [operation for migration in migration_list for operation in migration.operations]


def described(operation_list: Sequence[Operation]) -> list[str]:
    return [operation.describe() for operation in operation_list]


def apply(before: ProjectState, migration_list: dict[str, list[Any]]) -> ProjectState:
    """Apply the detected migrations in dependency order; every step must render."""
    project = before.clone()
    done: set[tuple[str, str]] = set()
    pending = [
        migration for migration_list_ in migration_list.values() for migration in migration_list_
    ]
    while pending:
        for migration in pending:
            if all(dep in done or dep[0] not in migration_list for dep in migration.dependencies):
                break
        else:
            raise AssertionError("circular dependencies between the detected migrations")
        pending.remove(migration)
        for operation in migration.operations:
            operation.state_forwards(migration.app_label, project)
            project.apps  # noqa: B018 - rendering is the check
        done.add((migration.app_label, migration.name))
    return project


def test_story_child_detached_from_its_concrete_parent():
    before = state(TENANT, CRITERIA, CHILD)
    after = state(TENANT, CRITERIA, DETACHED)
    detected = operations(before, after)
    assert described(detected) == [
        "Change the bases of ContributorCriteria from (app.criteria) to (models.Model)",
        "Remove field criteria_ptr from contributorcriteria",
        "Add field enabled to contributorcriteria",
        "Add field id to contributorcriteria",
        "Add field tenant to contributorcriteria",
    ]
    result = apply(before, changes(before, after))
    child = result.apps.get_model("app", "ContributorCriteria")
    assert child._meta.parents == {}
    assert result.models["app", "contributorcriteria"].bases == (models.Model,)
    # Nothing left to detect once the migration is in the state.
    assert changes(result, after) == {}


def test_without_it_django_writes_a_migration_that_clashes():
    before = state(TENANT, CRITERIA, CHILD)
    after = state(TENANT, CRITERIA, DETACHED)
    plain = changes(before, after, MigrationAutodetector)
    assert not any(isinstance(operation, SetModelBases) for operation in plain["app"][0].operations)
    with pytest.raises(FieldError, match="clashes with field of the same name from base class"):
        apply(before, plain)


def test_parent_link_turned_into_an_ordinary_primary_key():
    before = state(TENANT, CRITERIA, CHILD)
    own_key = ModelState(
        "app",
        "ContributorCriteria",
        [
            ("criteria_ptr", link("app.criteria", related_name="+")),
            ("enabled", models.BooleanField(null=True)),
            ("commits", models.IntegerField()),
        ],
    )
    after = state(TENANT, CRITERIA, own_key)
    detected = operations(before, after)
    assert isinstance(detected[0], SetModelBases)
    assert described(detected[1:]) == [
        "Add field enabled to contributorcriteria",
        "Alter field criteria_ptr on contributorcriteria",
    ]
    result = apply(before, changes(before, after))
    assert changes(result, after) == {}


def test_parent_added_comes_after_the_fields_it_replaces():
    before = state(TENANT, CRITERIA, DETACHED)
    after = state(TENANT, CRITERIA, CHILD)
    detected = operations(before, after)
    assert described(detected) == [
        "Remove field enabled from contributorcriteria",
        "Remove field id from contributorcriteria",
        "Remove field tenant from contributorcriteria",
        "Add field criteria_ptr to contributorcriteria",
        "Change the bases of ContributorCriteria from (models.Model) to (app.criteria)",
    ]
    result = apply(before, changes(before, after))
    child = result.apps.get_model("app", "ContributorCriteria")
    assert list(child._meta.parents) == [result.apps.get_model("app", "Criteria")]
    assert changes(result, after) == {}


def test_parent_replaced_by_another_in_two_steps():
    child_of_rule = ModelState(
        "app",
        "ContributorCriteria",
        [
            ("rule_ptr", link("app.rule", auto_created=True, parent_link=True)),
            ("commits", models.IntegerField()),
        ],
        bases=("app.rule",),
    )
    before = state(TENANT, CRITERIA, RULE, CHILD)
    after = state(TENANT, CRITERIA, RULE, child_of_rule)
    detected = operations(before, after)
    assert described(detected) == [
        "Change the bases of ContributorCriteria from (app.criteria) to (models.Model)",
        "Remove field criteria_ptr from contributorcriteria",
        "Add field rule_ptr to contributorcriteria",
        "Change the bases of ContributorCriteria from (models.Model) to (app.rule)",
    ]
    result = apply(before, changes(before, after))
    assert result.models["app", "contributorcriteria"].bases == ("app.rule",)
    assert changes(result, after) == {}


def test_parent_deleted_with_the_inheritance():
    before = state(TENANT, CRITERIA, CHILD)
    after = state(TENANT, DETACHED)
    detected = operations(before, after)
    names = described(detected)
    assert names[0] == (
        "Change the bases of ContributorCriteria from (app.criteria) to (models.Model)"
    )
    assert names.index("Delete model Criteria") > names.index(
        "Remove field criteria_ptr from contributorcriteria"
    )
    result = apply(before, changes(before, after))
    assert ("app", "criteria") not in result.models


def test_parent_in_another_app_created_in_the_same_run():
    base = ModelState("core", "Base", [("id", pk())])
    child = ModelState(
        "app",
        "Rule",
        [
            ("base_ptr", link("core.base", auto_created=True, parent_link=True)),
            ("level", models.IntegerField()),
        ],
        bases=("core.base",),
    )
    before = state(RULE)
    after = state(base, child)
    detected = changes(before, after)
    (core,) = detected["core"]
    (app,) = detected["app"]
    assert ("core", core.name) in app.dependencies
    assert described(app.operations)[-1] == (
        "Change the bases of Rule from (models.Model) to (core.base)"
    )
    apply(before, detected)


def test_mixins_and_proxies():
    mixed = ModelState("app", "Rule", [("id", pk()), ("level", models.IntegerField())], bases=MIXED)
    proxy = ModelState("app", "Active", [], options={"proxy": True}, bases=("app.rule",))
    proxy_moved = ModelState("app", "Active", [], options={"proxy": True}, bases=("app.tenant",))
    before = state(TENANT, RULE, proxy)
    after = state(TENANT, mixed, proxy_moved)
    assert described(operations(before, after)) == [
        "Change the bases of Active from (app.rule) to (app.tenant)",
        "Change the bases of Rule from (models.Model) to "
        "(tests.test_autodetector.AuditedMixin, models.Model)",
    ]
    result = apply(before, changes(before, after))
    assert issubclass(result.apps.get_model("app", "Rule"), AuditedMixin)
    assert changes(result, after) == {}


def test_same_bases_spelled_differently_are_no_change():
    spelled = ModelState(
        "app", "ContributorCriteria", list(CHILD.fields.items()), bases=("app.Criteria",)
    )
    assert changes(state(TENANT, CRITERIA, CHILD), state(TENANT, CRITERIA, spelled)) == {}


def test_renamed_model_gets_its_bases_after_the_rename():
    mixed = ModelState("app", "Rule", [("id", pk()), ("level", models.IntegerField())], bases=MIXED)
    renamed = ModelState("app", "Policy", [("id", pk()), ("level", models.IntegerField())])
    questioner = MigrationQuestioner(defaults={"ask_rename_model": True})
    before = state(mixed)
    after = state(renamed)
    detected = RemodelAutodetector(before, after, questioner)._detect_changes()  # type: ignore[attr-defined]
    assert described(detected["app"][0].operations) == [
        "Rename model Rule to Policy",
        "Change the bases of Policy from (tests.test_autodetector.AuditedMixin, models.Model) "
        "to (models.Model)",
    ]
    apply(before, detected)


@pytest.mark.parametrize("command", ["makemigrations", "migrate"])
def test_commands_use_it(command):
    assert get_commands()[command] == "django_remodel"
    assert (
        cast(Any, load_command_class("django_remodel", command)).autodetector is RemodelAutodetector
    )
