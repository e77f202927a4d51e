"""Reads of staff logins together with their profile.

Everything here goes through ``user.profile`` and ``select_related("profile")``:
the join is what keeps the staff directory at one query.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet


def users_with_profiles() -> QuerySet[User]:
    """Logins that have a profile, with the profile joined in."""
    return User.objects.select_related("profile").filter(profile__isnull=False)


def staff_directory() -> list[dict[str, Any]]:
    """Contact cards of active staff, alphabetically (one query)."""
    staff = users_with_profiles().filter(is_staff=True, is_active=True)
    return [contact_card(user) for user in staff.order_by("last_name", "first_name", "pk")]


def users_speaking(language: str) -> QuerySet[User]:
    """Logins whose profile prefers ``language`` (a tag such as ``"de-de"``)."""
    return users_with_profiles().filter(profile__preferred_language=language)


def newsletter_recipients() -> list[str]:
    """Email addresses of active logins that opted in to the newsletter."""
    users = users_with_profiles().filter(is_active=True, profile__receives_newsletter=True)
    return [user.email.strip() for user in users.order_by("pk") if user.email.strip()]


def contact_card(user: User) -> dict[str, Any]:
    """What the staff directory shows for one login; needs ``user.profile``."""
    profile = user.profile
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "email": user.email.strip(),
        "job_title": profile.job_title,
        "phone": profile.phone,
        "language": profile.preferred_language,
        "date_of_birth": profile.date_of_birth.isoformat() if profile.date_of_birth else None,
    }
