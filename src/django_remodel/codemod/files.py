"""Applying an edit to a file, or showing what it would change."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django_remodel.codemod.errors import CodemodError

#: An edit: source text in, source text out (``add_field``, ``remove_field``...).
Transform = Callable[..., str]


@dataclass(frozen=True)
class Diff:
    """What an edit changes in one file."""

    path: Path
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def text(self) -> str:
        """The unified diff, empty when nothing changes."""
        name = self.path.as_posix()
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{name}",
                tofile=f"b/{name}",
            )
        )

    def __str__(self) -> str:
        return self.text


def edit_file(
    path: str | os.PathLike[str], transform: Transform, *, dry_run: bool = False, **kwargs: object
) -> Diff:
    """Apply ``transform(source, filename=path, **kwargs)`` to the file at ``path``.

    The file is rewritten only when the text changes and ``dry_run`` is false;
    either way the ``Diff`` says what changes. The file keeps its line endings.
    """
    file = Path(path)
    try:
        with file.open(encoding="utf-8", newline="") as stream:
            before = stream.read()
    except (OSError, UnicodeDecodeError) as error:
        why = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise CodemodError(
            f"Cannot read {str(file)!r} to edit it: {why}; check the path and the file."
        ) from error
    after = transform(before, filename=str(file), **kwargs)
    diff = Diff(file, before, after)
    if diff.changed and not dry_run:
        try:
            with file.open("w", encoding="utf-8", newline="") as stream:
                stream.write(after)
        except OSError as error:
            raise CodemodError(
                f"Cannot write {str(file)!r}: {error.strerror}; check its permissions."
            ) from error
    return diff
