"""The test matrix: lint, types, and the test suite per Django version and database.

``nox`` runs everything; ``nox -s "tests(5.2)"`` one Django series;
``nox -s tests -- -k schemadiff`` passes arguments on to pytest. Every test
session runs pytest once per database: SQLite always, PostgreSQL and MariaDB
when they answer (with ``CI=true`` a database that does not answer fails the
session instead of being skipped).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.download_python = "never"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "mypy", "tests", "django_suite"]

ROOT = Path(__file__).parent
JUNIT_DIR = ROOT / ".nox" / "junit"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Django series -> the Python versions it may run on, most preferred first.
DJANGO_SERIES = {
    "5.2": ("3.11", "3.12", "3.13"),
    "6.1": ("3.13", "3.12"),
}
# Which databases each Django series is tested on.
DJANGO_DATABASES = {
    "5.2": ("sqlite", "postgresql", "mysql"),
    "6.1": ("sqlite", "postgresql", "mysql"),
}
# Where each series runs the tests marked ``slow`` (the end-to-end runs of a whole
# refactoring on the example project, minutes each): the newest series on every database,
# the older one on SQLite; elsewhere it runs the rest (``-m "not slow"``), which holds every
# operation's and every command's tests on that database.
SLOW_DATABASES = {
    "5.2": ("sqlite",),
    "6.1": ("sqlite", "postgresql", "mysql"),
}
SERVERS = {
    "postgresql": ("PGHOST", "127.0.0.1", "PGPORT", 5432),
    "mysql": ("MYSQL_HOST", "127.0.0.1", "MYSQL_TCP_PORT", 3306),
}


def find_python(version: str) -> str | None:
    """The path of a working ``python<version>``: on PATH, under pyenv, or in /usr."""
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = [f"python{version}"]
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/{version}*/bin/python{version}"))
    candidates += [f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
    for candidate in candidates:
        try:
            result = subprocess.run(
                [candidate, "-c", "import sys, venv; print(sys.executable)"],
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError:
            continue
        if result.returncode == 0:
            return result.stdout.strip()
    return None


def python_for(series: str) -> str | None:
    for version in DJANGO_SERIES[series]:
        if path := find_python(version):
            return path
    return None


def reachable(vendor: str) -> bool:
    host_var, default_host, port_var, default_port = SERVERS[vendor]
    address = (os.environ.get(host_var, default_host), int(os.environ.get(port_var, default_port)))
    try:
        with socket.create_connection(address, timeout=2):
            return True
    except OSError:
        return False


@nox.session(python=python_for("5.2"))
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("ruff>=0.8,<0.18")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=python_for("5.2"))
def mypy(session: nox.Session) -> None:
    """mypy --strict with django-stubs."""
    session.install("-e", ".[dev]")
    session.run("mypy", "src", "example", "tests")


def _tests(session: nox.Session, series: str) -> None:
    session.install("-e", ".[test]", f"Django~={series}.0")
    # scripts/test-summary reads these to print the totals per Django series and database.
    results_dir = JUNIT_DIR / f"django-{series}"
    shutil.rmtree(results_dir, ignore_errors=True)
    results_dir.mkdir(parents=True)
    summary: list[str] = []
    missing: list[str] = []
    for vendor in DJANGO_DATABASES[series]:
        if vendor in SERVERS and not reachable(vendor):
            missing.append(vendor)
            summary.append(f"{vendor}: not reachable, skipped")
            continue
        junit = results_dir / f"{vendor}.xml"
        selection = [] if vendor in SLOW_DATABASES[series] else ["-m", "not slow"]
        session.log(f"Django {series} on {vendor}" + (" (without slow tests)" if selection else ""))
        session.run(
            "pytest",
            f"--junitxml={junit}",
            *selection,
            *session.posargs,
            env={"REMODEL_DB": vendor},
        )
    for line in summary:
        session.log(line)
    if missing and IN_CI:
        session.error(f"CI=true but these databases do not answer: {', '.join(missing)}")


@nox.session
@nox.parametrize(
    ("python", "django"),
    # A missing interpreter is reported by nox (and fails the run under CI=true).
    [(python_for(series) or DJANGO_SERIES[series][0], series) for series in DJANGO_SERIES],
    ids=list(DJANGO_SERIES),
)
def tests(session: nox.Session, django: str) -> None:
    """The test suite for one Django series, on every reachable database."""
    _tests(session, django)


@nox.session
@nox.parametrize(
    ("python", "django"),
    [(python_for(series) or DJANGO_SERIES[series][0], series) for series in DJANGO_SERIES],
    ids=list(DJANGO_SERIES),
)
def django_suite(session: nox.Session, django: str) -> None:
    """Django's own migration tests, run with RemodelAutodetector (scripts/django-suite)."""
    session.install("-e", ".", f"Django~={django}.0")
    session.run("python", "scripts/django-suite", *session.posargs)
