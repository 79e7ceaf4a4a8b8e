"""Sending notifications: who is told, what is stored, e-mail at most once, marking read."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ensemble.core.errors import NotFound
from ensemble.notifications import selectors
from ensemble.notifications.models import Kind, Notification
from ensemble.notifications.services import (
    NotificationEmailFailed,
    notification_mark_read,
    notification_send,
    notifications_mark_all_read,
    notifications_send_many,
)
from ensemble.notifications.tasks import notification_emails_send
from tests.factories import text_record

from .helpers import queued_email_batches, remixed

pytestmark = pytest.mark.django_db


# Who is told ---------------------------------------------------------------------------------


def test_the_actor_is_never_notified_of_their_own_action(
    member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = notification_send(
            recipient=member, actor=member, kind=Kind.REMIXED, text="You built on yourself",
            url="/records/1/",
        )  # fmt: skip
    assert result is None
    assert not Notification.objects.exists()
    assert callbacks == [] and queued_email_batches() == []


def test_a_notification_stores_who_what_where_and_its_subject(member, other_member):
    record = text_record(member, title="Night walk")
    notification = notification_send(
        recipient=member,
        actor=other_member,
        kind=Kind.REMIXED,
        text="Stranger set “Night walk” to music",
        url=record.get_absolute_url(),
        subject=record,
        subject_label=record.title,
    )
    assert notification is not None
    stored = Notification.objects.get()
    assert (stored.recipient, stored.actor, stored.kind) == (member, other_member, "remixed")
    assert stored.text == "Stranger set “Night walk” to music"
    assert (stored.url, stored.subject_label) == (f"/records/{record.pk}/", "Night walk")
    assert stored.subject == record
    assert stored.read_at is None and stored.emailed_at is None
    assert selectors.unread_count(member=member) == 1
    assert selectors.unread_count(member=other_member) == 0


def test_a_system_notification_has_no_actor_and_long_texts_are_shortened(member):
    notification = notification_send(
        recipient=member, kind=Kind.OTHER, text="Line one\nline\ttwo " + "x" * 400, url="/"
    )
    assert notification is not None and notification.actor is None
    assert notification.text.startswith("Line one line two xx")
    assert len(notification.text) == 300 and notification.text.endswith("…")


@pytest.mark.parametrize(
    ("url", "kind"),
    [("https://evil.example/", "remixed"), ("//evil.example/", "remixed"),
     ("/\\evil.example", "remixed"), ("records/1/", "remixed"), ("/records/1/", "poke")],
)  # fmt: skip
def test_a_link_off_the_site_or_an_unknown_kind_is_a_programming_error(member, url, kind):
    with pytest.raises(ValueError, match=r"path on this site|Unknown notification kind"):
        notification_send(recipient=member, kind=kind, text="x", url=url)
    assert not Notification.objects.exists()


# Fan-out -------------------------------------------------------------------------------------


def test_fan_out_creates_one_row_per_artist_in_a_bounded_number_of_queries(
    make_member, member, django_capture_on_commit_callbacks
):
    artists = [make_member(username=f"artist-{i}") for i in range(150)]
    artists[3].email_notifications = False
    with CaptureQueriesContext(connection) as queries:
        rows = notifications_send_many(
            recipients=[*artists, artists[0], member],  # a duplicate, and the actor
            actor=member,
            kind=Kind.OTHER,
            text="“City walk” was released with your work in it",
            url="/records/7/",
        )
    # One INSERT … RETURNING on PostgreSQL; SQLite's 999-parameter limit splits it in two.
    writes = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(writes) <= 2
    assert len(queries) <= 4  # the savepoint, the INSERTs, its release
    assert len(rows) == 150
    assert Notification.objects.filter(actor=member).count() == 150
    assert not Notification.objects.filter(recipient=member).exists()

    with django_capture_on_commit_callbacks(execute=True):
        notifications_send_many(
            recipients=artists, actor=member, kind=Kind.OTHER, text="again", url="/"
        )
    batches = queued_email_batches()
    assert [len(batch) for batch in batches] == [100, 49]  # artist-3 turned e-mails off
    assert notification_emails_send.call(notification_ids=batches[0]) == 100
    assert notification_emails_send.call(notification_ids=batches[1]) == 49
    assert len(mail.outbox) == 149


def test_fan_out_to_nobody_but_the_actor_writes_nothing(member):
    assert (
        notifications_send_many(
            recipients=[member], actor=member, kind=Kind.OTHER, text="x", url="/"
        )
        == []
    )
    assert not Notification.objects.exists()


# E-mail --------------------------------------------------------------------------------------


def test_the_e_mail_is_sent_once_even_when_the_task_runs_twice(
    member, other_member, django_capture_on_commit_callbacks, settings
):
    settings.ENSEMBLE_SITE_URL = "https://ensemble.example/"
    with django_capture_on_commit_callbacks(execute=True):
        notification = remixed(member, other_member)
    assert mail.outbox == []  # nothing is sent in the request
    [batch] = queued_email_batches()
    assert batch == [notification.pk]

    assert notification_emails_send.call(notification_ids=batch) == 1
    assert notification_emails_send.call(notification_ids=batch) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["poet@example.com"]
    assert message.subject == "Ensemble: Stranger built on your record “In a City”"
    assert "Hello Poet," in message.body
    assert "Open it: https://ensemble.example/records/1/" in message.body
    assert "https://ensemble.example/settings/profile/" in message.body
    assert "&" not in message.body and "&ldquo;" not in message.body  # plain text, unescaped
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_no_e_mail_task_when_the_member_turned_e_mails_off(
    member, other_member, django_capture_on_commit_callbacks
):
    member.email_notifications = False
    member.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification = remixed(member, other_member)
    assert queued_email_batches() == []
    assert notification_emails_send.call(notification_ids=[notification.pk]) == 0
    assert mail.outbox == []
    assert selectors.unread_count(member=member) == 1  # still shown in the app


def test_turning_e_mails_off_before_the_task_runs_stops_the_e_mail(member, other_member):
    notification = remixed(member, other_member)
    member.email_notifications = False
    member.save()
    assert notification_emails_send.call(notification_ids=[notification.pk]) == 0
    assert mail.outbox == []


@pytest.mark.parametrize("address", ["unverified", "not primary", "none"])
def test_no_e_mail_without_a_verified_primary_address(member, other_member, address):
    if address == "none":
        EmailAddress.objects.filter(user=member).delete()
    else:
        field = {"unverified": "verified", "not primary": "primary"}[address]
        EmailAddress.objects.filter(user=member).update(**{field: False})
    notification = remixed(member, other_member)
    assert notification_emails_send.call(notification_ids=[notification.pk]) == 0
    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_the_e_mail_goes_to_the_verified_primary_address(member, other_member):
    EmailAddress.objects.filter(user=member).update(primary=False)
    EmailAddress.objects.create(user=member, email="new@example.com", verified=True, primary=True)
    notification = remixed(member, other_member)
    notification_emails_send.call(notification_ids=[notification.pk])
    assert [m.to for m in mail.outbox] == [["new@example.com"]]


def test_a_notification_read_before_the_task_runs_is_not_e_mailed(member, other_member):
    notification = remixed(member, other_member)
    notification_mark_read(member=member, notification_id=notification.pk)
    assert notification_emails_send.call(notification_ids=[notification.pk]) == 0
    assert mail.outbox == []


def test_unknown_ids_are_skipped(member, other_member):
    assert notification_emails_send.call(notification_ids=[987654]) == 0
    assert mail.outbox == []


def test_a_failed_e_mail_is_released_so_a_retry_sends_it(member, other_member, monkeypatch):
    notification = remixed(member, other_member)

    def broken_send(self: Any, fail_silently: bool = False) -> int:
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken_send)
    with pytest.raises(NotificationEmailFailed, match=str(notification.pk)):
        notification_emails_send.call(notification_ids=[notification.pk])
    notification.refresh_from_db()
    assert notification.emailed_at is None
    monkeypatch.undo()
    assert notification_emails_send.call(notification_ids=[notification.pk]) == 1
    assert len(mail.outbox) == 1


# Reading -------------------------------------------------------------------------------------


def test_marking_read_is_idempotent_and_only_for_the_recipient(member, other_member):
    notification = remixed(member, other_member)
    with pytest.raises(NotFound, match=r"There is no such notification\."):
        notification_mark_read(member=other_member, notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.read_at is None

    first = notification_mark_read(member=member, notification_id=notification.pk)
    read_at = first.read_at
    assert read_at is not None
    again = notification_mark_read(member=member, notification_id=notification.pk)
    assert again.read_at == read_at
    assert selectors.unread_count(member=member) == 0


@pytest.mark.parametrize("notification_id", [0, -1, 987654, 2**70])
def test_marking_an_unknown_notification_is_not_found(member, notification_id):
    with pytest.raises(NotFound, match=r"There is no such notification\."):
        notification_mark_read(member=member, notification_id=notification_id)


def test_marking_all_read_touches_only_the_members_unread_ones(make_member, member, other_member):
    third = make_member(username="third")
    for _ in range(3):
        remixed(member, other_member)
    theirs = remixed(other_member, member)
    notification_mark_read(member=member, notification_id=remixed(member, third).pk)
    assert notifications_mark_all_read(member=member) == 3
    assert notifications_mark_all_read(member=member) == 0
    assert selectors.unread_count(member=member) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_list_is_newest_first_in_pages(member, other_member):
    made = [remixed(member, other_member, title=f"Poem {i}") for i in range(5)]
    first = selectors.notifications_for(member=member, limit=3)
    assert [n.pk for n in first.notifications] == [n.pk for n in reversed(made)][:3]
    assert first.next_cursor
    rest = selectors.notifications_for(member=member, cursor=first.next_cursor, limit=3)
    assert [n.pk for n in rest.notifications] == [made[1].pk, made[0].pk]
    assert rest.next_cursor is None
