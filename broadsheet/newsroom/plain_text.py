"""The article's plain text: one deterministic string per revision.

Structured data (JSON-LD articleBody), search and passage anchors all read this same
text, so a character offset means the same thing everywhere. Blocks are separated by a
blank line; whitespace inside a block is collapsed as a browser would show it.
"""

import re
from html.parser import HTMLParser

BLOCK_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "div", "pre"}
WHITESPACE = re.compile(r"\s+")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self._flush()
        elif tag == "br":  # a line break reads as a space, as the browser's selection does
            self._current.append(" ")

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data):
        self._current.append(data)

    def _flush(self) -> None:
        text = collapse_whitespace("".join(self._current))
        if text:
            self.paragraphs.append(text)
        self._current = []

    def close(self) -> None:
        super().close()
        self._flush()


def collapse_whitespace(text: str) -> str:
    return WHITESPACE.sub(" ", text).strip()


def html_to_paragraphs(html: str) -> list[str]:
    """Split rich-text HTML into its visible paragraphs, entities decoded."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return collector.paragraphs


def join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(p for p in (collapse_whitespace(p) for p in paragraphs) if p)
