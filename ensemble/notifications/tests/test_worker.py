"""The e-mail goes through the real database worker on the "default" queue, once."""

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from .helpers import TASK_PATH, remixed


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", verbosity=0)


# transaction=True: the worker closes database connections, and the task is enqueued on commit.
@pytest.mark.django_db(transaction=True)
def test_the_database_worker_sends_the_e_mail_once(member, other_member):
    notification = remixed(member, other_member)
    queued = DBTaskResult.objects.get()
    assert (queued.queue_name, queued.task_path) == ("default", TASK_PATH)
    assert mail.outbox == []

    _run_worker()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["poet@example.com"]
    queued.refresh_from_db()
    assert (queued.status, queued.return_value) == ("SUCCESSFUL", 1)

    # The same task delivered again (a retry, a second worker): no second e-mail.
    DBTaskResult.objects.create(
        args_kwargs=queued.args_kwargs, task_path=queued.task_path, queue_name="default",
        backend_name=queued.backend_name, run_after=queued.run_after, priority=queued.priority,
    )  # fmt: skip
    _run_worker()
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None
