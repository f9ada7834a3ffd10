"""The export as WordPress eXtended RSS (WXR 1.2), the file WordPress's own importer
(Tools → Import → WordPress) reads.

Laid out as WordPress's export writes it: the channel with `wp:wxr_version`,
`wp:base_site_url`, one `wp:author` per byline, one `wp:category` per section, one
`wp:tag` per tag; then an `item` per image (`attachment`, with its file's URL) and per
article (`post`, its section as category, its tags, its lead image as `_thumbnail_id`,
its comments with their parent ids, a quoted passage as comment meta; votes and the
rating summary as wpDiscuz's meta, which `import_wxr` reads back). WordPress
leaves spam out of its exports, and so do we; a removed comment goes as `trash`, a held
one as `0`. Post ids are the article ids; an image's attachment id is its id plus the
highest page id, so the two never meet. Written as a stream: articles a page at a time,
each article's comments a few thousand at a time.
"""

from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from django.db.models import Max
from django.utils import timezone
from taggit.models import Tag
from wagtail.images.models import Image
from wagtail.models import Page, Site
from wagtail.rich_text import expand_db_html

from broadsheet.engagement.models import Comment, RatingSummary
from broadsheet.newsroom.models import (
    ArticleAuthor,
    ArticlePage,
    ArticleTag,
    Author,
    PublicationSettings,
    SectionPage,
)
from broadsheet.reader_input import clean_text

WXR_VERSION = "1.2"
NAMESPACES = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": "http://wordpress.org/export/1.2/",
}
FALLBACK_AUTHOR = "newsroom"
COMMENT_APPROVED = {
    Comment.Status.APPROVED: "1",
    Comment.Status.PENDING: "0",
    Comment.Status.SHADOW: "0",
    Comment.Status.REMOVED: "trash",
}
ARTICLES_AT_ONCE = 100


def cdata(text) -> str:
    """Text as a CDATA section, as WordPress writes it; a "]]>" inside is split."""
    text = clean_text(text or "")
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text(value) -> str:
    return escape(clean_text("" if value is None else str(value)))


def _element(name: str, value, raw: bool = False) -> str:
    return f"<{name}>{value if raw else text(value)}</{name}>"


def _dates(moment: datetime | None) -> tuple[str, str]:
    if moment is None:
        return "0000-00-00 00:00:00", "0000-00-00 00:00:00"
    local = timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
    return local, moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _rss_date(moment: datetime | None) -> str:
    moment = moment or timezone.now()
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def write_wxr(path: Path) -> int:
    """Write the WXR file; returns how many items (attachments and posts) it holds."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    base = site.root_url if site else ""
    publication = PublicationSettings.objects.filter(site=site).first() if site else None
    name = publication.name if publication else (site.site_name if site else "Broadsheet")
    sections = {s.path: s for s in SectionPage.objects.all()}
    media_offset = Page.objects.aggregate(top=Max("pk"))["top"] or 0
    items = 0
    with open(path, "w", encoding="utf-8") as out:
        w = out.write
        w('<?xml version="1.0" encoding="UTF-8" ?>\n')
        w("<!-- A WordPress eXtended RSS file written by Broadsheet's export. -->\n")
        w('<rss version="2.0"')
        for prefix, uri in NAMESPACES.items():
            w(f"\n\txmlns:{prefix}={quoteattr(uri)}")
        w(">\n<channel>\n")
        w(f"\t{_element('title', name)}\n\t{_element('link', base)}\n")
        w(f"\t{_element('description', publication.tagline if publication else '')}\n")
        w(f"\t{_element('pubDate', _rss_date(None))}\n\t<language>en</language>\n")
        w(f"\t{_element('wp:wxr_version', WXR_VERSION)}\n")
        w(f"\t{_element('wp:base_site_url', base)}\n\t{_element('wp:base_blog_url', base)}\n")
        _authors(w)
        for section in sections.values():
            w(
                "\t<wp:category>"
                + _element("wp:term_id", section.pk)
                + _element("wp:category_nicename", cdata(section.slug), raw=True)
                + "<wp:category_parent><![CDATA[]]></wp:category_parent>"
                + _element("wp:cat_name", cdata(section.title), raw=True)
                + _element("wp:category_description", cdata(section.intro), raw=True)
                + "</wp:category>\n"
            )
        for tag in Tag.objects.order_by("pk").iterator():
            w(
                "\t<wp:tag>"
                + _element("wp:term_id", tag.pk)
                + _element("wp:tag_slug", cdata(tag.slug), raw=True)
                + _element("wp:tag_name", cdata(tag.name), raw=True)
                + "</wp:tag>\n"
            )
        w(f"\t<generator>{text('Broadsheet')}</generator>\n")
        for image in Image.objects.order_by("pk").iterator():
            w(_attachment(image, media_offset, base))
            items += 1
        last = 0
        while True:
            articles = list(
                ArticlePage.objects.filter(pk__gt=last)
                .order_by("pk")
                .select_related("lead_image")
                .prefetch_related("corrections")[:ARTICLES_AT_ONCE]
            )
            if not articles:
                break
            last = articles[-1].pk
            for part in _posts(articles, sections, media_offset):
                w(part)
            items += len(articles)
        w("</channel>\n</rss>\n")
    return items


def _authors(w) -> None:
    for author in Author.objects.order_by("pk").iterator():
        w(
            "\t<wp:author>"
            + _element("wp:author_id", author.pk)
            + _element("wp:author_login", cdata(author.slug), raw=True)
            + "<wp:author_email><![CDATA[]]></wp:author_email>"
            + _element("wp:author_display_name", cdata(author.name), raw=True)
            + "<wp:author_first_name><![CDATA[]]></wp:author_first_name>"
            + "<wp:author_last_name><![CDATA[]]></wp:author_last_name>"
            + "</wp:author>\n"
        )
    w(
        "\t<wp:author><wp:author_id>0</wp:author_id>"
        + _element("wp:author_login", cdata(FALLBACK_AUTHOR), raw=True)
        + "<wp:author_email><![CDATA[]]></wp:author_email>"
        + _element("wp:author_display_name", cdata("The newsroom"), raw=True)
        + "</wp:author>\n"
    )


def _meta(key: str, value) -> str:
    return (
        "\t\t<wp:postmeta>"
        + _element("wp:meta_key", cdata(key), raw=True)
        + _element("wp:meta_value", cdata(str(value)), raw=True)
        + "</wp:postmeta>\n"
    )


def _item_head(*, title, link, when, creator, post_id, slug, status, post_type) -> str:
    local, gmt = _dates(when)
    return (
        "\t<item>\n"
        f"\t\t{_element('title', cdata(title), raw=True)}\n"
        f"\t\t{_element('link', link)}\n"
        f"\t\t{_element('pubDate', _rss_date(when))}\n"
        f"\t\t{_element('dc:creator', cdata(creator), raw=True)}\n"
        f'\t\t<guid isPermaLink="false">{text(link)}</guid>\n'
        "\t\t<description></description>\n"
        f"\t\t{_element('wp:post_id', post_id)}\n"
        f"\t\t{_element('wp:post_date', cdata(local), raw=True)}\n"
        f"\t\t{_element('wp:post_date_gmt', cdata(gmt), raw=True)}\n"
        f"\t\t{_element('wp:post_name', cdata(slug), raw=True)}\n"
        f"\t\t{_element('wp:status', cdata(status), raw=True)}\n"
        "\t\t<wp:post_parent>0</wp:post_parent>\n\t\t<wp:menu_order>0</wp:menu_order>\n"
        f"\t\t{_element('wp:post_type', cdata(post_type), raw=True)}\n"
        "\t\t<wp:post_password><![CDATA[]]></wp:post_password>\n"
        "\t\t<wp:is_sticky>0</wp:is_sticky>\n"
    )


def _attachment(image, offset: int, base: str) -> str:
    url = image.file.url
    if url.startswith("/"):
        url = base + url
    return (
        _item_head(
            title=image.title,
            link=url,
            when=image.created_at,
            creator=FALLBACK_AUTHOR,
            post_id=offset + image.pk,
            slug=f"image-{image.pk}",
            status="inherit",
            post_type="attachment",
        )
        + "\t\t<content:encoded><![CDATA[]]></content:encoded>\n"
        + "\t\t<excerpt:encoded><![CDATA[]]></excerpt:encoded>\n"
        + f"\t\t{_element('wp:attachment_url', cdata(url), raw=True)}\n"
        + _meta("_wp_attached_file", image.file.name)
        + _meta("_wp_attachment_image_alt", image.description)
        + "\t</item>\n"
    )


def body_html(article: ArticlePage, media_offset: int | None = None) -> str:
    """The body as plain HTML: text blocks with their links expanded, quotes with who
    said them, images as figures with caption, credit and provenance, embeds as links.
    With `media_offset`, an image carries its attachment's id as WordPress writes it
    (`class="wp-image-ID"`), so an importer finds the attachment it is."""
    parts = []
    for block in article.body:
        value = block.value
        if block.block_type == "paragraph":
            parts.append(expand_db_html(value.source))
        elif block.block_type == "heading":
            parts.append(f"<h2>{escape(value)}</h2>")
        elif block.block_type == "quote":
            cite = ", ".join(escape(value[k]) for k in ("speaker", "outlet") if value.get(k))
            parts.append(
                f"<blockquote><p>{escape(value['quote'])}</p>"
                + (f"<cite>{cite}</cite>" if cite else "")
                + "</blockquote>"
            )
        elif block.block_type == "image" and value.get("image"):
            caption = " ".join(
                escape(value[k]) for k in ("caption", "credit", "source") if value.get(k)
            )
            image = value["image"]
            wp_class = (
                f' class="wp-image-{media_offset + image.pk}"' if media_offset is not None else ""
            )
            parts.append(
                f'<figure class="wp-block-image"><img src={quoteattr(image.file.url)} '
                f"alt={quoteattr(image.description or image.title)}{wp_class}>"
                f"<figcaption>{caption}</figcaption></figure>"
            )
        elif block.block_type == "embed" and value:
            parts.append(f"<p><a href={quoteattr(value.url)}>{escape(value.url)}</a></p>")
    return "\n".join(parts)


def _posts(articles: list, sections: dict, media_offset: int):
    ids = [a.pk for a in articles]
    bylines: dict = {pk: [] for pk in ids}
    for page_id, slug in (
        ArticleAuthor.objects.filter(page_id__in=ids)
        .order_by("page_id", "sort_order")
        .values_list("page_id", "author__slug")
    ):
        bylines[page_id].append(slug)
    ratings = {
        page_id: (count, total)
        for page_id, count, total in RatingSummary.objects.filter(
            page_id__in=ids, count__gt=0
        ).values_list("page_id", "count", "total")
    }
    tags: dict = {pk: [] for pk in ids}
    for link in ArticleTag.objects.filter(content_object_id__in=ids).select_related("tag"):
        tags[link.content_object_id].append(link.tag)
    for article in articles:
        status = "publish" if article.live else "draft"
        if not article.live and article.go_live_at and article.go_live_at > timezone.now():
            status = "future"
        creator = bylines[article.pk][0] if bylines[article.pk] else FALLBACK_AUTHOR
        content = body_html(article, media_offset)
        corrections = list(article.corrections.all())
        if corrections:
            content += "\n<h2>Corrections</h2>\n" + "\n".join(
                f"<p><strong>{escape(timezone.localtime(c.published_at).date().isoformat())}"
                f"</strong> {escape(c.text)}</p>"
                for c in corrections
            )
        when = article.first_published_at or article.latest_revision_created_at
        parts = [
            _item_head(
                title=article.title,
                link=article.get_full_url() or "",
                when=when,
                creator=creator,
                post_id=article.pk,
                slug=article.slug,
                status=status,
                post_type="post",
            ),
            f"\t\t<content:encoded>{cdata(content)}</content:encoded>\n",
            f"\t\t<excerpt:encoded>{cdata(article.standfirst)}</excerpt:encoded>\n",
            "\t\t<wp:comment_status>"
            + cdata("open" if article.comments_open else "closed")
            + "</wp:comment_status>\n",
            "\t\t<wp:ping_status><![CDATA[closed]]></wp:ping_status>\n",
        ]
        section = sections.get(article.path[: -article.steplen])
        if section:
            parts.append(
                f'\t\t<category domain="category" nicename={quoteattr(section.slug)}>'
                f"{cdata(section.title)}</category>\n"
            )
        for tag in tags[article.pk]:
            parts.append(
                f'\t\t<category domain="post_tag" nicename={quoteattr(tag.slug)}>'
                f"{cdata(tag.name)}</category>\n"
            )
        for slug in bylines[article.pk][1:]:
            parts.append(_meta("broadsheet_coauthor", slug))
        if article.lead_image_id:
            parts.append(_meta("_thumbnail_id", media_offset + article.lead_image_id))
            for key in ("caption", "credit", "source", "provenance", "usage_restriction"):
                parts.append(
                    _meta(f"broadsheet_lead_image_{key}", getattr(article, f"lead_image_{key}"))
                )
            parts.append(_meta("broadsheet_lead_image_verified", int(article.lead_image_verified)))
        if article.pk in ratings:
            # wpDiscuz keeps a post's rating as its average and count.
            count, total = ratings[article.pk]
            parts.append(_meta("wpdiscuz_post_rating", repr(total / count)))
            parts.append(_meta("wpdiscuz_post_rating_count", count))
        yield "".join(parts)
        # An article's comments as a stream of their own: a 30,000-comment discussion
        # is never held in memory at once.
        for comment in (
            Comment.objects.filter(page_id=article.pk)
            .exclude(status=Comment.Status.SPAM)
            .select_related("user", "annotation")
            .order_by("pk")
            .iterator(chunk_size=2000)
        ):
            yield _comment(comment)
        yield "\t</item>\n"


def _comment(comment: Comment) -> str:
    local, gmt = _dates(comment.created_at)
    email = comment.user.email if comment.user_id else comment.guest_email
    return (
        "\t\t<wp:comment>"
        + _element("wp:comment_id", comment.pk)
        + _element("wp:comment_author", cdata(comment.author_name), raw=True)
        + _element("wp:comment_author_email", cdata(email), raw=True)
        + _element("wp:comment_author_url", comment.author_url)
        + "<wp:comment_author_IP><![CDATA[]]></wp:comment_author_IP>"
        + _element("wp:comment_date", cdata(local), raw=True)
        + _element("wp:comment_date_gmt", cdata(gmt), raw=True)
        + _element("wp:comment_content", cdata(comment.body_html), raw=True)
        + _element("wp:comment_approved", cdata(COMMENT_APPROVED[comment.status]), raw=True)
        + "<wp:comment_type><![CDATA[comment]]></wp:comment_type>"
        + _element("wp:comment_parent", comment.parent_id or 0)
        + "<wp:comment_user_id>0</wp:comment_user_id>"
        + _passage_meta(comment)
        + _votes_meta(comment)
        + "</wp:comment>\n"
    )


def _comment_meta(key: str, value) -> str:
    return (
        "<wp:commentmeta>"
        + _element("wp:meta_key", cdata(key), raw=True)
        + _element("wp:meta_value", cdata(str(value)), raw=True)
        + "</wp:commentmeta>"
    )


def _votes_meta(comment: Comment) -> str:
    """The comment's vote totals as wpDiscuz keeps them: the net total and the likes and
    dislikes apart (a serialized PHP array), so WordPress with wpDiscuz, or `import_wxr`,
    shows the same counts."""
    if not comment.upvotes and not comment.downvotes:
        return ""
    separate = f'a:2:{{s:4:"like";i:{comment.upvotes};s:7:"dislike";i:{comment.downvotes};}}'
    return _comment_meta("wpdiscuz_votes", comment.upvotes - comment.downvotes) + _comment_meta(
        "wpdiscuz_votes_seperate", separate
    )


def _passage_meta(comment: Comment) -> str:
    """The passage a comment quotes, as comment meta (WordPress has no place for it)."""
    passage = comment.passage
    if passage is None:
        return ""
    return "".join(
        _comment_meta(key, value)
        for key, value in (
            ("broadsheet_passage", passage.exact),
            ("broadsheet_passage_start", passage.start),
            ("broadsheet_passage_end", passage.end),
        )
    )
