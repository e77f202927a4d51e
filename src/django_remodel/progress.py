"""The progress of long data moves, shown in ``migrate``'s output.

Operations log how far they got to the ``django_remodel.progress`` logger at
INFO (rows done, rate, time left); the library itself prints nothing. This
app's ``migrate`` command shows those records under the migration being
applied, indented like Django's own output, and puts the migration's ``OK``
on a line of its own after them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import OutputWrapper

PROGRESS_LOGGER = "django_remodel.progress"


class ProgressEcho(logging.Handler):
    """Writes each progress record to a command's output, on a line of its own."""

    def __init__(self, stdout: OutputWrapper) -> None:
        super().__init__(logging.INFO)
        self.stdout = stdout
        self.shown = False
        """Whether a line was written since the migration's heading (``Applying ...``)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # Django writes "  Applying x..." without ending the line.
            self.stdout.write(f"\n    {record.getMessage()}", ending="")
            self.stdout.flush()
        except Exception:
            self.handleError(record)
        self.shown = True


@contextmanager
def progress_shown(stdout: OutputWrapper, verbosity: int) -> Iterator[ProgressEcho | None]:
    """Show progress records on ``stdout`` while the block runs (not at verbosity 0)."""
    if verbosity < 1:
        yield None
        return
    logger = logging.getLogger(PROGRESS_LOGGER)
    handler = ProgressEcho(stdout)
    level = logger.level
    if level == logging.NOTSET or level > logging.INFO:
        logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
