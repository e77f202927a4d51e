from __future__ import annotations

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    """Portal messages and threads."""

    name = "messaging"
    verbose_name = "Messaging"
