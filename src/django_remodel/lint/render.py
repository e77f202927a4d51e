"""A lint report as text (laid out like ``manage.py check``) or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django_remodel.lint.result import Finding, LintReport, Severity

FORMATS = ("text", "json")
SCHEMA = "django-remodel/lint"
VERSION = 1


def shown_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when it is under it, else as it is."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def location(finding: Finding, root: Path) -> str:
    """``app/migrations/0007_x.py:12``; the app label when there is no file."""
    if finding.path is None:
        return finding.app_label
    shown = shown_path(finding.path, root)
    return f"{shown}:{finding.line}" if finding.line else shown


def summary(report: LintReport) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    if not report.findings:
        return f"remodel lint identified no issues in {len(report.apps)} apps."
    total = errors + warnings
    return (
        f"remodel lint identified {total} issue{'s' if total != 1 else ''} "
        f"({errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''})."
    )


def render_text(report: LintReport, root: Path) -> str:
    lines = []
    if report.database is None:
        scope = "no database read: every migration counts as not applied, tables as big"
    else:
        scope = (
            f"database {report.database!r} ({report.vendor}): {report.pending} "
            f"migration{'s' if report.pending != 1 else ''} not applied, big tables from "
            f"{report.big_table_rows:,} rows"
        )
    lines.append(
        f"Linted the migrations of {', '.join(report.apps) or 'no apps'}; {scope}; "
        f"locks judged for {' and '.join(report.targets)}."
    )
    for severity, title in ((Severity.ERROR, "ERRORS:"), (Severity.WARNING, "WARNINGS:")):
        group = [f for f in report.findings if f.severity is severity]
        if not group:
            continue
        lines.append(title)
        for finding in group:
            lines.append(f"{location(finding, root)}: {finding.code} {finding.message}")
            lines.append(f"\tHINT: {finding.hint}")
        lines.append("")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def to_data(report: LintReport, root: Path) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "apps": list(report.apps),
        "database": report.database,
        "vendor": report.vendor,
        "targets": list(report.targets),
        "big_table_rows": report.big_table_rows,
        "pending_migrations": report.pending,
        "ignored": sorted(report.ignored),
        "summary": {"errors": len(report.errors), "warnings": len(report.warnings)},
        "findings": [
            {
                "code": f.code,
                "severity": f.severity.value,
                "app": f.app_label,
                "migration": f.migration,
                "path": shown_path(f.path, root) if f.path else None,
                "line": f.line,
                "rows": f.rows,
                "message": f.message,
                "hint": f.hint,
            }
            for f in report.findings
        ],
    }


def render_json(report: LintReport, root: Path) -> str:
    return json.dumps(to_data(report, root), indent=2, ensure_ascii=False) + "\n"
