"""Still images on the picture track, through the services: a default and a bounded length,
refusals with their reasons, credits as artwork, and a render of the cut from the stored
original."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ensemble.core.errors import EnsembleError
from ensemble.media.models import MediaJob
from ensemble.productions import render, services, timeline
from ensemble.productions.credits import credits_for_cut
from ensemble.productions.models import Cut, CutItem
from ensemble.records.models import Record, RecordVersion
from ensemble.records.services import record_create_upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_ladder")]


def picture(fmt: str, *, frames: int = 1) -> bytes:
    """A 320x240 picture, left half red and right half white (animated: several frames)."""
    images = []
    for number in range(frames):
        image = Image.new("RGB", (320, 240), (255, 255, 255))
        image.paste((255, number * 40, 0), (0, 0, 160, 240))
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, format=fmt, save_all=frames > 1, append_images=images[1:], duration=100)
    return out.getvalue()


def current(record: Record) -> RecordVersion:
    assert record.current_version is not None
    return record.current_version


@pytest.fixture
def make_still(artist: Any) -> Callable[..., Record]:
    def make(name: str, data: bytes, title: str) -> Record:
        record = record_create_upload(
            author=artist, upload=SimpleUploadedFile(name, data), kind="image", title=title
        )
        from ensemble.media.jobs import media_job_run

        for job in MediaJob.objects.filter(version=record.current_version):
            media_job_run(job_id=job.pk)
        return Record.objects.select_related("current_version", "author").get(pk=record.pk)

    return make


@pytest.fixture
def cut(leader: Any, collaboration: Any) -> Cut:
    production = services.production_create(
        owner=leader, title="In a City", collaboration=collaboration
    )
    return services.cut_create(actor=leader, production=production, name="Official")


def test_a_still_enters_the_cut_for_four_seconds_and_is_trimmed_within_a_minute(
    leader: Any, cut: Cut, make_still: Callable[..., Record], make_media: Callable[..., Any],
    artist: Any, tmp_path: Path,
) -> None:  # fmt: skip
    poster = make_still("poster.png", picture("PNG"), "Poster")
    cairo = make_media(artist, "clip", title="Cairo")
    services.clip_add(actor=leader, cut=cut, version=current(cairo), start=0, end=1)
    cut = services.clip_add(
        actor=leader, cut=cut, version=current(poster), lower_third="Lisbon",
        transition="crossfade", transition_seconds=0.4,
    )  # fmt: skip
    document = timeline.load(cut.timeline)
    assert [(c.name, c.start, c.duration) for c in document.clips] == [
        ("Cairo", 0.0, 1.0),
        ("Poster", 0.0, 4.0),
    ]
    cut = services.clip_trim(actor=leader, cut=cut, index=1, start=0, end=1.2)
    assert timeline.load(cut.timeline).clips[1].duration == 1.2
    items = CutItem.objects.filter(cut=cut).order_by("position")
    assert [(i.record_id, i.role) for i in items] == [(cairo.pk, "footage"), (poster.pk, "artwork")]
    credits = credits_for_cut(cut)
    assert {c.username: c.roles for c in credits.credits}["walker"] == ("footage", "artwork")

    before = Cut.objects.get(pk=cut.pk).timeline
    for start, end, message in [
        (0, 75, "A still image is shown for at most 60 s, not 75 s."),
        (2, 1, "The out point (1 s) must come after the in point (2 s)."),
        (-1, 3, "The in point cannot be before zero."),
    ]:
        with pytest.raises(EnsembleError) as refused:
            services.clip_trim(actor=leader, cut=cut, index=1, start=start, end=end)
        assert refused.value.message == message
    assert Cut.objects.get(pk=cut.pk).timeline == before

    # The render engine's spec, from the stored original: the still is held, fitted, silent.
    document = timeline.load(Cut.objects.get(pk=cut.pk).timeline)
    spec = timeline.render_spec(document, versions=timeline.versions_for(document))
    still = spec.clips[1]
    assert (still.container, still.has_audio, still.facts["kind"]) == ("png", False, "image")
    assert Path(still.path).is_file()
    output = tmp_path / "still-cut.mp4"
    result = render.render_run(spec, output=output)
    try:
        assert result.duration == pytest.approx(1.0 + 1.2 - 0.4, abs=0.1)
        with av.open(str(output)) as film:
            planes = [(bytes(f.planes[0]), f.planes[0].line_size) for f in film.decode(video=0)]
        plane, stride = planes[-2]  # 5 fps: the last frames are the still alone

        def luma(x: int, y: int) -> int:
            return plane[y * stride + x]

        assert luma(100, 540) <= 20 and luma(1820, 540) <= 20  # pillarboxed 4:3: 1440 wide
        assert abs(luma(500, 540) - 63) <= 6  # red, BT.709
        assert luma(1400, 540) >= 225  # white
    finally:
        output.unlink(missing_ok=True)


def test_animated_pictures_and_other_kinds_are_refused_with_a_reason(
    leader: Any, cut: Cut, make_still: Callable[..., Record], make_media: Callable[..., Any],
    artist: Any,
) -> None:  # fmt: skip
    spinner = make_still("spinner.webp", picture("WEBP", frames=3), "Spinner")
    before = Cut.objects.get(pk=cut.pk).revision
    with pytest.raises(EnsembleError, match="“Spinner” is an animated picture or a GIF; the pic"):
        services.clip_add(actor=leader, cut=cut, version=current(spinner))
    tone = make_media(artist, "tone", title="Hum")
    with pytest.raises(
        EnsembleError, match="“Hum” is audio, and the picture track takes video records and still"
    ):
        services.clip_add(actor=leader, cut=cut, version=current(tone))
    jpeg = make_still("photo.jpg", picture("JPEG"), "Photo")
    with pytest.raises(EnsembleError, match="is image, and an audio bed takes audio"):
        services.bed_set(actor=leader, cut=cut, version=current(jpeg))
    assert Cut.objects.get(pk=cut.pk).revision == before
    cut = services.clip_add(actor=leader, cut=cut, version=current(jpeg), start=0, end=2.6)
    assert timeline.load(cut.timeline).clips[0].duration == 2.6
