"""``remodel squash``: the fewest migrations that build the same schema as a long history.

``build_squash`` plans and renders the new migrations (see ``segments`` for
where an app's history must be cut, ``build`` for how each new migration is
made, ``data`` for which data migrations a new database needs, ``code`` for
copying their functions); ``write_squash`` puts them beside the old files;
``squash_and_verify`` does that and proves the result on throwaway databases;
``remove_old`` deletes the old files once no database needs them.
"""

from __future__ import annotations

from django_remodel.squash.build import BuiltMigration, Squash, SquashOptions, build_squash
from django_remodel.squash.files import (
    Written,
    partially_applied,
    remove_old,
    unwrite,
    write_squash,
)
from django_remodel.squash.plan import Action, AppPlan, NewMigration, OperationNote, SquashPlan
from django_remodel.squash.verify import Verification, squash_and_verify

__all__ = [
    "Action",
    "AppPlan",
    "BuiltMigration",
    "NewMigration",
    "OperationNote",
    "Squash",
    "SquashOptions",
    "SquashPlan",
    "Verification",
    "Written",
    "build_squash",
    "partially_applied",
    "remove_old",
    "squash_and_verify",
    "unwrite",
    "write_squash",
]
