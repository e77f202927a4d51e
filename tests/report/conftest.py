"""Sample audit reports, built by hand on the graph of the test project."""

from __future__ import annotations

import pytest

from django_remodel.audit.result import (
    AuditReport,
    DuplicateGroup,
    Evidence,
    FieldMatch,
    Finding,
    FindingKind,
    KeyOverlap,
)
from django_remodel.graph import ModelGraph
from django_remodel.stats import ColumnStats, GraphStats, TableStats

PEOPLE = (
    "auth.User",
    "legacy.AppUser",
    "legacy.CustomerUser",
    "legacy.UserProfile",
    "legacy.AccountUser",
)


def people_group() -> DuplicateGroup:
    def row(concept: str, *names: str | None) -> FieldMatch:
        return FieldMatch(concept, tuple(zip(PEOPLE, names, strict=True)))

    return DuplicateGroup(
        models=PEOPLE,
        canonical="auth.User",
        key="email",
        mapping=(
            row("email", "email", "email", "email_address", "user_email", "account_email"),
            row("username", "username", "username", None, None, None),
            row("name", "first_name", None, "full_name", "display_name", "account_name"),
            row("password", "password", "password", "password_hash", None, "encrypted_password"),
            row("phone", None, "phone", "phone", None, "phone"),
            row("active", "is_active", "is_active", None, None, "is_active"),
            row(
                "created",
                "date_joined",
                "created_at",
                "registration_date",
                None,
                "signup_timestamp",
            ),
            row("last login", "last_login", "last_login_at", None, None, None),
        ),
        evidence=(
            Evidence(
                "fields",
                "8 concepts are held by more than one member: email, username, name, "
                "password, phone, active, created, last login",
                0.0,
            ),
            Evidence("model names", "every name speaks of a user", 0.0),
            Evidence(
                "unique key",
                "legacy.AppUser.email ~ legacy.CustomerUser.email_address (email), unique in both",
                0.3,
            ),
            Evidence(
                "key overlap",
                "none of 120 legacy.UserProfile.user_email values is in auth.User.email",
                -0.1,
            ),
        ),
        confidence=0.8734567,
        commands=(
            "python manage.py remodel merge legacy.AppUser legacy.CustomerUser "
            "legacy.UserProfile legacy.AccountUser --into auth.User --key email",
            "python manage.py remodel swap-user-model auth.User",
        ),
        overlaps=(
            KeyOverlap("legacy.AppUser", "email", "auth.User", "email", 1000, 812),
            KeyOverlap("legacy.CustomerUser", "email_address", "auth.User", "email", 3, 1),
            KeyOverlap("legacy.UserProfile", "user_email", "auth.User", "email", 0, 0),
        ),
    )


def waitlist_group() -> DuplicateGroup:
    labels = ("scheduling.Appointment", "scheduling.WaitlistEntry")
    return DuplicateGroup(
        models=labels,
        canonical="scheduling.Appointment",
        key=None,
        mapping=(
            FieldMatch("patient", tuple(zip(labels, ("patient", "patient"), strict=True))),
            FieldMatch("clinician", tuple(zip(labels, ("clinician", "clinician"), strict=True))),
        ),
        evidence=(Evidence("model names", "the names say nothing either way", 0.1),),
        confidence=0.41,
        commands=(
            "python manage.py remodel merge scheduling.WaitlistEntry --into scheduling.Appointment",
        ),
    )


def findings() -> tuple[Finding, ...]:
    return (
        Finding(
            kind=FindingKind.PROFILE,
            subject="accounts.Profile",
            message=(
                "accounts.Profile extends the user model auth.User one-to-one "
                "(accounts.Profile.user); its 7 fields could live on the user model itself, "
                "saving a join on every read."
            ),
            command="python manage.py remodel absorb accounts.Profile",
            figures={"fields": 7, "references": 0},
        ),
        Finding(
            kind=FindingKind.MULTI_TABLE_INHERITANCE,
            subject="alerts.Criteria",
            message=(
                "alerts.MaintainerCriteria, alerts.ContributorCriteria inherit from the concrete "
                "model alerts.Criteria: every read of a child joins two tables "
                "(relations to the parent: 1)."
            ),
            command="python manage.py remodel detach alerts.MaintainerCriteria "
            "alerts.ContributorCriteria",
            figures={"children": 2, "references": 1},
        ),
        Finding(
            kind=FindingKind.REPEATED_STRING,
            subject="server.Server.location_name",
            message=(
                "server.Server.location_name repeats 12 distinct values over 40000 rows "
                "(0.03% distinct): a table of its own and a foreign key would store each "
                "value once."
            ),
            command="python manage.py remodel normalize server.Server.location_name "
            "--into server.Location.name",
            figures={
                "rows": 40000,
                "distinct": 12,
                "nulls": 0,
                "empty": 0,
                "distinct_ratio": 0.0003,
            },
        ),
        Finding(
            kind=FindingKind.LONG_HISTORY,
            subject="legacy",
            message=(
                "App 'legacy' has 54 migrations (61 in the project's apps); every fresh "
                "database and every test run replays them all."
            ),
            command="python manage.py remodel squash legacy",
            figures={"migrations": 54, "project_migrations": 61},
        ),
    )


def stats() -> GraphStats:
    def table(label: str, rows: int, exact: bool = True) -> TableStats:
        name = label.lower().replace(".", "_")
        return TableStats(label, name, rows, exact, rows * 180, rows * 40)

    tables = {
        t.label: t
        for t in (
            table("auth.User", 1204),
            table("legacy.AppUser", 9812),
            table("legacy.CustomerUser", 3),
            table("legacy.UserProfile", 120),
            table("legacy.AccountUser", 2_500_000, exact=False),
            table("server.Server", 40000),
        )
    }
    columns = {
        ("server.Server", "location_name"): ColumnStats(
            "server.Server", "location_name", 40000, 0, 0, 12
        ),
    }
    return GraphStats("sqlite", "db.sqlite3", tables, columns)


@pytest.fixture(scope="session")
def graph() -> ModelGraph:
    return ModelGraph.build()


@pytest.fixture(scope="session")
def report(graph) -> AuditReport:
    return AuditReport(
        graph=graph,
        groups=(people_group(), waitlist_group()),
        findings=findings(),
        stats=stats(),
        migration_counts={"legacy": 54, "accounts": 3, "scheduling": 4},
    )


@pytest.fixture(scope="session")
def empty_report(graph) -> AuditReport:
    return AuditReport(graph=graph, groups=(), findings=())
