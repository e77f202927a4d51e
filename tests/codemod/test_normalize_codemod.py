"""The source edits of ``remodel normalize``: exact output, kept formatting, clear refusals."""

from __future__ import annotations

import ast
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from django_remodel.codemod import (
    CodemodError,
    FieldInUseError,
    Reference,
    Usage,
    add_field,
    add_model,
    add_shim_property,
    edit_file,
    find_usages,
    remove_field,
    remove_index,
)
from django_remodel.errors import RemodelError

EXAMPLE_MODELS = Path(__file__).resolve().parents[2] / "example" / "server" / "models.py"
LOCATION: dict[str, Any] = {
    "model_name": "Location",
    "field_name": "name",
    "field_code": "models.CharField(max_length=16, unique=True)",
    "docstring": "A place where servers sit.",
}
FOREIGN_KEY = "models.ForeignKey(Location, on_delete=models.PROTECT, null=True)"


def expect(actual: str, expected: str) -> None:
    ast.parse(expected)  # the expected text is itself valid Python
    assert actual == expected


def refusal(message: str):
    return pytest.raises(CodemodError, match=f"^{re.escape(message)}$")


# A module written by hand over the years: comments everywhere, odd spacing.
MODELS = '''\
"""Where the servers are."""

from django.db import models

# --- Inventory ---------------------------------------------------------------


# Machines, one row each.
@audited
class Server(models.Model):
    """A machine."""

    hostname = models.CharField( max_length = 255 )  # odd spacing, kept
    # Free text typed by whoever racked the machine.
    # Two lines of it.
    location_name = models.CharField(max_length=16)  # e.g. "FLOOR-3"
    rack=models.CharField(max_length=8,blank=True)

    # Housekeeping.

    notes = models.TextField(
        blank=True,  # a comment inside the call
    )

    class Meta:
        ordering = ["hostname"]

    def __str__(self):
        return self.hostname
'''


# -- add_model --------------------------------------------------------------------------


def test_add_model_goes_before_the_class_under_its_section_comment():
    expect(
        add_model(MODELS, after_class="Server", **LOCATION),
        '''\
"""Where the servers are."""

from django.db import models

# --- Inventory ---------------------------------------------------------------


class Location(models.Model):
    """A place where servers sit."""

    name = models.CharField(max_length=16, unique=True)

    def __str__(self):
        return self.name


# Machines, one row each.
@audited
class Server(models.Model):
    """A machine."""

    hostname = models.CharField( max_length = 255 )  # odd spacing, kept
    # Free text typed by whoever racked the machine.
    # Two lines of it.
    location_name = models.CharField(max_length=16)  # e.g. "FLOOR-3"
    rack=models.CharField(max_length=8,blank=True)

    # Housekeeping.

    notes = models.TextField(
        blank=True,  # a comment inside the call
    )

    class Meta:
        ordering = ["hostname"]

    def __str__(self):
        return self.hostname
''',
    )


def test_add_model_annotates_str_like_the_module_and_converts_other_values():
    source = textwrap.dedent(
        """\
        from django.db import models


        class Server(models.Model):
            def __str__(self) -> str:
                return "server"
        """
    )
    expect(
        add_model(
            source,
            model_name="Site",
            field_name="code",
            field_code="models.PositiveSmallIntegerField(unique=True)",
            after_class="Server",
            docstring="A site, by its number.",
        ),
        textwrap.dedent(
            '''\
            from django.db import models


            class Site(models.Model):
                """A site, by its number."""

                code = models.PositiveSmallIntegerField(unique=True)

                def __str__(self) -> str:
                    return str(self.code)


            class Server(models.Model):
                def __str__(self) -> str:
                    return "server"
            '''
        ),
    )


def test_add_model_follows_an_alias_of_models():
    source = "from django.db import models as m\n\n\nclass Server(m.Model):\n    pass\n"
    expect(
        add_model(source, after_class="Server", **LOCATION),
        "from django.db import models as m\n\n\n"
        "class Location(m.Model):\n"
        '    """A place where servers sit."""\n\n'
        "    name = m.CharField(max_length=16, unique=True)\n\n"
        "    def __str__(self) -> str:\n"
        "        return self.name\n\n\n"
        "class Server(m.Model):\n    pass\n",
    )


def test_names_imported_one_by_one_are_used_and_missing_ones_added_to_that_import():
    source = (
        "from django.db.models import (\n"
        "    CharField,\n"
        "    Model,\n"
        ")\n\n\n"
        "class Server(Model):\n"
        "    hostname = CharField(max_length=255)\n"
    )
    with_model = add_model(source, after_class="Server", **LOCATION)
    expect(
        add_field(with_model, model_name="Server", field_name="location", field_code=FOREIGN_KEY),
        "from django.db.models import (\n"
        "    CharField,\n"
        "    Model,\n"
        "    ForeignKey,\n"
        "    PROTECT,\n"
        ")\n\n\n"
        "class Location(Model):\n"
        '    """A place where servers sit."""\n\n'
        "    name = CharField(max_length=16, unique=True)\n\n"
        "    def __str__(self) -> str:\n"
        "        return self.name\n\n\n"
        "class Server(Model):\n"
        "    hostname = CharField(max_length=255)\n"
        "    location = ForeignKey(Location, on_delete=PROTECT, null=True)\n",
    )


def test_add_model_imports_models_when_the_module_does_not():
    source = (
        '"""Servers."""\n\n'
        "from inventory.base import BaseModel\n\n\n"
        "class Server(BaseModel):\n    pass\n"
    )
    expect(
        add_model(source, after_class="Server", **LOCATION),
        '"""Servers."""\n\n'
        "from inventory.base import BaseModel\n"
        "from django.db import models\n\n\n"
        "class Location(models.Model):\n"
        '    """A place where servers sit."""\n\n'
        "    name = models.CharField(max_length=16, unique=True)\n\n"
        "    def __str__(self) -> str:\n"
        "        return self.name\n\n\n"
        "class Server(BaseModel):\n    pass\n",
    )


def test_add_model_without_after_class_ends_the_module():
    source = "from django.db import models\n\n\nclass Other(models.Model):\n    pass\n"
    expect(
        add_model(source, after_class=None, **LOCATION),
        source + "\n\n"
        "class Location(models.Model):\n"
        '    """A place where servers sit."""\n\n'
        "    name = models.CharField(max_length=16, unique=True)\n\n"
        "    def __str__(self) -> str:\n"
        "        return self.name\n",
    )


def test_edits_keep_crlf_line_endings_and_two_space_indents():
    source = (
        "from django.db import models\r\n\r\n\r\n"
        "class Server(models.Model):\r\n  host = models.CharField(max_length=9)\r\n"
    )
    result = add_model(source, after_class="Server", **LOCATION)
    result = add_field(result, model_name="Server", field_name="location", field_code=FOREIGN_KEY)
    expect(
        result,
        "from django.db import models\r\n\r\n\r\n"
        "class Location(models.Model):\r\n"
        '  """A place where servers sit."""\r\n\r\n'
        "  name = models.CharField(max_length=16, unique=True)\r\n\r\n"
        "  def __str__(self) -> str:\r\n"
        "    return self.name\r\n\r\n\r\n"
        "class Server(models.Model):\r\n"
        "  host = models.CharField(max_length=9)\r\n"
        f"  location = {FOREIGN_KEY}\r\n",
    )


def test_add_model_refusals():
    with refusal(
        "Cannot add model 'Location' to 'm.py': the name is already used there "
        "(line 3: from geo.models import Location); choose another name for the new model, "
        "or rename what has that name."
    ):
        add_model(
            "from django.db import models\n\nfrom geo.models import Location\n",
            after_class="Server",
            filename="m.py",
            **LOCATION,
        )
    with refusal(
        "There is no class 'Sever' in 'example/server/models.py'; check the model name and "
        "the file (the class statement must be at the top level of the module)."
    ):
        add_model(MODELS, after_class="Sever", filename="example/server/models.py", **LOCATION)
    with refusal(
        "The docstring of the new model 'Location' must be one line of text, not 'Two\\nlines'"
        "; say in a sentence what one Location is."
    ):
        add_model(MODELS, after_class="Server", **{**LOCATION, "docstring": "Two\nlines"})
    with refusal(
        "The code given for field 'Location.name' in the given source is not a Python "
        "expression ('(' was never closed at column 17): 'models.CharField(max_length=16'; "
        "pass the field as it would follow 'name = ', e.g. 'models.CharField(max_length=16)'."
    ):
        add_model(
            MODELS,
            after_class="Server",
            **{**LOCATION, "field_code": "models.CharField(max_length=16"},
        )
    with refusal("Model name 'class' is not a valid Python name; pass an identifier."):
        add_model(MODELS, after_class="Server", **{**LOCATION, "model_name": "class"})


def test_a_source_that_does_not_parse_is_refused():
    with refusal(
        "Cannot parse 'm.py' (line 1, column 13): '(' was never closed; fix the syntax error first."
    ):
        add_field(
            "class Server(\n", model_name="Server", field_name="x", field_code="1", filename="m.py"
        )


def test_model_classes_the_edits_cannot_find_or_reach():
    nested = (
        "from django.db import models\n\nif True:\n    class Server(models.Model):\n        pass\n"
    )
    with refusal(
        "Model class 'Server' in 'm.py' is defined inside an if statement (line 4), not at "
        "the top level of the module; move it to the top level or make this change by hand."
    ):
        remove_field(nested, model_name="Server", field_name="x", filename="m.py")
    with refusal(
        "Model 'Server' is imported in 'm.py' (line 1: from inventory.models import Server); "
        "edit the module whose class statement defines 'Server'."
    ):
        add_field(
            "from inventory.models import Server\n",
            model_name="Server",
            field_name="location",
            field_code=FOREIGN_KEY,
            filename="m.py",
        )
    twice = "class Server:\n    pass\n\n\nclass Server:\n    pass\n"
    with refusal(
        "Model class 'Server' is defined 2 times in the given source (lines 1, 5); only the "
        "last one counts, so delete the others first."
    ):
        add_shim_property(
            twice, model_name="Server", old_name="a", fk_name="b", target_field="name"
        )
    with refusal(
        "Model 'Server' is assigned, not defined by a class in the given source (line 3: "
        "Server = build_model('Server')); edit the module whose class statement defines "
        "'Server'."
    ):
        remove_field(
            "from factory import build_model\n\nServer = build_model('Server')\n",
            model_name="Server",
            field_name="x",
        )
    with refusal(
        "Model class 'Server' in the given source is written on one line (line 1: class "
        "Server(models.Model): pass); put its body on lines of its own first."
    ):
        remove_field("class Server(models.Model): pass\n", model_name="Server", field_name="x")


# -- add_field --------------------------------------------------------------------------


def test_add_field_after_a_given_field_keeps_its_trailing_comment():
    expect(
        add_field(
            MODELS,
            model_name="Server",
            field_name="location",
            field_code=FOREIGN_KEY,
            after_field="location_name",
        ),
        MODELS.replace(
            '    location_name = models.CharField(max_length=16)  # e.g. "FLOOR-3"\n',
            '    location_name = models.CharField(max_length=16)  # e.g. "FLOOR-3"\n'
            f"    location = {FOREIGN_KEY}\n",
        ),
    )


def test_add_field_after_the_last_field_by_default():
    expect(
        add_field(MODELS, model_name="Server", field_name="location", field_code=FOREIGN_KEY),
        MODELS.replace(
            "        blank=True,  # a comment inside the call\n    )\n",
            "        blank=True,  # a comment inside the call\n    )\n"
            f"    location = {FOREIGN_KEY}\n",
        ),
    )


def test_the_first_field_of_a_class_goes_before_meta_and_the_methods():
    source = textwrap.dedent(
        '''\
        from django.db import models


        class Server(models.Model):
            """A machine."""

            class Kind(models.TextChoices):
                VM = "vm"

            # Sorted by name.
            class Meta:
                ordering = ["name"]
        '''
    )
    expect(
        add_field(source, model_name="Server", field_name="location", field_code=FOREIGN_KEY),
        textwrap.dedent(
            f'''\
            from django.db import models


            class Server(models.Model):
                """A machine."""

                class Kind(models.TextChoices):
                    VM = "vm"

                location = {FOREIGN_KEY}

                # Sorted by name.
                class Meta:
                    ordering = ["name"]
            '''
        ),
    )
    expect(
        add_field(
            "class Server(Model):\n    pass  # for now\n",
            model_name="Server",
            field_name="location",
            field_code=FOREIGN_KEY,
        ),
        f"from django.db import models\nclass Server(Model):\n    location = {FOREIGN_KEY}\n",
    )


def test_add_field_refusals():
    with refusal(
        "Cannot add field 'location_name' to model 'Server' in 'm.py': it already has a "
        "field 'location_name' (line 16: location_name = models.CharField(max_length=16)  "
        '# e.g. "FLOOR-3"); choose another name, or rename or remove what has that name first.'
    ):
        add_field(
            MODELS,
            model_name="Server",
            field_name="location_name",
            field_code=FOREIGN_KEY,
            filename="m.py",
        )
    with refusal(
        "Cannot add field '__str__' to model 'Server' in the given source: it already has a "
        "method '__str__' (line 28: def __str__(self):); choose another name, or rename or "
        "remove what has that name first."
    ):
        add_field(MODELS, model_name="Server", field_name="__str__", field_code=FOREIGN_KEY)
    with refusal(
        "Cannot add field 'Meta' to model 'Server' in the given source: it already has a "
        "nested class 'Meta' (line 25: class Meta:); choose another name, or rename or "
        "remove what has that name first."
    ):
        add_field(MODELS, model_name="Server", field_name="Meta", field_code=FOREIGN_KEY)
    with refusal("Field name 'location-id' is not a valid Python name; pass an identifier."):
        add_field(MODELS, model_name="Server", field_name="location-id", field_code=FOREIGN_KEY)
    with refusal(
        "Cannot add field 'Server.location' after 'Server.site' in the given source: "
        "'Server.site' does not exist: class 'Server' has no field 'site' (its fields are "
        "'hostname', 'location_name', 'rack', 'notes'); check the field name."
    ):
        add_field(
            MODELS,
            model_name="Server",
            field_name="location",
            field_code=FOREIGN_KEY,
            after_field="site",
        )
    with refusal(
        "Cannot add field 'Server.location' after 'Server.__str__' in the given source: "
        "'Server.__str__' is a method (line 28: def __str__(self):), not a field; check the "
        "field name."
    ):
        add_field(
            MODELS,
            model_name="Server",
            field_name="location",
            field_code=FOREIGN_KEY,
            after_field="__str__",
        )


# -- remove_field -----------------------------------------------------------------------


def test_remove_field_takes_the_comments_directly_above_it():
    expect(
        remove_field(MODELS, model_name="Server", field_name="location_name"),
        MODELS.replace(
            "    # Free text typed by whoever racked the machine.\n"
            "    # Two lines of it.\n"
            '    location_name = models.CharField(max_length=16)  # e.g. "FLOOR-3"\n',
            "",
        ),
    )


def test_remove_field_keeps_comments_set_apart_by_a_blank_line():
    expect(
        remove_field(MODELS, model_name="Server", field_name="notes"),
        MODELS.replace(
            "    notes = models.TextField(\n"
            "        blank=True,  # a comment inside the call\n"
            "    )\n\n",
            "",
        ),
    )


def test_remove_the_last_statement_of_a_class():
    source = "class Server(models.Model):\n    # Where.\n    location_name = models.CharField()\n"
    expect(
        remove_field(source, model_name="Server", field_name="location_name"),
        "class Server(models.Model):\n    pass\n",
    )


USED = """\
from django.db import models


class Server(models.Model):
    hostname = models.CharField(max_length=255)
    location_name = models.CharField(max_length=16)
    label = models.GeneratedField(
        expression=Concat("hostname", F("location_name")),
        output_field=models.CharField(max_length=300),
        db_persist=True,
    )

    class Meta:
        ordering = ["-location_name"]
        unique_together = [("hostname", "location_name")]
        indexes = [models.Index(fields=["location_name"], name="server_location_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(location_name=""), name="placed"),
        ]

    def __str__(self) -> str:
        return f"{self.hostname} ({self.location_name})"

    def move(self, where: str) -> None:
        self.location_name = where
        self.save(update_fields=["location_name"])
"""


def test_remove_field_refuses_while_the_class_uses_the_field():
    with pytest.raises(FieldInUseError) as raised:
        remove_field(USED, model_name="Server", field_name="location_name", filename="m.py")
    assert str(raised.value) == (
        "Cannot remove field 'Server.location_name' in 'm.py': class 'Server' still uses it, "
        "and would break without it:\n"
        '  line 8 (field label): expression=Concat("hostname", F("location_name")),\n'
        '  line 14 (Meta.ordering): ordering = ["-location_name"]\n'
        '  line 15 (Meta.unique_together): unique_together = [("hostname", "location_name")]\n'
        '  line 16 (Meta.indexes): indexes = [models.Index(fields=["location_name"], '
        'name="server_location_idx")]\n'
        "  line 18 (Meta.constraints): models.CheckConstraint(condition=~models.Q("
        'location_name=""), name="placed"),\n'
        '  line 22 (method __str__): return f"{self.hostname} ({self.location_name})"\n'
        "  line 25 (method move): self.location_name = where\n"
        '  line 26 (method move): self.save(update_fields=["location_name"])\n'
        "Change these to use the new field (or remove them), then remove the field."
    )
    assert raised.value.references[0] == Reference(
        8, 41, "field label", 'expression=Concat("hostname", F("location_name")),'
    )
    assert isinstance(raised.value, RemodelError)


def test_with_a_shim_reading_the_field_in_a_method_is_no_reason_to_refuse():
    with pytest.raises(FieldInUseError) as raised:
        remove_field(USED, model_name="Server", field_name="location_name", shimmed=True)
    # The read in __str__ goes through the property; the write in move() cannot.
    assert [(r.line, r.context) for r in raised.value.references] == [
        (8, "field label"),
        (14, "Meta.ordering"),
        (15, "Meta.unique_together"),
        (16, "Meta.indexes"),
        (18, "Meta.constraints"),
        (25, "method move"),
        (26, "method move"),
    ]
    reading = (
        "class Server(models.Model):\n"
        "    location_name = models.CharField()\n\n"
        "    def __str__(self):\n"
        "        return self.location_name\n"
    )
    expect(
        remove_field(reading, model_name="Server", field_name="location_name", shimmed=True),
        "class Server(models.Model):\n    def __str__(self):\n        return self.location_name\n",
    )


def test_remove_field_refuses_fields_it_cannot_see_or_edit():
    inherited = "class Server(LocatedModel, TimestampedModel):\n    hostname = models.CharField()\n"
    with refusal(
        "Cannot remove field 'Server.location_name' in 'm.py': the field is not defined in "
        "the body of class 'Server'; it is probably inherited from 'LocatedModel', "
        "'TimestampedModel'. Edit the class that defines it (every model inheriting it "
        "changes too), or make this change by hand."
    ):
        remove_field(inherited, model_name="Server", field_name="location_name", filename="m.py")
    looped = textwrap.dedent(
        """\
        class Server(models.Model):
            for _name in ("location_name", "rack_name"):
                locals()[_name] = models.CharField(max_length=16)
        """
    )
    with refusal(
        "Cannot remove field 'Server.location_name' in the given source: the field is "
        'defined dynamically (line 2: for _name in ("location_name", "rack_name"):), so '
        "it cannot be edited automatically; write it as a plain 'location_name = "
        "models.SomeField(...)' line in the class body, or make this change by hand."
    ):
        remove_field(looped, model_name="Server", field_name="location_name")
    added = (
        "class Server(models.Model):\n    pass\n\n\n"
        "Server.add_to_class('location_name', models.CharField())\n"
    )
    with refusal(
        "Cannot remove field 'Server.location_name' in the given source: the field is "
        "defined dynamically (line 5: Server.add_to_class('location_name', "
        "models.CharField())), so it cannot be edited automatically; write it as a plain "
        "'location_name = models.SomeField(...)' line in the class body, or make this "
        "change by hand."
    ):
        remove_field(added, model_name="Server", field_name="location_name")
    conditional = textwrap.dedent(
        """\
        class Server(models.Model):
            if settings.TRACK_LOCATION:
                location_name = models.CharField(max_length=16)
        """
    )
    with refusal(
        "Cannot remove field 'Server.location_name' in the given source: the field is "
        "assigned inside an if statement (line 2: if settings.TRACK_LOCATION:), so it "
        "cannot be edited automatically; write it as a plain 'location_name = "
        "models.SomeField(...)' line in the class body, or make this change by hand."
    ):
        remove_field(conditional, model_name="Server", field_name="location_name")
    chained = "class Server(models.Model):\n    location_name = rack_name = models.CharField()\n"
    with refusal(
        "Cannot remove field 'Server.location_name' in the given source: the field shares "
        "its line with other assignments (line 2: location_name = rack_name = "
        "models.CharField()); give it a line of its own ('location_name = "
        "models.SomeField(...)') first."
    ):
        remove_field(chained, model_name="Server", field_name="location_name")
    twice = (
        "class Server(models.Model):\n"
        "    location_name = models.CharField()\n"
        "    location_name = models.TextField()\n"
    )
    with refusal(
        "Cannot remove field 'Server.location_name' in the given source: the field is "
        "assigned 2 times in class 'Server' (lines 2, 3); only the last one counts, so "
        "delete the others first."
    ):
        remove_field(twice, model_name="Server", field_name="location_name")


# -- remove_index -----------------------------------------------------------------------


def test_remove_index_drops_an_emptied_indexes_and_keeps_the_rest_of_meta():
    source = EXAMPLE_MODELS.read_text(encoding="utf-8")
    expect(
        remove_index(source, model_name="Server", index_name="server_location_name_idx"),
        source.replace(
            '        indexes = (models.Index(fields=["location_name"], '
            'name="server_location_name_idx"),)\n',
            "",
        ),
    )


def test_remove_index_from_a_list_keeps_the_others_and_their_comments():
    source = textwrap.dedent(
        """\
        class Server(models.Model):
            class Meta:
                indexes = [
                    # By place.
                    models.Index(fields=["location_name"], name="by_location"),
                    # By name.
                    models.Index(fields=["hostname"], name="by_hostname"),
                ]
        """
    )
    expect(
        remove_index(source, model_name="Server", index_name="by_location"),
        textwrap.dedent(
            """\
            class Server(models.Model):
                class Meta:
                    indexes = [
                        # By name.
                        models.Index(fields=["hostname"], name="by_hostname"),
                    ]
            """
        ),
    )
    expect(
        remove_index(source, model_name="Server", index_name="by_hostname"),
        textwrap.dedent(
            """\
            class Server(models.Model):
                class Meta:
                    indexes = [
                        # By place.
                        models.Index(fields=["location_name"], name="by_location"),
                    ]
            """
        ),
    )
    pair = (
        "class Server(models.Model):\n    x = 1\n\n"
        "    class Meta:\n        indexes = (Index(name='a'), Index(name='b'))\n"
    )
    expect(
        remove_index(pair, model_name="Server", index_name="b"),
        pair.replace("(Index(name='a'), Index(name='b'))", "(Index(name='a'),)"),
    )
    expect(
        remove_index(
            remove_index(pair, model_name="Server", index_name="b"),
            model_name="Server",
            index_name="a",
        ),
        "class Server(models.Model):\n    x = 1\n",
    )


def test_remove_index_refusals():
    with refusal(
        "Cannot remove index 'by_place' of model 'Server' in the given source: its "
        "Meta.indexes has no index of that name (it has 'server_location_name_idx'); "
        "check the index name."
    ):
        remove_index(
            EXAMPLE_MODELS.read_text(encoding="utf-8"), model_name="Server", index_name="by_place"
        )
    with refusal(
        "Cannot remove index 'by_place' of model 'Server' in the given source: the class "
        "has no 'class Meta:' block of its own lines; if the index is inherited, remove it "
        "where it is defined, or make this change by hand."
    ):
        remove_index("class Server:\n    pass\n", model_name="Server", index_name="by_place")
    with refusal(
        "Cannot remove index 'by_place' of model 'Server' in the given source: its Meta "
        "has no 'indexes' list; check the index name, or make this change by hand."
    ):
        remove_index(
            "class Server:\n    class Meta:\n        ordering = ['name']\n",
            model_name="Server",
            index_name="by_place",
        )
    with refusal(
        "Cannot remove index 'by_place' of model 'Server' in the given source: its "
        "Meta.indexes is not a list or tuple written out (line 3: indexes = "
        "Base.Meta.indexes + []); make this change by hand."
    ):
        remove_index(
            "class Server:\n    class Meta:\n        indexes = Base.Meta.indexes + []\n",
            model_name="Server",
            index_name="by_place",
        )


# -- add_shim_property ------------------------------------------------------------------


def test_add_shim_property_ends_the_class_with_a_transitional_read_only_property():
    source = remove_field(MODELS, model_name="Server", field_name="location_name")
    expect(
        add_shim_property(
            source,
            model_name="Server",
            old_name="location_name",
            fk_name="location",
            target_field="name",
        ),
        source + "\n"
        "    # Transitional: location_name is now location.name, through the foreign\n"
        "    # key. Read-only; remove this property once nothing reads location_name.\n"
        "    @property\n"
        "    def location_name(self):\n"
        "        return self.location.name if self.location_id is not None else None\n",
    )
    annotated = "class Server(models.Model):\n    def __str__(self) -> str:\n        return ''\n"
    assert "    def location_name(self) -> str | None:\n" in add_shim_property(
        annotated,
        model_name="Server",
        old_name="location_name",
        fk_name="location",
        target_field="name",
    )


def test_add_shim_property_refusals():
    with refusal(
        "Cannot add the property 'location_name' to model 'Server' in 'm.py': "
        "'Server.location_name' is still a field there (line 16: location_name = "
        'models.CharField(max_length=16)  # e.g. "FLOOR-3"); remove the field first.'
    ):
        add_shim_property(
            MODELS,
            model_name="Server",
            old_name="location_name",
            fk_name="location",
            target_field="name",
            filename="m.py",
        )
    with refusal(
        "Cannot add the property 'hostname' to model 'Server' in the given source: "
        "the name 'hostname' is already used in its body (line 2: hostname = 'x'); "
        "choose another name, or rename or remove what has that name first."
    ):
        add_shim_property(
            "class Server:\n    hostname = 'x'\n",
            model_name="Server",
            old_name="hostname",
            fk_name="host",
            target_field="name",
        )


# -- The whole edit on the example project ----------------------------------------------


def test_normalizing_a_copy_of_the_example_server_models(tmp_path):
    models_py = tmp_path / "models.py"
    shutil.copy(EXAMPLE_MODELS, models_py)
    name = str(models_py)
    edit_file(models_py, add_model, after_class="Server", **LOCATION)
    edit_file(
        models_py,
        add_field,
        model_name="Server",
        field_name="location",
        field_code="models.ForeignKey(Location, on_delete=models.PROTECT)",
        after_field="location_name",
    )
    # The index on the old column is the user's to drop: it is reported, not lost.
    with pytest.raises(FieldInUseError) as raised:
        edit_file(models_py, remove_field, model_name="Server", field_name="location_name")
    assert str(raised.value).startswith(
        f"Cannot remove field 'Server.location_name' in {name!r}: class 'Server' still uses "
        "it, and would break without it:\n  line 38 (Meta.indexes): indexes = "
    )
    edit_file(models_py, remove_index, model_name="Server", index_name="server_location_name_idx")
    edit_file(models_py, remove_field, model_name="Server", field_name="location_name")
    edit_file(
        models_py,
        add_shim_property,
        model_name="Server",
        old_name="location_name",
        fk_name="location",
        target_field="name",
    )

    result = models_py.read_text(encoding="utf-8")
    tree = ast.parse(result)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    assert list(classes) == ["Location", "Server"]
    server = classes["Server"]
    assigned = [
        node.targets[0].id
        for node in server.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    ]
    assert assigned == [
        "hostname",
        "location",
        "rack",
        "ip_address",
        "is_active",
        "os",
        "commissioned_on",
        "notes",
    ]
    properties = [node.name for node in server.body if isinstance(node, ast.FunctionDef)]
    assert properties == ["__str__", "location_name"]
    assert "Free text typed by whoever racked" not in result  # went with its field
    original = EXAMPLE_MODELS.read_text(encoding="utf-8")
    for line in ('"""The clinic\'s server inventory."""', '        LINUX = "linux", "Linux"'):
        assert line in original
        assert line in result


# -- edit_file --------------------------------------------------------------------------


def test_edit_file_dry_run_shows_the_diff_and_writes_nothing(tmp_path):
    path = tmp_path / "models.py"
    path.write_bytes(
        b"from django.db import models\r\n\r\n\r\n"
        b"class Server(models.Model):\r\n    hostname = models.CharField()\r\n"
    )
    before = path.read_bytes()
    diff = edit_file(
        path,
        add_field,
        dry_run=True,
        model_name="Server",
        field_name="rack",
        field_code="models.CharField(max_length=8)",
    )
    assert path.read_bytes() == before
    assert diff.changed
    assert diff.text == (
        f"--- a/{path.as_posix()}\n"
        f"+++ b/{path.as_posix()}\n"
        "@@ -3,3 +3,4 @@\n"
        " \r\n"
        " class Server(models.Model):\r\n"
        "     hostname = models.CharField()\r\n"
        "+    rack = models.CharField(max_length=8)\r\n"
    )
    assert str(diff) == diff.text

    written = edit_file(
        path,
        add_field,
        model_name="Server",
        field_name="rack",
        field_code="models.CharField(max_length=8)",
    )
    assert written == diff
    assert path.read_bytes() == diff.after.encode()
    assert b"\r\n    rack = models.CharField(max_length=8)\r\n" in path.read_bytes()


def test_edit_file_names_the_file_in_errors(tmp_path):
    missing = tmp_path / "missing.py"
    with refusal(
        f"Cannot read {str(missing)!r} to edit it: No such file or directory; check the "
        "path and the file."
    ):
        edit_file(missing, remove_field, model_name="Server", field_name="x")
    path = tmp_path / "models.py"
    path.write_text("class Other:\n    pass\n", encoding="utf-8")
    with refusal(
        f"There is no class 'Server' in {str(path)!r}; check the model name and the file "
        "(the class statement must be at the top level of the module)."
    ):
        edit_file(path, remove_field, model_name="Server", field_name="x")


# -- find_usages ------------------------------------------------------------------------


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


PROJECT = {
    "server/models.py": """\
        from django.db import models


        class Server(models.Model):
            location_name = models.CharField(max_length=16)

            class Meta:
                indexes = [models.Index(fields=["location_name"], name="by_place")]
        """,
    "server/views.py": '''\
        """Views. Mentions location_name in prose: not a usage."""

        import logging

        from django.db.models import F, Q

        from server.models import Server
        from server import location_name as unrelated_module

        log = logging.getLogger(__name__)


        def servers(request, place):
            log.info("filtering on location_name")
            print("location_name")
            rows = Server.objects.filter(location_name=place).values("location_name")
            gone = Server.objects.exclude(location_name__icontains="old")
            names = Server.objects.values_list("hostname", "location_name")
            ordered = Server.objects.order_by("-location_name").only("location_name")
            slim = Server.objects.defer("location_name").annotate(where=F("location_name"))
            either = Server.objects.filter(Q(location_name="A") | Q(rack__location_name="B"))
            first = Server.objects.first()
            return first.location_name, getattr(first, "location_name"), rows[0]["location_name"]
        ''',
    "server/admin.py": """\
        class ServerAdmin(admin.ModelAdmin):
            list_display = ("hostname", "location_name")
            search_fields = ["location_name__icontains"]
            title = "location_name"
        """,
    "server/migrations/0001_initial.py": """\
        fields = [("location_name", models.CharField(max_length=16))]
        Server.objects.filter(location_name="x")
        """,
    "server/templates/server/list.html": """\
        <h1>location_name</h1>
        {% regroup servers by location_name as places %}
        {% for server in servers|dictsort:"location_name" %}
          <td>{{ server.location_name }}</td><td>{{ server.location_names }}</td>
        {% endfor %}
        """,
    "server/templates/server/mail.txt": "Your server sits in {{ server.location_name|upper }}.\n",
    ".venv/lib/site.py": "server.location_name\n",
    "broken.py": "def broken(:\n    return server.location_name\n",
}


def test_find_usages_in_a_small_project(tmp_path):
    write(tmp_path, PROJECT)
    usages = find_usages([tmp_path], model_name="Server", field_name="location_name")
    found = [
        (usage.path.relative_to(tmp_path).as_posix(), usage.line, usage.column, usage.kind)
        for usage in usages
    ]
    assert found == [
        ("broken.py", 1, 12, "unparsed"),
        ("server/admin.py", 2, 33, "string"),
        ("server/admin.py", 3, 22, "string"),
        ("server/models.py", 8, 41, "string"),
        ("server/templates/server/list.html", 2, 23, "template"),
        ("server/templates/server/list.html", 3, 36, "template"),
        ("server/templates/server/list.html", 4, 17, "template"),
        ("server/templates/server/mail.txt", 1, 31, "template"),
        ("server/views.py", 16, 34, "keyword"),
        ("server/views.py", 16, 62, "string"),
        ("server/views.py", 17, 35, "keyword"),
        ("server/views.py", 18, 52, "string"),
        ("server/views.py", 19, 39, "string"),
        ("server/views.py", 19, 62, "string"),
        ("server/views.py", 20, 33, "string"),
        ("server/views.py", 20, 67, "string"),
        ("server/views.py", 21, 38, "keyword"),
        ("server/views.py", 21, 61, "keyword"),
        ("server/views.py", 23, 18, "attribute"),
        ("server/views.py", 23, 48, "attribute"),
        ("server/views.py", 23, 74, "key"),
    ]
    by_place = {(u.path.name, u.line, u.column): u for u in usages}
    assert by_place["views.py", 16, 34] == Usage(
        tmp_path / "server" / "views.py",
        16,
        34,
        "keyword",
        'rows = Server.objects.filter(location_name=place).values("location_name")',
    )
    assert by_place["list.html", 4, 17].text == (
        "<td>{{ server.location_name }}</td><td>{{ server.location_names }}</td>"
    )
    assert str(by_place["mail.txt", 1, 31]) == (
        f"{tmp_path / 'server/templates/server/mail.txt'}:1:31: template: "
        "Your server sits in {{ server.location_name|upper }}."
    )
    assert by_place["broken.py", 1, 12].text.startswith(
        f"Cannot parse {str(tmp_path / 'broken.py')!r}"
    )


def test_find_usages_skips_migrations_in_a_list_of_files_too(tmp_path):
    write(tmp_path, PROJECT)
    files = sorted(tmp_path.rglob("*.py"))
    usages = find_usages(files, model_name="Server", field_name="location_name")
    assert {usage.path.relative_to(tmp_path).as_posix() for usage in usages} == {
        ".venv/lib/site.py",  # named one by one: only migrations and site-packages are skipped
        "broken.py",
        "server/admin.py",
        "server/models.py",
        "server/views.py",
    }


def test_find_usages_in_the_example_project():
    example = EXAMPLE_MODELS.parents[1]
    usages = find_usages([example], model_name="Server", field_name="location_name")
    assert [(u.path.relative_to(example).as_posix(), u.line, u.kind) for u in usages] == [
        ("clinic/seeding.py", 949, "key"),
        ("server/models.py", 28, "string"),
    ]


def test_find_usages_refuses_a_path_that_does_not_exist(tmp_path):
    with refusal(
        f"Cannot search {str(tmp_path / 'nowhere')!r} for usages of 'Server.location_name': "
        "there is no such file or directory; pass the project's directories."
    ):
        find_usages([tmp_path / "nowhere"], model_name="Server", field_name="location_name")
