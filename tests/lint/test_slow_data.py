from __future__ import annotations

import textwrap
from pathlib import Path

from django_remodel.lint.history import load_history
from django_remodel.lint.slow_data import check_slow_data, scan_source

from .conftest import migration

ROOT = Path(__file__).resolve().parent.parent.parent


def scan(functions: str, run_python: str = "forwards") -> list[tuple[int, str, str, str]]:
    source = (
        "from django.db import migrations\n\n"
        + textwrap.dedent(functions)
        + "\n\nclass Migration(migrations.Migration):\n"
        + f"    operations = [migrations.RunPython({run_python})]\n"
    )
    return [(s.line, s.code, s.message, s.hint) for s in scan_source(source)]


STORY = """\
def forwards(apps, schema_editor):
    Server = apps.get_model("server", "Server")
    Location = apps.get_model("server", "Location")
    for server in Server.objects.all():
        location_fk, _ = Location.objects.get_or_create(name=server.location_name)
        server.location = location_fk
        server.save()
"""


def test_the_naive_normalization_loop():
    assert scan(STORY) == [
        (
            7,
            "remodel.L102",
            "RunPython function 'forwards' calls get_or_create() once per row of "
            "Server.objects.all(): a SELECT and often an INSERT or UPDATE for every row.",
            "Create the missing Location rows in one statement: INSERT INTO its table ... "
            "SELECT DISTINCT ... FROM the source table (or Location.objects.bulk_create(..., "
            "ignore_conflicts=True) over values_list(..., flat=True).distinct()), then point "
            "the rows at them with one update() using Subquery(... OuterRef(...)).",
        ),
        (
            9,
            "remodel.L101",
            "RunPython function 'forwards' calls save() once per row of Server.objects.all(): "
            "one UPDATE per row, so N rows cost N round trips.",
            "Fill 'location' for every row in one UPDATE: Server.objects.all().update("
            "location=Subquery(Location.objects.filter(name=OuterRef('location_name'))"
            ".values('pk')[:1])).",
        ),
    ]


def test_save_of_a_value_the_database_computes():
    found = scan(
        """\
        def forwards(apps, schema_editor):
            Server = apps.get_model("server", "Server")
            servers = Server.objects.filter(retired=False)
            for server in servers:
                server.hostname = server.hostname.lower()
                server.save(update_fields=["hostname"])
        """
    )
    assert [(line, code, hint) for line, code, _m, hint in found] == [
        (
            8,
            "remodel.L101",
            "Use one UPDATE the database computes: Server.objects.filter(retired=False)"
            ".update(hostname=Lower('hostname')).",
        )
    ]


def test_save_of_a_value_computed_in_python_suggests_bulk_update():
    [(_line, code, _message, hint)] = scan(
        """\
        def forwards(apps, schema_editor):
            from django.utils.text import slugify
            Tenant = apps.get_model("tenants", "Tenant")
            for tenant in Tenant.objects.all():
                tenant.slug = slugify(tenant.name)
                tenant.save()
        """
    )
    assert code == "remodel.L101"
    assert hint == (
        "The value is computed in Python, so write the rows in batches: collect them from "
        "Tenant.objects.all().iterator(chunk_size=2000) and call bulk_update(batch, ['slug']) "
        "per batch, or move the computation into update() with F() and database functions."
    )


def test_create_per_row_and_helpers_called_from_run_python():
    found = scan(
        """\
        def copy(Old, New):
            for old in Old.objects.filter(active=True):
                New.objects.create(name=old.name)

        def forwards(apps, schema_editor):
            copy(apps.get_model("a", "Old"), apps.get_model("a", "New"))
        """
    )
    assert [(line, code, message) for line, code, message, _h in found] == [
        (
            5,
            "remodel.L103",
            "RunPython function 'copy' calls New.objects.create() once per row of "
            "Old.objects.filter(active=True): one INSERT per row.",
        )
    ]


def test_all_iterated_without_iterator():
    found = scan(
        """\
        def forwards(apps, schema_editor):
            Server = apps.get_model("server", "Server")
            total = 0
            for server in Server.objects.all():
                total += len(server.notes)
            for server in Server.objects.all().iterator(chunk_size=500):
                total += len(server.notes)
        """
    )
    assert [(line, code) for line, code, _m, _h in found] == [(6, "remodel.L104")]
    assert found[0][2] == (
        "RunPython function 'forwards' iterates Server.objects.all() without iterator(): "
        "every row is loaded and kept in memory at once."
    )


def test_set_based_code_and_other_loops_are_fine():
    assert (
        scan(
            """\
            CODES = {"en": "en-us"}

            def forwards(apps, schema_editor):
                Profile = apps.get_model("accounts", "Profile")
                for short, tag in CODES.items():
                    Profile.objects.filter(language=short).update(language=tag)

            def not_run(apps, schema_editor):
                for row in apps.get_model("a", "B").objects.all():
                    row.save()
            """
        )
        == []
    )


def test_the_example_finds_one_python_round_trip_and_nothing_else():
    sources = {
        path: scan_source(path.read_text())
        for path in (ROOT / "example").glob("*/migrations/0*.py")
    }
    found = {path.relative_to(ROOT / "example").as_posix(): s for path, s in sources.items() if s}
    assert list(found) == ["legacy/migrations/0017_strip_customeruser_full_name.py"]
    [spot] = next(iter(found.values()))
    assert (spot.line, spot.code) == (18, "remodel.L105")
    assert spot.hint == (
        "Use one UPDATE: CustomerUser.objects.using(db).filter(Q(full_name__startswith=' ') | "
        "Q(full_name__endswith=' ')).update(full_name=Trim('full_name')) (SQL TRIM removes "
        "spaces only; str.strip() also removes tabs and newlines)."
    )


def test_findings_carry_the_file_and_line(tree):
    operations = "migrations.RunPython(forwards),"
    source = migration([("testapp", "0001_initial")], operations).replace(
        "\n\nclass Migration",
        "\n\ndef forwards(apps, schema_editor):\n"
        "    Person = apps.get_model('testapp', 'Person')\n"
        "    for person in Person.objects.all():\n"
        "        person.name = person.name.strip()\n"
        "        person.save()\n\n\nclass Migration",
    )
    directory = tree({"0002_trim.py": source})
    [finding] = check_slow_data(load_history(["testapp"], using=None))
    assert (finding.path, finding.line, finding.code, finding.migration) == (
        directory / "0002_trim.py",
        9,
        "remodel.L101",
        "0002_trim",
    )
