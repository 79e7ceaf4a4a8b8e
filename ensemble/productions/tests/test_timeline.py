"""The cut's document: OTIO both ways, the interchange formats through the real adapters, and
refusals of files that are not timelines. No database."""

from __future__ import annotations

import json

import opentimelineio as otio
import pytest

from ensemble.core.errors import EnsembleError
from ensemble.productions import timeline as tl

BASE = "https://ensemble.example"


def document() -> tl.Document:
    return tl.Document(
        name="Official",
        clips=(
            tl.ClipSpec(7, 3, "Cairo at dawn", 0.4, 1.2, lower_third="Cairo",
                        url="/records/3/v/1/original", media_duration=5.0),
            tl.ClipSpec(8, 4, "Rio", 0.0, 2.0, url="/records/4/v/2/original", media_duration=2.0),
            tl.ClipSpec(9, 5, "Prague", 1.0, 1.6, transition="crossfade", transition_seconds=0.4,
                        url="/records/5/v/1/original", media_duration=3.0),
        ),
        beds=(
            tl.BedSpec(11, 6, "Walking song", 0.0, 4.0, offset=0.6, volume=0.7, fade=0.5,
                       url="/records/6/v/1/original", media_duration=30.0),
        ),
        titles=(
            tl.TitleSpec("In a City", 0.2, 1.0),
            tl.TitleSpec("walking through my city", 2.0, 1.2, version_id=12, record_id=7,
                         kind="subtitle"),
        ),
    )  # fmt: skip


def test_a_document_survives_otio_both_ways() -> None:
    original = document()
    assert tl.from_otio(tl.to_otio(original)) == original
    assert tl.load(tl.dump(original)) == original
    # the stored form is plain OTIO JSON that OTIO itself reads
    stored = tl.dump(original)
    timeline = otio.adapters.read_from_string(json.dumps(stored), "otio_json")
    video, bed, titles = timeline.tracks
    assert [c.metadata["ensemble"]["version_id"] for c in video.find_clips()] == [7, 8, 9]
    assert isinstance(video[2], otio.schema.Transition)
    assert video[2].in_offset.to_seconds() == pytest.approx(0.2)
    assert bed.kind == otio.schema.TrackKind.Audio
    assert titles.metadata["ensemble"]["track"] == "text"
    assert original.duration == pytest.approx(1.2 + 2.0 + 1.6 - 0.4)


def test_times_snap_to_frames() -> None:
    assert tl.snap(0.413) == pytest.approx(0.4)
    assert tl.snap(1.0 / 3) == pytest.approx(0.32)


def test_otio_export_has_absolute_links_and_imports_back_to_the_same_clips() -> None:
    exported = tl.export(document(), "otio", base_url=BASE, name="In a City — Official")
    assert exported.filename == "In-a-City---Official.otio"
    back = tl.parse(exported.content.encode(), "otio")
    assert [(c.version_id, c.start, c.duration, c.transition) for c in back.clips] == [
        (c.version_id, c.start, c.duration, c.transition) for c in document().clips
    ]
    assert back.clips[0].url == f"{BASE}/records/3/v/1/original"
    assert back.beds[0].volume == 0.7 and back.beds[0].offset == pytest.approx(0.6)
    assert [t.text for t in back.titles] == ["In a City", "walking through my city"]


def test_fcp_xml_export_parses_back_with_the_adapter() -> None:
    exported = tl.export(document(), "fcp_xml", base_url=BASE)
    assert exported.content_type == "application/xml"
    timeline = otio.adapters.read_from_string(exported.content, adapter_name="fcp_xml")
    clips = list(timeline.video_tracks()[0].find_clips())
    assert [c.name for c in clips] == ["Cairo at dawn", "Rio", "Prague"]
    assert clips[0].media_reference.target_url == f"{BASE}/records/3/v/1/original"
    assert [c.name for c in timeline.audio_tracks()[0].find_clips()] == ["Walking song"]
    # and Ensemble reads it back: clips keep their ranges, links are the originals' URLs
    back = tl.parse(exported.content, "fcp_xml")
    assert [(c.start, c.duration) for c in back.clips] == [(0.4, 1.2), (0.0, 2.0), (1.0, 1.6)]
    assert back.clips[2].transition == "crossfade"
    assert tl.version_key_from_url(back.clips[1].url) == (4, 2)


def test_edl_export_is_the_picture_track_in_cmx_3600() -> None:
    exported = tl.export(document(), "edl", base_url=BASE)
    assert exported.filename == "cut.edl"
    assert "FROM CLIP NAME:  Cairo at dawn" in exported.content
    timeline = otio.adapters.read_from_string(exported.content, adapter_name="cmx_3600", rate=25)
    clips = list(timeline.video_tracks()[0].find_clips())
    assert [c.name for c in clips] == ["Cairo at dawn", "Rio", "Prague"]
    assert clips[0].source_range.start_time.to_seconds() == pytest.approx(0.4)
    assert tl.parse(exported.content, "edl").clips[0].name == "Cairo at dawn"


@pytest.mark.parametrize(
    ("data", "format", "words"),
    [
        (b"{not json", "otio", "could not be read as an OpenTimelineIO file"),
        (b'{"OTIO_SCHEMA": "Clip.2", "name": "x"}', "otio", "could not be read"),
        (b'{"OTIO_SCHEMA": "Gap.1", "source_range": null}', "otio", "holds no timeline"),
        (b"\xff\xfe\x00junk", "otio", "not UTF-8"),
        (b"<xmeml><sequence>", "fcp_xml", "could not be read as an FCP 7 XML file"),
        (b"TITLE: x\n001  AX V C 00:00:00:00", "edl", "could not be read as a CMX 3600 EDL"),
        (b"{}", "aaf", "Unknown format"),
    ],
)
def test_malformed_files_are_refused_with_a_400(data: bytes, format: str, words: str) -> None:
    with pytest.raises(EnsembleError) as refused:
        tl.parse(data, format)
    assert refused.value.status == 400
    assert words in refused.value.message


def test_gaps_between_pictures_are_refused() -> None:
    timeline = tl.to_otio(document())
    timeline.tracks[0].insert(1, otio.schema.Gap(duration=otio.opentime.RationalTime(5, 25)))
    with pytest.raises(EnsembleError, match="picture track has a gap"):
        tl.from_otio(timeline)


def test_urls_that_are_not_originals_do_not_link() -> None:
    assert tl.version_key_from_url(f"{BASE}/records/3/v/1/original") == (3, 1)
    assert tl.version_key_from_url("/records/3/") is None
    assert tl.version_key_from_url("file:///etc/passwd") is None
    assert tl.version_key_from_url("") is None
