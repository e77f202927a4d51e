"""The migration graph after the swap, the cycles it has, and how to break them.

After the swap the user app's first migration creates the user, so every
migration that depended on the user (``swappable_dependency``) now depends on
it, while it depends on the newest migration of ``auth`` and on whatever its
other operations need. When one of those needs leads back to the user (a
third-party or first-party app whose migrations point at the user, and which
the first migration points at), the graph has a cycle. It is broken the way
``makemigrations`` itself breaks one: the operations that need the other app
(a field of a ``CreateModel``, an ``AddField``...) move into the app's next
migration, together with the dependency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.migrations import Migration
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddField, AlterField, CreateModel
from django.db.migrations.operations.base import Operation

from django_remodel.swap_user.plan import SwapUserError

Key = tuple[str, str]


def _resolve(loader: MigrationLoader, key: Key, current_app: str) -> Key | None:
    resolved = loader.check_key(key, current_app)
    if resolved is None:
        return None
    if resolved not in loader.graph.nodes:
        for replacing, migration in loader.replacements.items():
            if resolved in migration.replaces and replacing in loader.graph.nodes:
                return replacing
    return resolved


def swapped_parents(
    loader: MigrationLoader,
    *,
    app_label: str,
    first: Key,
    auth_leaf: Key,
    referencing: Iterable[Key] = (),
) -> dict[Key, set[Key]]:
    """Every migration's parents once the user model lives in ``first``'s app.

    ``referencing`` are migrations that named ``auth.User`` by string and will
    depend on ``first`` once rewritten.
    """
    parents: dict[Key, set[Key]] = {key: set() for key in loader.graph.nodes}
    parents.setdefault(first, set())
    for key, migration in loader.graph.nodes.items():
        for dependency in migration.dependencies:
            # swappable_dependency() keeps the setting's value: "auth.User" until the swap.
            if str(getattr(dependency, "setting", "")).lower() == "auth.user":
                if key[0] != app_label:
                    parents[key].add(first)
                continue
            resolved = _resolve(loader, tuple(dependency), key[0])
            if resolved is not None and resolved != key:
                parents[key].add(resolved)
        for before in getattr(migration, "run_before", []):
            resolved = _resolve(loader, tuple(before), key[0])
            if resolved is not None:
                parents.setdefault(resolved, set()).add(key)
    parents[first].add(auth_leaf)
    for key in referencing:
        if key[0] != app_label:
            parents[key].add(first)
    return parents


def ancestors(parents: Mapping[Key, set[Key]], start: Key) -> set[Key]:
    """Every migration ``start`` depends on, directly or not."""
    seen: set[Key] = set()
    stack = list(parents.get(start, ()))
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        stack.extend(parents.get(key, ()))
    return seen


def cycle_through(parents: Mapping[Key, set[Key]], first: Key) -> list[Key]:
    """The dependencies of ``first`` that lead back to it."""
    return sorted(parent for parent in parents[first] if first in ancestors(parents, parent))


@dataclass
class Move:
    """What leaves the first migration for the next one, and which dependencies go along."""

    dependencies: list[Key] = field(default_factory=list)
    whole: list[int] = field(default_factory=list)
    """Indexes of operations moved as they are."""
    fields: dict[int, list[str]] = field(default_factory=dict)
    """``CreateModel`` index -> names of the fields split off into ``AddField``s."""
    added: list[Operation] = field(default_factory=list)
    """The operations the next migration starts with, in order."""

    def __bool__(self) -> bool:
        return bool(self.dependencies)


def _app_of(model: Any) -> str | None:
    if isinstance(model, str):
        return model.split(".")[0].lower() if "." in model else None
    meta = getattr(model, "_meta", None)
    return meta.app_label if meta is not None else None


def _field_apps(model_field: models.Field[Any, Any]) -> set[str]:
    found: set[str] = set()
    remote = model_field.remote_field
    if remote is None:
        return found
    for target in (remote.model, getattr(remote, "through", None)):
        app = _app_of(target)
        if app is not None:
            found.add(app)
    return found


def plan_move(first: Migration, apps_to_leave: set[str]) -> Move:
    """The operations of ``first`` that need one of ``apps_to_leave``."""
    move = Move()
    moved_fields: list[tuple[str, str]] = []
    split: list[Operation] = []
    whole: list[Operation] = []
    for index, operation in enumerate(first.operations):
        if isinstance(operation, CreateModel):
            for base in operation.bases or ():
                if _app_of(base) in apps_to_leave:
                    raise SwapUserError(
                        f"Model {operation.name!r} of migration {first.app_label}.{first.name} "
                        f"inherits from a model of app {_app_of(base)!r}, whose migrations "
                        "depend on the user model: the cycle cannot be broken by moving a "
                        "field. Move that model into a migration of its own by hand."
                    )
            names = [
                name
                for name, model_field in operation.fields
                if _field_apps(model_field) & apps_to_leave
            ]
            if names:
                move.fields[index] = names
                for name, model_field in operation.fields:
                    if name in names:
                        split.append(
                            AddField(model_name=operation.name_lower, name=name, field=model_field)
                        )
                        moved_fields.append((operation.name_lower, name))
        elif isinstance(operation, AddField | AlterField) and (
            _field_apps(operation.field) & apps_to_leave
            or any(
                operation.references_field(model, name, first.app_label)
                for model, name in moved_fields
            )
        ):
            move.whole.append(index)
            whole.append(operation)
            if isinstance(operation, AddField):
                moved_fields.append((operation.model_name_lower, operation.name))
        elif any(
            operation.references_field(model, name, first.app_label) for model, name in moved_fields
        ):
            move.whole.append(index)
            whole.append(operation)
    move.added = [*split, *whole]
    return move
