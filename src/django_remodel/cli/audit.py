from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from django_remodel.audit import AuditOptions, FindingOptions, run_audit
from django_remodel.audit.duplicates import DEFAULT_THRESHOLD
from django_remodel.cli.base import Subcommand
from django_remodel.errors import RemodelError, UnknownModelError
from django_remodel.graph import ModelGraph
from django_remodel.report import FORMATS, model_map, render_audit

_DEFAULTS = FindingOptions()


class AuditCommand(Subcommand):
    name = "audit"
    help = "Find duplicated models and other schema problems, and the commands that fix them."
    description = (
        "Read every installed model and report:\n"
        "  - groups of models that store the same entity, with how their fields\n"
        "    correspond, the evidence, a confidence, a suggested canonical model\n"
        "    and the 'remodel merge' command line that would consolidate them;\n"
        "  - a one-to-one profile of the user model, multi-table inheritance,\n"
        "    apps with long migration histories, and (with --with-stats) short\n"
        "    string columns that repeat few values, each with its fixing command;\n"
        "  - a map of the models and their relations.\n"
        "\n"
        "Without --with-stats the database is not touched. With it, row counts,\n"
        "sizes, distinct counts and the overlap of key values between duplicate\n"
        "tables are counted inside the database; reports show counts, never the\n"
        "rows' values. Nothing is written unless --output is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--with-stats",
            action="store_true",
            help="Read row counts, sizes and value overlaps from the database.",
        )
        parser.add_argument(
            "--database",
            default="default",
            metavar="ALIAS",
            help="The database --with-stats reads (default: 'default').",
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default="text",
            help="text (default), json (see docs/audit-json.md), markdown, "
            "mermaid (an ER diagram), or html (one self-contained page).",
        )
        parser.add_argument("--output", metavar="FILE", help="Write the report to FILE.")
        parser.add_argument(
            "--show-values",
            action="store_true",
            help="Allow row values from the tables in the report (off: counts only).",
        )
        parser.add_argument(
            "--threshold",
            type=float,
            default=DEFAULT_THRESHOLD,
            help=f"Confidence from which models are grouped (default: {DEFAULT_THRESHOLD}).",
        )
        parser.add_argument(
            "--history-threshold",
            type=int,
            default=_DEFAULTS.history_threshold,
            metavar="N",
            help=f"Report apps with N or more migrations (default: {_DEFAULTS.history_threshold}).",
        )
        parser.add_argument(
            "--max-distinct-ratio",
            type=float,
            default=_DEFAULTS.max_distinct_ratio,
            metavar="R",
            help="Report string columns whose distinct values are at most this share of "
            f"their rows (default: {_DEFAULTS.max_distinct_ratio}).",
        )
        parser.add_argument(
            "--min-rows",
            type=int,
            default=_DEFAULTS.min_rows,
            metavar="N",
            help=f"...and that hold at least N values (default: {_DEFAULTS.min_rows}).",
        )
        model_map_options = parser.add_argument_group("model map only")
        model_map_options.add_argument(
            "--map",
            action="store_true",
            help="Print only the map of the models and their relations.",
        )
        model_map_options.add_argument(
            "app_labels",
            nargs="*",
            metavar="app_label",
            help="With --map: only these apps (default: every installed app).",
        )
        model_map_options.add_argument(
            "--first-party",
            action="store_true",
            help="With --map: leave out models of Django and of third-party packages.",
        )
        model_map_options.add_argument(
            "--fields", action="store_true", help="With --map: list every field."
        )

    def handle(self, **options: Any) -> None:
        if options["map"]:
            self._map(options)
            return
        if options["app_labels"]:
            raise RemodelError(
                "App labels only narrow the model map: add --map, or drop them to audit "
                "the whole project (duplicates are looked for across all apps)."
            )
        if not 0 < options["threshold"] <= 1:
            raise RemodelError(f"--threshold {options['threshold']} must be within (0, 1].")
        report = run_audit(
            options=AuditOptions(
                with_stats=options["with_stats"],
                using=options["database"],
                threshold=options["threshold"],
                findings=FindingOptions(
                    history_threshold=options["history_threshold"],
                    max_distinct_ratio=options["max_distinct_ratio"],
                    min_rows=options["min_rows"],
                ),
            )
        )
        rendered = render_audit(report, options["format"], show_values=options["show_values"])
        self._emit(rendered, options)

    def _map(self, options: dict[str, Any]) -> None:
        graph = ModelGraph.build()
        for app_label in options["app_labels"]:
            if not graph.models_of(app_label):
                raise UnknownModelError(
                    f"No installed app labelled {app_label!r} has models; "
                    f"known apps: {', '.join(graph.app_labels())}."
                )
        if options["format"] == "json":
            filtered = options["app_labels"] or options["first_party"]
            shown = (
                model_map.visible_models(
                    graph,
                    options["app_labels"] or None,
                    include_third_party=not options["first_party"],
                )
                if filtered
                else None
            )
            rendered = json.dumps(model_map.to_json(graph, shown), indent=2) + "\n"
        elif options["format"] == "text":
            rendered = model_map.render_text(
                graph,
                options["app_labels"] or None,
                include_third_party=not options["first_party"],
                show_fields=options["fields"],
            )
        else:
            raise RemodelError("--map prints text or json; use --format text or --format json.")
        self._emit(rendered, options)

    def _emit(self, rendered: str, options: dict[str, Any]) -> None:
        if options["output"]:
            path = Path(options["output"])
            try:
                path.write_text(rendered, encoding="utf-8")
            except OSError as error:
                raise RemodelError(
                    f"Cannot write the report to {str(path)!r}: {error.strerror}."
                ) from None
            self.stdout.write(f"Wrote the {options['format']} report to {path}.")
        else:
            self.stdout.write(rendered, ending="" if rendered.endswith("\n") else "\n")
