"""Refuse oversized uploads from their Content-Length before reading a byte of the body."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from .uploads import max_upload_bytes, too_large_message

# Room for the other form fields and multipart boundaries around the file itself.
_FORM_OVERHEAD_BYTES = 1024 * 1024


class UploadSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_upload_bytes() + _FORM_OVERHEAD_BYTES:
            return too_large_response(request)
        return self.get_response(request)


def too_large_response(request: HttpRequest) -> HttpResponse:
    message = too_large_message()
    if request.path.startswith("/api/") or request.headers.get("HX-Request"):
        response: HttpResponse = JsonResponse({"detail": message}, status=413)
    else:
        response = HttpResponse(
            render_to_string("errors/error.html", {"title": "Too large", "message": message}),
            status=413,
        )
    # The body was not read: the client must not reuse the connection for another request.
    response["Connection"] = "close"
    return response


class ApiJsonErrorsMiddleware:
    """Under /api/, every error is JSON {"detail": ...}, even those Django or ninja answer
    before an endpoint runs (an unknown path, a method the path does not allow)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not request.path.startswith("/api/")
            or response.status_code < 400
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        if response.status_code == 404:
            message = f"There is no API endpoint at {request.path}."
        elif response.status_code == 405:
            allowed = response.get("Allow", "")
            message = f"{request.method} is not allowed here" + (
                f"; use {allowed}." if allowed else "."
            )
        else:
            message = f"The request failed ({response.status_code} {response.reason_phrase})."
        json_response = JsonResponse({"detail": message}, status=response.status_code)
        for header in ("Allow", "Connection"):
            if header in response:
                json_response[header] = response[header]
        return json_response
