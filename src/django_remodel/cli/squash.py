from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from django_remodel.cli.base import Subcommand
from django_remodel.squash import (
    Action,
    Squash,
    SquashOptions,
    Verification,
    build_squash,
    partially_applied,
    remove_old,
    squash_and_verify,
    write_squash,
)
from django_remodel.squash.verify import DEFAULT_STATES


class SquashCommand(Subcommand):
    """``remodel squash``: a short history for long-lived apps, replacing the old one."""

    name = "squash"
    help = "Replace long migration histories with the fewest migrations that build the same schema."
    description = (
        "Write a new migration history for the apps named (default: every first-party\n"
        "app with migrations): one migration per app, built from the models' state as\n"
        "makemigrations builds an initial migration, split only where the old history\n"
        "went back and forth between apps. Each new migration 'replaces' the old ones:\n"
        "a database that applied all of them treats it as applied, a new database runs\n"
        "only the new one, and one part-way through keeps using the old files.\n"
        "\n"
        "Data migrations (RunPython, RunSQL): elidable ones are dropped. The others are\n"
        "tried: the old history is migrated from zero on a throwaway database beside\n"
        "--database's, and one that wrote no row and changed no schema there only fixed\n"
        "data that existed before, so it is dropped, with that reason. The rest are\n"
        "carried into the new migration, their functions copied into it. Custom\n"
        "operations (django_remodel's NormalizeColumn, SetModelBases, ...) are folded:\n"
        "their effect on the models is in the new schema.\n"
        "\n"
        "The old files are KEPT by default, and must stay until every database of the\n"
        "project (every developer's, staging, production) has run 'migrate' with the\n"
        "new files: a database part-way through the old history still needs them. Only\n"
        "then delete them (--remove-old, or answer yes when asked); that refuses while\n"
        "--database is part-way through them.\n"
        "\n"
        "--verify proves the result on throwaway databases and takes the new files back\n"
        "if anything differs: the old history and the new one build identical schemas\n"
        "(schemadiff), a database on the whole old history has nothing left to apply,\n"
        "databases part-way through the old history migrate to the end and end up\n"
        "identical, makemigrations --check is clean; and the time to migrate from zero\n"
        "before and after is measured and printed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "app_labels",
            nargs="*",
            metavar="app_label",
            help="Apps to squash (default: every first-party app with migrations).",
        )
        parser.add_argument(
            "--database",
            default="default",
            metavar="ALIAS",
            help="Throwaway databases are made beside this one, on the same server; "
            "before removing old files, it is checked (default: 'default').",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the plan: old and new migrations per app, what is carried and "
            "what dropped, and why. Write nothing.",
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Prove the new history on throwaway databases and time migrate from zero "
            "before and after; the new files are taken back if the proof fails.",
        )
        parser.add_argument(
            "--verify-states",
            type=int,
            default=DEFAULT_STATES,
            metavar="N",
            help="With --verify: how many databases part-way through the old history to "
            f"migrate to the end (default: {DEFAULT_STATES}).",
        )
        parser.add_argument(
            "--keep-data-migrations",
            action="store_true",
            help="Carry every data migration that is not elidable, without trying them "
            "on a throwaway database.",
        )
        old = parser.add_mutually_exclusive_group()
        old.add_argument(
            "--keep-old",
            action="store_true",
            help="Keep the old migration files and do not ask (the default without a terminal).",
        )
        old.add_argument(
            "--remove-old",
            action="store_true",
            help="Delete the old migration files once the new ones are written, without "
            "asking. Only when every database has applied the whole old history or none "
            "of it.",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Do not ask anything (the old files are then kept unless --remove-old).",
        )

    def handle(self, **options: Any) -> None:
        if options["verify_states"] < 0:
            raise CommandError(f"--verify-states {options['verify_states']} must be 0 or more.")
        squash = build_squash(
            SquashOptions(
                app_labels=tuple(options["app_labels"]),
                database=options["database"],
                keep_data_migrations=options["keep_data_migrations"],
            )
        )
        self._write_plan(squash)
        if options["dry_run"] or not squash.migrations:
            return
        if options["remove_old"]:
            self._refuse_if_partial(squash, options["database"])
        if options["verify"]:
            written, verification = squash_and_verify(
                squash, database=options["database"], states=options["verify_states"]
            )
            self._write_verification(verification)
            if written is None:
                raise CommandError(
                    "The new history did not pass the verification (see above); the new "
                    "files were taken back and nothing was changed."
                )
        else:
            write_squash(squash)
        for item in squash.migrations:
            self.stdout.write(f"Wrote {item.path}")
        if self._should_remove(squash, options):
            removed = remove_old(squash, databases=[options["database"]])
            self.stdout.write(f"Removed {len(removed)} old migration files.")
        else:
            self.stdout.write(
                f"Kept the {len(squash.old_files)} old migration files. Delete them (the "
                "migrations each new one 'replaces') once every database of the project has "
                "run 'migrate' with the new files."
            )

    def _refuse_if_partial(self, squash: Squash, database: str) -> None:
        partial = partially_applied(squash, database)
        if partial:
            first = partial[0]
            raise CommandError(
                f"Database {database!r} has applied {first.applied} of the "
                f"{len(first.migration.replaces)} migrations that "
                f"{first.migration.app_label}.{first.migration.name} would replace, so the "
                "old files must stay; run 'python manage.py migrate' first, or leave out "
                "--remove-old. Nothing was written."
            )

    def _should_remove(self, squash: Squash, options: dict[str, Any]) -> bool:
        if options["remove_old"]:
            return True
        if options["keep_old"] or not options["interactive"]:
            return False
        if partially_applied(squash, options["database"]):
            self.stdout.write(
                f"Database {options['database']!r} is part-way through the old history; "
                "the old files are kept."
            )
            return False
        answer = input(
            f"Delete the {len(squash.old_files)} old migration files now? Only if every "
            "database of the project has run 'migrate' with the new files. [y/N] "
        )
        return answer.strip().lower() in ("y", "yes")

    def _write_plan(self, squash: Squash) -> None:
        plan = squash.plan
        style = self.style
        self.stdout.write(style.MIGRATE_HEADING("Migrations per app (old -> new):"))
        for app in plan.apps:
            old = len(app.old) + len(app.kept)
            if app.unchanged:
                self.stdout.write(f"  {app.app_label}: {old} -> {old} (kept)")
                continue
            self.stdout.write(
                f"  {style.MIGRATE_LABEL(app.app_label)}: {old} -> {len(app.new) + len(app.kept)}"
            )
            for name in app.kept:
                self.stdout.write(f"    {name}: kept as it is (it replaces other migrations)")
            for migration in app.new:
                first, last = migration.replaces[0][1], migration.replaces[-1][1]
                depends = ", ".join(f"{a}.{n}" for a, n in migration.dependencies) or "nothing"
                self.stdout.write(
                    f"    {migration.name}: {migration.operation_count} operations, replaces "
                    f"{len(migration.replaces)} ({first} .. {last}); depends on {depends}"
                )
        self.stdout.write(f"  total: {plan.old_count} -> {plan.new_count}")
        for action, title in (
            (Action.CARRIED, "Carried"),
            (Action.DROPPED, "Dropped"),
            (Action.FOLDED, "Folded into the schema"),
        ):
            notes = plan.notes_with(action)
            if notes:
                self.stdout.write(style.MIGRATE_HEADING(f"{title}:"))
                for note in notes:
                    self.stdout.write(f"  {note.label} {note.description}: {note.reason}")
        for warning in plan.warnings:
            self.stdout.write(style.WARNING(f"Warning: {warning}"))

    def _write_verification(self, verification: Verification) -> None:
        style = self.style
        before, after = verification.before, verification.after
        self.stdout.write(style.MIGRATE_HEADING(f"Verification on {verification.vendor}:"))
        self.stdout.write(
            f"  migrate from zero: {before.seconds:.2f}s ({before.migrations} migrations) "
            f"-> {after.seconds:.2f}s ({after.migrations}), {verification.speedup:.1f}x faster"
        )
        self.stdout.write(
            f"  the squashed apps' migrations: {before.squashed_seconds:.2f}s "
            f"({before.squashed_migrations}) -> {after.squashed_seconds:.2f}s "
            f"({after.squashed_migrations}), {verification.squashed_speedup:.1f}x faster"
        )
        final = verification.final
        self.stdout.write(
            "  once every database has run 'migrate' with the new files and the old files and "
            "'replaces' are gone:"
        )
        self.stdout.write(
            f"    migrate from zero: {final.seconds:.2f}s ({final.migrations}), "
            f"{verification.final_speedup:.1f}x faster; the squashed apps: "
            f"{final.squashed_seconds:.2f}s ({final.squashed_migrations}), "
            f"{verification.final_squashed_speedup:.1f}x faster"
        )
        if verification.differences:
            self.stdout.write(style.ERROR("  schemas differ:"))
            for difference in verification.differences:
                self.stdout.write(f"    - {difference.description}")
        else:
            self.stdout.write(
                style.SUCCESS("  schemas identical")
                + f" ({len(verification.cosmetic)} index/constraint names or column orders differ)"
            )
        if verification.drift:
            self.stdout.write(
                style.WARNING(
                    "  the old history lost what the models declare (the new history builds "
                    "it; databases on the old history lack it, add it to them by hand):"
                )
            )
            for difference in verification.drift:
                self.stdout.write(f"    - {difference.description}")
        if verification.reapplied:
            self.stdout.write(
                style.ERROR(
                    "  a database on the whole old history applied: "
                    + ", ".join(verification.reapplied)
                )
            )
        else:
            self.stdout.write("  a database on the whole old history: nothing to apply")
        for midway in verification.midway:
            state = "identical" if not midway.differences else "DIFFERENT"
            self.stdout.write(
                f"  part-way ({midway.old_applied} old migrations applied): migrated to the "
                f"end with {len(midway.applied_after)} more, schema {state}"
            )
            for difference in midway.differences:
                self.stdout.write(f"    - {difference.description}")
        if verification.makemigrations_clean and verification.pending_before:
            self.stdout.write(
                f"  makemigrations --check: the same {len(verification.pending_before)} "
                "changes as with the old history, none new"
            )
        elif verification.makemigrations_clean:
            self.stdout.write("  makemigrations --check: no changes")
        else:
            self.stdout.write(style.ERROR("  makemigrations --check found changes:"))
            self.stdout.write(verification.makemigrations_output)
