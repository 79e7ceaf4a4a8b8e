"""Member pages: a member's public page, their profile settings and API tokens."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ensemble.core.errors import EnsembleError
from ensemble.core.middleware import too_large_response
from ensemble.core.uploads import upload_was_too_large
from ensemble.core.views import form_error
from ensemble.feedback.selectors import follow_summary
from ensemble.lineage.selectors import member_remix_count
from ensemble.records.selectors import FeedFilters, records_feed

from . import selectors, services
from .forms import ProfileForm, TokenForm
from .models import ApiToken, Member


@require_GET
def member_page(request: HttpRequest, username: str) -> HttpResponse:
    member = selectors.member_by_username(username=username)
    if member is None:
        raise Http404("No such member.")
    try:
        page = records_feed(
            viewer=request.user,
            filters=FeedFilters(author=member.username),
            cursor=request.GET.get("cursor"),
        )
    except EnsembleError as error:
        raise Http404(error.message) from error
    more_url = f"{request.path}?cursor={page.next_cursor}" if page.next_cursor else None
    context = {
        "member": member,
        "page": page,
        "more_url": more_url,
        "remix_count": member_remix_count(member=member),
        "follow": follow_summary(viewer=request.user, member=member),
    }
    if request.headers.get("HX-Request") and request.GET.get("cursor"):
        return render(request, "records/_feed_page.html", context)
    return render(request, "accounts/member.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    member: Member = request.user  # type: ignore[assignment]
    initial = {
        "display_name": member.display_name,
        "bio": member.bio,
        "city": member.city,
        "roles": member.roles,
        "email_notifications": member.email_notifications,
    }
    if request.method == "POST":
        files = request.FILES  # read the body first: the size cap is checked while streaming
        if upload_was_too_large(request):
            return too_large_response(request)
        form = ProfileForm(request.POST, files, initial=initial)
    else:
        form = ProfileForm(initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.profile_update(
                    member=member,
                    display_name=data["display_name"],
                    bio=data["bio"],
                    city=data["city"],
                    roles=data["roles"],
                    email_notifications=data["email_notifications"],
                )
                if data["avatar"]:
                    services.avatar_set(member=member, upload=data["avatar"])
        except EnsembleError as error:
            member.refresh_from_db()
            form_error(form, error)
            status = error.status
        else:
            return redirect(member)
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/profile_edit.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    member: Member = request.user  # type: ignore[assignment]
    form = TokenForm(request.POST or None)
    issued = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.api_token_create(
                member=member,
                name=form.cleaned_data["name"] or "",
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except EnsembleError as error:
            form_error(form, error)
            status = error.status
        else:
            form = TokenForm()
    elif request.method == "POST":
        status = 400
    context = {"form": form, "issued": issued, "tokens": selectors.api_tokens_of(member=member)}
    return render(request, "accounts/tokens.html", context, status=status)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, member=request.user)
    services.api_token_revoke(token=token)
    return redirect("accounts:tokens")
