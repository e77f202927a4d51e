"""Helpers shared by the audit report renderers: what to show and how to count it.

Everything here reads the report's plain data; nothing touches the database.
Reports show the schema, counts, sizes and ratios only, never a row's values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django_remodel.audit.result import AuditReport, DuplicateGroup, KeyOverlap
from django_remodel.errors import UnknownModelError
from django_remodel.graph import (
    FieldNode,
    ModelGraph,
    ModelKind,
    ModelNode,
    RelationEdge,
    RelationKind,
)
from django_remodel.report.model_map import visible_models

TABLED_KINDS = (ModelKind.CONCRETE, ModelKind.MULTI_TABLE_CHILD, ModelKind.UNMANAGED)
"""Kinds of model a diagram draws: the ones with a table of their own."""


@dataclass(frozen=True)
class Summary:
    """The figures of a report's header."""

    models: int
    first_party: int
    apps: int
    relations: int
    auth_user_model: str


def summary(report: AuditReport) -> Summary:
    """Counts as the model map makes them: abstract and auto-created models left out."""
    graph = report.graph
    nodes = visible_models(graph)
    labels = {node.label for node in nodes}
    relations = [edge for edge in graph.relations if edge.source in labels]
    return Summary(
        models=len(nodes),
        first_party=sum(1 for node in nodes if node.first_party),
        apps=len({node.app_label for node in nodes}),
        relations=len(relations),
        auth_user_model=graph.auth_user_model,
    )


def diagram_models(graph: ModelGraph) -> list[ModelNode]:
    """The models a diagram draws: every model with a table, auto-created ones excepted."""
    return [node for node in graph if node.kind in TABLED_KINDS]


def resolve(graph: ModelGraph, label: str) -> str | None:
    """The drawn model that stands for ``label``: proxies and swapped models lead on."""
    seen: set[str] = set()
    current: str | None = label
    while current is not None and current not in seen:
        seen.add(current)
        try:
            node = graph.model(current)
        except UnknownModelError:
            return None
        if node.kind in TABLED_KINDS:
            return node.label
        if node.kind == ModelKind.PROXY and node.parents:
            current = node.parents[0]
        elif node.kind == ModelKind.SWAPPED and node.swapped_by:
            current = node.swapped_by
        else:
            return None
    return None


@dataclass(frozen=True)
class DiagramEdge:
    """A relation as a diagram draws it, between two drawn models."""

    edge: RelationEdge
    source: str
    target: str


@dataclass(frozen=True)
class DiagramRelations:
    edges: list[DiagramEdge]
    """Foreign keys, one-to-ones, parent links and many-to-manys between drawn models."""
    generic: list[RelationEdge]
    """Generic foreign keys of drawn models: they may point at any model."""
    through: list[RelationEdge]
    """Many-to-manys with a through model of their own (drawn as its two foreign keys)."""


def diagram_relations(graph: ModelGraph, labels: set[str] | None = None) -> DiagramRelations:
    """The relations between the drawn models (all of ``diagram_models`` by default)."""
    if labels is None:
        labels = {node.label for node in diagram_models(graph)}
    edges: list[DiagramEdge] = []
    generic: list[RelationEdge] = []
    through: list[RelationEdge] = []
    for edge in graph.relations:
        if edge.source not in labels:
            continue
        if edge.kind == RelationKind.GENERIC_FOREIGN_KEY or edge.target is None:
            generic.append(edge)
            continue
        if (
            edge.kind == RelationKind.MANY_TO_MANY
            and edge.through
            and not edge.auto_created_through
            and resolve(graph, edge.through) in labels
        ):
            through.append(edge)
            continue
        target = resolve(graph, edge.target)
        if target is None or target not in labels:
            continue
        edges.append(DiagramEdge(edge=edge, source=edge.source, target=target))
    return DiagramRelations(edges=edges, generic=generic, through=through)


@dataclass(frozen=True)
class Membership:
    """A model's place in a duplicate group."""

    group: int
    """1-based number of the group in the report."""
    canonical: bool


def memberships(report: AuditReport) -> dict[str, Membership]:
    """Duplicate-group membership per model label (the first group wins)."""
    result: dict[str, Membership] = {}
    for number, group in enumerate(report.groups, start=1):
        for label in group.models:
            result.setdefault(label, Membership(number, label == group.canonical))
    return result


def mapped_fields(group: DuplicateGroup) -> dict[str, set[str]]:
    """Per member, the names of its fields that appear in the group's mapping."""
    result: dict[str, set[str]] = {label: set() for label in group.models}
    for row in group.mapping:
        for label, name in row.fields:
            if name is not None:
                result.setdefault(label, set()).add(name)
    return result


def finding_subjects(report: AuditReport) -> dict[str, list[str]]:
    """Finding kinds per model label (subjects ``app.Model`` and ``app.Model.field``)
    and per app label (subjects that name an app)."""
    result: dict[str, list[str]] = {}
    for finding in report.findings:
        parts = finding.subject.split(".")
        subject = ".".join(parts[:2])
        result.setdefault(subject, []).append(str(finding.kind))
    return result


def is_many_to_many(f: FieldNode) -> bool:
    return f.internal_type == "ManyToManyField"


def is_column(f: FieldNode) -> bool:
    """True for fields stored as a column (many-to-manys and generic keys are not)."""
    return f.column is not None and not is_many_to_many(f)


def key_fields(
    node: ModelNode, limit: int, wanted: set[str] | None = None, *, columns_only: bool = False
) -> tuple[list[FieldNode], int]:
    """The fields worth showing in a small box: keys, relations, ``wanted``, then the rest.

    Returns at most ``limit`` fields in declaration order and how many were left out.
    Inherited fields (held by a parent's table) are left out, and with
    ``columns_only`` many-to-manys and generic foreign keys too.
    """
    own = [
        f
        for f in node.fields
        if f.inherited_from is None
        and (is_column(f) or not columns_only or f.internal_type == "GenericForeignKey")
    ]
    wanted = wanted or set()

    def rank(f: FieldNode) -> int:
        if f.primary_key:
            return 0
        if f.related_model is not None or f.internal_type == "GenericForeignKey":
            return 1
        if f.unique or f.name in wanted:
            return 2
        return 3

    ordered = sorted(range(len(own)), key=lambda i: (rank(own[i]), i))
    chosen = sorted(ordered[:limit])
    return [own[i] for i in chosen], max(0, len(own) - limit)


def count(n: int) -> str:
    """``12,345``."""
    return f"{n:,}"


def compact_count(n: int) -> str:
    """``950``, ``9.8k``, ``2.5M``, ``1.2G``: a count in four characters or so."""
    if abs(n) < 1000:
        return str(n)
    value = float(n)
    text = str(n)
    for unit in ("k", "M", "G", "T"):
        value /= 1000
        text = f"{value:.1f}" if abs(value) < 99.95 else f"{value:.0f}"
        if abs(float(text)) < 1000 or unit == "T":
            return text.removesuffix(".0") + unit
    return text  # pragma: no cover


def size(n: int | None) -> str:
    """Bytes for humans, in powers of 1024: ``512 B``, ``1.5 KiB``, ``12.0 MiB``."""
    if n is None:
        return "?"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def percent(share: float) -> str:
    """``81.2%``; ``0%`` and ``100%`` only when exact."""
    if not math.isfinite(share):
        return "?"
    value = share * 100
    text = f"{value:.1f}%"
    if text == "100.0%" and share < 1:
        return ">99.9%"
    if text == "0.0%" and share > 0:
        return "<0.1%"
    return text.replace(".0%", "%") if value in (0, 100) else text


def number(value: float) -> str:
    """A figure: integers with thousands separators, floats to four significant digits."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return count(value)
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def figures_text(figures: dict[str, int | float]) -> str:
    """``fields 7, references 2`` in the finding's own order."""
    return ", ".join(f"{name.replace('_', ' ')} {number(value)}" for name, value in figures.items())


def weight_text(weight: float) -> str:
    """Evidence weights with their sign: ``+0.20``, ``-0.10``, `` 0.00``."""
    if weight == 0:
        return " 0.00"
    return f"{weight:+.2f}"


@dataclass(frozen=True)
class DatabaseSummary:
    vendor: str
    database: str
    tables: int
    rows: int
    rows_exact: bool
    table_bytes: int | None
    index_bytes: int | None


def database_summary(report: AuditReport) -> DatabaseSummary | None:
    """Totals of ``report.stats``, or ``None`` when the audit did not read the database."""
    stats = report.stats
    if stats is None:
        return None
    tables = list(stats.tables.values())

    def total(values: list[int | None]) -> int | None:
        known = [v for v in values if v is not None]
        return sum(known) if known else None

    return DatabaseSummary(
        vendor=stats.vendor,
        database=stats.database,
        tables=len(tables),
        rows=sum(t.rows for t in tables),
        rows_exact=all(t.rows_exact for t in tables),
        table_bytes=total([t.table_bytes for t in tables]),
        index_bytes=total([t.index_bytes for t in tables]),
    )


def database_where(db: DatabaseSummary) -> str:
    """``sqlite "db.sqlite3"``."""
    return f'{db.vendor} "{db.database}"'


def database_figures(db: DatabaseSummary) -> str:
    """``12 tables, 45,123 rows, 12.0 MiB of data, 1.0 MiB of indexes``."""
    rows = ("" if db.rows_exact else "~") + plural(db.rows, "row")
    parts = [plural(db.tables, "table"), rows]
    if db.table_bytes is not None:
        parts.append(f"{size(db.table_bytes)} of data")
    if db.index_bytes is not None:
        parts.append(f"{size(db.index_bytes)} of indexes")
    return ", ".join(parts)


def plural(n: int, word: str) -> str:
    """``1 row``, ``2,000 rows``."""
    return f"{count(n)} {word}{'' if n == 1 else 's'}"


def rows_text(report: AuditReport, label: str) -> str | None:
    """``1,204 rows`` (``~`` when estimated) for a model, when the audit counted it."""
    if report.stats is None:
        return None
    table = report.stats.table(label)
    if table is None:
        return None
    return ("" if table.rows_exact else "~") + plural(table.rows, "row")


def migrations_text(counts: dict[str, int]) -> str | None:
    """``123 migrations in 9 apps (most: legacy 54)``, or ``None`` when none were counted."""
    if not counts:
        return None
    total = sum(counts.values())
    top = max(counts.values())
    top_app = min(app for app, n in counts.items() if n == top)
    apps = len(counts)
    return f"{plural(total, 'migration')} in {plural(apps, 'app')} (most: {top_app} {count(top)})"


def short_headers(labels: tuple[str, ...]) -> list[str]:
    """Object names when they tell the members apart, labels otherwise."""
    names = [label.split(".", 1)[-1] for label in labels]
    return names if len(set(names)) == len(names) else list(labels)


def overlap_text(overlap: KeyOverlap) -> str:
    """``812 of 1,000 (81.2%)``; ``no values to compare`` when the table has none."""
    if not overlap.distinct:
        return "no values to compare"
    return f"{count(overlap.shared)} of {count(overlap.distinct)} ({percent(overlap.share)})"
