from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def test_remodel_requires_a_subcommand():
    with pytest.raises(CommandError, match="subcommand"):
        call_command("remodel")
