from __future__ import annotations

import re

from django_remodel.report import markdown

from .test_text import header_figures

SEPARATOR = re.compile(r"^\|( :?-{3,}:? \|)+$")


def cells(line: str) -> list[str]:
    """Cells of a table row; ``\\|`` is an escaped pipe, not a border."""
    assert line.startswith("| "), line
    assert line.endswith(" |"), line
    return re.split(r"(?<!\\)\|", line[1:-1])


def tables(text: str) -> list[list[str]]:
    found: list[list[str]] = []
    current: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if line.startswith("|") and not fenced:
            current.append(line)
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def test_tables_are_well_formed(report):
    output = markdown.render(report)
    found = tables(output)
    assert len(found) >= 7  # members, mapping, overlap (group 1); members, mapping; findings; apps
    for table in found:
        assert len(table) >= 3, table
        assert SEPARATOR.match(table[1]), table[1]
        width = len(cells(table[0]))
        for row in table:
            assert len(cells(row)) == width, row


def test_code_fences_are_balanced(report):
    output = markdown.render(report)
    fences = [line for line in output.splitlines() if line.startswith("```")]
    assert len(fences) % 2 == 0
    assert "```sh" in fences
    assert "```mermaid" in fences


def test_sections_and_key_lines(report, graph):
    output = markdown.render(report)
    lines = output.splitlines()
    assert lines[0] == "# Model audit"
    models, first_party, apps, relations = header_figures(graph)
    assert (
        f"- **Models:** {models} in {apps} apps ({first_party} first-party), {relations} relations"
    ) in lines
    assert "- **AUTH\\_USER\\_MODEL:** `auth.User`" in lines
    assert "## Duplicate groups (2)" in lines
    assert "### Group 1: `auth.User` and 4 more" in lines
    assert "Confidence **87.3%**; rows are identified by email." in lines
    assert (
        "| Concept | `auth.User` ★ | `legacy.AppUser` | `legacy.CustomerUser` "
        "| `legacy.UserProfile` | `legacy.AccountUser` |"
    ) in lines
    assert (
        "| email | `email` | `email` | `email_address` | `user_email` | `account_email` |"
    ) in lines
    assert "| `legacy.AppUser.email` | `auth.User.email` | 812 | 1,000 | 81.2% |" in lines
    assert (
        "python manage.py remodel merge legacy.AppUser legacy.CustomerUser "
        "legacy.UserProfile legacy.AccountUser --into auth.User --key email"
    ) in lines
    assert "## Other findings (4)" in lines
    assert "# profile: accounts.Profile" in lines
    assert "python manage.py remodel absorb accounts.Profile" in lines
    assert "## Models" in lines
    assert "<summary>ER diagram (mermaid)</summary>" in lines


def test_nothing_found(empty_report):
    output = markdown.render(empty_report)
    assert "No duplicate groups found." in output
    assert "No other findings." in output


def test_escaping():
    assert markdown.escape("a|b *c* <d> _e_") == "a\\|b \\*c\\* \\<d\\> \\_e\\_"
    assert markdown.code("a`b") == "`` a`b ``"
    assert markdown.code("a|b") == "`a\\|b`"
    assert markdown.code("a|b", in_table=False) == "`a|b`"
    assert markdown.fenced("x\n```\ny", "sh").startswith("````sh\n")


def test_big_diagrams_are_left_out(report, monkeypatch):
    monkeypatch.setattr(markdown, "MAX_MERMAID", 100)
    output = markdown.render(report)
    assert "```mermaid" not in output
    assert "too big for the mermaid of Markdown viewers" in output
