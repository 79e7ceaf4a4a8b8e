"""How a record credits what it is built on: a line people read, and JSON-LD for machines."""

import json
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from ensemble.records.models import Record

from .selectors import SourceView


def attribution_text(*, record: Record, sources: list[SourceView]) -> str:
    """“Night Walk” by Lena, CC BY-SA 4.0, built on “Streets” by Ann (set to music)."""
    line = f"“{record.title}” by {record.author.name}, {record.get_licence_display()}"
    if sources:
        parts = [f"{source.node.label} ({source.role_label.lower()})" for source in sources]
        line += ", built on " + "; ".join(parts)
    return line + "."


def attribution_json_ld(*, record: Record, sources: list[SourceView], site_url: str) -> SafeString:
    """schema.org CreativeWork with isBasedOn, license and author, safe inside <script>."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "name": record.title,
        "url": site_url + record.get_absolute_url(),
        "author": {
            "@type": "Person",
            "name": record.author.name,
            "url": site_url + record.author.get_absolute_url(),
        },
        "license": _absolute(record.licence_url, site_url),
        "dateCreated": record.created_at.isoformat(),
        "genre": record.get_kind_display(),
    }
    if sources:
        data["isBasedOn"] = [
            {
                "@type": "CreativeWork",
                "name": source.node.title or "unavailable record",
                "author": {"@type": "Person", "name": source.node.author_name},
                **(
                    {"url": f"{site_url}/records/{source.node.record_id}/"}
                    if source.node.available
                    else {}
                ),
            }
            for source in sources
        ]
    text = json.dumps(data, ensure_ascii=False)
    # No "</script>" or HTML comment can close the element early.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)  # noqa: S308 (escaped above for a <script> element)


def _absolute(url: str, site_url: str) -> str:
    return url if url.startswith("http") else site_url + url
