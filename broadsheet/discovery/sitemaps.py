"""Sitemaps for search engines and news aggregators, and the robots.txt that names them.

/sitemap.xml is a sitemap index: articles (with lastmod and their lead image), sections
and authors, articles paged by 10,000. /news-sitemap.xml follows Google News: articles
of the last two days, at most 1,000. Every URL is the canonical one (the Wagtail Site's
host).
"""

import math
from datetime import timedelta

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import cache_control

from broadsheet.newsroom import selectors as newsroom
from broadsheet.newsroom.models import Author, PublicationSettings, SectionPage
from broadsheet.newsroom.structured_data import LEAD_IMAGE_RENDITION, canonical_url
from broadsheet.reader_input import MAX_PAGE, whole_number

ARTICLES_PER_SITEMAP = 10_000
NEWS_DAYS = 2
NEWS_LIMIT = 1_000
XML = "application/xml; charset=utf-8"


def _xml(request, template, context) -> HttpResponse:
    return TemplateResponse(request, template, context, content_type=XML)


def _articles():
    return newsroom.live_articles().order_by("-first_published_at", "-pk")


@cache_control(max_age=600)
def index(request: HttpRequest) -> HttpResponse:
    articles = _articles()
    newest = articles.values_list("last_published_at", flat=True).first()
    pages = max(1, math.ceil(articles.count() / ARTICLES_PER_SITEMAP))
    sitemaps = [
        {"loc": canonical_url(request, f"/sitemap-articles-{n}.xml"), "lastmod": newest}
        for n in range(1, pages + 1)
    ]
    sitemaps += [
        {"loc": canonical_url(request, "/sitemap-sections.xml"), "lastmod": newest},
        {"loc": canonical_url(request, "/sitemap-authors.xml"), "lastmod": newest},
    ]
    return _xml(request, "discovery/sitemap_index.xml", {"sitemaps": sitemaps})


@cache_control(max_age=600)
def articles(request: HttpRequest, number: int) -> HttpResponse:
    if whole_number(number, low=1, high=MAX_PAGE) is None:  # its offset would overflow
        raise Http404("No such sitemap page.")
    start = (number - 1) * ARTICLES_PER_SITEMAP
    page = list(_articles()[start : start + ARTICLES_PER_SITEMAP])
    if not page and number != 1:
        raise Http404("No such sitemap page.")
    urls = []
    for article in page:
        entry = {
            "loc": article.get_full_url(request),
            "lastmod": article.updated_at or article.last_published_at,
            "images": [],
        }
        if article.lead_image:
            rendition = article.lead_image.get_rendition(LEAD_IMAGE_RENDITION)
            entry["images"].append(canonical_url(request, rendition.url))
        urls.append(entry)
    return _xml(request, "discovery/sitemap.xml", {"urls": urls})


@cache_control(max_age=600)
def sections(request: HttpRequest) -> HttpResponse:
    urls = [
        {"loc": section.get_full_url(request), "lastmod": section.last_published_at}
        for section in newsroom.public(SectionPage.objects.live()).order_by("path")
    ]
    return _xml(request, "discovery/sitemap.xml", {"urls": urls})


@cache_control(max_age=600)
def authors(request: HttpRequest) -> HttpResponse:
    urls = [
        {"loc": canonical_url(request, author.get_absolute_url()), "lastmod": None}
        for author in Author.objects.filter(article_links__isnull=False).distinct()
    ]
    return _xml(request, "discovery/sitemap.xml", {"urls": urls})


@cache_control(max_age=300)
def news(request: HttpRequest) -> HttpResponse:
    since = timezone.now() - timedelta(days=NEWS_DAYS)
    recent = _articles().filter(first_published_at__gte=since)[:NEWS_LIMIT]
    context = {
        "articles": [(article.get_full_url(request), article) for article in recent],
        "publication": PublicationSettings.for_request(request).name,
        "language": settings.LANGUAGE_CODE.split("-")[0],
    }
    return _xml(request, "discovery/news_sitemap.xml", context)


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
