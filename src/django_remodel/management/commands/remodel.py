from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_remodel.cli import SUBCOMMANDS
from django_remodel.errors import RemodelError


class Command(BaseCommand):
    help = (
        "Refactor a messy schema safely: each subcommand finds a problem or writes "
        "ordinary migrations that fix it. Run 'remodel <subcommand> --help' for details."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(
            dest="subcommand",
            title="subcommands",
            metavar="<subcommand>",
            required=True,
        )
        for subcommand_class in SUBCOMMANDS:
            subparser = subparsers.add_parser(
                subcommand_class.name,
                help=subcommand_class.help,
                description=subcommand_class.description or subcommand_class.help,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
            subcommand_class(self).add_arguments(subparser)

    def handle(self, *args: Any, **options: Any) -> None:
        name = options.pop("subcommand")
        subcommand_class = next(s for s in SUBCOMMANDS if s.name == name)
        try:
            subcommand_class(self).handle(**options)
        except RemodelError as error:
            raise CommandError(str(error)) from error
