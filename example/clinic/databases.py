"""The database the example project runs on, chosen by ``REMODEL_DB``.

``REMODEL_DB`` is ``sqlite`` (the default), ``postgresql`` or ``mysql``
(MariaDB or MySQL). Server connections use the client's usual variables:
``PGHOST``/``PGPORT``/``PGUSER``/``PGPASSWORD`` for PostgreSQL and
``MYSQL_HOST``/``MYSQL_TCP_PORT``/``MYSQL_USER``/``MYSQL_PWD`` for MariaDB.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

VENDORS = ("sqlite", "postgresql", "mysql")
ALIASES = {"sqlite3": "sqlite", "postgres": "postgresql", "pg": "postgresql", "mariadb": "mysql"}


def selected_vendor() -> str:
    """The vendor named by ``REMODEL_DB``, normalized; ``sqlite`` when unset."""
    raw = os.environ.get("REMODEL_DB", "sqlite").strip().lower() or "sqlite"
    vendor = ALIASES.get(raw, raw)
    if vendor not in VENDORS:
        raise ValueError(
            f"REMODEL_DB={raw!r} is not a supported database; use one of "
            f"{', '.join(VENDORS)} (or {', '.join(sorted(ALIASES))})."
        )
    return vendor


def database_from_env(name: str, sqlite_path: Path) -> dict[str, Any]:
    """A ``DATABASES`` entry for the selected vendor, named ``name`` on servers."""
    vendor = selected_vendor()
    if vendor == "postgresql":
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("REMODEL_DB_NAME", name),
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "PASSWORD": os.environ.get("PGPASSWORD", ""),
        }
    if vendor == "mysql":
        return {
            "ENGINE": "django.db.backends.mysql",
            "NAME": os.environ.get("REMODEL_DB_NAME", name),
            "HOST": os.environ.get("MYSQL_HOST", "127.0.0.1"),
            "PORT": os.environ.get("MYSQL_TCP_PORT", "3306"),
            "USER": os.environ.get("MYSQL_USER", "root"),
            "PASSWORD": os.environ.get("MYSQL_PWD", ""),
            "OPTIONS": {
                "charset": "utf8mb4",
                "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
            },
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        }
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("REMODEL_DB_NAME", str(sqlite_path)),
    }
