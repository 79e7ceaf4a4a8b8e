"""The HTTP API, mounted at /api/v1/. Every error answers JSON {"detail": "..."} with a 4xx."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ensemble.accounts.api import router as accounts_router
from ensemble.core.errors import EnsembleError
from ensemble.core.uploads import too_large_message, upload_was_too_large
from ensemble.records.api import router as records_router

api = NinjaAPI(
    title="Ensemble API",
    version="1",
    description=(
        "Records, members and tokens of Ensemble. Scripts authenticate with "
        "`Authorization: Bearer <token>` (create tokens under Settings → API tokens); "
        "the browser uses its session and the CSRF token."
    ),
    urls_namespace="api",
)
api.add_router("/", accounts_router)
api.add_router("/records", records_router)


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
        location = ".".join(
            str(p)
            for p in error.get("loc", ())
            if p not in ("body", "form", "query", "path", "payload")
        )
        message = str(error.get("msg", "is not valid"))
        parts.append(f"{location}: {message}" if location else message)
    return _detail(request, "; ".join(parts) or "The request is not valid.", 422, errors=exc.errors)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _detail(request, "Log in, or send an API token as “Authorization: Bearer <token>”.", 401)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _detail(request, exc.message, exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _detail(request, str(exc) or "Not found.", 404)
