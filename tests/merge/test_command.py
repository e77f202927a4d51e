"""``manage.py remodel merge`` in the test project: what it refuses before writing anything,
the plan file it writes for review (counts, never values), and the dry run.

The example's legacy people tables are merged into one of them, ``legacy.AppUser``,
so that nothing outside the test database has to exist; no test writes a file of the
project.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

# Transactional: SQLite's schema editor, which renders the dry run's SQL, cannot run inside
# the transaction of a plain database test.
pytestmark = pytest.mark.django_db(transaction=True)

LEGACY = Path(__file__).resolve().parents[2] / "example" / "legacy"
MERGE = [
    "remodel",
    "merge",
    "legacy.CustomerUser",
    "legacy.AccountUser",
    "--into",
    "legacy.AppUser",
    "--key",
    "email",
    "--skip",
    "legacy.CustomerUser.date_of_birth",
    "--skip",
    "legacy.CustomerUser.marketing_opt_in",
    "--map",
    "legacy.AccountUser.account_name=username",
    "--map",
    "legacy.CustomerUser.full_name=username",
    # Nothing may be written to the example, even by a test that fails.
    "--dry-run",
]


def files() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(LEGACY.rglob("*.py"))}


def seed() -> None:
    from legacy.models import AccountUser, AppUser, CustomerUser

    AppUser.objects.create(email="ann@example.com", username="ann", password="!")
    CustomerUser.objects.create(
        email_address=" ANN@example.com", full_name="Secret Name", password_hash="!"
    )
    CustomerUser.objects.create(email_address=None, full_name="Nobody", password_hash="!")
    AccountUser.objects.create(
        account_email="bo@example.com", account_name="Bo", encrypted_password="!"
    )
    AccountUser.objects.create(
        account_email="ann@example.com", account_name="Ann A", encrypted_password="!"
    )


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["legacy.Nope", "--into", "legacy.AppUser", "--key", "email"], "legacy.Nope"),
        (["legacy.CustomerUser", "--into", "legacy.AppUser"], "Name the target and the key"),
        (
            ["legacy.CustomerUser", "--into", "legacy.AppUser", "--key", "nope"],
            "--key 'nope' is not a field the sources fill",
        ),
        (
            [
                "legacy.CustomerUser",
                "--into",
                "legacy.AppUser",
                "--key",
                "email",
                "--policy",
                "username=sometimes",
            ],
            "Policy 'sometimes' is not one of first, newest, coalesce, error",
        ),
        (
            ["legacy.CustomerUser", "--into", "legacy.AppUser", "--key", "email", "--fill", "x"],
            "--fill 'x': write it as FIELD=VALUE",
        ),
    ],
)
def test_bad_input_names_what_is_wrong_and_writes_nothing(args: list[str], message: str) -> None:
    before = files()
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace("'", "'")):
        run("remodel", "merge", *args)
    assert files() == before


def test_rows_without_a_key_are_refused_when_asked(tmp_path: Path) -> None:
    seed()
    before = files()
    with pytest.raises(CommandError, match="1 source row\\(s\\) have no email"):
        run(*MERGE, "--keyless", "error")
    assert files() == before


def test_the_error_policy_refuses_sources_that_disagree() -> None:
    seed()
    with pytest.raises(CommandError, match=r"different values for legacy\.AppUser\.username"):
        run(*MERGE, "--policy", "username=error")


def test_the_plan_file_holds_counts_and_no_values(tmp_path: Path) -> None:
    seed()
    plan = tmp_path / "plan.toml"
    before = files()
    out = run(*MERGE[:-1], "--plan-out", str(plan))
    assert "remodel merge --plan" in out
    text = plan.read_text()
    assert files() == before
    assert "Secret Name" not in text
    assert "ann@example.com" not in text.lower()
    assert "[figures.rows]" in text
    assert '"legacy.CustomerUser" = 2' in text
    assert '"legacy.AccountUser" = 2' in text
    assert "matched_keys = 1" in text
    # Edited and carried out (as a dry run): the edit is taken.
    username = text.index('name = "username"')
    edited = text[:username] + text[username:].replace('policy = "first"', 'policy = "coalesce"', 1)
    plan.write_text(edited)
    shown = run("remodel", "merge", "--plan", str(plan), "--dry-run")
    assert "[coalesce]" in shown
    assert files() == before


def test_dry_run_shows_migrations_edits_and_sql_and_writes_nothing() -> None:
    seed()
    before = files()
    out = run(*MERGE, "--dry-run")
    assert files() == before
    assert "Would write migrations:" in out
    assert "legacy/migrations/" in out
    assert "MergeRows(" in out
    assert "SQL of " in out
    assert "INSERT INTO" in out
    assert "-class CustomerUser(models.Model):" in out
    assert "rows after merge: 3" in out
    assert "keys whose sources disagree: username: 1" in out
