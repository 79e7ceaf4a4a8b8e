"""Revenue-share pages: earnings with the CSV statement, the leaders' view of a proposal, the
public view, and the public allocation page."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ensemble.royalties import services
from ensemble.royalties.models import Proposal

pytestmark = pytest.mark.django_db


def _client(member: Any) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def finalised(text_cut: Any, leader: Any) -> Proposal:
    production = text_cut.production
    services.pool_open(actor=leader, production=production, currency="EUR")
    services.pool_budget_add(
        actor=leader, production=production, amount="12.00", currency="EUR", reason="Budget"
    )
    proposal = services.proposal_generate(actor=leader, cut=text_cut)
    line = proposal.lines.get(member__username="writer")
    services.line_adjust(actor=leader, line=line, weight="4.5", reason="Good lines <b>")
    services.proposal_publish(actor=leader, proposal=proposal)
    Proposal.objects.filter(pk=proposal.pk).update(published_at=timezone.now() - timedelta(days=15))
    return services.proposal_finalise(actor=leader, proposal=proposal)


def test_the_earnings_page_and_its_csv(finalised: Proposal, people: dict[str, Any]) -> None:
    client = _client(people["poet"])
    page = client.get("/royalties/earnings/")
    assert page.status_code == 200
    amount = finalised.allocations.get(member=people["poet"]).amount
    text = page.content.decode()
    assert "In a City" in text and f"EUR {amount // 100}.{amount % 100:02d}" in text
    download = client.get("/royalties/earnings.csv")
    assert download["Content-Type"].startswith("text/csv")
    assert "In a City,proposal" in download.content.decode()
    assert Client().get("/royalties/earnings/").status_code == 302  # to log in


def test_leaders_see_the_breakdown_others_the_shares(
    finalised: Proposal, leader: Any, people: dict[str, Any]
) -> None:
    url = f"/royalties/proposals/{finalised.pk}/"
    as_leader = _client(leader).get(url).content.decode()
    assert "Good lines &lt;b&gt;" in as_leader and "EUR " in as_leader
    as_stranger = _client(people["stranger"]).get(url).content.decode()
    assert "Good lines" not in as_stranger and "Ana:" in as_stranger


def test_a_draft_is_hidden_and_the_public_page_shows_names_and_percentages(
    finalised: Proposal, text_cut: Any, leader: Any
) -> None:
    draft = services.proposal_generate(actor=leader, cut=text_cut)
    assert Client().get(f"/royalties/proposals/{draft.pk}/").status_code == 404
    assert Client().get(f"/royalties/allocations/{draft.pk}/").status_code == 404
    page = Client().get(f"/royalties/allocations/{finalised.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ana" in text and " %" in text and "EUR" not in text
