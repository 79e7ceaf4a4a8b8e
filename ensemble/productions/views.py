"""Production pages: the list, a production with its cut switcher, making and editing one, the
cut editor, the render panel, credits, and serving renders.

Views parse input, call the services and selectors, and shape the answer. A refusal from a
service is shown next to the control that caused it, with the service's status; nothing is
changed then. Every edit of a cut carries the revision the editor saw: when someone else changed
the cut since, the answer says so and asks for a reload.

The cut editor works without script (each control is a form that posts and comes back to the
page); with htmx the editor is swapped in place, and the render panel polls a small status
fragment every second while a render is queued or running.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ensemble.accounts.models import Member
from ensemble.collabs.access import collaboration_for_leader
from ensemble.collabs.models import Collaboration, Submission, SubmissionState
from ensemble.core.errors import Conflict, EnsembleError, NotFound
from ensemble.core.middleware import too_large_response
from ensemble.core.ranges import ranged_file_response, stored_image_response
from ensemble.core.uploads import upload_was_too_large
from ensemble.core.views import form_error, is_htmx, refused_page
from ensemble.media.models import MediaJob
from ensemble.records.access import record_for_viewer
from ensemble.records.models import Kind, Record, RecordVersion

from . import selectors, services
from . import timeline as tl
from .access import (
    can_edit,
    can_watch,
    cut_for_editor,
    cut_for_viewer,
    production_for_editor,
    production_for_viewer,
    productions_listed,
    render_for_viewer,
)
from .credits import ROLE_LABELS, credits_for_cut
from .forms import ExtraForm, ImportForm, ProductionForm, seconds
from .models import Cut, Production, Render

PICKER_LIMIT = 200
STALE = "Someone else changed this cut since you opened it — reload to see their changes."


def _member(request: HttpRequest) -> Member:
    return request.user  # type: ignore[return-value]  # behind login_required


def _zone(production: Production) -> str:
    """The zone release times are shown and entered in: the collaboration's, else UTC."""
    collaboration = production.collaboration
    return collaboration.deadline_zone if collaboration is not None else "UTC"


# The list -----------------------------------------------------------------------------------


@require_GET
def production_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = list(productions_listed(viewer=request.user)[:200])
    context = {
        "released": [p for p in rows if p.release_at is not None and p.release_at <= now],
        "coming": [p for p in rows if p.release_at is not None and p.release_at > now],
        "drafts": [p for p in rows if p.release_at is None],
        "now": now,
    }
    return render(request, "productions/list.html", context)


# Making and editing a production --------------------------------------------------------------


def _apply_cover(member: Member, production: Production, form: ProductionForm, files: Any) -> None:
    upload = files.get("cover")
    if upload:
        services.production_cover_set(actor=member, production=production, upload=upload)
    elif form.cleaned_data.get("remove_cover") and production.cover:
        services.production_cover_set(actor=member, production=production, upload=None)


@login_required
@require_http_methods(["GET", "POST"])
def production_create(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    source = request.POST if request.method == "POST" else request.GET
    collaboration: Collaboration | None = None
    raw = str(source.get("collaboration", "")).strip()
    if raw:
        try:
            if not raw.isdigit():
                raise NotFound("There is no such collaboration.")
            collaboration = collaboration_for_leader(member=member, collaboration_id=int(raw))
        except EnsembleError as error:
            return refused_page(request, error)
    zone = collaboration.deadline_zone if collaboration is not None else "UTC"
    status = 200
    if request.method == "POST":
        if upload_was_too_large(request):
            return too_large_response(request)
        form = ProductionForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():  # the production and its cover, or nothing
                    production = services.production_create(
                        owner=member,
                        title=form.cleaned_data["title"],
                        collaboration=collaboration,
                        description=form.cleaned_data["description"],
                        commercial=form.cleaned_data["commercial"],
                        release_at=form.release(),
                    )
                    _apply_cover(member, production, form, request.FILES)
            except EnsembleError as error:
                form_error(form, error)
                status = error.status
            else:
                messages.success(
                    request, f"“{production.title}” is ready: make its first cut below."
                )
                return redirect("productions:detail", pk=production.pk)
        else:
            status = 400
    else:
        title = collaboration.title if collaboration is not None else ""
        form = ProductionForm(initial={"title": title, "release_at_zone": zone})
    context = {"form": form, "production": None, "collaboration": collaboration}
    return render(request, "productions/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def production_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        production = production_for_editor(member=member, production_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    zone = _zone(production)
    status = 200
    if request.method == "POST":
        if upload_was_too_large(request):
            return too_large_response(request)
        form = ProductionForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.production_update(
                        actor=member,
                        production=production,
                        title=form.cleaned_data["title"],
                        description=form.cleaned_data["description"],
                        commercial=form.cleaned_data["commercial"],
                    )
                    services.production_release_set(
                        actor=member, production=production, release_at=form.release()
                    )
                    _apply_cover(member, production, form, request.FILES)
            except EnsembleError as error:
                production.refresh_from_db()
                form_error(form, error)
                status = error.status
            else:
                messages.success(request, "Saved.")
                return redirect("productions:detail", pk=production.pk)
        else:
            status = 400
    else:
        form = ProductionForm(initial=ProductionForm.initial_for(production, zone))
    return _edit_page(request, production, form=form, status=status)


def _edit_page(
    request: HttpRequest,
    production: Production,
    *,
    form: ProductionForm | None = None,
    extra_form: ExtraForm | None = None,
    status: int = 200,
) -> HttpResponse:
    zone = _zone(production)
    context = {
        "production": production,
        "collaboration": production.collaboration,
        "form": form or ProductionForm(initial=ProductionForm.initial_for(production, zone)),
        "extra_form": extra_form or ExtraForm(initial={"release_at_zone": zone}),
        "extras": list(production.extras.select_related("record", "record__author")),
        "extra_choices": _extra_choices(production, _member(request)),
    }
    return render(request, "productions/form.html", context, status=status)


def _extra_choices(production: Production, member: Member) -> list[Record]:
    """Records that could be extras: the collaboration's submissions and the editor's own."""
    records: dict[int, Record] = {}
    if production.collaboration_id is not None:
        for submission in (
            Submission.objects.filter(
                collaboration_id=production.collaboration_id, record__published=True
            )
            .exclude(state=SubmissionState.WITHDRAWN)
            .select_related("record", "record__author")
            .order_by("-created_at")[:PICKER_LIMIT]
        ):
            records.setdefault(submission.record_id, submission.record)
    for record in Record.objects.filter(author=member, published=True).select_related("author")[
        :PICKER_LIMIT
    ]:
        records.setdefault(record.pk, record)
    return list(records.values())


@login_required
@require_POST
def extra_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        production = production_for_editor(member=member, production_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    form = ExtraForm(request.POST)
    form.is_valid()
    try:
        raw = str(form.cleaned_data.get("record") or "")
        if not raw.isdigit():
            raise EnsembleError("Choose the record to add as an extra.", field="record")
        record = record_for_viewer(viewer=member, record_id=int(raw))
        extra = services.extra_add(
            actor=member,
            production=production,
            record=record,
            title=form.cleaned_data.get("title", ""),
            release_at=form.release(),
        )
    except EnsembleError as error:
        form_error(form, error)
        return _edit_page(request, production, extra_form=form, status=error.status)
    messages.success(request, f"“{extra.title}” is now an extra of this production.")
    return redirect(reverse("productions:edit", kwargs={"pk": production.pk}) + "#extras")


@require_GET
def production_cover(request: HttpRequest, pk: int) -> HttpResponseBase:
    try:
        production = production_for_viewer(viewer=request.user, production_id=pk)
        if not production.cover:
            raise NotFound("This production has no cover.")
    except EnsembleError as error:
        return refused_page(request, error)
    return stored_image_response(request, production.cover)


# The production page ----------------------------------------------------------------------------


@dataclass
class Playback:
    """What the player needs from a finished render: its renditions, smallest first."""

    render: Render
    sources: list[dict[str, Any]] = field(default_factory=list)

    @property
    def default_url(self) -> str:
        fitting = [s for s in self.sources if s["height"] <= 720]
        chosen = fitting[-1] if fitting else (self.sources[0] if self.sources else None)
        return str(chosen["url"]) if chosen else ""


def playback_for(render: Render | None) -> Playback | None:
    if render is None or render.state != Render.State.SUCCEEDED:
        return None
    sources = []
    for rung in sorted(render.ladder or [], key=lambda r: r.get("height") or 0):
        name = PurePosixPath(str(rung.get("file", ""))).name
        url = reverse("productions:render_file", kwargs={"render_id": render.pk, "name": name})
        short = min(rung.get("width") or 0, rung.get("height") or 0)
        sources.append({"url": url, "label": rung.get("label") or f"{short}p", "height": short})
    if not sources and render.output:
        url = reverse(
            "productions:render_file", kwargs={"render_id": render.pk, "name": "film.mp4"}
        )
        sources.append({"url": url, "label": f"{render.height}p", "height": render.height})
    playback = Playback(render, sources)
    default = playback.default_url
    for source in sources:
        source["selected"] = source["url"] == default
    return playback


@require_GET
def production_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        production = production_for_viewer(viewer=request.user, production_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    return _detail_page(request, production)


def _detail_page(
    request: HttpRequest,
    production: Production,
    *,
    status: int = 200,
    cut_error: str = "",
) -> HttpResponse:
    viewer = request.user
    editing = can_edit(viewer, production)
    watching = can_watch(viewer, production)
    cuts = list(selectors.production_cuts(production=production)) if watching else []
    chosen = None
    wanted = request.GET.get("cut", "")
    if cuts:
        chosen = next((c for c in cuts if str(c.pk) == wanted), cuts[0])
    playback = None
    if chosen is not None:
        playback = playback_for(selectors.cut_latest_render(cut=chosen))
    if editing:
        extras = list(production.extras.select_related("record", "record__author"))
    else:
        extras = list(
            selectors.production_extras_released(production=production).select_related(
                "record__author"
            )
        )
    collaboration = production.collaboration
    context = {
        "production": production,
        "collaboration": collaboration,
        "is_editor": editing,
        "watching": watching,
        "cuts": cuts,
        "cut": chosen,
        "playback": playback,
        "extras": extras,
        "now": timezone.now(),
        "zone": _zone(production),
        "presets": services.RULE_PRESETS if collaboration is not None else (),
        "cut_error": cut_error,
    }
    return render(request, "productions/detail.html", context, status=status)


@login_required
@require_POST
def cut_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new cut: empty (by hand), from one of the presets' rules, or all three presets."""
    member = _member(request)
    try:
        production = production_for_editor(member=member, production_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    preset = request.POST.get("preset", "")
    name = request.POST.get("name", "").strip() or preset
    try:
        if preset == "all":
            made = services.cuts_from_presets(actor=member, production=production)
            messages.success(request, f"Made {', '.join(c.name for c in made)} from their rules.")
            return redirect("productions:editor", cut_id=made[0].pk)
        if preset:
            if production.collaboration is None:
                raise EnsembleError(
                    "Only a production of a collaboration can have cuts made from rules."
                )
            rule = services.rule_preset(preset, production.collaboration)
            cut = services.cut_from_rule(actor=member, production=production, name=name, rule=rule)
        else:
            cut = services.cut_create(actor=member, production=production, name=name)
    except EnsembleError as error:
        return _detail_page(request, production, status=error.status, cut_error=error.message)
    messages.success(request, f"The cut “{cut.name}” is made.")
    return redirect("productions:editor", cut_id=cut.pk)


# The cut editor ---------------------------------------------------------------------------------


@dataclass
class Choice:
    """A record offered by the editor's pickers, with why it may not enter (if so)."""

    record: Record
    version: RecordVersion
    refusal: str = ""


def _processed(version: RecordVersion) -> str:
    """Why a media version cannot enter yet ("" when it can)."""
    job = getattr(version, "media_job", None)
    if job is not None and job.state == MediaJob.State.FAILED:
        return "It could not be processed."
    if job is not None and job.state != MediaJob.State.SUCCEEDED:
        return "It is still being processed."
    if not version.duration:
        return "It has no known duration."
    return ""


def _choices(production: Production, member: Member) -> dict[str, list[Choice]]:
    """The pickers' records: the collaboration's submissions and the editor's own records, by
    track, each with the service's reason when it may not enter (one lineage walk for all)."""
    versions: dict[int, RecordVersion] = {}
    if production.collaboration_id is not None:
        submissions = (
            Submission.objects.filter(
                collaboration_id=production.collaboration_id, record__published=True
            )
            .exclude(state=SubmissionState.WITHDRAWN)
            .select_related("record", "record__author", "version", "version__media_job")
            .prefetch_related("version__renditions")
            .order_by("-created_at", "-id")[:PICKER_LIMIT]
        )
        for submission in submissions:
            version = submission.version
            version.record = submission.record
            versions.setdefault(version.pk, version)
    own = (
        RecordVersion.objects.filter(
            record__author=member,
            record__published=True,
            record__current_version_id=F("id"),
        )
        .select_related("record", "record__author", "media_job")
        .prefetch_related("renditions")
        .order_by("-record__created_at")[:PICKER_LIMIT]
    )
    for version in own:
        versions.setdefault(version.pk, version)
    media = [v for v in versions.values() if v.record.kind in (Kind.VIDEO, Kind.AUDIO)]
    problems = services.licence_problems(media, production) if media else {}
    picked: dict[str, list[Choice]] = {"video": [], "audio": [], "text": []}
    for version in versions.values():
        kind = version.record.kind
        if kind == Kind.TEXT:
            picked["text"].append(Choice(version.record, version))
        elif kind in (Kind.VIDEO, Kind.AUDIO):
            refusal = problems.get(version.pk, "") or _processed(version)
            picked[str(kind)].append(Choice(version.record, version, refusal))
    for rows in picked.values():
        rows.sort(key=lambda c: (bool(c.refusal), c.record.title.casefold()))
    return picked


def _clock(value: float) -> str:
    minutes, rest = divmod(max(value, 0.0), 60)
    return f"{int(minutes)}:{rest:05.2f}"


def _editor_context(
    cut: Cut, member: Member, *, errors: dict[str, str] | None = None, stale: bool = False
) -> dict[str, Any]:
    errors = errors or {}
    production = cut.production
    document = tl.load(cut.timeline)
    ids = document.version_ids()
    versions = RecordVersion.objects.select_related("record", "record__author").prefetch_related(
        "renditions"
    )
    found = versions.in_bulk(ids)
    total = max(document.duration, 0.04)

    def span(start: float, length: float) -> dict[str, float]:
        left = min(max(start / total, 0.0), 1.0)
        return {
            "left": round(left * 100, 3),
            "width": round(min(length / total, 1 - left) * 100, 3),
        }

    clips = []
    at = 0.0
    for index, clip in enumerate(document.clips):
        if index and clip.transition == "crossfade":
            at -= clip.transition_seconds
        version = found.get(clip.version_id or 0)
        clips.append(
            {
                "index": index,
                "number": index + 1,
                "clip": clip,
                "version": version,
                "record": version.record if version else None,
                "served": version.served if version else None,
                "at": _clock(at),
                "out": tl.snap(clip.start + clip.duration),
                "error": errors.get(f"clip-{index}", ""),
                "last": index == len(document.clips) - 1,
                **span(at, clip.duration),
            }
        )
        at += clip.duration
    beds = [
        {"index": i, "bed": bed, **span(bed.offset, bed.duration)}
        for i, bed in enumerate(document.beds)
    ]
    titles = [
        {
            "index": i,
            "title": title,
            "version": found.get(title.version_id or 0),
            "error": errors.get(f"title-{i}", ""),
            **span(title.start, title.duration),
        }
        for i, title in enumerate(document.titles)
    ]
    skipped = (document.notes or {}).get("skipped") or []
    return {
        "cut": cut,
        "production": production,
        "collaboration": production.collaboration,
        "document": document,
        "clips": clips,
        "beds": beds,
        "titles": titles,
        "length": _clock(document.duration),
        "skipped": skipped,
        "choices": _choices(production, member),
        "errors": errors,
        "stale": stale,
        "import_form": ImportForm(),
        "formats": [(key, tl.FORMATS[key][1]) for key in ("otio", "fcp_xml", "edl")],
        "rule": cut.rule,
    }


def _render_context(cut: Cut, *, error: str = "") -> dict[str, Any]:
    renders = list(selectors.cut_renders(cut=cut)[:10])
    current = renders[0] if renders else None
    ready = next((r for r in renders if r.state == Render.State.SUCCEEDED), None)
    return {
        "cut": cut,
        "current": current,
        "playback": playback_for(ready),
        "render_error": error,
        "heights": (1080, 2160),
    }


@login_required
@require_GET
def cut_editor(request: HttpRequest, cut_id: int) -> HttpResponse:
    member = _member(request)
    try:
        cut = cut_for_editor(member=member, cut_id=cut_id)
    except EnsembleError as error:
        return refused_page(request, error)
    return _editor_page(request, cut)


def _editor_page(
    request: HttpRequest,
    cut: Cut,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    stale: bool = False,
    render_error: str = "",
) -> HttpResponse:
    member = _member(request)
    context = {
        **_editor_context(cut, member, errors=errors, stale=stale),
        **_render_context(cut, error=render_error),
        "cuts": list(selectors.production_cuts(production=cut.production)),
    }
    return render(request, "productions/editor.html", context, status=status)


def _int(value: Any, *, field: str, what: str) -> int:
    text = str(value if value is not None else "").strip()
    if not text.lstrip("-").isdigit() or len(text) > 12:
        raise EnsembleError(f"Choose {what}.", field=field)
    return int(text)


def _optional_seconds(value: Any, *, field: str, label: str) -> float | None:
    if value is None or not str(value).strip():
        return None
    return seconds(value, field=field, label=label)


# Each action: (the request's form, the member, the cut, the revision seen) → (where, message).
Action = Callable[[Any, Member, Cut, int | None], tuple[str, str]]


def _clip_add(data: Any, member: Member, cut: Cut, revision: int | None) -> tuple[str, str]:
    where = "add"
    try:
        version = _int(data.get("version"), field="version", what="a clip to add")
        transition = data.get("transition") or "cut"
        fade = seconds(data.get("transition_seconds") or 0, field="transition_seconds",
                       label="The crossfade")  # fmt: skip
        services.clip_add(
            actor=member, cut=cut, version=version,
            start=seconds(data.get("start") or 0, field="start", label="The in point"),
            end=_optional_seconds(data.get("end"), field="end", label="The out point"),
            transition=transition if transition in ("cut", "crossfade") else "x",
            transition_seconds=fade, lower_third=data.get("lower_third", ""), revision=revision,
        )  # fmt: skip
    except EnsembleError as error:
        error.where = where  # type: ignore[attr-defined]
        raise
    return "clips", "Clip added."


def _where_index(data: Any, prefix: str) -> tuple[str, int]:
    index = _int(data.get("index"), field="index", what="a clip")
    return f"{prefix}-{index}", index


def _clip_move(data: Any, member: Member, cut: Cut, revision: int | None) -> tuple[str, str]:
    if data.get("direction") in ("up", "down"):
        where, index = _where_index(data, "clip")
        target = index - 1 if data["direction"] == "up" else index + 1
    else:
        index = _int(data.get("from"), field="from", what="the clip to move")
        target = _int(data.get("to"), field="to", what="where to move it")
        where = f"clip-{index}"
    _run(where, lambda: services.clip_move(
        actor=member, cut=cut, from_index=index, to_index=target, revision=revision))  # fmt: skip
    return f"clip-{target}", "Clip moved."


def _clip_trim(data: Any, member: Member, cut: Cut, revision: int | None) -> tuple[str, str]:
    where, index = _where_index(data, "clip")
    _run(where, lambda: services.clip_trim(
        actor=member, cut=cut, index=index,
        start=seconds(data.get("start"), field="start", label="The in point"),
        end=seconds(data.get("end"), field="end", label="The out point"), revision=revision,
    ))  # fmt: skip
    return where, "Trimmed."


def _clip_transition(data: Any, member: Member, cut: Cut, revision: int | None) -> tuple[str, str]:
    where, index = _where_index(data, "clip")
    transition = data.get("transition") or "cut"
    _run(where, lambda: services.clip_transition_set(
        actor=member, cut=cut, index=index, transition=transition,
        seconds=seconds(data.get("seconds") or 0, field="seconds", label="The crossfade")
        if transition == "crossfade" else 0.0,
        revision=revision,
    ))  # fmt: skip
    return where, "Transition set."


def _clip_remove(data: Any, member: Member, cut: Cut, revision: int | None) -> tuple[str, str]:
    where, index = _where_index(data, "clip")
    _run(where, lambda: services.clip_remove(
        actor=member, cut=cut, index=index, revision=revision))  # fmt: skip
    return "clips", "Clip removed."


def _bed_set(data: Any, member: Member, cut: Cut, revision: int | None) -> tuple[str, str]:
    def change() -> Cut:
        version = _int(data.get("version"), field="version", what="an audio record for the bed")
        offset = seconds(data.get("offset") or 0, field="offset", label="The offset")
        length = _optional_seconds(data.get("duration"), field="duration", label="The length")
        if length is None:  # to the end of the film (a shorter source loops)
            film = tl.load(cut.timeline).duration
            length = film - offset if film > offset else None
        return services.bed_set(
            actor=member, cut=cut, version=version, offset=offset, duration=length,
            volume=seconds(data.get("volume") or 1, field="volume", label="The volume"),
            role=data.get("role") or "music", revision=revision,
        )  # fmt: skip

    _run("beds", change)
    return "beds", "Audio bed laid."


def _bed_remove(data: Any, member: Member, cut: Cut, revision: int | None) -> tuple[str, str]:
    index = _int(data.get("index"), field="index", what="a bed")
    _run("beds", lambda: services.bed_remove(
        actor=member, cut=cut, index=index, revision=revision))  # fmt: skip
    return "beds", "Audio bed removed."


def _title_add(data: Any, member: Member, cut: Cut, revision: int | None) -> tuple[str, str]:
    def change() -> Cut:
        raw = str(data.get("version") or "").strip()
        version = _int(raw, field="version", what="a text record") if raw else None
        return services.title_add(
            actor=member, cut=cut, text=data.get("text", ""), version=version,
            kind=data.get("kind") or "title",
            start=seconds(data.get("start") or 0, field="start", label="The start"),
            duration=seconds(data.get("duration") or 0, field="duration", label="The length"),
            revision=revision,
        )  # fmt: skip

    _run("titles", change)
    return "titles", "Title added."


def _title_update(data: Any, member: Member, cut: Cut, revision: int | None) -> tuple[str, str]:
    index = _int(data.get("index"), field="index", what="a title")
    where = f"title-{index}"
    _run(where, lambda: services.title_update(
        actor=member, cut=cut, index=index, text=str(data.get("text", "")),
        kind=data.get("kind") or None,
        start=seconds(data.get("start") or 0, field="start", label="The start"),
        duration=seconds(data.get("duration") or 0, field="duration", label="The length"),
        revision=revision,
    ))  # fmt: skip
    return "titles", "Title changed."


def _title_remove(data: Any, member: Member, cut: Cut, revision: int | None) -> tuple[str, str]:
    index = _int(data.get("index"), field="index", what="a title")
    _run("titles", lambda: services.title_remove(
        actor=member, cut=cut, index=index, revision=revision))  # fmt: skip
    return "titles", "Title removed."


def _refresh(data: Any, member: Member, cut: Cut, revision: int | None) -> tuple[str, str]:
    before = cut.revision
    _run("rule", lambda: services.cut_rule_refresh(actor=member, cut=cut))
    after = Cut.objects.only("revision").get(pk=cut.pk).revision
    if after == before:
        return "rule", "Nothing changed: the cut already follows the curation."
    return "rule", "Refreshed from the curation."


ACTIONS: dict[str, Action] = {
    "clip-add": _clip_add,
    "clip-move": _clip_move,
    "clip-trim": _clip_trim,
    "clip-transition": _clip_transition,
    "clip-remove": _clip_remove,
    "bed-set": _bed_set,
    "bed-remove": _bed_remove,
    "title-add": _title_add,
    "title-update": _title_update,
    "title-remove": _title_remove,
    "refresh": _refresh,
}


def _run(where: str, change: Callable[[], Any]) -> Any:
    try:
        return change()
    except EnsembleError as error:
        error.where = where  # type: ignore[attr-defined]
        raise


@login_required
@require_POST
def cut_edit(request: HttpRequest, cut_id: int, action: str) -> HttpResponse:
    """One change to a cut (see ACTIONS). Answers the editor, with the refusal beside the control
    it came from, or the stale-revision notice when someone else edited the cut meanwhile."""
    member = _member(request)
    try:
        cut = cut_for_editor(member=member, cut_id=cut_id)
        handler = ACTIONS.get(action)
        if handler is None:
            raise NotFound("There is no such change.")
    except EnsembleError as error:
        return refused_page(request, error)
    raw = str(request.POST.get("revision", "")).strip()
    revision = int(raw) if raw.isdigit() else None
    if revision is not None and revision != cut.revision:
        return _stale(request, cut)
    try:
        where, message = handler(request.POST, member, cut, revision)
    except Conflict as error:
        fresh = Cut.objects.only("revision").get(pk=cut.pk).revision
        if revision is not None and fresh != revision:
            return _stale(request, cut)
        return _edit_refused(request, cut, error)
    except EnsembleError as error:
        return _edit_refused(request, cut, error)
    cut.refresh_from_db()
    return _edited(request, cut, where, message)


def _edited(request: HttpRequest, cut: Cut, where: str, message: str) -> HttpResponse:
    if is_htmx(request):
        context = _editor_context(cut, _member(request))
        context["notice"] = message
        return render(request, "productions/_editor.html", context)
    messages.success(request, message)
    url = reverse("productions:editor", kwargs={"cut_id": cut.pk})
    return redirect(f"{url}#{where}")


def _edit_refused(request: HttpRequest, cut: Cut, error: EnsembleError) -> HttpResponse:
    cut.refresh_from_db()
    where = getattr(error, "where", "") or "editor"
    document = tl.load(cut.timeline)
    if where.startswith("clip-") and not 0 <= int(where[5:]) < len(document.clips):
        where = "clips"  # a clip that is not there: the message goes above the clips
    if where.startswith("title-") and not 0 <= int(where[6:]) < len(document.titles):
        where = "titles"
    errors = {where: error.message}
    if is_htmx(request):
        context = _editor_context(cut, _member(request), errors=errors)
        return render(request, "productions/_editor.html", context, status=error.status)
    return _editor_page(request, cut, status=error.status, errors=errors)


def _stale(request: HttpRequest, cut: Cut) -> HttpResponse:
    """The cut moved on: nothing is changed, and the editor asks for a reload."""
    cut.refresh_from_db()
    if is_htmx(request):
        response = render(request, "productions/_stale.html", {"cut": cut}, status=409)
        response["HX-Retarget"] = "#cut-message"
        response["HX-Reswap"] = "innerHTML"
        return response
    return _editor_page(request, cut, status=409, stale=True)


@login_required
@require_POST
def cut_import(request: HttpRequest, cut_id: int) -> HttpResponse:
    """Replace the cut with an editor's file (.otio, FCP 7 XML, EDL)."""
    member = _member(request)
    try:
        cut = cut_for_editor(member=member, cut_id=cut_id)
    except EnsembleError as error:
        return refused_page(request, error)
    if upload_was_too_large(request):
        return too_large_response(request)
    raw = str(request.POST.get("revision", "")).strip()
    if raw.isdigit() and int(raw) != cut.revision:
        return _stale(request, cut)
    form = ImportForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise EnsembleError("Choose the format of the file: .otio, FCP 7 XML or EDL.")
        upload = form.cleaned_data.get("file")
        if not upload:
            raise EnsembleError("Choose a timeline file to import.")
        if upload.size > tl.MAX_IMPORT_BYTES:
            raise EnsembleError("The file is too large for a timeline (at most 5 MB).")
        services.cut_import(
            actor=member, production=cut.production, data=upload.read(),
            format=form.cleaned_data["format"], cut=cut,
        )  # fmt: skip
    except EnsembleError as error:
        error.where = "import"  # type: ignore[attr-defined]
        return _edit_refused(request, cut, error)
    cut.refresh_from_db()
    return _edited(request, cut, "clips", "Imported: the cut now follows the file.")


@login_required
@require_GET
def cut_export(request: HttpRequest, cut_id: int, format: str) -> HttpResponse:
    member = _member(request)
    try:
        cut = cut_for_editor(member=member, cut_id=cut_id)
        exported = tl.export(
            tl.load(cut.timeline),
            format,
            base_url=request.build_absolute_uri("/"),
            name=f"{cut.production.title} {cut.name}",
        )
    except EnsembleError as error:
        return refused_page(request, error)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


# Renders ----------------------------------------------------------------------------------------


@login_required
@require_POST
def render_request(request: HttpRequest, cut_id: int) -> HttpResponse:
    member = _member(request)
    try:
        cut = cut_for_editor(member=member, cut_id=cut_id)
    except EnsembleError as error:
        return refused_page(request, error)
    raw = str(request.POST.get("height", "1080"))
    try:
        height = int(raw) if raw.isdigit() else 0
        services.render_request(actor=member, cut=cut, height=height)
    except EnsembleError as error:
        return _render_answer(request, cut, status=error.status, error=error.message)
    return _render_answer(request, cut)


@login_required
@require_POST
def render_cancel(request: HttpRequest, render_id: int) -> HttpResponse:
    member = _member(request)
    try:
        job = render_for_viewer(viewer=member, render_id=render_id)
        cut = cut_for_editor(member=member, cut_id=job.cut_id)
    except EnsembleError as error:
        return refused_page(request, error)
    try:
        services.render_cancel(actor=member, render=job)
    except EnsembleError as error:
        return _render_answer(request, cut, status=error.status, error=error.message)
    return _render_answer(request, cut)


def _render_answer(
    request: HttpRequest, cut: Cut, *, status: int = 200, error: str = ""
) -> HttpResponse:
    if is_htmx(request):
        return render(
            request, "productions/_render_panel.html", _render_context(cut, error=error),
            status=status,
        )  # fmt: skip
    if error:
        return _editor_page(request, cut, status=status, render_error=error)
    url = reverse("productions:editor", kwargs={"cut_id": cut.pk})
    return redirect(f"{url}#render")


@login_required
@require_GET
def render_status(request: HttpRequest, cut_id: int) -> HttpResponse:
    """The render panel of a cut, polled every second while a render is queued or running."""
    try:
        cut = cut_for_editor(member=_member(request), cut_id=cut_id)
    except EnsembleError as error:
        return refused_page(request, error)
    return render(request, "productions/_render_panel.html", _render_context(cut))


@require_GET
def render_file(request: HttpRequest, render_id: int, name: str) -> HttpResponseBase:
    """A finished render's film or one of its playback renditions, with byte ranges; only for
    those who may watch the production (everyone once released, its leaders before)."""
    try:
        job = render_for_viewer(viewer=request.user, render_id=render_id)
        if job.state != Render.State.SUCCEEDED:
            raise NotFound("This render is not ready.")
        files = {PurePosixPath(str(r.get("file", ""))).name: str(r["file"]) for r in job.ladder}
        if job.output:
            files["film.mp4"] = job.output.name
        stored = files.get(name)
        if not stored:
            raise NotFound("This render has no such file.")
    except EnsembleError as error:
        return refused_page(request, error)
    response = ranged_file_response(
        request,
        storage=Render.output.field.storage,
        name=stored,
        content_type="video/mp4",
        etag=f"render-{job.pk}-{name}",
        download_name=f"{job.cut.name}.mp4" if request.GET.get("download") else None,
    )
    response["Cache-Control"] = "private, max-age=86400"
    return response


# Credits ----------------------------------------------------------------------------------------


@require_GET
def cut_credits(request: HttpRequest, cut_id: int) -> HttpResponse:
    try:
        cut = cut_for_viewer(viewer=request.user, cut_id=cut_id)
    except EnsembleError as error:
        return refused_page(request, error)
    credits = credits_for_cut(cut)
    groups: list[dict[str, Any]] = []
    by_roles: dict[tuple[str, ...], dict[str, Any]] = {}
    for credit in credits.credits:
        group = by_roles.get(credit.roles)
        if group is None:
            heading = " · ".join(ROLE_LABELS[role] for role in credit.roles)
            group = {"heading": heading, "roles": credit.roles, "credits": []}
            by_roles[credit.roles] = group
            groups.append(group)
        group["credits"].append(
            {
                "credit": credit,
                "url": reverse("accounts:member", kwargs={"username": credit.username}),
            }
        )
    context = {
        "cut": cut,
        "production": cut.production,
        "credits": credits,
        "groups": groups,
        "is_editor": can_edit(request.user, cut.production),
    }
    return render(request, "productions/credits.html", context)
