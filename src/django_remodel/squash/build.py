"""Build the new history: one migration per run of old migrations (see ``segments``).

An app's first new migration is written the way ``makemigrations`` writes an
initial one: the autodetector compares "no models of this app" with the
models' state at the end of the run, so forty ``AddField``/``AlterField``
steps become one ``CreateModel``. It only runs on databases without the
app's tables, so data migrations that did nothing there are dropped (see
``data``); the others are carried after the schema operations.

A later run of the same app (only when the history crossed between apps)
applies to databases that have rows, so it keeps every old operation that is
not elidable, optimized as ``squashmigrations`` does.

Every new migration lists the old ones it ``replaces``: a database that
applied all of them treats it as applied, one that applied none runs it, and
one in between keeps following the old files, which is why they stay until
every database has passed the squash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.conf import settings
from django.db import migrations
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.graph import MigrationGraph
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration, SwappableTuple
from django.db.migrations.operations import RunPython, RunSQL, SeparateDatabaseAndState
from django.db.migrations.operations.base import Operation
from django.db.migrations.optimizer import MigrationOptimizer
from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
from django.db.migrations.state import ProjectState
from django.db.migrations.writer import MigrationWriter

from django_remodel.errors import MigrationHistoryError, UnknownAppError
from django_remodel.lint.history import first_party_apps, migration_path
from django_remodel.squash.code import CopiedCode, needs_copy
from django_remodel.squash.data import Effect, is_builtin_schema, is_data, probe_effects
from django_remodel.squash.plan import (
    Action,
    AppPlan,
    Key,
    NewMigration,
    OperationNote,
    SquashPlan,
)
from django_remodel.squash.segments import Run, Unit, cut_runs


@dataclass(frozen=True)
class SquashOptions:
    app_labels: tuple[str, ...] = ()
    """Apps to squash; every first-party app with migrations when empty."""
    database: str = "default"
    """Beside which database the data migrations are tried out (a throwaway one)."""
    keep_data_migrations: bool = False
    """Carry every data migration that is not elidable, without trying them out."""


@dataclass(frozen=True)
class BuiltMigration:
    """A new migration, rendered and ready to write."""

    plan: NewMigration
    path: Path
    text: str


@dataclass(frozen=True)
class Squash:
    """The plan, the new files and the old files they replace."""

    plan: SquashPlan
    migrations: tuple[BuiltMigration, ...]
    old_files: tuple[Path, ...]


def choose_apps(loader: MigrationLoader, app_labels: Sequence[str]) -> tuple[str, ...]:
    """The apps asked for, checked; every first-party app with migrations when none are."""
    migrated = sorted({app_label for app_label, _name in loader.disk_migrations})
    if not app_labels:
        chosen = first_party_apps(loader)
        if not chosen:
            raise UnknownAppError(
                "No first-party app has migrations to squash; name the apps to squash."
            )
        return tuple(chosen)
    for app_label in app_labels:
        if app_label not in migrated:
            raise UnknownAppError(
                f"App {app_label!r} is not installed or has no migrations; apps with "
                f"migrations: {', '.join(migrated)}."
            )
    return tuple(dict.fromkeys(app_labels))


def _check_history(loader: MigrationLoader, app_labels: Sequence[str]) -> None:
    for app_label in app_labels:
        leaves = loader.graph.leaf_nodes(app_label)
        if len(leaves) > 1:
            raise MigrationHistoryError(
                f"App {app_label!r} has {len(leaves)} latest migrations "
                f"({', '.join(name for _, name in leaves)}); merge them first with "
                f"'python manage.py makemigrations --merge {app_label}'."
            )
    for (app_label, name), migration in loader.replacements.items():
        if app_label in app_labels and (app_label, name) not in loader.graph.node_map:
            raise MigrationHistoryError(
                f"Migration {app_label}.{name} replaces {len(migration.replaces)} others, and "
                "the database has applied some of them but not all; run 'python manage.py "
                "migrate' on it first, then squash."
            )


def kept_replacements(loader: MigrationLoader, app_labels: Sequence[str]) -> set[Key]:
    """The chosen apps' migrations that replace others: kept as they are, the history is
    squashed before and after them.

    A new migration cannot replace them: Django before 6.0 does not load a squashed
    migration that replaces another one.
    """
    return {key for key in loader.replacements if key[0] in app_labels}


def hands_over_tables(operation: Operation) -> bool:
    """A ``SeparateDatabaseAndState`` that creates or deletes a model in the state only.

    That is how a model moves between apps: one app takes a table another app's
    migrations created, the other lets go of it, and no table is made or dropped. A
    migration built from the models' state would create the table again, on databases
    where the other app's old migrations already did.
    """
    if not isinstance(operation, SeparateDatabaseAndState):
        return False
    in_database = {
        (type(op), op.name_lower)
        for op in operation.database_operations
        if isinstance(op, (migrations.CreateModel, migrations.DeleteModel))
    }
    return any(
        (type(op), op.name_lower) not in in_database
        for op in operation.state_operations
        if isinstance(op, (migrations.CreateModel, migrations.DeleteModel))
    )


def _name(run: Run, taken: set[str]) -> str:
    last = run.keys[-1][1]
    name = f"{run.index + 1:04d}_squashed_{last}"
    if name in taken:
        raise MigrationHistoryError(
            f"Migration {run.app_label}.{name} exists already; it looks like a squash was "
            "written before. Remove it (or its old migrations) before squashing again."
        )
    return name


def _describe(operation: Operation) -> str:
    if isinstance(operation, RunPython):
        code = getattr(operation.code, "__name__", repr(operation.code))
        return f"RunPython({code})"
    if isinstance(operation, RunSQL):
        raw = operation.sql
        sql = " ".join((raw if isinstance(raw, str) else "; ".join(map(str, raw))).split())
        return f"RunSQL({sql[:60]}{'...' if len(sql) > 60 else ''})"
    return f"{type(operation).__name__}: {operation.describe()}"


def _schema_from_state(loader: MigrationLoader, run: Run) -> tuple[list[Operation], set[Key]]:
    """The operations ``makemigrations`` would write for the app's state at the run's end."""
    app_label = run.app_label
    to_state = loader.project_state(nodes=list(run.keys), at_end=True)
    from_state = ProjectState(real_apps=to_state.real_apps)
    for (model_app, _model), model_state in to_state.models.items():
        if model_app != app_label:
            from_state.add_model(model_state.clone())
    autodetector = MigrationAutodetector(
        from_state,
        to_state,
        NonInteractiveMigrationQuestioner(specified_apps={app_label}, dry_run=True),
    )
    changes = autodetector.changes(
        graph=MigrationGraph(), trim_to_apps={app_label}, convert_apps={app_label}
    )
    operations: list[Operation] = []
    settings_dependencies: set[Key] = set()
    for migration in changes.get(app_label, []):
        operations.extend(migration.operations)
        settings_dependencies.update(
            (dep[0], dep[1]) for dep in migration.dependencies if dep[0] == "__setting__"
        )
    return operations, settings_dependencies


class _Builder:
    def __init__(self, loader: MigrationLoader, options: SquashOptions) -> None:
        self.loader = loader
        self.options = options
        self.graph = loader.graph
        self.apps = choose_apps(loader, options.app_labels)
        _check_history(loader, self.apps)
        self.kept = kept_replacements(loader, self.apps)
        # The state before a model moves between apps is one the old history had: a
        # database may stop there, so the apps' runs are cut at it.
        hand_overs = [
            key
            for key, node in self.graph.nodes.items()
            if key[0] in self.apps and any(hands_over_tables(op) for op in node.operations)
        ]
        self.runs = cut_runs(self.graph, self.apps, self.kept, hand_overs)
        self.changed = {
            app_label
            for app_label, runs in self.runs.items()
            if len(runs) < sum(len(run.keys) for run in runs)
        }
        self.names: dict[Unit, str] = {}
        for app_label in sorted(self.changed):
            taken = {name for app, name in loader.disk_migrations if app == app_label}
            for run in self.runs[app_label]:
                self.names[run.unit] = _name(run, taken)
        self.notes: list[OperationNote] = []
        self.warnings: list[str] = []
        self.effects: dict[tuple[Key, int], Effect] = {}
        self.vendor: str | None = None

    def migration(self, key: Key) -> Migration:
        migration: Migration = self.graph.nodes[key]
        return migration

    def key_of(self, unit: Unit) -> Key:
        """The dependency that stands for ``unit`` in the new history."""
        if not unit.is_run:
            return unit.key
        if unit.app_label in self.changed:
            return (unit.app_label, self.names[unit])
        return self.runs[unit.app_label][unit.position].keys[-1]

    def probe(self) -> None:
        """Run the old history from zero and watch the data operations first runs would drop."""
        spots = []
        for app_label in sorted(self.changed):
            first = self.runs[app_label][0]
            if not self.from_schema(first):
                continue
            for key in first.keys:
                for index, operation in enumerate(self.migration(key).operations):
                    if _worth_watching(operation):
                        spots.append((key, index))
        if not spots:
            return
        self.vendor, self.effects = probe_effects(self.options.database, spots)

    def note(self, key: Key, index: int, operation: Operation, action: Action, reason: str) -> None:
        self.notes.append(OperationNote(key, index, _describe(operation), action, reason))

    def first_run_operations(
        self, run: Run
    ) -> tuple[list[Operation], list[tuple[Operation, Key]], set[Key]]:
        schema, settings_dependencies = _schema_from_state(self.loader, run)
        carried: list[tuple[Operation, Key]] = []
        for key in run.keys:
            for index, operation in enumerate(self.migration(key).operations):
                if is_builtin_schema(operation):
                    continue
                if not is_data(operation):
                    self._fold(key, index, operation)
                    continue
                if operation.elidable:
                    self.note(key, index, operation, Action.DROPPED, "marked elidable")
                    continue
                if self.options.keep_data_migrations:
                    self.note(
                        key,
                        index,
                        operation,
                        Action.CARRIED,
                        "not elidable (--keep-data-migrations)",
                    )
                    carried.append((operation, key))
                    continue
                effect = self.effects.get((key, index), Effect(0, 0, 0))
                if effect.none:
                    self.note(
                        key,
                        index,
                        operation,
                        Action.DROPPED,
                        f"changed nothing when the old history ran from zero on {self.vendor} "
                        f"({effect.statements} statements, no row written, no schema change): "
                        "it only fixed data that existed before",
                    )
                    continue
                what = (
                    f"wrote {effect.rows_written} rows"
                    if effect.rows_written
                    else "changed the schema"
                )
                self.note(
                    key,
                    index,
                    operation,
                    Action.CARRIED,
                    f"{what} when the old history ran from zero on {self.vendor}",
                )
                carried.append((operation, key))
        return schema, carried, settings_dependencies

    def _fold(self, key: Key, index: int, operation: Operation) -> None:
        if isinstance(operation, RunSQL):
            reason = "its state_operations are in the new schema, which its SQL built"
        elif isinstance(operation, SeparateDatabaseAndState):
            reason = "its state operations are in the new schema"
        else:
            module = type(operation).__module__
            reason = f"custom operation ({module}): its effect on the models is in the new schema"
            effect = self.effects.get((key, index))
            if effect is not None and effect.rows_written:
                self.warnings.append(
                    f"{key[0]}.{key[1]}: {type(operation).__name__} wrote "
                    f"{effect.rows_written} rows when the old history ran from zero; the new "
                    "history does not write them. Add a data migration for them if they matter."
                )
        self.note(key, index, operation, Action.FOLDED, reason)

    def from_schema(self, run: Run) -> bool:
        """Whether the run's migration is built from the models' state, as an initial one.

        Only the app's first run, when no kept migration of the app comes before it (that
        one needs the old tables) and no model moves between apps in it (see
        ``hands_over_tables``); other runs keep the old operations, optimized.
        """
        if run.index > 0 or any(
            unit.app_label == run.app_label and not unit.is_run for unit in run.depends_on
        ):
            return False
        return not any(
            hands_over_tables(operation)
            for key in run.keys
            for operation in self.migration(key).operations
        )

    def later_run_operations(self, run: Run, reason: str) -> list[tuple[Operation, Key]]:
        kept: list[tuple[Operation, Key]] = []
        for key in run.keys:
            for index, operation in enumerate(self.migration(key).operations):
                if isinstance(operation, (RunPython, RunSQL)) and operation.elidable:
                    self.note(key, index, operation, Action.DROPPED, "marked elidable")
                    continue
                if is_data(operation) or not is_builtin_schema(operation):
                    self.note(
                        key,
                        index,
                        operation,
                        Action.CARRIED,
                        reason,
                    )
                kept.append((operation, key))
        return kept

    def dependencies(self, run: Run, settings_dependencies: set[Key]) -> list[Key]:
        app_label = run.app_label
        declared: set[Key] = set()
        swappable: dict[Key, str] = {}
        for key in run.keys:
            for dependency in self.migration(key).dependencies:
                setting = _setting_name(dependency)
                if setting is not None:
                    resolved = self.loader.check_key((dependency[0], dependency[1]), app_label)
                    if resolved is not None:
                        swappable[resolved] = setting
                else:
                    declared.add(tuple(dependency))  # type: ignore[arg-type]
        result: set[Key] = set()
        latest_run: dict[str, int] = {}
        nodes: set[Key] = set()
        for unit in run.depends_on:
            if unit.is_run:
                if unit.app_label != app_label:
                    latest_run[unit.app_label] = max(
                        unit.position, latest_run.get(unit.app_label, -1)
                    )
            else:
                node_key = unit.key
                if node_key in swappable and node_key not in declared:
                    result.add(("__setting__", swappable[node_key]))
                else:
                    nodes.add(node_key)
        for other, index in latest_run.items():
            result.add(self.key_of(Unit(other, index)))
        for node_key in nodes:
            ancestors_of_others = any(
                other != node_key
                and other[0] == node_key[0]
                and node_key in self.graph.node_map[other].ancestors()
                for other in nodes
            )
            if not ancestors_of_others:
                result.add(node_key)
        result.update(settings_dependencies)
        ordered = sorted(result)
        if run.index > 0:
            ordered.insert(0, (app_label, self.names[Unit(app_label, run.index - 1)]))
        return ordered

    def build(self) -> Squash:
        if not self.options.keep_data_migrations:
            self.probe()
        built: list[BuiltMigration] = []
        app_plans = []
        old_files: list[Path] = []
        for app_label in self.apps:
            runs = self.runs[app_label]
            old_names = tuple(key[1] for run in runs for key in run.keys)
            kept = tuple(sorted(name for app, name in self.kept if app == app_label))
            if app_label not in self.changed:
                app_plans.append(AppPlan(app_label, old_names, (), kept))
                continue
            new = []
            for run in runs:
                item = self.build_run(run)
                built.append(item)
                new.append(item.plan)
            for run in runs:
                for key in run.keys:
                    path = migration_path(self.migration(key))
                    if path is not None:
                        old_files.append(path)
            app_plans.append(AppPlan(app_label, old_names, tuple(new), kept))
        plan = SquashPlan(
            tuple(app_plans), tuple(self.notes), tuple(self.warnings), probed_on=self.vendor
        )
        return Squash(plan, tuple(built), tuple(old_files))

    def build_run(self, run: Run) -> BuiltMigration:
        code = CopiedCode()
        settings_dependencies: set[Key] = set()
        initial = self.from_schema(run)
        if initial:
            schema, data, settings_dependencies = self.first_run_operations(run)
            operations = [*schema, *(_with_local_code(op, code, key) for op, key in data)]
        else:
            if run.index > 0:
                reason = "a later run of the app applies to databases with rows, so it is kept"
            else:
                reason = (
                    "the run moves a model between apps or follows a migration kept as it "
                    "is, so its operations are kept"
                )
            data = self.later_run_operations(run, reason)
            operations = MigrationOptimizer().optimize(
                [_with_local_code(op, code, key) for op, key in data], run.app_label
            )
        name = self.names[run.unit]
        dependencies = self.dependencies(run, settings_dependencies)
        # Carried operations keep running the way their migrations ran them.
        atomic = not data or all(self.migration(key).atomic for key in run.keys)
        attributes: dict[str, Any] = {
            "operations": operations,
            "dependencies": dependencies,
            "replaces": list(run.keys),
            "initial": initial,
        }
        migration = type("Migration", (migrations.Migration,), attributes)(name, run.app_label)
        writer = MigrationWriter(migration)
        text = writer.as_string()
        if writer.needs_manual_porting:
            raise MigrationHistoryError(
                f"The operations of {run.app_label}.{name} refer to functions in old "
                "migration files that cannot be copied; make them module-level functions."
            )
        text = _insert_before_class(text, code.render(), atomic=atomic)
        plan = NewMigration(
            run.app_label,
            name,
            tuple(run.keys),
            tuple(dependencies),
            len(operations),
            from_schema=initial,
        )
        return BuiltMigration(plan, Path(writer.path), text)


def _setting_name(dependency: tuple[str, str]) -> str | None:
    """``AUTH_USER_MODEL`` for ``swappable_dependency(settings.AUTH_USER_MODEL)``."""
    if not isinstance(dependency, SwappableTuple):
        return None
    for model in global_apps.get_models(include_swapped=True):
        name = model._meta.swappable
        if name and getattr(settings, name, None) == dependency.setting:
            return str(name)
    return None


def _worth_watching(operation: Operation) -> bool:
    """A data operation that may be dropped, or a custom one whose writes should be seen."""
    if is_data(operation):
        return not operation.elidable
    return not is_builtin_schema(operation) and not isinstance(
        operation, (RunPython, RunSQL, SeparateDatabaseAndState)
    )


_CLASS_LINE = "class Migration(migrations.Migration):\n"


def _insert_before_class(text: str, code: str, *, atomic: bool) -> str:
    if text.count(_CLASS_LINE) != 1:
        raise MigrationHistoryError("Unexpected layout of a rendered migration.")
    head = f"{code}\n\n\n" if code else ""
    body = _CLASS_LINE + ("\n    atomic = False\n" if not atomic else "")
    return text.replace(_CLASS_LINE, head + body, 1)


def _with_local_code(operation: Operation, code: CopiedCode, origin: Key) -> Operation:
    """``operation``, its functions from migration files replaced by copies in the new file."""
    if not isinstance(operation, RunPython):
        return operation
    where = f"{origin[0]}.{origin[1]}"
    forward = operation.code
    reverse = operation.reverse_code
    if needs_copy(forward):
        forward = code.add(forward, origin=where)
    if reverse is not None and needs_copy(reverse):
        reverse = code.add(reverse, origin=where)
    if forward is operation.code and reverse is operation.reverse_code:
        return operation
    return RunPython(
        forward,
        reverse,
        atomic=operation.atomic,
        hints=operation.hints,
        elidable=operation.elidable,
    )


def build_squash(options: SquashOptions | None = None) -> Squash:
    """Plan and render the new history of the chosen apps; nothing is written."""
    options = options or SquashOptions()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return _Builder(loader, options).build()


__all__ = ["BuiltMigration", "Squash", "SquashOptions", "build_squash", "choose_apps"]
