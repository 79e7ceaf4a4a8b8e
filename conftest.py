"""Fixtures shared by every test: members, tiny real media made with FFmpeg, API clients."""

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from ensemble.media.ffmpeg import ffmpeg_run


@pytest.fixture(scope="session")
def media_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """About one second of real media in each format the tests need, made once per run.

    Keys: clip, other (mp4), tone (wav), tone-mp3, image-png, image-jpg, truncated (half an
    mp4) and text (a text file named text.mp4).
    """
    folder = tmp_path_factory.mktemp("media")
    lavfi_video = ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=15:duration=1"]
    lavfi_audio = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1:sample_rate=22050"]
    ffmpeg_run(
        [*lavfi_video, *lavfi_audio, "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "48k", "-shortest",
         str(folder / "clip.mp4")]
    )  # fmt: skip
    ffmpeg_run(
        [*lavfi_video, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-vf", "hue=h=90", str(folder / "other.mp4")]
    )  # fmt: skip
    ffmpeg_run([*lavfi_audio, "-c:a", "pcm_s16le", str(folder / "tone.wav")])
    ffmpeg_run([*lavfi_audio, "-c:a", "libmp3lame", "-b:a", "32k", str(folder / "tone.mp3")])
    Image.new("RGB", (64, 48), (194, 65, 12)).save(folder / "image.png")
    Image.new("RGB", (64, 48), (20, 90, 160)).save(folder / "image.jpg", quality=80)
    whole = (folder / "clip.mp4").read_bytes()
    (folder / "truncated.mp4").write_bytes(whole[: len(whole) // 2])
    (folder / "text.mp4").write_text("This is a text file, not a video.\n" * 20)
    return {_media_key(path): path for path in folder.iterdir()}


def _media_key(path: Path) -> str:
    """The stem, except where two files share one: image.png → image-png, tone.mp3 → tone-mp3."""
    if path.stem == "image" or path.name == "tone.mp3":
        return f"{path.stem}-{path.suffix[1:]}"
    return path.stem


@pytest.fixture
def upload(media_files: dict[str, Path]) -> Callable[..., SimpleUploadedFile]:
    """An upload of one of the media files, optionally under another name."""

    def make(key: str, name: str | None = None) -> SimpleUploadedFile:
        path = media_files[key]
        return SimpleUploadedFile(name or path.name, path.read_bytes())

    return make


@pytest.fixture
def make_member(db: Any) -> Callable[..., Any]:
    from tests.factories import MemberFactory

    def make(**kwargs: Any) -> Any:
        return MemberFactory(**kwargs)

    return make


@pytest.fixture
def member(make_member: Callable[..., Any]) -> Any:
    return make_member(username="poet")


@pytest.fixture
def other_member(make_member: Callable[..., Any]) -> Any:
    return make_member(username="stranger")


@pytest.fixture
def staff_member(make_member: Callable[..., Any]) -> Any:
    return make_member(username="moderator", is_staff=True)


@pytest.fixture
def member_client(member: Any) -> Client:
    client = Client()
    client.force_login(member)
    return client


def png_bytes(size: tuple[int, int] = (32, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 80)).save(out, format="PNG")
    return out.getvalue()
