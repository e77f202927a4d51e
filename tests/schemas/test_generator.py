"""The synthetic-project generator: deterministic, well-formed, and faithful to Django."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from django_remodel.graph import ModelGraph, ModelKind, ModelNode, RelationKind
from tests.schemas.evaluate import Mistake, pairs_of, pairwise_scores
from tests.schemas.generator import (
    CATALOG,
    ENTITIES,
    LabeledProject,
    describe,
    generate_project,
    vocabulary_summary,
)
from tests.schemas.registry import build_registry

SEEDS = range(60)
HARD_LOOKALIKES = {
    "Company",
    "NewsletterSubscription",
    "EmailTemplate",
    "Invoice",
    "Payment",
    "Tag",
    "Category",
}
TABLED = (ModelKind.CONCRETE, ModelKind.UNMANAGED)


@pytest.fixture(scope="module")
def projects() -> list[LabeledProject]:
    return [generate_project(seed) for seed in SEEDS]


def _without_source(graph: ModelGraph) -> dict[str, ModelNode]:
    return {node.label: replace(node, source_file=None) for node in graph.models}


def test_same_seed_same_project():
    first, again = generate_project(7), generate_project(7)
    assert first == again
    assert first.notes == again.notes
    assert generate_project(8).graph != first.graph


def test_sizes(projects):
    for project in projects:
        first_party = project.first_party_models
        assert 15 <= len(first_party) <= 60, project.seed
        assert 3 <= len({node.app_label for node in first_party}) <= 8, project.seed
        assert 1 <= len(project.groups) <= 3, project.seed


def test_size_options():
    project = generate_project(3, models=25, groups=2, auth=False, apps=4)
    assert len(project.first_party_models) == 25
    assert len(project.groups) == 2
    assert "auth.User" not in {node.label for node in project.graph.models}
    assert len(project.graph.app_labels()) <= 4


def test_planted_groups_are_models_of_the_graph(projects):
    for project in projects:
        assert len(project.group_kinds) == len(project.groups)
        seen: set[str] = set()
        for kind, group in zip(project.group_kinds, project.groups, strict=True):
            assert kind in ENTITIES
            assert 2 <= len(group) <= 5, (project.seed, group)
            assert not group & seen, "groups overlap"
            seen |= group
            for label in group:
                node = project.graph.model(label)
                assert node.label == label
                assert node.kind in TABLED
                assert project.notes[label].entity == kind or label == "auth.User"


def test_auth_user_belongs_to_the_person_group(projects):
    with_auth = [p for p in projects if "auth.User" in {n.label for n in p.graph.models}]
    assert 0 < len(with_auth) < len(projects)
    person_groups = 0
    for project in with_auth:
        user = project.graph.model("auth.User")
        assert not user.first_party
        assert [f.name for f in user.concrete_fields][:4] == [
            "id",
            "password",
            "last_login",
            "is_superuser",
        ]
        if "person" in project.group_kinds:
            person_groups += 1
            group = project.groups[project.group_kinds.index("person")]
            assert "auth.User" in group
        else:
            assert project.group_of("auth.User") is None
    assert person_groups > 0


def test_outside_groups_every_entity_is_stored_once(projects):
    for project in projects:
        entities = Counter(
            note.entity
            for label, note in project.notes.items()
            if project.group_of(label) is None
            and note.category in ("background", "lookalike", "child", "django")
            and project.graph.model(label).kind in TABLED
        )
        duplicated = [entity for entity, count in entities.items() if count > 1]
        assert not duplicated, (project.seed, duplicated)
        planted = set(project.group_kinds)
        for label, note in project.notes.items():
            if project.group_of(label) is None and note.category != "proxy":
                assert note.entity not in planted, (project.seed, label)


def test_lookalikes_are_present(projects):
    names = set()
    for project in projects:
        lookalikes = [
            label
            for label, note in project.notes.items()
            if note.category in ("lookalike", "child") and note.resembles
        ]
        assert len(lookalikes) >= 2, project.seed
        names |= {label.split(".")[1] for label in lookalikes}
    assert names >= HARD_LOOKALIKES - {"Tag", "Category"}
    everywhere = {node.object_name for p in projects for node in p.graph.models}
    assert everywhere >= HARD_LOOKALIKES


def test_labels_and_tables_are_unique(projects):
    for project in projects:
        labels = [node.label.lower() for node in project.graph.models]
        assert len(labels) == len(set(labels))
        tables = [node.db_table for node in project.graph.models if node.db_table]
        assert len(tables) == len(set(tables)), project.seed


def test_models_have_an_id_and_valid_fields(projects):
    for project in projects:
        for node in project.graph.models:
            if node.kind == ModelKind.ABSTRACT:
                continue
            pk = node.fields[0]
            assert (pk.name, pk.primary_key) == ("id", True)
            assert pk.internal_type in ("AutoField", "BigAutoField")
            names = [f.name for f in node.fields]
            assert len(names) == len(set(names)), node.label
            attnames = [f.attname for f in node.fields]
            assert len(attnames) == len(set(attnames)), node.label
            for name in names:
                assert name.isidentifier()
                assert "__" not in name


def test_relations_match_relation_fields(projects):
    for project in projects:
        graph = project.graph
        edges = {(edge.source, edge.field): edge for edge in graph.relations}
        assert len(edges) == len(graph.relations)
        expected = set()
        for node in graph.models:
            if node.kind not in (*TABLED, ModelKind.AUTO_CREATED):
                continue
            for f in node.fields:
                if f.internal_type in ("ForeignKey", "OneToOneField"):
                    assert f.attname == f.column == f"{f.name}_id"
                    edge = edges[(node.label, f.name)]
                    kind = (
                        RelationKind.FOREIGN_KEY
                        if f.internal_type == "ForeignKey"
                        else RelationKind.ONE_TO_ONE
                    )
                    assert (edge.kind, edge.target, edge.null) == (kind, f.related_model, f.null)
                    graph.model(f.related_model or "")
                elif f.internal_type == "ManyToManyField":
                    edge = edges[(node.label, f.name)]
                    assert edge.kind == RelationKind.MANY_TO_MANY
                    assert graph.model(edge.through or "").kind == ModelKind.AUTO_CREATED
                elif f.internal_type == "GenericForeignKey":
                    assert edges[(node.label, f.name)].target is None
                else:
                    continue
                expected.add((node.label, f.name))
        assert expected == set(edges), project.seed


def test_members_keep_the_identifying_attribute_and_vary(projects):
    spellings: Counter[str] = Counter()
    for project in projects:
        for group in project.groups:
            first_party = [project.graph.model(label) for label in group if label != "auth.User"]
            names = {tuple(sorted(f.name for f in node.fields)) for node in first_party}
            assert len(names) == len(first_party), "members should not be identical"
            for node in first_party:
                spellings.update(f.name for f in node.fields)
    assert len(spellings) > 600


def test_vocabulary_is_rich():
    summary = vocabulary_summary()
    assert set(summary) == set(ENTITIES)
    for counts in summary.values():
        assert counts["nouns"] >= 5
        assert counts["spellings"] >= 80
    assert len(CATALOG) >= 60


@pytest.mark.parametrize("seed", [0, 1, 2, 5, 8, 13, 21, 1000])
def test_django_reads_back_the_same_graph(seed):
    project = generate_project(seed)
    built = ModelGraph.build(apps=build_registry(project.graph))
    assert _without_source(built) == _without_source(project.graph)
    assert Counter(built.relations) == Counter(project.graph.relations)


def test_django_models_match_the_real_auth_models():
    real = _without_source(ModelGraph.build())
    generated = _without_source(generate_project(0, auth=True).graph)
    django_labels = [
        label for label in generated if label.split(".")[0] in ("auth", "contenttypes")
    ]
    assert len(django_labels) == 10
    for label in django_labels:
        assert generated[label] == real[label], label


def test_five_hundred_models_in_a_django_registry():
    project = generate_project(0, models=500, auth=True)
    assert len(project.first_party_models) == 500
    registry = build_registry(project.graph)
    models = registry.get_models()
    own = [m for m in models if m._meta.app_label not in ("auth", "contenttypes")]
    assert len(own) == 500
    assert {m._meta.label for m in models if m not in own} == {
        "auth.Permission",
        "auth.Group",
        "auth.User",
        "contenttypes.ContentType",
    }
    assert len(project.groups) >= 3


def test_pairwise_scores_count_pairs():
    project = generate_project(4)
    planted = project.groups
    perfect = pairwise_scores([project], lambda graph: planted)
    assert (perfect.precision, perfect.recall, perfect.exact_group_accuracy) == (1.0, 1.0, 1.0)
    assert not perfect.false_pairs
    assert not perfect.missed_pairs

    biggest = max(planted, key=len)
    first, second = sorted(biggest)[:2]
    outsider = next(
        n.label for n in project.first_party_models if project.group_of(n.label) is None
    )
    scores = pairwise_scores([project], lambda graph: [{first, second, outsider}])
    assert scores.predicted_pairs == 3
    assert scores.correct_pairs == 1
    assert scores.planted_pairs == len(pairs_of(planted))
    assert scores.precision == pytest.approx(1 / 3)
    assert scores.exact_groups == 0
    assert len(scores.false_pairs) == 2
    assert all(isinstance(m, Mistake) and m.seed == 4 for m in scores.false_pairs)

    def crash(graph):
        raise RuntimeError("boom")

    crashed = pairwise_scores([project], crash)
    assert crashed.failures == [(4, "RuntimeError: boom")]
    assert crashed.recall == 0.0
    assert crashed.precision == 1.0


def test_describe_marks_keys_and_relations():
    project = generate_project(12)
    line = describe(project.graph.model("auth.User"))
    assert line.startswith("auth.User(password, last_login, is_superuser, username!")
    assert "groups->auth.Group" in line
