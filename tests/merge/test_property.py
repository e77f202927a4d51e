"""MergeRows, RepointReferences and MergeLinks against a model of the merge in Python.

Hypothesis draws 2-4 duplicated sources whose keys come from a small alphabet
(in any case, with spaces around them, some missing, some repeated inside one
source), values of every kind (NULL and empty strings too), a policy per field,
a target that already holds rows, foreign keys to each source and a
many-to-many to the first. The operations run on the database REMODEL_DB
selects; the target rows, the values their policies chose and every reference
are compared with what :func:`expected_merge` computes, then the operations run
backwards and the target is back to its own rows.

Each target row records where it comes from in ``origin``, a field every source
maps with the ``first`` policy: the tag of the row that leads its group (the
target's own row keeps its own tag). That is how rows created by the merge are
told apart, those without a key included.

The tables are created once per test function; each example deletes the rows
of the one before.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps as global_apps
from django.db import connection, migrations, models
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_remodel.operations import CreateMergeMap, MergeLinks, MergeRows, RepointReferences

pytestmark = pytest.mark.django_db(transaction=True)

APP = "mergeprop"
ID_MAP = "mergeprop_person_merge_ids"
SOURCE_NAMES = ("Alpha", "Beta", "Gamma", "Delta")
VALUE_FIELDS = ("v1", "v2", "v3", "n")
"""Target fields filled from the sources besides the key: three strings, an integer."""
POLICIES = ("first", "coalesce", "newest")
TIMES = [
    datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC),
    datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
]
CLUBS = (1, 2, 3)
OUT_OF_ORDER = True
"""Whether the source rows are written in the order drawn rather than by key (the merge
must take them by key all the same; PostgreSQL scans them in the order written)."""


def _id() -> models.AutoField[Any, Any]:
    return models.AutoField(primary_key=True)


def _row_fields() -> list[tuple[str, models.Field[Any, Any]]]:
    return [
        ("key", models.CharField(max_length=40, null=True)),
        ("tag", models.CharField(max_length=20, null=True)),
        ("v1", models.CharField(max_length=20, null=True)),
        ("v2", models.CharField(max_length=20, null=True)),
        ("v3", models.TextField(null=True)),
        ("n", models.IntegerField(null=True)),
    ]


def _references() -> list[tuple[str, models.Field[Any, Any]]]:
    found: list[tuple[str, models.Field[Any, Any]]] = [("id", _id())]
    for name in SOURCE_NAMES:
        lower = name.lower()
        found.append(
            (lower, models.ForeignKey(f"{APP}.{name}", models.CASCADE, null=True, related_name="+"))
        )
        found.append(
            (
                f"{lower}_new",
                models.ForeignKey(f"{APP}.Person", models.CASCADE, null=True, related_name="+"),
            )
        )
    return found


SCHEMA: list[migrations.CreateModel] = [
    migrations.CreateModel(
        "Person",
        [
            ("id", _id()),
            *[(name, field) for name, field in _row_fields() if name != "tag"],
            ("origin", models.CharField(max_length=20, null=True)),
        ],
    ),
    *[
        migrations.CreateModel(
            name, [("id", _id()), *_row_fields(), ("ts", models.DateTimeField(null=True))]
        )
        for name in SOURCE_NAMES
    ],
    migrations.CreateModel("Ref", _references()),
    migrations.CreateModel(
        "Club",
        [
            ("id", _id()),
            ("members", models.ManyToManyField(f"{APP}.Alpha", related_name="+")),
            ("members_new", models.ManyToManyField(f"{APP}.Person", related_name="+")),
        ],
    ),
]


def table(model: str) -> str:
    return f"{APP}_{model.lower()}"


# -- The database --------------------------------------------------------------------


def insert(name: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = list(rows[0])
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            [[row[c] for c in columns] for row in rows],
        )


def select(sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]


TABLES = [
    "mergeprop_club_members_new",
    "mergeprop_club_members",
    table("Club"),
    table("Ref"),
    ID_MAP,
    table("Person"),
    *(table(name) for name in SOURCE_NAMES),
]


def empty_tables() -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Fresh files, not deleted rows whose space later rows could take: the rows
            # of each example are then read in the order they were written.
            cursor.execute(f"TRUNCATE {', '.join(quote(name) for name in TABLES)}")
            return
        for name in TABLES:
            cursor.execute(f"DELETE FROM {quote(name)}")


def apply(operations: list[Operation], state: ProjectState, *, atomic: bool) -> None:
    for operation in operations:
        with connection.schema_editor(atomic=atomic) as editor:
            operation.database_forwards(APP, editor, state, state)


def unapply(operations: list[Operation], state: ProjectState, *, atomic: bool) -> None:
    for operation in reversed(operations):
        with connection.schema_editor(atomic=atomic) as editor:
            operation.database_backwards(APP, editor, state, state)


@pytest.fixture
def state() -> Iterator[ProjectState]:
    state = ProjectState.from_apps(global_apps)
    for operation in SCHEMA:
        new = state.clone()
        operation.state_forwards(APP, new)
        with connection.schema_editor() as editor:
            operation.database_forwards(APP, editor, state, new)
        state = new
    with connection.schema_editor() as editor:
        CreateMergeMap(ID_MAP).database_forwards(APP, editor, state, state)
    try:
        yield state
    finally:
        with connection.schema_editor() as editor:
            CreateMergeMap(ID_MAP).database_backwards(APP, editor, state, state)
        for operation in reversed(SCHEMA):
            with connection.schema_editor() as editor:
                editor.delete_model(state.apps.get_model(APP, operation.name))


# -- What to merge -------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """How a target field is filled: the policy, the sources that map it, whether the merge
    added the field (then the target's own rows get a value as well)."""

    policy: str
    sources: tuple[str, ...]
    new: bool = False


@dataclass
class Example:
    sources: list[str]
    """The source models, in the order the merge takes them."""
    policies: dict[str, Policy]
    """By target field: ``key`` and :data:`VALUE_FIELDS`."""
    target: list[dict[str, Any]]
    rows: dict[str, list[dict[str, Any]]]
    """By source: rows, in the order drawn (not always the keys' order)."""
    references: list[dict[str, Any]]
    links: list[tuple[int, int]]
    """(club, Alpha row) pairs."""
    batch_size: int | None

    def tag(self, source: str, pk: int) -> str:
        return f"{source}:{pk}"


KEYS = ["ann", "bob", "cy"]


@st.composite
def keys(draw: st.DrawFn) -> str | None:
    """A key from a small alphabet (so that rows meet), in any case, with spaces around;
    or no key at all."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from([None, "", "  "]))
    word = draw(st.sampled_from(KEYS))
    upper = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    cased = "".join(
        letter.upper() if up else letter for letter, up in zip(word, upper, strict=True)
    )
    return draw(st.sampled_from(["", " ", "  "])) + cased + draw(st.sampled_from(["", " "]))


texts = st.sampled_from([None, "", "x", "y", "X", "x ", "zz"])
numbers = st.sampled_from([None, 0, 1, 2])
times = st.sampled_from([None, *TIMES])


@st.composite
def source_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    pks = draw(st.lists(st.integers(1, 40), unique=True, max_size=7))
    return [
        {
            "id": pk,
            "key": draw(keys()),
            "v1": draw(texts),
            "v2": draw(texts),
            "v3": draw(texts),
            "n": draw(numbers),
            "ts": draw(times),
        }
        for pk in pks
    ]


@st.composite
def examples(draw: st.DrawFn) -> Example:
    count = draw(st.integers(2, 4))
    sources = list(draw(st.permutations(SOURCE_NAMES)))[:count]
    policies = {"key": Policy(draw(st.sampled_from(POLICIES)), tuple(sources))}
    for name in VALUE_FIELDS:
        mapped = draw(st.lists(st.sampled_from(sources), min_size=1, unique=True))
        policies[name] = Policy(
            draw(st.sampled_from(POLICIES)),
            tuple(s for s in sources if s in mapped),
            new=draw(st.booleans()),
        )
    own_keys: list[str | None] = [
        draw(st.sampled_from([key, f" {key.upper()}"]))
        for key in draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=2))
    ]
    own_keys += draw(st.sampled_from([[], [None], ["", None]]))
    target = [
        {
            "id": 3 * index + draw(st.integers(1, 3)),
            "key": key,
            "v1": "own",
            "v2": None,
            "v3": "",
            "n": 7,
        }
        for index, key in enumerate(own_keys)
    ]
    rows = {name: draw(source_rows()) for name in sources}
    references = []
    for pk in range(1, draw(st.integers(0, 6)) + 1):
        reference: dict[str, Any] = {"id": pk}
        for name in sources:
            choices = [None, *(row["id"] for row in rows[name])]
            reference[name.lower()] = draw(st.sampled_from(choices))
        references.append(reference)
    alpha_pks = [row["id"] for row in rows.get("Alpha", [])]
    links = (
        draw(
            st.lists(
                st.tuples(st.sampled_from(CLUBS), st.sampled_from(alpha_pks)),
                unique=True,
                max_size=6,
            )
        )
        if alpha_pks
        else []
    )
    return Example(
        sources=sources,
        policies=policies,
        target=target,
        rows=rows,
        references=references,
        links=links,
        batch_size=draw(st.sampled_from([None, 2, 5])),
    )


# -- The model of the merge ----------------------------------------------------------


def normalized(key: str | None) -> str | None:
    if key is None or not key.strip(" "):
        return None
    return key.strip(" ").lower()


def nonempty(value: Any) -> bool:
    return value is not None and value != ""


@dataclass
class Group:
    """A target row: the target's own row, or none (created); the source rows merged in."""

    own: dict[str, Any] | None
    members: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def groups(example: Example) -> tuple[list[Group], dict[tuple[str, int], Group]]:
    """The target rows, and the group of each source row, in the id map's order: the target's
    rows, then each source in the merge's order, by primary key."""
    found: list[Group] = []
    by_key: dict[str, Group] = {}
    of_row: dict[tuple[str, int], Group] = {}
    for own in sorted(example.target, key=lambda row: row["id"]):
        group = Group(own)
        found.append(group)
        key = normalized(own["key"])
        if key is not None:
            by_key.setdefault(key, group)
    for name in example.sources:
        for row in sorted(example.rows[name], key=lambda row: row["id"]):
            key = normalized(row["key"])
            if key is None:
                group = Group(None)
                found.append(group)
            elif key in by_key:
                group = by_key[key]
            else:
                group = by_key[key] = Group(None)
                found.append(group)
            group.members.append((name, row))
            of_row[name, row["id"]] = group
    return found, of_row


def chosen(policy: Policy, column: str, group: Group) -> tuple[bool, Any]:
    """(whether a source row gives the field, its value) by the field's policy."""
    mapped = [
        (order, row) for order, (name, row) in enumerate(group.members) if name in policy.sources
    ]
    if not mapped:
        return False, None
    if policy.policy == "first":
        return True, mapped[0][1][column]
    if policy.policy == "newest":
        # Latest timestamp; ties to the earlier row; rows without one lose.
        _, row = max(
            mapped,
            key=lambda item: (item[1]["ts"] is not None, item[1]["ts"] or TIMES[0], -item[0]),
        )
        return True, row[column]
    # coalesce: the first non-empty value; none at all leaves the row as it was (the
    # target's own value, or what the row was created with).
    given = [row[column] for _, row in mapped if nonempty(row[column])]
    return (True, given[0]) if given else (False, None)


def expected_row(example: Example, group: Group) -> dict[str, Any]:
    if group.own is not None:
        row = {name: group.own[name] for name in ("key", *VALUE_FIELDS)}
        row["origin"] = example.tag("Person", group.own["id"])
    else:
        # A created row starts from its leader's values (NULL where the leader's source
        # does not map the field); the policies then choose.
        leader_source, leader = group.members[0]
        row = {
            name: leader[name] if leader_source in example.policies[name].sources else None
            for name in ("key", *VALUE_FIELDS)
        }
        row["origin"] = example.tag(leader_source, leader["id"])
    for name, policy in example.policies.items():
        if group.own is not None and not policy.new:
            continue
        gives, value = chosen(policy, name, group)
        if gives:
            row[name] = value
    return row


def expected_merge(example: Example) -> tuple[dict[str, dict[str, Any]], dict[Any, str]]:
    """The target rows by origin, and the origin of the target row of each source row."""
    found, of_row = groups(example)
    rows = {}
    for group in found:
        row = expected_row(example, group)
        rows[row["origin"]] = row
    origin_of = {}
    for (name, pk), group in of_row.items():
        if group.own is not None:
            origin_of[name, pk] = example.tag("Person", group.own["id"])
        else:
            leader_source, leader = group.members[0]
            origin_of[name, pk] = example.tag(leader_source, leader["id"])
    return rows, origin_of


# -- Running -------------------------------------------------------------------------


def operations(example: Example) -> list[Operation]:
    batch: dict[str, Any] = {"batch_size": example.batch_size} if example.batch_size else {}
    fields = [
        [name, {f"{APP}.{source}": name for source in policy.sources}, policy.policy]
        for name, policy in example.policies.items()
    ]
    fields.append(["origin", {f"{APP}.{source}": "tag" for source in example.sources}, "first"])
    found: list[Operation] = [
        MergeRows(
            "Person",
            [f"{APP}.{source}" for source in example.sources],
            "key",
            fields,
            id_map=ID_MAP,
            new_fields=[name for name, policy in example.policies.items() if policy.new],
            newest_by={f"{APP}.{source}": "ts" for source in example.sources},
            **batch,
        )
    ]
    for source in example.sources:
        lower = source.lower()
        found.append(
            RepointReferences(
                f"{APP}.Ref", lower, f"{lower}_new", f"{APP}.{source}", id_map=ID_MAP, **batch
            )
        )
    if "Alpha" in example.sources:
        found.append(
            MergeLinks(
                f"{APP}.Club", "members", "members_new", f"{APP}.Alpha", id_map=ID_MAP, **batch
            )
        )
    return found


def load(example: Example) -> None:
    insert(
        table("Person"),
        [{**row, "origin": example.tag("Person", row["id"])} for row in example.target],
    )
    for name in SOURCE_NAMES:
        rows = example.rows.get(name, [])
        insert(
            table(name),
            [
                {
                    **row,
                    "tag": example.tag(name, row["id"]),
                    "ts": connection.ops.adapt_datetimefield_value(row["ts"]),
                }
                for row in (rows if OUT_OF_ORDER else sorted(rows, key=lambda row: row["id"]))
            ],
        )
    insert(
        table("Ref"),
        [
            {"id": ref["id"], **{f"{s.lower()}_id": ref[s.lower()] for s in example.sources}}
            for ref in example.references
        ],
    )
    insert(table("Club"), [{"id": club} for club in CLUBS])
    insert(
        "mergeprop_club_members",
        [{"club_id": club, "alpha_id": alpha} for club, alpha in example.links],
    )


def target_rows() -> dict[str, dict[str, Any]]:
    found = {}
    key_column = connection.ops.quote_name("key")
    for pk, key, v1, v2, v3, n, origin in select(
        f"SELECT id, {key_column}, v1, v2, v3, n, origin FROM mergeprop_person"
    ):
        assert origin not in found, f"two target rows come from {origin}"
        found[origin] = {"id": pk, "key": key, "v1": v1, "v2": v2, "v3": v3, "n": n}
    return found


def check_merged(example: Example) -> None:
    rows, origin_of = expected_merge(example)
    actual = target_rows()
    origins = {row["id"]: origin for origin, row in actual.items()}
    assert sorted(actual) == sorted(rows), "the target rows are not one per key and keyless row"
    for origin, row in rows.items():
        got = {name: actual[origin][name] for name in ("key", *VALUE_FIELDS)}
        want = {name: row[name] for name in ("key", *VALUE_FIELDS)}
        assert got == want, f"target row from {origin}"
    columns = [f"{s.lower()}_id, {s.lower()}_new_id" for s in example.sources]
    found = select(f"SELECT id, {', '.join(columns)} FROM mergeprop_ref ORDER BY id")
    assert len(found) == len(example.references)
    for reference in found:
        for index, source in enumerate(example.sources):
            old, new = reference[1 + 2 * index], reference[2 + 2 * index]
            if old is None:
                assert new is None, f"Ref {reference[0]}: {source} is NULL but its new key is set"
            else:
                assert origins.get(new) == origin_of[source, old], (
                    f"Ref {reference[0]} points at {source} {old}, repointed to {new}"
                )
    links = select("SELECT club_id, person_id FROM mergeprop_club_members_new")
    assert len(links) == len(set(links))
    assert {(club, origins[person]) for club, person in links} == {
        (club, origin_of["Alpha", alpha]) for club, alpha in example.links
    }


def check_undone(example: Example) -> None:
    actual = target_rows()
    assert sorted(actual) == sorted(example.tag("Person", row["id"]) for row in example.target)
    for row in example.target:
        got = actual[example.tag("Person", row["id"])]
        # Fields the merge added are dropped by the migration before this one: only the
        # others must be as they were.
        for name in ("key", *VALUE_FIELDS):
            if name == "key" or not example.policies[name].new:
                assert got[name] == row[name], f"target row {row['id']}.{name}"
    news = [f"{s.lower()}_new_id" for s in SOURCE_NAMES]
    assert (
        select(
            f"SELECT {', '.join(news)} FROM mergeprop_ref WHERE "
            + " OR ".join(f"{n} IS NOT NULL" for n in news)
        )
        == []
    )
    assert select("SELECT COUNT(*) FROM mergeprop_club_members_new") == [(0,)]
    assert select(f"SELECT COUNT(*) FROM {ID_MAP}") == [(0,)]


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(example=examples())
def merge_matches_the_model(state: ProjectState, example: Example) -> None:
    empty_tables()
    load(example)
    moves = operations(example)
    atomic = example.batch_size is None
    apply(moves, state, atomic=atomic)
    check_merged(example)
    unapply(moves, state, atomic=atomic)
    check_undone(example)


def test_merge_matches_a_model_of_it(state: ProjectState) -> None:
    merge_matches_the_model(state)


def test_rows_written_out_of_key_order_are_taken_by_key(state: ProjectState) -> None:
    """'first' means the row with the smaller key, whichever was written first."""
    example = Example(
        sources=["Alpha", "Beta"],
        policies={
            "key": Policy("first", ("Alpha", "Beta")),
            **{name: Policy("first", ("Alpha",)) for name in VALUE_FIELDS},
        },
        target=[],
        rows={
            "Alpha": [
                {"id": 2, "key": "ann", "v1": "second", "v2": None, "v3": "", "n": 2, "ts": None},
                {"id": 1, "key": "Ann", "v1": "first", "v2": None, "v3": "", "n": 1, "ts": None},
            ],
            "Beta": [],
        },
        references=[],
        links=[],
        batch_size=None,
    )
    empty_tables()
    insert(
        table("Alpha"),
        [{**row, "tag": example.tag("Alpha", row["id"])} for row in example.rows["Alpha"]],
    )
    apply(operations(example), state, atomic=True)
    found = {origin: {**row, "id": None} for origin, row in target_rows().items()}
    assert found == {
        "Alpha:1": {"id": None, "key": "Ann", "v1": "first", "v2": None, "v3": "", "n": 1}
    }
