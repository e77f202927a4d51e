"""Run one migration step in a fresh process, as a deployment would, and time it.

``main()``, in a process where ``django.setup()`` ran, reads a request as JSON on standard
input: ``{"database": <settings of the database>, "action": ..., "targets":
[[app, name], ...]}`` and prints its answer as JSON on the last line. The
process uses the project's settings (``DJANGO_SETTINGS_MODULE``) with the
``default`` database replaced by the one given, so every step starts with
nothing imported and nothing cached, and the migration files are read as they
are on disk at that moment.

Actions: ``migrate`` (``manage.py migrate`` to the end, timed, with the time
of each migration), ``migrate_to`` (the old history up to ``targets``),
``check`` (``makemigrations --check --dry-run``).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

from django_remodel.errors import MigrationsFailedError

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

# Django is set up before the package is imported: its modules need the app registry.
_COMMAND = "import django; django.setup(); from django_remodel.squash.runner import main; main()"

_APPLIED = re.compile(r"Applying (\w+)\.(\w+)\.\.\. OK \(([\d.]+)s\)")


def _migrate() -> dict[str, Any]:
    from django.core.management import call_command

    output = io.StringIO()
    started = time.perf_counter()
    call_command("migrate", database="default", interactive=False, verbosity=2, stdout=output)
    seconds = time.perf_counter() - started
    applied = [
        [match.group(1), match.group(2), float(match.group(3))]
        for match in _APPLIED.finditer(output.getvalue())
    ]
    return {"seconds": seconds, "applied": applied}


def _finalized(replaced: list[list[str]]) -> None:
    """Load the history as it will be once the old files and ``replaces`` are gone.

    That is Django's last step of a squash, taken when every database has run
    ``migrate`` with the new files: only then is it measured here, in memory,
    in this process alone.
    """
    from django.db.migrations.loader import MigrationLoader

    gone = {(app_label, name) for app_label, name in replaced}
    load_disk = MigrationLoader.load_disk

    def load_disk_finalized(self: MigrationLoader) -> None:
        load_disk(self)
        renamed: dict[tuple[str, str], tuple[str, str]] = {}
        for key, migration in list(self.disk_migrations.items()):
            if key in gone:
                del self.disk_migrations[key]
            elif migration.replaces:
                renamed.update(((old[0], old[1]), key) for old in migration.replaces)
                setattr(migration, "replaces", [])  # noqa: B010
        for migration in self.disk_migrations.values():
            dependencies = [renamed.get((d[0], d[1]), d) for d in migration.dependencies]
            # Only this process's copy of the migration is changed, for this one run.
            setattr(migration, "dependencies", list(dict.fromkeys(dependencies)))  # noqa: B010

    MigrationLoader.load_disk = load_disk_finalized  # type: ignore[method-assign]


def _migrate_to(targets: list[list[str]]) -> dict[str, Any]:
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections["default"]
    executor = MigrationExecutor(connection)
    keys = [(app_label, name) for app_label, name in targets]
    plan = executor.migration_plan(keys)
    executor.migrate(keys, plan=plan)
    return {"applied": [[m.app_label, m.name, 0.0] for m, _backwards in plan]}


def _probe(spots: list[list[Any]]) -> dict[str, Any]:
    from django.db import connections

    from django_remodel.squash.data import watch_migrate

    wanted = {((app_label, name), index) for app_label, name, index in spots}
    effects = watch_migrate(connections["default"], wanted)
    return {
        "effects": [[key[0], key[1], index, *effect] for (key, index), effect in effects.items()]
    }


def _check() -> dict[str, Any]:
    from django.core.management import call_command

    output = io.StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, interactive=False, stdout=output)
    except SystemExit as exit_:
        return {"clean": not exit_.code, "output": output.getvalue()}
    return {"clean": True, "output": output.getvalue()}


def main() -> int:
    from django.db import connections

    request = json.loads(sys.stdin.read())
    # Setting up may have connected already; the next use connects to the given database.
    connections["default"].close()
    del connections["default"]
    connections.settings["default"] = request["database"]
    action = request["action"]
    if action == "migrate":
        if request.get("finalized"):
            _finalized(request["finalized"])
        answer = _migrate()
    elif action == "migrate_to":
        answer = _migrate_to(request["targets"])
    elif action == "probe":
        answer = _probe(request["spots"])
    elif action == "check":
        answer = _check()
    else:
        raise SystemExit(f"Unknown action {action!r}.")
    connections.close_all()
    sys.stdout.write("\n" + json.dumps(answer) + "\n")
    return 0


def run_step(connection: BaseDatabaseWrapper, action: str, **extra: Any) -> dict[str, Any]:
    """Run ``action`` in a new process on ``connection``'s database, as its ``default``."""
    request = {"database": dict(connection.settings_dict), "action": action, **extra}
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(path for path in sys.path if path),
    }
    result = subprocess.run(
        [sys.executable, "-c", _COMMAND],
        input=json.dumps(request, default=str),
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise MigrationsFailedError(
            f"'{action}' failed on the throwaway database "
            f"{connection.settings_dict['NAME']!r}: {detail}"
        )
    answer: dict[str, Any] = json.loads(lines[-1])
    return answer
