from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from django_remodel.cli.base import Subcommand
from django_remodel.graph import ModelGraph
from django_remodel.registry import (
    check_registry,
    load_registry,
    registry_path,
    silenced_models,
    write_registry,
)


class RegistryCommand(Subcommand):
    name = "registry"
    help = "Write the model registry, or check the models against it."
    description = (
        "The model registry is a committed TOML file listing every model of the\n"
        "project with its purpose (from the docstring, or written by hand), its app,\n"
        "table and fields. Read it before adding a model.\n"
        "\n"
        "  --write   create or refresh it: new models are added, purposes and keys\n"
        "            written by people are kept, models that are gone are dropped.\n"
        "  --check   exit 1, naming the model, when a model is not in the registry,\n"
        "            and name the registered models it duplicates when it does.\n"
        "\n"
        "The file is settings.REMODEL_REGISTRY_FILE, or model-registry.toml in\n"
        "settings.BASE_DIR. 'manage.py check' runs the same check (remodel.W001,\n"
        "remodel.W002) whenever the file exists."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--write", action="store_true", help="Create or refresh the file.")
        action.add_argument(
            "--check", action="store_true", help="Check every model against the file."
        )
        parser.add_argument("--file", help="The registry file (default: see above).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="With --write: say what would change, write nothing.",
        )

    def handle(self, **options: Any) -> None:
        graph = ModelGraph.build()
        if options["write"]:
            self._write(graph, options)
        else:
            self._check(graph, options)

    def _write(self, graph: ModelGraph, options: dict[str, Any]) -> None:
        result = write_registry(graph, options["file"], dry_run=options["dry_run"])
        verb = "Would write" if options["dry_run"] else "Wrote"
        self.stdout.write(
            f"{verb} {result.path}: {result.kept + len(result.added)} models "
            f"({len(result.added)} added, {len(result.removed)} removed)."
        )
        for label in result.added:
            self.stdout.write(f"  + {label}")
        for label in result.removed:
            self.stdout.write(f"  - {label}")

    def _check(self, graph: ModelGraph, options: dict[str, Any]) -> None:
        registry = load_registry(options["file"])
        problems = check_registry(graph, registry, silenced=silenced_models())
        if not problems:
            self.stdout.write(
                self.style.SUCCESS(
                    f"All {len(registry.entries)} models are in the registry {registry.path}."
                )
            )
            return
        for problem in problems:
            if problem.duplicates is not None:
                group = problem.duplicates
                self.stdout.write(
                    self.style.ERROR(f"{problem.label}: not in the registry, and duplicates ")
                    + f"registered {', '.join(problem.twins)} "
                    f"(confidence {group.confidence:.2f}"
                    + (f", same {group.key}" if group.key else "")
                    + ")"
                )
                self.stdout.write(f"    consolidate with: {group.commands[-1]}")
            else:
                self.stdout.write(self.style.ERROR(f"{problem.label}: not in the registry"))
        duplicated = sum(1 for p in problems if p.duplicates is not None)
        raise CommandError(
            f"{len(problems)} model{'s' if len(problems) != 1 else ''} not in the registry "
            f"{str(registry_path(options['file']))!r}"
            + (f", {duplicated} of them duplicating registered models" if duplicated else "")
            + ". Reuse the registered model, or add the new one with "
            "'python manage.py remodel registry --write'.",
            returncode=1,
        )
