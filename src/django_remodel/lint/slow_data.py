"""Data migrations written the slow way, found by reading the migration's source.

Inside the functions a ``RunPython`` runs (and the module functions they
call), a ``for`` loop over a queryset that saves, creates or looks up once per
row sends one query or more per row: a million rows, a million round trips.
Each finding names the set-based statement that does the same work: one
``update()`` with ``F()``/database functions, one ``update()`` with a
``Subquery()``, ``bulk_create``/``INSERT ... SELECT``, or ``bulk_update`` in
batches when the value can only be computed in Python.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django_remodel.lint.history import History, migration_path
from django_remodel.lint.result import Finding, Severity

_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
_QUERYSET_METHODS = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "order_by",
        "select_related",
        "prefetch_related",
        "only",
        "defer",
        "distinct",
        "annotate",
        "alias",
        "values",
        "values_list",
        "using",
        "select_for_update",
        "reverse",
        "iterator",
        "extra",
    }
)
_MATERIALIZE = frozenset({"list", "tuple", "sorted"})
_LOOKUPS = frozenset({"get", "get_or_create", "update_or_create", "create", "first", "last"})
# str methods whose database function does the same to the value.
_DB_FUNCTIONS = {
    "strip": "Trim",
    "lstrip": "LTrim",
    "rstrip": "RTrim",
    "lower": "Lower",
    "upper": "Upper",
}


@dataclass(frozen=True)
class SlowSpot:
    """One slow pattern in a migration's source."""

    code: str
    line: int
    message: str
    hint: str


def check_slow_data(history: History) -> list[Finding]:
    """``remodel.L101``..``L105`` for every migration file of the linted apps."""
    findings: list[Finding] = []
    seen: set[Path] = set()
    for key, migration in sorted(history.loader.disk_migrations.items()):
        if key[0] not in history.apps:
            continue
        path = migration_path(migration)
        if path is None or path in seen or path.suffix != ".py":
            continue
        seen.add(path)
        try:
            source = path.read_text(encoding="utf-8")
        except OSError:
            continue
        for spot in scan_source(source):
            findings.append(
                Finding(
                    code=spot.code,
                    severity=Severity.WARNING,
                    app_label=key[0],
                    message=spot.message,
                    hint=spot.hint,
                    path=path,
                    line=spot.line,
                    migration=key[1],
                )
            )
    return findings


def scan_source(source: str) -> list[SlowSpot]:
    """The slow patterns in the ``RunPython`` functions of one migration module."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    pending = [name for name in _run_python_targets(tree) if name in functions]
    reached: list[str] = []
    while pending:
        name = pending.pop(0)
        if name in reached:
            continue
        reached.append(name)
        for node in ast.walk(functions[name]):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in functions
                and node.func.id not in reached
            ):
                pending.append(node.func.id)
    spots: list[SlowSpot] = []
    for name in reached:
        spots.extend(_FunctionScan(functions[name]).spots())
    return sorted(spots, key=lambda spot: (spot.line, spot.code))


def _run_python_targets(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if called != "RunPython":
            continue
        arguments = [*node.args[:2]]
        arguments += [k.value for k in node.keywords if k.arg in ("code", "reverse_code")]
        for argument in arguments:
            if isinstance(argument, ast.Name):
                yield argument.id


def _calls(node: ast.AST) -> Iterator[ast.Call]:
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            yield child


def _method(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _model_of(expr: ast.expr) -> str | None:
    """``Location`` in ``Location.objects.filter(...)``."""
    while True:
        if isinstance(expr, ast.Call):
            expr = expr.func
        elif isinstance(expr, ast.Attribute):
            if expr.attr in _MANAGERS and isinstance(expr.value, ast.Name):
                return expr.value.id
            expr = expr.value
        else:
            return None


class _FunctionScan:
    def __init__(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.function = function
        # Names bound to a queryset (or to a list of its rows), and the expression.
        self.querysets: dict[str, tuple[ast.expr, bool]] = {}
        for node in sorted(
            (n for n in ast.walk(function) if isinstance(n, ast.Assign)),
            key=lambda n: n.lineno,
        ):
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                origin = self._queryset(node.value)
                if origin is not None:
                    self.querysets[node.targets[0].id] = origin

    def _queryset(self, expr: ast.expr) -> tuple[ast.expr, bool] | None:
        """The queryset ``expr`` iterates, and whether its rows were put in a list first."""
        if isinstance(expr, ast.Name):
            return self.querysets.get(expr.id)
        if isinstance(expr, ast.Call):
            if isinstance(expr.func, ast.Name) and expr.func.id in _MATERIALIZE and expr.args:
                inner = self._queryset(expr.args[0])
                return (inner[0], True) if inner else None
            method = _method(expr)
            if method in _QUERYSET_METHODS:
                assert isinstance(expr.func, ast.Attribute)
                receiver = expr.func.value
                if method in ("all", "filter", "exclude") or self._queryset(receiver):
                    return expr, False
                if isinstance(receiver, ast.Attribute) and receiver.attr in _MANAGERS:
                    return expr, False
        if isinstance(expr, ast.Attribute) and expr.attr in _MANAGERS:
            return expr, False
        return None

    def spots(self) -> list[SlowSpot]:
        spots: list[SlowSpot] = []
        for loop in ast.walk(self.function):
            if isinstance(loop, ast.For | ast.AsyncFor):
                origin = self._queryset(loop.iter)
                if origin is not None:
                    spots.extend(self._loop(loop, *origin))
        return spots

    def _loop(
        self, loop: ast.For | ast.AsyncFor, queryset: ast.expr, listed: bool
    ) -> list[SlowSpot]:
        shown = ast.unparse(queryset)
        row = loop.target.id if isinstance(loop.target, ast.Name) else None
        body = ast.Module(body=loop.body, type_ignores=[])
        assigned = self._assigned(body, row)
        lookups = self._lookups(body)
        per_row: dict[str, ast.Call] = {}
        for call in _calls(body):
            method = _method(call)
            code = {
                "save": "remodel.L101",
                "get_or_create": "remodel.L102",
                "update_or_create": "remodel.L102",
            }.get(method or "")
            if method == "create" and _model_of(call) is not None:
                code = "remodel.L103"
            if code and code not in per_row:
                per_row[code] = call
        spots = []
        where = f"RunPython function {self.function.name!r}"
        if "remodel.L101" in per_row:
            spots.append(
                SlowSpot(
                    "remodel.L101",
                    per_row["remodel.L101"].lineno,
                    f"{where} calls save() once per row of {shown}: one UPDATE per row, "
                    "so N rows cost N round trips.",
                    self._update_hint(queryset, assigned, lookups, row),
                )
            )
        if "remodel.L102" in per_row:
            call = per_row["remodel.L102"]
            model = _model_of(call) or "the model"
            spots.append(
                SlowSpot(
                    "remodel.L102",
                    call.lineno,
                    f"{where} calls {_method(call)}() once per row of {shown}: a SELECT and "
                    "often an INSERT or UPDATE for every row.",
                    f"Create the missing {model} rows in one statement: INSERT INTO its table "
                    f"... SELECT DISTINCT ... FROM the source table (or "
                    f"{model}.objects.bulk_create(..., ignore_conflicts=True) over "
                    "values_list(..., flat=True).distinct()), then point the rows at them "
                    "with one update() using Subquery(... OuterRef(...)).",
                )
            )
        if "remodel.L103" in per_row:
            call = per_row["remodel.L103"]
            model = _model_of(call) or "the model"
            spots.append(
                SlowSpot(
                    "remodel.L103",
                    call.lineno,
                    f"{where} calls {model}.objects.create() once per row of {shown}: "
                    "one INSERT per row.",
                    f"Insert them together: {model}.objects.bulk_create(objs, batch_size=1000), "
                    "or a single INSERT INTO ... SELECT ... FROM the source table when the "
                    "values come from it.",
                )
            )
        if per_row:
            return spots
        uses_iterator = any(_method(c) == "iterator" for c in _calls(queryset))
        if not listed and not uses_iterator and any(_method(c) == "all" for c in _calls(queryset)):
            spots.append(
                SlowSpot(
                    "remodel.L104",
                    loop.lineno,
                    f"{where} iterates {shown} without iterator(): every row is loaded "
                    "and kept in memory at once.",
                    self._memory_hint(queryset, assigned),
                )
            )
        bulk_update = any(_method(c) == "bulk_update" for c in _calls(self.function))
        if assigned and bulk_update and not lookups:
            rendered = _database_values(assigned, row)
            if rendered is not None:
                spots.append(
                    SlowSpot(
                        "remodel.L105",
                        loop.lineno,
                        f"{where} reads the rows of {shown} into Python to write "
                        f"{', '.join(sorted(assigned))} back with bulk_update(), but the "
                        "database can compute the new value itself.",
                        f"Use one UPDATE: {ast.unparse(queryset)}.update({rendered})"
                        + (
                            " (SQL TRIM removes spaces only; str.strip() also removes tabs "
                            "and newlines)."
                            if "Trim(" in rendered
                            else "."
                        ),
                    )
                )
        return spots

    @staticmethod
    def _assigned(body: ast.Module, row: str | None) -> dict[str, ast.expr]:
        """``row.<field> = value`` assignments in the loop body."""
        assigned: dict[str, ast.expr] = {}
        if row is None:
            return assigned
        for node in ast.walk(body):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == row
                    ):
                        assigned[target.attr] = node.value
        return assigned

    @staticmethod
    def _lookups(body: ast.Module) -> dict[str, ast.Call]:
        """Names bound in the loop to a row looked up in another table."""
        found: dict[str, ast.Call] = {}
        for node in ast.walk(body):
            if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Call):
                continue
            if _method(node.value) not in _LOOKUPS or _model_of(node.value) is None:
                continue
            for target in node.targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                if names and isinstance(names[0], ast.Name):
                    found[names[0].id] = node.value
        return found

    def _update_hint(
        self,
        queryset: ast.expr,
        assigned: dict[str, ast.expr],
        lookups: dict[str, ast.Call],
        row: str | None,
    ) -> str:
        shown = ast.unparse(queryset)
        for field, value in sorted(assigned.items()):
            names = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
            looked_up = [lookups[name] for name in sorted(names & set(lookups))]
            if looked_up:
                call = looked_up[0]
                model = _model_of(call) or "Other"
                pairs = [
                    f"{k.arg}=OuterRef({k.value.attr!r})"
                    for k in call.keywords
                    if k.arg and isinstance(k.value, ast.Attribute)
                ]
                lookup = ", ".join(pairs) or "<key>=OuterRef('<column>')"
                return (
                    f"Fill {field!r} for every row in one UPDATE: {shown}.update({field}="
                    f"Subquery({model}.objects.filter({lookup}).values('pk')[:1]))."
                )
        rendered = _database_values(assigned, row) if assigned else None
        if rendered is not None:
            return f"Use one UPDATE the database computes: {shown}.update({rendered})."
        fields = ", ".join(repr(f) for f in sorted(assigned)) or "'<field>'"
        return (
            "The value is computed in Python, so write the rows in batches: collect them "
            f"from {shown}.iterator(chunk_size=2000) and call bulk_update(batch, [{fields}]) "
            "per batch, or move the computation into update() with F() and database "
            "functions."
        )

    @staticmethod
    def _memory_hint(queryset: ast.expr, assigned: dict[str, ast.expr]) -> str:
        shown = ast.unparse(queryset)
        return (
            f"Stream the rows with {shown}.iterator(chunk_size=2000), or let the database "
            "do the work with update()/aggregate() instead of a Python loop."
        )


def _database_values(assigned: dict[str, ast.expr], row: str | None) -> str | None:
    """``field=Expression`` for each assignment the database can compute, else ``None``."""
    parts = []
    for field, value in sorted(assigned.items()):
        rendered = _database_expression(value, row)
        if rendered is None:
            return None
        parts.append(f"{field}={rendered}")
    return ", ".join(parts)


def _database_expression(value: ast.expr, row: str | None) -> str | None:
    """The database expression computing ``value`` from the row's own columns, if any."""

    def own_column(node: ast.expr) -> str | None:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return node.attr if node.value.id == row else None
        return None

    if isinstance(value, ast.Constant):
        return repr(value.value)
    column = own_column(value)
    if column is not None:
        return f"F({column!r})"
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and not value.args:
        function = _DB_FUNCTIONS.get(value.func.attr)
        column = own_column(value.func.value)
        if function and column is not None:
            return f"{function}({column!r})"
        return None
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add | ast.Sub | ast.Mult):
        # Only arithmetic with a number: '+' on two text columns is not concatenation in SQL.
        numbers = [
            side
            for side in (value.left, value.right)
            if isinstance(side, ast.Constant) and isinstance(side.value, int | float)
        ]
        left = _database_expression(value.left, row)
        right = _database_expression(value.right, row)
        if not numbers or left is None or right is None:
            return None
        symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}[type(value.op)]
        return f"{left} {symbol} {right}"
    return None
