"""Feedback services: what they write, who they tell, and what they refuse (with which message,
changing nothing)."""

import math

import pytest

from ensemble.collabs.models import Status
from ensemble.core.errors import Conflict, EnsembleError, NotAllowed, NotFound
from ensemble.feedback import services
from ensemble.feedback.models import Activity, Comment, Follow, Heart, Report
from ensemble.feedback.timecodes import timecode_label, timecode_parse
from ensemble.notifications.models import Kind, Notification
from ensemble.records.services import record_create_upload, record_publish, record_unpublish
from tests.factories import text_record

from .helpers import assert_harmless, collaboration, submission, tags_in, told

pytestmark = pytest.mark.django_db


@pytest.fixture
def poem(member):
    return text_record(member, title="Harbour at Dusk")


@pytest.fixture
def video(member, upload):
    return record_create_upload(author=member, upload=upload("clip"), title="Test Card Morning")


def refused(call, error=EnsembleError, message: str = "") -> EnsembleError:
    """Call it, expect the refusal, and check nothing was written."""
    before = (Comment.objects.count(), Notification.objects.count(), Report.objects.count())
    with pytest.raises(error) as caught:
        call()
    assert message in caught.value.message, caught.value.message
    after = (Comment.objects.count(), Notification.objects.count(), Report.objects.count())
    assert after == before
    return caught.value


# Comments ------------------------------------------------------------------------------------


def test_a_comment_is_stored_rendered_and_tells_the_artist(poem, member, other_member):
    comment = services.comment_add(author=other_member, target=poem, body="So *quiet*.")
    assert (comment.record, comment.author, comment.parent) == (poem, other_member, None)
    assert comment.body == "So *quiet*."
    assert comment.body_html == "<p>So <em>quiet</em>.</p>\n"
    assert told(member, Kind.COMMENT) == ["Stranger commented on your record “Harbour at Dusk”"]
    notification = Notification.objects.get(recipient=member)
    assert notification.url == f"/records/{poem.pk}/#comment-{comment.pk}"
    assert notification.actor == other_member and notification.subject == comment


def test_the_artist_commenting_on_their_own_record_is_told_nothing(poem, member):
    services.comment_add(author=member, target=poem, body="Written at the harbour.")
    assert Notification.objects.count() == 0


def test_a_script_is_stored_as_written_but_rendered_harmless(poem, other_member):
    body = (
        '<script>alert("x")</script> <img src=x onerror="alert(1)"> '
        '[click](javascript:alert(2)) <a href="javascript:alert(3)" onclick="x()">a</a>'
    )
    comment = services.comment_add(author=other_member, target=poem, body=body)
    assert comment.body == body
    assert_harmless(comment.body_html)
    rendered = comment.body_html
    assert "&lt;script&gt;" in rendered  # shown as text
    links = [attrs for tag, attrs in tags_in(rendered) if tag == "a"]
    assert links == [] or all("href" not in attrs for attrs in links), links


def test_a_comment_at_the_limit_is_kept_and_one_more_character_is_refused(poem, other_member):
    services.comment_add(author=other_member, target=poem, body="a" * 5000)
    error = refused(
        lambda: services.comment_add(author=other_member, target=poem, body="a" * 5001),
        message="Your comment is too long: 5,001 characters, the limit is 5,000.",
    )
    assert (error.status, error.field) == (400, "body")


@pytest.mark.parametrize("body", ["", "   \n  ", None])
def test_an_empty_comment_is_refused(poem, other_member, body):
    refused(
        lambda: services.comment_add(author=other_member, target=poem, body=body),
        message="Write something first: the comment is empty.",
    )


def test_a_nul_character_is_refused(poem, other_member):
    refused(
        lambda: services.comment_add(author=other_member, target=poem, body="a\x00b"),
        message="contains a NUL character",
    )


def test_only_people_who_can_see_a_record_comment_on_it(member, other_member, staff_member):
    hidden = text_record(member, title="Draft", published=False)
    error = refused(
        lambda: services.comment_add(author=other_member, target=hidden, body="Hello"),
        NotFound,
    )
    assert error.status == 404
    # its author and staff can see it, so they can comment
    services.comment_add(author=member, target=hidden, body="Note to self")
    services.comment_add(author=staff_member, target=hidden, body="Looks fine")
    assert hidden.comments.count() == 2


# Replies -------------------------------------------------------------------------------------


def test_a_reply_tells_the_author_replied_to_and_not_the_artist_again(
    poem, member, other_member, make_member
):
    third = make_member(username="third")
    top = services.comment_add(author=other_member, target=poem, body="Lovely")
    Notification.objects.all().delete()
    reply = services.comment_add(author=third, target=poem, body="Agreed", parent=top)
    assert reply.parent == top
    assert told(other_member) == ["Third replied to your comment on “Harbour at Dusk”"]
    assert told(member) == []  # the artist hears of new threads, not of every reply


def test_a_reply_to_a_reply_joins_the_thread_of_its_top_level_comment(
    poem, member, other_member, make_member
):
    third = make_member(username="third")
    top = services.comment_add(author=other_member, target=poem, body="Lovely")
    reply = services.comment_add(author=member, target=poem, body="Thank you", parent=top)
    Notification.objects.all().delete()
    answer = services.comment_add(author=third, target=poem, body="Me too", parent=reply)
    assert answer.parent == top  # one level deep
    # both the one answered and the thread's starter hear of it
    assert told(member, Kind.REPLY) == ["Third replied to your comment on “Harbour at Dusk”"]
    assert told(other_member, Kind.REPLY) == ["Third replied to your comment on “Harbour at Dusk”"]


def test_a_reply_must_be_on_the_same_record(member, other_member, poem):
    elsewhere = text_record(member, title="Elsewhere")
    top = services.comment_add(author=other_member, target=elsewhere, body="Hi")
    error = refused(
        lambda: services.comment_add(author=other_member, target=poem, body="x", parent=top),
        message="That comment is not on this record.",
    )
    assert error.field == "parent"


def test_a_deleted_comment_takes_no_replies(poem, member, other_member):
    top = services.comment_add(author=other_member, target=poem, body="Hi")
    services.comment_delete(member=other_member, comment=top)
    refused(
        lambda: services.comment_add(author=member, target=poem, body="x", parent=top),
        message="That comment was deleted, so it takes no replies.",
    )


# Mentions ------------------------------------------------------------------------------------


def test_mentions_tell_members_who_can_see_the_record(poem, member, other_member, make_member):
    mira = make_member(username="mira")
    make_member(username="jo.an")
    services.comment_add(
        author=other_member,
        target=poem,
        body="@mira and @jo.an, listen! Not @nobody, not me@example.com, @mira twice.",
    )
    assert told(mira) == ["Stranger mentioned you in a comment on “Harbour at Dusk”"]
    assert Notification.objects.filter(kind=Kind.MENTION).count() == 2
    assert told(member) == ["Stranger commented on your record “Harbour at Dusk”"]  # not twice


def test_a_mention_of_someone_who_cannot_see_the_record_tells_nobody(member, make_member):
    mira = make_member(username="mira")
    draft = text_record(member, title="Draft", published=False)
    services.comment_add(author=member, target=draft, body="Ask @mira about this")
    assert told(mira) == []


def test_mentioning_yourself_tells_nobody(poem, member):
    services.comment_add(author=member, target=poem, body="Note from @poet")
    assert Notification.objects.count() == 0


# Timecodes -----------------------------------------------------------------------------------


def test_a_timecode_points_into_the_current_version(video, other_member):
    version = video.current_version
    assert version.duration == pytest.approx(1.0, abs=0.1)
    comment = services.comment_add(author=other_member, target=video, body="Here!", timecode=0.5)
    assert (comment.timecode, comment.version) == (0.5, version)
    at_end = services.comment_add(
        author=other_member, target=video, body="The end", timecode=version.duration
    )
    assert at_end.timecode == version.duration


def test_a_timecode_past_the_end_names_the_length(video, other_member):
    duration = video.current_version.duration
    error = refused(
        lambda: services.comment_add(author=other_member, target=video, body="x", timecode=75),
        message=f"1:15 is past the end: this video is {timecode_label(duration)} long "
        f"({duration:.1f} seconds).",
    )
    assert (error.status, error.field) == (400, "timecode")


@pytest.mark.parametrize(("value", "message"), [
    (-1, "A timecode cannot be negative (-0:01)"),
    (-0.5, "A timecode cannot be negative (-0:00.5)"),
    (math.nan, "A timecode is a number of seconds."),
    (math.inf, "A timecode is a number of seconds."),
])  # fmt: skip
def test_impossible_timecodes_are_refused(video, other_member, value, message):
    refused(
        lambda: services.comment_add(author=other_member, target=video, body="x", timecode=value),
        message=message,
    )


def test_a_timecode_on_a_text_or_image_record_is_refused(poem, member, other_member, upload):
    refused(
        lambda: services.comment_add(author=other_member, target=poem, body="x", timecode=1),
        message="Only comments on audio or video can point at a time; this is a text record.",
    )
    image = record_create_upload(author=member, upload=upload("image-png"))
    refused(
        lambda: services.comment_add(author=other_member, target=image, body="x", timecode=0),
        message="this is a image record",
    )


def test_a_timecode_on_audio_works_too(member, other_member, upload):
    song = record_create_upload(author=member, upload=upload("tone"))
    comment = services.comment_add(author=other_member, target=song, body="A", timecode=0.25)
    assert comment.version == song.current_version


def test_a_media_version_of_unknown_length_takes_no_timecode(video, other_member):
    version = video.current_version
    version.probe = {**version.probe, "duration": None}
    version.save(update_fields=["probe"])
    refused(
        lambda: services.comment_add(author=other_member, target=video, body="x", timecode=0.2),
        message="The length of this media is not known yet",
    )


@pytest.mark.parametrize(("text", "seconds"), [
    ("", None), ("  ", None), ("83", 83.0), ("83.5", 83.5), ("1:23", 83.0), ("1:23.4", 83.4),
    ("1:02:03", 3723.0), ("0:00.6", 0.6), ("-5", -5.0), ("2,5", 2.5),
])  # fmt: skip
def test_times_are_read_as_people_write_them(text, seconds):
    assert timecode_parse(text) == (pytest.approx(seconds) if seconds is not None else None)


@pytest.mark.parametrize("text", ["soon", "1:2:3:4", "1.2.3", "::", "1e5"])
def test_a_time_that_is_not_a_time_is_refused(text):
    with pytest.raises(EnsembleError, match="is not a time: write minutes and seconds like 1:23"):
        timecode_parse(text)


@pytest.mark.parametrize(("seconds", "label"), [
    (0, "0:00"), (7.5, "0:07.5"), (59.94, "0:59.9"), (83.4, "1:23"), (3723, "1:02:03"),
])  # fmt: skip
def test_times_are_shown_as_people_read_them(seconds, label):
    assert timecode_label(seconds) == label


# Collaborations and submissions --------------------------------------------------------------


def test_a_comment_on_a_collaboration_tells_its_leaders(member, other_member, make_member):
    co_leader = make_member(username="colead")
    collab = collaboration(member)
    collab.leaderships.create(member=co_leader, added_by=member)
    comment = services.comment_add(author=other_member, target=collab, body="Count me in")
    assert comment.collaboration == collab
    assert told(member) == told(co_leader) == ["Stranger commented on “Harbour Film”"]
    refused(
        lambda: services.comment_add(author=other_member, target=collab, body="x", timecode=1),
        message="this is a collaboration",
    )


def test_a_draft_collaboration_takes_comments_only_from_its_leaders(member, other_member):
    draft = collaboration(member, status=Status.DRAFT)
    refused(
        lambda: services.comment_add(author=other_member, target=draft, body="x"),
        NotFound,
    )


def test_a_submission_is_a_conversation_between_its_artist_and_the_leaders(
    member, other_member, make_member, upload
):
    leader, co_leader = member, make_member(username="colead")
    collab = collaboration(leader)
    collab.leaderships.create(member=co_leader, added_by=leader)
    footage = record_create_upload(author=other_member, upload=upload("clip"), title="Dawn")
    entry = submission(collab, footage)

    services.comment_add(author=leader, target=entry, body="Great light", timecode=0.4)
    assert told(other_member) == ["Poet commented on your submission “Dawn” in “Harbour Film”"]
    assert told(co_leader) == []
    services.comment_add(author=other_member, target=entry, body="Thanks! More tomorrow.")
    assert (
        told(leader) == told(co_leader) == ["Stranger commented on their “Dawn” in “Harbour Film”"]
    )
    outsider = make_member(username="outsider")
    refused(lambda: services.comment_add(author=outsider, target=entry, body="x"), NotFound)
    services.comment_add(author=leader, target=entry, body="@outsider should not hear of this")
    assert told(outsider) == []


def test_a_timecode_on_a_submission_points_into_the_submitted_version(member, other_member, upload):
    footage = record_create_upload(author=other_member, upload=upload("clip"), title="Dawn")
    entry = submission(collaboration(member), footage)
    pinned = footage.current_version
    from ensemble.records.services import record_version_add_upload

    record_version_add_upload(record=footage, upload=upload("other"))
    footage.refresh_from_db()
    assert footage.current_version != pinned
    comment = services.comment_add(author=member, target=entry, body="Here", timecode=0.3)
    assert comment.version == pinned


# Editing and deleting ------------------------------------------------------------------------


def test_its_author_edits_a_comment_and_new_mentions_are_told(
    poem, member, other_member, make_member
):
    mira, jo = make_member(username="mira"), make_member(username="jo")
    comment = services.comment_add(author=other_member, target=poem, body="Hi @mira")
    assert comment.edited_at is None
    services.comment_edit(member=other_member, comment=comment, body="Hi @mira and **@jo**")
    comment.refresh_from_db()
    assert comment.body_html == "<p>Hi @mira and <strong>@jo</strong></p>\n"
    assert comment.edited_at is not None
    assert len(told(mira)) == 1 and len(told(jo)) == 1


def test_saving_the_same_text_is_not_an_edit(poem, other_member):
    comment = services.comment_add(author=other_member, target=poem, body="Hi")
    services.comment_edit(member=other_member, comment=comment, body="  Hi \n")
    assert comment.edited_at is None


def test_nobody_else_edits_a_comment_not_even_staff(poem, member, other_member, staff_member):
    comment = services.comment_add(author=other_member, target=poem, body="Hi")
    for person in (member, staff_member):
        error = refused(
            lambda p=person: services.comment_edit(member=p, comment=comment, body="Changed"),
            NotAllowed,
            "Only its author can edit a comment.",
        )
        assert error.status == 403
    comment.refresh_from_db()
    assert comment.body == "Hi"


def test_an_edit_is_refused_like_a_new_comment(poem, other_member):
    comment = services.comment_add(author=other_member, target=poem, body="Hi")
    refused(
        lambda: services.comment_edit(member=other_member, comment=comment, body="b" * 5001),
        message="the limit is 5,000",
    )
    comment.refresh_from_db()
    assert comment.body == "Hi"


def test_deleting_keeps_the_row_and_its_replies(poem, member, other_member):
    top = services.comment_add(author=other_member, target=poem, body="First", timecode=None)
    reply = services.comment_add(author=member, target=poem, body="Reply", parent=top)
    services.comment_delete(member=other_member, comment=top)
    top.refresh_from_db()
    assert (top.body, top.body_html) == ("", "")
    assert top.is_deleted and Comment.objects.filter(pk=reply.pk, parent=top).exists()
    services.comment_delete(member=other_member, comment=top)  # again: harmless
    refused(
        lambda: services.comment_edit(member=other_member, comment=top, body="Back"),
        message="This comment was deleted; it cannot be edited.",
    )


def test_staff_delete_any_comment_others_may_not(poem, member, other_member, staff_member):
    comment = services.comment_add(author=other_member, target=poem, body="Spam spam")
    refused(
        lambda: services.comment_delete(member=member, comment=comment),
        NotAllowed,
        "Only its author (or staff) can delete a comment.",
    )
    assert not Comment.objects.get(pk=comment.pk).is_deleted
    services.comment_delete(member=staff_member, comment=comment)
    assert Comment.objects.get(pk=comment.pk).is_deleted


# Reports -------------------------------------------------------------------------------------


def test_a_report_is_kept_once(poem, member, other_member):
    comment = services.comment_add(author=other_member, target=poem, body="Buy pills")
    report = services.report_add(reporter=member, comment=comment, reason="spam", note=" shop ")
    assert (report.reason, report.note, report.resolved_at) == ("spam", "shop", None)
    error = refused(
        lambda: services.report_add(reporter=member, comment=comment, reason="abuse"),
        Conflict,
        "You already reported this comment; staff will look at it.",
    )
    assert error.status == 409


def test_reports_are_refused_when_they_make_no_sense(poem, member, other_member):
    comment = services.comment_add(author=other_member, target=poem, body="Hi")
    refused(
        lambda: services.report_add(reporter=member, comment=comment, reason="boring"),
        message="Choose why you report it: one of spam, abuse, other.",
    )
    refused(
        lambda: services.report_add(
            reporter=member, comment=comment, reason="other", note="n" * 501
        ),
        message="The note is too long: 501 characters, the limit is 500.",
    )
    refused(
        lambda: services.report_add(reporter=other_member, comment=comment, reason="spam"),
        message="This is your own comment: edit or delete it instead.",
    )
    services.comment_delete(member=other_member, comment=comment)
    refused(
        lambda: services.report_add(reporter=member, comment=comment, reason="spam"),
        message="This comment was deleted already.",
    )


def test_resolving_reports(poem, member, other_member, make_member):
    comment = services.comment_add(author=other_member, target=poem, body="Hi")
    one = services.report_add(reporter=member, comment=comment, reason="spam")
    two = services.report_add(reporter=make_member(), comment=comment, reason="abuse")
    assert services.reports_resolve(report_ids=[one.pk]) == 1
    assert services.reports_resolve(report_ids=[one.pk, two.pk]) == 1


# Hearts and follows --------------------------------------------------------------------------


def test_hearts_are_given_once_and_taken_back(poem, other_member):
    assert services.heart_add(member=other_member, record=poem) is True
    assert services.heart_add(member=other_member, record=poem) is False
    assert Heart.objects.filter(record=poem).count() == 1
    assert services.heart_toggle(member=other_member, record=poem) is False
    assert services.heart_toggle(member=other_member, record=poem) is True
    assert services.heart_remove(member=other_member, record=poem) is True
    assert services.heart_remove(member=other_member, record=poem) is False
    assert not Heart.objects.exists()


def test_a_record_one_cannot_see_cannot_be_hearted(member, other_member):
    draft = text_record(member, title="Draft", published=False)
    with pytest.raises(NotFound):
        services.heart_add(member=other_member, record=draft)
    assert not Heart.objects.exists()


def test_following_a_member_and_a_collaboration(member, other_member):
    collab = collaboration(member)
    first = services.follow_add(follower=other_member, member=member)
    assert services.follow_add(follower=other_member, member=member) == first  # again: same
    services.follow_add(follower=other_member, collaboration=collab)
    assert Follow.objects.filter(follower=other_member).count() == 2
    assert services.follow_remove(follower=other_member, member=member) is True
    assert services.follow_remove(follower=other_member, member=member) is False
    assert services.follow_remove(follower=other_member, collaboration=collab) is True


def test_following_yourself_or_a_hidden_collaboration_is_refused(member, other_member):
    with pytest.raises(EnsembleError, match=r"You cannot follow yourself\.") as caught:
        services.follow_add(follower=member, member=member)
    assert caught.value.status == 400
    draft = collaboration(member, status=Status.DRAFT)
    with pytest.raises(NotFound):
        services.follow_add(follower=other_member, collaboration=draft)
    services.follow_add(follower=member, collaboration=draft)  # its leader sees it
    assert Follow.objects.count() == 1


# Activity ------------------------------------------------------------------------------------


def test_posting_a_published_record_is_activity_once(member):
    poem = text_record(member, title="Harbour at Dusk")
    activity = Activity.objects.get()
    assert (activity.actor, activity.verb, activity.record) == (member, "posted", poem)
    assert activity.text == "Poet posted “Harbour at Dusk”"
    assert activity.url == poem.get_absolute_url()
    record_unpublish(record=poem)
    record_publish(record=poem)
    assert Activity.objects.count() == 1  # publishing again announces nothing new


def test_a_record_saved_unpublished_is_activity_when_published(member, upload):
    draft = record_create_upload(author=member, upload=upload("clip"), published=False)
    assert not Activity.objects.exists()
    record_publish(record=draft)
    assert Activity.objects.get().record == draft


def test_activity_add_refuses_programming_mistakes(member):
    with pytest.raises(ValueError, match="Unknown activity verb"):
        services.activity_add(actor=member, verb="danced", text="x", url="/")
    with pytest.raises(ValueError, match="a path on this site"):
        services.activity_add(actor=member, verb="posted", text="x", url="https://evil.example/")
    long = services.activity_add(actor=member, verb="opened", text="word " * 100, url="/x/")
    assert len(long.text) == 300 and long.text.endswith("…")
