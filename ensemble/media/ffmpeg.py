"""Running FFmpeg: the one place in Ensemble that starts an FFmpeg process.

The binary is the one shipped by imageio-ffmpeg unless ENSEMBLE_FFMPEG_BINARY names another.
Every run gets -nostdin, a timeout, lowered priority and the tail of stderr kept for errors.
"""

import os
import subprocess
from pathlib import Path

from django.conf import settings


class FFmpegFailed(RuntimeError):
    """FFmpeg exited with an error; `reason` is the tail of what it printed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def ffmpeg_binary() -> str:
    configured = getattr(settings, "ENSEMBLE_FFMPEG_BINARY", "")
    if configured:
        return str(configured)
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _lower_priority() -> None:
    os.nice(10)


def ffmpeg_run(args: list[str], *, cwd: Path | None = None, timeout: float = 600) -> None:
    """Run `ffmpeg <args>`; raise FFmpegFailed with FFmpeg's own reason on failure."""
    command = [ffmpeg_binary(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args]
    try:
        completed = subprocess.run(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout,
            preexec_fn=_lower_priority,  # noqa: PLW1509 (no threads start FFmpeg here)
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise FFmpegFailed(f"FFmpeg took longer than {timeout:.0f} s and was stopped.") from exc
    if completed.returncode != 0:
        tail = completed.stderr.decode("utf-8", "replace").strip().splitlines()[-12:]
        raise FFmpegFailed("\n".join(tail) or f"FFmpeg exited with {completed.returncode}.")
