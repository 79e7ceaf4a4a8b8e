"""A member's notifications in the API: list, unread count, mark one or all read."""

from ninja import Query, Router, Schema

from ensemble.core.api_auth import ApiRequest, member_auth
from ensemble.core.schemas import error_responses

from . import selectors, services
from .schemas import MarkedOut, NotificationOut, NotificationPageOut, UnreadOut

router = Router(tags=["notifications"], auth=member_auth)


class ListQuery(Schema):
    cursor: str | None = None
    limit: int = 30


_ERRORS = error_responses(400, 401, 403, 404, 422)


@router.get("", response={200: NotificationPageOut, **_ERRORS})
def notifications_list(request: ApiRequest, query: Query[ListQuery]) -> NotificationPageOut:
    """Your notifications, newest first. Pass `next_cursor` back as `cursor` for the next page
    (`limit` 1 to 100)."""
    page = selectors.notifications_for(member=request.auth, cursor=query.cursor, limit=query.limit)
    return NotificationPageOut(
        items=[NotificationOut.from_notification(n) for n in page.notifications],
        next_cursor=page.next_cursor,
    )


@router.get("/unread-count", response={200: UnreadOut, **_ERRORS})
def notifications_unread_count(request: ApiRequest) -> UnreadOut:
    return UnreadOut(unread=selectors.unread_count(member=request.auth))


@router.post("/read-all", response={200: MarkedOut, **_ERRORS})
def notifications_read_all(request: ApiRequest) -> MarkedOut:
    """Mark every unread notification read; `marked` says how many were unread."""
    return MarkedOut(marked=services.notifications_mark_all_read(member=request.auth))


@router.post("/{notification_id}/read", response={200: NotificationOut, **_ERRORS})
def notification_read(request: ApiRequest, notification_id: int) -> NotificationOut:
    """Mark one of your notifications read (again is harmless)."""
    notification = services.notification_mark_read(
        member=request.auth, notification_id=notification_id
    )
    return NotificationOut.from_notification(notification)
