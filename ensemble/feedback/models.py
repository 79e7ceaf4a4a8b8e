"""Feedback: comments (with timecodes on audio and video), hearts, follows, reports, and the
activity that followers see on their home page."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# A comment, a follow and an activity each point at exactly one of these.
_ONE_TARGET = (
    Q(record__isnull=False, collaboration__isnull=True, submission__isnull=True)
    | Q(record__isnull=True, collaboration__isnull=False, submission__isnull=True)
    | Q(record__isnull=True, collaboration__isnull=True, submission__isnull=False)
)


class Comment(models.Model):
    """A comment on a record, a collaboration or a submission; replies are one level deep.

    Comments on submissions are a conversation between the artist and the leaders. A deleted
    comment keeps its row (so its replies keep their place) and loses its text.
    """

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    record = models.ForeignKey(
        "records.Record", on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    collaboration = models.ForeignKey(
        "collabs.Collaboration",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
    )
    submission = models.ForeignKey(
        "collabs.Submission",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField(max_length=5000)
    body_html = models.TextField(blank=True)
    # A moment in the media (seconds), for comments on audio and video; the version it is in.
    timecode = models.FloatField(null=True, blank=True)
    version = models.ForeignKey(
        "records.RecordVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=_ONE_TARGET, name="comment_one_target"),
            models.CheckConstraint(
                condition=Q(timecode__isnull=True) | Q(timecode__gte=0, version__isnull=False),
                name="comment_timecode_in_version",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["record", "created_at"], name="comment_record_idx"),
            models.Index(fields=["collaboration", "created_at"], name="comment_collab_idx"),
            models.Index(fields=["submission", "created_at"], name="comment_submission_idx"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} by {self.author_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Report(models.Model):
    """A member tells staff that a comment is abusive, spam, or otherwise wrong."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Harassment or abuse"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=8, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="report_once"),
        ]

    def __str__(self) -> str:
        return f"report of comment {self.comment_id} ({self.reason})"


class Heart(models.Model):
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey("records.Record", on_delete=models.CASCADE, related_name="hearts")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["member", "record"], name="heart_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} ♥ {self.record_id}"


class Follow(models.Model):
    """A member follows another member or a collaboration."""

    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followers",
    )
    collaboration = models.ForeignKey(
        "collabs.Collaboration",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followers",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, collaboration__isnull=True)
                | Q(member__isnull=True, collaboration__isnull=False),
                name="follow_one_target",
            ),
            models.CheckConstraint(
                condition=~Q(member=models.F("follower")), name="follow_not_self"
            ),
            models.UniqueConstraint(
                fields=["follower", "member"],
                condition=Q(member__isnull=False),
                name="follow_member_once",
            ),
            models.UniqueConstraint(
                fields=["follower", "collaboration"],
                condition=Q(collaboration__isnull=False),
                name="follow_collab_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.member_id or self.collaboration_id}"


class Activity(models.Model):
    """Something worth showing to followers: a member posted a record, a collaboration opened,
    closed or selected work. Written by the services that do those things."""

    class Verb(models.TextChoices):
        POSTED = "posted", "posted"
        OPENED = "opened", "opened"
        STATUS = "status", "changed status"
        SUBMITTED = "submitted", "submitted"
        SELECTED = "selected", "selected"

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    verb = models.CharField(max_length=12, choices=Verb.choices)
    record = models.ForeignKey(
        "records.Record", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    collaboration = models.ForeignKey(
        "collabs.Collaboration",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["actor", "-created_at", "-id"], name="activity_actor_idx"),
            models.Index(
                fields=["collaboration", "-created_at", "-id"], name="activity_collab_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.text
