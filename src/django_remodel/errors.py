"""The errors the library raises.

Every message says what is wrong, names the model, field or database involved
with ``!r``, and says what to do. The ``remodel`` command turns these into
``CommandError``; the library itself never prints and never exits.
"""

from __future__ import annotations


class RemodelError(Exception):
    """Base class of every error django-remodel raises on bad input or state."""


class UnknownModelError(RemodelError):
    """A model label that names no installed model."""


class UnknownFieldError(RemodelError):
    """A field name that the model does not have."""


class UnknownDatabaseError(RemodelError):
    """A database alias that is not in ``settings.DATABASES``."""


class UnsupportedBackendError(RemodelError):
    """A database vendor django-remodel has no support for."""


class DatabaseUnreachableError(RemodelError):
    """A configured database that cannot be connected to, or whose file does not exist."""


class ThrowawayDatabaseError(RemodelError):
    """A throwaway database (to build the migrations in) that could not be made or dropped."""


class MigrationsFailedError(RemodelError):
    """Migrations that failed on a throwaway database, so there is no schema to compare with."""


class SchemaReadError(RemodelError):
    """A database whose catalog could not be read."""


class OperationSetupError(RemodelError):
    """A migration operation that cannot run as written (its fields, its options, its migration)."""


class ValueClashError(RemodelError):
    """Distinct values that the target column would store as one (its collation equates them)."""


class BackfillVerificationError(RemodelError):
    """A data move whose result did not check out: rows left unfilled or pointing wrong."""


class UnknownAppError(RemodelError):
    """An app label that names no installed app, or one without migrations."""


class MigrationHistoryError(RemodelError):
    """A migration history that cannot be read, or changed as asked."""
