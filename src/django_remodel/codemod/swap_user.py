"""Source edits for ``remodel swap-user``, made with libcst.

- ``add_user_model``: the user model and its manager in the app's models module;
- ``set_setting``: ``AUTH_USER_MODEL = "app.User"`` in the settings module;
- ``add_installed_app``: a new app at the end of ``INSTALLED_APPS``;
- ``find_user_imports`` / ``rewrite_user_imports``: code that imports
  ``django.contrib.auth.models.User`` itself, listed, or switched to
  ``get_user_model()`` or to the new model.

Every other byte of the source comes back as it was. ``filename`` only names
the source in error messages.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from django_remodel.codemod._source import Source, bindings, blank_lines
from django_remodel.codemod.errors import CodemodError
from django_remodel.codemod.migration_files import add_imports
from django_remodel.codemod.usages import project_files

_AUTH_MODELS = "django.contrib.auth.models"


def _top_assignment(
    module: cst.Module, name: str
) -> tuple[int, cst.SimpleStatementLine, cst.Assign] | None:
    for index, statement in enumerate(module.body):
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and small.targets[0].target.value == name
            ):
                return index, statement, small
    return None


def set_setting(source: str, *, name: str, value: str, filename: str | None = None) -> str:
    """``source`` with ``name = "value"``: the assignment changed, or added after
    ``INSTALLED_APPS`` (or at the end)."""
    text = Source(source, filename)
    module = text.module
    found = _top_assignment(module, name)
    literal = cst.SimpleString(f'"{value}"')
    body = list(module.body)
    if found is not None:
        index, statement, assign = found
        body[index] = statement.with_changes(body=[assign.with_changes(value=literal)])
        return module.with_changes(body=body).code
    for binding in bindings(module.body):
        if binding.name == name:
            raise CodemodError(
                f"{name} is set in {text.where} in a way that cannot be edited safely "
                f"({text.describe(binding.statement)}); set it to {value!r} by hand."
            )
    line = cst.parse_statement(f'{name} = "{value}"{module.default_newline}')
    assert isinstance(line, cst.SimpleStatementLine)
    installed = _top_assignment(module, "INSTALLED_APPS")
    position = installed[0] + 1 if installed is not None else len(body)
    body.insert(position, line.with_changes(leading_lines=blank_lines(1)))
    return module.with_changes(body=body).code


def add_installed_app(source: str, *, app: str, filename: str | None = None) -> str:
    """``source`` with ``app`` at the end of its ``INSTALLED_APPS`` list."""
    text = Source(source, filename)
    module = text.module
    found = _top_assignment(module, "INSTALLED_APPS")
    if found is None or not isinstance(found[2].value, cst.List | cst.Tuple):
        raise CodemodError(
            f"INSTALLED_APPS in {text.where} is not one list written out; add {app!r} to it "
            "by hand."
        )
    index, statement, assign = found
    node = assign.value
    assert isinstance(node, cst.List | cst.Tuple)
    for element in node.elements:
        if isinstance(element.value, cst.SimpleString) and element.value.evaluated_value == app:
            return source
    from django_remodel.codemod.migration_files import relayout

    quote = (
        '"' if '"' in module.code_for_node(node) or "'" not in module.code_for_node(node) else "'"
    )
    values: list[cst.BaseExpression | cst.BaseElement] = [
        *node.elements,
        cst.SimpleString(f"{quote}{app}{quote}"),
    ]
    body = list(module.body)
    body[index] = statement.with_changes(
        body=[assign.with_changes(value=relayout(node, values, indent=""))]
    )
    return module.with_changes(body=body).code


def add_user_model(
    source: str, *, classes: str, model_name: str, manager_name: str, filename: str | None = None
) -> str:
    """``source`` with ``classes`` (the manager and the model) before its first class,
    and the imports they need."""
    text = Source(source, filename)
    module = text.module
    for binding in bindings(module.body):
        if binding.name in (model_name, manager_name, "AbstractUser", "BaseUserManager"):
            raise CodemodError(
                f"Cannot add the user model to {text.where}: the name {binding.name!r} is "
                f"used there already ({text.describe(binding.statement)}); rename it, or "
                "choose another name with --model-name."
            )
    newline = module.default_newline
    parsed = cst.parse_module(classes.replace("\n", newline))
    body = list(module.body)
    position = next(
        (index for index, statement in enumerate(body) if isinstance(statement, cst.ClassDef)),
        len(body),
    )
    new = list(parsed.body)
    if position < len(body):
        following = body[position]
        assert isinstance(following, cst.ClassDef)
        new[0] = new[0].with_changes(leading_lines=following.leading_lines)
        body[position] = following.with_changes(leading_lines=blank_lines(2))
    else:
        new[0] = new[0].with_changes(leading_lines=blank_lines(2 if body else 0))
    body[position:position] = new
    imports = [
        f"from {_AUTH_MODELS} import AbstractUser",
        f"from {_AUTH_MODELS} import UserManager as BaseUserManager",
    ]
    if "models." in classes:
        imports.append("from django.db import models")
    edited = module.with_changes(body=body)
    return add_imports(edited, imports).code


# -- Code that imports the stock user itself --------------------------------------------


@dataclass(frozen=True, order=True)
class UserImport:
    """A place that imports or names ``django.contrib.auth.models.User`` itself."""

    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def _imports_user(small: cst.BaseSmallStatement) -> bool:
    if not isinstance(small, cst.ImportFrom) or small.relative or small.module is None:
        return False
    if cst.helpers.get_full_name_for_node(small.module) != _AUTH_MODELS:
        return False
    if isinstance(small.names, cst.ImportStar):
        return True
    return any(alias.evaluated_name == "User" for alias in small.names)


class _Finder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[cst.CSTNode] = []

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if _imports_user(node):
            self.found.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if cst.helpers.get_full_name_for_node(node) == f"{_AUTH_MODELS}.User":
            self.found.append(node)


def find_user_imports(paths: Iterable[str | os.PathLike[str]]) -> list[UserImport]:
    """Every import of ``django.contrib.auth.models.User`` under ``paths`` (migrations,
    virtualenvs and caches skipped)."""
    found: set[UserImport] = set()
    for path in project_files(paths, "django.contrib.auth.models.User"):
        if path.suffix != ".py":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "User" not in text:
            continue
        try:
            source = Source(text, str(path))
        except CodemodError:
            continue
        finder = _Finder()
        source.module.visit(finder)
        for node in finder.found:
            line = source.line(node)
            found.add(UserImport(path, line, source.text(line)))
    return sorted(found)


def rewrite_user_imports(source: str, *, mode: str, label: str, filename: str | None = None) -> str:
    """``source`` importing the user through ``get_user_model()`` (``mode="get_user_model"``)
    or from the new model's module (``mode="model"``) instead of from ``auth.models``."""
    text = Source(source, filename)
    module = text.module
    app_label, model_name = label.split(".")
    body = list(module.body)
    changed = False
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        smalls = list(statement.body)
        for position, small in enumerate(smalls):
            if not _imports_user(small):
                continue
            assert isinstance(small, cst.ImportFrom)
            if isinstance(small.names, cst.ImportStar):
                raise CodemodError(
                    f"{text.where} imports * from {_AUTH_MODELS} "
                    f"({text.describe(statement)}); import what it uses by name first."
                )
            aliases = list(small.names)
            user_alias = next(a for a in aliases if a.evaluated_name == "User")
            bound = user_alias.evaluated_alias or "User"
            rest = [a for a in aliases if a is not user_alias]
            if rest:
                rest[-1] = rest[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                smalls[position] = small.with_changes(names=rest, rpar=None, lpar=None)
            else:
                smalls[position] = None  # type: ignore[call-overload]
            changed = True
            if mode == "model":
                name = model_name if bound == model_name else f"{model_name} as {bound}"
                replacement = f"from {app_label}.models import {name}"
                extra: list[str] = []
            else:
                replacement = "from django.contrib.auth import get_user_model"
                extra = [f"{bound} = get_user_model()"]
            kept = [s for s in smalls if s is not None]
            new_statements: list[cst.SimpleStatementLine | cst.BaseCompoundStatement] = []
            if kept:
                kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
                new_statements.append(statement.with_changes(body=kept))
            new_statements.append(
                cst.parse_statement(replacement + module.default_newline).with_changes(
                    leading_lines=[] if kept else statement.leading_lines
                )
            )
            body[index : index + 1] = new_statements
            if extra:
                last_import = max(
                    position
                    for position, line in enumerate(body)
                    if isinstance(line, cst.SimpleStatementLine)
                    and all(isinstance(s, cst.Import | cst.ImportFrom) for s in line.body)
                )
                for offset, code in enumerate(extra):
                    assignment = cst.parse_statement(code + module.default_newline)
                    if offset == 0:
                        assignment = assignment.with_changes(leading_lines=blank_lines(1))
                    body.insert(last_import + 1 + offset, assignment)
            break
        if changed:
            break
    if not changed:
        return source
    return module.with_changes(body=body).code
