"""Per-line authorship: a poem written by three members down a chain, and a merge of two."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ensemble.core.errors import EnsembleError
from ensemble.lineage.blame import version_blame
from ensemble.lineage.services import source_links_copy_forward
from ensemble.records.services import (
    record_create_upload,
    record_unpublish,
    record_version_add_text,
)
from tests.factories import text_record

from .conftest import build_on, current

pytestmark = pytest.mark.django_db

ANN = "Walking through my city\nat night\nthe lights are on\nnobody home"
BO = "Walking through my city\nat night\nthe lights are off\nnobody home\nI sing to the walls"
CY = (
    "Walking through my city\nat dawn\nthe lights are off\nnobody home\nI sing to the walls\n"
    "and the walls sing back"
)


@pytest.fixture
def poets(make_member):
    return [make_member(username=n, display_name=n.title()) for n in ("ann", "bo", "cy", "dee")]


def _who(lines):
    return [(line.text, line.author_username) for line in lines]


def test_a_poem_written_down_a_chain_keeps_each_line_with_its_first_author(poets):
    ann, bo, cy, _ = poets
    first = text_record(ann, title="In a City", text=ANN)
    second = build_on(bo, [first], title="In a City (lights off)", text=BO)
    third = build_on(cy, [second], title="In a City (dawn)", text=CY)
    version = current(third)
    with CaptureQueriesContext(connection) as queries:
        lines = version_blame(version=version)
    assert _who(lines) == [
        ("Walking through my city", "ann"),  # through two links
        ("at dawn", "cy"),
        ("the lights are off", "bo"),
        ("nobody home", "ann"),
        ("I sing to the walls", "bo"),
        ("and the walls sing back", "cy"),
    ]
    assert [line.number for line in lines] == [1, 2, 3, 4, 5, 6]
    assert lines[0].record_id == first.pk and lines[0].title == "In a City"
    # the version's record, then the whole text ancestry (on PostgreSQL with its planner settings)
    assert len(queries) == (4 if connection.vendor == "postgresql" else 2)


def test_a_merge_of_two_sources_credits_each_line_to_its_poet(poets):
    ann, bo, _, dee = poets
    city = text_record(ann, title="City", text="streets of glass\nrain on the tram\nwe walk")
    sea = text_record(bo, title="Sea", text="salt in the air\nrain on the tram\nboats asleep")
    merged = build_on(
        dee,
        [city, sea],
        title="City by the sea",
        text="streets of glass\nsalt in the air\nrain on the tram\nboats asleep\nwe walk home",
    )
    assert _who(version_blame(version=current(merged))) == [
        ("streets of glass", "ann"),
        ("salt in the air", "bo"),
        ("rain on the tram", "ann"),  # in both: the first source declared wins
        ("boats asleep", "bo"),
        ("we walk home", "dee"),
    ]


def test_a_new_version_keeps_the_lines_it_did_not_change(poets):
    ann, bo, _, _ = poets
    first = text_record(ann, title="In a City", text=ANN)
    remix = build_on(bo, [first], title="Lights off", text=BO)
    edited = record_version_add_text(record=remix, text=BO.replace("at night", "at midnight"))
    source_links_copy_forward(version=edited)
    edited.record = remix
    lines = version_blame(version=edited)
    assert _who(lines)[:3] == [
        ("Walking through my city", "ann"),
        ("at midnight", "bo"),
        ("the lights are off", "bo"),
    ]
    assert lines[1].version_number == 2 and lines[2].version_number == 1


def test_a_new_version_without_its_links_still_traces_through_its_own_history(poets):
    ann, bo, _, _ = poets
    first = text_record(ann, title="In a City", text=ANN)
    remix = build_on(bo, [first], title="Lights off", text=BO)
    edited = record_version_add_text(record=remix, text=BO + "\none more")
    assert _who(version_blame(version=edited))[0] == ("Walking through my city", "ann")


def test_lines_from_an_unpublished_source_keep_their_author_but_not_the_title(poets):
    ann, bo, _, _ = poets
    first = text_record(ann, title="In a City", text=ANN)
    remix = build_on(bo, [first], title="Lights off", text=BO)
    record_unpublish(record=first)
    line = version_blame(version=current(remix), viewer=AnonymousUser())[0]
    assert (line.author_name, line.title, line.available) == ("Ann", "", False)
    assert version_blame(version=current(remix), viewer=ann)[0].title == "In a City"


def test_only_text_has_lines_to_attribute(poets, upload):
    song = record_create_upload(author=poets[0], upload=upload("tone"))
    with pytest.raises(EnsembleError, match="Only text records have lines to attribute"):
        version_blame(version=current(song))
