"""Audio: an AAC rendition, waveform peaks (JSON) and a waveform picture."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from ensemble.media.audio import build_audio
from ensemble.media.ingest import ingest
from ensemble.media.probe import probe
from ensemble.media.sniff import MediaRefused

from .test_ladder import top_level_boxes

pytestmark = pytest.mark.xdist_group("media")


def test_wav_becomes_aac_with_peaks_and_pictures(tone_wav, tmp_path):
    seen: list[float] = []
    outputs = build_audio(tone_wav, tmp_path, progress=seen.append)
    assert seen[-1] == 1.0
    facts = probe(outputs.rendition)
    audio = facts["audio"][0]
    assert outputs.rendition.name == "audio.m4a" and not outputs.copied
    assert audio["codec"] == "aac" and audio["channels"] == 2 and audio["sample_rate"] == 48000
    assert facts["video"] == [] and facts["duration"] == pytest.approx(1.5, abs=0.1)
    boxes = top_level_boxes(outputs.rendition)
    assert boxes.index("moov") < boxes.index("mdat")
    peaks = json.loads(outputs.peaks.read_text())
    assert peaks["version"] == 2 and peaks["bits"] == 8 and peaks["channels"] == 1
    assert peaks["length"] == len(peaks["data"]) // 2 == 1000
    assert all(-128 <= value <= 127 for value in peaks["data"])
    assert max(peaks["data"]) >= 10 and min(peaks["data"]) <= -10  # lavfi's sine is at 1/8
    with Image.open(outputs.waveform_png) as png:
        assert png.format == "PNG" and png.size == (800, 96) and png.mode == "RGBA"
    with Image.open(outputs.waveform_webp) as webp:
        assert webp.format == "WEBP"
    assert not list(tmp_path.glob("tmp-*"))  # the PCM and temporary names are gone


def test_aac_source_is_copied(tone_m4a, tmp_path):
    outputs = build_audio(tone_m4a, tmp_path)
    assert outputs.copied
    assert probe(outputs.rendition)["audio"][0]["codec"] == "aac"
    assert b"48.8577" not in outputs.rendition.read_bytes()  # its location tag is not copied


def test_ingest_audio_and_the_sound_of_a_video(tone_wav, small_clip, tmp_path):
    (tmp_path / "a").mkdir()
    result = ingest(tone_wav, tmp_path / "a", kind="audio")
    assert set(result.files) == {"audio.m4a", "waveform.json", "waveform.png", "waveform.webp"}
    assert result.manifest()["waveform"]["pairs"] == 1000
    (tmp_path / "v").mkdir()
    from_video = ingest(small_clip, tmp_path / "v", kind="audio")
    assert "audio.m4a" in from_video.files


def test_silent_video_has_no_sound_to_render(odd_anamorphic, tmp_path):
    with pytest.raises(MediaRefused, match="no sound"):
        build_audio(odd_anamorphic, tmp_path)
