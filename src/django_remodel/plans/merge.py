"""The plan of ``remodel merge``: several models storing the same entity become one.

``legacy.AppUser legacy.CustomerUser --into accounts.User --key email`` plans,
for every field of the sources, the field of the target it goes to (from the
audit's field mapping: the same concept and kind of value, overridable with
``--map`` and ``--skip``), the identity key that tells which rows are the same
entity (compared after a normalization: trimmed and case-insensitive for
emails by default), and, per target field, the policy that settles values the
sources disagree on:

- ``first``: the first source given that has the row wins;
- ``newest``: the source whose row has the latest timestamp (``newest_by``) wins;
- ``coalesce``: the first non-empty value, in source order;
- ``error``: a disagreement stops the merge.

Rows without a key are kept apart (``keyless = "separate"``: one target row
each) or refused (``"error"``). Every reference to a source (foreign keys,
one-to-ones, many-to-many tables, generic relations) is listed, to be
repointed at the target.

A plan is pure data (labels and names, no model classes), checked against the
model graph when built, and round-trips through TOML so that a person can
review and edit it.
"""

from __future__ import annotations

import keyword
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from django.apps import apps

from django_remodel import toml
from django_remodel.audit.duplicates import field_mapping, profile_model
from django_remodel.errors import RemodelError
from django_remodel.graph import (
    FieldNode,
    ModelGraph,
    ModelKind,
    ModelNode,
    RelationKind,
    _is_first_party,
)
from django_remodel.sql.merge import shared_source_code

POLICIES = ("first", "newest", "coalesce", "error")
KEY_NORMALIZATIONS = ("exact", "trim", "casefold", "trim-casefold")
KEYLESS = ("separate", "error")
_EMAIL_KEYS = frozenset({"EmailField"})
_TEXT_TYPES = frozenset({"CharField", "SlugField", "EmailField", "URLField", "TextField"})


ANY_SOURCE = "*"
"""The ``source`` of a generic reference: its rows may point at any of the sources."""


class MergeError(RemodelError):
    """A merge that cannot be planned as asked."""


@dataclass(frozen=True)
class MappedField:
    """One field of the target and the source fields that fill it, in source order."""

    name: str
    sources: tuple[tuple[str, str], ...]
    """``(source model label, source field name)``; sources without the field are left out."""
    policy: str = "first"
    new: bool = False
    """Whether the target lacks the field (the expand step adds it, shaped like the first
    source's field, nullable until the backfill)."""
    concept: str = ""

    def source_field(self, model: str) -> str | None:
        return dict(self.sources).get(model)


@dataclass(frozen=True)
class Reference:
    """A relation that points at a source model and must point at the target afterwards."""

    kind: str
    """``foreign key``, ``one-to-one``, ``many-to-many``, ``generic``."""
    model: str
    field: str
    source: str
    """The source model it points at (``*`` for a generic foreign key: any of them)."""
    through: str | None = None


@dataclass(frozen=True)
class MergePlan:
    """What ``remodel merge`` will change, and how."""

    sources: tuple[str, ...]
    target: str
    target_exists: bool
    key: str
    """The target field that identifies an entity."""
    key_fields: tuple[tuple[str, str], ...]
    """``(source model label, its key field)`` per source."""
    key_normalization: str
    fields: tuple[MappedField, ...]
    references: tuple[Reference, ...] = ()
    skipped: tuple[str, ...] = ()
    """``app.Model.field`` of each source field left out on purpose."""
    newest_by: tuple[tuple[str, str], ...] = ()
    """``(source model label, timestamp field)`` for the ``newest`` policy."""
    keyless: str = "separate"
    target_is_user_model: bool = False
    name: str | None = None
    fills: tuple[tuple[str, str], ...] = ()
    """``(target field, other target field)``: a row whose sources have nothing for the
    first takes what they give the second (``--fill username=email``)."""
    batch_size: int | None = None
    lock_timeout_ms: int | None = None
    pause: float = 0.0

    @property
    def target_app(self) -> str:
        return self.target.split(".")[0]

    def key_field_of(self, model: str) -> str:
        return dict(self.key_fields)[model]

    def field(self, name: str) -> MappedField:
        for mapped in self.fields:
            if mapped.name == name:
                return mapped
        raise MergeError(f"The plan maps nothing to {self.target}.{name}.")


def _split_model(label: str, what: str) -> str:
    if label.count(".") != 1 or not all(label.split(".")):
        raise MergeError(f"{label!r} is not a model label; write the {what} as 'app_label.Model'.")
    return label


def _split_field(label: str, what: str) -> tuple[str, str]:
    parts = label.split(".")
    if len(parts) != 3 or not all(parts):
        raise MergeError(
            f"{label!r} is not a field label; write the {what} as 'app_label.Model.field'."
        )
    return f"{parts[0]}.{parts[1]}", parts[2]


def parse_assignments(items: Iterable[str], what: str) -> dict[tuple[str, str], str]:
    """``app.Model.field=value`` items (``--map``, ``--policy``) as a dict."""
    found: dict[tuple[str, str], str] = {}
    for item in items:
        left, sep, right = item.partition("=")
        if not sep or not right.strip():
            raise MergeError(f"{what} {item!r}: write it as app_label.Model.field=VALUE.")
        found[_split_field(left.strip(), what)] = right.strip()
    return found


def build_plan(
    graph: ModelGraph,
    sources: Sequence[str],
    into: str,
    *,
    key: str,
    maps: Mapping[tuple[str, str], str] | None = None,
    skips: Iterable[str] = (),
    policies: Mapping[str, str] | None = None,
    default_policy: str = "first",
    newest_by: Iterable[str] = (),
    keyless: str = "separate",
    key_normalization: str | None = None,
    name: str | None = None,
    fills: Mapping[str, str] | None = None,
    batch_size: int | None = None,
    lock_timeout_ms: int | None = None,
    pause: float = 0.0,
) -> MergePlan:
    """Check the sources and the target against the project and plan the merge.

    ``maps`` overrides the audit's mapping (``(model, field) -> target field``),
    ``skips`` leaves source fields out, ``policies`` sets the policy of target
    fields by name (``default_policy`` for the rest).
    """
    maps = dict(maps or {})
    policies = dict(policies or {})
    source_nodes = _check_sources(graph, sources, into)
    target_label = _split_model(into, "target (--into)")
    target_node = _find_model(graph, target_label)
    if target_node is None:
        _check_new_target(target_label)
    else:
        _check_target(graph, target_node)
        target_label = target_node.label
    problem = shared_source_code([target_label, *(node.label for node in source_nodes)])
    if problem is not None:
        raise MergeError(problem)
    skipped = tuple(dict.fromkeys(_check_skips(source_nodes, skips)))
    mapped = _map_fields(graph, source_nodes, target_node, maps, set(skipped))
    key_field = _check_key(mapped, target_node, key, [node.label for node in source_nodes])
    for policy in [default_policy, *policies.values()]:
        if policy not in POLICIES:
            raise MergeError(f"Policy {policy!r} is not one of {', '.join(POLICIES)}.")
    unknown = sorted(set(policies) - {m.name for m in mapped})
    if unknown:
        raise MergeError(
            f"--policy names {', '.join(repr(n) for n in unknown)}, which the plan does not map "
            f"to {target_label}; name target fields: {', '.join(m.name for m in mapped)}."
        )
    mapped = [
        replace(m, policy="first" if m.name == key else policies.get(m.name, default_policy))
        for m in mapped
    ]
    newest = _check_newest(source_nodes, newest_by, mapped)
    if keyless not in KEYLESS:
        raise MergeError(f"--keyless {keyless!r} is not one of {', '.join(KEYLESS)}.")
    if key_normalization is None:
        key_normalization = _default_normalization(
            source_nodes, key_field, next(m for m in mapped if m.name == key)
        )
    if key_normalization not in KEY_NORMALIZATIONS:
        raise MergeError(
            f"Key normalization {key_normalization!r} is not one of "
            f"{', '.join(KEY_NORMALIZATIONS)}."
        )
    fills = dict(fills or {})
    _check_fills(target_node, mapped, fills)
    _check_required(target_node, mapped, fills, [node.label for node in source_nodes], graph)
    return MergePlan(
        sources=tuple(node.label for node in source_nodes),
        target=target_label,
        target_exists=target_node is not None,
        key=key,
        key_fields=tuple((node.label, key_field[node.label]) for node in source_nodes),
        key_normalization=key_normalization,
        fields=tuple(mapped),
        references=_references(graph, source_nodes),
        skipped=skipped,
        newest_by=newest,
        keyless=keyless,
        target_is_user_model=target_label == graph.auth_user_model,
        name=name,
        fills=tuple(fills.items()),
        batch_size=batch_size or None,
        lock_timeout_ms=lock_timeout_ms,
        pause=pause,
    )


def _find_model(graph: ModelGraph, label: str) -> ModelNode | None:
    app, name = label.split(".")
    return next(
        (n for n in graph if n.app_label == app and n.object_name.lower() == name.lower()), None
    )


def _check_sources(graph: ModelGraph, sources: Sequence[str], into: str) -> list[ModelNode]:
    if not sources:
        raise MergeError("Name the models to merge: remodel merge app.A app.B --into app.Target.")
    nodes: list[ModelNode] = []
    for label in sources:
        node = graph.model(_split_model(label, "source model"))
        if node.label in (n.label for n in nodes):
            raise MergeError(f"{node.label} is named twice; name each source once.")
        if node.label.lower() == into.lower():
            raise MergeError(f"{node.label} is the target; name it with --into only.")
        if node.kind not in (ModelKind.CONCRETE, ModelKind.UNMANAGED):
            raise MergeError(
                f"{node.label} is a {node.kind} model; merge models with a table of their own "
                "(detach a multi-table child first: remodel detach)."
            )
        if not node.first_party:
            raise MergeError(f"{node.label} belongs to an installed package; it cannot be removed.")
        if not any(f.primary_key for f in node.concrete_fields):
            raise MergeError(f"{node.label} has no primary key of its own to map rows by.")
        nodes.append(node)
    return nodes


def _check_target(graph: ModelGraph, node: ModelNode) -> None:
    if node.kind != ModelKind.CONCRETE:
        raise MergeError(
            f"The target {node.label} is a {node.kind} model; merge into a concrete one."
        )
    if not node.first_party:
        hint = (
            " Take the user model over first: remodel swap-user <app>."
            if node.label == graph.auth_user_model
            else ""
        )
        raise MergeError(
            f"The target {node.label} belongs to an installed package, whose models cannot "
            f"take new fields.{hint}"
        )


def _check_new_target(label: str) -> None:
    """A target that does not exist yet is created in an installed app of the project, as a
    class whose name can be written in its ``models.py``."""
    app, name = label.split(".")
    configs = {config.label: config for config in apps.get_app_configs()}
    config = configs.get(app)
    if config is None:
        raise MergeError(
            f"No installed app is labelled {app!r}, so the new target {label} has nowhere to "
            f"live; add the app to INSTALLED_APPS or name an installed one (known: "
            f"{', '.join(sorted(configs))})."
        )
    if not _is_first_party(config.path):
        raise MergeError(
            f"The app {app!r} belongs to an installed package; the new target {label} must "
            "be added to an app of the project."
        )
    if not name.isidentifier() or keyword.iskeyword(name):
        raise MergeError(
            f"The target {label}: {name!r} is not a valid Python class name, so the new model "
            "cannot be written; name it with an identifier (e.g. app.Person)."
        )


def _check_skips(nodes: list[ModelNode], skips: Iterable[str]) -> list[str]:
    labels = {node.label: node for node in nodes}
    found = []
    for item in skips:
        model, name = _split_field(item, "--skip")
        node = labels.get(model)
        if node is None:
            raise MergeError(f"--skip {item}: {model} is not one of the sources.")
        node.field(name)  # a clear error for an unknown field
        found.append(f"{node.label}.{name}")
    return found


def _columns(node: ModelNode) -> list[FieldNode]:
    """The fields a merge copies: the concrete ones, without the primary key."""
    return [f for f in node.concrete_fields if not f.primary_key]


def _map_fields(
    graph: ModelGraph,
    sources: list[ModelNode],
    target: ModelNode | None,
    maps: dict[tuple[str, str], str],
    skipped: set[str],
) -> list[MappedField]:
    """The audit's mapping of the sources onto the target, with the overrides applied."""
    by_label = {node.label: node for node in sources}
    for model, name in maps:
        if model not in by_label:
            raise MergeError(f"--map {model}.{name}: {model} is not one of the sources.")
        by_label[model].field(name)
    target_fields = {f.name: f for f in _columns(target)} if target else {}
    profiles = [profile_model(node, graph) for node in ([target] if target else []) + sources]
    rows = field_mapping(profiles)
    assigned: dict[tuple[str, str], str] = {}
    concept_of: dict[str, str] = {}
    for row in rows:
        present = [(label, name) for label, name in row.fields if name is not None]
        if target is not None and row.field_of(target.label):
            destination = row.field_of(target.label)
        else:
            destination = next((name for label, name in present if label in by_label), None)
        if destination is None:
            continue
        for label, name in present:
            if label in by_label:
                assigned.setdefault((label, name), destination)
                concept_of.setdefault(destination, row.concept)
    # Relations and anything the profiles leave out map by their own name.
    for node in sources:
        for column in _columns(node):
            assigned.setdefault((node.label, column.name), column.name)
    assigned.update(maps)
    by_destination: dict[str, list[tuple[str, str]]] = {}
    for node in sources:  # source order
        for column in _columns(node):
            if f"{node.label}.{column.name}" in skipped:
                continue
            destination = assigned[(node.label, column.name)]
            taken = by_destination.setdefault(destination, [])
            if any(label == node.label for label, _ in taken):
                other = next(name for label, name in taken if label == node.label)
                raise MergeError(
                    f"{node.label}.{other} and {node.label}.{column.name} would both fill "
                    f"{destination!r}; map one elsewhere (--map {node.label}.{column.name}=...) "
                    f"or skip it (--skip {node.label}.{column.name})."
                )
            taken.append((node.label, column.name))
    mapped = []
    for destination, items in by_destination.items():
        existing = target_fields.get(destination)
        if (
            target is not None
            and existing is None
            and destination in {f.name for f in target.fields}
        ):
            raise MergeError(
                f"{target.label}.{destination} is not a column that can be filled; map "
                f"{', '.join(f'{m}.{f}' for m, f in items)} to another field with --map."
            )
        first = graph.model(items[0][0]).field(items[0][1])
        if existing is not None:
            assert target is not None
            _check_fits(existing, items, graph, f"{target.label}.{destination}")
        elif target is None and first.related_model is None:
            # A new target field is declared as its first source declares it.
            declares = f"{items[0][0]}.{items[0][1]}, which declares {destination!r} of the target,"
            _check_fits(first, items[1:], graph, declares)
        elif first.related_model is not None and first.related_model in by_label:
            others = [(m, f) for m, f in items if graph.model(m).field(f).related_model is None]
            if others:
                raise MergeError(
                    f"{items[0][0]}.{items[0][1]} points at {first.related_model}, a source, "
                    f"but {others[0][0]}.{others[0][1]} fills {destination!r} too and is no "
                    "relation; map them to different fields."
                )
        mapped.append(
            MappedField(
                name=destination,
                sources=tuple(items),
                new=existing is None,
                concept=concept_of.get(destination, destination),
            )
        )
    return mapped


def _check_fits(
    target_field: FieldNode, items: list[tuple[str, str]], graph: ModelGraph, target: str
) -> None:
    for label, name in items:
        source = graph.model(label).field(name)
        same_kind = source.internal_type == target_field.internal_type or (
            source.internal_type in _TEXT_TYPES and target_field.internal_type in _TEXT_TYPES
        )
        if not same_kind:
            raise MergeError(
                f"{label}.{name} is a {source.internal_type} but {target} is a "
                f"{target_field.internal_type}; map it to another "
                f"field (--map {label}.{name}=...) or skip it."
            )
        # A source declared longer than the target is measured on the data instead
        # (refactor.merge.measure: values_too_long).


def _check_key(
    mapped: list[MappedField], target: ModelNode | None, key: str, sources: list[str]
) -> dict[str, str]:
    found = next((m for m in mapped if m.name == key), None)
    if found is None:
        known = ", ".join(m.name for m in mapped)
        raise MergeError(
            f"--key {key!r} is not a field the sources fill; name one of: {known} "
            "(or map a source field to it with --map)."
        )
    missing = [label for label in sources if found.source_field(label) is None]
    if missing:
        raise MergeError(
            f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no field mapped to "
            f"the key {key!r}; map one with --map {missing[0]}.<field>={key}."
        )
    return dict(found.sources)


def _check_fills(
    target: ModelNode | None, mapped: list[MappedField], fills: Mapping[str, str]
) -> None:
    names = {m.name for m in mapped}
    for name, other in fills.items():
        if other not in names:
            raise MergeError(
                f"--fill {name}={other}: the sources fill no field {other!r} of the target; "
                f"name one of: {', '.join(sorted(names))}."
            )
        if name not in names and (target is None or name not in {f.name for f in _columns(target)}):
            raise MergeError(f"--fill {name}={other}: the target has no field {name!r}.")


def _check_required(
    target: ModelNode | None,
    mapped: list[MappedField],
    fills: Mapping[str, str],
    sources: list[str],
    graph: ModelGraph,
) -> None:
    """A field of the target that takes no NULL and has no default must get a value from
    every source (or from ``--fill``); a user model's password may stay unusable."""
    if target is None:
        return
    by_name = {m.name: m for m in mapped}
    model = apps.get_model(target.label)
    for field in _columns(target):
        if field.null or field.default is not None or field.name in fills:
            continue
        declared = model._meta.get_field(field.name)
        if getattr(declared, "auto_now", False) or getattr(declared, "auto_now_add", False):
            continue  # the time of the merge, as save() would give
        if field.name == "password" and target.label == graph.auth_user_model:
            continue  # rows without one get an unusable password
        given = by_name.get(field.name)
        missing = [label for label in sources if given is None or given.source_field(label) is None]
        if field.blank and field.internal_type in _TEXT_TYPES:
            continue  # an empty string is its value then
        if missing:
            raise MergeError(
                f"{target.label}.{field.name} takes no NULL and has no default, but "
                f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no field for it. "
                f"Map one (--map {missing[0]}.<field>={field.name}) or fill it from another "
                f"target field (--fill {field.name}=<field>)."
            )


def _check_newest(
    nodes: list[ModelNode], newest_by: Iterable[str], mapped: list[MappedField]
) -> tuple[tuple[str, str], ...]:
    """``(model, timestamp field)`` per source; each given as app.Model.field or one field
    name that every source has."""
    found: dict[str, str] = {}
    labels = {node.label: node for node in nodes}
    for item in newest_by:
        if item.count(".") == 2:
            model, name = _split_field(item, "--newest-by")
            if model not in labels:
                raise MergeError(f"--newest-by {item}: {model} is not one of the sources.")
            targets = [(model, name)]
        else:
            targets = [(label, item) for label in labels]
        for model, name in targets:
            column = labels[model].field(name)
            if column.internal_type not in ("DateTimeField", "DateField"):
                raise MergeError(
                    f"--newest-by {model}.{name} is a {column.internal_type}; name a date or "
                    "timestamp field."
                )
            found[model] = name
    if any(m.policy == "newest" for m in mapped):
        missing = [label for label in labels if label not in found]
        if missing:
            raise MergeError(
                f"The 'newest' policy needs a timestamp per source; {', '.join(missing)} "
                f"{'has' if len(missing) == 1 else 'have'} none: give --newest-by "
                f"{missing[0]}.<field>."
            )
    return tuple((node.label, found[node.label]) for node in nodes if node.label in found)


def _default_normalization(
    nodes: list[ModelNode], key_field: dict[str, str], key: MappedField
) -> str:
    """Emails compare trimmed and case-insensitively, other text trimmed, the rest exactly."""
    columns = [node.field(key_field[node.label]) for node in nodes]
    if key.concept == "email" or all(column.name.endswith("email") for column in columns):
        return "trim-casefold"
    if all(column.internal_type in _TEXT_TYPES for column in columns):
        return "trim"
    return "exact"


def _references(graph: ModelGraph, nodes: list[ModelNode]) -> tuple[Reference, ...]:
    labels = {node.label for node in nodes}
    found = []
    for node in nodes:
        for edge in graph.incoming(node.label):
            if edge.kind == RelationKind.PARENT_LINK:
                raise MergeError(
                    f"{edge.source} inherits from {node.label} (multi-table); detach it first: "
                    f"remodel detach {edge.source}."
                )
            if edge.source in labels and edge.target in labels:
                continue  # between sources: settled when the sources become one
            if graph.model(edge.source).kind == ModelKind.AUTO_CREATED:
                continue  # the table of a many-to-many field: listed as that field
            kind = {
                RelationKind.FOREIGN_KEY: "foreign key",
                RelationKind.ONE_TO_ONE: "one-to-one",
                RelationKind.MANY_TO_MANY: "many-to-many",
            }.get(edge.kind, "generic")
            found.append(Reference(kind, edge.source, edge.field, node.label, edge.through))
    for edge in graph.generic_relations():
        # A generic foreign key may point at any model: at every source, perhaps.
        found.append(Reference("generic", edge.source, edge.field, ANY_SOURCE))
    return tuple(found)


# ----------------------------------------------------------------------- TOML


def dump_plan(plan: MergePlan, figures: Mapping[str, Any] | None = None) -> str:
    """The plan as TOML, to review and edit; ``figures`` are counts only, never values."""
    header = {
        key: value
        for key, value in asdict(plan).items()
        if key not in ("fields", "references", "key_fields", "newest_by", "fills")
        and value is not None
    }
    header["key_fields"] = dict(plan.key_fields)
    header["newest_by"] = dict(plan.newest_by)
    header["fills"] = dict(plan.fills)
    lines = [
        "# remodel merge plan: review, edit, then run",
        "#   python manage.py remodel merge --plan THIS_FILE",
        f"# Policies: {', '.join(POLICIES)}; key normalizations: {', '.join(KEY_NORMALIZATIONS)}.",
        *(
            []
            if plan.target_exists
            else [f"# {plan.target} (new model) does not exist yet: the merge creates it."]
        ),
        "",
        *toml.table("merge", header),
    ]
    for mapped in plan.fields:
        lines += ["", "[[field]]"]
        lines += [
            f"{toml.key(k)} = {toml.value(v)}"
            for k, v in (
                ("name", mapped.name),
                ("sources", dict(mapped.sources)),
                ("policy", mapped.policy),
                ("new", mapped.new),
                ("concept", mapped.concept),
            )
        ]
    for reference in plan.references:
        lines += ["", "[[reference]]"]
        lines += [
            f"{toml.key(k)} = {toml.value(v)}"
            for k, v in asdict(reference).items()
            if v is not None
        ]
    if figures:
        lines += ["", "# Measured when the plan was made (counts only, no values):"]
        lines += _figure_lines(figures)
    return "\n".join(lines) + "\n"


def _figure_lines(figures: Mapping[str, Any], prefix: str = "figures") -> list[str]:
    plain = {k: v for k, v in figures.items() if not isinstance(v, Mapping)}
    lines = [*toml.table(prefix, plain)]
    for name, nested in figures.items():
        if isinstance(nested, Mapping):
            lines += ["", *_figure_lines(nested, f"{prefix}.{toml.key(name)}")]
    return lines


def load_plan(path: str | Path) -> MergePlan:
    """Read a plan written by ``dump_plan`` (and perhaps edited)."""
    where = repr(str(path))
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise MergeError(f"Cannot read the plan {where}: {error}.") from None
    section = data.get("merge")
    if not isinstance(section, dict):
        raise MergeError(f"The plan {where} has no [merge] table.")
    known = {f.name for f in fields(MergePlan)} - {"fields", "references"}
    unknown = sorted(set(section) - known)
    if unknown:
        raise MergeError(
            f"The plan {where} has unknown keys in [merge]: {', '.join(unknown)}. "
            f"Known keys: {', '.join(sorted(known))}."
        )
    try:
        section["sources"] = tuple(section["sources"])
        section["skipped"] = tuple(section.get("skipped", ()))
        section["key_fields"] = tuple(dict(section["key_fields"]).items())
        section["newest_by"] = tuple(dict(section.get("newest_by", {})).items())
        section["fills"] = tuple(dict(section.get("fills", {})).items())
        mapped = tuple(
            MappedField(
                name=item["name"],
                sources=tuple(dict(item["sources"]).items()),
                policy=item.get("policy", "first"),
                new=bool(item.get("new", False)),
                concept=item.get("concept", ""),
            )
            for item in data.get("field", [])
        )
        references = tuple(Reference(**item) for item in data.get("reference", []))
        return MergePlan(**section, fields=mapped, references=references)
    except (KeyError, TypeError, ValueError) as error:
        raise MergeError(f"The plan {where} is incomplete or malformed: {error}.") from None


def plan_options(plan: MergePlan) -> dict[str, Any]:
    """The options that rebuild ``plan`` from the project with :func:`build_plan`: an edited
    plan file is checked against the project again."""
    maps = {(model, name): mapped.name for mapped in plan.fields for model, name in mapped.sources}
    return {
        "key": plan.key,
        "maps": maps,
        "skips": plan.skipped,
        "policies": {mapped.name: mapped.policy for mapped in plan.fields},
        "newest_by": [f"{model}.{name}" for model, name in plan.newest_by],
        "keyless": plan.keyless,
        "key_normalization": plan.key_normalization,
        "name": plan.name,
        "fills": dict(plan.fills),
        "batch_size": plan.batch_size,
        "lock_timeout_ms": plan.lock_timeout_ms,
        "pause": plan.pause,
    }


__all__ = [
    "KEYLESS",
    "KEY_NORMALIZATIONS",
    "POLICIES",
    "MappedField",
    "MergeError",
    "MergePlan",
    "Reference",
    "build_plan",
    "dump_plan",
    "load_plan",
    "parse_assignments",
    "plan_options",
]
