from __future__ import annotations

from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    """Appointments, clinician shifts, care programmes and the waiting list."""

    name = "scheduling"
    verbose_name = "Scheduling"
