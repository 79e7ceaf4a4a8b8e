"""Small presentation helpers for production pages: release countdowns, times, cover links."""

from datetime import datetime

from django import template
from django.urls import reverse
from django.utils import timezone

register = template.Library()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@register.filter
def release_countdown(moment: datetime | None) -> str:
    """ "3 days 4 hours", "12 minutes", "now" (cut-editor.js keeps it live)."""
    if moment is None:
        return ""
    seconds = int((moment - timezone.now()).total_seconds())
    if seconds <= 0:
        return "now"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _plural(days, "day") + (f" {_plural(hours, 'hour')}" if hours else "")
    if hours:
        return _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")
    if minutes:
        return _plural(minutes, "minute")
    return _plural(secs, "second")


@register.filter
def clock(value: float | None) -> str:
    """Seconds as m:ss.ss (a clip's in and out points)."""
    if value is None:
        return ""
    minutes, rest = divmod(max(float(value), 0.0), 60)
    return f"{int(minutes)}:{rest:05.2f}"


@register.filter
def number(value: float | None) -> str:
    """Seconds for a number input: 1.4, 2, 0.04."""
    if value is None:
        return ""
    return f"{float(value):.2f}".rstrip("0").rstrip(".") or "0"


@register.simple_tag
def production_cover_url(production: object) -> str:
    cover = getattr(production, "cover", None)
    if not cover:
        return ""
    url = reverse("productions:cover", kwargs={"pk": production.pk})  # type: ignore[attr-defined]
    return f"{url}?v={cover.name.rsplit('/', 1)[-1]}"
