"""Shared test helpers: collaborations and submissions, media records, token clients."""

import html
from html.parser import HTMLParser
from typing import Any

from django.test import Client

from ensemble.accounts.services import api_token_create
from ensemble.collabs.models import Collaboration, Leadership, Status, Submission
from ensemble.notifications.models import Notification
from ensemble.records.models import Record


def collaboration(leader: Any, *, status: str = Status.OPEN, title: str = "Harbour Film") -> Any:
    """A collaboration led by `leader`, its rows written directly so that these tests depend
    only on the collaboration's visibility rules (collabs.access), not on its workflow."""
    made = Collaboration.objects.create(title=title, status=status, created_by=leader)
    Leadership.objects.create(collaboration=made, member=leader, added_by=leader)
    return made


def submission(collab: Collaboration, record: Record) -> Submission:
    assert record.current_version is not None
    return Submission.objects.create(
        collaboration=collab, record=record, version=record.current_version, member=record.author
    )


def token_client(person: Any) -> Client:
    issued = api_token_create(member=person, name="tests")
    return Client(headers={"Authorization": f"Bearer {issued.secret}"})


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def told(person: Any, kind: str | None = None) -> list[str]:
    """The texts of the notifications `person` got, oldest first (of one kind if given)."""
    rows = Notification.objects.filter(recipient=person).order_by("created_at", "id")
    if kind is not None:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("text", flat=True))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def tags_in(markup: str) -> list[tuple[str, dict[str, str]]]:
    """Every element a browser would build from `markup`, with its attributes."""
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser.tags


def assert_harmless(markup: str) -> None:
    """No script element, no event-handler attribute, no javascript: (or data:) link."""
    for tag, attrs in tags_in(markup):
        assert tag not in {"script", "iframe", "object", "embed", "img", "svg", "style"}, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in {"href", "src", "action", "formaction"}:
                scheme = value.strip().lower().replace("\t", "").replace("\n", "")
                assert not scheme.startswith(("javascript:", "data:", "vbscript:")), value
