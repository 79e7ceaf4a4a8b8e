"""Serving what the media pipeline made, and its live progress for the record page."""

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ensemble.core.errors import NotFound
from ensemble.core.ranges import ranged_file_response
from ensemble.records import access

from .models import Rendition
from .selectors import media_job_for


@require_GET
def rendition(request: HttpRequest, pk: int, number: int, name: str) -> HttpResponseBase:
    """A rendition, thumbnail, storyboard or image size, after the record's visibility check."""
    try:
        version = access.version_for_viewer(viewer=request.user, record_id=pk, number=number)
    except NotFound as error:
        raise Http404(error.message) from error
    served = Rendition.objects.filter(version=version, name=name).first()
    if served is None:
        raise Http404("This version has no such file.")
    response = ranged_file_response(
        request,
        storage=served.file.storage,
        name=served.file.name,
        content_type=served.content_type,
        etag=f"{version.sha256[:16]}-{served.pk}",
    )
    response["Cache-Control"] = "private, max-age=86400"
    return response


@require_GET
def media_status(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The processing state of a version; the page polls it and reloads once it is ready."""
    try:
        version = access.version_for_viewer(viewer=request.user, record_id=pk, number=number)
    except NotFound as error:
        raise Http404(error.message) from error
    job = media_job_for(version)
    response = render(
        request,
        "media/_status.html",
        {"job": job, "version": version, "record": version.record, "polling": True},
    )
    if job is not None and job.state == job.State.SUCCEEDED and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the player switches to the renditions
    return response
