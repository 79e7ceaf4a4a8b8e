from datetime import datetime

from ninja import Schema

from .models import ApiToken, Member


class PersonOut(Schema):
    """A member named in another object: who wrote, leads, submitted, is credited."""

    username: str
    name: str
    url: str

    @staticmethod
    def from_member(member: Member) -> "PersonOut":
        return PersonOut(username=member.username, name=member.name, url=member.get_absolute_url())


class MemberOut(Schema):
    username: str
    name: str
    bio: str
    city: str
    roles: list[str]
    avatar_url: str | None
    url: str
    date_joined: datetime

    @staticmethod
    def from_member(member: Member) -> "MemberOut":
        return MemberOut(
            username=member.username,
            name=member.name,
            bio=member.bio,
            city=member.city,
            roles=member.roles,
            avatar_url=member.avatar.url if member.avatar else None,
            url=member.get_absolute_url(),
            date_joined=member.date_joined,
        )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    active: bool

    @staticmethod
    def from_token(token: ApiToken) -> "TokenOut":
        return TokenOut(
            id=token.pk,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            active=token.is_active,
        )


class TokenIn(Schema):
    name: str
    expires_in_days: int | None = None


class TokenCreated(TokenOut):
    secret: str
