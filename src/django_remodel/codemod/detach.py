"""Edits of a models module for ``remodel detach``, from source text to source text.

- ``make_abstract``: the parent's ``Meta`` becomes ``abstract = True`` (its
  other options applied to its own table; they are returned, to report);
- ``extract_base``: the parent's fields and methods move into a new abstract
  class the parent (kept) and the children inherit from;
- ``replace_base``: a child names another class as its base;
- ``set_keywords``: keyword arguments of a field call set (``null=True``);
- ``add_import``: ``from module import name``, unless the module has it.

Like the normalize edits, each keeps every other byte of the module.
"""

from __future__ import annotations

import libcst as cst

from django_remodel.codemod._source import (
    Source,
    check_name,
    class_block,
    find_class,
    is_docstring,
    replace_class,
)
from django_remodel.codemod.errors import CodemodError


def _meta(block: cst.IndentedBlock) -> tuple[int, cst.ClassDef] | None:
    for position, statement in enumerate(block.body):
        if isinstance(statement, cst.ClassDef) and statement.name.value == "Meta":
            return position, statement
    return None


def _abstract_meta(module: cst.Module) -> cst.ClassDef:
    indent = module.default_indent
    code = f"class Meta:{module.default_newline}{indent}abstract = True{module.default_newline}"
    meta = cst.parse_statement(code, module.config_for_parsing)
    assert isinstance(meta, cst.ClassDef)
    return meta


def _meta_options(meta: cst.ClassDef) -> list[str]:
    names = []
    for statement in class_block(meta).body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    names += [
                        t.target.value for t in small.targets if isinstance(t.target, cst.Name)
                    ]
    return names


def make_abstract(
    source: str, *, model_name: str, filename: str | None = None
) -> tuple[str, list[str]]:
    """``source`` with class ``model_name``'s ``Meta`` reduced to ``abstract = True``, and the
    names of the options dropped from it."""
    text = Source(source, filename)
    index, model = find_class(text, model_name)
    block = class_block(model)
    body = list(block.body)
    found = _meta(block)
    meta = _abstract_meta(text.module)
    dropped: list[str] = []
    if found is None:
        position = next(
            (n for n, s in enumerate(body) if isinstance(s, cst.FunctionDef)), len(body)
        )
        body.insert(position, meta.with_changes(leading_lines=[cst.EmptyLine(indent=False)]))
    else:
        position, old = found
        dropped = [name for name in _meta_options(old) if name != "abstract"]
        body[position] = meta.with_changes(leading_lines=old.leading_lines)
    module = replace_class(
        text.module, index, model.with_changes(body=block.with_changes(body=body))
    )
    return module.code, dropped


def extract_base(
    source: str, *, model_name: str, base_name: str, filename: str | None = None
) -> str:
    """``source`` with a new abstract class ``base_name`` before ``model_name``, holding its
    fields and methods; ``model_name`` keeps its docstring and ``Meta`` and inherits it."""
    check_name(base_name, "Model name")
    text = Source(source, filename)
    index, model = find_class(text, model_name)
    block = class_block(model)
    kept: list[cst.BaseStatement] = []
    moved: list[cst.BaseStatement] = []
    for number, statement in enumerate(block.body):
        is_meta = isinstance(statement, cst.ClassDef) and statement.name.value == "Meta"
        if is_meta or (number == 0 and is_docstring(statement)):
            kept.append(statement)
        else:
            moved.append(statement)
    if not moved:
        raise CodemodError(
            f"Class {model_name!r} in {text.where} has no fields to move into {base_name!r}."
        )
    module = text.module
    newline = module.default_newline
    doc = cst.parse_statement(
        f'"""The fields {model_name} shares with its former children."""{newline}',
        module.config_for_parsing,
    )
    meta = _abstract_meta(module).with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    first = moved[0]
    assert isinstance(first, cst.SimpleStatementLine | cst.BaseCompoundStatement)
    moved[0] = first.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    base = model.with_changes(
        name=cst.Name(base_name),
        body=block.with_changes(body=[doc, *moved, meta]),
        leading_lines=model.leading_lines,
    )
    if kept:
        last = kept[-1]
        assert isinstance(last, cst.SimpleStatementLine | cst.BaseCompoundStatement)
        kept = [*kept[:-1], last]
        if len(kept) > 1:
            meta_line = kept[1]
            assert isinstance(meta_line, cst.SimpleStatementLine | cst.BaseCompoundStatement)
            kept[1] = meta_line.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    else:
        kept = [cst.SimpleStatementLine(body=[cst.Pass()])]
    concrete = model.with_changes(
        bases=[cst.Arg(value=cst.Name(base_name))],
        body=block.with_changes(body=kept),
        leading_lines=[cst.EmptyLine(indent=False), cst.EmptyLine(indent=False)],
    )
    body = list(module.body)
    body[index : index + 1] = [base, concrete]
    return module.with_changes(body=body).code


def replace_base(
    source: str, *, model_name: str, old: str, new: str, filename: str | None = None
) -> str:
    """``source`` with class ``model_name`` inheriting from ``new`` where it named ``old``."""
    text = Source(source, filename)
    index, model = find_class(text, model_name)
    bases = list(model.bases)
    for position, arg in enumerate(bases):
        written = cst.Module(body=[]).code_for_node(arg.value)
        if written == old or written.split(".")[-1] == old:
            bases[position] = arg.with_changes(value=cst.Name(new))
            return replace_class(text.module, index, model.with_changes(bases=bases)).code
    raise CodemodError(
        f"Class {model_name!r} in {text.where} does not name {old!r} among its bases; "
        "change its bases by hand."
    )


class _Keywords(cst.CSTTransformer):
    def __init__(self, values: dict[str, str]) -> None:
        super().__init__()
        self.values = values

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        args = list(updated_node.args)
        for name, code in self.values.items():
            value = cst.parse_expression(code)
            for position, arg in enumerate(args):
                if arg.keyword is not None and arg.keyword.value == name:
                    args[position] = arg.with_changes(value=value)
                    break
            else:
                if args and args[-1].comma == cst.MaybeSentinel.DEFAULT:
                    args[-1] = args[-1].with_changes(
                        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                    )
                comma = args[-1].comma if args else cst.MaybeSentinel.DEFAULT
                new = cst.Arg(
                    keyword=cst.Name(name),
                    value=value,
                    equal=cst.AssignEqual(
                        whitespace_before=cst.SimpleWhitespace(""),
                        whitespace_after=cst.SimpleWhitespace(""),
                    ),
                )
                if (
                    isinstance(comma, cst.Comma)
                    and args
                    and "\n" in cst.Module(body=[]).code_for_node(updated_node)
                ):
                    new = new.with_changes(comma=comma)
                args.append(new)
        return updated_node.with_changes(args=args)


def set_keywords(
    source: str,
    *,
    model_name: str,
    field_name: str,
    values: dict[str, str],
    filename: str | None = None,
) -> str:
    """``source`` with the call defining ``model_name.field_name`` given ``values``
    (keyword -> code)."""
    text = Source(source, filename)
    index, model = find_class(text, model_name)
    block = class_block(model)
    body = list(block.body)
    for position, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            continue
        small = statement.body[0]
        if (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
            and small.targets[0].target.value == field_name
            and isinstance(small.value, cst.Call)
        ):
            call = small.value.visit(_Keywords(values))
            assert isinstance(call, cst.Call)
            body[position] = statement.with_changes(body=[small.with_changes(value=call)])
            new_model = model.with_changes(body=block.with_changes(body=body))
            return replace_class(text.module, index, new_model).code
    raise CodemodError(
        f"There is no line 'field_name = ...(...)' for {model_name}.{field_name} in "
        f"{text.where}; change the field by hand."
    )


def add_import(source: str, *, module: str, name: str, filename: str | None = None) -> str:
    """``source`` with ``from module import name`` after its imports, unless it has it."""
    text = Source(source, filename)
    tree = text.module
    body = list(tree.body)
    last = -1
    for position, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(small, cst.Import | cst.ImportFrom) for small in statement.body
        ):
            last = position
            for small in statement.body:
                if (
                    isinstance(small, cst.ImportFrom)
                    and small.module is not None
                    and cst.Module(body=[]).code_for_node(small.module) == module
                    and not isinstance(small.names, cst.ImportStar)
                    and any(
                        cst.Module(body=[]).code_for_node(alias.name) == name
                        for alias in small.names
                    )
                ):
                    return source
    line = cst.parse_statement(
        f"from {module} import {name}{tree.default_newline}", tree.config_for_parsing
    )
    body.insert(last + 1, line)
    return tree.with_changes(body=body).code
