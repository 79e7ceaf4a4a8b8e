"""Two leaders remove each other at the same moment: real threads, real connections.

Runs on SQLite (the default test run) and on PostgreSQL (when DATABASE_URL is set). Without the
row lock both requests would count two leaders and both would succeed, leaving none.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError, close_old_connections, connection

from ensemble.collabs import services
from ensemble.collabs.models import Leadership
from ensemble.core.errors import EnsembleError

pytestmark = pytest.mark.django_db(transaction=True)


def _retry_when_locked(call: Callable[[], Any]) -> Any:
    """SQLite's shared in-memory test database says "locked" at once where a file database
    waits out its busy timeout; wait the same way here, and only in that case."""
    deadline = time.monotonic() + 20
    while True:
        try:
            return call()
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def test_two_leaders_removing_each_other_leave_one_leader(
    make_member: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = make_member(username="ana"), make_member(username="ben")
    collaboration = services.collaboration_create(leader=first, title="In a City")
    services.leader_add(actor=first, collaboration=collaboration, member=second)

    locked = services._leaderships_locked

    def slow(collaboration: Any) -> Any:
        found = locked(collaboration)
        time.sleep(0.3)  # the window in which the other request would count too
        return found

    monkeypatch.setattr(services, "_leaderships_locked", slow)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def remove(actor: Any, member: Any) -> None:
        try:
            barrier.wait()
            collab = type(collaboration).objects.get(pk=collaboration.pk)
            _retry_when_locked(
                lambda: services.leader_remove(actor=actor, collaboration=collab, member=member)
            )
            outcomes.append("removed")
        except EnsembleError as exc:
            outcomes.append(exc.message)
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=remove, args=(first, second)),
        threading.Thread(target=remove, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(outcomes) == 2 and outcomes.count("removed") == 1
    assert Leadership.objects.filter(collaboration=collaboration).count() == 1
