"""``remodel normalize``'s data moves: a repeated text column becomes a lookup table
plus a foreign key to it.

The migrations around these operations do the schema changes: *expand* adds
the lookup model and a nullable foreign key, :class:`NormalizeColumn` (the
backfill) fills both from the old column, *contract* drops the old column,
after :class:`RestoreColumnFromForeignKey`, which refills it when the contract
migration is reversed. Neither operation changes the project state.

The statement count does not grow with the rows: one ``INSERT ... SELECT``
of the missing distinct values, one join ``UPDATE`` (or one per batch), one
verifying ``SELECT``; on MySQL/MariaDB with a unique target column, one more
statement first, counting values its collation would store as one.

Transactions: without ``batch_size``, or when the table holds no more rows
than one batch, everything, the verification included, runs in one
transaction (the migration's, or one of its own where the migration is not
atomic or the backend runs migrations outside one, as MySQL does), so a failed
check rolls the move back. Above ``batch_size`` rows each range of rows
commits on its own; the migration must then be ``atomic = False``, and a run
that stopped half-way (killed, or failing its check) is resumed by running it
again: every statement only touches rows whose foreign key is still NULL, and
only inserts values the lookup table lacks. On PostgreSQL the foreign key's
constraint is dropped while the batches run and added back ``NOT VALID``, then
validated: one check of every row at the end instead of one per row at each
commit, and no lock that stops reads or writes while it runs.

``batch_seconds`` sizes the batches by time: the first is ``batch_size`` rows,
each next one as many as the previous one's rate says take that long (see
:mod:`django_remodel.operations.batching`).

Where the database says both text columns compare exactly under their own
collations (SQLite without ``COLLATE``, PostgreSQL's deterministic ones), one
catalog read first lets the statements compare with a plain ``=`` (see
:mod:`django_remodel.sql.base`); ``sqlmigrate`` shows the wrapped form.

``lock_timeout_ms`` bounds lock waits: PostgreSQL's ``lock_timeout`` for each
transaction (for the rest of the migration's transaction when unbatched),
MySQL's ``innodb_lock_wait_timeout`` for the session while the operation runs
(in whole seconds, at least 1); SQLite has none to set.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation, OperationCategory
from django.db.migrations.state import ProjectState, StateApps
from django.db.models.fields import NOT_PROVIDED

from django_remodel.errors import (
    BackfillVerificationError,
    OperationSetupError,
    UnknownFieldError,
    ValueClashError,
)
from django_remodel.operations.batching import (
    BatchOptions,
    Runner,
    check_batchable,
    outcome,
    run_data_move,
)
from django_remodel.operations.state import TEXT_FIELDS, column, state_model
from django_remodel.sql import ColumnMove, InsertValue, NormalizeSQL, normalize_sql


@dataclass(frozen=True)
class _Resolved:
    """The models and fields an operation names, as the migration's state has them."""

    source: type[models.Model]
    value: models.Field[Any, Any]
    fk: models.ForeignKey[Any, Any]
    target: type[models.Model]
    target_value: models.Field[Any, Any]

    @property
    def label(self) -> str:
        """``app.Model.field``, for messages."""
        return f"{self.source._meta.label}.{self.value.name}"

    @property
    def fk_label(self) -> str:
        return f"{self.source._meta.label}.{self.fk.name}"

    @property
    def target_label(self) -> str:
        return f"{self.target._meta.label}.{self.target_value.name}"

    @property
    def integer_keys(self) -> bool:
        pk: Any = self.source._meta.pk
        while isinstance(pk, models.ForeignKey):  # a multi-table child's parent link
            pk = pk.target_field
        return isinstance(pk, models.IntegerField)

    @property
    def pk_column(self) -> str | None:
        pk = self.source._meta.pk
        return None if pk is None else pk.column


def _field(model: type[models.Model], name: str, role: str) -> models.Field[Any, Any]:
    label = model._meta.label
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        known = ", ".join(repr(field.name) for field in model._meta.local_concrete_fields)
        raise UnknownFieldError(
            f"Model {label!r} has no field {name!r} (the {role}); its columns are {known}."
        ) from None
    if not isinstance(found, models.Field) or found not in model._meta.local_concrete_fields:
        raise OperationSetupError(
            f"{label}.{name} (the {role}) is not a column of {label!r}'s own table; "
            "name a concrete field declared on that model."
        )
    return found


def _resolve(
    apps: StateApps,
    app_label: str,
    model_name: str,
    field_name: str,
    fk_name: str,
    target_field: str,
    target_model: str | None = None,
) -> _Resolved:
    source = state_model(apps, app_label, model_name, "source")
    value = _field(source, field_name, "column to normalize")
    fk = _field(source, fk_name, "foreign key")
    if not isinstance(fk, models.ForeignKey):
        raise OperationSetupError(
            f"{source._meta.label}.{fk_name} is a {type(fk).__name__}, not a foreign key; "
            "name the ForeignKey the expand migration added."
        )
    related: Any = fk.related_model
    if target_model is None:
        target = related
    else:
        target = state_model(apps, app_label, target_model, "target")
        if related is not target:
            raise OperationSetupError(
                f"{source._meta.label}.{fk_name} points at {related._meta.label!r}, "
                f"not at the target {target._meta.label!r}; name the foreign key to "
                f"{target._meta.label!r}."
            )
    target_value = _field(target, target_field, "lookup value")
    if fk.null is False:
        raise OperationSetupError(
            f"{source._meta.label}.{fk_name} is NOT NULL, so rows cannot wait for the "
            "backfill; add it with null=True, and make it NOT NULL after the backfill."
        )
    return _Resolved(source, value, fk, target, target_value)


def _insert_values(
    resolved: _Resolved, schema_editor: BaseDatabaseSchemaEditor
) -> tuple[InsertValue, ...]:
    """Constants for the target's other NOT NULL columns that the database does not fill."""
    connection = schema_editor.connection
    found: list[InsertValue] = []
    for field in resolved.target._meta.local_concrete_fields:
        if field is resolved.target_value or field.null or getattr(field, "db_returning", False):
            continue  # db_returning: an auto-increment key
        if getattr(field, "generated", False) or field.db_default is not NOT_PROVIDED:
            continue
        name = f"{resolved.target._meta.label}.{field.name}"
        if field.has_default() and callable(field.default):
            raise OperationSetupError(
                f"{name} gets its default from Python ({field.default!r}), once per row, "
                "which a set-based INSERT cannot do; give it a db_default (or null=True) "
                "in the expand migration."
            )
        default = field.get_default()
        if default is None:
            raise OperationSetupError(
                f"{name} is NOT NULL and has no default, so the lookup rows cannot be "
                "inserted; give it a default or db_default (or null=True)."
            )
        db_type = field.db_type(connection)
        assert db_type is not None
        value = field.get_db_prep_save(default, connection)
        found.append(InsertValue(column(field), db_type, value))
    return tuple(found)


def _is_unique(resolved: _Resolved) -> bool:
    field = resolved.target_value
    if field.unique:
        return True
    return any(
        tuple(constraint.fields) == (field.name,)
        for constraint in resolved.target._meta.total_unique_constraints
    )


def _column_move(
    resolved: _Resolved,
    schema_editor: BaseDatabaseSchemaEditor,
    *,
    strip: bool = False,
    casefold: bool = False,
    empty_as_null: bool = False,
    inserting: bool = False,
) -> ColumnMove:
    if (strip or casefold or empty_as_null) and not (
        isinstance(resolved.value, TEXT_FIELDS) and isinstance(resolved.target_value, TEXT_FIELDS)
    ):
        raise OperationSetupError(
            f"strip, casefold and empty_as_null clean text, but {resolved.label} or "
            f"{resolved.target_label} is not a text field; leave them off."
        )
    fk_target: Any = resolved.fk.target_field
    return ColumnMove(
        source_table=resolved.source._meta.db_table,
        source_pk=resolved.pk_column,
        value_column=column(resolved.value),
        fk_column=resolved.fk.column,
        target_table=resolved.target._meta.db_table,
        target_key=fk_target.column,
        target_value=column(resolved.target_value),
        target_value_unique=_is_unique(resolved),
        insert_values=_insert_values(resolved, schema_editor) if inserting else (),
        strip=strip,
        casefold=casefold,
        empty_as_null=empty_as_null,
    )


def _check_batching(
    operation: str,
    resolved: _Resolved,
    options: BatchOptions,
    schema_editor: BaseDatabaseSchemaEditor,
) -> None:
    check_batchable(operation, resolved.label, options, schema_editor)
    if options.batch_size is not None and resolved.pk_column is None:
        raise OperationSetupError(
            f"{operation} for {resolved.label} cannot batch: {resolved.source._meta.label!r} "
            "has no single-column primary key to cut ranges by; drop batch_size."
        )


def _probe_collations(runner: Runner, sql: NormalizeSQL) -> None:
    """One catalog read: let ``sql`` compare with a plain ``=`` where both columns' own
    collations are exact already (never while collecting: nothing is read then)."""
    probe = sql.collation_probe()
    if probe is None or runner.collecting:
        return
    sql.exact_by_default = sql.exact_collations(runner.fetch(probe))


def _restore(
    runner: Runner,
    sql: NormalizeSQL,
    resolved: _Resolved,
    options: BatchOptions,
    *,
    clear: bool,
) -> int:
    """Write the target's value back into the old column of every row with a foreign key,
    and (``clear``) set the foreign keys to NULL in the same pass.

    Clearing finishes with one statement for keys the join did not reach (keys
    pointing at no row, which only a missing constraint lets exist).
    """
    return run_data_move(
        runner,
        sql,
        lambda keys: [sql.restore(keys, clear=clear)],
        options,
        integer_keys=resolved.integer_keys,
        label=f"{resolved.label} (restoring from {resolved.fk.name})",
        after=(lambda: runner.execute(sql.clear())) if clear else None,
    )


@contextmanager
def _foreign_key_set_aside(
    runner: Runner,
    schema_editor: BaseDatabaseSchemaEditor,
    sql: NormalizeSQL,
    resolved: _Resolved,
    options: BatchOptions,
) -> Iterator[None]:
    """Drop the foreign key's constraint while batches fill it, then add it back without
    a long lock (where the backend can: PostgreSQL's ``NOT VALID`` and ``VALIDATE``).

    A deferred constraint checks every changed row again at each commit; one
    ``VALIDATE`` afterwards checks them all in one join, holding a lock that
    lets reads and writes go on. A run that stopped half-way finds the
    constraint gone and adds it back when it finishes. Inside a transaction
    that is already open, where nothing commits before the end, the
    constraint stays.
    """
    fk = resolved.fk
    if (
        not sql.revalidates_foreign_keys
        or not getattr(fk, "db_constraint", True)
        or runner.connection.in_atomic_block
    ):
        yield
        return
    model = resolved.source
    # The schema editor's own statement and name, as migrate gives a new database.
    editor: Any = schema_editor
    create = editor._create_fk_sql(model, fk, "_fk_%(to_table)s_%(to_column)s")
    name = str(create.parts["name"])
    if runner.collecting:
        runner.comment(f"The constraint of {resolved.fk_label} is set aside while the batches run:")
        existing = [name]
    else:
        found = editor._constraint_names(model, [fk.column], foreign_key=True)
        existing = [schema_editor.quote_name(constraint) for constraint in found]
    with runner.transaction():
        if options.lock_timeout_ms is not None:
            runner.execute_all(sql.transaction_lock_timeout(options.lock_timeout_ms))
        for constraint in existing:
            runner.execute(sql.drop_foreign_key(constraint))
    yield
    runner.comment(f"The constraint of {resolved.fk_label} is added back, then validated:")
    with runner.transaction():
        if options.lock_timeout_ms is not None:
            runner.execute_all(sql.transaction_lock_timeout(options.lock_timeout_ms))
        runner.execute(sql.add_foreign_key_unvalidated(str(create)))
    with runner.transaction():
        runner.execute(sql.validate_foreign_key(name))


class NormalizeColumn(Operation):
    """Fill a lookup table and a foreign key to it from a repeated text column."""

    category = OperationCategory.SQL
    reversible = True
    reduces_to_sql = True

    def __init__(
        self,
        model_name: str,
        field_name: str,
        fk_name: str,
        target_model: str,
        target_field: str,
        *,
        strip: bool = False,
        casefold: bool = False,
        empty_as_null: bool = False,
        batch_size: int | None = None,
        lock_timeout_ms: int | None = None,
        pause: float = 0.0,
        batch_seconds: float | None = None,
    ) -> None:
        """Move ``model_name.field_name`` into ``target_model.target_field``, pointing
        ``model_name.fk_name`` at it.

        Model names are names in the migration's app or ``app_label.ModelName``
        labels. ``strip`` trims spaces and ``casefold`` lower-cases (the
        database's ``LOWER()``: ASCII only on SQLite) before values are looked up;
        ``empty_as_null`` gives rows holding ``''`` no foreign key. ``batch_size``
        moves rows in primary-key ranges, each its own transaction, ``pause``
        seconds apart; with ``batch_seconds`` the first range is ``batch_size`` rows
        and each next one is sized to take about that many seconds.
        """
        self.model_name = model_name
        self.field_name = field_name
        self.fk_name = fk_name
        self.target_model = target_model
        self.target_field = target_field
        self.strip = strip
        self.casefold = casefold
        self.empty_as_null = empty_as_null
        self.options = BatchOptions(batch_size, lock_timeout_ms, pause, batch_seconds)

    @property
    def batch_size(self) -> int | None:
        return self.options.batch_size

    @property
    def lock_timeout_ms(self) -> int | None:
        return self.options.lock_timeout_ms

    @property
    def pause(self) -> float:
        return self.options.pause

    @property
    def batch_seconds(self) -> float | None:
        return self.options.batch_seconds

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "model_name": self.model_name,
            "field_name": self.field_name,
            "fk_name": self.fk_name,
            "target_model": self.target_model,
            "target_field": self.target_field,
        }
        for option in ("strip", "casefold", "empty_as_null"):
            if getattr(self, option):
                kwargs[option] = True
        kwargs.update(self.options.kwargs())
        return self.__class__.__name__, [], kwargs

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing: the expand migration already added the target model and the foreign key."""

    def _prepare(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        state: ProjectState,
        *,
        inserting: bool,
    ) -> tuple[_Resolved, NormalizeSQL] | None:
        resolved = _resolve(
            state.apps,
            app_label,
            self.model_name,
            self.field_name,
            self.fk_name,
            self.target_field,
            self.target_model,
        )
        if not self.allow_migrate_model(schema_editor.connection.alias, resolved.source):
            return None
        _check_batching(type(self).__name__, resolved, self.options, schema_editor)
        move = _column_move(
            resolved,
            schema_editor,
            strip=self.strip,
            casefold=self.casefold,
            empty_as_null=self.empty_as_null,
            inserting=inserting,
        )
        return resolved, normalize_sql(schema_editor.connection, move)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        prepared = self._prepare(app_label, schema_editor, to_state, inserting=True)
        if prepared is None:
            return
        resolved, sql = prepared
        runner = Runner(schema_editor)
        _probe_collations(runner, sql)

        def insert() -> int:
            self._check_clashes(runner, sql, resolved)
            return runner.execute(sql.insert_missing())

        def verify() -> None:
            self._verify(runner, sql, resolved)

        run_data_move(
            runner,
            sql,
            lambda keys: [sql.fill(keys)],
            self.options,
            integer_keys=resolved.integer_keys,
            label=f"{resolved.label} -> {resolved.fk.name}",
            before=insert,
            after=verify,
            around_batches=lambda: _foreign_key_set_aside(
                runner, schema_editor, sql, resolved, self.options
            ),
        )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        prepared = self._prepare(app_label, schema_editor, to_state, inserting=False)
        if prepared is None:
            return
        resolved, sql = prepared
        runner = Runner(schema_editor)
        _probe_collations(runner, sql)
        _restore(runner, sql, resolved, self.options, clear=True)

    def _check_clashes(self, runner: Runner, sql: NormalizeSQL, resolved: _Resolved) -> None:
        """Refuse values the target's unique column would store as one (MySQL collations)."""
        reads = sql.preflight()
        if not reads:
            return
        if runner.collecting:
            runner.comment(
                f"First, one statement counts the distinct values of {resolved.label} that "
                f"the collation of the unique {resolved.target_label} would store as one "
                "(ValueClashError if any)."
            )
            return
        check = sql.preflight_check([runner.fetch(statement) for statement in reads])
        if check is None:
            return
        statement, collation = check
        clashes = int(runner.fetch(statement)[0][0])
        if clashes:
            raise ValueClashError(
                f"Cannot normalize {resolved.label} into {resolved.target_label}: {clashes:,} "
                f"group(s) of its distinct values (after cleaning, with the values already in "
                f"{resolved.target._meta.label!r}) differ only in ways that the collation "
                f"{collation!r} of the unique column ignores, such as letter case or trailing "
                "spaces, so each group would have to be one row. Clean them alike "
                "(strip=True, casefold=True), or give the column a collation that tells "
                "them apart (db_collation, e.g. 'utf8mb4_nopad_bin' on MariaDB)."
            )

    def _verify(self, runner: Runner, sql: NormalizeSQL, resolved: _Resolved) -> None:
        statement = sql.verify()
        if runner.collecting:
            runner.execute(statement)
            return
        wrong, stray = (int(count) for count in runner.fetch(statement)[0])
        if not (wrong or stray):
            return
        left = outcome(
            runner,
            f"the move only touches rows whose {resolved.fk.name} is NULL, so running "
            "migrate again after the fix carries on from them.",
        )
        raise BackfillVerificationError(
            f"Backfill of {resolved.fk_label} from {resolved.label} did not verify: "
            f"{wrong:,} row(s) have a {resolved.value.name} but no {resolved.fk.name}, or "
            f"one pointing at a {resolved.target._meta.label} whose "
            f"{resolved.target_value.name} is not that value; {stray:,} row(s) have no "
            f"{resolved.value.name} but a {resolved.fk.name}. {left} Set {resolved.fk.name} "
            f"to NULL on the rows that were pointed elsewhere before (or were written "
            "meanwhile), then run migrate again."
        )

    def describe(self) -> str:
        return (
            f"Fill {self.model_name}.{self.fk_name} and {self.target_model}.{self.target_field} "
            f"from {self.model_name}.{self.field_name}"
            + (f" (in {self._batches()}, if more)" if self.batch_size else "")
        )

    def _batches(self) -> str:
        if self.batch_seconds is None:
            return f"batches of {self.batch_size:,} rows"
        return (
            f"batches of {self.batch_size:,} rows at first, "
            f"then of about {self.batch_seconds:g} s each"
        )

    @property
    def migration_name_fragment(self) -> str:
        model = self.model_name.rpartition(".")[2]
        return f"normalize_{model.lower()}_{self.field_name.lower()}"


class RestoreColumnFromForeignKey(Operation):
    """Refill a normalized column from its foreign key when the contract migration is reversed."""

    category = OperationCategory.SQL
    reversible = True
    reduces_to_sql = True

    def __init__(
        self,
        model_name: str,
        field_name: str,
        fk_name: str,
        target_field: str,
        *,
        batch_size: int | None = None,
        lock_timeout_ms: int | None = None,
        pause: float = 0.0,
        batch_seconds: float | None = None,
    ) -> None:
        self.model_name = model_name
        self.field_name = field_name
        self.fk_name = fk_name
        self.target_field = target_field
        self.options = BatchOptions(batch_size, lock_timeout_ms, pause, batch_seconds)

    @property
    def batch_size(self) -> int | None:
        return self.options.batch_size

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "model_name": self.model_name,
            "field_name": self.field_name,
            "fk_name": self.fk_name,
            "target_field": self.target_field,
            **self.options.kwargs(),
        }
        return self.__class__.__name__, [], kwargs

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing: the ``RemoveField`` after it changes the state."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Nothing: the column is still there, and about to be removed."""

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        resolved = _resolve(
            to_state.apps,
            app_label,
            self.model_name,
            self.field_name,
            self.fk_name,
            self.target_field,
        )
        if not self.allow_migrate_model(schema_editor.connection.alias, resolved.source):
            return
        _check_batching(type(self).__name__, resolved, self.options, schema_editor)
        sql = normalize_sql(schema_editor.connection, _column_move(resolved, schema_editor))
        runner = Runner(schema_editor)
        _probe_collations(runner, sql)
        _restore(runner, sql, resolved, self.options, clear=False)

    def describe(self) -> str:
        return (
            f"Restore {self.model_name}.{self.field_name} from "
            f"{self.fk_name}.{self.target_field} (when reversed)"
        )

    @property
    def migration_name_fragment(self) -> str:
        model = self.model_name.rpartition(".")[2]
        return f"restore_{model.lower()}_{self.field_name.lower()}"
