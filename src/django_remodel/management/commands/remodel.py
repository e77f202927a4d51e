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
    # The tool examines projects with problems; the registry check would repeat itself.
    requires_system_checks: list[str] = []  # noqa: RUF012 - Django's own attribute

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
            _accept_base_options(subparser)

    def handle(self, *args: Any, **options: Any) -> None:
        name = options.pop("subcommand")
        subcommand_class = next(s for s in SUBCOMMANDS if s.name == name)
        try:
            subcommand_class(self).handle(**options)
        except RemodelError as error:
            raise CommandError(str(error)) from error


def _accept_base_options(subparser: argparse.ArgumentParser) -> None:
    """Accept Django's own options after the subcommand too (``remodel audit --settings X``).

    They are hidden and default to "not given", so the values parsed before the
    subcommand are kept.
    """
    hidden: dict[str, Any] = {"default": argparse.SUPPRESS, "help": argparse.SUPPRESS}
    subparser.add_argument("-v", "--verbosity", type=int, choices=[0, 1, 2, 3], **hidden)
    subparser.add_argument("--settings", **hidden)
    subparser.add_argument("--pythonpath", **hidden)
    for flag in ("--traceback", "--no-color", "--force-color", "--skip-checks"):
        subparser.add_argument(flag, action="store_true", **hidden)
