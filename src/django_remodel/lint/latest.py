"""``max_migration.txt``: one committed line per app naming its latest migration.

When two branches each add a migration, both change this line, so git reports
a conflict at merge time instead of ``migrate`` failing at deploy time (the
idea of django-linear-migrations, whose file name and format this keeps).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django_remodel.errors import MigrationHistoryError
from django_remodel.lint.history import History
from django_remodel.lint.result import Finding, Severity

LATEST_FILE = "max_migration.txt"

_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


@dataclass(frozen=True)
class Recorded:
    """What a ``max_migration.txt`` says."""

    names: tuple[str, ...]
    """The migration named; two or more when git left conflict markers in the file."""
    conflicted: bool


@dataclass(frozen=True)
class LatestWrite:
    """One file ``write_latest`` wrote (or would write)."""

    app_label: str
    path: Path
    old: str | None
    """The name the file held; ``None`` when there was no file."""
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


def read_latest(directory: Path) -> Recorded | None:
    """The names in ``directory/max_migration.txt``; ``None`` when there is no such file."""
    path = directory / LATEST_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise MigrationHistoryError(f"Cannot read {str(path)!r}: {error.strerror}.") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    conflicted = any(line.startswith(_MARKERS) for line in lines)
    names = tuple(line for line in lines if not line.startswith(_MARKERS))
    return Recorded(names=names, conflicted=conflicted)


def check_latest(history: History, *, forked: set[str]) -> list[Finding]:
    """``remodel.L002`` for a missing file, ``remodel.L003`` for one that is not current.

    Apps in ``forked`` have more than one leaf: their ``L001`` says so already.
    """
    findings = []
    for app_label in history.apps:
        if app_label in forked:
            continue
        directory = history.migrations_dir(app_label)
        leaves = history.leaves(app_label)
        if directory is None or len(leaves) != 1:
            continue
        leaf = leaves[0]
        path = directory / LATEST_FILE
        recorded = read_latest(directory)
        hint = f"Run 'python manage.py remodel lint --write-latest {app_label}' and commit it."
        if recorded is None:
            findings.append(
                Finding(
                    code="remodel.L002",
                    severity=Severity.WARNING,
                    app_label=app_label,
                    message=(
                        f"App {app_label!r} has no {LATEST_FILE} naming its latest migration "
                        f"{leaf!r}; without it two branches that add migrations merge cleanly "
                        "in git and fail at migrate."
                    ),
                    hint=hint,
                    path=path,
                )
            )
        elif recorded.conflicted:
            findings.append(
                Finding(
                    code="remodel.L003",
                    severity=Severity.WARNING,
                    app_label=app_label,
                    message=(
                        f"{LATEST_FILE} of {app_label!r} has git conflict markers "
                        f"({', '.join(repr(n) for n in recorded.names)}): two branches "
                        "added migrations."
                    ),
                    hint=(
                        "Renumber the newer branch with 'python manage.py remodel lint "
                        f"--fix-leaves {app_label}' (it also rewrites this file), or run "
                        f"'python manage.py remodel lint --write-latest {app_label}'."
                    ),
                    path=path,
                    line=1,
                )
            )
        elif recorded.names != (leaf,):
            named = ", ".join(repr(n) for n in recorded.names) or "nothing"
            findings.append(
                Finding(
                    code="remodel.L003",
                    severity=Severity.WARNING,
                    app_label=app_label,
                    message=(
                        f"{LATEST_FILE} of {app_label!r} names {named}, but its latest "
                        f"migration is {leaf!r}."
                    ),
                    hint=hint,
                    path=path,
                    line=1,
                )
            )
    return findings


def write_latest(history: History, *, dry_run: bool = False) -> list[LatestWrite]:
    """Write each linted app's ``max_migration.txt``; nothing is written if one app forked."""
    forked = {app: history.leaves(app) for app in history.apps if len(history.leaves(app)) > 1}
    if forked:
        described = "; ".join(
            f"{app!r}: {', '.join(repr(leaf) for leaf in leaves)}" for app, leaves in forked.items()
        )
        raise MigrationHistoryError(
            f"Cannot record the latest migration of an app with several leaves ({described}). "
            "Make the history linear first with 'python manage.py remodel lint --fix-leaves'."
        )
    writes = []
    for app_label in history.apps:
        directory = history.migrations_dir(app_label)
        leaves = history.leaves(app_label)
        if directory is None or not leaves:
            continue
        recorded = read_latest(directory)
        old = None
        if recorded is not None:
            old = "\n".join(recorded.names) if recorded.conflicted else " ".join(recorded.names)
        writes.append(LatestWrite(app_label, directory / LATEST_FILE, old, leaves[0]))
    if not dry_run:
        for write in writes:
            if write.changed:
                record_latest(write.path, write.new)
    return writes


def record_latest(path: Path, name: str) -> None:
    try:
        path.write_text(f"{name}\n", encoding="utf-8")
    except OSError as error:
        raise MigrationHistoryError(f"Cannot write {str(path)!r}: {error.strerror}.") from None
