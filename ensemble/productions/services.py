"""Writes about productions: productions, cuts by hand and from rules, imports, renders.

Every change to a cut goes through `_edit`: in one transaction it locks the cut's row, checks
that the actor may edit the production (its owner or a leader of its collaboration) and, when
given, the revision the actor saw; applies the change to the cut's `timeline.Document`; checks
the whole document; writes the OTIO JSON, bumps `revision`, rewrites the `CutItem` rows and
adds the actor to the cut's editors. A refused change raises an EnsembleError with a message a
person understands, and nothing is written.

What may enter a cut (`_usable`): a published version, processed, of the right kind for its
track (video clips and still PNG/JPEG/WebP images on the picture track, audio on beds, text
records as titles), whose licence — and the licence of everything upstream of it in the
lineage — permits the production's use: nothing non-commercial (NC) in a commercial production,
and nothing "no derivatives" (ND) at all, because a cut trims, joins, letterboxes and lays sound
under what it uses (see docs/productions.md). Ranges lie within the media, in < out, on frames;
a still is shown for 4 s unless told otherwise, at most 60 s.

Render jobs (`render_request`, `render_run`, `render_cancel`) live in `jobs.py` and are
re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ensemble.accounts.models import Member
from ensemble.collabs.access import is_leader
from ensemble.collabs.models import Collaboration, Submission
from ensemble.core.errors import Conflict, EnsembleError, NotAllowed, UnsupportedMedia
from ensemble.core.images import ImageRefused, reencode_picture
from ensemble.core.markdown import markdown_to_html
from ensemble.lineage.licences import terms
from ensemble.media.models import MediaJob
from ensemble.records.models import Kind, Licence, Record, RecordVersion

from . import timeline as tl
from .access import require_editor
from .credits import appearances
from .jobs import render_cancel, render_request, render_run
from .models import Cut, CutItem, Extra, Production
from .selectors import lineage_licences

__all__ = [
    "RULE_PRESETS",
    "bed_remove",
    "bed_set",
    "clip_add",
    "clip_move",
    "clip_remove",
    "clip_transition_set",
    "clip_trim",
    "cut_create",
    "cut_from_rule",
    "cut_import",
    "cut_rule_refresh",
    "cuts_from_presets",
    "extra_add",
    "production_cover_set",
    "production_create",
    "production_release_set",
    "production_update",
    "render_cancel",
    "render_request",
    "render_run",
    "rule_preset",
    "title_add",
    "title_remove",
    "title_update",
]

RANGE_SLACK = 0.05  # seconds past the probed duration an out point may lie (container rounding)
STILL_SECONDS = 4.0  # how long a still image is shown when no out point is given
STILL_MAX_SECONDS = 60.0
STILL_FORMATS = ("png", "jpeg", "webp")  # the still images the render engine reads
MAX_CLIPS = 1000
TITLE_LIMIT = 300


# Productions ------------------------------------------------------------------------------------


@transaction.atomic
def production_create(
    *,
    owner: Member,
    title: str,
    collaboration: Collaboration | None = None,
    description: str = "",
    commercial: bool = True,
    release_at: datetime | None = None,
) -> Production:
    """A production of a collaboration (its leaders only) or of a member alone."""
    if collaboration is not None and not is_leader(owner, collaboration):
        raise NotAllowed("Only the collaboration's leaders can make a production of it.")
    production = Production.objects.create(
        owner=owner,
        collaboration=collaboration,
        title=_clean_title(title),
        description=description,
        description_html=markdown_to_html(description),
        commercial=bool(commercial),
        release_at=_clean_release(release_at),
    )
    return production


@transaction.atomic
def production_update(
    *,
    actor: Member,
    production: Production,
    title: str | None = None,
    description: str | None = None,
    commercial: bool | None = None,
) -> Production:
    """Change the title, description or commercial use. Making a production commercial is
    refused while a cut uses a source that forbids commercial use (named)."""
    locked = Production.objects.select_for_update().get(pk=production.pk)
    require_editor(actor, locked)
    changed = []
    if title is not None:
        locked.title = _clean_title(title)
        changed.append("title")
    if description is not None:
        locked.description = description
        locked.description_html = markdown_to_html(description)
        changed += ["description", "description_html"]
    if commercial is not None and bool(commercial) != locked.commercial:
        locked.commercial = bool(commercial)
        if locked.commercial:
            used = RecordVersion.objects.filter(cut_items__cut__production=locked).distinct()
            versions = {v.pk: v for v in used.select_related("record")}
            _check_licences(versions.values(), locked)
        changed.append("commercial")
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    return locked


@transaction.atomic
def production_release_set(
    *, actor: Member, production: Production, release_at: datetime | None
) -> Production:
    """Publish the production at `release_at` (aware; None: back to an unreleased draft)."""
    locked = Production.objects.select_for_update().get(pk=production.pk)
    require_editor(actor, locked)
    locked.release_at = _clean_release(release_at)
    locked.save(update_fields=["release_at", "updated_at"])
    return locked


@transaction.atomic
def extra_add(
    *,
    actor: Member,
    production: Production,
    record: Record,
    title: str = "",
    release_at: datetime | None = None,
) -> Extra:
    """Attach unseen footage or behind-the-scenes material, released at its own time."""
    require_editor(actor, production)
    if not record.published:
        raise EnsembleError(f"“{record.title}” is not published, so it cannot be an extra.")
    if Extra.objects.filter(production=production, record=record).exists():
        raise Conflict(f"“{record.title}” is already an extra of this production.")
    position = (production.extras.aggregate(m=Max("position"))["m"] or 0) + 1
    return Extra.objects.create(
        production=production,
        record=record,
        title=(title or record.title)[:200],
        release_at=_clean_release(release_at),
        position=position,
    )


@transaction.atomic
def production_cover_set(
    *, actor: Member, production: Production, upload: IO[bytes] | None
) -> Production:
    """Set (or with None, remove) the cover, re-encoded as WebP without metadata."""
    locked = Production.objects.select_for_update().get(pk=production.pk)
    require_editor(actor, locked)
    old_name = locked.cover.name if locked.cover else ""
    if upload is None:
        locked.cover = ""
    else:
        try:
            data = reencode_picture(upload, max_side=1600)
        except ImageRefused as exc:
            raise UnsupportedMedia(str(exc), field="cover") from exc
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        locked.cover.save(f"cover-{stamp}.webp", ContentFile(data), save=False)
    locked.save(update_fields=["cover", "updated_at"])
    if old_name and old_name != locked.cover.name:
        storage = locked.cover.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return locked


def _clean_title(title: str) -> str:
    title = " ".join(str(title or "").split())
    if not title:
        raise EnsembleError("A title is needed.", field="title")
    if len(title) > 200:
        raise EnsembleError("The title is longer than 200 characters.", field="title")
    return title


def _clean_release(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise EnsembleError(
            "A release time needs a date, a time and a time zone.", field="release_at"
        )
    return value


# Cuts -------------------------------------------------------------------------------------------


@transaction.atomic
def cut_create(
    *, actor: Member, production: Production, name: str, rule: Mapping[str, Any] | None = None
) -> Cut:
    """An empty cut (or, with `rule`, one made from the rule: see `cut_from_rule`)."""
    if rule is not None:
        return cut_from_rule(actor=actor, production=production, name=name, rule=rule)
    require_editor(actor, production)
    return _cut_insert(actor=actor, production=production, name=name)


def _cut_insert(
    *, actor: Member, production: Production, name: str, rule: dict[str, Any] | None = None
) -> Cut:
    name = " ".join(str(name or "").split())
    if not name or len(name) > 80:
        raise EnsembleError("A cut needs a name of at most 80 characters.", field="name")
    if Cut.objects.filter(production=production, name=name).exists():
        raise Conflict(f"The production already has a cut named “{name}”.", field="name")
    position = (production.cuts.aggregate(m=Max("position"))["m"] or 0) + 1
    cut = Cut.objects.create(
        production=production,
        name=name,
        position=position,
        rule=rule,
        timeline=tl.dump(tl.Document(name=name)),
        created_by=actor,
    )
    cut.editors.add(actor)
    return cut


def _edit(
    *,
    actor: Member,
    cut: Cut,
    change: Callable[[tl.Document, Production], tl.Document],
    revision: int | None = None,
) -> Cut:
    with transaction.atomic():
        locked = (
            Cut.objects.select_for_update(of=("self",))
            .select_related("production", "production__collaboration")
            .get(pk=cut.pk)
        )
        require_editor(actor, locked.production)
        if revision is not None and revision != locked.revision:
            raise Conflict(
                "The cut changed since you opened it (someone else edited it): reload it and "
                "make your change again."
            )
        document = change(tl.load(locked.timeline), locked.production)
        _save(locked, document, actor)
    return locked


def _save(cut: Cut, document: tl.Document, actor: Member | None) -> None:
    """Write the document, bump the revision, rewrite the cut's items."""
    document = replace(document, name=cut.name)
    _check_document(document)
    versions = tl.versions_for(document)
    cut.timeline = tl.dump(document)
    cut.revision += 1
    cut.save(update_fields=["timeline", "revision", "rule", "updated_at"])
    _items_write(cut, document, versions)
    if actor is not None:
        cut.editors.add(actor)


def _items_write(cut: Cut, document: tl.Document, versions: Mapping[int, RecordVersion]) -> None:
    CutItem.objects.filter(cut=cut).delete()
    track_of = {"footage": "video", "artwork": "video", "writing": "text"}
    items = []
    for used in appearances(document, dict(versions)):
        version = versions[used.version_id]
        items.append(
            CutItem(
                cut=cut, version=version, record_id=version.record_id,
                track=track_of.get(used.role, "audio"), role=used.role,
                position=used.position, seconds=used.seconds,
            )
        )  # fmt: skip
    CutItem.objects.bulk_create(items)


def _check_document(document: tl.Document) -> None:
    if len(document.clips) > MAX_CLIPS:
        raise EnsembleError(f"A cut holds at most {MAX_CLIPS} clips.")
    for index, clip in enumerate(document.clips):
        if index == 0 or clip.transition != "crossfade":
            continue
        before = document.clips[index - 1]
        longest = min(before.duration, clip.duration)
        if clip.transition_seconds > longest + 1e-9:
            raise EnsembleError(
                f"The crossfade into clip {index + 1} ({clip.name}) lasts "
                f"{clip.transition_seconds:g} s, longer than the clips it joins "
                f"({longest:g} s): shorten it or lengthen the clips.",
                field="transition_seconds",
            )


# What may enter a cut ---------------------------------------------------------------------------

_TRACK_KINDS = {"video": (Kind.VIDEO, Kind.IMAGE), "audio": (Kind.AUDIO,), "text": (Kind.TEXT,)}
_TRACK_WORDS = {
    "video": "the picture track takes video records and still images",
    "audio": "an audio bed takes audio records",
    "text": "titles take text records",
}


def _usable(versions: Iterable[RecordVersion], production: Production, track: str) -> None:
    """EnsembleError unless every version may enter `track` of the production's cuts."""
    versions = list(versions)
    for version in versions:
        record = version.record
        name = f"“{record.title}”"
        if not record.published:
            raise EnsembleError(f"{name} is not published, so it cannot enter a cut.")
        if record.kind not in _TRACK_KINDS[track]:
            raise EnsembleError(
                f"{name} is {record.get_kind_display().lower()}, and {_TRACK_WORDS[track]}."
            )
        if track == "text":
            continue
        job = MediaJob.objects.filter(version=version).only("state").first()
        if job is not None and job.state != MediaJob.State.SUCCEEDED:
            if job.state == MediaJob.State.FAILED:
                raise EnsembleError(f"{name} could not be processed, so it cannot enter a cut.")
            raise Conflict(f"{name} is still being processed; add it when it is ready.")
        if record.kind == Kind.IMAGE:
            _still_usable(version, name)
        elif not version.duration:
            raise EnsembleError(f"{name} has no known duration: it cannot be placed in a cut.")
    _check_licences(versions, production)


def _still_usable(version: RecordVersion, name: str) -> None:
    if version.probe.get("animated") or version.container not in STILL_FORMATS:
        raise EnsembleError(
            f"{name} is an animated picture or a GIF; the picture track takes still PNG, JPEG "
            "or WebP images."
        )
    if not version.probe.get("width") or not version.probe.get("height"):
        raise EnsembleError(f"{name} has no known picture size: it cannot be placed in a cut.")


def licence_problems(versions: Iterable[RecordVersion], production: Production) -> dict[int, str]:
    """For each version that may not enter the production, why (one lineage walk for all)."""
    versions = list(versions)
    titles = {v.pk: v.record.title for v in versions}
    problems: dict[int, str] = {}
    for seed, rows in lineage_licences(version_ids=titles).items():
        for row in rows:
            found = terms(row.licence)
            label = Licence(row.licence).label
            work = f"“{row.title}” by {row.author_name}"
            if row.own and not found.derivatives:
                problems[seed] = (
                    f"{work} is licensed {label}, which forbids changing it; a cut trims it and "
                    "joins it with other work, so it cannot enter a cut."
                )
            elif production.commercial and not found.commercial:
                where = "" if row.own else f"“{titles[seed]}” is built on "
                subject = work if row.own else f"{where}{work}"
                problems[seed] = (
                    f"{subject}, licensed {label}, which forbids commercial use, so it cannot "
                    f"enter “{production.title}”, a commercial production."
                )
            else:
                continue
            break
    return problems


def _check_licences(versions: Iterable[RecordVersion], production: Production) -> None:
    problems = licence_problems(versions, production)
    if problems:
        raise NotAllowed(next(iter(problems.values())))


def _range(version: RecordVersion, start: float, end: float | None) -> tuple[float, float]:
    """(start, duration) on frames, within the media; EnsembleError saying what is wrong. A
    still image has no length of its own: it is shown for `end - start` seconds (STILL_SECONDS
    by default, at most STILL_MAX_SECONDS)."""
    if version.record.kind == Kind.IMAGE:
        return _still_range(start, end)
    length = version.duration or 0.0
    name = f"“{version.record.title}”"
    if end is None:
        end = length
    for value in (start, end):
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise EnsembleError("In and out points must be numbers of seconds.", field="start")
    start, end = float(start), float(end)
    if start < 0:
        raise EnsembleError("The in point cannot be before the start of the media.", field="start")
    if end <= start:
        raise EnsembleError(
            f"The out point ({end:g} s) must come after the in point ({start:g} s).", field="end"
        )
    if end > length + RANGE_SLACK:
        raise EnsembleError(
            f"The range {start:g}–{end:g} s is outside {name}, which lasts {length:g} s.",
            field="end",
        )
    start, end = tl.snap(start), tl.snap(min(end, length))
    if end <= start:
        raise EnsembleError("The range is shorter than one frame.", field="end")
    return start, tl.snap(end - start)


def _still_range(start: float, end: float | None) -> tuple[float, float]:
    for value in (start, end):
        if value is not None and (not isinstance(value, (int, float)) or not math.isfinite(value)):
            raise EnsembleError("In and out points must be numbers of seconds.", field="start")
    start = float(start)
    if start < 0:
        raise EnsembleError("The in point cannot be before zero.", field="start")
    end = start + STILL_SECONDS if end is None else float(end)
    if end <= start:
        raise EnsembleError(
            f"The out point ({end:g} s) must come after the in point ({start:g} s).", field="end"
        )
    if end - start > STILL_MAX_SECONDS + 1e-9:
        raise EnsembleError(
            f"A still image is shown for at most {STILL_MAX_SECONDS:g} s, not {end - start:g} s.",
            field="end",
        )
    begin, duration = tl.snap(start), tl.snap(end - start)
    if duration <= 0:
        raise EnsembleError("The range is shorter than one frame.", field="end")
    return begin, duration


def _load_version(version: RecordVersion | int) -> RecordVersion:
    version_id = version if isinstance(version, int) else version.pk
    found = RecordVersion.objects.select_related("record", "record__author").filter(pk=version_id)
    loaded = found.first()
    if loaded is None:
        raise EnsembleError("There is no such record version.")
    return loaded


def _index(items: Sequence[Any], index: int, what: str) -> int:
    if not isinstance(index, int) or not 0 <= index < len(items):
        raise EnsembleError(f"There is no {what} {index + 1 if isinstance(index, int) else index}.")
    return index


# Clips --------------------------------------------------------------------------------------------


def clip_add(
    *,
    actor: Member,
    cut: Cut,
    version: RecordVersion | int,
    start: float = 0.0,
    end: float | None = None,
    index: int | None = None,
    transition: str = "cut",
    transition_seconds: float = 0.0,
    lower_third: str = "",
    revision: int | None = None,
) -> Cut:
    """Put `start`–`end` seconds of a video version on the picture track (at the end, or
    before clip `index`). A still image is shown for `end - start` seconds (4 s when `end` is
    not given, at most 60 s)."""
    loaded = _load_version(version)
    transition, seconds = _clean_transition(transition, transition_seconds)

    def change(document: tl.Document, production: Production) -> tl.Document:
        _usable([loaded], production, "video")
        begin, duration = _range(loaded, start, end)
        clip = tl.ClipSpec(
            version_id=loaded.pk, record_id=loaded.record_id, name=loaded.record.title,
            start=begin, duration=duration, transition=transition, transition_seconds=seconds,
            lower_third=_clean_text(lower_third), url=loaded.original_url,
            media_duration=loaded.duration,
        )  # fmt: skip
        clips = list(document.clips)
        at = len(clips) if index is None else min(max(int(index), 0), len(clips))
        clips.insert(at, clip)
        return replace(document, clips=tuple(clips))

    return _edit(actor=actor, cut=cut, change=change, revision=revision)


def clip_move(
    *, actor: Member, cut: Cut, from_index: int, to_index: int, revision: int | None = None
) -> Cut:
    """Move a clip to another place on the picture track (drag and drop)."""

    def change(document: tl.Document, production: Production) -> tl.Document:
        clips = list(document.clips)
        _index(clips, from_index, "clip")
        _index(clips, to_index, "place")
        clips.insert(to_index, clips.pop(from_index))
        return replace(document, clips=tuple(clips))

    return _edit(actor=actor, cut=cut, change=change, revision=revision)


def clip_trim(
    *, actor: Member, cut: Cut, index: int, start: float, end: float, revision: int | None = None
) -> Cut:
    """Set a clip's in and out points (seconds of its media)."""

    def change(document: tl.Document, production: Production) -> tl.Document:
        clips = list(document.clips)
        _index(clips, index, "clip")
        clip = clips[index]
        version = _load_version(clip.version_id or 0)
        begin, duration = _range(version, start, end)
        clips[index] = replace(clip, start=begin, duration=duration)
        return replace(document, clips=tuple(clips))

    return _edit(actor=actor, cut=cut, change=change, revision=revision)


def clip_transition_set(
    *,
    actor: Member,
    cut: Cut,
    index: int,
    transition: str,
    seconds: float = 0.0,
    revision: int | None = None,
) -> Cut:
    """How clip `index` joins the clip before it: a cut, or a crossfade of `seconds`."""
    transition, seconds = _clean_transition(transition, seconds)

    def change(document: tl.Document, production: Production) -> tl.Document:
        clips = list(document.clips)
        _index(clips, index, "clip")
        if index == 0 and transition != "cut":
            raise EnsembleError("The first clip has nothing before it to crossfade from.")
        clips[index] = replace(clips[index], transition=transition, transition_seconds=seconds)
        return replace(document, clips=tuple(clips))

    return _edit(actor=actor, cut=cut, change=change, revision=revision)


def clip_remove(*, actor: Member, cut: Cut, index: int, revision: int | None = None) -> Cut:
    def change(document: tl.Document, production: Production) -> tl.Document:
        clips = list(document.clips)
        _index(clips, index, "clip")
        del clips[index]
        if clips and index == 0:
            clips[0] = replace(clips[0], transition="cut", transition_seconds=0.0)
        return replace(document, clips=tuple(clips))

    return _edit(actor=actor, cut=cut, change=change, revision=revision)


def _clean_transition(transition: str, seconds: float) -> tuple[tl.Transition, float]:
    if transition not in ("cut", "crossfade"):
        raise EnsembleError(
            "A clip joins the one before by a cut or a crossfade.", field="transition"
        )
    if transition == "cut":
        return "cut", 0.0
    if not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds <= 0:
        raise EnsembleError("A crossfade lasts more than zero seconds.", field="transition_seconds")
    return "crossfade", tl.snap(float(seconds)) or 1 / tl.RATE


def _clean_text(text: str) -> str:
    text = " ".join(str(text or "").split())
    if len(text) > TITLE_LIMIT:
        raise EnsembleError(f"A title is at most {TITLE_LIMIT} characters.", field="text")
    return text


# Beds and titles --------------------------------------------------------------------------------


def bed_set(
    *,
    actor: Member,
    cut: Cut,
    version: RecordVersion | int,
    start: float = 0.0,
    end: float | None = None,
    offset: float = 0.0,
    duration: float | None = None,
    volume: float = 1.0,
    fade: float = 1.0,
    role: str = "music",
    index: int | None = None,
    revision: int | None = None,
) -> Cut:
    """Lay an audio version under the film: from `start` of the source, at `offset` seconds of
    the film, for `duration` seconds (default: the part `start`–`end`; longer loops). Replaces
    bed `index`, or adds one."""
    loaded = _load_version(version)
    if role not in ("music", "voice"):
        raise EnsembleError("A bed is music or voice.", field="role")
    for label, value, low, high in (("volume", volume, 0, 2), ("fade", fade, 0, 60)):
        if not isinstance(value, (int, float)) or not low <= value <= high:
            raise EnsembleError(f"The {label} must be between {low} and {high}.", field=label)
    if not isinstance(offset, (int, float)) or not math.isfinite(offset) or offset < 0:
        raise EnsembleError("A bed starts at zero seconds or later.", field="offset")

    def change(document: tl.Document, production: Production) -> tl.Document:
        _usable([loaded], production, "audio")
        begin, length = _range(loaded, start, end)
        if duration is not None:
            if not isinstance(duration, (int, float)) or not 0 < duration <= 24 * 3600:
                raise EnsembleError("A bed lasts more than zero seconds.", field="duration")
            length = tl.snap(float(duration))
        bed = tl.BedSpec(
            version_id=loaded.pk, record_id=loaded.record_id, name=loaded.record.title,
            start=begin, duration=length, offset=tl.snap(float(offset)), volume=float(volume),
            fade=float(fade), role=role, url=loaded.original_url, media_duration=loaded.duration,
        )  # fmt: skip
        beds = list(document.beds)
        if index is None:
            beds.append(bed)
        else:
            beds[_index(beds, index, "bed")] = bed
        return replace(document, beds=tuple(beds))

    return _edit(actor=actor, cut=cut, change=change, revision=revision)


def bed_remove(*, actor: Member, cut: Cut, index: int, revision: int | None = None) -> Cut:
    def change(document: tl.Document, production: Production) -> tl.Document:
        beds = list(document.beds)
        del beds[_index(beds, index, "bed")]
        return replace(document, beds=tuple(beds))

    return _edit(actor=actor, cut=cut, change=change, revision=revision)


def title_add(
    *,
    actor: Member,
    cut: Cut,
    start: float,
    duration: float,
    text: str = "",
    version: RecordVersion | int | None = None,
    kind: str = "title",
    revision: int | None = None,
) -> Cut:
    """A title card over the film, or a subtitle from a text record (`version`: its text, and
    its writer is credited). Titles may not overlap, and once the cut has clips a title lies
    within the film."""
    loaded = _load_version(version) if version is not None else None
    if kind not in ("title", "subtitle"):
        raise EnsembleError("A title is a title or a subtitle.", field="kind")
    words = _clean_text(text or (loaded.text if loaded is not None else ""))
    if not words:
        raise EnsembleError("A title needs some text.", field="text")
    for label, value in (("start", start), ("duration", duration)):
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise EnsembleError(f"The {label} must be zero seconds or more.", field=label)
    if tl.snap(float(duration)) <= 0:
        raise EnsembleError("A title lasts at least one frame.", field="duration")

    def change(document: tl.Document, production: Production) -> tl.Document:
        if loaded is not None:
            _usable([loaded], production, "text")
        title = tl.TitleSpec(
            text=words, start=tl.snap(float(start)), duration=tl.snap(float(duration)),
            version_id=loaded.pk if loaded else None,
            record_id=loaded.record_id if loaded else None, kind=kind,
        )  # fmt: skip
        _title_fits(document, title, others=document.titles)
        titles = sorted([*document.titles, title], key=lambda t: t.start)
        return replace(document, titles=tuple(titles))

    return _edit(actor=actor, cut=cut, change=change, revision=revision)


def _title_fits(
    document: tl.Document, title: tl.TitleSpec, *, others: Sequence[tl.TitleSpec]
) -> None:
    """A title lies within the film (once it has clips) and overlaps no other title."""
    end = title.start + title.duration
    film = document.duration
    if document.clips and end > film + 1e-9:
        raise EnsembleError(
            f"The title would run from {title.start:g} s to {end:g} s, past the end of the "
            f"film ({film:g} s): start it earlier or shorten it.",
            field="start" if title.start >= film else "duration",
        )
    for other in others:
        if title.start < other.start + other.duration - 1e-9 and other.start < end - 1e-9:
            raise EnsembleError(
                f"The title overlaps “{other.text[:40]}” ({other.start:g} s for "
                f"{other.duration:g} s): move one of them.",
                field="start",
            )


def title_update(
    *,
    actor: Member,
    cut: Cut,
    index: int,
    text: str | None = None,
    start: float | None = None,
    duration: float | None = None,
    kind: str | None = None,
    revision: int | None = None,
) -> Cut:
    """Change title `index`: its words, when and how long it shows, title or subtitle (what is
    not given stays). Checked as `title_add` checks a new one — some text, at most 300
    characters, zero seconds or more, at least a frame, no overlap with another title — and,
    once the cut has clips, it must lie within the film. A title from a text record keeps its
    record (and its writer's credit)."""
    if kind is not None and kind not in ("title", "subtitle"):
        raise EnsembleError("A title is a title or a subtitle.", field="kind")
    words = None if text is None else _clean_text(text)
    if words is not None and not words:
        raise EnsembleError("A title needs some text.", field="text")
    for label, value in (("start", start), ("duration", duration)):
        if value is None:
            continue
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise EnsembleError(f"The {label} must be zero seconds or more.", field=label)
    if duration is not None and tl.snap(float(duration)) <= 0:
        raise EnsembleError("A title lasts at least one frame.", field="duration")

    def change(document: tl.Document, production: Production) -> tl.Document:
        titles = list(document.titles)
        _index(titles, index, "title")
        old = titles[index]
        title = replace(
            old,
            text=old.text if words is None else words,
            start=old.start if start is None else tl.snap(float(start)),
            duration=old.duration if duration is None else tl.snap(float(duration)),
            kind=old.kind if kind is None else kind,
        )
        _title_fits(document, title, others=[t for n, t in enumerate(titles) if n != index])
        titles[index] = title
        return replace(document, titles=tuple(sorted(titles, key=lambda t: t.start)))

    return _edit(actor=actor, cut=cut, change=change, revision=revision)


def title_remove(*, actor: Member, cut: Cut, index: int, revision: int | None = None) -> Cut:
    def change(document: tl.Document, production: Production) -> tl.Document:
        titles = list(document.titles)
        del titles[_index(titles, index, "title")]
        return replace(document, titles=tuple(titles))

    return _edit(actor=actor, cut=cut, change=change, revision=revision)


# Import ---------------------------------------------------------------------------------------


def cut_import(
    *,
    actor: Member,
    production: Production,
    data: bytes | str,
    format: str = "otio",
    name: str | None = None,
    cut: Cut | None = None,
) -> Cut:
    """A cut from an editor's file: a new cut named `name`, or the new state of `cut`. Clips are
    re-linked to record versions by the id in their metadata, or else by their media URL (an
    original's download URL); clips that match neither are listed in the error, and every
    clip must pass the same checks as one added by hand."""
    require_editor(actor, production)
    parsed = tl.parse(data, format)
    with transaction.atomic():
        document = _relink(parsed, production)
        if cut is None:
            target = _cut_insert(
                actor=actor, production=production, name=name or parsed.name or "Imported"
            )
        else:
            if cut.production_id != production.pk:
                raise EnsembleError("That cut belongs to another production.")
            target = Cut.objects.select_for_update().get(pk=cut.pk)
        target.rule = None  # an imported cut is made by hand
        _save(target, document, actor)
    return target


def _relink(document: tl.Document, production: Production) -> tl.Document:
    """The document with every media item linked to a version that may enter the cut."""
    wanted: list[tuple[str, str, Any]] = []  # (track, name, item)
    wanted += [("video", c.name, c) for c in document.clips]
    wanted += [("audio", b.name, b) for b in document.beds]
    by_key: dict[tuple[int, int], int] = {}
    keys = {}
    for _, _, item in wanted:
        if item.version_id is None and item.url:
            key = tl.version_key_from_url(item.url)
            if key is not None:
                keys[id(item)] = key
    if keys:
        for found_id, record_id, number in RecordVersion.objects.filter(
            record_id__in={k[0] for k in keys.values()}
        ).values_list("id", "record_id", "number"):
            by_key[(record_id, number)] = found_id
    ids = {item.version_id for _, _, item in wanted if item.version_id is not None}
    ids |= set(by_key.values())
    ids |= {t.version_id for t in document.titles if t.version_id is not None}
    versions = dict(RecordVersion.objects.select_related("record", "record__author").in_bulk(ids))

    unknown: list[str] = []
    linked: dict[int, RecordVersion] = {}
    for _, name, item in wanted:
        version_id: int | None = item.version_id
        if version_id is None and id(item) in keys:
            version_id = by_key.get(keys[id(item)])
        version = versions.get(version_id) if version_id is not None else None
        if version is None:
            unknown.append(name or "(unnamed clip)")
        else:
            linked[id(item)] = version
    if unknown:
        shown = ", ".join(f"“{n}”" for n in unknown[:20])
        more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        raise EnsembleError(
            f"{len(unknown)} clip{'s' if len(unknown) != 1 else ''} could not be matched to a "
            f"record on Ensemble: {shown}{more}. Keep the ids Ensemble put in the clips' "
            "metadata (or their media links to originals), or remove those clips.",
            field="file",
        )
    clips = []
    for clip in document.clips:
        version = linked[id(clip)]
        _usable([version], production, "video")
        begin, duration = _range(version, clip.start, clip.end)
        clips.append(
            replace(
                clip, version_id=version.pk, record_id=version.record_id, start=begin,
                duration=duration, url=version.original_url, media_duration=version.duration,
                name=clip.name or version.record.title, lower_third=_clean_text(clip.lower_third),
            )
        )  # fmt: skip
    if clips:
        clips[0] = replace(clips[0], transition="cut", transition_seconds=0.0)
    beds = []
    for bed in document.beds:
        version = linked[id(bed)]
        _usable([version], production, "audio")
        begin, _ = _range(version, bed.start, min(bed.start + bed.duration, version.duration or 0))
        if not 0 <= bed.volume <= 2:
            raise EnsembleError(f"The bed “{bed.name}” has a volume outside 0–2.")
        beds.append(
            replace(
                bed, version_id=version.pk, record_id=version.record_id, start=begin,
                url=version.original_url, media_duration=version.duration,
            )
        )  # fmt: skip
    titles = []
    for title in document.titles:
        version = versions.get(title.version_id) if title.version_id is not None else None
        if title.version_id is not None and version is None:
            raise EnsembleError(f"The title “{title.text[:40]}” names a text that is not here.")
        if version is not None:
            _usable([version], production, "text")
        titles.append(replace(title, text=_clean_text(title.text)))
    return tl.Document(clips=tuple(clips), beds=tuple(beds), titles=tuple(titles))


# Cuts from rules ------------------------------------------------------------------------------

RULE_STATES = ("submitted", "shortlisted", "selected", "passed")
RULE_ORDERS = ("city", "time", "manual")
RULE_PRESETS = ("Official", "Extended", "Community")


def rule_preset(name: str, collaboration: Collaboration) -> dict[str, Any]:
    """The three cuts of "In a City": Official (selected footage meeting the brief's picture
    requirements, 4K by default), Extended (all selected footage, lo-fi included) and
    Community (the footage that made neither)."""
    common = {"order": "city", "seconds_per_clip": 4.0, "city_titles": True}
    if name == "Official":
        return {
            **common,
            "states": ["selected"],
            "requirements": {
                "min_width": collaboration.min_width or 3840,
                "min_height": collaboration.min_height or 2160,
                "camera": collaboration.camera,
                "official_only": True,
            },
        }
    if name == "Extended":
        return {**common, "states": ["selected"], "requirements": {}}
    if name == "Community":
        return {**common, "states": ["submitted", "shortlisted", "passed"], "requirements": {}}
    raise EnsembleError(f"There is no preset named “{name}”: choose {', '.join(RULE_PRESETS)}.")


def rule_clean(rule: Mapping[str, Any]) -> dict[str, Any]:
    """The rule with defaults filled in; EnsembleError for anything not understood."""
    if not isinstance(rule, Mapping):
        raise EnsembleError("A rule is a set of named settings.", field="rule")
    unknown = set(rule) - {
        "states", "requirements", "order", "seconds_per_clip", "bed_version_id", "bed_volume",
        "transition", "transition_seconds", "city_titles",
    }  # fmt: skip
    if unknown:
        raise EnsembleError(f"Unknown rule settings: {', '.join(sorted(unknown))}.", field="rule")
    states = list(rule.get("states") or ["selected"])
    if "all" in states:
        states = list(RULE_STATES)
    if not states or any(s not in RULE_STATES for s in states):
        raise EnsembleError(
            f"A rule's states are some of {', '.join(RULE_STATES)}, or all.", field="states"
        )
    requirements = dict(rule.get("requirements") or {})
    if set(requirements) - {"min_width", "min_height", "camera", "official_only"}:
        raise EnsembleError(
            "Requirements are min_width, min_height, camera and official_only.",
            field="requirements",
        )
    for key in ("min_width", "min_height"):
        value = requirements.get(key)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise EnsembleError(f"{key} is a whole number of pixels.", field="requirements")
    order = rule.get("order", "city")
    if order not in RULE_ORDERS:
        raise EnsembleError(f"The order is one of {', '.join(RULE_ORDERS)}.", field="order")
    seconds = rule.get("seconds_per_clip", 4.0)
    if not isinstance(seconds, (int, float)) or not 0.04 <= seconds <= 3600:
        raise EnsembleError("Seconds per clip must be between 0.04 and 3600.", field="rule")
    transition, fade = _clean_transition(
        rule.get("transition", "cut"), rule.get("transition_seconds", 0.0)
    )
    bed = rule.get("bed_version_id")
    if bed is not None and not isinstance(bed, int):
        raise EnsembleError("bed_version_id is the id of an audio record version.", field="rule")
    volume = rule.get("bed_volume", 0.8)
    if not isinstance(volume, (int, float)) or not 0 <= volume <= 2:
        raise EnsembleError("The bed volume must be between 0 and 2.", field="rule")
    return {
        "states": sorted(set(states), key=RULE_STATES.index),
        "requirements": {
            "min_width": requirements.get("min_width") or None,
            "min_height": requirements.get("min_height") or None,
            "camera": str(requirements.get("camera") or ""),
            "official_only": bool(requirements.get("official_only", False)),
        },
        "order": order,
        "seconds_per_clip": float(seconds),
        "bed_version_id": bed,
        "bed_volume": float(volume),
        "transition": transition,
        "transition_seconds": fade,
        "city_titles": bool(rule.get("city_titles", True)),
    }


def cut_from_rule(
    *, actor: Member, production: Production, name: str, rule: Mapping[str, Any]
) -> Cut:
    """A cut made from a rule over the collaboration's submissions (see `rule_clean`)."""
    require_editor(actor, production)
    if production.collaboration_id is None:
        raise EnsembleError("Only a production of a collaboration can have cuts made from rules.")
    cleaned = rule_clean(rule)
    with transaction.atomic():
        cut = _cut_insert(actor=actor, production=production, name=name, rule=cleaned)
        document = _rule_document(production, cleaned, tl.Document())
        _save(cut, document, actor)
    return cut


def cut_rule_refresh(*, actor: Member, cut: Cut) -> Cut:
    """Run a cut's rule again (after curation changed): clips that still qualify keep their
    trims and titles (and, with the manual order, their places); new ones join, the rest go.
    The revision moves only when something changed."""
    if cut.rule is None:
        raise EnsembleError("This cut was made by hand: there is no rule to run again.")
    with transaction.atomic():
        locked = (
            Cut.objects.select_for_update(of=("self",)).select_related("production").get(pk=cut.pk)
        )
        require_editor(actor, locked.production)
        if locked.rule is None:
            raise EnsembleError("This cut was made by hand: there is no rule to run again.")
        rule = rule_clean(locked.rule)
        current = tl.load(locked.timeline)
        document = replace(_rule_document(locked.production, rule, current), name=locked.name)
        if tl.dump(document) != locked.timeline:
            _save(locked, document, actor)
    return locked


def cuts_from_presets(*, actor: Member, production: Production) -> list[Cut]:
    """The Official, Extended and Community cuts of a collaboration's production."""
    if production.collaboration is None:
        raise EnsembleError("Only a production of a collaboration can have cuts made from rules.")
    return [
        cut_from_rule(
            actor=actor,
            production=production,
            name=name,
            rule=rule_preset(name, production.collaboration),
        )
        for name in RULE_PRESETS
    ]


def _rule_document(
    production: Production, rule: dict[str, Any], current: tl.Document
) -> tl.Document:
    submissions = list(
        Submission.objects.filter(
            collaboration=production.collaboration,
            state__in=rule["states"],
            record__kind=Kind.VIDEO,
            record__published=True,
        )
        .select_related("record", "version", "version__record", "version__media_job")
        .order_by("created_at", "id")
    )
    candidates = [s for s in submissions if _meets(s, rule["requirements"])]
    candidates = [s for s in candidates if _processed(s.version)]
    problems = licence_problems([s.version for s in candidates], production)
    skipped = [
        {"record_id": s.record_id, "title": s.record.title, "reason": problems[s.version_id]}
        for s in candidates
        if s.version_id in problems
    ]
    candidates = [s for s in candidates if s.version_id not in problems]
    candidates = _rule_order(candidates, rule["order"], current)

    kept = {c.version_id: c for c in current.clips}
    clips = []
    for submission in candidates:
        version = submission.version
        existing = kept.get(version.pk)
        if existing is not None:
            clips.append(replace(existing, url=version.original_url))
            continue
        length = version.duration or 0.0
        duration = tl.snap(min(rule["seconds_per_clip"], length))
        if duration <= 0:
            continue
        clips.append(
            tl.ClipSpec(
                version_id=version.pk, record_id=version.record_id,
                name=submission.record.title, start=0.0, duration=duration,
                transition=rule["transition"] if clips else "cut",
                transition_seconds=rule["transition_seconds"] if clips else 0.0,
                lower_third=submission.record.city if rule["city_titles"] else "",
                url=version.original_url, media_duration=version.duration,
            )
        )  # fmt: skip
    for index, clip in enumerate(clips):
        if index == 0:
            clips[0] = replace(clip, transition="cut", transition_seconds=0.0)
        elif clip.transition == "crossfade":
            longest = min(clips[index - 1].duration, clip.duration)
            if clip.transition_seconds > longest:
                clips[index] = replace(clip, transition_seconds=tl.snap(longest / 2))
    document = tl.Document(
        clips=tuple(clips), titles=current.titles, notes={"skipped": skipped} if skipped else {}
    )
    if rule["bed_version_id"] is not None and clips:
        bed_version = _load_version(rule["bed_version_id"])
        _usable([bed_version], production, "audio")
        document = replace(
            document,
            beds=(
                tl.BedSpec(
                    version_id=bed_version.pk, record_id=bed_version.record_id,
                    name=bed_version.record.title, start=0.0, duration=document.duration,
                    volume=rule["bed_volume"], url=bed_version.original_url,
                    media_duration=bed_version.duration,
                ),
            ),
        )  # fmt: skip
    return document


def _meets(submission: Submission, requirements: Mapping[str, Any]) -> bool:
    version = submission.version
    if requirements.get("official_only") and not submission.meets_requirements:
        return False
    wanted = (requirements.get("min_width") or 0, requirements.get("min_height") or 0)
    if any(wanted):
        width, height = version.probe.get("width"), version.probe.get("height")
        if not (width and height):
            return False
        # Long side against long side: a portrait 2160×3840 clip meets 3840×2160.
        if max(width, height) < max(wanted) or min(width, height) < min(wanted):
            return False
    camera = requirements.get("camera") or ""
    return not camera or camera.casefold() in (version.camera or "").casefold()


def _processed(version: RecordVersion) -> bool:
    job = getattr(version, "media_job", None)
    ready = job is None or job.state == MediaJob.State.SUCCEEDED
    return ready and bool(version.duration) and bool(version.probe.get("video"))


def _rule_order(
    submissions: list[Submission], order: str, current: tl.Document
) -> list[Submission]:
    if order == "city":
        return sorted(
            submissions,
            key=lambda s: (not s.record.city, s.record.city.casefold(), s.created_at, s.pk),
        )
    if order == "time":
        return sorted(
            submissions,
            key=lambda s: (str(s.version.probe.get("creation_time") or "~"), s.created_at, s.pk),
        )
    place = {clip.version_id: n for n, clip in enumerate(current.clips)}
    return sorted(
        submissions, key=lambda s: (place.get(s.version_id, len(place)), s.created_at, s.pk)
    )
