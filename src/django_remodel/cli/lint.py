from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from django_remodel.cli.base import Subcommand
from django_remodel.lint import LintOptions, Severity, normalize_codes, run_lint
from django_remodel.lint.history import load_history
from django_remodel.lint.latest import LATEST_FILE, record_latest, write_latest
from django_remodel.lint.leaves import apply_leaf_fix, leaf_conflicts, plan_leaf_fix
from django_remodel.lint.locking import DEFAULT_BIG_TABLE_ROWS, TARGETS
from django_remodel.lint.render import FORMATS, render_json, render_text, shown_path


class LintCommand(Subcommand):
    name = "lint"
    help = "Check the migration history: forks, max_migration.txt, slow data migrations, locks."
    description = (
        "Checks a team runs in CI to keep its migration history healthy:\n"
        "  L001       an app with more than one leaf migration (error);\n"
        f"  L002/L003  {LATEST_FILE} missing, or not naming the latest migration;\n"
        "  L101-L105  RunPython code that saves, creates or looks up once per row;\n"
        "  L201-L204  operations not yet applied that lock or rewrite a big table on\n"
        "             PostgreSQL or MySQL/MariaDB (index without CONCURRENTLY, a\n"
        "             validated foreign key, a column type change, a column added by\n"
        "             rebuilding the table on old MySQL).\n"
        "\n"
        "The database (--database) says which migrations are applied and how many\n"
        "rows each table holds; with --no-database every migration is judged and\n"
        "no row is counted. Exits 1 on errors, or on warnings too with --strict.\n"
        "\n"
        "  --fix-leaves    renumber the newer branch of each forked app to follow the\n"
        "                  older one, rewriting the dependencies that name it;\n"
        f"  --write-latest  write each app's {LATEST_FILE}.\n"
        "Both show what they would do with --dry-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "app_labels", nargs="*", metavar="app_label", help="Only these apps (default: all)."
        )
        parser.add_argument("--format", choices=FORMATS, default="text")
        parser.add_argument(
            "--database", default="default", metavar="ALIAS", help="Default: 'default'."
        )
        parser.add_argument(
            "--no-database",
            action="store_true",
            help="Read no database: judge every migration, count no rows.",
        )
        parser.add_argument(
            "--big-table-rows",
            type=int,
            default=DEFAULT_BIG_TABLE_ROWS,
            metavar="N",
            help=f"Tables of N rows or more are big (default: {DEFAULT_BIG_TABLE_ROWS:,}).",
        )
        parser.add_argument(
            "--target",
            action="append",
            choices=TARGETS,
            help="Judge locks for this backend (repeatable; default: the database's "
            "backend, or both when it is SQLite).",
        )
        parser.add_argument(
            "--ignore",
            action="append",
            default=[],
            metavar="CODE",
            help="Do not report CODE (L002 or remodel.L002; repeatable).",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Exit 1 on warnings too (same as --fail-on warning).",
        )
        parser.add_argument("--fail-on", choices=("error", "warning"), default="error")
        fixes = parser.add_argument_group("fixes")
        fixes.add_argument(
            "--fix-leaves",
            action="store_true",
            help="Make each forked app's history linear by renumbering its newer branch.",
        )
        fixes.add_argument(
            "--onto",
            metavar="MIGRATION",
            help="With --fix-leaves (one app): the leaf that stays in place.",
        )
        fixes.add_argument(
            "--write-latest", action="store_true", help=f"Write each app's {LATEST_FILE}."
        )
        fixes.add_argument(
            "--dry-run", action="store_true", help="With a fix: show it, change nothing."
        )

    def handle(self, **options: Any) -> None:
        database = None if options["no_database"] else options["database"]
        if options["fix_leaves"] or options["write_latest"]:
            self._fix(options, database)
            return
        if options["onto"] or options["dry_run"]:
            raise CommandError("--onto and --dry-run go with --fix-leaves or --write-latest.")
        report = run_lint(
            LintOptions(
                app_labels=tuple(options["app_labels"]),
                database=database,
                targets=tuple(dict.fromkeys(options["target"])) if options["target"] else None,
                big_table_rows=options["big_table_rows"],
                ignore=normalize_codes(options["ignore"]),
            )
        )
        root = Path.cwd()
        if options["format"] == "json":
            self.stdout.write(render_json(report, root), ending="")
        else:
            self.stdout.write(render_text(report, root), ending="")
        fail_on = Severity.WARNING if options["strict"] else Severity(options["fail_on"])
        if report.fails(fail_on):
            raise CommandError(
                f"{len(report.errors)} error(s), {len(report.warnings)} warning(s) in the "
                "migration history; see the hints above.",
                returncode=1,
            )

    def _fix(self, options: dict[str, Any], database: str | None) -> None:
        root = Path.cwd()
        dry_run = options["dry_run"]
        history = load_history(options["app_labels"], using=database)
        if options["fix_leaves"]:
            conflicts = leaf_conflicts(history)
            if options["onto"] and len(conflicts) != 1:
                raise CommandError(
                    "--onto names a migration of one app: give that app's label "
                    f"({len(conflicts)} apps have several leaves)."
                )
            fixes = [plan_leaf_fix(history, app, options["onto"]) for app in conflicts]
            if not fixes:
                self.stdout.write("No app has more than one leaf migration.")
            verb = "Would rebase" if dry_run else "Rebased"
            for fix in fixes:
                self.stdout.write(
                    f"{verb} {fix.app_label}: {', '.join(fix.moved)} now "
                    f"follow{'s' if len(fix.moved) == 1 else ''} {fix.onto} "
                    f"(kept in place: {fix.why})."
                )
                for rename in fix.renames:
                    self.stdout.write(
                        f"  rename {shown_path(rename.old_path, root)} -> {rename.new_path.name}"
                    )
                for edit in fix.edits:
                    for old, new in edit.replacements:
                        self.stdout.write(f"  {shown_path(edit.target, root)}: {old!r} -> {new!r}")
                directory = history.migrations_dir(fix.app_label)
                latest = directory / LATEST_FILE if directory else None
                if latest is not None and latest.exists():
                    self.stdout.write(f"  {shown_path(latest, root)}: {fix.new_leaf}")
                if not dry_run:
                    apply_leaf_fix(fix)
                    if latest is not None and latest.exists():
                        record_latest(latest, fix.new_leaf)
            if options["write_latest"] and fixes and not dry_run:
                history = load_history(options["app_labels"], using=database)
        if options["write_latest"]:
            if options["fix_leaves"] and dry_run and leaf_conflicts(history):
                self.stdout.write(f"{LATEST_FILE} files would be written after the rebase.")
                return
            for write in write_latest(history, dry_run=dry_run):
                if write.changed:
                    verb = "Would write" if dry_run else "Wrote"
                    self.stdout.write(
                        f"{verb} {shown_path(write.path, root)}: {write.new}"
                        + (f" (was {write.old})" if write.old else "")
                    )
                else:
                    self.stdout.write(f"{shown_path(write.path, root)} is current ({write.new}).")
