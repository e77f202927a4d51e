from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

USERS = [
    "auth.User",
    "legacy.AccountUser",
    "legacy.AppUser",
    "legacy.CustomerUser",
    "legacy.UserProfile",
]


def audit(*args: str) -> str:
    out = StringIO()
    call_command("remodel", "audit", *args, stdout=out, no_color=True)
    return out.getvalue()


def test_json_report_without_the_database():
    # No django_db mark: any query would raise, so this also shows the database is untouched.
    data = json.loads(audit("--format", "json"))
    people = next(g for g in data["groups"] if "legacy.AppUser" in g["models"])
    # The test project's own testapp.Person is a person with a unique email too.
    assert sorted(m for m in people["models"] if not m.startswith("testapp.")) == USERS
    kinds = {finding["kind"] for finding in data["findings"]}
    assert {"profile", "multi-table inheritance", "long migration history"} <= kinds
    assert data["stats"] is None


def test_text_report_names_groups_and_findings():
    out = audit()
    assert "Duplicate groups:" in out
    assert "python manage.py remodel absorb accounts.Profile" in out
    assert "python manage.py remodel detach alerts.ContributorCriteria" in out


@pytest.mark.parametrize(
    ("fmt", "start"),
    [("markdown", "#"), ("mermaid", "erDiagram"), ("html", "<!DOCTYPE html>")],
)
def test_other_formats_to_a_file(tmp_path, fmt, start):
    path = tmp_path / f"audit.{fmt}"
    out = audit("--format", fmt, "--output", str(path))
    assert out == f"Wrote the {fmt} report to {path}.\n"
    assert path.read_text().lstrip().startswith(start)


def test_unwritable_output(tmp_path):
    with pytest.raises(CommandError) as error:
        audit("--output", str(tmp_path / "missing" / "report.txt"))
    assert str(error.value) == (
        f"Cannot write the report to {str(tmp_path / 'missing' / 'report.txt')!r}: "
        "No such file or directory."
    )


def test_app_labels_need_the_map():
    with pytest.raises(CommandError, match="App labels only narrow the model map: add --map"):
        audit("legacy")


def test_threshold_bounds():
    with pytest.raises(CommandError, match=r"--threshold 1.5 must be within \(0, 1\]"):
        audit("--threshold", "1.5")
