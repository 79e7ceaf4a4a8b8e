"""The probe task runs in a real django-tasks-db worker after the upload commits."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from ensemble.records.services import record_create_upload

pytestmark = pytest.mark.django_db


def test_an_upload_enqueues_a_probe_that_the_database_worker_runs(
    member, upload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = record_create_upload(author=member, upload=upload("clip"))
    queued = DBTaskResult.objects.get()
    assert queued.queue_name == "media"
    assert queued.task_path == "ensemble.records.tasks.version_probe"

    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", verbosity=0)

    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    version = record.current_version
    assert version is not None
    version.refresh_from_db()
    assert version.probe["container"] == "mov,mp4,m4a,3gp,3g2,mj2"
    assert version.probe["video"][0]["codec"] == "h264"
    assert version.probe["audio"][0]["channels"] == 1


def test_the_probe_task_is_safe_to_run_twice_and_after_the_row_is_gone(member, upload):
    from ensemble.records.tasks import version_probe

    record = record_create_upload(author=member, upload=upload("clip"))
    version = record.current_version
    assert version is not None
    version_probe.call(version_id=version.pk)
    version_probe.call(version_id=version.pk)
    version.refresh_from_db()
    assert version.probe["width"] == 160
    version_probe.call(version_id=10**9)  # nothing to do, no error
