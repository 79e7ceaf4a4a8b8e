"""Previews of a video, made from its renditions (never from the camera original).

- a storyboard: one sprite sheet (JPEG) of small frames at a fixed interval (at most 100 tiles),
  with a WebVTT index whose cues point at `storyboard.jpg#xywh=x,y,w,h` (for hover previews on
  the seek bar). Read from the SMALLEST rendition; when the interval is 2 s or more only
  keyframes are decoded (the ladder puts one every 2 s).
- a representative poster: each storyboard frame is scored (grey-level entropy plus contrast, so
  black, faded or flat frames lose) and the best moment is taken again, sharper, from the smallest
  rendition whose short side is at least 720 (else the largest). Written as JPEG and WebP.
- thumbnails: small (fits 320x320) and medium (fits 640x640), WebP with a JPEG fallback.

Every image is a fresh Pillow image saved without EXIF, XMP or ICC data.

Entry point: `make_previews(renditions, workdir, *, duration=None) -> Previews`, where
`renditions` are `ladder.Rendition`s (anything with `path`, `width`, `height`). Files are written
under temporary names and renamed when complete; `Previews.files()` lists them (name → path).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import av
from PIL import Image, ImageStat

from .sniff import OPEN_OPTIONS, MediaRefused

MAX_TILES = 100
TILE_LONG_SIDE = 160
COLUMNS = 10
POSTER_SHORT_SIDE = 720
THUMBNAILS = {"small": 320, "medium": 640}
JPEG_OPTIONS: dict[str, Any] = {"quality": 82, "optimize": True, "progressive": True}
WEBP_OPTIONS: dict[str, Any] = {"quality": 80, "method": 4}


_Tile = tuple[float, float, Image.Image]  # (mark, time of the frame shown, picture)


class VideoFile(Protocol):
    @property
    def path(self) -> Path: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...


@dataclass(frozen=True)
class Previews:
    poster_time: float
    poster_width: int
    poster_height: int
    tile_width: int
    tile_height: int
    tiles: int
    interval: float
    paths: dict[str, Path] = field(default_factory=dict)

    def files(self) -> dict[str, Path]:
        """File name → path: poster.{jpg,webp}, thumb-{small,medium}.{jpg,webp},
        storyboard.jpg, storyboard.vtt."""
        return dict(self.paths)


def make_previews(
    renditions: Sequence[VideoFile], workdir: Path, *, duration: float | None = None
) -> Previews:
    """Storyboard, poster and thumbnails of a video from its renditions."""
    if not renditions:
        raise MediaRefused("There is no rendition to make previews from.")
    workdir = Path(workdir)
    by_size = sorted(renditions, key=lambda r: min(r.width, r.height))
    smallest = by_size[0]
    suitable = next(
        (r for r in by_size if min(r.width, r.height) >= POSTER_SHORT_SIDE), by_size[-1]
    )
    duration = duration or _duration(smallest.path)
    interval = max(1, math.ceil(duration / MAX_TILES)) if duration else 1
    count = max(1, min(MAX_TILES, math.ceil(duration / interval))) if duration else 1
    frames = _frames_at(
        smallest.path, [n * interval for n in range(count)], keyframes=interval >= 2
    )
    if not frames:
        raise MediaRefused("This video has no pictures that can be decoded.")
    paths: dict[str, Path] = {}
    tile_w, tile_h = _fit(frames[0][2].size, TILE_LONG_SIDE)
    paths.update(_storyboard(frames, (tile_w, tile_h), interval, duration, workdir))
    _mark, best_time, best_image = max(frames, key=lambda tile: (_score(tile[2]), -tile[1]))
    if suitable is not smallest:
        best_image = _frame_image(suitable.path, best_time) or best_image
    poster = _clean(best_image)
    paths["poster.jpg"] = _save(poster, workdir / "poster.jpg", "JPEG")
    paths["poster.webp"] = _save(poster, workdir / "poster.webp", "WEBP")
    for name, side in THUMBNAILS.items():
        thumb = poster.resize(_fit(poster.size, side), Image.Resampling.LANCZOS)
        paths[f"thumb-{name}.jpg"] = _save(thumb, workdir / f"thumb-{name}.jpg", "JPEG")
        paths[f"thumb-{name}.webp"] = _save(thumb, workdir / f"thumb-{name}.webp", "WEBP")
    return Previews(
        poster_time=round(best_time, 3),
        poster_width=poster.width,
        poster_height=poster.height,
        tile_width=tile_w,
        tile_height=tile_h,
        tiles=len(frames),
        interval=float(interval),
        paths=paths,
    )


def _frames_at(path: Path, marks: list[float], *, keyframes: bool) -> list[_Tile]:
    """The first frame at or after each mark, as (mark, frame time, RGB image), in one pass."""
    taken: list[_Tile] = []
    try:
        with av.open(str(path), options=OPEN_OPTIONS) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            if keyframes:
                stream.codec_context.skip_frame = "NONKEY"
            rate = float(stream.average_rate or 30)
            position = 0
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                while position < len(marks) - 1 and frame.time >= marks[position + 1]:
                    position += 1  # a mark passed with no frame (keyframes only): skip it
                if frame.time + 0.5 / rate >= marks[position]:
                    taken.append((marks[position], frame.time, frame.to_image()))
                    position += 1
                    if position >= len(marks):
                        break
    except (av.FFmpegError, OSError) as exc:
        raise MediaRefused("This video could not be read to make previews.") from exc
    return taken


def _frame_image(path: Path, time: float) -> Image.Image | None:
    """The frame shown at `time`: seek to the keyframe before it and decode forward."""
    try:
        with av.open(str(path), options=OPEN_OPTIONS) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            if stream.time_base:
                container.seek(int(time / stream.time_base), stream=stream, backward=True)
            rate = float(stream.average_rate or 30)
            last = None
            for frame in container.decode(stream):
                last = frame
                if frame.time is not None and frame.time + 0.5 / rate >= time:
                    break
            return last.to_image() if last is not None else None
    except (av.FFmpegError, OSError):
        return None


def _storyboard(
    frames: list[_Tile],
    tile: tuple[int, int],
    interval: float,
    duration: float | None,
    workdir: Path,
) -> dict[str, Path]:
    columns = min(COLUMNS, len(frames))
    rows = math.ceil(len(frames) / columns)
    sheet = Image.new("RGB", (columns * tile[0], rows * tile[1]))
    cues = ["WEBVTT", ""]
    end_of_video = duration or len(frames) * interval
    for number, (time, _shown, image) in enumerate(frames):
        x, y = (number % columns) * tile[0], (number // columns) * tile[1]
        sheet.paste(image.resize(tile, Image.Resampling.BILINEAR), (x, y))
        end = min(end_of_video, time + interval) if number == len(frames) - 1 else time + interval
        cues += [
            f"{_timestamp(time)} --> {_timestamp(max(end, time + 0.001))}",
            f"storyboard.jpg#xywh={x},{y},{tile[0]},{tile[1]}",
            "",
        ]
    paths = {"storyboard.jpg": _save(sheet, workdir / "storyboard.jpg", "JPEG", quality=70)}
    vtt = workdir / "storyboard.vtt"
    temp = vtt.with_name("tmp-storyboard.vtt")
    temp.write_text("\n".join(cues), encoding="utf-8")
    temp.replace(vtt)
    paths["storyboard.vtt"] = vtt
    return paths


def _score(image: Image.Image) -> float:
    """How much there is to see: grey-level entropy (bits) plus contrast, on a small copy."""
    grey = image.convert("L").resize((64, max(1, 64 * image.height // max(1, image.width))))
    stat = ImageStat.Stat(grey)
    mean, spread = stat.mean[0], stat.stddev[0]
    penalty = 2.0 if mean < 16 or mean > 240 else 0.0  # nearly black or white
    return grey.entropy() + spread / 32 - penalty


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """The size scaled so its long side is at most `long_side` (never enlarged)."""
    width, height = size
    factor = min(1.0, long_side / max(width, height))
    return max(1, round(width * factor)), max(1, round(height * factor))


def _clean(image: Image.Image) -> Image.Image:
    """Only the pixels: a new RGB image carries no metadata of any kind."""
    clean = Image.new("RGB", image.size)
    clean.paste(image.convert("RGB"))
    return clean


def _save(image: Image.Image, path: Path, image_format: str, **options: Any) -> Path:
    """Save under a temporary name, then rename: a half-written file is never seen."""
    defaults = JPEG_OPTIONS if image_format == "JPEG" else WEBP_OPTIONS
    temp = path.with_name(f"tmp-{path.name}")
    image.save(temp, format=image_format, **{**defaults, **options})
    temp.replace(path)
    return path


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _duration(path: Path) -> float | None:
    try:
        with av.open(str(path), options=OPEN_OPTIONS) as container:
            return container.duration / av.time_base if container.duration else None
    except (av.FFmpegError, OSError):
        return None
