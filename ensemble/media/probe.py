"""Technical facts of a media file, read with PyAV: container, duration, streams."""

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from django.core.files.storage import Storage

from .files import local_path
from .sniff import ALLOWED_CONTAINERS, OPEN_OPTIONS


def probe_stored(storage: Storage, name: str) -> dict[str, Any]:
    with local_path(storage, name) as path:
        return probe(path)


def probe(path: Path) -> dict[str, Any]:
    with av.open(str(path), mode="r", options=OPEN_OPTIONS) as container:
        if container.format.name not in ALLOWED_CONTAINERS:
            return {"error": f"format {container.format.name} not accepted"}
        facts: dict[str, Any] = {
            "container": container.format.name,
            "duration": container.duration / av.time_base if container.duration else None,
            "bit_rate": container.bit_rate or None,
            "video": [],
            "audio": [],
        }
        for stream in container.streams.video:
            ctx = stream.codec_context
            rate = stream.average_rate or stream.guessed_rate
            facts["video"].append(
                {
                    "codec": ctx.name,
                    "width": ctx.width,
                    "height": ctx.height,
                    "pixel_format": ctx.format.name if ctx.format else None,
                    "frame_rate": float(Fraction(rate)) if rate else None,
                }
            )
        for audio in container.streams.audio:
            actx: Any = audio.codec_context
            facts["audio"].append(
                {"codec": actx.name, "channels": actx.channels, "sample_rate": actx.sample_rate}
            )
        if facts["video"]:
            facts["width"] = facts["video"][0]["width"]
            facts["height"] = facts["video"][0]["height"]
        return facts
