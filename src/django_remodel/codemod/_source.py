"""Shared pieces of the source edits: parsing, finding classes, comments, import style."""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from django_remodel.codemod.errors import CodemodError

Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement
NodeT = TypeVar("NodeT", bound=cst.CSTNode)

#: Callables whose result is a model field, besides every ``...Field``.
_FIELD_CALLABLES = frozenset(
    {
        "ForeignKey",
        "OneToOneField",
        "ManyToManyField",
        "ForeignObject",
        "GenericForeignKey",
        "GenericRelation",
    }
)


def where(filename: str | None) -> str:
    return repr(filename) if filename else "the given source"


def check_name(value: str, what: str) -> None:
    """Raise unless ``value`` can be a Python name (a class, field or property name)."""
    if not value.isidentifier() or keyword.iskeyword(value):
        raise CodemodError(f"{what} {value!r} is not a valid Python name; pass an identifier.")


class Source:
    """A parsed module with what error messages need: its file name and line numbers."""

    def __init__(self, text: str, filename: str | None) -> None:
        self.filename = filename
        self.where = where(filename)
        try:
            self.module = cst.parse_module(text)
        except cst.ParserSyntaxError as error:
            found = syntax_error(text, "exec")
            if found is None:
                raise CodemodError(
                    f"Cannot parse {self.where}: it is valid Python, but libcst cannot "
                    f"read it ({error.message}); make this change by hand."
                ) from error
            line, column, message = found
            raise CodemodError(
                f"Cannot parse {self.where} (line {line}, column {column}): {message}; "
                "fix the syntax error first."
            ) from error
        self._lines = re.split(r"\r\n|\r|\n", text)
        self._positions: dict[cst.CSTNode, CodeRange] | None = None

    def range(self, node: cst.CSTNode) -> CodeRange:
        if self._positions is None:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._positions = dict(wrapper.resolve(PositionProvider))
        return self._positions[node]

    def line(self, node: cst.CSTNode) -> int:
        return self.range(node).start.line

    def text(self, line: int) -> str:
        return self._lines[line - 1].strip() if 0 < line <= len(self._lines) else ""

    def describe(self, node: cst.CSTNode) -> str:
        line = self.line(node)
        return f"line {line}: {self.text(line)}"


def syntax_error(text: str, mode: str) -> tuple[int, int, str] | None:
    """Where (line, column) and what is wrong with ``text``, as Python itself says it.

    None when Python reads it: only libcst cannot (newer syntax than it knows).
    """
    try:
        ast.parse(text, mode=mode)
    except SyntaxError as error:
        return error.lineno or 1, error.offset or 1, error.msg
    return None


# -- Names a block of statements binds ----------------------------------------------


@dataclass(frozen=True)
class Binding:
    """A statement that binds a name."""

    name: str
    statement: Statement
    #: Bound by a statement directly in the block (not inside an if, for, try...).
    direct: bool
    #: ``assignment``, ``import``, ``class``, ``function`` or ``other``.
    how: str
    #: The one ``name = value`` (or ``name: T = value``) of a line of its own.
    simple: bool = False
    value: cst.BaseExpression | None = field(default=None, compare=False)


def _target_names(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, cst.Tuple | cst.List):
        for element in target.elements:
            yield from _target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)


def _import_names(small: cst.Import | cst.ImportFrom) -> Iterator[str]:
    if isinstance(small.names, cst.ImportStar):
        return
    for alias in small.names:
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            yield alias.asname.name.value
        else:
            yield cst.helpers.get_full_name_for_node_or_raise(alias.name).split(".")[0]


def _line_bindings(line: cst.SimpleStatementLine, direct: bool) -> Iterator[Binding]:
    alone = len(line.body) == 1
    for small in line.body:
        if isinstance(small, cst.Assign):
            simple = (
                alone and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)
            )
            for target in small.targets:
                for name in _target_names(target.target):
                    yield Binding(name, line, direct, "assignment", simple, small.value)
        elif isinstance(small, cst.AnnAssign):
            for name in _target_names(small.target):
                simple = alone and isinstance(small.target, cst.Name) and small.value is not None
                yield Binding(name, line, direct, "assignment", simple, small.value)
        elif isinstance(small, cst.Import | cst.ImportFrom):
            for name in _import_names(small):
                yield Binding(name, line, direct, "import")


def bindings(statements: Sequence[cst.BaseStatement], direct: bool = True) -> Iterator[Binding]:
    """Every name the statements bind, looking into if, for, try... blocks but not defs."""
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):
            yield from _line_bindings(statement, direct)
        elif isinstance(statement, cst.ClassDef):
            yield Binding(statement.name.value, statement, direct, "class")
        elif isinstance(statement, cst.FunctionDef):
            yield Binding(statement.name.value, statement, direct, "function")
        elif isinstance(statement, cst.BaseCompoundStatement):
            if isinstance(statement, cst.For):
                for name in _target_names(statement.target):
                    yield Binding(name, statement, direct, "other")
            for block in _blocks(statement):
                for inner in bindings(block, direct=False):
                    # Report the outermost statement: that is what has to be rewritten.
                    yield Binding(inner.name, statement, False, inner.how)


def _blocks(statement: cst.BaseCompoundStatement) -> Iterator[Sequence[cst.BaseStatement]]:
    """The statement lists of a compound statement and of its else, except, finally parts."""
    suites: list[cst.BaseSuite] = [statement.body]
    orelse = getattr(statement, "orelse", None)
    while orelse is not None:
        suites.append(orelse.body)
        orelse = getattr(orelse, "orelse", None) if isinstance(orelse, cst.If) else None
    for handler in getattr(statement, "handlers", ()):
        suites.append(handler.body)
    final = getattr(statement, "finalbody", None)
    if final is not None:
        suites.append(final.body)
    for suite in suites:
        if isinstance(suite, cst.IndentedBlock):
            yield suite.body
        elif isinstance(suite, cst.SimpleStatementSuite):
            yield [cst.SimpleStatementLine(body=suite.body)]


def keyword_of(statement: Statement) -> str:
    """``a for loop``, ``an if statement``...: what a compound statement is."""
    names = {
        cst.For: "a for loop",
        cst.While: "a while loop",
        cst.If: "an if statement",
        cst.Try: "a try statement",
        cst.TryStar: "a try statement",
        cst.With: "a with statement",
        cst.Match: "a match statement",
    }
    return names.get(type(statement), "a block")


def is_field_call(value: cst.BaseExpression | None) -> bool:
    """Whether ``value`` looks like a model field: a call of ``...Field`` or of a relation."""
    if value is None:
        return False
    name = callee_name(value)
    return name.endswith("Field") or name in _FIELD_CALLABLES


def callee_name(value: cst.BaseExpression) -> str:
    """``filter`` for ``qs.filter(...)``, ``F`` for ``F(...)``; empty when not a plain call."""
    if not isinstance(value, cst.Call):
        return ""
    func = value.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def string_value(node: cst.SimpleString) -> str | None:
    """The text of a string literal; None for bytes."""
    try:
        value = node.evaluated_value
    except (SyntaxError, ValueError):
        return None
    return value if isinstance(value, str) else None


def is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


# -- Finding the model class ------------------------------------------------------


def _nested_classes(
    statements: Sequence[cst.BaseStatement], name: str, inside: str | None
) -> Iterator[tuple[cst.ClassDef, str]]:
    """Classes called ``name`` anywhere below the top level, with what they are inside."""
    for statement in statements:
        if isinstance(statement, cst.ClassDef | cst.FunctionDef):
            here = f"{'class' if isinstance(statement, cst.ClassDef) else 'function'} "
            here += repr(statement.name.value)
            if isinstance(statement, cst.ClassDef) and statement.name.value == name and inside:
                yield statement, inside
            if isinstance(statement.body, cst.IndentedBlock):
                yield from _nested_classes(statement.body.body, name, here)
        elif isinstance(statement, cst.BaseCompoundStatement):
            for block in _blocks(statement):
                yield from _nested_classes(block, name, inside or keyword_of(statement))


def find_class(source: Source, name: str, role: str = "Model") -> tuple[int, cst.ClassDef]:
    """The index in the module body and the node of the top-level class ``name``."""
    module = source.module
    found = [
        (index, statement)
        for index, statement in enumerate(module.body)
        if isinstance(statement, cst.ClassDef) and statement.name.value == name
    ]
    if len(found) > 1:
        lines = ", ".join(str(source.line(node)) for _, node in found)
        raise CodemodError(
            f"{role} class {name!r} is defined {len(found)} times in {source.where} "
            f"(lines {lines}); only the last one counts, so delete the others first."
        )
    if found:
        index, node = found[0]
        if not isinstance(node.body, cst.IndentedBlock):
            raise CodemodError(
                f"{role} class {name!r} in {source.where} is written on one line "
                f"({source.describe(node)}); put its body on lines of its own first."
            )
        return index, node
    for nested, inside in _nested_classes(module.body, name, None):
        raise CodemodError(
            f"{role} class {name!r} in {source.where} is defined inside {inside} "
            f"(line {source.line(nested)}), not at the top level of the module; "
            "move it to the top level or make this change by hand."
        )
    for binding in bindings(module.body):
        if binding.name == name and binding.how in ("import", "assignment"):
            what = "imported" if binding.how == "import" else "assigned, not defined by a class"
            raise CodemodError(
                f"{role} {name!r} is {what} in {source.where} "
                f"({source.describe(binding.statement)}); edit the module whose class "
                f"statement defines {name!r}."
            )
    raise CodemodError(
        f"There is no class {name!r} in {source.where}; check the {role.lower()} name "
        "and the file (the class statement must be at the top level of the module)."
    )


def class_block(node: cst.ClassDef) -> cst.IndentedBlock:
    assert isinstance(node.body, cst.IndentedBlock)  # find_class refuses the others
    return node.body


def replace_class(module: cst.Module, index: int, node: cst.ClassDef) -> cst.Module:
    body = list(module.body)
    body[index] = node
    return module.with_changes(body=body)


def base_names(node: cst.ClassDef) -> list[str]:
    """The class's bases as written, except ``models.Model`` and ``Model``."""
    names = []
    for base in node.bases:
        if base.keyword is not None:
            continue
        text = cst.Module(body=[]).code_for_node(base.value)
        if text.split(".")[-1] != "Model":
            names.append(text)
    return names


# -- Comments that belong to a statement --------------------------------------------


def split_attached(
    lines: Sequence[cst.EmptyLine],
) -> tuple[list[cst.EmptyLine], list[cst.EmptyLine]]:
    """Leading lines as (the lines before, the comment lines directly above the statement)."""
    start = len(lines)
    while start > 0 and lines[start - 1].comment is not None:
        start -= 1
    return list(lines[:start]), list(lines[start:])


def blank_count(lines: Sequence[cst.EmptyLine], *, from_end: bool) -> int:
    count = 0
    for line in reversed(lines) if from_end else lines:
        if line.comment is not None:
            break
        count += 1
    return count


def leading_lines(statement: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    assert isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement)
    return statement.leading_lines


def with_leading_lines(statement: cst.BaseStatement, lines: Sequence[cst.EmptyLine]) -> Statement:
    assert isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement)
    return statement.with_changes(leading_lines=list(lines))


def blank_lines(count: int) -> list[cst.EmptyLine]:
    return [cst.EmptyLine(indent=False) for _ in range(count)]


# -- How the module imports django.db.models ----------------------------------------


@dataclass(frozen=True)
class ModelsStyle:
    """How a module refers to ``django.db.models``.

    ``prefix`` is what stands before ``.CharField``: ``models``, an alias, or
    ``django.db.models``; None when the names are imported one by one, from the
    statement at ``import_index`` of the module body.
    """

    prefix: str | None
    import_index: int | None = None
    imported: frozenset[str] = frozenset()
    star: bool = False
    #: The module has no import of django.db.models: ``from django.db import models`` is added.
    add_import: bool = False


def _dotted(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    return cst.helpers.get_full_name_for_node(node) or ""


def models_style(module: cst.Module) -> ModelsStyle:
    direct: ModelsStyle | None = None
    for index, statement in enumerate(module.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.ImportFrom) and not small.relative:
                source = _dotted(small.module)
                if isinstance(small.names, cst.ImportStar):
                    if source == "django.db.models" and direct is None:
                        direct = ModelsStyle(None, index, star=True)
                    continue
                for alias in small.names:
                    name = _dotted(alias.name)
                    asname = _dotted(alias.asname.name) if alias.asname else name
                    if source == "django.db" and name == "models":
                        return ModelsStyle(asname)
                if source == "django.db.models" and direct is None:
                    names = frozenset(
                        _dotted(alias.asname.name) if alias.asname else _dotted(alias.name)
                        for alias in small.names
                        if not alias.asname or _dotted(alias.asname.name) == _dotted(alias.name)
                    )
                    direct = ModelsStyle(None, index, names)
            elif isinstance(small, cst.Import):
                for alias in small.names:
                    if _dotted(alias.name) == "django.db.models":
                        return ModelsStyle(
                            _dotted(alias.asname.name) if alias.asname else "django.db.models"
                        )
    return direct or ModelsStyle("models", add_import=True)


class _ModelsRewriter(cst.CSTTransformer):
    """``models.X`` written as the module writes it, collecting the names used."""

    def __init__(self, style: ModelsStyle) -> None:
        super().__init__()
        self.style = style
        self.used: set[str] = set()

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        value = updated_node.value
        if not (isinstance(value, cst.Name) and value.value == "models"):
            return updated_node
        self.used.add(updated_node.attr.value)
        prefix = self.style.prefix
        if prefix == "models":
            return updated_node
        if prefix is None:
            return updated_node.attr.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
        return updated_node.with_changes(value=cst.parse_expression(prefix))


def in_module_style(node: NodeT, style: ModelsStyle) -> tuple[NodeT, set[str]]:
    """``node`` (written with ``models.X``) in ``style``, and the names of models it uses."""
    rewriter = _ModelsRewriter(style)
    rewritten = node.visit(rewriter)
    assert isinstance(rewritten, type(node))
    return rewritten, rewriter.used


def with_models_import(module: cst.Module, style: ModelsStyle, used: set[str]) -> cst.Module:
    """``module`` importing what ``used`` needs in ``style``."""
    body = list(module.body)
    if style.add_import and used:
        statement = cst.parse_statement(
            "from django.db import models" + module.default_newline, module.config_for_parsing
        )
        index = _after_imports(body)
        if index and is_docstring(body[index - 1]):
            statement = with_leading_lines(statement, blank_lines(1))
        body.insert(index, statement)
        return module.with_changes(body=body)
    missing = sorted(used - style.imported)
    if style.prefix is not None or style.star or not missing:
        return module
    assert style.import_index is not None
    line = body[style.import_index]
    assert isinstance(line, cst.SimpleStatementLine)
    small_statements = list(line.body)
    for position, small in enumerate(small_statements):
        if (
            isinstance(small, cst.ImportFrom)
            and not isinstance(small.names, cst.ImportStar)
            and _dotted(small.module) == "django.db.models"
        ):
            small_statements[position] = small.with_changes(
                names=_append_aliases(list(small.names), missing)
            )
            break
    body[style.import_index] = line.with_changes(body=small_statements)
    return module.with_changes(body=body)


def _append_aliases(aliases: list[cst.ImportAlias], names: list[str]) -> list[cst.ImportAlias]:
    """``aliases`` and then ``names``, keeping a trailing comma and one-a-line layout."""
    for name in names:
        last = aliases[-1]
        if isinstance(last.comma, cst.Comma):  # a trailing comma: the layout of the others
            between = aliases[-2].comma if len(aliases) > 1 else last.comma
            aliases[-1] = last.with_changes(comma=between)
            aliases.append(cst.ImportAlias(name=cst.Name(name), comma=last.comma))
        else:
            aliases[-1] = last.with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
            aliases.append(cst.ImportAlias(name=cst.Name(name)))
    return aliases


def _after_imports(body: Sequence[cst.BaseStatement]) -> int:
    """The index after the module's docstring and its leading imports."""
    index = 1 if body and is_docstring(body[0]) else 0
    while index < len(body) and _is_import_line(body[index]):
        index += 1
    return index


def _is_import_line(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, cst.Import | cst.ImportFrom) for small in statement.body
    )


def uses_return_annotations(module: cst.Module) -> bool:
    """Whether new functions should get ``-> str``: the module's functions have them."""
    functions: list[cst.FunctionDef] = []

    class Collect(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            functions.append(node)

    module.visit(Collect())
    return not functions or any(function.returns is not None for function in functions)
