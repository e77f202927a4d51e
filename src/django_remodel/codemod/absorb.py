"""Source edits of ``remodel absorb``: the profile's fields moved into the user, and the
code that went through the profile rewritten to read the user.

:func:`move_fields` edits ``models.py``: the profile's field lines (and its
nested classes, such as ``TextChoices`` the fields name) go into the target
class, and the profile class is deleted.

:func:`rewrite_usages` edits any module where it is safe:

- ``user.profile.phone`` -> ``user.phone`` (read or written);
- ``profile = user.profile`` -> ``profile = user`` when the name is only used
  to read absorbed fields afterwards;
- ``select_related("profile")`` loses the argument (the call goes when none
  is left), ``"profile__phone"`` strings and ``profile__phone=`` keywords
  lose the ``profile__``.

Every other mention of the accessor or the profile model is left alone and
returned as an :class:`Unsafe` with its line: ``hasattr(user, "profile")``,
``profile__isnull=False``, ``Profile.objects.get(user=u)``...
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from django_remodel.codemod import normalize as field_edits
from django_remodel.codemod._source import Source, class_block, find_class, is_docstring
from django_remodel.codemod.errors import CodemodError


@dataclass(frozen=True, order=True)
class Unsafe:
    """A line that still mentions the profile after the rewrite; a person must change it."""

    line: int
    text: str


# -- models.py -----------------------------------------------------------------------


def _assigned_name(statement: cst.BaseStatement) -> str | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
        return target.value if isinstance(target, cst.Name) else None
    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
        return small.target.value
    return None


def move_fields(
    source: str,
    *,
    profile: str,
    target: str,
    fields: Sequence[str],
    filename: str | None = None,
) -> tuple[str, list[str]]:
    """``source`` with ``fields`` of class ``profile`` defined in class ``target`` instead,
    and ``profile`` deleted; also the names of the profile's ``Meta`` options that go."""
    text = Source(source, filename)
    index, node = find_class(text, profile)
    codes: dict[str, str] = {}
    nested: list[cst.ClassDef] = []
    dropped: list[str] = []
    for statement in class_block(node).body:
        if isinstance(statement, cst.ClassDef):
            if statement.name.value == "Meta":
                dropped += [
                    name
                    for inner in class_block(statement).body
                    if (name := _assigned_name(inner)) is not None
                ]
            else:
                nested.append(statement)
            continue
        name = _assigned_name(statement)
        if name is not None and name in fields:
            assert isinstance(statement, cst.SimpleStatementLine)
            small = statement.body[0]
            assert isinstance(small, cst.Assign | cst.AnnAssign)
            assert small.value is not None
            codes[name] = text.module.code_for_node(small.value)
    missing = [name for name in fields if name not in codes]
    if missing:
        raise CodemodError(
            f"Cannot find the lines of {', '.join(repr(f'{profile}.{m}') for m in missing)} in "
            f"{text.where}; they are not plain 'name = models.Field(...)' lines of the class "
            "body (inherited?). Move them into the target by hand."
        )
    body = list(text.module.body)
    del body[index]
    module = text.module.with_changes(body=body)
    edited = Source(module.code, filename)
    index, into = find_class(edited, target)
    taken = {s.name.value for s in class_block(into).body if isinstance(s, cst.ClassDef)}
    clashes = [c.name.value for c in nested if c.name.value in taken]
    if clashes:
        raise CodemodError(
            f"Class {target!r} in {edited.where} already has a nested class "
            f"{clashes[0]!r}, like {profile!r}; rename one of them first."
        )
    if nested:
        target_body = list(class_block(into).body)
        position = 1 if target_body and is_docstring(target_body[0]) else 0
        if position:
            # A blank line between the docstring and the first nested class.
            nested[0] = nested[0].with_changes(leading_lines=[cst.EmptyLine(indent=False)])
        target_body[position:position] = nested
        into = into.with_changes(body=class_block(into).with_changes(body=target_body))
        body = list(edited.module.body)
        body[index] = into
        result = edited.module.with_changes(body=body).code
    else:
        result = edited.module.code
    after: str | None = None
    for name in fields:
        result = field_edits.add_field(
            result,
            model_name=target,
            field_name=name,
            field_code=codes[name],
            after_field=after,
            filename=filename,
        )
        after = name
    return result, dropped


# -- code that used the profile ----------------------------------------------------


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString) and node.prefix.lower() in ("", "u"):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _attribute_name(node: cst.BaseExpression) -> str | None:
    return node.attr.value if isinstance(node, cst.Attribute) else None


class _Assignments(cst.CSTVisitor):
    """How often each name is assigned, and which assignments read ``X.<accessor>``."""

    def __init__(self, accessor: str) -> None:
        self.accessor = accessor
        self.counts: dict[str, int] = {}
        self.candidates: dict[str, cst.Assign] = {}

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                self.counts[name] = self.counts.get(name, 0) + 1
                value = node.value
                if (
                    len(node.targets) == 1
                    and isinstance(value, cst.Attribute)
                    and value.attr.value == self.accessor
                ):
                    self.candidates[name] = node


class _Uses(cst.CSTVisitor):
    """Whether each use of ``name`` (besides ``assign``) reads one of ``fields``."""

    def __init__(self, name: str, assign: cst.Assign, fields: frozenset[str]) -> None:
        self.name = name
        self.assign = assign
        self.fields = fields
        self.uses: list[bool] = []

    def visit_Assign(self, node: cst.Assign) -> bool:
        return node is not self.assign

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if isinstance(node.value, cst.Name) and node.value.value == self.name:
            self.uses.append(node.attr.value in self.fields)
            return False
        return True

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.uses.append(False)


class _Aliases(cst.CSTVisitor):
    """Names assigned ``X.<accessor>`` once in a function and only used to read absorbed
    fields there."""

    def __init__(self, accessor: str, fields: frozenset[str]) -> None:
        self.accessor = accessor
        self.fields = fields
        self.safe: set[cst.Assign] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        found = _Assignments(self.accessor)
        node.body.visit(found)
        for name, assign in found.candidates.items():
            uses = _Uses(name, assign, self.fields)
            node.body.visit(uses)
            if found.counts[name] == 1 and uses.uses and all(uses.uses):
                self.safe.add(assign)


class _Rewriter(cst.CSTTransformer):
    def __init__(self, accessor: str, fields: frozenset[str], aliases: set[cst.Assign]) -> None:
        self.accessor = accessor
        self.prefix = f"{accessor}__"
        self.fields = fields
        self.aliases = aliases
        self.changed = 0

    def _path(self, value: str) -> str | None:
        """``profile__phone__iexact`` -> ``phone__iexact`` (``-`` kept); None if unsafe."""
        sign = "-" if value.startswith("-") else ""
        bare = value.removeprefix("-")
        if not bare.startswith(self.prefix):
            return None
        rest = bare[len(self.prefix) :]
        if rest.split("__")[0] not in self.fields:
            return None
        return sign + rest

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        inner = updated_node.value
        if (
            updated_node.attr.value in self.fields
            and isinstance(inner, cst.Attribute)
            and inner.attr.value == self.accessor
        ):
            self.changed += 1
            return updated_node.with_changes(value=inner.value)
        return updated_node

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        value = updated_node.value
        if original_node in self.aliases and isinstance(value, cst.Attribute):
            self.changed += 1
            return updated_node.with_changes(value=value.value)
        return updated_node

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        if updated_node.keyword is not None:
            new = self._path(updated_node.keyword.value)
            if new is not None:
                self.changed += 1
                return updated_node.with_changes(keyword=cst.Name(new))
            return updated_node
        value = _string(updated_node.value)
        if value is not None:
            new = self._path(value)
            if new is not None:
                assert isinstance(updated_node.value, cst.SimpleString)
                quote = updated_node.value.quote
                self.changed += 1
                return updated_node.with_changes(
                    value=updated_node.value.with_changes(value=f"{quote}{new}{quote}")
                )
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "select_related"):
            return updated_node
        kept = [
            arg
            for arg in updated_node.args
            if arg.keyword is not None or _string(arg.value) != self.accessor
        ]
        if len(kept) == len(updated_node.args):
            return updated_node
        self.changed += 1
        if not kept:
            # select_related() with no argument would join every relation.
            return func.value
        last = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(args=[*kept[:-1], last])


class _Mentions(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, accessor: str, model: str) -> None:
        self.accessor = accessor
        self.model = model
        self.lines: set[int] = set()

    def _add(self, node: cst.CSTNode) -> None:
        self.lines.add(self.get_metadata(PositionProvider, node).start.line)

    def _mentions(self, value: str) -> bool:
        bare = value.removeprefix("-")
        return bare == self.accessor or bare.startswith(f"{self.accessor}__")

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == self.accessor:
            self._add(node)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.model:
            self._add(node)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and self._mentions(node.keyword.value):
            self._add(node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = _string(node)
        if value is not None and self._mentions(value):
            self._add(node)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        name = node.name
        if isinstance(name, cst.Name) and name.value == self.model:
            self._add(node)


def rewrite_usages(
    source: str,
    *,
    accessor: str,
    fields: Sequence[str],
    model: str,
    filename: str | None = None,
) -> tuple[str, list[Unsafe]]:
    """``source`` with the safe rewrites made, and the lines that still mention ``accessor``
    or the profile class ``model`` (numbered as in the rewritten text)."""
    if accessor not in source and model not in source:
        return source, []
    text = Source(source, filename)
    absorbed = frozenset(fields)
    aliases = _Aliases(accessor, absorbed)
    text.module.visit(aliases)
    rewriter = _Rewriter(accessor, absorbed, aliases.safe)
    module = text.module.visit(rewriter)
    mentions = _Mentions(accessor, model)
    MetadataWrapper(module).visit(mentions)
    lines = module.code.splitlines()
    return module.code, [Unsafe(n, lines[n - 1].strip()) for n in sorted(mentions.lines)]


_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def rewrite_template(
    source: str, *, accessor: str, fields: Sequence[str]
) -> tuple[str, list[Unsafe]]:
    """A template with ``x.<accessor>.<field>`` inside its tags made ``x.<field>``, and the
    lines whose tags still name ``.<accessor>``."""
    names = "|".join(re.escape(f) for f in sorted(fields, key=len, reverse=True))
    dotted = re.compile(rf"\.{re.escape(accessor)}\.({names})\b")
    rewritten = _TAG.sub(lambda tag: dotted.sub(r".\1", tag.group(0)), source)
    left = re.compile(rf"\.{re.escape(accessor)}\b")
    unsafe = []
    for match in _TAG.finditer(rewritten):
        if left.search(match.group(0)):
            line = rewritten.count("\n", 0, match.start()) + 1
            unsafe.append(Unsafe(line, rewritten.splitlines()[line - 1].strip()))
    return rewritten, sorted(set(unsafe))


def repoint_field(
    source: str, *, model_name: str, field_name: str, to: str, filename: str | None = None
) -> str:
    """``source`` with the relation field ``model_name.field_name`` pointing at ``to`` (its
    first argument, or its ``to=`` keyword, made the string ``"to"``)."""
    text = Source(source, filename)
    index, node = find_class(text, model_name)
    body = list(class_block(node).body)
    for position, statement in enumerate(body):
        if _assigned_name(statement) != field_name:
            continue
        assert isinstance(statement, cst.SimpleStatementLine)
        small = statement.body[0]
        assert isinstance(small, cst.Assign | cst.AnnAssign)
        call = small.value
        if not isinstance(call, cst.Call):
            break
        args = list(call.args)
        for number, arg in enumerate(args):
            if (arg.keyword is None and number == 0) or (
                arg.keyword is not None and arg.keyword.value == "to"
            ):
                args[number] = arg.with_changes(value=cst.SimpleString(f'"{to}"'))
                small = small.with_changes(value=call.with_changes(args=args))
                body[position] = statement.with_changes(body=[small])
                new = node.with_changes(body=class_block(node).with_changes(body=body))
                module_body = list(text.module.body)
                module_body[index] = new
                return text.module.with_changes(body=module_body).code
        break
    raise CodemodError(
        f"Cannot find the target of {f'{model_name}.{field_name}'!r} in {text.where} (a "
        "'name = models.ForeignKey(Target, ...)' line of the class body); point it at "
        f"{to!r} by hand."
    )
