from __future__ import annotations

from django.apps import AppConfig


class BasesappConfig(AppConfig):
    name = "tests.basesapp"
    label = "basesapp"
    default_auto_field = "django.db.models.BigAutoField"
