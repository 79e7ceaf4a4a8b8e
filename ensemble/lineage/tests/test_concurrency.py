"""Two requests that together would close a loop: real threads, real database connections.

Runs on SQLite (the default test run) and on PostgreSQL (when DATABASE_URL is set). Each thread
declares one link; the loop check is slowed down so that, without the lineage lock, both would
check before either wrote and both would succeed.

On PostgreSQL the second request waits on the advisory lock. On SQLite it waits for the write
lock; the test database is SQLite's shared in-memory database, where a busy connection is told
"database table is locked" at once instead of waiting out the busy timeout as a file database
does, so `_as_a_file_database_would` retries the whole request in that one case — the wait a
file database makes — and nothing else.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError, close_old_connections, connection

from ensemble.core.errors import Conflict
from ensemble.lineage import services
from ensemble.lineage.models import SourceLink
from ensemble.lineage.services import SourceSpec, source_links_set
from ensemble.records.services import record_version_add_text
from tests.factories import text_record

from .conftest import build_on, current

pytestmark = pytest.mark.django_db(transaction=True)


def _as_a_file_database_would(call: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + 20
    while True:
        try:
            return call()
        except OperationalError as exc:
            locked = connection.vendor == "sqlite" and "locked" in str(exc)
            if not locked or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _race(monkeypatch: pytest.MonkeyPatch, *calls: Callable[[], Any]) -> list[Any]:
    checked = services.record_path_upstream

    def slow_check(**kwargs: Any) -> Any:
        found = checked(**kwargs)
        time.sleep(0.3)  # the window in which the other request would check too
        return found

    monkeypatch.setattr(services, "record_path_upstream", slow_check)
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = _as_a_file_database_would(call)
        except Exception as exc:  # the outcome is what the test checks
            results[index] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_concurrent_links_that_together_loop_only_one_succeeds(make_member, monkeypatch):
    ann, bo = make_member(username="ann"), make_member(username="bo")
    poem, song = text_record(ann, title="Poem"), text_record(bo, title="Song")
    poem_v2 = record_version_add_text(record=poem, text="Poem, second")
    song_v2 = record_version_add_text(record=song, text="Song, second")

    results = _race(
        monkeypatch,
        lambda: source_links_set(
            version=poem_v2, sources=[SourceSpec(record_id=song.pk, role="text")], actor=ann
        ),
        lambda: source_links_set(
            version=song_v2, sources=[SourceSpec(record_id=poem.pk, role="text")], actor=bo
        ),
    )

    succeeded = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(succeeded) == 1 and len(refused) == 1, results
    assert "lineage cannot loop" in refused[0].message
    assert SourceLink.objects.count() == 1


def test_a_loop_closed_through_a_chain_by_two_concurrent_requests_is_refused(
    make_member, monkeypatch
):
    ann, bo, cy = (make_member(username=name) for name in ("ann", "bo", "cy"))
    start = text_record(ann, title="Start")
    middle = build_on(bo, [start], title="Middle")
    end = text_record(cy, title="End")
    start_v2 = record_version_add_text(record=start, text="Start, second")
    # Together: End → Middle (→ Start) and Start → End would loop through three records.
    results = _race(
        monkeypatch,
        lambda: source_links_set(
            version=current(end),
            sources=[SourceSpec(record_id=middle.pk, role="edit")],
            actor=cy,
        ),
        lambda: source_links_set(
            version=start_v2, sources=[SourceSpec(record_id=end.pk, role="edit")], actor=ann
        ),
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "list"], results
    assert SourceLink.objects.count() == 2  # Middle → Start, and one of the two
