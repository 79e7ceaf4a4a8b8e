"""Template helpers for feedback: timecodes as people read them ("1:23")."""

from django import template

from ensemble.feedback.timecodes import timecode_label

register = template.Library()


@register.filter
def timecode(seconds: float | None) -> str:
    return timecode_label(seconds)
