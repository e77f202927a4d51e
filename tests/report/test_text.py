from __future__ import annotations

import dataclasses

from django_remodel.audit.result import DuplicateGroup, FieldMatch
from django_remodel.graph import ModelGraph, ModelKind
from django_remodel.report import text

from .conftest import people_group


def _section(output: str, start: str, end: str) -> list[str]:
    lines = output.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    last = next(i for i, line in enumerate(lines) if i > first and line.startswith(end))
    return lines[first:last]


def header_figures(graph: ModelGraph) -> tuple[int, int, int, int]:
    """Counted here independently of the renderers: models the map shows, their relations."""
    hidden = (ModelKind.ABSTRACT, ModelKind.AUTO_CREATED)
    nodes = [n for n in graph if n.kind not in hidden]
    labels = {n.label for n in nodes}
    return (
        len(nodes),
        sum(1 for n in nodes if n.first_party),
        len({n.app_label for n in nodes}),
        sum(1 for e in graph.relations if e.source in labels),
    )


def test_header(report, graph):
    models, first_party, apps, relations = header_figures(graph)
    assert (models, first_party, apps) >= (38, 32, 14)  # at least the example and test apps
    lines = text.render(report).splitlines()
    assert lines[0] == (
        f"Audit of {models} models ({first_party} first-party) in {apps} apps, "
        f"{relations} relations"
    )
    assert lines[1] == "  AUTH_USER_MODEL: auth.User"
    assert lines[2] == '  Database: sqlite "db.sqlite3"'
    assert lines[3] == ("    6 tables, ~2,551,139 rows, 437.9 MiB of data, 97.3 MiB of indexes")
    assert lines[4] == "  Migrations: 61 migrations in 3 apps (most: legacy 54)"


def test_header_without_stats(empty_report):
    lines = text.render(empty_report).splitlines()
    assert lines[1] == "  AUTH_USER_MODEL: auth.User"
    assert not any(line.lstrip().startswith(("Database:", "Migrations:")) for line in lines)


def test_groups_and_findings_fit_80_columns(report):
    output = text.render(report)
    section = _section(output, "Duplicate groups:", "Model map:")
    assert section
    assert max(len(line) for line in section) <= 80
    assert output.endswith("\n")


def test_group_lines(report):
    output = text.render(report)
    lines = output.splitlines()
    assert "Duplicate groups: 2 (* marks the model the others merge into)" in lines
    assert "  Group 1 of 2: 5 models, confidence 87.3%, identified by email" in lines
    assert "    * auth.User            1,204 rows" in lines
    assert "      legacy.CustomerUser  3 rows" in lines
    assert "      legacy.AccountUser   ~2,500,000 rows" in lines
    # Too wide for one table: split by members, object names as headers, canonical starred.
    assert "      concept     User*        AppUser        CustomerUser       UserProfile" in lines
    assert "      concept     AccountUser" in lines
    assert "      email       account_email" in lines
    assert "      +0.30  unique key: legacy.AppUser.email ~" in lines
    assert (
        "      -0.10  key overlap: none of 120 legacy.UserProfile.user_email values is in" in lines
    )
    assert "      legacy.AppUser.email in auth.User.email: 812 of 1,000 (81.2%)" in lines
    assert "      legacy.UserProfile.user_email in auth.User.email: no values to compare" in lines
    assert "    To consolidate, run:" in lines
    assert "  Group 2 of 2: 2 models, confidence 41.0%" in lines
    assert "      concept    Appointment*  WaitlistEntry" in lines


def test_long_commands_continue_with_backslash(report):
    lines = text.render(report).splitlines()
    i = lines.index("      python manage.py remodel merge legacy.AppUser legacy.CustomerUser \\")
    assert lines[i + 1] == (
        "          legacy.UserProfile legacy.AccountUser --into auth.User --key email"
    )
    # Joined again, the lines give back the command exactly.
    joined = lines[i][:-2].strip() + " " + lines[i + 1].strip()
    assert joined == people_group().commands[0]


def test_command_lines_never_break_a_word():
    command = "python manage.py remodel merge " + " ".join(f"app.Model{i}" for i in range(30))
    lines = text.command_lines(command, 6)
    assert all(len(line) <= 80 for line in lines)
    words = " ".join(line.removesuffix(" \\").strip() for line in lines).split(" ")
    assert words == command.split(" ")


def test_findings_lines(report):
    lines = text.render(report).splitlines()
    assert "Other findings: 4" in lines
    assert "  profile: accounts.Profile" in lines
    assert "    fields 7, references 0" in lines
    assert "      python manage.py remodel absorb accounts.Profile" in lines
    assert "  repeated string column: server.Server.location_name" in lines
    assert "    rows 40,000, distinct 12, nulls 0, empty 0, distinct ratio 0.0003" in lines
    assert "  long migration history: legacy" in lines


def test_model_map_of_first_party_models(report, graph):
    output = text.render(report)
    map_lines = output[output.index("Model map:") :].splitlines()
    _, first_party, _, _ = header_figures(graph)
    assert map_lines[0].startswith(f"Model map: {first_party} models in ")
    assert "legacy" in map_lines
    assert "auth" not in map_lines  # Django's own apps are left out of the map


def test_nothing_found(empty_report):
    lines = text.render(empty_report).splitlines()
    assert "Duplicate groups: none found." in lines
    assert "Other findings: none." in lines


def test_wide_tables_are_split_by_member(report):
    long_a = "a_rather_long_app_label.AModelNameThatGoesOnAndOnAndOnForEver"
    long_b = "another_long_app_label.AnotherModelNameThatGoesOnAndOnAndOn"
    group = DuplicateGroup(
        models=(long_a, long_b),
        canonical=long_a,
        key=None,
        mapping=(FieldMatch("email", ((long_a, "email_address"), (long_b, None))),),
        evidence=(),
        confidence=0.5,
        commands=(),
    )
    lines = text.groups_lines(dataclasses.replace(report, groups=(group,)))
    assert "      concept  AModelNameThatGoesOnAndOnAndOnForEver*" in lines
    assert "      concept  AnotherModelNameThatGoesOnAndOnAndOn" in lines
    assert "      email    -" in lines


def test_very_long_names_fall_back_to_blocks(report):
    long_a = "a_rather_long_app_label.AModelNameThatGoesOnAndOnAndOnForEver"
    long_b = "another_long_app_label.AnotherModelNameThatGoesOnAndOnAndOn"
    labels = (long_a, long_b)
    group = DuplicateGroup(
        models=labels,
        canonical=long_a,
        key=None,
        mapping=(
            FieldMatch(
                "email",
                (
                    (long_a, "the_email_address_of_the_person_exactly_as_typed_at_signup_" * 2),
                    (long_b, None),
                ),
            ),
        ),
        evidence=(),
        confidence=0.5,
        commands=("python manage.py remodel merge " + long_b + " --into " + long_a,),
    )
    lines = text.groups_lines(dataclasses.replace(report, groups=(group,)))
    assert max(len(line) for line in lines) <= 80
    assert "      email" in lines
    assert any(line.strip().startswith(long_b) for line in lines)


def test_show_values_changes_nothing(report):
    assert text.render(report, show_values=True) == text.render(report)
