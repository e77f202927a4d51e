"""``makemigrations`` that also notices when a model's bases change.

Django's autodetector compares fields and options but never a model's
``bases``, so a child that stops inheriting from a concrete parent keeps the
parent in the migration state, and the migration that adds the parent's
fields to the child fails with ``Local field ... clashes with field of the
same name from base class``. :class:`RemodelAutodetector` adds a
:class:`~django_remodel.operations.SetModelBases` for every model whose bases
differ, placed where the state can take it:

- dropping a concrete parent (or changing mixins only): before every field,
  index and constraint operation on the model, so the fields it takes over
  from the parent no longer clash, and before the parent's ``DeleteModel``;
- adding a concrete parent: after them, once the fields the parent brings
  are gone from the child and its parent link is there;
- both at once: in two steps, the old parents dropped first, the new ones
  added last.

The commands in ``django_remodel.management.commands`` install it through
their ``autodetector`` attribute (Django 5.2+).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, cast

from django.db import models
from django.db.migrations.autodetector import MigrationAutodetector, OperationDependency
from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.fields import FieldOperation
from django.db.migrations.operations.models import (
    AlterOrderWithRespectTo,
    AlterTogetherOptionOperation,
    DeleteModel,
    IndexOperation,
    RenameModel,
)

from django_remodel.operations.bases import (
    Base,
    BaseKey,
    SetModelBases,
    base_key,
    base_keys,
    model_bases,
)

# Django keeps an operation's ordering constraints in this attribute.
_AUTO_DEPS = "_auto_deps"

ModelKey = tuple[str, str]


class BasesDependency(enum.Enum):
    """Ordering constraints that involve a :class:`SetModelBases` (Django's have none)."""

    #: the SetModelBases of the model that runs before its field operations
    BASES_FIRST = "bases first"
    #: every field, index or constraint operation on the model
    MODEL_FIELDS = "model fields"
    #: the RenameModel that gives the model its current name
    RENAMED = "renamed"


def _dependency(app_label: str, model_name: str, kind: BasesDependency) -> OperationDependency:
    return OperationDependency(app_label, model_name, None, cast(Any, kind))


def _on_model_fields(operation: Operation, model_name_lower: str) -> bool:
    """Whether ``operation`` changes a field, index or constraint of the model."""
    if isinstance(operation, FieldOperation | IndexOperation):
        return operation.model_name_lower == model_name_lower
    if isinstance(operation, AlterTogetherOptionOperation | AlterOrderWithRespectTo):
        return operation.name_lower == model_name_lower
    return False


class RemodelAutodetector(MigrationAutodetector):
    """Django's autodetector, plus :class:`SetModelBases` for models whose bases changed."""

    # Set by MigrationAutodetector._detect_changes; not in django-stubs.
    generated_operations: dict[str, list[Operation]]
    kept_model_keys: set[ModelKey]
    kept_proxy_keys: set[ModelKey]
    kept_unmanaged_keys: set[ModelKey]

    def _sort_migrations(self) -> None:
        # The last step before Django orders each app's operations: every other
        # operation exists by now, so the new ones can be tied to them.
        self._bases_first: list[SetModelBases] = []
        self._first_in_app: dict[str, int] = {}
        self.generate_altered_bases()
        super()._sort_migrations()  # type: ignore[misc]

    def generate_altered_bases(self) -> None:
        """Make SetModelBases operations for the kept models whose bases changed."""
        kept = self.kept_model_keys | self.kept_proxy_keys | self.kept_unmanaged_keys
        for app_label, model_name in sorted(kept):
            old_name = self.renamed_models.get((app_label, model_name), model_name)
            old_bases = tuple(self.from_state.models[app_label, old_name].bases)
            new_state = self.to_state.models[app_label, model_name]
            new_bases = tuple(new_state.bases)
            old_keys = self._renamed_keys(old_bases, app_label)
            if old_keys == base_keys(new_bases, app_label):
                continue
            old_parents = [key for key in old_keys if isinstance(key, tuple)]
            new_parents = model_bases(new_bases, app_label)
            removed = [parent for parent in old_parents if parent not in new_parents]
            added = [parent for parent in new_parents if parent not in old_parents]
            renamed = old_name != model_name
            if added and not new_state.options.get("proxy"):
                # A new parent brings fields: the child's own ones must be gone first,
                # and its parent link there, so the new parent comes last.
                if removed:
                    between = tuple(
                        base for base in new_bases if base_key(base, app_label) not in added
                    )
                    if not any(
                        isinstance(base, str) or issubclass(base, models.Model) for base in between
                    ):
                        between = (*between, models.Model)
                    self._add_set_bases(
                        app_label, new_state.name, old_bases, between, renamed, removed=removed
                    )
                    old_bases = between
                self._add_set_bases(
                    app_label, new_state.name, old_bases, new_bases, renamed, added=added, last=True
                )
            else:
                self._add_set_bases(
                    app_label, new_state.name, old_bases, new_bases, renamed, removed, added
                )

    def _renamed_keys(self, bases: tuple[Base, ...], app_label: str) -> tuple[BaseKey, ...]:
        """The keys of old bases, with the models renamed in this run under their new names."""
        keys: list[BaseKey] = []
        for key in base_keys(bases, app_label):
            if isinstance(key, tuple):
                renamed = self.renamed_models_rel.get(f"{key[0]}.{key[1]}")
                if renamed:
                    key = cast(ModelKey, tuple(renamed.split(".", 1)))
            keys.append(key)
        return tuple(keys)

    def _add_set_bases(
        self,
        app_label: str,
        name: str,
        old_bases: tuple[Base, ...],
        bases: tuple[Base, ...],
        renamed: bool,
        removed: Sequence[ModelKey] = (),
        added: Sequence[ModelKey] = (),
        *,
        last: bool = False,
    ) -> None:
        """Add one SetModelBases, before the model's field operations or (``last``) after."""
        operation = SetModelBases(name, bases, old_bases=old_bases)
        model_name = operation.name_lower
        # django-stubs types dependencies as plain tuples; Django gives OperationDependency.
        dependencies: list[Any] = [
            OperationDependency(parent_app, parent_name, None, OperationDependency.Type.CREATE)
            for parent_app, parent_name in added
        ]
        if renamed:
            dependencies.append(_dependency(app_label, model_name, BasesDependency.RENAMED))
        if last:
            dependencies.append(_dependency(app_label, model_name, BasesDependency.MODEL_FIELDS))
        self.add_operation(app_label, operation, dependencies=dependencies)
        first = _dependency(app_label, model_name, BasesDependency.BASES_FIRST)
        if not last:
            # Ahead of the app's other operations, in model order, so that a
            # migration lists the bases it changes first, as the story wrote it.
            operations = self.generated_operations[app_label]
            operations.insert(self._first_in_app.get(app_label, 0), operations.pop())
            self._first_in_app[app_label] = self._first_in_app.get(app_label, 0) + 1
            self._bases_first.append(operation)
            for other in self.generated_operations[app_label]:
                if _on_model_fields(other, model_name):
                    _depend(other, first)
        # A parent deleted in this run goes after its last child lets go of it.
        for parent_app, parent_name in removed:
            for other in self.generated_operations.get(parent_app, []):
                if isinstance(other, DeleteModel) and other.name_lower == parent_name:
                    _depend(other, first)

    def check_dependency(self, operation: Operation, dependency: Any) -> bool:
        kind = dependency.type
        if not isinstance(kind, BasesDependency):
            return super().check_dependency(operation, dependency)
        model_name = dependency.model_name.lower()
        if kind is BasesDependency.BASES_FIRST:
            return any(operation is first for first in self._bases_first) and (
                cast(SetModelBases, operation).name_lower == model_name
            )
        if kind is BasesDependency.MODEL_FIELDS:
            return _on_model_fields(operation, model_name)
        return isinstance(operation, RenameModel) and operation.new_name_lower == model_name


def _depend(operation: Operation, dependency: OperationDependency) -> None:
    # A new list: Django shares one list between several operations' dependencies.
    setattr(operation, _AUTO_DEPS, [*getattr(operation, _AUTO_DEPS, []), dependency])
