"""Collaboration pages: the list, a brief and its gallery, submitting, curating, invitations.

Views parse input, call the services and selectors, and shape the answer. A refusal from a
service is shown where the person is: next to the field, above the form, or on the card they
moved, with the service's status; nothing is changed then.
"""

from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from ensemble.accounts.models import Member
from ensemble.core.errors import EnsembleError, NotAllowed, NotFound
from ensemble.core.middleware import too_large_response
from ensemble.core.ranges import stored_image_response
from ensemble.core.uploads import upload_was_too_large
from ensemble.core.views import form_error, is_htmx, refused_page
from ensemble.feedback import selectors as feedback
from ensemble.productions.access import productions_listed
from ensemble.records.access import record_for_viewer
from ensemble.records.models import Kind

from . import selectors, services
from .access import (
    collaboration_for_leader,
    collaboration_for_viewer,
    is_leader,
    submission_for_viewer,
)
from .forms import (
    AssignmentForm,
    CollaborationForm,
    DecisionForm,
    ImageRemovalForm,
    InviteForm,
    LeaderForm,
    SubmitForm,
)
from .models import Collaboration, Status, Submission, SubmissionState
from .requirements import requirement_labels, shortfalls

BOARD_LIMIT = 60  # cards per column; filters narrow the rest down
GALLERY_LIMIT = selectors.GALLERY_LIMIT
BOARD_COLUMNS = [
    (SubmissionState.SUBMITTED, "Submitted"),
    (SubmissionState.SHORTLISTED, "Shortlisted"),
    (SubmissionState.SELECTED, "Selected"),
    (SubmissionState.PASSED, "Passed"),
]
# What a card offers from each state: (new state, button label).
MOVES: dict[str, list[tuple[str, str]]] = {
    SubmissionState.SUBMITTED: [
        (SubmissionState.SHORTLISTED, "Shortlist"),
        (SubmissionState.SELECTED, "Select"),
        (SubmissionState.PASSED, "Pass"),
    ],
    SubmissionState.SHORTLISTED: [
        (SubmissionState.SELECTED, "Select"),
        (SubmissionState.PASSED, "Pass"),
        (SubmissionState.SUBMITTED, "Back to submitted"),
    ],
    SubmissionState.SELECTED: [
        (SubmissionState.SHORTLISTED, "Back to shortlist"),
        (SubmissionState.PASSED, "Pass"),
        (SubmissionState.SUBMITTED, "Back to submitted"),
    ],
    SubmissionState.PASSED: [
        (SubmissionState.SHORTLISTED, "Shortlist"),
        (SubmissionState.SUBMITTED, "Back to submitted"),
    ],
}
# The status buttons leaders see: (new status, label), offered where the service allows it.
STATUS_BUTTONS: dict[str, list[tuple[str, str]]] = {
    Status.DRAFT: [(Status.OPEN, "Open for submissions")],
    Status.OPEN: [
        (Status.CURATING, "Start curating"),
        (Status.CLOSED, "Close"),
        (Status.DRAFT, "Back to draft"),
    ],
    Status.CURATING: [(Status.OPEN, "Reopen for submissions"), (Status.CLOSED, "Close")],
    Status.CLOSED: [(Status.CURATING, "Reopen for curating")],
}
STATUS_TABS = [
    ("", "All"),
    (Status.OPEN, "Open"),
    (Status.CURATING, "Curating"),
    (Status.CLOSED, "Closed"),
]


def _member(request: HttpRequest) -> Member:
    return request.user  # type: ignore[return-value]  # behind login_required


# The list -------------------------------------------------------------------------------


@require_GET
def collaboration_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    cursor = request.GET.get("cursor")
    try:
        rows, next_cursor = selectors.collaborations_page(
            viewer=request.user, status=status, cursor=cursor
        )
    except EnsembleError as error:
        return refused_page(request, error)
    more_url = None
    if next_cursor:
        query = request.GET.copy()
        query["cursor"] = next_cursor
        more_url = f"{request.path}?{query.urlencode()}"
    tabs = list(STATUS_TABS)
    if request.user.is_authenticated:
        tabs.append((Status.DRAFT, "Drafts"))
    context = {"collaborations": rows, "status": status, "tabs": tabs, "more_url": more_url}
    if is_htmx(request) and cursor:
        return render(request, "collabs/_list_page.html", context)
    return render(request, "collabs/list.html", context)


# Starting and editing -------------------------------------------------------------------


def _images_apply(
    member: Member, collaboration: Collaboration, files: Any, removal: dict[str, bool]
) -> None:
    for which in ("cover", "partner_logo"):
        upload = files.get(which)
        if upload:
            services.collaboration_image_set(
                actor=member, collaboration=collaboration, which=which, upload=upload
            )
        elif removal.get(f"remove_{which}") and getattr(collaboration, which):
            services.collaboration_image_set(
                actor=member, collaboration=collaboration, which=which, upload=None
            )


@login_required
@require_http_methods(["GET", "POST"])
def collaboration_create(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if request.method == "POST":
        files = request.FILES
        if upload_was_too_large(request):
            return too_large_response(request)
        form = CollaborationForm(request.POST, files)
    else:
        form = CollaborationForm()
    status = 200
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            with transaction.atomic():  # the brief and its images, or nothing
                collaboration = services.collaboration_create(
                    leader=member, title=changes.pop("title"), **changes
                )
                _images_apply(member, collaboration, request.FILES, {})
        except EnsembleError as error:
            form_error(form, error)
            status = error.status
        else:
            messages.success(
                request,
                "Your brief is saved as a draft: only its leaders see it until you open it.",
            )
            return redirect(collaboration)
    elif request.method == "POST":
        status = 400
    return render(
        request, "collabs/form.html", {"form": form, "collaboration": None}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def collaboration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        collaboration = collaboration_for_leader(member=member, collaboration_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    if request.method == "POST":
        files = request.FILES
        if upload_was_too_large(request):
            return too_large_response(request)
        form = CollaborationForm(request.POST, files)
        removal = ImageRemovalForm(request.POST)
    else:
        form = CollaborationForm(initial=CollaborationForm.initial_for(collaboration))
        removal = ImageRemovalForm()
    status = 200
    if request.method == "POST" and form.is_valid() and removal.is_valid():
        try:
            with transaction.atomic():
                services.collaboration_update(
                    actor=member, collaboration=collaboration, changes=form.changes()
                )
                _images_apply(member, collaboration, request.FILES, removal.cleaned_data)
        except EnsembleError as error:
            collaboration.refresh_from_db()
            form_error(form, error)
            status = error.status
        else:
            messages.success(request, "Saved.")
            return redirect(collaboration)
    elif request.method == "POST":
        status = 400
    context = {"form": form, "removal": removal, "collaboration": collaboration}
    return render(request, "collabs/form.html", context, status=status)


@require_safe
def collaboration_image(request: HttpRequest, pk: str, which: str) -> HttpResponseBase:
    """The cover or the partner logo (re-encoded WebP, without metadata)."""
    try:
        collaboration = collaboration_for_viewer(viewer=request.user, collaboration_id=int(pk))
    except NotFound as error:
        return refused_page(request, error)
    field = getattr(collaboration, which.replace("-", "_"))
    if not field:
        return refused_page(request, NotFound("This collaboration has no such image."))
    return stored_image_response(request, field)


# The collaboration page -----------------------------------------------------------------


@require_GET
def collaboration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        collaboration = collaboration_for_viewer(viewer=request.user, collaboration_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    return _detail_page(request, collaboration)


def _detail_page(
    request: HttpRequest,
    collaboration: Collaboration,
    *,
    status: int = 200,
    leader_form: LeaderForm | None = None,
    status_error: str = "",
    leaders_error: str = "",
) -> HttpResponse:
    viewer = request.user
    leading = is_leader(viewer, collaboration)
    gallery = list(
        selectors.submissions_public(collaboration=collaboration)
        .select_related("record__current_version", "record__current_version__media_job")
        .prefetch_related("record__current_version__renditions", "record__tags")[
            : GALLERY_LIMIT + 1
        ]
    )
    mine: list[Submission] = []
    if viewer.is_authenticated:
        mine = list(selectors.member_submissions(member=viewer).filter(collaboration=collaboration))
    context = {
        "collaboration": collaboration,
        "is_leader": leading,
        "leaders": selectors.leaders_of(collaboration),
        "requirements": requirement_labels(collaboration),
        "kinds": [Kind(kind).label for kind in collaboration.kinds],
        "gallery": [submission.record for submission in gallery[:GALLERY_LIMIT]],
        "gallery_more": len(gallery) > GALLERY_LIMIT,
        "mine": mine,
        "status_buttons": STATUS_BUTTONS[collaboration.status] if leading else [],
        "counts": selectors.state_counts(collaboration=collaboration) if leading else None,
        "leader_form": leader_form or LeaderForm(),
        "status_error": status_error,
        "leaders_error": leaders_error,
        "thread": feedback.comment_thread(viewer=viewer, target=collaboration),
        "follow": feedback.follow_summary(viewer=viewer, collaboration=collaboration),
        # Its productions: all of them for leaders, those with a release time for others.
        "productions": list(productions_listed(viewer=viewer).filter(collaboration=collaboration)),
    }
    return render(request, "collabs/detail.html", context, status=status)


@login_required
@require_POST
def collaboration_status(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        collaboration = collaboration_for_leader(member=member, collaboration_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    try:
        services.collaboration_status_set(
            actor=member, collaboration=collaboration, status=request.POST.get("status", "")
        )
    except EnsembleError as error:
        collaboration.refresh_from_db()
        return _detail_page(request, collaboration, status=error.status, status_error=error.message)
    messages.success(
        request, f"“{collaboration.title}” is now {collaboration.get_status_display().lower()}."
    )
    return redirect(collaboration)


@login_required
@require_POST
def leader_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        collaboration = collaboration_for_leader(member=member, collaboration_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    form = LeaderForm(request.POST)
    form.is_valid()
    username = (form.cleaned_data.get("username") or "").strip().lstrip("@")
    try:
        if not username:
            raise EnsembleError("Give the username of the member to add.", field="username")
        found, _ = selectors.members_named(usernames=[username])
        if not found:
            raise NotFound(f"No member is called “{username}”.", field="username")
        services.leader_add(actor=member, collaboration=collaboration, member=found[0])
    except EnsembleError as error:
        form_error(form, error)
        return _detail_page(request, collaboration, status=error.status, leader_form=form)
    messages.success(request, f"{found[0].name} now leads this collaboration.")
    return redirect(collaboration)


@login_required
@require_POST
def leader_remove(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    member = _member(request)
    try:
        collaboration = collaboration_for_leader(member=member, collaboration_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    target = next((m for m in selectors.leaders_of(collaboration) if m.pk == member_id), None)
    try:
        if target is None:
            raise EnsembleError("That member does not lead this collaboration.")
        services.leader_remove(actor=member, collaboration=collaboration, member=target)
    except EnsembleError as error:
        return _detail_page(
            request, collaboration, status=error.status, leaders_error=error.message
        )
    if target.pk == member.pk:
        messages.success(request, "You no longer lead this collaboration.")
    else:
        messages.success(request, f"{target.name} no longer leads this collaboration.")
    return redirect(collaboration)


# Submitting -----------------------------------------------------------------------------


def _submittable(member: Member, collaboration: Collaboration) -> list[dict[str, Any]]:
    """The member's records that could go in, each with how it measures up to the brief."""
    records = list(
        selectors.member_submittable_records(member=member, collaboration=collaboration)
        .select_related("current_version__media_job")
        .prefetch_related("current_version__renditions")[:200]
    )
    rows = []
    for record in records:
        version = record.current_version
        row: dict[str, Any] = {"record": record, "version": version, "missing": [], "note": ""}
        if version is not None:
            version.record = record
            try:
                row["missing"] = shortfalls(collaboration, version)
            except EnsembleError as error:  # not processed (yet): the service says the same
                row["note"] = error.message
        rows.append(row)
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def submission_create(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        collaboration = collaboration_for_viewer(viewer=member, collaboration_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    form = SubmitForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            records = [
                record_for_viewer(viewer=member, record_id=record_id)
                for record_id in form.cleaned_data["records"][
                    : services.MAX_RECORDS_PER_SUBMISSION + 1
                ]
            ]
            submitted = services.submission_create(
                member=member, collaboration=collaboration, records=records
            )
        except EnsembleError as error:
            if error.field is None:
                error.field = "records"
            form_error(form, error)
            status = error.status
        else:
            marked = sum(1 for submission in submitted if not submission.meets_requirements)
            what = (
                f"“{submitted[0].record.title}”"
                if len(submitted) == 1
                else f"{len(submitted)} records"
            )
            text = f"You submitted {what} to “{collaboration.title}”."
            if marked:
                text += (
                    " Marked as not meeting the official requirements: "
                    + ", ".join(
                        f"“{s.record.title}”" for s in submitted if not s.meets_requirements
                    )
                    + "."
                )
            messages.success(request, text)
            return redirect("collabs:mine")
    elif request.method == "POST":
        status = 400
    context = {
        "collaboration": collaboration,
        "form": form,
        "rows": _submittable(member, collaboration),
        "requirements": requirement_labels(collaboration),
        "kinds": [Kind(kind).label for kind in collaboration.kinds],
        "chosen": {str(value) for value in request.POST.getlist("records")},
    }
    return render(request, "collabs/submit.html", context, status=status)


@login_required
@require_GET
def my_submissions(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    submissions = list(
        selectors.member_submissions(member=member).prefetch_related("version__renditions")[:200]
    )
    for submission in submissions:
        noted = [d for d in submission.decisions.all() if d.note and d.actor_id != member.pk]
        submission.latest_note = noted[-1] if noted else None  # type: ignore[attr-defined]
    return render(request, "collabs/mine.html", {"submissions": submissions})


# Curating -------------------------------------------------------------------------------


def _board(
    collaboration: Collaboration,
    filters: selectors.GalleryFilters,
    *,
    card_errors: dict[int, str] | None = None,
) -> dict[str, Any]:
    """The curation board's columns, each loaded in a bounded number of queries."""
    counts = selectors.state_counts(collaboration=collaboration)
    columns = list(BOARD_COLUMNS)
    if filters.state == SubmissionState.WITHDRAWN:
        columns.append((SubmissionState.WITHDRAWN, "Withdrawn"))
    shown = []
    for state, label in columns:
        cards: list[Submission] = []
        if not filters.state or filters.state == state:
            cards = list(
                selectors.submissions_gallery(
                    collaboration=collaboration, filters=replace(filters, state=state)
                ).prefetch_related("version__renditions")[: BOARD_LIMIT + 1]
            )
            for card in cards:
                card.card_error = (card_errors or {}).get(card.pk, "")  # type: ignore[attr-defined]
        shown.append(
            {
                "state": state,
                "label": label,
                "cards": cards[:BOARD_LIMIT],
                "more": len(cards) > BOARD_LIMIT,
                "total": counts.get(state, 0),
                "moves": MOVES.get(state, []),
            }
        )
    return {"columns": shown, "filters": filters, "card_errors": card_errors or {}}


@login_required
@require_GET
def curate(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        collaboration = collaboration_for_leader(member=request.user, collaboration_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    return _curate_page(request, collaboration)


def _curate_page(
    request: HttpRequest,
    collaboration: Collaboration,
    *,
    status: int = 200,
    card_errors: dict[int, str] | None = None,
) -> HttpResponse:
    filters = selectors.GalleryFilters.from_query(request.GET)
    context = {
        "collaboration": collaboration,
        "query": _filter_query(request),
        "choices": selectors.gallery_choices(collaboration=collaboration),
        "kinds": Kind.choices,
        "states": SubmissionState.choices,
        "requirements": requirement_labels(collaboration),
        **_board(collaboration, filters, card_errors=card_errors),
    }
    template = "collabs/_board.html" if is_htmx(request) else "collabs/curate.html"
    return render(request, template, context, status=status)


FILTER_NAMES = ("state", "kind", "city", "camera", "resolution", "meets", "assignment")


def _filter_query(request: HttpRequest) -> str:
    """The board's filters as a query string, carried through moves so the view stays put."""
    query = request.GET.copy()
    for name in list(query):
        if name not in FILTER_NAMES or not query.get(name):
            del query[name]
    return query.urlencode()


def _submission_in(request: HttpRequest, pk: int, submission_id: int) -> Submission:
    submission = submission_for_viewer(viewer=request.user, submission_id=submission_id)
    if submission.collaboration_id != pk:
        raise NotFound("There is no such submission, or it is not yours to see.")
    return submission


@login_required
@require_POST
def submission_decide(request: HttpRequest, pk: int, submission_id: int) -> HttpResponse:
    """Move a card. From the board with htmx the answer is the board itself; without script
    (or from the submission page) it is a redirect back."""
    member = _member(request)
    try:
        submission = _submission_in(request, pk, submission_id)
        if not is_leader(member, submission.collaboration):
            raise NotAllowed("Only the collaboration's leaders can curate its submissions.")
    except EnsembleError as error:
        return refused_page(request, error)
    collaboration = submission.collaboration
    from_page = request.POST.get("from") == "submission"
    form = DecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise EnsembleError(
                "Choose where the submission goes: submitted, shortlisted, selected or passed.",
                field="state",
            )
        services.submission_decide(
            actor=member,
            submission=submission,
            state=form.cleaned_data["state"],
            note=form.cleaned_data["note"],
        )
    except EnsembleError as error:
        if from_page:
            form_error(form, error)
            return _submission_page(request, submission, status=error.status, decide_form=form)
        return _curate_page(
            request, collaboration, status=error.status, card_errors={submission.pk: error.message}
        )
    if from_page:
        messages.success(request, f"Moved to {submission.get_state_display().lower()}.")
        return redirect(submission)
    if is_htmx(request):
        return _curate_page(request, collaboration)
    url = reverse("collabs:curate", kwargs={"pk": collaboration.pk})
    query = _filter_query(request)
    return redirect(
        f"{url}?{query}#card-{submission.pk}" if query else f"{url}#card-{submission.pk}"
    )


# A submission ---------------------------------------------------------------------------


@login_required
@require_GET
def submission_detail(request: HttpRequest, pk: int, submission_id: int) -> HttpResponse:
    try:
        submission = _submission_in(request, pk, submission_id)
    except EnsembleError as error:
        return refused_page(request, error)
    return _submission_page(request, submission)


def _submission_page(
    request: HttpRequest,
    submission: Submission,
    *,
    status: int = 200,
    decide_form: DecisionForm | None = None,
    withdraw_error: str = "",
) -> HttpResponse:
    collaboration = submission.collaboration
    leading = is_leader(request.user, collaboration)
    context = {
        "submission": submission,
        "collaboration": collaboration,
        "record": submission.record,
        "version": submission.version,
        "is_leader": leading,
        "is_artist": submission.member_id == request.user.pk,
        "history": selectors.submission_history(submission=submission),
        "requirements": requirement_labels(collaboration),
        "moves": MOVES.get(submission.state, []) if leading else [],
        "decide_form": decide_form or DecisionForm(),
        "withdraw_error": withdraw_error,
        "can_withdraw": submission.state
        in (SubmissionState.SUBMITTED, SubmissionState.SHORTLISTED),
        "thread": feedback.comment_thread(viewer=request.user, target=submission),
    }
    return render(request, "collabs/submission.html", context, status=status)


@login_required
@require_POST
def submission_withdraw(request: HttpRequest, pk: int, submission_id: int) -> HttpResponse:
    member = _member(request)
    try:
        submission = _submission_in(request, pk, submission_id)
    except EnsembleError as error:
        return refused_page(request, error)
    try:
        services.submission_withdraw(member=member, submission=submission)
    except EnsembleError as error:
        return _submission_page(
            request, submission, status=error.status, withdraw_error=error.message
        )
    messages.success(
        request,
        f"You withdrew “{submission.record.title}”. "
        "You can submit it again while the brief is open.",
    )
    return redirect("collabs:mine")


# Assignments and invitations ------------------------------------------------------------


@login_required
@require_GET
def collaboration_invitations(request: HttpRequest, pk: int) -> HttpResponse:
    """Leaders: the assignments, who was invited and their answers. Invitees: their own."""
    member = _member(request)
    try:
        collaboration = collaboration_for_viewer(viewer=member, collaboration_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    return _invitations_page(request, collaboration)


def _invitations_page(
    request: HttpRequest,
    collaboration: Collaboration,
    *,
    status: int = 200,
    assignment_form: AssignmentForm | None = None,
    invite_form: InviteForm | None = None,
) -> HttpResponse:
    member = _member(request)
    if not is_leader(member, collaboration):
        own = list(
            selectors.member_invitations(member=member).filter(
                assignment__collaboration=collaboration
            )
        )
        if not own:
            return refused_page(
                request,
                NotAllowed(
                    "Only the collaboration's leaders, and the members they invited, can see "
                    "its invitations."
                ),
            )
        context = {
            "invitations": own,
            "collaboration": collaboration,
            "answer_from": "collaboration",
        }
        return render(request, "collabs/my_invitations.html", context, status=status)
    rows = []
    for assignment in selectors.assignments_of(collaboration=collaboration):
        form = InviteForm(initial={"assignment": assignment.pk}, auto_id=f"id_%s_{assignment.pk}")
        if invite_form is not None and invite_form.data.get("assignment") == str(assignment.pk):
            form = invite_form
        rows.append({"assignment": assignment, "invite_form": form})
    context = {
        "collaboration": collaboration,
        "assignments": rows,
        "assignment_form": assignment_form or AssignmentForm(),
        "invite_error": invite_form is not None
        and not any(row["invite_form"] is invite_form for row in rows),
        "invite_form": invite_form,
    }
    return render(request, "collabs/invitations.html", context, status=status)


@login_required
@require_POST
def assignment_create(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        collaboration = collaboration_for_leader(member=member, collaboration_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    form = AssignmentForm(request.POST)
    form.is_valid()
    try:
        assignment = services.assignment_create(
            actor=member,
            collaboration=collaboration,
            title=form.cleaned_data.get("title", ""),
            description=form.cleaned_data.get("description", ""),
        )
    except EnsembleError as error:
        form_error(form, error)
        return _invitations_page(request, collaboration, status=error.status, assignment_form=form)
    messages.success(request, f"“{assignment.title}” is ready: invite members to it below.")
    return redirect("collabs:collaboration_invitations", pk=collaboration.pk)


@login_required
@require_POST
def invitations_send(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    try:
        collaboration = collaboration_for_leader(member=member, collaboration_id=pk)
    except EnsembleError as error:
        return refused_page(request, error)
    form = InviteForm(request.POST, auto_id=f"id_%s_{request.POST.get('assignment', '')[:12]}")
    assignments = {a.pk: a for a in selectors.assignments_of(collaboration=collaboration)}
    try:
        if not form.is_valid() or form.cleaned_data["assignment"] not in assignments:
            raise NotFound("There is no such assignment in this collaboration.")
        usernames = form.usernames()
        if not usernames:
            raise EnsembleError("Give the usernames of the members to invite.", field="members")
        found, unknown = selectors.members_named(usernames=usernames[: services.MAX_INVITEES + 1])
        if unknown:
            raise EnsembleError(
                f"No member is called {', '.join(f'“{name}”' for name in unknown)}.",
                field="members",
            )
        invitations = services.invitations_send(
            actor=member,
            assignment=assignments[form.cleaned_data["assignment"]],
            members=found,
            message=form.cleaned_data["message"],
        )
    except EnsembleError as error:
        form_error(form, error)
        return _invitations_page(request, collaboration, status=error.status, invite_form=form)
    names = ", ".join(invitation.member.name for invitation in invitations)
    messages.success(request, f"Invited {names}.")
    return redirect("collabs:collaboration_invitations", pk=collaboration.pk)


@login_required
@require_GET
def my_invitations(request: HttpRequest) -> HttpResponse:
    invitations = list(selectors.member_invitations(member=_member(request))[:200])
    context = {"invitations": invitations, "collaboration": None, "answer_from": "mine"}
    return render(request, "collabs/my_invitations.html", context)


@login_required
@require_POST
def invitation_answer(request: HttpRequest, invitation_id: int) -> HttpResponse:
    member = _member(request)
    invitation = (
        selectors.member_invitations(member=member)
        .select_related("assignment__collaboration")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return refused_page(request, NotFound("There is no such invitation, or it is not yours."))
    collaboration = invitation.assignment.collaboration
    answer = request.POST.get("answer")
    try:
        if answer not in ("accept", "decline"):
            raise EnsembleError("Answer with accept or decline.")
        services.invitation_answer(member=member, invitation=invitation, accept=answer == "accept")
    except EnsembleError as error:
        invitations = list(selectors.member_invitations(member=member)[:200])
        context = {
            "invitations": invitations,
            "collaboration": None,
            "answer_from": "mine",
            "answer_errors": {invitation.pk: error.message},
        }
        return render(request, "collabs/my_invitations.html", context, status=error.status)
    if answer == "accept":
        messages.success(
            request,
            f"You accepted “{invitation.assignment.title}”. What you submit to "
            f"“{collaboration.title}” is now part of it.",
        )
    else:
        messages.success(request, f"You declined “{invitation.assignment.title}”.")
    if request.POST.get("from") == "collaboration":
        return redirect("collabs:collaboration_invitations", pk=collaboration.pk)
    return redirect("collabs:invitations")
