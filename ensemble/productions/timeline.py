"""The document of a cut: an OpenTimelineIO timeline, and what is made from it.

A cut is stored as OTIO JSON (`Cut.timeline`). Services work on a `Document` — plain frozen
dataclasses, easy to change and compare — and `to_otio` / `from_otio` convert both ways:

- track "Video" (OTIO kind Video, metadata `ensemble.track = "video"`): clips of record
  versions, each with its source range (in/out), joined by cuts or by an OTIO `Transition`
  (SMPTE dissolve, half its length either side of the cut) for a crossfade;
- tracks "Bed 1", "Bed 2", … (kind Audio, `ensemble.track = "audio"`): one bed each, placed by a
  `Gap`, with volume, fade and role in the clip's metadata;
- track "Titles" (kind Video, `ensemble.track = "text"`): title cards, lower thirds of the whole
  film and subtitles, as clips with a `GeneratorReference` ("title", its text), placed by gaps.

Every clip's metadata carries `{"ensemble": {"version_id": …, "record_id": …}}`, which is how an
imported file is re-linked to records; its media reference is the original's download URL
(relative in the stored document, absolute in exports). Times are seconds snapped to frames of
`RATE` (edit points are frames).

Also here: `render_spec(...)` (the document → `render.RenderSpec` from the originals and their
probe facts), `export(...)` to "otio", "fcp_xml" (FCP 7 XML) and "edl" (CMX 3600), and
`parse(...)` of such files back into a `Document` (ids not yet checked: see
`services.cut_import`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import opentimelineio as otio
from django.conf import settings
from django.urls import Resolver404, resolve

from ensemble.core.errors import EnsembleError
from ensemble.records.models import RecordVersion

from . import render

RATE = 25
KEY = "ensemble"
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_ITEMS = 2000
FORMATS: dict[str, tuple[str, str, str]] = {
    # format: (adapter, file extension, content type)
    "otio": ("otio_json", "otio", "application/json"),
    "fcp_xml": ("fcp_xml", "xml", "application/xml"),
    "edl": ("cmx_3600", "edl", "text/plain"),
}

Transition = Literal["cut", "crossfade"]


# The document -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipSpec:
    """A range of a video version on the video track, or a still image shown for `duration`
    seconds. `transition` joins it to the clip before; `lower_third` is drawn over it (a city's
    name)."""

    version_id: int | None
    record_id: int | None
    name: str
    start: float
    duration: float
    transition: Transition = "cut"
    transition_seconds: float = 0.0
    lower_third: str = ""
    url: str = ""
    media_duration: float | None = None

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True)
class BedSpec:
    """Music or narration under the clips: `duration` seconds from `start` of the source,
    placed at `offset` seconds of the film, at `volume` (0..2)."""

    version_id: int | None
    record_id: int | None
    name: str
    start: float
    duration: float
    offset: float = 0.0
    volume: float = 1.0
    fade: float = 1.0
    role: str = "music"  # or "voice"
    loop: bool = True
    url: str = ""
    media_duration: float | None = None


@dataclass(frozen=True)
class TitleSpec:
    """Text over the film from `start` for `duration` seconds; from a text record when
    `version_id` is set (subtitles, a poem's lines)."""

    text: str
    start: float
    duration: float
    version_id: int | None = None
    record_id: int | None = None
    kind: str = "title"  # or "subtitle"


@dataclass(frozen=True)
class Document:
    name: str = ""
    clips: tuple[ClipSpec, ...] = ()
    beds: tuple[BedSpec, ...] = ()
    titles: tuple[TitleSpec, ...] = ()
    notes: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def duration(self) -> float:
        """Seconds of the film before the credits: clips minus crossfade overlaps."""
        total = 0.0
        for index, clip in enumerate(self.clips):
            total += clip.duration
            if index and clip.transition == "crossfade":
                total -= clip.transition_seconds
        return snap(total)

    def version_ids(self) -> list[int]:
        ids = [c.version_id for c in self.clips] + [b.version_id for b in self.beds]
        ids += [t.version_id for t in self.titles]
        return [i for i in dict.fromkeys(ids) if i is not None]


def frames(seconds: float) -> int:
    """The nearest frame of RATE (halves round up, whatever the float error)."""
    return math.floor(seconds * RATE + 0.5 + 1e-9)


def snap(seconds: float) -> float:
    """Seconds on the nearest frame of RATE."""
    return frames(seconds) / RATE


def _time(seconds: float) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames(seconds), RATE)


def _range(start: float, duration: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(_time(start), _time(duration))


def _seconds(value: otio.opentime.RationalTime) -> float:
    return snap(float(value.to_seconds()))


# Document ↔ OTIO --------------------------------------------------------------------------------


def to_otio(document: Document, *, base_url: str = "") -> otio.schema.Timeline:
    """The OTIO timeline of a document; media URLs made absolute against `base_url` if given."""
    timeline = otio.schema.Timeline(name=document.name)
    timeline.global_start_time = _time(0)
    if document.notes:
        timeline.metadata[KEY] = {"notes": dict(document.notes)}
    video = otio.schema.Track(
        name="Video", kind=otio.schema.TrackKind.Video, metadata={KEY: {"track": "video"}}
    )
    for index, clip in enumerate(document.clips):
        if index and clip.transition == "crossfade" and clip.transition_seconds > 0:
            half = _time(clip.transition_seconds / 2)
            video.append(
                otio.schema.Transition(
                    name="crossfade",
                    transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                    in_offset=half,
                    out_offset=half,
                    metadata={KEY: {"seconds": clip.transition_seconds}},
                )
            )
        meta: dict[str, Any] = {"version_id": clip.version_id, "record_id": clip.record_id}
        if clip.lower_third:
            meta["lower_third"] = clip.lower_third
        video.append(
            otio.schema.Clip(
                name=clip.name,
                media_reference=_reference(clip.url, clip.media_duration, base_url),
                source_range=_range(clip.start, clip.duration),
                metadata={KEY: meta},
            )
        )
    timeline.tracks.append(video)
    for number, bed in enumerate(document.beds, start=1):
        track = otio.schema.Track(
            name=f"Bed {number}",
            kind=otio.schema.TrackKind.Audio,
            metadata={KEY: {"track": "audio"}},
        )
        if bed.offset > 0:
            track.append(otio.schema.Gap(source_range=_range(0, bed.offset)))
        track.append(
            otio.schema.Clip(
                name=bed.name,
                media_reference=_reference(bed.url, bed.media_duration, base_url),
                source_range=_range(bed.start, bed.duration),
                metadata={
                    KEY: {
                        "version_id": bed.version_id, "record_id": bed.record_id,
                        "volume": bed.volume, "fade": bed.fade, "role": bed.role,
                        "loop": bed.loop,
                    }
                },
            )
        )  # fmt: skip
        timeline.tracks.append(track)
    if document.titles:
        titles = otio.schema.Track(
            name="Titles", kind=otio.schema.TrackKind.Video, metadata={KEY: {"track": "text"}}
        )
        at = 0.0
        for title in sorted(document.titles, key=lambda t: t.start):
            if title.start > at:
                titles.append(otio.schema.Gap(source_range=_range(0, title.start - at)))
            start = max(title.start, at)
            titles.append(
                otio.schema.Clip(
                    name=title.text[:80],
                    media_reference=otio.schema.GeneratorReference(
                        generator_kind="title",
                        parameters={"text": title.text},
                        available_range=_range(0, title.duration),
                    ),
                    source_range=_range(0, title.duration),
                    metadata={
                        KEY: {
                            "version_id": title.version_id, "record_id": title.record_id,
                            "kind": title.kind, "text": title.text,
                        }
                    },
                )
            )  # fmt: skip
            at = start + title.duration
        timeline.tracks.append(titles)
    return timeline


def _reference(url: str, duration: float | None, base_url: str) -> otio.core.MediaReference:
    if not url:
        return otio.schema.MissingReference()
    available = _range(0, duration) if duration else None
    return otio.schema.ExternalReference(
        target_url=urljoin(base_url, url) if base_url else url, available_range=available
    )


def from_otio(timeline: Any) -> Document:
    """A document from an OTIO timeline (ours or an editor's). Clips keep the ids found in their
    metadata (None when there are none) and their media URL, for re-linking. EnsembleError for
    what a cut cannot hold (nested stacks, gaps between pictures, several picture tracks)."""
    if not isinstance(timeline, otio.schema.Timeline):
        raise EnsembleError("The file holds no timeline.")
    clips: list[ClipSpec] = []
    beds: list[BedSpec] = []
    titles: list[TitleSpec] = []
    picture_tracks = 0
    count = 0
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track):
            raise EnsembleError("Nested stacks are not supported: flatten the timeline first.")
        count += len(track)
        if count > MAX_ITEMS:
            raise EnsembleError(f"The timeline has more than {MAX_ITEMS} items.")
        role = _meta(track).get("track")
        if role == "text" or (role is None and _is_titles(track)):
            titles += _read_titles(track)
        elif track.kind == otio.schema.TrackKind.Audio:
            beds += _read_beds(track)
        elif track.kind == otio.schema.TrackKind.Video:
            picture_tracks += 1
            if picture_tracks > 1:
                raise EnsembleError(
                    "The timeline has more than one picture track; a cut has one (titles apart)."
                )
            clips = _read_clips(track)
    notes = _meta(timeline).get("notes") or {}
    return Document(
        name=str(timeline.name or ""), clips=tuple(clips), beds=tuple(beds),
        titles=tuple(titles), notes=notes if isinstance(notes, dict) else {},
    )  # fmt: skip


def _meta(item: Any) -> dict[str, Any]:
    value = _plain(item.metadata.get(KEY)) if item.metadata else None
    return value if isinstance(value, dict) else {}


def _plain(value: Any) -> Any:
    """OTIO's metadata containers as plain Python (they die with the timeline they are in)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, Iterable):
        return [_plain(v) for v in value]
    return value


def _is_titles(track: Any) -> bool:
    clips = [i for i in track if isinstance(i, otio.schema.Clip)]
    return bool(clips) and all(
        isinstance(c.media_reference, otio.schema.GeneratorReference) for c in clips
    )


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _number(value: Any, default: float) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return default


def _url(item: Any) -> str:
    reference = item.media_reference
    return (
        str(reference.target_url or "")
        if isinstance(reference, otio.schema.ExternalReference)
        else ""
    )


def _available(item: Any) -> float | None:
    available = getattr(item.media_reference, "available_range", None)
    return _seconds(available.duration) if available is not None else None


def _clip_range(item: Any) -> tuple[float, float]:
    source = item.source_range
    if source is None:
        source = item.trimmed_range()
    return _seconds(source.start_time), _seconds(source.duration)


def _read_clips(track: Any) -> list[ClipSpec]:
    clips: list[ClipSpec] = []
    pending: float | None = None
    for item in track:
        if isinstance(item, otio.schema.Transition):
            seconds = _number(_meta(item).get("seconds"), 0.0) or snap(
                float((item.in_offset + item.out_offset).to_seconds())
            )
            pending = seconds
            continue
        if isinstance(item, otio.schema.Gap):
            if clips or _seconds(item.duration()) > 0:
                raise EnsembleError(
                    "The picture track has a gap; a cut's clips follow one another: remove it "
                    "or fill it with footage."
                )
            continue
        if not isinstance(item, otio.schema.Clip):
            raise EnsembleError(f"The picture track holds a {type(item).__name__}, not a clip.")
        meta = _meta(item)
        start, duration = _clip_range(item)
        crossfade = pending is not None and pending > 0 and bool(clips)
        clips.append(
            ClipSpec(
                version_id=_int(meta.get("version_id")), record_id=_int(meta.get("record_id")),
                name=str(item.name or ""), start=start, duration=duration,
                transition="crossfade" if crossfade else "cut",
                transition_seconds=(pending or 0.0) if crossfade else 0.0,
                lower_third=str(meta.get("lower_third") or ""), url=_url(item),
                media_duration=_available(item),
            )
        )  # fmt: skip
        pending = None
    return clips


def _read_beds(track: Any) -> list[BedSpec]:
    beds: list[BedSpec] = []
    at = 0.0
    for item in track:
        if isinstance(item, otio.schema.Gap):
            at += _seconds(item.duration())
            continue
        if not isinstance(item, otio.schema.Clip):
            continue  # audio transitions are not kept: beds fade in and out instead
        meta = _meta(item)
        start, duration = _clip_range(item)
        beds.append(
            BedSpec(
                version_id=_int(meta.get("version_id")), record_id=_int(meta.get("record_id")),
                name=str(item.name or ""), start=start, duration=duration, offset=snap(at),
                volume=_number(meta.get("volume"), 1.0), fade=_number(meta.get("fade"), 1.0),
                role="voice" if meta.get("role") == "voice" else "music",
                loop=bool(meta.get("loop", True)), url=_url(item),
                media_duration=_available(item),
            )
        )  # fmt: skip
        at += duration
    return beds


def _read_titles(track: Any) -> list[TitleSpec]:
    titles: list[TitleSpec] = []
    at = 0.0
    for item in track:
        if isinstance(item, otio.schema.Gap):
            at += _seconds(item.duration())
            continue
        if not isinstance(item, otio.schema.Clip):
            continue
        meta = _meta(item)
        _, duration = _clip_range(item)
        text = meta.get("text")
        if not isinstance(text, str):
            parameters = getattr(item.media_reference, "parameters", None) or {}
            text = str(parameters.get("text") or item.name or "")
        titles.append(
            TitleSpec(
                text=text, start=snap(at), duration=duration,
                version_id=_int(meta.get("version_id")), record_id=_int(meta.get("record_id")),
                kind="subtitle" if meta.get("kind") == "subtitle" else "title",
            )
        )  # fmt: skip
        at += duration
    return titles


def dump(document: Document) -> dict[str, Any]:
    """The JSON stored in `Cut.timeline`."""
    import json

    return dict(json.loads(otio.adapters.write_to_string(to_otio(document), "otio_json")))


def load(data: Mapping[str, Any] | None) -> Document:
    """The document stored in `Cut.timeline` (an empty one for an empty field)."""
    import json

    if not data:
        return Document()
    return from_otio(otio.adapters.read_from_string(json.dumps(data), "otio_json"))


# Interchange ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    content: str
    filename: str
    content_type: str


def export(document: Document, format: str, *, base_url: str, name: str = "cut") -> Exported:
    """The cut as a file for an editor: "otio" (everything), "fcp_xml" (pictures and beds;
    FCP 7 XML has no generated titles here) or "edl" (CMX 3600: the picture track only). Media
    references are the originals' absolute download URLs."""
    if format not in FORMATS:
        raise EnsembleError(f"Unknown format {format!r}: choose otio, fcp_xml or edl.")
    adapter, extension, content_type = FORMATS[format]
    if format != "otio":
        document = _handles_out(document)
    timeline = to_otio(document, base_url=base_url)
    if format != "otio":
        keep = [t for t in timeline.tracks if _meta(t).get("track") != "text"]
        if format == "edl":
            keep = keep[:1]
        timeline = otio.schema.Timeline(
            name=timeline.name, tracks=[t.clone() for t in keep], global_start_time=_time(0)
        )
    try:
        content = otio.adapters.write_to_string(timeline, adapter_name=adapter)
    except Exception as exc:  # the adapters refuse what their format cannot say
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise EnsembleError(
            f"The cut could not be written as {extension.upper()}: {reason}."
        ) from None
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-") or "cut"
    return Exported(content, f"{safe}.{extension}", content_type)


def parse(data: bytes | str, format: str = "otio") -> Document:
    """A document from an editor's file; EnsembleError (400) saying why a file is refused."""
    if format not in FORMATS:
        raise EnsembleError(f"Unknown format {format!r}: choose otio, fcp_xml or edl.")
    if len(data) > MAX_IMPORT_BYTES:
        raise EnsembleError("The file is too large for a timeline (at most 5 MB).")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise EnsembleError("The file is not UTF-8 text, so it is not a timeline.") from None
    adapter = FORMATS[format][0]
    label = {"otio": "an OpenTimelineIO", "fcp_xml": "an FCP 7 XML", "edl": "a CMX 3600 EDL"}
    options = {"rate": RATE} if format == "edl" else {}
    try:
        timeline = otio.adapters.read_from_string(data, adapter_name=adapter, **options)
    except Exception as exc:  # the adapters raise anything from KeyError to their own errors
        reason = " ".join(str(exc).split())[:200]
        raise EnsembleError(
            f"This file could not be read as {label[format]} file: {reason or type(exc).__name__}."
        ) from None
    if format == "edl":
        _edl_incoming_links(timeline)
    document = from_otio(timeline)
    return _handles_in(document, format) if format != "otio" else document


def _edl_incoming_links(timeline: Any) -> None:
    """The CMX 3600 reader gives the clip a dissolve leads into the link of the clip it comes
    from; the event's "TO CLIP:" comment names the right one."""
    for track in getattr(timeline, "tracks", []):
        for item in track if isinstance(track, otio.schema.Track) else []:
            reference = getattr(item, "media_reference", None)
            if not isinstance(reference, otio.schema.ExternalReference):
                continue
            comments = (item.metadata.get("cmx_3600") or {}).get("comments") or []
            links = [
                str(c)[len("TO CLIP:") :].strip() for c in comments if str(c).startswith("TO CLIP:")
            ]
            if links and links[-1]:
                reference.target_url = links[-1]


# FCP XML and EDL read a dissolve as using handles around the cut point: the outgoing clip's
# frames after it and the incoming clip's before it. Ensemble's crossfade overlaps the clips'
# own ranges instead, so those files get each side shortened by half the crossfade (the
# dissolve then shows exactly the frames Ensemble renders, and never asks for frames before
# the start of the media), and reading such a file lengthens them back. The EDL reader ends
# the outgoing clip where the dissolve starts: it gets the whole crossfade back.


def _half(clip: ClipSpec) -> float:
    return frames(clip.transition_seconds / 2) / RATE


def _handles_out(document: Document) -> Document:
    clips = list(document.clips)
    for index in range(1, len(clips)):
        clip, before = clips[index], clips[index - 1]
        if clip.transition != "crossfade" or clip.transition_seconds <= 0:
            continue
        half = _half(clip)
        if before.duration - half <= 0 or clip.duration - half <= 0:
            continue
        clips[index - 1] = replace(before, duration=snap(before.duration - half))
        clips[index] = replace(
            clip, start=snap(clip.start + half), duration=snap(clip.duration - half)
        )
    return replace(document, clips=tuple(clips))


def _handles_in(document: Document, format: str) -> Document:
    clips = list(document.clips)
    for index in range(1, len(clips)):
        clip, before = clips[index], clips[index - 1]
        if clip.transition != "crossfade" or clip.transition_seconds <= 0:
            continue
        if format == "edl":
            clips[index - 1] = replace(
                before, duration=snap(before.duration + clip.transition_seconds)
            )
            continue
        half = min(_half(clip), clip.start)
        clips[index - 1] = replace(before, duration=snap(before.duration + half))
        clips[index] = replace(
            clip, start=snap(clip.start - half), duration=snap(clip.duration + half)
        )
    return replace(document, clips=tuple(clips))


def version_key_from_url(url: str) -> tuple[int, int] | None:
    """(record id, version number) of an original's download URL (absolute or not)."""
    path = urlsplit(url).path
    if not path:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name != "records:original":
        return None
    return int(match.kwargs["pk"]), int(match.kwargs["number"])


# Render -----------------------------------------------------------------------------------------


def render_fps() -> Fraction:
    return Fraction(str(getattr(settings, "ENSEMBLE_RENDER_FPS", 25)))


def render_spec(
    document: Document,
    *,
    versions: Mapping[int, RecordVersion],
    credits: Sequence[render.CreditLine] = (),
    height: int = 1080,
    path_of: Callable[[RecordVersion], Path] | None = None,
) -> render.RenderSpec:
    """The engine's spec for a document, from the originals (`path_of`, storage paths by
    default) and their probe facts. EnsembleError naming the clip when a source is gone."""
    path_of = path_of or _storage_path
    clips = []
    for index, clip in enumerate(document.clips):
        version = _available_version(versions, clip.version_id, f"clip {index + 1} ({clip.name})")
        facts = dict(version.probe)
        facts.setdefault("container", version.container)
        clips.append(
            render.RenderClip(
                path=path_of(version),
                container=version.container,
                start=clip.start,
                duration=clip.duration,
                facts=facts,
                has_audio=bool(facts.get("audio")),
                transition_in=clip.transition if index else "cut",
                transition_seconds=clip.transition_seconds if index else 0.0,
                title=clip.lower_third or None,
                label=clip.name,
            )
        )
    beds = []
    for number, bed in enumerate(document.beds, start=1):
        version = _available_version(versions, bed.version_id, f"audio bed {number} ({bed.name})")
        beds.append(
            render.AudioBed(
                path=path_of(version), container=version.container, duration=bed.duration,
                start_in_source=bed.start, offset_in_timeline=bed.offset, volume=bed.volume,
                fade=bed.fade, loop=bed.loop, facts=dict(version.probe), label=bed.name,
            )
        )  # fmt: skip
    titles = [render.TitleCard(t.text, t.start, t.duration) for t in document.titles]
    roll = getattr(settings, "ENSEMBLE_RENDER_CREDITS_SECONDS", None)
    return render.RenderSpec(
        clips=clips, beds=beds, titles=titles, credits=credits, height=height, fps=render_fps(),
        credits_seconds=float(roll) if roll else None,
    )  # fmt: skip


def _storage_path(version: RecordVersion) -> Path:
    return Path(version.original.path)


def _available_version(
    versions: Mapping[int, RecordVersion], version_id: int | None, name: str
) -> RecordVersion:
    version = versions.get(version_id) if version_id is not None else None
    if version is None:
        raise EnsembleError(f"The {name} is not linked to a record.")
    if not version.record.published:
        raise EnsembleError(
            f"The {name} is no longer available: “{version.record.title}” was unpublished. "
            "Remove it from the cut or ask its artist to publish it again."
        )
    return version


def versions_for(document: Document, extra: Iterable[int] = ()) -> dict[int, RecordVersion]:
    """The versions a document uses, with their records, in one query."""
    ids = [*document.version_ids(), *extra]
    return dict(RecordVersion.objects.select_related("record", "record__author").in_bulk(ids))
