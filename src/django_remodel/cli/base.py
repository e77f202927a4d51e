from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

from django.core.management.base import BaseCommand, CommandParser, OutputWrapper
from django.core.management.color import Style
from django.db import DatabaseError, connections, router

from django_remodel import writer
from django_remodel.errors import RemodelError

T = TypeVar("T")


class Subcommand:
    """One ``remodel <name>`` subcommand: parse, call the library, print."""

    name: ClassVar[str]
    help: ClassVar[str]
    description: ClassVar[str] = ""

    def __init__(self, command: BaseCommand) -> None:
        self.command = command

    @property
    def stdout(self) -> OutputWrapper:
        return self.command.stdout

    @property
    def stderr(self) -> OutputWrapper:
        return self.command.stderr

    @property
    def style(self) -> Style:
        return self.command.style

    def add_arguments(self, parser: CommandParser) -> None:
        """Declare this subcommand's arguments."""

    def handle(self, **options: Any) -> None:
        raise NotImplementedError

    def show_sql(
        self, migrations: Sequence[writer.WrittenMigration], first: str, app_label: str
    ) -> None:
        """The SQL of ``migrations`` on ``first`` and on one database of each other backend
        the project configures for ``app_label``, as ``sqlmigrate`` would show it."""
        for alias in sql_databases(first, app_label):
            vendor = connections[alias].vendor
            where = vendor if alias == "default" else f"{vendor} (database {alias!r})"
            try:
                collected = writer.collect_sql(migrations, using=alias)
            except DatabaseError as error:
                connections[alias].close()
                reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
                self.stdout.write(
                    self.style.WARNING(
                        f"No SQL for {where}: asking its database failed ({reason}). Some "
                        "statements are written from the tables of a database migrated up to "
                        "the migration before these."
                    )
                )
                continue
            for name, statements in collected:
                self.stdout.write(self.style.MIGRATE_HEADING(f"SQL of {name} on {where}:"))
                self.stdout.write("\n".join(statements))


def add_refactoring_arguments(parser: CommandParser, default_batch_size: int) -> None:
    """The options every three-migration refactoring takes: batches, names, the database
    it measures, the plan file and the dry run."""
    parser.add_argument(
        "--batch-size",
        type=int,
        default=default_batch_size,
        metavar="ROWS",
        help=f"Above this many rows (default {default_batch_size:,}) move rows in key "
        "ranges of this many, each its own transaction; 0: one statement per table.",
    )
    parser.add_argument("--lock-timeout", type=int, metavar="MS", help="Per batch.")
    parser.add_argument("--pause", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument("--name", help="Name the migrations <name>_expand, ...")
    parser.add_argument(
        "--database", default="default", metavar="ALIAS", help="Where to count the rows."
    )
    parser.add_argument("--plan-out", metavar="FILE", help="Write the plan and stop.")
    parser.add_argument("--plan", metavar="FILE", help="Carry out a plan file.")
    parser.add_argument("--dry-run", action="store_true", help="Show; write nothing.")


def sql_databases(first: str, app_label: str) -> list[str]:
    """``first``, then one more configured database of each other backend the app migrates
    on: the SQL differs per backend, so a dry run shows each one the project uses."""
    chosen = [first]
    vendors = {connections[first].vendor}
    for alias in connections:
        vendor = connections[alias].vendor
        if vendor not in vendors and router.allow_migrate(alias, app_label):
            chosen.append(alias)
            vendors.add(vendor)
    return chosen


def measured(measure: Callable[[], T], using: str, empty: T) -> T:
    """``measure()``, or ``empty`` when the database cannot be read (unreachable, or not
    migrated yet): figures are a help to review a plan, not a condition of making one."""
    try:
        return measure()
    except (DatabaseError, RemodelError):
        connections[using].close()
        return empty
