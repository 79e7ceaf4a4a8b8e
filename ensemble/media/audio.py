"""Audio for the web: an AAC rendition, waveform peaks for the player, a waveform picture.

One FFmpeg process decodes the source once and writes both the rendition (`audio.m4a`: AAC
128k stereo, `+faststart`, no metadata, cover art or data streams; an AAC stereo source at most
192k is copied instead) and a temporary mono 8 kHz PCM file read here for the peaks.

The peaks (`waveform.json`) use the JSON format of BBC's audiowaveform (read by peaks.js and
wavesurfer): `{"version": 2, "channels": 1, "sample_rate": 8000, "samples_per_pixel": n,
"bits": 8, "length": pairs, "data": [min0, max0, min1, max1, ...]}` with about 1000 pairs of
8-bit values. The picture (`waveform.png` and `waveform.webp`, 800x96, transparent) is drawn from
the same peaks, for lists.

Entry point: `build_audio(source, workdir, *, facts=None, progress=None, timeout=None,
pairs=1000) -> AudioOutputs`. Raises MediaRefused (no sound, damaged) and FFmpegFailed.
"""

from __future__ import annotations

import array
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from .ffmpeg import Progress, ffmpeg_run, file_url, media_input, timeout_for
from .ladder import CLEAN_OUTPUT_ARGS, audio_encoder_args
from .probe import probe, rendition_check
from .sniff import MediaRefused

PEAK_SAMPLE_RATE = 8000
AUDIO_BITRATE = 128
WAVEFORM_SIZE = (800, 96)
WAVEFORM_COLOUR = (71, 85, 105, 255)


@dataclass(frozen=True)
class AudioOutputs:
    rendition: Path
    peaks: Path
    waveform_png: Path
    waveform_webp: Path
    duration: float | None
    bit_rate: int | None
    copied: bool
    pairs: int

    def files(self) -> dict[str, Path]:
        """File name → path: audio.m4a, waveform.json, waveform.png, waveform.webp."""
        return {
            path.name: path
            for path in (self.rendition, self.peaks, self.waveform_png, self.waveform_webp)
        }


def build_audio(
    source: Path,
    workdir: Path,
    *,
    facts: dict[str, Any] | None = None,
    progress: Progress | None = None,
    timeout: float | None = None,
    pairs: int = 1000,
) -> AudioOutputs:
    """The AAC rendition, peaks and waveform pictures of the first audio stream of `source`."""
    source, workdir = Path(source), Path(workdir)
    facts = facts if facts is not None else probe(source)
    if not facts.get("audio"):
        raise MediaRefused("This file has no sound in it.")
    audio = facts["audio"][0]
    copy = (
        audio["codec"] == "aac"
        and (audio.get("channels") or 0) <= 2
        and (audio.get("bit_rate") or 0) <= 192_000
        and audio.get("profile") in ("LC", None)
    )
    rendition_temp, raw = workdir / "tmp-audio.m4a", workdir / "tmp-peaks.pcm"
    codec = ["-c:a", "copy"] if copy else audio_encoder_args(AUDIO_BITRATE, facts)
    duration = facts.get("duration")
    ffmpeg_run(
        [
            *media_input(source, facts["container"]),
            "-map", f"0:{audio['index']}", "-vn", *codec, *CLEAN_OUTPUT_ARGS,
            "-f", "mp4", file_url(rendition_temp),
            "-map", f"0:{audio['index']}", "-vn", "-ac", "1", "-ar", str(PEAK_SAMPLE_RATE),
            "-c:a", "pcm_s16le", "-map_metadata", "-1", "-f", "s16le", file_url(raw),
        ],
        cwd=workdir,
        timeout=timeout or timeout_for(duration),
        progress=progress,
        duration=duration,
    )  # fmt: skip
    try:
        data, samples_per_pair = peaks_from_pcm(raw, pairs)
    finally:
        raw.unlink(missing_ok=True)
    if not data:
        raise MediaRefused("This sound is empty or damaged: nothing in it can be played.")
    out_duration, bit_rate = rendition_check(rendition_temp, expected=duration, kind="audio")
    rendition = workdir / "audio.m4a"
    rendition_temp.replace(rendition)
    peaks = _write_json(
        workdir / "waveform.json",
        {
            "version": 2, "channels": 1, "sample_rate": PEAK_SAMPLE_RATE,
            "samples_per_pixel": samples_per_pair, "bits": 8, "length": len(data) // 2,
            "data": data,
        },
    )  # fmt: skip
    picture = waveform_image(data)
    png = _save(picture, workdir / "waveform.png", "PNG", optimize=True)
    webp = _save(picture, workdir / "waveform.webp", "WEBP", lossless=True)
    return AudioOutputs(
        rendition=rendition,
        peaks=peaks,
        waveform_png=png,
        waveform_webp=webp,
        duration=out_duration,
        bit_rate=bit_rate,
        copied=copy,
        pairs=len(data) // 2,
    )


def peaks_from_pcm(raw: Path, pairs: int) -> tuple[list[int], int]:
    """About `pairs` (min, max) pairs of 8-bit values from mono s16le PCM, read in chunks."""
    total = raw.stat().st_size // 2
    if total == 0:
        return [], 0
    per_pair = max(1, math.ceil(total / pairs))
    data: list[int] = []
    chunk_pairs = max(1, 1_048_576 // per_pair)
    with raw.open("rb") as handle:
        while True:
            block = handle.read(per_pair * chunk_pairs * 2)
            if not block:
                break
            samples = array.array("h")
            samples.frombytes(block[: len(block) - len(block) % 2])
            if sys.byteorder == "big":
                samples.byteswap()
            for start in range(0, len(samples), per_pair):
                part = samples[start : start + per_pair]
                data += [min(part) >> 8, max(part) >> 8]
    return data, per_pair


def waveform_image(data: list[int], size: tuple[int, int] = WAVEFORM_SIZE) -> Image.Image:
    """The peaks drawn as a mirrored bar per column on a transparent background."""
    width, height = size
    picture = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    count = len(data) // 2
    middle = (height - 1) / 2
    for column in range(width):
        first = column * count // width
        last = max(first + 1, (column + 1) * count // width)
        lows = data[2 * first : 2 * last : 2]
        highs = data[2 * first + 1 : 2 * last : 2]
        if not lows:
            continue
        top = middle - max(highs) / 128 * middle
        bottom = middle - min(lows) / 128 * middle
        draw.line([(column, top), (column, max(bottom, top + 1))], fill=WAVEFORM_COLOUR)
    return picture


def _write_json(path: Path, value: dict[str, Any]) -> Path:
    temp = path.with_name(f"tmp-{path.name}")
    temp.write_text(json.dumps(value, separators=(",", ":")), encoding="utf-8")
    temp.replace(path)
    return path


def _save(image: Image.Image, path: Path, image_format: str, **options: Any) -> Path:
    temp = path.with_name(f"tmp-{path.name}")
    image.save(temp, format=image_format, **options)
    temp.replace(path)
    return path
