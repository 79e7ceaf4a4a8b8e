"""Requeue media jobs whose runner is gone. `--every N` keeps sweeping (ensemble serve runs it)."""

import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ensemble.media.jobs import media_jobs_sweep


class Command(BaseCommand):
    help = "Requeue media jobs whose worker died (no heartbeat, or a dead process on this host)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="sweep again every N seconds")
        parser.add_argument("--stale", type=float, default=None, help="seconds without heartbeat")

    def handle(self, *args: Any, every: float, stale: float | None, **options: Any) -> None:
        stale_after = timedelta(seconds=stale) if stale is not None else None
        while True:
            requeued = media_jobs_sweep(stale_after=stale_after)
            if requeued or not every:
                self.stdout.write(f"Requeued {requeued} media job(s).")
            if not every:
                return
            try:
                time.sleep(every)
            except KeyboardInterrupt:
                return
