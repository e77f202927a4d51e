from __future__ import annotations

from django.apps import AppConfig


class ClinicConfig(AppConfig):
    """The project's own app: the ``seed_clinic`` command and shared helpers."""

    name = "clinic"
    verbose_name = "Clinic"
