"""The audit with statistics, on the seeded example, on whichever database REMODEL_DB names."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_remodel.audit import AuditOptions, run_audit

USERS = (
    "auth.User",
    "legacy.AccountUser",
    "legacy.AppUser",
    "legacy.CustomerUser",
    "legacy.UserProfile",
)
pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_clinic", scale=0.1, seed=7, stdout=StringIO())


def test_audit_with_stats_on_the_seeded_example(seeded):
    out = StringIO()
    call_command("remodel", "audit", "--with-stats", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    groups = [tuple(m for m in g["models"] if not m.startswith("testapp.")) for g in data["groups"]]
    assert [g for g in groups if len(g) > 1] == [USERS]
    findings = {(f["kind"], f["subject"]) for f in data["findings"]}
    assert {
        ("profile", "accounts.Profile"),
        ("multi-table inheritance", "alerts.Criteria"),
        ("repeated string column", "server.Server.location_name"),
        ("long migration history", "legacy"),
    } <= findings
    location = next(f for f in data["findings"] if f["subject"] == "server.Server.location_name")
    assert location["figures"]["rows"] == 3000
    assert location["figures"]["distinct"] == 36
    assert location["command"] == (
        "python manage.py remodel normalize server.Server.location_name --into server.Location.name"
    )


def test_key_overlap_is_measured_in_the_database(seeded):
    report = run_audit(options=AuditOptions(with_stats=True))
    (people,) = [g for g in report.groups if "legacy.AppUser" in g.models]
    assert people.overlaps, "the same people appear in several legacy tables"
    assert all(0 <= o.shared <= o.distinct for o in people.overlaps)
    assert any(o.shared > 0 for o in people.overlaps)
    evidence = [e for e in people.evidence if e.kind == "key overlap"]
    assert evidence
    assert all(" values" in e.detail for e in evidence)


def test_statements_do_not_grow_with_rows():
    """The audit's statements depend on the schema, not on the rows."""
    with CaptureQueriesContext(connection) as empty:
        run_audit(options=AuditOptions(with_stats=True))
    call_command("seed_clinic", scale=0.05, seed=3, stdout=StringIO())
    with CaptureQueriesContext(connection) as seeded:
        run_audit(options=AuditOptions(with_stats=True))
    assert len(seeded) == len(empty)
