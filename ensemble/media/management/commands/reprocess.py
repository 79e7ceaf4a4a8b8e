"""Run the media pipeline again: for one version, one record, or every media version."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from ensemble.core.progress import ProgressBar
from ensemble.media.jobs import media_job_enqueue, media_job_run
from ensemble.records.models import Kind, RecordVersion


class Command(BaseCommand):
    help = "Process media versions again (after ladder settings change, for example)."

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--version-id", type=int, dest="version_id", help="one version")
        target.add_argument(
            "--record", type=int, dest="record_id", help="every version of a record"
        )
        target.add_argument(
            "--all", action="store_true", help="every audio, video and image version"
        )
        parser.add_argument(
            "--inline", action="store_true", help="process here and now instead of queueing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        versions = RecordVersion.objects.exclude(record__kind=Kind.TEXT).exclude(original="")
        if options["version_id"]:
            versions = versions.filter(pk=options["version_id"])
        elif options["record_id"]:
            versions = versions.filter(record_id=options["record_id"])
        ids = list(versions.order_by("pk").values_list("pk", flat=True))
        if not ids:
            raise CommandError("No media version matches.")
        verb = "Processing" if options["inline"] else "Queueing"
        failed = 0
        with ProgressBar(len(ids), verb, stream=self.stderr) as bar:
            for version in RecordVersion.objects.filter(pk__in=ids).order_by("pk").iterator():
                with transaction.atomic():
                    job = media_job_enqueue(version=version)
                if options["inline"]:
                    done = media_job_run(job_id=job.pk)
                    failed += int(done is not None and done.state == done.State.FAILED)
                bar.advance()
        done_verb = "Processed" if options["inline"] else "Queued"
        self.stdout.write(
            f"{done_verb} {len(ids)} version(s)" + (f", {failed} failed." if failed else ".")
        )
