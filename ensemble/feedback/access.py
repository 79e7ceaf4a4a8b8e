"""The one way to load a comment, or the thing comments are on, for a given person.

A comment is seen by whoever can see what it is on (a record, a collaboration, a submission);
for anyone else it answers exactly as a missing one (404). Who may change a comment is the
services' rule (its author edits it; its author or staff delete it).
"""

from ensemble.collabs.access import collaboration_for_viewer, submission_for_viewer
from ensemble.core.errors import NotAllowed, NotFound
from ensemble.records.access import record_for_viewer

from .models import Comment
from .targets import Target, Viewer, target_of

NO_SUCH_COMMENT = "There is no such comment."


def target_for_viewer(*, viewer: Viewer, kind: str, target_id: int) -> Target:
    """A record, collaboration or submission `viewer` may see, by the kind's name."""
    if kind in ("record", "records"):
        return Target(record_for_viewer(viewer=viewer, record_id=target_id))
    if kind in ("collaboration", "collaborations"):
        return Target(collaboration_for_viewer(viewer=viewer, collaboration_id=target_id))
    if kind in ("submission", "submissions"):
        return Target(submission_for_viewer(viewer=viewer, submission_id=target_id))
    raise NotFound("There is nothing to comment on here.")


def comment_for_viewer(*, viewer: Viewer, comment_id: int) -> Comment:
    comment = (
        Comment.objects.select_related(
            "author",
            "record",
            "record__author",
            "record__current_version",
            "collaboration",
            "submission",
            "submission__collaboration",
            "submission__record",
            "submission__version",
            "submission__member",
            "version",
            "parent",
        )
        .filter(pk=comment_id)
        .first()
    )
    if comment is None or not target_of(comment).can_see(viewer):
        raise NotFound(NO_SUCH_COMMENT)
    return comment


def comment_for_author(*, member: Viewer, comment_id: int) -> Comment:
    """A comment its author may edit (403 for others who can see it)."""
    comment = comment_for_viewer(viewer=member, comment_id=comment_id)
    if comment.author_id != member.pk:
        raise NotAllowed("Only its author can edit a comment.")
    return comment
