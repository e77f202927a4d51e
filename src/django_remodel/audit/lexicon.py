"""Words that schemas use for the same things.

Field names are reduced to *concepts* (``email_address`` and ``user_email`` are
both ``email``), model names to *entity kinds* (``CustomerUser`` and
``AccountUser`` both name a person). Each concept has a weight: how much two
models sharing it says about them storing the same entity. An email column is
strong evidence; a ``created_at`` column, which nearly every table has, is weak.
"""

from __future__ import annotations

# token -> concept
CONCEPT_TOKENS: dict[str, str] = {
    **dict.fromkeys(("email", "emails", "mail", "emailaddress", "mailaddress"), "email"),
    **dict.fromkeys(
        ("password", "passwd", "pwd", "pw", "pass", "passcode", "passphrase"), "password"
    ),
    **dict.fromkeys(
        (
            "name",
            "username",
            "fullname",
            "displayname",
            "nickname",
            "nick",
            "handle",
            "screenname",
            "login",
            "alias",
        ),
        "name",
    ),
    **dict.fromkeys(("firstname", "forename", "givenname"), "first_name"),
    **dict.fromkeys(("lastname", "surname", "familyname"), "last_name"),
    **dict.fromkeys(
        (
            "created",
            "creation",
            "registered",
            "registration",
            "signup",
            "signedup",
            "joined",
            "join",
            "inserted",
            "added",
            "enrolled",
            "onboarded",
        ),
        "created",
    ),
    **dict.fromkeys(("updated", "modified", "changed", "edited", "touched"), "updated"),
    **dict.fromkeys(
        ("phone", "mobile", "telephone", "tel", "cell", "cellphone", "msisdn"), "phone"
    ),
    **dict.fromkeys(("birth", "birthday", "dob", "born", "birthdate"), "birth_date"),
    **dict.fromkeys(("active", "enabled"), "active"),
    **dict.fromkeys(("staff", "superuser", "admin"), "staff"),
    **dict.fromkeys(("bio", "biography", "about", "aboutme"), "bio"),
    **dict.fromkeys(("avatar", "photo", "picture", "portrait", "headshot", "pic"), "avatar"),
    **dict.fromkeys(("website", "homepage", "site", "web"), "website"),
    **dict.fromkeys(("timezone", "tz"), "timezone"),
    **dict.fromkeys(("language", "locale", "lang"), "language"),
    **dict.fromkeys(("title", "headline", "heading"), "title"),
    **dict.fromkeys(("description", "desc", "summary", "details", "blurb"), "description"),
    **dict.fromkeys(("price", "cost", "amount", "total", "sum"), "amount"),
    **dict.fromkeys(("status", "state"), "status"),
    **dict.fromkeys(("slug",), "slug"),
    **dict.fromkeys(("sku", "upc", "ean", "barcode"), "sku"),
    **dict.fromkeys(("country",), "country"),
    **dict.fromkeys(("city", "town"), "city"),
    **dict.fromkeys(("postcode", "zip", "zipcode", "postal", "postalcode"), "postcode"),
}

# Multi-word spellings, matched on the joined tokens before single tokens.
COMPOUNDS: dict[tuple[str, ...], str] = {
    ("first", "name"): "first_name",
    ("given", "name"): "first_name",
    ("fore", "name"): "first_name",
    ("last", "name"): "last_name",
    ("family", "name"): "last_name",
    ("sur", "name"): "last_name",
    ("last", "login"): "last_login",
    ("last", "seen"): "last_login",
    ("last", "active"): "last_login",
    ("last", "visit"): "last_login",
    ("last", "sign", "in"): "last_login",
    ("last", "signin"): "last_login",
    ("date", "of", "birth"): "birth_date",
    ("sign", "up"): "created",
    ("signed", "up"): "created",
    ("e", "mail"): "email",
    ("user", "name"): "name",
    ("pass", "word"): "password",
    ("zip", "code"): "postcode",
    ("postal", "code"): "postcode",
    ("post", "code"): "postcode",
    ("web", "site"): "website",
    ("time", "zone"): "timezone",
}

# Tokens that say how a value is stored or when, not what it is.
FILLER_TOKENS = frozenset(
    {
        "is",
        "has",
        "the",
        "of",
        "at",
        "on",
        "in",
        "date",
        "time",
        "datetime",
        "timestamp",
        "ts",
        "dt",
        "when",
        "number",
        "num",
        "no",
        "nr",
        "address",
        "addr",
        "url",
        "uri",
        "link",
        "hash",
        "hashed",
        "encrypted",
        "enc",
        "digest",
        "crypt",
        "value",
        "text",
        "str",
        "field",
        "flag",
        "raw",
        "current",
    }
)

# Qualifiers that only repeat who owns the value: ``account_email`` is the email.
OWNER_TOKENS = frozenset(
    {
        "user",
        "account",
        "customer",
        "client",
        "member",
        "person",
        "profile",
        "app",
        "full",
        "display",
        "primary",
        "main",
        "contact",
        "public",
        "real",
        "legal",
        "my",
        "own",
        "login",
        "screen",
    }
)

# How much sharing a concept says about two models being the same entity.
CONCEPT_WEIGHTS: dict[str, float] = {
    "email": 3.0,
    "password": 3.0,
    "phone": 2.0,
    "birth_date": 2.0,
    "first_name": 1.5,
    "last_name": 1.5,
    "last_login": 1.5,
    "bio": 1.5,
    "avatar": 1.2,
    "sku": 2.5,
    "slug": 1.5,
    "name": 1.0,
    "website": 1.0,
    "title": 1.0,
    "postcode": 1.0,
    "city": 0.8,
    "country": 0.6,
    "amount": 0.8,
    "timezone": 0.8,
    "language": 0.6,
    "description": 0.6,
    "created": 0.6,
    "updated": 0.4,
    "status": 0.4,
    "staff": 0.6,
    "active": 0.3,
}
DEFAULT_CONCEPT_WEIGHT = 1.0

# Concepts whose values identify one entity when they are unique.
KEY_CONCEPTS = frozenset({"email", "phone", "sku", "slug", "name"})

# Words for the same kind of entity in model names.
ENTITY_TOKENS: dict[str, str] = {
    **dict.fromkeys(
        (
            "user",
            "users",
            "customer",
            "client",
            "member",
            "person",
            "people",
            "profile",
            "patient",
            "subscriber",
            "account",
            "contact",
            "identity",
            "login",
            "player",
            "student",
            "employee",
            "participant",
            "attendee",
            "buyer",
            "shopper",
            "visitor",
            "guest",
            "owner",
            "individual",
        ),
        "person",
    ),
    **dict.fromkeys(
        (
            "company",
            "organization",
            "organisation",
            "org",
            "business",
            "firm",
            "vendor",
            "supplier",
            "merchant",
            "tenant",
            "enterprise",
            "partner",
            "agency",
            "brand",
        ),
        "organization",
    ),
    **dict.fromkeys(
        ("product", "item", "good", "goods", "offering", "merchandise", "catalog", "catalogue"),
        "product",
    ),
    **dict.fromkeys(("order", "purchase", "sale", "checkout", "basket", "cart"), "order"),
    **dict.fromkeys(
        ("location", "place", "venue", "address", "area", "region", "site", "premises"),
        "place",
    ),
    **dict.fromkeys(
        ("document", "doc", "file", "attachment", "upload", "asset", "media"), "document"
    ),
    **dict.fromkeys(
        ("event", "meeting", "appointment", "booking", "reservation", "session", "visit"),
        "event",
    ),
    **dict.fromkeys(
        ("message", "msg", "notification", "note", "comment", "post", "reply", "chat"),
        "message",
    ),
    **dict.fromkeys(("invoice", "bill", "receipt", "payment", "charge", "transaction"), "money"),
    **dict.fromkeys(("server", "host", "machine", "node", "device", "instance"), "machine"),
    **dict.fromkeys(("category", "tag", "label", "topic", "genre"), "category"),
    **dict.fromkeys(("article", "story", "page", "entry", "blog"), "article"),
    **dict.fromkeys(("review", "rating", "feedback", "testimonial"), "review"),
}
