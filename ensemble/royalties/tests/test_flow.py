"""The whole revenue share, as a leader and artists live it, on a cut made of real media:
fund → generate → publish → comment → adjust → the window passes → finalise → payout →
statements (CSV, the leaders' view, the public page)."""

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ensemble.lineage.services import SourceSpec
from ensemble.notifications.models import Notification
from ensemble.productions import services as productions
from ensemble.royalties import selectors, services
from ensemble.royalties.models import Proposal
from tests.factories import text_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_ladder")]


def test_fund_propose_comment_adjust_finalise_pay_and_state(
    make_member: Callable[..., Any],
    leader: Any,
    collaboration: Any,
    make_media: Callable[..., Any],
) -> None:
    poet = make_member(username="poet", display_name="=HYPERLINK(1)")  # a hostile name
    musician = make_member(username="musician", display_name="Ben")
    filmmaker = make_member(username="filmmaker", display_name="Cy")
    critic = make_member(username="critic", display_name="Dee")
    poem = text_record(poet, title="Streets", text="walking through my city")
    song = make_media(
        musician,
        "tone",
        title="Walking song",
        sources=[SourceSpec(record_id=poem.pk, role="music")],
    )
    footage = make_media(filmmaker, "clip", title="Cairo")
    production = productions.production_create(
        owner=leader, title="-In a City", collaboration=collaboration
    )
    cut = productions.cut_create(actor=leader, production=production, name="Official")
    productions.clip_add(actor=leader, cut=cut, version=footage.current_version, start=0, end=2)
    productions.bed_set(actor=leader, cut=cut, version=song.current_version, duration=2)

    # Fund: a budget and a profit, in yen (no minor unit).
    services.pool_open(actor=leader, production=production, currency="JPY")
    services.pool_budget_add(
        actor=leader, production=production, amount="100000", currency="JPY", reason="Budget"
    )
    services.pool_profit_add(
        actor=leader,
        production=production,
        revenue="30001",
        costs="10000",
        currency="JPY",
        reason="Festival screenings",
    )

    # Generate and publish.
    proposal = services.proposal_generate(actor=leader, cut=cut, upstream_share_bp=3000)
    weights = dict(proposal.lines.values_list("member__username", "computed_weight"))
    assert weights["filmmaker"] == 2_000_000  # 2 s of footage on screen
    assert weights["musician"] == 700_000  # 2 s of bed at 1/2 point, 70% kept
    assert weights["poet"] == 300_000  # 30% of the song reaches the poem it set to music
    proposal = services.proposal_publish(actor=leader, proposal=proposal)
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert {"poet", "musician", "filmmaker"} <= told

    # Comment, then adjust: the change is shown as a before/after of shares.
    services.proposal_comment(author=critic, proposal=proposal, text="The poem carries the film.")
    poet_line = proposal.lines.get(member=poet)
    services.line_adjust(actor=leader, line=poet_line, weight="1", reason="As the comments say")
    changes = selectors.proposal_changes(proposal=proposal)
    assert len(changes) == 1
    moved = {row.member_id: (row.before, row.after) for row in changes[0].rows}
    assert float(moved[poet.pk][1]) > float(moved[poet.pk][0])

    # The window passes; finalise.
    Proposal.objects.filter(pk=proposal.pk).update(
        published_at=timezone.now() - timedelta(days=proposal.window_days, minutes=1)
    )
    done = services.proposal_finalise(actor=leader, proposal=proposal)
    assert done.amount == 100000 + 10000  # the community half of a 20,001 profit, rounded down
    allocations = list(done.allocations.all())
    assert sum(a.amount for a in allocations) == done.amount
    assert selectors.ledger_sums() == {"JPY": 0}
    assert all(a.currency == "JPY" for a in allocations)

    # Payout: recorded once per key.
    owed = selectors.member_balances(member=filmmaker)["JPY"]
    payout = services.payout_request(
        member=filmmaker, amount=str(owed), currency="JPY", idempotency_key="flow-1"
    )
    assert payout.amount == owed
    assert selectors.member_balances(member=filmmaker) == {"JPY": 0}

    # Statements.
    rows = list(csv.reader(io.StringIO(selectors.statement_csv(member=poet))))
    assert rows[0] == ["production", "cycle", "finalised", "currency", "amount", "share_percent"]
    assert rows[1][0] == "'-In a City"  # formula-injection safe
    poet_amount = next(a.amount for a in allocations if a.member_id == poet.pk)
    assert rows[1][3:5] == ["JPY", str(poet_amount)]
    public = selectors.allocation_public(proposal_id=done.pk)
    assert sum(float(share.percent) for share in public) == pytest.approx(100, abs=0.05)
    assert public[0].name == "Cy"
    view = selectors.allocation_for_leaders(viewer=leader, proposal=done)
    poet_view = next(line for line in view if line.line.member_id == poet.pk)
    assert [a.reason for a in poet_view.adjustments] == ["As the comments say"]
    assert poet_view.amount == poet_amount
    earnings = selectors.member_earnings_by_production(member=poet)
    assert earnings == [("-In a City", "JPY", poet_amount)]


def test_csv_cells_that_look_like_formulas_are_quoted() -> None:
    for text in ("=1+1", "+SUM(A1)", "-2", "@cmd", "\tx"):
        assert selectors.csv_cell(text).startswith("'")
    assert selectors.csv_cell("In a City, at night") == "In a City, at night"
