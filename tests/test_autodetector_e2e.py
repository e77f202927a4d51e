"""Story 3 end to end, on the database REMODEL_DB names.

A copy of ``tests/basesapp`` (three criteria inheriting a concrete
``Criteria``) is migrated and filled; its models are then rewritten the way
the story does: the children inherit an abstract base instead and take the
parent's fields as their own, nullable. One child keeps its parent link as
its primary key, one turns the implicit ``criteria_ptr`` into an ordinary
one-to-one primary key, one drops the link for an ``id`` of its own.
``makemigrations`` writes ``SetModelBases`` first; the migration runs, shows
its SQL, leaves no changes behind and migrates back.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from tests.projects import ROOT, MakeProject, Project

pytestmark = pytest.mark.slow

SETTINGS = """
from pathlib import Path

from clinic.databases import database_from_env

SECRET_KEY = "only-for-tests"
INSTALLED_APPS = ["django.contrib.contenttypes", "django_remodel", "tests.basesapp"]
DATABASES = {"default": database_from_env("unused", Path(__file__).parent / "db.sqlite3")}
USE_TZ = True
"""

DETACHED = """
from django.db import models


class Tenant(models.Model):
    name = models.CharField(max_length=100)


class Criteria(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    enabled = models.BooleanField(default=True)


class BaseCriteria(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, null=True)
    enabled = models.BooleanField(null=True)

    class Meta:
        abstract = True


class MaintainerCriteria(BaseCriteria):
    criteria = models.OneToOneField(
        Criteria,
        on_delete=models.CASCADE,
        primary_key=True,
        parent_link=True,
        related_name="maintainer_criteria",
    )
    reviews_greater_than = models.IntegerField()
    reviews_less_than = models.IntegerField()


class ContributorCriteria(BaseCriteria):
    criteria_ptr = models.OneToOneField(
        Criteria, on_delete=models.CASCADE, primary_key=True, related_name="contributor_criteria"
    )
    commits_greater_than = models.IntegerField()
    commits_less_than = models.IntegerField()


class ReviewerCriteria(BaseCriteria):
    reviews = models.IntegerField(default=0)
"""

SEED = """
from tests.basesapp.models import *
tenant = Tenant.objects.create(name="acme")
for i in range(3):
    MaintainerCriteria.objects.create(tenant=tenant, reviews_greater_than=i, reviews_less_than=10)
    ContributorCriteria.objects.create(tenant=tenant, commits_greater_than=i, commits_less_than=9)
    ReviewerCriteria.objects.create(tenant=tenant, reviews=i)
"""


@pytest.fixture
def project(tmp_path: Path, make_project: MakeProject) -> Project:
    """A project holding a copy of basesapp, with a database of its own."""
    copy = tmp_path / "project"
    (copy / "tests").mkdir(parents=True)
    (copy / "tests" / "__init__.py").write_text("")
    shutil.copytree(
        ROOT / "tests" / "basesapp",
        copy / "tests" / "basesapp",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (copy / "bases_settings.py").write_text(SETTINGS)
    return make_project(copy, "bases_settings", [ROOT / "example"])


def operation_names(migration: Path) -> list[str]:
    """The callables of the migration's operations list, in order, as written."""
    for node in ast.walk(ast.parse(migration.read_text())):
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "operations":
            assert isinstance(node.value, ast.List)
            return [
                ast.unparse(call.func) for call in node.value.elts if isinstance(call, ast.Call)
            ]
    raise AssertionError(f"{migration} has no operations list")


MAINTAINERS = "SELECT criteria_id, reviews_greater_than FROM basesapp_maintainercriteria ORDER BY 1"
CONTRIBUTORS = (
    "SELECT criteria_ptr_id, commits_greater_than FROM basesapp_contributorcriteria ORDER BY 1"
)
REVIEWS = "SELECT reviews FROM basesapp_reviewercriteria ORDER BY 1"


def test_story_detach_children_from_their_concrete_parent(project: Project) -> None:
    path = project.path
    project.manage("migrate", "--verbosity", "0")
    project.manage("shell", "-c", SEED)
    maintainers = project.rows(MAINTAINERS)
    contributors = project.rows(CONTRIBUTORS)
    assert len(maintainers) == len(contributors) == 3

    (path / "tests" / "basesapp" / "models.py").write_text(DETACHED)
    out = project.manage("makemigrations", "basesapp", "--name", "detach_criteria")
    migration = path / "tests" / "basesapp" / "migrations" / "0002_detach_criteria.py"
    assert "0002_detach_criteria.py" in out
    names = operation_names(migration)
    assert names[:3] == ["django_remodel.operations.SetModelBases"] * 3
    assert "django_remodel.operations.SetModelBases" not in names[3:]
    assert sorted(names[3:]) == sorted(
        ["migrations.RemoveField", "migrations.AlterField"] + ["migrations.AddField"] * 7
    )
    text = migration.read_text()
    assert "name='ContributorCriteria',\n            bases=(models.Model,)," in text
    assert "old_bases=('basesapp.criteria',)" in text

    sql = project.manage("sqlmigrate", "basesapp", "0002")
    assert sql.count("-- (no-op)") == 3
    assert "-- Change the bases of MaintainerCriteria from (basesapp.criteria) to " in sql
    assert "tenant_id" in sql
    project.manage("sqlmigrate", "basesapp", "0002", "--backwards")

    project.manage("migrate", "--verbosity", "0")
    assert "No changes detected" in project.manage("makemigrations", "--check", "--dry-run")
    # The children keep their rows and their keys into the parent table.
    assert project.rows(MAINTAINERS) == maintainers
    assert project.rows(CONTRIBUTORS) == contributors
    assert project.rows(REVIEWS) == [[0], [1], [2]]
    assert project.rows("SELECT COUNT(DISTINCT id) FROM basesapp_reviewercriteria") == [[3]]
    assert project.rows("SELECT COUNT(*) FROM basesapp_criteria") == [[9]]
    assert project.rows(
        "SELECT COUNT(*) FROM basesapp_maintainercriteria WHERE tenant_id IS NULL"
    ) == [[3]]

    # Back: the dropped parent link cannot be restored for rows that exist.
    project.manage(
        "shell",
        "-c",
        "from tests.basesapp.models import ReviewerCriteria; "
        "ReviewerCriteria.objects.all().delete()",
    )
    project.manage("migrate", "basesapp", "0001", "--verbosity", "0")
    assert project.rows(MAINTAINERS) == maintainers
    assert project.rows(CONTRIBUTORS) == contributors
    project.manage("migrate", "--verbosity", "0")
    assert project.rows(MAINTAINERS) == maintainers
