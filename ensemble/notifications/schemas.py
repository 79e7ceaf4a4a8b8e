"""API shapes for notifications."""

from datetime import datetime

from ninja import Schema

from .models import Notification


class ActorOut(Schema):
    username: str
    name: str
    url: str


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    subject_label: str
    actor: ActorOut | None
    created_at: datetime
    read_at: datetime | None
    unread: bool

    @staticmethod
    def from_notification(notification: Notification) -> "NotificationOut":
        actor = notification.actor
        return NotificationOut(
            id=notification.pk,
            kind=notification.kind,
            text=notification.text,
            url=notification.url,
            subject_label=notification.subject_label,
            actor=(
                ActorOut(username=actor.username, name=actor.name, url=actor.get_absolute_url())
                if actor is not None
                else None
            ),
            created_at=notification.created_at,
            read_at=notification.read_at,
            unread=notification.read_at is None,
        )


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int
