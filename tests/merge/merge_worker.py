"""A batched merge run outside a migration file: in the tests, and in a child process the
crash-and-resume test kills.

``python -m tests.merge.merge_worker --batch-size N [--pause S]`` runs :func:`operations`
(MergeRows, then RepointReferences) forwards on the database the environment selects
(``REMODEL_DB``, ``REMODEL_DB_NAME``), each batch its own transaction, with progress
logged to stderr. The tables must exist already (:func:`create_tables`).
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import sys
from typing import Any

from django.db import connections, migrations, models
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState

APP = "mergeresume"
ID_MAP = "mergeresume_person_merge_ids"
SOURCES = [f"{APP}.Patient", f"{APP}.Customer"]
TIMES = [
    None,
    datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
]


def _id() -> models.AutoField[Any, Any]:
    return models.AutoField(primary_key=True)


def _person_fields() -> list[tuple[str, models.Field[Any, Any]]]:
    return [
        ("email", models.CharField(max_length=100, null=True)),
        ("name", models.CharField(max_length=100, null=True)),
        ("phone", models.CharField(max_length=32, null=True)),
        ("seen", models.DateTimeField(null=True)),
    ]


SCHEMA: list[migrations.CreateModel] = [
    migrations.CreateModel(
        "Person",
        [("id", _id()), *_person_fields(), ("origin", models.CharField(max_length=40, null=True))],
    ),
    *[
        migrations.CreateModel(
            name,
            [("id", _id()), *_person_fields(), ("tag", models.CharField(max_length=40))],
        )
        for name in ("Patient", "Customer")
    ],
    migrations.CreateModel(
        "Visit",
        [
            ("id", _id()),
            ("patient", models.ForeignKey(f"{APP}.Patient", models.CASCADE, null=True)),
            ("patient_new", models.ForeignKey(f"{APP}.Person", models.CASCADE, null=True)),
        ],
    ),
]


def project_state() -> ProjectState:
    """The state the expand migration leaves: the sources, the target, the new key."""
    state = ProjectState()
    for operation in SCHEMA:
        operation.state_forwards(APP, state)
    return state


def operations(**batch: Any) -> list[Operation]:
    """Merge Patient and Customer into Person by email (every policy), then repoint
    Visit.patient; ``batch`` are the batch options of both."""
    from django_remodel.operations import MergeRows, RepointReferences

    def mapped(patient: str, customer: str | None = None) -> dict[str, str]:
        return {SOURCES[0]: patient, SOURCES[1]: customer or patient}

    return [
        MergeRows(
            "Person",
            SOURCES,
            "email",
            [
                ["email", mapped("email"), "first"],
                ["name", mapped("name"), "first"],
                ["phone", mapped("phone"), "coalesce"],
                ["seen", mapped("seen"), "newest"],
                ["origin", mapped("tag"), "first"],
            ],
            id_map=ID_MAP,
            newest_by=mapped("seen"),
            **batch,
        ),
        RepointReferences(
            f"{APP}.Visit", "patient", "patient_new", SOURCES[0], id_map=ID_MAP, **batch
        ),
    ]


def run(
    moves: list[Operation], state: ProjectState, *, alias: str, backwards: bool = False
) -> None:
    """Run ``moves`` through schema editors that are not atomic (batches commit alone)."""
    for operation in reversed(moves) if backwards else moves:
        with connections[alias].schema_editor(atomic=False) as editor:
            move = operation.database_backwards if backwards else operation.database_forwards
            move(APP, editor, state, state)


def create_tables(state: ProjectState, alias: str) -> None:
    from django_remodel.operations import CreateMergeMap

    for operation in SCHEMA:
        with connections[alias].schema_editor() as editor:
            editor.create_model(state.apps.get_model(APP, operation.name))
    with connections[alias].schema_editor() as editor:
        CreateMergeMap(ID_MAP).database_forwards(APP, editor, state, state)


def drop_tables(state: ProjectState, alias: str) -> None:
    from django_remodel.operations import CreateMergeMap

    with connections[alias].schema_editor() as editor:
        CreateMergeMap(ID_MAP).database_backwards(APP, editor, state, state)
    for operation in reversed(SCHEMA):
        with connections[alias].schema_editor() as editor:
            editor.delete_model(state.apps.get_model(APP, operation.name))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--pause", type=float, default=0.0)
    arguments = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(name)s %(message)s")
    moves = operations(batch_size=arguments.batch_size, pause=arguments.pause)
    run(moves, project_state(), alias="default")
    print("done", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    main(sys.argv[1:])
