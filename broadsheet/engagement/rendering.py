"""The one sanitizer for reader text.

Readers write plain text with a small markdown subset (paragraphs, line breaks, emphasis,
links, quotes, code). markdown-it renders it with raw HTML off, then nh3 cleans the result
against an allow-list, so even a bug in the markdown step cannot let markup through. No
images: an image URL written in markdown stays a link.

Where a page, feed or email shows a short piece of a comment rather than the comment,
`excerpt` turns the rendered HTML into plain text, which the template then escapes once
(the HTML's own `&amp;` must not be escaped a second time).
"""

from html.parser import HTMLParser

import nh3
from django.utils.text import Truncator
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "em", "strong", "a", "blockquote", "code", "pre"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
LINK_SCHEMES = {"http", "https", "mailto"}

_markdown = (
    MarkdownIt("zero", {"html": False, "breaks": True, "linkify": False})
    .enable(["emphasis", "link", "autolink", "blockquote", "backticks", "fence"])
    .enable(["newline", "escape", "entity"])
)


def clean_html(
    html: str,
    *,
    tags: set[str] = ALLOWED_TAGS,
    attributes: dict[str, set[str]] = ALLOWED_ATTRIBUTES,
    link_rel: str | None = "nofollow ugc noopener",
) -> str:
    """HTML from outside (a reader, an imported export) cleaned by nh3 against an
    allow-list: the one sanitizer. Scripts, styles and their content, event handlers and
    links to anything but http(s) and mailto are removed."""
    return nh3.clean(
        html,
        tags=tags,
        attributes=attributes,
        url_schemes=LINK_SCHEMES,
        link_rel=link_rel,
        strip_comments=True,
    ).strip()


def render_comment(text: str) -> str:
    """Reader text to safe HTML: the only way a comment body reaches a page."""
    return clean_html(_markdown.render(text)).strip()


class _PlainText(HTMLParser):
    """The text of rendered comment HTML, entities decoded; a line break or the end of a
    paragraph, quote or code block becomes a space."""

    BREAKS = {"p", "blockquote", "pre"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "br":
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BREAKS:
            self.parts.append(" ")


def excerpt(html: str, length: int = 120) -> str:
    """The start of a rendered comment (`body_html`) as one line of plain text, at most
    `length` characters: text for a template to escape once, or for a plain-text email
    to show as it is. The one way an excerpt of reader text is made."""
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return Truncator(" ".join("".join(parser.parts).split())).chars(length)
