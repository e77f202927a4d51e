"""The model graph: every model of the project, its fields and its relations.

Built once from the apps registry; everything else (audit, plans, reports)
reads the graph instead of walking ``apps.get_models()`` on its own. The graph
holds only labels, names and plain values, never model classes, so it can be
serialized, compared and handed to pure functions.
"""

from __future__ import annotations

import inspect
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.conf import settings
from django.db import models
from django.db.models.fields import NOT_PROVIDED

from django_remodel.errors import UnknownFieldError, UnknownModelError

if TYPE_CHECKING:
    from django.contrib.contenttypes.fields import GenericForeignKey


class ModelKind(StrEnum):
    """How a model maps to tables."""

    CONCRETE = "concrete"
    ABSTRACT = "abstract"
    PROXY = "proxy"
    MULTI_TABLE_CHILD = "multi-table child"
    UNMANAGED = "unmanaged"
    SWAPPED = "swapped"
    AUTO_CREATED = "auto-created"


class RelationKind(StrEnum):
    """The kinds of reference one model makes to another."""

    FOREIGN_KEY = "foreign key"
    ONE_TO_ONE = "one-to-one"
    PARENT_LINK = "parent link"
    MANY_TO_MANY = "many-to-many"
    GENERIC_FOREIGN_KEY = "generic foreign key"


def _is_generic(field: object) -> bool:
    """Whether ``field`` is a GenericForeignKey (without importing contenttypes, whose
    models a project without that app cannot load)."""
    if not global_apps.is_installed("django.contrib.contenttypes"):
        return False
    from django.contrib.contenttypes.fields import GenericForeignKey

    return isinstance(field, GenericForeignKey)


@dataclass(frozen=True)
class FieldNode:
    """One field of a model, as the database sees it."""

    name: str
    attname: str
    column: str | None
    internal_type: str
    null: bool
    blank: bool
    unique: bool
    db_index: bool
    primary_key: bool
    max_length: int | None
    default: str | None
    """``repr`` of the field's default, or ``None`` when it has none."""
    related_model: str | None
    """Label of the model a relation field points at."""
    inherited_from: str | None = None
    """Label of the concrete parent whose table holds this field (multi-table and proxy)."""
    has_choices: bool = False


@dataclass(frozen=True)
class RelationEdge:
    """A reference from ``source.field`` to ``target`` (``None``: any model)."""

    kind: RelationKind
    source: str
    field: str
    target: str | None
    null: bool = False
    on_delete: str | None = None
    through: str | None = None
    """Label of the through model of a many-to-many relation."""
    auto_created_through: bool = False


@dataclass(frozen=True)
class ModelNode:
    """One model of the project."""

    label: str
    app_label: str
    object_name: str
    kind: ModelKind
    db_table: str | None
    fields: tuple[FieldNode, ...]
    parents: tuple[str, ...] = ()
    """Labels of concrete parents (multi-table inheritance) or of the proxied model."""
    abstract_bases: tuple[str, ...] = ()
    docstring: str | None = None
    """The docstring the developer wrote, or ``None`` (Django's generated one is dropped)."""
    source_file: str | None = None
    first_party: bool = True
    """False for models of Django itself and of installed third-party packages."""
    swapped_by: str | None = None

    @property
    def has_table(self) -> bool:
        return self.kind not in (ModelKind.ABSTRACT, ModelKind.PROXY, ModelKind.SWAPPED)

    @property
    def concrete_fields(self) -> tuple[FieldNode, ...]:
        """The fields stored as columns of this model's own table."""
        return tuple(f for f in self.fields if f.column is not None and f.inherited_from is None)

    def field(self, name: str) -> FieldNode:
        """The field called ``name``; raises ``UnknownFieldError`` naming the known ones."""
        for node in self.fields:
            if name in (node.name, node.attname):
                return node
        known = ", ".join(f.name for f in self.fields)
        raise UnknownFieldError(
            f"Model {self.label!r} has no field {name!r}. Its fields are: {known}."
        )


@dataclass(frozen=True)
class ModelGraph:
    """Every model of the project and every relation between them."""

    models: tuple[ModelNode, ...]
    relations: tuple[RelationEdge, ...]
    auth_user_model: str = "auth.User"
    _by_label: dict[str, ModelNode] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self._by_label.update({node.label.lower(): node for node in self.models})

    @classmethod
    def build(cls, apps: Apps | None = None) -> ModelGraph:
        """Read the graph from an apps registry (the project's, by default)."""
        return _GraphBuilder(apps or global_apps).build()

    def __iter__(self) -> Iterator[ModelNode]:
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)

    def model(self, label: str) -> ModelNode:
        """The model with ``label`` (``app_label.ModelName``, case-insensitive)."""
        node = self._by_label.get(label.lower())
        if node is None:
            if "." not in label:
                raise UnknownModelError(
                    f"{label!r} is not a model label; write it as 'app_label.ModelName'."
                )
            app_label = label.split(".", 1)[0].lower()
            in_app = sorted(n.object_name for n in self.models if n.app_label == app_label)
            hint = (
                f"App {app_label!r} has: {', '.join(in_app)}."
                if in_app
                else f"No installed app is labelled {app_label!r}; check INSTALLED_APPS."
            )
            raise UnknownModelError(f"No model {label!r} is installed. {hint}")
        return node

    def app_labels(self) -> list[str]:
        return sorted({node.app_label for node in self.models})

    def models_of(self, app_label: str) -> list[ModelNode]:
        return [node for node in self.models if node.app_label == app_label]

    def outgoing(self, label: str) -> list[RelationEdge]:
        """Relations declared on the model ``label``."""
        label = self.model(label).label
        return [edge for edge in self.relations if edge.source == label]

    def incoming(self, label: str) -> list[RelationEdge]:
        """Relations that point at the model ``label``, generic ones included."""
        label = self.model(label).label
        return [edge for edge in self.relations if edge.target == label]

    def generic_relations(self) -> list[RelationEdge]:
        """Generic foreign keys: they may point at any model with a table."""
        return [edge for edge in self.relations if edge.target is None]

    def children(self, label: str) -> list[ModelNode]:
        """Models that inherit from ``label`` through multi-table inheritance."""
        label = self.model(label).label
        return [
            node
            for node in self.models
            if node.kind == ModelKind.MULTI_TABLE_CHILD and label in node.parents
        ]


def _is_first_party(module_file: str | None) -> bool:
    if module_file is None:
        return True
    path = Path(module_file).resolve()
    library_roots = {
        Path(p).resolve()
        for key in ("purelib", "platlib", "stdlib")
        if (p := sysconfig.get_paths().get(key))
    }
    django_root = Path(inspect.getfile(models)).resolve().parent.parent.parent
    return not any(root in path.parents for root in (*library_roots, django_root))


def _written_docstring(model: type[models.Model]) -> str | None:
    doc = model.__dict__.get("__doc__")
    if not doc:
        return None
    doc = inspect.cleandoc(doc)
    # Django gives every model without a docstring one like "AppUser(id, email, ...)".
    generated = "{}({})".format(model.__name__, ", ".join(f.name for f in model._meta.fields))
    return None if doc == generated else doc


def _default_repr(model_field: models.Field[Any, Any]) -> str | None:
    default = model_field.default
    if default is NOT_PROVIDED:
        return None
    if callable(default):
        module = getattr(default, "__module__", None)
        name = getattr(default, "__qualname__", repr(default))
        return f"{module}.{name}" if module else name
    return repr(default)


def _on_delete_name(model_field: models.Field[Any, Any]) -> str | None:
    on_delete = getattr(getattr(model_field, "remote_field", None), "on_delete", None)
    return getattr(on_delete, "__name__", None)


class _GraphBuilder:
    def __init__(self, apps: Apps) -> None:
        self.apps = apps
        self.models: dict[str, ModelNode] = {}
        self.relations: list[RelationEdge] = []

    def build(self) -> ModelGraph:
        for model in self.apps.get_models(include_auto_created=True, include_swapped=True):
            self._add_model(model)
        return ModelGraph(
            models=tuple(sorted(self.models.values(), key=lambda n: n.label.lower())),
            relations=tuple(self.relations),
            auth_user_model=str(getattr(settings, "AUTH_USER_MODEL", "auth.User")),
        )

    def _add_model(self, model: type[models.Model]) -> None:
        opts = model._meta
        abstract_bases = [
            base
            for base in model.__mro__[1:]
            if issubclass(base, models.Model) and base is not models.Model and base._meta.abstract
        ]
        for base in abstract_bases:
            self._add_abstract(base)
        if opts.auto_created:
            kind = ModelKind.AUTO_CREATED
        elif opts.swapped:
            kind = ModelKind.SWAPPED
        elif opts.proxy:
            kind = ModelKind.PROXY
        elif opts.parents:
            kind = ModelKind.MULTI_TABLE_CHILD
        elif not opts.managed:
            kind = ModelKind.UNMANAGED
        else:
            kind = ModelKind.CONCRETE
        parents: tuple[str, ...]
        if opts.proxy:
            assert opts.concrete_model is not None
            parents = (opts.concrete_model._meta.label,)
        else:
            parents = tuple(parent._meta.label for parent in opts.parents)
        source_file = self._source_file(model)
        node = ModelNode(
            label=opts.label,
            app_label=opts.app_label,
            object_name=opts.object_name or model.__name__,
            kind=kind,
            db_table=None if kind in (ModelKind.PROXY, ModelKind.SWAPPED) else opts.db_table,
            fields=self._fields(model) if kind != ModelKind.SWAPPED else (),
            parents=parents,
            abstract_bases=tuple(base._meta.label for base in abstract_bases),
            docstring=_written_docstring(model),
            source_file=source_file,
            first_party=_is_first_party(source_file),
            swapped_by=str(opts.swapped) if opts.swapped else None,
        )
        self.models[node.label] = node
        if kind not in (ModelKind.SWAPPED, ModelKind.PROXY):
            self._add_relations(model)

    def _add_abstract(self, model: type[models.Model]) -> None:
        opts = model._meta
        if opts.label in self.models:
            return
        source_file = self._source_file(model)
        self.models[opts.label] = ModelNode(
            label=opts.label,
            app_label=opts.app_label,
            object_name=opts.object_name or model.__name__,
            kind=ModelKind.ABSTRACT,
            db_table=None,
            fields=tuple(self._field_node(f) for f in opts.local_fields + opts.local_many_to_many),
            docstring=_written_docstring(model),
            source_file=source_file,
            first_party=_is_first_party(source_file),
        )

    @staticmethod
    def _source_file(model: type[models.Model]) -> str | None:
        module = sys.modules.get(model.__module__)
        return getattr(module, "__file__", None)

    def _fields(self, model: type[models.Model]) -> tuple[FieldNode, ...]:
        opts = model._meta
        nodes = [self._field_node(f, self._table_owner(model, f)) for f in opts.concrete_fields]
        nodes += [self._field_node(f, self._table_owner(model, f)) for f in opts.many_to_many]
        nodes += [self._generic_node(f) for f in opts.private_fields if _is_generic(f)]
        return tuple(nodes)

    @staticmethod
    def _table_owner(model: type[models.Model], model_field: models.Field[Any, Any]) -> str | None:
        """The label of the parent whose table holds ``model_field``; None for its own."""
        owner = model_field.model._meta.concrete_model if model_field.model else None
        concrete = model._meta.concrete_model
        if owner is None or (owner is concrete and not model._meta.proxy):
            return None
        return owner._meta.label

    @staticmethod
    def _field_node(
        model_field: models.Field[Any, Any], inherited_from: str | None = None
    ) -> FieldNode:
        related = model_field.related_model
        return FieldNode(
            name=model_field.name,
            attname=model_field.attname,
            column=None if model_field.many_to_many else model_field.column,
            internal_type=model_field.get_internal_type(),
            null=model_field.null,
            blank=model_field.blank,
            unique=model_field.unique,
            db_index=bool(getattr(model_field, "db_index", False)),
            primary_key=model_field.primary_key,
            max_length=model_field.max_length,
            default=_default_repr(model_field),
            related_model=related._meta.label if isinstance(related, type) else None,
            inherited_from=inherited_from,
            has_choices=bool(model_field.choices),
        )

    @staticmethod
    def _generic_node(generic: GenericForeignKey) -> FieldNode:
        return FieldNode(
            name=generic.name,
            attname=generic.name,
            column=None,
            internal_type="GenericForeignKey",
            null=True,
            blank=True,
            unique=False,
            db_index=False,
            primary_key=False,
            max_length=None,
            default=None,
            related_model=None,
        )

    def _add_relations(self, model: type[models.Model]) -> None:
        opts = model._meta
        label = opts.label
        parent_links = {id(link) for link in opts.parents.values() if link is not None}
        for model_field in opts.local_fields:
            if not model_field.is_relation or not isinstance(model_field.related_model, type):
                continue
            if id(model_field) in parent_links:
                kind = RelationKind.PARENT_LINK
            elif model_field.one_to_one:
                kind = RelationKind.ONE_TO_ONE
            else:
                kind = RelationKind.FOREIGN_KEY
            self.relations.append(
                RelationEdge(
                    kind=kind,
                    source=label,
                    field=model_field.name,
                    target=model_field.related_model._meta.label,
                    null=model_field.null,
                    on_delete=_on_delete_name(model_field),
                )
            )
        for m2m in opts.local_many_to_many:
            through = m2m.remote_field.through
            target = m2m.related_model
            assert isinstance(target, type)
            self.relations.append(
                RelationEdge(
                    kind=RelationKind.MANY_TO_MANY,
                    source=label,
                    field=m2m.name,
                    target=target._meta.label,
                    null=True,
                    through=through._meta.label if isinstance(through, type) else None,
                    auto_created_through=bool(
                        isinstance(through, type) and through._meta.auto_created
                    ),
                )
            )
        for private in opts.private_fields:
            if _is_generic(private) and private.model is model:
                self.relations.append(
                    RelationEdge(
                        kind=RelationKind.GENERIC_FOREIGN_KEY,
                        source=label,
                        field=private.name,
                        target=None,
                        null=True,
                    )
                )
