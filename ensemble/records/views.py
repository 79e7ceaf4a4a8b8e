"""Record pages: the feed, a record and its versions, writing, uploading, editing."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from ensemble.collabs.selectors import collaborations_open
from ensemble.core.errors import EnsembleError, NotFound
from ensemble.core.middleware import too_large_response
from ensemble.core.ranges import ranged_file_response
from ensemble.core.uploads import max_upload_bytes, upload_was_too_large
from ensemble.core.views import error_page, form_error
from ensemble.feedback import selectors as feedback
from ensemble.lineage import selectors as lineage
from ensemble.lineage.attribution import attribution_json_ld, attribution_text
from ensemble.media.selectors import media_job_for
from ensemble.media.sniff import AUDIO_EXTENSIONS, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS

from . import access, selectors, services
from .forms import (
    NewVersionForm,
    RecordEditForm,
    SourceFormSet,
    TextRecordForm,
    UploadRecordForm,
    source_specs,
)
from .models import Kind, Record


def _refused(request: HttpRequest, error: EnsembleError) -> HttpResponse:
    return error_page(request, status=error.status, title="Not possible", message=error.message)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    resolution = request.GET.get("resolution", "")
    filters = selectors.FeedFilters(
        kind=request.GET.get("kind", ""),
        tag=request.GET.get("tag", ""),
        city=request.GET.get("city", ""),
        resolution=int(resolution) if resolution.isdigit() and len(resolution) < 6 else None,
        camera=request.GET.get("camera", ""),
        never_remixed=request.GET.get("never_remixed") == "1",
    )
    try:
        page = selectors.records_feed(
            viewer=request.user, filters=filters, cursor=request.GET.get("cursor")
        )
    except EnsembleError as error:
        return _refused(request, error)
    context = {
        "page": page,
        "filters": filters,
        "kinds": Kind.choices,
        "resolutions": selectors.RESOLUTIONS,
        "cities": selectors.cities_in_use(),
        "more_url": _more_url(request, page.next_cursor),
    }
    if not request.GET.get("cursor"):
        context["open_calls"] = collaborations_open()
    if request.headers.get("HX-Request") and request.GET.get("cursor"):
        return render(request, "records/_feed_page.html", context)
    return render(request, "records/home.html", context)


def _more_url(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    return f"{request.path}?{query.urlencode()}"


@require_GET
def record_search(request: HttpRequest) -> HttpResponse:
    """<option>s for the source picker's datalist (htmx swaps them in as you type)."""
    query = next(
        (value for key, value in request.GET.items() if key == "q" or key.endswith("source")), ""
    )
    records = selectors.records_search(viewer=request.user, query=str(query)[:200])
    return render(request, "records/_search_options.html", {"records": records})


@require_GET
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        record = access.record_for_viewer(viewer=request.user, record_id=pk)
    except NotFound as error:
        raise Http404(error.message) from error
    return _record_page(request, record, record.current_version)


@require_GET
def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    try:
        version = access.version_for_viewer(viewer=request.user, record_id=pk, number=number)
    except NotFound as error:
        raise Http404(error.message) from error
    return _record_page(request, version.record, version)


def _record_page(request: HttpRequest, record: Record, version: Any) -> HttpResponse:
    context = {
        "record": record,
        "version": version,
        "versions": selectors.record_versions(record=record),
        "is_author": request.user.is_authenticated and request.user.pk == record.author_id,
        "is_current": version is not None and version.pk == record.current_version_id,
        "media_job": media_job_for(version) if version is not None and record.is_media else None,
    }
    sources = lineage.version_sources(version=version, viewer=request.user) if version else []
    context.update(
        sources=sources,
        remixes=lineage.record_remixes(record=record, viewer=request.user, limit=12),
        attribution=attribution_text(record=record, sources=sources),
        json_ld=attribution_json_ld(
            record=record, sources=sources, site_url=request.build_absolute_uri("/").rstrip("/")
        ),
        thread=feedback.comment_thread(
            viewer=request.user, target=record, with_markers=context["is_current"]
        ),
        hearts=feedback.heart_summary(record=record, viewer=request.user),
    )
    return render(request, "records/detail.html", context)


@require_safe
def original(request: HttpRequest, pk: int, number: int) -> HttpResponseBase:
    """The uploaded original, with HTTP Range so players can seek."""
    try:
        version = access.version_for_viewer(viewer=request.user, record_id=pk, number=number)
    except NotFound as error:
        raise Http404(error.message) from error
    if not version.original:
        raise Http404("This version has no file.")
    return ranged_file_response(
        request,
        storage=version.original.storage,
        name=version.original.name,
        content_type=version.content_type or "application/octet-stream",
        etag=version.sha256,
        download_name=version.original_filename if request.GET.get("download") else None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_write(request: HttpRequest) -> HttpResponse:
    form = TextRecordForm(request.POST or None)
    sources = _sources_formset(request)
    status = 200
    if request.method == "POST" and form.is_valid() and sources.is_valid():
        data = form.cleaned_data
        try:
            record = services.record_create_text(
                sources=source_specs(sources),
                author=request.user,  # type: ignore[arg-type]
                title=data["title"],
                text=data["text"],
                description=data["description"],
                tags=data["tags"],
                city=data["city"],
                licence=data["licence"] or None,
                published=data["published"],
            )
        except EnsembleError as error:
            form_error(form, error)
            status = error.status
        else:
            return redirect(record)
    elif request.method == "POST":
        status = 400
    context = {"form": form, "sources": sources}
    return render(request, "records/write.html", context, status=status)


def _sources_formset(request: HttpRequest) -> Any:
    """The "Built on" rows; `?source=<id>` (from a record's "build on it") fills the first."""
    if request.method == "POST":
        data = request.POST.copy()
        if "sources-TOTAL_FORMS" not in data:  # a form without the picker: no sources
            data.update({"sources-TOTAL_FORMS": "0", "sources-INITIAL_FORMS": "0"})
        return SourceFormSet(data, prefix="sources")
    source = request.GET.get("source", "")
    initial = [{"source": f"#{source}"}] if source.isdigit() and len(source) < 13 else []
    return SourceFormSet(prefix="sources", initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def record_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        files = request.FILES  # read the body first: the size cap is checked while streaming
        if upload_was_too_large(request):
            return too_large_response(request)
        form = UploadRecordForm(request.POST, files)
    else:
        form = UploadRecordForm(initial={"city": getattr(request.user, "city", "")})
    sources = _sources_formset(request)
    status = 200
    if request.method == "POST" and form.is_valid() and sources.is_valid():
        data = form.cleaned_data
        try:
            if not data["file"]:
                raise EnsembleError("Choose a file to upload.", field="file")
            record = services.record_create_upload(
                sources=source_specs(sources),
                author=request.user,  # type: ignore[arg-type]
                upload=data["file"],
                title=data["title"],
                description=data["description"],
                tags=data["tags"],
                city=data["city"],
                licence=data["licence"] or None,
                published=data["published"],
            )
        except EnsembleError as error:
            form_error(form, error)
            status = error.status
        else:
            return _redirect_after_upload(request, record.get_absolute_url())
    elif request.method == "POST":
        status = 400
    context = _upload_context(form, sources=sources)
    return render(request, _upload_template(request), context, status=status)


def _upload_template(request: HttpRequest) -> str:
    # The page's script posts the form itself (to show progress) and swaps in the answer.
    return (
        "records/_upload_form.html" if request.headers.get("HX-Request") else "records/upload.html"
    )


def _upload_context(form: Any, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "max_upload_bytes": max_upload_bytes(),
        "accept": ",".join(
            f".{ext}" for ext in sorted(VIDEO_EXTENSIONS | AUDIO_EXTENSIONS | IMAGE_EXTENSIONS)
        ),
        **extra,
    }


def _redirect_after_upload(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        record = access.record_for_author(member=request.user, record_id=pk)
    except EnsembleError as error:
        return _refused(request, error)
    current_text = record.current_version.text if record.current_version else ""
    initial = {
        "title": record.title,
        "description": record.description,
        "tags": ", ".join(tag.name for tag in record.tags.all()),
        "city": record.city,
        "licence": record.licence,
        "text": current_text,
    }
    form = RecordEditForm(request.POST or None, initial=initial)
    if record.kind != Kind.TEXT:
        del form.fields["text"]
        del form.fields["note"]
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_edit(
                record=record,
                title=data["title"],
                description=data["description"],
                tags=data["tags"],
                city=data["city"],
                licence=data["licence"] or record.licence,
                text=data["text"] if record.kind == Kind.TEXT else None,
                note=data.get("note", ""),
            )
        except EnsembleError as error:
            record.refresh_from_db()
            form_error(form, error)
            status = error.status
        else:
            return redirect(record)
    elif request.method == "POST":
        status = 400
    return render(request, "records/edit.html", {"form": form, "record": record}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def record_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        record = access.record_for_author(member=request.user, record_id=pk)
    except EnsembleError as error:
        return _refused(request, error)
    if record.kind == Kind.TEXT:
        return redirect("records:edit", pk=record.pk)
    if request.method == "POST":
        files = request.FILES
        if upload_was_too_large(request):
            return too_large_response(request)
        form = NewVersionForm(request.POST, files)
    else:
        form = NewVersionForm()
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            if not form.cleaned_data["file"]:
                raise EnsembleError("Choose a file to upload.", field="file")
            services.record_version_add_upload(
                record=record, upload=form.cleaned_data["file"], note=form.cleaned_data["note"]
            )
        except EnsembleError as error:
            form_error(form, error)
            status = error.status
        else:
            return _redirect_after_upload(request, record.get_absolute_url())
    elif request.method == "POST":
        status = 400
    template = (
        "records/_upload_form.html"
        if request.headers.get("HX-Request")
        else "records/new_version.html"
    )
    return render(
        request,
        template,
        _upload_context(form, record=record, action=reverse("records:new_version", args=[pk])),
        status=status,
    )


@login_required
@require_POST
def record_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        record = access.record_for_author(member=request.user, record_id=pk)
    except EnsembleError as error:
        return _refused(request, error)
    services.record_unpublish(record=record)
    return redirect(record)


@login_required
@require_POST
def record_publish(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        record = access.record_for_author(member=request.user, record_id=pk)
    except EnsembleError as error:
        return _refused(request, error)
    services.record_publish(record=record)
    return redirect(record)
