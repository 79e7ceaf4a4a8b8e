"""API schemas every app shares."""

from typing import Any

from ninja import Field, Schema


class Error(Schema):
    """Every refusal of the API: a message a person understands, and the field it is about."""

    detail: str = Field(..., examples=["Only the collaboration's leaders can do that."])
    field: str | None = Field(None, description="The input field the message is about, if any.")


def error_responses(*statuses: int) -> dict[int, Any]:
    """The `response` entries of an endpoint's refusals: `{**error_responses(400, 404)}`."""
    return dict.fromkeys(statuses, Error)
