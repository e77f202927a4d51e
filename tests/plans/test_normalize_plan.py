from __future__ import annotations

import dataclasses

import pytest

from django_remodel.errors import UnknownFieldError, UnknownModelError
from django_remodel.graph import ModelGraph
from django_remodel.plans.normalize import (
    NormalizeError,
    build_plan,
    check_values_fit,
    dump_plan,
    load_plan,
)


@pytest.fixture(scope="module")
def graph() -> ModelGraph:
    return ModelGraph.build()


def test_the_story_plan(graph):
    plan = build_plan(graph, "server.Server.location_name", "server.Location.name")
    assert (plan.source_model, plan.source_field) == ("server.Server", "location_name")
    assert (plan.target_model, plan.target_field, plan.fk_name) == (
        "server.Location",
        "name",
        "location",
    )
    assert not plan.target_exists
    assert plan.max_length == 16
    assert not plan.nullable
    assert plan.cleaning() == "values kept exactly as they are"


def test_an_existing_target(graph):
    # auth.Group.name is unique and 150 long: it can hold a 16-character value.
    plan = build_plan(graph, "server.Server.location_name", "auth.Group.name", fk_name="group")
    assert plan.target_exists
    assert (plan.target_model, plan.max_length) == ("auth.Group", 150)


@pytest.mark.parametrize(
    ("source", "into", "options", "message"),
    [
        (
            "server.Server",
            "server.Location.name",
            {},
            "'server.Server' is not a field label; write the column to normalize as "
            "'app_label.Model.field', e.g. 'server.Server.location_name'.",
        ),
        (
            "alerts.Alert.criteria",
            "alerts.Crit.name",
            {},
            "alerts.Alert.criteria is already a relation to alerts.Criteria.",
        ),
        (
            "server.Server.is_active",
            "server.Flag.name",
            {},
            "server.Server.is_active is a BooleanField; only text columns (CharField, "
            "SlugField, EmailField, URLField, TextField) can be normalized.",
        ),
        (
            "server.Server.hostname",
            "server.Host.name",
            {},
            "server.Server.hostname is unique: every value appears once, so there is "
            "nothing to normalize.",
        ),
        (
            "server.Server.location_name",
            "legacy.AppUser.username",
            {},
            "legacy.AppUser.username is not unique; the lookup table needs one row per "
            "value. Make it unique first (unique=True), or choose another target.",
        ),
        (
            "server.Server.location_name",
            "auth.Group.nope",
            {},
            "auth.Group exists but has no field 'nope'; name one of its text fields, or a "
            "new model, with --into.",
        ),
        (
            "server.Server.location_name",
            "server.Location.name",
            {"fk_name": "rack"},
            "server.Server already has a field 'rack'; name the foreign key with --fk-name.",
        ),
        (
            "server.Server.location_name",
            "server.Location.name",
            {"on_delete": "SET_NULL"},
            "--on-delete SET_NULL needs a nullable key: server.Server.location would be "
            "NOT NULL; add --null.",
        ),
        (
            "server.Server.location_name",
            "nosuch.Location.name",
            {},
            "No installed app is labelled 'nosuch'; the target model must live in an "
            "installed app (known: ",
        ),
    ],
)
def test_bad_input(graph, source, into, options, message):
    with pytest.raises(NormalizeError) as error:
        build_plan(graph, source, into, **options)
    assert str(error.value).startswith(message)


def test_unknown_names(graph):
    with pytest.raises(UnknownModelError):
        build_plan(graph, "server.Servr.location_name", "server.Location.name")
    with pytest.raises(UnknownFieldError):
        build_plan(graph, "server.Server.location", "server.Location.name")


def test_measured_values_must_fit(graph):
    plan = build_plan(graph, "server.Server.location_name", "auth.Group.name", fk_name="group")
    check_values_fit(plan, 150)
    with pytest.raises(NormalizeError, match="holds values of up to 151 characters"):
        check_values_fit(plan, 151)


def test_plan_round_trips_through_toml(graph, tmp_path):
    plan = build_plan(
        graph,
        "server.Server.location_name",
        "server.Location.name",
        strip=True,
        batch_size=5000,
        related_name="servers",
        drop_indexes=("server_location_name_idx",),
    )
    path = tmp_path / "plan.toml"
    path.write_text(dump_plan(plan, {"rows": 30000, "distinct_values": 36}))
    assert load_plan(path) == plan
    text = path.read_text()
    assert "# Values are compared with surrounding spaces removed." in text
    assert "[figures]\nrows = 30000\ndistinct_values = 36" in text


def test_edited_plan_with_unknown_keys(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text('[normalize]\nsource_model = "server.Server"\ncolour = "blue"\n')
    with pytest.raises(NormalizeError, match="has unknown keys: colour"):
        load_plan(path)


def test_plans_are_frozen(graph):
    plan = build_plan(graph, "server.Server.location_name", "server.Location.name")
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.fk_name = "x"  # type: ignore[misc]
