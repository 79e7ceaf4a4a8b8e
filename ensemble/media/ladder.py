"""The video ladder: every web rendition of a source from ONE FFmpeg process.

The source is decoded once, its frame rate capped (60 at most, constant), scaled once to the top
rung (10-bit and HDR sources converted to 8-bit BT.709, tone-mapped with zscale when the build
has it), split, and every lower rung is scaled from that top picture. Each rung is H.264
yuv420p 8-bit with AAC 128k stereo, a keyframe every 2 s at the same frames in every rung
(constant frame rate, fixed GOP, no scene-cut keyframes), `+faststart` MP4, with no metadata,
chapters, data or subtitle streams. A rung the source already satisfies in web-compatible form
(H.264 yuv420p 8-bit, at most the rung's bitrate and 60 fps, AAC or no audio) is copied (remuxed)
in the same process instead of re-encoded; its keyframes are the source's own, and its SEI
messages (where some cameras hide their own data) are removed.

Rungs are data (`Rung`): `height` is the short side of the picture, so a 1080x1920 portrait
video is "1080p", like a 1920x1080 one. Every rung at or below the source's short side is made;
a source smaller than the smallest rung gets one rendition at its own (even) size. The 2160 rung
is made only when the setting ENSEMBLE_LADDER_2160 is true; ENSEMBLE_LADDER_RUNGS (a list of
dicts with Rung's fields) replaces the default rungs. Settings are read at call time.

Entry points:

- `ladder_rungs() -> list[Rung]`: the rungs in force, highest first.
- `plan_ladder(facts, rungs=None) -> LadderPlan`: what would be made (no FFmpeg run); raises
  MediaRefused when the facts show no decodable video.
- `build_ladder(source, workdir, *, facts=None, rungs=None, progress=None, timeout=None)
  -> list[Rendition]`: runs FFmpeg in `workdir`, writing `tmp-<label>.mp4` names and renaming
  each to `video-<label>.mp4` only when the whole run succeeded and the file checks out; the
  caller moves them to storage. Highest rendition first. Raises MediaRefused (bad input,
  including a file cut short), FFmpegFailed and subclasses (see ffmpeg.py).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.conf import settings

from .ffmpeg import Progress, ffmpeg_run, file_url, has_filter, media_input, timeout_for
from .probe import probe, rendition_check
from .sniff import MediaRefused

KEYFRAME_SECONDS = 2
SQUARE = "setsar=1"
MAX_FRAME_RATE = 60
_COMMON_RATES = [
    Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30),
    Fraction(48), Fraction(50), Fraction(60000, 1001), Fraction(60),
]  # fmt: skip
_WEB_H264_PROFILES = {"Baseline", "Constrained Baseline", "Main", "High"}
# The scale filter's names for input YCbCr matrices.
_SCALE_MATRICES = {"bt709": "bt709", "fcc": "fcc", "bt470bg": "bt470", "smpte170m": "smpte170m",
                   "smpte240m": "smpte240m", "bt2020nc": "bt2020", "bt2020c": "bt2020"}  # fmt: skip


@dataclass(frozen=True)
class Rung:
    """One step of the ladder. `height` is the short side of the picture, in pixels."""

    height: int
    max_bitrate: int  # kbit/s; the VBV buffer is twice this
    crf: int = 23
    preset: str = "veryfast"
    audio_bitrate: int = 128  # kbit/s

    @property
    def label(self) -> str:
        return f"{self.height}p"


DEFAULT_RUNGS: tuple[Rung, ...] = (
    Rung(2160, 16000),
    Rung(1080, 5000),
    Rung(720, 2800),
    Rung(480, 1400),
    Rung(360, 800),
    Rung(240, 400),
)


def ladder_rungs() -> list[Rung]:
    """The rungs in force (settings read now), highest first."""
    configured = getattr(settings, "ENSEMBLE_LADDER_RUNGS", None)
    rungs = [Rung(**entry) for entry in configured] if configured else list(DEFAULT_RUNGS)
    if not getattr(settings, "ENSEMBLE_LADDER_2160", False):
        rungs = [rung for rung in rungs if rung.height < 2160]
    return sorted(rungs, key=lambda rung: rung.height, reverse=True)


@dataclass(frozen=True)
class PlannedRendition:
    rung: Rung
    label: str
    width: int
    height: int
    copy: bool

    @property
    def filename(self) -> str:
        return f"video-{self.label}.mp4"

    @property
    def temp_name(self) -> str:
        return f"tmp-{self.label}.mp4"


@dataclass(frozen=True)
class LadderPlan:
    video_index: int
    audio_index: int | None
    audio_copy: bool  # a copied rendition keeps the source's AAC as it is
    frame_rate: Fraction
    gop: int
    colour: str  # "sdr", "hdr-tonemapped", "hdr-untonemapped" (no zscale), "wide-gamut"
    top_filter: str  # decode → fps → scale to the top rung → 8-bit BT.709
    renditions: tuple[PlannedRendition, ...]
    duration: float | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rendition:
    """A finished rendition in the job folder."""

    label: str
    path: Path
    width: int
    height: int
    bit_rate: int | None
    size_bytes: int
    duration: float | None
    copied: bool
    content_type: str = "video/mp4"
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = self.path.name
        return data


def plan_ladder(facts: dict[str, Any], rungs: list[Rung] | None = None) -> LadderPlan:
    """What the ladder would make of a probed source."""
    videos = [v for v in facts.get("video") or [] if v.get("decodable")]
    if not facts.get("video"):
        raise MediaRefused("This file has no video in it.")
    if not videos:
        raise MediaRefused("This video has no pictures that can be decoded.")
    video = videos[0]
    audio = (facts.get("audio") or [None])[0]
    rungs = sorted(rungs or ladder_rungs(), key=lambda rung: rung.height, reverse=True)
    width, height = int(video["display_width"]), int(video["display_height"])
    short = min(width, height)
    chosen = [rung for rung in rungs if rung.height <= short]
    sizes: list[tuple[Rung, str, int, int]] = []
    for rung in chosen:
        factor = rung.height / short
        w, h = _even(width * factor, width), _even(height * factor, height)
        sizes.append((rung, rung.label, w, h))
    if not sizes:  # smaller than the smallest rung: one rendition at its own size
        w, h = _even(width, width), _even(height, height)
        sizes.append((rungs[-1], f"{min(w, h)}p", w, h))
    rate = output_frame_rate(video)
    audio_ok = audio is None or (audio["codec"] == "aac" and (audio["channels"] or 0) <= 2)
    renditions = tuple(
        PlannedRendition(rung=rung, label=label, width=w, height=h,
                         copy=_can_copy(facts, video, rung, w, h))
        for rung, label, w, h in sizes
    )  # fmt: skip
    top = next((r for r in renditions if not r.copy), renditions[0])
    colour, top_filter, warnings = conversion_filter(video, top.width, top.height, rate)
    return LadderPlan(
        video_index=int(video["index"]),
        audio_index=int(audio["index"]) if audio else None,
        audio_copy=audio_ok and audio is not None,
        frame_rate=rate,
        gop=max(1, round(rate * KEYFRAME_SECONDS)),
        colour=colour,
        top_filter=top_filter,
        renditions=renditions,
        duration=facts.get("duration"),
        warnings=warnings,
    )


def output_frame_rate(video: dict[str, Any]) -> Fraction:
    """The source's rate (snapped to a common one if variable), capped at 60 by whole division."""
    text = video.get("frame_rate_fraction")
    rate = Fraction(text) if text else Fraction(30)
    if rate <= 0:
        rate = Fraction(30)
    if video.get("variable_frame_rate"):
        # A phone's nominal rate (r_frame_rate) when plausible: dropped frames are repeated,
        # motion stays smooth. Otherwise the average, snapped to a common rate.
        base = Fraction(video.get("r_frame_rate_fraction") or 0)
        if rate <= base <= min(2 * rate, Fraction(MAX_FRAME_RATE)) and _common(base):
            rate = _common(base) or rate
        else:
            rate = _common(rate) or Fraction(max(1, round(rate)))
    if rate > MAX_FRAME_RATE:
        rate = rate / math.ceil(rate / MAX_FRAME_RATE)
    return rate.limit_denominator(1001)


def _common(rate: Fraction) -> Fraction | None:
    nearest = min(_COMMON_RATES, key=lambda common: abs(common - rate))
    return nearest if abs(nearest - rate) / nearest < 0.05 else None


def ladder_args(source: Path, facts: dict[str, Any], plan: LadderPlan, workdir: Path) -> list[str]:
    """The FFmpeg arguments for the whole ladder: one input, one graph, one output per rung."""
    args = media_input(source, facts["container"])
    encoded = [r for r in plan.renditions if not r.copy]
    if encoded:
        labels = [f"[v{n}]" for n in range(len(encoded))]
        graph = f"[0:{plan.video_index}]{plan.top_filter}"
        if len(encoded) == 1:
            graph += labels[0]
        else:
            split_labels = "".join(f"[s{n}]" for n in range(len(encoded)))
            graph += f",split={len(encoded)}{split_labels}"
            for n, rendition in enumerate(encoded):
                if n == 0:
                    graph += f";[s0]null{labels[0]}"
                else:
                    scale = f"scale={rendition.width}:{rendition.height}:flags=bicubic"
                    graph += f";[s{n}]{scale},setsar=1{labels[n]}"
        args += ["-filter_complex", graph]
    for rendition in plan.renditions:
        if rendition.copy:
            # SEI messages (NAL type 6) can carry a camera's own data (dashcams put GPS there).
            args += ["-map", f"0:{plan.video_index}", "-c:v", "copy", *COPY_VIDEO_FILTER]
        else:
            label = f"[v{encoded.index(rendition)}]"
            args += ["-map", label, *encoder_args(rendition.rung, plan.gop)]
        if plan.audio_index is not None:
            args += ["-map", f"0:{plan.audio_index}"]
            if rendition.copy and plan.audio_copy:
                args += ["-c:a", "copy"]
            else:
                args += audio_encoder_args(rendition.rung.audio_bitrate, facts)
        args += [*CLEAN_OUTPUT_ARGS, "-f", "mp4", file_url(workdir / rendition.temp_name)]
    return args


COPY_VIDEO_FILTER = ("-bsf:v", "filter_units=remove_types=6")
# Per output: no metadata (location, make, dates), no chapters, data or subtitle streams.
CLEAN_OUTPUT_ARGS = (
    "-map_metadata", "-1", "-map_chapters", "-1", "-dn", "-sn", "-movflags", "+faststart",
)  # fmt: skip


def encoder_args(rung: Rung, gop: int) -> list[str]:
    """x264 settings of a rung: CRF with a bitrate cap, fixed GOP, BT.709 8-bit 4:2:0."""
    return [
        "-c:v", "libx264", "-preset", rung.preset, "-crf", str(rung.crf),
        "-maxrate", f"{rung.max_bitrate}k", "-bufsize", f"{rung.max_bitrate * 2}k",
        "-profile:v", "high", "-pix_fmt", "yuv420p",
        "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
        "-color_range", "tv",
    ]  # fmt: skip


def audio_encoder_args(bitrate: int, facts: dict[str, Any]) -> list[str]:
    """AAC stereo; the source's sample rate when it is 44.1 or 48 kHz, else 48 kHz."""
    audio = (facts.get("audio") or [{}])[0]
    args = ["-c:a", "aac", "-b:a", f"{bitrate}k", "-ac", "2"]
    if audio.get("sample_rate") not in (44100, 48000):
        args += ["-ar", "48000"]
    return args


def build_ladder(
    source: Path,
    workdir: Path,
    *,
    facts: dict[str, Any] | None = None,
    rungs: list[Rung] | None = None,
    progress: Progress | None = None,
    timeout: float | None = None,
) -> list[Rendition]:
    """Every rendition of `source`, from one FFmpeg process, finished files in `workdir`."""
    source, workdir = Path(source), Path(workdir)
    facts = facts if facts is not None else probe(source)
    plan = plan_ladder(facts, rungs)
    args = ladder_args(source, facts, plan, workdir)
    ffmpeg_run(
        args,
        cwd=workdir,
        timeout=timeout or timeout_for(plan.duration),
        progress=progress,
        duration=plan.duration,
    )
    renditions = []
    for planned in plan.renditions:
        temp = workdir / planned.temp_name
        duration, bit_rate = rendition_check(temp, expected=plan.duration, kind="video")
        final = temp.with_name(planned.filename)
        temp.replace(final)
        renditions.append(
            Rendition(
                label=planned.label,
                path=final,
                width=planned.width,
                height=planned.height,
                bit_rate=bit_rate,
                size_bytes=final.stat().st_size,
                duration=duration,
                copied=planned.copy,
                extra={"colour": plan.colour, "frame_rate": str(plan.frame_rate)},
            )
        )
    return renditions


def _can_copy(facts: dict[str, Any], video: dict[str, Any], rung: Rung, w: int, h: int) -> bool:
    """Is the source already this rung, in a form every browser plays?"""
    bit_rate = video.get("bit_rate") or facts.get("bit_rate")
    return bool(
        video.get("codec") == "h264"
        and video.get("pixel_format") == "yuv420p"
        and video.get("bit_depth") == 8
        and video.get("profile") in _WEB_H264_PROFILES
        and not video.get("hdr")
        and video.get("sar") == "1:1"
        and (video.get("frame_rate") or 0) <= MAX_FRAME_RATE
        and (video["display_width"], video["display_height"]) == (w, h)
        and bit_rate
        and bit_rate <= rung.max_bitrate * 1000
    )


def conversion_filter(
    video: dict[str, Any], width: int, height: int, rate: Fraction
) -> tuple[str, str, tuple[str, ...]]:
    """The filter chain from the decoded source to one rung's picture: frame rate, one scale,
    conversion to 8-bit BT.709 4:2:0 (tone-mapped if HDR), square pixels. Returns (colour
    handling, chain, warnings). The ladder uses it once, for the top rung."""
    fps = f"fps={rate.numerator}/{rate.denominator}"
    tags = f"setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv,{SQUARE}"
    scale = f"scale={width}:{height}:flags=bicubic"
    transfer = video.get("color_transfer")
    primaries = video.get("color_primaries")
    matrix = video.get("color_space")
    in_range = video.get("color_range") or "tv"
    to_709 = "zscale=t=bt709:m=bt709:r=tv,format=yuv420p"
    if video.get("hdr"):
        if has_filter("zscale") and has_filter("tonemap"):
            linear = (
                f"zscale=tin={transfer}:min={matrix or 'bt2020nc'}:pin={primaries or 'bt2020'}"
                f":rin={in_range}:t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,"
                "tonemap=tonemap=hable:desat=0"
            )
            return "hdr-tonemapped", f"{fps},{scale},{linear},{to_709},{tags}", ()
        plain = f"{scale}:in_color_matrix=bt2020:out_color_matrix=bt709:out_range=tv"
        return (
            "hdr-untonemapped",
            f"{fps},{plain},format=yuv420p,{tags}",
            ("HDR converted without tone mapping: this FFmpeg build has no zscale filter.",),
        )
    if primaries == "bt2020" and has_filter("zscale"):
        wide = (
            f"zscale=tin={transfer or 'bt709'}:min={matrix or 'bt2020nc'}:pin=bt2020"
            f":rin={in_range}:p=bt709:t=bt709:m=bt709:r=tv,format=yuv420p"
        )
        return "wide-gamut", f"{fps},{scale},{wide},{tags}", ()
    options = ["out_color_matrix=bt709", "out_range=tv"]
    pixel_format = video.get("pixel_format") or ""
    if not pixel_format.startswith(("rgb", "bgr", "gbr", "gray", "pal")):
        guessed = "bt709" if max(video["width"], video["height"]) >= 1280 else "smpte170m"
        options.append(f"in_color_matrix={_SCALE_MATRICES.get(matrix or '', guessed)}")
    if video.get("color_range") or pixel_format.startswith("yuvj"):
        options.append(f"in_range={'pc' if pixel_format.startswith('yuvj') else in_range}")
    return "sdr", f"{fps},{scale}:{':'.join(options)},format=yuv420p,{tags}", ()


def _even(value: float, limit: int) -> int:
    """The nearest even number, not above `limit` (never enlarged), at least 2."""
    even = 2 * round(value / 2)
    return max(2, even if even <= limit else even - 2)
