"""``remodel schemadiff`` and the schema library, on the database REMODEL_DB selects.

Most tests build small tables themselves in two scratch databases, ``left``
and ``right`` (throwaway databases beside the test database, made once per
session), make exactly one difference between them and check the words it
is reported in. Only the tests that need the project's migrations touch the
test database itself.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, OperationalError, connections
from django.db import Error as DjangoDatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper

from django_remodel.errors import (
    DatabaseUnreachableError,
    MigrationsFailedError,
    SchemaReadError,
    ThrowawayDatabaseError,
    UnknownDatabaseError,
)
from django_remodel.schema import (
    Change,
    Kind,
    compare,
    diff_schemas,
    introspect,
    read_schema,
    sources,
    throwaway_database,
)
from django_remodel.schema.introspect import where
from django_remodel.schema.sqlite_ddl import parse_create_index, parse_create_table

ROOT = Path(__file__).resolve().parent.parent
LEFT, RIGHT = "left", "right"
VENDOR = connections["default"].vendor


# What each backend calls the things the tests create.
def varchar(length: int) -> str:
    return f"character varying({length})" if VENDOR == "postgresql" else f"varchar({length})"


def integer() -> str:
    if VENDOR == "postgresql":
        return "integer"
    if VENDOR == "mysql":
        mariadb = connections["default"].mysql_is_mariadb  # type: ignore[attr-defined]
        return "int(11)" if mariadb else "int"
    return "INTEGER"  # SQLite reports the standard type names in capitals


def method(name: str) -> str:
    """How an index of access method ``name`` starts its definition."""
    return {"postgresql": f"{name} ", "mysql": f"{name.upper()} "}.get(VENDOR, "")


PROBE = "CREATE TABLE probe (id integer PRIMARY KEY, name varchar(10) NOT NULL, size integer{})"


def probe(*items: str) -> str:
    """``CREATE TABLE probe`` with extra column or constraint definitions."""
    return PROBE.format("".join(f", {item}" for item in items))


class Sides:
    """The two scratch databases: run SQL on either, and diff them."""

    def __init__(self) -> None:
        self.left: BaseDatabaseWrapper = connections[LEFT]
        self.right: BaseDatabaseWrapper = connections[RIGHT]

    @staticmethod
    def run(connection: BaseDatabaseWrapper, *statements: str) -> None:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def on_left(self, *statements: str) -> None:
        self.run(self.left, *statements)

    def on_right(self, *statements: str) -> None:
        self.run(self.right, *statements)

    def on_both(self, *statements: str) -> None:
        self.on_left(*statements)
        self.on_right(*statements)

    def diff(self, **options: Any) -> list[str]:
        differences = diff_schemas(read_schema(LEFT), read_schema(RIGHT), **options)
        return [difference.description for difference in differences]

    def drop_everything(self) -> None:
        for connection in (self.left, self.right):
            with connection.cursor() as cursor:
                if VENDOR == "mysql":
                    cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
                for table in connection.introspection.table_names(cursor):
                    cascade = " CASCADE" if VENDOR == "postgresql" else ""
                    cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}{cascade}")
                if VENDOR == "mysql":
                    cursor.execute("SET FOREIGN_KEY_CHECKS = 1")


@pytest.fixture(scope="session")
def scratch_databases(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    # After django_db_setup, so that the test database is not made for these
    # aliases too and "default" already names the test database. Access is
    # unblocked only to make and drop them, not for the whole session.
    with django_db_blocker.unblock(), ExitStack() as setup:
        setup.enter_context(throwaway_database("default", alias=LEFT))
        setup.enter_context(throwaway_database("default", alias=RIGHT))
        databases = setup.pop_all()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            databases.close()


@pytest.fixture
def database_access(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Database access outside a test transaction.

    For tests that build a throwaway database: Django's test cases refuse
    connections to aliases registered after they start, and a DDL-heavy
    test gains nothing from a transaction anyway.
    """
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def sides(scratch_databases: None, database_access: None) -> Iterator[Sides]:
    both = Sides()
    try:
        yield both
    finally:
        both.drop_everything()


def run(*args: str) -> str:
    out = StringIO()
    call_command("remodel", "schemadiff", *args, stdout=out, no_color=True)
    return out.getvalue()


def run_failing(*args: str) -> tuple[str, CommandError]:
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("remodel", "schemadiff", *args, stdout=out, no_color=True)
    return out.getvalue(), raised.value


def throwaway_databases_on_server() -> set[str]:
    """The names of throwaway databases (``*_remodel_*``) on the test server."""
    with connections["default"].cursor() as cursor:
        if VENDOR == "postgresql":
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", ["%_remodel_%"])
        elif VENDOR == "mysql":
            cursor.execute(
                "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE %s",
                ["%_remodel_%"],
            )
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}


# --- The same schema compares equal ---------------------------------------


def test_database_matches_its_migrations(database_access):
    before = throwaway_databases_on_server()
    # Other tests add fields to tables of the shared test database and take them away
    # again; on SQLite that rebuilds the table, with its columns in the models' order.
    order = ["--ignore-column-order"] if connections["default"].vendor == "sqlite" else []
    assert run("--against-migrations", *order) == "No differences.\n"
    assert throwaway_databases_on_server() == before
    assert not any(alias.startswith("remodel_throwaway_") for alias in connections)


def test_same_ddl_gives_equal_schemas(sides):
    statements = [
        "CREATE TABLE owner (id integer PRIMARY KEY, email varchar(50) NOT NULL)",
        probe(
            "owner_id integer NOT NULL",
            "note varchar(20) DEFAULT 'n/a'",
            "CONSTRAINT probe_name_uniq UNIQUE (name, size)",
            "CONSTRAINT probe_size_check CHECK (size >= 0)",
            "CONSTRAINT probe_owner_fk FOREIGN KEY (owner_id) REFERENCES owner (id)",
        ),
        "CREATE INDEX probe_name_idx ON probe (name, size)",
        "CREATE UNIQUE INDEX owner_email_idx ON owner (email)",
    ]
    if VENDOR != "mysql":  # partial indexes
        statements.append("CREATE INDEX probe_small_idx ON probe (size) WHERE size < 10")
    sides.on_both(*statements)
    assert sides.diff() == []
    table = read_schema(LEFT).table("probe")
    assert table is not None
    assert table.column_names == ("id", "name", "size", "owner_id", "note")
    assert table.primary_key is not None
    assert table.primary_key.columns == ("id",)
    assert [index.name for index in table.indexes][:1] == ["probe_name_idx"]
    assert [c.name for c in table.unique_constraints] == ["probe_name_uniq"]
    assert [c.name for c in table.check_constraints] == ["probe_size_check"]
    assert [(fk.name, fk.referenced_table) for fk in table.foreign_keys] == [
        ("probe_owner_fk", "owner")
    ]


@pytest.mark.django_db
def test_reads_the_contrib_tables():
    schema = read_schema("default")
    assert schema.vendor == VENDOR
    assert "django_migrations" in schema.table_names
    user = schema.table("auth_user")
    assert user is not None
    username = user.column("username")
    assert username is not None
    assert (username.type, username.nullable) == (varchar(150), False)
    membership = schema.table("auth_user_groups")
    assert membership is not None
    assert membership.primary_key is not None
    assert membership.primary_key.columns == ("id",)
    # unique_together: a unique constraint, or on SQLite a unique index.
    unique_keys = [c.columns for c in membership.unique_constraints] + [
        tuple(key.expression for key in index.columns)
        for index in membership.indexes
        if index.unique
    ]
    assert unique_keys == [("user_id", "group_id")]
    assert sorted((fk.columns, fk.referenced_table) for fk in membership.foreign_keys) == [
        (("group_id",), "auth_group"),
        (("user_id",), "auth_user"),
    ]


# --- Each kind of difference, named exactly ---------------------------------


def test_missing_table(sides):
    sides.on_right(probe())
    assert sides.diff() == ["Table 'probe' exists only in database 'right' (3 columns)."]


def test_extra_table(sides):
    sides.on_left(probe())
    assert sides.diff() == ["Table 'probe' exists only in database 'left' (3 columns)."]


def test_excluded_tables_are_left_out(sides):
    sides.on_left(probe(), "CREATE TABLE probe_log (id integer PRIMARY KEY)")
    assert sides.diff(exclude_tables=["probe*"]) == []
    assert sides.diff(exclude_tables=["probe"]) == [
        "Table 'probe_log' exists only in database 'left' (1 column)."
    ]


def test_missing_and_extra_column(sides):
    sides.on_left(probe("note integer"))
    sides.on_right(probe("remark integer"))
    assert sides.diff() == [
        f"Column 'probe.note' exists only in database 'left': {integer()} NULL.",
        f"Column 'probe.remark' exists only in database 'right': {integer()} NULL.",
    ]


def test_column_type(sides):
    sides.on_left(probe())
    sides.on_right(probe().replace("varchar(10)", "varchar(20)"))
    assert sides.diff() == [
        f"Column 'probe.name' type differs: {varchar(10)} in database 'left', "
        f"{varchar(20)} in database 'right'."
    ]


def test_column_nullability(sides):
    sides.on_left(probe())
    sides.on_right(probe().replace("varchar(10) NOT NULL", "varchar(10) NULL"))
    assert sides.diff() == [
        "Column 'probe.name' nullability differs: NOT NULL in database 'left', "
        "NULL in database 'right'."
    ]


def test_column_default(sides):
    sides.on_left(probe().replace("NOT NULL", "NOT NULL DEFAULT 'a'"))
    sides.on_right(probe())
    default = "'a'::character varying" if VENDOR == "postgresql" else "'a'"
    assert sides.diff() == [
        f"Column 'probe.name' default differs: {default} in database 'left', "
        "none in database 'right'."
    ]


def test_column_order(sides):
    sides.on_left(probe())
    sides.on_right(
        "CREATE TABLE probe (id integer PRIMARY KEY, size integer, name varchar(10) NOT NULL)"
    )
    assert sides.diff() == [
        "Columns of 'probe' are in a different order: (id, name, size) in database 'left', "
        "(id, size, name) in database 'right'."
    ]
    assert sides.diff(ignore_column_order=True) == []


def test_missing_index(sides):
    sides.on_both(probe())
    sides.on_right("CREATE INDEX probe_name_idx ON probe (name)")
    assert sides.diff() == [
        f"Index 'probe_name_idx' on 'probe' exists only in database 'right': "
        f"{method('btree')}(name)."
    ]


def test_changed_index(sides):
    sides.on_both(probe())
    sides.on_left("CREATE INDEX probe_name_idx ON probe (name)")
    sides.on_right("CREATE INDEX probe_name_idx ON probe (name, size)")
    btree = method("btree")
    assert sides.diff() == [
        f"Index 'probe_name_idx' on 'probe' differs: {btree}(name) in database 'left', "
        f"{btree}(name, size) in database 'right'."
    ]


def test_renamed_index(sides):
    sides.on_both(probe())
    sides.on_left("CREATE INDEX probe_name_idx ON probe (name)")
    sides.on_right("CREATE INDEX probe_name_0123abcd ON probe (name)")
    assert sides.diff() == [
        "Index on 'probe' is named 'probe_name_idx' in database 'left' but "
        f"'probe_name_0123abcd' in database 'right' (same definition: {method('btree')}(name))."
    ]
    assert sides.diff(ignore_names=True) == []
    assert run("--database", LEFT, "--other", RIGHT, "--ignore-names") == "No differences.\n"


def test_missing_unique_constraint(sides):
    sides.on_left(probe("CONSTRAINT probe_name_uniq UNIQUE (name)"))
    sides.on_right(probe())
    assert sides.diff() == [
        "Unique constraint 'probe_name_uniq' on 'probe' exists only in database 'left': "
        "UNIQUE (name)."
    ]


def test_changed_unique_constraint(sides):
    sides.on_left(probe("CONSTRAINT probe_name_uniq UNIQUE (name)"))
    sides.on_right(probe("CONSTRAINT probe_name_uniq UNIQUE (name, size)"))
    assert sides.diff() == [
        "Unique constraint 'probe_name_uniq' on 'probe' differs: UNIQUE (name) in "
        "database 'left', UNIQUE (name, size) in database 'right'."
    ]


def test_missing_check_constraint(sides):
    sides.on_left(probe("CONSTRAINT probe_size_check CHECK (size >= 0)"))
    sides.on_right(probe())
    clause = {
        "postgresql": "CHECK ((size >= 0))",
        "mysql": "CHECK (`size` >= 0)",
        "sqlite": "CHECK (size >= 0)",
    }[VENDOR]
    assert sides.diff() == [
        f"Check constraint 'probe_size_check' on 'probe' exists only in database 'left': {clause}."
    ]


def _with_owner(sides: Sides, left_fk: str | None, right_fk: str | None) -> None:
    """``owner`` and ``probe`` on both sides, probe with the given FOREIGN KEY clauses.

    On MySQL the owner_id index is declared on both sides, or InnoDB would
    add one for the foreign key on one side only.
    """
    sides.on_both("CREATE TABLE owner (id integer PRIMARY KEY)")
    common = ["owner_id integer"]
    if VENDOR == "mysql":
        common.append("INDEX probe_owner_idx (owner_id)")
    for run_on, fk in ((sides.on_left, left_fk), (sides.on_right, right_fk)):
        run_on(probe(*common, *([fk] if fk else [])))


def test_missing_foreign_key(sides):
    _with_owner(
        sides, "CONSTRAINT probe_owner_fk FOREIGN KEY (owner_id) REFERENCES owner (id)", None
    )
    actions = " ON DELETE RESTRICT ON UPDATE RESTRICT" if VENDOR == "mysql" else ""
    assert sides.diff() == [
        "Foreign key 'probe_owner_fk' on 'probe' exists only in database 'left': "
        f"FOREIGN KEY (owner_id) REFERENCES owner (id){actions}."
    ]


def test_changed_foreign_key(sides):
    fk = "CONSTRAINT probe_owner_fk FOREIGN KEY (owner_id) REFERENCES owner (id)"
    _with_owner(sides, f"{fk} ON DELETE CASCADE", fk)
    definition = "FOREIGN KEY (owner_id) REFERENCES owner (id)"
    if VENDOR == "mysql":
        left, right = (
            "ON DELETE CASCADE ON UPDATE RESTRICT",
            "ON DELETE RESTRICT ON UPDATE RESTRICT",
        )
    else:
        left, right = "ON DELETE CASCADE", ""
    assert sides.diff() == [
        f"Foreign key 'probe_owner_fk' on 'probe' differs: {definition} {left} in database "
        f"'left', {f'{definition} {right}'.strip()} in database 'right'."
    ]


def test_backend_specific_details(sides):
    if VENDOR == "postgresql":
        sides.on_both("CREATE TABLE owner (id integer PRIMARY KEY)")
        fk = "CONSTRAINT probe_owner_fk FOREIGN KEY (owner_id) REFERENCES owner (id)"
        sides.on_left(
            probe("owner_id integer", f"{fk} DEFERRABLE INITIALLY DEFERRED"),
            "CREATE INDEX probe_name_like ON probe (name varchar_pattern_ops)",
        )
        sides.on_right(
            probe("owner_id integer", fk), "CREATE INDEX probe_name_like ON probe (name)"
        )
        definition = "FOREIGN KEY (owner_id) REFERENCES owner (id)"
        expected = [
            "Index 'probe_name_like' on 'probe' differs: btree (name varchar_pattern_ops) "
            "in database 'left', btree (name) in database 'right'.",
            f"Foreign key 'probe_owner_fk' on 'probe' differs: {definition} DEFERRABLE "
            f"INITIALLY DEFERRED in database 'left', {definition} in database 'right'.",
        ]
    elif VENDOR == "mysql":
        sides.on_left(probe() + " ENGINE=InnoDB")
        sides.on_right(
            probe().replace("varchar(10)", "varchar(10) COLLATE utf8mb4_bin") + " ENGINE=MyISAM"
        )
        collation = read_schema(LEFT).table("probe").column("name").collation  # type: ignore[union-attr]
        expected = [
            "Table 'probe' engine differs: InnoDB in database 'left', MyISAM in database 'right'.",
            f"Column 'probe.name' collation differs: {collation} in database 'left', "
            "utf8mb4_bin in database 'right'.",
        ]
    else:
        sides.on_left(probe().replace("integer PRIMARY KEY", "integer PRIMARY KEY AUTOINCREMENT"))
        sides.on_right(probe().replace("varchar(10)", "varchar(10) COLLATE NOCASE"))
        expected = [
            "Column 'probe.id' identity differs: AUTOINCREMENT in database 'left', "
            "none in database 'right'.",
            "Column 'probe.name' collation differs: none in database 'left', "
            "NOCASE in database 'right'.",
        ]
    assert sides.diff() == expected


def test_sqlite_ddl_parser():
    parsed = parse_create_table(
        'CREATE TABLE "t" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
        "[odd name] varchar(10) COLLATE NOCASE DEFAULT (1 + 2) UNIQUE, "
        '`n` integer CONSTRAINT n_positive CHECK ("n">=-1) REFERENCES other, '
        "g integer GENERATED ALWAYS AS (n*2) STORED, "
        'CONSTRAINT t_pair UNIQUE ("odd name", n), '
        "CONSTRAINT t_fk FOREIGN KEY (n) REFERENCES other (id) DEFERRABLE INITIALLY DEFERRED"
        ") WITHOUT ROWID"
    )
    assert parsed.columns["id"].autoincrement
    assert parsed.columns["odd name"].collation == "NOCASE"
    assert parsed.columns["g"].generated == "GENERATED ALWAYS AS (n * 2) STORED"
    assert parsed.uniques == [(None, ("odd name",)), ("t_pair", ("odd name", "n"))]
    assert parsed.checks == [("n_positive", '"n" >= -1')]
    assert parsed.foreign_keys == [
        (None, ("n",), "other", None),
        ("t_fk", ("n",), "other", "DEFERRABLE INITIALLY DEFERRED"),
    ]
    assert parsed.options == [("without rowid", "yes")]
    index = parse_create_index(
        'CREATE UNIQUE INDEX "i" ON "t" (lower("n") COLLATE NOCASE DESC, "g") WHERE "n" > 0'
    )
    assert (index.keys, index.condition) == (('lower("n")', '"g"'), '"n" > 0')


def test_differences_are_typed(sides):
    sides.on_left(probe())
    sides.on_right(probe().replace("varchar(10)", "varchar(20)"))
    [difference] = diff_schemas(read_schema(LEFT), read_schema(RIGHT))
    assert (difference.change, difference.kind, difference.table, difference.name) == (
        Change.CHANGED,
        Kind.COLUMN,
        "probe",
        "name",
    )
    assert (difference.attribute, difference.left, difference.right) == (
        "type",
        varchar(10),
        varchar(20),
    )


# --- The command ------------------------------------------------------------


def test_command_no_differences_between_two_databases(sides):
    sides.on_both(probe())
    assert run("--database", LEFT, "--other", RIGHT) == "No differences.\n"


def test_command_reports_differences_per_table_and_exits_1(sides):
    sides.on_left(probe(), "CREATE TABLE probe_log (id integer PRIMARY KEY)")
    sides.on_right(
        probe().replace("varchar(10)", "varchar(20)"),
        "CREATE INDEX probe_name_idx ON probe (name)",
    )
    output, error = run_failing("--database", LEFT, "--other", RIGHT)
    assert error.returncode == 1
    assert str(error) == "The schemas differ: 3 differences."
    assert output == (
        "Differences between database 'left' and database 'right':\n"
        "  probe\n"
        f"    - Column 'name' type differs: {varchar(10)} in database 'left', "
        f"{varchar(20)} in database 'right'.\n"
        "    - Index 'probe_name_idx' exists only in database 'right': "
        f"{method('btree')}(name).\n"
        "  probe_log\n"
        "    - Table exists only in database 'left' (1 column).\n"
    )
    output, error = run_failing(
        "--database", LEFT, "--other", RIGHT, "--exclude-table", "probe_log"
    )
    assert str(error) == "The schemas differ: 2 differences."
    assert "probe_log" not in output


def test_command_json(sides):
    sides.on_right(probe())
    output, error = run_failing("--database", LEFT, "--other", RIGHT, "--format", "json")
    assert error.returncode == 1
    assert json.loads(output) == {
        "left": "database 'left'",
        "right": "database 'right'",
        "identical": False,
        "differences": [
            {
                "change": "missing",
                "kind": "table",
                "table": "probe",
                "name": None,
                "attribute": None,
                "left": None,
                "right": "3 columns",
                "definition": None,
                "description": "Table 'probe' exists only in database 'right' (3 columns).",
            }
        ],
    }


def test_command_json_without_differences(sides):
    output = run("--database", LEFT, "--other", RIGHT, "--format", "json")
    assert json.loads(output) == {
        "left": "database 'left'",
        "right": "database 'right'",
        "identical": True,
        "differences": [],
    }


def test_command_needs_something_to_compare_with():
    with pytest.raises(
        CommandError, match="one of the arguments --other --against-migrations is required"
    ):
        run()


def test_unknown_alias_is_named_with_the_known_ones():
    with pytest.raises(CommandError) as raised:
        run("--database", "nope", "--other", "default")
    message = str(raised.value)
    assert message.startswith(
        "There is no database 'nope' in settings.DATABASES; use one of the configured aliases: "
        "'default'"
    )
    with pytest.raises(UnknownDatabaseError, match="There is no database 'replica' in"):
        compare("default", other="replica")


def test_unreachable_database_is_a_clear_error(unreachable_alias, sides):
    with pytest.raises(DatabaseUnreachableError) as raised:
        read_schema(unreachable_alias)
    message = str(raised.value)
    if VENDOR == "sqlite":
        assert message == (
            f"Database 'unreachable' is the SQLite file "
            f"{connections['unreachable'].settings_dict['NAME']!r}, which does not exist; "
            "check NAME in settings.DATABASES['unreachable'] or run migrate first."
        )
    else:
        name = connections["unreachable"].settings_dict["NAME"]
        display = "PostgreSQL" if VENDOR == "postgresql" else "MySQL"
        assert message.startswith(
            f"Cannot connect to database 'unreachable', the {display} database {name!r} "
            "on 127.0.0.1:1: "
        )
        assert message.endswith(
            "Check that the server is running and that settings.DATABASES['unreachable'] is right."
        )
    with pytest.raises(CommandError) as raised_by_command:
        run("--database", LEFT, "--other", unreachable_alias)
    assert str(raised_by_command.value) == message


def test_throwaway_database_is_dropped_when_migrating_fails(database_access, monkeypatch):
    made: list[tuple[str, str]] = []

    def failing_migrate(connection: BaseDatabaseWrapper) -> None:
        made.append((connection.alias, str(connection.settings_dict["NAME"])))
        raise RuntimeError("a migration failed")

    monkeypatch.setattr(sources, "migrate", failing_migrate)
    before = throwaway_databases_on_server()
    with pytest.raises(RuntimeError, match="a migration failed"):
        run("--against-migrations")
    [(alias, name)] = made
    assert alias not in connections.settings
    assert throwaway_databases_on_server() == before
    if VENDOR == "sqlite":
        assert not Path(name).exists()
        assert not Path(name).parent.exists()


PROBE_ALIAS = "remodel_probe"


def drop_by_hand(*names: str) -> None:
    """Drop throwaway databases that ``throwaway_database`` may have left behind in a test."""
    if VENDOR == "sqlite":  # its files are in a temporary directory
        return
    default = connections["default"]
    with default._nodb_cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP DATABASE IF EXISTS {default.ops.quote_name(name)}")


def refuse_to_drop(connection: BaseDatabaseWrapper, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``DROP DATABASE`` fail for ``connection``, as without the right to drop."""

    def nodb_cursor() -> Any:
        raise DatabaseError("permission denied to drop database")

    monkeypatch.setattr(connection, "_nodb_cursor", nodb_cursor)


def undroppable_throwaway_database(
    monkeypatch: pytest.MonkeyPatch, names: list[str], error: Exception | None = None
) -> None:
    """Use a throwaway database that cannot be dropped, raising ``error`` in the block."""
    with throwaway_database("default") as connection:
        names.append(str(connection.settings_dict["NAME"]))
        refuse_to_drop(connection, monkeypatch)
        if error is not None:
            raise error


@pytest.mark.skipif(VENDOR == "sqlite", reason="an SQLite throwaway database is a file")
def test_a_failed_drop_is_a_note_on_the_error_of_the_block(database_access, monkeypatch):
    names: list[str] = []
    failure = RuntimeError("a migration failed")
    try:
        with pytest.raises(RuntimeError) as raised:
            undroppable_throwaway_database(monkeypatch, names, failure)
        assert raised.value is failure
        [name] = names
        assert raised.value.__notes__ == [
            f"Could not drop the throwaway database {name!r} on the server of database "
            "'default': permission denied to drop database. Drop it by hand."
        ]
        assert name in throwaway_databases_on_server()
        assert not any(alias.startswith("remodel_throwaway_") for alias in connections.settings)
    finally:
        drop_by_hand(*names)


@pytest.mark.skipif(VENDOR == "sqlite", reason="an SQLite throwaway database is a file")
def test_a_failed_drop_after_a_successful_block_is_an_error(database_access, monkeypatch):
    names: list[str] = []
    try:
        with pytest.raises(ThrowawayDatabaseError) as raised:
            undroppable_throwaway_database(monkeypatch, names)
        [name] = names
        assert str(raised.value) == (
            f"Could not drop the throwaway database {name!r} on the server of database "
            "'default': permission denied to drop database. Drop it by hand."
        )
        assert isinstance(raised.value.__cause__, DatabaseError)
        assert not any(alias.startswith("remodel_throwaway_") for alias in connections.settings)
    finally:
        drop_by_hand(*names)


def test_throwaway_database_is_removed_even_when_closing_it_fails(
    database_access, monkeypatch, tmp_path
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = throwaway_databases_on_server()
    names: list[str] = []
    try:
        with throwaway_database("default", alias=PROBE_ALIAS) as connection:
            names.append(str(connection.settings_dict["NAME"]))
            connection.ensure_connection()
            close = connection.close

            def failing_close() -> None:
                close()
                raise DatabaseError("server closed the connection unexpectedly")

            monkeypatch.setattr(connection, "close", failing_close)
        assert PROBE_ALIAS not in connections.settings
        assert throwaway_databases_on_server() == before
        assert list(tmp_path.iterdir()) == []
    finally:
        drop_by_hand(*names)


def test_nothing_is_left_when_setting_up_the_throwaway_database_fails(
    database_access, monkeypatch, tmp_path
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    create_connection = connections.create_connection

    def failing_create_connection(alias: str) -> BaseDatabaseWrapper:
        if alias == PROBE_ALIAS:
            raise RuntimeError("cannot load the backend")
        return create_connection(alias)

    monkeypatch.setattr(connections, "create_connection", failing_create_connection)
    before = throwaway_databases_on_server()
    with (
        pytest.raises(RuntimeError, match="cannot load the backend"),
        throwaway_database("default", alias=PROBE_ALIAS),
    ):
        pass
    assert PROBE_ALIAS not in connections.settings
    assert throwaway_databases_on_server() == before
    assert list(tmp_path.iterdir()) == []


def test_a_failing_migration_is_named(database_access, monkeypatch, settings, tmp_path):
    package = tmp_path / "remodel_failing_migrations"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "0001_broken.py").write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    operations = [migrations.RunSQL('SELECT * FROM remodel_no_such_table')]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.MIGRATION_MODULES = {"staticfiles": "remodel_failing_migrations"}
    before = throwaway_databases_on_server()
    _, error = run_failing("--against-migrations")
    message = str(error)
    assert message.startswith("The migrations failed on the throwaway database '")
    assert "' beside database 'default', in migration 'staticfiles.0001_broken': " in message
    assert "remodel_no_such_table" in message
    assert message.endswith("; fix that migration, or compare with another database with --other.")
    assert isinstance(error.__cause__, MigrationsFailedError)
    assert isinstance(error.__cause__.__cause__, DjangoDatabaseError)
    assert throwaway_databases_on_server() == before
    assert not any(alias.startswith("remodel_throwaway_") for alias in connections.settings)


def test_a_failing_catalog_query_is_a_clear_error(sides):
    sides.on_left(probe())

    def failing(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        return execute("SELECT * FROM remodel_no_such_table", None, many, context)

    with sides.left.execute_wrapper(failing):
        with pytest.raises(SchemaReadError) as raised:
            read_schema(LEFT)
        _, by_command = run_failing("--database", LEFT, "--other", RIGHT)
    message = str(raised.value)
    server_advice = (
        "Check that the server is still reachable, that it is a version Django supports, "
        "and that the database user may read {}."
    )
    advice = {
        "postgresql": server_advice.format("pg_catalog"),
        "mysql": server_advice.format("information_schema"),
        "sqlite": "Check that the file is an intact SQLite database and that Python's "
        "SQLite library is a version Django supports.",
    }[VENDOR]
    assert message.startswith(
        f"Could not read the schema of database 'left', the {where(sides.left)}: "
    )
    assert "remodel_no_such_table" in message
    assert message.endswith(f". {advice}")
    assert isinstance(raised.value.__cause__, DjangoDatabaseError)
    assert str(by_command) == message


class FakeMySQL:
    """Just enough of a MySQL connection for ``sources._creation_suffix``."""

    vendor = "mysql"
    alias = "shop"
    settings_dict = {"NAME": "shop", "HOST": "db.example", "PORT": "3306"}  # noqa: RUF012
    ops = SimpleNamespace(quote_name=lambda name: f"`{name}`")
    creation = SimpleNamespace(sql_table_creation_suffix=lambda: "<from the TEST settings>")

    def __init__(self, row: tuple[Any, ...] | None = None, error: Exception | None = None):
        self.row = row
        self.error = error

    @contextmanager
    def cursor(self) -> Iterator[FakeMySQL]:
        yield self

    def execute(self, sql: str) -> None:
        if self.error is not None:
            raise self.error

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.row


@pytest.mark.parametrize(
    ("row", "suffix"),
    [
        (("utf8mb4", "utf8mb4_unicode_ci"), "CHARACTER SET `utf8mb4` COLLATE `utf8mb4_unicode_ci`"),
        (("utf8mb4\n", "utf8mb4_unicode_ci"), "<from the TEST settings>"),
        (("utf8mb4", "utf8mb4_\u00fcnicode_ci"), "<from the TEST settings>"),
        (("utf8mb4", "utf8mb4_bin COLLATE x"), "<from the TEST settings>"),
        ((None, None), "<from the TEST settings>"),
        (None, "<from the TEST settings>"),
    ],
)
def test_throwaway_mysql_database_gets_the_character_set_of_its_source(row, suffix):
    fake = FakeMySQL(row)
    assert sources._creation_suffix(fake, fake) == suffix  # type: ignore[arg-type]


def test_unreadable_mysql_character_set_is_a_clear_error():
    denied = OperationalError(1142, "SELECT command denied to user 'app'@'%' for table 'SCHEMATA'")
    fake = FakeMySQL(error=denied)
    with pytest.raises(ThrowawayDatabaseError) as raised:
        sources._creation_suffix(fake, fake)  # type: ignore[arg-type]
    assert str(raised.value) == (
        "Could not read the character set and collation of database 'shop', the MySQL "
        "database 'shop' on db.example:3306, to give the throwaway database the same: "
        f"{denied}. Check that the user of settings.DATABASES['shop'] may read "
        "information_schema.SCHEMATA, or compare with --other."
    )
    assert raised.value.__cause__ is denied


@contextmanager
def sqlite_alias(alias: str, name: str) -> Iterator[str]:
    """``alias`` registered as the SQLite database ``name``."""
    connections.settings[alias] = {
        **connections["default"].settings_dict,
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {"uri": True},
    }
    try:
        yield alias
    finally:
        connections[alias].close()  # a no-op when it never connected
        del connections[alias]
        del connections.settings[alias]


def test_sqlite_name_may_be_a_uri(database_access, monkeypatch, tmp_path):
    path = tmp_path / "db.sqlite3"
    with closing(sqlite3.connect(path)) as database:
        database.execute("CREATE TABLE probe (id integer PRIMARY KEY)")
    monkeypatch.chdir(tmp_path)
    for name in (
        "file:db.sqlite3?mode=ro",
        f"file:{path}?mode=ro",
        f"file://localhost{path}",
    ):
        with sqlite_alias("uri", name):
            assert read_schema("uri").table_names == ("probe",)
    # Only the path part names the file, which must exist as for a plain path.
    with (
        sqlite_alias("uri", "file:missing.sqlite3?cache=shared"),
        pytest.raises(DatabaseUnreachableError, match="which does not exist"),
    ):
        read_schema("uri")
    assert not (tmp_path / "missing.sqlite3").exists()


def test_all_tables_are_read_in_a_few_queries(sides):
    sides.on_left(probe())
    for number in range(20):
        sides.on_left(
            f"CREATE TABLE t{number} (id integer PRIMARY KEY, probe_id integer, "
            f"CONSTRAINT t{number}_check CHECK (id > 0), "
            f"CONSTRAINT t{number}_fk FOREIGN KEY (probe_id) REFERENCES probe (id))",
            f"CREATE INDEX t{number}_idx ON t{number} (probe_id)",
        )
    statements: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with sides.left.execute_wrapper(record):
        schema = introspect(sides.left)
    assert len(schema.tables) == 21
    assert all(len(table.foreign_keys) == 1 for table in schema.tables if table.name != "probe")
    # A few bulk catalog queries, not a round trip per table.
    assert len(statements) <= 5


def test_help_explains():
    result = subprocess.run(
        [sys.executable, "manage.py", "remodel", "schemadiff", "--help"],
        cwd=ROOT / "example",
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example")])},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "--against-migrations" in result.stdout
    assert "exits with 1" in result.stdout
