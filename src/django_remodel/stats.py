"""Statistics of the project's tables, read from the database: row counts,
sizes, distinct counts, and how many key values two tables share.

Everything is counted inside the database; no row is read into Python.

Round trips do not grow with the data: one catalog query for the sizes and
row estimates of every table, one ``UNION ALL`` statement per hundred tables
for the exact row counts, and one statement per table for all the columns
asked about in that table. Text values are compared byte for byte (not by
the column's collation), so ``'Ann'``, ``'ann'`` and ``'ann '`` are three
distinct values on every backend.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import Error as DjangoDatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

from django_remodel.audit.result import KeyOverlap
from django_remodel.errors import RemodelError, UnsupportedBackendError
from django_remodel.graph import FieldNode, ModelGraph, ModelKind, ModelNode
from django_remodel.schema.sources import connection_for, ensure_reachable


@dataclass(frozen=True)
class TableStats:
    """Size of one model's table."""

    label: str
    table: str
    rows: int
    rows_exact: bool
    """False when ``rows`` is the planner's estimate (big PostgreSQL/MySQL tables)."""
    table_bytes: int | None
    index_bytes: int | None


@dataclass(frozen=True)
class ColumnStats:
    """Value distribution of one column."""

    label: str
    field: str
    rows: int
    nulls: int
    empty: int
    """Empty strings (text columns only; 0 otherwise)."""
    distinct: int
    """Distinct non-null values."""

    @property
    def distinct_ratio(self) -> float:
        filled = self.rows - self.nulls
        return self.distinct / filled if filled else 0.0


@dataclass(frozen=True)
class GraphStats:
    """Statistics for the tables and columns of a model graph, from one database."""

    vendor: str
    database: str
    tables: dict[str, TableStats] = field(default_factory=dict)
    columns: dict[tuple[str, str], ColumnStats] = field(default_factory=dict)

    def table(self, label: str) -> TableStats | None:
        return self.tables.get(label)

    def column(self, label: str, field_name: str) -> ColumnStats | None:
        return self.columns.get((label, field_name))


__all__ = [
    "NORMALIZATIONS",
    "ColumnStats",
    "GraphStats",
    "TableStats",
    "collect_stats",
    "key_overlap",
]

NORMALIZATIONS = ("trim-casefold", "exact")
"""How ``key_overlap`` compares key values: ``LOWER(TRIM(value))``, or as stored."""

# Fields whose column holds text: only these can hold '' and be normalized.
_TEXT_TYPES = frozenset(
    {
        "CharField",
        "EmailField",
        "FileField",
        "FilePathField",
        "ImageField",
        "SlugField",
        "TextField",
        "URLField",
    }
)
# Tables per exact-count statement (SQLite allows 500 terms in a compound SELECT).
_COUNTS_PER_STATEMENT = 100


# -- What each backend says, and how it says it ------------------------------


@dataclass(frozen=True)
class _CatalogEntry:
    """What the catalog knows of one table, before any row is counted."""

    estimate: float | None
    """The planner's row estimate; ``None`` when it has none (views, SQLite)."""
    table_bytes: int | None
    index_bytes: int | None


class _Dialect:
    """The SQL of one backend; everything vendor-specific lives in a subclass."""

    vendor: ClassVar[str]
    folds_case: ClassVar[bool] = True
    """Whether table names match whatever their case (SQLite; MySQL as configured)."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def catalog(self, cursor: CursorWrapper, tables: Sequence[str]) -> dict[str, _CatalogEntry]:
        """Sizes and row estimates of those of ``tables`` that exist (views included)."""
        raise NotImplementedError

    def exact(self, text_sql: str) -> str:
        """``text_sql`` made to compare byte for byte, whatever the column's collation."""
        raise NotImplementedError

    def key_exact(self, text_sql: str) -> str:
        """``exact()`` for key values, which two different tables may encode differently."""
        return self.exact(text_sql)

    def as_text(self, sql: str) -> str:
        """A non-text column as text, so that keys of different types can be compared."""
        raise NotImplementedError

    def distinct_keys(self, key: str, table: str) -> str:
        """The distinct non-empty values of the key expression ``key``, as column ``k``."""
        return f"SELECT DISTINCT {key} AS k FROM {table} WHERE {key} <> %s"

    def overlap_sql(self, keys: str, other_keys: str) -> str:
        """One row ``(distinct, shared)``: the keys, and those among them in ``other_keys``.

        Both are ``distinct_keys()`` statements. PostgreSQL runs this left join
        of the two sets as a hash join.
        """
        return (
            f"SELECT COUNT(*), COUNT(o.k) FROM ({keys}) AS s "
            f"LEFT JOIN ({other_keys}) AS o ON o.k = s.k"
        )


class _PostgreSQL(_Dialect):
    vendor = "postgresql"
    folds_case = False
    # The planner's estimate: the tuple density of the last ANALYZE/VACUUM times
    # the table's current size (as estimate_rel_size() does); for a table never
    # analyzed (reltuples = -1), the live tuples the statistics system counted.
    CATALOG = """
        SELECT c.relname,
               CASE
                   WHEN c.relkind NOT IN ('r', 'm', 'p') THEN NULL
                   WHEN c.reltuples < 0 THEN pg_stat_get_live_tuples(c.oid)
                   WHEN c.relpages > 0 THEN c.reltuples / c.relpages
                       * (pg_relation_size(c.oid) / current_setting('block_size')::float8)
                   ELSE c.reltuples
               END,
               CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_table_size(c.oid) END,
               CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_indexes_size(c.oid) END
        FROM pg_catalog.pg_class AS c
        WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f')
          AND c.relname = ANY(%s)
          AND pg_catalog.pg_table_is_visible(c.oid)
    """

    def catalog(self, cursor: CursorWrapper, tables: Sequence[str]) -> dict[str, _CatalogEntry]:
        cursor.execute(self.CATALOG, [list(tables)])
        return {
            name: _CatalogEntry(_float(estimate), _int(table_bytes), _int(index_bytes))
            for name, estimate, table_bytes, index_bytes in cursor.fetchall()
        }

    def exact(self, text_sql: str) -> str:
        return f'{text_sql} COLLATE "C"'

    def as_text(self, sql: str) -> str:
        return f"CAST({sql} AS text)"


class _MySQL(_Dialect):
    vendor = "mysql"
    # TABLE_ROWS is InnoDB's estimate (exact for MyISAM); NULL for views.
    CATALOG = """
        SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH
        FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = DATABASE()
          AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW')
    """
    # MySQL 8 (not MariaDB) answers from a cache up to a day old unless told not to.
    FRESH_STATISTICS = (
        "SET @remodel_stats_expiry = @@SESSION.information_schema_stats_expiry, "
        "@@SESSION.information_schema_stats_expiry = 0"
    )
    RESTORE_STATISTICS = "SET @@SESSION.information_schema_stats_expiry = @remodel_stats_expiry"

    def catalog(self, cursor: CursorWrapper, tables: Sequence[str]) -> dict[str, _CatalogEntry]:
        cached = not getattr(self.connection, "mysql_is_mariadb", True)
        if cached:
            cursor.execute(self.FRESH_STATISTICS)
        try:
            cursor.execute(self.CATALOG)
            rows = cursor.fetchall()
        finally:
            if cached:
                cursor.execute(self.RESTORE_STATISTICS)
        return {
            name: _CatalogEntry(_float(estimate), _int(table_bytes), _int(index_bytes))
            for name, estimate, table_bytes, index_bytes in rows
        }

    def exact(self, text_sql: str) -> str:
        # Collations such as utf8mb4_unicode_ci ignore case, accents and
        # trailing spaces; bytes ignore nothing.
        return f"CAST({text_sql} AS BINARY)"

    def as_text(self, sql: str) -> str:
        return f"CAST({sql} AS CHAR)"

    def key_exact(self, text_sql: str) -> str:
        # Two tables may store text in different character sets.
        return self.exact(f"CONVERT({text_sql} USING utf8mb4)")

    def distinct_keys(self, key: str, table: str) -> str:
        # MariaDB joins derived tables through an index it adds to the inner
        # one, but not on a key longer than ~1000 bytes (an email is 1016 as
        # utf8mb4): it falls back to a nested loop, 15 s for 20k x 15k rows, and
        # wide rows spill its temporary tables to disk. Keys are matched by
        # their SHA-256 digest instead: 32 bytes, indexed, in memory (0.4 s for
        # 100k x 100k rows). No two values with equal SHA-256 digests are known.
        return f"SELECT DISTINCT UNHEX(SHA2({key}, 256)) AS k FROM {table} WHERE {key} <> %s"


class _SQLite(_Dialect):
    vendor = "sqlite"
    # dbstat is a virtual table SQLite has when built with SQLITE_ENABLE_DBSTAT_VTAB.
    CATALOG = """
        SELECT m.type, m.name, m.tbl_name, s.bytes
        FROM sqlite_master AS m
        LEFT JOIN (SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name) AS s
            ON s.name = m.name
        WHERE m.type IN ('table', 'view', 'index')
    """
    CATALOG_WITHOUT_SIZES = """
        SELECT type, name, tbl_name, NULL FROM sqlite_master
        WHERE type IN ('table', 'view', 'index')
    """

    def catalog(self, cursor: CursorWrapper, tables: Sequence[str]) -> dict[str, _CatalogEntry]:
        try:
            cursor.execute(self.CATALOG)
        except DjangoDatabaseError:
            # No dbstat in this build (an error before any statement ran
            # leaves the transaction as it was).
            cursor.execute(self.CATALOG_WITHOUT_SIZES)
            sized = False
        else:
            sized = True
        objects = cursor.fetchall()
        table_bytes: dict[str, int | None] = {}
        index_bytes: defaultdict[str, int] = defaultdict(int)
        for kind, name, table, size in objects:
            if kind == "table":
                table_bytes[name] = _int(size) if sized else None
            elif kind == "view":
                table_bytes[name] = None
            else:
                index_bytes[table] += _int(size) or 0
        return {
            name: _CatalogEntry(
                estimate=None,
                table_bytes=size,
                index_bytes=index_bytes[name] if sized and size is not None else None,
            )
            for name, size in table_bytes.items()
        }

    def exact(self, text_sql: str) -> str:
        return f"{text_sql} COLLATE BINARY"

    def as_text(self, sql: str) -> str:
        return f"CAST({sql} AS TEXT)"

    def overlap_sql(self, keys: str, other_keys: str) -> str:
        # An uncorrelated IN (SELECT ...) is built once into an index.
        return f"SELECT COUNT(*), COALESCE(SUM(s.k IN ({other_keys})), 0) FROM ({keys}) AS s"


_DIALECTS: dict[str, type[_Dialect]] = {
    dialect.vendor: dialect for dialect in (_PostgreSQL, _MySQL, _SQLite)
}


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _matching(
    dialect: _Dialect, found: dict[str, _CatalogEntry], tables: Iterable[str]
) -> dict[str, _CatalogEntry]:
    """The entries of ``tables`` in ``found``, ignoring case where the backend does."""
    folded = {name.lower(): entry for name, entry in found.items()} if dialect.folds_case else {}
    matching = {}
    for table in tables:
        entry = found.get(table) or folded.get(table.lower())
        if entry is not None:
            matching[table] = entry
    return matching


# -- Connections and errors ---------------------------------------------------


def _connect(using: str, purpose: str) -> tuple[BaseDatabaseWrapper, _Dialect]:
    connection = connection_for(using)
    dialect = _DIALECTS.get(connection.vendor)
    if dialect is None:
        raise UnsupportedBackendError(
            f"Cannot {purpose} in database {using!r}: its backend {connection.vendor!r} "
            f"is not supported; use one of {', '.join(sorted(_DIALECTS))}."
        )
    ensure_reachable(connection)
    return connection, dialect(connection)


@contextmanager
def _reading(using: str, purpose: str) -> Iterator[None]:
    """Turn a database error into a ``RemodelError`` with the backend's message."""
    try:
        yield
    except DjangoDatabaseError as error:
        raise RemodelError(
            f"Could not {purpose} in database {using!r}: {str(error).strip()}. "
            "Check that its tables match the models (run migrate) and that "
            "the database user may read them."
        ) from error


# -- Which table holds a field ------------------------------------------------


@dataclass(frozen=True)
class _Column:
    label: str
    field: FieldNode
    table: str
    column: str

    @property
    def is_text(self) -> bool:
        return self.field.internal_type in _TEXT_TYPES


def _locate(graph: ModelGraph, label: str, field_name: str) -> _Column:
    """The table and column of ``label.field_name`` whose rows are exactly the model's."""
    node = graph.model(label)
    model_field = node.field(field_name)
    _require_table(node)
    name = f"{node.label}.{model_field.name}"
    if model_field.column is None:
        raise RemodelError(
            f"Field {name!r} has no column of its own ({model_field.internal_type}); "
            f"ask about a field stored in {node.label!r}'s table."
        )
    owner = model_field.inherited_from or node.label
    same_rows = owner == node.label or (node.kind == ModelKind.PROXY and owner in node.parents)
    if not same_rows:
        raise RemodelError(
            f"Field {name!r} is stored in the table of {owner!r}, which also holds rows "
            f"that are not {node.label!r} rows; ask about {f'{owner}.{model_field.name}'!r} "
            "instead."
        )
    table = graph.model(owner).db_table
    assert table is not None  # the owner is concrete, or _require_table failed
    return _Column(node.label, model_field, table, model_field.column)


def _require_table(node: ModelNode) -> None:
    if node.kind == ModelKind.PROXY:
        return  # read from the proxied model's table
    if not node.has_table or node.db_table is None:
        why = {
            ModelKind.ABSTRACT: "is abstract",
            ModelKind.SWAPPED: f"is swapped out for {node.swapped_by!r}",
        }.get(node.kind, "has no table")
        hint = f"use {node.swapped_by!r}" if node.swapped_by else "use a concrete model"
        raise RemodelError(f"Model {node.label!r} {why}, so it has no rows to count; {hint}.")


# -- collect_stats --------------------------------------------------------------


def collect_stats(
    graph: ModelGraph,
    *,
    using: str = "default",
    columns: Iterable[tuple[str, str]] = (),
    exact_limit: int = 1_000_000,
) -> GraphStats:
    """Row counts and sizes of the graph's tables, and value counts of ``columns``.

    ``columns`` are ``(model label, field name)`` pairs; for each, the rows,
    NULLs, empty strings and distinct non-NULL values of its column. A table
    whose planner estimate exceeds ``exact_limit`` rows gets the estimate
    (``rows_exact=False``) instead of a ``COUNT(*)``, unless one of its columns
    is asked about (that scans the table anyway). Models whose table is not in
    the database (unapplied migrations, unmanaged models) are left out.
    """
    requested: dict[tuple[str, str], _Column] = {}
    for label, field_name in columns:
        located = _locate(graph, label, field_name)
        requested.setdefault((located.label, located.field.name), located)

    connection, dialect = _connect(using, "collect statistics")
    nodes = [node for node in graph if node.has_table and node.db_table]
    wanted = sorted({node.db_table for node in nodes if node.db_table})
    wanted_with_columns = sorted({*wanted, *(c.table for c in requested.values())})
    quote = connection.ops.quote_name

    with _reading(using, "collect statistics"), connection.cursor() as cursor:
        catalog: dict[str, _CatalogEntry] = {}
        if wanted_with_columns:
            found = dialect.catalog(cursor, wanted_with_columns)
            catalog = _matching(dialect, found, wanted_with_columns)

        by_table: defaultdict[str, list[_Column]] = defaultdict(list)
        for located in requested.values():
            if located.table in catalog:
                by_table[located.table].append(located)

        exact_rows: dict[str, int] = {}
        column_stats: dict[tuple[str, str], ColumnStats] = {}
        for table, table_columns in by_table.items():
            rows, measured = _measure_columns(cursor, dialect, quote, table, table_columns)
            exact_rows[table] = rows
            column_stats.update(measured)

        to_count = [
            table
            for table in wanted
            if table in catalog
            and table not in exact_rows
            and not _is_big(catalog[table].estimate, exact_limit)
        ]
        exact_rows.update(_count_rows(cursor, quote, to_count))

    tables: dict[str, TableStats] = {}
    for node in nodes:
        assert node.db_table is not None
        entry = catalog.get(node.db_table)
        if entry is None:
            continue
        exact = exact_rows.get(node.db_table)
        tables[node.label] = TableStats(
            label=node.label,
            table=node.db_table,
            rows=exact if exact is not None else max(0, round(entry.estimate or 0)),
            rows_exact=exact is not None,
            table_bytes=entry.table_bytes,
            index_bytes=entry.index_bytes,
        )
    ordered_columns = {key: column_stats[key] for key in requested if key in column_stats}
    return GraphStats(
        vendor=connection.vendor, database=using, tables=tables, columns=ordered_columns
    )


def _is_big(estimate: float | None, exact_limit: int) -> bool:
    return estimate is not None and estimate > exact_limit


def _count_rows(
    cursor: CursorWrapper, quote: Callable[[str], str], tables: Sequence[str]
) -> dict[str, int]:
    """``COUNT(*)`` of each table, a hundred tables per statement."""
    counts: dict[str, int] = {}
    for start in range(0, len(tables), _COUNTS_PER_STATEMENT):
        chunk = tables[start : start + _COUNTS_PER_STATEMENT]
        sql = " UNION ALL ".join(f"SELECT %s, COUNT(*) FROM {quote(table)}" for table in chunk)
        cursor.execute(sql, list(range(len(chunk))))
        for position, rows in cursor.fetchall():
            counts[chunk[int(position)]] = int(rows)
    return counts


def _measure_columns(
    cursor: CursorWrapper,
    dialect: _Dialect,
    quote: Callable[[str], str],
    table: str,
    columns: Sequence[_Column],
) -> tuple[int, dict[tuple[str, str], ColumnStats]]:
    """Rows of ``table`` and the value counts of ``columns``, in one statement."""
    terms = ["COUNT(*)"]
    params: list[str] = []
    for located in columns:
        column = quote(located.column)
        terms.append(f"COUNT({column})")
        if located.is_text:
            exact = dialect.exact(column)
            terms.append(f"SUM(CASE WHEN {exact} = %s THEN 1 ELSE 0 END)")
            params.append("")
            terms.append(f"COUNT(DISTINCT {exact})")
        else:
            terms.append("0")
            terms.append(f"COUNT(DISTINCT {column})")
    cursor.execute(f"SELECT {', '.join(terms)} FROM {quote(table)}", params)
    row = cursor.fetchone()
    assert row is not None  # an aggregate without GROUP BY returns one row
    rows = int(row[0])
    measured = {}
    for index, located in enumerate(columns):
        filled, empty, distinct = row[1 + 3 * index : 4 + 3 * index]
        measured[(located.label, located.field.name)] = ColumnStats(
            label=located.label,
            field=located.field.name,
            rows=rows,
            nulls=rows - int(filled),
            empty=int(empty or 0),
            distinct=int(distinct),
        )
    return rows, measured


# -- key_overlap ----------------------------------------------------------------


def key_overlap(
    graph: ModelGraph,
    model: str,
    field: str,
    other_model: str,
    other_field: str,
    *,
    using: str = "default",
    normalize: str = "trim-casefold",
) -> KeyOverlap:
    """How many distinct key values of ``model.field`` ``other_model.other_field`` holds too.

    Values are normalized first (``trim-casefold``: ``LOWER(TRIM(value))``;
    ``exact``: as stored, compared byte for byte); NULLs and values that are
    empty after normalization are not keys. Counted in one statement (after
    one that checks both tables exist). MySQL and MariaDB match keys by their
    SHA-256 digests, which their optimizers can index; the others by value.
    """
    if normalize not in NORMALIZATIONS:
        raise RemodelError(
            f"Unknown key normalization {normalize!r}; use one of "
            f"{', '.join(repr(name) for name in NORMALIZATIONS)}."
        )
    source = _locate(graph, model, field)
    target = _locate(graph, other_model, other_field)
    connection, dialect = _connect(using, "compare keys")
    quote = connection.ops.quote_name

    def distinct_keys(located: _Column) -> str:
        value = quote(located.column)
        if not located.is_text:
            value = dialect.as_text(value)
        if normalize == "trim-casefold":
            value = f"LOWER(TRIM({value}))"
        return dialect.distinct_keys(dialect.key_exact(value), quote(located.table))

    # Both key statements take the same parameter, whatever their order.
    sql = dialect.overlap_sql(distinct_keys(source), distinct_keys(target))
    purpose = f"compare {source.label}.{source.field.name} with {target.label}.{target.field.name}"
    with _reading(using, purpose), connection.cursor() as cursor:
        missing = _missing_tables(connection, cursor, (source.table, target.table))
        if missing:
            raise RemodelError(
                f"Cannot {purpose}: table {missing[0]!r} is not in database {using!r}; "
                "run migrate (or create the unmanaged model's table) first."
            )
        cursor.execute(sql, ["", ""])
        row = cursor.fetchone()
    assert row is not None
    return KeyOverlap(
        model=source.label,
        field=source.field.name,
        other_model=target.label,
        other_field=target.field.name,
        distinct=int(row[0]),
        shared=int(row[1] or 0),
    )


def _missing_tables(
    connection: BaseDatabaseWrapper, cursor: CursorWrapper, tables: Iterable[str]
) -> list[str]:
    existing = {
        name.lower() for name in connection.introspection.table_names(cursor, include_views=True)
    }
    return [table for table in dict.fromkeys(tables) if table.lower() not in existing]
