"""A progress bar for long commands: one line, redrawn in place on a terminal."""

import sys
import time
from types import TracebackType
from typing import Any


class ProgressBar:
    """`with ProgressBar(total, "Seeding") as bar: bar.advance(n)` — prints count, %, rate, ETA."""

    def __init__(self, total: int, label: str, *, stream: Any = None, width: int = 30):
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.done = 0
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __enter__(self) -> "ProgressBar":
        self._draw(force=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._draw(force=True)
        self.stream.write("\n")
        self.stream.flush()

    def advance(self, step: int = 1) -> None:
        self.done = min(self.done + step, self.total) if self.total else self.done + step
        self._draw()

    def _draw(self, *, force: bool = False) -> None:
        now = time.monotonic()
        # On a terminal redraw up to 10 times a second; in logs, a line every 5 seconds.
        interval = 0.1 if self._tty else 5.0
        if not force and now - self._last_draw < interval:
            return
        self._last_draw = now
        fraction = self.done / self.total if self.total else 1.0
        filled = round(self.width * fraction)
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        line = (
            f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{self.done:,}/{self.total:,} {fraction:4.0%}  {rate:,.0f}/s  ETA {eta:,.0f}s"
        )
        self.stream.write(("\r" + line) if self._tty else (line + "\n"))
        self.stream.flush()
