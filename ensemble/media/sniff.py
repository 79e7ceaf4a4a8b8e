"""Is this upload really the kind it claims to be? Opened with PyAV (audio, video) or Pillow.

PyAV is told to read local files only and to accept only the container formats we allow, so a
`.mp4` that is really a playlist or a concat script is never followed anywhere.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av

from ensemble.core.images import ImageRefused, open_image

VIDEO_EXTENSIONS = {"mp4", "m4v", "mov", "mkv", "webm", "avi", "mts", "m2ts"}
AUDIO_EXTENSIONS = {"mp3", "wav", "flac", "ogg", "oga", "opus", "m4a", "aac"}
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "webp", "gif"}

# Container formats as FFmpeg names them.
ALLOWED_CONTAINERS = {
    "mov,mp4,m4a,3gp,3g2,mj2",
    "matroska,webm",
    "avi",
    "mpegts",
    "mp3",
    "wav",
    "flac",
    "ogg",
    "aac",
}
OPEN_OPTIONS = {
    "protocol_whitelist": "file",
    "format_whitelist": ",".join(sorted({n for c in ALLOWED_CONTAINERS for n in c.split(",")})),
}

CONTENT_TYPES = {
    "mp4": "video/mp4", "m4v": "video/mp4", "mov": "video/quicktime", "mkv": "video/x-matroska",
    "webm": "video/webm", "avi": "video/x-msvideo", "mts": "video/mp2t", "m2ts": "video/mp2t",
    "mp3": "audio/mpeg", "wav": "audio/wav", "flac": "audio/flac", "ogg": "audio/ogg",
    "oga": "audio/ogg", "opus": "audio/ogg", "m4a": "audio/mp4", "aac": "audio/aac",
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp",
    "gif": "image/gif",
}  # fmt: skip


class MediaRefused(ValueError):
    """The file is not what it claims to be; the message says so in plain words."""


@dataclass(frozen=True)
class Sniffed:
    container: str
    content_type: str
    facts: dict[str, Any] = field(default_factory=dict)


def extensions_for(kind: str) -> set[str]:
    return {"video": VIDEO_EXTENSIONS, "audio": AUDIO_EXTENSIONS, "image": IMAGE_EXTENSIONS}[kind]


def sniff(path: Path, *, kind: str, extension: str) -> Sniffed:
    """Open the file as `kind` and decode a little of it; raise MediaRefused if that fails."""
    if kind == "image":
        return _sniff_image(path, extension)
    return _sniff_av(path, kind, extension)


def _sniff_image(path: Path, extension: str) -> Sniffed:
    try:
        with path.open("rb") as handle:
            image = open_image(handle)
    except ImageRefused as exc:
        raise MediaRefused(str(exc)) from exc
    facts = {"width": image.width, "height": image.height, "format": image.format}
    return Sniffed(
        container=(image.format or "").lower(), content_type=CONTENT_TYPES[extension], facts=facts
    )


def _sniff_av(path: Path, kind: str, extension: str) -> Sniffed:
    wanted = "a video" if kind == "video" else "an audio file"
    try:
        container = av.open(str(path), mode="r", options=OPEN_OPTIONS)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaRefused(f"This file is not {wanted} we can read (or it is damaged).") from exc
    with container:
        if container.format.name not in ALLOWED_CONTAINERS:
            raise MediaRefused(f"The {container.format.long_name} format is not accepted.")
        if kind == "video":
            streams: list[Any] = [s for s in container.streams.video if not _is_cover_art(s)]
            if not streams:
                raise MediaRefused("This file has no video in it.")
        else:
            streams = list(container.streams.audio)
            if not streams:
                raise MediaRefused("This file has no audio in it.")
        stream: Any = streams[0]
        try:
            frame = next(container.decode(stream), None)
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise MediaRefused(f"This {kind} is damaged: it cannot be decoded.") from exc
        if frame is None:
            raise MediaRefused(f"This {kind} is empty or cut short: nothing in it can be played.")
        duration = container.duration / av.time_base if container.duration else None
        facts: dict[str, Any] = {"duration": duration, "codec": stream.codec_context.name}
        if kind == "video":
            facts.update(width=stream.codec_context.width, height=stream.codec_context.height)
        else:
            facts.update(
                sample_rate=stream.codec_context.sample_rate,
                channels=stream.codec_context.channels,
            )
        return Sniffed(
            container=container.format.name, content_type=CONTENT_TYPES[extension], facts=facts
        )


def _is_cover_art(stream: Any) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)
