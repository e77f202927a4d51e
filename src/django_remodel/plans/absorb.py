"""The plan of ``remodel absorb``: a one-to-one profile folded into the model it extends.

``accounts.Profile --into accounts.User`` plans the profile's fields added to
the user, each user's values copied from its profile (users without one keep
the fields' defaults), every foreign key to the profile repointed to the
user the profile belonged to, and the profile model deleted.

A plan is pure data (labels and names), checked against the model graph when
built, and round-trips through TOML (``--plan-out``, ``--plan``).
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps

from django_remodel import toml
from django_remodel.errors import RemodelError
from django_remodel.graph import ModelGraph, ModelKind, ModelNode, RelationKind
from django_remodel.operations.batching import DEFAULT_BATCH_SIZE


class AbsorbError(RemodelError):
    """An absorb that cannot be planned as asked."""


@dataclass(frozen=True)
class Reference:
    """A foreign key to the profile, and the temporary key to the user that replaces it."""

    model: str
    field: str
    new_field: str
    null: bool = False

    @property
    def object_name(self) -> str:
        return self.model.split(".")[1]


@dataclass(frozen=True)
class AbsorbPlan:
    """What ``remodel absorb`` will change, and how."""

    source: str
    """The profile (``accounts.Profile``), deleted at the end."""
    target: str
    """The model it extends (``accounts.User``), which takes its fields."""
    link: str
    """The profile's one-to-one field to the target (``user``)."""
    accessor: str
    """The target's reverse accessor and query name for the profile (``profile``)."""
    fields: tuple[str, ...]
    references: tuple[Reference, ...] = ()
    batch_size: int = DEFAULT_BATCH_SIZE
    lock_timeout_ms: int | None = None
    pause: float = 0.0
    name: str | None = None

    @property
    def app_label(self) -> str:
        return self.target.split(".")[0]

    @property
    def source_name(self) -> str:
        return self.source.split(".")[1]

    @property
    def target_name(self) -> str:
        return self.target.split(".")[1]


def build_plan(graph: ModelGraph, source: str, target: str | None, **options: Any) -> AbsorbPlan:
    """Check the profile and its target against the project and plan the absorb."""
    if not source or not target:
        raise AbsorbError(
            "Name the profile and the model that takes its fields: remodel absorb "
            "app.Profile --into app.User (or --plan FILE)."
        )
    batch_size = options.get("batch_size")
    batch_size = DEFAULT_BATCH_SIZE if batch_size is None else batch_size
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 0:
        raise AbsorbError(
            f"--batch-size {batch_size!r} is not a number of rows; give 0 or more (0: every "
            "row in one statement)."
        )
    profile = graph.model(source)
    into = graph.model(target)
    for node, role in ((profile, "profile"), (into, "target")):
        if not node.first_party:
            hint = (
                " Swap in a user model of your own first: remodel swap-user APP."
                if role == "target" and node.label == "auth.User"
                else ""
            )
            raise AbsorbError(
                f"{node.label} (the {role}) belongs to an installed package; it cannot be "
                f"edited.{hint}"
            )
        if node.kind != ModelKind.CONCRETE:
            raise AbsorbError(
                f"{node.label} (the {role}) is a {node.kind} model; absorb folds one concrete "
                "model into another. Detach it from its parent first (remodel detach)."
            )
    if profile.label == into.label:
        raise AbsorbError(f"{profile.label} cannot absorb itself; name two models.")
    if profile.app_label != into.app_label:
        raise AbsorbError(
            f"{profile.label} is in app {profile.app_label!r} but {into.label} is in "
            f"{into.app_label!r}; absorb writes one app's migrations, so move the profile "
            "into the target's app first."
        )
    link = _link(graph, profile, into)
    names = _fields(profile, into, link)
    references = _references(graph, profile, into)
    return AbsorbPlan(
        source=profile.label,
        target=into.label,
        link=link,
        accessor=options.get("accessor") or _accessor(profile, link),
        fields=names,
        references=references,
        batch_size=batch_size,
        lock_timeout_ms=options.get("lock_timeout_ms"),
        pause=options.get("pause") or 0.0,
        name=options.get("name"),
    )


def _accessor(profile: ModelNode, link: str) -> str:
    field: Any = global_apps.get_model(profile.label)._meta.get_field(link)
    return str(field.remote_field.get_accessor_name())


def _link(graph: ModelGraph, profile: ModelNode, into: ModelNode) -> str:
    links = [
        edge.field
        for edge in graph.outgoing(profile.label)
        if edge.kind == RelationKind.ONE_TO_ONE and edge.target == into.label
    ]
    if len(links) != 1:
        found = f"has {len(links)} ({', '.join(links)})" if links else "has none"
        raise AbsorbError(
            f"{profile.label} needs exactly one one-to-one field to {into.label} to be "
            f"absorbed into it, and {found}."
        )
    if profile.field(links[0]).null:
        raise AbsorbError(
            f"{profile.label}.{links[0]} is nullable: a profile without a {into.object_name} "
            "would have nowhere to go. Delete those rows and make the field NOT NULL first."
        )
    return links[0]


def _fields(profile: ModelNode, into: ModelNode, link: str) -> tuple[str, ...]:
    taken = {f.name for f in into.fields} | {f.attname for f in into.fields}
    names = []
    for field in profile.fields:
        if field.primary_key or field.name == link:
            continue
        if field.column is None:
            raise AbsorbError(
                f"{profile.label}.{field.name} is a {field.internal_type}, which has no column "
                f"to copy into {into.label}. Move or remove it by hand first."
            )
        if field.name in taken or field.attname in taken:
            raise AbsorbError(
                f"{into.label} already has a field {field.name!r}, like {profile.label}; "
                "rename one of them first."
            )
        names.append(field.name)
    if not names:
        raise AbsorbError(f"{profile.label} has no fields to absorb besides its link.")
    return tuple(names)


def _references(graph: ModelGraph, profile: ModelNode, into: ModelNode) -> tuple[Reference, ...]:
    found = []
    for edge in graph.incoming(profile.label):
        if edge.kind != RelationKind.FOREIGN_KEY:
            raise AbsorbError(
                f"{edge.source}.{edge.field} is a {edge.kind} to {profile.label}; absorb only "
                "repoints foreign keys. Turn it into a foreign key, or remove it, first."
            )
        source = graph.model(edge.source)
        if source.app_label != profile.app_label:
            raise AbsorbError(
                f"{edge.source}.{edge.field} refers to {profile.label} from app "
                f"{source.app_label!r}; absorb writes the migrations of {profile.app_label!r} "
                "only. Repoint it to the user by hand first."
            )
        new_field = f"{edge.field}_{into.object_name.lower()}"
        taken = {f.name for f in source.fields} | {f.attname for f in source.fields}
        if new_field in taken or f"{new_field}_id" in taken:
            raise AbsorbError(
                f"{edge.source} already has a field {new_field!r}, the name absorb gives the "
                f"key replacing {edge.field!r} while both exist; rename that field first."
            )
        found.append(Reference(edge.source, edge.field, new_field, edge.null))
    return tuple(found)


def dump_plan(plan: AbsorbPlan, figures: dict[str, int] | None = None) -> str:
    """The plan as TOML, to review and edit; ``figures`` are counts only, never values."""
    data = asdict(plan)
    data["references"] = [
        {"model": r.model, "field": r.field, "new_field": r.new_field, "null": r.null}
        for r in plan.references
    ]
    lines = [
        "# remodel absorb plan: review, edit, then run",
        "#   python manage.py remodel absorb --plan THIS_FILE",
        "# link, fields and references are read from the project again when the plan is",
        "# carried out; edit the choices.",
        "",
        *toml.table("absorb", data),
    ]
    if figures:
        lines += ["", "# Measured when the plan was made (counts only):"]
        lines += toml.table("figures", figures)
    return "\n".join(lines) + "\n"


CHOICES: tuple[str, ...] = ("batch_size", "lock_timeout_ms", "pause", "name")


def load_plan(path: str | Path) -> tuple[str, str, dict[str, Any]]:
    """The profile, the target and the choices of a plan written by ``dump_plan``."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise AbsorbError(f"Cannot read the plan {str(path)!r}: {error}.") from None
    section = data.get("absorb")
    if not isinstance(section, dict):
        raise AbsorbError(f"The plan {str(path)!r} has no [absorb] table.")
    known = {f.name for f in fields(AbsorbPlan)}
    unknown = sorted(set(section) - known)
    if unknown:
        raise AbsorbError(
            f"The plan {str(path)!r} has unknown keys: {', '.join(unknown)}. "
            f"Known keys: {', '.join(sorted(known))}."
        )
    source, target = section.get("source"), section.get("target")
    if not isinstance(source, str) or not isinstance(target, str):
        raise AbsorbError(f"The plan {str(path)!r} names no source and target model.")
    return source, target, {key: section[key] for key in CHOICES if key in section}
