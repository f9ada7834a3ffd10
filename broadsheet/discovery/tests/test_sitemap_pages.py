"""The sitemaps past one page, and on the canonical host: what django.contrib.sitemaps
does for us (its paginator and index) in the URLs we publish."""

import re
from xml.etree import ElementTree

import pytest
from wagtail.models import Site

from broadsheet.discovery.sitemaps import ArticleSitemap
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def world(db):
    home = HomePageFactory()
    return SectionPageFactory(parent=home, title="World", slug="world")


def locations(client, url, **headers) -> list[str]:
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return [loc.text for loc in ElementTree.fromstring(response.content).iter(f"{{{NS['sm']}}}loc")]


def test_articles_past_the_limit_go_on_numbered_pages(client, world, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    for n in range(5):
        ArticlePageFactory(parent=world, slug=f"story-{n}")
    index = [re.sub(r"^https?://[^/]+", "", loc) for loc in locations(client, "/sitemap.xml")]
    assert index == [
        "/sitemap-articles-1.xml",
        "/sitemap-articles-2.xml",
        "/sitemap-articles-3.xml",
        "/sitemap-sections.xml",
        "/sitemap-authors.xml",
    ]
    pages = [locations(client, f"/sitemap-articles-{n}.xml") for n in (1, 2, 3)]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert len({loc for page in pages for loc in page}) == 5
    assert client.get("/sitemap-articles-4.xml").status_code == 404
    # Django's own spellings of a part are not URLs of ours.
    assert client.get("/sitemap-articles.xml").status_code == 404
    assert client.get("/sitemap-news.xml").status_code == 404


def test_every_url_is_on_the_sites_host_whichever_host_was_asked(client, world, settings):
    settings.ALLOWED_HOSTS = ["*"]
    Site.objects.filter(is_default_site=True).update(hostname="news.example", port=443)
    ArticlePageFactory(parent=world, slug="story")
    asked = {"HTTP_HOST": "127.0.0.1:8000"}
    urls = locations(client, "/sitemap.xml", **asked)
    for part in ("/sitemap-articles-1.xml", "/sitemap-sections.xml", "/news-sitemap.xml"):
        urls += locations(client, part, **asked)
    assert urls and all(url.startswith("https://news.example/") for url in urls), urls
