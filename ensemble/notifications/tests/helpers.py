"""Shared test helpers: clients with a bearer token, the queued e-mail tasks, page text."""

import html
from typing import Any

from django.test import Client
from django_tasks_db.models import DBTaskResult

from ensemble.accounts.services import api_token_create
from ensemble.notifications.models import Kind, Notification
from ensemble.notifications.services import notification_send

TASK_PATH = "ensemble.notifications.tasks.notification_emails_send"


def token_client(person: Any) -> Client:
    issued = api_token_create(member=person, name="tests")
    return Client(headers={"Authorization": f"Bearer {issued.secret}"})


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def remixed(recipient: Any, actor: Any, title: str = "In a City") -> Notification:
    """What lineage sends when `actor` builds on `recipient`'s record."""
    notification = notification_send(
        recipient=recipient,
        actor=actor,
        kind=Kind.REMIXED,
        text=f"{actor.name} built on your record “{title}”",
        url="/records/1/",
        subject_label=title,
    )
    assert notification is not None
    return notification


def queued_email_batches() -> list[list[int]]:
    """The notification ids of each e-mail task waiting in the database queue."""
    rows = DBTaskResult.objects.filter(task_path=TASK_PATH).order_by("enqueued_at")
    assert all(row.queue_name == "default" for row in rows)
    return [row.args_kwargs["kwargs"]["notification_ids"] for row in rows]
