"""Served files carry no location, device serial or other personal tags, and no data streams."""

from __future__ import annotations

import av
import pytest
from PIL import Image

from ensemble.media.ingest import ingest
from ensemble.media.probe import probe
from ensemble.media.sniff import OPEN_OPTIONS

from .conftest import gps_jpeg_bytes

pytestmark = pytest.mark.xdist_group("media")

PERSONAL = (b"48.8577", b"002.2950", b"ISO6709", b"SN-123456789", b"iPhone 15", b"quicktime")
ALLOWED_TAGS = {"major_brand", "minor_version", "compatible_brands", "encoder"}


def test_the_source_really_has_location_tags_and_a_data_stream(landscape):
    """The fixture is what the privacy test claims it is."""
    data = landscape.read_bytes()
    assert b"48.8577" in data and b"ISO6709" in data and b"SN-123456789" in data
    with av.open(str(landscape), options=OPEN_OPTIONS) as container:
        assert any(s.type == "data" for s in container.streams)
        assert any("location" in key for key in container.metadata)


def test_video_outputs_have_no_location_tags_and_no_data_streams(landscape_ingest):
    assert len(landscape_ingest.files) == 10
    for name, path in landscape_ingest.files.items():
        data = path.read_bytes()
        for marker in PERSONAL:
            assert marker not in data, (name, marker)
        if name.endswith(".mp4"):
            with av.open(str(path), options=OPEN_OPTIONS) as container:
                assert set(container.metadata) <= ALLOWED_TAGS, container.metadata
                assert sorted(s.type for s in container.streams) == ["audio", "video"]
                for stream in container.streams:
                    assert not any("location" in key for key in stream.metadata)
                    assert "serial" not in stream.metadata
            facts = probe(path)
            assert facts["camera"] is None and facts["creation_time"] is None
            assert facts["data_streams"] == 0
        elif name.endswith((".jpg", ".webp")):
            with Image.open(path) as image:
                assert not image.getexif() and "xmp" not in image.info


def test_rotated_phone_video_outputs_drop_camera_tags(hevc_ingest):
    for name, path in hevc_ingest.files.items():
        assert b"iPhone 15" not in path.read_bytes(), name


def test_gps_jpeg_ingest_outputs_have_no_exif(tmp_path):
    source = tmp_path / "gps.jpg"
    source.write_bytes(gps_jpeg_bytes(size=(900, 500)))
    out = tmp_path / "out"
    out.mkdir()
    result = ingest(source, out, kind="image")
    assert result.files
    for name, path in result.files.items():
        data = path.read_bytes()
        for marker in (b"Exif", b"GPS", b"SERIAL-0042", b"Canon", b"Paris-Secret-Place"):
            assert marker not in data, (name, marker)
        with Image.open(path) as image:
            assert not image.getexif()
