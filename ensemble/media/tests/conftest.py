"""Tiny real media for the media engine's tests, made once per test run with FFmpeg and Pillow.

Everything is generated through `ensemble.media.ffmpeg` (lavfi sources, then remuxes of probed
files), never by spawning FFmpeg directly. Clips are short and small; the one 4K clip is half a
second of 10-bit HEVC made with x265's ultrafast preset.
"""

from __future__ import annotations

import http.server
import io
import shutil
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from ensemble.media.ffmpeg import ffmpeg_run, file_url, job_folder, lavfi_input, media_input
from ensemble.media.ingest import IngestResult, ingest

MOV = "mov,mp4,m4a,3gp,3g2,mj2"
PARIS = "+48.8577+002.2950/"
X264_FAST = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


def _make(args: list[str]) -> None:
    ffmpeg_run(args, timeout=120)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("engine-media")


@pytest.fixture(scope="session")
def landscape(media_dir: Path) -> Path:
    """640x360, 30 fps, 2.5 s: 0.8 s of black then a test pattern; AAC; a camera's tags with
    a location (global, Apple key and video stream) and a timecode data stream."""
    path = media_dir / "landscape.mov"
    graph = (
        "color=black:s=640x360:r=30:d=0.8[b];testsrc2=s=640x360:r=30:d=1.7[t];"
        "[b][t]concat=n=2:v=1:a=0"
    )
    _make(
        [*lavfi_input(graph), *lavfi_input("sine=frequency=330:duration=2.5:sample_rate=48000"),
         *X264_FAST, "-c:a", "aac", "-b:a", "64k", "-shortest",
         "-metadata", f"location={PARIS}", "-metadata", f"location-eng={PARIS}",
         "-metadata", f"com.apple.quicktime.location.ISO6709={PARIS}",
         "-metadata", "com.apple.quicktime.make=Apple",
         "-metadata", "com.apple.quicktime.model=iPhone 15 Pro",
         "-metadata", "com.apple.quicktime.creationdate=2024-05-01T10:00:00+0200",
         "-metadata", "creation_time=2024-05-01T08:00:00Z",
         "-metadata", "serial_number=SN-123456789", "-metadata:s:v:0", f"location={PARIS}",
         "-timecode", "01:00:00:00", "-movflags", "use_metadata_tags", "-f", "mov",
         file_url(path)]
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def hevc_4k_rotated(media_dir: Path) -> Path:
    """3840x2160 10-bit HEVC (HLG, BT.2020) with a 90° display matrix, 0.5 s, with sound."""
    plain = media_dir / "hevc-plain.mp4"
    _make(
        [*lavfi_input("testsrc2=size=3840x2160:rate=12:duration=0.5"),
         *lavfi_input("sine=duration=0.5"),
         "-vf", "setparams=color_primaries=bt2020:color_trc=arib-std-b67:colorspace=bt2020nc",
         "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
         "-x265-params", "log-level=error", "-tag:v", "hvc1", "-c:a", "aac", "-shortest",
         file_url(plain)]
    )  # fmt: skip
    path = media_dir / "hevc-4k-rotated.mov"
    _make(
        [*media_input(plain, MOV, options=["-display_rotation:v:0", "90"]), "-c", "copy",
         "-metadata", "make=Apple", "-metadata", "model=iPhone 15 Pro", file_url(path)]
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def hdr_pq(media_dir: Path) -> Path:
    path = media_dir / "hdr-pq.mp4"
    _make(
        [*lavfi_input("testsrc2=size=320x180:rate=24:duration=0.5"),
         "-vf", "setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc",
         "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
         "-x265-params", "log-level=error", "-tag:v", "hvc1", file_url(path)]
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def vfr_phone(media_dir: Path) -> Path:
    """A phone-like variable-frame-rate clip: jittered timestamps, gaps, a 600 time scale."""
    path = media_dir / "vfr.mp4"
    _make(
        [*lavfi_input("testsrc2=size=320x180:rate=30:duration=2"),
         *lavfi_input("sine=duration=2"),
         "-vf", "select='not(eq(mod(n,7),3))',setpts='PTS+if(eq(mod(N,3),1),0.45/30/TB,0)'",
         "-fps_mode", "vfr", "-video_track_timescale", "600", *X264_FAST,
         "-c:a", "aac", "-shortest", file_url(path)]
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def odd_anamorphic(media_dir: Path) -> Path:
    """161x91 with 4:3 pixels, 120 fps, no sound."""
    path = media_dir / "odd.mkv"
    _make(
        [*lavfi_input("testsrc2=size=160x90:rate=120:duration=0.5"),
         "-vf", "scale=161:91,setsar=4/3",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", file_url(path)]
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def web_ready(media_dir: Path) -> Path:
    """Already web-compatible: H.264 Main yuv420p 640x360 at a low bitrate, AAC stereo."""
    path = media_dir / "web-ready.mp4"
    _make(
        [*lavfi_input("testsrc2=size=640x360:rate=25:duration=1"),
         *lavfi_input("sine=duration=1:sample_rate=44100"),
         "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-pix_fmt", "yuv420p",
         "-b:v", "300k", "-c:a", "aac", "-ac", "2", "-b:a", "96k", "-shortest",
         "-movflags", "+faststart", file_url(path)]
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def small_clip(media_dir: Path) -> Path:
    path = media_dir / "small.mp4"
    _make(
        [*lavfi_input("testsrc2=size=320x180:rate=15:duration=1"), *lavfi_input("sine=duration=1"),
         *X264_FAST, "-c:a", "aac", "-shortest", "-movflags", "+faststart", file_url(path)]
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def tone_wav(media_dir: Path) -> Path:
    path = media_dir / "tone.wav"
    _make([*lavfi_input("sine=frequency=440:duration=1.5:sample_rate=22050"), file_url(path)])
    return path


@pytest.fixture(scope="session")
def tone_m4a(media_dir: Path) -> Path:
    path = media_dir / "tone.m4a"
    _make(
        [*lavfi_input("sine=frequency=440:duration=1"), "-c:a", "aac", "-b:a", "96k",
         "-metadata", f"location={PARIS}", "-f", "mp4", file_url(path)]
    )  # fmt: skip
    return path


# Ingests shared by several tests (each made once) ---------------------------------------------


@pytest.fixture(scope="session")
def landscape_ingest(landscape: Path) -> Iterator[IngestResult]:
    with job_folder() as folder:
        yield ingest(landscape, folder, kind="video")


@pytest.fixture(scope="session")
def hevc_ingest(hevc_4k_rotated: Path) -> Iterator[IngestResult]:
    with job_folder() as folder:
        yield ingest(hevc_4k_rotated, folder, kind="video")


# Images -----------------------------------------------------------------------------------------


def gps_jpeg_bytes(size: tuple[int, int] = (400, 200), orientation: int = 6) -> bytes:
    """A JPEG whose left half is red and right half blue, with EXIF orientation, camera, serial
    number and a GPS position (Paris), plus an XMP packet naming the place."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS R5"
    exif[0x0132] = "2024:05:01 10:00:00"
    exif.get_ifd(0x8769)[0xA431] = "SERIAL-0042"  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 27.72)
    gps[3], gps[4] = "E", (2.0, 17.0, 42.0)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><City>Paris-Secret-Place</City></x:xmpmeta>'
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), xmp=xmp, quality=90)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


# A local web server that records every request ------------------------------------------------


class RecordingServer:
    def __init__(self) -> None:
        self.requests: list[str] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.requests.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def web_server() -> Iterator[RecordingServer]:
    server = RecordingServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


def copy_as(source: Path, folder: Path, name: str) -> Path:
    target = folder / name
    shutil.copyfile(source, target)
    return target
