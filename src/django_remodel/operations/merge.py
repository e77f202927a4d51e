"""``remodel merge``'s data moves: rows of several models become rows of one.

- :class:`CreateMergeMap` (expand) creates the id map, a table of the merge's
  own that records, per source row, the target row it becomes; it is not in
  the project state, so no model of the project describes it;
- :class:`MergeRows` (backfill) registers every row, gives each group of rows
  with the same key its target row (the target's own, or a new one), creates
  the new rows, sets every mapped field by its policy, and verifies: every
  source row has its target row, and every target row holds what its policy
  chose. Reversed, it deletes the rows it created;
- :class:`RepointReferences` (backfill) points the new key beside a foreign
  key or one-to-one to a source at the target row of the old key;
- :class:`MergeLinks` (backfill) copies the rows of a many-to-many table to a
  source into the new table to the target, each link once;
- :class:`RepointGenericReferences` (contract) points generic foreign keys at
  the target rows and removes the sources' content types and permissions;
- :class:`DropMergeMap` (contract) drops the id map.

Statements do not grow with the rows: a fixed number per table and step, or
per batch of ``batch_size`` rows (each batch its own transaction; a batch only
touches rows not moved yet, so a run that stopped resumes where it was).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from functools import partial
from typing import Any

from django.apps.registry import Apps
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.backends.utils import truncate_name
from django.db.migrations.operations.base import Operation, OperationCategory
from django.db.migrations.state import ProjectState, StateApps
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

from django_remodel.errors import BackfillVerificationError, OperationSetupError
from django_remodel.operations.batching import (
    BatchOptions,
    Placeholder,
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
from django_remodel.sql.detach import table_keys
from django_remodel.sql.merge import (
    DIALECTS,
    KEY_COLUMNS,
    LOOKUP_COLUMNS,
    Generic,
    Links,
    Merge,
    MergeSQL,
    SourceTable,
    Value,
    merge_sql,
    shared_source_code,
)

POLICIES = ("first", "newest", "coalesce", "error")
KEY_NORMALIZATIONS = ("exact", "trim", "casefold", "trim-casefold")


# -- The id map ------------------------------------------------------------------------


def _key_collation(connection: BaseDatabaseWrapper) -> str | None:
    """A collation that compares keys byte for byte, trailing spaces included (and that
    sorts and indexes them fastest)."""
    if connection.vendor == "postgresql":
        return "C"
    if connection.vendor != "mysql":
        return None
    return (
        "utf8mb4_nopad_bin"
        if getattr(connection, "mysql_is_mariadb", False)
        else ("utf8mb4_0900_bin")
    )


def id_map_model(table: str, connection: BaseDatabaseWrapper) -> type[models.Model]:
    """A model of the id map ``table``, in a registry of its own (not the project's)."""
    collation = _key_collation(connection)
    dialect = DIALECTS.get(connection.vendor)
    indexes = (
        [
            models.Index(
                fields=list(LOOKUP_COLUMNS),
                name=truncate_name(f"{table}_lookup", connection.ops.max_name_length()),
            )
        ]
        if dialect is not None and dialect.lookup_index
        else []
    )
    meta = type(
        "Meta",
        (),
        {
            "app_label": "django_remodel",
            "db_table": table,
            "apps": Apps(),
            "unique_together": [KEY_COLUMNS],
            "indexes": indexes,
        },
    )
    attributes = {
        "__module__": __name__,
        "Meta": meta,
        "id": models.BigAutoField(primary_key=True),
        "source": models.IntegerField(),
        "old_pk": models.CharField(max_length=255, db_collation=collation),
        "merge_key": models.CharField(max_length=255, null=True, db_collation=collation),
        "new_pk": models.BigIntegerField(null=True, db_index=True),
        "leads": models.BooleanField(),
        "ts": models.DateTimeField(null=True),
    }
    return type("MergeIdMap", (models.Model,), attributes)


class CreateMergeMap(Operation):
    """Create the id map of a merge: (source model, old key) -> target row."""

    category = OperationCategory.SQL
    reduces_to_sql = True
    reversible = True
    creates = True

    def __init__(self, table: str) -> None:
        if not table:
            raise OperationSetupError(f"{type(self).__name__}: name the id map's table.")
        self.table = table

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__name__, [], {"table": self.table}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing: the id map belongs to the merge, not to the project's models."""

    def _change(self, editor: BaseDatabaseSchemaEditor, *, create: bool) -> None:
        model = id_map_model(self.table, editor.connection)
        if create:
            editor.create_model(model)
        else:
            editor.delete_model(model)

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        self._change(schema_editor, create=self.creates)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        self._change(schema_editor, create=not self.creates)

    def describe(self) -> str:
        return f"{'Create' if self.creates else 'Drop'} the merge's id map {self.table}"

    @property
    def migration_name_fragment(self) -> str:
        return f"{'create' if self.creates else 'drop'}_merge_map"


class DropMergeMap(CreateMergeMap):
    """Drop the id map once the merge is done (migrating back creates it empty)."""

    creates = False


# -- Reading the state -----------------------------------------------------------------


def _is_text(field: models.Field[Any, Any]) -> bool:
    return isinstance(field, TEXT_FIELDS)


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _source_table(model: type[models.Model], key: str, ts: str | None) -> SourceTable:
    key_field = state_column(model, key)
    return SourceTable(
        label=_label(model),
        table=model._meta.db_table,
        pk=pk_column(model),
        pk_integer=integer_keys(model),
        key=column(key_field),
        key_text=_is_text(key_field),
        ts=column(state_column(model, ts)) if ts else None,
    )


def _constant(field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> Any:
    return field.get_db_prep_save(_default(field), connection)


def _default(field: models.Field[Any, Any]) -> Any:
    """What ``save()`` would give a row without a value: the default, the time for
    ``auto_now``/``auto_now_add``, or the empty string of text (else None)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        now = timezone.now()
        return (
            now.date()
            if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField)
            else now
        )
    return field.get_default()


def _fallback(field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> tuple[Any, ...]:
    """``(value,)`` that a column taking no NULL gets for a NULL (see ``_default``), or
    ``()`` when it has none."""
    if field.null:
        return ()
    default = _default(field)
    return () if default is None else (field.get_db_prep_save(default, connection),)


class MergeRows(Operation):
    """Merge the rows of ``sources`` into the target model ``model_name``, by key.

    ``fields`` is ``[[target field, {source label: source field}, policy], ...]``
    (the key's entry names each source's key field); ``new_fields`` are the target
    fields the merge added (the target's own rows get them too); ``fills`` maps a
    target field to another, whose source value a created row takes where its
    source has nothing for the first; ``newest_by`` names each source's timestamp
    for the ``newest`` policy; ``defaults`` gives target fields the value a created row
    takes where no source has one (instead of the field's default). ``id_map`` is the
    table :class:`CreateMergeMap` made.
    """

    category = OperationCategory.SQL
    reversible = True
    reduces_to_sql = True

    def __init__(
        self,
        model_name: str,
        sources: Sequence[str],
        key: str,
        fields: Sequence[Sequence[Any]],
        *,
        id_map: str,
        new_fields: Sequence[str] = (),
        fills: Mapping[str, str] | None = None,
        newest_by: Mapping[str, str] | None = None,
        defaults: Mapping[str, Any] | None = None,
        key_normalization: str = "trim-casefold",
        batch_size: int | None = None,
        lock_timeout_ms: int | None = None,
        pause: float = 0.0,
    ) -> None:
        if not sources:
            raise OperationSetupError(f"MergeRows({model_name!r}): name the source models.")
        entries = [(str(f[0]), dict(f[1]), str(f[2])) for f in fields]
        for name, _, policy in entries:
            if policy not in POLICIES:
                raise OperationSetupError(
                    f"MergeRows({model_name!r}): field {name!r} has policy {policy!r}; use one "
                    f"of {', '.join(POLICIES)}."
                )
        key_entry = next((e for e in entries if e[0] == key), None)
        if key_entry is None or set(key_entry[1]) != set(sources):
            raise OperationSetupError(
                f"MergeRows({model_name!r}): the key {key!r} must be among the fields, with "
                "a field of every source."
            )
        if key_normalization not in KEY_NORMALIZATIONS:
            raise OperationSetupError(
                f"MergeRows({model_name!r}): key_normalization {key_normalization!r} is not "
                f"one of {', '.join(KEY_NORMALIZATIONS)}."
            )
        if any(e[2] == "newest" for e in entries) and set(newest_by or {}) != set(sources):
            raise OperationSetupError(
                f"MergeRows({model_name!r}): the 'newest' policy needs newest_by to name a "
                "timestamp field of every source."
            )
        self.model_name = model_name
        self.sources = list(sources)
        self.key = key
        self.fields = entries
        self.id_map = id_map
        self.new_fields = list(new_fields)
        self.fills = dict(fills or {})
        self.newest_by = dict(newest_by or {})
        self.defaults = dict(defaults or {})
        self.key_normalization = key_normalization
        self.options = BatchOptions(batch_size, lock_timeout_ms, pause)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "model_name": self.model_name,
            "sources": self.sources,
            "key": self.key,
            "fields": [[name, sources, policy] for name, sources, policy in self.fields],
            "id_map": self.id_map,
        }
        if self.new_fields:
            kwargs["new_fields"] = self.new_fields
        if self.fills:
            kwargs["fills"] = self.fills
        if self.newest_by:
            kwargs["newest_by"] = self.newest_by
        if self.defaults:
            kwargs["defaults"] = self.defaults
        if self.key_normalization != "trim-casefold":
            kwargs["key_normalization"] = self.key_normalization
        kwargs.update(self.options.kwargs())
        return self.__class__.__name__, [], kwargs

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing: the schema operations around it change the state."""

    # -- Building the statements -------------------------------------------------------

    def merge(self, apps: StateApps, app_label: str, connection: BaseDatabaseWrapper) -> Merge:
        target = state_model(apps, app_label, self.model_name, "target")
        if not integer_keys(target):
            raise OperationSetupError(
                f"{target._meta.label} has a primary key that is not an integer; a merge "
                "numbers the rows it creates after the largest key."
            )
        models_by_label = {
            label: state_model(apps, app_label, label, "source") for label in self.sources
        }
        key_fields = dict(self.fields[[e[0] for e in self.fields].index(self.key)][1])
        sources = tuple(
            _source_table(model, key_fields[label], self.newest_by.get(label))
            for label, model in models_by_label.items()
        )
        labels = {label: _label(model) for label, model in models_by_label.items()}
        problem = shared_source_code([_label(target), *labels.values()])
        if problem is not None:
            raise OperationSetupError(f"MergeRows: {problem}")
        values = []
        covered = set()
        for name, mapping, policy in self.fields:
            target_field = state_column(target, name)
            covered.add(name)
            refers_to = None
            source_columns = []
            for label, source_name in mapping.items():
                if label not in models_by_label:
                    raise OperationSetupError(
                        f"MergeRows: field {name!r} names {label!r}, which is not a source."
                    )
                field = state_column(models_by_label[label], source_name)
                related = field.related_model if field.is_relation else None
                if related is not None and related in models_by_label.values():
                    refers_to = _label(related)
                source_columns.append((labels[label], column(field)))
            fallback = _fallback(target_field, connection)
            values.append(
                Value(
                    column=column(target_field),
                    policy=policy,
                    sources=tuple(source_columns),
                    text=_is_text(target_field),
                    new=name in self.new_fields,
                    refers_to=refers_to,
                    fallback=() if refers_to or target_field.null else fallback,
                )
            )
        constants = []
        for field in target._meta.local_concrete_fields:
            if field.primary_key:
                continue
            if field.name in self.defaults:
                value = field.get_db_prep_save(self.defaults[field.name], connection)
                constants.append((column(field), value))
            elif field.has_default() or (not field.null and _fallback(field, connection)):
                constants.append((column(field), _constant(field, connection)))
            elif field.name not in covered and not field.null:
                raise OperationSetupError(
                    f"{target._meta.label}.{field.name} cannot be NULL, has no default, and no "
                    "source fills it; map a source field to it or give it a default."
                )
        key_field = state_column(target, self.key)
        fills = tuple(
            (column(state_column(target, name)), column(state_column(target, other)))
            for name, other in self.fills.items()
        )
        return Merge(
            id_map=self.id_map,
            target_label=_label(target),
            target_table=target._meta.db_table,
            target_pk=pk_column(target),
            target_key=column(key_field),
            target_key_text=_is_text(key_field),
            sources=sources,
            values=tuple(values),
            constants=tuple(constants),
            fills=fills,
            normalization=self.key_normalization,
            unique_text=tuple(
                column(field)
                for field in target._meta.local_concrete_fields
                if field.unique and not field.primary_key and not field.null and _is_text(field)
            ),
            target_pk_numbered=isinstance(target._meta.pk, AutoFieldMixin),
        )

    # -- Running -----------------------------------------------------------------------

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        target = state_model(to_state.apps, app_label, self.model_name, "target")
        if not self.allow_migrate_model(schema_editor.connection.alias, target):
            return
        check_batchable("MergeRows", repr(target._meta.label), self.options, schema_editor)
        merge = self.merge(to_state.apps, app_label, schema_editor.connection)
        sql = merge_sql(schema_editor.connection, merge)
        runner = Runner(schema_editor)
        # Without batches, every step runs in one transaction (on MySQL too, whose
        # migrations have none), which a failed check rolls back.
        with runner.transaction() if self.options.batch_size is None else nullcontext():
            self._run(runner, sql)

    def _run(self, runner: Runner, sql: MergeSQL) -> None:
        merge = sql.merge
        walk = _Walker(runner, runner.connection, self.options)
        base, largest_id = self._base(runner, sql)
        one_pass = self.options.batch_size is None and (runner.collecting or not largest_id)
        winners = one_pass and sql.winners_on_insert
        if one_pass:
            # One statement registers and allocates every row (the migration is one
            # transaction: nothing to resume). An id map that holds rows already (a
            # batched run stopped halfway) is carried on as below.
            lifted = _lifted_indexes(runner, sql)
            for off, _ in lifted:
                runner.execute(off)
            if runner.collecting and sql.lifts_indexes:
                runner.comment(
                    "The id map's indexes (but its primary key) are taken off for the next "
                    "statement and built again after it."
                )
            runner.execute(sql.register_all(base, largest_id))
            for _, on in lifted:
                runner.execute(on)
            if not sql.reserving_commits:
                _reserve_keys(runner, sql)
            _analyze(runner, sql)
            self._refuse_disagreements(runner, sql)
        else:
            walk(merge.target_table, merge.target_pk, True, sql.register_target, "register target")
            for source in merge.sources:
                walk(
                    source.table,
                    source.pk,
                    source.pk_integer,
                    _bind(sql.register, source),
                    source.label,
                )
            with runner.transaction():
                # Not resumable halfway: every row is allocated, or none.
                runner.execute(sql.allocate(base))
                self._refuse_disagreements(runner, sql)
            _reserve_keys(runner, sql)
            _analyze(runner, sql)
        for source in merge.sources:
            walk(
                source.table,
                source.pk,
                source.pk_integer,
                _bind(partial(sql.insert_led, resumed=not one_pass, winners=winners), source),
                f"{merge.target_label} <- {source.label}",
            )
        for source in merge.sources:
            for group in sql.groups(source):
                group = [
                    value
                    for value in group
                    if not sql.set_on_insert(value, source, winners=winners)
                ]
                if not group:
                    continue
                walk(
                    source.table,
                    source.pk,
                    source.pk_integer,
                    _bind_values(partial(sql.resolve, leaders_set=one_pass), source, group),
                    f"{merge.target_label} <- {source.label} "
                    f"({', '.join(v.column for v in group)})",
                )
        with runner.transaction():
            self._verify(runner, sql)

    def _base(self, runner: Runner, sql: MergeSQL) -> tuple[int, int]:
        """The largest key of the target or of the id map (new target rows come after it),
        and the id map's largest id."""
        if runner.collecting:
            runner.show(sql.largest_target_key())
            runner.show(sql.largest_in_map())
            runner.comment(
                ":base is the largest key of the target (or of the id map), :id the id map's "
                "largest id"
            )
            return Placeholder(":base"), Placeholder(":id")  # type: ignore[return-value]
        base = int(runner.fetch(sql.largest_target_key())[0][0])
        largest_key, largest_id = runner.fetch(sql.largest_in_map())[0]
        return max(base, int(largest_key)), int(largest_id)

    def _refuse_disagreements(self, runner: Runner, sql: MergeSQL) -> None:
        """Refuse before anything is written to the target where sources disagree on a field
        whose policy is ``error``."""
        for value in sql.merge.values:
            if value.policy == "error" and len(value.sources) > 1:
                count = _check(runner, sql.disagreements(value))
                if count:
                    raise BackfillVerificationError(
                        f"Merging into {sql.merge.target_label}: {count:,} merged row(s) "
                        f"get different values for {value.column!r} from their sources, "
                        "and its policy is 'error'. Nothing was merged yet (the target is "
                        "untouched). Choose a policy for the field (first, newest, "
                        "coalesce), or fix the rows, then migrate again."
                    )

    def _verify(self, runner: Runner, sql: MergeSQL) -> None:
        merge = sql.merge
        checks: list[tuple[Statement, list[str]]] = []
        for source in merge.sources:
            groups = sql.groups(source)
            checks.append(
                (
                    sql.verify_rows(source, groups),
                    [
                        f"{{}} {source.label} row(s) have no id map row, or id map row(s) no "
                        f"{source.label} row",
                        f"{{}} {source.label} id map row(s) point at no target row",
                        *(_differing(source, group) for group in groups),
                    ],
                )
            )
        checks.append((sql.verify_own_rows(), ["{} id map row(s) point at no target row"]))
        problems = []
        for statement, described in checks:
            for count, problem in zip(_counts(runner, statement), described, strict=False):
                if count:
                    problems.append(problem.format(f"{count:,}"))
        if problems:
            left = outcome(
                runner,
                "each batch only touches rows not merged yet, so running migrate again carries on.",
            )
            raise BackfillVerificationError(
                f"Merging into {merge.target_label} did not verify: {'; '.join(problems)}. "
                f"{left} Find what changed the rows while they moved, then migrate again."
            )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        target = state_model(from_state.apps, app_label, self.model_name, "target")
        if not self.allow_migrate_model(schema_editor.connection.alias, target):
            return
        merge = self.merge(from_state.apps, app_label, schema_editor.connection)
        sql = merge_sql(schema_editor.connection, merge)
        runner = Runner(schema_editor)
        with runner.transaction():
            for value in merge.values:
                if value.refers_to is not None:
                    runner.execute(sql.unlink_created(value))
            runner.execute(sql.delete_created())
            runner.execute(sql.clear_map())

    def describe(self) -> str:
        return f"Merge {', '.join(self.sources)} into {self.model_name} by {self.key}" + (
            f" (batches of {self.options.batch_size:,} rows)" if self.options.batch_size else ""
        )

    @property
    def migration_name_fragment(self) -> str:
        return f"merge_into_{self.model_name.rpartition('.')[2].lower()}"


def _reserve_keys(runner: Runner, sql: MergeSQL) -> None:
    """Keep the keys the id map allocated from rows the application adds meanwhile (where
    the database numbers the target's rows)."""
    if not sql.merge.target_pk_numbered:
        return
    top: int
    if runner.collecting:
        runner.show(sql.largest_in_map())
        runner.comment(":top is the largest new_pk of the id map")
        top = Placeholder(":top")  # type: ignore[assignment]
    else:
        top = int(runner.fetch(sql.largest_in_map())[0][0])
        if not top:
            return  # an empty id map allocated nothing
    for statement in sql.reserve_keys(top):
        runner.execute(statement)


def _differing(source: SourceTable, values: Sequence[Value]) -> str:
    """A problem of :meth:`MergeRows._verify`: ``{}`` is where its count goes."""
    columns = ", ".join(value.column for value in values)
    return f"{{}} target row(s) differ from the {source.label} row their policy chose in {columns}"


def _lifted_indexes(runner: Runner, sql: MergeSQL) -> list[tuple[Statement, Statement]]:
    """Statements that drop each index of the id map but its primary key, and that build
    it again; none where the transaction cannot hold them (or when shown, not run)."""
    if runner.collecting or not sql.lifts_indexes:
        return []
    connection = runner.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, sql.merge.id_map)
    lifted = []
    for name, found in constraints.items():
        if found["primary_key"] or not (found["unique"] or found["index"]):
            continue
        unique = bool(found["unique"])
        lifted.append(
            (
                sql.index_off(name, unique=unique),
                sql.index_on(name, found["columns"], unique=unique),
            )
        )
    return lifted


def _lifted_reference_indexes(
    runner: Runner, sql: MergeSQL, table: str, new: str
) -> list[tuple[Statement, Statement]]:
    """Statements that drop each index of ``table`` on its new key ``new`` (but a unique
    one) and that build it again as it was made; none where the dialect keeps them (or
    when shown, not run)."""
    if runner.collecting or not sql.lifts_reference_indexes:
        return []
    return [
        # Run as it was stored: a "%" in it is no parameter.
        (sql.index_off(name, unique=False), Statement(definition.replace("%", "%%")))
        for name, definition in runner.fetch(sql.index_definitions(table, new))
    ]


def _analyze(runner: Runner, sql: MergeSQL) -> None:
    statement = sql.analyze_map()
    if statement is not None:
        runner.execute(statement)


def _bind(method: Callable[..., Statement], source: SourceTable) -> Callable[[KeyRange], Statement]:
    return lambda keys: method(source, keys)


def _bind_values(
    method: Callable[..., Statement], source: SourceTable, values: list[Value]
) -> Callable[[KeyRange], Statement]:
    return lambda keys: method(source, values, keys)


class _Walker:
    """Runs one statement per key range of a table, with the operation's batch options."""

    def __init__(
        self, runner: Runner, connection: BaseDatabaseWrapper, options: BatchOptions
    ) -> None:
        self.runner = runner
        self.connection = connection
        self.options = options

    def __call__(
        self,
        table: str,
        pk: str,
        integer: bool,
        statement: Callable[[KeyRange], Statement],
        label: str,
        after: Callable[[], None] | None = None,
        *,
        before: Callable[[], None] | None = None,
    ) -> int:
        return run_data_move(
            self.runner,
            table_keys(self.connection, table, pk),
            lambda keys: [statement(keys)],
            self.options,
            integer_keys=integer,
            label=label,
            before=before,
            after=after,
        )


# -- References ------------------------------------------------------------------------


def id_map_sql(connection: BaseDatabaseWrapper, id_map: str) -> MergeSQL:
    """The statements that only need the id map (references, generic references)."""
    merge = Merge(
        id_map=id_map,
        target_label="",
        target_table="",
        target_pk="",
        target_key="",
        target_key_text=False,
        sources=(),
        values=(),
    )
    return merge_sql(connection, merge)


def _referred(model: type[models.Model]) -> SourceTable:
    """A source as references know it: by its label and primary key."""
    return SourceTable(
        label=_label(model),
        table=model._meta.db_table,
        pk=pk_column(model),
        pk_integer=integer_keys(model),
        key="",
        key_text=False,
    )


class _ReferenceOperation(Operation):
    category = OperationCategory.SQL
    reversible = True
    reduces_to_sql = True

    def __init__(
        self,
        model: str,
        field: str,
        new_field: str,
        source: str,
        *,
        id_map: str,
        batch_size: int | None = None,
        lock_timeout_ms: int | None = None,
        pause: float = 0.0,
    ) -> None:
        if model.count(".") != 1:
            raise OperationSetupError(
                f"{type(self).__name__}: model {model!r} must be an 'app_label.Model' label."
            )
        self.model = model
        self.field = field
        self.new_field = new_field
        self.source = source
        self.id_map = id_map
        self.options = BatchOptions(batch_size, lock_timeout_ms, pause)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "field": self.field,
            "new_field": self.new_field,
            "source": self.source,
            "id_map": self.id_map,
            **self.options.kwargs(),
        }
        return self.__class__.__name__, [], kwargs

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing: the schema operations around it change the state."""

    def _source(self, apps: StateApps, app_label: str) -> SourceTable:
        return _referred(state_model(apps, app_label, self.source, "source"))

    def _referring(
        self, state: ProjectState, app_label: str, schema_editor: BaseDatabaseSchemaEditor
    ) -> type[models.Model] | None:
        """The referring model, or None where the router keeps it off this database."""
        model = state_model(state.apps, app_label, self.model, "referring")
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return None
        return model

    def _sql(self, schema_editor: BaseDatabaseSchemaEditor) -> MergeSQL:
        return id_map_sql(schema_editor.connection, self.id_map)

    def _walk(self, schema_editor: BaseDatabaseSchemaEditor) -> _Walker:
        return _Walker(Runner(schema_editor), schema_editor.connection, self.options)

    def _fail(self, runner: Runner, problem: str) -> None:
        left = outcome(
            runner, "each batch only touches rows not repointed yet, so migrate again carries on."
        )
        raise BackfillVerificationError(f"{problem} {left}")


def _check(runner: Runner, statement: Statement) -> int:
    return _counts(runner, statement)[0]


def _counts(runner: Runner, statement: Statement) -> tuple[int, ...]:
    """The counts in the one row ``statement`` returns (zeros while SQL is collected)."""
    if runner.collecting:
        runner.execute(statement)
        return (0,)
    return tuple(int(count) for count in runner.fetch(statement)[0])


class RepointReferences(_ReferenceOperation):
    """Point the new key ``new_field`` of ``model`` (beside the key ``field`` to a source)
    at the target row of the source row ``field`` points at; cleared when reversed."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        apps = to_state.apps
        model = self._referring(to_state, app_label, schema_editor)
        if model is None:
            return
        check_batchable(type(self).__name__, repr(model._meta.label), self.options, schema_editor)
        old = state_column(model, self.field)
        new = state_column(model, self.new_field)
        source = self._source(apps, app_label)
        sql = self._sql(schema_editor)
        walk = self._walk(schema_editor)
        runner = walk.runner
        table = model._meta.db_table
        label = f"{model._meta.label}.{self.field}"
        if isinstance(old, models.OneToOneField):
            clashes = _check(runner, sql.one_to_one_collisions(table, column(old), source))
            if clashes:
                raise BackfillVerificationError(
                    f"{label} is a one-to-one, but {clashes:,} merged row(s) of {self.source} "
                    f"would each have several {model._meta.label} rows (one per source row "
                    "merged into them). Nothing was changed. Delete or reassign the extra "
                    f"{model._meta.label} rows, or make {label} a ForeignKey, then migrate again."
                )

        lifted: list[tuple[Statement, Statement]] = []
        if self.options.batch_size is None:
            # One pass: the update, the builds and the check are one transaction.
            lifted = _lifted_reference_indexes(runner, sql, table, column(new))
            if runner.collecting and sql.lifts_reference_indexes:
                runner.comment(
                    f"The indexes on {table}.{column(new)} are taken off for the next "
                    "statement and built again after it."
                )

        def lift() -> None:
            for off, _ in lifted:
                runner.execute(off)

        def verify() -> None:
            for _, on in lifted:
                runner.execute(on)
            wrong = _check(runner, sql.verify_repoint(table, column(old), column(new), source))
            if wrong:
                self._fail(
                    runner,
                    f"Repointing {label} did not verify: {wrong:,} row(s) do not point at the "
                    f"merged row of their {self.source} row.",
                )

        walk(
            table,
            pk_column(model),
            integer_keys(model),
            lambda keys: sql.repoint(
                table, pk_column(model), column(old), column(new), source, keys
            ),
            label,
            verify,
            before=lift,
        )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = self._referring(from_state, app_label, schema_editor)
        if model is None:
            return
        new = state_column(model, self.new_field)
        sql = self._sql(schema_editor)
        table, pk = model._meta.db_table, pk_column(model)
        self._walk(schema_editor)(
            table,
            pk,
            integer_keys(model),
            lambda keys: sql.clear_column(table, pk, column(new), keys),
            f"{model._meta.label}.{self.new_field} (clearing)",
        )

    def describe(self) -> str:
        return f"Point {self.model}.{self.new_field} at the rows {self.field} pointed at"

    @property
    def migration_name_fragment(self) -> str:
        return f"repoint_{self.model.rpartition('.')[2].lower()}_{self.field}"


class MergeLinks(_ReferenceOperation):
    """Copy the links of the many-to-many ``field`` of ``model`` (to a source) into the new
    many-to-many ``new_field`` (to the target), each link once; cleared when reversed."""

    def _links(self, apps: StateApps, app_label: str) -> tuple[type[models.Model], Links]:
        model = state_model(apps, app_label, self.model, "referring")
        old: Any = model._meta.get_field(self.field)
        new: Any = model._meta.get_field(self.new_field)
        for field, name in ((old, self.field), (new, self.new_field)):
            through: Any = getattr(field.remote_field, "through", None)
            if not isinstance(field, models.ManyToManyField) or not through._meta.auto_created:
                raise OperationSetupError(
                    f"{model._meta.label}.{name} is not a many-to-many field with a table of "
                    "its own; repoint the foreign keys of its through model instead."
                )
        old_through: type[models.Model] = old.remote_field.through
        new_through: type[models.Model] = new.remote_field.through
        return old_through, Links(
            table=old_through._meta.db_table,
            pk=pk_column(old_through),
            owner=old.m2m_column_name(),
            old=old.m2m_reverse_name(),
            new_table=new_through._meta.db_table,
            new_owner=new.m2m_column_name(),
            new=new.m2m_reverse_name(),
        )

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        apps = to_state.apps
        model = self._referring(to_state, app_label, schema_editor)
        if model is None:
            return
        check_batchable(type(self).__name__, repr(model._meta.label), self.options, schema_editor)
        through, links = self._links(apps, app_label)
        source = self._source(apps, app_label)
        sql = self._sql(schema_editor)
        walk = self._walk(schema_editor)
        label = f"{model._meta.label}.{self.field}"

        def verify() -> None:
            missing = _check(walk.runner, sql.verify_links(links, source))
            if missing:
                self._fail(
                    walk.runner,
                    f"Copying the links of {label} did not verify: {missing:,} link(s) have "
                    f"no copy to the merged row of their {self.source} row.",
                )

        walk(
            links.table,
            links.pk,
            integer_keys(through),
            lambda keys: sql.copy_links(links, source, keys),
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
        apps = from_state.apps
        model = self._referring(from_state, app_label, schema_editor)
        if model is None:
            return
        _, links = self._links(apps, app_label)
        runner = Runner(schema_editor)
        with runner.transaction():
            runner.execute(self._sql(schema_editor).clear_links(links))

    def describe(self) -> str:
        return f"Copy the links of {self.model}.{self.field} into {self.new_field}"

    @property
    def migration_name_fragment(self) -> str:
        return f"merge_links_{self.model.rpartition('.')[2].lower()}_{self.field}"


# -- Generic references, content types and permissions (contract) ----------------------


def _content_type_id(
    runner: Runner, app_label: str, model_name: str, *, create: bool
) -> int | None:
    table = runner.connection.ops.quote_name("django_content_type")
    find = Statement(
        f"SELECT id FROM {table} WHERE app_label = %s AND model = %s", (app_label, model_name)
    )
    if runner.collecting:
        return 0
    found = runner.fetch(find)
    if found:
        return int(found[0][0])
    if not create:
        return None
    runner.execute(
        Statement(
            f"INSERT INTO {table} (app_label, model) VALUES (%s, %s)", (app_label, model_name)
        )
    )
    return int(runner.fetch(find)[0][0])


class RepointGenericReferences(Operation):
    """Point generic foreign keys at source rows to their merged target rows, then remove the
    sources' content types (their permissions, and what else refers to them, go with them).

    Irreversible: the id map tells where a reference went, but not whether the target row it
    now names was its target before."""

    category = OperationCategory.SQL
    reversible = False
    reduces_to_sql = True

    def __init__(
        self,
        model_name: str,
        sources: Sequence[str],
        generic: Sequence[Sequence[str]],
        *,
        id_map: str,
    ) -> None:
        self.model_name = model_name
        self.sources = list(sources)
        self.generic = [list(item) for item in generic]
        for item in self.generic:
            if len(item) != 3:
                raise OperationSetupError(
                    "RepointGenericReferences: give each generic foreign key as "
                    "['app_label.Model', content type field, object id field]."
                )
        self.id_map = id_map

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            self.__class__.__name__,
            [],
            {
                "model_name": self.model_name,
                "sources": self.sources,
                "generic": self.generic,
                "id_map": self.id_map,
            },
        )

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing: the content types are rows, not models."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        apps = from_state.apps
        target = state_model(apps, app_label, self.model_name, "target")
        if not self.allow_migrate_model(schema_editor.connection.alias, target):
            return
        runner = Runner(schema_editor)
        if "contenttypes" not in apps.app_configs:
            return
        sql = id_map_sql(schema_editor.connection, self.id_map)
        source_types = []
        for label in self.sources:
            model = state_model(apps, app_label, label, "source")
            found = _content_type_id(
                runner, model._meta.app_label, model._meta.model_name or "", create=False
            )
            if found is not None:
                source_types.append((model, found))
        target_type = None
        if source_types:
            target_type = _content_type_id(
                runner, target._meta.app_label, target._meta.model_name or "", create=True
            )
        for model_label, content_type, object_id in self.generic:
            model = state_model(apps, app_label, model_label, "referring")
            object_field = state_column(model, object_id)
            generic = Generic(
                table=model._meta.db_table,
                content_type=column(state_column(model, content_type)),
                object_id=column(object_field),
                text=_is_text(object_field),
            )
            for source_model, source_type in source_types:
                source = _referred(source_model)
                assert target_type is not None
                runner.execute(sql.repoint_generic(generic, source, source_type, target_type))
                left = _check(runner, sql.count_generic(generic, source_type))
                if left:
                    raise BackfillVerificationError(
                        f"{left:,} {model._meta.label} row(s) still refer to "
                        f"{source_model._meta.label} through {content_type}/{object_id}: their "
                        "object ids are rows the merge does not know. The transaction is "
                        "rolled back: nothing was changed. Delete those rows or point them "
                        "elsewhere, then migrate again."
                    )
        if runner.collecting or not source_types:
            return
        content_types = apps.get_model("contenttypes", "ContentType")
        alias = schema_editor.connection.alias
        content_types.objects.using(alias).filter(
            pk__in=[found for _, found in source_types]
        ).delete()

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        raise NotImplementedError(
            "The sources' content types and generic references cannot be put back."
        )

    def describe(self) -> str:
        return f"Point generic references to {', '.join(self.sources)} at {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"repoint_generic_to_{self.model_name.lower()}"
