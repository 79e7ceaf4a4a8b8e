"""Reads about notifications: the unread count for the header, a member's list, newest first."""

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q

from ensemble.accounts.models import Member
from ensemble.core.errors import EnsembleError

from .models import Notification

MAX_LIMIT = 100


@dataclass(frozen=True)
class NotificationPage:
    notifications: list[Notification]
    next_cursor: str | None


def unread_count(*, member: Member) -> int:
    """One COUNT on the (recipient, read_at, created_at) index."""
    return Notification.objects.filter(recipient_id=member.pk, read_at__isnull=True).count()


def notifications_for(
    *, member: Member, cursor: str | None = None, limit: int = 30
) -> NotificationPage:
    """A member's notifications, newest first; pass `next_cursor` back for the next page."""
    limit = min(max(limit, 1), MAX_LIMIT)
    queryset = Notification.objects.filter(recipient_id=member.pk)
    if cursor:
        created_at, pk = _cursor_decode(cursor)
        queryset = queryset.filter(
            Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)
        )
    rows = list(queryset.select_related("actor").order_by("-created_at", "-id")[: limit + 1])
    next_cursor = _cursor_encode(rows[limit - 1]) if len(rows) > limit else None
    return NotificationPage(notifications=rows[:limit], next_cursor=next_cursor)


def _cursor_encode(notification: Notification) -> str:
    raw = f"{notification.created_at.isoformat()}|{notification.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_decode(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None:  # every cursor we hand out carries its offset
            raise ValueError("naive datetime")
        return moment.astimezone(UTC), int(pk)
    except (ValueError, OverflowError, binascii.Error, UnicodeError) as exc:
        raise EnsembleError(
            "That page cursor is not valid; start from the first page.", field="cursor"
        ) from exc
