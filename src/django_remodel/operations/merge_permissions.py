"""``remodel merge``'s permissions: who held a right on a source holds it on the target.

Removing the sources' content types (:class:`RepointGenericReferences`) removes
their ``auth.Permission`` rows, and with them every group's and user's grant of
them. :class:`MergePermissions` runs just before, in the same contract
migration: each source permission maps to a permission of the target (the
default ones, ``add_<source>`` ..., to the target's same action; any other to
the target's permission of the same codename, created with the source's name
where the target lacks it), and every group and user holding a source
permission is granted its mapped one, each grant once.

Statements do not grow with the grants: a fixed number per source, each an
``INSERT ... SELECT`` or a count. Content types are named in the statements by
app label and model (not by the ids of the database they were written on), so
``sqlmigrate`` shows what runs on any database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_permission_codename
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation, OperationCategory
from django.db.migrations.state import ProjectState, StateApps

from django_remodel.errors import BackfillVerificationError, OperationSetupError
from django_remodel.operations.batching import Runner
from django_remodel.operations.merge import _check, _content_type_id
from django_remodel.operations.state import state_model
from django_remodel.sql.base import Statement

DEFAULT_ACTIONS = ("add", "change", "delete", "view")
"""The actions of Django's default permissions (a model's ``default_permissions``
may name more; those map the same way)."""


# -- What the SQL needs ------------------------------------------------------------------


@dataclass(frozen=True)
class Holders:
    """A table of grants: ``holder`` (a group, a user) holds ``permission``."""

    label: str
    table: str
    holder: str
    permission: str


@dataclass(frozen=True)
class PermissionMap:
    """The permissions of the source model ``source`` (``(app_label, model)``) and the
    target's each maps to: ``codenames`` are ``(source codename, target codename, target
    permission's name)`` for the default ones; any other keeps its codename and name."""

    source: tuple[str, str]
    target: tuple[str, str]
    codenames: tuple[tuple[str, str, str], ...]


class PermissionSQL:
    """The statements that carry grants of a source's permissions over to the target.

    Portable SQL (PostgreSQL, MySQL/MariaDB, SQLite): what a statement reads from the
    table it inserts into goes through a derived table, which MySQL allows. Aliases:
    ``s`` a source permission, ``t`` a target one, ``e`` a row that exists already,
    ``g`` the grants of a source's permissions, ``m`` the permissions they map to."""

    def __init__(
        self, connection: BaseDatabaseWrapper, permissions: str, content_types: str
    ) -> None:
        self.quote = connection.ops.quote_name
        self.permissions = self.quote(permissions)
        self.content_types = self.quote(content_types)

    def col(self, alias: str, name: str) -> str:
        return f"{alias}.{self.quote(name)}"

    def content_type(self, app_model: tuple[str, str]) -> tuple[str, tuple[Any, ...]]:
        """The id of the content type of ``(app_label, model)``, as a subquery."""
        return (
            f"(SELECT {self.col('c', 'id')} FROM {self.content_types} c "
            f"WHERE {self.col('c', 'app_label')} = %s AND {self.col('c', 'model')} = %s)",
            app_model,
        )

    def _mapped(
        self, pairs: Sequence[tuple[str, str]], otherwise: str
    ) -> tuple[str, tuple[Any, ...]]:
        """What the source permission ``s``'s codename becomes by ``pairs`` (``(codename,
        value)``), else ``otherwise``."""
        if not pairs:
            return otherwise, ()
        whens = " ".join("WHEN %s THEN %s" for _ in pairs)
        return (
            f"CASE {self.col('s', 'codename')} {whens} ELSE {otherwise} END",
            tuple(value for pair in pairs for value in pair),
        )

    def _codename(self, mapping: PermissionMap) -> tuple[str, tuple[Any, ...]]:
        """The codename of the target permission a source permission ``s`` maps to."""
        return self._mapped(
            [(source, target) for source, target, _ in mapping.codenames],
            self.col("s", "codename"),
        )

    def _missing(self, alias: str) -> str:
        """No permission of ``alias``'s content type and codename exists yet."""
        return (
            f"NOT EXISTS (SELECT 1 FROM {self.permissions} e WHERE "
            f"{self.col('e', 'content_type_id')} = {self.col(alias, 'content_type_id')} AND "
            f"{self.col('e', 'codename')} = {self.col(alias, 'codename')})"
        )

    def _insert_permissions(self) -> str:
        columns = ", ".join(self.quote(c) for c in ("name", "content_type_id", "codename"))
        return f"INSERT INTO {self.permissions} ({columns}) "

    def create_default(self, target: tuple[str, str], codename: str, name: str) -> Statement:
        """The target's permission ``codename``, where it has none yet."""
        target_type, target_params = self.content_type(target)
        return Statement(
            f"{self._insert_permissions()}SELECT {self.col('m', 'name')}, "
            f"{self.col('m', 'content_type_id')}, {self.col('m', 'codename')} FROM ("
            f"SELECT %s AS {self.quote('name')}, {target_type} AS "
            f"{self.quote('content_type_id')}, %s AS {self.quote('codename')}) m "
            f"WHERE {self._missing('m')}",
            (name, *target_params, codename),
        )

    def create_mapped(self, mapping: PermissionMap) -> Statement:
        """The target permissions the source's map to, where the target lacks them."""
        codename, codename_params = self._codename(mapping)
        name, name_params = self._mapped(
            [(source, name) for source, _, name in mapping.codenames], self.col("s", "name")
        )
        source_type, source_params = self.content_type(mapping.source)
        target_type, target_params = self.content_type(mapping.target)
        m_type, m_codename = self.col("m", "content_type_id"), self.col("m", "codename")
        # Two source permissions can map to one codename (a custom "add_person" beside
        # the default "add_patient"): one row per codename.
        return Statement(
            f"{self._insert_permissions()}SELECT MIN({self.col('m', 'name')}), {m_type}, "
            f"{m_codename} FROM (SELECT {name} AS {self.quote('name')}, {target_type} AS "
            f"{self.quote('content_type_id')}, {codename} AS {self.quote('codename')} "
            f"FROM {self.permissions} s WHERE {self.col('s', 'content_type_id')} = "
            f"{source_type}) m WHERE {self._missing('m')} GROUP BY {m_type}, {m_codename}",
            (*name_params, *target_params, *codename_params, *source_params),
        )

    def _held(self, holders: Holders, mapping: PermissionMap) -> tuple[str, tuple[Any, ...]]:
        """A derived table ``g`` of the grants of the source's permissions: the holder
        and the codename of the target permission it maps to."""
        codename, codename_params = self._codename(mapping)
        source_type, source_params = self.content_type(mapping.source)
        return (
            f"(SELECT {self.col('h', holders.holder)} AS {self.quote('holder')}, {codename} "
            f"AS {self.quote('codename')} FROM {self.quote(holders.table)} h "
            f"JOIN {self.permissions} s ON {self.col('s', 'id')} = "
            f"{self.col('h', holders.permission)} "
            f"WHERE {self.col('s', 'content_type_id')} = {source_type}) g",
            (*codename_params, *source_params),
        )

    def _target(self, mapping: PermissionMap) -> tuple[str, tuple[Any, ...]]:
        """``t`` is the target permission the grant ``g`` maps to."""
        target_type, target_params = self.content_type(mapping.target)
        return (
            f"{self.col('t', 'codename')} = {self.col('g', 'codename')} "
            f"AND {self.col('t', 'content_type_id')} = {target_type}",
            target_params,
        )

    def _holds(self, holders: Holders) -> str:
        """The holder of ``g`` holds the permission ``t`` (as the grant ``e``)."""
        return (
            f"{self.col('e', holders.holder)} = {self.col('g', 'holder')} "
            f"AND {self.col('e', holders.permission)} = {self.col('t', 'id')}"
        )

    def grant(self, holders: Holders, mapping: PermissionMap) -> Statement:
        """Grant every holder of a source permission its target permission, once."""
        held, held_params = self._held(holders, mapping)
        target, target_params = self._target(mapping)
        table = self.quote(holders.table)
        columns = f"{self.quote(holders.holder)}, {self.quote(holders.permission)}"
        return Statement(
            f"INSERT INTO {table} ({columns}) SELECT DISTINCT {self.col('g', 'holder')}, "
            f"{self.col('t', 'id')} FROM {held} JOIN {self.permissions} t ON {target} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} e WHERE {self._holds(holders)})",
            (*held_params, *target_params),
        )

    def count_missing(self, holders: Holders, mapping: PermissionMap) -> Statement:
        """The grants of source permissions whose holder lacks the target permission."""
        held, held_params = self._held(holders, mapping)
        target, target_params = self._target(mapping)
        return Statement(
            f"SELECT COUNT(*) FROM {held} WHERE NOT EXISTS (SELECT 1 FROM "
            f"{self.quote(holders.table)} e JOIN {self.permissions} t ON {target} "
            f"AND {self._holds(holders)})",
            (*held_params, *target_params),
        )


# -- Reading the state -------------------------------------------------------------------


def _app_model(model: type[models.Model]) -> tuple[str, str]:
    return model._meta.app_label, model._meta.model_name or ""


def _holders(
    label: str, model: type[models.Model], permission: type[models.Model]
) -> list[Holders]:
    """The many-to-many tables of ``model`` to ``permission``."""
    found = []
    for field in model._meta.local_many_to_many:
        if field.related_model is not permission:
            continue
        through: Any = field.remote_field.through
        found.append(
            Holders(
                label=label,
                table=through._meta.db_table,
                holder=field.m2m_column_name(),
                permission=field.m2m_reverse_name(),
            )
        )
    return found


def permission_holders(apps: StateApps) -> list[Holders]:
    """The grant tables of the state: groups', and the user model's (none when it has no
    ``PermissionsMixin``)."""
    permission = apps.get_model("auth", "Permission")
    found = _holders("group", apps.get_model("auth", "Group"), permission)
    try:
        user = apps.get_model(settings.AUTH_USER_MODEL)
    except LookupError:
        raise OperationSetupError(
            f"MergePermissions: the user model {settings.AUTH_USER_MODEL!r} is not in the "
            "migration state, so its users' permissions cannot be carried over; make the "
            "migration depend on its app "
            "(migrations.swappable_dependency(settings.AUTH_USER_MODEL)), then migrate again."
        ) from None
    return found + _holders("user", user, permission)


def default_permission(action: str, model: type[models.Model]) -> tuple[str, str]:
    """The codename and name of ``model``'s default permission of ``action``, as
    ``migrate`` creates it."""
    opts = model._meta
    return get_permission_codename(action, opts), f"Can {action} {opts.verbose_name_raw}"


def permission_map(source: type[models.Model], target: type[models.Model]) -> PermissionMap:
    """Where each permission of ``source`` goes on ``target``."""
    actions = dict.fromkeys([*DEFAULT_ACTIONS, *source._meta.default_permissions])
    return PermissionMap(
        source=_app_model(source),
        target=_app_model(target),
        codenames=tuple(
            (default_permission(action, source)[0], *default_permission(action, target))
            for action in actions
        ),
    )


# -- The operation ---------------------------------------------------------------------


class MergePermissions(Operation):
    """Grant every group and user holding a permission of a source model the target's
    permission it maps to (``add_<source>`` to ``add_<target>`` ..., a custom one to the
    target's of the same codename, created where missing), before the sources' content
    types and permissions are removed.

    Irreversible: migrating back cannot tell the grants it added from those held before."""

    category = OperationCategory.SQL
    reversible = False
    reduces_to_sql = True

    def __init__(self, model_name: str, sources: Sequence[str]) -> None:
        if not sources:
            raise OperationSetupError(f"MergePermissions({model_name!r}): name the source models.")
        self.model_name = model_name
        self.sources = list(sources)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            self.__class__.__name__,
            [],
            {"model_name": self.model_name, "sources": self.sources},
        )

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing: permissions and their grants are rows, not models."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        apps = from_state.apps
        target = state_model(apps, app_label, self.model_name, "target")
        if not self.allow_migrate_model(schema_editor.connection.alias, target):
            return
        if "contenttypes" not in apps.app_configs or "auth" not in apps.app_configs:
            return
        runner = Runner(schema_editor)
        sources = [state_model(apps, app_label, label, "source") for label in self.sources]
        holders = permission_holders(apps)
        sql = PermissionSQL(
            schema_editor.connection,
            apps.get_model("auth", "Permission")._meta.db_table,
            apps.get_model("contenttypes", "ContentType")._meta.db_table,
        )
        # One transaction, on MySQL too (its migrations have none), which a failed
        # check rolls back.
        with runner.transaction():
            sources = [
                model
                for model in sources
                if _content_type_id(runner, *_app_model(model), create=False) is not None
            ]
            if not sources:
                return
            _content_type_id(runner, *_app_model(target), create=True)
            runner.comment(
                f"Here the content type of {target._meta.label} is looked up, and created "
                "where it is missing."
            )
            for action in target._meta.default_permissions:
                codename, name = default_permission(action, target)
                runner.execute(sql.create_default(_app_model(target), codename, name))
            for source in sources:
                self._merge(runner, sql, holders, permission_map(source, target))

    def _merge(
        self, runner: Runner, sql: PermissionSQL, holders: list[Holders], mapping: PermissionMap
    ) -> None:
        runner.execute(sql.create_mapped(mapping))
        for table in holders:
            runner.execute(sql.grant(table, mapping))
        missing = {
            table.label: _check(runner, sql.count_missing(table, mapping)) for table in holders
        }
        if any(missing.values()):
            source, target = (".".join(pair) for pair in (mapping.source, mapping.target))
            counts = " and ".join(
                f"{count:,} {label} grant(s)" for label, count in missing.items() if count
            )
            raise BackfillVerificationError(
                f"Merging the permissions of {source} into {target} did not verify: {counts} of "
                f"a {source} permission have no grant of the {target} permission it maps to. "
                "The transaction is rolled back: nothing was changed. Find what changed the "
                "permissions or their grants while they moved, then migrate again."
            )

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        raise NotImplementedError(
            f"The permissions of {', '.join(self.sources)} granted on {self.model_name} cannot "
            "be told apart from those held before, so they cannot be taken back."
        )

    def describe(self) -> str:
        return f"Grant the permissions of {', '.join(self.sources)} on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"merge_permissions_into_{self.model_name.rpartition('.')[2].lower()}"
