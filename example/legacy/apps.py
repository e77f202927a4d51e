from __future__ import annotations

from django.apps import AppConfig


class LegacyConfig(AppConfig):
    """The four overlapping people tables that predate any single user model."""

    name = "legacy"
    verbose_name = "Legacy people"
