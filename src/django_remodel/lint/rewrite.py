"""Point a migration file's ``dependencies``, ``run_before`` and ``replaces`` elsewhere.

Only the ``("app", "name")`` strings that change are touched; libcst keeps the
rest of the file byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from django_remodel.errors import MigrationHistoryError

Key = tuple[str, str]

_REFERENCE_LISTS = frozenset({"dependencies", "run_before", "replaces"})


class _Rewriter(cst.CSTTransformer):
    def __init__(self, replacements: Mapping[Key, Key]) -> None:
        self.replacements = replacements
        self.done: set[Key] = set()
        self._depth = 0

    def visit_Assign(self, node: cst.Assign) -> bool:
        names = {t.target.value for t in node.targets if isinstance(t.target, cst.Name)}
        if names & _REFERENCE_LISTS:
            self._depth += 1
        return True

    def leave_Assign(
        self, original_node: cst.Assign, updated_node: cst.Assign
    ) -> cst.BaseSmallStatement:
        names = {t.target.value for t in original_node.targets if isinstance(t.target, cst.Name)}
        if names & _REFERENCE_LISTS:
            self._depth -= 1
        return updated_node

    def leave_Tuple(self, original_node: cst.Tuple, updated_node: cst.Tuple) -> cst.BaseExpression:
        return self._pair(updated_node)

    def leave_List(self, original_node: cst.List, updated_node: cst.List) -> cst.BaseExpression:
        return self._pair(updated_node)

    def _pair(self, node: cst.Tuple | cst.List) -> cst.Tuple | cst.List:
        if not self._depth or len(node.elements) != 2:
            return node
        strings = [element.value for element in node.elements]
        if not all(isinstance(s, cst.SimpleString) for s in strings):
            return node
        app, name = (s.evaluated_value for s in strings if isinstance(s, cst.SimpleString))
        if not isinstance(app, str) or not isinstance(name, str):
            return node
        new = self.replacements.get((app, name))
        if new is None:
            return node
        self.done.add((app, name))
        elements = [
            element.with_changes(value=_string_like(element.value, text))
            for element, text in zip(node.elements, new, strict=True)
        ]
        return node.with_changes(elements=elements)


def _string_like(original: cst.BaseExpression, text: str) -> cst.SimpleString:
    assert isinstance(original, cst.SimpleString)
    quote = original.quote
    return cst.SimpleString(f"{original.prefix}{quote}{text}{quote}")


def rewrite_references(source: str, replacements: Mapping[Key, Key], *, where: str) -> str:
    """``source`` with each ``(app, name)`` reference in ``replacements`` pointed at its value.

    Raises ``MigrationHistoryError`` naming ``where`` when a reference is not
    written as a plain ``("app", "name")`` pair, so it cannot be changed safely.
    """
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise MigrationHistoryError(
            f"Cannot parse {where}: {error.message} (line {error.raw_line}); fix the file first."
        ) from None
    rewriter = _Rewriter(replacements)
    rewritten = module.visit(rewriter)
    missing = set(replacements) - rewriter.done
    if missing:
        listed = ", ".join(repr(key) for key in sorted(missing))
        raise MigrationHistoryError(
            f"{where} refers to {listed} in a way that cannot be rewritten (not a plain "
            "('app', 'name') pair in its dependencies, run_before or replaces); "
            "edit that reference by hand, then run the command again."
        )
    return rewritten.code
