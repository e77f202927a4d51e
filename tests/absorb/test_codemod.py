"""Golden tests of ``remodel absorb``'s source edits: exact text before and after."""

from __future__ import annotations

import ast

import pytest

from django_remodel.codemod.absorb import (
    Unsafe,
    move_fields,
    repoint_field,
    rewrite_template,
    rewrite_usages,
)
from django_remodel.codemod.errors import CodemodError

FIELDS = ("phone", "preferred_language", "receives_newsletter")


def rewrite(before: str) -> tuple[str, list[Unsafe]]:
    after, unsafe = rewrite_usages(before, accessor="profile", fields=FIELDS, model="Profile")
    ast.parse(after)
    return after, unsafe


def test_reads_through_the_profile_read_the_user() -> None:
    after, unsafe = rewrite(
        "def card(user):\n"
        "    user.profile.phone = user.profile.phone.strip()\n"
        "    return request.user.profile.preferred_language\n"
    )
    assert after == (
        "def card(user):\n"
        "    user.phone = user.phone.strip()\n"
        "    return request.user.preferred_language\n"
    )
    assert unsafe == []


def test_select_related_and_lookups_drop_the_profile() -> None:
    after, unsafe = rewrite(
        "qs = User.objects.select_related('profile').filter(profile__phone__startswith='+41')\n"
        'qs = qs.select_related("profile", "manager").order_by("-profile__phone")\n'
        'qs = qs.values("profile__receives_newsletter").exclude(profile__bio="")\n'
    )
    assert after == (
        "qs = User.objects.filter(phone__startswith='+41')\n"
        'qs = qs.select_related("manager").order_by("-phone")\n'
        'qs = qs.values("receives_newsletter").exclude(profile__bio="")\n'
    )
    assert unsafe == [Unsafe(3, 'qs = qs.values("receives_newsletter").exclude(profile__bio="")')]


def test_an_alias_of_the_profile_becomes_the_user_only_when_it_only_reads_fields() -> None:
    after, unsafe = rewrite(
        "def card(user):\n"
        "    profile = user.profile\n"
        "    return [profile.phone, profile.receives_newsletter]\n"
        "\n"
        "def other(user):\n"
        "    profile = user.profile\n"
        "    return profile.pk\n"
    )
    assert after == (
        "def card(user):\n"
        "    profile = user\n"
        "    return [profile.phone, profile.receives_newsletter]\n"
        "\n"
        "def other(user):\n"
        "    profile = user.profile\n"
        "    return profile.pk\n"
    )
    assert unsafe == [Unsafe(6, "profile = user.profile")]


def test_what_cannot_be_rewritten_is_listed_with_its_line() -> None:
    before = (
        "from accounts.models import Profile\n"
        "\n"
        "def f(u):\n"
        "    if not hasattr(u, 'profile'):\n"
        "        return Profile.objects.get(user=u)\n"
        "    return User.objects.filter(profile__isnull=False)\n"
    )
    after, unsafe = rewrite(before)
    assert after == before
    assert [u.line for u in unsafe] == [1, 4, 5, 6]
    assert unsafe[2] == Unsafe(5, "return Profile.objects.get(user=u)")


def test_templates() -> None:
    after, unsafe = rewrite_template(
        "<p>{{ user.profile.phone }}</p>\n{% if user.profile %}x{% endif %}\n",
        accessor="profile",
        fields=FIELDS,
    )
    assert after == "<p>{{ user.phone }}</p>\n{% if user.profile %}x{% endif %}\n"
    assert unsafe == [Unsafe(2, "{% if user.profile %}x{% endif %}")]


MODELS = '''from django.db import models


class User(AbstractUser):
    """A login."""

    objects = UserManager()

    class Meta:
        db_table = "auth_user"


class Profile(models.Model):
    class Language(models.TextChoices):
        EN = "en-us", "English"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    phone = models.CharField(max_length=20, blank=True)
    preferred_language = models.CharField(
        max_length=16, choices=Language, default=Language.EN
    )

    class Meta:
        verbose_name = "staff profile"

    def __str__(self) -> str:
        return "p"


class Badge(models.Model):
    owner = models.ForeignKey(Profile, on_delete=models.CASCADE)
'''


def test_move_fields_into_the_target_and_delete_the_profile() -> None:
    after, dropped = move_fields(
        MODELS, profile="Profile", target="User", fields=("phone", "preferred_language")
    )
    after = repoint_field(after, model_name="Badge", field_name="owner", to="User")
    assert (
        after
        == '''from django.db import models


class User(AbstractUser):
    """A login."""

    class Language(models.TextChoices):
        EN = "en-us", "English"

    objects = UserManager()

    phone = models.CharField(max_length=20, blank=True)
    preferred_language = models.CharField(
        max_length=16, choices=Language, default=Language.EN
    )

    class Meta:
        db_table = "auth_user"


class Badge(models.Model):
    owner = models.ForeignKey("User", on_delete=models.CASCADE)
'''
    )
    assert dropped == ["verbose_name"]


def test_move_fields_refuses_what_it_cannot_find() -> None:
    with pytest.raises(CodemodError, match=r"Cannot find the lines of 'Profile\.bio'"):
        move_fields(MODELS, profile="Profile", target="User", fields=("phone", "bio"))
    with pytest.raises(CodemodError, match=r"Cannot find the target of 'Badge\.nope'"):
        repoint_field(MODELS, model_name="Badge", field_name="nope", to="User")
