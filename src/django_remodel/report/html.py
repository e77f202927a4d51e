"""The audit report as one self-contained HTML5 page.

No external resource of any kind: the styles are inline, there is no script,
and the diagram is an inline SVG laid out by ``report.svg``. Every piece of
text from the report goes through ``html.escape``.
"""

from __future__ import annotations

from html import escape

from django_remodel.audit.result import AuditReport, DuplicateGroup
from django_remodel.report import _common, svg

FIT_WIDTH = 1800
"""Diagrams up to this wide shrink to fit the window; wider ones scroll."""

_CSS = """
:root{color-scheme:light;--fg:#0f172a;--muted:#475569;--line:#e2e8f0;--head:#f1f5f9}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:#fff}
header,main{max-width:1200px;margin:0 auto;padding:0 24px}
header{padding-top:24px}
h1{font-size:26px;margin:0 0 12px}
h2{font-size:21px;margin:36px 0 12px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:17px;margin:24px 0 8px;display:flex;align-items:center;gap:8px;flex-wrap:wrap}
h4{font-size:14px;margin:16px 0 6px;color:var(--muted);text-transform:uppercase;
letter-spacing:.04em}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:13px}
pre{background:#0f172a;color:#e2e8f0;padding:10px 14px;border-radius:6px;overflow-x:auto;
white-space:pre-wrap;word-break:break-all}
table{border-collapse:collapse;margin:4px 0 8px}
th,td{border:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
th{background:var(--head);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.none{color:#94a3b8}
.summary{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0;padding:0}
.summary div{min-width:0}
.summary dt{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.summary dd{margin:0;font-weight:600}
nav{margin:16px 0 0;display:flex;gap:16px;flex-wrap:wrap}
nav a{color:#1d4ed8}
.group{border:1px solid var(--line);border-left-width:6px;border-radius:6px;padding:4px 16px 8px;
margin:16px 0}
.pill{font-size:12px;font-weight:600;border-radius:999px;padding:1px 9px;background:var(--head);
color:var(--muted)}
.scroll{overflow-x:auto}
.evidence{margin:4px 0;padding-left:20px}
.weight{display:inline-block;min-width:3.6em;font-family:ui-monospace,monospace;font-size:13px}
.neg{color:#b91c1c}.pos{color:#15803d}
.empty{color:var(--muted);font-style:italic}
.wide{width:calc(100vw - 48px);margin-left:calc(50% - 50vw + 24px)}
.diagram{overflow:auto;border:1px solid var(--line);border-radius:6px;background:#fff}
.diagram svg{display:block;margin:0 auto}
.diagram.fit svg{max-width:100%;height:auto}
footer{max-width:1200px;margin:32px auto;padding:0 24px;color:var(--muted);font-size:13px}
"""


def render(report: AuditReport, *, show_values: bool = False) -> str:
    """The whole report as an HTML5 page.

    ``show_values`` is accepted for symmetry with the other renderers: the
    report holds no row values (only counts, sizes and ratios).
    """
    figures = _common.summary(report)
    title = (
        f"Model audit: {figures.models} models, "
        f"{_common.plural(len(report.groups), 'duplicate group')}, "
        f"{_common.plural(len(report.findings), 'other finding')}"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        _header(report),
        "<main>",
        _groups_section(report),
        _findings_section(report),
        _diagram_section(report),
        _migrations_section(report),
        "</main>",
        "<footer>This report shows the schema, counts and sizes only: "
        "no value from a row of the project's tables.</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def _header(report: AuditReport) -> str:
    figures = _common.summary(report)
    items = [
        ("Models", f"{figures.models} in {figures.apps} apps ({figures.first_party} first-party)"),
        ("Relations", _common.count(figures.relations)),
        ("AUTH_USER_MODEL", figures.auth_user_model),
    ]
    database = _common.database_summary(report)
    if database is not None:
        items.append(("Database", _common.database_where(database)))
        items.append(("Size", _common.database_figures(database)))
    migrations = _common.migrations_text(report.migration_counts)
    if migrations:
        items.append(("Migrations", migrations))
    summary = "".join(
        f"<div><dt>{escape(name)}</dt><dd>{escape(value)}</dd></div>" for name, value in items
    )
    nav = (
        f'<a href="#groups">Duplicate groups ({len(report.groups)})</a>'
        f'<a href="#findings">Other findings ({len(report.findings)})</a>'
        '<a href="#diagram">Diagram</a>'
    )
    if report.migration_counts:
        nav += '<a href="#migrations">Migrations</a>'
    return (
        f'<header><h1>Model audit</h1><dl class="summary">{summary}</dl><nav>{nav}</nav></header>'
    )


def _groups_section(report: AuditReport) -> str:
    parts = ['<section id="groups">', "<h2>Duplicate groups</h2>"]
    if not report.groups:
        parts.append('<p class="empty">No duplicate groups found.</p>')
    for number, group in enumerate(report.groups, start=1):
        parts.append(_group(report, group, number))
    parts.append("</section>")
    return "\n".join(parts)


def _model_link(label: str, known: set[str]) -> str:
    text = f"<code>{escape(label)}</code>"
    if label in known:
        return f'<a href="#{escape(svg.dom_id(label))}">{text}</a>'
    return text


def _group(report: AuditReport, group: DuplicateGroup, number: int) -> str:
    colour, tint = svg.GROUP_COLOURS[(number - 1) % len(svg.GROUP_COLOURS)]
    drawn = {node.label for node in _common.diagram_models(report.graph)}
    parts = [
        f'<article class="group" id="group-{number}" style="border-left-color:{colour}">',
        f"<h3>Group {number}: {_model_link(group.canonical, drawn)}"
        + (f" and {len(group.models) - 1} more" if len(group.models) > 1 else "")
        + f'<span class="pill" style="background:{tint}">confidence '
        f"{escape(_common.percent(group.confidence))}</span>"
        + (f'<span class="pill">identified by {escape(group.key)}</span>' if group.key else "")
        + "</h3>",
    ]
    with_rows = report.stats is not None
    head = "<tr><th>Model</th><th>Role</th>" + ('<th class="num">Rows</th>' if with_rows else "")
    rows = []
    for label in group.models:
        role = "canonical" if label == group.canonical else "merged into the canonical"
        cells = f"<td>{_model_link(label, drawn)}</td><td>{escape(role)}</td>"
        if with_rows:
            counted = _common.rows_text(report, label)
            cells += (
                f'<td class="num">{escape(counted)}</td>'
                if counted
                else '<td class="num none">not counted</td>'
            )
        rows.append(f"<tr>{cells}</tr>")
    parts.append(f"<table><thead>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")

    if group.mapping:
        head = "<tr><th>Concept</th>" + "".join(
            f"<th><code>{escape(label)}</code>{' ★' if label == group.canonical else ''}</th>"
            for label in group.models
        )
        body = []
        for row in group.mapping:
            cells = f"<th>{escape(row.concept)}</th>"
            for label in group.models:
                name = row.field_of(label)
                cells += (
                    f"<td><code>{escape(name)}</code></td>" if name else '<td class="none">—</td>'
                )
            body.append(f"<tr>{cells}</tr>")
        parts.append("<h4>Field mapping (★ canonical)</h4>")
        parts.append(
            f'<div class="scroll"><table class="mapping"><thead>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )

    if group.evidence:
        items = []
        for item in group.evidence:
            sign = "neg" if item.weight < 0 else "pos" if item.weight > 0 else ""
            items.append(
                f'<li><span class="weight {sign}">'
                f"{escape(_common.weight_text(item.weight).strip())}</span> "
                f"<strong>{escape(item.kind)}</strong>: {escape(item.detail)}</li>"
            )
        parts.append(f'<h4>Evidence</h4><ul class="evidence">{"".join(items)}</ul>')

    if group.overlaps:
        body = []
        for o in group.overlaps:
            share = _common.percent(o.share) if o.distinct else "—"
            body.append(
                f"<tr><td><code>{escape(o.model)}.{escape(o.field)}</code></td>"
                f"<td><code>{escape(o.other_model)}.{escape(o.other_field)}</code></td>"
                f'<td class="num">{escape(_common.count(o.shared))}</td>'
                f'<td class="num">{escape(_common.count(o.distinct))}</td>'
                f'<td class="num">{escape(share)}</td></tr>'
            )
        parts.append(
            "<h4>Key overlap</h4><table><thead><tr><th>Key</th><th>Found in</th>"
            '<th class="num">Shared</th><th class="num">Distinct</th>'
            f'<th class="num">Share</th></tr></thead><tbody>{"".join(body)}</tbody></table>'
        )

    if group.commands:
        commands = "\n".join(group.commands)
        parts.append(f"<h4>Commands</h4><pre><code>{escape(commands)}</code></pre>")
    parts.append("</article>")
    return "\n".join(parts)


def _findings_section(report: AuditReport) -> str:
    parts = ['<section id="findings">', "<h2>Other findings</h2>"]
    if not report.findings:
        parts.append('<p class="empty">No other findings.</p>')
    else:
        rows = []
        for finding in report.findings:
            rows.append(
                f"<tr><td>{escape(str(finding.kind))}</td>"
                f"<td><code>{escape(finding.subject)}</code></td>"
                f"<td>{escape(finding.message)}</td>"
                f"<td>{escape(_common.figures_text(finding.figures))}</td>"
                f"<td><code>{escape(finding.command)}</code></td></tr>"
            )
        parts.append(
            '<div class="scroll"><table><thead><tr><th>Kind</th><th>Subject</th>'
            "<th>Finding</th><th>Figures</th><th>Command</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _diagram_section(report: AuditReport) -> str:
    drawing = svg.render_svg(report)
    # Shrunk to the window when that keeps the text legible; scrolled otherwise.
    css = "diagram wide fit" if svg.natural_width(drawing) <= FIT_WIDTH else "diagram wide"
    return (
        '<section id="diagram"><h2>Diagram</h2>'
        "<p>Every model with a table, grouped by app. Hover over a box or a line for "
        "details; a line leaves its model at the field that holds the key.</p>"
        f'<div class="{css}">\n{drawing}\n</div></section>'
    )


def _migrations_section(report: AuditReport) -> str:
    if not report.migration_counts:
        return ""
    counts = report.migration_counts
    rows = "".join(
        f'<tr><td><code>{escape(app)}</code></td><td class="num">{counts[app]:,}</td></tr>'
        for app in sorted(counts, key=lambda a: (-counts[a], a))
    )
    return (
        '<section id="migrations"><h2>Migrations</h2><table><thead><tr><th>App</th>'
        f'<th class="num">Migration files</th></tr></thead><tbody>{rows}</tbody></table>'
        "</section>"
    )
