"""``remodel squash --verify`` on public projects that were not written for it.

Projects: django-allauth (``--project allauth``, the default) and django-oscar
(``--project oscar``). The installed package is copied into a temporary
project, where its apps are first-party apps like any other (their files can
be rewritten there), and ``manage.py remodel squash --verify`` runs on it, on
the database ``REMODEL_DB`` names (``sqlite``, ``postgresql``, ``mysql``). On a
server, the database ``REMODEL_DB_NAME`` is created and migrated first, and
dropped afterwards unless ``--keep`` is given; the throwaway databases of the
verification are created beside it. The command's output
is printed: per app the migrations before and after, what was carried or
dropped, the verification (schemas, databases part-way through the old
history, ``makemigrations --check``) and the time to migrate from zero before
and after. The exit code is the command's.

    python bench/squash_public.py [--project allauth|oscar] [--keep DIR]
                                  [extra remodel squash options]
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

APPS = (
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "allauth.usersessions",
)

DJANGO_APPS = (
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
)

SESSION_MIDDLEWARE = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
)

OSCAR_APPS = (
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    # The packages Oscar's apps build on (none of them has models).
    "widget_tweaks",
    "haystack",
    "treebeard",
    "django_tables2",
)


@dataclass(frozen=True)
class PublicProject:
    """A public package whose apps are squashed, and the settings it needs to run."""

    name: str
    distribution: str
    """The name it is installed under (``pip install``)."""
    package: str
    """The top-level package copied into the project as first-party code."""
    installed_apps: tuple[str, ...]
    middleware: tuple[str, ...]
    context_processors: tuple[str, ...] = ("django.template.context_processors.request",)
    extra_settings: str = ""
    """Python text appended to the settings module."""


ALLAUTH = PublicProject(
    name="allauth",
    distribution="django-allauth",
    package="allauth",
    installed_apps=(*DJANGO_APPS, "django_remodel", *APPS),
    middleware=(*SESSION_MIDDLEWARE, "allauth.account.middleware.AccountMiddleware"),
)

OSCAR = PublicProject(
    name="oscar",
    distribution="django-oscar",
    package="oscar",
    installed_apps=(
        "django.contrib.admin",
        *DJANGO_APPS,
        "django.contrib.staticfiles",
        "django.contrib.flatpages",
        "django_remodel",
        *OSCAR_APPS,
    ),
    middleware=(
        *SESSION_MIDDLEWARE,
        "oscar.apps.basket.middleware.BasketMiddleware",
        "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    ),
    context_processors=(
        "django.template.context_processors.debug",
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "oscar.apps.search.context_processors.search_form",
        "oscar.apps.checkout.context_processors.checkout",
        "oscar.apps.communication.notifications.context_processors.notifications",
        "oscar.core.context_processors.metadata",
    ),
    extra_settings="""
from oscar.defaults import *  # noqa: E402,F403

AUTHENTICATION_BACKENDS = [
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
HAYSTACK_CONNECTIONS = {
    "default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"},
}
STATIC_URL = "/static/"
MEDIA_URL = "/media/"
""",
)

PROJECTS = {project.name: project for project in (ALLAUTH, OSCAR)}

SETTINGS = """
import os

SECRET_KEY = "public-project-check"
USE_TZ = True
SITE_ID = 1
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
ROOT_URLCONF = "urls"
INSTALLED_APPS = {installed_apps!r}
MIDDLEWARE = {middleware!r}
TEMPLATES = [
    {{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {{"context_processors": {context_processors!r}}},
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


def settings_text(project: PublicProject) -> str:
    """The settings module of the temporary project."""
    text = textwrap.dedent(
        SETTINGS.format(
            installed_apps=list(project.installed_apps),
            middleware=list(project.middleware),
            context_processors=list(project.context_processors),
        )
    )
    return text + textwrap.dedent(project.extra_settings)


def make_project(directory: Path, project: str = "allauth") -> Path:
    """A project in ``directory`` whose ``project`` package is a copy of the installed one."""
    public = PROJECTS[project]
    module = importlib.import_module(public.package)
    assert module.__file__ is not None
    source = Path(module.__file__).resolve().parent
    shutil.copytree(
        source, directory / public.package, ignore=shutil.ignore_patterns("__pycache__")
    )
    (directory / "settings.py").write_text(settings_text(public))
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


SERVER_DATABASE = """
from django.db import connection

name = connection.ops.quote_name(connection.settings_dict["NAME"])
with connection._nodb_cursor() as cursor:
    cursor.execute({statement!r} + name)
"""


def server_database(project: Path, statement: str) -> None:
    """``statement`` (``CREATE DATABASE ``, ``DROP DATABASE IF EXISTS ``) on the project's
    database, run from the server's maintenance database."""
    result = manage(project, "shell", "-c", SERVER_DATABASE.format(statement=statement))
    if result.returncode != 0:
        raise SystemExit(f"{statement.strip()} failed:\n{result.stderr}")


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        description="Run 'remodel squash --verify' on a copy of a public Django project.",
        epilog="Other options are passed to 'remodel squash'.",
    )
    parser.add_argument("--project", choices=sorted(PROJECTS), default="allauth")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="Write the project into DIR (it must not exist) and keep it afterwards.",
    )
    return parser.parse_known_args(argv)


def main(argv: list[str]) -> int:
    options, rest = parse(argv)
    public = PROJECTS[options.project]
    keep: Path | None = options.keep
    directory = keep or Path(tempfile.mkdtemp(prefix=f"remodel-{public.name}-"))
    vendor = os.environ.get("REMODEL_DB", "sqlite")
    created = False
    project = make_project(directory, public.name)
    try:
        env = {}
        if vendor != "sqlite":
            # The database --database names, on the whole old history, as a project's is.
            server_database(project, "CREATE DATABASE ")
            created = True
        else:
            env["REMODEL_DB_NAME"] = str(directory / "db.sqlite3")
        migrated = manage(project, "migrate", "--verbosity", "0", env=env)
        if migrated.returncode != 0:
            sys.stderr.write(migrated.stdout + migrated.stderr)
            return migrated.returncode
        version = metadata.version(public.distribution)
        sys.stdout.write(f"{public.distribution} {version} on {vendor}, in {directory}\n")
        started = time.perf_counter()
        result = manage(project, "remodel", "squash", "--verify", "--no-input", *rest, env=env)
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        sys.stdout.write(f"remodel squash --verify took {time.perf_counter() - started:.1f}s\n")
        return result.returncode
    finally:
        if created and keep is None:
            server_database(project, "DROP DATABASE IF EXISTS ")
        if keep is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
