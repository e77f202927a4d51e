"""A history that goes back and forth between two apps is cut where it crossed, and verified."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.projects import MakeProject, Project

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SETTINGS = """
import os

SECRET_KEY = "crossing"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django_remodel",
    "alpha",
    "beta",
]
_vendor = os.environ["REMODEL_DB"]
_name = os.environ["REMODEL_DB_NAME"]
if _vendor == "postgresql":
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": _name,
        "HOST": "127.0.0.1", "USER": "postgres"}}
elif _vendor == "mysql":
    DATABASES = {"default": {"ENGINE": "django.db.backends.mysql", "NAME": _name,
        "HOST": "127.0.0.1", "USER": "root", "OPTIONS": {"charset": "utf8mb4"}}}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _name}}
"""

MANAGE = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
"""

MODELS = {
    "alpha": """
        from django.db import models


        class Author(models.Model):
            name = models.CharField(max_length=200)
            age = models.IntegerField(default=0)
            favourite = models.ForeignKey("beta.Book", models.SET_NULL, null=True, related_name="+")
    """,
    "beta": """
        from django.db import models


        class Book(models.Model):
            title = models.CharField(max_length=100)
            author = models.ForeignKey("alpha.Author", models.CASCADE)
            pages = models.IntegerField(default=0)
    """,
}

HEAD = "from django.db import migrations, models\nimport django.db.models.deletion\n\n"

MIGRATIONS = {
    "alpha/0001_initial": (
        [],
        """migrations.CreateModel("Author", [
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                verbose_name="ID")),
            ("name", models.CharField(max_length=100)),
        ])""",
    ),
    "alpha/0002_author_age": (
        [("alpha", "0001_initial")],
        'migrations.AddField("author", "age", models.IntegerField(default=0))',
    ),
    "beta/0001_initial": (
        [("alpha", "0001_initial")],
        """migrations.CreateModel("Book", [
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                verbose_name="ID")),
            ("title", models.CharField(max_length=100)),
            ("author", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                to="alpha.author")),
        ])""",
    ),
    "beta/0002_book_pages": (
        [("beta", "0001_initial")],
        'migrations.AddField("book", "pages", models.IntegerField(default=0))',
    ),
    "alpha/0003_author_favourite": (
        [("alpha", "0002_author_age"), ("beta", "0002_book_pages")],
        """migrations.AddField("author", "favourite", models.ForeignKey(null=True,
            on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="beta.book"))""",
    ),
    "alpha/0004_anonymous_authors": (
        [("alpha", "0003_author_favourite")],
        "migrations.RunPython(name_anonymous, migrations.RunPython.noop)",
    ),
    "alpha/0005_widen_author_name": (
        [("alpha", "0004_anonymous_authors")],
        'migrations.AlterField("author", "name", models.CharField(max_length=200))',
    ),
}

FUNCTION = """
ANONYMOUS = "anonymous"


def name_anonymous(apps, schema_editor):
    Author = apps.get_model("alpha", "Author")
    Author.objects.using(schema_editor.connection.alias).filter(name="").update(name=ANONYMOUS)


"""


def write_project(directory: Path) -> None:
    (directory / "settings.py").write_text(SETTINGS)
    (directory / "manage.py").write_text(MANAGE)
    for app, models in MODELS.items():
        (directory / app / "migrations").mkdir(parents=True)
        (directory / app / "__init__.py").write_text("")
        (directory / app / "migrations" / "__init__.py").write_text("")
        (directory / app / "models.py").write_text(textwrap.dedent(models))
    for path, (dependencies, operation) in MIGRATIONS.items():
        head = HEAD + (FUNCTION if "RunPython" in operation else "")
        text = (
            f"{head}\nclass Migration(migrations.Migration):\n"
            f"    dependencies = {dependencies!r}\n"
            f"    operations = [\n        {operation},\n    ]\n"
        )
        (directory / f"{path.replace('/', '/migrations/')}.py").write_text(text)


@pytest.fixture
def crossing(tmp_path: Path, make_project: MakeProject) -> Project:
    directory = tmp_path / "crossing"
    directory.mkdir()
    write_project(directory)
    return make_project(directory, "settings")


def test_the_history_is_cut_where_it_crossed_and_verified(crossing):
    crossing.manage("migrate", "--verbosity", "0")
    out = crossing.manage("remodel", "squash", "--verify", "--no-input")
    assert "  alpha: 5 -> 2\n" in out
    assert "  beta: 2 -> 1\n" in out
    assert (
        "    0002_squashed_0005_widen_author_name: 3 operations, replaces 3 "
        "(0003_author_favourite .. 0005_widen_author_name); depends on "
        "alpha.0001_squashed_0002_author_age, beta.0001_squashed_0002_book_pages\n"
    ) in out
    # The later run applies to databases with rows: its data migration is kept.
    assert (
        "  alpha.0004_anonymous_authors #1 RunPython(name_anonymous): a later run of the app "
        "applies to databases with rows, so it is kept"
    ) in out
    assert "  schemas identical" in out
    assert out.count("schema identical") == 3
    assert "  makemigrations --check: no changes" in out
    later = crossing.path / "alpha/migrations/0002_squashed_0005_widen_author_name.py"
    text = later.read_text()
    assert 'ANONYMOUS = "anonymous"\n\n\ndef name_anonymous(' in text
    assert (
        "replaces = [('alpha', '0003_author_favourite'), ('alpha', '0004_anonymous_authors')"
        in text
    )
    assert "No migrations to apply." in crossing.manage("migrate")
