"""The detach plan: checked against the example's model graph, clear errors, TOML round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from django_remodel.graph import ModelGraph
from django_remodel.plans.detach import DetachError, build_plan, dump_plan, load_plan

CHILDREN = ["alerts.MaintainerCriteria", "alerts.ContributorCriteria"]


@pytest.fixture(scope="module")
def graph() -> ModelGraph:
    return ModelGraph.build()


def test_the_story_plan(graph):
    plan = build_plan(graph, CHILDREN)
    assert plan.parent == "alerts.Criteria"
    assert plan.links == ("criteria", "criteria_ptr")
    assert plan.fields == ("tenant", "enabled", "name", "description", "created_at")
    [reference] = plan.references
    assert (reference.model, reference.field) == ("alerts.Alert", "criteria")
    assert reference.new_fields == ("maintainer_criteria", "contributor_criteria")
    assert plan.drops_parent
    generic = build_plan(graph, CHILDREN, reference_kind="generic")
    assert generic.references[0].new_fields == ("criteria_content_type", "criteria_object_id")


def test_one_child_keeps_the_parent_for_the_other(graph):
    plan = build_plan(graph, ["alerts.MaintainerCriteria"])
    assert plan.remaining_children == ("alerts.ContributorCriteria",)
    assert plan.keep_parent
    assert plan.base_name == "CriteriaBase"


@pytest.mark.parametrize(
    ("children", "options", "message"),
    [
        (
            ["alerts.Alert"],
            {},
            "alerts.Alert is a concrete model, not a multi-table child: it has no parent table "
            "to detach from. Name models that inherit from a concrete model.",
        ),
        ([], {}, "Name the children to detach: remodel detach app.Child [app.Child ...]"),
        (
            CHILDREN,
            {"orphans": "maybe"},
            "--orphans 'maybe' is not one of error, null, keep-parent.",
        ),
        (
            CHILDREN,
            {"batch_size": -1},
            "--batch-size -1 is not a number of rows; give 0 or more",
        ),
        (["alerts.MaintainerCriteria"] * 2, {}, "A child is named twice; name each one once."),
    ],
)
def test_errors(graph, children, options, message):
    with pytest.raises(DetachError) as error:
        build_plan(graph, children, **options)
    assert str(error.value).startswith(message)


def test_generic_needs_contenttypes(graph):
    without = ModelGraph(
        models=tuple(node for node in graph if node.app_label != "contenttypes"),
        relations=graph.relations,
    )
    with pytest.raises(DetachError, match=r"django\.contrib\.contenttypes is not installed"):
        build_plan(without, CHILDREN, reference_kind="generic")


def test_toml_round_trip(graph, tmp_path: Path):
    plan = build_plan(graph, CHILDREN, orphans="keep-parent", batch_size=100, name="detach")
    path = tmp_path / "plan.toml"
    path.write_text(dump_plan(plan, {"Criteria rows": 3}), encoding="utf-8")
    children, choices = load_plan(path)
    assert build_plan(graph, children, **choices) == plan
    path.write_text(path.read_text().replace("orphans =", "orphan ="), encoding="utf-8")
    with pytest.raises(DetachError, match="unknown keys: orphan"):
        load_plan(path)
