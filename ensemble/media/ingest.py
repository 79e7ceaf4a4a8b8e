"""Ingest: everything the web needs from one uploaded original, in one working folder.

`ingest(source, workdir, *, kind=None, progress=None, rungs=None, facts=None) -> IngestResult`

- probes the original (probe.py) and checks it is the expected `kind` ("video", "audio",
  "image"; None accepts what the probe finds);
- video: the one-pass ladder (ladder.py), then storyboard, poster and thumbnails from the
  renditions (previews.py); progress 0-92 % is the ladder, the rest previews;
- audio: the AAC rendition, waveform peaks and pictures (audio.py);
- image: clean sizes in WebP and JPEG (images.py).

Every file is complete when `ingest` returns and lives in `workdir` under its final name; the
caller moves `result.files` to storage (for example under `derived/<sha256>/<name>`) and keeps
`result.manifest()` (JSON, file names only) on the version. A job killed mid-way leaves only its
private working folder behind, never a half-written served file.

Errors: `MediaRefused` (the input is bad: permanent, its message is for the artist),
`FFmpegFailed` (permanent unless `.transient`), `OSError` (ENOSPC and the like: transient).
`errors.is_transient(exc)` and `errors.failure_message(exc)` decide and word it for a MediaJob.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .audio import build_audio
from .ffmpeg import Progress
from .images import build_image_sizes
from .ladder import Rung, build_ladder
from .previews import make_previews
from .probe import probe
from .sniff import MediaRefused

LADDER_SHARE = 0.92


@dataclass
class IngestResult:
    kind: str
    facts: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)  # final file name → path in workdir
    details: dict[str, Any] = field(default_factory=dict)

    def manifest(self) -> dict[str, Any]:
        """JSON-ready: the kind, the files by name, and what each output is."""
        return {"kind": self.kind, "files": sorted(self.files), **self.details}


def ingest(
    source: Path,
    workdir: Path,
    *,
    kind: str | None = None,
    progress: Progress | None = None,
    rungs: list[Rung] | None = None,
    facts: dict[str, Any] | None = None,
) -> IngestResult:
    """Probe `source` and make every served file of it in `workdir`."""
    source, workdir = Path(source), Path(workdir)
    report = progress or (lambda fraction: None)
    facts = facts if facts is not None else probe(source)
    found = facts["kind"]
    if kind in ("video", "audio") and found == "image":
        raise MediaRefused(f"This file is an image, not {'a video' if kind == 'video' else kind}.")
    if kind == "video" and found != "video":
        raise MediaRefused("This file has no video in it.")
    if kind == "audio" and not facts.get("audio"):
        raise MediaRefused("This file has no sound in it.")
    if kind == "image" and found != "image":
        raise MediaRefused("This file is not an image.")
    target = kind or found
    result = IngestResult(kind=target, facts=facts)
    if target == "video":
        renditions = build_ladder(
            source, workdir, facts=facts, rungs=rungs, progress=_scaled(report, 0, LADDER_SHARE)
        )
        previews = make_previews(renditions, workdir, duration=facts.get("duration"))
        result.files.update({r.path.name: r.path for r in renditions})
        result.files.update(previews.files())
        result.details = {
            "renditions": [r.as_dict() for r in renditions],
            "poster": {"file": "poster.jpg", "webp": "poster.webp", "time": previews.poster_time,
                       "width": previews.poster_width, "height": previews.poster_height},
            "storyboard": {"image": "storyboard.jpg", "vtt": "storyboard.vtt",
                           "tile_width": previews.tile_width, "tile_height": previews.tile_height,
                           "interval": previews.interval, "tiles": previews.tiles},
        }  # fmt: skip
    elif target == "audio":
        outputs = build_audio(source, workdir, facts=facts, progress=_scaled(report, 0, 0.95))
        result.files.update(outputs.files())
        result.details = {
            "audio": {"file": outputs.rendition.name, "duration": outputs.duration,
                      "bit_rate": outputs.bit_rate, "copied": outputs.copied},
            "waveform": {"peaks": outputs.peaks.name, "png": outputs.waveform_png.name,
                         "webp": outputs.waveform_webp.name, "pairs": outputs.pairs},
        }  # fmt: skip
    else:
        images = build_image_sizes(source, workdir)
        result.files.update(images.files())
        result.details = {
            "image": {"width": images.width, "height": images.height,
                      "animated": images.animated, "frames": images.frames},
            "sizes": [{"file": s.path.name, "width": s.width, "height": s.height,
                       "content_type": s.content_type} for s in images.sizes],
        }  # fmt: skip
    report(1.0)
    return result


def _scaled(report: Callable[[float], None], start: float, end: float) -> Progress:
    def scaled(fraction: float) -> None:
        report(start + (end - start) * fraction)

    return scaled
