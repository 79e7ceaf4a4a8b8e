"""API shapes for collaborations, submissions, assignments and invitations.

Input schemas refuse fields they do not know (a typo such as `"deadine"` is an error, not
silently ignored). Domain rules (currencies, time zones, transitions) live in the services;
these shapes only say what JSON types are expected.
"""

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.utils import timezone
from ninja import Field, Schema
from pydantic import ConfigDict

from ensemble.accounts.models import Member
from ensemble.accounts.schemas import PersonOut
from ensemble.core.money import money_input
from ensemble.media.selectors import Served
from ensemble.records.models import Kind, Record, RecordVersion

from .models import Assignment, Collaboration, Decision, Invitation, Submission, SubmissionState
from .requirements import requirement_labels

# Input ------------------------------------------------------------------------------------

CREATE_EXAMPLE: dict[str, Any] = {
    "title": "Night trains of Europe",
    "brief": "Short **4K** shots of night trains arriving, for a music video.",
    "kinds": ["video"],
    "min_width": 3840,
    "min_height": 2160,
    "camera": "",
    "max_duration": 30,
    "orientation": "landscape",
    "off_spec": "mark",
    "deadline": "2026-06-30T23:59",
    "deadline_zone": "Europe/Prague",
    "partner_name": "Nachtzug Records",
    "budget": "2500.00",
    "budget_currency": "EUR",
}


class CollaborationIn(Schema):
    """A new collaboration (it starts as a draft that only its leaders see)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CREATE_EXAMPLE]})

    title: str = Field(..., description="At most 200 characters.")
    brief: str = Field("", description="What the producer asks for, in Markdown.")
    kinds: list[str] = Field(
        default_factory=list,
        description=f"Record kinds wanted ({', '.join(Kind.values)}); empty means any kind.",
    )
    min_width: int | None = Field(None, description="Minimum width in pixels (long side).")
    min_height: int | None = Field(None, description="Minimum height in pixels (short side).")
    camera: str = Field("", description="Camera make or model the footage must come from.")
    max_duration: float | None = Field(None, description="Longest accepted duration, seconds.")
    orientation: str = Field("", description="landscape, portrait, square, or empty for any.")
    off_spec: str = Field(
        "refuse",
        description="What happens to media that misses the requirements: `refuse` it with the "
        "reason, or `mark` it as not meeting the official requirements.",
    )
    deadline: str | None = Field(
        None,
        description="ISO 8601. A time without an offset is a wall-clock time in `deadline_zone`.",
        examples=["2026-06-30T23:59", "2026-06-30T21:59:00Z"],
    )
    deadline_zone: str = Field("UTC", description="IANA time zone, such as Europe/Prague.")
    partner_name: str = ""
    budget: str | None = Field(
        None,
        description='An amount as text ("2500.00"); never more decimals than the currency has.',
        examples=["2500.00"],
    )
    budget_currency: str = Field("", description="ISO 4217 code, such as EUR.")


class CollaborationPatch(Schema):
    """Fields left out stay as they are; `null` clears an optional field."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"deadline": "2026-07-15T18:00", "budget": "3000"}]},
    )

    title: str | None = None
    brief: str | None = None
    kinds: list[str] | None = None
    min_width: int | None = None
    min_height: int | None = None
    camera: str | None = None
    max_duration: float | None = None
    orientation: str | None = None
    off_spec: str | None = None
    deadline: str | None = None
    deadline_zone: str | None = None
    partner_name: str | None = None
    budget: str | None = None
    budget_currency: str | None = None


class StatusIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "open"}]})

    status: str = Field(..., description="draft, open, curating or closed.")


class LeaderIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"username": "ana"}]})

    username: str


class SubmissionIn(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"record_ids": [12, 15]}]}
    )

    record_ids: list[int] = Field(
        ..., max_length=50, description="Your published records; all are accepted or none."
    )
    assignment_id: int | None = Field(
        None,
        description="An assignment you accepted an invitation to; by default the one you "
        "accepted last in this collaboration, if any.",
    )


class DecisionIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"state": "shortlisted", "note": "Lovely light."}]},
    )

    state: str = Field(..., description="submitted, shortlisted, selected or passed.")
    note: str = Field("", description="Shown to the artist; at most 2,000 characters.")


class AssignmentIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"title": "4K cinematographers", "description": "Six people with 4K cameras."}
            ]
        },
    )

    title: str
    description: str = ""


class InvitationsIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"usernames": ["ana", "ben"], "message": "We love your night shots."}]
        },
    )

    usernames: list[str] = Field(..., max_length=200)
    message: str = ""


# Output -----------------------------------------------------------------------------------


class BudgetOut(Schema):
    amount_minor: int = Field(..., description="Minor units of the currency (cents).")
    amount: str = Field(..., examples=["2500.00"])
    currency: str
    label: str = Field(..., examples=["EUR 2,500.00"])

    @staticmethod
    def of(collaboration: Collaboration) -> "BudgetOut | None":
        if collaboration.budget_amount is None:
            return None
        return BudgetOut(
            amount_minor=collaboration.budget_amount,
            amount=money_input(collaboration.budget_amount, collaboration.budget_currency),
            currency=collaboration.budget_currency,
            label=collaboration.budget_label,
        )


class RequirementsOut(Schema):
    kinds: list[str]
    min_width: int | None
    min_height: int | None
    camera: str
    max_duration: float | None
    orientation: str
    off_spec: str
    off_spec_label: str
    labels: list[str] = Field(
        ..., examples=[["at least 3840×2160 pixels", "landscape orientation"]]
    )


def _deadline(collaboration: Collaboration) -> datetime | None:
    """The deadline with the offset of its own time zone (as the producer wrote it)."""
    if collaboration.deadline is None:
        return None
    return timezone.localtime(collaboration.deadline, ZoneInfo(collaboration.deadline_zone))


def _file_url(field: Any) -> str | None:
    return field.url if field else None


class CollaborationRefOut(Schema):
    id: int
    title: str
    status: str
    url: str

    @staticmethod
    def of(collaboration: Collaboration) -> "CollaborationRefOut":
        return CollaborationRefOut(
            id=collaboration.pk,
            title=collaboration.title,
            status=collaboration.status,
            url=collaboration.get_absolute_url(),
        )


class CollaborationSummaryOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    url: str
    deadline: datetime | None = Field(..., description="In the offset of `deadline_zone`.")
    deadline_zone: str
    deadline_passed: bool
    accepts_submissions: bool
    partner_name: str
    budget: BudgetOut | None
    cover_url: str | None
    leaders: list[PersonOut]
    created_at: datetime

    @staticmethod
    def fields_of(collaboration: Collaboration, leaders: list[Member]) -> dict[str, Any]:
        return {
            "id": collaboration.pk,
            "title": collaboration.title,
            "status": collaboration.status,
            "status_label": collaboration.get_status_display(),
            "url": collaboration.get_absolute_url(),
            "deadline": _deadline(collaboration),
            "deadline_zone": collaboration.deadline_zone,
            "deadline_passed": collaboration.deadline_passed,
            "accepts_submissions": collaboration.accepts_submissions,
            "partner_name": collaboration.partner_name,
            "budget": BudgetOut.of(collaboration),
            "cover_url": _file_url(collaboration.cover),
            "leaders": [PersonOut.from_member(m) for m in leaders],
            "created_at": collaboration.created_at,
        }


class CollaborationListItemOut(CollaborationSummaryOut):
    submission_count: int = Field(..., description="Submissions not withdrawn.")

    @staticmethod
    def of(collaboration: Collaboration) -> "CollaborationListItemOut":
        leaders: list[Member] = getattr(collaboration, "leader_list", [])
        return CollaborationListItemOut(
            **CollaborationSummaryOut.fields_of(collaboration, leaders),
            submission_count=getattr(collaboration, "submission_count", 0),
        )


class CollaborationPage(Schema):
    items: list[CollaborationListItemOut]
    next_cursor: str | None


class CollaborationOut(CollaborationSummaryOut):
    brief: str
    brief_html: str
    requirements: RequirementsOut
    partner_logo_url: str | None
    created_by: PersonOut
    updated_at: datetime
    you_lead: bool
    submission_counts: dict[str, int] | None = Field(
        ...,
        description="Submissions per state; for the collaboration's leaders only (null for "
        "everyone else).",
        examples=[{"submitted": 4, "shortlisted": 2, "selected": 1, "passed": 0, "withdrawn": 1}],
    )

    @staticmethod
    def of(
        collaboration: Collaboration,
        *,
        leaders: list[Member],
        you_lead: bool,
        counts: dict[str, int] | None,
    ) -> "CollaborationOut":
        return CollaborationOut(
            **CollaborationSummaryOut.fields_of(collaboration, leaders),
            brief=collaboration.brief,
            brief_html=collaboration.brief_html,
            requirements=RequirementsOut(
                kinds=list(collaboration.kinds),
                min_width=collaboration.min_width,
                min_height=collaboration.min_height,
                camera=collaboration.camera,
                max_duration=collaboration.max_duration,
                orientation=collaboration.orientation,
                off_spec=collaboration.off_spec,
                off_spec_label=collaboration.get_off_spec_display(),
                labels=requirement_labels(collaboration),
            ),
            partner_logo_url=_file_url(collaboration.partner_logo),
            created_by=PersonOut.from_member(collaboration.created_by),
            updated_at=collaboration.updated_at,
            you_lead=you_lead,
            submission_counts=counts,
        )


class RecordSummaryOut(Schema):
    """The record as it was submitted: the version pinned by the submission."""

    id: int
    title: str
    kind: str
    published: bool
    url: str
    artist: PersonOut
    city: str
    version: int
    width: int | None
    height: int | None
    resolution: int | None = Field(..., description="Resolution label number: 2160 for 4K.")
    orientation: str
    camera: str
    duration: float | None
    processing: str | None = Field(
        ..., description="The media job's state (queued, running, succeeded, failed)."
    )
    thumbnail_url: str | None

    @staticmethod
    def of(record: Record, version: RecordVersion) -> "RecordSummaryOut":
        job = getattr(version, "media_job", None) if version.original else None
        cache = getattr(version, "_prefetched_objects_cache", {})
        served = Served.of(list(cache["renditions"])) if "renditions" in cache else None
        return RecordSummaryOut(
            id=record.pk,
            title=record.title,
            kind=record.kind,
            published=record.published,
            url=record.get_absolute_url(),
            artist=PersonOut.from_member(record.author),
            city=record.city,
            version=version.number,
            width=version.probe.get("width"),
            height=version.probe.get("height"),
            resolution=version.resolution,
            orientation=version.orientation,
            camera=version.camera,
            duration=version.duration,
            processing=job.state if job is not None else None,
            thumbnail_url=(served.thumb_jpg or served.image_jpg) if served else None,
        )


class AssignmentRefOut(Schema):
    id: int
    title: str

    @staticmethod
    def of(assignment: Assignment | None) -> "AssignmentRefOut | None":
        return AssignmentRefOut(id=assignment.pk, title=assignment.title) if assignment else None


class CurationOut(Schema):
    """What only the artist and the leaders see."""

    state: str
    state_label: str
    meets_requirements: bool
    shortfalls: list[str] = Field(
        ..., examples=[["It is 320×240; the brief asks for at least 3840×2160."]]
    )
    assignment: AssignmentRefOut | None

    @staticmethod
    def of(submission: Submission) -> "CurationOut":
        return CurationOut(
            state=submission.state,
            state_label=submission.get_state_display(),
            meets_requirements=submission.meets_requirements,
            shortfalls=list(submission.shortfalls),
            assignment=AssignmentRefOut.of(submission.assignment),
        )


class SubmissionOut(Schema):
    id: int
    collaboration_id: int
    record: RecordSummaryOut
    created_at: datetime
    curation: CurationOut | None = Field(
        ..., description="State and requirements check; null in the public gallery."
    )

    @staticmethod
    def of(submission: Submission, *, curation: bool) -> "SubmissionOut":
        return SubmissionOut(
            id=submission.pk,
            collaboration_id=submission.collaboration_id,
            record=RecordSummaryOut.of(submission.record, submission.version),
            created_at=submission.created_at,
            curation=CurationOut.of(submission) if curation else None,
        )


class SubmissionPage(Schema):
    curation: bool = Field(
        ..., description="True when you lead the collaboration and see states and filters."
    )
    items: list[SubmissionOut]
    next_cursor: str | None


class DecisionOut(Schema):
    id: int
    actor: PersonOut
    from_state: str
    to_state: str
    from_label: str
    to_label: str
    note: str
    created_at: datetime

    @staticmethod
    def of(decision: Decision) -> "DecisionOut":
        return DecisionOut(
            id=decision.pk,
            actor=PersonOut.from_member(decision.actor),
            from_state=decision.from_state,
            to_state=decision.to_state,
            from_label=SubmissionState(decision.from_state).label,
            to_label=SubmissionState(decision.to_state).label,
            note=decision.note,
            created_at=decision.created_at,
        )


class SubmissionDetailOut(Schema):
    id: int
    collaboration: CollaborationRefOut
    record: RecordSummaryOut
    artist: PersonOut
    state: str
    state_label: str
    meets_requirements: bool
    shortfalls: list[str]
    assignment: AssignmentRefOut | None
    created_at: datetime
    updated_at: datetime
    url: str
    history: list[DecisionOut] = Field(..., description="Every decision, oldest first.")

    @staticmethod
    def of(submission: Submission, history: list[Decision]) -> "SubmissionDetailOut":
        return SubmissionDetailOut(
            id=submission.pk,
            collaboration=CollaborationRefOut.of(submission.collaboration),
            record=RecordSummaryOut.of(submission.record, submission.version),
            artist=PersonOut.from_member(submission.member),
            state=submission.state,
            state_label=submission.get_state_display(),
            meets_requirements=submission.meets_requirements,
            shortfalls=list(submission.shortfalls),
            assignment=AssignmentRefOut.of(submission.assignment),
            created_at=submission.created_at,
            updated_at=submission.updated_at,
            url=submission.get_absolute_url(),
            history=[DecisionOut.of(d) for d in history],
        )


class MySubmissionOut(Schema):
    id: int
    collaboration: CollaborationRefOut
    record: RecordSummaryOut
    state: str
    state_label: str
    meets_requirements: bool
    shortfalls: list[str]
    assignment: AssignmentRefOut | None
    last_decision: DecisionOut | None
    created_at: datetime
    url: str

    @staticmethod
    def of(submission: Submission, member: Member) -> "MySubmissionOut":
        decisions = list(submission.decisions.all())  # prefetched, oldest first
        submission.record.author = member
        return MySubmissionOut(
            id=submission.pk,
            collaboration=CollaborationRefOut.of(submission.collaboration),
            record=RecordSummaryOut.of(submission.record, submission.version),
            state=submission.state,
            state_label=submission.get_state_display(),
            meets_requirements=submission.meets_requirements,
            shortfalls=list(submission.shortfalls),
            assignment=AssignmentRefOut.of(submission.assignment),
            last_decision=DecisionOut.of(decisions[-1]) if decisions else None,
            created_at=submission.created_at,
            url=submission.get_absolute_url(),
        )


class MySubmissionPage(Schema):
    items: list[MySubmissionOut]
    next_cursor: str | None


class InviteeOut(Schema):
    id: int
    member: PersonOut
    state: str
    created_at: datetime
    answered_at: datetime | None


class AssignmentOut(Schema):
    id: int
    collaboration_id: int
    title: str
    description: str
    created_at: datetime
    invitations: list[InviteeOut] | None = Field(
        ..., description="Who was invited and their answers; for leaders only."
    )

    @staticmethod
    def of(assignment: Assignment, *, leader: bool) -> "AssignmentOut":
        invitations = None
        if leader:
            invitations = [
                InviteeOut(
                    id=i.pk,
                    member=PersonOut.from_member(i.member),
                    state=i.state,
                    created_at=i.created_at,
                    answered_at=i.answered_at,
                )
                for i in assignment.invitations.all()
            ]
        return AssignmentOut(
            id=assignment.pk,
            collaboration_id=assignment.collaboration_id,
            title=assignment.title,
            description=assignment.description,
            created_at=assignment.created_at,
            invitations=invitations,
        )


class InvitationOut(Schema):
    id: int
    member: PersonOut
    state: Literal["pending", "accepted", "declined"]
    state_label: str
    message: str
    assignment: AssignmentRefOut
    collaboration: CollaborationRefOut
    invited_by: PersonOut
    created_at: datetime
    answered_at: datetime | None

    @staticmethod
    def of(invitation: Invitation) -> "InvitationOut":
        assignment = invitation.assignment
        return InvitationOut(
            id=invitation.pk,
            member=PersonOut.from_member(invitation.member),
            state=invitation.state,  # type: ignore[arg-type]
            state_label=invitation.get_state_display(),
            message=invitation.message,
            assignment=AssignmentRefOut(id=assignment.pk, title=assignment.title),
            collaboration=CollaborationRefOut.of(assignment.collaboration),
            invited_by=PersonOut.from_member(invitation.invited_by),
            created_at=invitation.created_at,
            answered_at=invitation.answered_at,
        )


class InvitationPage(Schema):
    items: list[InvitationOut]
    next_cursor: str | None
