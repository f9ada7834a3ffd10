"""WordPress post content to an article body (the ArticlePage StreamField blocks).

WordPress stores three kinds of content, often mixed in one post: classic HTML (where
`wpautop` turns blank lines into paragraphs when the post is shown), block markup
(`<!-- wp:paragraph -->` comments around HTML) and shortcodes (`[caption]`, `[embed]`,
`[gallery]`). Known pieces become our blocks: text (paragraphs, lists, h2/h3 kept in one
rich-text block), headings, quotes with their `<cite>` as the speaker, images (resolved
to imported attachments by id or file path), galleries and embeds. Anything else is
kept as sanitized HTML and noted, never dropped silently. All HTML goes through the
project's one sanitizer (`engagement.rendering.clean_html`, nh3).
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from bs4 import BeautifulSoup, NavigableString, Tag

from broadsheet.engagement.rendering import clean_html
from broadsheet.newsroom.plain_text import html_to_paragraphs

# What an article's rich text may hold (newsroom.blocks.PARAGRAPH_FEATURES, as HTML).
BODY_TAGS = {"p", "br", "h2", "h3", "b", "i", "strong", "em", "a", "ul", "ol", "li", "sup", "sub"}
BODY_ATTRIBUTES = {"a": {"href"}}

MORE = re.compile(r"<!--more(.*?)?-->", re.IGNORECASE)
BLOCK_COMMENT = re.compile(
    r"<!--\s+(?P<closer>/)?wp:(?P<ns>[a-z][a-z0-9_-]*/)?(?P<name>[a-z][a-z0-9_-]*)\s+"
    r"(?P<attrs>\{.*?\}\s+)?(?P<void>/)?-->",
    re.DOTALL,
)
SHORTCODE = re.compile(
    r"\[(?P<name>[a-zA-Z][\w-]*)(?P<attrs>(?:\s[^\]]*)?)\](?:(?P<inner>.*?)\[/(?P=name)\])?",
    re.DOTALL,
)
SHORTCODE_ATTR = re.compile(r'([\w-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|(\S+))')
WP_IMAGE_CLASS = re.compile(r"wp-image-(\d+)")
UPLOADS_PATH = re.compile(r"wp-content/uploads/(.+?)(?:-\d+x\d+)?(\.[A-Za-z0-9]+)(?:\?.*)?$")
BLOCK_LEVEL = re.compile(
    r"^\s*<(?:p|h[1-6]|ul|ol|li|blockquote|div|figure|table|pre|hr|dl|section|address|"
    r"form|iframe|script|style|embed|gallery)\b",
    re.IGNORECASE,
)
EMBED_HOSTS = re.compile(
    r"^https?://(?:www\.|m\.)?(?:youtube\.com|youtu\.be|vimeo\.com|twitter\.com|x\.com|"
    r"soundcloud\.com|instagram\.com|open\.spotify\.com|flickr\.com|tiktok\.com)/\S+$"
)


@dataclass
class ImageRef:
    """An image the body wants: by attachment id, else by uploads path."""

    attachment_id: str = ""
    src: str = ""
    caption: str = ""


@dataclass
class Converted:
    standfirst: str = ""
    blocks: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # kept as sanitized HTML: look at these
    missing: list[str] = field(default_factory=list)  # images not found among attachments


# resolve(ref) -> (image id, caption, credit) or None when the image was not imported.
Resolver = Callable[[ImageRef], "tuple[int, str, str] | None"]


def uploads_path(url: str) -> str:
    """The `wp-content/uploads` relative path of an upload URL, without the size suffix
    WordPress adds to thumbnails (photo-300x200.jpg is photo.jpg)."""
    match = UPLOADS_PATH.search(url or "")
    return f"{match.group(1)}{match.group(2)}" if match else ""


def plain(html: str) -> str:
    """Text of an HTML fragment on one line, entities decoded, whitespace collapsed (the
    article's own plain-text reading, `newsroom.plain_text`)."""
    return " ".join(html_to_paragraphs(html or ""))


def sanitize(html: str) -> str:
    return clean_html(html, tags=BODY_TAGS, attributes=BODY_ATTRIBUTES, link_rel=None).strip()


def autop(text: str) -> str:
    """WordPress's wpautop, the part that matters for stored content: a blank line ends
    a paragraph, a single newline inside one is a line break; block-level HTML stays."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chunks = [c.strip() for c in re.split(r"\n\s*\n", text) if c.strip()]
    out = []
    for chunk in chunks:
        if BLOCK_LEVEL.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


class _Body:
    """Builds the block list, merging neighbouring text into one rich-text block."""

    def __init__(self, resolve: Resolver, result: Converted):
        self.resolve = resolve
        self.result = result
        self.text: list[str] = []

    def flush(self) -> None:
        html = sanitize("".join(self.text))
        self.text = []
        if plain(html):
            self.result.blocks.append({"type": "paragraph", "value": html})

    def add_text(self, html: str) -> None:
        self.text.append(html)

    def add(self, block_type: str, value) -> None:
        self.flush()
        self.result.blocks.append({"type": block_type, "value": value})

    def heading(self, html: str) -> None:
        text = plain(html)[:200]
        if text:
            self.add("heading", text)

    def quote(self, html: str) -> None:
        soup = BeautifulSoup(html, "html.parser")
        speaker = ""
        for cite in soup.find_all("cite"):
            speaker = speaker or plain(str(cite))
            cite.decompose()
        quote = "\n\n".join(plain(str(p)) for p in soup.find_all("p")) or plain(str(soup))
        if quote:
            self.add("quote", {"quote": quote, "speaker": speaker[:200], "outlet": "", "link": ""})

    def image(self, ref: ImageRef) -> None:
        found = self.resolve(ref)
        if found is None:
            self.result.missing.append(ref.attachment_id or ref.src or "image")
            if ref.caption:
                self.add_text(f"<p>{ref.caption}</p>")
            return
        image_id, caption, credit = found
        if not image_id:  # a dry run: the image would be imported
            return
        self.add(
            "image",
            {
                "image": image_id,
                "caption": (ref.caption or caption)[:500],
                "credit": credit[:200],
                "source": "",
                "provenance": "staff",
                "verified": True,
                "usage_restriction": "",
            },
        )

    def embed(self, url: str) -> None:
        url = url.strip()
        if url.startswith(("http://", "https://")):
            self.add("embed", url)

    def unknown(self, what: str, html: str) -> None:
        self.result.notes.append(what)
        self.add_text(html)


def _image_ref(tag: Tag, caption: str = "") -> ImageRef | None:
    img = tag if tag.name == "img" else tag.find("img")
    if img is None:
        return None
    classes = " ".join(img.get("class") or [])
    match = WP_IMAGE_CLASS.search(classes)
    attachment = tag.get("data-wxr-attachment") or (match.group(1) if match else "")
    if not caption:
        figcaption = tag.find("figcaption") if tag.name != "img" else None
        caption = plain(str(figcaption)) if figcaption else ""
    return ImageRef(attachment_id=attachment, src=img.get("src", ""), caption=caption)


def _only_image(tag: Tag) -> bool:
    """A paragraph or link holding an image and nothing else (wpautop wraps them so)."""
    if tag.find("img") is None:
        return False
    return not plain(str(tag))


def _classic(html: str, body: _Body) -> None:
    html = _shortcodes(html, body)
    soup = BeautifulSoup(autop(html), "html.parser")
    for node in soup.contents:
        if isinstance(node, NavigableString):
            if str(node).strip():
                body.add_text(f"<p>{node}</p>")
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            body.heading(str(node))
        elif name == "blockquote":
            body.quote(node.decode_contents())
        elif name == "figure" or name == "img" or (name in ("p", "a") and _only_image(node)):
            for figure in (
                node.find_all("figure") if name == "p" and node.find("figure") else [node]
            ):
                ref = _image_ref(figure)
                if ref is not None:
                    body.image(ref)
        elif name == "p" and EMBED_HOSTS.match(plain(str(node))) and not node.find("a"):
            body.embed(plain(str(node)))
        elif name == "gallery":
            for attachment in (node.get("data-ids") or "").split(","):
                if attachment.strip():
                    body.image(ImageRef(attachment_id=attachment.strip()))
        elif name == "embed":
            body.embed(node.get("data-url", ""))
        elif name in ("p", "ul", "ol"):
            body.add_text(str(node))
        elif name in ("script", "style", "hr"):
            if name != "hr":
                body.result.notes.append(f"<{name}> removed")
        else:
            body.unknown(f"<{name}> kept as sanitized HTML", str(node))


def _attrs(text: str) -> dict[str, str]:
    return {
        m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or ""
        for m in SHORTCODE_ATTR.finditer(text or "")
    }


def _shortcodes(html: str, body: _Body) -> str:
    """Rewrite the shortcodes we know into elements `_classic` understands; leave
    unknown ones as their text (what WordPress shows for an unregistered shortcode)."""

    def replace(match: re.Match) -> str:
        name, attrs, inner = (
            match.group("name").lower(),
            _attrs(match.group("attrs")),
            match.group("inner"),
        )
        if name in ("caption", "wp_caption") and inner is not None:
            soup = BeautifulSoup(inner, "html.parser")
            img = soup.find("img")
            attachment = (
                (attrs.get("id", "").removeprefix("attachment_")) if attrs.get("id") else ""
            )
            if img is not None:
                img_html = str(img)
                (img.parent if img.parent is not None and img.parent.name == "a" else img).extract()
            else:
                img_html = ""
            caption = attrs.get("caption") or plain(str(soup))
            return (
                f'\n\n<figure data-wxr-attachment="{_escape(attachment)}">{img_html}'
                f"<figcaption>{_escape(caption)}</figcaption></figure>\n\n"
            )
        if name == "embed" and inner is not None:
            return f'\n\n<embed data-url="{_escape(inner.strip())}">\n\n'
        if name == "gallery":
            return f'\n\n<gallery data-ids="{_escape(attrs.get("ids", ""))}"></gallery>\n\n'
        body.result.notes.append(f"shortcode [{name}] kept as text")
        return match.group(0)

    return SHORTCODE.sub(replace, html)


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _blocks(content: str, body: _Body) -> None:
    """Walk block markup: each top-level block by its name; HTML between blocks (and
    `core/freeform`, `core/html`) as classic content."""
    stack: list[tuple[str, dict, int]] = []
    position = 0
    for match in BLOCK_COMMENT.finditer(content):
        name = (match.group("ns") or "core/") + match.group("name")
        if not stack and match.start() > position:
            _classic(content[position : match.start()], body)
        if match.group("closer"):
            if not stack:
                continue
            opened, attrs, start = stack.pop()
            if not stack:
                _block(opened, attrs, content[start : match.start()], body)
                position = match.end()
            continue
        try:
            attrs = json.loads(match.group("attrs")) if match.group("attrs") else {}
        except ValueError:
            attrs = {}
        if not isinstance(attrs, dict):
            attrs = {}
        if match.group("void"):
            if not stack:
                _block(name, attrs, "", body)
                position = match.end()
            continue
        stack.append((name, attrs, match.end()))
        if len(stack) > 64:
            break
    if stack:  # an unclosed block: keep the rest as classic content
        body.result.notes.append(f"unclosed block {stack[0][0]} kept as sanitized HTML")
        position = min(position, stack[0][2])
    if position < len(content):
        _classic(content[position:], body)


def _inner_text_html(html: str) -> str:
    return BLOCK_COMMENT.sub("", html)


def _block(name: str, attrs: dict, inner: str, body: _Body) -> None:
    short = name.removeprefix("core/")
    if short in ("paragraph", "list", "list-item"):
        body.add_text(_inner_text_html(inner))
    elif short == "heading":
        body.heading(inner)
    elif short in ("quote", "pullquote"):
        soup = BeautifulSoup(_inner_text_html(inner), "html.parser")
        quote = soup.find("blockquote")
        body.quote(quote.decode_contents() if quote else str(soup))
    elif short == "image":
        soup = BeautifulSoup(inner, "html.parser")
        ref = _image_ref(soup.find("figure") or soup) or ImageRef()
        if attrs.get("id"):
            ref.attachment_id = str(attrs["id"])
        body.image(ref)
    elif short == "gallery":
        ids = [str(i) for i in attrs.get("ids") or []]
        if ids:
            for attachment in ids:
                body.image(ImageRef(attachment_id=attachment))
        else:
            soup = BeautifulSoup(inner, "html.parser")
            for figure in soup.find_all("figure"):
                ref = _image_ref(figure)
                if ref is not None:
                    body.image(ref)
    elif short == "embed" or name.startswith("core-embed/"):
        url = str(attrs.get("url") or "") or plain(inner)
        body.embed(url)
    elif short in ("more", "nextpage", "separator", "spacer"):
        pass  # no content of their own (the standfirst split happens before)
    elif short in ("shortcode", "html", "freeform"):
        _classic(inner, body)
    else:
        body.unknown(f"block {name} kept as sanitized HTML", _inner_text_html(inner))


def convert(content: str, excerpt: str, resolve: Resolver) -> Converted:
    """The standfirst and body blocks of one post. A manual excerpt is the standfirst;
    without one, the text before `<!--more-->` is, and the body starts after it."""
    result = Converted()
    content = content or ""
    teaser = ""
    more = MORE.search(content)
    if more:
        teaser, content = content[: more.start()], content[more.end() :]
        # A wp:more block's closing comment (or its paragraph's) may follow the marker.
        content = re.sub(r"^\s*<!--\s+/wp:more\s+-->", "", content)
    if excerpt.strip():
        result.standfirst = plain(excerpt)
        if teaser:
            content = teaser + content
    else:
        result.standfirst = plain(_inner_text_html(teaser))
    body = _Body(resolve, result)
    if "<!-- wp:" in content:
        _blocks(content, body)
    else:
        _classic(content, body)
    body.flush()
    return result


class _CommentText(HTMLParser):
    """A WordPress comment's HTML as the markdown subset our comments are written in:
    links, emphasis, quotes and paragraphs kept; every other tag dropped, script and
    style with their content."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append(href if href.startswith(("http://", "https://")) else "")
            self.out.append("[" if self.links[-1] else "")
        elif tag == "br":
            self.out.append("\n")
        elif tag in ("p", "blockquote"):
            self.out.append("\n\n" + ("> " if tag == "blockquote" else ""))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag == "a" and self.links:
            href = self.links.pop()
            self.out.append(f"]({href})" if href else "")
        elif tag in ("p", "blockquote"):
            self.out.append("\n\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def comment_text(html: str) -> str:
    """A WordPress comment (HTML, paragraphs by blank lines) as comment text for
    `engagement.rendering.render_comment`, which then sanitizes it as any comment."""
    parser = _CommentText()
    parser.feed((html or "").replace("\r\n", "\n"))
    parser.close()
    text = "".join(parser.out)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
