"""The one sanitizer for reader text.

Readers write plain text with a small markdown subset (paragraphs, line breaks, emphasis,
links, quotes, code). markdown-it renders it with raw HTML off, then nh3 cleans the result
against an allow-list, so even a bug in the markdown step cannot let markup through. No
images: an image URL written in markdown stays a link.
"""

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "em", "strong", "a", "blockquote", "code", "pre"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
LINK_SCHEMES = {"http", "https", "mailto"}

_markdown = (
    MarkdownIt("zero", {"html": False, "breaks": True, "linkify": False})
    .enable(["emphasis", "link", "autolink", "blockquote", "backticks", "fence"])
    .enable(["newline", "escape", "entity"])
)


def render_comment(text: str) -> str:
    """Reader text to safe HTML: the only way a comment body reaches a page."""
    html = _markdown.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    ).strip()
