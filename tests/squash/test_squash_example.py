"""``remodel squash`` on a copy of the example project: 123 migrations over 9 apps."""

from __future__ import annotations

import re

import pytest
from django.db import connection

VENDOR = connection.vendor

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EXAMPLE_APPS = {
    "accounts": 11,
    "alerts": 12,
    "billing": 15,
    "legacy": 32,
    "messaging": 12,
    "reviews": 8,
    "scheduling": 17,
    "server": 10,
    "tenants": 6,
}


def test_dry_run_prints_the_plan_and_writes_nothing(example):
    example.manage("migrate", "--verbosity", "0")
    before = {app: example.migrations(app) for app in EXAMPLE_APPS}
    out = example.manage("remodel", "squash", "--dry-run")
    for app, count in EXAMPLE_APPS.items():
        assert f"  {app}: {count} -> 1\n" in out
        assert example.migrations(app) == before[app]
    assert "  total: 123 -> 9\n" in out
    assert (
        "    0001_squashed_0017_enrollment_unique: 7 operations, replaces 17 (0001_initial .. "
        "0017_enrollment_unique); depends on __setting__.AUTH_USER_MODEL, "
        "legacy.0001_squashed_0032_accountuser_stripe_customer_id_index\n"
    ) in out
    dropped = re.findall(r"^  (\S+ #\d) (RunPython\(\w+\)): changed nothing", out, re.M)
    assert dropped == [
        ("accounts.0007_preferred_language_tags #1", "RunPython(to_language_tags)"),
        ("legacy.0017_strip_customeruser_full_name #1", "RunPython(strip_full_names)"),
        (
            "legacy.0026_backfill_accountuser_subscription_status #1",
            "RunPython(backfill_status)",
        ),
        ("tenants.0003_populate_tenant_slug #1", "RunPython(populate_slugs)"),
    ]
    assert f"when the old history ran from zero on {VENDOR}" in out


def test_squash_verify_on_a_database_with_the_old_history(example):
    example.manage("migrate", "--verbosity", "0")
    example.manage("seed_clinic", "--scale", "0.01", "--seed", "2")
    out = example.manage("remodel", "squash", "--verify", "--no-input")

    assert "  schemas identical" in out
    if VENDOR == "mysql":
        # MariaDB drops a column's CHECK when reviews.0004 MODIFYs it; the new history keeps it.
        assert (
            "    - Check constraint 'object_id' on 'reviews_review' exists only in the new "
            "history: CHECK (`object_id` >= 0)."
        ) in out
    else:
        assert "the old history lost" not in out
    assert "  a database on the whole old history: nothing to apply" in out
    midway = re.findall(r"part-way \((\d+) old migrations applied\).*schema (\w+)", out)
    assert len(midway) == 3
    assert all(state == "identical" for _count, state in midway)
    assert all(0 < int(count) < 123 for count, _state in midway)
    assert "  makemigrations --check: no changes" in out
    timing = re.search(
        r"the squashed apps' migrations: ([\d.]+)s \((\d+)\) -> ([\d.]+)s \((\d+)\)", out
    )
    assert timing is not None
    assert (timing[2], timing[4]) == ("123", "9")

    for app in EXAMPLE_APPS:
        squashed = [name for name in example.migrations(app) if "_squashed_" in name]
        assert len(squashed) == 1, app
        assert len(example.migrations(app)) == EXAMPLE_APPS[app] + 1  # the old files are kept
    # The project's own database, on the old history, takes the squash with no manual step.
    assert "No migrations to apply." in example.manage("migrate")
    shown = example.manage("showmigrations", "legacy", "billing")
    assert "[X] 0001_squashed_0032_accountuser_stripe_customer_id_index" in shown
    assert "[X] 0001_squashed_0015_invoice_ordering" in shown
    assert "0002_appuser_phone" not in shown  # the replaced ones are not listed any more
    assert "No changes detected" in example.manage("makemigrations", "--check", "--dry-run")


def test_remove_old_once_the_database_applied_everything(example):
    example.manage("migrate", "--verbosity", "0")
    out = example.manage("remodel", "squash", "legacy", "billing", "--remove-old", "--no-input")
    assert "Removed 47 old migration files." in out
    assert example.migrations("legacy") == [
        "0001_squashed_0032_accountuser_stripe_customer_id_index"
    ]
    assert example.migrations("billing") == ["0001_squashed_0015_invoice_ordering"]
    assert len(example.migrations("messaging")) == 12  # not squashed, still depends on legacy
    assert "No migrations to apply." in example.manage("migrate")
    assert "No changes detected" in example.manage("makemigrations", "--check", "--dry-run")


def test_remove_old_refuses_while_the_database_is_part_way(example):
    example.manage("migrate", "legacy", "0010", "--verbosity", "0")
    result = example.run("remodel", "squash", "legacy", "--remove-old", "--no-input", check=False)
    assert result.returncode == 1
    assert (
        "CommandError: Database 'default' has applied 10 of the 32 migrations that "
        "legacy.0001_squashed_0032_accountuser_stripe_customer_id_index would replace, so "
        "the old files must stay; run 'python manage.py migrate' first, or leave out "
        "--remove-old. Nothing was written."
    ) in result.stderr
    assert len(example.migrations("legacy")) == 32
    # Without --remove-old the squash is written and this database keeps the old path.
    example.manage("remodel", "squash", "legacy", "--no-input")
    out = example.manage("migrate")
    assert "Applying legacy.0011_accountuser_subscription_status... OK" in out
    assert "Applying legacy.0001_squashed" not in out
    assert "No changes detected" in example.manage("makemigrations", "--check", "--dry-run")


SEED = """
from django.db import migrations

DEFAULT_TENANT = "Main clinic"


def add_default_tenant(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    Tenant.objects.using(schema_editor.connection.alias).create(
        name=DEFAULT_TENANT, slug="main-clinic"
    )


def remove_default_tenant(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    Tenant.objects.using(schema_editor.connection.alias).filter(name=DEFAULT_TENANT).delete()


class Migration(migrations.Migration):
    dependencies = [("tenants", "0006_tenant_is_active")]
    operations = [
        migrations.RunPython(add_default_tenant, remove_default_tenant),
        migrations.RunSQL("UPDATE tenants_tenant SET name = name", elidable=True),
    ]
"""


def test_a_data_migration_that_seeds_rows_is_carried(example):
    example.manage("migrate", "auth", "--verbosity", "0")
    (example.path / "tenants" / "migrations" / "0007_default_tenant.py").write_text(SEED)
    out = example.manage("remodel", "squash", "tenants", "--verify", "--no-input")
    assert re.search(
        r"Carried:\n  tenants.0007_default_tenant #1 RunPython\(add_default_tenant\): "
        r"wrote 1 rows when the old history ran from zero",
        out,
    )
    assert (
        "tenants.0007_default_tenant #2 RunSQL(UPDATE tenants_tenant SET name = name): "
        "marked elidable"
    ) in out
    assert "tenants.0003_populate_tenant_slug #1 RunPython(populate_slugs): changed nothing" in out
    assert "  schemas identical" in out
    new = example.path / "tenants" / "migrations" / "0001_squashed_0007_default_tenant.py"
    text = new.read_text()
    assert 'DEFAULT_TENANT = "Main clinic"\n\n\ndef add_default_tenant(' in text
    assert "code=add_default_tenant," in text
    assert "reverse_code=remove_default_tenant," in text
    # A database migrated from zero with the new history has the seeded row.
    example.manage("migrate", "--verbosity", "0")
    count = example.manage(
        "shell", "-c", "from tenants.models import Tenant; print(Tenant.objects.count())"
    )
    assert count.strip().splitlines()[-1] == "1"
