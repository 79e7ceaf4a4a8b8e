"""Collaborations in the API: briefs, leaders, submissions and their curation, assignments and
invitations.

Two routers: `router` is mounted at /collaborations; `member_router` at the root holds the
paths about one submission, assignment or invitation, and the caller's own lists under /me.
Every endpoint parses input, loads through `access`, calls a service or a selector and shapes
the answer; every rule and refusal is the domain's.
"""

from typing import Any, Literal

from ninja import Field, Query, Router, Schema, Status

from ensemble.accounts.selectors import member_by_username
from ensemble.core.api_auth import PUBLIC_READ, ApiRequest, member_auth, optional_auth
from ensemble.core.cursors import newest_first_page
from ensemble.core.errors import EnsembleError, NotFound
from ensemble.core.schemas import error_responses
from ensemble.core.uploads import PICTURE_PUT_BODY, multipart_put_file
from ensemble.records.models import Record
from ensemble.records.selectors import records_visible

from . import access, selectors, services
from .models import Collaboration
from .schemas import (
    AssignmentIn,
    AssignmentOut,
    CollaborationIn,
    CollaborationListItemOut,
    CollaborationOut,
    CollaborationPage,
    CollaborationPatch,
    DecisionIn,
    DecisionOut,
    InvitationOut,
    InvitationPage,
    InvitationsIn,
    LeaderIn,
    MySubmissionOut,
    MySubmissionPage,
    PersonOut,
    StatusIn,
    SubmissionDetailOut,
    SubmissionIn,
    SubmissionOut,
    SubmissionPage,
)

router = Router(tags=["collaborations"])
member_router = Router(tags=["collaborations"])


_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415, 422)


# Collaborations ----------------------------------------------------------------------------


class CollaborationQuery(Schema):
    status: Literal["", "draft", "open", "curating", "closed"] = Field(
        "", description="Only collaborations in this status (drafts: only those you lead)."
    )
    cursor: str | None = None
    limit: int = Field(24, description="1 to 100.")


def _detail(viewer: Any, collaboration: Collaboration) -> CollaborationOut:
    leaders = selectors.leaders_of(collaboration)
    collaboration._leader_ids = {m.pk for m in leaders}  # type: ignore[attr-defined]
    leads = access.is_leader(viewer, collaboration)
    counts = selectors.state_counts(collaboration=collaboration) if leads else None
    return CollaborationOut.of(collaboration, leaders=leaders, you_lead=leads, counts=counts)


@router.get(
    "",
    response={200: CollaborationPage, **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="List collaborations",
)
def collaborations_list(request: ApiRequest, query: Query[CollaborationQuery]) -> CollaborationPage:
    """Collaborations newest first: open, curating and closed ones for everyone, drafts for
    their leaders. Pass `next_cursor` back as `cursor` for the next page."""
    rows, next_cursor = selectors.collaborations_page(
        viewer=request.auth,
        status=query.status,
        cursor=query.cursor,
        limit=query.limit,
    )
    return CollaborationPage(
        items=[CollaborationListItemOut.of(c) for c in rows], next_cursor=next_cursor
    )


@router.post(
    "",
    response={201: CollaborationOut, **_ERRORS},
    auth=member_auth,
    summary="Start a collaboration",
)
def collaboration_create(request: ApiRequest, payload: CollaborationIn) -> Status[CollaborationOut]:
    """Start a collaboration as a draft led by you; open it with `POST .../status`.

    `deadline` without an offset is a wall-clock time in `deadline_zone`; `budget` is text
    with at most as many decimals as `budget_currency` has ("10.001" EUR is refused)."""
    fields = payload.dict(exclude_unset=True)
    title = fields.pop("title")
    collaboration = services.collaboration_create(leader=request.auth, title=title, **fields)
    return Status(201, _detail(request.auth, collaboration))


@router.get(
    "/{collaboration_id}",
    response={200: CollaborationOut, **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="Read a collaboration",
)
def collaboration_read(request: ApiRequest, collaboration_id: int) -> CollaborationOut:
    """The brief with its requirements, leaders, deadline (in its own time zone) and budget.
    Leaders also get the number of submissions in each state."""
    collaboration = access.collaboration_for_viewer(
        viewer=request.auth, collaboration_id=collaboration_id
    )
    return _detail(request.auth, collaboration)


@router.patch(
    "/{collaboration_id}",
    response={200: CollaborationOut, **_ERRORS},
    auth=member_auth,
    summary="Edit a collaboration",
)
def collaboration_edit(
    request: ApiRequest, collaboration_id: int, payload: CollaborationPatch
) -> CollaborationOut:
    """Leaders change the fields they send; fields left out stay as they are and `null`
    clears an optional one (the deadline, the budget, a requirement)."""
    collaboration = access.collaboration_for_leader(
        member=request.auth, collaboration_id=collaboration_id
    )
    collaboration = services.collaboration_update(
        actor=request.auth, collaboration=collaboration, changes=payload.dict(exclude_unset=True)
    )
    return _detail(request.auth, collaboration)


@router.post(
    "/{collaboration_id}/status",
    response={200: CollaborationOut, **_ERRORS},
    auth=member_auth,
    summary="Change a collaboration's status",
)
def collaboration_status(
    request: ApiRequest, collaboration_id: int, payload: StatusIn
) -> CollaborationOut:
    """draft → open → curating → closed, and back where it makes sense (open → draft while
    nobody has submitted, curating → open, closed → curating). Leaders only."""
    collaboration = access.collaboration_for_leader(
        member=request.auth, collaboration_id=collaboration_id
    )
    collaboration = services.collaboration_status_set(
        actor=request.auth, collaboration=collaboration, status=payload.status
    )
    return _detail(request.auth, collaboration)


def _image_put(request: ApiRequest, collaboration_id: int, which: str) -> CollaborationOut:
    collaboration = access.collaboration_for_leader(
        member=request.auth, collaboration_id=collaboration_id
    )
    services.collaboration_image_set(
        actor=request.auth,
        collaboration=collaboration,
        which=which,
        upload=multipart_put_file(request),
    )
    return _detail(request.auth, collaboration)


def _image_delete(request: ApiRequest, collaboration_id: int, which: str) -> CollaborationOut:
    collaboration = access.collaboration_for_leader(
        member=request.auth, collaboration_id=collaboration_id
    )
    services.collaboration_image_set(
        actor=request.auth, collaboration=collaboration, which=which, upload=None
    )
    return _detail(request.auth, collaboration)


@router.put(
    "/{collaboration_id}/cover",
    response={200: CollaborationOut, **_ERRORS},
    auth=member_auth,
    openapi_extra=PICTURE_PUT_BODY,
    summary="Set the cover picture",
)
def collaboration_cover_set(request: ApiRequest, collaboration_id: int) -> CollaborationOut:
    """Multipart form with `file`: a picture, re-encoded to WebP (at most 1600 pixels) without
    its metadata. Leaders only."""
    return _image_put(request, collaboration_id, "cover")


@router.delete(
    "/{collaboration_id}/cover",
    response={200: CollaborationOut, **_ERRORS},
    auth=member_auth,
    summary="Remove the cover picture",
)
def collaboration_cover_remove(request: ApiRequest, collaboration_id: int) -> CollaborationOut:
    return _image_delete(request, collaboration_id, "cover")


@router.put(
    "/{collaboration_id}/partner-logo",
    response={200: CollaborationOut, **_ERRORS},
    auth=member_auth,
    openapi_extra=PICTURE_PUT_BODY,
    summary="Set the partner's logo",
)
def collaboration_logo_set(request: ApiRequest, collaboration_id: int) -> CollaborationOut:
    """Multipart form with `file`: re-encoded to WebP (at most 600 pixels) without its
    metadata. Leaders only."""
    return _image_put(request, collaboration_id, "partner_logo")


@router.delete(
    "/{collaboration_id}/partner-logo",
    response={200: CollaborationOut, **_ERRORS},
    auth=member_auth,
    summary="Remove the partner's logo",
)
def collaboration_logo_remove(request: ApiRequest, collaboration_id: int) -> CollaborationOut:
    return _image_delete(request, collaboration_id, "partner_logo")


# Leaders -----------------------------------------------------------------------------------


@router.get(
    "/{collaboration_id}/leaders",
    response={200: list[PersonOut], **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="List the leaders",
)
def leaders_list(request: ApiRequest, collaboration_id: int) -> list[PersonOut]:
    """Who leads the collaboration, in the order they joined."""
    collaboration = access.collaboration_for_viewer(
        viewer=request.auth, collaboration_id=collaboration_id
    )
    return [PersonOut.from_member(m) for m in selectors.leaders_of(collaboration)]


@router.post(
    "/{collaboration_id}/leaders",
    response={201: list[PersonOut], **_ERRORS},
    auth=member_auth,
    summary="Add a leader",
)
def leader_add(
    request: ApiRequest, collaboration_id: int, payload: LeaderIn
) -> Status[list[PersonOut]]:
    """Make another member a leader (they are notified). Answers the leaders now."""
    collaboration = access.collaboration_for_leader(
        member=request.auth, collaboration_id=collaboration_id
    )
    member = _member(payload.username)
    if member is None:
        raise EnsembleError(f"No member is called “{payload.username}”.", field="username")
    services.leader_add(actor=request.auth, collaboration=collaboration, member=member)
    return Status(201, [PersonOut.from_member(m) for m in selectors.leaders_of(collaboration)])


@router.delete(
    "/{collaboration_id}/leaders/{username}",
    response={200: list[PersonOut], **_ERRORS},
    auth=member_auth,
    summary="Remove a leader",
)
def leader_remove(request: ApiRequest, collaboration_id: int, username: str) -> list[PersonOut]:
    """Remove a leader, or step down yourself; never the last one. Answers the leaders left."""
    collaboration = access.collaboration_for_leader(
        member=request.auth, collaboration_id=collaboration_id
    )
    member = _member(username)
    if member is None:
        raise NotFound(f"There is no member called “{username}”.", field="username")
    services.leader_remove(actor=request.auth, collaboration=collaboration, member=member)
    return [PersonOut.from_member(m) for m in selectors.leaders_of(collaboration)]


def _member(username: str) -> Any:
    return None if "\x00" in username else member_by_username(username=username.strip())


# Submissions to a collaboration ------------------------------------------------------------


class GalleryQuery(Schema):
    state: Literal["", "submitted", "shortlisted", "selected", "passed", "withdrawn"] = Field(
        "", description="Leaders only. Without it, every state but withdrawn."
    )
    kind: Literal["", "video", "audio", "image", "text"] = ""
    city: str = Field("", description="Leaders only: the record's city.")
    camera: str = Field("", description="Leaders only: part of the camera make or model.")
    resolution: int | None = Field(
        None, ge=1, le=100_000, description="Leaders only: at least this (2160 for 4K)."
    )
    meets: bool | None = Field(
        None,
        description="Leaders only: true for submissions that meet the requirements, false for "
        "those accepted but marked off-spec.",
    )
    assignment: int | None = Field(None, ge=1, description="Leaders only: an assignment's id.")
    cursor: str | None = None
    limit: int = Field(60, description="1 to 100.")


@router.get(
    "/{collaboration_id}/submissions",
    response={200: SubmissionPage, **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="List a collaboration's submissions",
)
def submissions_list(
    request: ApiRequest, collaboration_id: int, query: Query[GalleryQuery]
) -> SubmissionPage:
    """For leaders, the curation gallery: every submission with its state, whether it meets
    the requirements (and why not), filtered by state, kind, city, camera, resolution,
    requirements and assignment. For everyone else, the public gallery: submitted published
    records, newest first, without curation states (`curation` is false, filters other than
    `kind` are ignored)."""
    collaboration = access.collaboration_for_viewer(
        viewer=request.auth, collaboration_id=collaboration_id
    )
    leads = access.is_leader(request.auth, collaboration)
    if leads:
        queryset = selectors.submissions_gallery(
            collaboration=collaboration,
            filters=selectors.GalleryFilters(
                state=query.state,
                kind=query.kind,
                city=query.city.strip(),
                camera=query.camera.strip(),
                resolution=query.resolution,
                meets=query.meets,
                assignment=query.assignment,
            ),
        )
    else:
        queryset = selectors.submissions_public(collaboration=collaboration)
        if query.kind:
            queryset = queryset.filter(record__kind=query.kind)
    rows, next_cursor = newest_first_page(
        queryset.prefetch_related("version__renditions"),
        cursor=query.cursor,
        limit=query.limit,
    )
    return SubmissionPage(
        curation=leads,
        items=[SubmissionOut.of(s, curation=leads) for s in rows],
        next_cursor=next_cursor,
    )


@router.post(
    "/{collaboration_id}/submissions",
    response={201: list[SubmissionOut], **_ERRORS},
    auth=member_auth,
    summary="Submit records",
)
def submissions_create(
    request: ApiRequest, collaboration_id: int, payload: SubmissionIn
) -> Status[list[SubmissionOut]]:
    """Submit one or more of your published records to an open collaboration before its
    deadline: all are accepted, or none, with the reason. Each is checked against the brief's
    requirements: refused, or (when the brief says so) accepted and marked with what it
    misses. A video still being processed is refused with 409 when the brief has media
    requirements: submit it when it is ready."""
    collaboration = access.collaboration_for_viewer(
        viewer=request.auth, collaboration_id=collaboration_id
    )
    assignment = (
        access.assignment_for_viewer(viewer=request.auth, assignment_id=payload.assignment_id)
        if payload.assignment_id is not None
        else None
    )
    created = services.submission_create(
        member=request.auth,
        collaboration=collaboration,
        records=_records(request.auth, payload.record_ids),
        assignment=assignment,
    )
    return Status(201, [SubmissionOut.of(s, curation=True) for s in created])


def _records(viewer: Any, record_ids: list[int]) -> list[Record]:
    """The records named, in the order given (repeats kept: the service refuses them)."""
    found = {
        r.pk: r
        for r in records_visible(viewer=viewer)
        .filter(pk__in=record_ids)
        .select_related("author", "current_version", "current_version__media_job")
    }
    missing = [str(pk) for pk in dict.fromkeys(record_ids) if pk not in found]
    if missing:
        raise NotFound(
            f"There is no such record, or it is not published: {', '.join(missing)}.",
            field="record_ids",
        )
    return [found[pk] for pk in record_ids]


# Assignments -------------------------------------------------------------------------------


@router.get(
    "/{collaboration_id}/assignments",
    response={200: list[AssignmentOut], **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="List the assignments",
)
def assignments_list(request: ApiRequest, collaboration_id: int) -> list[AssignmentOut]:
    """The collaboration's assignments; leaders also see who was invited and their answers."""
    collaboration = access.collaboration_for_viewer(
        viewer=request.auth, collaboration_id=collaboration_id
    )
    leads = access.is_leader(request.auth, collaboration)
    return [
        AssignmentOut.of(a, leader=leads)
        for a in selectors.assignments_of(collaboration=collaboration)
    ]


@router.post(
    "/{collaboration_id}/assignments",
    response={201: AssignmentOut, **_ERRORS},
    auth=member_auth,
    summary="Create an assignment",
)
def assignment_create(
    request: ApiRequest, collaboration_id: int, payload: AssignmentIn
) -> Status[AssignmentOut]:
    """A task leaders invite chosen members to ("six cinematographers with 4K cameras")."""
    collaboration = access.collaboration_for_leader(
        member=request.auth, collaboration_id=collaboration_id
    )
    assignment = services.assignment_create(
        actor=request.auth,
        collaboration=collaboration,
        title=payload.title,
        description=payload.description,
    )
    return Status(201, AssignmentOut.of(assignment, leader=True))


@member_router.post(
    "/assignments/{assignment_id}/invitations",
    response={201: list[InvitationOut], **_ERRORS},
    auth=member_auth,
    summary="Invite members to an assignment",
)
def invitations_send(
    request: ApiRequest, assignment_id: int, payload: InvitationsIn
) -> Status[list[InvitationOut]]:
    """Leaders invite members by username; each is notified with the message. Unknown
    usernames are refused (400, naming them) and nobody is invited then."""
    assignment = access.assignment_for_viewer(viewer=request.auth, assignment_id=assignment_id)
    assignment.collaboration = access.collaboration_for_leader(
        member=request.auth, collaboration_id=assignment.collaboration_id
    )
    named = [name.strip() for name in payload.usernames]
    members, unknown = selectors.members_named(usernames=[n for n in named if "\x00" not in n])
    unknown += [n for n in named if "\x00" in n]
    if unknown:
        raise EnsembleError(
            "No member is called " + ", ".join(f"“{n}”" for n in unknown) + ".", field="usernames"
        )
    invitations = services.invitations_send(
        actor=request.auth, assignment=assignment, members=members, message=payload.message
    )
    for invitation in invitations:
        invitation.assignment = assignment
        invitation.invited_by = request.auth
    return Status(201, [InvitationOut.of(i) for i in invitations])


# One submission ----------------------------------------------------------------------------


def _submission_detail(viewer: Any, submission_id: int) -> SubmissionDetailOut:
    submission = access.submission_for_viewer(viewer=viewer, submission_id=submission_id)
    history = selectors.submission_history(submission=submission)
    return SubmissionDetailOut.of(submission, history)


@member_router.get(
    "/submissions/{submission_id}",
    response={200: SubmissionDetailOut, **_ERRORS},
    auth=member_auth,
    summary="Read a submission",
)
def submission_read(request: ApiRequest, submission_id: int) -> SubmissionDetailOut:
    """For its artist and the collaboration's leaders: the state, whether it meets the
    requirements (and why not), its assignment, the record as submitted and every decision
    (who, when, from, to, note)."""
    return _submission_detail(request.auth, submission_id)


@member_router.post(
    "/submissions/{submission_id}/decisions",
    response={201: DecisionOut, **_ERRORS},
    auth=member_auth,
    summary="Decide on a submission",
)
def submission_decide(
    request: ApiRequest, submission_id: int, payload: DecisionIn
) -> Status[DecisionOut]:
    """Leaders move a submission to submitted, shortlisted, selected or passed, with a note
    for the artist (who is notified). Every decision is kept."""
    submission = access.submission_for_viewer(viewer=request.auth, submission_id=submission_id)
    decision = services.submission_decide(
        actor=request.auth, submission=submission, state=payload.state, note=payload.note
    )
    decision.actor = request.auth
    return Status(201, DecisionOut.of(decision))


@member_router.post(
    "/submissions/{submission_id}/withdraw",
    response={200: SubmissionDetailOut, **_ERRORS},
    auth=member_auth,
    summary="Withdraw a submission",
)
def submission_withdraw(request: ApiRequest, submission_id: int) -> SubmissionDetailOut:
    """The artist takes a submission back, while it is submitted or shortlisted."""
    submission = access.submission_for_viewer(viewer=request.auth, submission_id=submission_id)
    services.submission_withdraw(member=request.auth, submission=submission)
    return _submission_detail(request.auth, submission_id)


# Yours -------------------------------------------------------------------------------------


class MineQuery(Schema):
    cursor: str | None = None
    limit: int = Field(30, description="1 to 100.")


class InvitationQuery(MineQuery):
    pending: bool = Field(False, description="Only invitations waiting for your answer.")


@member_router.get(
    "/me/submissions",
    response={200: MySubmissionPage, **_ERRORS},
    auth=member_auth,
    summary="Your submissions",
)
def my_submissions(request: ApiRequest, query: Query[MineQuery]) -> MySubmissionPage:
    """Everything you submitted, newest first, with its state and the last decision."""
    queryset = selectors.member_submissions(member=request.auth).select_related(
        "version__media_job"
    )
    rows, next_cursor = newest_first_page(
        queryset.prefetch_related("version__renditions"),
        cursor=query.cursor,
        limit=query.limit,
    )
    return MySubmissionPage(
        items=[MySubmissionOut.of(s, request.auth) for s in rows], next_cursor=next_cursor
    )


@member_router.get(
    "/me/invitations",
    response={200: InvitationPage, **_ERRORS},
    auth=member_auth,
    summary="Your invitations",
)
def my_invitations(request: ApiRequest, query: Query[InvitationQuery]) -> InvitationPage:
    """Invitations to assignments, newest first; `pending=true` for those awaiting an answer."""
    rows, next_cursor = newest_first_page(
        selectors.member_invitations(member=request.auth, pending_only=query.pending),
        cursor=query.cursor,
        limit=query.limit,
    )
    for invitation in rows:
        invitation.member = request.auth
    return InvitationPage(items=[InvitationOut.of(i) for i in rows], next_cursor=next_cursor)


def _answer(request: ApiRequest, invitation_id: int, *, accept: bool) -> InvitationOut:
    invitation = access.invitation_for_member(member=request.auth, invitation_id=invitation_id)
    services.invitation_answer(member=request.auth, invitation=invitation, accept=accept)
    return InvitationOut.of(invitation)


@member_router.post(
    "/invitations/{invitation_id}/accept",
    response={200: InvitationOut, **_ERRORS},
    auth=member_auth,
    summary="Accept an invitation",
)
def invitation_accept(request: ApiRequest, invitation_id: int) -> InvitationOut:
    """Your submissions to the collaboration are then tagged with the assignment."""
    return _answer(request, invitation_id, accept=True)


@member_router.post(
    "/invitations/{invitation_id}/decline",
    response={200: InvitationOut, **_ERRORS},
    auth=member_auth,
    summary="Decline an invitation",
)
def invitation_decline(request: ApiRequest, invitation_id: int) -> InvitationOut:
    return _answer(request, invitation_id, accept=False)
