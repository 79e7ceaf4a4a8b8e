"""`ensemble demo`: build the "In a City" demo community (what `make demo` runs before serving).

    ensemble demo            # full size: 4K walks of four seconds, 1080p renders
    ensemble demo --tiny     # second-long clips, for a quick look

Generated media is kept in var/demo-media, so a second run reuses it; every step looks for what
it would make first, so running the command again adds nothing.
"""

import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.urls import reverse

from ensemble.demo import story
from ensemble.demo.media import FULL, TINY, MediaMaker


class Command(BaseCommand):
    help = "Build the “In a City” demo community: members, records, a collaboration, cuts, renders."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tiny", action="store_true", help="second-long clips")
        parser.add_argument(
            "--media-folder",
            default=str(settings.VAR_DIR / "demo-media"),
            help="where the generated media is kept between runs",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale = TINY if options["tiny"] else FULL
        folder = Path(options["media_folder"]) / ("tiny" if options["tiny"] else "full")
        started = time.monotonic()

        def say(text: str) -> None:
            self.stdout.write(f"· {text}")
            self.stdout.flush()

        built = story.build(MediaMaker(folder, scale), say=say, stream=sys.stderr)
        if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
            # The services queued tasks this command has already done (each a no-op now):
            # run them here, so the server's worker starts quiet and this summary stays in view.
            say("Clearing the task queue")
            call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay")
        site = settings.ENSEMBLE_SITE_URL.rstrip("/")
        logins = [
            ("producer, leads the collaboration", story.PRODUCER.username),
            ("writer of the poem", story.WRITER.username),
            ("musician who set it to music", story.MUSICIAN.username),
            ("cinematographer in Prague", story.CINEMATOGRAPHERS["Prague"].username),
            ("phone footage from Sheffield", "sam"),
        ]
        width = max(len(username) for _, username in logins)
        film = reverse("productions:detail", kwargs={"pk": built.production.pk})
        lines = [
            "",
            f"The “In a City” demo is ready ({time.monotonic() - started:.0f} s).",
            f"  The film:          {site}{film}",
            f"  The collaboration: {site}{built.collaboration.get_absolute_url()}",
            f"  The poem:          {site}{built.poem.get_absolute_url()}",
            f"Sign in at {site}/accounts/login/ as any of (password “{story.PASSWORD}”):",
            *(f"  {username:<{width}}  {what}" for what, username in logins),
            "",
        ]
        self.stdout.write("\n".join(lines))
