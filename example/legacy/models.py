"""Four tables that each grew their own idea of "a person".

The booking app, the customer portal, the community profiles and the billing
integration were written at different times by different people; each one
keeps the same humans under its own email column. None of them is the login
model: staff sign in through ``auth.User``.
"""

from __future__ import annotations

from django.db import models


class AppUser(models.Model):
    """A patient account from the mobile booking app; appointments point here."""

    # NULL rather than "": unique columns accept many NULLs but only one empty string.
    email = models.EmailField(
        unique=True, null=True, blank=True, help_text="Empty for phone-only sign-ups."
    )
    username = models.CharField(max_length=150)
    password = models.CharField(max_length=128)
    # 32 characters: international numbers with extensions did not fit in 20.
    phone = models.CharField(max_length=32, blank=True)
    is_active = models.BooleanField(default=True)
    last_login_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "app user"
        ordering = ("-created_at",)
        indexes = (
            # Sign-up reports scan by date.
            models.Index(fields=["created_at"], name="legacy_appuser_created_idx"),
        )

    def __str__(self) -> str:
        return self.email or self.username


class CustomerUser(models.Model):
    """A customer of the web portal; portal messages and threads belong to these."""

    email_address = models.EmailField(unique=True, null=True, blank=True)
    full_name = models.CharField(max_length=255)
    password_hash = models.CharField(max_length=255)
    phone = models.CharField(max_length=32, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    marketing_opt_in = models.BooleanField(default=False)
    registration_date = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "customer"
        ordering = ("id",)

    def __str__(self) -> str:
        return self.full_name


class UserProfile(models.Model):
    """A public community profile (display name, avatar, bio); reviews are written by these."""

    user_email = models.EmailField(
        unique=True, null=True, blank=True, help_text="Copied from the signup; not verified."
    )
    display_name = models.CharField(max_length=255)
    bio = models.TextField(blank=True)
    avatar_url = models.URLField(blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.display_name


class AccountUser(models.Model):
    """A billing account holder, mirrored from the payment provider; invoices point here."""

    class SubscriptionStatus(models.TextChoices):
        FREE = "free", "Free"
        TRIAL = "trial", "Trial"
        BASIC = "basic", "Basic"
        PREMIUM = "premium", "Premium"
        CANCELLED = "cancelled", "Cancelled"

    account_email = models.EmailField(unique=True)
    account_name = models.CharField(max_length=255)
    encrypted_password = models.CharField(max_length=255)
    phone = models.CharField(max_length=32, blank=True)
    # Indexed: the provider's webhooks look accounts up by this id.
    stripe_customer_id = models.CharField(
        max_length=255, blank=True, db_index=True, help_text="cus_... id at the payment provider."
    )
    subscription_status = models.CharField(
        max_length=50, choices=SubscriptionStatus, default=SubscriptionStatus.FREE
    )
    plan_renews_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    signup_timestamp = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=models.Q(
                    subscription_status__in=["free", "trial", "basic", "premium", "cancelled"]
                ),
                name="legacy_accountuser_status_valid",
            ),
        )

    def __str__(self) -> str:
        return self.account_name
