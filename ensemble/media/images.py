"""Images for the web: clean copies at a few widths, in WebP and JPEG.

The original is opened with `ensemble.core.images.open_image` (allowed formats JPEG, PNG, WebP,
GIF; a pixel cap, decompression-bomb warnings raised as errors, SVG refused, a PNG with data
after its end refused). Then:

- the EXIF orientation is applied to the pixels;
- an embedded colour profile (Display P3, Adobe RGB) is converted to sRGB, then dropped;
- every metadata field is left behind: each size is a fresh image holding only pixels, so no
  EXIF (GPS, serial numbers, dates), XMP, IPTC, ICC or comments reach a served file;
- sizes are 320, 800 and 1600 px wide, never enlarged: an image narrower than 1600 px also gets
  a size at its own width (and one narrower than 320 px only that one);
- transparency is kept in WebP and flattened on white in JPEG.

Animated images (GIF, animated WebP, APNG) are accepted and handled as stills: every size is the
first frame, and `ImageOutputs.animated` says the original moves (the original stays available
as uploaded). No animation is ever re-encoded or served from these sizes.

Entry point: `build_image_sizes(source, workdir, *, widths=WIDTHS) -> ImageOutputs`; raises
MediaRefused with a plain reason.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms, ImageOps

from ensemble.core.images import ImageRefused, open_image

from .sniff import MediaRefused

WIDTHS = (320, 800, 1600)
FORMATS = {"webp": ("WEBP", "image/webp"), "jpg": ("JPEG", "image/jpeg")}
SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "WEBP": {"quality": 82, "method": 4},
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
}


@dataclass(frozen=True)
class ImageSize:
    width: int
    height: int
    path: Path
    content_type: str


@dataclass(frozen=True)
class ImageOutputs:
    width: int  # as displayed (orientation applied)
    height: int
    animated: bool
    frames: int
    sizes: list[ImageSize] = field(default_factory=list)

    def files(self) -> dict[str, Path]:
        """File name → path: image-<width>.webp and image-<width>.jpg for each width."""
        return {size.path.name: size.path for size in self.sizes}


def build_image_sizes(
    source: Path, workdir: Path, *, widths: tuple[int, ...] = WIDTHS
) -> ImageOutputs:
    """Clean WebP and JPEG copies of an image at each width it can fill."""
    try:
        with Path(source).open("rb") as handle:
            original = open_image(handle)
            frames = int(getattr(original, "n_frames", 1) or 1)
            if frames > 1:
                original.seek(0)
            picture = _to_srgb(ImageOps.exif_transpose(original))
    except ImageRefused as exc:
        raise MediaRefused(str(exc)) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise MediaRefused("This image is damaged: it cannot be read.") from exc
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    picture = picture.convert("RGBA" if has_alpha else "RGB")
    clean = Image.new(picture.mode, picture.size)  # pixels only: no metadata comes across
    clean.paste(picture)
    width, height = clean.size
    targets = sorted(
        {w for w in widths if w <= width} | ({width} if width < max(widths) else set())
    )
    sizes = []
    for target in targets:
        scaled_height = max(1, round(height * target / width))
        scaled = (
            clean
            if target == width
            else clean.resize((target, scaled_height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        )
        for extension, (image_format, content_type) in FORMATS.items():
            path = Path(workdir) / f"image-{target}.{extension}"
            _save(scaled, path, image_format)
            sizes.append(ImageSize(target, scaled_height, path, content_type))
    return ImageOutputs(width=width, height=height, animated=frames > 1, frames=frames, sizes=sizes)


def _to_srgb(image: Image.Image) -> Image.Image:
    """Pixels converted from an embedded colour profile to sRGB (unchanged when there is none)."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image


def _save(image: Image.Image, path: Path, image_format: str) -> None:
    """Save under a temporary name, then rename; JPEG gets transparency flattened on white."""
    if image_format == "JPEG" and image.mode == "RGBA":
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    temp = path.with_name(f"tmp-{path.name}")
    image.save(temp, format=image_format, **SAVE_OPTIONS[image_format])
    temp.replace(path)
