"""The revenue share over HTTP: every refusal a 4xx with a message, nothing changed."""

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ensemble.accounts.services import api_token_create
from ensemble.royalties.models import Payout, PoolEntry, Proposal, ProposalLine

pytestmark = pytest.mark.django_db
API = "/api/v1"


def client_for(person: Any) -> Client:
    issued = api_token_create(member=person, name="tests")
    return Client(headers={"Authorization": f"Bearer {issued.secret}"})


def refused(response: Any, status: int, message: str) -> None:
    assert response.status_code == status, response.content[:600]
    assert message in response.json()["detail"], response.json()


def test_the_whole_cycle_over_the_api(text_cut: Any, leader: Any, people: dict[str, Any]) -> None:
    lead, poet, stranger = (
        client_for(leader),
        client_for(people["poet"]),
        client_for(people["stranger"]),
    )
    production_id = text_cut.production_id
    pool_url = f"{API}/productions/{production_id}/pool"
    refused(
        stranger.post(pool_url, {"currency": "EUR"}, content_type="application/json"),
        404,
        "no such production",  # a draft production is not even seen by others
    )
    assert (
        lead.post(pool_url, {"currency": "EUR"}, content_type="application/json").status_code == 201
    )
    entries = f"{pool_url}/entries"
    for body, message in (
        ({"kind": "budget", "amount": "-1", "currency": "EUR", "reason": "x"}, "negative"),
        ({"kind": "budget", "amount": "1.001", "currency": "EUR", "reason": "x"}, "decimal"),
        ({"kind": "budget", "amount": "1e999999999", "currency": "EUR", "reason": "x"}, "large"),
        ({"kind": "budget", "amount": "5", "currency": "USD", "reason": "x"}, "in EUR"),
    ):
        refused(lead.post(entries, body, content_type="application/json"), 400, message)
    assert PoolEntry.objects.count() == 0
    budget = {"kind": "budget", "amount": "50.00", "currency": "EUR", "reason": "Budget"}
    created = lead.post(entries, budget, content_type="application/json")
    assert created.status_code == 201 and created.json()["amount"] == 5000
    assert lead.get(pool_url).json()["balance_text"] == "EUR 50.00"

    made = lead.post(f"{API}/cuts/{text_cut.pk}/proposals", {}, content_type="application/json")
    assert made.status_code == 201, made.content
    proposal_id = made.json()["id"]
    url = f"{API}/proposals/{proposal_id}"
    refused(Client().get(url), 404, "not published")
    assert lead.post(f"{url}/publish").status_code == 200
    assert Client().get(url).json()["state"] == "published"  # public once published
    comment = stranger.post(f"{url}/comments", {"text": "Fair."}, content_type="application/json")
    assert comment.status_code == 201
    poet_id = people["poet"].pk
    weight_url = f"{url}/lines/{poet_id}/weight"
    refused(
        stranger.put(weight_url, {"weight": "99", "reason": "me"}, content_type="application/json"),
        403,
        "leaders",
    )
    changed = lead.put(
        weight_url, {"weight": "8", "reason": "Poem"}, content_type="application/json"
    )
    assert changed.status_code == 200
    assert ProposalLine.objects.get(proposal_id=proposal_id, member_id=poet_id).weight == 8_000_000
    refused(lead.post(f"{url}/finalise"), 400, "comment window is open")
    Proposal.objects.filter(pk=proposal_id).update(published_at=timezone.now() - timedelta(days=15))
    done = lead.post(f"{url}/finalise")
    assert done.status_code == 200 and done.json()["amount"] == 5000

    public = Client().get(f"{API}/allocations/{proposal_id}").json()
    assert public[0]["name"] == "Ana"
    earnings = poet.get(f"{API}/me/earnings").json()
    owed = earnings["balances"]["EUR"]
    assert owed == earnings["earnings"][0]["amount"] > 0
    rows = list(csv.reader(io.StringIO(poet.get(f"{API}/me/earnings/csv").content.decode())))
    assert rows[1][0] == "In a City" and rows[1][3] == "EUR"

    pay = {"amount": "10.00", "currency": "EUR"}
    first = poet.post(
        f"{API}/me/payouts",
        pay,
        content_type="application/json",
        headers={"Idempotency-Key": "abc"},
    )
    again = poet.post(
        f"{API}/me/payouts",
        pay,
        content_type="application/json",
        headers={"Idempotency-Key": "abc"},
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    other = {"amount": "11.00", "currency": "EUR"}
    refused(
        poet.post(
            f"{API}/me/payouts",
            other,
            content_type="application/json",
            headers={"Idempotency-Key": "abc"},
        ),
        409,
        "different payout",
    )
    refused(
        poet.post(
            f"{API}/me/payouts",
            {"amount": "1000", "currency": "EUR"},
            content_type="application/json",
            headers={"Idempotency-Key": "big"},
        ),
        400,
        "Your balance is",
    )
    assert Payout.objects.count() == 1
    assert poet.get(f"{API}/me/earnings").json()["balances"]["EUR"] == owed - 1000


def test_a_proposal_for_a_cut_without_credits_is_a_400(text_cut: Any, leader: Any) -> None:
    from ensemble.productions import services as productions

    lead = client_for(leader)
    pool = f"{API}/productions/{text_cut.production_id}/pool"
    lead.post(pool, {"currency": "JPY"}, content_type="application/json")
    empty = productions.cut_create(actor=leader, production=text_cut.production, name="Empty")
    response = lead.post(f"{API}/cuts/{empty.pk}/proposals", {}, content_type="application/json")
    refused(response, 400, "credits no artist")
    assert Proposal.objects.count() == 0
