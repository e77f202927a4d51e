"""Labeled synthetic Django projects, for measuring duplicate-model detection.

``generate_project(seed)`` returns a ``LabeledProject``: a ``ModelGraph`` of a
made-up project (3-8 apps, 15-60 first-party models, optionally Django's auth
and contenttypes) and the duplicate groups planted in it. The same seed always
gives the same project.

What is planted
---------------
1-3 *duplicate groups* per project, 2-5 models each. All members of a group
store the same kind of real-world thing (people, companies, products, postal
addresses, orders, uploaded files, events, articles, support tickets), the way
projects end up with several tables for it: a legacy table read by
``inspectdb``, a copy made by another app, a CRM sync, a "V2". Each member is
named from the entity's nouns and from prefixes and suffixes real projects use
(``LegacyCustomer``, ``CrmContact``, ``UserRecord``, ``TblUsers``), and gets the
entity's attributes under varied spellings: synonyms and abbreviations
(``surname``/``last_name``/``lname``), owner prefixes (``account_email``),
suffixes (``_at``/``_date``/``_ts``/``_hash``), ``camelCase`` or inspectdb-style
columns, some attributes missing, a few unrelated extra fields, and the type
variations real projects have (``EmailField`` or ``CharField``, ``DateField``
or ``DateTimeField``, ``TextField`` or a long ``CharField``, cents in an
``IntegerField``). The identifying attribute (email, SKU, order number, slug,
...) is present in every member and unique in most of them (postal addresses
have no unique key). Other models point at members with foreign keys.

Everything else is *background*: ordinary entities (servers, settings,
currencies, feature flags, ...), and *look-alikes*, chosen to resemble the
planted kinds: different entities that share generic fields (``name``,
``title``, ``created_at``, ``status``, ``is_active``) or even identifying-
looking ones: a ``Company`` with email/phone/website next to people, a
``NewsletterSubscription(email unique, subscribed_at)``, an
``EmailTemplate(name, subject, body)`` next to articles, ``Invoice`` and
``Payment`` next to orders, ``Tag`` next to ``Category``, ``Appointment`` next
to events, ``Store`` and ``Warehouse`` next to addresses; child rows that copy
their parent's fields (``OrderLine`` with sku and unit price,
``ArticleRevision`` with title and body, ``DocumentVersion`` with file, size
and checksum); proxies of members. For large projects (``models=500``),
background models are also composed from a domain qualifier and a record type
(``ShippingRule``, ``PayoutBatch``).

Ground truth
------------
* A duplicate group is a set of models whose rows are the same kind of
  real-world thing, so that one row in one model could be the same thing as a
  row in another, and merging the models into one table is the refactoring
  that fixes the schema.
* A look-alike is a different real-world entity, however many fields it
  shares: a company is not a person, a newsletter subscription is not a
  person, a payment is not an invoice nor an order, a template is not an
  article, an appointment is not an event, a store is not an address.
* A model that holds many rows per row of another (lines, revisions,
  versions, registrations, replies, status changes) is a different entity
  from its parent, even when it copies the parent's fields.
* A model holding settings about a person one-to-one (preferences), without
  the person's identifying attributes, is not a person.
* Proxies store nothing of their own: never in a group. Abstract and
  auto-created (many-to-many through) models: never in a group.
* ``auth.User`` stores people. When it is installed and a person group is
  planted, it is a member of that group; when no person group is planted, the
  project has no other first-party person model. The other models of
  ``django.contrib.auth`` and ``contenttypes`` are in no group.
* Outside the planted groups every model is the only one of its entity, so
  there are no duplicates besides the planted ones. Background entities that
  would make the truth debatable next to a planted kind (a ``Task`` next to
  support tickets, a ``Tenant`` next to companies) are left out of that
  project.

The vocabulary below is written from how real schemas name things. Keep it
independent of the detector's own lexicon; copying between the two would
measure the detector on the names it was written against.
"""

from __future__ import annotations

import inspect
import keyword
import random
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import models
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone

from django_remodel.graph import (
    FieldNode,
    ModelGraph,
    ModelKind,
    ModelNode,
    RelationEdge,
    RelationKind,
)

# ---------------------------------------------------------------------------
# Field types


@dataclass(frozen=True)
class TypeOption:
    """One way to declare an attribute: a Django field class and its arguments."""

    weight: float
    cls: str
    kwargs: dict[str, Any]


def _t(cls: str, weight: float = 1.0, **kwargs: Any) -> TypeOption:
    return TypeOption(weight, cls, kwargs)


_STATUS = [("new", "New"), ("active", "Active"), ("done", "Done"), ("cancelled", "Cancelled")]
_INT_STATUS = [(0, "New"), (1, "Active"), (2, "Done"), (3, "Cancelled")]
_PRIORITY = [("low", "Low"), ("normal", "Normal"), ("high", "High"), ("urgent", "Urgent")]
_INT_PRIORITY = [(1, "Low"), (2, "Normal"), (3, "High"), (4, "Urgent")]
_OPTIONS = [("a", "Option A"), ("b", "Option B"), ("other", "Other")]

PALETTES: dict[str, tuple[TypeOption, ...]] = {
    "EMAIL": (
        _t("EmailField", 6),
        _t("CharField", 3, max_length=255),
        _t("CharField", 1, max_length=100),
        _t("EmailField", 1, max_length=320),
    ),
    "USERNAME": (
        _t("CharField", 3, max_length=150),
        _t("CharField", 2, max_length=50),
        _t("CharField", 1, max_length=30),
        _t("CharField", 1, max_length=255),
    ),
    "PASSWORD": (
        _t("CharField", 5, max_length=128),
        _t("CharField", 3, max_length=255),
        _t("CharField", 1, max_length=60),
        _t("CharField", 1, max_length=100),
    ),
    "PERSONNAME": (
        _t("CharField", 2, max_length=150),
        _t("CharField", 2, max_length=100),
        _t("CharField", 2, max_length=50),
        _t("CharField", 1, max_length=30),
        _t("CharField", 1, max_length=255),
    ),
    "NAME": (
        _t("CharField", 3, max_length=100),
        _t("CharField", 3, max_length=255),
        _t("CharField", 2, max_length=150),
        _t("CharField", 1, max_length=200),
    ),
    "TITLE": (
        _t("CharField", 3, max_length=200),
        _t("CharField", 3, max_length=255),
        _t("CharField", 1, max_length=300),
        _t("CharField", 1, max_length=150),
    ),
    "SHORT": (
        _t("CharField", 3, max_length=50),
        _t("CharField", 2, max_length=32),
        _t("CharField", 2, max_length=100),
        _t("CharField", 1, max_length=20),
    ),
    "CODE": (
        _t("CharField", 3, max_length=32),
        _t("CharField", 2, max_length=20),
        _t("CharField", 2, max_length=50),
        _t("CharField", 1, max_length=64),
        _t("CharField", 1, max_length=16),
    ),
    "BARCODE": (
        _t("CharField", 2, max_length=13),
        _t("CharField", 2, max_length=14),
        _t("CharField", 1, max_length=32),
    ),
    "LONGCHAR": (
        _t("CharField", 5, max_length=255),
        _t("CharField", 1, max_length=500),
        _t("CharField", 1, max_length=200),
    ),
    "SEO": (
        _t("CharField", 2, max_length=160),
        _t("CharField", 2, max_length=255),
        _t("CharField", 1, max_length=300),
    ),
    "TEXT": (
        _t("TextField", 6, blank=True),
        _t("TextField", 2),
        _t("CharField", 2, max_length=500, blank=True),
        _t("CharField", 1, max_length=1000, blank=True),
    ),
    "BODY": (_t("TextField", 5), _t("TextField", 1, blank=True)),
    "CREATED": (
        _t("DateTimeField", 6, auto_now_add=True),
        _t("DateTimeField", 3, default=timezone.now),
        _t("DateField", 1, auto_now_add=True),
        _t("DateTimeField", 1, null=True, blank=True),
    ),
    "UPDATED": (
        _t("DateTimeField", 5, auto_now=True),
        _t("DateTimeField", 1, null=True, blank=True),
    ),
    "MOMENT": (_t("DateTimeField", 5), _t("DateTimeField", 1, db_index=True)),
    "MOMENT_OPT": (
        _t("DateTimeField", 5, null=True, blank=True),
        _t("DateField", 1, null=True, blank=True),
    ),
    "DATE": (_t("DateField", 5), _t("DateTimeField", 1)),
    "DATE_OPT": (_t("DateField", 5, null=True, blank=True), _t("DateTimeField", 1, null=True)),
    "TS": (
        _t("BigIntegerField", 3),
        _t("IntegerField", 1),
        _t("PositiveBigIntegerField", 1, null=True),
    ),
    "YEAR": (
        _t("PositiveSmallIntegerField", 3, null=True, blank=True),
        _t("IntegerField", 2, null=True),
        _t("DateField", 1, null=True),
    ),
    "BOOL_T": (_t("BooleanField", 1, default=True),),
    "BOOL_F": (_t("BooleanField", 1, default=False),),
    "MONEY": (
        _t("DecimalField", 5, max_digits=10, decimal_places=2),
        _t("DecimalField", 2, max_digits=12, decimal_places=2),
        _t("DecimalField", 1, max_digits=10, decimal_places=2, default=0),
        _t("IntegerField", 2),
        _t("PositiveIntegerField", 1),
        _t("FloatField", 1),
    ),
    "FLOAT": (_t("FloatField", 3), _t("DecimalField", 1, max_digits=12, decimal_places=4)),
    "PERCENT": (
        _t("DecimalField", 3, max_digits=5, decimal_places=2),
        _t("FloatField", 1),
        _t("PositiveSmallIntegerField", 1),
    ),
    "WEIGHT": (
        _t("DecimalField", 3, max_digits=8, decimal_places=3),
        _t("FloatField", 2),
        _t("PositiveIntegerField", 1),
    ),
    "INT": (
        _t("IntegerField", 3),
        _t("PositiveIntegerField", 3),
        _t("BigIntegerField", 1),
        _t("PositiveSmallIntegerField", 1),
        _t("IntegerField", 1, null=True, blank=True),
    ),
    "COUNT": (_t("PositiveIntegerField", 3, default=0), _t("IntegerField", 2, default=0)),
    "BIGINT": (
        _t("BigIntegerField", 2),
        _t("PositiveBigIntegerField", 2),
        _t("IntegerField", 1),
        _t("PositiveIntegerField", 1),
    ),
    "PHONE": (
        _t("CharField", 4, max_length=20),
        _t("CharField", 2, max_length=32),
        _t("CharField", 2, max_length=15),
        _t("CharField", 1, max_length=50),
    ),
    "URL": (
        _t("URLField", 5),
        _t("CharField", 2, max_length=255),
        _t("URLField", 1, max_length=500),
    ),
    "SLUG": (
        _t("SlugField", 4),
        _t("SlugField", 2, max_length=255),
        _t("CharField", 1, max_length=255),
        _t("CharField", 1, max_length=100),
    ),
    "IMAGE": (
        _t("ImageField", 3, blank=True),
        _t("URLField", 2, blank=True),
        _t("CharField", 1, max_length=255, blank=True),
        _t("FileField", 1, null=True, blank=True),
    ),
    "FILE": (
        _t("FileField", 5),
        _t("CharField", 2, max_length=255),
        _t("CharField", 1, max_length=500),
        _t("URLField", 1),
    ),
    "MIME": (
        _t("CharField", 3, max_length=100),
        _t("CharField", 2, max_length=50),
        _t("CharField", 1, max_length=127),
        _t("CharField", 1, max_length=255),
    ),
    "HASH": (
        _t("CharField", 3, max_length=64),
        _t("CharField", 2, max_length=128),
        _t("CharField", 1, max_length=255),
        _t("CharField", 1, max_length=32),
        _t("CharField", 1, max_length=40),
    ),
    "STATUS": (
        _t("CharField", 5, max_length=20, choices=_STATUS, default="new"),
        _t("CharField", 2, max_length=32, choices=_STATUS),
        _t("PositiveSmallIntegerField", 2, choices=_INT_STATUS, default=0),
        _t("IntegerField", 1, choices=_INT_STATUS),
    ),
    "PRIORITY": (
        _t("CharField", 3, max_length=10, choices=_PRIORITY, default="normal"),
        _t("PositiveSmallIntegerField", 2, choices=_INT_PRIORITY, default=2),
        _t("IntegerField", 1, default=0),
    ),
    "CHOICE": (
        _t("CharField", 3, max_length=20, choices=_OPTIONS),
        _t("CharField", 1, max_length=10, choices=_OPTIONS, blank=True),
    ),
    "COUNTRY": (
        _t("CharField", 4, max_length=2),
        _t("CharField", 2, max_length=100),
        _t("CharField", 1, max_length=3),
        _t("CharField", 1, max_length=64),
    ),
    "CURRENCY": (_t("CharField", 5, max_length=3), _t("CharField", 1, max_length=3, default="EUR")),
    "LANG": (
        _t("CharField", 3, max_length=10),
        _t("CharField", 1, max_length=8),
        _t("CharField", 1, max_length=5),
        _t("CharField", 1, max_length=7, default="en"),
    ),
    "TZ": (
        _t("CharField", 2, max_length=50),
        _t("CharField", 2, max_length=63),
        _t("CharField", 1, max_length=32, default="UTC"),
    ),
    "REGION": (
        _t("CharField", 3, max_length=100),
        _t("CharField", 1, max_length=2),
        _t("CharField", 1, max_length=50, blank=True),
    ),
    "POSTAL": (
        _t("CharField", 3, max_length=10),
        _t("CharField", 3, max_length=20),
        _t("CharField", 1, max_length=16),
        _t("CharField", 1, max_length=12),
    ),
    "HOUSENO": (
        _t("CharField", 3, max_length=10),
        _t("CharField", 1, max_length=20),
        _t("IntegerField", 1, null=True),
    ),
    "UUID": (_t("UUIDField", 3, default=uuid.uuid4), _t("UUIDField", 1, null=True, blank=True)),
    "JSON": (
        _t("JSONField", 3, default=dict),
        _t("JSONField", 1, null=True, blank=True),
        _t("TextField", 1, blank=True),
    ),
    "IP": (
        _t("GenericIPAddressField", 4, null=True, blank=True),
        _t("CharField", 1, max_length=45),
        _t("CharField", 1, max_length=39, blank=True),
    ),
    "LATLNG": (
        _t("DecimalField", 3, max_digits=9, decimal_places=6, null=True, blank=True),
        _t("FloatField", 2, null=True, blank=True),
    ),
}

_CHARLIKE = {"CharField", "TextField", "EmailField", "URLField", "SlugField"}
_SCALAR_NULLABLE = {
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "BigIntegerField",
    "PositiveBigIntegerField",
    "DecimalField",
    "FloatField",
    "DateField",
    "DateTimeField",
}

# ---------------------------------------------------------------------------
# Attributes, written as compact tokens
#
#   spelling|spelling|spelling=PALETTE:PALETTE[@presence][?][!][+]
#
# The first spelling names the attribute. ``=PALETTE`` after a spelling gives
# that spelling its own types (``author_name=NAME`` next to an ``author`` key).
# The palette after ``:`` is a key of PALETTES, or a relation: ``>role`` (a
# foreign key), ``1>role`` (one-to-one), ``*>role`` (many-to-many), ``GFK`` (a
# generic foreign key). ``@0.4`` is the chance the attribute is there (``?``:
# 0.5; default 1). ``!`` marks a unique value, or, on a relation, a target the
# model cannot exist without. ``+`` allows an owner prefix (``account_email``).

_TOKEN = re.compile(r"^(?P<names>[^:]+):(?P<palette>[^@?!+]+)(?P<flags>(?:@[0-9.]+|[?!+])*)$")
_RESERVED_FIELD_NAMES = {"id", "pk", "objects", "save", "delete", "clean", "check", "refresh"}


@dataclass(frozen=True)
class Attr:
    """One attribute of an entity, with its spellings and types."""

    key: str
    spellings: tuple[tuple[str, str | None], ...]
    palette: str
    presence: float = 1.0
    unique: bool = False
    required: bool = False
    ownable: bool = False
    relation: str | None = None
    """``"fk"``, ``"o2o"``, ``"m2m"``, ``"gfk"`` or ``None`` for a value."""
    role: str | None = None
    """What a relation points at: ``"user"``, ``"order"``, ``"self"``, ..."""


def _valid_name(name: str) -> bool:
    return (
        name.isidentifier()
        and not keyword.iskeyword(name)
        and "__" not in name
        and not name.endswith("_")
        and name not in _RESERVED_FIELD_NAMES
    )


def _attrs(spec: str) -> tuple[Attr, ...]:
    out: list[Attr] = []
    for token in spec.split():
        match = _TOKEN.match(token)
        if match is None:
            raise ValueError(f"Bad attribute token {token!r}.")
        spellings: list[tuple[str, str | None]] = []
        for raw in match["names"].split("|"):
            name, _, override = raw.partition("=")
            if not _valid_name(name):
                raise ValueError(f"{name!r} in {token!r} is not a usable field name.")
            if override and override not in PALETTES:
                raise ValueError(f"Unknown palette {override!r} in {token!r}.")
            spellings.append((name, override or None))
        palette, flags = match["palette"], match["flags"]
        presence_match = re.search(r"@([0-9.]+)", flags)
        presence = float(presence_match[1]) if presence_match else 0.5 if "?" in flags else 1.0
        relation: str | None = None
        role: str | None = None
        if ">" in palette:
            prefix, _, role = palette.partition(">")
            relation = {"": "fk", "1": "o2o", "*": "m2m"}[prefix]
        elif palette == "GFK":
            relation = "gfk"
        elif palette not in PALETTES:
            raise ValueError(f"Unknown palette {palette!r} in {token!r}.")
        strict = "!" in flags
        out.append(
            Attr(
                key=spellings[0][0],
                spellings=tuple(spellings),
                palette=palette,
                presence=presence,
                unique=strict and relation is None,
                required=strict and relation is not None,
                ownable="+" in flags,
                relation=relation,
                role=role,
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------
# Planted entity kinds


@dataclass(frozen=True)
class Entity:
    """A kind of real-world thing that projects store more than once."""

    kind: str
    nouns: tuple[str, ...]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    owners: tuple[str, ...]
    """Owner words for prefixed fields (``account_email``)."""
    abbreviations: tuple[str, ...]
    """Column prefixes of old tables (``usr_email``)."""
    keys: tuple[tuple[str, float], ...]
    """Candidate identifying attributes and their weights."""
    key_unique: float
    attrs: tuple[Attr, ...]
    apps: tuple[str, ...]
    provides: tuple[str, ...]
    docstrings: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...] = ()
    """Attributes that come together (first and last name)."""
    forbidden: frozenset[tuple[str, str]] = frozenset()
    """(prefix, noun) names that would mean another entity (``CrmAccount``)."""

    def attr(self, key: str) -> Attr:
        return next(a for a in self.attrs if a.key == key)


_GENERIC_PREFIXES = ("Legacy", "Old", "App", "V2", "Core", "Web", "Portal", "Imported", "External")
_GENERIC_SUFFIXES = ("Record", "Data", "Info", "V2", "Legacy", "Old", "Master")

ENTITIES: dict[str, Entity] = {
    entity.kind: entity
    for entity in (
        Entity(
            kind="person",
            nouns=(
                "User",
                "Member",
                "Account",
                "Person",
                "Customer",
                "Client",
                "Profile",
                "Contact",
                "UserAccount",
                "UserProfile",
            ),
            prefixes=(
                *_GENERIC_PREFIXES,
                "Customer",
                "Account",
                "Billing",
                "Crm",
                "Site",
                "Shop",
                "Mobile",
                "Sso",
                "Platform",
                "Forum",
                "Partner",
                "Member",
            ),
            suffixes=_GENERIC_SUFFIXES,
            owners=("user", "account", "member", "customer", "client", "contact", "person"),
            abbreviations=("usr", "cust", "acct", "mbr"),
            keys=(("email", 3.0), ("username", 1.0)),
            key_unique=0.8,
            attrs=_attrs(
                "email|email_address|e_mail|mail|email_addr|contact_email|primary_email"
                "|login_email:EMAIL@0.95+ "
                "username|user_name|login|login_name|handle|nickname|screen_name"
                "|uname:USERNAME@0.55 "
                "password|password_hash|passwd|pwd|pwd_hash|hashed_password|encrypted_password"
                "|pass_hash|password_digest|crypted_password:PASSWORD@0.6 "
                "first_name|firstname|given_name|fname|forename:PERSONNAME@0.5+ "
                "last_name|lastname|surname|family_name|lname:PERSONNAME@0.5+ "
                "full_name|display_name|name|fullname|real_name|public_name:NAME@0.5+ "
                "phone|phone_number|mobile|mobile_number|telephone|tel|cell_phone|msisdn"
                "|contact_number:PHONE@0.45+ "
                "date_of_birth|dob|birth_date|birthday|birthdate|born_on:DATE_OPT@0.3 "
                "date_joined|created_at|registration_date|signup_timestamp|created|joined_at"
                "|registered_at|signed_up_at|created_on|member_since=DATE|signup_date=DATE"
                "|signup_ts=TS:CREATED@0.75 "
                "last_login|last_login_at|last_seen|last_seen_at|last_signin|last_activity"
                "|last_login_ts=TS:MOMENT_OPT@0.45 "
                "is_active|active|enabled|is_enabled|account_active:BOOL_T@0.55 "
                "is_staff|is_admin|admin|is_superuser|staff|is_moderator:BOOL_F@0.25 "
                "avatar|avatar_url|photo|profile_picture|picture|profile_image|headshot:IMAGE@0.3 "
                "bio|about|about_me|biography|profile_text|self_description:TEXT@0.3 "
                "language|locale|preferred_language|lang|language_code:LANG@0.25 "
                "timezone|time_zone|tz:TZ@0.2 "
                "email_verified|is_verified|verified|email_confirmed|confirmed:BOOL_F@0.3 "
                "gender|sex:CHOICE@0.15"
            ),
            apps=("accounts", "users", "members", "profiles", "customers", "crm", "portal"),
            provides=("user", "customer"),
            docstrings=(
                "People who can sign in to the site.",
                "Customers imported from the old shop database.",
                "A registered member of the community.",
                "Accounts synced nightly from the CRM.",
                "User table of the previous PHP application; read only.",
                "Profile information shown on public pages.",
                "End users of the mobile app.",
            ),
            pairs=(("first_name", "last_name"),),
            forbidden=frozenset(
                {
                    ("Billing", "Account"),
                    ("Crm", "Account"),
                    ("Partner", "Account"),
                    ("Customer", "Client"),
                    ("Member", "Account"),
                    ("Account", "Customer"),
                    ("Account", "Client"),
                    ("Account", "Person"),
                }
            ),
        ),
        Entity(
            kind="company",
            nouns=(
                "Company",
                "Organization",
                "Organisation",
                "Business",
                "Firm",
                "Enterprise",
                "Corporation",
                "Org",
            ),
            prefixes=(
                *_GENERIC_PREFIXES,
                "Crm",
                "Partner",
                "Client",
                "Customer",
                "Billing",
                "Registered",
                "Member",
                "Supplier",
                "Vendor",
                "Erp",
                "Affiliate",
            ),
            suffixes=_GENERIC_SUFFIXES,
            owners=("company", "org", "organization", "business", "firm", "client"),
            abbreviations=("co", "comp", "org"),
            keys=(("name", 2.0), ("registration_number", 1.5), ("vat_number", 1.0)),
            key_unique=0.8,
            attrs=_attrs(
                "name|company_name|legal_name|org_name|organization_name|business_name"
                "|trading_name|firm_name:NAME@0.95 "
                "registration_number|company_number|reg_no|registry_number|coc_number"
                "|duns_number|registration_no|company_reg_no:CODE@0.5 "
                "vat_number|vat_id|tax_id|tax_number|ein|vat_no|tin|vat_code:CODE@0.55 "
                "website|url|homepage|web_site|site_url|www|website_url|web_address:URL@0.6+ "
                "email|contact_email|info_email|general_email|email_address"
                "|office_email:EMAIL@0.5+ "
                "phone|phone_number|telephone|main_phone|switchboard|tel|office_phone:PHONE@0.55+ "
                "industry|sector|vertical|industry_code|naics_code|sic_code"
                "|business_type:SHORT@0.4 "
                "employee_count|num_employees|headcount|staff_count|company_size=SHORT"
                "|size=SHORT|nb_employees:INT@0.35 "
                "founded|founded_year|year_founded|incorporation_date=DATE_OPT"
                "|founded_on=DATE_OPT|established:YEAR@0.3 "
                "address|street|street_address|hq_address|address_line1|registered_address"
                "|billing_address:LONGCHAR@0.45 "
                "city|town|hq_city|city_name:NAME@0.4 "
                "country|country_code|hq_country|country_iso|country_of_incorporation:COUNTRY@0.5 "
                "logo|logo_url|company_logo|brand_image:IMAGE@0.25 "
                "annual_revenue|revenue|turnover|yearly_revenue:MONEY@0.2 "
                "created_at|created|date_added|created_on|onboarded_at:CREATED@0.6 "
                "is_active|active|is_customer|status=STATUS:BOOL_T@0.35"
            ),
            apps=("crm", "companies", "partners", "directory", "customers", "vendors"),
            provides=("company", "customer"),
            docstrings=(
                "Companies we do business with.",
                "Organizations synced from the CRM.",
                "Client companies, as entered by the sales team.",
                "Legal entities registered on the partner portal.",
                "Businesses listed in the directory.",
            ),
            forbidden=frozenset({("Customer", "Business"), ("Member", "Org")}),
        ),
        Entity(
            kind="product",
            nouns=(
                "Product",
                "Item",
                "CatalogItem",
                "CatalogProduct",
                "Sku",
                "Merchandise",
                "StockItem",
                "InventoryItem",
                "Offering",
                "ShopItem",
            ),
            prefixes=(
                *_GENERIC_PREFIXES,
                "Shop",
                "Store",
                "Catalog",
                "Erp",
                "Pim",
                "Marketplace",
                "Retail",
                "Online",
                "Master",
            ),
            suffixes=_GENERIC_SUFFIXES,
            owners=("product", "item", "prod"),
            abbreviations=("prd", "prod", "itm"),
            keys=(("sku", 4.0), ("ean", 1.0)),
            key_unique=0.8,
            attrs=_attrs(
                "sku|product_code|item_code|article_number|part_number|item_number|code"
                "|model_number|catalog_number|sku_code|product_number|ref_code:CODE "
                "ean|barcode|upc|gtin|ean13|ean_code|upc_code:BARCODE@0.35 "
                "name|title|product_name|item_name|label|display_name|productname:NAME@0.95+ "
                "description|desc|long_description|details|product_description|body|blurb"
                "|full_description:TEXT@0.7+ "
                "short_description|summary|tagline|teaser|subtitle|short_desc:LONGCHAR@0.25 "
                "price|unit_price|list_price|sale_price|price_cents|retail_price|base_price"
                "|msrp|selling_price:MONEY@0.9+ "
                "cost|cost_price|purchase_price|unit_cost|wholesale_price|buy_price:MONEY@0.3 "
                "currency|currency_code|price_currency|curr:CURRENCY@0.4 "
                "stock|quantity|qty|stock_level|quantity_in_stock|qty_on_hand|inventory_count"
                "|units_in_stock|available_quantity|stock_qty:INT@0.55 "
                "weight|weight_kg|weight_grams|shipping_weight|net_weight|gross_weight:WEIGHT@0.35 "
                "dimensions|size|package_size|dims:SHORT@0.15 "
                "brand|manufacturer|make|brand_name|maker|producer:NAME@0.45 "
                "category|product_category|category_name=SHORT|department=SHORT"
                "|product_type=SHORT|product_group=SHORT:>category@0.5 "
                "image|image_url|photo|thumbnail|main_image|picture|product_image"
                "|image_path:IMAGE@0.5 "
                "is_active|active|available|is_available|published|is_published|enabled"
                "|is_listed|for_sale:BOOL_T@0.6 "
                "color|colour:SHORT@0.15 "
                "tax_rate|vat_rate|tax_class=CODE|tax_code=CODE:PERCENT@0.2 "
                "created_at|created|date_added|added_on|listed_at|created_on:CREATED@0.55 "
                "tags:*>tag@0.2"
            ),
            apps=("shop", "catalog", "products", "store", "inventory", "erp"),
            provides=("product",),
            docstrings=(
                "Things we sell.",
                "Products as they come from the ERP export.",
                "Catalog entries shown in the web shop.",
                "Items of the old shop system, kept for reporting.",
                "Stock items tracked by the warehouse team.",
            ),
            forbidden=frozenset({("Store", "ShopItem"), ("Shop", "StockItem")}),
        ),
        Entity(
            kind="address",
            nouns=(
                "Address",
                "Location",
                "PostalAddress",
                "MailingAddress",
                "StreetAddress",
            ),
            prefixes=(
                "Legacy",
                "Old",
                "Imported",
                "V2",
                "Shipping",
                "Billing",
                "Delivery",
                "Customer",
                "Home",
                "User",
                "Contact",
                "Saved",
                "Primary",
                "Postal",
            ),
            suffixes=("Record", "Data", "Info", "V2", "Legacy", "Old", "Book"),
            owners=("address", "addr", "shipping", "billing", "delivery"),
            abbreviations=("adr", "addr"),
            keys=(("line1", 1.0),),
            key_unique=0.0,
            attrs=_attrs(
                "line1|address_line_1|address1|street|street_address|addr1|address_line1"
                "|street_line1|address|street1|line_1:LONGCHAR+ "
                "line2|address_line_2|address2|addr2|street2|street_line2|apartment|suite|unit"
                "|line_2:LONGCHAR@0.6+ "
                "house_number|street_number|number|building_number|house_no:HOUSENO@0.25 "
                "city|town|locality|city_name|municipality|suburb:NAME@0.95+ "
                "state|region|province|county|state_code|administrative_area|state_province"
                "|prefecture:REGION@0.6 "
                "postal_code|zip|zip_code|postcode|zipcode|post_code|plz|postal:POSTAL@0.9+ "
                "country|country_code|country_iso|nation|country_name:COUNTRY@0.85+ "
                "latitude|lat|geo_lat|lat_deg:LATLNG@0.3 "
                "longitude|lng|lon|long|geo_lng|lng_deg:LATLNG@0.3 "
                "recipient|recipient_name|full_name|name|addressee|contact_name|attention"
                "|care_of:NAME@0.35 "
                "phone|phone_number|contact_phone|tel:PHONE@0.25 "
                "label|nickname|alias|address_name|title:SHORT@0.2 "
                "is_default|default|primary|is_primary|is_main:BOOL_F@0.3 "
                "user|customer|owner|account|client|person:>customer@0.5 "
                "created_at|created|added_on|date_added:CREATED@0.4 "
                "address_type|kind|type|purpose:CHOICE@0.2"
            ),
            apps=("addresses", "locations", "accounts", "shop", "shipping", "crm"),
            provides=("address",),
            docstrings=(
                "A postal address.",
                "Shipping addresses saved by customers.",
                "Billing addresses used on invoices.",
                "Addresses of the old address book.",
                "Delivery locations for orders.",
            ),
            pairs=(("latitude", "longitude"),),
            forbidden=frozenset(
                {
                    ("Shipping", "Location"),
                    ("Home", "Location"),
                    ("Primary", "Location"),
                    ("Postal", "Location"),
                    ("Contact", "Location"),
                    ("Billing", "Location"),
                }
            ),
        ),
        Entity(
            kind="order",
            nouns=(
                "Order",
                "SalesOrder",
                "CustomerOrder",
                "ShopOrder",
                "WebOrder",
                "OnlineOrder",
                "Purchase",
                "OrderHeader",
            ),
            prefixes=(
                *_GENERIC_PREFIXES,
                "Shop",
                "Online",
                "Store",
                "Ecommerce",
                "Checkout",
                "Mobile",
                "Marketplace",
                "B2b",
                "Wholesale",
            ),
            suffixes=(*_GENERIC_SUFFIXES, "Archive"),
            owners=("order", "ord", "purchase"),
            abbreviations=("ord", "so"),
            keys=(("order_number", 1.0),),
            key_unique=0.85,
            attrs=_attrs(
                "order_number|order_no|number|reference|order_ref|order_reference"
                "|confirmation_number|order_code|order_id:CODE "
                "customer|user|buyer|client|purchaser|account|placed_by:>customer@0.8 "
                "email|customer_email|buyer_email|contact_email|billing_email"
                "|email_address:EMAIL@0.45 "
                "total|total_amount|grand_total|order_total|amount|total_price|total_cents"
                "|amount_total|total_gross:MONEY@0.95+ "
                "subtotal|sub_total|net_amount|items_total|total_net:MONEY@0.35 "
                "tax|tax_amount|vat|vat_amount|tax_total:MONEY@0.35 "
                "shipping|shipping_cost|shipping_fee|delivery_fee|freight"
                "|shipping_amount:MONEY@0.35 "
                "discount|discount_amount|discount_total|coupon_discount:MONEY@0.25 "
                "currency|currency_code|curr:CURRENCY@0.45 "
                "status|state|order_status|fulfillment_status|order_state:STATUS@0.85+ "
                "placed_at|ordered_at|order_date|created_at|purchase_date|submitted_at"
                "|date_ordered|created|checkout_at|order_ts=TS:CREATED@0.9 "
                "paid_at|payment_date|paid_on|date_paid:MOMENT_OPT@0.35 "
                "shipped_at|ship_date|dispatched_at|fulfilled_at|shipped_on:MOMENT_OPT@0.3 "
                "shipping_address|delivery_address|ship_to=TEXT|shipping_addr=TEXT"
                "|ship_address=TEXT:>address@0.45 "
                "notes|comment|remarks|customer_note|order_notes|instructions"
                "|special_instructions:TEXT@0.35 "
                "payment_method|payment_type|pay_method|payment_provider"
                "|payment_gateway:SHORT@0.3 "
                "coupon_code|promo_code|voucher_code|discount_code:CODE@0.2 "
                "channel|source|sales_channel|origin|order_source:SHORT@0.2 "
                "ip_address|customer_ip|client_ip:IP@0.15"
            ),
            apps=("orders", "shop", "checkout", "sales", "store", "erp"),
            provides=("order",),
            docstrings=(
                "A customer's order.",
                "Orders placed in the web shop.",
                "Sales orders imported from the ERP.",
                "Orders of the previous shop system; kept for accounting.",
                "Orders placed from the mobile app.",
            ),
            forbidden=frozenset({("Checkout", "Purchase"), ("B2b", "CustomerOrder")}),
        ),
        Entity(
            kind="document",
            nouns=(
                "Document",
                "File",
                "Attachment",
                "Upload",
                "UploadedFile",
                "StoredFile",
                "MediaFile",
                "Asset",
                "FileUpload",
                "DocumentFile",
            ),
            prefixes=(
                *_GENERIC_PREFIXES,
                "Customer",
                "Shared",
                "Project",
                "Media",
                "User",
                "Secure",
                "Private",
                "Cloud",
                "S3",
                "Archived",
            ),
            suffixes=(*_GENERIC_SUFFIXES, "Archive"),
            owners=("file", "doc", "document", "attachment", "upload"),
            abbreviations=("doc", "fil"),
            keys=(("file", 1.0),),
            key_unique=0.6,
            attrs=_attrs(
                "file|path|file_path|storage_path|storage_key|s3_key|object_key|file_url"
                "|location|blob_path|uri|upload:FILE+ "
                "filename|file_name|original_name|original_filename|name|title|display_name"
                "|orig_name:LONGCHAR@0.85+ "
                "content_type|mime_type|mimetype|media_type|file_type|format|mime:MIME@0.65 "
                "size|file_size|size_bytes|byte_size|filesize|length|bytes"
                "|content_length:BIGINT@0.75+ "
                "checksum|sha256|md5|hash|content_hash|etag|sha1|digest|file_hash:HASH@0.45 "
                "uploaded_at|created_at|upload_date|uploaded_on|created|date_uploaded"
                "|uploaded_ts=TS|timestamp:CREATED@0.85 "
                "uploaded_by|owner|user|created_by|author|uploader|submitted_by:>user@0.6 "
                "description|caption|notes|comment|summary|remarks:TEXT@0.35 "
                "is_public|public|shared|is_private|is_shared|visibility=STATUS:BOOL_F@0.3 "
                "page_count|pages|num_pages|number_of_pages:INT@0.15 "
                "storage|storage_backend|bucket|container|bucket_name:SHORT@0.2 "
                "expires_at|expiry|retention_until|delete_after"
                "|expiry_date=DATE_OPT:MOMENT_OPT@0.15"
            ),
            apps=("files", "documents", "media", "storage", "uploads", "attachments"),
            provides=("document",),
            docstrings=(
                "A file someone uploaded.",
                "Uploaded documents, stored on S3.",
                "Files attached to customer records.",
                "Documents migrated from the old intranet.",
                "Media library entries.",
            ),
            forbidden=frozenset({("Media", "Asset"), ("User", "Asset"), ("Project", "Asset")}),
        ),
        Entity(
            kind="event",
            nouns=(
                "Event",
                "CalendarEvent",
                "Meetup",
                "Happening",
                "EventListing",
                "Occasion",
                "ScheduledEvent",
            ),
            prefixes=(
                *_GENERIC_PREFIXES,
                "Public",
                "Community",
                "Calendar",
                "Site",
                "Local",
                "Partner",
                "Ticketed",
                "Online",
            ),
            suffixes=_GENERIC_SUFFIXES,
            owners=("event", "evt"),
            abbreviations=("evt", "ev"),
            keys=(("slug", 1.0),),
            key_unique=0.75,
            attrs=_attrs(
                "slug|uid|ical_uid|external_id=CODE|event_code=CODE|event_key=CODE|code=CODE"
                "|guid=UUID|public_id=UUID:SLUG "
                "title|name|event_name|summary|subject|headline|event_title:NAME@0.95+ "
                "starts_at|start|start_time|start_date=DATE|begins_at|start_datetime"
                "|event_date=DATE|date=DATE|starts_on=DATE|start_ts=TS:MOMENT "
                "ends_at|end|end_time|end_date=DATE_OPT|finishes_at|end_datetime"
                "|ends_on=DATE_OPT:MOMENT_OPT@0.75 "
                "all_day|is_all_day|full_day|whole_day:BOOL_F@0.25 "
                "location|venue|place|venue_name|where|address|location_name"
                "|venue_address:LONGCHAR@0.7 "
                "description|details|body|about|event_description|info"
                "|long_description:TEXT@0.75+ "
                "organizer|organiser|host|created_by|owner|organized_by:>user@0.5 "
                "capacity|max_attendees|seats|max_participants|attendee_limit|spots"
                "|max_capacity|max_guests:INT@0.45 "
                "price|ticket_price|fee|entry_fee|cost|admission:MONEY@0.3 "
                "url|link|event_url|website|registration_url|info_url|more_info_url:URL@0.35+ "
                "is_public|public|published|is_published|visible|is_listed:BOOL_T@0.45 "
                "timezone|tz|time_zone:TZ@0.2 "
                "recurrence|rrule|repeat|recurrence_rule|repeats|recurring=BOOL_F:LONGCHAR@0.15 "
                "category|event_type|kind|type|event_category:SHORT@0.3 "
                "is_cancelled|cancelled|canceled|is_canceled:BOOL_F@0.3 "
                "image|cover_image|banner|poster|flyer|banner_image:IMAGE@0.25 "
                "online_url|stream_url|meeting_link|join_url|webinar_url:URL@0.15"
            ),
            apps=("events", "calendar", "community", "agenda", "meetups"),
            provides=("event",),
            docstrings=(
                "Something that happens at a given time and place.",
                "Events shown on the public calendar.",
                "Community meetups announced on the site.",
                "Events imported from the partner feed.",
                "Calendar entries of the old intranet.",
            ),
            forbidden=frozenset({("Calendar", "Meetup"), ("Online", "Occasion")}),
        ),
        Entity(
            kind="article",
            nouns=(
                "Article",
                "Post",
                "BlogPost",
                "NewsArticle",
                "Story",
                "BlogEntry",
                "NewsItem",
                "NewsPost",
            ),
            prefixes=(
                *_GENERIC_PREFIXES,
                "Blog",
                "News",
                "Cms",
                "Magazine",
                "Press",
                "Editorial",
                "Site",
                "Wp",
            ),
            suffixes=(*_GENERIC_SUFFIXES, "Archive"),
            owners=("post", "article", "story"),
            abbreviations=("art", "pst"),
            keys=(("slug", 1.0),),
            key_unique=0.8,
            attrs=_attrs(
                "slug|permalink|url_slug|path|url_path|handle|seo_slug|post_name"
                "|article_slug:SLUG+ "
                "title|headline|heading|subject|post_title|article_title|name:TITLE+ "
                "body|content|text|html|body_html|markdown|content_md|post_content"
                "|article_body|copy|body_text:BODY@0.95+ "
                "summary|excerpt|lead|teaser|abstract|blurb|intro|lede|standfirst"
                "|post_excerpt:TEXT@0.55 "
                "author|writer|created_by|posted_by|author_user|author_name=NAME"
                "|byline=NAME:>user@0.8 "
                "published_at|publish_date|pub_date|date_published|posted_at|posted_on"
                "|publication_date|post_date|go_live_at|released_at:MOMENT_OPT@0.85 "
                "status|state|post_status|workflow_state|is_published=BOOL_F"
                "|draft=BOOL_T|is_draft=BOOL_T|is_live=BOOL_F:STATUS@0.7 "
                "updated_at|modified|last_modified|edited_at|post_modified|updated"
                "|modified_at:UPDATED@0.5 "
                "cover_image|hero_image|image|featured_image|thumbnail|header_image"
                "|lead_image|teaser_image:IMAGE@0.45 "
                "view_count|views|hits|read_count|page_views|num_views|visits:COUNT@0.3 "
                "tags|keywords=LONGCHAR|tag_list=LONGCHAR:*>tag@0.35 "
                "category|section|topic|channel=SHORT|rubric=SHORT:>category@0.35 "
                "language|lang|locale:LANG@0.2 "
                "meta_description|seo_description|meta_desc|seo_title|og_description:SEO@0.25 "
                "allow_comments|comments_enabled|comment_status=SHORT|is_commentable"
                "|comments_open:BOOL_T@0.2 "
                "is_featured|featured|sticky|is_pinned|pinned|promoted:BOOL_F@0.25 "
                "reading_time|read_time_minutes|read_time|estimated_reading_minutes:INT@0.1"
            ),
            apps=("blog", "news", "content", "cms", "editorial", "magazine"),
            provides=("article",),
            docstrings=(
                "A piece of writing published on the site.",
                "Blog posts.",
                "News articles shown on the home page.",
                "Posts imported from WordPress.",
                "Editorial content of the magazine.",
            ),
            forbidden=frozenset({("News", "Story"), ("Press", "BlogEntry")}),
        ),
        Entity(
            kind="ticket",
            nouns=(
                "Ticket",
                "Issue",
                "SupportTicket",
                "HelpdeskTicket",
                "SupportCase",
                "SupportRequest",
                "ServiceRequest",
                "CustomerIssue",
            ),
            prefixes=(
                *_GENERIC_PREFIXES,
                "Support",
                "Helpdesk",
                "Customer",
                "Zendesk",
                "Service",
                "Client",
                "Internal",
            ),
            suffixes=_GENERIC_SUFFIXES,
            owners=("ticket", "case", "issue"),
            abbreviations=("tkt", "cas"),
            keys=(("ticket_number", 1.0),),
            key_unique=0.8,
            attrs=_attrs(
                "ticket_number|number|reference|ref|ticket_no|key|ticket_key|case_number"
                "|issue_number|tracking_id|ticket_ref:CODE "
                "subject|title|summary|headline|issue_title|topic"
                "|short_description:LONGCHAR@0.95+ "
                "description|body|details|message|content|problem_description|text"
                "|issue_description:BODY@0.9+ "
                "status|state|ticket_status|resolution_status|workflow_status:STATUS@0.95+ "
                "priority|severity|urgency|importance|prio:PRIORITY@0.8 "
                "reporter|opened_by|requester|created_by|submitted_by|customer|raised_by"
                "|requested_by:>user@0.8 "
                "email|reporter_email|requester_email|contact_email|customer_email:EMAIL@0.3 "
                "assignee|assigned_to|owner|agent|handler|responsible|assigned_agent:>user@0.6 "
                "created_at|opened_at|reported_at|submitted_at|created|date_opened"
                "|reported_on|opened_on:CREATED@0.95 "
                "resolved_at|closed_at|date_closed|solved_at|resolved_on"
                "|closed_on:MOMENT_OPT@0.6 "
                "due_date|due_at|deadline|sla_due_at|respond_by|due_by:MOMENT_OPT@0.3 "
                "channel|source|origin|via|submitted_via|intake_channel:SHORT@0.3 "
                "category|queue|topic_area|product_area|component|ticket_type:SHORT@0.4 "
                "resolution|resolution_notes|solution|fix_description"
                "|resolution_summary:TEXT@0.25"
            ),
            apps=("support", "helpdesk", "tickets", "servicedesk", "cases"),
            provides=("ticket",),
            docstrings=(
                "A customer's request for help.",
                "Support tickets opened through the contact form or e-mail.",
                "Helpdesk cases imported from Zendesk.",
                "Issues reported by customers.",
                "Service requests of the old helpdesk tool.",
            ),
            forbidden=frozenset({("Service", "SupportRequest"), ("Support", "ServiceRequest")}),
        ),
    )
}

# ---------------------------------------------------------------------------
# Background entities


@dataclass(frozen=True)
class Background:
    """An entity stored once: ordinary background, a look-alike or a child."""

    name: str
    entity: str
    spec: str
    apps: tuple[str, ...]
    resembles: tuple[str, ...] = ()
    """Planted kinds this entity is easy to mistake for."""
    provides: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    """Planted kinds next to which the truth would be debatable: never together."""
    docstring: str | None = None

    @property
    def attrs(self) -> tuple[Attr, ...]:
        return _parsed(self.spec)

    @property
    def required_roles(self) -> tuple[str, ...]:
        return tuple(a.role for a in self.attrs if a.required and a.role and a.role != "self")

    @property
    def category(self) -> str:
        if any(a.required and a.relation == "fk" for a in self.attrs):
            return "child"
        return "lookalike" if self.resembles else "background"


_PARSED: dict[str, tuple[Attr, ...]] = {}


def _parsed(spec: str) -> tuple[Attr, ...]:
    if spec not in _PARSED:
        _PARSED[spec] = _attrs(spec)
    return _PARSED[spec]


def _bg(name: str, entity: str, spec: str, apps: str, **kwargs: Any) -> Background:
    return Background(name=name, entity=entity, spec=spec, apps=tuple(apps.split()), **kwargs)


CATALOG: tuple[Background, ...] = (
    # One stored copy of each plantable kind, for projects where it is not planted.
    _bg(
        "User",
        "person",
        "email:EMAIL! password:PASSWORD first_name:PERSONNAME@0.7 last_name:PERSONNAME@0.7 "
        "is_active:BOOL_T date_joined|created_at:CREATED last_login:MOMENT_OPT@0.7",
        "accounts users core",
        provides=("user", "customer"),
        docstring="Someone who can sign in.",
    ),
    _bg(
        "Company",
        "company",
        "name:NAME email|contact_email:EMAIL phone|phone_number:PHONE website|url:URL@0.8 "
        "vat_number|tax_id:CODE@0.5 address|street:LONGCHAR@0.5 city:NAME@0.5 "
        "country:COUNTRY@0.6 created_at:CREATED@0.6 is_active:BOOL_T@0.4",
        "crm companies partners core accounts",
        resembles=("person",),
        provides=("company", "customer"),
        docstring="A company we work with.",
    ),
    _bg(
        "Product",
        "product",
        "sku:CODE! name:NAME description:TEXT@0.7 price:MONEY is_active:BOOL_T@0.6 "
        "created_at:CREATED@0.5 category:>category@0.5",
        "shop catalog products store inventory",
        provides=("product",),
    ),
    _bg(
        "Order",
        "order",
        "number|order_number:CODE! customer:>customer@0.9 total:MONEY status:STATUS "
        "created_at:CREATED paid_at:MOMENT_OPT@0.5 currency:CURRENCY@0.4",
        "orders shop checkout",
        provides=("order",),
    ),
    _bg(
        "Attachment",
        "document",
        "file:FILE original_name|filename:LONGCHAR@0.8 content_type|mime_type:MIME@0.6 "
        "size:BIGINT@0.7 uploaded_by:>user@0.6 uploaded_at|created_at:CREATED",
        "files documents media core",
        provides=("document",),
    ),
    _bg(
        "Event",
        "event",
        "title:NAME slug:SLUG!@0.6 starts_at:MOMENT ends_at:MOMENT_OPT@0.8 "
        "location:LONGCHAR@0.7 description:TEXT@0.7 capacity:INT@0.4 organizer:>user@0.5 "
        "is_public:BOOL_T@0.4",
        "events calendar",
        provides=("event",),
    ),
    _bg(
        "Post",
        "article",
        "title:TITLE slug:SLUG! body:BODY author:>user@0.8 published_at:MOMENT_OPT@0.8 "
        "status:STATUS@0.6 tags:*>tag@0.4 category:>category@0.3",
        "blog news content",
        provides=("article",),
    ),
    _bg(
        "Ticket",
        "ticket",
        "number|reference:CODE! subject:LONGCHAR description:BODY status:STATUS "
        "priority:PRIORITY@0.8 reporter:>user@0.8 assignee:>user@0.5 created_at:CREATED "
        "closed_at:MOMENT_OPT@0.5",
        "support helpdesk tickets",
        provides=("ticket",),
    ),
    _bg(
        "Address",
        "address",
        "line1|street:LONGCHAR line2:LONGCHAR@0.5 city:NAME postal_code|zip_code:POSTAL "
        "country:COUNTRY@0.8 user|customer:>customer@0.5",
        "addresses locations accounts shop core",
        provides=("address",),
    ),
    # Look-alikes of people.
    _bg(
        "NewsletterSubscription",
        "newsletter subscription",
        "email:EMAIL! subscribed_at|created_at:CREATED is_confirmed|confirmed:BOOL_F@0.7 "
        "confirmed_at:MOMENT_OPT@0.5 unsubscribed_at:MOMENT_OPT@0.6 "
        "source|signup_source:SHORT@0.4 list_name|mailing_list:SHORT@0.3",
        "newsletter marketing notifications",
        resembles=("person",),
        docstring="An address that asked for the newsletter.",
    ),
    _bg(
        "ContactMessage",
        "contact form message",
        "name|full_name:NAME email:EMAIL phone:PHONE@0.3 subject:LONGCHAR@0.7 "
        "message|body:BODY created_at|sent_at:CREATED is_handled|handled|is_read:BOOL_F@0.6 "
        "ip_address:IP@0.4",
        "core marketing pages support",
        resembles=("person",),
        conflicts=("ticket",),
    ),
    _bg(
        "Invitation",
        "invitation",
        "email:EMAIL token|key|code:CODE! invited_by:>user@0.8 created_at|sent_at:CREATED "
        "accepted_at:MOMENT_OPT@0.8 expires_at:MOMENT@0.6 role:SHORT@0.3",
        "accounts users teams core",
        resembles=("person",),
    ),
    _bg(
        "PasswordResetToken",
        "password reset token",
        "user:>user! token|token_hash:HASH! created_at:CREATED expires_at:MOMENT "
        "used_at|used=BOOL_F:MOMENT_OPT@0.6 ip_address:IP@0.3",
        "accounts users core",
        resembles=("person",),
    ),
    _bg(
        "LoginAttempt",
        "login attempt",
        "username|login|email=EMAIL:USERNAME ip_address:IP user_agent:LONGCHAR@0.6 "
        "attempted_at|created_at|timestamp:CREATED successful|success|was_successful:BOOL_F",
        "accounts users audit core security",
        resembles=("person",),
    ),
    _bg(
        "ApiKey",
        "API key",
        "name|label:SHORT prefix:SHORT@0.6 hashed_key|key_hash|key=CODE:HASH! "
        "user|owner:>user@0.8 created_at:CREATED last_used_at:MOMENT_OPT@0.7 "
        "expires_at:MOMENT_OPT@0.4 is_active|revoked=BOOL_F:BOOL_T@0.6",
        "api accounts integrations core",
        resembles=("person",),
    ),
    _bg(
        "UserSession",
        "login session",
        "user:>user! session_key|token:CODE! ip_address:IP user_agent:LONGCHAR@0.7 "
        "created_at:CREATED last_seen_at|last_activity:MOMENT_OPT@0.7 expires_at:MOMENT@0.5",
        "accounts users core",
        resembles=("person",),
    ),
    _bg(
        "UserPreferences",
        "user preferences",
        "user:1>user! theme:CHOICE@0.6 language|locale:LANG@0.7 timezone:TZ@0.6 "
        "email_notifications|notify_by_email:BOOL_T sms_notifications|notify_by_sms:BOOL_F@0.5 "
        "newsletter_opt_in|marketing_emails:BOOL_F@0.5",
        "accounts users profiles core",
        resembles=("person",),
        docstring="Per-user settings.",
    ),
    _bg(
        "PaymentMethod",
        "saved payment card",
        "user|customer:>customer@0.9 brand|card_brand:SHORT last4|last_four:SHORT "
        "exp_month:INT exp_year:INT holder_name|cardholder_name:NAME@0.6 "
        "token|provider_token:CODE! is_default:BOOL_F@0.6",
        "billing payments",
        resembles=("person",),
    ),
    _bg(
        "OutgoingEmail",
        "sent e-mail",
        "to_email|recipient|to_address:EMAIL from_email|sender:EMAIL@0.5 subject:LONGCHAR "
        "body:BODY sent_at:MOMENT_OPT status:STATUS@0.6 "
        "provider_message_id|message_id:CODE!@0.5 recipient_user:>user@0.4",
        "notifications messaging emails",
        resembles=("person", "article"),
    ),
    _bg(
        "MailingList",
        "mailing list",
        "name:NAME! description:TEXT@0.6 from_email|sender_email:EMAIL@0.6 "
        "from_name|sender_name:NAME@0.4 is_public:BOOL_T@0.4 created_at:CREATED@0.5",
        "newsletter marketing",
        resembles=("person",),
    ),
    _bg(
        "SurveyResponse",
        "survey response",
        "respondent_email|email:EMAIL@0.7 respondent|user:>user@0.5 "
        "submitted_at|created_at:CREATED answers|data|payload:JSON score|nps_score:INT@0.5 "
        "comment|feedback:TEXT@0.5",
        "surveys feedback marketing",
        resembles=("person",),
    ),
    _bg(
        "BankAccount",
        "bank account",
        "iban:CODE! holder_name|account_holder|owner_name:NAME bic|swift|swift_code:CODE@0.7 "
        "bank_name:NAME@0.6 currency:CURRENCY@0.5 is_verified|verified:BOOL_F@0.5 "
        "company:>company@0.3 owner_user:>user@0.3",
        "billing payments payouts finance",
        resembles=("company", "person"),
    ),
    # Look-alikes of companies.
    _bg(
        "Department",
        "department",
        "name:NAME! code:CODE@0.5 manager|head:>user@0.5 parent:>self@0.4 "
        "cost_center:CODE@0.3 description:TEXT@0.3",
        "hr core staff",
        resembles=("company",),
        provides=("department",),
    ),
    _bg(
        "Team",
        "team",
        "name:NAME slug:SLUG!@0.5 description:TEXT@0.6 members:*>user@0.6 "
        "lead|owner:>user@0.5 created_at:CREATED@0.6 is_active:BOOL_T@0.3",
        "teams hr core accounts",
        resembles=("company",),
    ),
    _bg(
        "Tenant",
        "tenant",
        "name:NAME subdomain|slug|schema_name:SLUG! plan_name|tier:SHORT@0.4 "
        "is_active:BOOL_T@0.6 created_at:CREATED@0.6 paid_until|trial_ends_at:DATE_OPT@0.3",
        "tenants core accounts",
        resembles=("company",),
        conflicts=("company",),
        provides=("tenant",),
    ),
    _bg(
        "Brand",
        "brand",
        "name:NAME! slug:SLUG!@0.6 logo:IMAGE@0.6 website:URL@0.4 description:TEXT@0.5 "
        "is_featured:BOOL_F@0.3",
        "catalog shop products",
        resembles=("company", "product"),
        conflicts=("company",),
    ),
    # Look-alikes of orders.
    _bg(
        "Invoice",
        "invoice",
        "number|invoice_number:CODE! customer:>customer@0.8 amount|total:MONEY "
        "currency:CURRENCY@0.6 issued_at|issue_date=DATE|issued_on=DATE:MOMENT "
        "due_date:DATE@0.8 status:STATUS@0.8 paid_at:MOMENT_OPT@0.5 notes:TEXT@0.3 "
        "pdf|pdf_file:FILE@0.3",
        "billing invoicing payments accounting",
        resembles=("order",),
        provides=("invoice",),
        docstring="An invoice sent to a customer.",
    ),
    _bg(
        "Payment",
        "payment",
        "reference|transaction_id|provider_reference:CODE! invoice:>invoice@0.7 amount:MONEY "
        "currency:CURRENCY@0.6 paid_at|received_at:MOMENT method|payment_method:SHORT@0.7 "
        "status:STATUS@0.7 provider|gateway:SHORT@0.4",
        "billing payments",
        resembles=("order",),
        provides=("payment",),
    ),
    _bg(
        "Refund",
        "refund",
        "payment:>payment@0.8 amount:MONEY reason:TEXT@0.7 refunded_at|created_at:CREATED "
        "status:STATUS@0.6",
        "billing payments",
        resembles=("order",),
    ),
    _bg(
        "Quote",
        "quote",
        "number|quote_number:CODE! customer:>customer@0.8 total|amount:MONEY "
        "valid_until|expires_on:DATE_OPT status:STATUS@0.8 created_at:CREATED notes:TEXT@0.3",
        "billing sales crm",
        resembles=("order",),
    ),
    _bg(
        "Shipment",
        "shipment",
        "order:>order@0.8 tracking_number|tracking_code:CODE! carrier:SHORT "
        "shipped_at:MOMENT_OPT delivered_at:MOMENT_OPT@0.7 status:STATUS@0.8 "
        "weight|weight_kg:WEIGHT@0.4 cost|shipping_cost:MONEY@0.4",
        "shipping fulfillment orders logistics",
        resembles=("order",),
    ),
    _bg(
        "Subscription",
        "subscription",
        "customer|account:>customer plan:>plan@0.9 status:STATUS "
        "started_at|start_date:MOMENT "
        "current_period_end|renews_at|next_billing_date:MOMENT_OPT@0.7 "
        "cancelled_at|canceled_at:MOMENT_OPT@0.6 "
        "external_id|stripe_id|provider_subscription_id:CODE!@0.5 quantity|seats:INT@0.3",
        "billing subscriptions payments",
        resembles=("order",),
    ),
    _bg(
        "Coupon",
        "coupon",
        "code:CODE! description:LONGCHAR@0.5 discount_percent|percent_off:PERCENT@0.6 "
        "discount_amount|amount_off:MONEY@0.5 valid_from|starts_at:MOMENT_OPT@0.6 "
        "valid_until|expires_at:MOMENT_OPT@0.7 max_uses|usage_limit:INT@0.6 "
        "times_used|used_count:COUNT@0.5 is_active:BOOL_T@0.6",
        "shop marketing checkout billing",
        resembles=("product", "order"),
    ),
    # Look-alikes of products.
    _bg(
        "Plan",
        "subscription plan",
        "name:NAME! code|plan_code:SLUG!@0.5 price|amount:MONEY currency:CURRENCY@0.6 "
        "interval|billing_period|billing_interval:CHOICE trial_days|trial_period_days:INT@0.5 "
        "is_active|is_public:BOOL_T@0.6 description:TEXT@0.5 max_users|seat_limit:INT@0.3",
        "billing subscriptions payments",
        resembles=("product",),
        provides=("plan",),
    ),
    _bg(
        "ShippingMethod",
        "shipping method",
        "name:NAME code:CODE! price|cost:MONEY carrier:SHORT@0.6 "
        "estimated_days|delivery_days:INT@0.5 is_active:BOOL_T@0.6 description:TEXT@0.3",
        "shipping checkout shop",
        resembles=("product",),
    ),
    _bg(
        "Badge",
        "badge",
        "name:NAME! description:TEXT@0.7 icon|image:IMAGE@0.6 points|score:INT@0.5 "
        "is_active:BOOL_T@0.3",
        "gamification community accounts core",
        resembles=("product",),
    ),
    # Look-alikes of postal addresses.
    _bg(
        "Store",
        "retail store",
        "name:NAME street|address|address_line1:LONGCHAR city:NAME postal_code|zip_code:POSTAL "
        "country:COUNTRY@0.6 phone:PHONE@0.7 email:EMAIL@0.4 opening_hours|hours:TEXT@0.6 "
        "latitude|lat:LATLNG@0.5 longitude|lng:LATLNG@0.5 manager_name:NAME@0.3 "
        "store_number|code:CODE!@0.5",
        "stores shop locations retail",
        resembles=("address", "company"),
    ),
    _bg(
        "Warehouse",
        "warehouse",
        "code:CODE! name:NAME street|address:LONGCHAR city:NAME postal_code|zip:POSTAL@0.8 "
        "country:COUNTRY@0.8 capacity|capacity_m3:INT@0.4 manager:>user@0.3 is_active:BOOL_T@0.4",
        "inventory logistics shipping fulfillment",
        resembles=("address", "company"),
    ),
    _bg(
        "TaxRate",
        "tax rate",
        "name:SHORT rate|percentage:PERCENT country:COUNTRY region|state:REGION@0.5 "
        "postal_code_pattern|zip_pattern:SHORT@0.3 is_default:BOOL_F@0.4 valid_from:DATE_OPT@0.4",
        "billing shop checkout accounting",
        resembles=("address",),
    ),
    _bg(
        "Country",
        "country",
        "code|iso_code|iso2:COUNTRY! name:NAME iso3|alpha3:SHORT@0.5 "
        "phone_prefix|calling_code:SHORT@0.4 currency_code:CURRENCY@0.4 is_eu|in_eu:BOOL_F@0.2",
        "geo locations core common",
        resembles=("address",),
    ),
    _bg(
        "BlockedIp",
        "blocked IP address",
        "ip_address|address|ip:IP! reason:TEXT@0.6 blocked_at|created_at:CREATED "
        "expires_at|blocked_until:MOMENT_OPT@0.5 blocked_by:>user@0.3 hit_count|hits:COUNT@0.3",
        "security core accounts audit",
        resembles=("address",),
    ),
    _bg(
        "Room",
        "meeting room",
        "name:SHORT! building:SHORT@0.6 floor:SHORT@0.5 capacity|seats:INT@0.8 "
        "has_projector:BOOL_F@0.3 is_active:BOOL_T@0.4",
        "bookings facilities scheduling core",
        resembles=("address",),
        provides=("room",),
    ),
    _bg(
        "Venue",
        "venue",
        "name:NAME street|address:LONGCHAR city:NAME capacity:INT@0.6 latitude:LATLNG@0.4 "
        "longitude:LATLNG@0.4 website:URL@0.3",
        "events venues locations",
        resembles=("address", "event"),
        conflicts=("address", "event"),
    ),
    # Look-alikes of events.
    _bg(
        "Appointment",
        "appointment",
        "client|patient|customer:>customer@0.8 starts_at|start|scheduled_at:MOMENT "
        "ends_at|end:MOMENT_OPT@0.8 status:STATUS@0.8 notes:TEXT@0.6 "
        "location|room_name:SHORT@0.4 provider_name|staff_name:NAME@0.4 "
        "reminder_sent:BOOL_F@0.3",
        "bookings scheduling calendar clinic",
        resembles=("event",),
        docstring="A booked slot with a member of staff.",
    ),
    _bg(
        "Reservation",
        "room reservation",
        "room|resource:>room@0.8 user|booked_by:>user@0.8 start|starts_at:MOMENT "
        "end|ends_at:MOMENT status:STATUS@0.6 purpose|note:LONGCHAR@0.5 created_at:CREATED@0.5",
        "bookings scheduling facilities",
        resembles=("event",),
    ),
    _bg(
        "Shift",
        "work shift",
        "employee|worker|user:>user starts_at|start_time:MOMENT ends_at|end_time:MOMENT "
        "role|position:SHORT@0.5 notes:TEXT@0.4 break_minutes:INT@0.3",
        "hr scheduling staff",
        resembles=("event",),
    ),
    _bg(
        "Holiday",
        "public holiday",
        "date:DATE! name:NAME country|region:COUNTRY@0.6 is_half_day|half_day:BOOL_F@0.4",
        "calendar hr core",
        resembles=("event",),
    ),
    _bg(
        "AuditLog",
        "audit log entry",
        "actor|user:>user@0.8 action|verb:SHORT target|subject:GFK@0.7 "
        "changes|data|payload:JSON@0.7 created_at|timestamp:CREATED ip_address:IP@0.5 "
        "object_repr:LONGCHAR@0.4",
        "audit core analytics common",
        resembles=("event",),
    ),
    # Look-alikes of articles.
    _bg(
        "EmailTemplate",
        "e-mail template",
        "name|slug=SLUG:SHORT! subject:LONGCHAR body|body_text:BODY "
        "html_body|body_html:BODY@0.5 language:LANG@0.3 is_active:BOOL_T@0.5 "
        "updated_at:UPDATED@0.6",
        "notifications messaging emails marketing core",
        resembles=("article",),
    ),
    _bg(
        "Page",
        "web page",
        "title:TITLE slug|path|url:SLUG! content|body:BODY template|template_name:SHORT@0.6 "
        "is_published|published:BOOL_T@0.7 parent:>self@0.5 position|menu_order:INT@0.5 "
        "show_in_menu|in_navigation:BOOL_T@0.4 updated_at:UPDATED@0.5 meta_description:SEO@0.3",
        "cms pages content",
        resembles=("article",),
        docstring="A static page of the site (about, terms, ...).",
    ),
    _bg(
        "Comment",
        "comment",
        "post|article:>article@0.7 author|user:>user@0.8 author_name|name:NAME@0.3 "
        "body|text|content:BODY created_at:CREATED is_approved|approved:BOOL_F@0.6 "
        "parent:>self@0.4 ip_address:IP@0.3",
        "comments blog content community",
        resembles=("article",),
    ),
    _bg(
        "Faq",
        "FAQ entry",
        "question:LONGCHAR answer:BODY position|order_index|sort_order:INT@0.7 "
        "is_active|published:BOOL_T@0.6 category|section:SHORT@0.4",
        "support content pages core",
        resembles=("article",),
    ),
    _bg(
        "Note",
        "note",
        "title:LONGCHAR@0.6 body|text|content:BODY author|created_by:>user@0.7 "
        "created_at:CREATED updated_at:UPDATED@0.6 is_pinned|pinned:BOOL_F@0.3",
        "crm core notes",
        resembles=("article",),
    ),
    _bg(
        "Review",
        "product review",
        "product:>product@0.7 author|user:>user@0.8 rating|stars|score:INT "
        "title|headline:LONGCHAR@0.6 body|comment|text:TEXT created_at:CREATED "
        "is_approved|approved|is_published:BOOL_F@0.6",
        "reviews shop catalog",
        resembles=("article", "product"),
    ),
    _bg(
        "Notification",
        "notification",
        "recipient|user:>user title|subject:LONGCHAR message|body:TEXT is_read|read:BOOL_F "
        "read_at:MOMENT_OPT@0.5 created_at:CREATED level|kind:CHOICE@0.4 url|link:URL@0.3",
        "notifications messaging core",
        resembles=("article", "ticket"),
    ),
    _bg(
        "ChatMessage",
        "chat message",
        "sender|author:>user room|channel|conversation_key:SHORT body|text|message:BODY "
        "sent_at|created_at:CREATED read_at:MOMENT_OPT@0.5 is_edited|edited:BOOL_F@0.3",
        "messaging chat support",
        resembles=("article", "ticket"),
    ),
    # Look-alikes of support tickets.
    _bg(
        "Task",
        "task",
        "title:LONGCHAR description:TEXT@0.7 status:STATUS priority:PRIORITY@0.6 "
        "due_date:DATE_OPT@0.7 assignee|assigned_to:>user@0.7 project:>project@0.4 "
        "created_at:CREATED completed_at:MOMENT_OPT@0.5",
        "projects tasks core crm",
        resembles=("ticket",),
        conflicts=("ticket",),
    ),
    _bg(
        "CannedResponse",
        "canned reply",
        "title|name:SHORT body|text:BODY shortcut|shortcode:SHORT!@0.6 category:SHORT@0.4 "
        "is_active:BOOL_T@0.4 created_by:>user@0.3",
        "support helpdesk",
        resembles=("ticket", "article"),
    ),
    _bg(
        "SlaPolicy",
        "SLA policy",
        "name:NAME! priority:PRIORITY first_response_minutes|response_time:INT "
        "resolution_minutes|resolution_time:INT business_hours_only:BOOL_T@0.5 "
        "is_active:BOOL_T@0.4",
        "support helpdesk",
        resembles=("ticket",),
    ),
    # Look-alikes of files.
    _bg(
        "ExportJob",
        "export job",
        "requested_by|user:>user@0.8 format|file_format:CHOICE status:STATUS "
        "file|result_file|output:FILE@0.8 created_at|requested_at:CREATED "
        "finished_at|completed_at:MOMENT_OPT@0.8 error_message|error:TEXT@0.5 "
        "row_count:COUNT@0.4",
        "reports exports core analytics",
        resembles=("document",),
    ),
    _bg(
        "Report",
        "generated report",
        "title|name:TITLE period_start|start_date:DATE period_end|end_date:DATE "
        "generated_at|created_at:CREATED file|pdf:FILE@0.6 status:STATUS@0.4 "
        "generated_by|created_by:>user@0.4",
        "reports analytics",
        resembles=("document", "article"),
    ),
    # Children: many rows per row of a plantable kind.
    _bg(
        "OrderLine",
        "order line",
        "order:>order! product:>product@0.7 sku|product_code:CODE@0.6 "
        "product_name|name|description:NAME@0.6 quantity|qty:INT unit_price|price:MONEY "
        "total|line_total|amount:MONEY@0.6 tax_rate|vat_rate:PERCENT@0.3 "
        "position|line_number:INT@0.3",
        "orders shop checkout",
        resembles=("order", "product"),
    ),
    _bg(
        "OrderStatusChange",
        "order status change",
        "order:>order! status|new_status:STATUS old_status|previous_status:STATUS@0.5 "
        "changed_at|created_at:CREATED changed_by:>user@0.5 note|comment:TEXT@0.4",
        "orders shop",
        resembles=("order",),
    ),
    _bg(
        "ProductImage",
        "product image",
        "product:>product! image|file:IMAGE alt_text|alt|caption:LONGCHAR@0.6 "
        "position|sort_order:INT@0.6 is_primary|is_main:BOOL_F@0.4",
        "catalog shop products media",
        resembles=("product", "document"),
    ),
    _bg(
        "PriceHistory",
        "price change",
        "product:>product! price|amount:MONEY currency:CURRENCY@0.5 "
        "valid_from|changed_at|effective_from:MOMENT valid_to|effective_until:MOMENT_OPT@0.5 "
        "changed_by:>user@0.3",
        "catalog shop pricing",
        resembles=("product",),
    ),
    _bg(
        "ArticleRevision",
        "article revision",
        "article|post:>article! title:TITLE body|content:BODY "
        "edited_by|author|editor:>user@0.7 created_at|edited_at:CREATED "
        "revision_number|version:INT@0.6 change_summary|comment|message:LONGCHAR@0.5",
        "blog content cms news",
        resembles=("article",),
    ),
    _bg(
        "DocumentVersion",
        "file version",
        "document|file_record:>document! file|path:FILE size|file_size:BIGINT@0.7 "
        "checksum|sha256:HASH@0.6 created_at|uploaded_at:CREATED "
        "created_by|uploaded_by:>user@0.6 version_number|version:INT comment|note:TEXT@0.3",
        "files documents media",
        resembles=("document",),
    ),
    _bg(
        "EventRegistration",
        "event registration",
        "event:>event! attendee|user:>user@0.7 name|attendee_name:NAME@0.5 "
        "email|attendee_email:EMAIL@0.6 registered_at|created_at:CREATED status:STATUS@0.6 "
        "ticket_type:CHOICE@0.4 checked_in|attended:BOOL_F@0.5",
        "events bookings",
        resembles=("event", "person"),
    ),
    _bg(
        "TicketComment",
        "ticket reply",
        "ticket:>ticket! author|user:>user@0.8 body|message|text:BODY created_at:CREATED "
        "is_internal|internal|is_private:BOOL_F@0.6 attachment:FILE@0.2",
        "support helpdesk tickets",
        resembles=("ticket", "article"),
    ),
    # Ordinary background.
    _bg(
        "Tag",
        "tag",
        "name:SHORT! slug:SLUG@0.4 created_at:CREATED@0.3 color:SHORT@0.2",
        "core content blog common catalog",
        provides=("tag",),
    ),
    _bg(
        "Category",
        "category",
        "name:NAME! slug:SLUG!@0.7 parent:>self@0.5 description:TEXT@0.5 "
        "position|sort_order:INT@0.4 is_active:BOOL_T@0.3",
        "catalog blog content core",
        provides=("category",),
    ),
    _bg(
        "Project",
        "project",
        "name:NAME description:TEXT@0.7 status:STATUS@0.6 starts_on|start_date:DATE_OPT@0.5 "
        "ends_on|end_date:DATE_OPT@0.5 is_active|archived=BOOL_F:BOOL_T@0.5 "
        "owner|lead:>user@0.5 created_at:CREATED@0.5 budget:MONEY@0.3",
        "projects core crm",
        provides=("project",),
    ),
    _bg(
        "SiteSetting",
        "configuration setting",
        "key|name:SHORT! value:TEXT description|help_text:TEXT@0.4 updated_at:UPDATED@0.5 "
        "is_public:BOOL_F@0.2",
        "core config common",
    ),
    _bg(
        "FeatureFlag",
        "feature flag",
        "name|key:SHORT! enabled|is_active|is_enabled:BOOL_F "
        "rollout_percentage|percentage:PERCENT@0.5 description|note:TEXT@0.5 "
        "created_at:CREATED@0.4",
        "core config flags",
    ),
    _bg(
        "Server",
        "server",
        "hostname:NAME! ip_address:IP operating_system|os:SHORT@0.7 cpu_cores|cpus:INT@0.6 "
        "memory_mb|ram_mb:INT@0.6 datacenter|region:SHORT@0.5 is_active|in_service:BOOL_T@0.6 "
        "last_seen_at|last_heartbeat:MOMENT_OPT@0.5",
        "infra ops servers monitoring",
    ),
    _bg(
        "Currency",
        "currency",
        "code:CURRENCY! name:NAME symbol:SHORT@0.7 decimal_places|decimals:INT@0.5 "
        "exchange_rate|rate:FLOAT@0.5",
        "billing core common payments",
    ),
    _bg(
        "Language",
        "language",
        "code:LANG! name:NAME native_name:NAME@0.5 is_active|enabled:BOOL_T@0.5 "
        "is_rtl|rtl:BOOL_F@0.3",
        "core localization common",
    ),
    _bg(
        "Vehicle",
        "vehicle",
        "vin:CODE! make|brand:SHORT model|model_name:SHORT year|model_year:YEAR "
        "plate_number|license_plate|registration:CODE@0.8 color:SHORT@0.4 "
        "mileage|odometer_km:INT@0.5 purchased_on:DATE_OPT@0.3",
        "fleet logistics assets",
    ),
    _bg(
        "WebhookEndpoint",
        "webhook endpoint",
        "url|target_url:URL secret|signing_secret:HASH is_active|enabled:BOOL_T "
        "event_types|events:JSON@0.6 created_at:CREATED@0.5 "
        "last_delivery_at|last_called_at:MOMENT_OPT@0.4 failure_count|failures:COUNT@0.4",
        "integrations api core",
    ),
    _bg(
        "DailyStat",
        "daily statistic",
        "date|day:DATE metric|name|key:SHORT value|count:INT created_at|computed_at:CREATED@0.4",
        "analytics reports metrics",
    ),
)

# Record types and domain qualifiers, composed for large projects.
_CORES: dict[str, str] = {
    "Rule": "name:NAME priority|weight:INT@0.7 is_active|enabled:BOOL_T "
    "condition|expression|criteria:JSON@0.7 created_at:CREATED@0.6",
    "Rate": "name|label:NAME@0.7 rate|percentage|value:PERCENT valid_from|effective_from:DATE "
    "valid_to|effective_until:DATE_OPT@0.6",
    "Log": "level|severity:CHOICE@0.7 message|msg|text:TEXT context|extra|data:JSON@0.6 "
    "created_at|logged_at|timestamp:CREATED",
    "Snapshot": "taken_at|captured_at|created_at:CREATED data|payload|state:JSON "
    "size_bytes|size:BIGINT@0.4 label:SHORT@0.4",
    "Metric": "name|metric|key:SHORT value|amount:FLOAT unit:SHORT@0.5 "
    "recorded_at|measured_at|timestamp:CREATED",
    "Quota": "limit_value|max_value|quota:INT used|consumed|usage:COUNT period|window:CHOICE@0.6 "
    "resets_at|reset_at:MOMENT_OPT@0.6",
    "Schedule": "name:NAME cron|cron_expression|expression:SHORT next_run_at|next_run:MOMENT_OPT "
    "is_enabled|enabled|active:BOOL_T@0.7 last_run_at:MOMENT_OPT@0.5",
    "Job": "status|state:STATUS started_at:MOMENT_OPT finished_at|completed_at:MOMENT_OPT "
    "error|error_message|last_error:TEXT@0.6 attempts|retries|attempt_count:COUNT@0.6 "
    "created_at:CREATED@0.6",
    "Batch": "reference|batch_number|batch_code:CODE! status:STATUS "
    "item_count|total_items:COUNT created_at:CREATED processed_at:MOMENT_OPT@0.6",
    "Mapping": "source_value|external_value|from_value:LONGCHAR "
    "target_value|internal_value|to_value:LONGCHAR is_active:BOOL_T@0.5 notes:TEXT@0.3",
    "Policy": "name:NAME description:TEXT@0.6 version:COUNT@0.5 effective_from|valid_from:DATE "
    "is_active:BOOL_T@0.5",
    "Threshold": "name|metric:SHORT min_value|lower_bound|minimum:FLOAT "
    "max_value|upper_bound|maximum:FLOAT unit:SHORT@0.4 is_active:BOOL_T@0.4",
    "Alert": "level|severity:CHOICE message|text:TEXT triggered_at|raised_at|created_at:CREATED "
    "resolved_at:MOMENT_OPT@0.6 acknowledged|is_acknowledged:BOOL_F@0.5",
    "Queue": "name:NAME! priority:INT@0.6 max_size|capacity:INT@0.5 is_paused|paused:BOOL_F@0.6",
    "Counter": "name|key:SHORT! value|count:COUNT updated_at:UPDATED@0.6",
    "Export": "format|file_format:SHORT status:STATUS file|output_file:FILE@0.7 "
    "created_at:CREATED finished_at:MOMENT_OPT@0.6 row_count:COUNT@0.4",
    "Request": "status:STATUS payload|body|data:JSON requested_at|created_at:CREATED "
    "completed_at|processed_at:MOMENT_OPT@0.6 requested_by:>user@0.5",
    "Override": "key|setting:SHORT value:LONGCHAR reason|note:TEXT@0.5 "
    "expires_at|valid_until:MOMENT_OPT@0.5 created_by:>user@0.4",
    "Window": "label|name:SHORT starts_at|start:MOMENT ends_at|end:MOMENT "
    "notes|description:TEXT@0.4",
    "Summary": "date|day|period:DATE total|count|value:INT amount|total_amount:MONEY@0.5 "
    "computed_at|updated_at:UPDATED@0.5",
    "Limit": "name|key:SHORT max_value|limit_value|maximum:INT per|period:CHOICE@0.6 "
    "is_active:BOOL_T@0.5",
    "Assignment": "assignee|assigned_to:>user assigned_at|created_at:CREATED role:SHORT@0.5 "
    "is_active:BOOL_T@0.4",
    "Setting": "key|name:SHORT! value:LONGCHAR description:TEXT@0.4 updated_at:UPDATED@0.5",
}
_QUALIFIERS: dict[str, str] = {
    "Shipping": "carrier|carrier_code:SHORT@0.5 zone|shipping_zone:SHORT@0.4 "
    "max_weight|weight_limit:WEIGHT@0.3",
    "Tax": "jurisdiction|tax_region:SHORT@0.5 tax_code:CODE@0.4",
    "Inventory": "warehouse_code|location_code|bin_code:CODE@0.5 quantity|qty:INT@0.4",
    "Pricing": "currency:CURRENCY@0.5 price_amount|price:MONEY@0.4",
    "Loyalty": "points|point_balance:INT@0.5 tier|level_name:SHORT@0.4",
    "Fraud": "risk_score|score:FLOAT@0.6 ip_address:IP@0.3",
    "Search": "query|term|search_term:LONGCHAR@0.5 index_name:SHORT@0.4",
    "Sync": "remote_system|provider:SHORT@0.5 cursor|sync_token:LONGCHAR@0.4",
    "Webhook": "endpoint_url|target_url:URL@0.5 response_code|status_code:INT@0.4",
    "Payroll": "pay_period:SHORT@0.4 gross_amount|net_amount:MONEY@0.5",
    "Access": "scope|permission:SHORT@0.5 granted_to:>user@0.4",
    "Storage": "bucket|bucket_name:SHORT@0.5 bytes_used|used_bytes:BIGINT@0.4",
    "Backup": "target|destination:LONGCHAR@0.5 size_bytes:BIGINT@0.4",
    "Campaign": "channel:SHORT@0.4 budget:MONEY@0.4",
    "Referral": "referral_code:CODE@0.5 reward_amount:MONEY@0.3",
    "Routing": "route|route_path:LONGCHAR@0.4 hop_count:INT@0.3",
    "Dispatch": "vehicle_code|truck:CODE@0.4 depot:SHORT@0.4",
    "Compliance": "regulation|framework:SHORT@0.5 evidence_url:URL@0.3",
    "Translation": "locale|language:LANG@0.6 source_text|msgid:TEXT@0.4",
    "Thumbnail": "width:INT@0.5 height:INT@0.5",
    "Cache": "cache_key:LONGCHAR@0.5 ttl_seconds|ttl:INT@0.4",
    "Deployment": "environment|env:SHORT@0.5 git_sha|commit_sha:HASH@0.4",
    "Build": "branch:SHORT@0.4 duration_seconds:INT@0.4",
    "Import": "source_file|filename:LONGCHAR@0.5 rows_imported|row_total:COUNT@0.4",
    "Scoring": "score:FLOAT@0.6 model_version:SHORT@0.3",
    "Recommendation": "algorithm|strategy:SHORT@0.5 confidence:FLOAT@0.4",
    "Moderation": "moderation_reason|reason:TEXT@0.5 moderator:>user@0.4",
    "Onboarding": "step|step_name:SHORT@0.5 is_completed|completed:BOOL_F@0.4",
    "Retention": "retention_days|days:INT@0.5 data_category:SHORT@0.4",
    "Forecast": "horizon_days:INT@0.4 predicted_value|forecast_value:FLOAT@0.5",
    "Procurement": "supplier_code:CODE@0.5 lead_time_days:INT@0.4",
    "Budget": "fiscal_year:YEAR@0.5 allocated_amount|allocated:MONEY@0.5",
    "Ledger": "debit:MONEY@0.5 credit:MONEY@0.5",
    "Settlement": "settlement_date:DATE@0.5 net_amount:MONEY@0.4",
    "Payout": "payout_amount:MONEY@0.5 iban|bank_account:CODE@0.3",
    "Commission": "commission_rate:PERCENT@0.5 commission_amount:MONEY@0.4",
    "Maintenance": "component|asset_code:CODE@0.5 technician|performed_by:NAME@0.3",
    "Monitoring": "probe|check_name:SHORT@0.5 latency_ms|response_time_ms:INT@0.4",
    "Capacity": "max_units:INT@0.5 utilisation|utilization:PERCENT@0.4",
    "Energy": "kwh|consumption_kwh:FLOAT@0.5 meter_code:CODE@0.4",
    "Fleet": "vehicle_code|plate:CODE@0.5 mileage|odometer:INT@0.4",
    "Parking": "spot|spot_number:CODE@0.5 floor_level|floor:SHORT@0.3",
    "Catering": "menu|menu_name:SHORT@0.4 servings|portions:INT@0.4",
    "Training": "course_code:CODE@0.5 duration_hours|hours:FLOAT@0.4",
    "Certification": "certificate_number|cert_no:CODE@0.5 issuer|issuing_body:NAME@0.4",
    "Licensing": "license_key:CODE@0.5 seat_count|seats:INT@0.4",
    "Warranty": "warranty_months:INT@0.5 serial_number|serial:CODE@0.4",
    "Insurance": "policy_number:CODE@0.5 premium:MONEY@0.4",
}

# Fields projects add to anything.
EXTRAS: tuple[Attr, ...] = _attrs(
    "notes|internal_notes|remarks|admin_notes:TEXT "
    "metadata|extra|extra_data|meta|attributes:JSON "
    "external_id|ext_id|remote_id|crm_id|erp_id|sf_id:CODE "
    "legacy_id|old_id|import_id|source_id:INT "
    "source|imported_from|data_source:SHORT "
    "is_deleted|deleted|is_archived|archived:BOOL_F "
    "deleted_at|archived_at:MOMENT_OPT "
    "updated_at|modified|modified_at|last_modified|updated:UPDATED "
    "version|revision|row_version:COUNT "
    "sync_status|sync_state:STATUS "
    "synced_at|last_synced_at|last_sync:MOMENT_OPT "
    "uuid|public_id|guid:UUID "
    "sort_order|position|ordering|rank:INT "
    "created_by|creator:>user "
    "raw|raw_data|payload|raw_json:JSON "
    "row_hash|checksum:HASH "
    "is_test|is_demo|sandbox:BOOL_F "
    "tenant:>tenant"
)

# App labels a project may use, besides those named by entities and entries.
_GENERAL_APPS = ("core", "common", "api", "portal", "integrations", "legacy", "sync", "importer")

_LEGACY_TABLE_FORMS = (
    "tbl_{}",
    "{}s",
    "old_{}s",
    "{}_master",
    "legacy_{}",
    "wp_{}s",
    "t_{}",
)
_PROXY_ADJECTIVES = ("Active", "Archived", "Pending", "Verified", "Featured", "Internal", "Open")

# ---------------------------------------------------------------------------
# The result


@dataclass(frozen=True)
class ModelNote:
    """Why a model is in the project: what the ground truth rests on."""

    category: str
    """``member``, ``lookalike``, ``child``, ``background``, ``proxy``, ``django``,
    ``abstract`` or ``auto-created``."""
    entity: str
    resembles: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabeledProject:
    """A synthetic project and the duplicate groups planted in it."""

    seed: int
    graph: ModelGraph
    groups: list[frozenset[str]]
    group_kinds: list[str]
    """The entity kind of each group, in the order of ``groups``."""
    notes: dict[str, ModelNote] = field(compare=False)

    def group_of(self, label: str) -> int | None:
        for index, group in enumerate(self.groups):
            if label in group:
                return index
        return None

    @property
    def first_party_models(self) -> list[ModelNode]:
        return [
            node
            for node in self.graph.models
            if node.first_party and node.kind not in (ModelKind.ABSTRACT, ModelKind.AUTO_CREATED)
        ]


# ---------------------------------------------------------------------------
# Generation


@dataclass
class _FieldDraft:
    name: str
    cls: str
    kwargs: dict[str, Any]
    column: str | None = None
    role: str | None = None
    target: str | None = None
    on_delete: str = "CASCADE"


@dataclass
class _ModelDraft:
    app: str
    name: str
    note: ModelNote
    attrs: tuple[Attr, ...] = ()
    fields: list[_FieldDraft] = field(default_factory=list)
    kind: ModelKind = ModelKind.CONCRETE
    db_table: str | None = None
    docstring: str | None = None
    first_party: bool = True
    abstract_bases: tuple[str, ...] = ()
    proxy_of: _ModelDraft | None = None
    group: int | None = None
    preferred_apps: tuple[str, ...] = ()
    style: str = "snake"
    owner: str = ""
    abbreviation: str = ""
    legacy_columns: str = ""
    key: str | None = None
    key_unique: bool = False
    extras: int = 0

    @property
    def label(self) -> str:
        return f"{self.app}.{self.name}"

    @property
    def table(self) -> str | None:
        if self.kind in (ModelKind.PROXY, ModelKind.ABSTRACT):
            return None
        return self.db_table or f"{self.app}_{self.name.lower()}"


def _weighted(rng: random.Random, options: Sequence[tuple[Any, float]]) -> Any:
    total = sum(weight for _, weight in options)
    point = rng.random() * total
    for value, weight in options:
        point -= weight
        if point < 0:
            return value
    return options[-1][0]


def _pick_type(rng: random.Random, palette: str) -> TypeOption:
    options = PALETTES[palette]
    return _weighted(rng, [(option, option.weight) for option in options])  # type: ignore[no-any-return]


def _words(name: str) -> list[str]:
    """``"CatalogItem"`` -> ``["Catalog", "Item"]``."""
    return re.findall(r"[A-Z][a-z0-9]*", name)


def _snake(name: str) -> str:
    return "_".join(word.lower() for word in _words(name))


def _camel(snake: str) -> str:
    head, *tail = snake.split("_")
    return head + "".join(word.capitalize() for word in tail)


def _inspectdb_name(table: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]", "", table.title())


def _default_repr(default: Any) -> str | None:
    if default is NOT_PROVIDED:
        return None
    if callable(default):
        module = getattr(default, "__module__", None)
        name = getattr(default, "__qualname__", repr(default))
        return f"{module}.{name}" if module else name
    return repr(default)


def _django_docstring(app_label: str, object_name: str) -> str | None:
    """The docstring Django's own model carries, as the graph would read it."""
    try:
        from django.apps import apps

        model = apps.get_model(app_label, object_name)
    except LookupError:
        try:
            from django.contrib.auth import base_user
            from django.contrib.auth import models as auth_models

            model = getattr(auth_models, object_name, None) or getattr(base_user, object_name)
        except (ImportError, RuntimeError, AttributeError):
            return None
    doc = model.__dict__.get("__doc__")
    if not doc:
        return None
    doc = inspect.cleandoc(doc)
    generated = "{}({})".format(model.__name__, ", ".join(f.name for f in model._meta.fields))
    return None if doc == generated else doc


class _Generator:
    def __init__(
        self,
        seed: int,
        models: int | None,
        groups: int | None,
        auth: bool | None,
        apps: int | None,
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        rng = self.rng
        self.size = models if models is not None else rng.randint(15, 60)
        if self.size < 6:
            raise ValueError("A project needs at least 6 models.")
        self.large = self.size > 60
        self.auth = auth if auth is not None else rng.random() < 0.6
        if groups is None:
            groups = rng.randint(1, 3) if not self.large else max(3, self.size // 60)
        self.n_groups = max(0, min(groups, len(ENTITIES)))
        if apps is None:
            apps = rng.randint(3, 8) if not self.large else max(8, self.size // 20)
        self.n_apps = apps
        self.drafts: list[_ModelDraft] = []
        self.used_names: set[str] = set()
        self.used_tables: set[str] = set()
        self.used_entities: set[str] = set()
        self.roles: dict[str, list[_ModelDraft]] = {}
        self.groups: list[list[_ModelDraft]] = []
        self.group_kinds: list[str] = []
        self.auth_user: _ModelDraft | None = None
        self.app_pk: dict[str, str] = {}

    # -- top level ---------------------------------------------------------

    def run(self) -> LabeledProject:
        rng = self.rng
        # Consecutive seeds cycle through the kinds, so any range of seeds covers them all.
        cycle = sorted(ENTITIES)
        first = cycle[self.seed % len(cycle)]
        rest = rng.sample([k for k in cycle if k != first], max(0, self.n_groups - 1))
        kinds = [first, *rest][: self.n_groups]
        sizes = self._group_sizes(kinds)
        self.apps: list[str] = []
        if self.auth:
            self._add_django_models()
        for index, (kind, size) in enumerate(zip(kinds, sizes, strict=True)):
            self._plant_group(index, ENTITIES[kind], size)
        n_proxies = 0
        if self.size >= 20:
            n_proxies = int(rng.random() < 0.35) if not self.large else self.size // 60
        first_party = sum(1 for d in self.drafts if d.first_party)
        self._choose_background(self.size - first_party - n_proxies)
        self._fill_apps()
        self._assign_pk_types()
        base = self._abstract_base()
        for draft in list(self.drafts):
            if draft.first_party and draft.kind != ModelKind.ABSTRACT:
                self._draft_fields(draft)
        if base is not None:
            self._inherit(base)
        for _ in range(n_proxies):
            self._add_proxy()
        self._resolve()
        return self._finish()

    def _group_sizes(self, kinds: list[str]) -> list[int]:
        rng = self.rng
        sizes = [rng.randint(2, 5) for _ in kinds]
        budget = max(2, self.size // 2)

        def first_party(kind: str, size: int) -> int:
            return size - 1 if kind == "person" and self.auth else size

        while sum(first_party(k, s) for k, s in zip(kinds, sizes, strict=True)) > budget:
            largest = max(range(len(sizes)), key=lambda i: sizes[i])
            if sizes[largest] <= 2:
                kinds.pop(largest)
                sizes.pop(largest)
                continue
            sizes[largest] -= 1
        return sizes

    # -- apps --------------------------------------------------------------

    def _pick_app(self, preferred: Sequence[str], avoid: Sequence[str] = ()) -> str:
        """An app for a new model: one it would live in, opening a new app while allowed."""
        rng = self.rng
        options = [a for a in preferred if a in self.apps and a not in avoid]
        if options and rng.random() < 0.85:
            return rng.choice(options)
        fresh = [a for a in preferred if a not in self.apps and not keyword.iskeyword(a)]
        if fresh and (len(self.apps) < self.n_apps or not self.apps):
            app = rng.choice(fresh)
            self.apps.append(app)
            return app
        if options:
            return rng.choice(options)
        others = [a for a in self.apps if a not in avoid] or self.apps
        if not others:
            app = rng.choice(_GENERAL_APPS)
            self.apps.append(app)
            return app
        return rng.choice(others)

    def _fill_apps(self) -> None:
        """Give the project at least three apps by moving background models to apps they suit."""
        rng = self.rng
        wanted = min(3, self.n_apps)
        movable = [d for d in self.drafts if d.first_party and d.group is None]
        rng.shuffle(movable)
        for draft in movable:
            if len(self.apps) >= wanted:
                break
            if sum(1 for d in self.drafts if d.app == draft.app) < 2:
                continue
            fresh = [a for a in (*draft.preferred_apps, *_GENERAL_APPS) if a not in self.apps]
            self.used_names.discard(draft.label.lower())
            self.used_tables.discard(draft.table or "")
            draft.app = fresh[0]
            self.apps.append(draft.app)
            self.used_names.add(draft.label.lower())
            self.used_tables.add(draft.table or "")

    def _assign_pk_types(self) -> None:
        rng = self.rng
        project_default = "BigAutoField" if rng.random() < 0.7 else "AutoField"
        for app in self.apps:
            if app == "legacy" or rng.random() < 0.15:
                self.app_pk[app] = "AutoField"
            else:
                self.app_pk[app] = project_default
        self.app_pk["auth"] = self.app_pk["contenttypes"] = "AutoField"

    # -- names -------------------------------------------------------------

    def _claim(self, app: str, name: str, allow_same_name: bool = False) -> bool:
        key = f"{app}.{name}".lower()
        if key in self.used_names or f"{app}_{name}".lower() in self.used_tables:
            return False
        if not allow_same_name and name.lower() in {n.split(".")[1] for n in self.used_names}:
            return False
        self.used_names.add(key)
        return True

    def _claim_table(self, table: str) -> bool:
        if table in self.used_tables:
            return False
        self.used_tables.add(table)
        return True

    def _member_name(self, entity: Entity, style: str, app: str, siblings: list[str]) -> str:
        rng = self.rng
        for _ in range(40):
            noun = rng.choice(entity.nouns)
            form = _weighted(rng, [("prefix", 5.0), ("noun", 2.0), ("suffix", 1.5)])
            if form == "noun":
                name = noun
            elif form == "suffix":
                name = noun + rng.choice(entity.suffixes)
            else:
                prefix = rng.choice(entity.prefixes)
                if prefix in _words(noun) or (prefix, noun) in entity.forbidden:
                    continue
                name = prefix + noun
            same_name_ok = name in siblings and rng.random() < 0.5
            if self._claim(app, name, allow_same_name=same_name_ok):
                return name
        for number in range(2, 1000):
            name = f"{rng.choice(entity.nouns)}{number}"
            if self._claim(app, name):
                return name
        raise RuntimeError("No free model name.")

    # -- planted groups ------------------------------------------------------

    def _plant_group(self, index: int, entity: Entity, size: int) -> None:
        rng = self.rng
        self.used_entities.add(entity.kind)
        members: list[_ModelDraft] = []
        if entity.kind == "person" and self.auth_user is not None:
            members.append(self.auth_user)
            self.auth_user.group = index
            self.auth_user.note = ModelNote("member", "person")
        key = _weighted(rng, list(entity.keys))
        used_apps: list[str] = []
        names: list[str] = []
        while len(members) < size:
            style = _weighted(
                rng, [("snake", 0.5), ("owner", 0.15), ("camel", 0.13), ("legacy", 0.22)]
            )
            preferred = list(entity.apps)
            if style == "legacy":
                preferred = ["legacy", "legacy", *preferred]
            avoid = used_apps if rng.random() < 0.8 else []
            app = self._pick_app(preferred, avoid)
            draft = _ModelDraft(
                app=app,
                name="",
                note=ModelNote("member", entity.kind),
                attrs=entity.attrs,
                group=index,
                style=style,
                key=key,
                key_unique=rng.random() < entity.key_unique,
            )
            if style == "legacy" and rng.random() < 0.6:
                noun = rng.choice(entity.nouns)
                for _ in range(20):
                    table = rng.choice(_LEGACY_TABLE_FORMS).format(_snake(noun))
                    name = _inspectdb_name(table)
                    if table not in self.used_tables and self._claim(app, name):
                        break
                    noun = rng.choice(entity.nouns)
                else:
                    name = self._member_name(entity, style, app, names)
                    table = f"legacy_{name.lower()}"
                self._claim_table(table)
                draft.name, draft.db_table = name, table
            else:
                draft.name = self._member_name(entity, style, app, names)
                if style == "legacy" and rng.random() < 0.5:
                    table = f"{rng.choice(('tbl', 'old', 'legacy', 't'))}_{_snake(draft.name)}"
                    if self._claim_table(table):
                        draft.db_table = table
            if style == "legacy":
                if rng.random() < 0.6:
                    draft.kind = ModelKind.UNMANAGED
                draft.abbreviation = rng.choice(entity.abbreviations)
                draft.legacy_columns = rng.choice(("upper", "pascal", "prefix", "plain"))
            if style == "owner":
                words = [w.lower() for w in _words(draft.name)]
                owned = [w for w in words if w in entity.owners]
                draft.owner = owned[0] if owned else rng.choice(entity.owners)
            if rng.random() < 0.3:
                draft.docstring = rng.choice(entity.docstrings)
            draft.extras = _weighted(rng, [(0, 3.0), (1, 3.0), (2, 2.0), (3, 1.0)])
            used_apps.append(app)
            names.append(draft.name)
            members.append(draft)
            self.drafts.append(draft)
        for draft in members:
            if draft.first_party:
                self._claim_table(draft.table or "")
        self.groups.append(members)
        self.group_kinds.append(entity.kind)
        for role in entity.provides:
            self.roles.setdefault(role, []).extend(members)

    # -- background ----------------------------------------------------------

    def _eligible(self, entry: Background) -> bool:
        if entry.entity in self.used_entities or entry.name.lower() in {
            n.split(".")[1] for n in self.used_names
        }:
            return False
        if entry.entity == "person" and self.auth:
            return False
        if set(entry.conflicts) & set(self.group_kinds):
            return False
        return all(role in self.roles for role in entry.required_roles)

    def _add_background(self, entry: Background, category: str | None = None) -> None:
        rng = self.rng
        app = self._pick_app(entry.apps)
        if not self._claim(app, entry.name):
            return
        resembles = tuple(k for k in entry.resembles if k in self.group_kinds)
        draft = _ModelDraft(
            app=app,
            name=entry.name,
            note=ModelNote(category or entry.category, entry.entity, resembles),
            attrs=entry.attrs,
            preferred_apps=entry.apps,
            style="camel" if rng.random() < 0.08 else "snake",
            docstring=entry.docstring if entry.docstring and rng.random() < 0.4 else None,
            extras=_weighted(rng, [(0, 5.0), (1, 3.0), (2, 1.0)]),
        )
        self._claim_table(draft.table or "")
        self.drafts.append(draft)
        self.used_entities.add(entry.entity)
        for role in entry.provides:
            self.roles.setdefault(role, []).append(draft)

    def _composed(self) -> Background | None:
        rng = self.rng
        taken = {n.split(".")[1] for n in self.used_names}
        for _ in range(50):
            qualifier = rng.choice(sorted(_QUALIFIERS))
            core = rng.choice(sorted(_CORES))
            name = qualifier + core
            if name.lower() in taken or name.lower() in self.used_entities:
                continue
            # The qualifier's first field is always there: it is what makes the entity its own.
            flavor = re.sub(r"@[0-9.]+", "", _QUALIFIERS[qualifier], count=1)
            return Background(
                name=name,
                entity=name.lower(),
                spec=f"{_CORES[core]} {flavor}",
                apps=(qualifier.lower(), *_GENERAL_APPS[:2]),
            )
        return None

    def _choose_background(self, count: int) -> None:
        rng = self.rng
        planted = set(self.group_kinds)
        target = len([d for d in self.drafts if d.first_party]) + count

        def remaining() -> int:
            return target - len([d for d in self.drafts if d.first_party])

        # Look-alikes of what is planted come first: they are what the measure is about.
        wanted = rng.randint(2, 5) if not self.large else max(5, count // 8)
        for _ in range(wanted):
            if remaining() <= 0:
                break
            options = [
                (entry, 5.0 if entry.category == "child" else 4.0)
                for entry in CATALOG
                if entry.category in ("lookalike", "child")
                and set(entry.resembles) & planted
                and self._eligible(entry)
            ]
            if not options:
                options = [
                    (entry, 1.0)
                    for entry in CATALOG
                    if entry.category == "lookalike" and self._eligible(entry)
                ]
            if not options:
                break
            self._add_background(_weighted(rng, options))
        composed_share = 0.25 if not self.large else 0.7
        while remaining() > 0:
            options = [(entry, 1.0) for entry in CATALOG if self._eligible(entry)]
            entry: Background | None
            if options and rng.random() >= composed_share:
                entry = _weighted(rng, options)
            else:
                entry = self._composed()
                if entry is None and options:
                    entry = _weighted(rng, options)
            if entry is None:
                raise RuntimeError("Ran out of background entities.")
            self._add_background(entry, "background" if entry not in CATALOG else None)

    # -- Django's own models ------------------------------------------------

    def _add_django_models(self) -> None:
        def django_model(app: str, name: str, table: str, spec: list[_FieldDraft]) -> _ModelDraft:
            draft = _ModelDraft(
                app=app,
                name=name,
                note=ModelNote("django", f"django {name.lower()}"),
                fields=spec,
                db_table=table,
                docstring=_django_docstring(app, name),
                first_party=False,
            )
            self.used_names.add(draft.label.lower())
            self.used_tables.add(table)
            self.drafts.append(draft)
            return draft

        content_type = django_model(
            "contenttypes",
            "ContentType",
            "django_content_type",
            [
                _FieldDraft("app_label", "CharField", {"max_length": 100}),
                _FieldDraft("model", "CharField", {"max_length": 100}),
            ],
        )
        permission = django_model(
            "auth",
            "Permission",
            "auth_permission",
            [
                _FieldDraft("name", "CharField", {"max_length": 255}),
                _FieldDraft("content_type", "ForeignKey", {}, target=content_type.label),
                _FieldDraft("codename", "CharField", {"max_length": 100}),
            ],
        )
        group = django_model(
            "auth",
            "Group",
            "auth_group",
            [
                _FieldDraft("name", "CharField", {"max_length": 150, "unique": True}),
                _FieldDraft(
                    "permissions", "ManyToManyField", {"blank": True}, target=permission.label
                ),
            ],
        )
        base_user = [
            _FieldDraft("password", "CharField", {"max_length": 128}),
            _FieldDraft("last_login", "DateTimeField", {"null": True, "blank": True}),
        ]
        mixin = [
            _FieldDraft("is_superuser", "BooleanField", {"default": False}),
            _FieldDraft("groups", "ManyToManyField", {"blank": True}, target=group.label),
            _FieldDraft(
                "user_permissions", "ManyToManyField", {"blank": True}, target=permission.label
            ),
        ]
        user_fields = [
            *base_user,
            mixin[0],
            _FieldDraft("username", "CharField", {"max_length": 150, "unique": True}),
            _FieldDraft("first_name", "CharField", {"max_length": 150, "blank": True}),
            _FieldDraft("last_name", "CharField", {"max_length": 150, "blank": True}),
            _FieldDraft("email", "EmailField", {"blank": True}),
            _FieldDraft("is_staff", "BooleanField", {"default": False}),
            _FieldDraft("is_active", "BooleanField", {"default": True}),
            _FieldDraft("date_joined", "DateTimeField", {"default": timezone.now}),
            *mixin[1:],
        ]
        for name, fields in (
            ("AbstractBaseUser", base_user),
            ("PermissionsMixin", mixin),
            ("AbstractUser", user_fields),
        ):
            abstract = django_model("auth", name, "", list(fields))
            abstract.kind = ModelKind.ABSTRACT
            abstract.db_table = None
        user = django_model("auth", "User", "auth_user", list(user_fields))
        user.abstract_bases = (
            "auth.AbstractUser",
            "auth.AbstractBaseUser",
            "auth.PermissionsMixin",
        )
        user.note = ModelNote("django", "person")
        self.auth_user = user
        self.used_entities.add("person")
        for role in ("user", "customer"):
            self.roles.setdefault(role, []).append(user)

    # -- fields --------------------------------------------------------------

    def _style_name(self, draft: _ModelDraft, spelling: str, attr: Attr) -> tuple[str, str | None]:
        """The field name and, for old tables, the column a spelling becomes."""
        rng = self.rng
        name, column = spelling, None
        words = spelling.split("_")
        if draft.style == "owner" and attr.ownable and rng.random() < 0.75:
            if words[0] not in (draft.owner, "is", "has") and not spelling.startswith(draft.owner):
                name = f"{draft.owner}_{spelling}"
        elif draft.style == "camel" and rng.random() < 0.85:
            name = _camel(spelling)
        elif draft.style == "legacy":
            if draft.legacy_columns == "upper":
                column = spelling.upper()
            elif draft.legacy_columns == "pascal":
                name = spelling.replace("_", "")
                column = "".join(w.capitalize() for w in words)
            elif draft.legacy_columns == "prefix" and attr.relation is None:
                name = f"{draft.abbreviation}_{spelling}"
                if rng.random() < 0.5:
                    column = name.upper()
        return name, column

    def _available(self, role: str) -> bool:
        return role == "self" or role in self.roles

    def _field_for(
        self, draft: _ModelDraft, attr: Attr, taken: set[str], *, key: bool = False
    ) -> list[_FieldDraft]:
        rng = self.rng
        weights = [(s, 3.0 if i == 0 else 1.0) for i, s in enumerate(attr.spellings)]
        if attr.relation in ("fk", "o2o", "m2m") and not self._available(attr.role or ""):
            weights = [(s, w) for s, w in weights if s[1] is not None]
        if attr.relation == "gfk" and not self.auth:
            return []
        fields: list[_FieldDraft] = []
        for _ in range(len(weights) * 2):
            if not weights:
                return []
            spelling, override = _weighted(rng, weights)
            name, column = self._style_name(draft, spelling, attr)
            if not _valid_name(name):
                name, column = spelling, None
            if attr.relation is not None and override is None:
                column = None  # Relations keep Django's columns (``<name>_id``).
            attname = name if override or attr.relation in (None, "m2m", "gfk") else f"{name}_id"
            if name in taken or attname in taken:
                weights = [(s, w) for s, w in weights if s[0] != spelling]
                continue
            break
        else:
            return []
        if attr.relation == "gfk":
            id_type = _weighted(rng, [("PositiveIntegerField", 3.0), ("CharField", 1.0)])
            id_kwargs = {"max_length": 64} if id_type == "CharField" else {}
            fields = [
                _FieldDraft("content_type", "ForeignKey", {}, target="contenttypes.ContentType"),
                _FieldDraft("object_id", id_type, id_kwargs),
                _FieldDraft(name, "GenericForeignKey", {}),
            ]
            if {"content_type", "content_type_id", "object_id"} & taken:
                return []
            return fields
        if attr.relation is not None and override is None:
            kwargs: dict[str, Any] = {}
            on_delete = "CASCADE"
            if attr.relation == "m2m":
                cls = "ManyToManyField"
                kwargs["blank"] = rng.random() < 0.8
            else:
                cls = "OneToOneField" if attr.relation == "o2o" else "ForeignKey"
                optional = attr.presence < 1 and not attr.required
                if cls == "ForeignKey" and (
                    (optional and rng.random() < 0.6) or rng.random() < 0.1
                ):
                    on_delete = "SET_NULL"
                    kwargs.update(null=True, blank=True)
                elif cls == "ForeignKey" and rng.random() < 0.25:
                    on_delete = "PROTECT"
            if attr.role == "self":
                return [
                    _FieldDraft(name, cls, kwargs, column, target=draft.label, on_delete=on_delete)
                ]
            return [_FieldDraft(name, cls, kwargs, column, role=attr.role, on_delete=on_delete)]
        option = _pick_type(rng, override or attr.palette)
        kwargs = dict(option.kwargs)
        if key and draft.key_unique:
            kwargs["unique"] = True
            kwargs.pop("null", None)
            kwargs.pop("blank", None)
        elif attr.unique:
            kwargs["unique"] = True
        elif attr.presence < 0.9 and "default" not in kwargs:
            if option.cls in _CHARLIKE and "blank" not in kwargs and rng.random() < 0.5:
                kwargs["blank"] = True
            elif option.cls in _SCALAR_NULLABLE and "null" not in kwargs and rng.random() < 0.4:
                kwargs.update(null=True, blank=True)
        if kwargs.get("unique") and option.cls == "TextField":
            option = TypeOption(1, "CharField", {})
            kwargs["max_length"] = 255
        return [_FieldDraft(name, option.cls, kwargs, column)]

    def _draft_fields(self, draft: _ModelDraft) -> None:
        rng = self.rng
        attrs = list(draft.attrs)
        if draft.note.category == "member":
            entity = ENTITIES[draft.note.entity]
            present = {a.key for a in attrs if a.key == draft.key or rng.random() < a.presence}
            for first, second in entity.pairs:
                if first in present or second in present:
                    present |= {first, second}
            # Duplicates are duplicates because they hold the same core: most of it is there.
            core = [a.key for a in attrs if a.presence >= 0.85 and a.relation is None]
            missing = [k for k in core if k not in present]
            rng.shuffle(missing)
            while missing and len(present & set(core)) < (len(core) * 3 + 3) // 4:
                present.add(missing.pop())
            spare = sorted(
                (a for a in attrs if a.key not in present and a.relation is None),
                key=lambda a: -a.presence,
            )
            while len(present) < 5 and spare:
                present.add(spare.pop(0).key)
        else:
            present = {a.key for a in attrs if rng.random() < a.presence}
        chosen = [a for a in attrs if a.key in present]
        extras = rng.sample(EXTRAS, draft.extras) if draft.extras else []
        for extra in extras:
            chosen.insert(rng.randint(min(2, len(chosen)), len(chosen)), extra)
        taken: set[str] = set()
        for attr in chosen:
            for new in self._field_for(draft, attr, taken, key=attr.key == draft.key):
                taken.add(new.name)
                if new.cls in ("ForeignKey", "OneToOneField"):
                    taken.add(f"{new.name}_id")
                draft.fields.append(new)
        # The graph lists columns first, then many-to-many fields, then generic keys.
        order = {"ManyToManyField": 1, "GenericForeignKey": 2}
        draft.fields.sort(key=lambda f: order.get(f.cls, 0))

    def _abstract_base(self) -> _ModelDraft | None:
        rng = self.rng
        if rng.random() >= 0.45:
            return None
        apps = [a for a in ("core", "common") if a in self.apps] or self.apps
        app = rng.choice(apps)
        name = rng.choice(("TimeStampedModel", "BaseModel", "Timestamped", "TrackedModel"))
        if not self._claim(app, name):
            return None
        created, updated = rng.choice(
            (("created_at", "updated_at"), ("created", "modified"), ("created_on", "updated_on"))
        )
        fields = [
            _FieldDraft(created, "DateTimeField", {"auto_now_add": True}),
            _FieldDraft(updated, "DateTimeField", {"auto_now": True}),
        ]
        if rng.random() < 0.3:
            fields.append(_FieldDraft("is_deleted", "BooleanField", {"default": False}))
        base = _ModelDraft(
            app=app,
            name=name,
            note=ModelNote("abstract", "abstract base"),
            fields=fields,
            kind=ModelKind.ABSTRACT,
            docstring=rng.choice((None, "Creation and modification times.")),
        )
        self.drafts.append(base)
        return base

    def _inherit(self, base: _ModelDraft) -> None:
        rng = self.rng
        names = {f.name for f in base.fields}
        for draft in self.drafts:
            if (
                not draft.first_party
                or draft.kind != ModelKind.CONCRETE
                or draft.style == "legacy"
                or rng.random() >= 0.55
            ):
                continue
            draft.abstract_bases = (base.label,)
            draft.fields = [
                f
                for f in draft.fields
                if f.name not in names and not (f.cls == "ForeignKey" and f"{f.name}_id" in names)
            ]
            draft.fields = [
                _FieldDraft(f.name, f.cls, dict(f.kwargs)) for f in base.fields
            ] + draft.fields

    def _add_proxy(self) -> None:
        rng = self.rng
        candidates = [
            d
            for d in self.drafts
            if d.first_party
            and d.kind in (ModelKind.CONCRETE, ModelKind.UNMANAGED)
            and not any(f.cls == "GenericForeignKey" for f in d.fields)
        ]
        members = [d for d in candidates if d.group is not None]
        pool = members if members and rng.random() < 0.6 else candidates
        concrete = rng.choice(pool)
        for _ in range(10):
            name = rng.choice(_PROXY_ADJECTIVES) + concrete.name
            app = concrete.app if rng.random() < 0.7 else rng.choice(self.apps)
            if self._claim(app, name):
                break
        else:
            return
        self.drafts.append(
            _ModelDraft(
                app=app,
                name=name,
                note=ModelNote("proxy", concrete.note.entity),
                kind=ModelKind.PROXY,
                proxy_of=concrete,
                abstract_bases=concrete.abstract_bases,
            )
        )

    # -- relations -----------------------------------------------------------

    def _resolve(self) -> None:
        rng = self.rng
        for draft in self.drafts:
            kept: list[_FieldDraft] = []
            for f in draft.fields:
                if f.role is not None and f.target is None:
                    options = [d for d in self.roles.get(f.role, []) if d is not draft]
                    if not options:
                        continue
                    weights = [(d, 2.0 if d is self.auth_user else 1.0) for d in options]
                    f.target = _weighted(rng, weights).label
                kept.append(f)
            draft.fields = kept

    # -- graph ---------------------------------------------------------------

    def _pk(self, app: str) -> FieldNode:
        return self._node(_FieldDraft("id", self.app_pk[app], {}), pk=True)

    @staticmethod
    def _node(draft: _FieldDraft, pk: bool = False, inherited_from: str | None = None) -> FieldNode:
        if draft.cls == "GenericForeignKey":
            return FieldNode(
                name=draft.name,
                attname=draft.name,
                column=None,
                internal_type="GenericForeignKey",
                null=True,
                blank=True,
                unique=False,
                db_index=False,
                primary_key=False,
                max_length=None,
                default=None,
                related_model=None,
            )
        kwargs = dict(draft.kwargs)
        if draft.column:
            kwargs["db_column"] = draft.column
        if pk:
            kwargs.update(verbose_name="ID", primary_key=True, auto_created=True)
        field_class = getattr(models, draft.cls)
        django_field: models.Field[Any, Any]
        if draft.cls in ("ForeignKey", "OneToOneField"):
            django_field = field_class(
                draft.target, on_delete=getattr(models, draft.on_delete), **kwargs
            )
        elif draft.cls == "ManyToManyField":
            django_field = field_class(draft.target, **kwargs)
        else:
            django_field = field_class(**kwargs)
        django_field.set_attributes_from_name(draft.name)
        return FieldNode(
            name=django_field.name,
            attname=django_field.attname,
            column=None if django_field.many_to_many else django_field.column,
            internal_type=django_field.get_internal_type(),
            null=django_field.null,
            blank=django_field.blank,
            unique=django_field.unique,
            db_index=bool(getattr(django_field, "db_index", False)),
            primary_key=django_field.primary_key,
            max_length=django_field.max_length,
            default=_default_repr(django_field.default),
            related_model=draft.target,
            inherited_from=inherited_from,
            has_choices=bool(django_field.choices),
        )

    def _finish(self) -> LabeledProject:
        nodes: list[ModelNode] = []
        relations: list[RelationEdge] = []
        notes: dict[str, ModelNote] = {}
        concrete_fields: dict[str, tuple[FieldNode, ...]] = {}
        for draft in self.drafts:
            if draft.kind in (ModelKind.PROXY, ModelKind.ABSTRACT):
                continue
            fields = [self._pk(draft.app)] + [self._node(f) for f in draft.fields]
            concrete_fields[draft.label] = tuple(fields)
        for draft in self.drafts:
            notes[draft.label] = draft.note
            if draft.kind == ModelKind.ABSTRACT:
                fields_t = tuple(self._node(f) for f in draft.fields)
            elif draft.kind == ModelKind.PROXY:
                assert draft.proxy_of is not None
                parent = draft.proxy_of.label
                fields_t = tuple(replace(f, inherited_from=parent) for f in concrete_fields[parent])
            else:
                fields_t = concrete_fields[draft.label]
            nodes.append(
                ModelNode(
                    label=draft.label,
                    app_label=draft.app,
                    object_name=draft.name,
                    kind=draft.kind,
                    db_table=draft.table,
                    fields=fields_t,
                    parents=(draft.proxy_of.label,) if draft.proxy_of else (),
                    abstract_bases=draft.abstract_bases,
                    docstring=draft.docstring,
                    first_party=draft.first_party,
                )
            )
            if draft.kind in (ModelKind.PROXY, ModelKind.ABSTRACT):
                continue
            for f in draft.fields:
                if f.cls in ("ForeignKey", "OneToOneField"):
                    relations.append(
                        RelationEdge(
                            kind=RelationKind.FOREIGN_KEY
                            if f.cls == "ForeignKey"
                            else RelationKind.ONE_TO_ONE,
                            source=draft.label,
                            field=f.name,
                            target=f.target,
                            null=bool(f.kwargs.get("null")),
                            on_delete=f.on_delete,
                        )
                    )
                elif f.cls == "ManyToManyField":
                    assert f.target is not None
                    through, edges = self._through(draft, f)
                    nodes.append(through)
                    notes[through.label] = ModelNote("auto-created", "through table")
                    relations.append(
                        RelationEdge(
                            kind=RelationKind.MANY_TO_MANY,
                            source=draft.label,
                            field=f.name,
                            target=f.target,
                            null=True,
                            through=through.label,
                            auto_created_through=True,
                        )
                    )
                    relations.extend(edges)
                elif f.cls == "GenericForeignKey":
                    relations.append(
                        RelationEdge(
                            kind=RelationKind.GENERIC_FOREIGN_KEY,
                            source=draft.label,
                            field=f.name,
                            target=None,
                            null=True,
                        )
                    )
        nodes.sort(key=lambda n: n.label.lower())
        graph = ModelGraph(models=tuple(nodes), relations=tuple(relations))
        groups = [frozenset(d.label for d in members) for members in self.groups]
        return LabeledProject(
            seed=self.seed,
            graph=graph,
            groups=groups,
            group_kinds=list(self.group_kinds),
            notes=notes,
        )

    def _through(
        self, draft: _ModelDraft, m2m: _FieldDraft
    ) -> tuple[ModelNode, list[RelationEdge]]:
        assert m2m.target is not None
        source_name = draft.name.lower()
        target_name = m2m.target.split(".")[1].lower()
        if source_name == target_name:
            source_name, target_name = f"from_{source_name}", f"to_{target_name}"
        object_name = f"{draft.name}_{m2m.name}"
        label = f"{draft.app}.{object_name}"
        columns = [
            _FieldDraft(source_name, "ForeignKey", {}, target=draft.label),
            _FieldDraft(target_name, "ForeignKey", {}, target=m2m.target),
        ]
        node = ModelNode(
            label=label,
            app_label=draft.app,
            object_name=object_name,
            kind=ModelKind.AUTO_CREATED,
            db_table=f"{draft.table}_{m2m.name}",
            fields=(self._pk(draft.app), *(self._node(c) for c in columns)),
            first_party=draft.first_party,
        )
        edges = [
            RelationEdge(
                kind=RelationKind.FOREIGN_KEY,
                source=label,
                field=c.name,
                target=c.target,
                on_delete="CASCADE",
            )
            for c in columns
        ]
        return node, edges


def generate_project(
    seed: int,
    *,
    models: int | None = None,
    groups: int | None = None,
    auth: bool | None = None,
    apps: int | None = None,
) -> LabeledProject:
    """A labeled synthetic project; the same arguments always give the same project.

    ``models``: first-party models, proxies included (default: 15-60).
    ``groups``: duplicate groups to plant (default: 1-3, more for large projects).
    ``auth``: install ``django.contrib.auth`` and ``contenttypes`` (default: 60% of seeds).
    ``apps``: first-party apps (default: 3-8, more for large projects).
    """
    return _Generator(seed, models, groups, auth, apps).run()


def vocabulary_summary() -> dict[str, dict[str, int]]:
    """How many names the vocabulary has per planted kind (for reports)."""
    summary: dict[str, dict[str, int]] = {}
    for kind, entity in ENTITIES.items():
        summary[kind] = {
            "nouns": len(entity.nouns),
            "prefixes": len(entity.prefixes),
            "suffixes": len(entity.suffixes),
            "attributes": len(entity.attrs),
            "spellings": sum(len(a.spellings) for a in entity.attrs),
        }
    return summary


def describe(node: ModelNode) -> str:
    """``app.Model(field!, other, fk->app.Target)``: a model on one line, for reports."""
    parts = []
    for f in node.fields:
        if f.primary_key or f.inherited_from:
            continue
        text = f.name
        if f.related_model:
            text += f"->{f.related_model}"
        if f.unique:
            text += "!"
        parts.append(text)
    kind = "" if node.kind == ModelKind.CONCRETE else f" [{node.kind}]"
    return f"{node.label}{kind}({', '.join(parts)})"
