"""Productions through the HTTP API: a cut built, exported, imported, credited and rendered for
real on tiny media; and every bad input refused with a 4xx, a readable message and the database
exactly as it was (`snapshot()` before and after).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ensemble.accounts.services import api_token_create
from ensemble.collabs.services import submission_create, submission_decide
from ensemble.productions import jobs, services, timeline
from ensemble.productions.models import Cut, CutItem, Extra, Production, Render
from ensemble.records.services import record_unpublish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_ladder")]

API = "/api/v1"
LOG_IN = "Log in, or send an API token as “Authorization: Bearer <token>”."
EDITORS_ONLY = "Only the production's owner and its collaboration's leaders can do that."
STALE = "The cut changed since you opened it"


def token_client(person: Any) -> Client:
    issued = api_token_create(member=person, name="tests")
    return Client(headers={"Authorization": f"Bearer {issued.secret}"})


def refused(response: Any, status: int, message: str | None = None) -> dict[str, Any]:
    """A JSON error with this status and a readable message (containing `message`)."""
    assert response.status_code == status, response.content[:600]
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("detail"), str) and len(body["detail"].strip()) > 10, body
    if message is not None:
        assert message in body["detail"], body
    return body


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content[:600]
    return response.json()


def send(client: Client, method: str, path: str, data: Any = None) -> Any:
    """A JSON request (bytes are sent as they are)."""
    call = getattr(client, method)
    if data is None:
        return call(f"{API}{path}")
    if isinstance(data, bytes):
        return call(f"{API}{path}", data=data, content_type="application/octet-stream")
    return call(f"{API}{path}", data=data, content_type="application/json")


def snapshot() -> dict[str, Any]:
    """Every row the production endpoints write, and the tasks they enqueue."""
    return {
        "productions": list(Production.objects.order_by("pk").values()),
        "cuts": list(Cut.objects.order_by("pk").values()),
        "items": list(CutItem.objects.order_by("pk").values()),
        "editors": list(Cut.editors.through.objects.order_by("pk").values()),
        "renders": list(Render.objects.order_by("pk").values()),
        "extras": list(Extra.objects.order_by("pk").values()),
        "tasks": DBTaskResult.objects.count(),
    }


def streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def production(leader: Any, collaboration: Any) -> Production:
    return services.production_create(
        owner=leader, title="In a City", collaboration=collaboration, commercial=True
    )


@pytest.fixture
def cut(leader: Any, production: Production) -> Cut:
    return services.cut_create(actor=leader, production=production, name="Official")


@pytest.fixture
def cairo(make_media: Callable[..., Any], artist: Any) -> Any:
    return make_media(artist, "clip", title="Cairo", city="Cairo")


@pytest.fixture
def as_leader(leader: Any) -> Client:
    return token_client(leader)


def release_now(leader: Any, production: Production) -> Production:
    return services.production_release_set(
        actor=leader, production=production, release_at=timezone.now() - timedelta(minutes=1)
    )


# The whole way through ---------------------------------------------------------------------


def test_a_leader_builds_a_cut_renders_it_and_hands_it_to_an_editor(
    leader: Any,
    artist: Any,
    collaboration: Any,
    cairo: Any,
    make_media: Callable[..., Any],
    as_leader: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    rio = make_media(artist, "lofi", title="Rio", city="Rio")
    tone = make_media(artist, "tone", title="Hum")
    later = (timezone.now() + timedelta(days=2)).isoformat()
    made = ok(
        send(as_leader, "post", "/productions", {
            "title": "In a City", "collaboration_id": collaboration.pk, "release_at": later,
            "description": "Seven **cities**.",
        }),
        201,
    )  # fmt: skip
    assert (made["you_edit"], made["watchable"], made["released"], made["cuts"]) == (
        True, True, False, [],
    )  # fmt: skip
    assert made["collaboration"]["id"] == collaboration.pk
    assert made["owner"]["username"] == "producer"
    assert 0 < made["seconds_to_release"] <= 2 * 86400
    pid = made["id"]
    cut = ok(send(as_leader, "post", f"/productions/{pid}/cuts", {"name": "Official"}), 201)
    cid, revision = cut["id"], cut["revision"]
    assert (cut["clips"], cut["rule"], cut["duration"]) == ([], None, 0.0)

    # Clips: add three, move the last to the front, remove it, trim, crossfade.
    body = {"record_id": cairo.pk, "start": 0.4, "end": 1.4, "lower_third": "Cairo"}
    cut = ok(send(as_leader, "post", f"/cuts/{cid}/clips", {**body, "revision": revision}))
    assert cut["revision"] == revision + 1
    cut = ok(send(as_leader, "post", f"/cuts/{cid}/clips", {
        "version_id": rio.current_version_id, "start": 0, "end": 1,
    }))  # fmt: skip
    cut = ok(send(as_leader, "post", f"/cuts/{cid}/clips", {"record_id": rio.pk, "end": 0.6}))
    cut = ok(send(as_leader, "post", f"/cuts/{cid}/clips/2/move", {"to_index": 0}))
    assert [(c["name"], c["end"]) for c in cut["clips"]] == [
        ("Rio", 0.6), ("Cairo", 1.4), ("Rio", 1.0),
    ]  # fmt: skip
    cut = ok(send(as_leader, "delete", f"/cuts/{cid}/clips/0?revision={cut['revision']}"))
    cut = ok(send(as_leader, "post", f"/cuts/{cid}/clips/0/trim", {"start": 0.4, "end": 1.4}))
    cut = ok(send(as_leader, "put", f"/cuts/{cid}/clips/1/transition", {
        "transition": "crossfade", "seconds": 0.4, "revision": cut["revision"],
    }))  # fmt: skip
    cut = ok(send(as_leader, "post", f"/cuts/{cid}/beds", {"record_id": tone.pk, "volume": 0.5}))
    cut = ok(send(as_leader, "post", f"/cuts/{cid}/titles", {
        "text": "In a City", "start": 0, "duration": 0.8,
    }))  # fmt: skip

    read = ok(as_leader.get(f"{API}/cuts/{cid}"))
    assert read == cut
    assert [
        (c["index"], c["name"], c["start"], c["end"], c["transition"], c["transition_seconds"])
        for c in read["clips"]
    ] == [(0, "Cairo", 0.4, 1.4, "cut", 0.0), (1, "Rio", 0.0, 1.0, "crossfade", 0.4)]
    assert read["clips"][0]["lower_third"] == "Cairo" and read["clips"][0]["available"]
    assert read["duration"] == pytest.approx(1.6)
    assert [(b["name"], b["volume"], b["role"]) for b in read["beds"]] == [("Hum", 0.5, "music")]
    assert [(t["text"], t["start"], t["duration"]) for t in read["titles"]] == [
        ("In a City", 0.0, 0.8)
    ]
    assert [(u["record"]["title"], u["track"], u["role"], u["licence"]) for u in read["uses"]] == [
        ("Cairo", "video", "footage", "ensemble-remix"),
        ("Hum", "audio", "music", "ensemble-remix"),
        ("Rio", "video", "footage", "ensemble-remix"),
    ]
    assert read["uses"][0]["licence_label"] == "Ensemble remix licence"
    assert [e["username"] for e in read["editors"]] == ["producer"]

    credits = ok(as_leader.get(f"{API}/cuts/{cid}/credits"))
    assert credits["cohered_by"] == "Cohered by 2 artists" and credits["count"] == 2
    assert [(c["username"], c["roles"]) for c in credits["credits"]] == [
        ("producer", ["production", "editing"]),
        ("walker", ["footage", "music"]),
    ]
    assert credits["roll"][0] == {"heading": "Cohered by 2 artists", "names": []}
    assert credits["roll"][1] == {"heading": "Produced by · Edited by", "names": ["Producer"]}

    # Interchange: each format downloads with its name and type, media linked absolutely.
    files = {}
    for fmt, content_type, filename in [
        ("otio", "application/json", "In-a-City-Official.otio"),
        ("fcp_xml", "application/xml", "In-a-City-Official.xml"),
        ("edl", "text/plain", "In-a-City-Official.edl"),
    ]:
        response = as_leader.get(f"{API}/cuts/{cid}/export", {"format": fmt})
        assert response.status_code == 200, response.content[:300]
        assert response["Content-Type"].startswith(content_type)
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
        files[fmt] = response.content
        if fmt != "edl":  # an EDL names its sources by reel only
            assert f"http://testserver/records/{cairo.pk}/v/1/original".encode() in files[fmt]
    otio_json = json.loads(files["otio"])
    assert otio_json["OTIO_SCHEMA"].startswith("Timeline")

    upload = {"file": _named(files["otio"], "from-the-editor.otio")}
    imported = ok(
        as_leader.post(f"{API}/productions/{pid}/cuts/import?name=From+the+editor", data=upload),
        201,
    )
    assert imported["name"] == "From the editor"
    assert _shape(imported) == _shape(read)
    again = ok(
        as_leader.post(
            f"{API}/cuts/{imported['id']}/import?format=fcp_xml",
            data=files["fcp_xml"],
            content_type="application/xml",
        )
    )
    assert [c["version_id"] for c in again["clips"]] == [
        cairo.current_version_id,
        rio.current_version_id,
    ]
    assert again["revision"] == imported["revision"] + 1
    # Editors read a dissolve as handles around the cut: the files say so, and read back the same.
    for fmt, content_type in [("fcp_xml", "application/xml"), ("edl", "text/plain")]:
        back = ok(
            as_leader.post(
                f"{API}/cuts/{imported['id']}/import?format={fmt}",
                data=files[fmt],
                content_type=content_type,
            )
        )
        assert _shape(back)[0] == [(*clip[:5], "") for clip in _shape(read)[0]], fmt

    # Render through the API; the job runs inline here instead of on a worker.
    with django_capture_on_commit_callbacks(execute=True):
        queued = ok(send(as_leader, "post", f"/cuts/{cid}/renders", {}), 202)
    assert (queued["state"], queued["progress"], queued["height"]) == ("queued", 0.0, 1080)
    assert queued["output_url"] is None and queued["ladder"] == []
    assert DBTaskResult.objects.get().queue_name == "render"
    assert Client().get(f"{API}/renders/{queued['id']}").status_code == 404  # not released

    done = jobs.render_run(render_id=queued["id"])
    assert done is not None and done.state == "succeeded", done and done.message
    render = ok(as_leader.get(f"{API}/renders/{queued['id']}"))
    assert (render["state"], render["progress"], render["message"]) == ("succeeded", 1.0, "")
    assert render["outdated"] is False and render["detail"] == ""
    # The files are served by the production pages (HTTP Range), to whoever may watch.
    output = f"http://testserver/productions/renders/{render['id']}/film.mp4"
    assert render["output_url"] == output and render["download_url"] == f"{output}?download=1"
    assert [r["label"] for r in render["ladder"]] == ["144p"]
    assert render["ladder"][0]["url"].endswith(
        f"/productions/renders/{render['id']}/video-144p.mp4"
    )
    assert ok(as_leader.get(f"{API}/cuts/{cid}/renders"))[0] == render

    browser = Client()
    browser.force_login(leader)
    part = browser.get(render["output_url"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part["Content-Type"] == "video/mp4"
    assert part["Content-Range"].startswith("bytes 0-99/")
    head = streamed(part)
    assert len(head) == 100 and head[4:8] == b"ftyp"
    whole = browser.get(render["download_url"])
    assert whole.status_code == 200 and "attachment" in whole["Content-Disposition"]
    assert len(streamed(whole)) == render["size_bytes"]
    rung = browser.get(render["ladder"][0]["url"])
    assert rung.status_code == 200 and streamed(rung)[4:8] == b"ftyp"
    assert Client().get(render["output_url"]).status_code == 404  # not released yet

    # Released: everyone watches; FFmpeg's words stay with the editors.
    ok(send(as_leader, "put", f"/productions/{pid}/release", {
        "release_at": (timezone.now() - timedelta(seconds=5)).isoformat(),
    }))  # fmt: skip
    public = ok(Client().get(f"{API}/renders/{render['id']}"))
    assert public["state"] == "succeeded" and public["detail"] is None
    assert Client().get(public["output_url"]).status_code == 200
    listed = ok(Client().get(f"{API}/productions"))["items"]
    assert [(p["id"], p["watchable"], p["released"]) for p in listed] == [(pid, True, True)]
    # The cut moved on: the render says so.
    ok(send(as_leader, "post", f"/cuts/{cid}/titles", {"text": "Fin", "start": 1, "duration": 0.4}))
    assert ok(as_leader.get(f"{API}/renders/{render['id']}"))["outdated"] is True


def _named(content: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _shape(cut: dict[str, Any]) -> Any:
    """What an editor's round trip must keep."""
    keys = ("version_id", "start", "end", "transition", "transition_seconds", "lower_third")
    return (
        [tuple(c[k] for k in keys) for c in cut["clips"]],
        [(b["version_id"], b["start"], b["duration"], b["volume"]) for b in cut["beds"]],
        [(t["text"], t["start"], t["duration"]) for t in cut["titles"]],
    )


def test_cuts_from_presets_and_a_rule_run_again_after_curation(
    leader: Any,
    artist: Any,
    collaboration: Any,
    cairo: Any,
    production: Production,
    as_leader: Client,
) -> None:
    (submission,) = submission_create(member=artist, collaboration=collaboration, records=[cairo])
    submission_decide(actor=leader, submission=submission, state="selected")
    cuts = ok(as_leader.post(f"{API}/productions/{production.pk}/cuts/presets"), 201)
    assert [(c["name"], [clip["name"] for clip in c["clips"]]) for c in cuts] == [
        ("Official", []),  # 320×180 is not the 4K the Official cut asks for
        ("Extended", ["Cairo"]),
        ("Community", []),
    ]
    assert (
        cuts[1]["rule"]["states"] == ["selected"] and cuts[1]["clips"][0]["lower_third"] == "Cairo"
    )
    refused(as_leader.post(f"{API}/productions/{production.pk}/cuts/presets"), 409, "Official")

    custom = ok(
        send(as_leader, "post", f"/productions/{production.pk}/cuts", {
            "name": "Quick",
            "rule": {"states": ["all"], "seconds_per_clip": 1, "city_titles": False},
        }),
        201,
    )  # fmt: skip
    assert [(c["name"], c["duration"], c["lower_third"]) for c in custom["clips"]] == [
        ("Cairo", 1.0, "")
    ]
    submission_decide(actor=leader, submission=submission, state="passed")
    extended, community = cuts[1], cuts[2]
    refreshed = ok(as_leader.post(f"{API}/cuts/{extended['id']}/refresh"))
    assert refreshed["clips"] == [] and refreshed["revision"] == extended["revision"] + 1
    refreshed = ok(as_leader.post(f"{API}/cuts/{community['id']}/refresh"))
    assert [c["name"] for c in refreshed["clips"]] == ["Cairo"]
    # Unchanged curation: running a rule again does not move the revision.
    assert (
        ok(as_leader.post(f"{API}/cuts/{community['id']}/refresh"))["revision"]
        == (refreshed["revision"])
    )
    hand_made = services.cut_create(actor=leader, production=production, name="By hand")
    before = snapshot()
    refused(as_leader.post(f"{API}/cuts/{hand_made.pk}/refresh"), 400, "made by hand")
    bad_rule = {"name": "Odd", "rule": {"order": "alphabet"}}
    refused(send(as_leader, "post", f"/productions/{production.pk}/cuts", bad_rule), 400, "order")
    odd_preset = {"name": "Odd", "preset": "Director"}
    refused(send(as_leader, "post", f"/productions/{production.pk}/cuts", odd_preset), 400,
            "no preset named “Director”")  # fmt: skip
    assert snapshot() == before


def test_release_extras_and_edits_of_a_production(
    leader: Any, artist: Any, cairo: Any, production: Production, as_leader: Client
) -> None:
    pid = production.pk
    edited = ok(send(as_leader, "patch", f"/productions/{pid}", {"description": "*Seven* cities"}))
    assert edited["title"] == "In a City" and edited["description_html"].startswith("<p><em>")
    before = snapshot()
    naive = {"release_at": "2030-01-01T18:00:00"}
    refused(send(as_leader, "put", f"/productions/{pid}/release", naive), 400, "time zone")
    refused(send(as_leader, "patch", f"/productions/{pid}", {"title": "  "}), 400, "title")
    refused(send(as_leader, "patch", f"/productions/{pid}", {"titel": "x"}), 422, "titel")
    assert snapshot() == before

    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    from conftest import png_bytes

    picture = encode_multipart(BOUNDARY, {"file": _named(png_bytes((40, 30)), "c.png")})
    covered = ok(as_leader.put(f"{API}/productions/{pid}/cover", picture, MULTIPART_CONTENT))
    assert covered["cover_url"] and covered["cover_url"].endswith(".webp")
    before = snapshot()
    refused(as_leader.put(f"{API}/productions/{pid}/cover", b"{}", "application/json"), 400,
            "multipart/form-data")  # fmt: skip
    assert snapshot() == before
    assert ok(as_leader.delete(f"{API}/productions/{pid}/cover"))["cover_url"] is None

    later = timezone.now() + timedelta(days=1)
    extra = ok(
        send(as_leader, "post", f"/productions/{pid}/extras", {
            "record_id": cairo.pk, "title": "Unseen", "release_at": later.isoformat(),
        }),
        201,
    )  # fmt: skip
    assert (extra["title"], extra["released"], extra["record"]["id"]) == ("Unseen", False, cairo.pk)
    refused(send(as_leader, "post", f"/productions/{pid}/extras", {"record_id": cairo.pk}), 409)
    ok(send(as_leader, "put", f"/productions/{pid}/release", {"release_at": later.isoformat()}))
    others = token_client(artist)
    assert ok(others.get(f"{API}/productions/{pid}/extras")) == []
    assert [e["title"] for e in ok(as_leader.get(f"{API}/productions/{pid}/extras"))] == ["Unseen"]
    release_now(leader, production)
    Extra.objects.update(release_at=None)
    assert [e["released"] for e in ok(others.get(f"{API}/productions/{pid}/extras"))] == [True]


# Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message", "field"),
    [
        ({"start": 0, "end": 2.5}, "The range 0–2.5 s is outside “Cairo”, which lasts 2 s.", "end"),
        ({"start": 1.5, "end": 0.5}, "The out point (0.5 s) must come after the in point", "end"),
        ({"start": -1, "end": 1}, "The in point cannot be before the start of the media.", "start"),
    ],
)
def test_a_clip_range_outside_its_media_is_refused(
    cut: Cut, cairo: Any, as_leader: Client, body: dict[str, Any], message: str, field: str
) -> None:
    before = snapshot()
    error = refused(
        send(as_leader, "post", f"/cuts/{cut.pk}/clips", {"record_id": cairo.pk, **body}),
        400,
        message,
    )
    assert error["field"] == field
    assert snapshot() == before
    ok(send(as_leader, "post", f"/cuts/{cut.pk}/clips", {"record_id": cairo.pk}))
    before = snapshot()
    trim = {"start": 1, "end": 3}
    refused(send(as_leader, "post", f"/cuts/{cut.pk}/clips/0/trim", trim), 400, "outside “Cairo”")
    refused(send(as_leader, "post", f"/cuts/{cut.pk}/clips/3/trim", trim), 400, "no clip 4")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("licence", "message"),
    [
        ("cc-by-nc", "licensed CC BY-NC 4.0, which forbids commercial use, so it cannot enter "
                     "“In a City”, a commercial production."),
        ("cc-by-nd", "licensed CC BY-ND 4.0, which forbids changing it; a cut trims it"),
    ],
)  # fmt: skip
def test_a_record_the_production_may_not_use_is_refused(
    cut: Cut,
    artist: Any,
    make_media: Callable[..., Any],
    as_leader: Client,
    licence: str,
    message: str,
) -> None:
    record = make_media(artist, "clip", title="Night walk", licence=licence)
    before = snapshot()
    refused(
        send(as_leader, "post", f"/cuts/{cut.pk}/clips", {"record_id": record.pk}), 403, message
    )
    assert snapshot() == before


def test_a_record_of_the_wrong_kind_or_unknown_is_refused(
    cut: Cut, cairo: Any, as_leader: Client, other_member: Any
) -> None:
    from tests.factories import text_record

    hidden = text_record(other_member, title="Draft", published=False)
    before = snapshot()
    clips = f"/cuts/{cut.pk}/clips"
    refused(send(as_leader, "post", f"/cuts/{cut.pk}/beds", {"record_id": cairo.pk}), 400,
            "“Cairo” is video, and an audio bed takes audio records.")  # fmt: skip
    refused(send(as_leader, "post", clips, {"record_id": hidden.pk}), 404, "no such record")
    refused(send(as_leader, "post", clips, {"version_id": hidden.current_version_id}), 404)
    refused(send(as_leader, "post", clips, {}), 400, "record_id or by a version_id")
    refused(send(as_leader, "post", clips, {"record_id": cairo.pk, "volume": 1}), 422, "volume")
    assert snapshot() == before


def test_an_empty_cut_is_not_rendered(cut: Cut, as_leader: Client) -> None:
    before = snapshot()
    refused(send(as_leader, "post", f"/cuts/{cut.pk}/renders", {}), 400,
            "The cut is empty: add at least one clip before rendering it.")  # fmt: skip
    refused(
        send(as_leader, "post", f"/cuts/{cut.pk}/renders", {"height": 720}), 400, "1080 or 2160"
    )
    assert snapshot() == before


def test_a_source_unpublished_after_it_entered_the_cut_stops_the_render_by_name(
    cut: Cut, cairo: Any, as_leader: Client
) -> None:
    ok(send(as_leader, "post", f"/cuts/{cut.pk}/clips", {"record_id": cairo.pk, "end": 1}))
    record_unpublish(record=cairo)
    before = snapshot()
    refused(send(as_leader, "post", f"/cuts/{cut.pk}/renders", {}), 400,
            "The clip 1 (Cairo) is no longer available: “Cairo” was unpublished.")  # fmt: skip
    assert snapshot() == before
    read = ok(as_leader.get(f"{API}/cuts/{cut.pk}"))
    assert read["clips"][0]["available"] is False
    assert read["uses"][0]["record"]["published"] is False  # still credited


def test_the_same_cut_is_not_rendered_twice_at_once(
    leader: Any, cut: Cut, cairo: Any, as_leader: Client
) -> None:
    ok(send(as_leader, "post", f"/cuts/{cut.pk}/clips", {"record_id": cairo.pk, "end": 1}))
    first = ok(send(as_leader, "post", f"/cuts/{cut.pk}/renders", {"height": 1080}), 202)
    before = snapshot()
    refused(send(as_leader, "post", f"/cuts/{cut.pk}/renders", {"height": 1080}), 409,
            "This cut is already being rendered at 1080p: wait for it, or cancel it.")  # fmt: skip
    assert snapshot() == before
    cancelled = ok(as_leader.post(f"{API}/renders/{first['id']}/cancel"))
    assert (cancelled["state"], cancelled["message"]) == ("cancelled", "Cancelled by Producer.")
    assert ok(as_leader.post(f"{API}/renders/{first['id']}/cancel"))["state"] == "cancelled"
    assert cancelled["output_url"] is None and cancelled["ladder"] == []
    second = ok(send(as_leader, "post", f"/cuts/{cut.pk}/renders", {}), 202)
    assert second["state"] == "queued" and second["id"] != first["id"]


MALFORMED = [
    ("otio", b"{", "could not be read as an OpenTimelineIO file"),
    ("otio", b"[]", "The file holds no timeline."),
    ("fcp_xml", b"<xmeml><sequence>", "could not be read as an FCP 7 XML file"),
    ("fcp_xml", b"<xmeml version='5'></xmeml>", "No top-level sequences found"),
    ("edl", b"this is not an edl", "could not be read as a CMX 3600 EDL file"),
    ("edl", b"TITLE: X\n001  AX V C 00:00:00:00\n", "could not be read as a CMX 3600 EDL file"),
]


@pytest.mark.parametrize(("fmt", "data", "message"), MALFORMED)
def test_a_malformed_timeline_file_is_refused(
    cut: Cut, as_leader: Client, fmt: str, data: bytes, message: str
) -> None:
    extension = {"otio": "otio", "fcp_xml": "xml", "edl": "edl"}[fmt]
    before = snapshot()
    as_file = {"file": _named(data, f"cut.{extension}")}  # the format from the file's name
    refused(as_leader.post(f"{API}/cuts/{cut.pk}/import", data=as_file), 400, message)
    raw = as_leader.post(
        f"{API}/productions/{cut.production_id}/cuts/import?format={fmt}&name=New",
        data=data,
        content_type="application/octet-stream",
    )
    refused(raw, 400, message)
    assert snapshot() == before


def test_an_import_lists_the_media_it_cannot_match(cut: Cut, cairo: Any, as_leader: Client) -> None:
    document = timeline.Document(
        clips=(
            timeline.ClipSpec(cairo.current_version_id, cairo.pk, "Known", 0, 1),
            timeline.ClipSpec(None, None, "Shot on my phone", 0, 1, url="file:///Volumes/A.mov"),
            timeline.ClipSpec(999_999, None, "Deleted thing", 0, 1),
        )
    )
    data = timeline.export(document, "otio", base_url="https://e.example").content.encode()
    before = snapshot()
    error = refused(
        as_leader.post(f"{API}/cuts/{cut.pk}/import", data=data, content_type="application/json"),
        400,
        "2 clips could not be matched to a record on Ensemble: “Shot on my phone”, "
        "“Deleted thing”.",
    )
    assert error["field"] == "file"
    refused(as_leader.post(f"{API}/cuts/{cut.pk}/import"), 400, "Send the timeline")
    refused(as_leader.post(f"{API}/cuts/{cut.pk}/import", data={"other": "x"}), 400, "“file”")
    assert snapshot() == before


def test_a_stale_revision_is_a_conflict_and_changes_nothing(
    cut: Cut, cairo: Any, as_leader: Client
) -> None:
    seen = ok(as_leader.get(f"{API}/cuts/{cut.pk}"))["revision"]
    ok(send(as_leader, "post", f"/cuts/{cut.pk}/clips", {"record_id": cairo.pk, "revision": seen}))
    ok(send(as_leader, "post", f"/cuts/{cut.pk}/titles", {"text": "A", "start": 0, "duration": 1}))
    before = snapshot()
    stale = [
        ("post", f"/cuts/{cut.pk}/clips", {"record_id": cairo.pk, "revision": seen}),
        ("post", f"/cuts/{cut.pk}/clips/0/move", {"to_index": 0, "revision": seen}),
        ("post", f"/cuts/{cut.pk}/clips/0/trim", {"start": 0, "end": 1, "revision": seen}),
        ("put", f"/cuts/{cut.pk}/clips/0/transition", {"transition": "cut", "revision": seen}),
        ("delete", f"/cuts/{cut.pk}/clips/0?revision={seen}", None),
        ("post", f"/cuts/{cut.pk}/titles", {"text": "A", "start": 0, "duration": 1,
                                            "revision": seen}),
        ("patch", f"/cuts/{cut.pk}/titles/0", {"text": "B", "revision": seen}),
    ]  # fmt: skip
    for method, path, body in stale:
        refused(send(as_leader, method, path, body), 409, STALE)
    assert snapshot() == before


def test_a_title_is_changed_and_bad_changes_are_refused(
    cut: Cut, cairo: Any, as_leader: Client
) -> None:
    cid = cut.pk
    ok(send(as_leader, "post", f"/cuts/{cid}/clips", {"record_id": cairo.pk}))  # 2 s of film
    ok(send(as_leader, "post", f"/cuts/{cid}/titles", {"text": "In a City", "start": 0,
                                                       "duration": 1}))  # fmt: skip
    seen = ok(send(as_leader, "post", f"/cuts/{cid}/titles", {"text": "Fin", "start": 1.6,
                                                              "duration": 0.4}))  # fmt: skip
    changed = ok(send(as_leader, "patch", f"/cuts/{cid}/titles/0", {
        "text": "Seven cities", "duration": 1.2, "revision": seen["revision"],
    }))  # fmt: skip
    assert changed["revision"] == seen["revision"] + 1
    assert [(t["index"], t["text"], t["start"], t["duration"], t["kind"])
            for t in changed["titles"]] == [
        (0, "Seven cities", 0.0, 1.2, "title"), (1, "Fin", 1.6, 0.4, "title"),
    ]  # fmt: skip
    changed = ok(send(as_leader, "patch", f"/cuts/{cid}/titles/1", {"kind": "subtitle"}))
    assert [(t["text"], t["kind"]) for t in changed["titles"]] == [
        ("Seven cities", "title"), ("Fin", "subtitle"),
    ]  # fmt: skip

    before = snapshot()
    for body, status, message in [
        ({"text": ""}, 400, "A title needs some text."),
        ({"text": "   "}, 400, "A title needs some text."),
        ({"start": 1.2, "duration": 1}, 400, "past the end of the film (2 s)"),
        ({"start": 3}, 400, "from 3 s to 4.2 s, past the end of the film"),
        ({"start": -0.5}, 400, "The start must be zero seconds or more."),
        ({"duration": 0}, 400, "A title lasts at least one frame."),
        ({"duration": 1.8}, 400, "overlaps “Fin”"),
        ({"kind": "caption"}, 400, "A title is a title or a subtitle."),
        ({"text": "x" * 301}, 400, "at most 300 characters"),
    ]:
        refused(send(as_leader, "patch", f"/cuts/{cid}/titles/0", body), status, message)
    refused(send(as_leader, "patch", f"/cuts/{cid}/titles/7", {"text": "A"}), 400,
            "There is no title 8.")  # fmt: skip
    refused(send(as_leader, "patch", f"/cuts/{cid}/titles/0", {"colour": "red"}), 422)
    refused(send(as_leader, "patch", f"/cuts/{cid}/titles/0", {"start": "soon"}), 422)
    assert snapshot() == before


def _world(
    leader: Any, artist: Any, cut: Cut, cairo: Any, make_media: Callable[..., Any]
) -> dict[str, Any]:
    """A cut with a clip, a bed and a title, and a queued render of it."""
    tone = make_media(artist, "tone", title="Hum")
    services.clip_add(actor=leader, cut=cut, version=cairo.current_version, end=1)
    services.bed_set(actor=leader, cut=cut, version=tone.current_version)
    services.title_add(actor=leader, cut=cut, text="Hi", start=0, duration=0.5)
    render = services.render_request(actor=leader, cut=cut)
    otio = timeline.export(timeline.load(Cut.objects.get(pk=cut.pk).timeline), "otio", base_url="")
    return {"p": cut.production_id, "c": cut.pk, "r": render.pk, "record": cairo.pk,
            "tone": tone.pk, "otio": otio.content.encode()}  # fmt: skip


def _writes(w: dict[str, Any]) -> list[tuple[str, str, Any]]:
    p, c = w["p"], w["c"]
    return [
        ("patch", f"/productions/{p}", {"title": "Mine now"}),
        ("delete", f"/productions/{p}/cover", None),
        ("put", f"/productions/{p}/release", {"release_at": None}),
        ("post", f"/productions/{p}/extras", {"record_id": w["record"]}),
        ("post", f"/productions/{p}/cuts", {"name": "Mine"}),
        ("post", f"/productions/{p}/cuts/presets", None),
        ("post", f"/productions/{p}/cuts/import?name=Mine", w["otio"]),
        ("post", f"/cuts/{c}/clips", {"record_id": w["record"]}),
        ("post", f"/cuts/{c}/clips/0/move", {"to_index": 0}),
        ("post", f"/cuts/{c}/clips/0/trim", {"start": 0, "end": 0.5}),
        ("put", f"/cuts/{c}/clips/0/transition", {"transition": "cut"}),
        ("delete", f"/cuts/{c}/clips/0", None),
        ("post", f"/cuts/{c}/beds", {"record_id": w["tone"]}),
        ("put", f"/cuts/{c}/beds/0", {"record_id": w["tone"], "volume": 0.2}),
        ("delete", f"/cuts/{c}/beds/0", None),
        ("post", f"/cuts/{c}/titles", {"text": "Mine", "start": 2, "duration": 1}),
        ("patch", f"/cuts/{c}/titles/0", {"text": "Mine"}),
        ("delete", f"/cuts/{c}/titles/0", None),
        ("post", f"/cuts/{c}/refresh", None),
        ("post", f"/cuts/{c}/import", w["otio"]),
        ("post", f"/cuts/{c}/renders", {"height": 2160}),
        ("post", f"/renders/{w['r']}/cancel", None),
    ]


def test_members_who_do_not_lead_cannot_edit(
    leader: Any,
    artist: Any,
    cut: Cut,
    cairo: Any,
    make_media: Callable[..., Any],
) -> None:
    world = _world(leader, artist, cut, cairo, make_media)
    release_now(leader, cut.production)  # they may watch it: still not change it
    client = token_client(artist)
    assert ok(client.get(f"{API}/cuts/{cut.pk}"))["id"] == cut.pk
    before = snapshot()
    for method, path, body in _writes(world):
        refused(send(client, method, path, body), 403, EDITORS_ONLY)
    assert snapshot() == before
    # A member's own production is theirs; a collaboration they do not lead is not.
    body = {"title": "Mine", "collaboration_id": cut.production.collaboration_id}
    refused(send(client, "post", "/productions", body), 403, "Only the collaboration's leaders")
    assert snapshot() == before
    own = ok(send(client, "post", "/productions", {"title": "Mine"}), 201)
    assert (own["collaboration"], own["owner"]["username"], own["you_edit"]) == (
        None, "walker", True,
    )  # fmt: skip


def test_anonymous_writes_are_refused(
    leader: Any, artist: Any, cut: Cut, cairo: Any, make_media: Callable[..., Any]
) -> None:
    world = _world(leader, artist, cut, cairo, make_media)
    release_now(leader, cut.production)
    anonymous = Client()
    before = snapshot()
    for method, path, body in [("post", "/productions", {"title": "X"}), *_writes(world)]:
        refused(send(anonymous, method, path, body), 401, LOG_IN)
    assert snapshot() == before


def test_an_unreleased_production_is_hidden_from_others(
    leader: Any,
    artist: Any,
    cut: Cut,
    cairo: Any,
    make_media: Callable[..., Any],
    staff_member: Any,
) -> None:
    world = _world(leader, artist, cut, cairo, make_media)
    production = cut.production
    p, c, r = world["p"], world["c"], world["r"]
    reads = [
        f"/productions/{p}", f"/productions/{p}/cuts", f"/cuts/{c}", f"/cuts/{c}/credits",
        f"/cuts/{c}/export", f"/cuts/{c}/renders", f"/renders/{r}",
    ]  # fmt: skip
    others = {"anonymous": Client(), "artist": token_client(artist)}
    # A draft without a release time: not there at all.
    for who, client in others.items():
        assert ok(client.get(f"{API}/productions"))["items"] == [], who
        for path in reads:
            refused(client.get(f"{API}{path}"), 404)
        before = snapshot()
        refused(send(client, "post", f"/cuts/{c}/clips", {"record_id": cairo.pk}),
                401 if who == "anonymous" else 404)  # fmt: skip
        assert snapshot() == before
    for insider in (token_client(leader), token_client(staff_member)):
        listed = ok(insider.get(f"{API}/productions"))["items"]
        assert [(i["id"], i["watchable"]) for i in listed] == [(p, True)]
        for path in reads:
            assert insider.get(f"{API}{path}").status_code == 200, path

    # With a release time ahead: title and countdown only.
    services.production_release_set(
        actor=leader, production=production, release_at=timezone.now() + timedelta(hours=3)
    )
    for who, client in others.items():
        (item,) = ok(client.get(f"{API}/productions"))["items"]
        shown = ok(client.get(f"{API}/productions/{p}"))
        for seen in (item, shown):
            assert (seen["title"], seen["watchable"], seen["released"]) == (
                "In a City", False, False,
            ), who  # fmt: skip
            assert seen["description"] is None and seen["cuts"] is None
            assert 3 * 3600 - 60 < seen["seconds_to_release"] <= 3 * 3600
        for path in reads[1:]:
            refused(client.get(f"{API}{path}"), 404)
    release_now(leader, production)
    for client in others.values():
        shown = ok(client.get(f"{API}/productions/{p}"))
        assert shown["watchable"] and shown["seconds_to_release"] is None
        assert [cut["name"] for cut in shown["cuts"]] == ["Official"]
        for path in reads[1:]:
            assert client.get(f"{API}{path}").status_code == 200, path
