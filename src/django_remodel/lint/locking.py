"""Schema operations that lock or rewrite a big table on PostgreSQL or MySQL/MariaDB.

Only migrations the database has not applied are judged (all of them without
a database), and with a database only operations on tables of at least
``big_table_rows`` rows. What each backend does:

- ``CREATE INDEX`` (``AddIndex``; ``db_index=True`` or ``unique=True`` added
  by ``AddField``/``AlterField``): PostgreSQL holds a SHARE lock, blocking
  writes, until the index is built; ``AddIndexConcurrently`` does not. MySQL
  and MariaDB build secondary indexes online.
- A foreign key added with ``AddField``: PostgreSQL validates the new
  constraint while holding locks that block writes to both tables; MySQL and
  MariaDB cannot add a checked foreign key in place and copy the table.
- ``AlterField`` changing the column type: PostgreSQL rewrites the table and
  its indexes under an ACCESS EXCLUSIVE lock, unless the new type is
  binary-compatible (a longer ``varchar``, ``varchar`` to ``text``, a wider
  ``numeric`` of the same scale); MySQL and MariaDB copy the table unless a
  ``VARCHAR`` only grows within the same length-prefix size.
- ``AddField`` on MySQL before 8.0.12 and MariaDB before 10.3.2, which cannot
  add a column instantly and rebuild the table.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import models
from django.db.backends.utils import truncate_name
from django.db.migrations.operations import (
    AddField,
    AddIndex,
    AlterField,
    CreateModel,
    SeparateDatabaseAndState,
)
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ModelState, ProjectState

from django_remodel.lint.history import History, Key
from django_remodel.lint.result import Finding, Severity
from django_remodel.lint.tables import RowCount

TARGETS = ("postgresql", "mysql")
DEFAULT_BIG_TABLE_ROWS = 100_000

# The column type each backend gives a field, by kind: fields of one kind share it.
_KINDS = {
    "AutoField": "integer",
    "IntegerField": "integer",
    "SmallAutoField": "smallint",
    "SmallIntegerField": "smallint",
    "BigAutoField": "bigint",
    "BigIntegerField": "bigint",
    # PostgreSQL stores these in the signed type with a CHECK; MySQL makes them UNSIGNED.
    "PositiveIntegerField": "integer+",
    "PositiveSmallIntegerField": "smallint+",
    "PositiveBigIntegerField": "bigint+",
    "CharField": "varchar",
    "EmailField": "varchar",
    "SlugField": "varchar",
    "URLField": "varchar",
    "FileField": "varchar",
    "ImageField": "varchar",
    "FilePathField": "varchar",
    "TextField": "text",
    "DecimalField": "numeric",
    "FloatField": "double",
    "BooleanField": "boolean",
    "DateField": "date",
    "DateTimeField": "timestamp",
    "TimeField": "time",
    "DurationField": "interval",
    "UUIDField": "uuid",
    "JSONField": "json",
    "BinaryField": "binary",
    "GenericIPAddressField": "inet",
}
_MYSQL_BYTES_PER_CHAR = 4  # utf8mb4

_PG_INDEX = (
    "on PostgreSQL CREATE INDEX holds a SHARE lock that blocks every write to the table "
    "until the index is built (MySQL and MariaDB build it online)"
)
_PG_REWRITE = (
    "PostgreSQL rewrites the table and its indexes under an ACCESS EXCLUSIVE lock "
    "(no reads or writes until it is done)"
)
_MYSQL_COPY = (
    "MySQL and MariaDB copy the whole table (ALGORITHM=COPY), blocking writes until it is done"
)


@dataclass(frozen=True)
class _Judgement:
    code: str
    message: str
    hint: str
    table: str


def check_locking(
    history: History,
    *,
    targets: Sequence[str] = TARGETS,
    big_table_rows: int = DEFAULT_BIG_TABLE_ROWS,
    count_rows: Callable[[str], RowCount] | None = None,
    max_name_length: int | None = None,
) -> list[Finding]:
    """``remodel.L201``..``L204`` for the linted apps' migrations not yet applied.

    ``count_rows`` reads a table's row count from the database; without it
    (no database) every operation on an existing table is reported.
    """
    graph = history.loader.graph
    state = ProjectState(real_apps=history.loader.unmigrated_apps)
    findings: list[Finding] = []
    for key in _full_plan(history):
        migration = graph.nodes[key]
        app_label = key[0]
        judged = app_label in history.apps and not history.is_applied(key)
        created: set[str] = set()
        lines: list[int] | None = None
        for index, operation in enumerate(migration.operations):
            if judged:
                for judgement in _judge(operation, app_label, state, created, targets, history):
                    table = truncate_name(judgement.table, max_name_length)
                    counted = count_rows(table) if count_rows is not None else None
                    if counted is not None and counted.rows < big_table_rows:
                        continue
                    if lines is None:
                        lines = _operation_lines(history.path(key))
                    findings.append(
                        Finding(
                            code=judgement.code,
                            severity=Severity.WARNING,
                            app_label=app_label,
                            message=judgement.message.replace("{rows}", _rows_text(table, counted)),
                            hint=judgement.hint,
                            path=history.path(key),
                            line=lines[index] if index < len(lines) else None,
                            migration=key[1],
                            rows=counted.rows if counted is not None else None,
                        )
                    )
            if isinstance(operation, CreateModel):
                created.add(operation.name_lower)
            operation.state_forwards(app_label, state)
    return findings


def _full_plan(history: History) -> Iterator[Key]:
    graph = history.loader.graph
    seen: set[Key] = set()
    for leaf in graph.leaf_nodes():
        for key in graph.forwards_plan(leaf):
            if key not in seen:
                seen.add(key)
                yield key


def _rows_text(table: str, counted: RowCount | None) -> str:
    if counted is None:
        return f"table {table!r}, rows not counted without a database"
    if counted.exact:
        return f"table {table!r}, {counted.rows:,} rows"
    return f"table {table!r}, about {counted.rows:,} rows"


def _operation_lines(path: Path | None) -> list[int]:
    """The line of each element of the migration's ``operations`` list."""
    if path is None:
        return []
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "operations" for t in node.targets)
            and isinstance(node.value, ast.List | ast.Tuple)
        ):
            return [element.lineno for element in node.value.elts]
    return []


def _judge(
    operation: Operation,
    app_label: str,
    state: ProjectState,
    created: set[str],
    targets: Sequence[str],
    history: History,
) -> Iterator[_Judgement]:
    if isinstance(operation, SeparateDatabaseAndState):
        for inner in operation.database_operations:
            yield from _judge(inner, app_label, state, created, targets, history)
        return
    model_name = getattr(operation, "model_name_lower", None)
    if model_name is None or model_name in created:
        return  # a table made in this same migration is empty
    model_state = state.models.get((app_label, model_name))
    if model_state is None or _has_no_table(model_state):
        return
    table = model_state.options.get("db_table") or f"{app_label}_{model_name}"
    label = f"{app_label}.{model_state.name}"
    if isinstance(operation, AddIndex):
        if "postgresql" in targets and not type(operation).__name__.endswith("Concurrently"):
            yield _Judgement(
                "remodel.L201",
                f"AddIndex {operation.index.name!r} on {label} ({{rows}}): {_PG_INDEX}.",
                "Build it with AddIndexConcurrently (django.contrib.postgres.operations) "
                "in a migration of its own with atomic = False; writes go on meanwhile.",
                table,
            )
    elif isinstance(operation, AddField):
        yield from _judge_add_field(operation, label, table, targets, history)
    elif isinstance(operation, AlterField):
        old = model_state.fields.get(operation.name)
        if old is not None:
            yield from _judge_alter_field(operation, old, label, table, targets)


def _has_no_table(model_state: ModelState) -> bool:
    options = model_state.options
    return bool(options.get("proxy")) or options.get("managed", True) is False


def _indexed(field: models.Field[Any, Any]) -> str | None:
    """Which option makes Django index the field's column, if one does."""
    if field.primary_key:
        return None
    if field.unique:
        return "unique=True"
    if getattr(field, "db_index", False):
        return "db_index=True"
    return None


def _judge_add_field(
    operation: AddField, label: str, table: str, targets: Sequence[str], history: History
) -> Iterator[_Judgement]:
    field = operation.field
    if field.many_to_many:
        return  # a table of its own
    name = f"{label}.{operation.name}"
    if field.is_relation and getattr(field, "db_constraint", False):
        assert field.remote_field is not None
        target = field.remote_field.model
        target_label = target if isinstance(target, str) else target._meta.label
        effects = []
        if "postgresql" in targets:
            effects.append(
                "on PostgreSQL the FOREIGN KEY constraint is validated as it is added, "
                "scanning every row while writes to both tables are blocked (and reads of "
                "this table too, as the column is added in the same ALTER TABLE), and its "
                "index is built with a plain CREATE INDEX"
            )
        if "mysql" in targets:
            effects.append(
                "MySQL and MariaDB cannot add a checked FOREIGN KEY in place and copy the "
                "whole table (ALGORITHM=COPY), blocking writes until it is done"
            )
        if effects:
            yield _Judgement(
                "remodel.L202",
                f"AddField {name} adds a foreign key to {target_label} ({{rows}}): "
                + "; ".join(effects)
                + ".",
                "Add the field with db_constraint=False (and db_index=False on PostgreSQL); "
                "then, in later migrations, build the index with AddIndexConcurrently and add "
                "the constraint with RunSQL: on PostgreSQL 'ADD CONSTRAINT ... NOT VALID' "
                "followed by 'VALIDATE CONSTRAINT', which lets reads and writes go on; on "
                "MySQL/MariaDB with foreign_key_checks=0, so it is added in place.",
                table,
            )
    else:
        option = _indexed(field)
        if option and "postgresql" in targets:
            yield _Judgement(
                "remodel.L201",
                f"AddField {name} with {option} indexes the new column ({{rows}}): {_PG_INDEX}.",
                "Add the field without the index, then build the index with "
                "AddIndexConcurrently in a migration of its own with atomic = False "
                "(declare it in Meta.indexes"
                + (
                    ", or CREATE UNIQUE INDEX CONCURRENTLY plus ADD CONSTRAINT ... USING INDEX "
                    "for a unique one)."
                    if option == "unique=True"
                    else ")."
                ),
                table,
            )
    if "mysql" in targets and history.vendor == "mysql" and _mysql_rebuilds_on_add(history):
        server = "MariaDB" if history.mariadb else "MySQL"
        version = ".".join(str(part) for part in history.server_version or ())
        yield _Judgement(
            "remodel.L204",
            f"AddField {name} ({{rows}}): {server} {version} cannot add a column instantly "
            "(MySQL 8.0.12 and MariaDB 10.3.2 can) and rebuilds the whole table"
            + (
                ", writing the default into every row"
                if field.has_default() or getattr(field, "db_default", None) is not None
                else ""
            )
            + ".",
            "Upgrade the server, or add the column in a maintenance window; on PostgreSQL "
            "and on current MySQL/MariaDB adding a column is a change of the catalog only.",
            table,
        )


def _mysql_rebuilds_on_add(history: History) -> bool:
    version = history.server_version or ()
    if not version:
        return False
    return version < ((10, 3, 2) if history.mariadb else (8, 0, 12))


def _judge_alter_field(
    operation: AlterField,
    old: models.Field[Any, Any],
    label: str,
    table: str,
    targets: Sequence[str],
) -> Iterator[_Judgement]:
    new = operation.field
    name = f"{label}.{operation.name}"
    option = _indexed(new)
    if option and not _indexed(old) and "postgresql" in targets and not old.is_relation:
        yield _Judgement(
            "remodel.L201",
            f"AlterField {name} adds {option}, indexing the column ({{rows}}): {_PG_INDEX}.",
            "Keep the field as it was and build the index with AddIndexConcurrently in a "
            "migration with atomic = False (declare it in Meta.indexes), or wrap the "
            "AlterField in SeparateDatabaseAndState with RunSQL 'CREATE INDEX "
            "CONCURRENTLY ...' as its database operation.",
            table,
        )
    effects = _type_change(old, new, targets)
    if effects:
        yield _Judgement(
            "remodel.L203",
            f"AlterField {name} changes the column from {_describe(old)} to {_describe(new)} "
            f"({{rows}}): " + "; ".join(effects) + ".",
            "Expand, then contract: add a column of the new type, backfill it in batches, "
            "switch the code to it, then drop the old one; or run this in a maintenance "
            "window.",
            table,
        )


def _describe(field: models.Field[Any, Any]) -> str:
    kind = field.get_internal_type()
    if _KINDS.get(kind) == "varchar":
        return f"{kind}(max_length={field.max_length})"
    if kind == "DecimalField":
        digits = getattr(field, "max_digits", None)
        places = getattr(field, "decimal_places", None)
        return f"DecimalField(max_digits={digits}, decimal_places={places})"
    return kind


def _type_change(
    old: models.Field[Any, Any], new: models.Field[Any, Any], targets: Sequence[str]
) -> list[str]:
    """What each target backend does to the table for this change of column type."""
    if old.is_relation or new.is_relation:
        return []
    old_kind = _KINDS.get(old.get_internal_type())
    new_kind = _KINDS.get(new.get_internal_type())
    if old_kind is None or new_kind is None:
        return []
    effects = []
    if "postgresql" in targets and _postgresql_rewrites(old, new, old_kind, new_kind):
        effects.append(_PG_REWRITE)
    if "mysql" in targets and _mysql_copies(old, new, old_kind, new_kind):
        effects.append(_MYSQL_COPY)
    return effects


def _postgresql_rewrites(
    old: models.Field[Any, Any], new: models.Field[Any, Any], old_kind: str, new_kind: str
) -> bool:
    old_kind, new_kind = old_kind.rstrip("+"), new_kind.rstrip("+")
    if old_kind == "varchar" and new_kind == "text":
        return False  # binary-coercible
    if old_kind != new_kind:
        return True
    if old_kind == "varchar":
        return (new.max_length or 0) < (old.max_length or 0)
    if old_kind == "numeric":
        same_scale = getattr(old, "decimal_places", None) == getattr(new, "decimal_places", None)
        wider = (getattr(new, "max_digits", 0) or 0) >= (getattr(old, "max_digits", 0) or 0)
        return not (same_scale and wider)
    return False


def _mysql_copies(
    old: models.Field[Any, Any], new: models.Field[Any, Any], old_kind: str, new_kind: str
) -> bool:
    if old_kind != new_kind:
        return True
    if old_kind == "varchar":
        old_bytes = (old.max_length or 0) * _MYSQL_BYTES_PER_CHAR
        new_bytes = (new.max_length or 0) * _MYSQL_BYTES_PER_CHAR
        if new_bytes < old_bytes:
            return True
        # The length prefix is one byte up to 255 bytes, two above: crossing it copies.
        return (old_bytes <= 255) != (new_bytes <= 255)
    if old_kind == "numeric":
        return (getattr(old, "max_digits", None), getattr(old, "decimal_places", None)) != (
            getattr(new, "max_digits", None),
            getattr(new, "decimal_places", None),
        )
    return False
