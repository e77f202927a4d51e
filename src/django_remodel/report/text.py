"""The audit report as text for an 80-column terminal, the default format.

Laid out like Django's own command output: a heading per section, items
indented by two spaces, details by four. Tables too wide for the terminal are
split into several narrower ones; long commands are continued with ``\\`` so
they can still be pasted into a shell.
"""

from __future__ import annotations

import textwrap

from django_remodel.audit.result import AuditReport, DuplicateGroup, Finding
from django_remodel.report import _common, model_map

WIDTH = 80
"""No line of the groups and findings sections is wider than this."""


def render(report: AuditReport, *, show_values: bool = False) -> str:
    """The whole report: header, duplicate groups, other findings, the model map.

    ``show_values`` is accepted for symmetry with the other renderers: the
    report holds no row values (only counts, sizes and ratios), so there is
    nothing more to show.
    """
    lines = header_lines(report)
    lines += [""]
    lines += groups_lines(report)
    lines += [""]
    lines += findings_lines(report)
    lines += [""]
    lines += model_map.render_text(report.graph, include_third_party=False).splitlines()
    return "\n".join(lines) + "\n"


def header_lines(report: AuditReport) -> list[str]:
    figures = _common.summary(report)
    lines = [
        f"Audit of {figures.models} models ({figures.first_party} first-party) "
        f"in {figures.apps} apps, {figures.relations} relations",
        f"  AUTH_USER_MODEL: {figures.auth_user_model}",
    ]
    database = _common.database_summary(report)
    if database is not None:
        lines.append(f"  Database: {_common.database_where(database)}")
        lines += _wrap(_common.database_figures(database), 4, 4)
    migrations = _common.migrations_text(report.migration_counts)
    if migrations:
        lines += _wrap("Migrations: " + migrations, 2, 4)
    return lines


def groups_lines(report: AuditReport) -> list[str]:
    """The "Duplicate groups" section, in ``WIDTH`` columns.

    Only a command holding a single word wider than that can overflow: command
    lines are broken between words, never inside one.
    """
    if not report.groups:
        return ["Duplicate groups: none found."]
    count = len(report.groups)
    lines = [f"Duplicate groups: {count} (* marks the model the others merge into)"]
    for number, group in enumerate(report.groups, start=1):
        lines.append("")
        lines += _group_lines(report, group, number, count)
    return lines


def findings_lines(report: AuditReport) -> list[str]:
    """The "Other findings" section, in ``WIDTH`` columns (commands as in ``groups_lines``)."""
    if not report.findings:
        return ["Other findings: none."]
    lines = [f"Other findings: {len(report.findings)}"]
    for finding in report.findings:
        lines.append("")
        lines += _finding_lines(finding)
    return lines


def _group_lines(report: AuditReport, group: DuplicateGroup, number: int, count: int) -> list[str]:
    heading = (
        f"  Group {number} of {count}: {len(group.models)} models, "
        f"confidence {_common.percent(group.confidence)}"
    )
    if group.key:
        heading += f", identified by {group.key}"
    lines = _wrap(heading.strip(), 2, 4)
    width = max(len(label) for label in group.models)
    for label in group.models:
        mark = "*" if label == group.canonical else " "
        rows = _common.rows_text(report, label)
        line = f"{mark} {label}"
        if rows:
            line = f"{line:<{2 + width}}  {rows}"
        if len(line) + 4 > WIDTH:
            lines += _wrap(f"{mark} {label}", 4, 6)
            lines += _wrap(rows or "", 6, 6) if rows else []
        else:
            lines.append("    " + line)
    if group.mapping:
        lines.append("    Field mapping:")
        lines += _mapping_lines(group, indent=6)
    if group.evidence:
        lines.append("    Evidence:")
        for item in group.evidence:
            lines += _wrap(f"{_common.weight_text(item.weight)}  {item.kind}: {item.detail}", 6, 13)
    if group.overlaps:
        lines.append("    Key overlap:")
        for overlap in group.overlaps:
            lines += _wrap(
                f"{overlap.model}.{overlap.field} in {overlap.other_model}.{overlap.other_field}: "
                + _common.overlap_text(overlap),
                6,
                8,
            )
    if group.commands:
        lines.append("    To consolidate, run:")
        for command in group.commands:
            lines += command_lines(command, 6)
    return lines


def _finding_lines(finding: Finding) -> list[str]:
    lines = _wrap(f"{finding.kind}: {finding.subject}", 2, 4)
    lines += _wrap(finding.message, 4, 4)
    if finding.figures:
        lines += _wrap(_common.figures_text(finding.figures), 4, 6)
    if finding.command:
        lines.append("    Run:")
        lines += command_lines(finding.command, 6)
    return lines


def _mapping_lines(group: DuplicateGroup, indent: int) -> list[str]:
    """The mapping as tables, split by members when too wide; blocks when even that fails."""
    headers = _common.short_headers(group.models)
    headers = [
        h + ("*" if label == group.canonical else "")
        for h, label in zip(headers, group.models, strict=True)
    ]
    concept_head = "concept"
    concepts = [row.concept for row in group.mapping]
    concept_width = max(len(concept_head), *(len(c) for c in concepts))
    cells = [[row.field_of(label) or "-" for label in group.models] for row in group.mapping]
    widths = [max(len(headers[i]), *(len(r[i]) for r in cells)) for i in range(len(group.models))]
    room = WIDTH - indent
    chunks: list[list[int]] = []
    used = concept_width
    for i, w in enumerate(widths):
        if concept_width + 2 + w > room:
            return _mapping_blocks(group, indent)
        if chunks and used + 2 + w <= room:
            chunks[-1].append(i)
            used += 2 + w
        else:
            chunks.append([i])
            used = concept_width + 2 + w
    pad = " " * indent
    lines: list[str] = []
    for n, chunk in enumerate(chunks):
        if n:
            lines.append("")
        head = [concept_head.ljust(concept_width)] + [headers[i].ljust(widths[i]) for i in chunk]
        rule = ["-" * concept_width] + ["-" * widths[i] for i in chunk]
        lines.append(pad + "  ".join(head).rstrip())
        lines.append(pad + "  ".join(rule))
        for concept, row in zip(concepts, cells, strict=True):
            body = [concept.ljust(concept_width)] + [row[i].ljust(widths[i]) for i in chunk]
            lines.append(pad + "  ".join(body).rstrip())
    return lines


def _mapping_blocks(group: DuplicateGroup, indent: int) -> list[str]:
    """One block per concept: used when a single member column would not fit."""
    pad = " " * indent
    width = max(len(label) for label in group.models) + 1
    lines: list[str] = []
    for row in group.mapping:
        lines.append(_clip(pad + row.concept))
        for label in group.models:
            mark = "*" if label == group.canonical else ""
            name = row.field_of(label) or "-"
            line = f"{pad}  {(label + mark):<{width}}  {name}"
            if len(line) > WIDTH:
                lines.append(_clip(f"{pad}  {label}{mark}"))
                lines.append(_clip(f"{pad}      {name}"))
            else:
                lines.append(line)
    return lines


def command_lines(command: str, indent: int) -> list[str]:
    """A command line, continued with ``\\`` onto more lines when too long.

    Breaks only between words, so the pasted lines run the same command.
    """
    pad = " " * indent
    if len(pad) + len(command) <= WIDTH:
        return [pad + command]
    words = command.split(" ")
    lines: list[str] = []
    current = pad + words[0]
    for word in words[1:]:
        if len(current) + 1 + len(word) + 2 <= WIDTH:
            current += " " + word
        else:
            lines.append(current + " \\")
            current = pad + "    " + word
    lines.append(current)
    return lines


def _wrap(text: str, indent: int, subsequent: int) -> list[str]:
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=" " * indent,
        subsequent_indent=" " * subsequent,
        break_on_hyphens=False,
    ) or [" " * indent]


def _clip(line: str) -> str:
    return line if len(line) <= WIDTH else line[: WIDTH - 3] + "..."
