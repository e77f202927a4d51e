"""Real Django model classes for a generated ``ModelGraph``, in an isolated registry.

``build_registry(graph)`` declares one model class per model of the graph in a
fresh ``django.apps.registry.Apps``, so that ``ModelGraph.build(apps=registry)``
reads back the same graph (the tests check that it does). Only what the graph
records is reproduced: field types and options, relations, abstract bases,
proxies, unmanaged tables, docstrings. Django's own ``auth`` and
``contenttypes`` models are declared in the same way, with ``auth.User``
subclassing Django's real ``AbstractUser``.

Needs configured settings (``settings.configure()`` or a settings module) and
``django.setup()``; declares nothing in the project's own registry.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps.registry import Apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.migrations.state import AppConfigStub

from django_remodel.graph import FieldNode, ModelGraph, ModelKind, ModelNode, RelationKind

_DJANGO_MODULES = {
    "auth": "django.contrib.auth.models",
    "contenttypes": "django.contrib.contenttypes.models",
}
_CHOICES: dict[bool, list[tuple[Any, str]]] = {
    True: [("a", "A"), ("b", "B"), ("c", "C")],
    False: [(0, "Zero"), (1, "One"), (2, "Two")],
}
_WITH_MAX_LENGTH = {"CharField", "SlugField", "FileField"}


def _module_for(node: ModelNode) -> str:
    if node.first_party:
        # Not importable: the graph finds no source file and counts the model as first-party.
        return f"synthetic_project.{node.app_label}.models"
    try:
        return _DJANGO_MODULES[node.app_label]
    except KeyError:
        raise ValueError(f"Cannot declare third-party model {node.label}.") from None


def _default(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        module, _, name = text.rpartition(".")
        return getattr(importlib.import_module(module), name)


def _pk_type(graph: ModelGraph, app_label: str) -> str:
    for node in graph.models_of(app_label):
        if node.kind in (ModelKind.CONCRETE, ModelKind.UNMANAGED, ModelKind.AUTO_CREATED):
            pk = next((f for f in node.fields if f.primary_key), None)
            if pk is not None and pk.internal_type in ("AutoField", "BigAutoField"):
                return pk.internal_type
    return "BigAutoField"


@contextmanager
def _bulk(registry: Apps) -> Iterator[None]:
    """Skip the per-model cache flush while many models are declared (as migrations do)."""
    registry.ready = False
    try:
        yield
    finally:
        registry.ready = True
        registry.clear_cache()


def _field(node: FieldNode, on_delete: dict[str, str]) -> models.Field[Any, Any]:
    kwargs: dict[str, Any] = {"null": node.null, "blank": node.blank}
    if node.column and node.column != node.attname:
        kwargs["db_column"] = node.column
    if node.internal_type in ("ForeignKey", "OneToOneField"):
        delete = getattr(models, on_delete.get(node.name) or "CASCADE")
        field_class = getattr(models, node.internal_type)
        kwargs["db_index"] = node.db_index
        if node.internal_type == "ForeignKey" and node.unique:
            kwargs["unique"] = True
        return field_class(  # type: ignore[no-any-return]
            node.related_model, on_delete=delete, related_name="+", **kwargs
        )
    if node.internal_type == "ManyToManyField":
        assert node.related_model is not None
        return models.ManyToManyField(node.related_model, related_name="+", blank=node.blank)
    field_class = getattr(models, node.internal_type)
    if node.unique:
        kwargs["unique"] = True
    if node.db_index:
        kwargs["db_index"] = True
    elif node.internal_type == "SlugField":
        kwargs["db_index"] = False
    if node.internal_type in _WITH_MAX_LENGTH and node.max_length is not None:
        kwargs["max_length"] = node.max_length
    if node.internal_type == "DecimalField":
        kwargs.update(max_digits=12, decimal_places=4)
    if node.default is not None:
        kwargs["default"] = _default(node.default)
    if node.has_choices:
        kwargs["choices"] = _CHOICES[node.internal_type == "CharField"]
    return field_class(**kwargs)  # type: ignore[no-any-return]


def build_registry(graph: ModelGraph) -> Apps:
    """A fresh apps registry holding a model class for every model of ``graph``."""
    stubs = []
    for app_label in graph.app_labels():
        stub = AppConfigStub(app_label)
        # Auto-created primary keys and through tables follow the app's default, as in Django.
        stub.default_auto_field = f"django.db.models.{_pk_type(graph, app_label)}"
        stubs.append(stub)
    registry = Apps(stubs)
    on_delete: dict[str, dict[str, str]] = {}
    for edge in graph.relations:
        if edge.kind in (RelationKind.FOREIGN_KEY, RelationKind.ONE_TO_ONE) and edge.on_delete:
            on_delete.setdefault(edge.source, {})[edge.field] = edge.on_delete
    classes: dict[str, type[models.Model]] = {}

    def meta(node: ModelNode, **extra: Any) -> type:
        attrs = {"apps": registry, "app_label": node.app_label, **extra}
        return type("Meta", (), attrs)

    def declare(node: ModelNode, bases: tuple[type, ...], attrs: dict[str, Any]) -> None:
        attrs["__module__"] = _module_for(node)
        attrs["__qualname__"] = node.object_name
        if node.docstring:
            attrs["__doc__"] = node.docstring
        classes[node.label] = type(node.object_name, bases, attrs)

    with _bulk(registry):
        abstract_fields: dict[str, set[str]] = {}
        for node in graph.models:
            if node.kind == ModelKind.ABSTRACT:
                abstract_fields[node.label] = {f.name for f in node.fields}
                if not node.first_party:
                    continue  # Django's own abstract bases are used as they are.
                attrs: dict[str, Any] = {"Meta": meta(node, abstract=True)}
                attrs.update({f.name: _field(f, {}) for f in node.fields})
                declare(node, (models.Model,), attrs)
        for node in graph.models:
            if node.kind not in (ModelKind.CONCRETE, ModelKind.UNMANAGED):
                continue
            if node.label == "auth.User":
                from django.contrib.auth.models import AbstractUser

                attrs = {"Meta": meta(node, db_table=node.db_table)}
                declare(node, (AbstractUser,), attrs)
                continue
            inherited: set[str] = set()
            bases: list[type] = []
            for base in node.abstract_bases:
                inherited |= abstract_fields.get(base, set())
                if base in classes:
                    bases.append(classes[base])
            attrs = {
                "Meta": meta(node, db_table=node.db_table, managed=node.kind != ModelKind.UNMANAGED)
            }
            for f in node.fields:
                if f.name in inherited or (f.primary_key and f.name == "id"):
                    continue
                if f.internal_type == "GenericForeignKey":
                    attrs[f.name] = GenericForeignKey("content_type", "object_id")
                else:
                    attrs[f.name] = _field(f, on_delete.get(node.label, {}))
            declare(node, tuple(bases) or (models.Model,), attrs)
        for node in graph.models:
            if node.kind == ModelKind.PROXY:
                parent = classes[node.parents[0]]
                declare(node, (parent,), {"Meta": meta(node, proxy=True)})
    return registry


def declared_models(registry: Apps) -> list[type[models.Model]]:
    """The models of ``registry`` a project would list (no through tables)."""
    return list(registry.get_models())
