"""SetModelBases: the operation contract, its state changes, the writer and the optimizer."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import FieldError
from django.db import connection, migrations, models
from django.db.migrations.migration import Migration
from django.db.migrations.operations.base import Operation
from django.db.migrations.optimizer import MigrationOptimizer
from django.db.migrations.state import ModelState, ProjectState
from django.db.migrations.writer import MigrationWriter

from django_remodel.errors import OperationSetupError, UnknownModelError
from django_remodel.operations import SetModelBases


class AuditedMixin:
    """A plain mixin, as models list them among their bases."""


def ptr(to: str, **kwargs: object) -> models.OneToOneField[models.Model]:
    return models.OneToOneField(
        to,
        on_delete=models.CASCADE,
        parent_link=True,
        primary_key=True,
        serialize=False,
        **kwargs,  # type: ignore[arg-type]
    )


def pk() -> models.BigAutoField[Any, Any]:
    return models.BigAutoField(auto_created=True, primary_key=True, serialize=False)


def story_state(
    child_fields: list[tuple[str, models.Field[Any, Any]]] | None = None,
) -> ProjectState:
    """Criteria (concrete) and ContributorCriteria inheriting it, as the story's 0001 has them."""
    state = ProjectState()
    state.add_model(
        ModelState(
            "app",
            "Criteria",
            [("id", pk()), ("enabled", models.BooleanField()), ("tenant", models.IntegerField())],
        )
    )
    fields = child_fields or [
        ("criteria_ptr", ptr("app.criteria", auto_created=True)),
        ("commits", models.IntegerField()),
    ]
    state.add_model(ModelState("app", "ContributorCriteria", fields, bases=("app.criteria",)))
    return state


def apply(state: ProjectState, *operations: Operation) -> ProjectState:
    new_state = state.clone()
    for operation in operations:
        operation.state_forwards("app", new_state)
    new_state.apps  # noqa: B018 - rendering is the check
    return new_state


DETACH = SetModelBases("ContributorCriteria", (models.Model,), old_bases=("app.criteria",))


def test_deconstruct_round_trip():
    name, args, kwargs = DETACH.deconstruct()
    assert (name, args) == ("SetModelBases", [])
    assert kwargs == {
        "name": "ContributorCriteria",
        "bases": (models.Model,),
        "old_bases": ("app.criteria",),
    }
    assert SetModelBases(**kwargs).deconstruct() == DETACH.deconstruct()
    assert "old_bases" not in SetModelBases("A", ["app.b"]).deconstruct()[2]


def test_describe_fragment_and_category():
    assert DETACH.describe() == (
        "Change the bases of ContributorCriteria from (app.criteria) to (models.Model)"
    )
    mixed = SetModelBases("A", (AuditedMixin, models.Model))
    assert mixed.describe() == (
        "Set the bases of A to (tests.operations.test_set_model_bases.AuditedMixin, models.Model)"
    )
    assert DETACH.migration_name_fragment == "alter_contributorcriteria_bases"
    assert DETACH.formatted_description().startswith("~ Change the bases")
    assert DETACH.reversible
    assert DETACH.reduces_to_sql


def test_writer_serializes_labels_model_and_mixins_and_the_file_imports_back(tmp_path: Path):
    operation = SetModelBases(
        "Child", (AuditedMixin, "app.Parent"), old_bases=(AuditedMixin, models.Model)
    )
    migration = type("Migration", (Migration,), {"operations": [operation], "dependencies": []})
    text = MigrationWriter(migration("0002_bases", "app")).as_string()
    assert "import django_remodel.operations\n" in text
    assert "import tests.operations.test_set_model_bases\n" in text
    assert "django_remodel.operations.SetModelBases(\n" in text
    assert "bases=(tests.operations.test_set_model_bases.AuditedMixin, 'app.Parent')," in text
    assert "old_bases=(tests.operations.test_set_model_bases.AuditedMixin, models.Model)," in text

    path = tmp_path / "written_0002_bases.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("written_0002_bases", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["written_0002_bases"] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["written_0002_bases"]
    (loaded,) = module.Migration.operations
    assert type(loaded) is SetModelBases
    assert loaded.deconstruct() == operation.deconstruct()


def test_state_forwards_detaches_the_child_and_keeps_the_parent_link():
    before = story_state()
    after = apply(before, DETACH)
    model_state = after.models["app", "contributorcriteria"]
    assert model_state.bases == (models.Model,)
    # The link is an ordinary field now, still the primary key; the table keeps its column.
    assert list(model_state.fields) == ["criteria_ptr", "commits"]
    child = after.apps.get_model("app", "ContributorCriteria")
    assert child._meta.parents == {}
    assert [field.name for field in child._meta.local_fields] == ["criteria_ptr", "commits"]
    assert child._meta.pk is not None
    assert child._meta.pk.name == "criteria_ptr"
    # The state before is untouched: the operation works on the state it is given.
    assert before.models["app", "contributorcriteria"].bases == ("app.criteria",)


def test_fields_named_like_the_parents_clash_before_and_not_after():
    enabled = migrations.AddField("ContributorCriteria", "enabled", models.BooleanField(null=True))
    with pytest.raises(FieldError, match="Local field 'enabled' in class 'ContributorCriteria'"):
        apply(story_state(), enabled)
    after = apply(story_state(), DETACH, enabled)
    child = after.apps.get_model("app", "ContributorCriteria")
    assert child._meta.get_field("enabled").model is child


def test_an_implicit_parent_link_is_written_into_the_fields():
    before = story_state(child_fields=[("commits", models.IntegerField())])
    rendered = before.apps.get_model("app", "ContributorCriteria")
    assert rendered._meta.pk is not None
    assert rendered._meta.pk.name == "criteria_ptr"
    after = apply(before, DETACH)
    link = after.models["app", "contributorcriteria"].fields["criteria_ptr"]
    assert isinstance(link, models.OneToOneField)
    assert link.primary_key
    assert link.remote_field.parent_link
    child = after.apps.get_model("app", "ContributorCriteria")
    assert child._meta.pk is not None
    assert child._meta.pk.column == "criteria_ptr_id"


def test_adding_a_parent_needs_the_parent_link_first():
    state = apply(story_state(), DETACH)
    attach = SetModelBases("ContributorCriteria", ("app.criteria",), old_bases=(models.Model,))
    # The detached child keeps its link: attaching again works and restores the inheritance.
    again = apply(state, attach)
    child = again.apps.get_model("app", "ContributorCriteria")
    assert list(child._meta.parents) == [again.apps.get_model("app", "Criteria")]

    without_link = apply(
        state,
        migrations.RemoveField("ContributorCriteria", "criteria_ptr"),
        migrations.AddField("ContributorCriteria", "id", pk()),
    )
    with pytest.raises(OperationSetupError) as raised:
        apply(without_link, attach)
    assert str(raised.value) == (
        "SetModelBases cannot make 'app.ContributorCriteria' inherit from 'app.criteria': "
        "'app.ContributorCriteria' has no parent link to it. Add a "
        "OneToOneField(parent_link=True) to 'app.criteria' to 'app.ContributorCriteria' before "
        "this operation, and remove the fields the parent also has."
    )
    assert without_link.models["app", "contributorcriteria"].bases == (models.Model,)


def test_a_proxy_changes_its_model_without_parent_links():
    state = story_state()
    state.add_model(ModelState("app", "Other", [("id", pk())]))
    state.add_model(ModelState("app", "Rule", [], options={"proxy": True}, bases=("app.criteria",)))
    after = apply(state, SetModelBases("Rule", ("app.other",), old_bases=("app.Criteria",)))
    proxy = after.apps.get_model("app", "Rule")
    assert proxy._meta.proxy
    assert proxy._meta.concrete_model is after.apps.get_model("app", "Other")


def test_mixins_are_set_as_given():
    after = apply(story_state(), SetModelBases("Criteria", (AuditedMixin, models.Model)))
    assert issubclass(after.apps.get_model("app", "Criteria"), AuditedMixin)


def test_wrong_old_bases_and_unknown_models_are_refused():
    with pytest.raises(OperationSetupError) as raised:
        apply(story_state(), SetModelBases("ContributorCriteria", (models.Model,), [models.Model]))
    assert str(raised.value) == (
        "SetModelBases: 'app.ContributorCriteria' inherits from (app.criteria) in the "
        "migration state, not from (models.Model) as the operation says; correct old_bases, "
        "or the migration's dependencies."
    )
    with pytest.raises(UnknownModelError, match=r"model app\.Nope is not in the migration state"):
        apply(story_state(), SetModelBases("Nope", (models.Model,)))


@pytest.mark.parametrize(
    ("bases", "message"),
    [
        ((), "SetModelBases('A'): bases is empty; give at least models.Model."),
        (
            ("Parent",),
            "SetModelBases('A'): the base 'Parent' is not a model label; "
            "write it as 'app_label.ModelName'.",
        ),
        (
            (AuditedMixin,),
            "SetModelBases('A'): no base in "
            "(tests.operations.test_set_model_bases.AuditedMixin) is a model; add models.Model "
            "(or the parent model's label).",
        ),
        (
            ("app.B", "app.b"),
            "SetModelBases('A'): 'app.b' appears twice in bases; give each base once.",
        ),
        (
            (3,),
            "SetModelBases('A'): 3 in bases is neither a class nor an 'app_label.ModelName' label.",
        ),
    ],
)
def test_bad_bases_are_refused(bases, message):
    with pytest.raises(OperationSetupError) as raised:
        SetModelBases("A", bases)
    assert str(raised.value) == message


@pytest.mark.django_db(transaction=True)
def test_database_forwards_and_backwards_run_no_sql():
    before = story_state()
    after = apply(before, DETACH)
    with connection.schema_editor(collect_sql=True) as editor:
        DETACH.database_forwards("app", editor, before, after)
        DETACH.database_backwards("app", editor, after, before)
    assert editor.collected_sql == []


def optimize(*operations: Operation) -> list[Operation]:
    return MigrationOptimizer().optimize(list(operations), "app")


def test_two_on_the_same_model_collapse_into_the_latter_keeping_the_first_old_bases():
    second = SetModelBases("ContributorCriteria", ("app.other",), old_bases=(models.Model,))
    (merged,) = optimize(DETACH, second)
    assert merged.deconstruct() == (
        "SetModelBases",
        [],
        {
            "name": "ContributorCriteria",
            "bases": ("app.other",),
            "old_bases": ("app.criteria",),
        },
    )
    back = SetModelBases("ContributorCriteria", ("app.Criteria",), old_bases=(models.Model,))
    assert optimize(DETACH, back) == []
    unknown = SetModelBases("ContributorCriteria", (models.Model,))
    (kept,) = optimize(unknown, back)
    assert kept.deconstruct()[2] == {"name": "ContributorCriteria", "bases": ("app.Criteria",)}


def test_delete_model_absorbs_it():
    delete = migrations.DeleteModel("ContributorCriteria")
    assert optimize(DETACH, delete) == [delete]


def test_it_is_optimized_through_operations_on_other_models():
    other = migrations.AddField("Tenant", "name", models.TextField())
    second = SetModelBases("ContributorCriteria", ("app.other",), old_bases=(models.Model,))
    merged = optimize(DETACH, other, second)
    assert [type(operation) for operation in merged] == [migrations.AddField, SetModelBases]
    create = migrations.CreateModel("Tenant", [("id", pk())])
    delete = migrations.DeleteModel("Tenant")
    assert optimize(create, DETACH, delete) == [DETACH]


def test_it_is_not_optimized_through_operations_on_its_model_or_its_parents():
    enabled = migrations.AddField("ContributorCriteria", "enabled", models.BooleanField(null=True))
    back = SetModelBases("ContributorCriteria", ("app.criteria",), old_bases=(models.Model,))
    assert optimize(DETACH, enabled, back) == [DETACH, enabled, back]
    parent = migrations.AlterModelTable("Criteria", "criteria_rules")
    assert optimize(DETACH, parent, back) == [DETACH, parent, back]
    create_parent = migrations.CreateModel("Criteria", [("id", pk())])
    delete_parent = migrations.DeleteModel("Criteria")
    assert optimize(create_parent, DETACH, delete_parent) == [create_parent, DETACH, delete_parent]
    assert DETACH.references_model("Criteria", "app")
    assert DETACH.references_model("contributorcriteria", "app")
    assert not DETACH.references_model("Criteria", "other_app")
    assert not DETACH.references_model("Tenant", "app")
