"""Helpers for lineage tests: records built on others through the real services."""

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.db import transaction

from ensemble.lineage.services import SourceSpec, source_links_set
from ensemble.records.models import Record, RecordVersion
from tests.factories import text_record


def current(record: Record) -> RecordVersion:
    """The record's current version (every record made by the services has one)."""
    assert record.current_version is not None
    return record.current_version


def build_on(
    author: Any,
    sources: Sequence[Record] = (),
    *,
    role: str = "text",
    title: str = "Remix",
    text: str | None = None,
    licence: str | None = None,
    **fields: Any,
) -> Record:
    """A new text record by `author` built on `sources` (each in `role`), in one transaction."""
    with transaction.atomic():
        record = text_record(author, title=title, text=text or f"{title}\nby {author}", **fields)
        source_links_set(
            version=current(record),
            sources=[SourceSpec(record_id=source.pk, role=role) for source in sources],
            actor=author,
            licence=licence,
        )
    record.refresh_from_db()
    return record


@pytest.fixture
def built_on() -> Callable[..., Record]:
    return build_on
