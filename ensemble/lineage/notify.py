"""Telling artists their work was built on: one notification per source artist and remix."""

from collections.abc import Sequence

from ensemble.accounts.models import Member
from ensemble.notifications.models import Kind
from ensemble.notifications.services import notification_send
from ensemble.records.models import Record

from .models import SourceLink


def remix_notify(*, remix: Record, links: Sequence[SourceLink], actor: Member) -> None:
    """Notify each artist whose record `remix` is built on (not the actor; published only)."""
    if not remix.published or not links:
        return
    sources = (
        Record.objects.filter(pk__in={link.source_record_id for link in links})
        .select_related("author")
        .order_by("pk")
    )
    by_author: dict[int, tuple[Member, list[str]]] = {}
    for source in sources:
        author, titles = by_author.setdefault(source.author_id, (source.author, []))
        titles.append(f"“{source.title}”")
    for author, titles in by_author.values():
        notification_send(
            recipient=author,
            actor=actor,
            kind=Kind.REMIXED,
            text=f"{actor.name} built “{remix.title}” on your {', '.join(titles)}.",
            url=remix.get_absolute_url(),
            subject=remix,
            subject_label=remix.title,
        )
