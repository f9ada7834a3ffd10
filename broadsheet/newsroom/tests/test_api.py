"""GET /api/v1/articles: live articles, newest first, with clear 400s for bad paging."""

from datetime import timedelta

import pytest
from django.utils import timezone

from broadsheet.newsroom.tests.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stories(world, home):
    now = timezone.now()
    made = []
    for n in range(5):
        article = ArticlePageFactory(parent=world, title=f"Story {n}", slug=f"story-{n}")
        article.first_published_at = now - timedelta(hours=10 - n)
        article.save(update_fields=["first_published_at"])
        made.append(article)
    ArticlePageFactory(parent=world, title="Draft", live=False)
    return made


def test_lists_live_articles_newest_first(client, stories):
    response = client.get("/api/v1/articles?limit=3")
    data = response.json()

    assert response.status_code == 200
    assert data["count"] == 5
    assert [item["title"] for item in data["results"]] == ["Story 4", "Story 3", "Story 2"]
    first = data["results"][0]
    assert set(first) == {"id", "url", "title", "section", "published"}
    assert first["id"] == stories[4].pk
    assert first["url"].startswith("http") and first["url"].endswith("/world/story-4/")
    assert first["section"] == "World"
    assert first["published"].startswith(str(stories[4].first_published_at.date()))


def test_offset_pages_through_the_list(client, stories):
    data = client.get("/api/v1/articles?limit=2&offset=3").json()
    assert [item["title"] for item in data["results"]] == ["Story 1", "Story 0"]
    assert client.get("/api/v1/articles?offset=50").json() == {"count": 5, "results": []}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=1.5", "offset"),
    ],
)
def test_bad_paging_is_a_400_with_a_message(client, stories, query, field):
    response = client.get(f"/api/v1/articles?{query}")
    assert response.status_code == 400
    assert field in response.json()["detail"]


def test_query_count_is_flat(client, stories, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(10) as few:
        client.get("/api/v1/articles?limit=100")
    baseline = len(few)  # read now: each request resets the query log
    for n in range(10):
        ArticlePageFactory(parent=world, title=f"More {n}")
    with django_assert_max_num_queries(baseline):
        client.get("/api/v1/articles?limit=100")


def test_openapi_schema_describes_the_endpoint(client, home):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/articles" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/v1/articles"]["get"]["parameters"]}
    assert {"limit", "offset"} <= params
