from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.db import connection

from django_remodel.lint import LintOptions, LintReport, run_lint
from django_remodel.lint.history import load_history
from django_remodel.lint.locking import check_locking
from tests.testapp.models import Person

from .conftest import migration

INITIAL = [("testapp", "0001_initial")]
PLANTED = {
    "0002_person_name_idx.py": migration(
        INITIAL,
        "migrations.AddIndex('person', models.Index(fields=['name'], name='person_name_idx')),",
    ),
    "0003_person_name_short.py": migration(
        [("testapp", "0002_person_name_idx")],
        "migrations.AlterField('person', 'name', "
        "models.CharField(max_length=50, default='anonymous')),",
    ),
    "0004_person_nick.py": migration(
        [("testapp", "0003_person_name_short")],
        "migrations.AddField('person', 'nick', models.CharField(max_length=20, default='')),",
    ),
}
INDEX_MESSAGE = (
    "AddIndex 'person_name_idx' on testapp.Person (table 'testapp_person', {rows}): on "
    "PostgreSQL CREATE INDEX holds a SHARE lock that blocks every write to the table until "
    "the index is built (MySQL and MariaDB build it online)."
)
TYPE_MESSAGE = (
    "AlterField testapp.Person.name changes the column from CharField(max_length=100) to "
    "CharField(max_length=50) (table 'testapp_person', {rows}): {effects}."
)
PG_REWRITE = (
    "PostgreSQL rewrites the table and its indexes under an ACCESS EXCLUSIVE lock "
    "(no reads or writes until it is done)"
)
MYSQL_COPY = (
    "MySQL and MariaDB copy the whole table (ALGORITHM=COPY), blocking writes until it is done"
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    Person.objects.bulk_create(Person(email=f"p{i}@example.com") for i in range(60))


def lint(**options: Any) -> LintReport:
    defaults: dict[str, Any] = {"app_labels": ("testapp",), "big_table_rows": 50}
    return run_lint(LintOptions(**{**defaults, **options}))


def test_a_non_concurrent_index_on_a_big_table(tree, people):
    directory = tree(PLANTED)
    report = lint(targets=("postgresql",))
    locks = [f for f in report.findings if f.code.startswith("remodel.L2")]
    assert [(f.code, f.path, f.line, f.rows) for f in locks] == [
        ("remodel.L201", directory / "0002_person_name_idx.py", 9, 60),
        ("remodel.L203", directory / "0003_person_name_short.py", 9, 60),
    ]
    assert locks[0].message == INDEX_MESSAGE.format(rows="60 rows")
    assert locks[0].hint == (
        "Build it with AddIndexConcurrently (django.contrib.postgres.operations) in a "
        "migration of its own with atomic = False; writes go on meanwhile."
    )
    assert locks[1].message == TYPE_MESSAGE.format(rows="60 rows", effects=PG_REWRITE)
    assert report.pending == 3


def test_mysql_builds_indexes_online_but_copies_for_a_type_change(tree, people):
    tree(PLANTED)
    locks = [f for f in lint(targets=("mysql",)).findings if f.code.startswith("remodel.L2")]
    assert [f.message for f in locks] == [TYPE_MESSAGE.format(rows="60 rows", effects=MYSQL_COPY)]


def test_small_tables_are_not_reported(tree, people):
    tree(PLANTED)
    report = lint(big_table_rows=61)
    assert [f for f in report.findings if f.code.startswith("remodel.L2")] == []


def test_applied_migrations_are_not_judged(tree, people):
    from django.db.migrations.recorder import MigrationRecorder

    tree(PLANTED)
    MigrationRecorder.Migration.objects.create(app="testapp", name="0002_person_name_idx")
    report = lint(targets=("postgresql", "mysql"))
    locks = [f for f in report.findings if f.code.startswith("remodel.L2")]
    assert [f.code for f in locks] == ["remodel.L203"]
    assert locks[0].message == TYPE_MESSAGE.format(
        rows="60 rows", effects=f"{PG_REWRITE}; {MYSQL_COPY}"
    )


def test_the_database_backend_is_the_default_target(tree, people):
    tree(PLANTED)
    codes = [f.code for f in lint().findings if f.code.startswith("remodel.L2")]
    expected = {
        "postgresql": ["remodel.L201", "remodel.L203"],
        "mysql": ["remodel.L203"],
        "sqlite": ["remodel.L201", "remodel.L203"],  # both server backends
    }
    assert codes == expected[connection.vendor]


def test_without_a_database_every_migration_is_judged(tree):
    tree(PLANTED)
    report = lint(database=None, targets=("postgresql",))
    locks = [f for f in report.findings if f.code.startswith("remodel.L2")]
    assert [(f.code, f.rows) for f in locks] == [("remodel.L201", None), ("remodel.L203", None)]
    assert locks[0].message == INDEX_MESSAGE.format(
        rows="table 'testapp_person', rows not counted without a database"
    ).replace("(table 'testapp_person', table", "(table")
    # Tables made in the same migration are empty: 0001_initial's indexes are not reported.
    assert all(f.migration != "0001_initial" for f in report.findings)


def test_old_mysql_rebuilds_the_table_to_add_a_column(tree):
    tree(PLANTED)
    history = load_history(["testapp"], using=None)
    old = dataclasses.replace(history, vendor="mysql", server_version=(8, 0, 11))
    found = [f for f in check_locking(old, targets=("mysql",)) if f.code == "remodel.L204"]
    assert [f.message for f in found] == [
        "AddField testapp.Person.nick (table 'testapp_person', rows not counted without a "
        "database): MySQL 8.0.11 cannot add a column instantly (MySQL 8.0.12 and MariaDB "
        "10.3.2 can) and rebuilds the whole table, writing the default into every row."
    ]
    new = dataclasses.replace(history, vendor="mysql", server_version=(10, 11, 6), mariadb=True)
    assert [f for f in check_locking(new, targets=("mysql",)) if f.code == "remodel.L204"] == []


def test_a_foreign_key_added_to_a_big_table(tree, people):
    tree(
        {
            "0002_person_team.py": migration(
                INITIAL,
                "migrations.AddField('person', 'home', models.ForeignKey(null=True, "
                "on_delete=django.db.models.deletion.SET_NULL, to='testapp.project')),",
            )
        }
    )
    [finding] = [
        f for f in lint(targets=("postgresql", "mysql")).findings if f.code == "remodel.L202"
    ]
    assert finding.message == (
        "AddField testapp.Person.home adds a foreign key to testapp.project (table "
        "'testapp_person', 60 rows): on PostgreSQL the FOREIGN KEY constraint is validated "
        "as it is added, scanning every row while writes to both tables are blocked (and reads "
        "of this table too, as the column is added in the same ALTER TABLE), and its index is "
        "built with a plain CREATE INDEX; MySQL and MariaDB cannot add a checked FOREIGN KEY in "
        "place and copy the whole table (ALGORITHM=COPY), blocking writes until it is done."
    )
