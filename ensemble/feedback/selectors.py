"""Reads about feedback: a target's comment thread, heart and follower counts, the activity of
what a member follows. Each costs a fixed number of queries, however long the lists."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from ensemble.accounts.models import Member
from ensemble.collabs.access import collaborations_visible
from ensemble.collabs.models import Collaboration
from ensemble.core.cursors import MAX_PAGE, newest_first_page
from ensemble.records.models import Record

from .models import Activity, Comment, Follow, Heart, Report
from .targets import Commentable, Target, Viewer

COMMENTS_PER_PAGE = 30
MARKERS_MAX = 500


@dataclass(frozen=True)
class Marker:
    """A timecoded comment as a mark on the seek bar."""

    comment_id: int
    timecode: float
    percent: float
    author: str
    excerpt: str


@dataclass
class CommentThread:
    """Top-level comments, newest first; each has its replies, oldest first, in `replies_shown`."""

    target: Target
    comments: Sequence[Comment]
    next_cursor: str | None
    count: int  # comments and replies that are not deleted
    reported: set[int] = field(default_factory=set)  # ids the viewer has reported
    markers: list[Marker] = field(default_factory=list)
    duration: float | None = None  # of the media timecodes point into

    @property
    def takes_timecodes(self) -> bool:
        return self.duration is not None


def comments_of(target: Commentable | Target) -> QuerySet[Comment]:
    place = Target.of(target)
    return Comment.objects.filter(**place.lookup())


def comment_thread(
    *,
    viewer: Viewer,
    target: Commentable | Target,
    cursor: str | None = None,
    limit: int = COMMENTS_PER_PAGE,
    with_markers: bool = True,
) -> CommentThread:
    """A page of a target's conversation for `viewer` (who must be allowed to see the target).

    Queries: the page of top-level comments with authors, their replies with authors, the
    count, the markers (media only), and the viewer's reports (members only) — five at most.
    A deleted comment stays only while it has replies; deleted replies are left out.
    """
    place = Target.of(target)
    limit = min(max(limit, 1), MAX_PAGE)
    comments = comments_of(place)
    live_replies = Comment.objects.filter(parent=OuterRef("pk"), deleted_at__isnull=True)
    top_level = (
        comments.filter(parent__isnull=True)
        .filter(Q(deleted_at__isnull=True) | Exists(live_replies))
        .select_related("author", "version")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Comment.objects.filter(deleted_at__isnull=True)
                .select_related("author", "version")
                .order_by("created_at", "id"),
                to_attr="replies_shown",
            )
        )
    )
    rows, next_cursor = newest_first_page(top_level, cursor=cursor, limit=limit)
    thread = CommentThread(
        target=place,
        comments=rows,
        next_cursor=next_cursor,
        count=comments.filter(deleted_at__isnull=True).count(),
        duration=place.duration,
    )
    if with_markers and thread.duration:
        thread.markers = markers_of(place, duration=thread.duration)
    if viewer.is_authenticated and rows:
        shown = [c.pk for c in rows] + [r.pk for c in rows for r in replies_of(c)]
        thread.reported = set(
            Report.objects.filter(reporter_id=viewer.pk, comment_id__in=shown).values_list(
                "comment_id", flat=True
            )
        )
    return thread


def replies_of(comment: Comment) -> list[Comment]:
    """The replies `comment_thread` loaded with a top-level comment (none for a reply)."""
    return list(getattr(comment, "replies_shown", []))


def markers_of(target: Commentable | Target, *, duration: float) -> list[Marker]:
    """The timecoded comments on the target's media version, by time, as seek-bar marks."""
    place = Target.of(target)
    version = place.media_version
    if version is None or duration <= 0:
        return []
    rows = (
        comments_of(place)
        .filter(version=version, timecode__isnull=False, deleted_at__isnull=True)
        .select_related("author")
        .order_by("timecode", "id")[:MARKERS_MAX]
    )
    return [
        Marker(
            comment_id=row.pk,
            timecode=float(row.timecode or 0),
            percent=round(min(max(float(row.timecode or 0) / duration, 0.0), 1.0) * 100, 3),
            author=row.author.name,
            excerpt=" ".join(row.body.split())[:80],
        )
        for row in rows
    ]


# Hearts and follows --------------------------------------------------------------------------


@dataclass(frozen=True)
class HeartSummary:
    record_id: int
    count: int
    hearted: bool  # by the viewer


def heart_summary(*, record: Record, viewer: Viewer) -> HeartSummary:
    """How many hearts a record has and whether the viewer gave one: one query."""
    mine = Q(member_id=viewer.pk) if viewer.is_authenticated else Q(pk__in=[])
    totals = Heart.objects.filter(record=record).aggregate(
        count=Count("id"), mine=Count("id", filter=mine)
    )
    return HeartSummary(record_id=record.pk, count=totals["count"], hearted=bool(totals["mine"]))


def heart_counts(*, records: list[Record]) -> dict[int, int]:
    """Hearts per record for a list of records: one query."""
    rows = (
        Heart.objects.filter(record__in=records)
        .values("record_id")
        .annotate(count=Count("id"))
        .values_list("record_id", "count")
    )
    return dict(rows)


@dataclass(frozen=True)
class FollowSummary:
    kind: str  # "member" or "collaboration"
    key: str  # the member's username or the collaboration's id, for links
    followers: int
    following: bool  # the viewer follows it
    can_follow: bool  # the viewer is a member, and not the one followed


def follow_summary(
    *, viewer: Viewer, member: Member | None = None, collaboration: Collaboration | None = None
) -> FollowSummary:
    """Follower count and whether the viewer follows: one query."""
    if member is not None:
        followers = Follow.objects.filter(member=member)
        kind, key = "member", member.username
        is_self = viewer.is_authenticated and viewer.pk == member.pk
    elif collaboration is not None:
        followers = Follow.objects.filter(collaboration=collaboration)
        kind, key, is_self = "collaboration", str(collaboration.pk), False
    else:
        raise ValueError("Name a member or a collaboration.")
    mine = Q(follower_id=viewer.pk) if viewer.is_authenticated else Q(pk__in=[])
    totals = followers.aggregate(count=Count("id"), mine=Count("id", filter=mine))
    return FollowSummary(
        kind=kind,
        key=key,
        followers=totals["count"],
        following=bool(totals["mine"]),
        can_follow=bool(viewer.is_authenticated and not is_self),
    )


# Activity ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityPage:
    activities: list[Activity]
    next_cursor: str | None


def activity_feed(*, member: Member, cursor: str | None = None, limit: int = 20) -> ActivityPage:
    """What the members and collaborations `member` follows did, newest first: one query.

    Activity about a record that is no longer published, or a collaboration `member` may not
    see, is left out.
    """
    follows = Follow.objects.filter(follower_id=member.pk)
    followed = Q(actor_id__in=follows.filter(member__isnull=False).values("member_id")) | Q(
        collaboration_id__in=follows.filter(collaboration__isnull=False).values("collaboration_id")
    )
    queryset = (
        Activity.objects.filter(followed)
        .filter(Q(record__isnull=True) | Q(record__published=True) | Q(record__author_id=member.pk))
        .filter(
            Q(collaboration__isnull=True)
            | Q(collaboration__in=collaborations_visible(member).values("pk"))
        )
        .select_related("actor", "record", "collaboration")
    )
    rows, next_cursor = newest_first_page(queryset, cursor=cursor, limit=limit)
    return ActivityPage(activities=rows, next_cursor=next_cursor)


def follows_anyone(*, member: Member) -> bool:
    return Follow.objects.filter(follower_id=member.pk).exists()
