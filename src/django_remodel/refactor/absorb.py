"""Carry out an absorb plan: the three migrations, the edits to the models and the code.

``prepare`` computes every change without touching anything, so ``--dry-run``
shows exactly what ``apply`` would write (all or nothing).

- expand: the profile's fields added to the target as declared (users
  without a profile get the defaults), and beside each foreign key to the
  profile a nullable key to the target;
- backfill: ``CopyProfileFields`` (one join, verified field by field), and
  ``RepointProfileReferences`` per foreign key to the profile;
- contract: per reference, the old key checked (``KeepProfileReferences``),
  removed and replaced by the new one under its name; ``KeepProfileRows``
  checks the copies once more, then the profile model is deleted. Migrating
  back gives every user a profile again, from its own columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.db import connections, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import (
    AddField,
    AlterField,
    DeleteModel,
    RemoveField,
    RenameField,
)
from django.db.migrations.operations.base import Operation

from django_remodel import writer
from django_remodel.codemod import absorb as codemod
from django_remodel.codemod.errors import CodemodError
from django_remodel.codemod.usages import walk
from django_remodel.operations import (
    CopyProfileFields,
    KeepProfileReferences,
    KeepProfileRows,
    RepointProfileReferences,
)
from django_remodel.plans.absorb import AbsorbError, AbsorbPlan, Reference
from django_remodel.refactor.fields import model_field, rebuilt
from django_remodel.refactor.normalize import FileEdit, _models_path, write_changes


@dataclass(frozen=True)
class Listed:
    """A place the rewrite left alone: a person must change it."""

    path: Path
    line: int
    text: str


@dataclass(frozen=True)
class AbsorbChanges:
    """Everything ``apply`` would write, and what the user must look at themselves."""

    plan: AbsorbPlan
    migrations: list[writer.WrittenMigration]
    edits: list[FileEdit]
    listed: list[Listed]
    dropped_options: list[str]


def _has_default(field: models.Field[Any, Any]) -> bool:
    return bool(
        field.has_default()
        or field.has_db_default()
        or field.null
        or (field.blank and field.empty_strings_allowed)
        or getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
    )


def _check_fields(plan: AbsorbPlan) -> None:
    for name in plan.fields:
        field = model_field(plan.source, name)
        label = f"{plan.source}.{name}"
        if not _has_default(field):
            raise AbsorbError(
                f"{label} has no default and is NOT NULL: the {plan.target_name} rows without "
                f"a {plan.source_name} would have no value for it. Give it a default (or "
                "null=True) and migrate first."
            )
        if field.unique:
            raise AbsorbError(
                f"{label} is unique: every {plan.target_name} without a {plan.source_name} "
                "would get the same default. Drop unique=True first (add it back after)."
            )
        remote = getattr(field, "remote_field", None)
        related_name = getattr(remote, "related_name", None)
        if related_name and related_name != "+" and "%(class)s" not in related_name:
            raise AbsorbError(
                f"{label} has related_name={related_name!r}; while both models exist their "
                f"copies cannot share one reverse name. Change it to "
                f"{'%(class)s_' + related_name!r} (or '+') first."
            )


def _new_reference(plan: AbsorbPlan, reference: Reference) -> models.ForeignKey[Any, Any]:
    old: Any = model_field(reference.model, reference.field)
    kwargs: dict[str, Any] = {"null": True, "blank": True, "related_name": "+"}
    if not old.db_index:
        kwargs["db_index"] = False
    return models.ForeignKey(to=plan.target.lower(), on_delete=old.remote_field.on_delete, **kwargs)


def _final_reference(plan: AbsorbPlan, reference: Reference) -> models.Field[Any, Any]:
    return rebuilt(model_field(reference.model, reference.field), to=plan.target.lower())


def migration_specs(plan: AbsorbPlan) -> list[writer.MigrationSpec]:
    """Expand, backfill and contract, as operations."""
    _check_fields(plan)
    target = plan.target_name.lower()
    expand: list[Operation] = [
        AddField(model_name=target, name=name, field=rebuilt(model_field(plan.source, name)))
        for name in plan.fields
    ]
    expand += [
        AddField(model_name=r.object_name.lower(), name=r.new_field, field=_new_reference(plan, r))
        for r in plan.references
    ]
    dependencies: set[tuple[str, str]] = set()
    for name in plan.fields:
        related: Any = model_field(plan.source, name).related_model
        if (
            isinstance(related, type)
            and issubclass(related, models.Model)
            and related._meta.app_label != plan.app_label
        ):
            dependencies.add((related._meta.app_label, "__first__"))

    batch: dict[str, Any] = {"batch_size": plan.batch_size or None}
    if plan.lock_timeout_ms is not None:
        batch["lock_timeout_ms"] = plan.lock_timeout_ms
    if plan.pause:
        batch["pause"] = plan.pause
    backfill: list[Operation] = [
        CopyProfileFields(
            model_name=plan.target_name,
            profile=plan.source_name,
            link=plan.link,
            fields=plan.fields,
            **batch,
        )
    ]
    backfill += [
        RepointProfileReferences(
            model_name=r.object_name,
            field_name=r.field,
            new_field=r.new_field,
            profile=plan.source_name,
            link=plan.link,
            **batch,
        )
        for r in plan.references
    ]

    # The contract runs in one transaction, unbatched: a failed check rolls back the
    # schema changes around it.
    contract: list[Operation] = []
    for r in plan.references:
        model = r.object_name.lower()
        if not r.null:
            contract.append(
                AlterField(
                    model_name=model,
                    name=r.field,
                    field=rebuilt(model_field(r.model, r.field), null=True, blank=True),
                )
            )
        contract += [
            KeepProfileReferences(
                model_name=r.object_name,
                field_name=r.field,
                new_field=r.new_field,
                profile=plan.source_name,
                link=plan.link,
            ),
            RemoveField(model_name=model, name=r.field),
            RenameField(model_name=model, old_name=r.new_field, new_name=r.field),
            AlterField(model_name=model, name=r.field, field=_final_reference(plan, r)),
        ]
    contract += [
        KeepProfileRows(
            model_name=plan.target_name,
            profile=plan.source_name,
            link=plan.link,
            fields=plan.fields,
        ),
        DeleteModel(name=plan.source_name),
    ]

    def named(step: str, default: str) -> str:
        return f"{plan.name}_{step}" if plan.name else default

    source = plan.source_name.lower()
    return [
        writer.MigrationSpec(
            expand,
            named("expand", f"absorb_{source}_expand"),
            extra_dependencies=tuple(sorted(dependencies)),
        ),
        writer.MigrationSpec(
            backfill, named("backfill", f"absorb_{source}_backfill"), atomic=not plan.batch_size
        ),
        writer.MigrationSpec(contract, named("contract", f"absorb_{source}_contract")),
    ]


def _edited_models(plan: AbsorbPlan, path: Path) -> tuple[str, list[str]]:
    before = path.read_text(encoding="utf-8")
    filename = str(path)
    text, dropped = codemod.move_fields(
        before,
        profile=plan.source_name,
        target=plan.target_name,
        fields=plan.fields,
        filename=filename,
    )
    for r in plan.references:
        text = codemod.repoint_field(
            text,
            model_name=r.object_name,
            field_name=r.field,
            to=plan.target_name,
            filename=filename,
        )
    return text, dropped


def _project_files(root: Path) -> list[Path]:
    return [path for path in walk(root) if path.suffix in (".py", ".html", ".txt")]


def prepare(plan: AbsorbPlan, *, project_root: Path | None = None) -> AbsorbChanges:
    """Compute the migrations and the edits of ``plan``; nothing is written."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    rendered = writer.render_chain(plan.app_label, migration_specs(plan), loader=loader)
    models_path = _models_path(plan.app_label)
    models_text, dropped = _edited_models(plan, models_path)
    root = project_root or models_path.parent.parent
    edits: list[FileEdit] = []
    listed: list[Listed] = []
    for path in _project_files(root):
        before = path.read_text(encoding="utf-8")
        text = models_text if path == models_path else before
        if path.suffix == ".py":
            try:
                after, unsafe = codemod.rewrite_usages(
                    text,
                    accessor=plan.accessor,
                    fields=plan.fields,
                    model=plan.source_name,
                    filename=str(path),
                )
            except CodemodError as error:
                if path == models_path:
                    raise
                # Not parsed, so not searched: the person has to look at it.
                listed.append(Listed(path, 1, f"not searched: {error}"))
                continue
        else:
            after, unsafe = codemod.rewrite_template(
                text, accessor=plan.accessor, fields=plan.fields
            )
        if after != before:
            edits.append(FileEdit(path, before, after))
        listed += [Listed(path, u.line, u.text) for u in unsafe]
    return AbsorbChanges(plan, rendered, edits, listed, dropped)


def apply(changes: AbsorbChanges) -> None:
    """Write the migrations and the edited files; all or nothing."""
    write_changes(changes.migrations, changes.edits, AbsorbError)


def measure(plan: AbsorbPlan, using: str) -> dict[str, int]:
    """Row counts (never values): the target's rows, the profile's, the target's rows
    without a profile (they get the defaults), and the rows of each reference."""
    connection = connections[using]
    quote = connection.ops.quote_name
    target = global_apps.get_model(plan.target)
    profile = global_apps.get_model(plan.source)
    target_pk = target._meta.pk
    assert target_pk is not None
    t_table, t_pk = quote(target._meta.db_table), quote(str(target_pk.column))
    p_table = quote(profile._meta.db_table)
    link = quote(str(model_field(plan.source, plan.link).column))
    figures: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {t_table}")
        figures[f"{plan.target_name} rows"] = int(cursor.fetchone()[0])
        cursor.execute(f"SELECT COUNT(*) FROM {p_table}")
        figures[f"{plan.source_name} rows"] = int(cursor.fetchone()[0])
        cursor.execute(
            f"SELECT COUNT(*) FROM {t_table} WHERE NOT EXISTS "
            f"(SELECT 1 FROM {p_table} WHERE {p_table}.{link} = {t_table}.{t_pk})"
        )
        figures[f"{plan.target_name} rows without a {plan.source_name}"] = int(cursor.fetchone()[0])
        for r in plan.references:
            table = quote(global_apps.get_model(r.model)._meta.db_table)
            column = quote(str(model_field(r.model, r.field).column))
            cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL")
            figures[f"{r.model}.{r.field} rows to repoint"] = int(cursor.fetchone()[0])
    return figures


__all__ = ["AbsorbChanges", "Listed", "apply", "measure", "migration_specs", "prepare"]
