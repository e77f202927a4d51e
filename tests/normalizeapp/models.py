"""Models half-way through a normalization: the old text column and the new foreign key
side by side, as the expand migration leaves them. Their names need quoting: tables
named like SQL keywords, mixed-case columns."""

from __future__ import annotations

import uuid

from django.db import models


class Location(models.Model):
    """A lookup table whose value column is unique (the story's Location)."""

    name = models.CharField(max_length=40, unique=True)
    # NOT NULL without a database default: the set-based insert must supply it.
    active = models.BooleanField(default=True)

    class Meta:
        db_table = "group"


class Server(models.Model):
    """The story's Server: a free-text location, and the foreign key replacing it."""

    # NULL and '' both occur in the wild; the backfill must tell them apart.
    location_name = models.CharField(  # noqa: DJ001
        max_length=40, null=True, blank=True, db_column="LocationName"
    )
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="servers",
        db_column="LocationId",
    )

    class Meta:
        db_table = "order"


class Site(models.Model):
    """A lookup table whose value column is not unique."""

    name = models.CharField(max_length=40)


class Device(models.Model):
    """A UUID-keyed model with a repeated site name."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site_name = models.CharField(max_length=40, blank=True, default="", db_column="Site Name")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.SET_NULL)
