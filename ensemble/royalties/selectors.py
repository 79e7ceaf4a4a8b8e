"""Reads of the revenue share: balances, shares, before/after, statements and CSV."""

from __future__ import annotations

import csv
import io
import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from django.db.models import QuerySet, Sum

from ensemble.accounts.models import Member
from ensemble.core.errors import NotFound
from ensemble.core.money import money_format, money_input
from ensemble.productions.access import Viewer, require_editor

from .allocation import exact_shares
from .models import (
    Account,
    Adjustment,
    Allocation,
    Entry,
    Payout,
    Pool,
    Proposal,
    ProposalLine,
)
from .services import effective_weights


def percent(share: Fraction, places: int = 2) -> str:
    """An exact share as a percentage with `places` decimals ("12.35")."""
    scaled = round(share * 100 * 10**places)
    whole, part = divmod(scaled, 10**places)
    return f"{whole}.{part:0{places}d}" if places else str(whole)


def pool_balance(*, pool: Pool) -> int:
    """Minor units in the pool not yet allocated."""
    total = Entry.objects.filter(
        account__kind=Account.Kind.POOL,
        account__production_id=pool.production_id,
        account__currency=pool.currency,
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


def member_balances(*, member: Member) -> dict[str, int]:
    """Currency → minor units owed to the artist (allocated minus paid out)."""
    rows = (
        Entry.objects.filter(account__kind=Account.Kind.PAYABLE, account__member=member)
        .values("currency")
        .annotate(total=Sum("amount"))
        .order_by("currency")
    )
    return {row["currency"]: int(row["total"]) for row in rows}


def ledger_sums() -> dict[str, int]:
    """Currency → sum of every entry: zero everywhere when the ledger balances."""
    rows = Entry.objects.values("currency").annotate(total=Sum("amount")).order_by("currency")
    return {row["currency"]: int(row["total"]) for row in rows}


@dataclass(frozen=True)
class ShareRow:
    member_id: int
    name: str
    weight: int
    share: Fraction

    @property
    def percent(self) -> str:
        return percent(self.share)


def _names(ids: list[int]) -> dict[int, str]:
    return {m.pk: (m.name or m.username) for m in Member.objects.filter(pk__in=ids)}


def proposal_shares(*, proposal: Proposal) -> list[ShareRow]:
    weights = effective_weights(proposal)
    if sum(weights.values()) <= 0:
        shares = dict.fromkeys(weights, Fraction(0))
    else:
        shares = exact_shares(weights)
    names = _names(list(weights))
    rows = [ShareRow(k, names.get(k, "?"), weights[k], shares[k]) for k in weights]
    return sorted(rows, key=lambda r: (-r.share, r.name.casefold(), r.member_id))


@dataclass(frozen=True)
class ChangeRow:
    member_id: int
    name: str
    before: str  # percent
    after: str


@dataclass(frozen=True)
class Change:
    event: str
    at: datetime
    rows: list[ChangeRow]  # only the artists whose share moved


def _snapshot_shares(weights: dict[str, int], leaders: set[int], hand_back: bool) -> dict:
    counted = {int(k): (0 if hand_back and int(k) in leaders else v) for k, v in weights.items()}
    total = sum(counted.values())
    return {k: Fraction(v, total) if total else Fraction(0) for k, v in counted.items()}


def proposal_changes(*, proposal: Proposal) -> list[Change]:
    """Each change made after the proposal was published, as the shares before and after."""
    snapshots = list(proposal.snapshots.order_by("created_at", "id"))
    leaders = set(proposal.lines.filter(is_leader=True).values_list("member_id", flat=True))
    names = _names(list(proposal.lines.values_list("member_id", flat=True)))
    changes = []
    for before, after in itertools.pairwise(snapshots):
        old = _snapshot_shares(before.weights, leaders, before.hand_back)
        new = _snapshot_shares(after.weights, leaders, after.hand_back)
        rows = [
            ChangeRow(k, names.get(k, "?"), percent(old.get(k, Fraction(0))), percent(new[k]))
            for k in sorted(new)
            if old.get(k, Fraction(0)) != new[k]
        ]
        changes.append(Change(after.event, after.created_at, rows))
    return changes


@dataclass(frozen=True)
class EarningRow:
    production_id: int
    production: str
    proposal_id: int
    finalised_at: datetime
    currency: str
    amount: int
    share: Fraction

    @property
    def amount_text(self) -> str:
        return money_format(self.amount, self.currency)

    @property
    def percent(self) -> str:
        return percent(self.share)


def member_earnings(*, member: Member) -> list[EarningRow]:
    """The artist's allocations, one per payment cycle (finalised proposal), newest first."""
    allocations = (
        Allocation.objects.filter(member=member)
        .select_related("proposal", "proposal__production")
        .order_by("-proposal__finalised_at", "-proposal_id")
    )
    return [
        EarningRow(
            a.proposal.production_id,
            a.proposal.production.title,
            a.proposal_id,
            a.proposal.finalised_at or a.proposal.created_at,
            a.currency,
            a.amount,
            Fraction(a.weight, a.total_weight),
        )
        for a in allocations
    ]


def member_earnings_by_production(*, member: Member) -> list[tuple[str, str, int]]:
    """(production title, currency, total minor units) per production, by title."""
    totals: dict[tuple[int, str, str], int] = defaultdict(int)
    for row in member_earnings(member=member):
        totals[(row.production_id, row.production, row.currency)] += row.amount
    return sorted(
        ((title, currency, amount) for (_, title, currency), amount in totals.items()),
        key=lambda r: (r[0].casefold(), r[1]),
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def statement_csv(*, member: Member) -> str:
    """The artist's statement: one row per payment cycle, amounts in major units."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["production", "cycle", "finalised", "currency", "amount", "share_percent"])
    for row in member_earnings(member=member):
        writer.writerow(
            [
                csv_cell(row.production),
                csv_cell(f"proposal {row.proposal_id}"),
                row.finalised_at.strftime("%Y-%m-%d"),
                row.currency,
                money_input(row.amount, row.currency),
                percent(row.share),
            ]
        )
    return out.getvalue()


@dataclass(frozen=True)
class LeaderLine:
    line: ProposalLine
    name: str
    weight: int
    counted: int
    share: Fraction
    amount: int | None
    adjustments: list[Adjustment]


def allocation_for_leaders(*, viewer: Viewer, proposal: Proposal) -> list[LeaderLine]:
    """The whole proposal for its leaders: breakdowns, adjustments, shares and amounts."""
    require_editor(viewer, proposal.production)
    counted = effective_weights(proposal)
    total = sum(counted.values())
    amounts = dict(proposal.allocations.values_list("member_id", "amount"))
    adjustments: dict[int, list[Adjustment]] = defaultdict(list)
    for adjustment in Adjustment.objects.filter(line__proposal=proposal).order_by("created_at"):
        adjustments[adjustment.line_id].append(adjustment)
    lines = proposal.lines.select_related("member").order_by("position", "id")
    return [
        LeaderLine(
            line,
            line.member.name or line.member.username,
            line.weight,
            counted[line.member_id],
            Fraction(counted[line.member_id], total) if total else Fraction(0),
            amounts.get(line.member_id),
            adjustments[line.pk],
        )
        for line in lines
    ]


@dataclass(frozen=True)
class PublicShare:
    name: str
    percent: str


def allocation_public(*, proposal_id: int) -> list[PublicShare]:
    """The public data of a finalised allocation: names and percentages, largest first."""
    proposal = Proposal.objects.filter(pk=proposal_id, state=Proposal.State.FINALISED).first()
    if proposal is None:
        raise NotFound("There is no finalised allocation with that number.")
    rows = proposal.allocations.select_related("member").order_by("-weight", "member_id")
    return [
        PublicShare(a.member.name or a.member.username, percent(Fraction(a.weight, a.total_weight)))
        for a in rows
    ]


def member_payouts(*, member: Member) -> QuerySet[Payout]:
    """The artist's recorded payouts, newest first."""
    return Payout.objects.filter(member=member).order_by("-created_at", "-id")


def member_proposals_open(*, member: Member) -> QuerySet[Proposal]:
    """Published proposals that credit the artist: open for their comments, newest first."""
    return (
        Proposal.objects.filter(state=Proposal.State.PUBLISHED, lines__member=member)
        .select_related("production")
        .order_by("-published_at", "-id")
    )
