"""What ``remodel lint`` finds: one ``Finding`` per problem, gathered in a ``LintReport``.

Plain data only; the renderers in ``lint/render.py`` turn it into text or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem in the migration history, at a file and line where it has one."""

    code: str
    """``remodel.L001`` and so on; see ``CODES``."""
    severity: Severity
    app_label: str
    message: str
    hint: str
    path: Path | None = None
    line: int | None = None
    migration: str | None = None
    """The migration's name (``0007_backfill``), when the finding is about one."""
    rows: int | None = None
    """Rows of the table the operation touches, when a database was read."""


@dataclass(frozen=True)
class LintReport:
    """Everything one lint run found, with what it was able to look at."""

    findings: tuple[Finding, ...]
    apps: tuple[str, ...]
    """The app labels whose migrations were read."""
    database: str | None = None
    """The alias row counts and applied migrations came from; ``None`` without a database."""
    vendor: str | None = None
    targets: tuple[str, ...] = ()
    """The backends whose locks were judged (``postgresql``, ``mysql``)."""
    big_table_rows: int = 0
    pending: int = 0
    """How many migrations of ``apps`` are not applied (all of them without a database)."""
    ignored: frozenset[str] = field(default_factory=frozenset)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    def fails(self, fail_on: Severity) -> bool:
        """Whether the run should exit non-zero when ``fail_on`` and worse fail it."""
        if fail_on is Severity.WARNING:
            return bool(self.findings)
        return bool(self.errors)


CODES: dict[str, str] = {
    "remodel.L001": "more than one leaf migration in an app",
    "remodel.L002": "no max_migration.txt recording the latest migration",
    "remodel.L003": "max_migration.txt does not name the latest migration",
    "remodel.L101": "save() called once per row of a queryset in a data migration",
    "remodel.L102": "get_or_create()/update_or_create() once per row of a queryset",
    "remodel.L103": "create() once per row of a queryset",
    "remodel.L104": "a queryset iterated without iterator(): every row held in memory",
    "remodel.L105": "rows pulled into Python and written back, for a value the database computes",
    "remodel.L201": "an index built without CONCURRENTLY on PostgreSQL",
    "remodel.L202": "a foreign key added and validated in one step on a big table",
    "remodel.L203": "a column type change that rewrites or copies a big table",
    "remodel.L204": "a column added by rebuilding the table (MySQL before 8.0.12, MariaDB 10.3.2)",
}
"""Every code lint reports, with what it means in a few words."""
