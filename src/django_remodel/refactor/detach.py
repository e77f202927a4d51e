"""Carry out a detach plan: the three migrations and the edits to the models.

``prepare`` computes every change without touching anything, so ``--dry-run``
shows exactly what ``apply`` would write (``refactor.normalize.apply`` writes
them: all or nothing).

- expand: ``SetModelBases`` for each child, its parent link turned into a
  primary key of its own (same values; the sequence started after them), the
  parent's fields added to it (nullable, no default), new references beside
  each foreign key to the parent;
- backfill: ``CopyParentFields`` per child, ``SplitReferences`` per reference;
- contract: the copies made what the parent's fields were, the old keys made
  nullable, ``DetachParentRows``, then (unless the parent is kept) the old keys
  and the parent model removed.
"""

from __future__ import annotations

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
    DeleteModel,
    RemoveField,
    RenameField,
)
from django.db.migrations.operations.base import Operation

from django_remodel import writer
from django_remodel.codemod import detach as codemod
from django_remodel.codemod import normalize as field_edits
from django_remodel.codemod.usages import Usage, find_usages
from django_remodel.operations import (
    CopyParentFields,
    DetachParentRows,
    ResetKeySequence,
    SetModelBases,
    SplitReferences,
)
from django_remodel.plans.detach import DetachError, DetachPlan
from django_remodel.refactor.fields import DROP, model_field, rebuilt
from django_remodel.refactor.normalize import FileEdit, _auto_field, _models_path, write_changes


@dataclass(frozen=True)
class DetachChanges:
    """Everything ``apply`` would write, and what the user must look at themselves."""

    plan: DetachPlan
    migrations: list[writer.WrittenMigration]
    edits: list[FileEdit]
    usages: list[Usage]
    dropped_options: list[str]


def _check_fields(plan: DetachPlan) -> None:
    for name in plan.fields:
        field = model_field(plan.parent, name)
        remote = getattr(field, "remote_field", None)
        related_name = getattr(remote, "related_name", None)
        if related_name and "%(class)s" not in related_name and related_name != "+":
            raise DetachError(
                f"{plan.parent}.{name} has related_name={related_name!r}; each child gets its "
                "own copy of the field, and they cannot share one reverse name. Change it to "
                f"{'%(class)s_' + related_name!r} (or '+') first."
            )


def _reference_field(
    plan: DetachPlan, model: str, old: str, child: str
) -> models.ForeignKey[Any, Any]:
    field = model_field(model, old)
    remote: Any = field.remote_field
    kwargs: dict[str, Any] = {"null": True, "blank": True}
    if remote.related_name:
        kwargs["related_name"] = remote.related_name
    if remote.related_query_name:
        kwargs["related_query_name"] = remote.related_query_name
    if not getattr(field, "db_index", True):
        kwargs["db_index"] = False
    return models.ForeignKey(to=child.lower(), on_delete=remote.on_delete, **kwargs)


def _generic_fields() -> tuple[
    models.ForeignKey[Any, Any], models.PositiveBigIntegerField[Any, Any]
]:
    return (
        models.ForeignKey(
            to="contenttypes.contenttype",
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name="+",
        ),
        models.PositiveBigIntegerField(null=True, blank=True),
    )


def migration_specs(plan: DetachPlan) -> list[writer.MigrationSpec]:
    """Expand, backfill and contract, as operations."""
    _check_fields(plan)
    parent_lower = plan.parent.lower()
    expand: list[Operation] = [
        SetModelBases(name, (models.Model,), old_bases=(parent_lower,)) for name in plan.child_names
    ]
    for name, link in zip(plan.child_names, plan.links, strict=True):
        expand.append(
            AlterField(model_name=name.lower(), name=link, field=_auto_field(plan.app_label))
        )
        if link != "id":
            expand.append(RenameField(model_name=name.lower(), old_name=link, new_name="id"))
        expand.append(ResetKeySequence(model_name=name))
    for name in plan.child_names:
        for field_name in plan.fields:
            copy = rebuilt(
                model_field(plan.parent, field_name), null=True, default=DROP, db_default=DROP
            )
            expand.append(AddField(model_name=name.lower(), name=field_name, field=copy))
    dependencies: set[tuple[str, str]] = set()
    for reference in plan.references:
        model_lower = reference.object_name.lower()
        if plan.reference_kind == "generic":
            content_type, object_id = _generic_fields()
            expand.append(
                AddField(model_name=model_lower, name=reference.new_fields[0], field=content_type)
            )
            expand.append(
                AddField(model_name=model_lower, name=reference.new_fields[1], field=object_id)
            )
            dependencies.add(("contenttypes", "__first__"))
        else:
            for child, new in zip(plan.children, reference.new_fields, strict=True):
                field = _reference_field(plan, reference.model, reference.field, child)
                expand.append(AddField(model_name=model_lower, name=new, field=field))
    for field_name in plan.fields:
        related: Any = getattr(model_field(plan.parent, field_name), "related_model", None)
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
    generic = plan.reference_kind == "generic"
    backfill: list[Operation] = [
        CopyParentFields(model_name=name, parent=plan.parent_name, fields=plan.fields, **batch)
        for name in plan.child_names
    ]
    backfill += [
        SplitReferences(
            model_name=reference.object_name,
            field_name=reference.field,
            children=plan.child_names,
            fields=reference.new_fields,
            generic=generic,
            orphans=plan.orphans,
            **batch,
        )
        for reference in plan.references
    ]

    contract: list[Operation] = []
    for name in plan.child_names:
        for field_name in plan.fields:
            contract.append(
                AlterField(
                    model_name=name.lower(),
                    name=field_name,
                    field=rebuilt(model_field(plan.parent, field_name)),
                )
            )
    for reference in plan.references:
        if not reference.null:
            contract.append(
                AlterField(
                    model_name=reference.object_name.lower(),
                    name=reference.field,
                    field=rebuilt(
                        model_field(reference.model, reference.field), null=True, blank=True
                    ),
                )
            )
    contract.append(
        DetachParentRows(
            parent=plan.parent_name,
            children=plan.child_names,
            fields=plan.fields,
            references=[
                [r.object_name, r.field, list(r.new_fields), generic] for r in plan.references
            ],
            drop=plan.drops_parent,
            orphans=plan.orphans,
            # Unbatched: the contract migration runs in one transaction, which a failed
            # check rolls back with the schema changes around it.
        )
    )
    if plan.drops_parent:
        contract += [
            RemoveField(model_name=r.object_name.lower(), name=r.field) for r in plan.references
        ]
        contract.append(DeleteModel(name=plan.parent_name))

    def named(step: str, default: str) -> str:
        return f"{plan.name}_{step}" if plan.name else default

    parent = plan.parent_name.lower()
    return [
        writer.MigrationSpec(
            expand,
            named("expand", f"detach_{parent}_expand"),
            extra_dependencies=tuple(sorted(dependencies)),
        ),
        writer.MigrationSpec(
            backfill, named("backfill", f"detach_{parent}_backfill"), atomic=not plan.batch_size
        ),
        writer.MigrationSpec(contract, named("contract", f"detach_{parent}_contract")),
    ]


def _reference_code(plan: DetachPlan, model: str, old: str, child: str) -> str:
    field = _reference_field(plan, model, old, child)
    remote: Any = field.remote_field
    parts = [
        repr(child),
        f"on_delete=models.{remote.on_delete.__name__}",
        "null=True",
        "blank=True",
    ]
    if remote.related_name:
        parts.append(f"related_name={remote.related_name!r}")
    if remote.related_query_name:
        parts.append(f"related_query_name={remote.related_query_name!r}")
    if not getattr(field, "db_index", True):
        parts.append("db_index=False")
    return f"models.ForeignKey({', '.join(parts)})"


def _edited_models(plan: DetachPlan) -> tuple[list[FileEdit], list[str]]:
    path = _models_path(plan.app_label)
    before = path.read_text(encoding="utf-8")
    text = before
    filename = str(path)
    dropped: list[str] = []
    if plan.keep_parent:
        assert plan.base_name is not None
        text = codemod.extract_base(
            text, model_name=plan.parent_name, base_name=plan.base_name, filename=filename
        )
        for name in plan.child_names:
            text = codemod.replace_base(
                text, model_name=name, old=plan.parent_name, new=plan.base_name, filename=filename
            )
    else:
        text, dropped = codemod.make_abstract(text, model_name=plan.parent_name, filename=filename)
    for name, link in zip(plan.child_names, plan.links, strict=True):
        field = model_field(f"{plan.app_label}.{name}", link)
        if not field.auto_created:
            text = field_edits.remove_field(
                text, model_name=name, field_name=link, filename=filename
            )
    for reference in plan.references:
        model = reference.object_name
        after = reference.field
        if plan.reference_kind == "generic":
            content_type, object_id = reference.new_fields
            codes = [
                (
                    content_type,
                    'models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, '
                    'null=True, blank=True, related_name="+")',
                ),
                (object_id, "models.PositiveBigIntegerField(null=True, blank=True)"),
            ]
        else:
            codes = [
                (new, _reference_code(plan, reference.model, reference.field, child))
                for child, new in zip(plan.children, reference.new_fields, strict=True)
            ]
        for new, code in codes:
            text = field_edits.add_field(
                text,
                model_name=model,
                field_name=new,
                field_code=code,
                after_field=after,
                filename=filename,
            )
            after = new
        if plan.drops_parent:
            text = field_edits.remove_field(
                text, model_name=model, field_name=reference.field, filename=filename
            )
        else:
            text = codemod.set_keywords(
                text,
                model_name=model,
                field_name=reference.field,
                values={"null": "True", "blank": "True"},
                filename=filename,
            )
        if plan.reference_kind == "generic":
            generic_name = reference.field if plan.drops_parent else f"{reference.field}_object"
            text = codemod.add_import(
                text,
                module="django.contrib.contenttypes.fields",
                name="GenericForeignKey",
                filename=filename,
            )
            text = _add_generic(text, model, generic_name, reference.new_fields, filename)
    return [FileEdit(path, before, text)], dropped


def _add_generic(text: str, model: str, name: str, new_fields: Sequence[str], filename: str) -> str:
    # add_field writes model fields; a GenericForeignKey is no models.X, so its line is
    # written as a field and its name then corrected.
    marker = "models.Field()"
    text = field_edits.add_field(
        text,
        model_name=model,
        field_name=name,
        field_code=marker,
        after_field=new_fields[1],
        filename=filename,
    )
    line = f"    {name} = {marker}"
    call = f'GenericForeignKey("{new_fields[0]}", "{new_fields[1]}")'
    if line not in text:
        raise DetachError(
            f"Cannot write the GenericForeignKey {model}.{name} into {filename!r}; add "
            f"'{name} = {call}' by hand."
        )
    return text.replace(line, f"    {name} = {call}", 1)


def prepare(plan: DetachPlan, *, project_root: Path | None = None) -> DetachChanges:
    """Compute the migrations and edits of ``plan``; nothing is written."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    rendered = writer.render_chain(plan.app_label, migration_specs(plan), loader=loader)
    edits, dropped = _edited_models(plan)
    root = project_root or _models_path(plan.app_label).parent.parent
    files = sorted(root.rglob("*.py")) + sorted(root.rglob("*.html"))
    usages: list[Usage] = []
    for name, link in zip(plan.child_names, plan.links, strict=True):
        usages += find_usages(files, model_name=name, field_name=link)
    if plan.drops_parent:
        for reference in plan.references:
            usages += find_usages(
                files, model_name=reference.object_name, field_name=reference.field
            )
    remaining = {edit.path: {line.strip() for line in edit.after.splitlines()} for edit in edits}
    edited = {edit.path: {line.strip() for line in edit.before.splitlines()} for edit in edits}
    usages = [
        usage
        for usage in dict.fromkeys(usages)
        if usage.path not in edited or usage.text.strip() in remaining[usage.path]
    ]
    return DetachChanges(plan, rendered, edits, usages, dropped)


def apply(changes: DetachChanges) -> None:
    """Write the migrations and the edited models; all or nothing."""
    write_changes(changes.migrations, changes.edits, DetachError)


def measure(plan: DetachPlan, using: str) -> dict[str, int]:
    """Row counts (never values): the parent's rows, those in no child, each child's, and the
    references to rows in no detached child."""
    connection = connections[using]
    quote = connection.ops.quote_name
    parent = global_apps.get_model(plan.parent)
    parent_pk = parent._meta.pk
    assert parent_pk is not None
    p_table, p_pk = quote(parent._meta.db_table), quote(str(parent_pk.column))
    children = [
        global_apps.get_model(label) for label in (*plan.children, *plan.remaining_children)
    ]
    detached = children[: len(plan.children)]

    def exists(models_: Sequence[type[models.Model]], column: str) -> str:
        parts = []
        for child in models_:
            pk = child._meta.pk
            assert pk is not None
            parts.append(
                f"EXISTS (SELECT 1 FROM {quote(child._meta.db_table)} "
                f"WHERE {quote(str(pk.column))} = {column})"
            )
        return " OR ".join(parts)

    figures: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {p_table}")
        figures[f"{plan.parent_name} rows"] = int(cursor.fetchone()[0])
        for child in detached:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(child._meta.db_table)}")
            figures[f"{child._meta.object_name} rows"] = int(cursor.fetchone()[0])
        cursor.execute(
            f"SELECT COUNT(*) FROM {p_table} WHERE NOT ({exists(children, f'{p_table}.{p_pk}')})"
        )
        figures[f"{plan.parent_name} rows in no child"] = int(cursor.fetchone()[0])
        for reference in plan.references:
            model = global_apps.get_model(reference.model)
            column = quote(str(model_field(reference.model, reference.field).column))
            table = quote(model._meta.db_table)
            cursor.execute(
                f"SELECT COUNT(*) FROM {table} WHERE {table}.{column} IS NOT NULL AND NOT "
                f"({exists(detached, f'{table}.{column}')})"
            )
            figures[f"{reference.model}.{reference.field} to rows in no detached child"] = int(
                cursor.fetchone()[0]
            )
    return figures


__all__ = ["DetachChanges", "apply", "measure", "migration_specs", "prepare"]
