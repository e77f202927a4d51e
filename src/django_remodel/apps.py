from __future__ import annotations

from django.apps import AppConfig


class RemodelConfig(AppConfig):
    """The django-remodel app: install it to get ``manage.py remodel``."""

    name = "django_remodel"
    verbose_name = "django-remodel"
