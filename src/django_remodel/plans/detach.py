"""The plan of ``remodel detach``: multi-table children stop inheriting from their parent.

``alerts.MaintainerCriteria alerts.ContributorCriteria`` plans, for each child,
copies of the parent's fields (nullable, then filled and made NOT NULL), its
parent link turned into a primary key of its own with the same values, and
for each foreign key to the parent either one key per child (``split``) or a
content type and object id (``generic``). The parent is deleted once no child
is left and every row moved, or kept (``keep_parent``).

A parent row in no detached child, or a reference to one, is an *orphan*:
``orphans`` says what to do (``error``, ``null``: references to them lose
their target, ``keep-parent``: the parent stays for them).

A plan is pure data (labels and names), checked against the model graph when
built, and round-trips through TOML (``--plan-out``, ``--plan``).
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from django_remodel import toml
from django_remodel.errors import RemodelError
from django_remodel.graph import ModelGraph, ModelKind, ModelNode, RelationKind
from django_remodel.operations.batching import DEFAULT_BATCH_SIZE

REFERENCE_CHOICES = ("split", "generic")
ORPHAN_CHOICES = ("error", "null", "keep-parent")


class DetachError(RemodelError):
    """A detach that cannot be planned as asked."""


@dataclass(frozen=True)
class Reference:
    """A foreign key to the parent, and the fields that replace it."""

    model: str
    field: str
    new_fields: tuple[str, ...]
    """``split``: one key per child, in the plan's order; ``generic``: content type, object id."""
    null: bool = False

    @property
    def object_name(self) -> str:
        return self.model.split(".")[1]


@dataclass(frozen=True)
class DetachPlan:
    """What ``remodel detach`` will change, and how."""

    parent: str
    children: tuple[str, ...]
    links: tuple[str, ...]
    """Each child's parent link (``criteria``, ``criteria_ptr``), in the order of children."""
    fields: tuple[str, ...]
    """The parent's fields each child takes over."""
    references: tuple[Reference, ...] = ()
    reference_kind: str = "split"
    orphans: str = "error"
    keep_parent: bool = False
    """Keep the parent model (with the rows that are in no child)."""
    base_name: str | None = None
    """With ``keep_parent``: the abstract model holding the shared fields."""
    batch_size: int = DEFAULT_BATCH_SIZE
    lock_timeout_ms: int | None = None
    pause: float = 0.0
    name: str | None = None
    remaining_children: tuple[str, ...] = ()
    """Children of the parent that are not detached (they keep the parent)."""

    @property
    def app_label(self) -> str:
        return self.parent.split(".")[0]

    @property
    def parent_name(self) -> str:
        return self.parent.split(".")[1]

    @property
    def child_names(self) -> tuple[str, ...]:
        return tuple(label.split(".")[1] for label in self.children)

    @property
    def drops_parent(self) -> bool:
        return not self.keep_parent


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def build_plan(graph: ModelGraph, children: list[str], **options: Any) -> DetachPlan:
    """Check the children against the project and plan detaching them from their parent."""
    if not children:
        raise DetachError(
            "Name the children to detach: remodel detach app.Child [app.Child ...] "
            "(or --plan FILE)."
        )
    nodes = [graph.model(label) for label in children]
    if len({n.label for n in nodes}) != len(nodes):
        raise DetachError("A child is named twice; name each one once.")
    parent = _parent_of(graph, nodes)
    reference_kind = options.get("reference_kind") or "split"
    if reference_kind not in REFERENCE_CHOICES:
        raise DetachError(
            f"--references {reference_kind!r} is not one of {', '.join(REFERENCE_CHOICES)}."
        )
    orphans = options.get("orphans") or "error"
    if orphans not in ORPHAN_CHOICES:
        raise DetachError(f"--orphans {orphans!r} is not one of {', '.join(ORPHAN_CHOICES)}.")
    if reference_kind == "generic" and "contenttypes" not in graph.app_labels():
        raise DetachError(
            "--references generic stores a content type, but django.contrib.contenttypes is "
            "not installed; add it to INSTALLED_APPS and migrate, or use --references split."
        )
    remaining = tuple(
        n.label for n in graph.children(parent.label) if n.label not in {c.label for c in nodes}
    )
    keep_parent = bool(options.get("keep_parent")) or orphans == "keep-parent" or bool(remaining)
    parent_fields = _parent_fields(graph, parent)
    links = tuple(_link(child, parent) for child in nodes)
    references = _references(graph, parent, nodes, reference_kind)
    batch_size = options.get("batch_size")
    batch_size = DEFAULT_BATCH_SIZE if batch_size is None else batch_size
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 0:
        raise DetachError(
            f"--batch-size {batch_size!r} is not a number of rows; give 0 or more (0: every "
            "row in one statement)."
        )
    base_name = options.get("base_name") or (f"{parent.object_name}Base" if keep_parent else None)
    if (
        keep_parent
        and base_name
        and any(n.app_label == parent.app_label and n.object_name == base_name for n in graph)
    ):
        raise DetachError(
            f"The abstract base {base_name!r} that would hold {parent.label}'s fields names a "
            f"model of {parent.app_label!r} already; choose another name in the plan (base_name)."
        )
    return DetachPlan(
        parent=parent.label,
        children=tuple(n.label for n in nodes),
        links=links,
        fields=parent_fields,
        references=references,
        reference_kind=reference_kind,
        orphans=orphans,
        keep_parent=keep_parent,
        base_name=base_name if keep_parent else None,
        batch_size=batch_size,
        lock_timeout_ms=options.get("lock_timeout_ms"),
        pause=options.get("pause") or 0.0,
        name=options.get("name"),
        remaining_children=remaining,
    )


def _parent_of(graph: ModelGraph, nodes: list[ModelNode]) -> ModelNode:
    parents = set()
    for node in nodes:
        if node.kind != ModelKind.MULTI_TABLE_CHILD:
            raise DetachError(
                f"{node.label} is a {node.kind} model, not a multi-table child: it has no "
                "parent table to detach from. Name models that inherit from a concrete model."
            )
        if not node.first_party:
            raise DetachError(f"{node.label} belongs to an installed package; it cannot be edited.")
        if len(node.parents) != 1:
            raise DetachError(
                f"{node.label} inherits from several concrete models ({', '.join(node.parents)}); "
                "detach handles one parent; remove the others by hand first."
            )
        if graph.children(node.label):
            grandchildren = ", ".join(n.label for n in graph.children(node.label))
            raise DetachError(
                f"{node.label} is itself the parent of {grandchildren}; detach those from it first."
            )
        parents.add(node.parents[0])
    if len(parents) > 1:
        raise DetachError(
            f"The children have different parents ({', '.join(sorted(parents))}); detach the "
            "children of one parent at a time."
        )
    parent = graph.model(parents.pop())
    if parent.kind != ModelKind.CONCRETE:
        raise DetachError(
            f"{parent.label}, the parent of {nodes[0].label}, is a {parent.kind} model itself "
            f"(it inherits from {', '.join(parent.parents) or 'another model'}). Detach "
            f"{parent.label} from its own parent first, then its children: the columns of a "
            "chain live in several tables, and one join per child only reaches one of them."
        )
    for node in nodes:
        if node.app_label != parent.app_label:
            raise DetachError(
                f"{node.label} is in app {node.app_label!r} but its parent {parent.label} is in "
                f"{parent.app_label!r}; detach writes one app's migrations, so move the child "
                "into the parent's app (or detach by hand)."
            )
    if not parent.first_party:
        raise DetachError(f"{parent.label} belongs to an installed package; it cannot be edited.")
    return parent


def _parent_fields(graph: ModelGraph, parent: ModelNode) -> tuple[str, ...]:
    names = []
    for field in parent.fields:
        if field.primary_key:
            if field.internal_type not in ("AutoField", "BigAutoField", "SmallAutoField"):
                raise DetachError(
                    f"{parent.label}'s primary key {field.name!r} is a {field.internal_type}; "
                    "detach gives each child a numbered key of its own, which needs an "
                    "AutoField-like parent key."
                )
            continue
        if field.column is None:
            if field.internal_type == "ManyToManyField":
                raise DetachError(
                    f"{parent.label}.{field.name} is a many-to-many field; its rows cannot be "
                    "copied into a child's columns. Remove it, or move it to the children, first."
                )
            continue
        names.append(field.name)
    return tuple(names)


def _link(child: ModelNode, parent: ModelNode) -> str:
    for field in child.fields:
        if field.primary_key and field.related_model == parent.label:
            return field.name
    raise DetachError(
        f"{child.label}'s primary key is not its link to {parent.label}; detach needs the link "
        "as the child's key (Django's default)."
    )


def _references(
    graph: ModelGraph, parent: ModelNode, children: list[ModelNode], kind: str
) -> tuple[Reference, ...]:
    found = []
    for edge in graph.incoming(parent.label):
        if edge.kind == RelationKind.PARENT_LINK:
            continue  # the children's links, detached or remaining
        source = graph.model(edge.source)
        if edge.kind != RelationKind.FOREIGN_KEY:
            raise DetachError(
                f"{edge.source}.{edge.field} is a {edge.kind} to {parent.label}; detach only "
                "replaces foreign keys. Turn it into a foreign key, or remove it, first."
            )
        if source.app_label != parent.app_label:
            raise DetachError(
                f"{edge.source}.{edge.field} refers to {parent.label} from app "
                f"{source.app_label!r}; detach writes the migrations of {parent.app_label!r} "
                "only. Move that reference into a model of that app, or replace it by hand."
            )
        field = edge.field
        if kind == "generic":
            new_fields: tuple[str, ...] = (f"{field}_content_type", f"{field}_object_id")
        else:
            new_fields = tuple(_snake(c.object_name) for c in children)
        taken = {f.name for f in source.fields} | {f.attname for f in source.fields}
        clashes = [name for name in new_fields if name in taken or f"{name}_id" in taken]
        if clashes:
            raise DetachError(
                f"{edge.source} already has a field {clashes[0]!r}, the name detach gives the "
                f"new reference replacing {field!r}; rename that field first."
            )
        found.append(Reference(edge.source, field, new_fields, edge.null))
    return tuple(found)


def dump_plan(plan: DetachPlan, figures: dict[str, int] | None = None) -> str:
    """The plan as TOML, to review and edit; ``figures`` are counts only, never values."""
    data = asdict(plan)
    data["references"] = [
        {"model": r.model, "field": r.field, "new_fields": list(r.new_fields), "null": r.null}
        for r in plan.references
    ]
    lines = [
        "# remodel detach plan: review, edit, then run",
        "#   python manage.py remodel detach --plan THIS_FILE",
        "# parent, links, fields, references and remaining_children are read from the",
        "# project again when the plan is carried out; edit the choices.",
        "",
        *toml.table("detach", data),
    ]
    if figures:
        lines += ["", "# Measured when the plan was made (counts only):"]
        lines += toml.table("figures", figures)
    return "\n".join(lines) + "\n"


CHOICES: tuple[str, ...] = (
    "reference_kind",
    "orphans",
    "keep_parent",
    "base_name",
    "batch_size",
    "lock_timeout_ms",
    "pause",
    "name",
)


def load_plan(path: str | Path) -> tuple[list[str], dict[str, Any]]:
    """The children and choices of a plan written by ``dump_plan`` (and perhaps edited)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise DetachError(f"Cannot read the plan {str(path)!r}: {error}.") from None
    section = data.get("detach")
    if not isinstance(section, dict):
        raise DetachError(f"The plan {str(path)!r} has no [detach] table.")
    known = {f.name for f in fields(DetachPlan)}
    unknown = sorted(set(section) - known)
    if unknown:
        raise DetachError(
            f"The plan {str(path)!r} has unknown keys: {', '.join(unknown)}. "
            f"Known keys: {', '.join(sorted(known))}."
        )
    children = section.get("children")
    if not isinstance(children, list) or not all(isinstance(c, str) for c in children):
        raise DetachError(f"The plan {str(path)!r} has no list of children.")
    return children, {key: section[key] for key in CHOICES if key in section}
