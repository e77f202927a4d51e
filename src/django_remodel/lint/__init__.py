"""``remodel lint``: the checks that keep a migration history healthy.

- ``leaves``: more than one leaf migration in an app, and the rebase that fixes it;
- ``latest``: ``max_migration.txt``, so forked histories conflict in git;
- ``slow_data``: ``RunPython`` code that writes row by row;
- ``locking``: operations that lock or rewrite big tables on PostgreSQL/MySQL.

``run_lint`` runs them all and returns a ``LintReport``; nothing is printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connections

from django_remodel.errors import RemodelError
from django_remodel.lint.history import History, load_history
from django_remodel.lint.latest import check_latest
from django_remodel.lint.leaves import check_leaves, leaf_conflicts
from django_remodel.lint.locking import DEFAULT_BIG_TABLE_ROWS, TARGETS, check_locking
from django_remodel.lint.result import CODES, Finding, LintReport, Severity
from django_remodel.lint.slow_data import check_slow_data
from django_remodel.lint.tables import RowCounter


@dataclass(frozen=True)
class LintOptions:
    app_labels: tuple[str, ...] = ()
    """Apps to lint; every first-party app with migrations when empty."""
    database: str | None = "default"
    """Where applied migrations and row counts are read; ``None`` reads no database."""
    targets: tuple[str, ...] | None = None
    """Backends whose locks are judged; the database's own, or both without one."""
    big_table_rows: int = DEFAULT_BIG_TABLE_ROWS
    ignore: frozenset[str] = field(default_factory=frozenset)
    """Codes not to report (``remodel.L002`` or just ``L002``)."""


def default_targets(history: History) -> tuple[str, ...]:
    """The database's backend when it is PostgreSQL or MySQL; otherwise both."""
    if history.vendor in TARGETS:
        return (history.vendor,)
    return TARGETS


def normalize_codes(codes: Sequence[str]) -> frozenset[str]:
    """``L002`` or ``remodel.L002`` as ``remodel.L002``; unknown codes are an error."""
    normalized = set()
    for code in codes:
        full = code if code.startswith("remodel.") else f"remodel.{code}"
        if full not in CODES:
            raise RemodelError(
                f"Unknown lint code {code!r}; the codes are "
                f"{', '.join(c.removeprefix('remodel.') for c in CODES)}."
            )
        normalized.add(full)
    return frozenset(normalized)


def run_lint(options: LintOptions | None = None) -> LintReport:
    """Every check over the project's migration history."""
    options = options or LintOptions()
    if options.big_table_rows < 0:
        raise RemodelError(f"--big-table-rows {options.big_table_rows} must be 0 or more.")
    for target in options.targets or ():
        if target not in TARGETS:
            raise RemodelError(f"Unknown target backend {target!r}; use {' or '.join(TARGETS)}.")
    history = load_history(options.app_labels, using=options.database)
    targets = options.targets or default_targets(history)
    counter = None
    if options.database is not None:
        counter = RowCounter(connections[options.database])
    findings: list[Finding] = [
        *check_leaves(history),
        *check_latest(history, forked=set(leaf_conflicts(history))),
        *check_slow_data(history),
        *check_locking(
            history,
            targets=targets,
            big_table_rows=options.big_table_rows,
            count_rows=counter.count if counter is not None else None,
            max_name_length=(
                connections[options.database].ops.max_name_length()
                if options.database is not None
                else None
            ),
        ),
    ]
    kept = tuple(
        sorted(
            (f for f in findings if f.code not in options.ignore),
            key=lambda f: (
                f.severity is not Severity.ERROR,
                f.app_label,
                str(f.path or ""),
                f.line or 0,
                f.code,
            ),
        )
    )
    pending = sum(
        1
        for app_label in history.apps
        for key in history.keys(app_label)
        if not history.is_applied(key)
    )
    return LintReport(
        findings=kept,
        apps=history.apps,
        database=options.database,
        vendor=history.vendor,
        targets=tuple(targets),
        big_table_rows=options.big_table_rows,
        pending=pending,
        ignored=options.ignore,
    )


__all__ = [
    "CODES",
    "Finding",
    "LintOptions",
    "LintReport",
    "Severity",
    "default_targets",
    "normalize_codes",
    "run_lint",
]
