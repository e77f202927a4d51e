"""The proof that a swapped user model left the database as it was.

Run on a database migrated with the old history, after the swap was written:

- ``history``: ``django_migrations`` needs no edit, or only the migrations the
  swap names recorded as applied (``record_applied`` does that);
- ``plan``: what ``migrate`` would still apply changes no table;
- ``makemigrations``: the models and the migrations agree;
- ``schema``: a fresh database migrated from zero with the new history has
  exactly this database's schema;
- ``passwords``: every stored password hash is one a configured hasher reads;
- ``foreign keys``: every foreign key to the user points at an existing user;
- ``content types``: admin log entries and permissions do not point at the
  stock user's content type, which no longer has a model.

Each check is one or a few set-based queries; no row of the user's tables
is read into Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher
from django.db import connections, models
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import RunSQL
from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState
from django.db.models.functions import StrIndex, Substr

from django_remodel.operations import RepointContentType
from django_remodel.schema import compare, connection_for, ensure_reachable
from django_remodel.swap_user.plan import SwapUserError

Key = tuple[str, str]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Verification:
    """The checks, in order, and the migrations to record as applied (if any)."""

    alias: str
    checks: list[Check] = field(default_factory=list)
    to_record: list[Key] = field(default_factory=list)
    #: The pending migration that repoints the stock user's content type, if any.
    repoint: str | None = None

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))


def _user_model() -> type[models.Model]:
    from django.conf import settings

    if settings.AUTH_USER_MODEL.lower() == "auth.user":
        raise SwapUserError(
            "AUTH_USER_MODEL is still 'auth.User': run 'remodel swap-user <app>' first, "
            "then verify."
        )
    return get_user_model()


def missing_records(alias: str) -> list[Key]:
    """Unapplied migrations that applied ones depend on: they must be recorded, not run."""
    connection = connections[alias]
    executor = MigrationExecutor(connection)
    applied = executor.recorder.applied_migrations()
    missing: set[Key] = set()
    for key in applied:
        if key not in executor.loader.graph.nodes:
            continue
        for parent in executor.loader.graph.node_map[key].parents:
            if parent.key not in applied and parent.key not in executor.loader.replacements:
                missing.add(parent.key)
    # What those depend on inside their own app and is not applied either.
    for key in list(missing):
        for ancestor in executor.loader.graph.forwards_plan(key):
            if ancestor not in applied and ancestor[0] == key[0]:
                missing.add(ancestor)
    return sorted(missing)


def _history(result: Verification, user_app: str) -> None:
    missing = missing_records(result.alias)
    if not missing:
        result.add("history", True, "django_migrations needs no change.")
        return
    foreign = [key for key in missing if key[0] != user_app]
    names = ", ".join(f"{app}.{name}" for app, name in missing)
    if foreign:
        result.add(
            "history",
            False,
            f"Migrations applied here depend on unapplied ones ({names}); the history does not "
            "fit this database.",
        )
        return
    result.to_record = missing
    result.add(
        "history",
        True,
        f"{names} must be recorded as applied (the tables exist already): run "
        "'python manage.py remodel swap-user --record-applied' once on this database.",
    )


def _plan(result: Verification) -> None:
    connection = connections[result.alias]
    executor = MigrationExecutor(connection)
    recorded = set(result.to_record)
    targets = executor.loader.graph.leaf_nodes()
    plan = [
        (migration, backwards)
        for migration, backwards in executor.migration_plan(targets)
        if (migration.app_label, migration.name) not in recorded
    ]
    changing: list[str] = []
    data: list[str] = []
    for migration, _backwards in plan:
        state = executor.loader.project_state((migration.app_label, migration.name), at_end=False)
        # Only operations that reduce to SQL are rendered: the others (RunPython, data
        # moves) would run their queries for real.
        with connection.schema_editor(collect_sql=True, atomic=False) as editor:
            for operation in migration.operations:
                new_state = state.clone()
                operation.state_forwards(migration.app_label, new_state)
                if operation.reduces_to_sql and not isinstance(operation, RunSQL):
                    operation.database_forwards(migration.app_label, editor, state, new_state)
                state = new_state
        label = f"{migration.app_label}.{migration.name}"
        if any(isinstance(op, RepointContentType) for op in migration.operations):
            result.repoint = label
        (changing if editor.collected_sql else data).append(label)
    if changing:
        result.add(
            "plan",
            False,
            f"migrate would change the schema: {', '.join(changing)}.",
        )
    elif data:
        result.add("plan", True, f"migrate changes no table; it runs {', '.join(data)}.")
    else:
        result.add("plan", True, "migrate has nothing to apply.")


def _makemigrations(result: Verification) -> None:
    executor = MigrationExecutor(connections[result.alias])
    loader = executor.loader
    autodetector = MigrationAutodetector(
        loader.project_state(),
        ProjectState.from_apps(apps),
        NonInteractiveMigrationQuestioner(specified_apps=set(), dry_run=True),
    )
    changes = autodetector.changes(graph=loader.graph)
    if changes:
        listed = ", ".join(
            f"{app} ({', '.join(op.describe() for m in found for op in m.operations)})"
            for app, found in sorted(changes.items())
        )
        result.add("makemigrations", False, f"makemigrations would write: {listed}.")
    else:
        result.add("makemigrations", True, "No changes detected.")


def _schema(result: Verification) -> None:
    comparison = compare(result.alias, against_migrations=True)
    differences = comparison.differences
    reordered = [d for d in differences if d.attribute == "order"]
    if differences and len(reordered) == len(differences):
        tables = ", ".join(sorted({d.table for d in reordered}))
        result.add(
            "schema",
            True,
            "A database migrated from zero has this database's schema, except the order of "
            f"the columns of {tables}: a column added by a later migration (a field moved "
            "out of the first one to break a cycle) comes last, and on SQLite Django "
            "rebuilds a table to alter a column and puts that column last. Queries name "
            "their columns; nothing reads them by position.",
        )
        return
    if comparison.identical:
        result.add(
            "schema", True, "A database migrated from zero has exactly this database's schema."
        )
    else:
        shown = "; ".join(d.description for d in comparison.differences[:10])
        more = len(comparison.differences) - 10
        result.add(
            "schema",
            False,
            f"{len(comparison.differences)} differences from a database migrated from zero: "
            f"{shown}{f'; and {more} more' if more > 0 else ''}.",
        )


def _passwords(result: Verification, user: type[models.Model]) -> None:
    users = user._base_manager.using(result.alias).exclude(password__startswith="!")
    algorithms = (
        users.annotate(algorithm=Substr("password", 1, StrIndex("password", models.Value("$")) - 1))
        .values("algorithm")
        .annotate(count=models.Count("pk"))
        .order_by("algorithm")
    )
    unreadable = []
    total = 0
    for row in algorithms:
        total += row["count"]
        try:
            get_hasher(row["algorithm"] or "default")
        except ValueError:
            unreadable.append(f"{row['count']} with {row['algorithm'] or 'no'} algorithm")
    if unreadable:
        result.add(
            "passwords",
            False,
            f"Passwords no configured hasher reads: {', '.join(unreadable)}; add the hasher "
            "to PASSWORD_HASHERS.",
        )
    else:
        result.add("passwords", True, f"{total} usable password hashes, each readable.")


def _foreign_keys(result: Verification, user: type[models.Model]) -> None:
    broken, count = [], 0
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for model_field in model._meta.local_fields:
            if not isinstance(model_field, models.ForeignKey):
                continue
            target = model_field.related_model
            if target is None or isinstance(target, str):
                continue
            if target._meta.db_table != user._meta.db_table:
                continue
            count += 1
            rows = model._base_manager.using(result.alias)
            dangling = (
                rows.exclude(**{f"{model_field.attname}__isnull": True})
                .exclude(**{f"{model_field.attname}__in": user._base_manager.values("pk")})
                .count()
            )
            if target is not user:
                broken.append(
                    f"{model._meta.label}.{model_field.name} points at {target._meta.label}"
                )
            elif dangling:
                broken.append(f"{model._meta.label}.{model_field.name}: {dangling} rows")
    if broken:
        result.add(
            "foreign keys",
            False,
            "Foreign keys to the user that do not resolve: " + "; ".join(broken) + ".",
        )
    else:
        result.add("foreign keys", True, f"All {count} foreign keys to the user resolve.")


def _content_types(result: Verification, user: type[models.Model]) -> None:
    if not apps.is_installed("django.contrib.contenttypes"):
        return
    from django.contrib.contenttypes.models import ContentType

    stale = ContentType.objects.using(result.alias).filter(app_label="auth", model="user")
    if not stale.exists():
        result.add("content types", True, "No content type points at the stock user.")
        return
    if result.repoint:
        result.add(
            "content types",
            True,
            f"The content type auth.user is repointed to {user._meta.label} by {result.repoint}.",
        )
        return
    uses, breaking = [], 0
    for relation in ContentType._meta.related_objects:
        related = relation.related_model
        if not isinstance(related, type):
            continue
        found = (
            related._base_manager.using(result.alias)
            .filter(**{f"{relation.field.name}__in": stale})
            .count()
        )
        if found:
            uses.append(f"{found} {related._meta.verbose_name_plural}")
            # Permissions keep working by codename; other rows lose their object.
            if related._meta.label != "auth.Permission":
                breaking += found
    detail = "The content type auth.user has no model any more"
    if uses:
        detail += f" and {', '.join(uses)} point at it"
    detail += (
        "; to make them resolve, run 'remodel swap-user <app> --content-type' to write the "
        "migration that repoints it."
    )
    result.add("content types", not breaking, detail)


def verify(alias: str = "default", *, schema: bool = True) -> Verification:
    """Run every check on database ``alias``."""
    user = _user_model()
    connection = connection_for(alias)
    ensure_reachable(connection)
    result = Verification(alias)
    try:
        _history(result, user._meta.app_label)
        _plan(result)
        _makemigrations(result)
        if schema:
            _schema(result)
        _passwords(result, user)
        _foreign_keys(result, user)
        _content_types(result, user)
    except InconsistentMigrationHistory as error:
        raise SwapUserError(f"The migration history of database {alias!r}: {error}") from error
    return result


def record_applied(alias: str = "default") -> list[Key]:
    """Record the swap's migrations as applied where the tables exist already; the keys."""
    result = Verification(alias)
    user = _user_model()
    _history(result, user._meta.app_label)
    if not result.ok:
        raise SwapUserError(result.checks[-1].detail)
    if not result.to_record:
        return []
    tables = set(connections[alias].introspection.table_names())
    if user._meta.db_table not in tables:
        raise SwapUserError(
            f"Table {user._meta.db_table!r} does not exist in database {alias!r}; there is "
            "nothing to record: run migrate instead."
        )
    recorder = MigrationRecorder(connections[alias])
    for app_label, name in result.to_record:
        recorder.record_applied(app_label, name)
    return result.to_record
