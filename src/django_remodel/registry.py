"""The model registry: a committed file listing every model and what it is for.

New developers read it before adding a model; ``remodel registry --check`` and
the system checks ``remodel.W001``/``W002`` catch a model that is missing from
it, or that stores the same thing as a registered one. The file is TOML, made
by ``remodel registry --write`` and edited by hand: purposes and any extra keys
written by people survive the next ``--write``.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from django_remodel import toml
from django_remodel.audit.duplicates import DEFAULT_THRESHOLD, find_duplicate_groups
from django_remodel.audit.result import DuplicateGroup
from django_remodel.errors import RemodelError
from django_remodel.graph import ModelGraph, ModelKind, ModelNode

DEFAULT_FILE_NAME = "model-registry.toml"
PURPOSE_TODO = "TODO: say what this model is for"
_HEADER = """\
# The model registry: every model of this project and what it is for.
#
# Before adding a model, look here for one that already stores the same thing.
# 'python manage.py remodel registry --check' (and 'manage.py check') warn about a
# model that is not listed here, or that duplicates a listed one.
# Edit purposes and add keys (owner = "team") freely: 'remodel registry --write'
# keeps them, adds new models and drops models that no longer exist.
"""


class RegistryError(RemodelError):
    """The registry file is missing, unreadable or malformed."""


@dataclass(frozen=True)
class RegistryEntry:
    label: str
    app: str
    table: str | None
    purpose: str
    fields: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys written by people that the registry does not manage itself."""


@dataclass(frozen=True)
class Registry:
    path: Path
    entries: dict[str, RegistryEntry]

    def __contains__(self, label: object) -> bool:
        return isinstance(label, str) and label.lower() in {k.lower() for k in self.entries}


@dataclass(frozen=True)
class RegistryProblem:
    """A model missing from the registry, perhaps duplicating registered models."""

    label: str
    duplicates: DuplicateGroup | None = None
    """The duplicate group the model falls in, when it holds registered models."""
    twins: tuple[str, ...] = ()
    """The registered models of that group."""


@dataclass(frozen=True)
class WriteResult:
    path: Path
    added: tuple[str, ...]
    removed: tuple[str, ...]
    kept: int


def registry_path(path: str | Path | None = None) -> Path:
    """The registry file: ``path``, else ``settings.REMODEL_REGISTRY_FILE``, else
    ``model-registry.toml`` in ``settings.BASE_DIR`` (or the current directory)."""
    if path is not None:
        return Path(path)
    configured = getattr(settings, "REMODEL_REGISTRY_FILE", None)
    if configured:
        return Path(configured)
    base = getattr(settings, "BASE_DIR", None)
    return Path(base or ".") / DEFAULT_FILE_NAME


def silenced_models() -> frozenset[str]:
    """Labels listed in ``settings.REMODEL_REGISTRY_SILENCED``, lower-cased."""
    return frozenset(label.lower() for label in getattr(settings, "REMODEL_REGISTRY_SILENCED", ()))


def registrable(graph: ModelGraph) -> list[ModelNode]:
    """The models a registry lists: the project's own and the user model."""
    return [
        node
        for node in graph
        if (node.first_party or node.label == graph.auth_user_model)
        and node.kind not in (ModelKind.ABSTRACT, ModelKind.AUTO_CREATED, ModelKind.SWAPPED)
    ]


def load_registry(path: str | Path | None = None) -> Registry:
    resolved = registry_path(path)
    try:
        data = tomllib.loads(resolved.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(
            f"No model registry at {str(resolved)!r}. Create it with "
            f"'python manage.py remodel registry --write'."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise RegistryError(
            f"Cannot read the model registry {str(resolved)!r}: {reason}. "
            f"Point REMODEL_REGISTRY_FILE (or --file) at a readable TOML file."
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise RegistryError(
            f"The model registry {str(resolved)!r} is not valid TOML ({error}); "
            f"fix it by hand or move it away and run 'remodel registry --write'."
        ) from None
    models = data.get("models", {})
    if not isinstance(models, dict):
        raise RegistryError(
            f'The model registry {str(resolved)!r} has no [models."app.Model"] tables.'
        )
    entries = {}
    for label, values in models.items():
        if not isinstance(values, dict):
            raise RegistryError(
                f"Entry {label!r} of the model registry {str(resolved)!r} is not a table; "
                f"write it as [models.{json.dumps(label)}]."
            )
        known = {"app", "table", "purpose", "fields"}
        fields = values.get("fields", [])
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise RegistryError(
                f"Entry {label!r} of the model registry {str(resolved)!r} has 'fields' that "
                f'is not a list of field names; write it as fields = ["id", "name"].'
            )
        entries[label] = RegistryEntry(
            label=label,
            app=str(values.get("app", label.split(".")[0])),
            table=values.get("table"),
            purpose=str(values.get("purpose", "")),
            fields=tuple(fields),
            extra={k: v for k, v in values.items() if k not in known},
        )
    return Registry(path=resolved, entries=entries)


def _entry_for(node: ModelNode, previous: RegistryEntry | None) -> RegistryEntry:
    purpose = previous.purpose if previous and previous.purpose else None
    if not purpose or purpose == PURPOSE_TODO:
        purpose = (node.docstring or "").strip().split("\n\n")[0].replace("\n", " ") or (
            PURPOSE_TODO
        )
    return RegistryEntry(
        label=node.label,
        app=node.app_label,
        table=node.db_table,
        purpose=purpose,
        fields=tuple(f.name for f in node.fields if f.inherited_from is None),
        extra=dict(previous.extra) if previous else {},
    )


def write_registry(
    graph: ModelGraph, path: str | Path | None = None, *, dry_run: bool = False
) -> WriteResult:
    """Write (or refresh) the registry, keeping what people wrote in it."""
    resolved = registry_path(path)
    previous: dict[str, RegistryEntry] = {}
    if resolved.exists():
        previous = {k.lower(): v for k, v in load_registry(resolved).entries.items()}
    nodes = registrable(graph)
    entries = [_entry_for(node, previous.get(node.label.lower())) for node in nodes]
    current = {node.label.lower() for node in nodes}
    added = tuple(node.label for node in nodes if node.label.lower() not in previous)
    removed = tuple(sorted(e.label for key, e in previous.items() if key not in current))
    if not dry_run:
        text = render_registry(entries)
        try:
            resolved.parent.mkdir(parents=True, exist_ok=True)
            resolved.write_text(text, encoding="utf-8")
        except OSError as error:
            raise RegistryError(
                f"Cannot write the model registry {str(resolved)!r}: {error.strerror}."
            ) from None
    return WriteResult(path=resolved, added=added, removed=removed, kept=len(entries) - len(added))


def render_registry(entries: Iterable[RegistryEntry]) -> str:
    """The registry as TOML, one table per model, grouped by app."""
    lines = [_HEADER]
    app = None
    for entry in sorted(entries, key=lambda e: (e.app, e.label.lower())):
        if entry.app != app:
            app = entry.app
            lines.append(f"# --- app {app!r} ---\n")
        items = {
            "purpose": entry.purpose,
            "app": entry.app,
            "table": entry.table or None,
            "fields": list(entry.fields),
            **entry.extra,
        }
        lines += toml.table(f"models.{json.dumps(entry.label)}", items)
        lines.append("")
    return "\n".join(lines)


def check_registry(
    graph: ModelGraph,
    registry: Registry,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    silenced: frozenset[str] = frozenset(),
) -> list[RegistryProblem]:
    """Models missing from the registry, and those that duplicate registered models.

    Duplicates among registered models are known already (the audit reports them);
    only a model that is new to the registry is checked against the others.
    """
    new = [
        node.label
        for node in registrable(graph)
        if node.label not in registry and node.label.lower() not in silenced
    ]
    if not new:
        return []
    groups = find_duplicate_groups(graph, threshold=threshold)
    problems = []
    for label in new:
        group = next((g for g in groups if label in g.models), None)
        twins = tuple(m for m in group.models if m != label and m in registry) if group else ()
        problems.append(
            RegistryProblem(label=label, duplicates=group if twins else None, twins=twins)
        )
    return problems
