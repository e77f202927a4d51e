"""The errors the source edits raise.

Like every ``RemodelError``, a message names the model, the field and the file
involved with ``!r`` and says what to do, usually how to bring the code into a
shape the edit understands, or to make the change by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from django_remodel.errors import RemodelError


class CodemodError(RemodelError):
    """Source code that an edit cannot change safely, or arguments it cannot apply."""


@dataclass(frozen=True)
class Reference:
    """A place in a model class that still uses a field (lines and columns from 1)."""

    line: int
    column: int
    #: Where in the class: ``Meta.indexes``, ``method __str__``, ``field rack``...
    context: str
    #: The source line, stripped.
    text: str


class FieldInUseError(CodemodError):
    """A field that cannot be removed because its own class still uses it."""

    def __init__(self, message: str, references: tuple[Reference, ...]) -> None:
        super().__init__(message)
        self.references = references
