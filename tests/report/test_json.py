from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from django_remodel.audit.result import DuplicateGroup, Evidence
from django_remodel.report import json as json_report

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit-json.md"


def documented_keys() -> dict[str, list[str]]:
    """Heading of each table in docs/audit-json.md -> the keys its rows list, in order."""
    sections: dict[str, list[str]] = {}
    heading = None
    for line in DOC.read_text().splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            continue
        match = re.match(r"^\| `([a-z_]+)` \|", line)
        if match and heading is not None:
            sections.setdefault(heading, []).append(match.group(1))
    return sections


def objects_by_section(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    groups = data["groups"]
    return {
        "Top level": [data],
        "model": data["models"],
        "field": [f for m in data["models"] for f in m["fields"]],
        "relation": data["relations"],
        "group": groups,
        "mapping row": [row for g in groups for row in g["mapping"]],
        "evidence": [item for g in groups for item in g["evidence"]],
        "overlap": [item for g in groups for item in g["overlaps"]],
        "finding": data["findings"],
        "stats": [data["stats"]],
        "table": data["stats"]["tables"],
        "column": data["stats"]["columns"],
        "migrations": [data["migrations"]],
    }


def test_round_trip(report):
    output = json_report.render(report)
    assert output.endswith("\n")
    data = json.loads(output)
    assert data == json_report.to_data(report)
    assert data["schema"] == "django-remodel/audit"
    assert data["version"] == 1


def test_every_key_is_documented_in_order(report):
    data = json.loads(json_report.render(report))
    documented = documented_keys()
    for section, objects in objects_by_section(data).items():
        assert objects, f"the sample report has no {section!r} to check"
        for obj in objects:
            assert list(obj) == documented[section], section


def test_top_level_keys(report):
    data = json.loads(json_report.render(report))
    assert list(data) == [
        "schema",
        "version",
        "auth_user_model",
        "models",
        "relations",
        "groups",
        "findings",
        "stats",
        "migrations",
    ]


def test_values(report, graph):
    data = json.loads(json_report.render(report))
    assert len(data["models"]) == len(graph.models)
    assert len(data["relations"]) == len(graph.relations)
    app_user = next(m for m in data["models"] if m["label"] == "legacy.AppUser")
    assert app_user["kind"] == "concrete"
    email = next(f for f in app_user["fields"] if f["name"] == "email")
    assert (email["type"], email["unique"], email["null"], email["max_length"]) == (
        "CharField",
        True,
        True,
        254,
    )
    kinds = {r["kind"] for r in data["relations"]}
    assert kinds == {
        "foreign key",
        "one-to-one",
        "parent link",
        "many-to-many",
        "generic foreign key",
    }
    group = data["groups"][0]
    assert group["id"] == 1
    assert group["canonical"] == "auth.User"
    assert group["sources"] == [
        "legacy.AppUser",
        "legacy.CustomerUser",
        "legacy.UserProfile",
        "legacy.AccountUser",
    ]
    assert group["confidence"] == 0.873457
    assert group["mapping"][0] == {
        "concept": "email",
        "fields": {
            "auth.User": "email",
            "legacy.AppUser": "email",
            "legacy.CustomerUser": "email_address",
            "legacy.UserProfile": "user_email",
            "legacy.AccountUser": "account_email",
        },
    }
    assert group["mapping"][1]["fields"]["legacy.CustomerUser"] is None
    assert [o["share"] for o in group["overlaps"]] == [0.812, 0.333333, 0.0]
    assert data["findings"][0]["kind"] == "profile"
    assert list(data["findings"][2]["figures"]) == sorted(data["findings"][2]["figures"])
    assert data["stats"]["tables"][0]["label"] == "auth.User"
    assert data["stats"]["columns"][0]["distinct_ratio"] == 0.0003
    assert data["migrations"] == {
        "total": 61,
        "apps": {"accounts": 3, "legacy": 54, "scheduling": 4},
    }


def test_without_stats(empty_report):
    data = json.loads(json_report.render(empty_report))
    assert data["stats"] is None
    assert data["groups"] == []
    assert data["findings"] == []
    assert data["migrations"] == {"total": 0, "apps": {}}


def test_output_is_stable(report):
    assert json_report.render(report) == json_report.render(report)


@pytest.mark.parametrize(
    ("value", "written"),
    [(float("nan"), None), (float("inf"), None), (-0.0, 0.0), (0.1234567891, 0.123457)],
)
def test_floats_are_rounded_and_finite(report, value, written):
    group = dataclasses.replace(
        report.groups[0], confidence=value, evidence=(Evidence("x", "y", value),)
    )
    output = json_report.render(dataclasses.replace(report, groups=(group,)))
    data = json.loads(output)
    assert data["groups"][0]["confidence"] == written
    assert data["groups"][0]["evidence"][0]["weight"] == written
    assert "NaN" not in output
    assert "Infinity" not in output


def test_mapping_rows_list_every_member(report):
    group: DuplicateGroup = report.groups[0]
    sparse = dataclasses.replace(
        group.mapping[0], fields=tuple(item for item in group.mapping[0].fields[:2])
    )
    changed = dataclasses.replace(group, mapping=(sparse,))
    data = json_report.to_data(dataclasses.replace(report, groups=(changed,)))
    assert list(data["groups"][0]["mapping"][0]["fields"]) == list(group.models)
