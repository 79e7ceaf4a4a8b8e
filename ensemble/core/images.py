"""Pillow with guards: a pixel cap, decompression-bomb warnings raised as errors, no metadata."""

import io
import warnings
from typing import IO

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


class ImageRefused(ValueError):
    """The bytes are not an image we accept; the message says why in plain words."""


def open_image(handle: IO[bytes]) -> Image.Image:
    """Open and fully decode an image, refusing bombs, oversized and unknown formats."""
    Image.MAX_IMAGE_PIXELS = settings.ENSEMBLE_MAX_IMAGE_PIXELS
    _refuse_svg(handle)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(handle)
            if image.format not in ALLOWED_IMAGE_FORMATS:
                raise ImageRefused(
                    f"{image.format or 'This'} images are not accepted; use JPEG, PNG, WebP or GIF."
                )
            if image.width * image.height > settings.ENSEMBLE_MAX_IMAGE_PIXELS:
                raise ImageRefused("This image has too many pixels.")
            image.load()
        except ImageRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused("This image has too many pixels.") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ImageRefused("This file is not a readable image (or it is damaged).") from exc
    if image.format == "PNG":
        _refuse_png_trailer(handle)
    return image


def _refuse_svg(handle: IO[bytes]) -> None:
    """SVG is a document (scripts, links to other files), not a picture: refuse it plainly."""
    try:
        start = handle.tell()
        head = handle.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        handle.seek(start)
    except (OSError, ValueError):
        return
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head:
        raise ImageRefused("SVG images are not accepted; export a PNG or WebP instead.")


def _refuse_png_trailer(handle: IO[bytes]) -> None:
    """A PNG must end with its IEND chunk: bytes after it (HTML, a script, an archive) are
    hidden cargo, and the file is refused."""
    try:
        handle.seek(-len(_PNG_END), io.SEEK_END)
        tail = handle.read(len(_PNG_END))
    except (OSError, ValueError):
        return
    if tail != _PNG_END:
        raise ImageRefused("This PNG has other data hidden after the picture; it is refused.")


def reencode_avatar(handle: IO[bytes], *, size: int = 400) -> bytes:
    """A square WebP avatar with orientation applied and every metadata field dropped."""
    image = ImageOps.exif_transpose(open_image(handle))
    return _webp(ImageOps.fit(image.convert("RGB"), (size, size), Image.Resampling.LANCZOS))


def reencode_picture(handle: IO[bytes], *, max_side: int = 1600) -> bytes:
    """A WebP at most `max_side` pixels wide and high (a cover, a logo), same guarantees."""
    image = ImageOps.exif_transpose(open_image(handle))
    has_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return _webp(image)


def _webp(image: Image.Image) -> bytes:
    # A new image holds only pixels: no EXIF, XMP, ICC or GPS comes across.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=85)
    return out.getvalue()
