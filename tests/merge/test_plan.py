"""The merge plan: the audit's mapping of the example's four user tables, overrides,
policies, references, bad input, and the TOML round trip."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import django_remodel.sql.merge
from django_remodel.errors import RemodelError
from django_remodel.graph import ModelGraph
from django_remodel.plans.merge import (
    ANY_SOURCE,
    build_plan,
    dump_plan,
    load_plan,
    parse_assignments,
    plan_options,
)

SOURCES = ["legacy.AppUser", "legacy.CustomerUser", "legacy.AccountUser", "legacy.UserProfile"]


@pytest.fixture(scope="module")
def graph() -> ModelGraph:
    return ModelGraph.build()


def test_the_audit_maps_every_source_field(graph: ModelGraph) -> None:
    plan = build_plan(graph, SOURCES, "legacy.Person", key="email")
    assert plan.target_exists is False
    assert plan.key_normalization == "trim-casefold"  # emails
    assert dict(plan.key_fields) == {
        "legacy.AppUser": "email",
        "legacy.CustomerUser": "email_address",
        "legacy.AccountUser": "account_email",
        "legacy.UserProfile": "user_email",
    }
    assert plan.field("password").sources == (
        ("legacy.AppUser", "password"),
        ("legacy.CustomerUser", "password_hash"),
        ("legacy.AccountUser", "encrypted_password"),
    )
    assert plan.field("created_at").sources == (
        ("legacy.AppUser", "created_at"),
        ("legacy.CustomerUser", "registration_date"),
        ("legacy.AccountUser", "signup_timestamp"),
    )
    # Every column of every source (but the primary keys) goes somewhere.
    for model in SOURCES:
        node = graph.model(model)
        columns = {f.name for f in node.concrete_fields if not f.primary_key}
        placed = {name for m in plan.fields for label, name in m.sources if label == model}
        assert placed == columns, model
    assert all(m.new for m in plan.fields)
    assert {m.policy for m in plan.fields} == {"first"}


def test_references_to_the_sources_are_listed(graph: ModelGraph) -> None:
    plan = build_plan(graph, SOURCES, "legacy.Person", key="email")
    found = {(r.kind, r.model, r.field, r.source) for r in plan.references}
    assert ("foreign key", "scheduling.Appointment", "patient", "legacy.AppUser") in found
    assert ("one-to-one", "billing.BillingAddress", "account", "legacy.AccountUser") in found
    assert ("many-to-many", "messaging.Thread", "participants", "legacy.CustomerUser") in found
    assert ("generic", "reviews.Review", "target", ANY_SOURCE) in {
        (r.kind, r.model, r.field, r.source) for r in plan.references if r.kind == "generic"
    }
    # The table behind a many-to-many field is the field's, not a reference of its own.
    assert not any(r.model == "messaging.Thread_participants" for r in plan.references)


def test_overrides_policies_and_newest(graph: ModelGraph) -> None:
    plan = build_plan(
        graph,
        SOURCES,
        "legacy.Person",
        key="email",
        maps=parse_assignments(["legacy.CustomerUser.full_name=display_name"], "--map"),
        skips=["legacy.UserProfile.bio"],
        policies={"phone": "coalesce", "is_active": "newest"},
        default_policy="error",
        newest_by=[
            "legacy.AppUser.created_at",
            "legacy.CustomerUser.registration_date",
            "legacy.AccountUser.signup_timestamp",
            "legacy.UserProfile.updated_at",
        ],
        keyless="error",
    )
    assert plan.field("display_name").sources[0] == ("legacy.CustomerUser", "full_name")
    assert "legacy.UserProfile.bio" in plan.skipped
    assert not any(m.name == "bio" for m in plan.fields)
    assert plan.field("phone").policy == "coalesce"
    assert plan.field("is_active").policy == "newest"
    assert plan.field("email").policy == "first"  # the key is the key
    assert plan.field("timezone").policy == "error"
    assert dict(plan.newest_by)["legacy.UserProfile"] == "updated_at"
    assert plan.keyless == "error"


def test_plan_round_trips_through_toml(graph: ModelGraph, tmp_path: Path) -> None:
    plan = build_plan(
        graph,
        SOURCES,
        "legacy.Person",
        key="email",
        skips=["legacy.UserProfile.bio"],
        policies={"phone": "coalesce"},
    )
    figures = {"rows": {"legacy.AppUser": 3}, "matched_keys": 1}
    path = tmp_path / "plan.toml"
    path.write_text(dump_plan(plan, figures))
    text = path.read_text()
    assert "[figures.rows]" in text
    assert "matched_keys = 1" in text
    loaded = load_plan(path)
    assert loaded == plan
    rebuilt = build_plan(graph, list(loaded.sources), loaded.target, **plan_options(loaded))
    assert rebuilt == plan


def _fails(
    graph: ModelGraph, message: str, sources: list[str] | None = None, **options: Any
) -> None:
    options.setdefault("key", "email")
    into = options.pop("into", "legacy.Person")
    with pytest.raises(RemodelError, match=re.escape(message)):
        build_plan(graph, sources or SOURCES, into, **options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"key": "nope"}, "--key 'nope' is not a field the sources fill"),
        ({"into": "nowhere.Person"}, "No installed app is labelled 'nowhere'"),
        ({"into": "auth.User"}, "Take the user model over first: remodel swap-user <app>."),
        ({"policies": {"phone": "loudest"}}, "Policy 'loudest' is not one of"),
        ({"policies": {"nope": "first"}}, "--policy names 'nope'"),
        ({"policies": {"phone": "newest"}}, "The 'newest' policy needs a timestamp per source"),
        ({"keyless": "drop"}, "--keyless 'drop' is not one of separate, error"),
        ({"skips": ["legacy.Nope.x"]}, "legacy.Nope is not one of the sources"),
        ({"maps": {("legacy.AppUser", "phone"): "username"}}, "would both fill 'username'"),
        ({"newest_by": ["legacy.AppUser.phone"]}, "is a CharField; name a date or timestamp"),
    ],
)
def test_bad_input_is_refused_with_what_to_do(
    graph: ModelGraph, options: dict[str, Any], message: str
) -> None:
    _fails(graph, message, **options)


def test_models_the_id_map_cannot_tell_apart_are_refused(
    graph: ModelGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two real labels with one number are in tests/merge/test_operations.py; no model of
    # the example has a twin, so here every label gets the same one.
    monkeypatch.setattr(django_remodel.sql.merge, "source_code", lambda label: 7)
    _fails(graph, "legacy.Person and legacy.AppUser get the same number in the id map")


def test_bad_sources(graph: ModelGraph) -> None:
    _fails(graph, "is named twice", ["legacy.AppUser", "legacy.AppUser"])
    _fails(
        graph,
        "alerts.MaintainerCriteria is a multi-table child model",
        ["alerts.MaintainerCriteria"],
    )
    _fails(graph, "is the target", ["legacy.AppUser"], into="legacy.AppUser")
    _fails(graph, "belongs to an installed package", ["auth.Group"])
    _fails(graph, "has no field mapped to the key 'email'", ["legacy.AppUser", "tenants.Tenant"])
