"""Notification pages: the list, opening one (which marks it read), marking all read."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ensemble.accounts.models import Member
from ensemble.core.errors import EnsembleError
from ensemble.core.views import error_page

from . import selectors, services


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    member: Member = request.user  # type: ignore[assignment]
    cursor = request.GET.get("cursor")
    try:
        page = selectors.notifications_for(member=member, cursor=cursor)
    except EnsembleError as error:
        return error_page(request, status=error.status, title="Not possible", message=error.message)
    more_url = f"{request.path}?cursor={page.next_cursor}" if page.next_cursor else None
    context = {"page": page, "more_url": more_url}
    if request.headers.get("HX-Request") and cursor:
        return render(request, "notifications/_page.html", context)
    return render(request, "notifications/list.html", context)


# GET so that a plain link (and "open in new tab") works; marking read twice changes nothing.
@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    member: Member = request.user  # type: ignore[assignment]
    try:
        notification = services.notification_mark_read(member=member, notification_id=pk)
    except EnsembleError as error:
        return error_page(request, status=error.status, title="Not found", message=error.message)
    target = notification.url
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "notifications:list"  # the service stores site paths only; belt and braces
    return redirect(target)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    member: Member = request.user  # type: ignore[assignment]
    services.notifications_mark_all_read(member=member)
    return redirect("notifications:list")
