"""Reads about members."""

from django.db.models import Count, Q, QuerySet

from .models import ApiToken, Member


def member_by_username(*, username: str) -> Member | None:
    return (
        Member.objects.filter(username=username, is_active=True)
        .annotate(published_records=Count("records", filter=Q(records__published=True)))
        .first()
    )


def api_tokens_of(*, member: Member) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(member=member).order_by("-created_at")
