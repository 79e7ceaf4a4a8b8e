"""API shapes for feedback: comments, reports, hearts, follows and the activity feed."""

from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict

from ensemble.accounts.schemas import PersonOut

from .models import Activity, Comment, Report
from .selectors import CommentThread, FollowSummary, HeartSummary


class CommentOut(Schema):
    id: int
    author: PersonOut
    body: str = Field(description="The Markdown as written; empty once deleted.")
    body_html: str = Field(description="The Markdown as sanitised HTML, safe to show.")
    timecode: float | None = Field(description="Seconds into the audio or video, if any.")
    version: int | None = Field(description="The number of the version the timecode is in.")
    parent_id: int | None
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    url: str = Field(description="The comment on its page.")
    replies: list["CommentOut"] = Field(default_factory=list)

    @staticmethod
    def from_comment(comment: Comment, *, page_url: str) -> "CommentOut":
        replies = getattr(comment, "replies_shown", [])
        return CommentOut(
            id=comment.pk,
            author=PersonOut.from_member(comment.author),
            body=comment.body,
            body_html=comment.body_html,
            timecode=comment.timecode,
            version=comment.version.number if comment.version is not None else None,
            parent_id=comment.parent_id,
            created_at=comment.created_at,
            edited_at=comment.edited_at,
            deleted=comment.is_deleted,
            url=f"{page_url}#comment-{comment.pk}",
            replies=[CommentOut.from_comment(r, page_url=page_url) for r in replies],
        )


class CommentPageOut(Schema):
    items: list[CommentOut] = Field(description="Top-level comments, newest first.")
    next_cursor: str | None
    count: int = Field(description="Comments and replies on it, deleted ones left out.")

    @staticmethod
    def from_thread(thread: CommentThread) -> "CommentPageOut":
        url = thread.target.url()
        return CommentPageOut(
            items=[CommentOut.from_comment(c, page_url=url) for c in thread.comments],
            next_cursor=thread.next_cursor,
            count=thread.count,
        )


class CommentIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"body": "The light in this shot is **wonderful**."},
                {"body": "The cello comes in here — goosebumps.", "timecode": 83.5},
                {"body": "Agreed, @mira!", "parent_id": 12},
            ]
        }
    )

    body: str = Field(description="Markdown, at most 5,000 characters. @username tells them.")
    parent_id: int | None = Field(
        None, description="Reply to this comment (a reply to a reply joins its thread)."
    )
    timecode: float | None = Field(
        None, description="Seconds into the audio or video (not past its end)."
    )


class CommentPatch(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"body": "Fixed a typo."}]})

    body: str = Field(description="The new Markdown text.")


class ReportIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "spam", "note": "Links to a shop."}]}
    )

    reason: str = Field(description="spam, abuse or other.")
    note: str = Field("", description="What staff should know, at most 500 characters.")


class ReportOut(Schema):
    id: int
    comment_id: int
    reason: str
    note: str
    created_at: datetime

    @staticmethod
    def from_report(report: Report) -> "ReportOut":
        return ReportOut(
            id=report.pk,
            comment_id=report.comment_id,
            reason=report.reason,
            note=report.note,
            created_at=report.created_at,
        )


class HeartOut(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"record_id": 7, "hearts": 12, "hearted": True}]}
    )

    record_id: int
    hearts: int
    hearted: bool = Field(description="You have hearted it.")

    @staticmethod
    def from_summary(summary: HeartSummary) -> "HeartOut":
        return HeartOut(record_id=summary.record_id, hearts=summary.count, hearted=summary.hearted)


class FollowOut(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"following": True, "followers": 31}]}
    )

    following: bool = Field(description="You follow it.")
    followers: int

    @staticmethod
    def from_summary(summary: FollowSummary) -> "FollowOut":
        return FollowOut(following=summary.following, followers=summary.followers)


class ActivityOut(Schema):
    id: int
    verb: str = Field(description="posted, opened, status, submitted or selected.")
    text: str
    url: str
    actor: PersonOut
    record_id: int | None
    collaboration_id: int | None
    created_at: datetime

    @staticmethod
    def from_activity(activity: Activity) -> "ActivityOut":
        return ActivityOut(
            id=activity.pk,
            verb=activity.verb,
            text=activity.text,
            url=activity.url,
            actor=PersonOut.from_member(activity.actor),
            record_id=activity.record_id,
            collaboration_id=activity.collaboration_id,
            created_at=activity.created_at,
        )


class ActivityPageOut(Schema):
    items: list[ActivityOut]
    next_cursor: str | None
