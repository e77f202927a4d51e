"""Compare two schemas and list every difference.

The two sides are called left and right: for ``remodel schemadiff`` the
left is the database being checked (``--database``) and the right what it is
compared with (``--other``, or the migrations). ``MISSING`` means only in
the right, ``EXTRA`` only in the left.

Tables and columns are matched by name. Indexes and constraints are first
matched by name, then the ones left over by definition (everything but the
name): a pair found that way is reported as ``RENAMED``, so an index that
exists on both sides under different names reads as one rename, not as a
missing and an extra index. With ``ignore_names`` the order is reversed and
renames are not differences at all, which is what squashed migrations
(whose auto-generated names may differ) need.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from django_remodel.schema.model import Column, PrimaryKey, Schema, Table


class Change(StrEnum):
    """How an object differs between the two sides."""

    MISSING = "missing"  # only in the right schema
    EXTRA = "extra"  # only in the left schema
    CHANGED = "changed"  # on both sides, one attribute differs
    RENAMED = "renamed"  # on both sides with the same definition, named differently


class Kind(StrEnum):
    """What kind of schema object a difference is about."""

    TABLE = "table"
    COLUMN = "column"
    PRIMARY_KEY = "primary key"
    INDEX = "index"
    UNIQUE = "unique constraint"
    CHECK = "check constraint"
    FOREIGN_KEY = "foreign key"
    EXCLUSION = "exclusion constraint"


@dataclass(frozen=True)
class Difference:
    """One difference between the left and the right schema.

    ``name`` is the column, index or constraint name (``None`` for a table,
    for the order of a table's columns, and for unnamed constraints; the
    left name for ``RENAMED``). ``left`` and ``right`` are what each side
    has: the object's definition for ``EXTRA``/``MISSING``, the values of
    ``attribute`` (``type``, ``nullability``, ``default``, ``definition``,
    ...) for ``CHANGED``, the names for ``RENAMED``, whose shared definition
    is in ``definition``. ``left_label``/``right_label`` name the sides.
    """

    change: Change
    kind: Kind
    table: str
    name: str | None = None
    attribute: str | None = None
    left: str | None = None
    right: str | None = None
    definition: str | None = None
    left_label: str = "left"
    right_label: str = "right"

    @property
    def description(self) -> str:
        """The difference in one line, naming the table: for logs and JSON."""
        return self._sentence(qualified=True)

    @property
    def detail(self) -> str:
        """The difference in one line, for a report already grouped by table."""
        return self._sentence(qualified=False)

    def _subject(self, qualified: bool) -> str:
        where = f" of {self.table!r}" if qualified else ""
        if self.kind is Kind.TABLE:
            return f"Table {self.table!r}" if qualified else "Table"
        if self.kind is Kind.COLUMN:
            if self.name is None:  # the order of the columns
                return f"Columns{where}"
            label = f"{self.table}.{self.name}" if qualified else self.name
            return f"Column {label!r}"
        if self.kind is Kind.PRIMARY_KEY:
            return f"Primary key{where}"
        noun = self.kind.value.capitalize()
        if self.name is not None and self.change is not Change.RENAMED:
            noun = f"{noun} {self.name!r}"
        return f"{noun} on {self.table!r}" if qualified else noun

    def _sentence(self, qualified: bool) -> str:
        subject = self._subject(qualified)
        left, right = self.left_label, self.right_label
        if self.change in (Change.EXTRA, Change.MISSING):
            side, definition = (
                (left, self.left) if self.change is Change.EXTRA else (right, self.right)
            )
            if self.kind is Kind.TABLE:
                return f"{subject} exists only in {side} ({definition})."
            return f"{subject} exists only in {side}: {definition}."
        if self.change is Change.RENAMED:
            right_name = f"{self.right!r}" if self.left and self.right else _name(self.right)
            return (
                f"{subject} is {_name(self.left)} in {left} but {right_name} in {right} "
                f"(same definition: {self.definition})."
            )
        values = f"{_value(self.left)} in {left}, {_value(self.right)} in {right}"
        if self.attribute == "definition":
            return f"{subject} differs: {values}."
        if self.attribute == "order":
            return f"{subject} are in a different order: {values}."
        return f"{subject} {self.attribute} differs: {values}."

    def to_dict(self) -> dict[str, Any]:
        """The difference as JSON-ready values."""
        return {
            "change": self.change.value,
            "kind": self.kind.value,
            "table": self.table,
            "name": self.name,
            "attribute": self.attribute,
            "left": self.left,
            "right": self.right,
            "definition": self.definition,
            "description": self.description,
        }


def _name(name: str | None) -> str:
    return f"named {name!r}" if name is not None else "unnamed"


def _value(value: str | None) -> str:
    return "none" if value is None else value


def diff_schemas(
    left: Schema,
    right: Schema,
    *,
    exclude_tables: Iterable[str] = (),
    ignore_names: bool = False,
    ignore_column_order: bool = False,
) -> list[Difference]:
    """Every difference between ``left`` and ``right``, sorted by table.

    ``exclude_tables`` are ``fnmatch`` patterns (``django_session``,
    ``legacy_*``) of tables to leave out on both sides. ``ignore_names``
    matches indexes and constraints by definition only, so renames are not
    reported. ``ignore_column_order`` leaves out differences in the order of
    the columns two tables have in common.
    """
    patterns = tuple(exclude_tables)
    context = _Context(
        left.label or "left", right.label or "right", ignore_names, ignore_column_order
    )

    def included(name: str) -> bool:
        return not any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)

    names = {name for name in (*left.table_names, *right.table_names) if included(name)}
    differences: list[Difference] = []
    for name in sorted(names):
        left_table, right_table = left.table(name), right.table(name)
        if left_table is None:
            assert right_table is not None
            differences.append(
                context.make(Change.MISSING, Kind.TABLE, name, right=_summary(right_table))
            )
        elif right_table is None:
            differences.append(
                context.make(Change.EXTRA, Kind.TABLE, name, left=_summary(left_table))
            )
        else:
            differences.extend(_diff_tables(left_table, right_table, context))
    return differences


def _summary(table: Table) -> str:
    count = len(table.columns)
    return f"{count} column{'s' if count != 1 else ''}"


@dataclass(frozen=True)
class _Context:
    left_label: str
    right_label: str
    ignore_names: bool
    ignore_column_order: bool

    def make(
        self,
        change: Change,
        kind: Kind,
        table: str,
        name: str | None = None,
        attribute: str | None = None,
        left: str | None = None,
        right: str | None = None,
        definition: str | None = None,
    ) -> Difference:
        return Difference(
            change=change,
            kind=kind,
            table=table,
            name=name,
            attribute=attribute,
            left=left,
            right=right,
            definition=definition,
            left_label=self.left_label,
            right_label=self.right_label,
        )


# The column attributes compared, in report order, with how each is shown.
_COLUMN_ATTRIBUTES: tuple[tuple[str, Callable[[Column], str | None]], ...] = (
    ("type", lambda column: column.type),
    ("nullability", lambda column: "NULL" if column.nullable else "NOT NULL"),
    ("default", lambda column: column.default),
    ("collation", lambda column: column.collation),
    ("identity", lambda column: column.identity),
    ("generation", lambda column: column.generated),
    ("extra", lambda column: column.extra),
    ("comment", lambda column: None if column.comment is None else repr(column.comment)),
)


def _diff_tables(left: Table, right: Table, context: _Context) -> list[Difference]:
    table = left.name
    differences: list[Difference] = []
    if left.comment != right.comment:
        differences.append(
            context.make(
                Change.CHANGED,
                Kind.TABLE,
                table,
                attribute="comment",
                left=_quoted(left.comment),
                right=_quoted(right.comment),
            )
        )
    left_options, right_options = dict(left.options), dict(right.options)
    for option in sorted({*left_options, *right_options}):
        if left_options.get(option) != right_options.get(option):
            differences.append(
                context.make(
                    Change.CHANGED,
                    Kind.TABLE,
                    table,
                    attribute=option,
                    left=left_options.get(option),
                    right=right_options.get(option),
                )
            )

    # Columns, in the left table's order, then those only on the right.
    right_columns = {column.name: column for column in right.columns}
    for column in left.columns:
        other = right_columns.get(column.name)
        if other is None:
            differences.append(
                context.make(Change.EXTRA, Kind.COLUMN, table, column.name, left=column.definition)
            )
            continue
        for attribute, show in _COLUMN_ATTRIBUTES:
            if show(column) != show(other):
                differences.append(
                    context.make(
                        Change.CHANGED,
                        Kind.COLUMN,
                        table,
                        column.name,
                        attribute=attribute,
                        left=show(column),
                        right=show(other),
                    )
                )
    left_column_names = set(left.column_names)
    for column in right.columns:
        if column.name not in left_column_names:
            differences.append(
                context.make(
                    Change.MISSING, Kind.COLUMN, table, column.name, right=column.definition
                )
            )
    if not context.ignore_column_order:
        common = set(left.column_names) & set(right.column_names)
        left_order = [name for name in left.column_names if name in common]
        right_order = [name for name in right.column_names if name in common]
        if left_order != right_order:
            differences.append(
                context.make(
                    Change.CHANGED,
                    Kind.COLUMN,
                    table,
                    attribute="order",
                    left=f"({', '.join(left_order)})",
                    right=f"({', '.join(right_order)})",
                )
            )

    differences.extend(_diff_primary_keys(table, left.primary_key, right.primary_key, context))
    for kind, left_items, right_items in (
        (Kind.INDEX, left.indexes, right.indexes),
        (Kind.UNIQUE, left.unique_constraints, right.unique_constraints),
        (Kind.CHECK, left.check_constraints, right.check_constraints),
        (Kind.FOREIGN_KEY, left.foreign_keys, right.foreign_keys),
        (Kind.EXCLUSION, left.exclusion_constraints, right.exclusion_constraints),
    ):
        differences.extend(_diff_named(kind, table, left_items, right_items, context))
    return differences


def _quoted(text: str | None) -> str | None:
    return None if text is None else repr(text)


def _diff_primary_keys(
    table: str, left: PrimaryKey | None, right: PrimaryKey | None, context: _Context
) -> list[Difference]:
    if left is None and right is None:
        return []
    if right is None:
        assert left is not None
        return [
            context.make(Change.EXTRA, Kind.PRIMARY_KEY, table, left.name, left=left.definition)
        ]
    if left is None:
        return [
            context.make(
                Change.MISSING, Kind.PRIMARY_KEY, table, right.name, right=right.definition
            )
        ]
    if left.columns != right.columns:
        return [
            context.make(
                Change.CHANGED,
                Kind.PRIMARY_KEY,
                table,
                left.name,
                attribute="definition",
                left=left.definition,
                right=right.definition,
            )
        ]
    if left.name != right.name and not context.ignore_names:
        return [
            context.make(
                Change.RENAMED,
                Kind.PRIMARY_KEY,
                table,
                left.name,
                attribute="name",
                left=left.name,
                right=right.name,
                definition=left.definition,
            )
        ]
    return []


class _Named(Protocol):
    """An index or constraint: what matching needs of it."""

    @property
    def name(self) -> str | None: ...

    @property
    def definition(self) -> str: ...


def _diff_named(
    kind: Kind,
    table: str,
    left: Sequence[_Named],
    right: Sequence[_Named],
    context: _Context,
) -> list[Difference]:
    """Differences between two tables' indexes, or constraints of one kind."""
    left_rest, right_rest = list(left), list(right)
    differences: list[Difference] = []

    def pair_by_definition() -> list[tuple[_Named, _Named]]:
        pairs = []
        for item in list(left_rest):
            match = next((o for o in right_rest if o.definition == item.definition), None)
            if match is not None:
                left_rest.remove(item)
                right_rest.remove(match)
                pairs.append((item, match))
        return pairs

    def pair_by_name() -> list[tuple[_Named, _Named]]:
        pairs = []
        for item in list(left_rest):
            if item.name is None:
                continue
            match = next((o for o in right_rest if o.name == item.name), None)
            if match is not None:
                left_rest.remove(item)
                right_rest.remove(match)
                pairs.append((item, match))
        return pairs

    def changed(pairs: list[tuple[_Named, _Named]]) -> None:
        for item, other in pairs:
            if item.definition != other.definition:
                differences.append(
                    context.make(
                        Change.CHANGED,
                        kind,
                        table,
                        item.name,
                        attribute="definition",
                        left=item.definition,
                        right=other.definition,
                    )
                )

    if context.ignore_names:
        pair_by_definition()
        changed(pair_by_name())
    else:
        changed(pair_by_name())
        for item, other in pair_by_definition():
            if item.name != other.name:
                differences.append(
                    context.make(
                        Change.RENAMED,
                        kind,
                        table,
                        item.name,
                        attribute="name",
                        left=item.name,
                        right=other.name,
                        definition=item.definition,
                    )
                )
    differences.extend(
        context.make(Change.EXTRA, kind, table, item.name, left=item.definition)
        for item in left_rest
    )
    differences.extend(
        context.make(Change.MISSING, kind, table, item.name, right=item.definition)
        for item in right_rest
    )
    return differences
