"""Carry out a swap-user plan: the model, the setting, the migrations, the imports.

``prepare`` computes every file it would write without touching one, so
``--dry-run`` shows exactly what ``apply`` writes; ``apply`` checks that no
file changed since and writes them all.

The database of a project that ran the old history needs no change: the new
model keeps the stock table and its many-to-many tables, its ``CreateModel``
goes into the app's first migration (already applied there), and a cycle that
creates is broken by moving operations into the app's second migration
(applied too). Only when there is no such migration to move into, or the app
is new, does a migration have to be recorded as applied; ``steps`` says so.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps as global_apps
from django.db import migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.writer import MigrationWriter, OperationWriter

from django_remodel.codemod import migration_files as files
from django_remodel.codemod import swap_user as codemod
from django_remodel.codemod.errors import CodemodError
from django_remodel.errors import RemodelError
from django_remodel.operations.swap_user import RepointContentType
from django_remodel.swap_user.dependencies import (
    Key,
    Move,
    ancestors,
    cycle_through,
    plan_move,
    swapped_parents,
)
from django_remodel.swap_user.model import create_model_operation, user_model_code
from django_remodel.swap_user.plan import SwapUserError, SwapUserPlan


@dataclass(frozen=True)
class FileChange:
    """One file written: ``before`` is None for a new file."""

    path: Path
    before: str | None
    after: str

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                (self.before or "").splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile="/dev/null" if self.before is None else str(self.path),
                tofile=str(self.path),
            )
        )


@dataclass
class SwapUserChanges:
    """Everything ``apply`` would write, and what the user must do or look at."""

    plan: SwapUserPlan
    first: Key
    auth_leaf: Key
    changes: dict[Path, FileChange] = field(default_factory=dict)
    #: Dependencies moved out of the first migration, and where to.
    moved: list[tuple[Key, Key]] = field(default_factory=list)
    #: Migrations that existing databases must record as applied (``--record-applied``).
    record: list[Key] = field(default_factory=list)
    #: Migrations whose references to the stock user were rewritten.
    rewritten: list[Key] = field(default_factory=list)
    imports: list[codemod.UserImport] = field(default_factory=list)
    content_type_migration: Key | None = None

    def edit(self, path: Path, after: str) -> None:
        current = self.current(path)
        before = self.changes[path].before if path in self.changes else current
        self.changes[path] = FileChange(path, before, after)

    def create(self, path: Path, text: str) -> None:
        self.changes[path] = FileChange(path, None, text)

    def current(self, path: Path) -> str:
        if path in self.changes:
            return self.changes[path].after
        return path.read_text(encoding="utf-8")


def _migration_path(loader: MigrationLoader, key: Key) -> Path:
    module = sys.modules.get(type(loader.graph.nodes[key]).__module__)
    path = getattr(module, "__file__", None)
    if path is None:
        raise SwapUserError(f"Cannot find the file of migration {key[0]}.{key[1]}.")
    return Path(path)


def _is_project_file(path: Path, root: Path) -> bool:
    return path.is_relative_to(root) and "site-packages" not in path.parts


def _render(
    operation_list: Sequence[migrations.operations.base.Operation], indent: str
) -> tuple[list[str], set[str]]:
    level = max(len(indent) // 4, 1)
    texts, imports = [], set()
    for operation in operation_list:
        text, needed = OperationWriter(operation, indentation=level).serialize()
        texts.append(text)
        imports.update(needed)
    return texts, imports


def _new_migration_text(
    app_label: str,
    name: str,
    operation_list: Sequence[migrations.operations.base.Operation],
    dependencies: Sequence[Key],
    *,
    initial: bool,
) -> str:
    migration_class = type(
        "Migration",
        (migrations.Migration,),
        {
            "operations": list(operation_list),
            "dependencies": list(dependencies),
            "initial": initial,
        },
    )
    return MigrationWriter(migration_class(name, app_label)).as_string()


def prepare(plan: SwapUserPlan) -> SwapUserChanges:
    """Compute every file the swap writes; nothing is written."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    auth_leaves = loader.graph.leaf_nodes("auth")
    if len(auth_leaves) != 1:
        raise SwapUserError("django.contrib.auth has no single latest migration; is it installed?")
    auth_leaf = auth_leaves[0]
    app = plan.app_label
    roots = loader.graph.root_nodes(app) if plan.app_exists else []
    if len(roots) > 1:
        raise SwapUserError(
            f"App {app!r} has {len(roots)} first migrations ({', '.join(n for _, n in roots)}); "
            "the user model goes into the first one, so there must be one."
        )
    first: Key = roots[0] if roots else (app, "0001_initial")
    changes = SwapUserChanges(plan=plan, first=first, auth_leaf=auth_leaf)
    create = create_model_operation(plan)

    # The project's migrations: user references and swappable dependencies.
    project_keys = [
        key
        for key in sorted(loader.graph.nodes)
        if _is_project_file(_migration_path(loader, key), plan.project_root)
    ]
    for key in project_keys:
        path = _migration_path(loader, key)
        before = changes.current(path)
        after, count = files.rewrite_user_references(before, filename=str(path))
        extra = [] if key[0] == app or not count else [first]
        if count:
            changes.rewritten.append(key)
        written = files.dependencies_in(after, filename=str(path))
        if "swappable" in written or extra:
            after = files.edit_dependencies(
                after,
                swappable=None if key[0] == app else first,
                add=extra,
                filename=str(path),
            )
        if after != before:
            changes.edit(path, after)

    parents = swapped_parents(
        loader, app_label=app, first=first, auth_leaf=auth_leaf, referencing=changes.rewritten
    )
    if roots:
        _insert_user(changes, loader, first, create)
        _break_cycles(changes, loader, parents, first)
    else:
        _create_app(changes, plan, first, create, auth_leaf)
    if plan.content_type:
        _content_type_migration(changes, loader, plan, first)
    _edit_settings(changes, plan)
    changes.imports = codemod.find_user_imports([plan.project_root])
    if plan.rewrite_imports:
        for found in {usage.path for usage in changes.imports}:
            changes.edit(
                found,
                codemod.rewrite_user_imports(
                    changes.current(found),
                    mode=plan.rewrite_imports,
                    label=plan.label,
                    filename=str(found),
                ),
            )
    return changes


def _insert_user(
    changes: SwapUserChanges, loader: MigrationLoader, first: Key, create: object
) -> None:
    path = _migration_path(loader, first)
    text = changes.current(path)
    texts, imports = _render([create], files.operation_indent(text, filename=str(path)))  # type: ignore[list-item]
    text = files.insert_operations(text, texts, at=0, filename=str(path))
    text = files.with_imports(text, imports, filename=str(path))
    text = files.edit_dependencies(text, swappable=None, add=[changes.auth_leaf])
    # An older auth dependency is covered by the newest one.
    older = [
        key
        for key in files.dependencies_in(text)
        if isinstance(key, tuple) and key[0] == "auth" and key != changes.auth_leaf
    ]
    if older:
        text = files.edit_dependencies(text, remove=older, filename=str(path))
    changes.edit(path, text)
    models_path = _models_path(changes.plan)
    source = changes.current(models_path)
    changes.edit(
        models_path,
        codemod.add_user_model(
            source,
            classes=user_model_code(changes.plan),
            model_name=changes.plan.model_name,
            manager_name=changes.plan.manager_name,
            filename=str(models_path),
        ),
    )


def _models_path(plan: SwapUserPlan) -> Path:
    config = global_apps.get_app_config(plan.app_label)
    module = config.models_module
    path = getattr(module, "__file__", None) if module is not None else None
    if path is None:
        candidate = Path(config.path) / "models.py"
        if not candidate.exists():
            return candidate
        path = str(candidate)
    if not path.endswith("models.py"):
        raise SwapUserError(
            f"The models of app {plan.app_label!r} are not in one models.py module; add the "
            "user model by hand, or move them into models.py."
        )
    return Path(path)


def _second(loader: MigrationLoader, first: Key) -> Key | None:
    children = sorted(key for key in loader.graph.node_map[first].children if key[0] == first[0])
    if len(children) > 1:
        raise SwapUserError(
            f"Migration {first[0]}.{first[1]} has {len(children)} next migrations in its app; "
            f"merge them first with 'python manage.py makemigrations --merge {first[0]}'."
        )
    return children[0] if children else None


def _break_cycles(
    changes: SwapUserChanges,
    loader: MigrationLoader,
    parents: dict[Key, set[Key]],
    first: Key,
) -> None:
    closing = cycle_through(parents, first)
    if not closing:
        return
    leaving = {key[0] for key in closing}
    migration = loader.graph.nodes[first]
    move: Move = plan_move(migration, leaving)
    move.dependencies = closing
    second = _second(loader, first)
    path = _migration_path(loader, first)
    text = changes.current(path)
    # The user's CreateModel was inserted first: the migration's own operations moved by one.
    for index, names in sorted(move.fields.items()):
        text = files.remove_fields(text, index + 1, set(names), filename=str(path))
    if move.whole:
        text = files.remove_operations(
            text, {index + 1 for index in move.whole}, filename=str(path)
        )
    text = files.edit_dependencies(text, remove=closing, filename=str(path))
    changes.edit(path, text)
    if second is not None and not any(second in ancestors(parents, key) for key in closing):
        second_path = _migration_path(loader, second)
        second_text = changes.current(second_path)
        texts, imports = _render(
            move.added, files.operation_indent(second_text, filename=str(second_path))
        )
        second_text = files.insert_operations(second_text, texts, at=0, filename=str(second_path))
        second_text = files.with_imports(second_text, imports, filename=str(second_path))
        second_text = files.edit_dependencies(second_text, add=closing, filename=str(second_path))
        changes.edit(second_path, second_text)
        target = second
    else:
        if second is None:
            # A new migration after the only one would hold columns existing databases
            # already have, and nothing applied would depend on it: migrate would run it.
            raise SwapUserError(
                f"{first[0]}.{first[1]} is the app's only migration, and operations in it "
                f"must move to a later one to break the cycle through "
                f"{', '.join(f'{a}.{n}' for a, n in closing)}. Give the app a second migration "
                f"first (python manage.py makemigrations {first[0]} --empty), apply it on every "
                "database, then run swap-user again. Nothing was changed."
            )
        number = int(first[1].split("_")[0]) if first[1][:4].isdigit() else 1
        taken = {name for label, name in loader.disk_migrations if label == first[0]}
        name = f"{number:04d}_{first[1].split('_', 1)[-1]}_2"
        while name in taken:
            name = f"{name}_2"
        target = (first[0], name)
        new_text = _new_migration_text(first[0], name, move.added, [first, *closing], initial=False)
        changes.create(path.parent / f"{name}.py", new_text)
        # The app's next migration must follow the new one, so the history stays a line.
        if second is not None:
            second_path = _migration_path(loader, second)
            changes.edit(
                second_path,
                files.edit_dependencies(
                    changes.current(second_path), add=[target], filename=str(second_path)
                ),
            )
        changes.record.append(target)
    changes.moved.extend((key, target) for key in closing)
    # The graph once the dependencies moved: there must be no cycle left.
    parents[first] -= set(closing)
    parents.setdefault(target, set()).update({first, *closing})
    left = cycle_through(parents, first)
    if left:
        listed = ", ".join(f"{a}.{n}" for a, n in left)
        raise SwapUserError(
            f"Moving operations out of {first[0]}.{first[1]} did not break the cycle through "
            f"{listed}; reorder these migrations by hand."
        )


def _create_app(
    changes: SwapUserChanges, plan: SwapUserPlan, first: Key, create: object, auth_leaf: Key
) -> None:
    base = plan.app_path
    config_class = "".join(part.capitalize() for part in plan.app_label.split("_")) + "Config"
    changes.create(base / "__init__.py", "")
    changes.create(
        base / "apps.py",
        "from django.apps import AppConfig\n\n\n"
        f"class {config_class}(AppConfig):\n"
        f'    name = "{plan.app_label}"\n',
    )
    changes.create(
        base / "models.py",
        codemod.add_user_model(
            "",
            classes=user_model_code(plan),
            model_name=plan.model_name,
            manager_name=plan.manager_name,
        ),
    )
    changes.create(base / "migrations" / "__init__.py", "")
    changes.create(
        base / "migrations" / f"{first[1]}.py",
        _new_migration_text(plan.app_label, first[1], [create], [auth_leaf], initial=True),  # type: ignore[list-item]
    )
    changes.record.append(first)


def _content_type_migration(
    changes: SwapUserChanges, loader: MigrationLoader, plan: SwapUserPlan, first: Key
) -> None:
    app = plan.app_label
    leaves = loader.graph.leaf_nodes(app) if plan.app_exists else []
    previous = leaves[0] if leaves else first
    for target in changes.record:
        if target[0] == app and target > previous:
            previous = target
    number = int(previous[1][:4]) + 1 if previous[1][:4].isdigit() else 2
    name = f"{number:04d}_repoint_user_content_type"
    operation = RepointContentType(model_name=plan.model_name)
    dependencies = [previous, ("contenttypes", "0002_remove_content_type_name")]
    if global_apps.is_installed("django.contrib.admin"):
        dependencies.append(("admin", "__latest__"))
    text = _new_migration_text(app, name, [operation], dependencies, initial=False)
    directory = plan.app_path / "migrations"
    if plan.app_exists:
        directory = (
            _migration_path(loader, previous).parent
            if previous in loader.graph.nodes
            else directory
        )
    changes.create(directory / f"{name}.py", text)
    changes.content_type_migration = (app, name)


def _edit_settings(changes: SwapUserChanges, plan: SwapUserPlan) -> None:
    path = plan.settings_path
    text = changes.current(path)
    if not plan.app_exists:
        text = codemod.add_installed_app(text, app=plan.app_label, filename=str(path))
    text = codemod.set_setting(text, name="AUTH_USER_MODEL", value=plan.label, filename=str(path))
    changes.edit(path, text)


def apply(changes: SwapUserChanges) -> None:
    """Write every change; nothing when a file changed since ``prepare``."""
    for change in changes.changes.values():
        if change.before is None:
            if change.path.exists():
                raise RemodelError(f"{str(change.path)!r} exists already; nothing was written.")
        elif change.path.read_text(encoding="utf-8") != change.before:
            raise RemodelError(
                f"{str(change.path)!r} changed since the swap was prepared; run the command again."
            )
    for change in changes.changes.values():
        try:
            change.path.parent.mkdir(parents=True, exist_ok=True)
            change.path.write_text(change.after, encoding="utf-8")
        except OSError as error:
            raise CodemodError(
                f"Cannot write {str(change.path)!r}: {error.strerror}; check its permissions."
            ) from error


__all__ = ["FileChange", "SwapUserChanges", "apply", "prepare"]
