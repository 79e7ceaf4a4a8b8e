"""Images: orientation applied, metadata gone, sizes never enlarged, bad images refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms

from ensemble.core.images import ImageRefused, open_image
from ensemble.media.images import build_image_sizes
from ensemble.media.ingest import ingest
from ensemble.media.sniff import MediaRefused

from .conftest import gps_jpeg_bytes, png_declaring

pytestmark = pytest.mark.xdist_group("media")


def _rgb(pixel: object) -> tuple[int, ...]:
    assert isinstance(pixel, tuple)
    return pixel


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_gps_jpeg_sizes_are_upright_and_carry_no_metadata(tmp_path):
    source = _write(tmp_path, "photo.jpg", gps_jpeg_bytes(size=(1000, 600)))
    out = tmp_path / "out"
    out.mkdir()
    outputs = build_image_sizes(source, out)
    assert (outputs.width, outputs.height) == (600, 1000)  # orientation 6 applied
    assert sorted(outputs.files()) == [
        "image-320.jpg", "image-320.webp", "image-600.jpg", "image-600.webp"
    ]  # fmt: skip
    for size in outputs.sizes:
        data = size.path.read_bytes()
        for marker in (b"Exif", b"GPS", b"Canon", b"SERIAL-0042", b"Paris-Secret-Place",
                       b"xmpmeta", b"ICC_PROFILE"):  # fmt: skip
            assert marker not in data, (size.path.name, marker)
        with Image.open(size.path) as image:
            assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
            assert "icc_profile" not in image.info
            assert image.size == (size.width, size.height)
            rgb = image.convert("RGB")
            top = _rgb(rgb.getpixel((image.width // 2, 5)))
            bottom = _rgb(rgb.getpixel((image.width // 2, image.height - 5)))
            assert top[0] > 150 and top[2] < 100  # the left (red) half is now on top
            assert bottom[2] > 150 and bottom[0] < 100


def test_sizes_are_never_enlarged(tmp_path):
    big = io.BytesIO()
    Image.new("RGB", (2000, 1000), (1, 2, 3)).save(big, format="PNG")
    outputs = build_image_sizes(_write(tmp_path, "big.png", big.getvalue()), tmp_path)
    assert sorted({(s.width, s.height) for s in outputs.sizes}) == [
        (320, 160), (800, 400), (1600, 800)
    ]  # fmt: skip
    tiny = io.BytesIO()
    Image.new("RGB", (100, 50)).save(tiny, format="PNG")
    (tmp_path / "t").mkdir()
    outputs = build_image_sizes(_write(tmp_path, "tiny.png", tiny.getvalue()), tmp_path / "t")
    assert {(s.width, s.height) for s in outputs.sizes} == {(100, 50)}


def test_transparency_and_colour_profiles(tmp_path):
    image = Image.new("RGBA", (400, 200), (0, 128, 0, 0))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = io.BytesIO()
    image.save(data, format="PNG", icc_profile=srgb)
    outputs = build_image_sizes(_write(tmp_path, "clear.png", data.getvalue()), tmp_path)
    files = outputs.files()
    with Image.open(files["image-320.webp"]) as webp:
        assert webp.mode == "RGBA" and "icc_profile" not in webp.info
    with Image.open(files["image-320.jpg"]) as jpeg:
        assert jpeg.mode == "RGB" and jpeg.getpixel((10, 10)) == (255, 255, 255)


def test_animated_images_become_stills_of_the_first_frame(tmp_path):
    frames = [Image.new("RGB", (400, 300), colour) for colour in ("red", "green", "blue")]
    data = io.BytesIO()
    frames[0].save(data, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    outputs = build_image_sizes(_write(tmp_path, "moving.gif", data.getvalue()), tmp_path)
    assert outputs.animated and outputs.frames == 3
    with Image.open(outputs.files()["image-320.webp"]) as still:
        assert getattr(still, "n_frames", 1) == 1
        red = _rgb(still.convert("RGB").getpixel((10, 10)))
        assert red[0] > 200 and red[1] < 60


def test_declared_30000_by_30000_is_refused_before_decoding(tmp_path):
    path = _write(tmp_path, "huge.png", png_declaring(30000, 30000))
    with pytest.raises(MediaRefused, match="too many pixels"):
        build_image_sizes(path, tmp_path)
    assert not list(tmp_path.glob("image-*"))


def test_png_followed_by_html_is_refused(tmp_path):
    data = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(data, format="PNG")
    payload = data.getvalue() + b"<html><script>alert(document.cookie)</script></html>"
    path = _write(tmp_path, "polyglot.png", payload)
    with pytest.raises(MediaRefused, match="hidden after the picture"):
        build_image_sizes(path, tmp_path)
    with path.open("rb") as handle, pytest.raises(ImageRefused):
        open_image(handle)  # the upload check refuses it too (4xx)
    assert not list(tmp_path.glob("image-*"))


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
        b'\xef\xbb\xbf  <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x"><svg/>',
    ],
)
def test_svg_is_refused_plainly(tmp_path, svg):
    with pytest.raises(MediaRefused, match="SVG"):
        build_image_sizes(_write(tmp_path, "drawing.png", svg), tmp_path)


def test_ingest_image(tmp_path):
    source = _write(tmp_path, "photo.jpg", gps_jpeg_bytes())
    out = tmp_path / "out"
    out.mkdir()
    result = ingest(source, out, kind="image")
    manifest = result.manifest()
    assert manifest["image"] == {"width": 200, "height": 400, "animated": False, "frames": 1}
    assert {s["file"] for s in manifest["sizes"]} == {"image-200.webp", "image-200.jpg"}
    with pytest.raises(MediaRefused, match="image"):
        ingest(source, out, kind="video")
