"""``remodel merge ... --into app.NewModel`` when the target model does not exist yet.

A small project of its own, on the database REMODEL_DB names: ``crm.Lead``,
``crm.Customer`` and ``shop.Buyer`` store people, with keys that overlap once
trimmed and case-folded, a lead that refers to another lead, and ``shop.Order``
pointing at ``crm.Customer``. They are merged into ``people.Person``, which the
merge creates: the class is added to ``people/models.py``, the expand migration
starts with its ``CreateModel``, and after migrating ``makemigrations --check``
is clean. Migrating back from before the contract restores the sources.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from django_remodel.codemod.normalize import add_model
from django_remodel.errors import RemodelError
from django_remodel.graph import ModelGraph
from django_remodel.plans.merge import build_plan
from tests.projects import EXAMPLE, MakeProject, Project

SETTINGS = """
from pathlib import Path

from clinic.databases import database_from_env

SECRET_KEY = "only-for-tests"
INSTALLED_APPS = ["django.contrib.contenttypes", "django_remodel", "crm", "shop", "people"]
DATABASES = {"default": database_from_env("unused", Path(__file__).parent / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
REMODEL_REGISTRY_FILE = Path(__file__).parent / "model-registry.toml"
"""

CRM = """
from django.db import models


class Lead(models.Model):
    email = models.EmailField(max_length=100)
    name = models.CharField(max_length=50)
    score = models.IntegerField()
    referred_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)


class Customer(models.Model):
    email_address = models.EmailField(max_length=200, null=True)
    full_name = models.CharField(max_length=80)
    score = models.IntegerField()
    since = models.DateField(null=True)
"""

SHOP = """
from django.db import models


class Buyer(models.Model):
    email = models.EmailField(max_length=100)
    name = models.CharField(max_length=50)
    vip = models.BooleanField(default=False)


class Order(models.Model):
    customer = models.ForeignKey("crm.Customer", on_delete=models.CASCADE)
    total = models.IntegerField()
"""

PEOPLE = """
from django.db import models


class Address:
    \"\"\"Not a model: a value the people's forms use.\"\"\"

    def __init__(self, street: str) -> None:
        self.street = street
"""

SEED = """
import json
from datetime import date
from crm.models import Customer, Lead
from shop.models import Buyer, Order
ann = Lead.objects.create(email="ann@example.com", name="Ann L", score=5)
Lead.objects.create(email="bo@example.com", name="Bo L", score=3, referred_by=ann)
ann_c = Customer.objects.create(email_address=" ANN@Example.com", full_name="Ann C", score=7,
                                since=date(2020, 1, 2))
nobody = Customer.objects.create(email_address=None, full_name="Nobody", score=1)
carl = Customer.objects.create(email_address="carl@example.com", full_name="Carl", score=2)
Buyer.objects.create(email="BO@example.com ", name="Bo B", vip=True)
Buyer.objects.create(email="dee@example.com", name="Dee", vip=False)
for customer, total in ((ann_c, 10), (ann_c, 11), (nobody, 12), (carl, 13)):
    Order.objects.create(customer=customer, total=total)
print(json.dumps(True))
"""

MERGE = [
    "remodel",
    "merge",
    "crm.Lead",
    "crm.Customer",
    "shop.Buyer",
    "--into",
    "people.Person",
    "--key",
    "email",
    "--map",
    "crm.Customer.email_address=email",
    "--map",
    "crm.Customer.full_name=name",
]

SOURCES = ("crm_lead", "crm_customer", "shop_buyer", "shop_order")

SNAPSHOT = """
import json
from django.db import connection
found = {}
with connection.cursor() as cursor:
    for table in %r:
        described = connection.introspection.get_table_description(cursor, table)
        names = sorted(c.name for c in described)
        quoted = ", ".join(connection.ops.quote_name(n) for n in names)
        cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
        found[table] = [names, sorted(json.dumps(list(row), default=str) for row in cursor)]
    # ANALYZE leaves SQLite its statistics table: not the project's.
    tables = connection.introspection.table_names(cursor)
    found["tables"] = sorted(t for t in tables if not t.startswith("sqlite_stat"))
print(json.dumps(found))
"""


def write_project(root: Path) -> None:
    files = {
        "settings.py": SETTINGS,
        "crm/models.py": CRM,
        "shop/models.py": SHOP,
        "people/models.py": PEOPLE,
    }
    for app in ("crm", "shop", "people"):
        for name in ("__init__.py", "migrations/__init__.py"):
            files[f"{app}/{name}"] = ""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip("\n"))


@pytest.fixture
def project(tmp_path: Path, make_project: MakeProject) -> Project:
    write_project(tmp_path / "site")
    made = make_project(tmp_path / "site", "settings", [EXAMPLE])
    made.manage("makemigrations", "crm", "shop", "--verbosity", "0")
    made.manage("migrate", "--verbosity", "0")
    assert made.python(SEED) is True
    return made


def snapshot(project: Project) -> dict[str, Any]:
    found = project.python(SNAPSHOT % (SOURCES,))
    assert isinstance(found, dict)
    return found


def people(project: Project) -> dict[str, list[object]]:
    """Each person by email (``None`` for the one without), with name, score and whom the
    person was referred by (an email)."""
    rows = project.rows(
        "SELECT p.email, p.name, p.score, r.email FROM people_person p "
        "LEFT JOIN people_person r ON r.id = p.referred_by_id"
    )
    return {str(row[0]): row[1:] for row in rows}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_merge_into_a_model_that_does_not_exist_yet(project: Project) -> None:
    site = project.path
    people_models = (site / "people" / "models.py").read_text()
    before = snapshot(project)

    # The dry run and the plan file say the model will be created; nothing is written.
    shown = project.manage(*MERGE, "--dry-run")
    assert "into people.Person (new model)" in shown
    assert "migrations.CreateModel(" in shown
    assert "CREATE TABLE" in shown
    assert "+class Person(models.Model):" in shown
    assert (site / "people" / "models.py").read_text() == people_models
    assert project.migrations("people") == []
    plan = site / "plan.toml"
    out = project.manage(*MERGE, "--plan-out", str(plan))
    assert "people.Person will be a new model" in out
    assert "# people.Person (new model) does not exist yet" in plan.read_text()
    assert "target_exists = false" in plan.read_text()

    project.manage(*MERGE)
    assert project.migrations("people") == [
        "0001_merge_person_expand",
        "0002_merge_person_backfill",
        "0003_merge_person_contract",
    ]
    expand = (site / "people" / "migrations" / "0001_merge_person_expand.py").read_text()
    assert expand.index("migrations.CreateModel(") < expand.index("CreateMergeMap(")
    assert "models.BigAutoField(auto_created=True, primary_key=True" in expand
    written = (site / "people" / "models.py").read_text()
    assert written.startswith(people_models)  # the rest of the module as it was
    added = written[len(people_models) :]
    assert "class Person(models.Model):" in added
    # Unique; as long as the longest source's; NULL where a source has none.
    assert "email = models.EmailField(blank=True, max_length=200, null=True, unique=True)" in added
    assert "name = models.CharField(max_length=80)" in added
    assert "score = models.IntegerField(blank=True, null=True)" in added  # not in shop.Buyer
    assert "vip = models.BooleanField(default=False)" in added
    assert (
        "referred_by = models.ForeignKey(blank=True, null=True, on_delete=models.SET_NULL, "
        "related_name='+', to='people.person')"
    ) in added
    assert 'return self.email or ""' in added
    assert "class Lead" not in (site / "crm" / "models.py").read_text()
    shop = (site / "shop" / "models.py").read_text()
    assert "class Buyer" not in shop
    assert "ForeignKey('people.Person'" in shop or 'ForeignKey("people.Person"' in shop

    # Up to the backfill: every person once, the order pointing at both.
    project.manage("migrate", "people", "0002_merge_person_backfill", "--verbosity", "0")
    merged = people(project)
    assert merged == {
        "ann@example.com": ["Ann L", 5, None],
        "bo@example.com": ["Bo L", 3, "ann@example.com"],
        "carl@example.com": ["Carl", 2, None],
        "dee@example.com": ["Dee", None, None],
        "None": ["Nobody", 1, None],
    }
    linked = project.rows(
        "SELECT o.total, p.name FROM shop_order o "
        "JOIN people_person p ON p.id = o.customer_person_id ORDER BY o.total"
    )
    assert linked == [[10, "Ann L"], [11, "Ann L"], [12, "Nobody"], [13, "Carl"]]

    # Back to before the expand: the sources and the order are as they were.
    project.manage("migrate", "people", "zero", "--verbosity", "0")
    assert snapshot(project) == before

    migrated = project.manage("migrate")
    assert "Applying shop.0004_merge_person_contract... OK" in migrated
    assert "No changes detected" in project.manage("makemigrations", "--check", "--dry-run")
    after = snapshot_after(project)
    assert after["people"] == merged
    assert after["orders"] == [[10, "Ann L"], [11, "Ann L"], [12, "Nobody"], [13, "Carl"]]
    assert not {"crm_lead", "crm_customer", "shop_buyer"} & set(after["tables"])


def snapshot_after(project: Project) -> dict[str, Any]:
    found = project.python(
        "import json\n"
        "from django.db import connection\n"
        "from people.models import Person\n"
        "from shop.models import Order\n"
        "people = {str(p.email): [p.name, p.score, p.referred_by and p.referred_by.email]\n"
        "          for p in Person.objects.select_related('referred_by')}\n"
        "orders = [[o.total, o.customer.name] for o in Order.objects.order_by('total')]\n"
        "print(json.dumps({'people': people, 'orders': orders,\n"
        "                  'tables': connection.introspection.table_names()}))\n"
    )
    assert isinstance(found, dict)
    return found


@pytest.mark.django_db(transaction=True)
def test_a_new_target_is_refused_when_its_name_is_taken_or_its_key_would_clash(
    project: Project,
) -> None:
    site = project.path
    files = {path: path.read_text() for path in site.rglob("*.py")}
    taken = [*MERGE[:6], "people.Address", *MERGE[7:]]
    for extra in (["--dry-run"], ["--plan-out", str(site / "plan.toml")]):
        refused = project.run(*taken, *extra, check=False)
        assert refused.returncode != 0
        assert "Cannot add model 'Address'" in refused.stderr
        assert "the name is already used there" in refused.stderr
    # Two rows without a key whose email is empty: the new unique email cannot hold both.
    project.python(
        "import json\nfrom shop.models import Buyer\n"
        "Buyer.objects.create(email='', name='X')\nBuyer.objects.create(email='', name='Y')\n"
        "print(json.dumps(True))\n"
    )
    refused = project.run(*MERGE, "--dry-run", check=False)
    assert refused.returncode != 0
    assert "1 email value(s) would be held by several rows of the new people.Person" in (
        refused.stderr
    )
    assert {path: path.read_text() for path in site.rglob("*.py")} == files
    assert not (site / "plan.toml").exists()


@pytest.fixture(scope="module")
def graph() -> ModelGraph:
    return ModelGraph.build()


@pytest.mark.parametrize(
    ("into", "message"),
    [
        ("nowhere.Person", "No installed app is labelled 'nowhere', so the new target"),
        ("legacy.Per-son", "'Per-son' is not a valid Python class name"),
        ("legacy.class", "'class' is not a valid Python class name"),
        ("auth.Person", "The app 'auth' belongs to an installed package"),
    ],
)
def test_a_new_target_must_be_a_class_in_an_app_of_the_project(
    graph: ModelGraph, into: str, message: str
) -> None:
    with pytest.raises(RemodelError, match=re.escape(message)):
        build_plan(graph, ["legacy.AppUser", "legacy.CustomerUser"], into, key="email")


def test_add_model_writes_every_field_and_a_str_for_a_key_that_may_be_null() -> None:
    added = add_model(
        "from django.db import models\n",
        model_name="Person",
        field_name="email",
        field_code="models.EmailField(max_length=200, null=True, unique=True)",
        more_fields=[("score", "models.IntegerField(blank=True, null=True)")],
        after_class=None,
        docstring="One person.",
    )
    assert added == textwrap.dedent(
        '''\
        from django.db import models


        class Person(models.Model):
            """One person."""

            email = models.EmailField(max_length=200, null=True, unique=True)
            score = models.IntegerField(blank=True, null=True)

            def __str__(self) -> str:
                return self.email or ""
        '''
    )
