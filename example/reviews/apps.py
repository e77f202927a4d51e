from __future__ import annotations

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """Reviews that point at people through a generic foreign key."""

    name = "reviews"
    verbose_name = "Reviews"
