"""Golden tests of the source edits swap-user makes: exact text in, exact text out."""

from __future__ import annotations

import ast

import pytest

from django_remodel.codemod import migration_files as files
from django_remodel.codemod import swap_user as codemod
from django_remodel.codemod.errors import CodemodError

MIGRATION = """\
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('legacy', '0003_appuser'),  # the key below needs it
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Booking',
            fields=[
                ('id', models.AutoField(primary_key=True)),
                ('owner', models.ForeignKey(on_delete=models.CASCADE, to='auth.User')),
            ],
        ),
    ]
"""


def check(after: str, expected: str) -> None:
    ast.parse(after)
    assert after == expected


def test_swappable_dependency_becomes_the_user_apps_first_migration():
    after = files.edit_dependencies(MIGRATION, swappable=("accounts", "0001_initial"))
    check(
        after,
        MIGRATION.replace(
            "migrations.swappable_dependency(settings.AUTH_USER_MODEL)",
            "('accounts', '0001_initial')",
        ),
    )


def test_the_user_apps_own_swappable_dependency_is_dropped_and_one_added():
    after = files.edit_dependencies(MIGRATION, swappable=None, add=[("auth", "0012_latest")])
    check(
        after,
        MIGRATION.replace(
            "        migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n",
            "        ('auth', '0012_latest'),\n",
        ),
    )


def test_string_references_to_the_stock_user_use_the_setting():
    code = MIGRATION + (
        "\n\ndef forwards(apps, schema_editor):\n"
        "    User = apps.get_model('auth', 'User')\n"
        "    Other = apps.get_model('auth.user')\n"
    )
    after, count = files.rewrite_user_references(code)
    assert count == 3
    check(
        after,
        code.replace("to='auth.User'", "to=settings.AUTH_USER_MODEL")
        .replace("apps.get_model('auth', 'User')", "apps.get_model(settings.AUTH_USER_MODEL)")
        .replace("apps.get_model('auth.user')", "apps.get_model(settings.AUTH_USER_MODEL)"),
    )


def test_fields_move_out_of_a_create_model_and_operations_go_in_first():
    removed = files.remove_fields(MIGRATION, 0, {"owner"})
    assert "('owner'" not in removed
    assert "('id', models.AutoField(primary_key=True)),\n            ],\n" in removed
    inserted = files.insert_operations(
        removed,
        ["        migrations.DeleteModel(\n            name='Old',\n        ),"],
        at=0,
    )
    check(
        inserted,
        removed.replace(
            "    operations = [\n",
            "    operations = [\n        migrations.DeleteModel(\n            name='Old',\n"
            "        ),\n",
        ),
    )


def test_settings_get_the_user_model_and_the_new_app():
    source = 'INSTALLED_APPS = [\n    "django.contrib.auth",\n]\nDEBUG = True\n'
    after = codemod.set_setting(source, name="AUTH_USER_MODEL", value="accounts.User")
    after = codemod.add_installed_app(after, app="accounts")
    check(
        after,
        'INSTALLED_APPS = [\n    "django.contrib.auth",\n    "accounts",\n]\n\n'
        'AUTH_USER_MODEL = "accounts.User"\nDEBUG = True\n',
    )
    again = codemod.set_setting(after, name="AUTH_USER_MODEL", value="people.Person")
    assert 'AUTH_USER_MODEL = "people.Person"\n' in again


def test_installed_apps_that_are_not_a_literal_are_refused():
    with pytest.raises(CodemodError, match=r"INSTALLED_APPS in 'settings\.py' is not one list"):
        codemod.add_installed_app("INSTALLED_APPS = apps()\n", app="x", filename="settings.py")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("model", "from accounts.models import User\n"),
        (
            "get_user_model",
            "from django.contrib.auth import get_user_model\n\nUser = get_user_model()\n",
        ),
    ],
)
def test_imports_of_the_stock_user_are_rewritten(mode, expected):
    source = "from django.contrib.auth.models import User\n"
    after = codemod.rewrite_user_imports(source, mode=mode, label="accounts.User")
    check(after, expected)


def test_other_names_of_the_same_import_stay():
    source = "from django.contrib.auth.models import Group, User\n"
    after = codemod.rewrite_user_imports(source, mode="model", label="accounts.User")
    check(after, "from django.contrib.auth.models import Group\nfrom accounts.models import User\n")


def test_the_user_model_is_not_added_over_an_existing_name():
    with pytest.raises(CodemodError, match="the name 'User' is used there already"):
        codemod.add_user_model(
            "from django.contrib.auth.models import User\n",
            classes="class User: pass\n",
            model_name="User",
            manager_name="UserManager",
        )
