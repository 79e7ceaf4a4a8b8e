"""Background work on records: thin, safe to run twice."""

from django_tasks import task

from .models import RecordVersion
from .services import version_probe_store


@task(queue_name="media")
def version_probe(*, version_id: int) -> None:
    version = RecordVersion.objects.filter(pk=version_id).first()
    if version is not None:  # gone since it was enqueued: nothing to do
        version_probe_store(version=version)
