"""``migrate`` shows how far a batched backfill got, under the migration it runs in."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.core.management import call_command

from django_remodel.progress import PROGRESS_LOGGER
from tests.normalizeapp.models import Device

MIGRATION = "normalizeapp.0003_normalize_device_site_name"


@pytest.mark.django_db(transaction=True)  # the batches commit
def test_migrate_shows_batch_progress_then_ok() -> None:
    call_command("migrate", "normalizeapp", "0002", verbosity=0)
    Device.objects.bulk_create(Device(site_name=f"site {n % 7}") for n in range(1_200))
    out = StringIO()
    call_command("migrate", "normalizeapp", "0003", stdout=out, no_color=True)
    lines = out.getvalue().splitlines()
    start = lines.index(f"  Applying {MIGRATION}...")
    batches = lines[start + 1 : start + 4]
    assert [line.split(": batch ")[0] for line in batches] == [
        "    normalizeapp.Device.site_name -> site"
    ] * 3
    assert "batch 1 of ~3 committed, 500 of 1,200 rows" in batches[0]
    assert "rows/s, about" in batches[0]
    assert lines[start + 4].startswith("    normalizeapp.Device.site_name -> site: 1,200 rows")
    assert lines[start + 5].strip().startswith("OK")
    assert not Device.objects.filter(site=None).exists()
    assert not logging.getLogger(PROGRESS_LOGGER).handlers  # taken off again


@pytest.mark.django_db(transaction=True)
def test_verbosity_0_shows_nothing() -> None:
    call_command("migrate", "normalizeapp", "0002", verbosity=0)
    Device.objects.bulk_create(Device(site_name=f"site {n % 7}") for n in range(600))
    out = StringIO()
    call_command("migrate", "normalizeapp", "0003", stdout=out, verbosity=0)
    assert out.getvalue() == ""
    assert not Device.objects.filter(site=None).exists()
