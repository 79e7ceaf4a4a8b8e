"""Shared helpers for page views, and the site-wide pages (licence, error pages)."""

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .errors import EnsembleError
from .uploads import human_size


def form_error(form: forms.Form, error: EnsembleError) -> None:
    """Show a service's refusal next to the field it is about (or above the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def is_htmx(request: HttpRequest) -> bool:
    """Did htmx send this request (so a fragment, not a whole page, is the answer)?"""
    return bool(request.headers.get("HX-Request"))


def refused_page(request: HttpRequest, error: EnsembleError) -> HttpResponse:
    """A service's refusal as an error page titled by its status."""
    title = {403: "Not allowed", 404: "Not found"}.get(error.status, "Not possible")
    return error_page(request, status=error.status, title=title, message=error.message)


def licence_page(request: HttpRequest) -> HttpResponse:
    return render(request, "core/licence.html")


def error_page(request: HttpRequest, *, status: int, title: str, message: str) -> HttpResponse:
    """The error as a page; as `{"detail": …}` to the page scripts (htmx, the upload script),
    which show the message where the person is instead of swapping in a whole page."""
    if request.headers.get("HX-Request"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "errors/error.html", {"title": title, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        limit = human_size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return error_page(
            request,
            status=413,
            title="Too large",
            message=f"What you sent is too large: a form can hold at most {limit} of text.",
        )
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return error_page(
            request, status=400, title="Bad request", message="This form has too many fields."
        )
    return error_page(
        request, status=400, title="Bad request", message="The request could not be understood."
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "You may not do that."
    return error_page(request, status=403, title="Not allowed", message=message)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(
        request, status=404, title="Not found", message="There is nothing at this address."
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(
        request,
        status=500,
        title="Something broke",
        message="Something went wrong on our side. Nothing you sent was lost; try again shortly.",
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_page(
        request,
        status=403,
        title="Please try again",
        message="This form had expired or came from somewhere else. Reload the page and "
        "send it again.",
    )
