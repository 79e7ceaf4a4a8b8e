"""A record's whole lineage for its lineage page: a picture (server-rendered SVG) and two lists.

Reads: the two recursive walks of `selectors` (`record_ancestry` up from the current version,
`record_descendants` down from every version), one statement each whatever the size of the
graph, limited to `LINEAGE_LIMIT` versions each way; plus one count when the walk down was cut
short. Everything else is Python over what they returned:

- Versions are folded into records (one node per record): a remix with three versions whose
  links were copied forward is one remix, and a source pinned at two versions is one source.
- The picture is a layered drawing. The record sits in the middle, everything it is built on
  above, everything built on it below, and a source is always drawn above what is built on it
  (longest-path layers). A layer draws at most `MAX_PER_LAYER` records, the most remixed first,
  placed under (or over) the records they connect to, and a "+N more" box for the rest; after
  `MAX_LAYERS` layers one box counts what lies further. So the picture stays a few hundred
  boxes for any graph and renders in milliseconds; it is a view, the lists are complete.
- The lists are the accessible form: the graph as nested lists (each record under the nearest
  record it connects to, with its roles; where it is reached again, a short reference), every
  subtree in a `<details>`.

Unavailable records (unpublished, taken down) keep their place and their artist's credit, but
show as "unavailable record by X", with no title and no link to the content.

The SVG and lists are built here as strings, every value escaped, because thousands of
template includes would take seconds; the page template only places them.
"""

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html import escape
from typing import Literal
from urllib.parse import quote

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from ensemble.records.access import Viewer
from ensemble.records.models import Kind, Record

from .selectors import Lineage, record_ancestry, record_descendant_count, record_descendants

Side = Literal["up", "down"]
Key = tuple[Side | None, int]  # a box in the picture: (side, record id); None is the record
Pair = tuple[Key, Key]  # an edge: (upper box, lower box)

LINEAGE_LIMIT = 3_000  # versions read each way; the page says when there are more
MAX_PER_LAYER = 10  # records drawn in one layer of the picture
MAX_LAYERS = 10  # layers drawn each way

# Geometry of the picture, in pixels.
NODE_W, NODE_H = 188, 58
GAP_X, GAP_Y = 22, 64
MARGIN = 16
STEP_X = NODE_W + GAP_X
STEP_Y = NODE_H + GAP_Y
TITLE_CHARS, NAME_CHARS, ROLE_CHARS = 22, 17, 24

KIND_LABELS = {str(value): str(label) for value, label in Kind.choices}


# What the page shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeNode:
    """One record in the lineage."""

    record_id: int
    version_number: int  # the version used (sources) or the newest reached (remixes)
    title: str  # empty when the viewer may not open the record
    kind: str
    author_username: str
    author_name: str
    available: bool
    steps: int  # fewest links between it and the page's record

    @property
    def label(self) -> str:
        if self.available:
            return f"“{self.title}” by {self.author_name}"
        return f"unavailable record by {self.author_name}"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass
class LineageSide:
    """The records on one side of the page's record, and the links among them and to it.

    `links` maps (source record id, remix record id) to the role labels of the links between
    them, in the order first seen.
    """

    direction: Side
    nodes: dict[int, TreeNode]
    links: dict[tuple[int, int], list[str]]
    truncated: bool = False
    versions_total: int | None = None  # versions built on it, when the walk down stopped
    _inner: dict[int, list[int]] | None = field(default=None, repr=False)
    _outer: dict[int, list[int]] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def artist_count(self) -> int:
        return len({node.author_username for node in self.nodes.values()})

    def inner(self, record_id: int) -> list[int]:
        """Neighbours nearer the page's record: what it is used in (up), what it uses (down)."""
        self._index()
        assert self._inner is not None
        return self._inner.get(record_id, [])

    def outer(self, record_id: int) -> list[int]:
        """Neighbours further from the page's record."""
        self._index()
        assert self._outer is not None
        return self._outer.get(record_id, [])

    def roles(self, near: int, far: int) -> list[str]:
        """Role labels of the links between two neighbours, `near` nearer the page's record."""
        key = (far, near) if self.direction == "up" else (near, far)
        return self.links.get(key, [])

    def _index(self) -> None:
        if self._inner is not None:
            return
        inner: dict[int, list[int]] = defaultdict(list)
        outer: dict[int, list[int]] = defaultdict(list)
        for source, remix in self.links:
            near, far = (remix, source) if self.direction == "up" else (source, remix)
            inner[far].append(near)
            outer[near].append(far)
        for neighbours in (*inner.values(), *outer.values()):
            neighbours.sort()
        self._inner, self._outer = dict(inner), dict(outer)


@dataclass
class LineageTree:
    center: TreeNode
    up: LineageSide  # everything the record is built on
    down: LineageSide  # everything built on it


def lineage_tree(
    *, record: Record, viewer: Viewer | None = None, limit: int = LINEAGE_LIMIT
) -> LineageTree:
    """The record's ancestry and descendants, one node per record. Two queries (the walks),
    three when the walk down stopped at `limit` (then it counts what it did not read)."""
    ancestry = record_ancestry(record=record, viewer=viewer, limit=limit)
    descendants = record_descendants(record_id=record.pk, viewer=viewer, limit=limit)
    tree = tree_from_lineages(
        center=center_node(record), ancestry=ancestry, descendants=descendants
    )
    if tree.down.truncated:
        tree.down.versions_total = record_descendant_count(record_id=record.pk)
    return tree


def center_node(record: Record) -> TreeNode:
    version = record.current_version
    return TreeNode(
        record.pk, version.number if version else 0, record.title, record.kind,
        record.author.username, record.author.name, True, 0,
    )  # fmt: skip


def tree_from_lineages(*, center: TreeNode, ancestry: Lineage, descendants: Lineage) -> LineageTree:
    return LineageTree(
        center, _fold(ancestry, center.record_id), _fold(descendants, center.record_id)
    )


def _fold(lineage: Lineage, center_id: int) -> LineageSide:
    """Versions into records: the fewest steps, the newest version, the roles of every link."""
    nodes: dict[int, TreeNode] = {}
    for version in lineage.nodes.values():
        if version.record_id == center_id:
            continue
        seen = nodes.get(version.record_id)
        if seen is None:
            nodes[version.record_id] = TreeNode(
                version.record_id, version.version_number, version.title, version.kind,
                version.author_username, version.author_name, version.available, version.depth,
            )  # fmt: skip
        elif version.depth < seen.steps or version.version_number > seen.version_number:
            nodes[version.record_id] = TreeNode(
                seen.record_id, max(seen.version_number, version.version_number), seen.title,
                seen.kind, seen.author_username, seen.author_name, seen.available,
                min(seen.steps, version.depth),
            )  # fmt: skip
    links: dict[tuple[int, int], list[str]] = {}
    for edge in lineage.edges:
        remix = lineage.nodes.get(edge.version_id)
        source = lineage.nodes.get(edge.source_version_id)
        if remix is None or source is None or remix.record_id == source.record_id:
            continue
        roles = links.setdefault((source.record_id, remix.record_id), [])
        if (label := edge.role_label) not in roles:
            roles.append(label)
    return LineageSide(lineage.direction, nodes, links, truncated=lineage.truncated)


# URLs without a `reverse` per node ----------------------------------------------------------


class _Urls:
    """Record, version and member URLs from one `reverse` each (thousands of nodes)."""

    _PK, _NUMBER, _NAME = 918273645, 546372819, "zz-member-zz"

    def __init__(self) -> None:
        self.record = reverse("records:detail", kwargs={"pk": self._PK}).replace(
            str(self._PK), "{pk}"
        )
        self.version = (
            reverse("records:version", kwargs={"pk": self._PK, "number": self._NUMBER})
            .replace(str(self._PK), "{pk}")
            .replace(str(self._NUMBER), "{number}")
        )
        self.member = reverse("accounts:member", kwargs={"username": self._NAME}).replace(
            self._NAME, "{name}"
        )

    def node(self, node: TreeNode, side: Side | None) -> str:
        """Sources link to the version used; the record and its remixes to the record."""
        if side == "up":
            return self.version.format(pk=node.record_id, number=node.version_number)
        return self.record.format(pk=node.record_id)

    def artist(self, node: TreeNode) -> str:
        return self.member.format(name=quote(node.author_username, safe="!$&'()*+,;=~:@"))


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


# The picture --------------------------------------------------------------------------------


@dataclass
class _Box:
    x: float  # centre
    row: int
    node: TreeNode | None = None  # None: a "+N more" box
    hidden: int = 0
    further: bool = False  # counts whole layers beyond the last drawn
    layers: int = 0
    leads: list[int] = field(default_factory=list)  # drawn records it continues from


@dataclass
class _Layout:
    boxes: dict[Key, _Box]  # (side, record id); summaries get negative ids
    rows_up: int
    rows_down: int


def _layers(side: LineageSide, center_id: int) -> dict[int, int]:
    """Longest-path layers from the page's record, so every source lies beyond what uses it.
    Kahn's order over the links; a record left out (only in a malformed graph) keeps its steps.
    """
    pending = {rid: len(side.inner(rid)) for rid in side.nodes}
    layer = {center_id: 0}
    queue = deque([center_id])
    while queue:
        current = queue.popleft()
        for far in side.outer(current):
            if far not in pending:
                continue
            layer[far] = max(layer.get(far, 0), layer[current] + 1)
            pending[far] -= 1
            if pending[far] == 0:
                queue.append(far)
    for rid, node in side.nodes.items():
        if pending.get(rid, 0) > 0 or rid not in layer:
            layer[rid] = max(layer.get(rid, 0), node.steps, 1)
    del layer[center_id]
    return layer


def _place(desired: list[float]) -> list[float]:
    """Positions as near the desired ones as boxes a step apart allow (desired is sorted)."""
    placed: list[float] = []
    for want in desired:
        placed.append(want if not placed else max(want, placed[-1] + STEP_X))
    if placed:
        shift = sum(w - p for w, p in zip(desired, placed, strict=True)) / len(placed)
        placed = [p + shift for p in placed]
    return placed


def _layout_side(side: LineageSide, center_id: int, boxes: dict[Key, _Box]) -> int:
    """Choose and place this side's boxes; return how many rows it takes."""
    if not side.nodes:
        return 0
    direction = side.direction
    by_layer: dict[int, list[int]] = defaultdict(list)
    for rid, number in _layers(side, center_id).items():
        by_layer[number].append(rid)
    x_of = {center_id: boxes[(None, center_id)].x}
    last = max(by_layer)
    rows = 0
    for number in range(1, last + 1):
        members = by_layer.get(number, [])
        if not members:
            continue
        if number > MAX_LAYERS or rows < number - 1:
            break
        drawn = [rid for rid in members if any(n in x_of for n in side.inner(rid))]
        # the most remixed (or most built on) first, available before unavailable
        drawn.sort(key=lambda rid: (-len(side.outer(rid)), not side.nodes[rid].available, rid))
        drawn = drawn[:MAX_PER_LAYER]
        if not drawn:
            break
        wanted = []
        for rid in drawn:
            near = [x_of[n] for n in side.inner(rid) if n in x_of]
            wanted.append((sum(near) / len(near), rid))
        wanted.sort()
        for (_, rid), x in zip(wanted, _place([w for w, _ in wanted]), strict=True):
            x_of[rid] = x
            boxes[(direction, rid)] = _Box(x, number, side.nodes[rid])
        rows = number
        hidden = len(members) - len(drawn)
        if hidden:
            right = max(x_of[rid] for rid in drawn) + STEP_X
            boxes[(direction, -number)] = _Box(right, number, hidden=hidden)
    rest = {rid for n, members in by_layer.items() if n > rows for rid in members}
    if rest:
        edge = [rid for rid in by_layer.get(rows, [center_id]) if rid in x_of]  # last drawn
        leads = [rid for rid in edge if any(far in rest for far in side.outer(rid))]
        x = sum(x_of[rid] for rid in leads) / len(leads) if leads else x_of[center_id]
        rows += 1
        boxes[(direction, -rows)] = _Box(
            x, rows, hidden=len(rest), further=True, layers=last - rows + 1, leads=leads
        )
    return rows


def _layout(tree: LineageTree) -> _Layout:
    center_id = tree.center.record_id
    boxes: dict[Key, _Box] = {(None, center_id): _Box(0.0, 0, tree.center)}
    rows_up = _layout_side(tree.up, center_id, boxes)
    rows_down = _layout_side(tree.down, center_id, boxes)
    return _Layout(boxes, rows_up, rows_down)


def _bezier(p0: float, p1: float, p2: float, p3: float, t: float) -> float:
    u = 1 - t
    return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3


def tree_svg(tree: LineageTree) -> SafeString:
    """The picture: inline SVG (valid XML), sized in pixels so it scrolls in its frame."""
    layout = _layout(tree)
    urls = _Urls()
    boxes = layout.boxes
    left = min(box.x for box in boxes.values()) - NODE_W / 2
    right = max(box.x for box in boxes.values()) + NODE_W / 2
    width = right - left + 2 * MARGIN
    height = (layout.rows_up + layout.rows_down + 1) * STEP_Y - GAP_Y + 2 * MARGIN

    def row_of(key: Key) -> int:
        side, box = key[0], boxes[key]
        if side == "up":
            return layout.rows_up - box.row
        if side == "down":
            return layout.rows_up + box.row
        return layout.rows_up

    def cx(box: _Box) -> float:
        return box.x - left + MARGIN

    def top(key: Key) -> float:
        return MARGIN + row_of(key) * STEP_Y

    edges = _edges(tree, boxes)
    ports, fan_out, fan_in = _ports(edges, boxes, cx)
    center = tree.center
    count_up, count_down = len(tree.up), len(tree.down)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lineage-svg" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="group" '
        f'aria-labelledby="lineage-svg-title" '
        f'data-focus-x="{cx(boxes[(None, center.record_id)]):.0f}" '
        f'data-focus-y="{top((None, center.record_id)) + NODE_H / 2:.0f}">',
        f'<title id="lineage-svg-title">Lineage of {_e(center.label)}: built on {count_up} '
        f"record{'s' if count_up != 1 else ''} (above), {count_down} built on it (below)</title>",
        '<defs><marker id="lin-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0 1L10 5L0 9z" fill="#a8977f"/></marker></defs>',
        '<g class="lin-edges">',
    ]
    labels = []
    for (upper, lower), roles in edges.items():
        x1, x2 = ports[(upper, lower)]
        y1, y2 = top(upper) + NODE_H, top(lower)
        mid = (y1 + y2) / 2
        kind = " lin-edge-long" if row_of(lower) - row_of(upper) > 1 else ""
        if upper[1] < 0 or lower[1] < 0:
            kind = " lin-edge-more"
        out.append(
            f'<path class="lin-edge{kind}" '
            f'd="M{x1:.1f} {y1:.1f}C{x1:.1f} {mid:.1f} {x2:.1f} {mid:.1f} {x2:.1f} {y2 - 1:.1f}" '
            f'marker-end="url(#lin-arrow)"/>'
        )
        if not roles:
            continue
        text = _clip(", ".join(roles), ROLE_CHARS)
        # Near the end where the edges spread out more (where the labels have room), in the
        # gap next to that box.
        ly = y1 + GAP_Y * 0.42 if fan_in[lower] > fan_out[upper] else y2 - GAP_Y * 0.42
        lx = _bezier(x1, x1, x2, x2, _t_at(y1, mid, y2, ly))
        w = len(text) * 6.2 + 14
        labels.append(
            f'<g class="lin-role" transform="translate({lx:.1f} {ly:.1f})">'
            f'<rect x="{-w / 2:.1f}" y="-9" width="{w:.1f}" height="18" rx="9"/>'
            f'<text y="4" text-anchor="middle">{_e(text)}</text></g>'
        )
    out.append("</g>")
    out.append(f'<g class="lin-labels">{"".join(labels)}</g><g class="lin-nodes">')
    for key, box in boxes.items():
        x, y = cx(box) - NODE_W / 2, top(key)
        out.append(_box_svg(key[0], box, x, y, urls))
    out.append("</g></svg>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def _t_at(y1: float, mid: float, y2: float, want: float) -> float:
    """The curve's parameter where it reaches height `want` (its height only ever grows)."""
    lo, hi = 0.0, 1.0
    for _ in range(24):
        t = (lo + hi) / 2
        if _bezier(y1, mid, mid, y2, t) < want:
            lo = t
        else:
            hi = t
    return (lo + hi) / 2


def _edges(tree: LineageTree, boxes: dict[Key, _Box]) -> dict[Pair, list[str]]:
    """Links between drawn boxes as (upper box, lower box) → roles: sources above remixes."""
    center_id = tree.center.record_id
    found: dict[Pair, list[str]] = {}
    for side in (tree.up, tree.down):
        direction = side.direction
        for (source, remix), roles in side.links.items():
            upper: Key = (None, source) if source == center_id else (direction, source)
            lower: Key = (None, remix) if remix == center_id else (direction, remix)
            if upper in boxes and lower in boxes:
                found[(upper, lower)] = roles
    # the "+N more records further" boxes, joined to the records they continue from
    for key, box in boxes.items():
        side_key = key[0]
        for rid in box.leads:
            lead: Key = (None, rid) if rid == center_id else (side_key, rid)
            found[(key, lead) if side_key == "up" else (lead, key)] = []
    return found


def _ports(
    pairs: Iterable[Pair], boxes: dict[Key, _Box], cx: Callable[[_Box], float]
) -> tuple[dict[Pair, tuple[float, float]], dict[Key, int], dict[Key, int]]:
    """Where each edge leaves its upper box and enters its lower one: spread along the box
    edge in the order of the far ends, so edges fan out instead of meeting at one point.
    Also how many edges leave and enter each box."""
    leaving: dict[Key, list[tuple[float, Pair]]] = defaultdict(list)
    entering: dict[Key, list[tuple[float, Pair]]] = defaultdict(list)
    pairs = list(pairs)
    for upper, lower in pairs:
        leaving[upper].append((cx(boxes[lower]), (upper, lower)))
        entering[lower].append((cx(boxes[upper]), (upper, lower)))
    start: dict[Pair, float] = {}
    end: dict[Pair, float] = {}
    for ends, table in ((leaving, start), (entering, end)):
        for key, items in ends.items():
            items.sort(key=lambda item: item[0])
            spacing = min(22.0, (NODE_W - 48) / max(len(items) - 1, 1))
            middle = cx(boxes[key])
            for i, (_, pair) in enumerate(items):
                table[pair] = middle + (i - (len(items) - 1) / 2) * spacing
    ports = {pair: (start[pair], end[pair]) for pair in pairs}
    out = {key: len(items) for key, items in leaving.items()}
    into = {key: len(items) for key, items in entering.items()}
    return ports, out, into


def _box_svg(side: Side | None, box: _Box, x: float, y: float, urls: _Urls) -> str:
    position = f'transform="translate({x:.1f} {y:.1f})"'
    node = box.node
    if node is None:
        anchor = "#lineage-ancestors" if side == "up" else "#lineage-descendants"
        plural = "s" if box.hidden != 1 else ""
        if box.further:
            first = f"+{box.hidden:,} more record{plural}"
            steps = "step" if box.layers == 1 else "steps"
            second = f"{box.layers} more {steps} {'up' if side == 'up' else 'down'}"
        else:
            first, second = f"+{box.hidden:,} more", "at this step"
        return (
            f'<a href="{anchor}" class="lin-more-link"><g class="lin-more" {position}>'
            f"<title>{_e(first)}, {_e(second)}: see the list</title>"
            f'<rect width="{NODE_W}" height="{NODE_H}" rx="12"/>'
            f'<text class="lin-title" x="{NODE_W / 2}" y="25" text-anchor="middle">'
            f"{_e(first)}</text>"
            f'<text class="lin-artist" x="{NODE_W / 2}" y="44" text-anchor="middle">'
            f"{_e(second)}</text></g></a>"
        )
    classes = f"lin-node lin-kind-{_e(node.kind)}"
    if side is None:
        classes += " lin-focus"
    if not node.available:
        classes += " lin-unavailable"
    title = _clip(node.title, TITLE_CHARS) if node.available else "Unavailable record"
    version = f", version {node.version_number}" if side == "up" else ""
    tooltip = f"{node.label} ({node.kind_label.lower()}{version})"
    body = (
        f"<title>{_e(tooltip)}</title>"
        f'<rect class="lin-box" width="{NODE_W}" height="{NODE_H}" rx="12"/>'
        f'<rect class="lin-stripe" x="0" y="12" width="4" height="{NODE_H - 24}" rx="2"/>'
        f'<text class="lin-title" x="16" y="25">{_e(title)}</text>'
        f'<text class="lin-artist" x="16" y="44">by {_e(_clip(node.author_name, NAME_CHARS))}'
        f"</text>"
        f'<text class="lin-kind" x="{NODE_W - 14}" y="44" text-anchor="end">'
        f"{_e(node.kind_label.upper())}</text>"
    )
    group = f'<g class="{classes}" data-record="{node.record_id}" {position}>{body}</g>'
    if not node.available:
        return group
    return f'<a href="{_e(urls.node(node, side))}">{group}</a>'


# The lists ----------------------------------------------------------------------------------


def tree_list(tree: LineageTree, direction: Side) -> SafeString:
    """One side as nested lists: each record under the nearest record it connects to (nearest
    the page's record first, then oldest), with the roles of that link; where a record connects
    to more than one, it is in full once and a reference elsewhere. Every subtree is a
    `<details>`, open near the top (or everywhere, for a small lineage)."""
    side = tree.up if direction == "up" else tree.down
    center_id = tree.center.record_id
    if not side.nodes:
        return mark_safe("")
    parent: dict[int, int] = {}
    queue = deque([center_id])
    seen = {center_id}
    while queue:
        current = queue.popleft()
        for far in side.outer(current):
            if far not in seen and far in side.nodes:
                seen.add(far)
                parent[far] = current
                queue.append(far)
    for rid in side.nodes:  # unreachable only in a malformed graph: list them at the top
        if rid not in seen:
            parent[rid] = center_id
    children: dict[int, list[int]] = defaultdict(list)
    for rid, above in parent.items():
        children[above].append(rid)
    below = _subtree_sizes(center_id, children)

    def items(rid: int) -> list[int]:
        """Its children in full and its other neighbours as references (negative)."""
        full = children.get(rid, [])
        refs = [-far for far in side.outer(rid) if far in side.nodes and parent[far] != rid]
        return sorted([*full, *refs], key=abs)

    urls = _Urls()
    open_all = len(side.nodes) <= 40
    prefix = "lin-up" if direction == "up" else "lin-down"
    further = "further back" if direction == "up" else "further on"
    then = "the record above is built on" if direction == "up" else "built on the record above"
    out = ['<ul class="lin-list">']
    # (record, its items still to write, what closes it, how deep its list is, a chain link)
    stack = [_Level(center_id, iter(items(center_id)), "</ul>", 0, False)]
    while stack:
        level = stack[-1]
        item = next(level.pending, None)
        if item is None:
            out.append(stack.pop().closer)
            continue
        rid = abs(item)
        node = side.nodes[rid]
        roles = side.roles(level.record_id, rid)
        if item < 0:  # a reference: to its place in this list, where it is in full
            out.append(f'<li class="lin-ref">{_ref_line(node, roles, f"{prefix}-{rid}")}</li>')
            continue
        line = _list_line(node, roles, urls, direction)
        attrs = f'id="{prefix}-{rid}"'
        if level.chain:  # continues the record above it, at the same depth
            line = f'<span class="sr-only">{then}:</span>{line}'
            attrs += ' class="lin-then"'
        nested = items(rid)
        if not nested:
            out.append(f'<li {attrs}><div class="lin-leaf">{line}</div></li>')
        elif len(nested) == 1 and nested[0] > 0:
            # A chain (one record built on one record...) goes down the page, not ever right.
            out.append(f'<li {attrs}><div class="lin-leaf">{line}</div></li>')
            stack.append(_Level(rid, iter(nested), "", level.depth, True))
        else:
            opened = " open" if open_all or level.depth < 1 else ""
            out.append(
                f"<li {attrs}><details{opened}><summary>{line} "
                f'<span class="lin-count">{below[rid]:,} {further}</span></summary>'
                f'<ul class="lin-list">'
            )
            stack.append(_Level(rid, iter(nested), "</ul></details></li>", level.depth + 1, False))
    return mark_safe("".join(out))  # noqa: S308 - every value is escaped in _list_line


@dataclass
class _Level:
    record_id: int
    pending: Iterator[int]
    closer: str
    depth: int
    chain: bool


def _subtree_sizes(root: int, children: dict[int, list[int]]) -> dict[int, int]:
    """How many records lie under each record in the list (without recursion: chains are deep)."""
    order = [root]
    for rid in order:
        order.extend(children.get(rid, ()))
    size: dict[int, int] = {}
    for rid in reversed(order):
        size[rid] = sum(size[c] + 1 for c in children.get(rid, ()))
    return size


def _ref_line(node: TreeNode, roles: list[str], anchor: str) -> str:
    role = "".join(f'<span class="lin-role-chip">{_e(r)}</span>' for r in roles)
    name = _e(node.title) if node.available else "unavailable record"
    return (
        f'{role} <a class="lin-name" href="#{anchor}">{name}</a> '
        f'by {_e(node.author_name)} <span class="lin-also">also listed'
        f"</span>"
    )


def _list_line(node: TreeNode, roles: list[str], urls: _Urls, direction: Side) -> str:
    role = "".join(f'<span class="lin-role-chip">{_e(r)}</span>' for r in roles)
    artist = f'<a class="lin-by" href="{_e(urls.artist(node))}">{_e(node.author_name)}</a>'
    if node.available:
        version = (
            f' <span class="lin-version">v{node.version_number}</span>' if direction == "up" else ""
        )
        href = _e(urls.node(node, direction))
        what = f'<a class="lin-name" href="{href}">{_e(node.title)}</a>{version}'
    else:
        what = '<span class="lin-name lin-gone">unavailable record</span>'
    label = _e(node.kind_label)
    kind = (
        f'<i class="lin-dot lin-kind-{_e(node.kind)}" role="img" aria-label="{label}" '
        f'title="{label}"></i>'
    )
    return f"{role} {kind}{what} by {artist}"
