"""Reads about collaborations: lists, the leaders' gallery with filters, a member's submissions,
curation history and counts. Every list loads its related rows in a bounded number of queries."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from ensemble.accounts.models import Member
from ensemble.core.cursors import newest_first_page
from ensemble.core.errors import EnsembleError
from ensemble.records.models import Record

from .access import Viewer, collaborations_visible
from .models import (
    Assignment,
    Collaboration,
    Decision,
    Invitation,
    Leadership,
    Status,
    Submission,
    SubmissionState,
)

GALLERY_LIMIT = 60


def collaborations_page(
    *, viewer: Viewer, status: str = "", cursor: str | None = None, limit: int = 24
) -> tuple[list[Collaboration], str | None]:
    """Collaborations the viewer may see, newest first; drafts only for their leaders."""
    queryset = collaborations_visible(viewer).select_related("created_by")
    if status:
        queryset = queryset.filter(status=status)
    counted: QuerySet[Collaboration] = queryset.annotate(
        submission_count=Count("submissions", filter=~Q(submissions__state="withdrawn"))
    )
    rows, next_cursor = newest_first_page(counted, cursor=cursor, limit=limit)
    _attach_leaders(rows)
    return rows, next_cursor


def collaborations_open(*, limit: int = 6) -> list[Collaboration]:
    """Open collaborations closing soonest (those without a deadline last): the home page's."""
    now = timezone.now()
    rows = list(
        Collaboration.objects.filter(status=Status.OPEN)
        .filter(Q(deadline__isnull=True) | Q(deadline__gt=now))
        .order_by("deadline", "-created_at")[:limit]
    )
    return rows


def leaders_of(collaboration: Collaboration) -> list[Member]:
    return [
        lead.member
        for lead in Leadership.objects.filter(collaboration=collaboration).select_related("member")
    ]


def _attach_leaders(collaborations: list[Collaboration]) -> None:
    by_collab: dict[int, list[Member]] = {c.pk: [] for c in collaborations}
    for lead in Leadership.objects.filter(collaboration__in=collaborations).select_related(
        "member"
    ):
        by_collab[lead.collaboration_id].append(lead.member)
    for collaboration in collaborations:
        collaboration.leader_list = by_collab[collaboration.pk]  # type: ignore[attr-defined]
        collaboration._leader_ids = {m.pk for m in by_collab[collaboration.pk]}  # type: ignore[attr-defined]


@dataclass(frozen=True)
class GalleryFilters:
    state: str = ""
    kind: str = ""
    city: str = ""
    camera: str = ""
    resolution: int | None = None  # at least, as a label number: 2160 for 4K
    meets: bool | None = None  # True: official only; False: only those marked off-spec
    assignment: int | None = None

    @classmethod
    def from_query(cls, query: Any) -> "GalleryFilters":
        def number(name: str) -> int | None:
            value = str(query.get(name) or "").strip()
            return int(value) if value.isdigit() and len(value) < 7 else None

        meets = str(query.get("meets") or "")
        return cls(
            state=str(query.get("state") or "") if query.get("state") in _STATES else "",
            kind=str(query.get("kind") or "")[:10],
            city=str(query.get("city") or "").strip()[:80],
            camera=str(query.get("camera") or "").strip()[:120],
            resolution=number("resolution"),
            meets=True if meets == "yes" else False if meets == "no" else None,
            assignment=number("assignment"),
        )

    @property
    def active(self) -> bool:
        return any(v not in ("", None) for v in self.__dict__.values())


_STATES = set(SubmissionState.values)


def submissions_gallery(
    *, collaboration: Collaboration, filters: GalleryFilters, include_withdrawn: bool = False
) -> QuerySet[Submission]:
    """The submissions the leaders curate, filtered, with record, version, artist and media."""
    if any("\x00" in value for value in vars(filters).values() if isinstance(value, str)):
        # PostgreSQL cannot compare text with NUL in it: refuse rather than fail with a 500.
        raise EnsembleError("A filter contains a NUL character, which is not allowed.")
    queryset = Submission.objects.filter(collaboration=collaboration).select_related(
        "record", "record__author", "version", "version__media_job", "member", "assignment"
    )
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    elif not include_withdrawn:
        queryset = queryset.exclude(state=SubmissionState.WITHDRAWN)
    if filters.kind:
        queryset = queryset.filter(record__kind=filters.kind)
    if filters.city:
        queryset = queryset.filter(record__city__iexact=filters.city)
    if filters.camera:
        queryset = queryset.filter(version__camera__icontains=filters.camera)
    if filters.resolution:
        queryset = queryset.filter(version__resolution__gte=filters.resolution)
    if filters.meets is not None:
        queryset = queryset.filter(meets_requirements=filters.meets)
    if filters.assignment:
        queryset = queryset.filter(assignment_id=filters.assignment)
    return queryset.order_by("-created_at", "-id")


def submissions_public(*, collaboration: Collaboration) -> QuerySet[Submission]:
    """What everyone sees in a collaboration's gallery: submitted, published records (no
    curation state: decisions are between the artist and the leaders until the cut)."""
    return (
        Submission.objects.filter(collaboration=collaboration, record__published=True)
        .exclude(state=SubmissionState.WITHDRAWN)
        .select_related("record", "record__author", "version", "version__media_job")
        .order_by("-created_at", "-id")
    )


def state_counts(*, collaboration: Collaboration) -> dict[str, int]:
    counts = dict.fromkeys(SubmissionState.values, 0)
    for row in (
        Submission.objects.filter(collaboration=collaboration)
        .values("state")
        .annotate(n=Count("id"))
    ):
        counts[row["state"]] = row["n"]
    return counts


def gallery_choices(*, collaboration: Collaboration) -> dict[str, list[Any]]:
    """The cities, cameras and resolutions present among the submissions (for filter menus)."""
    rows = Submission.objects.filter(collaboration=collaboration).values_list(
        "record__city", "version__camera", "version__resolution"
    )
    cities, cameras, resolutions = set(), set(), set()
    for city, camera, resolution in rows:
        cities.add(city) if city else None
        cameras.add(camera) if camera else None
        resolutions.add(resolution) if resolution else None
    return {
        "cities": sorted(cities, key=str.casefold),
        "cameras": sorted(cameras, key=str.casefold),
        "resolutions": sorted(resolutions, reverse=True),
    }


def member_submissions(*, member: Member) -> QuerySet[Submission]:
    """ "My submissions": every submission of the member, with its collaboration and the last
    decision's note."""
    return (
        Submission.objects.filter(member=member)
        .select_related("collaboration", "record", "version", "assignment")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related("actor").order_by("created_at", "id"),
            )
        )
        .order_by("-created_at", "-id")
    )


def submission_history(*, submission: Submission) -> list[Decision]:
    return list(submission.decisions.select_related("actor").order_by("created_at", "id"))


def assignments_of(*, collaboration: Collaboration) -> list[Assignment]:
    return list(
        Assignment.objects.filter(collaboration=collaboration).prefetch_related(
            Prefetch("invitations", queryset=Invitation.objects.select_related("member"))
        )
    )


def member_invitations(*, member: Member, pending_only: bool = False) -> QuerySet[Invitation]:
    queryset = Invitation.objects.filter(member=member).select_related(
        "assignment", "assignment__collaboration", "invited_by"
    )
    if pending_only:
        queryset = queryset.filter(state=Invitation.State.PENDING)
    return queryset.order_by("-created_at", "-id")


def member_submittable_records(*, member: Member, collaboration: Collaboration) -> QuerySet[Record]:
    """The member's published records not yet (or no longer) in the collaboration."""
    taken = Submission.objects.filter(collaboration=collaboration).exclude(
        state=SubmissionState.WITHDRAWN
    )
    queryset = Record.objects.filter(author=member, published=True).exclude(
        pk__in=taken.values("record_id")
    )
    if collaboration.kinds:
        queryset = queryset.filter(kind__in=collaboration.kinds)
    return queryset.select_related("current_version").order_by("-created_at", "-id")


def members_named(*, usernames: list[str]) -> tuple[list[Member], list[str]]:
    """Active members by username (case-insensitive), and the names that match nobody."""
    names = list(dict.fromkeys(usernames))
    if not names:
        return [], []
    query = Q()
    for name in names:
        query |= Q(username__iexact=name)
    found = list(Member.objects.filter(query, is_active=True).order_by("username"))
    known = {member.username.casefold() for member in found}
    return found, [name for name in names if name.casefold() not in known]
