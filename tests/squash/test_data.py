"""What a statement run by a data migration did: wrote rows, changed the schema, or nothing."""

from __future__ import annotations

import pytest

from django_remodel.squash.data import statement_effect


@pytest.mark.parametrize(
    ("sql", "rowcount", "effect"),
    [
        ('SELECT "id" FROM "legacy_appuser"', 12, (0, 0)),
        ('UPDATE "legacy_appuser" SET "email" = NULL', 0, (0, 0)),
        ('UPDATE "legacy_appuser" SET "email" = NULL', 3, (3, 0)),
        ('INSERT INTO "plan" ("name") VALUES (%s)', 1, (1, 0)),
        ('DELETE FROM "plan"', -1, (1, 0)),
        ('INSERT INTO "plan" ("name") VALUES (%s) RETURNING "plan"."id"', 0, (1, 0)),
        ('INSERT INTO "plan" ("name") SELECT "name" FROM "old_plan"', 0, (0, 0)),
        ("  -- a comment\n/* another */ DELETE FROM plan", 0, (0, 0)),
        ("WITH x AS (SELECT 1) SELECT * FROM x", -1, (0, 0)),
        ("WITH x AS (SELECT 1) UPDATE plan SET name = 'a'", 2, (2, 0)),
        ("CREATE EXTENSION IF NOT EXISTS citext", -1, (0, 1)),
        ('ALTER TABLE "plan" ADD COLUMN "x" integer', -1, (0, 1)),
        ("SAVEPOINT s1", -1, (0, 0)),
        ("PRAGMA foreign_keys", -1, (0, 0)),
    ],
)
def test_statement_effect(sql, rowcount, effect):
    assert statement_effect(sql, rowcount) == effect
