"""The system check ``remodel.W010``: an app with more than one leaf migration.

``manage.py check`` (and so ``runserver``, and CI with ``check
--fail-level WARNING``) reports a forked history before ``migrate`` refuses it
at deploy time. Only migration files are read. A warning, not an error, so
that it does not stop ``makemigrations --merge``, which resolves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db.migrations.loader import MigrationLoader


def check_migration_leaves(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    wanted = {config.label for config in app_configs} if app_configs else None
    messages: list[checks.CheckMessage] = []
    for app_label, leaves in sorted(loader.detect_conflicts().items()):
        if wanted is not None and app_label not in wanted:
            continue
        messages.append(
            checks.Warning(
                f"App {app_label!r} has {len(leaves)} leaf migrations "
                f"({', '.join(repr(leaf) for leaf in sorted(leaves))}): two branches added "
                "migrations, and migrate will refuse to run.",
                hint=(
                    f"Run 'python manage.py remodel lint --fix-leaves {app_label}' to renumber "
                    "the newer branch after the older one, or merge them with "
                    f"'python manage.py makemigrations --merge {app_label}'."
                ),
                id="remodel.W010",
            )
        )
    return messages
