"""Keyset pagination, newest first, on (created_at, id): no OFFSET, no COUNT, stable pages."""

import base64
import binascii
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from .errors import EnsembleError

M = TypeVar("M", bound=Model)

MAX_PAGE = 100  # rows a page may hold, whatever the caller asks for


def newest_first_page(
    queryset: QuerySet[M], *, cursor: str | None, limit: int
) -> tuple[list[M], str | None]:
    """A page of rows after `cursor`, and the cursor of the next page (None at the end).
    `limit` is held between 1 and MAX_PAGE."""
    limit = min(max(limit, 1), MAX_PAGE)
    if cursor:
        created_at, pk = cursor_decode(cursor)
        queryset = queryset.filter(
            Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)
        )
    rows = list(queryset.order_by("-created_at", "-id")[: limit + 1])
    next_cursor = cursor_encode(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def cursor_encode(row: Any) -> str:
    raw = f"{row.created_at.isoformat()}|{row.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None:  # every cursor we hand out carries its offset
            raise ValueError("naive datetime")
        return moment.astimezone(UTC), int(pk)
    except (ValueError, OverflowError, binascii.Error, UnicodeError) as exc:
        raise EnsembleError(
            "That page cursor is not valid; start from the first page.", field="cursor"
        ) from exc
