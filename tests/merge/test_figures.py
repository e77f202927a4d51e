"""The merge plan's figures, counted by the database REMODEL_DB selects: a fixed number
of statements, whatever the rows, and no row value read."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_remodel.graph import ModelGraph
from django_remodel.plans.merge import build_plan
from django_remodel.refactor.merge import measure
from legacy.models import AccountUser, AppUser, CustomerUser, UserProfile

SOURCES = ["legacy.AppUser", "legacy.CustomerUser", "legacy.AccountUser", "legacy.UserProfile"]


def _plan(**options: object):
    return build_plan(ModelGraph.build(), SOURCES, "legacy.Person", key="email", **options)  # type: ignore[arg-type]


def _people(scale: int, start: int = 0) -> None:
    for n in range(start, start + scale):
        AppUser.objects.create(
            email=f"Person{n}@Example.org " if n % 2 else f"person{n}@example.org",
            username=f"p{n}",
            password=make_password("secret"),
            phone="0100" if n % 3 else "",
        )
        CustomerUser.objects.create(
            email_address=f"person{n}@example.org",
            full_name=f"Person {n}",
            password_hash="plain-text-nobody-can-read",
            phone="0100" if n % 3 else "0199",
        )
    AppUser.objects.create(email=None, username="phone-only", password="!", phone="0123")
    AccountUser.objects.create(
        account_email=f"someone{start}@else.org", account_name="Else", encrypted_password="x"
    )
    UserProfile.objects.create(user_email=None if start else "  ", display_name="Blank")


@pytest.mark.django_db
def test_figures_are_counted_by_the_database() -> None:
    _people(4)
    figures = measure(_plan(), ModelGraph.build())
    assert figures["rows"] == {
        "legacy.AppUser": 5,
        "legacy.CustomerUser": 4,
        "legacy.AccountUser": 1,
        "legacy.UserProfile": 1,
    }
    assert figures["rows_without_key"] == {
        "legacy.AppUser": 1,
        "legacy.CustomerUser": 0,
        "legacy.AccountUser": 0,
        "legacy.UserProfile": 1,
    }
    assert figures["keys_repeated_within_a_source"] == dict.fromkeys(SOURCES, 0)
    # Trimmed and case-insensitive: each AppUser meets its CustomerUser.
    assert figures["matched_keys"] == 4
    assert figures["rows_after_merge"] == 4 + 1 + 2  # shared keys, someone@else, two keyless
    # Phones: "" is no value; n=0 has "" vs "0199" (no conflict); n=1,2 agree; n=3 "" vs "0199".
    assert figures["keys_whose_sources_disagree"]["phone"] == 0
    assert "passwords_no_hasher_reads" not in figures  # the target is not the user model


@pytest.mark.django_db
def test_keys_that_collide_inside_one_source_and_exact_keys() -> None:
    AppUser.objects.create(email=" same@example.org", username="a", password="x")
    AppUser.objects.create(email="same@example.org", username="b", password="y")
    CustomerUser.objects.create(email_address="same@example.org", full_name="C", password_hash="z")
    figures = measure(_plan(), ModelGraph.build())
    assert figures["keys_repeated_within_a_source"]["legacy.AppUser"] == 1
    assert figures["keys_whose_sources_disagree"]["password"] == 1
    exact = measure(_plan(key_normalization="exact"), ModelGraph.build())
    assert exact["keys_repeated_within_a_source"]["legacy.AppUser"] == 0
    assert exact["matched_keys"] == 1
    assert exact["rows_after_merge"] == 2


@pytest.mark.django_db
def test_statements_do_not_grow_with_rows() -> None:
    plan = _plan()
    graph = ModelGraph.build()
    _people(3)
    with CaptureQueriesContext(connection) as few:
        measure(plan, graph)
    _people(60, start=3)
    with CaptureQueriesContext(connection) as many:
        measure(plan, graph)
    assert len(few.captured_queries) == len(many.captured_queries)
    # rows per source (4), matched keys, distinct keys, one per field held by 2+ sources,
    # and for a new target the keys its unique key would refuse
    shared = [m for m in plan.fields if len(m.sources) > 1 and m.name != plan.key]
    new_target = 0 if plan.target_exists else 1
    assert len(many.captured_queries) == 4 + 2 + len(shared) + new_target


@pytest.mark.django_db
def test_passwords_no_hasher_can_read_are_counted_for_a_user_model_target() -> None:
    _people(2)  # AppUser: hashed, and one unusable "!"; CustomerUser: plain text
    plan = replace(_plan(), target_is_user_model=True)
    figures = measure(plan, ModelGraph.build())
    assert figures["passwords_no_hasher_reads"] == {
        "legacy.AppUser": 0,
        "legacy.CustomerUser": 2,
        "legacy.AccountUser": 1,
    }
