"""The project's models as a mermaid ``erDiagram``.

The output parses with mermaid 10 and 11: entity names are identifiers such as
``legacy_AppUser``, attributes use plain type words, and duplicate groups are
described in ``%%`` comments rather than styles, because ``erDiagram`` only
accepts ``classDef``/``class`` from mermaid 11.5 on. Pass ``styled=True`` to
colour the members as well, for viewers known to run mermaid 11.5 or later.

Relations, read left to right (``source cardinality--cardinality target``):

* foreign key: ``}o--||`` (``}o--o|`` when nullable),
* one-to-one and multi-table parent link: ``|o--||`` (``|o--o|`` when nullable),
* many-to-many: ``}o--o{``; one with its own through model is drawn as that
  model's two foreign keys instead, and noted in a comment,
* generic foreign keys cannot be drawn (they may point at any model): they
  appear as an attribute and in a comment.
"""

from __future__ import annotations

import re

from django_remodel.audit.result import AuditReport
from django_remodel.graph import FieldNode, ModelNode, RelationKind
from django_remodel.report import _common

MAX_ATTRIBUTES = 8
"""Attributes listed per entity: primary key, relations, unique and mapped fields first."""

_GROUP_STYLES = (
    "fill:#fde68a,stroke:#b45309,stroke-width:2px",
    "fill:#fbcfe8,stroke:#be185d,stroke-width:2px",
    "fill:#99f6e4,stroke:#0f766e,stroke-width:2px",
    "fill:#ddd6fe,stroke:#6d28d9,stroke-width:2px",
    "fill:#d9f99d,stroke:#4d7c0f,stroke-width:2px",
)

_KEY_WORDS = {"pk", "fk", "uk"}


def render(report: AuditReport, *, show_values: bool = False, styled: bool = False) -> str:
    """The ER diagram of every model with a table, as mermaid source text.

    ``show_values`` is accepted for symmetry with the other renderers: the
    diagram shows only the schema.
    """
    graph = report.graph
    nodes = _common.diagram_models(graph)
    names = entity_names(nodes)
    relations = _common.diagram_relations(graph, set(names))
    members = _common.memberships(report)
    wanted: dict[str, set[str]] = {}
    for group in report.groups:
        for label, fields in _common.mapped_fields(group).items():
            wanted.setdefault(label, set()).update(fields)

    lines = ["erDiagram"]
    lines.append(
        f"    %% django-remodel audit: {len(nodes)} models with a table, "
        f"{len(relations.edges)} relations"
    )
    lines += _legend_lines(report, names, relations)
    for node in nodes:
        lines += _entity_lines(node, names[node.label], wanted.get(node.label, set()))
    for item in relations.edges:
        edge = item.edge
        lines.append(
            f"    {names[item.source]} {_cardinality(edge.kind, edge.null)} "
            f'{names[item.target]} : "{_comment(_role(edge.kind, edge.field))}"'
        )
    if styled and members:
        lines += _style_lines(report, names)
    return "\n".join(lines) + "\n"


def entity_names(nodes: list[ModelNode]) -> dict[str, str]:
    """A distinct mermaid name per model label: ``legacy.AppUser`` -> ``legacy_AppUser``."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for node in nodes:
        base = re.sub(r"\W", "_", node.label.replace(".", "_"), flags=re.ASCII)
        if not base[:1].isalpha():
            base = "m_" + base
        name, n = base, 2
        while name.lower() in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name.lower())
        names[node.label] = name
    return names


def _cardinality(kind: RelationKind, null: bool) -> str:
    target = "o|" if null else "||"
    if kind == RelationKind.MANY_TO_MANY:
        return "}o--o{"
    if kind in (RelationKind.ONE_TO_ONE, RelationKind.PARENT_LINK):
        return "|o--" + target
    return "}o--" + target


def _role(kind: RelationKind, field: str) -> str:
    return f"{field} (parent link)" if kind == RelationKind.PARENT_LINK else field


def _legend_lines(
    report: AuditReport, names: dict[str, str], relations: _common.DiagramRelations
) -> list[str]:
    lines = [
        "    %% Cardinalities: }o--|| foreign key, |o--|| one-to-one or parent link,",
        "    %% }o--o{ many-to-many; o| on the right: the key may be NULL.",
    ]
    if report.groups:
        lines.append("    %% Duplicate groups (models storing the same entity; * canonical):")
        for number, group in enumerate(report.groups, start=1):
            members = ", ".join(
                names.get(label, label) + ("*" if label == group.canonical else "")
                for label in group.models
            )
            lines.append(f"    %%   group {number}: {members}")
    for edge in relations.generic:
        lines.append(
            f"    %% {names.get(edge.source, edge.source)}.{edge.field}: "
            "generic foreign key, may point at any model"
        )
    for edge in relations.through:
        lines.append(
            f"    %% {names.get(edge.source, edge.source)}.{edge.field}: "
            f"many-to-many to {edge.target} through {edge.through}"
        )
    return lines


def _entity_lines(node: ModelNode, name: str, wanted: set[str]) -> list[str]:
    fields, hidden = _common.key_fields(node, MAX_ATTRIBUTES, wanted, columns_only=True)
    lines = []
    if hidden:
        lines.append(f"    %% {name}: {_common.plural(hidden, 'more field')} not listed")
    if not fields:
        return [*lines, f"    {name}"]
    lines.append(f"    {name} {{")
    for f in fields:
        lines.append("        " + _attribute(node, f))
    lines.append("    }")
    return lines


def _attribute(node: ModelNode, f: FieldNode) -> str:
    type_word = re.sub(r"\W", "_", f.internal_type, flags=re.ASCII) or "Field"
    if not type_word[0].isalpha():
        type_word = "T" + type_word
    attr = re.sub(r"\W", "_", f.column or f.name, flags=re.ASCII) or "field"
    if attr.lower() in _KEY_WORDS or not (attr[0].isalpha() or attr[0] == "_"):
        attr = "f_" + attr
    keys = []
    if f.primary_key:
        keys.append("PK")
    if f.related_model is not None and _common.is_column(f):
        keys.append("FK")
    if f.unique and not f.primary_key:
        keys.append("UK")
    notes = []
    if f.max_length:
        notes.append(f"max {f.max_length}")
    if f.related_model is not None:
        notes.append(f"-> {f.related_model}")
    if f.internal_type == "GenericForeignKey":
        notes.append("generic: any model")
    if f.null and _common.is_column(f):
        notes.append("null")
    text = f"{type_word} {attr}"
    if keys:
        text += " " + ", ".join(keys)
    if notes:
        text += f' "{_comment(", ".join(notes))}"'
    return text


def _comment(text: str) -> str:
    """Text safe inside mermaid double quotes."""
    return re.sub(r'["\\%\r\n\v\b]', "", text) or "-"


def _style_lines(report: AuditReport, names: dict[str, str]) -> list[str]:
    lines = []
    for number, group in enumerate(report.groups, start=1):
        members = [names[label] for label in group.models if label in names]
        if not members:
            continue
        style = _GROUP_STYLES[(number - 1) % len(_GROUP_STYLES)]
        lines.append(f"    classDef duplicate{number} {style}")
        lines.append(f"    class {','.join(members)} duplicate{number}")
    return lines
