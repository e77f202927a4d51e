"""Cut each app's old history into the fewest runs of migrations that can be squashed.

A squashed migration must replace a run of old migrations that a database
either has applied completely or not at all, or it cannot be used; and the new
migrations, like the old ones, must not depend on each other in a circle. One
run per app is enough unless the history went back and forth between apps
(``A.0003`` needs ``B.0002``, which needs ``A.0001``): then the app's history is
cut where it crossed, exactly as ``makemigrations`` splits an initial history
where foreign keys go both ways.

The cut follows the old history's own dependencies, so each run ends where the
old history could stop: a database that applied one run of an app but not the
next is at a state the old history had, and the next new migration starts
from that very state.

A migration in ``kept`` (one that itself replaces others) stays as it is, and
the app's history is cut before and after it; a migration in ``cut_before`` (one
that moves a model between apps) starts a new run of its app.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.db.migrations.graph import MigrationGraph

from django_remodel.squash.plan import Key


class Unit(NamedTuple):
    """A node of the new graph: a run of an app, or a migration that is kept as it is."""

    app_label: str
    position: int
    """The run's position in its app; -1 for a kept migration."""
    name: str = ""
    """The kept migration's name."""

    @property
    def is_run(self) -> bool:
        return self.position >= 0

    @property
    def key(self) -> Key:
        return (self.app_label, self.name)


@dataclass(frozen=True)
class Run:
    """A run of one app's old migrations, in the order they apply, replaced by one new one."""

    app_label: str
    index: int
    keys: tuple[Key, ...]
    depends_on: frozenset[Unit]
    """The runs of other apps and the kept migrations this run needs."""

    @property
    def unit(self) -> Unit:
        return Unit(self.app_label, self.index)


def cut_runs(
    graph: MigrationGraph,
    app_labels: Iterable[str],
    kept: Iterable[Key] = (),
    cut_before: Iterable[Key] = (),
) -> dict[str, list[Run]]:
    """The runs of each app in ``app_labels``, in order; the other apps' migrations and
    those in ``kept`` are kept, and each migration in ``cut_before`` starts a run."""
    chosen = set(app_labels)
    keep = set(kept)
    starts = set(cut_before)
    parents: dict[Key, set[Key]] = {
        key: {parent.key for parent in node.parents} for key, node in graph.node_map.items()
    }
    waiting = {key: len(found) for key, found in parents.items()}
    children: dict[Key, list[Key]] = {key: [] for key in parents}
    for key, found in parents.items():
        for parent in found:
            children[parent].append(key)
    ready = sorted(key for key, count in waiting.items() if count == 0)

    unit_of: dict[Key, Unit] = {}
    needs: dict[Unit, set[Unit]] = {}
    open_run: dict[str, int] = {}
    members: dict[Unit, list[Key]] = {}

    def reaches(start: Unit, goal: Unit) -> bool:
        seen: set[Unit] = set()
        stack = [start]
        while stack:
            unit = stack.pop()
            if unit == goal:
                return True
            if unit not in seen:
                seen.add(unit)
                stack.extend(needs.get(unit, ()))
        return False

    def can_join(key: Key) -> bool:
        app_label = key[0]
        if app_label not in chosen or app_label not in open_run or key in keep | starts:
            return False
        current = Unit(app_label, open_run[app_label])
        return not any(
            unit_of[parent] != current and reaches(unit_of[parent], current)
            for parent in parents[key]
        )

    def rank(key: Key) -> int:
        if can_join(key):
            return 0
        if key[0] not in chosen or key in keep:
            return 1
        return 2 if key[0] not in open_run else 3

    while ready:
        ready.sort(key=lambda key: (rank(key), key))
        key = ready.pop(0)
        app_label = key[0]
        if app_label not in chosen or key in keep:
            unit = Unit(app_label, -1, key[1])
        else:
            if not can_join(key):
                open_run[app_label] = open_run.get(app_label, -1) + 1
            unit = Unit(app_label, open_run[app_label])
        unit_of[key] = unit
        members.setdefault(unit, []).append(key)
        needs.setdefault(unit, set()).update(
            unit_of[parent] for parent in parents[key] if unit_of[parent] != unit
        )
        for child in children[key]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)

    runs: dict[str, list[Run]] = {app_label: [] for app_label in sorted(chosen)}
    for app_label in sorted(chosen):
        for index in range(open_run.get(app_label, -1) + 1):
            run_unit = Unit(app_label, index)
            runs[app_label].append(
                Run(
                    app_label,
                    index,
                    tuple(members[run_unit]),
                    frozenset(needs.get(run_unit, set())),
                )
            )
    return runs
