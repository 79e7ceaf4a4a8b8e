"""Reads about productions: lists for pages and the two lineage walks productions need.

The walks follow the pattern of `ensemble.lineage.selectors` (one recursive statement whatever
the size of the graph, the same SQL on SQLite and PostgreSQL), but carry each starting point
along, so that a result says *which* version of the cut it was reached from:

- `lineage_licences(version_ids=)`: for each version, its own record and every record upstream,
  with their licences (what may enter a production).
- `upstream_credits(seeds=)`: the artists upstream of a cut's versions, with the kind of what
  they made, the link's role and the first position in the cut they are reached from.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from ensemble.accounts.models import Member
from ensemble.lineage.models import SourceLink
from ensemble.lineage.selectors import walk_cursor
from ensemble.records.models import Record, RecordVersion

from .models import Cut, CutItem, Extra, Production, Render

_LINK = SourceLink._meta.db_table
_VERSION = RecordVersion._meta.db_table
_RECORD = Record._meta.db_table
_MEMBER = Member._meta.db_table


class LineageLicence(NamedTuple):
    """A record at or above a starting version, with its licence."""

    seed_version_id: int
    own: bool  # the starting version's own record
    record_id: int
    title: str
    licence: str
    author_name: str


def lineage_licences(*, version_ids: Iterable[int]) -> dict[int, list[LineageLicence]]:
    """Every record at or upstream of each version, with its licence. One query."""
    seeds = list(dict.fromkeys(int(i) for i in version_ids))
    if not seeds:
        return {}
    seed_sql, params = _ids_select(seeds)
    sql = f"""
        WITH RECURSIVE up(seed, id, record_id) AS (
            SELECT v.id, v.id, v.record_id FROM {_VERSION} v WHERE v.id IN ({seed_sql})
            UNION
            SELECT up.seed, l.source_version_id, l.source_record_id
            FROM up JOIN {_LINK} l ON l.version_id = up.id
        )
        SELECT DISTINCT up.seed, up.id = up.seed, r.id, r.title, r.licence,
               COALESCE(NULLIF(m.display_name, ''), m.username)
        FROM up
        JOIN {_RECORD} r ON r.id = up.record_id
        JOIN {_MEMBER} m ON m.id = r.author_id
    """  # noqa: S608 - table names come from the models; values are parameters
    found: dict[int, list[LineageLicence]] = defaultdict(list)
    with walk_cursor() as cursor:
        cursor.execute(sql, params)
        for seed, own, record_id, title, licence, author in cursor.fetchall():
            found[seed].append(LineageLicence(seed, bool(own), record_id, title, licence, author))
    for rows in found.values():
        rows.sort(key=lambda row: (not row.own, row.record_id))
    return dict(found)


class UpstreamCredit(NamedTuple):
    member_id: int
    username: str
    display_name: str
    kind: str  # of the upstream record
    role: str  # of the link that reached it
    first: int  # the smallest position of a cut item it is upstream of


def upstream_credits(*, seeds: Sequence[tuple[int, int]]) -> list[UpstreamCredit]:
    """The artists upstream of (version id, position) pairs: one row per artist, kind of work
    and link role, with the first position reached from. One query."""
    if not seeds:
        return []
    if connection.vendor == "postgresql":
        seed_sql = "SELECT * FROM unnest(%s::bigint[], %s::bigint[]) AS s(id, pos)"
        params: list[Any] = [[s[0] for s in seeds], [s[1] for s in seeds]]
    else:
        seed_sql = (
            "SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS pos "
            "FROM json_each(%s)"
        )
        params = [json.dumps([list(s) for s in seeds])]
    # The recursion carries the position of the cut item it started from; UNION keeps each
    # (position, version, role) once, so diamonds cost one visit per starting item.
    sql = f"""
        WITH RECURSIVE seeds(id, pos) AS ({seed_sql}),
        up(pos, id, record_id, role) AS (
            SELECT s.pos, l.source_version_id, l.source_record_id, l.role
            FROM seeds s JOIN {_LINK} l ON l.version_id = s.id
            UNION
            SELECT up.pos, l.source_version_id, l.source_record_id, l.role
            FROM up JOIN {_LINK} l ON l.version_id = up.id
        )
        SELECT r.author_id, m.username, m.display_name, r.kind, up.role, MIN(up.pos)
        FROM up
        JOIN {_RECORD} r ON r.id = up.record_id
        JOIN {_MEMBER} m ON m.id = r.author_id
        GROUP BY r.author_id, m.username, m.display_name, r.kind, up.role
    """  # noqa: S608 - table names come from the models; values are parameters
    with walk_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [UpstreamCredit(a, u, d or "", k, r, int(f)) for a, u, d, k, r, f in rows]


def _ids_select(ids: list[int]) -> tuple[str, list[Any]]:
    if connection.vendor == "postgresql":
        return "SELECT unnest(%s::bigint[])", [ids]
    return "SELECT value FROM json_each(%s)", [json.dumps(ids)]


# Pages and API ------------------------------------------------------------------------------


def production_cuts(*, production: Production) -> QuerySet[Cut]:
    return production.cuts.order_by("position", "id")


def cut_items(*, cut: Cut) -> QuerySet[CutItem]:
    """What a cut uses, in order of first appearance, with the records and their artists."""
    return cut.items.select_related("record", "record__author", "version").order_by("position")


def cut_renders(*, cut: Cut) -> QuerySet[Render]:
    return cut.renders.order_by("-queued_at", "-id")


def cut_latest_render(*, cut: Cut) -> Render | None:
    return cut.renders.filter(state=Render.State.SUCCEEDED).order_by("-finished_at", "-id").first()


def production_extras_released(*, production: Production) -> QuerySet[Extra]:
    """Extras whose own release time (or the production's, when they have none) has come."""
    now = timezone.now()
    extras = production.extras.select_related("record")
    if not production.is_released:
        return extras.none()
    return extras.filter(release_at__isnull=True) | extras.filter(release_at__lte=now)


def record_used_in(*, record_id: int) -> QuerySet[Cut]:
    """The cuts that use a record directly ("where my work went")."""
    return Cut.objects.filter(items__record_id=record_id).distinct().select_related("production")
