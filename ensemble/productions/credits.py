"""The credits of a cut, computed here and nowhere else.

Who is credited:

- every artist whose record version is in the cut, in the role of its track: clips are
  "footage" (an image is "artwork"), beds "music" or "voice", text from a record "writing";
- every artist upstream of those versions in the lineage (one recursive query, see
  `selectors.upstream_credits`), in the role of what they made: a text is "writing", a sound
  "music" (or "voice" when the link says so), a video "footage", an image "artwork" — so the
  poet whose poem a musician set to music, used as a bed, is credited for writing;
- the leaders of the production's collaboration (or its owner) — "production" — and the
  members who edited the cut — "editing".

Each artist once, with all their roles; ordered by their first role (`ROLE_ORDER`), then by
first appearance in the film (leaders and editors who appear nowhere: in the order they joined).
A cut of any size costs the same handful of queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ensemble.accounts.models import Member
from ensemble.collabs.models import Leadership
from ensemble.records.models import Kind, RecordVersion

from . import render
from .models import Cut, Production
from .selectors import upstream_credits
from .timeline import Document, load

ROLE_ORDER = ("production", "editing", "footage", "music", "voice", "writing", "artwork")
ROLE_LABELS = {
    "production": "Produced by",
    "editing": "Edited by",
    "footage": "Footage",
    "music": "Music",
    "voice": "Voice",
    "writing": "Writing",
    "artwork": "Artwork",
}
_KIND_ROLES = {
    Kind.TEXT: "writing",
    Kind.AUDIO: "music",
    Kind.VIDEO: "footage",
    Kind.IMAGE: "artwork",
}
_NOT_IN_FILM = 10**9


@dataclass(frozen=True)
class Credit:
    member_id: int
    username: str
    name: str
    roles: tuple[str, ...]  # in ROLE_ORDER
    first: int  # position of first appearance in the film (large: not in the film)

    @property
    def role_labels(self) -> list[str]:
        return [ROLE_LABELS[role] for role in self.roles]


@dataclass(frozen=True)
class Credits:
    credits: tuple[Credit, ...]

    def __len__(self) -> int:
        return len(self.credits)

    @property
    def cohered_by(self) -> str:
        count = len(self.credits)
        return f"Cohered by {count} artist{'s' if count != 1 else ''}"

    def lines(self) -> list[render.CreditLine]:
        """The end-credits roll: a heading per combination of roles, each artist once."""
        groups: dict[tuple[str, ...], list[Credit]] = {}
        for credit in self.credits:
            groups.setdefault(credit.roles, []).append(credit)
        lines = [render.CreditLine(self.cohered_by, [])]
        for roles, members in groups.items():
            heading = " · ".join(ROLE_LABELS[role] for role in roles)
            lines.append(render.CreditLine(heading, [m.name for m in members]))
        return lines


@dataclass(frozen=True)
class Appearance:
    """A version used by the film: where it first appears and in which role."""

    version_id: int
    role: str
    position: int
    seconds: float


def appearances(document: Document, versions: dict[int, RecordVersion]) -> list[Appearance]:
    """Every use of a version in the film, in order of first appearance (film time, then
    picture before sound before text), numbered from 0."""
    found: list[tuple[float, int, int, str, float]] = []
    at = 0.0
    for index, clip in enumerate(document.clips):
        if index and clip.transition == "crossfade":
            at -= clip.transition_seconds
        if clip.version_id is not None:
            version = versions.get(clip.version_id)
            kind = version.record.kind if version is not None else Kind.VIDEO
            role = "artwork" if kind == Kind.IMAGE else "footage"
            found.append((at, 0, clip.version_id, role, clip.duration))
        at += clip.duration
    for bed in document.beds:
        if bed.version_id is not None:
            found.append((bed.offset, 1, bed.version_id, bed.role, bed.duration))
    for title in document.titles:
        if title.version_id is not None:
            found.append((title.start, 2, title.version_id, "writing", title.duration))
    found.sort(key=lambda item: (item[0], item[1]))
    return [
        Appearance(version_id, role, position, seconds)
        for position, (_, _, version_id, role, seconds) in enumerate(found)
    ]


def credits_for_document(
    *,
    production: Production,
    document: Document,
    versions: dict[int, RecordVersion] | None = None,
    editor_ids: Sequence[int] = (),
) -> Credits:
    """The credits of a film made from `document` in `production`."""
    if versions is None:
        ids = document.version_ids()
        versions = dict(RecordVersion.objects.select_related("record__author").in_bulk(ids))
    found: dict[int, tuple[str, str, set[str], int]] = {}

    def credit(member_id: int, username: str, name: str, role: str, first: int) -> None:
        entry = found.get(member_id)
        if entry is None:
            found[member_id] = (username, name or username, {role}, first)
        else:
            entry[2].add(role)
            if first < entry[3]:
                found[member_id] = (entry[0], entry[1], entry[2], first)

    used = appearances(document, versions)
    for item in used:
        version = versions.get(item.version_id)
        if version is not None:
            author = version.record.author
            credit(author.pk, author.username, author.name, item.role, item.position)
    seeds = [(item.version_id, item.position) for item in used]
    for row in upstream_credits(seeds=seeds):
        role = "voice" if row.role == "voice" else _KIND_ROLES.get(Kind(row.kind), "footage")
        credit(row.member_id, row.username, row.display_name, role, row.first)
    for order, member in enumerate(_producers(production)):
        credit(member.pk, member.username, member.name, "production", _NOT_IN_FILM + order)
    editors = Member.objects.in_bulk(list(editor_ids))
    for order, member_id in enumerate(editor_ids):
        editor = editors.get(member_id)
        if editor is not None:
            credit(editor.pk, editor.username, editor.name, "editing", _NOT_IN_FILM + order)

    credits = [
        Credit(member_id, username, name, tuple(r for r in ROLE_ORDER if r in roles), first)
        for member_id, (username, name, roles, first) in found.items()
    ]
    credits.sort(key=lambda c: (ROLE_ORDER.index(c.roles[0]), c.first, c.name.casefold()))
    return Credits(tuple(credits))


def _producers(production: Production) -> Iterable[Member]:
    """The collaboration's leaders in the order they joined, else the production's owner."""
    if production.collaboration_id is None:
        return [production.owner]
    leaders = [
        leadership.member
        for leadership in Leadership.objects.filter(collaboration_id=production.collaboration_id)
        .select_related("member")
        .order_by("added_at", "id")
    ]
    return leaders or [production.owner]


def cut_editor_ids(cut: Cut) -> list[int]:
    """Members who edited the cut, in the order they first did."""
    through = Cut.editors.through
    return list(
        through.objects.filter(cut_id=cut.pk).order_by("id").values_list("member_id", flat=True)
    )


def credits_for_cut(cut: Cut) -> Credits:
    """The credits of a cut as it is now."""
    return credits_for_document(
        production=cut.production, document=load(cut.timeline), editor_ids=cut_editor_ids(cut)
    )


def credits_for_render(cut: Cut, document: Document | None = None) -> list[render.CreditLine]:
    """The end-credits roll of a render of `cut` (of `document`, its snapshot, when given)."""
    if document is None:
        document = load(cut.timeline)
    credits = credits_for_document(
        production=cut.production, document=document, editor_ids=cut_editor_ids(cut)
    )
    return credits.lines()
