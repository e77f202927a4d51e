"""The shape of the SQL that moves a repeated column into a lookup table.

A :class:`ColumnMove` names the tables and columns involved (unquoted, as the
models name them); a dialect (one subclass of :class:`NormalizeSQL` per
vendor) turns it into statements. Identifiers are quoted with the
connection's ``quote_name``; every value travels as a parameter.

The value a source row stands for is its *cleaned* value: the column,
optionally ``TRIM``-med (``strip``) and ``LOWER``-ed (``casefold``). A row
whose cleaned value is NULL (or ``''`` with ``empty_as_null``) stands for
nothing and gets no foreign key.

Text is compared exactly: a dialect's ``exact()`` sets aside collations that
call ``'a'``, ``'A'`` and ``'a '`` equal (MariaDB's usual ones). Lookups also
keep a plain ``=`` beside the exact one, so the database can still find the
target row through the index on its column. Where the database says that both
columns' own collations already compare exactly (``collation_probe``: SQLite
columns declared without ``COLLATE``, PostgreSQL's deterministic collations),
``exact_by_default`` drops the wrapper and the duplicate condition: a plain
``=`` then means the same, and the planner estimates one condition, not two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.db.backends.base.base import BaseDatabaseWrapper

SOURCE = "s"
"""Alias of the source table (the model whose column is normalized)."""
TARGET = "t"
"""Alias of the target table (the lookup model)."""
VALUES = "n"
"""Alias of the distinct cleaned values of the source, before the target is looked up."""


@dataclass(frozen=True)
class Statement:
    """One SQL statement and its parameters."""

    sql: str
    params: tuple[Any, ...] = ()


@dataclass(frozen=True)
class KeyRange:
    """The rows whose primary key lies in a range; ``None`` leaves that end open."""

    lower: Any = None
    upper: Any = None
    lower_inclusive: bool = True


ALL_ROWS = KeyRange()


def column_in_range(column: str, keys: KeyRange) -> tuple[str, tuple[Any, ...]]:
    """`` AND column in keys`` (``column`` quoted already) and its parameters; nothing for
    every row."""
    if keys == ALL_ROWS:
        return "", ()
    if keys.lower is not None and keys.upper is not None and keys.lower_inclusive:
        return f" AND {column} BETWEEN %s AND %s", (keys.lower, keys.upper)
    conditions, params = [], []
    if keys.lower is not None:
        conditions.append(f" AND {column} {'>=' if keys.lower_inclusive else '>'} %s")
        params.append(keys.lower)
    if keys.upper is not None:
        conditions.append(f" AND {column} <= %s")
        params.append(keys.upper)
    return "".join(conditions), tuple(params)


@dataclass(frozen=True)
class InsertValue:
    """A column of the target table that the insert fills with a constant (its default)."""

    column: str
    db_type: str
    value: Any


@dataclass(frozen=True)
class ColumnMove:
    """Where a normalized column lives, and how its values are cleaned."""

    source_table: str
    source_pk: str | None
    """``None`` when the source has no single-column primary key (no batching then)."""
    value_column: str
    fk_column: str
    target_table: str
    target_key: str
    """The target column the foreign key stores (usually its primary key)."""
    target_value: str
    target_value_unique: bool = False
    insert_values: tuple[InsertValue, ...] = ()
    strip: bool = False
    casefold: bool = False
    empty_as_null: bool = False


class NormalizeSQL:
    """Statements for one :class:`ColumnMove` on one vendor; subclasses fill in the joins."""

    vendor: ClassVar[str]
    revalidates_foreign_keys: ClassVar[bool] = False
    """Whether a foreign key constraint can be added back without checking every row under a
    lock (``drop_foreign_key`` / ``add_foreign_key_unvalidated`` / ``validate_foreign_key``)."""

    def __init__(self, connection: BaseDatabaseWrapper, move: ColumnMove) -> None:
        self.connection = connection
        self.move = move
        self.quote = connection.ops.quote_name
        self.exact_by_default = False
        """Whether ``=`` on the two columns is exact already (set from ``collation_probe``)."""

    # -- Expressions ---------------------------------------------------------------

    def column(self, ref: str | None, name: str) -> str:
        """Column ``name`` of the table known as ``ref`` (unqualified when ``ref`` is None)."""
        return self.quote(name) if ref is None else f"{ref}.{self.quote(name)}"

    def table(self, name: str, alias: str | None = None) -> str:
        return self.quote(name) if alias is None else f"{self.quote(name)} AS {alias}"

    def cleaned(self, ref: str | None = SOURCE) -> str:
        """The cleaned value of the source row known as ``ref``."""
        expression = self.column(ref, self.move.value_column)
        if self.move.strip:
            expression = f"TRIM({expression})"
        if self.move.casefold:
            expression = f"LOWER({expression})"
        return expression

    def is_set(self, expression: str) -> str:
        """True where ``expression`` stands for a value (not NULL, not empty if that is NULL)."""
        if self.move.empty_as_null:
            return f"{expression} IS NOT NULL AND {self.nonempty(expression)}"
        return f"{expression} IS NOT NULL"

    def is_unset(self, expression: str) -> str:
        """True where ``expression`` stands for no value."""
        if self.move.empty_as_null:
            return f"({expression} IS NULL OR {self.empty(expression)})"
        return f"{expression} IS NULL"

    def nonempty(self, expression: str) -> str:
        return f"{expression} <> ''"

    def empty(self, expression: str) -> str:
        return f"{expression} = ''"

    def exact(self, expression: str) -> str:
        """``expression`` as something ``=`` compares exactly, whatever its collation."""
        raise NotImplementedError

    def same(self, left: str, right: str) -> str:
        """Exact equality of two text expressions (the value column's or the target's)."""
        if self.exact_by_default:
            return f"{left} = {right}"
        return f"{self.exact(left)} = {self.exact(right)}"

    def match(self, left: str, right: str) -> str:
        """Exact equality that can still be answered from an index on ``left``."""
        if self.exact_by_default:
            return f"{left} = {right}"
        return f"{left} = {right} AND {self.same(left, right)}"

    def collation_probe(self) -> Statement | None:
        """A statement reading the collations of the value column and of the target's
        (``exact_collations`` reads its rows); None where the wrapper always stays."""
        return None

    def exact_collations(self, rows: list[tuple[Any, ...]]) -> bool:
        """Given the probe's rows: whether both columns compare exactly under their own
        collations, so that ``exact_by_default`` can be set."""
        return False

    def in_range(self, ref: str | None, keys: KeyRange) -> tuple[str, tuple[Any, ...]]:
        """The condition (with its parameters) that a row's primary key is in ``keys``."""
        if keys == ALL_ROWS:
            return "", ()
        if self.move.source_pk is None:
            raise ValueError("a key range needs a single-column primary key")
        pk = self.column(ref, self.move.source_pk)
        if keys.lower is not None and keys.upper is not None and keys.lower_inclusive:
            return f" AND {pk} BETWEEN %s AND %s", (keys.lower, keys.upper)
        conditions: list[str] = []
        params: list[Any] = []
        if keys.lower is not None:
            conditions.append(f" AND {pk} {'>=' if keys.lower_inclusive else '>'} %s")
            params.append(keys.lower)
        if keys.upper is not None:
            conditions.append(f" AND {pk} <= %s")
            params.append(keys.upper)
        return "".join(conditions), tuple(params)

    def insert_constant(self, value: InsertValue) -> str:
        """The placeholder of a constant in the insert's select list."""
        return "%s"

    # -- Forwards ------------------------------------------------------------------

    def preflight(self) -> list[Statement]:
        """Statements to read before moving anything (``preflight_check`` consumes them)."""
        return []

    def preflight_check(self, rows: list[list[tuple[Any, ...]]]) -> tuple[Statement, str] | None:
        """Given the preflight answers: a statement counting the groups of distinct values
        the target's unique column would store as one, and the collation that equates
        them; None when nothing can clash."""
        return None

    def distinct_values(self) -> str:
        """``SELECT`` of each distinct set cleaned value (as column ``v``) the target lacks.

        The target is looked up once per distinct value, not once per source row.
        Where the column's collation may call different values equal, ``DISTINCT``
        would keep one of them: the values are grouped by their bytes instead, and
        as a group's members are byte-identical, ``MIN()`` is each of them."""
        value = self.cleaned()
        source = self.table(self.move.source_table, SOURCE)
        if self.exact_by_default:
            return self.lacking(
                f"SELECT DISTINCT {value} AS v FROM {source} WHERE {self.is_set(value)}"
            )
        return self.lacking(
            f"SELECT MIN({value}) AS v FROM {source} WHERE {self.is_set(value)} "
            f"GROUP BY {self.exact(value)}"
        )

    def lacking(self, values: str) -> str:
        """The rows of ``values`` (a ``SELECT`` of column ``v``) whose ``v`` the target lacks."""
        found = f"{VALUES}.v"
        return (
            f"SELECT {found} AS v FROM ({values}) AS {VALUES} WHERE NOT EXISTS (SELECT 1 FROM "
            f"{self.table(self.move.target_table, TARGET)} "
            f"WHERE {self.match(self.column(TARGET, self.move.target_value), found)})"
        )

    def insert_missing(self) -> Statement:
        """Insert into the target every distinct cleaned value it does not hold yet."""
        move = self.move
        columns = [move.target_value, *(extra.column for extra in move.insert_values)]
        select = ["d.v", *(self.insert_constant(extra) for extra in move.insert_values)]
        sql = (
            f"INSERT INTO {self.table(move.target_table)} "
            f"({', '.join(self.quote(column) for column in columns)}) "
            f"SELECT {', '.join(select)} FROM ({self.distinct_values()}) AS d"
        )
        return Statement(sql, tuple(extra.value for extra in move.insert_values))

    def fill(self, keys: KeyRange = ALL_ROWS) -> Statement:
        """Point the foreign key of each row in ``keys`` that has none yet at its value's row."""
        raise NotImplementedError

    def fill_conditions(self, ref: str | None = SOURCE) -> str:
        """Rows the fill touches: foreign key still NULL, value set."""
        return (
            f"{self.column(ref, self.move.fk_column)} IS NULL AND {self.is_set(self.cleaned(ref))}"
        )

    def verify(self) -> Statement:
        """One row: (rows with a value but a missing or wrong foreign key,
        rows without a value but with a foreign key)."""
        move = self.move
        value = self.cleaned()
        target_key = self.column(TARGET, move.target_key)
        target_value = self.column(TARGET, move.target_value)
        fk = self.column(SOURCE, move.fk_column)
        wrong = (
            f"{self.is_set(value)} AND ({target_key} IS NULL OR {target_value} IS NULL "
            f"OR NOT ({self.same(target_value, value)}))"
        )
        stray = f"{fk} IS NOT NULL AND {self.is_unset(value)}"
        sql = (
            f"SELECT COALESCE(SUM(CASE WHEN {wrong} THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN {stray} THEN 1 ELSE 0 END), 0) "
            f"FROM {self.table(move.source_table, SOURCE)} "
            f"LEFT JOIN {self.table(move.target_table, TARGET)} ON {target_key} = {fk}"
        )
        return Statement(sql)

    # -- Backwards -----------------------------------------------------------------

    def restore(self, keys: KeyRange = ALL_ROWS, *, clear: bool = False) -> Statement:
        """Write the target's value into the source column of each row in ``keys`` with a
        foreign key, unless the column already holds something that cleans to it; with
        ``clear``, set those rows' foreign key to NULL in the same pass."""
        raise NotImplementedError

    def restore_needed(self, ref: str | None, target_value: str) -> str:
        """Rows whose column must be rewritten: NULL, or not cleaning to the target's value."""
        column = self.column(ref, self.move.value_column)
        return f"({column} IS NULL OR NOT ({self.same(self.cleaned(ref), target_value)}))"

    def restore_set(
        self, ref: str | None, target_value: str, *, clear: bool, qualify: bool = False
    ) -> tuple[str, str]:
        """The ``SET`` list of a restore, and the extra ``WHERE`` condition it needs.

        Without ``clear`` only the rows needing it are touched; with ``clear``
        every row with a foreign key is, so the column keeps its own value
        where it already cleans to the target's. ``qualify`` names the
        assigned columns with ``ref`` (MySQL's multi-table ``UPDATE``).
        """
        move = self.move
        column = self.column(ref if qualify else None, move.value_column)
        needed = self.restore_needed(ref, target_value)
        if not clear:
            return f"{column} = {target_value}", f" AND {needed}"
        fk = self.column(ref if qualify else None, move.fk_column)
        own = self.column(ref, move.value_column)
        return (
            f"{column} = CASE WHEN {needed} THEN {target_value} ELSE {own} END, {fk} = NULL",
            "",
        )

    def clear(self, keys: KeyRange = ALL_ROWS) -> Statement:
        """Set the foreign key of every row in ``keys`` to NULL."""
        fk = self.column(None, self.move.fk_column)
        condition, params = self.in_range(None, keys)
        sql = (
            f"UPDATE {self.table(self.move.source_table)} SET {fk} = NULL "
            f"WHERE {fk} IS NOT NULL{condition}"
        )
        return Statement(sql, params)

    # -- Batches -------------------------------------------------------------------

    def key_bounds(self, *, with_bounds: bool = True) -> Statement:
        """One row: (row count, smallest primary key, largest primary key), or only the
        count (PostgreSQL has no ``MIN()`` of a UUID)."""
        pk = self.column(None, self._pk())
        bounds = f", MIN({pk}), MAX({pk})" if with_bounds else ""
        return Statement(f"SELECT COUNT(*){bounds} FROM {self.table(self.move.source_table)}")

    def next_upper(self, after: Any, size: int) -> Statement:
        """The primary key ``size`` rows after ``after`` (from the first row if ``None``);
        no row when fewer remain."""
        pk = self.column(None, self._pk())
        where, params = ("", ()) if after is None else (f" WHERE {pk} > %s", (after,))
        sql = (
            f"SELECT {pk} FROM {self.table(self.move.source_table)}{where} "
            f"ORDER BY {pk} LIMIT 1 OFFSET %s"
        )
        return Statement(sql, (*params, size - 1))

    def _pk(self) -> str:
        if self.move.source_pk is None:
            raise ValueError("batches need a single-column primary key")
        return self.move.source_pk

    # -- Foreign key constraints ---------------------------------------------------

    def drop_foreign_key(self, quoted_name: str) -> Statement:
        table = self.table(self.move.source_table)
        return Statement(f"ALTER TABLE {table} DROP CONSTRAINT {quoted_name}")

    def add_foreign_key_unvalidated(self, create_sql: str) -> Statement:
        """``create_sql`` (the schema editor's ``ADD CONSTRAINT``), not checking existing rows."""
        raise NotImplementedError

    def validate_foreign_key(self, quoted_name: str) -> Statement:
        """Check the existing rows against a constraint added unvalidated."""
        raise NotImplementedError

    # -- Lock timeouts -------------------------------------------------------------

    def transaction_lock_timeout(self, milliseconds: int) -> list[Statement]:
        """Statements that bound lock waits for the rest of the current transaction."""
        return []

    def read_session_lock_timeout(self) -> Statement | None:
        """A statement reading the session's lock wait bound, where it is a session setting."""
        return None

    def set_session_lock_timeout(self, value: Any) -> Statement | None:
        """A statement setting the session's lock wait bound (``value`` as the database
        states it); None where the bound is per transaction or there is none."""
        return None

    def session_lock_timeout_value(self, milliseconds: int) -> Any:
        """``milliseconds`` in the unit of the session setting."""
        return milliseconds
