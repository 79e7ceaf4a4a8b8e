"""Writes about feedback: comments (with replies, timecodes and mentions), reports, hearts,
follows, and the activity followers see.

Every function is keyword-only, runs in one transaction and raises an EnsembleError with a
message a person can read before writing anything when the input is refused. Callers load
what they pass through `access` (or the records and collabs access modules); the services
check again that the member may see it, so a mistake there cannot leak a hidden record.
"""

import math
import re
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import Truncator

from ensemble.accounts.models import Member
from ensemble.collabs.access import can_see_collaboration
from ensemble.collabs.models import Collaboration, Leadership, Submission
from ensemble.core.errors import Conflict, EnsembleError, NotAllowed, NotFound
from ensemble.core.markdown import markdown_to_html
from ensemble.core.text import clean_text
from ensemble.notifications.models import Kind as NotificationKind
from ensemble.notifications.services import notification_send, notifications_send_many
from ensemble.records.access import can_see as can_see_record
from ensemble.records.models import Record, RecordVersion

from .models import Activity, Comment, Follow, Heart, Report
from .targets import Commentable, Target, target_of
from .timecodes import timecode_label

COMMENT_MAX = Comment._meta.get_field("body").max_length or 5000
NOTE_MAX = Report._meta.get_field("note").max_length or 500
ACTIVITY_TEXT_MAX = Activity._meta.get_field("text").max_length or 300
ACTIVITY_URL_MAX = Activity._meta.get_field("url").max_length or 500
MENTIONS_MAX = 10  # people told about one comment's @mentions; more are ignored, not refused

# @username as Django allows it (letters, digits, . + - _), not inside an e-mail address.
_MENTION = re.compile(r"(?<![\w@.+-])@([\w][\w.+-]{0,149})")


# Comments ------------------------------------------------------------------------------------


@transaction.atomic
def comment_add(
    *,
    author: Member,
    target: Commentable | Target,
    body: str,
    parent: Comment | None = None,
    timecode: float | None = None,
) -> Comment:
    """A comment on a record, a collaboration or a submission, or a reply to one.

    Replies are one level deep: a reply to a reply joins the thread of its top-level comment.
    A timecode (seconds) points into the audio or video of the target's media version.
    Tells the people concerned: the author replied to, the record's artist, the submission's
    artist or leaders, and whoever is @mentioned (if they can see the target).
    """
    place = Target.of(target)
    if not place.can_see(author):
        raise NotFound(f"There is no such {place.kind}, or you cannot see it.")
    text = _body_clean(body)
    top = _parent_check(place, parent)
    version = _timecode_check(place, timecode)
    comment = Comment.objects.create(
        author=author,
        parent=top,
        body=text,
        body_html=markdown_to_html(text),
        timecode=float(timecode) if version is not None and timecode is not None else None,
        version=version,
        **place.lookup(),
    )
    _comment_notify(comment=comment, place=place, replied_to=parent, top=top)
    return comment


@transaction.atomic
def comment_edit(*, member: Member, comment: Comment, body: str) -> Comment:
    """Change the text of one's own comment; people newly @mentioned are told."""
    if comment.author_id != member.pk:
        raise NotAllowed("Only its author can edit a comment.")
    if comment.is_deleted:
        raise EnsembleError("This comment was deleted; it cannot be edited.")
    text = _body_clean(body)
    if text == comment.body:
        return comment
    before = set(_mentioned_usernames(comment.body))
    comment.body = text
    comment.body_html = markdown_to_html(text)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    place = target_of(comment)
    told = {comment.author_id}
    _mentions_notify(comment=comment, place=place, skip=told, usernames_before=before)
    return comment


@transaction.atomic
def comment_delete(*, member: Member, comment: Comment) -> Comment:
    """Its author (or staff) deletes a comment: the text goes, the row stays so that replies
    keep their place, and it shows as "deleted comment". Deleting again changes nothing."""
    if comment.author_id != member.pk and not member.is_staff:
        raise NotAllowed("Only its author (or staff) can delete a comment.")
    if comment.is_deleted:
        return comment
    comment.body = ""
    comment.body_html = ""
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "deleted_at"])
    return comment


def _body_clean(body: str | None) -> str:
    text = clean_text(body, field="body", label="Your comment", max_length=COMMENT_MAX)
    if not text:
        raise EnsembleError("Write something first: the comment is empty.", field="body")
    return text


def _parent_check(place: Target, parent: Comment | None) -> Comment | None:
    """The top-level comment a reply joins (a reply to a reply joins its thread)."""
    if parent is None:
        return None
    if not place.holds(parent):
        raise EnsembleError(f"That comment is not on {place.noun}.", field="parent")
    if parent.is_deleted:
        raise EnsembleError("That comment was deleted, so it takes no replies.", field="parent")
    return parent.parent if parent.parent_id is not None else parent


def _timecode_check(place: Target, timecode: float | None) -> RecordVersion | None:
    """The version a timecode points into, after checking it is a moment in that media."""
    if timecode is None:
        return None
    if isinstance(timecode, bool) or not isinstance(timecode, int | float):
        raise EnsembleError("A timecode is a number of seconds.", field="timecode")
    if not math.isfinite(timecode):
        raise EnsembleError("A timecode is a number of seconds.", field="timecode")
    if timecode < 0:
        raise EnsembleError(
            f"A timecode cannot be negative ({timecode_label(timecode)}): "
            "it counts seconds from the start.",
            field="timecode",
        )
    record = place.media_record
    if record is None or not place.takes_timecodes:
        what = f"{record.get_kind_display().lower()} record" if record is not None else place.kind
        raise EnsembleError(
            f"Only comments on audio or video can point at a time; this is a {what}.",
            field="timecode",
        )
    version = place.media_version
    duration = version.duration if version is not None else None
    if version is None or duration is None:
        raise EnsembleError(
            "The length of this media is not known yet, so a comment cannot point at a time "
            "in it. Try again once it has been processed.",
            field="timecode",
        )
    if timecode > duration + 0.001:
        raise EnsembleError(
            f"{timecode_label(timecode)} is past the end: this {record.kind} is "
            f"{timecode_label(duration)} long ({duration:.1f} seconds).",
            field="timecode",
        )
    return version


# Who is told about a comment ---------------------------------------------------------------


def _comment_notify(
    *, comment: Comment, place: Target, replied_to: Comment | None, top: Comment | None
) -> None:
    author = comment.author
    url = f"{place.url()}#comment-{comment.pk}"
    told: set[int] = {author.pk}

    if top is not None:  # a reply: the author replied to, and the one who started the thread
        for person in _unique([replied_to.author if replied_to else None, top.author]):
            if person.pk in told or not place.can_see(person):
                continue
            notification_send(
                recipient=person,
                kind=NotificationKind.REPLY,
                text=f"{author.name} replied to your comment on “{place.title}”",
                actor=author,
                url=url,
                subject=comment,
                subject_label=place.title,
            )
            told.add(person.pk)

    recipients, text = _concerned(place=place, author=author, reply=top is not None)
    recipients = [p for p in recipients if p.pk not in told]
    if recipients:
        notifications_send_many(
            recipients=recipients,
            kind=NotificationKind.COMMENT,
            text=text,
            actor=author,
            url=url,
            subject=comment,
            subject_label=place.title,
        )
        told.update(p.pk for p in recipients)

    _mentions_notify(comment=comment, place=place, skip=told)


def _concerned(*, place: Target, author: Member, reply: bool) -> tuple[list[Member], str]:
    """Who hears of a new comment besides those replied to or mentioned, and what they read."""
    obj = place.obj
    if isinstance(obj, Record):
        if reply:
            return [], ""
        return [obj.author], f"{author.name} commented on your record “{obj.title}”"
    if isinstance(obj, Collaboration):
        if reply:
            return [], ""
        return _leaders(obj), f"{author.name} commented on “{obj.title}”"
    # A submission is a conversation between its artist and the leaders, replies included.
    submission: Submission = obj
    about = f"“{submission.record.title}” in “{submission.collaboration.title}”"
    if author.pk == submission.member_id:
        return _leaders(submission.collaboration), f"{author.name} commented on their {about}"
    return [submission.member], f"{author.name} commented on your submission {about}"


def _leaders(collaboration: Collaboration) -> list[Member]:
    return list(
        Member.objects.filter(
            pk__in=Leadership.objects.filter(collaboration=collaboration).values("member_id"),
            is_active=True,
        )
    )


def _mentioned_usernames(body: str) -> list[str]:
    names: list[str] = []
    for match in _MENTION.finditer(body):
        name = match[1].rstrip(".+-")
        if name and name not in names:
            names.append(name)
    return names


def _mentions_notify(
    *, comment: Comment, place: Target, skip: set[int], usernames_before: set[str] | None = None
) -> None:
    """Tell the members @mentioned in a comment who can see what it is on."""
    names = [n for n in _mentioned_usernames(comment.body) if n not in (usernames_before or ())]
    if not names:
        return
    people = Member.objects.filter(username__in=names[:MENTIONS_MAX], is_active=True)
    author = comment.author
    for person in people:
        if person.pk in skip or not place.can_see(person):
            continue
        notification_send(
            recipient=person,
            actor=author,
            kind=NotificationKind.MENTION,
            text=f"{author.name} mentioned you in a comment on “{place.title}”",
            url=f"{place.url()}#comment-{comment.pk}",
            subject=comment,
            subject_label=place.title,
        )
        skip.add(person.pk)


def _unique(people: Iterable[Member | None]) -> list[Member]:
    seen: dict[int, Member] = {}
    for person in people:
        if person is not None:
            seen.setdefault(person.pk, person)
    return list(seen.values())


# Reports -------------------------------------------------------------------------------------


@transaction.atomic
def report_add(*, reporter: Member, comment: Comment, reason: str, note: str = "") -> Report:
    """Tell staff that a comment is spam, abusive or otherwise wrong. Once per comment."""
    if reason not in Report.Reason.values:
        choices = ", ".join(Report.Reason.values)
        raise EnsembleError(f"Choose why you report it: one of {choices}.", field="reason")
    note = clean_text(note, field="note", label="The note", max_length=NOTE_MAX)
    if comment.author_id == reporter.pk:
        raise EnsembleError("This is your own comment: edit or delete it instead.")
    if comment.is_deleted:
        raise EnsembleError("This comment was deleted already.")
    if Report.objects.filter(comment=comment, reporter=reporter).exists():
        raise Conflict("You already reported this comment; staff will look at it.")
    try:
        with transaction.atomic():  # a savepoint: two clicks at once meet the constraint
            return Report.objects.create(
                comment=comment, reporter=reporter, reason=reason, note=note
            )
    except IntegrityError as exc:
        raise Conflict("You already reported this comment; staff will look at it.") from exc


def reports_resolve(*, report_ids: Iterable[int]) -> int:
    """Staff looked at these reports; how many were still open."""
    return Report.objects.filter(pk__in=list(report_ids), resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )


# Hearts --------------------------------------------------------------------------------------


def _visible_record(member: Member, record: Record) -> None:
    if not can_see_record(member, record):
        raise NotFound("There is no such record, or it is not published.")


@transaction.atomic
def heart_add(*, member: Member, record: Record) -> bool:
    """Heart a record; True if it was not hearted before (hearting twice changes nothing)."""
    _visible_record(member, record)
    _, created = Heart.objects.get_or_create(member=member, record=record)
    return created


@transaction.atomic
def heart_remove(*, member: Member, record: Record) -> bool:
    """Take a heart back; True if there was one."""
    _visible_record(member, record)
    deleted, _ = Heart.objects.filter(member=member, record=record).delete()
    return bool(deleted)


@transaction.atomic
def heart_toggle(*, member: Member, record: Record) -> bool:
    """Heart or un-heart; whether the record is hearted afterwards."""
    if heart_remove(member=member, record=record):
        return False
    heart_add(member=member, record=record)
    return True


# Follows -------------------------------------------------------------------------------------


def _follow_check(
    follower: Member, member: Member | None, collaboration: Collaboration | None
) -> None:
    if (member is None) == (collaboration is None):
        raise ValueError("Follow exactly one member or one collaboration.")
    if member is not None:
        if member.pk == follower.pk:
            raise EnsembleError("You cannot follow yourself.")
        if not member.is_active:
            raise NotFound("There is no such member.")
    elif collaboration is not None and not can_see_collaboration(follower, collaboration):
        raise NotFound("There is no such collaboration, or it is not open yet.")


@transaction.atomic
def follow_add(
    *,
    follower: Member,
    member: Member | None = None,
    collaboration: Collaboration | None = None,
) -> Follow:
    """Follow a member or a collaboration (again is fine): their activity shows on your home."""
    _follow_check(follower, member, collaboration)
    follow, _ = Follow.objects.get_or_create(
        follower=follower, member=member, collaboration=collaboration
    )
    return follow


@transaction.atomic
def follow_remove(
    *,
    follower: Member,
    member: Member | None = None,
    collaboration: Collaboration | None = None,
) -> bool:
    """Stop following; True if there was a follow."""
    if (member is None) == (collaboration is None):
        raise ValueError("Unfollow exactly one member or one collaboration.")
    following = Follow.objects.filter(follower=follower)
    if member is not None:
        following = following.filter(member=member)
    else:
        following = following.filter(collaboration=collaboration)
    deleted, _ = following.delete()
    return bool(deleted)


# Activity ------------------------------------------------------------------------------------


def activity_add(
    *,
    actor: Member,
    verb: str,
    text: str,
    url: str,
    record: Record | None = None,
    collaboration: Collaboration | None = None,
) -> Activity:
    """Something followers of `actor` (or of `collaboration`) should see on their home page.

    Called by other services inside their transaction. `url` is a path on this site; a bad
    verb or URL is a programming error (ValueError), not a member's mistake.
    """
    if verb not in Activity.Verb.values:
        raise ValueError(f"Unknown activity verb {verb!r}; add it to Activity.Verb first.")
    on_site = url.startswith("/") and not url.startswith("//") and "\\" not in url
    if not on_site or len(url) > ACTIVITY_URL_MAX:
        raise ValueError(f"An activity links to a path on this site, not {url!r}.")
    line = " ".join((text or "").split())
    return Activity.objects.create(
        actor=actor,
        verb=verb,
        record=record,
        collaboration=collaboration,
        text=Truncator(line).chars(ACTIVITY_TEXT_MAX),
        url=url,
    )


def activity_record_posted(*, record: Record) -> Activity | None:
    """A record became public: its artist's followers see "X posted “title”" (once per
    record: publishing again after unpublishing does not announce it twice)."""
    if not record.published:
        return None
    if Activity.objects.filter(record=record, verb=Activity.Verb.POSTED).exists():
        return None
    return activity_add(
        actor=record.author,
        verb=Activity.Verb.POSTED,
        record=record,
        text=f"{record.author.name} posted “{record.title}”",
        url=record.get_absolute_url(),
    )
