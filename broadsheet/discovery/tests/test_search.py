"""Search: ranked, filtered, paged and highlighted; clear pages for empty or odd queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    home = HomePageFactory()
    world = SectionPageFactory(parent=home, title="World", slug="world")
    politics = SectionPageFactory(parent=home, title="Politics", slug="politics")
    ferry = ArticlePageFactory(
        parent=world,
        title="Ferry strike ends",
        standfirst="Crews return to the island route.",
        body=[("paragraph", "<p>The ferry crews accepted a pay rise after nine days.</p>")],
    )
    budget = ArticlePageFactory(
        parent=politics,
        title="Harbour budget passes",
        standfirst="The assembly votes for dredging.",
        body=[("paragraph", "<p>Ferry operators welcomed the deeper channel.</p>")],
    )
    old = ArticlePageFactory(
        parent=world,
        title="Old ferry timetable",
        standfirst="Winter sailings.",
        body=[("paragraph", "<p>The ferry runs twice a day in winter.</p>")],
    )
    type(old).objects.filter(pk=old.pk).update(
        first_published_at=timezone.now() - timedelta(days=400)
    )
    ArticlePageFactory(parent=world, title="Ferry draft", live=False)
    return {"ferry": ferry, "budget": budget, "old": old}


def test_search_page_ranks_and_highlights(client, site):
    response = client.get("/search/", {"q": "ferry"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 results for “ferry”" in html
    assert "Ferry draft" not in html
    assert "<mark>ferry</mark>" in html.lower()


def test_filters_by_section_and_date(client, site):
    in_politics = client.get("/search/", {"q": "ferry", "section": "politics"}).content.decode()
    assert "1 result for" in in_politics and "Harbour budget passes" in in_politics
    since = (timezone.now() - timedelta(days=30)).date().isoformat()
    recent = client.get("/search/", {"q": "ferry", "from": since}).content.decode()
    assert "2 results for" in recent and "Old ferry timetable" not in recent


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("", 200, "Type a word or two"),
        ("   ", 200, "Type a word or two"),
        ('""" ((( ***', 400, "punctuation alone"),
        ("x" * 500, 400, "long search"),
        ("nothingmatchesthis", 200, "Nothing found"),
        ('ferry" OR "1=1', 200, "result"),
    ],
)
def test_empty_or_absurd_queries_get_a_clear_page(client, site, query, status, message):
    response = client.get("/search/", {"q": query, "page": "abc", "from": "not-a-date"})
    assert response.status_code == status
    assert message in response.content.decode()


def test_search_api(client, site):
    data = client.get("/api/v1/search", {"q": "ferry", "limit": 2}).json()
    assert data["count"] == 3
    assert len(data["results"]) == 2
    assert set(data["results"][0]) == {"id", "url", "title", "snippet"}
    assert "<mark>" in "".join(r["snippet"] for r in data["results"]).lower()
    assert client.get("/api/v1/search", {"q": ""}).status_code == 400
    assert client.get("/api/v1/search", {"q": "ferry", "limit": 0}).status_code == 400


def test_search_ranks_on_wagtails_index_and_agrees_with_wagtail(site):
    """On SQLite and PostgreSQL the search reads Wagtail's index directly (one ranked
    query); it finds what Wagtail's own search finds, title matches first."""
    from django.db import connection

    from broadsheet.discovery import fulltext
    from broadsheet.discovery.search import search_articles

    assert fulltext.available() == (connection.vendor in ("sqlite", "postgresql"))
    results, _ = search_articles("ferry")
    found = [article.pk for article in results[0:10]]
    live = type(site["ferry"]).objects.live().public()
    assert set(found) == {page.pk for page in live.search("ferry", operator="and")}
    assert results.count() == len(found) == 3
    # "Ferry" is in the titles of two of them; the budget story has it in its body only.
    assert found[-1] == site["budget"].pk
    assert [a.pk for a in results[1:3]] == found[1:3]
