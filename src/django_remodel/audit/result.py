"""What an audit finds: duplicate groups and other findings. Plain data only."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from django_remodel.graph import ModelGraph

if TYPE_CHECKING:
    from django_remodel.stats import GraphStats


@dataclass(frozen=True)
class FieldMatch:
    """One row of a group's field mapping: the field of each model that holds ``concept``."""

    concept: str
    fields: tuple[tuple[str, str | None], ...]
    """``(model label, field name)`` per member of the group; ``None`` where it has none."""

    def field_of(self, label: str) -> str | None:
        return dict(self.fields).get(label)


@dataclass(frozen=True)
class Evidence:
    """One reason to believe models store the same entity (or, with a negative weight, not)."""

    kind: str
    detail: str
    weight: float


@dataclass(frozen=True)
class KeyOverlap:
    """How many identity-key values two tables share, counted inside the database."""

    model: str
    field: str
    other_model: str
    other_field: str
    distinct: int
    """Distinct normalized key values of ``model``."""
    shared: int
    """How many of them ``other_model`` holds too."""

    @property
    def share(self) -> float:
        return self.shared / self.distinct if self.distinct else 0.0


@dataclass(frozen=True)
class DuplicateGroup:
    """Models that store the same entity, with how their fields correspond."""

    models: tuple[str, ...]
    """Labels of the members, the suggested canonical model first."""
    canonical: str
    key: str | None
    """The concept that identifies a row across the members (``"email"``), if any."""
    mapping: tuple[FieldMatch, ...]
    evidence: tuple[Evidence, ...]
    confidence: float
    commands: tuple[str, ...]
    """The command lines that would consolidate the group, in order."""
    overlaps: tuple[KeyOverlap, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(label for label in self.models if label != self.canonical)


class FindingKind(StrEnum):
    PROFILE = "profile"
    MULTI_TABLE_INHERITANCE = "multi-table inheritance"
    REPEATED_STRING = "repeated string column"
    LONG_HISTORY = "long migration history"


@dataclass(frozen=True)
class Finding:
    """Something else worth fixing, with the command that fixes it."""

    kind: FindingKind
    subject: str
    """The model, field (``app.Model.field``) or app label concerned."""
    message: str
    command: str
    figures: dict[str, int | float] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditReport:
    """Everything ``remodel audit`` found, ready for any renderer."""

    graph: ModelGraph
    groups: tuple[DuplicateGroup, ...]
    findings: tuple[Finding, ...]
    stats: GraphStats | None = None
    migration_counts: dict[str, int] = field(default_factory=dict)
    """Number of migration files per app label (first-party apps only)."""
