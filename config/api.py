"""The HTTP API, mounted at /api/v1/. Every error answers JSON {"detail": "..."} with a 4xx."""

from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ensemble.accounts.api import router as accounts_router
from ensemble.collabs.api import member_router as collabs_member_router
from ensemble.collabs.api import router as collabs_router
from ensemble.core.errors import EnsembleError
from ensemble.core.uploads import human_size, too_large_message, upload_was_too_large
from ensemble.feedback.api import router as feedback_router
from ensemble.notifications.api import router as notifications_router
from ensemble.productions.api import cut_router as production_cuts_router
from ensemble.productions.api import render_router as production_renders_router
from ensemble.productions.api import router as productions_router
from ensemble.records.api import router as records_router
from ensemble.royalties.api import router as royalties_router

api = NinjaAPI(
    title="Ensemble API",
    version="1",
    description=(
        "Records, members, collaborations, productions and tokens of Ensemble. Scripts "
        "authenticate with `Authorization: Bearer <token>` (create tokens under Settings → "
        "API tokens); the browser uses its session and the CSRF token."
    ),
    urls_namespace="api",
)
api.add_router("/", accounts_router)
api.add_router("/records", records_router)
api.add_router("/notifications", notifications_router)
api.add_router("/collaborations", collabs_router)
api.add_router("/", collabs_member_router)
api.add_router("/", feedback_router)
api.add_router("/productions", productions_router)
api.add_router("/cuts", production_cuts_router)
api.add_router("/renders", production_renders_router)
api.add_router("/", royalties_router)


def _detail(request: HttpRequest, message: str, status: int, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": message, **extra}, status=status)


@api.exception_handler(EnsembleError)
def on_ensemble_error(request: HttpRequest, exc: EnsembleError) -> HttpResponse:
    extra = {"field": exc.field} if exc.field else {}
    return _detail(request, exc.message, exc.status, **extra)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if upload_was_too_large(request):
        return _detail(request, too_large_message(), 413)
    parts = []
    for error in exc.errors:
        location = ".".join(str(p) for p in _field_path(error.get("loc", ())))
        message = str(error.get("msg", "is not valid"))
        parts.append(f"{location}: {message}" if location else message)
    return _detail(request, "; ".join(parts) or "The request is not valid.", 422, errors=exc.errors)


def _field_path(loc: Any) -> list[Any]:
    """Where an error is, as a client names it: ("body", "payload", "title") → ["title"]."""
    path = list(loc)
    if path and path[0] in _PARAM_SOURCES:
        path = path[1:]
    if path and path[0] == "payload":  # the name of the JSON body parameter in every endpoint
        path = path[1:] or ["request body"]
    return path


_PARAM_SOURCES = {"body", "form", "file", "query", "path", "header", "cookie"}


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _detail(request, "Log in, or send an API token as “Authorization: Bearer <token>”.", 401)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = exc.message
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):  # ninja's
        message = "The request body is not valid JSON: send UTF-8 encoded JSON."
    return _detail(request, message, exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _detail(request, str(exc) or "Not found.", 404)


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = human_size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return _detail(request, f"The request body is too large: the limit is {limit}.", 413)


@api.exception_handler(SuspiciousOperation)
def on_suspicious_request(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Too many form fields or files, a malformed multipart body and the like.
    return _detail(request, str(exc) or "The request could not be understood.", 400)


@api.exception_handler(BadRequest)
def on_bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
    return _detail(request, str(exc) or "The request could not be understood.", 400)
