"""Writes about notifications: send one or many, e-mail each at most once, mark them read.

Sending never waits for SMTP. The row is written in the caller's transaction; after it commits,
the `notification_emails_send` task (queue "default") e-mails the recipients who want e-mails
and have a verified primary address. Delivery claims each row (`emailed_at`) with a
conditional update before sending, so a task delivered twice sends each e-mail once.
"""

import logging
import re
from collections.abc import Iterable, Sequence
from functools import partial

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from ensemble.accounts.models import Member

from .access import notification_for_recipient
from .models import Kind, Notification

logger = logging.getLogger(__name__)

TEXT_MAX = Notification._meta.get_field("text").max_length or 300
LABEL_MAX = Notification._meta.get_field("subject_label").max_length or 200
URL_MAX = Notification._meta.get_field("url").max_length or 500
EMAILS_PER_TASK = 100  # one task (and one SMTP connection) per batch of a fan-out

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@transaction.atomic
def notification_send(
    *,
    recipient: Member,
    kind: str,
    text: str,
    url: str,
    actor: Member | None = None,
    subject: models.Model | None = None,
    subject_label: str = "",
) -> Notification | None:
    """Tell `recipient` that `actor` did something; None when they are the same member.

    `url` is the page to open, a path on this site such as `record.get_absolute_url()`.
    `subject` (optional) is the object it is about; `subject_label` a short name for it.
    """
    if actor is not None and actor.pk == recipient.pk:
        return None  # nobody is told about what they did themselves
    notification = Notification.objects.create(
        recipient=recipient, actor=actor, **_fields(kind, text, url, subject, subject_label)
    )
    if recipient.email_notifications:
        _email_after_commit([notification.pk])
    return notification


@transaction.atomic
def notifications_send_many(
    *,
    recipients: Iterable[Member],
    kind: str,
    text: str,
    url: str,
    actor: Member | None = None,
    subject: models.Model | None = None,
    subject_label: str = "",
) -> list[Notification]:
    """The same notification to many members in one INSERT (a production's hundreds of
    artists). Duplicates and the actor are left out; e-mails go in batches after commit."""
    fields = _fields(kind, text, url, subject, subject_label)
    chosen: dict[int, Member] = {}
    for recipient in recipients:
        if actor is not None and recipient.pk == actor.pk:
            continue
        chosen.setdefault(recipient.pk, recipient)
    if not chosen:
        return []
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        [
            Notification(recipient=recipient, actor=actor, created_at=now, **fields)
            for recipient in chosen.values()
        ]
    )
    _email_after_commit([row.pk for row in rows if chosen[row.recipient_id].email_notifications])
    return rows


def notification_mark_read(*, member: Member, notification_id: int) -> Notification:
    """Mark one of `member`'s notifications read (again is fine); another's is NotFound."""
    notification = notification_for_recipient(member=member, notification_id=notification_id)
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, member: Member) -> int:
    """Mark every unread notification of `member` read; how many there were."""
    return Notification.objects.filter(recipient_id=member.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_emails_deliver(*, notification_ids: Sequence[int]) -> int:
    """E-mail each notification once, if its recipient still wants e-mails, is active, has a
    verified primary address and has not read it in the app meanwhile. How many were sent.

    Each row is claimed (emailed_at set where it is null) before its e-mail goes, and released
    if sending fails, so running this twice never sends twice and a failure can be retried.
    """
    notifications = list(
        Notification.objects.filter(
            pk__in=list(notification_ids), emailed_at__isnull=True, read_at__isnull=True
        )
        .select_related("recipient", "actor")
        .order_by("pk")
    )
    wanted = [n for n in notifications if n.recipient.email_notifications and n.recipient.is_active]
    if not wanted:
        return 0
    addresses = dict(
        EmailAddress.objects.filter(
            user_id__in={n.recipient_id for n in wanted}, primary=True, verified=True
        ).values_list("user_id", "email")
    )
    sent = 0
    failed: list[int] = []
    with get_connection() as connection:
        for notification in wanted:
            address = addresses.get(notification.recipient_id)
            if not address:
                continue
            claimed_at = timezone.now()
            claimed = Notification.objects.filter(
                pk=notification.pk, emailed_at__isnull=True
            ).update(emailed_at=claimed_at)
            if not claimed:
                continue  # another delivery of the same task got there first
            try:
                _message(notification, address, connection).send()
            except Exception:
                logger.exception("Could not e-mail notification %s", notification.pk)
                Notification.objects.filter(pk=notification.pk, emailed_at=claimed_at).update(
                    emailed_at=None
                )
                failed.append(notification.pk)
            else:
                sent += 1
    if failed:
        raise NotificationEmailFailed(failed)
    return sent


class NotificationEmailFailed(Exception):
    """Some e-mails could not be sent; their rows are unclaimed, so a retry sends only them."""

    def __init__(self, notification_ids: list[int]) -> None:
        super().__init__(f"Could not e-mail notifications {notification_ids}.")
        self.notification_ids = notification_ids


def site_url(path: str) -> str:
    """An absolute link for e-mails, which are sent outside any request."""
    base = str(getattr(settings, "ENSEMBLE_SITE_URL", "") or "http://127.0.0.1:8000")
    return base.rstrip("/") + path


def _fields(
    kind: str, text: str, url: str, subject: models.Model | None, subject_label: str
) -> dict[str, object]:
    if kind not in Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}; add it to Kind first.")
    if not url.startswith("/") or url.startswith("//") or "\\" in url or len(url) > URL_MAX:
        # The page redirects to it: only paths on this site, never another host.
        raise ValueError(f"A notification links to a path on this site, not {url!r}.")
    fields: dict[str, object] = {
        "kind": kind,
        "text": _one_line(text, TEXT_MAX),
        "url": url,
        "subject_label": _one_line(subject_label, LABEL_MAX),
    }
    if subject is not None:
        fields["subject_type"] = ContentType.objects.get_for_model(subject)
        fields["subject_id"] = subject.pk
    return fields


def _one_line(value: str, limit: int) -> str:
    """Notification texts are made from titles and names: shorten them rather than refuse."""
    value = " ".join(_CONTROL.sub(" ", value or "").split())
    return Truncator(value).chars(limit)


def _email_after_commit(notification_ids: list[int]) -> None:
    for start in range(0, len(notification_ids), EMAILS_PER_TASK):
        batch = notification_ids[start : start + EMAILS_PER_TASK]
        # robust: the notification is committed; a queue hiccup must not fail the request.
        transaction.on_commit(partial(_enqueue, batch), robust=True)


def _enqueue(notification_ids: list[int]) -> None:
    from .tasks import notification_emails_send

    notification_emails_send.enqueue(notification_ids=notification_ids)


def _message(
    notification: Notification, address: str, connection: BaseEmailBackend
) -> EmailMessage:
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "link": site_url(notification.url),
        "settings_link": site_url(reverse("accounts:profile")),
    }
    body = render_to_string("notifications/email.txt", context)
    subject = Truncator(f"Ensemble: {notification.text}").chars(120)
    return EmailMessage(
        subject=subject,
        body=body,
        to=[address],
        connection=connection,
        headers={"Auto-Submitted": "auto-generated"},
    )
