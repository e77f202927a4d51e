"""The plan of ``remodel swap-user``: ``auth.User`` becomes a model of the project's own.

A plan is pure data (labels, names, paths, options): what the command will
write, decided from the project's settings and apps before anything is read
or changed on disk.
"""

from __future__ import annotations

import keyword
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from django.apps import apps
from django.conf import settings

from django_remodel.errors import RemodelError

ImportRewrite = Literal["get_user_model", "model"]
IMPORT_REWRITES: tuple[ImportRewrite, ...] = ("get_user_model", "model")


class SwapUserError(RemodelError):
    """A user model swap that cannot be planned or carried out as asked."""


@dataclass(frozen=True)
class SwapUserPlan:
    """What ``remodel swap-user`` will change."""

    app_label: str
    """The app that gets the new user model."""
    model_name: str
    manager_name: str
    db_table: str
    """The table the stock user lives in; the new model keeps it."""
    app_exists: bool
    """False: the app is created (package, ``apps.py``, ``models.py``, migrations)."""
    project_root: Path
    """The directory holding the project's apps (where a new app is created)."""
    settings_path: Path
    content_type: bool = False
    """Write a migration that repoints the ``auth.user`` content type."""
    rewrite_imports: ImportRewrite | None = None

    @property
    def label(self) -> str:
        return f"{self.app_label}.{self.model_name}"

    @property
    def app_path(self) -> Path:
        return self.project_root / self.app_label


def _settings_path() -> Path:
    module = sys.modules.get(settings.SETTINGS_MODULE or "")
    path = getattr(module, "__file__", None)
    if not path or not path.endswith(".py"):
        raise SwapUserError(
            f"The settings module {settings.SETTINGS_MODULE!r} is not a Python file that can "
            "be edited; set AUTH_USER_MODEL by hand, or point DJANGO_SETTINGS_MODULE at the "
            "settings file itself."
        )
    return Path(path)


def build_plan(
    app_label: str,
    *,
    model_name: str = "User",
    project_root: Path | None = None,
    settings_path: Path | None = None,
    content_type: bool = False,
    rewrite_imports: ImportRewrite | None = None,
) -> SwapUserPlan:
    """Check that the project can swap its user model into ``app_label``; the plan."""
    current = settings.AUTH_USER_MODEL
    if current.lower() != "auth.user":
        raise SwapUserError(
            f"AUTH_USER_MODEL is {current!r} already, not 'auth.User': the user model was "
            "swapped before; there is nothing for swap-user to do."
        )
    for value, what in ((app_label, "App label"), (model_name, "Model name")):
        if not value.isidentifier() or keyword.iskeyword(value):
            raise SwapUserError(f"{what} {value!r} is not a valid Python name; pass an identifier.")
    if app_label == "auth" or app_label.startswith("django"):
        raise SwapUserError(
            f"The user model cannot move into {app_label!r}; name an app of the project "
            "(it is created when missing), such as 'accounts'."
        )
    if rewrite_imports is not None and rewrite_imports not in IMPORT_REWRITES:
        raise SwapUserError(
            f"--rewrite-imports takes one of {', '.join(IMPORT_REWRITES)}, not {rewrite_imports!r}."
        )
    settings_file = settings_path or _settings_path()
    root = project_root or settings_file.parent.parent
    app_exists = apps.is_installed(app_label) or any(
        config.label == app_label for config in apps.get_app_configs()
    )
    if app_exists:
        config = apps.get_app_config(app_label)
        app_dir = Path(config.path)
        if "site-packages" in app_dir.parts or not app_dir.is_relative_to(root):
            raise SwapUserError(
                f"App {app_label!r} lives in {str(app_dir)!r}, outside the project "
                f"{str(root)!r}; the user model must go into an app of the project."
            )
        root = app_dir.parent
        if model_name in {model.__name__ for model in config.get_models()}:
            raise SwapUserError(
                f"App {app_label!r} has a model {model_name!r} already; choose another name "
                "with --model-name."
            )
    elif (root / app_label).exists():
        raise SwapUserError(
            f"{str(root / app_label)!r} exists but is not an installed app; add "
            f"{app_label!r} to INSTALLED_APPS first, or choose another app label."
        )
    from django.contrib.auth.models import User

    return SwapUserPlan(
        app_label=app_label,
        model_name=model_name,
        manager_name=f"{model_name}Manager",
        db_table=User._meta.db_table,
        app_exists=app_exists,
        project_root=root,
        settings_path=settings_file,
        content_type=content_type,
        rewrite_imports=rewrite_imports,
    )
