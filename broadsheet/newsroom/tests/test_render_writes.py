"""Reading an article writes nothing to the database (issue 19): a page the page cache
cannot serve (a signed-in reader, or the page cache off) is rendered with reads only,
on the database cache that `make run` and `broadsheet serve` use. Wagtail used to write
its image renditions into that cache on every render (seven writes a page), because
renditions read from the database are written back to the cache each time; they now
have a cache of their own (settings.CACHES["renditions"])."""

import os
import re
import runpy

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

import broadsheet.settings
from broadsheet.engagement.tests.conftest import Reader
from broadsheet.newsroom.tests.factories import ArticlePageFactory, ImageFactory

pytestmark = pytest.mark.django_db

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@pytest.fixture
def database_cache(settings, monkeypatch):
    """The caches as the settings module computes them for CACHE_BACKEND=database (no
    Redis), its table made in the test database."""
    monkeypatch.setenv("CACHE_BACKEND", "database")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("BROADSHEET_VAR_DIR", os.environ.get("BROADSHEET_VAR_DIR", "var"))
    settings.CACHES = runpy.run_path(broadsheet.settings.__file__)["CACHES"]
    call_command("createcachetable", verbosity=0)


@pytest.fixture
def illustrated_article(world, ada):
    """An article with a lead picture and a discussion, read once already (so what a
    first render may create, the picture's renditions, exists)."""
    article = ArticlePageFactory(
        parent=world,
        authors=[ada],
        title="Quay at dawn",
        slug="quay-at-dawn",
        lead_image=ImageFactory(),
        lead_image_caption="The quay at dawn.",
        lead_image_credit="Staff photographer",
        lead_image_provenance="staff",
    )
    Reader("198.51.100.40").comment(article, "The light there is something else.")
    return article


def writes_while_reading(client, url) -> list[str]:
    client.get(url)  # the first render makes the renditions: a write, once per picture
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert "Quay at dawn" in response.content.decode()
    return [q["sql"] for q in queries.captured_queries if WRITE.match(q["sql"])]


def test_a_signed_in_reader_reading_an_article_writes_nothing(
    client, database_cache, illustrated_article
):
    reader = User.objects.create_user("mara", "mara@example.org", "a-long-password-3")
    client.force_login(reader)
    assert writes_while_reading(client, illustrated_article.url) == []


def test_an_article_rendered_without_the_page_cache_writes_nothing(
    client, settings, database_cache, illustrated_article
):
    settings.PAGE_CACHE = False
    assert writes_while_reading(client, illustrated_article.url) == []
