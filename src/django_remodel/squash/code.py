"""Copy the functions of carried ``RunPython`` operations into the new migration file.

``MigrationWriter`` refers to a function by its module, and a function defined
in a migration file lives in a module that will be deleted (and whose name,
starting with a digit, cannot be imported anyway: ``squashmigrations`` leaves
a comment asking to copy it by hand). So the function's source is copied, with
the module-level imports, constants and helpers it uses, and the operation
refers to the copy by name. A name two old files both define is given a
suffix in the copy of the second one.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst as cst
from django.db.migrations.serializer import BaseSerializer
from django.db.migrations.writer import MigrationWriter

from django_remodel.errors import MigrationHistoryError

# Names a rendered migration file defines or imports itself.
_RESERVED = frozenset({"migrations", "models", "settings", "django", "Migration"})
_STANDARD_IMPORTS = frozenset(
    {
        "from django.db import migrations",
        "from django.db import models",
        "from django.conf import settings",
        "import django",
    }
)
_MIGRATION_MODULE = re.compile(r"(^|\.)migrations\.\d")


class LocalFunction:
    """A function defined in the new migration file itself, written as its bare name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - never run
        raise TypeError(f"{self.name!r} only names a function of a migration file being written.")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LocalFunction) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


class _LocalFunctionSerializer(BaseSerializer):
    def serialize(self) -> tuple[str, set[str]]:
        value: LocalFunction = self.value
        return value.name, set()


MigrationWriter.register_serializer(LocalFunction, _LocalFunctionSerializer)


def needs_copy(function: Callable[..., Any]) -> bool:
    """Whether ``function`` lives in a migration file (so cannot be imported by name)."""
    module = getattr(function, "__module__", None) or ""
    return bool(_MIGRATION_MODULE.search(module))


@dataclass
class _Statement:
    names: frozenset[str]
    text: str
    uses: frozenset[str]
    is_import: bool = False


@dataclass
class CopiedCode:
    """The module-level code a new migration file needs, gathered function by function."""

    blocks: list[str] = field(default_factory=list)
    _defined: dict[str, str] = field(default_factory=dict)
    """Name in the new file -> the source text that defines it."""
    _copied: dict[tuple[str, str], str] = field(default_factory=dict)
    """(old module, function name) -> its name in the new file."""

    def add(self, function: Callable[..., Any], *, origin: str) -> LocalFunction:
        """Copy ``function`` (and what it uses) and return how the operation refers to it.

        ``origin`` names the old migration for error messages and name suffixes.
        """
        module_name = function.__module__
        name = getattr(function, "__name__", "")
        if (module_name, name) in self._copied:
            return LocalFunction(self._copied[(module_name, name)])
        qualname = getattr(function, "__qualname__", "")
        if not inspect.isfunction(function) or qualname != name or name == "<lambda>":
            raise MigrationHistoryError(
                f"Cannot carry the RunPython operation of migration {origin}: its code "
                f"{qualname or function!r} is not a module-level function, so it cannot be "
                "copied into the new migration. Make it one, or mark the operation "
                "elidable=True if a database migrated from zero does not need it."
            )
        statements = _module_statements(module_name, origin)
        wanted = _closure(statements, name, origin)
        suffix = re.sub(r"\W", "_", origin.split(".", 1)[1].split("_", 1)[0])
        chosen = [s for s in statements if s.names & wanted]
        renames: dict[str, str] = {}
        for statement in chosen:
            (defined,) = statement.names
            if statement.is_import:
                if (
                    defined in _RESERVED
                    and statement.text not in _STANDARD_IMPORTS
                    and not statement.text.startswith("import django.")
                ):
                    raise MigrationHistoryError(
                        f"Cannot copy the code of migration {origin}: its {statement.text!r} "
                        f"hides the {defined!r} a migration file needs. Import it under "
                        "another name in the old migration."
                    )
                continue
            existing = self._defined.get(defined)
            if (existing is not None and existing != statement.text) or defined in _RESERVED:
                renames[defined] = f"{defined}_{suffix}"
        for statement in chosen:
            text = _rename(statement.text, renames) if renames else statement.text
            (defined,) = statement.names
            new_name = renames.get(defined, defined)
            if statement.text == "from django.db import migrations":
                continue  # every migration file imports it
            existing = self._defined.get(new_name)
            if existing == text:
                continue
            if existing is not None:
                raise MigrationHistoryError(
                    f"Cannot copy {new_name!r} from migration {origin} into the new "
                    "migration: another carried function's migration defines it differently. "
                    "Rename one of them in the old migration files."
                )
            self._defined[new_name] = text
            self.blocks.append(text)
        local = renames.get(name, name)
        self._copied[(module_name, name)] = local
        return LocalFunction(local)

    def render(self) -> str:
        return "\n\n\n".join(self.blocks)


def _module_statements(module_name: str, origin: str) -> list[_Statement]:
    module = sys.modules.get(module_name)
    file = getattr(module, "__file__", None)
    if file is None:
        raise MigrationHistoryError(
            f"Cannot read the source of migration {origin} to copy its RunPython code."
        )
    source = Path(file).read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    statements = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Migration":
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module docstring
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            statements.extend(_imports(node))
            continue
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        end = node.end_lineno or node.lineno
        text = "\n".join(lines[start - 1 : end])
        statements.append(_Statement(_defines(node), text, _uses(node)))
    return statements


def _imports(node: ast.Import | ast.ImportFrom) -> list[_Statement]:
    """One statement per imported name, so two files importing the same name agree."""
    statements = []
    for alias in node.names:
        bound = (alias.asname or alias.name).split(".")[0]
        as_part = f" as {alias.asname}" if alias.asname else ""
        if isinstance(node, ast.Import):
            text = f"import {alias.name}{as_part}"
        else:
            text = f"from {'.' * node.level}{node.module or ''} import {alias.name}{as_part}"
        statements.append(_Statement(frozenset({bound}), text, frozenset(), is_import=True))
    return statements


def _defines(node: ast.stmt) -> frozenset[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return frozenset({node.name})
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return frozenset((alias.asname or alias.name).split(".")[0] for alias in node.names)
    names = set()
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                names.add(sub.id)
    return frozenset(names)


def _uses(node: ast.stmt) -> frozenset[str]:
    return frozenset(
        sub.id
        for sub in ast.walk(node)
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load)
    )


def _closure(statements: list[_Statement], name: str, origin: str) -> set[str]:
    by_name: dict[str, _Statement] = {}
    for statement in statements:
        for defined in statement.names:
            by_name[defined] = statement
    if name not in by_name:
        raise MigrationHistoryError(
            f"Cannot find function {name!r} at the top level of migration {origin}."
        )
    wanted: set[str] = set()
    stack = [name]
    while stack:
        current = stack.pop()
        if current in wanted:
            continue
        wanted.add(current)
        statement = by_name[current]
        stack.extend(
            used
            for used in statement.uses
            if used in by_name and used not in wanted and not hasattr(builtins, used)
        )
    return wanted


class _Renamer(cst.CSTTransformer):
    """Rename module-level names, leaving attributes and keyword arguments alone."""

    def __init__(self, renames: dict[str, str]) -> None:
        super().__init__()
        self.renames = renames

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return False

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.Attribute:
        return updated_node.with_changes(value=updated_node.value.visit(self))

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        return updated_node.with_changes(keyword=original_node.keyword)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
        return False

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        if original_node.value in self.renames:
            return updated_node.with_changes(value=self.renames[original_node.value])
        return updated_node


def _rename(text: str, renames: dict[str, str]) -> str:
    return cst.parse_module(text).visit(_Renamer(renames)).code


def copy_functions(functions: Iterable[tuple[Callable[..., Any], str]]) -> CopiedCode:
    """Copy several functions, each with the old migration it comes from, into one file."""
    copied = CopiedCode()
    for function, origin in functions:
        copied.add(function, origin=origin)
    return copied
