"""Alert rules per tenant, modelled with multi-table inheritance."""

from __future__ import annotations

from django.db import models


class Criteria(models.Model):
    """Base rule deciding who is alerted about a tenant's data; parent table of both rule kinds."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE)
    enabled = models.BooleanField(default=True)
    name = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "criteria"

    def __str__(self) -> str:
        return self.name or f"criteria {self.pk}"


class MaintainerCriteria(Criteria):
    """Rule for maintainers, keyed on how many reviews they did."""

    # Spelled out (instead of the implicit criteria_ptr) to get a readable reverse name.
    criteria = models.OneToOneField(
        Criteria, on_delete=models.CASCADE, parent_link=True, related_name="maintainer_criteria"
    )
    reviews_greater_than = models.IntegerField()
    reviews_less_than = models.IntegerField(
        null=True, blank=True, help_text="Leave empty for no upper bound."
    )


class ContributorCriteria(Criteria):
    """Rule for contributors, keyed on how many commits they made."""

    commits_greater_than = models.IntegerField()
    commits_less_than = models.IntegerField()
    # Commits are counted over this many trailing days.
    window_days = models.PositiveSmallIntegerField(default=30)


class Alert(models.Model):
    """One firing of a criteria rule."""

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    criteria = models.ForeignKey(Criteria, on_delete=models.CASCADE, related_name="alerts")
    triggered_at = models.DateTimeField()
    message = models.CharField(max_length=255)
    severity = models.CharField(max_length=10, choices=Severity, default=Severity.INFO)
    acknowledged = models.BooleanField(default=False)

    class Meta:
        indexes = (models.Index(fields=["triggered_at"], name="alerts_alert_triggered_idx"),)

    def __str__(self) -> str:
        return self.message
