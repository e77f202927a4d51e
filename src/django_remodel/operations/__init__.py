"""Migration operations that move data inside the database, set-based and reversible,
and the state-only ``SetModelBases``.

Import them from here: ``django_remodel.operations.NormalizeColumn``. That is
also the path ``MigrationWriter`` writes into migration files, because each
class below reports this package as its module.
"""

from __future__ import annotations

from django_remodel.operations.absorb import (
    CopyProfileFields,
    KeepProfileReferences,
    KeepProfileRows,
    RepointProfileReferences,
)
from django_remodel.operations.bases import SetModelBases
from django_remodel.operations.detach import (
    CopyParentFields,
    DetachParentRows,
    ResetKeySequence,
    SplitReferences,
)
from django_remodel.operations.merge import (
    CreateMergeMap,
    DropMergeMap,
    MergeLinks,
    MergeRows,
    RepointGenericReferences,
    RepointReferences,
)
from django_remodel.operations.merge_permissions import MergePermissions
from django_remodel.operations.normalize import NormalizeColumn, RestoreColumnFromForeignKey
from django_remodel.operations.swap_user import RepointContentType

__all__ = [
    "CopyParentFields",
    "CopyProfileFields",
    "CreateMergeMap",
    "DetachParentRows",
    "DropMergeMap",
    "KeepProfileReferences",
    "KeepProfileRows",
    "MergeLinks",
    "MergePermissions",
    "MergeRows",
    "NormalizeColumn",
    "RepointContentType",
    "RepointGenericReferences",
    "RepointProfileReferences",
    "RepointReferences",
    "ResetKeySequence",
    "RestoreColumnFromForeignKey",
    "SetModelBases",
    "SplitReferences",
]

# MigrationWriter names an operation by its class's __module__; point it at
# this package so migration files do not depend on the module layout inside it.
for _operation in (
    NormalizeColumn,
    RestoreColumnFromForeignKey,
    SetModelBases,
    CopyParentFields,
    SplitReferences,
    DetachParentRows,
    ResetKeySequence,
    RepointContentType,
    CopyProfileFields,
    RepointProfileReferences,
    KeepProfileReferences,
    KeepProfileRows,
    CreateMergeMap,
    DropMergeMap,
    MergeRows,
    RepointReferences,
    MergeLinks,
    RepointGenericReferences,
    MergePermissions,
):
    _operation.__module__ = __name__
del _operation
