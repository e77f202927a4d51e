"""Where ``cut_runs`` cuts histories: once per app unless the history crosses between apps."""

from __future__ import annotations

from django.db.migrations import Migration
from django.db.migrations.graph import MigrationGraph

from django_remodel.squash.segments import Unit, cut_runs


def graph_of(edges: dict[str, list[str]]) -> MigrationGraph:
    """A graph from ``{"a.2": ["a.1", "b.1"], ...}`` (node: its dependencies)."""
    graph = MigrationGraph()
    names = set(edges) | {d for deps in edges.values() for d in deps}
    for name in sorted(names):
        app, number = name.split(".")
        graph.add_node((app, number), Migration(number, app))
    for name, deps in edges.items():
        app, number = name.split(".")
        for dep in deps:
            dep_app, dep_number = dep.split(".")
            graph.add_dependency(name, (app, number), (dep_app, dep_number))
    return graph


def runs_of(graph: MigrationGraph, apps: list[str]) -> dict[str, list[list[str]]]:
    return {
        app: [[name for _app, name in run.keys] for run in runs]
        for app, runs in cut_runs(graph, apps).items()
    }


def test_one_run_per_app_when_apps_depend_one_way():
    graph = graph_of(
        {
            "a.1": [],
            "a.2": ["a.1"],
            "a.3": ["a.2"],
            "b.1": ["a.2"],
            "b.2": ["b.1", "a.3"],
            "c.1": ["b.1"],
        }
    )
    assert runs_of(graph, ["a", "b", "c"]) == {
        "a": [["1", "2", "3"]],
        "b": [["1", "2"]],
        "c": [["1"]],
    }
    (b_run,) = cut_runs(graph, ["a", "b", "c"])["b"]
    assert b_run.depends_on == {Unit("a", 0)}


def test_a_history_that_crosses_back_is_cut_where_it_crossed():
    # b.1 needs a.1; a.3 needs b.2: a cannot be one migration.
    graph = graph_of(
        {
            "a.1": [],
            "a.2": ["a.1"],
            "b.1": ["a.1"],
            "b.2": ["b.1"],
            "a.3": ["a.2", "b.2"],
            "a.4": ["a.3"],
        }
    )
    runs = cut_runs(graph, ["a", "b"])
    assert runs_of(graph, ["a", "b"]) == {"a": [["1", "2"], ["3", "4"]], "b": [["1", "2"]]}
    assert runs["b"][0].depends_on == {Unit("a", 0)}
    assert runs["a"][1].depends_on == {Unit("a", 0), Unit("b", 0)}


def test_a_kept_app_in_between_also_forces_a_cut():
    # c is not squashed: c.1 needs a.1 and a.2 needs c.1.
    graph = graph_of({"a.1": [], "c.1": ["a.1"], "a.2": ["a.1", "c.1"], "a.3": ["a.2"]})
    runs = cut_runs(graph, ["a"])
    assert runs_of(graph, ["a"]) == {"a": [["1"], ["2", "3"]]}
    assert runs["a"][1].depends_on == {Unit("a", 0), Unit("c", -1, "1")}


def test_independent_nodes_are_taken_in_before_a_cut():
    # a.2 does not need b, so it joins a's first run although b.1 came first.
    graph = graph_of({"a.1": [], "b.1": ["a.1"], "a.2": ["a.1"], "a.3": ["a.2", "b.1"]})
    assert runs_of(graph, ["a", "b"]) == {"a": [["1", "2"], ["3"]], "b": [["1"]]}


def test_a_kept_migration_of_a_squashed_app_is_cut_around():
    # a.3 replaces others (a renamed migration): it stays, a is squashed before and after it.
    graph = graph_of({"a.1": [], "a.2": ["a.1"], "a.3": ["a.2"], "a.4": ["a.3"], "a.5": ["a.4"]})
    runs = cut_runs(graph, ["a"], kept=[("a", "3")])
    assert [[name for _app, name in run.keys] for run in runs["a"]] == [["1", "2"], ["4", "5"]]
    assert runs["a"][1].depends_on == {Unit("a", -1, "3")}


def test_a_migration_that_moves_a_model_starts_a_run():
    # b.1 takes over a model a.1 created; a.2 lets go of it. A database may stop with a.1
    # and b.1 applied and a.2 not: a's runs are cut before a.2.
    graph = graph_of({"a.1": [], "b.1": ["a.1"], "a.2": ["a.1"], "a.3": ["a.2"]})
    runs = cut_runs(graph, ["a", "b"], cut_before=[("a", "2"), ("b", "1")])
    assert [[name for _app, name in run.keys] for run in runs["a"]] == [["1"], ["2", "3"]]
    assert [[name for _app, name in run.keys] for run in runs["b"]] == [["1"]]
    assert runs["b"][0].depends_on == {Unit("a", 0)}
