"""Concurrent payouts: real threads, real connections.

Runs on SQLite (the default test run) and on PostgreSQL (when DATABASE_URL is set). Without the
lock on the artist's account row two payouts would both read the same balance and both be paid;
without the unique key, duplicates of one request would pay twice.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError, close_old_connections, connection

from ensemble.core.errors import EnsembleError
from ensemble.royalties import ledger, selectors, services
from ensemble.royalties.models import Account, Payout

pytestmark = pytest.mark.django_db(transaction=True)


def _retry_when_locked(call: Callable[[], Any]) -> Any:
    """SQLite's shared in-memory test database answers "locked" at once where a file database
    would wait out its busy timeout: wait here instead, only in that case."""
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


@pytest.fixture
def owed(make_member: Callable[..., Any], text_cut: Any) -> Any:
    """An artist owed EUR 1.00 (posted from the production's pool)."""
    artist = make_member(username="payee")
    production = text_cut.production
    funding = ledger.account_for(kind=Account.Kind.FUNDING, currency="EUR", production=production)
    pool = ledger.account_for(kind=Account.Kind.POOL, currency="EUR", production=production)
    payable = ledger.account_for(kind=Account.Kind.PAYABLE, currency="EUR", member=artist)
    ledger.transaction_post(memo="fund", lines=[(funding, -100), (pool, 100)])
    ledger.transaction_post(memo="allocate", lines=[(pool, -100), (payable, 100)])
    return artist


def _race(monkeypatch: pytest.MonkeyPatch, calls: list[Callable[[], Any]]) -> list[Any]:
    balance = services.account_balance

    def slow(account: Any) -> int:
        found = balance(account)
        time.sleep(0.2)  # the window in which another request would read the same balance
        return found

    monkeypatch.setattr(services, "account_balance", slow)
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = []

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcomes.append(_retry_when_locked(call))
        except EnsembleError as exc:
            outcomes.append(exc.message)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_concurrent_duplicates_of_one_payout_have_one_effect(
    owed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def pay() -> Any:
        return services.payout_request(
            member=owed, amount="0.40", currency="EUR", idempotency_key="same-request"
        )

    outcomes = _race(monkeypatch, [pay, pay, pay])
    assert len(outcomes) == 3
    assert all(isinstance(outcome, Payout) for outcome in outcomes), outcomes
    assert len({outcome.pk for outcome in outcomes}) == 1
    assert Payout.objects.count() == 1
    assert selectors.member_balances(member=owed) == {"EUR": 60}


def test_concurrent_payouts_never_take_the_balance_below_zero(
    owed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def pay(key: str) -> Callable[[], Any]:
        return lambda: services.payout_request(
            member=owed, amount="0.60", currency="EUR", idempotency_key=key
        )

    outcomes = _race(monkeypatch, [pay("first"), pay("second")])
    paid = [o for o in outcomes if isinstance(o, Payout)]
    refused = [o for o in outcomes if isinstance(o, str)]
    assert len(paid) == 1 and len(refused) == 1, outcomes
    assert "Your balance is EUR 0.40" in refused[0]
    assert selectors.member_balances(member=owed) == {"EUR": 40}
    assert selectors.ledger_sums() == {"EUR": 0}
