"""What a comment is on: a record, a collaboration or a submission, behind one small interface.

Services, selectors and pages ask a `Target` who may see it, what it is called, where its page
is, and which media version (if any) a timecode points into.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model

from ensemble.accounts.models import Member
from ensemble.collabs.access import can_see_collaboration, can_see_submission
from ensemble.collabs.models import Collaboration, Submission
from ensemble.records.access import can_see as can_see_record
from ensemble.records.models import Kind, Record, RecordVersion

Viewer = Member | AnonymousUser
Commentable = Record | Collaboration | Submission

# The URL segment of each kind of target, as in /feedback/records/12/comments/.
PLURALS = {"record": "records", "collaboration": "collaborations", "submission": "submissions"}


@dataclass(frozen=True)
class Target:
    obj: Commentable

    @staticmethod
    def of(obj: "Commentable | Target") -> "Target":
        if isinstance(obj, Target):
            return obj
        if not isinstance(obj, Record | Collaboration | Submission):
            raise TypeError(f"Comments are on records, collaborations or submissions, not {obj!r}")
        return Target(obj)

    @property
    def kind(self) -> str:
        """ "record", "collaboration" or "submission": also the Comment field that points at it."""
        if isinstance(self.obj, Record):
            return "record"
        if isinstance(self.obj, Collaboration):
            return "collaboration"
        return "submission"

    @property
    def plural(self) -> str:
        return PLURALS[self.kind]

    @property
    def pk(self) -> int:
        return int(self.obj.pk)

    def lookup(self) -> dict[str, Model]:
        """Filter arguments for the comments of this target: {"record": record}."""
        return {self.kind: self.obj}

    def holds(self, comment: Any) -> bool:
        """Is `comment` on this target?"""
        return bool(getattr(comment, f"{self.kind}_id", None) == self.pk)

    @property
    def title(self) -> str:
        if isinstance(self.obj, Submission):
            return self.obj.record.title
        return self.obj.title

    @property
    def noun(self) -> str:
        """How a message names it: "this record", "this collaboration", "this submission"."""
        return f"this {self.kind}"

    def url(self) -> str:
        return str(self.obj.get_absolute_url())

    def can_see(self, viewer: Viewer) -> bool:
        if isinstance(self.obj, Record):
            return can_see_record(viewer, self.obj)
        if isinstance(self.obj, Collaboration):
            return can_see_collaboration(viewer, self.obj)
        return can_see_submission(viewer, self.obj)

    @property
    def media_record(self) -> Record | None:
        """The record whose audio or video a timecode would point into."""
        if isinstance(self.obj, Record):
            return self.obj
        if isinstance(self.obj, Submission):
            return self.obj.record
        return None

    @property
    def media_version(self) -> RecordVersion | None:
        """The version a timecode points into: a record's current one, a submission's pinned one."""
        if isinstance(self.obj, Record):
            return self.obj.current_version
        if isinstance(self.obj, Submission):
            return self.obj.version
        return None

    @property
    def takes_timecodes(self) -> bool:
        record = self.media_record
        return record is not None and record.kind in (Kind.AUDIO, Kind.VIDEO)

    @property
    def duration(self) -> float | None:
        """Seconds of audio or video a timecode may point into; None when there is none."""
        if not self.takes_timecodes:
            return None
        version = self.media_version
        return version.duration if version is not None else None


def target_of(comment: Any) -> Target:
    """The target of a comment loaded with its record, collaboration or submission."""
    for field in ("record", "collaboration", "submission"):
        if getattr(comment, f"{field}_id", None) is not None:
            return Target(getattr(comment, field))
    raise ValueError(f"Comment {comment.pk} has no target")
