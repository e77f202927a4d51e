"""``remodel swap-user accounts`` then ``remodel absorb accounts.Profile --into accounts.User``
on a copy of the example, on the database REMODEL_DB names.

The proof: the migrations apply, ``makemigrations --check`` is clean, every user holds
its profile's values (users without one the defaults, and their count is reported),
users log in with their old password, the example's code that read the profile runs
after the rewrite, and migrating back before the contract restores the profile table.
"""

from __future__ import annotations

import pytest

from tests.projects import Project

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEFORE = """
import json
from django.contrib.auth import get_user_model
from accounts.models import Profile
User = get_user_model()
user = User.objects.create_user("absorber", "absorber@example.com", "old-pass-123",
                                is_staff=True, first_name="Ab", last_name="Sorber")
Profile.objects.create(user=user, phone="+41 44 000", preferred_language="de-de",
                       job_title="Nurse ", receives_newsletter=True, bio="B")
User.objects.create_user("bare", "bare@example.com", "bare-pass-123")
rows = {
    p.user_id: [p.phone, p.date_of_birth and p.date_of_birth.isoformat(), p.bio,
                p.preferred_language, p.job_title, p.receives_newsletter]
    for p in Profile.objects.all()
}
without = User.objects.filter(profile__isnull=True).count()
print(json.dumps([rows, without, User.objects.count()]))
"""

AFTER = """
import json
from django.contrib.auth import authenticate
from django.test import RequestFactory
from accounts.models import User
from accounts import queries, views
rows = {
    str(u.pk): [u.phone, u.date_of_birth and u.date_of_birth.isoformat(), u.bio,
                u.preferred_language, u.job_title, u.receives_newsletter]
    for u in User.objects.all()
}
absorber = authenticate(username="absorber", password="old-pass-123")
card = queries.contact_card(User.objects.get(username="absorber"))
request = RequestFactory().get("/accounts/me/")
request.user = absorber
me = views.my_profile(request)
print(json.dumps([
    rows,
    absorber is not None and authenticate(username="bare", password="bare-pass-123") is not None,
    card["phone"], card["language"], card["job_title"],
    any(c["username"] == "absorber" for c in queries.staff_directory()),
    [u.username for u in queries.users_speaking("de-de")].count("absorber"),
    "absorber@example.com" in queries.newsletter_recipients(),
    me.status_code, json.loads(me.content).get("phone"),
]))
"""

DEFAULTS = ["", None, "", "en-us", "", False]


def test_absorb_profile_on_the_example(example_project: Project) -> None:
    project = example_project
    copy = project.path
    project.manage("migrate", "--verbosity", "0")
    project.manage("seed_clinic", "--scale", "0.01", "--seed", "2")
    project.manage("remodel", "swap-user", "accounts", "--rewrite-imports", "model")
    project.manage("migrate", "--verbosity", "0")
    profiles, without, users = project.python(BEFORE)  # type: ignore[misc,unused-ignore]
    assert without > 0

    out = project.manage("remodel", "absorb", "accounts.Profile", "--into", "accounts.User")
    assert (
        f"{without:,} accounts.User row(s) have no Profile; they get the fields' defaults." in out
    )
    assert "accounts/queries.py:17: return User.objects.filter(profile__isnull=False)" in out
    assert 'accounts/views.py:32: if not hasattr(user, "profile"):' in out
    assert "clinic/seeding.py:39: from accounts.models import Profile" in out
    queries_py = (copy / "accounts" / "queries.py").read_text()
    assert ".select_related(" not in queries_py
    assert ".filter(preferred_language=language)" in queries_py
    assert "receives_newsletter=True)" in queries_py
    assert "profile = user\n" in queries_py
    views_py = (copy / "accounts" / "views.py").read_text()
    assert "get_object_or_404(User.objects, pk=request.user.pk)" in views_py
    models_py = (copy / "accounts" / "models.py").read_text()
    assert "class Profile" not in models_py
    assert "    phone = models.CharField(max_length=20, blank=True)\n" in models_py
    names = sorted(p.name for p in (copy / "accounts" / "migrations").glob("00*_absorb_*.py"))
    assert names == [
        "0012_absorb_profile_expand.py",
        "0013_absorb_profile_backfill.py",
        "0014_absorb_profile_contract.py",
    ]

    migrated = project.run("migrate").stdout
    assert "Applying accounts.0014_absorb_profile_contract... OK" in migrated
    assert "No changes detected" in project.manage("makemigrations", "--check", "--dry-run")
    # A database migrated from zero has the upgraded one's schema (but for the column order
    # of auth_user on SQLite, whose rebuilds in auth's own history moved a column).
    fresh = project.run("remodel", "schemadiff", "--against-migrations", check=False)
    if project.env["REMODEL_DB"] == "sqlite":
        assert fresh.stdout.count("    - ") <= 1, fresh.stdout
        assert "different order" in fresh.stdout or "No differences." in fresh.stdout
    else:
        assert "No differences." in fresh.stdout, fresh.stdout + fresh.stderr

    # What cannot be rewritten safely is changed by hand, as the listing said.
    (copy / "accounts" / "queries.py").write_text(
        queries_py.replace(".filter(profile__isnull=False)", "")
    )
    (copy / "accounts" / "views.py").write_text(
        views_py.replace('not hasattr(user, "profile")', "not user.is_active")
    )
    rows, logins, phone, language, title, listed, speaking, newsletter, status, mine = (
        project.python(AFTER)  # type: ignore[misc,unused-ignore]
    )
    assert len(rows) == users
    for pk, values in rows.items():
        assert values == profiles.get(pk, DEFAULTS), pk
    assert sum(1 for pk in rows if pk not in profiles) == without
    assert logins is True
    assert (phone, language, title) == ("+41 44 000", "de-de", "Nurse ")
    assert listed is True
    assert speaking == 1
    assert newsletter is True
    assert (status, mine) == (200, "+41 44 000")

    # Back to before the contract: the profile table is there again, with the values.
    back = project.run("migrate", "accounts", "0013").stdout
    assert "Unapplying accounts.0014_absorb_profile_contract... OK" in back
    assert project.rows("SELECT COUNT(*) FROM accounts_profile") == [[users]]
    assert project.rows(
        "SELECT p.phone, p.job_title FROM accounts_profile p JOIN auth_user u "
        "ON u.id = p.user_id WHERE u.username = 'absorber'"
    ) == [["+41 44 000", "Nurse "]]
    again = project.run("migrate").stdout
    assert "Applying accounts.0014_absorb_profile_contract... OK" in again


BADGE = '''


class Badge(models.Model):
    """A badge a profile was awarded."""

    owner = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="badges")
    label = models.CharField(max_length=40)
'''

BADGES = """
import json
from accounts.models import Badge, Profile
Badge.objects.bulk_create([Badge(owner=p, label=str(p.user_id)) for p in Profile.objects.all()])
print(json.dumps(Badge.objects.count()))
"""


def test_keys_to_the_profile_move_to_its_user(example_project: Project) -> None:
    project = example_project
    copy = project.path
    project.manage("migrate", "--verbosity", "0")
    project.manage("seed_clinic", "--scale", "0.01", "--seed", "2")
    project.manage("remodel", "swap-user", "accounts", "--rewrite-imports", "model")
    models_py = copy / "accounts" / "models.py"
    models_py.write_text(models_py.read_text() + BADGE)
    project.manage("makemigrations", "accounts", "--name", "badge")
    project.manage("migrate", "--verbosity", "0")
    badges = project.python(BADGES)
    assert isinstance(badges, int)
    assert badges > 0
    integer = "SIGNED" if project.env["REMODEL_DB"] == "mysql" else "INTEGER"

    out = project.manage("remodel", "absorb", "accounts.Profile", "--into", "accounts.User")
    assert "accounts.Badge.owner -> accounts.User (through owner_user)" in out
    assert f"accounts.Badge.owner rows to repoint: {badges:,}" in out
    assert (
        'owner = models.ForeignKey("User", on_delete=models.CASCADE, related_name="badges")'
        in models_py.read_text()
    )
    project.manage("migrate")
    assert "No changes detected" in project.manage("makemigrations", "--check", "--dry-run")
    # Each badge's owner is now the user whose profile it was awarded to.
    moved = f"SELECT COUNT(*) FROM accounts_badge WHERE CAST(label AS {integer}) = owner_id"
    assert project.rows(moved) == [[badges]]

    project.manage("migrate", "accounts", "0014")
    assert project.rows(
        "SELECT COUNT(*) FROM accounts_badge b JOIN accounts_profile p ON p.id = b.owner_id "
        "WHERE p.user_id = b.owner_user_id"
    ) == [[badges]]
    project.manage("migrate", "accounts", "0012")
    assert project.rows(
        "SELECT COUNT(*) FROM accounts_badge b JOIN accounts_profile p ON p.id = b.owner_id "
        f"WHERE CAST(b.label AS {integer}) = p.user_id"
    ) == [[badges]]
