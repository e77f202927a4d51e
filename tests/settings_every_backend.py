"""Test settings with one database of each backend: the one ``REMODEL_DB`` names as
``default``, and the two others as extra aliases (on the usual servers, in their own
system databases, since nothing is read from them)."""

from __future__ import annotations

import os

from clinic.databases import VENDORS, database_from_env, selected_vendor
from tests.settings import *  # noqa: F403
from tests.settings import BASE_DIR, DATABASES


def _server(vendor: str) -> dict[str, object]:
    previous = os.environ.get("REMODEL_DB")
    os.environ["REMODEL_DB"] = vendor
    try:
        settings = database_from_env("unused", BASE_DIR)
    finally:
        if previous is None:
            del os.environ["REMODEL_DB"]
        else:
            os.environ["REMODEL_DB"] = previous
    if vendor == "postgresql":
        settings["NAME"] = "postgres"
    elif vendor == "mysql":
        settings["NAME"] = "mysql"
    return settings


DATABASES = {
    **DATABASES,
    **{
        vendor: _server(vendor) for vendor in VENDORS if vendor not in (selected_vendor(), "sqlite")
    },
}
if selected_vendor() != "sqlite":
    DATABASES["sqlite"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
