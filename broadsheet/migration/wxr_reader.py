"""Reading a WordPress eXtended RSS export (WXR 1.1 and 1.2) as a stream.

WordPress's Tools › Export writes one RSS `<channel>` holding the site's base URL, its
authors (`wp:author`), categories, tags and terms, then one `<item>` per post, page or
attachment, each with its postmeta and comments. `read_wxr` walks the file with
defusedxml's iterparse and yields each of those as a plain record, dropping the element
once read, so memory stays flat however large the export. Entity declarations and
external references are refused (billion laughs, XXE); malformed XML raises
`WxrError` with the line and column.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

WP_PREFIX = "{http://wordpress.org/export/"  # 1.0, 1.1, 1.2 differ only in the version
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
EXCERPT_PREFIX = "{http://wordpress.org/export/"  # excerpt namespace: .../1.x/excerpt/
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


class WxrError(Exception):
    """The file is not a WXR export we can read; the message says where and why."""


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def is_wp(tag: str) -> bool:
    return tag.startswith(WP_PREFIX) and "/excerpt/" not in tag


@dataclass
class Site:
    base_site_url: str = ""
    base_blog_url: str = ""
    wxr_version: str = ""
    title: str = ""


@dataclass
class WpAuthor:
    wp_id: str
    login: str
    email: str
    display_name: str
    first_name: str = ""
    last_name: str = ""


@dataclass
class WpTerm:
    kind: str  # "category" or "tag"
    wp_id: str
    slug: str
    name: str
    parent: str = ""


@dataclass
class WpComment:
    wp_id: str
    author: str
    email: str
    url: str
    ip: str
    date: str
    date_gmt: str
    content: str
    approved: str
    type: str
    parent: str
    user_id: str
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class WpItem:
    wp_id: str
    post_type: str
    title: str = ""
    link: str = ""
    guid: str = ""
    creator: str = ""
    content: str = ""
    excerpt: str = ""
    post_date: str = ""
    post_date_gmt: str = ""
    modified_gmt: str = ""
    status: str = ""
    slug: str = ""
    parent: str = ""
    comment_status: str = ""
    attachment_url: str = ""
    categories: list[tuple[str, str, str]] = field(default_factory=list)  # domain, slug, name
    meta: dict[str, str] = field(default_factory=dict)
    # Every value of a post meta key WordPress repeats (`meta` keeps the last one), e.g.
    # one `broadsheet_coauthor` per co-author in Broadsheet's own export.
    meta_values: dict[str, list[str]] = field(default_factory=dict)
    comments: list[WpComment] = field(default_factory=list)


def _text(element, name: str) -> str:
    for child in element:
        if local(child.tag) == name and (is_wp(child.tag) or "}" not in child.tag):
            return (child.text or "").strip()
    return ""


def _meta(element) -> dict[str, str]:
    meta: dict[str, str] = {}
    for child in element:
        if local(child.tag) in ("postmeta", "commentmeta"):
            key = _text(child, "meta_key")
            if key:
                meta[key] = _text(child, "meta_value")
    return meta


def _author(element) -> WpAuthor:
    return WpAuthor(
        wp_id=_text(element, "author_id"),
        login=_text(element, "author_login"),
        email=_text(element, "author_email"),
        display_name=_text(element, "author_display_name"),
        first_name=_text(element, "author_first_name"),
        last_name=_text(element, "author_last_name"),
    )


def _term(element, kind: str) -> WpTerm:
    if kind == "category":
        return WpTerm(
            "category",
            _text(element, "term_id"),
            _text(element, "category_nicename"),
            _text(element, "cat_name"),
            _text(element, "category_parent"),
        )
    return WpTerm(
        "tag", _text(element, "term_id"), _text(element, "tag_slug"), _text(element, "tag_name")
    )


def _comment(element) -> WpComment:
    return WpComment(
        wp_id=_text(element, "comment_id"),
        author=_text(element, "comment_author"),
        email=_text(element, "comment_author_email"),
        url=_text(element, "comment_author_url"),
        ip=_text(element, "comment_author_IP"),
        date=_text(element, "comment_date"),
        date_gmt=_text(element, "comment_date_gmt"),
        content=next((c.text or "" for c in element if local(c.tag) == "comment_content"), ""),
        approved=_text(element, "comment_approved"),
        type=_text(element, "comment_type"),
        parent=_text(element, "comment_parent"),
        user_id=_text(element, "comment_user_id"),
        meta=_meta(element),
    )


# An item's one-value fields: element name -> WpItem attribute, its text stripped (the
# last one wins, as WordPress's importer reads them). RSS's own elements, then wp:'s.
_ITEM_FIELDS = {"title": "title", "link": "link", "guid": "guid"}
_WP_ITEM_FIELDS = {
    "post_date": "post_date",
    "post_date_gmt": "post_date_gmt",
    "post_modified_gmt": "modified_gmt",
    "status": "status",
    "post_name": "slug",
    "post_parent": "parent",
    "comment_status": "comment_status",
    "attachment_url": "attachment_url",
}


def _item(element) -> WpItem:
    item = WpItem(wp_id=_text(element, "post_id"), post_type=_text(element, "post_type"))
    for child in element:
        tag, name = child.tag, local(child.tag)
        text = child.text or ""
        if tag == CONTENT:
            item.content = text
        elif tag.endswith("/excerpt/}encoded"):
            item.excerpt = text.strip()
        elif tag == DC_CREATOR:
            item.creator = text.strip()
        elif "}" not in tag:
            if name in _ITEM_FIELDS:
                setattr(item, _ITEM_FIELDS[name], text.strip())
            elif name == "category":
                item.categories.append(
                    (child.get("domain", ""), child.get("nicename", ""), text.strip())
                )
        elif is_wp(tag):
            if name in _WP_ITEM_FIELDS:
                setattr(item, _WP_ITEM_FIELDS[name], text.strip())
            elif name == "postmeta":
                key = _text(child, "meta_key")
                if key:
                    item.meta[key] = _text(child, "meta_value")
                    item.meta_values.setdefault(key, []).append(item.meta[key])
            elif name == "comment":
                item.comments.append(_comment(child))
    return item


def read_wxr(source) -> Iterator[Site | WpAuthor | WpTerm | WpItem]:
    """Yield the export's records in file order: a `Site` as soon as the channel's base
    URL is read (before any item), then authors, terms and items. `source` is a path or
    a binary file. Raises WxrError for malformed XML (with line and column), for entity
    declarations or external references, and for a file that is not WXR."""
    site = Site()
    site_sent = False
    channel = None
    depth = 0
    try:
        events = iterparse(source, events=("start", "end"), forbid_dtd=False, forbid_entities=True)
        for event, element in events:
            if event == "start":
                depth += 1
                if depth == 1 and local(element.tag) != "rss":
                    raise WxrError(
                        "not a WordPress export: the root element is "
                        f"<{local(element.tag)}>, not <rss>"
                    )
                if depth == 2 and local(element.tag) == "channel":
                    channel = element
                continue
            depth -= 1
            if depth != 2 or channel is None:
                continue
            tag, name = element.tag, local(element.tag)
            record = None
            if name == "item" and "}" not in tag:
                record = _item(element)
            elif is_wp(tag):
                if name == "author":
                    record = _author(element)
                elif name == "category":
                    record = _term(element, "category")
                elif name == "tag":
                    record = _term(element, "tag")
                elif name == "base_site_url":
                    site.base_site_url = (element.text or "").strip()
                elif name == "base_blog_url":
                    site.base_blog_url = (element.text or "").strip()
                elif name == "wxr_version":
                    site.wxr_version = (element.text or "").strip()
            elif name == "title" and "}" not in tag:
                site.title = (element.text or "").strip()
            if record is not None:
                if not site_sent:
                    site_sent = True
                    yield site
                yield record
            # Done with it: drop it from the channel so memory stays flat.
            channel.remove(element)
        if channel is None:
            raise WxrError("not a WordPress export: no <channel>")
        if not site_sent:
            yield site
    except ParseError as error:
        line, column = error.position
        reason = str(error).split(":", 1)[0]
        raise WxrError(f"malformed XML at line {line}, column {column}: {reason}") from error
    except DefusedXmlException as error:
        raise WxrError(
            f"refused: the file declares entities or refers to external ones ({error}); "
            "a WordPress export never does"
        ) from error
