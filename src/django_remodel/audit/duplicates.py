"""Find groups of models that store the same entity, and map their fields.

Each pair of candidate models is scored on four kinds of evidence: how much of
the smaller model's fields find a counterpart with the same meaning and type
(weighted: a shared email says more than a shared ``created_at``), whether a
matched field is a unique key, whether the model names speak of the same kind
of entity, and, when the database is at hand, how many key values the two
tables share. Pairs are then grouped by average linkage, so one loose pair
cannot chain two unrelated groups together.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django_remodel.audit.lexicon import (
    CONCEPT_WEIGHTS,
    DEFAULT_CONCEPT_WEIGHT,
    ENTITY_TOKENS,
    GENERIC_CONCEPTS,
    KEY_CONCEPTS,
)
from django_remodel.audit.names import (
    entity_kinds,
    field_concept,
    owner_prefix,
    split_run_together,
    tokens,
    type_family,
)
from django_remodel.audit.result import DuplicateGroup, Evidence, FieldMatch, KeyOverlap
from django_remodel.graph import ModelGraph, ModelKind, ModelNode, RelationKind

# A pair (or group) scoring at least this is reported as duplicates. This and the shares
# below were chosen on the labeled synthetic projects' tuning seeds (tests/schemas) and
# checked on held-out seeds; see ``python -m tests.schemas.evaluate``.
DEFAULT_THRESHOLD = 0.46
_FIELDS_SHARE = 0.4
_KEY_SHARE = 0.15
# Names that neither agree nor disagree: the columns alone must carry the pair.
_NEUTRAL_NAMES = 0.85
# Concepts lighter than this do not make two models worth comparing on their own.
_BLOCKING_WEIGHT = 1.0
# Matched weight that counts as full evidence: an email and a name, say. Below it, a high
# coverage of two tiny models (a name and a created_at) says little.
_FULL_EVIDENCE_WEIGHT = 5.0

OverlapFunction = Callable[[str, str, str, str], KeyOverlap | None]
"""``(model, field, other_model, other_field) -> KeyOverlap``: key values shared, counted by
the database. Given by the caller so that this module does no I/O."""


@dataclass(frozen=True)
class FieldProfile:
    name: str
    concept: str
    family: str
    unique: bool
    weight: float


@dataclass(frozen=True)
class ModelProfile:
    label: str
    object_name: str
    fields: tuple[FieldProfile, ...]
    entities: frozenset[str]
    name_tokens: frozenset[str]
    referencing_apps: frozenset[str]
    related: frozenset[str]
    """Labels of the models this one points at or is pointed at by."""

    @property
    def total_weight(self) -> float:
        return sum(f.weight for f in self.fields)

    def by_concept(self) -> dict[str, list[FieldProfile]]:
        grouped: dict[str, list[FieldProfile]] = defaultdict(list)
        for profile in self.fields:
            grouped[profile.concept].append(profile)
        return grouped


@dataclass(frozen=True)
class PairScore:
    score: float
    matches: tuple[tuple[FieldProfile, FieldProfile], ...]
    evidence: tuple[Evidence, ...]
    overlap: KeyOverlap | None = None


def is_candidate(node: ModelNode, graph: ModelGraph) -> bool:
    """Models that own a table of their own and that the project can change."""
    if node.kind not in (ModelKind.CONCRETE, ModelKind.UNMANAGED):
        return False
    return node.first_party or node.label == graph.auth_user_model


def concept_weight(concept: str) -> float:
    """How telling a shared concept is; generic ones (a name, a created date) say little."""
    weight = CONCEPT_WEIGHTS.get(concept, DEFAULT_CONCEPT_WEIGHT)
    return weight * 0.5 if concept in GENERIC_CONCEPTS else weight


# Words in model names that say nothing about what the model stores.
# Words in model names that say where or how a table is used, not what it stores:
# ``PortalCustomer`` and ``BillingCustomer`` may well be one customer.
_CONTEXT_NAME_WORDS = frozenset(
    {"app", "portal", "crm", "erp", "billing", "shipping", "mailing", "postal", "web", "mobile"}
    | {"online", "offline", "shop", "store", "internal", "external", "public", "private"}
    | {"local", "global", "home", "work", "default", "primary", "secondary", "temp", "tmp"}
    | {"archive", "archived", "backup", "sync", "synced", "cached", "staging", "wp", "site"}
    | {"community", "customer", "account", "user", "member", "client", "street", "saved"}
    | {"registered", "verified", "active", "current", "simple", "basic", "full", "extended"}
)
_NOISE_NAME_WORDS = frozenset(
    {"tbl", "t", "old", "new", "legacy", "v", "master", "record", "records", "info", "data"}
    | {"imported", "import", "app", "my", "base", "main", "core", "the", "entry", "item"}
)


def profile_model(node: ModelNode, graph: ModelGraph) -> ModelProfile:
    columns = [f for f in node.concrete_fields if not f.primary_key and f.related_model is None]
    prefix = owner_prefix([f.name for f in columns])
    fields = tuple(
        FieldProfile(
            name=f.name,
            concept=(concept := field_concept(f.name, node.object_name, prefix)),
            family=type_family(f.internal_type),
            unique=f.unique,
            weight=concept_weight(concept),
        )
        for f in columns
    )
    referencing = frozenset(
        graph.model(edge.source).app_label
        for edge in graph.incoming(node.label)
        if edge.kind != RelationKind.PARENT_LINK and edge.source != node.label
    )
    related = frozenset(
        {e.target for e in graph.outgoing(node.label) if e.target}
        | {e.source for e in graph.incoming(node.label)}
    )
    words = {piece for word in tokens(node.object_name) for piece in split_run_together(word)}
    return ModelProfile(
        label=node.label,
        object_name=node.object_name,
        fields=fields,
        entities=entity_kinds(node.object_name),
        name_tokens=frozenset(words - _NOISE_NAME_WORDS),
        referencing_apps=referencing,
        related=related,
    )


def match_fields(a: ModelProfile, b: ModelProfile) -> tuple[tuple[FieldProfile, FieldProfile], ...]:
    """Pairs of fields with the same concept and type family, each field used once."""
    b_fields = b.by_concept()
    used: set[str] = set()
    matches = []
    for field_a in sorted(a.fields, key=lambda f: -f.weight):
        for field_b in b_fields.get(field_a.concept, ()):
            if field_b.name not in used and field_b.family == field_a.family:
                used.add(field_b.name)
                matches.append((field_a, field_b))
                break
    return tuple(matches)


def _names_evidence(a: ModelProfile, b: ModelProfile) -> tuple[float, Evidence]:
    names_share = 1 - _FIELDS_SHARE - _KEY_SHARE
    if a.entities & b.entities:
        kinds = ", ".join(sorted(a.entities & b.entities))
        detail = f"{a.label} and {b.label} both name a {kinds}"
        return 1.0, Evidence("model names", detail, round(names_share, 3))
    if a.entities and b.entities:
        detail = (
            f"{a.label} names a {'/'.join(sorted(a.entities))}, "
            f"{b.label} a {'/'.join(sorted(b.entities))}"
        )
        return 0.0, Evidence("model names", detail, -0.5)
    shared = a.name_tokens & b.name_tokens
    if shared:
        detail = f"both names contain {', '.join(repr(w) for w in sorted(shared))}"
        return 0.5, Evidence("model names", detail, round(0.5 * names_share, 3))
    return 0.0, Evidence("model names", "the names say nothing either way", 0.0)


def _siblings(a: ModelProfile, b: ModelProfile) -> bool:
    """Same head noun, and each name qualifies it by a different subject of its own."""
    words_a, words_b = _name_words(a.object_name), _name_words(b.object_name)
    if not words_a or not words_b or words_a[-1] != words_b[-1]:
        return False
    qualifiers_a = set(words_a[:-1]) - _CONTEXT_NAME_WORDS - ENTITY_TOKENS.keys()
    qualifiers_b = set(words_b[:-1]) - _CONTEXT_NAME_WORDS - ENTITY_TOKENS.keys()
    return bool(qualifiers_a and qualifiers_b and not qualifiers_a & qualifiers_b)


def _name_words(object_name: str) -> list[str]:
    words = [piece for word in tokens(object_name) for piece in split_run_together(word)]
    return [w for w in words if w not in _NOISE_NAME_WORDS and not w.isdigit()]


def _identity(
    matches: Sequence[tuple[FieldProfile, FieldProfile]],
) -> tuple[float, tuple[FieldProfile, FieldProfile] | None]:
    best, best_pair = 0.0, None
    for field_a, field_b in matches:
        both, either = field_a.unique and field_b.unique, field_a.unique or field_b.unique
        if both or (either and field_a.concept in KEY_CONCEPTS):
            value = 1.0 if both else 0.6
            if field_a.concept in GENERIC_CONCEPTS:
                value *= 0.4  # every named thing has a unique name: a weak sign of sameness
        elif field_a.weight >= 3.0:
            value = 0.4
        else:
            continue
        if value > best:
            best, best_pair = value, (field_a, field_b)
    return best, best_pair


def score_pair(
    a: ModelProfile, b: ModelProfile, overlap: OverlapFunction | None = None
) -> PairScore:
    """How likely ``a`` and ``b`` store the same entity, with the reasons."""
    matches = match_fields(a, b)
    matched_weight = sum(fa.weight for fa, _ in matches)
    specific_weight = sum(fa.weight for fa, _ in matches if fa.concept not in GENERIC_CONCEPTS)
    # Both models must be largely covered: a model that matches a few columns of a much
    # wider one (a newsletter subscription and a user: an email) is related, not the same.
    coverage = math.sqrt(
        min(1.0, matched_weight / a.total_weight if a.total_weight else 0.0)
        * min(1.0, matched_weight / b.total_weight if b.total_weight else 0.0)
    )
    strength = min(1.0, specific_weight / _FULL_EVIDENCE_WEIGHT)
    identity, key_pair = _identity(matches)
    name_value, name_evidence = _names_evidence(a, b)
    fields_part = _FIELDS_SHARE * coverage * strength
    score = fields_part + _KEY_SHARE * identity + (1 - _FIELDS_SHARE - _KEY_SHARE) * name_value
    if len(matches) < 2:
        score *= 0.5
    if name_evidence.weight < 0:
        # Names that speak of different kinds of things (a company, a person) outweigh
        # shared columns: both kinds of thing have emails and phone numbers.
        score *= 0.5
    elif name_value == 0.0:
        score *= _NEUTRAL_NAMES
    if b.label in a.related:
        # One points at the other: a line of an order, a revision of an article, a profile.
        score *= 0.6
    if _siblings(a, b):
        # FraudAlert and InsuranceAlert: one shape for two subjects, not one subject twice.
        score *= 0.6
    evidence = [
        Evidence(
            "fields",
            f"{len(matches)} fields correspond ("
            + ", ".join(
                fa.name if fa.name == fb.name else f"{fa.name} ~ {fb.name}" for fa, fb in matches
            )
            + f"), covering {coverage:.0%} of both models by weight",
            round(fields_part, 3),
        ),
        name_evidence,
    ]
    if key_pair is not None:
        fa, fb = key_pair
        uniqueness = (
            "unique in both"
            if fa.unique and fb.unique
            else "unique in one"
            if fa.unique or fb.unique
            else "unique in neither"
        )
        evidence.append(
            Evidence(
                "unique key",
                f"{a.label}.{fa.name} ~ {b.label}.{fb.name} ({fa.concept}), {uniqueness}",
                round(_KEY_SHARE * identity, 3),
            )
        )
    shared_apps = a.referencing_apps & b.referencing_apps
    if shared_apps:
        score += 0.05
        evidence.append(
            Evidence(
                "inbound relations",
                f"both are referenced from {', '.join(repr(app) for app in sorted(shared_apps))}",
                0.05,
            )
        )
    measured = None
    if overlap is not None and key_pair is not None:
        measured = overlap(a.label, key_pair[0].name, b.label, key_pair[1].name)
        if measured is not None and measured.distinct:
            if measured.shared:
                bonus = 0.2 * min(1.0, measured.share * 2)
                score += bonus
                evidence.append(
                    Evidence(
                        "key overlap",
                        f"{measured.share:.0%} of {a.label}.{key_pair[0].name} values "
                        f"({measured.shared} of {measured.distinct}) are in "
                        f"{b.label}.{key_pair[1].name}",
                        round(bonus, 3),
                    )
                )
            else:
                score -= 0.1
                evidence.append(
                    Evidence(
                        "key overlap",
                        f"none of {measured.distinct} {a.label}.{key_pair[0].name} values "
                        f"is in {b.label}.{key_pair[1].name}",
                        -0.1,
                    )
                )
    return PairScore(
        score=max(0.0, min(1.0, score)),
        matches=matches,
        evidence=tuple(evidence),
        overlap=measured,
    )


def _candidate_pairs(profiles: Sequence[ModelProfile]) -> set[tuple[int, int]]:
    """Pairs sharing at least one telling concept: the others cannot score high enough."""
    by_concept: dict[str, list[int]] = defaultdict(list)
    for index, profile in enumerate(profiles):
        for concept in {
            f.concept
            for f in profile.fields
            if f.weight >= _BLOCKING_WEIGHT and f.concept not in GENERIC_CONCEPTS
        }:
            by_concept[concept].append(index)
        for kind in profile.entities:
            by_concept[f"entity:{kind}"].append(index)
    pairs: set[tuple[int, int]] = set()
    for members in by_concept.values():
        pairs.update(itertools.combinations(members, 2))
    return pairs


def _average_linkage(
    size: int, scores: dict[tuple[int, int], float], threshold: float
) -> list[list[int]]:
    # A model whose every pair scores below the threshold can never join a cluster.
    clusters: list[list[int]] = [
        [i]
        for i in sorted({i for pair, value in scores.items() if value >= threshold for i in pair})
    ]

    def linkage(x: list[int], y: list[int]) -> float:
        total = sum(scores.get((min(i, j), max(i, j)), 0.0) for i in x for j in y)
        return total / (len(x) * len(y))

    while True:
        best, best_pair = threshold, None
        for (ix, x), (iy, y) in itertools.combinations(enumerate(clusters), 2):
            value = linkage(x, y)
            if value >= best:
                best, best_pair = value, (ix, iy)
        if best_pair is None:
            return [cluster for cluster in clusters if len(cluster) > 1]
        ix, iy = best_pair
        clusters[ix] = clusters[ix] + clusters[iy]
        del clusters[iy]


def find_duplicate_groups(
    graph: ModelGraph,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    overlap: OverlapFunction | None = None,
    labels: Iterable[str] | None = None,
) -> list[DuplicateGroup]:
    """Groups of models that store the same entity, most confident first."""
    wanted = {label.lower() for label in labels} if labels is not None else None
    nodes = [
        node
        for node in graph
        if is_candidate(node, graph) and (wanted is None or node.label.lower() in wanted)
    ]
    profiles = [profile_model(node, graph) for node in nodes]
    pair_scores: dict[tuple[int, int], PairScore] = {}
    for i, j in sorted(_candidate_pairs(profiles)):
        quick = score_pair(profiles[i], profiles[j])
        # The database is asked only about pairs the schema already makes plausible.
        if overlap is not None and quick.score >= threshold - 0.2:
            quick = score_pair(profiles[i], profiles[j], overlap)
        if quick.score > 0:
            pair_scores[(i, j)] = quick
    clusters = _average_linkage(
        len(profiles), {pair: s.score for pair, s in pair_scores.items()}, threshold
    )
    groups = [
        _group(graph, [profiles[i] for i in sorted(cluster)], cluster, pair_scores)
        for cluster in clusters
    ]
    return sorted(groups, key=lambda g: (-g.confidence, g.canonical))


def _group(
    graph: ModelGraph,
    members: list[ModelProfile],
    cluster: list[int],
    pair_scores: dict[tuple[int, int], PairScore],
) -> DuplicateGroup:
    canonical = _canonical(graph, members)
    ordered = [
        canonical,
        *sorted((m for m in members if m.label != canonical.label), key=lambda m: m.label),
    ]
    mapping = field_mapping(ordered)
    pairs = [
        pair_scores[(min(i, j), max(i, j))]
        for i, j in itertools.combinations(cluster, 2)
        if (min(i, j), max(i, j)) in pair_scores
    ]
    confidence = sum(p.score for p in pairs) / (len(cluster) * (len(cluster) - 1) / 2)
    evidence = _group_evidence(ordered, mapping, pairs)
    key = _key_concept(ordered, mapping)
    return DuplicateGroup(
        models=tuple(m.label for m in ordered),
        canonical=canonical.label,
        key=key,
        mapping=mapping,
        evidence=evidence,
        confidence=round(confidence, 3),
        commands=_commands(graph, ordered, mapping, key),
        overlaps=tuple(p.overlap for p in pairs if p.overlap is not None),
    )


def _canonical(graph: ModelGraph, members: list[ModelProfile]) -> ModelProfile:
    """The user model if it is a member; else the most referenced, then the widest model."""
    for member in members:
        if member.label == graph.auth_user_model:
            return member
    return max(
        members,
        key=lambda m: (len(graph.incoming(m.label)), len(m.fields), [-ord(c) for c in m.label]),
    )


def field_mapping(members: Sequence[ModelProfile]) -> tuple[FieldMatch, ...]:
    """One row per concept: the field of each member holding it, shared concepts first."""
    rows: dict[tuple[str, str], dict[str, FieldProfile]] = defaultdict(dict)
    for member in members:
        for profile in member.fields:
            # Keyed by type family too: a date and a flag that share a word are not one field.
            rows[(profile.concept, profile.family)].setdefault(member.label, profile)
    families: dict[str, int] = defaultdict(int)
    for concept, _family in rows:
        families[concept] += 1
    matches = [
        FieldMatch(
            concept=concept if families[concept] == 1 else f"{concept} ({family})",
            fields=tuple((m.label, row[m.label].name if m.label in row else None) for m in members),
        )
        for (concept, family), row in rows.items()
    ]
    weight = {
        m.concept: max(p.weight for p in row.values())
        for m, row in zip(matches, rows.values(), strict=True)
    }
    return tuple(
        sorted(
            matches,
            key=lambda r: (
                -sum(1 for _, name in r.fields if name is not None),
                -weight[r.concept],
                r.concept,
            ),
        )
    )


def _key_concept(members: list[ModelProfile], mapping: tuple[FieldMatch, ...]) -> str | None:
    unique = {(m.label, f.name) for m in members for f in m.fields if f.unique}
    best: tuple[int, float, str] | None = None
    for row in mapping:
        present = [(label, name) for label, name in row.fields if name is not None]
        if len(present) < 2 or row.concept not in KEY_CONCEPTS:
            continue
        if not any(item in unique for item in present):
            continue
        rank = (len(present), CONCEPT_WEIGHTS.get(row.concept, DEFAULT_CONCEPT_WEIGHT), row.concept)
        if best is None or rank > best:
            best = rank
    return best[2] if best else None


def _group_evidence(
    members: list[ModelProfile], mapping: tuple[FieldMatch, ...], pairs: list[PairScore]
) -> tuple[Evidence, ...]:
    """The pairs' evidence summed up per kind; each weight is the mean over the pairs."""

    def mean_weight(kind: str) -> float:
        weights = [e.weight for p in pairs for e in p.evidence if e.kind == kind]
        return round(sum(weights) / len(pairs), 3) if pairs else 0.0

    shared_rows = [r for r in mapping if sum(1 for _, n in r.fields if n is not None) > 1]
    evidence = [
        Evidence(
            "fields",
            f"{len(shared_rows)} concepts are held by more than one member: "
            + ", ".join(r.concept for r in shared_rows),
            mean_weight("fields"),
        )
    ]
    entities = [m.entities for m in members]
    common = frozenset.intersection(*entities) if all(entities) else frozenset()
    evidence.append(
        Evidence(
            "model names",
            f"every name speaks of a {'/'.join(sorted(common))}"
            if common
            else "the names do not all speak of the same kind of thing",
            mean_weight("model names"),
        )
    )
    key_row = max(
        (r for r in shared_rows if r.concept in KEY_CONCEPTS),
        key=lambda r: CONCEPT_WEIGHTS.get(r.concept, DEFAULT_CONCEPT_WEIGHT),
        default=None,
    )
    if key_row is not None:
        unique = {(m.label, f.name) for m in members for f in m.fields if f.unique}
        held = [(label, name) for label, name in key_row.fields if name is not None]
        unique_in = [f"{label}.{name}" for label, name in held if (label, name) in unique]
        not_unique = [f"{label}.{name}" for label, name in held if (label, name) not in unique]
        evidence.append(
            Evidence(
                "unique key",
                f"{key_row.concept} is unique in {', '.join(unique_in) or 'no member'}"
                + (f"; not in {', '.join(not_unique)}" if not_unique else ""),
                mean_weight("unique key"),
            )
        )
    referencing: dict[str, int] = defaultdict(int)
    for member in members:
        for app in member.referencing_apps:
            referencing[app] += 1
    shared_apps = sorted(app for app, count in referencing.items() if count > 1)
    if shared_apps:
        evidence.append(
            Evidence(
                "inbound relations",
                "apps referencing more than one member: "
                + ", ".join(repr(app) for app in shared_apps),
                mean_weight("inbound relations"),
            )
        )
    evidence.extend(e for p in pairs for e in p.evidence if e.kind == "key overlap")
    return tuple(evidence)


def _commands(
    graph: ModelGraph,
    members: list[ModelProfile],
    mapping: tuple[FieldMatch, ...],
    key: str | None,
) -> tuple[str, ...]:
    canonical = members[0]
    key_row = next((r for r in mapping if r.concept == key), None)
    key_field = (key_row.field_of(canonical.label) if key_row else None) or key
    key_option = f" --key {key_field}" if key_field else ""
    canonical_node = graph.model(canonical.label)
    sources = [m.label for m in members[1:]]
    if canonical_node.first_party:
        return (
            f"python manage.py remodel merge {' '.join(sources)} "
            f"--into {canonical.label}{key_option}",
        )
    # The user model of a package (auth.User) cannot take new fields: take it over first.
    app_label = _custom_user_app(graph, members)
    target = f"{app_label}.{canonical_node.object_name}"
    return (
        f"python manage.py remodel swap-user {app_label}"
        + (
            f" --model-name {canonical_node.object_name}"
            if canonical_node.object_name != "User"
            else ""
        ),
        f"python manage.py remodel merge {' '.join(sources)} --into {target}{key_option}",
    )


def _custom_user_app(graph: ModelGraph, members: list[ModelProfile]) -> str:
    """Where a custom user model would live: beside a profile of the user, if there is one."""
    for edge in graph.incoming(members[0].label):
        source = graph.model(edge.source)
        if edge.kind == RelationKind.ONE_TO_ONE and source.first_party:
            return source.app_label
    counts: dict[str, int] = defaultdict(int)
    for member in members[1:]:
        counts[graph.model(member.label).app_label] += 1
    return max(sorted(counts), key=lambda app: counts[app]) if counts else "accounts"
