"""The sitemap index, the Google News sitemap and robots.txt.

Every document is validated against XSD schemas kept in data/xsd (the official
sitemaps.org schema for urlsets; see the README there for the others), then checked
element by element for what the schemas cannot know: which pages are listed.
"""

import re
from datetime import timedelta
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xmlschema
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


XSD = Path(__file__).parent / "data" / "xsd"


@cache
def schema(root: str) -> xmlschema.XMLSchema:
    """The schema for a document whose root is `root`; extensions are validated strictly.

    The sitemap index and the urlset share a namespace, so each has its own schema.
    """
    if root == "sitemapindex":
        return xmlschema.XMLSchema(XSD / "siteindex.xsd")
    return xmlschema.XMLSchema(
        XSD / "sitemap.xsd",
        locations=[
            (NS["image"], str(XSD / "sitemap-image.xsd")),
            (NS["news"], str(XSD / "sitemap-news.xsd")),
        ],
    )


def validate(content: bytes) -> ElementTree.Element:
    tree = ElementTree.fromstring(content)
    schema(tree.tag.split("}")[1]).validate(content.decode())
    return tree


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return validate(response.content)


def test_the_schemas_refuse_what_search_engines_would(client, site):
    """The schemas bite: a news entry without its title, or a lastmod that is not a date."""
    news = client.get("/news-sitemap.xml").content.decode()
    untitled = re.sub(r"<news:title>.*?</news:title>", "", news, flags=re.S)
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        validate(untitled.encode())
    index = client.get("/sitemap.xml").content.decode()
    undated = re.sub(r"<lastmod>[^<]*</lastmod>", "<lastmod>yesterday</lastmod>", index)
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        validate(undated.encode())
    articles = client.get("/sitemap-articles-1.xml").content.decode()
    imageless = articles.replace("<image:loc>", "<image:caption>").replace(
        "</image:loc>", "</image:caption>"
    )
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        validate(imageless.encode())


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
