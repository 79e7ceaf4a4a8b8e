"""Members and API tokens in the API."""

from ninja import Router, Status

from ensemble.core.api_auth import PUBLIC_READ, ApiRequest, member_auth, optional_auth
from ensemble.core.errors import NotFound
from ensemble.core.schemas import error_responses

from . import selectors, services
from .models import ApiToken
from .schemas import MemberOut, TokenCreated, TokenIn, TokenOut

router = Router(tags=["members"])


_ERRORS = error_responses(400, 401, 403, 404, 422)


@router.get(
    "/members/{username}",
    response={200: MemberOut, **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
)
def member_read(request: ApiRequest, username: str) -> MemberOut:
    member = None if "\x00" in username else selectors.member_by_username(username=username)
    if member is None:
        raise NotFound(f"There is no member called {username!r}.")
    return MemberOut.from_member(member)


@router.get("/me", response={200: MemberOut, **_ERRORS}, auth=member_auth)
def me(request: ApiRequest) -> MemberOut:
    return MemberOut.from_member(request.auth)


@router.get("/tokens", response={200: list[TokenOut], **_ERRORS}, auth=member_auth, tags=["tokens"])
def tokens_list(request: ApiRequest) -> list[TokenOut]:
    return [TokenOut.from_token(t) for t in selectors.api_tokens_of(member=request.auth)]


@router.post("/tokens", response={201: TokenCreated, **_ERRORS}, auth=member_auth, tags=["tokens"])
def token_create(request: ApiRequest, payload: TokenIn) -> Status[TokenCreated]:
    """Create a token. Its secret is in this answer only: store it now."""
    issued = services.api_token_create(
        member=request.auth, name=payload.name, expires_in_days=payload.expires_in_days
    )
    out = TokenOut.from_token(issued.token)
    return Status(201, TokenCreated(**out.dict(), secret=issued.secret))


@router.delete(
    "/tokens/{token_id}", response={200: TokenOut, **_ERRORS}, auth=member_auth, tags=["tokens"]
)
def token_revoke(request: ApiRequest, token_id: int) -> TokenOut:
    token = ApiToken.objects.filter(pk=token_id, member=request.auth).first()
    if token is None:
        raise NotFound("You have no token with that id.")
    return TokenOut.from_token(services.api_token_revoke(token=token))
