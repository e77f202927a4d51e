"""``migrate``, whose check for unmigrated model changes also sees changed model bases,
and which shows the progress of long data moves under the migration that runs them."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import migrate
from django.db.migrations.migration import Migration

from django_remodel.autodetector import RemodelAutodetector
from django_remodel.progress import ProgressEcho, progress_shown


class Command(migrate.Command):
    autodetector = RemodelAutodetector
    progress: ProgressEcho | None = None

    def handle(self, *args: Any, **options: Any) -> None:
        with progress_shown(self.stdout, options["verbosity"]) as self.progress:
            super().handle(*args, **options)

    def migration_progress_callback(
        self, action: str, migration: Migration | None = None, fake: bool = False
    ) -> None:
        done = action in ("apply_success", "unapply_success")
        if done and self.progress is not None and self.progress.shown:
            # Django appends " OK" to the "Applying ..." line; after progress lines it
            # goes on a line of its own, under them.
            self.stdout.write("\n   ", ending="")
            self.progress.shown = False
        super().migration_progress_callback(action, migration, fake)
