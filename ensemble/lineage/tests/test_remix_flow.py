"""The remix chain through the API and pages: a poem, a song set to it, footage cut to the song."""

import json
import re

import pytest
from django.test import Client

from ensemble.lineage.models import SourceLink
from ensemble.notifications.models import Notification
from ensemble.records.models import Record, RecordVersion
from tests.factories import text_record

pytestmark = pytest.mark.django_db


def _client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def chain(make_member, upload):
    """Ann's poem ← Bo's song (set to music) ← Cy's footage (footage, cut to the song)."""
    ann, bo, cy = (make_member(username=name) for name in ("ann", "bo", "cy"))
    poem = text_record(ann, title="In a City", text="Walking through my city\nat night")
    song = _client(bo).post(
        "/api/v1/records/upload",
        {
            "file": upload("tone"),
            "title": "In a City (song)",
            "sources": json.dumps([{"record_id": poem.pk, "role": "music"}]),
        },
    )
    assert song.status_code == 201, song.content
    film = _client(cy).post(
        "/api/v1/records/upload",
        {
            "file": upload("clip"),
            "title": "Walk",
            "sources": json.dumps([{"record_id": song.json()["id"], "role": "music"}]),
        },
    )
    assert film.status_code == 201, film.content
    return {
        "ann": ann, "bo": bo, "cy": cy, "poem": poem,
        "song": Record.objects.get(pk=song.json()["id"]),
        "film": Record.objects.get(pk=film.json()["id"]),
    }  # fmt: skip


def test_building_on_a_record_links_it_notifies_its_artist_and_keeps_the_licence_rules(chain):
    song, film = chain["song"], chain["film"]
    link = SourceLink.objects.get(record=song)
    assert (link.source_record_id, link.role) == (chain["poem"].pk, "music")
    assert (song.licence, film.licence) == ("ensemble-remix", "ensemble-remix")
    note = Notification.objects.get(recipient=chain["ann"])
    assert note.text == "Bo built “In a City (song)” on your “In a City”."
    assert note.url == song.get_absolute_url()
    assert Notification.objects.filter(recipient=chain["bo"]).count() == 1  # from Cy
    assert not Notification.objects.filter(recipient=chain["cy"]).exists()


def test_the_record_page_shows_built_on_remixed_in_attribution_and_json_ld(client, chain):
    page = client.get(chain["song"].get_absolute_url()).content.decode()
    assert "Built on" in page and "“In a City”</a>" in page and "Set to music" in page
    assert re.search(r'Remixed in <span class="count">1</span>', page)
    assert "“In a City (song)” by Bo, Ensemble remix licence, built on “In a City” by Ann" in page
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert found is not None
    ld = json.loads(found[1])
    assert ld["@type"] == "CreativeWork"
    assert ld["isBasedOn"][0]["name"] == "In a City"
    assert ld["author"]["name"] == "Bo"
    poem_page = client.get(chain["poem"].get_absolute_url()).content.decode()
    assert re.search(r'Remixed in <span class="count">1</span>', poem_page)


def test_the_api_returns_the_whole_lineage_both_ways(client, chain):
    up = client.get(f"/api/v1/records/{chain['film'].pk}/lineage").json()
    assert [n["title"] for n in up["ancestors"]] == ["In a City (song)", "In a City"]
    assert up["built_on"][0]["source_record_id"] == chain["song"].pk
    down = client.get(f"/api/v1/records/{chain['poem'].pk}/lineage").json()
    assert {n["title"] for n in down["descendants"]} == {"In a City (song)", "Walk"}
    assert down["remixed_in_count"] == 1


def test_an_unpublished_source_keeps_its_credit_as_unavailable(client, chain):
    Record.objects.filter(pk=chain["poem"].pk).update(published=False)
    page = client.get(chain["song"].get_absolute_url()).content.decode()
    assert "unavailable record" in page and "by Ann" in page
    assert "“In a City”</a>" not in page
    data = client.get(f"/api/v1/records/{chain['song'].pk}/lineage").json()
    assert data["ancestors"][0] == {
        "record_id": chain["poem"].pk, "version": 1, "title": None, "kind": "text",
        "artist": "Ann", "available": False, "depth": 1,
    }  # fmt: skip


def test_member_pages_count_remixes_and_the_feed_finds_the_never_remixed(client, chain):
    assert "remixed 1 time" in client.get("/@ann/").content.decode()
    titles = [r["title"] for r in client.get("/api/v1/records?never_remixed=true").json()["items"]]
    assert titles == ["Walk"]
    assert "Walk" in client.get("/?never_remixed=1").content.decode()


def test_the_write_page_declares_sources_with_the_picker(make_member, chain):
    dee = make_member(username="dee")
    client = _client(dee)
    options = client.get("/records/search/", {"sources-0-source": "city"}).content.decode()
    assert f'value="#{chain["poem"].pk} “In a City” by Ann"' in options
    form = {
        "title": "A translation", "text": "Marcher dans ma ville\nla nuit",
        "sources-TOTAL_FORMS": "2", "sources-INITIAL_FORMS": "0",
        "sources-0-source": f'#{chain["poem"].pk} “In a City” by Ann',
        "sources-0-role": "translation", "published": "on",
    }  # fmt: skip
    response = client.post("/records/write/", form)
    assert response.status_code == 302
    made = Record.objects.get(title="A translation")
    assert SourceLink.objects.get(record=made).role == "translation"


@pytest.mark.parametrize(
    ("source", "role", "message"),
    [
        ("nonsense", "music", "is not a record"),
        ("#999999", "music", "there is no record 999999"),
        ("{poem}", "dancing", "role"),
    ],
)
def test_bad_sources_in_the_page_are_refused_and_nothing_is_stored(
    make_member, chain, source, role, message
):
    client = _client(make_member(username="dee"))
    before = (Record.objects.count(), RecordVersion.objects.count(), SourceLink.objects.count())
    form = {
        "title": "Refused", "text": "words",
        "sources-TOTAL_FORMS": "1", "sources-INITIAL_FORMS": "0",
        "sources-0-source": source.format(poem=chain["poem"].pk), "sources-0-role": role,
    }  # fmt: skip
    response = client.post("/records/write/", form)
    assert 400 <= response.status_code < 500
    assert message in response.content.decode().lower()
    after = (Record.objects.count(), RecordVersion.objects.count(), SourceLink.objects.count())
    assert after == before


def test_a_remix_cannot_leave_its_sources_licence(make_member, chain, upload):
    response = _client(chain["cy"]).post(
        "/api/v1/records/upload",
        {
            "file": upload("other"),
            "licence": "cc-by",
            "sources": json.dumps([{"record_id": chain["song"].pk, "role": "music"}]),
        },
    )
    assert response.status_code == 400
    assert (
        "requires remixes to be licensed under the Ensemble remix licence"
        in (response.json()["detail"])
    )
    assert Record.objects.count() == 3


def test_a_no_derivatives_source_is_refused_through_the_api(make_member, chain):
    Record.objects.filter(pk=chain["poem"].pk).update(licence="cc-by-nd")
    client = _client(make_member(username="dee"))
    response = client.post(
        "/api/v1/records/text",
        {
            "title": "Remix",
            "text": "x",
            "sources": [{"record_id": chain["poem"].pk, "role": "text"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "does not allow derivative works" in response.json()["detail"]
    assert not Record.objects.filter(title="Remix").exists()


def test_a_new_version_keeps_its_sources_unless_new_ones_are_given(chain):
    client = _client(chain["bo"])
    song = chain["song"]
    kept = client.post(f"/api/v1/records/{song.pk}/versions", {"file": _other_tone()})
    assert kept.status_code == 201, kept.content
    assert SourceLink.objects.filter(record=song, version_number=2).count() == 1


def _other_tone():
    import tempfile
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from ensemble.media.ffmpeg import ffmpeg_run, lavfi_input

    folder = Path(tempfile.mkdtemp())
    ffmpeg_run([*lavfi_input("sine=frequency=660:duration=1"), str(folder / "t.wav")])
    return SimpleUploadedFile("tone2.wav", (folder / "t.wav").read_bytes())
