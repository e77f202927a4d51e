"""Logins: the stock ``auth.User`` plus a one-to-one ``Profile`` for what it lacks."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """Extra facts about a login (``auth.User``) that the stock user has no column for."""

    class Language(models.TextChoices):
        EN_US = "en-us", "English (US)"
        EN_GB = "en-gb", "English (UK)"
        DE_DE = "de-de", "German"
        FR_FR = "fr-fr", "French"
        ES_ES = "es-es", "Spanish"
        IT_IT = "it-it", "Italian"
        NL_NL = "nl-nl", "Dutch"
        PL_PL = "pl-pl", "Polish"
        TR_TR = "tr-tr", "Turkish"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    phone = models.CharField(max_length=20, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    bio = models.TextField(blank=True)
    # Full language tags: the translation service rejects bare "en".
    preferred_language = models.CharField(max_length=16, choices=Language, default=Language.EN_US)
    job_title = models.CharField(max_length=120, blank=True)
    receives_newsletter = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "staff profile"

    def __str__(self) -> str:
        return f"profile of {self.user_id}"
