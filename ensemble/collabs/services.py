"""Writes about collaborations: open and edit them, lead them, submit to them, curate, invite.

Every function checks permissions and input before writing, runs in one transaction and raises
an EnsembleError with a plain message when it refuses; nothing is written then. Rows whose
state a decision depends on (the collaboration for leadership and submissions, the submission
for curation) are locked with SELECT … FOR UPDATE, so two concurrent requests cannot both win.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator

from ensemble.accounts.models import Member
from ensemble.core.errors import Conflict, EnsembleError, NotAllowed, UnsupportedMedia
from ensemble.core.images import ImageRefused, reencode_picture
from ensemble.core.markdown import markdown_to_html
from ensemble.core.money import currency_clean, money_input, money_parse
from ensemble.core.text import clean_line, clean_text
from ensemble.feedback.models import Activity
from ensemble.feedback.services import activity_add
from ensemble.notifications.models import Kind as NotificationKind
from ensemble.notifications.services import notification_send, notifications_send_many
from ensemble.records.models import Kind, Record

from .access import is_leader
from .models import (
    Assignment,
    Collaboration,
    Decision,
    Invitation,
    Leadership,
    OffSpec,
    Orientation,
    Status,
    Submission,
    SubmissionState,
)
from .requirements import shortfalls

# Which status a collaboration may move to from each status.
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.OPEN},
    Status.OPEN: {Status.DRAFT, Status.CURATING, Status.CLOSED},
    Status.CURATING: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: {Status.CURATING},
}
CURATED_STATES = {
    SubmissionState.SUBMITTED,
    SubmissionState.SHORTLISTED,
    SubmissionState.SELECTED,
    SubmissionState.PASSED,
}
MAX_RECORDS_PER_SUBMISSION = 50
MAX_INVITEES = 200
MAX_PIXELS_SIDE = 100_000
MAX_DURATION = 24 * 3600.0

EDITABLE = (
    "title",
    "brief",
    "kinds",
    "min_width",
    "min_height",
    "camera",
    "max_duration",
    "orientation",
    "off_spec",
    "deadline",
    "deadline_zone",
    "partner_name",
    "budget",
    "budget_currency",
)


# Collaborations -------------------------------------------------------------------------


@transaction.atomic
def collaboration_create(*, leader: Member, title: str, **fields: Any) -> Collaboration:
    """A new collaboration in draft, led by `leader`. `fields` are those of EDITABLE."""
    values = _clean({"title": title, **fields}, current=None)
    collaboration = Collaboration.objects.create(created_by=leader, **values)
    Leadership.objects.create(collaboration=collaboration, member=leader, added_by=leader)
    return collaboration


@transaction.atomic
def collaboration_update(
    *, actor: Member, collaboration: Collaboration, changes: Mapping[str, Any]
) -> Collaboration:
    """Change the fields named in `changes` (a subset of EDITABLE); leaders only."""
    _require_leader(actor, collaboration)
    values = _clean(changes, current=collaboration)
    for name, value in values.items():
        setattr(collaboration, name, value)
    # Only the fields changed: a full save would write back a status (or image) that another
    # leader changed since this instance was loaded.
    collaboration.save(update_fields=[*values, "updated_at"])
    return collaboration


@transaction.atomic
def collaboration_status_set(
    *, actor: Member, collaboration: Collaboration, status: str
) -> Collaboration:
    """Move through draft → open → curating → closed (and back where it makes sense)."""
    _require_leader(actor, collaboration)
    locked = Collaboration.objects.select_for_update().get(pk=collaboration.pk)
    if status not in Status.values:
        raise EnsembleError(
            f"“{status}” is not a status; use one of {', '.join(Status.values)}.", field="status"
        )
    if status == locked.status:
        raise Conflict(f"The collaboration is already {locked.get_status_display().lower()}.")
    if status not in TRANSITIONS[locked.status]:
        raise EnsembleError(
            f"A {locked.get_status_display().lower()} collaboration cannot become "
            f"{Status(status).label.lower()}.",
            field="status",
        )
    if status == Status.OPEN and locked.deadline_passed:
        raise EnsembleError(
            "The deadline has passed: move it to a later time before opening.", field="deadline"
        )
    if status == Status.DRAFT and locked.submissions.exists():
        raise EnsembleError(
            "Members have already submitted to this collaboration; it cannot go back to draft.",
            field="status",
        )
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    verb = Activity.Verb.OPENED if status == Status.OPEN else Activity.Verb.STATUS
    activity_add(
        actor=actor,
        verb=verb,
        collaboration=locked,
        text=f"“{locked.title}” is now {Status(status).label.lower()}.",
        url=locked.get_absolute_url(),
    )
    collaboration.status = locked.status
    return locked


@transaction.atomic
def collaboration_image_set(
    *, actor: Member, collaboration: Collaboration, which: str, upload: IO[bytes] | None
) -> Collaboration:
    """Set (or with None, remove) the cover or the partner logo, re-encoded without metadata."""
    _require_leader(actor, collaboration)
    if which not in ("cover", "partner_logo"):
        raise EnsembleError("Only the cover and the partner logo are images.", field=which)
    field = getattr(collaboration, which)
    old_name = field.name if field else ""
    if upload is None:
        setattr(collaboration, which, "")
        collaboration.save(update_fields=[which, "updated_at"])
    else:
        try:
            data = reencode_picture(upload, max_side=1600 if which == "cover" else 600)
        except ImageRefused as exc:
            raise UnsupportedMedia(str(exc), field=which) from exc
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        field.save(f"{which.replace('_', '-')}-{stamp}.webp", ContentFile(data), save=False)
        collaboration.save(update_fields=[which, "updated_at"])
    if old_name and old_name != getattr(collaboration, which).name:
        storage = field.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return collaboration


def _clean(fields: Mapping[str, Any], *, current: Collaboration | None) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise EnsembleError(f"Unknown field: {', '.join(sorted(unknown))}.")
    out: dict[str, Any] = {}
    if "title" in fields:
        out["title"] = clean_line(
            fields["title"], field="title", label="The title", max_length=200, required=True
        )
    if "brief" in fields:
        out["brief"] = clean_text(
            fields["brief"], field="brief", label="The brief", max_length=20000
        )
        out["brief_html"] = markdown_to_html(out["brief"])
    if "kinds" in fields:
        out["kinds"] = _clean_kinds(fields["kinds"])
    for name, label in (("min_width", "The minimum width"), ("min_height", "The minimum height")):
        if name in fields:
            out[name] = _clean_whole(fields[name], field=name, label=label)
    if "camera" in fields:
        out["camera"] = clean_line(
            fields["camera"], field="camera", label="The camera", max_length=120
        )
    if "max_duration" in fields:
        out["max_duration"] = _clean_duration(fields["max_duration"])
    if "orientation" in fields:
        out["orientation"] = _clean_choice(
            fields["orientation"] or "", Orientation, field="orientation", label="orientation"
        )
    if "off_spec" in fields:
        out["off_spec"] = _clean_choice(
            fields["off_spec"] or OffSpec.REFUSE, OffSpec, field="off_spec", label="choice"
        )
    if "deadline_zone" in fields:
        out["deadline_zone"] = _clean_zone(fields["deadline_zone"])
    if "deadline" in fields:
        zone = out.get("deadline_zone") or (current.deadline_zone if current else "UTC")
        out["deadline"] = _clean_deadline(fields["deadline"], zone)
    if "partner_name" in fields:
        out["partner_name"] = clean_line(
            fields["partner_name"], field="partner_name", label="The partner name", max_length=120
        )
    if "budget" in fields or "budget_currency" in fields:
        out.update(_clean_budget(fields, current))
    return out


def _clean_kinds(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    if not isinstance(value, list | tuple):
        raise EnsembleError('Media kinds must be a list such as ["video"].', field="kinds")
    kinds = []
    for kind in value:
        if kind not in Kind.values:
            raise EnsembleError(
                f"“{kind}” is not a kind of record; use {', '.join(Kind.values)}.", field="kinds"
            )
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def _clean_whole(value: Any, *, field: str, label: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise EnsembleError(f"{label} must be a whole number of pixels.", field=field) from exc
    if not 1 <= number <= MAX_PIXELS_SIDE:
        raise EnsembleError(f"{label} must be between 1 and {MAX_PIXELS_SIDE:,}.", field=field)
    return number


def _clean_duration(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError) as exc:
        raise EnsembleError("The maximum duration must be seconds.", field="max_duration") from exc
    if not 0 < seconds <= MAX_DURATION:
        raise EnsembleError(
            "The maximum duration must be more than 0 seconds and at most 24 hours.",
            field="max_duration",
        )
    return seconds


def _clean_choice(value: Any, choices: Any, *, field: str, label: str) -> str:
    if value not in choices.values:
        allowed = ", ".join(v for v in choices.values if v) or "none"
        raise EnsembleError(f"“{value}” is not a valid {label}; use {allowed}.", field=field)
    return str(value)


def _clean_zone(value: Any) -> str:
    name = str(value or "UTC").strip()
    if name != "UTC" and name not in _zones():
        raise EnsembleError(
            f"“{name}” is not a time zone; use a name such as Europe/Prague.",
            field="deadline_zone",
        )
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise EnsembleError(f"“{name}” is not a time zone.", field="deadline_zone") from exc
    return name


@cache
def _zones() -> set[str]:
    return available_timezones()


def _clean_deadline(value: Any, zone: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise EnsembleError(
                "The deadline must be a date and time such as 2026-06-30T23:59.", field="deadline"
            ) from exc
    if not isinstance(value, datetime):
        raise EnsembleError("The deadline must be a date and time.", field="deadline")
    if timezone.is_naive(value):  # a wall-clock time in the collaboration's time zone
        value = timezone.make_aware(value, ZoneInfo(zone))
    if value.year < 2000 or value.year > 2200:
        raise EnsembleError("The deadline must be a date between 2000 and 2200.", field="deadline")
    return value


def _clean_budget(fields: Mapping[str, Any], current: Collaboration | None) -> dict[str, Any]:
    amount = fields.get("budget", current.budget_amount if current else None)
    currency = fields.get("budget_currency") or (current.budget_currency if current else "")
    if amount in (None, ""):
        return {"budget_amount": None, "budget_currency": ""}
    if not currency:
        raise EnsembleError("Give the budget's currency, such as EUR.", field="budget_currency")
    code = currency_clean(currency, field="budget_currency")
    if "budget" not in fields and current is not None:
        # Only the currency changes: the same amount as written ("2500.00"), in the new
        # currency's minor units (EUR cents → whole JPY), refused if it has too many decimals.
        amount = money_input(current.budget_amount or 0, current.budget_currency or code)
    return {"budget_amount": money_parse(amount, code, field="budget"), "budget_currency": code}


# Leaders --------------------------------------------------------------------------------


@transaction.atomic
def leader_add(*, actor: Member, collaboration: Collaboration, member: Member) -> Leadership:
    _require_leader(actor, collaboration)
    if not member.is_active:
        raise EnsembleError(f"{member.name} cannot lead: their account is not active.")
    if Leadership.objects.filter(collaboration=collaboration, member=member).exists():
        raise Conflict(f"{member.name} already leads this collaboration.")
    leadership = Leadership.objects.create(
        collaboration=collaboration, member=member, added_by=actor
    )
    _forget_leaders(collaboration)
    notification_send(
        recipient=member,
        actor=actor,
        kind=NotificationKind.OTHER,
        text=f"{actor.name} made you a leader of “{collaboration.title}”.",
        url=collaboration.get_absolute_url(),
        subject=collaboration,
        subject_label=collaboration.title,
    )
    return leadership


@transaction.atomic
def leader_remove(*, actor: Member, collaboration: Collaboration, member: Member) -> None:
    """Remove a leader (leaders may also step down), never the last one."""
    _require_leader(actor, collaboration)
    leaderships = _leaderships_locked(collaboration)
    if not any(lead.member_id == actor.pk for lead in leaderships):
        raise NotAllowed("Only the collaboration's leaders can do that.")
    target = next((lead for lead in leaderships if lead.member_id == member.pk), None)
    if target is None:
        raise EnsembleError(f"{member.name} does not lead this collaboration.")
    if len(leaderships) == 1:
        raise EnsembleError(
            "A collaboration needs at least one leader: add another leader before removing "
            "the last one."
        )
    target.delete()
    _forget_leaders(collaboration)


def _leaderships_locked(collaboration: Collaboration) -> list[Leadership]:
    """The leaderships, read while holding the collaboration's row lock."""
    Collaboration.objects.select_for_update().filter(pk=collaboration.pk).first()
    return list(Leadership.objects.filter(collaboration=collaboration))


def _require_leader(actor: Member, collaboration: Collaboration) -> None:
    if not is_leader(actor, collaboration):
        raise NotAllowed("Only the collaboration's leaders can do that.")


def _forget_leaders(collaboration: Collaboration) -> None:
    collaboration.__dict__.pop("_leader_ids", None)


def _leaders(collaboration: Collaboration) -> list[Member]:
    return list(Member.objects.filter(led_collaborations=collaboration))


# Submissions ----------------------------------------------------------------------------


@transaction.atomic
def submission_create(
    *,
    member: Member,
    collaboration: Collaboration,
    records: Sequence[Record],
    assignment: Assignment | None = None,
) -> list[Submission]:
    """Submit one or many of `member`'s records: all are accepted, or none (with the reason).

    Each is pinned to its current version and checked against the brief's requirements: a
    brief that refuses off-spec media refuses it with the reason; one that accepts it marks it
    "does not meet the official requirements".
    """
    locked = Collaboration.objects.select_for_update().get(pk=collaboration.pk)
    _require_accepting(locked)
    if not records:
        raise EnsembleError("Choose at least one record to submit.", field="records")
    if len(records) > MAX_RECORDS_PER_SUBMISSION:
        raise EnsembleError(
            f"Submit at most {MAX_RECORDS_PER_SUBMISSION} records at a time.", field="records"
        )
    if len({record.pk for record in records}) != len(records):
        raise EnsembleError("The same record is listed twice.", field="records")
    tag = _assignment_for(member, locked, assignment)
    existing = {
        s.record_id: s for s in Submission.objects.filter(collaboration=locked, record__in=records)
    }
    submissions = []
    for record in records:
        version = _submittable_version(member, locked, record, existing.get(record.pk))
        missing = shortfalls(locked, version)
        if missing and locked.off_spec == OffSpec.REFUSE:
            raise EnsembleError(
                f"“{record.title}” does not meet the brief's requirements: {' '.join(missing)}",
                field="records",
            )
        submissions.append(
            _submission_write(member, locked, record, version, missing, tag, existing)
        )
    _submissions_announce(member, locked, submissions)
    return submissions


def _require_accepting(collaboration: Collaboration) -> None:
    if collaboration.status == Status.DRAFT:
        raise EnsembleError("This collaboration is still a draft: it does not take submissions.")
    if collaboration.status in (Status.CURATING, Status.CLOSED):
        raise EnsembleError(
            f"This collaboration is {collaboration.get_status_display().lower()}: "
            "it no longer takes submissions."
        )
    if collaboration.deadline_passed:
        deadline = timezone.localtime(collaboration.deadline, ZoneInfo(collaboration.deadline_zone))
        raise EnsembleError(
            f"The deadline passed on {deadline:%d %B %Y at %H:%M} "
            f"({collaboration.deadline_zone}): submissions are closed."
        )


def _assignment_for(
    member: Member, collaboration: Collaboration, assignment: Assignment | None
) -> Assignment | None:
    """The assignment the submission is tagged with: the one named, or the member's own."""
    accepted = Invitation.objects.filter(
        member=member,
        assignment__collaboration=collaboration,
        state=Invitation.State.ACCEPTED,
    ).select_related("assignment")
    if assignment is None:
        first = accepted.order_by("-answered_at", "-id").first()
        return first.assignment if first else None
    if assignment.collaboration_id != collaboration.pk:
        raise EnsembleError("That assignment belongs to another collaboration.", field="assignment")
    if not accepted.filter(assignment=assignment).exists():
        raise NotAllowed("You can tag submissions only with an assignment you have accepted.")
    return assignment


def _submittable_version(
    member: Member, collaboration: Collaboration, record: Record, existing: Submission | None
) -> Any:
    if record.author_id != member.pk:
        raise NotAllowed(
            f"You can only submit your own records: “{record.title}” is by {record.author.name}.",
        )
    if not record.published:
        raise EnsembleError(f"“{record.title}” is not published: publish it before submitting it.")
    if collaboration.kinds and record.kind not in collaboration.kinds:
        wanted = " or ".join(Kind(kind).label.lower() for kind in collaboration.kinds)
        raise EnsembleError(
            f"This brief asks for {wanted}; “{record.title}” is {Kind(record.kind).label.lower()}."
        )
    if existing is not None and existing.state != SubmissionState.WITHDRAWN:
        raise Conflict(f"“{record.title}” is already submitted to this collaboration.")
    version = record.current_version
    if version is None:
        raise EnsembleError(f"“{record.title}” has no version to submit.")
    version.record = record
    return version


def _submission_write(
    member: Member,
    collaboration: Collaboration,
    record: Record,
    version: Any,
    missing: list[str],
    tag: Assignment | None,
    existing: dict[int, Submission],
) -> Submission:
    previous = existing.get(record.pk)
    if previous is None:
        return Submission.objects.create(
            collaboration=collaboration,
            record=record,
            version=version,
            member=member,
            assignment=tag,
            meets_requirements=not missing,
            shortfalls=missing,
        )
    # A withdrawn submission comes back, with its history, at the version submitted now.
    Decision.objects.create(
        submission=previous,
        actor=member,
        from_state=previous.state,
        to_state=SubmissionState.SUBMITTED,
        note="Submitted again.",
    )
    previous.state = SubmissionState.SUBMITTED
    previous.version = version
    previous.assignment = tag
    previous.meets_requirements = not missing
    previous.shortfalls = missing
    previous.save()
    return previous


def _submissions_announce(
    member: Member, collaboration: Collaboration, submissions: list[Submission]
) -> None:
    what = (
        f"“{submissions[0].record.title}”"
        if len(submissions) == 1
        else f"{len(submissions)} records"
    )
    text = f"{member.name} submitted {what} to “{collaboration.title}”."
    notifications_send_many(
        recipients=_leaders(collaboration),
        actor=member,
        kind=NotificationKind.SUBMISSION,
        text=text,
        url=collaboration.get_absolute_url() + "curate/",
        subject=collaboration,
        subject_label=collaboration.title,
    )
    activity_add(
        actor=member,
        verb=Activity.Verb.SUBMITTED,
        collaboration=collaboration,
        text=text,
        url=collaboration.get_absolute_url(),
    )


@transaction.atomic
def submission_withdraw(*, member: Member, submission: Submission) -> Submission:
    """The artist takes a submission back (before it is selected or passed)."""
    if submission.member_id != member.pk:
        raise NotAllowed("Only the artist who submitted it can withdraw a submission.")
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.state not in (SubmissionState.SUBMITTED, SubmissionState.SHORTLISTED):
        raise EnsembleError(
            f"This submission is {locked.get_state_display().lower()}; it can no longer be "
            "withdrawn. Write to the leaders instead."
        )
    if Collaboration.objects.filter(pk=locked.collaboration_id, status=Status.CLOSED).exists():
        raise EnsembleError("This collaboration is closed.")
    return _decide(locked, actor=member, state=SubmissionState.WITHDRAWN, note="")


@transaction.atomic
def submission_decide(
    *, actor: Member, submission: Submission, state: str, note: str = ""
) -> Decision:
    """A leader moves a submission (submitted, shortlisted, selected, passed), with a note.

    The decision is kept in the submission's history and the artist is notified.
    """
    collaboration = submission.collaboration
    _require_leader(actor, collaboration)
    if state not in CURATED_STATES:
        allowed = ", ".join(sorted(CURATED_STATES))
        raise EnsembleError(f"“{state}” is not a curation state; use {allowed}.", field="state")
    note = clean_text(note, field="note", label="The note", max_length=2000)
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    status = Collaboration.objects.values_list("status", flat=True).get(pk=collaboration.pk)
    if status not in (Status.OPEN, Status.CURATING):
        raise EnsembleError(
            f"This collaboration is {Status(status).label.lower()}: "
            "move it to curating to change decisions."
        )
    if locked.state == SubmissionState.WITHDRAWN:
        raise EnsembleError("The artist withdrew this submission.")
    if locked.state == state:
        raise Conflict(f"This submission is already {locked.get_state_display().lower()}.")
    _decide(locked, actor=actor, state=state, note=note)
    decision = locked.decisions.order_by("-id").first()
    assert decision is not None
    _decision_announce(actor, collaboration, locked, decision)
    submission.state = locked.state
    return decision


def _decide(submission: Submission, *, actor: Member, state: str, note: str) -> Submission:
    Decision.objects.create(
        submission=submission,
        actor=actor,
        from_state=submission.state,
        to_state=state,
        note=note,
    )
    submission.state = state
    submission.save(update_fields=["state", "updated_at"])
    return submission


def _decision_announce(
    actor: Member, collaboration: Collaboration, submission: Submission, decision: Decision
) -> None:
    record = submission.record
    verb = {
        SubmissionState.SUBMITTED: "moved back to submitted",
        SubmissionState.SHORTLISTED: "shortlisted",
        SubmissionState.SELECTED: "selected",
        SubmissionState.PASSED: "passed on",
    }[SubmissionState(decision.to_state)]
    text = f"“{collaboration.title}” {verb} your record “{record.title}”"
    if decision.note:
        text += ": " + Truncator(decision.note).chars(160)
    notification_send(
        recipient=submission.member,
        actor=actor,
        kind=NotificationKind.CURATION,
        text=text + ("" if decision.note else "."),
        url=submission.get_absolute_url(),
        subject=submission,
        subject_label=record.title,
    )
    if decision.to_state == SubmissionState.SELECTED:
        activity_add(
            actor=actor,
            verb=Activity.Verb.SELECTED,
            collaboration=collaboration,
            record=record,
            text=f"“{record.title}” by {submission.member.name} was selected for "
            f"“{collaboration.title}”.",
            url=record.get_absolute_url(),
        )


# Assignments and invitations ------------------------------------------------------------


@transaction.atomic
def assignment_create(
    *, actor: Member, collaboration: Collaboration, title: str, description: str = ""
) -> Assignment:
    _require_leader(actor, collaboration)
    if collaboration.status == Status.CLOSED:
        raise EnsembleError("This collaboration is closed.")
    return Assignment.objects.create(
        collaboration=collaboration,
        title=clean_line(title, field="title", label="The title", max_length=200, required=True),
        description=clean_text(
            description, field="description", label="The description", max_length=5000
        ),
        created_by=actor,
    )


@transaction.atomic
def invitations_send(
    *, actor: Member, assignment: Assignment, members: Iterable[Member], message: str = ""
) -> list[Invitation]:
    """Invite members to an assignment, each notified with the message."""
    collaboration = assignment.collaboration
    _require_leader(actor, collaboration)
    if collaboration.status == Status.CLOSED:
        raise EnsembleError("This collaboration is closed.")
    chosen = list({member.pk: member for member in members}.values())
    if not chosen:
        raise EnsembleError("Choose at least one member to invite.", field="members")
    if len(chosen) > MAX_INVITEES:
        raise EnsembleError(f"Invite at most {MAX_INVITEES} members at a time.", field="members")
    message = clean_text(message, field="message", label="The message", max_length=5000)
    already = set(
        Invitation.objects.filter(assignment=assignment, member__in=chosen).values_list(
            "member__username", flat=True
        )
    )
    if already:
        raise Conflict(f"Already invited: {', '.join(sorted(already))}.", field="members")
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(assignment=assignment, member=member, message=message, invited_by=actor)
            for member in chosen
        ]
    )
    notifications_send_many(
        recipients=chosen,
        actor=actor,
        kind=NotificationKind.INVITATION,
        text=f"{actor.name} invites you to “{assignment.title}” in “{collaboration.title}”"
        + (f": {Truncator(message).chars(160)}" if message else "."),
        url=collaboration.get_absolute_url() + "invitations/",
        subject=collaboration,
        subject_label=collaboration.title,
    )
    return invitations


@transaction.atomic
def invitation_answer(*, member: Member, invitation: Invitation, accept: bool) -> Invitation:
    if invitation.member_id != member.pk:
        raise NotAllowed("Only the invited member can answer this invitation.")
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.state != Invitation.State.PENDING:
        raise Conflict(f"You have already {locked.get_state_display().lower()} this invitation.")
    locked.state = Invitation.State.ACCEPTED if accept else Invitation.State.DECLINED
    locked.answered_at = timezone.now()
    locked.save(update_fields=["state", "answered_at"])
    assignment = invitation.assignment
    notification_send(
        recipient=locked.invited_by,
        actor=member,
        kind=NotificationKind.INVITATION,
        text=f"{member.name} {'accepted' if accept else 'declined'} your invitation to "
        f"“{assignment.title}”.",
        url=assignment.collaboration.get_absolute_url() + "invitations/",
        subject=assignment.collaboration,
        subject_label=assignment.collaboration.title,
    )
    invitation.state = locked.state
    invitation.answered_at = locked.answered_at
    return locked
