"""`ensemble seed-community`: a synthetic community to measure lineage at scale.

    ensemble seed-community                      # 80,000 members, 400,000 records
    ensemble seed-community --members 2000 --records 10000
    ensemble seed-community --database-url postgres://postgres@127.0.0.1/ensemble_bench

Writes into the configured database (DATABASE_URL), or into --database-url after migrating it:
that runs `migrate` and this command again in child processes with DATABASE_URL set to it, so
that everything, migrations included, sees that database as the default.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ensemble.core.errors import EnsembleError
from ensemble.core.progress import ProgressBar
from ensemble.lineage.seeding import seed_community


class Command(BaseCommand):
    help = "Generate a synthetic community (members, records, lineage) for benchmarks and demos."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, default=80_000)
        parser.add_argument("--records", type=int, default=400_000)
        parser.add_argument("--sources-per-remix", type=float, default=1.5)
        parser.add_argument("--max-depth", type=int, default=60, help="longest chain")
        parser.add_argument("--hubs", type=int, default=4, help="records remixed very often")
        parser.add_argument(
            "--hub-remixes", type=int, default=None, help="remixes per hub (1,200 at full size)"
        )
        parser.add_argument("--prefix", default="seed", help="usernames start with this")
        parser.add_argument("--batch-size", type=int, default=10_000)
        parser.add_argument("--random-seed", type=int, default=2026)
        parser.add_argument(
            "--database-url", default="", help="seed this database instead of the configured one"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["database_url"]:
            self._run_elsewhere(options)
            return
        total = options["members"] + options["records"]
        try:
            with ProgressBar(total, "Seeding", stream=sys.stderr) as bar:
                report = seed_community(
                    members=options["members"],
                    records=options["records"],
                    sources_per_remix=options["sources_per_remix"],
                    max_depth=options["max_depth"],
                    hubs=options["hubs"],
                    hub_remixes=options["hub_remixes"],
                    prefix=options["prefix"],
                    batch_size=options["batch_size"],
                    random_seed=options["random_seed"],
                    progress=bar.advance,
                )
        except EnsembleError as exc:
            raise CommandError(exc.message) from exc
        for line in report.lines():
            self.stdout.write(line)

    def _run_elsewhere(self, options: dict[str, Any]) -> None:
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        env = {**os.environ, "DATABASE_URL": options["database_url"]}
        names = ("members", "records", "sources_per_remix", "max_depth", "hubs", "hub_remixes",
                 "prefix", "batch_size", "random_seed")  # fmt: skip
        again = [
            f"--{name.replace('_', '-')}={options[name]}"
            for name in names
            if options[name] is not None
        ]
        for command in (["migrate", "--no-input", "-v0"], ["seed_community", *again]):
            if subprocess.call([*manage, *command], env=env) != 0:
                raise CommandError(f"{command[0]} failed on {options['database_url']}.")
