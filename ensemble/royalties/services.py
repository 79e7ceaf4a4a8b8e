"""Writes of the revenue share: pools, proposals, comments, adjustments, finalising, payouts.

Keyword-only, typed, each in a transaction; refusals are `EnsembleError`s with a message a
person understands, raised before anything is written.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ensemble.accounts.models import Member
from ensemble.core.errors import Conflict, EnsembleError, NotAllowed
from ensemble.core.money import currency_clean, money_format, money_parse
from ensemble.lineage.selectors import versions_ancestry
from ensemble.notifications.models import Kind as NotificationKind
from ensemble.notifications.services import notifications_send_many
from ensemble.productions.access import require_editor
from ensemble.productions.credits import credits_for_cut
from ensemble.productions.models import Cut, CutItem, Production

from . import weights as w
from .allocation import allocate
from .ledger import account_balance, account_for, account_locked, transaction_post
from .models import (
    BASIS_POINTS,
    Account,
    Adjustment,
    Allocation,
    Payout,
    Pool,
    PoolEntry,
    Proposal,
    ProposalComment,
    ProposalLine,
    Snapshot,
)

REASON_MAX = 300


def _reason(reason: str, *, limit: int = REASON_MAX) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise EnsembleError("Say why, in a few words.", field="reason")
    if len(text) > limit:
        raise EnsembleError(f"Keep the reason under {limit} characters.", field="reason")
    return text


def _basis_points(value: int, *, field: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= BASIS_POINTS:
        raise EnsembleError(
            f"The {what} is a whole number of basis points, 0 to 10000.", field=field
        )
    return value


# Pools ----------------------------------------------------------------------------------------


@transaction.atomic
def pool_open(
    *, actor: Member, production: Production, currency: str, community_share_bp: int = 5000
) -> Pool:
    """A production's pool, in one currency (once)."""
    require_editor(actor, production)
    code = currency_clean(currency)
    share = _basis_points(community_share_bp, field="community_share_bp", what="community share")
    if Pool.objects.filter(production=production).exists():
        raise Conflict("This production already has a pool.")
    return Pool.objects.create(
        production=production, currency=code, community_share_bp=share, created_by=actor
    )


def _pool_for(production: Production, currency: str) -> Pool:
    pool = Pool.objects.filter(production=production).first()
    if pool is None:
        raise EnsembleError("Open the production's pool first, in its currency.")
    code = currency_clean(currency)
    if code != pool.currency:
        raise EnsembleError(
            f"This pool is in {pool.currency}; an amount in {code} cannot enter it.",
            field="currency",
        )
    return pool


def _pool_post(
    pool: Pool,
    *,
    actor: Member,
    kind: str,
    revenue: int,
    costs: int,
    share_bp: int,
    amount: int,
    reason: str,
) -> PoolEntry:
    funding = account_for(
        kind=Account.Kind.FUNDING, currency=pool.currency, production=pool.production
    )
    pool_account = account_for(
        kind=Account.Kind.POOL, currency=pool.currency, production=pool.production
    )
    posted = transaction_post(
        memo=f"{kind} for production {pool.production_id}: {reason}",
        lines=[(funding, -amount), (pool_account, amount)],
        created_by=actor,
    )
    return PoolEntry.objects.create(
        pool=pool,
        kind=kind,
        revenue=revenue,
        costs=costs,
        share_bp=share_bp,
        amount=amount,
        currency=pool.currency,
        reason=reason,
        created_by=actor,
        transaction=posted,
    )


@transaction.atomic
def pool_budget_add(
    *, actor: Member, production: Production, amount: str, currency: str, reason: str
) -> PoolEntry:
    """A fixed sum for the artists (all of it enters the pool)."""
    require_editor(actor, production)
    pool = _pool_for(production, currency)
    minor = money_parse(amount, pool.currency)
    if minor == 0:
        raise EnsembleError("A budget must be more than zero.", field="amount")
    text = _reason(reason)
    return _pool_post(
        pool,
        actor=actor,
        kind=PoolEntry.Kind.BUDGET,
        revenue=minor,
        costs=0,
        share_bp=BASIS_POINTS,
        amount=minor,
        reason=text,
    )


@transaction.atomic
def pool_profit_add(
    *, actor: Member, production: Production, revenue: str, costs: str, currency: str, reason: str
) -> PoolEntry:
    """Revenue and costs over a period: the community share of the profit (rounded down to
    the minor unit; a loss adds nothing and takes nothing) enters the pool."""
    require_editor(actor, production)
    pool = _pool_for(production, currency)
    earned = money_parse(revenue, pool.currency, field="revenue")
    spent = money_parse(costs, pool.currency, field="costs")
    text = _reason(reason)
    share = pool.community_share_bp
    amount = max(0, (earned - spent) * share // BASIS_POINTS)
    return _pool_post(
        pool,
        actor=actor,
        kind=PoolEntry.Kind.PROFIT,
        revenue=earned,
        costs=spent,
        share_bp=share,
        amount=amount,
        reason=text,
    )


# Proposals ------------------------------------------------------------------------------------


@transaction.atomic
def proposal_generate(
    *, actor: Member, cut: Cut, upstream_share_bp: int = 3000, window_days: int = 14
) -> Proposal:
    """A draft proposal: every artist credited in `cut`, weighted by what reached the screen
    and by the lineage (see `weights`)."""
    production = cut.production
    require_editor(actor, production)
    share_bp = _basis_points(upstream_share_bp, field="upstream_share_bp", what="upstream share")
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise EnsembleError("The comment window is at least one day.", field="window_days")
    pool = Pool.objects.filter(production=production).first()
    if pool is None:
        raise EnsembleError("Open the production's pool before proposing how to share it.")
    items = list(
        CutItem.objects.filter(cut=cut).select_related("record").order_by("position", "id")
    )
    credits = credits_for_cut(cut)
    if not items or not len(credits):
        raise EnsembleError(
            "This cut credits no artist for any work yet: add footage, sound or text first."
        )
    lineage = versions_ancestry(version_ids=[item.version_id for item in items])
    authors = {version_id: node.author_id for version_id, node in lineage.nodes.items()}
    for item in items:
        authors[item.version_id] = item.record.author_id
    sources: dict[int, list[int]] = {}
    for edge in lineage.edges:
        sources.setdefault(edge.version_id, []).append(edge.source_version_id)
    for found in sources.values():
        found.sort()
    uses = [w.Use(item.version_id, item.track, w.seconds_exact(item.seconds)) for item in items]
    roles = {credit.member_id: credit.roles for credit in credits.credits}
    lines = w.compute(
        uses=uses,
        authors=authors,
        sources=sources,
        roles=roles,
        upstream_share=Fraction(share_bp, BASIS_POINTS),
    )
    proposal = Proposal.objects.create(
        production=production,
        cut=cut,
        cut_revision=cut.revision,
        window_days=window_days,
        upstream_share_bp=share_bp,
        currency=pool.currency,
        created_by=actor,
    )
    order = {credit.member_id: index for index, credit in enumerate(credits.credits)}
    ProposalLine.objects.bulk_create(
        [
            ProposalLine(
                proposal=proposal,
                member_id=member_id,
                computed_weight=line.micro,
                weight=line.micro,
                is_leader="production" in line.roles,
                roles=list(line.roles),
                breakdown=line.as_json(),
                position=order.get(member_id, len(order) + member_id),
            )
            for member_id, line in lines.items()
        ]
    )
    return proposal


def _proposal_locked(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().select_related("production").get(pk=proposal.pk)


def _snapshot(proposal: Proposal, event: str) -> Snapshot:
    weights = dict(proposal.lines.order_by("member_id").values_list("member_id", "weight"))
    return Snapshot.objects.create(
        proposal=proposal,
        event=event[:200],
        weights={str(k): v for k, v in weights.items()},
        hand_back=proposal.leaders_hand_back,
    )


@transaction.atomic
def proposal_publish(*, actor: Member, proposal: Proposal) -> Proposal:
    """Open the comment window and tell every credited artist."""
    proposal = _proposal_locked(proposal)
    require_editor(actor, proposal.production)
    if proposal.state != Proposal.State.DRAFT:
        raise Conflict("This proposal is already published.")
    proposal.state = Proposal.State.PUBLISHED
    proposal.published_at = timezone.now()
    proposal.save(update_fields=["state", "published_at"])
    _snapshot(proposal, "Published")
    members = Member.objects.filter(
        pk__in=proposal.lines.values("member_id"), is_active=True
    ).order_by("pk")
    title = proposal.production.title
    notifications_send_many(
        recipients=members,
        kind=NotificationKind.OTHER,
        text=f"A payment proposal for “{title}” is open for comments for "
        f"{proposal.window_days} days.",
        url=reverse("royalties:proposal", kwargs={"pk": proposal.pk}),
        actor=actor,
        subject=proposal,
        subject_label=f"Payment proposal for {title}"[:200],
    )
    return proposal


@transaction.atomic
def proposal_comment(*, author: Member, proposal: Proposal, text: str) -> ProposalComment:
    """Anyone signed in may comment on a published proposal."""
    if not author.is_authenticated:
        raise NotAllowed("Sign in to comment.")
    if proposal.state != Proposal.State.PUBLISHED:
        raise EnsembleError("Comments are open while a proposal is published.")
    words = (text or "").strip()
    if not words:
        raise EnsembleError("A comment needs some text.", field="text")
    if len(words) > 5000:
        raise EnsembleError("Keep a comment under 5000 characters.", field="text")
    return ProposalComment.objects.create(proposal=proposal, author=author, text=words)


def points_parse(value: str | int, *, field: str = "weight") -> int:
    """A weight a person typed, in points ("12.5"), as micro-points."""
    if isinstance(value, (float, bool)):
        raise EnsembleError("Write the weight as text or a whole number.", field=field)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise EnsembleError(f"“{value}” is not a weight.", field=field) from exc
    if not number.is_finite() or number < 0:
        raise EnsembleError("A weight is zero or more.", field=field)
    # Bound the exponent before scaling: "1e999999999" would overflow the decimal context.
    if number and number.adjusted() > 30:
        raise EnsembleError("That weight is too large.", field=field)
    if number and number.adjusted() < -30:
        raise EnsembleError("A weight has at most six decimal places.", field=field)
    micro = number.scaleb(6)
    if micro != micro.to_integral_value():
        raise EnsembleError("A weight has at most six decimal places.", field=field)
    if micro > 10**15:
        raise EnsembleError("That weight is too large.", field=field)
    return int(micro)


def _editable(actor: Member, proposal: Proposal) -> Proposal:
    locked = _proposal_locked(proposal)
    require_editor(actor, locked.production)
    if locked.state == Proposal.State.FINALISED:
        raise Conflict("This proposal is finalised; it can no longer change.")
    return locked


@transaction.atomic
def line_adjust(*, actor: Member, line: ProposalLine, weight: str | int, reason: str) -> Adjustment:
    """A leader sets an artist's weight (in points), with a reason that is kept."""
    proposal = _editable(actor, line.proposal)
    micro = points_parse(weight)
    text = _reason(reason, limit=500)
    locked = ProposalLine.objects.select_for_update().get(pk=line.pk, proposal=proposal)
    adjustment = Adjustment.objects.create(
        line=locked, old_weight=locked.weight, new_weight=micro, reason=text, created_by=actor
    )
    locked.weight = micro
    locked.save(update_fields=["weight"])
    if proposal.state == Proposal.State.PUBLISHED:  # drafts change freely, unseen
        _snapshot(proposal, f"Weight of {locked.member} changed: {text}")
    return adjustment


@transaction.atomic
def proposal_hand_back_set(
    *, actor: Member, proposal: Proposal, hand_back: bool, reason: str
) -> Proposal:
    """The leaders' own lines go (or no longer go) to the others, in proportion."""
    locked = _editable(actor, proposal)
    text = _reason(reason, limit=500)
    locked.leaders_hand_back = bool(hand_back)
    locked.save(update_fields=["leaders_hand_back"])
    verb = "hand back" if hand_back else "keep"
    if locked.state == Proposal.State.PUBLISHED:
        _snapshot(locked, f"Leaders {verb} their share: {text}")
    return locked


def effective_weights(proposal: Proposal) -> dict[int, int]:
    """Member id → the weight that counts (the leaders' lines at zero when handed back)."""
    rows = proposal.lines.values_list("member_id", "weight", "is_leader")
    return {
        member_id: 0 if (leader and proposal.leaders_hand_back) else weight
        for member_id, weight, leader in rows
    }


@transaction.atomic
def proposal_finalise(
    *, actor: Member, proposal: Proposal, now: datetime | None = None
) -> Proposal:
    """Divide the pool's balance by the largest-remainder method and post one transaction
    from the pool to each artist's payable account."""
    locked = _proposal_locked(proposal)
    require_editor(actor, locked.production)
    if locked.state == Proposal.State.DRAFT:
        raise EnsembleError("Publish the proposal and let the comment window pass first.")
    if locked.state == Proposal.State.FINALISED:
        raise Conflict("This proposal is already finalised.")
    moment = now or timezone.now()
    assert locked.published_at is not None
    ends = locked.published_at + timedelta(days=locked.window_days)
    if moment < ends:
        raise EnsembleError(
            f"The comment window is open until {ends:%Y-%m-%d %H:%M} UTC: finalise after that."
        )
    weights = {k: v for k, v in effective_weights(locked).items() if v > 0}
    if not weights:
        raise EnsembleError("The weights sum to zero: give someone a weight before finalising.")
    pool_account = account_locked(
        account_for(kind=Account.Kind.POOL, currency=locked.currency, production=locked.production)
    )
    total = account_balance(pool_account)
    if total <= 0:
        raise EnsembleError("The pool is empty: fund it before finalising.")
    parts = allocate(total, weights)
    weight_sum = sum(weights.values())
    members = Member.objects.in_bulk(list(parts))
    lines: list[tuple[Account, int]] = [(pool_account, -total)]
    for member_id in sorted(parts):
        payable = account_for(
            kind=Account.Kind.PAYABLE, currency=locked.currency, member=members[member_id]
        )
        lines.append((payable, parts[member_id]))
    transaction_post(
        memo=f"Allocation of proposal {locked.pk} ({locked.production.title})"[:300],
        lines=lines,
        created_by=actor,
    )
    Allocation.objects.bulk_create(
        [
            Allocation(
                proposal=locked,
                member_id=member_id,
                weight=weights[member_id],
                total_weight=weight_sum,
                amount=parts[member_id],
                currency=locked.currency,
            )
            for member_id in sorted(parts)
        ]
    )
    locked.state = Proposal.State.FINALISED
    locked.finalised_at = moment
    locked.amount = total
    locked.save(update_fields=["state", "finalised_at", "amount"])
    return locked


# Payouts --------------------------------------------------------------------------------------


def _fingerprint(member: Member, amount: int, currency: str) -> str:
    body = json.dumps({"amount": amount, "currency": currency, "member": member.pk}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _replay(key: str, fingerprint: str) -> Payout | None:
    existing = Payout.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.fingerprint != fingerprint:
        raise Conflict(
            "This idempotency key was already used for a different payout; use a new key."
        )
    return existing


def payout_request(*, member: Member, amount: str, currency: str, idempotency_key: str) -> Payout:
    """Pay `amount` out of the artist's balance, once per idempotency key.

    The same key and body return the first payout; the same key with another body is a 409.
    The artist's payable account row is locked while the balance is checked and the payout
    posted, so concurrent payouts never take the balance below zero; the unique key makes
    concurrent duplicates one payout.
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > 200:
        raise EnsembleError("An idempotency key of 1 to 200 characters is required.", field="key")
    code = currency_clean(currency)
    minor = money_parse(amount, code)
    if minor <= 0:
        raise EnsembleError("A payout must be more than zero.", field="amount")
    fingerprint = _fingerprint(member, minor, code)
    existing = _replay(key, fingerprint)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            payable = account_locked(
                account_for(kind=Account.Kind.PAYABLE, currency=code, member=member)
            )
            existing = _replay(key, fingerprint)  # a duplicate that committed while we waited
            if existing is not None:
                return existing
            balance = account_balance(payable)
            if minor > balance:
                raise EnsembleError(
                    f"Your balance is {money_format(balance, code)}: "
                    f"{money_format(minor, code)} cannot be paid out.",
                    field="amount",
                )
            posted = transaction_post(
                memo=f"Payout to {member.username}",
                lines=[
                    (payable, -minor),
                    (account_for(kind=Account.Kind.PAYOUTS, currency=code), minor),
                ],
                created_by=member,
            )
            return Payout.objects.create(
                member=member,
                amount=minor,
                currency=code,
                idempotency_key=key,
                fingerprint=fingerprint,
                transaction=posted,
            )
    except IntegrityError:
        existing = _replay(key, fingerprint)
        if existing is None:
            raise
        return existing
