"""The revenue-share page forms: a production's pool and proposals, a proposal's adjustments,
hand back, publishing, finalising and comments, and payouts on the earnings page.

Every refusal answers with a 4xx and the service's message rendered in the page, and leaves
everything stored as it was; every success redirects.
"""

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.utils import timezone

from ensemble.notifications.models import Notification
from ensemble.productions import services as productions
from ensemble.productions.models import Production
from ensemble.royalties import selectors, services
from ensemble.royalties.models import (
    Account,
    Adjustment,
    Allocation,
    Entry,
    Payout,
    Pool,
    PoolEntry,
    Proposal,
    ProposalComment,
    ProposalLine,
    Snapshot,
    Transaction,
)

pytestmark = pytest.mark.django_db


def _client(member: Any) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _text(response: Any) -> str:
    """The page as a person reads it (entities decoded)."""
    return html.unescape(response.content.decode())


def _stored() -> dict[str, Any]:
    """Everything a refused form could have changed."""
    return {
        "pools": list(Pool.objects.values_list("pk", "currency", "community_share_bp")),
        "entries": PoolEntry.objects.count(),
        "transactions": Transaction.objects.count(),
        "ledger": Entry.objects.count(),
        "accounts": Account.objects.count(),
        "proposals": list(
            Proposal.objects.order_by("pk").values_list(
                "pk", "state", "leaders_hand_back", "published_at", "finalised_at", "amount"
            )
        ),
        "weights": list(ProposalLine.objects.order_by("pk").values_list("pk", "weight")),
        "adjustments": Adjustment.objects.count(),
        "snapshots": Snapshot.objects.count(),
        "comments": ProposalComment.objects.count(),
        "allocations": Allocation.objects.count(),
        "payouts": Payout.objects.count(),
    }


def _refused(response: Any, status: int, message: str) -> None:
    assert response.status_code == status, (response.status_code, _text(response)[:2000])
    assert message in _text(response), _text(response)[-4000:]


@pytest.fixture
def production(text_cut: Any) -> Production:
    return text_cut.production


@pytest.fixture
def funded(text_cut: Any, leader: Any) -> Production:
    production = text_cut.production
    services.pool_open(actor=leader, production=production, currency="EUR")
    services.pool_budget_add(
        actor=leader, production=production, amount="100.00", currency="EUR", reason="Budget"
    )
    return production


@pytest.fixture
def draft(funded: Production, text_cut: Any, leader: Any) -> Proposal:
    return services.proposal_generate(actor=leader, cut=text_cut)


@pytest.fixture
def published(draft: Proposal, leader: Any) -> Proposal:
    return services.proposal_publish(actor=leader, proposal=draft)


def _window_passed(proposal: Proposal) -> None:
    Proposal.objects.filter(pk=proposal.pk).update(
        published_at=timezone.now() - timedelta(days=proposal.window_days, minutes=1)
    )


@pytest.fixture
def paid(published: Proposal, leader: Any) -> Proposal:
    """Finalised: the poet and the writer have a balance in EUR."""
    _window_passed(published)
    return services.proposal_finalise(actor=leader, proposal=published)


def _revenue(production: Production) -> str:
    return f"/royalties/productions/{production.pk}/"


def _proposal(proposal: Proposal) -> str:
    return f"/royalties/proposals/{proposal.pk}/"


# The revenue page ---------------------------------------------------------------------------


def test_the_production_page_links_its_leaders_to_the_revenue_page(
    production: Production, leader: Any
) -> None:
    page = _client(leader).get(f"/productions/{production.pk}/")
    assert _revenue(production) in page.content.decode()


def test_the_revenue_page_is_for_the_production_leaders_only(
    production: Production, leader: Any, people: dict[str, Any]
) -> None:
    page = _client(leader).get(_revenue(production))
    assert page.status_code == 200
    assert "Open the pool" in _text(page)
    # A draft production is not found by others; a released one is refused.
    _refused(_client(people["poet"]).get(_revenue(production)), 404, "There is no such production")
    Production.objects.filter(pk=production.pk).update(release_at=timezone.now())
    _refused(
        _client(people["poet"]).get(_revenue(production)),
        403,
        "Only the production's owner and its collaboration's leaders can do that.",
    )
    assert Client().get(_revenue(production)).status_code == 302  # to log in


def test_a_leader_opens_the_pool_in_percent(production: Production, leader: Any) -> None:
    client = _client(leader)
    answer = client.post(
        _revenue(production) + "pool/",
        {"pool-currency": "JPY", "pool-community_share": "62.5"},
    )
    assert answer.status_code == 302 and answer["Location"] == _revenue(production)
    pool = Pool.objects.get(production=production)
    assert (pool.currency, pool.community_share_bp) == ("JPY", 6250)
    page = _text(client.get(_revenue(production)))
    assert "The pool is open, in JPY: 62.5 %" in page and "JPY 0" in page
    _refused(
        client.post(
            _revenue(production) + "pool/",
            {"pool-currency": "EUR", "pool-community_share": "50"},
        ),
        409,
        "This production already has a pool.",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pool-currency": "EUR", "pool-community_share": "150"}, "percentage from 0 to 100"),
        ({"pool-currency": "EUR", "pool-community_share": "-1"}, "percentage from 0 to 100"),
        ({"pool-currency": "EUR", "pool-community_share": "12.345"}, "at most two decimal"),
        ({"pool-currency": "EUR", "pool-community_share": "half"}, "such as 30 or 12.5"),
        ({"pool-currency": "EUR", "pool-community_share": "1e999999999"}, "such as 30 or 12.5"),
        ({"pool-currency": "XXX", "pool-community_share": "50"}, "“XXX” is not a currency"),
    ],
)
def test_a_bad_pool_is_refused(
    production: Production, leader: Any, data: dict[str, str], message: str
) -> None:
    before = _stored()
    _refused(_client(leader).post(_revenue(production) + "pool/", data), 400, message)
    assert _stored() == before


def test_a_budget_and_a_profit_enter_the_pool_with_who_when_and_why(
    funded: Production, leader: Any
) -> None:
    client = _client(leader)
    answer = client.post(
        _revenue(funded) + "pool/budget/",
        {"budget-amount": "1,200.50", "budget-currency": "EUR", "budget-reason": "Festival grant"},
    )
    assert answer.status_code == 302
    answer = client.post(
        _revenue(funded) + "pool/profit/",
        {
            "profit-revenue": "300",
            "profit-costs": "100.01",
            "profit-currency": "eur",
            "profit-reason": "Screenings, March",
        },
    )
    assert answer.status_code == 302
    entry = PoolEntry.objects.get(kind="profit")
    assert (entry.revenue, entry.costs, entry.amount) == (30000, 10001, 9999)  # half, rounded down
    page = client.get(_revenue(funded))
    text = _text(page)
    assert "EUR 1,400.49" in text  # 100 + 1,200.50 + 99.99
    assert "Festival grant" in text and "Screenings, March" in text
    assert "EUR 300.00 revenue minus EUR 100.01 costs, 50 % to the artists" in text
    assert text.count(leader.name) >= 3  # who added each of the three entries


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"budget-amount": "-5", "budget-reason": "x"}, "An amount cannot be negative."),
        ({"budget-amount": "1.005", "budget-reason": "x"}, "EUR amounts have at most 2 decimal"),
        ({"budget-amount": "0", "budget-reason": "x"}, "A budget must be more than zero."),
        ({"budget-amount": "ten", "budget-reason": "x"}, "“ten” is not an amount of money."),
        ({"budget-amount": "1e999999999", "budget-reason": "x"}, "Write it in plain digits"),
        ({"budget-amount": "10", "budget-reason": "  "}, "Say why, in a few words."),
        (
            {"budget-amount": "10", "budget-currency": "USD", "budget-reason": "x"},
            "This pool is in EUR; an amount in USD cannot enter it.",
        ),
    ],
)
def test_a_bad_budget_is_refused_and_nothing_changes(
    funded: Production, leader: Any, data: dict[str, str], message: str
) -> None:
    data = {"budget-currency": "EUR", **data}
    before = _stored()
    answer = _client(leader).post(_revenue(funded) + "pool/budget/", data)
    _refused(answer, 400, message)
    assert 'class="field field-error"' in answer.content.decode()  # next to its field
    assert _stored() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"profit-revenue": "-300", "profit-costs": "0"}, "An amount cannot be negative."),
        ({"profit-revenue": "300", "profit-costs": "0.001"}, "at most 2 decimal places"),
        (
            {"profit-revenue": "300", "profit-costs": "0", "profit-currency": "GBP"},
            "This pool is in EUR; an amount in GBP cannot enter it.",
        ),
    ],
)
def test_a_bad_profit_is_refused_and_nothing_changes(
    funded: Production, leader: Any, data: dict[str, str], message: str
) -> None:
    data = {"profit-currency": "EUR", "profit-reason": "Screenings", **data}
    before = _stored()
    _refused(_client(leader).post(_revenue(funded) + "pool/profit/", data), 400, message)
    assert _stored() == before


def test_money_before_the_pool_is_open_is_refused(production: Production, leader: Any) -> None:
    before = _stored()
    _refused(
        _client(leader).post(
            _revenue(production) + "pool/budget/",
            {"budget-amount": "10", "budget-currency": "EUR", "budget-reason": "x"},
        ),
        400,
        "Open the production's pool first, in its currency.",
    )
    assert _stored() == before


def test_artists_cannot_fund_or_propose(
    funded: Production, text_cut: Any, people: dict[str, Any]
) -> None:
    Production.objects.filter(pk=funded.pk).update(release_at=timezone.now())
    client = _client(people["writer"])
    before = _stored()
    budget = {"budget-amount": "10", "budget-currency": "EUR", "budget-reason": "x"}
    message = "Only the production's owner and its collaboration's leaders can do that."
    _refused(client.post(_revenue(funded) + "pool/budget/", budget), 403, message)
    proposal = {"proposal-cut": str(text_cut.pk), "proposal-window_days": "14"}
    _refused(client.post(_revenue(funded) + "proposals/", proposal), 403, message)
    assert _stored() == before


def test_a_leader_generates_a_proposal_from_a_cut(
    funded: Production, text_cut: Any, leader: Any
) -> None:
    client = _client(leader)
    page = _text(client.get(_revenue(funded)))
    assert f'<option value="{text_cut.pk}">Official</option>' in page
    answer = client.post(
        _revenue(funded) + "proposals/",
        {
            "proposal-cut": str(text_cut.pk),
            "proposal-upstream_share": "20",
            "proposal-window_days": "7",
        },
    )
    proposal = Proposal.objects.get()
    assert answer.status_code == 302 and answer["Location"] == _proposal(proposal)
    assert (proposal.upstream_share_bp, proposal.window_days, proposal.state) == (2000, 7, "draft")
    listed = _text(client.get(_revenue(funded)))
    assert _proposal(proposal) in listed and "Draft" in listed


def test_bad_proposal_settings_are_refused(
    funded: Production, text_cut: Any, leader: Any, make_member: Any
) -> None:
    other = productions.production_create(owner=leader, title="Elsewhere")
    elsewhere = productions.cut_create(actor=leader, production=other, name="Other")
    cases = [
        ({"proposal-upstream_share": "101"}, 400, "The upstream share is a percentage from 0"),
        ({"proposal-window_days": "0"}, 400, "The comment window is at least one day."),
        ({"proposal-window_days": "two weeks"}, 400, "a whole number of days"),
        ({"proposal-cut": "nope"}, 400, "Choose one of this production's cuts."),
        ({"proposal-cut": "9" * 30}, 400, "Choose one of this production's cuts."),
        ({"proposal-cut": "²"}, 400, "Choose one of this production's cuts."),
        ({"proposal-window_days": "²"}, 400, "a whole number of days"),
        ({"proposal-cut": str(elsewhere.pk)}, 404, "Choose one of this production's cuts."),
        ({"proposal-cut": "999999"}, 404, "There is no such cut"),
    ]
    client = _client(leader)
    before = _stored()
    for data, status, message in cases:
        payload = {
            "proposal-cut": str(text_cut.pk),
            "proposal-upstream_share": "30",
            "proposal-window_days": "14",
            **data,
        }
        _refused(client.post(_revenue(funded) + "proposals/", payload), status, message)
    assert _stored() == before


def test_a_proposal_needs_an_open_pool(production: Production, text_cut: Any, leader: Any) -> None:
    before = _stored()
    _refused(
        _client(leader).post(
            _revenue(production) + "proposals/",
            {
                "proposal-cut": str(text_cut.pk),
                "proposal-upstream_share": "30",
                "proposal-window_days": "14",
            },
        ),
        400,
        "Open the production's pool before proposing how to share it.",
    )
    assert _stored() == before


# The proposal page --------------------------------------------------------------------------


def test_a_leader_adjusts_a_weight_with_a_reason(
    draft: Proposal, leader: Any, people: dict[str, Any]
) -> None:
    client = _client(leader)
    page = _text(client.get(_proposal(draft)))
    assert "Adjust a weight" in page and "Publish for comments" in page
    writer = people["writer"]
    answer = client.post(
        _proposal(draft) + "weight/",
        {"weight-member": str(writer.pk), "weight-weight": "12.5", "weight-reason": "Carries it"},
    )
    assert answer.status_code == 302
    line = draft.lines.get(member=writer)
    assert line.weight == 12_500_000
    assert list(Adjustment.objects.values_list("new_weight", "reason")) == [
        (12_500_000, "Carries it")
    ]
    page = _text(client.get(_proposal(draft)))
    assert "Ben's weight is now 12.5 points." in page
    assert "→ 12.5 points: Carries it" in page


@pytest.mark.parametrize(
    ("weight", "reason", "message"),
    [
        ("-1", "Less", "A weight is zero or more."),
        ("1.0000001", "Fine", "A weight has at most six decimal places."),
        ("lots", "More", "“lots” is not a weight."),
        ("1e999999999", "More", "Write it in plain digits, such as 4.5."),
        ("3", "", "Say why, in a few words."),
    ],
)
def test_a_bad_weight_is_refused_and_nothing_changes(
    draft: Proposal, leader: Any, people: dict[str, Any], weight: str, reason: str, message: str
) -> None:
    before = _stored()
    data = {
        "weight-member": str(people["writer"].pk),
        "weight-weight": weight,
        "weight-reason": reason,
    }
    _refused(_client(leader).post(_proposal(draft) + "weight/", data), 400, message)
    assert _stored() == before


def test_a_weight_for_someone_without_a_line_is_refused(
    draft: Proposal, leader: Any, people: dict[str, Any]
) -> None:
    before = _stored()
    data = {"weight-member": str(people["stranger"].pk), "weight-weight": "1", "weight-reason": "x"}
    _refused(
        _client(leader).post(_proposal(draft) + "weight/", data),
        404,
        "That artist has no line in this proposal.",
    )
    assert _stored() == before


@pytest.mark.parametrize("member", ["", "someone", "9" * 30, "²"])
def test_a_weight_for_no_artist_is_refused(draft: Proposal, leader: Any, member: str) -> None:
    before = _stored()
    data = {"weight-member": member, "weight-weight": "1", "weight-reason": "x"}
    _refused(
        _client(leader).post(_proposal(draft) + "weight/", data),
        400,
        "Choose the artist whose weight changes.",
    )
    assert _stored() == before


def test_non_leaders_cannot_change_a_proposal(
    draft: Proposal, leader: Any, people: dict[str, Any]
) -> None:
    client = _client(people["writer"])
    weight = {
        "weight-member": str(people["writer"].pk),
        "weight-weight": "99",
        "weight-reason": "x",
    }
    hand_back = {"handback-hand_back": "1", "handback-reason": "x"}
    before = _stored()
    # A draft is not found by artists.
    for action, data in [("weight/", weight), ("hand-back/", hand_back), ("publish/", {})]:
        _refused(client.post(_proposal(draft) + action, data), 404, "not published yet")
    services.proposal_publish(actor=leader, proposal=draft)
    before = _stored()
    page = _text(client.get(_proposal(draft)))
    assert "Adjust a weight" not in page and "Finalise" not in page
    message = "Only the production's owner and its collaboration's leaders can do that."
    for action, data in [
        ("weight/", weight),
        ("hand-back/", hand_back),
        ("publish/", {}),
        ("finalise/", {}),
    ]:
        _refused(client.post(_proposal(draft) + action, data), 403, message)
    assert _stored() == before


def test_leaders_hand_their_share_back_and_keep_it_again(draft: Proposal, leader: Any) -> None:
    client = _client(leader)
    page = _text(client.get(_proposal(draft)))
    assert "Hand our share back" in page
    answer = client.post(
        _proposal(draft) + "hand-back/",
        {"handback-hand_back": "1", "handback-reason": "We were paid"},
    )
    assert answer.status_code == 302
    draft.refresh_from_db()
    assert draft.leaders_hand_back is True
    page = _text(client.get(_proposal(draft)))
    assert "The leaders' share now goes to the other artists." in page
    assert "Keep our share" in page and "handed back" in page
    client.post(
        _proposal(draft) + "hand-back/", {"handback-hand_back": "0", "handback-reason": "Oops"}
    )
    draft.refresh_from_db()
    assert draft.leaders_hand_back is False


def test_a_hand_back_without_a_reason_is_refused(draft: Proposal, leader: Any) -> None:
    before = _stored()
    _refused(
        _client(leader).post(_proposal(draft) + "hand-back/", {"handback-hand_back": "1"}),
        400,
        "Say why, in a few words.",
    )
    assert _stored() == before


def test_publishing_shows_the_window_end_and_tells_the_artists(
    draft: Proposal, leader: Any
) -> None:
    client = _client(leader)
    answer = client.post(_proposal(draft) + "publish/")
    assert answer.status_code == 302
    draft.refresh_from_db()
    assert draft.state == "published" and draft.published_at is not None
    ends = draft.published_at + timedelta(days=14)
    page = _text(client.get(_proposal(draft)))
    assert f"comments are open until {ends:%Y-%m-%d %H:%M} UTC" in page
    assert f"Finalising opens on {ends:%-d %b %Y, %H:%M} UTC" in page
    assert re.search(r"<button[^>]*disabled[^>]*>Finalise</button>", page)
    assert Notification.objects.filter(recipient__username="poet").exists()
    before = _stored()
    _refused(client.post(_proposal(draft) + "publish/"), 409, "This proposal is already published.")
    assert _stored() == before


def test_finalising_early_is_refused_by_the_server(published: Proposal, leader: Any) -> None:
    before = _stored()
    _refused(
        _client(leader).post(_proposal(published) + "finalise/"),
        400,
        "The comment window is open until",
    )
    assert _stored() == before


def test_finalising_a_draft_is_refused(draft: Proposal, leader: Any) -> None:
    before = _stored()
    _refused(
        _client(leader).post(_proposal(draft) + "finalise/"),
        400,
        "Publish the proposal and let the comment window pass first.",
    )
    assert _stored() == before


def test_weights_that_sum_to_zero_are_not_finalised(published: Proposal, leader: Any) -> None:
    client = _client(leader)
    for line in published.lines.all():
        answer = client.post(
            _proposal(published) + "weight/",
            {"weight-member": str(line.member_id), "weight-weight": "0", "weight-reason": "Zero"},
        )
        assert answer.status_code == 302  # a zero weight is allowed on its own
    _window_passed(published)
    before = _stored()
    _refused(
        client.post(_proposal(published) + "finalise/"),
        400,
        "The weights sum to zero: give someone a weight before finalising.",
    )
    assert _stored() == before


def test_a_leader_finalises_after_the_window(
    published: Proposal, leader: Any, people: dict[str, Any]
) -> None:
    _window_passed(published)
    client = _client(leader)
    page = _text(client.get(_proposal(published)))
    assert "Finalise and share the pool" in page
    answer = client.post(_proposal(published) + "finalise/")
    assert answer.status_code == 302
    published.refresh_from_db()
    assert published.state == "finalised" and published.amount == 10000
    page = _text(client.get(_proposal(published)))
    assert "Finalised: EUR 100.00 is shared among" in page
    assert f"/royalties/allocations/{published.pk}/" in page
    assert "Adjust a weight" not in page
    before = _stored()
    data = {"weight-member": str(people["writer"].pk), "weight-weight": "1", "weight-reason": "x"}
    _refused(
        client.post(_proposal(published) + "weight/", data),
        409,
        "This proposal is finalised; it can no longer change.",
    )
    _refused(client.post(_proposal(published) + "finalise/"), 409, "already finalised")
    assert _stored() == before


def test_changes_after_publishing_show_before_and_after(
    published: Proposal, leader: Any, people: dict[str, Any]
) -> None:
    client = _client(leader)
    client.post(
        _proposal(published) + "weight/",
        {
            "weight-member": str(people["poet"].pk),
            "weight-weight": "20",
            "weight-reason": "The poem",
        },
    )
    page = _text(_client(people["stranger"]).get(_proposal(published)))
    assert "Changes since publishing" in page
    assert "Weight of Ana changed: The poem" in page
    assert re.search(r"Ana: [\d.]+ % → [\d.]+ %", re.sub(r"<[^>]+>", "", page))


# Comments -----------------------------------------------------------------------------------


def test_any_member_comments_on_a_published_proposal(
    published: Proposal, people: dict[str, Any]
) -> None:
    client = _client(people["stranger"])
    page = _text(client.get(_proposal(published)))
    assert 'name="comment-text"' in page
    answer = client.post(_proposal(published) + "comments/", {"comment-text": "Fair <b>split</b>"})
    comment = ProposalComment.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"{_proposal(published)}#comment-{comment.pk}"
    page = client.get(_proposal(published)).content.decode()
    assert "Fair &lt;b&gt;split&lt;/b&gt;" in page


def test_bad_comments_are_refused(draft: Proposal, leader: Any, people: dict[str, Any]) -> None:
    client = _client(people["stranger"])
    before = _stored()
    # A draft is hidden from members who do not lead the production.
    _refused(
        client.post(_proposal(draft) + "comments/", {"comment-text": "Hi"}), 404, "not published"
    )
    # Its leaders cannot comment before publishing either.
    _refused(
        _client(leader).post(_proposal(draft) + "comments/", {"comment-text": "Hi"}),
        400,
        "Comments are open while a proposal is published.",
    )
    services.proposal_publish(actor=leader, proposal=draft)
    before = _stored()
    _refused(
        client.post(_proposal(draft) + "comments/", {"comment-text": "   "}),
        400,
        "A comment needs some text.",
    )
    _refused(
        client.post(_proposal(draft) + "comments/", {"comment-text": "x" * 5001}),
        400,
        "Keep a comment under 5000 characters.",
    )
    assert _stored() == before
    answer = Client().post(_proposal(draft) + "comments/", {"comment-text": "Anonymous"})
    assert answer.status_code == 302 and answer["Location"].startswith(
        resolve_url(settings.LOGIN_URL)
    )
    assert _stored() == before


def test_comments_close_when_the_proposal_is_finalised(
    paid: Proposal, people: dict[str, Any]
) -> None:
    client = _client(people["stranger"])
    assert 'name="comment-text"' not in client.get(_proposal(paid)).content.decode()
    before = _stored()
    _refused(
        client.post(_proposal(paid) + "comments/", {"comment-text": "Late"}),
        400,
        "Comments are open while a proposal is published.",
    )
    assert _stored() == before


# Payouts ------------------------------------------------------------------------------------


def _payout_key(page: Any) -> str:
    found = re.search(r'name="payout-key" value="([^"]+)"', page.content.decode())
    assert found, "no idempotency key in the payout form"
    return found[1]


def test_a_payout_form_sent_twice_pays_once(paid: Proposal, people: dict[str, Any]) -> None:
    poet = people["poet"]
    client = _client(poet)
    page = client.get("/royalties/earnings/")
    key = _payout_key(page)
    assert key != _payout_key(client.get("/royalties/earnings/"))  # a new key per form shown
    assert '<option value="EUR">EUR</option>' in page.content.decode()
    owed = selectors.member_balances(member=poet)["EUR"]
    data = {"payout-amount": "1.00", "payout-currency": "EUR", "payout-key": key}
    first = client.post("/royalties/earnings/payouts/", data)
    second = client.post("/royalties/earnings/payouts/", data)
    assert first.status_code == second.status_code == 302
    assert Payout.objects.filter(member=poet).count() == 1
    assert selectors.member_balances(member=poet)["EUR"] == owed - 100
    text = _text(client.get("/royalties/earnings/"))
    assert "A payout of EUR 1.00 is recorded." in text
    assert "That payout of EUR 1.00 was already recorded, once." in text
    assert "Recorded" in text  # in the list of payouts


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("-1", "EUR", "An amount cannot be negative."),
        ("0.001", "EUR", "EUR amounts have at most 2 decimal places"),
        ("0", "EUR", "A payout must be more than zero."),
        ("1.00", "USD", "Your balance is USD 0.00: USD 1.00 cannot be paid out."),
        ("1.00", "ZZZ", "“ZZZ” is not a currency Ensemble accepts"),
        ("100000", "EUR", "cannot be paid out."),
        ("1e999999999", "EUR", "Write it in plain digits, such as 50.00."),
    ],
)
def test_a_bad_payout_is_refused_and_nothing_changes(
    paid: Proposal, people: dict[str, Any], amount: str, currency: str, message: str
) -> None:
    client = _client(people["poet"])
    key = _payout_key(client.get("/royalties/earnings/"))
    before = _stored()
    data = {"payout-amount": amount, "payout-currency": currency, "payout-key": key}
    answer = client.post("/royalties/earnings/payouts/", data)
    _refused(answer, 400, message)
    assert _payout_key(answer) == key  # nothing was recorded: the same form may be sent again
    assert _stored() == before


def test_an_old_payout_form_sent_with_another_amount_is_refused(
    paid: Proposal, people: dict[str, Any]
) -> None:
    client = _client(people["poet"])
    key = _payout_key(client.get("/royalties/earnings/"))
    client.post(
        "/royalties/earnings/payouts/",
        {"payout-amount": "1.00", "payout-currency": "EUR", "payout-key": key},
    )
    before = _stored()
    answer = client.post(
        "/royalties/earnings/payouts/",
        {"payout-amount": "2.00", "payout-currency": "EUR", "payout-key": key},
    )
    _refused(answer, 409, "This form was already used for another payout.")
    assert _payout_key(answer) != key  # a fresh key: sending it again works
    assert _stored() == before
    answer = client.post(
        "/royalties/earnings/payouts/",
        {"payout-amount": "", "payout-currency": "EUR", "payout-key": ""},
    )
    _refused(answer, 400, "This form had expired.")
    assert _stored() == before


def test_the_earnings_page_lists_the_proposals_open_for_comments(
    published: Proposal, people: dict[str, Any]
) -> None:
    page = _text(_client(people["poet"]).get("/royalties/earnings/"))
    assert "Open for your comments" in page and _proposal(published) in page
    assert "Nothing owed to you yet." in page and 'name="payout-amount"' not in page
    assert "Open for your comments" not in _text(
        _client(people["stranger"]).get("/royalties/earnings/")
    )


# Login and CSRF -----------------------------------------------------------------------------


def test_forms_need_login_and_csrf(funded: Production, leader: Any, published: Any) -> None:
    budget = {"budget-amount": "10", "budget-currency": "EUR", "budget-reason": "x"}
    before = _stored()
    answer = Client().post(_revenue(funded) + "pool/budget/", budget)
    assert answer.status_code == 302 and answer["Location"].startswith(
        resolve_url(settings.LOGIN_URL)
    )
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(leader)
    for url, data in [
        (_revenue(funded) + "pool/budget/", budget),
        (_proposal(published) + "comments/", {"comment-text": "Hi"}),
        ("/royalties/earnings/payouts/", {"payout-amount": "1", "payout-currency": "EUR"}),
    ]:
        _refused(strict.post(url, data), 403, "This form had expired or came from somewhere else.")
    assert _stored() == before
    # With the page's token, the same form goes through.
    page = strict.get(_revenue(funded)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    answer = strict.post(
        _revenue(funded) + "pool/budget/", {**budget, "csrfmiddlewaretoken": token[1]}
    )
    assert answer.status_code == 302


def test_the_actions_take_only_posts(published: Proposal, leader: Any) -> None:
    client = _client(leader)
    for url in [
        _proposal(published) + "finalise/",
        _proposal(published) + "publish/",
        "/royalties/earnings/payouts/",
    ]:
        assert client.get(url).status_code == 405


def test_visitors_read_a_published_proposal_and_are_asked_to_log_in_to_comment(
    published: Proposal,
) -> None:
    page = Client().get(_proposal(published))
    assert page.status_code == 200
    text = _text(page)
    assert "Log in</a> to comment" in text and 'name="comment-text"' not in text
    assert "Adjust a weight" not in text and "Publish for comments" not in text
