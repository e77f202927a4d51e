"""Findings other than duplicates, each with the command that fixes it.

- a one-to-one "profile" model that extends the user model,
- concrete multi-table inheritance,
- a short string column repeating few distinct values (needs statistics),
- an app with a long migration history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django_remodel.audit.names import tokens
from django_remodel.audit.result import Finding, FindingKind
from django_remodel.graph import FieldNode, ModelGraph, ModelKind, ModelNode, RelationKind
from django_remodel.stats import GraphStats

_REPEATED_STRING_TYPES = frozenset({"CharField", "SlugField"})
# Words that say the column holds a name for something, rather than which thing.
_VALUE_WORDS = ("name", "code", "label", "title", "key")
# Words of columns holding prose: few distinct values there are a coincidence of the data
# (or of a form's canned answers), not a missing table.
_PROSE_WORDS = frozenset(
    {
        "message",
        "description",
        "desc",
        "subject",
        "title",
        "reason",
        "note",
        "notes",
        "comment",
        "comments",
        "body",
        "text",
        "summary",
        "content",
        "line",
        "address",
        "street",
        "bio",
        "about",
        "details",
        "remark",
        "remarks",
        "caption",
    }
)


@dataclass(frozen=True)
class FindingOptions:
    """Where the judgement calls of the findings lie; each is a command option."""

    history_threshold: int = 20
    """An app with at least this many migrations is reported."""
    max_distinct_ratio: float = 0.05
    """A string column with at most this share of distinct values is reported..."""
    min_rows: int = 100
    """...when its table holds at least this many rows with a value."""


def profile_findings(graph: ModelGraph) -> list[Finding]:
    """One-to-one models hanging off the user model (story 2's Profile)."""
    user = graph.auth_user_model
    findings = []
    for edge in graph.relations:
        if edge.kind != RelationKind.ONE_TO_ONE or edge.target != user:
            continue
        source = graph.model(edge.source)
        if not source.first_party or source.kind != ModelKind.CONCRETE:
            continue
        movable = [f for f in source.concrete_fields if not f.primary_key and f.name != edge.field]
        findings.append(
            Finding(
                kind=FindingKind.PROFILE,
                subject=source.label,
                message=(
                    f"{source.label} extends the user model {user} one-to-one "
                    f"({source.label}.{edge.field}); its {len(movable)} fields could live "
                    f"on the user model itself, saving a join on every read."
                ),
                command=f"python manage.py remodel absorb {source.label}",
                figures={
                    "fields": len(movable),
                    "references": len(
                        [e for e in graph.incoming(source.label) if e.source != source.label]
                    ),
                },
            )
        )
    return findings


def inheritance_findings(graph: ModelGraph) -> list[Finding]:
    """Concrete parents with multi-table children (story 3)."""
    children: dict[str, list[ModelNode]] = defaultdict(list)
    for node in graph:
        if node.kind == ModelKind.MULTI_TABLE_CHILD and node.first_party:
            for parent in node.parents:
                children[parent].append(node)
    findings = []
    for parent_label, kids in sorted(children.items()):
        references = [
            edge for edge in graph.incoming(parent_label) if edge.kind != RelationKind.PARENT_LINK
        ]
        names = ", ".join(kid.label for kid in kids)
        findings.append(
            Finding(
                kind=FindingKind.MULTI_TABLE_INHERITANCE,
                subject=parent_label,
                message=(
                    f"{names} inherit{'s' if len(kids) == 1 else ''} from the concrete model "
                    f"{parent_label}: every read of a child joins two tables "
                    f"(relations to the parent: {len(references)})."
                ),
                command="python manage.py remodel detach " + " ".join(k.label for k in kids),
                figures={"children": len(kids), "references": len(references)},
            )
        )
    return findings


def repeated_string_candidates(graph: ModelGraph) -> list[tuple[str, str]]:
    """Columns worth counting distinct values of: short free strings, not keys, no choices."""
    return [
        (node.label, f.name)
        for node in graph
        if node.first_party and node.kind in (ModelKind.CONCRETE, ModelKind.MULTI_TABLE_CHILD)
        for f in node.concrete_fields
        if _could_repeat(f)
    ]


def _could_repeat(f: FieldNode) -> bool:
    return (
        f.internal_type in _REPEATED_STRING_TYPES
        and not _PROSE_WORDS.intersection(tokens(f.name))
        and not f.unique
        and not f.primary_key
        and not f.has_choices
        and f.related_model is None
        and (f.max_length or 0) <= 255
    )


def _target_for(node: ModelNode, f: FieldNode) -> str:
    """``server.Server.location_name`` -> ``server.Location.name``."""
    words = list(tokens(f.name))
    value_field = "name"
    if len(words) > 1 and words[-1] in _VALUE_WORDS:
        value_field = words.pop()
    model_name = "".join(word.capitalize() for word in words)
    return f"{node.app_label}.{model_name}.{value_field}"


def repeated_string_findings(
    graph: ModelGraph, stats: GraphStats, options: FindingOptions
) -> list[Finding]:
    """Columns that repeat a handful of values over many rows (story 4), most rows first."""
    findings = []
    for label, field_name in repeated_string_candidates(graph):
        column = stats.column(label, field_name)
        if column is None:
            continue
        filled = column.rows - column.nulls - column.empty
        # The distinct count includes the empty string when there is one; it is no value.
        distinct = column.distinct - (1 if column.empty else 0)
        if filled < options.min_rows or distinct < 2:
            continue
        ratio = distinct / filled
        if ratio > options.max_distinct_ratio:
            continue
        node = graph.model(label)
        findings.append(
            Finding(
                kind=FindingKind.REPEATED_STRING,
                subject=f"{label}.{field_name}",
                message=(
                    f"{label}.{field_name} repeats {distinct:,} distinct values over "
                    f"{filled:,} rows ({ratio:.2%} distinct): a table of its own and a "
                    f"foreign key would store each value once."
                ),
                command=(
                    f"python manage.py remodel normalize {label}.{field_name} "
                    f"--into {_target_for(node, node.field(field_name))}"
                ),
                figures={
                    "rows": column.rows,
                    "distinct": distinct,
                    "nulls": column.nulls,
                    "empty": column.empty,
                    "distinct_ratio": round(ratio, 6),
                },
            )
        )
    return sorted(findings, key=lambda f: (-f.figures["rows"], f.subject))


def history_findings(migration_counts: dict[str, int], options: FindingOptions) -> list[Finding]:
    """Apps whose migration history has grown long (story 1)."""
    total = sum(migration_counts.values())
    return [
        Finding(
            kind=FindingKind.LONG_HISTORY,
            subject=app_label,
            message=(
                f"App {app_label!r} has {count} migrations ({total} in the project's apps); "
                f"every fresh database and every test run replays them all."
            ),
            command=f"python manage.py remodel squash {app_label}",
            figures={"migrations": count, "project_migrations": total},
        )
        for app_label, count in sorted(migration_counts.items(), key=lambda item: -item[1])
        if count >= options.history_threshold
    ]
