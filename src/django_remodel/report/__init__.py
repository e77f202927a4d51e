"""Renderers: turn library results into text, JSON and the like. No I/O here.

An audit report renders in ``FORMATS``; each format is a module of this
package with a pure ``render(report, *, show_values=False) -> str``:

* ``text``: for an 80-column terminal (the default),
* ``json``: the schema documented in ``docs/audit-json.md``,
* ``markdown``: to paste into an issue or a pull request,
* ``mermaid``: an ``erDiagram`` of the models,
* ``html``: one self-contained page with the diagram as inline SVG.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_remodel.audit.result import AuditReport

FORMATS = ("text", "json", "markdown", "mermaid", "html")


def render_audit(report: AuditReport, fmt: str = "text", *, show_values: bool = False) -> str:
    """``report`` in the format named ``fmt`` (one of ``FORMATS``)."""
    from django_remodel.report import html, json, markdown, mermaid, text

    renderers = {
        "text": text.render,
        "json": json.render,
        "markdown": markdown.render,
        "mermaid": mermaid.render,
        "html": html.render,
    }
    try:
        renderer = renderers[fmt]
    except KeyError:
        raise ValueError(
            f"Unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}."
        ) from None
    return renderer(report, show_values=show_values)
