"""The one way to load a collaboration or a submission a given person may see or change.

- A draft collaboration is seen only by its leaders (and staff); open, curating and closed ones
  by everyone. Only leaders change a collaboration or curate it (403 for others).
- A submission's state, decisions and conversation are seen by its artist and the leaders.
- An assignment is seen by whoever sees its collaboration; an invitation only by its invitee.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from ensemble.accounts.models import Member
from ensemble.core.errors import NotAllowed, NotFound

from .models import Assignment, Collaboration, Invitation, Leadership, Status, Submission

Viewer = Member | AnonymousUser


def is_leader(viewer: Viewer, collaboration: Collaboration) -> bool:
    if not viewer.is_authenticated:
        return False
    cached = getattr(collaboration, "_leader_ids", None)
    if cached is None:
        cached = set(
            Leadership.objects.filter(collaboration=collaboration).values_list(
                "member_id", flat=True
            )
        )
        collaboration._leader_ids = cached  # type: ignore[attr-defined]
    return viewer.pk in cached


def can_see_collaboration(viewer: Viewer, collaboration: Collaboration) -> bool:
    if collaboration.status != Status.DRAFT:
        return True
    return bool(viewer.is_authenticated and (viewer.is_staff or is_leader(viewer, collaboration)))


def collaborations_visible(viewer: Viewer) -> QuerySet[Collaboration]:
    queryset = Collaboration.objects.all()
    if not viewer.is_authenticated:
        return queryset.exclude(status=Status.DRAFT)
    if viewer.is_staff:
        return queryset
    leads = Leadership.objects.filter(collaboration=OuterRef("pk"), member=viewer)
    return queryset.filter(~Q(status=Status.DRAFT) | Exists(leads))


def collaboration_for_viewer(*, viewer: Viewer, collaboration_id: int) -> Collaboration:
    collaboration = (
        Collaboration.objects.select_related("created_by").filter(pk=collaboration_id).first()
    )
    if collaboration is None or not can_see_collaboration(viewer, collaboration):
        raise NotFound("There is no such collaboration, or it is not open yet.")
    return collaboration


def collaboration_for_leader(*, member: Viewer, collaboration_id: int) -> Collaboration:
    collaboration = collaboration_for_viewer(viewer=member, collaboration_id=collaboration_id)
    if not is_leader(member, collaboration):
        raise NotAllowed("Only the collaboration's leaders can do that.")
    return collaboration


def can_see_submission(viewer: Viewer, submission: Submission) -> bool:
    if not viewer.is_authenticated:
        return False
    if viewer.is_staff or submission.member_id == viewer.pk:
        return True
    return is_leader(viewer, submission.collaboration)


def submission_for_viewer(*, viewer: Viewer, submission_id: int) -> Submission:
    """A submission for its artist or a leader of its collaboration (404 for anyone else)."""
    submission = (
        Submission.objects.select_related(
            "collaboration", "record", "record__author", "version", "member", "assignment"
        )
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or not can_see_submission(viewer, submission):
        raise NotFound("There is no such submission, or it is not yours to see.")
    return submission


def assignment_for_viewer(*, viewer: Viewer, assignment_id: int) -> Assignment:
    """An assignment of a collaboration the viewer may see (404 otherwise)."""
    assignment = Assignment.objects.select_related("collaboration").filter(pk=assignment_id).first()
    if assignment is None or not can_see_collaboration(viewer, assignment.collaboration):
        raise NotFound("There is no such assignment.")
    return assignment


def invitation_for_member(*, member: Viewer, invitation_id: int) -> Invitation:
    """An invitation, for the member it invites only (404 for anyone else)."""
    invitation = (
        Invitation.objects.select_related(
            "member", "invited_by", "assignment", "assignment__collaboration"
        )
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not member.is_authenticated or invitation.member_id != member.pk:
        raise NotFound("There is no such invitation, or it is not addressed to you.")
    return invitation
