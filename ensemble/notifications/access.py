"""The one way to load a notification: only its recipient may see or change it.

Another member's notification answers exactly as a missing one (404), so ids reveal nothing.
"""

from ensemble.accounts.models import Member
from ensemble.core.errors import NotFound

from .models import Notification


def notification_for_recipient(*, member: Member, notification_id: int) -> Notification:
    notification = (
        Notification.objects.filter(pk=notification_id, recipient_id=member.pk)
        .select_related("actor")
        .first()
    )
    if notification is None:
        raise NotFound("There is no such notification.")
    return notification
