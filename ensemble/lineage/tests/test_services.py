"""Declaring sources: what is stored, and every bad input refused with its message and nothing
changed."""

import pytest
from django.db import transaction

from ensemble.core.errors import Conflict, EnsembleError, NotAllowed, NotFound
from ensemble.lineage.models import Role, SourceLink
from ensemble.lineage.services import (
    SourceSpec,
    record_licence_check,
    source_links_check,
    source_links_copy_forward,
    source_links_set,
)
from ensemble.records.models import Licence, Record
from ensemble.records.services import (
    record_create_upload,
    record_unpublish,
    record_version_add_text,
)
from tests.factories import text_record

from .conftest import build_on, current

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio(make_member):
    return (
        make_member(username="ann", display_name="Ann"),
        make_member(username="bo", display_name="Bo"),
        make_member(username="cy", display_name="Cy"),
    )


def test_a_poem_set_to_music_then_cut_to_footage_is_stored_link_by_link(trio, upload):
    ann, bo, cy = trio
    poem = text_record(ann, title="In a City", licence="cc-by")
    song = record_create_upload(author=bo, upload=upload("tone"), title="City song")
    links = source_links_set(
        version=current(song),
        sources=[SourceSpec(record_id=poem.pk, role="lyrics")],
        actor=bo,
    )
    film = record_create_upload(author=cy, upload=upload("clip"), title="City film")
    source_links_set(
        version=current(film),
        sources=[SourceSpec(record_id=song.pk, role="music", start_seconds=0.1, end_seconds=0.9)],
        actor=cy,
    )
    [link] = links
    assert (link.record_id, link.source_record_id, link.role) == (song.pk, poem.pk, Role.LYRICS)
    assert link.source_version_id == poem.current_version_id  # the current version by default
    film_link = SourceLink.objects.get(version=current(film))
    assert (film_link.start_seconds, film_link.end_seconds) == (0.1, 0.9)
    song.refresh_from_db()
    film.refresh_from_db()
    assert song.licence == Licence.ENSEMBLE  # CC BY allows the default
    assert film.licence == Licence.ENSEMBLE  # and the Ensemble licence carries on


def test_the_artists_choice_is_kept_when_the_sources_allow_it(trio):
    ann, bo, _ = trio
    poem = text_record(ann, title="Poem", licence="cc-by")
    remix = build_on(bo, [poem], licence="cc-by-nc-nd")
    assert remix.licence == Licence.CC_BY_NC_ND
    shared = build_on(bo, [text_record(ann, title="Shared", licence="cc-by-sa")])
    assert shared.licence == Licence.CC_BY_SA  # no choice: the least restrictive allowed


def test_sources_pin_a_version_and_other_roles_carry_their_words(trio):
    ann, bo, _ = trio
    poem = text_record(ann, title="Poem", text="first")
    first = current(poem)
    record_version_add_text(record=poem, text="second")
    remix = text_record(bo, title="Translation")
    [link] = source_links_set(
        version=current(remix),
        sources=[
            SourceSpec(record_id=poem.pk, version_number=1, role="other", role_other="  epigraph\n")
        ],
        actor=bo,
    )
    assert link.source_version_id == first.pk
    assert (link.role, link.role_other, link.role_label) == ("other", "epigraph", "epigraph")


def test_a_new_version_without_new_sources_keeps_the_old_ones(trio):
    ann, bo, _ = trio
    poem = text_record(ann, title="Poem")
    remix = build_on(bo, [poem], title="Remix", role="translation")
    second = record_version_add_text(record=remix, text="Remix\nsecond draft")
    [copied] = SourceLink.objects.filter(version=second)  # the records service carried them
    assert (copied.source_version_id, copied.role) == (poem.current_version_id, "translation")
    assert source_links_copy_forward(version=second) == []  # already has sources
    assert source_links_copy_forward(version=current(poem)) == []  # first version


def test_a_remix_of_my_own_unpublished_record_is_allowed(trio):
    ann, _, _ = trio
    draft = text_record(ann, title="Draft", published=False)
    remix = build_on(ann, [draft], title="Mine")
    assert SourceLink.objects.get(record=remix).source_record_id == draft.pk


def test_check_answers_before_anything_is_written(trio):
    ann, bo, _ = trio
    poem = text_record(ann, title="Poem", licence="cc-by-nc")
    spec = [SourceSpec(record_id=poem.pk, role="text")]
    assert source_links_check(actor=bo, sources=spec) == Licence.CC_BY_NC
    with pytest.raises(EnsembleError, match="forbids commercial use"):
        source_links_check(actor=bo, sources=spec, licence="cc-by")
    assert not SourceLink.objects.exists()


def test_the_licence_of_a_remix_can_change_only_within_what_its_sources_allow(trio):
    ann, bo, _ = trio
    poem = text_record(ann, title="Poem", licence="cc-by-sa")
    remix = build_on(bo, [poem])
    assert remix.licence == Licence.CC_BY_SA
    with pytest.raises(EnsembleError, match=r"requires remixes to be licensed CC BY-SA 4\.0"):
        record_licence_check(record=remix, licence="cc-by")
    assert record_licence_check(record=poem, licence="cc0") == Licence.CC0  # no sources


# Bad input: 4xx with a message, nothing changed ---------------------------------------------


def _refused(error, message, *, version, sources, actor, licence=None, field=None):
    """Assert the call is refused with `message` and that no link or licence changed."""
    before_links = SourceLink.objects.count()
    before_licences = list(Record.objects.order_by("pk").values_list("pk", "licence"))
    with pytest.raises(error) as refused:
        source_links_set(version=version, sources=sources, actor=actor, licence=licence)
    assert message in refused.value.message
    assert 400 <= refused.value.status < 500
    if field:
        assert refused.value.field == field
    assert SourceLink.objects.count() == before_links
    assert list(Record.objects.order_by("pk").values_list("pk", "licence")) == before_licences
    return refused.value


def test_a_direct_cycle_is_refused(trio):
    ann, bo, _ = trio
    poem = text_record(ann, title="Poem")
    song = build_on(bo, [poem], title="Song")
    second = record_version_add_text(record=poem, text="Poem, after the song")
    _refused(
        Conflict,
        "“Song” is already built on “Poem” (directly), so “Poem” cannot be built on it: "
        "lineage cannot loop.",
        version=second,
        sources=[SourceSpec(record_id=song.pk, role="text")],
        actor=ann,
        field="sources",
    )


def test_a_cycle_through_a_long_chain_is_refused(trio):
    ann, bo, _ = trio
    chain = [text_record(ann, title="Link 0")]
    for n in range(1, 40):
        chain.append(build_on(bo if n % 2 else ann, [chain[-1]], title=f"Link {n}"))
    second = record_version_add_text(record=chain[0], text="closing the circle")
    _refused(
        Conflict,
        "“Link 39” is already built on “Link 0” (through 39 steps: “Link 39” → “Link 38” → "
        "“Link 37” → … → “Link 1” → “Link 0”)",
        version=second,
        sources=[SourceSpec(record_id=chain[-1].pk, role="text")],
        actor=ann,
    )


def test_a_self_link_is_refused(trio):
    ann, _, _ = trio
    poem = text_record(ann, title="Poem")
    second = record_version_add_text(record=poem, text="again")
    _refused(
        EnsembleError,
        "A record cannot be built on itself",
        version=second,
        sources=[SourceSpec(record_id=poem.pk, role="edit", version_number=1)],
        actor=ann,
        field="sources",
    )


@pytest.mark.parametrize("case", ["unknown", "unpublished", "private"])
def test_unknown_unpublished_and_private_sources_are_not_found(trio, case):
    ann, bo, _ = trio
    hidden = text_record(ann, title="Hidden", published=case != "unpublished")
    if case == "private":
        record_unpublish(record=hidden)
    record_id = 999_999 if case == "unknown" else hidden.pk
    remix = text_record(bo, title="Remix")
    _refused(
        NotFound,
        f"There is no record {record_id}, or it is not published.",
        version=current(remix),
        sources=[SourceSpec(record_id=record_id, role="text")],
        actor=bo,
    )


def test_an_unknown_version_of_a_source_is_not_found(trio):
    ann, bo, _ = trio
    poem = text_record(ann, title="Poem")
    remix = text_record(bo, title="Remix")
    _refused(
        NotFound,
        "“Poem” has no version 7.",
        version=current(remix),
        sources=[SourceSpec(record_id=poem.pk, role="text", version_number=7)],
        actor=bo,
    )


def test_an_nd_source_is_refused_with_the_reason(trio):
    ann, bo, _ = trio
    walls = text_record(ann, title="Walls", licence="cc-by-nd")
    remix = text_record(bo, title="Remix")
    _refused(
        NotAllowed,
        "“Walls” by Ann (CC BY-ND 4.0) does not allow derivative works, so nothing may be built "
        "on it.",
        version=current(remix),
        sources=[SourceSpec(record_id=walls.pk, role="text")],
        actor=bo,
    )


def test_incompatible_licences_are_refused_with_the_reason(trio):
    ann, bo, cy = trio
    night = text_record(ann, title="Night walk", licence="cc-by-sa")
    rain = text_record(bo, title="Tokyo rain", licence="cc-by-nc")
    remix = text_record(cy, title="Remix")
    _refused(
        EnsembleError,
        "These sources cannot be combined: “Night walk” by Ann (CC BY-SA 4.0) requires remixes "
        "to be licensed CC BY-SA 4.0, which allows commercial use, but “Tokyo rain” by Bo "
        "(CC BY-NC 4.0) forbids commercial use.",
        version=current(remix),
        sources=[
            SourceSpec(record_id=night.pk, role="text"),
            SourceSpec(record_id=rain.pk, role="text"),
        ],
        actor=cy,
    )


def test_a_licence_choice_the_sources_do_not_allow_is_refused(trio):
    ann, bo, _ = trio
    rain = text_record(ann, title="Tokyo rain", licence="cc-by-nc")
    remix = text_record(bo, title="Remix")
    _refused(
        EnsembleError,
        "needs CC BY-NC 4.0, CC BY-NC-SA 4.0 or CC BY-NC-ND 4.0; it cannot be licensed CC BY 4.0",
        version=current(remix),
        sources=[SourceSpec(record_id=rain.pk, role="text")],
        actor=bo,
        licence="cc-by",
        field="licence",
    )


def test_a_duplicate_link_is_refused(trio):
    ann, bo, _ = trio
    poem = text_record(ann, title="Poem")
    remix = text_record(bo, title="Remix")
    _refused(
        Conflict,
        "“Poem” version 1 is listed twice; list each source once.",
        version=current(remix),
        sources=[
            SourceSpec(record_id=poem.pk, role="text"),
            SourceSpec(record_id=poem.pk, role="lyrics", version_number=1),
        ],
        actor=bo,
    )


def test_sources_cannot_be_changed_on_a_version_that_has_them(trio):
    ann, bo, _ = trio
    poem, other = text_record(ann, title="Poem"), text_record(ann, title="Other")
    remix = build_on(bo, [poem])
    _refused(
        Conflict,
        "Version 1 of “Remix” already has its sources; sources change only with a new version.",
        version=current(remix),
        sources=[SourceSpec(record_id=other.pk, role="text")],
        actor=bo,
    )


@pytest.mark.parametrize(
    ("role", "role_other", "message"),
    [
        ("remix", "", "Unknown role 'remix' for record"),
        ("", "", "Unknown role ''"),
        ("other", "  ", "The role is required."),
        ("other", "x" * 61, "The role is too long"),
    ],
)
def test_an_unknown_role_is_refused(trio, role, role_other, message):
    ann, bo, _ = trio
    poem = text_record(ann, title="Poem")
    remix = text_record(bo, title="Remix")
    _refused(
        EnsembleError,
        message,
        version=current(remix),
        sources=[SourceSpec(record_id=poem.pk, role=role, role_other=role_other)],
        actor=bo,
    )


@pytest.fixture
def song(trio, upload):
    return record_create_upload(author=trio[0], upload=upload("tone"), title="Song")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (0.8, 0.2, "The range used must end after it starts: 0.8 s to 0.2 s is reversed or empty."),
        (0.5, 0.5, "0.5 s to 0.5 s is reversed or empty"),
        (-1.0, 0.5, "A range cannot start before 0 seconds."),
        (0.0, 30.0, "“Song” version 1 is 1 s long; the range used must lie within it (30 s is"),
        (5.0, None, "(5 s is outside)"),
        (None, 0.0, "A range must end after 0 seconds."),
        (float("nan"), 0.5, "A range is given in seconds, as a number."),
    ],
)
def test_a_time_range_reversed_or_outside_the_source_is_refused(trio, song, start, end, message):
    _, bo, _ = trio
    remix = text_record(bo, title="Remix")
    _refused(
        EnsembleError,
        message,
        version=current(remix),
        sources=[
            SourceSpec(record_id=song.pk, role="sample", start_seconds=start, end_seconds=end)
        ],
        actor=bo,
        field="range",
    )


def test_a_time_range_of_a_text_source_is_refused(trio):
    ann, bo, _ = trio
    poem = text_record(ann, title="Poem")
    remix = text_record(bo, title="Remix")
    _refused(
        EnsembleError,
        "“Poem” version 1 is text, which has no duration to take a range from.",
        version=current(remix),
        sources=[SourceSpec(record_id=poem.pk, role="text", start_seconds=1, end_seconds=2)],
        actor=bo,
    )


def test_only_the_author_declares_sources(trio):
    ann, bo, _ = trio
    poem = text_record(ann, title="Poem")
    remix = text_record(bo, title="Remix")
    _refused(
        NotAllowed,
        "Only the record's author can declare what it is built on.",
        version=current(remix),
        sources=[SourceSpec(record_id=poem.pk, role="text")],
        actor=ann,
    )


def test_a_refused_source_leaves_no_new_record_behind_when_created_together(trio):
    ann, bo, _ = trio
    walls = text_record(ann, title="Walls", licence="cc-by-nc-nd")
    with pytest.raises(NotAllowed), transaction.atomic():
        build_on(bo, [walls], title="Never stored")
    assert not Record.objects.filter(title="Never stored").exists()
