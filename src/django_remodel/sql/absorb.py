"""Per-vendor SQL for ``remodel absorb``: foreign keys to a profile moved to its user.

Copying the profile's columns into the user is the join ``remodel detach``
already writes (:class:`~django_remodel.sql.detach.CopyColumns`, joined on
the profile's link instead of a parent's key). This module adds the one move
detach has no use for: a key to a profile row rewritten as a key to the row
the profile belongs to, through the profile table.

The statements use a correlated subquery, which all three vendors run as one
statement; identifiers are quoted with the connection's ``quote_name``, key
bounds travel as parameters (:meth:`DetachSQL.in_range`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper

from django_remodel.sql.base import ALL_ROWS, KeyRange, Statement
from django_remodel.sql.detach import DetachSQL, detach_sql

PROFILE = "p"
REFERRER = "r"


@dataclass(frozen=True)
class ProfileReference:
    """A table whose key to the profile (``old``) gets a key to the profile's user (``new``)."""

    table: str
    pk: str
    old: str
    new: str
    profile_table: str
    profile_pk: str
    profile_link: str
    """The profile's column holding its user's key."""


class AbsorbSQL:
    """The statements that move references from a profile to its user."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.dialect: DetachSQL = detach_sql(connection)
        self.quote = connection.ops.quote_name

    def _through(self, ref: ProfileReference, select: str, match: str, value: str) -> str:
        """``(SELECT p.select FROM profile p WHERE p.match = table.value)``."""
        column = self.dialect.column
        table = self.quote(ref.table)
        return (
            f"(SELECT {column(PROFILE, select)} FROM "
            f"{self.dialect.table(ref.profile_table, PROFILE)} "
            f"WHERE {column(PROFILE, match)} = {column(table, value)})"
        )

    def fill(self, ref: ProfileReference, keys: KeyRange = ALL_ROWS) -> Statement:
        """Point the new key of each row in ``keys`` at the user of the profile its old key
        names, where the new key is not set yet."""
        table = self.quote(ref.table)
        value = self._through(ref, ref.profile_link, ref.profile_pk, ref.old)
        condition, params = self.dialect.in_range(self.dialect.column(table, ref.pk), keys)
        sql = (
            f"UPDATE {table} SET {self.quote(ref.new)} = {value} "
            f"WHERE {self.dialect.column(table, ref.old)} IS NOT NULL "
            f"AND {self.dialect.column(table, ref.new)} IS NULL{condition}"
        )
        return Statement(sql, params)

    def verify(self, ref: ProfileReference) -> Statement:
        """One row: the rows whose new key is not the user of the profile their old key names."""
        column = self.dialect.column
        same = self.dialect.same(
            column(REFERRER, ref.new), column(PROFILE, ref.profile_link), text=False
        )
        sql = (
            f"SELECT COUNT(*) FROM {self.dialect.table(ref.table, REFERRER)} "
            f"LEFT JOIN {self.dialect.table(ref.profile_table, PROFILE)} "
            f"ON {column(PROFILE, ref.profile_pk)} = {column(REFERRER, ref.old)} "
            f"WHERE {column(REFERRER, ref.old)} IS NOT NULL AND NOT ({same})"
        )
        return Statement(sql)

    def clear(self, ref: ProfileReference, keys: KeyRange = ALL_ROWS) -> Statement:
        """Set the new key of the rows in ``keys`` back to NULL."""
        table = self.quote(ref.table)
        condition, params = self.dialect.in_range(self.dialect.column(table, ref.pk), keys)
        sql = f"UPDATE {table} SET {self.quote(ref.new)} = NULL WHERE 1 = 1{condition}"
        return Statement(sql, params)

    def restore_old(self, ref: ProfileReference, keys: KeyRange = ALL_ROWS) -> Statement:
        """Write the old key back, from the new key, where it is NULL (the profiles are back)."""
        table = self.quote(ref.table)
        value = self._through(ref, ref.profile_pk, ref.profile_link, ref.new)
        condition, params = self.dialect.in_range(self.dialect.column(table, ref.pk), keys)
        sql = (
            f"UPDATE {table} SET {self.quote(ref.old)} = {value} "
            f"WHERE {self.dialect.column(table, ref.old)} IS NULL "
            f"AND {self.dialect.column(table, ref.new)} IS NOT NULL{condition}"
        )
        return Statement(sql, params)

    def count_unrestored(self, ref: ProfileReference) -> Statement:
        """How many rows have a new key but still no old one."""
        table = self.quote(ref.table)
        sql = (
            f"SELECT COUNT(*) FROM {table} WHERE {self.quote(ref.new)} IS NOT NULL "
            f"AND {self.quote(ref.old)} IS NULL"
        )
        return Statement(sql)


def absorb_sql(connection: BaseDatabaseWrapper) -> AbsorbSQL:
    """The absorb statements for the database behind ``connection``."""
    return AbsorbSQL(connection)
