"""Feedback pages: posting, editing, deleting and reporting comments, hearts, follows, and the
activity feed.

Every form works without JavaScript (a plain POST, then a redirect back to the page it was on);
with htmx the answer is the part of the page that changed, and a refusal is JSON
{"detail": message} that the page script shows next to the form.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ensemble.accounts.models import Member
from ensemble.accounts.selectors import member_by_username
from ensemble.collabs.access import collaboration_for_viewer
from ensemble.core.errors import EnsembleError, NotFound
from ensemble.core.views import error_page, form_error, is_htmx
from ensemble.records.access import record_for_viewer

from . import access, selectors, services
from .forms import CommentEditForm, CommentForm, ReportForm
from .models import Comment
from .targets import Target, target_of
from .timecodes import timecode_parse

HOME_FEED_SIZE = 10


def _refused(request: HttpRequest, error: EnsembleError) -> HttpResponse:
    return error_page(request, status=error.status, title="Not possible", message=error.message)


def _next(request: HttpRequest, fallback: str) -> str:
    """The page the form was on (sent as `next`), if it is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if candidate and safe else fallback


def _login_first(request: HttpRequest, back_to: str) -> HttpResponse:
    return redirect_to_login(back_to)


# Comments ------------------------------------------------------------------------------------


def _thread_context(
    request: HttpRequest, target: Target, *, form: CommentForm | None = None, **extra: Any
) -> dict[str, Any]:
    cursor = request.GET.get("cursor") if request.method == "GET" else None
    thread = selectors.comment_thread(viewer=request.user, target=target, cursor=cursor)
    return {
        "thread": thread,
        "form": form,
        "next": _next(request, target.url()),
        "markers": bool(request.POST.get("markers")),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def comments(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """GET: the conversation (a page of its own, or the next page of it for htmx's More).
    POST: a new comment or reply."""
    try:
        target = access.target_for_viewer(viewer=request.user, kind=kind, target_id=pk)
    except NotFound as error:
        if request.method == "POST" and not request.user.is_authenticated:
            return _login_first(request, request.get_full_path())
        return _refused(request, error)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return _login_first(request, _next(request, target.url()))
        return _comment_post(request, target)
    try:
        context = _thread_context(request, target)
    except EnsembleError as error:  # a damaged cursor
        return _refused(request, error)
    if is_htmx(request) and request.GET.get("cursor"):
        return render(request, "feedback/_comment_page.html", context)
    return render(request, "feedback/comments.html", context)


def _comment_post(request: HttpRequest, target: Target) -> HttpResponse:
    member: Member = request.user  # type: ignore[assignment]
    form = CommentForm(request.POST)
    try:
        if not form.is_valid():
            raise EnsembleError(_first_error(form))
        data = form.cleaned_data
        parent = (
            access.comment_for_viewer(viewer=member, comment_id=data["parent"])
            if data["parent"]
            else None
        )
        comment = services.comment_add(
            author=member,
            target=target,
            body=data["body"],
            parent=parent,
            timecode=timecode_parse(data["timecode"]),
        )
    except EnsembleError as error:
        if is_htmx(request):
            return _refused(request, error)
        if error.field in form.fields or error.field is None:
            form_error(form, error)
        else:
            form.add_error(None, error.message)
        context = _thread_context(request, target, form=form)
        return render(request, "feedback/comments.html", context, status=error.status)
    if not is_htmx(request):
        return redirect(f"{_next(request, target.url())}#comment-{comment.pk}")
    context = _thread_context(request, target, posted=comment.pk)
    html = render_to_string("feedback/_thread.html", context, request=request)
    if context["markers"] and context["thread"].takes_timecodes:
        html += render_to_string("feedback/_markers.html", {**context, "oob": True}, request)
    return HttpResponse(html)


def _first_error(form: Any) -> str:
    """The first of a form's own errors (a field sent in the wrong shape), as one line."""
    for field, errors in form.errors.items():
        if field not in form.fields:
            return str(errors[0])
        label = str(form.fields[field].label or field.replace("_", " "))
        return f"{label.capitalize()}: {errors[0]}"
    return "The form is not valid."


def _comment_context(request: HttpRequest, comment: Comment, **extra: Any) -> dict[str, Any]:
    """What the partial of one comment needs when it is answered on its own."""
    target = target_of(comment)
    reported = (
        request.user.is_authenticated
        and comment.reports.filter(reporter_id=request.user.pk).exists()
    )
    return {
        "comment": comment,
        "target": target,
        "reported": reported,
        "next": _next(request, target.url()),
        **extra,
    }


def _comment_or_refusal(request: HttpRequest, pk: int) -> Comment | HttpResponse:
    try:
        return access.comment_for_viewer(viewer=request.user, comment_id=pk)
    except NotFound as error:
        return _refused(request, error)


@require_GET
def comment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One comment: its partial for htmx (the edit form's Cancel), else its place on its page."""
    comment = _comment_or_refusal(request, pk)
    if isinstance(comment, HttpResponse):
        return comment
    if is_htmx(request):
        return render(request, "feedback/_comment_article.html", _comment_context(request, comment))
    return redirect(f"{target_of(comment).url()}#comment-{comment.pk}")


@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login_first(request, request.get_full_path())
    try:
        comment = access.comment_for_author(member=request.user, comment_id=pk)
    except EnsembleError as error:
        return _refused(request, error)
    form = CommentEditForm(request.POST or None, initial={"body": comment.body})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_edit(
                member=request.user,
                comment=comment,
                body=form.cleaned_data["body"],
            )
        except EnsembleError as error:
            if is_htmx(request):
                return _refused(request, error)
            form_error(form, error)
            status = error.status
        else:
            if is_htmx(request):
                context = _comment_context(request, comment)
                return render(request, "feedback/_comment_article.html", context)
            return redirect(f"{_next(request, target_of(comment).url())}#comment-{comment.pk}")
    context = _comment_context(request, comment, form=form)
    template = "feedback/_comment_edit.html" if is_htmx(request) else "feedback/comment_edit.html"
    return render(request, template, context, status=status)


@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login_first(request, _next(request, "/"))
    comment = _comment_or_refusal(request, pk)
    if isinstance(comment, HttpResponse):
        return comment
    try:
        services.comment_delete(member=request.user, comment=comment)
    except EnsembleError as error:
        return _refused(request, error)
    if is_htmx(request):
        return render(request, "feedback/_comment_article.html", _comment_context(request, comment))
    messages.success(request, "Your comment was deleted.")
    return redirect(f"{_next(request, target_of(comment).url())}#comments")


@require_http_methods(["GET", "POST"])
def comment_report(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login_first(request, request.get_full_path())
    comment = _comment_or_refusal(request, pk)
    if isinstance(comment, HttpResponse):
        return comment
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise EnsembleError(_first_error(form), field="reason")
            services.report_add(
                reporter=request.user,
                comment=comment,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except EnsembleError as error:
            if is_htmx(request):
                return _refused(request, error)
            if not form.errors:
                form_error(form, error)
            status = error.status
        else:
            if is_htmx(request):
                return render(request, "feedback/_reported.html", {"comment": comment})
            messages.success(request, "Thank you: staff will look at this comment.")
            return redirect(f"{_next(request, target_of(comment).url())}#comment-{comment.pk}")
    context = _comment_context(request, comment, form=form)
    return render(request, "feedback/comment_report.html", context, status=status)


# Hearts and follows --------------------------------------------------------------------------


@require_POST
def heart(request: HttpRequest, pk: int) -> HttpResponse:
    """Heart (action=add) or un-heart (action=remove) a record; without an action, toggle."""
    if not request.user.is_authenticated:
        return _login_first(request, _next(request, "/"))
    member: Member = request.user
    try:
        record = record_for_viewer(viewer=member, record_id=pk)
        action = request.POST.get("action", "")
        if action == "add":
            services.heart_add(member=member, record=record)
        elif action == "remove":
            services.heart_remove(member=member, record=record)
        else:
            services.heart_toggle(member=member, record=record)
    except EnsembleError as error:
        return _refused(request, error)
    if is_htmx(request):
        context = {
            "record": record,
            "hearts": selectors.heart_summary(record=record, viewer=member),
            "next": _next(request, record.get_absolute_url()),
        }
        return render(request, "feedback/_heart.html", context)
    return redirect(_next(request, record.get_absolute_url()))


def _follow_answer(request: HttpRequest, summary: selectors.FollowSummary, back: str) -> Any:
    if is_htmx(request):
        context = {"follow": summary, "next": _next(request, back)}
        return render(request, "feedback/_follow.html", context)
    return redirect(_next(request, back))


@require_POST
def follow_member(request: HttpRequest, username: str) -> HttpResponse:
    """Follow (action=follow) or stop following (action=unfollow) a member."""
    back = f"/@{username}/"
    if not request.user.is_authenticated:
        return _login_first(request, _next(request, back))
    follower: Member = request.user
    member = member_by_username(username=username)
    if member is None:
        return _refused(request, NotFound("There is no such member."))
    try:
        if request.POST.get("action") == "unfollow":
            services.follow_remove(follower=follower, member=member)
        else:
            services.follow_add(follower=follower, member=member)
    except EnsembleError as error:
        return _refused(request, error)
    summary = selectors.follow_summary(viewer=follower, member=member)
    return _follow_answer(request, summary, member.get_absolute_url())


@require_POST
def follow_collaboration(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow (action=follow) or stop following (action=unfollow) a collaboration."""
    if not request.user.is_authenticated:
        return _login_first(request, _next(request, "/"))
    follower: Member = request.user
    try:
        collaboration = collaboration_for_viewer(viewer=follower, collaboration_id=pk)
        if request.POST.get("action") == "unfollow":
            services.follow_remove(follower=follower, collaboration=collaboration)
        else:
            services.follow_add(follower=follower, collaboration=collaboration)
    except EnsembleError as error:
        return _refused(request, error)
    summary = selectors.follow_summary(viewer=follower, collaboration=collaboration)
    return _follow_answer(request, summary, _next(request, "/"))


# Activity ------------------------------------------------------------------------------------


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """What the people and collaborations you follow did. `?preview=1` is the home page's
    section (empty for members who follow nobody); htmx's More asks for the next page."""
    if not request.user.is_authenticated:
        if is_htmx(request):
            return HttpResponse("")
        return _login_first(request, request.get_full_path())
    member: Member = request.user
    preview = request.GET.get("preview") == "1"
    cursor = None if preview else request.GET.get("cursor")
    try:
        page = selectors.activity_feed(
            member=member, cursor=cursor, limit=HOME_FEED_SIZE if preview else 30
        )
    except EnsembleError as error:
        return _refused(request, error)
    more_url = f"{request.path}?cursor={page.next_cursor}" if page.next_cursor else None
    context: dict[str, Any] = {"page": page, "more_url": more_url}
    if preview:
        if not page.activities and not selectors.follows_anyone(member=member):
            return HttpResponse("")
        return render(request, "feedback/_home_feed.html", context)
    if is_htmx(request) and cursor:
        return render(request, "feedback/_activity_page.html", context)
    context["follows_anyone"] = bool(page.activities) or selectors.follows_anyone(member=member)
    return render(request, "feedback/feed.html", context)
