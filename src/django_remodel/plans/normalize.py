"""The plan of ``remodel normalize``: a repeated string column becomes its own table.

``server.Server.location_name --into server.Location.name`` plans a ``Location``
model (new, or existing and perhaps holding some of the values) with a unique
``name``, a ``Server.location`` foreign key, and three migrations: expand (the
table and a nullable key), backfill (values moved by the database, verified),
contract (the key made non-null where it can be, the old column dropped).

A plan is pure data: labels, names and options, no model classes. It is
checked against the model graph when built, and round-trips through TOML so a
person can review and edit it (``--plan-out``, ``--plan``).
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from django_remodel import toml
from django_remodel.errors import RemodelError, UnknownFieldError
from django_remodel.graph import FieldNode, ModelGraph, ModelKind, ModelNode
from django_remodel.operations.batching import DEFAULT_BATCH_SECONDS, DEFAULT_BATCH_SIZE

ON_DELETE_CHOICES = ("PROTECT", "CASCADE", "SET_NULL", "RESTRICT", "DO_NOTHING")
_TEXT_TYPES = frozenset({"CharField", "SlugField", "EmailField", "URLField", "TextField"})
_INTEGER_KEYS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
    }
)


__all__ = [
    "DEFAULT_BATCH_SIZE",
    "ON_DELETE_CHOICES",
    "NormalizeError",
    "NormalizePlan",
    "build_plan",
    "check_values_fit",
    "dump_plan",
    "load_plan",
]


class NormalizeError(RemodelError):
    """A normalization that cannot be planned as asked."""


@dataclass(frozen=True)
class NormalizePlan:
    """What ``remodel normalize`` will change, and how."""

    source_model: str
    source_field: str
    target_model: str
    target_field: str
    fk_name: str
    target_exists: bool
    max_length: int | None
    """Length of the target's value field (the source's, for a new target)."""
    on_delete: str = "PROTECT"
    related_name: str | None = None
    db_index: bool = True
    nullable: bool = False
    """Whether the foreign key stays nullable after the contract step."""
    strip: bool = False
    casefold: bool = False
    empty_as_null: bool = False
    batch_size: int = DEFAULT_BATCH_SIZE
    """Above this many rows the backfill commits in key ranges of this many rows;
    0: every row in one statement, in one transaction."""
    batch_seconds: float = DEFAULT_BATCH_SECONDS
    """Each batch after the first is sized to take about this long, commit included;
    0: every batch is ``batch_size`` rows."""
    lock_timeout_ms: int | None = None
    pause: float = 0.0
    shim: bool = False
    name: str | None = None
    """Base name of the three migrations (``<name>_expand`` ...); None: Django's own names."""
    drop_indexes: tuple[str, ...] = ()
    """Names of the source model's indexes on the old column, dropped with it."""

    @property
    def source_app(self) -> str:
        return self.source_model.split(".")[0]

    @property
    def target_app(self) -> str:
        return self.target_model.split(".")[0]

    @property
    def target_object_name(self) -> str:
        return self.target_model.split(".")[1]

    def cleaning(self) -> str:
        """How values are cleaned before they are compared, in words."""
        steps = [
            word
            for flag, word in (
                (self.strip, "surrounding spaces removed"),
                (self.casefold, "lower-cased"),
                (self.empty_as_null, "empty strings become NULL"),
            )
            if flag
        ]
        return ", ".join(steps) if steps else "values kept exactly as they are"


def _split_field_label(label: str, what: str) -> tuple[str, str]:
    parts = label.split(".")
    if len(parts) != 3 or not all(parts):
        raise NormalizeError(
            f"{label!r} is not a field label; write the {what} as 'app_label.Model.field', "
            f"e.g. 'server.Server.location_name'."
        )
    return f"{parts[0]}.{parts[1]}", parts[2]


def build_plan(graph: ModelGraph, source: str, into: str, **options: Any) -> NormalizePlan:
    """Check ``source`` and ``into`` against the project and plan the normalization."""
    source_label, source_field = _split_field_label(source, "column to normalize")
    target_label, target_field = _split_field_label(into, "target (--into)")
    node = graph.model(source_label)
    field = node.field(source_field)
    _check_source(node, field)
    target_app, target_name = target_label.split(".")
    existing = next(
        (
            n
            for n in graph
            if n.app_label == target_app and n.object_name.lower() == target_name.lower()
        ),
        None,
    )
    if existing is None and target_app not in graph.app_labels():
        raise NormalizeError(
            f"No installed app is labelled {target_app!r}; the target model must live in an "
            f"installed app (known: {', '.join(graph.app_labels())})."
        )
    max_length = field.max_length
    if existing is not None:
        max_length = _check_existing_target(existing, target_field, field)
        target_label = existing.label
    fk_name = options.pop("fk_name", None) or _fk_name(source_field, target_name)
    _check_fk_name(node, fk_name, source_field)
    plan = NormalizePlan(
        source_model=node.label,
        source_field=field.name,
        target_model=target_label,
        target_field=target_field,
        fk_name=fk_name,
        target_exists=existing is not None,
        max_length=max_length,
        nullable=field.null,
        drop_indexes=tuple(options.pop("drop_indexes", ())),
        **{k: v for k, v in options.items() if v is not None},
    )
    if isinstance(plan.batch_size, bool) or not isinstance(plan.batch_size, int):
        raise NormalizeError(f"batch_size {plan.batch_size!r} is not a number of rows.")
    if plan.batch_size < 0:
        raise NormalizeError(
            f"--batch-size {plan.batch_size} is negative; give a number of rows, or 0 to "
            "move every row in one statement."
        )
    if (
        isinstance(plan.batch_seconds, bool)
        or not isinstance(plan.batch_seconds, int | float)
        or not 0 <= plan.batch_seconds < float("inf")
    ):
        raise NormalizeError(
            f"--batch-seconds {plan.batch_seconds!r} is not a duration; give the seconds "
            "each batch should take, or 0 for batches of --batch-size rows each."
        )
    if plan.on_delete not in ON_DELETE_CHOICES:
        raise NormalizeError(
            f"--on-delete {plan.on_delete!r} is not one of {', '.join(ON_DELETE_CHOICES)}."
        )
    if plan.on_delete == "SET_NULL" and not plan.nullable:
        raise NormalizeError(
            f"--on-delete SET_NULL needs a nullable key: {node.label}.{fk_name} would be "
            f"NOT NULL; add --null."
        )
    if plan.empty_as_null and not plan.nullable:
        plan = replace(plan, nullable=True)
    return plan


def _check_source(node: ModelNode, field: FieldNode) -> None:
    label = f"{node.label}.{field.name}"
    if node.kind not in (ModelKind.CONCRETE, ModelKind.MULTI_TABLE_CHILD):
        raise NormalizeError(
            f"{node.label} is a {node.kind} model; normalize a column of a model with a "
            f"table of its own."
        )
    if not node.first_party:
        raise NormalizeError(f"{node.label} belongs to an installed package; it cannot be edited.")
    if field.related_model is not None:
        raise NormalizeError(f"{label} is already a relation to {field.related_model}.")
    if field.inherited_from is not None:
        raise NormalizeError(
            f"{label} is stored in the table of {field.inherited_from}; normalize "
            f"{field.inherited_from}.{field.name} instead."
        )
    if field.internal_type not in _TEXT_TYPES:
        raise NormalizeError(
            f"{label} is a {field.internal_type}; only text columns (CharField, SlugField, "
            f"EmailField, URLField, TextField) can be normalized."
        )
    if field.unique or field.primary_key:
        raise NormalizeError(
            f"{label} is unique: every value appears once, so there is nothing to normalize."
        )
    pk = next((f for f in node.concrete_fields if f.primary_key), None)
    if pk is None:
        raise NormalizeError(f"{node.label} has no primary key of its own to batch by.")
    if pk.internal_type == "CompositePrimaryKey":
        raise NormalizeError(
            f"{node.label} has a composite primary key; batching by key range needs a "
            f"single-column key."
        )


def _check_existing_target(target: ModelNode, target_field: str, source: FieldNode) -> int | None:
    try:
        value_field = target.field(target_field)
    except UnknownFieldError:
        raise NormalizeError(
            f"{target.label} exists but has no field {target_field!r}; name one of its text "
            f"fields, or a new model, with --into."
        ) from None
    label = f"{target.label}.{target_field}"
    if value_field.internal_type not in _TEXT_TYPES:
        raise NormalizeError(f"{label} is a {value_field.internal_type}; it cannot hold text.")
    if not value_field.unique:
        raise NormalizeError(
            f"{label} is not unique; the lookup table needs one row per value. Make it "
            f"unique first (unique=True), or choose another target."
        )
    if (
        value_field.max_length is not None
        and source.max_length is not None
        and value_field.max_length < source.max_length
    ):
        raise NormalizeError(
            f"{label} holds at most {value_field.max_length} characters but "
            f"{source.name} may hold {source.max_length}; widen {label} first."
        )
    return value_field.max_length


def _fk_name(source_field: str, target_name: str) -> str:
    """``location_name`` -> ``location``; otherwise the target's name in snake case."""
    for suffix in ("_name", "_code", "_label", "_title", "_key"):
        if source_field.endswith(suffix) and len(source_field) > len(suffix):
            return source_field[: -len(suffix)]
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in target_name).lstrip("_")
    return snake if snake != source_field else f"{snake}_ref"


def _check_fk_name(node: ModelNode, fk_name: str, source_field: str) -> None:
    clashes = [
        f.name for f in node.fields if fk_name in (f.name, f.attname) or f"{fk_name}_id" == f.name
    ]
    if clashes and fk_name != source_field:
        raise NormalizeError(
            f"{node.label} already has a field {clashes[0]!r}; name the foreign key with --fk-name."
        )
    if fk_name == source_field:
        raise NormalizeError(
            f"The foreign key would have the old column's name {source_field!r}; name it "
            f"with --fk-name."
        )


def check_values_fit(plan: NormalizePlan, longest: int | None) -> None:
    """Raise when measured values are longer than the target's value field."""
    if longest is not None and plan.max_length is not None and longest > plan.max_length:
        raise NormalizeError(
            f"{plan.source_model}.{plan.source_field} holds values of up to {longest} "
            f"characters but {plan.target_model}.{plan.target_field} takes at most "
            f"{plan.max_length}; widen the target field first."
        )


def dump_plan(plan: NormalizePlan, figures: dict[str, int] | None = None) -> str:
    """The plan as TOML, to review and edit; ``figures`` are counts only, never values."""
    lines = [
        "# remodel normalize plan: review, edit, then run",
        "#   python manage.py remodel normalize --plan THIS_FILE",
        f"# Values are compared with {plan.cleaning()}.",
        "",
        *toml.table("normalize", asdict(plan)),
    ]
    if figures:
        lines += [
            "",
            "# Measured when the plan was made (counts only):",
            *toml.table("figures", figures),
        ]
    return "\n".join(lines) + "\n"


def load_plan(path: str | Path) -> NormalizePlan:
    """Read a plan written by ``dump_plan`` (and perhaps edited)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise NormalizeError(f"Cannot read the plan {str(path)!r}: {error}.") from None
    section = data.get("normalize")
    if not isinstance(section, dict):
        raise NormalizeError(f"The plan {str(path)!r} has no [normalize] table.")
    known = {f.name for f in fields(NormalizePlan)}
    unknown = sorted(set(section) - known)
    if unknown:
        raise NormalizeError(
            f"The plan {str(path)!r} has unknown keys: {', '.join(unknown)}. "
            f"Known keys: {', '.join(sorted(known))}."
        )
    if "drop_indexes" in section:
        section["drop_indexes"] = tuple(section["drop_indexes"])
    try:
        return NormalizePlan(**section)
    except TypeError as error:
        raise NormalizeError(f"The plan {str(path)!r} is incomplete: {error}.") from None
