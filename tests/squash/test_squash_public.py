"""``remodel squash --verify`` on django-allauth, a public project not written for it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.squash_public import make_project as write_public_project
from tests.projects import MakeProject, Project

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def allauth_project(tmp_path: Path, make_project: MakeProject) -> Project:
    pytest.importorskip("allauth", reason="django-allauth is in the 'test' extra")
    return make_project(write_public_project(tmp_path / "public"), "settings")


def test_squash_allauth(allauth_project):
    project = allauth_project
    project.manage("migrate", "--verbosity", "0")
    out = project.manage("remodel", "squash", "--verify", "--no-input")
    assert "  account: 9 -> 1\n" in out
    assert "  socialaccount: 6 -> 1\n" in out
    assert "  mfa: 3 -> 1\n" in out
    assert "  usersessions: 1 -> 1 (kept)\n" in out
    assert "  total: 18 -> 3\n" in out
    assert re.search(
        r"account.0006_emailaddress_lower #1 RunPython\(forwards\): changed nothing", out
    )
    assert "  schemas identical" in out
    assert out.count("schema identical") == 3
    assert "  a database on the whole old history: nothing to apply" in out
    # allauth's own history leaves a change to the models' bases undetected by Django; the
    # squash must not add any.
    assert re.search(r"makemigrations --check: (no changes|the same \d+ changes)", out)
    account = project.migrations("allauth/account")
    assert "0001_squashed_0009_emailaddress_unique_primary_email" in account
    assert len(account) == 10  # the old files are kept
    assert "No migrations to apply." in project.manage("migrate")
