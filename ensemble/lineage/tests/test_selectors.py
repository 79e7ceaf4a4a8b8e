"""Lineage reads on small graphs, compared with what they must return, and their query counts."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ensemble.lineage.selectors import (
    member_remix_count,
    member_remix_counts,
    record_ancestry,
    record_descendant_count,
    record_descendants,
    record_path_upstream,
    record_remixes,
    records_never_remixed,
    records_with_remix_counts,
    upstream_artists,
    version_ancestry,
    version_sources,
)
from ensemble.lineage.services import SourceSpec, source_links_copy_forward, source_links_set
from ensemble.records.models import Record
from ensemble.records.services import record_unpublish, record_version_add_text
from tests.factories import text_record

from .conftest import build_on, current

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(make_member):
    """In a City: a poem set to music, the song cut to footage with a photo, a translation.

    poem (Ann) ← song (Bo, lyrics) ← film (Cy, music) → photo (Eve, artwork, later unpublished)
    poem ← translation (Dee, translation)
    """
    ann, bo, cy, dee, eve = (
        make_member(username=name, display_name=name.title())
        for name in ("ann", "bo", "cy", "dee", "eve")
    )
    poem = text_record(ann, title="In a City")
    song = build_on(bo, [poem], title="City song", role="lyrics")
    photo = text_record(eve, title="Skyline")
    film = text_record(cy, title="City film")
    source_links_set(
        version=current(film),
        sources=[
            SourceSpec(record_id=song.pk, role="music"),
            SourceSpec(record_id=photo.pk, role="artwork"),
        ],
        actor=cy,
    )
    translation = build_on(dee, [poem], title="En una ciudad", role="translation")
    record_unpublish(record=photo)
    members = {"ann": ann, "bo": bo, "cy": cy, "dee": dee, "eve": eve}
    records = {"poem": poem, "song": song, "photo": photo, "film": film, "tr": translation}
    return members, {k: Record.objects.get(pk=r.pk) for k, r in records.items()}


def _summary(lineage):
    """{title or label: depth} for every node but the roots."""
    return {
        (n.title or n.label): n.depth
        for v, n in lineage.nodes.items()
        if v not in lineage.root_version_ids
    }


def test_the_ancestry_of_a_film_reaches_the_poem_with_depths_and_roles(city):
    _, records = city
    lineage = record_ancestry(record=records["film"], viewer=AnonymousUser())
    assert _summary(lineage) == {
        "City song": 1,
        "unavailable record by Eve": 1,
        "In a City": 2,
    }
    assert lineage.root_version_ids == (records["film"].current_version_id,)
    assert sorted(e.role_label for e in lineage.edges) == ["Artwork", "Lyrics", "Set to music"]
    assert lineage.max_depth == 2 and len(lineage) == 3
    assert lineage.record_ids == {records[k].pk for k in ("song", "photo", "poem")}
    [to_song, to_photo] = lineage.next(records["film"].current_version_id)
    assert (to_song.role, to_photo.role) == ("music", "artwork")


def test_an_unavailable_source_stays_in_the_lineage_flagged_but_its_artist_sees_it(city):
    members, records = city
    photo_version = records["photo"].current_version_id
    anonymous = version_ancestry(version_id=records["film"].current_version_id)
    node = anonymous.nodes[photo_version]
    assert (node.available, node.title, node.author_name) == (False, "", "Eve")
    assert node.label == "unavailable record by Eve"
    as_eve = version_ancestry(version_id=records["film"].current_version_id, viewer=members["eve"])
    assert as_eve.nodes[photo_version].label == "“Skyline” by Eve"


def test_the_descendants_of_the_poem_are_everything_built_on_it(city):
    _, records = city
    lineage = record_descendants(record_id=records["poem"].pk)
    assert _summary(lineage) == {"City song": 1, "En una ciudad": 1, "City film": 2}
    assert lineage.direction == "down"
    assert len(lineage.next(records["poem"].current_version_id)) == 2


def test_descendants_follow_every_version_of_the_record_and_copied_links(city):
    members, records = city
    second = record_version_add_text(record=records["song"], text="City song, remastered")
    source_links_copy_forward(version=second)
    remix = build_on(members["dee"], [records["song"]], title="Remix of the remaster")
    lineage = record_descendants(record_id=records["poem"].pk)
    assert _summary(lineage) == {
        "City song": 1,  # both versions of the song
        "En una ciudad": 1,
        "City film": 2,
        "Remix of the remaster": 2,
    }
    assert {
        n.version_number for n in lineage.nodes.values() if n.record_id == records["song"].pk
    } == {
        1,
        2,
    }
    up = record_ancestry(record=remix)
    assert _summary(up) == {"City song": 1, "In a City": 2}


def test_a_limited_walk_stops_nearest_first_and_says_so(make_member):
    ann = make_member(username="ann")
    chain = [text_record(ann, title="r0")]
    for n in range(1, 12):
        chain.append(build_on(ann, [chain[-1]], title=f"r{n}"))
    full = record_descendants(record_id=chain[0].pk)
    assert (len(full), full.truncated, record_descendant_count(record_id=chain[0].pk)) == (
        11,
        False,
        11,
    )
    part = record_descendants(record_id=chain[0].pk, limit=5)
    assert part.truncated and 5 < len(part.nodes) <= 7
    assert {n.depth for n in part.nodes.values()} == set(range(len(part.nodes)))
    assert not record_descendants(record_id=chain[0].pk, limit=12).truncated
    up = record_ancestry(record=chain[-1], limit=3)
    assert up.truncated and max(n.depth for n in up.nodes.values()) <= 4
    assert record_descendant_count(record_id=chain[-1].pk) == 0


def test_a_diamond_is_walked_once_per_version(make_member):
    ann = make_member(username="ann")
    top = text_record(ann, title="Top")
    left = build_on(ann, [top], title="Left")
    right = build_on(ann, [top], title="Right")
    bottom = build_on(ann, [left, right], title="Bottom")
    lineage = record_ancestry(record=bottom)
    assert _summary(lineage) == {"Left": 1, "Right": 1, "Top": 2}
    assert len(lineage.edges) == 4
    assert [n.title for n in lineage.ordered()] == ["Bottom", "Left", "Right", "Top"]
    assert record_path_upstream(from_record_ids=[bottom.pk], to_record_id=top.pk) in (
        [bottom.pk, left.pk, top.pk],
        [bottom.pk, right.pk, top.pk],
    )
    assert record_path_upstream(from_record_ids=[top.pk], to_record_id=bottom.pk) is None


def test_upstream_artists_are_distinct_with_every_role_their_work_plays(city):
    _, records = city
    artists = upstream_artists(
        version_ids=[records["film"].current_version_id, records["tr"].current_version_id]
    )
    assert [(a.username, a.roles, a.record_count) for a in artists] == [
        ("ann", ("lyrics", "translation"), 1),
        ("bo", ("music",), 1),
        ("eve", ("artwork",), 1),  # unpublished since: credit remains
    ]
    assert artists[0].role_labels == ["Lyrics", "Translation"]
    assert upstream_artists(version_ids=[records["poem"].current_version_id]) == []
    assert upstream_artists(version_ids=[]) == []


def test_other_roles_are_credited_in_their_own_words(make_member):
    ann, bo = make_member(username="ann"), make_member(username="bo")
    poem = text_record(ann, title="Poem")
    remix = text_record(bo, title="Remix")
    source_links_set(
        version=current(remix),
        sources=[SourceSpec(record_id=poem.pk, role="other", role_other="title card")],
        actor=bo,
    )
    [artist] = upstream_artists(version_ids=[current(remix).pk])
    assert (artist.roles, artist.other_roles, artist.role_labels) == (
        ("other",),
        ("title card",),
        ["title card"],
    )


def test_built_on_lists_the_direct_sources_in_order_with_unavailable_ones_flagged(city):
    _, records = city
    views = version_sources(version=current(records["film"]))
    assert [(v.node.label, v.role_label) for v in views] == [
        ("“City song” by Bo", "Set to music"),
        ("unavailable record by Eve", "Artwork"),
    ]


def test_remixed_in_counts_and_lists_what_the_viewer_may_see(city):
    members, records = city
    page = record_remixes(record=records["poem"], viewer=AnonymousUser())
    assert page.count == 2
    assert [(r.record.title, r.roles) for r in page.remixes] == [
        ("En una ciudad", ("Translation",)),
        ("City song", ("Lyrics",)),
    ]
    record_unpublish(record=records["tr"])
    assert record_remixes(record=records["poem"], viewer=AnonymousUser()).count == 1
    assert record_remixes(record=records["poem"], viewer=members["dee"]).count == 2
    assert record_remixes(record=records["poem"], viewer=AnonymousUser(), limit=0).remixes == []


def test_remix_counts_per_member_and_the_never_remixed_filter(city):
    members, records = city
    ids = [m.pk for m in members.values()]
    assert member_remix_counts(member_ids=ids) == {
        members["ann"].pk: 2,
        members["bo"].pk: 1,
        members["cy"].pk: 0,
        members["dee"].pk: 0,
        members["eve"].pk: 1,
    }
    assert member_remix_count(member=members["ann"]) == 2
    never = records_never_remixed(Record.objects.all())
    assert sorted(never.values_list("title", flat=True)) == ["City film", "En una ciudad"]
    annotated = records_with_remix_counts(Record.objects.all())
    counted = {r.title: r.remix_count for r in annotated}  # type: ignore[attr-defined]
    assert counted == {
        "In a City": 2,
        "City song": 1,
        "Skyline": 1,
        "City film": 0,
        "En una ciudad": 0,
    }
    record_unpublish(record=records["tr"])  # an unpublished remix does not count
    assert member_remix_count(member=members["ann"]) == 1
    assert "In a City" not in set(never.values_list("title", flat=True))


def _queries(call):
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def _grid(author, depth, width):
    """`width` chains of `depth` records, each record also built on its neighbour chain."""
    rows = [[text_record(author, title=f"r0c{c}") for c in range(width)]]
    for d in range(1, depth):
        rows.append(
            [
                build_on(author, [rows[-1][c], rows[-1][(c + 1) % width]], title=f"r{d}c{c}")
                for c in range(width)
            ]
        )
    return rows


def test_lineage_reads_take_the_same_number_of_queries_whatever_the_graph_size(make_member):
    ann, bo = make_member(username="ann"), make_member(username="bo")
    small, large = _grid(ann, 2, 2), _grid(bo, 12, 4)
    counts = []
    for rows in (small, large):
        top, bottom = rows[0][0], rows[-1][0]
        bottom_version = bottom.current_version
        versions = [r.current_version_id for r in rows[-1]]
        path = {"from_record_ids": [bottom.pk], "to_record_id": top.pk}
        counts.append(
            [
                _queries(lambda b=bottom: record_ancestry(record=b, viewer=ann)),
                _queries(lambda t=top: record_descendants(record_id=t.pk, viewer=ann)),
                _queries(lambda v=versions: upstream_artists(version_ids=v)),
                _queries(lambda v=bottom_version: version_sources(version=v)),
                _queries(lambda t=top: record_remixes(record=t, viewer=ann)),
                _queries(lambda: member_remix_counts(member_ids=[ann.pk, bo.pk])),
                _queries(lambda p=path: record_path_upstream(**p)),
            ]
        )
    # On PostgreSQL a walk also sets and resets its planner settings: two more round trips.
    extra = 2 if connection.vendor == "postgresql" else 0
    walk = 1 + extra
    assert counts[0] == counts[1] == [walk, walk, walk, 1, 3, 1, 2 + extra]
    assert len(record_descendants(record_id=large[0][0].pk)) > 20
