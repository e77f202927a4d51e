"""From model and field names to what they mean: tokens, concepts, entity kinds."""

from __future__ import annotations

import re
from functools import lru_cache

from django_remodel.audit.lexicon import (
    COMPOUNDS,
    CONCEPT_TOKENS,
    ENTITY_TOKENS,
    FILLER_TOKENS,
    GENERIC_CONCEPTS,
    OWNER_TOKENS,
)

_REFERENCE_WORDS = frozenset({"number", "num", "no", "nr", "id", "ref", "reference"})
_CHECKSUM_WORDS = frozenset({"hash", "digest", "crypt"})

_CONCEPTS = frozenset(CONCEPT_TOKENS.values())
# Words a run-together name (``starttime``, ``eventcode``) may be split into.
_VOCABULARY = frozenset(
    {
        *CONCEPT_TOKENS,
        *FILLER_TOKENS,
        *OWNER_TOKENS,
        *ENTITY_TOKENS,
        *(word for compound in COMPOUNDS for word in compound if len(word) > 1),
        "code",
        "id",
        "count",
        "type",
        "max",
        "min",
        "last",
        "first",
    }
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


@lru_cache(maxsize=8192)
def split_run_together(word: str) -> tuple[str, ...]:
    """``"starttime"`` -> ``("start", "time")`` when every piece is a known word."""
    if word in _VOCABULARY or len(word) < 6 or not word.isalpha():
        return (word,)
    # Fewest pieces of at least two letters, all known; the word itself when there is none.
    best: list[tuple[str, ...] | None] = [()] + [None] * len(word)
    for end in range(2, len(word) + 1):
        for start in range(max(0, end - 16), end - 1):
            previous = best[start]
            piece = word[start:end]
            if previous is not None and piece in _VOCABULARY:
                candidate = (*previous, piece)
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[-1] or (word,)


def field_words(name: str) -> tuple[str, ...]:
    """The words of a field name, run-together words split."""
    return tuple(piece for word in tokens(name) for piece in split_run_together(word))


def owner_prefix(field_names: list[str]) -> str | None:
    """A first word that most of a model's fields repeat (``usr_``, ``evt_``): an owner prefix."""
    firsts = [words[0] for name in field_names if len(words := field_words(name)) > 1]
    if len(field_names) < 3 or not firsts:
        return None
    word = max(sorted(set(firsts)), key=firsts.count)
    if firsts.count(word) * 2 < len(field_names) or word in CONCEPT_TOKENS:
        return None
    return None if word in FILLER_TOKENS else word


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
def field_concept(field_name: str, model_name: str = "", prefix: str | None = None) -> str:
    """What a field holds, in words shared across schemas.

    ``account_email`` on ``AccountUser`` and ``email_address`` on ``CustomerUser``
    both give ``"email"``; ``location_name`` on ``Server`` gives
    ``"location_name"``, because ``location`` says whose name it is.
    """
    words = list(field_words(field_name))
    if prefix is not None and len(words) > 1 and words[0] == prefix:
        words = words[1:]
    # A number after a word is part of it: ean13 is an EAN, line2 a second line.
    words = [
        w for i, w in enumerate(words) if not (w.isdigit() and i and words[i - 1] in CONCEPT_TOKENS)
    ]
    kinds = entity_kinds(model_name)
    words = _apply_compounds(words)
    if len(words) == 2 and words[1] in _REFERENCE_WORDS and words[0] in ENTITY_TOKENS:
        return "reference"  # order_id, ticket_no: the record's own number
    # Words of the model's own name, or of its kind of entity, only say whose value it is.
    own = set(tokens(model_name)) | {w for w in words if ENTITY_TOKENS.get(singular(w)) in kinds}
    concepts = [CONCEPT_TOKENS.get(word, word) for word in words]
    meaningful = [
        concept
        for word, concept in zip(words, concepts, strict=True)
        if word not in FILLER_TOKENS and word not in OWNER_TOKENS and word not in own
    ]
    if not meaningful:
        # Nothing but fillers and owner words ("user", "date"): the last word is the concept;
        # a bare number or id of a record is its reference.
        last = concepts[-1] if concepts else field_name.lower()
        if last in _REFERENCE_WORDS:
            return "reference"
        return "checksum" if last in _CHECKSUM_WORDS else last
    known = [concept for concept in meaningful if concept in _CONCEPTS]
    unknown = [concept for concept in meaningful if concept not in _CONCEPTS]
    if known and not unknown:
        # "city_name" is a city: a specific concept says more than a generic one.
        specific = [concept for concept in known if concept not in GENERIC_CONCEPTS]
        return (specific or known)[-1]
    return "_".join(meaningful)


@lru_cache(maxsize=4096)
def entity_kinds(model_name: str) -> frozenset[str]:
    """The kinds of entity a model's name speaks of (``"CustomerUser"`` -> ``{"person"}``)."""
    words = [singular(piece) for word in tokens(model_name) for piece in split_run_together(word)]
    return frozenset(ENTITY_TOKENS[word] for word in words if word in ENTITY_TOKENS)


def singular(word: str) -> str:
    """``"orders"`` -> ``"order"`` when the singular is a known entity word."""
    if word.endswith("s") and word not in ENTITY_TOKENS and word[:-1] in ENTITY_TOKENS:
        return word[:-1]
    return word
