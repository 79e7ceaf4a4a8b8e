"""Bad and hostile inputs at the engine level: a clear refusal, nothing read, nothing fetched."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from ensemble.media.errors import failure_message, is_transient
from ensemble.media.ffmpeg import FFmpegFailed, ffmpeg_run, file_url, job_folder, media_input
from ensemble.media.ingest import ingest
from ensemble.media.ladder import build_ladder
from ensemble.media.probe import probe
from ensemble.media.sniff import MediaRefused

from .conftest import MOV, copy_as

pytestmark = pytest.mark.xdist_group("media")


@pytest.fixture
def secret(tmp_path: Path, small_clip: Path) -> Path:
    """A local file that no upload may make us read: a real video, next to the playlists."""
    return copy_as(small_clip, tmp_path, "secret.mp4")


def _playlists(folder: Path, secret: Path, server_url: str) -> dict[str, Path]:
    def hls(target: object) -> str:
        return f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{target}\n#EXT-X-ENDLIST\n"

    texts = {
        "hls-local.mp4": hls(secret),
        "hls-local-relative.mp4": hls("secret.mp4"),
        "hls-http.mp4": hls(server_url),
        "concat-local.mp4": "ffconcat version 1.0\nfile 'secret.mp4'\n",
        "concat-absolute.mp4": f"ffconcat version 1.0\nfile '{secret}'\n",
        "concat-http.mp4": f"ffconcat version 1.0\nfile '{server_url}'\n",
        # The same, with the names FFmpeg's own probes look for.
        "hls-local.m3u8": hls(secret),
        "hls-http.m3u8": hls(server_url),
        "concat.ffconcat": "ffconcat version 1.0\nfile 'secret.mp4'\n",
    }  # fmt: skip
    paths = {}
    for name, text in texts.items():
        paths[name] = folder / name
        paths[name].write_text(text)
    return paths


def test_the_hazard_is_real_without_the_guards(tmp_path, secret, web_server):
    """Opened with no whitelist, a playlist or concat script does read the secret file: the
    guarded tests below are meaningful."""
    playlists = _playlists(tmp_path, secret, web_server.url("/segment.ts"))
    for name in ("hls-local.m3u8", "concat-local.mp4"):
        with av.open(str(playlists[name])) as container:  # deliberately unguarded
            assert container.format.name in ("hls", "concat")
            assert container.streams.video[0].codec_context.width == 320  # the secret's


def test_playlists_and_concat_scripts_are_never_followed(tmp_path, secret, web_server):
    playlists = _playlists(tmp_path, secret, web_server.url("/segment.ts"))
    for name, path in playlists.items():
        with pytest.raises(MediaRefused):
            probe(path)
        with job_folder() as folder:
            with pytest.raises(MediaRefused):
                ingest(path, folder, kind="video")
            assert not list(folder.iterdir()), name  # nothing written
        # Even handed straight to FFmpeg as the container it claims to be, it is not followed.
        with job_folder() as folder:
            with pytest.raises(FFmpegFailed) as caught:
                ffmpeg_run(
                    [*media_input(path, MOV), "-c", "copy", "-f", "mp4",
                     file_url(folder / "out.mp4")], cwd=folder,
                )  # fmt: skip
            assert not caught.value.transient  # corrupt input: no retry storm
            out = folder / "out.mp4"
            assert not out.exists() or b"Lavc" not in out.read_bytes()
    assert web_server.requests == []  # nothing was fetched


def test_truncated_mp4_without_its_index_is_refused(tmp_path, landscape):
    whole = landscape.read_bytes()  # moov at the end: half the file has no index
    path = tmp_path / "truncated.mp4"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(MediaRefused):
        ingest(path, tmp_path, kind="video")


def test_truncated_mp4_with_its_index_first_fails_clearly(tmp_path, web_ready):
    whole = web_ready.read_bytes()  # +faststart: the index survives, half the pictures do not
    path = tmp_path / "truncated-faststart.mp4"
    path.write_bytes(whole[: len(whole) // 2])
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises((MediaRefused, FFmpegFailed)) as caught:
        ingest(path, work, kind="video")
    assert not is_transient(caught.value)
    assert "cut short" in failure_message(caught.value) or "damaged" in failure_message(
        caught.value
    )
    assert not [p for p in work.iterdir() if p.name.startswith("video-")]  # nothing exposed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"This is a text file, not a video.\n" * 20, "not audio, video or an image"),
        (b"<html><body>hello</body></html>", "not audio, video or an image"),
    ],
)
def test_text_and_empty_files_are_refused(tmp_path, content, message):
    path = tmp_path / "upload.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaRefused, match=message):
        ingest(path, tmp_path, kind="video")


def test_video_with_no_frames(tmp_path, web_ready, small_clip):
    # A Matroska file with a video track and not a single frame.
    empty_track = tmp_path / "no-frames.mkv"
    ffmpeg_run(
        [*media_input(small_clip, MOV), "-map", "0:v", "-c", "copy", "-frames:v", "0",
         file_url(empty_track)]
    )  # fmt: skip
    # An MP4 whose index lists frames but whose picture data is gone.
    whole = web_ready.read_bytes()
    index_only = tmp_path / "index-only.mp4"
    index_only.write_bytes(whole[: whole.index(b"mdat") + 4])
    for path in (empty_track, index_only):
        work = tmp_path / f"work-{path.stem}"
        work.mkdir()
        with pytest.raises(MediaRefused, match=r"cut short|no pictures"):
            ingest(path, work, kind="video")
        assert not list(work.iterdir())


def test_audio_only_uploaded_as_video(tmp_path, tone_m4a):
    path = copy_as(tone_m4a, tmp_path, "actually-audio.mp4")
    with pytest.raises(MediaRefused, match="no video"):
        ingest(path, tmp_path, kind="video")
    with pytest.raises(MediaRefused, match="no video"):
        build_ladder(path, tmp_path)


@pytest.mark.parametrize(
    "name",
    [
        "my clip 'final' \"v2\".mp4",
        "видео концерта 東京 ライブ.mp4",
        "-i evil.mp4",
        "a:b|c;$(touch x).mp4",
        "concat:secret.mp4",
    ],
)
def test_awkward_file_names(tmp_path, small_clip, name):
    path = copy_as(small_clip, tmp_path, name)
    work = tmp_path / "work"
    work.mkdir()
    result = ingest(path, work, kind="video")
    assert "video-180p.mp4" in result.files and "poster.jpg" in result.files
    assert not (tmp_path / "x").exists() and not (work / "x").exists()


def test_a_jpeg_uploaded_as_video(tmp_path):
    from .conftest import gps_jpeg_bytes

    path = tmp_path / "photo.mp4"
    path.write_bytes(gps_jpeg_bytes())
    with pytest.raises(MediaRefused, match="image, not a video"):
        ingest(path, tmp_path, kind="video")
