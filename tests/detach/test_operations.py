"""The detach operations on the database REMODEL_DB selects, on the example's alerts tables.

The expand migration's operations run through a schema editor on the
migration state of ``alerts`` at 0012; rows are written with plain SQL; every
test puts the schema back afterwards.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState
from django.db.migrations.writer import MigrationWriter
from django.test.utils import CaptureQueriesContext

import django_remodel.operations
from django_remodel.errors import BackfillVerificationError, OperationSetupError
from django_remodel.graph import ModelGraph
from django_remodel.operations import CopyParentFields, DetachParentRows, SplitReferences
from django_remodel.plans.detach import build_plan
from django_remodel.refactor.detach import migration_specs

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def run(
    operations: list[Operation], state: ProjectState, *, backwards: bool = False
) -> ProjectState:
    if backwards:
        states = []
        for operation in operations:
            states.append(state)
            state = state.clone()
            operation.state_forwards("alerts", state)
        for operation, before in reversed(list(zip(operations, states, strict=True))):
            after = before.clone()
            operation.state_forwards("alerts", after)
            with connection.schema_editor(atomic=False) as editor:
                operation.database_backwards("alerts", editor, after, before)
        return states[0]
    for operation in operations:
        new = state.clone()
        operation.state_forwards("alerts", new)
        with connection.schema_editor(atomic=False) as editor:
            operation.database_forwards("alerts", editor, state, new)
        state = new
    return state


def fill(maintainers: int, contributors: int = 0, plain: int = 0, alerts: int = 0) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote('tenants_tenant')} (id, name, slug, created_at, is_active) "
            "VALUES (%s, %s, %s, %s, %s)",
            (1, "T", "t", NOW, True),
        )
        total = maintainers + contributors + plain
        cursor.executemany(
            "INSERT INTO alerts_criteria (id, tenant_id, enabled, name, description, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [(n, 1, n % 3 == 0, f"rule {n} 'é'", "", NOW) for n in range(1, total + 1)],
        )
        cursor.executemany(
            "INSERT INTO alerts_maintainercriteria (id, reviews_greater_than, "
            "reviews_less_than) VALUES (%s, %s, %s)",
            [(n, n, None) for n in range(1, maintainers + 1)],
        )
        cursor.executemany(
            "INSERT INTO alerts_contributorcriteria (id, commits_greater_than, "
            "commits_less_than, window_days) VALUES (%s, %s, %s, %s)",
            [(n, 1, 2, 30) for n in range(maintainers + 1, maintainers + contributors + 1)],
        )
        cursor.executemany(
            "INSERT INTO alerts_alert (id, criteria_id, triggered_at, message, severity, "
            "acknowledged) VALUES (%s, %s, %s, %s, %s, %s)",
            [(n, (n % total) + 1, NOW, "m", "info", False) for n in range(1, alerts + 1)],
        )


@pytest.fixture
def expanded() -> Iterator[tuple[list[Any], ProjectState]]:
    """The alerts tables after the expand migration; put back afterwards."""
    plan = build_plan(
        ModelGraph.build(),
        ["alerts.MaintainerCriteria", "alerts.ContributorCriteria"],
        orphans="keep-parent",
        batch_size=0,
    )
    specs = migration_specs(plan)
    loader = MigrationLoader(connection)
    state = loader.project_state(("alerts", "0012_alert_severity"))
    expand = list(specs[0].operations)
    after = run(expand, state)
    try:
        yield [list(spec.operations) for spec in specs], after
    finally:
        with connection.cursor() as cursor:
            for table in (
                "alerts_alert",
                "alerts_maintainercriteria",
                "alerts_contributorcriteria",
                "alerts_criteria",
                "tenants_tenant",
            ):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        run(expand, state, backwards=True)


def _copy(batch_size: int | None = None) -> CopyParentFields:
    return CopyParentFields(
        "MaintainerCriteria",
        "Criteria",
        ["tenant", "enabled", "name", "description", "created_at"],
        batch_size=batch_size,
    )


def _statements(operation: Operation, state: ProjectState) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run([operation], state)
    return [query["sql"] for query in queries.captured_queries]


def _updates(statements: list[str]) -> int:
    return sum(1 for sql in statements if sql.lstrip().upper().startswith("UPDATE"))


def test_statements_do_not_grow_with_rows(expanded):
    _specs, state = expanded
    fill(10)
    small = _statements(_copy(), state)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM alerts_maintainercriteria")
        cursor.execute("DELETE FROM alerts_criteria")
        cursor.execute("DELETE FROM tenants_tenant")
    fill(10_000)
    big = _statements(_copy(), state)
    assert len(big) == len(small)
    assert _updates(big) == _updates(small) == 1
    with connection.cursor() as cursor:
        cursor.execute("UPDATE alerts_maintainercriteria SET name = NULL")
    batched = _statements(_copy(batch_size=2_500), state)
    assert _updates(batched) == 4  # one per range of keys
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM alerts_maintainercriteria m JOIN alerts_criteria p "
            "ON p.id = m.id WHERE m.name = p.name AND m.tenant_id = p.tenant_id"
        )
        assert cursor.fetchone()[0] == 10_000
    # Resumed after everything moved: no row changes.
    again = _statements(_copy(batch_size=2_500), state)
    assert _updates(again) == 4


def test_backfill_and_contract_round_trip(expanded):
    specs, state = expanded
    fill(4, 3, plain=1, alerts=16)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, criteria_id FROM alerts_alert ORDER BY id")
        alerts = cursor.fetchall()
    after_backfill = run(specs[1], state)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM alerts_contributorcriteria ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == [f"rule {n} 'é'" for n in (5, 6, 7)]
    after_contract = run(specs[2], after_backfill)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM alerts_criteria")
        assert [tuple(row) for row in cursor.fetchall()] == [(8,)]
    run(specs[2], after_backfill, backwards=True)
    run(specs[1], state, backwards=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, criteria_id FROM alerts_alert ORDER BY id")
        assert [tuple(row) for row in cursor.fetchall()] == [tuple(row) for row in alerts]
        cursor.execute("SELECT COUNT(*) FROM alerts_criteria")
        assert cursor.fetchone()[0] == 8
        cursor.execute("SELECT COUNT(*) FROM alerts_maintainercriteria WHERE name IS NOT NULL")
        assert cursor.fetchone()[0] == 0
    assert after_contract is not None


def test_verification_rolls_back_a_mismatch(expanded):
    _specs, state = expanded
    fill(3)
    with connection.cursor() as cursor:
        # A child row whose parent row is gone: nothing to copy it from.
        cursor.execute(
            "INSERT INTO alerts_maintainercriteria (id, reviews_greater_than) VALUES (99, 1)"
        )
    new = state.clone()
    with (
        pytest.raises(BackfillVerificationError) as error,
        connection.schema_editor(atomic=True) as editor,
    ):
        _copy().database_forwards("alerts", editor, state, new)
    assert str(error.value).startswith(
        "Copying Criteria's fields into alerts.MaintainerCriteria did not verify: 1 "
        "alerts.MaintainerCriteria row(s) have no Criteria row to copy from, 0 row(s) differ "
        "from theirs in tenant, enabled, name, description, created_at. The transaction is "
        "rolled back: nothing was changed."
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM alerts_maintainercriteria WHERE name IS NULL")
        assert cursor.fetchone()[0] == 4


def test_orphan_references_are_an_error(expanded):
    _specs, state = expanded
    fill(2, 1, plain=2, alerts=10)
    operation = SplitReferences(
        "Alert",
        "criteria",
        ["MaintainerCriteria", "ContributorCriteria"],
        ["maintainer_criteria", "contributor_criteria"],
    )
    with pytest.raises(BackfillVerificationError) as error:
        run([operation], state)
    assert str(error.value).startswith(
        "4 row(s) of alerts.Alert refer through 'criteria' to a alerts.Criteria row that is in "
        "none of MaintainerCriteria, ContributorCriteria; nothing was changed."
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM alerts_alert WHERE maintainer_criteria_id IS NOT NULL")
        assert cursor.fetchone()[0] == 0


def test_bad_arguments():
    with pytest.raises(OperationSetupError, match="orphans='maybe' is not one of"):
        SplitReferences("Alert", "criteria", ["A"], ["a"], orphans="maybe")
    with pytest.raises(OperationSetupError, match="fields is empty"):
        CopyParentFields("MaintainerCriteria", "Criteria", [])


@pytest.mark.parametrize(
    "operation",
    [
        _copy(batch_size=100),
        SplitReferences("Alert", "criteria", ["M"], ["m"], generic=False, orphans="null"),
        DetachParentRows(
            "Criteria",
            ["M"],
            ["name"],
            [["Alert", "criteria", ["m"], False]],
            drop=False,
            orphans="keep-parent",
        ),
    ],
)
def test_operations_survive_the_writer(operation):
    text = MigrationWriter.serialize(operation)[0]
    rebuilt = eval(text, {"django_remodel": django_remodel})
    assert rebuilt.deconstruct() == operation.deconstruct()
