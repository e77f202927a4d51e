"""A batched merge killed half-way finishes when it runs again, exactly as if it had not
been stopped.

A child process (``tests.merge.merge_worker``) runs MergeRows and RepointReferences in
batches of 50 over a few thousand rows, on the test database (a file of its own on
SQLite, whose test database lives in memory); it is killed once a chosen step has
committed a few batches. The test process then runs the same operations again, and
the target rows, their values, every reference and the id map must be those of a run
that was not stopped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.db.migrations.state import ProjectState

from django_remodel.sql.merge import source_code
from tests.merge.merge_worker import (
    APP,
    ID_MAP,
    SOURCES,
    TIMES,
    create_tables,
    drop_tables,
    operations,
    project_state,
    run,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BATCH = 50
OWN, PATIENTS, CUSTOMERS, VISITS = 40, 1_000, 800, 1_200


@dataclass(frozen=True)
class Database:
    alias: str
    name: str
    """What the child process's ``REMODEL_DB_NAME`` must be to reach the same tables."""


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """The test database; on SQLite, whose test database is in memory, a file instead."""
    if connection.vendor != "sqlite":
        yield Database("default", str(connection.settings_dict["NAME"]))
        return
    path = tmp_path / "resume.sqlite3"
    connections.settings["resume"] = {**connection.settings_dict, "NAME": str(path), "TEST": {}}
    # Connected here, not on first use: the test case only lets the aliases it knew when it
    # started open connections of their own.
    connections["resume"].connect()
    with connections["resume"].cursor() as cursor:
        # Kept in the file, so the child writes ahead too: one sync per batch, not three.
        cursor.execute("PRAGMA journal_mode=WAL")
    try:
        yield Database("resume", str(path))
    finally:
        connections["resume"].close()
        del connections["resume"]
        del connections.settings["resume"]


@pytest.fixture
def state(database: Database) -> Iterator[ProjectState]:
    state = project_state()
    create_tables(state, database.alias)
    try:
        with transaction.atomic(using=database.alias):
            seed(database.alias)
        yield state
    finally:
        drop_tables(state, database.alias)


# -- The rows ------------------------------------------------------------------------


def insert(alias: str, table: str, rows: list[dict[str, Any]]) -> None:
    quote = connections[alias].ops.quote_name
    columns = list(rows[0])
    with connections[alias].cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            [[row[c] for c in columns] for row in rows],
        )


def select(alias: str, sql: str) -> list[tuple[Any, ...]]:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]


def _email(number: int) -> str:
    """``p<number>@example.com`` in one of three cases, with spaces around some."""
    text = [f"p{number}@example.com", f"P{number}@Example.com", f"P{number}@EXAMPLE.COM"]
    return [" ", "", "  ", ""][number % 4] + text[number % 3] + ["", " "][number % 2]


def seed(alias: str) -> None:
    """Rows that meet: patients and customers share keys (in any case, with spaces), some
    patients repeat the one before, some rows have no key, the target holds some keys."""
    ts = connections[alias].ops.adapt_datetimefield_value
    insert(
        alias,
        f"{APP}_person",
        [
            {
                "id": n,
                "email": _email(6 * n) if n % 10 else None,
                "name": f"Own {n}",
                "phone": "" if n % 2 else f"o{n}",
                "seen": None,
                "origin": f"Person:{n}",
            }
            for n in range(1, OWN + 1)
        ],
    )
    insert(
        alias,
        f"{APP}_patient",
        [
            {
                "id": n,
                "email": None if n % 50 == 0 else _email(n - 1 if n % 13 == 0 else n),
                "name": f"Patient {n}",
                "phone": "" if n % 2 else f"p{n}",
                "seen": ts(TIMES[n % 3]),
                "tag": f"Patient:{n}",
            }
            for n in range(1, PATIENTS + 1)
        ],
    )
    insert(
        alias,
        f"{APP}_customer",
        [
            {
                "id": n,
                "email": "  " if n % 40 == 0 else _email(2 * n),
                "name": None if n % 5 == 0 else f"Customer {n}",
                "phone": None if n % 3 == 0 else f"c{n}",
                "seen": ts(TIMES[(n + 1) % 3]),
                "tag": f"Customer:{n}",
            }
            for n in range(1, CUSTOMERS + 1)
        ],
    )
    insert(
        alias,
        f"{APP}_visit",
        [
            {"id": n, "patient_id": None if n % 17 == 0 else n % PATIENTS + 1}
            for n in range(1, VISITS + 1)
        ],
    )


@dataclass(frozen=True)
class Snapshot:
    """What a merge left, with target rows named by where they come from (their keys
    differ between runs: the id map's numbering goes on)."""

    rows: dict[str, tuple[Any, ...]]
    visits: list[tuple[int, int | None, str | None]]
    id_map: dict[tuple[str, str], tuple[str | None, bool]]


def snapshot(alias: str) -> Snapshot:
    people = select(alias, f"SELECT id, origin, email, name, phone, seen FROM {APP}_person")
    origin = {row[0]: row[1] for row in people}
    assert len(set(origin.values())) == len(people), "two target rows have the same origin"
    visits = select(alias, f"SELECT id, patient_id, patient_new_id FROM {APP}_visit ORDER BY id")
    id_map = select(alias, f"SELECT source, old_pk, new_pk, leads FROM {ID_MAP}")
    labels = {source_code(label): label for label in (f"{APP}.person", *map(str.lower, SOURCES))}
    return Snapshot(
        rows={row[1]: row[2:] for row in people},
        visits=[(pk, old, origin.get(new)) for pk, old, new in visits],
        id_map={
            (labels[code], old): (origin.get(new), bool(leads)) for code, old, new, leads in id_map
        },
    )


def check_complete(found: Snapshot) -> None:
    """Every row is in the id map; every visit points at the target row of its patient."""
    sources = {source for source, _ in found.id_map}
    assert sources == {f"{APP}.person", f"{APP}.patient", f"{APP}.customer"}
    counted = {source: sum(1 for s, _ in found.id_map if s == source) for source in sources}
    assert counted == {
        f"{APP}.person": OWN,
        f"{APP}.patient": PATIENTS,
        f"{APP}.customer": CUSTOMERS,
    }
    lost = [row for row, (new, _) in found.id_map.items() if new is None]
    assert not lost, f"{len(lost)} id map row(s) point at no target row, such as {lost[:3]}"
    for pk, old, new in found.visits:
        if old is None:
            assert new is None, f"visit {pk} has no patient but points at {new}"
        else:
            assert new == found.id_map[f"{APP}.patient", str(old)][0], f"visit {pk}"


# -- Running -------------------------------------------------------------------------


REFERENCE: dict[str, Snapshot] = {}
"""The uninterrupted run's result, by vendor: the same rows merge the same way."""


def uninterrupted(database: Database, state: ProjectState) -> Snapshot:
    if connection.vendor not in REFERENCE:
        moves = operations(batch_size=BATCH)
        run(moves, state, alias=database.alias)
        found = snapshot(database.alias)
        check_complete(found)
        run(moves, state, alias=database.alias, backwards=True)
        undone = snapshot(database.alias)
        assert set(undone.rows) == {f"Person:{n}" for n in range(1, OWN + 1)}
        assert undone.id_map == {}
        assert all(new is None for _, _, new in undone.visits)
        REFERENCE[connection.vendor] = found
    return REFERENCE[connection.vendor]


def run_and_kill(database: Database, step: str, batches: int) -> list[str]:
    """Run the worker until the step labelled ``step`` has committed ``batches`` batches,
    then kill it; its log."""
    environment = {
        **os.environ,
        "REMODEL_DB": connection.vendor,
        "REMODEL_DB_NAME": database.name,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example")]),
    }
    child = subprocess.Popen(
        [
            *(sys.executable, "-u", "-m", "tests.merge.merge_worker"),
            *("--batch-size", str(BATCH), "--pause", "0"),
        ],
        cwd=ROOT,
        env=environment,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    watchdog = threading.Timer(120, child.kill)
    watchdog.start()
    committed = 0
    seen: list[str] = []
    try:
        assert child.stderr is not None
        for line in child.stderr:
            seen.append(line)
            if f" {step}: batch " in line and " committed, " in line:
                committed += 1
                if committed == batches:
                    child.send_signal(signal.SIGKILL)
                    break
    finally:
        child.wait(timeout=30)
        watchdog.cancel()
    assert committed == batches, "".join(seen[-20:])
    assert child.returncode == -signal.SIGKILL, "".join(seen[-20:])
    return seen


@pytest.mark.parametrize(
    ("step", "batches"),
    [
        pytest.param(f"{APP}.customer", 5, id="registering"),
        pytest.param(f"{APP}.person <- {APP}.patient", 7, id="creating"),
        pytest.param(f"{APP}.person <- {APP}.customer (phone)", 6, id="resolving"),
        pytest.param(f"{APP}.Visit.patient", 9, id="repointing"),
    ],
)
def test_a_killed_batched_merge_resumes(
    database: Database, state: ProjectState, step: str, batches: int
) -> None:
    expected = uninterrupted(database, state)

    run_and_kill(database, step, batches)
    stopped = snapshot(database.alias)
    assert stopped != expected  # it stopped half-way

    run(operations(batch_size=BATCH), state, alias=database.alias)

    found = snapshot(database.alias)
    check_complete(found)
    assert found.rows == expected.rows
    assert found.visits == expected.visits
    assert found.id_map == expected.id_map
