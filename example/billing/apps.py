from __future__ import annotations

from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Invoices, invoice lines, payments and billing addresses."""

    name = "billing"
    verbose_name = "Billing"
