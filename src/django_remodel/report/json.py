"""The audit report as JSON, in the documented schema ``django-remodel/audit`` version 1.

Every key is described in ``docs/audit-json.md``. Keys come in a fixed order,
floats are rounded to ``FLOAT_DIGITS`` decimal places (non-finite ones become
``null``) and enums are written as their string values, so the same project
gives byte-identical output. Adding keys keeps the version; renaming or
removing one, or changing a value's meaning, bumps it.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django_remodel.audit.result import (
    AuditReport,
    DuplicateGroup,
    Evidence,
    FieldMatch,
    Finding,
    KeyOverlap,
)
from django_remodel.graph import FieldNode, ModelNode, RelationEdge
from django_remodel.stats import ColumnStats, GraphStats, TableStats

SCHEMA = "django-remodel/audit"
VERSION = 1
FLOAT_DIGITS = 6


def render(report: AuditReport, *, show_values: bool = False) -> str:
    """The report as indented JSON, ending with a newline.

    ``show_values`` is accepted for symmetry with the other renderers: the
    report holds no row values (only counts, sizes and ratios).
    """
    return json.dumps(to_data(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_data(report: AuditReport) -> dict[str, Any]:
    """The report as plain JSON-ready data (dicts, lists, strings, numbers, None)."""
    graph = report.graph
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "auth_user_model": graph.auth_user_model,
        "models": [_model(node) for node in graph.models],
        "relations": [_relation(edge) for edge in graph.relations],
        "groups": [_group(number, g) for number, g in enumerate(report.groups, start=1)],
        "findings": [_finding(finding) for finding in report.findings],
        "stats": _stats(report.stats) if report.stats is not None else None,
        "migrations": {
            "total": sum(report.migration_counts.values()),
            "apps": {app: report.migration_counts[app] for app in sorted(report.migration_counts)},
        },
    }


def _float(value: float) -> float | None:
    if not math.isfinite(value):
        return None
    rounded = round(float(value), FLOAT_DIGITS)
    return rounded + 0.0  # no "-0.0"


def _number(value: int | float) -> int | float | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return _float(value)


def _model(node: ModelNode) -> dict[str, Any]:
    return {
        "label": node.label,
        "app_label": node.app_label,
        "object_name": node.object_name,
        "kind": str(node.kind),
        "db_table": node.db_table,
        "first_party": node.first_party,
        "parents": list(node.parents),
        "abstract_bases": list(node.abstract_bases),
        "swapped_by": node.swapped_by,
        "docstring": node.docstring,
        "source_file": node.source_file,
        "fields": [_field(f) for f in node.fields],
    }


def _field(f: FieldNode) -> dict[str, Any]:
    return {
        "name": f.name,
        "attname": f.attname,
        "column": f.column,
        "type": f.internal_type,
        "null": f.null,
        "blank": f.blank,
        "unique": f.unique,
        "db_index": f.db_index,
        "primary_key": f.primary_key,
        "max_length": f.max_length,
        "default": f.default,
        "has_choices": f.has_choices,
        "related_model": f.related_model,
        "inherited_from": f.inherited_from,
    }


def _relation(edge: RelationEdge) -> dict[str, Any]:
    return {
        "kind": str(edge.kind),
        "source": edge.source,
        "field": edge.field,
        "target": edge.target,
        "null": edge.null,
        "on_delete": edge.on_delete,
        "through": edge.through,
        "auto_created_through": edge.auto_created_through,
    }


def _group(number: int, group: DuplicateGroup) -> dict[str, Any]:
    return {
        "id": number,
        "models": list(group.models),
        "canonical": group.canonical,
        "sources": list(group.sources),
        "key": group.key,
        "confidence": _float(group.confidence),
        "mapping": [_match(row, group.models) for row in group.mapping],
        "evidence": [_evidence(item) for item in group.evidence],
        "overlaps": [_overlap(item) for item in group.overlaps],
        "commands": list(group.commands),
    }


def _match(row: FieldMatch, members: tuple[str, ...]) -> dict[str, Any]:
    named = dict(row.fields)
    labels = list(members) + [label for label in named if label not in members]
    return {"concept": row.concept, "fields": {label: named.get(label) for label in labels}}


def _evidence(item: Evidence) -> dict[str, Any]:
    return {"kind": item.kind, "detail": item.detail, "weight": _float(item.weight)}


def _overlap(item: KeyOverlap) -> dict[str, Any]:
    return {
        "model": item.model,
        "field": item.field,
        "other_model": item.other_model,
        "other_field": item.other_field,
        "distinct": item.distinct,
        "shared": item.shared,
        "share": _float(item.share),
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "kind": str(finding.kind),
        "subject": finding.subject,
        "message": finding.message,
        "command": finding.command,
        "figures": {name: _number(finding.figures[name]) for name in sorted(finding.figures)},
    }


def _stats(stats: GraphStats) -> dict[str, Any]:
    return {
        "vendor": stats.vendor,
        "database": stats.database,
        "tables": [_table(stats.tables[label]) for label in sorted(stats.tables)],
        "columns": [_column(stats.columns[key]) for key in sorted(stats.columns)],
    }


def _table(table: TableStats) -> dict[str, Any]:
    return {
        "label": table.label,
        "table": table.table,
        "rows": table.rows,
        "rows_exact": table.rows_exact,
        "table_bytes": table.table_bytes,
        "index_bytes": table.index_bytes,
    }


def _column(column: ColumnStats) -> dict[str, Any]:
    return {
        "label": column.label,
        "field": column.field,
        "rows": column.rows,
        "nulls": column.nulls,
        "empty": column.empty,
        "distinct": column.distinct,
        "distinct_ratio": _float(column.distinct_ratio),
    }
