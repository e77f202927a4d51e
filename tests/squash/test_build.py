"""Which old operations keep a squashed app's first migration from being built from its state."""

from __future__ import annotations

from django.db import migrations, models

from django_remodel.squash.build import hands_over_tables

AUTHOR = migrations.CreateModel("Author", [("id", models.AutoField(primary_key=True))])


def test_a_model_taken_over_from_another_app_hands_over_its_table():
    assert hands_over_tables(migrations.SeparateDatabaseAndState(state_operations=[AUTHOR]))


def test_a_model_let_go_to_another_app_hands_over_its_table():
    operation = migrations.SeparateDatabaseAndState(
        state_operations=[migrations.DeleteModel("Author")]
    )
    assert hands_over_tables(operation)


def test_a_model_created_in_the_database_too_hands_over_nothing():
    operation = migrations.SeparateDatabaseAndState(
        state_operations=[AUTHOR], database_operations=[AUTHOR]
    )
    assert not hands_over_tables(operation)


def test_a_field_changed_in_the_state_only_hands_over_nothing():
    operation = migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField("author", "name", models.TextField())]
    )
    assert not hands_over_tables(operation)
    assert not hands_over_tables(AUTHOR)
