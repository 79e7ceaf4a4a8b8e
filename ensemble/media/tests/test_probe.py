"""Probing with PyAV (and Pillow for images): the facts stored on a version."""

from __future__ import annotations

import json

import pytest
from django.core.files.storage import FileSystemStorage

from ensemble.media.probe import orientation, probe, probe_stored, resolution_label

from .conftest import gps_jpeg_bytes

pytestmark = pytest.mark.xdist_group("media")


def test_a_phone_video_facts(landscape):
    facts = probe(landscape)
    assert facts["kind"] == "video"
    assert facts["container"] == "mov,mp4,m4a,3gp,3g2,mj2"
    assert facts["duration"] == pytest.approx(2.5, abs=0.1)
    assert facts["bit_rate"] > 0
    assert (facts["width"], facts["height"]) == (640, 360)
    video = facts["video"][0]
    assert video["codec"] == "h264" and video["bit_depth"] == 8
    assert video["sar"] == "1:1" and video["dar"] == "16:9" and video["rotation"] == 0
    assert video["frame_rate"] == 30 and video["variable_frame_rate"] is False
    assert facts["audio"][0] == {**facts["audio"][0], "codec": "aac", "sample_rate": 48000}
    assert facts["audio"][0]["channels"] == 1
    assert facts["camera"] == {"make": "Apple", "model": "iPhone 15 Pro"}
    assert facts["creation_time"].startswith("2024-05-01")
    assert facts["data_streams"] == 1  # the timecode track
    assert facts["summary"]["resolution"] == "360p"
    assert facts["summary"]["orientation"] == "landscape"
    assert facts["summary"]["camera"] == "Apple iPhone 15 Pro"
    stored = json.dumps(facts)  # JSON-ready, and no location or serial number kept
    assert "48.8577" not in stored and "SN-123456789" not in stored


def test_10_bit_4k_hevc_rotated_hlg(hevc_4k_rotated):
    facts = probe(hevc_4k_rotated)
    video = facts["video"][0]
    assert video["codec"] == "hevc" and video["profile"] == "Main 10"
    assert video["bit_depth"] == 10 and video["pixel_format"] == "yuv420p10le"
    assert (video["width"], video["height"]) == (3840, 2160)
    assert video["rotation"] in (90, 270)
    assert (facts["width"], facts["height"]) == (2160, 3840)
    assert video["color_transfer"] == "arib-std-b67" and video["hdr"] == "hlg"
    assert video["color_primaries"] == "bt2020"
    summary = facts["summary"]
    assert summary["resolution"] == "2160p" and summary["orientation"] == "portrait"
    assert summary["hdr"] == "hlg" and summary["codec"] == "hevc"
    assert summary["camera"] == "Apple iPhone 15 Pro"


def test_pq_is_hdr(hdr_pq):
    assert probe(hdr_pq)["video"][0]["hdr"] == "pq"


def test_variable_frame_rate_is_detected(vfr_phone, small_clip):
    assert probe(vfr_phone)["video"][0]["variable_frame_rate"] is True
    assert probe(small_clip)["video"][0]["variable_frame_rate"] is False


def test_anamorphic_odd_sizes_and_no_sound(odd_anamorphic):
    facts = probe(odd_anamorphic)
    video = facts["video"][0]
    assert video["sar"] == "4:3" and (video["width"], video["height"]) == (161, 91)
    assert facts["width"] == 214 and facts["height"] == 91  # as displayed
    assert facts["audio"] == [] and facts["summary"]["has_audio"] is False
    assert video["frame_rate"] == 120


def test_audio_only(tone_m4a, tone_wav):
    facts = probe(tone_m4a)
    assert facts["kind"] == "audio" and facts["video"] == []
    assert facts["audio"][0]["codec"] == "aac"
    assert facts["width"] is None and facts["summary"]["resolution"] is None
    assert probe(tone_wav)["audio"][0]["sample_rate"] == 22050


def test_images_are_probed_with_pillow_without_gps(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(gps_jpeg_bytes())
    facts = probe(path)
    assert facts["kind"] == "image" and facts["container"] == "jpeg"
    assert (facts["width"], facts["height"]) == (200, 400)  # orientation 6: turned upright
    assert facts["camera"] == {"make": "Canon", "model": "Canon EOS R5"}
    assert facts["summary"]["camera"] == "Canon EOS R5"
    assert facts["creation_time"] == "2024-05-01T10:00:00"
    assert "48" not in json.dumps(facts.get("camera")) and "GPS" not in json.dumps(facts)


def test_probe_stored_keeps_its_signature(tmp_path, small_clip):
    storage = FileSystemStorage(location=tmp_path)
    with small_clip.open("rb") as handle:
        name = storage.save("originals/clip.mp4", handle)
    facts = probe_stored(storage, name)
    assert facts["video"][0]["codec"] == "h264" and facts["audio"][0]["channels"] == 1


@pytest.mark.parametrize(
    ("size", "label"),
    [((3840, 2160), "2160p"), ((2160, 3840), "2160p"), ((1920, 1080), "1080p"),
     ((1920, 800), "1080p"), ((1080, 1920), "1080p"), ((1280, 720), "720p"),
     ((854, 480), "480p"), ((640, 360), "360p"), ((426, 240), "240p"), ((160, 90), "90p")],
)  # fmt: skip
def test_resolution_labels(size, label):
    assert resolution_label(*size) == label


def test_orientation():
    assert orientation(1920, 1080) == "landscape"
    assert orientation(1080, 1920) == "portrait"
    assert orientation(500, 500) == "square"
    assert orientation(None, None) is None


def test_an_animated_gif_is_probed_with_its_frame_count(tmp_path):
    from PIL import Image

    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "green", "blue")]
    path = tmp_path / "moving.gif"
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    facts = probe(path)
    assert facts["kind"] == "image" and facts["container"] == "gif"
    assert facts["animated"] is True and facts["frames"] == 3
    assert (facts["width"], facts["height"]) == (40, 30)
