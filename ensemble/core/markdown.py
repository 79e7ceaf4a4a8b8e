"""Markdown to safe HTML: the one place member-written text becomes markup.

markdown-it renders CommonMark with raw HTML switched off; nh3 (ammonia) then keeps only an
allow-list of tags, attributes and URL schemes, so no script, event handler or `javascript:`
URL survives, whatever the member typed.
"""

import nh3
from markdown_it import MarkdownIt

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
_URL_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
    ["table", "strikethrough"]
)


def markdown_to_html(text: str) -> str:
    """Render member Markdown to HTML that is safe to put in a page."""
    return sanitise_html(_md.render(text))


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow noopener ugc",
    )
