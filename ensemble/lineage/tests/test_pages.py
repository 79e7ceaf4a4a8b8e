"""The lineage page (picture and lists) and the per-line authorship page."""

import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ensemble.accounts.models import Member
from ensemble.lineage.selectors import Lineage, LineageEdge, LineageNode
from ensemble.lineage.services import SourceSpec, source_links_set
from ensemble.lineage.tree import (
    MAX_LAYERS,
    MAX_PER_LAYER,
    TreeNode,
    tree_from_lineages,
    tree_list,
    tree_svg,
)
from ensemble.records.models import Record
from ensemble.records.services import record_create_upload, record_unpublish
from tests.factories import text_record

from .conftest import build_on, current

SVG = "{http://www.w3.org/2000/svg}"


# Helpers ------------------------------------------------------------------------------------


def lineage_url(record: Record) -> str:
    return reverse("lineage:tree", kwargs={"pk": record.pk})


def authorship_url(record: Record, number: int = 1) -> str:
    return reverse("lineage:authorship", kwargs={"pk": record.pk, "number": number})


def picture(html: str) -> ET.Element:
    """The page's SVG, parsed as XML (so it must be well-formed)."""
    match = re.search(r"<svg\b.*?</svg>", html, re.DOTALL)
    assert match, "no SVG on the page"
    return ET.fromstring(match[0])  # noqa: S314 - our own markup


def classes(element: ET.Element) -> set[str]:
    return set((element.get("class") or "").split())


def drawn_records(svg: ET.Element) -> list[int]:
    return [int(g.get("data-record", "0")) for g in svg.iter(f"{SVG}g") if "lin-node" in classes(g)]


def summaries(svg: ET.Element) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG}g") if "lin-more" in classes(g)]


def hidden_count(summary: ET.Element) -> int:
    """N in a "+N more" box."""
    match = re.match(r"\+([\d,]+) more", summary.findtext(f"{SVG}title") or "")
    assert match, summary.findtext(f"{SVG}title")
    return int(match[1].replace(",", ""))


def linked_records(svg: ET.Element) -> set[int]:
    """Records whose box is a link."""
    found = set()
    for anchor in svg.iter(f"{SVG}a"):
        for g in anchor.iter(f"{SVG}g"):
            if "lin-node" in classes(g):
                found.add(int(g.get("data-record", "0")))
    return found


def box_top(svg: ET.Element, record: Record) -> float:
    for g in svg.iter(f"{SVG}g"):
        if g.get("data-record") == str(record.pk):
            match = re.fullmatch(r"translate\(([\d.]+) ([\d.]+)\)", g.get("transform", ""))
            assert match
            return float(match[2])
    raise AssertionError(f"{record} is not drawn")


def list_section(html: str, section: str) -> str:
    start = html.index(f'id="lineage-{section}"')
    return html[start : html.index("</section>", start)]


def get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def logged_in(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


# A small community --------------------------------------------------------------------------


@pytest.fixture
def city(make_member):
    """poem (Ann) ← song (Bo, lyrics) ← film (Cy, music) → photo (Eve, artwork, unpublished);
    poem ← translation (Dee, translation)."""
    ann, bo, cy, dee, eve = (
        make_member(username=name, display_name=name.title())
        for name in ("ann", "bo", "cy", "dee", "eve")
    )
    poem = text_record(ann, title="In a City")
    song = build_on(bo, [poem], title="City Song", role="lyrics")
    photo = text_record(eve, title="Skyline at Night")
    film = text_record(cy, title="City Film")
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
    return members, {key: Record.objects.get(pk=r.pk) for key, r in records.items()}


# The lineage page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_shows_ancestors_above_and_descendants_below_with_roles(client, city):
    _, r = city
    html = get(client, lineage_url(r["song"]))
    assert "<h1>City Song</h1>" in html

    svg = picture(html)
    assert sorted(drawn_records(svg)) == sorted([r["poem"].pk, r["song"].pk, r["film"].pk])
    assert box_top(svg, r["poem"]) < box_top(svg, r["song"]) < box_top(svg, r["film"])
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert texts.count("Lyrics") == 1 and texts.count("Set to music") == 1  # edge labels
    assert {r["poem"].pk, r["film"].pk} <= linked_records(svg)

    ancestors = list_section(html, "ancestors")
    assert "Lyrics" in ancestors and "In a City" in ancestors and "Ann" in ancestors
    assert f'href="/records/{r["poem"].pk}/v/1/"' in ancestors  # the version used
    descendants = list_section(html, "descendants")
    assert "Set to music" in descendants and "City Film" in descendants and "Cy" in descendants
    assert "En una ciudad" not in html  # a sibling, not a descendant of the song


@pytest.mark.django_db
def test_descendants_through_several_steps_and_the_whole_ancestry(client, city):
    _, r = city
    html = get(client, lineage_url(r["poem"]))
    svg = picture(html)
    assert sorted(drawn_records(svg)) == sorted(
        [r["poem"].pk, r["song"].pk, r["film"].pk, r["tr"].pk]
    )
    descendants = list_section(html, "descendants")
    for title in ("City Song", "City Film", "En una ciudad"):
        assert title in descendants
    assert "Translation" in descendants
    assert "Not built on anything" in list_section(html, "ancestors")

    film = get(client, lineage_url(r["film"]))
    ancestors = list_section(film, "ancestors")
    assert "City Song" in ancestors and "In a City" in ancestors  # two steps up
    assert "Nobody has built on it yet" in list_section(film, "descendants")


@pytest.mark.django_db
def test_an_unpublished_source_is_shown_as_unavailable_with_its_credit_and_no_link(client, city):
    m, r = city
    photo = r["photo"]
    html = get(client, lineage_url(r["film"]))
    assert "Skyline at Night" not in html
    assert f"/records/{photo.pk}/" not in html  # neither in the picture nor the lists
    svg = picture(html)
    assert photo.pk in drawn_records(svg) and photo.pk not in linked_records(svg)
    box = next(g for g in svg.iter(f"{SVG}g") if g.get("data-record") == str(photo.pk))
    assert "lin-unavailable" in classes(box)
    texts = [t.text for t in box.iter(f"{SVG}text")]
    assert "Unavailable record" in texts and "by Eve" in texts
    ancestors = list_section(html, "ancestors")
    assert "unavailable record" in ancestors and "Eve" in ancestors  # the credit remains
    assert "@eve/" in ancestors

    # its author still sees it, linked
    own = get(logged_in(m["eve"]), lineage_url(r["film"]))
    assert "Skyline at Night" in own and f"/records/{photo.pk}/v/1/" in own


@pytest.mark.django_db
def test_an_unpublished_record_has_no_lineage_page_for_others(client, city):
    m, r = city
    url = lineage_url(r["photo"])
    assert client.get(url).status_code == 404
    assert logged_in(m["ann"]).get(url).status_code == 404
    html = get(logged_in(m["eve"]), url)
    assert "This record is unpublished" in html
    assert client.get(reverse("lineage:tree", kwargs={"pk": 987654})).status_code == 404


@pytest.mark.django_db
def test_a_source_is_always_drawn_above_what_is_built_on_it(client, city):
    m, r = city
    # built on the song and on the poem the song is built on: the poem stays on top
    medley = build_on(m["dee"], [r["song"], r["poem"]], title="Medley", role="sample")
    svg = picture(get(client, lineage_url(medley)))
    assert box_top(svg, r["poem"]) < box_top(svg, r["song"]) < box_top(svg, medley)
    long_edges = [p for p in svg.iter(f"{SVG}path") if "lin-edge-long" in classes(p)]
    assert len(long_edges) == 1  # poem → medley skips the song's layer


def _grow(author, center: Record, *, up: int, fan: int, total: int) -> None:
    """`up` records in a chain above `center`, and `total` records below it: `fan` built on it
    directly, the rest built on earlier ones (some on two)."""
    top = text_record(author, title="Origin")
    for n in range(up - 1):
        top = build_on(author, [top], title=f"Step {n}")
    source_links_set(
        version=current(center), sources=[SourceSpec(record_id=top.pk, role="text")], actor=author
    )
    rng = random.Random(4)
    below: list[Record] = []
    for n in range(total):
        sources = [center] if n < fan else rng.sample(below, 2 if n % 5 == 0 else 1)
        below.append(build_on(author, sources, title=f"Remix {n}", role="music"))


@pytest.mark.django_db
def test_query_count_does_not_depend_on_the_size_of_the_lineage(make_member, client):
    author = make_member(username="prolific")
    small = text_record(author, title="Small")
    _grow(author, small, up=2, fan=2, total=3)
    big = text_record(author, title="Big")
    _grow(author, big, up=25, fan=30, total=275)

    def queries(record: Record, viewer: Client) -> int:
        with CaptureQueriesContext(connection) as captured:
            html = get(viewer, lineage_url(record))
        picture(html)
        return len(captured)

    member = logged_in(author)
    for viewer in (client, member):
        assert queries(small, viewer) == queries(big, viewer)
    # session, member, unread count, the record and its tags, the two walks (on PostgreSQL
    # each walk sets and resets its planner settings)
    assert queries(big, member) == (11 if connection.vendor == "postgresql" else 7)

    html = get(client, lineage_url(big))
    svg = picture(html)
    drawn = drawn_records(svg)
    assert len(drawn) == len(set(drawn)) <= 1 + 2 * MAX_LAYERS * MAX_PER_LAYER
    assert summaries(svg), "capped layers say how many more there are"
    ancestors, descendants = list_section(html, "ancestors"), list_section(html, "descendants")
    assert len(re.findall(r'id="lin-up-\d+"', ancestors)) == 25  # the lists hold every record
    assert len(re.findall(r'id="lin-down-\d+"', descendants)) == 275
    assert "<details" in descendants


@pytest.mark.django_db
def test_a_lineage_beyond_the_limit_says_so(make_member, client, monkeypatch):
    monkeypatch.setattr("ensemble.lineage.views.LINEAGE_LIMIT", 5)
    author = make_member(username="prolific")
    hub = text_record(author, title="Hub")
    _grow(author, hub, up=2, fan=6, total=12)
    with CaptureQueriesContext(connection) as captured:
        html = get(client, lineage_url(hub))
    # the record and its tags, the two walks, and the count of what the walk down left out
    # (on PostgreSQL each of the three recursive queries is wrapped in a SET and a RESET)
    assert len(captured) == (12 if connection.vendor == "postgresql" else 6)
    assert "the page shows the nearest 5 versions each way; 12 record versions" in html
    assert "and more further on" in html
    assert re.search(r'<span class="count">\d+\+</span>', list_section(html, "descendants"))
    picture(html)


# The picture at scale, without the database -------------------------------------------------


def _synthetic(size: int) -> tuple[TreeNode, Lineage, Lineage]:
    """A record with a 60-deep ancestry and `size` descendants, 1.5 sources each on average,
    a few unavailable (ids: record = version)."""
    rng = random.Random(7)

    def node(vid: int, depth: int) -> LineageNode:
        available = vid % 37 != 0
        return LineageNode(
            vid, 1, vid, f"Work number {vid}" if available else "", "audio", vid % 400,
            f"artist{vid % 400}", f"Artist {vid % 400}", available, depth,
        )  # fmt: skip

    center = TreeNode(1, 1, "The centre", "text", "centre", "Centre", True, 0)
    up_nodes = {1: node(1, 0)}
    up_edges = []
    for depth in range(1, 61):
        vid = 100_000 + depth
        up_nodes[vid] = node(vid, depth)
        up_edges.append(LineageEdge(vid - 1 if depth > 1 else 1, vid, "lyrics", "", None, None))
    down_nodes = {1: node(1, 0)}
    down_edges = []
    for vid in range(2, size + 2):
        sources = {rng.choice([1, *range(max(2, vid - 300), vid)])}
        if rng.random() < 0.5:
            sources.add(rng.randrange(1, vid))
        depth = min(down_nodes[s].depth for s in sources) + 1
        down_nodes[vid] = node(vid, depth)
        down_edges += [LineageEdge(vid, s, "music", "", None, None) for s in sources]
    ancestry = Lineage("up", (1,), up_nodes, up_edges)
    descendants = Lineage("down", (1,), down_nodes, down_edges)
    return center, ancestry, descendants


def test_three_thousand_records_draw_a_bounded_picture_that_accounts_for_all():
    center, ancestry, descendants = _synthetic(3_000)
    tree = tree_from_lineages(center=center, ancestry=ancestry, descendants=descendants)
    svg_text = tree_svg(tree)
    lists = tree_list(tree, "up") + tree_list(tree, "down")

    svg = ET.fromstring(svg_text)  # noqa: S314
    drawn = drawn_records(svg)
    assert len(drawn) <= 1 + 2 * MAX_LAYERS * MAX_PER_LAYER
    more = summaries(svg)
    assert more
    # the picture accounts for every record: drawn or counted in a "+N more" box
    counted = sum(hidden_count(box) for box in more)
    assert len(drawn) - 1 + counted == 3_000 + 60
    assert lists.count('id="lin-down-') == 3_000 and lists.count('id="lin-up-') == 60
    assert "unavailable record" in lists


# Per-line authorship ------------------------------------------------------------------------


ANN = "Walking through my city\nat night\nthe lights are on\nnobody home"
BO = "Walking through my city\nat night\nthe lights are off\nnobody home\n\nI sing to the walls"
CY = (
    "Walking through my city\nat dawn\nthe lights are off\nnobody home\n\nI sing to the walls\n"
    "and the walls sing back"
)


@pytest.fixture
def chain(make_member):
    ann, bo, cy = (make_member(username=n, display_name=n.title()) for n in ("ann", "bo", "cy"))
    first = text_record(ann, title="In a City", text=ANN)
    second = build_on(bo, [first], title="Lights Off", text=BO)
    third = build_on(cy, [second], title="At Dawn", text=CY)
    return (ann, bo, cy), (first, second, third)


@pytest.mark.django_db
def test_the_authorship_page_credits_each_line_across_a_three_member_chain(client, chain):
    _, (first, second, third) = chain
    with CaptureQueriesContext(connection) as captured:
        response = client.get(authorship_url(third))
    assert response.status_code == 200
    assert len(captured) <= (6 if connection.vendor == "postgresql" else 4)
    lines = response.context["lines"]
    assert [(item.line.text, item.line.author_username) for item in lines] == [
        ("Walking through my city", "ann"),
        ("at dawn", "cy"),
        ("the lights are off", "bo"),
        ("nobody home", "ann"),
        ("", "bo"),
        ("I sing to the walls", "bo"),
        ("and the walls sing back", "cy"),
    ]
    html = response.content.decode()
    # each line links to the version it comes from, and each artist has a colour in the legend
    assert f'href="/records/{first.pk}/v/1/" title="from “In a City” version 1 by Ann"' in html
    assert f'href="/records/{second.pk}/v/1/"' in html
    assert f'href="/records/{third.pk}/v/1/"' in html
    legend = html[html.index('class="blame-legend"') : html.index('class="blame"')]
    assert re.findall(r'class="blame-c(\d)"', legend) == ["0", "1", "2"]
    assert '>Ann</a> <span class="blame-lines">2 lines' in legend
    assert '>Bo</a> <span class="blame-lines">2 lines' in legend  # the blank line not counted
    assert "with lines by Ann and Bo carried through its lineage" in html
    assert [item.starts_run for item in lines] == [True, True, True, True, False, True, True]


@pytest.mark.django_db
def test_lines_from_an_unpublished_source_keep_their_author_without_a_link(client, chain):
    (ann, _, _), (first, _, third) = chain
    record_unpublish(record=first)
    html = get(client, authorship_url(third))
    assert f"/records/{first.pk}/" not in html
    assert 'title="from an unavailable record by Ann">Walking through my city</span>' in html
    assert f"/records/{first.pk}/v/1/" in get(logged_in(ann), authorship_url(third))


@pytest.mark.django_db
def test_authorship_is_for_text_records_only_and_visible_ones(client, chain, upload):
    (ann, _, _), (first, _, third) = chain
    song = record_create_upload(author=ann, upload=upload("tone"), title="Tone")
    response = client.get(authorship_url(song))
    assert response.status_code == 404
    assert "for text records only" in response.content.decode()
    assert client.get(authorship_url(third, number=2)).status_code == 404
    record_unpublish(record=first)
    assert client.get(authorship_url(first)).status_code == 404
    assert logged_in(ann).get(authorship_url(first)).status_code == 200


@pytest.mark.django_db
def test_the_lineage_page_of_a_text_links_to_its_authorship(client, chain):
    _, (_, _, third) = chain
    assert authorship_url(third) in get(client, lineage_url(third))


def test_the_picture_scrolls_in_its_own_frame_on_a_phone():
    css = (Path(settings.BASE_DIR) / "ensemble/core/static/ensemble/ensemble.css").read_text()
    rule = re.search(r"\.lineage-canvas \{([^}]*)\}", css)
    assert rule and "overflow: auto" in rule[1]
    assert re.search(r"\.lineage-svg \{[^}]*max-width: none", css)  # pixels, not squeezed
