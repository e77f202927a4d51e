"""Read the parts of SQLite's ``CREATE TABLE``/``CREATE INDEX`` text that no PRAGMA reports.

SQLite keeps column collations, ``CHECK`` constraints, constraint names,
deferrability, ``AUTOINCREMENT``, generated-column expressions and index
expressions and ``WHERE`` clauses only in the SQL text stored in
``sqlite_master``. This module tokenizes that text (it was accepted by
SQLite, so it is well formed) and picks those parts out; everything the
PRAGMAs do report is taken from them instead.

Expressions are rendered from their tokens with canonical spacing, so
``CHECK ("a">=0)`` and ``CHECK ("a" >= 0)`` read the same; identifiers and
keywords are kept as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|--[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<string>'(?:[^']|'')*')
    | (?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
    | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+)
    | (?P<word>[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)
    | (?P<operator>\|\||<<|>>|<=|>=|==|!=|<>|->>|->|[-+*/%&|~<>=!])
    | (?P<punct>[(),.;])
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

# Words that start a column constraint, and so end a column's type name.
_COLUMN_CONSTRAINT_WORDS = frozenset(
    {
        "CONSTRAINT",
        "PRIMARY",
        "NOT",
        "NULL",
        "UNIQUE",
        "CHECK",
        "DEFAULT",
        "COLLATE",
        "REFERENCES",
        "GENERATED",
        "AS",
    }
)
_TABLE_CONSTRAINT_WORDS = frozenset({"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"})
# Keywords after which "(" is not a function call, so keeps its space.
_SPACED_BEFORE_PAREN = frozenset(
    {
        "AND",
        "OR",
        "NOT",
        "IN",
        "IS",
        "BETWEEN",
        "LIKE",
        "GLOB",
        "WHEN",
        "THEN",
        "ELSE",
        "EXISTS",
        "CHECK",
        "AS",
        "ON",
        "WHERE",
        "ESCAPE",
    }
)
# What may follow PRIMARY KEY in a column definition.
_PRIMARY_KEY_WORDS = frozenset(
    {
        "ASC",
        "DESC",
        "ON",
        "CONFLICT",
        "ROLLBACK",
        "ABORT",
        "FAIL",
        "IGNORE",
        "REPLACE",
        "AUTOINCREMENT",
    }
)


@dataclass(frozen=True)
class Token:
    """One lexical token: its kind (a group name of ``_TOKEN``) and its text."""

    kind: str
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokenize(sql: str) -> list[Token]:
    """The tokens of ``sql``, without whitespace and comments."""
    return [
        Token(match.lastgroup or "other", match.group())
        for match in _TOKEN.finditer(sql)
        if match.lastgroup != "space"
    ]


def unquote(token: Token) -> str:
    """An identifier's name: quotes removed, doubled quotes undone."""
    text = token.text
    if token.kind == "quoted":
        if text[0] == "[":
            return text[1:-1]
        return text[1:-1].replace(text[0] * 2, text[0])
    if token.kind == "string":  # SQLite accepts 'name' where it expects a name
        return text[1:-1].replace("''", "'")
    return text


def render(tokens: list[Token]) -> str:
    """Tokens as text with canonical spacing (see the module docstring)."""
    out: list[str] = []
    for position, token in enumerate(tokens):
        previous = tokens[position - 1] if position else None
        if previous is not None and not (
            previous.text in ("(", ".")
            or token.text in (")", ",", ".")
            or (
                token.text == "("
                and previous.kind in ("word", "quoted")
                and previous.upper not in _SPACED_BEFORE_PAREN
            )
            or (previous.text in ("-", "+") and _is_unary(tokens, position - 1))
        ):
            out.append(" ")
        out.append(token.text)
    return "".join(out)


def _is_unary(tokens: list[Token], position: int) -> bool:
    """Whether the sign at ``position`` is a unary one (``-1``, ``(-a)``), not subtraction."""
    if position == 0:
        return True
    before = tokens[position - 1]
    return (
        before.kind == "operator"
        or before.text in ("(", ",")
        or (before.upper in _SPACED_BEFORE_PAREN)
    )


def _split(tokens: list[Token]) -> list[list[Token]]:
    """Tokens split at the commas that are not inside parentheses."""
    items: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        if token.text == "," and depth == 0:
            items.append([])
        else:
            items[-1].append(token)
    return [item for item in items if item]


def _group_end(tokens: list[Token], start: int) -> int:
    """The index just past the parenthesized group that opens at ``start``."""
    depth = 0
    for position in range(start, len(tokens)):
        if tokens[position].text == "(":
            depth += 1
        elif tokens[position].text == ")":
            depth -= 1
            if depth == 0:
                return position + 1
    return len(tokens)


@dataclass
class ParsedColumn:
    """What the SQL says about a column beyond ``PRAGMA table_xinfo``."""

    name: str
    type: str = ""
    collation: str | None = None
    autoincrement: bool = False
    generated: str | None = None


@dataclass
class ParsedTable:
    """The parts of a ``CREATE TABLE`` statement the PRAGMAs leave out."""

    columns: dict[str, ParsedColumn] = field(default_factory=dict)
    primary_key_name: str | None = None
    # (constraint name or None, column names), in declaration order.
    uniques: list[tuple[str | None, tuple[str, ...]]] = field(default_factory=list)
    checks: list[tuple[str | None, str]] = field(default_factory=list)
    # (constraint name or None, columns, referenced table, deferrable clause or None)
    foreign_keys: list[tuple[str | None, tuple[str, ...], str, str | None]] = field(
        default_factory=list
    )
    options: list[tuple[str, str]] = field(default_factory=list)

    def column(self, name: str) -> ParsedColumn | None:
        # SQLite identifiers are case-insensitive.
        return self.columns.get(name.lower())


def parse_create_table(sql: str) -> ParsedTable:
    """Parse a ``CREATE TABLE`` statement as stored in ``sqlite_master``."""
    tokens = tokenize(sql)
    parsed = ParsedTable()
    start = next((i for i, token in enumerate(tokens) if token.text == "("), None)
    if start is None:  # CREATE TABLE ... AS SELECT has no definitions to read
        return parsed
    end = _group_end(tokens, start)
    for item in _split(tokens[start + 1 : end - 1]):
        if item[0].upper in _TABLE_CONSTRAINT_WORDS:
            _parse_table_constraint(item, parsed)
        else:
            _parse_column(item, parsed)
    for option in _split(tokens[end:]):
        words = " ".join(token.upper for token in option)
        if words == "WITHOUT ROWID":
            parsed.options.append(("without rowid", "yes"))
        elif words == "STRICT":
            parsed.options.append(("strict", "yes"))
    return parsed


def _constraint_name(item: list[Token], position: int) -> tuple[str | None, int]:
    if position < len(item) and item[position].upper == "CONSTRAINT":
        return unquote(item[position + 1]), position + 2
    return None, position


def _column_list(item: list[Token], start: int) -> tuple[tuple[str, ...], int]:
    """The column names of the group opening at ``start`` (ignoring ASC/COLLATE) and its end."""
    end = _group_end(item, start)
    names = tuple(unquote(part[0]) for part in _split(item[start + 1 : end - 1]))
    return names, end


def _parse_references(item: list[Token], position: int) -> tuple[str, str | None]:
    """The referenced table and deferrable clause of a ``REFERENCES`` clause."""
    table = unquote(item[position + 1])
    words = [token.upper for token in item[position + 2 :]]
    deferrable: str | None = None
    for index, word in enumerate(words):
        if word == "DEFERRABLE" and (index == 0 or words[index - 1] != "NOT"):
            # DEFERRABLE alone means INITIALLY IMMEDIATE.
            deferred = words[index + 1 : index + 3] == ["INITIALLY", "DEFERRED"]
            deferrable = f"DEFERRABLE INITIALLY {'DEFERRED' if deferred else 'IMMEDIATE'}"
    return table, deferrable


def _parse_table_constraint(item: list[Token], parsed: ParsedTable) -> None:
    name, position = _constraint_name(item, 0)
    word = item[position].upper
    if word == "PRIMARY":
        parsed.primary_key_name = name
    elif word == "UNIQUE":
        columns, _ = _column_list(item, position + 1)
        parsed.uniques.append((name, columns))
    elif word == "CHECK":
        end = _group_end(item, position + 1)
        parsed.checks.append((name, render(item[position + 2 : end - 1])))
    elif word == "FOREIGN":
        columns, end = _column_list(item, position + 2)
        table, deferrable = _parse_references(item, end)
        parsed.foreign_keys.append((name, columns, table, deferrable))


def _parse_column(item: list[Token], parsed: ParsedTable) -> None:
    column = ParsedColumn(unquote(item[0]))
    parsed.columns[column.name.lower()] = column
    position = 1
    while position < len(item) and item[position].upper not in _COLUMN_CONSTRAINT_WORDS:
        position = _group_end(item, position) if item[position].text == "(" else position + 1
    column.type = render(item[1:position])
    name: str | None = None
    while position < len(item):
        token = item[position]
        word = token.upper
        if word == "CONSTRAINT":
            name = unquote(item[position + 1])
            position += 2
            continue
        if word == "PRIMARY":
            parsed.primary_key_name = name
            # PRIMARY KEY [ASC|DESC] [ON CONFLICT x] [AUTOINCREMENT]
            position += 2
            while position < len(item) and item[position].upper in _PRIMARY_KEY_WORDS:
                column.autoincrement |= item[position].upper == "AUTOINCREMENT"
                position += 1
        elif word == "UNIQUE":
            parsed.uniques.append((name, (column.name,)))
            position += 1
        elif word == "CHECK":
            end = _group_end(item, position + 1)
            parsed.checks.append((name, render(item[position + 2 : end - 1])))
            position = end
        elif word == "COLLATE":
            column.collation = unquote(item[position + 1])
            position += 2
        elif word == "REFERENCES":
            table, deferrable = _parse_references(item, position)
            parsed.foreign_keys.append((name, (column.name,), table, deferrable))
            # The rest of the item is the REFERENCES clause, and any further
            # constraints; skip over the clause's words and groups.
            position += 2
            while position < len(item) and item[position].upper not in (
                _COLUMN_CONSTRAINT_WORDS - {"NOT", "NULL"}
            ):
                position = (
                    _group_end(item, position) if item[position].text == "(" else position + 1
                )
        elif word in ("GENERATED", "AS"):
            if word == "GENERATED":  # GENERATED ALWAYS AS
                position += 2
            end = _group_end(item, position + 1)
            expression = render(item[position + 2 : end - 1])
            kind = "VIRTUAL"
            if end < len(item) and item[end].upper in ("STORED", "VIRTUAL"):
                kind = item[end].upper
                end += 1
            column.generated = f"GENERATED ALWAYS AS ({expression}) {kind}"
            position = end
        elif word == "DEFAULT":
            position += 2
            if item[position - 1].text in ("-", "+"):  # a signed number
                position += 1
            elif item[position - 1].text == "(":
                position = _group_end(item, position - 1)
        else:  # NOT NULL, NULL, ON CONFLICT ...: the PRAGMAs report these
            position += 1
        name = None


@dataclass(frozen=True)
class ParsedIndex:
    """The key expressions and ``WHERE`` clause of a ``CREATE INDEX`` statement."""

    keys: tuple[str, ...]
    condition: str | None


def parse_create_index(sql: str) -> ParsedIndex:
    """Parse a ``CREATE INDEX`` statement as stored in ``sqlite_master``.

    Each key is its expression without ``COLLATE``/``ASC``/``DESC``, which
    ``PRAGMA index_xinfo`` reports.
    """
    tokens = tokenize(sql)
    start = next(i for i, token in enumerate(tokens) if token.text == "(")
    end = _group_end(tokens, start)
    keys = []
    for item in _split(tokens[start + 1 : end - 1]):
        while len(item) > 1 and item[-1].upper in ("ASC", "DESC"):
            item = item[:-1]
        if len(item) > 2 and item[-2].upper == "COLLATE":
            item = item[:-2]
        keys.append(render(item))
    condition = None
    rest = tokens[end:]
    if rest and rest[0].upper == "WHERE":
        condition = render([token for token in rest[1:] if token.text != ";"])
    return ParsedIndex(tuple(keys), condition)
