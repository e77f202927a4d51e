"""Carry out a normalize plan: the three migrations and the edits to the models.

``prepare`` computes every change without touching anything, so ``--dry-run``
shows exactly what ``apply`` would write. ``apply`` writes the migration files
and the edited models module; nothing is written when any of it fails.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.db import connections, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import (
    AddField,
    AlterField,
    CreateModel,
    RemoveField,
    RemoveIndex,
)
from django.db.migrations.operations.base import Operation
from django.utils.module_loading import import_string

from django_remodel import writer
from django_remodel.codemod import normalize as codemod
from django_remodel.errors import RemodelError
from django_remodel.operations import NormalizeColumn, RestoreColumnFromForeignKey
from django_remodel.plans.normalize import NormalizePlan


@dataclass(frozen=True)
class FileEdit:
    path: Path
    before: str
    after: str

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=str(self.path),
                tofile=str(self.path),
            )
        )


@dataclass(frozen=True)
class NormalizeChanges:
    """Everything ``apply`` would write, and what the user must look at themselves."""

    plan: NormalizePlan
    migrations: list[writer.WrittenMigration]
    edits: list[FileEdit]
    usages: list[codemod.Usage]


def _models_path(app_label: str) -> Path:
    models_module = global_apps.get_app_config(app_label).models_module
    module = sys.modules[models_module.__name__] if models_module is not None else None
    if module is None or module.__file__ is None or not module.__file__.endswith("models.py"):
        raise RemodelError(
            f"The models of app {app_label!r} are not in one models.py module; "
            f"edit them by hand, or move them into models.py."
        )
    return Path(module.__file__)


def _auto_field(app_label: str) -> models.Field[Any, Any]:
    field_class = import_string(global_apps.get_app_config(app_label).default_auto_field)
    field: models.Field[Any, Any] = field_class(
        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
    )
    return field


def _foreign_key(plan: NormalizePlan, *, null: bool) -> models.ForeignKey[Any, Any]:
    kwargs: dict[str, Any] = {"null": null}
    if plan.related_name:
        kwargs["related_name"] = plan.related_name
    if not plan.db_index:
        kwargs["db_index"] = False
    return models.ForeignKey(
        to=plan.target_model.lower(), on_delete=getattr(models, plan.on_delete), **kwargs
    )


def _foreign_key_code(plan: NormalizePlan, *, same_module: bool) -> str:
    target = plan.target_object_name if same_module else repr(plan.target_model)
    parts = [target, f"on_delete=models.{plan.on_delete}"]
    if plan.nullable:
        parts += ["null=True", "blank=True"]
    if plan.related_name:
        parts.append(f"related_name={plan.related_name!r}")
    if not plan.db_index:
        parts.append("db_index=False")
    return f"models.ForeignKey({', '.join(parts)})"


def _nullable_first(plan: NormalizePlan) -> list[Operation]:
    """Make a NOT NULL old column nullable before dropping it.

    Migrating back re-adds the column; it can only be added to a table with rows
    while nullable. The restore that follows on the way back fills it, and this
    operation's reverse then makes it NOT NULL again.
    """
    field = global_apps.get_model(plan.source_model)._meta.get_field(plan.source_field)
    if field.null:
        return []
    _name, _path, args, kwargs = field.deconstruct()
    kwargs["null"] = True
    return [
        AlterField(
            model_name=plan.source_model.split(".")[1].lower(),
            name=plan.source_field,
            field=field.__class__(*args, **kwargs),
        )
    ]


def migration_specs(plan: NormalizePlan) -> list[writer.MigrationSpec]:
    """Expand, backfill and contract, as operations."""
    source_name = plan.source_model.split(".")[1]
    expand: list[Operation] = []
    if not plan.target_exists:
        expand.append(
            CreateModel(
                name=plan.target_object_name,
                fields=[
                    ("id", _auto_field(plan.target_app)),
                    (
                        plan.target_field,
                        models.CharField(max_length=plan.max_length or 255, unique=True),
                    ),
                ],
            )
        )
    expand.append(
        AddField(
            model_name=source_name.lower(),
            name=plan.fk_name,
            field=_foreign_key(plan, null=True),
        )
    )
    backfill = NormalizeColumn(
        model_name=source_name,
        field_name=plan.source_field,
        fk_name=plan.fk_name,
        target_model=plan.target_model,
        target_field=plan.target_field,
        strip=plan.strip,
        casefold=plan.casefold,
        empty_as_null=plan.empty_as_null,
        batch_size=plan.batch_size or None,
        lock_timeout_ms=plan.lock_timeout_ms,
        pause=plan.pause,
        batch_seconds=(plan.batch_seconds or None) if plan.batch_size else None,
    )
    contract: list[Operation] = [
        *_nullable_first(plan),
        RestoreColumnFromForeignKey(
            model_name=source_name,
            field_name=plan.source_field,
            fk_name=plan.fk_name,
            target_field=plan.target_field,
        ),
        *(RemoveIndex(model_name=source_name.lower(), name=name) for name in plan.drop_indexes),
        RemoveField(model_name=source_name.lower(), name=plan.source_field),
    ]
    if not plan.nullable:
        contract.append(
            AlterField(
                model_name=source_name.lower(),
                name=plan.fk_name,
                field=_foreign_key(plan, null=False),
            )
        )
    target_dependency = (
        ((plan.target_app, "__first__"),) if plan.target_app != plan.source_app else ()
    )

    def named(step: str) -> str | None:
        return f"{plan.name}_{step}" if plan.name else None

    return [
        writer.MigrationSpec(expand, named("expand"), extra_dependencies=target_dependency),
        writer.MigrationSpec([backfill], named("backfill"), atomic=not plan.batch_size),
        writer.MigrationSpec(
            contract,
            named("contract") or f"remove_{source_name.lower()}_{plan.source_field}",
        ),
    ]


def _edited_models(plan: NormalizePlan) -> list[FileEdit]:
    source_path = _models_path(plan.source_app)
    source_name = plan.source_model.split(".")[1]
    text = source_path.read_text(encoding="utf-8")
    edits: dict[Path, tuple[str, str]] = {source_path: (text, text)}
    same_module = plan.target_app == plan.source_app
    if not plan.target_exists:
        target_path = _models_path(plan.target_app)
        before = edits.get(target_path, (target_path.read_text(encoding="utf-8"),) * 2)[1]
        after = codemod.add_model(
            before,
            model_name=plan.target_object_name,
            field_name=plan.target_field,
            field_code=f"models.CharField(max_length={plan.max_length or 255}, unique=True)",
            after_class=source_name if same_module else None,
            docstring=(
                f"One {plan.target_field} that {source_name}.{plan.fk_name} points at, stored once."
            ),
        )
        edits[target_path] = (edits.get(target_path, (before,))[0], after)
    original, current = edits[source_path]
    for index in plan.drop_indexes:
        current = codemod.remove_index(current, model_name=source_name, index_name=index)
    current = codemod.add_field(
        current,
        model_name=source_name,
        field_name=plan.fk_name,
        field_code=_foreign_key_code(plan, same_module=same_module),
        after_field=plan.source_field,
    )
    current = codemod.remove_field(
        current, model_name=source_name, field_name=plan.source_field, shimmed=plan.shim
    )
    if plan.shim:
        current = codemod.add_shim_property(
            current,
            model_name=source_name,
            old_name=plan.source_field,
            fk_name=plan.fk_name,
            target_field=plan.target_field,
        )
    edits[source_path] = (original, current)
    return [FileEdit(path, before, after) for path, (before, after) in edits.items()]


def prepare(plan: NormalizePlan, *, project_root: Path | None = None) -> NormalizeChanges:
    """Compute the migrations and edits of ``plan``; nothing is written."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    rendered = writer.render_chain(plan.source_app, migration_specs(plan), loader=loader)
    edits = _edited_models(plan)
    root = project_root or _models_path(plan.source_app).parent.parent
    usages = codemod.find_usages(
        sorted(root.rglob("*.py")) + sorted(root.rglob("*.html")),
        model_name=plan.source_model.split(".")[1],
        field_name=plan.source_field,
    )
    # The edits themselves remove some uses (the field, its index): report what remains.
    remaining = {edit.path: {line.strip() for line in edit.after.splitlines()} for edit in edits}
    usages = [
        usage
        for usage in usages
        if usage.path not in remaining or usage.text.strip() in remaining[usage.path]
    ]
    return NormalizeChanges(plan=plan, migrations=rendered, edits=edits, usages=usages)


def write_changes(
    migrations: Sequence[writer.WrittenMigration],
    edits: Sequence[FileEdit],
    error: type[RemodelError] = RemodelError,
) -> None:
    """Write the migrations and the edited files; all or nothing: a file that changed
    since the edits were prepared raises ``error`` before anything is written."""
    for edit in edits:
        if edit.path.read_text(encoding="utf-8") != edit.before:
            raise error(
                f"{str(edit.path)!r} changed since the plan was prepared; run the command again."
            )
    writer.write(migrations)
    for edit in edits:
        edit.path.write_text(edit.after, encoding="utf-8")


def apply(changes: NormalizeChanges) -> None:
    """Write the migrations and the edited models; all or nothing."""
    write_changes(changes.migrations, changes.edits)


def longest_value(plan: NormalizePlan, using: str) -> int | None:
    """Length of the longest value of the old column, measured by the database."""
    model = global_apps.get_model(plan.source_model)
    field = model._meta.get_field(plan.source_field)
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(field.column)
    length = "CHAR_LENGTH" if connection.vendor == "mysql" else "LENGTH"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({length}({column})) FROM {table}")
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else None


__all__: Sequence[str] = ["NormalizeChanges", "apply", "migration_specs", "prepare"]
