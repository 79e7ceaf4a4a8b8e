"""A record remixed 1,200 times: its page and API answer with the same queries as with two."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ensemble.lineage.models import Role, SourceLink
from ensemble.records.models import Kind, Record, RecordVersion
from tests.factories import text_record

pytestmark = pytest.mark.django_db


def _remix_many(source: Record, remixers: list, count: int) -> None:
    """`count` published text records built on `source`, written in bulk."""
    records = Record.objects.bulk_create(
        Record(author=remixers[n % len(remixers)], kind=Kind.TEXT, title=f"Remix {n}")
        for n in range(count)
    )
    versions = RecordVersion.objects.bulk_create(
        RecordVersion(
            record=record,
            number=1,
            text=f"remix {record.pk}",
            sha256=hashlib.sha256(f"remix {record.pk}".encode()).hexdigest(),
        )
        for record in records
    )
    for record, version in zip(records, versions, strict=True):
        record.current_version = version
    Record.objects.bulk_update(records, ["current_version"])
    assert source.current_version is not None
    SourceLink.objects.bulk_create(
        SourceLink(
            version=version,
            record=record,
            source_version=source.current_version,
            source_record=source,
            version_number=1,
            source_version_number=source.current_version.number,
            role=Role.TRANSLATION,
        )
        for record, version in zip(records, versions, strict=True)
    )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_a_record_remixed_1200_times_renders_with_a_bounded_number_of_queries(
    client, member, make_member
):
    remixers = [make_member(username=f"remixer{n}") for n in range(12)]
    quiet = text_record(member, title="Quiet poem")
    famous = text_record(member, title="Famous poem")
    _remix_many(quiet, remixers, 2)
    _remix_many(famous, remixers, 1200)

    for path in ("/records/{pk}/", "/api/v1/records/{pk}/lineage", "/records/{pk}/lineage/"):
        few = _queries(client, path.format(pk=quiet.pk))
        many = _queries(client, path.format(pk=famous.pk))
        assert many <= few + 1, (path, few, many)  # +1: the count when the walk is capped

    page = client.get(famous.get_absolute_url()).content.decode()
    assert 'Remixed in <span class="count">1200</span>' in page
    assert "and 1188 more" in page
