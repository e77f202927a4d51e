from __future__ import annotations

from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandParser, OutputWrapper
from django.core.management.color import Style


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
