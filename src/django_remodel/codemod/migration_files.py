"""Edits of migration files, from source text to source text, made with libcst.

A migration module is read as Django writes it: a top-level ``class
Migration`` whose ``dependencies`` and ``operations`` are list (or tuple)
literals. The edits change the elements they are about and keep every other
byte, comments and layout included; new elements are laid out like the ones
beside them. Anything else (operations built by a function, a dependency list
computed at import time) raises a ``CodemodError`` asking for the change to
be made by hand.

``filename`` only names the source in error messages; nothing is read or written.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import cast

import libcst as cst

from django_remodel.codemod._source import Source, callee_name, find_class, string_value
from django_remodel.codemod.errors import CodemodError

Key = tuple[str, str]

_RELATIONS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField"})


# -- Lists, edited element by element -----------------------------------------------


def _indent_of(whitespace: cst.BaseParenthesizableWhitespace) -> str | None:
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.last_line.value
    return None


def relayout(
    node: cst.List | cst.Tuple,
    values: Sequence[cst.BaseExpression | cst.BaseElement],
    *,
    indent: str,
) -> cst.List | cst.Tuple:
    """``node`` holding ``values``: an ``Element`` keeps its comma and comments where it
    can, a bare expression becomes an element laid out like its neighbours (one a line
    when the list is written so, or when it was empty; ``indent`` is the list's own)."""
    if isinstance(node, cst.List):
        opening = node.lbracket.whitespace_after
        closing_bracket = node.rbracket.whitespace_before
    else:
        if not node.lpar or not node.rpar:
            raise CodemodError("A tuple without parentheses cannot be edited; add them first.")
        opening = node.lpar[0].whitespace_after
        closing_bracket = node.rpar[0].whitespace_before
    old = list(node.elements)
    multiline = isinstance(opening, cst.ParenthesizedWhitespace)
    # libcst keeps the line break before the closing bracket there, or after the last comma.
    close = closing_bracket
    if (
        not isinstance(closing_bracket, cst.ParenthesizedWhitespace)
        and old
        and isinstance(old[-1].comma, cst.Comma)
        and isinstance(old[-1].comma.whitespace_after, cst.ParenthesizedWhitespace)
    ):
        close = old[-1].comma.whitespace_after
    if not multiline and not old and values:
        multiline = True
        opening = cst.ParenthesizedWhitespace(last_line=cst.SimpleWhitespace(indent + "    "))
        close = cst.ParenthesizedWhitespace(last_line=cst.SimpleWhitespace(indent))
    separator = opening if multiline else cst.SimpleWhitespace(" ")
    elements: list[cst.BaseElement] = []
    for position, value in enumerate(values):
        element = value if isinstance(value, cst.BaseElement) else cst.Element(value=value)
        comma: cst.Comma | cst.MaybeSentinel
        if position == len(values) - 1:
            if multiline or (isinstance(node, cst.Tuple) and len(values) == 1):
                comma = cst.Comma()
            else:
                comma = cst.MaybeSentinel.DEFAULT
        elif (
            isinstance(element.comma, cst.Comma)
            and isinstance(element.comma.whitespace_after, cst.ParenthesizedWhitespace) == multiline
            and not element.comma.whitespace_after.deep_equals(close)
            and (multiline or element.comma.whitespace_after.deep_equals(separator))
        ):
            comma = element.comma
        else:
            comma = cst.Comma(whitespace_after=separator)
        elements.append(element.with_changes(comma=comma))
    empty = cst.SimpleWhitespace("")
    after_open = opening if elements else empty
    before_close = (close if multiline else closing_bracket) if elements else empty
    if isinstance(node, cst.List):
        return node.with_changes(
            elements=elements,
            lbracket=node.lbracket.with_changes(whitespace_after=after_open),
            rbracket=node.rbracket.with_changes(whitespace_before=before_close),
        )
    return node.with_changes(
        elements=elements,
        lpar=[node.lpar[0].with_changes(whitespace_after=after_open)],
        rpar=[node.rpar[0].with_changes(whitespace_before=before_close)],
    )


# -- The Migration class and its two lists --------------------------------------------


@dataclass
class _Migration:
    source: Source
    index: int
    node: cst.ClassDef

    @property
    def body(self) -> list[cst.BaseStatement]:
        assert isinstance(self.node.body, cst.IndentedBlock)
        return list(self.node.body.body)

    @property
    def indent(self) -> str:
        assert isinstance(self.node.body, cst.IndentedBlock)
        indent = self.node.body.indent
        return indent if indent is not None else self.source.module.default_indent

    def find(self, name: str) -> tuple[int, cst.List | cst.Tuple] | None:
        for position, statement in enumerate(self.body):
            if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
                continue
            small = statement.body[0]
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and small.targets[0].target.value == name
            ):
                if not isinstance(small.value, cst.List | cst.Tuple):
                    raise CodemodError(
                        f"The {name} of the migration in {self.source.where} are not written "
                        f"as a list ({self.source.describe(statement)}); edit them by hand."
                    )
                return position, small.value
        return None

    def require(self, name: str) -> tuple[int, cst.List | cst.Tuple]:
        found = self.find(name)
        if found is None:
            raise CodemodError(
                f"The migration in {self.source.where} has no {name} list; edit it by hand."
            )
        return found

    def replace(self, position: int, value: cst.List | cst.Tuple) -> cst.Module:
        body = self.body
        statement = body[position]
        assert isinstance(statement, cst.SimpleStatementLine)
        assign = statement.body[0]
        assert isinstance(assign, cst.Assign)
        body[position] = statement.with_changes(body=[assign.with_changes(value=value)])
        assert isinstance(self.node.body, cst.IndentedBlock)
        node = self.node.with_changes(body=self.node.body.with_changes(body=body))
        module_body = list(self.source.module.body)
        module_body[self.index] = node
        return self.source.module.with_changes(body=module_body)

    def insert(self, position: int, code: str) -> cst.Module:
        body = self.body
        statement = cst.parse_statement(code, self.source.module.config_for_parsing)
        body.insert(position, statement)
        assert isinstance(self.node.body, cst.IndentedBlock)
        node = self.node.with_changes(body=self.node.body.with_changes(body=body))
        module_body = list(self.source.module.body)
        module_body[self.index] = node
        return self.source.module.with_changes(body=module_body)


def _migration(source: Source) -> _Migration:
    index, node = find_class(source, "Migration", role="Migration")
    return _Migration(source, index, node)


def _quote(module: cst.Module) -> str:
    """The quote the module writes strings with (Django's writer: single; Black: double)."""
    counts = {"'": 0, '"': 0}

    class Count(cst.CSTVisitor):
        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            quote = node.quote[-1:]
            if quote in counts and len(node.quote) == 1:
                counts[quote] += 1

    module.visit(Count())
    return '"' if counts['"'] > counts["'"] else "'"


def _key_code(key: Key, quote: str) -> str:
    return f"({quote}{key[0]}{quote}, {quote}{key[1]}{quote})"


def dependency_key(value: cst.BaseExpression) -> Key | None:
    """``("app", "0001_initial")`` written as a tuple of two string literals."""
    if not isinstance(value, cst.Tuple) or len(value.elements) != 2:
        return None
    parts = []
    for element in value.elements:
        if not isinstance(element.value, cst.SimpleString):
            return None
        text = string_value(element.value)
        if text is None:
            return None
        parts.append(text)
    return parts[0], parts[1]


def is_user_swappable(value: cst.BaseExpression) -> bool:
    """``migrations.swappable_dependency(settings.AUTH_USER_MODEL)``."""
    if callee_name(value) != "swappable_dependency":
        return False
    assert isinstance(value, cst.Call)
    return (
        len(value.args) == 1
        and isinstance(value.args[0].value, cst.Attribute)
        and value.args[0].value.attr.value == "AUTH_USER_MODEL"
    )


def edit_dependencies(
    source: str,
    *,
    swappable: Key | None = None,
    add: Iterable[Key] = (),
    remove: Collection[Key] = (),
    filename: str | None = None,
) -> str:
    """``source`` with its user swappable dependency replaced by ``swappable`` (dropped when
    None), the dependencies in ``remove`` dropped and those in ``add`` appended when missing."""
    text = Source(source, filename)
    migration = _migration(text)
    quote = _quote(text.module)
    found = migration.find("dependencies")
    if found is None:
        additions = [key for key in add if key not in remove]
        if not additions:
            return source
        code = "dependencies = [" + ", ".join(_key_code(key, quote) for key in additions) + "]\n"
        position = 0
        for index, statement in enumerate(migration.body):
            if isinstance(statement, cst.SimpleStatementLine) and "operations" in (
                cst.Module(body=[statement]).code
            ):
                position = index
                break
        return migration.insert(position, code).code
    position, node = found
    values: list[cst.BaseExpression | cst.BaseElement] = []
    present: set[Key] = set()
    for element in node.elements:
        key = dependency_key(element.value)
        if is_user_swappable(element.value):
            if swappable is None or swappable in present or swappable in remove:
                continue
            values.append(
                element.with_changes(value=cst.parse_expression(_key_code(swappable, quote)))
            )
            present.add(swappable)
            continue
        if key is not None and (key in remove or key in present):
            continue
        if key is not None:
            present.add(key)
        values.append(element)
    for key in add:
        if key not in present and key not in remove:
            values.append(cst.parse_expression(_key_code(key, quote)))
            present.add(key)
    indent = migration.indent
    return migration.replace(position, relayout(node, values, indent=indent)).code


def dependencies_in(source: str, *, filename: str | None = None) -> list[Key | str]:
    """The dependencies as written: keys, and ``"swappable"`` for the user's."""
    text = Source(source, filename)
    found = _migration(text).find("dependencies")
    if found is None:
        return []
    result: list[Key | str] = []
    for element in found[1].elements:
        key = dependency_key(element.value)
        if key is not None:
            result.append(key)
        elif is_user_swappable(element.value):
            result.append("swappable")
    return result


# -- Operations ------------------------------------------------------------------------


def _operations(migration: _Migration) -> tuple[int, cst.List | cst.Tuple]:
    return migration.require("operations")


def _element_indent(migration: _Migration, node: cst.List | cst.Tuple) -> str:
    """The absolute indentation of the list's elements."""
    opening = node.lbracket.whitespace_after if isinstance(node, cst.List) else None
    if isinstance(opening, cst.ParenthesizedWhitespace):
        relative = opening.last_line.value
        return migration.indent + relative if opening.indent else relative
    return migration.indent * 2


def _elements(code: str, migration: _Migration) -> list[cst.BaseElement]:
    """The elements of a list written as ``code`` (``OperationWriter`` output: one
    indented element a line) at the place of the migration's ``operations``."""
    indent = migration.indent
    snippet = f"class Migration:\n{indent}operations = [\n{code.rstrip()}\n{indent}]\n"
    module = cst.parse_module(snippet)
    parsed = _Migration(Source(snippet, None), 0, cast(cst.ClassDef, module.body[0]))
    return list(parsed.require("operations")[1].elements)


def insert_operations(
    source: str,
    operations: Sequence[str],
    *,
    at: int = 0,
    filename: str | None = None,
) -> str:
    """``source`` with the operations (``OperationWriter`` code) inserted at index ``at``."""
    text = Source(source, filename)
    migration = _migration(text)
    position, node = _operations(migration)
    values: list[cst.BaseExpression | cst.BaseElement] = list(node.elements)
    values[at:at] = [element for code in operations for element in _elements(code, migration)]
    return migration.replace(position, relayout(node, values, indent=migration.indent)).code


def operation_indent(source: str, *, filename: str | None = None) -> str:
    """The indentation of the operations' elements (to write new ones at)."""
    text = Source(source, filename)
    migration = _migration(text)
    _position, node = _operations(migration)
    return _element_indent(migration, node)


def remove_operations(source: str, indexes: Collection[int], *, filename: str | None = None) -> str:
    """``source`` without the operations at ``indexes``."""
    text = Source(source, filename)
    migration = _migration(text)
    position, node = _operations(migration)
    values: list[cst.BaseExpression | cst.BaseElement] = [
        element for index, element in enumerate(node.elements) if index not in indexes
    ]
    return migration.replace(position, relayout(node, values, indent=migration.indent)).code


def operation_source(source: str, index: int, *, filename: str | None = None) -> str:
    """The code of the operation at ``index``, as written."""
    text = Source(source, filename)
    migration = _migration(text)
    _position, node = _operations(migration)
    return text.module.code_for_node(node.elements[index].value)


def remove_fields(
    source: str, index: int, names: Collection[str], *, filename: str | None = None
) -> str:
    """``source`` with the fields ``names`` taken out of the ``CreateModel`` at ``index``."""
    text = Source(source, filename)
    migration = _migration(text)
    position, node = _operations(migration)
    call = node.elements[index].value
    if callee_name(call) != "CreateModel":
        raise CodemodError(
            f"Operation {index} of the migration in {text.where} is not a CreateModel; "
            "move its fields by hand."
        )
    assert isinstance(call, cst.Call)
    args = list(call.args)
    for arg_position, arg in enumerate(args):  # noqa: B007 - used after the loop
        if arg.keyword is not None and arg.keyword.value == "fields":
            fields = arg.value
            break
    else:
        raise CodemodError(
            f"The CreateModel at {text.describe(call)} in {text.where} has no fields=[...] "
            "list; move its fields by hand."
        )
    if not isinstance(fields, cst.List | cst.Tuple):
        raise CodemodError(
            f"The fields of the CreateModel at {text.describe(call)} in {text.where} are not "
            "a list; move them by hand."
        )
    kept: list[cst.BaseExpression | cst.BaseElement] = []
    for element in fields.elements:
        key = element.value
        name = None
        if isinstance(key, cst.Tuple) and key.elements:
            first = key.elements[0].value
            if isinstance(first, cst.SimpleString):
                name = string_value(first)
        if name not in names:
            kept.append(element)
    indent = _element_indent(migration, node) + migration.indent
    args[arg_position] = args[arg_position].with_changes(
        value=relayout(fields, kept, indent=indent)
    )
    elements = list(node.elements)
    elements[index] = elements[index].with_changes(value=call.with_changes(args=args))
    return migration.replace(position, node.with_changes(elements=elements)).code


# -- References to the stock user -------------------------------------------------------


def _is_stock_user(value: cst.BaseExpression) -> bool:
    if not isinstance(value, cst.SimpleString):
        return False
    text = string_value(value)
    return text is not None and text.lower() == "auth.user"


def _settings_reference() -> cst.Attribute:
    return cst.Attribute(value=cst.Name("settings"), attr=cst.Name("AUTH_USER_MODEL"))


class _UserReferences(cst.CSTTransformer):
    def __init__(self) -> None:
        super().__init__()
        self.changed = 0

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        name = callee_name(updated_node)
        args = list(updated_node.args)
        if name in _RELATIONS:
            for position, arg in enumerate(args):
                first_positional = position == 0 and arg.keyword is None
                is_to = arg.keyword is not None and arg.keyword.value == "to"
                if (first_positional or is_to) and _is_stock_user(arg.value):
                    args[position] = arg.with_changes(value=_settings_reference())
                    self.changed += 1
        elif name == "get_model":
            values = [arg.value for arg in args if arg.keyword is None]
            strings = [string_value(v) if isinstance(v, cst.SimpleString) else None for v in values]
            if len(values) == 2 and [s and s.lower() for s in strings] == ["auth", "user"]:
                first = args[0].with_changes(value=_settings_reference(), comma=args[1].comma)
                args = [first, *args[2:]]
                self.changed += 1
            elif len(values) == 1 and _is_stock_user(values[0]):
                args[0] = args[0].with_changes(value=_settings_reference())
                self.changed += 1
        return updated_node.with_changes(args=args)


def _binds_settings(module: cst.Module) -> bool:
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.ImportFrom)
                and not small.relative
                and small.module is not None
                and cst.helpers.get_full_name_for_node(small.module) == "django.conf"
                and not isinstance(small.names, cst.ImportStar)
                and any(
                    alias.evaluated_name == "settings" and alias.asname is None
                    for alias in small.names
                )
            ):
                return True
    return False


def add_imports(module: cst.Module, imports: Iterable[str]) -> cst.Module:
    """``module`` with the import lines (``import x.y``, ``from a import b``) it lacks,
    after its last top-level import."""
    present = {
        module.code_for_node(statement).strip()
        for statement in module.body
        if isinstance(statement, cst.SimpleStatementLine)
    }
    body = list(module.body)
    last_import = -1
    for position, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(small, cst.Import | cst.ImportFrom) for small in statement.body
        ):
            last_import = position
    new_lines = []
    for line in sorted(set(imports), key=lambda item: (item.startswith("from "), item)):
        if line in present:
            continue
        if line.startswith("from "):
            origin, _, names = line[5:].partition(" import ")
            wanted = {name.strip() for name in names.split(",")}
            if wanted <= _imported_from(module, origin):
                continue
        new_lines.append(cst.parse_statement(line + module.default_newline))
    if not new_lines:
        return module
    body[last_import + 1 : last_import + 1] = new_lines
    return module.with_changes(body=_sorted_imports(body, last_import + len(new_lines)))


def _sorted_imports(
    body: Sequence[cst.SimpleStatementLine | cst.BaseCompoundStatement], last: int
) -> list[cst.SimpleStatementLine | cst.BaseCompoundStatement]:
    """The block of one-line imports ending at ``last`` sorted as Django's writer sorts
    them (by module name), when it is only such lines; otherwise ``body`` as it is."""
    start = last
    while start > 0 and _plain_import(body[start - 1]):
        start -= 1
    block = body[start : last + 1]
    if not all(_plain_import(line) for line in block):
        return list(body)
    leading = block[0].leading_lines if isinstance(block[0], cst.SimpleStatementLine) else []

    def key(line: cst.SimpleStatementLine | cst.BaseCompoundStatement) -> str:
        code = cst.Module(body=[line]).code.split()
        return code[1] if len(code) > 1 else ""

    ordered = [
        cast(cst.SimpleStatementLine, line).with_changes(leading_lines=[])
        for line in sorted(block, key=key)
    ]
    ordered[0] = ordered[0].with_changes(leading_lines=leading)
    return [*body[:start], *ordered, *body[last + 1 :]]


def _plain_import(line: cst.BaseStatement) -> bool:
    return (
        isinstance(line, cst.SimpleStatementLine)
        and len(line.body) == 1
        and isinstance(line.body[0], cst.Import | cst.ImportFrom)
        and not any(empty.comment for empty in line.leading_lines)
    )


def _imported_from(module: cst.Module, origin: str) -> set[str]:
    names: set[str] = set()
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.ImportFrom)
                and not small.relative
                and small.module is not None
                and cst.helpers.get_full_name_for_node(small.module) == origin
                and not isinstance(small.names, cst.ImportStar)
            ):
                names.update(alias.evaluated_name for alias in small.names if alias.asname is None)
    return names


def rewrite_user_references(source: str, *, filename: str | None = None) -> tuple[str, int]:
    """``source`` with ``"auth.User"`` in relations and ``get_model`` calls written as
    ``settings.AUTH_USER_MODEL``, and how many places changed."""
    text = Source(source, filename)
    transformer = _UserReferences()
    module = text.module.visit(transformer)
    if not transformer.changed:
        return source, 0
    if not _binds_settings(module):
        module = add_imports(module, ["from django.conf import settings"])
    return module.code, transformer.changed


def with_imports(source: str, imports: Iterable[str], *, filename: str | None = None) -> str:
    """``source`` with the import lines it lacks."""
    return add_imports(Source(source, filename).module, imports).code
