"""Requeue media jobs and renders whose runner is gone: one sweeper for both job tables.

`--every N` keeps sweeping every N seconds (`ensemble serve` runs `sweep --every 60`).
See `media_jobs_sweep` (ensemble/media/jobs.py) and `renders_sweep` (ensemble/productions/jobs.py).
"""

import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from ensemble.media.jobs import media_jobs_sweep
from ensemble.productions.jobs import renders_sweep

SWEEPS = (("media job(s)", media_jobs_sweep), ("render(s)", renders_sweep))


class Command(BaseCommand):
    help = (
        "Requeue media jobs and renders whose worker died (no heartbeat for a while; for media "
        "jobs also a dead process on this host). Runs once, or every N seconds with --every."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="sweep again every N seconds")
        parser.add_argument(
            "--stale",
            type=float,
            default=None,
            help="seconds without a heartbeat before a job counts as dead (default: "
            "ENSEMBLE_MEDIA_STALE_SECONDS and ENSEMBLE_RENDER_STALE_SECONDS)",
        )

    def handle(self, *args: Any, every: float, stale: float | None, **options: Any) -> None:
        stale_after = timedelta(seconds=stale) if stale is not None else None
        if not every:
            counts = {label: sweep(stale_after=stale_after) for label, sweep in SWEEPS}
            self._report(counts)
            return
        while True:
            # A sweeper lives for days: drop a connection past CONN_MAX_AGE or broken by a
            # database restart, and let one round's failure wait for the next round.
            close_old_connections()
            counts = {}
            for label, sweep in SWEEPS:
                try:
                    counts[label] = sweep(stale_after=stale_after)
                except Exception as exc:  # reported; the next round tries again
                    self.stderr.write(f"Sweeping {label} failed: {exc!r}")
            if any(counts.values()):
                self._report(counts)
            try:
                time.sleep(every)
            except KeyboardInterrupt:
                return

    def _report(self, counts: dict[str, int]) -> None:
        self.stdout.write(
            "Requeued " + " and ".join(f"{n} {label}" for label, n in counts.items()) + "."
        )
