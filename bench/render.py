"""Benchmark: rendering a cut — Ensemble's engine, MoviePy and one hand-written FFmpeg command;
and the credits of a production with 426 artists, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.render [--rounds 3] [--folder var/bench] [--keep] [--no-moviepy]
                                     [--moviepy fast|plain|both]
                                     [--databases sqlite,postgresql] [--scale 0.025]

The sources are generated with FFmpeg into a temporary folder: 4K HEVC camera footage (30 fps,
film-like grain), 1080p H.264 (25 fps), 480p 4:3 lo-fi (15 fps, mono 22 kHz), a portrait phone
video (1080x1920, 30 fps), a 3000x2000 JPEG still, a 2.39:1 scope clip (24 fps) and 720p50
action footage, and a music bed. The cut: those 7 clips, three 1 s crossfades, lower thirds,
a title card, the bed under the clips' sound, and a 4 s credits roll: 30 s of 1080p25 in all,
H.264 (x264 veryfast, CRF 20, High, GOP 2 s) and AAC 192k 48 kHz in MP4 with +faststart.
In one run:

(a) Ensemble: `render.render_run` on a RenderSpec built from the probed sources (plan, source
    checks, job folder, one FFmpeg process, the finished file checked and moved into place);
(b) MoviePy 2, written as its documentation teaches: VideoFileClip (with `target_resolution`,
    so FFmpeg scales while decoding), ImageClip, TextClip with the project's font, CrossFadeIn,
    CompositeVideoClip, CompositeAudioClip, write_videofile with the same encoder settings;
    and (b') the same with the usual VideoFileClip(path).resized(...) instead;
(c) the limit: one FFmpeg command for the same graph, typed by hand (no probing, checks, job
    folder or verification), started with subprocess on the same binary.

Every output's duration, frame count and size are printed beside its time. Targets: a/c <= 1.15
and b/a >= 5. The rounds alternate the order of (a) and (c) and the best time of each counts (the
machine may be shared); MoviePy runs once. All FFmpeg processes run at the same priority.

Credits: a synthetic community (`seed_community`, reduced by --scale) is seeded in a child
process per database (SQLite in var/bench/, PostgreSQL `ensemble_bench_render` on 127.0.0.1:5432,
created and dropped); a production's cut is made from clips whose lineage reaches 426 credited
artists, and `credits.credits_for_cut` is timed against a per-node ORM traversal of the same
question (both must find the same artists). Target: <= 100 ms on both.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "var" / "bench"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "ensemble_bench_render"
FPS = 25
WIDTH, HEIGHT = 1920, 1080
FILM_SECONDS = 30.0
CREDITS_SECONDS = 4.0
CROSSFADE = 1.0
TARGET_ARTISTS = 426
TARGET_MS = 100.0
BT709 = "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"
X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p"]


@dataclass(frozen=True)
class Source:
    """A generated original: file name, seconds, FFmpeg arguments (inputs and encoding)."""

    name: str
    seconds: float
    args: tuple[str, ...]


@dataclass(frozen=True)
class Shot:
    """A clip of the cut: which source, its range, how it joins the clip before, its lower
    third."""

    source: str
    start: float
    seconds: float
    crossfade: bool
    place: str


SHOTS = (
    Shot("camera-2160p-hevc.mp4", 0.5, 5.0, False, "Lisbon"),
    Shot("camera-1080p-h264.mp4", 0.0, 4.0, True, "Porto"),
    Shot("lofi-480p-4x3.mkv", 0.5, 4.0, False, "São Paulo"),
    Shot("phone-portrait.mp4", 0.0, 4.0, True, "Tōkyō"),
    Shot("still.jpg", 0.0, 4.0, False, "Lagos"),
    Shot("scope-2.39.mkv", 0.0, 4.0, False, "Paris"),
    Shot("action-720p50.mp4", 0.5, 4.0, True, "Cairo"),
)
BED = "bed.m4a"
TITLE = ("In a City", 0.5, 3.0)
CREDITS = (
    ("Cohered by 26 artists", ()),
    ("Footage", ("Ana Lima", "Bo Chen", "Chidi Okafor", "Dana Levi", "Emi Sato", "Femi Ade")),
    ("Footage · Music", ("Gil Costa",)),
    ("Music", ("Hana Kim", "Ivo Petrov", "Jun Park")),
    ("Writing", ("Kofi Mensah", "Lea Roux", "Mia Rossi", "Nia Brown", "Omar Haddad")),
    ("Artwork", ("Pia Berg", "Quinn Lee")),
    ("Produced by", ("Rosa Díaz", "Sam Ortiz", "Tara Singh")),
    ("Edited by", ("Uma Patel", "Vik Rao", "Wen Li", "Xavi Gil", "Yara Nunes", "Zoë Ødegård")),
)


def main(argv: list[str] | None = None) -> int:
    options = _arguments(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    if options.child:
        return _credits_child(options)
    import django

    django.setup()
    from django.conf import settings

    from ensemble.media import ffmpeg

    # The engine starts FFmpeg at a lowered priority (a render is background work); here every
    # way runs at the same one, so that the machine's other load weighs on all three alike.
    settings.ENSEMBLE_FFMPEG_NICENESS = 0
    FOLDER.mkdir(parents=True, exist_ok=True)
    parent = Path(options.folder).resolve()
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="render-bench-", dir=parent))
    print("Ensemble render benchmark")
    print(f"  FFmpeg {ffmpeg.ffmpeg_binary()}  |  {os.cpu_count()} CPUs  |  load {_load()}")
    rows: list[dict[str, Any]] = []
    try:
        sources = _sources(work)
        spec = _spec(sources)
        rows += _render_phases(spec, sources, work, options)
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"  kept {work}")
    for vendor in [d.strip() for d in options.databases.split(",") if d.strip()]:
        rows.append(_credits_database(vendor, options))
    _table(rows)
    return 0 if all(row["met"] in (True, None) for row in rows) else 1


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.render", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of (a) and (c); best counts")
    parser.add_argument("--folder", default=str(FOLDER), help="where the temporary folder goes")
    parser.add_argument("--keep", action="store_true", help="keep the sources and outputs")
    parser.add_argument("--no-moviepy", action="store_true", help="skip (b)")
    parser.add_argument(
        "--moviepy",
        choices=("fast", "plain", "both"),
        default="both",
        help="(b) with VideoFileClip(target_resolution=…) (fast), VideoFileClip(path).resized "
        "(plain), or both",
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--scale", type=float, default=0.025, help="community: 1.0 = 400,000")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each credits query")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# The sources ----------------------------------------------------------------------------------


def _grain(graph: str) -> str:
    return f"{graph},noise=alls=8:allf=t"


def _source_list() -> list[Source]:
    def video(
        name: str, size: str, rate: int, seconds: float, pattern: str, encode: list[str],
        audio: str = "aac", channels: int = 2, sample_rate: int = 48000,
    ) -> Source:  # fmt: skip
        tone = f"sine=frequency={200 + 40 * len(name)}:duration={seconds}:sample_rate={sample_rate}"
        return Source(
            name,
            seconds,
            (
                "-f", "lavfi", "-i",
                _grain(f"{pattern}=size={size}:rate={rate}:duration={seconds}"),
                "-f", "lavfi", "-i", tone,
                "-vf", f"scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,{BT709}",
                *encode, "-c:a", audio, "-ac", str(channels), "-shortest",
            ),
        )  # fmt: skip

    hevc = ["-c:v", "libx265", "-preset", "ultrafast", "-crf", "24", "-pix_fmt", "yuv420p",
            "-x265-params", "log-level=error", "-tag:v", "hvc1"]  # fmt: skip
    return [
        # The 4K camera: grain drawn at 1080p and scaled up (drawing it at 4K triples the time).
        Source(
            "camera-2160p-hevc.mp4",
            5.5,
            (
                "-f",
                "lavfi",
                "-i",
                _grain("testsrc2=size=1920x1080:rate=30:duration=5.5") + ",scale=3840:2160",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=220:duration=5.5",
                "-vf",
                f"scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,{BT709}",
                *hevc,
                "-c:a",
                "aac",
                "-ac",
                "2",
                "-shortest",
            ),
        ),
        video("camera-1080p-h264.mp4", "1920x1080", 25, 5, "testsrc2", X264),
        Source(
            "lofi-480p-4x3.mkv",
            5,
            (
                "-f",
                "lavfi",
                "-i",
                _grain("smptebars=size=640x480:rate=15:duration=5"),
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=523:duration=5:sample_rate=22050",
                "-vf",
                "format=yuv420p,setparams=colorspace=smpte170m:color_primaries=smpte170m"
                ":color_trc=smpte170m:range=tv",
                *X264,
                "-c:a",
                "aac",
                "-ac",
                "1",
                "-shortest",
            ),
        ),
        video("phone-portrait.mp4", "1080x1920", 30, 5, "testsrc2", X264),
        Source(
            "still.jpg",
            0,
            (
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=3000x2000:rate=1:duration=1",
                "-frames:v",
                "1",
                "-update",
                "1",
                "-pix_fmt",
                "yuvj420p",
                "-q:v",
                "3",
                "-c:v",
                "mjpeg",
                "-f",
                "image2",
            ),
        ),
        video("scope-2.39.mkv", "1920x804", 24, 5, "testsrc2", X264),
        video("action-720p50.mp4", "1280x720", 50, 5, "testsrc2", X264),
        Source(
            BED,
            32,
            (
                "-f",
                "lavfi",
                "-i",
                "aevalsrc=0.25*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*0.5*t))|"
                "0.25*sin(2*PI*277*t)*(0.6+0.4*cos(2*PI*0.5*t)):s=48000:d=32",
                "-c:a",
                "aac",
                "-b:a",
                "192k",
                "-f",
                "mp4",
            ),
        ),
    ]


def _sources(work: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Generate every source with FFmpeg (through the runner) and probe it."""
    from ensemble.core.progress import ProgressBar
    from ensemble.media.ffmpeg import ffmpeg_run, file_url
    from ensemble.media.probe import probe

    made: dict[str, tuple[Path, dict[str, Any]]] = {}
    plan = _source_list()
    started = time.monotonic()
    total = sum(max(source.seconds, 1) for source in plan)
    with ProgressBar(round(total * 10), "  generating sources (s x 10)") as bar:
        for source in plan:
            path = work / source.name
            done = {"ticks": 0}
            weight = max(source.seconds, 1) * 10

            def advance(
                fraction: float, done: dict[str, int] = done, weight: float = weight
            ) -> None:
                ticks = round(fraction * weight)
                if ticks > done["ticks"]:
                    bar.advance(ticks - done["ticks"])
                    done["ticks"] = ticks

            ffmpeg_run(
                [*source.args, file_url(path)],
                timeout=3600,
                progress=advance,
                duration=source.seconds or 1,
            )
            advance(1.0)
            made[source.name] = (path, probe(path))
    print(f"  sources made in {time.monotonic() - started:.1f} s in {work}")
    for name, (_, facts) in made.items():
        video = (facts.get("video") or [{}])[0]
        print(
            f"    {name:<24} {facts.get('width')}x{facts.get('height')} "
            f"{video.get('codec') or facts.get('container')} "
            f"{video.get('frame_rate') or ''}{' fps' if video.get('frame_rate') else ''}"
            f"{'  ' + str(len(facts['audio'])) + ' audio' if facts.get('audio') else ''}"
        )
    return made


# The cut, for the engine ----------------------------------------------------------------------


def _spec(sources: dict[str, tuple[Path, dict[str, Any]]]) -> Any:
    from ensemble.productions.render import AudioBed, CreditLine, RenderClip, RenderSpec, TitleCard

    clips = []
    for index, shot in enumerate(SHOTS):
        path, facts = sources[shot.source]
        clips.append(
            RenderClip(
                path=path, container=facts["container"], start=shot.start, duration=shot.seconds,
                facts=facts, has_audio=bool(facts.get("audio")),
                transition_in="crossfade" if shot.crossfade and index else "cut",
                transition_seconds=CROSSFADE if shot.crossfade and index else 0.0,
                title=shot.place, label=shot.place,
            )
        )  # fmt: skip
    bed_path, bed_facts = sources[BED]
    spec = RenderSpec(
        clips=clips,
        beds=[
            AudioBed(
                bed_path,
                bed_facts["container"],
                duration=FILM_SECONDS,
                volume=0.5,
                fade=1.0,
                loop=False,
                facts=bed_facts,
                label="Theme",
            )
        ],
        titles=[TitleCard(*TITLE)],
        credits=[CreditLine(role, names) for role, names in CREDITS],
        height=HEIGHT,
        fps=FPS,
        credits_seconds=CREDITS_SECONDS,
    )
    return spec


# The three ways ---------------------------------------------------------------------------------


def _render_phases(
    spec: Any, sources: dict[str, tuple[Path, dict[str, Any]]], work: Path, options: Any
) -> list[dict[str, Any]]:
    from ensemble.productions.render import build_plan

    plan = build_plan(spec)
    print(
        f"  the cut: {len(SHOTS)} clips, {sum(s.crossfade for s in SHOTS[1:])} crossfades, "
        f"{len(spec.credits)} credit blocks, {plan.expected_duration:.2f} s at "
        f"{WIDTH}x{HEIGHT} {FPS} fps ({plan.frames} frames)"
    )
    times: dict[str, list[float]] = {"a": [], "c": []}
    cpu: dict[str, list[float]] = {"a": [], "b": [], "p": [], "c": []}
    outputs = {name: work / f"{name}.mp4" for name in "abpc"}
    for attempt in range(options.rounds):
        order = "ac" if attempt % 2 == 0 else "ca"
        suffix = f" (round {attempt + 1}/{options.rounds})" if options.rounds > 1 else ""
        for name in order:
            _warm(sources)
            outputs[name].unlink(missing_ok=True)
            before = _cpu()
            if name == "a":
                times["a"].append(_phase_a(spec, outputs["a"], suffix))
            else:
                times["c"].append(_phase_c(spec, sources, plan, outputs["c"], suffix))
            cpu[name].append(_cpu() - before)
            print(f"    CPU {cpu[name][-1]:.1f} s")
    moviepy: dict[str, float | None] = {"b": None, "p": None}
    idioms = {"fast": ["b"], "plain": ["p"], "both": ["b", "p"]}[options.moviepy]
    for name in [] if options.no_moviepy else idioms:
        _warm(sources)
        before = _cpu()
        moviepy[name] = _phase_b(sources, outputs[name], work, plain=name == "p")
        cpu[name].append(_cpu() - before)
        print(f"    CPU {cpu[name][-1]:.1f} s")
    best_a, best_c = min(times["a"]), min(times["c"])
    facts = {name: _film(path) for name, path in outputs.items() if path.exists()}
    print("  outputs:")
    for name, film in facts.items():
        print(
            f"    ({name}) {film['width']}x{film['height']} {film['fps']} fps {film['codec']}, "
            f"{film['frames']} frames, {film['duration']:.2f} s, audio {film['audio']}, "
            f"{film['size'] / 1e6:.1f} MB"
        )
    rounds = "; ".join(
        f"{k} " + ", ".join(f"{v:.1f}" for v in values) for k, values in times.items()
    )
    print(f"  all rounds, wall (s): {rounds}")
    print(
        "  all rounds, CPU (s): "
        + "; ".join(f"{k} " + ", ".join(f"{v:.1f}" for v in values) for k, values in cpu.items())
    )
    cpu_a, cpu_c = min(cpu["a"]), min(cpu["c"])
    print(
        f"  CPU time (least of the rounds): a/c {cpu_a / cpu_c:.2f}"
        + "".join(f", {n}/a {min(cpu[n]) / cpu_a:.1f}" for n in "bp" if cpu[n])
    )
    rows = [
        _row("(a) Ensemble render_run", best_a, best_a / best_c, "a/c <= 1.15",
             best_a / best_c <= 1.15, "s", facts.get("a")),
        *(
            _row(label, moviepy[n], (moviepy[n] or 0) / best_a, "b/a >= 5",
                 (moviepy[n] or 0) / best_a >= 5 if moviepy[n] else None, "s", facts.get(n))
            for n, label in (("b", "(b) MoviePy 2, its fastest idiom"),
                             ("p", "(b') MoviePy 2, the usual idiom"))
            if moviepy[n] is not None
        ),
        _row("(c) one hand-written FFmpeg command", best_c, 1.0, "the limit", None, "s",
             facts.get("c")),
    ]  # fmt: skip
    return rows


def _row(
    name: str, value: float | None, ratio: float, target: str, met: bool | None, unit: str,
    film: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {"name": name, "value": value, "ratio": ratio, "target": target, "met": met,
            "unit": unit, "film": film}  # fmt: skip


def _cpu() -> float:
    """CPU seconds used so far by this process and the children it has waited for (FFmpeg):
    unlike wall time, barely moved by other work on a shared machine."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _warm(sources: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    """Read every source once, so each way finds them in the page cache."""
    for path, _ in sources.values():
        with path.open("rb") as handle:
            while handle.read(4 * 1024 * 1024):
                pass


def _fraction_bar(label: str, ticks: int = 100) -> tuple[Any, Callable[[float], None]]:
    from ensemble.core.progress import ProgressBar

    bar = ProgressBar(ticks, label)
    done = {"ticks": 0}

    def advance(fraction: float) -> None:
        now = min(ticks, round(fraction * ticks))
        if now > done["ticks"]:
            bar.advance(now - done["ticks"])
            done["ticks"] = now

    return bar, advance


def _phase_a(spec: Any, output: Path, suffix: str) -> float:
    from ensemble.productions.render import render_run

    print(f"[a] Ensemble: render_run (plan, checks, job folder, FFmpeg, verify, move){suffix}")
    bar, advance = _fraction_bar("    render (%)")
    started = time.monotonic()
    with bar:
        result = render_run(spec, output=output, progress=advance)
    elapsed = time.monotonic() - started
    print(f"    {elapsed:.1f} s (FFmpeg {result.elapsed:.1f} s)")
    return elapsed


def _phase_c(
    spec: Any, sources: dict[str, tuple[Path, dict[str, Any]]], plan: Any, output: Path,
    suffix: str,
) -> float:  # fmt: skip
    from ensemble.media.ffmpeg import ffmpeg_binary

    print(f"[c] one hand-written FFmpeg command, started with subprocess{suffix}")
    args = _hand_written(sources, plan, output)
    bar, advance = _fraction_bar("    ffmpeg (%)")
    started = time.monotonic()
    with bar:
        _run_plain([ffmpeg_binary(), *args], plan.expected_duration, advance)
    elapsed = time.monotonic() - started
    print(f"    {elapsed:.1f} s")
    return elapsed


def _run_plain(command: list[str], seconds: float, advance: Callable[[float], None]) -> None:
    """FFmpeg as anyone would start it, reading its -progress lines for the bar."""
    process = subprocess.Popen(
        [command[0], "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-progress",
         "pipe:1", *command[1:]],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    for line in process.stdout:
        key, _, value = line.strip().partition("=")
        if key == "out_time_us" and value.isdigit():
            advance(int(value) / 1e6 / seconds)
    error = process.stderr.read()
    if process.wait() != 0:
        raise RuntimeError(f"FFmpeg failed: {error[-2000:]}")
    advance(1.0)


def _hand_written(
    sources: dict[str, tuple[Path, dict[str, Any]]], plan: Any, output: Path
) -> list[str]:
    """The cut as one FFmpeg command, as a skilled person would type it: each clip trimmed at
    its input, fitted, padded and lettered; cuts concatenated, crossfades with xfade and
    acrossfade; the title over the joined film; the credits on black; the bed mixed under."""
    from ensemble.productions.render import FONT_BOLD, FONT_REGULAR, credit_rows, fit

    args: list[str] = []
    chains: list[str] = []
    rate = f"{FPS}"
    for index, shot in enumerate(SHOTS):
        path, facts = sources[shot.source]
        if facts.get("kind") == "image":
            args += ["-framerate", rate, "-i", str(path)]
            width, height = int(facts["width"]), int(facts["height"])
            matrix = "in_color_matrix=bt601:in_range=pc:"
        else:
            # A quarter second more than needed, so the last frame is never short.
            args += ["-ss", f"{shot.start}", "-t", f"{shot.seconds + 0.25}", "-i", str(path)]
            video = facts["video"][0]
            width, height = int(video["display_width"]), int(video["display_height"])
            matrix = "in_color_matrix=bt601:" if video.get("color_space") == "smpte170m" else ""
        w, h = fit(width, height, WIDTH, HEIGHT)
        frames = round(shot.seconds * FPS)
        steps = [
            f"[{index}:v]setpts=PTS-STARTPTS,fps={rate}",
            f"scale={w}:{h}:{matrix}out_color_matrix=bt709:out_range=tv",
            "format=yuv420p",
        ]
        if (w, h) != (WIDTH, HEIGHT):
            steps.append(f"pad={WIDTH}:{HEIGHT}:(ow-iw)/2:(oh-ih)/2")
        steps.append("setsar=1")
        if facts.get("kind") == "image":
            steps.append("tpad=stop_mode=clone:stop=-1")  # the picture, held
        ramp = min(0.4, shot.seconds / 4)
        steps.append(
            f"drawtext=fontfile={FONT_REGULAR}:text='{shot.place}':fontsize={round(HEIGHT * 0.05)}"
            f":fontcolor=white:x={round(WIDTH * 0.05)}:y={round(HEIGHT * 0.8)}"
            f":alpha='clip(min(t,{shot.seconds}-t)/{ramp},0,1)'"
            f":box=1:boxcolor=black@0.55:boxborderw={round(HEIGHT * 0.05 * 0.35)}"
        )
        steps.append(f"trim=end_frame={frames}[v{index}]")
        chains.append(",".join(steps))
        samples = round(shot.seconds * 48000)
        if facts.get("audio"):
            chains.append(
                f"[{index}:a]asetpts=PTS-STARTPTS,aresample=48000,aformat=fltp:48000:stereo,apad,"
                f"atrim=end_sample={samples}[a{index}]"
            )
        else:
            chains.append(f"anullsrc=r=48000:cl=stereo,atrim=end_sample={samples}[a{index}]")
    bed_index = len(SHOTS)
    args += ["-i", str(sources[BED][0])]

    # The credits: one line of text per row on black, all climbing at one speed.
    rows, roll, _ = credit_rows(plan_credits(), HEIGHT)
    frames = round(CREDITS_SECONDS * FPS)
    speed = (HEIGHT + roll) / CREDITS_SECONDS
    draws = []
    for row in rows:
        size = round(HEIGHT * (0.030 if row.bold else 0.040))
        font = FONT_BOLD if row.bold else FONT_REGULAR
        text = row.text.replace("'", "")
        draws.append(
            f"drawtext=fontfile={font}:text='{text}':fontsize={size}"
            f":fontcolor={'0xC8C8C8' if row.bold else 'white'}:x=(w-text_w)/2"
            f":y={HEIGHT + row.top}-t*{speed:.4f}"
        )
    chains.append(
        f"color=black:s={WIDTH}x{HEIGHT}:r={rate}:d={CREDITS_SECONDS},format=yuv420p,"
        + ",".join(draws)
        + "[vc]"
    )
    chains.append(f"anullsrc=r=48000:cl=stereo,atrim=end_sample={frames * 48000 // FPS}[ac]")

    # Runs of clips joined by cuts, then crossfades between runs; the credits end the last run.
    runs: list[list[str]] = [[]]
    for index, shot in enumerate(SHOTS):
        if index and shot.crossfade:
            runs.append([])
        runs[-1].append(str(index))
    runs[-1].append("c")
    seconds = {str(i): s.seconds for i, s in enumerate(SHOTS)} | {"c": CREDITS_SECONDS}
    labels = []
    for number, run in enumerate(runs):
        if len(run) == 1:
            labels.append((f"v{run[0]}", f"a{run[0]}"))
            continue
        pads = "".join(f"[v{key}][a{key}]" for key in run)
        chains.append(f"{pads}concat=n={len(run)}:v=1:a=1[vj{number}][ar{number}]")
        chains.append(f"[vj{number}]settb=1/{FPS}[vr{number}]")
        labels.append((f"vr{number}", f"ar{number}"))
    video, audio = labels[0]
    done = sum(seconds[key] for key in runs[0])
    for number in range(1, len(runs)):
        offset = done - CROSSFADE
        chains.append(
            f"[{video}][{labels[number][0]}]xfade=duration={CROSSFADE}:offset={offset}[vx{number}]"
        )
        chains.append(f"[{audio}][{labels[number][1]}]acrossfade=d={CROSSFADE}[ax{number}]")
        video, audio = f"vx{number}", f"ax{number}"
        done += sum(seconds[key] for key in runs[number]) - CROSSFADE
    text, start, length = TITLE
    chains.append(
        f"[{video}]drawtext=fontfile={FONT_BOLD}:text='{text}':fontsize={round(HEIGHT * 0.07)}"
        ":fontcolor=white:x=(w-text_w)/2:y=(h-text_h)/2:shadowx=3:shadowy=3"
        f":shadowcolor=black@0.6:alpha='clip(min(t-{start},{start + length}-t)/0.5,0,1)'"
        f":enable='between(t,{start},{start + length})',format=yuv420p[vout]"
    )
    chains.append(
        f"[{bed_index}:a]atrim=0:{FILM_SECONDS},volume=0.5,afade=t=in:d=1,"
        f"afade=t=out:st={FILM_SECONDS - 1}:d=1[bed]"
    )
    chains.append(
        f"[{audio}][bed]amix=inputs=2:duration=first:normalize=0,aformat=fltp:48000:stereo[aout]"
    )
    gop = str(FPS * 2)
    return [
        *args, "-filter_complex", ";".join(chains), "-map", "[vout]", "-map", "[aout]",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-profile:v", "high",
        "-pix_fmt", "yuv420p", "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
        "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2",
        "-movflags", "+faststart", str(output),
    ]  # fmt: skip


def plan_credits() -> list[Any]:
    from ensemble.productions.render import CreditLine

    return [CreditLine(role, names) for role, names in CREDITS]


def _phase_b(
    sources: dict[str, tuple[Path, dict[str, Any]]], output: Path, work: Path, *, plain: bool
) -> float:
    """The same cut written with MoviePy 2's API, the way its documentation shows: with
    `target_resolution` (FFmpeg scales while decoding: MoviePy's fastest idiom) or, `plain`,
    `VideoFileClip(path).resized(...)` (every frame decoded at full size and resized by
    MoviePy: what its examples and most scripts do)."""
    from ensemble.media.ffmpeg import ffmpeg_binary
    from ensemble.productions.render import FONT_BOLD, FONT_REGULAR, fit

    os.environ["IMAGEIO_FFMPEG_EXE"] = ffmpeg_binary()  # the very same FFmpeg
    os.environ["FFMPEG_BINARY"] = ffmpeg_binary()
    print(
        f"[{'b' + chr(39) if plain else 'b'}] MoviePy 2: VideoFileClip"
        f"{'(path).resized' if plain else '(target_resolution)'}/ImageClip/TextClip, "
        "CompositeVideoClip, write_videofile"
    )
    started = time.monotonic()
    from moviepy import (
        AudioFileClip,
        ColorClip,
        CompositeAudioClip,
        CompositeVideoClip,
        ImageClip,
        TextClip,
        VideoFileClip,
        afx,
        vfx,
    )

    layers: list[Any] = []
    sounds: list[Any] = []
    at = 0.0
    opened: list[Any] = []
    for index, shot in enumerate(SHOTS):
        path, facts = sources[shot.source]
        if facts.get("kind") == "image":
            w, h = fit(int(facts["width"]), int(facts["height"]), WIDTH, HEIGHT)
            clip = ImageClip(str(path), duration=shot.seconds).resized((w, h))
        else:
            video = facts["video"][0]
            w, h = fit(int(video["display_width"]), int(video["display_height"]), WIDTH, HEIGHT)
            if plain:
                source = VideoFileClip(str(path))
                opened.append(source)
                clip = source.subclipped(shot.start, shot.start + shot.seconds).resized((w, h))
            else:
                source = VideoFileClip(str(path), target_resolution=(w, h))
                opened.append(source)
                clip = source.subclipped(shot.start, shot.start + shot.seconds)
        fading = bool(index and shot.crossfade)
        if fading:
            at -= CROSSFADE
        ramp = min(0.4, shot.seconds / 4)
        lower = (
            TextClip(
                font=str(FONT_REGULAR), text=shot.place, font_size=round(HEIGHT * 0.05),
                color="white", bg_color=(0, 0, 0), margin=(19, 19),
            )
            .with_opacity(0.9)
            .with_duration(shot.seconds)
            .with_position((round(WIDTH * 0.05), round(HEIGHT * 0.8)))
            .with_effects([vfx.CrossFadeIn(ramp), vfx.CrossFadeOut(ramp)])
        )  # fmt: skip
        shot_clip = CompositeVideoClip(
            [clip.with_position("center"), lower], size=(WIDTH, HEIGHT), bg_color=(0, 0, 0)
        ).with_duration(shot.seconds)
        if fading:
            shot_clip = shot_clip.with_effects([vfx.CrossFadeIn(CROSSFADE)])
        layers.append(shot_clip.with_start(at))
        if clip.audio is not None:
            audio = clip.audio.with_duration(shot.seconds)
            effects = []
            if fading:
                effects.append(afx.AudioFadeIn(CROSSFADE))
            following = SHOTS[index + 1] if index + 1 < len(SHOTS) else None
            if following is not None and following.crossfade:
                effects.append(afx.AudioFadeOut(CROSSFADE))
            sounds.append((audio.with_effects(effects) if effects else audio).with_start(at))
        at += shot.seconds
    text, start, length = TITLE
    layers.append(
        TextClip(
            font=str(FONT_BOLD), text=text, font_size=round(HEIGHT * 0.07), color="white",
            stroke_color="black", stroke_width=2,
        )
        .with_start(start)
        .with_duration(length)
        .with_position("center")
        .with_effects([vfx.CrossFadeIn(0.5), vfx.CrossFadeOut(0.5)])
    )  # fmt: skip
    roll_lines = []
    for role, names in CREDITS:
        if roll_lines:
            roll_lines.append("")
        roll_lines += [role, *names]
    roll = TextClip(
        font=str(FONT_REGULAR), text="\n".join(roll_lines), font_size=round(HEIGHT * 0.04),
        color="white", method="label", text_align="center", interline=round(HEIGHT * 0.022),
    )  # fmt: skip
    speed = (HEIGHT + roll.h) / CREDITS_SECONDS
    layers.append(ColorClip((WIDTH, HEIGHT), (0, 0, 0), duration=CREDITS_SECONDS).with_start(at))
    layers.append(
        roll.with_start(at)
        .with_duration(CREDITS_SECONDS)
        .with_position(lambda t: ("center", HEIGHT - speed * t))
    )
    film_seconds = at + CREDITS_SECONDS
    bed = (
        AudioFileClip(str(sources[BED][0]))
        .subclipped(0, film_seconds)
        .with_volume_scaled(0.5)
        .with_effects([afx.AudioFadeIn(1.0), afx.AudioFadeOut(1.0)])
    )
    film = CompositeVideoClip(layers, size=(WIDTH, HEIGHT), bg_color=(0, 0, 0)).with_duration(
        film_seconds
    )
    film = film.with_audio(CompositeAudioClip([*sounds, bed]).with_duration(film_seconds))
    gop = str(FPS * 2)
    film.write_videofile(
        str(output), fps=FPS, codec="libx264", preset="veryfast", audio_codec="aac",
        audio_fps=48000, audio_bitrate="192k", temp_audiofile_path=str(work),
        ffmpeg_params=["-crf", "20", "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", gop,
                       "-keyint_min", gop, "-sc_threshold", "0", "-color_primaries", "bt709",
                       "-color_trc", "bt709", "-colorspace", "bt709", "-movflags", "+faststart"],
        logger="bar",
    )  # fmt: skip
    for source in opened:
        source.close()
    elapsed = time.monotonic() - started
    print(f"    {elapsed:.1f} s")
    return elapsed


def _film(path: Path) -> dict[str, Any]:
    import av

    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames = sum(1 for packet in container.demux(video) if packet.size)
        audio = container.streams.audio[0].codec_context if container.streams.audio else None
        return {
            "width": video.codec_context.width,
            "height": video.codec_context.height,
            "fps": float(video.average_rate or 0),
            "codec": video.codec_context.name,
            "frames": frames,
            "duration": (container.duration or 0) / av.time_base,
            "audio": f"{audio.name} {audio.sample_rate} Hz {audio.channels} ch" if audio else "-",
            "size": path.stat().st_size,
        }


# Credits: one child process per database -------------------------------------------------------


def _credits_database(vendor: str, options: argparse.Namespace) -> dict[str, Any]:
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(vendor, vendor)
    label = f"credits of {TARGET_ARTISTS} artists, {name}"
    if vendor == "sqlite":
        path = FOLDER / "render-credits.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    elif vendor == "postgresql":
        from bench.lineage import _pg_admin

        url = f"{PG_SERVER}/{PG_NAME}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{PG_NAME}"')
        _pg_admin(f'CREATE DATABASE "{PG_NAME}"')
    else:
        raise SystemExit(f"Unknown database {vendor!r}: use sqlite or postgresql.")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable, "-m", "bench.render", "--child", vendor, "--scale", str(options.scale),
        "--repeat", str(options.repeat),
    ]  # fmt: skip
    try:
        completed = subprocess.run(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False
        )
    finally:
        if vendor == "postgresql":
            from bench.lineage import _pg_admin

            _pg_admin(f'DROP DATABASE IF EXISTS "{PG_NAME}"')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    found = None
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT "):
            found = json.loads(line[7:])
        else:
            print(line)
    if completed.returncode or found is None:
        return _row(label, None, 0.0, f"<= {TARGET_MS:.0f} ms", False, "ms")
    met = found["ms"] <= TARGET_MS and found["same"] and found["artists"] == TARGET_ARTISTS
    row = _row(label, found["ms"], found["orm_ms"] / found["ms"], f"<= {TARGET_MS:.0f} ms",
               met, "ms")  # fmt: skip
    row["ratio_label"] = "ORM/CTE"
    return row


def _credits_child(options: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ensemble.core.progress import ProgressBar
    from ensemble.lineage.seeding import seed_community
    from ensemble.productions.credits import credits_for_cut

    members = max(1000, round(80_000 * options.scale))
    records = max(5000, round(400_000 * options.scale))
    call_command("migrate", verbosity=0, interactive=False)
    with ProgressBar(members + records, f"  seeding {options.child}") as bar:
        report = seed_community(members=members, records=records, progress=bar.advance)
    cut, clips = _credited_cut(TARGET_ARTISTS)
    credits = credits_for_cut(cut)  # warm-up
    cte_ms = _median_ms(lambda: credits_for_cut(cut), options.repeat)
    expected = _orm_credits(cut)
    orm_ms = _median_ms(lambda: _orm_credits(cut), max(1, min(3, options.repeat)))
    found = {credit.member_id for credit in credits.credits}
    print(
        f"  {_server(connection)}: {report.members:,} members, {report.records:,} records, "
        f"{report.links:,} links (seeded in {report.seconds:.0f} s); a cut of {clips} clips "
        f"whose lineage credits {len(found)} artists: credits {cte_ms:.1f} ms, per-node ORM "
        f"{orm_ms:.0f} ms ({orm_ms / cte_ms:.0f}x), same artists: {found == expected}"
    )
    result = {"ms": cte_ms, "orm_ms": orm_ms, "artists": len(found), "same": found == expected}
    print("RESULT " + json.dumps(result))
    return 0


def _server(connection: Any) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def _credited_cut(target: int) -> tuple[Any, int]:
    """A production (owned by a seeded member) with one cut whose clips — published video and
    image records — together with everything upstream of them credit exactly `target` artists.
    Chosen greedily from the in-memory lineage graph: the richest ancestries first, then
    records without sources to make up the count."""
    from ensemble.accounts.models import Member
    from ensemble.lineage.models import SourceLink
    from ensemble.productions import timeline as tl
    from ensemble.productions.models import Cut, Production
    from ensemble.records.models import Kind, Record

    sources: dict[int, list[tuple[int, int]]] = {}
    for version, source_version, author in SourceLink.objects.values_list(
        "version_id", "source_version_id", "source_record__author_id"
    ):
        sources.setdefault(version, []).append((source_version, author))
    candidates = list(
        Record.objects.filter(kind__in=[Kind.VIDEO, Kind.IMAGE], published=True)
        .exclude(current_version=None)
        .values_list("id", "current_version_id", "author_id", "title")
    )

    def upstream(version_id: int) -> set[int]:
        seen, artists, queue = {version_id}, set(), [version_id]
        while queue:
            for source_version, author in sources.get(queue.pop(), ()):
                artists.add(author)
                if source_version not in seen:
                    seen.add(source_version)
                    queue.append(source_version)
        return artists

    owner = Member.objects.order_by("id").first()
    assert owner is not None
    credited = {owner.pk}
    ancestry = {c[1]: upstream(c[1]) | {c[2]} for c in candidates}
    chosen = []
    for candidate in sorted(candidates, key=lambda c: -len(ancestry[c[1]])):
        added = ancestry[candidate[1]] - credited
        if added and len(credited) + len(added) <= target:
            chosen.append(candidate)
            credited |= added
        if len(credited) == target:
            break
    clips = tuple(
        tl.ClipSpec(version_id=version_id, record_id=record_id, name=title, start=0.0, duration=2.0)
        for record_id, version_id, _, title in chosen
    )
    production = Production.objects.create(owner=owner, title="In a City, the community cut")
    cut = Cut.objects.create(
        production=production,
        name="Community",
        created_by=owner,
        timeline=tl.dump(tl.Document(name="Community", clips=clips)),
    )
    return cut, len(clips)


def _orm_credits(cut: Any) -> set[int]:
    """The same question answered the way it is often written: load each clip's version, then
    walk the lineage one version at a time (`select_related` for the artist)."""
    from ensemble.lineage.models import SourceLink
    from ensemble.productions import timeline as tl
    from ensemble.records.models import RecordVersion

    document = tl.load(cut.timeline)
    artists = {cut.production.owner_id}
    seen: set[int] = set()
    for clip in document.clips:
        version = RecordVersion.objects.select_related("record__author").get(pk=clip.version_id)
        artists.add(version.record.author_id)
        queue = [version.pk]
        while queue:
            current = queue.pop()
            for link in SourceLink.objects.filter(version_id=current).select_related(
                "source_record__author"
            ):
                artists.add(link.source_record.author_id)
                if link.source_version_id not in seen:
                    seen.add(link.source_version_id)
                    queue.append(link.source_version_id)
    return artists


def _median_ms(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# Output -----------------------------------------------------------------------------------------


def _table(rows: list[dict[str, Any]]) -> None:
    print()
    print("Results")
    width = max(len(row["name"]) for row in rows)
    print(f"  {'':<{width}}  {'time':>10}  {'ratio':>14}  {'target':<12}  met?")
    for row in rows:
        value = row["value"]
        if value is None:
            shown = "-"
        elif row["unit"] == "ms":
            shown = f"{value:.1f} ms"
        else:
            shown = f"{value:.1f} s"
        if row["name"].startswith("(a)"):
            ratio = f"a/c {row['ratio']:.2f}"
        elif row["name"].startswith("(b"):
            which = "b'/a" if row["name"].startswith("(b')") else "b/a"
            ratio = f"{which} {row['ratio']:.1f}" if value else "-"
        elif row["name"].startswith("(c)"):
            ratio = "c/c 1.00"
        else:
            ratio = f"ORM/CTE {row['ratio']:.0f}x" if value else "-"
        met = {True: "met", False: "MISSED", None: "-"}[row["met"]]
        print(f"  {row['name']:<{width}}  {shown:>10}  {ratio:>14}  {row['target']:<12}  {met}")


def _load() -> str:
    try:
        return " ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "?"


if __name__ == "__main__":
    raise SystemExit(main())
