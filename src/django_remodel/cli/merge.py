from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.core.management.base import CommandParser
from django.db import models
from django.db.models.signals import post_save, pre_save

from django_remodel.cli.base import Subcommand, add_refactoring_arguments, measured
from django_remodel.graph import ModelGraph
from django_remodel.operations.batching import DEFAULT_BATCH_SIZE
from django_remodel.plans.merge import (
    KEY_NORMALIZATIONS,
    KEYLESS,
    POLICIES,
    MergeError,
    MergePlan,
    build_plan,
    dump_plan,
    load_plan,
    parse_assignments,
    plan_options,
)
from django_remodel.refactor import merge


class MergeCommand(Subcommand):
    name = "merge"
    help = "Merge models that store the same entity into one; keep every row and reference."
    description = (
        "  remodel merge legacy.AppUser legacy.CustomerUser --into accounts.User --key email\n"
        "\n"
        "Rows whose keys are equal after normalization (emails: trimmed and\n"
        "case-insensitive) become one row of the target; the target's own rows\n"
        "take in the sources' rows with their key. Each field of the target is\n"
        "filled by its policy where the sources disagree: first (source order),\n"
        "newest (--newest-by), coalesce (first non-empty) or error. Writes\n"
        "ordinary migrations in every app involved and edits the models:\n"
        "  expand    the fields the target lacks, an id map (source row -> target\n"
        "            row), a new key to the target beside every reference;\n"
        "  backfill  the database merges the rows (one statement per source, in\n"
        "            key ranges with --batch-size, resumable), repoints foreign\n"
        "            keys, one-to-ones and many-to-many links through the id map,\n"
        "            and verifies every row and reference, rolling back on a\n"
        "            mismatch; migrating back deletes what it created;\n"
        "  contract  the references take the old names, generic references,\n"
        "            content types and the permissions groups and users hold on\n"
        "            the sources move to the target, the sources are deleted.\n"
        "--plan-out writes the plan with its figures (counts, never values) to\n"
        "review and edit; --plan carries it out. --dry-run shows the migrations,\n"
        "the edits and the SQL, and writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "sources", nargs="*", metavar="app.Model", help="The models to merge, in order."
        )
        parser.add_argument(
            "--into",
            metavar="app.Model",
            help="The model they become: an existing one, or a new one that the merge creates "
            "(in an installed app of the project).",
        )
        parser.add_argument("--key", help="The target field that identifies an entity.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="app.Model.field=FIELD",
            help="Fill the target field FIELD from this source field (repeatable).",
        )
        parser.add_argument(
            "--skip",
            action="append",
            default=[],
            metavar="app.Model.field",
            help="Leave this source field out (repeatable).",
        )
        parser.add_argument(
            "--policy",
            action="append",
            default=[],
            metavar="FIELD=POLICY",
            help=f"The policy of a target field: {', '.join(POLICIES)} (repeatable).",
        )
        parser.add_argument(
            "--default-policy", default="first", choices=POLICIES, help="For the other fields."
        )
        parser.add_argument(
            "--newest-by",
            action="append",
            default=[],
            metavar="FIELD|app.Model.field",
            help="The timestamp the 'newest' policy compares, per source or for all.",
        )
        parser.add_argument(
            "--keyless",
            default="separate",
            choices=KEYLESS,
            help="Rows without a key: one target row each (separate), or refuse (error).",
        )
        parser.add_argument(
            "--key-normalization",
            choices=KEY_NORMALIZATIONS,
            help="How keys compare (default: trim-casefold for emails, trim for text).",
        )
        parser.add_argument(
            "--fill",
            action="append",
            default=[],
            metavar="FIELD=OTHER",
            help="A row whose sources have nothing for FIELD takes what they give OTHER "
            "(e.g. username=email).",
        )
        add_refactoring_arguments(parser, DEFAULT_BATCH_SIZE)

    def handle(self, **options: Any) -> None:
        graph = ModelGraph.build()
        if options["plan"]:
            if options["sources"] or options["into"]:
                raise MergeError("Give either the models or --plan, not both.")
            loaded = load_plan(options["plan"])
            plan = build_plan(graph, loaded.sources, loaded.target, **plan_options(loaded))
        else:
            if not options["into"] or not options["key"]:
                raise MergeError(
                    "Name the target and the key: remodel merge app.A app.B --into app.Target "
                    "--key FIELD."
                )
            plan = build_plan(
                graph,
                options["sources"],
                options["into"],
                key=options["key"],
                maps=parse_assignments(options["map"], "--map"),
                skips=options["skip"],
                policies=_pairs(options["policy"], "--policy"),
                default_policy=options["default_policy"],
                newest_by=options["newest_by"],
                keyless=options["keyless"],
                key_normalization=options["key_normalization"],
                name=options["name"],
                fills=_pairs(options["fill"], "--fill"),
                batch_size=options["batch_size"],
                lock_timeout_ms=options["lock_timeout"],
                pause=options["pause"],
            )
        database = options["database"]
        figures: dict[str, Any] = measured(
            lambda: merge.measure(plan, graph, database), database, {}
        )
        merge.check_new_target(plan)
        if options["plan_out"]:
            Path(options["plan_out"]).write_text(dump_plan(plan, figures), encoding="utf-8")
            self.stdout.write(
                f"Wrote the plan to {options['plan_out']}; edit it, then run"
                + ("" if plan.target_exists else f" ({plan.target} will be a new model)")
            )
            self.stdout.write(f"  python manage.py remodel merge --plan {options['plan_out']}")
            return
        _refuse(plan, figures)
        changes = merge.prepare(plan)
        self._show(changes, figures, database, dry_run=options["dry_run"])
        if options["dry_run"]:
            return
        merge.apply(changes)
        self.stdout.write(self.style.SUCCESS("Written. Next:"))
        self.stdout.write("  python manage.py migrate")

    def _show(
        self, changes: merge.MergeChanges, figures: dict[str, Any], database: str, *, dry_run: bool
    ) -> None:
        plan = changes.plan
        write = self.stdout.write
        write(
            self.style.MIGRATE_HEADING(
                f"Merge {', '.join(plan.sources)} into {plan.target}"
                + ("" if plan.target_exists else " (new model)")
            )
        )
        write(f"  key: {plan.key} ({plan.key_normalization}); rows without one: {plan.keyless}")
        for mapped in plan.fields:
            sources = ", ".join(f"{m}.{f}" for m, f in mapped.sources)
            new = " (new)" if mapped.new else ""
            write(f"  {plan.target}.{mapped.name}{new} <- {sources} [{mapped.policy}]")
        for name, other in plan.fills:
            write(f"  {plan.target}.{name}: where no source has one, the row's {other}")
        for reference in plan.references:
            write(f"  {reference.kind} {reference.model}.{reference.field} -> {plan.target}")
        if plan.batch_size:
            write(f"  data moves in batches of {plan.batch_size:,} rows when there are more")
        else:
            write("  data moves in one transaction")
        for line in _figure_lines(figures):
            write(f"  {line}")
        for field, name in changes.related_names.items():
            write(
                self.style.WARNING(
                    f"{field} gets related_name={name!r}: its reverse name is taken on "
                    f"{plan.target}; code that followed it from the old model must use {name}."
                )
            )
        for warning in _warnings(plan, figures):
            write(self.style.WARNING(warning))
        verb = "Would write" if dry_run else "Writing"
        write(self.style.MIGRATE_HEADING(f"{verb} migrations:"))
        for migration in changes.migrations:
            write(f"  {migration.path}")
        write(self.style.MIGRATE_HEADING(f"{verb} edits:"))
        for edit in changes.edits:
            write(edit.diff() if dry_run else f"  {edit.path}")
        if changes.listed:
            count = len(changes.listed)
            write(
                self.style.WARNING(
                    f"{count} place{'s' if count != 1 else ''} still name a merged model; "
                    "change them by hand:"
                )
            )
            for place in changes.listed:
                write(f"  {place.path}:{place.line}: {place.text}")
        if dry_run:
            for migration in changes.migrations:
                write(self.style.MIGRATE_HEADING(f"{migration.app_label}.{migration.name}.py:"))
                write(migration.text)
            self.show_sql(changes.migrations, database, plan.target_app)


def _pairs(items: list[str], what: str) -> dict[str, str]:
    found = {}
    for item in items:
        left, sep, right = item.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise MergeError(f"{what} {item!r}: write it as FIELD=VALUE.")
        found[left.strip()] = right.strip()
    return found


def _figure_lines(figures: dict[str, Any]) -> list[str]:
    """``figure name: count``, or per model (or field) ``figure name: label: count``."""
    lines = []
    for name, value in figures.items():
        label = name.replace("_", " ")
        if isinstance(value, dict):
            lines += [f"{label}: {key}: {count:,}" for key, count in value.items()]
        else:
            lines.append(f"{label}: {value:,}")
    return lines


def _refuse(plan: MergePlan, figures: dict[str, Any]) -> None:
    """Stop before writing anything when the data says the merge cannot be right."""
    new_held_twice = figures.get("new_keys_held_twice", 0)
    if new_held_twice:
        raise MergeError(
            f"{new_held_twice:,} {plan.key} value(s) would be held by several rows of the new "
            f"{plan.target}, whose {plan.key} is unique: keys that differ only in ways the "
            "database compares as equal, or empty keys of rows kept apart (--keyless "
            f"separate). Make those {plan.key}s distinct or NULL first, or choose another "
            "--key-normalization."
        )
    held_twice = figures.get("target_keys_held_twice", 0)
    if held_twice:
        raise MergeError(
            f"{held_twice:,} key(s) are held by several {plan.target} rows already (after "
            f"{plan.key_normalization}); the merged rows would not know which one is theirs. "
            f"Merge or change those {plan.target} rows first, or choose another key."
        )
    for mapping, count in figures.get("values_too_long", {}).items():
        if count:
            raise MergeError(
                f"{count:,} value(s) of {mapping.split(' -> ')[0]} are longer than "
                f"{plan.target}.{mapping.split(' -> ')[1]} takes; widen that field first, or "
                "map the source field elsewhere."
            )
    for field, count in figures.get("unique_values_held_by_several", {}).items():
        if count:
            sources = ", ".join(f"{m}.{f}" for m, f in plan.field(field).sources)
            raise MergeError(
                f"{plan.target}.{field} is unique, but {count:,} of its values would be held "
                f"by rows of different {plan.key}s (from {sources} and the target's own "
                f"rows). Skip the source field (--skip ...) and fill {field} from another "
                f"field (--fill {field}={plan.key}), or make the values unique first."
            )
    keyless = sum(figures.get("rows_without_key", {}).values())
    if plan.keyless == "error" and keyless:
        raise MergeError(
            f"{keyless:,} source row(s) have no {plan.key}, and --keyless error refuses them; "
            "give them one, or use --keyless separate (one target row each)."
        )
    for field, count in figures.get("keys_whose_sources_disagree", {}).items():
        if count and plan.field(field).policy == "error":
            raise MergeError(
                f"{count:,} entities get different values for {plan.target}.{field} from "
                f"their sources, and its policy is 'error'; choose another policy "
                f"(--policy {field}=first|newest|coalesce) or fix the rows."
            )


def _warnings(plan: MergePlan, figures: dict[str, Any]) -> list[str]:
    """What a set-based copy bypasses or cannot carry, for the person to review."""
    warnings = []
    for model_label in plan.sources:
        model = global_apps.get_model(model_label)
        if "save" in vars(model):
            warnings.append(
                f"{model_label} overrides save(); the copy runs in the database and does not "
                "call it. Check that it only does what the target does anyway."
            )
        for signal in (pre_save, post_save):
            if signal.has_listeners(model):
                warnings.append(
                    f"{model_label} has {(signal is pre_save and 'pre_save') or 'post_save'} "
                    "receivers; the copy does not send signals."
                )
    for reference in plan.references:
        if reference.kind == "generic":
            continue
        field: Any = global_apps.get_model(reference.model)._meta.get_field(reference.field)
        on_delete = getattr(field.remote_field, "on_delete", None)
        if on_delete is models.PROTECT:
            warnings.append(
                f"{reference.model}.{reference.field} protects {reference.source} rows "
                "(on_delete=PROTECT); the merge keeps every such row's reference."
            )
    unreadable = figures.get("passwords_no_hasher_reads", {})
    for source, count in unreadable.items():
        if count:
            warnings.append(
                f"{count:,} {source} password(s) are in a format no hasher of "
                "PASSWORD_HASHERS reads; they are copied as they are and will not log in."
            )
    return warnings
