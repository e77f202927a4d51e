"""Source edits of ``remodel merge``: the merged models' classes leave ``models.py``.

The fields the target takes over and the references that follow it use the
edits of the other refactorings (``normalize.add_field``,
``absorb.repoint_field``); what is left is deleting a class, with the
comments above it, and keeping the blank lines between what remains as they
were.
"""

from __future__ import annotations

from django_remodel.codemod._source import Source, find_class, leading_lines, with_leading_lines


def remove_class(source: str, name: str, *, filename: str | None = None) -> str:
    """``source`` without the top-level class ``name`` (and the comments just above it)."""
    text = Source(source, filename)
    index, node = find_class(text, name)
    body = list(text.module.body)
    del body[index]
    if 0 < index < len(body):
        # The next statement takes the blank lines the removed class had above it.
        blank = [line for line in leading_lines(node) if line.comment is None]
        comments = [line for line in leading_lines(body[index]) if line.comment is not None]
        body[index] = with_leading_lines(body[index], [*blank, *comments])
    return text.module.with_changes(body=body).code
