from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class RemodelConfig(AppConfig):
    """The django-remodel app: install it to get ``manage.py remodel`` and its checks."""

    name = "django_remodel"
    verbose_name = "django-remodel"

    def ready(self) -> None:
        from django_remodel.checks import check_model_registry
        from django_remodel.lint.system_check import check_migration_leaves

        checks.register(check_model_registry, checks.Tags.models)
        checks.register(check_migration_leaves)
