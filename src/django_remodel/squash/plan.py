"""The plan of ``remodel squash``: which new migrations replace which old ones, and why.

Pure data: labels, migration names and sentences, no migration or model
objects, so a plan can be printed (``--dry-run``) before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

Key = tuple[str, str]
"""``(app label, migration name)``, as Django's migration graph keys its nodes."""


class Action(StrEnum):
    """What happens to one operation of the old history."""

    CARRIED = "carried"
    """Copied into the new migration, after its schema operations."""
    DROPPED = "dropped"
    """Left out; the reason says why that changes nothing."""
    FOLDED = "folded"
    """Its effect on the models is part of the new migration's schema operations."""


@dataclass(frozen=True)
class OperationNote:
    """One non-schema operation of the old history and what the squash does with it."""

    migration: Key
    index: int
    """Position of the operation in its migration's ``operations``."""
    description: str
    action: Action
    reason: str

    @property
    def label(self) -> str:
        return f"{self.migration[0]}.{self.migration[1]} #{self.index + 1}"


@dataclass(frozen=True)
class NewMigration:
    """One migration of the new history."""

    app_label: str
    name: str
    replaces: tuple[Key, ...]
    dependencies: tuple[Key, ...]
    operation_count: int
    from_schema: bool
    """True when its operations were built from the models' state (the app's first
    migration); False when they are the old operations, optimized."""

    @property
    def key(self) -> Key:
        return (self.app_label, self.name)


@dataclass(frozen=True)
class AppPlan:
    """The old and the new history of one app."""

    app_label: str
    old: tuple[str, ...]
    """The old migrations the new ones replace."""
    new: tuple[NewMigration, ...]
    kept: tuple[str, ...] = ()
    """Old migrations that themselves replace others: kept as they are, between new ones."""

    @property
    def unchanged(self) -> bool:
        return not self.new


@dataclass(frozen=True)
class SquashPlan:
    """The new history of the chosen apps."""

    apps: tuple[AppPlan, ...]
    notes: tuple[OperationNote, ...]
    warnings: tuple[str, ...] = ()
    probed_on: str | None = None
    """The backend the data migrations were run on, from zero, to see what they change."""

    @property
    def squashed(self) -> tuple[AppPlan, ...]:
        return tuple(app for app in self.apps if not app.unchanged)

    @property
    def old_count(self) -> int:
        return sum(len(app.old) + len(app.kept) for app in self.squashed)

    @property
    def new_count(self) -> int:
        return sum(len(app.new) + len(app.kept) for app in self.squashed)

    def notes_with(self, action: Action) -> tuple[OperationNote, ...]:
        return tuple(note for note in self.notes if note.action is action)
