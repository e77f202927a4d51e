"""``remodel swap-user accounts`` then ``remodel merge`` of the four legacy people tables
into ``accounts.User``, on a copy of the example, on the database REMODEL_DB names.

The proof: the migrations apply in every app, ``makemigrations --check`` is clean, the
audit finds no duplicate group afterwards, every reference (foreign keys, the
one-to-one, many-to-many links, generic references) that pointed at a legacy row
points at the user of that row's email, a person held in three tables is one user
with the policy's values and logs in with the legacy password, and migrating back
from before the contract restores the legacy tables and the references exactly.
"""

from __future__ import annotations

import os

import pytest

from tests.projects import Project

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# The example's size; REMODEL_E2E_SCALE=1 runs it at full size.
SCALE = os.environ.get("REMODEL_E2E_SCALE", "0.02")

SOURCES = ["legacy.AppUser", "legacy.CustomerUser", "legacy.AccountUser", "legacy.UserProfile"]
MERGE = [
    "remodel",
    "merge",
    *SOURCES,
    "--into",
    "accounts.User",
    "--key",
    "email",
    "--map",
    "legacy.CustomerUser.full_name=display_name",
    "--map",
    "legacy.AccountUser.account_name=display_name",
    "--map",
    "legacy.UserProfile.display_name=display_name",
    "--skip",
    "legacy.AppUser.username",
    "--fill",
    "username=email",
]

TRIPLE = """
import json
from django.contrib.auth.hashers import make_password
from django.contrib.auth import get_user_model
from legacy.models import AccountUser, AppUser, CustomerUser
# A patient whose username a staff login has already (another person: another email).
staff = get_user_model().objects.order_by("pk").first()
AppUser.objects.create(email="namesake@example.com", username=staff.username, password="!")
AppUser.objects.create(email="Triple.Person@Example.com", username="triple",
                       password=make_password("legacy-pass-1"), phone="", is_active=True)
CustomerUser.objects.create(email_address=" triple.person@example.com", full_name="Triple C",
                            password_hash="x", phone="+41 1")
AccountUser.objects.create(account_email="TRIPLE.PERSON@example.com ", account_name="Triple A",
                           encrypted_password="y", phone="+41 2", stripe_customer_id="cus_3")
print(json.dumps(True))
"""

# A group and a staff user hold rights on legacy models; the merge moves them to the user's.
GRANTS = """
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
legacy = Permission.objects.filter(content_type__app_label="legacy")
group = Group.objects.create(name="front desk")
group.permissions.add(legacy.get(codename="change_appuser"), legacy.get(codename="add_accountuser"))
staff = get_user_model().objects.order_by("pk").first()
staff.user_permissions.add(legacy.get(codename="view_customeruser"))
print(json.dumps(staff.pk))
"""
HELD = """
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
def names(permissions):
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions)
group = Group.objects.get(name="front desk")
staff = get_user_model().objects.get(pk=%d)
print(json.dumps([names(group.permissions.all()), names(staff.user_permissions.all())]))
"""

# (referring table, the column to the legacy row, the legacy table, its email column)
REFERENCES = [
    ("scheduling_appointment", "patient_id", "legacy_appuser", "email"),
    ("scheduling_enrollment", "patient_id", "legacy_appuser", "email"),
    ("scheduling_waitlistentry", "patient_id", "legacy_appuser", "email"),
    ("messaging_message", "sender_id", "legacy_customeruser", "email_address"),
    ("messaging_message", "recipient_id", "legacy_appuser", "email"),
    ("billing_invoice", "account_id", "legacy_accountuser", "account_email"),
    ("billing_billingaddress", "account_id", "legacy_accountuser", "account_email"),
    ("reviews_review", "author_id", "legacy_userprofile", "user_email"),
]
LINKS = ("messaging_thread_participants", "thread_id", "customeruser_id", "legacy_customeruser")


TABLES = [
    "legacy_appuser",
    "legacy_customeruser",
    "legacy_accountuser",
    "legacy_userprofile",
    "scheduling_appointment",
    "scheduling_enrollment",
    "messaging_message",
    "messaging_thread_participants",
    "billing_invoice",
    "billing_billingaddress",
    "reviews_review",
    "auth_user",
]


def legacy_snapshot(project: Project) -> object:
    """Per table of the legacy people and their references: its columns (name, type,
    NULL allowed) and a checksum of every row, by column name (SQLite's table rebuilds may
    change the column order, not the content)."""
    return project.python(
        "import hashlib, json\n"
        "from django.db import connection\n"
        f"TABLES = {TABLES!r}\n"
        "found = {}\n"
        "with connection.cursor() as cursor:\n"
        "    for table in TABLES:\n"
        "        columns = sorted(\n"
        "            (c.name, str(c.type_code), bool(c.null_ok))\n"
        "            for c in connection.introspection.get_table_description(cursor, table)\n"
        "        )\n"
        "        names = [name for name, _, _ in columns]\n"
        "        quoted = ', '.join(connection.ops.quote_name(n) for n in names)\n"
        "        cursor.execute(f'SELECT {quoted} FROM {connection.ops.quote_name(table)}')\n"
        "        rows = sorted(json.dumps(list(row), default=str) for row in cursor)\n"
        "        digest = hashlib.sha256('\\n'.join(rows).encode()).hexdigest()\n"
        "        found[table] = [columns, len(rows), digest]\n"
        "print(json.dumps(found))\n"
    )


def test_merge_the_legacy_people_into_the_user_model(example_project: Project) -> None:
    project = example_project
    copy = project.path
    project.manage("migrate", "--verbosity", "0")
    project.manage("seed_clinic", "--scale", SCALE, "--seed", "5")
    project.manage("remodel", "swap-user", "accounts", "--rewrite-imports", "model")
    project.manage("migrate", "--verbosity", "0")
    assert project.python(TRIPLE) is True
    staff = project.python(GRANTS)
    assert isinstance(staff, int)
    before_refs = _read(project, before=True)
    before = legacy_snapshot(project)
    users_before = project.rows("SELECT COUNT(*) FROM auth_user")[0][0]

    # A unique field whose values two people share is refused before anything is written.
    refused = project.run(*MERGE[:-4], "--fill", "username=email", check=False)
    assert refused.returncode != 0
    assert "accounts.User.username is unique" in refused.stderr
    assert not [m for m in project.migrations("accounts") if "merge" in m]

    out = project.manage(*MERGE)
    assert "scheduling.Appointment.patient gets related_name='appointments_as_patient'" in out
    assert "clinic/seeding.py" in out  # listed: it still names the legacy models
    names = {
        app: [m for m in project.migrations(app) if "merge_user" in m]
        for app in ("accounts", "scheduling", "messaging", "billing", "reviews", "legacy")
    }
    assert [n.split("_", 1)[1] for n in names["accounts"]] == [
        "merge_user_expand",
        "merge_user_backfill",
        "merge_user_contract",
    ]
    assert all(len(found) == 2 for app, found in names.items() if app not in ("accounts", "legacy"))
    assert len(names["legacy"]) == 1
    legacy_models = (copy / "legacy" / "models.py").read_text()
    assert "class AppUser" not in legacy_models
    assert "class AccountUser" not in legacy_models
    assert "display_name = models.CharField(" in (copy / "accounts" / "models.py").read_text()

    # Up to the backfill, then back: the legacy tables and references are as they were.
    backfill = names["accounts"][1]
    project.manage("migrate", "accounts", backfill, "--verbosity", "0")
    merged = project.rows("SELECT COUNT(*) FROM auth_user")[0][0]
    assert isinstance(merged, int)
    assert isinstance(users_before, int)
    assert merged > users_before
    expand = names["accounts"][0]
    previous = f"{int(expand[:4]) - 1:04d}"
    project.manage("migrate", "accounts", previous, "--verbosity", "0")
    assert legacy_snapshot(project) == before

    migrated = project.run("migrate").stdout
    assert f"Applying legacy.{names['legacy'][0]}... OK" in migrated
    assert "No changes detected" in project.manage("makemigrations", "--check", "--dry-run")
    audit = project.manage("remodel", "audit")
    assert "legacy." not in audit

    after = _read(project, before=False)
    pairs: dict[str, set[object]] = {}
    for reference, rows in before_refs.items():
        now = {tuple(row) for row in after[reference]}
        if reference == "links":
            # Each link once per (thread, user): the same set of people.
            assert {(o, p) for o, p in rows if "@" in str(p)} == {
                (o, p) for o, p in now if "@" in str(p)
            }
            continue
        people: dict[object, object] = {row[0]: row[1] for row in now}
        assert set(people) == {row_id for row_id, _ in rows}, reference
        for row_id, who in rows:
            pairs.setdefault(str(who), set()).add(people[row_id])
    for who, users in pairs.items():
        # A legacy row's references all reach one user: the one of its email.
        assert len(users) == 1, who
        if "@" in who:
            assert users == {who}
    keyless = [next(iter(users)) for who, users in pairs.items() if "@" not in who]
    assert len(keyless) == len(set(keyless))  # rows without an email stay apart

    triple = project.rows(
        "SELECT username, email, display_name, phone, stripe_customer_id FROM auth_user "
        "WHERE LOWER(TRIM(email)) = 'triple.person@example.com'"
    )
    assert triple == [
        ["Triple.Person@Example.com", "Triple.Person@Example.com", "Triple C", "", "cus_3"]
    ]
    logged_in = project.python(
        "import json\n"
        "from django.contrib.auth import authenticate\n"
        "user = authenticate(username='Triple.Person@Example.com', password='legacy-pass-1')\n"
        "print(json.dumps(user is not None))\n"
    )
    assert logged_in is True
    # Rights held on the legacy models are held on the user model.
    assert project.python(HELD % staff) == [
        ["accounts.add_user", "accounts.change_user"],
        ["accounts.view_user"],
    ]
    # Generic references moved to the user model's content type; the legacy ones are gone.
    assert project.rows("SELECT COUNT(*) FROM django_content_type WHERE app_label = 'legacy'") == [
        [0]
    ]


def _read(project: Project, *, before: bool) -> dict[str, list[list[object]]]:
    """Per reference, (referring row, the person it reaches): before the merge, the
    normalized email of its legacy row (or the row itself when it has none); after it,
    its user's normalized email (or the user's id)."""
    code = (
        "import json\n"
        "from django.db import connection\n"
        f"REFERENCES = {REFERENCES!r}\n"
        f"LINKS = {LINKS!r}\n"
        f"BEFORE = {before!r}\n"
        "def who(table, pk, email):\n"
        "    email = (email or '').strip().lower()\n"
        "    return email or f'{table}:{pk}'\n"
        "found = {}\n"
        "with connection.cursor() as cursor:\n"
        "    for table, column, legacy, key in REFERENCES:\n"
        "        if BEFORE:\n"
        "            cursor.execute(f'SELECT r.id, l.id, l.{key} FROM {table} r JOIN {legacy} l '\n"
        "                           f'ON l.id = r.{column}')\n"
        "            found[f'{table}.{column}'] = [[r, who(legacy, l, e)] for r, l, e in cursor]\n"
        "        else:\n"
        "            cursor.execute(f'SELECT r.id, u.id, u.email, u.display_name FROM {table} r '\n"
        "                           f'JOIN auth_user u ON u.id = r.{column}')\n"
        "            found[f'{table}.{column}'] = [[r, (e or '').strip().lower() or u]\n"
        "                                          for r, u, e, n in cursor]\n"
        "    table, owner, old, legacy = LINKS\n"
        "    if BEFORE:\n"
        "        cursor.execute(f'SELECT r.{owner}, l.id, l.email_address FROM {table} r '\n"
        "                       f'JOIN {legacy} l ON l.id = r.{old}')\n"
        "        found['links'] = [[o, who(legacy, l, e)] for o, l, e in cursor]\n"
        "    else:\n"
        "        cursor.execute(f'SELECT r.{owner}, u.id, u.email FROM {table} r '\n"
        "                       f'JOIN auth_user u ON u.id = r.user_id')\n"
        "        found['links'] = [[o, (e or '').strip().lower() or u] for o, u, e in cursor]\n"
        "print(json.dumps(found, default=str))\n"
    )
    result = project.python(code)
    assert isinstance(result, dict)
    return result
