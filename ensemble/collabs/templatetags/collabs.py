"""Small presentation helpers for collaboration pages: deadlines, countdowns, image links."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.urls import reverse
from django.utils import timezone

register = template.Library()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@register.filter
def countdown(deadline: datetime | None) -> str:
    """ "closes in 3 days 4 hours", "closes in 12 minutes", "closed" (collabs.js keeps it live)."""
    if deadline is None:
        return "no deadline"
    seconds = int((deadline - timezone.now()).total_seconds())
    if seconds <= 0:
        return "the deadline has passed"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = _plural(days, "day") + (f" {_plural(hours, 'hour')}" if hours else "")
    elif hours:
        text = _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")
    elif minutes:
        text = _plural(minutes, "minute")
    else:
        text = "less than a minute"
    return f"closes in {text}"


@register.filter
def in_zone(moment: datetime | None, zone: str) -> datetime | None:
    """The moment as a wall-clock time in the named IANA zone (naive, so that the `date`
    filter shows it as it is instead of converting it to the site's zone)."""
    if moment is None:
        return None
    return timezone.localtime(moment, ZoneInfo(zone or "UTC")).replace(tzinfo=None)


@register.simple_tag
def collab_image_url(collaboration: object, which: str) -> str:
    """The address of a collaboration's cover or partner logo, changing when the file does."""
    field = getattr(collaboration, which)
    if not field:
        return ""
    url = reverse(
        "collabs:image",
        kwargs={"pk": collaboration.pk, "which": which.replace("_", "-")},  # type: ignore[attr-defined]
    )
    return f"{url}?v={field.name.rsplit('/', 1)[-1]}"
