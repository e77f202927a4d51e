"""``remodel absorb``'s data moves: a one-to-one profile's values copied into its user.

The migrations around these operations change the schema: *expand* adds the
profile's fields to the user (with their defaults, which users without a
profile keep) and, beside every foreign key to the profile, a key to the user;
*contract* removes the old keys and deletes the profile. The operations here
move the data:

- :class:`CopyProfileFields` (backfill) copies each profile's values into its
  user with one join and verifies every user, field by field;
- :class:`RepointProfileReferences` (backfill) points the new keys at the
  user of the profile the old key names, and verifies every row;
- :class:`KeepProfileReferences` (contract) checks the new keys again before
  the old ones go; reversed, it writes the old keys back from the new ones;
- :class:`KeepProfileRows` (contract) checks the copies again before the
  profile table goes; reversed, it puts a profile back for every user, from
  the user's columns.

Statements do not grow with the rows: one per table and step, or one per
batch of ``batch_size`` rows (each batch then commits on its own, and a
stopped run resumes: a batch only touches rows not moved yet).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState, StateApps

from django_remodel.errors import BackfillVerificationError, OperationSetupError
from django_remodel.operations.batching import (
    BatchOptions,
    Runner,
    check_batchable,
    outcome,
    progress_logger,
    run_data_move,
)
from django_remodel.operations.detach import BatchedOperation
from django_remodel.operations.state import (
    TEXT_FIELDS,
    column,
    integer_keys,
    pk_column,
    state_column,
    state_model,
)
from django_remodel.sql.absorb import ProfileReference, absorb_sql
from django_remodel.sql.base import KeyRange, Statement
from django_remodel.sql.detach import Column, CopyColumns, ParentRows, detach_sql, table_keys


def _link(profile: type[models.Model], link: str, target: type[models.Model]) -> str:
    field = state_column(profile, link)
    if not isinstance(field, models.OneToOneField) or field.related_model is not target:
        raise OperationSetupError(
            f"{profile._meta.label}.{link} is not a one-to-one field to "
            f"{target._meta.label!r} in the migration state; name the profile's link."
        )
    return column(field)


def _copy_columns(
    apps: StateApps,
    app_label: str,
    model_name: str,
    profile_name: str,
    link: str,
    fields: Sequence[str],
) -> tuple[type[models.Model], type[models.Model], CopyColumns]:
    target = state_model(apps, app_label, model_name, "target")
    profile = state_model(apps, app_label, profile_name, "profile")
    columns = []
    for name in fields:
        source = state_column(profile, name)
        copy = state_column(target, name)
        text = isinstance(source, TEXT_FIELDS) and isinstance(copy, TEXT_FIELDS)
        columns.append(Column(column(source), column(copy), text))
    # The profile plays the parent's part of detach's join, matched on its link.
    copy_columns = CopyColumns(
        child_table=target._meta.db_table,
        child_pk=pk_column(target),
        parent_table=profile._meta.db_table,
        parent_pk=_link(profile, link, target),
        columns=tuple(columns),
    )
    return target, profile, copy_columns


def _move(
    runner: Runner,
    table: str,
    pk: str,
    model: type[models.Model],
    statements: Callable[[KeyRange], list[Statement]],
    options: BatchOptions,
    label: str,
    verify: Callable[[], None] | None = None,
) -> int:
    """``statements`` over ``table``, at once or in key-range batches, then ``verify``."""
    return run_data_move(
        runner,
        table_keys(runner.connection, table, pk),
        statements,
        options,
        integer_keys=integer_keys(model),
        label=label,
        after=verify,
    )


def _check_fields(operation: str, model_name: str, fields: Sequence[str]) -> tuple[str, ...]:
    if not fields:
        raise OperationSetupError(
            f"{operation}({model_name!r}): fields is empty; name the profile's fields."
        )
    return tuple(fields)


class CopyProfileFields(BatchedOperation):
    """Copy each profile's values into its user's columns of the same names."""

    def __init__(
        self,
        model_name: str,
        profile: str,
        link: str,
        fields: Sequence[str],
        *,
        batch_size: int | None = None,
        lock_timeout_ms: int | None = None,
        pause: float = 0.0,
    ) -> None:
        """Copy ``fields`` of ``profile`` into ``model_name``, joining the profile's one-to-one
        ``link`` to the model's primary key; users without a profile keep their values."""
        self.model_name = model_name
        self.profile = profile
        self.link = link
        self.fields = _check_fields(type(self).__name__, model_name, fields)
        self.options = BatchOptions(batch_size, lock_timeout_ms, pause)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "model_name": self.model_name,
            "profile": self.profile,
            "link": self.link,
            "fields": list(self.fields),
            **self.options.kwargs(),
        }
        return self.__class__.__name__, [], kwargs

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        target, _profile, copy = _copy_columns(
            to_state.apps, app_label, self.model_name, self.profile, self.link, self.fields
        )
        if not self.allow_migrate_model(schema_editor.connection.alias, target):
            return
        check_batchable(type(self).__name__, repr(target._meta.label), self.options, schema_editor)
        sql = detach_sql(schema_editor.connection)
        runner = Runner(schema_editor)
        label = f"{target._meta.label} <- {self.profile}"

        def verify() -> None:
            statement = sql.verify_copy(copy)
            if runner.collecting:
                runner.execute(statement)
                return
            without, different = (int(n) for n in runner.fetch(statement)[0])
            if different:
                left = outcome(
                    runner,
                    "each batch only touches users that differ from their profile, so running "
                    "migrate again carries on.",
                )
                raise BackfillVerificationError(
                    f"Copying {self.profile}'s fields into {target._meta.label} did not verify: "
                    f"{different:,} {target._meta.label} row(s) differ from their "
                    f"{self.profile} in {', '.join(self.fields)}. {left} Find what changed "
                    "the rows (code still writing the profile?), then run migrate again."
                )
            progress_logger.info(
                "%s: %s row(s) have no %s and keep the fields' defaults",
                target._meta.label,
                f"{without:,}",
                self.profile,
            )

        _move(
            runner,
            copy.child_table,
            copy.child_pk,
            target,
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
        """Nothing: the profile still holds every value, and reversing the expand migration
        removes the copies."""

    def describe(self) -> str:
        return f"Copy {', '.join(self.fields)} from {self.profile} into {self.model_name}" + (
            f" (batches of {self.batch_size:,} rows)" if self.batch_size else ""
        )

    @property
    def migration_name_fragment(self) -> str:
        profile = self.profile.rpartition(".")[2].lower()
        return f"copy_{profile}_into_{self.model_name.rpartition('.')[2].lower()}"


def _reference(
    apps: StateApps,
    app_label: str,
    model_name: str,
    field_name: str,
    new_field: str,
    profile_name: str,
    link: str,
) -> tuple[type[models.Model], ProfileReference]:
    model = state_model(apps, app_label, model_name, "referring")
    profile = state_model(apps, app_label, profile_name, "profile")
    old = state_column(model, field_name)
    new = state_column(model, new_field)
    link_field = state_column(profile, link)
    target = link_field.related_model
    if not isinstance(old, models.ForeignKey) or old.related_model is not profile:
        raise OperationSetupError(
            f"{model._meta.label}.{field_name} is not a foreign key to {profile._meta.label!r} "
            "in the migration state; name the key to the profile."
        )
    if not isinstance(new, models.ForeignKey) or new.related_model is not target:
        raise OperationSetupError(
            f"{model._meta.label}.{new_field} is not a foreign key to the model "
            f"{profile._meta.label}.{link} points at; the expand migration must add it first."
        )
    assert isinstance(target, type)
    reference = ProfileReference(
        table=model._meta.db_table,
        pk=pk_column(model),
        old=column(old),
        new=column(new),
        profile_table=profile._meta.db_table,
        profile_pk=pk_column(profile),
        profile_link=_link(profile, link, target),
    )
    return model, reference


class _ReferenceOperation(BatchedOperation):
    def __init__(
        self,
        model_name: str,
        field_name: str,
        new_field: str,
        profile: str,
        link: str,
        *,
        batch_size: int | None = None,
        lock_timeout_ms: int | None = None,
        pause: float = 0.0,
    ) -> None:
        self.model_name = model_name
        self.field_name = field_name
        self.new_field = new_field
        self.profile = profile
        self.link = link
        self.options = BatchOptions(batch_size, lock_timeout_ms, pause)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "model_name": self.model_name,
            "field_name": self.field_name,
            "new_field": self.new_field,
            "profile": self.profile,
            "link": self.link,
            **self.options.kwargs(),
        }
        return self.__class__.__name__, [], kwargs

    def _prepare(
        self, app_label: str, editor: BaseDatabaseSchemaEditor, state: ProjectState
    ) -> tuple[type[models.Model], ProfileReference] | None:
        model, reference = _reference(
            state.apps,
            app_label,
            self.model_name,
            self.field_name,
            self.new_field,
            self.profile,
            self.link,
        )
        if not self.allow_migrate_model(editor.connection.alias, model):
            return None
        check_batchable(type(self).__name__, repr(model._meta.label), self.options, editor)
        return model, reference

    def _verify(self, runner: Runner, reference: ProfileReference, resume: str) -> None:
        statement = absorb_sql(runner.connection).verify(reference)
        if runner.collecting:
            runner.execute(statement)
            return
        wrong = int(runner.fetch(statement)[0][0])
        if wrong:
            raise BackfillVerificationError(
                f"{wrong:,} {self.model_name} row(s) have a {self.new_field!r} that is not the "
                f"user of the {self.profile} their {self.field_name!r} names. "
                f"{outcome(runner, resume)} Find what wrote them (code still setting "
                f"{self.field_name!r}?), then run migrate again."
            )


class RepointProfileReferences(_ReferenceOperation):
    """Point a model's new key at the user of the profile its old key names."""

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
        model, reference = prepared
        runner = Runner(schema_editor)
        sql = absorb_sql(schema_editor.connection)
        _move(
            runner,
            reference.table,
            reference.pk,
            model,
            lambda keys: [sql.fill(reference, keys)],
            self.options,
            f"{model._meta.label}.{self.new_field} <- {self.field_name}",
            lambda: self._verify(
                runner, reference, "a batch only fills keys not set yet, so migrate carries on."
            ),
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
        model, reference = prepared
        sql = absorb_sql(schema_editor.connection)
        _move(
            Runner(schema_editor),
            reference.table,
            reference.pk,
            model,
            lambda keys: [sql.clear(reference, keys)],
            self.options,
            f"{model._meta.label}.{self.new_field} (clearing)",
        )

    def describe(self) -> str:
        return (
            f"Point {self.model_name}.{self.new_field} at the user of the {self.profile} "
            f"{self.field_name} names"
        )

    @property
    def migration_name_fragment(self) -> str:
        return f"repoint_{self.model_name.rpartition('.')[2].lower()}_{self.field_name}"


class KeepProfileReferences(_ReferenceOperation):
    """Check the new keys before the old ones go; reversed, write the old keys back."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        prepared = self._prepare(app_label, schema_editor, to_state)
        if prepared is not None:
            self._verify(Runner(schema_editor), prepared[1], "run migrate again once fixed.")

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
        model, reference = prepared
        runner = Runner(schema_editor)
        sql = absorb_sql(schema_editor.connection)

        def verify() -> None:
            if runner.collecting:
                return
            missing = int(runner.fetch(sql.count_unrestored(reference))[0][0])
            if missing:
                raise BackfillVerificationError(
                    f"{missing:,} {model._meta.label} row(s) refer to a user that has no "
                    f"{self.profile} again; {outcome(runner, 'migrate back again carries on.')}"
                )

        _move(
            runner,
            reference.table,
            reference.pk,
            model,
            lambda keys: [sql.restore_old(reference, keys)],
            self.options,
            f"{model._meta.label}.{self.field_name} (restoring)",
            verify,
        )

    def describe(self) -> str:
        return f"Check {self.model_name}.{self.new_field} before {self.field_name} goes"

    @property
    def migration_name_fragment(self) -> str:
        return f"keep_{self.model_name.rpartition('.')[2].lower()}_{self.field_name}"


class KeepProfileRows(BatchedOperation):
    """Check the copies before the profile goes; reversed, give every user a profile back."""

    def __init__(self, model_name: str, profile: str, link: str, fields: Sequence[str]) -> None:
        """``model_name`` holds copies of ``fields`` of ``profile``, matched on ``link``."""
        self.model_name = model_name
        self.profile = profile
        self.link = link
        self.fields = _check_fields(type(self).__name__, model_name, fields)
        self.options = BatchOptions()

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "model_name": self.model_name,
            "profile": self.profile,
            "link": self.link,
            "fields": list(self.fields),
        }
        return self.__class__.__name__, [], kwargs

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        target, _profile, copy = _copy_columns(
            to_state.apps, app_label, self.model_name, self.profile, self.link, self.fields
        )
        if not self.allow_migrate_model(schema_editor.connection.alias, target):
            return
        runner = Runner(schema_editor)
        statement = detach_sql(schema_editor.connection).verify_copy(copy)
        if runner.collecting:
            runner.execute(statement)
            return
        _without, different = (int(n) for n in runner.fetch(statement)[0])
        if different:
            raise BackfillVerificationError(
                f"{different:,} {target._meta.label} row(s) no longer match their "
                f"{self.profile} in {', '.join(self.fields)}; deleting {self.profile} would "
                f"lose those values, so it was not deleted. Stop the code writing "
                f"{self.profile}, migrate back to the backfill and forwards again."
            )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        target, _profile, copy = _copy_columns(
            from_state.apps, app_label, self.model_name, self.profile, self.link, self.fields
        )
        if not self.allow_migrate_model(schema_editor.connection.alias, target):
            return
        rows = ParentRows(copy.parent_table, copy.parent_pk, (copy,))
        Runner(schema_editor).execute(
            detach_sql(schema_editor.connection).restore_parent(rows, copy)
        )

    def describe(self) -> str:
        return f"Check {self.model_name}'s copies of {self.profile} before it goes"

    @property
    def migration_name_fragment(self) -> str:
        return f"keep_{self.profile.rpartition('.')[2].lower()}_rows"


__all__ = [
    "CopyProfileFields",
    "KeepProfileReferences",
    "KeepProfileRows",
    "RepointProfileReferences",
]
