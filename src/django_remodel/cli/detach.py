from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from django_remodel.cli.base import Subcommand, add_refactoring_arguments, measured
from django_remodel.graph import ModelGraph
from django_remodel.operations.batching import DEFAULT_BATCH_SIZE
from django_remodel.plans.detach import (
    ORPHAN_CHOICES,
    REFERENCE_CHOICES,
    DetachError,
    DetachPlan,
    build_plan,
    dump_plan,
    load_plan,
)
from django_remodel.refactor import detach


class DetachCommand(Subcommand):
    name = "detach"
    help = "Stop multi-table children inheriting from their concrete parent; keep every row."
    description = (
        "  remodel detach alerts.MaintainerCriteria alerts.ContributorCriteria\n"
        "\n"
        "Writes three ordinary migrations and edits models.py:\n"
        "  expand    SetModelBases, each child's parent link made a key of its own\n"
        "            (same values), the parent's fields added to each child\n"
        "            (nullable), new references beside each foreign key to the parent;\n"
        "  backfill  the database copies the parent's values into each child and\n"
        "            fills the new references, one join per child (in key ranges\n"
        "            with --batch-size, resumable), then verifies every row;\n"
        "  contract  restores NOT NULL, clears the old references that moved,\n"
        "            deletes the parent rows that moved, and deletes the parent\n"
        "            model unless it is kept (migrating back restores it).\n"
        "A reference to a parent row in no child is an orphan: --orphans says what\n"
        "to do. --dry-run shows the plan, the migrations, the edits and the SQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "children", nargs="*", metavar="app.Child", help="The multi-table children."
        )
        parser.add_argument(
            "--references",
            choices=REFERENCE_CHOICES,
            default="split",
            help="Replace each foreign key to the parent with one key per child (split, the "
            "default) or a content type and object id (generic).",
        )
        parser.add_argument(
            "--orphans",
            choices=ORPHAN_CHOICES,
            default="error",
            help="Parent rows in no child, and references to them: stop (error, the default), "
            "let the references lose their target (null), or keep the parent for them "
            "(keep-parent).",
        )
        parser.add_argument(
            "--keep-parent", action="store_true", help="Keep the parent model and its table."
        )
        add_refactoring_arguments(parser, DEFAULT_BATCH_SIZE)

    def handle(self, **options: Any) -> None:
        graph = ModelGraph.build()
        if options["plan"]:
            if options["children"]:
                raise DetachError("Give either the children or --plan, not both.")
            children, choices = load_plan(options["plan"])
            plan = build_plan(graph, children, **choices)
        else:
            plan = build_plan(
                graph,
                options["children"],
                reference_kind=options["references"],
                orphans=options["orphans"],
                keep_parent=options["keep_parent"],
                batch_size=options["batch_size"],
                lock_timeout_ms=options["lock_timeout"],
                pause=options["pause"],
                name=options["name"],
            )
        database = options["database"]
        figures: dict[str, int] = measured(lambda: detach.measure(plan, database), database, {})
        _check_orphans(plan, figures)
        if options["plan_out"]:
            Path(options["plan_out"]).write_text(dump_plan(plan, figures), encoding="utf-8")
            self.stdout.write(f"Wrote the plan to {options['plan_out']}; edit it, then run")
            self.stdout.write(f"  python manage.py remodel detach --plan {options['plan_out']}")
            return
        changes = detach.prepare(plan)
        self._show(changes, figures, options["database"], dry_run=options["dry_run"])
        if options["dry_run"]:
            return
        detach.apply(changes)
        self.stdout.write(self.style.SUCCESS("Written. Next:"))
        self.stdout.write(f"  python manage.py migrate {plan.app_label}")

    def _show(
        self,
        changes: detach.DetachChanges,
        figures: dict[str, int],
        database: str,
        *,
        dry_run: bool,
    ) -> None:
        plan = changes.plan
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"Detach {', '.join(plan.children)} from {plan.parent}"
                + (" (the parent is kept)" if plan.keep_parent else " (the parent goes)")
            )
        )
        self.stdout.write(f"  fields each child takes over: {', '.join(plan.fields)}")
        for child, link in zip(plan.children, plan.links, strict=True):
            self.stdout.write(f"  {child}.{link} becomes {child}.id, same values")
        for reference in plan.references:
            self.stdout.write(
                f"  {reference.model}.{reference.field} -> {', '.join(reference.new_fields)} "
                f"({plan.reference_kind})"
            )
        if plan.remaining_children:
            self.stdout.write(f"  still inheriting: {', '.join(plan.remaining_children)}")
        self.stdout.write(f"  orphans: {plan.orphans}")
        if plan.batch_size:
            self.stdout.write(
                f"  data moves in batches of {plan.batch_size:,} rows when there are more"
            )
        else:
            self.stdout.write("  data moves in one statement per table, in one transaction")
        for key, value in figures.items():
            self.stdout.write(f"  {key}: {value:,}")
        if changes.dropped_options:
            self.stdout.write(
                self.style.WARNING(
                    f"{plan.parent_name}'s Meta options {', '.join(changes.dropped_options)} "
                    "applied to its own table and are dropped; declare them on the children "
                    "if they need them."
                )
            )
        verb = "Would write" if dry_run else "Writing"
        self.stdout.write(self.style.MIGRATE_HEADING(f"{verb} migrations:"))
        for migration in changes.migrations:
            self.stdout.write(f"  {migration.path}")
        self.stdout.write(self.style.MIGRATE_HEADING(f"{verb} model edits:"))
        for edit in changes.edits:
            self.stdout.write(edit.diff() if dry_run else f"  {edit.path}")
        if changes.usages:
            count = len(changes.usages)
            self.stdout.write(
                self.style.WARNING(
                    f"{count} other place{'s' if count != 1 else ''} use the parent links or "
                    "references that go; switch them:"
                )
            )
            for usage in changes.usages:
                self.stdout.write(f"  {usage.path}:{usage.line}: {usage.text.strip()}")
        if dry_run:
            for migration in changes.migrations:
                self.stdout.write(self.style.MIGRATE_HEADING(f"{migration.name}.py:"))
                self.stdout.write(migration.text)
            self.show_sql(changes.migrations, database, plan.app_label)


def _check_orphans(plan: DetachPlan, figures: dict[str, int]) -> None:
    if not plan.drops_parent or plan.orphans != "error" or not figures:
        return
    rows = figures.get(f"{plan.parent_name} rows in no child", 0)
    references = {
        f"{r.model}.{r.field}": figures.get(f"{r.model}.{r.field} to rows in no detached child", 0)
        for r in plan.references
    }
    if not rows and not any(references.values()):
        return
    listed = "".join(
        f", {n:,} rows of {label} refer to them" for label, n in references.items() if n
    )
    raise DetachError(
        f"{rows:,} {plan.parent} rows are in none of {', '.join(plan.children)}{listed}; "
        f"deleting {plan.parent} would lose them. Keep the parent for them "
        "(--orphans keep-parent), let the references lose their target (--orphans null), "
        "or delete those rows first. Nothing was written."
    )
