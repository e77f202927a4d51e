"""What the data-move benchmarks share: counts, databases, Django settings, measuring, tables.

``bench/normalize.py`` and ``bench/merge.py`` each build their own scenario
and approaches; this module holds the parts that are the same for both:
parsing ``100k``-style counts and database names, creating and dropping the
benchmark database on PostgreSQL and MariaDB/MySQL (SQLite uses a file in a
temporary directory), configuring Django without a project, counting
statements with an ``execute_wrapper``, stopping a slow loop after a time
budget and extrapolating it, the process's peak RSS, and printing tables.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VENDORS = ("postgresql", "sqlite", "mysql")
MIB = 1024 * 1024


# ------------------------------------------------------------------ counts


def short(count: int) -> str:
    """``1000000`` -> ``1M``, ``10000`` -> ``10k``, ``1500`` -> ``1500``."""
    for suffix, unit in (("M", 1_000_000), ("k", 1_000)):
        if count >= unit and count % unit == 0:
            return f"{count // unit}{suffix}"
    return str(count)


def parse_count(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count such as 100k or 1M")
    number = float(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    if number < 1 or number != int(number):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole count")
    return int(number)


def parse_counts(text: str) -> list[int]:
    return [parse_count(item) for item in text.split(",") if item.strip()]


def parse_vendors(text: str) -> list[str]:
    aliases = {
        "postgres": "postgresql",
        "pg": "postgresql",
        "sqlite3": "sqlite",
        "mariadb": "mysql",
    }
    vendors = []
    for item in text.split(","):
        name = aliases.get(item.strip().lower(), item.strip().lower())
        if not name:
            continue
        if name not in VENDORS:
            raise argparse.ArgumentTypeError(
                f"{item!r} is not a database; use {', '.join(VENDORS)}"
            )
        if name not in vendors:
            vendors.append(name)
    if not vendors:
        raise argparse.ArgumentTypeError("no database given")
    return vendors


# ---------------------------------------------------------------- settings


def database_settings(vendor: str, sqlite_dir: Path, name: str) -> dict[str, Any]:
    """Settings of the database ``name`` (a plain name: it is not quoted) on ``vendor``;
    SQLite's is a file in ``sqlite_dir``."""
    if vendor == "postgresql":
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "PASSWORD": os.environ.get("PGPASSWORD", ""),
        }
    if vendor == "mysql":
        return {
            "ENGINE": "django.db.backends.mysql",
            "NAME": name,
            "HOST": os.environ.get("MYSQL_HOST", "127.0.0.1"),
            "PORT": os.environ.get("MYSQL_TCP_PORT", "3306"),
            "USER": os.environ.get("MYSQL_USER", "root"),
            "PASSWORD": os.environ.get("MYSQL_PWD", ""),
            "OPTIONS": {
                "charset": "utf8mb4",
                "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
            },
        }
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_dir / "bench.sqlite3")}


def configure_django(vendors: list[str], sqlite_dir: Path, name: str) -> None:
    """Settings without a project: one connection per vendor, named after it."""
    import django
    from django.conf import settings

    databases: dict[str, dict[str, Any]] = {"default": {}}
    for vendor in vendors:
        databases[vendor] = database_settings(vendor, sqlite_dir, name)
    settings.configure(
        DEBUG=False,
        INSTALLED_APPS=[],
        DATABASES=databases,
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        USE_TZ=True,
    )
    django.setup()


def on_server(vendor: str, params: dict[str, Any], *statements: str) -> None:
    """Run ``statements`` on the server itself, outside the benchmark database."""
    if vendor == "postgresql":
        import psycopg

        with psycopg.connect(
            host=params["HOST"],
            port=params["PORT"],
            user=params["USER"],
            password=params["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        ) as conn:
            for statement in statements:
                conn.execute(statement.encode())
    elif vendor == "mysql":
        import MySQLdb  # type: ignore[import-untyped]

        conn = MySQLdb.connect(
            host=params["HOST"],
            port=int(params["PORT"]),
            user=params["USER"],
            password=params["PASSWORD"],
            connect_timeout=5,
        )
        try:
            for statement in statements:
                conn.cursor().execute(statement)
        finally:
            conn.close()


def create_database(vendor: str, params: dict[str, Any]) -> None:
    """Create the database ``params["NAME"]`` on a server, dropping a leftover one first."""
    charset = " CHARACTER SET utf8mb4" if vendor == "mysql" else ""
    name = params["NAME"]
    on_server(
        vendor,
        params,
        f"DROP DATABASE IF EXISTS {name}",
        f"CREATE DATABASE {name}{charset}",
    )


def drop_database(vendor: str, params: dict[str, Any]) -> None:
    on_server(vendor, params, f"DROP DATABASE IF EXISTS {params['NAME']}")


def server_version(connection: Any) -> str:
    if connection.vendor == "postgresql":
        version = connection.pg_version
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    if connection.vendor == "mysql":
        name = "MariaDB" if connection.mysql_is_mariadb else "MySQL"
        return f"{name} {'.'.join(map(str, connection.mysql_version))}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def sqlite_version() -> tuple[int, ...]:
    import sqlite3

    return tuple(int(part) for part in sqlite3.sqlite_version.split("."))


def analyze(connection: Any, tables: Sequence[str]) -> None:
    """Fresh planner statistics for ``tables`` (quoted here), as after a load."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            return
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(f"VACUUM ANALYZE {qn(table)}")
            else:
                cursor.execute(f"ANALYZE TABLE {qn(table)}")
                cursor.fetchall()


# --------------------------------------------------------------- measuring


def max_rss() -> int:
    """The process's peak resident set size so far, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def reset_rss_peak() -> bool:
    """Reset the process's peak RSS to its current RSS (Linux 4.0+); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


class StatementCounter:
    """A connection ``execute_wrapper`` that counts statements (executemany counts once)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def empty_migration_statements(connection: Any, state: Any, app: str) -> int:
    """Statements an empty migration runs on this connection (the schema editor's own)."""
    from django.db.migrations.migration import Migration

    counter = StatementCounter()
    with connection.execute_wrapper(counter), connection.schema_editor() as editor:
        Migration("0002_empty", app).apply(state.clone(), editor)
    return counter.count


class OverBudget(Exception):
    """Raised inside a slow loop to stop it; the migration rolls back."""


@dataclass
class Budget:
    """Stops a slow loop after ``seconds`` (timed run) or ``rows`` units (traced run).

    It notes the time and statement count whenever the units done reach a
    power of two, so that a stopped run is extrapolated from the rate of its
    later half: the first units are often slower (they create the rows others reuse).
    """

    seconds: float | None = None
    rows: int | None = None
    total: int = 0
    counter: StatementCounter | None = None
    started: float = 0.0
    done: int = 0
    stopped: float | None = None
    checkpoints: list[tuple[int, float, int]] = field(default_factory=list)

    def start(self, started: float, counter: StatementCounter) -> None:
        self.started, self.counter, self.done, self.stopped = started, counter, 0, None
        self.checkpoints = [(0, started, counter.count)]

    def tick(self) -> None:
        self.done += 1
        if self.done >= self.total:
            return
        now = time.perf_counter()
        if self.done & (self.done - 1) == 0 and self.counter is not None:
            self.checkpoints.append((self.done, now, self.counter.count))
        if (self.rows is not None and self.done >= self.rows) or (
            self.seconds is not None and now - self.started > self.seconds
        ):
            self.stopped = now
            raise OverBudget

    def extrapolate(self, statements: int) -> tuple[float, int]:
        """Seconds and statements for all ``total`` units, at the later half's rate."""
        assert self.stopped is not None
        done, at, count = max(
            (point for point in self.checkpoints if point[0] <= self.done // 2),
            key=lambda point: point[0],
        )
        left = (self.total - self.done) / (self.done - done)
        seconds = self.stopped - self.started + (self.stopped - at) * left
        return seconds, round(statements + (statements - count) * left)


# ----------------------------------------------------------------- printing


def mebibytes(value: int | None) -> str:
    if value is None:
        return "-"
    if value < MIB:
        return f"{value / 1024:,.0f} KiB"
    return f"{value / MIB:,.1f} MiB"


def render_table(
    header: Sequence[str], lines: Sequence[tuple[Sequence[str], str | None]], right: set[int]
) -> list[str]:
    """``header`` and ``lines`` of cells in aligned columns (those in ``right`` to the
    right), a rule under the header; a line's status, when not None, follows its cells."""
    every: list[tuple[Sequence[str], str | None]] = [(header, None), *lines]
    widths = [0] * len(header)
    for cells, _ in every:
        for index, cell in enumerate(cells):
            widths[index] = max(widths[index], len(cell))
    out = []
    for number, (cells, status) in enumerate(every):
        parts = [
            cell.rjust(widths[index]) if index in right else cell.ljust(widths[index])
            for index, cell in enumerate(cells)
        ]
        if status is not None:
            parts.append(status)
        out.append("  ".join(parts).rstrip())
        if number == 0:
            out.append("  ".join("-" * width for width in widths))
    return out


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
