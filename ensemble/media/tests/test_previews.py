"""Poster, thumbnails and storyboard: representative, small, and made from the renditions."""

from __future__ import annotations

import re

import pytest
from PIL import Image, ImageStat

from ensemble.media.ladder import Rendition
from ensemble.media.previews import make_previews
from ensemble.media.sniff import MediaRefused

pytestmark = pytest.mark.xdist_group("media")


def test_poster_is_not_the_black_first_frame(landscape_ingest):
    poster = landscape_ingest.details["poster"]
    assert poster["time"] >= 0.8  # the clip opens with 0.8 s of black
    with Image.open(landscape_ingest.files["poster.jpg"]) as image:
        assert image.format == "JPEG" and image.size == (640, 360)
        assert ImageStat.Stat(image.convert("L")).mean[0] > 40
    with Image.open(landscape_ingest.files["poster.webp"]) as image:
        assert image.format == "WEBP" and image.size == (640, 360)


def test_thumbnails_in_webp_and_jpeg(landscape_ingest):
    expected = {"small": (320, 180), "medium": (640, 360)}
    for name, size in expected.items():
        for extension, image_format in (("webp", "WEBP"), ("jpg", "JPEG")):
            with Image.open(landscape_ingest.files[f"thumb-{name}.{extension}"]) as image:
                assert image.format == image_format and image.size == size


def test_storyboard_sprite_and_webvtt_index(landscape_ingest):
    board = landscape_ingest.details["storyboard"]
    assert board["tiles"] == 3 and board["interval"] == 1.0
    assert (board["tile_width"], board["tile_height"]) == (160, 90)
    with Image.open(landscape_ingest.files["storyboard.jpg"]) as sheet:
        assert sheet.size == (3 * 160, 90)
    vtt = landscape_ingest.files["storyboard.vtt"].read_text()
    assert vtt.startswith("WEBVTT\n")
    cues = re.findall(r"(\S+) --> (\S+)\n(storyboard\.jpg#xywh=(\d+),(\d+),(\d+),(\d+))", vtt)
    assert [c[0] for c in cues] == ["00:00:00.000", "00:00:01.000", "00:00:02.000"]
    assert cues[-1][1] == "00:00:02.500"
    assert [(int(c[3]), int(c[4])) for c in cues] == [(0, 0), (160, 0), (320, 0)]


def test_portrait_previews_keep_orientation(hevc_ingest):
    with Image.open(hevc_ingest.files["poster.jpg"]) as poster:
        assert poster.size == (720, 1280)  # from the 720p rendition, not the 4K source
    with Image.open(hevc_ingest.files["thumb-small.webp"]) as thumb:
        assert thumb.size == (180, 320)
    assert (hevc_ingest.details["storyboard"]["tile_width"], 90) == (90, 90)


def test_previews_come_from_the_smallest_rendition(landscape_ingest, tmp_path):
    """Given only renditions (never the original), previews are made from them alone."""
    entries = landscape_ingest.details["renditions"]
    renditions = [
        Rendition(label=e["label"], path=landscape_ingest.files[e["path"]], width=e["width"],
                  height=e["height"], bit_rate=None, size_bytes=0, duration=None, copied=False)
        for e in entries
    ]  # fmt: skip
    previews = make_previews(renditions, tmp_path)
    assert previews.tiles == 3 and set(previews.files()) >= {"poster.jpg", "storyboard.vtt"}
    with pytest.raises(MediaRefused):
        make_previews([], tmp_path)


def test_long_videos_read_keyframes_only(landscape_ingest, tmp_path, monkeypatch):
    """Past 100 tiles the interval grows to 2 s or more and only keyframes are decoded."""
    from ensemble.media import previews as module

    monkeypatch.setattr(module, "MAX_TILES", 2)
    entries = landscape_ingest.details["renditions"]
    renditions = [
        Rendition(label=e["label"], path=landscape_ingest.files[e["path"]], width=e["width"],
                  height=e["height"], bit_rate=None, size_bytes=0, duration=None, copied=False)
        for e in entries
    ]  # fmt: skip
    previews = make_previews(renditions, tmp_path, duration=2.5)
    assert previews.interval == 2.0 and previews.tiles == 2
    assert previews.poster_time == 2.0  # the keyframe at 2 s: the black one at 0 s loses
