"""Collaborations: a brief from a producer, the community's submissions, and their curation.

A collaboration is opened by a member (its first leader). Members submit records to it; the
leaders move each submission through submitted → shortlisted → selected (or passed), and every
decision is kept as a row of `Decision`. Leaders may invite chosen members to an `Assignment`
("six cinematographers with 4K cameras"); an invitee's submissions are tagged with it.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from ensemble.core.money import money_format


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open for submissions"
    CURATING = "curating", "Curating"
    CLOSED = "closed", "Closed"


class Orientation(models.TextChoices):
    ANY = "", "Any"
    LANDSCAPE = "landscape", "Landscape"
    PORTRAIT = "portrait", "Portrait"
    SQUARE = "square", "Square"


class OffSpec(models.TextChoices):
    """What happens to media that does not meet the requirements."""

    REFUSE = "refuse", "Refuse it, with the reason"
    MARK = "mark", "Accept it, marked “does not meet the official requirements”"


def cover_path(collaboration: "Collaboration", filename: str) -> str:
    return f"collaborations/{collaboration.pk or 'new'}/{filename}"


class Collaboration(models.Model):
    title = models.CharField(max_length=200)
    brief = models.TextField(max_length=20000, blank=True, help_text="Markdown.")
    brief_html = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    kinds = models.JSONField(
        default=list, blank=True, help_text="Record kinds wanted; empty means any kind."
    )
    # Requirements, checked against the probed metadata of each submitted version.
    min_width = models.PositiveIntegerField(null=True, blank=True)
    min_height = models.PositiveIntegerField(null=True, blank=True)
    camera = models.CharField(
        max_length=120, blank=True, help_text="Camera make or model the footage must come from."
    )
    max_duration = models.FloatField(null=True, blank=True, help_text="Seconds.")
    orientation = models.CharField(
        max_length=10, choices=Orientation.choices, blank=True, default=Orientation.ANY
    )
    off_spec = models.CharField(max_length=8, choices=OffSpec.choices, default=OffSpec.REFUSE)
    deadline = models.DateTimeField(null=True, blank=True)
    deadline_zone = models.CharField(
        max_length=64, default="UTC", help_text="IANA time zone the deadline is shown in."
    )
    partner_name = models.CharField(max_length=120, blank=True)
    partner_logo = models.ImageField(upload_to=cover_path, blank=True)
    budget_amount = models.BigIntegerField(
        null=True, blank=True, help_text="Minor units of the currency (cents)."
    )
    budget_currency = models.CharField(max_length=3, blank=True)
    cover = models.ImageField(upload_to=cover_path, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    leaders = models.ManyToManyField(  # type: ignore[var-annotated]
        settings.AUTH_USER_MODEL,
        through="Leadership",
        through_fields=("collaboration", "member"),
        related_name="led_collaborations",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["status", "-created_at", "-id"], name="collab_status_idx"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(
                    models.Q(budget_amount__isnull=True, budget_currency="")
                    | models.Q(budget_amount__gte=0) & ~models.Q(budget_currency="")
                ),
                name="collab_budget_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("collabs:detail", kwargs={"pk": self.pk})

    @property
    def budget_label(self) -> str:
        if self.budget_amount is None:
            return ""
        return money_format(self.budget_amount, self.budget_currency)

    @property
    def accepts_submissions(self) -> bool:
        return self.status == Status.OPEN and not self.deadline_passed

    @property
    def deadline_passed(self) -> bool:
        return self.deadline is not None and self.deadline <= timezone.now()

    @property
    def has_media_requirements(self) -> bool:
        return bool(
            self.min_width
            or self.min_height
            or self.camera
            or self.max_duration
            or self.orientation
        )


class Leadership(models.Model):
    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.CASCADE, related_name="leaderships"
    )
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["collaboration", "member"], name="leadership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} leads {self.collaboration_id}"


class Assignment(models.Model):
    """A task within a collaboration that leaders invite chosen members to."""

    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.CASCADE, related_name="assignments"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=5000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations"
    )
    message = models.TextField(max_length=5000, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["assignment", "member"], name="invitation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} invited to {self.assignment_id} ({self.state})"


class SubmissionState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    SHORTLISTED = "shortlisted", "Shortlisted"
    SELECTED = "selected", "Selected"
    PASSED = "passed", "Passed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Submission(models.Model):
    """One record offered to a collaboration, pinned to the version that was submitted."""

    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.CASCADE, related_name="submissions"
    )
    record = models.ForeignKey("records.Record", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(
        "records.RecordVersion", on_delete=models.PROTECT, related_name="submissions"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions"
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="submissions"
    )
    state = models.CharField(
        max_length=12, choices=SubmissionState.choices, default=SubmissionState.SUBMITTED
    )
    meets_requirements = models.BooleanField(default=True)
    shortfalls = models.JSONField(
        default=list, blank=True, help_text="Why it does not meet the requirements."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["collaboration", "record"], name="submission_record_unique"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["collaboration", "state"], name="submission_state_idx"),
            models.Index(fields=["member", "-created_at"], name="submission_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} in {self.collaboration_id} ({self.state})"

    def get_absolute_url(self) -> str:
        return reverse(
            "collabs:submission", kwargs={"pk": self.collaboration_id, "submission_id": self.pk}
        )


class Decision(models.Model):
    """One curation step, kept forever: who moved a submission from what to what, and why."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="decisions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=12, choices=SubmissionState.choices)
    to_state = models.CharField(max_length=12, choices=SubmissionState.choices)
    note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.from_state} → {self.to_state}"
