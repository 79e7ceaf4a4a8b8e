"""Revenue share in the API: pools, proposals, comments, adjustments, finalising, allocations,
earnings and payouts. Mounted at the API root (paths under /productions, /cuts, /proposals,
/allocations and /me). Endpoints parse input, load through `access`, call services and
selectors; every rule and refusal is the domain's. Amounts travel as text in major units
("1234.50") with their currency, and come back in minor units with a formatted copy.
"""

from typing import Any, Literal

from django.http import HttpResponse
from ninja import Field, Header, Router, Schema, Status

from ensemble.core.api_auth import PUBLIC_READ, ApiRequest, member_auth, optional_auth
from ensemble.core.errors import NotFound
from ensemble.core.money import money_format
from ensemble.core.schemas import error_responses
from ensemble.productions.access import cut_for_editor, production_for_editor

from . import selectors, services
from .access import proposal_for_editor, proposal_for_viewer
from .models import Payout, Pool, PoolEntry, Proposal

router = Router(tags=["revenue share"])


_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


class PoolIn(Schema):
    currency: str = Field(..., examples=["EUR"])
    community_share_bp: int = Field(5000, description="Part of profit for the artists (bp).")


class PoolEntryIn(Schema):
    kind: Literal["budget", "profit"]
    amount: str = Field("0", description='A budget, in major units as text: "1234.50".')
    revenue: str = Field("0", description="For a profit: the revenue, as text.")
    costs: str = Field("0", description="For a profit: the costs, as text.")
    currency: str
    reason: str


class PoolOut(Schema):
    production_id: int
    currency: str
    community_share_bp: int
    balance: int
    balance_text: str


class PoolEntryOut(Schema):
    id: int
    kind: str
    revenue: int
    costs: int
    amount: int
    currency: str
    reason: str


class ProposalIn(Schema):
    upstream_share_bp: int = 3000
    window_days: int = 14


class ShareOut(Schema):
    member_id: int
    name: str
    weight: int
    percent: str


class ProposalOut(Schema):
    id: int
    production_id: int
    cut_id: int
    state: str
    window_days: int
    upstream_share_bp: int
    leaders_hand_back: bool
    currency: str
    amount: int | None
    published_at: Any
    finalised_at: Any
    shares: list[ShareOut]


class ProposalCommentIn(Schema):
    text: str


class ProposalCommentOut(Schema):
    id: int
    text: str


class WeightIn(Schema):
    weight: str = Field(..., description='Points, as text ("12.5").')
    reason: str


class HandBackIn(Schema):
    hand_back: bool
    reason: str


class PublicShareOut(Schema):
    name: str
    percent: str


class EarningOut(Schema):
    production_id: int
    production: str
    proposal_id: int
    currency: str
    amount: int
    amount_text: str


class EarningsOut(Schema):
    balances: dict[str, int]
    earnings: list[EarningOut]


class PayoutIn(Schema):
    amount: str
    currency: str


class PayoutOut(Schema):
    id: int
    amount: int
    currency: str
    state: str
    idempotency_key: str


def _pool_out(pool: Pool) -> PoolOut:
    balance = selectors.pool_balance(pool=pool)
    return PoolOut(
        production_id=pool.production_id,
        currency=pool.currency,
        community_share_bp=pool.community_share_bp,
        balance=balance,
        balance_text=money_format(balance, pool.currency),
    )


def _proposal_out(proposal: Proposal) -> ProposalOut:
    proposal.refresh_from_db()
    shares = [
        ShareOut(member_id=r.member_id, name=r.name, weight=r.weight, percent=r.percent)
        for r in selectors.proposal_shares(proposal=proposal)
    ]
    return ProposalOut(
        id=proposal.pk,
        production_id=proposal.production_id,
        cut_id=proposal.cut_id,
        state=proposal.state,
        window_days=proposal.window_days,
        upstream_share_bp=proposal.upstream_share_bp,
        leaders_hand_back=proposal.leaders_hand_back,
        currency=proposal.currency,
        amount=proposal.amount,
        published_at=proposal.published_at,
        finalised_at=proposal.finalised_at,
        shares=shares,
    )


@router.post(
    "/productions/{production_id}/pool",
    response={201: PoolOut, **_ERRORS},
    auth=member_auth,
    summary="Open a production's pool",
)
def pool_open(request: ApiRequest, production_id: int, payload: PoolIn) -> Status[PoolOut]:
    production = production_for_editor(member=request.auth, production_id=production_id)
    pool = services.pool_open(
        actor=request.auth,
        production=production,
        currency=payload.currency,
        community_share_bp=payload.community_share_bp,
    )
    return Status(201, _pool_out(pool))


@router.get(
    "/productions/{production_id}/pool",
    response={200: PoolOut, **_ERRORS},
    auth=member_auth,
    summary="A production's pool and its balance (its leaders)",
)
def pool_read(request: ApiRequest, production_id: int) -> PoolOut:
    production = production_for_editor(member=request.auth, production_id=production_id)
    pool = Pool.objects.filter(production=production).first()
    if pool is None:
        raise NotFound("This production has no pool yet.")
    return _pool_out(pool)


@router.post(
    "/productions/{production_id}/pool/entries",
    response={201: PoolEntryOut, **_ERRORS},
    auth=member_auth,
    summary="Add a budget or a profit to the pool",
)
def pool_entry_add(
    request: ApiRequest, production_id: int, payload: PoolEntryIn
) -> Status[PoolEntryOut]:
    production = production_for_editor(member=request.auth, production_id=production_id)
    entry: PoolEntry
    if payload.kind == "budget":
        entry = services.pool_budget_add(
            actor=request.auth,
            production=production,
            amount=payload.amount,
            currency=payload.currency,
            reason=payload.reason,
        )
    else:
        entry = services.pool_profit_add(
            actor=request.auth,
            production=production,
            revenue=payload.revenue,
            costs=payload.costs,
            currency=payload.currency,
            reason=payload.reason,
        )
    return Status(201, PoolEntryOut.from_orm(entry))


@router.post(
    "/cuts/{cut_id}/proposals",
    response={201: ProposalOut, **_ERRORS},
    auth=member_auth,
    summary="Generate a payment proposal from a cut",
)
def proposal_generate(request: ApiRequest, cut_id: int, payload: ProposalIn) -> Status[ProposalOut]:
    cut = cut_for_editor(member=request.auth, cut_id=cut_id)
    proposal = services.proposal_generate(
        actor=request.auth,
        cut=cut,
        upstream_share_bp=payload.upstream_share_bp,
        window_days=payload.window_days,
    )
    return Status(201, _proposal_out(proposal))


@router.get(
    "/proposals/{proposal_id}",
    response={200: ProposalOut, **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="A proposal and its shares (public once published)",
)
def proposal_read(request: ApiRequest, proposal_id: int) -> ProposalOut:
    return _proposal_out(proposal_for_viewer(viewer=request.auth, proposal_id=proposal_id))


@router.post(
    "/proposals/{proposal_id}/publish",
    response={200: ProposalOut, **_ERRORS},
    auth=member_auth,
    summary="Publish: open the comment window and notify every credited artist",
)
def proposal_publish(request: ApiRequest, proposal_id: int) -> ProposalOut:
    proposal = proposal_for_editor(member=request.auth, proposal_id=proposal_id)
    return _proposal_out(services.proposal_publish(actor=request.auth, proposal=proposal))


@router.post(
    "/proposals/{proposal_id}/comments",
    response={201: ProposalCommentOut, **_ERRORS},
    auth=member_auth,
    summary="Comment on a published proposal",
)
def proposal_comment(
    request: ApiRequest, proposal_id: int, payload: ProposalCommentIn
) -> Status[ProposalCommentOut]:
    proposal = proposal_for_viewer(viewer=request.auth, proposal_id=proposal_id)
    comment = services.proposal_comment(author=request.auth, proposal=proposal, text=payload.text)
    return Status(201, ProposalCommentOut(id=comment.pk, text=comment.text))


@router.put(
    "/proposals/{proposal_id}/lines/{member_id}/weight",
    response={200: ProposalOut, **_ERRORS},
    auth=member_auth,
    summary="Set an artist's weight, with a reason",
)
def line_adjust(
    request: ApiRequest, proposal_id: int, member_id: int, payload: WeightIn
) -> ProposalOut:
    proposal = proposal_for_editor(member=request.auth, proposal_id=proposal_id)
    line = proposal.lines.filter(member_id=member_id).first()
    if line is None:
        raise NotFound("That member has no line in this proposal.")
    services.line_adjust(
        actor=request.auth, line=line, weight=payload.weight, reason=payload.reason
    )
    return _proposal_out(proposal)


@router.put(
    "/proposals/{proposal_id}/hand-back",
    response={200: ProposalOut, **_ERRORS},
    auth=member_auth,
    summary="The leaders hand their share back to the others (or keep it)",
)
def proposal_hand_back(request: ApiRequest, proposal_id: int, payload: HandBackIn) -> ProposalOut:
    proposal = proposal_for_editor(member=request.auth, proposal_id=proposal_id)
    services.proposal_hand_back_set(
        actor=request.auth, proposal=proposal, hand_back=payload.hand_back, reason=payload.reason
    )
    return _proposal_out(proposal)


@router.post(
    "/proposals/{proposal_id}/finalise",
    response={200: ProposalOut, **_ERRORS},
    auth=member_auth,
    summary="Finalise after the comment window: allocate the pool and post it to the ledger",
)
def proposal_finalise(request: ApiRequest, proposal_id: int) -> ProposalOut:
    proposal = proposal_for_editor(member=request.auth, proposal_id=proposal_id)
    return _proposal_out(services.proposal_finalise(actor=request.auth, proposal=proposal))


@router.get(
    "/allocations/{proposal_id}",
    response={200: list[PublicShareOut], **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
    summary="A finalised allocation: names and percentages",
)
def allocation_public(request: ApiRequest, proposal_id: int) -> list[PublicShareOut]:
    return [
        PublicShareOut(name=s.name, percent=s.percent)
        for s in selectors.allocation_public(proposal_id=proposal_id)
    ]


@router.get(
    "/me/earnings",
    response={200: EarningsOut, **_ERRORS},
    auth=member_auth,
    summary="Your balances and earnings per payment cycle",
)
def my_earnings(request: ApiRequest) -> EarningsOut:
    rows = selectors.member_earnings(member=request.auth)
    return EarningsOut(
        balances=selectors.member_balances(member=request.auth),
        earnings=[
            EarningOut(
                production_id=r.production_id,
                production=r.production,
                proposal_id=r.proposal_id,
                currency=r.currency,
                amount=r.amount,
                amount_text=r.amount_text,
            )
            for r in rows
        ],
    )


@router.get(
    "/me/earnings/csv",
    response={200: None, **_ERRORS},
    auth=member_auth,
    summary="Your statement as CSV",
)
def my_earnings_csv(request: ApiRequest) -> HttpResponse:
    response = HttpResponse(
        selectors.statement_csv(member=request.auth), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="ensemble-statement.csv"'
    return response


@router.post(
    "/me/payouts",
    response={201: PayoutOut, 200: PayoutOut, **_ERRORS},
    auth=member_auth,
    summary="Record a payout from your balance (Idempotency-Key header required)",
)
def my_payout(
    request: ApiRequest,
    payload: PayoutIn,
    idempotency_key: str = Header(..., alias="Idempotency-Key"),
) -> Status[PayoutOut]:
    before = Payout.objects.filter(idempotency_key=idempotency_key.strip()).exists()
    payout = services.payout_request(
        member=request.auth,
        amount=payload.amount,
        currency=payload.currency,
        idempotency_key=idempotency_key,
    )
    out = PayoutOut(
        id=payout.pk,
        amount=payout.amount,
        currency=payout.currency,
        state=payout.state,
        idempotency_key=payout.idempotency_key,
    )
    return Status(200 if before else 201, out)
