"""/sitemap.xml lists every live article, and every listed article is a whole page."""

import json
import re
from xml.etree import ElementTree

import pytest

from broadsheet.newsroom.tests.factories import ArticlePageFactory, ImageFactory

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_locations(client) -> list[str]:
    """Every page URL listed, following /sitemap.xml's index to its sitemaps."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    index = ElementTree.fromstring(response.content)
    locations = []
    for sitemap in index.findall("sm:sitemap/sm:loc", NS):
        part = client.get(re.sub(r"^https?://[^/]+", "", sitemap.text))
        assert part.status_code == 200
        tree = ElementTree.fromstring(part.content)
        locations += [loc.text for loc in tree.findall("sm:url/sm:loc", NS)]
    return locations


def test_sitemap_lists_live_articles_but_not_drafts(client, world, ada):
    live = [
        ArticlePageFactory(parent=world, authors=[ada], lead_image=ImageFactory(), slug=f"live-{n}")
        for n in range(3)
    ]
    ArticlePageFactory(parent=world, live=False, slug="draft-story")

    locations = sitemap_locations(client)

    for article in live:
        assert any(loc.endswith(f"/world/{article.slug}/") for loc in locations)
    assert not any("draft-story" in loc for loc in locations)


def test_every_article_in_the_sitemap_is_served_with_json_ld_and_figure(client, world, ada):
    for n in range(3):
        ArticlePageFactory(
            parent=world,
            authors=[ada],
            slug=f"story-{n}",
            lead_image=ImageFactory(),
            lead_image_caption=f"Caption {n}",
            lead_image_credit=f"Credit {n}",
        )
    article_paths = [
        re.sub(r"^https?://[^/]+", "", loc) for loc in sitemap_locations(client) if "/story-" in loc
    ]
    assert len(article_paths) == 3
    for path in article_paths:
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 200
        data = json.loads(
            re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
        )
        assert data["@type"] == "NewsArticle"
        figcaption = re.search(r"<figcaption>(.*?)</figcaption>", html, re.S).group(1)
        assert "Caption" in figcaption and "Credit" in figcaption
