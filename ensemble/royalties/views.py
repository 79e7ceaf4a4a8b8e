"""Revenue-share pages: an artist's earnings (with the CSV statement), a proposal as its
leaders see it (breakdowns, adjustments, amounts) and as everyone sees it once published, and
the public page of a finalised allocation. Read-only: changes go through the API for now.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ensemble.core.errors import EnsembleError
from ensemble.core.money import money_format
from ensemble.core.views import error_page
from ensemble.productions.access import can_edit

from . import selectors
from .access import proposal_for_viewer


def _refused(request: HttpRequest, error: EnsembleError) -> HttpResponse:
    return error_page(request, status=error.status, title="Not here", message=error.message)


@require_GET
@login_required
def earnings(request: HttpRequest) -> HttpResponse:
    member = request.user
    balances = [
        money_format(amount, currency)
        for currency, amount in selectors.member_balances(member=member).items()  # type: ignore[arg-type]
    ]
    by_production = [
        (title, money_format(amount, currency))
        for title, currency, amount in selectors.member_earnings_by_production(member=member)  # type: ignore[arg-type]
    ]
    context = {
        "balances": balances,
        "by_production": by_production,
        "cycles": selectors.member_earnings(member=member),  # type: ignore[arg-type]
    }
    return render(request, "royalties/earnings.html", context)


@require_GET
@login_required
def earnings_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        selectors.statement_csv(member=request.user),  # type: ignore[arg-type]
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="ensemble-statement.csv"'
    return response


@require_GET
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        proposal = proposal_for_viewer(viewer=request.user, proposal_id=pk)
    except EnsembleError as error:
        return _refused(request, error)
    is_leader = can_edit(request.user, proposal.production)
    lines = []
    if is_leader:
        for line in selectors.allocation_for_leaders(viewer=request.user, proposal=proposal):
            amount = money_format(line.amount, proposal.currency) if line.amount is not None else ""
            lines.append((line, selectors.percent(line.share), amount))
    context = {
        "proposal": proposal,
        "is_leader": is_leader,
        "lines": lines,
        "shares": selectors.proposal_shares(proposal=proposal),
        "changes": selectors.proposal_changes(proposal=proposal),
        "comments": proposal.comments.select_related("author"),
    }
    return render(request, "royalties/proposal.html", context)


@require_GET
def allocation_public(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        shares = selectors.allocation_public(proposal_id=pk)
    except EnsembleError as error:
        return _refused(request, error)
    proposal = proposal_for_viewer(viewer=request.user, proposal_id=pk)
    return render(request, "royalties/allocation.html", {"proposal": proposal, "shares": shares})
