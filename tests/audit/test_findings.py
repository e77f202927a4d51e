from __future__ import annotations

import pytest

from django_remodel.audit.findings import (
    FindingOptions,
    history_findings,
    inheritance_findings,
    profile_findings,
    repeated_string_candidates,
    repeated_string_findings,
)
from django_remodel.graph import ModelGraph
from django_remodel.stats import ColumnStats, GraphStats


@pytest.fixture(scope="module")
def graph() -> ModelGraph:
    return ModelGraph.build()


def test_profile_of_the_user_model(graph):
    (finding,) = profile_findings(graph)
    assert finding.subject == "accounts.Profile"
    assert finding.command == "python manage.py remodel absorb accounts.Profile"


def test_multi_table_inheritance(graph):
    subjects = {f.subject: f.command for f in inheritance_findings(graph)}
    assert subjects["alerts.Criteria"] == (
        "python manage.py remodel detach alerts.ContributorCriteria alerts.MaintainerCriteria"
    )
    assert subjects["testapp.Person"] == "python manage.py remodel detach testapp.Employee"


def test_candidates_leave_out_prose_choices_and_keys(graph):
    candidates = set(repeated_string_candidates(graph))
    assert ("server.Server", "location_name") in candidates
    assert ("alerts.Alert", "message") not in candidates  # prose
    assert ("accounts.Profile", "preferred_language") not in candidates  # has choices
    assert ("legacy.AppUser", "email") not in candidates  # unique


def column(rows: int, distinct: int, *, empty: int = 0, nulls: int = 0) -> ColumnStats:
    return ColumnStats("server.Server", "location_name", rows, nulls, empty, distinct)


@pytest.mark.parametrize(
    ("stats", "expected"),
    [
        (column(10_000, 36), (36, 10_000)),
        # The empty string is counted by COUNT(DISTINCT) but is no value.
        (column(10_000, 37, empty=500), (36, 9_500)),
        (column(10_000, 2, empty=9_990), None),  # too few rows with a value
        (column(10_000, 1_000), None),  # 10% distinct: not repeated enough
    ],
)
def test_repeated_string_thresholds(graph, stats, expected):
    found = repeated_string_findings(
        graph,
        GraphStats("sqlite", "default", columns={("server.Server", "location_name"): stats}),
        FindingOptions(),
    )
    if expected is None:
        assert found == []
        return
    (finding,) = found
    assert (finding.figures["distinct"], finding.figures["rows"] - stats.empty) == expected
    assert finding.command == (
        "python manage.py remodel normalize server.Server.location_name --into server.Location.name"
    )


def test_history_threshold():
    counts = {"legacy": 32, "billing": 15}
    assert [f.subject for f in history_findings(counts, FindingOptions())] == ["legacy"]
    assert [f.subject for f in history_findings(counts, FindingOptions(history_threshold=10))] == [
        "legacy",
        "billing",
    ]
