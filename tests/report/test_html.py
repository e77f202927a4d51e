from __future__ import annotations

import dataclasses
import itertools
import random
import re
import time
from html.parser import HTMLParser

import pytest

from django_remodel.audit.result import (
    AuditReport,
    DuplicateGroup,
    FieldMatch,
    Finding,
    FindingKind,
)
from django_remodel.graph import (
    FieldNode,
    ModelGraph,
    ModelKind,
    ModelNode,
    RelationEdge,
    RelationKind,
)
from django_remodel.report import _common, html, svg

VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "wbr", "source"}


class Checker(HTMLParser):
    """Checks nesting and collects what the tests look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.doctype: str | None = None
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: list[str] = []
        self.text: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids.append(attributes["id"])

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def check(page: str) -> Checker:
    checker = Checker()
    checker.feed(page)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    assert checker.doctype == "DOCTYPE html"
    return checker


def test_page_is_well_formed_html5(report):
    page = html.render(report)
    checker = check(page)
    tags = [tag for tag, _ in checker.tags]
    assert tags[:3] == ["html", "head", "meta"]
    assert dict(checker.tags[0][1]) == {"lang": "en"}
    assert checker.tags[2][1] == {"charset": "utf-8"}
    assert tags.count("title") >= 1
    assert tags.count("svg") == 1
    assert len(checker.ids) == len(set(checker.ids)), "ids must be unique"


def test_page_is_self_contained(report):
    page = html.render(report)
    checker = check(page)
    assert "http://" not in page
    assert "https://" not in page
    for tag, attributes in checker.tags:
        assert tag not in ("script", "link", "img", "iframe", "object", "embed"), tag
        assert "src" not in attributes
        href = attributes.get("href")
        if href is not None:
            assert href.startswith("#"), href
            assert href[1:] in checker.ids, href
        for name in ("style",):
            assert "url(" not in (attributes.get(name) or "")
    for url in re.findall(r"url\(([^)]*)\)", page):
        assert url.startswith("#"), url  # only the SVG's own markers


def test_one_box_per_model(report, graph):
    checker = check(html.render(report))
    boxes = [
        a["data-label"] or ""
        for tag, a in checker.tags
        if tag == "g" and a.get("class") == "rm-box"
    ]
    assert sorted(boxes) == sorted(node.label for node in _common.diagram_models(graph))
    edges = [a for tag, a in checker.tags if tag == "path" and "rm-edge" in (a.get("class") or "")]
    drawn = _common.diagram_relations(graph)
    assert len([e for e in edges if e.get("data-source")]) == len(drawn.edges)


def test_groups_and_findings(report):
    page = html.render(report)
    text = " ".join(check(page).text)
    assert "Group 1:" in text
    assert "auth.User" in text
    assert "confidence 87.3%" in text
    assert "email_address" in text
    assert "812 of 1,000" not in text  # the table has separate columns
    assert "python manage.py remodel absorb accounts.Profile" in text
    assert "repeated string column" in text
    assert 'class="rm-box" id="rm-model-legacy-AppUser"' in page
    assert 'href="#rm-model-legacy-AppUser"' in page
    assert "stroke:#d97706" in page  # group 1's colour on its members


def test_everything_is_escaped(report):
    nasty = "<script>alert(\"x\")</script> & 'quotes'"
    finding = Finding(FindingKind.PROFILE, "accounts.Profile", nasty, f"echo {nasty}", {"a&b": 1})
    group = dataclasses.replace(
        report.groups[0],
        mapping=(FieldMatch(nasty, tuple((label, nasty) for label in report.groups[0].models)),),
        key=nasty,
    )
    page = html.render(dataclasses.replace(report, findings=(finding,), groups=(group,)))
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;" in page
    check(page)


def test_nothing_found(empty_report):
    page = html.render(empty_report)
    check(page)
    assert "No duplicate groups found." in page
    assert "No other findings." in page
    assert 'id="migrations"' not in page


def _segments(route: svg.Route) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    points = route.points
    return list(itertools.pairwise(points))


def _crosses(box: svg.Box, a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Does the segment a-b pass through the inside of the box?"""
    (x1, y1), (x2, y2) = a, b
    left, right = box.x + 0.5, box.x + svg.BOX_WIDTH - 0.5
    top, bottom = box.y + 0.5, box.y + box.height - 0.5
    if x1 == x2:
        return left < x1 < right and max(min(y1, y2), top) < min(max(y1, y2), bottom)
    return top < y1 < bottom and max(min(x1, x2), left) < min(max(x1, x2), right)


def check_layout(result: svg.Layout) -> None:
    boxes = list(result.boxes.values())
    cells = {(b.row, b.col) for b in boxes}
    assert len(cells) == len(boxes), "two boxes in one cell"
    for box in boxes:
        assert box.x >= 0
        assert box.x + svg.BOX_WIDTH <= result.width
        assert box.y >= 0
        assert box.y + box.height <= result.height
    by_row: dict[int, list[svg.Box]] = {}
    for box in boxes:
        by_row.setdefault(box.row, []).append(box)
    for row in by_row.values():
        row.sort(key=lambda b: b.x)
        for left, right in itertools.pairwise(row):
            assert left.x + svg.BOX_WIDTH < right.x
    for route in result.routes:
        for a, b in _segments(route):
            assert a[0] == b[0] or a[1] == b[1], "lines are horizontal or vertical"
        start, end = route.points[0], route.points[-1]
        src, dst = route.source, route.target
        assert start[0] in (src.x, src.x + svg.BOX_WIDTH)
        assert src.y < start[1] < src.y + src.height
        assert end[1] == dst.y
        assert dst.x < end[0] < dst.x + svg.BOX_WIDTH


def check_no_crossing(result: svg.Layout) -> None:
    boxes = list(result.boxes.values())
    for route in result.routes:
        for a, b in _segments(route):
            for box in boxes:
                assert not _crosses(box, a, b), (route.edge.edge, box.label)


def test_layout_of_the_test_project(report):
    result = svg.layout(report)
    check_layout(result)
    check_no_crossing(result)
    # Readable on a laptop's screen: about six columns of boxes for about forty models.
    assert result.columns == svg.columns_for(len(result.boxes))
    if len(result.boxes) <= 40:
        assert result.width < 1500


def test_layout_keeps_apps_together(report):
    result = svg.layout(report)
    for panel in result.panels:
        inside = [b for b in result.boxes.values() if b.node.app_label == panel.app_label]
        for box in inside:
            assert panel.x <= box.x
            assert box.x + svg.BOX_WIDTH <= panel.x + panel.width
            assert panel.y <= box.y
            assert box.y + box.height <= panel.y + panel.height


def test_lanes_do_not_overlap(report):
    result = svg.layout(report)
    vertical: dict[float, list[tuple[float, float, svg.Route]]] = {}
    for route in result.routes:
        for a, b in _segments(route)[1:-1]:
            if a[0] == b[0]:
                vertical.setdefault(a[0], []).append((min(a[1], b[1]), max(a[1], b[1]), route))
    for spans in vertical.values():
        spans.sort(key=lambda s: s[0])
        for (_, e1, r1), (s2, _, r2) in itertools.pairwise(spans):
            assert e1 <= s2 or r1 is r2, (r1.edge.edge, r2.edge.edge)


def synthetic_graph(models: int, apps: int, seed: int = 7) -> ModelGraph:
    rng = random.Random(seed)
    nodes, relations = [], []
    labels = [f"app{i % apps}.Model{i}" for i in range(models)]
    for i, label in enumerate(labels):
        app, name = label.split(".")
        fields = [
            FieldNode(
                "id", "id", "id", "BigAutoField", False, False, True, False, True, None, None, None
            ),
            FieldNode(
                "name",
                "name",
                "name",
                "CharField",
                False,
                False,
                False,
                False,
                False,
                100,
                None,
                None,
            ),
        ]
        for k in range(rng.randint(0, 3) if i else 0):
            target = labels[rng.randrange(models)]
            fields.append(
                FieldNode(
                    f"ref{k}",
                    f"ref{k}_id",
                    f"ref{k}_id",
                    "ForeignKey",
                    bool(k % 2),
                    False,
                    False,
                    True,
                    False,
                    None,
                    None,
                    target,
                )
            )
            relations.append(
                RelationEdge(RelationKind.FOREIGN_KEY, label, f"ref{k}", target, bool(k % 2))
            )
        nodes.append(
            ModelNode(
                label, app, name, ModelKind.CONCRETE, label.replace(".", "_").lower(), tuple(fields)
            )
        )
    return ModelGraph(tuple(nodes), tuple(relations))


@pytest.mark.parametrize(("models", "apps"), [(60, 8), (500, 40), (120, 1)])
def test_big_projects_stay_valid(models, apps):
    graph = synthetic_graph(models, apps)
    group = DuplicateGroup(
        models=("app0.Model0", "app1.Model1"),
        canonical="app0.Model0",
        key="name",
        mapping=(FieldMatch("name", (("app0.Model0", "name"), ("app1.Model1", "name"))),),
        evidence=(),
        confidence=0.9,
        commands=("python manage.py remodel merge app1.Model1 --into app0.Model0",),
    )
    report = AuditReport(graph=graph, groups=(group,), findings=())
    started = time.perf_counter()
    page = html.render(report)
    assert time.perf_counter() - started < 20
    checker = check(page)
    boxes = [a for tag, a in checker.tags if tag == "g" and a.get("class") == "rm-box"]
    assert len(boxes) == models
    result = svg.layout(report)
    check_layout(result)
    if models <= 120:
        check_no_crossing(result)
