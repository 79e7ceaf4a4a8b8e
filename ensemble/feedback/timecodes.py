"""Moments in audio and video as people write them ("1:23") and as they are stored (seconds)."""

import math
import re

from ensemble.core.errors import EnsembleError

_CLOCK = re.compile(r"^(-)?(?:(\d{1,3}):)?(?:(\d{1,2}):)?(\d{1,6}(?:[.,]\d{1,3})?)$")


def timecode_parse(text: str | None) -> float | None:
    """Seconds from "83", "83.5", "1:23", "1:23.5" or "1:02:03"; None when empty.

    A minus sign is kept (the service refuses negative times with its own message).
    """
    value = (text or "").strip()
    if not value:
        return None
    match = _CLOCK.match(value)
    if match is None:
        raise EnsembleError(
            f"“{value[:20]}” is not a time: write minutes and seconds like 1:23, or seconds.",
            field="timecode",
        )
    minus, first, second, seconds = match.groups()
    if first is not None and second is not None:
        hours, minutes = int(first), int(second)
    else:
        hours, minutes = 0, int(first or 0)
    total = hours * 3600 + minutes * 60 + float(seconds.replace(",", "."))
    return -total if minus else total


def timecode_label(seconds: float | None) -> str:
    """ "1:23" (or "1:02:03"); under a minute, tenths show when there are any: "0:07.5"."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    tenths = round(seconds * 10)
    if seconds < 60 and tenths % 10:
        return f"{sign}0:{tenths // 10:02}.{tenths % 10}"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02}:{secs:02}"
    return f"{sign}{minutes}:{secs:02}"
