"""Functions of carried ``RunPython`` operations are copied, with what they use."""

from __future__ import annotations

import ast
import importlib
import sys
import textwrap
import uuid

import pytest
from django.db import migrations
from django.db.migrations.writer import MigrationWriter

from django_remodel.errors import MigrationHistoryError
from django_remodel.squash.code import CopiedCode, LocalFunction, needs_copy

FIRST = '''
"""A data migration."""
from django.db import migrations
from django.utils.text import slugify

PLANS = ("free", "pro")
UNUSED = 1


def _label(name):
    return slugify(name).upper()


def forwards(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    Plan.objects.bulk_create([Plan(name=_label(p)) for p in PLANS])


def unrelated(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    operations = [migrations.RunPython(forwards)]
'''

SECOND = """
from django.db import migrations

PLANS = ("enterprise",)


def forwards(apps, schema_editor):
    print(PLANS)


class Migration(migrations.Migration):
    operations = [migrations.RunPython(forwards, lambda apps, schema_editor: None)]
"""


@pytest.fixture
def old_migrations(tmp_path):
    package = f"sqcode_{uuid.uuid4().hex[:8]}"
    directory = tmp_path / package / "migrations"
    directory.mkdir(parents=True)
    (tmp_path / package / "__init__.py").write_text("")
    (directory / "__init__.py").write_text("")
    (directory / "0001_first.py").write_text(FIRST)
    (directory / "0002_second.py").write_text(SECOND)
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield (
            importlib.import_module(f"{package}.migrations.0001_first"),
            importlib.import_module(f"{package}.migrations.0002_second"),
        )
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith(package)]:
            del sys.modules[name]


def test_a_function_is_copied_with_what_it_uses(old_migrations):
    first, _second = old_migrations
    assert needs_copy(first.forwards)
    copied = CopiedCode()
    local = copied.add(first.forwards, origin="billing.0001_first")
    assert local == LocalFunction("forwards")
    code = copied.render()
    ast.parse(code)
    assert code == textwrap.dedent(
        """\
        from django.utils.text import slugify


        PLANS = ("free", "pro")


        def _label(name):
            return slugify(name).upper()


        def forwards(apps, schema_editor):
            Plan = apps.get_model("billing", "Plan")
            Plan.objects.bulk_create([Plan(name=_label(p)) for p in PLANS])"""
    )
    # The same function again is not copied twice.
    assert copied.add(first.forwards, origin="billing.0001_first") == local
    assert code == copied.render()


def test_names_two_files_define_differently_get_a_suffix(old_migrations):
    first, second = old_migrations
    copied = CopiedCode()
    copied.add(first.forwards, origin="billing.0001_first")
    local = copied.add(second.forwards, origin="billing.0002_second")
    assert local == LocalFunction("forwards_0002")
    code = copied.render()
    assert 'PLANS_0002 = ("enterprise",)' in code
    assert "def forwards_0002(apps, schema_editor):\n    print(PLANS_0002)" in code
    namespace: dict[str, object] = {}
    exec(compile(code, "<copied>", "exec"), namespace)  # the copy runs on its own
    assert {"forwards", "forwards_0002", "PLANS", "PLANS_0002", "_label"} <= set(namespace)


def test_a_lambda_cannot_be_carried(old_migrations):
    _first, second = old_migrations
    reverse = second.Migration.operations[0].reverse_code
    with pytest.raises(MigrationHistoryError) as error:
        CopiedCode().add(reverse, origin="billing.0002_second")
    assert str(error.value) == (
        "Cannot carry the RunPython operation of migration billing.0002_second: its code "
        "'Migration.<lambda>' is not a module-level function, so it cannot be copied into the new "
        "migration. Make it one, or mark the operation elidable=True if a database migrated "
        "from zero does not need it."
    )


def test_the_writer_names_a_copied_function_by_its_bare_name():
    operation = migrations.RunPython(LocalFunction("forwards"), migrations.RunPython.noop)
    text, _imports = MigrationWriter.serialize(operation)
    assert text.startswith("migrations.RunPython(\n    code=forwards,\n")
    assert not needs_copy(migrations.RunPython.noop)
