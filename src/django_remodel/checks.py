"""System checks: ``manage.py check`` catches a model that the registry does not know.

- ``remodel.W001``: a model is not in the model registry.
- ``remodel.W002``: a model not in the registry stores the same thing as registered ones.
- ``remodel.E001``: the registry file cannot be read.
- ``remodel.W010``: an app has more than one leaf migration
  (``django_remodel.lint.system_check``; it runs whatever the registry).

Both run only when the registry file exists. Silence them for one model with
``REMODEL_REGISTRY_SILENCED = ["app.Model"]``, or for all with Django's
``SILENCED_SYSTEM_CHECKS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.core import checks

from django_remodel.graph import ModelGraph
from django_remodel.registry import (
    RegistryError,
    check_registry,
    load_registry,
    registry_path,
    silenced_models,
)


def check_model_registry(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    path = registry_path()
    if not path.exists():
        return []
    graph = ModelGraph.build()
    try:
        registry = load_registry(path)
    except RegistryError as error:
        # A broken registry must not stop runserver or migrate: report it as a check.
        return [
            checks.Error(
                str(error),
                hint="Fix the file by hand, or move it away and run "
                "'python manage.py remodel registry --write'.",
                id="remodel.E001",
            )
        ]
    problems = check_registry(graph, registry, silenced=silenced_models())
    wanted = {config.label for config in app_configs} if app_configs else None
    messages: list[checks.CheckMessage] = []
    for problem in problems:
        node = graph.model(problem.label)
        if wanted is not None and node.app_label not in wanted:
            continue
        model = global_apps.get_model(problem.label)
        silence = f"or silence it with REMODEL_REGISTRY_SILENCED = [{problem.label!r}]"
        if problem.duplicates is not None:
            group = problem.duplicates
            messages.append(
                checks.Warning(
                    f"Model {problem.label!r} ({node.source_file}) is not in the model registry "
                    f"and looks like a duplicate of registered "
                    f"{'model' if len(problem.twins) == 1 else 'models'} "
                    f"{', '.join(problem.twins)} (confidence {group.confidence:.2f}"
                    + (f", same {group.key}" if group.key else "")
                    + ").",
                    hint=(
                        f"Reuse {problem.twins[0]} instead, or consolidate the group with "
                        f"'{group.commands[-1]}'; {silence}."
                    ),
                    obj=model,
                    id="remodel.W002",
                )
            )
        else:
            messages.append(
                checks.Warning(
                    f"Model {problem.label!r} ({node.source_file}) is not in the model registry "
                    f"{str(path)!r}.",
                    hint=(
                        "Check that no registered model stores the same thing, then add it "
                        f"with 'python manage.py remodel registry --write'; {silence}."
                    ),
                    obj=model,
                    id="remodel.W001",
                )
            )
    return messages
