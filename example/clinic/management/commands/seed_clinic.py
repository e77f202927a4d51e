"""``manage.py seed_clinic``: fill an empty database with the clinic's messy data."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from clinic import seeding


class Command(BaseCommand):
    help = (
        "Fill the database with deterministic synthetic clinic data (same --scale and "
        "--seed give the same rows). At --scale 1 the largest table has 100,000 rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Size factor; 1 is the full data set."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed.")
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Delete existing clinic data first instead of refusing to run.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="Rows per INSERT statement (PostgreSQL uses COPY instead).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias to seed.")

    def handle(self, *args: Any, **options: Any) -> None:
        scale: float = options["scale"]
        seed: int = options["seed"]
        using: str = options["database"]
        if scale <= 0:
            raise CommandError("--scale must be a positive number.")

        existing = {name: rows for name, rows in seeding.row_counts(using).items() if rows}
        if existing and not options["flush"]:
            listed = ", ".join(f"{name} ({rows:,})" for name, rows in list(existing.items())[:4])
            more = f" and {len(existing) - 4} more" if len(existing) > 4 else ""
            raise CommandError(
                f"The database already holds clinic data: {listed}{more}. "
                "Run seed_clinic with --flush to delete it first."
            )

        started = time.perf_counter()
        if existing:
            self.stdout.write(self.style.MIGRATE_HEADING("Deleting existing clinic data..."))
            seeding.flush(using)
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"Seeding the clinic (scale {scale:g}, seed {seed}):")
        )
        seeder = seeding.ClinicSeeder(scale, seed, batch_size=options["batch_size"], using=using)
        counts = seeder.run()
        elapsed = time.perf_counter() - started

        width = max(len(name) for name in counts)
        for name, rows in counts.items():
            self.stdout.write(f"  {name.ljust(width)}  {rows:>9,}")
        self.stdout.write(
            self.style.SUCCESS(
                f"  {'total'.ljust(width)}  {sum(counts.values()):>9,}  rows in {elapsed:.1f}s"
            )
        )
