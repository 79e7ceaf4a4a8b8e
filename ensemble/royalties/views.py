"""Revenue-share pages.

- A production's revenue page, for its leaders: the pool (open it; add a budget or a profit,
  each kept with who, when and why), proposals generated from its cuts, and their states.
- A proposal: its leaders see every line's breakdown and, while it can change, adjust a weight
  with a reason, hand their own share back (or keep it), publish, and finalise once the comment
  window has passed; once published, everyone sees the shares, the changes as before/after and
  the comments, and anyone signed in may comment.
- An artist's earnings (with the CSV statement), the proposals open for their comments, their
  payouts, and a payout form whose idempotency key is made when the form is shown.
- The public page of a finalised allocation.

Views parse input, load through `access`, call the services and selectors, and shape the
answer. A refusal is shown where the person is (next to the field or above the form) with the
service's status; nothing is changed then. Success redirects (POST, redirect, GET).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ensemble.accounts.models import Member
from ensemble.core.errors import EnsembleError, NotFound
from ensemble.core.money import money_format
from ensemble.core.views import form_error, refused_page
from ensemble.productions import selectors as production_selectors
from ensemble.productions.access import can_edit, cut_for_editor, production_for_editor
from ensemble.productions.models import Production

from . import selectors, services
from .access import proposal_for_editor, proposal_for_viewer
from .forms import (
    BudgetForm,
    CommentForm,
    HandBackForm,
    PayoutForm,
    PoolOpenForm,
    ProfitForm,
    ProposalForm,
    WeightForm,
    new_idempotency_key,
)
from .models import Pool, PoolEntry, Proposal
from .weights import MICRO

STATE_CLASS: dict[str, str] = {
    Proposal.State.DRAFT: "status-draft",
    Proposal.State.PUBLISHED: "status-open",
    Proposal.State.FINALISED: "status-closed",
}


def _member(request: HttpRequest) -> Member:
    return request.user  # type: ignore[return-value]  # behind login_required


def points(micro: int) -> str:
    """Micro-points as the points a person reads and types: 4_500_000 → "4.5"."""
    whole, part = divmod(micro, MICRO)
    return f"{whole}.{part:06d}".rstrip("0") if part else str(whole)


def bp_percent(basis_points: int) -> str:
    """Basis points as a percentage: 5000 → "50", 1250 → "12.5"."""
    whole, part = divmod(basis_points, 100)
    return f"{whole}.{part:02d}".rstrip("0") if part else str(whole)


def window_end(proposal: Proposal) -> datetime | None:
    """When the comment window closes (the service refuses to finalise before)."""
    if proposal.published_at is None:
        return None
    return proposal.published_at + timedelta(days=proposal.window_days)


# A production's revenue page ----------------------------------------------------------------


@dataclass(frozen=True)
class EntryRow:
    entry: PoolEntry
    who: str
    amount: str
    detail: str


@dataclass(frozen=True)
class ProposalRow:
    proposal: Proposal
    state_class: str
    amount: str
    window_ends: datetime | None


def _entry_row(entry: PoolEntry) -> EntryRow:
    detail = ""
    if entry.kind == PoolEntry.Kind.PROFIT:
        detail = (
            f"{money_format(entry.revenue, entry.currency)} revenue minus "
            f"{money_format(entry.costs, entry.currency)} costs, "
            f"{bp_percent(entry.share_bp)} % to the artists"
        )
    return EntryRow(
        entry, entry.created_by.name, money_format(entry.amount, entry.currency), detail
    )


def _errors_of(unshown: list[forms.Form | None]) -> str:
    """The messages of bound forms the page will not show, as one text."""
    return " ".join(
        str(message)
        for form in unshown
        if form is not None
        for messages_ in form.errors.values()
        for message in messages_
    )


def _revenue_page(
    request: HttpRequest,
    production: Production,
    *,
    status: int = 200,
    pool_form: PoolOpenForm | None = None,
    budget_form: BudgetForm | None = None,
    profit_form: ProfitForm | None = None,
    proposal_form: ProposalForm | None = None,
) -> HttpResponse:
    pool = Pool.objects.filter(production=production).first()
    cuts = [
        (cut.pk, cut.name) for cut in production_selectors.production_cuts(production=production)
    ]
    currency = {"currency": pool.currency} if pool else {}
    entries = []
    if pool is not None:
        rows = pool.entries.select_related("created_by").order_by("-created_at", "-id")
        entries = [_entry_row(entry) for entry in rows]
    proposals = [
        ProposalRow(
            proposal,
            STATE_CLASS[proposal.state],
            money_format(proposal.amount, proposal.currency) if proposal.amount is not None else "",
            window_end(proposal),
        )
        for proposal in production.proposals.select_related("cut").order_by("-created_at", "-id")
    ]
    # A refusal from a form the page does not show now (opening a pool that is already open,
    # money for a pool not opened yet) is shown above the page instead.
    unshown: list[forms.Form | None] = (
        [pool_form] if pool is not None else [budget_form, profit_form]
    )
    context = {
        "refusal": _errors_of(unshown),
        "production": production,
        "pool": pool,
        "balance": money_format(selectors.pool_balance(pool=pool), pool.currency) if pool else "",
        "community_share": bp_percent(pool.community_share_bp) if pool else "",
        "entries": entries,
        "proposals": proposals,
        "cuts": cuts,
        "pool_form": pool_form or PoolOpenForm(prefix="pool"),
        "budget_form": budget_form or BudgetForm(prefix="budget", initial=currency),
        "profit_form": profit_form or ProfitForm(prefix="profit", initial=currency),
        "proposal_form": proposal_form or ProposalForm(prefix="proposal", cuts=cuts),
    }
    return render(request, "royalties/revenue.html", context, status=status)


def _to_revenue(production: Production) -> HttpResponse:
    return redirect("royalties:production", pk=production.pk)


@require_GET
@login_required
def production_revenue(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        production = production_for_editor(member=request.user, production_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    return _revenue_page(request, production)


@require_POST
@login_required
def pool_open(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        production = production_for_editor(member=member, production_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    form = PoolOpenForm(request.POST, prefix="pool")
    try:
        pool = services.pool_open(
            actor=member,
            production=production,
            currency=form.value("currency"),
            community_share_bp=form.community_share_bp(),
        )
    except EnsembleError as error:
        form_error(form, error)
        return _revenue_page(request, production, status=error.status, pool_form=form)
    messages.success(
        request,
        f"The pool is open, in {pool.currency}: {bp_percent(pool.community_share_bp)} % of "
        "every profit goes to the artists.",
    )
    return _to_revenue(production)


@require_POST
@login_required
def pool_budget_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        production = production_for_editor(member=member, production_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    form = BudgetForm(request.POST, prefix="budget")
    try:
        entry = services.pool_budget_add(
            actor=member,
            production=production,
            amount=form.number("amount"),
            currency=form.value("currency"),
            reason=form.value("reason"),
        )
    except EnsembleError as error:
        form_error(form, error)
        return _revenue_page(request, production, status=error.status, budget_form=form)
    messages.success(request, f"A budget of {money_format(entry.amount, entry.currency)} is in.")
    return _to_revenue(production)


@require_POST
@login_required
def pool_profit_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        production = production_for_editor(member=member, production_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    form = ProfitForm(request.POST, prefix="profit")
    try:
        entry = services.pool_profit_add(
            actor=member,
            production=production,
            revenue=form.number("revenue"),
            costs=form.number("costs"),
            currency=form.value("currency"),
            reason=form.value("reason"),
        )
    except EnsembleError as error:
        form_error(form, error)
        return _revenue_page(request, production, status=error.status, profit_form=form)
    if entry.amount:
        text = f"{money_format(entry.amount, entry.currency)} of the profit entered the pool."
    else:
        text = "No profit this time, so nothing entered the pool; the entry is kept."
    messages.success(request, text)
    return _to_revenue(production)


@require_POST
@login_required
def proposal_generate(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        production = production_for_editor(member=member, production_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    cuts = [
        (cut.pk, cut.name) for cut in production_selectors.production_cuts(production=production)
    ]
    form = ProposalForm(request.POST, prefix="proposal", cuts=cuts)
    try:
        cut = cut_for_editor(member=member, cut_id=form.cut_id())
        if cut.production_id != production.pk:
            raise NotFound("Choose one of this production's cuts.", field="cut")
        proposal = services.proposal_generate(
            actor=member,
            cut=cut,
            upstream_share_bp=form.upstream_share_bp(),
            window_days=form.window(),
        )
    except EnsembleError as error:
        form_error(form, error)
        return _revenue_page(request, production, status=error.status, proposal_form=form)
    messages.success(
        request,
        f"A draft proposal from the {cut.name} cut is ready. Only the production's leaders see "
        "it until you publish it.",
    )
    return redirect("royalties:proposal", pk=proposal.pk)


# A proposal ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    member_id: int
    name: str
    roles: str
    reached: str  # what reached the screen, and through what, in words
    weight: str
    computed: str
    counted: bool
    percent: str
    amount: str
    adjustments: list[tuple[str, str, str, datetime]]  # (old, new, reason, when)


def _trimmed(number: object) -> str:
    """A breakdown's decimal ("12.500") as a person reads it ("12.5"); zero as "0"."""
    text = str(number or "0")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _reached(breakdown: dict[str, Any]) -> str:
    """A line's breakdown in words: "12 s on screen · 2 texts · 1.5 points upstream"."""
    texts = int(breakdown.get("text_uses") or 0)
    parts = [
        (_trimmed(breakdown.get("screen_seconds")), "{} s on screen"),
        (_trimmed(breakdown.get("audio_seconds")), "{} s of audio"),
        (str(texts), "{} text" if texts == 1 else "{} texts"),
        (_trimmed(breakdown.get("upstream_points")), "{} points upstream"),
        (_trimmed(breakdown.get("role_points")), "{} points for the roles"),
    ]
    return " · ".join(template.format(value) for value, template in parts if value != "0")


def _line_rows(viewer: Member, proposal: Proposal) -> list[LineRow]:
    rows = []
    for line in selectors.allocation_for_leaders(viewer=viewer, proposal=proposal):
        rows.append(
            LineRow(
                member_id=line.line.member_id,
                name=line.name,
                roles=", ".join(line.line.roles),
                reached=_reached(line.line.breakdown),
                weight=points(line.weight),
                computed=points(line.line.computed_weight),
                counted=line.counted == line.weight,
                percent=selectors.percent(line.share),
                amount=(
                    money_format(line.amount, proposal.currency) if line.amount is not None else ""
                ),
                adjustments=[
                    (points(a.old_weight), points(a.new_weight), a.reason, a.created_at)
                    for a in line.adjustments
                ],
            )
        )
    return rows


def _weight_choices(proposal: Proposal) -> list[tuple[int, str]]:
    """The artists of a proposal for the weight form: "Ana Ferreira (6.5 points)"."""
    lines = proposal.lines.select_related("member").order_by("position", "id")
    return [
        (line.member_id, f"{line.member.name} ({points(line.weight)} points)") for line in lines
    ]


def _proposal_page(
    request: HttpRequest,
    proposal: Proposal,
    *,
    status: int = 200,
    weight_form: WeightForm | None = None,
    hand_back_form: HandBackForm | None = None,
    comment_form: CommentForm | None = None,
    action_error: str = "",
) -> HttpResponse:
    viewer = request.user
    proposal.refresh_from_db()
    is_leader = can_edit(viewer, proposal.production)
    lines = _line_rows(viewer, proposal) if is_leader else []  # type: ignore[arg-type]
    now = timezone.now()
    ends = window_end(proposal)
    hand_back_next = "0" if proposal.leaders_hand_back else "1"
    editable = is_leader and proposal.state != Proposal.State.FINALISED
    can_comment = proposal.state == Proposal.State.PUBLISHED
    unshown: list[forms.Form | None] = [] if editable else [weight_form, hand_back_form]
    if not (can_comment and viewer.is_authenticated):
        unshown.append(comment_form)
    context = {
        "proposal": proposal,
        "state_class": STATE_CLASS[proposal.state],
        "is_leader": is_leader,
        "editable": editable,
        "lines": lines,
        "upstream_share": bp_percent(proposal.upstream_share_bp),
        "shares": selectors.proposal_shares(proposal=proposal),
        "changes": selectors.proposal_changes(proposal=proposal),
        "comments": proposal.comments.select_related("author"),
        "amount": money_format(proposal.amount, proposal.currency)
        if proposal.amount is not None
        else "",
        "window_ends": ends,
        "window_if_now": now + timedelta(days=proposal.window_days),
        "window_open": ends is not None and now < ends,
        "can_comment": can_comment,
        "action_error": " ".join(filter(None, [action_error, _errors_of(unshown)])),
        "weight_form": weight_form or WeightForm(prefix="weight", lines=_weight_choices(proposal)),
        "hand_back_form": hand_back_form
        or HandBackForm(prefix="handback", initial={"hand_back": hand_back_next}),
        "comment_form": comment_form or CommentForm(prefix="comment"),
    }
    return render(request, "royalties/proposal.html", context, status=status)


def _to_proposal(proposal: Proposal, anchor: str = "") -> HttpResponse:
    return redirect(reverse("royalties:proposal", kwargs={"pk": proposal.pk}) + anchor)


@require_GET
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        proposal = proposal_for_viewer(viewer=request.user, proposal_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    return _proposal_page(request, proposal)


@require_POST
@login_required
def line_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        proposal = proposal_for_editor(member=member, proposal_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    form = WeightForm(request.POST, prefix="weight", lines=_weight_choices(proposal))
    try:
        line = proposal.lines.select_related("member").filter(member_id=form.member_id()).first()
        if line is None:
            raise NotFound("That artist has no line in this proposal.", field="member")
        adjustment = services.line_adjust(
            actor=member,
            line=line,
            weight=form.number("weight", example="4.5"),
            reason=form.value("reason"),
        )
    except EnsembleError as error:
        form_error(form, error)
        return _proposal_page(request, proposal, status=error.status, weight_form=form)
    messages.success(
        request, f"{line.member.name}'s weight is now {points(adjustment.new_weight)} points."
    )
    return _to_proposal(proposal)


@require_POST
@login_required
def hand_back_set(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        proposal = proposal_for_editor(member=member, proposal_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    form = HandBackForm(request.POST, prefix="handback")
    try:
        changed = services.proposal_hand_back_set(
            actor=member, proposal=proposal, hand_back=form.wanted(), reason=form.value("reason")
        )
    except EnsembleError as error:
        form_error(form, error)
        return _proposal_page(request, proposal, status=error.status, hand_back_form=form)
    if changed.leaders_hand_back:
        messages.success(request, "The leaders' share now goes to the other artists.")
    else:
        messages.success(request, "The leaders keep their share.")
    return _to_proposal(proposal)


@require_POST
@login_required
def proposal_publish(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        proposal = proposal_for_editor(member=member, proposal_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    try:
        published = services.proposal_publish(actor=member, proposal=proposal)
    except EnsembleError as error:
        return _proposal_page(request, proposal, status=error.status, action_error=error.message)
    ends = window_end(published)
    messages.success(
        request,
        f"Published: every credited artist has been told, and comments are open until "
        f"{ends:%Y-%m-%d %H:%M} UTC.",
    )
    return _to_proposal(proposal)


@require_POST
@login_required
def proposal_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        proposal = proposal_for_editor(member=member, proposal_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    try:
        done = services.proposal_finalise(actor=member, proposal=proposal)
    except EnsembleError as error:
        return _proposal_page(request, proposal, status=error.status, action_error=error.message)
    assert done.amount is not None
    messages.success(
        request,
        f"Finalised: {money_format(done.amount, done.currency)} is shared among "
        f"{done.allocations.count()} artists and added to their earnings.",
    )
    return _to_proposal(proposal)


@require_POST
@login_required
def proposal_comment(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        proposal = proposal_for_viewer(viewer=member, proposal_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    form = CommentForm(request.POST, prefix="comment")
    try:
        comment = services.proposal_comment(
            author=member, proposal=proposal, text=form.value("text")
        )
    except EnsembleError as error:
        form_error(form, error)
        return _proposal_page(request, proposal, status=error.status, comment_form=form)
    messages.success(request, "Your comment is posted; the leaders read it before finalising.")
    return _to_proposal(proposal, f"#comment-{comment.pk}")


@require_GET
def allocation_public(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        shares = selectors.allocation_public(proposal_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    proposal = proposal_for_viewer(viewer=request.user, proposal_id=pk)
    return render(request, "royalties/allocation.html", {"proposal": proposal, "shares": shares})


# Earnings and payouts -----------------------------------------------------------------------


def _payable_currencies(member: Member) -> list[str]:
    return [code for code, amount in selectors.member_balances(member=member).items() if amount > 0]


def _earnings_page(
    request: HttpRequest, *, status: int = 200, payout_form: PayoutForm | None = None
) -> HttpResponse:
    member = _member(request)
    balances = selectors.member_balances(member=member)
    currencies = [code for code, amount in balances.items() if amount > 0]
    by_production = [
        (title, money_format(amount, currency))
        for title, currency, amount in selectors.member_earnings_by_production(member=member)
    ]
    payouts = [
        (payout, money_format(payout.amount, payout.currency))
        for payout in selectors.member_payouts(member=member)
    ]
    context = {
        "balances": [money_format(amount, currency) for currency, amount in balances.items()],
        "by_production": by_production,
        "cycles": selectors.member_earnings(member=member),
        "open_proposals": selectors.member_proposals_open(member=member),
        "payouts": payouts,
        "payout_form": payout_form or PayoutForm(prefix="payout", currencies=currencies),
        "can_pay_out": bool(currencies) or payout_form is not None,
    }
    return render(request, "royalties/earnings.html", context, status=status)


@require_GET
@login_required
def earnings(request: HttpRequest) -> HttpResponse:
    return _earnings_page(request)


@require_GET
@login_required
def earnings_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        selectors.statement_csv(member=_member(request)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="ensemble-statement.csv"'
    return response


@require_POST
@login_required
def payout_request(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = PayoutForm(request.POST, prefix="payout", currencies=_payable_currencies(member))
    key = form.value("key").strip()
    sent_before = (
        bool(key) and selectors.member_payouts(member=member).filter(idempotency_key=key).exists()
    )
    try:
        payout = services.payout_request(
            member=member,
            amount=form.number("amount", example="50.00"),
            currency=form.value("currency"),
            idempotency_key=key,
        )
    except EnsembleError as error:
        if error.field == "key" or error.status == 409:
            # The form's key is missing, or was used for another payout (an old form sent again
            # with another amount): the form gets a fresh key, and the person sends it again.
            data = request.POST.copy()
            data[form.add_prefix("key")] = new_idempotency_key()
            form = PayoutForm(data, prefix="payout", currencies=_payable_currencies(member))
            if error.status == 409:
                error = type(error)(
                    "This form was already used for another payout. Check the amount and "
                    "send it again."
                )
            else:
                error = type(error)("This form had expired. Check the amount and send it again.")
        form_error(form, error)
        return _earnings_page(request, status=error.status, payout_form=form)
    amount = money_format(payout.amount, payout.currency)
    if sent_before:
        messages.success(request, f"That payout of {amount} was already recorded, once.")
    else:
        messages.success(
            request,
            f"A payout of {amount} is recorded. The transfer itself is made outside Ensemble.",
        )
    return redirect("royalties:earnings")
