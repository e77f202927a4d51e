"""Fields of the project's models, as the refactorings copy and change them."""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.db import models

DROP = object()
"""A value for :func:`rebuilt` that removes the keyword (``default=DROP``)."""


def model_field(label: str, name: str) -> models.Field[Any, Any]:
    """The field ``name`` of the model ``app_label.Model`` of the running project."""
    found = global_apps.get_model(label)._meta.get_field(name)
    assert isinstance(found, models.Field)
    return found


def rebuilt(field: models.Field[Any, Any], **changes: Any) -> models.Field[Any, Any]:
    """A new field like ``field``, with ``changes`` to the keywords it was declared with."""
    _name, _path, args, kwargs = field.deconstruct()
    for key, value in changes.items():
        if value is DROP:
            kwargs.pop(key, None)
        else:
            kwargs[key] = value
    copy: models.Field[Any, Any] = field.__class__(*args, **kwargs)
    return copy
