"""How long each app's migration history is, read from the migration files."""

from __future__ import annotations

from collections import Counter

from django.db.migrations.loader import MigrationLoader

from django_remodel.graph import ModelGraph


def migration_counts(graph: ModelGraph) -> dict[str, int]:
    """Number of migration files per first-party app that has any; no database is read."""
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    first_party = {node.app_label for node in graph if node.first_party}
    counts = Counter(app_label for app_label, _name in loader.disk_migrations)
    return {app: counts[app] for app in sorted(first_party) if counts[app]}
