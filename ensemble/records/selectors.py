"""Reads about records: the feed with filters and cursor pagination, a record's history."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ensemble.core.cursors import newest_first_page
from ensemble.core.errors import EnsembleError

from .access import Viewer
from .models import Kind, Record, RecordVersion
from .validation import clean_tags


@dataclass(frozen=True)
class FeedFilters:
    kind: str = ""
    tag: str = ""
    city: str = ""
    author: str = ""  # username
    resolution: int | None = None  # at least this many lines: 2160 for 4K
    codec: str = ""
    camera: str = ""  # part of the camera's make or model
    orientation: str = ""
    never_remixed: bool = False


RESOLUTIONS = [(2160, "4K"), (1080, "1080p+"), (720, "720p+")]


@dataclass(frozen=True)
class FeedPage:
    records: list[Record]
    next_cursor: str | None


def records_visible(*, viewer: Viewer) -> QuerySet[Record]:
    queryset = Record.objects.all()
    if not viewer.is_authenticated:
        return queryset.filter(published=True)
    return queryset.filter(Q(published=True) | Q(author_id=viewer.pk))


def records_feed(
    *, viewer: Viewer, filters: FeedFilters, cursor: str | None = None, limit: int = 24
) -> FeedPage:
    """Newest first, as the home page, a member page and the API list them."""
    if any("\x00" in value for value in vars(filters).values() if isinstance(value, str)):
        raise EnsembleError("A filter contains a NUL character, which is not allowed.")
    queryset = records_visible(viewer=viewer)
    if filters.author:
        queryset = queryset.filter(author__username=filters.author)
    else:  # the public feed shows published work only, even to its author
        queryset = queryset.filter(published=True)
    if filters.kind:
        if filters.kind not in Kind.values:
            raise EnsembleError(f"Unknown kind {filters.kind!r}.", field="kind")
        queryset = queryset.filter(kind=filters.kind)
    for tag in clean_tags(filters.tag):  # "#City Walk" finds what was tagged city-walk
        queryset = queryset.filter(tags__name=tag)
    if filters.city:
        queryset = queryset.filter(city__iexact=filters.city.strip())
    if filters.resolution:
        queryset = queryset.filter(current_version__resolution__gte=filters.resolution)
    if filters.codec:
        queryset = queryset.filter(current_version__codec=filters.codec.strip().lower())
    if filters.camera:
        queryset = queryset.filter(current_version__camera__icontains=filters.camera.strip())
    if filters.orientation:
        queryset = queryset.filter(current_version__orientation=filters.orientation)
    if filters.never_remixed:
        from ensemble.lineage.selectors import records_never_remixed

        queryset = records_never_remixed(queryset)
    rows, next_cursor = newest_first_page(
        queryset.select_related(
            "author", "current_version", "current_version__media_job"
        ).prefetch_related("tags", "current_version__renditions"),
        cursor=cursor,
        limit=limit,
    )
    return FeedPage(records=rows, next_cursor=next_cursor)


def record_versions(*, record: Record) -> QuerySet[RecordVersion]:
    return record.versions.order_by("-number")


def cities_in_use(*, limit: int = 12) -> list[str]:
    rows = (
        Record.objects.filter(published=True)
        .exclude(city="")
        .values_list("city", flat=True)
        .order_by("city")
        .distinct()[:limit]
    )
    return list(rows)


def records_search(*, viewer: Viewer, query: str, limit: int = 10) -> list[Record]:
    """Records a member may build on, for the source picker: title or artist matches."""
    query = query.strip()
    if not query or "\x00" in query:
        return []
    if query.lstrip("#").isdigit():
        matches = Q(pk=int(query.lstrip("#")[:12]))
    else:
        matches = (
            Q(title__icontains=query)
            | Q(author__username__icontains=query)
            | Q(author__display_name__icontains=query)
        )
    return list(
        records_visible(viewer=viewer)
        .filter(matches)
        .select_related("author")
        .order_by("-created_at", "-id")[:limit]
    )
