from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management.base import CommandParser

from django_remodel.cli.base import Subcommand, measured
from django_remodel.graph import ModelGraph
from django_remodel.operations.batching import BATCH_GROWTH, DEFAULT_BATCH_SECONDS
from django_remodel.plans.normalize import (
    DEFAULT_BATCH_SIZE,
    ON_DELETE_CHOICES,
    NormalizeError,
    NormalizePlan,
    build_plan,
    check_values_fit,
    dump_plan,
    load_plan,
)
from django_remodel.refactor import normalize
from django_remodel.stats import collect_stats


class NormalizeCommand(Subcommand):
    name = "normalize"
    help = "Move a repeated string column into a table of its own, with a foreign key to it."
    description = (
        "  remodel normalize server.Server.location_name --into server.Location.name\n"
        "\n"
        "Writes three ordinary migrations and edits models.py:\n"
        "  expand    create the target model (when new, unique on its value field)\n"
        "            and a nullable foreign key beside the old column;\n"
        "  backfill  the database inserts the distinct values the target lacks and\n"
        "            fills the key with one join update (in key ranges above\n"
        "            --batch-size rows, sized to take --batch-seconds each, each\n"
        "            its own transaction, resumable), then\n"
        "            verifies every row and rolls back on any mismatch;\n"
        "  contract  makes the key NOT NULL (unless nulls remain or --null) and\n"
        "            drops the old column (migrating back restores it).\n"
        "Every other place in the code that reads the old field is listed, so you\n"
        "can switch it; --shim keeps a read-only property with the old name.\n"
        "--dry-run shows the plan, the migrations, the model edits and the SQL, and\n"
        "writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "source", nargs="?", metavar="app.Model.field", help="The column to normalize."
        )
        parser.add_argument(
            "--into",
            metavar="app.Model.field",
            help="The lookup model and its value field (the model may exist already).",
        )
        parser.add_argument("--fk-name", help="Name of the new foreign key (default: derived).")
        parser.add_argument(
            "--on-delete", choices=ON_DELETE_CHOICES, default="PROTECT", help="Default: PROTECT."
        )
        parser.add_argument("--related-name", help="related_name of the foreign key.")
        parser.add_argument(
            "--db-index",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Index the foreign key (default: yes).",
        )
        parser.add_argument(
            "--null", action="store_true", help="Keep the foreign key nullable after contract."
        )
        parser.add_argument("--strip", action="store_true", help="Trim spaces from values.")
        parser.add_argument("--casefold", action="store_true", help="Lower-case values.")
        parser.add_argument(
            "--empty-as-null", action="store_true", help="Empty strings map to NULL."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            metavar="ROWS",
            help=f"When the table holds more rows than this (default {DEFAULT_BATCH_SIZE:,}), "
            "fill the key in primary-key ranges of this many rows, each its own transaction "
            "(the migration is not atomic, and resumes where it stopped); 0 fills every row "
            "in one statement, in one transaction.",
        )
        parser.add_argument(
            "--batch-seconds",
            type=float,
            default=DEFAULT_BATCH_SECONDS,
            metavar="SECONDS",
            help="Size the batches by time: the first holds --batch-size rows, each next one "
            "as many as the previous one's rate says take this long, commit included "
            f"(default {DEFAULT_BATCH_SECONDS:g}; at most {BATCH_GROWTH:g} times more or fewer "
            "rows than the one before). Short batches hold row locks briefly; long ones "
            "commit less often (each SQLite commit syncs the journal). 0 keeps every batch "
            "at --batch-size rows.",
        )
        parser.add_argument(
            "--lock-timeout",
            type=int,
            metavar="MS",
            help="Give up a batch that waits longer than this for a lock (PostgreSQL, MySQL).",
        )
        parser.add_argument(
            "--pause",
            type=float,
            default=0.0,
            metavar="SECONDS",
            help="Sleep between batches, so replicas keep up.",
        )
        parser.add_argument("--shim", action="store_true", help="Keep a read-only old name.")
        parser.add_argument("--name", help="Name the migrations <name>_expand, ...")
        parser.add_argument(
            "--database", default="default", metavar="ALIAS", help="Where to measure the data."
        )
        parser.add_argument("--plan-out", metavar="FILE", help="Write the plan and stop.")
        parser.add_argument("--plan", metavar="FILE", help="Carry out a plan file.")
        parser.add_argument("--dry-run", action="store_true", help="Show; write nothing.")

    def handle(self, **options: Any) -> None:
        graph = ModelGraph.build()
        plan = self._plan(graph, options)
        figures = _measure(graph, plan, options["database"])
        if figures.pop("has_nulls", 0) and not plan.nullable:
            plan = _with_nullable(plan)
        if "longest" in figures:
            check_values_fit(plan, figures["longest"])
        if options["plan_out"]:
            Path(options["plan_out"]).write_text(dump_plan(plan, figures), encoding="utf-8")
            self.stdout.write(f"Wrote the plan to {options['plan_out']}; edit it, then run")
            self.stdout.write(f"  python manage.py remodel normalize --plan {options['plan_out']}")
            return
        changes = normalize.prepare(plan)
        self._database = options["database"]
        self._show(changes, figures, dry_run=options["dry_run"])
        if options["dry_run"]:
            return
        normalize.apply(changes)
        self.stdout.write(self.style.SUCCESS("Written. Next:"))
        self.stdout.write(f"  python manage.py migrate {plan.source_app}")

    def _plan(self, graph: ModelGraph, options: dict[str, Any]) -> NormalizePlan:
        if options["plan"]:
            if options["source"] or options["into"]:
                raise NormalizeError("Give either a column and --into, or --plan, not both.")
            loaded = load_plan(options["plan"])
            # An edited plan is checked against the project again.
            return build_plan(
                graph,
                f"{loaded.source_model}.{loaded.source_field}",
                f"{loaded.target_model}.{loaded.target_field}",
                fk_name=loaded.fk_name,
                on_delete=loaded.on_delete,
                related_name=loaded.related_name,
                db_index=loaded.db_index,
                strip=loaded.strip,
                casefold=loaded.casefold,
                empty_as_null=loaded.empty_as_null,
                batch_size=loaded.batch_size,
                batch_seconds=loaded.batch_seconds,
                lock_timeout_ms=loaded.lock_timeout_ms,
                pause=loaded.pause,
                shim=loaded.shim,
                name=loaded.name,
                drop_indexes=loaded.drop_indexes,
            )
        if not options["source"] or not options["into"]:
            raise NormalizeError(
                "Name the column and its target: "
                "remodel normalize app.Model.field --into app.Target.field (or --plan FILE)."
            )
        source_label = options["source"].rsplit(".", 1)[0]
        field_name = options["source"].rsplit(".", 1)[-1]
        graph.model(source_label).field(field_name)  # clear errors for unknown names first
        plan = build_plan(
            graph,
            options["source"],
            options["into"],
            fk_name=options["fk_name"],
            on_delete=options["on_delete"],
            related_name=options["related_name"],
            db_index=options["db_index"],
            strip=options["strip"],
            casefold=options["casefold"],
            empty_as_null=options["empty_as_null"],
            batch_size=options["batch_size"],
            batch_seconds=options["batch_seconds"],
            lock_timeout_ms=options["lock_timeout"],
            pause=options["pause"],
            shim=options["shim"],
            name=options["name"],
            drop_indexes=_single_column_indexes(graph.model(source_label).label, field_name),
        )
        return _with_nullable(plan) if options["null"] else plan

    def _show(
        self, changes: normalize.NormalizeChanges, figures: dict[str, int], *, dry_run: bool
    ) -> None:
        plan = changes.plan
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"Normalize {plan.source_model}.{plan.source_field} into "
                f"{plan.target_model}.{plan.target_field}"
                + (" (existing model)" if plan.target_exists else " (new model)")
            )
        )
        self.stdout.write(
            f"  foreign key {plan.source_model}.{plan.fk_name}, on_delete={plan.on_delete}"
            + (", nullable" if plan.nullable else "")
        )
        self.stdout.write(f"  values: {plan.cleaning()}")
        if plan.batch_size:
            timed = (
                f" (the first; each next one sized to take about {plan.batch_seconds:g} s)"
                if plan.batch_seconds
                else ""
            )
            self.stdout.write(
                f"  backfill in batches of {plan.batch_size:,} rows when there are more{timed}"
            )
        else:
            self.stdout.write("  backfill in one statement, in one transaction")
        for key, value in figures.items():
            self.stdout.write(f"  {key.replace('_', ' ')}: {value:,}")
        verb = "Would write" if dry_run else "Writing"
        self.stdout.write(self.style.MIGRATE_HEADING(f"{verb} migrations:"))
        for migration in changes.migrations:
            self.stdout.write(f"  {migration.path}")
        self.stdout.write(self.style.MIGRATE_HEADING(f"{verb} model edits:"))
        for edit in changes.edits:
            self.stdout.write(edit.diff() if dry_run else f"  {edit.path}")
        if changes.usages:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(changes.usages)} other place{'s' if len(changes.usages) != 1 else ''} "
                    f"use{'' if len(changes.usages) != 1 else 's'} {plan.source_field}; switch to "
                    f"{plan.fk_name}.{plan.target_field}:"
                )
            )
            for usage in changes.usages:
                self.stdout.write(f"  {usage.path}:{usage.line}: {usage.text.strip()}")
        if dry_run:
            for migration in changes.migrations:
                self.stdout.write(self.style.MIGRATE_HEADING(f"{migration.name}.py:"))
                self.stdout.write(migration.text)
            self.show_sql(changes.migrations, self._database, plan.source_app)


def _with_nullable(plan: NormalizePlan) -> NormalizePlan:
    return replace(plan, nullable=True)


def _single_column_indexes(label: str, field_name: str) -> tuple[str, ...]:
    model = apps.get_model(label)
    names = []
    for index in model._meta.indexes:
        columns = [f.lstrip("-") for f in index.fields]
        if field_name in columns and len(columns) > 1:
            raise NormalizeError(
                f"Index {index.name!r} of {label} covers {field_name!r} and other columns; "
                f"change or remove it first."
            )
        if columns == [field_name]:
            names.append(index.name)
    return tuple(names)


def _measure(graph: ModelGraph, plan: NormalizePlan, using: str) -> dict[str, int]:
    """Counts of the old column when the database can be read; nothing otherwise."""
    return measured(lambda: _figures(graph, plan, using), using, {})


def _figures(graph: ModelGraph, plan: NormalizePlan, using: str) -> dict[str, int]:
    stats = collect_stats(graph, using=using, columns=[(plan.source_model, plan.source_field)])
    column = stats.column(plan.source_model, plan.source_field)
    if column is None:
        return {}
    figures = {
        "rows": column.rows,
        "distinct_values": column.distinct,
        "nulls": column.nulls,
        "empty_strings": column.empty,
        "has_nulls": int(column.nulls > 0 or (plan.empty_as_null and column.empty > 0)),
    }
    longest = normalize.longest_value(plan, using)
    if longest is not None:
        figures["longest"] = longest
    return figures
