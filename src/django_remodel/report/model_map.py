"""The model map: the project's models and how they point at each other."""

from __future__ import annotations

import dataclasses
from typing import Any

from django_remodel.graph import FieldNode, ModelGraph, ModelKind, ModelNode, RelationEdge

_KIND_NOTES = {
    ModelKind.PROXY: "proxy of {parents}",
    ModelKind.MULTI_TABLE_CHILD: "multi-table child of {parents}",
    ModelKind.UNMANAGED: "unmanaged",
    ModelKind.SWAPPED: "swapped out for {swapped_by}",
}


def visible_models(
    graph: ModelGraph, app_labels: list[str] | None = None, *, include_third_party: bool = True
) -> list[ModelNode]:
    """The models a map shows: abstract and auto-created ones are left out."""
    wanted = {label.lower() for label in app_labels} if app_labels else None
    return [
        node
        for node in graph
        if node.kind not in (ModelKind.ABSTRACT, ModelKind.AUTO_CREATED)
        and (wanted is None or node.app_label.lower() in wanted)
        and (include_third_party or node.first_party or wanted is not None)
    ]


def _edge_out(edge: RelationEdge) -> str:
    target = edge.target or "any model"
    through = f" through {edge.through}" if edge.through and not edge.auto_created_through else ""
    return f"{edge.field} -> {target} ({edge.kind}{through})"


def _edge_in(edge: RelationEdge) -> str:
    return f"{edge.source}.{edge.field} ({edge.kind})"


def render_text(
    graph: ModelGraph,
    app_labels: list[str] | None = None,
    *,
    include_third_party: bool = True,
    show_fields: bool = False,
) -> str:
    """A readable map, grouped by app, with every relation in both directions."""
    nodes = visible_models(graph, app_labels, include_third_party=include_third_party)
    shown_edges = [
        edge
        for edge in graph.relations
        if any(edge.source == node.label for node in nodes)
        and graph.model(edge.source).kind != ModelKind.AUTO_CREATED
    ]
    apps_shown = sorted({node.app_label for node in nodes})
    lines = [
        f"Model map: {len(nodes)} models in {len(apps_shown)} apps, "
        f"{len(shown_edges)} relations (AUTH_USER_MODEL = {graph.auth_user_model})",
    ]
    generic = [edge for edge in graph.generic_relations() if edge in shown_edges]
    if generic:
        lines.append(
            "Generic foreign keys (may point at any model): "
            + ", ".join(f"{edge.source}.{edge.field}" for edge in generic)
        )
    for app_label in apps_shown:
        lines.append("")
        lines.append(app_label)
        for node in (n for n in nodes if n.app_label == app_label):
            lines.extend(_model_lines(graph, node, show_fields=show_fields))
    return "\n".join(lines) + "\n"


def _model_lines(graph: ModelGraph, node: ModelNode, *, show_fields: bool) -> list[str]:
    note = _KIND_NOTES.get(node.kind, "")
    note = note.format(parents=", ".join(node.parents), swapped_by=node.swapped_by)
    heading = f"  {node.object_name}"
    if node.has_table:
        heading += f"  [{node.db_table}]  {len(node.concrete_fields)} columns"
    lines = [heading + (f"  ({note})" if note else "")]
    if show_fields:
        for field_node in node.fields:
            lines.append(f"      {field_node.name}: {_field_summary(field_node)}")
    for edge in graph.outgoing(node.label):
        lines.append(f"    -> {_edge_out(edge)}")
    incoming = [
        edge
        for edge in graph.incoming(node.label)
        if graph.model(edge.source).kind != ModelKind.AUTO_CREATED
    ]
    for edge in incoming:
        lines.append(f"    <- {_edge_in(edge)}")
    return lines


def _field_summary(field_node: FieldNode) -> str:
    parts = [field_node.internal_type]
    if field_node.max_length:
        parts[0] += f"({field_node.max_length})"
    for flag in ("primary_key", "unique", "null", "db_index"):
        if getattr(field_node, flag) and not (flag == "db_index" and field_node.related_model):
            parts.append(flag.replace("_", " "))
    if field_node.related_model:
        parts.append(f"-> {field_node.related_model}")
    if field_node.default is not None:
        parts.append(f"default={field_node.default}")
    if field_node.inherited_from:
        parts.append(f"(in {field_node.inherited_from})")
    return " ".join(parts)


def to_json(graph: ModelGraph, nodes: list[ModelNode] | None = None) -> dict[str, Any]:
    """The graph (or only ``nodes`` and their relations) as plain JSON-ready data."""
    shown = list(graph.models) if nodes is None else nodes
    labels = {node.label for node in shown}
    return {
        "auth_user_model": graph.auth_user_model,
        "models": [dataclasses.asdict(node) for node in shown],
        "relations": [
            dataclasses.asdict(edge) for edge in graph.relations if edge.source in labels
        ],
    }
