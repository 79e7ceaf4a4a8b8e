import pytest

from ensemble.core.markdown import markdown_to_html, sanitise_html


@pytest.mark.parametrize(
    "hostile",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<p onclick="alert(1)">x</p>',
        "<script>alert(1)</script>",
        '<svg onload="alert(1)"></svg>',
        '<iframe src="https://example.com"></iframe>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<img src="x" onerror="alert(1)">',
        "<style>body{display:none}</style>",
    ],
)
def test_the_sanitiser_removes_scripts_handlers_and_dangerous_urls(hostile):
    clean = sanitise_html(hostile).lower()
    for needle in (
        "<script",
        "javascript:",
        "onclick",
        "onload",
        "onerror",
        "<iframe",
        "data:",
        "<style",
        "<svg",
        "<img",
    ):
        assert needle not in clean


def test_markdown_keeps_verse_and_emphasis():
    html = markdown_to_html("A city *breathes*\nat night\n\n> dawn")
    assert "<em>breathes</em>" in html
    assert "<br>" in html  # single newlines stay line breaks: poems keep their lines
    assert "<blockquote>" in html


def test_links_get_rel_nofollow():
    assert 'rel="nofollow noopener ugc"' in markdown_to_html("[site](https://example.com)")
