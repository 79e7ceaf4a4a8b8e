"""The one-pass ladder: one FFmpeg process, every rung, web-ready H.264/AAC MP4s."""

from __future__ import annotations

import itertools
import struct
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import pytest

from ensemble.media.ffmpeg import job_folder
from ensemble.media.ladder import (
    DEFAULT_RUNGS,
    Rung,
    build_ladder,
    ladder_args,
    ladder_rungs,
    output_frame_rate,
    plan_ladder,
)
from ensemble.media.probe import probe
from ensemble.media.sniff import OPEN_OPTIONS

pytestmark = pytest.mark.xdist_group("media")


def top_level_boxes(path: Path) -> list[str]:
    boxes, data, offset = [], path.read_bytes(), 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        offset += size
    return boxes


def keyframe_times(path: Path) -> list[float]:
    with av.open(str(path), options=OPEN_OPTIONS) as container:
        stream = container.streams.video[0]
        base = stream.time_base or Fraction(1, 1000)
        return sorted(
            round(float(packet.pts * base), 3)
            for packet in container.demux(stream)
            if packet.is_keyframe and packet.pts is not None
        )


def frame_steps(path: Path) -> set[float]:
    with av.open(str(path), options=OPEN_OPTIONS) as container:
        stream = container.streams.video[0]
        base = stream.time_base or Fraction(1, 1000)
        times = sorted(p.pts for p in container.demux(stream) if p.pts is not None and p.size)
    return {round(float((b - a) * base), 4) for a, b in itertools.pairwise(times)}


def first_frame(path: Path) -> Any:
    with av.open(str(path), options=OPEN_OPTIONS) as container:
        return next(container.decode(container.streams.video[0]))


def test_rungs_are_data_and_2160_is_behind_a_setting(settings):
    assert [r.height for r in ladder_rungs()] == [1080, 720, 480, 360, 240]
    settings.ENSEMBLE_LADDER_2160 = True  # read at call time
    assert ladder_rungs()[0].height == 2160
    settings.ENSEMBLE_LADDER_RUNGS = [{"height": 720, "max_bitrate": 2000, "crf": 21}]
    assert ladder_rungs() == [Rung(720, 2000, crf=21)]
    assert all(isinstance(rung, Rung) for rung in DEFAULT_RUNGS)


def test_one_process_writes_every_rung_from_one_decode(landscape, tmp_path):
    facts = probe(landscape)
    plan = plan_ladder(facts)
    args = ladder_args(landscape, facts, plan, tmp_path)
    assert args.count("-i") == 1  # the source is read once
    graph = args[args.index("-filter_complex") + 1]
    assert graph.count("split=2") == 1
    assert graph.count("scale=640:360") == 1 and graph.count("scale=426:240") == 1
    assert [(r.label, r.width, r.height) for r in plan.renditions] == [
        ("360p", 640, 360), ("240p", 426, 240)
    ]  # fmt: skip


def test_renditions_are_web_ready_and_keyframes_align(landscape_ingest):
    renditions = landscape_ingest.details["renditions"]
    assert [r["label"] for r in renditions] == ["360p", "240p"]
    keyframes = []
    for entry in renditions:
        path = landscape_ingest.files[entry["path"]]
        facts = probe(path)
        video = facts["video"][0]
        assert video["codec"] == "h264" and video["pixel_format"] == "yuv420p"
        assert video["bit_depth"] == 8 and video["profile"] == "High"
        assert (video["width"], video["height"]) == (entry["width"], entry["height"])
        assert video["color_transfer"] == "bt709" and video["color_primaries"] == "bt709"
        assert facts["audio"][0]["codec"] == "aac" and facts["audio"][0]["channels"] == 2
        assert facts["audio"][0]["bit_rate"] <= 140_000
        assert facts["duration"] == pytest.approx(2.5, abs=0.1)
        boxes = top_level_boxes(path)
        assert boxes.index("moov") < boxes.index("mdat")  # +faststart
        assert frame_steps(path) == {round(1 / 30, 4)}
        keyframes.append(keyframe_times(path))
        assert not path.name.startswith("tmp-")
    assert keyframes[0] == keyframes[1] == [0.0, 2.0]  # every 2 s, the same in every rung
    assert not any(p.name.startswith("tmp-") for p in landscape_ingest.files.values())


def test_4k_10_bit_hdr_rotated_becomes_8_bit_bt709_portrait(hevc_ingest):
    renditions = hevc_ingest.details["renditions"]
    assert [(r["label"], r["width"], r["height"]) for r in renditions] == [
        ("1080p", 1080, 1920), ("720p", 720, 1280), ("480p", 480, 854),
        ("360p", 360, 640), ("240p", 240, 426),
    ]  # fmt: skip
    assert all(r["extra"]["colour"] == "hdr-tonemapped" for r in renditions)
    for entry in (renditions[0], renditions[-1]):
        path = hevc_ingest.files[entry["path"]]
        facts = probe(path)
        video = facts["video"][0]
        assert video["codec"] == "h264" and video["pixel_format"] == "yuv420p"
        assert video["color_transfer"] == "bt709" and video["hdr"] is None
        assert video["rotation"] == 0  # the pixels are upright, no display matrix needed
        frame = first_frame(path)
        assert (frame.width, frame.height) == (entry["width"], entry["height"])
        assert frame.rotation == 0


def test_2160_rung_when_enabled(hevc_4k_rotated, settings):
    facts = probe(hevc_4k_rotated)
    settings.ENSEMBLE_LADDER_2160 = True
    plan = plan_ladder(facts)
    assert (plan.renditions[0].width, plan.renditions[0].height) == (2160, 3840)


def test_variable_frame_rate_becomes_constant(vfr_phone, tmp_path):
    facts = probe(vfr_phone)
    assert output_frame_rate(facts["video"][0]) == 30
    [rendition] = build_ladder(vfr_phone, tmp_path, facts=facts)
    assert rendition.label == "180p" and (rendition.width, rendition.height) == (320, 180)
    assert frame_steps(rendition.path) == {round(1 / 30, 4)}
    assert keyframe_times(rendition.path) == [0.0]


def test_odd_anamorphic_120fps_silent_source(odd_anamorphic, tmp_path):
    [rendition] = build_ladder(odd_anamorphic, tmp_path)
    facts = probe(rendition.path)
    assert (facts["width"], facts["height"]) == (214, 90)  # even, square pixels
    assert facts["video"][0]["sar"] == "1:1"
    assert facts["video"][0]["frame_rate"] == 60  # capped
    assert facts["video"][0]["pixel_format"] == "yuv420p"
    assert facts["audio"] == []


def test_frame_rate_cap():
    def rate(value: str, vfr: bool = False) -> Fraction:
        return output_frame_rate({"frame_rate_fraction": value, "variable_frame_rate": vfr})

    assert rate("120/1") == 60 and rate("100/1") == 50 and rate("240/1") == 60
    assert rate("30000/1001") == Fraction(30000, 1001) and rate("60/1") == 60
    assert rate("3003/100", vfr=True) == 30
    assert rate("43/2", vfr=True) == 22  # no common rate near: rounded
    phone = {"frame_rate_fraction": "1530/59", "r_frame_rate_fraction": "30/1"}
    assert output_frame_rate({**phone, "variable_frame_rate": True}) == 30


def test_a_web_ready_rung_is_copied_not_reencoded(web_ready, tmp_path):
    renditions = build_ladder(web_ready, tmp_path)
    assert [(r.label, r.copied) for r in renditions] == [("360p", True), ("240p", False)]
    copied = probe(renditions[0].path)
    assert copied["video"][0]["profile"] == "Main"  # the source's own stream
    assert copied["audio"][0]["sample_rate"] == 44100
    assert b"x264 - core" in web_ready.read_bytes()
    assert b"x264 - core" not in renditions[0].path.read_bytes()  # SEI user data removed
    boxes = top_level_boxes(renditions[0].path)
    assert boxes.index("moov") < boxes.index("mdat")
    assert probe(renditions[1].path)["video"][0]["profile"] == "High"


def test_progress_goes_up_to_one(small_clip):
    seen: list[float] = []
    with job_folder() as folder:
        build_ladder(small_clip, folder, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)


def test_pq_hdr_is_tonemapped(hdr_pq, tmp_path):
    [rendition] = build_ladder(hdr_pq, tmp_path)
    assert rendition.extra["colour"] == "hdr-tonemapped"
    video = probe(rendition.path)["video"][0]
    assert video["color_transfer"] == "bt709" and video["bit_depth"] == 8
