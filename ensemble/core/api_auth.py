"""API authentication: bearer tokens for scripts, the session (with CSRF) for the browser."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security.http import HttpBearer
from ninja.utils import check_csrf

from ensemble.accounts.services import api_token_authenticate

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ApiRequest(HttpRequest):
    """What endpoints receive: `auth` is the Member (or AnonymousUser on public reads)."""

    auth: Any


class MemberAuth(HttpBearer):
    """A member from `Authorization: Bearer <token>` or from the browser session.

    With `optional=True` anonymous visitors pass as AnonymousUser (for public reads); a token
    that is sent but unknown, expired or revoked is refused either way.
    """

    def __init__(self, *, optional: bool = False) -> None:
        super().__init__()
        self.optional = optional

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization")
        if header:
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                raise HttpError(401, "Send the token as “Authorization: Bearer <token>”.")
            return self.authenticate(request, secret.strip())
        if request.user.is_authenticated:
            if request.method not in _SAFE_METHODS and check_csrf(request) is not None:
                raise HttpError(403, "CSRF check failed: reload the page and try again.")
            return request.user
        return AnonymousUser() if self.optional else None

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        member = api_token_authenticate(secret=token)
        if member is None:
            raise HttpError(401, "This API token is unknown, expired or revoked.")
        request.user = member
        return member


member_auth = MemberAuth()
optional_auth = MemberAuth(optional=True)

# `openapi_extra` for endpoints with `optional_auth`. Ninja lists the token as required; it
# appends this empty requirement `{}`, which in OpenAPI says callers without one are welcome.
PUBLIC_READ: dict[str, Any] = {"security": [{}]}
