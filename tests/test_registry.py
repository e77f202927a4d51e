from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from io import StringIO
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_remodel.checks import check_model_registry
from django_remodel.graph import ModelGraph
from django_remodel.registry import (
    PURPOSE_TODO,
    RegistryError,
    check_registry,
    load_registry,
    write_registry,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def registry_file(tmp_path):
    path = tmp_path / "model-registry.toml"
    write_registry(ModelGraph.build(), path)
    return path


def drop_entry(path: Path, label: str) -> None:
    """Make ``label`` a model the registry has not seen yet."""
    text = path.read_text()
    start = text.index(f'[models."{label}"]')
    end = text.find("\n[models.", start + 1)
    path.write_text(text[:start] + (text[end + 1 :] if end != -1 else ""))


def remodel(*args: str) -> str:
    out = StringIO()
    call_command("remodel", *args, stdout=out, no_color=True)
    return out.getvalue()


def test_write_lists_every_project_model_with_its_purpose(registry_file):
    data = tomllib.loads(registry_file.read_text())["models"]
    assert "testapp.Person" in data
    assert "auth.User" in data  # the user model belongs in the registry
    assert "auth.Group" not in data  # other models of packages do not
    assert "testapp.Timestamped" not in data  # abstract
    assert data["testapp.Person"] == {
        "purpose": "Someone the tests know.",
        "app": "testapp",
        "table": "testapp_person",
        "fields": ["id", "created_at", "email", "name"],
    }
    assert data["testapp.Badge"]["purpose"] == PURPOSE_TODO
    assert data["legacy.AppUser"]["purpose"].startswith("A patient account")


def test_write_keeps_what_people_wrote(registry_file):
    text = registry_file.read_text().replace(
        f'[models."testapp.Badge"]\npurpose = "{PURPOSE_TODO}"',
        '[models."testapp.Badge"]\npurpose = "A badge at the door."\nowner = "front desk"',
    )
    registry_file.write_text(text.replace('[models."server.Server"]', '[models."old.Gone"]'))
    result = write_registry(ModelGraph.build(), registry_file)
    assert result.added == ("server.Server",)
    assert result.removed == ("old.Gone",)
    badge = load_registry(registry_file).entries["testapp.Badge"]
    assert (badge.purpose, badge.extra) == ("A badge at the door.", {"owner": "front desk"})


def test_check_passes_when_every_model_is_registered(registry_file):
    assert check_registry(ModelGraph.build(), load_registry(registry_file)) == []
    assert remodel("registry", "--check", "--file", str(registry_file)).startswith("All ")


def test_unregistered_model(registry_file):
    drop_entry(registry_file, "server.Server")
    (problem,) = check_registry(ModelGraph.build(), load_registry(registry_file))
    assert (problem.label, problem.duplicates, problem.twins) == ("server.Server", None, ())
    with pytest.raises(CommandError) as error:
        remodel("registry", "--check", "--file", str(registry_file))
    assert error.value.returncode == 1
    assert str(error.value) == (
        f"1 model not in the registry {str(registry_file)!r}. Reuse the registered model, "
        "or add the new one with 'python manage.py remodel registry --write'."
    )


def test_unregistered_duplicate_names_its_registered_twins(registry_file):
    drop_entry(registry_file, "legacy.CustomerUser")
    (problem,) = check_registry(ModelGraph.build(), load_registry(registry_file))
    assert problem.label == "legacy.CustomerUser"
    # testapp.Person (unique email, name) is a person too, and the detector says so.
    assert problem.twins == (
        "auth.User",
        "legacy.AccountUser",
        "legacy.AppUser",
        "legacy.UserProfile",
        "testapp.Person",
    )
    assert problem.duplicates is not None
    assert problem.duplicates.key == "email"


def test_silenced_models_are_not_checked(registry_file):
    drop_entry(registry_file, "server.Server")
    registry = load_registry(registry_file)
    assert check_registry(ModelGraph.build(), registry, silenced=frozenset({"server.server"})) == []


def test_system_checks(registry_file):
    drop_entry(registry_file, "server.Server")
    drop_entry(registry_file, "legacy.UserProfile")
    with override_settings(REMODEL_REGISTRY_FILE=registry_file):
        messages = check_model_registry()
        assert [(m.id, m.obj._meta.label) for m in messages] == [
            ("remodel.W002", "legacy.UserProfile"),
            ("remodel.W001", "server.Server"),
        ]
        assert all(isinstance(m, checks.Warning) for m in messages)
        assert messages[1].msg == (
            f"Model 'server.Server' ({ROOT / 'example' / 'server' / 'models.py'}) "
            f"is not in the model registry {str(registry_file)!r}."
        )
        assert messages[1].hint == (
            "Check that no registered model stores the same thing, then add it with "
            "'python manage.py remodel registry --write'; or silence it with "
            "REMODEL_REGISTRY_SILENCED = ['server.Server']."
        )
        assert messages[0].msg.startswith(
            "Model 'legacy.UserProfile' "
            f"({ROOT / 'example' / 'legacy' / 'models.py'}) is not in the model registry "
            "and looks like a duplicate of registered models auth.User, legacy.AccountUser, "
            "legacy.AppUser, legacy.CustomerUser, testapp.Person (confidence "
        )
        with override_settings(REMODEL_REGISTRY_SILENCED=["server.Server"]):
            assert [m.id for m in check_model_registry()] == ["remodel.W002"]
        # Registered in the file: the checks are quiet again.
        write_registry(ModelGraph.build(), registry_file)
        assert check_model_registry() == []


def test_no_registry_file_means_no_checks(tmp_path):
    with override_settings(REMODEL_REGISTRY_FILE=tmp_path / "absent.toml"):
        assert check_model_registry() == []


def test_check_without_a_registry_says_how_to_make_one(tmp_path):
    with pytest.raises(CommandError) as error:
        remodel("registry", "--check", "--file", str(tmp_path / "absent.toml"))
    assert str(error.value) == (
        f"No model registry at {str(tmp_path / 'absent.toml')!r}. "
        "Create it with 'python manage.py remodel registry --write'."
    )


def test_malformed_registry(tmp_path):
    path = tmp_path / "model-registry.toml"
    path.write_text("[models\n")
    with pytest.raises(RegistryError, match="is not valid TOML"):
        load_registry(path)


def test_write_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "model-registry.toml"
    out = remodel("registry", "--write", "--dry-run", "--file", str(path))
    assert out.startswith(f"Would write {path}: ")
    assert not path.exists()


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example")])}
    # These commands read no data; on SQLite, no database server is connected to.
    env.update(REMODEL_DB="sqlite", REMODEL_DB_NAME=":memory:")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT / "example",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_example_registry_is_current():
    result = manage("remodel", "registry", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    result = manage("check")
    assert result.returncode == 0
    assert "System check identified no issues" in result.stdout


def test_adding_a_patient_user_to_the_example_is_caught():
    """The next AppUser: a developer adds PatientUser(email, name, pw) without looking."""
    result = manage("check", "--settings", "tests.settings_patient")
    assert result.returncode == 0  # a warning, not an error
    assert (
        "patientapp.PatientUser: (remodel.W002) Model 'patientapp.PatientUser' "
        f"({ROOT / 'tests' / 'patientapp' / 'models.py'}) is not in the model registry "
        "and looks like a duplicate of registered models auth.User, legacy.AccountUser, "
        "legacy.AppUser, legacy.CustomerUser, legacy.UserProfile (confidence "
    ) in result.stderr

    result = manage("remodel", "registry", "--check", "--settings", "tests.settings_patient")
    assert result.returncode == 1
    assert result.stdout.startswith(
        "patientapp.PatientUser: not in the registry, and duplicates registered auth.User, "
        "legacy.AccountUser, legacy.AppUser, legacy.CustomerUser, legacy.UserProfile "
    )
    assert "1 of them duplicating registered models" in result.stderr


def test_keys_and_dates_people_add_survive_a_rewrite(registry_file):
    text = registry_file.read_text().replace(
        '[models."testapp.Badge"]\n',
        '[models."testapp.Badge"]\n"owner team" = "front desk"\nreviewed = 2026-11-01\n',
    )
    registry_file.write_text(text)
    write_registry(ModelGraph.build(), registry_file)
    badge = load_registry(registry_file).entries["testapp.Badge"]
    assert badge.extra["owner team"] == "front desk"
    assert str(badge.extra["reviewed"]) == "2026-11-01"


def test_fields_must_be_a_list_of_names(tmp_path):
    path = tmp_path / "model-registry.toml"
    path.write_text('[models."testapp.Badge"]\nfields = 5\n')
    with pytest.raises(RegistryError) as error:
        load_registry(path)
    assert str(error.value) == (
        f"Entry 'testapp.Badge' of the model registry {str(path)!r} has 'fields' that is not "
        'a list of field names; write it as fields = ["id", "name"].'
    )


def test_unreadable_registry(tmp_path):
    with pytest.raises(RegistryError) as error:
        load_registry(tmp_path)  # a directory
    assert str(error.value).startswith(f"Cannot read the model registry {str(tmp_path)!r}: ")


def test_unwritable_registry(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(RegistryError, match="Cannot write the model registry"):
        write_registry(ModelGraph.build(), blocker / "model-registry.toml")


def test_a_broken_registry_is_a_check_error_not_a_crash(tmp_path):
    path = tmp_path / "model-registry.toml"
    path.write_text("[models\n")
    with override_settings(REMODEL_REGISTRY_FILE=path):
        (message,) = check_model_registry()
    assert message.id == "remodel.E001"
    assert isinstance(message, checks.Error)
    assert "is not valid TOML" in message.msg
