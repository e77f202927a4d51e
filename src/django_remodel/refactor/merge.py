"""Carry out a merge plan: the migrations, the edits to the models; and the figures a plan
is reviewed with.

``prepare`` computes every change without touching anything, so ``--dry-run``
shows exactly what ``apply`` would write (all or nothing). The migrations span
the apps involved, each depending on the one before:

- expand (target's app): the fields the target lacks, added as the first
  source declares them, and the id map (``CreateMergeMap``);
- expand (each app with a reference to a source): a new key to the target
  beside each foreign key, one-to-one and many-to-many to a source;
- backfill (target's app): ``MergeRows``, the target's key sequence moved past
  the rows it created, ``RepointReferences`` and ``MergeLinks`` per reference;
- contract (each referring app): the old keys removed and the new ones renamed
  to the old names, declared as the old ones were but pointing at the target;
- contract (target's app): generic references and content types moved
  (``RepointGenericReferences``, irreversible), the id map dropped;
- contract (each source's app): the sources deleted.

Figures: everything is counted inside the database, one statement per figure, whatever
the number of rows: rows and rows without a key per source, keys that collide
inside one source once normalized, keys shared by several sources (the rows
that become one), the entities the target will hold, per target field the
shared keys whose sources disagree, and passwords in a format the project's
hashers cannot read. Counts only: no value of a row is read into Python.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, get_hashers
from django.db import connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import truncate_name
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import (
    AddConstraint,
    AddField,
    AddIndex,
    AlterField,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    RemoveConstraint,
    RemoveField,
    RemoveIndex,
    RenameField,
)
from django.db.migrations.operations.base import Operation
from django.db.migrations.writer import MigrationWriter

from django_remodel import writer
from django_remodel.codemod import absorb as absorb_codemod
from django_remodel.codemod import normalize as field_edits
from django_remodel.codemod.detach import add_import, set_keywords
from django_remodel.codemod.merge import remove_class
from django_remodel.codemod.usages import walk
from django_remodel.graph import ModelGraph
from django_remodel.operations import (
    CreateMergeMap,
    DropMergeMap,
    MergeLinks,
    MergePermissions,
    MergeRows,
    RepointGenericReferences,
    RepointReferences,
    ResetKeySequence,
)
from django_remodel.plans.merge import MappedField, MergeError, MergePlan, Reference
from django_remodel.refactor.fields import DROP, model_field, rebuilt
from django_remodel.refactor.normalize import FileEdit, _auto_field, _models_path, write_changes

_TEXT_TYPES = frozenset({"CharField", "SlugField", "EmailField", "URLField", "TextField"})


class _Columns:
    """Quoted tables and columns of the plan's sources, and the key expression of each."""

    def __init__(self, plan: MergePlan, graph: ModelGraph, connection: BaseDatabaseWrapper):
        self.plan = plan
        self.graph = graph
        self.connection = connection
        self.quote = connection.ops.quote_name

    def table(self, model: str) -> str:
        table = self.graph.model(model).db_table
        assert table is not None, "sources have tables"
        return self.quote(table)

    def column(self, model: str, field: str) -> str:
        column = self.graph.model(model).field(field).column
        assert column is not None, "mapped fields are columns"
        return f"s.{self.quote(column)}"

    def is_text(self, model: str, field: str) -> bool:
        return self.graph.model(model).field(field).internal_type in _TEXT_TYPES

    def key_field(self, model: str) -> str:
        return self.plan.key if model == self.plan.target else self.plan.key_field_of(model)

    def key(self, model: str) -> str:
        """The normalized key of a row of ``model`` (alias ``s``)."""
        expression = self.column(model, self.key_field(model))
        if self.plan.key_normalization in ("trim", "trim-casefold"):
            expression = f"TRIM({expression})"
        if self.plan.key_normalization in ("casefold", "trim-casefold"):
            expression = f"LOWER({expression})"
        return self.exact(expression) if self.is_text(model, self.key_field(model)) else expression

    def has_key(self, model: str) -> str:
        column = self.column(model, self.key_field(model))
        if self.is_text(model, self.key_field(model)):
            return f"{column} IS NOT NULL AND TRIM({column}) <> ''"
        return f"{column} IS NOT NULL"

    def exact(self, expression: str) -> str:
        """Text compared byte for byte, whatever the column's collation."""
        vendor = self.connection.vendor
        if vendor == "mysql":
            return f"CAST(CONVERT({expression} USING utf8mb4) AS BINARY)"
        if vendor == "postgresql":
            return f'({expression}) COLLATE "C"'
        return f"({expression}) COLLATE BINARY"

    def keyed_rows(self, value: MappedField | None = None) -> str:
        """``SELECT`` of (``k``: normalized key, ``src``: source number[, ``v``: value]) for
        every source row with a key (that has ``value``'s field)."""
        selects = []
        for number, model in enumerate(self.plan.sources):
            columns = f"{self.key(model)} AS k, {number} AS src"
            where = self.has_key(model)
            if value is not None:
                field = value.source_field(model)
                if field is None:
                    continue
                column = self.column(model, field)
                if self.is_text(model, field):
                    columns += f", {self.exact(column)} AS v"
                    where += f" AND {column} IS NOT NULL AND {column} <> ''"
                else:
                    columns += f", {column} AS v"
                    where += f" AND {column} IS NOT NULL"
            selects.append(f"SELECT {columns} FROM {self.table(model)} s WHERE {where}")
        return " UNION ALL ".join(selects)


def measure(plan: MergePlan, graph: ModelGraph, using: str = "default") -> dict[str, Any]:
    """The plan's figures, counted by the database behind ``using``."""
    connection = connections[using]
    columns = _Columns(plan, graph, connection)
    figures: dict[str, Any] = {}
    with connection.cursor() as cursor:

        def count(sql: str, params: Sequence[Any] = ()) -> int:
            cursor.execute(sql, list(params))
            row = cursor.fetchone()
            return int(row[0] or 0) if row else 0

        rows: dict[str, int] = {}
        keyless: dict[str, int] = {}
        collisions: dict[str, int] = {}
        for model in plan.sources:
            table = columns.table(model)
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {columns.has_key(model)} THEN 0 "
                f"ELSE 1 END), 0), COUNT(DISTINCT CASE WHEN {columns.has_key(model)} THEN "
                f"{columns.key(model)} END) FROM {table} s"
            )
            total, without, distinct = (int(value or 0) for value in cursor.fetchone())
            rows[model], keyless[model] = total, without
            collisions[model] = total - without - distinct
        figures["rows"] = rows
        figures["rows_without_key"] = keyless
        figures["keys_repeated_within_a_source"] = collisions
        keyed = columns.keyed_rows()
        figures["matched_keys"] = count(
            f"SELECT COUNT(*) FROM (SELECT u.k FROM ({keyed}) u GROUP BY u.k "
            "HAVING COUNT(DISTINCT u.src) > 1) m"
        )
        distinct_keys = count(f"SELECT COUNT(DISTINCT u.k) FROM ({keyed}) u")
        figures["rows_after_merge"] = distinct_keys + (
            sum(keyless.values()) if plan.keyless == "separate" else 0
        )
        conflicts: dict[str, int] = {}
        for mapped in plan.fields:
            if mapped.name == plan.key or len(mapped.sources) < 2:
                continue
            conflicts[mapped.name] = count(
                f"SELECT COUNT(*) FROM (SELECT u.k FROM ({columns.keyed_rows(mapped)}) u "
                "GROUP BY u.k HAVING COUNT(DISTINCT u.v) > 1) c"
            )
        figures["keys_whose_sources_disagree"] = conflicts
        taken = _unique_values_taken_twice(plan, graph, columns, count)
        if taken:
            figures["unique_values_held_by_several"] = taken
        too_long = _too_long(plan, graph, columns, count)
        if too_long:
            figures["values_too_long"] = too_long
        if not plan.target_exists:
            figures["new_keys_held_twice"] = _new_keys_held_twice(plan, columns, count)
        else:
            target = plan.target
            figures["target_rows"] = count(f"SELECT COUNT(*) FROM {columns.table(target)}")
            figures["target_keys_held_twice"] = count(
                f"SELECT COUNT(*) FROM (SELECT {columns.key(target)} AS k FROM "
                f"{columns.table(target)} s WHERE {columns.has_key(target)} GROUP BY "
                f"{columns.key(target)} HAVING COUNT(*) > 1) d"
            )
        password = _password_field(plan)
        if password is not None:
            figures["passwords_no_hasher_reads"] = _unreadable_passwords(
                plan, password, columns, count
            )
    return figures


def _unique_values_taken_twice(
    plan: MergePlan, graph: ModelGraph, columns: _Columns, count: Any
) -> dict[str, int]:
    """Per unique field of the target that sources fill, the values that rows of different
    keys would share (the target's own rows included): the unique constraint would refuse
    them."""
    found = {}
    for mapped in plan.fields:
        if mapped.name == plan.key or (mapped.new and plan.target_exists):
            continue
        first = graph.model(mapped.sources[0][0]).field(mapped.sources[0][1])
        if first.related_model in plan.sources or not _declared(plan, graph, mapped).unique:
            continue  # a relation to a source holds ids of the target, mapped afresh
        rows = [*mapped.sources, *([(plan.target, mapped.name)] if plan.target_exists else [])]
        selects = []
        for model, name in rows:
            column = columns.column(model, name)
            value = columns.exact(column) if columns.is_text(model, name) else column
            selects.append(
                f"SELECT {value} AS v, {columns.key(model)} AS k FROM {columns.table(model)} s "
                f"WHERE {columns.has_key(model)} AND {column} IS NOT NULL"
            )
        found[mapped.name] = count(
            f"SELECT COUNT(*) FROM (SELECT u.v FROM ({' UNION ALL '.join(selects)}) u "
            "GROUP BY u.v HAVING COUNT(DISTINCT u.k) > 1) d"
        )
    return found


def _too_long(plan: MergePlan, graph: ModelGraph, columns: _Columns, count: Any) -> dict[str, int]:
    """Per ``source.field -> target field`` whose source is declared longer than the
    target field, the source values that do not fit."""
    found = {}
    length = "CHAR_LENGTH" if columns.connection.vendor == "mysql" else "LENGTH"
    for mapped in plan.fields:
        if mapped.new and plan.target_exists:
            continue
        limit = _declared(plan, graph, mapped).max_length
        for model, name in mapped.sources:
            declared = graph.model(model).field(name).max_length
            if limit is None or (declared is not None and declared <= limit):
                continue  # a source without a length (text) is measured too
            column = columns.column(model, name)
            found[f"{model}.{name} -> {mapped.name}"] = count(
                f"SELECT COUNT(*) FROM {columns.table(model)} s WHERE {length}({column}) > %s",
                [limit],
            )
    return found


def _declared(plan: MergePlan, graph: ModelGraph, mapped: MappedField) -> Any:
    """The target field ``mapped`` fills, as the target declares it (a ``FieldNode``), or as
    a new target will (a model field)."""
    if plan.target_exists and not mapped.new:
        return graph.model(plan.target).field(mapped.name)
    return _target_field(plan, mapped)


def _new_keys_held_twice(plan: MergePlan, columns: _Columns, count: Any) -> int:
    """Key values that several rows of a new target would hold, which its unique key
    refuses: keys that differ once normalized but that the database compares equal, and
    (rows without a key being kept apart) an empty key held by several rows."""
    keyed = []
    blank = []
    for model in plan.sources:
        field = plan.key_field_of(model)
        column, table, has_key = (
            columns.column(model, field),
            columns.table(model),
            columns.has_key(model),
        )
        keyed.append(
            f"SELECT {column} AS v, {columns.key(model)} AS k FROM {table} s WHERE {has_key}"
        )
        if columns.is_text(model, field):
            blank.append(
                f"SELECT {column} AS v FROM {table} s WHERE {column} IS NOT NULL AND NOT "
                f"({has_key})"
            )
    counts = [
        f"(SELECT COUNT(*) FROM (SELECT u.v FROM ({' UNION ALL '.join(keyed)}) u "
        "GROUP BY u.v HAVING COUNT(DISTINCT u.k) > 1) d)"
    ]
    if blank and plan.keyless == "separate":
        counts.append(
            f"(SELECT COUNT(*) FROM (SELECT u.v FROM ({' UNION ALL '.join(blank)}) u "
            "GROUP BY u.v HAVING COUNT(*) > 1) e)"
        )
    return int(count(f"SELECT {' + '.join(counts)}"))


def _password_field(plan: MergePlan) -> MappedField | None:
    if not plan.target_is_user_model:
        return None
    return next((mapped for mapped in plan.fields if mapped.name == "password"), None)


def _unreadable_passwords(
    plan: MergePlan, password: MappedField, columns: _Columns, count: Any
) -> dict[str, int]:
    """Per source, rows whose password is set but in no format of ``PASSWORD_HASHERS``
    (``algorithm$...``); unusable ones (``!...``) are fine as they are."""
    algorithms = [hasher.algorithm for hasher in get_hashers() if hasher.algorithm]
    patterns = [f"{_like_escaped(algorithm)}$%" for algorithm in algorithms] + ["!%"]
    found = {}
    for model, field in password.sources:
        column = columns.column(model, field)
        readable = " OR ".join(f"{column} LIKE %s ESCAPE '#'" for _ in patterns)
        found[model] = count(
            f"SELECT COUNT(*) FROM {columns.table(model)} s WHERE {column} IS NOT NULL "
            f"AND {column} <> '' AND NOT ({readable})",
            patterns,
        )
    return found


def _like_escaped(text: str) -> str:
    return text.replace("#", "##").replace("%", "#%").replace("_", "#_")


# -------------------------------------------------------------------- migrations


@dataclass(frozen=True)
class Listed:
    """A place in the project's code that still names a source: a person must change it."""

    path: Path
    line: int
    text: str


@dataclass(frozen=True)
class MergeChanges:
    """Everything ``apply`` would write, and what the user must look at themselves."""

    plan: MergePlan
    migrations: list[writer.WrittenMigration]
    edits: list[FileEdit]
    listed: list[Listed]
    new_fields: dict[str, str]
    """``app.Model.field`` of each reference -> the name of the new key beside it."""
    related_names: dict[str, str]
    """``app.Model.field`` of each reference whose reverse name would clash on the target ->
    its new ``related_name``."""


def target_table(plan: MergePlan) -> str:
    """The target's table: the new model's is named as Django names it by default."""
    if plan.target_exists:
        return str(global_apps.get_model(plan.target)._meta.db_table)
    app, name = plan.target.split(".")
    return truncate_name(f"{app}_{name.lower()}", connection.ops.max_name_length())


def id_map_table(plan: MergePlan) -> str:
    """The id map's table: named after the target's, within every backend's name limit."""
    return truncate_name(f"{target_table(plan)}_merge_ids", 60)


def _target_field(plan: MergePlan, mapped: MappedField) -> models.Field[Any, Any]:
    """A field the target lacks, as its first source declares it (a relation to a source
    points at the target). One that takes no NULL and has no default becomes nullable,
    but for text, whose rows from before get the empty string (``_added``). A field of a
    new target is shaped by :func:`_new_target_changes`."""
    model, name = mapped.sources[0]
    field = model_field(model, name)
    changes: dict[str, Any] = {}
    to_source = False
    if field.is_relation and field.related_model is not None:
        related: Any = field.related_model
        to_source = related._meta.label in plan.sources
        if to_source:
            changes.update(to=plan.target.lower(), related_name="+")
    if not plan.target_exists:
        changes.update(_new_target_changes(plan, mapped, field, to_source=to_source))
    elif not field.null and not field.has_default() and not _is_text(field):
        changes.update(null=True, blank=True)
    return rebuilt(field, **changes)


def _new_target_changes(
    plan: MergePlan, mapped: MappedField, field: models.Field[Any, Any], *, to_source: bool
) -> dict[str, Any]:
    """How a field of a new target differs from its first source's: the key is unique; a
    field takes NULL where a source's does, or where a source lacks it and nothing else
    gives a value (text gets the empty string then); text is as long as the longest source
    allows; the column is named after the field."""
    declared = [model_field(model, name) for model, name in mapped.sources]
    kwargs = field.deconstruct()[3]
    changes: dict[str, Any] = {}
    if "db_column" in kwargs:
        changes["db_column"] = DROP
    if mapped.name == plan.key:
        changes["unique"] = True
        if kwargs.get("db_index"):
            changes["db_index"] = DROP
    lengths = [f.max_length for f in declared if f.max_length is not None]
    if field.max_length is not None and lengths and max(lengths) > field.max_length:
        changes["max_length"] = max(lengths)
    covered = len(mapped.sources) == len(plan.sources) or mapped.name in dict(plan.fills)
    generated = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    takes_null = (
        to_source
        or any(f.null for f in declared)
        or (not covered and not field.has_default() and not generated and not _is_text(field))
    )
    if takes_null and not field.null:
        changes.update(null=True, blank=True)
    elif not covered and _is_text(field) and not field.blank:
        changes["blank"] = True
    return changes


def _new_model_fields(plan: MergePlan) -> list[tuple[str, models.Field[Any, Any]]]:
    """The fields of a new target, the key first, as the ``CreateModel`` and the class
    written into ``models.py`` both declare them."""
    ordered = sorted(plan.fields, key=lambda mapped: mapped.name != plan.key)
    return [(mapped.name, _target_field(plan, mapped)) for mapped in ordered]


def _create_target(plan: MergePlan) -> CreateModel:
    """The expand's ``CreateModel`` of a new target, its primary key as makemigrations
    would declare it."""
    app, name = plan.target.split(".")
    return CreateModel(name=name, fields=[("id", _auto_field(app)), *_new_model_fields(plan)])


def _is_text(field: models.Field[Any, Any]) -> bool:
    return isinstance(field, models.CharField | models.TextField)


def _added(plan: MergePlan, mapped: MappedField) -> AddField:
    """The expand's ``AddField``: a text field taking no NULL without a default gets ``""``
    as a one-off default for the rows already there (as makemigrations asks for one)."""
    field = _target_field(plan, mapped)
    model_name = plan.target.split(".")[1].lower()
    if _is_text(field) and not field.null and not field.has_default():
        one_off = rebuilt(field, default="")
        return AddField(
            model_name=model_name, name=mapped.name, field=one_off, preserve_default=False
        )
    return AddField(model_name=model_name, name=mapped.name, field=field)


def _references(plan: MergePlan) -> list[Reference]:
    return [r for r in plan.references if r.kind != "generic"]


def _through_is_auto(reference: Reference) -> bool:
    field: Any = model_field(reference.model, reference.field)
    return bool(field.remote_field.through._meta.auto_created)


def new_field_names(plan: MergePlan) -> dict[str, str]:
    """The new key beside each reference: ``<field>_<target model>``, made unique."""
    target = plan.target.split(".")[1].lower()
    names: dict[str, str] = {}
    for reference in _references(plan):
        if reference.kind == "many-to-many" and not _through_is_auto(reference):
            continue
        taken = {f.name for f in global_apps.get_model(reference.model)._meta.get_fields()}
        taken |= {n for k, n in names.items() if k.startswith(f"{reference.model}.")}
        name = f"{reference.field}_{target}"
        while name in taken:
            name += "_merged"
        names[f"{reference.model}.{reference.field}"] = name
    return names


def related_names(plan: MergePlan) -> dict[str, str]:
    """A new ``related_name`` for each reference whose reverse name would clash on the
    target with one it has already (or with another reference's): ``<name>_as_<field>``."""
    taken = {"id", *(mapped.name for mapped in plan.fields)}
    if plan.target_exists:
        target = global_apps.get_model(plan.target)
        sources = {global_apps.get_model(label) for label in plan.sources}
        taken |= {f.name for f in target._meta.get_fields() if not f.auto_created or f.concrete}
        for relation in target._meta.related_objects:
            if relation.related_model in sources:
                continue
            taken.add(relation.get_accessor_name() or "")
            taken.add(relation.field.related_query_name())
    renamed: dict[str, str] = {}
    for reference in _references(plan):
        field: Any = model_field(reference.model, reference.field)
        remote = field.remote_field
        if remote.related_name and remote.related_name.endswith("+"):
            continue
        model_name = field.model._meta.model_name
        accessor = remote.related_name or (
            model_name if isinstance(field, models.OneToOneField) else f"{model_name}_set"
        )
        query = remote.related_query_name or remote.related_name or model_name
        if accessor in taken or query in taken:
            base = remote.related_name or model_name
            accessor = query = f"{base}_as_{field.name}"
            renamed[f"{reference.model}.{reference.field}"] = accessor
        taken |= {accessor, query}
    return renamed


def _final_reference(plan: MergePlan, reference: Reference) -> models.Field[Any, Any]:
    """The reference as declared, pointing at the target (renamed where its reverse name
    would clash)."""
    changes: dict[str, Any] = {"to": plan.target.lower()}
    renamed = related_names(plan).get(f"{reference.model}.{reference.field}")
    if renamed is not None:
        changes["related_name"] = renamed
        remote: Any = model_field(reference.model, reference.field).remote_field
        if remote.related_query_name:
            changes["related_query_name"] = renamed
    return rebuilt(model_field(reference.model, reference.field), **changes)


def _new_reference(plan: MergePlan, reference: Reference) -> models.Field[Any, Any]:
    old: Any = model_field(reference.model, reference.field)
    if reference.kind == "many-to-many":
        return models.ManyToManyField(to=plan.target.lower(), related_name="+", blank=True)
    kwargs: dict[str, Any] = {"null": True, "blank": True, "related_name": "+"}
    if not old.db_index:
        kwargs["db_index"] = False
    return models.ForeignKey(to=plan.target.lower(), on_delete=old.remote_field.on_delete, **kwargs)


def _batch(plan: MergePlan) -> dict[str, Any]:
    batch: dict[str, Any] = {}
    if plan.batch_size:
        batch["batch_size"] = plan.batch_size
    if plan.lock_timeout_ms is not None:
        batch["lock_timeout_ms"] = plan.lock_timeout_ms
    if plan.pause:
        batch["pause"] = plan.pause
    return batch


def merge_rows(plan: MergePlan) -> MergeRows:
    """The backfill's ``MergeRows`` for ``plan``."""
    defaults: dict[str, Any] = {}
    password = next((m for m in plan.fields if m.name == "password"), None)
    if plan.target_is_user_model and (
        password is None or len(password.sources) < len(plan.sources)
    ):
        # Rows from a source without a password cannot log in until they set one.
        defaults["password"] = UNUSABLE_PASSWORD_PREFIX
    return MergeRows(
        model_name=plan.target.split(".")[1],
        sources=list(plan.sources),
        key=plan.key,
        fields=[[m.name, dict(m.sources), m.policy] for m in plan.fields],
        id_map=id_map_table(plan),
        new_fields=[m.name for m in plan.fields if m.new],
        fills=dict(plan.fills),
        newest_by=dict(plan.newest_by),
        defaults=defaults,
        key_normalization=plan.key_normalization,
        **_batch(plan),
    )


def migration_specs(
    plan: MergePlan, loader: MigrationLoader | None = None
) -> list[writer.MigrationSpec]:
    """The migrations of ``plan``, across the apps involved, as operations."""
    loader = loader or MigrationLoader(None, ignore_no_migrations=True)
    target_app, target_name = plan.target.split(".")
    table = id_map_table(plan)
    names = new_field_names(plan)
    source_apps = list(dict.fromkeys(label.split(".")[0] for label in plan.sources))
    latest = tuple(leaf for app in source_apps if (leaf := writer.leaf(loader, app)) is not None)

    def named(step: str) -> str:
        return f"{plan.name}_{step}" if plan.name else f"merge_{target_name.lower()}_{step}"

    specs: list[writer.MigrationSpec] = []
    expand: list[Operation] = (
        [_added(plan, m) for m in plan.fields if m.new]
        if plan.target_exists
        else [_create_target(plan)]
    )
    expand.append(CreateMergeMap(table))
    specs.append(
        writer.MigrationSpec(
            expand,
            named("expand"),
            app_label=target_app,
            extra_dependencies=tuple(leaf for leaf in latest if leaf[0] != target_app),
        )
    )
    by_app: dict[str, list[Reference]] = {}
    for reference in _references(plan):
        by_app.setdefault(reference.model.split(".")[0], []).append(reference)
    expands = []
    for app, references in by_app.items():
        operations: list[Operation] = [
            AddField(
                model_name=r.model.split(".")[1].lower(),
                name=names[f"{r.model}.{r.field}"],
                field=_new_reference(plan, r),
            )
            for r in references
            if f"{r.model}.{r.field}" in names
        ]
        if operations:
            expands.append(len(specs))
            specs.append(
                writer.MigrationSpec(operations, named("expand"), app_label=app, after=(0,))
            )

    batch = _batch(plan)
    backfill: list[Operation] = [merge_rows(plan), ResetKeySequence(model_name=target_name)]
    for reference in _references(plan):
        new = names.get(f"{reference.model}.{reference.field}")
        if new is None:
            continue
        operation = MergeLinks if reference.kind == "many-to-many" else RepointReferences
        backfill.append(
            operation(
                reference.model,
                reference.field,
                new,
                reference.source,
                id_map=table,
                **batch,
            )
        )
    backfill_index = len(specs)
    specs.append(
        writer.MigrationSpec(
            backfill,
            named("backfill"),
            app_label=target_app,
            atomic=not plan.batch_size,
            after=(0, *expands),
        )
    )
    contracts = []
    for app, references in by_app.items():
        operations = []
        for r in references:
            model = r.model.split(".")[1].lower()
            final = _final_reference(plan, r)
            new = names.get(f"{r.model}.{r.field}")
            before, after = _meta_around(r)
            operations += before
            if new is not None:
                operations += [
                    RemoveField(model_name=model, name=r.field),
                    RenameField(model_name=model, old_name=new, new_name=r.field),
                ]
            operations.append(AlterField(model_name=model, name=r.field, field=final))
            operations += after
        # A many-to-many through a model of its own follows that model's keys: last.
        operations.sort(
            key=lambda op: (
                isinstance(op, AlterField) and isinstance(op.field, models.ManyToManyField)
            )
        )
        contracts.append(len(specs))
        specs.append(
            writer.MigrationSpec(
                operations, named("contract"), app_label=app, after=(backfill_index,)
            )
        )
    generic = [[r.model, *_generic_fields(r)] for r in plan.references if r.kind == "generic"]
    final_ops: list[Operation] = []
    with_auth = global_apps.is_installed("django.contrib.auth")
    if generic or global_apps.is_installed("django.contrib.contenttypes"):
        if with_auth:
            final_ops.append(MergePermissions(target_name, list(plan.sources)))
        final_ops.append(
            RepointGenericReferences(target_name, list(plan.sources), generic, id_map=table)
        )
    final_ops.append(DropMergeMap(table))
    # The grants the permissions move live in auth's tables and the user model's.
    permission_apps = (
        sorted({"auth", settings.AUTH_USER_MODEL.split(".")[0]} - {target_app}) if with_auth else []
    )
    target_contract = len(specs)
    specs.append(
        writer.MigrationSpec(
            final_ops,
            named("contract"),
            app_label=target_app,
            after=(backfill_index, *contracts),
            extra_dependencies=tuple(
                leaf for app in permission_apps if (leaf := writer.leaf(loader, app)) is not None
            ),
        )
    )
    for app in source_apps:
        deletions: list[Operation] = [
            DeleteModel(name=label.split(".")[1])
            for label in plan.sources
            if label.split(".")[0] == app
        ]
        specs.append(
            writer.MigrationSpec(
                deletions,
                named("contract") if app != target_app else named("delete_sources"),
                app_label=app,
                after=(target_contract,),
            )
        )
    return specs


def _meta_around(reference: Reference) -> tuple[list[Operation], list[Operation]]:
    """The constraints and indexes of the referring model that name the reference: taken
    off before its old key is removed, put back once the new key has its name."""
    meta = global_apps.get_model(reference.model)._meta
    model = meta.model_name or ""
    before: list[Operation] = []
    after: list[Operation] = []
    for constraint in meta.constraints:
        if reference.field in getattr(constraint, "fields", ()):
            before.append(RemoveConstraint(model_name=model, name=constraint.name))
            after.append(AddConstraint(model_name=model, constraint=constraint.clone()))
    for index in meta.indexes:
        if reference.field in index.fields or f"-{reference.field}" in index.fields:
            assert index.name is not None
            before.append(RemoveIndex(model_name=model, name=index.name))
            after.append(AddIndex(model_name=model, index=index.clone()))
    together = {tuple(fields) for fields in meta.unique_together}
    if any(reference.field in fields for fields in together):
        kept = {fields for fields in together if reference.field not in fields}
        before.append(AlterUniqueTogether(name=model, unique_together=kept))
        after.append(AlterUniqueTogether(name=model, unique_together=together))
    return before, after


def _generic_fields(reference: Reference) -> list[str]:
    model = global_apps.get_model(reference.model)
    for field in model._meta.private_fields:
        if field.name == reference.field and hasattr(field, "ct_field"):
            return [field.ct_field, field.fk_field]
    raise MergeError(f"{reference.model}.{reference.field} is not a generic foreign key.")


# ------------------------------------------------------------------------ edits


def _field_code(field: models.Field[Any, Any]) -> tuple[str, set[str]]:
    """The field as ``models.py`` declares it (``on_delete=models.CASCADE``, as people
    write it, rather than the migration's ``django.db.models.deletion.CASCADE``)."""
    code, imports = MigrationWriter.serialize(field)
    deletion = "django.db.models.deletion."
    if deletion in code:
        code = code.replace(deletion, "models.")
        imports.discard("import django.db.models.deletion")
    return code, {line for line in imports if line != "from django.db import models"}


def _with_imports(text: str, imports: set[str], filename: str) -> str:
    for line in sorted(imports):
        module, _, name = line.removeprefix("from ").partition(" import ")
        if line.startswith("from ") and name:
            text = add_import(text, module=module, name=name, filename=filename)
        elif line not in text.splitlines():
            lines = text.splitlines(keepends=True)
            last = max(
                (i for i, item in enumerate(lines) if item.startswith(("import ", "from "))),
                default=-1,
            )
            lines.insert(last + 1, f"{line}\n")
            text = "".join(lines)
    return text


def _model_edits(plan: MergePlan) -> dict[Path, tuple[str, str]]:
    """models.py of each app involved: (before, after)."""
    texts: dict[Path, tuple[str, str]] = {}

    def edit(app: str, change: Any) -> None:
        path = _models_path(app)
        before, text = texts.get(path, (path.read_text(encoding="utf-8"),) * 2)
        texts[path] = (before, change(text, str(path)))

    target_app, target_name = plan.target.split(".")
    if not plan.target_exists:
        edit(target_app, lambda text, where: _with_new_model(plan, text, where))
    for mapped in plan.fields:
        if not mapped.new or not plan.target_exists:
            continue
        code, imports = _field_code(_target_field(plan, mapped))
        edit(
            target_app,
            lambda text, where, name=mapped.name, code=code, imports=imports: _with_imports(
                field_edits.add_field(
                    text, model_name=target_name, field_name=name, field_code=code, filename=where
                ),
                imports,
                where,
            ),
        )
    renamed = related_names(plan)
    for reference in _references(plan):
        app, model_name = reference.model.split(".")
        edit(
            app,
            lambda text, where, model_name=model_name, r=reference: absorb_codemod.repoint_field(
                text, model_name=model_name, field_name=r.field, to=plan.target, filename=where
            ),
        )
        new_name = renamed.get(f"{reference.model}.{reference.field}")
        if new_name is None:
            continue
        values = {"related_name": repr(new_name)}
        remote: Any = model_field(reference.model, reference.field).remote_field
        if remote.related_query_name:
            values["related_query_name"] = repr(new_name)
        edit(
            app,
            lambda text, where, model_name=model_name, r=reference, values=values: set_keywords(
                text, model_name=model_name, field_name=r.field, values=values, filename=where
            ),
        )
    for label in plan.sources:
        app, name = label.split(".")
        edit(app, lambda text, where, name=name: remove_class(text, name, filename=where))
    return texts


def _with_new_model(plan: MergePlan, text: str, where: str) -> str:
    """``text`` (the target app's ``models.py``) with the class of a new target at its end."""
    coded = [(name, _field_code(field)) for name, field in _new_model_fields(plan)]
    imports = {line for _name, (_code, needed) in coded for line in needed}
    (key, (key_code, _needed)), *more = coded
    *others, last = plan.sources
    sources = f"{', '.join(others)} and {last}"
    added = field_edits.add_model(
        text,
        model_name=plan.target.split(".")[1],
        field_name=key,
        field_code=key_code,
        more_fields=[(name, code) for name, (code, _needed) in more],
        after_class=None,
        docstring=f"One entity merged from {sources}, identified by its {key}.",
        filename=where,
    )
    return _with_imports(added, imports, where)


def check_new_target(plan: MergePlan) -> None:
    """Raise unless the class of a new target can be added to its app's ``models.py`` (the
    name is free there); nothing is written."""
    if not plan.target_exists:
        path = _models_path(plan.target_app)
        _with_new_model(plan, path.read_text(encoding="utf-8"), str(path))


def _mentions(plan: MergePlan, root: Path, skip: set[Path]) -> list[Listed]:
    names = [label.split(".")[1] for label in plan.sources]
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")
    found = []
    for path in walk(root):
        if path.suffix != ".py" or path in skip:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(Listed(path, number, line.strip()))
    return found


def prepare(plan: MergePlan, *, project_root: Path | None = None) -> MergeChanges:
    """Compute the migrations and the edits of ``plan``; nothing is written."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    specs = migration_specs(plan, loader)
    rendered = writer.render_chain(plan.target_app, specs, loader=loader)
    texts = _model_edits(plan)
    edits = [FileEdit(path, before, after) for path, (before, after) in texts.items()]
    root = project_root or _models_path(plan.target_app).parent.parent
    listed = _mentions(plan, root, set(texts))
    return MergeChanges(plan, rendered, edits, listed, new_field_names(plan), related_names(plan))


def apply(changes: MergeChanges) -> None:
    """Write the migrations and the edited files; all or nothing."""
    write_changes(changes.migrations, changes.edits, MergeError)


__all__ = [
    "MergeChanges",
    "apply",
    "check_new_target",
    "measure",
    "migration_specs",
    "prepare",
    "target_table",
]
