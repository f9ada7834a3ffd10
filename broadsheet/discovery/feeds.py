"""RSS 2.0 and Atom feeds: the site, each section, author and tag, and each article's
comments. Django's syndication framework, subclassed: one feed class per listing, an
Atom twin of each.
"""

import mimetypes

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape, format_html_join
from taggit.models import Tag
from wagtail.models import Site

from broadsheet.engagement import selectors as engagement
from broadsheet.newsroom import selectors as newsroom
from broadsheet.newsroom.models import ArticlePage, Author, PublicationSettings, SectionPage
from broadsheet.newsroom.structured_data import LEAD_IMAGE_RENDITION, canonical_url
from broadsheet.reader_input import clean_text

ITEMS = 20


class XmlText:
    """A feed generator that drops what XML 1.0 cannot carry (NUL, most C0 controls)
    from every text it writes. Django's refuses such text with an exception: one
    comment stored with a control character (before they were cleaned at input), or a
    headline pasted with one, would make the feed a 500 until it scrolled out."""

    def write(self, outfile, encoding):
        self.feed = {key: _xml_text(value) for key, value in self.feed.items()}
        self.items = [{key: _xml_text(value) for key, value in item.items()} for item in self.items]
        super().write(outfile, encoding)


def _xml_text(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, (list, tuple)):  # categories
        return type(value)(_xml_text(part) for part in value)
    return value


class Rss(XmlText, Rss201rev2Feed):
    pass


class Atom(XmlText, Atom1Feed):
    pass


class TextTitles:
    """Item titles are plain text (a headline, a reader's name). Atom says so (its titles
    are type "text"); RSS readers take a title as HTML, so for RSS it is escaped, as
    Django's own default item_title does: either way a reader sees the text, never
    markup made from it. Descriptions are HTML in both, built from escaped text."""

    def item_title(self, item) -> str:
        title = self.item_title_text(item)
        return title if issubclass(self.feed_type, Atom1Feed) else escape(title)

    def item_title_text(self, item) -> str:
        raise NotImplementedError


class ArticleFeed(TextTitles, Feed):
    """The newest live articles; subclasses narrow the listing."""

    feed_type = Rss

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def publication(self) -> str:
        return PublicationSettings.for_request(self.request).name

    def title(self, obj=None) -> str:
        return self.publication()

    def link(self, obj=None) -> str:
        return canonical_url(self.request, "/")

    def description(self, obj=None) -> str:
        return PublicationSettings.for_request(self.request).tagline or self.title(obj)

    def articles(self, obj):
        return newsroom.live_articles()

    def items(self, obj=None):
        return newsroom.attach_sections(self.articles(obj).prefetch_related("tags")[:ITEMS])

    def item_title_text(self, item: ArticlePage) -> str:
        return item.title

    def item_link(self, item: ArticlePage) -> str:
        return item.get_full_url(self.request)

    def item_guid(self, item: ArticlePage) -> str:
        # Stable across slug changes and moves between sections.
        return f"urn:uuid:{item.translation_key}"

    item_guid_is_permalink = False

    def item_description(self, item: ArticlePage) -> str:
        # The description is HTML; the article's text is text (an editor may write "<").
        if settings.FEEDS_FULL_TEXT:
            paragraphs = item.plain_text().split("\n\n")
            return format_html_join("", "<p>{}</p>", ((p,) for p in paragraphs))
        return escape(item.summary)

    def item_pubdate(self, item: ArticlePage):
        return item.first_published_at

    def item_updateddate(self, item: ArticlePage):
        return item.updated_at or item.last_published_at or item.first_published_at

    def item_author_name(self, item: ArticlePage) -> str | None:
        names = [author.name for author in item.authors]
        return ", ".join(names) or None

    def item_categories(self, item: ArticlePage) -> list[str]:
        return [tag.name for tag in item.tags.all()]  # prefetched in items()

    def item_enclosures(self, item: ArticlePage):
        from django.utils.feedgenerator import Enclosure

        if item.lead_image is None:
            return []
        rendition = item.lead_image.get_rendition(LEAD_IMAGE_RENDITION)
        mime = mimetypes.guess_type(rendition.file.name)[0] or "image/jpeg"
        try:
            length = str(rendition.file.size)
        except OSError:
            length = "0"
        return [Enclosure(canonical_url(self.request, rendition.url), length, mime)]


class SectionFeed(ArticleFeed):
    def get_object(self, request, slug):
        site = Site.find_for_request(request)
        section = SectionPage.objects.live().filter(slug=slug).first()
        if section is None or (site and not section.path.startswith(site.root_page.path)):
            raise Http404("No such section.")
        return section

    def title(self, obj):
        return f"{obj.title} · {self.publication()}"

    def link(self, obj):
        return obj.get_full_url(self.request)

    def description(self, obj):
        return obj.intro or self.title(obj)

    def articles(self, obj):
        return newsroom.articles_in_section(obj)


class AuthorFeed(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Author, slug=slug)

    def title(self, obj):
        return f"{obj.name} · {self.publication()}"

    def link(self, obj):
        return canonical_url(self.request, obj.get_absolute_url())

    def description(self, obj):
        return obj.bio or self.title(obj)

    def articles(self, obj):
        return newsroom.articles_by_author(obj)


class TagFeed(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, obj):
        return f"{obj.name} · {self.publication()}"

    def link(self, obj):
        return canonical_url(self.request, f"/tags/{obj.slug}/")

    def description(self, obj):
        return f"Articles about {obj.name}"

    def articles(self, obj):
        return newsroom.articles_with_tag(obj)


class CommentsFeed(TextTitles, Feed):
    """An article's newest approved comments, and its editors' picks however old, newest
    first: a pick is marked with the category "Editors' pick" (the pin with "Pinned"),
    and an author's or staff member's comment says so in its title, as the page's
    badges do (earned by account, see engagement's mark_voice)."""

    feed_type = Rss

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, article_id):
        return get_object_or_404(newsroom.public(ArticlePage.objects.live()), pk=article_id)

    def title(self, obj):
        return f"Comments on “{obj.title}”"

    def link(self, obj):
        return obj.get_full_url(self.request) + "#comments"

    def description(self, obj):
        return self.title(obj)

    def items(self, obj):
        latest = engagement.latest_comments_on(obj.pk, ITEMS)
        shown = {comment.pk for comment in latest}
        picks = [c for c in engagement.picks(obj.pk) if c.pk not in shown]
        for pick in picks:
            pick.page = obj  # as latest_comments_on's select_related gives it
        items = sorted([*latest, *picks], key=lambda c: (c.created_at, c.pk), reverse=True)
        engagement.mark_voice(items, obj)
        return items

    def item_title_text(self, item) -> str:
        badge = f" ({item.badge_label})" if item.badge else ""
        return f"{item.author_name}{badge} on “{item.page.title}”"

    def item_categories(self, item) -> list[str]:
        marks = ((item.picked, "Editors' pick"), (item.pinned, "Pinned"))
        return [label for on, label in marks if on]

    def item_link(self, item):
        return f"{item.page.get_full_url(self.request)}#comment-{item.pk}"

    def item_guid(self, item):
        return f"{item.page.get_full_url(self.request)}#comment-{item.pk}"

    def item_description(self, item):
        return item.body_html  # rendered through the one sanitizer when saved

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.edited_at or item.created_at

    def item_author_name(self, item):
        return item.author_name


def atom(feed_class):
    """The Atom twin of an RSS feed class."""
    attributes = {"feed_type": Atom, "subtitle": feed_class.description}
    return type(f"Atom{feed_class.__name__}", (feed_class,), attributes)
