"""Notification tasks: thin, safe to deliver twice (each row is claimed before its e-mail)."""

from django_tasks import task

from .services import notification_emails_deliver


@task(queue_name="default")
def notification_emails_send(*, notification_ids: list[int]) -> int:
    return notification_emails_deliver(notification_ids=notification_ids)
