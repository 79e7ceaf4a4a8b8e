"""Writes about members: profiles, avatars and API tokens."""

from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from ensemble.core.errors import EnsembleError, UnsupportedMedia
from ensemble.core.images import ImageRefused, reencode_avatar
from ensemble.core.text import clean_line, clean_text

from .models import ApiToken, Member, Role
from .tokens import digest, new_secret


@transaction.atomic
def profile_update(
    *,
    member: Member,
    display_name: str,
    bio: str,
    city: str,
    roles: list[str],
    email_notifications: bool | None = None,
) -> Member:
    """Save the profile; `email_notifications` None leaves the e-mail preference as it is."""
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise EnsembleError(f"Unknown role: {', '.join(unknown)}.", field="roles")
    member.display_name = clean_line(
        display_name, field="display_name", label="Name", max_length=80
    )
    member.bio = clean_text(bio, field="bio", label="Bio", max_length=2000)
    member.city = clean_line(city, field="city", label="City", max_length=80)
    member.roles = [role for role in Role.values if role in roles]
    fields = ["display_name", "bio", "city", "roles"]
    if email_notifications is not None:
        member.email_notifications = email_notifications
        fields.append("email_notifications")
    member.save(update_fields=fields)
    return member


@transaction.atomic
def avatar_set(*, member: Member, upload: IO[bytes]) -> Member:
    """Store the avatar re-encoded by Pillow: orientation applied, all metadata stripped."""
    try:
        data = reencode_avatar(upload)
    except ImageRefused as exc:
        raise UnsupportedMedia(str(exc), field="avatar") from exc
    old_name = member.avatar.name if member.avatar else ""
    member.avatar.save(f"avatar-{timezone.now():%Y%m%d%H%M%S}.webp", ContentFile(data), save=True)
    if old_name and old_name != member.avatar.name:
        storage = member.avatar.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return member


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the member once, never stored


def api_token_create(
    *, member: Member, name: str, expires_in_days: int | None = None
) -> IssuedToken:
    name = clean_line(name, field="name", label="The token name", max_length=80)
    if not name:
        raise EnsembleError("Give the token a name, so you know later what uses it.", field="name")
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise EnsembleError("A token can expire after 1 to 3650 days.", field="expires_in_days")
    secret = new_secret()
    token = ApiToken.objects.create(
        member=member,
        name=name,
        prefix=secret[:12],
        key_hash=digest(secret),
        expires_at=(timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None),
    )
    return IssuedToken(token=token, secret=secret)


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, secret: str) -> Member | None:
    """The active member behind a token secret, or None for unknown, expired or revoked."""
    token = (
        ApiToken.objects.select_related("member")
        .filter(key_hash=digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.is_active or not token.member.is_active:
        return None
    now = timezone.now()
    # Record use at most once a minute, so busy scripts do not write on every request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.member
