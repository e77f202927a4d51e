from __future__ import annotations

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Alert criteria (multi-table inheritance) and fired alerts."""

    name = "alerts"
    verbose_name = "Alerts"
