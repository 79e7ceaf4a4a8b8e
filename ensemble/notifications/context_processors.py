"""The header's unread count: one COUNT for a logged-in member, none for visitors.

Lazy, so pages and fragments that do not show the header (htmx partials) run no query.
"""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def unread(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(member=user))}
