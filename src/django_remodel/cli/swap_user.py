from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.management.base import CommandError, CommandParser

from django_remodel.cli.base import Subcommand
from django_remodel.swap_user.plan import IMPORT_REWRITES, SwapUserError, build_plan

if TYPE_CHECKING:
    from django_remodel.swap_user.refactor import SwapUserChanges


class SwapUserCommand(Subcommand):
    name = "swap-user"
    help = "Swap auth.User for a model of the project's own, with no change to the database."
    description = (
        "  remodel swap-user accounts          write the swap (a missing app is created)\n"
        "  remodel swap-user --verify          prove it on a database of the old history\n"
        "  remodel swap-user --record-applied  record a new app's first migration as applied\n"
        "\n"
        "Writes a User(AbstractUser) with a UserManager subclass that keeps the table\n"
        "'auth_user' and its many-to-many tables, sets AUTH_USER_MODEL, puts the\n"
        "model's CreateModel into the app's first migration (which then depends on\n"
        "the newest migration of django.contrib.auth), rewrites swappable dependencies\n"
        "and 'auth.User' references in the project's migrations, and breaks the\n"
        "dependency cycles this makes by moving the operations that close them into\n"
        "the app's next migration. --content-type adds a migration that repoints the\n"
        "auth.user content type (admin log entries, permissions) to the new model.\n"
        "Code importing django.contrib.auth.models.User is listed; --rewrite-imports\n"
        "switches it to get_user_model() or to the new model.\n"
        "--dry-run shows every change and writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("app_label", nargs="?", help="The app that gets the user model.")
        parser.add_argument("--model-name", default="User", help="Default: User.")
        parser.add_argument(
            "--content-type",
            action="store_true",
            help="Also write a migration repointing the auth.user content type.",
        )
        parser.add_argument(
            "--rewrite-imports",
            choices=IMPORT_REWRITES,
            help="Rewrite imports of django.contrib.auth.models.User.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Show; write nothing.")
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Check a database migrated with the old history against the new one.",
        )
        parser.add_argument(
            "--no-schema",
            action="store_true",
            help="With --verify: skip building a fresh database to compare schemas.",
        )
        parser.add_argument(
            "--record-applied",
            action="store_true",
            help="Record the swap's new migrations as applied (their tables exist).",
        )
        parser.add_argument("--database", default="default", metavar="ALIAS")

    def handle(self, **options: Any) -> None:
        # Imported here: they load django.contrib.auth's models, which a project
        # without that app cannot, and `remodel` must still run there.
        if not apps.is_installed("django.contrib.auth"):
            raise SwapUserError(
                "swap-user replaces django.contrib.auth's User, but django.contrib.auth is not "
                "in INSTALLED_APPS; there is nothing to swap."
            )
        from django_remodel.swap_user import refactor, verify

        if options["verify"]:
            self._verify(options["database"], schema=not options["no_schema"])
            return
        if options["record_applied"]:
            recorded = verify.record_applied(options["database"])
            if not recorded:
                self.stdout.write("Nothing to record: django_migrations needs no change.")
            for app_label, name in recorded:
                self.stdout.write(self.style.SUCCESS(f"Recorded {app_label}.{name} as applied."))
            return
        if not options["app_label"]:
            raise SwapUserError(
                "Name the app that gets the user model: remodel swap-user accounts "
                "(or --verify, --record-applied)."
            )
        plan = build_plan(
            options["app_label"],
            model_name=options["model_name"],
            content_type=options["content_type"],
            rewrite_imports=options["rewrite_imports"],
        )
        changes = refactor.prepare(plan)
        self._show(changes, dry_run=options["dry_run"])
        if options["dry_run"]:
            return
        refactor.apply(changes)
        self.stdout.write(self.style.SUCCESS("Written. Next:"))
        self.stdout.write("  python manage.py makemigrations --check --dry-run")
        self.stdout.write("  python manage.py remodel swap-user --verify")
        if changes.record:
            self.stdout.write("  python manage.py remodel swap-user --record-applied")

    def _show(self, changes: SwapUserChanges, *, dry_run: bool) -> None:
        plan = changes.plan
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"Swap auth.User for {plan.label} (table {plan.db_table!r})"
                + ("" if plan.app_exists else f", in a new app {plan.app_label!r}")
            )
        )
        first = ".".join(changes.first)
        self.stdout.write(f"  {first} creates the user; it depends on auth.{changes.auth_leaf[1]}")
        for dependency, target in changes.moved:
            self.stdout.write(
                f"  cycle through {'.'.join(dependency)}: its operations move to {'.'.join(target)}"
            )
        for key in changes.rewritten:
            self.stdout.write(f"  {'.'.join(key)}: references to auth.User rewritten")
        verb = "Would write" if dry_run else "Writing"
        self.stdout.write(self.style.MIGRATE_HEADING(f"{verb}:"))
        for change in changes.changes.values():
            self.stdout.write(change.diff() if dry_run else f"  {change.path}")
        if changes.record:
            names = ", ".join(".".join(key) for key in changes.record)
            self.stdout.write(
                self.style.WARNING(
                    f"Databases migrated before the swap have the tables of {names} already: "
                    "record it as applied there, once, with "
                    "'python manage.py remodel swap-user --record-applied' (one row in "
                    "django_migrations; nothing else changes)."
                )
            )
        if changes.imports and not plan.rewrite_imports:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(changes.imports)} place(s) import django.contrib.auth.models.User "
                    "itself; switch them to get_user_model() or to the new model "
                    "(--rewrite-imports):"
                )
            )
            for found in changes.imports:
                self.stdout.write(f"  {found}")

    def _verify(self, alias: str, *, schema: bool) -> None:
        from django_remodel.swap_user import verify

        result = verify.verify(alias, schema=schema)
        for check in result.checks:
            mark = self.style.SUCCESS("ok  ") if check.ok else self.style.ERROR("FAIL")
            self.stdout.write(f"{mark} {check.name}: {check.detail}")
        if not result.ok:
            failed = sum(not check.ok for check in result.checks)
            raise CommandError(f"{failed} check(s) failed.", returncode=1)
