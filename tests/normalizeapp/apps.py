from __future__ import annotations

from django.apps import AppConfig


class NormalizeappConfig(AppConfig):
    name = "tests.normalizeapp"
    label = "normalizeapp"
    default_auto_field = "django.db.models.BigAutoField"
