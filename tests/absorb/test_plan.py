"""``remodel absorb``'s plan: what it refuses, and its TOML round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from django_remodel.graph import ModelGraph
from django_remodel.plans.absorb import (
    AbsorbError,
    AbsorbPlan,
    Reference,
    build_plan,
    dump_plan,
    load_plan,
)


@pytest.fixture(scope="module")
def graph() -> ModelGraph:
    return ModelGraph.build()


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        (
            "accounts.Profile",
            "auth.User",
            "auth.User (the target) belongs to an installed package; it cannot be edited. "
            "Swap in a user model of your own first: remodel swap-user APP.",
        ),
        (
            "testapp.Badge",
            "testapp.Person",
            "testapp.Badge has no fields to absorb besides its link.",
        ),
        (
            "testapp.Team",
            "testapp.Person",
            "testapp.Team needs exactly one one-to-one field to testapp.Person to be absorbed "
            "into it, and has none.",
        ),
        (
            "testapp.Employee",
            "testapp.Person",
            "testapp.Employee (the profile) is a multi-table child model; absorb folds one "
            "concrete model into another. Detach it from its parent first (remodel detach).",
        ),
        (
            "testapp.Person",
            "testapp.Person",
            "testapp.Person cannot absorb itself; name two models.",
        ),
        (
            "testapp.Badge",
            "",
            "Name the profile and the model that takes its fields: remodel absorb "
            "app.Profile --into app.User (or --plan FILE).",
        ),
    ],
)
def test_refused(graph: ModelGraph, source: str, target: str, message: str) -> None:
    with pytest.raises(AbsorbError) as error:
        build_plan(graph, source, target)
    assert str(error.value) == message


def test_batch_size_is_checked(graph: ModelGraph) -> None:
    with pytest.raises(AbsorbError, match=r"--batch-size -1 is not a number of rows"):
        build_plan(graph, "accounts.Profile", "accounts.Profile", batch_size=-1)


def test_plan_round_trips_through_toml(tmp_path: Path) -> None:
    plan = AbsorbPlan(
        source="accounts.Profile",
        target="accounts.User",
        link="user",
        accessor="profile",
        fields=("phone", "bio"),
        references=(Reference("accounts.Badge", "owner", "owner_user"),),
        batch_size=0,
        lock_timeout_ms=500,
        name="fold",
    )
    path = tmp_path / "plan.toml"
    path.write_text(dump_plan(plan, {"User rows without a Profile": 3}))
    text = path.read_text()
    assert '[absorb]\nsource = "accounts.Profile"\ntarget = "accounts.User"\n' in text
    assert '"User rows without a Profile" = 3' in text
    assert load_plan(path) == (
        "accounts.Profile",
        "accounts.User",
        {"batch_size": 0, "lock_timeout_ms": 500, "pause": 0.0, "name": "fold"},
    )
    path.write_text(text.replace("[absorb]", "[absorb]\ncolour = 1"))
    with pytest.raises(AbsorbError, match=r"has unknown keys: colour\."):
        load_plan(path)


@pytest.mark.django_db
def test_command_turns_errors_into_command_errors() -> None:
    with pytest.raises(CommandError) as error:
        call_command("remodel", "absorb", "accounts.Profile", "--into", "auth.User")
    assert "remodel swap-user APP" in str(error.value)
