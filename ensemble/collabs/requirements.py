"""A brief's requirements, checked against the probed metadata of a record version.

`shortfalls(collaboration, version)` lists, in plain words, every way the version misses the
official requirements (an empty list: it meets them). Resolution compares the long side with
the long side and the short side with the short side, so a 2160×3840 portrait clip meets a
3840×2160 minimum; orientation is its own requirement.
"""

from ensemble.core.errors import Conflict, EnsembleError
from ensemble.records.models import Kind, RecordVersion

from .models import Collaboration

PICTURE_KINDS = {Kind.VIDEO, Kind.IMAGE}
TIMED_KINDS = {Kind.VIDEO, Kind.AUDIO}
DURATION_SLACK = 0.5  # seconds: containers round durations differently


def requirement_labels(collaboration: Collaboration) -> list[str]:
    """The requirements as a brief shows them: "at least 3840×2160", "shot on Sony FX3"."""
    labels = []
    if collaboration.min_width or collaboration.min_height:
        labels.append(f"at least {_size_label(collaboration)}")
    if collaboration.camera:
        labels.append(f"shot on {collaboration.camera}")
    if collaboration.orientation:
        labels.append(f"{collaboration.orientation} orientation")
    if collaboration.max_duration:
        labels.append(f"at most {duration_label(collaboration.max_duration)} long")
    return labels


def shortfalls(collaboration: Collaboration, version: RecordVersion) -> list[str]:
    kind = version.record.kind
    checks_picture = kind in PICTURE_KINDS and (
        collaboration.min_width
        or collaboration.min_height
        or collaboration.camera
        or collaboration.orientation
    )
    checks_time = kind in TIMED_KINDS and collaboration.max_duration
    if not (checks_picture or checks_time):
        return []
    _require_probed(version)
    found: list[str] = []
    if checks_picture:
        found += _picture_shortfalls(collaboration, version)
    if checks_time:
        found += _duration_shortfalls(collaboration, version)
    return found


def _require_probed(version: RecordVersion) -> None:
    """Requirements are checked against the full probe, written when processing succeeds."""
    if version.record.kind == Kind.IMAGE or "summary" in version.probe:
        return
    job = getattr(version, "media_job", None)
    title = version.record.title
    if job is not None and job.state == job.State.FAILED:
        raise EnsembleError(
            f"“{title}” could not be processed, so it cannot be checked against the brief."
        )
    raise Conflict(
        f"“{title}” is still being processed; submit it when it is ready, so its resolution, "
        "camera and duration can be checked against the brief."
    )


def _picture_shortfalls(collaboration: Collaboration, version: RecordVersion) -> list[str]:
    found = []
    width = version.probe.get("width")
    height = version.probe.get("height")
    if collaboration.min_width or collaboration.min_height:
        wanted = (collaboration.min_width or 0, collaboration.min_height or 0)
        if not (width and height):
            found.append("Its resolution is not known.")
        elif max(width, height) < max(wanted) or min(width, height) < min(wanted):
            found.append(
                f"It is {width}×{height}; the brief asks for at least "
                f"{_size_label(collaboration).removesuffix(' pixels')}."
            )
    if collaboration.camera:
        camera = version.camera
        if collaboration.camera.casefold() not in camera.casefold():
            shot = f"It was shot on {camera}" if camera else "Its camera is not recorded in it"
            found.append(f"{shot}; the brief asks for footage from {collaboration.camera}.")
    if collaboration.orientation and version.orientation != collaboration.orientation:
        found.append(
            f"It is {version.orientation or 'of unknown orientation'}; "
            f"the brief asks for {collaboration.orientation}."
        )
    return found


def _duration_shortfalls(collaboration: Collaboration, version: RecordVersion) -> list[str]:
    duration = version.duration
    limit = collaboration.max_duration or 0
    if duration is None:
        return ["Its duration is not known."]
    if duration > limit + DURATION_SLACK:
        return [
            f"It lasts {duration_label(duration)}; "
            f"the brief allows at most {duration_label(limit)}."
        ]
    return []


def _size_label(collaboration: Collaboration) -> str:
    """ "3840×2160 pixels"; with one side only, it bounds the long side: "1920 pixels on the
    long side"."""
    width, height = collaboration.min_width or 0, collaboration.min_height or 0
    if width and height:
        return f"{width}×{height} pixels"
    return f"{max(width, height)} pixels on the long side"


def duration_label(seconds: float) -> str:
    whole = round(seconds)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
