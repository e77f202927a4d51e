from __future__ import annotations

import pytest

from django_remodel.errors import UnknownFieldError, UnknownModelError
from django_remodel.graph import ModelGraph, ModelKind, RelationEdge, RelationKind


@pytest.fixture(scope="module")
def graph() -> ModelGraph:
    return ModelGraph.build()


def test_kinds_of_models(graph):
    kinds = {
        label: graph.model(label).kind
        for label in (
            "testapp.Timestamped",
            "testapp.Person",
            "testapp.Employee",
            "testapp.PersonProxy",
            "testapp.ReportingView",
            "testapp.Team_members",
        )
    }
    assert kinds == {
        "testapp.Timestamped": ModelKind.ABSTRACT,
        "testapp.Person": ModelKind.CONCRETE,
        "testapp.Employee": ModelKind.MULTI_TABLE_CHILD,
        "testapp.PersonProxy": ModelKind.PROXY,
        "testapp.ReportingView": ModelKind.UNMANAGED,
        "testapp.Team_members": ModelKind.AUTO_CREATED,
    }


def test_model_details(graph):
    person = graph.model("testapp.person")
    assert person.db_table == "testapp_person"
    assert person.abstract_bases == ("testapp.Timestamped",)
    assert person.docstring == "Someone the tests know."
    assert person.first_party
    assert [f.name for f in person.concrete_fields] == ["id", "created_at", "email", "name"]
    email = person.field("email")
    assert (email.internal_type, email.max_length, email.unique, email.null) == (
        "CharField",
        254,
        True,
        False,
    )
    assert person.field("name").default == "'anonymous'"
    assert person.field("id").primary_key


def test_inherited_fields_name_the_table_that_holds_them(graph):
    employee = graph.model("testapp.Employee")
    assert [(f.name, f.inherited_from) for f in employee.fields] == [
        ("id", "testapp.Person"),
        ("created_at", "testapp.Person"),
        ("email", "testapp.Person"),
        ("name", "testapp.Person"),
        ("person_ptr", None),
        ("salary", None),
    ]
    assert [f.name for f in employee.concrete_fields] == ["person_ptr", "salary"]
    assert graph.model("testapp.PersonProxy").concrete_fields == ()


def test_generated_docstrings_are_dropped(graph):
    assert graph.model("testapp.Badge").docstring is None


def test_django_models_are_not_first_party(graph):
    assert not graph.model("auth.User").first_party
    assert not graph.model("contenttypes.ContentType").first_party


def test_multi_table_child_and_proxy_parents(graph):
    assert graph.model("testapp.Employee").parents == ("testapp.Person",)
    assert graph.model("testapp.PersonProxy").parents == ("testapp.Person",)
    assert graph.model("testapp.PersonProxy").db_table is None
    assert [n.label for n in graph.children("testapp.Person")] == ["testapp.Employee"]


def test_relations_in_both_directions(graph):
    incoming = {
        (edge.source, edge.field, edge.kind)
        for edge in graph.incoming("testapp.Person")
        if graph.model(edge.source).kind != ModelKind.AUTO_CREATED
    }
    assert incoming == {
        ("testapp.Employee", "person_ptr", RelationKind.PARENT_LINK),
        ("testapp.Badge", "person", RelationKind.ONE_TO_ONE),
        ("testapp.Team", "members", RelationKind.MANY_TO_MANY),
        ("testapp.Team", "lead", RelationKind.FOREIGN_KEY),
        ("testapp.Project", "people", RelationKind.MANY_TO_MANY),
        ("testapp.Membership", "person", RelationKind.FOREIGN_KEY),
    }


def test_many_to_many_through(graph):
    members, people = (
        next(e for e in graph.outgoing("testapp.Team") if e.field == "members"),
        next(e for e in graph.outgoing("testapp.Project") if e.field == "people"),
    )
    assert (members.through, members.auto_created_through) == ("testapp.Team_members", True)
    assert (people.through, people.auto_created_through) == ("testapp.Membership", False)


def test_foreign_key_details(graph):
    lead = next(e for e in graph.outgoing("testapp.Team") if e.field == "lead")
    assert lead == RelationEdge(
        kind=RelationKind.FOREIGN_KEY,
        source="testapp.Team",
        field="lead",
        target="testapp.Person",
        null=True,
        on_delete="SET_NULL",
    )


def test_generic_foreign_keys(graph):
    generic = [e for e in graph.generic_relations() if e.source.startswith("testapp.")]
    assert [(e.source, e.field, e.target) for e in generic] == [("testapp.Note", "target", None)]
    assert graph.model("testapp.Note").field("target").internal_type == "GenericForeignKey"


def test_unknown_model_names_the_app_contents(graph):
    with pytest.raises(UnknownModelError) as error:
        graph.model("testapp.Persn")
    assert str(error.value) == (
        "No model 'testapp.Persn' is installed. App 'testapp' has: Badge, Employee, "
        "Membership, Note, Person, PersonProxy, Project, ReportingView, Team, "
        "Team_members, Timestamped."
    )


def test_unknown_app(graph):
    with pytest.raises(UnknownModelError) as error:
        graph.model("nosuch.Model")
    assert str(error.value) == (
        "No model 'nosuch.Model' is installed. "
        "No installed app is labelled 'nosuch'; check INSTALLED_APPS."
    )


def test_label_without_app(graph):
    with pytest.raises(UnknownModelError) as error:
        graph.model("Person")
    assert str(error.value) == "'Person' is not a model label; write it as 'app_label.ModelName'."


def test_unknown_field(graph):
    with pytest.raises(UnknownFieldError) as error:
        graph.model("testapp.Badge").field("owner")
    assert (
        str(error.value)
        == "Model 'testapp.Badge' has no field 'owner'. Its fields are: id, person."
    )
