"""Reads about notifications: the unread count for the header, a member's list, newest first."""

from dataclasses import dataclass

from ensemble.accounts.models import Member
from ensemble.core.cursors import newest_first_page

from .models import Notification


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
    queryset = Notification.objects.filter(recipient_id=member.pk)
    rows, next_cursor = newest_first_page(
        queryset.select_related("actor"), cursor=cursor, limit=limit
    )
    return NotificationPage(notifications=rows, next_cursor=next_cursor)
