from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from django_remodel.graph import ModelGraph
from django_remodel.plans.normalize import build_plan
from django_remodel.refactor import normalize

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
    assert "backfill in batches of 5,000 rows" in out


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
