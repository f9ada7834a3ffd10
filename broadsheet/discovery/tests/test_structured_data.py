"""Structured data across apps: comment count, breadcrumbs, corrections, section and
author pages."""

import json
import re

import pytest
from django.utils import timezone

from broadsheet.engagement.tests.conftest import Reader
from broadsheet.newsroom.models import Correction
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    AuthorFactory,
    HomePageFactory,
    SectionPageFactory,
)

pytestmark = pytest.mark.django_db


def json_ld(client, url) -> dict:
    html = client.get(url).content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1, url
    return json.loads(blocks[0])


@pytest.fixture
def story(db):
    home = HomePageFactory()
    world = SectionPageFactory(parent=home, title="World", slug="world", intro="Far news.")
    ada = AuthorFactory(name="Ada Byrne", slug="ada-byrne", role="Correspondent")
    return ArticlePageFactory(parent=world, title="Bridge talks", slug="bridge", authors=[ada])


def test_article_has_comment_count_breadcrumbs_and_corrections(client, story):
    Reader().comment(story, "First!")
    Reader("198.51.100.4").comment(story, "Second.")
    Correction.objects.create(page=story, published_at=timezone.now(), text="We fixed a date.")

    data = json_ld(client, story.url)

    assert data["@type"] == "NewsArticle"
    assert data["commentCount"] == 2
    crumbs = data["mainEntityOfPage"]["breadcrumb"]
    assert crumbs["@type"] == "BreadcrumbList"
    assert [item["name"] for item in crumbs["itemListElement"]][1:] == ["World", "Bridge talks"]
    assert [item["position"] for item in crumbs["itemListElement"]] == [1, 2, 3]
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "We fixed a date.",
            "datePublished": data["correction"][0]["datePublished"],
        }
    ]


def test_section_page_is_a_collection_page(client, story):
    data = json_ld(client, "/world/")
    assert data["@type"] == "CollectionPage"
    assert data["name"] == "World"
    assert data["mainEntity"]["itemListElement"][0]["name"] == "Bridge talks"


def test_author_page_is_a_profile_page(client, story):
    data = json_ld(client, "/authors/ada-byrne/")
    assert data["@type"] == "ProfilePage"
    assert data["mainEntity"]["@type"] == "Person"
    assert data["mainEntity"]["name"] == "Ada Byrne"
    assert data["mainEntity"]["jobTitle"] == "Correspondent"
    assert data["hasPart"]["itemListElement"][0]["url"].endswith("/world/bridge/")
