"""Pools, proposals, comments, adjustments, finalising, the ledger and payouts: the services,
with every refusal leaving nothing changed."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ensemble.core.errors import Conflict, EnsembleError, NotAllowed
from ensemble.notifications.models import Notification
from ensemble.productions import services as productions
from ensemble.royalties import selectors, services
from ensemble.royalties.models import (
    Account,
    Allocation,
    Entry,
    Payout,
    PoolEntry,
    Proposal,
    ProposalLine,
    Snapshot,
    Transaction,
)

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        PoolEntry.objects.count(),
        Transaction.objects.count(),
        Entry.objects.count(),
        Proposal.objects.count(),
        Allocation.objects.count(),
        Payout.objects.count(),
    )


@pytest.fixture
def funded(text_cut: Any, leader: Any) -> Any:
    production = text_cut.production
    services.pool_open(actor=leader, production=production, currency="EUR")
    services.pool_budget_add(
        actor=leader, production=production, amount="100.00", currency="EUR", reason="Budget"
    )
    return text_cut


def _published(cut: Any, leader: Any, **options: Any) -> Proposal:
    proposal = services.proposal_generate(actor=leader, cut=cut, **options)
    return services.proposal_publish(actor=leader, proposal=proposal)


def _weights(proposal: Proposal) -> dict[str, int]:
    return {
        line.member.username: line.weight
        for line in proposal.lines.select_related("member").order_by("position")
    }


def test_profit_enters_the_pool_at_the_community_share(text_cut: Any, leader: Any) -> None:
    production = text_cut.production
    pool = services.pool_open(actor=leader, production=production, currency="JPY")
    entry = services.pool_profit_add(
        actor=leader,
        production=production,
        revenue="10001",
        costs="1000",
        currency="jpy",
        reason="Screenings in March",
    )
    assert (entry.revenue, entry.costs, entry.amount) == (10001, 1000, 4500)  # floor of 4500.5
    loss = services.pool_profit_add(
        actor=leader,
        production=production,
        revenue="10",
        costs="500",
        currency="JPY",
        reason="A quiet month",
    )
    assert loss.amount == 0
    assert selectors.pool_balance(pool=pool) == 4500
    assert selectors.ledger_sums() == {"JPY": 0}


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("-5.00", "EUR", "cannot be negative"),
        ("1.005", "EUR", "at most 2 decimal places"),
        ("12.50", "USD", "in EUR; an amount in USD"),
        ("0", "EUR", "more than zero"),
        ("abc", "EUR", "not an amount"),
        ("10", "XXX", "not a currency"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_changes(
    funded: Any, leader: Any, amount: str, currency: str, message: str
) -> None:
    before = _counts()
    with pytest.raises(EnsembleError, match=message):
        services.pool_budget_add(
            actor=leader,
            production=funded.production,
            amount=amount,
            currency=currency,
            reason="More",
        )
    assert _counts() == before


def test_a_float_amount_is_refused(funded: Any, leader: Any) -> None:
    before = _counts()
    with pytest.raises(EnsembleError, match="text or whole numbers"):
        services.pool_budget_add(
            actor=leader,
            production=funded.production,
            amount=1.5,  # type: ignore[arg-type]
            currency="EUR",
            reason="More",
        )
    assert _counts() == before


def test_the_proposal_weighs_text_uses_the_lineage_and_roles(funded: Any, leader: Any) -> None:
    proposal = services.proposal_generate(actor=leader, cut=funded)
    weights = _weights(proposal)
    # Each subtitle is 5 points; the writer's passes 30% to the poet's poem.
    assert weights["writer"] == 3_500_000
    assert weights["poet"] == 6_500_000
    leader_line = proposal.lines.get(member=leader)
    assert leader_line.is_leader and "production" in leader_line.roles
    assert leader_line.weight == weights["producer"] > 0
    poet = proposal.lines.get(member__username="poet")
    assert poet.breakdown["text_uses"] == 1 and poet.breakdown["upstream_points"] == "1.500"


def test_a_cut_without_credits_gets_no_proposal(funded: Any, leader: Any) -> None:
    empty = productions.cut_create(actor=leader, production=funded.production, name="Empty")
    before = _counts()
    with pytest.raises(EnsembleError, match="credits no artist"):
        services.proposal_generate(actor=leader, cut=empty)
    assert _counts() == before


def test_non_leaders_cannot_edit(funded: Any, leader: Any, people: dict[str, Any]) -> None:
    stranger = people["stranger"]
    proposal = services.proposal_generate(actor=leader, cut=funded)
    line = proposal.lines.get(member__username="poet")
    before = (_counts(), _weights(proposal), Snapshot.objects.count())
    for attempt in (
        lambda: services.proposal_generate(actor=stranger, cut=funded),
        lambda: services.proposal_publish(actor=stranger, proposal=proposal),
        lambda: services.line_adjust(actor=stranger, line=line, weight="100", reason="Me"),
        lambda: services.proposal_hand_back_set(
            actor=stranger, proposal=proposal, hand_back=True, reason="x"
        ),
        lambda: services.pool_budget_add(
            actor=stranger, production=funded.production, amount="1", currency="EUR", reason="x"
        ),
    ):
        with pytest.raises(NotAllowed, match="owner and its collaboration's leaders"):
            attempt()
    assert (_counts(), _weights(proposal), Snapshot.objects.count()) == before


def test_publishing_notifies_every_credited_artist(
    funded: Any, leader: Any, people: dict[str, Any]
) -> None:
    proposal = _published(funded, leader)
    notices = Notification.objects.filter(text__contains="payment proposal")
    told = set(notices.values_list("recipient__username", flat=True))
    assert told == {"poet", "writer"}  # the leader who published is not told of it
    # The notification opens the proposal, where they can read their share and comment.
    assert set(notices.values_list("url", flat=True)) == {f"/royalties/proposals/{proposal.pk}/"}
    assert proposal.state == Proposal.State.PUBLISHED and proposal.published_at is not None
    with pytest.raises(Conflict):
        services.proposal_publish(actor=leader, proposal=proposal)


def test_finalising_before_the_window_ends_is_refused(funded: Any, leader: Any) -> None:
    proposal = _published(funded, leader)
    assert proposal.published_at is not None
    before = _counts()
    with pytest.raises(EnsembleError, match="comment window is open until"):
        services.proposal_finalise(actor=leader, proposal=proposal)
    with pytest.raises(EnsembleError, match="comment window is open until"):
        services.proposal_finalise(
            actor=leader,
            proposal=proposal,
            now=proposal.published_at + timedelta(days=14) - timedelta(seconds=1),
        )
    assert _counts() == before
    assert Proposal.objects.get(pk=proposal.pk).state == Proposal.State.PUBLISHED


def test_weights_that_sum_to_zero_cannot_be_finalised(funded: Any, leader: Any) -> None:
    proposal = _published(funded, leader)
    for line in proposal.lines.all():
        services.line_adjust(actor=leader, line=line, weight="0", reason="Testing zero")
    Proposal.objects.filter(pk=proposal.pk).update(published_at=timezone.now() - timedelta(days=15))
    before = _counts()
    with pytest.raises(EnsembleError, match="sum to zero"):
        services.proposal_finalise(actor=leader, proposal=proposal)
    assert _counts() == before


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        ("-1", "zero or more"),
        ("1.0000001", "six decimal"),
        ("many", "not a weight"),
        ("1e999999999", "too large"),
        ("1e-999999999", "six decimal"),
    ],
)
def test_bad_weights_are_refused(funded: Any, leader: Any, weight: str, message: str) -> None:
    proposal = services.proposal_generate(actor=leader, cut=funded)
    line = proposal.lines.get(member__username="poet")
    with pytest.raises(EnsembleError, match=message):
        services.line_adjust(actor=leader, line=line, weight=weight, reason="Because")
    with pytest.raises(EnsembleError, match="Say why"):
        services.line_adjust(actor=leader, line=line, weight="3", reason="  ")
    assert ProposalLine.objects.get(pk=line.pk).weight == 6_500_000
    assert not line.adjustments.exists()


def test_hand_back_and_changes_after_comments_show_before_and_after(
    funded: Any, leader: Any, people: dict[str, Any]
) -> None:
    proposal = _published(funded, leader)
    services.proposal_comment(author=people["stranger"], proposal=proposal, text="Ben's lines!")
    line = proposal.lines.get(member__username="writer")
    services.line_adjust(actor=leader, line=line, weight="6.5", reason="The lines carry it")
    proposal = services.proposal_hand_back_set(
        actor=leader, proposal=proposal, hand_back=True, reason="Leaders give theirs"
    )
    changes = selectors.proposal_changes(proposal=proposal)
    assert [c.event for c in changes] == [
        "Weight of Ben changed: The lines carry it",
        "Leaders hand back their share: Leaders give theirs",
    ]
    first = {row.name: (row.before, row.after) for row in changes[0].rows}
    assert first["Ben"][1] > first["Ben"][0]
    shares = {row.name: row.percent for row in selectors.proposal_shares(proposal=proposal)}
    assert shares == {"Ana": "50.00", "Ben": "50.00", "Producer": "0.00"}


def test_the_ledger_refuses_changes_in_the_application(funded: Any) -> None:
    entry = Entry.objects.first()
    assert entry is not None
    entry.amount = 1
    with pytest.raises(EnsembleError, match="append-only"):
        entry.save()
    with pytest.raises(EnsembleError, match="append-only"):
        entry.delete()
    with pytest.raises(EnsembleError, match="append-only"):
        Entry.objects.filter(pk=entry.pk).update(amount=5)
    with pytest.raises(EnsembleError, match="append-only"):
        Transaction.objects.all().delete()
    assert Entry.objects.get(pk=entry.pk).amount != 1
    assert selectors.ledger_sums() == {"EUR": 0}


def test_the_database_refuses_changes_on_postgresql(funded: Any) -> None:
    """On PostgreSQL a trigger refuses UPDATE and DELETE even in raw SQL; on SQLite the
    application is the guard (previous test), and raw SQL is not checked."""
    if connection.vendor != "postgresql":
        assert Entry.objects.count() == 2
        return
    entry = Entry.objects.first()
    assert entry is not None
    for sql in (
        "UPDATE royalties_entry SET amount = 0 WHERE id = %s",
        "DELETE FROM royalties_entry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM royalties_transaction")
    assert Entry.objects.get(pk=entry.pk).amount == entry.amount


def test_finalise_pays_exactly_and_a_payout_is_idempotent(funded: Any, leader: Any) -> None:
    proposal = _published(funded, leader)
    Proposal.objects.filter(pk=proposal.pk).update(
        published_at=timezone.now() - timedelta(days=14, seconds=1)
    )
    done = services.proposal_finalise(actor=leader, proposal=proposal)
    assert done.state == Proposal.State.FINALISED and done.amount == 10000
    amounts = dict(done.allocations.values_list("member__username", "amount"))
    assert sum(amounts.values()) == 10000
    # Weights 6.5, 3.5 and 2 points of 12: 5416.67, 2916.67, 1666.67 cents.
    assert amounts == {"poet": 5417, "writer": 2917, "producer": 1666}
    assert selectors.ledger_sums() == {"EUR": 0}
    with pytest.raises(Conflict, match="already finalised"):
        services.proposal_finalise(actor=leader, proposal=done)

    poet = done.allocations.get(member__username="poet").member
    first = services.payout_request(
        member=poet, amount="20.00", currency="EUR", idempotency_key="k1"
    )
    again = services.payout_request(member=poet, amount="20", currency="eur", idempotency_key="k1")
    assert again.pk == first.pk and Payout.objects.count() == 1
    before = _counts()
    with pytest.raises(Conflict, match="different payout"):
        services.payout_request(member=poet, amount="21.00", currency="EUR", idempotency_key="k1")
    with pytest.raises(EnsembleError, match=r"balance is EUR 34.17"):
        services.payout_request(member=poet, amount="34.18", currency="EUR", idempotency_key="k2")
    assert _counts() == before
    assert selectors.member_balances(member=poet) == {"EUR": 3417}
    payable = Account.objects.get(key=f"payable:{poet.pk}:EUR")
    assert payable.entries.count() == 2
