"""Feedback reads: the shape of a thread, markers, counts and the activity feed, each in a fixed
number of queries however many rows there are."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from ensemble.collabs.models import Status
from ensemble.core.errors import EnsembleError
from ensemble.feedback import selectors, services
from ensemble.feedback.models import Activity, Comment
from ensemble.records.services import record_create_upload, record_unpublish
from tests.factories import text_record

from .helpers import collaboration

pytestmark = pytest.mark.django_db


@pytest.fixture
def poem(member):
    return text_record(member, title="Harbour at Dusk")


def conversation(record, people, *, threads: int, replies: int) -> None:
    for number in range(threads):
        top = services.comment_add(author=people[number % len(people)], target=record,
                                   body=f"Thread {number}")  # fmt: skip
        for answer in range(replies):
            services.comment_add(author=people[(number + answer + 1) % len(people)],
                                 target=record, body=f"Reply {answer}", parent=top)  # fmt: skip


def test_a_thread_is_newest_first_with_replies_oldest_first(poem, member, other_member):
    first = services.comment_add(author=other_member, target=poem, body="First")
    second = services.comment_add(author=member, target=poem, body="Second")
    r1 = services.comment_add(author=member, target=poem, body="R1", parent=first)
    r2 = services.comment_add(author=other_member, target=poem, body="R2", parent=r1)
    thread = selectors.comment_thread(viewer=other_member, target=poem)
    assert thread.comments == [second, first]
    assert selectors.replies_of(thread.comments[1]) == [r1, r2]
    assert thread.count == 4 and thread.next_cursor is None


def test_deleted_comments_show_only_while_they_have_replies(poem, member, other_member):
    lonely = services.comment_add(author=other_member, target=poem, body="Lonely")
    answered = services.comment_add(author=other_member, target=poem, body="Answered")
    reply = services.comment_add(author=member, target=poem, body="Answer", parent=answered)
    gone_reply = services.comment_add(author=member, target=poem, body="Oops", parent=answered)
    for comment in (lonely, answered, gone_reply):
        services.comment_delete(member=comment.author, comment=comment)
    thread = selectors.comment_thread(viewer=member, target=poem)
    assert thread.comments == [answered]
    assert thread.comments[0].is_deleted and selectors.replies_of(thread.comments[0]) == [reply]
    assert thread.count == 1
    services.comment_delete(member=member, comment=reply)
    assert selectors.comment_thread(viewer=member, target=poem).comments == []


def test_a_thread_pages_with_a_cursor(poem, other_member):
    made = [services.comment_add(author=other_member, target=poem, body=f"C{n}") for n in range(5)]
    page = selectors.comment_thread(viewer=other_member, target=poem, limit=2)
    assert page.comments == [made[4], made[3]]
    rest = selectors.comment_thread(viewer=other_member, target=poem, cursor=page.next_cursor)
    assert rest.comments == [made[2], made[1], made[0]] and rest.next_cursor is None
    with pytest.raises(EnsembleError, match="That page cursor is not valid"):
        selectors.comment_thread(viewer=other_member, target=poem, cursor="bogus!")


def test_a_thread_costs_the_same_queries_for_few_or_many_comments(
    poem, member, other_member, make_member, django_assert_num_queries
):
    people = [member, other_member, *(make_member() for _ in range(4))]
    conversation(poem, people, threads=2, replies=1)
    someone_elses = Comment.objects.exclude(author=member).order_by("id")[0]
    services.report_add(reporter=member, comment=someone_elses, reason="spam")
    # the page, its replies, the count and the viewer's reports
    with django_assert_num_queries(4):
        small = selectors.comment_thread(viewer=member, target=poem)
        assert [len(selectors.replies_of(c)) for c in small.comments] == [1, 1]
        assert [c.author.name for c in small.comments]  # authors came with the comments
    conversation(poem, people, threads=25, replies=4)
    with django_assert_num_queries(4):
        large = selectors.comment_thread(viewer=member, target=poem)
        names = {r.author.name for c in large.comments for r in selectors.replies_of(c)}
        assert len(large.comments) == 27 and len(names) > 1
        assert len(large.reported) == 1
    with django_assert_num_queries(3):  # a visitor has no reports
        selectors.comment_thread(viewer=AnonymousUser(), target=poem)


def test_markers_sit_where_their_comments_point(
    member, other_member, upload, django_assert_num_queries
):
    video = record_create_upload(author=member, upload=upload("clip"))
    assert video.current_version is not None and video.current_version.duration is not None
    duration = video.current_version.duration
    late = services.comment_add(author=other_member, target=video, body="Late", timecode=duration)
    early = services.comment_add(author=member, target=video, body="Early  one", timecode=0.25)
    services.comment_add(author=member, target=video, body="No time")
    gone = services.comment_add(author=member, target=video, body="Gone", timecode=0.5)
    services.comment_delete(member=member, comment=gone)
    with django_assert_num_queries(5):  # and the markers
        thread = selectors.comment_thread(viewer=other_member, target=video)
    assert thread.duration == duration and thread.takes_timecodes
    assert [(m.comment_id, m.author, m.excerpt) for m in thread.markers] == [
        (early.pk, "Poet", "Early one"),
        (late.pk, "Stranger", "Late"),
    ]
    assert thread.markers[0].percent == pytest.approx(25 / duration, abs=0.01)
    assert thread.markers[1].percent == 100


def test_a_poem_has_no_timecodes_or_markers(poem, member):
    thread = selectors.comment_thread(viewer=member, target=poem)
    assert not thread.takes_timecodes and thread.markers == []


def test_heart_and_follow_summaries_cost_one_query_each(
    poem, member, other_member, make_member, django_assert_num_queries
):
    for person in (other_member, make_member(), make_member()):
        services.heart_add(member=person, record=poem)
        services.follow_add(follower=person, member=member)
    with django_assert_num_queries(1):
        hearts = selectors.heart_summary(record=poem, viewer=other_member)
    assert (hearts.count, hearts.hearted) == (3, True)
    assert selectors.heart_summary(record=poem, viewer=member).hearted is False
    assert selectors.heart_summary(record=poem, viewer=AnonymousUser()).count == 3
    with django_assert_num_queries(1):
        follow = selectors.follow_summary(viewer=other_member, member=member)
    assert (follow.followers, follow.following, follow.can_follow) == (3, True, True)
    own = selectors.follow_summary(viewer=member, member=member)
    assert (own.following, own.can_follow) == (False, False)
    visitor = selectors.follow_summary(viewer=AnonymousUser(), member=member)
    assert (visitor.followers, visitor.can_follow) == (3, False)
    assert selectors.heart_counts(records=[poem]) == {poem.pk: 3}


# The activity feed ---------------------------------------------------------------------------


def test_the_feed_shows_what_followed_members_and_collaborations_did(
    member, other_member, make_member, django_assert_num_queries
):
    followed, ignored = other_member, make_member(username="ignored")
    collab = collaboration(ignored, title="Night Film")
    services.follow_add(follower=member, member=followed)
    services.follow_add(follower=member, collaboration=collab)
    poem = text_record(followed, title="Followed poem")
    text_record(ignored, title="Not followed")
    opened = services.activity_add(actor=ignored, verb=Activity.Verb.OPENED, collaboration=collab,
                                   text="Ignored opened “Night Film”", url="/c/1/")  # fmt: skip
    with django_assert_num_queries(1):
        page = selectors.activity_feed(member=member)
        texts = [(a.text, a.actor.name) for a in page.activities]
    assert texts == [
        ("Ignored opened “Night Film”", "Ignored"),
        ("Stranger posted “Followed poem”", "Stranger"),
    ]
    assert page.activities[0] == opened and page.activities[1].record == poem
    record_unpublish(record=poem)
    assert [a.text for a in selectors.activity_feed(member=member).activities] == [opened.text]


def test_the_feed_leaves_out_collaborations_gone_back_to_draft(member, other_member):
    collab = collaboration(other_member)
    services.follow_add(follower=member, collaboration=collab)
    services.activity_add(actor=other_member, verb="opened", collaboration=collab, text="Opened",
                          url="/c/")  # fmt: skip
    assert len(selectors.activity_feed(member=member).activities) == 1
    collab.status = Status.DRAFT
    collab.save()
    assert selectors.activity_feed(member=member).activities == []


def test_the_feed_pages_newest_first_in_one_query_each(
    member, other_member, django_assert_num_queries
):
    services.follow_add(follower=member, member=other_member)
    start = timezone.now() - timedelta(days=1)
    Activity.objects.bulk_create(
        Activity(
            actor=other_member,
            verb="posted",
            text=f"Post {n}",
            url="/",
            created_at=start + timedelta(minutes=n),
        )
        for n in range(25)
    )
    seen: list[str] = []
    cursor = None
    while True:
        with django_assert_num_queries(1):
            page = selectors.activity_feed(member=member, cursor=cursor, limit=10)
            seen += [a.text for a in page.activities]
            [a.actor.name for a in page.activities]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [f"Post {n}" for n in range(24, -1, -1)]
    assert selectors.activity_feed(member=other_member).activities == []  # follows nobody
