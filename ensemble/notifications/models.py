"""Notifications: something happened that concerns a member (their work was built on, a reply,
a mention, a curation decision). Shown in the app, and e-mailed once if the member wants."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Kind(models.TextChoices):
    """What happened. New kinds need no migration of existing rows, only of the choices."""

    REMIXED = "remixed", "Built on your work"
    REPLY = "reply", "Reply"
    MENTION = "mention", "Mention"
    CURATION = "curation", "Curation decision"
    SUBMISSION = "submission", "New submission"
    INVITATION = "invitation", "Invitation"
    COMMENT = "comment", "Comment"
    OTHER = "other", "Other"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # Who did it; kept as null if that member is ever deleted, so the recipient's history stays.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.OTHER)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500, help_text="The page to open: a path on this site.")
    subject_label = models.CharField(max_length=200, blank=True)
    # What it is about, when the caller names it (a record, a comment, a submission): lets
    # later code find or tidy the notifications of one subject.
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The header's unread count: recipient = ? AND read_at IS NULL.
            models.Index(
                fields=["recipient", "read_at", "-created_at"], name="notification_unread"
            ),
            # The notifications page: newest first, with the id as the cursor's tie-break.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_page"),
            models.Index(fields=["subject_type", "subject_id"], name="notification_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id}: {self.text}"

    def get_absolute_url(self) -> str:
        return reverse("notifications:open", kwargs={"pk": self.pk})

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
