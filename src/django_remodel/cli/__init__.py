"""The subcommands of ``manage.py remodel``.

Each subcommand is a small class in a module of its own: it declares its
arguments, calls one library function and prints the result. The management
command in ``management/commands/remodel.py`` only dispatches to them.
"""

from __future__ import annotations

from django_remodel.cli.absorb import AbsorbCommand
from django_remodel.cli.audit import AuditCommand
from django_remodel.cli.base import Subcommand
from django_remodel.cli.detach import DetachCommand
from django_remodel.cli.lint import LintCommand
from django_remodel.cli.merge import MergeCommand
from django_remodel.cli.normalize import NormalizeCommand
from django_remodel.cli.registry import RegistryCommand
from django_remodel.cli.schemadiff import SchemadiffCommand
from django_remodel.cli.squash import SquashCommand
from django_remodel.cli.swap_user import SwapUserCommand

SUBCOMMANDS: tuple[type[Subcommand], ...] = (
    AbsorbCommand,
    AuditCommand,
    DetachCommand,
    LintCommand,
    MergeCommand,
    NormalizeCommand,
    RegistryCommand,
    SchemadiffCommand,
    SquashCommand,
    SwapUserCommand,
)

__all__ = ["SUBCOMMANDS", "Subcommand"]
