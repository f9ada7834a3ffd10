"""Sitemaps for search engines and news aggregators, and the robots.txt that names them.

Built on django.contrib.sitemaps: a `Sitemap` per kind of page, Django's paginator
(`limit`) and its index and sitemap views, with our templates for the image and Google
News extensions. /sitemap.xml is the index: articles (with lastmod and their lead image)
paged by 10,000 as /sitemap-articles-<n>.xml, sections, authors. /news-sitemap.xml
follows Google News: articles of the last two days, at most 1,000. Every URL is on the
canonical host (the Wagtail Site's), whichever host the request came by.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import cache_control

from broadsheet.newsroom import selectors as newsroom
from broadsheet.newsroom.models import ArticlePage, Author, PublicationSettings, SectionPage
from broadsheet.newsroom.structured_data import LEAD_IMAGE_RENDITION, canonical_url
from broadsheet.reader_input import MAX_PAGE, whole_number

ARTICLES_PER_SITEMAP = 10_000
NEWS_DAYS = 2
NEWS_LIMIT = 1_000
XML = "application/xml; charset=utf-8"


def _articles():
    return (
        newsroom.public(ArticlePage.objects.live())
        .select_related("lead_image")
        .order_by("-first_published_at", "-pk")
    )


def _newest_publication():
    return _articles().aggregate(newest=Max("last_published_at"))["newest"]


class CanonicalSitemap(Sitemap):
    """A sitemap whose URLs are on the canonical host: Django prefixes each location
    with the protocol and domain it is given, so they are the Wagtail Site's."""

    def __init__(self, request: HttpRequest):
        self.request = request
        self.root = urlsplit(canonical_url(request, "/"))

    def get_protocol(self, protocol=None):
        return self.root.scheme

    def get_domain(self, site=None):
        return self.root.netloc


class PageSitemap(CanonicalSitemap):
    def location(self, page):
        # The path under the site's root: what Wagtail's get_url_parts() says.
        return page.get_url_parts(self.request)[2]


class ArticleSitemap(PageSitemap):
    limit = ARTICLES_PER_SITEMAP

    def items(self):
        return _articles()

    def lastmod(self, article):
        return article.updated_at or article.last_published_at

    def get_latest_lastmod(self):
        return _articles().aggregate(newest=Max(Coalesce("updated_at", "last_published_at")))[
            "newest"
        ]

    def get_urls(self, page=1, site=None, protocol=None):
        """Each URL with its lead image (the rendition structured data names)."""
        urls = super().get_urls(page, site, protocol)
        for url in urls:
            image = url["item"].lead_image
            url["images"] = (
                [canonical_url(self.request, image.get_rendition(LEAD_IMAGE_RENDITION).url)]
                if image
                else []
            )
        return urls


class SectionSitemap(PageSitemap):
    def items(self):
        return newsroom.public(SectionPage.objects.live()).order_by("path")

    def lastmod(self, section):
        return section.last_published_at

    def get_latest_lastmod(self):
        # A section's page changes with every article published in it.
        return _newest_publication()


class AuthorSitemap(CanonicalSitemap):
    """Authors with at least one article; their pages have no date of their own."""

    def items(self):
        return Author.objects.filter(article_links__isnull=False).distinct().order_by("slug")

    def location(self, author):
        return author.get_absolute_url()

    def get_latest_lastmod(self):
        return _newest_publication()


class NewsSitemap(PageSitemap):
    """Google News: the last NEWS_DAYS days, newest first, at most NEWS_LIMIT."""

    limit = NEWS_LIMIT

    def items(self):
        since = timezone.now() - timedelta(days=NEWS_DAYS)
        return _articles().filter(first_published_at__gte=since)[:NEWS_LIMIT]


# The index's parts. Articles come first (the index lists them in this order).
SITEMAPS = {"articles": ArticleSitemap, "sections": SectionSitemap, "authors": AuthorSitemap}


def _sitemaps(request: HttpRequest, *sections: str) -> dict[str, Sitemap]:
    return {name: SITEMAPS[name](request) for name in sections or SITEMAPS}


def _index_location(request: HttpRequest, location: str) -> str:
    """Django names a part's pages /sitemap-articles.xml?p=<n>; ours are
    /sitemap-articles-<n>.xml, on the canonical host."""
    url = urlsplit(location)
    path = url.path
    if path == "/sitemap-articles.xml":
        page = parse_qs(url.query).get("p", ["1"])[0]
        path = f"/sitemap-articles-{page}.xml"
    return canonical_url(request, path)


@cache_control(max_age=600)
def index(request: HttpRequest) -> HttpResponse:
    response = sitemap_views.index(
        request,
        _sitemaps(request),
        template_name="discovery/sitemap_index.xml",
        content_type=XML,
        sitemap_url_name="discovery:sitemap-part",
    )
    for item in response.context_data["sitemaps"]:
        item.location = _index_location(request, item.location)
    return response


@cache_control(max_age=600)
def articles(request: HttpRequest, number: int) -> HttpResponse:
    if whole_number(number, low=1, high=MAX_PAGE) is None:  # its offset would overflow
        raise Http404("No such sitemap page.")
    # Django's sitemap view reads the page from ?p=; ours is in the path.
    request.GET = request.GET.copy()
    request.GET["p"] = str(number)
    return sitemap_views.sitemap(
        request,
        _sitemaps(request, "articles"),
        section="articles",
        template_name="discovery/sitemap.xml",
        content_type=XML,
    )


@cache_control(max_age=600)
def part(request: HttpRequest, section: str) -> HttpResponse:
    """/sitemap-sections.xml and /sitemap-authors.xml (articles have numbered pages)."""
    if section not in SITEMAPS or section == "articles":
        raise Http404("No such sitemap.")
    return sitemap_views.sitemap(
        request,
        _sitemaps(request, section),
        section=section,
        template_name="discovery/sitemap.xml",
        content_type=XML,
    )


@cache_control(max_age=300)
def news(request: HttpRequest) -> HttpResponse:
    response = sitemap_views.sitemap(
        request,
        {"news": NewsSitemap(request)},
        section="news",
        template_name="discovery/news_sitemap.xml",
        content_type=XML,
    )
    response.context_data["publication"] = PublicationSettings.for_request(request).name
    response.context_data["language"] = settings.LANGUAGE_CODE.split("-")[0]
    return response


def robots(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /accounts/",
        "Disallow: /comments/",
        "",
        f"Sitemap: {canonical_url(request, '/sitemap.xml')}",
        f"Sitemap: {canonical_url(request, '/news-sitemap.xml')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
