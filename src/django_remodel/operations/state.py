"""The models and fields a data-move operation names, as the migration's state has them.

Operations name models by name (``"Server"``, or ``"app_label.Server"``) and
fields by name; these helpers find them in the state's apps, with errors that
say which migration dependency is missing, and read what the SQL needs from
them (columns, the primary key's column, whether keys are integers).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.migrations.state import StateApps

from django_remodel.errors import OperationSetupError, UnknownModelError

TEXT_FIELDS = (models.CharField, models.TextField)
"""Fields whose values are text, compared exactly and cleaned (strip, casefold)."""


def state_model(apps: StateApps, app_label: str, name: str, role: str) -> type[models.Model]:
    """The model ``name`` (of ``app_label``, or an ``app.Model`` label); ``role`` names it in
    the error."""
    owner, _, model_name = name.rpartition(".")
    try:
        return apps.get_model(owner or app_label, model_name)
    except LookupError:
        raise UnknownModelError(
            f"The {role} model {name!r} is not in the migration state of app "
            f"{owner or app_label!r}; give a model name of the migration's app or an "
            "'app_label.ModelName' label, and check that the migration depends on the "
            "one that creates it."
        ) from None


def state_column(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The field ``name``, which must be a column of the model's own table."""
    try:
        field = model._meta.get_field(name)
    except Exception:
        known = ", ".join(repr(f.name) for f in model._meta.local_concrete_fields)
        raise OperationSetupError(
            f"Model {model._meta.label!r} has no field {name!r} in the migration state; "
            f"its columns are {known}. Check the migration's dependencies."
        ) from None
    if not isinstance(field, models.Field) or field not in model._meta.local_concrete_fields:
        raise OperationSetupError(
            f"{model._meta.label}.{name} is not a column of {model._meta.label!r}'s own table."
        )
    return field


def column(field: models.Field[Any, Any]) -> str:
    """The column of a concrete field."""
    assert field.column is not None, "concrete fields have a column"
    return field.column


def pk_column(model: type[models.Model]) -> str:
    pk = model._meta.pk
    assert pk is not None
    return column(pk)


def integer_keys(model: type[models.Model]) -> bool:
    """Whether the model's primary key is an integer (a multi-table child's parent link
    is followed to the key it stores), so batches can step through ranges of it."""
    pk: Any = model._meta.pk
    while isinstance(pk, models.ForeignKey):
        pk = pk.target_field
    return isinstance(pk, models.IntegerField)
