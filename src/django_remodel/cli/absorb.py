from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from django_remodel.cli.base import Subcommand, add_refactoring_arguments, measured
from django_remodel.graph import ModelGraph
from django_remodel.operations.batching import DEFAULT_BATCH_SIZE
from django_remodel.plans.absorb import AbsorbError, build_plan, dump_plan, load_plan
from django_remodel.refactor import absorb


class AbsorbCommand(Subcommand):
    name = "absorb"
    help = "Fold a one-to-one profile into the model it extends; keep every value."
    description = (
        "  remodel absorb accounts.Profile --into accounts.User\n"
        "\n"
        "Writes three ordinary migrations, edits models.py and rewrites the code:\n"
        "  expand    the profile's fields added to the user (users without a\n"
        "            profile get the defaults), a key to the user beside every\n"
        "            foreign key to the profile;\n"
        "  backfill  the database copies each profile into its user with one join\n"
        "            (in key ranges with --batch-size, resumable) and verifies\n"
        "            every user field by field, rolling back on a mismatch;\n"
        "  contract  checks again, moves the foreign keys to the new keys and\n"
        "            deletes the profile model (migrating back restores it).\n"
        "user.profile.phone becomes user.phone, select_related('profile') goes,\n"
        "profile__phone lookups become phone; what cannot be rewritten safely is\n"
        "listed with its file and line. --dry-run shows everything and writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("profile", nargs="?", metavar="app.Profile", help="The profile.")
        parser.add_argument(
            "--into", metavar="app.User", help="The model the profile is one-to-one with."
        )
        add_refactoring_arguments(parser, DEFAULT_BATCH_SIZE)

    def handle(self, **options: Any) -> None:
        graph = ModelGraph.build()
        if options["plan"]:
            if options["profile"] or options["into"]:
                raise AbsorbError("Give either the models or --plan, not both.")
            source, target, choices = load_plan(options["plan"])
            plan = build_plan(graph, source, target, **choices)
        else:
            plan = build_plan(
                graph,
                options["profile"],
                options["into"],
                batch_size=options["batch_size"],
                lock_timeout_ms=options["lock_timeout"],
                pause=options["pause"],
                name=options["name"],
            )
        database = options["database"]
        figures: dict[str, int] = measured(lambda: absorb.measure(plan, database), database, {})
        if options["plan_out"]:
            Path(options["plan_out"]).write_text(dump_plan(plan, figures), encoding="utf-8")
            self.stdout.write(f"Wrote the plan to {options['plan_out']}; edit it, then run")
            self.stdout.write(f"  python manage.py remodel absorb --plan {options['plan_out']}")
            return
        changes = absorb.prepare(plan)
        self._show(changes, figures, options["database"], dry_run=options["dry_run"])
        if options["dry_run"]:
            return
        absorb.apply(changes)
        self.stdout.write(self.style.SUCCESS("Written. Next:"))
        self.stdout.write(f"  python manage.py migrate {plan.app_label}")

    def _show(
        self,
        changes: absorb.AbsorbChanges,
        figures: dict[str, int],
        database: str,
        *,
        dry_run: bool,
    ) -> None:
        plan = changes.plan
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"Absorb {plan.source} into {plan.target} (the profile goes)"
            )
        )
        self.stdout.write(f"  link: {plan.source}.{plan.link}, reached as .{plan.accessor}")
        self.stdout.write(f"  fields {plan.target} takes over: {', '.join(plan.fields)}")
        for reference in plan.references:
            self.stdout.write(
                f"  {reference.model}.{reference.field} -> {plan.target} "
                f"(through {reference.new_field})"
            )
        if plan.batch_size:
            self.stdout.write(
                f"  data moves in batches of {plan.batch_size:,} rows when there are more"
            )
        else:
            self.stdout.write("  data moves in one statement per table, in one transaction")
        for key, value in figures.items():
            self.stdout.write(f"  {key}: {value:,}")
        without = figures.get(f"{plan.target_name} rows without a {plan.source_name}")
        if without:
            self.stdout.write(
                self.style.WARNING(
                    f"{without:,} {plan.target} row(s) have no {plan.source_name}; they get "
                    "the fields' defaults."
                )
            )
        if changes.dropped_options:
            self.stdout.write(
                self.style.WARNING(
                    f"{plan.source_name}'s Meta options {', '.join(changes.dropped_options)} "
                    f"go with it; declare them on {plan.target_name} if they are still needed."
                )
            )
        verb = "Would write" if dry_run else "Writing"
        self.stdout.write(self.style.MIGRATE_HEADING(f"{verb} migrations:"))
        for migration in changes.migrations:
            self.stdout.write(f"  {migration.path}")
        self.stdout.write(self.style.MIGRATE_HEADING(f"{verb} edits:"))
        for edit in changes.edits:
            self.stdout.write(edit.diff() if dry_run else f"  {edit.path}")
        if changes.listed:
            count = len(changes.listed)
            self.stdout.write(
                self.style.WARNING(
                    f"{count} place{'s' if count != 1 else ''} still use {plan.source_name} or "
                    f".{plan.accessor} and cannot be rewritten safely; change them by hand:"
                )
            )
            for place in changes.listed:
                self.stdout.write(f"  {place.path}:{place.line}: {place.text}")
        if dry_run:
            for migration in changes.migrations:
                self.stdout.write(self.style.MIGRATE_HEADING(f"{migration.name}.py:"))
                self.stdout.write(migration.text)
            self.show_sql(changes.migrations, database, plan.app_label)
