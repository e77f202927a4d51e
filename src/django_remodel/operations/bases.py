"""``SetModelBases``: change the classes a model inherits from in the migration state.

``CreateModel`` is the only Django operation that sets a model's ``bases``, so
a model that stops inheriting from a concrete parent (multi-table
inheritance) keeps that parent in the migration state for ever: adding a
field with the name of one of the parent's fields then fails with
``Local field 'x' in class 'Child' clashes with field of the same name from
base class 'Parent'``, in ``migrate`` and in ``sqlmigrate`` alike.

The operation only changes the state; the database is not touched. The
table's columns are fields of the model's own state, so they are kept as they
are, the parent link included: when a concrete parent is dropped from the
bases, its parent link (``parent_ptr``, or the ``OneToOneField`` declared with
``parent_link=True``) stays an ordinary field of the model, to be altered or
removed by the field operations that follow. A parent link the state only had
implicitly (from a ``CreateModel`` written without it) is written into the
model's fields, since its column exists. Adding a concrete parent needs the
parent link to it among the model's fields already (``AddField`` it first):
the operation never invents a column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.models import DeleteModel, ModelOptionOperation
from django.db.migrations.state import ModelState, ProjectState
from django.db.migrations.utils import resolve_relation

from django_remodel.errors import OperationSetupError, UnknownModelError

Base = type[Any] | str
"""A base as ``CreateModel`` takes it: an ``"app_label.ModelName"`` label or a class."""

BaseKey = tuple[str, str] | type[Any]
"""A base made comparable: ``(app_label, model_name)`` for a model, the class otherwise."""


def base_key(base: Base, app_label: str) -> BaseKey:
    """``base`` in a form that compares equal however it was spelled.

    Model labels and model classes become ``(app_label, model_name)`` with the
    model name lower-cased; ``models.Model`` and mixins stay the class.
    """
    if isinstance(base, str):
        return resolve_relation(base, app_label)
    if base is not models.Model and issubclass(base, models.Model):
        return resolve_relation(base)
    return base


def base_keys(bases: Iterable[Base], app_label: str) -> tuple[BaseKey, ...]:
    """:func:`base_key` of each base, in order."""
    return tuple(base_key(base, app_label) for base in bases)


def model_bases(bases: Iterable[Base], app_label: str) -> list[tuple[str, str]]:
    """The bases that are models (concrete parents, or a proxy's model), as keys, in order."""
    keys = base_keys(bases, app_label)
    return [key for key in keys if isinstance(key, tuple)]


def format_bases(bases: Iterable[Base]) -> str:
    """The bases for a message: labels as written, classes by their dotted name."""
    names = []
    for base in bases:
        if isinstance(base, str):
            names.append(base)
        elif base is models.Model:
            names.append("models.Model")
        else:
            names.append(f"{base.__module__}.{base.__qualname__}")
    return f"({', '.join(names)})"


def parent_link_name(model_state: ModelState, parent: tuple[str, str]) -> str | None:
    """The name of ``model_state``'s field that is its parent link to ``parent``, if any."""
    for name, field in model_state.fields.items():
        remote = getattr(field, "remote_field", None)
        if (
            isinstance(field, models.OneToOneField)
            and remote is not None
            and remote.parent_link
            and resolve_relation(remote.model, model_state.app_label, model_state.name_lower)
            == parent
        ):
            return name
    return None


def _check_bases(name: str, bases: Sequence[Base], role: str) -> None:
    if not bases:
        raise OperationSetupError(
            f"SetModelBases({name!r}): {role} is empty; give at least models.Model."
        )
    seen: set[BaseKey] = set()
    for base in bases:
        if isinstance(base, str):
            if "." not in base:
                raise OperationSetupError(
                    f"SetModelBases({name!r}): the base {base!r} is not a model label; "
                    "write it as 'app_label.ModelName'."
                )
        elif not isinstance(base, type):
            raise OperationSetupError(
                f"SetModelBases({name!r}): {base!r} in {role} is neither a class nor an "
                "'app_label.ModelName' label."
            )
        key = base_key(base, "")
        if key in seen:
            raise OperationSetupError(
                f"SetModelBases({name!r}): {base!r} appears twice in {role}; give each base once."
            )
        seen.add(key)
    if not any(isinstance(base, str) or issubclass(base, models.Model) for base in bases):
        raise OperationSetupError(
            f"SetModelBases({name!r}): no base in {format_bases(bases)} is a model; "
            "add models.Model (or the parent model's label)."
        )


class SetModelBases(ModelOptionOperation):
    """Set the bases of a model in the migration state; the database is not touched."""

    reversible = True
    reduces_to_sql = True

    def __init__(
        self, name: str, bases: Sequence[Base], old_bases: Sequence[Base] | None = None
    ) -> None:
        """Make model ``name`` inherit from ``bases`` (what ``CreateModel`` takes).

        ``old_bases``, when given, are the bases the model has before the
        operation; the state is checked against them, they show in the
        description and let two operations on the same model cancel out.
        ``makemigrations`` always writes them.
        """
        _check_bases(name, bases, "bases")
        if old_bases is not None:
            _check_bases(name, old_bases, "old_bases")
        self.bases = tuple(bases)
        self.old_bases = None if old_bases is None else tuple(old_bases)
        super().__init__(name)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {"name": self.name, "bases": self.bases}
        if self.old_bases is not None:
            kwargs["old_bases"] = self.old_bases
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model_state = state.models.get((app_label, self.name_lower))
        if model_state is None:
            raise UnknownModelError(
                f"SetModelBases: model {app_label}.{self.name} is not in the migration "
                f"state; check the name and that the migration depends on the one that "
                f"creates {self.name!r}."
            )
        label = f"{app_label}.{model_state.name}"
        current = tuple(model_state.bases)
        if self.old_bases is not None and base_keys(self.old_bases, app_label) != base_keys(
            current, app_label
        ):
            raise OperationSetupError(
                f"SetModelBases: {label!r} inherits from {format_bases(current)} in the "
                f"migration state, not from {format_bases(self.old_bases)} as the operation "
                "says; correct old_bases, or the migration's dependencies."
            )
        if not model_state.options.get("proxy"):
            old_parents = model_bases(current, app_label)
            new_parents = model_bases(self.bases, app_label)
            for parent in new_parents:
                if parent not in old_parents and parent_link_name(model_state, parent) is None:
                    raise OperationSetupError(
                        f"SetModelBases cannot make {label!r} inherit from "
                        f"'{parent[0]}.{parent[1]}': {label!r} has no parent link to it. "
                        f"Add a OneToOneField(parent_link=True) to '{parent[0]}.{parent[1]}' "
                        f"to {label!r} before this operation, and remove the fields the "
                        "parent also has."
                    )
            for parent in old_parents:
                if parent not in new_parents:
                    self._keep_parent_link(app_label, state, model_state, parent)
        model_state.bases = self.bases
        state.reload_model(app_label, self.name_lower, delay=True)

    def _keep_parent_link(
        self,
        app_label: str,
        state: ProjectState,
        model_state: ModelState,
        parent: tuple[str, str],
    ) -> None:
        """Write an implicit parent link into the model's fields: its column stays."""
        if parent_link_name(model_state, parent) is not None:
            return
        rendered = state.apps.get_model(app_label, self.name_lower)
        for parent_model, link in rendered._meta.parents.items():
            if link is not None and resolve_relation(parent_model) == parent:
                state.add_field(
                    app_label, self.name_lower, link.name, link.clone(), preserve_default=True
                )
                return

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Nothing: the bases only exist in Python."""

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Nothing: the state before the operation has the old bases."""

    def references_model(self, name: str, app_label: str) -> bool:
        key = (app_label, name.lower())
        if name.lower() == self.name_lower:
            return True
        return any(
            key in model_bases(bases, app_label) for bases in (self.bases, self.old_bases or ())
        )

    def can_reduce_through(self, operation: Operation, app_label: str) -> bool:
        if not super().can_reduce_through(operation, app_label):
            return False
        # Not across an operation on a parent this one adds or drops.
        return not any(
            parent_app == app_label and operation.references_model(parent_name, app_label)
            for bases in (self.bases, self.old_bases or ())
            for parent_app, parent_name in model_bases(bases, app_label)
        )

    def reduce(self, operation: Operation, app_label: str) -> bool | list[Operation]:
        if isinstance(operation, DeleteModel) and operation.name_lower == self.name_lower:
            return [operation]
        if isinstance(operation, SetModelBases) and operation.name_lower == self.name_lower:
            if self.old_bases is not None and base_keys(self.old_bases, app_label) == base_keys(
                operation.bases, app_label
            ):
                return []
            return [SetModelBases(operation.name, operation.bases, old_bases=self.old_bases)]
        return super(ModelOptionOperation, self).reduce(operation, app_label)

    def describe(self) -> str:
        if self.old_bases is None:
            return f"Set the bases of {self.name} to {format_bases(self.bases)}"
        return (
            f"Change the bases of {self.name} from {format_bases(self.old_bases)} "
            f"to {format_bases(self.bases)}"
        )

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_bases"
