"""Invoices, their lines and payments, charged to legacy billing accounts."""

from __future__ import annotations

from django.db import models


class Invoice(models.Model):
    """An invoice issued to a billing account (legacy.AccountUser)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        PAID = "paid", "Paid"
        VOID = "void", "Void"
        UNCOLLECTIBLE = "uncollectible", "Uncollectible"

    # PROTECT: invoices are accounting records and must outlive a closed account.
    account = models.ForeignKey(
        "legacy.AccountUser", on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(max_length=32, unique=True)
    issued_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    total_amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-issued_on", "number")
        indexes = (models.Index(fields=["account", "status"], name="billing_inv_acct_status_idx"),)

    def __str__(self) -> str:
        return self.number


class BillingAddress(models.Model):
    """The postal address invoices of one billing account are sent to."""

    account = models.OneToOneField(
        "legacy.AccountUser", on_delete=models.CASCADE, related_name="billing_address"
    )
    line1 = models.CharField(max_length=255)
    line2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=120)
    # 16: UK and Canadian postcodes include a space and letters.
    postcode = models.CharField(max_length=16)
    # ISO 3166-1 alpha-2.
    country = models.CharField(max_length=2, default="DE")

    def __str__(self) -> str:
        return f"{self.line1}, {self.city}"


class InvoiceLine(models.Model):
    """One billed item on an invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="billing_line_quantity_gte_1"
            ),
        )

    def __str__(self) -> str:
        return self.description


class Payment(models.Model):
    """Money received against an invoice."""

    class Method(models.TextChoices):
        CARD = "card", "Card"
        TRANSFER = "transfer", "Bank transfer"
        CASH = "cash", "Cash"
        INSURANCE = "insurance", "Insurance"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    received_at = models.DateTimeField()
    method = models.CharField(max_length=20, choices=Method)

    def __str__(self) -> str:
        return f"{self.amount} for {self.invoice_id}"
