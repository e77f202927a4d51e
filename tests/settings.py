"""Test settings: the example clinic project, on the database ``REMODEL_DB`` names."""

from __future__ import annotations

from clinic.databases import database_from_env
from clinic.settings import *  # noqa: F403
from clinic.settings import BASE_DIR

DATABASES = {"default": database_from_env("remodel_tests", BASE_DIR / "tests.sqlite3")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp", "tests.normalizeapp"]  # noqa: F405
# The test apps are not in the example's registry: registry tests bring their own file.
REMODEL_REGISTRY_FILE = BASE_DIR.parent / "tests" / "no-registry.toml"
