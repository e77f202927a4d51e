"""The swap on a small project of its own, with django-guardian holding user foreign keys.

``members.0001`` (made by ``makemigrations``) creates ``Membership`` with a key to
``teams.Team`` and one to ``guardian.UserObjectPermission``; both apps' migrations
point at the user. Once the user is created in ``members.0001`` those two
dependencies close cycles, which the swap breaks by moving the two fields into
``members.0002``. A second test swaps into an app that does not exist yet: its
first migration is recorded as applied with ``--record-applied``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.projects import Project

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SETTINGS = """
from pathlib import Path

from clinic.databases import database_from_env

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "test-only"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "guardian",
    "django_remodel",
    "teams",
    "members",
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.request",
            ]
        },
    }
]
DATABASES = {"default": database_from_env("club", BASE_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
"""

FILES = {
    "manage.py": """
        import os
        import sys

        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "club.settings")
            from django.core.management import execute_from_command_line

            execute_from_command_line(sys.argv)
    """,
    "club/__init__.py": "",
    "teams/__init__.py": "",
    "teams/migrations/__init__.py": "",
    "teams/models.py": """
        from django.conf import settings
        from django.db import models


        class Team(models.Model):
            name = models.CharField(max_length=80)
            owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    """,
    "members/__init__.py": "",
    "members/migrations/__init__.py": "",
    "members/models.py": """
        from django.conf import settings
        from django.db import models


        class Membership(models.Model):
            user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            team = models.ForeignKey("teams.Team", on_delete=models.CASCADE)
            grant = models.ForeignKey(
                "guardian.UserObjectPermission", null=True, on_delete=models.SET_NULL
            )
    """,
}

SEED = """
import json
from django.contrib.auth.models import User
from guardian.shortcuts import assign_perm
from members.models import Membership
from teams.models import Team
owner = User.objects.create_user("owner", password="owner-pass-1")
team = Team.objects.create(name="red", owner=owner)
grant = assign_perm("teams.change_team", owner, team)
Membership.objects.create(user=owner, team=team, grant=grant)
print(json.dumps(User.objects.count()))
"""

CHECK = """
import json
from django.contrib.auth import authenticate, get_user_model
from guardian.shortcuts import assign_perm, get_perms
from members.models import Membership
from teams.models import Team
user = authenticate(username="owner", password="owner-pass-1")
team = Team.objects.get()
other = get_user_model().objects.create_user("new", password="x-pass-2")
assign_perm("teams.delete_team", other, team)
print(json.dumps([
    type(user)._meta.label,
    Membership.objects.get().grant.user_id == user.pk,
    sorted(get_perms(user, team)),
    sorted(get_perms(other, team)),
]))
"""


def _write_project(root: Path, settings: str = SETTINGS) -> None:
    for name, text in {**FILES, "club/settings.py": settings}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def _club(
    tmp_path: Path, make_project, settings: str = SETTINGS, *, second_migration: bool = True
) -> Project:
    root = tmp_path / "club"
    _write_project(root, settings)
    example = str(Path(__file__).resolve().parents[2] / "example")
    project: Project = make_project(root, "club.settings", [example])
    project.manage("makemigrations", "teams", "members", "--verbosity", "0")
    if not second_migration:
        project.manage("migrate", "--verbosity", "0")
        return project
    (root / "members" / "models.py").write_text(
        (root / "members" / "models.py").read_text()
        + "    joined_on = models.DateField(null=True)\n"
    )
    project.manage("makemigrations", "members", "--name", "joined_on", "--verbosity", "0")
    project.manage("migrate", "--verbosity", "0")
    assert project.python(SEED) == 2  # guardian adds its anonymous user
    return project


def _prove(project: Project, before: str) -> None:
    verified = project.manage("remodel", "swap-user", "--verify")
    assert "FAIL" not in verified, verified
    assert "ok   schema:" in verified
    migrated = project.manage("migrate")
    assert "Applying" not in migrated, migrated
    assert project.schema() == before
    assert "No changes detected" in project.manage("makemigrations", "--check", "--dry-run")
    fresh = project.run("remodel", "schemadiff", "--against-migrations", check=False)
    # Only column order may differ: the fields moved to break the cycle come last now.
    assert fresh.stdout.count("different order") == fresh.stdout.count("    - "), fresh.stdout


def test_cycles_through_a_third_party_app_are_broken(tmp_path: Path, make_project) -> None:
    project = _club(tmp_path, make_project)
    root = project.path
    original = (root / "members" / "migrations" / "0001_initial.py").read_text()
    assert "('teams', '0001_initial')" in original
    assert "guardian" in original
    before = project.schema()

    out = project.manage("remodel", "swap-user", "members")
    assert "cycle through guardian." in out
    assert "cycle through teams.0001_initial: its operations move to members.0002_joined_on" in out
    first = (root / "members" / "migrations" / "0001_initial.py").read_text()
    second = (root / "members" / "migrations" / "0002_joined_on.py").read_text()
    assert "teams" not in first
    assert "guardian" not in first
    assert "name='team'" in second
    assert "name='grant'" in second
    assert "('teams', '0001_initial')" in second
    teams = (root / "teams" / "migrations" / "0001_initial.py").read_text()
    assert "('members', '0001_initial')" in teams

    _prove(project, before)
    result: list[object] = project.python(CHECK)
    label, grant_kept, owner_perms, other_perms = result
    assert label == "members.User"
    assert grant_kept is True
    assert owner_perms == ["change_team"]
    assert other_perms == ["delete_team"]


def test_a_new_app_is_created_and_its_migration_recorded(tmp_path: Path, make_project) -> None:
    project = _club(tmp_path, make_project)
    root = project.path
    before = project.schema()

    out = project.manage("remodel", "swap-user", "accounts")
    assert "in a new app 'accounts'" in out
    assert "--record-applied" in out
    assert '    "accounts",\n]' in (root / "club" / "settings.py").read_text()
    assert (root / "accounts" / "migrations" / "0001_initial.py").exists()

    verified = project.manage("remodel", "swap-user", "--verify", "--no-schema")
    assert "accounts.0001_initial must be recorded as applied" in verified
    # migrate refuses a history whose applied migrations depend on an unapplied one.
    assert project.run("migrate", check=False).returncode != 0
    assert "Recorded accounts.0001_initial as applied." in project.manage(
        "remodel", "swap-user", "--record-applied"
    )
    _prove(project, before)
    result: list[object] = project.python(CHECK)
    label, grant_kept, _owner, _other = result
    assert label == "accounts.User"
    assert grant_kept is True


def test_bad_input_changes_nothing(tmp_path: Path, make_project) -> None:
    project = _club(tmp_path, make_project)
    settings_text = (project.path / "club" / "settings.py").read_text()
    failed = project.run("remodel", "swap-user", "auth", check=False)
    assert failed.returncode != 0
    assert "The user model cannot move into 'auth'" in failed.stderr
    dry = project.manage("remodel", "swap-user", "members", "--dry-run")
    assert "+AUTH_USER_MODEL" in dry
    assert (project.path / "club" / "settings.py").read_text() == settings_text
    project.manage("remodel", "swap-user", "members")
    again = project.run("remodel", "swap-user", "members", check=False)
    assert "AUTH_USER_MODEL is 'members.User' already" in again.stderr


def test_a_cycle_in_an_apps_only_migration_asks_for_a_second_one(
    tmp_path: Path, make_project
) -> None:
    project = _club(tmp_path, make_project, second_migration=False)
    before = {path: path.read_text() for path in sorted(project.path.rglob("*.py"))}
    failed = project.run("remodel", "swap-user", "members", check=False)
    assert failed.returncode != 0
    assert "members.0001_initial is the app's only migration" in failed.stderr
    assert "makemigrations members --empty" in failed.stderr
    assert {path: path.read_text() for path in sorted(project.path.rglob("*.py"))} == before
