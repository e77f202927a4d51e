from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from django.core.management.base import CommandError, CommandParser

from django_remodel.cli.base import Subcommand
from django_remodel.schema import Comparison, compare


class SchemadiffCommand(Subcommand):
    """``remodel schemadiff``: compare a database's schema with another's or its migrations'."""

    name = "schemadiff"
    help = "Compare a database's schema with another database or with its migrations."
    description = (
        "Read the schema of a database from its catalogs (tables, columns with their\n"
        "exact types, nullability, defaults and collations, primary keys, indexes,\n"
        "unique, check and foreign key constraints) and compare it with another\n"
        "configured database (--other) or with the schema the migrations build on a\n"
        "fresh database (--against-migrations: a throwaway database is created next\n"
        "to --database's, migrated, read and dropped).\n"
        "\n"
        "Indexes and constraints are matched by name, then by definition, so one\n"
        "that only differs in name is reported as renamed; --ignore-names does not\n"
        "report renames at all.\n"
        "\n"
        "Prints 'No differences.' and exits with 0 when the schemas are the same;\n"
        "otherwise lists the differences per table and exits with 1.\n"
        "Nothing is changed in the databases compared."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database",
            default="default",
            metavar="ALIAS",
            help="The database to check (default: 'default').",
        )
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--other",
            metavar="ALIAS",
            help="Compare with this database of settings.DATABASES.",
        )
        source.add_argument(
            "--against-migrations",
            action="store_true",
            help="Compare with what the migrations build on a fresh, throwaway database.",
        )
        parser.add_argument(
            "--exclude-table",
            action="append",
            default=[],
            metavar="PATTERN",
            help="Leave out tables matching this shell-style pattern, e.g. 'legacy_*' "
            "(may be repeated).",
        )
        parser.add_argument(
            "--ignore-names",
            action="store_true",
            help="Match indexes and constraints by definition only; do not report renames.",
        )
        parser.add_argument(
            "--ignore-column-order",
            action="store_true",
            help="Do not report columns that are in a different order.",
        )
        parser.add_argument(
            "--format",
            choices=("text", "json"),
            default="text",
            help="Output format (default: text).",
        )

    def handle(self, **options: Any) -> None:
        comparison = compare(
            options["database"],
            other=options["other"],
            against_migrations=options["against_migrations"],
            exclude_tables=options["exclude_table"],
            ignore_names=options["ignore_names"],
            ignore_column_order=options["ignore_column_order"],
        )
        if options["format"] == "json":
            self.stdout.write(json.dumps(_to_json(comparison), indent=2))
        else:
            self._write_text(comparison)
        if not comparison.identical:
            count = len(comparison.differences)
            raise CommandError(
                f"The schemas differ: {count} difference{'s' if count != 1 else ''}.",
                returncode=1,
            )

    def _write_text(self, comparison: Comparison) -> None:
        if comparison.identical:
            self.stdout.write(self.style.SUCCESS("No differences."))
            return
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"Differences between {comparison.left_label} and {comparison.right_label}:"
            )
        )
        # The differences come sorted by table, as diff_schemas returns them.
        for table, differences in groupby(comparison.differences, key=lambda d: d.table):
            self.stdout.write(f"  {self.style.MIGRATE_LABEL(table)}")
            for difference in differences:
                self.stdout.write(f"    - {difference.detail}")


def _to_json(comparison: Comparison) -> dict[str, Any]:
    return {
        "left": comparison.left_label,
        "right": comparison.right_label,
        "identical": comparison.identical,
        "differences": [difference.to_dict() for difference in comparison.differences],
    }
