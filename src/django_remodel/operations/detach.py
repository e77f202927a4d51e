"""``remodel detach``'s data moves: multi-table children take their parent's columns.

The migrations around these operations change the schema: *expand* drops the
parent from the children's bases (``SetModelBases``), turns each child's
parent link into a primary key of its own (same values) and adds nullable
copies of the parent's fields, and keys to the children beside every foreign
key to the parent. The operations here move the data:

- :class:`CopyParentFields` (backfill) copies the parent's values into a
  child with one join, verifies every row, and clears them when reversed;
- :class:`SplitReferences` (backfill) points the new keys (or content type and
  object id) of every row that referred to the parent at the child holding
  that row, one join per child; a reference to a parent row in no child is
  an error unless the plan says what to do with it (``orphans``);
- :class:`DetachParentRows` (contract) clears the old keys that moved and
  deletes the parent rows that moved; reversed, it puts them back from the
  children;
- :class:`ResetKeySequence` starts a new primary key's sequence after the
  largest key (PostgreSQL; the other backends do it themselves).

Statements do not grow with the rows: one per table and step, or one per
batch of ``batch_size`` rows (then each batch commits on its own, and a run
that stopped resumes: a batch only touches rows not moved yet). Without
batches, each operation runs in one transaction that a failed check rolls
back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.management.color import no_style
from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation, OperationCategory
from django.db.migrations.state import ProjectState, StateApps

from django_remodel.errors import BackfillVerificationError, OperationSetupError
from django_remodel.operations.batching import (
    BatchOptions,
    Runner,
    check_batchable,
    outcome,
    run_data_move,
)
from django_remodel.operations.state import (
    TEXT_FIELDS,
    column,
    integer_keys,
    pk_column,
    state_column,
    state_model,
)
from django_remodel.sql.base import KeyRange, Statement
from django_remodel.sql.detach import (
    Column,
    CopyColumns,
    DetachSQL,
    ParentRows,
    ReferenceMove,
    Target,
    detach_sql,
    table_keys,
)

ORPHAN_CHOICES = ("error", "null", "keep-parent")
"""What happens to a reference whose parent row is in no detached child."""


def _copy_columns(
    apps: StateApps, app_label: str, child_name: str, parent_name: str, fields: Sequence[str]
) -> tuple[type[models.Model], CopyColumns]:
    child = state_model(apps, app_label, child_name, "child")
    parent = state_model(apps, app_label, parent_name, "parent")
    if parent in child._meta.parents:
        raise OperationSetupError(
            f"{child._meta.label!r} still inherits from {parent._meta.label!r} in the migration "
            "state; the expand migration's SetModelBases must come first."
        )
    columns = []
    for name in fields:
        source = state_column(parent, name)
        target = state_column(child, name)
        text = isinstance(source, TEXT_FIELDS) and isinstance(target, TEXT_FIELDS)
        columns.append(Column(column(source), column(target), text))
    copy = CopyColumns(
        child_table=child._meta.db_table,
        child_pk=pk_column(child),
        parent_table=parent._meta.db_table,
        parent_pk=pk_column(parent),
        columns=tuple(columns),
    )
    return child, copy


def _check_batching(
    operation: str, model: type[models.Model], options: BatchOptions, editor: Any
) -> None:
    check_batchable(operation, repr(model._meta.label), options, editor)


def _run(
    runner: Runner,
    editor: BaseDatabaseSchemaEditor,
    table: str,
    pk: str,
    integer_keys: bool,
    statements: Callable[[KeyRange], list[Statement]],
    options: BatchOptions,
    label: str,
    verify: Callable[[], None] | None = None,
) -> int:
    """Run ``statements`` over ``table``: at once with ``verify`` in the same transaction,
    or in key-range batches (``verify`` after the last one)."""
    return run_data_move(
        runner,
        table_keys(editor.connection, table, pk),
        statements,
        options,
        integer_keys=integer_keys,
        label=label,
        after=verify,
    )


class BatchedOperation(Operation):
    """A data move with batch options, which leaves the project state alone."""

    category = OperationCategory.SQL
    reversible = True
    reduces_to_sql = True
    options: BatchOptions

    @property
    def batch_size(self) -> int | None:
        return self.options.batch_size

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing: the schema operations around it change the state."""


class CopyParentFields(BatchedOperation):
    """Copy a former parent's values into a child's own columns; clear them when reversed."""

    def __init__(
        self,
        model_name: str,
        parent: str,
        fields: Sequence[str],
        *,
        batch_size: int | None = None,
        lock_timeout_ms: int | None = None,
        pause: float = 0.0,
    ) -> None:
        """Copy ``fields`` of ``parent`` into the fields of the same names of ``model_name``,
        joining the child's primary key (its former parent link) to the parent's."""
        if not fields:
            raise OperationSetupError(
                f"CopyParentFields({model_name!r}): fields is empty; name the parent's fields."
            )
        self.model_name = model_name
        self.parent = parent
        self.fields = tuple(fields)
        self.options = BatchOptions(batch_size, lock_timeout_ms, pause)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "model_name": self.model_name,
            "parent": self.parent,
            "fields": list(self.fields),
            **self.options.kwargs(),
        }
        return self.__class__.__name__, [], kwargs

    def _prepare(
        self, app_label: str, editor: BaseDatabaseSchemaEditor, state: ProjectState
    ) -> tuple[type[models.Model], CopyColumns, DetachSQL] | None:
        child, copy = _copy_columns(
            state.apps, app_label, self.model_name, self.parent, self.fields
        )
        if not self.allow_migrate_model(editor.connection.alias, child):
            return None
        _check_batching(type(self).__name__, child, self.options, editor)
        return child, copy, detach_sql(editor.connection)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        prepared = self._prepare(app_label, schema_editor, to_state)
        if prepared is None:
            return
        child, copy, sql = prepared
        runner = Runner(schema_editor)
        label = f"{child._meta.label} <- {self.parent}"

        def verify() -> None:
            statement = sql.verify_copy(copy)
            if runner.collecting:
                runner.execute(statement)
                return
            lost, different = (int(n) for n in runner.fetch(statement)[0])
            if lost or different:
                left = outcome(
                    runner,
                    "each batch only touches rows that differ from their parent, so running "
                    "migrate again carries on.",
                )
                raise BackfillVerificationError(
                    f"Copying {self.parent}'s fields into {child._meta.label} did not verify: "
                    f"{lost:,} {child._meta.label} row(s) have no {self.parent} row to copy "
                    f"from, {different:,} row(s) differ from theirs in "
                    f"{', '.join(self.fields)}. {left} Find what changed the rows (code "
                    "still writing the old way?), then run migrate again."
                )

        _run(
            runner,
            schema_editor,
            copy.child_table,
            copy.child_pk,
            integer_keys(child),
            lambda keys: [sql.copy(copy, keys)],
            self.options,
            label,
            verify,
        )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        prepared = self._prepare(app_label, schema_editor, from_state)
        if prepared is None:
            return
        child, copy, sql = prepared
        _run(
            Runner(schema_editor),
            schema_editor,
            copy.child_table,
            copy.child_pk,
            integer_keys(child),
            lambda keys: [sql.clear_copy(copy, keys)],
            self.options,
            f"{child._meta.label} (clearing {self.parent}'s fields)",
        )

    def describe(self) -> str:
        return f"Copy {', '.join(self.fields)} from {self.parent} into {self.model_name}" + (
            f" (batches of {self.batch_size:,} rows)" if self.batch_size else ""
        )

    @property
    def migration_name_fragment(self) -> str:
        return f"copy_{self.parent.rpartition('.')[2].lower()}_into_{self.model_name.lower()}"


@dataclass(frozen=True)
class _References:
    model: type[models.Model]
    move: ReferenceMove
    old: models.ForeignKey[Any, Any]


def _content_type_id(runner: Runner, model: type[models.Model]) -> int:
    table = runner.connection.ops.quote_name("django_content_type")
    statement = Statement(
        f"SELECT id FROM {table} WHERE app_label = %s AND model = %s",
        (model._meta.app_label, model._meta.model_name),
    )
    if runner.collecting:
        # sqlmigrate may run on a database without the rows; the id is a parameter.
        try:
            found = runner.fetch(statement)
        except Exception:
            found = []
        return int(found[0][0]) if found else 0
    found = runner.fetch(statement)
    if not found:
        raise OperationSetupError(
            f"{model._meta.label!r} has no content type row yet; run migrate once with "
            "django.contrib.contenttypes installed (it adds the rows), then again."
        )
    return int(found[0][0])


def _references(
    apps: StateApps,
    app_label: str,
    runner: Runner,
    model_name: str,
    field_name: str,
    children: Sequence[str],
    fields: Sequence[str],
    generic: bool,
) -> _References:
    model = state_model(apps, app_label, model_name, "referring")
    old = state_column(model, field_name)
    if not isinstance(old, models.ForeignKey):
        raise OperationSetupError(
            f"{model._meta.label}.{field_name} is a {type(old).__name__}, not the foreign key "
            "to the parent."
        )
    if generic and len(fields) != 2:
        raise OperationSetupError(
            f"Generic references of {model._meta.label}.{field_name} need two fields, the "
            f"content type and the object id; got {list(fields)!r}."
        )
    if not generic and len(fields) != len(children):
        raise OperationSetupError(
            f"{model._meta.label}.{field_name} is split over {len(children)} children but "
            f"{len(fields)} new keys were named; name one key per child."
        )
    targets = []
    for number, child_name in enumerate(children):
        child = state_model(apps, app_label, child_name, "child")
        if generic:
            columns = tuple(column(state_column(model, name)) for name in fields)
            content_type = _content_type_id(runner, child)
        else:
            columns = (column(state_column(model, fields[number])),)
            content_type = None
        targets.append(Target(child._meta.db_table, pk_column(child), columns, content_type))
    move = ReferenceMove(
        table=model._meta.db_table,
        pk=pk_column(model),
        old=column(old),
        targets=tuple(targets),
        generic=generic,
    )
    return _References(model, move, old)


class SplitReferences(BatchedOperation):
    """Point the new keys of a model that referred to the parent at the children."""

    def __init__(
        self,
        model_name: str,
        field_name: str,
        children: Sequence[str],
        fields: Sequence[str],
        *,
        generic: bool = False,
        orphans: str = "error",
        batch_size: int | None = None,
        lock_timeout_ms: int | None = None,
        pause: float = 0.0,
    ) -> None:
        """``model_name.field_name`` is the foreign key to the parent; ``fields`` the new
        key to each of ``children`` (or, ``generic``, the content type and object id fields).

        ``orphans``: a reference to a parent row in no child is an ``error``, or left
        without a new key (``null``, ``keep-parent``: the old key keeps it).
        """
        if orphans not in ORPHAN_CHOICES:
            raise OperationSetupError(
                f"SplitReferences({model_name!r}, {field_name!r}): orphans={orphans!r} is not "
                f"one of {', '.join(ORPHAN_CHOICES)}."
            )
        self.model_name = model_name
        self.field_name = field_name
        self.children = tuple(children)
        self.fields = tuple(fields)
        self.generic = generic
        self.orphans = orphans
        self.options = BatchOptions(batch_size, lock_timeout_ms, pause)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "model_name": self.model_name,
            "field_name": self.field_name,
            "children": list(self.children),
            "fields": list(self.fields),
        }
        if self.generic:
            kwargs["generic"] = True
        if self.orphans != "error":
            kwargs["orphans"] = self.orphans
        kwargs.update(self.options.kwargs())
        return self.__class__.__name__, [], kwargs

    def _prepare(
        self, app_label: str, editor: BaseDatabaseSchemaEditor, state: ProjectState
    ) -> tuple[Runner, _References, DetachSQL] | None:
        runner = Runner(editor)
        found = _references(
            state.apps,
            app_label,
            runner,
            self.model_name,
            self.field_name,
            self.children,
            self.fields,
            self.generic,
        )
        if not self.allow_migrate_model(editor.connection.alias, found.model):
            return None
        _check_batching(type(self).__name__, found.model, self.options, editor)
        return runner, found, detach_sql(editor.connection)

    @property
    def label(self) -> str:
        return f"{self.model_name}.{self.field_name}"

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        prepared = self._prepare(app_label, schema_editor, to_state)
        if prepared is None:
            return
        runner, found, sql = prepared
        move = found.move
        check = sql.verify_references(move)
        if self.orphans == "error":
            if runner.collecting:
                runner.comment(
                    f"First, one statement counts the rows of {self.label} whose row is in no "
                    "child (an error if any):"
                )
                runner.execute(check)
            else:
                orphans = int(runner.fetch(check)[0][1])
                if orphans:
                    raise BackfillVerificationError(
                        f"{orphans:,} row(s) of {found.model._meta.label} refer through "
                        f"{self.field_name!r} to a {found.old.related_model._meta.label} row "
                        f"that is in none of {', '.join(self.children)}; nothing was changed. "
                        "Keep the parent for them (orphans='keep-parent'), leave them without "
                        "a new reference (orphans='null'), or delete or repoint them first."
                    )

        def statements(keys: KeyRange) -> list[Statement]:
            return [sql.fill_reference(move, target, keys) for target in move.targets]

        def verify() -> None:
            if runner.collecting:
                runner.execute(check)
                return
            wrong = int(runner.fetch(check)[0][0])
            if wrong:
                left = outcome(
                    runner, "a batch only fills new keys that are NULL, so migrate again resumes."
                )
                raise BackfillVerificationError(
                    f"Splitting {self.label} over {', '.join(self.children)} did not verify: "
                    f"{wrong:,} row(s) have a new reference missing, or pointing at another row "
                    f"than {self.field_name!r}. {left} Set the new references of those rows "
                    "to NULL, then run migrate again."
                )

        _run(
            runner,
            schema_editor,
            move.table,
            move.pk,
            integer_keys(found.model),
            statements,
            self.options,
            f"{self.label} -> {', '.join(self.fields)}",
            verify,
        )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        prepared = self._prepare(app_label, schema_editor, from_state)
        if prepared is None:
            return
        runner, found, sql = prepared
        _run(
            runner,
            schema_editor,
            found.move.table,
            found.move.pk,
            integer_keys(found.model),
            lambda keys: [sql.clear_references(found.move, keys)],
            self.options,
            f"{self.label} (clearing {', '.join(self.fields)})",
        )

    def describe(self) -> str:
        how = "content type and object id" if self.generic else ", ".join(self.fields)
        return f"Split {self.label} over {', '.join(self.children)} ({how})"

    @property
    def migration_name_fragment(self) -> str:
        return f"split_{self.model_name.lower()}_{self.field_name.lower()}"


class DetachParentRows(BatchedOperation):
    """Clear the old keys that moved and delete the parent rows that moved to the children;
    reversed, put the parent rows and the old keys back from the children."""

    def __init__(
        self,
        parent: str,
        children: Sequence[str],
        fields: Sequence[str],
        references: Sequence[Sequence[Any]] = (),
        *,
        drop: bool = True,
        orphans: str = "error",
        batch_size: int | None = None,
        lock_timeout_ms: int | None = None,
        pause: float = 0.0,
    ) -> None:
        """``references`` are ``[model_name, field_name, new_fields, generic]`` lists as
        :class:`SplitReferences` takes them. ``drop``: the parent is about to be deleted, so
        every one of its rows must have moved (unless ``orphans`` is ``'null'``)."""
        if orphans not in ORPHAN_CHOICES:
            raise OperationSetupError(
                f"DetachParentRows({parent!r}): orphans={orphans!r} is not one of "
                f"{', '.join(ORPHAN_CHOICES)}."
            )
        self.parent = parent
        self.children = tuple(children)
        self.fields = tuple(fields)
        self.references = tuple((str(r[0]), str(r[1]), tuple(r[2]), bool(r[3])) for r in references)
        self.drop = drop
        self.orphans = orphans
        self.options = BatchOptions(batch_size, lock_timeout_ms, pause)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "parent": self.parent,
            "children": list(self.children),
            "fields": list(self.fields),
        }
        if self.references:
            kwargs["references"] = [
                [model, field, list(new), generic] for model, field, new, generic in self.references
            ]
        if not self.drop:
            kwargs["drop"] = False
        if self.orphans != "error":
            kwargs["orphans"] = self.orphans
        kwargs.update(self.options.kwargs())
        return self.__class__.__name__, [], kwargs

    def _prepare(
        self, app_label: str, editor: BaseDatabaseSchemaEditor, state: ProjectState
    ) -> tuple[Runner, type[models.Model], ParentRows, list[_References], DetachSQL] | None:
        apps = state.apps
        parent = state_model(apps, app_label, self.parent, "parent")
        if not self.allow_migrate_model(editor.connection.alias, parent):
            return None
        _check_batching(type(self).__name__, parent, self.options, editor)
        copies = tuple(
            _copy_columns(apps, app_label, child, self.parent, self.fields)[1]
            for child in self.children
        )
        rows = ParentRows(parent._meta.db_table, pk_column(parent), copies)
        runner = Runner(editor)
        found = [
            _references(apps, app_label, runner, model, field, self.children, new, generic)
            for model, field, new, generic in self.references
        ]
        return runner, parent, rows, found, detach_sql(editor.connection)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        prepared = self._prepare(app_label, schema_editor, from_state)
        if prepared is None:
            return
        runner, parent, rows, found, sql = prepared
        for ref in found:
            move = ref.move
            _run(
                runner,
                schema_editor,
                move.table,
                move.pk,
                integer_keys(ref.model),
                lambda keys, move=move: [sql.clear_old(move, keys)],  # type: ignore[misc]
                self.options,
                f"{ref.model._meta.label}.{ref.old.name} (clearing keys that moved)",
            )

        def verify() -> None:
            counts = [sql.count_parent(rows)] + [sql.count_old(ref.move) for ref in found]
            if runner.collecting:
                runner.execute_all(counts)
                return
            left, moved = (int(n) for n in runner.fetch(counts[0])[0])
            old_keys = [int(runner.fetch(statement)[0][0]) for statement in counts[1:]]
            label = parent._meta.label
            if moved:
                raise BackfillVerificationError(
                    f"{moved:,} {label} row(s) that moved to a child are still there. "
                    f"{outcome(runner, 'migrate again carries on.')}"
                )
            if self.drop and self.orphans == "error" and (left or any(old_keys)):
                kept = ", ".join(
                    f"{n:,} in {ref.model._meta.label}.{ref.old.name}"
                    for ref, n in zip(found, old_keys, strict=True)
                    if n
                )
                raise BackfillVerificationError(
                    f"{label} is about to be deleted, but {left:,} of its rows are in no "
                    f"child"
                    + (f" and references to them remain ({kept})" if kept else "")
                    + f". {outcome(runner, 'migrate again carries on.')} Keep the parent "
                    "(remodel detach --keep-parent), or delete those rows first."
                )

        _run(
            runner,
            schema_editor,
            rows.parent_table,
            rows.parent_pk,
            integer_keys(parent),
            lambda keys: [sql.delete_moved(rows, keys)],
            self.options,
            f"{parent._meta.label} (deleting rows that moved)",
            verify,
        )
        if runner.connection.in_atomic_block or runner.collecting:
            runner.execute_all(sql.check_deferred())

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        prepared = self._prepare(app_label, schema_editor, to_state)
        if prepared is None:
            return
        runner, parent, rows, found, sql = prepared
        with runner.transaction():
            runner.execute_all([sql.restore_parent(rows, copy) for copy in rows.children])
            _reset_sequence(runner, schema_editor, parent)
        for ref in found:
            move = ref.move
            _run(
                runner,
                schema_editor,
                move.table,
                move.pk,
                integer_keys(ref.model),
                lambda keys, move=move: [sql.restore_old(move, keys)],  # type: ignore[misc]
                self.options,
                f"{ref.model._meta.label}.{ref.old.name} (restoring keys)",
            )
        if runner.connection.in_atomic_block or runner.collecting:
            runner.execute_all(sql.check_deferred())

    def describe(self) -> str:
        what = "delete" if self.drop else "keep"
        return (
            f"Delete the {self.parent} rows that moved to {', '.join(self.children)} "
            f"(then {what} {self.parent})"
        )

    @property
    def migration_name_fragment(self) -> str:
        return f"detach_{self.parent.rpartition('.')[2].lower()}_rows"


def _reset_sequence(
    runner: Runner, schema_editor: BaseDatabaseSchemaEditor, model: type[models.Model]
) -> None:
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [model]):
        runner.execute(Statement(sql))


class ResetKeySequence(Operation):
    """Start the sequence of a model's primary key after its largest key (PostgreSQL)."""

    reversible = True
    reduces_to_sql = True
    category = OperationCategory.SQL

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__name__, [], {"model_name": self.model_name}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing: only the database's sequence moves."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = state_model(to_state.apps, app_label, self.model_name, "")
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            _reset_sequence(Runner(schema_editor), schema_editor, model)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Nothing: the key it numbers is about to go."""

    def describe(self) -> str:
        return f"Start the key sequence of {self.model_name} after its largest key"

    @property
    def migration_name_fragment(self) -> str:
        return f"reset_{self.model_name.lower()}_sequence"


__all__ = [
    "ORPHAN_CHOICES",
    "CopyParentFields",
    "DetachParentRows",
    "ResetKeySequence",
    "SplitReferences",
]
