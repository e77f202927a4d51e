from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Logins: ``auth.User`` with a one-to-one ``Profile``, and the code that reads both."""

    name = "accounts"
    verbose_name = "Accounts"
