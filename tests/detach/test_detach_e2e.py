"""``remodel detach`` on a copy of the example project, on the database REMODEL_DB names.

Both criteria children are detached; the migrations apply, ``makemigrations
--check`` is clean, every child row holds its former parent's values, every
alert still reaches the same logical criteria, and migrating back restores the
old tables exactly (schema and rows).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

import pytest

from django_remodel.schema import Schema, diff_schemas
from tests.projects import Project

pytestmark = pytest.mark.slow

# The example's size for the main journey; REMODEL_E2E_SCALE=1 runs it at full size.
SCALE = os.environ.get("REMODEL_E2E_SCALE", "0.05")


@pytest.fixture
def project(example_project: Project) -> Project:
    return example_project


def manage(project: Project, *args: str, check: bool = True) -> str:
    """Standard output and error of ``manage.py ARGS`` (which must succeed, if ``check``)."""
    result = project.run(*args, check=check)
    return result.stdout + result.stderr


QUERY = """
import json
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute({query!r})
    print(json.dumps([[str(v) for v in row] for row in cursor.fetchall()]))
"""

SCHEMA = """
import pickle
from django.db import connection
from django_remodel.schema import introspect
with open({path!r}, "wb") as file:
    pickle.dump(introspect(connection), file)
"""

TABLES = (
    "alerts_criteria",
    "alerts_maintainercriteria",
    "alerts_contributorcriteria",
    "alerts_alert",
)


def rows(project: Project, query: str) -> list[list[str]]:
    out = manage(project, "shell", "-c", QUERY.format(query=query))
    return [list(row) for row in json.loads(out.strip().splitlines()[-1])]


def checksums(project: Project) -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row of each table, in key order."""
    found = {}
    for table in TABLES:
        key = {"alerts_maintainercriteria": "criteria_id"}.get(table, "id")
        key = "criteria_ptr_id" if table == "alerts_contributorcriteria" else key
        data = rows(project, f"SELECT * FROM {table} ORDER BY {key}")
        found[table] = (len(data), hashlib.sha256(json.dumps(data).encode()).hexdigest())
    return found


def schema(project: Project, path: Path) -> Schema:
    manage(project, "shell", "-c", SCHEMA.format(path=str(path)))
    with path.open("rb") as file:
        loaded: Schema = pickle.load(file)
    return loaded


PARENT = "SELECT id, tenant_id, enabled, name, description, created_at FROM alerts_criteria"


@pytest.mark.parametrize("options", [(), ("--batch-size", "40")], ids=["one-pass", "batched"])
def test_detach_the_example(project, tmp_path, options):
    manage(project, "migrate", "--verbosity", "0")
    manage(project, "seed_clinic", "--scale", SCALE, "--seed", "42")
    parents = {row[0]: row[1:] for row in rows(project, f"{PARENT} ORDER BY id")}
    maintainers = [r[0] for r in rows(project, "SELECT criteria_id FROM alerts_maintainercriteria")]
    contributors = [
        r[0] for r in rows(project, "SELECT criteria_ptr_id FROM alerts_contributorcriteria")
    ]
    alerts = dict(rows(project, "SELECT id, criteria_id FROM alerts_alert ORDER BY id"))
    plain = set(parents) - set(maintainers) - set(contributors)
    assert plain  # the example has criteria of neither kind
    before_schema = schema(project, tmp_path / "before.pickle")
    before_rows = checksums(project)

    refused = manage(
        project,
        "remodel",
        "detach",
        "alerts.MaintainerCriteria",
        "alerts.ContributorCriteria",
        check=False,
    )
    assert f"{len(plain)} alerts.Criteria rows are in none of" in refused
    assert "--orphans keep-parent" in refused
    assert not (project.path / "alerts" / "migrations" / "0013_detach_criteria_expand.py").exists()

    out = manage(
        project,
        *("remodel", "detach", "alerts.MaintainerCriteria", "alerts.ContributorCriteria"),
        *("--orphans", "keep-parent", *options),
    )
    assert "0015_detach_criteria_contract.py" in out
    migrated = manage(project, "migrate")
    assert "alerts.MaintainerCriteria <- Criteria" in migrated  # progress, under the migration
    assert "No changes detected" in manage(project, "makemigrations", "--check", "--dry-run")

    columns = "tenant_id, enabled, name, description, created_at"
    for table, keys in (
        ("alerts_maintainercriteria", maintainers),
        ("alerts_contributorcriteria", contributors),
    ):
        copied = {r[0]: r[1:] for r in rows(project, f"SELECT id, {columns} FROM {table}")}
        assert sorted(copied) == sorted(keys)
        assert all(copied[key] == parents[key] for key in keys)
    # Only the criteria of neither kind are left in the parent.
    assert {r[0]: r[1:] for r in rows(project, f"{PARENT}")} == {k: parents[k] for k in plain}
    reached = {
        row[0]: row[1:]
        for row in rows(
            project,
            "SELECT id, criteria_id, maintainer_criteria_id, contributor_criteria_id "
            "FROM alerts_alert",
        )
    }
    for alert, criteria in alerts.items():
        old, maintainer, contributor = reached[alert]
        set_ = [value for value in (old, maintainer, contributor) if value != "None"]
        assert set_ == [criteria]
        if criteria in maintainers:
            assert maintainer == criteria
        elif criteria in contributors:
            assert contributor == criteria
        else:
            assert old == criteria

    # New rows get keys after the ones taken over.
    manage(
        project,
        "shell",
        "-c",
        "from alerts.models import MaintainerCriteria as M; from tenants.models import Tenant; "
        "M.objects.create(tenant=Tenant.objects.first(), reviews_greater_than=1)",
    )

    manage(
        project,
        "shell",
        "-c",
        "from alerts.models import MaintainerCriteria as M; "
        "M.objects.order_by('-id').first().delete()",
    )
    manage(project, "migrate", "alerts", "0012", "--verbosity", "0")
    assert diff_schemas(before_schema, schema(project, tmp_path / "after.pickle")) == []
    assert checksums(project) == before_rows


def test_detach_and_drop_the_parent(project):
    manage(project, "migrate", "--verbosity", "0")
    manage(project, "seed_clinic", "--scale", "0.02", "--seed", "7")
    plain = (
        "SELECT id FROM alerts_criteria WHERE id NOT IN (SELECT criteria_id FROM "
        "alerts_maintainercriteria) AND id NOT IN (SELECT criteria_ptr_id FROM "
        "alerts_contributorcriteria)"
    )
    manage(
        project,
        "shell",
        "-c",
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        f"    c.execute('DELETE FROM alerts_alert WHERE criteria_id IN ({plain})')\n"
        f"    c.execute('DELETE FROM alerts_criteria WHERE id IN (SELECT * FROM ({plain}) AS x)')",
    )
    alerts = dict(rows(project, "SELECT id, criteria_id FROM alerts_alert"))
    manage(project, "remodel", "detach", "alerts.MaintainerCriteria", "alerts.ContributorCriteria")
    models_py = (project.path / "alerts" / "models.py").read_text()
    assert "        abstract = True" in models_py
    assert "    criteria = models.ForeignKey(Criteria" not in models_py
    manage(project, "migrate", "--verbosity", "0")
    assert "No changes detected" in manage(project, "makemigrations", "--check", "--dry-run")
    assert rows(
        project,
        "SELECT COUNT(*) FROM alerts_alert WHERE maintainer_criteria_id IS NULL "
        "AND contributor_criteria_id IS NULL",
    ) == [["0"]]
    reached = dict(
        rows(
            project,
            "SELECT id, COALESCE(maintainer_criteria_id, contributor_criteria_id) "
            "FROM alerts_alert",
        )
    )
    assert reached == alerts
    # The story's constraint, impossible before, is now allowed.
    path = project.path / "alerts" / "models.py"
    path.write_text(
        models_py.replace(
            '    """Rule for maintainers, keyed on how many reviews they did."""\n',
            '    """Rule for maintainers, keyed on how many reviews they did."""\n\n'
            "    class Meta:\n"
            "        constraints = [\n"
            '            models.UniqueConstraint(fields=("tenant", "id"), name="unq_maintainer"),\n'
            "        ]\n",
        )
    )
    manage(project, "makemigrations", "alerts", "--name", "unique_per_tenant")
    manage(project, "migrate", "--verbosity", "0")
    manage(project, "migrate", "alerts", "0012", "--verbosity", "0")
    assert dict(rows(project, "SELECT id, criteria_id FROM alerts_alert")) == alerts


def test_detach_with_generic_references_and_the_story_constraint(project):
    manage(project, "migrate", "--verbosity", "0")
    manage(project, "seed_clinic", "--scale", "0.02", "--seed", "11")
    plain = (
        "SELECT id FROM alerts_criteria WHERE id NOT IN (SELECT criteria_id FROM "
        "alerts_maintainercriteria) AND id NOT IN (SELECT criteria_ptr_id FROM "
        "alerts_contributorcriteria)"
    )
    manage(
        project,
        "shell",
        "-c",
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        f"    c.execute('DELETE FROM alerts_alert WHERE criteria_id IN ({plain})')\n"
        f"    c.execute('DELETE FROM alerts_criteria WHERE id IN (SELECT * FROM ({plain}) AS x)')",
    )
    kinds = {
        row[0]: "maintainercriteria"
        for row in rows(project, "SELECT criteria_id FROM alerts_maintainercriteria")
    } | {
        row[0]: "contributorcriteria"
        for row in rows(project, "SELECT criteria_ptr_id FROM alerts_contributorcriteria")
    }
    alerts = dict(rows(project, "SELECT id, criteria_id FROM alerts_alert"))
    manage(
        project,
        *("remodel", "detach", "alerts.MaintainerCriteria", "alerts.ContributorCriteria"),
        *("--references", "generic"),
    )
    manage(project, "migrate", "--verbosity", "0")
    assert "No changes detected" in manage(project, "makemigrations", "--check", "--dry-run")
    reached = rows(
        project,
        "SELECT a.id, t.model, a.criteria_object_id FROM alerts_alert a "
        "JOIN django_content_type t ON t.id = a.criteria_content_type_id",
    )
    assert {row[0]: (row[1], row[2]) for row in reached} == {
        alert: (kinds[criteria], criteria) for alert, criteria in alerts.items()
    }
    # The story's unique (tenant, name), impossible on a multi-table child, is now allowed.
    manage(
        project,
        "shell",
        "-c",
        "from django.db.models import Value\n"
        "from django.db.models.functions import Cast, Concat\n"
        "from django.db.models import CharField\n"
        "from alerts.models import MaintainerCriteria as M\n"
        "M.objects.update(name=Concat(Value('m'), Cast('id', CharField())))",
    )
    path = project.path / "alerts" / "models.py"
    models_py = path.read_text()
    path.write_text(
        models_py.replace(
            '    """Rule for maintainers, keyed on how many reviews they did."""\n',
            '    """Rule for maintainers, keyed on how many reviews they did."""\n\n'
            "    class Meta:\n"
            "        constraints = [\n"
            "            models.UniqueConstraint(\n"
            '                fields=("tenant", "name"), name="unq_maintainer"\n'
            "            ),\n"
            "        ]\n",
        )
    )
    manage(project, "makemigrations", "alerts", "--name", "unique_name_per_tenant")
    manage(project, "migrate", "--verbosity", "0")
    assert "No changes detected" in manage(project, "makemigrations", "--check", "--dry-run")
    manage(project, "migrate", "alerts", "0012", "--verbosity", "0")
    assert dict(rows(project, "SELECT id, criteria_id FROM alerts_alert")) == alerts
