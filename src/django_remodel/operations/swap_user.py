"""``RepointContentType``: the stock user's content type becomes the new user model's.

After a swap the ``auth.user`` row of ``django_content_type`` names a model
that no longer has a manager, so admin log entries, permissions and generic
relations pointing at it no longer resolve. The row is renamed in place
(``app_label`` and ``model``), which keeps its id, so everything that points
at it points at the new model. A content type the new model got already from
``post_migrate`` is dropped first, with its permissions, when nothing uses
them; otherwise the operation refuses and changes nothing.

A fixed handful of statements, whatever the number of rows.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState, StateApps

from django_remodel.errors import OperationSetupError


def _rename(
    apps: StateApps,
    alias: str,
    *,
    old: tuple[str, str],
    new: tuple[str, str],
) -> None:
    content_types = apps.get_model("contenttypes", "ContentType")._base_manager.using(alias)
    source = content_types.filter(app_label=old[0], model=old[1])
    if not source.exists():
        return
    existing = content_types.filter(app_label=new[0], model=new[1])
    if existing.exists():
        permission = apps.get_model("auth", "Permission")
        used = [
            relation
            for relation in permission._meta.related_objects
            if relation.related_model._base_manager.using(alias)
            .filter(**{f"{relation.field.name}__content_type__in": existing})
            .exists()
        ]
        referring = [
            relation
            for relation in apps.get_model("contenttypes", "ContentType")._meta.related_objects
            if relation.related_model is not permission
            and relation.related_model._base_manager.using(alias)
            .filter(**{f"{relation.field.name}__in": existing})
            .exists()
        ]
        if used or referring:
            names = ", ".join(sorted({r.related_model._meta.label for r in [*used, *referring]}))
            raise OperationSetupError(
                f"Content type {new[0]}.{new[1]} exists already and is in use ({names}), "
                f"so {old[0]}.{old[1]} cannot take its place; merge the two by hand, or "
                "remove this migration."
            )
        permission._base_manager.using(alias).filter(content_type__in=existing).delete()
        existing.delete()
    source.update(app_label=new[0], model=new[1])


class RepointContentType(Operation):
    """Rename the ``auth.user`` content type to the app's user model; reversible."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, model_name: str, old_app_label: str = "auth", old_model: str = "user"):
        self.model_name = model_name
        self.old_app_label = old_app_label
        self.old_model = old_model

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {"model_name": self.model_name}
        if (self.old_app_label, self.old_model) != ("auth", "user"):
            kwargs.update(old_app_label=self.old_app_label, old_model=self.old_model)
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Rows only: the project state does not change."""

    def _allowed(self, schema_editor: BaseDatabaseSchemaEditor, app_label: str) -> bool:
        from django.db import router

        return bool(router.allow_migrate(schema_editor.connection.alias, app_label))

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if self._allowed(schema_editor, app_label):
            _rename(
                from_state.apps,
                schema_editor.connection.alias,
                old=(self.old_app_label, self.old_model),
                new=(app_label, self.model_name.lower()),
            )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if self._allowed(schema_editor, app_label):
            _rename(
                from_state.apps,
                schema_editor.connection.alias,
                old=(app_label, self.model_name.lower()),
                new=(self.old_app_label, self.old_model),
            )

    def describe(self) -> str:
        return (
            f"Repoint content type {self.old_app_label}.{self.old_model} to "
            f"{self.model_name.lower()}"
        )

    @property
    def migration_name_fragment(self) -> str:
        return f"repoint_{self.old_model}_content_type"
