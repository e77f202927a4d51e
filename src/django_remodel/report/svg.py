"""The model diagram as an SVG drawing, laid out here without any library.

Layout, deterministic and linear enough for a few hundred models:

* Every model with a table gets a box of the same width in a grid of cells.
  The models of one app sit together in a panel: one column of up to
  ``MAX_ROWS`` boxes, or several side by side for a bigger app. Panels fill
  bands from left to right, apps that reference each other most placed
  next to each other.
* Between the columns and between the rows of cells run gutters, and every
  relation is drawn orthogonally inside them: out of the side of the source
  box at the line of its field, along the vertical gutter next to it, along
  the horizontal gutter just above the target's row, and down into the top of
  the target box, arrowhead last. Lines never cross a box.
* Each line gets its own lane in every gutter it runs along (greedy interval
  colouring), and gutters widen to hold their lanes, so lines do not overlap.

Members of duplicate groups are drawn in their group's colour, models named
by a finding carry a "!" badge, and a legend heads the drawing.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from django_remodel.audit.result import AuditReport
from django_remodel.graph import FieldNode, ModelGraph, ModelNode, RelationKind
from django_remodel.report import _common

BOX_WIDTH = 184
HEADER_HEIGHT = 34
LINE_HEIGHT = 15
BOX_PAD = 6
MAX_LINES = 6
MAX_ROWS = 5
LANE = 6
MIN_VGAP = 36
MIN_HGAP = 22
PANEL_PAD = 8
LABEL_HEIGHT = 22
BAND_GAP = 18
MARGIN = 16
PORT_STEP = 14
CHAR_12B = 7.3
CHAR_11 = 6.7
CHAR_10 = 6.1

GROUP_COLOURS = (
    ("#d97706", "#fef3c7"),
    ("#db2777", "#fce7f3"),
    ("#0891b2", "#cffafe"),
    ("#65a30d", "#ecfccb"),
    ("#9333ea", "#f3e8ff"),
    ("#dc2626", "#fee2e2"),
)
FINDING_COLOUR = "#1e293b"
EDGE_CLASSES = {
    RelationKind.FOREIGN_KEY: "fk",
    RelationKind.ONE_TO_ONE: "o2o",
    RelationKind.PARENT_LINK: "parent",
    RelationKind.MANY_TO_MANY: "m2m",
}

_SHORT_TYPES = {
    "AutoField": "auto",
    "BigAutoField": "bigauto",
    "SmallAutoField": "smallauto",
    "BooleanField": "bool",
    "IntegerField": "int",
    "BigIntegerField": "bigint",
    "SmallIntegerField": "smallint",
    "PositiveIntegerField": "uint",
    "PositiveBigIntegerField": "ubigint",
    "PositiveSmallIntegerField": "usmallint",
    "GenericIPAddressField": "ip",
}


@dataclass
class Line:
    """One field line of a box."""

    text: str
    tag: str
    field: str | None
    mapped: bool = False


@dataclass
class Box:
    node: ModelNode
    row: int
    col: int
    lines: list[Line]
    hidden: int
    x: float = 0.0
    y: float = 0.0

    @property
    def label(self) -> str:
        return self.node.label

    @property
    def height(self) -> float:
        return HEADER_HEIGHT + len(self.lines) * LINE_HEIGHT + BOX_PAD

    def line_y(self, name: str) -> float | None:
        """Offset from the top of the box to the middle of the line of field ``name``."""
        for i, line in enumerate(self.lines):
            if line.field == name:
                return HEADER_HEIGHT + i * LINE_HEIGHT + LINE_HEIGHT / 2
        return None


@dataclass
class Panel:
    app_label: str
    col: int
    cols: int
    row: int
    rows: int
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0


@dataclass
class Route:
    """A relation drawn from the side of ``source`` to the top of ``target``."""

    edge: _common.DiagramEdge
    source: Box
    target: Box
    side: str
    """``"left"`` or ``"right"``: the side of the source box the line leaves from."""
    gutter: int
    """The vertical gutter the line runs along (gutter ``k`` is left of column ``k``)."""
    channel: int
    """The horizontal gutter the line runs along (gutter ``k`` is above row ``k``)."""
    source_offset: float = 0.0
    target_offset: float = 0.0
    """Offsets of the ends from the box's top (source) and left edge (target)."""
    vertical_lane: int = 0
    horizontal_lane: int = 0
    points: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Layout:
    boxes: dict[str, Box]
    panels: list[Panel]
    routes: list[Route]
    columns: int
    rows: int
    width: float = 0.0
    height: float = 0.0
    legend_height: float = 0.0
    column_x: list[float] = field(default_factory=list)
    row_y: list[float] = field(default_factory=list)


def columns_for(count: int) -> int:
    """How many columns of boxes: about as many as rows, at most 12."""
    return max(3, min(12, round(math.sqrt(count * 0.9))))


def layout(report: AuditReport, legend_height: float = 0.0) -> Layout:
    """Place every box and route every relation; pure arithmetic on the report's graph."""
    graph = report.graph
    nodes = _common.diagram_models(graph)
    relations = _common.diagram_relations(graph, {n.label for n in nodes})
    columns = columns_for(len(nodes))
    wanted = _wanted_fields(report)

    by_app: dict[str, list[ModelNode]] = defaultdict(list)
    for node in nodes:
        by_app[node.app_label].append(node)
    weights = _app_weights(relations.edges, graph)
    panels: list[Panel] = []
    boxes: dict[str, Box] = {}
    band_row, band_rows, next_col = 0, 0, 0
    # Apps of the project, and Django's that hold a duplicate, first; the rest after them.
    involved = {label.split(".", 1)[0] for g in report.groups for label in g.models}
    involved.add(graph.auth_user_model.split(".", 1)[0])
    primary = sorted(
        app
        for app, members in by_app.items()
        if app in involved or any(n.first_party for n in members)
    )
    rest = sorted(app for app in by_app if app not in primary)
    for app_label in _app_order(primary, weights) + _app_order(rest, weights):
        members = _model_order(by_app[app_label], relations.edges)
        cols = min(columns, math.ceil(len(members) / MAX_ROWS))
        rows = math.ceil(len(members) / cols)
        if next_col + cols > columns:
            band_row += band_rows
            band_rows, next_col = 0, 0
        panel = Panel(app_label, next_col, cols, band_row, rows)
        panels.append(panel)
        for i, node in enumerate(members):
            lines, hidden = _box_lines(node, wanted.get(node.label, set()))
            boxes[node.label] = Box(node, band_row + i // cols, next_col + i % cols, lines, hidden)
        next_col += cols
        band_rows = max(band_rows, rows)
    total_rows = band_row + band_rows
    band_starts = {p.row for p in panels}

    routes = [_route(edge, boxes) for edge in relations.edges]
    _assign_ports(routes)
    vertical_lanes = _assign_lanes(
        routes,
        key=lambda r: r.gutter,
        span=_vertical_span,
        setter=lambda r, lane: setattr(r, "vertical_lane", lane),
    )
    horizontal_lanes = _assign_lanes(
        routes,
        key=lambda r: r.channel,
        span=_horizontal_span,
        setter=lambda r, lane: setattr(r, "horizontal_lane", lane),
    )

    result = Layout(boxes, panels, routes, columns, total_rows, legend_height=legend_height)
    _place(result, vertical_lanes, horizontal_lanes, band_starts)
    return result


def _wanted_fields(report: AuditReport) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = defaultdict(set)
    for group in report.groups:
        for label, names in _common.mapped_fields(group).items():
            wanted[label].update(names)
    return wanted


def _app_weights(edges: list[_common.DiagramEdge], graph: ModelGraph) -> dict[tuple[str, str], int]:
    weights: dict[tuple[str, str], int] = defaultdict(int)
    for item in edges:
        a = graph.model(item.source).app_label
        b = graph.model(item.target).app_label
        if a != b:
            weights[a, b] += 1
            weights[b, a] += 1
    return weights


def _app_order(apps: list[str], weights: dict[tuple[str, str], int]) -> list[str]:
    """Apps in an order that keeps the ones that reference each other close.

    Starts with the most connected app, then repeatedly takes the app most
    connected to the last three placed, then to any placed, then overall.
    """
    total = {app: sum(weights.get((app, other), 0) for other in apps) for app in apps}
    placed_links = dict.fromkeys(apps, 0)
    remaining = set(apps)
    order: list[str] = []
    while remaining:
        recent = order[-3:]

        def rank(app: str, recent: list[str] = recent) -> tuple[int, int, int, str]:
            near = sum(weights.get((app, b), 0) * (i + 1) for i, b in enumerate(recent))
            return (-near, -placed_links[app], -total[app], app)

        best = min(remaining, key=rank)
        order.append(best)
        remaining.discard(best)
        for app in remaining:
            placed_links[app] += weights.get((app, best), 0)
    return order


def _model_order(nodes: list[ModelNode], edges: list[_common.DiagramEdge]) -> list[ModelNode]:
    """Most referenced models of an app first, so lines into it stay short."""
    incoming: dict[str, int] = defaultdict(int)
    for item in edges:
        incoming[item.target] += 1
    return sorted(nodes, key=lambda n: (-incoming[n.label], n.label))


def _box_lines(node: ModelNode, wanted: set[str]) -> tuple[list[Line], int]:
    fields, hidden = _common.key_fields(node, MAX_LINES, wanted)
    if hidden:
        fields, hidden = _common.key_fields(node, MAX_LINES - 1, wanted)
    lines = [Line(f.name, _tag(f), f.name, f.name in wanted) for f in fields]
    if hidden:
        lines.append(Line(f"+ {_common.plural(hidden, 'more field')}", "", None))
    return lines, hidden


def _tag(f: FieldNode) -> str:
    if f.primary_key:
        return "PK" + (" FK" if f.related_model else "")
    if f.internal_type == "GenericForeignKey":
        return "GFK any"
    if _common.is_many_to_many(f):
        return "M2M"
    if f.internal_type == "OneToOneField":
        return "1:1"
    if f.related_model is not None:
        return "FK"
    short = _SHORT_TYPES.get(f.internal_type)
    if short is None:
        short = f.internal_type.removesuffix("Field").lower() or f.internal_type.lower()
    if f.max_length:
        short += f"({f.max_length})"
    return ("UK " if f.unique else "") + short


def _route(item: _common.DiagramEdge, boxes: dict[str, Box]) -> Route:
    source, target = boxes[item.source], boxes[item.target]
    side = "left" if target.col < source.col else "right"
    gutter = source.col if side == "left" else source.col + 1
    offset = source.line_y(item.edge.field)
    route = Route(item, source, target, side, gutter, target.row)
    route.source_offset = offset if offset is not None else HEADER_HEIGHT / 2
    return route


def _assign_ports(routes: list[Route]) -> None:
    """Spread the arrowheads along the top of each target, ordered by where lines come from."""
    by_target: dict[str, list[Route]] = defaultdict(list)
    for route in routes:
        by_target[route.target.label].append(route)
    for arriving in by_target.values():
        arriving.sort(
            key=lambda r: (r.gutter, r.source.row if r.gutter <= r.target.col else -r.source.row)
        )
        step = min(PORT_STEP, (BOX_WIDTH - 24) / max(1, len(arriving) - 1))
        start = BOX_WIDTH / 2 - step * (len(arriving) - 1) / 2
        for i, route in enumerate(arriving):
            route.target_offset = start + i * step


def _vertical_span(route: Route) -> tuple[float, float]:
    """Where the line runs along its vertical gutter, in row units (2k: gutter above row k)."""
    here = 2 * route.source.row + 1 + route.source_offset / 1000
    there = 2 * route.channel
    return min(here, there), max(here, there)


def _horizontal_span(route: Route) -> tuple[float, float]:
    """Where the line runs along its horizontal gutter, in column units (2k: gutter k)."""
    here = 2 * route.gutter
    there = 2 * route.target.col + 1 + route.target_offset / 1000
    return min(here, there), max(here, there)


def _assign_lanes(
    routes: list[Route],
    key: Callable[[Route], int],
    span: Callable[[Route], tuple[float, float]],
    setter: Callable[[Route, int], None],
) -> dict[int, int]:
    """Greedy interval colouring per gutter; returns the number of lanes of each gutter."""
    by_gutter: dict[int, list[Route]] = defaultdict(list)
    for route in routes:
        by_gutter[key(route)].append(route)
    counts: dict[int, int] = {}
    for gutter, members in by_gutter.items():
        ends: list[float] = []
        for route in sorted(members, key=lambda r: (*span(r), r.source.label, r.edge.edge.field)):
            start, end = span(route)
            for lane, last in enumerate(ends):
                if last < start:
                    ends[lane] = end
                    setter(route, lane)
                    break
            else:
                ends.append(end)
                setter(route, len(ends) - 1)
        counts[gutter] = len(ends)
    return counts


def _place(
    result: Layout,
    vertical_lanes: dict[int, int],
    horizontal_lanes: dict[int, int],
    band_starts: set[int],
) -> None:
    row_height = [float(HEADER_HEIGHT + BOX_PAD)] * result.rows
    for box in result.boxes.values():
        row_height[box.row] = max(row_height[box.row], box.height)
    gutter_width = [
        max(MIN_VGAP, vertical_lanes.get(k, 0) * LANE + 2 * PANEL_PAD + 4)
        for k in range(result.columns + 1)
    ]
    lanes_height = [
        max(MIN_HGAP, horizontal_lanes.get(k, 0) * LANE + 12) for k in range(result.rows + 1)
    ]
    x = MARGIN
    gutter_x: list[float] = []
    for k in range(result.columns + 1):
        gutter_x.append(x)
        x += gutter_width[k]
        if k < result.columns:
            result.column_x.append(x)
            x += BOX_WIDTH
    result.width = x + MARGIN
    y = MARGIN + result.legend_height
    lanes_top: list[float] = []
    for k in range(result.rows + 1):
        if k in band_starts:
            y += (BAND_GAP if k else 0) + LABEL_HEIGHT
        lanes_top.append(y)
        y += lanes_height[k]
        if k < result.rows:
            result.row_y.append(y)
            y += row_height[k]
    result.height = y + MARGIN

    for box in result.boxes.values():
        box.x, box.y = result.column_x[box.col], result.row_y[box.row]
    for panel in result.panels:
        panel.x = result.column_x[panel.col] - PANEL_PAD
        panel.width = (
            panel.cols * BOX_WIDTH
            + sum(gutter_width[panel.col + 1 : panel.col + panel.cols])
            + 2 * PANEL_PAD
        )
        panel.y = lanes_top[panel.row] - LABEL_HEIGHT
        last = panel.row + panel.rows - 1
        panel.height = result.row_y[last] + row_height[last] + PANEL_PAD - panel.y

    def lane_x(gutter: int, lane: int) -> float:
        used = vertical_lanes.get(gutter, 1)
        return gutter_x[gutter] + gutter_width[gutter] / 2 + (lane - (used - 1) / 2) * LANE

    def lane_y(channel: int, lane: int) -> float:
        return lanes_top[channel] + 6 + lane * LANE + LANE / 2

    for route in result.routes:
        source, target = route.source, route.target
        start_x = source.x if route.side == "left" else source.x + BOX_WIDTH
        start_y = source.y + route.source_offset
        gx = lane_x(route.gutter, route.vertical_lane)
        hy = lane_y(route.channel, route.horizontal_lane)
        tx = target.x + route.target_offset
        route.points = [(start_x, start_y), (gx, start_y), (gx, hy), (tx, hy), (tx, target.y)]


# --- drawing ---------------------------------------------------------------

_STYLE = """
.rm-diagram{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
.rm-panel>rect{fill:#f8fafc;stroke:#cbd5e1;stroke-width:1}
.rm-panel>text{font-size:12px;font-weight:700;fill:#334155}
.rm-panel.rm-third>text{fill:#64748b;font-weight:400}
.rm-box>rect{fill:#fff;stroke:#64748b;stroke-width:1}
.rm-box .rm-head{fill:#e2e8f0}
.rm-box .rm-name{font-size:12px;font-weight:700;fill:#0f172a}
.rm-box .rm-sub{font-size:10px;fill:#475569}
.rm-box .rm-field{font-size:11px;fill:#1e293b}
.rm-box .rm-field.rm-mapped{font-weight:700}
.rm-box .rm-more{font-size:11px;fill:#64748b;font-style:italic}
.rm-box .rm-tag{font-size:10px;fill:#64748b}
.rm-badge>text{font-size:10px;font-weight:700;fill:#fff}
.rm-edge{fill:none;stroke-width:1.4}
.rm-edge:hover{stroke-width:3}
.rm-edge.rm-null{stroke-dasharray:5 3}
.rm-edge.rm-fk{stroke:#64748b}
.rm-edge.rm-o2o{stroke:#4f46e5}
.rm-edge.rm-parent{stroke:#ea580c}
.rm-edge.rm-m2m{stroke:#059669}
.rm-legend text{font-size:11px;fill:#1e293b}
.rm-legend .rm-title{font-weight:700}
"""

_MARKERS = {
    "fk": ("#64748b", "M0,0 L10,5 L0,10 z", "#64748b"),
    "o2o": ("#4f46e5", "M0,0 L10,5 L0,10 z", "#4f46e5"),
    "parent": ("#ea580c", "M0,0 L10,5 L0,10 z", "#fff"),
    "m2m": ("#059669", "M0,0 L10,5 L0,10 M10,0 L10,10", "none"),
}


def render_svg(report: AuditReport) -> str:
    """The diagram as one ``<svg>`` element, with its own styles, for inline use in HTML."""
    members = _common.memberships(report)
    findings = _common.finding_subjects(report)
    legend = _legend(report)
    result = layout(report, legend_height=legend.height)
    parts = [
        f'<svg class="rm-diagram" width="{_n(result.width)}" height="{_n(result.height)}" '
        f'viewBox="0 0 {_n(result.width)} {_n(result.height)}" role="img" '
        'aria-labelledby="rm-diagram-title">',
        f'<title id="rm-diagram-title">{escape(_diagram_title(result))}</title>',
        f"<style>{_STYLE}</style>",
        "<defs>",
    ]
    for name, (stroke, path, fill) in _MARKERS.items():
        parts.append(
            f'<marker id="rm-arrow-{name}" viewBox="0 0 10 10" refX="10" refY="5" '
            f'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
            f'<path d="{path}" fill="{fill}" stroke="{stroke}" stroke-width="1.2"/></marker>'
        )
    parts.append("</defs>")
    parts.append(legend.svg(result.width))
    for panel in result.panels:
        third = all(
            not box.node.first_party
            for box in result.boxes.values()
            if box.node.app_label == panel.app_label
        )
        title = panel.app_label + (" (third-party)" if third else "")
        kinds = ", ".join(findings.get(panel.app_label, []))
        parts.append(
            f'<g class="rm-panel{" rm-third" if third else ""}">'
            f'<rect x="{_n(panel.x)}" y="{_n(panel.y)}" width="{_n(panel.width)}" '
            f'height="{_n(panel.height)}" rx="6"/>'
            f'<text x="{_n(panel.x + 8)}" y="{_n(panel.y + 15)}">'
            f"{escape(_clip(title, panel.width - 16 - (22 if kinds else 0), CHAR_12B))}</text>"
            + (_badge(panel.x + panel.width - 24, panel.y + 4, "!", FINDING_COLOUR, kinds))
            + "</g>"
        )
    for box in result.boxes.values():
        parts.append(_box_svg(report, box, members.get(box.label), findings.get(box.label)))
    for route in result.routes:
        parts.append(_edge_svg(route))
    parts.append("</svg>")
    return "\n".join(parts)


def natural_width(drawing: str) -> float:
    """The width a drawing of ``render_svg`` asks for, in pixels."""
    match = re.search(r'<svg [^>]*width="([0-9.]+)"', drawing)
    return float(match.group(1)) if match else 0.0


def _diagram_title(result: Layout) -> str:
    return f"Model diagram: {len(result.boxes)} models with a table, {len(result.routes)} relations"


def _box_svg(
    report: AuditReport,
    box: Box,
    membership: _common.Membership | None,
    finding_kinds: list[str] | None,
) -> str:
    node = box.node
    x, y = box.x, box.y
    stroke = ""
    head_fill = ""
    if membership is not None:
        colour, tint = GROUP_COLOURS[(membership.group - 1) % len(GROUP_COLOURS)]
        stroke = f' style="stroke:{colour};stroke-width:{3 if membership.canonical else 2}"'
        head_fill = f' style="fill:{tint}"'
    tip = [f"{node.label} ({node.kind})", f"table {node.db_table}"]
    rows = _common.rows_text(report, node.label)
    if rows:
        tip.append(rows)
    if membership is not None:
        tip.append(
            f"duplicate group {membership.group}" + (" (canonical)" if membership.canonical else "")
        )
    for kind in finding_kinds or []:
        tip.append(f"finding: {kind}")
    if box.hidden:
        tip.append(f"{box.hidden} more fields not shown")
    out = [
        f'<g class="rm-box" id="{escape(dom_id(node.label))}" data-label="{escape(node.label)}">',
        f"<title>{escape(chr(10).join(tip))}</title>",
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{BOX_WIDTH}" height="{_n(box.height)}" rx="4"'
        f"{stroke}/>",
        f'<rect class="rm-head" x="{_n(x + 1)}" y="{_n(y + 1)}" width="{BOX_WIDTH - 2}" '
        f'height="{HEADER_HEIGHT - 2}" rx="3"{head_fill}/>',
    ]
    badges: list[tuple[str, str, str]] = []
    if membership is not None:
        colour = GROUP_COLOURS[(membership.group - 1) % len(GROUP_COLOURS)][0]
        text = f"{membership.group}{'★' if membership.canonical else ''}"
        badges.append((text, colour, f"duplicate group {membership.group}"))
    if finding_kinds:
        badges.append(("!", FINDING_COLOUR, ", ".join(finding_kinds)))
    badge_width = sum(_badge_width(text) + 4 for text, _, _ in badges)
    name_room = BOX_WIDTH - 16 - badge_width
    out.append(
        f'<text class="rm-name" x="{_n(x + 8)}" y="{_n(y + 15)}">'
        f"{escape(_clip(node.object_name, name_room, CHAR_12B))}</text>"
    )
    sub = node.db_table or ""
    table = report.stats.table(node.label) if report.stats is not None else None
    if table is not None:
        sub += f" · {'' if table.rows_exact else '~'}{_common.compact_count(table.rows)} rows"
    out.append(
        f'<text class="rm-sub" x="{_n(x + 8)}" y="{_n(y + 28)}">'
        f"{escape(_clip(sub, BOX_WIDTH - 16, CHAR_10))}</text>"
    )
    bx = x + BOX_WIDTH - 6
    for text, colour, tip_text in badges:
        bx -= _badge_width(text)
        out.append(_badge(bx, y + 5, text, colour, tip_text))
        bx -= 4
    for i, line in enumerate(box.lines):
        ly = y + HEADER_HEIGHT + i * LINE_HEIGHT + 11
        if line.field is None:
            out.append(
                f'<text class="rm-more" x="{_n(x + 8)}" y="{_n(ly)}">{escape(line.text)}</text>'
            )
            continue
        room = BOX_WIDTH - 16 - CHAR_10 * (len(line.tag) + 1)
        css = "rm-field rm-mapped" if line.mapped else "rm-field"
        out.append(
            f'<text class="{css}" x="{_n(x + 8)}" y="{_n(ly)}">'
            f"{escape(_clip(line.text, room, CHAR_11))}</text>"
        )
        if line.tag:
            out.append(
                f'<text class="rm-tag" x="{_n(x + BOX_WIDTH - 8)}" y="{_n(ly)}" '
                f'text-anchor="end">{escape(line.tag)}</text>'
            )
    out.append("</g>")
    return "".join(out)


def _badge_width(text: str) -> float:
    return 8 + 6.5 * len(text)


def _badge(x: float, y: float, text: str, colour: str, tip: str) -> str:
    """A small pill with white text, its tip as a tooltip; nothing when ``tip`` is empty."""
    if not tip:
        return ""
    width = _badge_width(text)
    return (
        f'<g class="rm-badge"><title>{escape(tip)}</title>'
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="14" rx="7" '
        f'style="fill:{colour}"/><text x="{_n(x + width / 2)}" y="{_n(y + 10.5)}" '
        f'text-anchor="middle">{escape(text)}</text></g>'
    )


def _edge_svg(route: Route) -> str:
    edge = route.edge.edge
    kind = EDGE_CLASSES.get(edge.kind, "fk")
    css = f"rm-edge rm-{kind}" + (" rm-null" if edge.null and kind != "m2m" else "")
    path = "M" + " L".join(f"{_n(px)},{_n(py)}" for px, py in _simplify(route.points))
    details = [str(edge.kind)]
    if edge.on_delete:
        details.append(f"on_delete={edge.on_delete}")
    if edge.null and kind != "m2m":
        details.append("nullable")
    tip = f"{edge.source}.{edge.field} → {route.target.label} ({', '.join(details)})"
    start = ' marker-start="url(#rm-arrow-m2m)"' if kind == "m2m" else ""
    return (
        f'<path class="{css}" d="{path}"{start} marker-end="url(#rm-arrow-{kind})" '
        f'data-source="{escape(edge.source)}" data-target="{escape(route.target.label)}">'
        f"<title>{escape(tip)}</title></path>"
    )


def _simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop repeated and collinear points so every path is a clean polyline."""
    out: list[tuple[float, float]] = []
    for point in points:
        if out and math.isclose(out[-1][0], point[0]) and math.isclose(out[-1][1], point[1]):
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if (math.isclose(ax, bx) and math.isclose(bx, point[0])) or (
                math.isclose(ay, by) and math.isclose(by, point[1])
            ):
                out[-1] = point
                continue
        out.append(point)
    return out


@dataclass
class _Legend:
    rows: list[list[tuple[str, str]]]
    """Items per row: (kind, text); kinds ``title``, ``edge:<class>``, ``group:<n>``, ``badge``."""

    @property
    def height(self) -> float:
        return len(self.rows) * 20 + 8

    def svg(self, width: float) -> str:
        out = ['<g class="rm-legend">']
        y = MARGIN + 12
        for row in self.rows:
            x = float(MARGIN)
            for kind, text in row:
                if kind == "title":
                    out.append(
                        f'<text class="rm-title" x="{_n(x)}" y="{_n(y + 4)}">{escape(text)}</text>'
                    )
                    x += CHAR_11 * len(text) + 10
                    continue
                if kind.startswith("edge:"):
                    css = kind.removeprefix("edge:")
                    base, _, null = css.partition(" ")
                    start = ' marker-start="url(#rm-arrow-m2m)"' if base == "m2m" else ""
                    out.append(
                        f'<path class="rm-edge rm-{base}{" rm-" + null if null else ""}" '
                        f'd="M{_n(x)},{_n(y)} L{_n(x + 30)},{_n(y)}"{start} '
                        f'marker-end="url(#rm-arrow-{base})"/>'
                    )
                    x += 36
                elif kind.startswith("group:"):
                    number = int(kind.removeprefix("group:"))
                    colour, tint = GROUP_COLOURS[(number - 1) % len(GROUP_COLOURS)]
                    out.append(
                        f'<rect x="{_n(x)}" y="{_n(y - 7)}" width="26" height="14" rx="3" '
                        f'style="fill:{tint};stroke:{colour};stroke-width:2"/>'
                    )
                    x += 32
                elif kind == "badge":
                    out.append(
                        f'<rect x="{_n(x)}" y="{_n(y - 7)}" width="14" height="14" rx="7" '
                        f'fill="{FINDING_COLOUR}"/>'
                        f'<text x="{_n(x + 7)}" y="{_n(y + 3.5)}" text-anchor="middle" '
                        'style="fill:#fff;font-size:10px;font-weight:700">!</text>'
                    )
                    x += 20
                room = max(40.0, width - x - MARGIN)
                shown = _clip(text, room, CHAR_11)
                out.append(f'<text x="{_n(x)}" y="{_n(y + 4)}">{escape(shown)}</text>')
                x += CHAR_11 * len(shown) + 16
            y += 20
        out.append("</g>")
        return "".join(out)


def _legend(report: AuditReport) -> _Legend:
    rows: list[list[tuple[str, str]]] = [
        [
            ("title", "Relations (arrow points at the referenced model):"),
            ("edge:fk", "foreign key"),
            ("edge:fk null", "nullable"),
            ("edge:o2o", "one-to-one"),
            ("edge:parent", "multi-table parent"),
            ("edge:m2m", "many-to-many"),
        ]
    ]
    for number, group in enumerate(report.groups, start=1):
        members = ", ".join(
            label + (" ★" if label == group.canonical else "") for label in group.models
        )
        rows.append(
            [
                ("title", f"Duplicate group {number}:"),
                (
                    f"group:{number}",
                    f"{members} (confidence {_common.percent(group.confidence)})",
                ),
            ]
        )
    if report.findings:
        rows.append(
            [("title", "Findings:"), ("badge", "model or app named by a finding (see above)")]
        )
    return _Legend(rows)


def _clip(text: str, room: float, char: float) -> str:
    """``text`` cut with an ellipsis to fit ``room`` pixels at ``char`` pixels a character."""
    fits = max(1, int(room // char))
    return text if len(text) <= fits else text[: max(0, fits - 1)] + "…"


def _n(value: float) -> str:
    """A coordinate with at most one decimal."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def dom_id(label: str) -> str:
    return "rm-model-" + "".join(c if c.isalnum() else "-" for c in label)
