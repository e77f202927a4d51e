"""The new user model, as source code and as the ``CreateModel`` that creates it.

The model is ``AbstractUser`` with the stock user's table, a manager that
subclasses ``UserManager``, and the stock user's primary key: an ``AutoField``
whatever the app's default is, because a different key type would change
the column. The operation is made from that very model (built in a registry
of its own, so the project's is untouched) and is what ``makemigrations``
would write for it, with the columns in the stock table's order.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.models import AbstractUser, User
from django.db import models
from django.db.migrations.operations import CreateModel
from django.db.migrations.state import ModelState
from django.utils.module_loading import import_string

from django_remodel.swap_user.plan import SwapUserPlan


class _PlannedManager(models.Manager[Any]):
    """Stands for the manager class the models module will define, when writing migrations."""

    use_in_migrations = True

    def __init__(self, path: str) -> None:
        super().__init__()
        self._path = path

    def deconstruct(
        self,
    ) -> tuple[bool, str, None, tuple[()], dict[str, Any]]:
        return False, self._path, None, (), {}


def app_default_is_auto_field(plan: SwapUserPlan) -> bool:
    """Whether the app's models get an ``AutoField`` key without declaring one."""
    if plan.app_exists:
        path = global_apps.get_app_config(plan.app_label).default_auto_field
    else:
        from django.conf import settings

        path = settings.DEFAULT_AUTO_FIELD
    return bool(import_string(path) is models.AutoField)


def user_model_code(plan: SwapUserPlan, *, newline: str = "\n", indent: str = "    ") -> str:
    """The classes to add to the app's ``models.py``."""
    manager, model = plan.manager_name, plan.model_name
    lines = [
        f"class {manager}(BaseUserManager):",
        f'{indent}"""The stock user manager, under the name the project owns."""',
        "",
        "",
        f"class {model}(AbstractUser):",
        f'{indent}"""A login. It keeps the stock user\'s table, {plan.db_table!r}."""',
        "",
    ]
    if not app_default_is_auto_field(plan):
        lines.append(f'{indent}id = models.AutoField(primary_key=True, verbose_name="ID")')
    lines += [
        f"{indent}objects = {manager}()",
        "",
        f"{indent}class Meta(AbstractUser.Meta):",
        f'{indent}{indent}db_table = "{plan.db_table}"',
        "",
    ]
    return newline.join(lines)


def create_model_operation(plan: SwapUserPlan) -> CreateModel:
    """The ``CreateModel`` of the new user model, its columns in the stock table's order."""
    registry = Apps()
    meta = type(
        "Meta",
        (AbstractUser.Meta,),
        {"app_label": plan.app_label, "db_table": plan.db_table, "apps": registry},
    )
    attrs: dict[str, Any] = {
        "__module__": f"{plan.app_label}.models",
        "Meta": meta,
        "objects": _PlannedManager(f"{plan.app_label}.models.{plan.manager_name}"),
    }
    if app_default_is_auto_field(plan):
        attrs["id"] = models.AutoField(verbose_name="ID", primary_key=True, auto_created=True)
    else:
        attrs["id"] = models.AutoField(primary_key=True, verbose_name="ID")
    model = type(plan.model_name, (AbstractUser,), attrs)
    state = ModelState.from_model(model)
    # makemigrations writes these as operations of their own; the stock user has none.
    for option in ("indexes", "constraints"):
        if not state.options.get(option):
            state.options.pop(option, None)
    order = {field.name: position for position, field in enumerate(_stock_fields())}
    fields = sorted(state.fields.items(), key=lambda item: order.get(item[0], len(order)))
    return CreateModel(
        name=state.name,
        fields=fields,
        options=state.options,
        bases=state.bases,
        managers=state.managers,
    )


def _stock_fields() -> list[models.Field[Any, Any]]:
    return [
        *(f for f in User._meta.local_fields),
        *(f for f in User._meta.local_many_to_many),
    ]
