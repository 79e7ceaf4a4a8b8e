"""Feedback in the API: comments on records, collaborations and submissions, reports, hearts,
follows and the activity feed. Mounted at the API's root ("/"), so its paths are
/records/{id}/comments, /collaborations/{id}/comments, /submissions/{id}/comments,
/comments/{id}, /comments/{id}/reports, /records/{id}/heart, /members/{username}/follow,
/collaborations/{id}/follow and /feed."""

from ninja import Query, Router, Schema, Status

from ensemble.accounts.models import Member
from ensemble.accounts.selectors import member_by_username
from ensemble.collabs.access import collaboration_for_viewer
from ensemble.core.api_auth import PUBLIC_READ, ApiRequest, member_auth, optional_auth
from ensemble.core.errors import NotFound
from ensemble.core.schemas import error_responses
from ensemble.records.access import record_for_viewer

from . import access, selectors, services
from .models import Comment
from .schemas import (
    ActivityOut,
    ActivityPageOut,
    CommentIn,
    CommentOut,
    CommentPageOut,
    CommentPatch,
    FollowOut,
    HeartOut,
    ReportIn,
    ReportOut,
)
from .targets import Target, target_of

router = Router(tags=["feedback"])


class PageQuery(Schema):
    cursor: str | None = None
    limit: int = 30


_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


# Comments ------------------------------------------------------------------------------------


def _thread(request: ApiRequest, target: Target, query: PageQuery) -> CommentPageOut:
    thread = selectors.comment_thread(
        viewer=request.auth,
        target=target,
        cursor=query.cursor,
        limit=query.limit,
        with_markers=False,
    )
    return CommentPageOut.from_thread(thread)


def _add(request: ApiRequest, target: Target, payload: CommentIn) -> Status[CommentOut]:
    parent = (
        access.comment_for_viewer(viewer=request.auth, comment_id=payload.parent_id)
        if payload.parent_id is not None
        else None
    )
    comment = services.comment_add(
        author=request.auth,
        target=target,
        body=payload.body,
        parent=parent,
        timecode=payload.timecode,
    )
    return Status(201, CommentOut.from_comment(comment, page_url=target.url()))


@router.get(
    "/records/{record_id}/comments",
    response={200: CommentPageOut, **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
)
def record_comments(request: ApiRequest, record_id: int, query: Query[PageQuery]) -> CommentPageOut:
    """A record's comments: top-level ones newest first, each with its replies oldest first.
    Pass `next_cursor` back as `cursor` for older comments (`limit` 1 to 100)."""
    target = access.target_for_viewer(viewer=request.auth, kind="record", target_id=record_id)
    return _thread(request, target, query)


@router.post(
    "/records/{record_id}/comments", response={201: CommentOut, **_ERRORS}, auth=member_auth
)
def record_comment_add(
    request: ApiRequest, record_id: int, payload: CommentIn
) -> Status[CommentOut]:
    """Comment on a record you can see, or reply (`parent_id`). On audio and video a
    `timecode` (seconds) points at a moment; it must lie within the media's length."""
    target = access.target_for_viewer(viewer=request.auth, kind="record", target_id=record_id)
    return _add(request, target, payload)


@router.get(
    "/collaborations/{collaboration_id}/comments",
    response={200: CommentPageOut, **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
)
def collaboration_comments(
    request: ApiRequest, collaboration_id: int, query: Query[PageQuery]
) -> CommentPageOut:
    """The public conversation about a collaboration."""
    target = access.target_for_viewer(
        viewer=request.auth, kind="collaboration", target_id=collaboration_id
    )
    return _thread(request, target, query)


@router.post(
    "/collaborations/{collaboration_id}/comments",
    response={201: CommentOut, **_ERRORS},
    auth=member_auth,
)
def collaboration_comment_add(
    request: ApiRequest, collaboration_id: int, payload: CommentIn
) -> Status[CommentOut]:
    """Comment on a collaboration (its leaders are told)."""
    target = access.target_for_viewer(
        viewer=request.auth, kind="collaboration", target_id=collaboration_id
    )
    return _add(request, target, payload)


@router.get(
    "/submissions/{submission_id}/comments",
    response={200: CommentPageOut, **_ERRORS},
    auth=member_auth,
)
def submission_comments(
    request: ApiRequest, submission_id: int, query: Query[PageQuery]
) -> CommentPageOut:
    """The conversation between a submission's artist and the collaboration's leaders (only
    they can read it)."""
    target = access.target_for_viewer(
        viewer=request.auth, kind="submission", target_id=submission_id
    )
    return _thread(request, target, query)


@router.post(
    "/submissions/{submission_id}/comments",
    response={201: CommentOut, **_ERRORS},
    auth=member_auth,
)
def submission_comment_add(
    request: ApiRequest, submission_id: int, payload: CommentIn
) -> Status[CommentOut]:
    """Write to the artist (as a leader) or to the leaders (as the artist). A `timecode`
    points into the submitted version."""
    target = access.target_for_viewer(
        viewer=request.auth, kind="submission", target_id=submission_id
    )
    return _add(request, target, payload)


@router.patch("/comments/{comment_id}", response={200: CommentOut, **_ERRORS}, auth=member_auth)
def comment_edit(request: ApiRequest, comment_id: int, payload: CommentPatch) -> CommentOut:
    """Change the text of your own comment (it shows as edited)."""
    comment = access.comment_for_viewer(viewer=request.auth, comment_id=comment_id)
    services.comment_edit(member=request.auth, comment=comment, body=payload.body)
    return CommentOut.from_comment(comment, page_url=_page_url(comment))


@router.delete("/comments/{comment_id}", response={200: CommentOut, **_ERRORS}, auth=member_auth)
def comment_delete(request: ApiRequest, comment_id: int) -> CommentOut:
    """Delete your own comment (staff may delete any). Its replies stay; it shows as
    "deleted comment". Deleting again is harmless."""
    comment = access.comment_for_viewer(viewer=request.auth, comment_id=comment_id)
    services.comment_delete(member=request.auth, comment=comment)
    return CommentOut.from_comment(comment, page_url=_page_url(comment))


@router.post(
    "/comments/{comment_id}/reports", response={201: ReportOut, **_ERRORS}, auth=member_auth
)
def comment_report(request: ApiRequest, comment_id: int, payload: ReportIn) -> Status[ReportOut]:
    """Tell staff about a comment (`reason`: spam, abuse or other). Once per comment: a second
    report answers 409."""
    comment = access.comment_for_viewer(viewer=request.auth, comment_id=comment_id)
    report = services.report_add(
        reporter=request.auth, comment=comment, reason=payload.reason, note=payload.note
    )
    return Status(201, ReportOut.from_report(report))


def _page_url(comment: Comment) -> str:
    return target_of(comment).url()


# Hearts and follows --------------------------------------------------------------------------


@router.put("/records/{record_id}/heart", response={200: HeartOut, **_ERRORS}, auth=member_auth)
def heart_put(request: ApiRequest, record_id: int) -> HeartOut:
    """Heart a record (again is harmless)."""
    record = record_for_viewer(viewer=request.auth, record_id=record_id)
    services.heart_add(member=request.auth, record=record)
    return HeartOut.from_summary(selectors.heart_summary(record=record, viewer=request.auth))


@router.delete("/records/{record_id}/heart", response={200: HeartOut, **_ERRORS}, auth=member_auth)
def heart_delete(request: ApiRequest, record_id: int) -> HeartOut:
    """Take your heart back (harmless if there was none)."""
    record = record_for_viewer(viewer=request.auth, record_id=record_id)
    services.heart_remove(member=request.auth, record=record)
    return HeartOut.from_summary(selectors.heart_summary(record=record, viewer=request.auth))


def _member(username: str) -> Member:
    member = member_by_username(username=username)
    if member is None:
        raise NotFound("There is no such member.")
    return member


@router.put("/members/{username}/follow", response={200: FollowOut, **_ERRORS}, auth=member_auth)
def member_follow(request: ApiRequest, username: str) -> FollowOut:
    """Follow a member: what they post shows in your feed. Not yourself."""
    member = _member(username)
    services.follow_add(follower=request.auth, member=member)
    return FollowOut.from_summary(selectors.follow_summary(viewer=request.auth, member=member))


@router.delete("/members/{username}/follow", response={200: FollowOut, **_ERRORS}, auth=member_auth)
def member_unfollow(request: ApiRequest, username: str) -> FollowOut:
    member = _member(username)
    services.follow_remove(follower=request.auth, member=member)
    return FollowOut.from_summary(selectors.follow_summary(viewer=request.auth, member=member))


@router.put(
    "/collaborations/{collaboration_id}/follow",
    response={200: FollowOut, **_ERRORS},
    auth=member_auth,
)
def collaboration_follow(request: ApiRequest, collaboration_id: int) -> FollowOut:
    """Follow a collaboration: its news shows in your feed."""
    collaboration = collaboration_for_viewer(viewer=request.auth, collaboration_id=collaboration_id)
    services.follow_add(follower=request.auth, collaboration=collaboration)
    return FollowOut.from_summary(
        selectors.follow_summary(viewer=request.auth, collaboration=collaboration)
    )


@router.delete(
    "/collaborations/{collaboration_id}/follow",
    response={200: FollowOut, **_ERRORS},
    auth=member_auth,
)
def collaboration_unfollow(request: ApiRequest, collaboration_id: int) -> FollowOut:
    collaboration = collaboration_for_viewer(viewer=request.auth, collaboration_id=collaboration_id)
    services.follow_remove(follower=request.auth, collaboration=collaboration)
    return FollowOut.from_summary(
        selectors.follow_summary(viewer=request.auth, collaboration=collaboration)
    )


# Activity ------------------------------------------------------------------------------------


@router.get("/feed", response={200: ActivityPageOut, **_ERRORS}, auth=member_auth)
def feed(request: ApiRequest, query: Query[PageQuery]) -> ActivityPageOut:
    """What the members and collaborations you follow did, newest first."""
    page = selectors.activity_feed(member=request.auth, cursor=query.cursor, limit=query.limit)
    return ActivityPageOut(
        items=[ActivityOut.from_activity(a) for a in page.activities],
        next_cursor=page.next_cursor,
    )
