"""The example clinic project: its migration history, its seed data and its views."""

from __future__ import annotations

import hashlib
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader
from django.test import Client

from accounts import queries
from accounts.models import Profile
from alerts.models import ContributorCriteria, Criteria, MaintainerCriteria
from clinic import seeding
from legacy.models import AccountUser, AppUser, CustomerUser, UserProfile
from reviews.models import Review
from server.models import Server

pytestmark = pytest.mark.django_db

# Migrations per app when the example was built; later work may only add.
MIGRATIONS_PER_APP = {
    "legacy": 32,
    "accounts": 11,
    "scheduling": 17,
    "billing": 15,
    "messaging": 12,
    "reviews": 8,
    "tenants": 6,
    "alerts": 12,
    "server": 10,
}
LEGACY_EMAILS = (
    (AppUser, "email"),
    (CustomerUser, "email_address"),
    (UserProfile, "user_email"),
    (AccountUser, "account_email"),
)


def seed(scale: float = 0.01, seed: int = 1, *, flush: bool = False) -> str:
    out = StringIO()
    call_command("seed_clinic", scale=scale, seed=seed, flush=flush, stdout=out)
    return out.getvalue()


def checksum() -> str:
    """A digest of every seeded row, primary keys included, in primary key order."""
    digest = hashlib.sha256()
    for model in seeding.SEEDED_MODELS:
        names = [field.attname for field in model._meta.concrete_fields]
        digest.update(seeding.label(model).encode())
        for row in model._base_manager.order_by("pk").values_list(*names):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def canonical(email: str) -> str:
    return email.strip().lower()


@pytest.fixture
def seeded() -> str:
    return seed()


# ---------------------------------------------------------------- migrations


def test_every_example_migration_is_applied_from_zero() -> None:
    # pytest-django built the test database by running all migrations from zero.
    loader = MigrationLoader(connection)
    applied = Counter(app for app, _ in loader.applied_migrations if app in MIGRATIONS_PER_APP)
    on_disk = Counter(app for app, _ in loader.disk_migrations if app in MIGRATIONS_PER_APP)
    assert applied == on_disk
    for app, minimum in MIGRATIONS_PER_APP.items():
        assert applied[app] >= minimum, app
    assert sum(applied.values()) >= 100


def test_history_has_the_operations_real_histories_have() -> None:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    seen: Counter[str] = Counter()
    reversible_data: list[bool] = []
    for (app, _name), migration in loader.disk_migrations.items():
        if app not in MIGRATIONS_PER_APP:
            continue
        for operation in migration.operations:
            seen[type(operation).__name__] += 1
            if isinstance(operation, operations.RunPython):
                reversible_data.append(operation.reversible)
    for kind in (
        "CreateModel",
        "AddField",
        "AlterField",
        "RenameField",
        "RenameModel",
        "RunPython",
        "AddIndex",
        "AddConstraint",
        "AlterModelOptions",
    ):
        assert seen[kind], kind
    assert True in reversible_data
    assert False in reversible_data


def test_models_match_the_migrations() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


# ---------------------------------------------------------------- seeding


def test_seed_fills_every_model(seeded: str) -> None:
    counts = seeding.row_counts()
    assert all(rows > 0 for rows in counts.values()), counts
    assert "total" in seeded
    assert "legacy.AppUser" in seeded


def test_seed_is_deterministic() -> None:
    seed(seed=1)
    first = checksum()
    seed(seed=1, flush=True)
    assert checksum() == first
    seed(seed=2, flush=True)
    assert checksum() != first


def test_seed_refuses_a_database_with_data(seeded: str) -> None:
    with pytest.raises(CommandError, match="--flush"):
        seed()


def test_seed_scales(seeded: str) -> None:
    small = seeding.row_counts()
    seed(scale=0.02, flush=True)
    assert seeding.row_counts()["messaging.Message"] == 2 * small["messaging.Message"]


def test_same_people_in_several_tables_with_messy_emails(seeded: str) -> None:
    tables: dict[str, dict[str, str]] = {}
    for model, column in LEGACY_EMAILS:
        stored = model._base_manager.exclude(**{column: None}).values_list(column, flat=True)
        tables[model.__name__] = {canonical(email): email for email in stored}
    everywhere = set.intersection(*(set(emails) for emails in tables.values()))
    assert everywhere
    # The same person, spelled differently from one table to the next.
    spellings = {
        key: {emails[key] for emails in tables.values() if key in emails} for key in everywhere
    }
    assert any(len(found) >= 2 for found in spellings.values())
    every_email = [email for emails in tables.values() for email in emails.values()]
    assert any(email != email.strip() for email in every_email)
    assert any(email != email.lower() for email in every_email)


def test_the_rest_of_the_mess(seeded: str) -> None:
    assert AppUser.objects.filter(email__isnull=True).exists()
    assert CustomerUser.objects.filter(email_address__isnull=True).exists()
    # Conflicting names: a staff login and a portal customer share an email, not a name.
    logins = {canonical(u.email): u.get_full_name() for u in User.objects.all()}
    customers = CustomerUser.objects.exclude(email_address=None)
    assert any(
        canonical(c.email_address or "") in logins
        and logins[canonical(c.email_address or "")] != c.full_name
        for c in customers
    )
    assert 0 < Profile.objects.count() < User.objects.count()
    locations = Server.objects.values_list("location_name", flat=True).distinct().count()
    assert 10 <= locations <= 60
    assert MaintainerCriteria.objects.exists()
    assert ContributorCriteria.objects.exists()
    assert Criteria.objects.count() >= (
        MaintainerCriteria.objects.count() + ContributorCriteria.objects.count()
    )
    legacy_types = ContentType.objects.get_for_models(*(model for model, _ in LEGACY_EMAILS))
    targeted = set(Review.objects.values_list("content_type", flat=True).distinct())
    assert targeted == {content_type.pk for content_type in legacy_types.values()}


# ---------------------------------------------------------------- accounts code


def test_staff_directory_is_one_query(seeded: str, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        cards = queries.staff_directory()
    assert cards
    expected = User.objects.filter(is_staff=True, is_active=True, profile__isnull=False).count()
    assert len(cards) == expected


def test_queries_read_the_profile(seeded: str) -> None:
    language = Profile.objects.values_list("preferred_language", flat=True).first()
    assert language
    speakers = list(queries.users_speaking(language))
    assert speakers
    assert all(user.profile.preferred_language == language for user in speakers)
    recipients = queries.newsletter_recipients()
    assert all(email == email.strip() for email in recipients)


def test_views(seeded: str, client: Client) -> None:
    response = client.get("/accounts/staff/")
    assert response.status_code == 200
    staff = response.json()["staff"]
    assert staff
    user_id = staff[0]["id"]
    detail = client.get(f"/accounts/staff/{user_id}/")
    assert detail.status_code == 200
    assert detail.json()["job_title"] == User.objects.get(pk=user_id).profile.job_title
    without_profile = User.objects.filter(profile__isnull=True).first()
    assert without_profile is not None
    assert client.get(f"/accounts/staff/{without_profile.pk}/").status_code == 404
    client.force_login(without_profile)
    assert client.get("/accounts/me/").status_code == 404
    client.force_login(User.objects.get(pk=user_id))
    assert client.get("/accounts/me/").json()["id"] == user_id
