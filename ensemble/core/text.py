"""Cleaning member-typed text before it is stored: one set of rules for forms and the API."""

import re

from .errors import EnsembleError

_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(
    value: str | None, *, field: str, label: str, max_length: int, required: bool = False
) -> str:
    """Strip, refuse NUL bytes, drop other control characters, enforce the length."""
    value = (value or "").replace("\r\n", "\n").strip()
    if "\x00" in value:
        raise EnsembleError(f"{label} contains a NUL character, which is not allowed.", field=field)
    if _SURROGATE.search(value):  # a lone "\ud800" in JSON: valid JSON, but not text
        raise EnsembleError(f"{label} contains characters that are not valid Unicode.", field=field)
    value = _CONTROL.sub("", value)
    if required and not value:
        raise EnsembleError(f"{label} is required.", field=field)
    if len(value) > max_length:
        raise EnsembleError(
            f"{label} is too long: {len(value):,} characters, the limit is {max_length:,}.",
            field=field,
        )
    return value


def clean_line(
    value: str | None, *, field: str, label: str, max_length: int, required: bool = False
) -> str:
    """Like clean_text, for one-line fields: newlines become spaces."""
    cleaned = clean_text(value, field=field, label=label, max_length=max_length, required=required)
    return " ".join(cleaned.split())
