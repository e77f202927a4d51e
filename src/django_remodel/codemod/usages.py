"""Where a project's code still reads or filters on a field that is going away.

A heuristic over source text, not an import of the project: any attribute
called like the field is reported, whatever object it is read from. String
literals are reported only where Django reads field names from them (query
methods, expressions, ``Meta`` options, admin and form field lists, dictionary
keys), so a message or a docstring that happens to spell the name is not.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import libcst as cst

from django_remodel.codemod._source import Source, callee_name, string_value, syntax_error
from django_remodel.codemod.errors import CodemodError

Kind = Literal["attribute", "keyword", "string", "key", "template", "unparsed"]

#: Callables whose positional arguments are field names or lookup paths.
_STRING_CALLEES: Final = frozenset(
    {
        # QuerySet and Model methods
        "values",
        "values_list",
        "order_by",
        "only",
        "defer",
        "distinct",
        "select_related",
        "prefetch_related",
        "latest",
        "earliest",
        "dates",
        "datetimes",
        "in_bulk",
        "bulk_update",
        "refresh_from_db",
        "get_field",
        # expressions, aggregates and functions
        "F",
        "OuterRef",
        "Prefetch",
        "Count",
        "Sum",
        "Min",
        "Max",
        "Avg",
        "StdDev",
        "Variance",
        "ArrayAgg",
        "StringAgg",
        "JSONBAgg",
        "Lower",
        "Upper",
        "Length",
        "Trim",
        "LTrim",
        "RTrim",
        "Concat",
        "Coalesce",
        "Cast",
        "Collate",
        "Greatest",
        "Least",
        "NullIf",
        "Substr",
        "Left",
        "Right",
        "Replace",
        "Reverse",
        "StrIndex",
        "SearchVector",
        "TrigramSimilarity",
        # indexes, constraints, generic relations
        "Index",
        "UniqueConstraint",
        "GenericForeignKey",
    }
)
#: Keyword arguments whose values are field names, wherever they are passed.
_STRING_KEYWORDS: Final = frozenset(
    {
        "fields",
        "update_fields",
        "field_name",
        "to_field",
        "order_by",
        "ordering",
        "partition_by",
        "include",
        "exclude",
        "through_fields",
        "from_fields",
        "to_fields",
        "ct_field",
        "fk_field",
        "content_type_field",
        "object_id_field",
        "unique_for_date",
        "unique_for_month",
        "unique_for_year",
    }
)
#: Class (and module) attributes that list field names: model and form Meta,
#: the admin, common third-party field lists.
_FIELD_LISTS: Final = frozenset(
    {
        "fields",
        "exclude",
        "ordering",
        "unique_together",
        "index_together",
        "get_latest_by",
        "order_with_respect_to",
        "list_display",
        "list_display_links",
        "list_editable",
        "list_filter",
        "list_select_related",
        "search_fields",
        "readonly_fields",
        "raw_id_fields",
        "autocomplete_fields",
        "radio_fields",
        "prepopulated_fields",
        "filter_horizontal",
        "filter_vertical",
        "sortable_by",
        "date_hierarchy",
        "fieldsets",
        "read_only_fields",
        "filterset_fields",
        "ordering_fields",
        "REQUIRED_FIELDS",
        "USERNAME_FIELD",
        "EMAIL_FIELD",
    }
)
_READ_BY_NAME: Final = frozenset({"getattr", "hasattr"})
_WRITE_BY_NAME: Final = frozenset({"setattr", "delattr"})
_LOOKUP_PATH: Final = re.compile(r"-?\w+(?:__\w+)*")
#: Directories never searched (nor hidden ones, nor virtualenvs, when walking a directory).
_SKIPPED_DIRS: Final = frozenset({"migrations", "__pycache__", "node_modules", "site-packages"})
_TEMPLATE_SUFFIXES: Final = frozenset({".html", ".txt"})
_TEMPLATE_TAG: Final = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


@dataclass(frozen=True, order=True)
class Usage:
    """One place that uses the field; ``line`` and ``column`` count from 1.

    ``kind`` is ``attribute`` (``obj.location_name``, ``getattr(obj,
    "location_name")``), ``keyword`` (``filter(location_name=...)``,
    ``Q(location_name__in=...)``, ``Server(location_name=...)``), ``string``
    (``values("location_name")``, ``order_by("-location_name")``,
    ``F("location_name")``, ``Meta`` options, admin and form field lists),
    ``key`` (``row["location_name"]``, ``{"location_name": ...}``),
    ``template`` (``{{ server.location_name }}``) or ``unparsed``: a Python
    file that could not be parsed, so was not searched (``text`` says why,
    ``line`` and ``column`` say where).
    """

    path: Path
    line: int
    column: int
    kind: Kind
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.kind}: {self.text}"


@dataclass(frozen=True)
class Found:
    """A node that uses the field, as the visitor reports it."""

    node: cst.CSTNode
    kind: Kind
    #: Assigned or deleted (``obj.field = ...``, ``setattr``), not read.
    write: bool = False


def mentions(value: str, field_name: str) -> bool:
    """Whether a string is a field name or lookup path going through ``field_name``."""
    if _LOOKUP_PATH.fullmatch(value) is None:
        return False
    return field_name in value.removeprefix("-").split("__")


def _strings_in(node: cst.BaseExpression) -> Iterator[cst.SimpleString]:
    """The string literals of ``node`` and of the lists, tuples and dicts it is made of."""
    if isinstance(node, cst.SimpleString):
        yield node
    elif isinstance(node, cst.List | cst.Tuple | cst.Set):
        for element in node.elements:
            yield from _strings_in(element.value)
    elif isinstance(node, cst.Dict):
        for item in node.elements:
            if isinstance(item, cst.DictElement):
                yield from _strings_in(item.key)
            yield from _strings_in(item.value)
    elif isinstance(node, cst.StarredElement):
        yield from _strings_in(node.value)


def _targets(node: cst.BaseExpression) -> Iterator[cst.Attribute]:
    if isinstance(node, cst.Attribute):
        yield node
    elif isinstance(node, cst.List | cst.Tuple):
        for element in node.elements:
            yield from _targets(element.value)
    elif isinstance(node, cst.StarredElement):
        yield from _targets(node.value)


class FieldUses(cst.CSTVisitor):
    """Collects the nodes of a module that use ``field_name`` (see ``Usage`` for how)."""

    def __init__(self, field_name: str, *, in_meta: bool = False) -> None:
        super().__init__()
        self.field_name = field_name
        self.found: dict[int, Found] = {}
        self._writes: set[int] = set()
        #: Inside a ``class Meta``, where every string naming the field is a use.
        self._meta_depth = 1 if in_meta else 0

    def _add(self, node: cst.CSTNode, kind: Kind, write: bool = False) -> None:
        self.found.setdefault(id(node), Found(node, kind, write))

    def _add_strings(self, node: cst.BaseExpression, kind: Kind = "string") -> None:
        for string in _strings_in(node):
            text = string_value(string)
            if text is not None and mentions(text, self.field_name):
                self._add(string, kind)

    def results(self) -> list[Found]:
        return list(self.found.values())

    # Imports name modules, not attributes.
    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if node.name.value == "Meta":
            self._meta_depth += 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        if original_node.name.value == "Meta":
            self._meta_depth -= 1

    def _assigned(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        self._writes.update(id(attribute) for attribute in _targets(target))
        if value is not None and isinstance(target, cst.Name) and target.value in _FIELD_LISTS:
            self._add_strings(value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assigned(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._assigned(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._assigned(node.target, None)

    def visit_Del(self, node: cst.Del) -> None:
        self._assigned(node.target, None)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == self.field_name:
            self._add(node.attr, "attribute", write=id(node) in self._writes)

    def visit_Call(self, node: cst.Call) -> None:
        callee = callee_name(node)
        if callee in _READ_BY_NAME or callee in _WRITE_BY_NAME:
            if len(node.args) > 1 and isinstance(node.args[1].value, cst.SimpleString):
                string = node.args[1].value
                if string_value(string) == self.field_name:
                    self._add(string, "attribute", write=callee in _WRITE_BY_NAME)
            return
        for arg in node.args:
            if (arg.keyword is None and callee in _STRING_CALLEES) or (
                arg.keyword is not None and arg.keyword.value in _STRING_KEYWORDS
            ):
                self._add_strings(arg.value)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and self.field_name in node.keyword.value.split("__"):
            self._add(node.keyword, "keyword")

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            value = node.slice[0].slice.value
            if isinstance(value, cst.SimpleString):
                self._add_strings(value, "key")

    def visit_Dict(self, node: cst.Dict) -> None:
        for item in node.elements:
            if isinstance(item, cst.DictElement) and isinstance(item.key, cst.SimpleString):
                self._add_strings(item.key, "key")

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if self._meta_depth:
            self._add_strings(node)


# -- Searching files -----------------------------------------------------------------


def find_usages(
    paths: Iterable[str | os.PathLike[str]], *, model_name: str, field_name: str
) -> list[Usage]:
    """Every place under ``paths`` (files or directories) that uses ``field_name``.

    Python files are parsed; templates (``*.html``, ``*.txt``) are searched
    inside their ``{{ }}`` and ``{% %}`` tags for ``.field_name``, a quoted
    ``"field_name"`` and ``regroup ... by field_name``. Directories called
    ``migrations`` (old migrations keep the old field on purpose), hidden
    directories, virtualenvs and caches are skipped; so are files given
    one by one that are in a ``migrations`` or ``site-packages`` directory.
    Types are not known, so ``model_name`` only names the field in messages:
    an attribute of that name is reported whatever object it is read from. ``model_name``'s own
    definition of the field is not a use. Sorted by path, line and column.
    """
    usages: set[Usage] = set()
    for path in project_files(paths, f"{model_name}.{field_name}"):
        if field_name not in _read(path):
            continue
        if path.suffix == ".py":
            usages.update(_python_usages(path, model_name, field_name))
        else:
            usages.update(_template_usages(path, field_name))
    return sorted(usages)


def project_files(paths: Iterable[str | os.PathLike[str]], label: str) -> Iterator[Path]:
    """The Python files under ``paths`` worth searching (no migrations, virtualenvs, caches);
    ``label`` names what is searched for in the error for a missing path."""
    seen: set[Path] = set()
    for given in paths:
        root = Path(given)
        if root.is_file():
            # A list of files (``rglob("*.py")``) skips migrations and virtualenvs too.
            skipped = _SKIPPED_DIRS.intersection(root.parent.parts)
            candidates: Iterable[Path] = [] if skipped else [root]
        elif root.is_dir():
            candidates = walk(root)
        else:
            raise CodemodError(
                f"Cannot search {str(root)!r} for usages of {label!r}: there is no such "
                "file or directory; pass the project's directories."
            )
        for path in candidates:
            if path not in seen:
                seen.add(path)
                yield path


def walk(root: Path) -> Iterator[Path]:
    """The files below ``root``, in a stable order, skipping the directories nobody edits."""
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(
            name
            for name in subdirectories
            if name not in _SKIPPED_DIRS
            and not name.startswith(".")
            and not (Path(directory) / name / "pyvenv.cfg").exists()
        )
        for name in sorted(files):
            path = Path(directory) / name
            if path.suffix == ".py" or path.suffix in _TEMPLATE_SUFFIXES:
                yield path


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CodemodError(
            f"Cannot read {str(path)!r} to search it for usages: {error.strerror}; "
            "check its permissions or leave it out of the paths."
        ) from error
    return data.decode("utf-8", errors="replace")


def _python_usages(path: Path, model_name: str, field_name: str) -> Iterator[Usage]:
    text = _read(path)
    try:
        source = Source(text, str(path))
    except CodemodError as error:
        line, column, _message = syntax_error(text, "exec") or (1, 1, "")
        yield Usage(path, line, column, "unparsed", str(error))
        return
    visitor = FieldUses(field_name)
    source.module.visit(visitor)
    for found in visitor.results():
        start = source.range(found.node).start
        yield Usage(path, start.line, start.column + 1, found.kind, source.text(start.line))


def _template_usages(path: Path, field_name: str) -> Iterator[Usage]:
    text = _read(path)
    name = re.compile(rf"(?:\.|\bby\s+|[\"']-?)({re.escape(field_name)})(?![\w])")
    line_starts = [0] + [match.end() for match in re.finditer(r"\n", text)]
    lines = text.split("\n")
    for tag in _TEMPLATE_TAG.finditer(text):
        for match in name.finditer(text, tag.start(), tag.end()):
            offset = match.start(1)
            line = bisect.bisect_right(line_starts, offset)
            column = offset - line_starts[line - 1] + 1
            yield Usage(path, line, column, "template", lines[line - 1].strip())
