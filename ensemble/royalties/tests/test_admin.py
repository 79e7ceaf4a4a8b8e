"""Staff pages of the revenue share: every model can be read; the ledger and the other
append-only rows, pools and proposals cannot be added, changed or deleted there."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ensemble.royalties import services
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

READ_ONLY = [
    Pool,
    PoolEntry,
    Proposal,
    ProposalLine,
    Adjustment,
    Snapshot,
    Allocation,
    Account,
    Transaction,
    Entry,
    Payout,
]


@pytest.fixture
def staff_client(make_member: Any) -> Client:
    client = Client()
    client.force_login(make_member(username="admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def paid_out(text_cut: Any, leader: Any, people: dict[str, Any]) -> Proposal:
    production = text_cut.production
    services.pool_open(actor=leader, production=production, currency="EUR")
    services.pool_budget_add(
        actor=leader, production=production, amount="10.00", currency="EUR", reason="Budget"
    )
    proposal = services.proposal_generate(actor=leader, cut=text_cut)
    line = proposal.lines.get(member=people["poet"])
    services.line_adjust(actor=leader, line=line, weight="3", reason="More")
    proposal = services.proposal_publish(actor=leader, proposal=proposal)
    services.proposal_comment(author=people["stranger"], proposal=proposal, text="Spam spam")
    Proposal.objects.filter(pk=proposal.pk).update(published_at=timezone.now() - timedelta(days=15))
    done = services.proposal_finalise(actor=leader, proposal=proposal)
    services.payout_request(
        member=people["poet"], amount="1.00", currency="EUR", idempotency_key="admin-test"
    )
    return done


def _url(model: Any, action: str = "", pk: int | None = None) -> str:
    base = f"/staff/royalties/{model._meta.model_name}/"
    return base + (f"{pk}/{action}/" if pk is not None else action)


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_staff_read_but_cannot_add_change_or_delete(
    staff_client: Client, paid_out: Proposal, model: Any
) -> None:
    row = model.objects.order_by("pk").first()
    assert row is not None
    assert staff_client.get(_url(model)).status_code == 200
    page = staff_client.get(_url(model, "change", row.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="_save"' not in text and "Delete" not in text.split("<main", 1)[-1]
    count = model.objects.count()
    assert staff_client.get(_url(model, "add/")).status_code == 403
    assert staff_client.post(_url(model, "add/"), {}).status_code == 403
    assert staff_client.post(_url(model, "change", row.pk), {}).status_code == 403
    assert staff_client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    listed = staff_client.post(
        _url(model), {"action": "delete_selected", "_selected_action": [str(row.pk)], "post": "yes"}
    )
    assert listed.status_code in (200, 302)
    assert model.objects.count() == count


def test_staff_may_delete_a_proposal_comment(staff_client: Client, paid_out: Proposal) -> None:
    comment = ProposalComment.objects.get()
    page = staff_client.get(_url(ProposalComment))
    assert "Spam spam" in page.content.decode()
    assert staff_client.get(_url(ProposalComment, "add/")).status_code == 403
    answer = staff_client.post(_url(ProposalComment, "delete", comment.pk), {"post": "yes"})
    assert answer.status_code == 302
    assert not ProposalComment.objects.exists()
