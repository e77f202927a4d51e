"""Per-vendor SQL for ``remodel merge``: rows of several models become rows of one.

Everything goes through an *id map*, a table of the merge's own with one row
per source row (and per row the target held before): ``source`` (the model's
number, :func:`source_code`), ``old_pk`` (its key, as text), ``merge_key``
(the identity key after normalization), ``new_pk`` (the target row it
becomes), ``leads`` (whether the target row is created from it) and ``ts``
(the timestamp the ``newest`` policy compares). Its ``id`` follows the order
rows were registered in: the target's rows first, then each source in the
order given, by primary key; "earlier" below means a smaller ``id``.

The moves, each a fixed number of statements (per batch of source rows):

- *register*: a source's rows into the id map (rows already there are skipped);
- *allocate*: each group of rows with the same key gets its target row: the
  one the target already holds, or a new key after the largest one, led by
  the group's earliest row (one window ``UPDATE``; without batches both steps
  are one ``INSERT``, :meth:`MergeSQL.register_all`);
- *insert*: the target rows led by a source's rows, from their values;
- *resolve*: per field, the value of the row the field's policy chooses in
  each group (``first``, ``coalesce``, ``newest``); a relation to a source is
  translated through the id map; a field the leading row gave already (see
  :meth:`MergeSQL.chosen_by_leader`) is left as the insert wrote it;
- *repoint*: foreign keys, many-to-many rows and generic references, joined
  through the id map.

Identifiers are quoted with the connection's ``quote_name``; values are
parameters.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db.backends.base.base import BaseDatabaseWrapper

from django_remodel.errors import UnsupportedBackendError
from django_remodel.sql.base import ALL_ROWS, KeyRange, Statement, column_in_range

MAP = "m"
"""Alias of the id map row being moved."""
OTHER = "w"
"""Alias of another id map row of the same group."""
SOURCE = "s"
TARGET = "t"
REFERRER = "r"
KEY_COLUMNS = ("source", "old_pk")
"""The id map's unique key: a source row."""
LOOKUP_COLUMNS = (*KEY_COLUMNS, "new_pk", "leads")
"""An index of the id map that answers "which target row, and does this row lead it" by
itself (no read of the row)."""


def source_code(label: str) -> int:
    """The id map's ``source`` of the model ``label`` (``app_label.model_name``, lowercase):
    a number the label alone decides, the same in every migration and on every database,
    so that the map's keys, looked up once a row in every join, are short."""
    return zlib.crc32(label.encode()) & 0x7FFFFFFF


def shared_source_code(labels: Sequence[str]) -> str | None:
    """Why the id map could not tell the rows of two of ``labels`` apart (the same
    :func:`source_code`), if it could not; labels are compared in lowercase, as the
    codes are made from them."""
    seen: dict[int, str] = {}
    for label in labels:
        code = source_code(label.lower())
        other = seen.setdefault(code, label)
        if other.lower() != label.lower():
            return (
                f"{other} and {label} get the same number in the id map's source column "
                f"({code}), so their rows could not be told apart. Merge them in two steps "
                "(one of them first, then the other), or rename one of the models."
            )
    return None


@dataclass(frozen=True)
class SourceTable:
    """A source model's table, as the id map and the statements know it."""

    label: str
    """``app_label.model_name`` (lowercase)."""
    table: str
    pk: str
    pk_integer: bool
    key: str
    key_text: bool
    ts: str | None = None

    @property
    def code(self) -> int:
        """The id map's ``source`` of its rows."""
        return source_code(self.label)


@dataclass(frozen=True)
class Value:
    """A target column and the column of each source that fills it."""

    column: str
    policy: str
    sources: tuple[tuple[str, str], ...]
    """``(source label, source column)`` in source order."""
    text: bool
    new: bool
    """The target lacked the field: its rows from before get a value as well."""
    refers_to: str | None = None
    """A relation to a source: its values are keys of that source, translated through the
    id map (the target column then refers to the target)."""
    fallback: tuple[Any, ...] = ()
    """``(value,)``: what the target column takes where a source row's value is NULL (the
    column takes no NULL)."""

    def source_column(self, label: str) -> str | None:
        return dict(self.sources).get(label)


@dataclass(frozen=True)
class Merge:
    """The tables and columns of one merge."""

    id_map: str
    target_label: str
    target_table: str
    target_pk: str
    target_key: str
    target_key_text: bool
    sources: tuple[SourceTable, ...]
    values: tuple[Value, ...]
    constants: tuple[tuple[str, Any], ...] = ()
    """Target columns no source fills, with the value a created row gets (its default)."""
    fills: tuple[tuple[str, str], ...] = ()
    """``(column, other column)``: where a source has nothing for ``column``, a created row
    takes what it has for ``other``."""
    normalization: str = "trim-casefold"
    unique_text: tuple[str, ...] = ()
    """Unique text columns of the target: a created row with no value for one gets
    ``<source model>-<old key>`` (not an empty string the next row could not have)."""
    target_pk_numbered: bool = False
    """Whether the database numbers the target's new rows (an auto field)."""

    def source(self, label: str) -> SourceTable:
        return next(s for s in self.sources if s.label == label)

    @property
    def target_code(self) -> int:
        """The id map's ``source`` of the rows the target held before."""
        return source_code(self.target_label)


Fragment = tuple[str, tuple[Any, ...]]
"""A piece of SQL and its parameters, in the order they appear in it."""


def joined(parts: Sequence[Fragment], separator: str) -> Fragment:
    return separator.join(sql for sql, _ in parts), tuple(p for _, ps in parts for p in ps)


class MergeSQL:
    """The statements of a merge on one vendor; subclasses fill in the joins."""

    vendor: ClassVar[str]
    lookups_both_ways: ClassVar[bool] = True
    """Whether a join between the id map and a table with integer keys states its condition
    both ways round (for planners that loop over one table and look the other up by index;
    PostgreSQL's hashes the join, and the second condition only skews its estimates)."""
    lookup_index: ClassVar[bool] = False
    """Whether the id map gets an index that answers a lookup by itself
    (:data:`LOOKUP_COLUMNS`): SQLite's, where each row of a join is looked up by index
    and reading the id map's row besides costs a third of a repoint (MySQL's planner
    takes it for other joins, which then run slower)."""

    def __init__(self, connection: BaseDatabaseWrapper, merge: Merge) -> None:
        self.connection = connection
        self.merge = merge
        self.quote = connection.ops.quote_name

    # -- Expressions -------------------------------------------------------------------

    def col(self, ref: str | None, name: str) -> str:
        return self.quote(name) if ref is None else f"{ref}.{self.quote(name)}"

    def table(self, name: str, alias: str | None = None) -> str:
        return self.quote(name) if alias is None else f"{self.quote(name)} {alias}"

    @property
    def id_map(self) -> str:
        return self.quote(self.merge.id_map)

    winners_on_insert: ClassVar[bool] = False
    """Whether a one-pass merge takes the values that other rows of a group win as the
    target rows are created (:meth:`insert_led` with ``winners``), for planners that hash
    the joins of those rows; else :meth:`resolve` writes them afterwards, a row at a time
    looked up by index."""
    rows_by_id: ClassVar[bool] = True
    """Whether a table is stored in the order of its key (SQLite's rowid tables, InnoDB's
    clustered index), so that rows are best inserted in that order."""
    no_timestamp: ClassVar[str] = "NULL"
    """A NULL of the id map's ``ts`` type (where a union of NULLs would be text)."""

    def as_text(self, expression: str) -> str:
        return f"CAST({expression} AS TEXT)"

    def as_integer(self, expression: str) -> str:
        return f"CAST({expression} AS BIGINT)"

    def exact(self, expression: str) -> str:
        """Text compared byte for byte, whatever the column's collation."""
        raise NotImplementedError

    def same(self, left: str, right: str, *, text: bool) -> str:
        """Null-safe equality, exact for text."""
        raise NotImplementedError

    def nonempty(self, expression: str, *, text: bool) -> str:
        if text:
            return f"({expression} IS NOT NULL AND {expression} <> '')"
        return f"{expression} IS NOT NULL"

    def in_range(self, column: str, keys: KeyRange) -> Fragment:
        """`` AND column in keys`` and its parameters (nothing for every row)."""
        return column_in_range(column, keys)

    def key_of(self, ref: str, column: str, *, text: bool) -> str:
        """The normalized identity key of a row, as text; NULL when it has none."""
        expression = self.col(ref, column)
        if not text:
            return f"CASE WHEN {expression} IS NOT NULL THEN {self.as_text(expression)} END"
        normalized = expression
        if self.merge.normalization in ("trim", "trim-casefold"):
            normalized = f"TRIM({normalized})"
        if self.merge.normalization in ("casefold", "trim-casefold"):
            normalized = f"LOWER({normalized})"
        return (
            f"CASE WHEN {expression} IS NOT NULL AND TRIM({expression}) <> '' THEN {normalized} END"
        )

    def maps(
        self,
        source: SourceTable,
        old: str | None = None,
        alias: str = MAP,
        *,
        old_is_text: bool = False,
    ) -> Fragment:
        """The id map row (``alias``) of the row whose key to ``source`` is ``old`` (by
        default the source row ``s`` itself; ``old_is_text`` when that column holds the
        key as text, as a generic object id may)."""
        old = old or self.col(SOURCE, source.pk)
        old_pk = self.col(alias, "old_pk")
        if old_is_text and source.pk_integer:
            return f"{self.col(alias, 'source')} = %s AND {old_pk} = {old}", (source.code,)
        if not source.pk_integer:
            return f"{self.col(alias, 'source')} = %s AND {old_pk} = {old}", (source.code,)
        if not self.lookups_both_ways:
            return (
                f"{self.col(alias, 'source')} = %s AND {old_pk} = {self.as_text(old)}",
                (source.code,),
            )
        # Both ways round, so that either table can be looked up by its index: the id
        # map's by (source, old_pk), the other's by its integer key.
        return (
            f"{self.col(alias, 'source')} = %s AND {old_pk} = {self.as_text(old)} "
            f"AND {old} = {self.as_integer(old_pk)}",
            (source.code,),
        )

    def source_row(self, source: SourceTable, map_alias: str, ref: str) -> str:
        """The source row ``ref`` of the id map row ``map_alias`` (by the source's key)."""
        old = self.col(map_alias, "old_pk")
        return f"{self.col(ref, source.pk)} = {self.as_integer(old) if source.pk_integer else old}"

    def update_join(
        self,
        table: str,
        alias: str,
        assignments: Sequence[tuple[str, Fragment]],
        joins: Sequence[tuple[str, Fragment]],
        where: Fragment,
    ) -> Statement:
        """``UPDATE table alias SET column = expression ...`` joined to ``joins``
        (``(table and alias, condition)``; the first condition links to ``alias``)."""
        raise NotImplementedError

    # -- Registering rows --------------------------------------------------------------

    def register_target(self, keys: KeyRange = ALL_ROWS) -> Statement:
        """The target's own rows in ``keys`` into the id map (not the rows a merge created,
        which are there already)."""
        merge = self.merge
        pk = self.col(TARGET, merge.target_pk)
        condition, params = self.in_range(pk, keys)
        sql = (
            f"INSERT INTO {self.id_map} (source, old_pk, merge_key, new_pk, leads) "
            f"SELECT %s, {self.as_text(pk)}, "
            f"{self.key_of(TARGET, merge.target_key, text=merge.target_key_text)}, {pk}, %s "
            f"FROM {self.table(merge.target_table, TARGET)} WHERE NOT EXISTS (SELECT 1 FROM "
            f"{self.table(merge.id_map, MAP)} WHERE {self.col(MAP, 'new_pk')} = {pk}){condition} "
            f"ORDER BY {pk}"
        )
        return Statement(sql, (merge.target_code, False, *params))

    def register(self, source: SourceTable, keys: KeyRange = ALL_ROWS) -> Statement:
        """A source's rows in ``keys`` into the id map, those not there yet."""
        pk = self.col(SOURCE, source.pk)
        condition, params = self.in_range(pk, keys)
        ts = self.col(SOURCE, source.ts) if source.ts else "NULL"
        found, found_params = self.maps(source)
        sql = (
            f"INSERT INTO {self.id_map} (source, old_pk, merge_key, leads, ts) "
            f"SELECT %s, {self.as_text(pk) if source.pk_integer else pk}, "
            f"{self.key_of(SOURCE, source.key, text=source.key_text)}, %s, {ts} "
            f"FROM {self.table(source.table, SOURCE)} WHERE NOT EXISTS (SELECT 1 FROM "
            f"{self.table(self.merge.id_map, MAP)} WHERE {found}){condition} ORDER BY {pk}"
        )
        # In key order: the id map's ids then follow the keys, which "earlier" relies on.
        return Statement(sql, (source.code, False, *found_params, *params))

    # -- Allocating target rows --------------------------------------------------------

    def largest_target_key(self) -> Statement:
        pk = self.quote(self.merge.target_pk)
        return Statement(
            f"SELECT COALESCE(MAX({pk}), 0) FROM {self.quote(self.merge.target_table)}"
        )

    def largest_in_map(self) -> Statement:
        """One row: the id map's largest ``new_pk`` and largest ``id`` (0 when empty)."""
        return Statement(
            f"SELECT COALESCE(MAX(new_pk), 0), COALESCE(MAX(id), 0) FROM {self.id_map}"
        )

    reserving_commits: ClassVar[bool] = False
    """Whether :meth:`reserve_keys` commits the transaction it runs in (DDL on MySQL)."""

    def reserve_keys(self, top: int) -> list[Statement]:
        """Move the numbering of the target's new rows (an auto field's) past ``top``, the
        largest key the id map allocated, unless it is past already: rows the application
        adds while a merge runs take none of the merge's keys."""
        raise NotImplementedError

    def allocate(self, base: int) -> Statement:
        """Give every unallocated row its target row: the one its group holds already (the
        target's own row), else the one its group's earliest row leads, whose key is
        ``base`` plus that row's id map id; a row without a key leads its own."""
        merge_key, row_id = self.col(MAP, "merge_key"), self.col(MAP, "id")
        groups = (
            "(SELECT id, MIN(new_pk) OVER (PARTITION BY merge_key) AS held, "
            f"MIN(id) OVER (PARTITION BY merge_key) AS first FROM {self.id_map}) g"
        )
        return self.update_join(
            self.merge.id_map,
            MAP,
            [
                (
                    "new_pk",
                    (
                        f"CASE WHEN {merge_key} IS NULL THEN %s + {row_id} "
                        "ELSE COALESCE(g.held, %s + g.first) END",
                        (base, base),
                    ),
                ),
                (
                    "leads",
                    (
                        f"CASE WHEN {merge_key} IS NULL OR (g.held IS NULL AND g.first = "
                        f"{row_id}) THEN %s ELSE %s END",
                        (True, False),
                    ),
                ),
            ],
            [(groups, (f"g.id = {row_id}", ()))],
            (f"{self.col(MAP, 'new_pk')} IS NULL", ()),
        )

    def register_all(self, base: int, first_id: int) -> Statement:
        """The target's rows and every source's into the id map, each given its target row
        as :meth:`allocate` does (``base`` plus the row's place in the order), in one
        statement: the target's rows first, then each source's in order, by key. Their ids
        are ``first_id`` plus that place, so that "earlier" is as :meth:`register` makes it
        (given, not drawn from the id map's sequence: nothing else adds to the map then)."""
        merge = self.merge
        # A row's place: the rows of the tables before its own (counted in the same
        # statement), then its own table's by key; no sort of all the rows.
        tables = [merge.target_table, *(source.table for source in merge.sources)]
        counts = [f"(SELECT COUNT(*) FROM {self.quote(table)})" for table in tables]
        rows: list[Fragment] = []
        target_pk = self.col(TARGET, merge.target_pk)
        rows.append(
            (
                f"SELECT 0 AS source, {self.as_text(target_pk)} AS old_pk, "
                f"{self.key_of(TARGET, merge.target_key, text=merge.target_key_text)} "
                f"AS merge_key, {target_pk} AS held, {self.no_timestamp} AS ts, "
                f"ROW_NUMBER() OVER (ORDER BY {target_pk}) AS seq "
                f"FROM {self.table(merge.target_table, TARGET)}",
                (),
            )
        )
        for place, source in enumerate(merge.sources, start=1):
            pk = self.col(SOURCE, source.pk)
            ts = self.col(SOURCE, source.ts) if source.ts else "NULL"
            rows.append(
                (
                    f"SELECT {place}, {self.as_text(pk)}, "
                    f"{self.key_of(SOURCE, source.key, text=source.key_text)}, NULL, {ts}, "
                    f"{' + '.join(counts[:place])} + ROW_NUMBER() OVER (ORDER BY {pk}) "
                    f"FROM {self.table(source.table, SOURCE)}",
                    (),
                )
            )
        union, params = joined(rows, " UNION ALL ")
        # The rows are sorted twice (by key, then by place), so they carry the place of
        # their table (a small number), and get its code once sorted.
        codes = [merge.target_code, *(source.code for source in merge.sources)]
        code_of_place = " ".join(f"WHEN {place} THEN %s" for place in range(len(codes)))
        grouped = (
            "SELECT p.*, MIN(p.held) OVER (PARTITION BY p.merge_key) AS group_held, "
            f"MIN(p.seq) OVER (PARTITION BY p.merge_key) AS group_first FROM ({union}) p"
        )
        sql = (
            f"INSERT INTO {self.id_map} (id, source, old_pk, merge_key, new_pk, leads, ts) "
            f"SELECT %s + q.seq, CASE q.source {code_of_place} END, q.old_pk, q.merge_key, "
            "CASE WHEN q.held IS NOT NULL THEN q.held WHEN q.merge_key IS NULL THEN %s + q.seq "
            "ELSE COALESCE(q.group_held, %s + q.group_first) END, "
            "CASE WHEN q.held IS NULL AND (q.merge_key IS NULL OR (q.group_held IS NULL "
            "AND q.seq = q.group_first)) THEN %s ELSE %s END, q.ts "
            f"FROM ({grouped}) q{' ORDER BY q.seq' if self.rows_by_id else ''}"
        )
        return Statement(sql, (first_id, *codes, base, base, True, False, *params))

    # -- Creating and filling target rows ----------------------------------------------

    def value_of(self, value: Value, source: SourceTable) -> Fragment | None:
        """What a source row (``s``) gives ``value``; None when the source has nothing."""
        column = value.source_column(source.label)
        if column is None:
            return None
        expression = self.col(SOURCE, column)
        if value.refers_to is None:
            if value.fallback:
                return f"COALESCE({expression}, %s)", value.fallback
            return expression, ()
        pointed = self.merge.source(value.refers_to)
        found, params = self.maps(pointed, expression, OTHER)
        return (
            f"(SELECT {self.col(OTHER, 'new_pk')} FROM {self.table(self.merge.id_map, OTHER)} "
            f"WHERE {found})",
            params,
        )

    def insert_led(
        self,
        source: SourceTable,
        keys: KeyRange = ALL_ROWS,
        *,
        resumed: bool = True,
        winners: bool = False,
    ) -> Statement:
        """Create the target rows that ``source``'s rows in ``keys`` lead, not created yet
        (``resumed``: an earlier run may have created some; else none is looked for).

        Columns the source has no value for take the other column named by ``fills``,
        else their constant, else NULL; relations to sources are set by :meth:`resolve`,
        once every target row exists. ``winners``: a value that another row of the group
        wins is taken from that row as the row is created (see :meth:`beaten_by`), so
        that only relations are left to :meth:`resolve` (and the values a merge adds, in
        the target's own rows)."""
        merge = self.merge
        constants = dict(merge.constants)
        by_column = {value.column: value for value in merge.values}
        fills = dict(merge.fills)
        columns = [merge.target_pk]
        expressions: list[Fragment] = [(self.col(MAP, "new_pk"), ())]
        won, won_joins = self.won_elsewhere(source) if winners else ({}, ("", ()))
        for value in merge.values:
            own = None if value.refers_to else self.value_of(value, source)
            found = own
            other = by_column.get(fills.get(value.column, ""))
            if found is None and other is not None and other.refers_to is None:
                found = self.value_of(other, source)
            if found is None:
                found = ("%s", (constants[value.column],)) if value.column in constants else None
            if own is None and value.column in merge.unique_text:
                found = self.unique_stand_in(found or ("NULL", ()), source)
            found = found or ("NULL", ())
            if won.get(value.column):
                arms, arms_params = joined(
                    [
                        (f"WHEN {alias}.won IS NOT NULL THEN {alias}.{column}", ())
                        for alias, column in won[value.column]
                    ],
                    " ",
                )
                found = (f"CASE {arms} ELSE {found[0]} END", (*arms_params, *found[1]))
            columns.append(value.column)
            expressions.append(found)
        for name in dict.fromkeys([*(c for c, _ in merge.constants), *fills]):
            if name in by_column:
                continue
            other = by_column.get(fills.get(name, ""))
            given = None if other is None or other.refers_to else self.value_of(other, source)
            if given is None and name in constants:
                given = ("%s", (constants[name],))
            if name in merge.unique_text:
                given = self.unique_stand_in(given or ("NULL", ()), source)
            columns.append(name)
            expressions.append(given or ("NULL", ()))
        selected, selected_params = joined(expressions, ", ")
        mapped, mapped_params = self.maps(source)
        condition, range_params = self.in_range(self.col(SOURCE, source.pk), keys)
        created = (
            f" AND NOT EXISTS (SELECT 1 FROM {self.table(merge.target_table, TARGET)} WHERE "
            f"{self.col(TARGET, merge.target_pk)} = {self.col(MAP, 'new_pk')})"
            if resumed
            else ""
        )
        sql = (
            f"INSERT INTO {self.quote(merge.target_table)} "
            f"({', '.join(self.quote(c) for c in columns)}) "
            f"SELECT {selected} FROM {self.table(source.table, SOURCE)} "
            f"INNER JOIN {self.table(merge.id_map, MAP)} ON {mapped}{won_joins[0]} "
            f"WHERE {self.col(MAP, 'leads')} = %s{created}{condition}"
        )
        return Statement(
            sql, (*selected_params, *mapped_params, *won_joins[1], True, *range_params)
        )

    def beaten_by(self, value: Value, source: SourceTable) -> list[SourceTable]:
        """The sources whose rows may win ``value`` in a target row that a row of ``source``
        leads: under ``first`` and ``error``, none when ``source`` gives the field (its
        row is the group's earliest), else the later sources that give it; under the
        other policies every source that gives it. Relations are set afterwards."""
        if value.refers_to is not None:
            return []
        labels = [s.label for s in self.merge.sources]
        giving = [self.merge.source(label) for label, _ in value.sources]
        if value.policy not in ("first", "error"):
            return giving
        if value.source_column(source.label) is not None:
            return []
        after = labels.index(source.label)
        return [other for other in giving if labels.index(other.label) > after]

    def won_elsewhere(
        self, source: SourceTable
    ) -> tuple[dict[str, list[tuple[str, str]]], Fragment]:
        """For the rows ``source``'s rows lead, the values other rows of their group win:
        per target column, the (alias, column) of each joined table of winning rows, and
        the ``LEFT JOIN``s of those tables (one per source and set of values it wins
        together; a winning row's target row is in its ``won`` column)."""
        won: dict[str, list[tuple[str, str]]] = {}
        joins: list[Fragment] = []
        for other in self.merge.sources:
            for group in self.groups(other):
                values = [
                    value
                    for value in group
                    if not self.chosen_by_leader(value, other)
                    and other in self.beaten_by(value, source)
                ]
                if not values:
                    continue
                alias = f"w{len(joins)}"
                wins, win_params = self.wins(values[0], other)
                found, found_params = self.maps(other)
                picked: list[Fragment] = [(f"{self.col(MAP, 'new_pk')} AS won", ())]
                for number, value in enumerate(values):
                    given = self.value_of(value, other)
                    assert given is not None
                    picked.append((f"{given[0]} AS v{number}", given[1]))
                    won.setdefault(value.column, []).append((alias, f"v{number}"))
                selected, selected_params = joined(picked, ", ")
                joins.append(
                    (
                        f" LEFT JOIN (SELECT {selected} FROM {self.table(other.table, SOURCE)} "
                        f"INNER JOIN {self.table(self.merge.id_map, MAP)} ON {found} WHERE "
                        f"{self.col(MAP, 'leads')} = %s AND {wins}) {alias} "
                        f"ON {alias}.won = {self.col(MAP, 'new_pk')}",
                        (*selected_params, *found_params, False, *win_params),
                    )
                )
        return won, joined(joins, "")

    def concat(self, *parts: str) -> str:
        return " || ".join(parts)

    def unique_stand_in(self, given: Fragment, source: SourceTable) -> Fragment:
        """``given``, or where it is empty, ``<source model>-<old key>``: a unique column
        cannot take the same empty value twice."""
        sql, params = given
        stand_in = self.concat("%s", self.col(MAP, "old_pk"))
        prefix = f"{source.label.rpartition('.')[2]}-"
        return f"COALESCE(NULLIF(TRIM({sql}), ''), {stand_in})", (*params, prefix)

    def chosen_by_leader(self, value: Value, source: SourceTable) -> bool:
        """Whether ``source``'s row that wins ``value`` in a created row is that row's leader.

        So it is under ``first`` (and ``error``) when ``source`` and every source before it
        give the field: a group with a row of ``source`` is led by a row of one of them,
        the earliest of the group, which no other row giving the field precedes. (The
        target's own rows keep the fields they had, unless the merge adds the field.)"""
        if value.policy not in ("first", "error") or value.new:
            return False
        giving = {label for label, _ in value.sources}
        labels = [s.label for s in self.merge.sources]
        return set(labels[: labels.index(source.label) + 1]) <= giving

    def set_on_insert(self, value: Value, source: SourceTable, *, winners: bool = False) -> bool:
        """Whether :meth:`insert_led` (with ``winners`` or not) already gives ``value`` what
        its policy chooses, for the rows ``source``'s rows win (no :meth:`resolve` needed;
        a relation to a source is set afterwards, and so is a value the merge adds to the
        target's own rows)."""
        if value.refers_to is not None:
            return False
        return not value.new if winners else self.chosen_by_leader(value, source)

    def wins(self, value: Value, source: SourceTable) -> Fragment:
        """True where the source row (``s``, id map row ``m``) gives its target row
        ``value``, by the value's policy; the target's own rows keep the fields they had."""
        if self.chosen_by_leader(value, source):
            return f"{self.col(MAP, 'leads')} = %s", (True,)
        conditions: list[Fragment] = []
        others = self.table(self.merge.id_map, OTHER)
        same_group = f"{self.col(OTHER, 'new_pk')} = {self.col(MAP, 'new_pk')}"
        earlier = f"{self.col(OTHER, 'id')} < {self.col(MAP, 'id')}"
        mapping = tuple(source_code(label) for label, _ in value.sources)
        in_mapping = f"{self.col(OTHER, 'source')} IN ({', '.join(['%s'] * len(mapping))})"
        if not value.new:
            conditions.append(
                (
                    f"NOT EXISTS (SELECT 1 FROM {others} WHERE {same_group} AND "
                    f"{self.col(OTHER, 'source')} = %s)",
                    (self.merge.target_code,),
                )
            )
        if value.policy in ("first", "error"):
            conditions.append(
                (
                    f"NOT EXISTS (SELECT 1 FROM {others} WHERE {same_group} AND {earlier} "
                    f"AND {in_mapping})",
                    mapping,
                )
            )
        elif value.policy == "newest":
            mine, theirs = self.col(MAP, "ts"), self.col(OTHER, "ts")
            newer = (
                f"({theirs} > {mine} OR ({theirs} = {mine} AND {earlier}) OR "
                f"({mine} IS NULL AND ({theirs} IS NOT NULL OR {earlier})))"
            )
            conditions.append(
                (
                    f"NOT EXISTS (SELECT 1 FROM {others} WHERE {same_group} AND {in_mapping} "
                    f"AND {newer})",
                    mapping,
                )
            )
        elif value.policy == "coalesce":
            column = value.source_column(source.label)
            assert column is not None
            conditions.append((self.nonempty(self.col(SOURCE, column), text=value.text), ()))
            for label, other_column in value.sources:
                other = self.merge.source(label)
                conditions.append(
                    (
                        f"NOT EXISTS (SELECT 1 FROM {others} INNER JOIN "
                        f"{self.table(other.table, 'x')} ON {self.source_row(other, OTHER, 'x')} "
                        f"WHERE {same_group} AND {earlier} AND {self.col(OTHER, 'source')} = %s "
                        f"AND {self.nonempty(self.col('x', other_column), text=value.text)})",
                        (source_code(label),),
                    )
                )
        else:
            raise ValueError(f"unknown policy {value.policy!r}")
        return joined(conditions, " AND ")

    def groups(self, source: SourceTable) -> list[list[Value]]:
        """The values ``source`` gives, in sets that the same source row wins (one update
        each): those its leading rows win; values of the same policy and mapping sources;
        coalesced ones alone."""
        found: dict[Any, list[Value]] = {}
        for value in self.merge.values:
            if value.source_column(source.label) is None:
                continue
            key: Any
            if self.chosen_by_leader(value, source):
                key = ("leader",)
            elif value.policy == "coalesce":
                key = ("coalesce", value.column)
            else:
                key = (value.policy, tuple(label for label, _ in value.sources), value.new)
            found.setdefault(key, []).append(value)
        return list(found.values())

    def _differs(
        self, values: Sequence[Value], source: SourceTable
    ) -> tuple[list[tuple[str, Fragment]], Fragment]:
        assignments: list[tuple[str, Fragment]] = []
        differences: list[Fragment] = []
        for value in values:
            given = self.value_of(value, source)
            assert given is not None
            assignments.append((value.column, given))
            sql = self.same(self.col(TARGET, value.column), given[0], text=value.text)
            differences.append((f"NOT ({sql})", given[1]))
        return assignments, joined(differences, " OR ")

    def resolve(
        self,
        source: SourceTable,
        values: Sequence[Value],
        keys: KeyRange = ALL_ROWS,
        *,
        leaders_set: bool = False,
    ) -> Statement:
        """Set ``values`` of the target rows whose value ``source``'s rows in ``keys`` win
        (where they differ). ``leaders_set``: the rows that lead their group gave their
        target rows every value but relations as they were created (:meth:`insert_led`),
        and have not changed since (one transaction), so only the others are looked at."""
        wins, win_params = self.wins(values[0], source)
        if leaders_set and all(value.refers_to is None for value in values):
            wins, win_params = f"{self.col(MAP, 'leads')} = %s AND {wins}", (False, *win_params)
        assignments, (differs, differs_params) = self._differs(values, source)
        condition, range_params = self.in_range(self.col(SOURCE, source.pk), keys)
        return self.update_join(
            self.merge.target_table,
            TARGET,
            assignments,
            [
                (
                    self.table(self.merge.id_map, MAP),
                    (f"{self.col(MAP, 'new_pk')} = {self.col(TARGET, self.merge.target_pk)}", ()),
                ),
                (self.table(source.table, SOURCE), (self.source_row(source, MAP, SOURCE), ())),
            ],
            (
                f"{self.col(MAP, 'source')} = %s AND {wins} AND ({differs}){condition}",
                (source.code, *win_params, *differs_params, *range_params),
            ),
        )

    def disagreements(self, value: Value) -> Statement:
        """How many target rows would get different non-empty values of ``value`` from
        their source rows (the ``error`` policy's check)."""
        selects: list[Fragment] = []
        for label, column in value.sources:
            source = self.merge.source(label)
            expression = self.col(SOURCE, column)
            shown = self.exact(expression) if value.text else expression
            found, params = self.maps(source)
            selects.append(
                (
                    f"SELECT {self.col(MAP, 'new_pk')} AS g, {shown} AS v FROM "
                    f"{self.table(source.table, SOURCE)} INNER JOIN "
                    f"{self.table(self.merge.id_map, MAP)} ON {found} "
                    f"WHERE {self.nonempty(expression, text=value.text)}",
                    params,
                )
            )
        union, params = joined(selects, " UNION ALL ")
        sql = (
            f"SELECT COUNT(*) FROM (SELECT u.g FROM ({union}) u "
            "GROUP BY u.g HAVING COUNT(DISTINCT u.v) > 1) d"
        )
        return Statement(sql, params)

    # -- Checking the rows -------------------------------------------------------------

    def verify_rows(self, source: SourceTable, groups: Sequence[Sequence[Value]] = ()) -> Statement:
        """One row of counts for ``source``: its rows without an id map row plus its id map
        rows without a source row; its id map rows without a target row; then, for each of
        ``groups`` (see :meth:`groups`), the target rows that differ in its values from the
        row of ``source`` that wins them.

        The first is (source rows - id map rows with their source row) + (id map rows -
        the same): no id map row matches two source rows (their key), nor two id map rows
        one source row (the map's unique ``(source, old_pk)``), so one join tells both.
        A group's difference is tested before whether the row wins it, so that the
        policy's subqueries run only for the rows that differ."""
        found, params = self.maps(source)
        source_pk, target_pk = self.col(SOURCE, source.pk), self.col(TARGET, self.merge.target_pk)
        counts: list[Fragment] = [
            (
                f"(SELECT COUNT(*) FROM {self.quote(source.table)}) + COUNT(*) - 2 * "
                f"COUNT({source_pk})",
                (),
            ),
            (f"COUNT(*) - COUNT({target_pk})", ()),
        ]
        for values in groups:
            _, (differs, differs_params) = self._differs(values, source)
            wins, win_params = self.wins(values[0], source)
            counts.append(
                (
                    f"COALESCE(SUM(CASE WHEN {source_pk} IS NOT NULL AND {target_pk} IS NOT "
                    f"NULL AND ({differs}) AND {wins} THEN 1 ELSE 0 END), 0)",
                    (*differs_params, *win_params),
                )
            )
        selected, selected_params = joined(counts, ", ")
        sql = (
            f"SELECT {selected} FROM {self.table(self.merge.id_map, MAP)} "
            f"LEFT JOIN {self.table(source.table, SOURCE)} ON {found} "
            f"LEFT JOIN {self.table(self.merge.target_table, TARGET)} ON "
            f"{target_pk} = {self.col(MAP, 'new_pk')} WHERE {self.col(MAP, 'source')} = %s"
        )
        return Statement(sql, (*selected_params, *params, source.code))

    def verify_own_rows(self) -> Statement:
        """How many id map rows of no source (the target's own) point at no target row."""
        codes = [source.code for source in self.merge.sources]
        sql = (
            f"SELECT COUNT(*) FROM {self.table(self.merge.id_map, MAP)} WHERE "
            f"{self.col(MAP, 'source')} NOT IN ({', '.join(['%s'] * len(codes))}) AND NOT "
            f"EXISTS (SELECT 1 FROM {self.table(self.merge.target_table, TARGET)} WHERE "
            f"{self.col(TARGET, self.merge.target_pk)} = {self.col(MAP, 'new_pk')})"
        )
        return Statement(sql, tuple(codes))

    # -- Undoing -----------------------------------------------------------------------

    def delete_created(self) -> Statement:
        """Delete the target rows the merge created."""
        pk = self.quote(self.merge.target_pk)
        sql = (
            f"DELETE FROM {self.quote(self.merge.target_table)} WHERE {pk} IN (SELECT "
            f"{self.col(MAP, 'new_pk')} FROM {self.table(self.merge.id_map, MAP)} WHERE "
            f"{self.col(MAP, 'leads')} = %s)"
        )
        return Statement(sql, (True,))

    def unlink_created(self, value: Value) -> Statement:
        """Clear the relation ``value`` wherever it points at a row the merge created (so
        that those rows can be deleted)."""
        column = self.quote(value.column)
        sql = (
            f"UPDATE {self.quote(self.merge.target_table)} SET {column} = NULL WHERE {column} IN "
            f"(SELECT {self.col(MAP, 'new_pk')} FROM {self.table(self.merge.id_map, MAP)} "
            f"WHERE {self.col(MAP, 'leads')} = %s)"
        )
        return Statement(sql, (True,))

    def analyze_map(self) -> Statement | None:
        """Statistics of the id map, which the merge filled itself: without them the
        planner takes it for empty and loops over it in every join."""
        return Statement(f"ANALYZE {self.id_map}")

    lifts_indexes: ClassVar[bool] = False
    """Whether :meth:`register_all` fills the id map with its indexes (but its primary key)
    taken off and built again afterwards (one build, not an insert per row): where the
    transaction holds schema changes."""
    unique_constraint: ClassVar[bool] = True
    """Whether the map's unique ``(source, old_pk)`` is a constraint of the table (else a
    unique index)."""

    def index_off(self, name: str, *, unique: bool) -> Statement:
        """Drop the id map's index ``name`` (``unique``: its ``(source, old_pk)``), or an
        index of another table where the dialect lifts those (:attr:`lifts_reference_indexes`)."""
        if unique and self.unique_constraint:
            return Statement(f"ALTER TABLE {self.id_map} DROP CONSTRAINT {self.quote(name)}")
        return Statement(f"DROP INDEX {self.quote(name)}")

    def index_on(self, name: str, columns: Sequence[str], *, unique: bool) -> Statement:
        """Build the index ``name`` that :meth:`index_off` dropped again."""
        listed = ", ".join(self.quote(column) for column in columns)
        if unique and self.unique_constraint:
            return Statement(
                f"ALTER TABLE {self.id_map} ADD CONSTRAINT {self.quote(name)} UNIQUE ({listed})"
            )
        kind = "UNIQUE INDEX" if unique else "INDEX"
        return Statement(f"CREATE {kind} {self.quote(name)} ON {self.id_map} ({listed})")

    lifts_reference_indexes: ClassVar[bool] = False
    """Whether a repoint in one pass takes the indexes on the new key off its table and
    builds them again after the update (one build, not an index change per row): where
    the migration's transaction holds the whole database anyway (SQLite). On PostgreSQL
    dropping an index would lock the table against its readers until the migration
    commits, and MySQL's DDL commits the transaction."""

    def index_definitions(self, table: str, column: str) -> Statement:
        """The name and ``CREATE INDEX`` statement of each index of ``table`` on
        ``column`` that is not unique (whose check an update needs) and was made by a
        statement of its own (where :attr:`lifts_reference_indexes`)."""
        raise NotImplementedError

    def clear_map(self) -> Statement:
        return Statement(f"DELETE FROM {self.id_map}")

    # -- References --------------------------------------------------------------------

    def repoint(
        self,
        table: str,
        pk: str,
        old: str,
        new: str,
        source: SourceTable,
        keys: KeyRange = ALL_ROWS,
    ) -> Statement:
        """Point the new key of each row in ``keys`` at the target row of its old key."""
        condition, params = self.in_range(self.col(REFERRER, pk), keys)
        return self.update_join(
            table,
            REFERRER,
            [(new, (self.col(MAP, "new_pk"), ()))],
            [(self.table(self.merge.id_map, MAP), self.maps(source, self.col(REFERRER, old)))],
            (f"{self.col(REFERRER, new)} IS NULL{condition}", params),
        )

    def verify_repoint(self, table: str, old: str, new: str, source: SourceTable) -> Statement:
        """How many rows' new key is not the target row of their old key."""
        old_column, new_column = self.col(REFERRER, old), self.col(REFERRER, new)
        found, params = self.maps(source, old_column)
        sql = (
            f"SELECT COUNT(*) FROM {self.table(table, REFERRER)} LEFT JOIN "
            f"{self.table(self.merge.id_map, MAP)} ON {found} WHERE ({old_column} IS NOT NULL "
            f"AND NOT ({self.same(new_column, self.col(MAP, 'new_pk'), text=False)})) "
            f"OR ({old_column} IS NULL AND {new_column} IS NOT NULL)"
        )
        return Statement(sql, params)

    def one_to_one_collisions(self, table: str, old: str, source: SourceTable) -> Statement:
        """How many target rows several rows of ``table`` would point at (a one-to-one)."""
        found, params = self.maps(source, self.col(REFERRER, old))
        sql = (
            f"SELECT COUNT(*) FROM (SELECT {self.col(MAP, 'new_pk')} FROM "
            f"{self.table(table, REFERRER)} INNER JOIN {self.table(self.merge.id_map, MAP)} ON "
            f"{found} GROUP BY {self.col(MAP, 'new_pk')} HAVING COUNT(*) > 1) c"
        )
        return Statement(sql, params)

    def clear_column(
        self, table: str, pk: str, column: str, keys: KeyRange = ALL_ROWS
    ) -> Statement:
        condition, params = self.in_range(self.quote(pk), keys)
        return Statement(
            f"UPDATE {self.quote(table)} SET {self.quote(column)} = NULL WHERE 1 = 1{condition}",
            params,
        )

    def copy_links(self, links: Links, source: SourceTable, keys: KeyRange = ALL_ROWS) -> Statement:
        """Copy many-to-many rows to the new table, each link once, to the target rows."""
        condition, params = self.in_range(self.col(REFERRER, links.pk), keys)
        found, found_params = self.maps(source, self.col(REFERRER, links.old))
        owner = self.col(REFERRER, links.owner)
        new = self.col(MAP, "new_pk")
        sql = (
            f"INSERT INTO {self.quote(links.new_table)} "
            f"({self.quote(links.new_owner)}, {self.quote(links.new)}) "
            f"SELECT DISTINCT {owner}, {new} FROM {self.table(links.table, REFERRER)} "
            f"INNER JOIN {self.table(self.merge.id_map, MAP)} ON {found} WHERE NOT EXISTS "
            f"(SELECT 1 FROM {self.table(links.new_table, 'n')} WHERE "
            f"{self.col('n', links.new_owner)} = {owner} AND {self.col('n', links.new)} = "
            f"{new}){condition}"
        )
        return Statement(sql, (*found_params, *params))

    def verify_links(self, links: Links, source: SourceTable) -> Statement:
        """How many old many-to-many rows have no new row for their owner and target row."""
        found, params = self.maps(source, self.col(REFERRER, links.old))
        sql = (
            f"SELECT COUNT(*) FROM {self.table(links.table, REFERRER)} LEFT JOIN "
            f"{self.table(self.merge.id_map, MAP)} ON {found} WHERE NOT EXISTS (SELECT 1 FROM "
            f"{self.table(links.new_table, 'n')} WHERE {self.col('n', links.new_owner)} = "
            f"{self.col(REFERRER, links.owner)} AND {self.col('n', links.new)} = "
            f"{self.col(MAP, 'new_pk')})"
        )
        return Statement(sql, params)

    def clear_links(self, links: Links) -> Statement:
        return Statement(f"DELETE FROM {self.quote(links.new_table)}")

    def repoint_generic(
        self, generic: Generic, source: SourceTable, source_type: int, target_type: int
    ) -> Statement:
        """Point the generic references to a source's rows at their target rows."""
        object_id = self.col(REFERRER, generic.object_id)
        new = self.col(MAP, "new_pk")
        found, params = self.maps(source, object_id, old_is_text=generic.text)
        return self.update_join(
            generic.table,
            REFERRER,
            [
                (generic.content_type, ("%s", (target_type,))),
                (generic.object_id, (self.as_text(new) if generic.text else new, ())),
            ],
            [(self.table(self.merge.id_map, MAP), (found, params))],
            (f"{self.col(REFERRER, generic.content_type)} = %s", (source_type,)),
        )

    def count_generic(self, generic: Generic, content_type: int) -> Statement:
        return Statement(
            f"SELECT COUNT(*) FROM {self.quote(generic.table)} WHERE "
            f"{self.quote(generic.content_type)} = %s",
            (content_type,),
        )


@dataclass(frozen=True)
class Links:
    """A many-to-many table to a source, and the new one to the target beside it."""

    table: str
    pk: str
    owner: str
    old: str
    new_table: str
    new_owner: str
    new: str


@dataclass(frozen=True)
class Generic:
    """The content type and object id columns of a generic foreign key."""

    table: str
    content_type: str
    object_id: str
    text: bool
    """Whether the object id column holds text (else an integer)."""


class PostgreSQLMergeSQL(MergeSQL):
    """``UPDATE ... FROM``; ``IS NOT DISTINCT FROM``; text compared in ``"C"``."""

    vendor = "postgresql"
    lifts_indexes = True
    lookups_both_ways = False
    winners_on_insert = True
    rows_by_id = False
    no_timestamp = "CAST(NULL AS TIMESTAMP WITH TIME ZONE)"

    def reserve_keys(self, top: int) -> list[Statement]:
        sql = (
            "SELECT setval(q.s, GREATEST(COALESCE(pg_sequence_last_value(q.s), 0), %s)) "
            "FROM (SELECT CAST(pg_get_serial_sequence(%s, %s) AS regclass) AS s) q "
            "WHERE q.s IS NOT NULL"
        )
        params = (top, self.quote(self.merge.target_table), self.merge.target_pk)
        return [Statement(sql, params)]

    def exact(self, expression: str) -> str:
        return f'({expression}) COLLATE "C"'

    def same(self, left: str, right: str, *, text: bool) -> str:
        if text:
            left, right = self.exact(left), self.exact(right)
        return f"{left} IS NOT DISTINCT FROM {right}"

    def update_join(
        self,
        table: str,
        alias: str,
        assignments: Sequence[tuple[str, Fragment]],
        joins: Sequence[tuple[str, Fragment]],
        where: Fragment,
    ) -> Statement:
        sets, set_params = joined(
            [(f"{self.quote(column)} = {sql}", ps) for column, (sql, ps) in assignments], ", "
        )
        (first, (link, link_params)), rest = joins[0], joins[1:]
        others, other_params = joined(
            [(f" INNER JOIN {item} ON {sql}", ps) for item, (sql, ps) in rest], ""
        )
        sql = (
            f"UPDATE {self.quote(table)} AS {alias} SET {sets} FROM {first}{others} "
            f"WHERE {link} AND {where[0]}"
        )
        return Statement(sql, (*set_params, *other_params, *link_params, *where[1]))


class SQLiteMergeSQL(PostgreSQLMergeSQL):
    """SQLite 3.33+: ``UPDATE ... FROM``; ``IS``; text compared with ``BINARY``."""

    vendor = "sqlite"
    lookups_both_ways = True
    lookup_index = True
    winners_on_insert = False
    unique_constraint = False
    rows_by_id = True
    no_timestamp = "NULL"

    def reserve_keys(self, top: int) -> list[Statement]:
        # An AUTOINCREMENT table numbers after its row in sqlite_sequence (none until a row
        # is first added).
        table = self.merge.target_table
        return [
            Statement(
                "UPDATE sqlite_sequence SET seq = %s WHERE name = %s AND seq < %s",
                (top, table, top),
            ),
            Statement(
                "INSERT INTO sqlite_sequence (name, seq) SELECT %s, %s WHERE NOT EXISTS "
                "(SELECT 1 FROM sqlite_sequence WHERE name = %s)",
                (table, top, table),
            ),
        ]

    lifts_reference_indexes = True

    def index_definitions(self, table: str, column: str) -> Statement:
        # Indexes of constraints in the table's definition have no statement of their own.
        return Statement(
            "SELECT l.name, m.sql FROM pragma_index_list(%s) l INNER JOIN sqlite_master m "
            "ON m.type = 'index' AND m.name = l.name WHERE l.\"unique\" = 0 AND m.sql IS NOT "
            "NULL AND EXISTS (SELECT 1 FROM pragma_index_info(l.name) i WHERE i.name = %s)",
            (table, column),
        )

    def as_integer(self, expression: str) -> str:
        return f"CAST({expression} AS INTEGER)"

    def exact(self, expression: str) -> str:
        return f"({expression}) COLLATE BINARY"

    def same(self, left: str, right: str, *, text: bool) -> str:
        if text:
            left, right = self.exact(left), self.exact(right)
        return f"{left} IS {right}"


class MySQLMergeSQL(MergeSQL):
    """MySQL and MariaDB: ``UPDATE ... JOIN``; ``<=>``; text compared as bytes."""

    vendor = "mysql"
    reserving_commits = True

    def reserve_keys(self, top: int) -> list[Statement]:
        # A table's AUTO_INCREMENT is never set below its largest key plus one.
        following = top + 1 if isinstance(top, int) else f"{top} + 1"
        return [
            Statement(
                f"ALTER TABLE {self.quote(self.merge.target_table)} AUTO_INCREMENT = {following}"
            )
        ]

    def as_text(self, expression: str) -> str:
        return f"CAST({expression} AS CHAR)"

    def as_integer(self, expression: str) -> str:
        return f"CAST({expression} AS SIGNED)"

    def concat(self, *parts: str) -> str:
        return f"CONCAT({', '.join(parts)})"

    def analyze_map(self) -> Statement | None:
        # ANALYZE TABLE would commit the open transaction; InnoDB recomputes the statistics
        # of a table by itself once a tenth of its rows changed.
        return None

    def exact(self, expression: str) -> str:
        return f"CAST(CONVERT({expression} USING utf8mb4) AS BINARY)"

    def same(self, left: str, right: str, *, text: bool) -> str:
        if text:
            left, right = self.exact(left), self.exact(right)
        return f"{left} <=> {right}"

    def update_join(
        self,
        table: str,
        alias: str,
        assignments: Sequence[tuple[str, Fragment]],
        joins: Sequence[tuple[str, Fragment]],
        where: Fragment,
    ) -> Statement:
        sets, set_params = joined(
            [(f"{alias}.{self.quote(column)} = {sql}", ps) for column, (sql, ps) in assignments],
            ", ",
        )
        joins_sql, join_params = joined(
            [(f" INNER JOIN {item} ON {sql}", ps) for item, (sql, ps) in joins], ""
        )
        sql = f"UPDATE {self.quote(table)} {alias}{joins_sql} SET {sets} WHERE {where[0]}"
        return Statement(sql, (*join_params, *set_params, *where[1]))


DIALECTS: dict[str, type[MergeSQL]] = {
    dialect.vendor: dialect for dialect in (PostgreSQLMergeSQL, MySQLMergeSQL, SQLiteMergeSQL)
}


def merge_sql(connection: BaseDatabaseWrapper, merge: Merge) -> MergeSQL:
    """The merge statements for the database behind ``connection``."""
    dialect = DIALECTS.get(connection.vendor)
    if dialect is None:
        raise UnsupportedBackendError(
            f"Cannot merge in database {connection.alias!r}: its backend "
            f"{connection.vendor!r} is not supported; use one of {', '.join(sorted(DIALECTS))}."
        )
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 33, 0):
        raise UnsupportedBackendError(
            "Merging on SQLite needs SQLite 3.33 or newer (UPDATE ... FROM); this Python has "
            f"{sqlite3.sqlite_version}."
        )
    return dialect(connection, merge)
