"""Running FFmpeg: the one place in Ensemble that starts an FFmpeg process.

The binary is the one shipped by imageio-ffmpeg unless the setting ENSEMBLE_FFMPEG_BINARY names
another (a system or hardware build).

Every run, whoever builds the arguments:

- gets `-nostdin -hide_banner -nostats -y`, and `-progress pipe:1` read by this module;
- has every input checked before FFmpeg starts (`check_args`): each `-i` must be preceded by a
  forced demuxer (`-f`) from the allow-list (`sniff.ALLOWED_CONTAINERS`, and the single-picture
  demuxers of `IMAGE_DEMUXERS` for stills) and name a local file as
  `file:/absolute/path`; `-protocol_whitelist file` and `-format_whitelist` are added to every
  input that lacks them. The only other accepted input is an explicit `-f lavfi` source graph,
  which tests and benchmarks use to generate media (`lavfi_input`). Filter graphs may not use the
  `movie`/`amovie` sources (they open files themselves); a graph read from a file (FFmpeg's
  `-/filter_complex graph.txt`, for graphs too long for one argument) is read and checked the
  same way, and must be a plain local path (relative ones are taken from `cwd`);
- runs in a working folder (the job's own folder; a temporary one when none is given), at lowered
  priority (`nice`), killed if the parent process dies (Linux `PR_SET_PDEATHSIG`), and stopped
  after `timeout` seconds, or as soon as `cancel()` returns True (checked several times a second);
- reports progress: `progress(fraction)` is called (in the caller's thread) with the fraction
  done, from `out_time_us` over the known `duration`;
- keeps the last lines of stderr for the error message.

Entry points:

- `media_input(path, container, *, options=()) -> list[str]`: the input arguments for a probed
  file (`container` is `probe(...)["container"]`, FFmpeg's long demuxer name, or a still
  image's format: "png", "jpeg", "webp", read by FFmpeg's single-picture demuxers).
- `lavfi_input(graph) -> list[str]`: a generated source (tests, benchmarks).
- `ffmpeg_run(args, *, cwd=None, timeout=600, progress=None, duration=None, cancel=None)
  -> FFmpegResult`.
- `has_filter(name) -> bool`: whether the configured build has a filter (zscale, for example).
- `job_folder(prefix="job-") -> ContextManager[Path]`: a private working folder, removed after.
- `observe_runs() -> ContextManager[list[FFmpegResult]]`: what each run in a block cost.

Failures raise `FFmpegFailed` (`.reason` is FFmpeg's own words, `.transient` says whether a
retry may help): `FFmpegInterrupted` (killed by a signal: transient), `FFmpegNoSpace` (disk full
or out of memory: transient), `FFmpegTimedOut` (not transient: the same input would time out
again), `FFmpegCancelled` (the caller's `cancel()` said stop: FFmpeg was killed; not transient).
Anything else FFmpeg refuses (corrupt input) is a plain, permanent `FFmpegFailed`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings

from .sniff import ALLOWED_CONTAINERS

Progress = Callable[[float], None]

# The name to force with `-f` for each allowed container (FFmpeg accepts any one of the
# comma-separated names of a demuxer; the first is its canonical short name).
DEMUXERS: dict[str, str] = {container: container.split(",")[0] for container in ALLOWED_CONTAINERS}
# Still images, by the format Pillow's probe reports: FFmpeg's single-image demuxers (they read
# one picture from the one file named, never a numbered sequence or a glob, unlike `image2`).
IMAGE_DEMUXERS: dict[str, str] = {"png": "png_pipe", "jpeg": "jpeg_pipe", "webp": "webp_pipe"}
_DEMUXER_NAMES = {name for container in ALLOWED_CONTAINERS for name in container.split(",")}
_DEMUXER_NAMES |= set(IMAGE_DEMUXERS.values())
_MOVIE_SOURCE = re.compile(r"(?:^|[;,\]\s])a?movie(?:[=@,;\[\s]|$)")
_FILTER_OPTIONS = {"-vf", "-af", "-filter_complex", "-lavfi", "-filter:v", "-filter:a"}
# The same options with the graph read from a file: FFmpeg's `-/option file` form, and the
# `-filter_complex_script`/`-filter_script` spellings of older builds.
_FILTER_FILE_OPTIONS = {"-/" + option[1:] for option in _FILTER_OPTIONS} | {
    "-filter_complex_script", "-filter_script", "-filter_script:v", "-filter_script:a",
}  # fmt: skip
_CANCEL_POLL = 0.2  # seconds between calls to cancel()
_STDERR_LINES = 20
_NO_SPACE = ("no space left on device", "cannot allocate memory", "disk quota exceeded")
_SIGNALLED = ("received signal", "exiting normally, received signal")


class FFmpegFailed(RuntimeError):
    """FFmpeg exited with an error; `reason` is the tail of what it printed."""

    transient = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FFmpegInterrupted(FFmpegFailed):
    """FFmpeg was killed by a signal (a worker shut down, the OOM killer): try again later."""

    transient = True


class FFmpegNoSpace(FFmpegFailed):
    """The disk (or memory) ran out while FFmpeg was writing: try again later."""

    transient = True


class FFmpegTimedOut(FFmpegFailed):
    """FFmpeg ran longer than its time limit and was stopped."""


class FFmpegCancelled(FFmpegFailed):
    """The caller asked to stop (its `cancel()` returned True): FFmpeg was killed."""


class UnsafeArguments(ValueError):
    """A programming error: the arguments would let FFmpeg read something it must not."""


@dataclass(frozen=True)
class FFmpegResult:
    """What a successful run cost: wall time, the peak memory of FFmpeg, its last words."""

    elapsed: float
    max_rss_kb: int
    stderr_tail: str


def ffmpeg_binary() -> str:
    configured = getattr(settings, "ENSEMBLE_FFMPEG_BINARY", "")
    if configured:
        return str(configured)
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def demuxer_for(container: str) -> str:
    """The `-f` name for a probed container; UnsafeArguments if it is not on the allow-list."""
    found = DEMUXERS.get(container) or IMAGE_DEMUXERS.get(container)
    if found is None:
        raise UnsafeArguments(f"container {container!r} is not on the allow-list")
    return found


def media_input(path: Path, container: str, *, options: Sequence[str] = ()) -> list[str]:
    """Input arguments for a local file of a probed, allowed container format (a still image's
    format, "png", "jpeg" or "webp", opens it as one picture)."""
    forced = demuxer_for(container)
    return [
        "-protocol_whitelist", "file",
        "-format_whitelist", container if container in DEMUXERS else forced,
        *options,
        "-f", forced,
        "-i", file_url(path),
    ]  # fmt: skip


def lavfi_input(graph: str) -> list[str]:
    """A generated source (test pattern, tone): the one input that is not a probed file."""
    return ["-f", "lavfi", "-i", graph]


def file_url(path: Path) -> str:
    """`file:` + the absolute path: never read as another protocol or as an option."""
    return "file:" + str(Path(path).resolve())


def check_args(args: Sequence[str], *, cwd: Path | None = None) -> list[str]:
    """The arguments with whitelists added to every input; UnsafeArguments if one is unsafe.
    `cwd` is the folder FFmpeg will run in (where relative graph files are found)."""
    checked: list[str] = []
    pending: list[str] = []  # options since the previous input or output
    args = list(args)
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in _FILTER_OPTIONS and index + 1 < len(args):
            _check_graph(args[index + 1])
        if arg in _FILTER_FILE_OPTIONS:
            if index + 1 >= len(args):
                raise UnsafeArguments(f"{arg} without a file")
            _check_graph(_read_graph_file(args[index + 1], cwd))
        if arg != "-i":
            pending.append(arg)
            index += 1
            continue
        if index + 1 >= len(args):
            raise UnsafeArguments("-i without an input")
        target = args[index + 1]
        forced = _option_value(pending, "-f")
        if forced == "lavfi":
            _check_graph(target)
        elif forced is None or forced not in _DEMUXER_NAMES:
            raise UnsafeArguments(f"input {target!r} has no allowed forced demuxer (-f)")
        elif not target.startswith("file:/"):
            raise UnsafeArguments(f"input {target!r} is not a file: URL with an absolute path")
        if _option_value(pending, "-protocol_whitelist") not in (None, "file"):
            raise UnsafeArguments("inputs may use the file protocol only")
        if _option_value(pending, "-protocol_whitelist") is None:
            pending = ["-protocol_whitelist", "file", *pending]
        formats = _option_value(pending, "-format_whitelist")
        if formats is not None and not set(formats.split(",")) <= _DEMUXER_NAMES:
            raise UnsafeArguments(f"format whitelist {formats!r} goes beyond the allow-list")
        if forced != "lavfi" and formats is None:
            whitelist = next((c for c in ALLOWED_CONTAINERS if forced in c.split(",")), forced)
            pending = ["-format_whitelist", whitelist, *pending]
        checked += [*pending, "-i", target]
        pending = []
        index += 2
    return checked + pending


def _option_value(options: list[str], name: str) -> str | None:
    value = None
    for position, token in enumerate(options[:-1]):
        if token == name:
            value = options[position + 1]
    return value


def _read_graph_file(name: str, cwd: Path | None) -> str:
    """The text of a graph file: a plain local path (FFmpeg opens it with its own I/O, so a
    name with a colon could be read as another protocol), relative ones inside `cwd`."""
    if not name or ":" in name or name.startswith("-"):
        raise UnsafeArguments(f"graph file {name!r} is not a plain local path")
    path = Path(name)
    if not path.is_absolute():
        if cwd is None:
            raise UnsafeArguments(f"graph file {name!r} is relative, but no working folder")
        path = Path(cwd) / path
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UnsafeArguments(f"graph file {name!r} cannot be read: {exc}") from None


def _check_graph(graph: str) -> None:
    if _MOVIE_SOURCE.search(graph):
        raise UnsafeArguments("filter graphs may not open files (movie/amovie)")


# Running ----------------------------------------------------------------------------------


def _load_prctl() -> Callable[[int, int], int] | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl: Callable[[int, int], int] = libc.prctl
        return prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _child_setup(niceness: int) -> Callable[[], None]:
    def setup() -> None:
        os.nice(niceness)
        if _PRCTL is not None:  # FFmpeg dies with the worker that started it
            _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)

    return setup


def ffmpeg_run(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    timeout: float = 600,
    progress: Progress | None = None,
    duration: float | None = None,
    loglevel: str = "error",
    cancel: Callable[[], bool] | None = None,
) -> FFmpegResult:
    """Run `ffmpeg <args>` safely; raise FFmpegFailed (or a subclass) with FFmpeg's reason.
    `cancel`, when given, is called (in the caller's thread) several times a second; once it
    returns True FFmpeg is killed and FFmpegCancelled raised, whatever FFmpeg wrote is left to
    the caller's working folder."""
    checked = check_args(args, cwd=cwd)
    if cwd is None:
        with job_folder(prefix="ffmpeg-") as folder:
            return _run(checked, folder, timeout, progress, duration, loglevel, cancel)
    return _run(checked, Path(cwd), timeout, progress, duration, loglevel, cancel)


def _run(
    args: list[str],
    cwd: Path,
    timeout: float,
    progress: Progress | None,
    duration: float | None,
    loglevel: str,
    cancel: Callable[[], bool] | None = None,
) -> FFmpegResult:
    command = [
        ffmpeg_binary(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", loglevel,
        "-y", "-progress", "pipe:1", *args,
    ]  # fmt: skip
    niceness = int(getattr(settings, "ENSEMBLE_FFMPEG_NICENESS", 10))
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=_child_setup(niceness),  # only nice and prctl run in the child
            close_fds=True,
        )
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.ENOMEM):
            raise FFmpegInterrupted(f"FFmpeg could not start: {exc.strerror}.") from exc
        raise
    assert process.stdout is not None and process.stderr is not None
    tail: deque[str] = deque(maxlen=_STDERR_LINES)
    reader = threading.Thread(target=_drain, args=(process.stderr, tail), daemon=True)
    reader.start()
    deadline = started + timeout
    outcome, reported = _follow_progress(process, deadline, progress, duration, cancel)
    timed_out = outcome == "timed out"
    if outcome != "finished":
        process.kill()
    status, max_rss_kb = _reap(process, deadline + 10)
    reader.join(timeout=5)
    elapsed = time.monotonic() - started
    reason = _clean("\n".join(tail), cwd)
    if timed_out:
        raise FFmpegTimedOut(f"FFmpeg took longer than {timeout:.0f} s and was stopped.")
    if outcome == "cancelled":
        raise FFmpegCancelled("The run was cancelled.")
    if status != 0:
        _raise_failure(status, reason)
    if progress is not None and reported < 1.0:
        progress(1.0)
    result = FFmpegResult(elapsed=elapsed, max_rss_kb=max_rss_kb, stderr_tail=reason)
    for observer in list(_OBSERVERS):
        observer.append(result)
    return result


_OBSERVERS: list[list[FFmpegResult]] = []


@contextlib.contextmanager
def observe_runs() -> Iterator[list[FFmpegResult]]:
    """Collect the FFmpegResult of every successful run inside the block (benchmarks, tests)."""
    results: list[FFmpegResult] = []
    _OBSERVERS.append(results)
    try:
        yield results
    finally:
        _OBSERVERS.remove(results)


def _drain(stream: IO[bytes], tail: deque[str]) -> None:
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace").rstrip()
        if line:
            tail.append(line)
    stream.close()


def _follow_progress(
    process: subprocess.Popen[bytes],
    deadline: float,
    progress: Progress | None,
    duration: float | None,
    cancel: Callable[[], bool] | None = None,
) -> tuple[str, float]:
    """Read `-progress` lines until FFmpeg closes stdout: ("finished", "timed out" when the
    deadline passed or "cancelled" when `cancel()` said so; the last fraction reported)."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    buffer = b""
    last = -1.0
    poll = _CANCEL_POLL if cancel is not None else 1.0
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            if cancel is not None and cancel():
                return "cancelled", last
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timed out", last
            if not selector.select(timeout=min(remaining, poll)):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                process.stdout.close()
                return "finished", last
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            if progress is None or not duration or duration <= 0:
                continue
            for line in lines:
                key, _, value = line.decode("ascii", "replace").partition("=")
                if key.strip() != "out_time_us":
                    continue
                try:
                    done = min(max(int(value) / 1e6 / duration, 0.0), 1.0)
                except ValueError:  # "N/A" before the first frame
                    continue
                if done - last >= 0.005:
                    last = done
                    progress(done)


def _reap(process: subprocess.Popen[bytes], deadline: float) -> tuple[int, int]:
    """Wait for FFmpeg with wait4 (its own peak memory); (exit code, max RSS in KiB)."""
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            code = os.waitstatus_to_exitcode(status)
            process.returncode = code
            return code, int(usage.ru_maxrss)
        if time.monotonic() > deadline:
            process.kill()
            deadline = time.monotonic() + 10
        time.sleep(0.02)


def _raise_failure(status: int, reason: str) -> None:
    lowered = reason.lower()
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = str(-status)
        raise FFmpegInterrupted(f"FFmpeg was stopped by signal {name}.\n{reason}".strip())
    if any(marker in lowered for marker in _NO_SPACE):
        raise FFmpegNoSpace(reason)
    if any(marker in lowered for marker in _SIGNALLED):
        raise FFmpegInterrupted(reason)
    raise FFmpegFailed(reason or f"FFmpeg exited with {status}.")


def _clean(text: str, cwd: Path) -> str:
    """FFmpeg's words without the private working folder's path."""
    return text.replace(f"file:{cwd.resolve()}/", "").replace(f"{cwd.resolve()}/", "").strip()


@functools.cache
def _filters(binary: str) -> frozenset[str]:
    completed = subprocess.run(
        [binary, "-nostdin", "-hide_banner", "-filters"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
        check=False,
    )
    names = set()
    for line in completed.stdout.decode("utf-8", "replace").splitlines():
        parts = line.split()
        if len(parts) >= 3 and "->" in parts[2]:
            names.add(parts[1])
    return frozenset(names)


def has_filter(name: str) -> bool:
    """Whether the configured FFmpeg build has this filter (zscale, tonemap, ...)."""
    return name in _filters(ffmpeg_binary())


# Working folders ----------------------------------------------------------------------------


def work_root() -> Path | None:
    configured = getattr(settings, "ENSEMBLE_MEDIA_WORK_DIR", "")
    if not configured:
        return None
    root = Path(configured)
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextlib.contextmanager
def job_folder(prefix: str = "job-") -> Iterator[Path]:
    """A private working folder (under ENSEMBLE_MEDIA_WORK_DIR or the system's), removed after."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=work_root()))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def timeout_for(duration: float | None) -> float:
    """A time limit for one FFmpeg run over `duration` seconds of media."""
    floor = float(getattr(settings, "ENSEMBLE_FFMPEG_TIMEOUT", 600))
    per_second = float(getattr(settings, "ENSEMBLE_FFMPEG_TIMEOUT_PER_SECOND", 30))
    return floor + per_second * (duration or 0)
