"""The render engine against real (tiny) originals: properties of the film as PyAV reads it,
pixels where pillarboxes and credits must be, determinism, cancellation and failures.

Renders are kept small in time (a second per clip, 4-10 fps); all but one are 1080p.
"""

from __future__ import annotations

import array
import hashlib
import math
import struct
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import pytest

from ensemble.media.ffmpeg import (
    FFmpegCancelled,
    UnsafeArguments,
    check_args,
    ffmpeg_run,
    file_url,
    lavfi_input,
    media_input,
)
from ensemble.productions.render import (
    GRAPH_NAME,
    INLINE_GRAPH_LIMIT,
    AudioBed,
    CreditLine,
    RenderCancelled,
    RenderFailed,
    RenderResult,
    RenderSpec,
    RenderSpecError,
    TitleCard,
    build_plan,
    credit_rows,
    expected_duration,
    fit,
    render_plan,
    render_run,
)

from .conftest import Original

HOSTILE_NAMES = [
    'Siobhán O\'Brien "the Quote"',
    "colon: semi; comma, [bracket] {brace} =equals",
    "back\\slash \\' \\\\ \\n",
    "100% %{pts} %{eif:1:d} %{localtime} %%",
    "x:fontfile=/etc/passwd:textfile=/etc/shadow",
    "a';movie=/etc/passwd[m];[m]null[out]",
    "name\nwith\r\nnewlines\tand\x00nul\x1b[31m",
    "\u202eevil bidi override",
    "Zoë Ødegård-Łukasiewicz",
    "東京の友人 · 김민지",
    "Ольга Петрова",
    "مرحبا بالعالم",
    "שלום עליכם",
    "👩🏽‍🎤 🎬 emoji",
    "lone \ud800 surrogate",
    "A" * 500,
    "   ",
    "",
]


# Reading the film back --------------------------------------------------------------------------


@dataclass(frozen=True)
class Film:
    result: RenderResult
    frames: int
    width: int
    height: int
    rate: Fraction
    pix_fmt: str
    codec: str
    profile: str | None
    duration: float
    audio_rate: int
    audio_channels: int
    audio_codec: str
    lumas: dict[int, tuple[bytes, int]]  # frame number → (Y plane, line size)
    audio: list[float]  # the left channel, 48 kHz

    def luma(self, frame: int, x: int, y: int) -> int:
        plane, stride = self.lumas[frame]
        return plane[y * stride + x]

    def column_is_black(self, frame: int, x: int, rows: range) -> bool:
        return all(self.luma(frame, x, y) <= 20 for y in rows)

    def rms(self, start: float, end: float) -> float:
        part = self.audio[int(start * 48000) : int(end * 48000)]
        return math.sqrt(sum(v * v for v in part) / max(1, len(part)))


def read_film(result: RenderResult, keep: set[int] | None = None) -> Film:
    lumas: dict[int, tuple[bytes, int]] = {}
    samples: list[float] = []
    with av.open(str(result.output)) as container:
        video, sound = container.streams.video[0], container.streams.audio[0]
        frames = 0
        for frame in container.decode(video):
            if keep is None or frames in keep:
                plane = frame.planes[0]
                lumas[frames] = (bytes(plane), plane.line_size)
            frames += 1
        container.seek(0)
        for audio_frame in container.decode(sound):
            left = array.array("f", bytes(audio_frame.planes[0]))[: audio_frame.samples]
            samples.extend(left)
        assert video.average_rate and container.duration
        return Film(
            result=result,
            frames=frames,
            width=video.codec_context.width,
            height=video.codec_context.height,
            rate=Fraction(video.average_rate),
            pix_fmt=str(video.codec_context.pix_fmt),
            codec=video.codec_context.name,
            profile=video.profile,
            duration=container.duration / av.time_base,
            audio_rate=sound.codec_context.sample_rate,
            audio_channels=sound.codec_context.channels,
            audio_codec=sound.codec_context.name,
            lumas=lumas,
            audio=samples,
        )


def frame_hashes(path: Path) -> list[str]:
    """One MD5 per decoded picture and per decoded audio frame (like FFmpeg's framemd5)."""
    hashes = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0, audio=0):
            assert isinstance(frame, av.VideoFrame | av.AudioFrame)
            digest = hashlib.md5(usedforsecurity=False)
            for plane in frame.planes:
                digest.update(bytes(plane))
            hashes.append(f"{type(frame).__name__}:{frame.pts}:{digest.hexdigest()}")
    return hashes


def top_level_boxes(path: Path) -> list[str]:
    """The MP4's top-level box types in file order."""
    boxes = []
    with path.open("rb") as handle:
        while header := handle.read(8):
            size, kind = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", handle.read(8))[0] - 8
            elif size == 0:
                boxes.append(kind.decode("latin-1"))
                break
            boxes.append(kind.decode("latin-1"))
            handle.seek(size - 8, 1)
    return boxes


# The main cut: every kind of original, a crossfade at both ends of a run, a bed, titles, credits


def main_spec(o: dict[str, Original], **changes: Any) -> RenderSpec:
    """At 10 fps, in frames of the film: landscape 0-9 (crossfade 6-9) → portrait 6-15 → 4:3
    16-23 → anamorphic (no sound) 24-33 (crossfade 31-33) → HDR 31-40 → credits 41-70."""
    credits = [
        CreditLine("Footage", HOSTILE_NAMES),
        CreditLine("Music", ["Ana Música", "Bo Sound"]),
        CreditLine('Writing: words, "poems" & 50%', [f"Poet {n:03d}" for n in range(60)]),
    ]
    spec = RenderSpec(
        clips=[
            o["landscape"].clip(0.1, 1.0, title="Lisbon"),
            o["portrait"].clip(
                0.0, 1.0, transition_in="crossfade", transition_seconds=0.4, title="Tōkyō: 東京"
            ),
            o["four_three"].clip(0.2, 0.8, title="São Paulo, SP [lo-fi] 100%"),
            o["anamorphic"].clip(0.0, 1.0),
            o["hdr"].clip(0.1, 1.0, transition_in="crossfade", transition_seconds=0.3),
        ],
        beds=[
            AudioBed(
                o["bed"].path,
                o["bed"].container,
                duration=3.0,
                offset_in_timeline=0.5,
                volume=0.5,
                fade=0.3,
                facts=o["bed"].facts,
                label="Theme",
            )
        ],
        titles=[TitleCard("In a City", 0.2, 1.0)],
        credits=credits,
        height=1080,
        fps=10,
        credits_seconds=3.0,
    )
    return replace(spec, **changes)


@pytest.fixture(scope="module")
def main_render(
    originals: dict[str, Original], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Film, list[float]]:
    output = tmp_path_factory.mktemp("main-render") / "film.mp4"
    reported: list[float] = []
    result = render_run(main_spec(originals), output=output, progress=reported.append)
    keep = {14, 20, 28, 36} | set(range(41, 71))
    return read_film(result, keep), reported


def test_the_film_has_the_promised_properties(main_render, originals):
    film, reported = main_render
    plan = build_plan(main_spec(originals))
    assert (film.width, film.height) == (1920, 1080)
    assert film.rate == 10
    assert film.pix_fmt == "yuv420p"
    assert (film.codec, film.profile) == ("h264", "High")
    assert film.frames == plan.frames == 71
    assert plan.expected_duration == pytest.approx(7.1)
    assert film.duration == pytest.approx(plan.expected_duration, abs=0.1)
    assert (film.audio_codec, film.audio_rate, film.audio_channels) == ("aac", 48000, 2)
    assert len(film.audio) / 48000 == pytest.approx(plan.expected_duration, abs=0.05)
    boxes = top_level_boxes(film.result.output)
    assert boxes.index("moov") < boxes.index("mdat")  # +faststart
    assert film.result.output.stat().st_size == film.result.size_bytes
    assert any("tone-mapped" in note for note in film.result.notes)
    assert reported == sorted(reported) and reported[-1] == 1.0


def test_portrait_and_four_three_footage_is_pillarboxed_anamorphic_fills_the_frame(main_render):
    film, _ = main_render
    rows = range(60, 800, 20)  # above the lower thirds
    # The portrait phone clip (stored 320x180, turned a quarter): 608x1080 in the middle.
    assert film.column_is_black(14, 8, rows) and film.column_is_black(14, 1910, rows)
    assert film.column_is_black(14, 640, rows) and film.column_is_black(14, 1280, rows)
    assert not film.column_is_black(14, 960, rows)
    # 4:3 lo-fi: 1440x1080 from x=240.
    assert film.column_is_black(20, 8, rows) and film.column_is_black(20, 1910, rows)
    assert not film.column_is_black(20, 250, rows) and not film.column_is_black(20, 1670, rows)
    # 480x360 with 4:3 pixels is 16:9 once its pixels are square: no bars at all.
    assert not film.column_is_black(28, 8, rows) and not film.column_is_black(28, 1910, rows)


def test_the_credits_roll_draws_text_on_black_and_scrolls(main_render, originals):
    film, _ = main_render
    width, height = film.width, film.height

    def lit(frame: int) -> set[int]:
        return {
            y
            for y in range(0, height, 4)
            for x in range(width // 2 - 300, width // 2 + 300, 6)
            if film.luma(frame, x, y) > 100
        }

    assert not lit(41)  # the roll starts below the frame
    drawn = [frame for frame in range(42, 71) if lit(frame)]
    assert len(drawn) > 20
    assert all(film.luma(60, x, 500) <= 20 for x in range(0, 200, 10))  # black beside the text
    # The first row enters from the bottom and climbs at a steady speed: the roll's height plus
    # the frame's, over the roll's 30 frames.
    _, roll, _ = credit_rows(main_spec(originals).credits, height)
    step = (height + roll) / 30
    assert lit(42) and min(lit(42)) >= height - step - 10
    assert min(lit(43)) == pytest.approx(min(lit(42)) - step, abs=8)
    assert min(lit(44)) == pytest.approx(min(lit(43)) - step, abs=8)


def test_the_bed_plays_under_a_clip_without_sound(main_render):
    film, _ = main_render
    assert film.rms(2.5, 2.9) > 0.02  # the anamorphic clip has no sound: only the bed
    assert film.rms(6.5, 7.0) < 0.001  # the bed has ended: the credits are silent


def test_the_same_spec_renders_the_same_frames(main_render, originals, tmp_path):
    film, _ = main_render
    again = render_run(main_spec(originals), output=tmp_path / "again.mp4")
    first, second = frame_hashes(film.result.output), frame_hashes(again.output)
    assert len(first) > 71
    assert first == second


# Transitions, 2160p ----------------------------------------------------------------------------


def test_a_crossfade_shortens_the_film_by_its_overlap(originals, tmp_path):
    clips = [originals["landscape"].clip(0, 1.0), originals["four_three"].clip(0, 1.0)]
    cut = RenderSpec(clips=clips, fps=8)
    faded = RenderSpec(
        clips=[clips[0], replace(clips[1], transition_in="crossfade", transition_seconds=0.5)],
        fps=8,
    )
    assert expected_duration(cut) == 2.0 and expected_duration(faded) == 1.5
    cut_film = read_film(render_run(cut, output=tmp_path / "cut.mp4"), keep=set())
    faded_film = read_film(render_run(faded, output=tmp_path / "faded.mp4"), keep=set())
    assert cut_film.frames - faded_film.frames == 4
    assert cut_film.duration - faded_film.duration == pytest.approx(0.5, abs=0.07)


def test_4k_camera_footage_and_lo_fi_render_at_2160(originals, tmp_path):
    spec = RenderSpec(
        clips=[
            originals["uhd"].clip(0, 0.5, title="Paris"),
            originals["four_three"].clip(
                0.5, 0.5, transition_in="crossfade", transition_seconds=0.25
            ),
        ],
        credits=[CreditLine("Footage", ["Zoë"])],
        credits_seconds=0.5,
        height=2160,
        fps=4,
    )
    film = read_film(render_run(spec, output=tmp_path / "uhd.mp4"), keep={2})
    assert (film.width, film.height, film.rate) == (3840, 2160, 4)
    assert film.frames == 2 + 2 - 1 + 2
    assert film.duration == pytest.approx(1.25, abs=0.1)
    rows = range(100, 1600, 50)
    # Frame 2 is the 4:3 clip after the crossfade: 2880x2160 from x=480.
    assert film.column_is_black(2, 16, rows) and film.column_is_black(2, 3820, rows)
    assert not film.column_is_black(2, 500, rows) and not film.column_is_black(2, 3340, rows)


# Text: nothing a member wrote ever reaches the graph ------------------------------------------


def test_hostile_text_goes_to_files_never_into_the_graph(originals):
    spec = main_spec(originals, titles=[TitleCard("';movie=/etc/passwd %{pts}", 0, 1)])
    plan = build_plan(spec)
    arguments = " ".join(plan.args) + plan.graph
    for needle in ("passwd", "/etc/shadow", "O'Brien", "%{", "Poet", "Lisbon", "evil", "東京"):
        assert needle not in arguments
    texts = {
        name: content.decode("utf-8")
        for name, content in plan.files.items()
        if name.startswith("text/") and isinstance(content, bytes)
    }
    lines = set(texts.values())
    assert "x:fontfile=/etc/passwd:textfile=/etc/shadow" in lines
    assert "100% %{pts} %{eif:1:d} %{localtime} %%" in lines
    assert "back\\slash \\' \\\\ \\n" in lines
    assert "name with newlines and nul [31m" in lines  # control characters become spaces
    assert "evil bidi override" in lines  # the right-to-left override is dropped
    assert "lone ? surrogate" in lines
    assert "👩🏽\u200d🎤 🎬 emoji" in lines  # the joiner of the emoji sequence is kept
    assert max(len(text) for text in lines) == 120  # long names are cut, with an ellipsis
    assert all(text.strip() and "\n" not in text and "\x00" not in text for text in lines)
    assert plan.graph.count("drawtext=") == plan.graph.count("expansion=none") == len(texts)
    # Long graphs are read by FFmpeg from a file in the job folder.
    assert len(plan.graph) > INLINE_GRAPH_LIMIT
    assert plan.args[plan.args.index("-/filter_complex") + 1] == GRAPH_NAME
    assert plan.files[GRAPH_NAME] == plan.graph.encode("utf-8")


def test_a_short_graph_is_passed_inline(originals):
    args = render_plan(RenderSpec(clips=[originals["landscape"].clip(0, 1.0)]))
    graph = args[args.index("-filter_complex") + 1]
    assert graph.startswith("[0:0]setpts=PTS-STARTPTS,fps=25/1,scale=1920:1080")
    assert "-/filter_complex" not in args
    assert args[-3:] == ["-f", "mp4", "file:render.tmp.mp4"]
    for flag in ("-fflags", "-flags:v", "-flags:a"):
        assert args[args.index(flag) + 1] == "+bitexact"


def test_fit_keeps_the_aspect_inside_16_9():
    assert fit(1920, 1080, 1920, 1080) == (1920, 1080)
    assert fit(180, 320, 1920, 1080) == (608, 1080)
    assert fit(320, 240, 3840, 2160) == (2880, 2160)
    assert fit(1920, 800, 1920, 1080) == (1920, 800)
    assert fit(161, 91, 1920, 1080) == (1910, 1080)


# Refusals and failures ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda s, o: replace(s, clips=[]), "empty"),
        (lambda s, o: replace(s, height=720), "1080 or 2160"),
        (lambda s, o: replace(s, fps=0), "frame rate"),
        (lambda s, o: replace(s, clips=[o["landscape"].clip(0.5, 1.0, label="Porto")]), "Porto"),
        (
            lambda s, o: replace(
                s,
                clips=[
                    o["landscape"].clip(0, 0.4),
                    o["hdr"].clip(0, 1, transition_in="crossfade", transition_seconds=0.5),
                ],
            ),
            "crossfade",
        ),
        (lambda s, o: replace(s, beds=[replace(s.beds[0], volume=3)]), "between 0 and 2"),
        (lambda s, o: replace(s, beds=[replace(s.beds[0], facts=o["anamorphic"].facts)]), "sound"),
        (lambda s, o: replace(s, clips=[o["bed"].clip(0, 0.5)]), "no video"),
        (lambda s, o: replace(s, clips=[replace(s.clips[0], container="concat")]), "clip 1"),
    ],
)
def test_a_cut_that_cannot_be_rendered_is_refused_with_a_reason(originals, change, words):
    with pytest.raises(RenderSpecError, match=words):
        build_plan(change(main_spec(originals), originals))


def test_cancelling_stops_ffmpeg_and_leaves_nothing(originals, tmp_path, settings):
    settings.ENSEMBLE_MEDIA_WORK_DIR = str(tmp_path / "work")
    output = tmp_path / "film.mp4"
    calls: list[int] = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(RenderCancelled):
        render_run(main_spec(originals), output=output, cancel=cancel)
    assert not output.exists()
    assert list((tmp_path / "work").iterdir()) == []  # the job folder and its temp file are gone
    assert list(tmp_path.iterdir()) == [tmp_path / "work"]


def test_a_missing_original_fails_with_the_clips_name(originals, copy_original, tmp_path):
    gone = copy_original(originals["four_three"], "gone.mkv")
    gone.path.unlink()
    spec = RenderSpec(
        clips=[originals["landscape"].clip(0, 0.5), gone.clip(0, 0.5, label="Porto, at night")]
    )
    output = tmp_path / "film.mp4"
    with pytest.raises(RenderFailed) as caught:
        render_run(spec, output=output)
    assert caught.value.reason == (
        "The original of the clip 2 (Porto, at night) is missing: gone.mkv was not found."
    )
    assert not caught.value.transient
    assert not output.exists()


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_original_fails_with_ffmpegs_reason(originals, copy_original, tmp_path, damage):
    broken = copy_original(originals["landscape"], "broken.mp4")
    data = broken.path.read_bytes()
    if damage == "garbage":
        broken.path.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 40)
    else:
        broken.path.write_bytes(data[: len(data) // 3])
    spec = RenderSpec(
        clips=[originals["four_three"].clip(0, 0.5), broken.clip(0, 0.5, label="Lagos")]
    )
    output = tmp_path / "film.mp4"
    with pytest.raises(RenderFailed) as caught:
        render_run(spec, output=output)
    reason = caught.value.reason
    assert reason.startswith("The clip 2 (Lagos) could not be read: ")
    assert "Invalid data found when processing input" in reason or "moov atom" in reason
    assert str(broken.path) not in reason + caught.value.detail
    assert not output.exists()


# The runner's additions: graphs from files, cancellation ------------------------------------


def test_graph_files_are_checked_like_inline_graphs(tmp_path):
    (tmp_path / "ok.txt").write_text("[0:v]null[v]")
    (tmp_path / "bad.txt").write_text("[0:v]null[v];movie=/etc/passwd[m]")
    base = [*lavfi_input("testsrc2=size=32x32:duration=0.1")]
    assert "-/filter_complex" in check_args([*base, "-/filter_complex", "ok.txt"], cwd=tmp_path)
    check_args([*base, "-/filter_complex", str(tmp_path / "ok.txt")])
    for name, cwd in [
        ("bad.txt", tmp_path),  # opens a file from inside the graph
        ("ok.txt", None),  # relative, with no working folder to resolve it in
        ("http://example.com/graph.txt", tmp_path),  # another protocol
        ("missing.txt", tmp_path),
    ]:
        with pytest.raises(UnsafeArguments):
            check_args([*base, "-/filter_complex", name], cwd=cwd)
    with pytest.raises(UnsafeArguments):
        check_args([*base, "-filter_complex_script", str(tmp_path / "bad.txt")])


def test_ffmpeg_run_stops_when_cancel_says_so(tmp_path):
    asked: list[int] = []

    def cancel() -> bool:
        asked.append(1)
        return len(asked) >= 2

    endless = [*lavfi_input("testsrc2=size=64x64:rate=25"), "-f", "null", "-"]
    with pytest.raises(FFmpegCancelled) as caught:
        ffmpeg_run(endless, cwd=tmp_path, timeout=60, cancel=cancel)
    assert not caught.value.transient
    assert len(asked) == 2


# Still images ---------------------------------------------------------------------------------

RED, WHITE = (255, 0, 0), (255, 255, 255)


@pytest.fixture(scope="module")
def stills(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Original]:
    """480x360 (4:3) pictures: left half red, right half white. The PNG's top sixth is white
    but fully transparent (it must come out black); the JPEG is opaque."""
    from PIL import Image

    from ensemble.media.probe import probe

    folder = tmp_path_factory.mktemp("stills")
    picture = Image.new("RGBA", (480, 360), (*WHITE, 255))
    picture.paste((*RED, 255), (0, 0, 240, 360))
    picture.paste((*WHITE, 0), (0, 0, 480, 60))
    picture.save(folder / "still.png")
    picture.convert("RGB").save(folder / "still.jpg", quality=95)
    return {
        name: Original(folder / name, probe(folder / name)) for name in ("still.png", "still.jpg")
    }


def still_spec(originals: dict[str, Original], stills: dict[str, Original]) -> RenderSpec:
    """At 10 fps: landscape video 0-9, the PNG crossfades in 7-9 and holds to 16 (with a lower
    third), the JPEG 17-24."""
    return RenderSpec(
        clips=[
            originals["landscape"].clip(0, 1.0),
            stills["still.png"].clip(
                5.0, 1.0, transition_in="crossfade", transition_seconds=0.3, title="Lisbon"
            ),
            stills["still.jpg"].clip(0, 0.8),
        ],
        fps=10,
    )


def test_still_images_are_held_fitted_and_silent(originals, stills, tmp_path):
    assert stills["still.png"].facts["kind"] == "image"
    assert stills["still.jpg"].container == "jpeg"
    spec = still_spec(originals, stills)
    plan = build_plan(spec)
    assert plan.frames == 10 + 10 - 3 + 8
    for name, demuxer in (("still.png", "png_pipe"), ("still.jpg", "jpeg_pipe")):
        at = plan.args.index(f"file:{stills[name].path}")
        assert list(plan.args[at - 3 : at]) == ["-f", demuxer, "-i"]
        assert "-ss" not in plan.args[at - 8 : at]  # a still is read whole: its start is ignored
    film = read_film(render_run(spec, output=tmp_path / "stills.mp4"), keep={10, 12, 16, 18, 24})
    assert film.frames == plan.frames == 25
    assert film.duration == pytest.approx(2.5, abs=0.1)
    rows = range(200, 800, 25)  # below the PNG's transparent strip, above the lower third
    for frame in (12, 16, 18, 24):
        # 4:3 pillarboxed: 1440x1080 from x=240; red is Y≈63 in BT.709 (82 if left in BT.601).
        assert film.column_is_black(frame, 100, rows) and film.column_is_black(frame, 1820, rows)
        assert all(abs(film.luma(frame, 500, y) - 63) <= 6 for y in rows), frame
        assert all(film.luma(frame, 1400, y) >= 225 for y in rows), frame
    # The PNG's transparent strip is black; the JPEG has none.
    assert all(film.luma(12, x, 60) <= 20 for x in range(300, 1600, 50))
    assert all(film.luma(18, x, 60) >= 225 for x in range(1000, 1600, 50))
    # The picture is held: the same pixels from frame to frame (away from the lower third), but
    # for the encoder's rounding.
    held = [abs(film.luma(12, x, y) - film.luma(16, x, y)) for x in range(0, 1920, 7) for y in rows]
    assert max(held) <= 3
    # The lower third is drawn over the still (white text on the darkened red, at 80% height).
    assert any(film.luma(12, x, y) > 180 for x in range(100, 400, 2) for y in range(870, 920, 2))
    assert not any(
        film.luma(18, x, y) > 180 for x in range(300, 800, 4) for y in range(870, 920, 4)
    )
    assert film.rms(0.2, 0.6) > 0.02  # the video clip's sound
    assert film.rms(1.1, 2.45) < 0.001  # stills are silent


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda f: {**f, "animated": True, "frames": 4}, "animated image"),
        (lambda f: {**f, "container": "gif"}, "stills in a cut must be JPEG, PNG, WEBP"),
        (lambda f: {**f, "width": None}, "no known picture size"),
    ],
)
def test_stills_that_cannot_be_clips_are_refused(stills, change, words):
    still = stills["still.png"]
    facts = change(dict(still.facts))
    clip = replace(still.clip(0, 1.0, label="Poster"), facts=facts, container=facts["container"])
    with pytest.raises(RenderSpecError, match=words):
        build_plan(RenderSpec(clips=[clip]))


def test_stills_are_read_by_single_picture_demuxers_only(tmp_path):
    still = tmp_path / "still.png"
    args = media_input(still, "png")
    assert args == [
        "-protocol_whitelist", "file", "-format_whitelist", "png_pipe",
        "-f", "png_pipe", "-i", file_url(still),
    ]  # fmt: skip
    assert check_args(args) == args
    assert "jpeg_pipe" in check_args(["-f", "jpeg_pipe", "-i", file_url(still)])
    for refused in (["-f", "image2", "-i", file_url(still)], ["-f", "gif", "-i", file_url(still)]):
        with pytest.raises(UnsafeArguments):
            check_args(refused)
    with pytest.raises(UnsafeArguments):
        media_input(still, "gif")
