"""The sitemap index, the Google News sitemap and robots.txt.

The structure is checked element by element here; validation against the official XSD
files is still to come (see issue 7).
"""

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    AuthorFactory,
    HomePageFactory,
    ImageFactory,
    SectionPageFactory,
)

pytestmark = pytest.mark.django_db

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


@pytest.fixture
def site(db):
    home = HomePageFactory()
    world = SectionPageFactory(parent=home, title="World", slug="world")
    ada = AuthorFactory(name="Ada Byrne", slug="ada-byrne")
    fresh = ArticlePageFactory(
        parent=world, title="Fresh & new", authors=[ada], lead_image=ImageFactory()
    )
    old = ArticlePageFactory(parent=world, title="Old story", slug="old-story")
    type(old).objects.filter(pk=old.pk).update(
        first_published_at=timezone.now() - timedelta(days=5)
    )
    ArticlePageFactory(parent=world, title="Draft", slug="draft", live=False)
    return {"fresh": fresh, "old": old}


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_sitemap_index_lists_articles_sections_and_authors(client, site):
    index = xml(client, "/sitemap.xml")
    assert index.tag == f"{{{NS['sm']}}}sitemapindex"
    parts = [path_of(loc.text) for loc in index.findall("sm:sitemap/sm:loc", NS)]
    assert parts == ["/sitemap-articles-1.xml", "/sitemap-sections.xml", "/sitemap-authors.xml"]
    assert all(s.find("sm:lastmod", NS) is not None for s in index.findall("sm:sitemap", NS))

    articles = xml(client, "/sitemap-articles-1.xml")
    urls = articles.findall("sm:url", NS)
    locs = [path_of(url.find("sm:loc", NS).text) for url in urls]
    assert set(locs) == {site["fresh"].url, "/world/old-story/"}
    assert all(url.find("sm:lastmod", NS) is not None for url in urls)
    fresh = next(u for u in urls if u.find("sm:loc", NS).text.endswith(site["fresh"].url))
    assert fresh.find("image:image/image:loc", NS).text.startswith("http")

    sections = [
        path_of(u.text) for u in xml(client, "/sitemap-sections.xml").findall(".//sm:loc", NS)
    ]
    assert sections == ["/world/"]
    authors = [
        path_of(u.text) for u in xml(client, "/sitemap-authors.xml").findall(".//sm:loc", NS)
    ]
    assert authors == ["/authors/ada-byrne/"]
    assert client.get("/sitemap-articles-2.xml").status_code == 404


def test_news_sitemap_has_the_last_two_days_only(client, site):
    news = xml(client, "/news-sitemap.xml")
    urls = news.findall("sm:url", NS)
    assert len(urls) == 1
    item = urls[0].find("news:news", NS)
    assert item.find("news:publication/news:name", NS).text
    assert item.find("news:publication/news:language", NS).text == "en"
    assert item.find("news:title", NS).text == "Fresh & new"
    assert item.find("news:publication_date", NS).text.startswith(
        str(site["fresh"].first_published_at.date())
    )


def test_robots_txt_names_both_sitemaps(client, site):
    response = client.get("/robots.txt")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert re.search(r"^Sitemap: https?://\S+/sitemap\.xml$", text, re.M)
    assert re.search(r"^Sitemap: https?://\S+/news-sitemap\.xml$", text, re.M)
    assert "Disallow: /admin/" in text
