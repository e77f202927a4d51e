from __future__ import annotations

import pytest

from django_remodel.audit.duplicates import find_duplicate_groups
from django_remodel.audit.result import KeyOverlap
from django_remodel.graph import FieldNode, ModelGraph, ModelKind, ModelNode

USERS = (
    "auth.User",
    "legacy.AccountUser",
    "legacy.AppUser",
    "legacy.CustomerUser",
    "legacy.UserProfile",
)


@pytest.fixture(scope="module")
def example_graph() -> ModelGraph:
    return ModelGraph.build()


def example_labels(graph: ModelGraph) -> list[str]:
    """The example project's models: the test apps are left out."""
    return [n.label for n in graph if n.app_label not in ("testapp", "patientapp")]


def test_the_example_has_one_group_of_people(example_graph):
    groups = find_duplicate_groups(example_graph, labels=example_labels(example_graph))
    assert [group.models for group in groups] == [USERS]
    (group,) = groups
    assert group.canonical == "auth.User"
    assert group.key == "email"
    rows = {row.concept: tuple(name for _, name in row.fields) for row in group.mapping}
    assert rows["email"] == ("email", "account_email", "email", "email_address", "user_email")
    assert rows["name"] == ("username", "account_name", "username", "full_name", "display_name")
    assert rows["password"] == ("password", "encrypted_password", "password", "password_hash", None)
    assert rows["created"] == (
        "date_joined",
        "signup_timestamp",
        "created_at",
        "registration_date",
        None,
    )
    assert group.commands == (
        "python manage.py remodel swap-user accounts",
        "python manage.py remodel merge legacy.AccountUser legacy.AppUser legacy.CustomerUser "
        "legacy.UserProfile --into accounts.User --key email",
    )
    assert 0.6 <= group.confidence <= 1.0
    kinds = {e.kind for e in group.evidence}
    assert {"fields", "model names", "unique key", "inbound relations"} <= kinds


def node(label: str, *fields: tuple[str, str, bool], first_party: bool = True) -> ModelNode:
    app_label, object_name = label.split(".")
    id_field = FieldNode(
        "id", "id", "id", "BigAutoField", False, True, True, False, True, None, None, None
    )
    return ModelNode(
        label=label,
        app_label=app_label,
        object_name=object_name,
        kind=ModelKind.CONCRETE,
        db_table=label.replace(".", "_").lower(),
        fields=(
            id_field,
            *(
                FieldNode(
                    name, name, name, internal, False, False, unique, False, False, 100, None, None
                )
                for name, internal, unique in fields
            ),
        ),
        first_party=first_party,
    )


def graph_of(*nodes: ModelNode) -> ModelGraph:
    return ModelGraph(models=nodes, relations=())


def test_a_company_is_not_a_person():
    graph = graph_of(
        node(
            "crm.Customer",
            ("email", "EmailField", True),
            ("full_name", "CharField", False),
            ("phone", "CharField", False),
        ),
        node(
            "crm.Company",
            ("email", "EmailField", True),
            ("name", "CharField", False),
            ("phone", "CharField", False),
            ("website", "URLField", False),
        ),
    )
    assert find_duplicate_groups(graph) == []


def test_generic_fields_alone_make_no_group():
    graph = graph_of(
        node("shop.Tag", ("name", "CharField", True), ("created_at", "DateTimeField", False)),
        node("shop.Server", ("name", "CharField", True), ("created_at", "DateTimeField", False)),
    )
    assert find_duplicate_groups(graph) == []


def test_renamed_columns_of_one_entity_are_grouped():
    graph = graph_of(
        node(
            "shop.Product",
            ("sku", "CharField", True),
            ("title", "CharField", False),
            ("price", "DecimalField", False),
        ),
        node(
            "legacy.Item",
            ("item_sku", "CharField", True),
            ("item_title", "CharField", False),
            ("cost", "DecimalField", False),
        ),
        node("shop.Order", ("number", "CharField", True), ("total", "DecimalField", False)),
    )
    (group,) = find_duplicate_groups(graph)
    assert group.models == ("legacy.Item", "shop.Product")
    assert group.key == "sku"
    assert group.commands == (
        "python manage.py remodel merge shop.Product --into legacy.Item --key item_sku",
    )


def test_key_overlap_is_asked_only_for_plausible_pairs_and_counts():
    graph = graph_of(
        node(
            "a.Member",
            ("email", "EmailField", True),
            ("name", "CharField", False),
            ("password", "CharField", False),
        ),
        node(
            "b.Client",
            ("email_address", "EmailField", True),
            ("full_name", "CharField", False),
            ("pw", "CharField", False),
        ),
        node("c.Server", ("hostname", "CharField", True), ("location_name", "CharField", False)),
    )
    asked = []

    def overlap(model, field, other_model, other_field):
        asked.append((model, field, other_model, other_field))
        return KeyOverlap(model, field, other_model, other_field, distinct=200, shared=120)

    (group,) = find_duplicate_groups(graph, overlap=overlap)
    assert asked == [("a.Member", "email", "b.Client", "email_address")]
    assert group.overlaps == (
        KeyOverlap("a.Member", "email", "b.Client", "email_address", 200, 120),
    )
    (evidence,) = [e for e in group.evidence if e.kind == "key overlap"]
    assert (
        evidence.detail == "60% of a.Member.email values (120 of 200) are in b.Client.email_address"
    )


def test_no_shared_keys_lowers_confidence():
    graph = graph_of(
        node(
            "a.Member",
            ("email", "EmailField", True),
            ("name", "CharField", False),
            ("password", "CharField", False),
        ),
        node(
            "b.Client",
            ("email_address", "EmailField", True),
            ("full_name", "CharField", False),
            ("pw", "CharField", False),
        ),
    )
    (plain,) = find_duplicate_groups(graph)
    (disjoint,) = find_duplicate_groups(
        graph, overlap=lambda m, f, om, of: KeyOverlap(m, f, om, of, distinct=500, shared=0)
    )
    assert disjoint.confidence < plain.confidence


def test_third_party_models_other_than_the_user_model_are_left_out():
    graph = graph_of(
        node(
            "a.Member",
            ("email", "EmailField", True),
            ("name", "CharField", False),
            ("password", "CharField", False),
        ),
        node(
            "allauth.EmailAddress",
            ("email", "EmailField", True),
            ("name", "CharField", False),
            ("password", "CharField", False),
            first_party=False,
        ),
    )
    assert find_duplicate_groups(graph) == []
