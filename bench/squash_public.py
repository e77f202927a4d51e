"""``remodel squash --verify`` on a public project that was not written for it: django-allauth.

The installed ``allauth`` package is copied into a temporary project, where
it is a first-party app like any other (its files can be rewritten there),
and ``manage.py remodel squash --verify`` runs on it, on the database
``REMODEL_DB`` names (``sqlite``, ``postgresql``, ``mysql``; the server
databases are created beside ``REMODEL_DB_NAME``). The output is printed;
the exit code is the command's.

    python bench/squash_public.py [--keep DIR] [extra remodel squash options]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

APPS = (
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "allauth.usersessions",
)

SETTINGS = """
import os

SECRET_KEY = "public-project-check"
USE_TZ = True
SITE_ID = 1
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
ROOT_URLCONF = "urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django_remodel",
    *{apps!r},
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
TEMPLATES = [
    {{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {{"context_processors": ["django.template.context_processors.request"]}},
    }}
]
_vendor = os.environ.get("REMODEL_DB", "sqlite")
_name = os.environ.get("REMODEL_DB_NAME", "remodel_public")
if _vendor == "postgresql":
    DATABASES = {{"default": {{
        "ENGINE": "django.db.backends.postgresql", "NAME": _name,
        "HOST": os.environ.get("PGHOST", "127.0.0.1"), "PORT": os.environ.get("PGPORT", "5432"),
        "USER": os.environ.get("PGUSER", "postgres"), "PASSWORD": os.environ.get("PGPASSWORD", ""),
    }}}}
elif _vendor == "mysql":
    DATABASES = {{"default": {{
        "ENGINE": "django.db.backends.mysql", "NAME": _name,
        "HOST": os.environ.get("MYSQL_HOST", "127.0.0.1"),
        "PORT": os.environ.get("MYSQL_TCP_PORT", "3306"),
        "USER": os.environ.get("MYSQL_USER", "root"), "PASSWORD": os.environ.get("MYSQL_PWD", ""),
        "OPTIONS": {{"charset": "utf8mb4"}},
    }}}}
else:
    DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": _name}}}}
"""

MANAGE = """
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
from django.core.management import execute_from_command_line

execute_from_command_line(sys.argv)
"""


def make_project(directory: Path) -> Path:
    """A project in ``directory`` whose allauth is a copy of the installed one."""
    import allauth  # type: ignore[import-untyped]

    source = Path(allauth.__file__).resolve().parent
    shutil.copytree(source, directory / "allauth", ignore=shutil.ignore_patterns("__pycache__"))
    (directory / "settings.py").write_text(textwrap.dedent(SETTINGS.format(apps=APPS)))
    (directory / "urls.py").write_text("urlpatterns = []\n")
    (directory / "manage.py").write_text(MANAGE)
    return directory


def manage(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(project), str(ROOT / "src")]),
        **(env or {}),
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def main(argv: list[str]) -> int:
    keep = None
    if argv[:1] == ["--keep"]:
        keep = Path(argv[1])
        argv = argv[2:]
    directory = keep or Path(tempfile.mkdtemp(prefix="remodel-public-"))
    try:
        project = make_project(directory)
        env = {}
        if os.environ.get("REMODEL_DB", "sqlite") == "sqlite":
            env["REMODEL_DB_NAME"] = str(directory / "db.sqlite3")
            manage(project, "migrate", "--verbosity", "0", env=env)
        result = manage(project, "remodel", "squash", "--verify", "--no-input", *argv, env=env)
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        return result.returncode
    finally:
        if keep is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
