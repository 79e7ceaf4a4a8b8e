"""How a media job should treat a failure: retry it or not, and what to tell the artist.

- `is_transient(exc) -> bool`: True when trying again later may succeed (FFmpeg killed by a
  signal, disk full, out of memory, a process that could not start). Bad input (MediaRefused,
  a plain FFmpegFailed on corrupt data) and time-outs are permanent: fail once, no retry storm.
- `failure_message(exc) -> str`: a sentence an artist can read.
"""

from __future__ import annotations

import errno

from .ffmpeg import FFmpegFailed, FFmpegTimedOut
from .sniff import MediaRefused

_TRANSIENT_ERRNOS = {errno.ENOSPC, errno.ENOMEM, errno.EAGAIN, errno.EDQUOT, errno.EINTR}


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, MediaRefused):
        return False
    if isinstance(exc, FFmpegFailed):
        return exc.transient
    if isinstance(exc, OSError):
        return exc.errno in _TRANSIENT_ERRNOS
    return False


def failure_message(exc: BaseException) -> str:
    if isinstance(exc, MediaRefused):
        return str(exc)
    if isinstance(exc, FFmpegTimedOut):
        return "Processing took too long and was stopped."
    if isinstance(exc, FFmpegFailed):
        if exc.transient:
            return "Processing was interrupted; it will be tried again."
        last = exc.reason.strip().splitlines()[-1] if exc.reason.strip() else ""
        detail = f" (FFmpeg said: {last[:200]})" if last else ""
        return f"This file could not be converted: it seems damaged or unsupported{detail}."
    if isinstance(exc, OSError) and is_transient(exc):
        return "The server ran short of space or memory; processing will be tried again."
    return "Processing failed unexpectedly."
