from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from django_remodel.cli.base import Subcommand
from django_remodel.errors import UnknownModelError
from django_remodel.graph import ModelGraph
from django_remodel.report import model_map


class AuditCommand(Subcommand):
    name = "audit"
    help = "Map the project's models and the relations between them."
    description = (
        "Read every installed model and print a map of the project: each model with\n"
        "its table and column count, every relation it declares (->) and every\n"
        "relation that points at it (<-), and the generic foreign keys that may\n"
        "point at any model.\n"
        "Nothing is written and the database is not touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "app_labels",
            nargs="*",
            metavar="app_label",
            help="Only map these apps (default: every installed app).",
        )
        parser.add_argument(
            "--first-party",
            action="store_true",
            help="Leave out models of Django and of third-party packages.",
        )
        parser.add_argument(
            "--fields", action="store_true", help="List every field of every model."
        )
        parser.add_argument(
            "--format",
            choices=("text", "json"),
            default="text",
            help="Output format (default: text).",
        )

    def handle(self, **options: Any) -> None:
        graph = ModelGraph.build()
        for app_label in options["app_labels"]:
            if not graph.models_of(app_label):
                raise UnknownModelError(
                    f"No installed app labelled {app_label!r} has models; "
                    f"known apps: {', '.join(graph.app_labels())}."
                )
        if options["format"] == "json":
            self.stdout.write(json.dumps(model_map.to_json(graph), indent=2))
            return
        self.stdout.write(
            model_map.render_text(
                graph,
                options["app_labels"] or None,
                include_third_party=not options["first_party"],
                show_fields=options["fields"],
            ),
            ending="",
        )
