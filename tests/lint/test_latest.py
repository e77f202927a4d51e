from __future__ import annotations

import pytest

from django_remodel.errors import MigrationHistoryError
from django_remodel.lint.history import load_history
from django_remodel.lint.latest import check_latest, write_latest

from .conftest import migration

INITIAL = [("testapp", "0001_initial")]
ADD_NICK = "migrations.AddField('person', 'nick', models.CharField(max_length=20, default='')),"


def test_a_missing_file_is_reported(tree):
    directory = tree({})
    [finding] = check_latest(load_history(["testapp"], using=None), forked=set())
    assert (finding.code, finding.severity, finding.path) == (
        "remodel.L002",
        "warning",
        directory / "max_migration.txt",
    )
    assert finding.message == (
        "App 'testapp' has no max_migration.txt naming its latest migration '0001_initial'; "
        "without it two branches that add migrations merge cleanly in git and fail at migrate."
    )
    assert finding.hint == (
        "Run 'python manage.py remodel lint --write-latest testapp' and commit it."
    )


def test_a_stale_file_is_reported(tree):
    directory = tree({"0002_nick.py": migration(INITIAL, ADD_NICK)})
    (directory / "max_migration.txt").write_text("0001_initial\n")
    [finding] = check_latest(load_history(["testapp"], using=None), forked=set())
    assert (finding.code, finding.line) == ("remodel.L003", 1)
    assert finding.message == (
        "max_migration.txt of 'testapp' names '0001_initial', but its latest migration is "
        "'0002_nick'."
    )


def test_conflict_markers_are_reported(tree):
    directory = tree({})
    (directory / "max_migration.txt").write_text(
        "<<<<<<< HEAD\n0001_initial\n=======\n0002_x\n>>>>>>> b\n"
    )
    [finding] = check_latest(load_history(["testapp"], using=None), forked=set())
    assert finding.code == "remodel.L003"
    assert finding.message == (
        "max_migration.txt of 'testapp' has git conflict markers ('0001_initial', '0002_x'): "
        "two branches added migrations."
    )


def test_a_current_file_is_fine(tree):
    directory = tree({})
    (directory / "max_migration.txt").write_text("0001_initial\n")
    assert check_latest(load_history(["testapp"], using=None), forked=set()) == []


def test_write_latest_writes_and_updates(tree):
    directory = tree({"0002_nick.py": migration(INITIAL, ADD_NICK)})
    [dry] = write_latest(load_history(["testapp"], using=None), dry_run=True)
    assert (dry.old, dry.new, dry.changed) == (None, "0002_nick", True)
    assert not (directory / "max_migration.txt").exists()
    write_latest(load_history(["testapp"], using=None))
    assert (directory / "max_migration.txt").read_text() == "0002_nick\n"
    [again] = write_latest(load_history(["testapp"], using=None))
    assert not again.changed


def test_write_latest_refuses_a_forked_app(tree):
    directory = tree(
        {"0002_nick.py": migration(INITIAL, ADD_NICK), "0002_city.py": migration(INITIAL, "")}
    )
    with pytest.raises(MigrationHistoryError) as error:
        write_latest(load_history(["testapp"], using=None))
    assert str(error.value) == (
        "Cannot record the latest migration of an app with several leaves ('testapp': "
        "'0002_city', '0002_nick'). Make the history linear first with "
        "'python manage.py remodel lint --fix-leaves'."
    )
    assert not (directory / "max_migration.txt").exists()
