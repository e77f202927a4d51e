"""Edits of a models module for ``remodel normalize``, from source text to source text.

Each edit changes the statements it is about and nothing else: the other
lines, their comments, blank lines and formatting come back byte for byte.
Code is given as if the module did ``from django.db import models``
(``models.CharField(...)``, ``on_delete=models.PROTECT``) and written the way
the module refers to ``django.db.models``: through ``models``, another alias,
or names imported one by one (the missing ones are added to that import).

``filename`` only names the source in error messages; nothing is read or written.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import libcst as cst

from django_remodel.codemod._source import (
    Binding,
    Source,
    blank_count,
    blank_lines,
    callee_name,
    check_name,
    class_block,
    find_class,
    in_module_style,
    is_field_call,
    keyword_of,
    leading_lines,
    models_style,
    replace_class,
    split_attached,
    string_value,
    syntax_error,
    uses_return_annotations,
    with_leading_lines,
    with_models_import,
)
from django_remodel.codemod._source import base_names as _base_names
from django_remodel.codemod._source import bindings as _bindings
from django_remodel.codemod.errors import CodemodError, FieldInUseError, Reference
from django_remodel.codemod.usages import FieldUses, Usage, find_usages

__all__ = [
    "Usage",
    "add_field",
    "add_model",
    "add_shim_property",
    "find_usages",
    "remove_field",
    "remove_index",
]

#: Fields whose value is already a ``str``: ``__str__`` returns them as they are.
_TEXT_FIELDS = frozenset({"CharField", "TextField", "SlugField", "EmailField", "URLField"})
_DYNAMIC_DEFINERS = frozenset({"add_to_class", "contribute_to_class", "setattr"})


# -- add_model ----------------------------------------------------------------------


def add_model(
    source: str,
    *,
    model_name: str,
    field_name: str,
    field_code: str,
    after_class: str | None,
    docstring: str,
    more_fields: Sequence[tuple[str, str]] = (),
    filename: str | None = None,
) -> str:
    """``source`` with a new model class just before the class ``after_class``.

    The class has ``docstring``, the field ``field_name = field_code``, then each
    ``(name, code)`` of ``more_fields``, and a ``__str__`` returning the first field.
    It comes before ``after_class`` so that a foreign key in ``after_class`` can name
    it as a class, and it takes over the blank lines and section comments above
    ``after_class``; the comments directly above ``after_class`` stay with it. With
    ``after_class=None`` (the model that refers to it is in another module) it ends
    the module.
    """
    check_name(model_name, "Model name")
    fields = [(field_name, field_code), *more_fields]
    for name, _code in fields:
        check_name(name, "Field name")
    text = Source(source, filename)
    module = text.module
    for binding in _bindings(module.body):
        if binding.name == model_name:
            raise CodemodError(
                f"Cannot add model {model_name!r} to {text.where}: the name is already "
                f"used there ({text.describe(binding.statement)}); choose another name "
                "for the new model, or rename what has that name."
            )
    placed = None if after_class is None else find_class(text, after_class)
    values = [_expression(code, model_name, name, text.where) for name, code in fields]
    style = models_style(module)
    newline, indent = module.default_newline, module.default_indent
    returns = " -> str" if uses_return_annotations(module) else ""
    code = newline.join(
        [
            f"class {model_name}(models.Model):",
            f"{indent}{_docstring(docstring, model_name)}",
            "",
            *(f"{indent}{name} = None" for name, _code in fields),
            "",
            f"{indent}def __str__(self){returns}:",
            f"{indent}{indent}return {_shown(field_name, values[0])}",
            "",
        ]
    )
    new_class = cst.parse_statement(code, module.config_for_parsing)
    assert isinstance(new_class, cst.ClassDef)
    new_body = list(class_block(new_class).body)
    for position, value in enumerate(values, start=1):
        field_line = new_body[position]
        assert isinstance(field_line, cst.SimpleStatementLine)
        assign = field_line.body[0]
        assert isinstance(assign, cst.Assign)
        new_body[position] = field_line.with_changes(body=[assign.with_changes(value=value)])
    new_class = new_class.with_changes(body=class_block(new_class).with_changes(body=new_body))
    new_class, used = in_module_style(new_class, style)

    body = list(module.body)
    if placed is None:
        body.append(new_class.with_changes(leading_lines=blank_lines(2 if body else 0)))
    else:
        index, before_class = placed
        before, attached = split_attached(before_class.leading_lines)
        body[index] = before_class.with_changes(leading_lines=[*blank_lines(2), *attached])
        body.insert(index, new_class.with_changes(leading_lines=before))
    return with_models_import(module.with_changes(body=body), style, used).code


def _shown(field_name: str, value: cst.BaseExpression) -> str:
    """What ``__str__`` returns for the field: text as it is (the empty string for a text
    field that takes NULL), anything else through ``str``."""
    if callee_name(value) not in _TEXT_FIELDS:
        return f"str(self.{field_name})"
    takes_null = isinstance(value, cst.Call) and any(
        arg.keyword is not None
        and arg.keyword.value == "null"
        and isinstance(arg.value, cst.Name)
        and arg.value.value == "True"
        for arg in value.args
    )
    return f'self.{field_name} or ""' if takes_null else f"self.{field_name}"


def _docstring(docstring: str, model_name: str) -> str:
    text = docstring.strip()
    if not text or "\n" in text or "\r" in text:
        raise CodemodError(
            f"The docstring of the new model {model_name!r} must be one line of text, "
            f"not {docstring!r}; say in a sentence what one {model_name} is."
        )
    text = text.replace("\\", "\\\\")
    if '"""' in text or text.endswith('"'):
        text = text.replace('"', '\\"')
    return f'"""{text}"""'


def _expression(code: str, model_name: str, field_name: str, where: str) -> cst.BaseExpression:
    try:
        return cst.parse_expression(code.strip())
    except cst.ParserSyntaxError as error:
        found = syntax_error(code.strip(), "eval")
        why = f"{found[2]} at column {found[1]}" if found else f"libcst: {error.message}"
        raise CodemodError(
            f"The code given for field {f'{model_name}.{field_name}'!r} in {where} is not "
            f"a Python expression ({why}): {code!r}; pass the field as it would follow "
            "'name = ', e.g. 'models.CharField(max_length=16)'."
        ) from error


# -- add_field ----------------------------------------------------------------------


def add_field(
    source: str,
    *,
    model_name: str,
    field_name: str,
    field_code: str,
    after_field: str | None = None,
    filename: str | None = None,
) -> str:
    """``source`` with ``field_name = field_code`` in the body of class ``model_name``.

    The new line goes right after the field ``after_field``, or after the
    last field of the class; in a class without fields, before ``Meta`` and
    the methods.
    """
    check_name(field_name, "Field name")
    text = Source(source, filename)
    index, model = find_class(text, model_name)
    block = class_block(model)
    _refuse_taken(text, model, model_name, field_name, f"add field {field_name!r}")
    style = models_style(text.module)
    value, used = in_module_style(
        _expression(field_code, model_name, field_name, text.where), style
    )
    line = cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(target=cst.Name(field_name))], value=value)]
    )
    body = list(block.body)
    if after_field is not None:
        check_name(after_field, "Field name")
        after_label = repr(f"{model_name}.{after_field}")
        doing = f"add field {f'{model_name}.{field_name}'!r} after {after_label}"
        position = _locate_field(text, model, model_name, after_field, doing, after_label)
        body.insert(position + 1, line)
    else:
        fields = [position for position, statement in enumerate(body) if _is_field(statement)]
        if fields:
            body.insert(fields[-1] + 1, line)
        else:
            _insert_first_field(body, line)
    module = replace_class(
        text.module, index, model.with_changes(body=block.with_changes(body=body))
    )
    return with_models_import(module, style, used).code


def _is_field(statement: cst.BaseStatement) -> bool:
    return any(
        binding.simple and is_field_call(binding.value) for binding in _bindings([statement])
    )


def _is_pass(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Pass)
    )


def _insert_first_field(body: list[cst.BaseStatement], line: cst.SimpleStatementLine) -> None:
    """Put the first field of a class before its Meta and methods (after choices classes)."""
    for position, statement in enumerate(body):
        if _is_pass(statement):
            body[position] = line.with_changes(leading_lines=leading_lines(statement))
            return
        if isinstance(statement, cst.FunctionDef) or (
            isinstance(statement, cst.ClassDef) and statement.name.value == "Meta"
        ):
            before, attached = split_attached(leading_lines(statement))
            body[position] = with_leading_lines(statement, [*blank_lines(1), *attached])
            body.insert(position, line.with_changes(leading_lines=before))
            return
    body.append(line.with_changes(leading_lines=blank_lines(1 if body else 0)))


def _refuse_taken(
    text: Source, model: cst.ClassDef, model_name: str, name: str, doing: str
) -> None:
    for binding in _bindings(class_block(model).body):
        if binding.name != name:
            continue
        if binding.simple and is_field_call(binding.value):
            what = f"it already has a field {name!r}"
        elif binding.how == "function":
            what = f"it already has a method {name!r}"
        elif binding.how == "class":
            what = f"it already has a nested class {name!r}"
        else:
            what = f"the name {name!r} is already used in its body"
        raise CodemodError(
            f"Cannot {doing} to model {model_name!r} in {text.where}: {what} "
            f"({text.describe(binding.statement)}); choose another name, or rename or "
            "remove what has that name first."
        )


def _locate_field(
    text: Source, model: cst.ClassDef, model_name: str, field_name: str, doing: str, subject: str
) -> int:
    """The position in the class body of the line defining ``field_name``, or a clear error.

    Messages start "Cannot {doing} in {file}: {subject} ...".
    """
    body = class_block(model).body
    found = [binding for binding in _bindings(body) if binding.name == field_name]
    problem = f"Cannot {doing} in {text.where}: {subject}"
    if len(found) > 1:
        lines = ", ".join(str(text.line(binding.statement)) for binding in found)
        raise CodemodError(
            f"{problem} is assigned {len(found)} times in class {model_name!r} (lines "
            f"{lines}); only the last one "
            "counts, so delete the others first."
        )
    if found:
        binding = found[0]
        statement = binding.statement
        if not binding.direct:
            assert isinstance(statement, cst.BaseCompoundStatement)
            raise CodemodError(
                f"{problem} is assigned inside {keyword_of(statement)} "
                f"({text.describe(statement)}), so it cannot be edited automatically; "
                f"write it as a plain '{field_name} = models.SomeField(...)' line in the "
                f"class body, or make this change by hand."
            )
        if binding.how in ("function", "class"):
            raise CodemodError(
                f"{problem} is a {'method' if binding.how == 'function' else 'nested class'}"
                f" ({text.describe(statement)}), not a field; check the field name."
            )
        if not binding.simple:
            raise CodemodError(
                f"{problem} shares its line with other assignments ({text.describe(statement)}"
                f"); give it a line of its own ('{field_name} = models.SomeField(...)') first."
            )
        return body.index(statement)
    dynamic = _dynamic_definition(text, model, field_name)
    if dynamic is not None:
        raise CodemodError(
            f"{problem} is defined dynamically ({text.describe(dynamic)}), so it cannot "
            f"be edited automatically; write it as a plain '{field_name} = "
            "models.SomeField(...)' line in the class body, or make this change by hand."
        )
    bases = _base_names(model)
    if bases:
        raise CodemodError(
            f"{problem} is not defined in the body of class {model_name!r}; it is probably "
            f"inherited from {', '.join(repr(base) for base in bases)}. Edit the class that "
            "defines it (every model inheriting it changes too), or make this change by hand."
        )
    fields = [b.name for b in _bindings(body) if b.simple and is_field_call(b.value)]
    raise CodemodError(
        f"{problem} does not exist: class {model_name!r} has no field {field_name!r} "
        f"(its fields are {', '.join(repr(name) for name in fields) or 'none'}); "
        "check the field name."
    )


def _dynamic_definition(text: Source, model: cst.ClassDef, field_name: str) -> cst.CSTNode | None:
    """A loop in the class body, or an ``add_to_class``/``setattr`` call, naming the field."""
    found: list[cst.CSTNode] = []

    class Strings(cst.CSTVisitor):
        def __init__(self, statement: cst.CSTNode) -> None:
            super().__init__()
            self.statement = statement

        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            if string_value(node) == field_name:
                found.append(self.statement)

    class Definers(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if callee_name(node) in _DYNAMIC_DEFINERS and any(
                isinstance(arg.value, cst.SimpleString) and string_value(arg.value) == field_name
                for arg in node.args
            ):
                found.append(node)

    for statement in class_block(model).body:
        if isinstance(statement, cst.BaseCompoundStatement) and not isinstance(
            statement, cst.ClassDef | cst.FunctionDef
        ):
            statement.visit(Strings(statement))
    text.module.visit(Definers())
    return found[0] if found else None


# -- remove_field -------------------------------------------------------------------


def remove_field(
    source: str,
    *,
    model_name: str,
    field_name: str,
    shimmed: bool = False,
    filename: str | None = None,
) -> str:
    """``source`` without the field's line and the comment lines directly above it.

    Raises ``FieldInUseError``, listing them, when the class itself still uses
    the field (``Meta`` indexes, ordering, constraints; other fields; methods),
    since those would break. With ``shimmed`` (a read-only property of the
    same name is added afterwards by ``add_shim_property``), reading
    ``self.field_name`` in a method keeps working and is not reported.
    """
    check_name(field_name, "Field name")
    text = Source(source, filename)
    index, model = find_class(text, model_name)
    block = class_block(model)
    doing = f"remove field {f'{model_name}.{field_name}'!r}"
    position = _locate_field(text, model, model_name, field_name, doing, "the field")
    statement = block.body[position]
    references = _references(text, model, statement, field_name, shimmed)
    if references:
        label = f"{model_name}.{field_name}"
        listed = dict.fromkeys(f"  line {r.line} ({r.context}): {r.text}" for r in references)
        raise FieldInUseError(
            f"Cannot remove field {label!r} in {text.where}: class {model_name!r} still "
            "uses it, and would break without it:\n"
            + "\n".join(listed)
            + "\nChange these to use the new field (or remove them), then remove the field.",
            tuple(references),
        )
    new_block = _without(block, position)
    return replace_class(text.module, index, model.with_changes(body=new_block)).code


def _without(block: cst.IndentedBlock, position: int) -> cst.IndentedBlock:
    """``block`` without its statement at ``position`` and the comments directly above it.

    The other lines above it stay, above the next statement; a block left
    empty gets a ``pass``.
    """
    body = list(block.body)
    statement = body.pop(position)
    before, _attached = split_attached(leading_lines(statement))
    footer = list(block.footer)
    if position < len(body):
        following = body[position]
        lines = _merged(before, leading_lines(following), first=position == 0)
        body[position] = with_leading_lines(following, lines)
    elif any(line.comment is not None for line in before):
        footer = [*before[: len(before) - blank_count(before, from_end=True)], *footer]
    if not body:
        body = [cst.SimpleStatementLine(body=[cst.Pass()])]
    return block.with_changes(body=body, footer=footer)


def _merged(
    before: Sequence[cst.EmptyLine], after: Sequence[cst.EmptyLine], *, first: bool
) -> list[cst.EmptyLine]:
    """The lines left above a removed statement followed by those of the next one.

    The blank lines where they meet become as many as the larger of the two
    runs; at the start of a block, as many as were there before.
    """
    ending = blank_count(before, from_end=True)
    starting = blank_count(after, from_end=False)
    kept = before[: len(before) - ending]
    joint = before[len(before) - ending :] if first or ending >= starting else after[:starting]
    return [*kept, *joint, *after[starting:]]


def _references(
    text: Source,
    model: cst.ClassDef,
    removed: cst.BaseStatement,
    field_name: str,
    shimmed: bool,
) -> list[Reference]:
    references = []
    for statement in class_block(model).body:
        if statement is removed:
            continue
        meta = (
            isinstance(statement, cst.ClassDef)
            and statement.name.value == "Meta"
            and isinstance(statement.body, cst.IndentedBlock)
        )
        if meta:
            assert isinstance(statement, cst.ClassDef)
            parts = [(_context(inner, "Meta."), inner) for inner in class_block(statement).body]
        else:
            parts = [(_context(statement, ""), statement)]
        for context, node in parts:
            visitor = FieldUses(field_name, in_meta=meta)
            node.visit(visitor)
            for found in visitor.results():
                if shimmed and found.kind == "attribute" and not found.write:
                    continue
                start = text.range(found.node).start
                references.append(
                    Reference(start.line, start.column + 1, context, text.text(start.line))
                )
    return sorted(references, key=lambda reference: (reference.line, reference.column))


def _context(statement: cst.BaseStatement, prefix: str) -> str:
    if isinstance(statement, cst.FunctionDef):
        return f"{prefix}method {statement.name.value}"
    if isinstance(statement, cst.ClassDef):
        return f"{prefix}class {statement.name.value}"
    names: list[Binding] = list(_bindings([statement]))
    if names and names[0].direct:
        binding = names[0]
        if prefix:
            return f"{prefix}{binding.name}"
        kind = "field" if binding.simple and is_field_call(binding.value) else "attribute"
        return f"{kind} {binding.name}"
    return prefix.rstrip(".") or "class body"


# -- remove_index -------------------------------------------------------------------


def remove_index(
    source: str, *, model_name: str, index_name: str, filename: str | None = None
) -> str:
    """``source`` without the index called ``index_name`` in ``Meta.indexes`` of ``model_name``.

    An ``indexes`` left empty is removed, and so is a ``Meta`` left empty.
    """
    text = Source(source, filename)
    index, model = find_class(text, model_name)
    block = class_block(model)
    problem = f"Cannot remove index {index_name!r} of model {model_name!r} in {text.where}"
    meta_position = next(
        (
            position
            for position, statement in enumerate(block.body)
            if isinstance(statement, cst.ClassDef) and statement.name.value == "Meta"
        ),
        None,
    )
    meta = None if meta_position is None else block.body[meta_position]
    if not isinstance(meta, cst.ClassDef) or not isinstance(meta.body, cst.IndentedBlock):
        raise CodemodError(
            f"{problem}: the class has no 'class Meta:' block of its own lines; if the "
            "index is inherited, remove it where it is defined, or make this change by hand."
        )
    assert meta_position is not None
    meta_block = meta.body
    found = [b for b in _bindings(meta_block.body) if b.name == "indexes"]
    binding = found[-1] if found else None
    if binding is None or not binding.direct or not binding.simple:
        raise CodemodError(
            f"{problem}: its Meta has "
            + ("no 'indexes' list" if binding is None else "an 'indexes' that is not one line")
            + "; check the index name, or make this change by hand."
        )
    indexes = binding.value
    if not isinstance(indexes, cst.List | cst.Tuple):
        raise CodemodError(
            f"{problem}: its Meta.indexes is not a list or tuple written out "
            f"({text.describe(binding.statement)}); make this change by hand."
        )
    names = [_index_name(element.value) for element in indexes.elements]
    if index_name not in names:
        known = ", ".join(repr(name) for name in names if name) or "none with a name"
        raise CodemodError(
            f"{problem}: its Meta.indexes has no index of that name (it has {known}); "
            "check the index name."
        )
    remaining = _without_element(indexes, names.index(index_name))
    position = meta_block.body.index(binding.statement)
    if remaining.elements:
        line = binding.statement
        assert isinstance(line, cst.SimpleStatementLine)
        small = line.body[0]
        assert isinstance(small, cst.Assign | cst.AnnAssign)
        statements = list(meta_block.body)
        statements[position] = line.with_changes(body=[small.with_changes(value=remaining)])
        new_meta = meta.with_changes(body=meta_block.with_changes(body=statements))
        body = list(block.body)
        body[meta_position] = new_meta
        new_block = block.with_changes(body=body)
    else:
        shrunk = _without(meta_block, position)
        if len(shrunk.body) == 1 and _is_pass(shrunk.body[0]) and not _is_pass(meta_block.body[0]):
            new_block = _without(block, meta_position)
        else:
            body = list(block.body)
            body[meta_position] = meta.with_changes(body=shrunk)
            new_block = block.with_changes(body=body)
    return replace_class(text.module, index, model.with_changes(body=new_block)).code


def _index_name(node: cst.BaseExpression) -> str | None:
    if not isinstance(node, cst.Call):
        return None
    for arg in node.args:
        named = arg.keyword is not None and arg.keyword.value == "name"
        if named and isinstance(arg.value, cst.SimpleString):
            return string_value(arg.value)
    return None


def _without_element(node: cst.List | cst.Tuple, position: int) -> cst.List | cst.Tuple:
    """``node`` without one element; its comments and line layout stay with the others."""
    elements = list(node.elements)
    removed = elements.pop(position)
    if position > 0:
        # The comma after the removed element ends the one before it now.
        elements[position - 1] = elements[position - 1].with_changes(comma=removed.comma)
    elif elements and isinstance(removed.comma, cst.Comma):
        # One element a line: the line break after the removed one follows the bracket now.
        after = removed.comma.whitespace_after
        if isinstance(after, cst.ParenthesizedWhitespace):
            if isinstance(node, cst.List):
                node = node.with_changes(
                    lbracket=node.lbracket.with_changes(whitespace_after=after)
                )
            elif node.lpar:
                lpar = [*node.lpar[:-1], node.lpar[-1].with_changes(whitespace_after=after)]
                node = node.with_changes(lpar=lpar)
    lone = isinstance(node, cst.Tuple) and len(elements) == 1
    if lone and not isinstance(elements[0].comma, cst.Comma):
        elements[0] = elements[0].with_changes(comma=cst.Comma())
    return node.with_changes(elements=elements)


# -- add_shim_property --------------------------------------------------------------


def add_shim_property(
    source: str,
    *,
    model_name: str,
    old_name: str,
    fk_name: str,
    target_field: str,
    filename: str | None = None,
) -> str:
    """``source`` with a read-only property ``old_name`` at the end of class ``model_name``.

    It returns ``self.<fk_name>.<target_field>``, or None without a related
    row, so code reading the removed field keeps working while it is changed;
    a comment above it says it is transitional.
    """
    for name, what in ((old_name, "Property name"), (fk_name, "Field name")):
        check_name(name, what)
    check_name(target_field, "Field name")
    text = Source(source, filename)
    index, model = find_class(text, model_name)
    block = class_block(model)
    for binding in _bindings(block.body):
        if binding.name == old_name and binding.simple and is_field_call(binding.value):
            raise CodemodError(
                f"Cannot add the property {old_name!r} to model {model_name!r} in "
                f"{text.where}: {f'{model_name}.{old_name}'!r} is still a field there "
                f"({text.describe(binding.statement)}); remove the field first."
            )
    _refuse_taken(text, model, model_name, old_name, f"add the property {old_name!r}")
    module = text.module
    newline, indent = module.default_newline, module.default_indent
    returns = " -> str | None" if uses_return_annotations(module) else ""
    value = f"self.{fk_name}.{target_field}"
    code = newline.join(
        [
            "@property",
            f"def {old_name}(self){returns}:",
            f"{indent}return {value} if self.{fk_name}_id is not None else None",
            "",
        ]
    )
    prop = cst.parse_statement(code, module.config_for_parsing)
    assert isinstance(prop, cst.FunctionDef)
    note = (
        f"Transitional: {old_name} is now {fk_name}.{target_field}, through the foreign "
        f"key. Read-only; remove this property once nothing reads {old_name}."
    )
    width = max(40, 79 - len(block.indent or indent) - 2)
    comments = [
        cst.EmptyLine(comment=cst.Comment(f"# {line}")) for line in textwrap.wrap(note, width)
    ]
    body = list(block.body)
    if len(body) == 1 and _is_pass(body[0]):
        body = [prop.with_changes(leading_lines=[*leading_lines(body[0]), *comments])]
    else:
        body.append(prop.with_changes(leading_lines=[*blank_lines(1), *comments]))
    return replace_class(module, index, model.with_changes(body=block.with_changes(body=body))).code
