"""The one FFmpeg runner: argument checks, progress, time limits and how failures are told apart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ensemble.media.errors import failure_message, is_transient
from ensemble.media.ffmpeg import (
    FFmpegFailed,
    FFmpegInterrupted,
    FFmpegNoSpace,
    FFmpegTimedOut,
    UnsafeArguments,
    check_args,
    ffmpeg_run,
    file_url,
    has_filter,
    lavfi_input,
    media_input,
)
from ensemble.media.sniff import MediaRefused

pytestmark = pytest.mark.xdist_group("media")
MOV = "mov,mp4,m4a,3gp,3g2,mj2"


def test_media_input_forces_the_demuxer_and_whitelists(tmp_path):
    args = media_input(tmp_path / "a b.mp4", MOV)
    assert args[args.index("-f") + 1] == "mov"
    assert args[args.index("-protocol_whitelist") + 1] == "file"
    assert args[args.index("-format_whitelist") + 1] == MOV
    assert args[-1] == f"file:{tmp_path}/a b.mp4"


@pytest.mark.parametrize(
    "args",
    [
        ["-i", "file:/tmp/x.mp4", "out.mp4"],  # no forced demuxer
        ["-f", "hls", "-i", "file:/tmp/x.mp4", "out.mp4"],  # not on the allow-list
        ["-f", "concat", "-i", "file:/tmp/x.mp4", "out.mp4"],
        ["-f", "mov", "-i", "/tmp/x.mp4", "out.mp4"],  # not a file: URL
        ["-f", "mov", "-i", "http://127.0.0.1/x.mp4", "out.mp4"],
        ["-f", "lavfi", "-i", "movie=/etc/passwd", "out.mp4"],  # a source that opens files
        ["-f", "lavfi", "-i", "testsrc", "-vf", "null,movie=x.mp4[a];[a]null", "out.mp4"],
        ["-f", "lavfi", "-i", "testsrc", "-filter_complex", "amovie=/etc/passwd", "o.wav"],
        ["-protocol_whitelist", "file,http", "-f", "mov", "-i", "file:/tmp/x.mp4", "o.mp4"],
        ["-format_whitelist", "mov,hls", "-f", "mov", "-i", "file:/tmp/x.mp4", "o.mp4"],
    ],
)
def test_unsafe_inputs_are_refused_before_ffmpeg_starts(args):
    with pytest.raises(UnsafeArguments):
        check_args(args)


def test_whitelists_are_added_to_every_input():
    checked = check_args(["-f", "mov", "-i", "file:/tmp/a.mp4", "-f", "lavfi", "-i", "sine", "o"])
    first = checked[: checked.index("-i")]
    assert first[first.index("-protocol_whitelist") + 1] == "file"
    assert first[first.index("-format_whitelist") + 1] == MOV
    second = checked[checked.index("-i") + 2 : checked.index("-i", checked.index("-i") + 1)]
    assert "-protocol_whitelist" in second


def test_progress_is_reported_in_the_callers_thread_up_to_one(tmp_path):
    seen: list[float] = []
    result = ffmpeg_run(
        [*lavfi_input("testsrc2=size=160x90:rate=25:duration=2"), "-c:v", "libx264",
         "-preset", "ultrafast", file_url(tmp_path / "out.mp4")],
        cwd=tmp_path, progress=seen.append, duration=2.0,
    )  # fmt: skip
    assert seen and seen[-1] == 1.0
    assert seen == sorted(seen)
    assert all(0 <= fraction <= 1 for fraction in seen)
    assert result.max_rss_kb > 0 and result.elapsed > 0
    assert (tmp_path / "out.mp4").stat().st_size > 0


def test_corrupt_input_is_a_permanent_failure_with_ffmpegs_reason(tmp_path):
    bogus = tmp_path / "bogus.mp4"
    bogus.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(2000))
    with pytest.raises(FFmpegFailed) as caught:
        ffmpeg_run([*media_input(bogus, MOV), "-f", "null", "-"], cwd=tmp_path)
    assert not caught.value.transient and not is_transient(caught.value)
    assert caught.value.reason  # FFmpeg's own words
    assert str(tmp_path) not in caught.value.reason  # the private folder is not shown
    assert "damaged" in failure_message(caught.value)


def test_a_run_over_its_time_limit_is_stopped(tmp_path):
    started = time.monotonic()
    with pytest.raises(FFmpegTimedOut):
        ffmpeg_run([*lavfi_input("testsrc2=size=160x90"), "-f", "null", "-"], timeout=1)
    assert time.monotonic() - started < 10


def _children() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == os.getpid():
            pids.append(int(entry.name))
    return pids


def test_ffmpeg_killed_by_a_signal_is_transient(tmp_path):
    def kill_my_ffmpeg(fraction: float) -> None:
        for pid in _children():  # only this test's own FFmpeg, by its id
            os.kill(pid, signal.SIGKILL)

    with pytest.raises(FFmpegInterrupted) as caught:
        ffmpeg_run(
            ["-re", *lavfi_input("testsrc2=size=160x90:rate=25:duration=60"), "-f", "null", "-"],
            progress=kill_my_ffmpeg, duration=60, cwd=tmp_path, timeout=30,
        )  # fmt: skip
    assert is_transient(caught.value)
    assert "SIGKILL" in caught.value.reason


def test_a_full_disk_is_transient(tmp_path):
    with pytest.raises(FFmpegNoSpace) as caught:
        ffmpeg_run([*lavfi_input("sine=duration=1"), "-f", "s16le", "file:/dev/full"])
    assert is_transient(caught.value)
    assert is_transient(OSError(28, "No space left on device"))
    assert not is_transient(MediaRefused("bad"))


def test_ffmpeg_dies_with_the_worker_that_started_it(tmp_path):
    """A worker killed with SIGKILL takes its FFmpeg with it (no orphan keeps writing)."""
    script = (
        "import django, os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.test');"
        "django.setup();"
        "from ensemble.media.ffmpeg import ffmpeg_run, lavfi_input;"
        "ffmpeg_run([*lavfi_input('testsrc2=size=160x90:rate=25'), '-f', 'null', '-'], timeout=60)"
    )
    worker = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).parents[3])
    try:
        ffmpeg_pid = None
        deadline = time.monotonic() + 30
        while ffmpeg_pid is None and time.monotonic() < deadline:
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        stat = (entry / "stat").read_text()
                    except OSError:
                        continue
                    if int(stat.rpartition(")")[2].split()[1]) == worker.pid:
                        ffmpeg_pid = int(entry.name)
            time.sleep(0.05)
        assert ffmpeg_pid is not None, "the worker did not start FFmpeg"
        worker.kill()
        worker.wait(timeout=10)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{ffmpeg_pid}").exists() and time.monotonic() < deadline:
            state = Path(f"/proc/{ffmpeg_pid}/stat").read_text().rpartition(")")[2].split()[0]
            if state == "Z":  # dead, waiting for init to reap it
                break
            time.sleep(0.05)
        else:
            assert not Path(f"/proc/{ffmpeg_pid}").exists()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_the_build_has_the_filters_the_ladder_uses():
    for name in ("scale", "split", "fps", "setparams"):
        assert has_filter(name)
    assert not has_filter("no-such-filter")
