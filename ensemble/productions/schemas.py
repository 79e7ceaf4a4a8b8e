"""API shapes for productions, cuts, their interchange files, credits and renders.

Input schemas refuse fields they do not know (a typo is an error, not silently ignored). They
only say which JSON types are expected: ranges, licences, kinds, transitions and revisions are
checked by the services, which answer with a message a person understands. Every edit of a cut
accepts the `revision` the caller saw: when someone else changed the cut since, it is a 409.
"""

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from ninja import Field, Schema
from pydantic import ConfigDict

from ensemble.accounts.models import Member
from ensemble.accounts.schemas import PersonOut
from ensemble.records.models import LICENCE_URLS, Licence, Record

from . import timeline as tl
from .credits import Credits
from .models import Cut, CutItem, Extra, Production, Render

REVISION = (
    "The cut's `revision` you last saw. When given and the cut changed since (someone else "
    "edited it), the edit is refused with 409: reload the cut and make your change again."
)

# Input ------------------------------------------------------------------------------------


class ProductionIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "In a City",
                    "description": "Seven cities, one evening, **many** cameras.",
                    "collaboration_id": 3,
                    "commercial": True,
                    "release_at": "2026-12-24T18:00:00+01:00",
                }
            ]
        },
    )

    title: str = Field(..., description="At most 200 characters.")
    description: str = Field("", description="Markdown.")
    collaboration_id: int | None = Field(
        None,
        description="A collaboration you lead; without it the production is yours alone.",
    )
    commercial: bool = Field(
        True,
        description="Earns money (revenue share): sources that forbid commercial use (NC) may "
        "not enter its cuts.",
    )
    release_at: datetime | None = Field(
        None,
        description="ISO 8601 with an offset. Before it only the owner and the leaders see the "
        "production; others see a countdown. Empty: an unreleased draft.",
    )


class ProductionPatch(Schema):
    """Fields left out (or null) stay as they are."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "In a City (2026)", "commercial": False}]},
    )

    title: str | None = None
    description: str | None = None
    commercial: bool | None = Field(
        None,
        description="Making a production commercial is refused while a cut uses a source that "
        "forbids commercial use.",
    )


class ReleaseIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"release_at": "2026-12-24T18:00:00+01:00"}]},
    )

    release_at: datetime | None = Field(
        ..., description="ISO 8601 with an offset; null takes it back to an unreleased draft."
    )


class ExtraIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"record_id": 41, "title": "Behind the scenes", "release_at": None},
            ]
        },
    )

    record_id: int = Field(..., description="A published record: unseen footage, a making-of.")
    title: str = Field("", description="Shown instead of the record's title.")
    release_at: datetime | None = Field(
        None, description="Its own release time; null: released with the production."
    )


class RequirementsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    min_width: int | None = Field(None, description="Pixels of the long side.")
    min_height: int | None = Field(None, description="Pixels of the short side.")
    camera: str = Field("", description="Part of the camera make or model, any case.")
    official_only: bool = Field(
        False, description="Only submissions marked as meeting the brief's requirements."
    )


class RuleIn(Schema):
    """Which submissions of the collaboration make the cut, and how."""

    model_config = ConfigDict(extra="forbid")

    states: list[str] = Field(
        ["selected"],
        description='Some of submitted, shortlisted, selected, passed; or ["all"].',
    )
    requirements: RequirementsIn | None = None
    order: str = Field("city", description="city, time (shooting time) or manual.")
    seconds_per_clip: float = Field(4.0, description="From the start of each clip.")
    bed_version_id: int | None = Field(
        None, description="An audio record version laid under the whole cut."
    )
    bed_volume: float = Field(0.8, description="0 to 2.")
    transition: str = Field("cut", description="cut or crossfade.")
    transition_seconds: float = 0.0
    city_titles: bool = Field(True, description="The record's city as the clip's lower third.")


class CutIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Director's cut"},
                {"name": "Official", "preset": "Official"},
                {
                    "name": "Night only",
                    "rule": {
                        "states": ["selected", "shortlisted"],
                        "requirements": {"min_width": 1920, "min_height": 1080},
                        "order": "time",
                        "seconds_per_clip": 3,
                        "transition": "crossfade",
                        "transition_seconds": 0.4,
                    },
                },
            ]
        },
    )

    name: str = Field("", description="At most 80 characters; a preset's name by default.")
    preset: str | None = Field(
        None, description="Make the cut from a preset rule: Official, Extended or Community."
    )
    rule: RuleIn | None = Field(
        None, description="Make the cut from this rule over the collaboration's submissions."
    )


class ClipIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"record_id": 12, "start": 0.4, "end": 4.4, "lower_third": "Cairo", "revision": 3},
                {
                    "version_id": 31,
                    "start": 2,
                    "end": 6,
                    "index": 0,
                    "transition": "crossfade",
                    "transition_seconds": 0.5,
                },
            ]
        },
    )

    record_id: int | None = Field(None, description="A video record: its current version.")
    version_id: int | None = Field(None, description="Or one version of a video record.")
    start: float = Field(0.0, description="In point, seconds of the media.")
    end: float | None = Field(
        None, description="Out point, seconds of the media; default: its end."
    )
    index: int | None = Field(
        None, description="Insert before this clip (from 0); default: at the end."
    )
    transition: str = Field("cut", description="How it joins the clip before: cut or crossfade.")
    transition_seconds: float = 0.0
    lower_third: str = Field("", description="Text drawn over the clip (a city's name).")
    revision: int | None = Field(None, description=REVISION)


class MoveIn(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"to_index": 0, "revision": 5}]}
    )

    to_index: int = Field(..., description="Its new place, from 0.")
    revision: int | None = Field(None, description=REVISION)


class TrimIn(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"start": 0.2, "end": 1.6, "revision": 5}]}
    )

    start: float = Field(..., description="In point, seconds of the media.")
    end: float = Field(..., description="Out point, seconds of the media.")
    revision: int | None = Field(None, description=REVISION)


class TransitionIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"transition": "crossfade", "seconds": 0.6, "revision": 5}]
        },
    )

    transition: str = Field(..., description="cut or crossfade (not before the first clip).")
    seconds: float = Field(0.0, description="How long a crossfade lasts.")
    revision: int | None = Field(None, description=REVISION)


class BedIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"record_id": 20, "offset": 0, "volume": 0.7, "fade": 1.5, "revision": 6}]
        },
    )

    record_id: int | None = Field(None, description="An audio record: its current version.")
    version_id: int | None = Field(None, description="Or one version of an audio record.")
    start: float = Field(0.0, description="Where in the source it starts, seconds.")
    end: float | None = Field(None, description="Where in the source it ends; default: its end.")
    offset: float = Field(0.0, description="Where in the film it starts, seconds.")
    duration: float | None = Field(
        None, description="How long it plays in the film (longer than the part: it loops)."
    )
    volume: float = Field(1.0, description="0 to 2.")
    fade: float = Field(1.0, description="Seconds of fade in and out.")
    role: str = Field("music", description="music or voice (how its artist is credited).")
    revision: int | None = Field(None, description=REVISION)


class TitleIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "In a City", "start": 0, "duration": 3, "revision": 7},
                {"record_id": 8, "start": 10, "duration": 4, "kind": "subtitle"},
            ]
        },
    )

    text: str = Field("", description="At most 300 characters; default: the text record's.")
    record_id: int | None = Field(
        None, description="A text record whose words these are (its writer is credited)."
    )
    version_id: int | None = Field(None, description="Or one version of a text record.")
    start: float = Field(..., description="Seconds of the film.")
    duration: float = Field(..., description="Seconds.")
    kind: str = Field("title", description="title or subtitle.")
    revision: int | None = Field(None, description=REVISION)


class TitlePatch(Schema):
    """Fields left out (or null) stay as they are."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "In a City, at night", "revision": 8},
                {"start": 2, "duration": 3, "kind": "subtitle"},
            ]
        },
    )

    text: str | None = Field(None, description="At most 300 characters; not empty.")
    start: float | None = Field(None, description="Seconds of the film.")
    duration: float | None = Field(None, description="Seconds.")
    kind: str | None = Field(None, description="title or subtitle.")
    revision: int | None = Field(None, description=REVISION)


class RenderIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"height": 1080}]})

    height: int = Field(1080, description="1080 (default) or 2160 pixels.")


# Output -----------------------------------------------------------------------------------


class ProductionCollaborationOut(Schema):
    id: int
    title: str
    url: str


class CutSummaryOut(Schema):
    id: int
    name: str
    position: int
    revision: int
    from_rule: bool
    clip_count: int
    duration: float = Field(..., description="Seconds before the end credits.")
    updated_at: datetime

    @staticmethod
    def of(cut: Cut) -> "CutSummaryOut":
        document = tl.load(cut.timeline)
        return CutSummaryOut(
            id=cut.pk,
            name=cut.name,
            position=cut.position,
            revision=cut.revision,
            from_rule=cut.rule is not None,
            clip_count=len(document.clips),
            duration=document.duration,
            updated_at=cut.updated_at,
        )


class ProductionOut(Schema):
    id: int
    title: str
    released: bool = Field(..., description="Its release time has come.")
    release_at: datetime | None = Field(..., description="Null: an unreleased draft.")
    seconds_to_release: int | None = Field(
        ..., description="The countdown: whole seconds until the release; null once released."
    )
    watchable: bool = Field(
        ...,
        description="Whether you may watch its cuts: once released, or before for its owner, "
        "its collaboration's leaders and staff. Before that, the description and cuts are null.",
    )
    you_edit: bool
    description: str | None
    description_html: str | None
    cover_url: str | None
    commercial: bool
    collaboration: ProductionCollaborationOut | None
    owner: PersonOut
    created_at: datetime
    updated_at: datetime
    cuts: list[CutSummaryOut] | None = Field(
        None, description="In the production's order; null in lists and before the release."
    )

    @staticmethod
    def of(
        production: Production,
        *,
        watchable: bool,
        you_edit: bool,
        cuts: list[Cut] | None = None,
    ) -> "ProductionOut":
        now = timezone.now()
        release = production.release_at
        countdown = None
        if release is not None and release > now:
            countdown = max(int((release - now).total_seconds()), 0)
        collaboration = production.collaboration
        return ProductionOut(
            id=production.pk,
            title=production.title,
            released=production.is_released,
            release_at=release,
            seconds_to_release=countdown,
            watchable=watchable,
            you_edit=you_edit,
            description=production.description if watchable else None,
            description_html=production.description_html if watchable else None,
            cover_url=production.cover.url if production.cover else None,
            commercial=production.commercial,
            collaboration=ProductionCollaborationOut(
                id=collaboration.pk, title=collaboration.title, url=collaboration.get_absolute_url()
            )
            if collaboration is not None
            else None,
            owner=PersonOut.from_member(production.owner),
            created_at=production.created_at,
            updated_at=production.updated_at,
            cuts=[CutSummaryOut.of(c) for c in cuts] if cuts is not None and watchable else None,
        )


class ProductionPage(Schema):
    items: list[ProductionOut]
    next_cursor: str | None


class RecordRefOut(Schema):
    id: int
    title: str
    kind: str
    url: str
    published: bool
    artist: PersonOut

    @staticmethod
    def of(record: Record) -> "RecordRefOut":
        return RecordRefOut(
            id=record.pk,
            title=record.title,
            kind=record.kind,
            url=record.get_absolute_url(),
            published=record.published,
            artist=PersonOut.from_member(record.author),
        )


class ExtraOut(Schema):
    id: int
    title: str
    release_at: datetime | None = Field(..., description="Null: released with the production.")
    released: bool
    position: int
    record: RecordRefOut

    @staticmethod
    def of(extra: Extra, production: Production) -> "ExtraOut":
        now = timezone.now()
        released = production.is_released and (extra.release_at is None or extra.release_at <= now)
        return ExtraOut(
            id=extra.pk,
            title=extra.title,
            release_at=extra.release_at,
            released=released,
            position=extra.position,
            record=RecordRefOut.of(extra.record),
        )


class ClipOut(Schema):
    index: int = Field(..., description="Its place on the picture track, from 0.")
    version_id: int | None
    record_id: int | None
    name: str
    start: float = Field(..., description="In point, seconds of the media.")
    end: float = Field(..., description="Out point, seconds of the media.")
    duration: float
    media_duration: float | None
    transition: str = Field(..., description="How it joins the clip before: cut or crossfade.")
    transition_seconds: float
    lower_third: str
    available: bool = Field(
        ..., description="False when its record was unpublished: a render would refuse it."
    )


class BedOut(Schema):
    index: int
    version_id: int | None
    record_id: int | None
    name: str
    start: float
    duration: float
    offset: float
    volume: float
    fade: float
    role: str
    loop: bool
    available: bool


class TitleOut(Schema):
    index: int
    text: str
    start: float
    duration: float
    kind: str
    version_id: int | None
    record_id: int | None


class UseOut(Schema):
    """A record version the cut uses, with its licence (what the production may use)."""

    record: RecordRefOut
    version_id: int
    version: int
    licence: str
    licence_label: str
    licence_url: str
    track: str = Field(..., description="video, audio or text.")
    role: str = Field(..., description="How its artist is credited: footage, music, writing, …")
    seconds: float = Field(..., description="Seconds of the source used.")

    @staticmethod
    def of(item: CutItem) -> "UseOut":
        record = item.record
        licence = Licence(record.licence)
        return UseOut(
            record=RecordRefOut.of(record),
            version_id=item.version_id,
            version=item.version.number,
            licence=licence.value,
            licence_label=licence.label,
            licence_url=LICENCE_URLS.get(licence, ""),
            track=item.track,
            role=item.role,
            seconds=item.seconds,
        )


class SkippedOut(Schema):
    record_id: int | None
    title: str
    reason: str


class CutOut(Schema):
    id: int
    production_id: int
    name: str
    position: int
    revision: int = Field(..., description="Send it back with edits: see `revision` there.")
    rule: dict[str, Any] | None = Field(
        ..., description="The rule the cut is made from; null for a cut made by hand."
    )
    duration: float = Field(..., description="Seconds before the end credits.")
    clips: list[ClipOut]
    beds: list[BedOut]
    titles: list[TitleOut]
    uses: list[UseOut] = Field(
        ..., description="Every record version used, in order of first appearance."
    )
    skipped: list[SkippedOut] = Field(
        ..., description="Submissions a rule left out because they may not enter, with why."
    )
    editors: list[PersonOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def of(
        cut: Cut,
        *,
        document: tl.Document,
        published: dict[int, bool],
        items: list[CutItem],
        editors: list[Member],
    ) -> "CutOut":
        def available(version_id: int | None) -> bool:
            return version_id is not None and published.get(version_id, False)

        skipped = document.notes.get("skipped") or []
        return CutOut(
            id=cut.pk,
            production_id=cut.production_id,
            name=cut.name,
            position=cut.position,
            revision=cut.revision,
            rule=cut.rule,
            duration=document.duration,
            clips=[
                ClipOut(
                    index=n, version_id=c.version_id, record_id=c.record_id, name=c.name,
                    start=c.start, end=tl.snap(c.end), duration=c.duration,
                    media_duration=c.media_duration, transition=c.transition,
                    transition_seconds=c.transition_seconds, lower_third=c.lower_third,
                    available=available(c.version_id),
                )
                for n, c in enumerate(document.clips)
            ],
            beds=[
                BedOut(
                    index=n, version_id=b.version_id, record_id=b.record_id, name=b.name,
                    start=b.start, duration=b.duration, offset=b.offset, volume=b.volume,
                    fade=b.fade, role=b.role, loop=b.loop, available=available(b.version_id),
                )
                for n, b in enumerate(document.beds)
            ],
            titles=[
                TitleOut(
                    index=n, text=t.text, start=t.start, duration=t.duration, kind=t.kind,
                    version_id=t.version_id, record_id=t.record_id,
                )
                for n, t in enumerate(document.titles)
            ],
            uses=[UseOut.of(i) for i in items],
            skipped=[
                SkippedOut(
                    record_id=s.get("record_id"), title=str(s.get("title", "")),
                    reason=str(s.get("reason", "")),
                )
                for s in skipped
                if isinstance(s, dict)
            ],
            editors=[PersonOut.from_member(m) for m in editors],
            created_at=cut.created_at,
            updated_at=cut.updated_at,
        )  # fmt: skip


class CreditOut(Schema):
    username: str
    name: str
    url: str
    roles: list[str] = Field(..., examples=[["footage", "music"]])
    role_labels: list[str] = Field(..., examples=[["Footage", "Music"]])


class CreditBlockOut(Schema):
    heading: str = Field(..., examples=["Footage · Writing"])
    names: list[str]


class CreditsOut(Schema):
    cut_id: int
    cohered_by: str = Field(..., examples=["Cohered by 12 artists"])
    count: int
    credits: list[CreditOut] = Field(
        ..., description="Each artist once, by first role, then by first appearance in the film."
    )
    roll: list[CreditBlockOut] = Field(..., description="The end-credits roll of a render.")

    @staticmethod
    def of(cut: Cut, credits: Credits) -> "CreditsOut":
        return CreditsOut(
            cut_id=cut.pk,
            cohered_by=credits.cohered_by,
            count=len(credits),
            credits=[
                CreditOut(
                    username=c.username,
                    name=c.name,
                    url=reverse("accounts:member", kwargs={"username": c.username}),
                    roles=list(c.roles),
                    role_labels=c.role_labels,
                )
                for c in credits.credits
            ],
            roll=[
                CreditBlockOut(heading=line.role, names=list(line.names))
                for line in credits.lines()
            ],
        )


class RenderRenditionOut(Schema):
    label: str = Field(..., examples=["720p"])
    width: int | None
    height: int | None
    bit_rate: int | None
    size_bytes: int | None
    url: str


class RenderOut(Schema):
    id: int
    cut_id: int
    revision: int = Field(..., description="The cut's revision rendered.")
    outdated: bool = Field(..., description="The cut changed since this render was asked for.")
    height: int
    state: str = Field(..., description="queued, running, succeeded, failed or cancelled.")
    state_label: str
    progress: float = Field(..., description="0 to 1.", examples=[0.42])
    message: str = Field(..., description="Why it failed or was cancelled, in plain words.")
    detail: str | None = Field(..., description="FFmpeg's own words; for editors and staff.")
    duration: float | None
    size_bytes: int
    output_url: str | None = Field(
        ...,
        description="The H.264/AAC MP4 (HTTP Range supported), once succeeded; served to "
        "whoever may watch the production (the browser's session, or anyone once released).",
    )
    download_url: str | None = Field(..., description="The same, as an attachment.")
    ladder: list[RenderRenditionOut] = Field(
        ..., description="Playback renditions, once succeeded."
    )
    created_by: PersonOut
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @staticmethod
    def of(
        render: Render,
        *,
        cut_revision: int,
        detail: bool,
        output_url: str | None,
        rendition_url: Any,
    ) -> "RenderOut":
        succeeded = render.state == Render.State.SUCCEEDED and bool(render.output)
        return RenderOut(
            id=render.pk,
            cut_id=render.cut_id,
            revision=render.revision,
            outdated=render.revision != cut_revision,
            height=render.height,
            state=render.state,
            state_label=render.get_state_display(),
            progress=render.progress,
            message=render.message,
            detail=render.detail if detail else None,
            duration=render.duration,
            size_bytes=render.size_bytes,
            output_url=output_url if succeeded else None,
            download_url=f"{output_url}?download=1" if succeeded and output_url else None,
            ladder=[
                RenderRenditionOut(
                    label=str(r.get("label", "")),
                    width=r.get("width"),
                    height=r.get("height"),
                    bit_rate=r.get("bit_rate"),
                    size_bytes=r.get("size_bytes"),
                    url=rendition_url(str(r.get("file", ""))),
                )
                for r in (render.ladder if succeeded else [])
                if isinstance(r, dict)
            ],
            created_by=PersonOut.from_member(render.created_by),
            queued_at=render.queued_at,
            started_at=render.started_at,
            finished_at=render.finished_at,
        )
