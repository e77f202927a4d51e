"""MySQL and MariaDB: ``UPDATE ... JOIN``, byte-exact comparisons, a session lock timeout.

Their usual collations (``utf8mb4_unicode_ci``, even ``utf8mb4_bin`` on
MariaDB) call ``'a'``, ``'A'`` and ``'a '`` equal, in comparisons, in
``DISTINCT`` and in unique indexes. Values are therefore grouped and compared
as bytes; and before a unique target column is filled, one statement counts
the distinct values its collation would store as one (``ValueClashError``
then, rather than a duplicate-key error halfway).
"""

from __future__ import annotations

import math
import re
from typing import Any

from django_remodel.sql.base import (
    ALL_ROWS,
    SOURCE,
    TARGET,
    KeyRange,
    NormalizeSQL,
    Statement,
)

_NAME = re.compile(r"^[A-Za-z0-9_]+$")


class MySQLNormalizeSQL(NormalizeSQL):
    """The data moves on MySQL and MariaDB."""

    vendor = "mysql"

    def exact(self, expression: str) -> str:
        # Bytes, in one character set: the two tables may use different ones.
        return f"CAST(CONVERT({expression} USING utf8mb4) AS BINARY)"

    def nonempty(self, expression: str) -> str:
        # '  ' = '' under PAD SPACE collations; its length is still 2.
        return f"CHAR_LENGTH({expression}) > 0"

    def empty(self, expression: str) -> str:
        return f"CHAR_LENGTH({expression}) = 0"

    def fill(self, keys: KeyRange = ALL_ROWS) -> Statement:
        move = self.move
        condition, params = self.in_range(SOURCE, keys)
        sql = (
            f"UPDATE {self.table(move.source_table, SOURCE)} "
            f"INNER JOIN {self.table(move.target_table, TARGET)} "
            f"ON {self.match(self.column(TARGET, move.target_value), self.cleaned())} "
            f"SET {self.column(SOURCE, move.fk_column)} = {self.column(TARGET, move.target_key)} "
            f"WHERE {self.fill_conditions()}{condition}"
        )
        return Statement(sql, params)

    def restore(self, keys: KeyRange = ALL_ROWS, *, clear: bool = False) -> Statement:
        move = self.move
        target_value = self.column(TARGET, move.target_value)
        assignments, needed = self.restore_set(SOURCE, target_value, clear=clear, qualify=True)
        condition, params = self.in_range(SOURCE, keys)
        filters = f"{needed}{condition}".removeprefix(" AND ")
        sql = (
            f"UPDATE {self.table(move.source_table, SOURCE)} "
            f"INNER JOIN {self.table(move.target_table, TARGET)} "
            f"ON {self.column(TARGET, move.target_key)} = {self.column(SOURCE, move.fk_column)} "
            f"SET {assignments}" + (f" WHERE {filters}" if filters else "")
        )
        return Statement(sql, params)

    # -- Values the target's unique index would call equal --------------------------

    def preflight(self) -> list[Statement]:
        if not self.move.target_value_unique:
            return []
        return [
            Statement(
                "SELECT CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s AND COLUMN_NAME = %s",
                (self.move.target_table, self.move.target_value),
            )
        ]

    def preflight_check(self, rows: list[list[tuple[Any, ...]]]) -> tuple[Statement, str] | None:
        if not rows or not rows[0]:
            return None
        charset, collation = rows[0][0]
        if not (charset and collation and _NAME.match(charset) and _NAME.match(collation)):
            return None  # not a text column
        return self.clash_count(charset, collation), collation

    def clash_count(self, charset: str, collation: str) -> Statement:
        """How many groups of distinct values (cleaned source values and the target's own)
        the target column's collation calls equal."""
        move = self.move
        value = self.cleaned()
        target_value = self.column(TARGET, move.target_value)
        as_target = f"CONVERT(u.v USING {charset}) COLLATE {collation}"
        sql = (
            "SELECT COUNT(*) FROM (SELECT 1 AS clash FROM ("
            f"SELECT MIN({value}) AS v FROM {self.table(move.source_table, SOURCE)} "
            f"WHERE {self.is_set(value)} GROUP BY {self.exact(value)} "
            f"UNION ALL SELECT {target_value} AS v FROM {self.table(move.target_table, TARGET)} "
            f"WHERE {target_value} IS NOT NULL"
            f") AS u GROUP BY {as_target} HAVING COUNT(DISTINCT {self.exact('u.v')}) > 1"
            ") AS clashes"
        )
        return Statement(sql)

    # -- Lock timeout: innodb_lock_wait_timeout is a session setting, in seconds ----

    def read_session_lock_timeout(self) -> Statement | None:
        return Statement("SELECT @@SESSION.innodb_lock_wait_timeout")

    def set_session_lock_timeout(self, value: Any) -> Statement | None:
        return Statement("SET SESSION innodb_lock_wait_timeout = %s", (value,))

    def session_lock_timeout_value(self, milliseconds: int) -> Any:
        return max(1, math.ceil(milliseconds / 1000))
