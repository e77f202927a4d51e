"""The audit report as Markdown, to paste into an issue or a pull request.

CommonMark with GitHub's tables: a heading per section, a mapping table per
duplicate group, shell code blocks for the commands, and the ER diagram as a
``mermaid`` block folded into a ``<details>`` element.
"""

from __future__ import annotations

import re

from django_remodel.audit.result import AuditReport, DuplicateGroup
from django_remodel.report import _common, mermaid

MAX_MERMAID = 45_000
"""Longer diagrams are left out: mermaid refuses more than 50,000 characters by default
(its ``maxTextSize``), and viewers such as GitHub keep that default."""

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")


def render(report: AuditReport, *, show_values: bool = False) -> str:
    """The whole report as Markdown.

    ``show_values`` is accepted for symmetry with the other renderers: the
    report holds no row values (only counts, sizes and ratios).
    """
    blocks: list[str] = ["# Model audit", _header_list(report)]
    blocks.append(f"## Duplicate groups ({len(report.groups)})")
    if report.groups:
        for number, group in enumerate(report.groups, start=1):
            blocks += _group_blocks(report, group, number)
    else:
        blocks.append("No duplicate groups found.")
    blocks.append(f"## Other findings ({len(report.findings)})")
    if report.findings:
        blocks += _findings_blocks(report)
    else:
        blocks.append("No other findings.")
    blocks.append("## Models")
    blocks += _models_blocks(report)
    return "\n\n".join(blocks) + "\n"


def escape(text: str) -> str:
    """Text that Markdown shows as is, also inside a table cell."""
    return _SPECIAL.sub(r"\\\1", text).replace("\r", " ").replace("\n", " ")


def code(text: str, *, in_table: bool = True) -> str:
    """An inline code span that holds ``text`` whatever backticks it contains.

    Inside a table a ``|`` still ends the cell (GitHub's rule), so there it is escaped.
    """
    text = text.replace("\r", " ").replace("\n", " ")
    if in_table:
        text = text.replace("|", "\\|")
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or run else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def fenced(text: str, info: str = "") -> str:
    """A fenced code block longer than any backtick run in ``text``."""
    run = max((len(m) for m in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, run + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def table(headers: list[str], rows: list[list[str]], align: str = "") -> str:
    """A GitHub table; ``align`` has one letter per column: ``l`` (default) or ``r``."""
    rules = ["---:" if align[i : i + 1] == "r" else "---" for i in range(len(headers))]
    lines = [_row(headers), _row(rules)]
    lines += [_row(row) for row in rows]
    return "\n".join(lines)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cell or " " for cell in cells) + " |"


def _header_list(report: AuditReport) -> str:
    figures = _common.summary(report)
    items = [
        f"**Models:** {figures.models} in {figures.apps} apps "
        f"({figures.first_party} first-party), {figures.relations} relations",
        f"**AUTH\\_USER\\_MODEL:** {code(figures.auth_user_model, in_table=False)}",
    ]
    database = _common.database_summary(report)
    if database is not None:
        items.append(
            f"**Database:** {escape(database.vendor)} {code(database.database, in_table=False)}: "
            + escape(_common.database_figures(database))
        )
    migrations = _common.migrations_text(report.migration_counts)
    if migrations:
        items.append(f"**Migrations:** {escape(migrations)}")
    return "\n".join(f"- {item}" for item in items)


def _group_blocks(report: AuditReport, group: DuplicateGroup, number: int) -> list[str]:
    title = f"### Group {number}: {code(group.canonical, in_table=False)}"
    if len(group.models) > 1:
        title += f" and {len(group.models) - 1} more"
    blocks = [title]
    intro = f"Confidence **{_common.percent(group.confidence)}**"
    if group.key:
        intro += f"; rows are identified by {escape(group.key)}"
    blocks.append(intro + ".")
    with_rows = report.stats is not None
    member_rows = []
    for label in group.models:
        role = "canonical" if label == group.canonical else "merged into the canonical"
        row = [code(label), role]
        if with_rows:
            row.append(escape(_common.rows_text(report, label) or "not counted"))
        member_rows.append(row)
    headers = ["Model", "Role"] + (["Rows"] if with_rows else [])
    blocks.append(table(headers, member_rows, "llr"))
    if group.mapping:
        headers = ["Concept"] + [
            code(label) + (" ★" if label == group.canonical else "") for label in group.models
        ]
        rows = [
            [escape(row.concept)]
            + [code(name) if (name := row.field_of(label)) else "—" for label in group.models]
            for row in group.mapping
        ]
        blocks += ["**Field mapping** (★ canonical)", table(headers, rows)]
    if group.evidence:
        items = [
            f"- {code(_common.weight_text(item.weight).strip())} "
            f"**{escape(item.kind)}**: {escape(item.detail)}"
            for item in group.evidence
        ]
        blocks += ["**Evidence**", "\n".join(items)]
    if group.overlaps:
        rows = [
            [
                code(f"{o.model}.{o.field}"),
                code(f"{o.other_model}.{o.other_field}"),
                _common.count(o.shared),
                _common.count(o.distinct),
                _common.percent(o.share) if o.distinct else "—",
            ]
            for o in group.overlaps
        ]
        blocks += [
            "**Key overlap**",
            table(["Key", "Found in", "Shared", "Distinct", "Share"], rows, "llrrr"),
        ]
    if group.commands:
        blocks += ["**Commands**", fenced("\n".join(group.commands), "sh")]
    return blocks


def _findings_blocks(report: AuditReport) -> list[str]:
    rows = [
        [
            escape(str(f.kind)),
            code(f.subject),
            escape(f.message),
            escape(_common.figures_text(f.figures)),
        ]
        for f in report.findings
    ]
    commands = "\n".join(
        f"# {f.kind}: {f.subject}\n{f.command}" for f in report.findings if f.command
    )
    blocks = [table(["Kind", "Subject", "Finding", "Figures"], rows)]
    if commands:
        blocks += ["**Commands**", fenced(commands, "sh")]
    return blocks


def _models_blocks(report: AuditReport) -> list[str]:
    graph = report.graph
    members = _common.memberships(report)
    rows = []
    for app_label in graph.app_labels():
        nodes = [n for n in _common.diagram_models(graph) if n.app_label == app_label]
        if not nodes:
            continue
        names = ", ".join(
            code(n.object_name)
            + (f" (group {members[n.label].group})" if n.label in members else "")
            for n in nodes
        )
        party = "yes" if any(n.first_party for n in nodes) else "no"
        migrations = report.migration_counts.get(app_label)
        rows.append(
            [code(app_label), party, names, _common.count(migrations) if migrations else "—"]
        )
    blocks = [table(["App", "First-party", "Models with a table", "Migrations"], rows, "lllr")]
    diagram = mermaid.render(report)
    if len(diagram) > MAX_MERMAID:
        blocks.append(
            f"The ER diagram ({len(diagram):,} characters) is too big for the mermaid of "
            "Markdown viewers; render it with the mermaid or html format instead."
        )
    else:
        blocks.append(
            "<details>\n<summary>ER diagram (mermaid)</summary>\n\n"
            + fenced(diagram, "mermaid")
            + "\n\n</details>"
        )
    return blocks
