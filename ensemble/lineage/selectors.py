"""Reads about lineage. Every walk of the graph is a recursive CTE in this module.

The SQL is plain `WITH RECURSIVE` and runs on SQLite and PostgreSQL (only the starting points
and, on PostgreSQL, the order of the record lookups differ). Each walk is one statement whatever
the size of the graph: the recursion collects the links reached, read from the covering walk
indexes (`UNION` keeps each once, so diamonds and long chains cost one visit per link), or for
a limited walk the versions reached, and the same statement joins the records and artists of
what it reached. Depths are computed from the returned edges in Python, without further
queries.

Unavailable records (unpublished, or later taken down) stay in lineage data: credit remains.
Their nodes carry `available=False` and no title, so pages show "unavailable record by X".

Public entry points:

- `version_ancestry(version_id=, viewer=)` → Lineage: everything a version is built on.
- `record_ancestry(record=, viewer=)` → Lineage of the record's current version.
- `record_descendants(record_id=, viewer=)` → Lineage: everything built on any version of it.
  All three take `limit=` to stop after that many versions, nearest first.
- `record_descendant_count(record_id=)` → int: how many versions are built on it.
- `upstream_artists(version_ids=)` → [UpstreamArtist]: distinct artists upstream, with roles.
- `version_sources(version=, viewer=)` → [SourceView]: "Built on", the direct sources.
- `record_remixes(record=, viewer=, limit=)` → RemixesPage: "Remixed in", count and a page.
- `member_remix_counts(member_ids=)` / `member_remix_count(member=)`: "remixed N times".
- `records_never_remixed(queryset)` and `records_with_remix_counts(queryset)`: feed helpers.
- `record_path_upstream(from_record_ids=, to_record_id=)`: the chain a cycle would close.
- `text_ancestry(version=)`: the texts a text version is built on (for `blame`).
"""

import gc
import json
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from ensemble.accounts.models import Member
from ensemble.records.access import Viewer
from ensemble.records.models import Kind, Record, RecordVersion
from ensemble.records.selectors import records_visible

from .models import Role, SourceLink

# Table names, so the SQL below follows the models.
_LINK = SourceLink._meta.db_table
_VERSION = RecordVersion._meta.db_table
_RECORD = Record._meta.db_table
_MEMBER = Member._meta.db_table

MAX_SEED_VERSIONS = 100_000
# Credits list an artist's roles in this order.
_ROLE_RANK = {role: rank for rank, role in enumerate(Role.values)}


# What the selectors return ------------------------------------------------------------------


class LineageNode(NamedTuple):
    """One record version in a lineage graph."""

    version_id: int
    version_number: int
    record_id: int
    title: str  # empty when the viewer may not open the record
    kind: str
    author_id: int
    author_username: str
    author_name: str
    available: bool  # False: unpublished or taken down, and not the viewer's own
    depth: int  # steps from the nearest root (roots are 0)

    @property
    def label(self) -> str:
        if self.available:
            return f"“{self.title}” by {self.author_name}"
        return f"unavailable record by {self.author_name}"


class LineageEdge(NamedTuple):
    """`version_id` is built on `source_version_id`."""

    version_id: int
    source_version_id: int
    role: str
    role_other: str
    start_seconds: float | None
    end_seconds: float | None

    @property
    def role_label(self) -> str:
        return _role_label(self.role, self.role_other)


@dataclass
class Lineage:
    """A lineage graph: the roots, every version reached from them, and the links between.

    `direction` "up" means edges were followed from a version to its sources (ancestry),
    "down" from a source to what was built on it (descendants). Roots are in `nodes` at depth 0.
    """

    direction: Literal["up", "down"]
    root_version_ids: tuple[int, ...]
    nodes: dict[int, LineageNode]
    edges: list[LineageEdge]
    truncated: bool = False  # the walk stopped at its limit: more versions lie beyond
    _next: dict[int, list[LineageEdge]] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        """Versions reached, roots not counted."""
        return len(self.nodes) - len(self.root_version_ids)

    @property
    def max_depth(self) -> int:
        return max((node.depth for node in self.nodes.values()), default=0)

    @property
    def record_ids(self) -> set[int]:
        """Records reached, the roots' record not counted."""
        roots = {self.nodes[v].record_id for v in self.root_version_ids if v in self.nodes}
        return {node.record_id for node in self.nodes.values()} - roots

    def next(self, version_id: int) -> list[LineageEdge]:
        """Edges leaving a version in the walk's direction (its sources, or its remixes)."""
        if self._next is None:
            self._next = defaultdict(list)
            for edge in self.edges:
                key = edge.version_id if self.direction == "up" else edge.source_version_id
                self._next[key].append(edge)
        return self._next.get(version_id, [])

    def ordered(self) -> list[LineageNode]:
        """Every node, nearest first, then by record and version: for lists."""
        return sorted(self.nodes.values(), key=lambda n: (n.depth, n.record_id, n.version_number))


class UpstreamArtist(NamedTuple):
    member_id: int
    username: str
    display_name: str
    roles: tuple[str, ...]  # role codes in Role order
    other_roles: tuple[str, ...]  # the free texts given with "other"
    record_count: int  # how many of their records are upstream

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def role_labels(self) -> list[str]:
        labels = [str(Role(role).label) for role in self.roles if role != Role.OTHER]
        if Role.OTHER in self.roles:
            labels += self.other_roles or [str(Role.OTHER.label)]
        return labels


class SourceView(NamedTuple):
    """A direct source of a version, as "Built on" shows it."""

    link: SourceLink
    node: LineageNode

    @property
    def role_label(self) -> str:
        return self.link.role_label


@dataclass(frozen=True)
class RemixView:
    record: Record
    roles: tuple[str, ...]  # role labels of its links to the source


@dataclass(frozen=True)
class RemixesPage:
    count: int
    remixes: list[RemixView]


# Lineage walks ------------------------------------------------------------------------------


def version_ancestry(
    *, version_id: int, viewer: Viewer | None = None, limit: int | None = None
) -> Lineage:
    """Every version `version_id` is built on, directly or through others, with depth and roles.

    `limit`: stop after that many versions, nearest first, and say so (`truncated`); their
    links are included, so the nodes are at most `limit` plus the next step."""
    return _walk("up", [version_id], viewer, limit=limit)


def versions_ancestry(*, version_ids: Iterable[int], viewer: Viewer | None = None) -> Lineage:
    """Every version any of `version_ids` is built on, with their links, in one walk (what a
    cut's revenue shares need)."""
    return _walk("up", sorted(set(version_ids)), viewer)


def record_ancestry(
    *, record: Record, viewer: Viewer | None = None, limit: int | None = None
) -> Lineage:
    if record.current_version_id is None:
        return Lineage("up", (), {}, [])
    return version_ancestry(version_id=record.current_version_id, viewer=viewer, limit=limit)


def record_descendants(
    *, record_id: int, viewer: Viewer | None = None, limit: int | None = None
) -> Lineage:
    """Every version built on any version of the record, directly or through others.

    `limit` as for `version_ancestry`: a page can draw the nearest thousands of a record
    remixed ten thousand times, and `record_descendant_count` says how many there are."""
    return _walk("down", None, viewer, record_id=record_id, limit=limit)


def record_descendant_count(*, record_id: int) -> int:
    """How many versions are built on the record, directly or through others. One query."""
    sql = f"""
        WITH RECURSIVE walk(id) AS (
            SELECT id FROM {_VERSION} WHERE record_id = %s
            UNION
            SELECT l.version_id FROM {_LINK} l JOIN walk ON l.source_version_id = walk.id
        )
        SELECT COUNT(*) FROM walk
    """  # noqa: S608
    with walk_cursor() as cursor:
        cursor.execute(sql, [record_id])
        total = cursor.fetchone()[0]
    roots = RecordVersion.objects.filter(record_id=record_id).count() if total else 0
    return int(total) - roots


def upstream_artists(*, version_ids: Iterable[int]) -> list[UpstreamArtist]:
    """The distinct artists of everything the versions are built on, with the roles their work
    plays (what credits need). The versions' own artists are included only when their work is
    also upstream. Unavailable records count: credit remains. One query.
    """
    seeds = _seed_ids(version_ids)
    if not seeds:
        return []
    seed_sql, seed_params = _seed_select(seeds)
    # The recursion walks the links upwards, each row a source reached with its record and role
    # (read from the covering index `sourcelink_walk_up_idx`); `UNION` keeps each once, and the
    # next step follows the row's source version. Duplicates left by the joins are merged below.
    sql = f"""
        WITH RECURSIVE up(id, record_id, role, role_other) AS (
            SELECT l.source_version_id, l.source_record_id, l.role, l.role_other
            FROM {_LINK} l WHERE l.version_id IN ({seed_sql})
            UNION
            SELECT l.source_version_id, l.source_record_id, l.role, l.role_other
            FROM up JOIN {_LINK} l ON l.version_id = up.id
        )
        {_with_records("up")}
        SELECT w.author_id, m.username, m.display_name, w.role, w.role_other, w.record_id
        FROM with_record w
        JOIN {_MEMBER} m ON m.id = w.author_id
    """  # noqa: S608 - table names come from the models; values are parameters
    with _gc_paused():
        with walk_cursor() as cursor:
            cursor.execute(sql, seed_params)
            rows = cursor.fetchall()
        return _artists(rows)


def _artists(rows: list[tuple[Any, ...]]) -> list[UpstreamArtist]:
    """UpstreamArtists from rows of (author id, username, display name, role, role_other,
    record id)."""
    # author id → [username, display name, roles, words given with "other", record ids]
    found: dict[int, list[Any]] = {}
    other = Role.OTHER.value
    for author_id, username, display_name, role, role_other, record_id in rows:
        entry = found.get(author_id)
        if entry is None:
            found[author_id] = entry = [username, display_name, {role}, set(), {record_id}]
        else:
            entry[2].add(role)
            entry[4].add(record_id)
        if role == other and role_other:
            entry[3].add(role_other)
    artists = [
        UpstreamArtist(
            author_id,
            username,
            display_name,
            tuple(roles) if len(roles) == 1 else tuple(sorted(roles, key=_ROLE_RANK.__getitem__)),
            tuple(sorted(others)),
            len(records),
        )
        for author_id, (username, display_name, roles, others, records) in found.items()
    ]
    artists.sort(key=_artist_order)
    return artists


def _artist_order(artist: UpstreamArtist) -> tuple[str, int]:
    """By name (display name, else username), case-insensitively, then by member id."""
    return (artist.display_name or artist.username).casefold(), artist.member_id


def _walk(
    direction: Literal["up", "down"],
    seeds: Sequence[int] | None,
    viewer: Viewer | None,
    *,
    record_id: int | None = None,
    limit: int | None = None,
) -> Lineage:
    """One statement: one row per root (its node, no link), then one row per link reached (the
    node on its far side, the source walking up or the remix walking down, and the link).

    Without a limit the recursion walks the links themselves: a row is a link, and the next step
    reads the links leaving its far end. `UNION` drops a link met again (its near version was
    reached through another link too), so each link is read once, from the walk's covering index
    (`sourcelink_walk_up_idx` / `sourcelink_walk_down_idx`), and its row is already the edge:
    no second pass over the links. With a limit the recursion collects versions, so that the
    limit counts versions, and their links are read after it.
    """
    if seeds is not None:
        seed_sql, seed_params = _seed_select(_seed_ids(seeds))
    else:
        seed_sql, seed_params = f"SELECT id FROM {_VERSION} WHERE record_id = %s", [record_id]  # noqa: S608
    up = direction == "up"
    near, far, far_record, far_number = (
        ("version_id", "source_version_id", "source_record_id", "source_version_number")
        if up
        else ("source_version_id", "version_id", "record_id", "version_number")
    )
    # In LineageEdge's order, then the far version's number and record.
    columns = (
        "l.version_id, l.source_version_id, l.role, l.role_other, l.start_seconds, "
        f"l.end_seconds, l.{far_number}, l.{far_record}"
    )
    links_columns = (
        "version_id, source_version_id, role, role_other, start_seconds, end_seconds, number, "
        "record_id"
    )
    if limit is None:
        links = f"""
            links({links_columns}) AS (
                SELECT {columns} FROM {_LINK} l WHERE l.{near} IN ({seed_sql})
                UNION
                SELECT {columns} FROM links w JOIN {_LINK} l ON l.{near} = w.{far}
            )
        """  # noqa: S608
        params = [*seed_params]
    else:
        # Both databases stop a recursive CTE read with LIMIT.
        links = f"""
            walk(id) AS (
                {seed_sql}
                UNION
                SELECT l.{far} FROM {_LINK} l JOIN walk ON l.{near} = walk.id
            ),
            links({links_columns}) AS (
                SELECT {columns} FROM (SELECT id FROM walk LIMIT %s) w
                JOIN {_LINK} l ON l.{near} = w.id
            )
        """  # noqa: S608
        params = [*seed_params, int(limit) + 1]
    # A root's row has its id where a link's far end would be, and NULL at the near end.
    root_ends = "NULL, v.id" if up else "v.id, NULL"
    sql = f"""
        WITH RECURSIVE {links}{_with_records("links")}
        SELECT {root_ends}, NULL, NULL, NULL, NULL, v.number, r.id, r.title, r.kind,
               r.published, r.author_id, m.username, m.display_name
        FROM {_VERSION} v
        JOIN {_RECORD} r ON r.id = v.record_id
        JOIN {_MEMBER} m ON m.id = r.author_id
        WHERE v.id IN ({seed_sql})
        UNION ALL
        SELECT w.version_id, w.source_version_id, w.role, w.role_other, w.start_seconds,
               w.end_seconds, w.number, w.record_id, w.title, w.kind, w.published,
               w.author_id, m.username, m.display_name
        FROM with_record w
        JOIN {_MEMBER} m ON m.id = w.author_id
    """  # noqa: S608 - table and column names come from the models; values are parameters
    with _gc_paused():
        with walk_cursor() as cursor:
            cursor.execute(sql, [*params, *seed_params])
            rows = cursor.fetchall()
        return _lineage(direction, rows, viewer, limit)


def _lineage(
    direction: Literal["up", "down"],
    rows: list[tuple[Any, ...]],
    viewer: Viewer | None,
    limit: int | None,
) -> Lineage:
    """The Lineage from `_walk`'s rows."""
    # A row: the link (LineageEdge's fields), then the node on its far side (version number,
    # record id, title, kind, published, author id, username, display name). A root's row has
    # its version id at the far end of the link, and None at the near end and in the rest.
    # Tuples are made with tuple.__new__, as the named tuples' own constructors do, without
    # their per-call argument handling: these loops run once per link, thousands of times.
    far_at, near_at = (1, 0) if direction == "up" else (0, 1)
    roots: list[int] = []
    edges: list[LineageEdge] = []
    following: dict[int, list[int]] = defaultdict(list)
    new = tuple.__new__
    for row in rows:
        near = row[near_at]
        if near is None:
            roots.append(row[far_at])
        else:
            edges.append(new(LineageEdge, row[:6]))
            following[near].append(row[far_at])
    depth = _depths(roots, following).get
    viewer_id, staff = viewer_facts(viewer)
    # A version reached through several links has a row for each, all alike.
    nodes: dict[int, LineageNode] = {}
    for row in rows:
        node_id = row[far_at]
        number, record_id, title, kind, published, author_id, username, name = row[6:]
        available = bool(published) or staff or author_id == viewer_id
        nodes[node_id] = new(
            LineageNode,
            (
                node_id, number, record_id, title if available else "", kind, author_id,
                username, name or username, available, depth(node_id, 0),
            ),
        )  # fmt: skip
    # The walk read at most limit + 1 versions, each of them reached through a link from an
    # earlier one, so more than `limit` nodes means it did not reach the end.
    truncated = limit is not None and len(nodes) > limit
    return Lineage(direction, tuple(roots), nodes, edges, truncated)


def _depths(roots: list[int], following: dict[int, list[int]]) -> dict[int, int]:
    """Shortest distance from the roots, breadth first over the returned edges, a level at a
    time."""
    depth = dict.fromkeys(roots, 0)
    level, steps = roots, 0
    while level:
        steps += 1
        reached_now = []
        for current in level:
            for reached in following.get(current, ()):
                if reached not in depth:
                    depth[reached] = steps
                    reached_now.append(reached)
        level = reached_now
    return depth


# One level: "Built on" and "Remixed in" -----------------------------------------------------


def version_sources(*, version: RecordVersion, viewer: Viewer | None = None) -> list[SourceView]:
    """The direct sources of a version, in the order declared. One query."""
    links = (
        SourceLink.objects.filter(version=version)
        .select_related("source_version", "source_record__author")
        .order_by("id")
    )
    viewer_id, staff = viewer_facts(viewer)
    views = []
    for link in links:
        record, author = link.source_record, link.source_record.author
        available = record.published or staff or record.author_id == viewer_id
        node = LineageNode(
            link.source_version_id, link.source_version.number, record.pk,
            record.title if available else "", record.kind, author.pk, author.username,
            author.name, available, 1,
        )  # fmt: skip
        views.append(SourceView(link, node))
    return views


def record_remixes(*, record: Record, viewer: Viewer, limit: int = 24) -> RemixesPage:
    """Records built directly on any version of `record` that the viewer may see, newest first:
    the count and the first `limit`, each with the roles it uses the source in. Three queries
    whatever the number of remixes.
    """
    remixing = SourceLink.objects.filter(source_record=record).values("record_id")
    queryset = records_visible(viewer=viewer).filter(pk__in=remixing)
    count = queryset.count()
    page = list(
        queryset.select_related("author", "current_version").order_by("-created_at", "-id")[:limit]
    )
    roles: dict[int, list[str]] = defaultdict(list)
    if page:
        links = SourceLink.objects.filter(
            source_record=record, record_id__in=[r.pk for r in page]
        ).order_by("id")
        for record_id, role, role_other in links.values_list("record_id", "role", "role_other"):
            label = _role_label(role, role_other)
            if label not in roles[record_id]:
                roles[record_id].append(label)
    return RemixesPage(count, [RemixView(r, tuple(roles[r.pk])) for r in page])


def _remixes_of(source_record: Any) -> QuerySet[SourceLink]:
    """Links that count as remixes: from a published record."""
    return SourceLink.objects.filter(source_record=source_record, record__published=True)


def member_remix_counts(*, member_ids: Iterable[int]) -> dict[int, int]:
    """For each member: how many published records are built directly on their records
    ("remixed N times"). One query for any number of members; members never remixed get 0.
    """
    ids = list(member_ids)
    counts = dict.fromkeys(ids, 0)
    rows = (
        SourceLink.objects.filter(source_record__author_id__in=ids, record__published=True)
        .values("source_record__author_id")
        .annotate(n=Count("record_id", distinct=True))
        .values_list("source_record__author_id", "n")
    )
    counts.update(dict(rows))
    return counts


def member_remix_count(*, member: Member) -> int:
    return member_remix_counts(member_ids=[member.pk])[member.pk]


def records_never_remixed(queryset: QuerySet[Record]) -> QuerySet[Record]:
    """Only records no published record is built on (the "never remixed" filter)."""
    return queryset.exclude(Exists(_remixes_of(OuterRef("pk"))))


def records_with_remix_counts(queryset: QuerySet[Record]) -> QuerySet[Record]:
    """Annotate each record with `remix_count`: published records built directly on it."""
    counted = (
        _remixes_of(OuterRef("pk"))
        .order_by()
        .values("source_record")
        .annotate(n=Count("record_id", distinct=True))
        .values("n")
    )
    return queryset.annotate(
        remix_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
    )


# For the services and blame -----------------------------------------------------------------


def record_path_upstream(*, from_record_ids: Sequence[int], to_record_id: int) -> list[int] | None:
    """The shortest chain of record ids from one of `from_record_ids` up through the sources to
    `to_record_id` (both ends included), or None when `to_record_id` is not upstream.

    Used to refuse a link that would close a loop: building R on S loops when R is S or
    upstream of S. One query when there is no path, two when there is.
    """
    seeds = _seed_ids(from_record_ids)
    if not seeds:
        return None
    if to_record_id in seeds:
        return [to_record_id]
    seed_sql, seed_params = _seed_select(seeds)
    closure = f"""
        WITH RECURSIVE up(id) AS (
            {seed_sql}
            UNION
            SELECT l.source_record_id FROM {_LINK} l JOIN up ON l.record_id = up.id
        )
    """  # noqa: S608
    with walk_cursor() as cursor:
        exists = f"{closure} SELECT 1 FROM up WHERE id = %s"  # noqa: S608
        cursor.execute(exists, [*seed_params, to_record_id])
        if cursor.fetchone() is None:
            return None
        cursor.execute(
            f"{closure} SELECT DISTINCT l.record_id, l.source_record_id "  # noqa: S608
            f"FROM up JOIN {_LINK} l ON l.record_id = up.id",
            seed_params,
        )
        edges = cursor.fetchall()
    sources: dict[int, list[int]] = defaultdict(list)
    for record_id, source_id in edges:
        sources[record_id].append(source_id)
    came_from: dict[int, int | None] = dict.fromkeys(seeds)
    queue = deque(seeds)
    while queue:
        current = queue.popleft()
        if current == to_record_id:
            path = [current]
            while (previous := came_from[path[-1]]) is not None:
                path.append(previous)
            return path[::-1]
        for source in sources.get(current, ()):
            if source not in came_from:
                came_from[source] = current
                queue.append(source)
    return None  # pragma: no cover - the closure said it is there


class TextNode(NamedTuple):
    version_id: int
    version_number: int
    record_id: int
    title: str
    published: bool
    author_id: int
    author_username: str
    author_name: str
    text: str
    sources: tuple[int, ...]  # text versions it is built on, in the order declared


def text_ancestry(*, version: RecordVersion) -> dict[int, TextNode]:
    """The text version, the earlier versions of its record, and every text version they are
    built on through text records, with their texts and the links between. One query.
    """
    sql = f"""
        WITH RECURSIVE up(id) AS (
            SELECT id FROM {_VERSION} WHERE record_id = %s AND number <= %s
            UNION
            SELECT l.source_version_id FROM {_LINK} l
            JOIN up ON l.version_id = up.id
            JOIN {_RECORD} sr ON sr.id = l.source_record_id
            WHERE sr.kind = %s
        )
        SELECT v.id, v.number, r.id, r.title, r.published, r.author_id, m.username,
               m.display_name, v.text, l.source_version_id
        FROM up
        JOIN {_VERSION} v ON v.id = up.id
        JOIN {_RECORD} r ON r.id = v.record_id
        JOIN {_MEMBER} m ON m.id = r.author_id
        LEFT JOIN {_LINK} l ON l.version_id = v.id
            AND l.source_record_id IN (SELECT id FROM {_RECORD} WHERE kind = %s)
        WHERE r.kind = %s
        ORDER BY v.id, l.id
    """  # noqa: S608
    text = Kind.TEXT.value
    with walk_cursor() as cursor:
        cursor.execute(sql, [version.record_id, version.number, text, text, text])
        rows = cursor.fetchall()
    nodes: dict[int, TextNode] = {}
    for vid, number, rid, title, published, author_id, username, name, body, source in rows:
        node = nodes.get(vid)
        if node is None:
            node = TextNode(
                vid, number, rid, title, bool(published), author_id, username,
                name or username, body, (),
            )  # fmt: skip
        if source is not None:
            node = node._replace(sources=(*node.sources, source))
        nodes[vid] = node
    return nodes


# Internals ----------------------------------------------------------------------------------


# On PostgreSQL the planner guesses a recursive CTE's size from its first term (times ten), and
# for a few hundred starting points it guesses thousands of rows, so it hashes the whole links
# table on every step of the recursion (seconds at 400,000 records) and compiles the plan with
# JIT. Walks reach thousands of rows, not millions, so index lookups (nested loops) are right.
_PG_WALK_SETTINGS = "SET enable_hashjoin = off; SET enable_mergejoin = off; SET jit = off"
_PG_WALK_RESET = "RESET enable_hashjoin; RESET enable_mergejoin; RESET jit"


@contextmanager
def walk_cursor() -> Iterator[Any]:
    """A cursor for a recursive walk, here or in another app's recursive query: on PostgreSQL
    with the planner settings above for the walk only (two more round trips; nothing to do on
    SQLite, whose planner uses the indexes)."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            yield cursor
            return
        cursor.execute(_PG_WALK_SETTINGS)
        try:
            yield cursor
        finally:
            with suppress(DatabaseError):  # in an aborted transaction its rollback undoes them
                cursor.execute(_PG_WALK_RESET)


def _with_records(rows: str) -> str:
    """More CTEs for a walk, after its own: `with_record`, the CTE `rows` (which has a
    `record_id`) with the record's title, kind, published and author_id; the statement then
    joins the author (`member`) on `author_id`.

    Each is one index lookup per row. On PostgreSQL, lookups made in key order cost a fifth to
    a third less (each finds the index and table pages the previous one just read; about 15% of
    a whole walk), so the rows are sorted by record before reading the records, and by author
    before reading the authors. SQLite gains nothing from it, and reads them as they come."""
    if connection.vendor != "postgresql":
        return f""",
            with_record AS (
                SELECT w.*, r.title, r.kind, r.published, r.author_id
                FROM {rows} w JOIN {_RECORD} r ON r.id = w.record_id
            )
        """  # noqa: S608
    return f""",
        by_record AS MATERIALIZED (SELECT * FROM {rows} ORDER BY record_id),
        with_record AS MATERIALIZED (
            SELECT w.*, r.title, r.kind, r.published, r.author_id
            FROM by_record w JOIN {_RECORD} r ON r.id = w.record_id
            ORDER BY r.author_id
        )
    """  # noqa: S608


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cycle collector paused while a walk's rows become objects.

    A large walk makes tens of thousands of tuples; each 700 allocations start a collection,
    which walks the young objects (and now and then every object in the process), though none
    of these can be garbage: 15–20% of a walk of 9,000 versions. Nothing here makes cycles, so
    nothing is lost by collecting after. The previous state is restored (a caller that had
    paused it keeps it paused)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _seed_ids(ids: Iterable[int]) -> list[int]:
    seeds = list(dict.fromkeys(int(i) for i in ids))
    if len(seeds) > MAX_SEED_VERSIONS:
        raise ValueError(f"At most {MAX_SEED_VERSIONS:,} starting points per walk.")
    return seeds


def _seed_select(ids: list[int]) -> tuple[str, list[Any]]:
    """A SELECT of the ids as one parameter (a JSON list on SQLite, an array on PostgreSQL), so
    the statement does not depend on how many there are."""
    if connection.vendor == "postgresql":
        return "SELECT unnest(%s::bigint[])", [ids]
    return "SELECT value FROM json_each(%s)", [json.dumps(ids)]


def viewer_facts(viewer: Viewer | None) -> tuple[int | None, bool]:
    """The viewer's member id (None when signed out) and whether they are staff: with a record's
    `published` and author, what decides whether the viewer may open it."""
    if viewer is None or isinstance(viewer, AnonymousUser) or not viewer.is_authenticated:
        return None, False
    return viewer.pk, bool(viewer.is_staff)


def _role_label(role: str, role_other: str) -> str:
    if role == Role.OTHER and role_other:
        return role_other
    try:
        return str(Role(role).label)
    except ValueError:
        return role
