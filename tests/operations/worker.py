"""Running a data-move operation outside a migration file: in the tests, and in a
child process the crash-and-resume test kills.

``python -m tests.operations.worker forwards|backwards MODEL [options]`` runs
``NormalizeColumn`` for ``normalizeapp.Server`` or ``normalizeapp.Device`` on
the database the environment selects, with progress logged to stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from django.db import connection
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ModelState, ProjectState

APP = "normalizeapp"


def project_state() -> ProjectState:
    """The state the expand migration leaves: both the old column and the new foreign key."""
    from django.apps import apps

    state = ProjectState()
    for model in apps.get_app_config(APP).get_models():
        state.add_model(ModelState.from_model(model))
    return state


def run(
    operation: Operation,
    *,
    backwards: bool = False,
    atomic: bool = True,
    collect: bool = False,
    state: ProjectState | None = None,
) -> list[str]:
    """Run ``operation`` through a schema editor (not entered: that would start DDL
    handling a data move does not need); the SQL collected when ``collect``."""
    state = state or project_state()
    editor = connection.schema_editor(collect_sql=collect, atomic=atomic)
    move = operation.database_backwards if backwards else operation.database_forwards
    move(APP, editor, state, state)
    return list(getattr(editor, "collected_sql", []))


def operation_for(model: str, **options: Any) -> Operation:
    from django_remodel.operations import NormalizeColumn

    if model == "Server":
        return NormalizeColumn("Server", "location_name", "location", "Location", "name", **options)
    return NormalizeColumn("Device", "site_name", "site", "Site", "name", **options)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("direction", choices=("forwards", "backwards"))
    parser.add_argument("model", choices=("Server", "Device"))
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--pause", type=float, default=0.0)
    arguments = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(name)s %(message)s")
    operation = operation_for(
        arguments.model, batch_size=arguments.batch_size, pause=arguments.pause
    )
    run(operation, backwards=arguments.direction == "backwards", atomic=False)
    print("done", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    main(sys.argv[1:])
