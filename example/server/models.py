"""The clinic's server inventory."""

from __future__ import annotations

from django.db import models


class Server(models.Model):
    """A machine in the clinic's server rooms, with where it physically sits."""

    class OperatingSystem(models.TextChoices):
        LINUX = "linux", "Linux"
        WINDOWS = "windows", "Windows"
        BSD = "bsd", "BSD"
        OTHER = "other", "Other"

    hostname = models.CharField(max_length=255, unique=True)
    # Free text typed by whoever racked the machine, e.g. "FLOOR-3".
    location_name = models.CharField(max_length=16)
    rack = models.CharField(max_length=8, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    os = models.CharField(max_length=16, choices=OperatingSystem, default=OperatingSystem.LINUX)
    commissioned_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        indexes = (models.Index(fields=["location_name"], name="server_location_name_idx"),)
        ordering = ("hostname",)

    def __str__(self) -> str:
        return self.hostname
