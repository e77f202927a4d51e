"""Organisations that use the alerting feature."""

from __future__ import annotations

from django.db import models


class Tenant(models.Model):
    """An organisation whose staff receive alerts."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name
