"""Source edits for ``remodel normalize``, made with libcst.

A repeated string column (``Server.location_name``) becomes a lookup model
(``Location``, one unique ``name``) and a foreign key (``Server.location``).
The edits take and return source text, keep every other byte of it, and raise
a ``CodemodError`` saying what to do when the code is not in a shape they can
change safely:

- ``add_model``: a new model class, before the class that will refer to it;
- ``add_field``: a field line in a model class;
- ``remove_field``: a field line and the comments directly above it, refused
  (``FieldInUseError``) while the class still uses the field;
- ``add_shim_property``: a transitional read-only property under the old name.

``find_usages`` lists the places in a project that still use the old field;
``edit_file`` applies an edit to a file, or with ``dry_run`` only shows the diff.
"""

from __future__ import annotations

from django_remodel.codemod.errors import CodemodError, FieldInUseError, Reference
from django_remodel.codemod.files import Diff, edit_file
from django_remodel.codemod.normalize import (
    add_field,
    add_model,
    add_shim_property,
    remove_field,
    remove_index,
)
from django_remodel.codemod.usages import Usage, find_usages

__all__ = [
    "CodemodError",
    "Diff",
    "FieldInUseError",
    "Reference",
    "Usage",
    "add_field",
    "add_model",
    "add_shim_property",
    "edit_file",
    "find_usages",
    "remove_field",
    "remove_index",
]
