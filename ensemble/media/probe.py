"""Technical facts of a media file, read with PyAV (audio, video) or Pillow (images).

Entry points:

- `probe(path) -> dict`: the facts, JSON-ready, stored on the version. Raises `MediaRefused`
  when the file cannot be opened as an allowed container (the PyAV options allow local files
  and allowed formats only, so a playlist or concat script named `.mp4` is never followed).
- `probe_stored(storage, name) -> dict`: the same for a stored file (a temporary local copy on
  remote storage).
- `summarize(facts) -> dict`: the small set of values the feed and API filter on.

Keys of `probe(...)` (every key is present; unknown values are None):

    kind            "video" | "audio" | "image"
    container       FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" (pass to media_input)
    duration        seconds (float) | None
    bit_rate        bits per second of the whole file | None
    size_bytes      int
    creation_time   ISO 8601 string from the container tags | None
    camera          {"make": str | None, "model": str | None} | None
    width, height   the picture as displayed (rotation and pixel aspect applied); None for audio
    video           [per video stream, cover art excluded: see _video_facts]
    audio           [{"index", "codec", "profile", "channels", "sample_rate", "bit_rate"}]
    data_streams    number of data/subtitle/attachment streams (never copied to renditions)
    summary         summarize(facts)

Location tags, serial numbers and other personal tags are deliberately not copied into the facts.
"""

from __future__ import annotations

import itertools
import statistics
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from django.core.files.storage import Storage

from ensemble.core.images import ImageRefused, open_image

from .files import local_path
from .sniff import ALLOWED_CONTAINERS, OPEN_OPTIONS, MediaRefused

# FFmpeg's names for the colour enums (libavutil/pixfmt.h).
TRANSFERS = {
    1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear",
    9: "log100", 10: "log316", 11: "iec61966-2-4", 12: "bt1361e", 13: "iec61966-2-1",
    14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084", 17: "smpte428", 18: "arib-std-b67",
}  # fmt: skip
PRIMARIES = {
    1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film",
    9: "bt2020", 10: "smpte428", 11: "smpte431", 12: "smpte432", 22: "ebu3213",
}  # fmt: skip
MATRICES = {
    0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "ycgco",
    9: "bt2020nc", 10: "bt2020c", 11: "smpte2085", 14: "ictcp",
}  # fmt: skip
RANGES = {1: "tv", 2: "pc"}
HDR_TRANSFERS = {"smpte2084": "pq", "arib-std-b67": "hlg"}

RESOLUTION_LABELS = (4320, 2160, 1440, 1080, 720, 480, 360, 240, 144)
_MAKE_TAGS = ("com.apple.quicktime.make", "make", "com.android.manufacturer", "manufacturer")
_MODEL_TAGS = ("com.apple.quicktime.model", "model", "com.android.model")
_CREATION_TAGS = ("com.apple.quicktime.creationdate", "creation_time", "date")
_PACKETS_FOR_RATE = 120


def probe_stored(storage: Storage, name: str) -> dict[str, Any]:
    with local_path(storage, name) as path:
        return probe(path)


def probe(path: Path) -> dict[str, Any]:
    """The technical facts of a local file; MediaRefused if it is not media we accept."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise MediaRefused("This file is empty.")
    try:
        container = av.open(str(path), mode="r", options=OPEN_OPTIONS)
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        image = _probe_image(path, size)
        if image is not None:
            return image
        if isinstance(exc, av.EOFError):
            raise MediaRefused("This file is cut short: nothing in it can be played.") from exc
        raise MediaRefused("This file is not audio, video or an image we can read.") from exc
    with container:
        if container.format.name not in ALLOWED_CONTAINERS:  # the whitelist makes this moot
            raise MediaRefused(f"The {container.format.long_name} format is not accepted.")
        return _probe_av(container, size)


def _probe_av(container: Any, size: int) -> dict[str, Any]:
    tags = _tags(container.metadata)
    video_streams = [s for s in container.streams.video if not _is_cover_art(s)]
    for stream in container.streams.video:
        tags = {**_tags(stream.metadata), **tags}
    facts: dict[str, Any] = {
        "kind": "video" if video_streams else "audio",
        "container": container.format.name,
        "duration": _duration(container),
        "bit_rate": container.bit_rate or None,
        "size_bytes": size,
        "creation_time": _first(tags, _CREATION_TAGS),
        "camera": _camera(tags),
        "width": None,
        "height": None,
        "video": [_video_facts(container, stream) for stream in video_streams],
        "audio": [_audio_facts(stream) for stream in container.streams.audio],
        "data_streams": sum(
            1 for s in container.streams if s.type in ("data", "subtitle", "attachment")
        ),
    }
    if not video_streams and not facts["audio"]:
        raise MediaRefused("This file has neither sound nor pictures in it.")
    if facts["duration"] is None:
        facts["duration"] = max(
            (s["duration"] for s in facts["video"] + facts["audio"] if s.get("duration")),
            default=None,
        )
    if facts["bit_rate"] is None and facts["duration"]:
        facts["bit_rate"] = int(size * 8 / facts["duration"])
    if facts["video"]:
        facts["width"] = facts["video"][0]["display_width"]
        facts["height"] = facts["video"][0]["display_height"]
    facts["summary"] = summarize(facts)
    return facts


def _video_facts(container: Any, stream: Any) -> dict[str, Any]:
    """One video stream: codec, profile, depth, sizes, aspect, rotation, rate, colour."""
    ctx = stream.codec_context
    pix = ctx.format
    bit_depth = max((c.bits for c in pix.components), default=None) if pix else None
    sar = stream.sample_aspect_ratio or ctx.sample_aspect_ratio
    sar = Fraction(sar) if sar and sar > 0 else Fraction(1)
    rotation, frames_seen, packet_times = _sample(container, stream)
    if rotation is None:
        rotation = _rotate_tag(stream.metadata)
    width, height = int(ctx.width), int(ctx.height)
    display_width = _even_round(width * sar) if sar != 1 else width
    display_height = height
    if rotation in (90, 270):
        display_width, display_height = display_height, display_width
    average = _fraction(stream.average_rate)
    base = _fraction(stream.base_rate)
    measured, vfr = _rate_from_packets(packet_times, stream.time_base)
    if not vfr and average and base and base > 0:
        vfr = abs(float(average) / float(base) - 1) > 0.02
    rate = average or measured or _fraction(stream.guessed_rate) or base
    transfer = TRANSFERS.get(ctx.color_trc)
    return {
        "index": stream.index,
        "codec": ctx.name,
        "profile": stream.profile,
        "pixel_format": pix.name if pix else None,
        "bit_depth": bit_depth,
        "width": width,
        "height": height,
        "sar": f"{sar.numerator}:{sar.denominator}",
        "dar": _ratio(Fraction(display_width, display_height) if display_height else None),
        "rotation": rotation,
        "display_width": display_width,
        "display_height": display_height,
        "frame_rate": round(float(rate), 3) if rate else None,
        "frame_rate_fraction": f"{rate.numerator}/{rate.denominator}" if rate else None,
        "avg_frame_rate": round(float(average), 3) if average else None,
        "r_frame_rate": round(float(base), 3) if base else None,
        "r_frame_rate_fraction": f"{base.numerator}/{base.denominator}" if base else None,
        "variable_frame_rate": vfr,
        "color_transfer": transfer,
        "color_primaries": PRIMARIES.get(ctx.color_primaries),
        "color_space": MATRICES.get(ctx.colorspace),
        "color_range": RANGES.get(ctx.color_range),
        "hdr": HDR_TRANSFERS.get(transfer or ""),
        "bit_rate": stream.bit_rate or ctx.bit_rate or None,
        "duration": _stream_duration(stream),
        "decodable": frames_seen > 0,
        "frames": stream.frames or None,
    }


def _sample(container: Any, stream: Any) -> tuple[int | None, int, list[int]]:
    """Decode the first frame (rotation from its display matrix); note early packet times."""
    rotation: int | None = None
    frames = 0
    times: list[int] = []
    try:
        for packet in container.demux(stream):
            if packet.pts is not None and packet.size:
                times.append(packet.pts)
            if frames == 0:
                for frame in packet.decode():
                    frames += 1
                    rotation = (-int(frame.rotation)) % 360  # clockwise, like the rotate tag
                    break
            if frames and len(times) >= _PACKETS_FOR_RATE:
                break
        if frames == 0:  # frames held back by the decoder until the end
            for frame in stream.codec_context.decode(None):
                frames += 1
                rotation = (-int(frame.rotation)) % 360
                break
    except (av.FFmpegError, ValueError):
        pass
    return rotation, frames, times


def _rate_from_packets(
    times: list[int], time_base: Fraction | None
) -> tuple[Fraction | None, bool]:
    """Mean frame rate from packet timestamps, and whether their spacing varies (VFR)."""
    if len(times) < 8 or not time_base:
        return None, False
    ordered = sorted(set(times))
    steps = [b - a for a, b in itertools.pairwise(ordered) if b > a]
    if len(steps) < 6:
        return None, False
    middle = statistics.median(steps)
    spread = (max(steps) - min(steps)) / middle if middle else 0
    tick = 1 / middle if middle else 0
    variable = spread > 0.1 + 2 * tick  # above rounding of the time base
    mean = statistics.fmean(steps) * float(time_base)
    rate = Fraction(1 / mean).limit_denominator(1001) if mean > 0 else None
    return rate, variable


def _audio_facts(stream: Any) -> dict[str, Any]:
    ctx: Any = stream.codec_context
    return {
        "index": stream.index,
        "codec": ctx.name,
        "profile": stream.profile,
        "channels": ctx.channels,
        "sample_rate": ctx.sample_rate,
        "bit_rate": stream.bit_rate or ctx.bit_rate or None,
        "duration": _stream_duration(stream),
    }


def _probe_image(path: Path, size: int) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            image = open_image(handle)
            # GIF and WebP count their frames by reading the file: count while it is open.
            frames = int(getattr(image, "n_frames", 1) or 1)
    except ImageRefused:
        return None
    exif = image.getexif()
    width, height = image.size
    if exif.get(0x0112) in (5, 6, 7, 8):  # EXIF orientation turns the picture a quarter
        width, height = height, width
    make, model = exif.get(0x010F), exif.get(0x0110)
    facts: dict[str, Any] = {
        "kind": "image",
        "container": (image.format or "").lower(),
        "duration": None,
        "bit_rate": None,
        "size_bytes": size,
        "creation_time": _exif_time(exif.get(0x0132)),
        "camera": _camera({"make": str(make or ""), "model": str(model or "")}),
        "width": width,
        "height": height,
        "animated": frames > 1,
        "frames": frames,
        "video": [],
        "audio": [],
        "data_streams": 0,
    }
    facts["summary"] = summarize(facts)
    return facts


def summarize(facts: dict[str, Any]) -> dict[str, Any]:
    """What the feed and API filter on: resolution label, orientation, codec, HDR, camera."""
    width, height = facts.get("width"), facts.get("height")
    video = facts.get("video") or [{}]
    camera = facts.get("camera") or {}
    camera_name = " ".join(v for v in (camera.get("make"), camera.get("model")) if v) or None
    make, model = camera.get("make") or "", camera.get("model") or ""
    if make and model.lower().startswith(make.lower()):
        camera_name = model
    return {
        "kind": facts.get("kind"),
        "resolution": resolution_label(width, height),
        "orientation": orientation(width, height),
        "codec": video[0].get("codec") or ((facts.get("audio") or [{}])[0].get("codec")),
        "hdr": video[0].get("hdr"),
        "bit_depth": video[0].get("bit_depth"),
        "frame_rate": video[0].get("frame_rate"),
        "variable_frame_rate": bool(video[0].get("variable_frame_rate")),
        "has_audio": bool(facts.get("audio")),
        "camera": camera_name,
        "duration": facts.get("duration"),
    }


def resolution_label(width: int | None, height: int | None) -> str | None:
    """The label: "2160p" for 4K; "1080p" for 1920x1080, 1080x1920 or 1920x800 (scope)."""
    if not width or not height:
        return None
    short, long = min(width, height), max(width, height)
    equivalent = max(short, long * 9 / 16)
    for label in RESOLUTION_LABELS:
        if equivalent * 1.05 >= label:
            return f"{label}p"
    return f"{short}p"


def orientation(width: int | None, height: int | None) -> str | None:
    if not width or not height:
        return None
    if width == height:
        return "square"
    return "portrait" if height > width else "landscape"


# Small helpers ------------------------------------------------------------------------------


def _is_cover_art(stream: Any) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _tags(metadata: dict[str, str]) -> dict[str, str]:
    return {key.lower(): value for key, value in metadata.items()}


def _first(tags: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = (tags.get(key) or "").strip()
        if value:
            return value[:100]
    return None


def _camera(tags: dict[str, str]) -> dict[str, str | None] | None:
    make, model = _first(tags, _MAKE_TAGS), _first(tags, _MODEL_TAGS)
    if not make and not model:
        return None
    return {"make": make, "model": model}


def _exif_time(value: object) -> str | None:
    if not isinstance(value, str) or len(value) < 19:
        return None
    date, _, time = value.partition(" ")
    return f"{date.replace(':', '-')}T{time}"


def _rotate_tag(metadata: dict[str, str]) -> int:
    try:
        return int(float(metadata.get("rotate", "0"))) % 360
    except ValueError:
        return 0


def _duration(container: Any) -> float | None:
    if container.duration and container.duration > 0:
        return round(container.duration / av.time_base, 3)
    return None


def _stream_duration(stream: Any) -> float | None:
    if stream.duration and stream.time_base:
        return round(float(stream.duration * stream.time_base), 3)
    return None


def _fraction(value: Any) -> Fraction | None:
    if not value:
        return None
    fraction = Fraction(value)
    return fraction if fraction > 0 else None


def _ratio(value: Fraction | None) -> str | None:
    if not value:
        return None
    approx = value.limit_denominator(100)
    return f"{approx.numerator}:{approx.denominator}"


def _even_round(value: Fraction | float) -> int:
    return max(2, 2 * round(float(value) / 2))


def filter_fields(facts: dict[str, Any]) -> dict[str, Any]:
    """The version's filter columns (resolution, orientation, codec, camera) from probe facts.

    Works on the full facts of `probe` and on the few facts `sniff` reads at upload.
    """
    summary = facts.get("summary") or summarize(facts)
    label = summary.get("resolution") or ""
    return {
        "resolution": int(label[:-1]) if label.endswith("p") and label[:-1].isdigit() else None,
        "orientation": summary.get("orientation") or "",
        "codec": (summary.get("codec") or facts.get("codec") or "")[:32],
        "camera": (summary.get("camera") or "")[:120],
    }


def rendition_check(
    path: Path, *, expected: float | None, kind: str
) -> tuple[float | None, int | None]:
    """A finished rendition opens, has `kind` ("video" pictures or "audio" sound), and is
    (nearly) as long as its source; its duration and bit rate, or MediaRefused saying why."""
    noun = "video" if kind == "video" else "sound"
    try:
        with av.open(str(path), options=OPEN_OPTIONS) as container:
            if kind == "video" and (
                not container.streams.video or not container.streams.video[0].frames
            ):
                raise MediaRefused("This video has no pictures that can be decoded.")
            if kind == "audio" and not container.streams.audio:
                raise MediaRefused("This sound could not be converted.")
            duration = container.duration / av.time_base if container.duration else None
            bit_rate = container.bit_rate or None
    except (av.FFmpegError, OSError) as exc:
        raise MediaRefused(f"This {noun} could not be converted: it seems damaged.") from exc
    if expected and duration is not None and duration < expected - max(0.3, 0.02 * expected):
        raise MediaRefused(
            f"This {noun} is cut short or damaged: only {duration:.1f} of its "
            f"{expected:.1f} seconds could be read."
        )
    return duration, bit_rate
