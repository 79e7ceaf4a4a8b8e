"""The render engine: a cut, described by plain dataclasses, becomes one finished film.

Pure code (no models): local paths of the originals and their probe facts in, one MP4 out.
Everything runs through `ensemble.media.ffmpeg`: ONE FFmpeg process with ONE filtergraph,
reading the originals (never renditions), in a private job folder.

Entry points:

- `RenderClip`, `AudioBed`, `TitleCard`, `CreditLine`, `RenderSpec`: what to render (frozen
  dataclasses; `RenderClip.facts` is `ensemble.media.probe.probe(...)` of the original).
- `build_plan(spec) -> RenderPlan`: the FFmpeg arguments, the graph, the text files the graph
  reads (written into the job folder: no text from a member is ever put into the graph), the
  expected duration and frame count, notes. Raises `RenderSpecError` for a cut that cannot be
  rendered (empty, a range outside its media, a crossfade longer than its clips, ...).
- `render_plan(spec) -> list[str]`: just the arguments (relative to the job folder).
- `expected_duration(spec) -> float`: clips minus crossfade overlaps plus the credits roll.
- `render_run(spec, *, output, progress=None, cancel=None, timeout=None) -> RenderResult`:
  renders in a job folder to a temporary file, checks it (opens, video and sound, size, length)
  and only then moves it to `output`. Raises `RenderCancelled` (cancel() said stop: FFmpeg is
  killed, nothing is written), `RenderFailed` (`.reason` in plain words, `.detail` FFmpeg's own,
  `.transient` whether a retry may help) or `RenderSpecError`.

Clips are ranges of video originals, or still images (PNG, JPEG, WebP) held for a duration.

Output: 16:9 at 1920x1080 (or 3840x2160), one constant frame rate, square pixels, H.264 High
yuv420p 8-bit BT.709 + AAC-LC 48 kHz stereo, `+faststart` MP4, bit-exact flags and no metadata:
the same spec rendered with the same FFmpeg build and thread settings gives the same frames.
"""

from __future__ import annotations

import contextlib
import math
import re
import shutil
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from django.conf import settings

from ensemble.media.ffmpeg import (
    IMAGE_DEMUXERS,
    FFmpegCancelled,
    FFmpegFailed,
    FFmpegTimedOut,
    UnsafeArguments,
    ffmpeg_run,
    file_url,
    has_filter,
    job_folder,
    media_input,
    timeout_for,
)
from ensemble.media.ladder import conversion_filter
from ensemble.media.probe import probe, rendition_check
from ensemble.media.sniff import MediaRefused

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

HEIGHTS = {1080: 1920, 2160: 3840}
SAMPLE_RATE = 48000
AUDIO_FORMAT = f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo"
OUTPUT_NAME = "render.tmp.mp4"
GRAPH_NAME = "filtergraph.txt"
INLINE_GRAPH_LIMIT = 16_000  # longer graphs go to a file (`-/filter_complex`)
DEFAULT_X264_THREADS = 4  # fixed: x264's output depends on its thread count
KEYFRAME_SECONDS = 2
_READ_MARGIN = 0.25  # seconds decoded past a clip's end so the last frame is never short
_RANGE_SLACK = 0.1  # seconds a clip may run past its probed duration (container rounding)
_TEXT_LIMIT = 120  # characters of one line of text on screen
_OPTIONAL_FILTERS = ("drawtext", "xfade", "acrossfade")  # builds without freetype lack drawtext

Transition = Literal["cut", "crossfade"]


class RenderSpecError(ValueError):
    """The cut cannot be rendered as described; the message names the clip and says why."""


class RenderFailed(RuntimeError):
    """The render did not produce a film. `reason`: plain words for the producer; `detail`:
    FFmpeg's own last words (paths of originals replaced by clip names); `transient`: whether
    trying again later may help (FFmpeg killed, disk full)."""

    def __init__(self, reason: str, *, detail: str = "", transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.transient = transient


class RenderCancelled(RenderFailed):
    """The render was cancelled; FFmpeg was stopped and nothing was written."""


# What to render -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderClip:
    """A range of one original. `start`/`duration` in seconds of the source; `facts` is its
    probe; `transition_in` joins it to the clip before (the first clip's is ignored); `title`
    is a lower third drawn over the clip (a city's name, say); `label` names it in messages.

    A still image (`facts["kind"] == "image"`: PNG, JPEG or WebP, probed by Pillow) is a clip
    too: its picture is held for `duration` seconds (`start` is ignored), in silence."""

    path: Path
    container: str
    start: float
    duration: float
    facts: Mapping[str, Any] = field(hash=False)
    has_audio: bool = True
    transition_in: Transition = "cut"
    transition_seconds: float = 0.0
    title: str | None = None
    label: str = ""


@dataclass(frozen=True)
class AudioBed:
    """Music or narration under the clips' sound: `duration` seconds of the source from
    `start_in_source`, placed at `offset_in_timeline`, at `volume` (0..2), faded in and out over
    `fade` seconds. A source shorter than that loops (from the top of the file) when `loop`."""

    path: Path
    container: str
    duration: float
    start_in_source: float = 0.0
    offset_in_timeline: float = 0.0
    volume: float = 1.0
    fade: float = 1.0
    loop: bool = True
    facts: Mapping[str, Any] | None = field(default=None, hash=False)
    label: str = ""


@dataclass(frozen=True)
class TitleCard:
    """Text centred over the film from `start` for `duration` seconds (timeline time)."""

    text: str
    start: float
    duration: float


@dataclass(frozen=True)
class CreditLine:
    """One block of the end-credits roll: a role heading and the names under it."""

    role: str
    names: Sequence[str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.names))


@dataclass(frozen=True)
class RenderSpec:
    """A whole cut. `height` is 1080 or 2160 (16:9 output); `fps` one constant frame rate. The
    credits roll lasts `credits_seconds` when given, else scrolls one line per
    `credits_seconds_per_line`."""

    clips: Sequence[RenderClip]
    beds: Sequence[AudioBed] = ()
    titles: Sequence[TitleCard] = ()
    credits: Sequence[CreditLine] = ()
    height: int = 1080
    fps: Fraction | int = 25
    credits_seconds: float | None = None
    credits_seconds_per_line: float = 0.5
    font_path: Path = FONT_REGULAR
    bold_font_path: Path = FONT_BOLD
    crf: int = 20
    preset: str = "veryfast"
    audio_bitrate: int = 192  # kbit/s

    def __post_init__(self) -> None:
        for name in ("clips", "beds", "titles", "credits"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def width(self) -> int:
        return HEIGHTS.get(self.height, 0)

    @property
    def frame_rate(self) -> Fraction:
        return Fraction(self.fps).limit_denominator(1001)


# The plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderPlan:
    """The FFmpeg run for a spec. `args` are relative to a job folder that holds `files`
    (name → bytes to write, or a Path to copy); the output is written to `OUTPUT_NAME` there."""

    args: tuple[str, ...]
    graph: str
    files: Mapping[str, bytes | Path]
    width: int
    height: int
    frame_rate: Fraction
    frames: int
    expected_duration: float
    credits_frames: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderResult:
    output: Path
    duration: float | None
    expected_duration: float
    width: int
    height: int
    frame_rate: Fraction
    size_bytes: int
    elapsed: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Clip:
    """A clip resolved against the output: frames, fit and crossfade in frames."""

    index: int
    clip: RenderClip
    name: str
    frames: int
    fade_frames: int  # crossfade with the clip before (0: a cut)
    video: Mapping[str, Any]
    audio_index: int | None
    still: bool = False


@dataclass
class _Graph:
    chains: list[str] = field(default_factory=list)
    files: dict[str, bytes | Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, chain: str) -> None:
        self.chains.append(chain)

    def text_file(self, name: str, text: str) -> str:
        self.files[name] = text.encode("utf-8")
        return name


def render_plan(spec: RenderSpec) -> list[str]:
    """The FFmpeg arguments for `spec` (relative to a job folder filled by `build_plan`)."""
    return list(build_plan(spec).args)


def expected_duration(spec: RenderSpec) -> float:
    """Seconds of the finished film: clips, minus crossfade overlaps, plus the credits roll."""
    return build_plan(spec).expected_duration


def build_plan(spec: RenderSpec) -> RenderPlan:
    """Everything FFmpeg needs to render `spec`; RenderSpecError if it cannot be rendered."""
    width, height, rate = _check_output(spec)
    clips = _resolve_clips(spec, rate)
    graph = _Graph()
    graph.files["fonts/regular.ttf"] = Path(spec.font_path)
    graph.files["fonts/bold.ttf"] = Path(spec.bold_font_path)

    args: list[str] = []
    for resolved in clips:
        clip = resolved.clip
        if resolved.still:  # one picture, decoded once, held by the graph (`_clip_chains`)
            options = ["-framerate", f"{rate.numerator}/{rate.denominator}"]
        else:
            options = ["-ss", _seconds(clip.start)] if clip.start > 0 else []
            options += ["-t", _seconds(clip.duration + _READ_MARGIN)]
        args += _input(clip.path, clip.container, options, resolved.name)
    bed_inputs = len(clips)
    for number, bed in enumerate(spec.beds):
        options = ["-stream_loop", "-1"] if bed.loop else []
        if bed.start_in_source > 0:
            options += ["-ss", _seconds(bed.start_in_source)]
        name = _clean_text(bed.label, 60) or f"audio bed {number + 1}"
        args += _input(bed.path, bed.container, options, name)

    for resolved in clips:
        _clip_chains(graph, resolved, width, height, rate, spec)

    credits_frames = _credits_chains(graph, spec, width, height, rate)
    video, audio = _join(graph, clips, credits_frames, rate)
    video = _title_cards(graph, spec, video, width, height)
    audio = _mix_beds(graph, spec, audio, bed_inputs)
    graph.add(f"[{video}]format=yuv420p[vout]")
    graph.add(f"[{audio}]{AUDIO_FORMAT}[aout]")
    text = ";\n".join(graph.chains)
    missing = [name for name in _OPTIONAL_FILTERS if f"{name}=" in text and not has_filter(name)]
    if missing:
        raise RenderFailed(
            f"This FFmpeg build has no {' or '.join(missing)} filter: set ENSEMBLE_FFMPEG_BINARY "
            "to a build with it (the one shipped with imageio-ffmpeg has them)."
        )

    if len(text) > INLINE_GRAPH_LIMIT:
        graph.files[GRAPH_NAME] = text.encode("utf-8")
        args += ["-/filter_complex", GRAPH_NAME]
    else:
        args += ["-filter_complex", text]
    frames = sum(c.frames - c.fade_frames for c in clips) + credits_frames
    args += _output_args(spec, rate)
    return RenderPlan(
        args=tuple(args),
        graph=text,
        files=dict(graph.files),
        width=width,
        height=height,
        frame_rate=rate,
        frames=frames,
        expected_duration=float(frames / rate),
        credits_frames=credits_frames,
        notes=tuple(graph.notes),
    )


def _input(path: Path, container: str, options: list[str], name: str) -> list[str]:
    try:
        return media_input(path, container, options=options)
    except UnsafeArguments:
        raise RenderSpecError(
            f"The {name} is in a format that is not accepted ({container!r})."
        ) from None


def _check_output(spec: RenderSpec) -> tuple[int, int, Fraction]:
    if spec.height not in HEIGHTS:
        raise RenderSpecError(f"The output height must be 1080 or 2160, not {spec.height}.")
    try:
        rate = spec.frame_rate
    except (TypeError, ValueError, ZeroDivisionError):
        raise RenderSpecError(f"The frame rate {spec.fps!r} is not a number.") from None
    if not 1 <= rate <= 60:
        raise RenderSpecError(f"The frame rate must be between 1 and 60, not {float(rate):g}.")
    if not spec.clips:
        raise RenderSpecError("The cut is empty: add at least one clip.")
    for font in (spec.font_path, spec.bold_font_path):
        if not Path(font).is_file():
            raise RenderSpecError(f"The font {Path(font).name} is missing.")
    if not 0 <= spec.crf <= 51:
        raise RenderSpecError("The quality (CRF) must be between 0 and 51.")
    return spec.width, spec.height, rate


def _clip_name(index: int, clip: RenderClip) -> str:
    label = _clean_text(clip.label or clip.title or "", 60)
    return f"clip {index + 1} ({label})" if label else f"clip {index + 1}"


def _resolve_clips(spec: RenderSpec, rate: Fraction) -> list[_Clip]:
    resolved: list[_Clip] = []
    for index, clip in enumerate(spec.clips):
        name = _clip_name(index, clip)
        facts = clip.facts or {}
        still = facts.get("kind") == "image"
        if still:
            video = _still_video(facts, clip.container, name)
        else:
            videos = [v for v in facts.get("video") or [] if v.get("decodable", True)]
            if not videos:
                raise RenderSpecError(f"The {name} has no video that can be decoded.")
            video = videos[0]
        if not video.get("display_width") or not video.get("display_height"):
            raise RenderSpecError(f"The {name} has no known picture size: probe it again.")
        if not (math.isfinite(clip.start) and math.isfinite(clip.duration)):
            raise RenderSpecError(f"The {name} has a range that is not a number.")
        if clip.start < 0 or clip.duration <= 0:
            raise RenderSpecError(f"The {name} has an empty or negative range.")
        length = None if still else facts.get("duration")
        if length is not None and clip.start + clip.duration > float(length) + _RANGE_SLACK:
            raise RenderSpecError(
                f"The {name} runs past the end of its media: {clip.start:g} s + "
                f"{clip.duration:g} s, but the media lasts {float(length):g} s."
            )
        frames = round(clip.duration * rate)
        if frames < 1:
            raise RenderSpecError(f"The {name} is shorter than one frame.")
        fade = 0
        if index > 0 and clip.transition_in == "crossfade":
            fade = round(clip.transition_seconds * rate)
            if fade < 1:
                raise RenderSpecError(f"The crossfade into the {name} is shorter than a frame.")
        elif clip.transition_in not in ("cut", "crossfade"):
            raise RenderSpecError(f"The {name} has an unknown transition {clip.transition_in!r}.")
        audio = (facts.get("audio") or [None])[0] if clip.has_audio and not still else None
        resolved.append(
            _Clip(
                index=index,
                clip=clip,
                name=name,
                frames=frames,
                fade_frames=fade,
                video=video,
                audio_index=int(audio["index"]) if audio else None,
                still=still,
            )
        )
    for position, current in enumerate(resolved):
        outgoing = resolved[position + 1].fade_frames if position + 1 < len(resolved) else 0
        if current.fade_frames + outgoing > current.frames:
            raise RenderSpecError(
                f"The crossfades into and out of the {current.name} are longer than the clip."
            )
        if position and current.fade_frames > resolved[position - 1].frames:
            raise RenderSpecError(f"The crossfade into the {current.name} is too long.")
    return resolved


_STILL_COLOURS: dict[str, dict[str, str]] = {
    # What the scale step receives: PNG and WebP pictures are first flattened over black as
    # RGB with alpha (`_clip_chains`); JPEG is full-range BT.601 YCbCr (JFIF).
    "png": {"pixel_format": "gbrap"},
    "webp": {"pixel_format": "gbrap"},
    "jpeg": {"color_space": "smpte170m", "color_range": "pc"},
}


def _still_video(facts: Mapping[str, Any], container: str, name: str) -> dict[str, Any]:
    """The facts of a still image's one picture, shaped like a probed video stream."""
    if container not in IMAGE_DEMUXERS:
        kinds = ", ".join(sorted(IMAGE_DEMUXERS)).upper()
        raise RenderSpecError(
            f"The {name} is a {container.upper() or 'still'} image; stills in a cut must be "
            f"{kinds}."
        )
    if facts.get("animated"):
        raise RenderSpecError(f"The {name} is an animated image; only still images can be clips.")
    width, height = facts.get("width"), facts.get("height")
    if not width or not height:
        raise RenderSpecError(f"The {name} has no known picture size: probe it again.")
    return {
        "index": 0,
        "width": int(width),
        "height": int(height),
        "display_width": int(width),
        "display_height": int(height),
        **_STILL_COLOURS[container],
    }


# Clips ----------------------------------------------------------------------------------------


def fit(display_width: int, display_height: int, width: int, height: int) -> tuple[int, int]:
    """The largest even size with the picture's aspect that fits inside width x height."""
    scale = min(Fraction(width, display_width), Fraction(height, display_height))
    w = min(width, max(2, 2 * round(display_width * scale / 2)))
    h = min(height, max(2, 2 * round(display_height * scale / 2)))
    return w, h


def _clip_chains(
    graph: _Graph, resolved: _Clip, width: int, height: int, rate: Fraction, spec: RenderSpec
) -> None:
    """[i:v] → one frame rate, fitted with square pixels, 8-bit BT.709, padded to the output,
    lower third, exactly `frames` frames; [i:a] (or silence) → 48 kHz stereo, exactly as long."""
    i, video = resolved.index, resolved.video
    w, h = fit(int(video["display_width"]), int(video["display_height"]), width, height)
    colour, chain, warnings = conversion_filter(dict(video), w, h, rate)
    graph.notes += [f"{resolved.name}: {warning}" for warning in warnings]
    if colour == "hdr-tonemapped":
        graph.notes.append(f"{resolved.name}: HDR ({video.get('hdr')}) tone-mapped to SDR BT.709.")
    x, y = (width - w) // 2 // 2 * 2, (height - h) // 2 // 2 * 2
    steps = [f"[{i}:{int(video.get('index', 0))}]setpts=PTS-STARTPTS"]
    if resolved.still and resolved.clip.container != "jpeg":
        # Transparent pixels over black (alpha premultiplied; an opaque picture is unchanged).
        steps.append("format=gbrap,premultiply=inplace=1")
    steps.append(chain)
    if (w, h) != (width, height):
        steps.append(f"pad={width}:{height}:{x}:{y}:color=black")
    hold = "tpad=stop_mode=clone:stop=-1"
    if resolved.still:
        # The picture is decoded, scaled and padded once, then repeated (before the lower
        # third, which fades in and out over the repeated frames).
        steps.append(hold)
    title = _clean_text(resolved.clip.title or "", _TEXT_LIMIT)
    if title:
        seconds = resolved.frames / rate
        ramp = min(0.4, float(seconds) / 4)
        name = graph.text_file(f"text/lower-{i + 1:03d}.txt", title)
        size = fitting_size(title, round(height * 0.05), round(width * 0.85))
        steps.append(
            _drawtext(
                name,
                "regular",
                size,
                x=str(round(width * 0.05)),
                y=str(round(height * 0.80)),
                alpha=f"'clip(min(t,{_seconds(seconds)}-t)/{ramp:.3f},0,1)'",
                extra=f"box=1:boxcolor=black@0.55:boxborderw={round(size * 0.35)}",
            )
        )
    if not resolved.still:
        steps.append(hold)
    steps.append(f"trim=end_frame={resolved.frames}[v{i}]")
    graph.add(",".join(steps))

    samples = _samples(resolved.frames, rate)
    if resolved.audio_index is None:
        if resolved.clip.has_audio:
            graph.notes.append(f"{resolved.name}: the original has no sound; silence is used.")
        graph.add(
            f"anullsrc=r={SAMPLE_RATE}:cl=stereo,{AUDIO_FORMAT},atrim=end_sample={samples}[a{i}]"
        )
    else:
        graph.add(
            f"[{i}:{resolved.audio_index}]aresample={SAMPLE_RATE},{AUDIO_FORMAT},"
            f"asetpts=PTS-STARTPTS,apad,atrim=end_sample={samples}[a{i}]"
        )


def _join(
    graph: _Graph, clips: list[_Clip], credits_frames: int, rate: Fraction
) -> tuple[str, str]:
    """Runs of clips joined by cuts are concatenated; runs are crossfaded into one another
    (xfade + acrossfade); the credits roll is cut onto the end of the last run."""
    runs: list[list[str]] = []
    fades: list[int] = []
    for resolved in clips:
        if not runs or resolved.fade_frames == 0:
            if not runs:
                runs.append([])
            runs[-1].append(str(resolved.index))
        else:
            runs.append([str(resolved.index)])
            fades.append(resolved.fade_frames)
    if credits_frames:
        runs[-1].append("c")
    run_frames = []
    labels: list[tuple[str, str]] = []
    frames_of = {str(c.index): c.frames for c in clips} | {"c": credits_frames}
    for number, run in enumerate(runs):
        run_frames.append(sum(frames_of[key] for key in run))
        if len(run) == 1:
            labels.append((f"v{run[0]}", f"a{run[0]}"))
            continue
        pads = "".join(f"[v{key}][a{key}]" for key in run)
        graph.add(f"{pads}concat=n={len(run)}:v=1:a=1[vj{number}][ar{number}]")
        # concat counts in microseconds; xfade wants both inputs in the frame rate's time base
        graph.add(f"[vj{number}]settb={rate.denominator}/{rate.numerator}[vr{number}]")
        labels.append((f"vr{number}", f"ar{number}"))
    video, audio = labels[0]
    done = run_frames[0]
    for number, fade in enumerate(fades, start=1):
        next_video, next_audio = labels[number]
        offset = Fraction(done - fade) / rate
        graph.add(
            f"[{video}][{next_video}]xfade=transition=fade:duration={_seconds(fade / rate)}"
            f":offset={_seconds(offset)}[vx{number}]"
        )
        graph.add(
            f"[{audio}][{next_audio}]acrossfade=ns={_samples(fade, rate)}:c1=tri:c2=tri[ax{number}]"
        )
        video, audio = f"vx{number}", f"ax{number}"
        done += run_frames[number] - fade
    return video, audio


def _title_cards(graph: _Graph, spec: RenderSpec, video: str, width: int, height: int) -> str:
    cards = []
    for number, card in enumerate(spec.titles, start=1):
        text = _clean_text(card.text, _TEXT_LIMIT)
        if not text or card.duration <= 0 or card.start < 0:
            continue
        name = graph.text_file(f"text/title-{number:03d}.txt", text)
        start, end = card.start, card.start + card.duration
        ramp = min(0.5, card.duration / 4)
        cards.append(
            _drawtext(
                name,
                "bold",
                fitting_size(text, round(height * 0.07), round(width * 0.9)),
                x="(w-text_w)/2",
                y="(h-text_h)/2",
                alpha=f"'clip(min(t-{start:.6f},{end:.6f}-t)/{ramp:.3f},0,1)'",
                extra=f"shadowx=3:shadowy=3:shadowcolor=black@0.6:enable='between(t,{start:.6f},{end:.6f})'",
            )
        )
    if not cards:
        return video
    graph.add(f"[{video}]" + ",".join(cards) + "[vt]")
    return "vt"


def _mix_beds(graph: _Graph, spec: RenderSpec, audio: str, first_input: int) -> str:
    beds = []
    for number, bed in enumerate(spec.beds):
        name = _clean_text(bed.label, 60) or f"audio bed {number + 1}"
        if bed.duration <= 0 or not math.isfinite(bed.duration):
            raise RenderSpecError(f"The {name} has no length.")
        if bed.offset_in_timeline < 0 or bed.start_in_source < 0:
            raise RenderSpecError(f"The {name} starts before zero.")
        if not 0 <= bed.volume <= 2:
            raise RenderSpecError(f"The volume of the {name} must be between 0 and 2.")
        stream = "a:0"
        if bed.facts is not None:
            sounds = bed.facts.get("audio") or []
            if not sounds:
                raise RenderSpecError(f"The {name} has no sound in it.")
            stream = str(int(sounds[0]["index"]))
        samples = round(bed.duration * SAMPLE_RATE)
        fade = min(round(max(bed.fade, 0) * SAMPLE_RATE), samples // 2)
        steps = [
            f"[{first_input + number}:{stream}]aresample={SAMPLE_RATE}",
            AUDIO_FORMAT,
            "asetpts=PTS-STARTPTS",
            "apad",
            f"atrim=end_sample={samples}",
            f"volume={bed.volume:.4f}",
        ]
        if fade:
            steps.append(f"afade=t=in:ns={fade}")
            steps.append(f"afade=t=out:ss={samples - fade}:ns={fade}")
        delay = round(bed.offset_in_timeline * SAMPLE_RATE)
        if delay:
            steps.append(f"adelay=delays={delay}S:all=1")
        graph.add(",".join(steps) + f"[b{number}]")
        beds.append(f"[b{number}]")
    if not beds:
        return audio
    graph.add(
        f"[{audio}]{''.join(beds)}amix=inputs={len(beds) + 1}:duration=first"
        ":dropout_transition=0:normalize=0[am]"
    )
    return "am"


# Credits --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    text: str
    bold: bool
    top: int  # pixels from the top of the roll


def credit_rows(credits: Sequence[CreditLine], height: int) -> tuple[list[_Row], int, int]:
    """The rows of the roll (role headings in bold, then names), the roll's height and the
    height of one row, in pixels. Empty roles and names are left out."""
    line = round(height * 0.062)
    rows: list[_Row] = []
    top = 0
    for credit in credits:
        names = [text for text in (_clean_text(n, _TEXT_LIMIT) for n in credit.names) if text]
        role = _clean_text(credit.role, _TEXT_LIMIT)
        if not names and not role:
            continue
        if rows:
            top += line  # a blank row between blocks
        if role:
            rows.append(_Row(role, True, top))
            top += line
        for name in names:
            rows.append(_Row(name, False, top))
            top += line
    return rows, top, line


def _credits_chains(
    graph: _Graph, spec: RenderSpec, width: int, height: int, rate: Fraction
) -> int:
    """The end-credits roll on black, scrolling up at a steady speed from below the frame until
    the last row has left it. Returns its length in frames (0: no credits)."""
    rows, roll, line = credit_rows(spec.credits, height)
    if not rows:
        return 0
    travel = height + roll
    if spec.credits_seconds is not None:
        if not (math.isfinite(spec.credits_seconds) and spec.credits_seconds > 0):
            raise RenderSpecError("The credits must last more than zero seconds.")
        frames = max(1, round(spec.credits_seconds * rate))
    else:
        per_line = spec.credits_seconds_per_line
        if not (math.isfinite(per_line) and per_line > 0):
            raise RenderSpecError("The credits must scroll at more than zero seconds per line.")
        frames = max(1, math.ceil(Fraction(travel, line) * Fraction(per_line) * rate))
    speed = Fraction(travel) * rate / frames  # pixels per second
    draws = []
    for number, row in enumerate(rows, start=1):
        name = graph.text_file(f"text/credit-{number:04d}.txt", row.text)
        start = height + row.top  # where the row's top is at t = 0
        first = max(0.0, float((start - height) / speed) - 0.5 / float(rate))
        last = float((start + line) / speed) + 0.5 / float(rate)
        draws.append(
            _drawtext(
                name,
                "bold" if row.bold else "regular",
                fitting_size(
                    row.text, round(height * (0.030 if row.bold else 0.040)), width * 9 // 10
                ),
                x="(w-text_w)/2",
                y=f"{start}-t*{float(speed):.6f}",
                colour="0xC8C8C8" if row.bold else "white",
                extra=f"enable='between(t,{first:.6f},{last:.6f})'",
            )
        )
    source = (
        f"color=c=black:s={width}x{height}:r={rate.numerator}/{rate.denominator},"
        f"format=yuv420p,setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709"
        f":range=tv,setsar=1,trim=end_frame={frames}"
    )
    graph.add(source + "," + ",".join(draws) + "[vc]")
    graph.add(
        f"anullsrc=r={SAMPLE_RATE}:cl=stereo,{AUDIO_FORMAT},"
        f"atrim=end_sample={_samples(frames, rate)}[ac]"
    )
    return frames


# Text -----------------------------------------------------------------------------------------

_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_KEEP_FORMAT = {"\u200c", "\u200d"}  # joiners: emoji sequences and Indic/Persian scripts


def _dropped(char: str, category: str) -> bool:
    if char in _BIDI_CONTROLS or category in ("Cs", "Cn", "Co"):
        return True
    return category == "Cf" and char not in _KEEP_FORMAT


def _clean_text(text: str, limit: int) -> str:
    """One line of text as it may appear on screen: NFC, no control or bidi-override
    characters, no unpaired surrogates, whitespace collapsed, at most `limit` characters.
    Drawn from a file with expansion off, so quotes, colons, backslashes, percent signs,
    commas and brackets are only characters."""
    text = unicodedata.normalize("NFC", str(text).encode("utf-8", "replace").decode("utf-8"))
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            kept.append(" ")
        elif not _dropped(char, category):
            kept.append(char)
    cleaned = " ".join("".join(kept).split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def fitting_size(text: str, size: int, width: int) -> int:
    """The font size (at most `size`) at which `text` should fit in `width` pixels, from a
    generous estimate of DejaVu Sans's advance widths (wide East Asian characters: one em)."""
    ems = sum(1.0 if unicodedata.east_asian_width(c) in ("W", "F") else 0.7 for c in text)
    if ems * size <= width:
        return size
    return max(8, math.floor(width / ems))


def _drawtext(
    textfile: str,
    font: str,
    size: int,
    *,
    x: str,
    y: str,
    colour: str = "white",
    alpha: str | None = None,
    extra: str = "",
) -> str:
    """drawtext reading `textfile` (a name in the job folder), no %{...} expansion."""
    options = [
        f"fontfile=fonts/{font}.ttf",
        f"textfile={textfile}",
        "expansion=none",
        f"fontsize={size}",
        f"fontcolor={colour}",
        f"x={x}",
        f"y={y}",
    ]
    if alpha:
        options.append(f"alpha={alpha}")
    if extra:
        options.append(extra)
    return "drawtext=" + ":".join(options)


# Output ---------------------------------------------------------------------------------------


def _x264_threads() -> int:
    return int(getattr(settings, "ENSEMBLE_RENDER_X264_THREADS", DEFAULT_X264_THREADS))


def _output_args(spec: RenderSpec, rate: Fraction) -> list[str]:
    gop = max(1, round(rate * KEYFRAME_SECONDS))
    return [
        "-map", "[vout]", "-map", "[aout]",
        "-c:v", "libx264", "-preset", spec.preset, "-crf", str(spec.crf),
        "-profile:v", "high", "-pix_fmt", "yuv420p", "-threads:v", str(_x264_threads()),
        "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
        "-color_range", "tv",
        "-c:a", "aac", "-b:a", f"{spec.audio_bitrate}k", "-ar", str(SAMPLE_RATE), "-ac", "2",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-map_metadata", "-1", "-map_chapters", "-1", "-dn", "-sn",
        "-movflags", "+faststart", "-f", "mp4", f"file:{OUTPUT_NAME}",
    ]  # fmt: skip


def _seconds(value: Fraction | float) -> str:
    return f"{float(value):.6f}"


def _samples(frames: int, rate: Fraction) -> int:
    return round(Fraction(frames) / rate * SAMPLE_RATE)


# Running --------------------------------------------------------------------------------------


def render_run(
    spec: RenderSpec,
    *,
    output: Path,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    timeout: float | None = None,
) -> RenderResult:
    """Render `spec` to `output` (written only when the whole render succeeded and checks out).
    `progress(fraction)` and `cancel()` are called in the caller's thread."""
    plan = build_plan(spec)
    _check_sources(spec)
    output = Path(output)
    with job_folder(prefix="render-") as folder:
        for name, content in plan.files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_bytes(content)
        try:
            result = ffmpeg_run(
                plan.args,
                cwd=folder,
                timeout=timeout
                or timeout_for(plan.expected_duration * max(1, spec.height // 1080)),
                progress=progress,
                duration=plan.expected_duration,
                cancel=cancel,
            )
        except FFmpegCancelled:
            raise RenderCancelled("The render was cancelled.") from None
        except FFmpegFailed as exc:
            raise _failure(spec, exc) from exc
        temp = folder / OUTPUT_NAME
        duration = _check_output_file(temp, plan)
        if cancel is not None and cancel():
            raise RenderCancelled("The render was cancelled.")
        size = temp.stat().st_size
        _publish(temp, output)
    return RenderResult(
        output=output,
        duration=duration,
        expected_duration=plan.expected_duration,
        width=plan.width,
        height=plan.height,
        frame_rate=plan.frame_rate,
        size_bytes=size,
        elapsed=result.elapsed,
        notes=plan.notes,
    )


def _sources(spec: RenderSpec) -> list[tuple[Path, str]]:
    named = [(Path(c.path), _clip_name(i, c)) for i, c in enumerate(spec.clips)]
    named += [
        (Path(b.path), _clean_text(b.label, 60) or f"audio bed {i + 1}")
        for i, b in enumerate(spec.beds)
    ]
    return named


def _check_sources(spec: RenderSpec) -> None:
    for path, name in _sources(spec):
        if not path.is_file():
            raise RenderFailed(f"The original of the {name} is missing: {path.name} was not found.")
        if path.stat().st_size == 0:
            raise RenderFailed(f"The original of the {name} is empty ({path.name}).")


def _failure(spec: RenderSpec, exc: FFmpegFailed) -> RenderFailed:
    """FFmpeg's words with the originals' paths replaced by clip names, and a sentence naming
    the clip FFmpeg complained about (by its path, or by its input number: `in#2`, `vist#2:0`)."""
    sources = _sources(spec)
    detail = exc.reason
    culprit = None
    for path, name in sources:
        for spelling in (file_url(path), str(path.resolve()), str(path)):
            if spelling in detail:
                detail = detail.replace(spelling, name)
                culprit = culprit or name
    if culprit is None:
        numbered = _INPUT_NUMBER.search(detail)
        if numbered and int(numbered.group(1)) < len(sources):
            culprit = sources[int(numbered.group(1))][1]
    words = _plain_words(detail, skip=culprit)
    if exc.transient:
        reason = (
            "The render was interrupted (the server ran short of memory or disk, or shut down)."
        )
        if words:
            reason += f" FFmpeg said: {words}"
    elif isinstance(exc, FFmpegTimedOut):
        reason = "The render took too long and was stopped."
    elif culprit:
        reason = f"The {culprit} could not be read" + (f": {words}" if words else ".")
    else:
        reason = f"The render failed: {words}" if words else "The render failed."
    return RenderFailed(reason, detail=detail, transient=exc.transient)


_INPUT_NUMBER = re.compile(r"\[(?:in|vist|aist|dec)#(\d+)")
_LOG_PREFIX = re.compile(r"^(?:\[[^\]]*@ 0x[0-9a-f]+\]\s*)+")
_GENERIC = (
    "task finished with error code",
    "terminating thread with return code",
    "could not open encoder before eof",
    "nothing was written into output file",
    "error reinitializing filters",
    "conversion failed",
    "error opening input file",
    "error opening input files",
)


def _plain_words(detail: str, *, skip: str | None) -> str:
    """The distinct, informative lines of FFmpeg's stderr, without log prefixes, joined."""
    seen: list[str] = []
    for raw in detail.splitlines():
        line = _LOG_PREFIX.sub("", raw.strip()).strip().rstrip(".")
        lowered = line.lower()
        if not line or any(marker in lowered for marker in _GENERIC):
            continue
        if skip and skip in line and len(line) < len(skip) + 30:
            continue
        line = line.removeprefix("Error opening input: ")
        if line not in seen:
            seen.append(line)
    text = "; ".join(seen[:4])
    return (text[:297] + "...") if len(text) > 300 else (text + "." if text else "")


def _check_output_file(temp: Path, plan: RenderPlan) -> float | None:
    """The finished file opens, has pictures of the planned size and sound, and is as long as
    planned; RenderFailed saying what is wrong otherwise."""
    try:
        duration, _ = rendition_check(temp, expected=plan.expected_duration, kind="video")
        rendition_check(temp, expected=plan.expected_duration, kind="audio")
        facts = probe(temp)
    except (MediaRefused, OSError) as exc:
        raise RenderFailed(f"The rendered film did not check out: {exc}") from exc
    if (facts.get("width"), facts.get("height")) != (plan.width, plan.height):
        raise RenderFailed(
            f"The rendered film is {facts.get('width')}x{facts.get('height')}, "
            f"not {plan.width}x{plan.height}."
        )
    if duration is not None and duration > plan.expected_duration + max(0.5, 0.02 * duration):
        raise RenderFailed(
            f"The rendered film lasts {duration:.1f} s, not {plan.expected_duration:.1f} s."
        )
    return duration


def _publish(temp: Path, output: Path) -> None:
    """Move the finished file to `output` atomically (a copy beside it first when `output` is
    on another file system): `output` is either absent or complete."""
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        temp.replace(output)
        return
    except OSError:
        pass
    partial = output.with_name(f".{output.name}.part")
    try:
        shutil.copyfile(temp, partial)
        partial.replace(output)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
