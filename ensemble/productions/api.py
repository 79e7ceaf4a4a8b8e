"""Productions in the API: productions and their release, extras, cuts and every edit of a cut,
cuts from rules, interchange files (OTIO, FCP 7 XML, CMX 3600 EDL), credits and renders.

Three routers: `router` at /productions, `cut_router` at /cuts and `render_router` at /renders.
Every endpoint parses input, loads through `access`, calls a service or a selector and shapes
the answer; every rule and refusal is the domain's. Edits of a cut answer the cut as it is
now, with its new `revision`; sending back the revision you saw makes a concurrent edit a 409.
"""

from pathlib import PurePosixPath
from typing import Any, Literal

from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router, Schema, Status

from ensemble.accounts.models import Member
from ensemble.collabs.access import collaboration_for_viewer
from ensemble.core.api_auth import PUBLIC_READ, ApiRequest, member_auth, optional_auth
from ensemble.core.cursors import newest_first_page
from ensemble.core.errors import EnsembleError, NotFound, TooLarge
from ensemble.core.schemas import error_responses
from ensemble.core.uploads import PICTURE_PUT_BODY, multipart_put_file
from ensemble.records.models import Record, RecordVersion
from ensemble.records.selectors import records_visible

from . import access, selectors, services
from . import timeline as tl
from .credits import credits_for_cut, cut_editor_ids
from .models import Cut, Production, Render
from .schemas import (
    BedIn,
    ClipIn,
    CreditsOut,
    CutIn,
    CutOut,
    CutSummaryOut,
    ExtraIn,
    ExtraOut,
    MoveIn,
    ProductionIn,
    ProductionOut,
    ProductionPage,
    ProductionPatch,
    ReleaseIn,
    RenderIn,
    RenderOut,
    TitleIn,
    TitlePatch,
    TransitionIn,
    TrimIn,
)

router = Router(tags=["productions"])
cut_router = Router(tags=["productions"])
render_router = Router(tags=["productions"])


_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415, 422)

_BINARY = {"type": "string", "format": "binary"}

_TIMELINE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            **_BINARY,
                            "description": "An .otio, FCP 7 .xml or CMX 3600 .edl file "
                            "(at most 5 MB).",
                        }
                    },
                }
            },
            "application/json": {"schema": {**_BINARY, "description": "An .otio file."}},
            "application/xml": {"schema": {**_BINARY, "description": "An FCP 7 XML file."}},
            "text/plain": {"schema": {**_BINARY, "description": "A CMX 3600 EDL."}},
        },
    }
}


def _is_staff(viewer: Any) -> bool:
    return bool(viewer.is_authenticated and viewer.is_staff)


# Productions -------------------------------------------------------------------------------


class ProductionQuery(Schema):
    collaboration: int | None = Field(None, description="Only the productions of this one.")
    cursor: str | None = None
    limit: int = Field(24, description="1 to 100.")


def _production_out(viewer: Any, production: Production, *, with_cuts: bool) -> ProductionOut:
    watchable = access.can_watch(viewer, production)
    cuts = list(selectors.production_cuts(production=production)) if with_cuts else None
    return ProductionOut.of(
        production,
        watchable=watchable,
        you_edit=access.can_edit(viewer, production),
        cuts=cuts,
    )


@router.get(
    "",
    response={200: ProductionPage, **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="List productions",
)
def productions_list(request: ApiRequest, query: Query[ProductionQuery]) -> ProductionPage:
    """Newest first. Released productions, and those counting down to their release (title
    and countdown only: `watchable` is false), for everyone; drafts without a release time
    only for their owner, their collaboration's leaders and staff."""
    viewer = request.auth
    queryset = access.productions_listed(viewer=viewer)
    if query.collaboration is not None:
        queryset = queryset.filter(collaboration_id=query.collaboration)
    rows, next_cursor = newest_first_page(queryset, cursor=query.cursor, limit=query.limit)
    items = []
    for production in rows:
        edits = bool(getattr(production, "viewer_edits", False))
        watchable = production.is_released or edits or _is_staff(viewer)
        items.append(ProductionOut.of(production, watchable=watchable, you_edit=edits))
    return ProductionPage(items=items, next_cursor=next_cursor)


@router.post(
    "",
    response={201: ProductionOut, **_ERRORS},
    auth=member_auth,
    summary="Start a production",
)
def production_create(request: ApiRequest, payload: ProductionIn) -> Status[ProductionOut]:
    """A production of a collaboration you lead (`collaboration_id`), or your own. It stays an
    unreleased draft until it has a `release_at`."""
    collaboration = None
    if payload.collaboration_id is not None:
        collaboration = collaboration_for_viewer(
            viewer=request.auth, collaboration_id=payload.collaboration_id
        )
    production = services.production_create(
        owner=request.auth,
        title=payload.title,
        collaboration=collaboration,
        description=payload.description,
        commercial=payload.commercial,
        release_at=payload.release_at,
    )
    return Status(201, _production_out(request.auth, production, with_cuts=True))


@router.get(
    "/{production_id}",
    response={200: ProductionOut, **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="Read a production",
)
def production_read(request: ApiRequest, production_id: int) -> ProductionOut:
    """The production with its cuts. Before its release, others see only the title and the
    countdown (`seconds_to_release`); a draft without a release time is a 404 for them."""
    production = access.production_for_viewer(viewer=request.auth, production_id=production_id)
    return _production_out(request.auth, production, with_cuts=True)


@router.patch(
    "/{production_id}",
    response={200: ProductionOut, **_ERRORS},
    auth=member_auth,
    summary="Edit a production",
)
def production_edit(
    request: ApiRequest, production_id: int, payload: ProductionPatch
) -> ProductionOut:
    """Title, description (Markdown) and commercial use; fields left out stay as they are.
    The owner and the collaboration's leaders only."""
    production = access.production_for_editor(member=request.auth, production_id=production_id)
    changes = payload.dict(exclude_unset=True)
    production = services.production_update(
        actor=request.auth,
        production=production,
        title=changes.get("title"),
        description=changes.get("description"),
        commercial=changes.get("commercial"),
    )
    return _production_out(request.auth, production, with_cuts=True)


@router.put(
    "/{production_id}/release",
    response={200: ProductionOut, **_ERRORS},
    auth=member_auth,
    summary="Set the release time",
)
def production_release(
    request: ApiRequest, production_id: int, payload: ReleaseIn
) -> ProductionOut:
    """When the production is published (ISO 8601 with an offset). Until then only its owner
    and leaders watch it and others see a countdown; `null` makes it a draft again."""
    production = access.production_for_editor(member=request.auth, production_id=production_id)
    production = services.production_release_set(
        actor=request.auth, production=production, release_at=payload.release_at
    )
    return _production_out(request.auth, production, with_cuts=True)


@router.put(
    "/{production_id}/cover",
    response={200: ProductionOut, **_ERRORS},
    auth=member_auth,
    openapi_extra=PICTURE_PUT_BODY,
    summary="Set the cover picture",
)
def production_cover_set(request: ApiRequest, production_id: int) -> ProductionOut:
    """Multipart form with `file`: a picture, re-encoded to WebP without its metadata."""
    production = access.production_for_editor(member=request.auth, production_id=production_id)
    production = services.production_cover_set(
        actor=request.auth, production=production, upload=multipart_put_file(request)
    )
    return _production_out(request.auth, production, with_cuts=True)


@router.delete(
    "/{production_id}/cover",
    response={200: ProductionOut, **_ERRORS},
    auth=member_auth,
    summary="Remove the cover picture",
)
def production_cover_remove(request: ApiRequest, production_id: int) -> ProductionOut:
    production = access.production_for_editor(member=request.auth, production_id=production_id)
    production = services.production_cover_set(
        actor=request.auth, production=production, upload=None
    )
    return _production_out(request.auth, production, with_cuts=True)


@router.get(
    "/{production_id}/extras",
    response={200: list[ExtraOut], **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="List a production's extras",
)
def extras_list(request: ApiRequest, production_id: int) -> list[ExtraOut]:
    """Unseen footage, behind the scenes: for everyone, those whose release time (or the
    production's) has come; its owner and leaders see them all with their release times."""
    production = access.production_for_viewer(viewer=request.auth, production_id=production_id)
    if access.can_edit(request.auth, production) or _is_staff(request.auth):
        extras = production.extras.order_by("position", "id")
    else:
        extras = selectors.production_extras_released(production=production)
    extras = extras.select_related("record", "record__author").order_by("position", "id")
    return [ExtraOut.of(extra, production) for extra in extras]


@router.post(
    "/{production_id}/extras",
    response={201: ExtraOut, **_ERRORS},
    auth=member_auth,
    summary="Add an extra",
)
def extra_add(request: ApiRequest, production_id: int, payload: ExtraIn) -> Status[ExtraOut]:
    """Attach a published record, with its own release time (null: with the production)."""
    production = access.production_for_editor(member=request.auth, production_id=production_id)
    record = _record(request.auth, payload.record_id)
    extra = services.extra_add(
        actor=request.auth,
        production=production,
        record=record,
        title=payload.title,
        release_at=payload.release_at,
    )
    extra.record = record
    return Status(201, ExtraOut.of(extra, production))


def _record(viewer: Any, record_id: int) -> Record:
    record = (
        records_visible(viewer=viewer)
        .select_related("author", "current_version")
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        raise NotFound("There is no such record, or it is not published.", field="record_id")
    return record


# Cuts of a production -----------------------------------------------------------------------


@router.get(
    "/{production_id}/cuts",
    response={200: list[CutSummaryOut], **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="List a production's cuts",
)
def cuts_list(request: ApiRequest, production_id: int) -> list[CutSummaryOut]:
    """The cuts (Official, Extended, …) in the production's order, once you may watch it."""
    production = access.production_for_viewer(viewer=request.auth, production_id=production_id)
    if not access.can_watch(request.auth, production):
        raise NotFound("The cuts of this production are shown from its release.")
    return [CutSummaryOut.of(c) for c in selectors.production_cuts(production=production)]


@router.post(
    "/{production_id}/cuts",
    response={201: CutOut, **_ERRORS},
    auth=member_auth,
    summary="Make a cut",
)
def cut_create(request: ApiRequest, production_id: int, payload: CutIn) -> Status[CutOut]:
    """An empty cut to edit by hand; or, with `preset` (Official, Extended, Community) or a
    `rule`, a cut made from the collaboration's curated submissions. Submissions that may not
    enter (their licence, …) are left out and listed in `skipped` with the reason."""
    production = access.production_for_editor(member=request.auth, production_id=production_id)
    if payload.preset is not None and payload.rule is not None:
        raise EnsembleError("Send a preset or a rule, not both.", field="rule")
    name = payload.name
    rule: dict[str, Any] | None = None
    if payload.preset is not None:
        collaboration = production.collaboration
        # Without a collaboration the service refuses any rule, with the reason.
        rule = services.rule_preset(payload.preset, collaboration) if collaboration else {}
        name = name or payload.preset
    elif payload.rule is not None:
        rule = payload.rule.dict(exclude_unset=True)
    cut = services.cut_create(actor=request.auth, production=production, name=name, rule=rule)
    return Status(201, _cut_out(cut))


@router.post(
    "/{production_id}/cuts/presets",
    response={201: list[CutOut], **_ERRORS},
    auth=member_auth,
    summary="Make the Official, Extended and Community cuts",
)
def cuts_from_presets(request: ApiRequest, production_id: int) -> Status[list[CutOut]]:
    """The three cuts of a collaboration's production, each from its preset rule: Official
    (selected footage meeting the brief's picture requirements, 4K when it names none),
    Extended (all selected footage, lo-fi included), Community (the footage that made
    neither). Refused (409) when one of those names is taken."""
    production = access.production_for_editor(member=request.auth, production_id=production_id)
    cuts = services.cuts_from_presets(actor=request.auth, production=production)
    return Status(201, [_cut_out(c) for c in cuts])


class ImportQuery(Schema):
    format: Literal["otio", "fcp_xml", "edl"] | None = Field(
        None,
        description="otio, fcp_xml or edl; by default from the file's name (.otio, .xml, .edl) "
        "or the body's content type, else otio.",
    )


class ImportNewQuery(ImportQuery):
    name: str = Field("", description="The new cut's name; by default the timeline's own.")


@router.post(
    "/{production_id}/cuts/import",
    response={201: CutOut, **_ERRORS},
    auth=member_auth,
    openapi_extra=_TIMELINE_BODY,
    summary="Import a cut from an editor's file",
)
def cut_import_new(
    request: ApiRequest, production_id: int, query: Query[ImportNewQuery]
) -> Status[CutOut]:
    """A new cut from an .otio, FCP 7 XML or CMX 3600 EDL file (multipart `file`, or the file
    as the body). Clips are re-linked to records by the id Ensemble keeps in their metadata,
    or by their media link to an original; clips matching neither are listed in a 400, and
    each clip passes the same checks as one added by hand."""
    production = access.production_for_editor(member=request.auth, production_id=production_id)
    data, filename = _timeline_file(request)
    cut = services.cut_import(
        actor=request.auth,
        production=production,
        data=data,
        format=_import_format(query.format, filename, request.content_type),
        name=query.name.strip() or None,
    )
    return Status(201, _cut_out(cut))


# One cut -------------------------------------------------------------------------------------


def _cut_out(cut: Cut) -> CutOut:
    document = tl.load(cut.timeline)
    versions = tl.versions_for(document)
    published = {pk: v.record.published for pk, v in versions.items()}
    editor_ids = cut_editor_ids(cut)
    members = Member.objects.in_bulk(editor_ids)
    return CutOut.of(
        cut,
        document=document,
        published=published,
        items=list(selectors.cut_items(cut=cut)),
        editors=[members[pk] for pk in editor_ids if pk in members],
    )


def _version(
    viewer: Any, *, record_id: int | None, version_id: int | None, what: str
) -> RecordVersion:
    """The version named by `record_id` (its current one) or `version_id`, if visible."""
    if (record_id is None) == (version_id is None):
        raise EnsembleError(
            f"Name the {what} by its record_id or by a version_id (one of them).",
            field="record_id",
        )
    visible = records_visible(viewer=viewer)
    if version_id is not None:
        version = (
            RecordVersion.objects.filter(pk=version_id, record__in=visible)
            .select_related("record", "record__author")
            .first()
        )
        if version is None:
            raise NotFound(
                "There is no such record version, or it is not published.", field="version_id"
            )
        return version
    record = _record(viewer, record_id or 0)
    if record.current_version is None:
        raise NotFound("That record has no version yet.", field="record_id")
    return record.current_version


@cut_router.get(
    "/{cut_id}",
    response={200: CutOut, **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="Read a cut",
)
def cut_read(request: ApiRequest, cut_id: int) -> CutOut:
    """The cut's clips (in and out points, transitions, lower thirds), audio beds, titles,
    its `revision`, the rule it is made from, its duration, and every record it uses with its
    licence. A clip whose record was unpublished is marked `available: false`."""
    return _cut_out(access.cut_for_viewer(viewer=request.auth, cut_id=cut_id))


@cut_router.post(
    "/{cut_id}/clips",
    response={200: CutOut, **_ERRORS},
    auth=member_auth,
    summary="Add a clip",
)
def clip_add(request: ApiRequest, cut_id: int, payload: ClipIn) -> CutOut:
    """Put `start`–`end` seconds of a published, processed video record on the picture track,
    at the end or before clip `index`. Refused: a range outside the media (400), a record
    whose licence (or a source upstream of it) forbids this production's use — NC in a
    commercial production, ND in any (403) — one still being processed (409)."""
    cut = access.cut_for_editor(member=request.auth, cut_id=cut_id)
    version = _version(
        request.auth, record_id=payload.record_id, version_id=payload.version_id, what="clip"
    )
    cut = services.clip_add(
        actor=request.auth,
        cut=cut,
        version=version,
        start=payload.start,
        end=payload.end,
        index=payload.index,
        transition=payload.transition,
        transition_seconds=payload.transition_seconds,
        lower_third=payload.lower_third,
        revision=payload.revision,
    )
    return _cut_out(cut)


@cut_router.post(
    "/{cut_id}/clips/{index}/move",
    response={200: CutOut, **_ERRORS},
    auth=member_auth,
    summary="Move a clip",
)
def clip_move(request: ApiRequest, cut_id: int, index: int, payload: MoveIn) -> CutOut:
    """Drag and drop: clip `index` (from 0) goes to `to_index`."""
    cut = access.cut_for_editor(member=request.auth, cut_id=cut_id)
    cut = services.clip_move(
        actor=request.auth,
        cut=cut,
        from_index=index,
        to_index=payload.to_index,
        revision=payload.revision,
    )
    return _cut_out(cut)


@cut_router.post(
    "/{cut_id}/clips/{index}/trim",
    response={200: CutOut, **_ERRORS},
    auth=member_auth,
    summary="Trim a clip",
)
def clip_trim(request: ApiRequest, cut_id: int, index: int, payload: TrimIn) -> CutOut:
    """New in and out points of clip `index`, in seconds of its media (within it)."""
    cut = access.cut_for_editor(member=request.auth, cut_id=cut_id)
    cut = services.clip_trim(
        actor=request.auth,
        cut=cut,
        index=index,
        start=payload.start,
        end=payload.end,
        revision=payload.revision,
    )
    return _cut_out(cut)


@cut_router.put(
    "/{cut_id}/clips/{index}/transition",
    response={200: CutOut, **_ERRORS},
    auth=member_auth,
    summary="Set a clip's transition",
)
def clip_transition(request: ApiRequest, cut_id: int, index: int, payload: TransitionIn) -> CutOut:
    """How clip `index` joins the clip before it: a cut, or a crossfade of `seconds` (no
    longer than either clip)."""
    cut = access.cut_for_editor(member=request.auth, cut_id=cut_id)
    cut = services.clip_transition_set(
        actor=request.auth,
        cut=cut,
        index=index,
        transition=payload.transition,
        seconds=payload.seconds,
        revision=payload.revision,
    )
    return _cut_out(cut)


class RevisionQuery(Schema):
    revision: int | None = Field(
        None, description="The revision you saw: 409 when the cut changed since."
    )


@cut_router.delete(
    "/{cut_id}/clips/{index}",
    response={200: CutOut, **_ERRORS},
    auth=member_auth,
    summary="Remove a clip",
)
def clip_remove(
    request: ApiRequest, cut_id: int, index: int, query: Query[RevisionQuery]
) -> CutOut:
    cut = access.cut_for_editor(member=request.auth, cut_id=cut_id)
    cut = services.clip_remove(actor=request.auth, cut=cut, index=index, revision=query.revision)
    return _cut_out(cut)


def _bed(request: ApiRequest, cut_id: int, payload: BedIn, index: int | None) -> CutOut:
    cut = access.cut_for_editor(member=request.auth, cut_id=cut_id)
    version = _version(
        request.auth, record_id=payload.record_id, version_id=payload.version_id, what="bed"
    )
    cut = services.bed_set(
        actor=request.auth,
        cut=cut,
        version=version,
        start=payload.start,
        end=payload.end,
        offset=payload.offset,
        duration=payload.duration,
        volume=payload.volume,
        fade=payload.fade,
        role=payload.role,
        index=index,
        revision=payload.revision,
    )
    return _cut_out(cut)


@cut_router.post(
    "/{cut_id}/beds",
    response={200: CutOut, **_ERRORS},
    auth=member_auth,
    summary="Add an audio bed",
)
def bed_add(request: ApiRequest, cut_id: int, payload: BedIn) -> CutOut:
    """Music or narration under the film, from an audio record whose licence permits the
    production's use: from `offset` seconds of the film, for `duration` seconds (a shorter
    source loops), at `volume`."""
    return _bed(request, cut_id, payload, None)


@cut_router.put(
    "/{cut_id}/beds/{index}",
    response={200: CutOut, **_ERRORS},
    auth=member_auth,
    summary="Replace an audio bed",
)
def bed_set(request: ApiRequest, cut_id: int, index: int, payload: BedIn) -> CutOut:
    return _bed(request, cut_id, payload, index)


@cut_router.delete(
    "/{cut_id}/beds/{index}",
    response={200: CutOut, **_ERRORS},
    auth=member_auth,
    summary="Remove an audio bed",
)
def bed_remove(request: ApiRequest, cut_id: int, index: int, query: Query[RevisionQuery]) -> CutOut:
    cut = access.cut_for_editor(member=request.auth, cut_id=cut_id)
    cut = services.bed_remove(actor=request.auth, cut=cut, index=index, revision=query.revision)
    return _cut_out(cut)


@cut_router.post(
    "/{cut_id}/titles",
    response={200: CutOut, **_ERRORS},
    auth=member_auth,
    summary="Add a title",
)
def title_add(request: ApiRequest, cut_id: int, payload: TitleIn) -> CutOut:
    """A title card, or a subtitle from a text record (`record_id`: its words, and its writer
    is credited). Titles may not overlap."""
    cut = access.cut_for_editor(member=request.auth, cut_id=cut_id)
    version = None
    if payload.record_id is not None or payload.version_id is not None:
        version = _version(
            request.auth, record_id=payload.record_id, version_id=payload.version_id, what="text"
        )
    cut = services.title_add(
        actor=request.auth,
        cut=cut,
        start=payload.start,
        duration=payload.duration,
        text=payload.text,
        version=version,
        kind=payload.kind,
        revision=payload.revision,
    )
    return _cut_out(cut)


@cut_router.patch(
    "/{cut_id}/titles/{index}",
    response={200: CutOut, **_ERRORS},
    auth=member_auth,
    summary="Change a title",
)
def title_update(request: ApiRequest, cut_id: int, index: int, payload: TitlePatch) -> CutOut:
    """Title `index` (from 0): its `text`, `start`, `duration` or `kind`; fields left out stay
    as they are. Checked like a new title (some text, no overlap with another title) and, once
    the cut has clips, it must lie within the film (400). A title from a text record keeps its
    record and its writer's credit."""
    cut = access.cut_for_editor(member=request.auth, cut_id=cut_id)
    cut = services.title_update(
        actor=request.auth,
        cut=cut,
        index=index,
        text=payload.text,
        start=payload.start,
        duration=payload.duration,
        kind=payload.kind,
        revision=payload.revision,
    )
    return _cut_out(cut)


@cut_router.delete(
    "/{cut_id}/titles/{index}",
    response={200: CutOut, **_ERRORS},
    auth=member_auth,
    summary="Remove a title",
)
def title_remove(
    request: ApiRequest, cut_id: int, index: int, query: Query[RevisionQuery]
) -> CutOut:
    cut = access.cut_for_editor(member=request.auth, cut_id=cut_id)
    cut = services.title_remove(actor=request.auth, cut=cut, index=index, revision=query.revision)
    return _cut_out(cut)


@cut_router.post(
    "/{cut_id}/refresh",
    response={200: CutOut, **_ERRORS},
    auth=member_auth,
    summary="Run a cut's rule again",
)
def cut_refresh(request: ApiRequest, cut_id: int) -> CutOut:
    """After curation changed: clips that still qualify keep their trims, transitions and
    titles, new ones join, the rest leave. The revision moves only when something changed.
    A cut made by hand has no rule (400)."""
    cut = access.cut_for_editor(member=request.auth, cut_id=cut_id)
    return _cut_out(services.cut_rule_refresh(actor=request.auth, cut=cut))


# Interchange ---------------------------------------------------------------------------------


class ExportQuery(Schema):
    format: Literal["otio", "fcp_xml", "edl"] = Field(
        "otio",
        description="otio (everything), fcp_xml (FCP 7 XML: pictures and beds) or edl "
        "(CMX 3600: the picture track).",
    )


@cut_router.get(
    "/{cut_id}/export",
    response=_ERRORS,
    auth=optional_auth,
    openapi_extra={
        **PUBLIC_READ,
        "responses": {
            200: {
                "description": "The file, as an attachment (.otio, .xml or .edl).",
                "content": {
                    "application/json": {"schema": _BINARY},
                    "application/xml": {"schema": _BINARY},
                    "text/plain": {"schema": _BINARY},
                },
            }
        },
    },
    summary="Export a cut for an editor",
)
def cut_export(request: ApiRequest, cut_id: int, query: Query[ExportQuery]) -> HttpResponse:
    """The cut as an OpenTimelineIO, FCP 7 XML or CMX 3600 EDL file. Media references are
    absolute links to the originals, which an editor can download and relink."""
    cut = access.cut_for_viewer(viewer=request.auth, cut_id=cut_id)
    exported = tl.export(
        tl.load(cut.timeline),
        query.format,
        base_url=request.build_absolute_uri("/"),
        name=f"{cut.production.title} {cut.name}",
    )
    response = HttpResponse(
        exported.content.encode(), content_type=f"{exported.content_type}; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, exported.filename) or ""
    return response


@cut_router.post(
    "/{cut_id}/import",
    response={200: CutOut, **_ERRORS},
    auth=member_auth,
    openapi_extra=_TIMELINE_BODY,
    summary="Replace a cut from an editor's file",
)
def cut_import(request: ApiRequest, cut_id: int, query: Query[ImportQuery]) -> CutOut:
    """The cut becomes what the file holds (multipart `file`, or the file as the body): an
    .otio, FCP 7 XML or CMX 3600 EDL, re-linked to records by the ids Ensemble keeps in clip
    metadata or by links to originals. Unreadable files and clips that match no record are a
    400 naming them; nothing changes then. An imported cut is made by hand (its rule goes)."""
    cut = access.cut_for_editor(member=request.auth, cut_id=cut_id)
    data, filename = _timeline_file(request)
    cut = services.cut_import(
        actor=request.auth,
        production=cut.production,
        data=data,
        format=_import_format(query.format, filename, request.content_type),
        cut=cut,
    )
    return _cut_out(cut)


def _timeline_file(request: ApiRequest) -> tuple[bytes, str]:
    """The bytes and name of a multipart `file`, or the raw body (no name)."""
    if request.content_type == "multipart/form-data":
        try:
            upload = request.FILES.get("file")
        except MultiPartParserError as exc:
            raise EnsembleError(f"The form could not be read: {exc}", field="file") from exc
        if upload is None:
            raise EnsembleError("Send the timeline in a field named “file”.", field="file")
        if upload.size is not None and upload.size > tl.MAX_IMPORT_BYTES:
            raise TooLarge("The file is too large for a timeline (at most 5 MB).", field="file")
        return upload.read(), upload.name or ""
    body = request.body
    if not body.strip():
        raise EnsembleError(
            "Send the timeline as the request body, or as multipart/form-data in a field named "
            "“file”.",
            field="file",
        )
    return body, ""


_EXTENSIONS = {"otio": "otio", "json": "otio", "xml": "fcp_xml", "edl": "edl"}
_CONTENT_TYPES = {"application/xml": "fcp_xml", "text/xml": "fcp_xml"}


def _import_format(given: str | None, filename: str, content_type: str | None) -> str:
    if given:
        return given
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in _EXTENSIONS:
        return _EXTENSIONS[extension]
    return _CONTENT_TYPES.get(content_type or "", "otio")


# Credits -------------------------------------------------------------------------------------


@cut_router.get(
    "/{cut_id}/credits",
    response={200: CreditsOut, **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="The credits of a cut",
)
def cut_credits(request: ApiRequest, cut_id: int) -> CreditsOut:
    """Every artist whose work reaches the screen — in the cut, or upstream of it in the
    lineage (the poet under the musician's track) — plus the leaders and the cut's editors:
    each once with all their roles, by first role, then by first appearance in the film."""
    cut = access.cut_for_viewer(viewer=request.auth, cut_id=cut_id)
    return CreditsOut.of(cut, credits_for_cut(cut))


# Renders -------------------------------------------------------------------------------------


def _render_out(request: ApiRequest, render: Render, cut: Cut) -> RenderOut:
    """The render, with absolute links to its files, served (with HTTP Range) by the
    production pages' `render_file` view to whoever may watch the production."""
    viewer = request.auth

    def file_url(stored: str) -> str:
        name = PurePosixPath(stored).name
        path = reverse("productions:render_file", kwargs={"render_id": render.pk, "name": name})
        return request.build_absolute_uri(path)

    return RenderOut.of(
        render,
        cut_revision=cut.revision,
        detail=access.can_edit(viewer, cut.production) or _is_staff(viewer),
        output_url=file_url("film.mp4"),
        rendition_url=file_url,
    )


@cut_router.get(
    "/{cut_id}/renders",
    response={200: list[RenderOut], **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="List a cut's renders",
)
def renders_list(request: ApiRequest, cut_id: int) -> list[RenderOut]:
    """The cut's last 50 renders, newest first."""
    cut = access.cut_for_viewer(viewer=request.auth, cut_id=cut_id)
    renders = selectors.cut_renders(cut=cut).select_related("created_by")[:50]
    return [_render_out(request, r, cut) for r in renders]


@cut_router.post(
    "/{cut_id}/renders",
    response={202: RenderOut, **_ERRORS},
    auth=member_auth,
    summary="Render a cut",
)
def render_create(request: ApiRequest, cut_id: int, payload: RenderIn) -> Status[RenderOut]:
    """Queue a render of the cut as it is now (1080p, or 2160p): poll `GET /renders/{id}` for
    its progress. Refused: an empty cut, a clip whose record was unpublished (named), and a
    second render of the same cut at the same height while one is queued or running (409)."""
    cut = access.cut_for_editor(member=request.auth, cut_id=cut_id)
    render = services.render_request(actor=request.auth, cut=cut, height=payload.height)
    render.created_by = request.auth
    return Status(202, _render_out(request, render, cut))


@render_router.get(
    "/{render_id}",
    response={200: RenderOut, **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="Read a render",
)
def render_read(request: ApiRequest, render_id: int) -> RenderOut:
    """Its state, progress (0 to 1), the reason when it failed, and once it succeeded the film
    and its playback renditions."""
    render = access.render_for_viewer(viewer=request.auth, render_id=render_id)
    return _render_out(request, render, render.cut)


@render_router.post(
    "/{render_id}/cancel",
    response={200: RenderOut, **_ERRORS},
    auth=member_auth,
    summary="Cancel a render",
)
def render_cancel(request: ApiRequest, render_id: int) -> RenderOut:
    """Stop a queued or running render; nothing of it is published. Cancelling it again does
    nothing; a finished render cannot be cancelled (409)."""
    render = access.render_for_viewer(viewer=request.auth, render_id=render_id)
    render = services.render_cancel(actor=request.auth, render=render)
    return _render_out(request, render, render.cut)
