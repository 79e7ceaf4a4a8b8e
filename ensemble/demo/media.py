"""The demo's media, generated with FFmpeg: a song, 4K camera walks and lo-fi phone clips.

Every picture is a slowly moving colour field in the city's palette with its name over it;
the song is an arpeggio over four chords. Sizes and lengths come from a `Scale`, so the test
builds the same story with second-long clips.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ensemble.media.ffmpeg import ffmpeg_run, file_url, lavfi_input
from ensemble.productions.render import FONT_BOLD

X264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
X265 = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"]
CAMERA_MAKE, CAMERA_MODEL = "Sony", "ILME-FX3"


@dataclass(frozen=True)
class Scale:
    seconds: float  # each clip
    camera_fps: int  # the 4K clips' frame rate (4K HEVC is the slow part to make)
    phone_fps: int
    song_seconds: float


FULL = Scale(seconds=4.0, camera_fps=12, phone_fps=30, song_seconds=16.0)
TINY = Scale(seconds=1.0, camera_fps=2, phone_fps=10, song_seconds=3.0)

# Three colours per city, for the moving colour field.
PALETTES = {
    "Cairo": ("0xf4a261", "0xe76f51", "0x264653"),
    "Rio de Janeiro": ("0x06d6a0", "0xffd166", "0x118ab2"),
    "London": ("0x8d99ae", "0xd90429", "0x2b2d42"),
    "Prague": ("0xf1faee", "0xe63946", "0x1d3557"),
    "Tokyo": ("0xff006e", "0x8338ec", "0x3a86ff"),
    "Sheffield": ("0x6a994e", "0xa7c957", "0x386641"),
    "Los Angeles": ("0xffbe0b", "0xfb5607", "0x3a0ca3"),
}


class MediaMaker:
    """Writes the demo's files into `folder` (kept between runs, so a second run reuses them)."""

    def __init__(self, folder: Path, scale: Scale):
        self.folder = folder
        self.scale = scale
        folder.mkdir(parents=True, exist_ok=True)
        font = folder / "font.ttf"
        if not font.exists():
            shutil.copyfile(FONT_BOLD, font)

    def _run(self, name: str, args: list[str]) -> Path:
        path = self.folder / name
        if not path.exists():
            partial = path.with_name(f"partial-{name}")
            ffmpeg_run([*args, file_url(partial)], cwd=self.folder, timeout=600)
            partial.rename(path)
        return path

    def _picture(self, city: str, size: str, fps: int, caption: str, big: int) -> str:
        c0, c1, c2 = PALETTES[city]
        seconds = self.scale.seconds
        small = max(big // 4, 10)
        return (
            f"gradients=s={size}:r={fps}:d={seconds}:c0={c0}:c1={c1}:c2={c2}:n=3:speed=0.03,"
            f"drawtext=fontfile=font.ttf:text='{city}':fontsize={big}:fontcolor=white"
            f":x=(w-tw)/2:y=(h-th)/2:shadowx={max(big // 40, 1)}:shadowy={max(big // 40, 1)},"
            f"drawtext=fontfile=font.ttf:text='{caption}':fontsize={small}:fontcolor=white@0.85"
            f":x=(w-tw)/2:y=(h/2)+{big}"
        )

    def camera_walk(self, city: str) -> Path:
        """A 3840×2160 HEVC walk with sound, tagged as shot on the brief's camera."""
        scale = self.scale
        graph = self._picture(
            city, "3840x2160", scale.camera_fps, "a walk through the city · 4K", 260
        )
        return self._run(
            f"{slug(city)}-4k.mov",
            [*lavfi_input(graph),
             *lavfi_input(f"anoisesrc=color=brown:amplitude=0.04:duration={scale.seconds}"),
             *X265, "-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-c:a", "aac", "-shortest",
             "-metadata", f"make={CAMERA_MAKE}", "-metadata", f"model={CAMERA_MODEL}"],
        )  # fmt: skip

    def phone_clip(self, city: str, *, portrait: bool) -> Path:
        """A lo-fi phone clip at variable frame rate: portrait 480×854, or 640×480 (4:3)."""
        scale = self.scale
        size = "480x854" if portrait else "640x480"
        graph = (
            self._picture(city, size, scale.phone_fps, "on my phone", 64)
            + ",noise=alls=18:allf=t"
            # Drop and delay frames the way a phone does under load: variable frame rate.
            + ",select='not(eq(mod(n\\,7)\\,3))'"
            + f",setpts='PTS+if(eq(mod(N\\,3)\\,1)\\,0.4/{scale.phone_fps}/TB\\,0)'"
        )
        return self._run(
            f"{slug(city)}-{'portrait' if portrait else '4x3'}.mp4",
            [*lavfi_input(graph),
             *lavfi_input(f"anoisesrc=color=pink:amplitude=0.03:duration={scale.seconds}"),
             "-fps_mode", "vfr", "-video_track_timescale", "600", *X264,
             "-c:a", "aac", "-ac", "1", "-shortest"],
        )  # fmt: skip

    def song(self) -> Path:
        """The poem set to music: an arpeggio over A minor, F, C and G, with a soft pad."""
        return self._run(
            "in-a-city-song.m4a",
            [*lavfi_input(f"aevalsrc='{song_expression()}':s=44100:d={self.scale.song_seconds}"),
             "-af", "afade=t=in:d=0.3,volume=0.9", "-c:a", "aac", "-b:a", "128k", "-f", "mp4"],
        )  # fmt: skip


def slug(city: str) -> str:
    return city.lower().replace(" ", "-")


def _choose(index: str, values: list[float]) -> str:
    """An expression picking values[index] (index an expression from 0 to len - 1)."""
    expression = f"{values[-1]:.3f}"
    for n in range(len(values) - 2, -1, -1):
        expression = f"if(eq({index},{n}),{values[n]:.3f},{expression})"
    return expression


def song_expression() -> str:
    chords = [(0, 3, 7), (-4, 0, 3), (3, 7, 10), (-2, 2, 5)]  # semitones from A3
    arpeggio = [0, 1, 2, 1]
    melody = [
        220 * 2 ** ((chords[b // 8][arpeggio[b % 4]] + 12 * (b % 8 // 4)) / 12) for b in range(32)
    ]
    pad = [[110 * 2 ** (s / 12) for s in chord] for chord in chords]
    step = "mod(floor(t*4),32)"
    chord = "mod(floor(t/2),4)"
    note = f"0.22*sin(2*PI*{_choose(step, melody)}*t)*sin(PI*mod(t,0.25)/0.25)"
    swell = "sin(PI*mod(t,2)/2)"
    voices = "+".join(f"sin(2*PI*{_choose(chord, [p[v] for p in pad])}*t)" for v in range(3))
    return f"{note}+0.07*({voices})*{swell}"
