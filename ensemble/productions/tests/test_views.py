"""Production pages through the Django test client: who may open what (404 before release, 403
for those who may not edit), every edit from the cut editor with htmx and without, each refusal
shown with its message and nothing changed, the render panel from request to player, the
credits page, and query counts that do not grow with the number of clips."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ensemble.collabs import services as collab_services
from ensemble.productions import services, timeline
from ensemble.productions.models import Cut, Production, Render
from ensemble.records.models import Licence
from tests.factories import text_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_ladder")]

HTMX = {"HX-Request": "true"}


def client_for(member: Any | None) -> Client:
    client = Client()
    if member is not None:
        client.force_login(member)
    return client


@pytest.fixture
def production(leader: Any, collaboration: Any) -> Production:
    return services.production_create(
        owner=leader, title="In a City", collaboration=collaboration, commercial=True
    )


@pytest.fixture
def cut(leader: Any, production: Production) -> Cut:
    return services.cut_create(actor=leader, production=production, name="Official")


@pytest.fixture
def footage(artist: Any, collaboration: Any, make_media: Callable[..., Any]) -> dict[str, Any]:
    """Two clips submitted to the collaboration, and a sound."""
    cairo = make_media(artist, "clip", title="Cairo", city="Cairo")
    rio = make_media(artist, "lofi", title="Rio", city="Rio")
    hum = make_media(artist, "tone", title="Hum")
    collab_services.submission_create(
        member=artist, collaboration=collaboration, records=[cairo, rio, hum]
    )
    return {"cairo": cairo, "rio": rio, "hum": hum}


def editor_url(cut: Cut, action: str) -> str:
    return reverse("productions:edit_cut", kwargs={"cut_id": cut.pk, "action": action})


def unchanged(cut: Cut) -> tuple[int, Any]:
    fresh = Cut.objects.get(pk=cut.pk)
    return fresh.revision, fresh.timeline


def clips_of(cut: Cut) -> list[tuple[str, float, float, str]]:
    document = timeline.load(Cut.objects.get(pk=cut.pk).timeline)
    return [(c.name, c.start, c.duration, c.transition) for c in document.clips]


# Who may open what -------------------------------------------------------------------------------


def test_a_draft_is_seen_only_by_its_leaders(
    leader: Any, other_member: Any, production: Production, cut: Cut
) -> None:
    detail = reverse("productions:detail", kwargs={"pk": production.pk})
    for url in (
        detail,
        reverse("productions:editor", kwargs={"cut_id": cut.pk}),
        reverse("productions:credits", kwargs={"cut_id": cut.pk}),
    ):
        assert client_for(None).get(url).status_code in (302, 404)  # the editor asks for a login
        assert client_for(other_member).get(url).status_code == 404
        assert client_for(leader).get(url).status_code == 200
    answer = client_for(other_member).post(editor_url(cut, "clip-remove"), {"index": 0})
    assert answer.status_code == 404
    listed = client_for(None).get(reverse("productions:list"))
    assert "In a City" not in listed.content.decode()
    assert "In a City" in client_for(leader).get(reverse("productions:list")).content.decode()


def test_before_release_others_see_a_countdown_and_after_it_the_cuts(
    leader: Any, other_member: Any, production: Production, cut: Cut
) -> None:
    soon = timezone.now() + timedelta(days=3, hours=2)
    services.production_release_set(actor=leader, production=production, release_at=soon)
    page = client_for(other_member).get(reverse("productions:detail", kwargs={"pk": production.pk}))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Premieres in" in text
    assert re.search(r"3 days [12] hours?", text)
    assert "Official" not in text  # no cut switcher, no cuts
    credits = reverse("productions:credits", kwargs={"cut_id": cut.pk})
    assert client_for(other_member).get(credits).status_code == 404
    leader_page = client_for(leader).get(
        reverse("productions:detail", kwargs={"pk": production.pk})
    )
    assert "Not released yet" in leader_page.content.decode()

    services.production_release_set(
        actor=leader, production=production, release_at=timezone.now() - timedelta(minutes=1)
    )
    page = client_for(other_member).get(reverse("productions:detail", kwargs={"pk": production.pk}))
    assert "Official" in page.content.decode()
    assert client_for(other_member).get(credits).status_code == 200
    editor = client_for(other_member).get(reverse("productions:editor", kwargs={"cut_id": cut.pk}))
    assert editor.status_code == 403
    assert "Only the production's owner and its collaboration's leaders" in html.unescape(
        editor.content.decode()
    )


def test_extras_show_on_their_own_release_date(
    leader: Any, other_member: Any, production: Production, artist: Any
) -> None:
    now = timezone.now()
    services.production_release_set(actor=leader, production=production, release_at=now)
    seen = text_record(artist, title="Behind the scenes")
    later = text_record(artist, title="Unseen footage")
    services.extra_add(actor=leader, production=production, record=seen)
    services.extra_add(
        actor=leader, production=production, record=later, release_at=now + timedelta(days=2)
    )
    page = client_for(other_member).get(reverse("productions:detail", kwargs={"pk": production.pk}))
    assert "Behind the scenes" in page.content.decode()
    assert "Unseen footage" not in page.content.decode()
    assert "Unseen footage" in client_for(leader).get(page.request["PATH_INFO"]).content.decode()


# Making and editing a production ----------------------------------------------------------------


def test_a_leader_makes_a_production_with_a_release_time_in_a_zone(
    leader: Any, artist: Any, collaboration: Any
) -> None:
    url = reverse("productions:create")
    form = client_for(leader).get(f"{url}?collaboration={collaboration.pk}")
    assert form.status_code == 200 and "Make a production" in form.content.decode()
    assert client_for(artist).get(f"{url}?collaboration={collaboration.pk}").status_code == 403
    answer = client_for(leader).post(
        url,
        {
            "collaboration": collaboration.pk, "title": "In a City", "description": "A *walk*.",
            "commercial": "no", "release_at": "2031-05-01T20:00",
            "release_at_zone": "Europe/Prague",
        },
    )  # fmt: skip
    production = Production.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("productions:detail", kwargs={"pk": production.pk})
    assert production.collaboration == collaboration and not production.commercial
    assert production.release_at is not None
    assert production.release_at.isoformat() == "2031-05-01T18:00:00+00:00"

    refused = client_for(leader).post(url, {"title": " ", "commercial": "yes"})
    assert refused.status_code == 400
    assert "A title is needed." in refused.content.decode()
    bad_time = client_for(leader).post(
        url, {"title": "X", "commercial": "yes", "release_at": "soon", "release_at_zone": "UTC"}
    )
    assert bad_time.status_code == 400
    assert "The release time must be a date and time" in bad_time.content.decode()
    assert Production.objects.count() == 1


def test_making_a_production_commercial_is_refused_while_a_cut_uses_an_nc_source(
    leader: Any, artist: Any, collaboration: Any, make_media: Callable[..., Any]
) -> None:
    production = services.production_create(
        owner=leader, title="Free film", collaboration=collaboration, commercial=False
    )
    cut = services.cut_create(actor=leader, production=production, name="Official")
    nc = make_media(artist, "clip", title="Porto", licence=Licence.CC_BY_NC)
    services.clip_add(actor=leader, cut=cut, version=nc.current_version)
    answer = client_for(leader).post(
        reverse("productions:edit", kwargs={"pk": production.pk}),
        {"title": "Free film", "commercial": "yes", "release_at_zone": "UTC"},
    )
    assert answer.status_code == 403
    assert "forbids commercial use" in answer.content.decode()
    production.refresh_from_db()
    assert not production.commercial


def test_the_collaboration_page_offers_a_production_to_its_leaders(
    leader: Any, artist: Any, production: Production, collaboration: Any
) -> None:
    url = collaboration.get_absolute_url()
    assert "Make a production" in client_for(leader).get(url).content.decode()
    assert "Make a production" not in client_for(artist).get(url).content.decode()
    assert f"/productions/{production.pk}/" in client_for(leader).get(url).content.decode()
    assert f"/productions/{production.pk}/" not in client_for(artist).get(url).content.decode()


# The cut editor ---------------------------------------------------------------------------------


def test_the_editor_builds_a_cut_with_htmx(leader: Any, cut: Cut, footage: dict[str, Any]) -> None:
    client = client_for(leader)
    page = client.get(reverse("productions:editor", kwargs={"cut_id": cut.pk})).content.decode()
    assert "Cairo" in page and "Rio" in page and 'id="cut-editor"' in page

    cairo, rio = footage["cairo"].current_version, footage["rio"].current_version
    answer = client.post(
        editor_url(cut, "clip-add"),
        {"version": cairo.pk, "revision": 1, "lower_third": "Cairo"},
        headers=HTMX,
    )
    assert answer.status_code == 200
    fragment = answer.content.decode()
    assert fragment.lstrip().startswith('<div id="cut-editor"') and "<html" not in fragment
    assert 'value="2"' in fragment  # the next edit carries the new revision
    client.post(editor_url(cut, "clip-add"), {"version": rio.pk, "revision": 2}, headers=HTMX)
    client.post(
        editor_url(cut, "clip-trim"), {"index": 0, "start": "0.4", "end": "1.4", "revision": 3},
        headers=HTMX,
    )  # fmt: skip
    client.post(editor_url(cut, "clip-move"), {"from": 1, "to": 0, "revision": 4}, headers=HTMX)
    client.post(
        editor_url(cut, "clip-transition"),
        {"index": 1, "transition": "crossfade", "seconds": "0.4", "revision": 5}, headers=HTMX,
    )  # fmt: skip
    assert clips_of(cut) == [("Rio", 0.0, 2.0, "cut"), ("Cairo", 0.4, 1.0, "crossfade")]
    # without script: the up/down buttons post and come back to the editor
    answer = client.post(
        editor_url(cut, "clip-move"), {"index": 1, "direction": "up", "revision": 6}
    )
    assert answer.status_code == 302 and answer["Location"].endswith("#clip-0")
    assert [c[0] for c in clips_of(cut)] == ["Cairo", "Rio"]

    client.post(
        editor_url(cut, "bed-set"),
        {"version": footage["hum"].current_version.pk, "offset": "0", "volume": "0.6",
         "role": "music", "revision": 7}, headers=HTMX,
    )  # fmt: skip
    client.post(
        editor_url(cut, "title-add"),
        {"kind": "title", "text": "In a City", "start": "0", "duration": "1", "revision": 8},
        headers=HTMX,
    )  # fmt: skip
    document = timeline.load(Cut.objects.get(pk=cut.pk).timeline)
    assert [(b.name, b.volume, b.duration) for b in document.beds] == [
        ("Hum", 0.6, document.duration)
    ]
    assert [(t.text, t.start, t.duration) for t in document.titles] == [("In a City", 0.0, 1.0)]
    page = client.get(reverse("productions:editor", kwargs={"cut_id": cut.pk})).content.decode()
    assert "Hum" in page and "“In a City”" in page and "Cairo</span>" in page  # lower third

    client.post(editor_url(cut, "title-remove"), {"index": 0, "revision": 9}, headers=HTMX)
    client.post(editor_url(cut, "bed-remove"), {"index": 0, "revision": 10}, headers=HTMX)
    client.post(editor_url(cut, "clip-remove"), {"index": 0, "revision": 11}, headers=HTMX)
    document = timeline.load(Cut.objects.get(pk=cut.pk).timeline)
    assert (len(document.clips), len(document.beds), len(document.titles)) == (1, 0, 0)


@pytest.mark.parametrize(
    ("action", "data", "status", "message"),
    [
        ("clip-trim", {"index": 0, "start": "0.5", "end": "9"}, 400, "is outside “Cairo”"),
        ("clip-trim", {"index": 0, "start": "1", "end": "0.5"}, 400, "must come after the in"),
        ("clip-trim", {"index": 0, "start": "soon", "end": "1"}, 400, "must be a number"),
        ("clip-transition", {"index": 0, "transition": "crossfade", "seconds": "0.4"}, 400,
         "The first clip has nothing before it"),
        ("clip-move", {"from": 0, "to": 7}, 400, "There is no place 8"),
        ("clip-remove", {"index": 4}, 400, "There is no clip 5"),
        ("clip-add", {"version": 999999}, 400, "There is no such record version"),
        ("bed-set", {"version": "", "offset": "0"}, 400, "Choose an audio record for the bed"),
        ("title-add", {"kind": "title", "text": "", "start": "0", "duration": "1"}, 400,
         "A title needs some text"),
        ("refresh", {}, 400, "This cut was made by hand"),
    ],
)  # fmt: skip
def test_each_refusal_is_shown_beside_its_control_and_changes_nothing(
    leader: Any, cut: Cut, footage: dict[str, Any], action: str, data: dict[str, Any],
    status: int, message: str,
) -> None:  # fmt: skip
    services.clip_add(actor=leader, cut=cut, version=footage["cairo"].current_version)
    before = unchanged(cut)
    client = client_for(leader)
    answer = client.post(editor_url(cut, action), {**data, "revision": before[0]}, headers=HTMX)
    assert answer.status_code == status
    assert message in answer.content.decode()
    assert 'role="alert"' in answer.content.decode()
    assert unchanged(cut) == before
    # without script: the whole editor, with the same message
    page = client.post(editor_url(cut, action), {**data, "revision": before[0]})
    assert page.status_code == status and message in page.content.decode()
    assert "<html" in page.content.decode()
    assert unchanged(cut) == before


def test_a_title_is_edited_from_the_editor(leader: Any, cut: Cut, footage: dict[str, Any]) -> None:
    services.clip_add(actor=leader, cut=cut, version=footage["cairo"].current_version)  # 2 s
    services.title_add(actor=leader, cut=cut, text="In a City", start=0, duration=1)
    client = client_for(leader)
    page = client.get(reverse("productions:editor", kwargs={"cut_id": cut.pk})).content.decode()
    edit = page[page.index('id="title-0"') :]
    edit = edit[: edit.index("</li>")]
    assert "Edit the title" in edit and editor_url(cut, "title-update") in edit
    assert 'name="text" maxlength="300" value="In a City"' in edit  # today's values, to change
    assert 'name="start" min="0" step="0.04" value="0"' in edit
    assert 'name="duration" min="0.04" step="0.04" value="1"' in edit

    answer = client.post(
        editor_url(cut, "title-update"),
        {"index": 0, "kind": "subtitle", "text": "Seven cities", "start": "0,4", "duration": "1.2",
         "revision": 3}, headers=HTMX,
    )  # fmt: skip
    assert answer.status_code == 200
    fragment = answer.content.decode()
    assert "Title changed." in fragment and "“Seven cities”" in fragment and 'value="4"' in fragment
    document = timeline.load(Cut.objects.get(pk=cut.pk).timeline)
    assert [(t.text, t.start, t.duration, t.kind) for t in document.titles] == [
        ("Seven cities", 0.4, 1.2, "subtitle")
    ]
    # without script: back to the editor, at the titles
    answer = client.post(
        editor_url(cut, "title-update"),
        {"index": 0, "kind": "title", "text": "Seven cities", "start": "0", "duration": "1",
         "revision": 4},
    )  # fmt: skip
    assert answer.status_code == 302 and answer["Location"].endswith("#titles")
    assert timeline.load(Cut.objects.get(pk=cut.pk).timeline).titles[0].kind == "title"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"index": 0, "text": " ", "start": "0", "duration": "1"}, "A title needs some text."),
        ({"index": 0, "text": "Fin", "start": "1.6", "duration": "1"},
         "The title would run from 1.6 s to 2.6 s, past the end of the film (2 s)"),
        ({"index": 0, "text": "Fin", "start": "-1", "duration": "1"},
         "The start must be zero seconds or more."),
        ({"index": 0, "text": "Fin", "start": "soon", "duration": "1"},
         "The start must be a number of seconds."),
        ({"index": 0, "text": "Fin", "start": "0", "duration": "1.2"}, "overlaps “Rain”"),
        ({"index": 5, "text": "Fin", "start": "0", "duration": "1"}, "There is no title 6."),
    ],
)  # fmt: skip
def test_a_bad_title_edit_is_shown_beside_the_title_and_changes_nothing(
    leader: Any, cut: Cut, footage: dict[str, Any], data: dict[str, Any], message: str
) -> None:
    services.clip_add(actor=leader, cut=cut, version=footage["cairo"].current_version)  # 2 s
    services.title_add(actor=leader, cut=cut, text="In a City", start=0, duration=1)
    services.title_add(actor=leader, cut=cut, text="Rain", start=1, duration=0.4)
    before = unchanged(cut)
    client = client_for(leader)
    answer = client.post(
        editor_url(cut, "title-update"), {**data, "revision": before[0]}, headers=HTMX
    )
    assert answer.status_code == 400
    fragment = html.unescape(answer.content.decode())
    assert message in fragment, re.findall(r'role="alert">(.*?)<', fragment)
    where = 'id="title-0"' if data["index"] == 0 else 'id="titles"'
    block = fragment[fragment.index(where) :]
    assert block.index(message) < block.index("</li>" if data["index"] == 0 else "</section>")
    if data["index"] == 0:
        assert '<details class="title-edit" open>' in block[: block.index("</li>")]
    assert unchanged(cut) == before
    page = client.post(editor_url(cut, "title-update"), {**data, "revision": before[0]})
    assert page.status_code == 400 and message in html.unescape(page.content.decode())
    assert unchanged(cut) == before


def test_only_editors_may_edit_a_title(
    leader: Any, artist: Any, production: Production, cut: Cut, footage: dict[str, Any]
) -> None:
    services.clip_add(actor=leader, cut=cut, version=footage["cairo"].current_version)
    services.title_add(actor=leader, cut=cut, text="In a City", start=0, duration=1)
    services.production_release_set(actor=leader, production=production, release_at=timezone.now())
    before = unchanged(cut)
    data = {"index": 0, "text": "Mine", "start": "0", "duration": "1"}
    answer = client_for(artist).post(editor_url(cut, "title-update"), data, headers=HTMX)
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith("Only the production's owner")
    assert client_for(None).post(editor_url(cut, "title-update"), data).status_code == 302
    assert unchanged(cut) == before


def test_a_record_the_production_may_not_use_is_refused_with_its_licence(
    leader: Any, artist: Any, cut: Cut, collaboration: Any, make_media: Callable[..., Any]
) -> None:
    nc = make_media(artist, "clip", title="Porto", licence=Licence.CC_BY_NC)
    collab_services.submission_create(member=artist, collaboration=collaboration, records=[nc])
    client = client_for(leader)
    page = client.get(reverse("productions:editor", kwargs={"cut_id": cut.pk})).content.decode()
    assert "which forbids commercial use" in page  # the picker says why before anyone tries
    before = unchanged(cut)
    answer = client.post(
        editor_url(cut, "clip-add"), {"version": nc.current_version.pk, "revision": 1}, headers=HTMX
    )
    assert answer.status_code == 403
    assert "“Porto” by Walker, licensed CC BY-NC 4.0, which forbids commercial use" in (
        answer.content.decode()
    )
    assert unchanged(cut) == before


def test_a_stale_revision_asks_for_a_reload_and_changes_nothing(
    leader: Any, cut: Cut, footage: dict[str, Any]
) -> None:
    services.clip_add(actor=leader, cut=cut, version=footage["cairo"].current_version)
    services.clip_add(actor=leader, cut=cut, version=footage["rio"].current_version)
    before = unchanged(cut)  # revision 3; the editor saw 2
    client = client_for(leader)
    answer = client.post(editor_url(cut, "clip-remove"), {"index": 0, "revision": 2}, headers=HTMX)
    assert answer.status_code == 409
    assert answer["HX-Retarget"] == "#cut-message"
    assert "Someone else changed this cut" in answer.content.decode()
    assert "Reload" in answer.content.decode()
    page = client.post(editor_url(cut, "clip-trim"), {"index": 0, "start": 0, "end": 1,
                                                      "revision": 2})  # fmt: skip
    assert page.status_code == 409 and "Someone else changed this cut" in page.content.decode()
    assert unchanged(cut) == before


def test_an_editor_who_may_not_edit_gets_403_and_nothing_changes(
    leader: Any, artist: Any, production: Production, cut: Cut, footage: dict[str, Any]
) -> None:
    services.production_release_set(actor=leader, production=production, release_at=timezone.now())
    before = unchanged(cut)
    answer = client_for(artist).post(
        editor_url(cut, "clip-add"), {"version": footage["cairo"].current_version.pk}, headers=HTMX
    )
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith("Only the production's owner")
    assert unchanged(cut) == before
    assert client_for(None).post(editor_url(cut, "clip-remove"), {"index": 0}).status_code == 302


def test_cuts_are_made_from_rules_and_refreshed_from_curation(
    leader: Any, artist: Any, production: Production, collaboration: Any,
    make_media: Callable[..., Any],
) -> None:  # fmt: skip
    first = make_media(artist, "clip", title="Cairo", city="Cairo")
    collab_services.submission_create(member=artist, collaboration=collaboration, records=[first])
    client = client_for(leader)
    answer = client.post(
        reverse("productions:cut_create", kwargs={"pk": production.pk}), {"preset": "Extended"}
    )
    cut = Cut.objects.get(name="Extended")
    assert answer["Location"] == reverse("productions:editor", kwargs={"cut_id": cut.pk})
    assert clips_of(cut) == []  # nothing selected yet
    submission = first_submission = collaboration.submissions.get()
    collab_services.submission_decide(actor=leader, submission=submission, state="selected")
    answer = client.post(editor_url(cut, "refresh"), {"revision": cut.revision}, headers=HTMX)
    assert answer.status_code == 200 and "Refreshed from the curation." in answer.content.decode()
    assert [c[0] for c in clips_of(cut)] == ["Cairo"]
    assert first_submission.record_id == first.pk

    again = client.post(
        reverse("productions:cut_create", kwargs={"pk": production.pk}), {"preset": "Extended"}
    )
    assert again.status_code == 409
    assert "already has a cut named “Extended”" in again.content.decode()
    assert Cut.objects.filter(production=production).count() == 1


def test_a_cut_is_exported_and_an_unreadable_import_is_refused(
    leader: Any, cut: Cut, footage: dict[str, Any]
) -> None:
    services.clip_add(actor=leader, cut=cut, version=footage["cairo"].current_version, end=1)
    client = client_for(leader)
    for format, extension in (("otio", "otio"), ("fcp_xml", "xml"), ("edl", "edl")):
        answer = client.get(
            reverse("productions:export", kwargs={"cut_id": cut.pk, "format": format})
        )
        assert answer.status_code == 200
        assert answer["Content-Disposition"] == (
            f'attachment; filename="In-a-City-Official.{extension}"'
        )
    exported = client.get(reverse("productions:export", kwargs={"cut_id": cut.pk,
                                                               "format": "otio"}))  # fmt: skip
    assert "http://testserver/records/" in exported.content.decode()

    before = unchanged(cut)
    from django.core.files.uploadedfile import SimpleUploadedFile

    broken = SimpleUploadedFile("cut.otio", b"{not json", content_type="application/json")
    answer = client.post(
        reverse("productions:import", kwargs={"cut_id": cut.pk}),
        {"file": broken, "format": "otio", "revision": before[0]}, headers=HTMX,
    )  # fmt: skip
    assert answer.status_code == 400
    assert "could not be read as an OpenTimelineIO file" in answer.content.decode()
    assert unchanged(cut) == before

    # the exported file comes back as the new state of the cut
    good = SimpleUploadedFile("cut.otio", exported.content, content_type="application/json")
    services.clip_add(actor=leader, cut=cut, version=footage["rio"].current_version)
    answer = client.post(
        reverse("productions:import", kwargs={"cut_id": cut.pk}),
        {"file": good, "format": "otio", "revision": before[0] + 1}, headers=HTMX,
    )  # fmt: skip
    assert answer.status_code == 200, answer.content.decode()[:500]
    assert [c[0] for c in clips_of(cut)] == ["Cairo"]


# Rendering ------------------------------------------------------------------------------------


def test_the_render_panel_polls_while_rendering_and_then_plays(
    leader: Any, other_member: Any, production: Production, cut: Cut, footage: dict[str, Any]
) -> None:
    client = client_for(leader)
    panel = reverse("productions:render", kwargs={"cut_id": cut.pk})
    empty = client.post(panel, {"height": "1080"}, headers=HTMX)
    assert empty.status_code == 400
    assert "The cut is empty: add at least one clip" in empty.content.decode()
    assert not Render.objects.exists()

    services.clip_add(actor=leader, cut=cut, version=footage["cairo"].current_version, end=1)
    answer = client.post(panel, {"height": "1080"}, headers=HTMX)
    assert answer.status_code == 200
    text = answer.content.decode()
    assert 'hx-trigger="every 1s"' in text and "Waiting for a renderer" in text
    twice = client.post(panel, {"height": "1080"}, headers=HTMX)
    assert twice.status_code == 409
    assert "already being rendered at 1080p" in twice.content.decode()

    render = Render.objects.get()
    done = services.render_run(render_id=render.pk)
    assert done is not None and done.state == "succeeded", done and done.message
    status = client.get(
        reverse("productions:render_status", kwargs={"cut_id": cut.pk}), headers=HTMX
    )
    text = status.content.decode()
    assert "every 1s" not in text and "Ready." in text
    film = reverse("productions:render_file", kwargs={"render_id": render.pk,
                                                      "name": "video-144p.mp4"})  # fmt: skip
    assert film in text
    ranged = client.get(film, HTTP_RANGE="bytes=0-99")
    assert ranged.status_code == 206 and ranged["Content-Type"] == "video/mp4"
    assert len(b"".join(ranged.streaming_content)) == 100  # type: ignore[attr-defined]
    assert client_for(other_member).get(film).status_code == 404  # not released
    assert client.get(film.replace("video-144p", "nothing")).status_code == 404

    services.production_release_set(actor=leader, production=production, release_at=timezone.now())
    watch = client_for(other_member).get(
        reverse("productions:detail", kwargs={"pk": production.pk})
    )
    assert film in watch.content.decode()
    assert client_for(other_member).get(film).status_code == 200


def test_a_render_is_cancelled_from_the_panel(
    leader: Any, cut: Cut, footage: dict[str, Any]
) -> None:
    services.clip_add(actor=leader, cut=cut, version=footage["cairo"].current_version, end=1)
    render = services.render_request(actor=leader, cut=cut)
    answer = client_for(leader).post(
        reverse("productions:render_cancel", kwargs={"render_id": render.pk}), headers=HTMX
    )
    assert answer.status_code == 200 and "Cancelled." in answer.content.decode()
    render.refresh_from_db()
    assert render.state == "cancelled"


# Credits and query counts -----------------------------------------------------------------------


def test_the_credits_page_groups_artists_by_role_and_links_them(
    leader: Any, artist: Any, cut: Cut, footage: dict[str, Any]
) -> None:
    services.clip_add(actor=leader, cut=cut, version=footage["cairo"].current_version)
    page = client_for(leader).get(reverse("productions:credits", kwargs={"cut_id": cut.pk}))
    text = page.content.decode()
    assert "Cohered by 2 artists" in text
    assert text.index("Produced by · Edited by") < text.index("Footage")
    assert f'href="{artist.get_absolute_url()}"' in text
    assert f'href="{leader.get_absolute_url()}"' in text


def test_the_editor_and_credits_cost_the_same_queries_for_many_clips(
    leader: Any, cut: Cut, footage: dict[str, Any], django_assert_max_num_queries: Any,
    artist: Any, make_member: Callable[..., Any],
) -> None:  # fmt: skip
    client = client_for(leader)
    editor = reverse("productions:editor", kwargs={"cut_id": cut.pk})
    credits = reverse("productions:credits", kwargs={"cut_id": cut.pk})
    versions = [footage["cairo"].current_version, footage["rio"].current_version]
    for number in range(40):
        services.clip_add(actor=leader, cut=cut, version=versions[number % 2], end=0.5)
    client.get(editor)  # warm caches (content types, sessions)
    with django_assert_max_num_queries(24):
        assert client.get(editor).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(credits).status_code == 200
