"""The rules a record's fields follow, shared by the pages and the API through the services."""

import re
from pathlib import PurePosixPath

from ensemble.core.errors import EnsembleError
from ensemble.core.text import clean_line, clean_text

from .models import Kind, Licence

MAX_TAGS = 20
MAX_TAG_LENGTH = 40
MAX_TEXT_LENGTH = 200_000
_TAG_JUNK = re.compile(r"[^\w-]+")


def clean_title(value: str | None) -> str:
    return clean_line(value, field="title", label="Title", max_length=200, required=True)


def clean_description(value: str | None) -> str:
    return clean_text(value, field="description", label="Description", max_length=5000)


def clean_city(value: str | None) -> str:
    return clean_line(value, field="city", label="City", max_length=80)


def clean_body(value: str | None) -> str:
    return clean_text(
        value, field="text", label="The text", max_length=MAX_TEXT_LENGTH, required=True
    )


def clean_note(value: str | None) -> str:
    return clean_line(value, field="note", label="The version note", max_length=200)


def clean_kind(value: str | None) -> Kind:
    if value not in Kind.values:
        raise EnsembleError(
            f"Unknown kind {value!r}: choose one of {', '.join(Kind.values)}.", field="kind"
        )
    return Kind(value)


def clean_licence(value: str | None) -> Licence:
    if not value:
        return Licence.ENSEMBLE
    if value not in Licence.values:
        raise EnsembleError(
            f"Unknown licence {value!r}: choose one of {', '.join(Licence.values)}.",
            field="licence",
        )
    return Licence(value)


def clean_tags(values: list[str] | str | None) -> list[str]:
    """Tags are lower-case words joined by hyphens; '#poem, City Walk' → ['poem', 'city-walk']."""
    if isinstance(values, str):
        values = values.split(",")
    tags: list[str] = []
    for raw in values or []:
        if "\x00" in raw:
            raise EnsembleError("A tag contains a NUL character.", field="tags")
        tag = _TAG_JUNK.sub("-", raw.strip().lower()).strip("-_")
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise EnsembleError(
                f"The tag “{tag[:20]}…” is too long: at most {MAX_TAG_LENGTH} characters.",
                field="tags",
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise EnsembleError(f"At most {MAX_TAGS} tags, please.", field="tags")
    return tags


def clean_filename(value: str | None) -> str:
    """The name shown to people: no folders, no control characters, never empty."""
    name = (value or "").replace("\\", "/").replace("\x00", "")
    name = PurePosixPath(name).name
    name = re.sub(r"[\x01-\x1f\x7f]", "", name).strip().lstrip(".")
    return name[-255:] or "upload"


def extension_of(filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower().lstrip(".")
    return suffix
