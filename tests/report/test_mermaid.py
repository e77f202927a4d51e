from __future__ import annotations

import re

from django_remodel.graph import ModelKind, RelationKind
from django_remodel.report import _common, mermaid

ENTITY = re.compile(r"^    ([A-Za-z][A-Za-z0-9_]*)(?: \{)?$")
RELATION = re.compile(
    r"^    ([A-Za-z][A-Za-z0-9_]*) (\}o--\|\||\}o--o\||\|o--\|\||\|o--o\||\}o--o\{) "
    r'([A-Za-z][A-Za-z0-9_]*) : "([^"]+)"$'
)


def parse(text: str):
    entities, relations = set(), []
    for line in text.splitlines():
        if match := ENTITY.match(line):
            entities.add(match.group(1))
        elif match := RELATION.match(line):
            relations.append(match.groups())
    return entities, relations


def test_starts_with_the_diagram_type(report):
    assert mermaid.render(report).splitlines()[0] == "erDiagram"


def test_an_entity_per_model(report, graph):
    entities, _ = parse(mermaid.render(report))
    drawn = _common.diagram_models(graph)
    assert entities == {node.label.replace(".", "_") for node in drawn}
    assert "legacy_AppUser" in entities
    kinds = {node.kind for node in drawn}
    assert ModelKind.PROXY not in kinds
    assert ModelKind.AUTO_CREATED not in kinds


def test_a_relation_per_foreign_key(report, graph):
    _, relations = parse(mermaid.render(report))
    drawn = {node.label for node in _common.diagram_models(graph)}
    expected = [
        e
        for e in graph.relations
        if e.source in drawn
        and e.kind in (RelationKind.FOREIGN_KEY, RelationKind.ONE_TO_ONE, RelationKind.PARENT_LINK)
    ]
    found = {(source, role.removesuffix(" (parent link)")) for source, _, _, role in relations}
    for edge in expected:
        assert (edge.source.replace(".", "_"), edge.field) in found


def test_cardinalities(report):
    lines = mermaid.render(report).splitlines()
    assert '    scheduling_Appointment }o--|| legacy_AppUser : "patient"' in lines
    assert '    scheduling_WaitlistEntry }o--o| auth_User : "clinician"' in lines
    assert '    accounts_Profile |o--|| auth_User : "user"' in lines
    assert (
        '    alerts_MaintainerCriteria |o--|| alerts_Criteria : "criteria (parent link)"' in lines
    )
    assert '    messaging_Thread }o--o{ legacy_CustomerUser : "participants"' in lines
    # A many-to-many with its own through model is drawn as the through model's keys.
    assert not any(line.startswith("    scheduling_CareProgramme }o--o{") for line in lines)
    assert '    scheduling_Enrollment }o--|| legacy_AppUser : "patient"' in lines


def test_comments_note_groups_and_generic_keys(report):
    lines = mermaid.render(report).splitlines()
    assert (
        "    %%   group 1: auth_User*, legacy_AppUser, legacy_CustomerUser, "
        "legacy_UserProfile, legacy_AccountUser"
    ) in lines
    assert "    %% reviews_Review.target: generic foreign key, may point at any model" in lines
    assert all(not line.lstrip().startswith("%%{") for line in lines)


def test_attributes(report):
    text = mermaid.render(report)
    start = text[text.index("    legacy_AppUser {") :]
    block = start[: start.index("    }")].splitlines()
    assert "        AutoField id PK" in block or "        BigAutoField id PK" in block
    assert '        CharField email UK "max 254, null"' in block
    assert len(block) - 1 <= mermaid.MAX_ATTRIBUTES
    review = text[text.index("    reviews_Review {") :]
    assert '        GenericForeignKey target "generic: any model"' in review[: review.index("}")]


def test_no_styles_unless_asked(report):
    plain = mermaid.render(report)
    assert "classDef" not in plain
    styled = mermaid.render(report, styled=True)
    assert "    classDef duplicate1 fill:#fde68a,stroke:#b45309,stroke-width:2px" in styled
    assert (
        "    class auth_User,legacy_AppUser,legacy_CustomerUser,legacy_UserProfile,"
        "legacy_AccountUser duplicate1"
    ) in styled.splitlines()


def test_entity_names_are_identifiers(graph):
    nodes = _common.diagram_models(graph)
    names = mermaid.entity_names(nodes)
    assert len(set(names.values())) == len(names)
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) for name in names.values())
