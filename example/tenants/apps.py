from __future__ import annotations

from django.apps import AppConfig


class TenantsConfig(AppConfig):
    """Organisations using the alerting feature."""

    name = "tenants"
    verbose_name = "Tenants"
