from __future__ import annotations

from django.apps import AppConfig


class ServerConfig(AppConfig):
    """The server inventory with its free-text location column."""

    name = "server"
    verbose_name = "Servers"
