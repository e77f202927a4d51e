from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from django_remodel.graph import ModelGraph
from django_remodel.operations.batching import DEFAULT_BATCH_SECONDS
from django_remodel.plans.normalize import DEFAULT_BATCH_SIZE, build_plan
from django_remodel.refactor import normalize
from tests.conftest import require_servers

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "example" / "server"


def remodel(*args: str) -> str:
    out = StringIO()
    call_command("remodel", "normalize", *args, stdout=out, no_color=True)
    return out.getvalue()


def snapshot() -> dict[Path, str]:
    return {path: path.read_text() for path in sorted(SERVER.rglob("*.py"))}


@pytest.mark.django_db(transaction=True)  # sqlmigrate-like SQL needs no open transaction
def test_dry_run_shows_everything_and_writes_nothing():
    before = snapshot()
    out = remodel("server.Server.location_name", "--into", "server.Location.name", "--dry-run")
    assert snapshot() == before
    assert "Would write migrations:" in out
    assert "0011_location_server_location.py" in out
    assert "0013_remove_server_location_name.py" in out
    assert "+class Location(models.Model):" in out
    assert "-    location_name = models.CharField(max_length=16)" in out
    assert "django_remodel.operations.NormalizeColumn(" in out
    sql = out.split("SQL of 0012_normalize_server_location_name on ", 1)[1].split("SQL of 0013")[0]
    assert sql.count("INSERT INTO") == 1  # the distinct values, one statement
    assert sql.count("UPDATE") == 1  # the key, one join update


@pytest.mark.django_db(transaction=True)  # sqlmigrate-like SQL needs no open transaction
def test_plan_out_then_plan(tmp_path):
    plan_file = tmp_path / "plan.toml"
    out = remodel(
        "server.Server.location_name",
        "--into",
        "server.Location.name",
        "--batch-size",
        "5000",
        "--plan-out",
        str(plan_file),
    )
    assert out.startswith(f"Wrote the plan to {plan_file}")
    assert 'source_field = "location_name"' in plan_file.read_text()
    out = remodel("--plan", str(plan_file), "--dry-run")
    assert "backfill in batches of 5,000 rows when there are more" in out


@pytest.mark.parametrize(
    ("options", "batch_size", "atomic"),
    [({}, DEFAULT_BATCH_SIZE, False), ({"batch_size": 0}, None, True)],
)
def test_backfill_batches_big_tables_unless_told_not_to(options, batch_size, atomic):
    plan = build_plan(
        ModelGraph.build(),
        "server.Server.location_name",
        "server.Location.name",
        drop_indexes=("server_location_name_idx",),
        **options,
    )
    _, backfill, _ = normalize.prepare(plan).migrations
    assert ("atomic = False" not in backfill.text) is atomic
    if batch_size is None:
        assert "batch_size" not in backfill.text
    else:
        assert f"batch_size={batch_size}" in backfill.text


@pytest.mark.parametrize(
    ("options", "written"),
    [
        ({}, f"batch_seconds={DEFAULT_BATCH_SECONDS!r}"),
        ({"batch_seconds": 0.25}, "batch_seconds=0.25"),
        ({"batch_seconds": 0}, None),  # fixed ranges of batch_size rows
        ({"batch_size": 0}, None),  # one pass: no batches to size
    ],
)
def test_backfill_batches_are_sized_by_time_unless_told_not_to(options, written):
    plan = build_plan(
        ModelGraph.build(),
        "server.Server.location_name",
        "server.Location.name",
        drop_indexes=("server_location_name_idx",),
        **options,
    )
    _, backfill, _ = normalize.prepare(plan).migrations
    if written is None:
        assert "batch_seconds" not in backfill.text
    else:
        assert written in backfill.text


def test_a_negative_batch_seconds_is_refused():
    with pytest.raises(CommandError, match=r"--batch-seconds -1\.0 is not a duration"):
        remodel(
            "server.Server.location_name", "--into", "server.Location.name", "--batch-seconds=-1"
        )


def test_a_negative_batch_size_is_refused():
    with pytest.raises(CommandError, match="--batch-size -5 is negative"):
        remodel("server.Server.location_name", "--into", "server.Location.name", "--batch-size=-5")


def test_batched_backfill_migration_is_not_atomic():
    plan = build_plan(
        ModelGraph.build(),
        "server.Server.location_name",
        "server.Location.name",
        batch_size=1000,
        drop_indexes=("server_location_name_idx",),
    )
    changes = normalize.prepare(plan)
    expand, backfill, contract = changes.migrations
    assert "atomic = False" in backfill.text
    assert "atomic = False" not in expand.text + contract.text
    assert "batch_size=1000" in backfill.text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("server.Server.location_name",),
            "Name the column and its target: remodel normalize app.Model.field --into "
            "app.Target.field (or --plan FILE).",
        ),
        (
            ("server.Server.nope", "--into", "server.Location.name"),
            "Model 'server.Server' has no field 'nope'.",
        ),
        (
            ("server.Server.hostname", "--into", "server.Host.name"),
            "server.Server.hostname is unique",
        ),
    ],
)
def test_bad_input_changes_nothing(args, message):
    before = snapshot()
    with pytest.raises(CommandError) as error:
        remodel(*args)
    assert str(error.value).startswith(message)
    assert snapshot() == before


def _dry_run_everywhere(**environment: str) -> str:
    env = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example")]),
        "REMODEL_DB": "sqlite",
        **environment,
    }
    result = subprocess.run(
        [
            *(sys.executable, "-m", "django", "remodel", "normalize"),
            *("server.Server.location_name", "--into", "server.Location.name", "--dry-run"),
            *("--settings", "tests.settings_every_backend", "--no-color"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_dry_run_shows_the_sql_of_each_backend_the_project_configures(tmp_path):
    require_servers("postgresql", "mysql")
    out = _dry_run_everywhere(REMODEL_DB_NAME=str(tmp_path / "db.sqlite3"))
    backfill = "SQL of 0012_normalize_server_location_name on"
    headings = [line for line in out.splitlines() if line.startswith(backfill)]
    assert headings == [f"{backfill} sqlite:", f"{backfill} postgresql (database 'postgresql'):"]
    postgresql = out.split(f"{backfill} postgresql")[1].split("SQL of 0013")[0]
    assert 'UPDATE "server_server" AS s SET "location_id"' in postgresql
    assert "VALIDATE CONSTRAINT" in postgresql
    # Django's MySQL schema editor reads the live table to alter a column; that database
    # is not migrated, and the dry run says so instead of failing.
    assert (
        "No SQL for mysql (database 'mysql'): asking its database failed ((1146, "
        "\"Table 'mysql.server_server' doesn't exist\")). Some statements are written from "
        "the tables of a database migrated up to the migration before these."
    ) in out


def test_dry_run_names_a_database_it_cannot_reach(tmp_path):
    require_servers("mysql")
    out = _dry_run_everywhere(REMODEL_DB_NAME=str(tmp_path / "db.sqlite3"), PGPORT="1")
    assert "No SQL for postgresql (database 'postgresql'): asking its database failed (" in out
    assert "SQL of 0012_normalize_server_location_name on sqlite:" in out
