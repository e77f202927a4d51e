"""The audit: what is wrong with the project's models, and which command fixes it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django_remodel import stats as db_stats
from django_remodel.audit.duplicates import DEFAULT_THRESHOLD, find_duplicate_groups
from django_remodel.audit.findings import (
    FindingOptions,
    history_findings,
    inheritance_findings,
    profile_findings,
    repeated_string_candidates,
    repeated_string_findings,
)
from django_remodel.audit.history import migration_counts
from django_remodel.audit.result import AuditReport, KeyOverlap
from django_remodel.graph import ModelGraph


@dataclass(frozen=True)
class AuditOptions:
    """Everything ``run_audit`` can be told."""

    with_stats: bool = False
    using: str = "default"
    threshold: float = DEFAULT_THRESHOLD
    findings: FindingOptions = field(default_factory=FindingOptions)


def run_audit(graph: ModelGraph | None = None, options: AuditOptions | None = None) -> AuditReport:
    """Audit the project: duplicate groups and findings, with statistics if asked."""
    graph = graph or ModelGraph.build()
    options = options or AuditOptions()
    stats = None
    overlap = None
    if options.with_stats:
        stats = db_stats.collect_stats(
            graph, using=options.using, columns=repeated_string_candidates(graph)
        )

        def overlap(
            model: str, field: str, other_model: str, other_field: str
        ) -> KeyOverlap | None:
            # A table missing from the database (an unapplied migration) has nothing to share.
            if stats is None or not (stats.table(model) and stats.table(other_model)):
                return None
            return db_stats.key_overlap(
                graph, model, field, other_model, other_field, using=options.using
            )

    groups = find_duplicate_groups(graph, threshold=options.threshold, overlap=overlap)
    counts = migration_counts(graph)
    findings = [
        *profile_findings(graph),
        *inheritance_findings(graph),
        *(repeated_string_findings(graph, stats, options.findings) if stats else []),
        *history_findings(counts, options.findings),
    ]
    return AuditReport(
        graph=graph,
        groups=tuple(groups),
        findings=tuple(findings),
        stats=stats,
        migration_counts=counts,
    )


__all__ = ["AuditOptions", "AuditReport", "FindingOptions", "run_audit"]
