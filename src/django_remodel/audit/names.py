"""From model and field names to what they mean: tokens, concepts, entity kinds."""

from __future__ import annotations

import re
from functools import lru_cache

from django_remodel.audit.lexicon import (
    COMPOUNDS,
    CONCEPT_TOKENS,
    ENTITY_TOKENS,
    FILLER_TOKENS,
    OWNER_TOKENS,
)

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")

# Field types grouped by what a value of them can hold.
TYPE_FAMILIES: dict[str, str] = {
    **dict.fromkeys(
        (
            "CharField",
            "EmailField",
            "TextField",
            "SlugField",
            "URLField",
            "FilePathField",
            "FileField",
            "ImageField",
            "GenericIPAddressField",
            "IPAddressField",
            "CICharField",
            "CIEmailField",
            "CITextField",
        ),
        "text",
    ),
    **dict.fromkeys(("DateTimeField", "DateField"), "time"),
    **dict.fromkeys(
        (
            "IntegerField",
            "BigIntegerField",
            "SmallIntegerField",
            "PositiveIntegerField",
            "PositiveBigIntegerField",
            "PositiveSmallIntegerField",
        ),
        "integer",
    ),
    **dict.fromkeys(("DecimalField", "FloatField"), "number"),
    **dict.fromkeys(("BooleanField", "NullBooleanField"), "boolean"),
    "TimeField": "clock",
    "DurationField": "duration",
    "UUIDField": "uuid",
    "JSONField": "json",
    "BinaryField": "binary",
}


def type_family(internal_type: str) -> str:
    """The family of a field's internal type; unknown types are their own family."""
    return TYPE_FAMILIES.get(internal_type, internal_type)


@lru_cache(maxsize=4096)
def tokens(name: str) -> tuple[str, ...]:
    """Lower-case words of a name: ``"AccountUser"`` -> ``("account", "user")``."""
    return tuple(word.lower() for part in re.split(r"[_\W]+", name) for word in _WORD.findall(part))


def _apply_compounds(words: list[str]) -> list[str]:
    """Join multi-word spellings (``first name``, ``sign up``) into their concept."""
    result: list[str] = []
    index = 0
    while index < len(words):
        for length in (3, 2):
            chunk = tuple(words[index : index + length])
            if len(chunk) == length and chunk in COMPOUNDS:
                result.append(COMPOUNDS[chunk])
                index += length
                break
        else:
            result.append(words[index])
            index += 1
    return result


@lru_cache(maxsize=8192)
def field_concept(field_name: str, model_name: str = "") -> str:
    """What a field holds, in words shared across schemas.

    ``account_email`` on ``AccountUser`` and ``email_address`` on ``CustomerUser``
    both give ``"email"``; ``location_name`` on ``Server`` gives
    ``"location_name"``, because ``location`` says whose name it is.
    """
    words = _apply_compounds(list(tokens(field_name)))
    own = set(tokens(model_name))
    concepts = [CONCEPT_TOKENS.get(word, word) for word in words]
    meaningful = [
        concept
        for word, concept in zip(words, concepts, strict=True)
        if word not in FILLER_TOKENS and word not in OWNER_TOKENS and word not in own
    ]
    if not meaningful:
        # Nothing but fillers and owner words ("user", "date"): the last word is the concept.
        return concepts[-1] if concepts else field_name.lower()
    known = [concept for concept in meaningful if concept in set(CONCEPT_TOKENS.values())]
    unknown = [concept for concept in meaningful if concept not in set(CONCEPT_TOKENS.values())]
    if known and not unknown:
        return known[-1]
    return "_".join(meaningful)


@lru_cache(maxsize=4096)
def entity_kinds(model_name: str) -> frozenset[str]:
    """The kinds of entity a model's name speaks of (``"CustomerUser"`` -> ``{"person"}``)."""
    return frozenset(ENTITY_TOKENS[word] for word in tokens(model_name) if word in ENTITY_TOKENS)
