"""Feedback in the pages over HTTP: the record page's conversation, hearts, markers, the member
page's follow button, the home page's feed; posting with and without htmx; every refusal."""

import re
from typing import Any

import pytest
from django.test import Client

from ensemble.feedback import services
from ensemble.feedback.models import Comment, Follow, Heart, Report
from ensemble.records.services import record_create_upload
from tests.factories import text_record

from .helpers import assert_harmless, collaboration, page_text, submission, tags_in

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def poem(member):
    return text_record(member, title="Harbour at Dusk")


@pytest.fixture
def video(member, upload):
    return record_create_upload(author=member, upload=upload("clip"), title="Test Card Morning")


@pytest.fixture
def stranger_client(other_member) -> Client:
    client = Client()
    client.force_login(other_member)
    return client


def comments_url(record: Any) -> str:
    return f"/feedback/records/{record.pk}/comments/"


def section(response: Any, name: str = "comments") -> str:
    """The markup of <section id="comments"> in a page."""
    content = response.content.decode()
    match = re.search(rf'<section class="[^"]*" id="{name}".*?</section>', content, re.S)
    assert match, f"no #{name} section"
    return match[0]


def comment_bodies(markup: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body)).strip()
        for body in re.findall(r'<div class="comment-body prose">(.*?)</div>', markup, re.S)
    ]


# The record page -----------------------------------------------------------------------------


def test_the_record_page_shows_the_conversation_heart_and_forms(
    poem, member, other_member, stranger_client, client
):
    top = services.comment_add(author=other_member, target=poem, body="So *quiet*.")
    services.comment_add(author=member, target=poem, body="Thank you", parent=top)
    services.heart_add(member=other_member, record=poem)

    page = stranger_client.get(poem.get_absolute_url())
    text = page_text(page)
    thread = section(page)
    assert 'Comments <span class="count">2</span>' in thread
    assert comment_bodies(thread) == ["So quiet.", "Thank you"]
    assert '<span class="comment-badge">artist</span>' in thread  # the poet's reply
    assert 'class="heart heart-on" aria-pressed="true"' in text
    assert '<span class="heart-count">1</span>' in text and "2 comments" in text
    assert f'action="{comments_url(poem)}"' in thread
    assert 'name="timecode"' not in thread  # a poem has no moments to point at
    assert "Reply" in thread and "Report" in thread
    assert thread.count(">Edit</a>") == 1  # their own comment, not the poet's reply

    visitor = page_text(client.get(poem.get_absolute_url()))
    assert "to join the conversation" in visitor and "<textarea" not in section(
        client.get(poem.get_absolute_url())
    )
    assert 'href="/accounts/login/?next=' in visitor


def test_posting_a_comment_without_javascript_redirects_back_to_it(poem, member, stranger_client):
    response = stranger_client.post(
        comments_url(poem), {"body": "Lovely", "next": poem.get_absolute_url()}
    )
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{poem.get_absolute_url()}#comment-{comment.pk}"
    assert comment_bodies(section(stranger_client.get(response["Location"]))) == ["Lovely"]


def test_posting_with_htmx_answers_the_new_thread(poem, stranger_client):
    response = stranger_client.post(
        comments_url(poem), {"body": "Lovely", "next": poem.get_absolute_url()}, headers=HTMX
    )
    assert response.status_code == 200
    markup = response.content.decode()
    assert markup.lstrip().startswith('<section class="comments" id="comments"')
    assert comment_bodies(markup) == ["Lovely"]
    assert "hx-swap-oob" not in markup  # no markers asked for


def test_a_reply_to_a_reply_lands_in_the_top_level_thread_on_the_page(
    poem, member, other_member, stranger_client
):
    top = services.comment_add(author=member, target=poem, body="Top")
    reply = services.comment_add(author=member, target=poem, body="Reply", parent=top)
    stranger_client.post(comments_url(poem), {"body": "Answer", "parent": str(reply.pk)})
    assert Comment.objects.get(body="Answer").parent == top
    thread = section(stranger_client.get(poem.get_absolute_url()))
    replies = re.search(r'<ol class="replies">(.*?)</ol>', thread, re.S)
    assert replies and comment_bodies(replies[1]) == ["Reply", "Answer"]


def test_a_too_long_comment_keeps_its_text_and_says_the_limit(poem, stranger_client):
    long = "word " * 1001
    response = stranger_client.post(comments_url(poem), {"body": long})
    assert response.status_code == 400
    text = page_text(response)
    assert "Your comment is too long: 5,004 characters, the limit is 5,000." in text
    assert long.strip() in text  # nothing typed is lost
    assert not Comment.objects.exists()


def test_a_refusal_to_htmx_is_json_for_the_page_script(poem, stranger_client):
    response = stranger_client.post(comments_url(poem), {"body": "x" * 5001}, headers=HTMX)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Your comment is too long: 5,001 characters, the limit is 5,000."
    }
    assert not Comment.objects.exists()


def test_a_script_in_a_comment_is_shown_as_text(poem, other_member, stranger_client, client):
    services.comment_add(
        author=other_member,
        target=poem,
        body='<script>alert(1)</script><b onmouseover="alert(2)">hi</b> '
        "[link](javascript:alert(3)) <svg onload=alert(4)>",
    )
    for viewer in (client, stranger_client):
        thread = section(viewer.get(poem.get_absolute_url()))
        assert_harmless(thread)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in thread
    tags = [tag for tag, _ in tags_in(section(client.get(poem.get_absolute_url())))]
    assert "script" not in tags and "b" not in tags


def test_a_record_others_cannot_see_cannot_be_commented(member, stranger_client):
    draft = text_record(member, title="Draft", published=False)
    response = stranger_client.post(comments_url(draft), {"body": "Hi"})
    assert response.status_code == 404
    assert "There is no such record, or it is not published." in page_text(response)
    assert stranger_client.get(comments_url(draft)).status_code == 404
    assert not Comment.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, poem, member):
    comment = services.comment_add(author=member, target=poem, body="Hi")
    for path in (
        comments_url(poem),
        f"/feedback/comments/{comment.pk}/edit/",
        f"/feedback/comments/{comment.pk}/delete/",
        f"/feedback/comments/{comment.pk}/report/",
        f"/feedback/records/{poem.pk}/heart/",
        "/feedback/members/poet/follow/",
    ):
        response = client.post(path, {"body": "x", "reason": "spam"})
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path
    assert client.get("/feed/")["Location"].startswith("/accounts/login/?next=")
    assert (Comment.objects.count(), Report.objects.count(), Heart.objects.count()) == (1, 0, 0)
    assert Comment.objects.get().body == "Hi"


# Timecodes and markers -----------------------------------------------------------------------


def test_a_video_page_offers_the_current_time_and_shows_markers(
    video, member, other_member, stranger_client
):
    duration = video.current_version.duration
    services.comment_add(author=other_member, target=video, body="Wow", timecode=duration / 2)
    page = stranger_client.get(video.get_absolute_url())
    content = page.content.decode()
    thread = section(page)
    assert "data-at-current-time" in thread and 'name="timecode"' in thread
    assert '<input type="hidden" name="markers" value="1">' in thread
    button = re.search(r'<button type="button" class="timecode" data-seek="([0-9.]+)"', thread)
    assert button and float(button[1]) == pytest.approx(duration / 2, abs=0.001)
    strip = re.search(r'<div class="comment-markers" id="comment-markers".*?</div>', content, re.S)
    assert strip, "no marker strip under the player"
    assert re.search(r'style="left: 50\.000%" data-seek="', strip[0])
    assert content.index('id="comment-markers"') < content.index('id="comments"')
    assert "/static/ensemble/feedback.js" in content


def test_a_timecode_typed_as_minutes_and_seconds(video, stranger_client):
    response = stranger_client.post(
        comments_url(video), {"body": "There", "timecode": "0:00.5", "markers": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    assert Comment.objects.get().timecode == 0.5
    markup = response.content.decode()
    assert '<div class="comment-markers" id="comment-markers" hx-swap-oob="true"' in markup
    assert "▶</span> 0:00.5" in markup


@pytest.mark.parametrize(("timecode", "status", "message"), [
    ("9:00", 400, "9:00 is past the end: this video is"),
    ("-3", 400, "A timecode cannot be negative (-0:03)"),
    ("soon", 400, "“soon” is not a time: write minutes and seconds like 1:23, or seconds."),
])  # fmt: skip
def test_bad_timecodes_are_refused_in_the_page(video, stranger_client, timecode, status, message):
    response = stranger_client.post(comments_url(video), {"body": "x", "timecode": timecode})
    assert response.status_code == status
    assert message in page_text(response)
    assert not Comment.objects.exists()
    htmx = stranger_client.post(comments_url(video), {"body": "x", "timecode": timecode},
                                headers=HTMX)  # fmt: skip
    assert htmx.status_code == status and message in htmx.json()["detail"]


def test_a_timecode_on_a_poem_is_refused_in_the_page(poem, stranger_client):
    response = stranger_client.post(comments_url(poem), {"body": "x", "timecode": "0:01"})
    assert response.status_code == 400
    assert "Only comments on audio or video can point at a time" in page_text(response)


def test_an_older_version_page_offers_no_timecodes(video, member, upload, stranger_client):
    from ensemble.records.services import record_version_add_upload

    record_version_add_upload(record=video, upload=upload("other"))
    old = stranger_client.get(f"/records/{video.pk}/v/1/")
    assert 'name="timecode"' not in section(old)
    assert 'id="comment-markers"' not in old.content.decode()


# Editing, deleting, reporting ----------------------------------------------------------------


def test_editing_ones_own_comment_in_place_and_without_javascript(
    poem, other_member, stranger_client
):
    comment = services.comment_add(author=other_member, target=poem, body="Helo")
    edit_url = f"/feedback/comments/{comment.pk}/edit/"
    form = stranger_client.get(edit_url, headers=HTMX)
    assert 'class="comment comment-editing"' in form.content.decode() and "Helo" in page_text(form)
    saved = stranger_client.post(edit_url, {"body": "Hello"}, headers=HTMX)
    assert saved.status_code == 200 and comment_bodies(saved.content.decode()) == ["Hello"]
    assert "· edited" in page_text(saved)

    page = stranger_client.get(edit_url)
    assert "Edit your comment" in page_text(page)
    back = stranger_client.post(edit_url, {"body": "Hello!", "next": poem.get_absolute_url()})
    assert back["Location"] == f"{poem.get_absolute_url()}#comment-{comment.pk}"
    comment.refresh_from_db()
    assert comment.body == "Hello!"
    cancel = stranger_client.get(f"/feedback/comments/{comment.pk}/", headers=HTMX)
    assert comment_bodies(cancel.content.decode()) == ["Hello!"]


def test_a_refused_edit_keeps_the_text(poem, other_member, stranger_client):
    comment = services.comment_add(author=other_member, target=poem, body="Hi")
    response = stranger_client.post(f"/feedback/comments/{comment.pk}/edit/", {"body": "y" * 5001})
    assert response.status_code == 400
    assert "the limit is 5,000" in page_text(response) and "y" * 5001 in page_text(response)
    comment.refresh_from_db()
    assert comment.body == "Hi"


def test_someone_elses_comment_cannot_be_edited_or_deleted(poem, member, stranger_client):
    comment = services.comment_add(author=member, target=poem, body="Mine")
    edit = stranger_client.get(f"/feedback/comments/{comment.pk}/edit/")
    assert edit.status_code == 403 and "Only its author can edit a comment." in page_text(edit)
    post = stranger_client.post(f"/feedback/comments/{comment.pk}/edit/", {"body": "Yours"})
    assert post.status_code == 403
    delete = stranger_client.post(f"/feedback/comments/{comment.pk}/delete/", headers=HTMX)
    assert delete.status_code == 403
    assert delete.json() == {"detail": "Only its author (or staff) can delete a comment."}
    comment.refresh_from_db()
    assert comment.body == "Mine" and not comment.is_deleted


def test_deleting_leaves_a_deleted_comment_while_replies_remain(
    poem, member, other_member, stranger_client
):
    top = services.comment_add(author=other_member, target=poem, body="Top")
    services.comment_add(author=member, target=poem, body="Reply", parent=top)
    response = stranger_client.post(f"/feedback/comments/{top.pk}/delete/", headers=HTMX)
    assert response.status_code == 200 and "deleted comment" in page_text(response)
    thread = section(stranger_client.get(poem.get_absolute_url()))
    assert "deleted comment" in thread and comment_bodies(thread) == ["Reply"]
    assert "Top" not in thread
    redirect = stranger_client.post(
        f"/feedback/comments/{top.pk}/delete/", {"next": poem.get_absolute_url()}
    )
    assert redirect["Location"] == f"{poem.get_absolute_url()}#comments"


def test_reporting_a_comment_once_from_the_page(poem, member, stranger_client):
    comment = services.comment_add(author=member, target=poem, body="Buy pills")
    url = f"/feedback/comments/{comment.pk}/report/"
    made = stranger_client.post(url, {"reason": "spam", "note": "a shop"}, headers=HTMX)
    assert made.status_code == 200 and "Reported — thank you." in page_text(made)
    assert Report.objects.get().reason == "spam"
    again = stranger_client.post(url, {"reason": "abuse"}, headers=HTMX)
    assert again.status_code == 409
    assert again.json() == {"detail": "You already reported this comment; staff will look at it."}
    thread = section(stranger_client.get(poem.get_absolute_url()))
    assert '<span class="comment-reported">Reported</span>' in thread
    page = stranger_client.post(url, {"reason": "spam"})
    assert page.status_code == 409 and "You already reported" in page_text(page)
    assert Report.objects.count() == 1


def test_reporting_without_javascript(poem, member, stranger_client):
    comment = services.comment_add(author=member, target=poem, body="Hmm")
    url = f"/feedback/comments/{comment.pk}/report/"
    form = stranger_client.get(url)
    assert form.status_code == 200 and "Report a comment" in page_text(form)
    assert 'value="abuse"' in form.content.decode()
    missing = stranger_client.post(url, {"reason": ""})
    assert missing.status_code == 400 and "This field is required." in page_text(missing)
    done = stranger_client.post(url, {"reason": "other", "next": poem.get_absolute_url()})
    assert done["Location"] == f"{poem.get_absolute_url()}#comment-{comment.pk}"
    followed = stranger_client.get(done["Location"])
    assert "Thank you: staff will look at this comment." in page_text(followed)


def test_a_next_address_elsewhere_is_ignored(poem, stranger_client):
    response = stranger_client.post(
        comments_url(poem), {"body": "Hi", "next": "https://evil.example/"}
    )
    assert response["Location"].startswith(poem.get_absolute_url())


def test_the_conversation_has_a_page_of_its_own_with_older_comments(poem, other_member, client):
    for n in range(35):
        services.comment_add(author=other_member, target=poem, body=f"Comment {n}")
    page = client.get(comments_url(poem))
    assert page.status_code == 200 and "“Harbour at Dusk”" in page_text(page)
    bodies = comment_bodies(page.content.decode())
    assert bodies[0] == "Comment 34" and len(bodies) == 30
    older = re.search(r'hx-get="([^"]+)"[^>]*>Older comments', page.content.decode())
    assert older
    rest = client.get(older[1].replace("&amp;", "&"), headers=HTMX)
    assert comment_bodies(rest.content.decode()) == [f"Comment {n}" for n in range(4, -1, -1)]


# Hearts and follows --------------------------------------------------------------------------


def test_hearting_from_the_record_page(poem, stranger_client):
    url = f"/feedback/records/{poem.pk}/heart/"
    on = stranger_client.post(url, {"action": "add"}, headers=HTMX)
    assert on.status_code == 200 and 'aria-pressed="true"' in on.content.decode()
    assert '<span class="heart-count">1</span>' in on.content.decode()
    stranger_client.post(url, {"action": "add"})  # again: still one
    assert Heart.objects.count() == 1
    off = stranger_client.post(url, {"action": "remove", "next": poem.get_absolute_url()})
    assert off["Location"] == poem.get_absolute_url() and not Heart.objects.exists()


def test_a_hidden_record_cannot_be_hearted(member, stranger_client):
    draft = text_record(member, published=False)
    response = stranger_client.post(f"/feedback/records/{draft.pk}/heart/", headers=HTMX)
    assert response.status_code == 404 and not Heart.objects.exists()


def test_following_from_the_member_page(member, other_member, stranger_client, client):
    page = page_text(stranger_client.get("/@poet/"))
    assert "0 followers" in page and ">Follow</button>" in page
    followed = stranger_client.post("/feedback/members/poet/follow/", {"action": "follow"},
                                    headers=HTMX)  # fmt: skip
    assert "✓ Following" in page_text(followed) and "1 follower" in page_text(followed)
    assert Follow.objects.filter(follower=other_member, member=member).exists()
    assert "✓ Following" in page_text(stranger_client.get("/@poet/"))
    assert "1 follower" in page_text(client.get("/@poet/"))  # visitors see the count
    stranger_client.post("/feedback/members/poet/follow/", {"action": "unfollow"})
    assert not Follow.objects.exists()


def test_following_yourself_is_refused_and_not_offered(member, member_client):
    assert ">Follow</button>" not in page_text(member_client.get("/@poet/"))
    response = member_client.post("/feedback/members/poet/follow/", {"action": "follow"})
    assert response.status_code == 400 and "You cannot follow yourself." in page_text(response)
    assert not Follow.objects.exists()


def test_following_a_collaboration_from_its_page(member, stranger_client):
    collab = collaboration(member)
    response = stranger_client.post(f"/feedback/collaborations/{collab.pk}/follow/", headers=HTMX)
    assert response.status_code == 200 and "✓ Following" in page_text(response)


# The activity feed ---------------------------------------------------------------------------


def test_the_home_page_loads_the_feed_of_who_you_follow(member, other_member, stranger_client):
    home = stranger_client.get("/")
    assert 'hx-get="/feed/?preview=1" hx-trigger="load"' in home.content.decode()
    assert stranger_client.get("/feed/?preview=1", headers=HTMX).content == b""  # follows nobody
    services.follow_add(follower=other_member, member=member)
    empty = page_text(stranger_client.get("/feed/?preview=1", headers=HTMX))
    assert "From people and collaborations you follow" in empty and "Nothing new" in empty
    text_record(member, title="Harbour at Dusk")
    section_html = page_text(stranger_client.get("/feed/?preview=1", headers=HTMX))
    assert "Poet posted “Harbour at Dusk”" in section_html
    assert 'href="/feed/"' in section_html


def test_the_feed_page_pages_with_htmx(member, other_member, stranger_client):
    services.follow_add(follower=other_member, member=member)
    for n in range(32):
        text_record(member, title=f"Poem {n}")
    page = stranger_client.get("/feed/")
    text = page_text(page)
    assert text.count('class="activity-text"') == 30 and "Poet posted “Poem 31”" in text
    more = re.search(r'hx-get="([^"]+)"', page.content.decode())
    assert more
    rest = page_text(stranger_client.get(more[1], headers=HTMX))
    assert rest.count('class="activity-text"') == 2 and "Poet posted “Poem 0”" in rest


def test_the_feed_page_explains_itself_when_you_follow_nobody(stranger_client):
    assert "You do not follow anyone yet." in page_text(stranger_client.get("/feed/"))


# Collaborations and submissions (the partial other pages include) ------------------------------


def test_the_conversation_of_a_collaboration_and_a_submission(
    member, other_member, stranger_client, upload
):
    collab = collaboration(member)
    url = f"/feedback/collaborations/{collab.pk}/comments/"
    posted = stranger_client.post(url, {"body": "Count me in"})
    assert posted["Location"] == f"/collaborations/{collab.pk}/#comment-{Comment.objects.get().pk}"
    assert comment_bodies(section(stranger_client.get(url))) == ["Count me in"]

    footage = record_create_upload(author=other_member, upload=upload("clip"), title="Dawn")
    entry = submission(collab, footage)
    url = f"/feedback/submissions/{entry.pk}/comments/"
    posted = stranger_client.post(url, {"body": "Shot at dawn", "timecode": "0:00.3"})
    assert posted.status_code == 302
    assert Comment.objects.get(submission=entry).timecode == 0.3
    outsider = Client()
    outsider.force_login(type(member).objects.create(username="outsider"))
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"body": "x"}).status_code == 404
    assert Comment.objects.filter(submission=entry).count() == 1
