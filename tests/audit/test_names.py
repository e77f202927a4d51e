from __future__ import annotations

import pytest

from django_remodel.audit.names import (
    entity_kinds,
    field_concept,
    owner_prefix,
    split_run_together,
    tokens,
    type_family,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("AccountUser", ("account", "user")),
        ("email_address", ("email", "address")),
        ("lastLoginAt", ("last", "login", "at")),
        ("HTTPServer", ("http", "server")),
        ("address_line2", ("address", "line", "2")),
    ],
)
def test_tokens(name, expected):
    assert tokens(name) == expected


@pytest.mark.parametrize(
    ("model", "field", "concept"),
    [
        # The story's four spellings of each column.
        ("AppUser", "email", "email"),
        ("CustomerUser", "email_address", "email"),
        ("UserProfile", "user_email", "email"),
        ("AccountUser", "account_email", "email"),
        ("AppUser", "username", "name"),
        ("CustomerUser", "full_name", "name"),
        ("UserProfile", "display_name", "name"),
        ("AccountUser", "account_name", "name"),
        ("AppUser", "password", "password"),
        ("CustomerUser", "password_hash", "password"),
        ("AccountUser", "encrypted_password", "password"),
        ("AppUser", "created_at", "created"),
        ("CustomerUser", "registration_date", "created"),
        ("AccountUser", "signup_timestamp", "created"),
        ("User", "date_joined", "created"),
        # Other spellings.
        ("Member", "signUpDate", "created"),
        ("Member", "dateOfBirth", "birth_date"),
        ("Member", "phone_number", "phone"),
        ("Member", "lastLoginAt", "last_login"),
        ("User", "first_name", "first_name"),
        ("User", "is_active", "active"),
        # A qualifier naming something else keeps the concept apart.
        ("Server", "location_name", "location_name"),
        ("Server", "hostname", "name"),  # a host is what a server is: its own name
        ("Event", "starttime", "start"),
        ("Order", "number", "reference"),
        ("Address", "address_city_name", "city"),
        ("Company", "company_reg_no", "registration_number"),
        # The model's own name is an owner word: Tenant.tenant_name is its name.
        ("Tenant", "tenant_name", "name"),
    ],
)
def test_field_concept(model, field, concept):
    assert field_concept(field, model) == concept


def test_entity_kinds():
    assert entity_kinds("CustomerUser") == {"person"}
    assert entity_kinds("AccountUser") == {"person"}
    assert entity_kinds("Company") == {"organization"}
    assert entity_kinds("MaintainerCriteria") == frozenset()


def test_type_family():
    assert type_family("EmailField") == type_family("CharField") == "text"
    assert type_family("DateField") == type_family("DateTimeField") == "time"
    assert type_family("MyCustomField") == "MyCustomField"


def test_owner_prefix_repeated_by_most_fields():
    assert owner_prefix(["so_number", "so_total", "so_tax", "shipping_address"]) == "so"
    assert field_concept("so_number", "TShopOrder", "so") == "reference"
    # Words that mean something are not prefixes, and a few fields are no evidence.
    assert owner_prefix(["email", "email_verified", "email_bounced", "name"]) is None
    assert owner_prefix(["usr_name", "usr_mail"]) is None


def test_run_together_words():
    assert split_run_together("starttime") == ("starttime",)  # a word of its own
    assert split_run_together("venueaddress") == ("venue", "address")
    assert split_run_together("xyzzyplugh") == ("xyzzyplugh",)
