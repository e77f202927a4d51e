from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from django_remodel.cli import SUBCOMMANDS

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> str:
    out = StringIO()
    call_command("remodel", *args, stdout=out)
    return out.getvalue()


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT / "example",
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example")]),
            # These commands read no data; on SQLite, no database server is connected to.
            "REMODEL_DB": "sqlite",
            "REMODEL_DB_NAME": ":memory:",
        },
        capture_output=True,
        text=True,
        check=False,
    )


def test_remodel_requires_a_subcommand():
    with pytest.raises(CommandError, match="the following arguments are required: <subcommand>"):
        call_command("remodel")


def test_help_lists_every_subcommand():
    result = manage("remodel", "--help")
    assert result.returncode == 0
    for subcommand in SUBCOMMANDS:
        assert f"    {subcommand.name}" in result.stdout
        assert subcommand.help.split()[0] in result.stdout


def test_unknown_subcommand_is_an_error():
    result = manage("remodel", "frobnicate")
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate'" in result.stderr


def test_audit_help_explains():
    result = manage("remodel", "audit", "--help")
    assert result.returncode == 0
    assert "Without --with-stats the database is not touched." in result.stdout


def test_audit_maps_models_and_relations():
    out = run("audit", "--map", "testapp")
    lines = out.splitlines()
    assert lines[0].startswith("Model map: 9 models in 1 apps,")
    assert "  Person  [testapp_person]  4 columns" in lines
    assert (
        "  Employee  [testapp_employee]  2 columns  (multi-table child of testapp.Person)" in lines
    )
    assert "  PersonProxy  (proxy of testapp.Person)" in lines
    assert "    -> lead -> testapp.Person (foreign key)" in lines
    assert "    -> people -> testapp.Person (many-to-many through testapp.Membership)" in lines
    assert "    <- testapp.Badge.person (one-to-one)" in lines
    assert lines[1] == "Generic foreign keys (may point at any model): testapp.Note.target"
    # Auto-created through tables are not models anyone wrote: they stay out of the map.
    assert "Team_members" not in out


def test_audit_fields():
    out = run("audit", "--map", "testapp", "--fields")
    assert "      email: CharField(254) unique" in out
    assert "      name: CharField(100) default='anonymous'" in out
    assert "      email: CharField(254) unique (in testapp.Person)" in out


def test_audit_first_party_leaves_django_out():
    out = run("audit", "--map", "--first-party")
    assert "\nauth\n" not in out
    assert "\ntestapp\n" in out
    assert "\nauth\n" in run("audit", "--map")


def test_audit_json():
    data = json.loads(run("audit", "--map", "--format", "json"))
    labels = {model["label"] for model in data["models"]}
    assert {"auth.User", "testapp.Person", "testapp.Timestamped"} <= labels
    assert {
        "kind": "generic foreign key",
        "source": "testapp.Note",
        "field": "target",
        "target": None,
        "null": True,
        "on_delete": None,
        "through": None,
        "auto_created_through": False,
    } in data["relations"]


def test_audit_unknown_app():
    with pytest.raises(CommandError) as error:
        run("audit", "--map", "nosuchapp")
    assert str(error.value).startswith(
        "No installed app labelled 'nosuchapp' has models; known apps: "
    )


BARE_SETTINGS = """
SECRET_KEY = "only-for-tests"
INSTALLED_APPS = ["django_remodel"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
"""


def test_a_project_without_auth_or_contenttypes_can_run_remodel(tmp_path, make_project):
    (tmp_path / "bare_settings.py").write_text(BARE_SETTINGS)
    project = make_project(tmp_path, "bare_settings")
    assert "swap-user" in project.manage("remodel", "--help")
    refused = project.run("remodel", "swap-user", "accounts", check=False)
    assert refused.returncode == 1
    assert "django.contrib.auth is not in INSTALLED_APPS" in refused.stderr
