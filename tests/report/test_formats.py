from __future__ import annotations

import pytest

from django_remodel.report import FORMATS, _common, render_audit


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders(report, empty_report, fmt):
    for sample in (report, empty_report):
        output = render_audit(sample, fmt)
        assert output.endswith("\n")
        assert render_audit(sample, fmt) == output  # deterministic
        assert render_audit(sample, fmt, show_values=True) == output  # nothing to hide yet


def test_unknown_format(report):
    with pytest.raises(ValueError, match="choose one of text, json, markdown, mermaid, html"):
        render_audit(report, "pdf")


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0%"), (1, "100%"), (0.5, "50.0%"), (0.9999999, ">99.9%"), (0.0000001, "<0.1%")],
)
def test_percent(value, text):
    assert _common.percent(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (999, "999"), (1204, "1.2k"), (999_999, "1M"), (2_500_000, "2.5M")],
)
def test_compact_count(value, text):
    assert _common.compact_count(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "?"), (512, "512 B"), (1536, "1.5 KiB"), (12 * 1024**2, "12.0 MiB")],
)
def test_size(value, text):
    assert _common.size(value) == text
